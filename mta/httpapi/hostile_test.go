package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/events"
)

// Issue 12 against the HTTP API: templating amplification, memory in
// flight, a looping raw message.

func TestRenderedSizeOfARequestBounded(t *testing.T) {
	h := start(t, harnessOpts{maxReq: 20 << 20})
	zeros := make([]any, 1000)
	for i := range zeros {
		zeros[i] = 0
	}
	// ~2 KB of JSON: 40 recipients, each personalised, each rendering a
	// 10 MB text (1000 x 1000 x 10 bytes) — 400 MB if nothing stopped it.
	var rcpts []obj
	for i := range 40 {
		rcpts = append(rcpts, obj{"address": fmt.Sprintf("r%d@example.org", i), "substitutions": obj{"n": i}})
	}
	req := simple(obj{"recipients": rcpts, "substitutions": obj{"a": zeros}})
	req["content"].(obj)["text"] = "{{.n}}{{range .a}}{{range $.a}}0123456789{{end}}{{end}}"
	start := time.Now()
	code, _, body := h.post(tokenAcme, req)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "limit of one request") {
		t.Fatalf("amplifying request: %d %s, want 413", code, body)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("refusal took %v", took)
	}
	if n := len(h.recs.All(events.Reception)); n != 0 {
		t.Errorf("%d messages spooled", n)
	}
}

func TestDataInFlightBudgetHTTP(t *testing.T) {
	h := start(t, harnessOpts{inFlight: 1 << 20})
	big := strings.Repeat(strings.Repeat("y", 99)+"\n", 7000) // 700 KB
	code, hdr, body := h.post(tokenAcme, simple(obj{"content": obj{"from": "shop@sender.example", "subject": "s", "text": big}}))
	if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
		t.Fatalf("request past the in-flight budget: %d %s, want 503 with Retry-After", code, body)
	}
	h.accept(simple(nil)) // the budget was given back
	if got := h.recs.All(events.Rejection); len(got) != 1 || got[0].Reason != "memory" {
		t.Errorf("Rejection records %+v, want one with reason memory", got)
	}
}

func TestLoopingRawRefused(t *testing.T) {
	h := start(t, harnessOpts{maxHops: 5})
	raw := func(n int) string {
		return strings.Repeat("Received: from a by b; Sat, 5 Dec 2026 10:00:00 +0000\r\n", n) +
			"From: shop@sender.example\r\nSubject: loop\r\n\r\nbody\r\n"
	}
	req := simple(nil)
	delete(req, "content")
	req["raw"] = raw(5)
	h.accept(req)
	req["raw"] = raw(6)
	code, _, body := h.post(tokenAcme, req)
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "5.4.6") {
		t.Fatalf("looping raw message: %d %s, want 422 naming 5.4.6", code, body)
	}
	if got := h.recs.All(events.Rejection); len(got) != 1 || got[0].Reason != "loop" {
		t.Errorf("Rejection records %+v, want one with reason loop", got)
	}
}
