package egress

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/wasmta/wasmta/mta/policy"
)

// buckets are the message-rate token buckets of a path: per second (with
// the shape's burst), per minute and per hour (each one period's worth
// deep, the way providers state "1000 per hour"). A message takes one token
// from each bucket that has a limit; a nil bucket is no limit.
type buckets struct {
	mu  sync.Mutex
	lim [3]*rate.Limiter // per second, minute, hour
}

// set changes the limits in place, so that tokens already spent stay
// spent: a live override lowers the rate at once instead of granting a
// fresh bucket. A per-minute or per-hour bucket that had no limit starts
// full ("1000 per hour" allows them at once). The per-second bucket starts
// with one token: the path's first second is paced at its rate rather than
// sent as a burst of a second's worth at once (see paced).
func (b *buckets) set(s policy.Shape) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fresh := b.lim[0] == nil
	b.lim[0] = setLimit(b.lim[0], s.MessagesPerSecond, s.MessageBurst)
	if fresh && b.lim[0] != nil {
		paced(b.lim[0], time.Now())
	}
	b.lim[1] = setLimit(b.lim[1], s.MessagesPerMinute/60, int(math.Ceil(s.MessagesPerMinute)))
	b.lim[2] = setLimit(b.lim[2], s.MessagesPerHour/3600, int(math.Ceil(s.MessagesPerHour)))
}

// paced takes every token but one out of a bucket that starts full. A
// path's limits are a guess until the destination answers, and so is the
// depth of the destination's own bucket: a second's worth of mail sent at
// once to a destination that allows a third of the rate is refused for
// two thirds before the first reply can say so, where paced sends are
// refused one at a time and the second refusal cuts the rate (TCP paces
// its first window for the same reason, RFC 7661's pacing and Linux's).
// It costs the first second's messages half a second on average.
func paced(l *rate.Limiter, now time.Time) {
	if n := l.Burst() - 1; n > 0 {
		l.ReserveN(now, n)
	}
}

// drain takes the tokens the per-second bucket holds, after a cut of the
// rate: the destination refused, so its own bucket is empty, and tokens
// saved up here while the path sent less than its limit (its connections
// held it back, or the rate had just risen) would go out at once into
// it, each refused. From the cut on the path sends at the cut rate.
func (b *buckets) drain(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if l := b.lim[0]; l != nil {
		if n := int(l.TokensAt(now)); n > 0 {
			l.ReserveN(now, n)
		}
	}
}

func setLimit(l *rate.Limiter, perSec float64, burst int) *rate.Limiter {
	if perSec <= 0 {
		return nil
	}
	if burst <= 0 {
		burst = max(1, int(math.Ceil(perSec)))
	}
	if l == nil {
		return rate.NewLimiter(rate.Limit(perSec), burst)
	}
	now := time.Now()
	l.SetBurstAt(now, burst)
	l.SetLimitAt(now, rate.Limit(perSec))
	return l
}

func (b *buckets) all() [3]*rate.Limiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lim
}

// delay returns how long until every bucket has a token, without taking one.
func (b *buckets) delay(now time.Time) time.Duration { return b.delayAfter(now, 0) }

// delayAfter returns how long until every bucket has a token once owed
// more have been taken (by workers that take theirs after they dial),
// without taking any.
func (b *buckets) delayAfter(now time.Time, owed int) time.Duration {
	var d time.Duration
	for _, l := range b.all() {
		if l == nil {
			continue
		}
		if t := l.TokensAt(now) - float64(owed); t < 1 {
			d = max(d, time.Duration((1-t)/float64(l.Limit())*float64(time.Second)))
		}
	}
	return d
}

// reserve takes one token from every bucket and returns when the message
// may go. If that is more than maxWait away nothing is taken and ok is
// false, so that a connection never sits idle on an open session for long.
func (b *buckets) reserve(now time.Time, maxWait time.Duration) (time.Duration, func(), bool) {
	var rs []*rate.Reservation
	var d time.Duration
	cancel := func() {
		for _, r := range rs {
			r.CancelAt(now)
		}
	}
	for _, l := range b.all() {
		if l == nil {
			continue
		}
		r := l.ReserveN(now, 1)
		if !r.OK() {
			cancel()
			return 0, nil, false
		}
		rs = append(rs, r)
		d = max(d, r.DelayFrom(now))
	}
	if d > maxWait {
		cancel()
		return d, nil, false
	}
	return d, cancel, true
}

// wait sleeps d, or less when ctx ends first (then it gives the tokens back).
func wait(ctx context.Context, d time.Duration, cancel func()) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		cancel()
		return ctx.Err()
	}
}
