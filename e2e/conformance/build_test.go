package conformance

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMissingToolchainNamesInstallCommand: a missing compiler is an
// error that says how to install it, never a skipped test.
func TestMissingToolchainNamesInstallCommand(t *testing.T) {
	cases := []struct {
		lang, env, value, install string
	}{
		{"rust", "WASMTA_RUSTC", "/nonexistent/rustc", installRust},
		{"wat", "PATH", t.TempDir(), installWabt},
		{"c", "PATH", t.TempDir(), installClang},
	}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			t.Setenv(c.env, c.value)
			_, err := Build(ctx, root, c.lang, PolicyConformance)
			var mt *MissingToolError
			if !errors.As(err, &mt) || mt.Install != c.install || !strings.Contains(err.Error(), c.install) {
				t.Fatalf("Build with %s=%s: %v, want a *MissingToolError saying %q", c.env, c.value, err, c.install)
			}
		})
	}
}

// TestBuildCacheFollowsTheSource: a build is reused while its sources
// are unchanged and redone when one changes; the cache holds the newest.
func TestBuildCacheFollowsTheSource(t *testing.T) {
	fake := t.TempDir()
	src := filepath.Join(fake, "policies", "wat", "floor.wat")
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(filepath.Join(root, "policies", "wat", "floor.wat"))
	if err != nil {
		t.Fatal(err)
	}
	build := func(text []byte) []byte {
		t.Helper()
		if err := os.WriteFile(src, text, 0o644); err != nil {
			t.Fatal(err)
		}
		wasm, err := Build(ctx, fake, "wat", "floor")
		if err != nil {
			t.Fatal(err)
		}
		return wasm
	}
	first := build(orig)
	if again := build(orig); !bytes.Equal(first, again) {
		t.Fatal("the same source built twice gave different modules")
	}
	// A longer data segment changes the module.
	changed := build(bytes.Replace(orig, []byte(`"tenant"`), []byte(`"tenant-x"`), 1))
	if bytes.Equal(first, changed) {
		t.Fatal("a changed source was served from the cache")
	}
}
