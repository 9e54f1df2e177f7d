package scenario

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/bench/internal/sender"
	"github.com/wasmta/wasmta/bench/internal/sink"
)

// latencyLevels are the loads, in percent of the system's maximum
// delivered rate.
var latencyLevels = []int{25, 50, 75}

// Latency measures accept → handoff at the sink at fixed fractions of each
// MTA's maximum rate, with the harness's Go client and Go sink in one
// process (one clock).
func (e *Env) Latency(ctx context.Context) *result.Scenario {
	sc, t0 := e.begin("latency", "Latency: accept → handoff complete at the sink")
	seconds, levels := 10, latencyLevels
	if e.Quick {
		seconds, levels = 3, []int{50}
	}
	sc.Command = []string{fmt.Sprintf("harness Go SMTP client: 4 KiB, 1 rcpt, %d persistent connections, fixed rate for %d s; X-Bench-ID header; Go sink records arrival", latencySessions, seconds)}
	sc.Notes = append(sc.Notes, latencyNotes...)
	for rep := range e.Repeats {
		for _, sys := range []string{SysWasmta, SysPostfix} {
			max := e.MaxRate[sys]
			if max <= 0 || (sys == SysPostfix && !e.Postfix) {
				continue
			}
			for _, lvl := range levels {
				if ctx.Err() != nil {
					return e.end(sc, t0)
				}
				rate := max * float64(lvl) / 100
				e.Log.Info("latency", "rep", rep+1, "system", sys, "level", lvl, "rate", int(rate))
				err := e.latencyOnce(ctx, sc.Row(sys, fmt.Sprintf("%d%% of max", lvl)), sys, rate, seconds)
				if err != nil {
					e.Log.Error("latency run failed", "system", sys, "err", err)
					sc.Notes = append(sc.Notes, fmt.Sprintf("%s at %d%%: %v", sys, lvl, err))
				}
			}
		}
	}
	return e.end(sc, t0)
}

const latencySessions = 20

var latencyNotes = []string{
	"Latency = time the sink finished reading the message − time the MTA's 250 reached the client, per message, same process and clock.",
	"Rates are fractions of each MTA's own delivered rate measured by the relay scenario (4 KiB, 1 rcpt) in this run.",
	"Submit p99 = client-side wait from the message's due time to the MTA's 250: it grows when the MTA cannot keep up with the rate.",
}

// latencyOnce runs one fixed-rate load against a fresh MTA.
func (e *Env) latencyOnce(ctx context.Context, row *result.Row, sys string, rate float64, seconds int) error {
	s, err := sink.Start("127.0.0.1:0", sink.Accept)
	if err != nil {
		return err
	}
	defer s.Close()
	var addr string
	if sys == SysWasmta {
		w, err := e.startWasmta(ctx, wasmtaOpts{Routes: relayTo(s)})
		if err != nil {
			return err
		}
		defer w.Stop(10 * time.Second)
		addr = w.Addr()
	} else {
		p, err := e.startPostfix(ctx, s)
		if err != nil {
			return err
		}
		defer p.Stop(context.Background())
		addr = p.Addr()
	}
	n := max(int(rate*float64(seconds)), 20)
	s.Track(n)
	res, err := sender.Run(ctx, sender.Config{Addr: addr, Rate: rate, Count: n, Conns: latencySessions, Size: 4096, From: benchFrom, To: benchTo})
	if err != nil {
		return err
	}
	wctx, cancel := within(ctx, 60*time.Second)
	defer cancel()
	waitErr := s.WaitRcpts(wctx, int64(n-res.Failed))
	recordLatency(row, res, s, rate)
	if res.Failed > 0 {
		return fmt.Errorf("%d of %d messages refused: %v", res.Failed, n, res.FirstErr)
	}
	return waitErr
}

// recordLatency adds the run's percentiles to row.
func recordLatency(row *result.Row, res *sender.Result, s *sink.Sink, rate float64) {
	var lat, submit []time.Duration
	lost := 0
	for i, acc := range res.Accepted {
		if acc.IsZero() {
			continue
		}
		submit = append(submit, acc.Sub(res.Due[i]))
		arr := s.Arrival(i)
		if arr.IsZero() {
			lost++
			continue
		}
		// A relay may hand off before its 250 reaches the client; that
		// counts as no added latency, not a negative one.
		lat = append(lat, max(arr.Sub(acc), 0))
	}
	slices.Sort(lat)
	slices.Sort(submit)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	row.Add("rate", "msg/s", "", rate)
	row.Add("p50_ms", "ms", result.Lower, ms(result.Percentile(lat, 50)))
	row.Add("p99_ms", "ms", result.Lower, ms(result.Percentile(lat, 99)))
	row.Add("p999_ms", "ms", result.Lower, ms(result.Percentile(lat, 99.9)))
	row.Add("mean_ms", "ms", result.Lower, ms(result.Mean(lat)))
	row.Add("submit_p99_ms", "ms", result.Lower, ms(result.Percentile(submit, 99)))
	row.Add("not_arrived", "msg", result.Lower, float64(lost))
}
