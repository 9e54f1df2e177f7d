package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// install runs make install into a temporary root and returns it.
func install(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	cmd := exec.Command("make", "-s", "-C", "..", "install", "DESTDIR="+root, "PREFIX=/usr")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	return root
}

func mustRun(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return string(out)
}

// TestMakeInstall installs into a temporary root: every file where the
// unit and the docs say, a configuration that validates and is kept by a
// second install, a unit systemd-analyze verifies with an exposure level
// of at most 2.5 ("OK"), a man page man renders without warnings, and a
// bash completion that completes commands, subcommands and flags.
func TestMakeInstall(t *testing.T) {
	root := install(t)
	bin := filepath.Join(root, "usr/bin/wasmta")
	for _, f := range []string{"usr/bin/wasmta", "usr/lib/systemd/system/wasmta.service", "usr/lib/sysusers.d/wasmta.conf",
		"etc/wasmta/wasmta.toml", "usr/share/man/man8/wasmta.8.gz", "usr/share/bash-completion/completions/wasmta", "var/lib/wasmta"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("make install left no %s: %v", f, err)
		}
	}
	conf := filepath.Join(root, "etc/wasmta/wasmta.toml")
	if out := mustRun(t, exec.Command(bin, "config", "check", conf)); !strings.Contains(out, ": ok") {
		t.Errorf("config check of the packaged configuration: %s", out)
	}
	t.Run("unit", func(t *testing.T) { checkUnit(t, root, bin) })
	t.Run("man", func(t *testing.T) {
		cmd := exec.Command("man", "--warnings", "-l", "-Tutf8", "-Z", filepath.Join(root, "usr/share/man/man8/wasmta.8.gz"))
		cmd.Stdout = nil
		out, err := cmd.CombinedOutput()
		if err != nil || len(out) == 0 || strings.Contains(string(out), "warning") {
			t.Errorf("man --warnings: %v\n%.2000s", err, out)
		}
	})
	t.Run("completion", func(t *testing.T) {
		checkCompletion(t, filepath.Join(root, "usr/share/bash-completion/completions/wasmta"))
	})
	if err := os.WriteFile(conf, []byte("# edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "-s", "-C", "..", "install", "DESTDIR="+root, "PREFIX=/usr")
	mustRun(t, cmd)
	if b, _ := os.ReadFile(conf); string(b) != "# edited\n" {
		t.Error("a second make install overwrote the configuration")
	}
}

// checkUnit verifies the installed unit with the installed binary and man
// page, and measures its hardening.
func checkUnit(t *testing.T, root, bin string) {
	unit, err := os.ReadFile(filepath.Join(root, "usr/lib/systemd/system/wasmta.service"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(unit), "ExecStart=/usr/bin/wasmta serve --config /etc/wasmta/wasmta.toml") {
		t.Errorf("the unit does not run the installed binary with the installed configuration:\n%s", unit)
	}
	// systemd-analyze checks that ExecStart is executable and that
	// Documentation= resolves: point both into the temporary root.
	local := filepath.Join(t.TempDir(), "wasmta.service")
	if err := os.WriteFile(local, []byte(strings.ReplaceAll(string(unit), "/usr/bin/wasmta", bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	verify := exec.Command("systemd-analyze", "verify", local)
	verify.Env = append(os.Environ(), "MANPATH="+filepath.Join(root, "usr/share/man"))
	if out := mustRun(t, verify); strings.TrimSpace(out) != "" {
		t.Errorf("systemd-analyze verify: %s", out)
	}
	out := mustRun(t, exec.Command("systemd-analyze", "security", "--offline=yes", local))
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	level, _ := strconv.ParseFloat(m[1], 64)
	t.Logf("systemd-analyze security: exposure %.1f", level)
	if level > 2.5 {
		t.Errorf("exposure level %.1f, want at most 2.5 (OK):\n%s", level, out)
	}
}

// checkCompletion sources the completion in bash and completes.
func checkCompletion(t *testing.T, file string) {
	for _, c := range []struct {
		words string
		cword int
		want  string
	}{
		{"wasmta pol", 1, "policy"},
		{"wasmta policy r", 2, "rollback remove"},
		{"wasmta policy rollback --t", 3, "--tenant --to --token"},
		{"wasmta reload --a", 2, "--admin"},
		{"wasmta queue s", 2, "summary"},
	} {
		script := "source " + file + "; COMP_WORDS=(" + c.words + "); COMP_CWORD=" + strconv.Itoa(c.cword) +
			`; _wasmta; echo "${COMPREPLY[*]}"`
		got := strings.TrimSpace(mustRun(t, exec.Command("bash", "-c", script)))
		if got != c.want {
			t.Errorf("completing %q: %q, want %q", c.words, got, c.want)
		}
	}
}
