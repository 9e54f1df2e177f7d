package mtasts

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Mode is a policy's mode (RFC 8461 section 3.2).
type Mode string

// The modes of a policy.
const (
	ModeEnforce Mode = "enforce" // deliver only to matching MX hosts with valid certificates
	ModeTesting Mode = "testing" // deliver anyway, report failures (TLS-RPT)
	ModeNone    Mode = "none"    // the domain withdrew its policy
)

// MaxMaxAge is the largest max_age a policy may give: one year (section 3.2).
const MaxMaxAge = 31557600 * time.Second

// Policy is a parsed MTA-STS policy.
type Policy struct {
	Mode   Mode
	MX     []string // patterns, lowercased, without trailing dot: "mx.example.com", "*.example.net"
	MaxAge time.Duration
}

// ErrInvalid is wrapped by every error of Parse.
var ErrInvalid = errors.New("invalid MTA-STS policy")

// Parse reads a policy body: "key: value" lines ended by CRLF or LF
// (section 3.2). Unknown keys are ignored, as the RFC asks, so that later
// versions can add some; the known ones must be well formed.
func Parse(body []byte) (*Policy, error) {
	p := &Policy{MaxAge: -1}
	var version string
	for _, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		k, v, ok := strings.Cut(string(line), ":")
		if !ok {
			return nil, fmt.Errorf("%w: line %q has no colon", ErrInvalid, line)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if err := p.set(k, v, &version); err != nil {
			return nil, err
		}
	}
	return p, p.check(version)
}

func (p *Policy) set(k, v string, version *string) error {
	switch k {
	case "version":
		if *version == "" {
			*version = v
		}
	case "mode":
		if p.Mode == "" {
			p.Mode = Mode(v)
		}
	case "mx":
		if !validPattern(v) {
			return fmt.Errorf("%w: mx %q is not a host name or *.name", ErrInvalid, v)
		}
		p.MX = append(p.MX, strings.ToLower(strings.TrimSuffix(v, ".")))
	case "max_age":
		if p.MaxAge >= 0 {
			return nil
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || len(v) > 10 || time.Duration(n)*time.Second > MaxMaxAge {
			return fmt.Errorf("%w: max_age %q is not a number of seconds up to 31557600", ErrInvalid, v)
		}
		p.MaxAge = time.Duration(n) * time.Second
	}
	return nil
}

func (p *Policy) check(version string) error {
	switch {
	case version != "STSv1":
		return fmt.Errorf("%w: version %q, want STSv1", ErrInvalid, version)
	case p.Mode != ModeEnforce && p.Mode != ModeTesting && p.Mode != ModeNone:
		return fmt.Errorf("%w: mode %q, want enforce, testing or none", ErrInvalid, p.Mode)
	case p.MaxAge < 0:
		return fmt.Errorf("%w: no max_age", ErrInvalid)
	case len(p.MX) == 0 && p.Mode != ModeNone:
		return fmt.Errorf("%w: mode %s without any mx", ErrInvalid, p.Mode)
	}
	return nil
}

// validPattern accepts a host name, with "*." as its first label at most.
func validPattern(v string) bool {
	v = strings.TrimSuffix(strings.TrimPrefix(v, "*."), ".")
	if v == "" || len(v) > 253 {
		return false
	}
	for _, label := range strings.Split(v, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i] | 0x20
			if !(c >= 'a' && c <= 'z' || label[i] >= '0' && label[i] <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// Matches reports whether the MX host name is allowed by the policy
// (section 4.1): equal to a pattern, or one label in front of the rest of a
// "*." pattern ("*.example.com" allows "mx.example.com", neither
// "example.com" nor "a.b.example.com"). Case and a trailing dot do not matter.
func (p *Policy) Matches(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, pat := range p.MX {
		if rest, ok := strings.CutPrefix(pat, "*."); ok {
			label, parent, found := strings.Cut(host, ".")
			if found && label != "" && parent == rest {
				return true
			}
			continue
		}
		if host == pat {
			return true
		}
	}
	return false
}

// String is the policy in its wire form, for the cache and for people.
func (p *Policy) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: STSv1\nmode: %s\n", p.Mode)
	for _, mx := range p.MX {
		fmt.Fprintf(&b, "mx: %s\n", mx)
	}
	fmt.Fprintf(&b, "max_age: %d\n", int64(p.MaxAge/time.Second))
	return b.String()
}

// ParseTXT reads the value of an "_mta-sts" TXT record (section 3.1):
// "v=STSv1; id=<1-32 alphanumerics>;" with optional extension fields, and
// returns the id.
func ParseTXT(txt string) (id string, err error) {
	fields := strings.Split(txt, ";")
	for i, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" && i == len(fields)-1 {
			break
		}
		k, v, ok := strings.Cut(f, "=")
		switch {
		case !ok:
			return "", fmt.Errorf("mtasts: TXT field %q has no '='", f)
		case i == 0 && (k != "v" || v != "STSv1"):
			return "", fmt.Errorf("mtasts: TXT record does not start with v=STSv1")
		case k == "id" && id == "":
			id = v
		}
	}
	if id == "" || len(id) > 32 || !alnum(id) {
		return "", fmt.Errorf("mtasts: TXT id %q is not 1 to 32 letters and digits", id)
	}
	return id, nil
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= 'a' && c <= 'z' || s[i] >= '0' && s[i] <= '9') {
			return false
		}
	}
	return true
}
