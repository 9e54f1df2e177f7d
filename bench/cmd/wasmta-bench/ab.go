package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/wasmta/wasmta/bench/internal/proc"
	"github.com/wasmta/wasmta/bench/internal/scenario"
)

// abCmd compares wasmta builds on the relay: interleaved runs, each
// build's CPU per 1000 messages from /proc.
func abCmd(args []string) error {
	fs := flag.NewFlagSet("ab", flag.ContinueOnError)
	pairs := fs.Int("pairs", 5, "rounds; each runs every binary once, the order rotated each round")
	count := fs.Int("count", 6000, "messages per run (smtp-source -m)")
	size := fs.Int("size", 4096, "body bytes (smtp-source -l)")
	sessions := fs.Int("sessions", 20, "parallel smtp-source sessions (-s)")
	chunking := fs.Bool("sink-chunking", false, "the harness's sink offers CHUNKING, so wasmta delivers each message as BDAT with its envelope (the relay scenario's sink does not)")
	out := fs.String("json", "", "also write every run to this JSON file")
	tmp := fs.String("tmp", os.TempDir(), "parent of the temporary directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 2 || *pairs < 1 || *count < 1 {
		return errors.New("usage: wasmta-bench ab [--pairs N] [--count M] [--size B] [--json FILE] BINARY BINARY [BINARY]")
	}
	var bins []string
	for _, b := range fs.Args() {
		abs, err := filepath.Abs(b)
		if err != nil {
			return err
		}
		if _, err := os.Stat(abs); err != nil {
			return err
		}
		bins = append(bins, abs)
	}
	if _, err := exec.LookPath("smtp-source"); err != nil {
		return fmt.Errorf("smtp-source is missing (Debian package postfix): %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	root, err := os.MkdirTemp(*tmp, "wasmta-bench-ab-")
	if err != nil {
		return err
	}
	defer func() {
		proc.StopAll(5 * time.Second)
		os.RemoveAll(root)
	}()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	env := &scenario.Env{Root: root, Log: log}
	l := scenario.Load{Size: *size, Rcpts: 1, Count: *count, Sessions: *sessions}
	fmt.Printf("# %s, %d rounds, sink CHUNKING %v\n", l.Command("MTA:PORT"), *pairs, *chunking)
	runs, err := env.RelayAB(ctx, bins, *pairs, l, *chunking, func(r scenario.ABRun) {
		fmt.Printf("round %d  %-40s  CPU %.3f s/1000 msg  accepted %5.0f msg/s  delivered %5.0f msg/s  load %.1f %.1f %.1f\n",
			r.Pair+1, r.Binary, r.CPUPer1k, r.Accepted, r.Delivered, r.Load[0], r.Load[1], r.Load[2])
	})
	printABSummary(bins, runs)
	if *out != "" && len(runs) > 0 {
		b, _ := json.MarshalIndent(map[string]any{"command": l.Command("MTA:PORT"), "sink_chunking": *chunking, "binaries": bins, "runs": runs}, "", "  ")
		if werr := os.WriteFile(*out, append(b, '\n'), 0o644); werr != nil {
			return errors.Join(err, werr)
		}
	}
	return err
}

// printABSummary prints each binary's mean, lowest and highest CPU per
// 1000 messages and mean accepted rate.
func printABSummary(bins []string, runs []scenario.ABRun) {
	for _, b := range bins {
		var n int
		var sum, acc, lo, hi float64
		for _, r := range runs {
			if r.Binary != b {
				continue
			}
			if n == 0 || r.CPUPer1k < lo {
				lo = r.CPUPer1k
			}
			hi = max(hi, r.CPUPer1k)
			sum += r.CPUPer1k
			acc += r.Accepted
			n++
		}
		if n > 0 {
			fmt.Printf("%-40s  runs %d  CPU mean %.3f (%.3f-%.3f) s/1000 msg  accepted mean %.0f msg/s\n",
				b, n, sum/float64(n), lo, hi, acc/float64(n))
		}
	}
}
