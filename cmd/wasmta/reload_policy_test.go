package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestReloadKeepsPushedOverUnchangedFile: a reload does not push a
// policy file whose bytes did not change over the module an operator
// pushed through the API (docs/operations.md, "Reload"); a file that
// changed is pushed.
func TestReloadKeepsPushedOverUnchangedFile(t *testing.T) {
	dir := t.TempDir()
	wasm, err := os.ReadFile("../../testdata/wat/routea.wasm")
	if err != nil {
		t.Fatal(err)
	}
	global := filepath.Join(dir, "global.wasm")
	if err := os.WriteFile(global, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	o := startOpsDaemon(t, "[policy]\nglobal = \""+global+"\"\n")
	o.cli(t, 0, "policy", "push", "--tenant", "*", "../../testdata/wat/routeb.wasm")
	pushed := regexp.MustCompile(`(?m)^\*\s.*\spushed, overrides ` + regexp.QuoteMeta(global))
	o.cli(t, 0, "reload")
	if out := o.cli(t, 0, "policy", "list"); !pushed.MatchString(out) {
		t.Errorf("a reload with the file unchanged put it back over the pushed module:\n%s", out)
	}
	other, err := os.ReadFile("../../testdata/wat/const.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(global, other, 0o644); err != nil {
		t.Fatal(err)
	}
	o.cli(t, 0, "reload")
	if out := o.cli(t, 0, "policy", "list"); !regexp.MustCompile(`(?m)^\*\s.*\sconfig\s`).MatchString(out) {
		t.Errorf("a reload with the file changed did not put it in force:\n%s", out)
	}
}
