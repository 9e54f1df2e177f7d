package config

import (
	"math"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{"0", 0, ""},
		{"4096", 4096, ""},
		{"12B", 12, ""},
		{"10KB", 10_000, ""},
		{"10kb", 10_000, ""},
		{"10 MB", 10_000_000, ""},
		{"2GB", 2_000_000_000, ""},
		{"1KiB", 1024, ""},
		{"50MiB", 50 << 20, ""},
		{"50mib", 50 << 20, ""},
		{" 3GiB ", 3 << 30, ""},
		{"9223372036854775807", math.MaxInt64, ""},
		{"12XB", 0, `"12XB" is not a size (use bytes or a unit: 10MiB)`},
		{"", 0, `"" is not a size (use bytes or a unit: 10MiB)`},
		{"MiB", 0, `"MiB" is not a size (use bytes or a unit: 10MiB)`},
		{"-5MiB", 0, `"-5MiB" is not a size (use bytes or a unit: 10MiB)`},
		{"1.5MiB", 0, `"1.5MiB" is not a size (use bytes or a unit: 10MiB)`},
		{"10M", 0, `"10M" is not a size (use bytes or a unit: 10MiB)`},
		{"9000000000GiB", 0, `"9000000000GiB" is too large`},
		{"99999999999999999999", 0, `"99999999999999999999" is too large`},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if errText(err) != tt.err || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	bad := func(s string) string {
		return `"` + s + `" is not a duration (use a number and a unit: 500ms, 90s, 20m, 4h, 7d)`
	}
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"0", 0, ""},
		{"500ms", 500 * time.Millisecond, ""},
		{"90s", 90 * time.Second, ""},
		{"20m", 20 * time.Minute, ""},
		{"4h", 4 * time.Hour, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"7d", 7 * 24 * time.Hour, ""},
		{"1d12h", 36 * time.Hour, ""},
		{"0d", 0, ""},
		{"106751d", 106751 * Day, ""},
		{"106752d", 0, `"106752d" is too long`},
		{"106751d24h", 0, `"106751d24h" is too long`},
		{"", 0, bad("")},
		{"d", 0, bad("d")},
		{"5", 0, bad("5")},
		{"1.5d", 0, bad("1.5d")},
		{"12h1d", 0, bad("12h1d")},
		{"-5m", 0, bad("-5m")},
		{"+5m", 0, bad("+5m")},
		{"1d-5m", 0, bad("1d-5m")},
		{"5 minutes", 0, bad("5 minutes")},
		{"7dd", 0, bad("7dd")},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if errText(err) != tt.err || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestCheckHostPort(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"smtp.example.net", true},
		{"smtp.example.net:587", true},
		{"127.0.0.1", true},
		{"127.0.0.1:2526", true},
		{"::1", true},
		{"[::1]:25", true},
		{"localhost", true},
		{"", false},
		{"host:", false},
		{"host:0", false},
		{"host:65536", false},
		{"[::1]", false},
		{"a b", false},
		{"-bad.example", false},
		{"under_score.example", false},
	}
	for _, tt := range tests {
		if err := checkHostPort(tt.in); (err == nil) != tt.ok {
			t.Errorf("checkHostPort(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}
