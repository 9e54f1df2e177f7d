package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/spool"
)

// hook is one webhook: its filter, its outbox and its sender's state.
type hook struct {
	o      *Outbox
	cfg    config.Webhook
	types  map[events.Type]bool // nil = every type
	client *http.Client

	buf   []byte // segment header slot + lines waiting for the writer, under o.mu
	bufN  int
	spare []byte // a written segment's buffer, for reuse, under o.mu

	segMu   sync.Mutex    // numbers and writes segments in order
	written atomic.Uint64 // highest segment number written
	notify  chan struct{} // a segment was written

	stop context.CancelFunc // ends the sender (Reconfigure), under o.mu
	done chan struct{}      // closed when the sender has ended

	// Sender goroutine only.
	pos     position // first record not acknowledged
	readSeg uint64   // next segment to load
	queue   []event  // loaded, not acknowledged

	backlog, delivered, posts, failures atomic.Int64
	errMu                               sync.Mutex
	lastErr                             string
	lastErrAt                           time.Time
}

// event is one record loaded from a segment.
type event struct {
	seg  uint64
	idx  int
	last bool      // the last record of its segment
	at   time.Time // when its segment was written
	line []byte    // JSON, without the newline
}

func newHook(o *Outbox, c config.Webhook) *hook {
	h := &hook{o: o, cfg: c, notify: make(chan struct{}, 1), client: o.opts.Client}
	if len(c.Events) > 0 {
		h.types = map[events.Type]bool{}
		for _, t := range c.Events {
			h.types[events.Type(t)] = true
		}
	}
	if h.client == nil {
		h.client = &http.Client{Timeout: c.Timeout}
	}
	return h
}

func (h *hook) wants(r *events.Record) bool {
	return (h.cfg.Tenant == "" || h.cfg.Tenant == r.Tenant) && (h.types == nil || h.types[r.Type])
}

// restore finds where the sender stopped and what is left to send: the
// cursor, then the segments from there on. Segments before the cursor
// (acknowledged, their deletes lost in a crash) are deleted now.
func (h *hook) restore() error {
	name := h.cfg.Name
	v, err := h.o.st.GetAux(namespace, cursorKey(name))
	if err != nil && !errors.Is(err, spool.ErrNotFound) {
		return fmt.Errorf("webhook %s: read cursor: %w", name, err)
	}
	pos, _ := decodePosition(v)
	var segs []uint64
	var backlog int64
	err = h.o.st.ScanAux(namespace, segmentPrefix(name), func(k, v []byte) error {
		_, seg, ok := parseSegmentKey(k)
		_, lines, okv := decodeSegment(v)
		if !ok || !okv {
			return nil
		}
		if seg < pos.seg {
			return h.o.st.DeleteAux(namespace, k, false)
		}
		segs = append(segs, seg)
		backlog += int64(len(lines))
		if seg == pos.seg {
			backlog -= int64(min(pos.off, len(lines)))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("webhook %s: scan outbox: %w", name, err)
	}
	h.pos = normalize(pos, segs)
	h.readSeg = h.pos.seg
	h.written.Store(max(h.pos.seg-1, lastOf(segs)))
	h.backlog.Store(backlog)
	return nil
}

// normalize turns a stored cursor into the first record to send, given
// the segments that exist from the cursor on.
func normalize(pos position, segs []uint64) position {
	if pos.seg == 0 {
		pos.seg = 1
	}
	if len(segs) == 0 || segs[0] != pos.seg {
		// The cursor's segment is gone (fully acknowledged): start at the
		// next one that exists, or at the next number to be written.
		next := pos.seg
		if pos.off > 0 {
			next++
		}
		if len(segs) > 0 {
			next = segs[0]
		}
		return position{seg: next}
	}
	return pos
}

func lastOf(s []uint64) uint64 {
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
}

// appendSegment writes the next segment of the webhook's outbox: data is
// a header slot then n lines.
func (h *hook) appendSegment(data []byte, n int, sync bool) error {
	h.segMu.Lock()
	defer h.segMu.Unlock()
	seg := h.written.Load() + 1
	putSegmentHeader(data, time.Now())
	if err := h.o.st.PutAux(namespace, segmentKey(h.cfg.Name, seg), data, sync); err != nil {
		h.o.log.Error("webhook: write outbox; records lost", "webhook", h.cfg.Name, "records", n, "err", err)
		return fmt.Errorf("webhook %s: write segment %d: %w", h.cfg.Name, seg, err)
	}
	h.written.Store(seg)
	h.backlog.Add(int64(n))
	select {
	case h.notify <- struct{}{}:
	default:
	}
	return nil
}

func (h *hook) failed(err error) {
	h.failures.Add(1)
	h.errMu.Lock()
	h.lastErr, h.lastErrAt = err.Error(), time.Now()
	h.errMu.Unlock()
}

func (h *hook) stats() Stats {
	h.errMu.Lock()
	defer h.errMu.Unlock()
	return Stats{Name: h.cfg.Name, Tenant: h.cfg.Tenant, URL: redactedURL(h.cfg.URL), Backlog: h.backlog.Load(), Delivered: h.delivered.Load(),
		Posts: h.posts.Load(), Failures: h.failures.Load(), LastError: h.lastErr, LastErrAt: h.lastErrAt}
}

// redactedURL hides a password the URL may carry (admin API answers are
// read by people who need not know it).
func redactedURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Redacted()
}
