package reception

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

// gatePolicy is a native Go policy: it refuses some senders, recipients
// and messages, and tags the rest.
type gatePolicy struct {
	mu      sync.Mutex
	headers [][]byte // header blocks on_message saw
}

func (*gatePolicy) Version() string { return "gate-1" }

func (*gatePolicy) OnMailFrom(_ context.Context, in *policy.MailFromInput) (policy.MailFromResult, error) {
	switch message.Domain(in.Sender) {
	case "blocked.example":
		return policy.MailFromResult{Reject: &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "sender blocked"}}, nil
	case "tagged.example":
		return policy.MailFromResult{Tenant: "t2", Campaign: "from-policy", Meta: map[string]string{"k": "mail"}}, nil
	}
	return policy.MailFromResult{}, nil
}

func (*gatePolicy) OnRcpt(_ context.Context, in *policy.RcptInput) (policy.RcptResult, error) {
	if strings.HasPrefix(in.Recipient, "reject") {
		return policy.RcptResult{Reject: &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "custom text"}}, nil
	}
	return policy.RcptResult{}, nil
}

func (p *gatePolicy) OnMessage(_ context.Context, in *policy.MessageInput) (policy.MessageResult, error) {
	p.mu.Lock()
	p.headers = append(p.headers, bytes.Clone(in.Header))
	p.mu.Unlock()
	if bytes.Contains(in.Header, []byte("Subject: spam")) {
		return policy.MessageResult{Reject: &policy.Reply{Code: 554, Enhanced: "5.7.1", Text: "looks like spam"}}, nil
	}
	return policy.MessageResult{
		Meta:       map[string]string{"k": "message", "m": "1"},
		AddHeaders: []policy.Header{{Name: "X-Policy", Value: "seen"}},
		DKIM:       "example.org:sel1",
	}, nil
}

func (*gatePolicy) Route(context.Context, *policy.RouteInput) (policy.Route, error) {
	return policy.Route{}, policy.ErrNotImplemented
}

func (*gatePolicy) SelectPool(context.Context, *policy.PoolInput) (string, error) {
	return "", policy.ErrNotImplemented
}

func (*gatePolicy) Shape(context.Context, *policy.ShapeInput) (policy.Shape, error) {
	return policy.Shape{}, policy.ErrNotImplemented
}

func (*gatePolicy) Classify(context.Context, *policy.ClassifyInput) (policy.Classification, error) {
	return policy.Classification{}, policy.ErrNotImplemented
}

type oneRegistry struct{ p policy.Policy }

func (r oneRegistry) For(string) policy.Policy { return r.p }

// signer is a stand-in for the DKIM signer: it records what it was asked
// to sign and returns a fixed field.
type signer struct {
	mu      sync.Mutex
	choices []string
	signed  []string
}

const fakeSignature = "DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=sel1; b=AAAA\r\n"

func (s *signer) sign(_ context.Context, _ *message.Message, choice string, msg []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.choices = append(s.choices, choice)
	s.signed = append(s.signed, string(msg))
	return []byte(fakeSignature), nil
}

func TestPolicyHooks(t *testing.T) {
	gp, sg := &gatePolicy{}, &signer{}
	f := start(t, Options{
		RelayNets: loopbackNets,
		Policy:    policy.NewGuard(oneRegistry{gp}, nil, nil),
		Sign:      sg.sign,
	}, nil)

	policyRefusals(t, f)
	c := f.client(t)
	msg := "Subject: fine\r\nX-Campaign: from-header\r\n\r\nhello\r\n"
	if _, err := send(c, "x@tagged.example", []string{"ok@example.net"}, msg); err != nil {
		t.Fatal(err)
	}
	got := f.sub.all()
	if len(got) != 1 {
		t.Fatalf("%d messages submitted, want 1", len(got))
	}
	m, body := got[0].m, got[0].body
	if m.Tenant != "t2" || m.Campaign != "from-policy" {
		t.Errorf("tenant %q campaign %q: on_mail_from's must win over the header", m.Tenant, m.Campaign)
	}
	if m.Meta["k"] != "message" || m.Meta["m"] != "1" {
		t.Errorf("meta %v: on_message's keys must override on_mail_from's", m.Meta)
	}
	if len(sg.choices) != 1 || sg.choices[0] != "example.org:sel1" {
		t.Fatalf("Sign called with %q, want the on_message choice", sg.choices)
	}
	tail := "X-Policy: seen\r\nSubject: fine\r\n\r\nhello\r\n"
	if sg.signed[0] != tail {
		t.Errorf("signed %q, want policy headers + data %q", sg.signed[0], tail)
	}
	_, afterReceived, _ := strings.Cut(body, "\r\nDKIM-Signature:")
	if !strings.HasPrefix(body, "Received: ") || "DKIM-Signature:"+afterReceived != fakeSignature+tail {
		t.Errorf("body %q: want Received, then the signature, then the signed part", body)
	}
	if h := string(gp.headers[len(gp.headers)-1]); h != "Subject: fine\r\nX-Campaign: from-header\r\n" {
		t.Errorf("on_message saw header %q", h)
	}
	checkPolicyRecords(t, f.recs.All(events.Rejection))
}

// policyRefusals has the policy refuse a sender, a recipient and a message;
// the client must see each reply exactly as the policy wrote it.
func policyRefusals(t *testing.T, f *fixture) {
	rc := dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	rc.cmd("MAIL FROM:<x@blocked.example>", "550 5.7.1 sender blocked")
	rc.cmd("MAIL FROM:<x@tagged.example>", "250 ")
	if got := rc.cmd("RCPT TO:<reject-me@example.net>", "550 "); got != "550 5.7.1 custom text" {
		t.Errorf("on_rcpt refusal reached the client as %q, want exactly \"550 5.7.1 custom text\"", got)
	}
	rc.cmd("RCPT TO:<ok@example.net>", "250 ")
	rc.cmd("DATA", "354 ")
	rc.write("Subject: spam\r\n\r\nbuy\r\n.\r\n")
	rc.expect("554 5.7.1 looks like spam")
}

func checkPolicyRecords(t *testing.T, rej []events.Record) {
	t.Helper()
	want := []struct{ hook, text string }{
		{policy.HookMailFrom, "sender blocked"},
		{policy.HookRcpt, "custom text"},
		{policy.HookMessage, "looks like spam"},
	}
	if len(rej) != len(want) {
		t.Fatalf("%d Rejection records, want %d: %+v", len(rej), len(want), rej)
	}
	for i, w := range want {
		if rej[i].Reason != "policy" || rej[i].Hook != w.hook || rej[i].Response.Text != w.text {
			t.Errorf("record %d: reason %q hook %q response %+v, want policy %s %q",
				i, rej[i].Reason, rej[i].Hook, rej[i].Response, w.hook, w.text)
		}
	}
	if rej[1].Recipient != "reject-me@example.net" || rej[1].Tenant != "t2" {
		t.Errorf("on_rcpt record recipient %q tenant %q", rej[1].Recipient, rej[1].Tenant)
	}
}

func TestSignOff(t *testing.T) {
	sg := &signer{}
	off := &offPolicy{}
	f := start(t, Options{RelayNets: loopbackNets, Policy: policy.NewGuard(oneRegistry{off}, nil, nil), Sign: sg.sign}, nil)
	if _, err := send(f.client(t), "a@example.org", []string{"b@example.net"}, "Subject: x\r\n\r\nx\r\n"); err != nil {
		t.Fatal(err)
	}
	if len(sg.choices) != 0 {
		t.Errorf("Sign called with %q although on_message said off", sg.choices)
	}
	if strings.Contains(f.sub.all()[0].body, "DKIM-Signature") {
		t.Error("body signed although on_message said off")
	}
}

type offPolicy struct{ gatePolicy }

func (*offPolicy) OnMessage(context.Context, *policy.MessageInput) (policy.MessageResult, error) {
	return policy.MessageResult{DKIM: "off"}, nil
}

func TestReplyError(t *testing.T) {
	tests := []struct {
		in   policy.Reply
		want smtp.SMTPError
	}{
		{policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "custom text"}, smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "custom text"}},
		{policy.Reply{Code: 451, Text: "later"}, smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 0, 0}, Message: "later"}},
		{policy.Reply{Code: 250, Enhanced: "2.0.0", Text: "ok?"}, smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 0, 0}, Message: "ok?"}},
		{policy.Reply{Code: 450, Enhanced: "5.7.1", Text: "x"}, smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 0, 0}, Message: "x"}},
		{policy.Reply{Code: 550, Enhanced: "5.7", Text: "a\r\n250 injected"}, smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 0, 0}, Message: "a  250 injected"}},
		{policy.Reply{Code: 554, Enhanced: "5.1000.1"}, smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 0, 0}, Message: "Refused by policy"}},
	}
	for _, tc := range tests {
		if got := replyError(&tc.in); *got != tc.want {
			t.Errorf("replyError(%+v) = %+v, want %+v", tc.in, *got, tc.want)
		}
	}
}
