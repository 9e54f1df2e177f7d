package conformance

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"golang.org/x/crypto/bcrypt"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/internal/testdns"
	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/events"
)

// TestEndToEnd loads each language's reference policy into a running
// engine (for tenant acme, and as the global module, which alone shapes
// paths) and the language's panic policy for tenant crashy, then sends
// mail over SMTP and checks, from the sinks and the records, that the
// policy routed, pooled, shaped, classified and rejected it, and that a
// panic fell back to the default without losing the message.
func TestEndToEnd(t *testing.T) {
	for i, lang := range Languages {
		t.Run(lang, func(t *testing.T) { runEndToEnd(t, lang, i) })
	}
}

// world is one engine with its DNS and sinks.
type world struct {
	relay *testsink.Sink // smtp.acme-relay.example:2525, acme's smart host
	mx    *testsink.Sink // every MX host (Google-hosted or not), with STARTTLS
	rec   *testrec.Recorder
	addr  string // the engine's SMTP listener
	ver   map[string]hostabi.Version
}

func runEndToEnd(t *testing.T, lang string, i int) {
	w := startWorld(t, lang, i)
	acme := []string{"news@acme.example"}

	// on_rcpt rejects, with the policy's code and text; the other recipient is taken.
	err := w.send("acme", acme[0], []string{"someone@blocked.example", "user@example.test"}, "welcome")
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 550 || se.EnhancedCode != (smtp.EnhancedCode{5, 7, 1}) ||
		se.Message != "recipient domain blocked by policy" {
		t.Fatalf("RCPT to blocked.example: %v, want 550 5.7.1 recipient domain blocked by policy", err)
	}
	if err := w.send("acme", acme[0], []string{"user2@example.test"}, "bulk-spring"); err != nil {
		t.Fatal(err)
	}
	for _, rcpt := range []string{"a@gmail.test", "b@other.test", "gone@gmail.test"} {
		if err := w.send("globex", "ops@globex.example", []string{rcpt}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.send("crashy", "x@crashy.example", []string{"x@panic.example"}, ""); err != nil {
		t.Fatal(err)
	}
	w.rec.WaitFor(t, events.Delivery, 5, 10*time.Second)
	w.rec.WaitFor(t, events.Bounce, 1, 10*time.Second)
	w.checkRouteAndPool(t)
	w.checkShape(t)
	w.checkBounce(t)
	w.checkPanicFallback(t)
	// Last, as it suspends the Google path for an hour.
	if err := w.send("globex", "ops@globex.example", []string{"tss@gmail.test"}, ""); err != nil {
		t.Fatal(err)
	}
	w.checkSuspension(t)
}

func startWorld(t *testing.T, lang string, i int) *world {
	t.Helper()
	w := &world{rec: testrec.New(), ver: map[string]hostabi.Version{}}
	relayIP := fmt.Sprintf("127.0.83.%d", i+1)
	w.relay = testsink.Start(t, testsink.Options{Addr: relayIP + ":2525", Hostname: "relay.test"})
	w.mx = testsink.Start(t, testsink.Options{TLS: true, Hostname: "mx.test", Respond: mxReplies})
	dns := testdns.Start(t)
	dns.SetA("smtp.acme-relay.example", 60, relayIP)
	for domain, host := range map[string]string{"gmail.test": "gmail-smtp-in.l.google.com",
		"other.test": "mx.other.test", "panic.example": "mx.panic.example"} {
		dns.SetMX(domain, 60, testdns.MX{Pref: 10, Host: host})
		dns.SetA(host, 60, "127.0.0.1")
	}
	reg := hostabi.NewRegistry(newHost(t, hostabi.Config{}), nil)
	for tenant, name := range map[string]string{"acme": PolicyConformance, "": PolicyConformance, "crashy": PolicyPanic} {
		v, err := reg.Push(ctx, tenant, wasmOf(t, lang, name))
		if err != nil {
			t.Fatalf("push %s policy for %q: %v", lang, tenant, err)
		}
		w.ver[tenant] = v
	}
	t.Cleanup(reg.Close)
	cfg, err := config.Parse([]byte(engineConfig(t, w.mx.Port(), dns.Addr())))
	if err != nil {
		t.Fatal(err)
	}
	cfg.SMTP.MinFreeDisk = -1
	e, err := engine.New(cfg, engine.Options{Registry: reg, Records: w.rec, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		e.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	w.addr = e.SMTPAddrs()[0].String()
	return w
}

// mxReplies makes the MX sink answer like a provider: [TSS04] deferrals
// for tss@ and "no such user" for gone@.
func mxReplies(stage, arg string, _ int) *smtp.SMTPError {
	if stage != testsink.StageRcpt {
		return nil
	}
	switch {
	case strings.HasPrefix(arg, "tss@"):
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
			Message: "[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints"}
	case strings.HasPrefix(arg, "gone@"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: "The email account that you tried to reach does not exist"}
	}
	return nil
}

// engineConfig: three pools whose sources say who they are in EHLO, TLS
// off unless a shape requires it, tenants that log in over SMTP.
func engineConfig(t *testing.T, mxPort int, dnsAddr string) string {
	hash, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "spool_dir = %q\nhostname = \"mta.test\"\n", t.TempDir())
	fmt.Fprintf(&b, "[smtp]\nlisten = [\"127.0.0.1:0\"]\n")
	fmt.Fprintf(&b, "[delivery]\nport = %d\ndns_server = %q\ntls = \"disabled\"\n", mxPort, dnsAddr)
	b.WriteString("[queue]\nretry_jitter = 0.0\n")
	for _, s := range []string{"default", "acme-src", "bulk-src"} {
		fmt.Fprintf(&b, "[[source]]\nname = %q\nehlo = \"%s.out.test\"\n", s, s)
	}
	for pool, src := range map[string]string{"default": "default", "acme-pool": "acme-src", "bulk": "bulk-src"} {
		fmt.Fprintf(&b, "[[pool]]\nname = %q\nsources = [{ name = %q, weight = 1 }]\n", pool, src)
	}
	for _, tenant := range []string{"acme", "globex", "crashy"} {
		fmt.Fprintf(&b, "[[tenant]]\nname = %q\nsmtp_users = [{ username = %q, password_hash = %q }]\n",
			tenant, tenant, hash)
	}
	return b.String()
}

// send submits one message as tenant (logged in over SMTP), with an
// X-Campaign header when campaign is set. It returns the first error.
func (w *world) send(tenant, from string, to []string, campaign string) error {
	c, err := smtp.Dial(w.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if err := c.Auth(sasl.NewPlainClient("", tenant, "secret")); err != nil {
		return fmt.Errorf("auth %s: %w", tenant, err)
	}
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	var firstErr error
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	hdr := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: conformance\r\n", from, to[len(to)-1])
	if campaign != "" {
		hdr += "X-Campaign: " + campaign + "\r\n"
	}
	wc, err := c.Data()
	if err != nil {
		return errors.Join(firstErr, err)
	}
	if _, err := wc.Write([]byte(hdr + "\r\nHello.\r\n")); err != nil {
		return errors.Join(firstErr, err)
	}
	if err := wc.Close(); err != nil {
		return errors.Join(firstErr, err)
	}
	return errors.Join(firstErr, c.Quit())
}

// byRecipient returns the single record of typ for rcpt.
func byRecipient(t *testing.T, r *testrec.Recorder, typ events.Type, rcpt string) events.Record {
	t.Helper()
	var found []events.Record
	for _, rec := range r.All(typ) {
		if rec.Recipient == rcpt {
			found = append(found, rec)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s records for %s, want 1", len(found), typ, rcpt)
	}
	return found[0]
}
