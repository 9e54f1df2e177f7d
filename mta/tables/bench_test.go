package tables

import (
	"bufio"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testrows"
	"github.com/wasmta/wasmta/mta/spool"
)

// rssMiB reads the resident memory of this process from /proc (0 where
// there is none).
func rssMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return float64(kb) / 1024
		}
	}
	return 0
}

// pushed is a push of rows rows into a fresh spool and what it cost.
type pushed struct {
	s                       *Store
	sp                      *spool.Store
	took                    time.Duration
	peakRSS, afterRSS, rss0 float64
}

// pushRows pushes a generated table of rows rows, sampling the resident
// memory every 50 ms while it loads.
func pushRows(tb testing.TB, dir string, rows int) *pushed {
	sp, err := spool.Open(filepath.Join(dir, "spool"), spool.Options{MinFreeBytes: -1, BallastBytes: -1})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := Open(sp, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	runtime.GC()
	p := &pushed{s: s, sp: sp, rss0: rssMiB()}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			p.peakRSS = max(p.peakRSS, rssMiB())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	start := time.Now()
	v, err := s.Push(context.Background(), "", "big", Spec{Format: FormatCSV}, &testrows.Source{N: rows})
	p.took = time.Since(start)
	close(done)
	wg.Wait()
	if err != nil || v.Rows != int64(rows) {
		tb.Fatalf("push: %+v %v", v, err)
	}
	runtime.GC()
	p.afterRSS = rssMiB()
	return p
}

// TestPushManyRows is the small version of BenchmarkTable10M: 300,000
// generated rows stream in, every row is found, and a key never pushed
// is not.
func TestPushManyRows(t *testing.T) {
	const rows = 300_000
	p := pushRows(t, t.TempDir(), rows)
	defer p.sp.Close()
	t.Logf("%d rows in %v (%.0f rows/s); RSS %.0f MiB before, %.0f peak, %.0f after",
		rows, p.took, rows/p.took.Seconds(), p.rss0, p.peakRSS, p.afterRSS)
	for _, i := range []int{0, 1, rows / 2, rows - 1} {
		if v, ok, _, err := p.s.Lookup("acme", "big", testrows.Key(i)); err != nil || !ok || string(v) != testrows.Value(i) {
			t.Errorf("row %d: %q %v %v", i, v, ok, err)
		}
	}
	if _, ok, _, _ := p.s.Lookup("", "big", testrows.Key(rows)); ok {
		t.Error("a key never pushed was found")
	}
}

// BenchmarkTable10M pushes a table of WASMTA_TABLE_ROWS rows (default ten
// million) and measures the push (rows/s, resident memory during and
// after), then lookups: hot (the LRU answers) and cold (every lookup one
// Pebble read: the cache is too small to keep a row).
func BenchmarkTable10M(b *testing.B) {
	rows := 10_000_000
	if v, err := strconv.Atoi(os.Getenv("WASMTA_TABLE_ROWS")); err == nil && v > 0 {
		rows = v
	}
	dir := b.TempDir()
	var p *pushed
	b.Run("push", func(b *testing.B) {
		for range b.N {
			if p != nil {
				p.sp.Close()
				os.RemoveAll(filepath.Join(dir, "spool"))
			}
			p = pushRows(b, dir, rows)
		}
		b.ReportMetric(float64(rows)/p.took.Seconds(), "rows/s")
		b.ReportMetric(p.took.Seconds(), "s/push")
		b.ReportMetric(p.peakRSS, "peak-RSS-MiB")
		b.ReportMetric(p.afterRSS, "after-RSS-MiB")
		b.ReportMetric(p.rss0, "before-RSS-MiB")
	})
	defer p.sp.Close()
	b.Run("lookup-hot", func(b *testing.B) {
		keys := make([]string, 1000)
		for i := range keys {
			keys[i] = testrows.Key(rand.IntN(rows))
		}
		b.ResetTimer()
		for i := range b.N {
			if _, ok, _, _ := p.s.Lookup("acme", "big", keys[i%len(keys)]); !ok {
				b.Fatal("not found")
			}
		}
	})
	cold, err := Open(p.sp, Options{CacheBytes: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("lookup-cold", func(b *testing.B) {
		for range b.N {
			if _, ok, _, _ := cold.Lookup("acme", "big", testrows.Key(rand.IntN(rows))); !ok {
				b.Fatal("not found")
			}
		}
	})
}

// BenchmarkLookupHot is lookup-hot on a small table: what the cache path
// costs without the 10M-row push before it.
func BenchmarkLookupHot(b *testing.B) {
	p := pushRows(b, b.TempDir(), 10_000)
	defer p.sp.Close()
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = testrows.Key(i * 7)
	}
	for _, k := range keys {
		p.s.Lookup("acme", "big", k)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, ok, _, _ := p.s.Lookup("acme", "big", keys[i%len(keys)]); !ok {
			b.Fatal("not found")
		}
	}
}
