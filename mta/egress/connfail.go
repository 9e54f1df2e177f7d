package egress

import (
	"errors"
	"net"
	"os"
	"time"

	"github.com/wasmta/wasmta/mta/adaptive"
)

// A failed dial is a fact about one connection, not about the jobs
// waiting: providers refuse connections over their per-IP limit (421 at
// the greeting), and a connection opened right at the limit races the
// provider's own count. Only a path where nothing works is deferred.
const (
	// aliveWindow: a path had a working session this recently, so a
	// failed dial is about that connection.
	aliveWindow = 10 * time.Second
	// deadAfter consecutive failed dials with nothing working make the
	// path dead: its queue is deferred.
	deadAfter = 3
	// coolBase is the wait before the next new connection after a failed
	// dial, doubling per consecutive failure up to coolMax.
	coolBase = time.Second
	coolMax  = 30 * time.Second
	// backoffBase is a dead path's first back-off, doubling per dead
	// round up to the shape's first retry delay.
	backoffBase = 30 * time.Second
	// settleWindow: a session that closed this recently may still count
	// at the destination (it has not seen the close yet), so a refusal
	// then is a race with its count, not a lower limit. A close reaches
	// the destination within a round trip; the window is a few of them,
	// short enough that a path whose sessions end every few messages
	// still learns its limit from refusals.
	settleWindow = 100 * time.Millisecond
)

// sessionUp accounts for a session that opened: the path works. When
// that fills the learned connection limit while mail waits and a rate
// token is ready, slow start raises it at once (adaptive.Filled).
func (p *Path) sessionUp(now time.Time) {
	p.mu.Lock()
	p.sessions++
	p.dialFails, p.deadRounds = 0, 0
	p.cool, p.backoff, p.deadErr = time.Time{}, time.Time{}, nil
	p.lastAlive = now
	raised := false
	if limit := p.adapt.Limits().Conns; p.sessions >= limit && p.shape.MaxConnections >= limit &&
		len(p.fifo) > p.idle && p.tokenReadyLocked(now) && p.adapt.Filled(now) {
		p.applyLocked()
		raised = true
	}
	p.mu.Unlock()
	if raised {
		p.maybeSpawn()
	}
}

// sessionDown accounts for a session that closed.
func (p *Path) sessionDown(now time.Time) {
	p.mu.Lock()
	p.sessions--
	p.lastAlive = now
	i := 0
	for i < len(p.closed) && now.Sub(p.closed[i]) > aliveWindow {
		i++
	}
	p.closed = append(append(p.closed[:0], p.closed[i:]...), now)
	p.mu.Unlock()
}

// racingLocked counts the sessions that closed less than settleWindow
// before a dial began at started: the destination may not have seen them
// close when the dial reached it.
func (p *Path) racingLocked(started time.Time) int {
	n := 0
	for _, c := range p.closed {
		if !c.After(started) && started.Sub(c) < settleWindow {
			n++
		}
	}
	return n
}

// judgeLocked feeds a failed dial begun at started to the path's
// learning while the path works (or worked a moment ago), with the
// number of connections the destination counted: the sessions that work
// and those racing it. It reports whether that lowered the limits.
func (p *Path) judgeLocked(s adaptive.Signal, started, now time.Time, why string) bool {
	if p.sessions == 0 && now.Sub(p.lastAlive) >= aliveWindow {
		return false
	}
	return p.signalLocked(s, p.sessions+p.racingLocked(started), now, why)
}

// dialBegin and dialEnd bracket a dial: a failed dial is not the verdict
// on the path while another one is still under way.
func (p *Path) dialBegin() {
	p.mu.Lock()
	p.dialing++
	p.mu.Unlock()
}

// dialEnd ends a dial begun at started. It also settles a refusal that
// came back while other dials were still in their greeting: a provider
// refuses the connection over its limit at once, before the sessions it
// admitted greet, so the count it refused at is known only once the dials
// that were under way then have ended (later ones do not matter: on a
// path whose sessions end every few messages there always is one).
func (p *Path) dialEnd(started time.Time) {
	p.mu.Lock()
	p.dialing--
	if p.pending != 0 && !started.After(p.pendingAt) {
		p.pendingLeft--
		if p.pendingLeft <= 0 {
			p.judgeLocked(p.pending, p.pendingStarted, time.Now(), p.pendingWhy)
			p.pending, p.pendingWhy = 0, ""
		}
	}
	p.mu.Unlock()
}

// dialFailed judges a dial, begun at started, that failed on every host.
// While the path has a working session (or had one a moment ago), another
// dial is still under way, or the path has not failed deadAfter times in
// a row, the failure is the connection's and the job goes back to the
// queue. When the path works it is a throttling signal: a refusal says
// the destination counts as many connections as the path has open (and
// those that just closed), so the connection limit lands there. New
// connections wait a cool-down only when that did not lower the limit
// (nothing open, the signal not counted, a cut a moment ago): otherwise
// the lowered limit itself keeps the path from dialing again, and the
// sessions that replace the ones that end are not held back. Otherwise
// the path is dead: it backs off, and dead is true with the end of the
// back-off. Dials that were under way together count as one failure, and
// only failures with no session open count toward a dead path. A failure
// while other dials are still under way is judged when they end.
func (p *Path) dialFailed(err error, started, now time.Time) (dead bool, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if started.After(p.lastFail) && p.sessions == 0 {
		p.dialFails++
	}
	p.lastFail = now
	if now.Before(p.backoff) {
		return true, p.backoff // a dial that was under way when the path died
	}
	live := p.sessions > 0 || now.Sub(p.lastAlive) < aliveWindow
	if live || p.dialing > 0 || p.dialFails < deadAfter {
		lowered := false
		switch {
		case p.dialing > 0:
			if p.pending == 0 { // judged when the dials under way end (dialEnd)
				p.pending, p.pendingAt, p.pendingLeft, p.pendingStarted = dialSignal(err), now, p.dialing, started
				p.pendingWhy = whyOf(err)
			}
		default:
			lowered = p.judgeLocked(dialSignal(err), started, now, whyOf(err))
		}
		if !lowered || p.sessions == 0 {
			p.cool = now.Add(doubling(coolBase, max(1, p.dialFails), coolMax))
		}
		return false, time.Time{}
	}
	p.deadRounds++
	p.backoff = now.Add(doubling(backoffBase, p.deadRounds, max(backoffBase, p.shape.RetryInitial)))
	p.deadErr = err
	p.set.log.Warn("egress: no connection works on the path; its queue is deferred", "path", p.Key.String(),
		"until", p.backoff, "err", err)
	return true, p.backoff
}

// deadSince returns the failure that made the path dead and the end of
// its back-off, or nil while the path is not backed off.
func (p *Path) deadSince() (time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !time.Now().Before(p.backoff) {
		return time.Time{}, nil
	}
	return p.backoff, p.deadErr
}

// doubling returns base doubled n-1 times, at most limit.
func doubling(base time.Duration, n int, limit time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// dialSignal tells a timeout from a refusal.
func dialSignal(err error) adaptive.Signal {
	if isTimeout(err) {
		return adaptive.Timeout
	}
	return adaptive.Refused
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// cooling reports whether new connections wait after a failed dial.
func (p *Path) cooling() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Now().Before(p.cool)
}

// BackedOff returns the end of a dead path's back-off, or zero.
func (p *Path) BackedOff() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Now().After(p.backoff) {
		return time.Time{}
	}
	return p.backoff
}

// heldLocked reports until when the path opens no connection and hands
// out no job: a suspension or a dead path's back-off.
func (p *Path) heldLocked(now time.Time) (time.Time, bool) {
	until := p.suspended
	if p.backoff.After(until) {
		until = p.backoff
	}
	return until, now.Before(until)
}

// RetrySlot returns a time, not before earliest, for one message deferred
// by a throttle or a failed connection to come back: each call gets its
// own slot, spaced at the path's rate in force (or at the pace its
// connections have been sending), so that a burst of deferrals comes back
// spread out.
func (p *Path) RetrySlot(earliest time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	gap := time.Millisecond
	if r := p.shape.MessagesPerSecond; r > 0 {
		gap = time.Duration(float64(time.Second) / r)
	} else if t := time.Duration(p.txn.Load()); t > 0 {
		gap = max(gap, t/time.Duration(max(1, p.shape.MaxConnections)))
	}
	t := p.retryNext
	if t.Before(earliest) {
		t = earliest
	}
	p.retryNext = t.Add(gap)
	return t
}
