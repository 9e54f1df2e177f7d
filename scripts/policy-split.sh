#!/usr/bin/env bash
# Where a conformance policy's per-message count goes, by function and by
# part (guest SDK, policy, Go runtime, host): scripts/policy-count.sh's
# measurement of one language, with callgrind's per-instruction counts,
# attributed to the guest's compiled functions by wazero's perf map.
#
#   scripts/policy-split.sh [OUTDIR] [N] [LANG]   (default /tmp/policy-split, 200, go)
#
# The counted run reads wazero's compilation cache, so it writes no perf
# map: a native run of a test binary built with wazero's perfmap tag and
# an empty cache compiles the same module to the same code and writes
# /tmp/perf-PID.map; scripts/policy-split.py shifts that map to the
# counted run's base (the shift that puts callgrind's unnamed functions,
# named by their entry address, on function starts) and sums the counts.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/policy-split}
n=${2:-200}
lang=${3:-go}
mkdir -p "$out/wasm"
CGO_ENABLED=0 go test -c -o "$out/conformance.test" ./e2e/conformance/
CGO_ENABLED=0 go test -c -tags perfmap -o "$out/conformance-perfmap.test" ./e2e/conformance/
(cd e2e/conformance && WASMTA_CONFORMANCE_WASM="$out/wasm" "$out/conformance.test" \
	-test.run '^$' -test.bench 'MessageCount/wat$' -test.benchtime 1x >/dev/null)
# The perf map: a native run, an empty wazero cache (TMPDIR).
rm -rf "$out/tmp" && mkdir -p "$out/tmp"
(cd e2e/conformance && TMPDIR="$out/tmp" WASMTA_CONFORMANCE_WASM="$out/wasm" exec "$out/conformance-perfmap.test" \
	-test.run '^$' -test.bench "MessageCount/$lang\$" -test.benchtime 1x >"$out/perfmap.log" 2>&1) &
pid=$!
wait $pid
mv "/tmp/perf-$pid.map" "$out/perf.map"
rm -rf "$out/tmp"
# The count, as scripts/policy-count.sh runs it, with per-instruction output.
(cd e2e/conformance && WASMTA_CONFORMANCE_WASM="$out/wasm" GODEBUG=asyncpreemptoff=1,gcshrinkstackoff=1,cpu.rdtscp=off \
	valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$lang.out" \
	--dump-instr=yes --compress-pos=no --compress-strings=no \
	--collect-atstart=no --cache-sim=yes --I1=32768,8,64 --D1=32768,8,64 --LL=1048576,16,64 \
	"$out/conformance.test" -test.run '^$' -test.bench "MessageCount/$lang\$" \
	-test.benchtime "${n}x" >"$out/$lang.log" 2>&1)
python3 scripts/policy-split.py "$out/callgrind.$lang.out" "$out/perf.map" "$n"
