package main

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestGreetingShowsVersion: the SMTP greeting names wasmta and its
// version after the hostname; smtp.show_version = false (put in force by
// a reload) hides it from the next connection on.
func TestGreetingShowsVersion(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir, freeAddr(t), "")
	defer d.stop(t)
	if got, want := greeting(t, d.addr), "220 mta.test wasmta/"+testVersion+" ESMTP Service Ready"; got != want {
		t.Errorf("greeting %q, want %q", got, want)
	}
	conf := filepath.Join(dir, "wasmta.toml")
	data, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "min_free_disk = 0\n", "min_free_disk = 0\nshow_version = false\n", 1))
	if err := os.WriteFile(conf, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cli(t, 0, nil, "reload", "--config", conf)
	if got, want := greeting(t, d.addr), "220 mta.test ESMTP Service Ready"; got != want {
		t.Errorf("greeting after show_version = false %q, want %q", got, want)
	}
}

// greeting reads the first line an SMTP server sends.
func greeting(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(line, "\r\n")
}
