package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/verp"
)

// TestInboundReportsSurviveKill9 sends bounces to the inbound listener
// from several clients, kills wasmta with SIGKILL while it takes and
// processes them, restarts it on the same spool, and checks that every
// bounce that got "250" suppressed its recipient, once.
func TestInboundReportsSurviveKill9(t *testing.T) {
	dir := t.TempDir()
	inAddr := freeAddr(t)
	secret := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	cfg := fmt.Sprintf("token = %q\n[inbound]\nlisten = %q\nverp_keys = [\"3:%s\"]\n[[tenant]]\nname = \"acme\"\nreturn_path = \"b@bounce.acme.test\"\n",
		adminToken, inAddr, secret)
	d := startDaemon(t, dir, freeAddr(t), cfg)
	signer, _ := verp.NewSigner([]verp.Key{{ID: 3, Secret: []byte("0123456789abcdef0123456789abcdef")}})
	var mu sync.Mutex
	acked := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				rcpt := fmt.Sprintf("c%d-u%d@x.example", c, i)
				rp := signer.Address("b", "bounce.acme.test", verp.Token{ID: message.NewID(time.Now()), Tenant: "acme", Addr: rcpt})
				if err := sendReport(inAddr, rp, rcpt); err != nil {
					return
				}
				mu.Lock()
				acked[rcpt] = true
				mu.Unlock()
			}
		})
	}
	time.Sleep(700 * time.Millisecond)
	d.kill()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no report was acknowledged before the kill")
	}
	d2 := startDaemon(t, dir, freeAddr(t), cfg)
	defer d2.stop(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		listed := suppressedList(t, adminAddr(t, dir))
		missing := 0
		for r := range acked {
			if listed[r] == 0 {
				missing++
			}
		}
		for r, n := range listed {
			if n != 1 {
				t.Fatalf("%s listed %d times", r, n)
			}
		}
		if missing == 0 {
			t.Logf("%d reports acknowledged, %d recipients suppressed after the restart", len(acked), len(listed))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged reports did not suppress their recipient", missing, len(acked))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// sendReport sends an RFC 3464 bounce for rcpt to the return path rp.
func sendReport(addr, rp, rcpt string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	body := "From: MAILER-DAEMON@mx.remote.test\r\nSubject: Undelivered Mail\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\n" +
		"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.remote.test\r\n\r\n" +
		"Final-Recipient: rfc822; " + rcpt + "\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n--B--\r\n"
	return c.SendMail("", []string{rp}, strings.NewReader(body))
}

// suppressedList counts acme's suppression entries per recipient through
// the admin API; nil when the API does not answer.
func suppressedList(t *testing.T, admin string) map[string]int {
	t.Helper()
	out := map[string]int{}
	after := ""
	for {
		req, _ := http.NewRequest("GET", "http://"+admin+"/v1/suppressions?tenant=acme&limit=10000&after="+url.QueryEscape(after), nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Logf("admin API: %v (asked again)", err)
			return nil // the caller polls again
		}
		var page struct {
			Entries []struct{ Recipient string }
			Next    string
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			out[e.Recipient]++
		}
		if page.Next == "" {
			return out
		}
		after = page.Next
	}
}

// TestComplaintReachesWebhook: an ARF complaint to the feedback-loop
// domain becomes a Feedback record, POSTed signed to a webhook, and
// counted in /metrics.
func TestComplaintReachesWebhook(t *testing.T) {
	hook, hookURL := startHookSink(t)
	dir := t.TempDir()
	inAddr := freeAddr(t)
	cfg := fmt.Sprintf("[inbound]\nlisten = %q\ndomains = [\"fbl.esp.test\"]\nverp_keys = [\"3:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\"]\n"+
		"[[webhook]]\nurl = %q\nsecret = \"e2e-secret\"\nevents = [\"Feedback\"]\nbatch_wait = \"50ms\"\n"+
		"[[tenant]]\nname = \"acme\"\nreturn_path = \"b@bounce.acme.test\"\n", inAddr, hookURL)
	d := startDaemon(t, dir, freeAddr(t), cfg)
	defer d.stop(t)
	signer, _ := verp.NewSigner([]verp.Key{{ID: 3, Secret: []byte("0123456789abcdef0123456789abcdef")}})
	id := message.NewID(time.Now())
	rp := signer.Address("b", "bounce.acme.test", verp.Token{ID: id, Tenant: "acme", Addr: "angry@x.example"})
	arf := "From: fbl@isp.test\r\nSubject: complaint\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"P\"\r\n\r\n" +
		"--P\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nVersion: 1\r\n" +
		"Original-Mail-From: <" + rp + ">\r\nOriginal-Rcpt-To: <angry@x.example>\r\n\r\n--P--\r\n"
	c, err := smtp.Dial(inAddr)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("", []string{"fbl@fbl.esp.test"}, strings.NewReader(arf)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		hook.mu.Lock()
		got := hook.msgs[id.String()]
		hook.mu.Unlock()
		if len(got) == 1 && got[0] == "Feedback" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the webhook got %v for the message, want one Feedback", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get("http://" + adminAddr(t, dir) + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(data), `wasmta_feedback_total{category="",kind="abuse",tenant="acme",type="Feedback"} 1`) {
		t.Errorf("/metrics lacks the complaint:\n%s", grepLines(string(data), "wasmta_feedback"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
