package adaptive

import (
	"math"
	"time"
)

// ConfirmSpan is how many transactions apart two throttling replies may
// be and still confirm each other; three confirm each other within ten
// times as many. A throttle cuts the rate only when confirmed. A
// destination over its limit refuses the excess of what it is sent, so
// its replies come in runs for as long as the path overshoots: a burst
// (the sessions in flight at once, then one per transaction over the
// limit) or, just above the limit, a steady trickle (one in every twenty
// at 5 % over). A temporary failure that is not about the pace (a
// filter's hiccup, a provider overloaded by every sender at the top of the
// hour) comes alone: with such failures at a share p of transactions, one
// confirms another with a chance of about 10p for the pair and (100p)²/2
// for the three (6 % and 1 % at p = 0.5 %), so an isolated failure no
// longer cuts a rate it has nothing to do with. The price is one or two
// more throttled transactions per overshoot. It is a count, not a time,
// as TCP's duplicate-ACK threshold is: at 0.5 msg/s the second throttle
// comes seconds later, at 50 msg/s within a moment, and both are the same
// evidence.
const ConfirmSpan = 10

// rateBoundSpan is how recently a message must have waited for a rate
// token for the path to count as sending at its limit when a throttle
// comes: the throttle is then about the limit in force.
const rateBoundSpan = 2 * Holdoff

// recovering reports whether a throttle at now comes within the hold-off
// after the last rate cut, or before the replies to the transactions in
// flight at that cut have come back (at most a quiet period). Such a
// throttle is about the overshoot that cut answered, not news: the
// destination's own bucket was emptied by it and refills only at its rate
// less ours, so for a moment after a cut it still refuses now and then,
// although the cut rate is below its limit; and a transaction sent before
// the cut may be refused seconds later, on a destination that takes a
// while per transaction or closes the session at a throttle. TCP NewReno
// cuts once per window of data in flight at a loss (RFC 6582) for the
// same reason; the window here is a count of replies, as NewReno's is of
// the data sent before the cut. Such a throttle is counted in the share a
// later cut takes off, but neither cuts nor confirms one: the throttles
// that confirm the next cut come after, among themselves. (One can cut
// again when the destination still refuses what the cut left: recut.)
func (c *Controller) recovering(now time.Time) bool {
	return c.answers(c.cutRate, c.recoverAt, now)
}

// answers reports whether a throttle at now is about what a change of the
// rate at at answered: within the hold-off after it, or before replies
// reaches end (the replies once those in flight at it are back), and
// within a quiet period. Such a throttle confirms nothing.
func (c *Controller) answers(at time.Time, end int64, now time.Time) bool {
	if at.IsZero() || now.Sub(at) >= c.p.Quiet || now.Sub(at) >= Holdoff && c.replies() >= end {
		return false
	}
	c.throttles = 0
	return true
}

// replies counts the transactions that came back, accepted or throttled.
func (c *Controller) replies() int64 { return c.acceptedN + int64(c.throttleHead) }

// confirmThrottle notes a throttling reply, which came while the rate in
// force was above the level (above) or not, and reports whether earlier
// ones confirm it: one within ConfirmSpan transactions, or two within ten
// times that; and whether every throttle that confirms the cut came above
// the level (probe: see probing).
func (c *Controller) confirmThrottle(above bool) (confirmed, probe bool) {
	prev, prevAbove := c.throttledN, c.throttledAbove
	c.throttledN, c.throttledAbove = [2]int64{c.sentN, prev[0]}, [2]bool{above, prevAbove[0]}
	c.throttles = min(c.throttles+1, 3)
	switch {
	case c.throttles >= 2 && c.sentN-prev[0] <= ConfirmSpan:
		return true, above && prevAbove[0]
	case c.throttles >= 3 && c.sentN-prev[1] <= 10*ConfirmSpan:
		return true, above && prevAbove[0] && prevAbove[1]
	}
	return false, false
}

// probing reports whether the rate in force is above the level the last
// cut found: the path sent at the level for rateWait quiet periods
// without a throttle that cut, and now probes above it. A rate limiter,
// whatever its kind (a token bucket, a sliding window), refuses a sender
// only above its limit; so throttles that come only while the path probes
// say the limit lies between the level and the probe (a refused probe),
// while a throttle at or below a level the path ran at says the limit is
// now below it: it fell, or the level was read too high.
func (c *Controller) probing() bool {
	return c.rateFound && c.cur.Rate > c.rateMax
}

// nextRateWait sets the quiet periods the path stays at the level of the
// cut that starts now before it probes above it again, from raw, the rate
// the cut starts from. A probe refused not far above where the last cut
// started (at most the factor's share above) says the limit did not move,
// and a path whose limit stays put would pay the throttles that confirm a
// cut (two or three) for every probe, every few quiet periods, for
// nothing: the next probe waits twice as long (up to MaxProbeWait quiet
// periods), as path MTU discovery waits longer before probing above a
// size that was refused (RFC 1191), here for the rate as probeWait is for
// the connections. Any other cut (the first; throttles at or below the
// level: the limit fell; a probe refused far above the last cut: it rose)
// finds a new level, and probing starts again after one quiet period.
func (c *Controller) nextRateWait(probe bool, raw float64) {
	if probe && raw <= c.rateRefused*(2-c.p.Factor) {
		c.rateWait = min(max(4, 2*c.rateWait), MaxProbeWait)
	} else {
		c.rateWait = 1
	}
	c.rateRefused = raw
}

// goodput returns the rate at which the destination accepted the path's
// transactions since the last rate cut, when that span is long enough to
// read it (a hold-off and half of ConfirmSpan transactions). Its limiter
// was empty at that cut (it was refusing), and whatever it accepted since
// came from what it let through in the meantime: the rate is a measured
// lower bound of its limit, unless the limit fell since. It is what TCP
// BBR estimates the bottleneck's bandwidth from: the rate the receiver
// acknowledged, not the rate at which the sender sent. The count is at
// most the transactions sent since the cut: the replies to those in
// flight at the cut, sent at the older rate, come back after it, and
// would read a moment after a cut as the older rate.
func (c *Controller) goodput(now time.Time) (float64, bool) {
	if c.cutRate.IsZero() {
		return 0, false
	}
	span := now.Sub(c.cutRate)
	n := min(c.acceptedN-c.cutAccepted, c.sentN-c.cutSent)
	if span < Holdoff || n < ConfirmSpan/2 {
		return 0, false
	}
	return float64(n) / span.Seconds(), true
}

// cutRateAt cuts the rate by the factor and remembers the level it was cut
// from, for the recovery (recoverRate). The level is the limit in force
// when the path was sending at it (a message waited for a rate token a
// moment ago, and it sent at least half the limit); otherwise the path
// sent less than its limit (its connections or its mail held it back),
// and the level is the rate it
// really sent, counted over at least a second: cutting a nominal rate it
// never reached would not slow it down. A path with no rate gets one.
func (c *Controller) cutRateAt(now time.Time, probe bool) {
	if now.Sub(c.cutRate) < Holdoff {
		return
	}
	from := c.cur.Rate
	// Held back means a message waited for a token a moment ago while the
	// path sent at least half the limit (over the last two seconds):
	// behind a paced bucket (Paced) a message waits for its token whatever
	// the path sends, as in the rounds of usedRate.
	bound := !c.rateBoundAt.IsZero() && now.Sub(c.rateBoundAt) <= rateBoundSpan &&
		c.sent.rateOver(now, 2) >= from/2
	if !bound || from == 0 {
		if obs := c.sent.rate(now); obs > 0 && (from == 0 || obs < from) {
			from = obs
		}
	}
	if from <= 0 {
		return // nothing sent, no rate: nothing to cut from
	}
	c.nextRateWait(probe, from)
	if c.rateFound {
		if g, ok := c.goodput(now); ok {
			c.cutToGoodput(now, from, g, probe)
			return
		}
	}
	// A destination over its limit takes its limit and refuses the rest:
	// the share it refused of what was sent in the last seconds says how
	// far over the path was (when they were enough transactions to say).
	// A path that started at a preset twice the limit comes down in two
	// cuts, not four seconds of cuts by 0.7 with every session throttled;
	// one overshooting by a few percent, or a pair of random failures,
	// hardly moves. Only the last two seconds, and never more than a
	// second factor: the limit changed at most once in them (the
	// hold-off), but what was sent before that change, at the older rate,
	// is in the share too, and the climb back after an over-cut is slow
	// (steps above the level).
	measured := false
	if sent, refused := c.recentShare(now); sent >= ConfirmSpan {
		share := float64(refused) / float64(sent)
		measured = share < 1-c.p.Factor
		from *= 1 - min(share, 1-c.p.Factor)
	}
	// The throttle came back once the destination's own bucket had
	// absorbed the overshoot: its limit lies below the level the cut
	// started from, and above where the cut lands as far as anything
	// says. The recovery aims halfway between (bisection); it is also
	// CUBIC's fast convergence (RFC 9438, 4.7), here for every cut but
	// the first when the refused share was read (and not capped). CUBIC
	// converges fast only from below an earlier level; the first cut has
	// none, and ends slow start (or a preset above the limit), whose
	// overshoot emptied the destination's bucket for most of the seconds
	// read: what it accepted then, the level less the refused share, is
	// about its limit. Halfway below it, the path spent the next quarter
	// of a minute climbing back by steps.
	level := from * (1 + c.p.Factor) / 2
	if !c.rateFound && measured {
		level = from
	}
	c.cur.Rate = from * c.p.Factor
	c.landCut(now, level)
}

// cutToGoodput cuts a rate found earlier, from raw (the rate the cut
// starts from), to what the destination accepted since the last cut
// (goodput): the limit lies about there, and a path that stays there
// sends close to it instead of climbing back for a quarter of a minute
// from 0.7 of the rate refused. A refused probe (probe) says the limit
// did not move since the last cut, and the cut is never deeper than the
// factor. Throttles at the level say it fell, or that the last cut read it
// a little high: the goodput may then count an older, higher limit, and
// the cut lands no higher than what the destination accepted of the last
// seconds' transactions either (raw less the share refused, read without
// the bias of the throttles that confirm the cut: refusedShare), and no
// deeper than two factors, as a cut by the refused share and the factor.
// The cut lands at the level; the path probes above it after rateWait
// quiet periods.
func (c *Controller) cutToGoodput(now time.Time, raw, goodput float64, probe bool) {
	limit, floor := min(goodput, raw), raw*c.p.Factor
	if !probe {
		floor *= c.p.Factor
		if sent, refused := c.recentShare(now); sent >= ConfirmSpan {
			limit = min(limit, raw*(1-refusedShare(sent, refused)))
		}
	}
	c.cur.Rate = max(floor, limit)
	c.landCut(now, c.cur.Rate)
}

// refusedShare is the share of transactions the destination refused,
// read from sent transactions of which refused were throttled, when a
// throttle has just confirmed a cut. The window read ends at that throttle
// because the cut comes at it: the count of throttles in it is never
// below the two that confirm, however rarely the destination refuses (2 of
// the last 10 on a slow path, for a rate a few percent over the limit).
// It is the bias of inverse sampling, which stops at the r-th event: the
// unbiased estimate of the share is (r-1)/(n-1) (Haldane, 1945).
func refusedShare(sent, refused int) float64 {
	if sent <= 1 || refused <= 1 {
		return 0
	}
	return float64(refused-1) / float64(sent-1)
}

// landCut completes a rate cut to c.cur.Rate, recovering toward level.
func (c *Controller) landCut(now time.Time, level float64) {
	// The level is where recovery and retreats return to: within the
	// policy's bounds, as the rate itself.
	level = c.p.clamp(Limits{Rate: level}).Rate
	c.cutRate, c.rateFound, c.rateMax, c.rateEpoch = now, true, level, 0
	c.cutAccepted, c.cutSent = c.acceptedN, c.sentN
	// In flight: sent and not yet back, accepted or throttled; a
	// transaction that failed otherwise never comes back as either, so at
	// most those sent in the last two seconds.
	inFlight := min(max(0, c.sentN-c.replies()), int64(c.sent.last(now, 2)))
	c.recoverAt = c.replies() + inFlight
	c.throttles = 0 // those that confirmed this cut confirm no other
	c.cur.Rate = max(c.p.MinRate, c.cur.Rate)
	if c.p.MaxRate > 0 {
		c.cur.Rate = min(c.cur.Rate, c.p.MaxRate)
	}
	if !c.stepFixed {
		// The least increase is sized from where the cut landed: near a low
		// limit it probes gently, near a high one it climbs at a useful pace.
		// A quarter of the preset bounds the step from below, so that a
		// cut that read the rate low does not leave the path crawling.
		c.rateStep = DefaultStepShare * max(c.cur.Rate, c.preset.Rate/DefaultCeiling)
	}
}

// recentShare returns the transactions of the last two seconds and the
// throttles among them; when two seconds held fewer than ConfirmSpan (a
// slow path: at 2 msg/s, four), the last ConfirmSpan transactions and the
// throttles that came since they began, as the confirmation counts
// transactions rather than seconds.
func (c *Controller) recentShare(now time.Time) (sent, refused int) {
	sent, refused = c.sent.last(now, 2), c.throttled.last(now, 2)
	if sent >= ConfirmSpan || c.sentN < ConfirmSpan {
		return sent, refused
	}
	refused = 0
	for i := range min(c.throttleHead, ConfirmSpan) {
		if c.throttleRing[i] > c.sentN-ConfirmSpan {
			refused++
		}
	}
	return ConfirmSpan, refused
}

// recoverRate raises the rate after a cut, for a round of d in which the
// rate held the path back. It returns toward the level the cut started
// from as TCP CUBIC's window does (RFC 9438): along a cubic curve of the
// time spent recovering, fast at first and flat near the level, which it
// reaches after one quiet period; a destination whose limit did not move
// is sent close to it most of the time instead of a sawtooth that spends
// half its time far below it. Above that level it probes carefully, by
// the additive step per quiet period: a provider's token bucket absorbs an
// overshoot for a while before it throttles (a second of its rate, often
// more), so a probe that sped up the longer it held, as CUBIC's does
// above the level, would be far past the limit when the first throttle
// came back. Only rounds in which the rate held the path back count: a
// path that sends less than its limit learns nothing about it (RFC 9438,
// 5.8, application-limited).
func (c *Controller) recoverRate(d time.Duration) {
	c.rateEpoch += min(d, c.p.Quiet) // a long gap between deliveries counts as one period
	t := c.rateEpoch.Seconds() / c.p.Quiet.Seconds()
	// At the level for rateWait quiet periods, then probing above it.
	target := c.rateMax + c.rateStep*max(0, t-float64(c.rateWait))
	if t < 1 {
		target = c.rateMax * (1 - (1-c.p.Factor)*math.Pow(1-t, 3))
	}
	c.cur.Rate = max(c.cur.Rate, target)
}

// retreat ends a probe at its first throttle: the rate goes back to the
// level the last cut found, which the destination took, and the next
// probe waits twice as long (as a refused probe's cut does: nextRateWait).
// A rate limiter refuses only above its limit, so a throttle while the
// path probes says the limit lies below the probe; it cuts nothing below
// the level, so a throttle that is not about the pace (a filter's hiccup)
// costs the probe, never the level. Confirmed throttles at the level
// still cut. Before, a probe went on until a second throttle confirmed the
// first and a cut landed on the goodput: two or three throttles per
// refused probe, and the replies in flight meanwhile.
func (c *Controller) retreat(now time.Time) {
	c.nextRateWait(true, c.cur.Rate)
	if g, ok := c.goodput(now); ok {
		c.rateMax = max(c.rateMax, min(g, c.cur.Rate))
	}
	c.cur.Rate = c.rateMax
	c.rateEpoch = 0
	inFlight := min(max(0, c.sentN-c.replies()), int64(c.sent.last(now, 2)))
	c.retreatAt, c.retreatEnd = now, c.replies()+inFlight
}

// retreating reports whether a throttle at now is about the probe the
// path retreated from: within the hold-off after the retreat, or before
// the replies to the transactions then in flight are back (at most a
// quiet period), as recovering is for a cut.
func (c *Controller) retreating(now time.Time) bool {
	return c.answers(c.retreatAt, c.retreatEnd, now)
}

// RecutShare: a throttle during the recovery from a cut cuts again when
// the destination accepted less than this share of what the path sent
// since the cut (recut).
const RecutShare = 0.9

// recut cuts again, at a throttle that comes while the path recovers from
// a cut (recovering), when the destination still refuses what the cut
// left: since the cut, over at least half a hold-off and five accepted
// transactions, it accepted less than RecutShare of what the path sent.
// A destination that throttles is saturated, and accepts its limit: the
// rate lands on what it accepted (the goodput since the cut). A cut that
// landed below the limit sees the destination accept what the path sends
// (the replies to the transactions in flight at the cut count in both),
// and nothing more happens. Without it, the first cut at the end of slow
// start or at a limit that fell by half, which reads the share refused
// over seconds that were mostly accepted, left the path above the limit
// for the whole hold-off and until the replies in flight at the cut were
// back: 10 to 16 more throttles per such cut in the blind benchmark.
func (c *Controller) recut(now time.Time) {
	span := now.Sub(c.cutRate)
	accepted, sent := c.acceptedN-c.cutAccepted, c.sentN-c.cutSent
	if span < Holdoff/2 || accepted < ConfirmSpan/2 || float64(accepted) >= RecutShare*float64(sent) {
		return
	}
	g := float64(accepted) / span.Seconds()
	if g >= c.cur.Rate {
		return
	}
	c.cur.Rate = max(g, c.cur.Rate*c.p.Factor)
	c.landCut(now, c.cur.Rate)
}
