package adaptive

import (
	"testing"
	"time"
)

// status is one limit's state and value, for a table.
func status(c *Controller, l Limit) (State, float64) {
	s := c.Status().Limits[l]
	return s.State, s.Learned
}

// TestStatusSaysWhyALimitSitsWhereItDoes walks one path through a cold
// start, slow start up to the policy's ceiling, a refused connection, a
// timeout down to the floor, a raise, and a destination's count of
// messages per session, checking the state, the bounds and the last cut
// Status reports at each point.
func TestStatusSaysWhyALimitSitsWhereItDoes(t *testing.T) {
	p := Params{MinConns: 2, MaxConns: 6, MinRate: 2, MaxRate: 30, MinPerConn: 3, MaxPerConn: 40, Quiet: time.Second}
	c := New(Limits{Conns: 10, Rate: 10, PerConn: 20}, p, at(0))
	st := c.Status()
	want := [numLimits][3]float64{{10, 2, 6}, {10, 2, 30}, {20, 3, 40}}
	for i, l := range st.Limits {
		if got := [3]float64{l.Preset, l.Floor, l.Ceiling}; got != want[i] || l.Limit != Limit(i) {
			t.Errorf("%v: preset, floor, ceiling %v, want %v", l.Limit, got, want[i])
		}
		if l.LastCut != nil || !l.Since.IsZero() {
			t.Errorf("%v: a new path has no change: %+v", l.Limit, l)
		}
	}
	// A preset of 10 connections above the ceiling of 6 starts at it.
	if s, v := status(c, LimitConnections); s != StateAtCeiling || v != 6 {
		t.Fatalf("connections %s %v, want at_ceiling 6", s, v)
	}
	if s, _ := status(c, LimitRate); s != StatePreset {
		t.Fatalf("rate %s, want preset", s)
	}
	c.Cold(at(0))
	if s, v := status(c, LimitConnections); s != StateSlowStart || v != 2 {
		t.Fatalf("cold connections %s %v, want slow_start 2", s, v)
	}
	c.Filled(at(100 * time.Millisecond)) // 2 -> 3
	if s, v := status(c, LimitConnections); s != StateSlowStart || v != 3 {
		t.Fatalf("connections %s %v, want slow_start 3", s, v)
	}
	c.Filled(at(200 * time.Millisecond)) // 3 -> 5
	c.Filled(at(300 * time.Millisecond)) // 5 -> 8, held at 6
	if s, v := status(c, LimitConnections); s != StateAtCeiling || v != 6 {
		t.Fatalf("connections %s %v, want at_ceiling 6", s, v)
	}
	// A refusal while 4 sessions work lands the limit on 4.
	c.SignalWhy(Refused, 4, at(time.Second), "421 4.7.0 too many connections")
	st = c.Status()
	cs := st.Limits[LimitConnections]
	if cs.State != StateCut || cs.Learned != 4 || cs.LastCut == nil || *cs.LastCut != (Change{At: at(time.Second), From: 6, To: 4,
		Cause: CauseCut, Signal: Refused, Why: "421 4.7.0 too many connections"}) || cs.Since != at(time.Second) {
		t.Fatalf("after a refusal: %+v (last cut %+v)", cs, cs.LastCut)
	}
	// A timeout a hold-off later cuts by the factor, to the floor.
	c.SignalWhy(Timeout, 0, at(3*time.Second), "read tcp: i/o timeout")
	cs = c.Status().Limits[LimitConnections]
	if cs.State != StateAtFloor || cs.Learned != 2 || cs.LastCut.Signal != Timeout || cs.LastCut.From != 4 {
		t.Fatalf("after a timeout: %+v (last cut %+v)", cs, cs.LastCut)
	}
	// Pressed for a quiet period without a signal: one step up, growing;
	// the last cut is still shown.
	c.Pressed(true, false, at(3500*time.Millisecond))
	c.Success(at(4100 * time.Millisecond))
	cs = c.Status().Limits[LimitConnections]
	if cs.State != StateGrowing || cs.Learned != 3 || cs.LastCut == nil || cs.LastCut.Signal != Timeout {
		t.Fatalf("after a raise: %+v", cs)
	}
	// The destination ends two sessions after 7 transactions: its count.
	c.SessionEnded(7, at(5*time.Second), at(6*time.Second))
	c.SessionEnded(7, at(6500*time.Millisecond), at(8*time.Second))
	if s, v := status(c, LimitPerConn); s != StateDestination || v != 7 {
		t.Fatalf("messages per connection %s %v, want destination_count 7", s, v)
	}
	if got := (Refused | Timeout).String(); got != "refused,timeout" {
		t.Fatalf("signals %q", got)
	}

	// Restored limits say so; adaptation off is fixed; no rate is unlimited.
	r := New(Limits{Conns: 10, Rate: 10}, p, at(0))
	r.Restore(Saved{Conns: 4, Rate: 8, At: at(0)}, at(0), time.Hour)
	if s, v := status(r, LimitRate); s != StateRestored || v != 8 {
		t.Fatalf("restored rate %s %v", s, v)
	}
	if s, _ := status(r, LimitPerConn); s != StateUnlimited {
		t.Fatalf("messages per connection without a limit: %s", s)
	}
	off := New(Limits{Conns: 10, Rate: 10}, Params{Off: true}, at(0))
	if s, v := status(off, LimitConnections); s != StateFixed || v != 10 {
		t.Fatalf("adaptation off: %s %v", s, v)
	}
}
