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
	"slices"
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
	policy := fs.String("policy", "", "a wasm module every run loads as the global policy, delivering by MX through the harness's DNS as the policy scenario does (\"\": the built-in policy)")
	warm := fs.Int("warm", 0, "messages relayed unmeasured first in each run, in the same wasmta (the policy scenario relays 1000)")
	out := fs.String("json", "", "also write every run to this JSON file")
	tmp := fs.String("tmp", os.TempDir(), "parent of the temporary directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 2 || *pairs < 1 || *count < 1 || *warm < 0 {
		return errors.New("usage: wasmta-bench ab [--pairs N] [--count M] [--size B] [--policy WASM] [--warm W] [--json FILE] BINARY BINARY [BINARY]")
	}
	if *policy != "" {
		abs, err := filepath.Abs(*policy)
		if err != nil {
			return err
		}
		if _, err := os.Stat(abs); err != nil {
			return err
		}
		*policy = abs
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
	fmt.Printf("# %s, %d rounds, sink CHUNKING %v, policy %q, %d messages unmeasured first\n",
		l.Command("MTA:PORT"), *pairs, *chunking, *policy, *warm)
	opts := scenario.ABOptions{Chunking: *chunking, Policy: *policy, Warm: *warm}
	runs, err := env.RelayAB(ctx, bins, *pairs, l, opts, func(r scenario.ABRun) {
		fmt.Printf("round %d  %-40s  CPU %.3f s/1000 msg  page faults %.2f/msg  accepted %5.0f msg/s  delivered %5.0f msg/s  peak %4.0f MiB  load %.1f %.1f %.1f\n",
			r.Pair+1, r.Binary, r.CPUPer1k, r.Faults, r.Accepted, r.Delivered, r.PeakMem, r.Load[0], r.Load[1], r.Load[2])
	})
	printABSummary(bins, runs)
	if *out != "" && len(runs) > 0 {
		b, _ := json.MarshalIndent(map[string]any{"command": l.Command("MTA:PORT"), "sink_chunking": *chunking,
			"policy": *policy, "warm": *warm, "binaries": bins, "runs": runs}, "", "  ")
		if werr := os.WriteFile(*out, append(b, '\n'), 0o644); werr != nil {
			return errors.Join(err, werr)
		}
	}
	return err
}

// printABSummary prints each binary's mean, lowest and highest CPU per
// 1000 messages, mean accepted rate and peak memory, then each later binary's paired
// differences from the first, round by round (the runs of one round are
// seconds apart, so a change of the machine's load between rounds stays
// out of them), with their median.
func printABSummary(bins []string, runs []scenario.ABRun) {
	for _, b := range bins {
		var n int
		var sum, acc, mem, flt, lo, hi float64
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
			mem += r.PeakMem
			flt += r.Faults
			n++
		}
		if n > 0 {
			fmt.Printf("%-40s  runs %d  CPU mean %.3f (%.3f-%.3f) s/1000 msg  page faults mean %.2f/msg  accepted mean %.0f msg/s  peak memory mean %.0f MiB\n",
				b, n, sum/float64(n), lo, hi, flt/float64(n), acc/float64(n), mem/float64(n))
		}
	}
	for _, b := range bins[1:] {
		diffs := pairedDiffs(runs, bins[0], b)
		if len(diffs) == 0 {
			continue
		}
		fmt.Printf("%s − %s, per round (s/1000 msg):", filepath.Base(b), filepath.Base(bins[0]))
		lower := 0
		for _, d := range diffs {
			fmt.Printf(" %+.3f", d)
			if d < 0 {
				lower++
			}
		}
		slices.Sort(diffs)
		med := diffs[len(diffs)/2]
		if len(diffs)%2 == 0 {
			med = (diffs[len(diffs)/2-1] + med) / 2
		}
		fmt.Printf("; median %+.3f, lower in %d of %d\n", med, lower, len(diffs))
	}
}

// pairedDiffs is b's CPU less a's in each round that ran both.
func pairedDiffs(runs []scenario.ABRun, a, b string) []float64 {
	byRound := map[int][2]float64{}
	seen := map[int]int{}
	for _, r := range runs {
		v := byRound[r.Pair]
		switch r.Binary {
		case a:
			v[0] = r.CPUPer1k
			seen[r.Pair] |= 1
		case b:
			v[1] = r.CPUPer1k
			seen[r.Pair] |= 2
		}
		byRound[r.Pair] = v
	}
	// Rounds in order by number, not 0..len-1: a round with no run at all
	// (runs read back from a file, or filtered) would have hidden the last.
	rounds := make([]int, 0, len(byRound))
	for p := range byRound {
		rounds = append(rounds, p)
	}
	slices.Sort(rounds)
	var out []float64
	for _, p := range rounds {
		if seen[p] == 3 {
			out = append(out, byRound[p][1]-byRound[p][0])
		}
	}
	return out
}
