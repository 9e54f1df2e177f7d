package fleet

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// gcraScript reserves up to ARGV[3] tokens, and at least ARGV[4], from a
// GCRA bucket (one token every ARGV[1] µs, ARGV[2] tokens deep) whose
// theoretical arrival time (TAT, µs on Redis's clock) is KEYS[1]. A
// reservation may reach ARGV[5] µs into the future: token k of it
// conforms at first + (k-1) * interval, exactly when it would have if it
// had been asked for alone, so a batch costs one round trip and keeps
// the bucket's guarantee. It returns {granted, µs from now until the
// first conforms (<= 0: now)}, or {0, µs until the minimum could be
// reserved}. Redis's own clock is the only one read, so the nodes'
// clock skew does not matter. The TAT is written with %.0f: Lua's
// default number format would round a µs timestamp to 14 digits.
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local least = tonumber(ARGV[4])
local horizon = tonumber(ARGV[5])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local n = math.min(want, math.floor((now + horizon + burst * interval - tat) / interval))
if n < least then
  return {0, math.ceil(tat + least * interval - burst * interval - horizon - now)}
end
local first = tat + interval - burst * interval - now
tat = tat + n * interval
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
return {n, math.floor(first)}
`)

// Rate is a message rate shared by the fleet: a GCRA bucket in Redis
// from which a node reserves tokens in batches (what the rate allows in
// cluster.lease, divided by the live nodes), so that a round trip serves
// many messages. Each reserved token conforms at the instant GCRA gives
// it, so the fleet's total never exceeds the rate plus the burst;
// reserved tokens lapse two lease periods after they were reserved, so a
// node never saves up a burst of its own. While Redis cannot be reached
// the node keeps to its share: the rate divided by the live nodes it
// knew last.
type Rate struct {
	f   *Fleet
	key string

	mu       sync.Mutex
	perSec   float64
	burst    int
	interval time.Duration
	have     int       // reserved tokens not used yet
	next     time.Time // when the next of them conforms
	lapse    time.Time // when they lapse
	local    *rate.Limiter
	share    int // the live-node count local was made for
}

// Rate returns the shared rate named name, perSec tokens a second and
// burst deep (0: one second's worth), creating it on first use; later
// calls change its limits. perSec <= 0 means no limit.
func (f *Fleet) Rate(name string, perSec float64, burst int) *Rate {
	if burst <= 0 {
		burst = max(1, int(math.Ceil(perSec)))
	}
	f.limMu.Lock()
	defer f.limMu.Unlock()
	r := f.rates[name]
	if r == nil {
		r = &Rate{f: f, key: keyLimitPfx + name}
		f.rates[name] = r
	}
	r.mu.Lock()
	if r.perSec != perSec || r.burst != burst {
		r.perSec, r.burst, r.local = perSec, burst, nil
		if perSec > 0 {
			r.interval = max(time.Microsecond, time.Duration(float64(time.Second)/perSec))
		}
	}
	r.mu.Unlock()
	return r
}

// Take takes n tokens and returns 0, or takes none and returns how long
// until they could be there. It makes a round trip to Redis only when
// the reserved tokens do not cover n.
func (r *Rate) Take(ctx context.Context, n int) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.perSec <= 0 {
		return 0
	}
	now := time.Now()
	if now.After(r.lapse) {
		r.have = 0
	}
	if r.have < n {
		if !r.f.Up() {
			return r.takeLocal(n, now)
		}
		wait, err := r.reserve(ctx, n-r.have, now)
		r.f.result("rate "+r.key, err)
		if err != nil {
			return r.takeLocal(n, now)
		}
		if wait > 0 {
			return wait
		}
	}
	r.dropStale(now)
	// The n-th token conforms (n-1) intervals after the next one.
	if last := r.next.Add(time.Duration(n-1) * r.interval); last.After(now) {
		return last.Sub(now)
	}
	r.have -= n
	r.next = r.next.Add(time.Duration(n) * r.interval)
	return 0
}

// dropStale drops the reserved tokens that conformed longer ago than the
// node's share of the burst takes to refill: spent now, all at once, they
// would add to what the other nodes spend on time.
func (r *Rate) dropStale(now time.Time) {
	window := time.Duration(max(1, r.burst/r.f.LiveNodes())) * r.interval
	if r.have == 0 || !r.next.Before(now.Add(-window)) {
		return
	}
	k := min(r.have, int(now.Add(-window).Sub(r.next)/r.interval)+1)
	r.have -= k
	r.next = r.next.Add(time.Duration(k) * r.interval)
}

// reserve asks Redis for a batch of tokens, at least need of them, and
// adds them to those the node holds; it returns how long to wait when
// Redis has none to give now.
func (r *Rate) reserve(ctx context.Context, need int, now time.Time) (time.Duration, error) {
	live := r.f.LiveNodes()
	lease := r.f.cfg.Lease
	batch := max(need, int(math.Ceil(r.perSec*lease.Seconds()/float64(live))))
	ctx, cancel := context.WithTimeout(ctx, r.f.cfg.Timeout)
	defer cancel()
	v, err := gcraScript.Run(ctx, r.f.rdb, []string{r.key}, r.interval.Microseconds(), r.burst, batch, need,
		lease.Microseconds()).Int64Slice()
	if err != nil {
		return 0, err
	}
	if v[0] == 0 {
		return max(time.Duration(v[1])*time.Microsecond, time.Millisecond), nil
	}
	first := now.Add(time.Duration(v[1]) * time.Microsecond)
	// Tokens still held come before the new ones; the node spends them
	// all in one sequence, so start it late enough for the new ones.
	if r.have == 0 || first.Add(-time.Duration(r.have)*r.interval).After(r.next) {
		r.next = first.Add(-time.Duration(r.have) * r.interval)
	}
	r.have += int(v[0])
	r.lapse = now.Add(2 * lease)
	return 0, nil
}

// takeLocal is Take while Redis cannot be reached: a local bucket at the
// node's share of the rate and burst.
func (r *Rate) takeLocal(n int, now time.Time) time.Duration {
	live := r.f.LiveNodes()
	if r.local == nil || r.share != live {
		b := max(1, r.burst/live)
		r.local, r.share = rate.NewLimiter(rate.Limit(r.perSec/float64(live)), b), live
		// Start empty: the node may just have spent its leased tokens.
		r.local.ReserveN(now, b)
	}
	if n > r.local.Burst() {
		r.local.SetBurstAt(now, n) // a batch larger than the share: let it through at the share's pace
	}
	res := r.local.ReserveN(now, n)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

// Limits are the shared limits one egress path is under: the slots it
// must hold for a connection and the rates it must take a token from
// for a message. It implements the egress package's Shared.
type Limits struct {
	Slots []*Slots
	Rates []*Rate
}

// Conn leases a slot of every connection limit, or none.
func (l Limits) Conn(ctx context.Context) (release func(), retry time.Duration) {
	var rels []func()
	all := func() {
		for _, r := range rels {
			r()
		}
	}
	for _, s := range l.Slots {
		rel, retry := s.Acquire(ctx)
		if rel == nil {
			all()
			return nil, retry
		}
		rels = append(rels, rel)
	}
	return all, 0
}

// Over reports whether the node holds more slots of a limit than its
// share while Redis is unreachable.
func (l Limits) Over() bool {
	for _, s := range l.Slots {
		if s.Over() {
			return true
		}
	}
	return false
}

// Message takes a token of every rate; when one has none, the tokens
// taken from the others before it are spent (the fleet sends a little
// less, never more).
func (l Limits) Message(ctx context.Context) time.Duration {
	for _, r := range l.Rates {
		if d := r.Take(ctx, 1); d > 0 {
			return d
		}
	}
	return 0
}
