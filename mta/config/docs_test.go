package config

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDocsSnippetsParse: every ```toml block of docs/configuration.md is a
// valid configuration (mistakes are shown in ```text blocks), and the last
// one, the complete example, is docs/wasmta.example.toml byte for byte.
func TestDocsSnippetsParse(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := tomlBlocks(string(doc))
	if len(blocks) < 10 {
		t.Fatalf("found %d toml blocks, want one per section", len(blocks))
	}
	for i, b := range blocks {
		if _, err := Parse([]byte(b)); err != nil {
			t.Errorf("toml block %d does not parse:\n%s\n%v", i, b, err)
		}
	}
	example, err := os.ReadFile("../../docs/wasmta.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if blocks[len(blocks)-1] != string(example) {
		t.Error("the complete example in docs/configuration.md differs from docs/wasmta.example.toml")
	}
}

func tomlBlocks(doc string) []string {
	var out []string
	for {
		start := strings.Index(doc, "```toml\n")
		if start < 0 {
			return out
		}
		doc = doc[start+len("```toml\n"):]
		end := strings.Index(doc, "```\n")
		if end < 0 {
			return out
		}
		out = append(out, doc[:end])
		doc = doc[end:]
	}
}

// TestDocsStateCallTimeoutDefault: the guides and the ABI state the
// deadline of a hook call that wasmta really uses by default (they once
// said 5 ms while the default was 50 ms).
func TestDocsStateCallTimeoutDefault(t *testing.T) {
	want := strconv.FormatInt(Default().Policy.CallTimeout.Milliseconds(), 10)
	checks := []struct {
		file string
		re   *regexp.Regexp
		min  int
	}{
		{"../../docs/policies.md", regexp.MustCompile("call_timeout`, (\\d+) ms\\s+by\\s+default"), 2},
		{"../../hostabi/ABI.md", regexp.MustCompile("`policy\\.call_timeout`[^|]*\\| (\\d+) ms \\|"), 1},
	}
	for _, c := range checks {
		doc, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		found := c.re.FindAllStringSubmatch(string(doc), -1)
		if len(found) < c.min {
			t.Errorf("%s: %d statements of the call_timeout default, want at least %d", c.file, len(found), c.min)
		}
		for _, m := range found {
			if m[1] != want {
				t.Errorf("%s says %q: the default is %s ms", c.file, m[0], want)
			}
		}
	}
}
