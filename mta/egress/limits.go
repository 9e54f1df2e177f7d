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
// fresh bucket. A bucket that had no limit starts full, as a new path does.
func (b *buckets) set(s policy.Shape) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lim[0] = setLimit(b.lim[0], s.MessagesPerSecond, s.MessageBurst)
	b.lim[1] = setLimit(b.lim[1], s.MessagesPerMinute/60, int(math.Ceil(s.MessagesPerMinute)))
	b.lim[2] = setLimit(b.lim[2], s.MessagesPerHour/3600, int(math.Ceil(s.MessagesPerHour)))
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
func (b *buckets) delay(now time.Time) time.Duration {
	var d time.Duration
	for _, l := range b.all() {
		if l == nil {
			continue
		}
		if t := l.TokensAt(now); t < 1 {
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
