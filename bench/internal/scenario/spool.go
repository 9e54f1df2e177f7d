package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/wasmta/wasmta/bench/internal/result"
)

// Spool systems.
const (
	spoolPut   = "spool.Put (group commit)"
	spoolRaw   = "raw Pebble: Apply(batch, Sync)"
	spoolOther = "spool benchmark"
)

// Spool runs the spool's Go benchmarks: synced Puts of 4 KiB messages
// from concurrent writers with group commit, against a raw Pebble baseline
// applying the same keys with Sync on the same disk.
func (e *Env) Spool(ctx context.Context) *result.Scenario {
	sc, t0 := e.begin("spool", "Spool: synced writes")
	bt, count := "2s", e.Repeats
	if e.Quick {
		bt, count = "200x", 1
	}
	lines, cmd, err := e.goBench(ctx, "./mta/spool", "^Benchmark(Put|PebbleSyncApply)$", bt, count, 10*time.Minute)
	sc.Command = []string{cmd}
	sc.Notes = append(sc.Notes,
		"Each Put writes the message metadata and a 4 KiB body in one batch and returns after the WAL fsync; concurrent Puts share syncs (puts/sync).",
		"The temporary directories of go test are on the same disk as the spools of the other scenarios.")
	if err != nil {
		sc.Notes = append(sc.Notes, fmt.Sprintf("spool benchmarks failed: %v", err))
	}
	for _, ln := range lines {
		top, sub := ln.Split()
		sys := spoolOther + " " + top
		switch top {
		case "Put":
			sys = spoolPut
		case "PebbleSyncApply":
			sys = spoolRaw
		}
		row := sc.Row(sys, sub)
		if v, ok := ln.Metrics["msgs/s"]; ok {
			row.Add("msgs_per_s", "msg/s", result.Higher, v)
		}
		if v, ok := ln.Metrics["puts/sync"]; ok {
			row.Add("puts_per_sync", "puts / fsync", "", v)
		}
		if v, ok := ln.Metrics["ns/op"]; ok {
			row.Add("ns_per_op", "ns / op", result.Lower, v)
		}
	}
	return e.end(sc, t0)
}
