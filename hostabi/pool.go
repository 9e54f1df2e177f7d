package hostabi

import "context"

// pool keeps up to n instances of one module version. Instances are made
// on demand by the caller that needs one, reused for many calls and closed
// after a fault; a closed instance frees its slot.
type pool struct {
	idle  chan *instance
	slots chan struct{} // one token per instance that may still be made
}

func newPool(n int) pool {
	p := pool{idle: make(chan *instance, n), slots: make(chan struct{}, n)}
	for range n {
		p.slots <- struct{}{}
	}
	return p
}

// get returns an idle instance, makes one if a slot is free, or waits.
func (p *pool) get(ctx context.Context, m *Module) (*instance, error) {
	select {
	case inst := <-p.idle:
		return inst, nil
	default:
	}
	select {
	case inst := <-p.idle:
		return inst, nil
	case <-p.slots:
		inst, err := m.newInstance()
		if err != nil {
			p.slots <- struct{}{}
			return nil, err
		}
		return inst, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// put returns a healthy instance. It never blocks: at most n exist.
func (p *pool) put(inst *instance) { p.idle <- inst }

// discard closes a faulted instance and frees its slot.
func (p *pool) discard(inst *instance) {
	inst.close()
	p.slots <- struct{}{}
}

// drain closes every idle instance; called once no call is in flight.
func (p *pool) drain() {
	for {
		select {
		case inst := <-p.idle:
			p.discard(inst)
		default:
			return
		}
	}
}

// live is the number of instances that exist.
func (p *pool) live() int { return cap(p.slots) - len(p.slots) }
