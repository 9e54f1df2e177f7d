package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// testVersion is what TestMain stamps the binary with, as the Makefile
// stamps git describe.
const testVersion = "v0.0.0-test-1-gabcdef0"

func TestVersionIsStamped(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if out, code := run(args...); code != 0 || !strings.HasPrefix(out, "wasmta "+testVersion+" (go") {
			t.Errorf("wasmta %s: exit %d: %q", args[0], code, out)
		}
	}
	out, _ := run("version", "--json")
	var v versionInfo
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Version != testVersion || v.GoVersion == "" {
		t.Errorf("version --json: %+v %v: %s", v, err, out)
	}
}

// TestMakefileStampsGitDescribe checks that make builds with the version
// git describe gives, the one the binary then reports.
func TestMakefileStampsGitDescribe(t *testing.T) {
	want, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		t.Skipf("no git checkout: %v", err)
	}
	got, err := exec.Command("make", "-s", "-C", "../..", "print-version").Output()
	if err != nil || strings.TrimSpace(string(got)) != strings.TrimSpace(string(want)) {
		t.Errorf("make print-version = %q (%v), git describe = %q", got, err, want)
	}
	dry, _ := exec.Command("make", "-n", "-C", "../..", "build").Output()
	if !strings.Contains(string(dry), "-X main.version="+strings.TrimSpace(string(want))) {
		t.Errorf("make build does not stamp the version:\n%s", dry)
	}
}
