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
	Held      int        `json:"held"` // of Scheduled: held back by a live action
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
	out := []QueueViewRow{}
	for _, q := range e.sched.Summary() {
		if q.Count == 0 {
			continue
		}
		site := e.viewSite(ctx, q.Key)
		r := QueueViewRow{Tenant: q.Key.Tenant, Campaign: q.Key.Campaign, Domain: q.Key.Domain, Site: site,
			Provider: mx.Provider([]string{site}), Scheduled: q.Count, Held: held[q.Key]}
		if t, ok := oldest[q.Key]; ok {
			r.Oldest = &t
		}
		r.NextDue = earlier(nil, q.NextDue, true)
		r.Paused = later(nil, q.Paused)
		out = append(out, r)
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
