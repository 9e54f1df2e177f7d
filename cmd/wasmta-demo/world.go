package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/events"
)

// The demo's cast: two tenants on their own addresses. acme runs the
// reference classifier policy, which backs off when a provider throttles;
// blast has no policy of its own and retries blindly. Both are shaped by
// the reference shaping presets (the global policy).
const (
	adminToken = "demo-token-0123456789"
	password   = "demo"
)

var tenants = []struct{ name, pool, policy string }{
	{"acme", "acme", "policies/go/classifier"},
	{"blast", "bulk", ""},
}

// sources maps each source to its address; acme sends from one, blast
// from two weighted 1:2.
const sourcesTOML = `
[[source]]
name = "acme-ip"
address = "127.0.0.2"
ehlo = "out.acme.demo"
[[source]]
name = "bulk1"
address = "127.0.0.3"
ehlo = "bulk1.blast.demo"
[[source]]
name = "bulk2"
address = "127.0.0.4"
ehlo = "bulk2.blast.demo"
[[pool]]
name = "default"
sources = [{ name = "bulk1" }]
[[pool]]
name = "acme"
sources = [{ name = "acme-ip" }]
[[pool]]
name = "bulk"
sources = [{ name = "bulk1", weight = 1 }, { name = "bulk2", weight = 2 }]
`

// world is everything the demo runs.
type world struct {
	sim    *providersim.Sim
	zone   *zone
	host   *hostabi.Host
	reg    *hostabi.Registry
	eng    *engine.Engine
	admin  *http.Server
	api    *admin.Client
	apiURL string
	smtp   string
	tally  *tally
	dir    string
}

// providerAddr is where the i-th simulated provider listens.
func providerAddr(i int) string { return fmt.Sprintf("127.0.30.%d", i+1) }

func startWorld(ctx context.Context, latency float64, cacheDir string) (*world, error) {
	w := &world{}
	var err error
	if w.dir, err = os.MkdirTemp("", "wasmta-demo-"); err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := w.startProviders(ctx, latency, quiet); err != nil {
		w.close()
		return nil, err
	}
	if err := w.startPolicies(ctx, cacheDir, quiet); err != nil {
		w.close()
		return nil, err
	}
	if err := w.startEngine(quiet); err != nil {
		w.close()
		return nil, err
	}
	return w, w.startAdmin(quiet)
}

// startProviders runs Gmail, Yahoo, Microsoft and Apple on one common
// port, and the DNS that points their domains at them.
func (w *world) startProviders(ctx context.Context, latency float64, log *slog.Logger) error {
	port, err := commonPort(4)
	if err != nil {
		return err
	}
	var ps []providersim.Provider
	for i, name := range []string{"gmail", "yahoo", "microsoft", "apple"} {
		p, err := providersim.Preset(name)
		if err != nil {
			return err
		}
		p.Addr = fmt.Sprintf("%s:%d", providerAddr(i), port)
		ps = append(ps, p)
	}
	if w.sim, err = providersim.Start(ctx, ps, providersim.Options{Logger: log, LatencyScale: latency}); err != nil {
		return err
	}
	mx, a := map[string]string{}, map[string]string{}
	w.tally = newTally()
	for i, p := range w.sim.Providers() {
		host := strings.ToLower(p.Hostname)
		a[host] = providerAddr(i)
		for _, d := range p.Domains {
			mx[d] = host
		}
		w.tally.addProvider(p.Name, host, p.Domains)
	}
	w.zone, err = startZone(mx, a)
	w.tally.port = port
	return err
}

// startPolicies builds and loads the global shaping presets and acme's
// classifier (the same wasm modules `wasmta policy push` would load).
func (w *world) startPolicies(ctx context.Context, cacheDir string, log *slog.Logger) error {
	var err error
	w.host, err = hostabi.New(ctx, hostabi.Config{CacheDir: filepath.Join(cacheDir, "wazero"), Logger: log,
		CallTimeout: 50 * time.Millisecond})
	if err != nil {
		return err
	}
	w.reg = hostabi.NewRegistry(w.host, nil)
	mods := map[string]string{"": "policies/go/shaping"}
	for _, t := range tenants {
		if t.policy != "" {
			mods[t.name] = t.policy
		}
	}
	for tenant, dir := range mods {
		wasm, err := buildPolicy(dir, cacheDir)
		if err != nil {
			return err
		}
		if _, err := w.reg.Push(ctx, tenant, wasm); err != nil {
			return fmt.Errorf("policy %s for tenant %q: %w", dir, tenant, err)
		}
	}
	return nil
}

func (w *world) startEngine(log *slog.Logger) error {
	hash, err := config.HashPassword(password)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "spool_dir = %q\nhostname = \"mta.demo\"\n[smtp]\nlisten = [\"127.0.0.1:0\"]\nmin_free_disk = 0\n", w.dir)
	fmt.Fprintf(&b, "[delivery]\ndns_server = %q\nport = %d\nconnect_timeout = \"5s\"\n%s", w.zone.addr, w.tally.port, sourcesTOML)
	for _, t := range tenants {
		fmt.Fprintf(&b, "[[tenant]]\nname = %q\ndefault_pool = %q\nsmtp_users = [{ username = %q, password_hash = %q }]\n",
			t.name, t.pool, t.name, hash)
	}
	cfg, err := config.Parse([]byte(b.String()))
	if err != nil {
		return fmt.Errorf("demo configuration: %w", err)
	}
	w.eng, err = engine.New(cfg, engine.Options{Registry: w.reg, Records: events.SinkFunc(w.tally.record), Logger: log})
	if err != nil {
		return err
	}
	if err := w.eng.Start(); err != nil {
		return err
	}
	w.smtp = w.eng.SMTPAddrs()[0].String()
	return nil
}

// startAdmin serves the admin API with the live-action endpoints, so
// that `wasmta actions list` works against the demo while it runs.
func (w *world) startAdmin(log *slog.Logger) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := admin.New(admin.Options{Engine: w.eng, Token: adminToken, Logger: log})
	w.admin = &http.Server{Handler: srv}
	go w.admin.Serve(ln)
	w.apiURL = "http://" + ln.Addr().String()
	w.api = &admin.Client{Base: w.apiURL, Token: adminToken}
	return nil
}

func (w *world) close() {
	if w.admin != nil {
		w.admin.Close()
	}
	if w.eng != nil {
		w.eng.Close()
	}
	if w.reg != nil {
		w.reg.Close()
	}
	if w.host != nil {
		w.host.Close(context.Background())
	}
	if w.sim != nil {
		w.sim.Close()
	}
	if w.zone != nil {
		w.zone.close()
	}
	os.RemoveAll(w.dir)
}

// commonPort finds a port free on the first n provider addresses.
func commonPort(n int) (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", providerAddr(0)+":0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		free := true
		for i := 1; i < n && free; i++ {
			o, err := net.Listen("tcp", fmt.Sprintf("%s:%d", providerAddr(i), port))
			if free = err == nil; free {
				o.Close()
			}
		}
		l.Close()
		if free {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no port free on %s..%s", providerAddr(0), providerAddr(n-1))
}
