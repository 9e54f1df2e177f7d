package shaping

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written as text in JSON ("30s", "1h30m").
type Duration time.Duration

// MarshalText writes the Go form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads the Go form; a bare number is seconds.
func (d *Duration) UnmarshalText(b []byte) error {
	s := string(b)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		*d = Duration(n * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("shaping: duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// Rate is a count per period, as operators write it: "20/s", "600/min",
// "1000/h" ("/sec", "/second", "/m", "/minute", "/hour", "/d", "/day" too).
// A bare number is per second.
type Rate struct {
	N      float64
	Period time.Duration
}

// ParseRate reads a Rate.
func ParseRate(s string) (Rate, error) {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n < 0 {
		return Rate{}, fmt.Errorf("shaping: rate %q: want N/s, N/min or N/h", s)
	}
	periods := map[string]time.Duration{"": time.Second, "s": time.Second, "sec": time.Second, "second": time.Second,
		"m": time.Minute, "min": time.Minute, "minute": time.Minute, "h": time.Hour, "hour": time.Hour,
		"d": 24 * time.Hour, "day": 24 * time.Hour}
	p, ok := periods[strings.ToLower(strings.TrimSpace(unit))]
	if !ok {
		return Rate{}, fmt.Errorf("shaping: rate %q: unknown period %q (s, min, h, d)", s, unit)
	}
	return Rate{N: n, Period: p}, nil
}

// PerSecond returns the rate in units per second.
func (r Rate) PerSecond() float64 { return r.N / r.Period.Seconds() }

// SetMessages puts a message rate into the override's field for its
// period: per second, per minute, or per hour (a day is 24 hours' worth).
func (o *Override) SetMessages(r Rate) {
	switch {
	case r.Period <= time.Second:
		o.MessagesPerSecond = r.PerSecond()
	case r.Period <= time.Minute:
		o.MessagesPerMinute = r.PerSecond() * 60
	default:
		o.MessagesPerHour = r.PerSecond() * 3600
	}
}
