package config

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/wasmta/wasmta/mta/events"
)

func readRoutes(ts []*table) []Route {
	var out []Route
	seen := map[string]bool{}
	for _, t := range ts {
		var r Route
		if t.str("domain", &r.Domain) {
			r.Domain = strings.ToLower(r.Domain)
			switch {
			case r.Domain != "*" && !validHostname(r.Domain):
				t.p.add(t.key("domain"), "%q is not a domain (or \"*\" for every domain)", r.Domain)
			case seen[r.Domain]:
				t.p.add(t.key("domain"), "%q has another route already", r.Domain)
			}
			seen[r.Domain] = true
		} else {
			t.p.add(t.key("domain"), "missing (a domain, or \"*\" for every domain)")
		}
		if t.strings("hosts", &r.Hosts) {
			for i, h := range r.Hosts {
				if err := checkHostPort(h); err != nil {
					t.p.add(fmt.Sprintf("%s[%d]", t.key("hosts"), i), "%v", err)
				}
			}
		}
		if len(r.Hosts) == 0 {
			t.p.add(t.key("hosts"), "missing or empty (host or host:port, tried in order)")
		}
		t.str("auth_user", &r.AuthUser)
		t.str("auth_password", &r.AuthPassword)
		if (r.AuthUser == "") != (r.AuthPassword == "") {
			t.p.add(t.key("auth_user"), "auth_user and auth_password must be set together")
		}
		t.done()
		out = append(out, r)
	}
	return out
}

// checkHostPort accepts "host", "host:port", "ip", "ip:port" and "[ipv6]:port".
func checkHostPort(s string) error {
	bad := fmt.Errorf("%q is not a host or host:port (e.g. smtp.example.net, 127.0.0.1:2526, [::1]:25)", s)
	host := s
	if h, port, err := net.SplitHostPort(s); err == nil {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return bad
		}
		host = h
	} else if strings.ContainsAny(s, "[]") || strings.Count(s, ":") == 1 {
		return bad
	}
	if _, err := netip.ParseAddr(host); err != nil && !validHostname(host) {
		return bad
	}
	return nil
}

// parseAddr reads a plain IP address (no zone), IPv4-mapped IPv6 unmapped.
func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, err
	}
	if a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("zone not allowed")
	}
	return a.Unmap(), nil
}

func readTenants(ts []*table) []Tenant {
	var out []Tenant
	for _, t := range ts {
		var tn Tenant
		if !t.str("name", &tn.Name) || !validName(tn.Name) {
			t.p.add(t.key("name"), "%s", nameProblem(tn.Name))
		}
		tn.SMTPUsers = readUsers(t.array("smtp_users"))
		tn.APITokensSHA256 = readTokenHashes(t)
		t.str("policy", &tn.Policy)
		t.str("default_pool", &tn.DefaultPool)
		t.size("max_message_size", &tn.MaxMessageSize, 0)
		t.integer("max_recipients", &tn.MaxRecipients, 0, maxInt)
		t.integer("messages_per_minute", &tn.MessagesPerMinute, 0, maxInt)
		t.boolean("dsn", &tn.DSN)
		readReturnPath(t, &tn)
		readSuppressed(t, &tn)
		t.duration("hard_bounce_suppress_for", &tn.HardBounceSuppressFor, 0)
		if d := tn.HardBounceSuppressFor; d > 0 && d < time.Minute {
			t.p.add(t.key("hard_bounce_suppress_for"), "%v is too short (0 for no expiry, or at least 1m)", d)
		}
		t.done()
		out = append(out, tn)
	}
	return out
}

func readUsers(ts []*table) []SMTPUser {
	var out []SMTPUser
	for _, t := range ts {
		var u SMTPUser
		if !t.str("username", &u.Username) || u.Username == "" {
			t.p.add(t.key("username"), "missing or empty")
		}
		if !t.str("password_hash", &u.PasswordHash) {
			t.p.add(t.key("password_hash"), "missing (a bcrypt hash; make one with: wasmta hash-password)")
		} else if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			t.p.add(t.key("password_hash"), "not a bcrypt hash (like $2a$10$...; make one with: wasmta hash-password)")
		}
		t.done()
		out = append(out, u)
	}
	return out
}

func readTokenHashes(t *table) [][32]byte {
	var hexes []string
	if !t.strings("api_tokens_sha256", &hexes) {
		return nil
	}
	out := make([][32]byte, 0, len(hexes))
	for i, h := range hexes {
		var sum [32]byte
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != len(sum) {
			t.p.add(fmt.Sprintf("%s[%d]", t.key("api_tokens_sha256"), i),
				"%q is not a sha256 in hex (64 hex digits, e.g. from: printf %%s TOKEN | sha256sum)", h)
			continue
		}
		copy(sum[:], b)
		out = append(out, sum)
	}
	return out
}

func readSources(ts []*table) []Source {
	var out []Source
	for _, t := range ts {
		var s Source
		if !t.str("name", &s.Name) || !validName(s.Name) {
			t.p.add(t.key("name"), "%s", nameProblem(s.Name))
		}
		var addr string
		if t.str("address", &addr) && addr != "" {
			a, err := parseAddr(addr)
			if err != nil {
				t.p.add(t.key("address"), "%q is not an IP address", addr)
			}
			s.Address = a
		}
		if t.str("ehlo", &s.EHLO) && !validHostname(s.EHLO) {
			t.p.add(t.key("ehlo"), "%q is not a host name", s.EHLO)
		}
		t.done()
		out = append(out, s)
	}
	return out
}

func readPools(ts []*table) []Pool {
	var out []Pool
	for _, t := range ts {
		var p Pool
		if !t.str("name", &p.Name) || !validName(p.Name) {
			t.p.add(t.key("name"), "%s", nameProblem(p.Name))
		}
		for _, mt := range t.array("sources") {
			m := PoolSource{Weight: 1}
			if !mt.str("name", &m.Name) || m.Name == "" {
				mt.p.add(mt.key("name"), "missing (the name of a [[source]])")
			}
			mt.integer("weight", &m.Weight, 1, 1_000_000)
			mt.done()
			p.Sources = append(p.Sources, m)
		}
		if len(p.Sources) == 0 {
			t.p.add(t.key("sources"), "missing or empty (e.g. sources = [{ name = \"ip1\", weight = 1 }])")
		}
		t.done()
		out = append(out, p)
	}
	return out
}

// validName accepts the names of tenants, sources and pools: they appear in
// records, metrics labels, queue names and URLs, so they stay plain.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

func nameProblem(s string) string {
	if s == "" {
		return "missing or empty"
	}
	return fmt.Sprintf("%q is not a name (1 to 64 letters, digits, '-', '_', '.')", s)
}

func readWebhooks(ts []*table) []Webhook {
	var out []Webhook
	for _, t := range ts {
		w := Webhook{BatchSize: 100, BatchWait: 200 * time.Millisecond, Timeout: 10 * time.Second,
			RetryInitial: time.Second, RetryMax: 5 * time.Minute}
		if t.str("tenant", &w.Tenant) && !validName(w.Tenant) {
			t.p.add(t.key("tenant"), "%s", nameProblem(w.Tenant))
		}
		if t.str("name", &w.Name) && !validName(w.Name) {
			t.p.add(t.key("name"), "%s", nameProblem(w.Name))
		}
		readWebhookURL(t, &w)
		readWebhookEvents(t, &w)
		t.integer("batch_size", &w.BatchSize, 1, 10_000)
		t.duration("batch_wait", &w.BatchWait, 0)
		t.str("secret", &w.Secret)
		t.duration("timeout", &w.Timeout, 100*time.Millisecond)
		t.duration("retry_initial", &w.RetryInitial, 10*time.Millisecond)
		t.duration("retry_max", &w.RetryMax, 10*time.Millisecond)
		if w.RetryMax < w.RetryInitial {
			t.p.add(t.key("retry_max"), "%v is shorter than retry_initial (%v)", w.RetryMax, w.RetryInitial)
		}
		t.done()
		out = append(out, w)
	}
	return out
}

func readWebhookURL(t *table, w *Webhook) {
	if !t.str("url", &w.URL) {
		t.p.add(t.key("url"), "missing (the http:// or https:// address records are POSTed to)")
		return
	}
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		t.p.add(t.key("url"), "%q is not an http:// or https:// URL", w.URL)
	}
}

func readWebhookEvents(t *table, w *Webhook) {
	if !t.strings("events", &w.Events) {
		return
	}
	for i, e := range w.Events {
		if !events.ValidType(e) {
			t.p.add(fmt.Sprintf("%s[%d]", t.key("events"), i), "%q is not a record type (%s)", e, typeList())
		}
	}
}

func typeList() string {
	names := make([]string, len(events.Types))
	for i, ty := range events.Types {
		names[i] = string(ty)
	}
	return strings.Join(names, ", ")
}
