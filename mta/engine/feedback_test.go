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
	"github.com/wasmta/wasmta/mta/verp"
)

const testVERPKey = "7:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// feedbackConfig is a tenant "acme" with a VERP return path (login
// acme/pw) and a tenant "beta" that keeps its own sender (beta/pw).
func feedbackConfig(t *testing.T, extra string) string {
	return fmt.Sprintf("[inbound]\nverp_keys = [%q]\n\n[[tenant]]\nname = \"acme\"\nreturn_path = \"b@bounce.acme.test\"\n%s\n"+
		"[[tenant]]\nname = \"beta\"\n%s\n%s", testVERPKey, smtpUser(t, "acme", "pw"), smtpUser(t, "beta", "pw"), extra)
}

// sendAs submits one message after logging in as user (password "pw").
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
	_, err = smtpTx(c, to, body)
	return err
}

// TestVERPReturnPath: acme's mail leaves with a signed VERP sender that
// names the message, the recipient and the tenant; beta's keeps its own.
func TestVERPReturnPath(t *testing.T) {
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
			tok, err := signer.Parse(local, []string{"acme"})
			if err != nil || tok.ID != acmeID || tok.Rcpt != 0 || tok.Tenant != "acme" || !strings.HasPrefix(local, "b+") {
				t.Errorf("VERP sender %s: %+v, %v; want message %s, recipient 0, tenant acme", m.From, tok, err, acmeID)
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
