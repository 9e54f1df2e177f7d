package adaptive

import (
	"math"
	"slices"
	"testing"
	"time"
)

// A throttle cuts the rate only when others confirm it: one within
// ConfirmSpan transactions (a burst), or two within ten times that (a
// trickle just above the limit). A lone temporary failure cuts nothing.
func TestThrottlesConfirmEachOther(t *testing.T) {
	for _, tc := range []struct {
		name string
		gaps []int // transactions sent before each throttle
		cuts []int // the throttles (1-based) that cut
	}{
		{"a lone throttle", []int{50}, nil},
		{"two in one burst", []int{50, 0}, []int{2}},
		{"two within the span", []int{50, ConfirmSpan}, []int{2}},
		{"two farther apart", []int{50, ConfirmSpan + 1}, nil},
		{"isolated failures, one in sixty", []int{60, 60, 60, 60, 60}, nil},
		{"a trickle, one in thirty", []int{30, 30, 30}, []int{3}},
		{"throttles that go on after the hold-off cut again", []int{50, 1, 1, 30, 1}, []int{2, 5}},
		{"one after the hold-off is not confirmed by those before", []int{50, 1, 1, 25}, []int{2}},
		{"those within the hold-off confirm nothing", []int{50, 1, 1, 1, 1, 1, 25}, []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Limits{Conns: 5, Rate: 20}, Params{}, t0)
			now := t0
			var cuts []int
			for i, gap := range tc.gaps {
				for range gap { // accepted at once: nothing in flight
					now = now.Add(50 * time.Millisecond)
					c.Sent(now)
					c.Success(now)
				}
				now = now.Add(10 * time.Millisecond)
				if c.Signal(RateLimited, 0, now) {
					cuts = append(cuts, i+1)
				}
			}
			if !slices.Equal(cuts, tc.cuts) {
				t.Fatalf("throttles %v cut, want %v", cuts, tc.cuts)
			}
		})
	}
}

// A path that was sending at its limit (a message waited for a token a
// moment ago, and it sent at least half the limit in the last two
// seconds) is cut from that limit, not from a send meter that still
// averages the slower seconds before; a path its limit did not hold back
// is cut from what it sent, and so is one whose messages waited for
// tokens while it sent less than half its limit (a paced bucket).
func TestCutStartsFromTheLimitWhenItHeldThePathBack(t *testing.T) {
	const refused = 1 - 2.0/25 // two throttles of the last two seconds' 25
	for _, tc := range []struct {
		name  string
		last  int           // sent in the last second before the cut
		bound time.Duration // when a message last waited for a token; < 0: never
		want  float64
	}{
		{"sending at the limit", 25, 4500 * time.Millisecond, 20 * refused * 0.7},
		{"held back long ago", 25, 1 * time.Second, 10 * refused * 0.7},
		{"never held back", 25, -1, 10 * refused * 0.7},
		// Five in two seconds: the share is read from the last ten (2 refused).
		{"waiting for tokens while sending under half the limit", 5, 4500 * time.Millisecond, 5 * 0.8 * 0.7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Limits{Conns: 5, Rate: 20}, Params{}, t0)
			for s := range 5 { // 5 a second, then the last
				n := 5
				if s == 4 {
					n = tc.last
				}
				for range n {
					c.Sent(at(time.Duration(s) * time.Second))
				}
			}
			if tc.bound >= 0 {
				c.Pressed(false, true, at(tc.bound))
			}
			c.Signal(RateLimited, 0, at(5*time.Second))
			c.Signal(RateLimited, 0, at(5*time.Second))
			if got := c.Limits().Rate; math.Abs(got-tc.want) > 0.01 {
				t.Fatalf("cut to %.2f, want %.2f", got, tc.want)
			}
		})
	}
}

// After a cut the rate returns along a cubic curve to halfway between
// the cut and the level it started from (CUBIC's fast convergence), or,
// at the first cut when the share refused was read, to that level (the
// share taken off: what the destination accepted), within one quiet
// period of rounds that the rate held back, then probes above by the
// additive step per quiet period. Rounds it did not hold the path back do
// not count.
func TestRecoveryReturnsToTheLevelThenProbes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		sent, cuts int // sent in the second before each cut
		cut, level float64
	}{
		{"a first cut that read the refused share", 20, 1, 20 * 0.9 * 0.7, 20 * 0.9},
		{"a first cut with too few sent to read it", 0, 1, 14, 17},
		{"a later cut", 0, 2, 9.8, 14 * 0.85},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Limits{Conns: 5, Rate: 20}, Params{}, t0)
			now := t0
			for i := range tc.cuts { // 20 to 14, then 14 to 9.8
				now = t0.Add(time.Duration(i) * 2 * time.Second)
				for range tc.sent {
					c.Sent(now)
				}
				c.Pressed(false, true, now)
				c.Signal(RateLimited, 0, now) // 2 of 20 refused
				c.Signal(RateLimited, 0, now)
			}
			if r := c.Limits().Rate; math.Abs(r-tc.cut) > 1e-9 {
				t.Fatalf("cut to %.3f, want %.3f", r, tc.cut)
			}
			step := DefaultStepShare * tc.cut
			round := func(pressed bool) float64 {
				now = now.Add(time.Second)
				if pressed { // it sent at its rate and a message waited for a token
					for range 15 {
						c.Sent(now.Add(-time.Millisecond))
					}
					c.Pressed(false, true, now.Add(-time.Millisecond))
				}
				c.Success(now)
				return c.Limits().Rate
			}
			prev := tc.cut
			for i := 1; i <= 5; i++ {
				r := round(true)
				want := tc.level * (1 - 0.3*math.Pow(1-float64(i)/5, 3))
				if math.Abs(r-want) > 1e-9 || r <= prev {
					t.Fatalf("round %d: %.3f, want %.3f (rising from %.3f)", i, r, want, prev)
				}
				prev = r
			}
			if r := round(false); r != prev {
				t.Fatalf("a round that did not hold the path back raised the rate to %.3f", r)
			}
			for i := 1; i <= 5; i++ {
				if r, want := round(true), tc.level+step*float64(i)/5; math.Abs(r-want) > 1e-9 {
					t.Fatalf("probing, round %d: %.3f, want %.3f", i, r, want)
				}
			}
		})
	}
}

// A path far over the destination's limit comes down in few cuts: the
// share of its last two seconds' transactions the destination refused
// comes off before the factor (at most a second factor), so a preset 2.5
// times the limit does not cost three seconds of cuts by 0.7 with every
// session throttled.
func TestCutTakesOffWhatTheDestinationRefused(t *testing.T) {
	c := New(Limits{Conns: 5, Rate: 20}, Params{}, t0)
	// 20 in the first second; the destination takes 8 and refuses 12,
	// each throttle coming back 10 ms after its transaction. The second
	// throttle is confirmed; its cut reads 2 refused of 10 sent.
	for i := range 20 {
		now := t0.Add(time.Duration(i) * 50 * time.Millisecond)
		c.Sent(now)
		c.Pressed(false, true, now)
		if i >= 8 {
			c.Signal(RateLimited, 0, now.Add(10*time.Millisecond))
		}
	}
	first := 20 * (1 - 2.0/10) * 0.7
	if got := c.Limits().Rate; math.Abs(got-first) > 1e-9 {
		t.Fatalf("first cut: rate %.2f, want %.2f", got, first)
	}
	// After the hold-off, two more throttles: 14 of the 22 transactions of
	// the last two seconds were refused, more than the second factor that is
	// the most the share takes off (most were sent at the older rate).
	for _, d := range []time.Duration{1500, 1550} {
		now := t0.Add(d * time.Millisecond)
		c.Sent(now)
		c.Pressed(false, true, now)
		c.Signal(RateLimited, 0, now)
	}
	if got, want := c.Limits().Rate, first*0.7*0.7; math.Abs(got-want) > 1e-9 {
		t.Fatalf("second cut: rate %.2f, want %.2f", got, want)
	}
}

// A path's rate is paced (sent from a bucket one token deep) until the
// destination has seen it: a round in which the path sent at least half
// its rate, or a cut. A path that sends less stays paced; a restored
// limit, or a path that does not adapt, is not.
func TestPacedUntilTheRateIsValidated(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Params
		run  func(c *Controller)
		want bool
	}{
		{"new", Params{}, func(*Controller) {}, true},
		{"a round at under half the rate", Params{}, func(c *Controller) {
			for range 9 {
				c.Sent(at(500 * time.Millisecond))
			}
			c.Success(at(time.Second))
		}, true},
		{"a round at half the rate", Params{}, func(c *Controller) {
			for range 10 {
				c.Sent(at(500 * time.Millisecond))
			}
			c.Success(at(time.Second))
		}, false},
		{"a cut", Params{}, func(c *Controller) {
			c.Signal(RateLimited, 0, at(time.Second))
			c.Signal(RateLimited, 0, at(time.Second))
		}, false},
		{"restored", Params{}, func(c *Controller) {
			c.Restore(Saved{Conns: 5, Rate: 30, At: t0}, t0, time.Hour)
		}, false},
		{"adaptation off", Params{Off: true}, func(*Controller) {}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Limits{Conns: 5, Rate: 20}, tc.p, t0)
			tc.run(c)
			if got := c.Paced(); got != tc.want {
				t.Fatalf("paced %v, want %v", got, tc.want)
			}
		})
	}
}

// On a slow path two seconds hold too few transactions to read a refused
// share from; the cut reads it from the last ConfirmSpan transactions
// instead, as the confirmation counts transactions, not seconds.
func TestSlowPathReadsTheShareFromTheLastTransactions(t *testing.T) {
	c := New(Limits{Conns: 5, Rate: 2}, Params{}, t0)
	for i := 1; i <= 11; i++ { // 2 a second, each waiting for its token
		now := t0.Add(time.Duration(i) * 500 * time.Millisecond)
		c.Sent(now)
		c.Pressed(false, true, now)
		if i >= 10 { // the 10th and 11th are refused: the second confirms
			c.Signal(RateLimited, 0, now.Add(10*time.Millisecond))
		}
	}
	if got, want := c.Limits().Rate, 2*(1-2.0/10)*0.7; math.Abs(got-want) > 1e-9 {
		t.Fatalf("cut to %.3f, want %.3f (2 of the last 10 refused)", got, want)
	}
}

// rounds feeds secs seconds of a path its rate holds back: each second it
// sends perSec transactions, evenly, the last at the second's end, each
// waiting for a token, and the destination accepts the last ok of them.
// It returns the time after the last round.
func rounds(c *Controller, from time.Duration, secs, perSec, ok int) time.Duration {
	return roundsHeld(c, from, secs, perSec, ok, true)
}

// roundsHeld is rounds in which the rate held the path back (held) or not
// (no message waited for a token).
func roundsHeld(c *Controller, from time.Duration, secs, perSec, ok int, held bool) time.Duration {
	for s := range secs {
		for i := range perSec {
			now := at(from + time.Duration(s)*time.Second + time.Duration(i+1)*time.Second/time.Duration(perSec))
			c.Sent(now)
			if held {
				c.Pressed(false, true, now)
			}
			if i >= perSec-ok {
				c.Success(now)
			}
		}
	}
	return from + time.Duration(secs)*time.Second
}

// A probe the destination refuses goes back, at its first throttle, to
// the level, or to what the destination accepted since the last cut (its
// goodput, a measured lower bound of its limit) when that is higher, never
// above the probe; the throttles in flight meanwhile neither cut nor
// confirm (before, a second throttle confirmed the first and the cut
// landed on the goodput, never deeper than the factor). Throttles at the level
// (the limit fell, or the last cut read it a little high) cut to the
// goodput too, but no higher than what the destination accepted of the
// last transactions (the share refused read without the bias of the two
// that confirm: 1 of the 9 before the last, not 2 of 10), and no deeper
// than two factors.
func TestRefusedProbeRetreatsAndCutsLandOnTheGoodput(t *testing.T) {
	// A first cut from 10 (nothing sent, the share not read): 7, level 8.5.
	first := func() *Controller {
		c := New(Limits{Conns: 5, Rate: 10}, Params{}, t0)
		c.Signal(RateLimited, 0, t0)
		c.Signal(RateLimited, 0, t0)
		if c.Limits().Rate != 7 || c.rateMax != 8.5 {
			t.Fatalf("first cut to %.2f, level %.2f, want 7 and 8.5", c.Limits().Rate, c.rateMax)
		}
		return c
	}
	throttle := func(c *Controller, d time.Duration) {
		c.Signal(RateLimited, 0, at(d))
		c.Signal(RateLimited, 0, at(d))
	}
	// Ten seconds of rounds: the rate reaches the level at 5 s and probes
	// above it, 9.2 at 10 s (a step of 0.7 per quiet period). Two seconds
	// into its recovery it is at 8.5 * (1 - 0.3 * 0.6^3).
	const probe = 8.5 + 0.7
	const recovering2s = 8.5 * (1 - 0.3*0.6*0.6*0.6)
	for _, tc := range []struct {
		name string
		run  func(c *Controller) // from the first cut
		want float64
	}{
		{"a refused probe goes back to the level at its first throttle", func(c *Controller) {
			end := rounds(c, 0, 10, 8, 8)
			throttle(c, end+100*time.Millisecond) // 80 accepted in 10.1 s: below the level
		}, 8.5},
		{"or to the goodput, when that is above the level", func(c *Controller) {
			end := rounds(c, 0, 10, 9, 9)
			throttle(c, end+100*time.Millisecond) // 90 accepted in 10.1 s
		}, 90 / 10.1},
		{"never above the probe", func(c *Controller) {
			end := rounds(c, 0, 10, 10, 10)
			throttle(c, end+100*time.Millisecond) // 100 accepted in 10.1 s
		}, probe},
		{"throttles go on a moment after the first cut", func(c *Controller) {
			end := rounds(c, 0, 2, 8, 8)          // the rate 7.95 on its way back to the level
			throttle(c, end+100*time.Millisecond) // 16 accepted in 2.1 s, 8 of the last 9
		}, recovering2s * 8 / 9},
		{"throttles at the level long after the last cut", func(c *Controller) {
			end := rounds(c, 0, 5, 8, 8)             // at the level
			end = roundsHeld(c, end, 5, 8, 8, false) // and it stays there: the rate holds nothing back
			throttle(c, end+100*time.Millisecond)    // cut from what it sent, 8 of the last 9 accepted
		}, 33 / 4.1 * 8 / 9}, // the send meter: 33 in its last 4.1 s
		{"throttles at the level: never below two factors", func(c *Controller) {
			end := rounds(c, 0, 5, 8, 3)          // the destination accepted 3 of 8
			throttle(c, end+100*time.Millisecond) // 15 in 5.1 s
		}, 8.5 * 0.7 * 0.7},
		{"the cut a moment after a fall's reads the goodput since the fall's", func(c *Controller) {
			end := rounds(c, 0, 5, 8, 8)
			end = roundsHeld(c, end, 5, 8, 8, false)
			throttle(c, end+100*time.Millisecond) // to 7.15
			end = rounds(c, end+100*time.Millisecond, 3, 5, 5)
			throttle(c, end+200*time.Millisecond) // 15 accepted in 3.2 s
		}, 15 / 3.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := first()
			tc.run(c)
			if got := c.Limits().Rate; math.Abs(got-tc.want) > 0.001 {
				t.Fatalf("cut to %.3f, want %.3f", got, tc.want)
			}
		})
	}
}

// After a refused probe the path stays at the level for 4 quiet periods
// before it probes again, twice as long after each further refused probe
// (up to MaxProbeWait); a cut that was not a refused probe (the limit
// fell) starts probing again after one quiet period. The quiet periods
// count seconds in which the rate held the path back.
func TestRefusedProbesWaitLonger(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cuts  []string // each cut: "probe" (throttles while above the level) or "fall" (at the level)
		waits []int    // quiet periods at the level after each cut before the rate rises above it
	}{
		{"refused probes", []string{"probe", "probe", "probe", "probe"}, []int{4, 8, 16, 16}},
		{"a fall resets the wait", []string{"probe", "probe", "fall"}, []int{4, 8, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Limits{Conns: 5, Rate: 10}, Params{}, t0)
			c.Signal(RateLimited, 0, t0)
			c.Signal(RateLimited, 0, t0)
			now := time.Duration(0)
			above := func() int { // seconds of rounds until the rate is above the level
				for s := 1; s <= 200; s++ {
					now = rounds(c, now, 1, 8, 8)
					if c.Limits().Rate > c.rateMax {
						return s
					}
				}
				t.Fatal("never above the level")
				return 0
			}
			above()
			for i, cut := range tc.cuts {
				if cut == "fall" { // back at the level: a probe, throttled once it is at the level again
					c.cur.Rate = c.rateMax
				}
				now += 100 * time.Millisecond
				c.Signal(RateLimited, 0, at(now))
				c.Signal(RateLimited, 0, at(now))
				secs := above()
				// The rate rises above the level in the first round after the wait.
				if want := tc.waits[i] * int(DefaultQuiet/time.Second); secs != want+1 {
					t.Fatalf("cut %d (%s): above the level after %d s, want %d quiet periods (%d s) and a round",
						i+1, cut, secs, tc.waits[i], want)
				}
			}
		})
	}
}

// Throttles after a cut are about the overshoot it answered until the
// replies to the transactions in flight at the cut are back (as TCP
// NewReno's recovery point), however long past the hold-off, up to a
// quiet period: they neither cut nor confirm a cut.
func TestThrottlesAboutTransactionsInFlightAtTheCut(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name    string
		replies int           // accepted after the cut, before the throttles
		at      time.Duration // when two more throttles come
		cut     bool
	}{
		{"in flight at the cut, after the hold-off", 0, 1500 * ms, false},
		{"once the replies are back", 8, 1500 * ms, true},
		{"within the hold-off, replies back", 8, 900 * ms, false},
		{"after a quiet period, replies or not", 0, 5600 * ms, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Limits{Conns: 5, Rate: 20}, Params{}, t0)
			for i := range 10 { // 10 in flight, two of them throttled at 0.5 s: a cut
				c.Sent(at(time.Duration(i) * 50 * ms))
			}
			c.Signal(RateLimited, 0, at(500*ms))
			if !c.Signal(RateLimited, 0, at(500*ms)) {
				t.Fatal("the first two throttles did not cut")
			}
			for range tc.replies {
				c.Success(at(tc.at - 100*ms))
			}
			c.Signal(RateLimited, 0, at(tc.at))
			if got := c.Signal(RateLimited, 0, at(tc.at)); got != tc.cut {
				t.Fatalf("cut %v, want %v", got, tc.cut)
			}
		})
	}
}

// A throttle while the path recovers from a cut, which the recovery
// otherwise ignores, cuts again to what the destination accepted since
// the cut when that is under 0.9 of what the path sent meanwhile (over
// half a hold-off at least): the first cut, read from seconds the
// destination mostly accepted, left the path above a limit that fell.
// Never deeper than the factor; a destination that accepts what is sent
// (the throttle was a reply in flight at the cut) cuts nothing.
func TestThrottleWhileRecoveringCutsAgainToTheGoodput(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name     string
		accepted int           // of 10 sent after the cut, one per 60 ms
		at       time.Duration // the throttle
		want     float64
	}{
		{"it takes less than the path sends: cut to what it took", 8, 700 * ms, 8 / 0.7},
		{"never deeper than the factor", 6, 700 * ms, 14 * 0.7},
		{"it takes what the path sends: nothing", 10, 700 * ms, 14},
		{"too soon to read", 5, 400 * ms, 14}, // 5 of 6
		{"too few accepted to read", 4, 700 * ms, 14},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Limits{Conns: 5, Rate: 20}, Params{}, t0)
			c.Signal(RateLimited, 0, t0)
			c.Signal(RateLimited, 0, t0) // a first cut, to 14
			if c.Limits().Rate != 14 {
				t.Fatalf("first cut to %.2f, want 14", c.Limits().Rate)
			}
			for i := range 10 {
				d := time.Duration(i+1) * 60 * ms
				if d > tc.at {
					break
				}
				c.Sent(at(d))
				if i < tc.accepted {
					c.Success(at(d))
				}
			}
			c.Signal(RateLimited, 0, at(tc.at))
			if got := c.Limits().Rate; math.Abs(got-tc.want) > 0.001 {
				t.Fatalf("rate %.3f after the throttle, want %.3f", got, tc.want)
			}
		})
	}
}
