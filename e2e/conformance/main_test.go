package conformance

import (
	"bytes"
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
	"github.com/wasmta/wasmta/hostabi/policytest"
	"github.com/wasmta/wasmta/mta/policy"
)

// root is the repository, two levels up from this package.
const root = "../.."

var ctx = context.Background()

// built holds every module, built once by TestMain: built[lang][policy].
var built = map[string]map[string]result{}

type result struct {
	wasm []byte
	err  error
}

// TestMain builds the conformance and panic policy of every language
// (from the cache when the sources did not change). A failed build fails
// the tests that need it, with the compiler's output or the command that
// installs the missing toolchain; nothing is skipped.
func TestMain(m *testing.M) {
	buildAll()
	os.Exit(m.Run())
}

func buildAll() {
	asc := EnsureAssemblyScript(ctx, root)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, lang := range Languages {
		built[lang] = map[string]result{}
		for _, name := range policiesOf(lang) {
			wg.Go(func() {
				var r result
				if lang == "assemblyscript" && asc != nil {
					r.err = asc
				} else {
					bctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
					r.wasm, r.err = buildSaved(bctx, lang, name)
					cancel()
				}
				mu.Lock()
				built[lang][name] = r
				mu.Unlock()
			})
		}
	}
	wg.Wait()
}

// savedEnv names a directory of built modules, LANG-NAME.wasm: a run
// with it set reads them from there, building and saving the missing ones
// first. A run under valgrind needs it: the builds' child processes (even
// the compilers' version checks) end in a SIGCHLD that callgrind 3.19
// aborts on (BenchmarkMessageCount).
const savedEnv = "WASMTA_CONFORMANCE_WASM"

// buildSaved is Build, through the directory savedEnv names when set.
func buildSaved(ctx context.Context, lang, name string) ([]byte, error) {
	dir := os.Getenv(savedEnv)
	if dir == "" {
		return Build(ctx, root, lang, name)
	}
	file := filepath.Join(dir, lang+"-"+name+".wasm")
	if wasm, err := os.ReadFile(file); err == nil {
		return wasm, nil
	}
	wasm, err := Build(ctx, root, lang, name)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(file, wasm, 0o644); err != nil {
		return nil, fmt.Errorf("conformance: save %s: %w", file, err)
	}
	return wasm, nil
}

// policiesOf lists what is built for a language: every language's
// conformance and panic policies, and the docs/policies.md example for the
// languages whose SDKs this package tests (the Go guide's example is
// tested by hostabi/policytest).
func policiesOf(lang string) []string {
	if lang == "go" {
		return []string{PolicyConformance, PolicyPanic}
	}
	return []string{PolicyConformance, PolicyPanic, "example"}
}

// wasmOf returns a built module or fails the test with the build error.
func wasmOf(t testing.TB, lang, name string) []byte {
	t.Helper()
	r := built[lang][name]
	if r.err != nil {
		t.Fatalf("%s %s policy: %v", lang, name, r.err)
	}
	return r.wasm
}

// TestToolchainsBuildEveryPolicy names every build that failed, so a
// missing toolchain shows up once with its install command.
func TestToolchainsBuildEveryPolicy(t *testing.T) {
	for _, lang := range Languages {
		for _, name := range policiesOf(lang) {
			r := built[lang][name]
			if r.err != nil {
				t.Errorf("%s/%s: %v", lang, name, r.err)
				continue
			}
			t.Logf("%-14s %-11s %7d bytes", lang, name, len(r.wasm))
		}
	}
}

// wazeroCache keeps compiled modules between hosts and runs: compiling
// the 2.5 MB Go module takes seconds, reading it back milliseconds.
var wazeroCache = filepath.Join(os.TempDir(), "wasmta-conformance-wazero")

// quiet discards guest log lines and host events.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newHost starts a host for a test; a generous deadline keeps a busy
// machine from faulting a call (speed is the benchmarks' business).
func newHost(t testing.TB, cfg hostabi.Config) *hostabi.Host {
	t.Helper()
	if cfg.CallTimeout == 0 {
		cfg.CallTimeout = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	if cfg.CacheDir == "" {
		cfg.CacheDir = wazeroCache
	}
	if cfg.Tables == nil {
		cfg.Tables = suiteTables
	}
	h, err := hostabi.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(ctx) })
	return h
}

// loadAll loads the conformance policy of every language into one host.
func loadAll(t testing.TB, h *hostabi.Host) map[string]*hostabi.Module {
	t.Helper()
	mods := map[string]*hostabi.Module{}
	for _, lang := range Languages {
		m, err := h.Load(ctx, "", wasmOf(t, lang, PolicyConformance))
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		t.Cleanup(m.Close)
		mods[lang] = m
	}
	return mods
}

// casesFile is the language-neutral conformance suite.
var casesFile = filepath.Join(root, "testdata", "conformance", "cases.toml")

// suiteTables are the [[table]] entries of the conformance suite: every
// host of these tests looks them up, and the native reference reads them.
var suiteTables = func() *policy.MemTables {
	b, err := os.ReadFile(casesFile)
	if err != nil {
		panic(err)
	}
	s, err := policytest.ParseSuite(bytes.NewReader(b), filepath.Dir(casesFile))
	if err != nil {
		panic(err)
	}
	return s.MemTables()
}()

func readCases(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(casesFile)
	if err != nil {
		t.Fatalf("conformance suite: %v", err)
	}
	return b
}
