package config

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Inbound is the [inbound] section: the listener for mail that comes back
// (bounces, complaint reports, auto-replies) and the keys of the VERP
// return paths that route it there.
type Inbound struct {
	Listen netip.AddrPort // listen; invalid (zero) = off
	// Domains (domains): domains accepted besides the tenants'
	// return-path domains, e.g. the address registered with a feedback loop.
	Domains []string
	// Keys (verp_keys, "ID:BASE64-SECRET"): the first signs return paths,
	// every one verifies; decoded.
	Keys           []VERPKey
	KeepRaw        time.Duration // keep_raw: how long an unparseable report's raw message is kept
	MaxMessageSize int64         // max_message_size, bytes
}

// VERPKey is one entry of inbound.verp_keys.
type VERPKey struct {
	ID     byte
	Secret []byte
}

// MaxReturnPathPrefix is the longest tenant.return_path local part: with
// "+" and a token of up to 47 characters it stays within RFC 5321's 64.
const MaxReturnPathPrefix = 16

func readInbound(t *table, in *Inbound) {
	parseOptionalListen(t, "listen", &in.Listen)
	var domains []string
	if t.strings("domains", &domains) {
		in.Domains = nil
		for i, d := range domains {
			d = strings.ToLower(strings.TrimSuffix(d, "."))
			if !validHostname(d) {
				t.p.add(t.key(fmt.Sprintf("domains[%d]", i)), "%q is not a domain", d)
			}
			in.Domains = append(in.Domains, d)
		}
	}
	var keys []string
	if t.strings("verp_keys", &keys) {
		in.Keys = nil
		seen := map[byte]bool{}
		for i, k := range keys {
			key, err := parseVERPKey(k)
			switch {
			case err != nil:
				t.p.add(t.key(fmt.Sprintf("verp_keys[%d]", i)), "%v", err)
			case seen[key.ID]:
				t.p.add(t.key(fmt.Sprintf("verp_keys[%d]", i)), "key id %d is given twice", key.ID)
			default:
				seen[key.ID] = true
				in.Keys = append(in.Keys, key)
			}
		}
	}
	t.duration("keep_raw", &in.KeepRaw, time.Minute)
	t.size("max_message_size", &in.MaxMessageSize, 1*KiB)
}

func parseVERPKey(s string) (VERPKey, error) {
	id, secret, ok := strings.Cut(s, ":")
	n, err := strconv.ParseUint(id, 10, 8)
	if !ok || err != nil {
		return VERPKey{}, fmt.Errorf("want ID:BASE64-SECRET with ID 0-255 (make a secret with: openssl rand -base64 32)")
	}
	b, err := base64.StdEncoding.DecodeString(secret)
	if err != nil || len(b) < 16 {
		return VERPKey{}, fmt.Errorf("key %d: the secret must be base64 of at least 16 bytes (make one with: openssl rand -base64 32)", n)
	}
	return VERPKey{ID: byte(n), Secret: b}, nil
}

// readReturnPath reads tenant.return_path: "PREFIX@BOUNCE-DOMAIN".
// readSuppressed reads suppressed_recipients.
func readSuppressed(t *table, tn *Tenant) {
	t.str("suppressed_recipients", &tn.SuppressedRecipients)
	switch tn.SuppressedRecipients {
	case "", SuppressedReject, SuppressedDrop:
	default:
		t.p.add(t.key("suppressed_recipients"), "%q: want %q (refuse at RCPT) or %q (accept, drop and record)",
			tn.SuppressedRecipients, SuppressedReject, SuppressedDrop)
	}
}

func readReturnPath(t *table, tn *Tenant) {
	if !t.str("return_path", &tn.ReturnPath) || tn.ReturnPath == "" {
		return
	}
	prefix, domain, ok := strings.Cut(tn.ReturnPath, "@")
	switch {
	case !ok || prefix == "" || !validHostname(domain):
		t.p.add(t.key("return_path"), "%q is not PREFIX@BOUNCE-DOMAIN", tn.ReturnPath)
	case len(prefix) > MaxReturnPathPrefix || strings.ContainsAny(prefix, "+@\" \t"):
		t.p.add(t.key("return_path"), "prefix %q: at most %d characters, without '+', '@', quotes or spaces (the token follows it)", prefix, MaxReturnPathPrefix)
	}
	tn.ReturnPath = prefix + "@" + strings.ToLower(domain)
}

// checkInbound: return paths need a key to sign with.
func (c *Config) checkInbound(p *problems) {
	for i, t := range c.Tenants {
		if t.ReturnPath != "" && len(c.Inbound.Keys) == 0 {
			p.add(fmt.Sprintf("tenant[%d].return_path", i), "needs inbound.verp_keys to sign the return paths with")
		}
	}
}

// InboundDomains returns every domain the inbound listener accepts mail
// for: inbound.domains and the tenants' return-path domains.
func (c *Config) InboundDomains() []string {
	out := append([]string(nil), c.Inbound.Domains...)
	for _, t := range c.Tenants {
		if _, d, ok := strings.Cut(t.ReturnPath, "@"); ok {
			out = append(out, d)
		}
	}
	return out
}
