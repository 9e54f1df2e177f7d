package adaptive

import (
	"math"
	"time"
)

// Holdoff is the least time between two cuts of one limit: the replies to
// the messages already in flight when a limit was overshot arrive within
// about one transaction, and they are one signal, not many.
const Holdoff = time.Second

// SlowStart multiplies a limit per round until it is first cut. A round
// of slow start is a hold-off (or the quiet period, if shorter): long
// enough for the signals about a raised limit to come back (a refusal at
// the greeting, a throttle at the end of the next transaction), as TCP's
// slow start grows per round trip rather than per congestion-avoidance
// step.
const SlowStart = 1.5

// InitialConns is the connection limit a new path opens with (Cold), below its
// preset: the preset is a guess, and every session opened above what the
// destination takes is refused at its greeting. From there slow start
// raises the limit by half as soon as every allowed session has greeted
// with mail waiting (Filled), so a preset the destination takes is
// reached within a few greetings (2, 3, 5, 8, 12), a fraction of a
// second, and a destination that takes fewer refuses at most half of the
// limit in force instead of the preset's excess. TCP opens with a small
// initial window for the same reason (RFC 6928), and Postfix with an
// initial destination concurrency below its limit.
const InitialConns = 2

// MaxProbeWait bounds the growing wait before the connection limit is
// raised again after raises that the destination refused: at most this
// many quiet periods.
const MaxProbeWait = 16

// ProbeWaitFirst is the wait, in quiet periods, before the connection
// limit is raised again after the first raise the destination refused:
// the limit it found did not move, and each refused raise is a refused
// greeting the destination counts (as for the rate's probes: rate.go,
// nextRateWait). Then twice as long after each further one, up to
// MaxProbeWait. (It was 2: a provider that takes one connection refused
// four or five raises in a 90 s run.)
const ProbeWaitFirst = 4

// Controller learns the limits of one path. It is not safe for concurrent
// use: the path calls it under its own lock.
type Controller struct {
	p         Params
	preset    Limits
	cur       Limits
	rateStep  float64
	stepFixed bool // the policy set the rate step: it never changes

	// Each limit has its own quiet period: a throttle reply says the
	// rate is too high, not that fewer connections are wanted, so it
	// holds back the rate's increase and leaves the connections' alone
	// (and a refused connection the other way round).
	connPeriod time.Time // start of the connections' quiet period
	ratePeriod time.Time // start of the rate's quiet period
	pressConns bool      // jobs waited for a connection in this period
	pressRate  bool      // a message waited for a rate token in this period
	// Until a limit is first cut it grows by half per quiet period (slow
	// start, as TCP's): a preset far below the destination's limit costs
	// a few periods, not one per step. After a cut it grows by steps.
	connsFound bool
	rateFound  bool
	rateUsed   bool // a round saw the path send at least half its rate (Paced)
	cutConns   time.Time
	cutRate    time.Time
	sent       meter
	throttled  meter // throttling replies, over the same window as sent
	sentN      int64 // transactions attempted, ever
	roundSent  int64 // sentN when the rate's round began
	// The rate's recovery after a cut (rate.go): the level the last cut
	// started from, the time spent recovering since (rounds in which the
	// rate held the path back), and when a message last waited for a rate
	// token.
	rateMax     float64
	rateEpoch   time.Duration
	rateBoundAt time.Time
	// rateWait is how many quiet periods of recovery pass before the rate
	// probes above the level: one, doubled (up to MaxProbeWait) by each
	// cut that only probes above the level provoked (rate.go).
	rateWait    int
	rateRefused float64 // the rate the last cut started from
	// A probe that met a throttle went back to the level at retreatAt;
	// throttles until the replies then in flight are back (retreatEnd
	// replies) are about the probe (rate.go, retreat).
	retreatAt  time.Time
	retreatEnd int64
	// Transactions the destination accepted, ever, and when the last rate
	// cut came, how many it had accepted and the path had sent then: the
	// rate it accepted since (rate.go, goodput).
	acceptedN   int64
	cutAccepted int64
	cutSent     int64
	recoverAt   int64 // replies (rate.go) once those in flight at the last cut are back
	// The transactions attempted when the last two throttles came, and
	// how many came (up to 3): what confirms a throttle (rate.go).
	throttledN [2]int64
	throttles  int
	// Whether each of the last two throttles came while the rate in force
	// was above the level: a probe (rate.go).
	throttledAbove [2]bool
	// The transactions attempted when each of the last throttles came (a
	// ring): the share refused of the last ConfirmSpan transactions, when
	// two seconds held fewer (rate.go).
	throttleRing [ConfirmSpan]int64
	throttleHead int
	// A connection limit found by a refusal is a count the destination
	// keeps, not a congestion window: raising it again is a probe. Each
	// probe the destination refuses doubles the wait before the next one
	// (probeWait quiet periods, up to MaxProbeWait), as path MTU discovery
	// waits before probing above a size that was refused (RFC 1191); a
	// probe that holds for a quiet period resets it.
	probeWait int       // quiet periods before the next connection raise
	probedAt  time.Time // the last raise of a found connection limit, zero once it held
	// Messages per connection (perconn.go): sessions the destination ended
	// itself, the count to confirm (0: none) and when it was seen, whether
	// two of them set the limit, and the last raise.
	perConnEnds   int
	perConnLast   int
	perConnAt     time.Time
	perConnFound  bool
	perConnRaised time.Time
	// hist is each limit's last change and last cut, for Status.
	hist history
}

// New returns a controller at the preset, within p's bounds (p is taken
// through WithDefaults).
func New(preset Limits, p Params, now time.Time) *Controller {
	preset.Conns = max(1, preset.Conns)
	c := &Controller{preset: preset, connPeriod: now, ratePeriod: now, probeWait: 1, rateWait: 1}
	c.setParams(p)
	c.cur = c.p.clamp(preset)
	return c
}

// Cold opens the connection limit of a path that has learned nothing yet
// at InitialConns (or the floor, if higher), below the preset; slow start
// takes it up from there. Limits restored later replace it.
func (c *Controller) Cold(now time.Time) {
	old := c.cur
	c.cur.Conns = min(c.cur.Conns, max(InitialConns, c.p.MinConns))
	c.note(old, now, CauseCold, 0, "")
}

func (c *Controller) setParams(p Params) {
	c.stepFixed = p.RateStep > 0
	c.p = p.WithDefaults(c.preset)
	c.rateStep = c.p.RateStep
}

// Reset takes a new preset and parameters (the policy changed) and keeps
// what was learned relative to the preset: a path that had learned twice
// its old preset starts at twice the new one, within the new bounds.
func (c *Controller) Reset(preset Limits, p Params, now time.Time) {
	preset.Conns = max(1, preset.Conns)
	old := c.cur
	l := c.cur
	l.Conns = int(math.Round(float64(l.Conns) * float64(preset.Conns) / float64(c.preset.Conns)))
	switch {
	case preset.Rate > 0 && c.preset.Rate > 0 && l.Rate > 0:
		l.Rate *= preset.Rate / c.preset.Rate
	case preset.Rate > 0 || c.preset.Rate > 0:
		l.Rate = preset.Rate // a rate appeared, or the policy dropped it
	}
	switch {
	case c.perConnFound: // the destination's own count, whatever the policy's
	case preset.PerConn > 0 && c.preset.PerConn > 0 && l.PerConn > 0:
		l.PerConn = int(math.Round(float64(l.PerConn) * float64(preset.PerConn) / float64(c.preset.PerConn)))
	default:
		l.PerConn = preset.PerConn
	}
	if c.rateMax > 0 && preset.Rate > 0 && c.preset.Rate > 0 {
		c.rateMax *= preset.Rate / c.preset.Rate
	}
	c.preset = preset
	c.setParams(p)
	c.cur = c.p.clamp(l)
	c.startPeriod(now)
	c.note(old, now, CausePolicy, 0, "")
}

// Limits returns the limits in force: the learned ones, or the preset
// when adaptation is off.
func (c *Controller) Limits() Limits {
	if c.p.Off {
		return c.preset
	}
	return c.cur
}

// Preset returns the limits the controller started from.
func (c *Controller) Preset() Limits { return c.preset }

// Params returns the parameters in force, defaults filled.
func (c *Controller) Params() Params { return c.p }

// Sent counts one transaction attempted: the send rate a rate cut may
// start from, and the count that throttles confirm each other within.
func (c *Controller) Sent(now time.Time) {
	c.sent.add(now)
	c.sentN++
}

// Pressed notes that the path was held back by its connection limit (jobs
// waited with every connection busy and a rate token ready) or by its
// rate (a message waited for a token): only a limit that held the path
// back is raised.
func (c *Controller) Pressed(conns, rate bool, now time.Time) {
	c.pressConns = c.pressConns || conns
	c.pressRate = c.pressRate || rate
	if rate {
		c.rateBoundAt = now
	}
}

// Success notes a delivery and raises the limits that held the path back
// once a quiet period has passed without a signal. It reports whether
// the limits changed.
func (c *Controller) Success(now time.Time) bool {
	c.acceptedN++
	if c.p.Off {
		return false
	}
	old, paced := c.cur, c.Paced()
	if !c.probedAt.IsZero() && now.Sub(c.probedAt) >= c.p.Quiet {
		c.probedAt, c.probeWait = time.Time{}, 1 // the last probe held
	}
	if now.Sub(c.connPeriod) >= c.connRound() {
		if c.pressConns {
			c.raiseConns(now)
		}
		c.startConnPeriod(now)
	}
	if d := now.Sub(c.ratePeriod); d >= c.round(false) {
		used := c.usedRate(d)
		c.rateUsed = c.rateUsed || used
		if c.pressRate && c.cur.Rate > 0 && used {
			if c.rateFound {
				c.recoverRate(d)
			} else {
				c.cur.Rate = max(c.cur.Rate+c.rateStep, c.cur.Rate*SlowStart)
			}
		}
		c.startRatePeriod(now)
	}
	c.cur = c.p.clamp(c.cur)
	c.note(old, now, CauseRaise, 0, "")
	return c.cur != old || c.Paced() != paced
}

// Paced reports whether the path's rate is not yet validated: no round
// has seen it send at least half its rate, and no throttle has cut it.
// Until then the path sends strictly paced (a bucket one token deep): its
// connections are still opening, tokens it cannot use pile up, and the
// sessions a raised connection limit opens would send them at once, a
// burst at a destination whose own bucket its first messages emptied.
// TCP likewise does not send an unvalidated window in one burst (RFC
// 7661) and paces it (RFC 9002, 7.7).
func (c *Controller) Paced() bool {
	return !c.p.Off && c.cur.Rate > 0 && !c.rateUsed && !c.rateFound
}

// Filled notes that every connection the limit allows has opened and mail
// still waits for one, with a rate token ready. In slow start that ends
// the connections' round at once: the signal about them, a refusal at
// the greeting, has come back for each (a round trip of slow start is a
// greeting, not a second). It reports whether the limit changed.
func (c *Controller) Filled(now time.Time) bool {
	if c.p.Off || c.connsFound {
		return false
	}
	old := c.cur
	c.raiseConns(now)
	c.cur = c.p.clamp(c.cur)
	c.startConnPeriod(now)
	c.note(old, now, CauseRaise, 0, "")
	return c.cur != old
}

// round is the period between two raises of a limit: a slow-start round
// until it is first cut, then the quiet period.
func (c *Controller) round(found bool) time.Duration {
	if !found {
		return min(Holdoff, c.p.Quiet)
	}
	return c.p.Quiet
}

// connRound is round for the connections, times the probe wait after
// refused probes.
func (c *Controller) connRound() time.Duration {
	return c.round(c.connsFound) * time.Duration(c.probeWait)
}

func (c *Controller) raiseConns(now time.Time) {
	if !c.connsFound {
		c.cur.Conns = max(c.cur.Conns+c.p.ConnStep, int(math.Ceil(float64(c.cur.Conns)*SlowStart)))
		return
	}
	c.cur.Conns += c.p.ConnStep
	c.probedAt = now
}

func (c *Controller) startPeriod(now time.Time) {
	c.startConnPeriod(now)
	c.startRatePeriod(now)
}

func (c *Controller) startConnPeriod(now time.Time) { c.connPeriod, c.pressConns = now, false }
func (c *Controller) startRatePeriod(now time.Time) {
	c.ratePeriod, c.pressRate, c.roundSent = now, false, c.sentN
}

// usedRate reports whether the path sent at least half its rate over the
// round of d that ends: only then did the rate hold it back, whatever
// waited for a token. A path whose connections are still opening (a cold
// path's first second, its bucket paced) has its first messages wait for
// tokens while it sends a fraction of its rate, and raising the rate then
// only fills the bucket for a burst once the connections are open. TCP
// raises its window only while the window is validated, the sender using
// at least half of it (RFC 7661).
func (c *Controller) usedRate(d time.Duration) bool {
	return float64(c.sentN-c.roundSent) >= 0.5*c.cur.Rate*d.Seconds()
}

// Signal cuts the limit the signal is about, unless the policy does not
// count that signal or the limit was cut less than Holdoff ago; either
// way a counted signal restarts that limit's quiet period. open is the
// number of sessions the destination counts (those that work, and those
// that closed a moment ago): a refused connection lands the connection
// limit on it (the destination took open and refused one more), or cuts
// nothing when open is the whole limit (a race with the destination's
// count); a timeout cuts by the factor, never below open. It reports
// whether the limits changed.
func (c *Controller) Signal(s Signal, open int, now time.Time) bool {
	return c.SignalWhy(s, open, now, "")
}

// SignalWhy is Signal with the reply or error behind the signal, which
// Status shows with a cut it caused.
func (c *Controller) SignalWhy(s Signal, open int, now time.Time, why string) bool {
	if c.p.Off || c.p.Signals&s == 0 {
		return false
	}
	old := c.cur
	switch s {
	case RateLimited:
		c.startRatePeriod(now)
		c.throttled.add(now)
		c.throttleRing[c.throttleHead%ConfirmSpan] = c.sentN
		c.throttleHead++
		if c.recovering(now) {
			c.recut(now)
			break // the overshoot the last cut answered (rate.go)
		}
		if c.retreating(now) {
			break // the overshoot of the probe the path retreated from (rate.go)
		}
		above := c.probing()
		if ok, probe := c.confirmThrottle(above); ok {
			c.cutRateAt(now, probe)
		} else if above {
			c.retreat(now)
		}
	case Refused:
		c.startConnPeriod(now)
		if now.Sub(c.cutConns) < Holdoff || open >= c.cur.Conns {
			// A cut a moment ago covered it; or the destination counts
			// every connection the path allows (some of them closing):
			// a race with its count, no news about its limit.
			return false
		}
		c.cutConns, c.connsFound = now, true
		if !c.probedAt.IsZero() {
			c.probeWait = min(max(ProbeWaitFirst, 2*c.probeWait), MaxProbeWait)
			c.probedAt = time.Time{}
		}
		// The destination took open connections and refused one more: its
		// limit is open. With nothing open the refusal gives no count, and
		// the cut is by the factor.
		n := open
		if open <= 0 {
			n = int(math.Floor(float64(c.cur.Conns) * c.p.Factor))
		}
		c.cur.Conns = max(c.p.MinConns, n)
	case Timeout:
		c.startConnPeriod(now)
		if now.Sub(c.cutConns) < Holdoff {
			return false
		}
		c.cutConns, c.connsFound = now, true
		n := max(open, int(math.Floor(float64(c.cur.Conns)*c.p.Factor)))
		c.cur.Conns = max(c.p.MinConns, min(n, c.cur.Conns-1))
	}
	// A retreat goes back to the level a cut measured and a recut to what
	// the destination accepted; either can lie outside the policy's
	// bounds, which hold whatever the destination does.
	c.cur = c.p.clamp(c.cur)
	c.note(old, now, CauseCut, s, why)
	return c.cur != old
}
