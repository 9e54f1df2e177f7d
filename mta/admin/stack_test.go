package admin

import (
	"context"
	"net"
	"testing"

	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/internal/teststack"
	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/webhook"
)

// The stack is wired as cmd/wasmta serve wires it (internal/teststack),
// with the built-in policy or a native Go one: the admin API with
// WebAssembly policies (push, rollback, their metrics and records) is
// tested in e2e/admin, so that mta/ never builds a wasm host.

const token = teststack.Token

var (
	stackConfig = teststack.Config
	send        = teststack.Send
	waitFor     = teststack.WaitFor
)

type stack struct {
	srv  *Server
	eng  *engine.Engine
	rec  *testrec.Recorder
	out  *webhook.Outbox
	api  string // http://127.0.0.1:port
	smtp string
}

// startStack runs the whole stack; native, when set, is the policy of
// tenant "ctl" (for faults and traffic actions a test provokes).
func startStack(t testing.TB, toml string, native policy.Policy) *stack {
	t.Helper()
	o := teststack.Options{}
	if native != nil {
		o.Registry = nativeFor{"ctl", native}
	}
	return startStackWith(t, toml, o)
}

func startStackWith(t testing.TB, toml string, o teststack.Options) *stack {
	t.Helper()
	ts := teststack.Start(t, toml, o)
	srv := New(Options{Engine: ts.Eng, Token: ts.Cfg.Admin.Token, AllowedHosts: ts.Cfg.Admin.AllowedHosts,
		Metrics: ts.Metrics.Handler(), Webhooks: ts.Out})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return &stack{srv: srv, eng: ts.Eng, rec: ts.Rec, out: ts.Out, api: "http://" + ln.Addr().String(), smtp: ts.SMTP}
}

// nativeFor gives one tenant a native Go policy and the others the
// built-in one.
type nativeFor struct {
	tenant string
	p      policy.Policy
}

func (n nativeFor) For(tenant string) policy.Policy {
	if tenant == n.tenant {
		return n.p
	}
	return nil
}

// call makes an API request with the token (auth false: without) and
// decodes a JSON answer into out when it is not nil.
func (s *stack) call(t testing.TB, method, path string, body any, auth bool, out any) int {
	t.Helper()
	tok := ""
	if auth {
		tok = token
	}
	return teststack.Call(t, s.api, tok, method, path, body, out)
}
