package dsn

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/selfsigned"
	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/events"
)

// TestREQUIRETLSReportThroughTheEngine: a message submitted with
// REQUIRETLS whose recipient bounces gets a report sent with REQUIRETLS,
// the original header in it, when the sender's host offers REQUIRETLS;
// when it does not, the message itself is returned (5.7.30) and its
// report is not lost: it goes without REQUIRETLS and without the
// original header (RFC 8689 section 5).
func TestREQUIRETLSReportThroughTheEngine(t *testing.T) {
	ca, err := selfsigned.NewCA("REQUIRETLS test CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		offers    bool // the sink offers REQUIRETLS
		delivered int  // messages of the sender at the sink
		header    bool // the report returns the original header
	}{
		{"REQUIRETLS offered", true, 1, true},
		{"REQUIRETLS not offered", false, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := testsink.Start(t, testsink.Options{Certificate: &cert, RequireTLS: tc.offers,
				Respond: func(stage, arg string, _ int) *smtp.SMTPError {
					if stage == testsink.StageRcpt && strings.HasPrefix(arg, "bad") {
						return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
					}
					return nil
				}})
			_, rec, addr := startTLSEngine(t, sink, ca)
			sendRequireTLS(t, addr, []string{"bad1@example.test", "good@example.test"})
			rec.WaitFor(t, events.Reception, 2, 15*time.Second) // the message and its report
			deadline := time.Now().Add(10 * time.Second)
			for len(nullSender(sink)) == 0 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			reports := nullSender(sink)
			if len(reports) != 1 {
				t.Fatalf("%d reports delivered, want 1", len(reports))
			}
			r := reports[0]
			if r.RequireTLS != tc.header || bytes.Contains(r.Data, []byte("Subject: hello")) != tc.header {
				t.Errorf("report sent with REQUIRETLS %v, original header in it %v; want %v for both\n%s",
					r.RequireTLS, bytes.Contains(r.Data, []byte("Subject: hello")), tc.header, r.Data)
			}
			if p := parse(t, r.Data); len(p.perRcpt) == 0 {
				t.Errorf("the report has no recipient status")
			}
			if n := len(sink.Messages()) - len(reports); n != tc.delivered {
				t.Errorf("the sender's message reached the sink %d times, want %d", n, tc.delivered)
			}
		})
	}
}

// startTLSEngine is startEngine with STARTTLS on reception and the
// sink's CA as the roots of delivery.
func startTLSEngine(t *testing.T, sink *testsink.Sink, ca *selfsigned.CA) (*engine.Engine, *testrec.Recorder, string) {
	t.Helper()
	dir := t.TempDir()
	self, err := selfsigned.Certificate(time.Hour, "mta.test")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := selfsigned.PEM(self)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if os.WriteFile(certFile, certPEM, 0o600) != nil || os.WriteFile(keyFile, keyPEM, 0o600) != nil {
		t.Fatal("write the reception certificate")
	}
	toml := fmt.Sprintf(`spool_dir = %q
hostname = "mta.test"
[smtp]
tls_cert = %q
tls_key = %q
[[route]]
domain = "*"
hosts = [%q]
[[tenant]]
name = "acme"
dsn = true
smtp_users = [{ username = "acme", password_hash = %q }]
`, filepath.Join(dir, "spool"), certFile, keyFile, sink.Addr(), testHash)
	cfg, err := config.Parse([]byte(toml))
	if err != nil {
		t.Fatal(err)
	}
	cfg.SMTP.Listen = []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}
	cfg.SMTP.MinFreeDisk = 0
	rec := testrec.New()
	gen := New(Options{Hostname: cfg.Hostname, Window: 200 * time.Millisecond,
		Wanted: func(tenant string) bool { return tenant == "acme" }})
	e, err := engine.New(cfg, engine.Options{Records: events.Tee(rec, gen), DeliveryTLS: &tls.Config{RootCAs: ca.Pool}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		e.Close()
		t.Fatal(err)
	}
	gen.Start(e)
	t.Cleanup(func() { gen.Close(); e.Close() })
	return e, rec, e.SMTPAddrs()[0].String()
}

// sendRequireTLS submits one message with MAIL FROM ... REQUIRETLS, over
// STARTTLS as REQUIRETLS demands.
func sendRequireTLS(t *testing.T, addr string, to []string) {
	t.Helper()
	c, err := smtp.DialStartTLS(addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", "acme", password)); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("app@sender.test", &smtp.MailOptions{RequireTLS: true}); err != nil {
		t.Fatal(err)
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			t.Fatal(err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("From: app@sender.test\r\nSubject: hello\r\n\r\nhello\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
