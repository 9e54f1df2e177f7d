package main

import (
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// run runs the binary and returns its combined output and exit status.
func run(args ...string) (string, int) {
	out, err := exec.Command(binPath, args...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		return err.Error(), -1
	}
	return string(out), 0
}

// commandNames are the commands the top-level usage lists.
func commandNames(t *testing.T) []string {
	t.Helper()
	out, code := run("--help")
	if code != 0 {
		t.Fatalf("wasmta --help: exit %d\n%s", code, out)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  ([a-z][a-z-]*)`).FindAllStringSubmatch(out, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	if len(names) < 10 {
		t.Fatalf("wasmta --help lists %d commands:\n%s", len(names), out)
	}
	return names
}

// TestHelpEverywhere asks every command and subcommand the top-level
// usage and their own usages name for -h and --help: each exits 0 and
// prints a usage.
func TestHelpEverywhere(t *testing.T) {
	checked := 0
	for _, cmd := range commandNames(t) {
		for _, h := range []string{"-h", "--help"} {
			out, code := run(cmd, h)
			if code != 0 || !strings.Contains(strings.ToLower(out), "usage") {
				t.Errorf("wasmta %s %s: exit %d, want 0 with a usage:\n%s", cmd, h, code, out)
				continue
			}
			checked++
			for _, sub := range usageSubcommands(cmd, out) {
				if o, c := run(cmd, sub, h); c != 0 || !strings.Contains(strings.ToLower(o), "usage") {
					t.Errorf("wasmta %s %s %s: exit %d, want 0 with a usage:\n%s", cmd, sub, h, c, o)
				}
				checked++
			}
		}
	}
	t.Logf("%d help requests answered", checked)
	if out, code := run("no-such-command"); code != 2 || !strings.Contains(out, "usage") {
		t.Errorf("an unknown command: exit %d, want 2 with the usage:\n%s", code, out)
	}
}
