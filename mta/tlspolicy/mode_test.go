package tlspolicy

import (
	"slices"
	"testing"

	"github.com/wasmta/wasmta/mta/dane"
	"github.com/wasmta/wasmta/mta/mtasts"
)

// TestModeAndKey: the names records, metrics and reports use for a
// policy as applied, and the key of the sessions that satisfy it.
func TestModeAndKey(t *testing.T) {
	c := makeCerts(t)
	enforce, trial := sts(c, mtasts.ModeEnforce, "mx.a.test"), sts(c, mtasts.ModeTesting, "mx.a.test")
	dn := daneOf(dane.Host{Unusable: true})
	for _, tc := range []struct {
		name      string
		pol       *Policy
		typ, mode string
		key       string
	}{
		{"nil", nil, TypeNoPolicy, "none", ""},
		{"none", &Policy{Domain: "a.test"}, TypeNoPolicy, "none", "a.test"},
		{"sts none", sts(c, mtasts.ModeNone), TypeNoPolicy, "none", "a.test"},
		{"sts enforce", enforce, TypeSTS, "mta-sts enforce", "a.test"},
		{"sts testing", trial, TypeSTS, "mta-sts testing", "a.test"},
		{"sts testing, enforced by the path", trial.WithControl(true, false), TypeSTS, "mta-sts testing (enforced)", "a.test|enforced"},
		{"sts enforce, enforced by the path", enforce.WithControl(true, false), TypeSTS, "mta-sts enforce", "a.test|enforced"},
		{"sts enforce, report only", enforce.WithControl(false, true), TypeSTS, "mta-sts enforce (report only)", "a.test|relaxed"},
		{"dane", dn, TypeTLSA, "dane", "a.test"},
		{"dane, report only", dn.WithControl(false, true), TypeTLSA, "dane (report only)", "a.test|relaxed"},
		{"dane wins over sts", with(dn, func(p *Policy) { p.STS = enforce.STS }), TypeTLSA, "dane", "a.test"},
		{"TLS-Required: No", enforce.ForMessage(false, true), TypeSTS, "mta-sts enforce (report only)", "a.test|relaxed"},
		{"REQUIRETLS", trial.ForMessage(true, false), TypeSTS, "mta-sts testing", "a.test|requiretls"},
		{"REQUIRETLS over report only", enforce.WithControl(false, true).ForMessage(true, true), TypeSTS, "mta-sts enforce", "a.test|requiretls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.pol.Type(); got != tc.typ {
				t.Errorf("Type = %q, want %q", got, tc.typ)
			}
			if got := tc.pol.Mode(); got != tc.mode {
				t.Errorf("Mode = %q, want %q", got, tc.mode)
			}
			if got := tc.pol.Key(); got != tc.key {
				t.Errorf("Key = %q, want %q", got, tc.key)
			}
		})
	}
}

// TestControlAndMessageOptions: WithControl and ForMessage return
// copies, leave a domain without a policy alone, and let report-only win
// over enforce, REQUIRETLS over both.
func TestControlAndMessageOptions(t *testing.T) {
	c := makeCerts(t)
	p := sts(c, mtasts.ModeTesting, "mx.a.test")
	none := &Policy{Domain: "b.test"}
	for _, tc := range []struct {
		name                       string
		got                        *Policy
		same                       *Policy // the policy itself must come back
		require, relax, requireTLS bool
	}{
		{"no control", p.WithControl(false, false), p, false, false, false},
		{"no policy, enforce", none.WithControl(true, false), none, false, false, false},
		{"no policy, report only", none.WithControl(false, true), none, false, false, false},
		{"enforce", p.WithControl(true, false), nil, true, false, false},
		{"report only wins", p.WithControl(true, true), nil, false, true, false},
		{"no message option", p.ForMessage(false, false), p, false, false, false},
		{"TLS-Required: No", p.ForMessage(false, true), nil, false, true, false},
		{"REQUIRETLS", p.WithControl(false, true).ForMessage(true, false), nil, false, false, true},
		{"REQUIRETLS without a policy", none.ForMessage(true, false), nil, false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.same != nil && tc.got != tc.same {
				t.Fatalf("a copy came back, want the policy itself")
			}
			if tc.same == nil && (tc.got == p || tc.got == none) {
				t.Fatalf("the policy itself was changed, want a copy")
			}
			if tc.got.Require != tc.require || tc.got.Relax != tc.relax || tc.got.RequireTLS != tc.requireTLS {
				t.Errorf("Require %v Relax %v RequireTLS %v, want %v %v %v", tc.got.Require, tc.got.Relax,
					tc.got.RequireTLS, tc.require, tc.relax, tc.requireTLS)
			}
		})
	}
	if p.Require || p.Relax || p.RequireTLS || none.RequireTLS {
		t.Errorf("the originals changed: %+v %+v", p, none)
	}
	var nilPol *Policy
	if nilPol.WithControl(true, false) != nil || nilPol.ForMessage(false, true) != nil {
		t.Error("a nil policy did not stay nil")
	}
}

// TestReportStrings: what a TLS report quotes of the policy in force
// (RFC 8460 "policy-string" and "mx-host").
func TestReportStrings(t *testing.T) {
	c := makeCerts(t)
	rec := dane.For(3, 1, 1, c.valid.PeerCertificates[0])
	for _, tc := range []struct {
		name      string
		pol       *Policy
		strs, mxs []string
	}{
		{"none", &Policy{Domain: "a.test"}, nil, nil},
		{"sts", sts(c, mtasts.ModeEnforce, "mx.a.test", "*.b.test"),
			[]string{"version: STSv1", "mode: enforce", "mx: mx.a.test", "mx: *.b.test", "max_age: 3600"}, []string{"mx.a.test", "*.b.test"}},
		{"dane", daneOf(dane.Host{Records: []dane.Record{rec}}), []string{rec.String()}, []string{"mx.a.test"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.pol.Strings(); !slices.Equal(got, tc.strs) {
				t.Errorf("Strings = %q, want %q", got, tc.strs)
			}
			if got := tc.pol.MXHosts(); !slices.Equal(got, tc.mxs) {
				t.Errorf("MXHosts = %q, want %q", got, tc.mxs)
			}
		})
	}
}
