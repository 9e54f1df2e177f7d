package scenario

import (
	"fmt"
	"slices"
	"time"

	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/internal/providersim"
)

// convergeTol is the "within 20 % of the new limit".
const convergeTol = 0.2

// window is the measurement's span: the burst's first submission to the
// deadline.
type window struct{ start, end time.Time }

// recordBlind adds one row per provider for sys. Queue times are those of
// the messages the provider had accepted by the deadline: the first ones
// of each MTA's log, which lists deliveries in order.
func recordBlind(sc *result.Scenario, sys string, draws []blindDraw, stats map[string]providersim.ProviderStats,
	ds map[string][]delivery, sub submitted, w window, sim *providersim.Sim) {
	for _, d := range draws {
		name := d.spec.name
		st := stats[name].Total
		dl := providerDeliveries(ds, sim, name)
		mt := timesOf(dl, int(st.Messages), sub, name, d.load, w)
		times, waiting, burst, burstWaiting := mt.queue, mt.queueWaiting, mt.burst, mt.burstWaiting
		row := sc.Row(sys, name)
		row.Add("delivered", "msg", result.Higher, float64(st.Messages))
		row.Add("queue_avg_s", "s", result.Lower, result.Mean(times).Seconds())
		row.Add("queue_p99_s", "s", result.Lower, result.Percentile(times, 99).Seconds())
		row.Add("queue_avg_all_s", "s", result.Lower, result.Mean(slices.Concat(times, waiting)).Seconds())
		addCensoredP99(row, "queue_p99_all", times, waiting)
		row.Add("burst_avg_s", "s", result.Lower, result.Mean(slices.Concat(burst, burstWaiting)).Seconds())
		addCensoredP99(row, "burst_p99", burst, burstWaiting)
		if at := sub.at[name]; len(at) > 0 {
			row.Add("submitted_s", "s", "", slices.MaxFunc(at, time.Time.Compare).Sub(w.start).Seconds())
		}
		row.Add("throttled", "replies", result.Lower, float64(st.Throttled+st.ConnsRefused+st.MsgsPerConn))
		row.Add("conns_refused", "replies", "", float64(st.ConnsRefused))
		row.Add("temp_failures", "replies", "", float64(st.TempFailures))
		row.Add("conns_peak", "connections", "", float64(st.ConnsPeak))
		row.Add("conns_opened", "connections", "", float64(st.ConnsOpened))
		row.Add("not_delivered", "msg", result.Lower, float64(max(int64(d.load)-st.Messages, 0)))
	}
}

// providerDeliveries lists the deliveries to the provider's domains.
func providerDeliveries(ds map[string][]delivery, sim *providersim.Sim, name string) []delivery {
	var dl []delivery
	for _, r := range sim.Domains() {
		if r.Provider == name {
			dl = append(dl, ds[r.Domain]...)
		}
	}
	return dl
}

// messageTimes are one provider's messages on both clocks: the queue
// times of those delivered (sorted) and the bounds of those not delivered
// (censored), and the same from the burst's start.
type messageTimes struct {
	queue, queueWaiting, burst, burstWaiting []time.Duration
}

// timesOf reads one provider's messages at the end of w: the first n of
// its deliveries in the MTA's log order (the provider had accepted n by
// then), the rest of what the MTA accepted as undelivered, censored at
// w.end, and on the burst's clock every message of its load.
func timesOf(dl []delivery, n int, sub submitted, name string, load int, w window) messageTimes {
	dl = dl[:min(len(dl), n)]
	var mt messageTimes
	mt.queue = make([]time.Duration, len(dl))
	for i, x := range dl {
		mt.queue[i] = x.qt
	}
	slices.Sort(mt.queue)
	mt.queueWaiting = undelivered(len(dl), sub.at[name], w.end)
	mt.burst, mt.burstWaiting = fromBurst(dl, sub.rcpt, load, w)
	return mt
}

// recordTail adds, per provider, the figures over every message at the
// end of the observation tail (w.end: when every accepted message was
// delivered, or the cap): queue times on the longer clock, the undelivered
// censored at the tail's end; the window's figures stay as recordBlind
// wrote them. tail_end_s is when observation ended, tail_cap_s the cap,
// both from the burst's start.
func recordTail(sc *result.Scenario, sys string, draws []blindDraw, stats map[string]providersim.ProviderStats,
	ds map[string][]delivery, sub submitted, w window, tailCap time.Duration, sim *providersim.Sim) {
	for _, d := range draws {
		name := d.spec.name
		st := stats[name].Total
		dl := providerDeliveries(ds, sim, name)
		mt := timesOf(dl, int(st.Messages), sub, name, d.load, w)
		row := sc.Row(sys, name)
		row.Add("tail_end_s", "s", "", w.end.Sub(w.start).Seconds())
		row.Add("tail_cap_s", "s", "", tailCap.Seconds())
		row.Add("tail_delivered", "msg", result.Higher, float64(st.Messages))
		row.Add("tail_queue_avg_s", "s", result.Lower, result.Mean(slices.Concat(mt.queue, mt.queueWaiting)).Seconds())
		addCensoredP99(row, "tail_queue_p99", mt.queue, mt.queueWaiting)
		row.Add("tail_burst_avg_s", "s", result.Lower, result.Mean(slices.Concat(mt.burst, mt.burstWaiting)).Seconds())
		addCensoredP99(row, "tail_burst_p99", mt.burst, mt.burstWaiting)
		row.Add("tail_throttled", "replies", "", float64(st.Throttled+st.ConnsRefused+st.MsgsPerConn))
	}
}

// undelivered is the time each message submitted but not delivered had
// waited at the deadline, taken as the last submitted: a lower bound of its
// queue time (it is right-censored), not the queue time.
func undelivered(delivered int, accepted []time.Time, deadline time.Time) []time.Duration {
	acc := slices.Clone(accepted)
	slices.SortFunc(acc, func(a, b time.Time) int { return a.Compare(b) })
	var out []time.Duration
	for _, at := range acc[min(delivered, len(acc)):] {
		out = append(out, deadline.Sub(at))
	}
	return out
}

// addCensoredP99 adds the p99 of a sample of exact values and censored
// ones (undelivered messages: known only to have waited longer than their
// bound) as two metrics: name_s, the lower bound (every censored value at
// its bound, as the p99 was computed before 2026-12-07), and name_max_s,
// the upper bound (every censored value above every exact one): equal to
// name_s when the p99 is known, -1 when its rank falls among the
// undelivered messages and it is only known to be greater than name_s.
func addCensoredP99(row *result.Row, name string, exact, censored []time.Duration) {
	lo, hi, open := result.CensoredPercentile(exact, censored, 99)
	row.Add(name+"_s", "s", result.Lower, lo.Seconds())
	if open {
		row.Add(name+"_max_s", "s", "", -1)
		return
	}
	row.Add(name+"_max_s", "s", "", hi.Seconds())
}

// fromBurst is the time every message of the burst (load of them) took
// from the burst's start to its delivery, on one clock for both MTAs: the
// time it waited to be submitted (the MTA accepted it then) plus its queue
// time in the MTA's log; and, for each message not delivered by the
// deadline, the whole window, a lower bound of its time (it is
// right-censored). Unlike the queue time, it does not leave out the time a
// message waited for an MTA that accepts slowly.
func fromBurst(dl []delivery, accepted map[string]time.Time, load int, w window) (delivered, waiting []time.Duration) {
	for _, x := range dl {
		if at, ok := accepted[x.rcpt]; ok {
			delivered = append(delivered, at.Sub(w.start)+x.qt)
		}
	}
	for range load - len(delivered) {
		waiting = append(waiting, w.end.Sub(w.start))
	}
	slices.Sort(delivered)
	return delivered, waiting
}

// recordLearned adds, per provider, wasmta's configured and learned limits
// at the end of the window as its /metrics showed them, and for the
// halving provider how long after the halving the learned rate came within
// 20 % of the new limit (-1: not within the window).
func recordLearned(sc *result.Scenario, draws []blindDraw, stats map[string]providersim.ProviderStats,
	samples []limitSample, sim *providersim.Sim) {
	if len(samples) == 0 {
		sc.Notes = append(sc.Notes, "wasmta: its /metrics had no "+gaugeRate+" or "+gaugeConns+
			" gauge (an engine without learned limits): the halving goal is not measured.")
		return
	}
	sites := map[string]string{}
	for _, r := range sim.Domains() {
		sites[r.Provider] = r.MX // one MX host: the site is its name (mx.SiteName)
	}
	for _, d := range draws {
		name, site := d.spec.name, sites[d.spec.name]
		row := sc.Row(SysLearned, name)
		for _, g := range []struct{ gauge, limit, metric, unit string }{
			{gaugeConns, "configured", "configured_conns", "connections"},
			{gaugeConns, "learned", "learned_conns", "connections"},
			{gaugeRate, "configured", "configured_rate", "msg/s"},
			{gaugeRate, "learned", "learned_rate", "msg/s"},
			{gaugePerConn, "configured", "configured_per_conn", "messages"},
			{gaugePerConn, "learned", "learned_per_conn", "messages"},
		} {
			if s := pathSeries(samples, g.gauge, g.limit, site); len(s) > 0 {
				row.Add(g.metric, g.unit, "", s[len(s)-1].value)
			}
		}
		changes := stats[name].Changes
		if !d.spec.halves || len(changes) == 0 {
			continue
		}
		series := pathSeries(samples, gaugeRate, "learned", site)
		took, ok := convergence(series, changes[0].At, d.rate2, convergeTol)
		v := took.Seconds()
		if !ok {
			v = -1
		}
		row.Add("halved_rate", "msg/s", "", d.rate2)
		row.Add("halving_to_20pct_s", "s", result.Lower, v)
		sc.Notes = append(sc.Notes, fmt.Sprintf("%s halved at %s to %d connections, %.2f msg/s; wasmta's learned rate %s",
			name, changes[0].At.UTC().Format("15:04:05"), d.conns2, d.rate2, describeSeries(series, changes[0].At)))
	}
}

// describeSeries summarises a learned-rate series after the change: the
// value every 10 s.
func describeSeries(series []limitSample, from time.Time) string {
	out := ""
	next := from
	for _, s := range series {
		if s.at.Before(next) {
			continue
		}
		out += fmt.Sprintf(" %+.0fs %.2f;", s.at.Sub(from).Seconds(), s.value)
		next = next.Add(10 * time.Second)
	}
	if out == "" {
		return "was not sampled after it"
	}
	return "after it (every 10 s):" + out
}

func blindNotes(bp blindParams) []string {
	return []string{
		"One run per system, whatever the suite's repeats: another run is another draw (another seed), not a repeat; the figures are that run's, with no median or range.",
		fmt.Sprintf("World: five simulated providers (internal/providersim) on 127.0.12.1-5 with their real MX host names (gmail-smtp-in.l.google.com, mta5.am0.yahoodns.net, hotmail-com.olc.protection.outlook.com, mx01.mail.icloud.com, and an Exim MX, mx1.mail.example-isp.test, that no preset knows). Each one's connection limit and message rate per client IP are drawn log-uniformly between %.2g and %.0f times the shipped shaping preset for it (policies/go/shaping/presets.go; the default preset for the Exim MX); connections rounded, at least 1; burst one second of the rate. The halving provider (microsoft) gets at least the connections its rate needs, within the same range, so that its rate is what binds; %v after its first connection its rate and connections halve.", blindLow, blindHigh, bp.halve),
		"Refusals: every provider refuses a connection over its limit with its 421 as the greeting, at once (strict). Throttling: gmail 421 4.7.28 at the end of DATA (closes); yahoo [TSS04] 421 4.7.0 at MAIL (closes), 20 messages per connection; microsoft 451 4.7.500 at every RCPT; apple 421 4.7.1 at RCPT (closes); the Exim MX 451 \"Sender rate exceeds N messages per 1s\" at the end of DATA with no enhanced code. 0.5% random temporary failures; latencies of the simulator's presets (about 0.4-0.5 s per message on an open connection; the Exim MX 35 ms).",
		fmt.Sprintf("Load: sized from the draw so that a sender always exactly at the limits would deliver %.0f%% of it within the window (all of it for the halving provider, which stays backlogged), at most %d per provider; all submitted at once.", 100*bp.fill, bp.maxPer),
		"wasmta: the shipped policies/go/shaping (no build tag) as the global policy and the shipped policies/go/classifier as the policy of the tenant the load logs in as (SMTP AUTH); delivery.tls opportunistic; MX delivery through the loopback DNS; nothing of the draw is given to it. Postfix: one transport per provider with destination_concurrency_limit = initial_destination_concurrency = the drawn connection limit, failed_cohort_limit 10, Yahoo's 20 messages per connection, smtp_tls_security_level may.",
		"Delivered: messages the provider accepted within the window. Queue time: reception → delivery from each MTA's own log, over those messages. 'All' figures count every message submitted, each undelivered one with the time it had waited at the window's end (a lower bound of its queue time: it is right-censored): they do not reward an MTA for the messages it left queued. 'From the burst' figures count every message of the burst from the burst's first submission to its delivery (the time it waited to be accepted by the MTA, from the load's clock, plus its queue time), the undelivered ones with the whole window (a lower bound too). The p99s over every message treat the undelivered as censored: '> X' when the p99's rank falls among them (it is only known to be greater than X, the window on the burst's clock), 'X to Y' when an undelivered message's bound lies below the delivered value of that rank; the averages count each at its bound and are lower bounds: an MTA that accepts the burst slowly has the mail wait in the sending application instead of its queue, which the queue time leaves out; 'submitted' is when the MTA had accepted the last message for that provider. Throttling replies: rate-limit replies + connections refused at greeting + messages-per-connection refusals, counted by the simulator.",
		fmt.Sprintf("Observed: after the window the MTA and the providers (at the limits they had then, the halving's included) go on until every message the MTA accepted is delivered or %v from the burst's start (%d windows: a sender at the drawn limits delivers the load within one; beyond the cap a message stays censored, so the cap decides whether a comparison is resolved, not which way). The 'observed' figures count every message on that longer clock, each one undelivered at the end censored there; the window's figures, the delivered-within-the-window count and the throttling goal stay the window's ('throttling replies, observed' counts them up to the end). Postfix retries what it deferred by its defaults, which the bench keeps (minimal_backoff_time and queue_run_delay 300 s, maximal_backoff_time 4000 s): a message it deferred in the window comes back after the cap.", bp.tailCap, tailFactor),
		fmt.Sprintf("Learned limits: wasmta's admin /metrics read every second (%s and %s, limit=\"configured\"|\"learned\"); 'halving → within 20%%' is the time from the halving until the learned rate is first within 20%% of the new rate (-1: not within the window).", gaugeConns, gaugeRate),
	}
}
