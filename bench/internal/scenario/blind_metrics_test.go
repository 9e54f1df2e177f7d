package scenario

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/bench/internal/result"
)

const exposition = `# HELP wasmta_path_rate_limit Messages per second of an egress path.
# TYPE wasmta_path_rate_limit gauge
wasmta_path_rate_limit{limit="configured",provider="microsoft",site="hotmail-com.olc.protection.outlook.com",source="default"} 10
wasmta_path_rate_limit{limit="learned",provider="microsoft",site="hotmail-com.olc.protection.outlook.com",source="default"} 6.5
wasmta_path_connection_limit{limit="learned",provider="",site="odd\"site\\x",source="default"} 3
wasmta_messages_total{x="y"} 4
wasmta_path_rate_limit{limit="learned",site="broken
`

func TestParseLimitGauges(t *testing.T) {
	at := time.Unix(100, 0)
	got := parseLimitGauges(strings.NewReader(exposition), at)
	if len(got) != 3 {
		t.Fatalf("got %d samples, want 3: %+v", len(got), got)
	}
	if got[1].gauge != gaugeRate || got[1].labels["limit"] != "learned" || got[1].value != 6.5 ||
		got[1].labels["site"] != "hotmail-com.olc.protection.outlook.com" {
		t.Fatalf("second sample %+v", got[1])
	}
	if got[2].gauge != gaugeConns || got[2].labels["site"] != `odd"site\x` || got[2].value != 3 {
		t.Fatalf("escaped labels: %+v", got[2])
	}
}

func TestConvergence(t *testing.T) {
	change := time.Unix(1000, 0)
	series := []limitSample{}
	for i, v := range []float64{20, 20, 20, 15, 12, 11.9, 9, 10} { // one sample a second from 998
		series = append(series, limitSample{at: change.Add(time.Duration(i-2) * time.Second), value: v})
	}
	took, ok := convergence(series, change, 10, 0.2)
	if !ok || took != 2*time.Second { // 12 at +2 s is the first within 20 % of 10
		t.Fatalf("took %v ok %v, want 2s", took, ok)
	}
	if _, ok := convergence(series[:4], change, 10, 0.2); ok {
		t.Fatal("converged on a series that never came within 20 %")
	}
}

func TestUndelivered(t *testing.T) {
	t0 := time.Unix(0, 0)
	accepted := []time.Time{t0.Add(2 * time.Second), t0, t0.Add(time.Second)}
	// Two delivered; the last submitted waited 10-2 = 8 s at the deadline.
	got := undelivered(2, accepted, t0.Add(10*time.Second))
	if want := []time.Duration{8 * time.Second}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// The p99 of every message counts an undelivered one as censored: when
// the rank falls among them it is open (-1 as its upper bound), not the
// window.
func TestAddCensoredP99(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		name      string
		delivered int
		wantLo    float64
		wantHi    float64
	}{
		{"all delivered", 100, 79.2, 79.2},
		{"one undelivered, the rank delivered", 99, 79.2, 79.2},
		{"two undelivered, the rank among them", 98, 90, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var exact, waiting []time.Duration
			for i := range tc.delivered {
				exact = append(exact, time.Duration(i+1)*800*time.Millisecond) // within the window
			}
			for range 100 - tc.delivered {
				waiting = append(waiting, 90*s)
			}
			sc := &result.Scenario{}
			row := sc.Row("wasmta", "gmail")
			addCensoredP99(row, "burst_p99", exact, waiting)
			lo, hi := row.Metric("burst_p99_s").Median, row.Metric("burst_p99_max_s").Median
			if lo != tc.wantLo || hi != tc.wantHi {
				t.Fatalf("p99 %v, at most %v; want %v, %v", lo, hi, tc.wantLo, tc.wantHi)
			}
		})
	}
}

// The time from the burst's start adds the time a message waited to be
// accepted to its queue time, and counts every message of the burst, the
// undelivered ones (and those never accepted) with the whole window.
func TestFromBurst(t *testing.T) {
	s := time.Second
	t0 := time.Unix(1000, 0)
	w := window{t0, t0.Add(90 * s)}
	accepted := map[string]time.Time{"a@x.test": t0.Add(1 * s), "b@x.test": t0.Add(5 * s), "c@x.test": t0.Add(6 * s)}
	dl := []delivery{{"b@x.test", 10 * s}, {"a@x.test", 20 * s}}
	got, waiting := fromBurst(dl, accepted, 4, w)
	if want := []time.Duration{15 * s, 21 * s}; !slices.Equal(got, want) {
		t.Fatalf("from the burst: %v, want %v", got, want)
	}
	if want := []time.Duration{90 * s, 90 * s}; !slices.Equal(waiting, want) {
		t.Fatalf("from the burst, undelivered: %v, want %v", waiting, want)
	}
}

// The observation tail reads the same log at a later end: a message the
// provider accepted after the window is censored at the window in the
// window's figures and exact in the tail's, and a p99 whose rank fell
// among the undelivered at the window is known at the tail's end.
func TestTimesOfTail(t *testing.T) {
	s := time.Second
	t0 := time.Unix(1000, 0)
	const load = 100
	sub := submitted{at: map[string][]time.Time{}, rcpt: map[string]time.Time{}}
	var dl []delivery
	for i := range load {
		rcpt := "u" + strconv.Itoa(i) + "@x.test"
		at := t0.Add(time.Duration(i) * 10 * time.Millisecond) // accepted within the first second
		sub.at["gmail"] = append(sub.at["gmail"], at)
		sub.rcpt[rcpt] = at
		// 95 delivered within the window, the last five at 100-140 s.
		qt := time.Duration(i+1) * 800 * time.Millisecond
		if i >= 95 {
			qt = time.Duration(100+10*(i-95))*s - at.Sub(t0)
		}
		dl = append(dl, delivery{rcpt, qt})
	}
	win := timesOf(dl, 95, sub, "gmail", load, window{t0, t0.Add(90 * s)})
	if len(win.queue) != 95 || len(win.queueWaiting) != 5 || len(win.burstWaiting) != 5 {
		t.Fatalf("window: %d delivered, %d and %d censored; want 95, 5, 5", len(win.queue), len(win.queueWaiting), len(win.burstWaiting))
	}
	if _, _, open := result.CensoredPercentile(win.queue, win.queueWaiting, 99); !open {
		t.Fatal("window: the p99's rank is among the undelivered, yet it reads as known")
	}
	// The tail ended at 135 s with one message still queued.
	tail := timesOf(dl, 99, sub, "gmail", load, window{t0, t0.Add(135 * s)})
	if len(tail.queue) != 99 || len(tail.queueWaiting) != 1 {
		t.Fatalf("tail: %d delivered, %d censored; want 99, 1", len(tail.queue), len(tail.queueWaiting))
	}
	if got, want := tail.queueWaiting[0], 135*s-990*time.Millisecond; got != want {
		t.Fatalf("tail: the undelivered message waited %v at the tail's end, want %v", got, want)
	}
	lo, hi, open := result.CensoredPercentile(tail.queue, tail.queueWaiting, 99)
	if want := 130*s - 980*time.Millisecond; open || lo != want || hi != want {
		t.Fatalf("tail: p99 %v to %v (open %v), want %v known", lo, hi, open, want)
	}
	if got, want := tail.burst[len(tail.burst)-1], 130*s; got != want {
		t.Fatalf("tail: the last delivered from the burst %v, want %v", got, want)
	}
	if want := []time.Duration{135 * s}; !slices.Equal(tail.burstWaiting, want) {
		t.Fatalf("tail: undelivered from the burst %v, want %v", tail.burstWaiting, want)
	}
}
