package egress

import (
	"math"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/wasmta/wasmta/mta/adaptive"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
)

// PathKey names an egress path.
type PathKey struct {
	Source string
	Site   string
}

func (k PathKey) String() string { return k.Source + "->" + k.Site }

// Path is the ready queue of one egress path and its connections.
type Path struct {
	Key      PathKey
	Source   *Source
	Provider string // provider of the site ("gmail", ...), "" when unknown
	set      *Set

	mu        sync.Mutex
	hosts     []mx.Host
	fifo      []*Job
	byMsg     map[message.ID]*Job
	conns     int // workers, each with at most one session
	leaving   int // workers told to end because the limit went down
	peak      int
	idle      int
	base      policy.Shape // from the shape hook
	shape     policy.Shape // base with the live overrides applied
	version   string
	connRate  *rate.Limiter // nil: no limit
	suspended time.Time
	spawnWait bool

	adapt          *adaptive.Controller        // the learned limits
	sessions       int                         // open sessions (that passed their greeting)
	dialing        int                         // dials under way
	owed           int                         // workers dialling that take their message token once up (conn.tokenAfterDial)
	pending        adaptive.Signal             // a failed dial's signal, judged when the dials under way end
	pendingAt      time.Time                   // when it came back
	pendingStarted time.Time                   // when that dial began
	pendingWhy     string                      // its error (whyOf), shown with the cut it causes
	pendingLeft    int                         // dials under way then, not ended yet
	closed         []time.Time                 // sessions closed within settleWindow
	lastAlive      time.Time                   // a session opened or closed
	dialFails      int                         // failed dials in a row
	lastFail       time.Time                   // the last failed dial ended
	deadRounds     int                         // back-offs in a row of a dead path
	cool           time.Time                   // no new connection before (after a failed dial)
	sharedHold     time.Time                   // no new connection before (the fleet's slots are taken)
	backoff        time.Time                   // a dead path's back-off: no connection, no job
	deadErr        error                       // the failure that made the path dead
	retryNext      time.Time                   // the next free slot of RetrySlot
	down           map[netip.AddrPort]downAddr // addresses that did not answer, tried last
	sentN          uint64                      // transactions attempted
	unexplainedN   uint64                      // sentN at the last unexplained refusal (Unexplained)
	unexplainedMsg message.ID                  // the message it refused
	acceptedN      uint64                      // sentN at the last transaction accepted

	msgs    buckets
	avail   chan struct{}
	stop    chan struct{} // closed (and replaced) when the path is suspended
	active  atomic.Int64  // transactions in progress
	lastUse atomic.Int64
	txn     atomic.Int64 // moving average of a transaction's duration, ns
}

func newPath(set *Set, spec PathSpec, shape policy.Shape, version string) *Path {
	p := &Path{
		Key: PathKey{Source: spec.Source.Name, Site: spec.Site}, Source: spec.Source,
		Provider: spec.Provider, set: set, hosts: spec.Hosts,
		byMsg: make(map[message.ID]*Job),
		avail: make(chan struct{}, 1), stop: make(chan struct{}),
	}
	p.base, p.version = shape, version
	p.adapt = adaptive.New(presetOf(shape), paramsOf(shape), time.Now())
	p.adapt.Cold(time.Now())
	p.applyLocked()
	return p
}

// applyLocked derives the shape in force from the base shape, the
// learned limits and the set's live overrides (which apply last: an
// operator's limits and a classify action's caps win over what the path
// learned), and sets the limiters; callers hold p.mu or own p.
func (p *Path) applyLocked() {
	s := learned(p.base, p.adapt.Limits())
	if p.adapt.Paced() {
		s.MessageBurst = 1
	}
	if adj := p.set.opts.Adjust; adj != nil {
		s = adj(p, s)
	}
	more := s.MaxConnections - p.shape.MaxConnections
	p.shape = s
	p.msgs.set(s)
	switch {
	case s.ConnectionsPerSec <= 0:
		p.connRate = nil
	case p.connRate == nil:
		p.connRate = rate.NewLimiter(rate.Limit(s.ConnectionsPerSec), connBurst(s))
	default:
		p.connRate.SetBurst(connBurst(s))
		p.connRate.SetLimit(rate.Limit(s.ConnectionsPerSec))
		if more > 0 {
			p.grantConnTokens(more, time.Now())
		}
	}
}

// grantConnTokens adds n tokens to the connection-rate bucket (up to its
// depth): connections a raised limit allows are first sessions, which the
// bucket lets open at once, not reconnections it paces. Callers hold p.mu.
func (p *Path) grantConnTokens(n int, now time.Time) {
	depth := p.connRate.Burst()
	have := min(depth, max(0, int(p.connRate.TokensAt(now)))+n)
	l := rate.NewLimiter(p.connRate.Limit(), depth) // full
	if have < depth {
		l.ReserveN(now, depth-have)
	}
	p.connRate = l
}

// connBurst is the depth of the connection-rate bucket: one second's
// worth, and never less than the connection limit, so that a path can open
// all the sessions it is allowed at once and only reconnections are paced.
// A rate such as "100/min" is about connection churn; with a depth of two
// it would hold a burst of mail on two sessions for seconds. (KumoMTA's
// throttles are as deep as their quantity: 100 at once for "100/min".)
func connBurst(s policy.Shape) int {
	return max(1, int(math.Ceil(s.ConnectionsPerSec)), s.MaxConnections)
}

// SetShape replaces the shape the policy gave (version names the policy
// that was asked) and applies the live overrides on top of it; running
// connections see the new limits at their next message.
func (p *Path) SetShape(s policy.Shape, version string) {
	p.mu.Lock()
	p.base, p.version = s, version
	p.adapt.Reset(presetOf(s), paramsOf(s), time.Now())
	p.applyLocked()
	p.mu.Unlock()
	p.maybeSpawn()
}

// Reshape applies the live overrides again (after one started or ended).
func (p *Path) Reshape() {
	p.mu.Lock()
	p.applyLocked()
	p.mu.Unlock()
	p.maybeSpawn()
}

// Shape returns the limits in force and the version of the policy asked.
func (p *Path) Shape() (policy.Shape, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.shape, p.version
}

// BaseShape returns the limits the policy gave, before live overrides.
func (p *Path) BaseShape() (policy.Shape, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.base, p.version
}

// SetHosts replaces the hosts connections go to (after an MX change).
func (p *Path) SetHosts(h []mx.Host) {
	p.mu.Lock()
	p.hosts = h
	p.mu.Unlock()
}

// Len returns the number of jobs waiting.
func (p *Path) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.fifo)
}

// EachWaiting calls fn with the scheduled queue of each waiting job (its
// first item's), under the path's lock: fn must be quick and not block.
// The path holds at most MaxQueuedPerPath jobs, so a caller may walk every
// path's jobs for a view without an unbounded pause.
func (p *Path) EachWaiting(fn func(message.QueueKey)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, j := range p.fifo {
		fn(j.Queue)
	}
}

// Full reports whether the path holds as many waiting jobs as the set
// allows per path; the caller then keeps the job in its scheduled queue.
func (p *Path) Full() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.fifo) >= p.set.opts.MaxQueuedPerPath
}

// Room returns how many more jobs the path may hold before it is Full.
func (p *Path) Room() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.set.opts.MaxQueuedPerPath - len(p.fifo)
}

// Drain estimates how long the waiting jobs take to leave: at the path's
// message rate, or at the pace its connections have been sending,
// whichever is slower.
func (p *Path) Drain() time.Duration {
	p.mu.Lock()
	n, r, conns := len(p.fifo), p.shape.MessagesPerSecond, max(1, p.conns)
	p.mu.Unlock()
	d := time.Duration(p.txn.Load()) * time.Duration(n) / time.Duration(conns)
	if r > 0 {
		d = max(d, time.Duration(float64(n)/r*float64(time.Second)))
	}
	return d
}

// observe folds one transaction's duration into the path's average.
func (p *Path) observe(d time.Duration) {
	old := p.txn.Load()
	if old == 0 {
		p.txn.Store(int64(d))
		return
	}
	p.txn.Store(old + (int64(d)-old)/8)
}

// Conns returns the number of connection workers (open sessions, or
// about to open one).
func (p *Path) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns
}

// PeakConns returns the most connection workers the path ever had at once.
func (p *Path) PeakConns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// Enqueue adds j, merging it into a waiting job of the same message so
// that recipients sharing a site share one transaction.
func (p *Path) Enqueue(j *Job) {
	p.enqueue(j, false)
}

// EnqueueIfRoom is Enqueue unless the path already holds as many waiting
// jobs as it may (Full), checked under the same lock: it reports whether
// j was taken. A job merged into a waiting one of its message takes no
// room and always is. Callers that checked Full first and enqueued later
// could each pass the check at once (one per dispatcher) and overfill the
// path.
func (p *Path) EnqueueIfRoom(j *Job) bool {
	return p.enqueue(j, true)
}

func (p *Path) enqueue(j *Job, bounded bool) bool {
	p.mu.Lock()
	if w, ok := p.byMsg[j.Msg.ID]; ok {
		w.Items = append(w.Items, j.Items...)
		if w.Body == nil {
			w.Body = j.Body
		}
		p.mu.Unlock()
		return true
	}
	if bounded && len(p.fifo) >= p.set.opts.MaxQueuedPerPath {
		p.mu.Unlock()
		return false
	}
	j.Enqueued = time.Now()
	p.fifo = append(p.fifo, j)
	p.byMsg[j.Msg.ID] = j
	p.mu.Unlock()
	p.set.queued.Add(1)
	p.signal()
	p.maybeSpawn()
	return true
}

func (p *Path) signal() {
	select {
	case p.avail <- struct{}{}:
	default:
	}
}

// Suspend stops new transactions on the path until t (zero resumes).
// Jobs already waiting are handed back to the caller, to be held in the
// scheduled queue rather than here.
func (p *Path) Suspend(until time.Time) []*Job {
	p.mu.Lock()
	p.suspended = until
	var out []*Job
	if !until.IsZero() {
		out = p.fifo
		p.fifo = nil
		clear(p.byMsg)
		// Idle sessions close now rather than at their idle timeout: a
		// provider that asked us to go away should not keep our sockets.
		close(p.stop)
		p.stop = make(chan struct{})
	}
	p.mu.Unlock()
	p.left(len(out))
	if until.IsZero() {
		p.maybeSpawn()
	}
	return out
}

// TakeJobs removes the waiting jobs for which match is true and returns
// them (a suspension of a tenant holds its jobs back, not the path).
func (p *Path) TakeJobs(match func(*Job) bool) []*Job {
	p.mu.Lock()
	var out []*Job
	keep := p.fifo[:0]
	for _, j := range p.fifo {
		if match(j) {
			out = append(out, j)
			delete(p.byMsg, j.Msg.ID)
			continue
		}
		keep = append(keep, j)
	}
	clear(p.fifo[len(keep):])
	p.fifo = keep
	p.mu.Unlock()
	p.left(len(out))
	return out
}

func (p *Path) left(n int) {
	if n > 0 {
		p.set.queued.Add(-int64(n))
		p.set.roomFreed()
	}
}

// Suspended returns the end of the path's suspension, or zero.
func (p *Path) Suspended() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Now().After(p.suspended) {
		return time.Time{}
	}
	return p.suspended
}

// take returns the next job, or nil when the path is empty or suspended.
func (p *Path) take() *Job {
	p.mu.Lock()
	if _, held := p.heldLocked(time.Now()); len(p.fifo) == 0 || held {
		p.mu.Unlock()
		return nil
	}
	j := p.fifo[0]
	p.fifo[0] = nil
	p.fifo = p.fifo[1:]
	if len(p.fifo) == 0 {
		p.fifo = nil
	}
	delete(p.byMsg, j.Msg.ID)
	more := len(p.fifo) > 0
	p.mu.Unlock()
	p.left(1)
	if more {
		p.signal()
	}
	return j
}
