package scenario

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/wasmta/wasmta/bench/internal/proc"
	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/bench/internal/sink"
)

// backlogBudget is the time the backlog scenario may spend injecting and
// draining in `make bench`.
const backlogBudget = 8 * time.Minute

// backlogFull is the size the issue asks for.
const backlogFull = 1_000_000

// Backlog rows.
const (
	blInject  = "inject (delivery stalled)"
	blRestart = "restart, delivery still stalled"
	blDrain   = "restart to a live sink, drain"
)

// Backlog fills wasmta's queue with delivery held (the route points at a
// sink that never answers MAIL, with a 1 h command timeout, so no message
// is deferred), measures memory and spool
// size, restarts it to time the queue rebuild, then restarts it with the
// route pointing at a live sink and measures the drain.
func (e *Env) Backlog(ctx context.Context) *result.Scenario {
	sc, t0 := e.begin("backlog", "Backlog: queued messages, restart, drain")
	n := e.backlogSize(sc)
	stalled, err := sink.Start("127.0.0.1:0", sink.StallMail)
	if err != nil {
		sc.Skipped = err.Error()
		return e.end(sc, t0)
	}
	defer stalled.Close()
	d, err := e.dir("backlog")
	if err != nil {
		sc.Skipped = err.Error()
		return e.end(sc, t0)
	}
	// Short retries: the few messages in flight on the stalled sessions
	// when wasmta stops come back as deferred, and must be due again
	// before the drain ends.
	opts := wasmtaOpts{Routes: relayTo(stalled), CommandTimeout: "1h", RetryInitial: "1s", RetryMax: "5s",
		Spool: filepath.Join(d, "spool")}
	l := Load{Size: 4096, Rcpts: 1, Count: n, Sessions: sessions, Persistent: true}
	sc.Command = []string{l.Command("wasmta")}
	sc.Notes = append(sc.Notes, backlogNotes...)
	if err := e.backlogRun(ctx, sc, opts, l); err != nil {
		e.Log.Error("backlog failed", "err", err)
		sc.Notes = append(sc.Notes, "the scenario stopped early: "+err.Error())
	}
	return e.end(sc, t0)
}

var backlogNotes = []string{
	"Delivery is held by a destination that greets, answers EHLO and never answers MAIL (command_timeout 1h): 20 messages wait on the stalled sessions, the rest in the ready queue, none is deferred, so every message is due at once after a restart.",
	"retry_initial is 1 s here: the messages on the stalled sessions when wasmta stops come back deferred and must be due again before the drain ends.",
	"Memory while queued is VmRSS 2 s after the injection ends and 2 s after a restart's 'queues rebuilt' log line (the queue rebuilt from the spool, nothing else in memory).",
	"Restart to ready: process start → SMTP port accepting (the listeners accept while the queues are rebuilt from a snapshot of the spool); rebuild is the took= of wasmta's 'queues rebuilt' log line, which comes after.",
	"Injection uses persistent sessions (-d) so the backlog builds faster; it is not a throughput figure to compare with the relay scenario.",
}

// backlogSize picks N: the override, the quick size, or the largest that
// fits backlogBudget at the rates the relay scenario measured.
func (e *Env) backlogSize(sc *result.Scenario) int {
	if e.BacklogN > 0 {
		return e.BacklogN
	}
	if e.Quick {
		return 2000
	}
	acc, del := e.AcceptRate[SysWasmta], e.MaxRate[SysWasmta]
	if acc <= 0 || del <= 0 {
		sc.Notes = append(sc.Notes, "no relay figures to estimate from: N = 20,000")
		return 20000
	}
	perMsg := 1/acc + 1/del
	full := time.Duration(float64(backlogFull) * perMsg * float64(time.Second))
	n := min(backlogFull, int(backlogBudget.Seconds()/perMsg)/1000*1000)
	n = max(n, 10000)
	if n < backlogFull {
		sc.Notes = append(sc.Notes, fmt.Sprintf("1,000,000 messages would take about %.0f min here (injection at ~%.0f msg/s + drain at ~%.0f msg/s, from the relay scenario); N = %d, the largest that fits %v.",
			full.Minutes(), acc, del, n, backlogBudget))
	}
	return n
}

// backlogRun injects, measures, restarts and drains.
func (e *Env) backlogRun(ctx context.Context, sc *result.Scenario, opts wasmtaOpts, l Load) error {
	w, err := e.startWasmta(ctx, opts)
	if err != nil {
		return err
	}
	cpu0 := w.CPU()
	wall, err := runSource(ctx, l, w.Addr())
	if err != nil {
		w.Stop(30 * time.Second)
		return err
	}
	row := sc.Row(blInject, fmt.Sprintf("%d × 4 KiB", l.Count))
	row.Add("messages", "msg", "", float64(l.Count))
	row.Add("accepted_per_s", "msg/s", result.Higher, float64(l.Count)/wall.Seconds())
	row.Add("cpu_s_per_1000", "CPU s / 1000 msg", result.Lower, (w.CPU()-cpu0).Seconds()/float64(l.Count)*1000)
	time.Sleep(2 * time.Second)
	e.queuedFigures(row, w, opts.Spool, l.Count)
	w.Stop(30 * time.Second)
	for rep := range e.Repeats {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e.Log.Info("backlog restart", "rep", rep+1, "messages", l.Count)
		if err := e.restartOnce(ctx, sc.Row(blRestart, row.Case), opts, l.Count); err != nil {
			return err
		}
	}
	return e.drain(ctx, sc.Row(blDrain, row.Case), opts, l.Count)
}

// queuedFigures records resident memory and spool size with n queued.
func (e *Env) queuedFigures(row *result.Row, w wasmtaSubject, spool string, n int) {
	m, _ := proc.ReadMemory(w.PID())
	row.Add("rss_mib", "MiB", result.Lower, float64(m.RSS)/mib)
	row.Add("peak_rss_mib", "MiB", result.Lower, float64(m.HWM)/mib)
	if du, err := proc.DirSize(spool); err == nil {
		row.Add("spool_mib", "MiB", result.Lower, float64(du)/mib)
		row.Add("spool_bytes_per_msg", "B / msg", result.Lower, float64(du)/float64(n))
	}
}

// restartOnce restarts wasmta on the backlog with delivery still held.
func (e *Env) restartOnce(ctx context.Context, row *result.Row, opts wasmtaOpts, n int) error {
	w, err := e.startWasmta(ctx, opts)
	if err != nil {
		return err
	}
	defer w.Stop(30 * time.Second)
	row.Add("ready_s", "s", result.Lower, w.Ready.Sub(w.Started).Seconds())
	// The rebuild ends after the listener is ready: memory is read once
	// the queue is whole.
	lctx, cancel := within(ctx, 5*time.Minute)
	defer cancel()
	if _, err := w.WaitLog(lctx, "queues rebuilt"); err == nil {
		if d, err := w.RebuildTook(); err == nil {
			row.Add("rebuild_s", "s", result.Lower, d.Seconds())
		}
	}
	time.Sleep(2 * time.Second)
	e.queuedFigures(row, w, opts.Spool, n)
	t := time.Now()
	w.Stop(30 * time.Second)
	row.Add("stop_s", "s", result.Lower, time.Since(t).Seconds())
	return nil
}

// drain restarts wasmta with the route pointing at a live sink and
// measures how fast the backlog leaves.
func (e *Env) drain(ctx context.Context, row *result.Row, opts wasmtaOpts, n int) error {
	live, err := sink.Start("127.0.0.1:0", sink.Accept)
	if err != nil {
		return err
	}
	defer live.Close()
	opts.Routes = relayTo(live)
	w, err := e.startWasmta(ctx, opts)
	if err != nil {
		return err
	}
	defer w.Stop(30 * time.Second)
	cpu0 := w.CPU()
	row.Add("ready_s", "s", result.Lower, w.Ready.Sub(w.Started).Seconds())
	wctx, cancel := within(ctx, time.Duration(n/50)*time.Second+2*time.Minute)
	defer cancel()
	err = live.WaitRcpts(wctx, int64(n))
	c := live.Counts()
	row.Add("drained", "msg", result.Higher, float64(c.Messages))
	row.Add("drain_per_s", "msg/s", result.Higher, float64(c.Messages)/c.Last.Sub(w.Ready).Seconds())
	row.Add("cpu_s_per_1000", "CPU s / 1000 msg", result.Lower, (w.CPU()-cpu0).Seconds()/float64(max(c.Messages, 1))*1000)
	row.Add("peak_rss_mib", "MiB", result.Lower, float64(w.PeakMem())/mib)
	if err != nil {
		return fmt.Errorf("drain: %w", err)
	}
	return nil
}
