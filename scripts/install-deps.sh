#!/usr/bin/env bash
# Installs the Debian packages that tests and benchmarks use, if missing:
# Postfix (smtp-sink, smtp-source), swaks, the wasm toolchains (clang, lld,
# wasi-libc, wabt, rustc with the wasm32 standard library), redis-server,
# redis-tools (redis-cli, for Redis Cluster tests), python3-dkim
# (dkimverify), libssl-dev (the openssl build of DKIM signing), opendkim
# (Postfix's signer in the benchmark), chromium (the dashboard's browser
# tests, e2e/dashboard), and unbound with ldnsutils (a real DNSSEC
# validating resolver and the zone signer for the DANE test,
# internal/testunbound; the package's own service is never started), and
# lintian (make check-deb: the .deb's checks). Idempotent and quiet when nothing is missing; waits
# for another apt/dpkg run to finish instead of failing.
set -euo pipefail

# The policy languages' toolchains, npm's pinned assemblyscript included.
"$(dirname "$0")/install-toolchains.sh"

packages=(
	postfix swaks
	clang lld wasi-libc wabt rustc libstd-rust-dev-wasm32
	redis-server redis-tools python3-dkim
	libssl-dev opendkim opendkim-tools
	chromium
	unbound ldnsutils
	lintian
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null; then
	as_root=(sudo)
else
	echo "install-deps: missing ${missing[*]}; run as root or install sudo" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600)
run() {
	if ! "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		echo "install-deps: failed: $*" >&2
		exit 1
	fi
}
# Postfix is wanted for its tools only: no mail system configured or started.
run "${as_root[@]}" debconf-set-selections <<<'postfix postfix/main_mailer_type select No configuration'
run "${apt[@]}" update
run "${apt[@]}" install "${missing[@]}"
