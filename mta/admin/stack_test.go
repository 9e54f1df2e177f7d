package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/dsn"
	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/metrics"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/webhook"
)

// The stack is wired as cmd/wasmta serve wires it: one spool; records to
// the file, the metrics, the webhook outbox and the DSN generator; the
// wasm registry behind the metrics' timing wrapper; the admin API on a
// loopback port.

const (
	token    = "0123456789abcdef-test-token"
	password = "correct horse"
	testHash = "$2a$10$ghZllWWFu3xM171/per7guHi6OoIwkaVuaxHSUmgVmC5otOkNlvoS"
)

type stack struct {
	eng  *engine.Engine
	rec  *testrec.Recorder
	out  *webhook.Outbox
	api  string // http://127.0.0.1:port
	smtp string
	reg  *hostabi.Registry
}

// stackConfig is the configuration head every stack test shares: tenants
// acme and beta (logins "acme", "beta"), the admin token, delivery to sink.
func stackConfig(sinkAddr string) string {
	return fmt.Sprintf(`hostname = "mta.test"
[admin]
token = %q
[[route]]
domain = "*"
hosts = [%q]
[[tenant]]
name = "acme"
smtp_users = [{ username = "acme", password_hash = %q }]
[[tenant]]
name = "beta"
smtp_users = [{ username = "beta", password_hash = %q }]
`, token, sinkAddr, testHash, testHash)
}

// startStack runs the whole stack; native, when set, is the policy of
// tenant "ctl" (for faults and traffic actions a test provokes).
func startStack(t testing.TB, toml string, native policy.Policy) *stack {
	t.Helper()
	return startStackWith(t, toml, stackOptions{native: native})
}

type stackOptions struct {
	native policy.Policy
	// bench leaves out the test recorder; with bare the engine's records
	// also go to no metrics, webhooks or DSNs (benchmarks' baseline).
	bench, bare bool
}

func startStackWith(t testing.TB, toml string, so stackOptions) *stack {
	t.Helper()
	native := so.native
	cfg, err := config.Parse([]byte(fmt.Sprintf("spool_dir = %q\n", t.TempDir()) + toml))
	if err != nil {
		t.Fatal(err)
	}
	cfg.SMTP.Listen = []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}
	cfg.SMTP.MinFreeDisk = 0
	ctx := context.Background()
	st, err := engine.OpenSpool(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	host, err := hostabi.New(ctx, hostabi.Config{CallTimeout: 50 * time.Millisecond, MemoryLimitPages: 16, Instances: 2})
	if err != nil {
		t.Fatal(err)
	}
	s := &stack{rec: testrec.New(), reg: hostabi.NewRegistry(host, nil)}
	met := metrics.New()
	if s.out, err = webhook.Open(st, cfg.Webhooks, webhook.Options{Observe: met.ObserveWebhook}); err != nil {
		t.Fatal(err)
	}
	gen := dsn.New(dsn.Options{Hostname: cfg.Hostname, Window: 100 * time.Millisecond,
		Wanted: func(tn string) bool { c := cfg.Tenant(tn); return c != nil && c.DSN }})
	reg := policy.Registry(s.reg)
	if native != nil {
		reg = nativeFor{"ctl", native, s.reg}
	}
	sinks := []events.Sink{s.rec, met, s.out, gen}
	switch {
	case so.bare:
		sinks = nil
	case so.bench:
		sinks = sinks[1:]
	}
	var records events.Sink
	if len(sinks) > 0 {
		records = events.Tee(sinks...)
	}
	s.eng, err = engine.New(cfg, engine.Options{Spool: st, Registry: met.WrapRegistry(reg), Records: records})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.eng.Start(); err != nil {
		s.eng.Close()
		t.Fatal(err)
	}
	s.out.Start()
	gen.Start(s.eng)
	met.Watch(s.eng, st, s.out)
	srv := New(Options{Engine: s.eng, Policies: registryPolicies{s.reg}, Token: cfg.Admin.Token,
		AllowedHosts: cfg.Admin.AllowedHosts, Metrics: met.Handler(), Webhooks: s.out})
	RegisterControl(srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	s.api, s.smtp = "http://"+ln.Addr().String(), s.eng.SMTPAddrs()[0].String()
	t.Cleanup(func() {
		srv.Shutdown(ctx)
		s.out.Close()
		gen.Close()
		s.eng.Close()
		s.reg.Close()
		host.Close(ctx)
	})
	return s
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

// registryPolicies adapts the wasm registry to Policies, as cmd/wasmta does.
type registryPolicies struct{ r *hostabi.Registry }

func (p registryPolicies) Push(ctx context.Context, tenant string, wasm []byte) (PolicyVersion, error) {
	v, err := p.r.Push(ctx, tenant, wasm)
	if errors.Is(err, hostabi.ErrInvalidModule) {
		err = fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
	}
	return versionOf(v), err
}

func (p registryPolicies) Rollback(ctx context.Context, tenant string) (PolicyVersion, error) {
	v, err := p.r.Rollback(ctx, tenant)
	if errors.Is(err, hostabi.ErrNoPrevious) {
		err = fmt.Errorf("%w: %v", ErrNoPrevious, err)
	}
	return versionOf(v), err
}

func (p registryPolicies) List() []PolicyInfo {
	var out []PolicyInfo
	for _, i := range p.r.List() {
		out = append(out, PolicyInfo{Tenant: globalName(i.Tenant), Version: i.Version, SHA256: i.SHA256,
			Size: i.Size, LoadedAt: i.LoadedAt, Hooks: i.Hooks, Previous: i.Previous})
	}
	return out
}

func versionOf(v hostabi.Version) PolicyVersion {
	return PolicyVersion{Tenant: globalName(v.Tenant), Version: v.Number, SHA256: fmt.Sprintf("%x", v.SHA256), Name: v.String()}
}

func globalName(t string) string {
	if t == "" {
		return GlobalTenant
	}
	return t
}

// call makes an API request with the token (auth false: without) and
// decodes a JSON answer into out when it is not nil.
func (s *stack) call(t testing.TB, method, path string, body any, auth bool, out any) int {
	t.Helper()
	var rd io.Reader
	ctype := mediaJSON
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ctype = bytes.NewReader(b), mediaWasm
	case string:
		rd = strings.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.api+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return resp.StatusCode
}

// send submits a message over SMTP, logged in as user ("" = no login).
func send(t testing.TB, addr, user, from string, to []string, subject string) {
	t.Helper()
	if err := trySend(addr, user, from, to, subject); err != nil {
		t.Fatal(err)
	}
}

func trySend(addr, user, from string, to []string, subject string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if user != "" {
		if err := c.Auth(sasl.NewPlainClient("", user, password)); err != nil {
			return err
		}
	}
	body := fmt.Sprintf("From: app@sender.test\r\nSubject: %s\r\nX-Folded: one\r\n two\r\n\r\nhello\r\n", subject)
	return c.SendMail(from, to, strings.NewReader(body))
}

// waitFor polls cond until it holds or fails the test after within.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
