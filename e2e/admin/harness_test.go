package admin_test

import (
	"context"
	"errors"
	"fmt"
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
	srv := admin.New(admin.Options{Engine: s.Eng, Policies: registryPolicies{reg}, Token: s.Cfg.Admin.Token,
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

// registryPolicies adapts the wasm registry to admin.Policies, as
// cmd/wasmta does.
type registryPolicies struct{ r *hostabi.Registry }

func (p registryPolicies) Push(ctx context.Context, tenant string, wasm []byte) (admin.PolicyVersion, error) {
	v, err := p.r.Push(ctx, tenant, wasm)
	if errors.Is(err, hostabi.ErrInvalidModule) {
		err = fmt.Errorf("%w: %v", admin.ErrInvalidPolicy, err)
	}
	return versionOf(v), err
}

func (p registryPolicies) Rollback(ctx context.Context, tenant string) (admin.PolicyVersion, error) {
	v, err := p.r.Rollback(ctx, tenant)
	if errors.Is(err, hostabi.ErrNoPrevious) {
		err = fmt.Errorf("%w: %v", admin.ErrNoPrevious, err)
	}
	return versionOf(v), err
}

func (p registryPolicies) List() []admin.PolicyInfo {
	var out []admin.PolicyInfo
	for _, i := range p.r.List() {
		out = append(out, admin.PolicyInfo{Tenant: globalName(i.Tenant), Version: i.Version, SHA256: i.SHA256,
			Size: i.Size, LoadedAt: i.LoadedAt, Hooks: i.Hooks, Previous: i.Previous})
	}
	return out
}

func versionOf(v hostabi.Version) admin.PolicyVersion {
	return admin.PolicyVersion{Tenant: globalName(v.Tenant), Version: v.Number, SHA256: fmt.Sprintf("%x", v.SHA256), Name: v.String()}
}

func globalName(t string) string {
	if t == "" {
		return admin.GlobalTenant
	}
	return t
}
