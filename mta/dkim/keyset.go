package dkim

import (
	"crypto"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// Options are the signer-wide settings.
type Options struct {
	// DefaultDomain signs, with all of its keys, the messages whose From:
	// domain has no key, nor any of its parent domains. Empty leaves such
	// messages unsigned. It must have at least one key.
	DefaultDomain string
	// Headers is the signed header list of the keys that have none of their
	// own; nil means DefaultHeaders().
	Headers []string
	// Now is the clock of the t= tag; nil means time.Now.
	Now func() time.Time

	layout layout // presentation; only tests change it
}

// keyset is one immutable generation of keys, swapped whole on reload.
type keyset struct {
	specs         []KeySpec
	opts          Options
	defaultDomain string
	keys          []*key
	byDomain      map[string][]*key // in spec order
}

// buildKeyset loads every spec. It reports all the bad keys at once, so that
// an operator fixes a configuration in one round.
func buildKeyset(specs []KeySpec, opts Options) (*keyset, error) {
	ks := &keyset{specs: copySpecs(specs), opts: opts, byDomain: map[string][]*key{}}
	if ks.opts.Now == nil {
		ks.opts.Now = time.Now
	}
	hl := opts.Headers
	if hl == nil {
		hl = defaultHeaders
	}
	plan, err := newHeaderPlan(hl)
	if err != nil {
		return nil, fmt.Errorf("dkim: headers: %w", err)
	}
	var errs []error
	seen := map[string]bool{}
	for _, spec := range ks.specs {
		k, err := buildKey(spec, plan)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[k.String()] {
			errs = append(errs, fmt.Errorf("dkim: key %s is configured twice", k))
			continue
		}
		seen[k.String()] = true
		ks.keys = append(ks.keys, k)
		ks.byDomain[k.domain] = append(ks.byDomain[k.domain], k)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return ks, ks.setDefault(opts.DefaultDomain)
}

func (ks *keyset) setDefault(domain string) error {
	if domain == "" {
		return nil
	}
	d, err := normDomain(domain)
	if err != nil {
		return fmt.Errorf("dkim: default domain: %w", err)
	}
	if len(ks.byDomain[d]) == 0 {
		return fmt.Errorf("dkim: default domain %s has no key", d)
	}
	ks.defaultDomain = d
	return nil
}

func buildKey(spec KeySpec, plan *headerPlan) (*key, error) {
	name := spec.Selector + "._domainkey." + spec.Domain
	fail := func(err error) (*key, error) {
		return nil, fmt.Errorf("dkim: key %s (key_file %q): %w", name, spec.KeyFile, err)
	}
	domain, err := normDomain(spec.Domain)
	if err != nil {
		return fail(err)
	}
	if err := checkSelector(spec.Selector); err != nil {
		return fail(err)
	}
	if spec.KeyFile == "" {
		return fail(errors.New("no key_file"))
	}
	if spec.Headers != nil {
		if plan, err = newHeaderPlan(spec.Headers); err != nil {
			return fail(fmt.Errorf("headers: %w", err))
		}
	}
	signer, algo, err := loadKey(spec)
	if err != nil {
		return fail(err)
	}
	return &key{domain: domain, selector: strings.ToLower(spec.Selector), algo: algo,
		signer: signer, plan: plan, file: spec.KeyFile}, nil
}

// normDomain lower-cases a domain, drops a final dot and turns an
// internationalised name into its A-label form, the form d= needs.
func normDomain(d string) (string, error) {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	if d == "" {
		return "", errors.New("no domain")
	}
	for i := 0; i < len(d); i++ {
		if d[i] >= 0x80 {
			a, err := idna.Lookup.ToASCII(d)
			if err != nil {
				return "", fmt.Errorf("bad domain %q: %w", d, err)
			}
			return a, nil
		}
	}
	for i := 0; i < len(d); i++ {
		if c := d[i]; !(c == '-' || c == '.' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z') {
			return "", fmt.Errorf("bad domain %q", d)
		}
	}
	return d, nil
}

func checkSelector(s string) error {
	if s == "" {
		return errors.New("no selector")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c == '-' || c == '.' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return fmt.Errorf("bad selector %q", s)
		}
	}
	return nil
}

func copySpecs(specs []KeySpec) []KeySpec {
	out := make([]KeySpec, len(specs))
	for i, s := range specs {
		if s.Headers != nil {
			s.Headers = append([]string(nil), s.Headers...)
		}
		out[i] = s
	}
	return out
}

// KeyInfo describes one loaded key, with the DNS record that publishes it.
type KeyInfo struct {
	Domain, Selector, Algorithm, KeyFile string
	// RecordName is selector._domainkey.domain; Record its TXT value.
	RecordName, Record string
}

func (k *key) info() KeyInfo {
	rec, err := TXTRecord(k.signer.Public())
	if err != nil {
		rec = "" // unreachable: loadKey accepts only RSA and Ed25519
	}
	return KeyInfo{Domain: k.domain, Selector: k.selector, Algorithm: k.algo,
		KeyFile: k.file, RecordName: k.String(), Record: rec}
}

// hashOpts is what crypto.Signer.Sign needs for each algorithm: Ed25519
// signs the SHA-256 digest itself as its message (RFC 8463 section 3).
func (k *key) hashOpts() crypto.SignerOpts {
	if k.algo == Ed25519SHA256 {
		return crypto.Hash(0)
	}
	return crypto.SHA256
}
