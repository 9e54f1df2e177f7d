package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/suppress"
	"github.com/wasmta/wasmta/mta/verp"
)

// dsnFor is the report a remote MTA sends back for a failed recipient:
// RFC 3464, quoting the original's header.
func dsnFor(rcpt, header string) string {
	return "From: MAILER-DAEMON@mx.remote.test\r\nTo: bounce\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n" +
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.remote.test\r\n\r\n" +
		"Final-Recipient: rfc822; " + rcpt + "\r\nAction: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.remote.test\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 <" + rcpt + ">: Recipient address rejected: User unknown\r\n\r\n" +
		"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n" + header + "\r\n--B--\r\n"
}

// arfFor is a feedback-loop complaint about a message, sent to the
// feedback-loop address.
func arfFor(mailFrom, rcpt string) string {
	return "From: fbl@isp.test\r\nTo: fbl@fbl.esp.test\r\nSubject: complaint\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"P\"\r\n\r\n" +
		"--P\r\nContent-Type: text/plain\r\n\r\nA complaint.\r\n\r\n" +
		"--P\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: isp-fbl/1\r\nVersion: 1\r\n" +
		"Original-Mail-From: <" + mailFrom + ">\r\nOriginal-Rcpt-To: <" + rcpt + ">\r\nSource-IP: 192.0.2.10\r\n\r\n" +
		"--P\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@sender.test\r\nTo: " + rcpt + "\r\nSubject: hi\r\n\r\nhi\r\n--P--\r\n"
}

// TestBounceLoop: wasmta delivers acme's mail to a sink with a VERP
// sender; the sink's side sends a DSN back to the inbound listener; an OOB
// record names the message and the tenant, the recipient is suppressed,
// and the next message to it is refused at RCPT. A forged bounce, an
// unverifiable one and a true return path reused for another address
// suppress nobody and say why; a complaint to the
// feedback-loop domain is a Feedback record and suppresses too; the
// inbound listener refuses other domains.
func TestBounceLoop(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	e, rec, addr := testEngine(t, inboundConfig(t, "listen = \"127.0.0.1:0\"\ndomains = [\"fbl.esp.test\"]\n", routeTo(sink)), Options{})
	in := e.InboundAddr().String()
	for _, to := range []string{"gone@x.example", "angry@x.example", "kept@x.example"} {
		if err := sendAs(t, addr, "acme", []string{to}, testBody(1)); err != nil {
			t.Fatal(err)
		}
	}
	rec.WaitFor(t, events.Delivery, 3, 10*time.Second)
	ids := map[string]string{} // recipient -> message id
	for _, r := range rec.All(events.Delivery) {
		ids[r.Recipient] = r.ID
	}
	sent := map[string]testsink.Received{}
	for _, m := range sink.Messages() {
		sent[m.To[0]] = m
	}
	header, _, _ := strings.Cut(string(sent["gone@x.example"].Data), "\r\n\r\n")

	// A bounce to the VERP return path.
	if err := trySend(in, "", []string{sent["gone@x.example"].From}, dsnFor("gone@x.example", header+"\r\n")); err != nil {
		t.Fatalf("DSN to the inbound listener: %v", err)
	}
	// A complaint to the feedback-loop address, naming the VERP sender.
	if err := trySend(in, "", []string{"fbl@fbl.esp.test"}, arfFor(sent["angry@x.example"].From, "angry@x.example")); err != nil {
		t.Fatalf("ARF to the inbound listener: %v", err)
	}
	// A forged bounce: a token that does not verify.
	forged := "b+" + strings.Repeat("a", 45) + "@bounce.acme.test"
	if err := trySend(in, "", []string{forged}, dsnFor("kept@x.example", "Subject: x\r\n")); err != nil {
		t.Fatalf("forged DSN: %v", err)
	}
	// A true return path reused: the recipient of one message (kept) sends
	// a bounce about another address to the return path of its own copy.
	if err := trySend(in, "", []string{sent["kept@x.example"].From}, dsnFor("victim@x.example", "Subject: x\r\n")); err != nil {
		t.Fatalf("DSN about another address: %v", err)
	}
	// Not a domain of this server.
	err := trySend(in, "", []string{"someone@elsewhere.test"}, "Subject: x\r\n\r\nx\r\n")
	if c, enh := smtpCode(err); c != 550 || enh != "5.7.1" {
		t.Errorf("mail for another domain: %v, want 550 5.7.1", err)
	}

	rec.WaitFor(t, events.OOB, 3, 10*time.Second)
	rec.WaitFor(t, events.Feedback, 1, 10*time.Second)
	oob := map[string]*events.Record{}
	for _, r := range rec.All(events.OOB) {
		oob[r.Recipient] = &r
	}
	if r := oob["gone@x.example"]; r == nil || r.ID != ids["gone@x.example"] || r.Tenant != "acme" ||
		r.Category != policy.CategoryInvalidRecipient || r.Response.Enhanced != "5.1.1" || r.Response.Code != 550 ||
		r.Reason != "suppressed: hard-bounce" || r.Meta["match"] != "verp" || r.Meta["reporting_mta"] != "mx.remote.test" {
		t.Errorf("OOB record of the bounce: %+v", r)
	}
	if r := oob["kept@x.example"]; r == nil || r.Tenant != "" || !strings.HasPrefix(r.Reason, "not suppressed: verp:") {
		t.Errorf("OOB record of the forged bounce: %+v", r)
	}
	if r := oob["victim@x.example"]; r == nil || r.Tenant != "acme" || r.Meta["match"] != "verp" ||
		r.Reason != "not suppressed: the report's recipient is not the one its return path was made for" {
		t.Errorf("OOB record of the bounce about another address: %+v", r)
	}
	fb := rec.All(events.Feedback)[0]
	if fb.ID != ids["angry@x.example"] || fb.Tenant != "acme" || fb.Recipient != "angry@x.example" ||
		fb.Meta["feedback_type"] != "abuse" || fb.Meta["source_ip"] != "192.0.2.10" || fb.Reason != "suppressed: complaint" {
		t.Errorf("Feedback record: %+v", fb)
	}
	for rcpt, want := range map[string]bool{"gone@x.example": true, "angry@x.example": true, "kept@x.example": false,
		"victim@x.example": false} {
		_, ok, _ := e.Suppressions().Lookup("acme", rcpt, time.Now())
		if ok != want {
			t.Errorf("%s suppressed: %v, want %v", rcpt, ok, want)
		}
	}
	// The next message to the bounced address is refused at RCPT.
	err = sendAs(t, addr, "acme", []string{"gone@x.example"}, testBody(2))
	if c, enh := smtpCode(err); c != 550 || enh != "5.7.1" {
		t.Errorf("next message to the bounced address: %v, want 550 5.7.1", err)
	}
}

// TestInboundUnknownKept: a report that cannot be understood is recorded
// and its raw message kept; nothing is suppressed.
func TestInboundUnknownKept(t *testing.T) {
	t.Parallel()
	e, rec, _ := testEngine(t, inboundConfig(t, "listen = \"127.0.0.1:0\"\n", ""), Options{})
	if err := trySend(e.InboundAddr().String(), "x@y.test", []string{"b@bounce.acme.test"}, "Subject: hello\r\n\r\njust a note\r\n"); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, events.OOB, 1, 10*time.Second)
	r := rec.All(events.OOB)[0]
	if r.Meta["kind"] != "unknown" || !strings.Contains(r.Reason, "raw message kept as inbound-raw/") {
		t.Fatalf("record %+v", r)
	}
	n := 0
	e.spool.ScanAux(nsInboundRaw, nil, func(_, _ []byte) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d raw reports kept, want 1", n)
	}
}

// quarantinePolicy is the reference policy of issue 14 in Go: a tenant
// whose complaints in the last hour pass 0.1% of its deliveries sends
// through the pool "quarantine".
// It implements select_pool only: every other hook, and select_pool's
// "" answer, falls back to the built-in policy.
type quarantinePolicy struct{}

func (quarantinePolicy) SelectPool(_ context.Context, in *policy.PoolInput) (string, error) {
	if in.Reputation != nil && in.Reputation.Tenant1h.ComplaintRate() > 0.001 {
		return "quarantine", nil
	}
	return "", nil
}

func (quarantinePolicy) Version() string { return "quarantine/v1" }
func (quarantinePolicy) OnMailFrom(context.Context, *policy.MailFromInput) (policy.MailFromResult, error) {
	return policy.MailFromResult{}, policy.ErrNotImplemented
}
func (quarantinePolicy) OnRcpt(context.Context, *policy.RcptInput) (policy.RcptResult, error) {
	return policy.RcptResult{}, policy.ErrNotImplemented
}
func (quarantinePolicy) OnMessage(context.Context, *policy.MessageInput) (policy.MessageResult, error) {
	return policy.MessageResult{}, policy.ErrNotImplemented
}
func (quarantinePolicy) Route(context.Context, *policy.RouteInput) (policy.Route, error) {
	return policy.Route{}, policy.ErrNotImplemented
}
func (quarantinePolicy) Shape(context.Context, *policy.ShapeInput) (policy.Shape, error) {
	return policy.Shape{}, policy.ErrNotImplemented
}
func (quarantinePolicy) Classify(context.Context, *policy.ClassifyInput) (policy.Classification, error) {
	return policy.Classification{}, policy.ErrNotImplemented
}

// TestQuarantineOnComplaints: after a complaint against one of its five
// deliveries, acme's next message leaves from the quarantine pool.
func TestQuarantineOnComplaints(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	pools := "[[source]]\nname = \"s1\"\nehlo = \"main.test\"\n[[source]]\nname = \"s2\"\nehlo = \"quarantine.test\"\n" +
		"[[pool]]\nname = \"default\"\nsources = [{ name = \"s1\" }]\n[[pool]]\nname = \"quarantine\"\nsources = [{ name = \"s2\" }]\n"
	e, rec, addr := testEngine(t, inboundConfig(t, "listen = \"127.0.0.1:0\"\ndomains = [\"fbl.esp.test\"]\n", routeTo(sink)+pools),
		Options{Registry: onePolicy{quarantinePolicy{}}})
	for i := range 5 {
		if err := sendAs(t, addr, "acme", []string{fmt.Sprintf("r%d@x.example", i)}, testBody(i)); err != nil {
			t.Fatal(err)
		}
	}
	rec.WaitFor(t, events.Delivery, 5, 10*time.Second)
	first := sink.Messages()[0]
	if first.Helo != "main.test" {
		t.Fatalf("first message left from %s", first.Helo)
	}
	if err := trySend(e.InboundAddr().String(), "", []string{"fbl@fbl.esp.test"}, arfFor(first.From, first.To[0])); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, events.Feedback, 1, 10*time.Second)
	if err := sendAs(t, addr, "acme", []string{"after@x.example"}, testBody(9)); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, events.Delivery, 6, 10*time.Second)
	for _, m := range sink.Messages() {
		if m.To[0] == "after@x.example" && m.Helo != "quarantine.test" {
			t.Errorf("after the complaint acme's mail left from %s, want quarantine.test", m.Helo)
		}
	}
}

// TestRedactedComplaintAttributed: a feedback loop that hides the
// recipient still has its complaint matched to the message and tenant by
// the return path's token (the signature's tenant part verifies without
// the address), and suppresses nobody.
func TestRedactedComplaintAttributed(t *testing.T) {
	t.Parallel()
	e, rec, _ := testEngine(t, feedbackConfig(t, ""), Options{})
	id := message.NewID(time.Now())
	rp := e.fb.signer.Address("b", "bounce.acme.test", verp.Token{ID: id, Rcpt: 0, Tenant: "acme", Addr: "angry@x.example"})
	arf := "From: fbl@isp.test\r\nSubject: complaint\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"P\"\r\n\r\n" +
		"--P\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nVersion: 1\r\n" +
		"Original-Mail-From: <" + rp + ">\r\n\r\n--P--\r\n"
	v := encodeInbound(inboundEnvelope{Recipients: []string{"fbl@fbl.esp.test"}, Received: time.Now()}, []byte(arf))
	if err := e.processReport(context.Background(), message.NewID(time.Now()), v); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, events.Feedback, 1, 10*time.Second)
	r := rec.All(events.Feedback)[0]
	if r.ID != id.String() || r.Tenant != "acme" || r.Meta["match"] != "verp" ||
		r.Reason != "not suppressed: the report does not name the recipient" {
		t.Errorf("Feedback record of a redacted complaint: %+v", r)
	}
}

// TestReportsPastOneBatch: more reports than one pass's batch, the first
// ones about a recipient whose suppression entry is damaged (its value no
// longer decodes: it used to fail every report about the recipient, and
// 64 such reports held back every report behind them): all are processed,
// the damaged entry is replaced, and the report behind them is processed.
func TestReportsPastOneBatch(t *testing.T) {
	t.Parallel()
	e, rec, _ := testEngine(t, inboundConfig(t, "listen = \"127.0.0.1:0\"\n", ""), Options{})
	const victim = "victim@x.example"
	if _, err := e.Suppressions().Add(suppress.Entry{Tenant: "acme", Recipient: victim,
		Reason: suppress.ReasonHardBounce}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.spool.PutAux("suppress", []byte("acme\x00"+victim), []byte("{damaged"), true); err != nil {
		t.Fatal(err)
	}
	keep := func(rcpt string) {
		rp := e.fb.signer.Address("b", "bounce.acme.test",
			verp.Token{ID: message.NewID(time.Now()), Rcpt: 0, Tenant: "acme", Addr: rcpt})
		v := encodeInbound(inboundEnvelope{Recipients: []string{rp}, Received: time.Now()},
			[]byte(dsnFor(rcpt, "Subject: x\r\n")))
		id := message.NewID(time.Now())
		if err := e.spool.PutAux(nsInbound, id[:], v, false); err != nil {
			t.Fatal(err)
		}
	}
	for range inboundBatch + 1 {
		keep(victim)
	}
	keep("ok@x.example")
	rec.WaitFor(t, events.OOB, inboundBatch+2, 20*time.Second)
	for _, r := range rec.All(events.OOB) {
		if want := "suppressed: hard-bounce"; r.Recipient == victim && r.Reason != want && r.Reason != "already suppressed" {
			t.Errorf("OOB record %+v, want reason %q or already suppressed", r, want)
		}
	}
	if en, ok, err := e.Suppressions().Lookup("acme", victim, time.Now()); !ok || err != nil {
		t.Errorf("damaged entry not replaced: %+v, %v, %v", en, ok, err)
	}
}

// poolWatch answers select_pool with the default pool and keeps the pool
// counts it was given (ABI v1.7's input).
type poolWatch struct {
	quarantinePolicy
	mu   sync.Mutex
	seen []policy.PoolReputation
}

func (p *poolWatch) SelectPool(_ context.Context, in *policy.PoolInput) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = nil
	if in.Reputation != nil {
		p.seen = slices.Clone(in.Reputation.Pools)
	}
	return "", nil
}

// TestPoolCountsReachSelectPool: select_pool sees every configured pool
// with the tenant's counts through it, and a complaint is counted for the
// pool that delivered the message it is about (found in the history).
func TestPoolCountsReachSelectPool(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	pools := "[[source]]\nname = \"s1\"\nehlo = \"main.test\"\n" +
		"[[pool]]\nname = \"default\"\nsources = [{ name = \"s1\" }]\n[[pool]]\nname = \"quarantine\"\nsources = [{ name = \"s1\" }]\n"
	pw := &poolWatch{}
	e, rec, addr := testEngine(t, inboundConfig(t, "listen = \"127.0.0.1:0\"\ndomains = [\"fbl.esp.test\"]\n", routeTo(sink)+pools),
		Options{Registry: onePolicy{pw}})
	for i := range 3 {
		if err := sendAs(t, addr, "acme", []string{fmt.Sprintf("r%d@x.example", i)}, testBody(i)); err != nil {
			t.Fatal(err)
		}
	}
	rec.WaitFor(t, events.Delivery, 3, 10*time.Second)
	if err := e.History().Flush(); err != nil {
		t.Fatal(err)
	}
	first := sink.Messages()[0]
	if err := trySend(e.InboundAddr().String(), "", []string{"fbl@fbl.esp.test"}, arfFor(first.From, first.To[0])); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, events.Feedback, 1, 10*time.Second)
	if f := rec.All(events.Feedback)[0]; f.Pool != "default" {
		t.Errorf("Feedback record pool %q, want default (the delivery's)", f.Pool)
	}
	if err := sendAs(t, addr, "acme", []string{"after@x.example"}, testBody(9)); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, events.Delivery, 4, 10*time.Second)
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if len(pw.seen) != 2 || pw.seen[0].Pool != "default" || pw.seen[1].Pool != "quarantine" {
		t.Fatalf("select_pool's pools: %+v, want default and quarantine", pw.seen)
	}
	if d := pw.seen[0].H1; d.Deliveries != 3 || d.Complaints != 1 || pw.seen[1].H1 != (policy.ReputationCounts{}) {
		t.Errorf("pool counts %+v, want default: 3 deliveries and 1 complaint, quarantine: nothing", pw.seen)
	}
}
