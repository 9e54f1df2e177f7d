#!/usr/bin/env bash
# The end-to-end benchmark suite (issue 6): wasmta against a private Postfix
# and the load tools' own limit, on this machine, loopback only.
#
#   scripts/bench-e2e.sh            make bench: every scenario, 3 runs per figure;
#                                   writes docs/benchmarks.md, docs/bench/*.png and
#                                   docs/bench/results-DATE-COMMIT.json
#   QUICK=1 scripts/bench-e2e.sh    make bench-quick: reduced loads, 1 run per figure;
#                                   writes bin/bench-quick/ (docs/ is left alone)
#
#   SEED=N scripts/bench-e2e.sh     the blind provider mix with the limits of seed N
#
# Extra arguments go to `wasmta-bench run` (e.g. --scenarios relay,latency,
# --backlog 100000, --cpuprofile DIR, --keep). Needs root for Postfix and
# smtp-sink; installs the Debian postfix package when smtp-source is missing.
# wasmta-bench itself starts and stops every process it needs and removes
# its temporary directory, also on Ctrl-C / SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

if ! command -v smtp-source >/dev/null 2>&1 || ! command -v postfix >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "bench-e2e: installing postfix (smtp-source, smtp-sink) without configuring a system mailer"
		echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >/dev/null
	else
		echo "bench-e2e: install the postfix package (smtp-source, smtp-sink, postfix), as root" >&2
		exit 1
	fi
fi

# The signed scenario needs opendkim and the openssl build needs libssl-dev:
# as root, install what is missing (the same list as make test's).
if [ "$(id -u)" = 0 ]; then
	scripts/install-deps.sh
fi

echo "bench-e2e: building wasmta, the harness and the reference policies"
# The openssl build of DKIM signing when cgo and libssl-dev are there, as
# make build does (docs/RATIONALE.md, "RSA signing through OpenSSL").
tags=""
if [ -f /usr/include/openssl/evp.h ] && [ "$($GO env CGO_ENABLED)" = 1 ]; then
	tags=openssl
fi
$GO build -tags "$tags" -o bin/wasmta ./cmd/wasmta
$GO build -o bin/wasmta-bench ./bench/cmd/wasmta-bench
mkdir -p bin/policies
for p in default shaping classifier; do
	GOOS=wasip1 GOARCH=wasm $GO build -buildmode=c-shared -o "bin/policies/$p.wasm" "./policies/go/$p"
done

# SEED=N replays the blind provider mix's draw of limits (its seed is
# printed at every run).
seed=()
if [ -n "${SEED:-}" ]; then
	seed=(--seed "$SEED")
fi
if [ -n "${QUICK:-}" ]; then
	exec bin/wasmta-bench run --quick --out bin/bench-quick "${seed[@]}" "$@"
fi
exec bin/wasmta-bench run --out docs "${seed[@]}" "$@"
