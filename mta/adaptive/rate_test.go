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
				for range gap {
					now = now.Add(50 * time.Millisecond)
					c.Sent(now)
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
