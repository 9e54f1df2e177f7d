package policy

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The policy is built once, with placeholders of fixed length for the
// smart host and the label, and each variant is made by rewriting those
// bytes in the module: a Go build per variant would cost the suite minutes
// on a busy 2-core machine, and the variants still differ byte for byte,
// so each push is a new version.
const (
	hostPlaceholder  = "127.0.0.9"
	labelPlaceholder = "LABEL-00"
)

var (
	buildOnce sync.Once
	built     []byte
	buildErr  error
)

func basePolicy(t testing.TB) []byte {
	t.Helper()
	buildOnce.Do(func() { built, buildErr = buildBase() })
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

func buildBase() ([]byte, error) {
	src, err := os.ReadFile("testdata/tenantpolicy/main.go")
	if err != nil {
		return nil, err
	}
	key := sha256.Sum256(src)
	out := filepath.Join(os.TempDir(), fmt.Sprintf("wasmta-e2e-%x.wasm", key[:8]))
	if b, err := os.ReadFile(out); err == nil {
		return b, nil
	}
	cmd := exec.Command("go", "build", "-buildmode=c-shared",
		"-ldflags", fmt.Sprintf("-X main.host=%s -X main.label=%s", hostPlaceholder, labelPlaceholder),
		"-o", out+".tmp", "./testdata/tenantpolicy")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build policy: %v\n%s", err, b)
	}
	if err := os.Rename(out+".tmp", out); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

// buildPolicy returns the test policy routing to host (an IPv4 literal of
// nine characters, 127.0.0.N) and labelled label (two characters).
func buildPolicy(t testing.TB, host, label string) []byte {
	t.Helper()
	if len(host) != len(hostPlaceholder) || len(label) != 2 {
		t.Fatalf("policy variant %q/%q: host must be 127.0.0.N and label two characters", host, label)
	}
	b := basePolicy(t)
	for _, r := range [][2]string{{hostPlaceholder, host}, {labelPlaceholder, "LABEL-" + label}} {
		// The build info section repeats the -ldflags: replace every copy.
		if !bytes.Contains(b, []byte(r[0])) {
			t.Fatalf("placeholder %q not found in the module", r[0])
		}
		b = bytes.ReplaceAll(b, []byte(r[0]), []byte(r[1]))
	}
	return b
}
