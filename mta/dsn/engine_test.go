package dsn

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/events"
)

// password is the password of testHash (the bcrypt hash in mta/config's
// tests).
const (
	password = "correct horse"
	testHash = "$2a$10$ghZllWWFu3xM171/per7guHi6OoIwkaVuaxHSUmgVmC5otOkNlvoS"
)

// startEngine runs an engine whose records go to the recorder and to a
// DSN generator, with tenants acme (dsn = true) and beta, delivering to
// sink.
func startEngine(t *testing.T, sink *testsink.Sink) (*engine.Engine, *testrec.Recorder, string) {
	t.Helper()
	toml := fmt.Sprintf(`spool_dir = %q
hostname = "mta.test"
[[route]]
domain = "*"
hosts = [%q]
[[tenant]]
name = "acme"
dsn = true
smtp_users = [{ username = "acme", password_hash = %q }]
[[tenant]]
name = "beta"
smtp_users = [{ username = "beta", password_hash = %q }]
`, t.TempDir(), sink.Addr(), testHash, testHash)
	cfg, err := config.Parse([]byte(toml))
	if err != nil {
		t.Fatal(err)
	}
	cfg.SMTP.Listen = []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}
	cfg.SMTP.MinFreeDisk = 0
	rec := testrec.New()
	gen := New(Options{Hostname: cfg.Hostname, Window: 200 * time.Millisecond,
		Wanted: func(tenant string) bool { tn := cfg.Tenant(tenant); return tn != nil && tn.DSN }})
	e, err := engine.New(cfg, engine.Options{Records: events.Tee(rec, gen)})
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

func sendAs(t *testing.T, addr, user, from string, to []string) {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", user, password)); err != nil {
		t.Fatal(err)
	}
	body := "From: app@sender.test\r\nSubject: hello\r\n\r\nhello\r\n"
	if err := c.SendMail(from, to, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
}

// TestReportsThroughTheEngine: a tenant with dsn = true gets one report
// for the recipients of a message that bounced, sent with the null sender
// through the queues; a null-sender message and a tenant without dsn get
// none.
func TestReportsThroughTheEngine(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, arg string, _ int) *smtp.SMTPError {
		if stage == testsink.StageRcpt && strings.HasPrefix(arg, "bad") {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	}})
	_, rec, addr := startEngine(t, sink)
	sendAs(t, addr, "acme", "app@sender.test", []string{"bad1@example.test", "bad2@example.test", "good@example.test"})
	sendAs(t, addr, "acme", "", []string{"bad3@example.test"})
	sendAs(t, addr, "beta", "other@sender.test", []string{"bad4@example.test"})
	rec.WaitFor(t, events.Bounce, 4, 10*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	var reports []testsink.Received
	for len(reports) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		reports = nullSender(sink)
	}
	time.Sleep(500 * time.Millisecond) // more than the window: a second report would be here
	if reports = nullSender(sink); len(reports) != 1 {
		t.Fatalf("%d reports delivered, want 1 (for acme's message only)", len(reports))
	}
	r := reports[0]
	p := parse(t, r.Data)
	if len(r.To) != 1 || r.To[0] != "app@sender.test" || len(p.perRcpt) != 2 {
		t.Fatalf("report to %v with %d recipients, want 1 to app@sender.test covering 2", r.To, len(p.perRcpt))
	}
	for i, want := range []string{"rfc822; bad1@example.test", "rfc822; bad2@example.test"} {
		if got := p.perRcpt[i].Get("Final-Recipient"); got != want || p.perRcpt[i].Get("Status") != "5.1.1" {
			t.Errorf("recipient %d: %v", i, p.perRcpt[i])
		}
	}
	// The original's header comes back as the third part, so the sender
	// can tell which of its messages bounced.
	if p.original == nil || p.original.Get("Subject") != "hello" || p.original.Get("Received") == "" {
		t.Errorf("report lacks the original header: %v", p.original)
	}
	var dsnReception bool
	for _, rc := range rec.All(events.Reception) {
		dsnReception = dsnReception || (rc.Protocol == "DSN" && rc.Tenant == "acme" && rc.Meta["dsn_for"] != "")
	}
	if !dsnReception {
		t.Error("no Reception record for the report")
	}
}

// nullSender returns the messages the sink got with MAIL FROM:<>.
func nullSender(sink *testsink.Sink) []testsink.Received {
	var out []testsink.Received
	for _, m := range sink.Messages() {
		if m.From == "" {
			out = append(out, m)
		}
	}
	return out
}
