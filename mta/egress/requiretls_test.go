package egress

import (
	"bytes"
	"crypto/tls"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/dsn"
	"github.com/wasmta/wasmta/mta/mtasts"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/tlspolicy"
)

// TestREQUIRETLSAndTLSRequiredNo: a message submitted with REQUIRETLS is
// delivered only over verified TLS to an authenticated MX host that offers
// REQUIRETLS, with REQUIRETLS on MAIL FROM, and returned with 550 5.7.30
// otherwise (RFC 8689 section 5); a message with "TLS-Required: No" goes
// through an enforced policy's failure (section 4.2).
func TestREQUIRETLSAndTLSRequiredNo(t *testing.T) {
	c := makeCerts(t)
	enforce := stsPolicy(c, mtasts.ModeEnforce, "mx.sink.test")
	none := &tlspolicy.Policy{Domain: "sink.test", Roots: c.ca.Pool}
	tests := []struct {
		name        string
		pol         *tlspolicy.Policy
		cert        *tls.Certificate
		offers      bool // the server offers REQUIRETLS
		requireTLS  bool
		tlsOptional bool
		code        int
		enhanced    string
	}{
		{"REQUIRETLS, STS host, valid, offered", enforce, &c.valid, true, true, false, 250, ""},
		{"REQUIRETLS, STS host, not offered", enforce, &c.valid, false, true, false, 550, "5.7.30"},
		{"REQUIRETLS, STS host, expired", enforce, &c.expired, true, true, false, 550, "5.7.30"},
		{"REQUIRETLS, MX not authenticated", none, &c.valid, true, true, false, 550, "5.7.30"},
		{"REQUIRETLS, no STARTTLS", enforce, nil, true, true, false, 550, "5.7.30"},
		{"REQUIRETLS over TLS-Required: No", enforce, &c.expired, true, true, true, 550, "5.7.30"},
		{"TLS-Required: No, enforce, expired", enforce, &c.expired, false, false, true, 250, ""},
		{"enforce, expired", enforce, &c.expired, false, false, false, 451, "4.7.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := testsink.Start(t, testsink.Options{Certificate: tt.cert, RequireTLS: tt.offers})
			h := &policyHandler{outcomes: newOutcomes(), pol: tt.pol}
			s := newTestSet(t, h, Options{})
			host, port, _ := net.SplitHostPort(sink.Addr())
			n, _ := strconv.Atoi(port)
			p := testPath(s, mx.Host{Name: "mx.sink.test", Addrs: []netip.Addr{netip.MustParseAddr(host)}, Port: uint16(n)},
				policy.Shape{MaxConnections: 1})
			j := testJob(0)
			j.Msg.RequireTLS = tt.requireTLS
			j.Body = []byte("Subject: t\r\n\r\nhello\r\n")
			if tt.tlsOptional {
				j.Body = []byte("Subject: t\r\nTLS-Required: No\r\n\r\nhello\r\n")
			}
			p.Enqueue(j)
			h.waitDone(t, 1, 10*time.Second)
			r := h.done[0].Rcpt[0]
			if r.Code != tt.code || tt.enhanced != "" && r.Enhanced != tt.enhanced {
				t.Fatalf("reply %v, want %d %s", r, tt.code, tt.enhanced)
			}
			if tt.code == 250 {
				if got := sink.Messages()[0].RequireTLS; got != tt.requireTLS {
					t.Errorf("MAIL FROM REQUIRETLS = %v, want %v", got, tt.requireTLS)
				}
			} else if sink.Count() != 0 {
				t.Errorf("the sink got %d messages", sink.Count())
			}
		})
	}
}

// TestREQUIRETLSReport: a report from the null sender about a REQUIRETLS
// message goes with REQUIRETLS, the original header included, to a host
// that satisfies REQUIRETLS; to one that does not it is not discarded
// but goes without REQUIRETLS and without the original header (RFC 8689
// section 5). A null-sender message that is not a report, and a report
// from a real sender, are returned as any REQUIRETLS message.
func TestREQUIRETLSReport(t *testing.T) {
	c := makeCerts(t)
	report := dsn.Compose(dsn.Report{Reporter: "mx.test", MessageID: "m1", Sender: "s@sender.test", ArrivedAt: time.Now(),
		Recipients: []dsn.Failure{{Recipient: "x@far.test", Status: "5.1.1"}},
		Header:     []byte("Subject: secret plans\r\nFrom: s@sender.test\r\n")}, time.Now())
	tests := []struct {
		name       string
		sender     string
		body       []byte
		offers     bool
		code       int
		requireTLS bool // on the MAIL FROM the sink saw
		header     bool // the original header reached the sink
	}{
		{"report, REQUIRETLS offered", "", report, true, 250, true, true},
		{"report, REQUIRETLS not offered: redacted", "", report, false, 250, false, false},
		{"null sender, not a report", "", []byte("Subject: secret plans\r\n\r\nhi\r\n"), false, 550, false, false},
		{"report from a sender", "s@sender.test", report, false, 550, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := testsink.Start(t, testsink.Options{Certificate: &c.valid, RequireTLS: tt.offers})
			h := &policyHandler{outcomes: newOutcomes(), pol: stsPolicy(c, mtasts.ModeEnforce, "mx.sink.test")}
			s := newTestSet(t, h, Options{})
			host, port, _ := net.SplitHostPort(sink.Addr())
			n, _ := strconv.Atoi(port)
			p := testPath(s, mx.Host{Name: "mx.sink.test", Addrs: []netip.Addr{netip.MustParseAddr(host)}, Port: uint16(n)},
				policy.Shape{MaxConnections: 1})
			j := testJob(0)
			j.Msg.Sender, j.Msg.RequireTLS, j.Body = tt.sender, true, tt.body
			p.Enqueue(j)
			h.waitDone(t, 1, 10*time.Second)
			if r := h.done[0].Rcpt[0]; r.Code != tt.code || tt.code == 550 && r.Enhanced != "5.7.30" {
				t.Fatalf("reply %v, want %d", r, tt.code)
			}
			if tt.code != 250 {
				if sink.Count() != 0 {
					t.Errorf("the sink got %d messages", sink.Count())
				}
				return
			}
			got := sink.Messages()[0]
			header := bytes.Contains(got.Data, []byte("secret plans"))
			if got.RequireTLS != tt.requireTLS || header != tt.header {
				t.Errorf("MAIL FROM REQUIRETLS %v, original header returned %v; want %v, %v\n%s",
					got.RequireTLS, header, tt.requireTLS, tt.header, got.Data)
			}
			if !bytes.Contains(got.Data, []byte("message/delivery-status")) {
				t.Errorf("the status part is gone:\n%s", got.Data)
			}
		})
	}
}
