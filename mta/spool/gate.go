package spool

import "sync"

// gate lets operations run until Close, and lets Close wait for those
// running. Unlike a RWMutex it may be entered again by a goroutine already
// inside (a Scan callback reading a body) without deadlocking a waiting
// Close.
type gate struct {
	mu      sync.Mutex
	drained *sync.Cond // signalled when running drops to 0 after close
	running int
	closed  bool
}

func newGate() *gate {
	g := &gate{}
	g.drained = sync.NewCond(&g.mu)
	return g
}

// enter admits an operation; the caller must call leave when it returns nil.
func (g *gate) enter() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return ErrClosed
	}
	g.running++
	return nil
}

func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running--
	if g.running == 0 && g.closed {
		g.drained.Broadcast()
	}
}

// close stops admitting operations and waits for the running ones. It
// reports false when the gate was already closed.
func (g *gate) close() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.closed = true
	for g.running > 0 {
		g.drained.Wait()
	}
	return true
}
