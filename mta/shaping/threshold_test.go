package shaping

import (
	"slices"
	"testing"
	"time"
)

func TestThreshold(t *testing.T) {
	var th Threshold
	t0 := time.Now()
	for i := range 4 {
		if th.Hit("k", 5, time.Minute, t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("fired at hit %d", i+1)
		}
	}
	if th.Hit("k", 5, time.Minute, t0.Add(2*time.Minute)) {
		t.Fatal("old hits counted past the window")
	}
	for i := range 4 {
		if fired := th.Hit("k", 5, time.Minute, t0.Add(2*time.Minute+time.Duration(i+1)*time.Second)); fired != (i == 3) {
			t.Fatalf("hit %d fired=%v", i+2, fired)
		}
	}
	if !th.Hit("other", 0, 0, t0) {
		t.Fatal("a threshold of 0 must fire at once")
	}
}

// A threshold counts events, not replies: the replies to every transaction
// in flight when a provider changed its mind come back within about one
// transaction of each other and are one event. Each case feeds replies at
// the given offsets and names the ones (1-based) that fire.
func TestThresholdCountsBurstsOnce(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	burst := func(at, n int) []int { // n replies within 100 ms from at
		out := make([]int, n)
		for i := range out {
			out[i] = at + i*100/n
		}
		return out
	}
	cat := func(parts ...[]int) []int {
		var out []int
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		n      int
		window time.Duration
		at     []time.Duration
		fires  []int
	}{
		{"20 sessions throttled at one moment are one event", 20, time.Minute, ms(burst(0, 20)...), nil},
		{"2 after 2 bursts a few seconds apart", 2, time.Minute, ms(cat(burst(0, 20), burst(3000, 20))...), []int{21}},
		{"a steady stream counts once a second", 5, time.Minute,
			ms(0, 300, 600, 900, 1000, 1500, 2000, 2999, 3000, 3500, 4000), []int{11}},
		{"replies 1 s apart each count", 3, time.Minute, ms(0, 1000, 2000), []int{3}},
		{"the rest of a burst that fired does not start a new count", 2, time.Minute,
			ms(cat(burst(0, 20), []int{1500, 1600, 2000, 2400, 2600, 3700})...), []int{21, 26}},
		{"events outside the window drop out", 3, 2 * time.Second, ms(0, 1000, 5000, 6000, 7000), []int{5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var th Threshold
			t0 := time.Now()
			var fired []int
			for i, d := range tc.at {
				if th.Hit("k", tc.n, tc.window, t0.Add(d)) {
					fired = append(fired, i+1)
				}
			}
			if !slices.Equal(fired, tc.fires) {
				t.Fatalf("fired at replies %v, want %v", fired, tc.fires)
			}
		})
	}
}
