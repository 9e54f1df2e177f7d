package reputation

import (
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// Scopes of a key.
const (
	ScopeTenant   = "tenant"   // all of a tenant's mail
	ScopeCampaign = "campaign" // one campaign of a tenant
	ScopePool     = "pool"     // a tenant's mail through one pool
)

// Key names what a series counts.
type Key struct {
	Scope    string
	Tenant   string
	Campaign string // ScopeCampaign only
	Pool     string // ScopePool only
}

// Counts is what happened in a window.
type Counts = policy.ReputationCounts

type bucket struct {
	at int64 // minute or hour since the epoch this bucket holds
	c  Counts
}

type series struct {
	minutes [60]bucket
	hours   [24]bucket
	last    int64 // minute of the last event

	// The windows as of minute sumAt (0: not computed): select_pool's
	// input reads them for every message, and summing 84 buckets each
	// time was most of its cost. add keeps them current within the
	// minute; the first read of a new minute sums the buckets again.
	sumAt     int64
	hour, day Counts
}

// Tracker holds every series. It is safe for concurrent use.
type Tracker struct {
	mu     sync.Mutex
	m      map[Key]*series
	others map[Key][2]Counts // the other nodes' windows in a fleet (fleet.go)
	now    func() time.Time
}

// New returns an empty tracker.
func New() *Tracker { return &Tracker{m: map[Key]*series{}, now: time.Now} }

// Record counts a record (events.Sink).
func (t *Tracker) Record(r *events.Record) {
	var add func(*Counts)
	switch r.Type {
	case events.Delivery:
		add = func(c *Counts) { c.Deliveries++ }
	case events.Bounce:
		hard := policy.HardCategory(r.Category)
		add = func(c *Counts) {
			c.Bounces++
			if hard {
				c.HardBounces++
			}
		}
	case events.OOB:
		if r.Meta["kind"] != "bounce" {
			return
		}
		add = func(c *Counts) { c.OOBBounces++ }
	case events.Feedback:
		switch r.Meta["kind"] {
		case "auth-failure", "not-spam":
			return
		}
		add = func(c *Counts) { c.Complaints++ }
	default:
		return
	}
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.add(Key{Scope: ScopeTenant, Tenant: r.Tenant}, now, add)
	if r.Campaign != "" {
		t.add(Key{Scope: ScopeCampaign, Tenant: r.Tenant, Campaign: r.Campaign}, now, add)
	}
	if r.Pool != "" {
		t.add(Key{Scope: ScopePool, Tenant: r.Tenant, Pool: r.Pool}, now, add)
	}
}

func (t *Tracker) add(k Key, now time.Time, f func(*Counts)) {
	s := t.m[k]
	if s == nil {
		s = &series{}
		t.m[k] = s
	}
	min, hour := now.Unix()/60, now.Unix()/3600
	mb, hb := &s.minutes[min%60], &s.hours[hour%24]
	if mb.at != min {
		*mb = bucket{at: min}
	}
	if hb.at != hour {
		*hb = bucket{at: hour}
	}
	f(&mb.c)
	f(&hb.c)
	if s.sumAt == min {
		f(&s.hour)
		f(&s.day)
	} else {
		s.sumAt = 0
	}
	s.last = min
}

// Windows returns a key's counts over the last hour and the last day.
func (t *Tracker) Windows(k Key) (hour, day Counts) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.m[k]; s != nil {
		hour, day = s.windows(now)
	}
	return hour, day
}

func (s *series) windows(now time.Time) (hour, day Counts) {
	min, h := now.Unix()/60, now.Unix()/3600
	if min == s.sumAt && min != 0 {
		return s.hour, s.day
	}
	defer func() { s.sumAt, s.hour, s.day = min, hour, day }()
	for _, b := range s.minutes {
		if b.at > min-60 && b.at <= min {
			sum(&hour, b.c)
		}
	}
	for _, b := range s.hours {
		if b.at > h-24 && b.at <= h {
			sum(&day, b.c)
		}
	}
	return hour, day
}

func sum(dst *Counts, c Counts) {
	dst.Deliveries += c.Deliveries
	dst.Bounces += c.Bounces
	dst.HardBounces += c.HardBounces
	dst.OOBBounces += c.OOBBounces
	dst.Complaints += c.Complaints
}

// Input is select_pool's reputation input for a tenant and campaign.
func (t *Tracker) Input(tenant, campaign string) *policy.Reputation {
	return t.input(tenant, campaign, nil)
}

// PoolInput is select_pool's reputation input: Input's, plus the
// tenant's counts through each of pools (the configured ones, sorted).
func (t *Tracker) PoolInput(tenant, campaign string, pools []string) *policy.Reputation {
	return t.input(tenant, campaign, pools)
}

// input reads every window of one input under one lock and one clock
// read: it runs for every message a module's select_pool decides.
func (t *Tracker) input(tenant, campaign string, pools []string) *policy.Reputation {
	r := &policy.Reputation{}
	if pools != nil {
		r.Pools = make([]policy.PoolReputation, len(pools))
	}
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	r.Tenant1h, r.Tenant24h = t.fleetWindowsLocked(Key{Scope: ScopeTenant, Tenant: tenant}, now)
	if campaign != "" {
		r.Campaign1h, r.Campaign24h = t.fleetWindowsLocked(Key{Scope: ScopeCampaign, Tenant: tenant, Campaign: campaign}, now)
	}
	for i, p := range pools {
		h, d := t.fleetWindowsLocked(Key{Scope: ScopePool, Tenant: tenant, Pool: p}, now)
		r.Pools[i] = policy.PoolReputation{Pool: p, H1: h, H24: d}
	}
	return r
}

// snapshot returns every key's windows, dropping keys idle for a day.
func (t *Tracker) snapshot() map[Key][2]Counts {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[Key][2]Counts, len(t.m))
	for k, s := range t.m {
		if now.Unix()/60-s.last > 24*60 {
			delete(t.m, k)
			continue
		}
		h, d := s.windows(now)
		out[k] = [2]Counts{h, d}
	}
	return out
}
