package dashboard

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/teststack"
	"github.com/wasmta/wasmta/internal/testwasm"
	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/shaping"
)

// sendMail submits one message of a campaign as tenant user.
func sendMail(t *testing.T, s *stack, user, campaign string, to ...string) {
	t.Helper()
	c, err := smtp.Dial(s.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", user, teststack.Password)); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("From: news@%s.test\r\nX-Campaign: %s\r\nSubject: dashboard\r\n\r\nhello\r\n", user, campaign)
	if err := c.SendMail("news@"+user+".test", to, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
}

// traffic gives the dashboard something to show: deliveries to four
// providers, deferrals that stay queued, a bounce, a throttle reply, a
// policy that faults, two versions of a module and a live suspension. It
// returns the id of a message with a delivery, a bounce and a deferral.
func traffic(t *testing.T, s *stack) string {
	t.Helper()
	for i := range 6 {
		sendMail(t, s, "acme", "winter-sale", fmt.Sprintf("ok%d@gmail.test", i), fmt.Sprintf("ok%d@yahoo.test", i))
	}
	sendMail(t, s, "acme", "winter-sale", "ok@gmail.test", "bad@gmail.test", "slow@outlook.test")
	sendMail(t, s, "acme", "winter-sale", "busy@gmail.test", "slow2@outlook.test", "slow@example.test")
	sendMail(t, s, "beta", "newsletter", "ok@outlook.test", "slow@yahoo.test")
	sendMail(t, s, "ctl", "alerts", "ok@example.test")
	for _, n := range []int{10, 20} {
		var v admin.PolicyVersion
		if code := teststack.Call(t, s.api, teststack.Token, "PUT", "/v1/tenants/acme/policy", testwasm.Loops(n), &v); code != 200 {
			t.Fatalf("push: %d", code)
		}
	}
	for _, rows := range []string{"domain,pool\ngmail.test,warm\n", "domain,pool\ngmail.test,warm\nyahoo.test,warm\n"} {
		pushTable(t, s, "acme", "pools", rows)
	}
	if code := teststack.Call(t, s.api, teststack.Token, "POST", "/v1/actions", admin.ActionRequest{Kind: shaping.Suspend,
		Select: shaping.Selector{Provider: "yahoo"}, For: shaping.Duration(30 * time.Minute), Reason: "complaint spike"}, nil); code != 200 {
		t.Fatalf("suspend: %d", code)
	}
	s.Rec.WaitFor(t, events.Delivery, 15, 20*time.Second)
	s.Rec.WaitFor(t, events.TransientFailure, 4, 20*time.Second)
	for _, r := range s.Rec.All(events.Reception) {
		if r.Recipients == 3 && r.Tenant == "acme" {
			return r.ID
		}
	}
	t.Fatal("no Reception record of the three-recipient message")
	return ""
}

// pushTable pushes a CSV policy data table.
func pushTable(t *testing.T, s *stack, tenant, name, csv string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", s.api+"/v1/tenants/"+tenant+"/tables/"+name, strings.NewReader(csv))
	req.Header.Set("Authorization", "Bearer "+teststack.Token)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("push table %s/%s: %d", tenant, name, resp.StatusCode)
	}
}

// TestDashboard loads every view of the dashboard in headless Chromium
// against a running wasmta and checks what it shows through the DOM.
func TestDashboard(t *testing.T) {
	ctx := browser(t) // first: the browser starts while the engine does
	s := startWasmta(t)
	id := traffic(t, s)

	t.Run("login", func(t *testing.T) {
		run(t, ctx, "wrong token", chromedp.Navigate(s.api+"/"), chromedp.WaitVisible(chromedp.CSS("#login-form")),
			chromedp.SendKeys(chromedp.CSS("#token"), "not-the-token"), chromedp.Click(chromedp.CSS("#login-form button")),
			waitJS(`document.querySelector('#login-error').textContent.includes('refused')`))
		shoot(t, ctx, "login")
		run(t, ctx, "right token", chromedp.SetValue(chromedp.CSS("#token"), teststack.Token),
			chromedp.Click(chromedp.CSS("#login-form button")), chromedp.WaitVisible(chromedp.CSS("#nav")),
			waitJS(`document.querySelector('#status').textContent.startsWith('live')`))
		if got := eval[string](t, ctx, `sessionStorage.getItem('wasmta.token')`); got != teststack.Token {
			t.Errorf("sessionStorage holds %q", got)
		}
	})

	t.Run("queues", func(t *testing.T) {
		rowOf := func(key string) string {
			return fmt.Sprintf(`[...document.querySelectorAll('#queues-table tbody tr')].find(r => r.cells[0].textContent === %q)`, key)
		}
		run(t, ctx, "by tenant", chromedp.Navigate(s.api+"/#queues"), waitJS(rowOf("acme")+` !== undefined`))
		// acme's deferred recipients: slow@outlook, slow2@outlook, slow@example, busy@gmail.
		if n := eval[string](t, ctx, rowOf("acme")+`.cells[1].textContent`); n == "0" {
			t.Errorf("acme has %s scheduled", n)
		}
		choose := func(by string) chromedp.Action[chromedp.Void] {
			return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector('#queues-by');
				s.value = %q; s.dispatchEvent(new Event('change')); })()`, by))
		}
		run(t, ctx, "by provider", choose("provider"), waitJS(rowOf("microsoft")+` !== undefined`))
		run(t, ctx, "by path", choose("path"),
			waitJS(`document.querySelector('#queues-table tbody').textContent.includes('(127.0.0.1) →')`))
		run(t, ctx, "by domain", choose("domain"), waitJS(rowOf("outlook.test")+` !== undefined`))
		if age := eval[string](t, ctx, rowOf("outlook.test")+`.cells[4].textContent`); !strings.HasSuffix(age, "s") {
			t.Errorf("oldest age of outlook.test = %q", age)
		}
		shoot(t, ctx, "queues")
	})

	t.Run("rates", func(t *testing.T) {
		run(t, ctx, "charts", chromedp.Navigate(s.api+"/#rates"),
			waitJS(`document.querySelector('#rates-provider .chart[data-key="google"] polyline.line-delivered') !== null`),
			waitJS(`document.querySelector('#rates-source .chart[data-key="ip1"]') !== null`))
		txt := eval[string](t, ctx, `document.querySelector('#rates-provider .chart[data-key="google"]').textContent`)
		for _, want := range []string{"delivered", "1 bounced", "1 throttled"} {
			if !strings.Contains(txt, want) {
				t.Errorf("google's chart says %q, want %q", txt, want)
			}
		}
		shoot(t, ctx, "rates")
	})

	t.Run("actions", func(t *testing.T) {
		has := func(text string) string {
			return fmt.Sprintf(`document.querySelector('#actions-table tbody').textContent.includes(%q)`, text)
		}
		run(t, ctx, "list", chromedp.Navigate(s.api+"/#actions"), waitJS(has("provider=yahoo")), waitJS(has("complaint spike")))
		run(t, ctx, "create", chromedp.SetValue(chromedp.CSS("#action-key"), "domain"),
			chromedp.SetValue(chromedp.CSS("#action-value"), "example.test"),
			chromedp.SetValue(chromedp.CSS("#action-reason"), "blocklisted, checking"),
			chromedp.Click(chromedp.CSS("#action-form button")), waitJS(has("domain=example.test")))
		shoot(t, ctx, "actions")
		actions := s.Eng.Shaping().List()
		var created string
		for _, a := range actions {
			if a.Select.Domain == "example.test" && a.Origin == shaping.OriginAdmin {
				created = a.ID
			}
		}
		if created == "" {
			t.Fatalf("the form made no action: %+v", actions)
		}
		run(t, ctx, "cancel", chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-cancel=%q]`, created))),
			waitJS("!"+has("domain=example.test")))
	})

	t.Run("policies", func(t *testing.T) {
		row := `[...document.querySelectorAll('#policies-table tbody tr')].find(r => r.cells[0].textContent === 'acme')`
		run(t, ctx, "list", chromedp.Navigate(s.api+"/#policies"), waitJS(row+`?.cells[1].textContent === '2'`),
			waitJS(`document.querySelector('#faults table[data-tenant="ctl"]') !== null`))
		if txt := eval[string](t, ctx, `document.querySelector('#faults').textContent`); !strings.Contains(txt, "out of bounds memory access") {
			t.Errorf("faults: %q", txt)
		}
		tableRow := `[...document.querySelectorAll('#tables-table tbody tr')].find(r => r.cells[1].textContent === 'pools')`
		run(t, ctx, "tables", waitJS(tableRow+`?.cells[2].textContent.startsWith('2 (2 rows')`))
		shoot(t, ctx, "policies")
		// A rollback puts version 1's module back in force as version 3.
		first := fmt.Sprintf("%x", sha256.Sum256(testwasm.Loops(10)))[:12]
		run(t, ctx, "rollback", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
			chromedp.Click(chromedp.CSS(`button[data-rollback="acme"]`)),
			waitJS(row+`?.cells[1].textContent === '3' && `+row+`.cells[2].textContent === '`+first+`'`))
		run(t, ctx, "table rollback", chromedp.Click(chromedp.CSS(`button[data-rollback-table="acme/pools"]`)),
			waitJS(tableRow+`?.cells[2].textContent.startsWith('3 (1 rows')`))
		// Any kept version: version 2 (the second push) comes back as version 4.
		second := fmt.Sprintf("%x", sha256.Sum256(testwasm.Loops(20)))[:12]
		run(t, ctx, "versions", chromedp.Click(chromedp.CSS(`button[data-versions="acme"]`)),
			waitJS(`document.querySelector('#rollback-version option[value="2"]') !== null`),
			chromedp.SetValue(chromedp.CSS("#rollback-version"), "2"),
			chromedp.Click(chromedp.CSS("#rollback-to")),
			waitJS(row+`?.cells[1].textContent === '4' && `+row+`.cells[2].textContent === '`+second+`'`))
	})

	t.Run("messages", func(t *testing.T) {
		trace := `document.querySelector('.trace[data-id="` + id + `"]')`
		run(t, ctx, "by id", chromedp.Navigate(s.api+"/#messages?id="+id),
			waitJS(trace+`?.querySelector('tr[data-type="Bounce"]') != null`))
		txt := eval[string](t, ctx, trace+`.textContent`)
		for _, want := range []string{"Reception", "Delivery", "Bounce", "TransientFailure", "550 5.1.1", "bad@gmail.test"} {
			if !strings.Contains(txt, want) {
				t.Errorf("trace lacks %q: %s", want, txt)
			}
		}
		shoot(t, ctx, "message")
		run(t, ctx, "by recipient", chromedp.Navigate(s.api+"/#messages?rcpt=slow@outlook.test"),
			waitJS(trace+`?.querySelector('tr[data-type="TransientFailure"]') != null`))
		if n := eval[int](t, ctx, trace+`.querySelectorAll('tr[data-type="Delivery"]').length`); n != 0 {
			t.Errorf("the trace of slow@outlook.test shows %d deliveries to other recipients", n)
		}
		run(t, ctx, "by campaign", chromedp.Navigate(s.api+"/#messages?campaign=winter-sale&tenant=acme"),
			waitJS(`document.querySelectorAll('#campaign-messages a').length === 8`))
	})
}
