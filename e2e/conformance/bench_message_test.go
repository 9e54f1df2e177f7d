package conformance

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"testing"
	"text/template"
	"time"

	"github.com/wasmta/wasmta/internal/callgrind"
	"github.com/wasmta/wasmta/mta/policy"
	"golang.org/x/sys/unix"
)

// BenchmarkMessage is what the conformance policy costs per relayed
// message, the load of the policy scenario of make bench: wasmta calls
// on_rcpt and select_pool for every message (route and shape answers are
// cached; the other hooks are not declared). One op is one message; the
// cpu-ns/op metric is the figure to set against the engine's CPU per
// message (docs/benchmarks.md, "Policy cost").
func BenchmarkMessage(b *testing.B) {
	rcpt, pool := messageInputs()
	b.Run("native", func(b *testing.B) {
		loop(b, func(int) {
			sink, _ = native{}.OnRcpt(ctx, rcpt)
			sink, _ = native{}.SelectPool(ctx, pool)
		})
	})
	for _, name := range Languages {
		b.Run(name, func(b *testing.B) {
			m := guarded.modules(b, false)[name]
			loop(b, func(int) { messageCalls(b, m, rcpt, pool) })
		})
	}
}

// messageCalls makes one message's two calls.
func messageCalls(b *testing.B, m policy.Policy, rcpt *policy.RcptInput, pool *policy.PoolInput) {
	r, err := m.OnRcpt(ctx, rcpt)
	if !noOpinion(err) {
		b.Fatal(err)
	}
	p, err := m.SelectPool(ctx, pool)
	if !noOpinion(err) {
		b.Fatal(err)
	}
	sink, sink = r, p
}

// messageInputs are the inputs of one relayed message's two calls.
func messageInputs() (*policy.RcptInput, *policy.PoolInput) {
	rep := &policy.Reputation{Tenant1h: policy.ReputationCounts{Deliveries: 1200, Complaints: 1},
		Tenant24h: policy.ReputationCounts{Deliveries: 25000, Bounces: 300, Complaints: 9}}
	peer := policy.Peer{Addr: "127.0.0.1:40312", IP: "127.0.0.1", Helo: "source.bench.example"} // IP as reception gives it
	return &policy.RcptInput{Peer: peer, Sender: "sender@source.bench.example", Recipient: "rcpt@bench.example"},
		&policy.PoolInput{Domain: "bench.example", Site: "mx.bench.example", Reputation: rep}
}

// BenchmarkMessageCold is BenchmarkMessage with the CPU's caches flushed
// between messages (16 MiB written), as a relay's own work between two
// messages flushes them: a module's code and memory are then cache misses
// on every call. cpu-ns/msg is the CPU time of the two calls only (the
// thread's clock); ns/op includes the flush.
func BenchmarkMessageCold(b *testing.B) {
	rcpt, pool := messageInputs()
	flush := make([]byte, 16<<20)
	for _, name := range Languages {
		b.Run(name, func(b *testing.B) {
			m := guarded.modules(b, false)[name]
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var spent time.Duration
			n := 0
			for b.Loop() {
				for i := 0; i < len(flush); i += 64 {
					flush[i]++
				}
				t0 := threadCPU()
				messageCalls(b, m, rcpt, pool)
				spent += threadCPU() - t0
				n++
			}
			b.ReportMetric(float64(spent)/float64(n), "cpu-ns/msg")
		})
	}
}

// threadCPU is the calling thread's CPU clock; callers lock the goroutine
// to its thread.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// BenchmarkMessageCount is BenchmarkMessageCold for an instruction
// counter: callgrind collects each message's two calls alone (run with
// --collect-atstart=no; the calls toggle the collection on and off), and
// the 16 MiB flush and evictCode run outside them, so a run counts a
// message's instructions and, with --cache-sim=yes, its cache misses from
// cold caches, whatever the machine's load. The
// command and the cache model are in docs/benchmarks.md ("Policy cost,
// session 9"): divide the collected totals by the message count.
func BenchmarkMessageCount(b *testing.B) {
	rcpt, pool := messageInputs()
	flush := make([]byte, 16<<20)
	for _, name := range append([]string{"native"}, Languages...) {
		b.Run(name, func(b *testing.B) {
			var m policy.Policy = native{}
			if name != "native" {
				m = guarded.modules(b, false)[name]
			}
			// Warm-up outside the count: the instance's memory grows and
			// its first calls fault in pages that a relay has long touched.
			for range 2000 {
				messageCalls(b, m, rcpt, pool)
			}
			// Callgrind's collection state is its thread's.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for b.Loop() {
				for i := 0; i < len(flush); i += 64 {
					flush[i]++
				}
				evictCode()
				// A collection left marking would put its write
				// barrier and assists into the count: a few hundred
				// instructions, on some messages and not others.
				runtime.GC()
				callgrind.ToggleCollect()
				messageCalls(b, m, rcpt, pool)
				callgrind.ToggleCollect()
			}
		})
	}
}

// evictCode runs a few hundred KiB of other code (compression, JSON,
// regular expressions, templates), as a relay's own work between two
// messages does: writing data evicts only the data and unified caches,
// and a policy whose code fits the 32 KiB instruction cache would
// otherwise find much of it still there, depending on where its code and
// the host's happen to lie (its misses then varied threefold between
// builds of the same code).
func evictCode() {
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	_, _ = w.Write(evictText)
	_ = w.Close()
	_, _ = io.Copy(io.Discard, flate.NewReader(&z))
	j, _ := json.Marshal(map[string]any{"text": string(evictText[:200]), "n": []float64{1.5, 2e9}})
	var v map[string]any
	_ = json.Unmarshal(j, &v)
	_ = evictRE.FindAllStringSubmatch(string(evictText), -1)
	_ = evictTmpl.Execute(io.Discard, v)
	sink = fmt.Sprintf("%v %x %q %.3e", v, evictText[:32], evictText[:40], 12345.678)
}

var (
	evictText = bytes.Repeat([]byte("Received: from mx.example.org (192.0.2.7) by relay; 7 Dec 2026 08:00:00 +0000\r\n"), 64)
	evictRE   = regexp.MustCompile(`from ([a-z.]+) \((\d+\.\d+\.\d+\.\d+)\)`)
	evictTmpl = template.Must(template.New("").Parse(`{{range $k, $v := .}}{{$k}}={{printf "%v" $v}};{{end}}`))
)
