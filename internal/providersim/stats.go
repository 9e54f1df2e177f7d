package providersim

import (
	"slices"
	"time"
)

// Counters are the figures kept for one provider or one client IP.
// ConnsNow and ConnsPeak count every open TCP connection, including one
// that is being refused over MaxConnsPerIP: a sender that opens one
// connection too many shows a peak above the limit. A connection over the
// limit is counted only after waiting briefly (connGrace) for a slot, so a
// sender reconnecting right after QUIT is not seen above the limit because
// the server had not yet closed the old connection.
type Counters struct {
	ConnsOpened  int64 `json:"conns_opened"`
	ConnsNow     int64 `json:"conns_now"`
	ConnsPeak    int64 `json:"conns_peak"`
	ConnsRefused int64 `json:"conns_refused"` // refused over MaxConnsPerIP
	Messages     int64 `json:"messages"`      // accepted at end of DATA
	Recipients   int64 `json:"recipients"`    // recipients of accepted messages
	Throttled    int64 `json:"throttled"`     // ThrottleReply sent
	TempFailures int64 `json:"temp_failures"` // TempFailReply sent
	UnknownUsers int64 `json:"unknown_users"` // UnknownUserReply sent
	MsgsPerConn  int64 `json:"msgs_per_conn"` // MsgsPerConnReply sent
}

// Second is the number of messages accepted during one Unix second.
type Second struct {
	Unix     int64 `json:"t"`
	Messages int64 `json:"n"`
}

// IPStats are the counters of one client IP (or of the whole provider) and
// its accepted messages per second, oldest first, over the Options.KeepSeconds
// up to the last accepted message. Seconds without a message are left out.
type IPStats struct {
	Counters
	Accepted []Second `json:"accepted"`
}

// AcceptedBetween counts messages accepted in the whole seconds from
// from.Unix() included to to.Unix() excluded.
func (s IPStats) AcceptedBetween(from, to time.Time) int64 {
	var n int64
	for _, b := range s.Accepted {
		if b.Unix >= from.Unix() && b.Unix < to.Unix() {
			n += b.Messages
		}
	}
	return n
}

// RateBetween is AcceptedBetween per second of the window.
func (s IPStats) RateBetween(from, to time.Time) float64 {
	secs := to.Unix() - from.Unix()
	if secs <= 0 {
		return 0
	}
	return float64(s.AcceptedBetween(from, to)) / float64(secs)
}

// ProviderStats are one provider's totals and its figures per client IP.
type ProviderStats struct {
	Name  string             `json:"name"`
	Addr  string             `json:"addr"`
	Total IPStats            `json:"total"`
	PerIP map[string]IPStats `json:"per_ip"`
	// Changes are the limit changes applied so far (Provider.Changes).
	Changes []AppliedChange `json:"changes,omitempty"`
}

// tally is the live form of IPStats.
type tally struct {
	c       Counters
	seconds map[int64]int64
	oldest  int64 // smallest key of seconds, when it is not empty
}

func newTally() *tally { return &tally{seconds: map[int64]int64{}} }

func (t *tally) connOpen() {
	t.c.ConnsOpened++
	t.c.ConnsNow++
	t.c.ConnsPeak = max(t.c.ConnsPeak, t.c.ConnsNow)
}

// accept records one accepted message at unix second sec and forgets the
// seconds that are keep or more before it.
func (t *tally) accept(rcpts int, sec, keep int64) {
	t.c.Messages++
	t.c.Recipients += int64(rcpts)
	if len(t.seconds) == 0 || sec < t.oldest {
		t.oldest = sec
	}
	t.seconds[sec]++
	if t.oldest > sec-keep {
		return
	}
	t.oldest = sec
	for s := range t.seconds {
		if s <= sec-keep {
			delete(t.seconds, s)
		} else {
			t.oldest = min(t.oldest, s)
		}
	}
}

func (t *tally) snapshot() IPStats {
	out := IPStats{Counters: t.c, Accepted: make([]Second, 0, len(t.seconds))}
	for s, n := range t.seconds {
		out.Accepted = append(out.Accepted, Second{Unix: s, Messages: n})
	}
	slices.SortFunc(out.Accepted, func(a, b Second) int { return int(a.Unix - b.Unix) })
	return out
}

// reset zeroes what accumulates and keeps what is live.
func (t *tally) reset() {
	now := t.c.ConnsNow
	t.c = Counters{ConnsNow: now, ConnsPeak: now}
	clear(t.seconds)
}
