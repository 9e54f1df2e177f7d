// Command wasmta-demo shows wasmta's main job in a minute or two: two
// tenants send a few thousand messages to simulated Gmail, Yahoo,
// Microsoft and Apple servers (internal/providersim) that throttle like
// the real ones; the reference shaping presets (a wasm policy) shape every
// path; tenant acme's wasm classifier reacts to throttling (slows a path,
// suspends it), tenant blast has no such policy; half-way an operator
// reshapes Yahoo and resumes what the classifier suspended, through the
// admin API. A live table per provider and tenant shows what was
// delivered, deferred and throttled, the queue times and the actions;
// a short report ends it.
//
// Run it from the repository root (it builds the policies with go build):
//
//	make demo
//	go run ./cmd/wasmta-demo [-messages 1500] [-duration 60s] [-latency-scale 0.3]
//
// Everything listens on loopback only; nothing is left behind.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("messages", 1500, "messages per tenant")
	dur := flag.Duration("duration", 60*time.Second, "how long delivery runs before the report")
	scale := flag.Float64("latency-scale", 0.3, "multiply the simulated providers' latencies")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *n, *dur, *scale, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wasmta-demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, n int, dur time.Duration, scale float64, out io.Writer) error {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	cache = filepath.Join(cache, "wasmta-demo")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	fmt.Fprintln(out, "wasmta demo: building the policies (policies/go/shaping, policies/go/classifier) and starting ...")
	w, err := startWorld(ctx, scale, cache)
	if err != nil {
		return err
	}
	defer w.close()
	fmt.Fprintf(out, "admin API %s  (try: go run ./cmd/wasmta actions list --admin %s --token %s)\n",
		w.apiURL, w.apiURL, adminToken)
	var domains []string
	for _, p := range w.sim.Providers() {
		domains = append(domains, p.Domains...)
	}
	start := time.Now()
	injected := make(chan error, 1)
	go func() { injected <- w.inject(n, domains) }()
	if err := w.watch(ctx, start, dur, injected, out); err != nil {
		return err
	}
	w.report(out, time.Since(start), n)
	return nil
}

// watch refreshes the summary every second until dur has passed, making
// the operator's moves on the way.
func (w *world) watch(ctx context.Context, start time.Time, dur time.Duration, injected chan error, out io.Writer) error {
	tty := isTerminal(out)
	moves := operatorMoves(dur)
	var ops bytes.Buffer
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-injected:
			if err != nil {
				return fmt.Errorf("injecting: %w", err)
			}
		case <-tick.C:
		}
		el := time.Since(start)
		for len(moves) > 0 && el >= moves[0].at {
			if err := moves[0].what(ctx, w, &ops); err != nil {
				fmt.Fprintln(&ops, "          error:", err)
			}
			moves = moves[1:]
		}
		if el >= dur {
			return nil
		}
		if tty || i%10 == 9 {
			w.screen(out, tty, el, dur, ops.String())
		}
	}
}

func (w *world) screen(out io.Writer, tty bool, el, dur time.Duration, ops string) {
	if tty {
		fmt.Fprint(out, "\033[H\033[2J")
	}
	fmt.Fprintf(out, "wasmta demo  %3.0fs / %.0fs   admin API %s (token %s)\n\n", el.Seconds(), dur.Seconds(), w.apiURL, adminToken)
	w.tally.render(out, w.sim)
	fmt.Fprintln(out, "\nactions (policy = a classify decision, admin = the operator):")
	w.tally.renderActions(out, time.Now().Add(-el), 8)
	if ops != "" {
		fmt.Fprintf(out, "\n%s", ops)
	}
	fmt.Fprintln(out)
}

func isTerminal(out io.Writer) bool {
	f, ok := out.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// report is the closing summary.
func (w *world) report(out io.Writer, el time.Duration, n int) {
	fmt.Fprintf(out, "\n=== report after %.0fs: %d messages from each of %d tenants ===\n\n", el.Seconds(), n, len(tenants))
	w.tally.render(out, w.sim)
	fmt.Fprintln(out)
	for _, t := range tenants {
		sent, delivered, bounced, thr := w.tally.totals(w.sim, t.name)
		pol := "no classify policy: it retries blindly"
		if t.policy != "" {
			pol = t.policy + " (wasm): backs off when throttled"
		}
		fmt.Fprintf(out, "%-6s %s\n       %d sent, %d delivered, %d still queued (deferred or held, never dropped), %d bounced; "+
			"%d throttling replies provoked\n", t.name, pol, sent, delivered, sent-delivered-bounced, bounced, thr)
	}
	c := w.tally.actionCounts()
	fmt.Fprintf(out, "actions: %d by policies, %d by the operator; live now: %d\n", c["policy"], c["admin"], len(w.eng.Shaping().List()))
	fmt.Fprintln(out, "\nThrottled mail is retried after 5 s at the path's learned pace; other deferred mail waits for the shaping presets' retry times (10-30 min): a longer run delivers it.")
	fmt.Fprintln(out, "See docs/shaping.md, \"Reading the demo\".")
}
