package adaptive

import (
	"math"
	"time"
)

// DefaultHalfLife is how fast remembered limits return to the preset:
// after a restart, what a path learned counts half as much per hour that
// went by since it was saved (a provider's limits move, and a stale
// lesson should not hold a path down, or up, for days).
const DefaultHalfLife = time.Hour

// Saved is what a path remembers of its learned limits across restarts.
type Saved struct {
	Conns int     `json:"conns"`
	Rate  float64 `json:"rate"` // 0 = no limit
	// PerConn is the messages per connection (0: none learned, as in
	// what was saved before it was learned); PerConnFound says the
	// destination showed it by ending sessions itself.
	PerConn      int       `json:"per_conn,omitempty"`
	PerConnFound bool      `json:"per_conn_found,omitempty"`
	At           time.Time `json:"at"`
}

// Snapshot returns the learned limits to store.
func (c *Controller) Snapshot(now time.Time) Saved {
	return Saved{Conns: c.cur.Conns, Rate: c.cur.Rate, PerConn: c.cur.PerConn, PerConnFound: c.perConnFound, At: now}
}

// Restore takes limits saved earlier, decayed toward the preset by the
// time gone since: the distance to the preset halves every halfLife. A
// rate learned on a path whose preset has none grows back the same way,
// and is dropped after four half-lives, as is a destination's own count
// of messages per connection.
func (c *Controller) Restore(s Saved, now time.Time, halfLife time.Duration) {
	if halfLife <= 0 {
		halfLife = DefaultHalfLife
	}
	gone := max(0, now.Sub(s.At).Seconds()) / halfLife.Seconds()
	keep := math.Exp2(-gone)
	l := Limits{Conns: int(math.Round(float64(c.preset.Conns) + float64(s.Conns-c.preset.Conns)*keep))}
	switch {
	case s.Rate <= 0:
		l.Rate = c.preset.Rate
	case c.preset.Rate > 0:
		l.Rate = c.preset.Rate + (s.Rate-c.preset.Rate)*keep
	case gone < 4:
		l.Rate = s.Rate / keep
	}
	// Messages per connection decay the same way; a count the destination
	// showed where the preset has none is kept for four half-lives.
	switch {
	case s.PerConn <= 0:
		l.PerConn = c.preset.PerConn
	case c.preset.PerConn > 0:
		l.PerConn = max(1, int(math.Round(float64(c.preset.PerConn)+float64(s.PerConn-c.preset.PerConn)*keep)))
	case s.PerConnFound && gone < 4:
		l.PerConn = s.PerConn
	}
	c.perConnFound = s.PerConnFound && gone < 4
	old := c.cur
	c.cur = c.p.clamp(l)
	for i := range numLimits { // restored, whether or not it moved
		c.hist.last[i] = Change{At: now, From: old.get(i), To: c.cur.get(i), Cause: CauseRestored}
	}
	// What was learned before is a found limit: climb from it by steps.
	c.connsFound, c.rateFound = true, true
	if c.rateStep <= 0 && c.cur.Rate > 0 {
		c.rateStep = DefaultStepShare * c.cur.Rate
	}
	// The restored rate is the level to recover to, already reached: the
	// path probes above it slowly first (rate.go).
	c.rateMax, c.rateEpoch = c.cur.Rate, c.p.Quiet
	c.startPeriod(now)
}
