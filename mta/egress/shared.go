package egress

import (
	"context"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

// Shared is the part of a path's limits kept outside this node: a
// fleet's caps on a provider and its shared path limits (mta/fleet). A
// connection holds a slot from before its dial until it closes; a
// message takes a token after the path's own buckets gave theirs.
type Shared interface {
	// Conn leases a connection slot: it returns the function that gives
	// it back, or nil and how long to wait before asking again.
	Conn(ctx context.Context) (release func(), retry time.Duration)
	// Message takes a message token: 0, or how long until one is there.
	Message(ctx context.Context) time.Duration
	// Over reports that this node holds more slots than it may now (its
	// share fell while Redis is unreachable): a connection ends after its
	// transaction, until the node is within its share.
	Over() bool
}

// sharedIdle is how long a session holding a slot of the fleet's stays
// open without a job: another node's path may be waiting for the slot.
const sharedIdle = 2 * time.Second

// leaseSlot takes a shared connection slot before a dial. Without one,
// j goes back to the path, which opens no connection until retry passes.
func (c *conn) leaseSlot(ctx context.Context, j *Job) bool {
	if c.shared == nil || c.slot != nil {
		return true
	}
	if c.path.sharedHeld() {
		c.path.pushFront(j) // another worker was just refused: no round trip to be refused again
		return false
	}
	rel, retry := c.shared.Conn(ctx)
	if rel == nil {
		c.path.holdShared(retry)
		c.path.pushFront(j)
		return false
	}
	c.slot = rel
	return true
}

// waitShared takes a shared message token for j, waiting for it; a
// session (and its slot) is not kept through a long wait, and a slot is
// leased again after it. It reports false when j went back to the path
// (at shutdown, or with no slot free).
func (c *conn) waitShared(ctx context.Context, j *Job, shape policy.Shape) bool {
	if c.shared == nil {
		return true
	}
	for {
		d := c.shared.Message(ctx)
		if d <= 0 {
			return true
		}
		if d > maxTokenWait(shape.IdleTimeout) {
			c.close()
		}
		if err := wait(ctx, d, func() {}); err != nil {
			c.path.pushFront(j)
			return false
		}
		if c.sess == nil && !c.leaseSlot(ctx, j) {
			return false
		}
	}
}

// holdShared opens no new connection on p for d: the fleet's slots are
// all taken.
func (p *Path) holdShared(d time.Duration) {
	p.mu.Lock()
	p.sharedHold = time.Now().Add(d)
	p.mu.Unlock()
}

func (p *Path) sharedHeld() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Now().Before(p.sharedHold)
}
