package httpapi

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateTable holds one token bucket per tenant for messages_per_minute, a
// minute's worth deep, refilled continuously: the same rule as SMTP
// reception. A request takes one token per message it spools.
type rateTable struct {
	m sync.Map // tenant -> *rate.Limiter
}

// take takes n tokens from tenant's bucket. When they are not there it
// takes none and says how long until they are (ok false, wait 0 when n can
// never fit: more than a minute's worth).
func (t *rateTable) take(tenant string, perMinute, n int, now time.Time) (ok bool, wait time.Duration) {
	if perMinute <= 0 {
		return true, 0
	}
	lim := rate.Limit(float64(perMinute) / 60)
	v, found := t.m.Load(tenant)
	if !found {
		v, _ = t.m.LoadOrStore(tenant, rate.NewLimiter(lim, perMinute))
	}
	l := v.(*rate.Limiter)
	if l.Limit() != lim || l.Burst() != perMinute {
		l.SetLimitAt(now, lim)
		l.SetBurstAt(now, perMinute)
	}
	r := l.ReserveN(now, n)
	if !r.OK() {
		return false, 0
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// retryAfter is the Retry-After value for a wait: whole seconds, at least 1.
func retryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
