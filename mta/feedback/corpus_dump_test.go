package feedback

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestCorpusDevDump prints, for the development part only, each labelled
// recipient the parser misreads or classifies against its label: the
// view the parser's rules are written from (WASMTA_CORPUS_DUMP=1).
func TestCorpusDevDump(t *testing.T) {
	if os.Getenv("WASMTA_CORPUS_DUMP") == "" {
		t.Skip("set WASMTA_CORPUS_DUMP=1 to print the development part's misses")
	}
	cache := map[string][]Line{}
	for _, l := range readLabels(t) {
		if heldOut(l.file) {
			continue
		}
		lines, ok := cache[l.file]
		if !ok {
			raw, err := os.ReadFile(filepath.Join(corpusDir, "emails", l.file))
			if err != nil {
				t.Fatal(err)
			}
			lines = corpusLines(raw, l.file)
			cache[l.file] = lines
		}
		if l.index > len(lines) {
			t.Logf("%s#%d %s: only %d lines", l.file, l.index, l.reason, len(lines))
			continue
		}
		g := lines[l.index-1]
		if g.Kind != expectedKind(l.reason) || g.Kind == KindBounce && !slices.Contains(reasonCategories[l.reason], g.Category) {
			t.Logf("%s#%d want %s got %s/%s status=%s code=%d rcpt=%s diag=%.200q", l.file, l.index, l.reason, g.Kind, g.Category, g.Status, g.Code, g.Recipient, g.Diagnostic)
		}
	}
}
