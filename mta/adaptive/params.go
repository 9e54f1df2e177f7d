package adaptive

import (
	"math"
	"time"
)

// Signal is a kind of throttling evidence a path observes.
type Signal uint8

const (
	// RateLimited is a reply the classify hook put in category RateLimited.
	RateLimited Signal = 1 << iota
	// Refused is a connection the destination would not take: refused or
	// reset at connect, a 4xx/5xx greeting or EHLO, a failed TLS handshake.
	Refused
	// Timeout is a connect, command or data timeout.
	Timeout
)

// AllSignals is every signal; the default set.
const AllSignals = RateLimited | Refused | Timeout

// Limits are what a controller learns: concurrent connections, messages
// per second over all connections (0 = no limit), and messages per
// connection (0 = no limit; perconn.go).
type Limits struct {
	Conns   int
	Rate    float64
	PerConn int
}

// Params bound and tune the adaptation of one path. Zero fields take the
// defaults WithDefaults documents, so that a policy which says nothing
// gets a working loop.
type Params struct {
	Off      bool          // keep the preset: no learning on this path
	MinConns int           // floor of the connection limit
	MaxConns int           // ceiling of the connection limit
	MinRate  float64       // floor of the message rate, per second
	MaxRate  float64       // ceiling of the message rate, per second
	ConnStep int           // connections added per quiet period
	RateStep float64       // messages per second added per quiet period
	Factor   float64       // a cut multiplies the limit by this, in (0, 1)
	Quiet    time.Duration // a period without signals that allows one increase; a cut rate recovers within one
	Signals  Signal        // the signals that cut; 0 = AllSignals
	// MinPerConn and MaxPerConn are the floor and ceiling of the messages
	// per connection (perconn.go), the shape hook's
	// adapt_min/max_messages_per_connection (ABI v1.9). They bound a count
	// in force, never turn "no limit" into one.
	MinPerConn int
	MaxPerConn int
}

// Defaults of the adaptation, relative to the preset.
const (
	DefaultCeiling = 4   // ceilings are this multiple of the preset
	DefaultFloor   = 0.1 // the rate floor is this fraction of the preset rate
	DefaultFactor  = 0.7 // as TCP CUBIC's β: one cut keeps 70 %
	DefaultQuiet   = 5 * time.Second
	// DefaultStepShare of the preset rate is added per quiet period, and
	// after a cut the same share of the rate the cut left (at least of a
	// quarter of the preset).
	DefaultStepShare = 0.1
	// unlimitedFloor is the rate floor of a preset that has no rate.
	unlimitedFloor = 0.1
)

// WithDefaults fills the zero fields from the preset and makes the
// bounds consistent: the floor of connections is 1, the ceiling 4 times
// the preset; the rate floor is a tenth of the preset rate (0.1/s when
// the preset has no rate), its ceiling 4 times the preset (none when the
// preset has no rate); steps are one connection and a tenth of the preset
// rate per 5 s quiet period (after a cut, a tenth of the rate it left, or
// of a quarter of the preset if more);
// a cut keeps 70 %; the messages per connection's floor is 1, its
// ceiling 4 times the preset (none when the preset has no limit), and
// never below the floor.
func (p Params) WithDefaults(preset Limits) Params {
	base := max(1, preset.Conns)
	if p.MinConns <= 0 {
		p.MinConns = 1
	}
	if p.MaxConns <= 0 {
		p.MaxConns = DefaultCeiling * base
	}
	p.MaxConns = max(p.MaxConns, p.MinConns)
	if p.MinRate <= 0 || math.IsNaN(p.MinRate) {
		p.MinRate = unlimitedFloor
		if preset.Rate > 0 {
			p.MinRate = DefaultFloor * preset.Rate
		}
	}
	if (p.MaxRate <= 0 || math.IsNaN(p.MaxRate)) && preset.Rate > 0 {
		p.MaxRate = DefaultCeiling * preset.Rate
	}
	if p.MaxRate > 0 {
		p.MaxRate = max(p.MaxRate, p.MinRate)
	}
	if p.ConnStep <= 0 {
		p.ConnStep = 1
	}
	if (p.RateStep <= 0 || math.IsNaN(p.RateStep)) && preset.Rate > 0 {
		p.RateStep = DefaultStepShare * preset.Rate
	}
	if !(p.Factor > 0 && p.Factor < 1) {
		p.Factor = DefaultFactor
	}
	if p.Quiet <= 0 {
		p.Quiet = DefaultQuiet
	}
	if p.Signals == 0 {
		p.Signals = AllSignals
	}
	if p.MinPerConn <= 0 {
		p.MinPerConn = 1
	}
	if p.MaxPerConn <= 0 && preset.PerConn > 0 {
		p.MaxPerConn = DefaultCeiling * preset.PerConn
	}
	if p.MaxPerConn > 0 {
		p.MaxPerConn = max(p.MaxPerConn, p.MinPerConn)
	}
	return p
}

// clamp keeps l within the bounds of p.
func (p Params) clamp(l Limits) Limits {
	l.Conns = min(max(l.Conns, p.MinConns), p.MaxConns)
	if l.Rate > 0 {
		l.Rate = max(l.Rate, p.MinRate)
		if p.MaxRate > 0 {
			l.Rate = min(l.Rate, p.MaxRate)
		}
	}
	if l.PerConn > 0 {
		l.PerConn = max(l.PerConn, p.MinPerConn)
		if p.MaxPerConn > 0 {
			l.PerConn = min(l.PerConn, p.MaxPerConn)
		}
	}
	return l
}
