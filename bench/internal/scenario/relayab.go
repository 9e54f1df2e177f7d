package scenario

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wasmta/wasmta/bench/internal/proc"
)

// ABRun is one run of an interleaved A/B comparison (RelayAB).
type ABRun struct {
	Pair      int        `json:"pair"`
	Binary    string     `json:"binary"`
	CPUPer1k  float64    `json:"cpu_s_per_1000"` // wasmta's utime+stime from /proc, per 1000 messages
	Accepted  float64    `json:"accepted_per_s"`
	Delivered float64    `json:"delivered_per_s"`
	Load      [3]float64 `json:"load"` // the machine's load average at the start of the run
}

// RelayAB relays l through each binary in bins in turn, pairs rounds, the
// order rotated each round so that no binary always runs first or after
// the same one: the way to compare two builds' CPU per message on a
// machine whose load moves (a change's commit gives these figures). Each
// run is the relay scenario's (a fresh wasmta and spool, the harness's
// Go sink, smtp-source), the sink offering CHUNKING when chunking is set;
// done is called after each.
func (e *Env) RelayAB(ctx context.Context, bins []string, pairs int, l Load, chunking bool, done func(ABRun)) ([]ABRun, error) {
	var runs []ABRun
	root := e.Root
	defer func() { e.Root = root }()
	for p := range pairs {
		for i := range bins {
			bin := bins[(i+p)%len(bins)]
			e.Root = filepath.Join(root, fmt.Sprintf("ab-%d-%d", p, i))
			r := ABRun{Pair: p, Binary: bin, Load: proc.LoadAvg()}
			o, err := e.relayWasmta(ctx, l, wasmtaOpts{Bin: bin, SinkChunking: chunking})
			os.RemoveAll(e.Root)
			if err != nil {
				return runs, fmt.Errorf("scenario: %s: %w", bin, err)
			}
			r.CPUPer1k = o.CPU.Seconds() / float64(l.Count) * 1000
			r.Accepted = float64(l.Count) / o.Accept.Seconds()
			r.Delivered = float64(o.Delivered) / o.Deliver.Seconds()
			runs = append(runs, r)
			if done != nil {
				done(r)
			}
		}
	}
	return runs, nil
}
