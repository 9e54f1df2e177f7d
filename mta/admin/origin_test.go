package admin

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/internal/teststack"
	"github.com/wasmta/wasmta/mta/events"
)

// tokenlessStack is the default deployment the attack targets: admin API
// on loopback, no token; one message deferred to slow.test, retried in an
// hour.
func tokenlessStack(t *testing.T, extraAdmin string) *stack {
	t.Helper()
	sink := testsink.Start(t, testsink.Options{Respond: teststack.Replies})
	cfg := strings.Replace(stackConfig(sink.Addr()), fmt.Sprintf("token = %q\n", token), extraAdmin, 1)
	s := startStack(t, cfg+"[queue]\nretry_initial = \"1h\"\n", nil)
	send(t, s.smtp, "acme", "app@sender.test", []string{"slow1@slow.test"}, "queued")
	s.rec.WaitFor(t, events.TransientFailure, 1, 10*time.Second)
	return s
}

// raw sends a request with exactly the headers given ("Host" sets the
// Host header) and returns the status and body.
func (s *stack) raw(t *testing.T, method, path, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.api+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// TestCrossSiteRefused replays the attack of issue 12 against a tokenless
// loopback listener: a page's POST (text/plain, foreign Origin, rebound
// Host) must neither bounce the queue nor add a suspension, each check
// must hold on its own, and same-origin requests must still work.
func TestCrossSiteRefused(t *testing.T) {
	s := tokenlessStack(t, "")
	self := strings.TrimPrefix(s.api, "http://")
	port := self[strings.LastIndexByte(self, ':')+1:]
	bounce := `{"domain": "slow.test", "reason": "pwned"}`
	suspend := `{"kind": "suspend", "select": {"domain": "slow.test"}, "for": "1h", "reason": "pwned"}`
	attacks := []struct {
		name, path, body string
		hdr              map[string]string
		want             int
	}{
		{"the reported attack", "/v1/bounce", bounce, map[string]string{"Content-Type": "text/plain",
			"Origin": "http://evil.example", "Host": "evil.example:" + port}, http.StatusMisdirectedRequest},
		{"suspension, reported attack", "/v1/actions", suspend, map[string]string{"Content-Type": "text/plain",
			"Origin": "http://evil.example", "Host": "evil.example:" + port}, http.StatusMisdirectedRequest},
		{"rebound Host alone", "/v1/bounce", bounce, map[string]string{"Content-Type": mediaJSON,
			"Host": "evil.example:" + port}, http.StatusMisdirectedRequest},
		{"foreign Origin alone", "/v1/bounce", bounce, map[string]string{"Content-Type": mediaJSON,
			"Origin": "http://evil.example"}, http.StatusForbidden},
		{"Origin on another port", "/v1/bounce", bounce, map[string]string{"Content-Type": mediaJSON,
			"Origin": "http://127.0.0.1:1"}, http.StatusForbidden},
		{"Origin null", "/v1/actions", suspend, map[string]string{"Content-Type": mediaJSON,
			"Origin": "null"}, http.StatusForbidden},
		{"Sec-Fetch-Site cross-site", "/v1/bounce", bounce, map[string]string{"Content-Type": mediaJSON,
			"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"Sec-Fetch-Site same-site", "/v1/actions", suspend, map[string]string{"Content-Type": mediaJSON,
			"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"text/plain alone", "/v1/bounce", bounce, map[string]string{"Content-Type": "text/plain"},
			http.StatusUnsupportedMediaType},
		{"form alone", "/v1/actions", suspend, map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			http.StatusUnsupportedMediaType},
		{"no Content-Type", "/v1/bounce", bounce, nil, http.StatusUnsupportedMediaType},
		{"empty text/plain rollback", "/v1/tenants/*/policy/rollback", "", map[string]string{"Content-Type": "text/plain"},
			http.StatusUnsupportedMediaType},
		{"cross-site read of metrics", "/metrics", "", map[string]string{"Host": "evil.example:" + port}, http.StatusMisdirectedRequest},
	}
	for _, tt := range attacks {
		method := "POST"
		if tt.path == "/metrics" {
			method = "GET"
		}
		if code, body := s.raw(t, method, tt.path, tt.body, tt.hdr); code != tt.want {
			t.Errorf("%s: %s %s = %d %s, want %d", tt.name, method, tt.path, code, body, tt.want)
		}
	}
	if n := s.rec.Count(events.AdminBounce); n != 0 {
		t.Fatalf("%d AdminBounce records after refused requests", n)
	}
	if acts := s.eng.Shaping().List(); len(acts) != 0 {
		t.Fatalf("actions added by refused requests: %+v", acts)
	}
	var sum QueueSummary
	if code := s.call(t, "GET", "/v1/queues", nil, false, &sum); code != 200 || sum.Scheduled != 1 {
		t.Fatalf("queue after the attacks: %d, %d scheduled, want 200 and 1", code, sum.Scheduled)
	}

	// Same origin (a dashboard on this listener), localhost, and tools
	// without Origin (the CLI) still act.
	legit := []map[string]string{
		{"Content-Type": mediaJSON, "Origin": s.api, "Sec-Fetch-Site": "same-origin"},
		{"Content-Type": "application/json; charset=utf-8", "Host": "localhost:" + port, "Origin": "http://localhost:" + port},
		{"Content-Type": mediaJSON, "Sec-Fetch-Site": "none"},
	}
	for i, hdr := range legit {
		if code, body := s.raw(t, "POST", "/v1/actions", suspend, hdr); code != http.StatusOK {
			t.Errorf("legitimate request %d (%v) = %d %s", i, hdr, code, body)
		}
	}
	if code, body := s.raw(t, "POST", "/v1/bounce", bounce, map[string]string{"Content-Type": mediaJSON}); code != 200 {
		t.Fatalf("CLI-like bounce = %d %s", code, body)
	}
	s.rec.WaitFor(t, events.AdminBounce, 1, 5*time.Second)
}

// TestAllowedHosts: a name in admin.allowed_hosts is served, in any case
// and with a final dot; probes answer whatever the Host.
func TestAllowedHosts(t *testing.T) {
	s := tokenlessStack(t, "allowed_hosts = [\"mta1.internal.example\"]\n")
	u, _ := url.Parse(s.api)
	tests := []struct {
		path, host string
		want       int
	}{
		{"/v1/queues", "mta1.internal.example:" + u.Port(), http.StatusOK},
		{"/v1/queues", "MTA1.Internal.Example.", http.StatusOK},
		{"/v1/queues", "localhost", http.StatusOK},
		{"/v1/queues", "127.0.0.2:" + u.Port(), http.StatusMisdirectedRequest},
		{"/v1/queues", "mta2.internal.example", http.StatusMisdirectedRequest},
		{"/healthz", "lb-probe.example", http.StatusOK},
		{"/readyz", "lb-probe.example", http.StatusOK},
	}
	for _, tt := range tests {
		hdr := map[string]string{"Host": tt.host}
		if code, body := s.raw(t, "GET", tt.path, "", hdr); code != tt.want {
			t.Errorf("GET %s Host %q = %d %s, want %d", tt.path, tt.host, code, body, tt.want)
		}
	}
}

// TestBearerSchemeCaseInsensitive: RFC 7235 2.1 makes the auth scheme
// name case-insensitive; the token itself is compared exactly.
func TestBearerSchemeCaseInsensitive(t *testing.T) {
	s := startStack(t, stackConfig("127.0.0.1:1"), nil)
	tests := []struct {
		auth string
		want int
	}{
		{"Bearer " + token, http.StatusOK},
		{"bearer " + token, http.StatusOK},
		{"BEARER  " + token, http.StatusOK},
		{"Bearer " + strings.ToUpper(token), http.StatusUnauthorized},
		{"Basic " + token, http.StatusUnauthorized},
		{"Bearer", http.StatusUnauthorized},
		{token, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		if code, _ := s.raw(t, "GET", "/v1/queues", "", map[string]string{"Authorization": tt.auth}); code != tt.want {
			t.Errorf("Authorization %q = %d, want %d", tt.auth, code, tt.want)
		}
	}
}
