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
// after the last rate cut. Such a throttle is about the overshoot that cut
// answered, not news: the destination's own bucket was emptied by it and
// refills only at its rate less ours, so for a moment after a cut it still
// refuses now and then, although the cut rate is below its limit. TCP
// NewReno cuts once per window of data in flight at a loss (RFC 6582) for
// the same reason. Such a throttle is counted in the share a later cut
// takes off, but neither cuts nor confirms one: the throttles that confirm
// the next cut come after the hold-off, among themselves.
func (c *Controller) recovering(now time.Time) bool {
	if c.cutRate.IsZero() || now.Sub(c.cutRate) >= Holdoff {
		return false
	}
	c.throttles = 0
	return true
}

// confirmThrottle notes a throttling reply and reports whether earlier
// ones confirm it: one within ConfirmSpan transactions, or two within ten
// times that.
func (c *Controller) confirmThrottle() bool {
	prev := c.throttledN
	c.throttledN = [2]int64{c.sentN, prev[0]}
	c.throttles = min(c.throttles+1, 3)
	return (c.throttles >= 2 && c.sentN-prev[0] <= ConfirmSpan) ||
		(c.throttles >= 3 && c.sentN-prev[1] <= 10*ConfirmSpan)
}

// cutRateAt cuts the rate by the factor and remembers the level it was cut
// from, for the recovery (recoverRate). The level is the limit in force
// when the path was sending at it (a message waited for a rate token a
// moment ago, and it sent at least half the limit); otherwise the path
// sent less than its limit (its connections or its mail held it back),
// and the level is the rate it
// really sent, counted over at least a second: cutting a nominal rate it
// never reached would not slow it down. A path with no rate gets one.
func (c *Controller) cutRateAt(now time.Time) {
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
	c.cutRate, c.rateFound, c.rateMax, c.rateEpoch = now, true, level, 0
	c.throttles = 0 // those that confirmed this cut confirm no other
	c.cur.Rate = max(c.p.MinRate, from*c.p.Factor)
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
	target := c.rateMax + c.rateStep*(t-1) // probing above the level
	if t < 1 {
		target = c.rateMax * (1 - (1-c.p.Factor)*math.Pow(1-t, 3))
	}
	c.cur.Rate = max(c.cur.Rate, target)
}
