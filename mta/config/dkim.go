package config

import (
	"fmt"
	"strings"

	"github.com/wasmta/wasmta/mta/intake"
)

// readDKIM reads [dkim] and its [[dkim.key]] tables. It checks what can be
// checked without reading the key files; the keys themselves are loaded,
// and their problems reported, by the engine at start (mta/dkim).
func readDKIM(t *table, d *DKIM) {
	if t.str("default_domain", &d.DefaultDomain) {
		d.DefaultDomain = strings.ToLower(strings.TrimSuffix(d.DefaultDomain, "."))
		if d.DefaultDomain != "" && !validSigningDomain(d.DefaultDomain) {
			t.p.add(t.key("default_domain"), "%q is not a domain", d.DefaultDomain)
		}
	}
	if t.strings("headers", &d.Headers) {
		checkSignedHeaders(t, "headers", d.Headers)
	}
	seen := map[string]string{}
	for _, kt := range t.array("key") {
		k := readDKIMKey(kt)
		id := k.Selector + "._domainkey." + k.Domain
		if other, dup := seen[id]; dup && k.Domain != "" && k.Selector != "" {
			kt.p.add(kt.key("selector"), "%s is already configured by %s", id, other)
		}
		seen[id] = kt.path
		d.Keys = append(d.Keys, k)
	}
	if d.DefaultDomain != "" && !hasDKIMDomain(d.Keys, d.DefaultDomain) {
		t.p.add(t.key("default_domain"), "%q has no [[dkim.key]] (add one with domain = %q)", d.DefaultDomain, d.DefaultDomain)
	}
}

func readDKIMKey(t *table) DKIMKey {
	var k DKIMKey
	if !t.str("domain", &k.Domain) || k.Domain == "" {
		t.p.add(t.key("domain"), "missing (the signing domain, d=)")
	} else if k.Domain = strings.ToLower(strings.TrimSuffix(k.Domain, ".")); !validSigningDomain(k.Domain) {
		t.p.add(t.key("domain"), "%q is not a domain", k.Domain)
	}
	if !t.str("selector", &k.Selector) || k.Selector == "" {
		t.p.add(t.key("selector"), "missing (the selector, s=: a DNS label such as \"s2025a\")")
	} else if !validSelector(k.Selector) {
		t.p.add(t.key("selector"), "%q is not a selector (letters, digits, '-', '_', '.' between labels)", k.Selector)
	}
	if !t.str("key_file", &k.KeyFile) || k.KeyFile == "" {
		t.p.add(t.key("key_file"), "missing (the file holding the private key)")
	}
	if t.str("algorithm", &k.Algorithm) && k.Algorithm != "rsa-sha256" && k.Algorithm != "ed25519-sha256" {
		t.p.add(t.key("algorithm"), "%q is not one of rsa-sha256, ed25519-sha256 (or leave it out to take it from the key)", k.Algorithm)
	}
	if t.strings("headers", &k.Headers) {
		checkSignedHeaders(t, "headers", k.Headers)
	}
	t.done()
	return k
}

// checkSignedHeaders: a signed header list names fields, must sign From
// (RFC 6376 section 5.4) and cannot sign the signature itself.
func checkSignedHeaders(t *table, k string, names []string) {
	from := false
	for i, n := range names {
		switch {
		case !intake.IsFieldName(n):
			t.p.add(fmt.Sprintf("%s[%d]", t.key(k), i), "%q is not a header field name", n)
		case strings.EqualFold(n, "dkim-signature"):
			t.p.add(fmt.Sprintf("%s[%d]", t.key(k), i), "dkim-signature cannot be signed")
		case strings.EqualFold(n, "from"):
			from = true
		}
	}
	if !from {
		t.p.add(t.key(k), "must contain \"from\" (RFC 6376 requires signing From)")
	}
}

// validSigningDomain accepts host names and internationalised names (the
// signer converts those to A-labels).
func validSigningDomain(d string) bool {
	ascii := true
	for i := 0; i < len(d); i++ {
		ascii = ascii && d[i] < 0x80
	}
	if !ascii {
		return d != "" && !strings.ContainsAny(d, " \t\r\n@") && strings.Contains(d, ".")
	}
	return validHostname(d)
}

func validSelector(s string) bool {
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			if !ok {
				return false
			}
		}
	}
	return true
}

func hasDKIMDomain(keys []DKIMKey, domain string) bool {
	for _, k := range keys {
		if k.Domain == domain {
			return true
		}
	}
	return false
}
