package policytest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCaseFileTables: a case file's [[table]] entries, inline and from a
// CSV file beside it, answer the module's lookups.
func TestCaseFileTables(t *testing.T) {
	wasm, err := os.ReadFile("../../testdata/wat/lookup.wasm")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	passed, failed, err := RunFile(testCtx, wasm, "testdata/lookup.toml", &out)
	if err != nil || failed != 0 || passed != 4 {
		t.Fatalf("RunFile = %d, %d, %v\n%s", passed, failed, err, out.String())
	}
}

func TestCaseFileTableErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "dup.csv"), []byte("k,v\na,1\na,2\n"), 0o600)
	tests := []struct{ toml, want string }{
		{"[[table]]\nname = \"t\"\nfile = \"dup.csv\"\n", `dup.csv: line 3: duplicate key "a"`},
		{"[[table]]\nname = \"t\"\n", "give rows or file"},
		{"[[table]]\nrows = {a = \"1\"}\n", "a table needs a name"},
		{"[[table]]\nname = \"t\"\nrows = {a = \"1\"}\nkeys = \"x\"\n", `unknown key "table.keys"`},
	}
	for _, tc := range tests {
		_, err := ParseSuite(strings.NewReader(tc.toml+"[[case]]\nhook = \"route\"\n"), dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.toml, err, tc.want)
		}
	}
}
