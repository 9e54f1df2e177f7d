package policytest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/mta/policy"
)

// policies are the Go policies these tests build, by name: path from this
// package's directory.
var policies = map[string]string{
	"sdkprobe":      "testdata/sdkprobe",
	"default":       "../../policies/go/default",
	"tenantrouting": "../../policies/go/tenantrouting",
	"classifier":    "../../policies/go/classifier",
	"shaping":       "../../policies/go/shaping",
	"conformance":   "../../policies/go/conformance",
	"example":       "../../policies/go/example",
	"quarantine":    "../../policies/go/quarantine",
}

var (
	wasmOf  = map[string][]byte{}
	testCtx = context.Background()
)

// TestMain builds every policy once (BuildGo caches across runs) before
// the tests; the first build of a checkout takes a few seconds per policy.
func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(testCtx, 5*time.Minute)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	for name, dir := range policies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := BuildGo(ctx, dir)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			wasmOf[name] = b
		}()
	}
	wg.Wait()
	if firstErr != nil {
		fmt.Fprintln(os.Stderr, firstErr)
		os.Exit(1)
	}
	code := m.Run()
	if shared.host != nil {
		shared.host.Close(testCtx)
	}
	os.Exit(code)
}

// testConfig is the host configuration of these tests: a compilation
// cache on disk shared by every run (compiling a Go module takes seconds),
// deadlines that a busy machine cannot miss (a Go module compiled in over
// a minute with a load average of 40), and no log output.
func testConfig() hostabi.Config {
	return hostabi.Config{
		CallTimeout:    time.Second,
		InitTimeout:    20 * time.Second,
		CompileTimeout: 5 * time.Minute,
		CacheDir:       filepath.Join(os.TempDir(), "wasmta-wazero-cache"),
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		Tables:         conformanceTables(),
	}
}

// conformanceTables are the conformance suite's [[table]] entries, which
// its cases read through the shared host.
func conformanceTables() *policy.MemTables {
	f, err := os.Open("../../testdata/conformance/cases.toml")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	s, err := ParseSuite(f, "../../testdata/conformance")
	if err != nil {
		panic(err)
	}
	return s.MemTables()
}

// shared is the host with every built policy loaded, made by the first
// test that needs it and closed by TestMain.
var shared struct {
	once sync.Once
	host *hostabi.Host
	mods map[string]*hostabi.Module
	err  error
}

// loadAll returns every built policy, loaded once per test process.
func loadAll(t *testing.T) map[string]*hostabi.Module {
	t.Helper()
	shared.once.Do(func() { shared.host, shared.mods, shared.err = loadModules() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.mods
}

// loadModules loads every built policy into one new host, in parallel.
func loadModules() (*hostabi.Host, map[string]*hostabi.Module, error) {
	host, err := hostabi.New(testCtx, testConfig())
	if err != nil {
		return nil, nil, err
	}
	mods := map[string]*hostabi.Module{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	for name, b := range wasmOf {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := host.Load(testCtx, "", b)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("load %s: %w", name, err)
			}
			mods[name] = m
		}()
	}
	wg.Wait()
	return host, mods, firstErr
}

func parseFile(t *testing.T, path string) []Case {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return cases
}
