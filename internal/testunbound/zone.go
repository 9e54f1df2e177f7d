package testunbound

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/miekg/dns"
)

// Zone is one zone the authoritative server holds.
type Zone struct {
	Name string // the apex, e.g. "dane.test"
	// Records are zone file lines relative to the apex ("mx A 127.0.0.1",
	// "@ MX 10 mx"); the SOA and the apex NS (ns.<zone>, 127.0.0.1) are
	// added. Delegate a child zone with its NS and glue lines here.
	Records []string
	Signed  bool // sign with a fresh ECDSA P-256 key, made a trust anchor
	// Bogus are owner names (relative) whose signatures are damaged after
	// signing: a validating resolver answers SERVFAIL for their records.
	Bogus []string
}

func (z Zone) apex() string { return dns.Fqdn(strings.ToLower(z.Name)) }

// text is the zone file before signing.
func (z Zone) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL 300\n", z.apex())
	fmt.Fprintf(&b, "@ SOA ns.%s hostmaster.%s 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n", z.apex(), z.apex())
	for _, r := range z.Records {
		b.WriteString(r + "\n")
	}
	return b.String()
}

// write puts the zone file in dir, signed when asked; it returns the
// file's path and, for a signed zone, the path of its key (the trust
// anchor).
func (z Zone) write(dir string) (zonefile, anchor string, err error) {
	plain := filepath.Join(dir, z.apex()+"zone")
	if err := os.WriteFile(plain, []byte(z.text()), 0o644); err != nil {
		return "", "", err
	}
	if !z.Signed {
		return plain, "", nil
	}
	key, err := run(dir, "ldns-keygen", "-a", "ECDSAP256SHA256", "-k", z.apex())
	if err != nil {
		return "", "", err
	}
	key = filepath.Join(dir, strings.TrimSpace(key))
	if _, err := run(dir, "ldns-signzone", "-f", plain+".signed", plain, key); err != nil {
		return "", "", err
	}
	if len(z.Bogus) > 0 {
		if err := z.damage(plain + ".signed"); err != nil {
			return "", "", err
		}
	}
	return plain + ".signed", key + ".key", nil
}

// damage flips a byte of the signature of every RRset (but the NSEC
// records) owned by a Bogus name, so that it no longer verifies.
func (z Zone) damage(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bogus := map[string]bool{}
	for _, n := range z.Bogus {
		bogus[dns.Fqdn(strings.ToLower(n))+z.apex()] = true
	}
	var out strings.Builder
	zp := dns.NewZoneParser(f, z.apex(), path)
	n := 0
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if sig, isSig := rr.(*dns.RRSIG); isSig && sig.TypeCovered != dns.TypeNSEC && bogus[strings.ToLower(sig.Hdr.Name)] {
			raw, err := base64.StdEncoding.DecodeString(sig.Signature)
			if err != nil {
				return fmt.Errorf("testunbound: signature of %s: %w", sig.Hdr.Name, err)
			}
			raw[len(raw)/2] ^= 0xff
			sig.Signature = base64.StdEncoding.EncodeToString(raw)
			n++
		}
		out.WriteString(rr.String() + "\n")
	}
	if err := zp.Err(); err != nil {
		return fmt.Errorf("testunbound: read %s: %w", path, err)
	}
	if n == 0 {
		return fmt.Errorf("testunbound: no signature owned by %v in %s", z.Bogus, z.apex())
	}
	return os.WriteFile(path, []byte(out.String()), 0o644)
}

// run runs a tool in dir and returns its standard output.
func run(dir, tool string, args ...string) (string, error) {
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("testunbound: %s %s: %w: %s", tool, strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}
