package rates

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/mx"
)

// Minutes is the length of the window kept.
const Minutes = 60

// Outcome kinds counted.
const (
	Delivered = "delivered"
	Deferred  = "deferred"
	Bounced   = "bounced"
	Throttled = "throttled"
)

// Kinds lists the outcomes in the order of Series.Counts.
var Kinds = []string{Delivered, Deferred, Bounced, Throttled}

// Dimensions a series is kept by.
const (
	ByProvider = "provider"
	BySource   = "source"
)

type counts [4]int64

type ring struct {
	slot [Minutes]counts
	min  [Minutes]int64 // the minute (Unix minutes) each slot holds
}

func (r *ring) add(minute int64, kind int) {
	i := minute % Minutes
	if minute < r.min[i] {
		return // older than the window the slot already holds: a late record
	}
	if r.min[i] != minute {
		r.min[i], r.slot[i] = minute, counts{}
	}
	r.slot[i][kind]++
}

// Counter keeps the rings.
type Counter struct {
	now func() time.Time

	mu    sync.Mutex
	rings map[[2]string]*ring // {dimension, key}
	sites map[string]string   // site -> provider, remembered
}

// New returns a Counter; now nil = time.Now.
func New(now func() time.Time) *Counter {
	if now == nil {
		now = time.Now
	}
	return &Counter{now: now, rings: map[[2]string]*ring{}, sites: map[string]string{}}
}

// kindOf is the outcome a record counts as, or -1.
func kindOf(r *events.Record) int {
	switch r.Type {
	case events.Delivery:
		return 0
	case events.TransientFailure:
		if throttle(r) {
			return 3
		}
		return 1
	case events.Bounce, events.Expiration:
		return 2
	}
	return -1
}

// throttle reports whether a deferral is one the engine's adaptive loop
// reads as "send slower" (the engine's throttleSignal): a reply classified
// RateLimited, or a 4xx classified ReputationBlock (a provider metering
// the sending IP by its reputation, Outlook.com's 451 4.7.650); not the
// rate of one receiving mailbox (message.Response.MailboxRate).
func throttle(r *events.Record) bool {
	switch r.Category {
	case "RateLimited":
		return r.Response == nil || !r.Response.MailboxRate()
	case "ReputationBlock":
		return r.Response != nil && r.Response.Code >= 400 && r.Response.Code < 500
	}
	return false
}

// Record implements events.Sink.
func (c *Counter) Record(r *events.Record) {
	k := kindOf(r)
	if k < 0 {
		return
	}
	t := r.Time
	if t.IsZero() {
		t = c.now()
	}
	minute := t.Unix() / 60
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ring(ByProvider, c.provider(r.Site)).add(minute, k)
	c.ring(BySource, r.Source).add(minute, k)
}

func (c *Counter) ring(dim, key string) *ring {
	rg := c.rings[[2]string{dim, key}]
	if rg == nil {
		rg = &ring{}
		c.rings[[2]string{dim, key}] = rg
	}
	return rg
}

// provider names the provider of a site: a known provider's name, else
// the site itself ("" for a record without one, a failure before routing).
func (c *Counter) provider(site string) string {
	p, ok := c.sites[site]
	if !ok {
		p = mx.Provider([]string{site})
		if p == "" {
			p = site
		}
		c.sites[site] = p
	}
	return p
}

// Series is the per-minute counts of one key over the window, oldest
// minute first: Counts[kind][i] for Kinds[kind] in minute Start+i.
type Series struct {
	Key    string             `json:"key"`
	Totals map[string]int64   `json:"totals"`
	Counts map[string][]int64 `json:"counts"`
}

// Window is every series of one dimension.
type Window struct {
	By     string    `json:"by"`
	Start  time.Time `json:"start"` // the first minute
	Series []Series  `json:"series"`
}

// Snapshot returns the last Minutes minutes (the current one last) of
// every key of dimension by, busiest key first.
func (c *Counter) Snapshot(by string) Window {
	now := c.now().Unix() / 60
	first := now - Minutes + 1
	w := Window{By: by, Start: time.Unix(first*60, 0).UTC(), Series: []Series{}}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, rg := range c.rings {
		if k[0] != by {
			continue
		}
		s := Series{Key: k[1], Totals: map[string]int64{}, Counts: map[string][]int64{}}
		for ki, kind := range Kinds {
			s.Counts[kind] = make([]int64, Minutes)
			for m := first; m <= now; m++ {
				if i := m % Minutes; rg.min[i] == m {
					s.Counts[kind][m-first] = rg.slot[i][ki]
					s.Totals[kind] += rg.slot[i][ki]
				}
			}
		}
		w.Series = append(w.Series, s)
	}
	slices.SortFunc(w.Series, func(a, b Series) int {
		return cmp.Or(cmp.Compare(total(b), total(a)), cmp.Compare(a.Key, b.Key))
	})
	return w
}

func total(s Series) int64 {
	var n int64
	for _, v := range s.Totals {
		n += v
	}
	return n
}
