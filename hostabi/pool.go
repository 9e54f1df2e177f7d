package hostabi

import (
	"context"
	"sync"
)

// pool keeps up to max instances of one module version. Instances are made
// on demand by the caller that needs one, reused for many calls and closed
// after a fault, which frees their place. A mutex and a slice cost a fifth
// of a channel round trip on the hot path (measured); waiting callers are
// woken through a channel so that they can also give up on their context.
type pool struct {
	mu      sync.Mutex
	idle    []*instance
	alive   int
	max     int
	waiters int
	freed   chan struct{} // wakes waiters; tokens may be stale, waiters recheck
}

func newPool(n int) *pool {
	return &pool{max: n, idle: make([]*instance, 0, n), freed: make(chan struct{}, n)}
}

// get returns an idle instance, makes one if fewer than max exist, or
// waits for one until ctx is done.
func (p *pool) get(ctx context.Context, m *Module) (*instance, error) {
	p.mu.Lock()
	for {
		if n := len(p.idle); n > 0 {
			inst := p.idle[n-1]
			p.idle = p.idle[:n-1]
			p.mu.Unlock()
			return inst, nil
		}
		if p.alive < p.max {
			p.alive++
			p.mu.Unlock()
			return p.make(m)
		}
		p.waiters++
		p.mu.Unlock()
		select {
		case <-p.freed:
		case <-ctx.Done():
		}
		p.mu.Lock()
		p.waiters--
		if err := ctx.Err(); err != nil {
			p.mu.Unlock()
			return nil, err
		}
	}
}

// make instantiates outside the lock: a Go guest takes milliseconds.
func (p *pool) make(m *Module) (*instance, error) {
	inst, err := m.newInstance()
	if err != nil {
		p.mu.Lock()
		p.alive--
		p.wake()
		p.mu.Unlock()
		return nil, err
	}
	return inst, nil
}

// wake tells one waiter that something changed; callers hold p.mu.
func (p *pool) wake() {
	if p.waiters > 0 {
		select {
		case p.freed <- struct{}{}:
		default:
		}
	}
}

// put returns a healthy instance.
func (p *pool) put(inst *instance) {
	p.mu.Lock()
	p.idle = append(p.idle, inst)
	p.wake()
	p.mu.Unlock()
}

// discard closes a faulted instance and frees its place.
func (p *pool) discard(inst *instance) {
	inst.close()
	p.mu.Lock()
	p.alive--
	p.wake()
	p.mu.Unlock()
}

// drain closes every idle instance; called once no call is in flight.
func (p *pool) drain() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.alive -= len(idle)
	p.mu.Unlock()
	for _, inst := range idle {
		inst.close()
	}
}

// live is the number of instances that exist.
func (p *pool) live() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.alive
}
