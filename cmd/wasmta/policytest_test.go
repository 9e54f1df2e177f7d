package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/hostabi/policytest"
)

// TestPolicyTestCommand runs `wasmta policy test` on the Go conformance
// policy: the suite passes (exit 0), and a case with a wrong expectation
// fails the command (exit 1) with a readable report.
func TestPolicyTestCommand(t *testing.T) {
	wasm, err := policytest.BuildGo(context.Background(), "../../policies/go/conformance")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mod := filepath.Join(dir, "conformance.wasm")
	if err := os.WriteFile(mod, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(binPath, "policy", "test", mod, "../../testdata/conformance/cases.toml").CombinedOutput()
	if err != nil || !strings.Contains(string(out), " passed, 0 failed") {
		t.Fatalf("conformance suite: %v\n%s", err, out)
	}
	cases, err := os.ReadFile("../../testdata/conformance/cases.toml")
	if err != nil {
		t.Fatal(err)
	}
	wrong := strings.Replace(string(cases), `pool = "bulk"`, `pool = "not-bulk"`, 1)
	bad := filepath.Join(dir, "wrong.toml")
	if err := os.WriteFile(bad, []byte(wrong), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(binPath, "policy", "test", mod, bad).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "1 failed") || !strings.Contains(string(out), "not-bulk") {
		t.Fatalf("a wrong expectation: err %v, output:\n%s", err, out)
	}
}
