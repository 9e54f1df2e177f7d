package feedback

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func b64(s string) string {
	e := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(e) > 76 {
		b.WriteString(e[:76] + "\n")
		e = e[76:]
	}
	return b.String() + e + "\n"
}

// FuzzParse: any input parses without a panic, into valid UTF-8 text and
// recipients of a known kind; SplitMbox cuts it without a panic or
// overlap.
func FuzzParse(f *testing.F) {
	for _, s := range []string{dsnTwoRecipients, arfReport, qmailBounce, vacation, eximBounce + b64(eximText), sesHead + sesBounce, "From: a@b.example\nSubject: s\n\nFeedback-Type: abuse\nVersion: 1\n", transcriptHead + "<<< 550-5.7.1 a\n<<< 550 5.7.1 b\n554 <who@example.org>... Service unavailable\n"} {
		f.Add([]byte(s))
	}
	names, _ := filepath.Glob(filepath.Join(corpusDir, "emails", "*rfc3464-0*.eml"))
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil && !heldOut(filepath.Base(n)) {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		total := 0
		for _, m := range SplitMbox(raw) {
			total += len(m)
		}
		if total > len(raw) {
			t.Fatalf("SplitMbox returned %d bytes of %d", total, len(raw))
		}
		r := Parse(raw)
		for _, l := range r.Lines("f", nil) {
			switch l.Kind {
			case KindBounce, KindFeedback, KindAutoreply, KindDelivered, KindUnknown:
			default:
				t.Fatalf("kind %q", l.Kind)
			}
			if !utf8.ValidString(l.Diagnostic) || len(l.Diagnostic) > 600 {
				t.Fatalf("diagnostic %q", l.Diagnostic)
			}
		}
	})
}
