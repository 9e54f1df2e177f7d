//go:build !wasip1

package wasmta

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The checks below are the result ranges of ABI.md section 3. The host
// makes the same checks and faults a call that breaks one; the SDK makes
// them in native builds only, so that a unit test finds the mistake first
// while the wasm module stays free of fmt and net/netip (10% smaller, so
// faster to compile and instantiate).

// Validate reports the first way r breaks the ABI's reply rules.
func (r *Reply) Validate() error {
	if r.Code < 400 || r.Code > 599 {
		return fmt.Errorf("reject.code %d: want 400–599", r.Code)
	}
	if r.Enhanced != "" && !validEnhanced(r.Enhanced, r.Code) {
		return fmt.Errorf("reject.enhanced %q: want C.S.D matching code %d", r.Enhanced, r.Code)
	}
	if !validLine(r.Text, 512) {
		return fmt.Errorf("reject.text: want one line of at most 512 bytes")
	}
	return nil
}

// Validate reports the first way r breaks the ABI's on_mail_from rules.
func (r *MailFromResult) Validate() error {
	return validateReception(r.Reject, r.Tenant, r.Campaign, r.Meta)
}

// Validate reports the first way r breaks the ABI's on_rcpt rules.
func (r *RcptResult) Validate() error {
	if r.Reject != nil {
		return r.Reject.Validate()
	}
	return nil
}

// Validate reports the first way r breaks the ABI's on_message rules.
func (r *MessageResult) Validate() error {
	if err := validateReception(r.Reject, r.Tenant, r.Campaign, r.Meta); err != nil {
		return err
	}
	if len(r.AddHeaders) > maxListItems {
		return fmt.Errorf("header: %d fields, at most %d", len(r.AddHeaders), maxListItems)
	}
	for _, h := range r.AddHeaders {
		if len(h.Name) > 76 || !validName(h.Name) || strings.Contains(h.Name, ":") {
			return fmt.Errorf("header name %q: want 1–76 printable bytes without ':'", h.Name)
		}
		if !validLine(h.Value, 4096) {
			return fmt.Errorf("header %s: value must be one line of at most 4096 bytes", h.Name)
		}
	}
	if r.DKIM != "" && r.DKIM != "off" {
		domain, selector, _ := strings.Cut(r.DKIM, ":")
		if !validDomain(domain) || (strings.Contains(r.DKIM, ":") && !validName(selector)) {
			return fmt.Errorf("dkim %q: want off, DOMAIN or DOMAIN:SELECTOR", r.DKIM)
		}
	}
	return nil
}

func validateReception(rej *Reply, tenant, campaign string, meta map[string]string) error {
	if rej != nil {
		if err := rej.Validate(); err != nil {
			return err
		}
	}
	if tenant != "" && !validName(tenant) {
		return fmt.Errorf("tenant %q: want 1–128 printable bytes", tenant)
	}
	if campaign != "" && !validName(campaign) {
		return fmt.Errorf("campaign %q: want 1–128 printable bytes", campaign)
	}
	for k, v := range meta {
		if !validName(k) || !validLine(v, 1024) {
			return fmt.Errorf("meta.%s: want a printable name and one line of at most 1024 bytes", k)
		}
	}
	return nil
}

// Validate reports the first way r breaks the ABI's route rules.
func (r *Route) Validate() error {
	if r.MXDomain != "" && len(r.Hosts) > 0 {
		return errors.New("route: mx_domain and host both set")
	}
	if r.MXDomain != "" && !validDomain(r.MXDomain) {
		return fmt.Errorf("mx_domain %q: not a domain", r.MXDomain)
	}
	if len(r.Hosts) > maxHosts {
		return fmt.Errorf("host: %d hosts, at most %d", len(r.Hosts), maxHosts)
	}
	for _, h := range r.Hosts {
		if !validHost(h) {
			return fmt.Errorf("host %q: want a domain or IP, optionally :port", h)
		}
	}
	return nil
}

// ValidatePool reports whether pool is a valid select_pool result.
func ValidatePool(pool string) error {
	if !validName(pool) {
		return fmt.Errorf("pool %q: want 1–128 printable bytes", pool)
	}
	return nil
}

// Validate reports the first way s breaks the ABI's shape ranges.
func (s *Shape) Validate() error {
	ints := []struct {
		key      string
		v, limit int64
	}{
		{"max_connections", int64(s.MaxConnections), 10000},
		{"message_burst", int64(s.MessageBurst), 1000000},
		{"messages_per_connection", int64(s.MessagesPerConnection), 1000000},
		{"idle_timeout_ms", s.IdleTimeout.Milliseconds(), 3600000},
		{"retry_initial_ms", s.RetryInitial.Milliseconds(), 604800000},
		{"retry_max_ms", s.RetryMax.Milliseconds(), 2592000000},
		{"max_age_ms", s.MaxAge.Milliseconds(), 2592000000},
		{"connect_timeout_ms", s.ConnectTimeout.Milliseconds(), 3600000},
		{"command_timeout_ms", s.CommandTimeout.Milliseconds(), 3600000},
		{"data_timeout_ms", s.DataTimeout.Milliseconds(), 3600000},
		{"adapt_min_connections", int64(s.Adapt.MinConnections), 10000},
		{"adapt_max_connections", int64(s.Adapt.MaxConnections), 10000},
		{"adapt_connection_step", int64(s.Adapt.ConnectionStep), 10000},
		{"adapt_quiet_ms", s.Adapt.Quiet.Milliseconds(), 3600000},
		{"adapt_signals", int64(s.Adapt.Signals), 7},
		{"adapt_min_messages_per_connection", int64(s.Adapt.MinMessagesPerConnection), 1000000},
		{"adapt_max_messages_per_connection", int64(s.Adapt.MaxMessagesPerConnection), 1000000},
	}
	for _, f := range ints {
		if f.v < 0 || f.v > f.limit {
			return fmt.Errorf("%s %d: want 0–%d", f.key, f.v, f.limit)
		}
	}
	for key, v := range map[string]float64{"messages_per_second": s.MessagesPerSecond, "connections_per_second": s.ConnectionsPerSecond,
		"adapt_min_rate": s.Adapt.MinRate, "adapt_max_rate": s.Adapt.MaxRate, "adapt_rate_step": s.Adapt.RateStep} {
		if math.IsNaN(v) || v < 0 || v > 1000000 {
			return fmt.Errorf("%s %v: want 0–1000000", key, v)
		}
	}
	switch s.TLS {
	case "", TLSOpportunistic, TLSRequired, TLSRequiredVerify, TLSDisabled:
	default:
		return fmt.Errorf("tls %q: want opportunistic, required, required_verify or disabled", s.TLS)
	}
	switch s.TLSPolicy {
	case "", TLSPolicyDefault, TLSPolicyEnforce, TLSPolicyReportOnly:
	default:
		return fmt.Errorf("tls_policy %q: want default, enforce or report_only", s.TLSPolicy)
	}
	if s.RetryInitial > 0 && s.RetryMax > 0 && s.RetryMax < s.RetryInitial {
		return errors.New("retry_max_ms smaller than retry_initial_ms")
	}
	return s.Adapt.validate()
}

func (a *Adaptation) validate() error {
	if math.IsNaN(a.Factor) || a.Factor < 0 || a.Factor >= 1 {
		return fmt.Errorf("adapt_factor %v: want 0 or strictly between 0 and 1", a.Factor)
	}
	if a.MaxConnections > 0 && a.MaxConnections < a.MinConnections || a.MaxRate > 0 && a.MaxRate < a.MinRate {
		return errors.New("adapt_max_connections or adapt_max_rate smaller than its minimum")
	}
	if a.MaxMessagesPerConnection > 0 && a.MaxMessagesPerConnection < a.MinMessagesPerConnection {
		return errors.New("adapt_max_messages_per_connection smaller than its minimum")
	}
	return nil
}

// Validate reports the first way c breaks the ABI's classify rules.
func (c *Classification) Validate() error {
	if c.Category != "" && !ValidCategory(c.Category) {
		return fmt.Errorf("category %q: not a category of ABI v1", c.Category)
	}
	switch c.Action {
	case "", ActionDefault, ActionRetry, ActionBounce:
	default:
		return fmt.Errorf("action %q: want default, retry or bounce", c.Action)
	}
	switch c.Scope {
	case "", ScopeNone, ScopePath, ScopeSite, ScopeSource, ScopeTenant:
	default:
		return fmt.Errorf("scope %q: want none, path, site, source or tenant", c.Scope)
	}
	if math.IsNaN(c.RateFactor) || c.RateFactor < 0 || c.RateFactor >= 1 {
		return fmt.Errorf("rate_factor %v: want 0 or strictly between 0 and 1", c.RateFactor)
	}
	if err := checkRange("max_connections", int64(c.MaxConnections), 10000); err != nil {
		return err
	}
	if err := checkRange("duration_ms", c.Duration.Milliseconds(), 7*24*time.Hour.Milliseconds()); err != nil {
		return err
	}
	if err := checkRange("threshold", int64(c.Threshold), 1000000); err != nil {
		return err
	}
	if err := checkRange("window_ms", c.Window.Milliseconds(), 24*time.Hour.Milliseconds()); err != nil {
		return err
	}
	if err := c.validateSuppress(); err != nil {
		return err
	}
	control := c.Suspend || c.RateFactor > 0 || c.MaxConnections > 0
	scoped := c.Scope != "" && c.Scope != ScopeNone
	switch {
	case scoped && (c.Duration <= 0 || !control):
		return errors.New("scope set: needs duration_ms > 0 and one of suspend, rate_factor, max_connections")
	case control && !scoped:
		return errors.New("suspend, rate_factor or max_connections set without a scope")
	}
	return nil
}

func (c *Classification) validateSuppress() error {
	switch c.Suppress {
	case "", SuppressDefault, SuppressNone, SuppressTenant, SuppressGlobal:
	default:
		return fmt.Errorf("suppress %q: want default, none, tenant or global", c.Suppress)
	}
	if err := checkRange("suppress_for_ms", c.SuppressFor.Milliseconds(), 3650*24*time.Hour.Milliseconds()); err != nil {
		return err
	}
	if c.SuppressFor > 0 && c.Suppress != SuppressTenant && c.Suppress != SuppressGlobal {
		return errors.New("suppress_for_ms set without suppress tenant or global")
	}
	return nil
}

func checkRange(key string, v, limit int64) error {
	if v < 0 || v > limit {
		return fmt.Errorf("%s %d: want 0–%d", key, v, limit)
	}
	return nil
}

const (
	maxListItems = 32
	maxHosts     = 16
)

// validName: 1–128 bytes of printable ASCII without space.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// validLine: at most max bytes with no NUL, CR or LF.
func validLine(s string, max int) bool {
	return len(s) <= max && !strings.ContainsAny(s, "\x00\r\n")
}

func validDomain(s string) bool {
	if len(s) == 0 || len(s) > 253 || s[0] == '.' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '-' || c == '.' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
		if !ok {
			return false
		}
	}
	return true
}

func validHost(s string) bool {
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]:")
		if end < 0 {
			return false
		}
		host, port = s[1:end], s[end+2:]
		addr, err := netip.ParseAddr(host)
		return err == nil && addr.Is6() && validPort(port)
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.Count(s, ":") == 1 {
		host, port = s[:i], s[i+1:]
		if !validPort(port) {
			return false
		}
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return validDomain(host)
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// validEnhanced: C.S.D with C the first digit of code and S, D 1–3 digits.
func validEnhanced(e string, code int) bool {
	parts := strings.Split(e, ".")
	if len(parts) != 3 || parts[0] != strconv.Itoa(code/100) {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) < 1 || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
