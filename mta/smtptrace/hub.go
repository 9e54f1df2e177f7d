package smtptrace

import (
	"bytes"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Event is one chunk of a session: what the client sent (Sent) or read.
type Event struct {
	Time    time.Time `json:"time"`
	Session uint64    `json:"session"` // numbers the sessions of this process
	Source  string    `json:"source"`
	Site    string    `json:"site"`
	Host    string    `json:"host"`
	Peer    string    `json:"peer"`
	Sent    bool      `json:"sent"`
	Text    string    `json:"text"`
	// Dropped counts the events this watcher lost before this one (it
	// read too slowly).
	Dropped int64 `json:"dropped,omitempty"`
}

// Filter selects sessions: every field set must match; Sites is any of.
type Filter struct {
	Sites  []string
	Source string
}

func (f Filter) match(source, site string) bool {
	if f.Source != "" && f.Source != source {
		return false
	}
	if len(f.Sites) == 0 {
		return true
	}
	for _, s := range f.Sites {
		if s == site {
			return true
		}
	}
	return false
}

// maxText bounds the text of one event: a message body goes by in chunks
// of which a watcher sees the start.
const maxText = 512

type watcher struct {
	f       Filter
	ch      chan Event
	dropped atomic.Int64
}

// Hub fans session events out to the watchers whose filter matches.
type Hub struct {
	mu       sync.Mutex
	watchers map[*watcher]struct{}
	n        atomic.Int32
	sessions atomic.Uint64
}

// NewHub returns a hub with no watcher.
func NewHub() *Hub { return &Hub{watchers: map[*watcher]struct{}{}} }

// Watch subscribes f; events arrive on the channel until stop is called.
func (h *Hub) Watch(f Filter) (events <-chan Event, stop func()) {
	w := &watcher{f: f, ch: make(chan Event, 1024)}
	h.mu.Lock()
	h.watchers[w] = struct{}{}
	h.n.Add(1)
	h.mu.Unlock()
	return w.ch, func() {
		h.mu.Lock()
		if _, ok := h.watchers[w]; ok {
			delete(h.watchers, w)
			h.n.Add(-1)
		}
		h.mu.Unlock()
	}
}

// Tracer returns the function a session of (source, site) to host at
// peer calls with each chunk, or nil when no watcher wants it.
func (h *Hub) Tracer(source, site, host string, peer netip.AddrPort) func(sent bool, data []byte) {
	if h == nil || h.n.Load() == 0 {
		return nil
	}
	h.mu.Lock()
	var ws []*watcher
	for w := range h.watchers {
		if w.f.match(source, site) {
			ws = append(ws, w)
		}
	}
	h.mu.Unlock()
	if len(ws) == 0 {
		return nil
	}
	id := h.sessions.Add(1)
	return func(sent bool, data []byte) {
		ev := Event{Time: time.Now(), Session: id, Source: source, Site: site, Host: host, Peer: peer.String(),
			Sent: sent, Text: string(bytes.TrimRight(data[:min(len(data), maxText)], "\r\n"))}
		for _, w := range ws {
			h.send(w, ev)
		}
	}
}

// send never blocks: a full watcher loses the event, and learns how many
// with its next one.
func (h *Hub) send(w *watcher, ev Event) {
	ev.Dropped = w.dropped.Load()
	select {
	case w.ch <- ev:
		w.dropped.Add(-ev.Dropped)
	default:
		w.dropped.Add(1)
	}
}
