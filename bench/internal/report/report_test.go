package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/bench/internal/result"
)

// sample is a results file with every charted scenario.
func sample() *result.File {
	f := &result.File{Schema: result.SchemaVersion, Commit: "abc123", Date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), Repeats: 3}
	relay := &result.Scenario{Name: "relay", Title: "Relay throughput", Command: []string{"smtp-source -s 20"}}
	for _, v := range []float64{1500, 1600, 1700} {
		relay.Row(sysWasmta, refCase).Add("delivered_per_s", "msg/s", result.Higher, v)
		relay.Row(sysWasmta, refCase).Add("cpu_s_per_1000", "CPU s", result.Lower, 0.5)
		relay.Row(sysPostfix, refCase).Add("delivered_per_s", "msg/s", result.Higher, v/2.5)
		relay.Row(sysPostfix, refCase).Add("cpu_s_per_1000", "CPU s", result.Lower, 2.2)
		relay.Row(sysLimit, refCase).Add("accepted_per_s", "msg/s", result.Higher, 5000)
		relay.Row(sysLimitD, refCase).Add("accepted_per_s", "msg/s", result.Higher, 13000)
	}
	lat := &result.Scenario{Name: "latency", Title: "Latency"}
	for _, c := range []string{"25% of max", "50% of max", "75% of max"} {
		lat.Row(sysWasmta, c).Add("p50_ms", "ms", result.Lower, 1)
		lat.Row(sysWasmta, c).Add("p99_ms", "ms", result.Lower, 80)
	}
	spool := &result.Scenario{Name: "spool", Title: "Spool"}
	spool.Row("spool.Put (group commit)", "writers=8").Add("msgs_per_s", "msg/s", result.Higher, 3000)
	mix := &result.Scenario{Name: "providers", Title: "Provider mix"}
	mix.Row(sysWasmta, "gmail").Add("queue_avg_s", "s", result.Lower, 1)
	mix.Row(sysPostfix, "gmail").Add("queue_avg_s", "s", result.Lower, 2)
	skipped := &result.Scenario{Name: "backlog", Title: "Backlog", Skipped: "no time"}
	f.Scenarios = []*result.Scenario{relay, lat, spool, mix, skipped}
	return f
}

func TestWriteReportAndCharts(t *testing.T) {
	dir := t.TempDir()
	if err := Write(sample(), dir, "results-x.json"); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "benchmarks.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"commit `abc123`",
		"**median of 3 runs**",
		"| relay throughput, 4 KiB | ≥ 2× Postfix | 1600 vs 640 msg/s delivered: 2.50× | met |",
		"| CPU per 1,000 messages, 4 KiB | ≤ ½ of Postfix's | 0.50 vs 2.20 CPU s: 0.23× | met |",
		"| MTA-added latency p99 at 50% of max rate | < 50 ms | 80.0 ms | **not met** |",
		"| 4 KiB × 1 rcpt | wasmta | 1600 (1500–1700) | 0.5 |",
		"Not measured in this run: no time.",
		"![Relay throughput](bench/relay-throughput.png)",
		"bench/results-x.json",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("benchmarks.md lacks %q", want)
		}
	}
	for _, png := range []string{"relay-throughput.png", "relay-cpu.png", "latency.png", "spool.png", "providers-queue.png", "providers-throttled.png"} {
		if st, err := os.Stat(filepath.Join(dir, "bench", png)); err != nil || st.Size() < 1000 {
			t.Errorf("chart %s: %v", png, err)
		}
	}
}

func TestNum(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{{1234.5, "1234"}, {12.34, "12.3"}, {1.234, "1.23"}, {0.01234, "0.0123"}, {3, "3"}, {0, "0"}}
	for _, tt := range tests {
		if got := num(tt.v); got != tt.want {
			t.Errorf("num(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestBacklogGoalsExtrapolateOnlyLargeBacklogs(t *testing.T) {
	tests := []struct {
		n       float64
		want    string
		verdict string
	}{
		{2000, "2000 messages: 35 MiB after restart (too few to extrapolate)", "not measured"},
		{200000, "200000 messages: 35 MiB after restart (×5.0 ≈ 175 MiB at 1M, linear)", "met"},
	}
	for _, tt := range tests {
		s := &result.Scenario{Name: "backlog"}
		s.Row("inject (delivery stalled)", "c").Add("messages", "msg", "", tt.n)
		r := s.Row("restart, delivery still stalled", "c")
		r.Add("ready_s", "s", result.Lower, 1)
		r.Add("rss_mib", "MiB", result.Lower, 35)
		gs := backlogGoals(s)
		if len(gs) != 2 || gs[0].measured != tt.want || verdict(gs[0]) != tt.verdict {
			t.Errorf("n=%v: %+v", tt.n, gs)
		}
	}
}

// TestSignedGoalReadsPairedRounds: the key-op goal reads the median of the
// per-round ratios when the file has them (a round taken under load
// inflates both sides alike), and the ratio of the two medians in older
// files.
func TestSignedGoalReadsPairedRounds(t *testing.T) {
	tests := []struct {
		name   string
		ossl   []float64
		ours   []float64
		paired bool
		want   string
	}{
		// Medians 690 and 700 (1.01×) taken in different rounds hide that
		// the second round was loaded: paired, the rounds read 1.60, 1.05
		// and 1.04.
		{"paired", []float64{250, 690, 700}, []float64{400, 725, 728}, true, "| 1.05× (median of 3 rounds"},
		{"older file", []float64{250}, []float64{400, 420, 410}, false, "| 1.64× (410 vs 250 µs"},
	}
	for _, tt := range tests {
		s := &result.Scenario{Name: "signed"}
		for i, v := range tt.ossl {
			s.Row(sysOpenSSLSpeed, keyOpCase).Add("cpu_us_per_sig", "µs", result.Lower, v)
			if tt.paired {
				s.Row(sysKeyOpenSSL, keyOpCase).Add("paired_ratio", "×", result.Lower, tt.ours[i]/v)
			}
		}
		for _, v := range tt.ours {
			s.Row(sysKeyOpenSSL, keyOpCase).Add("cpu_us_per_sig", "µs", result.Lower, v)
		}
		var b strings.Builder
		signedGoals(&b, &result.File{Scenarios: []*result.Scenario{s}})
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("%s: want %q in\n%s", tt.name, tt.want, b.String())
		}
	}
}
