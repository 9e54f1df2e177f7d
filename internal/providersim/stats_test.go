package providersim

import (
	"testing"
	"time"
)

func TestTallySecondsAndWindow(t *testing.T) {
	tl := newTally()
	const keep = 10
	base := int64(1_700_000_000)
	for s := base; s < base+5; s++ {
		for range s - base + 1 { // 1, 2, 3, 4, 5 messages
			tl.accept(2, s, keep)
		}
	}
	st := tl.snapshot()
	if st.Messages != 15 || st.Recipients != 30 || len(st.Accepted) != 5 || st.Accepted[0].Unix != base {
		t.Fatalf("snapshot %+v", st)
	}
	from, to := time.Unix(base+1, 0), time.Unix(base+4, 0)
	if n := st.AcceptedBetween(from, to); n != 2+3+4 {
		t.Fatalf("AcceptedBetween = %d, want 9", n)
	}
	if r := st.RateBetween(from, to); r != 3 {
		t.Fatalf("RateBetween = %v, want 3", r)
	}
	if r := st.RateBetween(to, from); r != 0 {
		t.Fatalf("empty window rate %v", r)
	}
	tl.accept(1, base+20, keep) // everything before base+10 is now too old
	if st := tl.snapshot(); len(st.Accepted) != 1 || st.Accepted[0] != (Second{base + 20, 1}) || st.Messages != 16 {
		t.Fatalf("after pruning: %+v", st)
	}
}

func TestTallyResetKeepsOpenConnections(t *testing.T) {
	tl := newTally()
	for range 3 {
		tl.connOpen()
	}
	tl.c.ConnsNow--
	tl.accept(1, 1, 10)
	tl.reset()
	if tl.c != (Counters{ConnsNow: 2, ConnsPeak: 2}) || len(tl.snapshot().Accepted) != 0 {
		t.Fatalf("after reset %+v", tl.c)
	}
}

func TestDiceSeeded(t *testing.T) {
	a, b := newDice(99), newDice(99)
	d := Delay{Fixed: 10 * ms, Jitter: 5 * ms}
	for i := range 1000 {
		x, y := a.delay(d), b.delay(d)
		if x != y || x < d.Fixed || x >= d.Fixed+d.Jitter {
			t.Fatalf("draw %d: %v and %v, want equal and in [10ms,15ms)", i, x, y)
		}
		if a.failNow(0.3) != b.failNow(0.3) || a.id() != b.id() {
			t.Fatalf("draw %d: same seed, different failure or id", i)
		}
	}
	if newDice(1).id() == newDice(2).id() {
		t.Fatal("different seeds gave the same id")
	}
	if (Delay{Fixed: 3 * ms}).scaled(0.5) != (Delay{Fixed: 1500 * time.Microsecond}) {
		t.Fatal("scaled")
	}
}
