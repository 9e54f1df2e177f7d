package report

import (
	"strings"
	"testing"

	"github.com/wasmta/wasmta/bench/internal/result"
)

// TestBlindGoals renders one blind run: wasmta lower everywhere but one
// provider's p99, fewer throttles, more delivered, halving converged.
func TestBlindGoals(t *testing.T) {
	s := &result.Scenario{Name: "blind", Title: "Blind provider mix, seed 3", Commit: "0123456789abcdef"}
	for _, c := range []string{"gmail", "exim"} {
		for sys, v := range map[string]float64{sysWasmta: 1, sysPostfix: 2} {
			r := s.Row(sys, c)
			r.Add("delivered", "msg", result.Higher, 100/v)
			r.Add("queue_avg_s", "s", result.Lower, v)
			r.Add("queue_p99_s", "s", result.Lower, map[string]float64{"gmail": v, "exim": 3 - v}[c])
			r.Add("queue_avg_all_s", "s", result.Lower, v)
			r.Add("queue_p99_all_s", "s", result.Lower, v)
			r.Add("throttled", "replies", result.Lower, 100*(v-1))
		}
	}
	l := s.Row(sysLearned, "gmail")
	l.Add("halved_rate", "msg/s", "", 5)
	l.Add("halving_to_20pct_s", "s", result.Lower, 12)
	var b strings.Builder
	blindGoals(&b, &result.File{Scenarios: []*result.Scenario{s}})
	out := b.String()
	for _, want := range []string{
		"seed 3** — commit `0123456789`",
		"| p99 queue time per provider, messages delivered | lower than Postfix's, for every provider | gmail 1.0 vs 2.0 s; exim 2.0 vs 1.0 s ✗ | **not met** |",
		"| average queue time per provider, messages delivered | lower than Postfix's, for every provider | gmail 1.0 vs 2.0 s; exim 1.0 vs 2.0 s | met |",
		"| throttling replies provoked | ≤ ⅒ of Postfix's | 0 vs 200",
		"| messages delivered within the window | ≥ Postfix's | 200 vs 100",
		"gmail: new rate 5.00 msg/s; within 20% after 12 s | met |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}
