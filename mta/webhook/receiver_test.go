package webhook

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is a real HTTP server on loopback that keeps what it is sent.
// While down it answers 503; while hung it never answers.
type receiver struct {
	srv    *http.Server
	ln     net.Listener
	secret []byte

	down atomic.Bool
	hang atomic.Bool

	mu      sync.Mutex
	batches []batch
	badSigs int
	changed chan struct{}
}

// batch is one POST the receiver took.
type batch struct {
	Webhook string            `json:"webhook"`
	Events  []json.RawMessage `json:"events"`
	header  http.Header
	at      time.Time
}

// received is the part of an event the tests look at.
type received struct {
	EventID   string `json:"event_id"`
	Type      string `json:"type"`
	ID        string `json:"id"`
	Tenant    string `json:"tenant"`
	Recipient string `json:"recipient"`
	Reason    string `json:"reason"`
	Time      time.Time
	at        time.Time
}

func startReceiver(t *testing.T, secret string) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{ln: ln, secret: []byte(secret), changed: make(chan struct{}, 1)}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve)}
	go r.srv.Serve(ln)
	t.Cleanup(func() { r.hang.Store(false); r.srv.Close() })
	return r
}

func (r *receiver) url() string { return "http://" + r.ln.Addr().String() + "/events" }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	for r.hang.Load() {
		select {
		case <-req.Context().Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	if r.down.Load() {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var b batch
	if err := json.Unmarshal(body, &b); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b.header, b.at = req.Header.Clone(), time.Now()
	r.mu.Lock()
	if len(r.secret) > 0 && Verify(r.secret, req.Header.Get(HeaderSignature), body, time.Now(), time.Minute) != nil {
		r.badSigs++
	}
	r.batches = append(r.batches, b)
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusNoContent)
}

// events returns every event received, in arrival order.
func (r *receiver) events(t *testing.T) []received {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []received
	for _, b := range r.batches {
		for _, raw := range b.Events {
			var ev received
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatalf("event %s: %v", raw, err)
			}
			ev.at = b.at
			out = append(out, ev)
		}
	}
	return out
}

// distinct counts the distinct event ids received.
func distinct(evs []received) int {
	seen := map[string]bool{}
	for _, e := range evs {
		seen[e.EventID] = true
	}
	return len(seen)
}

// waitDistinct waits until n distinct events arrived.
func (r *receiver) waitDistinct(t *testing.T, n int, within time.Duration) []received {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		evs := r.events(t)
		if distinct(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d distinct events after %v, want %d", distinct(evs), within, n)
		}
		select {
		case <-r.changed:
		case <-time.After(20 * time.Millisecond):
		}
	}
}
