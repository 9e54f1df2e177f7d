package adaptive

import (
	"testing"
	"time"
)

func TestPerConnCeiling(t *testing.T) {
	p := Params{}.WithDefaults(Limits{Conns: 10, Rate: 5, PerConn: 5})
	if p.MaxPerConn != 20 {
		t.Fatalf("MaxPerConn %d, want 4 times the preset's 5", p.MaxPerConn)
	}
	if p := (Params{}).WithDefaults(Limits{Conns: 10}); p.MaxPerConn != 0 {
		t.Fatalf("MaxPerConn %d for a preset with no limit, want none", p.MaxPerConn)
	}
}

// A session capped with the connections binding raises the limit by half
// per hold-off, up to four times the preset, and only then.
func TestPerConnRisesOnlyWhileConnectionsBind(t *testing.T) {
	ms := time.Millisecond
	c := New(Limits{Conns: 7, Rate: 20, PerConn: 5}, Params{}, at(0))
	for _, s := range []struct {
		at     time.Duration
		bound  bool
		want   int
		change bool
	}{
		{0, false, 5, false},          // the rate (or an empty queue) holds the path back
		{1000 * ms, true, 8, true},    // 5 × 1.5, rounded up
		{1500 * ms, true, 8, false},   // within the hold-off
		{2000 * ms, true, 12, true},   // 8 × 1.5
		{3000 * ms, true, 18, true},   // 12 × 1.5
		{4000 * ms, true, 20, true},   // the ceiling: 4 × 5
		{5000 * ms, true, 20, false},  // at the ceiling
		{6000 * ms, false, 20, false}, // not bound: kept
	} {
		if got := c.SessionCapped(c.Limits().PerConn, s.bound, at(s.at)); got != s.change || c.Limits().PerConn != s.want {
			t.Fatalf("at %v bound %v: per conn %d (changed %v), want %d (%v)", s.at, s.bound, c.Limits().PerConn, got, s.want, s.change)
		}
	}
}

// The destination's own session ends set the limit once two in a row came
// after the same count (within one), the second on a session opened after
// the first end, to the larger, and stop every raise; one end alone, or
// ends after counts that differ, change nothing but stop the raises too.
func TestPerConnLearnsTheDestinationsCount(t *testing.T) {
	s := time.Second
	c := New(Limits{Conns: 10, Rate: 10, PerConn: 20}, Params{}, at(0))
	c.SessionCapped(20, true, at(s)) // 30
	c.SessionCapped(30, true, at(2*s))
	if got := c.Limits().PerConn; got != 45 {
		t.Fatalf("per conn %d after two raises, want 45", got)
	}
	if c.SessionEnded(20, at(0), at(3*s)) || c.Limits().PerConn != 45 {
		t.Fatalf("one end changed the limit to %d", c.Limits().PerConn)
	}
	if c.SessionCapped(45, true, at(4*s)) {
		t.Fatal("raised after the destination ended a session itself")
	}
	c.SessionEnded(20, at(4*s), at(5*s))
	if !c.SessionEnded(19, at(5*s+s/2), at(6*s)) || c.Limits().PerConn != 20 {
		t.Fatalf("per conn %d after ends at 20 and 19, want 20", c.Limits().PerConn)
	}
	if !c.PerConnFound() || c.SessionCapped(20, true, at(10*s)) {
		t.Fatal("a found count is raised again")
	}
	// A smaller count the destination confirms lowers it further.
	c.SessionEnded(3, at(10*s), at(11*s))
	if !c.SessionEnded(4, at(11*s+s/2), at(12*s)) || c.Limits().PerConn != 4 {
		t.Fatalf("per conn %d after ends at 3 and 4, want 4", c.Limits().PerConn)
	}
	// Ends after counts that differ are no count (a destination that
	// resets sessions at random).
	r := New(Limits{Conns: 10, Rate: 10, PerConn: 20}, Params{}, at(0))
	for i, k := range []int{7, 2, 11, 5} {
		if r.SessionEnded(k, at(time.Duration(i)*s), at(time.Duration(i)*s+s/2)) || r.Limits().PerConn != 20 || r.PerConnFound() {
			t.Fatalf("ends at differing counts set the limit to %d", r.Limits().PerConn)
		}
	}
}

// One burst of ends (a restart, a load balancer's drain: every open
// session ended at once, after nearly the same count when they opened
// together) is no count, and a session that then runs past that count
// forgets it, so that a second burst hours later does not confirm it.
// Until this test the burst set 3 messages per connection on a path
// raised to 20 (its first two ends 4, the next two 3), never raised again
// in the process and kept four half-lives across a restart.
func TestPerConnOneBurstOfEndsIsNoCount(t *testing.T) {
	s := time.Second
	c := New(Limits{Conns: 7, Rate: 20, PerConn: 5}, Params{}, at(0))
	for i := 1; i <= 4; i++ {
		c.SessionCapped(c.Limits().PerConn, true, at(time.Duration(i)*s))
	}
	if got := c.Limits().PerConn; got != 20 {
		t.Fatalf("per conn %d after four raises, want 20", got)
	}
	for i, k := range []int{3, 4, 3, 2, 4, 3, 4} { // seven sessions opened at 9 s
		if c.SessionEnded(k, at(9*s), at(10*s+time.Duration(i)*time.Millisecond)) {
			t.Fatalf("the burst's end %d (after %d) changed the limit to %d", i, k, c.Limits().PerConn)
		}
	}
	if c.Limits().PerConn != 20 || c.PerConnFound() {
		t.Fatalf("one burst of ends set %d (found %v), want 20 not found", c.Limits().PerConn, c.PerConnFound())
	}
	c.SessionCapped(20, false, at(20*s)) // the next sessions ran to the limit
	c.SessionEnded(4, at(time.Hour), at(2*time.Hour))
	c.SessionEnded(3, at(time.Hour), at(2*time.Hour+time.Millisecond))
	if c.Limits().PerConn != 20 || c.PerConnFound() {
		t.Fatalf("a second burst set %d (found %v), want 20 not found", c.Limits().PerConn, c.PerConnFound())
	}
	// A count the destination keeps: the next session ends after it too.
	c.SessionEnded(6, at(2*time.Hour), at(2*time.Hour+3*s))
	if !c.SessionEnded(6, at(2*time.Hour+3*s+time.Millisecond), at(2*time.Hour+6*s)) || c.Limits().PerConn != 6 {
		t.Fatalf("per conn %d after a session opened after an end at 6 ended at 6, want 6", c.Limits().PerConn)
	}
}

// A preset with no limit is never raised (nothing to raise) but learns a
// destination's count; learning off keeps the preset.
func TestPerConnNoLimitAndOff(t *testing.T) {
	c := New(Limits{Conns: 5, Rate: 10}, Params{}, at(0))
	if c.SessionCapped(0, true, at(time.Second)) {
		t.Fatal("no limit raised")
	}
	c.SessionEnded(100, at(0), at(2*time.Second))
	c.SessionEnded(100, at(2*time.Second+1), at(3*time.Second))
	if got := c.Limits().PerConn; got != 100 {
		t.Fatalf("per conn %d, want the destination's 100", got)
	}
	off := New(Limits{Conns: 5, Rate: 10, PerConn: 5}, Params{Off: true}, at(0))
	off.SessionCapped(5, true, at(time.Second))
	off.SessionEnded(3, at(0), at(2*time.Second))
	off.SessionEnded(3, at(2*time.Second+1), at(3*time.Second))
	if got := off.Limits().PerConn; got != 5 {
		t.Fatalf("per conn %d with learning off, want the preset's 5", got)
	}
}

// Remembered across a restart: a raise decays toward the preset, a count
// the destination showed stays found; a policy change scales a raise and
// keeps a found count.
func TestPerConnRestoreAndReset(t *testing.T) {
	c := New(Limits{Conns: 7, Rate: 20, PerConn: 5}, Params{}, at(0))
	for i := 1; i <= 4; i++ {
		c.SessionCapped(c.Limits().PerConn, true, at(time.Duration(i)*time.Second))
	}
	s := c.Snapshot(at(5 * time.Second))
	if s.PerConn != 20 || s.PerConnFound {
		t.Fatalf("saved %+v, want 20 not found", s)
	}
	r := New(Limits{Conns: 7, Rate: 20, PerConn: 5}, Params{}, at(0))
	r.Restore(s, at(5*time.Second+time.Hour), time.Hour)
	if got := r.Limits().PerConn; got != 13 { // 5 + 15/2, rounded
		t.Fatalf("restored per conn %d an hour later, want 13", got)
	}
	old := New(Limits{Conns: 7, Rate: 20, PerConn: 5}, Params{}, at(0))
	old.Restore(Saved{Conns: 7, Rate: 20, At: at(0)}, at(time.Minute), time.Hour) // saved before it was learned
	if got := old.Limits().PerConn; got != 5 {
		t.Fatalf("per conn %d from a record without it, want the preset's 5", got)
	}

	f := New(Limits{Conns: 10, Rate: 10, PerConn: 20}, Params{}, at(0))
	f.SessionEnded(12, at(0), at(time.Second))
	f.SessionEnded(12, at(time.Second+1), at(2*time.Second))
	fs := f.Snapshot(at(3 * time.Second))
	g := New(Limits{Conns: 10, Rate: 10, PerConn: 20}, Params{}, at(0))
	g.Restore(fs, at(3*time.Second+time.Minute), time.Hour)
	if !g.PerConnFound() || g.Limits().PerConn != 12 {
		t.Fatalf("restored %d (found %v), want the destination's 12, found", g.Limits().PerConn, g.PerConnFound())
	}
	g.Reset(Limits{Conns: 10, Rate: 10, PerConn: 40}, Params{}, at(time.Hour))
	if g.Limits().PerConn != 12 {
		t.Fatalf("a policy change moved a found count to %d", g.Limits().PerConn)
	}
	c.Reset(Limits{Conns: 7, Rate: 20, PerConn: 10}, Params{}, at(time.Hour))
	if got := c.Limits().PerConn; got != 40 {
		t.Fatalf("a raise to 20 of a preset of 5 is %d under a preset of 10, want 40", got)
	}
}

// The policy's floor and ceiling (ABI v1.9, adapt_min/max_messages_per_
// connection) bound the count in force: a preset outside them starts at
// the bound, raises stop at the ceiling, a destination's count below the
// floor leaves the floor (and stops the raises), a restored or reset count
// is clamped, and none stays none until the destination shows a count.
// Without them the defaults are those before v1.9: 1 and 4 times the
// preset.
func TestPerConnPolicyBounds(t *testing.T) {
	s := time.Second
	if p := (Params{}).WithDefaults(Limits{Conns: 5, PerConn: 5}); p.MinPerConn != 1 || p.MaxPerConn != 20 {
		t.Fatalf("defaults %d to %d, want 1 to 20", p.MinPerConn, p.MaxPerConn)
	}
	if p := (Params{MinPerConn: 30}).WithDefaults(Limits{Conns: 5, PerConn: 5}); p.MaxPerConn != 30 {
		t.Fatalf("a floor of 30 above the default ceiling 20 left the ceiling at %d, want 30", p.MaxPerConn)
	}
	bounds := Params{MinPerConn: 4, MaxPerConn: 12}
	c := New(Limits{Conns: 7, Rate: 20, PerConn: 5}, bounds, at(0))
	for i := 1; i <= 4; i++ {
		c.SessionCapped(c.Limits().PerConn, true, at(time.Duration(i)*s))
	}
	if got := c.Limits().PerConn; got != 12 {
		t.Fatalf("per conn %d after four raises under a ceiling of 12, want 12", got)
	}
	c.SessionEnded(2, at(0), at(5*s))
	c.SessionEnded(2, at(5*s+1), at(6*s))
	if got := c.Limits().PerConn; got != 4 || !c.PerConnFound() {
		t.Fatalf("per conn %d (found %v) after the destination ended two sessions at 2, want the floor 4, found", got, c.PerConnFound())
	}
	if c.SessionCapped(4, true, at(10*s)) {
		t.Fatal("raised from the floor after the destination showed its count")
	}
	if got := New(Limits{Conns: 7, PerConn: 50}, bounds, at(0)).Limits().PerConn; got != 12 {
		t.Fatalf("a preset of 50 starts at %d under a ceiling of 12, want 12", got)
	}
	if got := New(Limits{Conns: 7, PerConn: 2}, bounds, at(0)).Limits().PerConn; got != 4 {
		t.Fatalf("a preset of 2 starts at %d above a floor of 4, want 4", got)
	}
	none := New(Limits{Conns: 7}, bounds, at(0))
	if got := none.Limits().PerConn; got != 0 {
		t.Fatalf("a preset of none starts at %d under bounds, want none", got)
	}
	none.SessionEnded(100, at(0), at(s))
	none.SessionEnded(100, at(s+1), at(2*s))
	if got := none.Limits().PerConn; got != 12 {
		t.Fatalf("a preset of none learned %d from a count of 100 under a ceiling of 12, want 12", got)
	}
	r := New(Limits{Conns: 7, PerConn: 5}, bounds, at(0))
	r.Restore(Saved{Conns: 7, PerConn: 20, At: at(0)}, at(time.Minute), time.Hour)
	if got := r.Limits().PerConn; got != 12 {
		t.Fatalf("a saved 20 restored as %d under a ceiling of 12, want 12", got)
	}
	r.Reset(Limits{Conns: 7, PerConn: 5}, Params{MinPerConn: 15, MaxPerConn: 30}, at(time.Hour))
	if got := r.Limits().PerConn; got != 15 {
		t.Fatalf("per conn %d after the policy's floor rose to 15, want 15", got)
	}
	off := New(Limits{Conns: 7, PerConn: 5}, Params{Off: true, MinPerConn: 10}, at(0))
	if got := off.Limits().PerConn; got != 5 {
		t.Fatalf("learning off keeps %d, want the preset's 5 whatever the bounds", got)
	}
}
