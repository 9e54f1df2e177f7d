package scenario

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/wasmta/wasmta/bench/internal/postfix"
	"github.com/wasmta/wasmta/bench/internal/proc"
	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/internal/testdns"
)

// mixProvider is one provider of the mix and how Postfix is tuned for it.
type mixProvider struct {
	preset string
	// Postfix's best settings for it: parallel deliveries (the provider's
	// message rate × the time one message takes on a reused connection,
	// rounded down, so the rate limit is not reached) and extra smtp
	// options in master.cf.
	pfConcurrency int
	pfOptions     string
}

// providerMix is the four providers, with Postfix's settings worked out
// from the simulator's presets (internal/providersim/presets.go).
var providerMix = []mixProvider{
	{"gmail", 4, ""}, // 10 msg/s per IP; ~0.49 s per message → 2 msg/s per connection
	{"yahoo", 2, " -o smtp_connection_reuse_count_limit=20"}, // 5 msg/s, 20 messages per connection
	{"microsoft", 2, ""}, // 5 msg/s; ~0.52 s per message
	{"apple", 1, ""},     // 3 msg/s; ~0.42 s per message
}

// mixRun is one provider-mix run's parameters.
type mixRun struct {
	perProvider int           // messages to each provider
	window      time.Duration // how long delivery may take before the run ends
}

func (e *Env) mixParams() mixRun {
	if e.Quick {
		return mixRun{perProvider: 10, window: 12 * time.Second}
	}
	return mixRun{perProvider: 60, window: 60 * time.Second}
}

// Providers sends a mix of mail to four simulated providers (latencies,
// connection and rate limits, real throttling replies) through wasmta with
// the shaping reference policy and through Postfix with per-destination
// concurrency tuned to the same providers, and compares queue times and
// the throttling replies each provoked.
func (e *Env) Providers(ctx context.Context) *result.Scenario {
	sc, t0 := e.begin("providers", "Provider mix: four simulated providers")
	policy, err := e.simShapingPolicy(ctx)
	if err != nil {
		e.Log.Error("provider mix: building the simulated shaping policy", "err", err)
		policy = e.Policies["shaping"]
		sc.Notes = append(sc.Notes, fmt.Sprintf("the simulated shaping policy did not build (%v): wasmta ran with the reference presets", err))
	}
	if policy == "" {
		sc.Notes = append(sc.Notes, "policies/go/shaping was not built: wasmta ran with the built-in policy")
	}
	mp := e.mixParams()
	sc.Command = []string{fmt.Sprintf("for each provider, in parallel: smtp-source -s 5 -l 4096 -m %d -t user@DOMAIN MTA  (then up to %v for delivery)", mp.perProvider, mp.window)}
	sc.Notes = append(sc.Notes, providerNotes...)
	for rep := range e.Repeats {
		for _, sys := range []string{SysWasmta, SysPostfix} {
			if ctx.Err() != nil || (sys == SysPostfix && !e.Postfix) {
				continue
			}
			e.Log.Info("provider mix", "rep", rep+1, "system", sys)
			if err := e.mixOnce(ctx, sc, sys, mp, policy); err != nil {
				e.Log.Error("provider mix failed", "system", sys, "err", err)
				sc.Notes = append(sc.Notes, fmt.Sprintf("%s: a run failed: %v", sys, err))
			}
		}
	}
	return e.end(sc, t0)
}

var providerNotes = []string{
	"Simulator: internal/providersim presets gmail, yahoo, microsoft, apple (latency per command, connections per IP, message rate per IP with the provider's throttling reply, 0.5% random temporary failures); each on its own 127.0.10.x address.",
	"wasmta: MX delivery through the harness DNS (the providers' real MX host names); global policy policies/go/shaping built with -tags providersim, whose presets for the four providers are derived from the simulator's per-IP limits (policies/go/shaping/simulated.go, PRESETS.md), as Postfix's settings are: max_connections = the simulator's connections per IP (10, 10, 5, 10), messages_per_second = 95% of its rate per IP (9.5, 4.75, 4.75, 2.85), message_burst = half its burst (10, 5, 5, 3), messages_per_connection = its cap (Yahoo 20) else 100, connections 100/min (the connection limit opens at once), TLS disabled as Postfix's, retry after 300 s doubling up to 4000 s (Postfix's minimal_backoff_time and maximal_backoff_time).",
	"Postfix: a transport per provider with destination_concurrency_limit set from the provider's rate limit (gmail 4, yahoo 2, microsoft 2, apple 1: rate × time per message, rounded down), failed_cohort_limit 10, Yahoo's 20 messages per connection; TLS none; default backoff (minimal_backoff_time 300 s, maximal_backoff_time 4000 s).",
	"Retries: a message deferred by a random temporary failure comes back after 300 s in both systems, after the window: it counts in 'not delivered' and in neither average.",
	"Queue time: reception → delivery, from each MTA's own log (wasmta's Delivery records, Postfix's delay= field), over the messages delivered within the window; 'delivered' counts the simulator's accepted messages.",
	"Throttling replies: the simulator's rate-limit replies + connections refused over its per-IP limit + messages-per-connection refusals. Random temporary failures are counted apart (temp failures).",
}

// mixOnce runs the mix once through one system.
func (e *Env) mixOnce(ctx context.Context, sc *result.Scenario, sys string, mp mixRun, policy string) error {
	sim, port, err := startSim(ctx)
	if err != nil {
		return err
	}
	defer sim.Close()
	var addr string
	var queueTimes func() (map[string][]time.Duration, error)
	if sys == SysWasmta {
		w, dns, err := e.mixWasmta(ctx, sim, port, policy)
		if err != nil {
			return err
		}
		defer dns.Close()
		defer w.Stop(10 * time.Second)
		addr = w.Addr()
		queueTimes = func() (map[string][]time.Duration, error) {
			w.Stop(10 * time.Second)
			return wasmtaQueueTimes(w.Spool() + "/records.jsonl")
		}
	} else {
		p, err := e.mixPostfix(ctx, sim)
		if err != nil {
			return err
		}
		defer p.Stop(context.Background())
		addr = p.Addr()
		queueTimes = func() (map[string][]time.Duration, error) { return postfixQueueTimes(p.MaillogPath()) }
	}
	if err := injectMix(ctx, sim, addr, mp.perProvider); err != nil {
		return err
	}
	waitMix(ctx, sim, mp)
	qt, err := queueTimes()
	if err != nil {
		return err
	}
	recordMix(sc, sys, sim, qt, mp.perProvider)
	return nil
}

// startSim starts the four providers on one free port of 127.0.10.1-4
// (wasmta's delivery port is one for all MX hosts).
func startSim(ctx context.Context) (*providersim.Sim, int, error) {
	var last error
	for range 10 {
		port, err := proc.FreePort()
		if err != nil {
			return nil, 0, err
		}
		var ps []providersim.Provider
		for i, m := range providerMix {
			p, err := providersim.Preset(m.preset)
			if err != nil {
				return nil, 0, err
			}
			p.Addr = net.JoinHostPort(fmt.Sprintf("127.0.10.%d", i+1), strconv.Itoa(port))
			ps = append(ps, p)
		}
		sim, err := providersim.Start(ctx, ps, providersim.Options{})
		if err == nil {
			return sim, port, nil
		}
		last = err
	}
	return nil, 0, fmt.Errorf("scenario: provider simulator: %w", last)
}

// mixWasmta starts wasmta with MX delivery to the simulator and the
// shaping policy.
func (e *Env) mixWasmta(ctx context.Context, sim *providersim.Sim, port int, policy string) (wasmtaSubject, *testdns.Server, error) {
	dns, err := testdns.New()
	if err != nil {
		return wasmtaSubject{}, nil, err
	}
	for _, r := range sim.Domains() {
		dns.SetMX(r.Domain, 300, testdns.MX{Pref: 10, Host: r.MX})
		host, _, _ := net.SplitHostPort(r.Addr)
		dns.SetA(r.MX, 300, host)
	}
	w, err := e.startWasmta(ctx, wasmtaOpts{DNS: dns.Addr(), MXPort: port, Policy: policy})
	if err != nil {
		dns.Close()
		return wasmtaSubject{}, nil, err
	}
	return w, dns, nil
}

// mixPostfix starts Postfix with one transport per provider.
func (e *Env) mixPostfix(ctx context.Context, sim *providersim.Sim) (*postfix.Instance, error) {
	dir, err := e.dir("postfix-mix")
	if err != nil {
		return nil, err
	}
	port, err := proc.FreePort()
	if err != nil {
		return nil, err
	}
	cfg := postfix.Config{Dir: dir, SMTPPort: port, Transports: map[string]string{}}
	for _, m := range providerMix {
		for _, r := range sim.Domains() {
			if r.Provider == m.preset {
				cfg.Transports[r.Domain] = m.preset + ":[" + hostOf(r.Addr) + "]:" + strconv.Itoa(portOf(r.Addr))
			}
		}
		cfg.Services = append(cfg.Services, m.preset+" unix - - n - - smtp"+m.pfOptions)
		cfg.Extra = append(cfg.Extra,
			fmt.Sprintf("%s_destination_concurrency_limit = %d", m.preset, m.pfConcurrency),
			fmt.Sprintf("%s_initial_destination_concurrency = %d", m.preset, m.pfConcurrency),
			m.preset+"_destination_concurrency_failed_cohort_limit = 10")
	}
	ctx, cancel := within(ctx, 60*time.Second)
	defer cancel()
	return postfix.Start(ctx, cfg)
}

func hostOf(addr string) string {
	h, _, _ := net.SplitHostPort(addr)
	return h
}

// injectMix sends perProvider messages to each provider's first domain,
// the four loads in parallel.
func injectMix(ctx context.Context, sim *providersim.Sim, addr string, perProvider int) error {
	var wg sync.WaitGroup
	errs := make([]error, len(providerMix))
	for i, m := range providerMix {
		var domain string
		for _, r := range sim.Domains() {
			if r.Provider == m.preset && domain == "" {
				domain = r.Domain
			}
		}
		l := Load{Size: 4096, Rcpts: 1, Count: perProvider, Sessions: 5, To: "user@" + domain}
		wg.Go(func() { _, errs[i] = runSource(ctx, l, addr) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// waitMix waits until every message reached its provider or the window
// ends.
func waitMix(ctx context.Context, sim *providersim.Sim, mp mixRun) {
	want := int64(mp.perProvider * len(providerMix))
	deadline := time.Now().Add(mp.window)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		var n int64
		for _, st := range sim.Stats() {
			n += st.Total.Messages
		}
		if n >= want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// simShapingPolicy builds policies/go/shaping with the build tag
// providersim: the shaping policy with presets derived from the
// simulator's limits (policies/go/shaping/simulated.go), as Postfix's
// settings here are derived from them. It goes into the run's directory.
func (e *Env) simShapingPolicy(ctx context.Context) (string, error) {
	out := filepath.Join(e.Root, "shaping-providersim.wasm")
	ctx, cancel := within(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "providersim", "-buildmode=c-shared",
		"-o", out, "./policies/go/shaping")
	cmd.Dir = e.Repo
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("scenario: go build -tags providersim ./policies/go/shaping: %w: %s", err, b)
	}
	return out, nil
}
