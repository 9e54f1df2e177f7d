package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/bench/internal/sink"
)

// sessions is the number of parallel smtp-source sessions of every load.
const sessions = 20

// relayLoads returns the relay scenario's cases.
func (e *Env) relayLoads() []Load {
	if e.Quick {
		return []Load{{Size: 4096, Rcpts: 1, Count: 500, Sessions: sessions}}
	}
	var out []Load
	for _, size := range []int{1024, 4096, 32768} {
		for _, r := range []int{1, 10} {
			n := 2000
			if size == 32768 {
				n = 1000
			}
			out = append(out, Load{Size: size, Rcpts: r, Count: n, Sessions: sessions})
		}
	}
	return out
}

// isReference is the case the latency and backlog scenarios scale from.
func isReference(l Load) bool { return l.Size == 4096 && l.Rcpts == 1 }

// Relay measures relay throughput: smtp-source → MTA → sink, for wasmta
// and Postfix, and smtp-source → smtp-sink (the limit).
func (e *Env) Relay(ctx context.Context) *result.Scenario {
	sc, t0 := e.begin("relay", "Relay throughput")
	loads := e.relayLoads()
	sc.Command = append(sc.Command, loads[0].Command("MTA:PORT"))
	sc.Notes = append(sc.Notes, relayNotes...)
	for rep := range e.Repeats {
		for _, l := range loads {
			if ctx.Err() != nil {
				return e.end(sc, t0)
			}
			e.Log.Info("relay", "rep", rep+1, "case", l.Case())
			e.relayOnce(ctx, sc, l)
		}
	}
	e.keepMaxRates(sc)
	return e.end(sc, t0)
}

var relayNotes = []string{
	"Accepted: messages / smtp-source wall time. Delivered: messages at the sink / (last arrival − start of the load).",
	"CPU: utime+stime of the MTA over the run, from /proc (wasmta: the process; Postfix: the master's process tree, reaped children included).",
	"Peak memory: wasmta VmHWM; Postfix the peak of the summed PSS of its processes, sampled every 250 ms.",
	"Every smtp-source session opens a new connection per message (no -d), as in the issue's calibration; MTAs deliver to the harness's Go sink.",
}

// relayOnce runs one load through each system and records it.
func (e *Env) relayOnce(ctx context.Context, sc *result.Scenario, l Load) {
	o, err := e.relayWasmta(ctx, l, wasmtaOpts{})
	e.note(sc, SysWasmta, l, o, err, true)
	if e.Postfix {
		o, err = e.relayPostfix(ctx, l)
		e.note(sc, SysPostfix, l, o, err, true)
	}
	for _, persistent := range []bool{false, true} {
		lim := l
		lim.Persistent = persistent
		o, err = e.limit(ctx, lim)
		sys := SysLimit
		if persistent {
			sys = SysLimitD
		}
		e.note(sc, sys, l, o, err, false)
	}
}

// note records an outcome, or the error as a note.
func (e *Env) note(sc *result.Scenario, sys string, l Load, o Outcome, err error, mta bool) {
	if err != nil {
		e.Log.Error("run failed", "system", sys, "case", l.Case(), "err", err)
		sc.Notes = append(sc.Notes, fmt.Sprintf("%s, %s: a run failed: %v", sys, l.Case(), err))
		return
	}
	o.record(sc.Row(sys, l.Case()), mta)
}

// relayWasmta relays l through a fresh wasmta (new spool) into a Go sink.
func (e *Env) relayWasmta(ctx context.Context, l Load, o wasmtaOpts) (Outcome, error) {
	s, err := sink.Start("127.0.0.1:0", sink.Accept)
	if err != nil {
		return Outcome{}, err
	}
	defer s.Close()
	s.SetChunking(o.SinkChunking)
	if o.Routes == nil && o.DNS == "" {
		o.Routes = relayTo(s)
	}
	if o.DNS != "" {
		o.MXPort = portOf(s.Addr())
	}
	w, err := e.startWasmta(ctx, o)
	if err != nil {
		return Outcome{}, err
	}
	defer w.Stop(10 * time.Second)
	return measure(ctx, w, s, l)
}

// relayPostfix relays l through a fresh private Postfix into a Go sink.
func (e *Env) relayPostfix(ctx context.Context, l Load) (Outcome, error) {
	s, err := sink.Start("127.0.0.1:0", sink.Accept)
	if err != nil {
		return Outcome{}, err
	}
	defer s.Close()
	p, err := e.startPostfix(ctx, s)
	if err != nil {
		return Outcome{}, err
	}
	defer p.Stop(context.Background())
	return measure(ctx, p, s, l)
}

// limit sends l with smtp-source straight into smtp-sink.
func (e *Env) limit(ctx context.Context, l Load) (Outcome, error) {
	c, addr, err := startSmtpSink(ctx, e)
	if err != nil {
		return Outcome{}, err
	}
	defer c.Stop(2 * time.Second)
	wall, err := runSource(ctx, l, addr)
	return Outcome{Load: l, Accept: wall}, err
}

// keepMaxRates remembers the reference case's rates for later scenarios.
func (e *Env) keepMaxRates(sc *result.Scenario) {
	for _, l := range e.relayLoads() {
		if !isReference(l) {
			continue
		}
		for _, sys := range []string{SysWasmta, SysPostfix} {
			if r := sc.Find(sys, l.Case()); r != nil {
				if m := r.Metric("delivered_per_s"); m != nil {
					e.MaxRate[sys] = m.Median
				}
				if m := r.Metric("accepted_per_s"); m != nil {
					e.AcceptRate[sys] = m.Median
				}
			}
		}
	}
}
