package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/intake"
)

var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1000, "mb": 1000 * 1000, "gb": 1000 * 1000 * 1000,
	"kib": KiB, "mib": MiB, "gib": GiB,
}

// ParseSize parses a byte count: digits, optionally followed by a unit
// (B, KB, MB, GB in powers of 1000; KiB, MiB, GiB in powers of 1024; the
// case of the unit does not matter), e.g. "50MiB", "4096", "10 MB".
func ParseSize(s string) (int64, error) {
	bad := fmt.Errorf("%q is not a size (use bytes or a unit: 10MiB)", s)
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, bad
	}
	mult, ok := sizeUnits[strings.ToLower(strings.TrimSpace(t[i:]))]
	if !ok {
		return 0, bad
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n * mult, nil
}

// ParseDuration parses a non-negative duration as time.ParseDuration does,
// with one more unit: a leading whole number of days, e.g. "7d", "1d12h",
// "20m", "500ms".
func ParseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a duration (use a number and a unit: 500ms, 90s, 20m, 4h, 7d)", s)
	t := strings.TrimSpace(s)
	var days time.Duration
	if i := strings.IndexByte(t, 'd'); i >= 0 {
		n, err := strconv.ParseUint(t[:i], 10, 32)
		if err != nil {
			return 0, bad
		}
		if n > uint64(math.MaxInt64/int64(Day)) {
			return 0, fmt.Errorf("%q is too long", s)
		}
		days = time.Duration(n) * Day
		if t = t[i+1:]; t == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(t)
	if err != nil || strings.HasPrefix(t, "+") || strings.HasPrefix(t, "-") {
		return 0, bad
	}
	if d > math.MaxInt64-days {
		return 0, fmt.Errorf("%q is too long", s)
	}
	return days + d, nil
}

// validHostname accepts a DNS host name (RFC 5321 Domain): dot-separated
// LDH labels, ASCII only, no address literal, no trailing dot.
func validHostname(h string) bool {
	if h == "" || len(h) > 253 || h[0] == '[' {
		return false
	}
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			return false
		}
	}
	return intake.ValidDomain(h)
}
