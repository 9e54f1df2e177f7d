package engine

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"github.com/wasmta/wasmta/mta/spool"
)

// heapWatch samples the live Go heap a few times a second, so that the
// check reception makes on every message is one atomic load.
type heapWatch struct {
	limit int64 // bytes; 0 = no check
	live  atomic.Int64
}

const heapMetric = "/gc/heap/live:bytes"

// heapLimit is Options.MaxHeapBytes, else 90% of GOMEMLIMIT when one is
// set, else no limit.
func heapLimit(configured int64) int64 {
	if configured > 0 {
		return configured
	}
	if soft := debug.SetMemoryLimit(-1); soft > 0 && soft < math.MaxInt64 {
		return soft / 10 * 9
	}
	return 0
}

// run samples until ctx ends.
func (h *heapWatch) run(ctx context.Context) {
	if h.limit <= 0 {
		return
	}
	sample := []metrics.Sample{{Name: heapMetric}}
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			h.live.Store(int64(sample[0].Value.Uint64()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Admission reports whether reception may take a message now. When the
// live heap is over the limit it returns an error wrapping spool.ErrFull,
// which reception answers with 452 4.3.1 (insufficient system storage):
// the client keeps the message and retries, nothing is dropped. The spool
// makes the same answer when the disk is short.
func (e *Engine) Admission() error {
	h := &e.ctl.heap
	if h.limit > 0 {
		if live := h.live.Load(); live > h.limit {
			return fmt.Errorf("engine: memory short (live heap %d MiB over the limit of %d MiB): %w",
				live>>20, h.limit>>20, spool.ErrFull)
		}
	}
	if e.spool.Stats().Full {
		return fmt.Errorf("engine: disk short: %w", spool.ErrFull)
	}
	return nil
}
