package egress

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/selfsigned"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/dane"
	"github.com/wasmta/wasmta/mta/mtasts"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/tlspolicy"
)

// policyHandler is an outcomes handler whose recipient domains have the
// TLS policy pol, keeping the checks reported.
type policyHandler struct {
	*outcomes
	pol *tlspolicy.Policy

	mu      sync.Mutex
	checked []*tlspolicy.Failure
	oks     int
}

func (h *policyHandler) TLSPolicy(context.Context, *Path, string) *tlspolicy.Policy { return h.pol }

func (h *policyHandler) TLSChecked(_ *Path, _ *tlspolicy.Policy, _ string, _ netip.Addr, f *tlspolicy.Failure) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if f == nil {
		h.oks++
		return
	}
	h.checked = append(h.checked, f)
}

// tlsCerts are the certificates the test MX presents.
type tlsCerts struct {
	ca                                     *selfsigned.CA
	valid, mismatch, expired, selfSig, alt tls.Certificate
}

func makeCerts(t *testing.T) tlsCerts {
	t.Helper()
	ca, err := selfsigned.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c := tlsCerts{ca: ca}
	var errs [5]error
	c.valid, errs[0] = ca.Issue(now.Add(-time.Hour), now.Add(time.Hour), "mx.sink.test")
	c.mismatch, errs[1] = ca.Issue(now.Add(-time.Hour), now.Add(time.Hour), "other.test")
	c.expired, errs[2] = ca.Issue(now.Add(-48*time.Hour), now.Add(-time.Hour), "mx.sink.test")
	c.selfSig, errs[3] = selfsigned.Certificate(time.Hour, "mx.sink.test")
	c.alt, errs[4] = ca.Issue(now.Add(-time.Hour), now.Add(time.Hour), "mx.sink.test")
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func stsPolicy(c tlsCerts, mode mtasts.Mode, mx ...string) *tlspolicy.Policy {
	return &tlspolicy.Policy{Domain: "sink.test", Roots: c.ca.Pool,
		STS: mtasts.Result{Domain: "sink.test", Policy: &mtasts.Policy{Mode: mode, MX: mx, MaxAge: time.Hour}}}
}

func danePolicy(records ...dane.Record) *tlspolicy.Policy {
	h := dane.Host{Name: "mx.sink.test", Records: records}
	for _, r := range records {
		h.Unusable = h.Unusable || !r.Usable()
	}
	if len(h.Records) > 0 && !h.Records[0].Usable() {
		h.Records = nil
	}
	return &tlspolicy.Policy{Domain: "sink.test",
		DANE: dane.Result{Domain: "sink.test", Secure: true, Hosts: map[string]dane.Host{"mx.sink.test": h}}}
}

// TestTLSPolicyDecidesDelivery delivers one message to an MX host with a
// given certificate under a given policy: each pair ends in delivery or in
// a deferral naming the RFC 8460 result type, as RFC 8461 and RFC 7672 say.
func TestTLSPolicyDecidesDelivery(t *testing.T) {
	c := makeCerts(t)
	leaf := func(tc tls.Certificate) dane.Record { return dane.For(3, 1, 1, tc.Leaf) }
	tests := []struct {
		name    string
		pol     *tlspolicy.Policy
		cert    *tls.Certificate // nil: no STARTTLS
		deliver bool
		result  string // failure reported ("" none)
		code    string // enhanced code of a deferral
	}{
		{"sts enforce, valid", stsPolicy(c, mtasts.ModeEnforce, "mx.sink.test"), &c.valid, true, "", ""},
		{"sts enforce, wildcard, valid", stsPolicy(c, mtasts.ModeEnforce, "*.sink.test"), &c.valid, true, "", ""},
		{"sts enforce, host mismatch", stsPolicy(c, mtasts.ModeEnforce, "mx.sink.test"), &c.mismatch, false, tlspolicy.ResultCertHostMismatch, "4.7.5"},
		{"sts enforce, expired", stsPolicy(c, mtasts.ModeEnforce, "mx.sink.test"), &c.expired, false, tlspolicy.ResultCertExpired, "4.7.5"},
		{"sts enforce, self-signed", stsPolicy(c, mtasts.ModeEnforce, "mx.sink.test"), &c.selfSig, false, tlspolicy.ResultCertNotTrusted, "4.7.5"},
		{"sts enforce, no STARTTLS", stsPolicy(c, mtasts.ModeEnforce, "mx.sink.test"), nil, false, tlspolicy.ResultStartTLSNotSupported, "4.7.4"},
		{"sts enforce, MX not in policy", stsPolicy(c, mtasts.ModeEnforce, "mx.other.test"), &c.valid, false, tlspolicy.ResultValidationFailure, "4.7.5"},
		{"sts testing, host mismatch", stsPolicy(c, mtasts.ModeTesting, "mx.sink.test"), &c.mismatch, true, tlspolicy.ResultCertHostMismatch, ""},
		{"sts testing, no STARTTLS", stsPolicy(c, mtasts.ModeTesting, "mx.sink.test"), nil, true, tlspolicy.ResultStartTLSNotSupported, ""},
		{"sts testing, MX not in policy", stsPolicy(c, mtasts.ModeTesting, "mx.other.test"), &c.valid, true, tlspolicy.ResultValidationFailure, ""},
		{"sts none, self-signed", stsPolicy(c, mtasts.ModeNone), &c.selfSig, true, "", ""},
		{"dane-ee, self-signed", danePolicy(leaf(c.selfSig)), &c.selfSig, true, "", ""},
		{"dane-ee, expired leaf", danePolicy(leaf(c.expired)), &c.expired, true, "", ""},
		{"dane-ee, other key", danePolicy(leaf(c.alt)), &c.valid, false, tlspolicy.ResultTLSAInvalid, "4.7.5"},
		{"dane-ta, valid", danePolicy(dane.For(2, 0, 1, c.ca.Cert())), &c.valid, true, "", ""},
		{"dane-ta, host mismatch", danePolicy(dane.For(2, 0, 1, c.ca.Cert())), &c.mismatch, false, tlspolicy.ResultTLSAInvalid, "4.7.5"},
		{"dane, no STARTTLS", danePolicy(leaf(c.valid)), nil, false, tlspolicy.ResultStartTLSNotSupported, "4.7.4"},
		{"dane unusable, self-signed", danePolicy(dane.For(1, 1, 1, c.valid.Leaf)), &c.selfSig, true, "", ""},
		{"dane unusable, no STARTTLS", danePolicy(dane.For(1, 1, 1, c.valid.Leaf)), nil, false, tlspolicy.ResultStartTLSNotSupported, "4.7.4"},
		{"no policy, self-signed", nil, &c.selfSig, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := testsink.Start(t, testsink.Options{Certificate: tt.cert})
			h := &policyHandler{outcomes: newOutcomes(), pol: tt.pol}
			s := newTestSet(t, h, Options{})
			host, port, _ := net.SplitHostPort(sink.Addr())
			n, _ := strconv.Atoi(port)
			p := testPath(s, mx.Host{Name: "mx.sink.test", Addrs: []netip.Addr{netip.MustParseAddr(host)}, Port: uint16(n)},
				policy.Shape{MaxConnections: 1})
			p.Enqueue(testJob(0))
			h.waitDone(t, 1, 10*time.Second)
			o := h.done[0]
			if got := o.Rcpt[0].Code/100 == 2; got != tt.deliver {
				t.Fatalf("delivered = %v (%v), want %v", got, o.Rcpt[0], tt.deliver)
			}
			if !tt.deliver && (o.Rcpt[0].Code != 451 || o.Rcpt[0].Enhanced != tt.code || o.Stage != "tls") {
				t.Errorf("deferral %v at %s, want 451 %s at tls", o.Rcpt[0], o.Stage, tt.code)
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
			if o.TLSCheck == nil || got != tt.result || o.TLSCheck.Mode != tt.pol.Mode() {
				t.Errorf("TLSCheck = %+v (failure %q), want mode %q and failure %q", o.TLSCheck, got, tt.pol.Mode(), tt.result)
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			if tt.result != "" && (len(h.checked) == 0 || h.checked[0].Result != tt.result) {
				t.Errorf("reported failures %v, want %s", h.checked, tt.result)
			}
			if tt.result == "" && (h.oks != 1 || len(h.checked) != 0) {
				t.Errorf("reported %d successes and failures %v, want one success", h.oks, h.checked)
			}
			if tt.deliver && sink.Count() != 1 || !tt.deliver && sink.Count() != 0 {
				t.Errorf("the sink has %d messages", sink.Count())
			}
		})
	}
}
