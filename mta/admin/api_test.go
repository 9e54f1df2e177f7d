package admin

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/internal/teststack"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/shaping"
)

// queuedStack is a stack holding deferred mail: acme has 3 messages to
// slow.test and 1 to slow.example, beta 2 to slow.test; retries are an
// hour away.
func queuedStack(t *testing.T) *stack {
	t.Helper()
	sink := testsink.Start(t, testsink.Options{Respond: teststack.Replies})
	s := startStack(t, stackConfig(sink.Addr())+"[queue]\nretry_initial = \"1h\"\n", nil)
	for i := 0; i < 3; i++ {
		send(t, s.smtp, "acme", "app@sender.test", []string{"slow1@slow.test"}, "acme slow")
	}
	send(t, s.smtp, "acme", "app@sender.test", []string{"slow2@slow.example"}, "acme slow example")
	send(t, s.smtp, "beta", "app@sender.test", []string{"slow1@slow.test", "slow2@slow.test"}, "beta slow")
	send(t, s.smtp, "beta", "app@sender.test", []string{"slow3@slow.test"}, "beta slow")
	s.rec.WaitFor(t, events.TransientFailure, 7, 10*time.Second)
	waitFor(t, 5*time.Second, "deferred items back in the scheduled queues", func() bool {
		var sum QueueSummary
		s.call(t, "GET", "/v1/queues", nil, true, &sum)
		return sum.Scheduled == 6
	})
	return s
}

func TestAuth(t *testing.T) {
	s := startStack(t, stackConfig("127.0.0.1:1"), nil)
	tests := []struct {
		path string
		auth bool
		want int
	}{
		{"/v1/queues", false, http.StatusUnauthorized},
		{"/v1/queues", true, http.StatusOK},
		{"/v1/policies", false, http.StatusUnauthorized},
		{"/metrics", false, http.StatusUnauthorized},
		{"/metrics", true, http.StatusOK},
		{"/v1/webhooks", true, http.StatusOK},
		{"/healthz", false, http.StatusOK},
		{"/readyz", false, http.StatusOK},
	}
	for _, tt := range tests {
		if got := s.call(t, "GET", tt.path, nil, tt.auth, nil); got != tt.want {
			t.Errorf("GET %s (token %v) = %d, want %d", tt.path, tt.auth, got, tt.want)
		}
	}
	req, _ := http.NewRequest("GET", s.api+"/v1/queues", nil)
	req.Header.Set("Authorization", "Bearer "+token+"x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("wrong token: %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

// rowsOf maps the rows with scheduled items to their count (paths with
// an idle connection and nothing queued are left out).
func rowsOf(sum QueueSummary) map[string]int {
	out := map[string]int{}
	for _, r := range sum.Rows {
		if r.Scheduled > 0 {
			out[r.Key] = r.Scheduled
		}
	}
	return out
}

func TestQueueSummary(t *testing.T) {
	s := queuedStack(t)
	tests := []struct {
		query string
		want  map[string]int
	}{
		{"", map[string]int{"acme": 4, "beta": 2}},
		{"?by=tenant", map[string]int{"acme": 4, "beta": 2}},
		{"?by=domain", map[string]int{"slow.test": 5, "slow.example": 1}},
		{"?by=domain&tenant=beta", map[string]int{"slow.test": 2}},
		{"?by=campaign", map[string]int{"": 6}},
		{"?by=tenant&domain=SLOW.example", map[string]int{"acme": 1}},
		{"?by=source", map[string]int{"": 6}},
	}
	for _, tt := range tests {
		var sum QueueSummary
		if code := s.call(t, "GET", "/v1/queues"+tt.query, nil, true, &sum); code != 200 {
			t.Fatalf("GET /v1/queues%s = %d", tt.query, code)
		}
		if got := rowsOf(sum); !mapsEqual(got, tt.want) {
			t.Errorf("GET /v1/queues%s rows %v, want %v", tt.query, got, tt.want)
		}
	}
	var sites QueueSummary
	s.call(t, "GET", "/v1/queues?by=site", nil, true, &sites)
	if len(sites.Rows) != 1 || !strings.HasPrefix(sites.Rows[0].Key, "route:127.0.0.1:") || sites.Rows[0].Scheduled != 6 {
		t.Errorf("by=site rows %+v, want the one route site holding 6", sites.Rows)
	}
	bad := []struct {
		query string
		want  int
	}{
		{"?by=colour", http.StatusBadRequest},
		{"?tenant=nobody", http.StatusNotFound},
		{"?domain=not%20a%20domain", http.StatusBadRequest},
		{"?tenants=acme", http.StatusBadRequest},
	}
	for _, tt := range bad {
		if got := s.call(t, "GET", "/v1/queues"+tt.query, nil, true, nil); got != tt.want {
			t.Errorf("GET /v1/queues%s = %d, want %d", tt.query, got, tt.want)
		}
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestInspect(t *testing.T) {
	s := queuedStack(t)
	var id string
	for _, r := range s.rec.All(events.Reception) {
		if r.Tenant == "beta" && r.Recipients == 2 {
			id = r.ID
		}
	}
	var info MessageInfo
	if code := s.call(t, "GET", "/v1/messages/"+id, nil, true, &info); code != 200 {
		t.Fatalf("GET /v1/messages/%s = %d", id, code)
	}
	if info.ID != id || info.Tenant != "beta" || info.Sender != "app@sender.test" || len(info.Recipients) != 2 {
		t.Fatalf("envelope %+v", info)
	}
	if !slices.Contains(info.Headers, Header{Name: "Subject", Value: "beta slow"}) ||
		!slices.Contains(info.Headers, Header{Name: "X-Folded", Value: "one two"}) {
		t.Errorf("headers %+v lack Subject or the unfolded X-Folded", info.Headers)
	}
	r := info.Recipients[1]
	if r.Address != "slow2@slow.test" || r.Status != "deferred" || r.Attempts != 1 || r.Due == nil ||
		r.Last == nil || r.Last.Code != 451 || r.Queue != "beta@slow.test" {
		t.Errorf("recipient %+v", r)
	}
	bad := []struct {
		path string
		want int
	}{
		{"/v1/messages/xyz", http.StatusBadRequest},
		{"/v1/messages/00000000000000000000000000000000", http.StatusNotFound},
	}
	for _, tt := range bad {
		if got := s.call(t, "GET", tt.path, nil, true, nil); got != tt.want {
			t.Errorf("GET %s = %d, want %d", tt.path, got, tt.want)
		}
	}
}

func TestBounce(t *testing.T) {
	s := queuedStack(t)
	bad := []struct {
		body any
		want int
	}{
		{map[string]string{}, http.StatusBadRequest},
		{map[string]string{"tenant": "nobody"}, http.StatusNotFound},
		{map[string]string{"domain": "a b"}, http.StatusBadRequest},
		{map[string]string{"tennant": "acme"}, http.StatusBadRequest},
		{"{not json", http.StatusBadRequest},
	}
	for _, tt := range bad {
		if got := s.call(t, "POST", "/v1/bounce", tt.body, true, nil); got != tt.want {
			t.Errorf("POST /v1/bounce %v = %d, want %d", tt.body, got, tt.want)
		}
	}
	var res Affected
	if code := s.call(t, "POST", "/v1/bounce", BounceRequest{Selector: message.Selector{Domain: "slow.test"}, Reason: "cleanup"}, true, &res); code != 200 {
		t.Fatalf("bounce = %d", code)
	}
	if res.Messages != 5 || res.Recipients != 6 {
		t.Fatalf("bounced %+v, want 5 messages, 6 recipients", res)
	}
	waitFor(t, 2*time.Second, "AdminBounce records", func() bool { return s.rec.Count(events.AdminBounce) == 6 })
	ab := s.rec.All(events.AdminBounce)
	if len(ab) != 6 || ab[0].Reason != "cleanup" || ab[0].Response == nil || ab[0].Queue == "" || ab[0].ID == "" {
		t.Fatalf("AdminBounce records %+v", ab)
	}
	var sum QueueSummary
	s.call(t, "GET", "/v1/queues?by=domain", nil, true, &sum)
	if got := rowsOf(sum); !mapsEqual(got, map[string]int{"slow.example": 1}) {
		t.Fatalf("after bounce rows %v, want only slow.example", got)
	}
	if code := s.call(t, "GET", "/v1/messages/"+ab[0].ID, nil, true, nil); code != http.StatusNotFound {
		t.Fatalf("bounced message still in the spool: inspect = %d", code)
	}
}

// TestQueueSummaryReady: transactions routed onto a ready queue count under
// the tenant, campaign and domain they came from, not only under their
// path. One connection is allowed and the destination stalls at MAIL, so
// the first message sits on the connection and the others wait ready.
func TestQueueSummaryReady(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{Delay: map[string]time.Duration{testsink.StageMail: time.Minute}})
	s := startStack(t, stackConfig(sink.Addr()), nil)
	one := ActionRequest{Kind: shaping.Shape, Select: shaping.Selector{Site: "route:" + sink.Addr()},
		Shape: &shaping.Override{MaxConnections: 1}, For: shaping.Duration(time.Hour), Reason: "test: one connection"}
	if code := s.call(t, "POST", "/v1/actions", one, true, nil); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("POST /v1/actions = %d", code)
	}
	for i := 0; i < 3; i++ {
		send(t, s.smtp, "acme", "app@sender.test", []string{"a@ready.test"}, "acme ready")
	}
	send(t, s.smtp, "beta", "app@sender.test", []string{"b@ready.example"}, "beta ready")
	waitFor(t, 10*time.Second, "three transactions ready behind the stalled one", func() bool {
		var sum QueueSummary
		s.call(t, "GET", "/v1/queues", nil, true, &sum)
		return sum.Ready == 3 && sum.Connections == 1
	})
	// Which message holds the connection is the scheduler's choice: the
	// rows together hold the three ready, and every row is one of the
	// queues sent to.
	tests := []struct {
		query string
		keys  []string
	}{
		{"?by=tenant", []string{"acme", "beta"}},
		{"?by=domain", []string{"ready.test", "ready.example"}},
		{"?by=campaign", []string{""}},
	}
	for _, tt := range tests {
		var sum QueueSummary
		if code := s.call(t, "GET", "/v1/queues"+tt.query, nil, true, &sum); code != 200 {
			t.Fatalf("GET /v1/queues%s = %d", tt.query, code)
		}
		ready := 0
		for _, r := range sum.Rows {
			if !slices.Contains(tt.keys, r.Key) {
				t.Errorf("GET /v1/queues%s: row %q, want one of %q", tt.query, r.Key, tt.keys)
			}
			ready += r.Ready
		}
		if ready != 3 {
			t.Errorf("GET /v1/queues%s: rows %+v hold %d ready, want 3", tt.query, sum.Rows, ready)
		}
	}
	var byTenant QueueSummary
	s.call(t, "GET", "/v1/queues?by=tenant&tenant=acme", nil, true, &byTenant)
	if len(byTenant.Rows) != 1 || byTenant.Rows[0].Ready < 2 {
		t.Errorf("acme alone: rows %+v, want acme with 2 or 3 ready", byTenant.Rows)
	}
	var d Dashboard
	s.call(t, "GET", "/v1/dashboard", nil, true, &d)
	viewReady := 0
	for _, q := range d.Queues {
		viewReady += q.Ready
	}
	if viewReady != 3 {
		t.Errorf("dashboard queues %+v hold %d ready, want 3", d.Queues, viewReady)
	}
}
