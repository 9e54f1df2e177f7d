package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// tally counts the engine's records per provider and tenant: what the
// live summary and the final report show.
type tally struct {
	port      int
	mu        sync.Mutex
	providers []string          // in display order
	bySite    map[string]string // site -> provider
	byDomain  map[string]string // recipient domain -> provider
	cells     map[cellKey]*cell
	actions   []events.Record // Suspension and ShapingChange records
}

type cellKey struct{ provider, tenant string }

type cell struct {
	sent, delivered, deferred, rateLimited, bounced int
	queueTimes                                      []float64
}

func newTally() *tally {
	return &tally{bySite: map[string]string{}, byDomain: map[string]string{}, cells: map[cellKey]*cell{}}
}

func (t *tally) addProvider(name, site string, domains []string) {
	t.providers = append(t.providers, name)
	t.bySite[site] = name
	for _, d := range domains {
		t.byDomain[d] = name
	}
}

func (t *tally) cellLocked(provider, tenant string) *cell {
	k := cellKey{provider, tenant}
	if t.cells[k] == nil {
		t.cells[k] = &cell{}
	}
	return t.cells[k]
}

// sent counts a message handed to the engine.
func (t *tally) sent(tenant, domain string) {
	t.mu.Lock()
	t.cellLocked(t.byDomain[domain], tenant).sent++
	t.mu.Unlock()
}

// record is the engine's records sink.
func (t *tally) record(r *events.Record) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r.Type == events.Suspension || r.Type == events.ShapingChange {
		t.actions = append(t.actions, *r)
		return
	}
	p := t.bySite[r.Site]
	if p == "" {
		return
	}
	c := t.cellLocked(p, r.Tenant)
	switch r.Type {
	case events.Delivery:
		c.delivered++
		c.queueTimes = append(c.queueTimes, r.QueueTime)
	case events.TransientFailure:
		c.deferred++
		if r.Category == policy.CategoryRateLimited {
			c.rateLimited++
		}
	case events.Bounce, events.Expiration:
		c.bounced++
	}
}

// ipTenant says which tenant sends from which address (sourcesTOML).
var ipTenant = map[string]string{"127.0.0.2": "acme", "127.0.0.3": "blast", "127.0.0.4": "blast"}

// throttledBy returns the throttling replies each provider sent to each
// tenant, counted by the simulator itself.
func throttledBy(sim *providersim.Sim) map[cellKey]int64 {
	out := map[cellKey]int64{}
	for name, ps := range sim.Stats() {
		for ip, st := range ps.PerIP {
			out[cellKey{name, ipTenant[ip]}] += st.Throttled
		}
	}
	return out
}

// render writes the summary table.
func (t *tally) render(out io.Writer, sim *providersim.Sim) {
	thr := throttledBy(sim)
	t.mu.Lock()
	defer t.mu.Unlock()
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "provider\ttenant\tsent\tdelivered\tdeferred\tthrottled\tqueued\tavg queue\tp99 queue\t")
	for _, p := range t.providers {
		for _, tn := range tenants {
			c := t.cellLocked(p, tn.name)
			avg, p99 := stats(c.queueTimes)
			fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", p, tn.name, c.sent, c.delivered, c.deferred,
				thr[cellKey{p, tn.name}], c.sent-c.delivered-c.bounced, avg, p99)
		}
	}
	w.Flush()
}

// stats returns the mean and 99th percentile of queue times, as text.
func stats(v []float64) (string, string) {
	if len(v) == 0 {
		return "-", "-"
	}
	s := slices.Clone(v)
	slices.Sort(s)
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	p99 := s[min(len(s)-1, len(s)*99/100)]
	return fmt.Sprintf("%.1fs", sum/float64(len(s))), fmt.Sprintf("%.1fs", p99)
}

// renderActions writes the last n action records.
func (t *tally) renderActions(out io.Writer, start time.Time, n int) {
	t.mu.Lock()
	recs := t.actions[max(0, len(t.actions)-n):]
	t.mu.Unlock()
	if len(recs) == 0 {
		fmt.Fprintln(out, "  (none yet)")
	}
	for _, r := range recs {
		what := "suspend"
		if r.Type == events.ShapingChange {
			what = "shape " + r.Meta["shape"]
		}
		fmt.Fprintf(out, "  %5.1fs  %-7s %-9s %-40s %s  [%s]\n", r.Time.Sub(start).Seconds(), r.Meta["origin"],
			r.Meta["event"], r.Target, what, clip(r.Reason, 60))
	}
}

func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}

// totals returns, over every provider, what a tenant sent, had delivered
// and bounced, and the throttling replies it provoked.
func (t *tally) totals(sim *providersim.Sim, tenant string) (sent, delivered, bounced int, throttled int64) {
	thr := throttledBy(sim)
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, c := range t.cells {
		if k.tenant == tenant {
			sent, delivered, bounced = sent+c.sent, delivered+c.delivered, bounced+c.bounced
		}
	}
	for k, n := range thr {
		if k.tenant == tenant {
			throttled += n
		}
	}
	return
}

// actionCounts counts the actions started, per origin.
func (t *tally) actionCounts() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]int{}
	for _, r := range t.actions {
		if r.Meta["event"] == "started" {
			out[r.Meta["origin"]]++
		}
	}
	return out
}
