#!/usr/bin/env bash
# What each paced-batch mode costs on one budget: requests per file and files per minute for every
# --threads mode, --attach inline and upload, stream and poll, against paced-emulator's global layout
# (one budget for every request of the key) at a low limit. Prints one markdown table (docs/batch.md
# keeps the latest).
#
#   benchmarks/batch_modes.sh [BUILD_DIR]
#
# Environment: RPM (600), TPM (2000000), FILES (300), RUN_MS (1000), POLL_MS (1000), MODES (every
# "threads/attach/mode" triple, space-separated, e.g. "pool/inline/stream with-run/upload/stream"), PEER
# (modes of the paced Node peer to add as rows, e.g. "stream poll"; none by default).
# Each configuration gets a fresh emulator. Builds nothing: BUILD_DIR (default build) must hold
# tools/paced-emulator and tools/paced-batch.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build_dir=${1:-${BUILD_DIR:-build}}
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
emulator="$build_dir/tools/paced-emulator"
batch="$build_dir/tools/paced-batch"
rpm=${RPM:-600}
tpm=${TPM:-2000000}
files=${FILES:-300}
run_ms=${RUN_MS:-1000}
poll_ms=${POLL_MS:-1000}
peer_modes=${PEER:-}
modes=${MODES:-"pool/inline/stream pool/upload/stream per-file/inline/stream per-file/upload/stream
with-run/inline/stream with-run/upload/stream pool/inline/poll pool/upload/poll per-file/inline/poll
per-file/upload/poll with-run/inline/poll with-run/upload/poll"}
[ -x "$emulator" ] && [ -x "$batch" ] || { echo "build paced-emulator and paced-batch in $build_dir" >&2; exit 1; }

work=$(mktemp -d)
emu_pid=""
cleanup() {
    [ -z "$emu_pid" ] || { kill "$emu_pid" 2>/dev/null || true; wait "$emu_pid" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT

# The workload of benchmarks/run.sh: FILES short texts (~200 bytes), each with a few yes/no words.
mkdir -p "$work/files"
words=(good bad approve reject yes no accept deny positive negative true false)
for i in $(seq -w 1 "$files"); do
    n=$((10#$i))
    {
        echo "Document $i: quarterly review of supplier $((n % 37))."
        echo "The committee says ${words[$((n % 12))]} and ${words[$(((n * 7) % 12))]} on item $((n * 13 % 101))."
        echo "Notes: delivery was ${words[$(((n * 5) % 12))]}; invoice $((n * 31)) is attached for reference."
    } >"$work/files/doc_$i.txt"
done

echo "| --threads | --attach | --mode | completed | wall s | requests per file | files/min | share of $rpm RPM | threads created | 429s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
start_emulator() {
    "$emulator" --port 0 --rpm "$rpm" --tpm "$tpm" --rate-layout global --run-ms "$run_ms" >"$work/emu.out" 2>&1 &
    emu_pid=$!
    url=""
    for _ in $(seq 200); do
        url=$(sed -n '1s/^listening on \(http[^ ]*\)$/\1/p' "$work/emu.out")
        [ -n "$url" ] && break
        sleep 0.05
    done
    [ -n "$url" ] || { echo "the emulator did not start: $(cat "$work/emu.out")" >&2; exit 1; }
    url="$url/v1"
}
stop_emulator() {
    curl -sf "$url/emulator/stats" >"$work/emu.json"
    kill -TERM "$emu_pid"
    wait "$emu_pid" || true
    emu_pid=""
}
# One row from $work/batch.json (files, completed, wall_seconds) and the emulator's stats.
row() { # threads, attach, mode
    jq -rn --slurpfile b "$work/batch.json" --slurpfile e "$work/emu.json" \
        --arg t "$1" --arg a "$2" --arg m "$3" --argjson rpm "$rpm" '
        ($b[0]) as $b | ($e[0]) as $e |
        ($e.requests_total / $b.completed) as $per_file |
        ($b.completed / $b.wall_seconds * 60) as $fpm |
        "| \($t) | \($a) | \($m) | \($b.completed)/\($b.files) | \($b.wall_seconds * 10 | round / 10) | " +
        "\($per_file * 100 | round / 100) | \($fpm * 10 | round / 10) | " +
        "\($fpm * $per_file / $rpm * 1000 | round / 10) % | \($e.requests_per_route["POST /v1/threads"] // 0) | " +
        "\($e.rate_limited_429) |"'
}

for m in $modes; do
    IFS=/ read -r threads attach mode <<<"$m"
    start_emulator
    "$batch" --base-url "$url" --api-key sk-bench --model gpt-4o-mini --rpm "$rpm" --tpm "$tpm" --quiet \
        --threads "$threads" --attach "$attach" --mode "$mode" --poll-interval "$poll_ms" \
        --stats-json "$work/batch.json" "$work/files" || true
    stop_emulator
    row "$threads" "$attach" "$mode"
done
# The paced Node peer of benchmarks/run.sh on the same files and budget (an upload and a
# create-thread-and-run per file), so that files/min can be compared within one run.
for mode in $peer_modes; do
    start_emulator
    node "$here/node/paced_peer.mjs" --base-url "$url" --files "$work/files" --rpm "$rpm" --mode "$mode" \
        --out "$work/batch.json" 2>/dev/null || true
    stop_emulator
    row "Node SDK + GCRA pacer" upload "$mode"
done
