package engine

import (
	"context"
	"time"

	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/fleet"
	"github.com/wasmta/wasmta/mta/intake"
)

// The limits a node of a fleet shares with the others ([cluster]): the
// tenants' submission rates, the caps of [[cluster.limit]] on a provider
// or site over all sources, and with shared_paths every path's own
// connection limit and message rate. mta/fleet keeps them in Redis.

// sharedTenantRates keeps the tenants' messages_per_minute in the fleet,
// or returns nil (the intake's local buckets).
func (e *Engine) sharedTenantRates() intake.Rates {
	if e.opts.Fleet == nil || !e.conf().Cluster.SharedTenantRates {
		return nil
	}
	return tenantRates{e.opts.Fleet}
}

type tenantRates struct{ f *fleet.Fleet }

func (r tenantRates) Take(tenant string, perMinute, n int) time.Duration {
	return r.f.Rate("tenant:"+tenant, float64(perMinute)/60, perMinute).Take(context.Background(), n)
}

// sharedLimits gives the limits path p shares with the fleet, read when
// a connection starts (so a changed shape applies to the next one), or
// nil.
func (e *Engine) sharedLimits(p *egress.Path) egress.Shared {
	f := e.opts.Fleet
	if f == nil {
		return nil
	}
	var l fleet.Limits
	for _, c := range e.conf().Cluster.Limits {
		if !c.Matches(p.Provider, p.Key.Site) {
			continue
		}
		if c.MaxConnections > 0 {
			l.Slots = append(l.Slots, f.Slots("cap:"+c.Name, c.MaxConnections))
		}
		if c.MessagesPerSecond > 0 {
			l.Rates = append(l.Rates, f.Rate("cap:"+c.Name, c.MessagesPerSecond, c.Burst))
		}
	}
	if e.conf().Cluster.SharedPaths {
		s, _ := p.Shape()
		name := "path:" + p.Key.String()
		if s.MaxConnections > 0 {
			l.Slots = append(l.Slots, f.Slots(name, s.MaxConnections))
		}
		if s.MessagesPerSecond > 0 {
			l.Rates = append(l.Rates, f.Rate(name, s.MessagesPerSecond, s.MessageBurst))
		}
	}
	if len(l.Slots) == 0 && len(l.Rates) == 0 {
		return nil
	}
	return l
}
