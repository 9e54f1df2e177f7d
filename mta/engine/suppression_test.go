package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/suppress"
	"github.com/wasmta/wasmta/mta/verp"
)

// suppressPolicy decides suppression in classify: an in-band 5.1.1 puts
// the address on the global list for an hour; a complaint suppresses
// nobody. Everything else is the built-in default's.
type suppressPolicy struct{ quarantinePolicy }

func (suppressPolicy) Version() string { return "suppress/v1" }
func (suppressPolicy) SelectPool(context.Context, *policy.PoolInput) (string, error) {
	return "", policy.ErrNotImplemented
}
func (suppressPolicy) Classify(_ context.Context, in *policy.ClassifyInput) (policy.Classification, error) {
	switch {
	case in.Stage == policy.StageFeedback:
		return policy.Classification{Category: policy.CategoryOther, Suppress: policy.SuppressNone}, nil
	case !in.OutOfBand && in.Enhanced == "5.1.1":
		return policy.Classification{Category: policy.CategoryInvalidRecipient, Action: policy.ActionBounce,
			Suppress: policy.SuppressGlobal, SuppressFor: time.Hour}, nil
	}
	return policy.Classification{}, policy.ErrNotImplemented
}

func badUser(stage, arg string, _ int) *smtp.SMTPError {
	if stage == testsink.StageRcpt && strings.Contains(arg, "bad@") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	return nil
}

// TestSuppressionByPolicy: classify's choice decides what a bounce and a
// complaint add: an in-band hard bounce goes on the global list for an
// hour (a SuppressionAdded record says so), which refuses the address for
// another tenant at RCPT; a complaint the policy keeps off the list
// suppresses nobody, and its record says why.
func TestSuppressionByPolicy(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{Respond: badUser})
	e, rec, addr := testEngine(t, feedbackConfig(t, routeTo(sink)), Options{Registry: onePolicy{suppressPolicy{}}})
	if err := sendAs(t, addr, "acme", []string{"bad@x.example"}, testBody(1)); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, events.SuppressionAdded, 1, 10*time.Second)
	a := rec.All(events.SuppressionAdded)[0]
	if a.Tenant != "acme" || a.Recipient != "bad@x.example" || a.Scope != "global" || a.Reason != suppress.ReasonHardBounce ||
		a.Expires == nil || time.Until(*a.Expires) < 59*time.Minute || time.Until(*a.Expires) > time.Hour ||
		!strings.HasPrefix(a.Meta["cause"], "Bounce ") {
		t.Errorf("SuppressionAdded record %+v", a)
	}
	rec.WaitFor(t, events.Bounce, 1, 10*time.Second)
	if b := rec.All(events.Bounce)[0]; b.Reason != "suppressed: hard-bounce (global list)" {
		t.Errorf("Bounce record reason %q", b.Reason)
	}
	err := sendAs(t, addr, "beta", []string{"bad@x.example"}, testBody(2))
	if c, enh := smtpCode(err); c != 550 || enh != "5.7.1" || !strings.Contains(err.Error(), "this server's suppression list") {
		t.Errorf("beta's mail to a globally suppressed address: %v", err)
	}

	id := message.NewID(time.Now())
	rp := e.fb.signer.Address("b", "bounce.acme.test", verp.Token{ID: id, Rcpt: 0, Tenant: "acme", Addr: "angry@x.example"})
	v := encodeInbound(inboundEnvelope{Recipients: []string{"fbl@fbl.esp.test"}, Received: time.Now()},
		[]byte(arfFor(rp, "angry@x.example")))
	if err := e.processReport(context.Background(), message.NewID(time.Now()), v); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, events.Feedback, 1, 10*time.Second)
	if r := rec.All(events.Feedback)[0]; r.Tenant != "acme" || r.Reason != "not suppressed: the policy's classify chose none" {
		t.Errorf("Feedback record %+v", r)
	}
	if _, ok, _ := e.Suppressions().LookupAny("acme", "angry@x.example", time.Now()); ok {
		t.Error("the complaint suppressed the address; the policy chose none")
	}
}

// TestAcceptAndDrop: a tenant with suppressed_recipients = "drop" has its
// suppressed recipients accepted at RCPT and dropped before the spool, a
// Suppressed record each; the others are delivered; a message of
// suppressed recipients only is accepted and delivers nothing.
func TestAcceptAndDrop(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	e, rec, addr := testEngine(t, feedbackConfig(t, "suppressed_recipients = \"drop\"\n"+routeTo(sink)), Options{})
	now := time.Now()
	for _, en := range []suppress.Entry{
		{Tenant: "beta", Recipient: "gone@x.example", Reason: suppress.ReasonComplaint, Cause: "Feedback m1"},
		{Tenant: suppress.GlobalList, Recipient: "global@x.example", Reason: suppress.ReasonHardBounce},
	} {
		if _, err := e.Suppressions().Add(en, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := sendAs(t, addr, "beta", []string{"gone@x.example", "ok@x.example", "global@x.example"}, testBody(1)); err != nil {
		t.Fatalf("a message with suppressed recipients: %v", err)
	}
	if err := sendAs(t, addr, "beta", []string{"GONE@x.example"}, testBody(2)); err != nil {
		t.Fatalf("a message of suppressed recipients only: %v", err)
	}
	rec.WaitFor(t, events.Suppressed, 3, 10*time.Second)
	rec.WaitFor(t, events.Delivery, 1, 10*time.Second)
	got := map[string]string{}
	for _, r := range rec.All(events.Suppressed) {
		got[strings.ToLower(r.Recipient)] += r.Scope + " "
		if r.Tenant != "beta" || r.ID == "" || r.Category != policy.CategorySuppressed ||
			!strings.HasPrefix(r.Reason, "accepted and dropped: on the "+r.Scope+" suppression list") {
			t.Errorf("Suppressed record %+v", r)
		}
	}
	if got["gone@x.example"] != "tenant tenant " || got["global@x.example"] != "global " {
		t.Errorf("Suppressed records by recipient: %v", got)
	}
	time.Sleep(200 * time.Millisecond)
	var to []string
	for _, m := range sink.Messages() {
		to = append(to, m.To...)
	}
	if len(to) != 1 || to[0] != "ok@x.example" {
		t.Errorf("the sink got mail for %v, want ok@x.example only", to)
	}
	for _, r := range rec.All(events.Reception) {
		if r.Recipients != 1 && r.Recipients != 0 {
			t.Errorf("Reception record counts %d recipients; the dropped ones are not spooled", r.Recipients)
		}
	}
}
