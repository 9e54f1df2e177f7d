#!/usr/bin/env bash
# Instructions and simulated cache misses per message of the end-to-end
# policy scenario's module (policies/go/default, every hook: on_mail_from,
# on_rcpt, on_message, select_pool per message, guard on), counted by
# callgrind as scripts/policy-count.sh counts the conformance policies:
# the message, then each hook alone. Deterministic whatever the load.
#
#   scripts/policy-count-hooks.sh [OUTDIR] [N] [MODULE.wasm]   (default /tmp/policy-count-hooks, 200)
#
# MODULE, when given, is counted instead of a fresh build of
# policies/go/default (WASMTA_BENCH_A). Same cache model as
# scripts/policy-count.sh, without its code eviction between messages.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/policy-count-hooks}
n=${2:-200}
mod=${3:-}
mkdir -p "$out"
if [ -z "$mod" ]; then
	# Built here: a build under valgrind aborts on its child's SIGCHLD.
	mod=$out/default.wasm
	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o "$mod" ./policies/go/default
fi
mod=$(realpath "$mod")
CGO_ENABLED=0 go test -c -o "$out/policycost.test" ./bench/policycost/
# Build the module and fill wazero's compilation cache outside valgrind.
(cd bench/policycost && WASMTA_BENCH_A="$mod" "$out/policycost.test" \
	-test.run '^$' -test.bench 'MessageCount/message$' -test.benchtime 1x >/dev/null)
printf '%-15s %10s %8s %8s %8s %8s\n' calls Ir/msg I1mr D1mr LLi-mr LLd-mr
for sub in ${WASMTA_COUNT_HOOKS:-message on_mail_from on_rcpt on_message select_pool}; do
	# The GODEBUG settings are scripts/policy-count.sh's (callgrind 3.19).
	(cd bench/policycost && WASMTA_BENCH_COUNT=1 WASMTA_BENCH_A="$mod" GODEBUG=asyncpreemptoff=1,gcshrinkstackoff=1,cpu.rdtscp=off \
		valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$sub.out" \
		--collect-atstart=no --cache-sim=yes --I1=32768,8,64 --D1=32768,8,64 --LL=1048576,16,64 \
		"$out/policycost.test" -test.run '^$' -test.bench "MessageCount/^$sub\$" \
		-test.benchtime "${n}x" >"$out/$sub.log" 2>&1)
	# Events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
	awk -v sub_="$sub" -v n="$n" '/^summary:/ {
		printf "%-15s %10.0f %8.0f %8.0f %8.0f %8.0f\n", sub_, $2/n, $5/n, ($6+$7)/n, $8/n, ($9+$10)/n }' \
		"$out/callgrind.$sub.out"
done
