package intake

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Limits are one tenant's limits. A zero field means the server's (size,
// recipients) or none (rate); the server's are a ceiling a tenant's can
// only lower.
type Limits struct {
	MaxMessageBytes   int64
	MaxRecipients     int
	MessagesPerMinute int
}

// Options configure an Intake.
type Options struct {
	// MaxMessageBytes and MaxRecipients are the server-wide ceilings
	// (required: > 0).
	MaxMessageBytes int64
	MaxRecipients   int
	// TenantLimits returns a tenant's configured limits; nil: none.
	TenantLimits func(tenant string) Limits
	// MaxHops: a message with more Received: fields is looping (Looping);
	// 0: no check.
	MaxHops int
	// MaxDataInFlight bounds the message data every door holds in memory
	// at once (Budget); 0: no bound.
	MaxDataInFlight int64
	// Rates, when set, keeps the tenants' rates instead of the local
	// buckets (a fleet shares them through Redis: mta/fleet).
	Rates Rates
}

// Rates keeps the tenants' message rates somewhere else than in this
// process. Take takes n of a tenant's tokens, perMinute a minute and a
// minute's worth deep, and returns 0, or how long until they are there.
type Rates interface {
	Take(tenant string, perMinute, n int) time.Duration
}

// Intake holds what the front doors share: the tenants' limits and their
// rate buckets. It is safe for concurrent use; make one per process and
// hand it to every door.
type Intake struct {
	optp   atomic.Pointer[Options] // swapped by SetCeilings
	rates  sync.Map                // tenant -> *rate.Limiter
	budget *Budget
}

// New returns an Intake with opts.
func New(opts Options) *Intake {
	in := &Intake{budget: NewBudget(opts.MaxDataInFlight)}
	in.optp.Store(&opts)
	return in
}

func (in *Intake) opts() *Options { return in.optp.Load() }

// SetCeilings replaces the server-wide size, recipient and hop limits (a
// configuration reload); the data budget stays as made.
func (in *Intake) SetCeilings(maxMessageBytes int64, maxRecipients, maxHops int) {
	o := *in.opts()
	o.MaxMessageBytes, o.MaxRecipients, o.MaxHops = maxMessageBytes, maxRecipients, maxHops
	in.optp.Store(&o)
}

// Budget returns the budget of message data in flight (nil: no bound).
func (in *Intake) Budget() *Budget { return in.budget }

// OrNew returns in, or when in is nil a new Intake with opts: a door
// started alone (tests, tools) makes its own.
func (in *Intake) OrNew(opts Options) *Intake {
	if in != nil {
		return in
	}
	return New(opts)
}

// Limits returns tenant's limits with the server's as ceiling.
func (in *Intake) Limits(tenant string) Limits {
	var l Limits
	o := in.opts()
	if o.TenantLimits != nil {
		l = o.TenantLimits(tenant)
	}
	if l.MaxMessageBytes <= 0 || l.MaxMessageBytes > o.MaxMessageBytes {
		l.MaxMessageBytes = o.MaxMessageBytes
	}
	if l.MaxRecipients <= 0 || l.MaxRecipients > o.MaxRecipients {
		l.MaxRecipients = o.MaxRecipients
	}
	return l
}

// Take takes n messages from tenant's rate bucket, which holds a minute's
// worth (MessagesPerMinute) and refills continuously: a tenant may burst
// its whole minute, then keeps to the rate. When the tokens are not there
// it takes none and says how long until they are (wait 0: never, n is more
// than a minute's worth). A changed limit applies to the existing bucket.
func (in *Intake) Take(tenant string, n int, now time.Time) (ok bool, wait time.Duration) {
	perMinute := in.Limits(tenant).MessagesPerMinute
	if perMinute <= 0 {
		return true, 0
	}
	if n > perMinute {
		return false, 0
	}
	if r := in.opts().Rates; r != nil {
		d := r.Take(tenant, perMinute, n)
		return d <= 0, d
	}
	lim := rate.Limit(float64(perMinute) / 60)
	v, found := in.rates.Load(tenant)
	if !found {
		v, _ = in.rates.LoadOrStore(tenant, rate.NewLimiter(lim, perMinute))
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
