package engine

import (
	"context"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/mx"
)

// QueueViewRow is one scheduled queue as the dashboard shows it.
type QueueViewRow struct {
	Tenant    string     `json:"tenant"`
	Campaign  string     `json:"campaign"`
	Domain    string     `json:"domain"`
	Site      string     `json:"site"`
	Provider  string     `json:"provider"` // "" when the site is no known provider
	Scheduled int        `json:"scheduled"`
	Ready     int        `json:"ready"` // transactions routed from this queue, waiting in ready queues
	Held      int        `json:"held"`  // of Scheduled: held back by a live action
	Oldest    *time.Time `json:"oldest,omitempty"`
	NextDue   *time.Time `json:"next_due,omitempty"`
	Paused    *time.Time `json:"paused_until,omitempty"`
}

// QueueView is every scheduled queue with items, each with its site and
// provider, its held items and its oldest message: the rows the dashboard
// groups by tenant, campaign, domain and provider. The paths (ready
// queues) are PathsInfo.
func (e *Engine) QueueView(ctx context.Context) []QueueViewRow {
	oldest := e.sched.Oldest()
	held := e.heldByQueue()
	ready := e.readyByQueue()
	out := []QueueViewRow{}
	row := func(k message.QueueKey) QueueViewRow {
		site := e.viewSite(ctx, k)
		return QueueViewRow{Tenant: k.Tenant, Campaign: k.Campaign, Domain: k.Domain, Site: site,
			Provider: mx.Provider([]string{site}), Ready: ready[k], Held: held[k]}
	}
	for _, q := range e.sched.Summary() {
		if q.Count == 0 && ready[q.Key] == 0 {
			continue
		}
		r := row(q.Key)
		delete(ready, q.Key)
		r.Scheduled = q.Count
		if t, ok := oldest[q.Key]; ok {
			r.Oldest = &t
		}
		if q.Count > 0 {
			r.NextDue = earlier(nil, q.NextDue, true)
		}
		r.Paused = later(nil, q.Paused)
		out = append(out, r)
	}
	// A queue whose every item was routed may be gone from the scheduler
	// while its transactions still wait on a path.
	for k := range ready {
		out = append(out, row(k))
	}
	return out
}

// readyByQueue counts the transactions waiting in the ready queues per
// scheduled queue they were routed from, so that views by tenant, campaign
// and domain can show what is ready as well as what is scheduled.
func (e *Engine) readyByQueue() map[message.QueueKey]int {
	out := map[message.QueueKey]int{}
	for _, p := range e.ready.Paths() {
		p.EachWaiting(func(k message.QueueKey) { out[k]++ })
	}
	return out
}

// viewSite is siteOf remembered for siteTTL: the dashboard refreshes every
// few seconds, and a failing route hook would write a PolicyFault at each
// refresh (a fault is not cached by the guard).
func (e *Engine) viewSite(ctx context.Context, k message.QueueKey) string {
	const siteTTL = 30 * time.Second
	c := &e.con
	c.mu.Lock()
	s, ok := c.sites[k]
	c.mu.Unlock()
	if ok && time.Since(s.at) < siteTTL {
		return s.site
	}
	site := e.siteOf(ctx, k)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sites == nil || len(c.sites) > 100000 {
		c.sites = map[message.QueueKey]siteAt{}
	}
	c.sites[k] = siteAt{site, time.Now()}
	return site
}

type siteAt struct {
	site string
	at   time.Time
}

// heldByQueue counts the items live actions hold, per scheduled queue.
func (e *Engine) heldByQueue() map[message.QueueKey]int {
	pk := &e.ctl.parked
	pk.mu.Lock()
	defer pk.mu.Unlock()
	out := map[message.QueueKey]int{}
	for _, items := range pk.byAction {
		for _, k := range items {
			out[k]++
		}
	}
	return out
}
