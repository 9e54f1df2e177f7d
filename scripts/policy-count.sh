#!/usr/bin/env bash
# Instructions and simulated cache misses per relayed message of each
# conformance policy (issue 20 goal 3), counted by valgrind's callgrind:
# deterministic whatever the machine's load, unlike the CPU time of the
# end-to-end policy scenario, which stays the goal's measure.
#
#   scripts/policy-count.sh [OUTDIR] [N]      (default /tmp/policy-count, 200)
#
# BenchmarkMessageCount (e2e/conformance) makes each message's on_rcpt and
# select_pool calls with callgrind collecting them alone, after writing
# 16 MiB between messages: the cold-cache model of a relay whose own work
# evicts the policy between two messages. Simulated caches: 32 KiB 8-way
# I1 and D1, and a 1 MiB 16-way "LL" standing for this EPYC's per-core L2
# (a miss there goes to the shared L3 or memory). "native" is the same
# rules in Go in the host: the floor. Env: WASMTA_COUNT_LANGS to choose.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/policy-count}
n=${2:-200}
mkdir -p "$out/wasm"
CGO_ENABLED=0 go test -c -o "$out/conformance.test" ./e2e/conformance/
# Build (or reuse) the modules, the floor module included, and fill
# wazero's compilation cache outside valgrind: callgrind 3.19 aborts on
# the SIGCHLD of a build's child process, and compiles slowly.
(cd e2e/conformance && WASMTA_CONFORMANCE_WASM="$out/wasm" "$out/conformance.test" \
	-test.run '^$' -test.bench 'MessageCount/wat$' -test.benchtime 1x >/dev/null)
printf '%-15s %10s %8s %8s %8s %8s\n' policy Ir/msg I1mr D1mr LLi-mr LLd-mr
for lang in ${WASMTA_COUNT_LANGS:-native go rust c assemblyscript wat}; do
	# Go's asynchronous preemption signals also abort callgrind 3.19. The
	# collection BenchmarkMessageCount runs between messages would shrink
	# the goroutine's stack, and the next message grow it again (a copy
	# of the stack, thousands of instructions, counted): not shrunk. And
	# valgrind 3.19 does not decode RDTSCP, which Go's runtime executes
	# when a thread sleeps on a contended lock (under valgrind's one-
	# thread-at-a-time scheduling, now and then on a busy machine: SIGILL
	# in runtime.cputicks): cpu.rdtscp=off makes it use RDTSC.
	(cd e2e/conformance && WASMTA_CONFORMANCE_WASM="$out/wasm" GODEBUG=asyncpreemptoff=1,gcshrinkstackoff=1,cpu.rdtscp=off \
		valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$lang.out" \
		--collect-atstart=no --cache-sim=yes --I1=32768,8,64 --D1=32768,8,64 --LL=1048576,16,64 \
		"$out/conformance.test" -test.run '^$' -test.bench "MessageCount/$lang\$" \
		-test.benchtime "${n}x" >"$out/$lang.log" 2>&1)
	# Events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
	awk -v lang="$lang" -v n="$n" '/^summary:/ {
		printf "%-15s %10.0f %8.0f %8.0f %8.0f %8.0f\n", lang, $2/n, $5/n, ($6+$7)/n, $8/n, ($9+$10)/n }' \
		"$out/callgrind.$lang.out"
done
