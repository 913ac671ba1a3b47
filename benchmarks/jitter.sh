#!/usr/bin/env bash
# How much latency allowance zero 429s needs when the server counts requests late and out of order:
# paced-batch (stream mode) against paced-emulator --transit-jitter-ms J, for each allowance A, at a limit
# with bursts (300 RPM, B = 5) and one without (60 RPM, B = 1). Prints one markdown table: 429s, wall time.
#
# The emulator sends no x-ratelimit-* headers (--no-rate-limit-headers; HEADERS=1 sends them): with them
# the budget re-synchronises with the server after every answer, which hides what the allowance is for.
# Environment: BUILD_DIR (default build), JITTERS ("80 200"), ALLOWANCES ("0 50 100 250"), FILES_300 (40),
# FILES_60 (15), HEADERS (0).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build_dir=${BUILD_DIR:-build}
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
emulator="$build_dir/tools/paced-emulator"
batch="$build_dir/tools/paced-batch"
[ -x "$emulator" ] && [ -x "$batch" ] || { echo "jitter: build paced-emulator and paced-batch first" >&2; exit 1; }
jitters=${JITTERS:-"80 200"}
allowances=${ALLOWANCES:-"0 50 100 250"}

work=$(mktemp -d)
emu_pid=""
cleanup() {
    [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

make_files() { # dir count
    mkdir -p "$1"
    for i in $(seq 1 "$2"); do echo "Item $i: the result looks good and is approved." >"$1/$i.txt"; done
}
make_files "$work/in300" "${FILES_300:-40}"
make_files "$work/in60" "${FILES_60:-15}"

echo "| RPM (burst) | transit jitter | latency allowance | files | 429s | wall s |"
echo "|---|---|---|---|---|---|"
for rpm in 300 60; do
    burst=$((rpm / 60))
    for j in $jitters; do
        for a in $allowances; do
            headers=(--no-rate-limit-headers)
            [ "${HEADERS:-0}" = 1 ] && headers=()
            "$emulator" --port 0 --rpm "$rpm" --transit-jitter-ms "$j" --run-ms 800 --seed "$((j + a))" \
                "${headers[@]}" >"$work/emu.out" 2>&1 &
            emu_pid=$!
            url=
            for _ in $(seq 1 200); do
                url=$(sed -n 's/^listening on \(.*\)$/\1/p' "$work/emu.out")
                [ -n "$url" ] && break
                sleep 0.05
            done
            start=$(date +%s%N)
            "$batch" --base-url "$url/v1" --api-key sk-jitter --model gpt-4o-mini --rpm "$rpm" \
                --latency-allowance-ms "$a" --quiet --stats-json "$work/stats.json" "$work/in$rpm" \
                2>/dev/null || true
            wall=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
            refused=$(curl -sf "$url/v1/emulator/stats" | jq -r .rate_limited_429)
            kill "$emu_pid"
            wait "$emu_pid" 2>/dev/null || true
            emu_pid=""
            printf '| %s (%s) | %s ms | %s ms | %s | %s | %s |\n' "$rpm" "$burst" "$j" "$a" \
                "$(jq -r .files "$work/stats.json")" "$refused" "$wall"
        done
    done
done
