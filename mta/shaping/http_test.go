package shaping

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHTTPThroughTheClient(t *testing.T) {
	r, w := newRegistry(t, nil)
	srv := httptest.NewServer(Handler(r))
	defer srv.Close()
	c := &Client{Base: srv.URL}
	ctx := context.Background()

	res, err := c.Add(ctx, Request{Kind: Suspend, Select: Selector{Source: "ip1", Site: "mx.test"},
		For: Duration(time.Hour), Reason: "complaints"})
	if err != nil || !res.Added || res.Action.Origin != OriginAdmin {
		t.Fatalf("Add = %+v, %v", res, err)
	}
	again, err := c.Add(ctx, Request{Kind: Suspend, Select: Selector{Source: "ip1", Site: "mx.test"},
		For: Duration(time.Hour), Reason: "again"})
	if err != nil || again.Added || again.Action.ID != res.Action.ID {
		t.Fatalf("second Add = %+v, %v", again, err)
	}
	shape, err := c.Add(ctx, Request{Kind: Shape, Select: Selector{Provider: "gmail"},
		Shape: &Override{MessagesPerSecond: 5, MaxConnections: 2}, For: Duration(time.Minute), Reason: "warm-up"})
	if err != nil || !shape.Added {
		t.Fatalf("shape Add = %+v, %v", shape, err)
	}
	l, err := c.List(ctx)
	if err != nil || len(l) != 2 {
		t.Fatalf("List = %+v, %v", l, err)
	}
	gone, err := c.Resume(ctx, ResumeRequest{Select: Selector{Site: "mx.test"}, Reason: "fixed"})
	if err != nil || len(gone) != 1 || gone[0].ID != res.Action.ID {
		t.Fatalf("Resume = %+v, %v", gone, err)
	}
	if _, err := c.Cancel(ctx, shape.Action.ID, "done"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Cancel(ctx, shape.Action.ID, ""); err == nil || !strings.Contains(err.Error(), "no such active action") {
		t.Fatalf("second Cancel: %v", err)
	}
	recs := w.records()
	last := recs[len(recs)-1]
	if last.Reason != "cancelled by admin: done" || last.Meta["event"] != "cancelled" {
		t.Fatalf("last record = %+v", last)
	}
}

func TestHTTPRefusals(t *testing.T) {
	r, _ := newRegistry(t, nil)
	srv := httptest.NewServer(Handler(r))
	defer srv.Close()
	cases := []struct {
		method, path, body string
		code               int
	}{
		{"POST", "/v1/actions", `{"kind":"suspend","select":{"site":"x"},"reason":"r"}`, 400},              // no duration
		{"POST", "/v1/actions", `{"kind":"suspend","select":{},"for":"1h","reason":"r"}`, 400},             // selects nothing
		{"POST", "/v1/actions", `{"kind":"suspend","select":{"site":"x"},"for":"1h"}`, 400},                // no reason
		{"POST", "/v1/actions", `{"kind":"pause","select":{"site":"x"},"for":"1h","reason":"r"}`, 400},     // bad kind
		{"POST", "/v1/actions", `{"kind":"suspend","select":{"colour":"x"},"for":"1h","reason":"r"}`, 400}, // unknown key
		{"POST", "/v1/actions", `not json`, 400},
		{"POST", "/v1/resume", `{"select":{}}`, 400},
		{"GET", "/v1/actions/nope", ``, 404},
		{"DELETE", "/v1/actions/nope", ``, 404},
		{"PUT", "/v1/actions", ``, 405},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.code {
			t.Errorf("%s %s %s: %d, want %d", c.method, c.path, c.body, resp.StatusCode, c.code)
		}
	}
}
