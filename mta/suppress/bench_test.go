package suppress

import (
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkLookup1M: a tenant with a million suppressed recipients; the
// cost of checking one recipient (as RCPT does), not suppressed and
// suppressed, and the heap the filter takes. Run by make bench.
func BenchmarkLookup1M(b *testing.B) {
	const n = 1_000_000
	sp := openSpool(b, b.TempDir())
	defer sp.Close()
	s, _ := Open(sp)
	batch := make([]Entry, 0, 10_000)
	for i := range n {
		batch = append(batch, Entry{Tenant: "acme", Recipient: fmt.Sprintf("user%07d@example.org", i), Reason: ReasonHardBounce})
		if len(batch) == cap(batch) {
			if _, err := s.AddMany(batch, t0); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	// Reopen: the filter is built from the spool, as at a restart.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := Open(sp)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.Logf("filter heap after reopen with %d entries: %.1f MB; spool block cache %.1f MB (the filter's scans are cold)",
		n, float64(after.HeapAlloc-before.HeapAlloc)/1e6, float64(sp.CacheBytes())/1e6)
	b.Run("miss", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, ok, _ := s.Lookup("acme", fmt.Sprintf("other%07d@example.org", i%n), t0); ok {
				b.Fatal("suppressed")
			}
		}
	})
	b.Run("hit", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, ok, _ := s.Lookup("acme", fmt.Sprintf("user%07d@example.org", (i*7919)%n), t0); !ok {
				b.Fatal("not suppressed")
			}
		}
	})
}
