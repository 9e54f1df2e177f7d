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
		{"throttles that go on after the hold-off cut again", []int{50, 1, 1, 30}, []int{2, 4}},
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
// moment ago) is cut from that limit, not from a send meter that still
// averages the slower seconds before; a path its limit did not hold back
// is cut from what it sent. (Five transactions in the last two seconds
// are too few to read a refused share from.)
func TestCutStartsFromTheLimitWhenItHeldThePathBack(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bound time.Duration // when a message last waited for a token; < 0: never
		want  float64
	}{
		{"sending at the limit", 4500 * time.Millisecond, 20 * 0.7},
		{"held back long ago", 1 * time.Second, 5 * 0.7},
		{"never held back", -1, 5 * 0.7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Limits{Conns: 5, Rate: 20}, Params{}, t0)
			for s := range 5 { // 5 a second: a meter that reads 5/s
				for range 5 {
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

// After a cut the rate returns along a cubic curve to halfway between the
// cut and the level it started from, within one quiet period of rounds
// that the rate held back, then probes above by the additive step per
// quiet period. Rounds it did not hold the path back do not count.
func TestRecoveryReturnsToTheLevelThenProbes(t *testing.T) {
	c := New(Limits{Conns: 5, Rate: 20}, Params{}, t0)
	c.Pressed(false, true, t0)
	c.Signal(RateLimited, 0, t0)
	c.Signal(RateLimited, 0, t0) // cut from 20 to 14; aims at 17
	level, step := 17.0, DefaultStepShare*14
	now := t0
	round := func(pressed bool) float64 {
		now = now.Add(time.Second)
		if pressed {
			c.Pressed(false, true, now.Add(-time.Millisecond))
		}
		c.Success(now)
		return c.Limits().Rate
	}
	var prev float64 = 14
	for i := 1; i <= 5; i++ {
		r := round(true)
		want := level * (1 - 0.3*math.Pow(1-float64(i)/5, 3))
		if math.Abs(r-want) > 1e-9 || r <= prev {
			t.Fatalf("round %d: %.3f, want %.3f (rising from %.3f)", i, r, want, prev)
		}
		prev = r
	}
	if r := round(false); r != prev {
		t.Fatalf("a round that did not hold the path back raised the rate to %.3f", r)
	}
	for i := 1; i <= 5; i++ {
		if r, want := round(true), level+step*float64(i)/5; math.Abs(r-want) > 1e-9 {
			t.Fatalf("probing, round %d: %.3f, want %.3f", i, r, want)
		}
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
	// A second later, the next throttle: 13 of the 21 transactions of the
	// last two seconds were refused, more than the second factor that is
	// the most the share takes off (most were sent at the older rate).
	now := t0.Add(1500 * time.Millisecond)
	c.Sent(now)
	c.Pressed(false, true, now)
	c.Signal(RateLimited, 0, now)
	if got, want := c.Limits().Rate, first*0.7*0.7; math.Abs(got-want) > 1e-9 {
		t.Fatalf("second cut: rate %.2f, want %.2f", got, want)
	}
}
