// Package testrec is an events.Sink for tests: it keeps every record and
// lets a test wait for records of a type.
package testrec

import (
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/events"
)

// Recorder keeps every record it is given.
type Recorder struct {
	mu   sync.Mutex
	recs []events.Record
	ch   chan struct{}
}

// New returns an empty recorder.
func New() *Recorder { return &Recorder{ch: make(chan struct{}, 1)} }

// Record implements events.Sink.
func (r *Recorder) Record(rec *events.Record) {
	r.mu.Lock()
	r.recs = append(r.recs, *rec)
	r.mu.Unlock()
	select {
	case r.ch <- struct{}{}:
	default:
	}
}

// Count returns how many records of type t were written.
func (r *Recorder) Count(t events.Type) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rec := range r.recs {
		if rec.Type == t {
			n++
		}
	}
	return n
}

// Sequence returns every record, in the order they were written.
func (r *Recorder) Sequence() []events.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.Record(nil), r.recs...)
}

// All returns the records of type t, in order.
func (r *Recorder) All(t events.Type) []events.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.Record
	for _, rec := range r.recs {
		if rec.Type == t {
			out = append(out, rec)
		}
	}
	return out
}

// WaitFor waits until at least n records of type typ were written, and
// fails the test after within.
func (r *Recorder) WaitFor(t testing.TB, typ events.Type, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for r.Count(typ) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d %s records after %v, want %d", r.Count(typ), typ, within, n)
		}
		select {
		case <-r.ch:
		case <-time.After(20 * time.Millisecond):
		}
	}
}
