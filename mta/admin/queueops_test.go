package admin

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
)

// twoPools adds sources sa and sb and pools default (sa) and b (sb).
const twoPools = `
[[source]]
name = "sa"
[[source]]
name = "sb"
[[pool]]
name = "default"
sources = [{ name = "sa" }]
[[pool]]
name = "b"
sources = [{ name = "sb" }]
`

// TestRebind: deferred mail of a tenant, rebound to pool b, makes its
// next attempt through b's source; bad requests are refused.
func TestRebind(t *testing.T) {
	var mu sync.Mutex
	tries := map[string]int{}
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, arg string, _ int) *smtp.SMTPError {
		if stage != testsink.StageRcpt {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if tries[arg]++; tries[arg] == 1 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
		}
		return nil
	}})
	s := startStack(t, stackConfig(sink.Addr())+twoPools+"[queue]\nretry_initial = \"1s\"\nretry_jitter = 0.0\n", nil)
	send(t, s.smtp, "acme", "app@sender.test", []string{"r1@one.test", "r2@two.test"}, "rebind me")
	send(t, s.smtp, "beta", "app@sender.test", []string{"r3@one.test"}, "stay")
	s.rec.WaitFor(t, events.TransientFailure, 3, 5*time.Second)
	bad := []struct {
		body any
		want int
	}{
		{RebindRequest{Selector: message.Selector{Tenant: "acme"}}, http.StatusBadRequest},
		{RebindRequest{Selector: message.Selector{Tenant: "acme"}, Pool: "nope"}, http.StatusNotFound},
		{RebindRequest{Pool: "b"}, http.StatusBadRequest},
		{RebindRequest{Selector: message.Selector{Tenant: "nobody"}, Pool: "b"}, http.StatusNotFound},
	}
	for _, tt := range bad {
		if got := s.call(t, "POST", "/v1/rebind", tt.body, true, nil); got != tt.want {
			t.Errorf("POST /v1/rebind %+v = %d, want %d", tt.body, got, tt.want)
		}
	}
	var res Affected
	if code := s.call(t, "POST", "/v1/rebind", RebindRequest{Selector: message.Selector{Tenant: "acme"}, Pool: "b"}, true, &res); code != 200 {
		t.Fatalf("rebind = %d", code)
	}
	if res.Messages != 1 || res.Recipients != 2 {
		t.Fatalf("rebind %+v, want 1 message, 2 recipients", res)
	}
	var info MessageInfo
	s.call(t, "GET", "/v1/messages/"+s.rec.All(events.Reception)[0].ID, nil, true, &info)
	if info.Recipients[0].Pool != "b" || info.Recipients[1].Pool != "b" {
		t.Errorf("inspect after rebind: %+v", info.Recipients)
	}
	s.rec.WaitFor(t, events.Delivery, 3, 10*time.Second)
	for _, d := range s.rec.All(events.Delivery) {
		want := map[string]string{"acme": "b/sb", "beta": "default/sa"}[d.Tenant]
		if d.Pool+"/"+d.Source != want {
			t.Errorf("%s delivered through %s/%s, want %s", d.Recipient, d.Pool, d.Source, want)
		}
	}
}

// TestBounceTakesReadyQueues: jobs waiting in a ready queue behind a busy
// connection are bounced too; the one on the connection is delivered.
func TestBounceTakesReadyQueues(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{Delay: map[string]time.Duration{testsink.StageData: 500 * time.Millisecond}})
	s := startStack(t, stackConfig(sink.Addr())+"[delivery]\nmax_connections_per_path = 1\n", nil)
	for i := 0; i < 4; i++ {
		send(t, s.smtp, "acme", "app@sender.test", []string{"r@fast.test"}, "queued behind")
	}
	var sum QueueSummary
	s.call(t, "GET", "/v1/queues?by=site", nil, true, &sum)
	if sum.Ready < 2 {
		t.Fatalf("summary %+v: want jobs waiting in the ready queue", sum)
	}
	var res Affected
	s.call(t, "POST", "/v1/bounce", BounceRequest{Selector: message.Selector{Tenant: "acme"}}, true, &res)
	if res.Recipients < 2 {
		t.Fatalf("bounced %+v, want the waiting jobs", res)
	}
	waitFor(t, 10*time.Second, "every message final", func() bool {
		return s.rec.Count(events.Delivery)+s.rec.Count(events.AdminBounce) == 4
	})
	if got := sink.Count(); got != 4-res.Recipients {
		t.Fatalf("sink got %d messages, want %d (4 minus the %d bounced)", got, 4-res.Recipients, res.Recipients)
	}
	if ab := s.rec.All(events.AdminBounce)[0]; !strings.Contains(ab.Reason, "administrator") {
		t.Errorf("default reason %q", ab.Reason)
	}
}

func TestReadiness(t *testing.T) {
	s := startStack(t, stackConfig("127.0.0.1:1"), nil)
	if got := s.call(t, "GET", "/readyz", nil, false, nil); got != http.StatusOK {
		t.Fatalf("readyz = %d", got)
	}
	s.eng.Close()
	if got := s.call(t, "GET", "/readyz", nil, false, nil); got != http.StatusServiceUnavailable {
		t.Fatalf("readyz after Close = %d, want 503", got)
	}
	if got := s.call(t, "GET", "/healthz", nil, false, nil); got != http.StatusOK {
		t.Fatalf("healthz after Close = %d, want 200 (the process is alive)", got)
	}
}

// TestQueueCommandsWaitForRebuild: while the start's rebuild runs (the
// listeners already accept mail), the commands over the queues answer 503
// instead of acting on the messages rebuilt so far; reads go on.
func TestQueueCommandsWaitForRebuild(t *testing.T) {
	s := queuedStack(t)
	var rebuilding atomic.Bool
	rebuilding.Store(true)
	hook := rebuilding.Load
	s.srv.rebuildingHook.Store(&hook)
	commands := []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/bounce", BounceRequest{Selector: message.Selector{Tenant: "beta"}, Reason: "test"}},
		{"POST", "/v1/rebind", RebindRequest{Selector: message.Selector{Tenant: "beta"}, Pool: "default"}},
		{"POST", "/v1/flush", message.Selector{Tenant: "beta"}},
		{"DELETE", "/v1/messages/" + strings.Repeat("A", 26), nil},
		{"POST", "/v1/xfer", map[string]any{"to": "b"}},
	}
	for _, c := range commands {
		if got := s.call(t, c.method, c.path, c.body, true, nil); got != http.StatusServiceUnavailable {
			t.Errorf("%s %s while rebuilding = %d, want 503", c.method, c.path, got)
		}
	}
	var sum QueueSummary
	if got := s.call(t, "GET", "/v1/queues", nil, true, &sum); got != http.StatusOK || sum.Scheduled != 6 {
		t.Errorf("GET /v1/queues while rebuilding = %d, %d scheduled; want 200 and 6", got, sum.Scheduled)
	}
	rebuilding.Store(false)
	var aff Affected
	if got := s.call(t, "POST", "/v1/bounce", BounceRequest{Selector: message.Selector{Tenant: "beta"}, Reason: "test"}, true, &aff); got != http.StatusOK {
		t.Fatalf("POST /v1/bounce after the rebuild = %d, want 200", got)
	}
	if aff.Recipients != 3 {
		t.Errorf("bounce after the rebuild: %+v, want beta's 3 recipients", aff)
	}
}
