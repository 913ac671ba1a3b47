#!/usr/bin/env bash
# Responses on one budget (issues 18, 19): INPUTS short texts through `paced-batch --api responses`,
# streamed, in the background (polled), in the background completed by webhook, and through the Batch API
# (polled, and completed by webhook); the first two beside the official Node SDK behind one GCRA pacer on
# its fetch (benchmarks/node/paced_peer.mjs --api responses: the background guide's 1 s retrieve loop, or
# a stream), against paced-emulator's global layout (one budget for every request of the key). Prints one
# markdown table: completed, wall time, requests per input, inputs per minute, the share of the physical
# limit (RPM / requests per input), 429s.
#
#   benchmarks/responses.sh [BUILD_DIR]
#
# Environment: RPM (600), TPM (2000000), INPUTS (500), RUN_MS (1000), POLL_MS (1000), BATCH_MS (30000: how
# long the emulator takes over a batch; the service takes up to 24 h), BATCH_POLL_MS (5000), MODES
# ("stream poll webhook batch-api batch-api-webhook"). Each client gets a fresh emulator. Builds nothing: BUILD_DIR (default build) must hold tools/paced-emulator and
# tools/paced-batch; node needs the SDK that scripts/setup.sh installs in tests/compat.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build_dir=${1:-${BUILD_DIR:-build}}
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
emulator="$build_dir/tools/paced-emulator"
batch="$build_dir/tools/paced-batch"
rpm=${RPM:-600}
tpm=${TPM:-2000000}
inputs=${INPUTS:-500}
run_ms=${RUN_MS:-1000}
poll_ms=${POLL_MS:-1000}
batch_ms=${BATCH_MS:-30000}
batch_poll_ms=${BATCH_POLL_MS:-5000}
modes=${MODES:-stream poll webhook batch-api batch-api-webhook}
[ -x "$emulator" ] && [ -x "$batch" ] || { echo "build paced-emulator and paced-batch in $build_dir" >&2; exit 1; }

work=$(mktemp -d)
emu_pid=""
cleanup() {
    [ -z "$emu_pid" ] || { kill "$emu_pid" 2>/dev/null || true; wait "$emu_pid" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/files"
words=(good bad approve reject yes no accept deny positive negative true false)
for i in $(seq -w 1 "$inputs"); do
    n=$((10#$i))
    {
        echo "Document $i: quarterly review of supplier $((n % 37))."
        echo "The committee says ${words[$((n % 12))]} and ${words[$(((n * 7) % 12))]} on item $((n * 13 % 101))."
    } >"$work/files/doc_$i.txt"
done

start_emulator() { # more flags...
    "$emulator" --port 0 --rpm "$rpm" --tpm "$tpm" --rate-layout global --run-ms "$run_ms" \
        --batch-ms "$batch_ms" "$@" >"$work/emu.out" 2>&1 &
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
row() { # client, mode
    jq -rn --slurpfile b "$work/result.json" --slurpfile e "$work/emu.json" --arg c "$1" --arg m "$2" \
        --argjson rpm "$rpm" '
        ($b[0]) as $b | ($e[0]) as $e |
        ($e.requests_total / ([$b.completed, 1] | max)) as $per |
        ($b.completed / $b.wall_seconds * 60) as $ipm |
        "| \($c) | \($m) | \($b.completed)/\($b.files) | \($b.wall_seconds * 10 | round / 10) | " +
        "\($per * 100 | round / 100) | \($ipm * 10 | round / 10) | \($rpm / $per * 10 | round / 10) | " +
        "\($ipm * $per / $rpm * 1000 | round / 10) % | \($e.rate_limited_429) |"'
}

echo "| client | mode | completed | wall s | requests per input | inputs/min | physical limit inputs/min | share of the limit | 429s |"
echo "|---|---|---|---|---|---|---|---|---|"
# A free port for the webhook receiver, which the emulator must be told before paced-batch starts.
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 30000))
        (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    echo "no free port" >&2
    exit 1
}
secret=whsec_cGFjZWQtYmVuY2htYXJrLXNlY3JldA==

paced_batch() { # flags...
    OPENAI_WEBHOOK_SECRET=$secret "$batch" --base-url "$url" --api-key sk-bench --api responses \
        --model gpt-4o-mini --rpm "$rpm" --tpm "$tpm" --quiet --attach inline \
        --stats-json "$work/result.json" "$@" "$work/files" || true
}

for mode in $modes; do
    port=$(free_port)
    hooks=(--webhook-url "http://127.0.0.1:$port/hooks" --webhook-secret "$secret")
    listen=(--webhook-listen "127.0.0.1:$port")
    rm -f "$work/out.jsonl" "$work/out.jsonl.batches"
    case "$mode" in
    stream | poll)
        start_emulator
        paced_batch --mode "$mode" --poll-interval "$poll_ms"
        stop_emulator
        row "paced-batch --api responses" "$mode"
        start_emulator
        node "$here/node/paced_peer.mjs" --api responses --base-url "$url" --files "$work/files" --rpm "$rpm" \
            --mode "$mode" --out "$work/result.json" 2>/dev/null || true
        stop_emulator
        row "Node SDK + GCRA pacer" "$mode"
        ;;
    webhook)
        start_emulator "${hooks[@]}"
        paced_batch --mode poll "${listen[@]}"
        stop_emulator
        row "paced-batch --api responses" "background + webhook"
        ;;
    batch-api)
        start_emulator
        paced_batch --via batch-api --batch-poll-ms "$batch_poll_ms" --out "$work/out.jsonl"
        stop_emulator
        row "paced-batch --api responses" "Batch API, polled every $((batch_poll_ms / 1000)) s"
        ;;
    batch-api-webhook)
        start_emulator "${hooks[@]}"
        paced_batch --via batch-api --batch-poll-ms 600000 --out "$work/out.jsonl" "${listen[@]}"
        stop_emulator
        row "paced-batch --api responses" "Batch API + webhook"
        ;;
    *)
        echo "unknown mode $mode" >&2
        exit 1
        ;;
    esac
done
