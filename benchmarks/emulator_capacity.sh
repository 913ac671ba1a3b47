#!/usr/bin/env bash
# Capacity of paced-emulator (issue: "it must never be the bottleneck"):
#   1. simple requests per second with wrk (GET /v1/assistants/{id} with the Authorization and OpenAI-Beta
#      headers, rate limits off, 2 threads, 64 connections, ~10 s) and its p50/p99 latency;
#   2. the emulator's resident memory idle and with 10,000 open runs.
# Builds nothing: it runs ${BUILD_DIR:-build}/tools/paced-emulator, or the path given as the first argument.
# Prints a markdown table. Environment: BUILD_DIR, DURATION (wrk -d, default 10s), THREADS (2),
# CONNECTIONS (64), RUNS (10000).
# wrk and the emulator share the machine, so requests/s is only the emulator's limit on an otherwise idle
# machine; the emulator's own CPU time per request (from /proc) is printed too, and does not depend on load.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build_dir=${BUILD_DIR:-build}
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
emulator=${1:-$build_dir/tools/paced-emulator}
duration=${DURATION:-10s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-64}
runs=${RUNS:-10000}

if [ ! -x "$emulator" ]; then
    echo "emulator_capacity: no paced-emulator at $emulator (build it, set BUILD_DIR or pass its path)" >&2
    exit 1
fi
command -v node >/dev/null || { echo "emulator_capacity: node is needed to read JSON (scripts/setup.sh)" >&2; exit 1; }
command -v curl >/dev/null || { echo "emulator_capacity: curl is needed" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
    echo "emulator_capacity: installing wrk (Debian package)" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# Rate limits off (no --rpm/--tpm); runs last an hour so that they all stay open.
"$emulator" --port 0 --run-ms 3600000 >"$work/stdout" 2>"$work/stderr" &
pid=$!
url=""
for _ in $(seq 100); do
    url=$(sed -n '1s/^listening on \(http[^ ]*\)$/\1/p' "$work/stdout")
    [ -n "$url" ] && break
    sleep 0.1
done
[ -n "$url" ] || { echo "emulator_capacity: the emulator did not start:" >&2; cat "$work/stderr" >&2; exit 1; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$pid/stat"; }
mb() { awk -v kb="$1" 'BEGIN {printf "%.1f MB", kb / 1024}'; }
api() { curl -sf -H 'Authorization: Bearer sk-bench' -H 'OpenAI-Beta: assistants=v2' "$@"; }
json_field() { node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s)[process.argv[1]] ?? ""))' "$1"; }

sleep 0.2
rss_idle=$(rss_kb)
assistant=$(api -H 'Content-Type: application/json' -d '{"model":"gpt-4o-mini","name":"bench"}' "$url/v1/assistants" |
            json_field id)
[ -n "$assistant" ] || { echo "emulator_capacity: could not create an assistant" >&2; exit 1; }

echo "emulator_capacity: wrk -t$threads -c$connections -d$duration GET $url/v1/assistants/$assistant" >&2
cpu0=$(cpu_s)
wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$here/emulator_capacity.lua" \
    "$url/v1/assistants/$assistant" >"$work/wrk.txt"
cpu1=$(cpu_s)
cat "$work/wrk.txt" >&2
rps=$(awk '/^Requests\/sec:/ {printf "%d", $2}' "$work/wrk.txt")
total=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
errors=$(awk '/^error answers:/ {print $3}' "$work/wrk.txt")
p50=$(awk '/^p50_us/ {printf "%.2f ms", $2 / 1000}' "$work/wrk.txt")
p99=$(awk '/^p99_us/ {printf "%.2f ms", $2 / 1000}' "$work/wrk.txt")
cpu_used=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {printf "%.2f", b - a}')
per_cpu=$(awk -v n="$total" -v c="$cpu_used" 'BEGIN {if (c > 0) printf "%d", n / c; else print "n/a"}')
rss_after_wrk=$(rss_kb)

echo "emulator_capacity: creating $runs runs (POST /v1/threads/runs)" >&2
# wrk sends exactly $runs creations (then cheap GETs); it cannot end itself before -d, so we watch the
# emulator's counters and stop it with SIGINT (it then prints its summary).
runs_before=$(curl -sf "$url/v1/emulator/stats" | json_field runs_created)
t0=$(date +%s.%N)
wrk -t1 -c16 -d600s --timeout 30s -s "$here/emulator_open_runs.lua" "$url/v1/threads/runs" -- "$runs" "$assistant" \
    >"$work/runs.txt" &
wrk_pid=$!
created=0
while kill -0 "$wrk_pid" 2>/dev/null; do
    created=$(( $(curl -sf "$url/v1/emulator/stats" | json_field runs_created) - runs_before ))
    [ "$created" -ge "$runs" ] && break
    sleep 0.2
done
t1=$(date +%s.%N)
kill -INT "$wrk_pid" 2>/dev/null || true
wait "$wrk_pid" || true
cat "$work/runs.txt" >&2
create_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f s", b - a}')
open=$(curl -sf "$url/v1/emulator/stats" | json_field runs_open)
sleep 0.2
rss_runs=$(rss_kb)

cat <<TABLE

| paced-emulator capacity ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)) | value |
|---|---|
| simple requests/s (wrk -t$threads -c$connections -d$duration, GET /v1/assistants/{id}, rate limits off) | $rps |
| latency p50 / p99 | $p50 / $p99 |
| error answers during the wrk run | ${errors:-?} |
| emulator CPU time for the $total requests | $cpu_used s ($per_cpu requests per CPU-second) |
| RSS idle | $(mb "$rss_idle") |
| RSS after the wrk run | $(mb "$rss_after_wrk") |
| RSS with $open open runs (created by wrk -t1 -c16 in $create_s) | $(mb "$rss_runs") |
TABLE
[ "$created" = "$runs" ] && [ "$open" = "$runs" ] || { echo "emulator_capacity: only $created runs created, $open open" >&2; exit 1; }
