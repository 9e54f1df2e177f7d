package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
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

// TestPolicyRemoveAndRollbackTo: removing a module pushed over the
// configured file puts the file back in force; a tenant's removed module
// leaves it on the global one; rollback --to brings any kept version back.
func TestPolicyRemoveAndRollbackTo(t *testing.T) {
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
	if out := o.cli(t, 1, "policy", "remove", "--tenant", "*"); !strings.Contains(out, "409") {
		t.Errorf("removing the configured module itself: %s, want 409", out)
	}
	o.cli(t, 0, "policy", "push", "--tenant", "*", "../../testdata/wat/routeb.wasm")
	if out := o.cli(t, 0, "policy", "remove", "--tenant", "*"); !strings.Contains(out, "version 2 removed; in force now: config "+global+" (version 4)") {
		t.Errorf("remove over the configured file: %s", out)
	}
	if out := o.cli(t, 0, "policy", "list"); !regexp.MustCompile(`(?m)^\*\s+4\s.*\sconfig\s`).MatchString(out) {
		t.Errorf("after remove the configured file is not in force:\n%s", out)
	}
	o.cli(t, 0, "policy", "push", "--tenant", "acme", "../../testdata/wat/routeb.wasm")
	o.cli(t, 0, "policy", "push", "--tenant", "acme", "../../testdata/wat/routea.wasm")
	if out := o.cli(t, 0, "policy", "remove", "--tenant", "acme"); !strings.Contains(out, "acme: version 2 removed; in force now: global module") {
		t.Errorf("remove of a tenant's module: %s", out)
	}
	if out := o.cli(t, 1, "policy", "remove", "--tenant", "acme"); !strings.Contains(out, "404") {
		t.Errorf("a second remove: %s, want 404", out)
	}
	out := o.cli(t, 0, "policy", "versions", "--tenant", "acme")
	for _, want := range []*regexp.Regexp{regexp.MustCompile(`(?m)^3\s+-\s+0\s+removal$`), regexp.MustCompile(`(?m)^1\s+\w{12}\s+\d+\s+kept$`)} {
		if !want.MatchString(out) {
			t.Errorf("policy versions lacks %s:\n%s", want, out)
		}
	}
	if out := o.cli(t, 1, "policy", "rollback", "--tenant", "acme", "--to", "9"); !strings.Contains(out, "404") {
		t.Errorf("rollback to a version never kept: %s, want 404", out)
	}
	if out := o.cli(t, 0, "policy", "rollback", "--tenant", "acme", "--to", "1"); !strings.Contains(out, "version 4 in force") {
		t.Errorf("rollback --to 1: %s", out)
	}
}
