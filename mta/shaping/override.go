package shaping

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

// Override is a change to a path's shape. Zero fields change nothing. With
// Lower set every value is a cap (the path keeps its own limit when that is
// lower): policy actions are always of that kind, so that they can only
// slow traffic down.
type Override struct {
	RateFactor            float64  `json:"rate_factor,omitempty"` // multiplies every message rate
	MessagesPerSecond     float64  `json:"messages_per_second,omitempty"`
	MessageBurst          int      `json:"message_burst,omitempty"`
	MessagesPerMinute     float64  `json:"messages_per_minute,omitempty"`
	MessagesPerHour       float64  `json:"messages_per_hour,omitempty"`
	MaxConnections        int      `json:"max_connections,omitempty"`
	ConnectionsPerSecond  float64  `json:"connections_per_second,omitempty"`
	MessagesPerConnection int      `json:"messages_per_connection,omitempty"`
	IdleTimeout           Duration `json:"idle_timeout,omitempty"`
	TLS                   string   `json:"tls,omitempty"` // opportunistic, required, required_verify, disabled
	// TLSPolicy is the shape's tls_policy (ABI v1.5): how the recipient
	// domains' MTA-STS and DANE policies apply; default, enforce, report_only.
	TLSPolicy string `json:"tls_policy,omitempty"`
	Lower     bool   `json:"lower,omitempty"`
}

// IsZero reports whether the override changes nothing.
func (o Override) IsZero() bool { o.Lower = false; return o == Override{} }

// RatesOnly reports whether the override sets message rates and nothing
// else (what a tenant, campaign or domain action may set).
func (o Override) RatesOnly() bool {
	r := Override{MessagesPerSecond: o.MessagesPerSecond, MessageBurst: o.MessageBurst,
		MessagesPerMinute: o.MessagesPerMinute, MessagesPerHour: o.MessagesPerHour, Lower: o.Lower}
	return o == r
}

// Validate checks the ranges.
func (o Override) Validate() error {
	var errs []error
	if o.RateFactor < 0 || o.RateFactor > 100 || math.IsNaN(o.RateFactor) {
		errs = append(errs, fmt.Errorf("rate_factor %v is not in (0, 100]", o.RateFactor))
	}
	for name, v := range map[string]float64{"messages_per_second": o.MessagesPerSecond,
		"messages_per_minute": o.MessagesPerMinute, "messages_per_hour": o.MessagesPerHour,
		"connections_per_second": o.ConnectionsPerSecond} {
		if v < 0 || v > 1e6 || math.IsNaN(v) {
			errs = append(errs, fmt.Errorf("%s %v is not in [0, 1000000]", name, v))
		}
	}
	if o.MessageBurst < 0 || o.MaxConnections < 0 || o.MaxConnections > 10000 || o.MessagesPerConnection < 0 || o.IdleTimeout < 0 {
		errs = append(errs, errors.New("message_burst, max_connections (up to 10000), messages_per_connection and idle_timeout must not be negative"))
	}
	if _, ok := tlsModes[o.TLS]; o.TLS != "" && !ok {
		errs = append(errs, fmt.Errorf("tls %q is not opportunistic, required, required_verify or disabled", o.TLS))
	}
	if _, ok := tlsPolicies[o.TLSPolicy]; o.TLSPolicy != "" && !ok {
		errs = append(errs, fmt.Errorf("tls_policy %q is not default, enforce or report_only", o.TLSPolicy))
	}
	return errors.Join(errs...)
}

var tlsModes = map[string]policy.TLSMode{
	"opportunistic": policy.TLSOpportunistic, "required": policy.TLSRequired,
	"required_verify": policy.TLSRequiredVerify, "disabled": policy.TLSDisabled,
}

var tlsPolicies = map[string]policy.TLSPolicyMode{
	"default": policy.TLSPolicyDefault, "enforce": policy.TLSPolicyEnforce, "report_only": policy.TLSPolicyReportOnly,
}

// Apply returns s with the override applied.
func (o Override) Apply(s policy.Shape) policy.Shape {
	if f := o.RateFactor; f > 0 {
		s.MessagesPerSecond *= f
		s.MessagesPerMinute *= f
		s.MessagesPerHour *= f
	}
	s.MessagesPerSecond = o.limitF(s.MessagesPerSecond, o.MessagesPerSecond)
	s.MessagesPerMinute = o.limitF(s.MessagesPerMinute, o.MessagesPerMinute)
	s.MessagesPerHour = o.limitF(s.MessagesPerHour, o.MessagesPerHour)
	s.ConnectionsPerSec = o.limitF(s.ConnectionsPerSec, o.ConnectionsPerSecond)
	s.MaxConnections = int(o.limitF(float64(s.MaxConnections), float64(o.MaxConnections)))
	s.MessagesPerConn = int(o.limitF(float64(s.MessagesPerConn), float64(o.MessagesPerConnection)))
	if o.MessageBurst > 0 {
		s.MessageBurst = o.MessageBurst
	}
	if o.IdleTimeout > 0 {
		s.IdleTimeout = time.Duration(o.IdleTimeout)
	}
	if m, ok := tlsModes[o.TLS]; ok {
		s.TLS = m
	}
	if m, ok := tlsPolicies[o.TLSPolicy]; ok {
		s.TLSPolicy = m
	}
	return s
}

// limitF applies one value: unset keeps have; Lower keeps the smaller of
// the two, where 0 (no limit) is the largest.
func (o Override) limitF(have, want float64) float64 {
	switch {
	case want <= 0:
		return have
	case o.Lower && have > 0 && have < want:
		return have
	}
	return want
}

// String is a short display form: "rate×0.5 conns=2".
func (o Override) String() string {
	var parts []string
	add := func(format string, v any) { parts = append(parts, fmt.Sprintf(format, v)) }
	if o.RateFactor > 0 {
		add("rate×%g", o.RateFactor)
	}
	for _, r := range []struct {
		v    float64
		unit string
	}{{o.MessagesPerSecond, "s"}, {o.MessagesPerMinute, "min"}, {o.MessagesPerHour, "h"}} {
		if r.v > 0 {
			add("rate=%s", strconv.FormatFloat(r.v, 'g', 4, 64)+"/"+r.unit)
		}
	}
	for _, f := range []struct {
		format string
		v      float64
	}{{"conns=%g", float64(o.MaxConnections)}, {"conn_rate=%g/s", o.ConnectionsPerSecond},
		{"msgs_per_conn=%g", float64(o.MessagesPerConnection)}, {"burst=%g", float64(o.MessageBurst)}} {
		if f.v > 0 {
			add(f.format, f.v)
		}
	}
	if o.IdleTimeout > 0 {
		add("idle=%v", time.Duration(o.IdleTimeout))
	}
	if o.TLS != "" {
		add("tls=%s", o.TLS)
	}
	if o.TLSPolicy != "" {
		add("tls_policy=%s", o.TLSPolicy)
	}
	if o.Lower {
		parts = append(parts, "(caps)")
	}
	return strings.Join(parts, " ")
}
