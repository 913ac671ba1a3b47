#!/usr/bin/env bash
# Builds the libFuzzer targets of the sans-io core with clang-14 in build-fuzz (override: FUZZ_BUILD_DIR)
# and fuzzes each for N seconds (default 20), FUZZ_JOBS targets at a time (default: the number of cores;
# each fuzzer uses one). Used by CI for a bounded run; pass a larger N for a long one.
#   scripts/fuzz.sh [seconds] [target...]
# FUZZ_BUILD_ONLY=1 builds and stops (CI builds while other tests run).
# New interesting inputs go to <build>/corpus/<target>; crashes to <build>/artifacts/. Exits non-zero when
# any target found a crash (turn it into a unit test in tests/unit/sansio_*.cpp).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
[ $# -gt 0 ] && shift
targets=(fuzz_sse_parser fuzz_go_duration fuzz_retry_hints fuzz_multipart fuzz_json_models fuzz_webhooks)
[ $# -gt 0 ] && targets=("$@")
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}

if ! command -v clang++-14 >/dev/null 2>&1 || ! dpkg-query -W libclang-rt-14-dev >/dev/null 2>&1; then
    scripts/setup.sh
fi

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPACED_BUILD_FUZZERS=ON -DPACED_BUILD_TESTS=ON -DPACED_BUILD_TOOLS=OFF -DPACED_BUILD_EXAMPLES=OFF \
    -DPACED_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build_dir" --target "${targets[@]}" -j "${JOBS:-2}"
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

# One fuzzer; its log in $build_dir/$t.log.
fuzz_one() {
    local t=$1 corpus="$build_dir/corpus/$1"
    mkdir -p "$corpus"
    local args=(-max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
                -artifact_prefix="$build_dir/artifacts/$t-")
    [ "$t" = fuzz_sse_parser ] && args+=(-dict=tests/fuzz/sse.dict)
    local seeds=()
    [ -d "tests/fuzz/corpus/$t" ] && seeds+=("tests/fuzz/corpus/$t")
    "$build_dir/tests/fuzz/$t" "${args[@]}" "$corpus" "${seeds[@]}" 2>"$build_dir/$t.log"
}

failed=()
mkdir -p "$build_dir/artifacts"
jobs_at_once=${FUZZ_JOBS:-$(nproc)}
# In rounds of jobs_at_once targets, each fuzzing on a core of its own.
for ((first = 0; first < ${#targets[@]}; first += jobs_at_once)); do
    round=("${targets[@]:first:jobs_at_once}")
    pids=()
    for t in "${round[@]}"; do
        fuzz_one "$t" &
        pids+=($!)
    done
    for i in "${!round[@]}"; do
        t=${round[$i]}
        if ! wait "${pids[$i]}"; then
            failed+=("$t")
            echo "fuzz: $t FAILED"
            tail -n 40 "$build_dir/$t.log"
        else
            echo "fuzz: $t ran ${seconds}s"
            grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "$build_dir/$t.log" | sed "s/^/  /" || true
        fi
    done
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]} (inputs in $build_dir/artifacts/)"
    exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s without a finding"
