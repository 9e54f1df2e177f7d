package config

import (
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

const maxInt = math.MaxInt

func readTop(t *table, c *Config) {
	if t.str("hostname", &c.Hostname) && !validHostname(c.Hostname) {
		t.p.add("hostname", "%q is not a host name", c.Hostname)
	}
	if t.str("spool_dir", &c.SpoolDir) && c.SpoolDir == "" {
		t.p.add("spool_dir", "must not be empty")
	}
	var level string
	if t.str("log_level", &level) {
		if l, ok := logLevels[level]; ok {
			c.LogLevel = l
		} else {
			t.p.add("log_level", "%q is not one of debug, info, warn, error", level)
		}
	}
	if t.str("log_format", &c.LogFormat) && c.LogFormat != "text" && c.LogFormat != "json" {
		t.p.add("log_format", "%q is not one of text, json", c.LogFormat)
	}
	t.duration("timer_slack", &c.TimerSlack, 0)
	if c.TimerSlack > maxTimerSlack {
		t.p.add("timer_slack", "%v is too long (at most %v)", c.TimerSlack, maxTimerSlack)
	}
}

// maxTimerSlack bounds timer_slack: the runtime's sleeps and every timer
// may end this much late.
const maxTimerSlack = 100 * time.Millisecond

var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

func readSMTP(t *table, s *SMTP) {
	var listen []string
	if t.strings("listen", &listen) {
		s.Listen = s.Listen[:0:0]
		for i, a := range listen {
			// A failed entry stays as an invalid value so that later
			// problems name the right index.
			ap, _ := parseListen(t, fmt.Sprintf("listen[%d]", i), a)
			s.Listen = append(s.Listen, ap)
		}
	}
	t.size("max_message_size", &s.MaxMessageSize, 1*KiB)
	t.integer("max_recipients", &s.MaxRecipients, 1, maxInt)
	t.integer("max_connections", &s.MaxConnections, 1, maxInt)
	// RFC 5321 4.5.3.1.6: a text line of 1000 octets must be accepted.
	t.integer("max_line_length", &s.MaxLineLength, 1000, int(MiB))
	t.duration("command_timeout", &s.CommandTimeout, time.Second)
	t.duration("data_timeout", &s.DataTimeout, time.Second)
	readNetworks(t, "relay_networks", &s.RelayNetworks)
	readNetworks(t, "add_missing_headers_networks", &s.AddHeadersNetworks)
	t.str("tls_cert", &s.TLSCert)
	t.str("tls_key", &s.TLSKey)
	if (s.TLSCert == "") != (s.TLSKey == "") {
		t.p.add(t.key("tls_cert"), "tls_cert and tls_key must be set together (or both left empty for a self-signed certificate)")
	}
	t.boolean("auth_require_tls", &s.AuthRequireTLS)
	t.boolean("show_version", &s.ShowVersion)
	t.size("min_free_disk", &s.MinFreeDisk, 0)
	readHostile(t, s)
}

// readNetworks reads a list of networks at key k into dst.
func readNetworks(t *table, k string, dst *[]netip.Prefix) {
	var nets []string
	if !t.strings(k, &nets) {
		return
	}
	*dst = (*dst)[:0:0]
	for i, n := range nets {
		p, _ := parseNetwork(t, fmt.Sprintf("%s[%d]", k, i), n)
		*dst = append(*dst, p)
	}
}

// readHostile reads the limits on hostile clients (docs/configuration.md).
func readHostile(t *table, s *SMTP) {
	t.integer("max_connections_per_ip", &s.MaxConnectionsPerIP, 0, maxInt)
	t.integer("max_connections_per_network", &s.MaxConnectionsPerNetwork, 0, maxInt)
	t.integer("connection_rate_per_ip", &s.ConnectionRatePerIP, 0, maxInt)
	t.integer("reserved_connections", &s.ReservedConnections, 0, maxInt)
	t.size("min_data_rate", &s.MinDataRate, 1)
	t.integer("stress_threshold", &s.StressThreshold, 1, 100)
	t.duration("stress_command_timeout", &s.StressCommandTimeout, time.Second)
	t.duration("stress_data_timeout", &s.StressDataTimeout, time.Second)
	t.integer("soft_error_limit", &s.SoftErrorLimit, 0, maxInt)
	t.integer("hard_error_limit", &s.HardErrorLimit, 0, maxInt)
	t.duration("error_delay", &s.ErrorDelay, time.Millisecond)
	t.integer("auth_failure_limit", &s.AuthFailureLimit, 0, maxInt)
	t.duration("auth_failure_window", &s.AuthFailureWindow, time.Second)
	t.integer("rejection_records_per_session", &s.RecordsPerSession, 1, maxInt)
	t.integer("rejection_records_per_second", &s.RecordsPerSecond, 1, maxInt)
	t.integer("max_hops", &s.MaxHops, 0, 1000)
	t.size("max_data_in_flight", &s.MaxDataInFlight, 0)
}

// parseListen reads an ip:port to listen on; port 0 picks a free port.
func parseListen(t *table, k, s string) (netip.AddrPort, bool) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil || ap.Addr().Zone() != "" {
		t.p.add(t.key(k), "%q is not an ip:port address (e.g. 127.0.0.1:2525, 0.0.0.0:2525, [::]:2525)", s)
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
}

// parseOptionalListen is parseListen where "" means "off".
func parseOptionalListen(t *table, k string, dst *netip.AddrPort) {
	var s string
	if !t.str(k, &s) {
		return
	}
	if s == "" {
		*dst = netip.AddrPort{}
		return
	}
	if ap, ok := parseListen(t, k, s); ok {
		*dst = ap
	}
}

// parseNetwork reads a CIDR prefix, or a bare address meaning that one host.
func parseNetwork(t *table, k, s string) (netip.Prefix, bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		t.p.add(t.key(k), "%q is not a network (e.g. 10.0.0.0/8, 2001:db8::/32, 192.0.2.7)", s)
		return netip.Prefix{}, false
	}
	if p.Addr().Is4In6() {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}

func readAdmin(t *table, a *Admin) {
	parseOptionalListen(t, "listen", &a.Listen)
	if t.str("token", &a.Token) && a.Token != "" && len(a.Token) < 16 {
		t.p.add(t.key("token"), "too short (use at least 16 characters)")
	}
	if a.Token == "" && a.Listen.IsValid() && !a.Listen.Addr().IsLoopback() {
		t.p.add(t.key("token"), "must be set when admin.listen (%v) is not a loopback address", a.Listen)
	}
	if t.strings("allowed_hosts", &a.AllowedHosts) {
		for i, h := range a.AllowedHosts {
			if !validHostname(strings.TrimSuffix(h, ".")) {
				t.p.add(fmt.Sprintf("%s[%d]", t.key("allowed_hosts"), i), "%q is not a host name (no port, no scheme)", h)
			}
		}
	}
}

func readHTTP(t *table, h *HTTP) {
	parseOptionalListen(t, "listen", &h.Listen)
	t.size("max_request_size", &h.MaxRequestSize, 1*KiB)
	t.str("tls_cert", &h.TLSCert)
	t.str("tls_key", &h.TLSKey)
	if (h.TLSCert == "") != (h.TLSKey == "") {
		t.p.add(t.key("tls_cert"), "tls_cert and tls_key must be set together (or both left empty for plain HTTP)")
	}
}

var tlsModes = map[string]policy.TLSMode{
	"opportunistic":   policy.TLSOpportunistic,
	"required":        policy.TLSRequired,
	"required_verify": policy.TLSRequiredVerify,
	"disabled":        policy.TLSDisabled,
}

func readDelivery(t *table, d *Delivery) {
	port := int(d.Port)
	t.integer("port", &port, 1, 65535)
	d.Port = uint16(port)
	var dns string
	if t.str("dns_server", &dns) {
		d.DNSServer = netip.AddrPort{}
		if dns != "" {
			parseDNSServer(t, dns, &d.DNSServer)
		}
	}
	t.duration("dns_timeout", &d.DNSTimeout, time.Millisecond)
	t.duration("connect_timeout", &d.ConnectTimeout, time.Millisecond)
	t.duration("command_timeout", &d.CommandTimeout, time.Millisecond)
	t.duration("data_timeout", &d.DataTimeout, time.Millisecond)
	t.integer("max_connections_per_path", &d.MaxConnectionsPerPath, 1, maxInt)
	var mode string
	if t.str("tls", &mode) {
		if m, ok := tlsModes[mode]; ok {
			d.TLS = m
		} else {
			t.p.add(t.key("tls"), "%q is not one of opportunistic, required, required_verify, disabled", mode)
		}
	}
	readTransportSecurity(t, d)
}

// readTransportSecurity reads the MTA-STS and DANE keys. DANE believes
// the AD bit of dns_server, so that server must be on this machine: an AD
// bit that crossed a network proves nothing (RFC 7672 section 2.1).
func readTransportSecurity(t *table, d *Delivery) {
	t.boolean("mta_sts", &d.MTASTS)
	port := int(d.MTASTSPort)
	t.integer("mta_sts_port", &port, 1, 65535)
	d.MTASTSPort = uint16(port)
	t.boolean("dane", &d.DANE)
	t.str("tls_roots", &d.TLSRoots)
	t.boolean("tls_reports", &d.TLSReports)
	if d.DANE && d.DNSServer.IsValid() && !d.DNSServer.Addr().IsLoopback() {
		t.p.add(t.key("dane"), "needs dns_server to be a validating resolver on loopback (127.0.0.1 or ::1), not %s", d.DNSServer)
	}
}

// parseDNSServer reads ip or ip:port (port 53 by default).
func parseDNSServer(t *table, s string, dst *netip.AddrPort) {
	if a, err := netip.ParseAddr(s); err == nil {
		*dst = netip.AddrPortFrom(a.Unmap(), 53)
		return
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil || ap.Port() == 0 {
		t.p.add(t.key("dns_server"), "%q is not an ip or ip:port (e.g. 127.0.0.1:5353, [::1]:53, 9.9.9.9)", s)
		return
	}
	*dst = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// The bounds of retry_throttled: a throttle's refusal asked the path to
// slow down, so not the next instant; and it is the short retry, the
// schedule being retry_initial's.
const (
	minRetryThrottled = 10 * time.Millisecond
	maxRetryThrottled = time.Hour
)

func readQueue(t *table, q *Queue) {
	t.duration("retry_initial", &q.RetryInitial, time.Millisecond)
	t.duration("retry_max", &q.RetryMax, time.Millisecond)
	t.duration("max_age", &q.MaxAge, time.Millisecond)
	t.fraction("retry_jitter", &q.RetryJitter)
	t.duration("retry_throttled", &q.RetryThrottled, minRetryThrottled)
	if q.RetryMax < q.RetryInitial {
		t.p.add(t.key("retry_max"), "%v is shorter than retry_initial (%v)", q.RetryMax, q.RetryInitial)
	}
	if q.RetryThrottled > maxRetryThrottled {
		t.p.add(t.key("retry_throttled"), "%v is longer than %v, the most for the short retry after a throttle (the retry schedule is retry_initial's)",
			q.RetryThrottled, maxRetryThrottled)
	}
}

// wasmPage is the unit of WebAssembly memory.
const wasmPage = 64 * KiB

func readPolicy(t *table, p *Policy) {
	t.str("global", &p.Global)
	t.duration("call_timeout", &p.CallTimeout, time.Microsecond)
	t.size("memory_limit", &p.MemoryLimit, wasmPage)
	if p.MemoryLimit%wasmPage != 0 || p.MemoryLimit > 4*GiB {
		t.p.add(t.key("memory_limit"), "%d bytes is not a whole number of 64KiB wasm pages up to 4GiB", p.MemoryLimit)
	}
	t.integer("instances", &p.Instances, 1, 4096)
	t.size("max_module_size", &p.MaxModuleSize, 1)
	if p.MaxModuleSize > 64*MiB {
		t.p.add(t.key("max_module_size"), "%d bytes is more than 64MiB, the most the admin API reads", p.MaxModuleSize)
	}
	t.duration("compile_timeout", &p.CompileTimeout, time.Second)
	t.integer("max_function_blocks", &p.MaxFunctionBlocks, 100, 1<<20)
}

func readRecords(t *table, r *Records) {
	if t.str("path", &r.Path) && strings.TrimSpace(r.Path) == "" {
		t.p.add(t.key("path"), "must not be empty (leave the key out for <spool_dir>/records.jsonl)")
	}
	t.boolean("enabled", &r.Enabled)
	t.size("rotate_size", &r.RotateSize, 0)
	if r.RotateSize > 0 && r.RotateSize < 64*KiB {
		t.p.add(t.key("rotate_size"), "%d bytes is too small (0 for no rotation by size, or at least 64KiB)", r.RotateSize)
	}
	t.duration("rotate_interval", &r.RotateInterval, 0)
	if r.RotateInterval > 0 && r.RotateInterval < time.Minute {
		t.p.add(t.key("rotate_interval"), "%v is too short (0 for no rotation by age, or at least 1m)", r.RotateInterval)
	}
	t.boolean("compress", &r.Compress)
	t.integer("keep_files", &r.KeepFiles, 0, maxInt)
	t.duration("keep_for", &r.KeepFor, 0)
}
