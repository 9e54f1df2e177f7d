package spool

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	dto "github.com/prometheus/client_model/go"

	"github.com/wasmta/wasmta/mta/message"
)

var benchWriters = []int{1, 8, 32, 128}

// BenchmarkPut measures synced Puts of 4 KiB bodies from concurrent writers
// (receptions). msgs/s is the figure that matters; puts/sync shows how many
// Puts share one WAL fsync (group commit).
func BenchmarkPut(b *testing.B) {
	for _, w := range benchWriters {
		b.Run(fmt.Sprintf("writers=%d", w), func(b *testing.B) {
			s := openTest(b, b.TempDir(), testOptions())
			defer s.Close()
			body := bodyFor(message.ID{1}, 4096)
			puts, syncs := s.stats.puts.Load(), walSyncs(b, s)
			elapsed := runWriters(b, w, func() error {
				m := newMessage(0, 2)
				return s.Put(context.Background(), m, body)
			})
			puts, syncs = s.stats.puts.Load()-puts, walSyncs(b, s)-syncs
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			if syncs > 0 {
				b.ReportMetric(float64(puts)/float64(syncs), "puts/sync")
			}
		})
	}
}

// walSyncs reads the WAL fsync count straight from Pebble (Stats caches it).
func walSyncs(b *testing.B, s *Store) int64 {
	var pm dto.Metric
	if err := s.db.Metrics().LogWriter.FsyncLatency.Write(&pm); err != nil {
		b.Fatal(err)
	}
	return int64(pm.GetHistogram().GetSampleCount())
}

// BenchmarkPebbleSyncApply is the baseline: the same two keys and bytes
// applied straight to a Pebble with default options, synced.
func BenchmarkPebbleSyncApply(b *testing.B) {
	env := encodeMessage(nil, newMessage(0, 2))
	body := bodyFor(message.ID{1}, 4096)
	for _, w := range benchWriters {
		b.Run(fmt.Sprintf("writers=%d", w), func(b *testing.B) {
			db, err := pebble.Open(b.TempDir(), &pebble.Options{Logger: pebbleLogger{testOptions().Logger}})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			elapsed := runWriters(b, w, func() error {
				id := message.NewID(time.Now())
				batch := db.NewBatch()
				defer batch.Close()
				_ = batch.Set(idKey(prefixMessage, id), env, nil)
				_ = batch.Set(idKey(prefixBody, id), body, nil)
				return db.Apply(batch, pebble.Sync)
			})
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
		})
	}
}

// runWriters runs op b.N times spread over w goroutines and returns the
// wall time taken.
func runWriters(b *testing.B, w int, op func() error) time.Duration {
	b.SetBytes(4096)
	b.ReportAllocs()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	for range w {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := op(); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	return elapsed
}
