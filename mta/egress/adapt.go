package egress

import (
	"math"
	"time"

	"github.com/wasmta/wasmta/mta/adaptive"
	"github.com/wasmta/wasmta/mta/policy"
)

// presetOf is where a path's learning starts: the shape hook's values.
func presetOf(s policy.Shape) adaptive.Limits {
	return adaptive.Limits{Conns: s.MaxConnections, Rate: s.MessagesPerSecond}
}

// paramsOf maps the policy's adaptation onto the controller's parameters.
func paramsOf(s policy.Shape) adaptive.Params {
	a := s.Adapt
	return adaptive.Params{Off: a.Off, MinConns: a.MinConnections, MaxConns: a.MaxConnections,
		MinRate: a.MinRate, MaxRate: a.MaxRate, ConnStep: a.ConnectionStep, RateStep: a.RateStep,
		Factor: a.Factor, Quiet: a.Quiet, Signals: adaptive.Signal(a.Signals)}
}

// learned puts the learned limits into the policy's shape. A learned rate
// keeps the burst in proportion to the preset's, so that a cut rate is not
// undone by a bucket as deep as before.
func learned(base policy.Shape, l adaptive.Limits) policy.Shape {
	s := base
	s.MaxConnections = l.Conns
	if l.Rate <= 0 || l.Rate == base.MessagesPerSecond {
		return s
	}
	burst := base.MessageBurst
	if burst <= 0 || base.MessagesPerSecond <= 0 {
		burst = int(math.Ceil(max(base.MessagesPerSecond, l.Rate)))
	}
	if base.MessagesPerSecond > 0 {
		burst = int(math.Round(float64(burst) * l.Rate / base.MessagesPerSecond))
	}
	s.MessagesPerSecond, s.MessageBurst = l.Rate, max(1, burst)
	return s
}

// Limits reports a path's configured limits (the shape hook's) and the
// learned ones in force before live overrides.
func (p *Path) Limits() (configured, learned adaptive.Limits) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.adapt.Preset(), p.adapt.Limits()
}

// Signal feeds a throttling signal the path cannot see itself (a reply
// classify put in category RateLimited) to its learning.
func (p *Path) Signal(s adaptive.Signal) {
	p.mu.Lock()
	p.signalLocked(s, p.sessions, time.Now())
	p.mu.Unlock()
}

// signalLocked feeds a signal to the path's learning with the number of
// sessions the destination takes at the moment; it reports whether the
// limits in force went down.
func (p *Path) signalLocked(s adaptive.Signal, open int, now time.Time) bool {
	if !p.adapt.Signal(s, open, now) {
		return false
	}
	old := p.shape
	p.applyLocked()
	return p.shape.MaxConnections < old.MaxConnections || p.shape.MessagesPerSecond < old.MessagesPerSecond
}

// Snapshot returns the learned limits to remember across restarts.
func (p *Path) Snapshot() adaptive.Saved {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.adapt.Snapshot(time.Now())
}

// Restore takes limits the path learned before a restart, decayed toward
// the preset by the time since they were saved.
func (p *Path) Restore(s adaptive.Saved, halfLife time.Duration) {
	p.mu.Lock()
	p.adapt.Restore(s, time.Now(), halfLife)
	p.applyLocked()
	p.mu.Unlock()
	p.maybeSpawn()
}

// sent counts a transaction attempted (the rate a cut starts from).
func (p *Path) sent(now time.Time) {
	p.mu.Lock()
	p.adapt.Sent(now)
	p.mu.Unlock()
}

// delivered notes a successful transaction; a limit that held the path
// back may rise.
func (p *Path) delivered(now time.Time) {
	p.mu.Lock()
	// Jobs still wait with every allowed connection busy: the workers
	// draining a queue that arrived at once are the only ones to see it
	// (maybeSpawn, the other witness, runs when mail is enqueued).
	if len(p.fifo) > p.idle && p.conns >= max(1, p.shape.MaxConnections) {
		p.connsPressedLocked(now)
	}
	up := p.adapt.Success(now)
	if up {
		p.applyLocked()
	}
	p.mu.Unlock()
	if up {
		p.maybeSpawn()
	}
}

// rateWaited notes that a message waited d for a rate token; it counts as
// pressure on the learned rate only when that rate is the one in force.
func (p *Path) rateWaited(d time.Duration) {
	if d <= 0 {
		return
	}
	p.mu.Lock()
	if r := p.adapt.Limits().Rate; r > 0 && p.shape.MessagesPerSecond >= r {
		p.adapt.Pressed(false, true, time.Now())
	}
	p.mu.Unlock()
}

// connsPressedLocked notes, from maybeSpawn, that jobs wait with every
// allowed connection busy while a rate token is ready: the learned
// connection limit (when it is the one in force) holds the path back.
func (p *Path) connsPressedLocked(now time.Time) {
	if p.shape.MaxConnections >= p.adapt.Limits().Conns && p.msgs.delay(now) == 0 {
		p.adapt.Pressed(true, false, now)
	}
}
