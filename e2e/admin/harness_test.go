package admin_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/internal/teststack"
	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/policy"
)

const token = teststack.Token

type stack struct {
	*teststack.Stack
	api string // http://127.0.0.1:port
}

// startStack runs the stack with a wasm registry for every tenant; native,
// when set, is the policy of tenant "ctl" (for faults and traffic actions
// a test provokes).
func startStack(t testing.TB, toml string, native policy.Policy) *stack {
	t.Helper()
	return startStackIn(t, toml, native, "")
}

// startStackIn is startStack on a spool_dir the test prepared ("" = a
// fresh one).
func startStackIn(t testing.TB, toml string, native policy.Policy, spoolDir string) *stack {
	t.Helper()
	ctx := context.Background()
	host, err := hostabi.New(ctx, hostabi.Config{CallTimeout: 50 * time.Millisecond, MemoryLimitPages: 16, Instances: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close(ctx) })
	reg := hostabi.NewRegistry(host, nil)
	t.Cleanup(reg.Close)
	var r policy.Registry = reg
	if native != nil {
		r = nativeFor{"ctl", native, reg}
	}
	s := &stack{Stack: teststack.Start(t, toml, teststack.Options{Registry: r, SpoolDir: spoolDir})}
	srv := admin.New(admin.Options{Engine: s.Eng, Policies: reg, Token: s.Cfg.Admin.Token,
		AllowedHosts: s.Cfg.Admin.AllowedHosts, Metrics: s.Metrics.Handler(), Webhooks: s.Out})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(ctx) })
	s.api = "http://" + ln.Addr().String()
	return s
}

// call makes an API request with the token and decodes a JSON answer into
// out when it is not nil.
func (s *stack) call(t testing.TB, method, path string, body, out any) int {
	t.Helper()
	return teststack.Call(t, s.api, token, method, path, body, out)
}

// nativeFor gives one tenant a native Go policy and the others the
// registry's modules.
type nativeFor struct {
	tenant string
	p      policy.Policy
	rest   policy.Registry
}

func (n nativeFor) For(tenant string) policy.Policy {
	if tenant == n.tenant {
		return n.p
	}
	return n.rest.For(tenant)
}
