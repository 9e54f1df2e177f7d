#!/usr/bin/env bash
# Installs what the policy languages need to build their modules (the tests
# in e2e/conformance build every language from source):
#   Rust            rustc + libstd-rust-dev-wasm32 (Debian; wasm32-unknown-unknown)
#   C               clang + lld (Debian; wasi-libc for policies that want libc)
#   WAT             wabt (wat2wasm)
#   AssemblyScript  node + npm, then the pinned assemblyscript from
#                   sdk/assemblyscript/package-lock.json into sdk/assemblyscript/node_modules
# Idempotent and quiet when nothing is missing. The Debian part is shared
# with scripts/install-deps.sh (which calls this script).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(clang lld wasi-libc wabt rustc libstd-rust-dev-wasm32)
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -eq 0 ]; then
		as_root=()
	elif command -v sudo >/dev/null; then
		as_root=(sudo)
	else
		echo "install-toolchains: missing ${missing[*]}; run as root or install sudo" >&2
		exit 1
	fi
	echo "install-toolchains: installing ${missing[*]}"
	apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600)
	"${apt[@]}" update >/dev/null
	"${apt[@]}" install "${missing[@]}" >/dev/null
fi

# AssemblyScript: exactly the versions of the lock file, never committed.
if [ ! -x sdk/assemblyscript/node_modules/.bin/asc ]; then
	echo "install-toolchains: npm ci in sdk/assemblyscript (assemblyscript $(sed -n 's/.*"assemblyscript": "\(.*\)".*/\1/p' sdk/assemblyscript/package.json | head -1))"
	(cd sdk/assemblyscript && npm ci --no-audit --no-fund --loglevel=error)
fi
