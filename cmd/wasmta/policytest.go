package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/wasmta/wasmta/hostabi/policytest"
)

// policyTest runs `wasmta policy test FILE.wasm CASES.toml`: the module
// against a case file, offline, with no MTA running.
func policyTest(args []string) error {
	fs := flag.NewFlagSet("policy test", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: wasmta policy test FILE.wasm CASES.toml\n\nRuns every case of the case file (docs/policies.md) against the module.")
	}
	fs.Parse(args)
	if fs.NArg() != 2 {
		fs.Usage()
		os.Exit(2)
	}
	wasm, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("policy test: %w", err)
	}
	_, failed, err := policytest.RunFile(context.Background(), wasm, fs.Arg(1), os.Stdout)
	if err != nil {
		return fmt.Errorf("policy test: %w", err)
	}
	if failed > 0 {
		return fmt.Errorf("policy test: %d case(s) failed", failed)
	}
	return nil
}
