package shaping

import (
	"math"
	"time"

	"golang.org/x/time/rate"
)

// pacer spaces out the messages of a tenant, campaign or domain over
// every path: token buckets per second, minute and hour.
type pacer struct {
	lims []*rate.Limiter
}

func newPacer(o Override) *pacer {
	p := &pacer{}
	add := func(perSec float64, burst int) {
		if perSec > 0 {
			p.lims = append(p.lims, rate.NewLimiter(rate.Limit(perSec), max(1, burst)))
		}
	}
	burst := o.MessageBurst
	if burst == 0 {
		burst = int(math.Ceil(o.MessagesPerSecond))
	}
	add(o.MessagesPerSecond, burst)
	add(o.MessagesPerMinute/60, int(math.Ceil(o.MessagesPerMinute)))
	add(o.MessagesPerHour/3600, int(math.Ceil(o.MessagesPerHour)))
	return p
}

// take reserves one token in every bucket and returns the longest wait.
func (p *pacer) take(now time.Time) time.Duration {
	var d time.Duration
	for _, l := range p.lims {
		d = max(d, l.ReserveN(now, 1).DelayFrom(now))
	}
	return d
}
