package policy

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/hostabi/policytest"
)

// TestPolicyBuiltOutsideTheRepository builds the docs/policies.md example
// as a policy author does: in a module of its own outside this repository,
// depending on the SDK module alone (through a replace to this checkout,
// the documented way before a release tag). With GOPROXY=off the build
// proves the SDK needs nothing from the network and none of the MTA's
// dependencies; the module then passes its case file.
func TestPolicyBuiltOutsideTheRepository(t *testing.T) {
	sdk, err := filepath.Abs("../../sdk/go")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{"main.go", "acme.cases.toml"} {
		b, err := os.ReadFile(filepath.Join("../../policies/go/example", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOWORK", "off")
	goCmd(t, dir, "mod", "init", "example.com/acme-policy")
	goCmd(t, dir, "mod", "edit", "-go=1.24", "-replace=github.com/wasmta/wasmta/sdk/go="+sdk)
	goCmd(t, dir, "mod", "tidy")
	mods := strings.Fields(goCmd(t, dir, "list", "-m", "-f", "{{.Path}}", "all"))
	if want := []string{"example.com/acme-policy", "github.com/wasmta/wasmta/sdk/go"}; strings.Join(mods, " ") != strings.Join(want, " ") {
		t.Fatalf("the policy's module graph is %v, want only %v", mods, want)
	}
	wasm, err := policytest.BuildGo(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := os.Open(filepath.Join(dir, "acme.cases.toml"))
	if err != nil {
		t.Fatal(err)
	}
	defer cases.Close()
	var out bytes.Buffer
	passed, failed, err := policytest.Run(context.Background(), wasm, cases, &out)
	if err != nil || failed != 0 || passed == 0 {
		t.Fatalf("cases: %d passed, %d failed, err %v\n%s", passed, failed, err, out.String())
	}
}

// goCmd runs the go command in dir and returns its output.
func goCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
