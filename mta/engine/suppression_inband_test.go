package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/suppress"
)

// inBandReplies: RCPT of gone@ is "user unknown", of blocked@ a block of
// the sender; DATA of a body saying "refuse-all" is "user unknown" for
// the whole transaction.
func inBandReplies(stage, arg string, _ int) *smtp.SMTPError {
	switch {
	case stage == testsink.StageRcpt && strings.Contains(arg, "gone@"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "user unknown"}
	case stage == testsink.StageRcpt && strings.Contains(arg, "blocked@"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "rejected by policy: listed at a blocklist"}
	case stage == testsink.StageData && strings.Contains(arg, "refuse-all"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "user unknown"}
	}
	return nil
}

// TestInBandHardBounceSuppressesByDefault: with no policy decision, a
// 550 5.1.1 to a recipient's own RCPT puts it on the tenant's list for
// hard_bounce_suppress_for, and the next message to it is refused at
// RCPT; a block of the sender and a DATA reply for the whole transaction
// suppress nobody.
func TestInBandHardBounceSuppressesByDefault(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{Respond: inBandReplies})
	e, rec, addr := testEngine(t, feedbackConfig(t, "hard_bounce_suppress_for = \"30d\"\n"+routeTo(sink)), Options{})
	if err := sendAs(t, addr, "beta", []string{"gone@x.example", "blocked@x.example", "ok@x.example"}, testBody(1)); err != nil {
		t.Fatal(err)
	}
	if err := sendAs(t, addr, "beta", []string{"data1@x.example"}, testBody(2)+"refuse-all\r\n"); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, events.Bounce, 3, 10*time.Second)
	rec.WaitFor(t, events.SuppressionAdded, 1, 10*time.Second)
	a := rec.All(events.SuppressionAdded)[0]
	if a.Tenant != "beta" || a.Recipient != "gone@x.example" || a.Scope != "tenant" || a.Reason != suppress.ReasonHardBounce ||
		a.Expires == nil || time.Until(*a.Expires) < 29*24*time.Hour || !strings.HasPrefix(a.Meta["cause"], "Bounce ") {
		t.Errorf("SuppressionAdded record %+v", a)
	}
	for _, b := range rec.All(events.Bounce) {
		want := ""
		if b.Recipient == "gone@x.example" {
			want = "suppressed: hard-bounce"
		}
		if b.Reason != want {
			t.Errorf("Bounce of %s (%s %s): reason %q, want %q", b.Recipient, b.Response.Enhanced, b.Category, b.Reason, want)
		}
	}
	for _, r := range []string{"blocked@x.example", "data1@x.example"} {
		if _, ok, _ := e.Suppressions().LookupAny("beta", r, time.Now()); ok {
			t.Errorf("%s is suppressed; its bounce did not say the address is dead", r)
		}
	}
	err := sendAs(t, addr, "beta", []string{"gone@x.example"}, testBody(3))
	if c, enh := smtpCode(err); c != 550 || enh != "5.7.1" || !strings.Contains(err.Error(), "this sender's suppression list") {
		t.Errorf("the next message to the hard-bounced address: %v, want 550 5.7.1", err)
	}
	if err := sendAs(t, addr, "acme", []string{"gone@x.example"}, testBody(4)); err != nil {
		t.Errorf("another tenant's mail to the address: %v (the default suppresses for the tenant only)", err)
	}
}

// TestProviderCallingEveryoneUnknown: a site that answers "user unknown"
// to every RCPT suppresses no more than the guard's floor by default;
// the other bounces say why they were not suppressed.
func TestProviderCallingEveryoneUnknown(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == testsink.StageRcpt {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "user unknown"}
		}
		return nil
	}})
	_, rec, addr := testEngine(t, feedbackConfig(t, routeTo(sink)), Options{})
	const n = deadFloor + 15
	for i := range n / 5 {
		var to []string
		for j := range 5 {
			to = append(to, fmt.Sprintf("u%d@x.example", i*5+j))
		}
		if err := sendAs(t, addr, "beta", to, testBody(i)); err != nil {
			t.Fatal(err)
		}
	}
	rec.WaitFor(t, events.Bounce, n, 20*time.Second)
	if got := len(rec.All(events.SuppressionAdded)); got != deadFloor {
		t.Errorf("%d addresses suppressed, want the guard's floor %d", got, deadFloor)
	}
	held := 0
	for _, b := range rec.All(events.Bounce) {
		if strings.HasPrefix(b.Reason, "not suppressed: ") && strings.Contains(b.Reason, "as unknown") {
			held++
		}
	}
	if held != n-deadFloor {
		t.Errorf("%d bounces say they were held back, want %d", held, n-deadFloor)
	}
}

// TestDeadAddress: which failures say the address is dead.
func TestDeadAddress(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		category string
		code     int
		status   string
		want     bool
	}{
		{policy.CategoryInvalidRecipient, 550, "5.1.1", true},
		{policy.CategoryInactiveMailbox, 550, "5.2.1", true},
		{policy.CategoryBadDomain, 550, "5.1.2", true},
		{policy.CategoryInvalidRecipient, 550, "", true},    // an old server without enhanced codes
		{policy.CategoryInvalidRecipient, 0, "5.1.1", true}, // a report without a reply code
		{policy.CategoryInvalidRecipient, 450, "4.1.1", false},
		{policy.CategoryInvalidRecipient, 550, "4.1.1", false},
		{policy.CategoryInvalidRecipient, 0, "", false},
		{policy.CategoryQuotaIssues, 552, "5.2.2", false},
		{policy.CategorySpamBlock, 550, "5.7.1", false},
		{policy.CategoryReputationBlock, 554, "5.7.1", false},
		{policy.CategoryPolicyRelated, 550, "5.7.1", false},
		{policy.CategorySpamContent, 554, "5.7.1", false},
		{policy.CategoryRelayDenied, 550, "5.7.1", false},
	} {
		if got := deadAddress(c.category, c.code, c.status); got != c.want {
			t.Errorf("deadAddress(%s, %d, %q) = %v, want %v", c.category, c.code, c.status, got, c.want)
		}
	}
}

// TestBounceSuppressionChoices: the policy's choice wins over the
// default, in band and out of band; the default adds an entry only for a
// failure about the recipient itself.
func TestBounceSuppressionChoices(t *testing.T) {
	t.Parallel()
	hard := policy.Classification{Category: policy.CategoryInvalidRecipient}
	for _, c := range []struct {
		name      string
		cls       policy.Classification
		aboutRcpt bool
		reason    string
		ttl       time.Duration
	}{
		{"default, own RCPT reply", hard, true, suppress.ReasonHardBounce, time.Hour},
		{"default, reply for the transaction", hard, false, "", 0},
		{"none", policy.Classification{Category: policy.CategoryInvalidRecipient, Suppress: policy.SuppressNone}, true, "", 0},
		{"tenant on a full mailbox", policy.Classification{Category: policy.CategoryQuotaIssues, Suppress: policy.SuppressTenant,
			SuppressFor: 72 * time.Hour}, false, suppress.ReasonBounce, 72 * time.Hour},
		{"default, a block", policy.Classification{Category: policy.CategorySpamBlock}, true, "", 0},
	} {
		d := bounceSuppression(c.cls, 550, "5.1.1", c.aboutRcpt, time.Hour)
		if d.reason != c.reason || d.ttl != c.ttl {
			t.Errorf("%s: reason %q ttl %v, want %q %v", c.name, d.reason, d.ttl, c.reason, c.ttl)
		}
	}
}

// TestDeadSitesGuard: past the floor, a site's dead replies are believed
// only while its deliveries keep up with them; another site is not
// affected, and the counts age out of the window.
func TestDeadSitesGuard(t *testing.T) {
	t.Parallel()
	var d deadSites
	now := time.Unix(1_800_000_000, 0)
	for i := range deadFloor {
		if why := d.dead("mx.a", now); why != "" {
			t.Fatalf("dead reply %d under the floor held: %s", i+1, why)
		}
	}
	if why := d.dead("mx.a", now); why == "" {
		t.Error("dead reply past the floor with no delivery was believed")
	}
	if why := d.dead("mx.b", now); why != "" {
		t.Errorf("another site's first dead reply held: %s", why)
	}
	for range 2 * deadFloor {
		d.delivered("mx.a", now)
	}
	if why := d.dead("mx.a", now); why != "" {
		t.Errorf("a site delivering most recipients held: %s", why)
	}
	later := now.Add(deadWindow * time.Minute)
	if why := d.dead("mx.a", later); why != "" {
		t.Errorf("counts older than the window still held: %s", why)
	}
}
