package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/hostabi/policytest"
	"github.com/wasmta/wasmta/mta/policy"
)

// TestConformanceSuite runs testdata/conformance/cases.toml against every
// language's build through hostabi/policytest, exactly as `wasmta policy
// test conformance.wasm cases.toml` does: every case must pass.
func TestConformanceSuite(t *testing.T) {
	cases := readCases(t)
	want, err := policytest.Parse(bytes.NewReader(cases))
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			var out bytes.Buffer
			// policytest.Run with a compilation cache: the same runner
			// and deadline as `wasmta policy test`.
			cfg := hostabi.Config{CallTimeout: policytest.TestCallTimeout, CacheDir: wazeroCache}
			passed, failed, err := policytest.RunWith(ctx, cfg, wasmOf(t, lang, PolicyConformance), bytes.NewReader(cases), &out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if failed != 0 || passed != len(want) {
				t.Fatalf("%d passed, %d failed of %d cases:\n%s", passed, failed, len(want), out.String())
			}
		})
	}
}

// TestGuideExamples: the Rust, C and AssemblyScript examples of
// docs/policies.md implement the Go guide's policy and pass its case file;
// the WAT example passes its own.
func TestGuideExamples(t *testing.T) {
	for _, lang := range Languages[1:] {
		t.Run(lang, func(t *testing.T) {
			file := filepath.Join(root, "policies", "go", "example", "acme.cases.toml")
			if lang == "wat" {
				file = filepath.Join(root, "policies", "wat", "example.cases.toml")
			}
			cases, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			cfg := hostabi.Config{CallTimeout: policytest.TestCallTimeout, CacheDir: wazeroCache}
			passed, failed, err := policytest.RunWith(ctx, cfg, wasmOf(t, lang, "example"), bytes.NewReader(cases), &out)
			if err != nil || failed != 0 || passed == 0 {
				t.Fatalf("%d passed, %d failed, %v:\n%s", passed, failed, err, out.String())
			}
		})
	}
}

// fields are the inputs the reference policy reads; decide turns them
// into one call of each of its five hooks.
type fields struct {
	Tenant, Campaign, Recipient string
	Domain                      string // route's; "" = example.com
	MX                          []string
	Code                        int
	Enhanced, Text              string
	Rep                         *policy.Reputation // select_pool's, ABI v1.3
}

// decide calls the five hooks of p and renders each answer (decision, "no
// opinion" or fault) so that two policies can be compared exactly.
func decide(p policy.Policy, f fields) [5]string {
	var out [5]string
	show := func(v any, err error) string {
		switch {
		case errors.Is(err, policy.ErrNotImplemented):
			return "no opinion"
		case err != nil:
			var fe *hostabi.FaultError
			if errors.As(err, &fe) {
				return "fault: " + fe.Err.Error()
			}
			return "error: " + err.Error()
		}
		return fmt.Sprintf("%+v", v)
	}
	r, err := p.OnRcpt(ctx, &policy.RcptInput{Tenant: f.Tenant, Campaign: f.Campaign, Recipient: f.Recipient})
	if r.Reject != nil {
		out[0] = show(*r.Reject, err)
	} else {
		out[0] = show(r, err)
	}
	domain := f.Domain
	if domain == "" {
		domain = "example.com"
	}
	out[1] = show(p.Route(ctx, &policy.RouteInput{Tenant: f.Tenant, Campaign: f.Campaign, Domain: domain}))
	out[2] = show(p.SelectPool(ctx, &policy.PoolInput{Tenant: f.Tenant, Campaign: f.Campaign, Domain: "example.com", Site: "mx.example.com",
		Reputation: f.Rep}))
	out[3] = show(p.Shape(ctx, &policy.ShapeInput{Source: "ip1", Pool: "default", Site: "s", Domain: "example.com", MXHosts: f.MX}))
	out[4] = show(p.Classify(ctx, &policy.ClassifyInput{Tenant: f.Tenant, Site: "s", Domain: "example.com",
		Source: "ip1", Stage: "rcpt", Code: f.Code, Enhanced: f.Enhanced, Text: f.Text}))
	return out
}

var hookOrder = [5]string{"on_rcpt", "route", "select_pool", "shape", "classify"}

// probes are inputs at the edges of every rule: case, prefixes and
// suffixes one byte off, the last @, non-ASCII look-alikes (U+212A KELVIN
// SIGN lowercases to k under Unicode rules, not under ASCII ones), bytes
// that are not UTF-8, and texts longer than every SDK's first buffer.
func probes() []fields {
	long := strings.Repeat("x", 5000)
	var out []fields
	tenants := []string{"", "acme", "Acme", "acme ", "globex", "acmé"}
	campaigns := []string{"", "bulk-", "bulk-x", "BULK-x", "bulk", "xbulk-", "bulk-é"}
	for _, tn := range tenants {
		for _, c := range campaigns {
			out = append(out, fields{Tenant: tn, Campaign: c})
		}
	}
	for _, r := range []string{"a@blocked.example", "A@BLOCKED.EXAMPLE", "a@mail.blocked.example", "blocked.example",
		"a@b@blocked.example", "a@blocked.example@x", "@blocked.example", "a@bloc\u212aed.example",
		"a@blocked.exampl", "", "a@blocked.example\x00", "a@blocked.example\xff", long + "@blocked.example"} {
		out = append(out, fields{Tenant: "acme", Recipient: r})
	}
	for _, rep := range reputationProbes() {
		out = append(out, fields{Tenant: "acme", Campaign: "bulk-x", Rep: rep})
	}
	for _, rep := range poolProbes() {
		out = append(out, fields{Tenant: "acme", Rep: rep})
		out = append(out, fields{Tenant: "globex", Rep: rep})
	}
	// Rule 2's table: rows of the global and of globex's table, case and
	// a trailing dot, a domain longer than every first buffer.
	for _, tn := range []string{"", "acme", "globex", "initech"} {
		for _, d := range []string{"relay.example", "RELAY.EXAMPLE", "relay.example.", "gmail.example", "relay.exampl",
			long + ".example", "relay.exampleÿ"} {
			out = append(out, fields{Tenant: tn, Domain: d})
		}
	}
	many := make([]string, 20)
	for i := range many {
		many[i] = fmt.Sprintf("mx%d.example.net", i)
	}
	for _, mx := range [][]string{nil, {"gmail-smtp-in.l.google.com"}, {"mx.example.org", "aspmx.l.google.com"},
		{".google.com"}, {"google.com"}, {"x.GOOGLE.COM"}, append(many, "alt4.aspmx.l.google.com"), many,
		{strings.Repeat("a", 2000) + ".google.com"}} {
		out = append(out, fields{MX: mx})
	}
	for _, c := range []struct {
		code           int
		enhanced, text string
	}{
		{421, "4.7.0", "[TSS04] Messages from 192.0.2.1 temporarily deferred"}, {421, "4.7.28", ""},
		{451, "4.7.28", ""}, {421, "4.7.28 ", ""}, {421, "4.7.2", ""}, {550, "5.1.1", ""}, {550, "5.1.10", ""},
		{550, "5.1.1", "[TSS04]"}, {0, "", "dial tcp 192.0.2.1:25: connection refused"},
		{421, "4.7.28", long + "[TSS04]"}, {250, "", strings.Repeat("y", 200_000) + "[TSS04]"},
		{421, "", "[TSS04"}, {421, "", "[tss04]"}, {421, "", "\xff[TSS04]\xfe"}, {421, "4.7.28", long},
	} {
		out = append(out, fields{Code: c.code, Enhanced: c.enhanced, Text: c.text})
	}
	return out
}

// reputationProbes are counts at the edges of rule 3's rates: one ppm
// either side of each threshold, no deliveries, a rate over 100%, counts
// too large for a naive n*1e6, and the other scope or window only.
func reputationProbes() []*policy.Reputation {
	c := func(d, b, oob, complaints int64) policy.ReputationCounts {
		return policy.ReputationCounts{Deliveries: d, Bounces: b, HardBounces: b / 2, OOBBounces: oob, Complaints: complaints}
	}
	big := int64(1) << 60
	return []*policy.Reputation{
		nil, {},
		{Tenant1h: c(1000, 0, 0, 1)}, {Tenant1h: c(999, 0, 0, 1)}, {Tenant1h: c(0, 0, 0, 5)},
		{Tenant1h: c(3, 0, 0, 7)}, {Tenant1h: c(big, 0, 0, big/999)}, {Tenant1h: c(big, 0, 0, big/1000)},
		{Tenant24h: c(10, 0, 0, 10)}, {Campaign1h: c(10, 0, 0, 10)},
		{Campaign24h: c(97, 3, 2, 0)}, {Campaign24h: c(1903, 100, 0, 0)}, {Campaign24h: c(0, 0, 9, 0)},
		{Campaign24h: c(19, 1, 0, 0)}, {Campaign24h: c(20, 0, 1, 0)}, {Campaign24h: c(1_000_000, 52_632, 0, 0)},
		{Tenant1h: c(big, big/1000, big/100, big/500), Campaign24h: c(big/2, 1, 1, 1)},
	}
}

// poolProbes are pool-scope counts (ABI v1.7) at the edges of rule 3's
// acme-pool rule: one ppm either side of 0.1%, no deliveries, the day's
// window only, another pool only, a pool whose name extends acme-pool's
// with a dot, and counts past 2^60.
func poolProbes() []*policy.Reputation {
	pools := func(acme, other policy.ReputationCounts, day bool) *policy.Reputation {
		r := &policy.Reputation{Pools: []policy.PoolReputation{{Pool: "acme-backup", H1: other}, {Pool: "acme-pool"},
			{Pool: "acme-pool.x", H1: other}, {Pool: "default"}}}
		if day {
			r.Pools[1].H24 = acme
		} else {
			r.Pools[1].H1 = acme
		}
		return r
	}
	c := func(d, complaints int64) policy.ReputationCounts {
		return policy.ReputationCounts{Deliveries: d, Complaints: complaints}
	}
	big := int64(1) << 60
	return []*policy.Reputation{
		{Pools: []policy.PoolReputation{}},
		pools(c(1000, 1), c(0, 0), false), pools(c(999, 1), c(0, 0), false), pools(c(0, 5), c(0, 0), false),
		pools(c(10, 10), c(0, 0), true), pools(c(0, 0), c(10, 10), false),
		pools(c(big, big/999), c(0, 0), false), pools(c(big, big/1000), c(10, 10), false),
	}
}

// TestDecisionsIdentical: on every probe, every language decides exactly
// as the Go build and as the native Go reference (native_test.go), hook by
// hook, including "no opinion".
func TestDecisionsIdentical(t *testing.T) {
	mods := loadAll(t, newHost(t, hostabi.Config{}))
	for i, f := range probes() {
		assertAgree(t, mods, f, fmt.Sprintf("probe %d", i))
	}
}

func assertAgree(t *testing.T, mods map[string]*hostabi.Module, f fields, name string) {
	t.Helper()
	want := decide(native{}, f)
	for _, lang := range Languages {
		got := decide(mods[lang], f)
		for h := range got {
			if got[h] != want[h] {
				t.Errorf("%s %s %s: %s decides %s, native Go %s (input %.200q)",
					name, hookOrder[h], lang, lang, got[h], want[h], fmt.Sprintf("%+v", f))
			}
		}
	}
}

// FuzzDecisionsAgree feeds arbitrary inputs to every language's build and
// to the native reference; any difference is a bug in an SDK or a build.
func FuzzDecisionsAgree(f *testing.F) {
	for _, p := range probes() {
		f.Add(p.Tenant, p.Campaign, p.Recipient, strings.Join(p.MX, ","), p.Code, p.Enhanced, p.Text)
	}
	mods := loadAll(f, newHost(f, hostabi.Config{}))
	f.Fuzz(func(t *testing.T, tenant, campaign, recipient, mx string, code int, enhanced, text string) {
		// Reputation counts from the code and the lengths, so the
		// fuzzer's mutations reach the rates too.
		n := int64(code)
		rep := &policy.Reputation{
			Tenant1h:    policy.ReputationCounts{Deliveries: int64(len(text)) * 7, Complaints: max(n, 0) % 64},
			Campaign24h: policy.ReputationCounts{Deliveries: int64(len(recipient)), Bounces: max(n, 0) % 17, OOBBounces: int64(len(mx) % 5)},
		}
		// The host passes what the engine passes: codes 0-999 and
		// strings as given.
		code = ((code % 1000) + 1000) % 1000
		var hosts []string
		if mx != "" {
			hosts = strings.Split(mx, ",")
		}
		assertAgree(t, mods, fields{Tenant: tenant, Campaign: campaign, Recipient: recipient, MX: hosts,
			Code: code, Enhanced: enhanced, Text: text, Rep: rep}, "fuzz")
	})
}
