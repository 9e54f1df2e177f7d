package egress

import (
	"crypto/tls"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
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
