package adaptive

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestLearnedLimitsStayWithinThePolicyBounds drives controllers through
// random traffic against destinations that meter below, inside and above
// the policy's bounds, and checks after every event that the limits in
// force never leave the floor and ceiling the policy gave: an operator
// reads a floor as a promise (a learned rate below it sends slower than
// the policy allows, one above the ceiling faster).
func TestLearnedLimitsStayWithinThePolicyBounds(t *testing.T) {
	for _, tc := range []struct {
		name     string
		p        Params
		destRate float64 // the destination's metered rate, per second
	}{
		{"destination below the floor", Params{MinConns: 2, MaxConns: 8, MinRate: 4, MaxRate: 60, Factor: 0.5, Quiet: time.Second}, 2.5},
		{"destination inside the bounds", Params{MinConns: 1, MaxConns: 6, MinRate: 3, MaxRate: 40, Factor: 0.7, Quiet: time.Second}, 12},
		{"destination above the ceiling", Params{MinConns: 1, MaxConns: 4, MinRate: 2, MaxRate: 20, Factor: 0.5, Quiet: time.Second}, 80},
		{"deep factor, high floor", Params{MinConns: 3, MaxConns: 10, MinRate: 10, MaxRate: 30, Factor: 0.3, Quiet: 500 * time.Millisecond}, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(20) {
				rng := rand.New(rand.NewPCG(seed, 1))
				c := New(Limits{Conns: 5, Rate: 20, PerConn: 10}, tc.p, at(0))
				p := c.Params()
				check := func(now time.Duration, event string) {
					t.Helper()
					l := c.Limits()
					if l.Rate < p.MinRate || l.Rate > p.MaxRate || l.Conns < p.MinConns || l.Conns > p.MaxConns {
						t.Fatalf("seed %d, %v after %s: limits %+v outside conns [%d, %d], rate [%g, %g]",
							seed, now, event, l, p.MinConns, p.MaxConns, p.MinRate, p.MaxRate)
					}
				}
				if seed%2 == 0 {
					c.Cold(at(0))
				}
				bucket, credit := tc.destRate, 0.0 // the destination's tokens; the path's
				const tick = 10 * time.Millisecond
				for now := tick; now < 90*time.Second; now += tick {
					bucket = min(tc.destRate, bucket+tc.destRate*tick.Seconds())
					credit = min(c.Limits().Rate, credit+c.Limits().Rate*tick.Seconds())
					for credit >= 1 {
						credit--
						c.Sent(at(now))
						check(now, "sent")
						if bucket >= 1 && rng.Float64() > 0.02 {
							bucket--
							c.Success(at(now))
							check(now, "success")
						} else {
							c.SignalWhy(RateLimited, c.Limits().Conns, at(now), "451 4.7.1 try again later")
							check(now, "throttle")
						}
					}
					switch r := rng.IntN(1000); {
					case r < 3:
						c.Signal(Refused, max(1, c.Limits().Conns-1), at(now))
						check(now, "refused")
					case r < 4:
						c.Signal(Timeout, 1, at(now))
						check(now, "timeout")
					case r < 200:
						c.Pressed(rng.IntN(2) == 0, rng.IntN(2) == 0, at(now))
						check(now, "pressed")
					case r < 210:
						c.Filled(at(now))
						check(now, "filled")
					}
				}
			}
		})
	}
}
