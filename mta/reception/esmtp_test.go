package reception

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
)

type tenantAuth map[string][2]string // user -> {password, tenant}

func (a tenantAuth) Authenticate(_ context.Context, user, pass string) (string, error) {
	if e, ok := a[user]; ok && e[0] == pass {
		return e[1], nil
	}
	return "", errors.New("bad credentials")
}

var testAuth = tenantAuth{"alice": {"s3cret", "acme"}}

func TestEHLOAdvertisesExtensions(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets, Auth: testAuth, MaxMessageBytes: 1 << 20}, nil)
	c := f.client(t)
	for _, ext := range []string{"PIPELINING", "8BITMIME", "SMTPUTF8", "SIZE", "ENHANCEDSTATUSCODES", "CHUNKING", "STARTTLS", "AUTH"} {
		if ok, _ := c.Extension(ext); !ok {
			t.Errorf("EHLO does not advertise %s", ext)
		}
	}
	if _, p := c.Extension("SIZE"); p != "1048576" {
		t.Errorf("SIZE %q, want 1048576", p)
	}
	if !c.SupportsAuth("PLAIN") {
		t.Error("AUTH PLAIN not offered to a loopback client")
	}
}

func TestAcceptedMessage(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets}, nil)
	c := f.client(t)
	msg := "From: a@example.org\r\nX-Campaign:  spring\r\n  sale\r\nSubject: hi\r\n\r\nbody line\r\n"
	resp, err := send(c, "a@example.org", []string{"b@example.net"}, msg)
	if err != nil {
		t.Fatal(err)
	}
	got := f.sub.all()
	if len(got) != 1 {
		t.Fatalf("submitted %d messages, want 1", len(got))
	}
	m, body := got[0].m, got[0].body
	if resp != "2.0.0 OK: queued as "+m.ID.String() {
		t.Errorf("DATA reply %q does not name the id %s", resp, m.ID)
	}
	if m.Sender != "a@example.org" || len(m.Recipients) != 1 || m.Recipients[0].Addr != "b@example.net" {
		t.Errorf("envelope %q %v", m.Sender, m.Recipients)
	}
	if m.Helo != "client.test" || m.Protocol != "ESMTP" || !strings.HasPrefix(m.Peer, "127.0.0.1:") {
		t.Errorf("helo %q protocol %q peer %q", m.Helo, m.Protocol, m.Peer)
	}
	if m.Campaign != "spring sale" || m.Tenant != "" || m.AuthUser != "" {
		t.Errorf("campaign %q tenant %q auth %q", m.Campaign, m.Tenant, m.AuthUser)
	}
	if m.Size != int64(len(body)) || m.ReceivedAt.IsZero() || m.ID.IsZero() {
		t.Errorf("size %d for a %d-byte body, received %v, id %v", m.Size, len(body), m.ReceivedAt, m.ID)
	}
	received := regexp.MustCompile(`^Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n` +
		`\tby mx\.test \(wasmta\) with ESMTP id ` + m.ID.String() + `\r\n\tfor <b@example\.net>;\r\n` +
		`\t\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r\n`)
	loc := received.FindStringIndex(body)
	if loc == nil {
		t.Fatalf("body does not start with the Received field:\n%s", body)
	}
	if rest := body[loc[1]:]; rest != "From: a@example.org\r\nSubject: hi\r\n\r\nbody line\r\n" {
		t.Errorf("body after Received = %q (campaign header must be gone, rest byte for byte)", rest)
	}
	checkReceptionRecord(t, f.recs.All(events.Reception), m)
}

func checkReceptionRecord(t *testing.T, recs []events.Record, m *message.Message) {
	t.Helper()
	if len(recs) != 1 {
		t.Fatalf("%d Reception records, want 1", len(recs))
	}
	r := recs[0]
	if r.ID != m.ID.String() || r.Campaign != m.Campaign || r.Sender != m.Sender || r.Recipients != 1 ||
		r.Size != m.Size || r.Peer != m.Peer || r.Protocol != "ESMTP" || r.TLS != nil {
		t.Errorf("Reception record %+v does not match the message", r)
	}
}

func TestSTARTTLSAndAuth(t *testing.T) {
	f := start(t, Options{Auth: testAuth, AuthRequireTLS: true}, nil)
	c := f.tlsClient(t)
	st, _ := c.TLSConnectionState()
	if k, ok := st.PeerCertificates[0].PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		t.Errorf("generated certificate key %T, want ECDSA P-256", st.PeerCertificates[0].PublicKey)
	}
	if got := st.PeerCertificates[0].DNSNames; len(got) != 1 || got[0] != "mx.test" {
		t.Errorf("certificate names %v, want [mx.test]", got)
	}
	err := c.Auth(sasl.NewPlainClient("", "alice", "wrong"))
	wantCode(t, err, 535, "5.7.8")
	if err := c.Auth(sasl.NewPlainClient("", "alice", "s3cret")); err != nil {
		t.Fatalf("AUTH with good credentials: %v", err)
	}
	if _, err := send(c, "a@example.org", []string{"b@example.net"}, "Subject: x\r\n\r\nx\r\n"); err != nil {
		t.Fatal(err)
	}
	m := f.sub.all()[0].m
	if m.Tenant != "acme" || m.AuthUser != "alice" || m.Protocol != "ESMTPSA" {
		t.Errorf("tenant %q auth user %q protocol %q", m.Tenant, m.AuthUser, m.Protocol)
	}
	rec := f.recs.All(events.Reception)[0]
	if rec.TLS == nil || rec.TLS.Version == "" || rec.TLS.Cipher == "" || rec.Tenant != "acme" {
		t.Errorf("Reception record TLS %+v tenant %q", rec.TLS, rec.Tenant)
	}
	if rej := f.recs.All(events.Rejection); len(rej) != 1 || rej[0].Reason != "auth" || rej[0].Meta["auth_user"] != "alice" {
		t.Errorf("failed AUTH records %+v, want one auth Rejection", rej)
	}
}

// A remote client (not loopback) must use STARTTLS before AUTH.
func TestAuthRequiresTLSForRemoteClients(t *testing.T) {
	f := start(t, Options{Auth: testAuth, AuthRequireTLS: true}, remoteAt("192.0.2.10"))
	c := f.client(t)
	if c.SupportsAuth("PLAIN") {
		t.Error("AUTH advertised before STARTTLS to a remote client")
	}
	rc := dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	rc.cmd("AUTH PLAIN "+plainIR("alice", "s3cret"), "538 5.7.11 ")
	c = f.tlsClient(t)
	if !c.SupportsAuth("PLAIN") {
		t.Error("AUTH not advertised after STARTTLS")
	}
	if err := c.Auth(sasl.NewPlainClient("", "alice", "s3cret")); err != nil {
		t.Fatalf("AUTH after STARTTLS: %v", err)
	}
}

func TestAuthEdgeCases(t *testing.T) {
	f := start(t, Options{Auth: testAuth, RelayNets: loopbackNets}, nil)
	rc := dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	rc.cmd("AUTH PLAIN "+plainIRAs("bob", "alice", "s3cret"), "535 5.7.8 ")
	rc.cmd("AUTH LOGIN", "504 5.7.4 ")
	rc.cmd("MAIL FROM:<a@example.org>", "250 ")
	rc.cmd("AUTH PLAIN "+plainIR("alice", "s3cret"), "503 5.5.1 ")
	rc.cmd("RSET", "250 ")
	rc.cmd("AUTH PLAIN "+plainIR("alice", "s3cret"), "235 ")

	f2 := start(t, Options{RelayNets: loopbackNets}, nil)
	rc2 := dialRaw(t, f2.addr)
	rc2.cmd("EHLO client.test", "250 ")
	rc2.cmd("AUTH PLAIN "+plainIR("alice", "s3cret"), "502 5.7.0 ")
}

func TestRelayDenied(t *testing.T) {
	tests := []struct {
		name    string
		nets    []string
		auth    bool
		wantErr bool
	}{
		{"outside relay nets", []string{"10.0.0.0/8"}, false, true},
		{"no relay nets", nil, false, true},
		{"inside relay nets", []string{"192.0.2.0/24"}, false, false},
		{"authenticated", nil, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var nets []netipPrefix
			for _, n := range tc.nets {
				nets = append(nets, mustPrefix(n))
			}
			f := start(t, Options{RelayNets: nets, Auth: testAuth}, remoteAt("192.0.2.10"))
			c := f.client(t)
			if tc.auth {
				c = f.tlsClient(t)
				if err := c.Auth(sasl.NewPlainClient("", "alice", "s3cret")); err != nil {
					t.Fatal(err)
				}
			}
			_, err := send(c, "a@example.org", []string{"victim@example.net"}, "Subject: x\r\n\r\nx\r\n")
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("relay refused: %v", err)
				}
				return
			}
			wantCode(t, err, 554, "5.7.1")
			rej := f.recs.All(events.Rejection)
			if len(rej) != 1 || rej[0].Reason != "relay" || rej[0].Recipient != "victim@example.net" ||
				rej[0].Peer != "192.0.2.10:40001" || rej[0].Response.Code != 554 {
				t.Errorf("Rejection records %+v", rej)
			}
			if n := len(f.sub.all()); n != 0 {
				t.Errorf("%d messages submitted by an open relay", n)
			}
		})
	}
}
