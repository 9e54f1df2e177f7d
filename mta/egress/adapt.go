package egress

import (
	"math"
	"time"
	"unicode/utf8"

	"github.com/wasmta/wasmta/mta/adaptive"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

// presetOf is where a path's learning starts: the shape hook's values.
func presetOf(s policy.Shape) adaptive.Limits {
	return adaptive.Limits{Conns: s.MaxConnections, Rate: s.MessagesPerSecond, PerConn: s.MessagesPerConn}
}

// paramsOf maps the policy's adaptation onto the controller's parameters.
func paramsOf(s policy.Shape) adaptive.Params {
	a := s.Adapt
	return adaptive.Params{Off: a.Off, MinConns: a.MinConnections, MaxConns: a.MaxConnections,
		MinRate: a.MinRate, MaxRate: a.MaxRate, ConnStep: a.ConnectionStep, RateStep: a.RateStep,
		Factor: a.Factor, Quiet: a.Quiet, Signals: adaptive.Signal(a.Signals),
		MinPerConn: a.MinMessagesPerConn, MaxPerConn: a.MaxMessagesPerConn}
}

// learned puts the learned limits into the policy's shape (messages per
// connection included: perconn.go in mta/adaptive). A learned rate
// keeps the burst in proportion to the preset's, so that a cut rate is not
// undone by a bucket as deep as before. Limits learned above the preset
// raise the connection rate in proportion (reconnections).
func learned(base policy.Shape, l adaptive.Limits) policy.Shape {
	s := base
	s.MaxConnections = l.Conns
	s.MessagesPerConn = l.PerConn
	s.ConnectionsPerSec = reconnections(base, l)
	if l.Rate <= 0 || l.Rate == base.MessagesPerSecond {
		return s
	}
	s.MessagesPerSecond, s.MessageBurst = l.Rate, learnedBurst(base, l.Rate)
	return s
}

// learnedBurst is the depth of the bucket at a learned rate: the preset's
// depth in proportion, or one second's worth of the learned rate when the
// preset gave none, in whole messages and never more (at least one). (It
// was the preset's rate or the learned one, whichever was higher, in
// proportion: at four times the preset rate, four seconds' worth, which a
// path that paused a moment then sent at once to a destination that takes
// one. Rounded up, a learned rate of 1.2/s sent two at once after a pause,
// and a destination that takes 1.5/s with a second's worth of credit, one
// message, refused the second: throttles at a rate below its limit.)
func learnedBurst(base policy.Shape, rate float64) int {
	if base.MessagesPerSecond <= 0 || base.MessageBurst <= 0 {
		return max(1, int(rate))
	}
	return max(1, int(math.Round(float64(base.MessageBurst)*rate/base.MessagesPerSecond)))
}

// reconnections is the connection rate for learned limits l. The preset's
// connection rate paces the sessions that replace those that end (every
// messages_per_connection messages) at the preset's pace of mail: a path
// that learned the destination takes k times the preset's messages (or
// connections) replaces k times as many sessions per second. Left at the
// preset it would cap the path at connections_per_second ×
// messages_per_connection whatever it learned (1.67 × 5 = 8.3 msg/s for a
// preset of 100 connections a minute and 5 messages per connection). It
// never goes below the preset's: a cut limit needs no fewer reconnections
// than the preset allows. A destination that counts new connections
// refuses the excess at the greeting, which cuts the connection limit.
func reconnections(base policy.Shape, l adaptive.Limits) float64 {
	if base.ConnectionsPerSec <= 0 {
		return base.ConnectionsPerSec
	}
	k := 1.0
	if base.MessagesPerSecond > 0 && l.Rate > 0 {
		k = max(k, l.Rate/base.MessagesPerSecond)
	}
	if base.MaxConnections > 0 {
		k = max(k, float64(l.Conns)/float64(base.MaxConnections))
	}
	return base.ConnectionsPerSec * k
}

// maxWhy bounds the reply or error text kept with a cut.
const maxWhy = 200

// whyOf is the text of a dial's error kept with the cut it causes.
func whyOf(err error) string {
	if err == nil {
		return ""
	}
	return clip(err.Error())
}

// clip shortens a reply or error text to maxWhy bytes, on a rune boundary.
func clip(s string) string {
	if len(s) <= maxWhy {
		return s
	}
	s = s[:maxWhy]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// Status reports the path's learned limits against the policy's bounds,
// with each one's state and last cut (mta/adaptive, Status), the shape
// they make before live overrides, and the shape in force after them.
func (p *Path) Status() (st adaptive.Status, beforeOverrides, inForce policy.Shape) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.adapt.Status(), learned(p.base, p.adapt.Limits()), p.shape
}

// Limits reports a path's configured limits (the shape hook's) and the
// learned ones in force before live overrides.
func (p *Path) Limits() (configured, learned adaptive.Limits) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.adapt.Preset(), p.adapt.Limits()
}

// Signal feeds a throttling signal the path cannot see itself (a reply
// classify put in category RateLimited) to its learning; why is the reply
// or error behind it, shown with the cut it causes (Status).
func (p *Path) Signal(s adaptive.Signal, why string) {
	p.mu.Lock()
	p.signalLocked(s, p.sessions, time.Now(), why)
	p.mu.Unlock()
}

// signalLocked feeds a signal to the path's learning with the number of
// sessions the destination takes at the moment and the reply or error
// behind it (shown with the cut it causes); it reports whether the
// limits in force went down.
func (p *Path) signalLocked(s adaptive.Signal, open int, now time.Time, why string) bool {
	if !p.adapt.SignalWhy(s, open, now, why) {
		return false
	}
	old := p.shape
	p.applyLocked()
	if p.shape.MessagesPerSecond < old.MessagesPerSecond {
		p.msgs.drain(now)
	}
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
	p.sentN++
	p.mu.Unlock()
}

// unexplainedRun is how close (in transactions of the path) two
// unexplained refusals of different messages must come to be a throttle:
// the window in which the adaptive loop confirms a throttle too.
const unexplainedRun = 10

// Unexplained notes a 4xx reply to a transaction of message id that names
// no cause ("451 Try again later": no enhanced code, no word the
// classifier knows) and reports whether it is a throttle: another such
// reply, to another message, came within the path's last unexplainedRun
// transactions, and one of the last 2 × unexplainedRun transactions was
// accepted. A temporary failure about one message (a filter's hiccup)
// comes alone; a limiter refuses the excess of what it is sent and takes
// the rest, so its refusals come in runs among acceptances while the
// path overshoots. A destination that refuses everything is no limiter
// (it is down, or refuses this sender): slowing down would not get a
// message through. A throttle is fed to the path's learning as a
// RateLimited reply.
func (p *Path) Unexplained(id message.ID, why string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	run := p.unexplainedN > 0 && p.unexplainedMsg != id && p.sentN-p.unexplainedN <= unexplainedRun &&
		p.acceptedN > 0 && p.sentN-p.acceptedN <= 2*unexplainedRun
	if p.unexplainedMsg != id || p.unexplainedN == 0 {
		p.unexplainedN, p.unexplainedMsg = p.sentN, id
	}
	if run {
		p.signalLocked(adaptive.RateLimited, p.sessions, time.Now(), why)
	}
	return run
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
	p.acceptedN = p.sentN
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
	if p.shape.MaxConnections >= p.adapt.Limits().Conns && p.tokenReadyLocked(now) {
		p.adapt.Pressed(true, false, now)
	}
}

// tokenReadyLocked reports whether the message rate is not what holds the
// path back: no message waits at the bucket, so the next token (at most
// one interval away) is free for a new session. A bucket one token deep
// (a paced path) is empty whenever a session has just taken its token,
// so "a token in the bucket now" would say the rate binds on a path
// sending a fraction of it; messages queued at the bucket (tokens
// reserved ahead) say it does.
//
// A worker that dials before it takes its token (conn.tokenAfterDial) owes
// one: the tokens in the bucket are its until it takes it, as they would
// have been had it taken its token before the dial. Without that, the
// sessions being dialled read as a free token, and slow start raised the
// connections (Filled) and counted their pressure for sessions the rate
// would not feed.
func (p *Path) tokenReadyLocked(now time.Time) bool {
	d := p.msgs.delayAfter(now, p.owed)
	if d == 0 {
		return true
	}
	r := p.shape.MessagesPerSecond
	return r > 0 && d <= time.Duration(float64(time.Second)/r)
}

// sessionCapped notes that a session ended at the messages-per-connection
// limit after k transactions; when mail waits with every allowed
// connection busy and a rate token ready (the connections hold the path
// back, so each new session's handshake is time the path does not
// deliver) and the destination has never ended a session itself, the
// limit rises (mta/adaptive, perconn.go).
func (p *Path) sessionCapped(k int, now time.Time) {
	p.mu.Lock()
	bound := len(p.fifo) > p.idle && p.conns >= max(1, p.shape.MaxConnections) &&
		p.shape.MessagesPerConn >= p.adapt.Limits().PerConn && p.tokenReadyLocked(now)
	if p.adapt.SessionCapped(k, bound, now) {
		p.applyLocked()
	}
	p.mu.Unlock()
}

// sessionEnded notes that the destination ended a session opened at
// opened itself after k transactions (endedBeforeMail, countedEnd): two
// such ends, the second on a session opened after the first, set the
// path's messages per connection.
func (p *Path) sessionEnded(k int, opened, now time.Time) {
	p.mu.Lock()
	if p.adapt.SessionEnded(k, opened, now) {
		p.applyLocked()
	}
	p.mu.Unlock()
}

// owe counts a worker that dials before it takes its message token (n =
// 1), and its end (n = -1): it took its token, or gave up.
func (p *Path) owe(n int) {
	p.mu.Lock()
	p.owed += n
	p.mu.Unlock()
}

// tokenAfterDial reports whether a worker without a session dials before
// it takes its message token (conn.tokenAfterDial): the path's bucket is
// one message deep (oneDeepLocked) and the token, the tokens owed by
// workers already dialling counted as taken, is at most maxWait away.
func (p *Path) tokenAfterDial(now time.Time, maxWait time.Duration) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.oneDeepLocked() && p.msgs.delayAfter(now, p.owed) <= maxWait
}

// oneDeepLocked reports whether the path's rate bucket holds one message:
// it promises the destination transactions 1/rate apart, which a token
// taken before a dial breaks by the dial's time. A bucket two or more deep
// sends that many at once after a pause anyway, within what the path
// allows itself, and the paced bucket of an unvalidated rate (Paced) is
// one deep only while the connections open, all of them dialling at once:
// both take their token before they dial, as a path always did. (With
// every path dialling first, the blind benchmark's Microsoft, 12
// connections at 17.6 msg/s, saw 19 connections refused at its limit where
// main saw 9: a replacement session that no longer waited for a token
// dialled while the destination still counted the one that had closed.)
func (p *Path) oneDeepLocked() bool {
	l := p.msgs.all()[0]
	return l != nil && l.Burst() <= 1 && !p.adapt.Paced()
}
