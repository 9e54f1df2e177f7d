package scenario

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/wasmta/wasmta/bench/internal/proc"
	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/bench/internal/sink"
)

// Load is one smtp-source run.
type Load struct {
	Size       int    // body bytes (-l), headers not included
	Rcpts      int    // recipients per message (-r)
	Count      int    // messages (-m)
	Sessions   int    // parallel sessions (-s)
	Persistent bool   // -d: many messages per session
	To         string // recipient (-t) [rcpt@bench.example]
}

// Args returns smtp-source's arguments to send the load to addr.
func (l Load) Args(addr string) []string {
	to := l.To
	if to == "" {
		to = benchTo
	}
	a := []string{"-s", strconv.Itoa(l.Sessions), "-l", strconv.Itoa(l.Size), "-m", strconv.Itoa(l.Count),
		"-f", benchFrom, "-t", to, "-M", "source.bench.example"}
	if l.Rcpts > 1 {
		a = append(a, "-r", strconv.Itoa(l.Rcpts))
	}
	if l.Persistent {
		a = append(a, "-d")
	}
	return append(a, addr)
}

// Command returns the smtp-source command line, for the report.
func (l Load) Command(addr string) string {
	s := "smtp-source"
	for _, a := range l.Args(addr) {
		s += " " + a
	}
	return s
}

// Case names the load in the results.
func (l Load) Case() string {
	size := strconv.Itoa(l.Size) + " B"
	if l.Size%1024 == 0 {
		size = strconv.Itoa(l.Size/1024) + " KiB"
	}
	r := "1 rcpt"
	if l.Rcpts > 1 {
		r = strconv.Itoa(l.Rcpts) + " rcpts"
	}
	return size + " × " + r
}

// runSource runs smtp-source to completion and returns its wall time.
// smtp-source stops at the first unexpected reply, so an error means the
// MTA refused something.
func runSource(ctx context.Context, l Load, addr string) (time.Duration, error) {
	// Bounded: even 100 messages/s would finish in this time.
	ctx, cancel := within(ctx, time.Duration(l.Count/100+60)*time.Second)
	defer cancel()
	t0 := time.Now()
	out, err := proc.Run(ctx, "smtp-source", l.Args(addr)...)
	if err != nil {
		return 0, fmt.Errorf("scenario: %s: %w: %s", l.Command(addr), err, out)
	}
	return time.Since(t0), nil
}

// subject is a system under test: an MTA in front of the sink.
type subject interface {
	Addr() string
	CPU() time.Duration // CPU time used so far by all its processes
	Mem() int64         // resident memory now, bytes
	PeakMem() int64     // highest resident memory it knows of (0: sample only)
}

// Outcome is one measured run.
type Outcome struct {
	Load      Load
	Accept    time.Duration // smtp-source's wall time
	Deliver   time.Duration // from the start of the load to the last arrival at the sink
	Delivered int64         // messages at the sink
	CPU       time.Duration // the MTA's CPU time over the run
	Faults    int64         // the MTA's minor page faults over the run (0: not counted)
	PeakMem   int64         // bytes
	// SigsPerMsg is DKIM-Signature fields per message at the sink (signed
	// scenario only).
	SigsPerMsg float64
}

// faults is m's minor page faults so far, if it counts them (one process:
// wasmta), else 0.
func faults(m subject) int64 {
	if f, ok := m.(interface{ Faults() int64 }); ok {
		return f.Faults()
	}
	return 0
}

// measure runs l through m into s and measures it.
func measure(ctx context.Context, m subject, s *sink.Sink, l Load) (Outcome, error) {
	s.Reset()
	cpu0, flt0 := m.CPU(), faults(m)
	samp := proc.Sample(250*time.Millisecond, m.Mem)
	t0 := time.Now()
	wall, err := runSource(ctx, l, m.Addr())
	if err != nil {
		samp.Stop()
		return Outcome{}, err
	}
	wctx, cancel := within(ctx, time.Duration(l.Count*l.Rcpts/20+60)*time.Second)
	defer cancel()
	err = s.WaitRcpts(wctx, int64(l.Count*l.Rcpts))
	c := s.Counts()
	// Let the MTA finish the bookkeeping of the last delivery.
	time.Sleep(100 * time.Millisecond)
	o := Outcome{Load: l, Accept: wall, Deliver: c.Last.Sub(t0), Delivered: c.Messages,
		CPU: m.CPU() - cpu0, Faults: faults(m) - flt0, PeakMem: max(samp.Stop(), m.PeakMem())}
	if err != nil {
		return o, fmt.Errorf("scenario: delivery incomplete: %w", err)
	}
	return o, nil
}

// record adds the outcome's figures to row.
func (o Outcome) record(row *result.Row, mta bool) {
	row.Add("accepted_per_s", "msg/s", result.Higher, float64(o.Load.Count)/o.Accept.Seconds())
	if !mta {
		return
	}
	row.Add("delivered_per_s", "msg/s", result.Higher, float64(o.Delivered)/o.Deliver.Seconds())
	row.Add("cpu_s_per_1000", "CPU s / 1000 msg", result.Lower, o.CPU.Seconds()/float64(o.Load.Count)*1000)
	row.Add("peak_mem_mib", "MiB", result.Lower, float64(o.PeakMem)/mib)
}
