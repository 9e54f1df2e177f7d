package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/tables"
)

func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Default(), nil
	}
	return config.Load(path)
}

// newLogger returns the daemon's logger; its level is level, which a
// reload sets.
func newLogger(cfg *config.Config, level *slog.LevelVar) *slog.Logger {
	level.Set(cfg.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	path := fs.String("config", "", "configuration file (TOML); none = embedded defaults")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) to this file until shutdown")
	fs.Parse(args)
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	// First, before anything is opened: it may execute the program again.
	slackErr := timerSlack(cfg.TimerSlack)
	// Catch signals before anything listens: a SIGTERM that arrives while
	// the spool opens or the admin listener starts must still mean a clean
	// shutdown, not the default abrupt exit.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	if *cpuprofile != "" {
		stop, err := startCPUProfile(*cpuprofile)
		if err != nil {
			return err
		}
		defer stop()
	}
	level := new(slog.LevelVar)
	log := newLogger(cfg, level)
	slog.SetDefault(log)
	if slackErr != nil {
		log.Warn("timer slack left as it was", "err", slackErr)
	}
	ctx := context.Background()
	st, err := engine.OpenSpool(cfg, log)
	if err != nil {
		return err
	}
	tabs, err := tables.Open(st, tables.Options{MaxBytes: cfg.Tables.MaxBytes, CacheBytes: cfg.Tables.CacheSize, Logger: log})
	if err != nil {
		st.Close()
		return err
	}
	// Faults come back to the engine's policy.Guard as errors, which
	// records them; the host needs no callback of its own.
	host, reg, err := newPolicies(ctx, cfg, st, tabs, log)
	if err != nil {
		st.Close()
		if host != nil {
			host.Close(ctx)
		}
		return err
	}
	defer host.Close(ctx)
	defer reg.Close()
	flt, modules, err := joinFleet(ctx, cfg, reg, log)
	if err == nil {
		err = loadPolicyFiles(ctx, cfg, reg, modules.fleet, log)
	}
	if err != nil {
		st.Close()
		return err
	}
	obs, err := newObservability(cfg, st, log)
	if err != nil {
		st.Close()
		return err
	}
	eng, err := engine.New(cfg, engine.Options{Logger: log, Registry: obs.met.WrapRegistry(reg), Spool: st,
		Records: obs.records(), Tables: tabs, Fleet: flt, Version: buildVersion()})
	if err != nil {
		st.Close()
		return err
	}
	if err := eng.Start(); err != nil {
		eng.Close()
		return err
	}
	rl := &reloader{path: *path, eng: eng, host: host, reg: reg, mods: modules, level: level, log: log, hooks: obs.out}
	rl.noteFiles(cfg)
	if err := obs.start(cfg, eng, modules.admin(), rl.adminReload); err != nil {
		obs.stop()
		eng.Close()
		return err
	}
	log.Info("wasmta ready", "version", buildVersion(), "spool", cfg.SpoolDir)
	// The queues are rebuilt from the spool while the listeners serve; a
	// rebuild that fails (the messages it did not queue stay in the spool)
	// ends the process as a failed start did.
	rebuilt := eng.Rebuilt()
	for {
		select {
		case <-rebuilt:
			rebuilt = nil
			if err := eng.RebuildErr(); err != nil {
				log.Info("shutting down", "reason", "the queue rebuild failed")
				obs.stop()
				return errors.Join(err, eng.Close())
			}
		case s := <-sig:
			if s == syscall.SIGHUP {
				// SIGHUP reads the configuration again (DKIM key files
				// included); a bad file changes nothing.
				rl.onSignal()
				continue
			}
			log.Info("shutting down", "signal", s.String())
			obs.stop()
			return eng.Close()
		}
	}
}

// startCPUProfile profiles the process until the returned func is called
// (benchmarks: wasmta-bench profiles a run with it).
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("serve: cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("serve: cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
