package reception

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateTable holds one token bucket per tenant for MessagesPerMinute. The
// bucket holds a minute's worth of messages and refills continuously, so a
// tenant may burst its whole minute at once and then keeps to the rate.
// Tenants are configured, so the table stays small; a changed limit is
// applied to the existing bucket.
type rateTable struct {
	m sync.Map // tenant -> *rate.Limiter
}

// allow takes one token from tenant's bucket, creating it on first use.
func (t *rateTable) allow(tenant string, perMinute int, now time.Time) bool {
	if perMinute <= 0 {
		return true
	}
	lim := rate.Limit(float64(perMinute) / 60)
	v, ok := t.m.Load(tenant)
	if !ok {
		v, _ = t.m.LoadOrStore(tenant, rate.NewLimiter(lim, perMinute))
	}
	l := v.(*rate.Limiter)
	if l.Limit() != lim || l.Burst() != perMinute {
		l.SetLimitAt(now, lim)
		l.SetBurstAt(now, perMinute)
	}
	return l.AllowN(now, 1)
}
