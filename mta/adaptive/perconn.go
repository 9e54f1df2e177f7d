package adaptive

import (
	"math"
	"time"
)

// Messages per connection are the third limit a path learns. It is not a
// congestion window: a destination that limits it ends the session itself
// (a 421 at MAIL that says the session is used up, or a close after the
// last reply: mta/egress, sessionend.go), and the message that found the
// session ended goes out on the next one without an attempt. The limit
// only decides how often the path pays a new session (a TCP and TLS
// handshake, a greeting) where the destination would have taken more on
// the one it had; that cost is throughput only when the connections are
// what holds the path back, every session busy with mail waiting (the
// rate, when it binds, leaves the handshake time to spare).
//
// So the loop is: while the destination has never ended a session itself,
// a session that ends at the limit with mail waiting and the connection
// limit holding the path back raises it by half (at most once per
// Holdoff, up to the ceiling, Params.MaxPerConn: four times the preset
// unless the policy gives one; never below Params.MinPerConn, the
// policy's floor, 1 by default),
// as Postfix reuses a connection with no count limit
// (smtp_connection_reuse_count_limit 0) for up to 300 s. The destination's
// own session ends set it: two in a row after the same number of
// transactions (within one, for an end that raced a transaction), the
// second on a session opened after the first was seen (not one burst of
// ends: SessionEnded), are a count it keeps, and the limit lands on the
// larger, at which the path
// then ends its sessions itself; it is never raised again while
// remembered (Snapshot, Restore: it decays toward the preset as the other
// limits do). One end may be a restart or a load balancer's, and ends
// after counts that differ are no count (a destination resetting sessions
// at random): each still costs only a MAIL that goes out again on the
// next session, and a limit learned from them would only open more
// sessions. A preset of no limit is never raised (there is
// nothing to raise) but learns a destination's count the same way. A
// destination's count below the policy's floor leaves the limit at the
// floor: the path does not end its sessions sooner, and the destination
// still ends them at its count, each end costing one MAIL that goes out
// again on the next session (as a connection floor above what the
// destination takes keeps dialing connections it refuses).

// SessionEnded notes that the destination ended a session itself after it
// had carried k transactions (k ≥ 1); opened is when that session began.
// It reports whether the limits in force changed. An end confirms the
// count of the one before it only from a session opened after that end
// was seen: a restart, a load balancer's drain or a network blip ends
// every open session at once, and sessions that opened together and
// sent at the same pace carry nearly the same count (a restart of a path
// at 20 messages per connection ending two of its sessions after 3 and 4
// transactions would otherwise set 4 for as long as it is remembered).
// Such an end, within one of the count seen, leaves it as it is.
func (c *Controller) SessionEnded(k int, opened, now time.Time) bool {
	if c.p.Off || k < 1 {
		return false
	}
	c.perConnEnds++
	last := c.perConnLast
	if last == 0 || k > last+1 || last > k+1 {
		c.perConnLast, c.perConnAt = k, now // not (yet) a count the destination keeps
		return false
	}
	if !opened.After(c.perConnAt) {
		return false // the same burst of ends as the count seen
	}
	c.perConnFound = true
	n := max(k, last)
	if c.cur.PerConn > 0 && n >= c.cur.PerConn {
		return false
	}
	old := c.cur
	c.cur.PerConn = n
	c.cur = c.p.clamp(c.cur)
	c.note(old, now, CauseDestination, 0, "")
	return c.cur != old
}

// SessionCapped notes that a session ended at the messages-per-connection
// limit after k transactions with mail waiting; bound says whether the
// connection limit held the path back then (every allowed session busy, a
// rate token ready). A session that carried more than one past the count
// a destination's end showed (not yet confirmed) says that count was none:
// it is forgotten, and a later end cannot confirm it. It raises the limit
// when the destination has never ended a session itself, and reports
// whether the limits in force changed.
func (c *Controller) SessionCapped(k int, bound bool, now time.Time) bool {
	if c.p.Off {
		return false
	}
	if !c.perConnFound && c.perConnLast > 0 && k > c.perConnLast+1 {
		c.perConnLast, c.perConnAt = 0, time.Time{}
	}
	if !bound || c.perConnFound || c.perConnEnds > 0 || c.cur.PerConn <= 0 ||
		now.Sub(c.perConnRaised) < Holdoff {
		return false
	}
	old := c.cur
	c.cur.PerConn = max(c.cur.PerConn+1, int(math.Ceil(float64(c.cur.PerConn)*SlowStart)))
	c.cur = c.p.clamp(c.cur)
	c.perConnRaised = now
	c.note(old, now, CauseRaise, 0, "")
	return c.cur != old
}

// PerConnFound reports whether the messages per connection in force is a
// count the destination showed by ending sessions itself.
func (c *Controller) PerConnFound() bool { return c.perConnFound }
