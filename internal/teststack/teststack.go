// Package teststack runs the engine as `wasmta serve` wires it — one spool;
// records to a test recorder, the metrics, the webhook outbox and the DSN
// generator; the policy registry behind the metrics' timing wrapper — for
// tests of what sits on top (the admin API in mta/admin, the same API with
// WebAssembly policies in e2e/admin). It does not start the admin API
// (mta/admin's own tests import this package) nor a wasm host (mta/ never
// builds one): callers add either.
package teststack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/dsn"
	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/metrics"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/tables"
	"github.com/wasmta/wasmta/mta/webhook"
)

// The admin token and the SMTP password of every tenant of Config.
const (
	Token        = "0123456789abcdef-test-token"
	Password     = "correct horse"
	passwordHash = "$2a$10$ghZllWWFu3xM171/per7guHi6OoIwkaVuaxHSUmgVmC5otOkNlvoS"
)

// Config is the configuration head stack tests share: tenants acme and
// beta (logins "acme", "beta", password Password), the admin token, every
// domain delivered to sinkAddr.
func Config(sinkAddr string) string {
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
`, Token, sinkAddr, passwordHash, passwordHash)
}

// Tenant declares one more tenant with login name and password Password.
func Tenant(name string) string {
	return fmt.Sprintf("[[tenant]]\nname = %q\nsmtp_users = [{ username = %q, password_hash = %q }]\n",
		name, name, passwordHash)
}

// Options choose what the stack records and which policies it runs.
type Options struct {
	// Registry gives the policies; nil: the built-in default only.
	Registry policy.Registry
	// Bench leaves out the test recorder; with Bare the engine's records
	// also go to no metrics, webhooks or DSNs (benchmarks' baseline).
	Bench, Bare bool
	// SpoolDir is the spool_dir; "" = a fresh temporary one (a test may
	// prepare a spool, a damaged one say, and start on it).
	SpoolDir string
}

// Stack is a started engine and what its records feed.
type Stack struct {
	Cfg     *config.Config
	Eng     *engine.Engine
	Rec     *testrec.Recorder
	Out     *webhook.Outbox
	Metrics *metrics.Metrics
	Tables  *tables.Store // the policy data tables, in the stack's spool
	SMTP    string        // the SMTP listener, 127.0.0.1:port
}

// Start runs the engine configured by toml (spool in a temp dir, SMTP on a
// loopback port) until the test ends.
func Start(t testing.TB, toml string, o Options) *Stack {
	t.Helper()
	if o.SpoolDir == "" {
		o.SpoolDir = t.TempDir()
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf("spool_dir = %q\n", o.SpoolDir) + toml))
	if err != nil {
		t.Fatal(err)
	}
	cfg.SMTP.Listen = []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}
	cfg.SMTP.MinFreeDisk = 0
	st, err := engine.OpenSpool(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &Stack{Cfg: cfg, Rec: testrec.New(), Metrics: metrics.New()}
	if s.Out, err = webhook.Open(st, cfg.Webhooks, webhook.Options{Observe: s.Metrics.ObserveWebhook}); err != nil {
		t.Fatal(err)
	}
	gen := dsn.New(dsn.Options{Hostname: cfg.Hostname, Window: 100 * time.Millisecond,
		Wanted: func(tn string) bool { c := cfg.Tenant(tn); return c != nil && c.DSN }})
	reg := o.Registry
	if reg == nil {
		reg = builtinOnly{}
	}
	if s.Tables, err = tables.Open(st, tables.Options{MaxBytes: cfg.Tables.MaxBytes, CacheBytes: cfg.Tables.CacheSize}); err != nil {
		t.Fatal(err)
	}
	s.Eng, err = engine.New(cfg, engine.Options{Spool: st, Registry: s.Metrics.WrapRegistry(reg), Records: s.records(o, gen),
		Tables: s.Tables})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Eng.Start(); err != nil {
		s.Eng.Close()
		t.Fatal(err)
	}
	s.Out.Start()
	gen.Start(s.Eng)
	s.Metrics.Watch(s.Eng, st, s.Out)
	s.SMTP = s.Eng.SMTPAddrs()[0].String()
	t.Cleanup(func() {
		s.Out.Close()
		gen.Close()
		s.Eng.Close()
	})
	// The listeners accept before the queues are rebuilt, and the admin
	// API's queue commands answer 503 until then: a test that bounces
	// right after its first message would race the rebuild of its own
	// (often empty) spool. Tests of reception during a rebuild start an
	// engine of their own.
	select {
	case <-s.Eng.Rebuilt():
	case <-time.After(time.Minute):
		t.Fatal("teststack: the queue rebuild did not end within a minute")
	}
	return s
}

func (s *Stack) records(o Options, gen *dsn.Generator) events.Sink {
	sinks := []events.Sink{s.Rec, s.Metrics, s.Out, gen}
	switch {
	case o.Bare:
		return nil
	case o.Bench:
		sinks = sinks[1:]
	}
	return events.Tee(sinks...)
}

type builtinOnly struct{}

func (builtinOnly) For(string) policy.Policy { return nil }

// Call makes a request to an HTTP API at base with token as bearer ("":
// none) and decodes a JSON answer into out when it is not nil. body is
// sent as is when []byte (as application/wasm) or string, else as JSON.
// It returns the status code.
func Call(t testing.TB, base, token, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/wasm"
	case string:
		rd = strings.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
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

// Send submits a message over SMTP, logged in as user ("" = no login).
func Send(t testing.TB, addr, user, from string, to []string, subject string) {
	t.Helper()
	if err := TrySend(addr, user, from, to, subject); err != nil {
		t.Fatal(err)
	}
}

// TrySend is Send returning the error.
func TrySend(addr, user, from string, to []string, subject string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if user != "" {
		if err := c.Auth(sasl.NewPlainClient("", user, Password)); err != nil {
			return err
		}
	}
	body := fmt.Sprintf("From: app@sender.test\r\nSubject: %s\r\nX-Folded: one\r\n two\r\n\r\nhello\r\n", subject)
	return c.SendMail(from, to, strings.NewReader(body))
}

// WaitFor polls cond until it holds or fails the test after within.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Replies is a test sink behaviour (testsink.Options.Respond): recipients
// "slow..." are deferred (451 4.3.0), "bad..." bounced (550 5.1.1), the
// rest accepted.
func Replies(stage, arg string, _ int) *smtp.SMTPError {
	if stage != testsink.StageRcpt {
		return nil
	}
	switch {
	case strings.HasPrefix(arg, "slow"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
	case strings.HasPrefix(arg, "bad"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	return nil
}
