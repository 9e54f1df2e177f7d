package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
)

// TestRefusedMailFromSuppressesNobody: a 5xx to MAIL FROM is one answer
// about the sender for the whole transaction, even when its wording is a
// recipient's ("user unknown"): the recipients bounce (or not) but none
// is suppressed in band, and classify is not told it was their RCPT.
func TestRefusedMailFromSuppressesNobody(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == testsink.StageMail {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "user unknown"}
		}
		return nil
	}})
	e, rec, addr := testEngine(t, feedbackConfig(t, "hard_bounce_suppress_for = \"30d\"\n"+routeTo(sink)), Options{})
	to := []string{"a@x.example", "b@x.example"}
	if err := sendAs(t, addr, "beta", to, testBody(1)); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, events.Bounce, 2, 10*time.Second)
	for _, b := range rec.All(events.Bounce) {
		if strings.HasPrefix(b.Reason, "suppressed") {
			t.Errorf("Bounce of %s after a refused MAIL FROM: reason %q", b.Recipient, b.Reason)
		}
	}
	if n := len(rec.All(events.SuppressionAdded)); n != 0 {
		t.Errorf("%d SuppressionAdded records after a refused MAIL FROM, want 0", n)
	}
	for _, r := range to {
		if _, ok, _ := e.Suppressions().LookupAny("beta", r, time.Now()); ok {
			t.Errorf("%s is suppressed by a reply to MAIL FROM", r)
		}
	}
}
