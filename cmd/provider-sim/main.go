// Command provider-sim runs simulated mailbox providers (Gmail, Yahoo,
// Microsoft, Apple, a generic Postfix MX) on loopback addresses for tests
// and benchmarks, with their counters as JSON on a loopback admin port.
//
//	provider-sim [-config FILE] [-preset gmail,yahoo,microsoft,apple]
//	             [-admin 127.0.0.1:8099] [-latency-scale 1]
//
// It prints one line per provider (name, address, MX host, domains), then
// serves until SIGINT or SIGTERM. See docs/provider-sim.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "provider-sim:", err)
		os.Exit(1)
	}
}

type settings struct {
	config, admin, presets string
	latencyScale           float64
}

func parseFlags(args []string) (settings, error) {
	var s settings
	fs := flag.NewFlagSet("provider-sim", flag.ContinueOnError)
	fs.StringVar(&s.config, "config", "", "TOML or JSON file of providers (overrides -preset)")
	fs.StringVar(&s.admin, "admin", "127.0.0.1:8099", "loopback address of the JSON admin API")
	fs.StringVar(&s.presets, "preset", "gmail,yahoo,microsoft,apple", "presets to run when there is no -config")
	fs.Float64Var(&s.latencyScale, "latency-scale", 1, "multiply every latency (0.1 for quick runs)")
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return s, nil
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	s, err := parseFlags(args)
	if err != nil {
		return err
	}
	ps, err := providers(s)
	if err != nil {
		return err
	}
	admin, err := listenLoopback(ctx, s.admin)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	sim, err := providersim.Start(ctx, ps, providersim.Options{Logger: logger, LatencyScale: s.latencyScale})
	if err != nil {
		admin.Close()
		return err
	}
	defer sim.Close()
	printAddrs(out, sim, admin.Addr().String())
	return serveAdmin(ctx, admin, sim.Handler())
}

// providers reads -config, or else builds the -preset list. Every address
// must be a loopback one: the simulator is for tests on this machine.
func providers(s settings) ([]providersim.Provider, error) {
	var ps []providersim.Provider
	if s.config != "" {
		var err error
		if ps, err = providersim.LoadConfig(s.config); err != nil {
			return nil, err
		}
	} else {
		for _, name := range strings.Split(s.presets, ",") {
			p, err := providersim.Preset(strings.TrimSpace(name))
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
	}
	for _, p := range ps {
		if err := checkLoopback(p.Addr); err != nil {
			return nil, fmt.Errorf("provider %s: %w", p.Name, err)
		}
	}
	return ps, nil
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %s is not a loopback IP", addr)
	}
	return nil
}

func listenLoopback(ctx context.Context, addr string) (net.Listener, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	return lc.Listen(ctx, "tcp", addr)
}

func printAddrs(out io.Writer, sim *providersim.Sim, admin string) {
	for _, p := range sim.Providers() {
		tls := ""
		if p.TLS {
			tls = " starttls"
		}
		fmt.Fprintf(out, "%-10s smtp://%s  mx=%s  domains=%s%s\n",
			p.Name, p.Addr, p.Hostname, strings.Join(p.Domains, ","), tls)
	}
	fmt.Fprintf(out, "admin      http://%s/stats\n", admin)
}

// serveAdmin serves h on l until ctx ends, then shuts down.
func serveAdmin(ctx context.Context, l net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("admin: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("admin: shutdown: %w", err)
	}
	return nil
}
