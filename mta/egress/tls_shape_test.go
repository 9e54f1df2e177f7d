package egress

import (
	"crypto/tls"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/dane"
	"github.com/wasmta/wasmta/mta/mtasts"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/tlspolicy"
)

// TestShapeTLSPolicy: the shape's tls_policy (ABI v1.5) enforces an
// MTA-STS policy in testing mode, or turns any domain policy into
// reporting only; the record names the policy as applied, and a domain
// without a policy is left alone.
func TestShapeTLSPolicy(t *testing.T) {
	c := makeCerts(t)
	const (
		def     = policy.TLSPolicyDefault
		enforce = policy.TLSPolicyEnforce
		report  = policy.TLSPolicyReportOnly
	)
	tests := []struct {
		name    string
		mode    policy.TLSPolicyMode
		pol     *tlspolicy.Policy
		cert    *tls.Certificate // nil: no STARTTLS
		deliver bool
		result  string // failure reported ("" none)
		applied string // TLSCheck.Mode
	}{
		{"default, sts testing, mismatch", def, stsPolicy(c, mtasts.ModeTesting, "mx.sink.test"), &c.mismatch, true, tlspolicy.ResultCertHostMismatch, "mta-sts testing"},
		{"enforce, sts testing, mismatch", enforce, stsPolicy(c, mtasts.ModeTesting, "mx.sink.test"), &c.mismatch, false, tlspolicy.ResultCertHostMismatch, "mta-sts testing (enforced)"},
		{"enforce, sts testing, MX not in policy", enforce, stsPolicy(c, mtasts.ModeTesting, "mx.other.test"), &c.valid, false, tlspolicy.ResultValidationFailure, "mta-sts testing (enforced)"},
		{"enforce, sts testing, no STARTTLS", enforce, stsPolicy(c, mtasts.ModeTesting, "mx.sink.test"), nil, false, tlspolicy.ResultStartTLSNotSupported, "mta-sts testing (enforced)"},
		{"enforce, sts testing, valid", enforce, stsPolicy(c, mtasts.ModeTesting, "mx.sink.test"), &c.valid, true, "", "mta-sts testing (enforced)"},
		{"enforce, sts enforce, expired", enforce, stsPolicy(c, mtasts.ModeEnforce, "mx.sink.test"), &c.expired, false, tlspolicy.ResultCertExpired, "mta-sts enforce"},
		{"enforce, no policy, self-signed", enforce, nil, &c.selfSig, true, "", ""},
		{"report_only, sts enforce, expired", report, stsPolicy(c, mtasts.ModeEnforce, "mx.sink.test"), &c.expired, true, tlspolicy.ResultCertExpired, "mta-sts enforce (report only)"},
		{"report_only, sts enforce, no STARTTLS", report, stsPolicy(c, mtasts.ModeEnforce, "mx.sink.test"), nil, true, tlspolicy.ResultStartTLSNotSupported, "mta-sts enforce (report only)"},
		{"report_only, dane-ee, other key", report, danePolicy(dane.For(3, 1, 1, c.alt.Leaf)), &c.valid, true, tlspolicy.ResultTLSAInvalid, "dane (report only)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := testsink.Start(t, testsink.Options{Certificate: tt.cert})
			h := &policyHandler{outcomes: newOutcomes(), pol: tt.pol}
			s := newTestSet(t, h, Options{})
			host, port, _ := net.SplitHostPort(sink.Addr())
			n, _ := strconv.Atoi(port)
			p := testPath(s, mx.Host{Name: "mx.sink.test", Addrs: []netip.Addr{netip.MustParseAddr(host)}, Port: uint16(n)},
				policy.Shape{MaxConnections: 1, TLSPolicy: tt.mode})
			p.Enqueue(testJob(0))
			h.waitDone(t, 1, 10*time.Second)
			o := h.done[0]
			if got := o.Rcpt[0].Code/100 == 2; got != tt.deliver {
				t.Fatalf("delivered = %v (%v), want %v", got, o.Rcpt[0], tt.deliver)
			}
			if !tt.deliver && (o.Rcpt[0].Code != 451 || o.Stage != "tls") {
				t.Errorf("deferral %v at %s, want 451 at tls", o.Rcpt[0], o.Stage)
			}
			if tt.pol == nil {
				if o.TLSCheck != nil {
					t.Errorf("TLSCheck = %+v without a policy", o.TLSCheck)
				}
				return
			}
			got := ""
			if o.TLSCheck != nil && o.TLSCheck.Failure != nil {
				got = o.TLSCheck.Failure.Result
			}
			if o.TLSCheck == nil || got != tt.result || o.TLSCheck.Mode != tt.applied {
				t.Errorf("TLSCheck = %+v (failure %q), want mode %q and failure %q", o.TLSCheck, got, tt.applied, tt.result)
			}
			want := 0
			if tt.deliver {
				want = 1
			}
			if sink.Count() != want {
				t.Errorf("the sink has %d messages, want %d", sink.Count(), want)
			}
		})
	}
}
