package policycost

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/hostabi/policytest"
	"github.com/wasmta/wasmta/internal/callgrind"
)

// BenchmarkMessageCount is BenchmarkMessage for an instruction counter:
// callgrind collects each message's four calls of policies/go/default
// (the module of the end-to-end policy scenario, guard on) alone, with
// 16 MiB written between messages outside the count, so a run counts a
// message's instructions and, with --cache-sim=yes, its data misses
// after the relay's own work, whatever the machine's load. The sub-
// benchmarks count the whole message and each hook alone. Divide the
// collected totals by the op count; scripts/policy-count-hooks.sh runs it.
// $WASMTA_BENCH_A, when set, names the module to count instead (a build
// of the same policy with another SDK).
func BenchmarkMessageCount(b *testing.B) {
	m := countModule(b)
	calls := messageCalls(m)
	flush := make([]byte, 16<<20)
	for i, name := range []string{"message", "on_mail_from", "on_rcpt", "on_message", "select_pool"} {
		b.Run(name, func(b *testing.B) {
			one := oneMessage
			if i > 0 {
				call := calls[i-1]
				one = func(*hostabi.Module) error { return call() }
			}
			// Warm-up outside the count: the guest's memory grows over
			// its first calls.
			for range 2000 {
				if err := oneMessage(m); err != nil {
					b.Fatal(err)
				}
			}
			// Callgrind's collection state is its thread's.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for b.Loop() {
				for k := 0; k < len(flush); k += 64 {
					flush[k]++
				}
				// A collection left marking would put its write barrier
				// and assists into the count.
				runtime.GC()
				callgrind.ToggleCollect()
				err := one(m)
				callgrind.ToggleCollect()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// countModule loads $WASMTA_BENCH_A, or a build of policies/go/default,
// with the guard. The timeouts are long for valgrind's pace: the count of
// a call does not depend on them.
func countModule(b *testing.B) *hostabi.Module {
	var wasm []byte
	var err error
	path := os.Getenv("WASMTA_BENCH_A")
	if path == "" {
		path = "policies/go/default"
		wasm, err = policytest.BuildGo(ctx, filepath.Join("..", "..", path))
	} else {
		wasm, err = os.ReadFile(path)
	}
	if err != nil {
		b.Fatal(err)
	}
	h, err := hostabi.New(ctx, hostabi.Config{CallTimeout: 30 * time.Second, InitTimeout: 5 * time.Minute, CompileTimeout: time.Hour,
		CacheDir: cacheDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	m, err := h.Load(ctx, "", wasm)
	if err != nil {
		b.Fatalf("load %s: %v", path, err)
	}
	return m
}
