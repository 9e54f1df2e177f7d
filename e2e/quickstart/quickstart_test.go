package quickstart

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// section returns the README's quick start: from its heading to the next
// heading of the same level.
func section(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "## Five-minute quick start")
	if i < 0 {
		t.Fatal("README.md has no \"## Five-minute quick start\"")
	}
	s = s[i+2:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
}

var fence = regexp.MustCompile("(?s)```(sh|toml)\n(.*?)```")

// blocks are the quick start's code blocks, in order, by language.
func blocks(t *testing.T, s string) (sh [][]string, toml []string) {
	for _, m := range fence.FindAllStringSubmatch(s, -1) {
		if m[1] == "toml" {
			toml = append(toml, m[2])
			continue
		}
		sh = append(sh, commands(m[2]))
	}
	if len(sh) != 6 || len(toml) != 1 {
		t.Fatalf("the quick start has %d sh blocks and %d toml blocks, want 6 and 1:\n%s", len(sh), len(toml), s)
	}
	return sh, toml
}

// commands splits a shell block into commands: continuation lines
// joined, comments dropped.
func commands(block string) []string {
	var out []string
	cur := ""
	for _, l := range strings.Split(block, "\n") {
		if i := strings.Index(l, " #"); i >= 0 && !strings.HasSuffix(strings.TrimSpace(l[:i]), "\\") {
			l = l[:i]
		}
		l = strings.TrimSpace(l)
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		if cur+l != "" {
			out = append(out, strings.TrimSpace(cur+l))
		}
		cur = ""
	}
	return out
}

// copyCheckout copies the files git knows (and new ones it does not
// ignore) into a fresh directory: a clone with the work tree's changes.
func copyCheckout(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "-C", "../..", "ls-files", "-co", "--exclude-standard", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	dst := t.TempDir()
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join("../..", f)
		info, err := os.Lstat(src)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the work tree, or a link
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// start runs a long-lived command of the README in dir, in its own
// process group, stopped at the end of the test.
func start(t *testing.T, dir, command, logName string) {
	t.Helper()
	log, err := os.Create(filepath.Join(t.TempDir(), logName))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", command)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("%s:\n%.4000s", command, b)
		}
	})
}

// waitPort waits until addr accepts connections.
func waitPort(t *testing.T, addr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s after %v", addr, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// freePort fails the test when a port the README uses is taken.
func freePort(t *testing.T, addr string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the quick start needs %s, which is taken: %v", addr, err)
	}
	l.Close()
}

func run(t *testing.T, dir, command string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", command)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", command, err, out)
	}
	return string(out)
}

// records reads the types and responses of data/records.jsonl.
func records(path string) (types []string, codes []int) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r struct {
			Type     string
			Response *struct{ Code int }
		}
		if json.Unmarshal(sc.Bytes(), &r) == nil {
			types = append(types, r.Type)
			if r.Response != nil {
				codes = append(codes, r.Response.Code)
			}
		}
	}
	return types, codes
}

// TestQuickStart follows the README's quick start step by step in a copy
// of the checkout, with the README's own commands.
func TestQuickStart(t *testing.T) {
	for _, a := range []string{"127.0.0.1:2525", "127.0.0.1:2526", "127.0.0.1:8025"} {
		freePort(t, a)
	}
	sh, toml := blocks(t, section(t))
	dir := copyCheckout(t)

	// 1. The sink: one line as a normal user, one as root.
	sink := sh[0][0]
	if os.Geteuid() == 0 {
		sink = sh[0][1]
	}
	start(t, dir, sink, "sink.log")
	waitPort(t, "127.0.0.1:2526", 10*time.Second)
	// 2. The configuration.
	if err := os.WriteFile(filepath.Join(dir, "wasmta.toml"), []byte(toml[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	// 3. make run (builds first: up to a few minutes on a cold cache).
	start(t, dir, sh[1][0], "wasmta.log")
	waitPort(t, "127.0.0.1:8025", 5*time.Minute)
	waitPort(t, "127.0.0.1:2525", 10*time.Second)
	// 4. swaks: 250 after DATA.
	if out := run(t, dir, sh[2][0]); !regexp.MustCompile(`(?m)^<[-~]\s+250 .*queued as`).MatchString(out) {
		t.Fatalf("swaks did not get 250 after DATA:\n%s", out)
	}
	// 5. The records file the README tails: Reception, then Delivery with
	// the sink's 250.
	path, ok := strings.CutPrefix(sh[3][0], "tail -f ")
	if !ok {
		t.Fatalf("step 5 is %q, not a tail -f", sh[3][0])
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		types, codes := records(filepath.Join(dir, path))
		if len(types) >= 2 && types[0] == "Reception" && types[1] == "Delivery" && len(codes) > 0 && codes[0] == 250 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %v (responses %v), want Reception then Delivery with 250", path, types, codes)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// 6. The CLI: each command works; the suspension shows while it lasts.
	for _, c := range sh[4] {
		out := run(t, dir, c)
		if strings.Contains(c, "actions list") && !strings.Contains(out, "example.org") {
			t.Errorf("%s after the suspension does not show it:\n%s", c, out)
		}
	}
	// 7. A policy: built, tested offline, pushed, listed.
	for _, c := range sh[5] {
		out := run(t, dir, c)
		if strings.Contains(c, "policy list") && !regexp.MustCompile(`(?m)^\*\s+1\s`).MatchString(out) {
			t.Errorf("%s does not show the pushed global module:\n%s", c, out)
		}
	}
}
