package scenario

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wasmta/wasmta/bench/internal/postfix"
	"github.com/wasmta/wasmta/bench/internal/proc"
	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/bench/internal/wasmta"
	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/internal/testdns"
)

// System name of the rows that describe the simulated world, and of
// wasmta's learned limits.
const (
	SysDrawn   = "simulator (drawn limits)"
	SysLearned = "wasmta (limits at the end)"
)

// The tenant the blind mix submits as: its policy is the shipped
// classifier.
const (
	blindTenant = "bench"
	blindUser   = "bench-app"
	blindPass   = "bench-password-not-secret"
)

// Blind runs the blind provider mix once, with one seed, through wasmta
// (the shipped presets and classifier) and through Postfix (concurrency
// set to the drawn connection limits). It runs once whatever Repeats is:
// a second run would be another world, not a repeat.
func (e *Env) Blind(ctx context.Context) *result.Scenario {
	seed := e.Seed
	if seed == 0 {
		seed = rand.Uint64() % 1_000_000
	}
	bp := e.blindParams()
	draws := drawWorld(seed, bp)
	sc, t0 := e.begin("blind", fmt.Sprintf("Blind provider mix, seed %d: limits drawn at random, shipped presets", seed))
	e.Log.Info("blind provider mix: replay with SEED="+strconv.FormatUint(seed, 10), "seed", seed)
	shaping, classifier := e.Policies["shaping"], e.Policies["classifier"]
	if shaping == "" || classifier == "" {
		sc.Skipped = "policies/go/shaping or policies/go/classifier was not built (bin/policies)"
		return e.end(sc, t0)
	}
	sc.Command = []string{
		fmt.Sprintf("SEED=%d scripts/bench-e2e.sh --scenarios blind   # wasmta-bench run --seed %d", seed, seed),
		fmt.Sprintf("burst: %d messages (4 KiB, 1 rcpt), providers interleaved, 8 SMTP sessions; window %v from the first submission; observed until every accepted message is delivered or %v",
			totalLoad(draws), bp.window, bp.tailCap),
	}
	recordWorld(sc, draws)
	sc.Notes = append(sc.Notes, blindNotes(bp)...)
	sc.Notes = append(sc.Notes, halvingNote(draws, bp))
	for _, sys := range []string{SysWasmta, SysPostfix} {
		if ctx.Err() != nil || (sys == SysPostfix && !e.Postfix) {
			continue
		}
		e.Log.Info("blind provider mix", "system", sys, "seed", seed)
		if err := e.blindOnce(ctx, sc, sys, draws, bp); err != nil {
			e.Log.Error("blind provider mix failed", "system", sys, "err", err)
			sc.Notes = append(sc.Notes, fmt.Sprintf("%s: the run failed: %v", sys, err))
		}
	}
	return e.end(sc, t0)
}

func totalLoad(draws []blindDraw) int {
	n := 0
	for _, d := range draws {
		n += d.load
	}
	return n
}

// recordWorld writes the drawn limits as rows of their own.
func recordWorld(sc *result.Scenario, draws []blindDraw) {
	for _, d := range draws {
		r := sc.Row(SysDrawn, d.spec.name)
		r.Add("preset_conns", "connections", "", float64(d.spec.shipConns))
		r.Add("drawn_conns", "connections", "", float64(d.conns))
		r.Add("preset_rate", "msg/s", "", d.spec.shipRate)
		r.Add("drawn_rate", "msg/s", "", d.rate)
		r.Add("load", "msg", "", float64(d.load))
	}
}

// halvingNote says what the halving provider halves to.
func halvingNote(draws []blindDraw, bp blindParams) string {
	for _, d := range draws {
		if d.spec.halves {
			return fmt.Sprintf("Halving: %v after its first connection, %s goes from %d connections and %.2f msg/s to %d and %.2f msg/s.",
				bp.halve, d.spec.name, d.conns, d.rate, d.conns2, d.rate2)
		}
	}
	return ""
}

// blindRun is one system's run: where to submit, how to read queue
// times, what to stop.
type blindRun struct {
	addr, user, pass string
	admin            string // wasmta's admin API, for /metrics
	deliveries       func() (map[string][]delivery, error)
	stop             func()
}

// blindOnce runs the burst through one system.
func (e *Env) blindOnce(ctx context.Context, sc *result.Scenario, sys string, draws []blindDraw, bp blindParams) error {
	sim, err := startBlindSim(ctx, draws, bp)
	if err != nil {
		return err
	}
	defer sim.Close()
	var run blindRun
	if sys == SysWasmta {
		run, err = e.blindWasmta(ctx, sim)
	} else {
		run, err = e.blindPostfix(ctx, sim, draws)
	}
	if err != nil {
		return err
	}
	run.stop = sync.OnceFunc(run.stop)
	defer run.stop()
	var sampler *limitSampler
	if run.admin != "" {
		sampler = startSampler(ctx, "http://"+run.admin+"/metrics")
	}
	domains := map[string]string{}
	for _, r := range sim.Domains() {
		if _, ok := domains[r.Provider]; !ok {
			domains[r.Provider] = r.Domain
		}
	}
	start := time.Now()
	deadline := start.Add(bp.window)
	injCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	inj := blindInjector{addr: run.addr, user: run.user, pass: run.pass, sessions: 8}
	type injected struct {
		sub submitted
		err error
	}
	done := make(chan injected, 1)
	go func() {
		sub, err := inj.run(injCtx, blindQueue(draws, domains))
		done <- injected{sub, err}
	}()
	waitBlind(ctx, sim, deadline, totalLoad(draws))
	stats := sim.Stats()
	cancel()
	inj0 := <-done
	if inj0.err != nil && !errors.Is(inj0.err, context.DeadlineExceeded) && !errors.Is(inj0.err, context.Canceled) {
		sc.Notes = append(sc.Notes, fmt.Sprintf("%s: submission error: %v", sys, inj0.err))
	}
	var samples []limitSample
	if sampler != nil {
		samples = sampler.stop()
	}
	// The observation tail: the MTA and the providers (at the limits they
	// had at the window's end) go on until every accepted message is
	// delivered or the cap, so that a queue time beyond the window is
	// measured, not only bounded. The window's figures are not touched.
	waitBlind(ctx, sim, start.Add(bp.tailCap), accepted(inj0.sub))
	tailStats := sim.Stats()
	tailEnd := time.Now()
	run.stop()
	ds, err := run.deliveries()
	if err != nil {
		return err
	}
	recordBlind(sc, sys, draws, stats, ds, inj0.sub, window{start, deadline}, sim)
	recordTail(sc, sys, draws, tailStats, ds, inj0.sub, window{start, tailEnd}, bp.tailCap, sim)
	if sys == SysWasmta {
		recordLearned(sc, draws, stats, samples, sim)
		e.writeSamples(samples, start)
	}
	return nil
}

// accepted counts the messages the MTA accepted.
func accepted(sub submitted) int {
	n := 0
	for _, at := range sub.at {
		n += len(at)
	}
	return n
}

// waitBlind waits for the deadline, or until every message arrived.
func waitBlind(ctx context.Context, sim *providersim.Sim, deadline time.Time, want int) {
	for time.Now().Before(deadline) && ctx.Err() == nil {
		var n int64
		for _, st := range sim.Stats() {
			n += st.Total.Messages
		}
		if n >= int64(want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startBlindSim starts the drawn providers on 127.0.12.1-5, one port.
func startBlindSim(ctx context.Context, draws []blindDraw, bp blindParams) (*providersim.Sim, error) {
	var last error
	for range 10 {
		port, err := proc.FreePort()
		if err != nil {
			return nil, err
		}
		var ps []providersim.Provider
		for i, d := range draws {
			p, err := d.provider(fmt.Sprintf("127.0.12.%d", i+1), port, bp.halve)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		sim, err := providersim.Start(ctx, ps, providersim.Options{})
		if err == nil {
			return sim, nil
		}
		last = err
	}
	return nil, fmt.Errorf("scenario: blind provider simulator: %w", last)
}

// blindWasmta starts wasmta as a user would run it: the shipped shaping
// presets as the global policy, the shipped classifier as the sending
// tenant's, opportunistic TLS, MX delivery through the loopback DNS.
func (e *Env) blindWasmta(ctx context.Context, sim *providersim.Sim) (blindRun, error) {
	dns, err := testdns.New()
	if err != nil {
		return blindRun{}, err
	}
	port := 0
	for _, r := range sim.Domains() {
		dns.SetMX(r.Domain, 300, testdns.MX{Pref: 10, Host: r.MX})
		dns.SetA(r.MX, 300, hostOf(r.Addr))
		port = portOf(r.Addr)
	}
	hash, err := e.hashPassword(ctx, blindPass)
	if err != nil {
		dns.Close()
		return blindRun{}, err
	}
	adminPort, err := proc.FreePort()
	if err != nil {
		dns.Close()
		return blindRun{}, err
	}
	admin := "127.0.0.1:" + strconv.Itoa(adminPort)
	w, err := e.startWasmta(ctx, wasmtaOpts{DNS: dns.Addr(), MXPort: port, Policy: e.Policies["shaping"],
		Admin: admin, TLS: "opportunistic",
		Tenants: []wasmta.Tenant{{Name: blindTenant, Policy: e.Policies["classifier"], User: blindUser, PasswordHash: hash}}})
	if err != nil {
		dns.Close()
		return blindRun{}, err
	}
	return blindRun{addr: w.Addr(), user: blindUser, pass: blindPass, admin: admin,
		deliveries: func() (map[string][]delivery, error) { return wasmtaDeliveries(w.Spool() + "/records.jsonl") },
		stop:       func() { w.Stop(10 * time.Second); dns.Close() }}, nil
}

// hashPassword asks the wasmta binary under test for a bcrypt hash.
func (e *Env) hashPassword(ctx context.Context, pass string) (string, error) {
	cmd := exec.CommandContext(ctx, e.Wasmta, "hash-password")
	cmd.Stdin = strings.NewReader(pass + "\n")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("scenario: wasmta hash-password: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// blindPostfix starts Postfix with one transport per provider whose
// concurrency is the provider's drawn connection limit.
func (e *Env) blindPostfix(ctx context.Context, sim *providersim.Sim, draws []blindDraw) (blindRun, error) {
	dir, err := e.dir("postfix-blind")
	if err != nil {
		return blindRun{}, err
	}
	port, err := proc.FreePort()
	if err != nil {
		return blindRun{}, err
	}
	cfg := postfix.Config{Dir: dir, SMTPPort: port, Transports: map[string]string{},
		Extra: []string{"smtp_tls_security_level = may"}}
	for _, d := range draws {
		name := d.spec.name
		for _, r := range sim.Domains() {
			if r.Provider == name {
				cfg.Transports[r.Domain] = name + ":[" + hostOf(r.Addr) + "]:" + strconv.Itoa(portOf(r.Addr))
			}
		}
		opts := ""
		if name == "yahoo" { // Yahoo's published 20 messages per connection, as in wasmta's preset
			opts = " -o smtp_connection_reuse_count_limit=20"
		}
		cfg.Services = append(cfg.Services, name+" unix - - n - - smtp"+opts)
		cfg.Extra = append(cfg.Extra,
			fmt.Sprintf("%s_destination_concurrency_limit = %d", name, d.conns),
			fmt.Sprintf("%s_initial_destination_concurrency = %d", name, d.conns),
			name+"_destination_concurrency_failed_cohort_limit = 10")
	}
	ctx, cancel := within(ctx, 60*time.Second)
	defer cancel()
	p, err := postfix.Start(ctx, cfg)
	if err != nil {
		return blindRun{}, err
	}
	return blindRun{addr: p.Addr(),
		deliveries: func() (map[string][]delivery, error) { return postfixDeliveries(p.MaillogPath()) },
		stop:       func() { p.Stop(context.Background()) }}, nil
}
