package hostabi

import (
	"errors"
	"fmt"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

// Decoders turn the results of a call that returned 0 into the policy
// types, applying the consistency rules ABI.md checks at the end of a call.

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

// decodeReply builds the reject reply of the reception hooks.
func decodeReply(rs []result) (*policy.Reply, error) {
	var r policy.Reply
	var textSet bool
	for _, e := range rs {
		switch e.def.key {
		case "reject.code":
			r.Code = int(e.n)
		case "reject.enhanced":
			r.Enhanced, textSet = e.s, true
		case "reject.text":
			r.Text, textSet = e.s, true
		}
	}
	if r.Code == 0 {
		if textSet {
			return nil, errors.New("reject.code missing")
		}
		return nil, nil
	}
	if r.Enhanced != "" && r.Enhanced[0] != byte('0'+r.Code/100) {
		return nil, fmt.Errorf("reject.enhanced %s does not match reject.code %d", r.Enhanced, r.Code)
	}
	// A copy, so that r stays on the stack: most calls accept, and
	// returning &r would allocate it on every call.
	out := r
	return &out, nil
}

// decodeMeta collects meta.NAME results, nil when there are none.
func decodeMeta(rs []result) map[string]string {
	var m map[string]string
	for _, e := range rs {
		if e.def == metaDef {
			if m == nil {
				m = make(map[string]string)
			}
			m[e.name] = e.s
		}
	}
	return m
}

func decodeMailFrom(rs []result) (policy.MailFromResult, error) {
	var out policy.MailFromResult
	var err error
	out.Reject, err = decodeReply(rs)
	for _, e := range rs {
		switch e.def.key {
		case "tenant":
			out.Tenant = e.s
		case "campaign":
			out.Campaign = e.s
		}
	}
	out.Meta = decodeMeta(rs)
	return out, err
}

func decodeRcpt(rs []result) (policy.RcptResult, error) {
	reject, err := decodeReply(rs)
	return policy.RcptResult{Reject: reject}, err
}

func decodeMessage(rs []result) (policy.MessageResult, error) {
	var out policy.MessageResult
	var err error
	out.Reject, err = decodeReply(rs)
	for _, e := range rs {
		switch e.def.key {
		case "tenant":
			out.Tenant = e.s
		case "campaign":
			out.Campaign = e.s
		case "dkim":
			out.DKIM = e.s
		case "header.":
			out.AddHeaders = append(out.AddHeaders, policy.Header{Name: e.name, Value: e.s})
		}
	}
	out.Meta = decodeMeta(rs)
	return out, err
}

func decodeRoute(rs []result) (policy.Route, error) {
	var r policy.Route
	for _, e := range rs {
		switch e.def.key {
		case "mx_domain":
			r.Domain = e.s
		case "host":
			r.Hosts = append(r.Hosts, e.s)
		}
	}
	if len(r.Hosts) > 0 {
		if r.Domain != "" {
			return policy.Route{}, errors.New("route: mx_domain and host both set")
		}
		r.Kind = policy.RouteHosts
	}
	return r, nil
}

func decodePool(rs []result) (string, error) {
	var pool string
	for _, e := range rs {
		if e.def.key == "pool" {
			pool = e.s
		}
	}
	return pool, nil
}

func decodeShape(rs []result) (policy.Shape, error) {
	var s policy.Shape
	for _, e := range rs {
		switch e.def.key {
		case "max_connections":
			s.MaxConnections = int(e.n)
		case "messages_per_second":
			s.MessagesPerSecond = e.f
		case "message_burst":
			s.MessageBurst = int(e.n)
		case "connections_per_second":
			s.ConnectionsPerSec = e.f
		case "messages_per_connection":
			s.MessagesPerConn = int(e.n)
		case "tls":
			s.TLS = tlsModes[e.s]
		case "tls_policy":
			s.TLSPolicy = tlsPolicies[e.s]
		default:
			if !shapeAdapt(&s.Adapt, e) {
				shapeDuration(&s, e.def.key, ms(e.n))
			}
		}
	}
	if s.RetryInitial > 0 && s.RetryMax > 0 && s.RetryMax < s.RetryInitial {
		return policy.Shape{}, errors.New("shape: retry_max_ms smaller than retry_initial_ms")
	}
	if a := s.Adapt; a.MaxConnections > 0 && a.MaxConnections < a.MinConnections || a.MaxRate > 0 && a.MaxRate < a.MinRate {
		return policy.Shape{}, errors.New("shape: adapt_max_connections or adapt_max_rate smaller than its minimum")
	}
	if a := s.Adapt; a.MaxMessagesPerConn > 0 && a.MaxMessagesPerConn < a.MinMessagesPerConn {
		return policy.Shape{}, errors.New("shape: adapt_max_messages_per_connection smaller than its minimum")
	}
	return s, nil
}

// shapeAdapt stores the adapt_* results of shape; it reports whether the
// key was one of them.
func shapeAdapt(a *policy.Adaptation, e result) bool {
	switch e.def.key {
	case "adapt_off":
		a.Off = e.n == 1
	case "adapt_min_connections":
		a.MinConnections = int(e.n)
	case "adapt_max_connections":
		a.MaxConnections = int(e.n)
	case "adapt_min_rate":
		a.MinRate = e.f
	case "adapt_max_rate":
		a.MaxRate = e.f
	case "adapt_connection_step":
		a.ConnectionStep = int(e.n)
	case "adapt_rate_step":
		a.RateStep = e.f
	case "adapt_factor":
		a.Factor = e.f
	case "adapt_quiet_ms":
		a.Quiet = ms(e.n)
	case "adapt_signals":
		a.Signals = policy.Signals(e.n)
	case "adapt_min_messages_per_connection":
		a.MinMessagesPerConn = int(e.n)
	case "adapt_max_messages_per_connection":
		a.MaxMessagesPerConn = int(e.n)
	default:
		return false
	}
	return true
}

// shapeDuration stores the *_ms results of shape.
func shapeDuration(s *policy.Shape, key string, d time.Duration) {
	switch key {
	case "idle_timeout_ms":
		s.IdleTimeout = d
	case "retry_initial_ms":
		s.RetryInitial = d
	case "retry_max_ms":
		s.RetryMax = d
	case "max_age_ms":
		s.MaxAge = d
	case "connect_timeout_ms":
		s.ConnectTimeout = d
	case "command_timeout_ms":
		s.CommandTimeout = d
	case "data_timeout_ms":
		s.DataTimeout = d
	}
}

func decodeClassify(rs []result) (policy.Classification, error) {
	out := policy.Classification{Category: policy.CategoryOther}
	for _, e := range rs {
		switch e.def.key {
		case "category":
			out.Category = e.s
		case "action":
			out.Action = actions[e.s]
		case "scope":
			out.Scope = scopes[e.s]
		case "suspend":
			out.Suspend = e.n == 1
		case "rate_factor":
			out.RateFactor = e.f
		case "max_connections":
			out.MaxConns = int(e.n)
		case "duration_ms":
			out.Duration = ms(e.n)
		case "threshold":
			out.Threshold = int(e.n)
		case "window_ms":
			out.Window = ms(e.n)
		case "suppress":
			out.Suppress = suppressChoices[e.s]
		case "suppress_for_ms":
			out.SuppressFor = ms(e.n)
		}
	}
	if out.SuppressFor > 0 && out.Suppress != policy.SuppressTenant && out.Suppress != policy.SuppressGlobal {
		return out, errors.New("classify: suppress_for_ms set without suppress tenant or global")
	}
	return out, checkTrafficControl(&out)
}

// checkTrafficControl applies the consistency rules of classify.
func checkTrafficControl(c *policy.Classification) error {
	acts := c.Suspend || c.RateFactor > 0 || c.MaxConns > 0
	switch {
	case c.Scope != policy.ScopeNone && !acts:
		return errors.New("classify: scope set without suspend, rate_factor or max_connections")
	case c.Scope != policy.ScopeNone && c.Duration <= 0:
		return errors.New("classify: scope set without duration_ms")
	case c.Scope == policy.ScopeNone && acts:
		return errors.New("classify: suspend, rate_factor or max_connections set without scope")
	}
	return nil
}
