package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/suppress"
	"github.com/wasmta/wasmta/mta/verp"
)

const testVERPKey = "7:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// feedbackConfig is a tenant "acme" with a VERP return path (login
// acme/pw) and a tenant "beta" that keeps its own sender (beta/pw).
func feedbackConfig(t testing.TB, extra string) string { return inboundConfig(t, "", extra) }

// inboundConfig is feedbackConfig with more keys of [inbound].
func inboundConfig(t testing.TB, inbound, extra string) string {
	return fmt.Sprintf("[inbound]\nverp_keys = [%q]\n"+inbound+"\n[[tenant]]\nname = \"acme\"\nreturn_path = \"b@bounce.acme.test\"\n%s\n"+
		"[[tenant]]\nname = \"beta\"\n%s\n%s", testVERPKey, smtpUser(t, "acme", "pw"), smtpUser(t, "beta", "pw"), extra)
}

// sendAs submits one message after logging in as user (password "pw"),
// and returns the first refusal.
func sendAs(t *testing.T, addr, user string, to []string, body string) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", user, "pw")); err != nil {
		t.Fatal(err)
	}
	rcptErr, err := smtpTx(c, to, body)
	if rcptErr != nil {
		return rcptErr
	}
	return err
}

// TestVERPReturnPath: acme's mail leaves with a signed VERP sender that
// names the message, the recipient and the tenant; beta's keeps its own.
func TestVERPReturnPath(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	_, rec, addr := testEngine(t, feedbackConfig(t, routeTo(sink)), Options{})
	if err := sendAs(t, addr, "acme", []string{"r@x.example"}, testBody(1)); err != nil {
		t.Fatal(err)
	}
	if err := sendAs(t, addr, "beta", []string{"r@x.example"}, testBody(2)); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, events.Delivery, 2, 10*time.Second)
	signer, _ := verp.NewSigner([]verp.Key{{ID: 7, Secret: []byte("0123456789abcdef0123456789abcdef")}})
	var acmeID message.ID
	for _, r := range rec.All(events.Reception) {
		if r.Tenant == "acme" {
			acmeID, _ = message.ParseID(r.ID)
		}
	}
	var verpSeen, plainSeen bool
	for _, m := range sink.Messages() {
		local, domain, _ := strings.Cut(m.From, "@")
		switch {
		case domain == "bounce.acme.test":
			tok, err := signer.ParseFor(local, []string{"acme"}, []string{"r@x.example"})
			if err != nil || tok.ID != acmeID || tok.Rcpt != 0 || tok.Tenant != "acme" || tok.Addr != "r@x.example" ||
				!strings.HasPrefix(local, "b+") {
				t.Errorf("VERP sender %s: %+v, %v; want message %s, recipient 0 (r@x.example), tenant acme", m.From, tok, err, acmeID)
			}
			verpSeen = true
		case m.From == "b@sender.example":
			plainSeen = true
		default:
			t.Errorf("unexpected sender %q", m.From)
		}
	}
	if !verpSeen || !plainSeen {
		t.Errorf("senders seen: verp %v, own %v", verpSeen, plainSeen)
	}
}

// TestSuppressedAtRcpt: a recipient on acme's list is refused at RCPT with
// 550 5.7.1; the same address is accepted for beta and other recipients
// of the same transaction go on.
func TestSuppressedAtRcpt(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	e, rec, addr := testEngine(t, feedbackConfig(t, routeTo(sink)), Options{})
	if _, err := e.Suppressions().Add(suppress.Entry{Tenant: "acme", Recipient: "gone@x.example",
		Reason: suppress.ReasonHardBounce}, time.Now()); err != nil {
		t.Fatal(err)
	}
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Hello("client.test")
	if err := c.Auth(sasl.NewPlainClient("", "acme", "pw")); err != nil {
		t.Fatal(err)
	}
	rcptErr, err := smtpTx(c, []string{"Gone@X.example", "ok@x.example"}, testBody(1))
	wantCode(t, "RCPT of a suppressed recipient", rcptErr, 550, "5.7.1")
	if rcptErr == nil || !strings.Contains(rcptErr.Error(), "suppression list (hard-bounce since") {
		t.Errorf("reply text: %v", rcptErr)
	}
	if err != nil {
		t.Errorf("the other recipient: %v", err)
	}
	if err := sendAs(t, addr, "beta", []string{"gone@x.example"}, testBody(2)); err != nil {
		t.Errorf("beta to the address acme suppressed: %v", err)
	}
	rec.WaitFor(t, events.Delivery, 2, 10*time.Second)
}

// TestSuppressedInHTTPAPI: the injection API refuses a suppressed
// recipient in its per-recipient results and sends to the others.
func TestSuppressedInHTTPAPI(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	e, rec, _ := testEngine(t, httpConfig("", routeTo(sink)), Options{})
	e.Suppressions().Add(suppress.Entry{Tenant: "acme", Recipient: "gone@x.example", Reason: suppress.ReasonComplaint}, time.Now())
	code, _, body := postJSON(t, apiURL(e), apiToken, jsonObj{"sender": "b@sender.example",
		"recipients": []jsonObj{{"address": "gone@x.example"}, {"address": "ok@x.example"}},
		"content":    jsonObj{"from": "a@sender.example", "subject": "s", "text": "x"}})
	if code/100 != 2 || !strings.Contains(string(body), "suppression list (complaint since") || !strings.Contains(string(body), "5.7.1") {
		t.Fatalf("HTTP answer %d %s", code, body)
	}
	rec.WaitFor(t, events.Delivery, 1, 10*time.Second)
	for _, m := range sink.Messages() {
		if len(m.To) != 1 || m.To[0] != "ok@x.example" {
			t.Errorf("the sink got %v", m.To)
		}
	}
}
