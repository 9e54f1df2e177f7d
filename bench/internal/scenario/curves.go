package scenario

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/wasmta/wasmta/bench/internal/postfix"
	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/bench/internal/sink"
)

// A curve is one dimension of work varied while the rest stays at the
// relay's reference case (4 KiB, one recipient, 20 sessions, an instant
// destination).
type curve struct {
	Name, XLabel string
	Points       []curvePoint
}

// curvePoint is one measured point: the load and the destination's reply
// delay, X its abscissa in the curve's unit.
type curvePoint struct {
	X     float64
	Label string
	Load  Load
	Delay time.Duration
	Conns int // outbound connections allowed (wasmta per path, Postfix per destination)
}

// Curve names (the report keys its charts on them).
const (
	CurveSize     = "size"
	CurveRcpts    = "recipients"
	CurveSessions = "sessions"
	CurveLatency  = "latency"
	CurveDepth    = "depth"
)

// curves returns the curves and their points. Counts shrink as each
// message grows, so every point moves a bounded amount of data.
func (e *Env) curves() []curve {
	ref := Load{Size: 4096, Rcpts: 1, Count: 2000, Sessions: sessions}
	sizes := []int{1 << 10, 10 << 10, 100 << 10, 1 << 20, 10 << 20}
	rcpts := []int{1, 10, 100, 1000}
	sess := []int{1, 10, 100, 1000, 2000}
	delays := []time.Duration{0, 10 * time.Millisecond, 100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second}
	budget := 256 << 20 // bytes per size point
	if e.Quick {
		ref.Count = 300
		sizes, rcpts, sess = []int{1 << 10, 1 << 20}, []int{1, 100}, []int{1, 200}
		delays, budget = []time.Duration{0, 500 * time.Millisecond}, 32<<20
	}
	var cs [4]curve
	cs[0] = curve{Name: CurveSize, XLabel: "message size (bytes)"}
	for _, s := range sizes {
		l := ref
		l.Size, l.Count = s, max(20, min(ref.Count, budget/s))
		cs[0].Points = append(cs[0].Points, curvePoint{X: float64(s), Label: l.Case(), Load: l})
	}
	cs[1] = curve{Name: CurveRcpts, XLabel: "recipients per message"}
	for _, r := range rcpts {
		l := ref
		l.Rcpts, l.Count = r, max(20, ref.Count/r)
		cs[1].Points = append(cs[1].Points, curvePoint{X: float64(r), Label: l.Case(), Load: l})
	}
	cs[2] = curve{Name: CurveSessions, XLabel: "client sessions"}
	for _, n := range sess {
		l := ref
		l.Sessions, l.Count = n, max(ref.Count, 2*n)
		cs[2].Points = append(cs[2].Points, curvePoint{X: float64(n), Label: strconv.Itoa(n) + " sessions", Load: l})
	}
	cs[3] = curve{Name: CurveLatency, XLabel: "destination reply delay (s)"}
	for _, d := range delays {
		l := ref
		l.Count = 2 * ref.Count
		cs[3].Points = append(cs[3].Points, curvePoint{X: d.Seconds(), Label: d.String() + " per reply", Load: l,
			Delay: d, Conns: 2000})
	}
	return cs[:]
}

// Curves measures how throughput and CPU per message grow with each
// dimension of work, for wasmta and Postfix side by side, and how
// wasmta's drain rate grows with its queue depth.
func (e *Env) Curves(ctx context.Context) *result.Scenario {
	sc, t0 := e.begin("curves", "Curves: throughput and CPU against the work")
	sc.Notes = append(sc.Notes, curveNotes...)
	for _, c := range e.curves() {
		for _, p := range c.Points {
			if ctx.Err() != nil {
				return e.end(sc, t0)
			}
			e.Log.Info("curve", "curve", c.Name, "point", p.Label)
			cas := c.Name + ": " + p.Label
			o, err := e.curveWasmta(ctx, p)
			e.noteCurve(sc, SysWasmta, cas, p, o, err)
			if e.Postfix {
				o, err = e.curvePostfix(ctx, p)
				e.noteCurve(sc, SysPostfix, cas, p, o, err)
			}
		}
	}
	e.depthCurve(ctx, sc)
	return e.end(sc, t0)
}

var curveNotes = []string{
	"One run per point. Every point starts a fresh MTA (new spool) delivering to the harness's Go sink; the other dimensions stay at 4 KiB, 1 recipient, 20 smtp-source sessions, an instant destination.",
	"Size: messages per point shrink so a point moves at most 256 MiB (at least 20 messages). Postfix gets message_size_limit = 50 MiB, wasmta's default.",
	"Recipients: smtp-source -r N, all at the sink's domain; delivered msg/s counts messages, rcpt_per_s recipients.",
	"Sessions: smtp-source -s N. Postfix gets default_process_limit = 2100 so its smtpd can take every session.",
	"Latency: the sink waits the given delay before every reply (greeting included); wasmta may open 2000 connections to the path and Postfix 2000 per destination (default_process_limit = 2100).",
	"Depth: wasmta alone: N messages queued with delivery held, then a restart to a live sink drains them (the backlog scenario's method). Holding Postfix's queue the same way needs a different configuration (defer_transports and a flush), so it is not beside it.",
}

func (e *Env) noteCurve(sc *result.Scenario, sys, cas string, p curvePoint, o Outcome, err error) {
	if err != nil {
		e.Log.Error("curve point failed", "system", sys, "case", cas, "err", err)
		sc.Notes = append(sc.Notes, fmt.Sprintf("%s, %s: a run failed: %v", sys, cas, err))
		return
	}
	row := sc.Row(sys, cas)
	o.record(row, true)
	row.Add("curve_x", "x", "", p.X)
	row.Add("rcpt_per_s", "rcpt/s", result.Higher, float64(o.Delivered*int64(p.Load.Rcpts))/o.Deliver.Seconds())
}

func (e *Env) curveWasmta(ctx context.Context, p curvePoint) (Outcome, error) {
	s, err := sink.Start("127.0.0.1:0", sink.Accept)
	if err != nil {
		return Outcome{}, err
	}
	defer s.Close()
	s.SetDelay(p.Delay)
	w, err := e.startWasmta(ctx, wasmtaOpts{Routes: relayTo(s), Conns: p.Conns})
	if err != nil {
		return Outcome{}, err
	}
	defer w.Stop(10 * time.Second)
	return measure(ctx, w, s, p.Load)
}

func (e *Env) curvePostfix(ctx context.Context, p curvePoint) (Outcome, error) {
	s, err := sink.Start("127.0.0.1:0", sink.Accept)
	if err != nil {
		return Outcome{}, err
	}
	defer s.Close()
	s.SetDelay(p.Delay)
	pf, err := e.startPostfixWith(ctx, s, func(c *postfix.Config) {
		c.Extra = []string{"message_size_limit = 52428800", "default_process_limit = 2100"}
		if p.Conns > 0 {
			c.Concurrency = p.Conns
		}
	})
	if err != nil {
		return Outcome{}, err
	}
	defer pf.Stop(context.Background())
	return measure(ctx, pf, s, p.Load)
}

// depthCurve queues N messages with delivery held and drains them after a
// restart, for growing N.
func (e *Env) depthCurve(ctx context.Context, sc *result.Scenario) {
	depths := []int{1000, 10000, 100000}
	if e.Quick {
		depths = []int{1000, 5000}
	}
	for _, n := range depths {
		if ctx.Err() != nil {
			return
		}
		e.Log.Info("curve", "curve", CurveDepth, "point", n)
		cas := fmt.Sprintf("%s: %d queued", CurveDepth, n)
		if err := e.depthPoint(ctx, sc.Row(SysWasmta, cas), n); err != nil {
			sc.Notes = append(sc.Notes, fmt.Sprintf("%s, %s: a run failed: %v", SysWasmta, cas, err))
		}
	}
}

func (e *Env) depthPoint(ctx context.Context, row *result.Row, n int) error {
	stalled, err := sink.Start("127.0.0.1:0", sink.StallMail)
	if err != nil {
		return err
	}
	defer stalled.Close()
	d, err := e.dir("depth")
	if err != nil {
		return err
	}
	opts := wasmtaOpts{Routes: relayTo(stalled), CommandTimeout: "1h", RetryInitial: "1s", RetryMax: "5s",
		Spool: filepath.Join(d, "spool")}
	w, err := e.startWasmta(ctx, opts)
	if err != nil {
		return err
	}
	_, err = runSource(ctx, Load{Size: 4096, Rcpts: 1, Count: n, Sessions: sessions, Persistent: true}, w.Addr())
	w.Stop(30 * time.Second)
	if err != nil {
		return err
	}
	row.Add("curve_x", "x", "", float64(n))
	return e.drain(ctx, row, opts, n)
}
