package engine

import (
	"fmt"
	"sync"
	"time"
)

// Limits of the in-band suppression guard (deadSites).
const (
	deadWindow  = 10             // minutes a site's counts cover
	deadFloor   = 20             // dead replies in the window always believed
	deadMaxSite = 4096           // sites tracked before idle ones are swept
	deadIdle    = deadWindow * 2 // minutes after which a site's counts are dropped
)

// deadSites guards the default in-band suppression against a provider
// that suddenly calls every address dead: a directory outage or a
// misconfigured edge answering "550 5.1.1 user unknown" to each RCPT would
// otherwise put a tenant's whole list for that provider on its suppression
// list. Per destination site it counts, over the last deadWindow minutes,
// the recipients refused as dead addresses and the recipients delivered;
// past deadFloor dead replies, the default suppresses only while they are
// at most half of the site's results. A poor list is a few percent dead;
// a provider fault is nearly all.
//
// Only sites that refused a recipient as dead are tracked (a delivery to
// another site costs a map lookup), and sites idle for deadIdle minutes
// are swept once more than deadMaxSite are held.
type deadSites struct {
	mu sync.Mutex
	m  map[string]*siteCounts
}

type siteCounts struct {
	min  [deadWindow]struct{ at, dead, ok int64 }
	last int64 // minute of the last count
}

func (c *siteCounts) bucket(minute int64) *struct{ at, dead, ok int64 } {
	b := &c.min[minute%deadWindow]
	if b.at != minute {
		*b = struct{ at, dead, ok int64 }{at: minute}
	}
	c.last = minute
	return b
}

func (c *siteCounts) sums(minute int64) (dead, ok int64) {
	for _, b := range c.min {
		if b.at > minute-deadWindow && b.at <= minute {
			dead += b.dead
			ok += b.ok
		}
	}
	return dead, ok
}

// delivered counts a recipient the site accepted.
func (d *deadSites) delivered(site string, now time.Time) {
	if site == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if c := d.m[site]; c != nil {
		c.bucket(now.Unix()/60).ok++
	}
}

// dead counts a recipient the site refused as a dead address and returns
// "" when the default may suppress it, else why not.
func (d *deadSites) dead(site string, now time.Time) string {
	minute := now.Unix() / 60
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.m[site]
	if c == nil {
		if d.m == nil {
			d.m = map[string]*siteCounts{}
		}
		d.sweep(minute)
		c = &siteCounts{}
		d.m[site] = c
	}
	c.bucket(minute).dead++
	dead, ok := c.sums(minute)
	if dead <= deadFloor || dead <= ok {
		return ""
	}
	return fmt.Sprintf("not suppressed: %s refused %d of its last %d recipients as unknown in %d minutes, "+
		"more like a fault of the provider than dead addresses", site, dead, dead+ok, deadWindow)
}

func (d *deadSites) sweep(minute int64) {
	if len(d.m) < deadMaxSite {
		return
	}
	for s, c := range d.m {
		if minute-c.last > deadIdle {
			delete(d.m, s)
		}
	}
}
