package engine

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/events"
)

// Per-tenant submission: the limits of [[tenant]] over SMTP and HTTP, the
// tenant's default pool, and SMTP AUTH at a smart host.

func smtpUser(t testing.TB, user, pass string) string {
	t.Helper()
	h, err := config.HashPassword(pass)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("smtp_users = [{ username = %q, password_hash = %q }]\n", user, h)
}

// smtpCode is the reply code of an SMTP error, 0 for none.
func smtpCode(err error) (int, string) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code, fmt.Sprintf("%d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
	}
	return 0, ""
}

func wantCode(t *testing.T, what string, err error, code int, enhanced string) {
	t.Helper()
	if c, e := smtpCode(err); c != code || e != enhanced {
		t.Errorf("%s: %v, want %d %s", what, err, code, enhanced)
	}
}

// smtpTx runs one transaction on an open client: MAIL, RCPTs, DATA. It
// returns the first refusal of a recipient (DATA goes on with the others)
// and the error of MAIL or DATA.
func smtpTx(c *smtp.Client, rcpts []string, body string) (rcptErr, err error) {
	if err := c.Mail("b@sender.example", nil); err != nil {
		return nil, err
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil && rcptErr == nil {
			rcptErr = err
		}
	}
	w, err := c.Data()
	if err != nil {
		return rcptErr, err
	}
	w.Write([]byte(body))
	return rcptErr, w.Close()
}

func TestTenantLimitsSMTPAndHTTP(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	limits := smtpUser(t, "acme", "pw") + "max_message_size = \"8KiB\"\nmax_recipients = 2\nmessages_per_minute = 3\n"
	e, rec, addr := testEngine(t, httpConfig(limits, routeTo(sink)), Options{})
	small := "From: a@sender.example\r\nSubject: s\r\n\r\nsmall\r\n"
	big := "From: a@sender.example\r\nSubject: s\r\n\r\n" + strings.Repeat("0123456789abcdef\r\n", 600)

	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "acme", "pw")); err != nil {
		t.Fatal(err)
	}
	rcptErr, err := smtpTx(c, []string{"a@x.example", "b@x.example", "c@x.example"}, small)
	wantCode(t, "SMTP third recipient", rcptErr, 452, "4.5.3")
	if err != nil {
		t.Errorf("SMTP message to the first two recipients: %v", err)
	}
	_, err = smtpTx(c, []string{"a@x.example"}, big)
	wantCode(t, "SMTP 10 KiB message", err, 552, "5.3.4")
	if _, err = smtpTx(c, []string{"a@x.example"}, small); err != nil {
		t.Errorf("SMTP third message: %v", err)
	}
	_, err = smtpTx(c, []string{"a@x.example"}, small)
	wantCode(t, "SMTP fourth message in a minute", err, 450, "4.7.1")

	req := func(n int, text string) jsonObj {
		var rcpts []jsonObj
		for i := range n {
			rcpts = append(rcpts, jsonObj{"address": fmt.Sprintf("r%d@x.example", i)})
		}
		return jsonObj{"sender": "b@sender.example", "recipients": rcpts,
			"content": jsonObj{"from": "a@sender.example", "subject": "s", "text": text}}
	}
	if code, _, body := postJSON(t, apiURL(e), apiToken, req(3, "x")); code != http.StatusBadRequest ||
		!strings.Contains(string(body), "3 recipients, more than the limit of 2") {
		t.Errorf("HTTP 3 recipients: %d %s", code, body)
	}
	if code, _, body := postJSON(t, apiURL(e), apiToken, req(1, big)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("HTTP 10 KiB message: %d %s", code, body)
	}
	// One bucket per tenant for both doors (mta/intake): SMTP took the
	// minute's three tokens, so HTTP gets none.
	code, hdr, body := postJSON(t, apiURL(e), apiToken, req(1, "x"))
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
		t.Errorf("HTTP message after three by SMTP in a minute: %d Retry-After %q %s", code, hdr.Get("Retry-After"), body)
	}
	// Records reach the recorder through the records writer's goroutine.
	rec.WaitFor(t, events.Rejection, 5, 5*time.Second)
	reasons := map[string]int{}
	for _, r := range rec.All(events.Rejection) {
		reasons[r.Protocol+" "+r.Reason]++
	}
	want := map[string]int{"ESMTPA recipients": 1, "ESMTPA size": 1, "ESMTPA rate": 1, "HTTP size": 1, "HTTP rate": 1}
	for k, n := range want {
		if reasons[k] != n {
			t.Errorf("Rejection records %v, want %v", reasons, want)
			break
		}
	}
	rec.WaitFor(t, events.Delivery, 2+1, 10*time.Second)
}

func TestTenantDefaultPool(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	pools := "[[source]]\nname = \"s1\"\nehlo = \"one.test\"\n[[source]]\nname = \"s2\"\nehlo = \"two.test\"\n" +
		"[[pool]]\nname = \"default\"\nsources = [{ name = \"s1\" }]\n[[pool]]\nname = \"p2\"\nsources = [{ name = \"s2\" }]\n"
	e, rec, addr := testEngine(t, httpConfig("default_pool = \"p2\"\n", routeTo(sink)+pools), Options{})
	mustAccept(t, apiURL(e), jsonObj{"sender": "b@sender.example", "recipients": []jsonObj{{"address": "tenant@x.example"}},
		"content": jsonObj{"from": "a@sender.example", "subject": "s", "text": "x"}})
	send(t, addr, "b@sender.example", []string{"relay@x.example"}, testBody(1))
	rec.WaitFor(t, events.Delivery, 2, 10*time.Second)
	helo := map[string]string{}
	for _, m := range sink.Messages() {
		helo[m.To[0]] = m.Helo
	}
	if helo["tenant@x.example"] != "two.test" || helo["relay@x.example"] != "one.test" {
		t.Errorf("EHLO per recipient %v: the tenant's mail must leave from pool p2 (two.test), the rest from default", helo)
	}
	for _, d := range rec.All(events.Delivery) {
		if want := map[string]string{"tenant@x.example": "p2", "relay@x.example": "default"}[d.Recipient]; d.Pool != want {
			t.Errorf("Delivery of %s: pool %q, want %q", d.Recipient, d.Pool, want)
		}
	}
}

func TestSmartHostAuth(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{Auth: map[string]string{"relay-user": "s3cret"}})
	route := func(pass string) string {
		return fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q]\nauth_user = \"relay-user\"\nauth_password = %q\n", sink.Addr(), pass)
	}
	_, rec, addr := testEngine(t, route("s3cret"), Options{})
	send(t, addr, "b@sender.example", []string{"r@x.example"}, testBody(1))
	rec.WaitFor(t, events.Delivery, 1, 10*time.Second)
	if u := sink.Messages()[0].AuthUser; u != "relay-user" {
		t.Errorf("smart host saw AUTH user %q, want relay-user", u)
	}

	_, rec2, addr2 := testEngine(t, route("wrong")+"[queue]\nretry_initial = \"1h\"\n", Options{})
	send(t, addr2, "b@sender.example", []string{"r@x.example"}, testBody(2))
	deadline := time.Now().Add(10 * time.Second)
	for rec2.Count(events.TransientFailure)+rec2.Count(events.Bounce) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	fails := append(rec2.All(events.TransientFailure), rec2.All(events.Bounce)...)
	if len(fails) != 1 || fails[0].Response == nil || fails[0].Response.Code != 535 {
		t.Fatalf("wrong smart-host password: records %+v, want one failure answered 535", fails)
	}
	if sink.Count() != 1 {
		t.Errorf("the sink took %d messages, want only the authenticated one", sink.Count())
	}
}

// TestCampaignFromHeader: over SMTP the X-Campaign field names the
// campaign and is removed before delivery; over HTTP the campaign field
// does the same.
func TestCampaignFromHeader(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	e, rec, addr := testEngine(t, httpConfig("", routeTo(sink)), Options{})
	send(t, addr, "b@sender.example", []string{"smtp@x.example"},
		"From: a@sender.example\r\nX-Campaign: spring-sale\r\nSubject: s\r\n\r\nbody\r\n")
	mustAccept(t, apiURL(e), jsonObj{"sender": "b@sender.example", "campaign": "api-sale",
		"recipients": []jsonObj{{"address": "http@x.example"}}, "content": jsonObj{"from": "a@sender.example", "text": "x"}})
	rec.WaitFor(t, events.Delivery, 2, 10*time.Second)
	for _, m := range sink.Messages() {
		if strings.Contains(strings.ToLower(string(m.Data)), "x-campaign") {
			t.Errorf("campaign field delivered to %s:\n%s", m.To[0], m.Data)
		}
	}
	for _, d := range rec.All(events.Delivery) {
		if want := map[string]string{"smtp@x.example": "spring-sale", "http@x.example": "api-sale"}[d.Recipient]; d.Campaign != want {
			t.Errorf("Delivery of %s: campaign %q, want %q", d.Recipient, d.Campaign, want)
		}
	}
}
