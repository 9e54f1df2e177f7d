package providersim

import (
	"errors"
	"time"
)

// LimitChange is a change of a provider's limits at a set time of a run:
// After its delay from the first connection the provider admits, the
// non-zero fields replace the current values (a zero field keeps it). It
// models a provider that tightens (or relaxes) what it accepts while a
// sender is delivering, e.g. after a reputation change.
type LimitChange struct {
	After         time.Duration
	RatePerIP     float64 // messages per second per client IP
	Burst         int
	MaxConnsPerIP int
}

func (c LimitChange) validate(p *Provider) error {
	if c.After <= 0 {
		return errors.New("after must be > 0")
	}
	if c.RatePerIP < 0 || c.Burst < 0 || c.MaxConnsPerIP < 0 {
		return errors.New("negative limit")
	}
	if c.RatePerIP > 0 && p.RatePerIP == 0 {
		return errors.New("rate_per_ip: the provider has no rate limit to change")
	}
	if c.MaxConnsPerIP > 0 && p.MaxConnsPerIP == 0 {
		return errors.New("max_conns_per_ip: the provider has no connection limit to change")
	}
	if c.RatePerIP == 0 && c.Burst == 0 && c.MaxConnsPerIP == 0 {
		return errors.New("changes nothing")
	}
	return nil
}

// AppliedChange is a limit change as it took effect: when, and the limits
// in force from then on.
type AppliedChange struct {
	At            time.Time `json:"at"`
	RatePerIP     float64   `json:"rate_per_ip"`
	Burst         int       `json:"burst"`
	MaxConnsPerIP int       `json:"max_conns_per_ip"`
}

// startChanges arms the provider's limit changes; it runs once, at the
// first admitted connection.
func (h *host) startChanges() {
	h.changesOnce.Do(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.closed {
			return
		}
		for _, c := range h.p.Changes {
			h.timers = append(h.timers, time.AfterFunc(c.After, func() { h.applyChange(c) }))
		}
	})
}

// applyChange puts c in force for every client, current and future.
func (h *host) applyChange(c LimitChange) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	rate, burst := float64(h.rate), h.burst
	if c.RatePerIP > 0 {
		rate = c.RatePerIP
	}
	if c.Burst > 0 {
		burst = c.Burst
	}
	if c.MaxConnsPerIP > 0 {
		h.maxConns = c.MaxConnsPerIP
	}
	h.applied = append(h.applied, AppliedChange{At: time.Now(), RatePerIP: rate, Burst: burst, MaxConnsPerIP: h.maxConns})
	h.mu.Unlock()
	if c.RatePerIP > 0 || c.Burst > 0 {
		h.setRate(rate, burst)
	}
}

// setConnLimit changes the per-IP connection limit (0 removes it).
// Connections already open stay open; new ones are counted against it.
func (h *host) setConnLimit(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.maxConns = n
	// Waiters over the old limit look again.
	close(h.freed)
	h.freed = make(chan struct{})
}

// stopChanges cancels the changes not yet applied.
func (h *host) stopChanges() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, t := range h.timers {
		t.Stop()
	}
}
