package policycost

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/hostabi/policytest"
	"github.com/wasmta/wasmta/mta/policy"
)

// BenchmarkMessage is what the end-to-end policy scenario pays per message
// in calls: the four hooks that are not cached (on_mail_from, on_rcpt,
// on_message, select_pool) of policies/go/default, the module that
// scenario loads, on inputs like smtp-source's. One op is one message.

var (
	defaultOnce    sync.Once
	defaultMods    map[bool]*hostabi.Module // by guard on
	defaultLoadErr error
)

// defaultModules loads policies/go/default into a host with the guard and
// one without (UnsafeNoDeadline).
func defaultModules(b *testing.B) map[bool]*hostabi.Module {
	defaultOnce.Do(func() {
		wasm, err := policytest.BuildGo(ctx, filepath.Join("..", "..", "policies", "go", "default"))
		if err != nil {
			defaultLoadErr = err
			return
		}
		defaultMods = map[bool]*hostabi.Module{}
		for _, guard := range []bool{true, false} {
			h, err := hostabi.New(ctx, hostabi.Config{
				CallTimeout:      time.Second,
				InitTimeout:      20 * time.Second,
				UnsafeNoDeadline: !guard,
				CacheDir:         cacheDir(),
				Logger:           slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				defaultLoadErr = err
				return
			}
			if defaultMods[guard], err = h.Load(ctx, "", wasm); err != nil {
				defaultLoadErr = fmt.Errorf("bench: load default: %w", err)
				return
			}
		}
	})
	if defaultLoadErr != nil {
		b.Fatal(defaultLoadErr)
	}
	return defaultMods
}

var (
	msgPeer   = policy.Peer{Addr: "127.0.0.1:40312", IP: "127.0.0.1", Helo: "source.bench.example"} // IP as reception gives it
	msgHeader = []byte("From: <sender@source.bench.example>\r\nTo: <rcpt@bench.example>\r\n" +
		"Date: Thu, 26 Nov 2026 21:00:00 +0000\r\nMessage-Id: <20261126210000.1234@source.bench.example>\r\n" +
		"Subject: test message 1234\r\nReceived: from source.bench.example (localhost [127.0.0.1])\r\n" +
		"\tby wasmta with ESMTP id 0123456789abcdef; Thu, 26 Nov 2026 21:00:00 +0000")
)

// messageCalls are the four calls of one message, in order.
func messageCalls(m *hostabi.Module) []func() error {
	return []func() error{
		func() error {
			_, err := m.OnMailFrom(ctx, &policy.MailFromInput{Peer: msgPeer, Sender: "sender@source.bench.example"})
			return err
		},
		func() error {
			_, err := m.OnRcpt(ctx, &policy.RcptInput{Peer: msgPeer, Sender: "sender@source.bench.example", Recipient: "rcpt@bench.example"})
			return err
		},
		func() error {
			_, err := m.OnMessage(ctx, &policy.MessageInput{Peer: msgPeer, Sender: "sender@source.bench.example",
				Recipients: []string{"rcpt@bench.example"}, Header: msgHeader, Size: 4400})
			return err
		},
		func() error {
			_, err := m.SelectPool(ctx, &policy.PoolInput{Domain: "bench.example", Site: "mx.bench.example"})
			return err
		},
	}
}

// oneMessage makes the four calls of one message. "No opinion" is an
// answer (the conformance policy has no reception hook but on_rcpt).
func oneMessage(m *hostabi.Module) error {
	for _, call := range messageCalls(m) {
		if err := call(); err != nil && !errors.Is(err, policy.ErrNotImplemented) {
			return err
		}
	}
	return nil
}

func BenchmarkMessage(b *testing.B) {
	mods := defaultModules(b)
	for _, guard := range []bool{true, false} {
		name := "wasm-guard"
		if !guard {
			name = "wasm-noguard"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			c0, n := cpuTime(), 0
			for b.Loop() {
				if err := oneMessage(mods[guard]); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(n), "cpu-ns/op")
		})
	}
}

// cacheDir is wazero's compilation cache for the benchmarks' hosts: a
// count under valgrind reads the code a native run compiled.
func cacheDir() string { return filepath.Join(os.TempDir(), "wasmta-wazero-cache") }

// cpuTime is the process's CPU time so far: on a shared machine, wall
// time per op includes other processes' turns, CPU time much less so.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMessageNewGoroutine makes each message's calls from a new
// goroutine, as reception does for each SMTP connection (smtp-source opens
// one per message): the first entry into wazero then grows the goroutine's
// stack.
func BenchmarkMessageNewGoroutine(b *testing.B) {
	m := defaultModules(b)[true]
	b.ReportAllocs()
	c0, n := cpuTime(), 0
	for b.Loop() {
		done := make(chan error)
		go func() { done <- oneMessage(m) }()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(n), "cpu-ns/op")
}

// BenchmarkMessageHandoff is BenchmarkMessageNewGoroutine with every call
// handed over channels to one long-lived goroutine, whose stack has
// grown once, as per-instance worker goroutines would do: the round trip
// per call against the stack growth per new goroutine it avoids.
func BenchmarkMessageHandoff(b *testing.B) {
	m := defaultModules(b)[true]
	req := make(chan func() error)
	resp := make(chan error)
	go func() {
		for f := range req {
			resp <- f()
		}
	}()
	defer close(req)
	calls := messageCalls(m)
	b.ReportAllocs()
	for b.Loop() {
		done := make(chan error)
		go func() {
			for _, call := range calls {
				req <- call
				if err := <-resp; err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMessageHook is BenchmarkMessage split by hook: what each of
// the four calls costs alone (guard on).
func BenchmarkMessageHook(b *testing.B) {
	m := defaultModules(b)[true]
	for i, name := range []string{"on_mail_from", "on_rcpt", "on_message", "select_pool"} {
		b.Run(name, func(b *testing.B) {
			call := messageCalls(m)[i]
			b.ReportAllocs()
			for b.Loop() {
				if err := call(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMessageHookCold is BenchmarkMessageHook with the CPU's caches
// flushed before each call (16 MiB written, outside the measured time),
// as a relay's own work between two calls flushes them; cpu-ns/call is
// the calls' thread CPU only. The four rows add up to what a message
// pays with the Go policy on every hook.
func BenchmarkMessageHookCold(b *testing.B) {
	m := defaultModules(b)[true]
	flush := make([]byte, 16<<20)
	for i, name := range []string{"on_mail_from", "on_rcpt", "on_message", "select_pool"} {
		b.Run(name, func(b *testing.B) {
			call := messageCalls(m)[i]
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var spent time.Duration
			n := 0
			for b.Loop() {
				for k := 0; k < len(flush); k += 64 {
					flush[k]++
				}
				t0 := threadCPU()
				if err := call(); err != nil {
					b.Fatal(err)
				}
				spent += threadCPU() - t0
				n++
			}
			b.ReportMetric(float64(spent)/float64(n), "cpu-ns/call")
		})
	}
}

// BenchmarkMessageAB compares two builds of a policy module on the
// message's four calls, interleaved: each iteration sends one message to
// $WASMTA_BENCH_A, then to $WASMTA_BENCH_B, and the CPU time of each is
// taken on this locked thread, so both see the same load on a shared
// machine. Skipped unless both variables name .wasm files:
//
//	WASMTA_BENCH_A=old.wasm WASMTA_BENCH_B=new.wasm \
//	  go test -run '^$' -bench MessageAB -benchtime 3s -count 3 ./bench/policycost
func BenchmarkMessageAB(b *testing.B) { benchAB(b, nil) }

// BenchmarkMessageABCold is BenchmarkMessageAB with the CPU's caches
// flushed before each message (16 MiB written, outside the measured
// time), as a relay's own work between two messages flushes them:
//
//	WASMTA_BENCH_A=old.wasm WASMTA_BENCH_B=new.wasm \
//	  go test -run '^$' -bench MessageABCold -benchtime 20000x -count 3 ./bench/policycost
func BenchmarkMessageABCold(b *testing.B) { benchAB(b, make([]byte, 16<<20)) }

// benchAB runs BenchmarkMessageAB, writing to flush before each message
// when it is not nil.
func benchAB(b *testing.B, flush []byte) {
	a, bb := os.Getenv("WASMTA_BENCH_A"), os.Getenv("WASMTA_BENCH_B")
	if a == "" || bb == "" {
		b.Skip("WASMTA_BENCH_A and WASMTA_BENCH_B name the two modules")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	h, err := hostabi.New(ctx, hostabi.Config{CallTimeout: time.Second, InitTimeout: 20 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	var mods []*hostabi.Module
	for _, path := range []string{a, bb} {
		wasm, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		m, err := h.Load(ctx, "", wasm)
		if err != nil {
			b.Fatalf("load %s: %v", path, err)
		}
		mods = append(mods, m)
	}
	var spent [2]time.Duration
	n := 0
	for b.Loop() {
		for k, m := range mods {
			for i := 0; i < len(flush); i += 64 {
				flush[i]++
			}
			t0 := threadCPU()
			if err := oneMessage(m); err != nil {
				b.Fatal(err)
			}
			spent[k] += threadCPU() - t0
		}
		n++
	}
	b.ReportMetric(float64(spent[0].Nanoseconds())/float64(n), "A-cpu-ns/msg")
	b.ReportMetric(float64(spent[1].Nanoseconds())/float64(n), "B-cpu-ns/msg")
}

// threadCPU is the calling thread's CPU time (RUSAGE_THREAD); callers
// lock the goroutine to its thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const rusageThread = 1 // RUSAGE_THREAD (Linux)
