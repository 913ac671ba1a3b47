#!/usr/bin/env bash
# The benchmark of issue 5 (and the stream vs poll row of issue 6), in one run against paced-emulator on
# loopback. Prints ONE markdown table, writes it to benchmarks/results/results.md and draws
# benchmarks/results/requests_per_second.png (gnuplot).
#
#   1. Budget use: paced-batch (stream mode, then poll mode) on FILES files at RPM/TPM, on the emulator's
#      LAYOUT (default global: one budget for every request of the key), beside the strongest peer: the
#      official Node SDK behind one GCRA pacer on its fetch, with the same requests per file (poll, stream).
#   2. The official Node SDK on the same workload: Promise.all over createAndPoll (default retries), and
#      a sequential loop that sleeps between files, stopped after NAIVE_CAP_S seconds.
#   3. Client cost: CPU and peak RSS (/usr/bin/time) of 1 and 2; like for like, both SDKs completing the
#      same files with the same requests, rate limits off (paced-batch and Node's Promise.all, stream and
#      poll); and bench_concurrent_runs: RUNS runs at once in one process on one thread (rate limits off,
#      runs of CONCURRENT_RUN_MS).
#   4. The plot: requests per second per budget over time for each client, 429s marked, budget line.
# Each client gets a fresh emulator (fresh budgets, counters and request log).
#
# Builds nothing unless a program is missing: then it configures and builds BUILD_DIR (Release, the
# targets paced-emulator, paced-batch, bench_concurrent_runs) with -j2.
# Environment: BUILD_DIR (default build-bench), LAYOUT (global), RPM (600), TPM (2000000), FILES (500), RUN_MS (1000),
# NAIVE_CAP_S (90), RUNS (10000), CONCURRENT_RUN_MS (20000), KEEP_WORK=1 keeps the raw outputs.
# Needs: node (the official SDK installed in tests/compat/node_modules by scripts/setup.sh), gnuplot
# (gnuplot-nox) and GNU time (/usr/bin/time); the last two are installed with apt-get when missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build_dir=${BUILD_DIR:-build-bench}
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
layout=${LAYOUT:-global}
rpm=${RPM:-600}
tpm=${TPM:-2000000}
files=${FILES:-500}
run_ms=${RUN_MS:-1000}
naive_cap_s=${NAIVE_CAP_S:-90}
runs=${RUNS:-10000}
concurrent_run_ms=${CONCURRENT_RUN_MS:-20000}
results="$here/results"

emulator="$build_dir/tools/paced-emulator"
batch="$build_dir/tools/paced-batch"
concurrent="$build_dir/benchmarks/bench_concurrent_runs"

say() { echo "bench: $*" >&2; }

# ---- prerequisites -----------------------------------------------------------------------------------
missing_pkgs=()
[ -x /usr/bin/time ] || missing_pkgs+=(time)
command -v gnuplot >/dev/null || missing_pkgs+=(gnuplot-nox)
if [ ${#missing_pkgs[@]} -gt 0 ]; then
    say "installing ${missing_pkgs[*]} (Debian packages)"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null
fi
command -v node >/dev/null || { say "node is needed (scripts/setup.sh)"; exit 1; }
[ -d "$root/tests/compat/node_modules/openai" ] || { say "the Node SDK is missing: run scripts/setup.sh (npm ci in tests/compat)"; exit 1; }
if [ ! -x "$emulator" ] || [ ! -x "$batch" ] || [ ! -x "$concurrent" ]; then
    say "building into $build_dir"
    [ -f "$build_dir/build.ninja" ] || cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DPACED_BUILD_TESTS=OFF -DPACED_BUILD_EXAMPLES=OFF -DPACED_BUILD_BENCHMARKS=ON >/dev/null
    cmake --build "$build_dir" --target paced-emulator paced-batch bench_concurrent_runs -j2
fi
# 10,000 runs in stream mode would need a socket each; poll mode needs few, but leave room anyway.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d)
emu_pid=""
cleanup() {
    if [ -n "$emu_pid" ]; then kill "$emu_pid" 2>/dev/null || true; wait "$emu_pid" 2>/dev/null || true; fi
    if [ "${KEEP_WORK:-0}" = 1 ]; then say "raw outputs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ---- the workload: FILES short texts, each with a few yes/no words --------------------------------------
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

# ---- one emulator per client ---------------------------------------------------------------------------
url=""
start_emulator() { # name, extra flags...
    local name=$1
    shift
    "$emulator" --port 0 --request-log "$work/$name.log" "$@" >"$work/$name.emu.out" 2>"$work/$name.emu.err" &
    emu_pid=$!
    url=""
    for _ in $(seq 200); do
        url=$(sed -n '1s/^listening on \(http[^ ]*\)$/\1/p' "$work/$name.emu.out")
        [ -n "$url" ] && break
        sleep 0.05
    done
    [ -n "$url" ] || { say "the emulator did not start:"; cat "$work/$name.emu.err" >&2; exit 1; }
    url="$url/v1"
}
stop_emulator() { # name
    curl -sf "$url/emulator/stats" >"$work/$1.stats.json" || echo '{}' >"$work/$1.stats.json"
    kill -TERM "$emu_pid"
    wait "$emu_pid" || true
    emu_pid=""
}
timed() { # name, command...: GNU time's "%e %U %S %M" (wall, user, sys, peak RSS KiB) into NAME.time
    local name=$1
    shift
    /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" "$@"
}
limits=(--rpm "$rpm" --tpm "$tpm" --run-ms "$run_ms" --rate-layout "$layout")

for mode in stream poll; do
    say "paced-batch --mode $mode: $files files at $rpm RPM ($layout layout)"
    start_emulator "paced_$mode" "${limits[@]}"
    # The peer's requests: an upload and a create-thread-and-run per file (benchmarks/batch_modes.sh
    # measures paced-batch's other modes, its default among them).
    timed "paced_$mode" "$batch" --base-url "$url" --api-key sk-bench --model gpt-4o-mini \
        --threads with-run --attach upload \
        --rpm "$rpm" --tpm "$tpm" --mode "$mode" --rate-layout "$layout" --quiet \
        --stats-json "$work/paced_$mode.batch.json" "$work/files" || say "paced-batch --mode $mode exited with $?"
    stop_emulator "paced_$mode"
    say "Node SDK behind a GCRA pacer, $mode: $files files at $rpm RPM"
    start_emulator "peer_$mode" "${limits[@]}"
    timed "peer_$mode" node "$here/node/paced_peer.mjs" --base-url "$url" --files "$work/files" --rpm "$rpm" \
        --mode "$mode" --out "$work/peer_$mode.json" || say "paced_peer --mode $mode exited with $?"
    stop_emulator "peer_$mode"
done

say "Node SDK, Promise.all over createAndPoll: $files files"
start_emulator node_all "${limits[@]}"
timed node_all node "$here/node/promise_all.mjs" --base-url "$url" --files "$work/files" --out "$work/node_all.json" ||
    say "promise_all exited with $?"
stop_emulator node_all

# The loop's user counts 5 requests per file (upload, thread, run, 2 retrievals: one at once, one after the
# SDK's 5 s poll interval) and sleeps 60 s / RPM for each.
naive_per_file=5
naive_pause_ms=$(awk -v r="$rpm" -v k="$naive_per_file" 'BEGIN {printf "%d", 60000 / r * k}')
say "Node SDK, sequential loop for $naive_cap_s s"
start_emulator node_naive "${limits[@]}"
timed node_naive node "$here/node/naive_loop.mjs" --base-url "$url" --files "$work/files" --rpm "$rpm" \
    --requests-per-file "$naive_per_file" --cap-s "$naive_cap_s" --out "$work/node_naive.json" ||
    say "naive_loop exited with $?"
stop_emulator node_naive

# Like for like: with the rate limits off, both SDKs complete every file with the same requests (the upload,
# then the run streamed or created and polled), so their CPU per request compares the same work. Under the
# limits above, Node's requests are mostly 429 answers and paced's are spread out by its pacing.
for mode in stream poll; do
    say "like for like, rate limits off, $mode: paced-batch, then the Node SDK (Promise.all)"
    start_emulator "free_paced_$mode" --run-ms "$run_ms"
    timed "free_paced_$mode" "$batch" --base-url "$url" --api-key sk-bench --model gpt-4o-mini --mode "$mode" \
        --threads with-run --attach upload --quiet --stats-json "$work/free_paced_$mode.batch.json" "$work/files" ||
        say "paced-batch --mode $mode (limits off) exited with $?"
    stop_emulator "free_paced_$mode"
    start_emulator "free_node_$mode" --run-ms "$run_ms"
    timed "free_node_$mode" node "$here/node/promise_all.mjs" --mode "$mode" --base-url "$url" --files "$work/files" \
        --out "$work/free_node_$mode.json" || say "promise_all --mode $mode (limits off) exited with $?"
    stop_emulator "free_node_$mode"
done

say "bench_concurrent_runs: $runs runs at once (rate limits off, runs of $concurrent_run_ms ms)"
start_emulator concurrent --run-ms "$concurrent_run_ms"
# The emulator's open runs, sampled every second, show that the runs were all open at once.
(
    while sleep 1; do
        curl -sf "$url/emulator/stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).runs_open)}catch{}})' || true
    done
) >"$work/concurrent.open" 2>/dev/null &
sampler=$!
timed concurrent "$concurrent" --base-url "$url" --runs "$runs" --mode poll --poll-interval-ms 10000 \
    >"$work/concurrent.json" || say "bench_concurrent_runs exited with $?"
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
stop_emulator concurrent

# ---- the table and the plot -----------------------------------------------------------------------------
node_sdk=$(node -p "require('$root/tests/compat/node_modules/openai/package.json').version")
machine="$(nproc) cores, $(uname -m), load average $(cut -d' ' -f1 /proc/loadavg) at the end"
cat >"$work/settings.json" <<EOF
{"layout": "$layout", "rpm": $rpm, "tpm": $tpm, "files": $files, "run_ms": $run_ms, "naive_cap_s": $naive_cap_s,
 "naive_pause_ms": $naive_pause_ms, "runs": $runs, "concurrent_run_ms": $concurrent_run_ms,
 "node_sdk": "$node_sdk", "machine": "$machine"}
EOF
mkdir -p "$results"
node "$here/node/analyze.mjs" "$work" "$results"
cp "$work/table.md" "$results/results.md"
gnuplot -e "work='$work'; out='$results/requests_per_second.png'; rpm=$rpm" "$here/plot.gp" ||
    say "gnuplot failed; the table is still in $results/results.md"
say "wrote $results/results.md and $results/requests_per_second.png"
