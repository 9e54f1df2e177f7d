package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestShortDemo runs the demo small: it must deliver, throttle, report,
// and bounce nothing.
func TestShortDemo(t *testing.T) {
	t.Chdir("../..") // the policies are built from the repository's sources
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, 60, 8*time.Second, 0.1, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	report := out.String()[strings.Index(out.String(), "=== report"):]
	for _, want := range []string{"acme", "blast", "gmail", "yahoo", "microsoft", "apple", "actions:"} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	for _, m := range regexp.MustCompile(`(\d+) sent, (\d+) delivered, \d+ still queued .*?, (\d+) bounced`).FindAllStringSubmatch(report, -1) {
		if m[1] != "60" || m[2] == "0" || m[3] != "0" {
			t.Errorf("tenant line %q: want 60 sent, some delivered, none bounced", m[0])
		}
	}
	t.Log(report)
}
