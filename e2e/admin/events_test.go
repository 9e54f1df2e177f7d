package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/spooldamage"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/internal/teststack"
	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/spool"
	"github.com/wasmta/wasmta/mta/webhook"
)

// hookReceiver is a webhook receiver on loopback that verifies the
// signature of every batch and keeps the events by type.
type hookReceiver struct {
	url    string
	secret string
	mu     sync.Mutex
	byType map[string][]map[string]any
	bad    int
}

func startHookReceiver(t *testing.T, secret string) *hookReceiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hookReceiver{url: "http://" + ln.Addr().String() + "/hook", secret: secret, byType: map[string][]map[string]any{}}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b struct{ Events []map[string]any }
		err := json.Unmarshal(body, &b)
		h.mu.Lock()
		defer h.mu.Unlock()
		if err != nil || webhook.Verify([]byte(h.secret), r.Header.Get(webhook.HeaderSignature), body, time.Now(), time.Minute) != nil {
			h.bad++
		}
		for _, e := range b.Events {
			ty, _ := e["type"].(string)
			h.byType[ty] = append(h.byType[ty], e)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return h
}

func (h *hookReceiver) events(ty string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.byType[ty]...)
}

// controlPolicy is tenant ctl's native policy: it refuses "reject@"
// recipients at RCPT, and its classify hook suspends, throttles or fails
// on the replies that ask for it; other hooks fall back to the default.
type controlPolicy struct{}

func (controlPolicy) Version() string { return "ctl/native/1" }
func (controlPolicy) OnMailFrom(context.Context, *policy.MailFromInput) (policy.MailFromResult, error) {
	return policy.MailFromResult{}, policy.ErrNotImplemented
}
func (controlPolicy) OnRcpt(_ context.Context, in *policy.RcptInput) (policy.RcptResult, error) {
	if strings.HasPrefix(in.Recipient, "reject@") {
		return policy.RcptResult{Reject: &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "not for this tenant"}}, nil
	}
	return policy.RcptResult{}, nil
}
func (controlPolicy) OnMessage(context.Context, *policy.MessageInput) (policy.MessageResult, error) {
	return policy.MessageResult{}, policy.ErrNotImplemented
}
func (controlPolicy) Route(context.Context, *policy.RouteInput) (policy.Route, error) {
	return policy.Route{}, policy.ErrNotImplemented
}
func (controlPolicy) SelectPool(context.Context, *policy.PoolInput) (string, error) {
	return "", policy.ErrNotImplemented
}
func (controlPolicy) Shape(context.Context, *policy.ShapeInput) (policy.Shape, error) {
	return policy.Shape{}, policy.ErrNotImplemented
}
func (controlPolicy) Classify(_ context.Context, in *policy.ClassifyInput) (policy.Classification, error) {
	c := policy.Classification{Category: policy.CategoryRateLimited, Action: policy.ActionRetry, Scope: policy.ScopePath, Duration: 300 * time.Millisecond}
	switch {
	case strings.Contains(in.Text, "suspendme"):
		c.Suspend = true
	case strings.Contains(in.Text, "throttleme"):
		c.MaxConns = 1
	case strings.Contains(in.Text, "faultme"):
		return policy.Classification{}, errors.New("classify trapped: unreachable")
	case strings.Contains(in.Text, "no such user"):
		return policy.Classification{Category: policy.CategoryInvalidRecipient, Action: policy.ActionBounce,
			Suppress: policy.SuppressTenant}, nil
	default:
		return policy.Classification{}, policy.ErrNotImplemented
	}
	return c, nil
}

// eventReplies: each local part asks the sink for the reply that makes
// one record type.
func eventReplies(stage, arg string, _ int) *smtp.SMTPError {
	if stage != testsink.StageRcpt {
		return nil
	}
	for prefix, text := range map[string]string{"slow": "try later", "hold": "try later", "suspend": "suspendme",
		"throttle": "throttleme", "fault": "faultme", "expire": "try later"} {
		if strings.HasPrefix(arg, prefix) {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: text}
		}
	}
	if strings.HasPrefix(arg, "bad") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	return nil
}

// TestEveryRecordTypeReachesTheWebhook provokes every record type and
// checks that each arrives at a real receiver, signed, with the fields
// docs/events.md documents for it.
func TestEveryRecordTypeReachesTheWebhook(t *testing.T) {
	rcv := startHookReceiver(t, "hook-secret")
	sink := testsink.Start(t, testsink.Options{Respond: eventReplies})
	cfg := teststack.Config(sink.Addr()) + teststack.Tenant("ctl") + "suppressed_recipients = \"drop\"\n" + fmt.Sprintf(`[queue]
retry_initial = "400ms"
retry_jitter = 0.0
max_age = "5s"
[[webhook]]
url = %q
secret = "hook-secret"
batch_wait = "50ms"
[inbound]
listen = "127.0.0.1:0"
domains = ["fbl.esp.test"]
verp_keys = ["7:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="]
`, rcv.url)
	s := startStackIn(t, cfg, controlPolicy{}, damagedSpool(t))
	teststack.Send(t, s.SMTP, "acme", "app@sender.test", []string{"ok@one.test", "bad@one.test", "slow@one.test"}, "mixed")
	teststack.Send(t, s.SMTP, "acme", "app@sender.test", []string{"expire@two.test"}, "expires")
	teststack.Send(t, s.SMTP, "acme", "app@sender.test", []string{"hold@held.test"}, "held")
	// The held message is bounced by the operator as soon as its first
	// attempt is deferred: later, on a loaded machine, max_age could
	// expire it first (an Expiration record instead of the AdminBounce).
	teststack.WaitFor(t, 10*time.Second, "hold@held.test deferred", func() bool {
		for _, r := range s.Rec.All(events.TransientFailure) {
			if r.Recipient == "hold@held.test" {
				return true
			}
		}
		return false
	})
	s.call(t, "POST", "/v1/bounce", admin.BounceRequest{Selector: message.Selector{Domain: "held.test"}, Reason: "test"}, nil)
	teststack.Send(t, s.SMTP, "ctl", "app@sender.test", []string{"suspend@three.test", "throttle@four.test", "fault@five.test"}, "control")
	if err := teststack.TrySend(s.SMTP, "ctl", "app@sender.test", []string{"reject@six.test"}, "refused"); err == nil {
		t.Fatal("the policy's RCPT refusal did not reach the client")
	}
	// ctl's classify suppresses a hard bounce (SuppressionAdded), and ctl
	// accepts and drops suppressed recipients (Suppressed). acme's
	// bad@one.test above is suppressed too (the default suppresses an
	// in-band hard bounce), so wait for ctl's entry by name.
	teststack.Send(t, s.SMTP, "ctl", "app@sender.test", []string{"bad@seven.test"}, "gone")
	teststack.WaitFor(t, 10*time.Second, "ctl's SuppressionAdded record", func() bool {
		for _, r := range s.Rec.All(events.SuppressionAdded) {
			if r.Tenant == "ctl" {
				return true
			}
		}
		return false
	})
	teststack.Send(t, s.SMTP, "ctl", "app@sender.test", []string{"bad@seven.test"}, "dropped")
	s.Rec.WaitFor(t, events.TransientFailure, 6, 15*time.Second)
	wasm, err := os.ReadFile("../../testdata/wat/routea.wasm")
	if err != nil {
		t.Fatal(err)
	}
	s.call(t, "PUT", "/v1/tenants/beta/policy", wasm, nil)
	// A bounce and a complaint to the inbound listener (OOB, Feedback):
	// they match no message of this server, and are recorded all the same.
	in := s.Eng.InboundAddr().String()
	if err := sendRaw(in, "fbl@fbl.esp.test", reportDSN); err != nil {
		t.Fatalf("DSN to the inbound listener: %v", err)
	}
	if err := sendRaw(in, "fbl@fbl.esp.test", reportARF); err != nil {
		t.Fatalf("ARF to the inbound listener: %v", err)
	}
	// An operator takes acme's in-band hard bounce off its list
	// (SuppressionRemoved).
	s.call(t, "POST", "/v1/suppressions/remove", admin.SuppressionRequest{Tenant: "acme", Recipients: []string{"bad@one.test"}}, nil)
	fields := map[events.Type][]string{
		events.Reception:          {"id", "tenant", "sender", "recipients", "size", "peer", "protocol"},
		events.Rejection:          {"tenant", "sender", "recipient", "peer", "response", "reason", "hook"},
		events.Delivery:           {"id", "tenant", "sender", "recipient", "queue", "site", "pool", "source", "peer", "response", "attempts", "queue_time"},
		events.TransientFailure:   {"id", "recipient", "site", "response", "category", "attempts", "next_attempt"},
		events.Bounce:             {"id", "recipient", "response", "category", "attempts"},
		events.Expiration:         {"id", "recipient", "category", "attempts", "queue_time"},
		events.AdminBounce:        {"id", "recipient", "queue", "reason", "response"},
		events.PolicyFault:        {"tenant", "hook", "policy_version", "reason"},
		events.PolicyChange:       {"tenant", "policy_version", "reason"},
		events.Suspension:         {"site", "source", "scope", "target", "expires", "reason"},
		events.ShapingChange:      {"site", "source", "scope", "target", "expires", "reason"},
		events.SpoolLoss:          {"reason", "meta"},
		events.Quarantine:         {"id", "tenant", "sender", "recipients", "reason"},
		events.OOB:                {"recipient", "response", "category", "reason"},
		events.Feedback:           {"recipient", "reason"},
		events.SuppressionAdded:   {"id", "tenant", "recipient", "reason", "scope", "meta"},
		events.SuppressionRemoved: {"tenant", "recipient", "reason", "scope", "meta"},
		events.Suppressed:         {"id", "tenant", "recipient", "scope", "category", "reason"},
	}
	for _, ty := range events.Types {
		teststack.WaitFor(t, 10*time.Second, "a "+string(ty)+" event at the webhook", func() bool { return len(rcv.events(string(ty))) > 0 })
		e := rcv.events(string(ty))[0]
		for _, f := range append(fields[ty], "event_id", "time") {
			if _, ok := e[f]; !ok {
				t.Errorf("%s event lacks %q: %v", ty, f, e)
			}
		}
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if rcv.bad != 0 {
		t.Fatalf("%d batches failed the signature check", rcv.bad)
	}
}

// damagedSpool prepares a spool_dir whose spool holds two queued messages
// of acme in one table, the first one's body in a damaged block: the
// start repairs the table (a SpoolLoss record) and the delivery of that
// message quarantines it (a Quarantine record).
func damagedSpool(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "spool")
	st, err := spool.Open(path, spool.Options{BallastBytes: -1, MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Scan(context.Background(), func(*message.Message, []message.RcptState) error { return nil }); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 2 {
		body := fmt.Sprintf("From: app@sender.test\r\nSubject: seeded %d\r\n\r\n", i)
		for range 100 { // 6 KB that compression cannot shrink: a block of its own
			body += fmt.Sprintf("%016x%016x%016x%016x\r\n", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64())
		}
		m := &message.Message{ID: message.NewID(time.Now()), Tenant: "acme", Sender: "app@sender.test",
			ReceivedAt: time.Now(), Recipients: []message.Recipient{{Addr: fmt.Sprintf("ok%d@seed.test", i)}},
			Size: int64(len(body)), Peer: "127.0.0.1:1", Protocol: "ESMTP"}
		if err := st.Put(context.Background(), m, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := spooldamage.Flush(path); err != nil {
		t.Fatal(err)
	}
	tables, err := spooldamage.Files(path, ".sst")
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables %v, %v", tables, err)
	}
	if _, err := spooldamage.Damage(tables[0], 0); err != nil {
		t.Fatal(err)
	}
	return dir
}

// sendRaw sends data as it is, with a null sender, as a reporting MTA does.
func sendRaw(addr, to, data string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("mx.remote.test"); err != nil {
		return err
	}
	return c.SendMail("", []string{to}, strings.NewReader(data))
}

// reportDSN is an RFC 3464 bounce about a message this server never sent.
const reportDSN = "From: MAILER-DAEMON@mx.remote.test\r\nTo: fbl@fbl.esp.test\r\nSubject: Undelivered Mail\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
	"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n" +
	"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.remote.test\r\n\r\n" +
	"Final-Recipient: rfc822; gone@x.example\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
	"Diagnostic-Code: smtp; 550 5.1.1 <gone@x.example>: User unknown\r\n\r\n--B--\r\n"

// reportARF is an RFC 5965 complaint.
const reportARF = "From: fbl@isp.test\r\nTo: fbl@fbl.esp.test\r\nSubject: complaint\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/report; report-type=feedback-report; boundary=\"P\"\r\n\r\n" +
	"--P\r\nContent-Type: text/plain\r\n\r\nA complaint.\r\n\r\n" +
	"--P\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: isp-fbl/1\r\nVersion: 1\r\n" +
	"Original-Rcpt-To: <angry@x.example>\r\nSource-IP: 192.0.2.10\r\n\r\n" +
	"--P\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@sender.test\r\nTo: angry@x.example\r\nSubject: hi\r\n\r\nhi\r\n--P--\r\n"
