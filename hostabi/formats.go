package hostabi

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wasmta/wasmta/mta/policy"
)

// Value formats of ABI.md section 3.

var (
	tlsModes = map[string]policy.TLSMode{
		"opportunistic": policy.TLSOpportunistic, "required": policy.TLSRequired,
		"required_verify": policy.TLSRequiredVerify, "disabled": policy.TLSDisabled,
	}
	tlsPolicies = map[string]policy.TLSPolicyMode{
		"default": policy.TLSPolicyDefault, "enforce": policy.TLSPolicyEnforce,
		"report_only": policy.TLSPolicyReportOnly,
	}
	actions = map[string]policy.Action{
		"default": policy.ActionDefault, "retry": policy.ActionRetry, "bounce": policy.ActionBounce,
	}
	scopes = map[string]policy.Scope{
		"none": policy.ScopeNone, "path": policy.ScopePath, "site": policy.ScopeSite,
		"source": policy.ScopeSource, "tenant": policy.ScopeTenant,
	}
	suppressChoices = map[string]policy.SuppressChoice{
		"default": policy.SuppressDefault, "none": policy.SuppressNone,
		"tenant": policy.SuppressTenant, "global": policy.SuppressGlobal,
	}
)

// checkName accepts 1-128 bytes of printable ASCII without space.
func checkName(s string) error {
	if len(s) == 0 || len(s) > 128 {
		return fmt.Errorf("name of %d bytes, want 1..128", len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return fmt.Errorf("name has byte 0x%02x at %d", s[i], i)
		}
	}
	return nil
}

// checkHeaderName accepts a header field name: 1-76 printable bytes, no colon.
func checkHeaderName(s string) error {
	if len(s) > 76 || strings.Contains(s, ":") {
		return fmt.Errorf("bad header name %q", s)
	}
	return checkName(s)
}

// checkLine returns a check for UTF-8 text of at most n bytes on one line.
func checkLine(n int) func(string) error {
	return func(s string) error {
		if len(s) > n {
			return fmt.Errorf("%d bytes, more than %d", len(s), n)
		}
		if !utf8.ValidString(s) {
			return errors.New("not UTF-8")
		}
		if strings.ContainsAny(s, "\x00\r\n") {
			return errors.New("contains NUL, CR or LF")
		}
		return nil
	}
}

// checkDomain accepts a domain name of letters, digits, '-' and '.'.
func checkDomain(s string) error {
	if !isDomain(s) {
		return fmt.Errorf("bad domain %q", s)
	}
	return nil
}

// isDomain is checkDomain without the error, so that checkHost allocates
// nothing for a good value.
func isDomain(s string) bool {
	if len(s) == 0 || len(s) > 253 || s[0] == '.' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '.') {
			return false
		}
	}
	return true
}

// checkHost accepts a domain or IP, with an optional :port ([v6]:port).
func checkHost(s string) error {
	if isDomain(s) {
		return nil
	}
	if !strings.HasPrefix(s, "[") && strings.Count(s, ":") > 1 {
		if ip, err := netip.ParseAddr(s); err == nil && ip.Is6() {
			return nil
		}
		return fmt.Errorf("bad host %q", s)
	}
	h, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("bad host %q", s)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("bad port in %q", s)
	}
	if strings.HasPrefix(s, "[") {
		if ip, err := netip.ParseAddr(h); err != nil || !ip.Is6() {
			return fmt.Errorf("bad IPv6 address in %q", s)
		}
		return nil
	}
	if !isDomain(h) {
		return fmt.Errorf("bad host %q", s)
	}
	return nil
}

// checkEnhanced accepts "" or C.S.D with C in 2, 4, 5; the class is matched
// against the reply code when the call ends.
func checkEnhanced(s string) error {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return fmt.Errorf("bad enhanced code %q", s)
	}
	for _, p := range parts[1:] {
		if len(p) < 1 || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return fmt.Errorf("bad enhanced code %q", s)
		}
	}
	return nil
}

// checkDKIM accepts "off", DOMAIN or DOMAIN:SELECTOR.
func checkDKIM(s string) error {
	if s == "off" {
		return nil
	}
	domain, selector, hasSel := strings.Cut(s, ":")
	if err := checkDomain(domain); err != nil {
		return err
	}
	if hasSel {
		if err := checkDomain(selector); err != nil {
			return fmt.Errorf("bad selector in %q", s)
		}
	}
	return nil
}

func checkEnum[T any](values map[string]T) func(string) error {
	return func(s string) error {
		if _, ok := values[s]; !ok {
			return fmt.Errorf("%q is not one of the allowed values", s)
		}
		return nil
	}
}

func checkCategory(s string) error {
	if !policy.ValidCategory(s) {
		return fmt.Errorf("unknown category %q", s)
	}
	return nil
}

func checkRange(lo, hi float64) func(float64) error {
	return func(v float64) error {
		if v < lo || v > hi {
			return fmt.Errorf("%v outside %v..%v", v, lo, hi)
		}
		return nil
	}
}

// checkRateFactor accepts 0 (unchanged) or a factor strictly between 0 and 1.
func checkRateFactor(v float64) error {
	if v == 0 || (v > 0 && v < 1) {
		return nil
	}
	return fmt.Errorf("rate factor %v, want 0 or between 0 and 1", v)
}
