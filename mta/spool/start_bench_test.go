package spool

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// startBenchN is the number of messages in the spool BenchmarkStart opens:
// WASMTA_BENCH_SPOOL_N, 100,000 by default (a million takes minutes to
// write here).
func startBenchN() int {
	if n, err := strconv.Atoi(os.Getenv("WASMTA_BENCH_SPOOL_N")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// BenchmarkStart measures what a restart costs before the queues can be
// served, on a real spool in a temporary directory holding N messages of
// 4 KiB (smtp-source's text, which compresses as real mail does), one
// recipient each, written by Put from 64 writers and closed cleanly:
//
//   - open: Open then Close (the table checks and Pebble's open)
//   - open+scan: Open, the first full Scan (what the engine's rebuild
//     reads), Close
//
// cpu-ms/op is the process's CPU time (user + system) per operation,
// steadier than the wall time on a shared machine.
func BenchmarkStart(b *testing.B) {
	n := startBenchN()
	dir := b.TempDir()
	writeBenchSpool(b, dir, n)
	b.Run(fmt.Sprintf("open/n=%d", n), func(b *testing.B) {
		runStart(b, dir, func(*Store) {})
	})
	b.Run(fmt.Sprintf("open+scan/n=%d", n), func(b *testing.B) {
		runStart(b, dir, func(s *Store) {
			got := 0
			if err := s.Scan(context.Background(), func(*message.Message, []message.RcptState) error {
				got++
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			if got != n {
				b.Fatalf("Scan found %d messages, want %d", got, n)
			}
		})
	})
}

func runStart(b *testing.B, dir string, fn func(*Store)) {
	cpu0 := processCPU(b)
	for b.Loop() {
		s := openTest(b, dir, testOptions())
		fn(s)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// writeBenchSpool fills dir with n messages through Put.
func writeBenchSpool(b *testing.B, dir string, n int) {
	b.Helper()
	s := openTest(b, dir, testOptions())
	body := sourceBody(4096)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				m := newMessage(int(i), 1)
				m.Size = int64(len(body))
				if err := s.Put(context.Background(), m, body); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
}

// sourceBody is a body like smtp-source's: numbered lines of text.
func sourceBody(size int) []byte {
	var buf bytes.Buffer
	for i := 1; buf.Len() < size; i++ {
		fmt.Fprintf(&buf, "La de da de da %d.\r\n", i)
	}
	return buf.Bytes()[:size]
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
