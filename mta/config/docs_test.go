package config

import (
	"os"
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
