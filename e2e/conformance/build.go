package conformance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/wasmta/wasmta/hostabi/policytest"
)

// Languages lists the policy languages, in the order of docs/policies.md.
var Languages = []string{"go", "rust", "c", "assemblyscript", "wat"}

// Policies every language provides: the reference policy of
// testdata/conformance/README.md, and one that panics (or aborts, or
// traps) when asked to route or classify anything mentioning "panic".
const (
	PolicyConformance = "conformance"
	PolicyPanic       = "panic"
)

// MissingToolError is a toolchain Build needs and did not find.
type MissingToolError struct {
	Tool    string // what is missing
	Install string // the command that installs it
}

func (e *MissingToolError) Error() string {
	return fmt.Sprintf("conformance: %s not found; install it with: %s", e.Tool, e.Install)
}

// builder compiles one language.
type builder struct {
	// tool finds the compiler; a *MissingToolError when absent.
	tool func(root string) (string, error)
	// sources lists the files and directories the output depends on.
	sources func(root, name string) []string
	// build writes the module for policy name to out; tmp is a scratch
	// directory.
	build func(ctx context.Context, tool, root, name, out, tmp string) error
}

var builders = map[string]builder{
	"rust":           rustBuilder,
	"c":              clangBuilder,
	"assemblyscript": ascBuilder,
	"wat":            watBuilder,
}

// Build returns the wasm module of policy name (PolicyConformance or
// PolicyPanic) in language lang, from the repository at root. Modules are
// cached under os.TempDir()/wasmta-policies by a hash of the compiler's
// version, the flags and every source file (policy and SDK), so each is
// compiled once per change.
func Build(ctx context.Context, root, lang, name string) ([]byte, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("conformance: build %s/%s: %w", lang, name, err)
	}
	if lang == "go" {
		return policytest.BuildGo(ctx, goPolicyDir(root, name))
	}
	b, ok := builders[lang]
	if !ok {
		return nil, fmt.Errorf("conformance: unknown language %q (want one of %s)", lang, strings.Join(Languages, ", "))
	}
	tool, err := b.tool(root)
	if err != nil {
		return nil, err
	}
	key, err := buildKey(ctx, tool, lang, name, b.sources(root, name))
	if err != nil {
		return nil, fmt.Errorf("conformance: build %s/%s: %w", lang, name, err)
	}
	dir := filepath.Join(os.TempDir(), "wasmta-policies")
	cached := filepath.Join(dir, lang+"-"+name+"-"+key+".wasm")
	if wasm, err := os.ReadFile(cached); err == nil {
		return wasm, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("conformance: build cache: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return nil, fmt.Errorf("conformance: build cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "out.wasm")
	if err := b.build(ctx, tool, root, name, out, tmp); err != nil {
		return nil, fmt.Errorf("conformance: build %s/%s: %w", lang, name, err)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("conformance: build %s/%s: %w", lang, name, err)
	}
	// Rename is atomic: a concurrent build of the same key writes the same bytes.
	if err := os.Rename(out, cached); err != nil {
		return nil, fmt.Errorf("conformance: build cache: %w", err)
	}
	pruneCache(dir, lang+"-"+name+"-", cached)
	return wasm, nil
}

// pruneCache removes the older builds of one policy, so the cache holds
// one module per policy and language rather than one per edit.
func pruneCache(dir, prefix, keep string) {
	old, _ := filepath.Glob(filepath.Join(dir, prefix+"*.wasm"))
	for _, p := range old {
		if p != keep {
			os.Remove(p)
		}
	}
}

// goPolicyDir is the Go build of a policy, beside the other languages'
// (policies/<lang>/<name>).
func goPolicyDir(root, name string) string {
	return filepath.Join(root, "policies", "go", name)
}

// run executes a command and returns its stderr in the error.
func run(ctx context.Context, dir string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	return nil
}

var versions sync.Map // tool path -> version line

// toolVersion is the first line of `tool --version`, part of every cache key.
func toolVersion(ctx context.Context, tool string) (string, error) {
	if v, ok := versions.Load(tool); ok {
		return v.(string), nil
	}
	out, err := exec.CommandContext(ctx, tool, "--version").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w\n%s", tool, err, out)
	}
	v, _, _ := strings.Cut(string(out), "\n")
	versions.Store(tool, v)
	return v, nil
}

// buildKey hashes the compiler version, the language and policy, and the
// contents of every source (a directory stands for the files under it,
// build outputs and node_modules excepted).
func buildKey(ctx context.Context, tool, lang, name string, sources []string) (string, error) {
	v, err := toolVersion(ctx, tool)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n", v, lang, name, flagsVersion)
	for _, src := range sources {
		if err := hashTree(h, src); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// hashTree hashes the files under src (or src itself) with their paths
// relative to src, so that two checkouts of one commit share a key.
func hashTree(h io.Writer, src string) error {
	var files []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && slices.Contains([]string{"node_modules", "target", "build"}, d.Name()) {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.Sort(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, f)
		fmt.Fprintf(h, "%s %s %d\n", filepath.Base(src), rel, len(b))
		h.Write(b)
	}
	return nil
}

// flagsVersion changes whenever a builder's flags change, so cached
// modules built with old flags are not reused.
const flagsVersion = "flags-2"

// lookTool returns the first of candidates that exists and is executable.
func lookTool(candidates ...string) (string, error) {
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", errors.New("not found")
}
