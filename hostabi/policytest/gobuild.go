package policytest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// BuildGo compiles the Go policy in dir (a main package using the SDK) to
// a wasm module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared
//
// The module is cached under os.TempDir()/wasmta-gowasm, keyed by a hash
// of the Go version, the files of every non-standard package it is built
// from and go.mod/go.sum, so tests and benchmarks build each policy once
// (the key costs one `go list`).
func BuildGo(ctx context.Context, dir string) ([]byte, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("policytest: build %s: %w", dir, err)
	}
	key, err := buildKey(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("policytest: build %s: %w", dir, err)
	}
	cacheDir := filepath.Join(os.TempDir(), "wasmta-gowasm")
	cached := filepath.Join(cacheDir, key+".wasm")
	if b, err := os.ReadFile(cached); err == nil {
		return b, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("policytest: build cache: %w", err)
	}
	tmp, err := os.CreateTemp(cacheDir, "build-*.wasm")
	if err != nil {
		return nil, fmt.Errorf("policytest: build cache: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	cmd := exec.CommandContext(ctx, goTool(), "build", "-buildmode=c-shared", "-o", tmp.Name(), ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("policytest: go build %s: %w\n%s", dir, err, stderr.String())
	}
	b, err := os.ReadFile(tmp.Name())
	if err != nil {
		return nil, fmt.Errorf("policytest: build %s: %w", dir, err)
	}
	// Rename is atomic: a concurrent build of the same key writes the same bytes.
	if err := os.Rename(tmp.Name(), cached); err != nil {
		return nil, fmt.Errorf("policytest: build cache: %w", err)
	}
	return b, nil
}

// goTool is "go" from PATH, else the one in $GOROOT/bin.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}

// buildKey hashes everything the build depends on that can change between
// runs of one checkout: the Go version, go.mod/go.sum, and the .go files of
// every non-standard package the policy imports (the SDK, shared logic),
// as `go list -deps` reports them for GOOS=wasip1.
func buildKey(ctx context.Context, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, goTool(), "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list: %w\n%s", err, stderr.String())
	}
	h := sha256.New()
	fmt.Fprintln(h, runtime.Version())
	for _, d := range strings.Fields(string(out)) {
		fmt.Fprintln(h, d)
		if err := hashDir(h, d); err != nil {
			return "", err
		}
	}
	if root := moduleRoot(dir); root != "" {
		for _, f := range []string{"go.mod", "go.sum"} {
			if err := hashFile(h, filepath.Join(root, f)); err != nil && !os.IsNotExist(err) {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// hashDir hashes the non-test .go files of dir (not of its subdirectories).
func hashDir(h interface{ Write([]byte) (int, error) }, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		return hashFile(h, p)
	})
}

func hashFile(h interface{ Write([]byte) (int, error) }, p string) error {
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s %d\n", filepath.Base(p), len(b))
	_, err = h.Write(b)
	return err
}

func moduleRoot(dir string) string {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
