package main

import (
	"path/filepath"
	"testing"

	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/bench/internal/scenario"
)

func write(t *testing.T, name string, delivered float64) string {
	t.Helper()
	f := &result.File{Schema: result.SchemaVersion}
	s := &result.Scenario{Name: "relay"}
	s.Row("wasmta", "4 KiB × 1 rcpt").Add("delivered_per_s", "msg/s", result.Higher, delivered)
	f.Scenarios = []*result.Scenario{s}
	p := filepath.Join(t.TempDir(), name)
	if err := f.Write(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCompareCountsRegressions(t *testing.T) {
	old := write(t, "old.json", 1000)
	tests := []struct {
		name      string
		args      []string
		delivered float64
		want      int
	}{
		{"20% slower", nil, 800, 1},
		{"5% slower", nil, 950, 0},
		{"20% slower, threshold 25", []string{"--threshold", "25"}, 800, 0},
		{"faster", nil, 1500, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{}, tt.args...), old, write(t, "new.json", tt.delivered))
			n, err := compareCmd(args)
			if err != nil || n != tt.want {
				t.Errorf("compareCmd = %d, %v; want %d", n, err, tt.want)
			}
		})
	}
	if _, err := compareCmd([]string{old}); err == nil {
		t.Error("compare with one file did not fail")
	}
}

func TestParseRunDefaults(t *testing.T) {
	f, err := parseRun([]string{"--quick"})
	if err != nil || f.repeats != 1 || !f.quick {
		t.Errorf("quick: %+v, %v", f, err)
	}
	f, err = parseRun(nil)
	if err != nil || f.repeats != 3 || f.scenarios != "relay,signed,suppress,latency,policy,backlog,spool,providers,blind,curves" {
		t.Errorf("default: %+v, %v", f, err)
	}
}

func TestABNeedsTwoBinaries(t *testing.T) {
	for _, args := range [][]string{nil, {"bin/wasmta"}, {"--pairs", "0", "a", "b"}} {
		if err := abCmd(args); err == nil {
			t.Errorf("ab %q: no error", args)
		}
	}
}

// A round with no run at all (read back from a file, or filtered) must not
// hide the rounds after it: each round that ran both builds gives one
// difference, in round order.
func TestPairedDiffsSkipOnlyIncompleteRounds(t *testing.T) {
	runs := []scenario.ABRun{
		{Pair: 0, Binary: "a", CPUPer1k: 0.30}, {Pair: 0, Binary: "b", CPUPer1k: 0.35},
		// round 1 missing entirely
		{Pair: 2, Binary: "b", CPUPer1k: 0.40}, {Pair: 2, Binary: "a", CPUPer1k: 0.30},
		{Pair: 3, Binary: "a", CPUPer1k: 0.30}, // b missing: no difference
		{Pair: 4, Binary: "a", CPUPer1k: 0.20}, {Pair: 4, Binary: "b", CPUPer1k: 0.25},
	}
	got := pairedDiffs(runs, "a", "b")
	want := []float64{0.05, 0.10, 0.05}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if d := got[i] - want[i]; d > 1e-9 || d < -1e-9 {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
