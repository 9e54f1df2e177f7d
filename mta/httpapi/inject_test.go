package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

func TestRawMessage(t *testing.T) {
	h := start(t, harnessOpts{})
	raw := "From: Shop <shop@sender.example>\nTo: r1@example.org\nX-Campaign: spring\nSubject: raw\n\nline one\n.dot line\n"
	resp := h.accept(obj{"sender": "b@sender.example", "recipients": []obj{{"address": "r1@example.org"}},
		"metadata": obj{"order": "42"}, "raw": raw})
	if len(resp.Messages) != 1 || resp.Recipients[0].ID != resp.Messages[0].ID {
		t.Fatalf("answer %+v", resp)
	}
	m, body := h.spooled(resp.Messages[0].ID)
	if m.Campaign != "spring" || m.Meta["order"] != "42" || m.Protocol != "HTTP" || m.Tenant != "acme" ||
		m.Sender != "b@sender.example" || !strings.HasPrefix(m.AuthUser, "token:") {
		t.Errorf("spooled message %+v", m)
	}
	if m.Size != int64(len(body)) || resp.Messages[0].Size != m.Size {
		t.Errorf("size %d, body %d, answer %d", m.Size, len(body), resp.Messages[0].Size)
	}
	s := string(body)
	if !strings.HasPrefix(s, "Received: from [127.0.0.1]\r\n\tby mta.test (wasmta) with HTTP id "+m.ID.String()) {
		t.Errorf("trace field:\n%s", s)
	}
	if strings.Contains(s, "X-Campaign") || !strings.Contains(s, "\r\n\r\nline one\r\n.dot line\r\n") {
		t.Errorf("campaign field kept, or body changed:\n%s", s)
	}
	pm, err := mail.ReadMessage(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	if pm.Header.Get("Message-Id") != "<"+m.ID.String()+"@mta.test>" || pm.Header.Get("Date") == "" {
		t.Errorf("Message-ID %q, Date %q: want both added", pm.Header.Get("Message-Id"), pm.Header.Get("Date"))
	}
	rec := h.recs.All(events.Reception)
	if len(rec) != 1 || rec[0].Protocol != "HTTP" || rec[0].Campaign != "spring" || rec[0].Recipients != 1 ||
		rec[0].Meta["order"] != "42" || rec[0].ID != m.ID.String() {
		t.Errorf("Reception records %+v", rec)
	}
}

// TestTemplating: text/template for subject and text, html/template for
// HTML (substitutions escaped), recipient values over global ones, and
// one message per distinct rendering.
func TestTemplating(t *testing.T) {
	h := start(t, harnessOpts{})
	resp := h.accept(obj{
		"sender":        "b@sender.example",
		"substitutions": obj{"shop": "Acme & Co", "name": "friend"},
		"campaign":      "api-campaign",
		"recipients": []obj{
			{"address": "a@example.org", "name": "Ann", "substitutions": obj{"name": `<script>alert("x")</script>`}},
			{"address": "b@example.org"},
			{"address": "c@example.org"},
			{"address": "d@example.org", "metadata": obj{"segment": "vip"}},
		},
		"content": obj{
			"from":    "Shop <shop@sender.example>",
			"subject": "{{.shop}} for {{.name}}",
			"text":    "Dear {{.name}},\nfrom {{.shop}}",
			"html":    `<!--[if mso]><table><![endif]--><p title="{{.name}}">Dear {{.name}}</p><a href="https://x.example/?n={{.name}}">x</a>`,
		},
	})
	if len(resp.Messages) != 3 {
		t.Fatalf("%d messages, want 3 (a alone, b+c shared, d alone): %+v", len(resp.Messages), resp)
	}
	if resp.Recipients[1].ID != resp.Recipients[2].ID || resp.Recipients[0].ID == resp.Recipients[1].ID ||
		resp.Recipients[3].ID == resp.Recipients[1].ID {
		t.Fatalf("grouping: %+v", resp.Recipients)
	}
	_, a := h.spooled(resp.Recipients[0].ID)
	ma, parts := parseSpooled(t, a)
	if got := decodeHeader(t, ma.Header.Get("Subject")); got != `Acme & Co for <script>alert("x")</script>` {
		t.Errorf("subject %q: text/template must not escape", got)
	}
	if got := parts["text/plain"]; got != "Dear <script>alert(\"x\")</script>,\r\nfrom Acme & Co\r\n" {
		t.Errorf("text %q", got)
	}
	html := parts["text/html"]
	if strings.Contains(html, "<script>") || !strings.Contains(html, "Dear &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") ||
		!strings.Contains(html, "n=%3cscript%3ealert%28%22x%22%29%3c%2fscript%3e") {
		t.Errorf("html not escaped for its contexts: %s", html)
	}
	if !strings.HasPrefix(html, "<!--[if mso]><table><![endif]-->") {
		t.Errorf("conditional comment lost: %s", html)
	}
	if to := ma.Header.Get("To"); to != "Ann <a@example.org>" {
		t.Errorf("To %q, want Ann alone", to)
	}
	_, b := h.spooled(resp.Recipients[1].ID)
	mb, _ := parseSpooled(t, b)
	if got := decodeHeader(t, mb.Header.Get("Subject")); got != "Acme & Co for friend" {
		t.Errorf("shared subject %q", got)
	}
	if to := mb.Header.Get("To"); to != "b@example.org, c@example.org" {
		t.Errorf("shared To %q", to)
	}
	md, _ := h.spooled(resp.Recipients[3].ID)
	if md.Meta["segment"] != "vip" || md.Campaign != "api-campaign" {
		t.Errorf("recipient metadata/campaign not carried: %+v", md)
	}
}

// TestGroupingWithOwnTo: with To set in headers, recipients whose
// rendering is the same share a message.
func TestGroupingWithOwnTo(t *testing.T) {
	h := start(t, harnessOpts{})
	resp := h.accept(obj{"sender": "b@sender.example",
		"recipients": []obj{
			{"address": "a@example.org", "substitutions": obj{"tier": "gold"}},
			{"address": "b@example.org", "substitutions": obj{"tier": "gold"}},
			{"address": "c@example.org", "substitutions": obj{"tier": "silver"}},
		},
		"content": obj{"from": "shop@sender.example", "subject": "{{.tier}}", "text": "{{.tier}} offer",
			"headers": obj{"To": "Customers <undisclosed-recipients:;>"}},
	})
	if len(resp.Messages) != 2 || resp.Recipients[0].ID != resp.Recipients[1].ID {
		t.Fatalf("want gold shared and silver alone: %+v", resp)
	}
}

func TestPerRecipientMessagesAreSpooledTogether(t *testing.T) {
	h := start(t, harnessOpts{})
	var rcpts []obj
	for i := range 100 {
		rcpts = append(rcpts, obj{"address": "r" + strconv.Itoa(i) + "@example.org", "substitutions": obj{"n": i}})
	}
	resp := h.accept(obj{"sender": "b@sender.example", "recipients": rcpts,
		"content": obj{"from": "shop@sender.example", "subject": "#{{.n}}", "text": "n={{.n}}"}})
	if resp.Accepted != 100 || len(resp.Messages) != 100 {
		t.Fatalf("accepted %d in %d messages", resp.Accepted, len(resp.Messages))
	}
	_, body := h.spooled(resp.Recipients[42].ID)
	if !bytes.Contains(body, []byte("\r\n\r\nn=42")) {
		t.Errorf("recipient 42 got:\n%s", body)
	}
}

// gate is a native Go policy refusing by address prefix and subject.
type gate struct{ policy.Default }

func (*gate) Version() string { return "gate" }

func (*gate) OnMailFrom(_ context.Context, in *policy.MailFromInput) (policy.MailFromResult, error) {
	if strings.HasPrefix(in.Sender, "blocked") {
		return policy.MailFromResult{Reject: &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "sender blocked"}}, nil
	}
	return policy.MailFromResult{Meta: map[string]string{"from-policy": "1"}}, nil
}

func (*gate) OnRcpt(_ context.Context, in *policy.RcptInput) (policy.RcptResult, error) {
	switch {
	case strings.HasPrefix(in.Recipient, "reject"):
		return policy.RcptResult{Reject: &policy.Reply{Code: 550, Enhanced: "5.1.1", Text: "no such user\r\nX: y"}}, nil
	case strings.HasPrefix(in.Recipient, "later"):
		return policy.RcptResult{Reject: &policy.Reply{Code: 450, Enhanced: "4.2.1", Text: "try later"}}, nil
	}
	return policy.RcptResult{}, nil
}

func (*gate) OnMessage(_ context.Context, in *policy.MessageInput) (policy.MessageResult, error) {
	if bytes.Contains(in.Header, []byte("Subject: spam")) {
		return policy.MessageResult{Reject: &policy.Reply{Code: 554, Text: "looks like spam"}}, nil
	}
	return policy.MessageResult{AddHeaders: []policy.Header{{Name: "X-Policy", Value: "seen"}},
		Campaign: "policy-campaign", Meta: map[string]string{"k": "v"}}, nil
}

func TestPolicy(t *testing.T) {
	h := start(t, harnessOpts{policy: &gate{}})
	rcpts := []obj{{"address": "ok@example.org"}, {"address": "reject@example.org"}, {"address": "later@example.org"}}
	code, _, out := h.post(tokenAcme, simple(obj{"recipients": rcpts}))
	var resp Response
	json.Unmarshal(out, &resp)
	if code != http.StatusOK || resp.Accepted != 1 || resp.Rejected != 2 {
		t.Fatalf("status %d: %s", code, out)
	}
	want := []RcptResult{
		{Address: "ok@example.org", Status: StatusAccepted, ID: resp.Messages[0].ID},
		{Address: "reject@example.org", Status: StatusRejected, Code: 550, EnhancedCode: "5.1.1", Reason: "no such user  X: y"},
		{Address: "later@example.org", Status: StatusRejected, Code: 450, EnhancedCode: "4.2.1", Reason: "try later", Temporary: true},
	}
	for i, w := range want {
		if resp.Recipients[i] != w {
			t.Errorf("recipient %d: %+v, want %+v", i, resp.Recipients[i], w)
		}
	}
	m, body := h.spooled(resp.Messages[0].ID)
	if m.Campaign != "policy-campaign" || m.Meta["k"] != "v" || m.Meta["from-policy"] != "1" ||
		!bytes.Contains(body, []byte("\r\nX-Policy: seen\r\n")) {
		t.Errorf("policy results not applied: %+v\n%s", m, body)
	}
	tests := []struct {
		name string
		body obj
		code int
	}{
		{"sender refused", simple(obj{"sender": "blocked@sender.example"}), http.StatusUnprocessableEntity},
		{"message refused", simple(obj{"content": obj{"from": "a@x.example", "subject": "spam", "text": "x"}}), http.StatusUnprocessableEntity},
		{"all refused, one temporarily", simple(obj{"recipients": rcpts[1:]}), http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		if code, _, out := h.post(tokenAcme, tt.body); code != tt.code {
			t.Errorf("%s: status %d, want %d: %s", tt.name, code, tt.code, out)
		}
	}
	hooks := map[string]int{}
	for _, r := range h.recs.All(events.Rejection) {
		hooks[r.Hook]++
	}
	if hooks[policy.HookMailFrom] != 1 || hooks[policy.HookRcpt] != 4 || hooks[policy.HookMessage] != 1 {
		t.Errorf("Rejection records per hook: %v", hooks)
	}
}

func TestRateLimit(t *testing.T) {
	h := start(t, harnessOpts{limits: map[string]Limits{"acme": {MessagesPerMinute: 3}}})
	two := simple(obj{"recipients": []obj{{"address": "a@example.org", "metadata": obj{"x": "1"}},
		{"address": "b@example.org", "metadata": obj{"x": "2"}}}})
	h.accept(two) // two messages
	h.accept(simple(nil))
	code, hdr, out := h.post(tokenAcme, simple(nil))
	if code != http.StatusTooManyRequests {
		t.Fatalf("4th message: status %d: %s", code, out)
	}
	if s, err := strconv.Atoi(hdr.Get("Retry-After")); err != nil || s < 1 || s > 20 {
		t.Errorf("Retry-After %q, want about 20 s (one token at 3/min)", hdr.Get("Retry-After"))
	}
	if code, _, _ := h.post(tokenBeta, simple(nil)); code != http.StatusOK {
		t.Errorf("another tenant is limited too: %d", code)
	}
	big := simple(obj{"recipients": []obj{{"address": "a@example.org", "metadata": obj{"x": "1"}},
		{"address": "b@example.org", "metadata": obj{"x": "2"}}, {"address": "c@example.org", "metadata": obj{"x": "3"}},
		{"address": "d@example.org", "metadata": obj{"x": "4"}}}})
	if code, _, out := h.post(tokenAcme, big); code != http.StatusTooManyRequests || !contains(string(out), "split it") {
		t.Errorf("request of 4 messages at 3/min: %d %s", code, out)
	}
	if rj := h.recs.All(events.Rejection); len(rj) != 2 || rj[0].Reason != "rate" {
		t.Errorf("Rejection records %+v", rj)
	}
}

func TestSpoolFull(t *testing.T) {
	h := start(t, harnessOpts{minFree: 1 << 62})
	code, hdr, out := h.post(tokenAcme, simple(nil))
	var resp Response
	json.Unmarshal(out, &resp)
	if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" || len(resp.Recipients) != 1 ||
		resp.Recipients[0].Code != 452 || resp.Recipients[0].EnhancedCode != "4.3.1" || !resp.Recipients[0].Temporary {
		t.Fatalf("spool full: %d %v %s", code, hdr, out)
	}
}

func TestSigning(t *testing.T) {
	var choices []string
	sign := func(_ context.Context, m *message.Message, choice string, msg []byte) ([]byte, error) {
		choices = append(choices, choice)
		if !bytes.HasPrefix(msg, []byte("X-Policy: seen\r\nDate: ")) {
			t.Errorf("signed data does not start with the policy's field, then the message: %.60q", msg)
		}
		return []byte("DKIM-Signature: v=1; test\r\n"), nil
	}
	h := start(t, harnessOpts{policy: &gate{}, sign: sign})
	resp := h.accept(simple(nil))
	_, body := h.spooled(resp.Messages[0].ID)
	lines := strings.SplitN(string(body), "\r\n", 6)
	if !strings.HasPrefix(lines[0], "Received: ") || lines[4] != "DKIM-Signature: v=1; test" || lines[5][:16] != "X-Policy: seen\r\n" {
		t.Errorf("layout: Received, DKIM-Signature, policy fields, message; got\n%s", body)
	}
	if len(choices) != 1 || choices[0] != "" {
		t.Errorf("choices %q", choices)
	}
}
