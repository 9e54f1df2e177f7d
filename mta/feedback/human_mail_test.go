package feedback

import (
	"os"
	"path/filepath"
	"testing"
)

// TestHumanMailIsNoReport: ordinary messages and human replies
// (testdata/corpora/human-mail: other projects' fixtures) are no report:
// above all no auto-reply, which the rule for auto-replies without a
// marker header could call them.
func TestHumanMailIsNoReport(t *testing.T) {
	files, err := filepath.Glob("../../testdata/corpora/human-mail/emails/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no human-mail files: %v", err)
	}
	counts := map[Kind]int{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := Parse(raw)
		counts[r.Kind]++
		if r.Kind != KindUnknown {
			t.Errorf("%s (%q): kind %s, want unknown", filepath.Base(f), r.Subject, r.Kind)
		}
	}
	t.Logf("%d messages: %v", len(files), counts)
}
