package admin_test

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/teststack"
	"github.com/wasmta/wasmta/internal/testwasm"
	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/events"
)

// TestPolicyEndpoints: push, rollback and list answer with the versions
// the registry holds, refuse bad input with the documented codes, and
// write a PolicyChange record for each change.
func TestPolicyEndpoints(t *testing.T) {
	s := startStack(t, teststack.Config("127.0.0.1:1"), nil)
	routeA, err := os.ReadFile("../../testdata/wat/routea.wasm")
	if err != nil {
		t.Fatal(err)
	}
	routeB, err := os.ReadFile("../../testdata/wat/routeb.wasm")
	if err != nil {
		t.Fatal(err)
	}
	var v admin.PolicyVersion
	if code := s.call(t, "PUT", "/v1/tenants/acme/policy", routeA, &v); code != 200 || v.Version != 1 || v.Tenant != "acme" {
		t.Fatalf("push = %d %+v", code, v)
	}
	bad := []struct {
		method, path string
		body         any
		want         int
	}{
		{"PUT", "/v1/tenants/acme/policy", []byte("not wasm"), http.StatusUnprocessableEntity},
		{"PUT", "/v1/tenants/nobody/policy", routeA, http.StatusNotFound},
		{"PUT", "/v1/tenants/acme/policy", []byte{}, http.StatusBadRequest},
		{"POST", "/v1/tenants/beta/policy/rollback", nil, http.StatusConflict},
		{"POST", "/v1/tenants/nobody/policy/rollback", nil, http.StatusNotFound},
	}
	for _, tt := range bad {
		if got := s.call(t, tt.method, tt.path, tt.body, nil); got != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, got, tt.want)
		}
	}
	if code := s.call(t, "PUT", "/v1/tenants/acme/policy", routeB, &v); code != 200 || v.Version != 2 {
		t.Fatalf("second push = %d %+v", code, v)
	}
	if code := s.call(t, "PUT", "/v1/tenants/*/policy", routeB, &v); code != 200 || v.Tenant != "*" {
		t.Fatalf("global push = %d %+v", code, v)
	}
	var rb admin.PolicyVersion
	if code := s.call(t, "POST", "/v1/tenants/acme/policy/rollback", nil, &rb); code != 200 || rb.Version != 3 {
		t.Fatalf("rollback = %d %+v", code, rb)
	}
	var list []admin.PolicyInfo
	s.call(t, "GET", "/v1/policies", nil, &list)
	if len(list) != 2 || list[0].Tenant != "*" || list[1].Tenant != "acme" || list[1].Version != 3 || list[1].Previous != 2 {
		t.Fatalf("list %+v", list)
	}
	teststack.WaitFor(t, 2*time.Second, "PolicyChange records", func() bool { return s.Rec.Count(events.PolicyChange) == 4 })
	pc := s.Rec.All(events.PolicyChange)
	if pc[0].Tenant != "acme" || pc[0].PolicyVersion == "" || !strings.HasPrefix(pc[0].Reason, "push") ||
		pc[2].Tenant != "" || !strings.HasPrefix(pc[3].Reason, "rollback") {
		t.Fatalf("PolicyChange records %+v", pc)
	}
}

// TestListAnswersDuringLongPush: GET /v1/policies answers while a push of
// the 10,000-loop module of issue 12 compiles (seconds): the registry
// holds no lock its readers take while it compiles.
func TestListAnswersDuringLongPush(t *testing.T) {
	s := startStack(t, teststack.Config("127.0.0.1:1"), nil)
	pushed := make(chan struct{})
	answered := make(chan int, 1) // GETs answered while the push ran
	go func() {
		n := 0
		defer func() { answered <- n }()
		client := http.Client{Timeout: 10 * time.Second}
		for {
			req, _ := http.NewRequest("GET", s.api+"/v1/policies", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				t.Errorf("GET /v1/policies during the push: %v", err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET /v1/policies during the push: %s", resp.Status)
				return
			}
			select {
			case <-pushed: // answered after the push: not counted
				return
			case <-time.After(20 * time.Millisecond):
				n++
			}
		}
	}()
	var v admin.PolicyVersion
	code := s.call(t, "PUT", "/v1/tenants/acme/policy", testwasm.Loops(10000), &v)
	close(pushed)
	if code != http.StatusOK || v.Version != 1 {
		t.Errorf("push = %d %+v", code, v)
	}
	if n := <-answered; n == 0 {
		t.Error("no GET /v1/policies answered while the module compiled")
	}
}
