package main

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
)

// buildPolicy compiles a Go policy (GOOS=wasip1) from its source folder,
// keeping the module in cacheDir under a hash of the sources so that a
// second run skips the build.
func buildPolicy(dir, cacheDir string) ([]byte, error) {
	key, err := sourceHash(dir)
	if err != nil {
		return nil, err
	}
	out := filepath.Join(cacheDir, fmt.Sprintf("%s-%x.wasm", filepath.Base(dir), key[:8]))
	if b, err := os.ReadFile(out); err == nil {
		return b, nil
	}
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out+".tmp", "./"+dir)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build %s: %v\n%s", dir, err, b)
	}
	if err := os.Rename(out+".tmp", out); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

// sourceHash hashes the .go files of dir and of the Go SDK it builds on.
func sourceHash(dirs ...string) ([32]byte, error) {
	h := sha256.New()
	var files []string
	for _, d := range append(dirs, "sdk/go") {
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && filepath.Ext(p) == ".go" {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			return [32]byte{}, fmt.Errorf("policy sources: %w (run the demo from the repository root: make demo)", err)
		}
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return [32]byte{}, err
		}
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, nil
}
