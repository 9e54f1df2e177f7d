package reception

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/wasmta/wasmta/mta/events"
)

// rejectionLog writes Rejection records at a bounded rate: a flood of
// refusals (20,000 pipelined bad RCPTs, a connection storm) must not turn
// into megabytes of records. Past the rate, records are only counted, per
// reason, and one summary record (reason "suppressed") carries the counts
// when the next record is let through or the server shuts down.
type rejectionLog struct {
	sink events.Sink
	lim  *rate.Limiter

	mu      sync.Mutex
	dropped map[string]int // reason -> records not written since the last summary
}

func newRejectionLog(sink events.Sink, perSecond int) *rejectionLog {
	return &rejectionLog{sink: sink, lim: rate.NewLimiter(rate.Limit(perSecond), perSecond),
		dropped: make(map[string]int)}
}

// record writes rec, or counts it when the rate is spent.
func (l *rejectionLog) record(rec *events.Record) {
	if !l.lim.Allow() {
		l.mu.Lock()
		l.dropped[rec.Reason]++
		l.mu.Unlock()
		return
	}
	l.flush(rec.Time)
	l.sink.Record(rec)
}

// flush writes the summary of what was counted, if anything was.
func (l *rejectionLog) flush(now time.Time) {
	l.mu.Lock()
	if len(l.dropped) == 0 {
		l.mu.Unlock()
		return
	}
	counts := l.dropped
	l.dropped = make(map[string]int)
	l.mu.Unlock()
	l.sink.Record(summaryRecord(now, "", counts))
}

// summaryRecord is the Rejection record standing for records not written:
// meta.suppressed is their number, meta.reasons the count per reason
// ("relay=19990,auth=10", reasons sorted).
func summaryRecord(now time.Time, peer string, counts map[string]int) *events.Record {
	total := 0
	parts := make([]string, 0, len(counts))
	for _, r := range slices.Sorted(maps.Keys(counts)) {
		total += counts[r]
		parts = append(parts, r+"="+strconv.Itoa(counts[r]))
	}
	return &events.Record{Type: events.Rejection, Time: now, Peer: peer, Reason: "suppressed",
		Meta: map[string]string{"suppressed": strconv.Itoa(total), "reasons": strings.Join(parts, ",")}}
}

// sessionRejections caps the Rejection records of one session: past max,
// refusals are counted and summarised in one record when the session ends.
type sessionRejections struct {
	mu      sync.Mutex
	written int
	counted map[string]int
}

// admit reports whether one more record of the session may be written,
// counting it when not.
func (r *sessionRejections) admit(reason string, max int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.written < max {
		r.written++
		return true
	}
	if r.counted == nil {
		r.counted = make(map[string]int)
	}
	r.counted[reason]++
	return false
}

// summary returns the record of what was counted, nil when nothing was.
func (r *sessionRejections) summary(now time.Time, peer string) *events.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.counted) == 0 {
		return nil
	}
	rec := summaryRecord(now, peer, r.counted)
	r.counted = nil
	return rec
}
