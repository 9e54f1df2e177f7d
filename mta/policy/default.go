package policy

import (
	"context"
	"strings"
	"time"
)

// Default is the built-in policy, used for every hook a loaded module does
// not implement and whenever a module faults. Its decisions come from the
// configuration: static routes, each tenant's default pool, the default
// shape of a path.
type Default struct {
	// Routes maps a lowercased recipient domain, or "*", to smart hosts.
	Routes map[string][]string
	// TenantPools maps a tenant to its default egress pool.
	TenantPools map[string]string
	// Pool is used when the tenant has none; "" means "default".
	Pool string
	// PathShape is the shape of every path.
	PathShape Shape
}

var _ Policy = (*Default)(nil)

// Version identifies the built-in policy.
func (d *Default) Version() string { return "builtin" }

// OnMailFrom accepts.
func (d *Default) OnMailFrom(context.Context, *MailFromInput) (MailFromResult, error) {
	return MailFromResult{}, nil
}

// OnRcpt accepts.
func (d *Default) OnRcpt(context.Context, *RcptInput) (RcptResult, error) {
	return RcptResult{}, nil
}

// OnMessage accepts and changes nothing.
func (d *Default) OnMessage(context.Context, *MessageInput) (MessageResult, error) {
	return MessageResult{}, nil
}

// Route uses a static route for the domain, then the "*" route, then MX.
func (d *Default) Route(_ context.Context, in *RouteInput) (Route, error) {
	if hosts, ok := d.Routes[strings.ToLower(in.Domain)]; ok {
		return Route{Kind: RouteHosts, Hosts: hosts}, nil
	}
	if hosts, ok := d.Routes["*"]; ok {
		return Route{Kind: RouteHosts, Hosts: hosts}, nil
	}
	return Route{Kind: RouteMX}, nil
}

// SelectPool returns the tenant's default pool.
func (d *Default) SelectPool(_ context.Context, in *PoolInput) (string, error) {
	if p := d.TenantPools[in.Tenant]; p != "" {
		return p, nil
	}
	if d.Pool != "" {
		return d.Pool, nil
	}
	return "default", nil
}

// Shape returns the configured default shape.
func (d *Default) Shape(context.Context, *ShapeInput) (Shape, error) {
	return d.Shape0(), nil
}

// Shape0 returns the configured shape with zero fields filled with the
// engine's defaults (the KumoMTA-like retry schedule: 20 minutes doubling,
// capped at 4 hours, expiry after 7 days).
func (d *Default) Shape0() Shape {
	s := d.PathShape
	if s.MaxConnections == 0 {
		s.MaxConnections = 32
	}
	if s.RetryInitial == 0 {
		s.RetryInitial = 20 * time.Minute
	}
	if s.RetryMax == 0 {
		s.RetryMax = 4 * time.Hour
	}
	if s.MaxAge == 0 {
		s.MaxAge = 7 * 24 * time.Hour
	}
	if s.IdleTimeout == 0 {
		s.IdleTimeout = 60 * time.Second
	}
	if s.ConnectTimeout == 0 {
		s.ConnectTimeout = 60 * time.Second
	}
	if s.CommandTimeout == 0 {
		s.CommandTimeout = 5 * time.Minute
	}
	if s.DataTimeout == 0 {
		s.DataTimeout = 10 * time.Minute
	}
	return s
}

// Classify applies the built-in bounce rules (sdk/go/bounce): a category
// and its default action, no traffic control.
func (d *Default) Classify(_ context.Context, in *ClassifyInput) (Classification, error) {
	c, _ := ClassifyRule(in)
	return c, nil
}
