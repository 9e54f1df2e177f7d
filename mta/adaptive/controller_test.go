package adaptive

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func TestWithDefaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		preset Limits
		in     Params
		want   Params
	}{
		{"from the preset", Limits{Conns: 5, Rate: 20}, Params{},
			Params{MinConns: 1, MaxConns: 20, MinRate: 2, MaxRate: 80, ConnStep: 1, RateStep: 2,
				Factor: 0.7, Quiet: 5 * time.Second, Signals: AllSignals, MinPerConn: 1}},
		{"no rate in the preset", Limits{Conns: 0}, Params{},
			Params{MinConns: 1, MaxConns: 4, MinRate: 0.1, ConnStep: 1, Factor: 0.7, Quiet: 5 * time.Second, Signals: AllSignals,
				MinPerConn: 1}},
		{"policy values kept, bounds made consistent", Limits{Conns: 5, Rate: 20},
			Params{MinConns: 8, MaxConns: 3, MinRate: 50, MaxRate: 10, ConnStep: 2, RateStep: 1, Factor: 1.5, Quiet: time.Minute, Signals: Refused,
				MinPerConn: 30, MaxPerConn: 10},
			Params{MinConns: 8, MaxConns: 8, MinRate: 50, MaxRate: 50, ConnStep: 2, RateStep: 1,
				Factor: 0.7, Quiet: time.Minute, Signals: Refused, MinPerConn: 30, MaxPerConn: 30}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.in.WithDefaults(tc.preset); got != tc.want {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// step is one event fed to a controller in a table.
type step struct {
	at     time.Duration
	event  string // "sent", "ok", "press-conns", "press-rate", "rate-limited", "refused", "timeout"
	open   int
	n      int // repeat (sent)
	want   Limits
	change bool
}

func run(t *testing.T, c *Controller, steps []step) {
	t.Helper()
	for i, s := range steps {
		now := at(s.at)
		var changed bool
		switch s.event {
		case "sent":
			for range max(1, s.n) {
				c.Sent(now)
			}
		case "ok":
			changed = c.Success(now)
		case "press-conns":
			c.Pressed(true, false, now)
		case "press-rate":
			c.Pressed(false, true, now)
		case "rate-limited":
			changed = c.Signal(RateLimited, s.open, now)
		case "refused":
			changed = c.Signal(Refused, s.open, now)
		case "timeout":
			changed = c.Signal(Timeout, s.open, now)
		}
		got := c.Limits()
		if math.Abs(got.Rate-s.want.Rate) > 1e-9 || got.Conns != s.want.Conns || changed != s.change {
			t.Fatalf("step %d (%s at %v): limits %+v changed %v, want %+v changed %v",
				i, s.event, s.at, got, changed, s.want, s.change)
		}
	}
}

func TestIncrease(t *testing.T) {
	sec, ms := time.Second, time.Millisecond
	for _, tc := range []struct {
		name  string
		p     Params
		steps []step
	}{
		{"nothing pressed: nothing raised", Params{}, []step{
			{at: 6 * sec, event: "ok", want: Limits{5, 20, 0}},
		}},
		{"a pressed limit never cut grows by half once per round (a hold-off)", Params{}, []step{
			{at: 100 * ms, event: "press-rate", want: Limits{5, 20, 0}},
			{at: 500 * ms, event: "ok", want: Limits{5, 20, 0}},
			{at: 900 * ms, event: "sent", n: 10, want: Limits{5, 20, 0}}, // half the rate: it held the path back
			{at: 1000 * ms, event: "ok", want: Limits{5, 30, 0}, change: true},
			{at: 1100 * ms, event: "press-rate", want: Limits{5, 30, 0}},
			{at: 1200 * ms, event: "press-conns", want: Limits{5, 30, 0}},
			{at: 1900 * ms, event: "sent", n: 15, want: Limits{5, 30, 0}},
			{at: 1900 * ms, event: "ok", want: Limits{5, 30, 0}},
			{at: 2000 * ms, event: "ok", want: Limits{8, 45, 0}, change: true},
		}},
		{"waits for a token while the path sends under half its rate raise nothing", Params{}, []step{
			{at: 100 * ms, event: "press-rate", want: Limits{5, 20, 0}},
			{at: 900 * ms, event: "sent", n: 9, want: Limits{5, 20, 0}}, // 9 of 20 in the second
			{at: 1000 * ms, event: "ok", want: Limits{5, 20, 0}},
			{at: 1100 * ms, event: "press-rate", want: Limits{5, 20, 0}},
			{at: 1900 * ms, event: "sent", n: 10, want: Limits{5, 20, 0}},
			{at: 2000 * ms, event: "ok", want: Limits{5, 30, 0}, change: true},
		}},
		{"a round is never longer than the quiet period", Params{Quiet: 300 * ms}, []step{
			{at: 100 * ms, event: "press-conns", want: Limits{5, 20, 0}},
			{at: 300 * ms, event: "ok", want: Limits{8, 20, 0}, change: true},
		}},
		{"a throttle restarts the rate's quiet period, not the connections'", Params{}, []step{
			{at: 1 * sec, event: "press-conns", want: Limits{5, 20, 0}},
			{at: 1 * sec, event: "press-rate", want: Limits{5, 20, 0}},
			{at: 3500 * ms, event: "rate-limited", want: Limits{5, 20, 0}},             // alone: not a cut (yet)
			{at: 4 * sec, event: "rate-limited", want: Limits{5, 14, 0}, change: true}, // confirmed; nothing sent: cut from the limit
			{at: 4500 * ms, event: "ok", want: Limits{8, 14, 0}, change: true},         // the connections' round went on
			{at: 4600 * ms, event: "press-rate", want: Limits{8, 14, 0}},
			{at: 4600 * ms, event: "sent", n: 7, want: Limits{8, 14, 0}},
			{at: 4900 * ms, event: "ok", want: Limits{8, 14, 0}}, // the rate's round restarted at 4 s
			// A round later the rate recovers toward 17, halfway between the
			// cut and the level it started from: 17 × (1 - 0.3 × 0.8³).
			{at: 5 * sec, event: "ok", want: Limits{8, 17 * (1 - 0.3*0.512), 0}, change: true},
		}},
		{"a refusal restarts the connections' quiet period, not the rate's", Params{}, []step{
			{at: 1 * sec, event: "press-conns", want: Limits{5, 20, 0}},
			{at: 1 * sec, event: "press-rate", want: Limits{5, 20, 0}},
			{at: 4 * sec, event: "refused", open: 4, want: Limits{4, 20, 0}, change: true},
			{at: 4500 * ms, event: "sent", n: 50, want: Limits{4, 20, 0}},
			{at: 5 * sec, event: "ok", want: Limits{4, 30, 0}, change: true},
			{at: 6 * sec, event: "press-conns", want: Limits{4, 30, 0}},
			{at: 8 * sec, event: "ok", want: Limits{4, 30, 0}},
			{at: 9 * sec, event: "ok", want: Limits{5, 30, 0}, change: true}, // cut once: one step
		}},
		{"ceilings hold", Params{MaxConns: 6, MaxRate: 21}, []step{
			{at: 1 * sec, event: "press-conns", want: Limits{5, 20, 0}},
			{at: 1 * sec, event: "press-rate", want: Limits{5, 20, 0}},
			{at: 4 * sec, event: "sent", n: 50, want: Limits{5, 20, 0}},
			{at: 5 * sec, event: "ok", want: Limits{6, 21, 0}, change: true},
			{at: 6 * sec, event: "press-conns", want: Limits{6, 21, 0}},
			{at: 6 * sec, event: "press-rate", want: Limits{6, 21, 0}},
			{at: 10 * sec, event: "ok", want: Limits{6, 21, 0}},
		}},
		{"off keeps the preset", Params{Off: true}, []step{
			{at: 1 * sec, event: "press-conns", want: Limits{5, 20, 0}},
			{at: 6 * sec, event: "ok", want: Limits{5, 20, 0}},
			{at: 7 * sec, event: "refused", open: 1, want: Limits{5, 20, 0}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, New(Limits{Conns: 5, Rate: 20}, tc.p, t0), tc.steps)
		})
	}
}

func TestCut(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name   string
		preset Limits
		p      Params
		steps  []step
	}{
		{"a rate cut starts from what was sent", Limits{5, 20, 0}, Params{}, []step{
			// Sent in the first second: the last two seconds at the cuts hold
			// none, so the refused share is read from the last ConfirmSpan
			// transactions (2 of 10 refused, then 4, at most 0.3).
			{at: 0, event: "sent", n: 10, want: Limits{5, 20, 0}},
			{at: 500 * ms, event: "sent", n: 10, want: Limits{5, 20, 0}},
			{at: 2000 * ms, event: "rate-limited", want: Limits{5, 20, 0}},
			{at: 2000 * ms, event: "rate-limited", want: Limits{5, 10 * 0.8 * 0.7, 0}, change: true},  // 20 sent in 2 s: 10/s
			{at: 2500 * ms, event: "rate-limited", want: Limits{5, 5.6, 0}},                           // hold-off: the same overshoot
			{at: 3000 * ms, event: "rate-limited", want: Limits{5, 5.6, 0}},                           // after it: needs confirming
			{at: 3000 * ms, event: "rate-limited", want: Limits{5, 5.6 * 0.7 * 0.7, 0}, change: true}, // 20 in 3 s is above 5.6: from 5.6
		}},
		{"the rate floor holds", Limits{5, 20, 0}, Params{MinRate: 5}, []step{
			{at: 0, event: "sent", n: 4, want: Limits{5, 20, 0}},
			{at: 1000 * ms, event: "rate-limited", want: Limits{5, 20, 0}},
			{at: 1000 * ms, event: "rate-limited", want: Limits{5, 5, 0}, change: true},
		}},
		{"a path with no rate gets one from what it sent", Limits{5, 0, 0}, Params{}, []step{
			{at: 0, event: "sent", n: 30, want: Limits{5, 0, 0}},
			{at: 1000 * ms, event: "rate-limited", want: Limits{5, 0, 0}},
			{at: 1000 * ms, event: "rate-limited", want: Limits{5, 30 * (1 - 2.0/30) * 0.7, 0}, change: true}, // 2 of 30 refused
		}},
		{"a refusal cuts to the sessions that work", Limits{10, 0, 0}, Params{}, []step{
			{at: 0, event: "refused", open: 8, want: Limits{8, 0, 0}, change: true},
			{at: 500 * ms, event: "refused", open: 2, want: Limits{8, 0, 0}}, // hold-off
			{at: 1500 * ms, event: "refused", open: 2, want: Limits{2, 0, 0}, change: true},
			{at: 3000 * ms, event: "refused", open: 2, want: Limits{2, 0, 0}}, // as many open as allowed: a race
			{at: 4500 * ms, event: "refused", open: 0, want: Limits{1, 0, 0}, change: true},
		}},
		{"a refusal with nothing open cuts by the factor", Limits{10, 0, 0}, Params{}, []step{
			{at: 0, event: "refused", open: 0, want: Limits{7, 0, 0}, change: true},
		}},
		{"a timeout cuts by the factor, never below the sessions that work", Limits{10, 0, 0}, Params{}, []step{
			{at: 0, event: "timeout", open: 2, want: Limits{7, 0, 0}, change: true},
			{at: 1500 * ms, event: "timeout", open: 6, want: Limits{6, 0, 0}, change: true},
			{at: 3000 * ms, event: "timeout", open: 6, want: Limits{5, 0, 0}, change: true}, // at least one less
		}},
		{"the connection floor holds", Limits{2, 0, 0}, Params{MinConns: 2}, []step{
			{at: 0, event: "refused", open: 0, want: Limits{2, 0, 0}},
		}},
		{"a signal the policy does not count cuts nothing", Limits{5, 20, 0}, Params{Signals: RateLimited}, []step{
			{at: 0, event: "refused", open: 1, want: Limits{5, 20, 0}},
			{at: 0, event: "timeout", open: 1, want: Limits{5, 20, 0}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, New(tc.preset, tc.p, t0), tc.steps)
		})
	}
}

func TestRestoreDecaysTowardThePreset(t *testing.T) {
	for _, tc := range []struct {
		name   string
		preset Limits
		saved  Saved
		now    time.Duration
		want   Limits
	}{
		{"fresh", Limits{10, 20, 0}, Saved{Conns: 4, Rate: 8, At: t0}, 0, Limits{4, 8, 0}},
		{"one half-life", Limits{10, 20, 0}, Saved{Conns: 4, Rate: 8, At: t0}, time.Hour, Limits{7, 14, 0}},
		{"learned upward", Limits{10, 20, 0}, Saved{Conns: 30, Rate: 60, At: t0}, 2 * time.Hour, Limits{15, 30, 0}},
		{"a learned rate on a path without one grows back", Limits{10, 0, 0}, Saved{Conns: 10, Rate: 8, At: t0}, time.Hour, Limits{10, 16, 0}},
		{"and is dropped after four half-lives", Limits{10, 0, 0}, Saved{Conns: 10, Rate: 8, At: t0}, 5 * time.Hour, Limits{10, 0, 0}},
		{"clamped into the bounds", Limits{10, 20, 0}, Saved{Conns: 400, Rate: 0.001, At: t0}, 0, Limits{40, 2, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(tc.preset, Params{}, t0)
			c.Restore(tc.saved, at(tc.now), 0)
			if got := c.Limits(); got.Conns != tc.want.Conns || math.Abs(got.Rate-tc.want.Rate) > 1e-9 {
				t.Fatalf("restored %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestResetKeepsWhatWasLearned(t *testing.T) {
	c := New(Limits{5, 20, 0}, Params{}, t0)
	c.Restore(Saved{Conns: 12, Rate: 50, At: t0}, t0, 0)
	c.Reset(Limits{2, 10, 0}, Params{}, t0) // half the preset: half of what was learned
	if got := c.Limits(); got != (Limits{5, 25, 0}) {
		t.Fatalf("after a new preset: %+v, want {5 25}", got)
	}
	c.Reset(Limits{2, 0, 0}, Params{}, t0)
	if got := c.Limits(); got != (Limits{5, 0, 0}) {
		t.Fatalf("after the policy dropped its rate: %+v, want {5 0}", got)
	}
}

// A connection limit found by a refusal is probed again ever more rarely
// while the destination keeps refusing one more (after 4, then 8 quiet
// periods), and at the quiet pace again once a probe holds.
func TestRefusedProbesBackOff(t *testing.T) {
	sec, ms := time.Second, time.Millisecond
	run(t, New(Limits{5, 0, 0}, Params{}, t0), []step{
		{at: 0, event: "refused", open: 2, want: Limits{2, 0, 0}, change: true},
		{at: 1 * sec, event: "press-conns", want: Limits{2, 0, 0}},
		{at: 5 * sec, event: "ok", want: Limits{3, 0, 0}, change: true},                      // a probe
		{at: 5*sec + 200*ms, event: "refused", open: 2, want: Limits{2, 0, 0}, change: true}, // refused: wait four times as long
		{at: 6 * sec, event: "press-conns", want: Limits{2, 0, 0}},
		{at: 25 * sec, event: "ok", want: Limits{2, 0, 0}},
		{at: 25*sec + 100*ms, event: "press-conns", want: Limits{2, 0, 0}},
		{at: 25*sec + 300*ms, event: "ok", want: Limits{3, 0, 0}, change: true},
		{at: 25*sec + 400*ms, event: "refused", open: 2, want: Limits{2, 0, 0}, change: true}, // eight times
		{at: 26 * sec, event: "press-conns", want: Limits{2, 0, 0}},
		{at: 65 * sec, event: "ok", want: Limits{2, 0, 0}},
		{at: 65*sec + 100*ms, event: "press-conns", want: Limits{2, 0, 0}},
		{at: 65*sec + 500*ms, event: "ok", want: Limits{3, 0, 0}, change: true},
		{at: 66 * sec, event: "press-conns", want: Limits{3, 0, 0}},
		{at: 70*sec + 500*ms, event: "ok", want: Limits{4, 0, 0}, change: true}, // the probe held: the quiet pace again
	})
}

// A refusal that is not about a probe (the destination lowered its limit)
// does not make the next probe wait longer.
func TestRefusalWithoutAProbeKeepsThePace(t *testing.T) {
	sec := time.Second
	run(t, New(Limits{5, 0, 0}, Params{}, t0), []step{
		{at: 0, event: "refused", open: 4, want: Limits{4, 0, 0}, change: true},
		{at: 3 * sec, event: "refused", open: 3, want: Limits{3, 0, 0}, change: true},
		{at: 4 * sec, event: "press-conns", want: Limits{3, 0, 0}},
		{at: 8 * sec, event: "ok", want: Limits{4, 0, 0}, change: true},
	})
}

// In slow start, connections grow as soon as every allowed one has
// opened; once a refusal found the limit, that no longer raises it.
func TestFilledRaisesConnectionsInSlowStart(t *testing.T) {
	ms := time.Millisecond
	c := New(Limits{5, 20, 0}, Params{MaxConns: 15}, t0)
	for i, want := range []int{8, 12, 15, 15} {
		changed := c.Filled(at(time.Duration(i) * 50 * ms))
		if got := c.Limits().Conns; got != want || changed != (want != 15 || i == 2) {
			t.Fatalf("fill %d: %d connections (changed %v), want %d", i+1, got, changed, want)
		}
	}
	c.Signal(Refused, 11, at(200*ms))
	if c.Filled(at(250*ms)) || c.Limits().Conns != 11 {
		t.Fatalf("after the refusal found 11: %d connections, want 11 and no raise", c.Limits().Conns)
	}
	off := New(Limits{5, 20, 0}, Params{Off: true}, t0)
	if off.Filled(t0) || off.Limits().Conns != 5 {
		t.Fatal("adaptation off: Filled raised the limit")
	}
}
