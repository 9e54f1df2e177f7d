//go:build wasip1

package wasmta

import (
	"math"
	"strconv"
	"time"
	"unsafe"
)

// writer sets the results of one call. Zero values are not sent: unset and
// zero mean the same in ABI v1.
type writer struct {
	key []byte // scratch for family keys (meta.NAME, header.NAME)
	err string // first refused result; faults the call
}

func (w *writer) str(key, v string) {
	if v != "" {
		w.check(key, hostSet(key, v))
	}
}

func (w *writer) int(key string, v int64) {
	if v != 0 {
		w.check(key, hostSetI64(key, v))
	}
}

func (w *writer) ms(key string, d time.Duration) { w.int(key, d.Milliseconds()) }

func (w *writer) float(key string, v float64) {
	if v != 0 {
		w.check(key, hostSetF64(key, v))
	}
}

func (w *writer) bool(key string, v bool) {
	if v {
		w.int(key, 1)
	}
}

// family sets prefix+name (meta.NAME, header.NAME) to v.
func (w *writer) family(prefix, name, v string) {
	w.key = append(append(w.key[:0], prefix...), name...)
	k := unsafe.String(&w.key[0], len(w.key))
	w.check(k, hostSet(k, v))
}

func (w *writer) check(key string, status int32) {
	if status < 0 && w.err == "" {
		w.err = "wasmta sdk: result " + key + " refused by the host: status " + strconv.Itoa(int(status))
	}
}

func (w *writer) reply(r *Reply) {
	if r == nil {
		return
	}
	w.int("reject.code", int64(r.Code))
	w.str("reject.enhanced", r.Enhanced)
	w.str("reject.text", r.Text)
}

func (w *writer) reception(rej *Reply, tenant, campaign string, meta map[string]string) {
	w.reply(rej)
	w.str("tenant", tenant)
	w.str("campaign", campaign)
	for k, v := range meta {
		w.family("meta.", k, v)
	}
}

func (w *writer) route(r *Route) {
	w.str("mx_domain", r.MXDomain)
	for _, h := range r.Hosts {
		w.check("host", hostSet("host", h))
	}
}

func (w *writer) shape(s *Shape) {
	w.int("max_connections", int64(s.MaxConnections))
	w.float("messages_per_second", s.MessagesPerSecond)
	w.int("message_burst", int64(s.MessageBurst))
	w.float("connections_per_second", s.ConnectionsPerSecond)
	w.int("messages_per_connection", int64(s.MessagesPerConnection))
	w.ms("idle_timeout_ms", s.IdleTimeout)
	w.str("tls", s.TLS)
	w.str("tls_policy", s.TLSPolicy)
	w.ms("retry_initial_ms", s.RetryInitial)
	w.ms("retry_max_ms", s.RetryMax)
	w.ms("max_age_ms", s.MaxAge)
	w.ms("connect_timeout_ms", s.ConnectTimeout)
	w.ms("command_timeout_ms", s.CommandTimeout)
	w.ms("data_timeout_ms", s.DataTimeout)
	a := &s.Adapt
	w.bool("adapt_off", a.Off)
	w.int("adapt_min_connections", int64(a.MinConnections))
	w.int("adapt_max_connections", int64(a.MaxConnections))
	w.float("adapt_min_rate", a.MinRate)
	w.float("adapt_max_rate", a.MaxRate)
	w.int("adapt_connection_step", int64(a.ConnectionStep))
	w.float("adapt_rate_step", a.RateStep)
	w.float("adapt_factor", a.Factor)
	w.ms("adapt_quiet_ms", a.Quiet)
	w.int("adapt_signals", int64(a.Signals))
	w.int("adapt_min_messages_per_connection", int64(a.MinMessagesPerConnection))
	w.int("adapt_max_messages_per_connection", int64(a.MaxMessagesPerConnection))
}

func (w *writer) classification(c *Classification) {
	w.str("category", c.Category)
	w.str("action", c.Action)
	w.str("scope", c.Scope)
	w.bool("suspend", c.Suspend)
	if math.IsNaN(c.RateFactor) {
		w.err = "wasmta sdk: result rate_factor is NaN"
	}
	w.float("rate_factor", c.RateFactor)
	w.int("max_connections", int64(c.MaxConnections))
	w.ms("duration_ms", c.Duration)
	w.int("threshold", int64(c.Threshold))
	w.ms("window_ms", c.Window)
	w.str("suppress", c.Suppress)
	w.ms("suppress_for_ms", c.SuppressFor)
}
