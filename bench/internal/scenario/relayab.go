package scenario

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wasmta/wasmta/bench/internal/proc"
	"github.com/wasmta/wasmta/internal/testdns"
)

// ABOptions are what the runs of RelayAB share besides the load.
type ABOptions struct {
	// Chunking: the harness's sink offers CHUNKING.
	Chunking bool
	// Policy is a module every run loads as the global policy ("": the
	// built-in), delivering by MX through the harness's DNS as the policy
	// scenario does.
	Policy string
	// Warm messages are relayed unmeasured first, in the same wasmta (the
	// policy scenario's warm-up); 0: none.
	Warm int
}

// ABRun is one run of an interleaved A/B comparison (RelayAB).
type ABRun struct {
	Pair      int        `json:"pair"`
	Binary    string     `json:"binary"`
	CPUPer1k  float64    `json:"cpu_s_per_1000"` // wasmta's utime+stime from /proc, per 1000 messages
	Faults    float64    `json:"minflt_per_msg"` // wasmta's minor page faults from /proc, per message
	Accepted  float64    `json:"accepted_per_s"`
	Delivered float64    `json:"delivered_per_s"`
	PeakMem   float64    `json:"peak_mem_mib"` // wasmta's peak resident memory in the measured part
	Load      [3]float64 `json:"load"`         // the machine's load average at the start of the run
}

// RelayAB relays l through each binary in bins in turn, pairs rounds, the
// order rotated each round so that no binary always runs first or after
// the same one: the way to compare two builds' CPU per message on a
// machine whose load moves (a change's commit gives these figures). Each
// run is the relay scenario's (a fresh wasmta and spool, the harness's
// Go sink, smtp-source), with opts; done is called after each.
func (e *Env) RelayAB(ctx context.Context, bins []string, pairs int, l Load, opts ABOptions, done func(ABRun)) ([]ABRun, error) {
	var runs []ABRun
	wo := wasmtaOpts{SinkChunking: opts.Chunking, Policy: opts.Policy}
	if opts.Policy != "" {
		dns, err := testdns.New()
		if err != nil {
			return nil, err
		}
		defer dns.Close()
		dns.SetMX(benchDomain, 300, testdns.MX{Pref: 10, Host: "mx." + benchDomain})
		dns.SetA("mx."+benchDomain, 300, "127.0.0.1")
		wo.DNS = dns.Addr()
	}
	warm := l
	warm.Count = opts.Warm
	root := e.Root
	defer func() { e.Root = root }()
	for p := range pairs {
		for i := range bins {
			bin := bins[(i+p)%len(bins)]
			e.Root = filepath.Join(root, fmt.Sprintf("ab-%d-%d", p, i))
			r := ABRun{Pair: p, Binary: bin, Load: proc.LoadAvg()}
			wo.Bin = bin
			var o Outcome
			var err error
			if opts.Warm > 0 {
				o, err = e.relayWarm(ctx, warm, l, wo)
			} else {
				o, err = e.relayWasmta(ctx, l, wo)
			}
			os.RemoveAll(e.Root)
			if err != nil {
				return runs, fmt.Errorf("scenario: %s: %w", bin, err)
			}
			r.CPUPer1k = o.CPU.Seconds() / float64(l.Count) * 1000
			r.Faults = float64(o.Faults) / float64(l.Count)
			r.Accepted = float64(l.Count) / o.Accept.Seconds()
			r.Delivered = float64(o.Delivered) / o.Deliver.Seconds()
			r.PeakMem = float64(o.PeakMem) / mib
			runs = append(runs, r)
			if done != nil {
				done(r)
			}
		}
	}
	return runs, nil
}
