package policycost

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/hostabi/policytest"
)

// BenchmarkMessageFresh is what a new instance of policies/go/default
// costs over its first messages, as wasmta pays after a start, a push or
// a fault: one op loads the module into a new host with one instance and
// sends it $WASMTA_BENCH_FRESH messages (default 1500, the four calls
// each; the end-to-end policy scenario gives each of its 4 instances
// about 1,250). A Go guest's memory grows through these calls, 512 KiB
// at a time. load-cpu-ms is the Load (the compiled code comes from the
// cache after the first op: instantiation, _initialize and the dry run);
// cpu-ns/msg the messages. Both are the process's CPU time, so the host
// collector's work on what the calls leave is counted:
//
//	go test -run '^$' -bench MessageFresh -benchtime 20x -count 3 ./bench/policycost
func BenchmarkMessageFresh(b *testing.B) {
	wasm, err := policytest.BuildGo(ctx, filepath.Join("..", "..", "policies", "go", "default"))
	if err != nil {
		b.Fatal(err)
	}
	msgs := 1500
	if s := os.Getenv("WASMTA_BENCH_FRESH"); s != "" {
		if msgs, err = strconv.Atoi(s); err != nil || msgs <= 0 {
			b.Fatalf("WASMTA_BENCH_FRESH=%q: a number of messages", s)
		}
	}
	var load, calls time.Duration
	n := 0
	for b.Loop() {
		h, err := hostabi.New(ctx, hostabi.Config{
			CallTimeout: time.Second,
			InitTimeout: 20 * time.Second,
			Instances:   1,
			CacheDir:    filepath.Join(os.TempDir(), "wasmta-wazero-cache"),
			Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err != nil {
			b.Fatal(err)
		}
		t0 := cpuTime()
		m, err := h.Load(ctx, "", wasm)
		if err != nil {
			b.Fatal(err)
		}
		t1 := cpuTime()
		for range msgs {
			if err := oneMessage(m); err != nil {
				b.Fatal(err)
			}
		}
		t2 := cpuTime()
		load += t1 - t0
		calls += t2 - t1
		n++
		if err := h.Close(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(load.Nanoseconds())/1e6/float64(n), "load-cpu-ms")
	b.ReportMetric(float64(calls.Nanoseconds())/float64(n*msgs), "cpu-ns/msg")
}
