package egress

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

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
	Key    PathKey
	Source *Source
	set    *Set

	mu        sync.Mutex
	hosts     []mx.Host
	fifo      []*Job
	byMsg     map[message.ID]*Job
	conns     int
	idle      int
	shape     policy.Shape
	version   string
	msgRate   *rate.Limiter
	connRate  *rate.Limiter
	suspended time.Time
	spawnWait bool

	avail   chan struct{}
	active  atomic.Int64 // transactions in progress
	lastUse atomic.Int64
}

func newPath(set *Set, key PathKey, src *Source, hosts []mx.Host, shape policy.Shape, version string) *Path {
	p := &Path{
		Key: key, Source: src, set: set,
		hosts: hosts,
		byMsg: make(map[message.ID]*Job),
		avail: make(chan struct{}, 1),
	}
	p.applyShape(shape, version)
	return p
}

func limiter(perSec float64, burst int) *rate.Limiter {
	if perSec <= 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	if burst <= 0 {
		burst = max(1, int(math.Ceil(perSec)))
	}
	return rate.NewLimiter(rate.Limit(perSec), burst)
}

// applyShape sets the path's limits; callers hold p.mu or own p.
func (p *Path) applyShape(s policy.Shape, version string) {
	p.shape = s
	p.version = version
	if p.msgRate == nil {
		p.msgRate = limiter(s.MessagesPerSecond, s.MessageBurst)
		p.connRate = limiter(s.ConnectionsPerSec, 0)
		return
	}
	p.msgRate.SetLimit(rateOf(s.MessagesPerSecond))
	p.msgRate.SetBurst(burstOf(s.MessagesPerSecond, s.MessageBurst))
	p.connRate.SetLimit(rateOf(s.ConnectionsPerSec))
	p.connRate.SetBurst(burstOf(s.ConnectionsPerSec, 0))
}

func rateOf(perSec float64) rate.Limit {
	if perSec <= 0 {
		return rate.Inf
	}
	return rate.Limit(perSec)
}

func burstOf(perSec float64, burst int) int {
	if burst > 0 {
		return burst
	}
	return max(1, int(math.Ceil(perSec)))
}

// SetShape changes the path's limits now; running connections see them at
// their next message.
func (p *Path) SetShape(s policy.Shape, version string) {
	p.mu.Lock()
	p.applyShape(s, version)
	p.mu.Unlock()
	p.maybeSpawn()
}

// Shape returns the limits in force and the policy version that set them.
func (p *Path) Shape() (policy.Shape, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.shape, p.version
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

// Conns returns the number of open connections.
func (p *Path) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns
}

// Enqueue adds j, merging it into a waiting job of the same message so
// that recipients sharing a site share one transaction.
func (p *Path) Enqueue(j *Job) {
	p.mu.Lock()
	if w, ok := p.byMsg[j.Msg.ID]; ok {
		w.Items = append(w.Items, j.Items...)
		if w.Body == nil {
			w.Body = j.Body
		}
		p.mu.Unlock()
		return
	}
	p.fifo = append(p.fifo, j)
	p.byMsg[j.Msg.ID] = j
	p.mu.Unlock()
	p.set.queued.Add(1)
	p.signal()
	p.maybeSpawn()
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
	}
	p.mu.Unlock()
	p.set.queued.Add(-int64(len(out)))
	p.set.roomFreed()
	if until.IsZero() {
		p.maybeSpawn()
	}
	return out
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
	defer p.mu.Unlock()
	if len(p.fifo) == 0 || time.Now().Before(p.suspended) {
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
	p.set.queued.Add(-1)
	if more {
		p.signal()
	}
	return j
}

// maybeSpawn starts a connection when jobs wait, no connection is idle,
// the connection limit allows and the connection rate permits.
func (p *Path) maybeSpawn() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.fifo) <= p.idle || p.conns >= max(1, p.shape.MaxConnections) || time.Now().Before(p.suspended) {
		return
	}
	r := p.connRate.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		if !p.spawnWait {
			p.spawnWait = true
			time.AfterFunc(d, func() {
				p.mu.Lock()
				p.spawnWait = false
				p.mu.Unlock()
				p.maybeSpawn()
			})
		}
		return
	}
	p.conns++
	go p.set.worker(p)
}

// waitJob waits up to idle for a job. ok is false when the connection
// should close.
func (p *Path) waitJob(ctx context.Context, idle time.Duration) *Job {
	if j := p.take(); j != nil {
		return j
	}
	p.mu.Lock()
	p.idle++
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.idle--
		p.mu.Unlock()
	}()
	t := time.NewTimer(idle)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			return p.take()
		case <-p.avail:
			if j := p.take(); j != nil {
				return j
			}
		}
	}
}
