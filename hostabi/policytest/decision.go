package policytest

import (
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

// decision is a hook's outcome as ABI result keys: string, int64, float64
// or []string values. Keys a result does not carry are absent, and compare
// as the zero value of the expected type.
type decision map[string]any

func ms(d time.Duration) int64 { return d.Milliseconds() }

func reply(d decision, rej *policy.Reply) {
	d["accept"] = rej == nil
	if rej != nil {
		d["reject.code"] = int64(rej.Code)
		d["reject.enhanced"] = rej.Enhanced
		d["reject.text"] = rej.Text
	}
}

func reception(d decision, rej *policy.Reply, tenant, campaign string, meta map[string]string) {
	reply(d, rej)
	d["tenant"] = tenant
	d["campaign"] = campaign
	for k, v := range meta {
		d["meta."+k] = v
	}
}

func mailFromDecision(r policy.MailFromResult) decision {
	d := decision{}
	reception(d, r.Reject, r.Tenant, r.Campaign, r.Meta)
	return d
}

func rcptDecision(r policy.RcptResult) decision {
	d := decision{}
	reply(d, r.Reject)
	return d
}

func messageDecision(r policy.MessageResult) decision {
	d := decision{}
	reception(d, r.Reject, r.Tenant, r.Campaign, r.Meta)
	for _, h := range r.AddHeaders {
		l, _ := d["header."+h.Name].([]string)
		d["header."+h.Name] = append(l, h.Value)
	}
	d["dkim"] = r.DKIM
	return d
}

func routeDecision(r policy.Route) decision {
	hosts := r.Hosts
	if hosts == nil {
		hosts = []string{}
	}
	return decision{"mx_domain": r.Domain, "host": hosts}
}

func poolDecision(pool string) decision { return decision{"pool": pool} }

var tlsNames = map[policy.TLSMode]string{
	policy.TLSOpportunistic: "opportunistic", policy.TLSRequired: "required",
	policy.TLSRequiredVerify: "required_verify", policy.TLSDisabled: "disabled",
}

var tlsPolicyNames = map[policy.TLSPolicyMode]string{
	policy.TLSPolicyDefault: "default", policy.TLSPolicyEnforce: "enforce",
	policy.TLSPolicyReportOnly: "report_only",
}

func shapeDecision(s policy.Shape) decision {
	return decision{
		"max_connections":                   int64(s.MaxConnections),
		"messages_per_second":               s.MessagesPerSecond,
		"message_burst":                     int64(s.MessageBurst),
		"connections_per_second":            s.ConnectionsPerSec,
		"messages_per_connection":           int64(s.MessagesPerConn),
		"idle_timeout_ms":                   ms(s.IdleTimeout),
		"tls":                               tlsNames[s.TLS],
		"tls_policy":                        tlsPolicyNames[s.TLSPolicy],
		"retry_initial_ms":                  ms(s.RetryInitial),
		"retry_max_ms":                      ms(s.RetryMax),
		"max_age_ms":                        ms(s.MaxAge),
		"connect_timeout_ms":                ms(s.ConnectTimeout),
		"command_timeout_ms":                ms(s.CommandTimeout),
		"data_timeout_ms":                   ms(s.DataTimeout),
		"adapt_off":                         boolInt(s.Adapt.Off),
		"adapt_min_connections":             int64(s.Adapt.MinConnections),
		"adapt_max_connections":             int64(s.Adapt.MaxConnections),
		"adapt_min_rate":                    s.Adapt.MinRate,
		"adapt_max_rate":                    s.Adapt.MaxRate,
		"adapt_connection_step":             int64(s.Adapt.ConnectionStep),
		"adapt_rate_step":                   s.Adapt.RateStep,
		"adapt_factor":                      s.Adapt.Factor,
		"adapt_quiet_ms":                    ms(s.Adapt.Quiet),
		"adapt_signals":                     int64(s.Adapt.Signals),
		"adapt_min_messages_per_connection": int64(s.Adapt.MinMessagesPerConn),
		"adapt_max_messages_per_connection": int64(s.Adapt.MaxMessagesPerConn),
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

var (
	actionNames = map[policy.Action]string{policy.ActionDefault: "default", policy.ActionRetry: "retry", policy.ActionBounce: "bounce"}
	scopeNames  = map[policy.Scope]string{
		policy.ScopeNone: "none", policy.ScopePath: "path", policy.ScopeSite: "site",
		policy.ScopeSource: "source", policy.ScopeTenant: "tenant",
	}
	suppressNames = map[policy.SuppressChoice]string{
		policy.SuppressDefault: "default", policy.SuppressNone: "none",
		policy.SuppressTenant: "tenant", policy.SuppressGlobal: "global",
	}
)

func classifyDecision(c policy.Classification) decision {
	suspend := int64(0)
	if c.Suspend {
		suspend = 1
	}
	return decision{
		"category":        c.Category,
		"action":          actionNames[c.Action],
		"scope":           scopeNames[c.Scope],
		"suspend":         suspend,
		"rate_factor":     c.RateFactor,
		"max_connections": int64(c.MaxConns),
		"duration_ms":     ms(c.Duration),
		"threshold":       int64(c.Threshold),
		"window_ms":       ms(c.Window),
		"suppress":        suppressNames[c.Suppress],
		"suppress_for_ms": ms(c.SuppressFor),
	}
}
