package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestPolicyListSaysWhatOverridesTheConfig: the configured global module
// shows as config; a module pushed over it as pushed, naming the file.
func TestPolicyListSaysWhatOverridesTheConfig(t *testing.T) {
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
	if out := o.cli(t, 0, "policy", "list"); !regexp.MustCompile(`(?m)^\*\s.*\sconfig\s`).MatchString(out) {
		t.Errorf("the configured module is not shown as config:\n%s", out)
	}
	o.cli(t, 0, "policy", "push", "--tenant", "*", "../../testdata/wat/routeb.wasm")
	if out := o.cli(t, 0, "policy", "list"); !regexp.MustCompile(`(?m)^\*\s.*\spushed, overrides ` + regexp.QuoteMeta(global)).MatchString(out) {
		t.Errorf("the pushed module does not say it overrides %s:\n%s", global, out)
	}
}
