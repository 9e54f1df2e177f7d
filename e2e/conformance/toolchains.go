package conformance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Install commands named in MissingToolError (scripts/install-toolchains.sh
// runs all of them).
const (
	installRust  = "apt-get install -y rustc libstd-rust-dev-wasm32"
	installClang = "apt-get install -y clang lld"
	installWabt  = "apt-get install -y wabt"
	installASC   = "apt-get install -y nodejs npm && npm ci --prefix sdk/assemblyscript"
)

// Rust: Debian's rustc with its wasm32 standard library. The rustup rustc
// that may come first in PATH has no wasm32 target, so /usr/bin/rustc is
// used unless WASMTA_RUSTC names another.
var rustBuilder = builder{
	tool: func(string) (string, error) {
		rustc := os.Getenv("WASMTA_RUSTC")
		if rustc == "" {
			rustc = "/usr/bin/rustc"
		}
		out, err := exec.Command(rustc, "--print", "sysroot").Output()
		if err != nil {
			return "", &MissingToolError{Tool: rustc, Install: installRust}
		}
		std := filepath.Join(strings.TrimSpace(string(out)), "lib", "rustlib", "wasm32-unknown-unknown")
		if _, err := os.Stat(std); err != nil {
			return "", &MissingToolError{Tool: "the wasm32 standard library of " + rustc, Install: installRust}
		}
		return rustc, nil
	},
	sources: func(root, name string) []string {
		return []string{filepath.Join(root, "sdk", "rust", "src"), filepath.Join(root, "policies", "rust", name, "src")}
	},
	build: func(ctx context.Context, rustc, root, name, out, tmp string) error {
		common := []string{"--edition", "2021", "--target", "wasm32-unknown-unknown", "-C", "opt-level=3"}
		rlib := filepath.Join(tmp, "libwasmta.rlib")
		sdk := slices.Concat(common, []string{"--crate-type", "rlib", "--crate-name", "wasmta",
			filepath.Join(root, "sdk", "rust", "src", "lib.rs"), "-o", rlib})
		if err := run(ctx, tmp, rustc, sdk...); err != nil {
			return err
		}
		// A 64 KiB stack instead of rustc's 1 MiB: every pooled instance
		// then starts with 128 KiB of memory, not 1.1 MiB.
		policy := slices.Concat(common, []string{"--crate-type", "cdylib", "-C", "lto", "-C", "strip=symbols",
			"-C", "link-arg=-zstack-size=65536",
			"--extern", "wasmta=" + rlib, filepath.Join(root, "policies", "rust", name, "src", "lib.rs"), "-o", out})
		return run(ctx, tmp, rustc, policy...)
	},
}

// C: clang for wasm32 with lld, freestanding (no libc).
var clangBuilder = builder{
	tool: func(string) (string, error) {
		clang, err := lookTool("clang", "clang-14")
		if err != nil {
			return "", &MissingToolError{Tool: "clang", Install: installClang}
		}
		if _, err := lookTool("wasm-ld", "wasm-ld-14"); err != nil {
			return "", &MissingToolError{Tool: "wasm-ld (lld)", Install: installClang}
		}
		return clang, nil
	},
	sources: func(root, name string) []string {
		return []string{filepath.Join(root, "sdk", "c"), filepath.Join(root, "policies", "c", name)}
	},
	build: func(ctx context.Context, clang, root, name, out, tmp string) error {
		return run(ctx, tmp, clang, "--target=wasm32", "-O2", "-mbulk-memory", "-nostdlib", "-ffreestanding",
			"-Wall", "-Wextra", "-Werror", "-I", filepath.Join(root, "sdk", "c"),
			"-Wl,--no-entry", "-Wl,--strip-all", "-o", out,
			filepath.Join(root, "policies", "c", name, name+".c"))
	},
}

// WAT: wat2wasm from wabt.
var watBuilder = builder{
	tool: func(string) (string, error) {
		p, err := lookTool("wat2wasm")
		if err != nil {
			return "", &MissingToolError{Tool: "wat2wasm", Install: installWabt}
		}
		return p, nil
	},
	sources: func(root, name string) []string {
		return []string{filepath.Join(root, "policies", "wat", name+".wat")}
	},
	build: func(ctx context.Context, wat2wasm, root, name, out, tmp string) error {
		return run(ctx, tmp, wat2wasm, filepath.Join(root, "policies", "wat", name+".wat"), "-o", out)
	},
}

// AssemblyScript: asc from the pinned npm package in sdk/assemblyscript
// (node_modules is not committed; EnsureAssemblyScript installs it). Each
// policy's asconfig.json holds its compiler options, so the test builds
// exactly what `npx asc --config asconfig.json` builds for an author.
var ascBuilder = builder{
	tool: func(root string) (string, error) {
		asc := ascPath(root)
		if _, err := os.Stat(asc); err != nil {
			return "", &MissingToolError{Tool: asc, Install: installASC}
		}
		if _, err := lookTool("node"); err != nil {
			return "", &MissingToolError{Tool: "node", Install: installASC}
		}
		return asc, nil
	},
	sources: func(root, name string) []string {
		return []string{filepath.Join(root, "sdk", "assemblyscript", "assembly"),
			filepath.Join(root, "sdk", "assemblyscript", "package-lock.json"),
			filepath.Join(root, "policies", "assemblyscript", name)}
	},
	build: func(ctx context.Context, asc, root, name, out, tmp string) error {
		dir := filepath.Join(root, "policies", "assemblyscript", name)
		return run(ctx, dir, asc, "assembly/index.ts", "--config", "asconfig.json", "--target", "release",
			"--outFile", out)
	},
}

func ascPath(root string) string {
	return filepath.Join(root, "sdk", "assemblyscript", "node_modules", ".bin", "asc")
}

// EnsureAssemblyScript installs the pinned AssemblyScript compiler into
// sdk/assemblyscript/node_modules with `npm ci` when it is missing (the
// npm registry must be reachable). Tests call it before Build.
func EnsureAssemblyScript(ctx context.Context, root string) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("conformance: install AssemblyScript: %w", err)
	}
	if _, err := os.Stat(ascPath(root)); err == nil {
		return nil
	}
	npm, err := lookTool("npm")
	if err != nil {
		return &MissingToolError{Tool: "npm", Install: installASC}
	}
	dir := filepath.Join(root, "sdk", "assemblyscript")
	if err := run(ctx, dir, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"); err != nil {
		return fmt.Errorf("conformance: install AssemblyScript: %w", err)
	}
	return nil
}
