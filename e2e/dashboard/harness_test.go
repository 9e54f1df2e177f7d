package dashboard

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/internal/testdns"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/internal/teststack"
	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/policy"
)

var screenshots = flag.Bool("screenshots", false, "write the screenshots to docs/dashboard/ (else to a temporary directory)")

// providers are the test's recipient domains and their MX hosts: the
// provider table of mta/mx names the first three.
var providers = map[string]string{
	"gmail.test":   "gmail-smtp-in.l.google.com",
	"yahoo.test":   "mta5.am0.yahoodns.net",
	"outlook.test": "example-test.mail.protection.outlook.com",
	"example.test": "mx.example.test",
}

// replies is the sink's behaviour by local part: "slow" deferred, "bad"
// bounced, "busy" throttled (a Gmail rate-limit reply), the rest accepted.
func replies(stage, arg string, _ int) *smtp.SMTPError {
	if stage == testsink.StageRcpt && strings.HasPrefix(arg, "busy") {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 28},
			Message: "Our system has detected an unusual rate of unsolicited mail. Rate limited, try later"}
	}
	return teststack.Replies(stage, arg, 0)
}

// faultyPool is tenant ctl's policy: its select_pool fails, so each of
// its messages writes a PolicyFault and goes on with the default pool.
type faultyPool struct{ *policy.Default }

func (faultyPool) Version() string { return "ctl/native/1" }
func (faultyPool) SelectPool(context.Context, *policy.PoolInput) (string, error) {
	return "", errors.New("select_pool: out of bounds memory access")
}

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

type stack struct {
	*teststack.Stack
	api string
}

// startWasmta runs the engine as serve does, with the admin API (and so
// the dashboard) on a loopback port, two egress sources and a DNS server
// that sends every provider's MX to the sink.
func startWasmta(t *testing.T) *stack {
	t.Helper()
	ctx := context.Background()
	sink := testsink.Start(t, testsink.Options{Respond: replies})
	dns := testdns.Start(t)
	for domain, mx := range providers {
		dns.SetMX(domain, 300, testdns.MX{Pref: 10, Host: mx})
		dns.SetA(mx, 300, "127.0.0.1")
	}
	host, err := hostabi.New(ctx, hostabi.Config{CallTimeout: 50 * time.Millisecond, MemoryLimitPages: 16, Instances: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close(ctx) })
	reg := hostabi.NewRegistry(host, nil)
	t.Cleanup(reg.Close)
	toml := fmt.Sprintf(`hostname = "mta.test"
[admin]
token = %q
[delivery]
dns_server = %q
port = %d
[queue]
retry_initial = "1h"
[[source]]
name = "ip1"
address = "127.0.0.1"
[[source]]
name = "ip2"
address = "127.0.0.2"
[[pool]]
name = "default"
sources = [{ name = "ip1" }, { name = "ip2" }]
`, teststack.Token, dns.Addr(), sink.Port()) + teststack.Tenant("acme") + teststack.Tenant("beta") + teststack.Tenant("ctl")
	s := &stack{Stack: teststack.Start(t, toml, teststack.Options{Registry: nativeFor{"ctl", faultyPool{&policy.Default{}}, reg}})}
	srv := admin.New(admin.Options{Engine: s.Eng, Policies: reg, Token: s.Cfg.Admin.Token,
		Metrics: s.Metrics.Handler(), Webhooks: s.Out, Version: "test"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(ctx) })
	s.api = "http://" + ln.Addr().String()
	return s
}

// browser starts headless Chromium for the test. It fails, never skips,
// without one: scripts/install-deps.sh installs Debian's chromium.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("no chromium on PATH: run scripts/install-deps.sh (Debian package chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 860), chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatal(err)
	}
	// The page's console (script errors above all) goes to the test log.
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			t.Log("browser console:", m.String())
		}
	}()
	return ctx
}

// run runs actions with a generous deadline: the machine may be loaded.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(dctx, actions...); err != nil {
		// What the page showed, to tell a slow page from a wrong one.
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		shown, _ := chromedp.Run(sctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("%s: %v\npage:\n%s", what, err, shown)
	}
}

// waitJS waits until the JavaScript expression is true: every check of
// the page waits for a DOM condition, never for a fixed time.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond),
			chromedp.WithPollingTimeout(20*time.Second))(ctx, t)
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", expr, err)
		}
		return nil
	})
}

// eval returns the value of a JavaScript expression.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// shoot saves a full-page PNG of the current view.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := t.TempDir()
	if *screenshots {
		dir = filepath.Join("..", "..", "docs", "dashboard")
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(png) < 1000 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot %s is not a PNG (%d bytes)", name, len(png))
	}
}
