package policytest

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestReferencePolicies runs each reference policy's case file, and the
// conformance suite against the Go conformance policy.
func TestReferencePolicies(t *testing.T) {
	mods := loadAll(t)
	for _, tc := range []struct{ module, cases string }{
		{"sdkprobe", "testdata/sdkprobe.toml"},
		{"default", "testdata/default.toml"},
		{"tenantrouting", "testdata/tenantrouting.toml"},
		{"classifier", "testdata/classifier.toml"},
		{"shaping", "testdata/shaping.toml"},
		{"quarantine", "testdata/quarantine.toml"},
		{"conformance", "../../testdata/conformance/cases.toml"},
		{"example", "../../policies/go/example/acme.cases.toml"},
	} {
		t.Run(tc.module, func(t *testing.T) {
			cases := parseFile(t, tc.cases)
			var out bytes.Buffer
			passed, failed := RunPolicy(testCtx, mods[tc.module], cases, &out)
			if failed != 0 || passed != len(cases) {
				t.Fatalf("%d passed, %d failed of %d:\n%s", passed, failed, len(cases), out.String())
			}
		})
	}
}

// TestRunLoadsAndReports drives Run, the entry point of `wasmta policy
// test`, end to end on raw bytes.
func TestRunLoadsAndReports(t *testing.T) {
	f, err := os.Open("../../testdata/conformance/cases.toml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	passed, failed, err := RunWith(testCtx, testConfig(), wasmOf["conformance"], f, &out)
	if err != nil || failed != 0 || passed == 0 {
		t.Fatalf("Run = %d, %d, %v\n%s", passed, failed, err, out.String())
	}
	last := lastLine(out.String())
	if want := "passed, 0 failed"; !strings.Contains(last, want) {
		t.Fatalf("closing line %q does not say %q", last, want)
	}
}

// TestFailingCasesShowDiffs checks that a failing case names each key that
// differs with both values, and prints the whole decision.
func TestFailingCasesShowDiffs(t *testing.T) {
	f, err := os.Open("testdata/failing.toml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	passed, failed, err := RunWith(testCtx, testConfig(), wasmOf["tenantrouting"], f, &out)
	if err != nil {
		t.Fatal(err)
	}
	if passed != 1 || failed != 3 {
		t.Fatalf("Run = %d passed, %d failed; want 1, 3\n%s", passed, failed, out.String())
	}
	for _, want := range []string{
		`FAIL  wrong pool (select_pool)`,
		`pool: got "acme-pool", want "bulk"`,
		`decision: decided_by = "policy", pool = "acme-pool"`,
		`reject.code: got 550, want 554`,
		`decided_by: got "default", want "policy"`,
		`host: got [], want ["relay.example"]`,
		"1 passed, 3 failed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestRunRefusesBadModules: a module the host refuses is an error, not a
// failed case.
func TestRunRefusesBadModules(t *testing.T) {
	cases := `[[case]]
hook = "route"
input = { domain = "x.example" }
expect = { mx_domain = "" }
`
	_, _, err := Run(testCtx, []byte("\x00asm\x01\x00\x00\x00"), strings.NewReader(cases), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "module refused") {
		t.Fatalf("Run on an empty module = %v; want a refusal", err)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
