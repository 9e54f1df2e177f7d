package engine

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/spool"
)

// BenchmarkRebuild measures a restart's work before the engine listens
// with N messages queued (WASMTA_BENCH_SPOOL_N, 100,000 by default), on a
// real spool in a temporary directory written by spool.Put from 64
// writers, 4 KiB bodies of smtp-source's text, one recipient each, as
// smtp-source sends them:
//
//   - open: OpenSpool (table checks, Pebble's open), then Close
//   - rebuild: the queue rebuild alone (Engine.rebuild on an open spool)
//   - start: OpenSpool, New and the rebuild (a restart's work before its
//     SMTP listener accepted, until the rebuild moved beside the listener)
//
// cpu-ms/op is the process's CPU time per operation (background work of
// Pebble included), the figure to compare on a shared machine.
//
//	WASMTA_BENCH_SPOOL_N=200000 go test -run '^$' -bench Rebuild -benchtime 3x ./mta/engine/
func BenchmarkRebuild(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("WASMTA_BENCH_SPOOL_N")); err == nil && v > 0 {
		n = v
	}
	dir := b.TempDir()
	cfg := rebuildConfig(b, dir)
	fillSpool(b, cfg, n)
	b.Run(fmt.Sprintf("open/n=%d", n), func(b *testing.B) {
		measureCPU(b, func() {
			st := openBenchSpool(b, cfg)
			if err := st.Close(); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run(fmt.Sprintf("rebuild/n=%d", n), func(b *testing.B) {
		var took time.Duration
		measureCPU(b, func() {
			e := newRebuildEngine(b, cfg)
			t0 := time.Now()
			rebuildAll(b, e, n)
			took += time.Since(t0)
			e.Close()
		})
		b.ReportMetric(float64(took.Microseconds())/1000/float64(b.N), "rebuild-ms/op")
	})
	b.Run(fmt.Sprintf("start/n=%d", n), func(b *testing.B) {
		measureCPU(b, func() {
			e := newRebuildEngine(b, cfg)
			rebuildAll(b, e, n)
			e.Close()
		})
	})
}

func rebuildConfig(b *testing.B, dir string) *config.Config {
	cfg, err := config.Parse([]byte(fmt.Sprintf("spool_dir = %q\nhostname = \"mta.test\"\n", dir)))
	if err != nil {
		b.Fatal(err)
	}
	cfg.SMTP.MinFreeDisk = 0
	return cfg
}

func openBenchSpool(b *testing.B, cfg *config.Config) *spool.Store {
	st, err := OpenSpool(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	return st
}

func newRebuildEngine(b *testing.B, cfg *config.Config) *Engine {
	e, err := New(cfg, Options{Logger: slog.New(slog.DiscardHandler), Spool: openBenchSpool(b, cfg)})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func rebuildAll(b *testing.B, e *Engine, n int) {
	scan, err := e.spool.BeginQueueScan()
	if err != nil {
		b.Fatal(err)
	}
	got, err := e.rebuild(context.Background(), scan)
	if err != nil {
		b.Fatal(err)
	}
	if got != n || e.sched.Len() != n {
		b.Fatalf("rebuilt %d messages, %d items, want %d", got, e.sched.Len(), n)
	}
}

// measureCPU runs op b.N times and reports the process's CPU per op.
func measureCPU(b *testing.B, op func()) {
	cpu0 := cpuTime()
	for range b.N {
		op()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// fillSpool writes n messages as smtp-source's submissions are spooled.
func fillSpool(b *testing.B, cfg *config.Config, n int) {
	st := openBenchSpool(b, cfg)
	body := []byte(testBody(0))
	for len(body) < 4096 {
		body = fmt.Appendf(body, "La de da de da %d.\r\n", len(body))
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	for range 64 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n) && failed.Load() == nil; i = next.Add(1) {
				now := time.Now()
				m := &message.Message{ID: message.NewID(now), ReceivedAt: now, Size: int64(len(body)),
					Sender: "sender@source.bench.example", Peer: "127.0.0.1:40000", Helo: "source.bench.example",
					Protocol: "ESMTP", Recipients: []message.Recipient{{Addr: "rcpt@bench.example"}}}
				if err := st.Put(context.Background(), m, body); err != nil {
					failed.Store(&err)
				}
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
}
