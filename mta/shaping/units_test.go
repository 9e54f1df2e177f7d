package shaping

import (
	"math"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	cases := []struct {
		in     string
		perSec float64
		period time.Duration
	}{
		{"20", 20, time.Second},
		{"20/s", 20, time.Second},
		{"600/min", 10, time.Minute},
		{"3600/h", 1, time.Hour},
		{"86400/day", 1, 24 * time.Hour},
		{" 1.5 / sec ", 1.5, time.Second},
	}
	for _, c := range cases {
		r, err := ParseRate(c.in)
		if err != nil || math.Abs(r.PerSecond()-c.perSec) > 1e-9 || r.Period != c.period {
			t.Errorf("ParseRate(%q) = %+v, %v; want %v/s over %v", c.in, r, err, c.perSec, c.period)
		}
	}
	for _, bad := range []string{"", "fast", "-1/s", "10/fortnight"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) gave no error", bad)
		}
	}
}

func TestSetMessagesPicksTheBucket(t *testing.T) {
	var o Override
	for _, s := range []string{"5/s", "100/min", "1000/h"} {
		r, _ := ParseRate(s)
		o.SetMessages(r)
	}
	if o.MessagesPerSecond != 5 || math.Abs(o.MessagesPerMinute-100) > 1e-9 || math.Abs(o.MessagesPerHour-1000) > 1e-9 {
		t.Fatalf("override = %+v", o)
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"10/s", "1/min", "5/h", "", "/", "1e308/s", "NaN/s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ParseRate(in)
		if err == nil && (r.Period <= 0 || r.N < 0) {
			t.Fatalf("ParseRate(%q) = %+v", in, r)
		}
	})
}
