package report

import (
	"fmt"
	"strings"

	"github.com/wasmta/wasmta/bench/internal/result"
)

// Rows of the signed scenario's key-op comparison (kept in step with
// package scenario).
const (
	sysOpenSSLSpeed = "openssl speed rsa2048"
	sysKeyOpenSSL   = "wasmta, -tags openssl"
	sysKeyPureGo    = "wasmta, crypto/rsa (pure Go)"
	keyOpCase       = "RSA-2048 signature"
)

// signedGoals writes issue 20's signed-relay goal and the side-by-side
// figures it rests on.
func signedGoals(b *strings.Builder, f *result.File) {
	s := f.Scenario("signed")
	if s == nil || len(s.Rows) == 0 {
		return
	}
	b.WriteString("## Goals (issue 20): signed relay, side by side in one run\n\n| goal | target | measured | |\n|---|---|---|---|\n")
	ossl := median(s, sysOpenSSLSpeed, keyOpCase, "cpu_us_per_sig")
	ours := median(s, sysKeyOpenSSL, keyOpCase, "cpu_us_per_sig")
	g := goal{name: "RSA-2048 signature CPU against `openssl speed rsa2048`", target: "≤ 1.5×"}
	pureGo := median(s, sysKeyPureGo, keyOpCase, "cpu_us_per_sig")
	// Runs since the key op was measured in alternation carry the ratio of
	// each round; older files only the two medians, taken minutes apart.
	if m := pairedRatio(s); m != nil {
		g.measured = fmt.Sprintf("%.2f× (median of %d rounds, each OpenSSL then wasmta seconds apart, %.2f–%.2f×; %.0f vs %.0f µs; pure Go %.0f µs)",
			m.Median, len(m.Runs), m.Min, m.Max, ours, ossl, pureGo)
		g.met = ptr(m.Median <= 1.5)
	} else if ossl > 0 && ours > 0 {
		g.measured = fmt.Sprintf("%.2f× (%.0f vs %.0f µs; pure Go %.0f µs)", ours/ossl, ours, ossl, pureGo)
		g.met = ptr(ours <= 1.5*ossl)
	}
	fmt.Fprintf(b, "| %s | %s | %s | %s |\n", g.name, g.target, orNone(g.measured), verdict(g))
	for _, cas := range []string{"4 KiB × 1 rcpt", "100 KiB × 1 rcpt"} {
		w := median(s, sysWasmta, cas, "delivered_per_s")
		p := median(s, sysPostfix, cas, "delivered_per_s")
		g := goal{name: "signed relay, " + cas + ", delivered msg/s", target: "above Postfix + OpenDKIM"}
		if w > 0 && p > 0 {
			g.measured = fmt.Sprintf("%.0f vs %.0f (%.1f×); CPU/1000 msg %.2f vs %.2f s", w, p, w/p,
				median(s, sysWasmta, cas, "cpu_s_per_1000"), median(s, sysPostfix, cas, "cpu_s_per_1000"))
			g.met = ptr(w > p)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", g.name, g.target, orNone(g.measured), verdict(g))
	}
	b.WriteString("\n")
}

// pairedRatio is the openssl build's per-round ratio to `openssl speed`,
// or nil in a file from before the rounds were paired.
func pairedRatio(s *result.Scenario) *result.Metric {
	if r := s.Find(sysKeyOpenSSL, keyOpCase); r != nil {
		if m := r.Metric("paired_ratio"); m != nil && len(m.Runs) > 0 {
			return m
		}
	}
	return nil
}
