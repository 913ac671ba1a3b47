#!/usr/bin/env bash
# End-to-end tests of the paced-batch program against paced-emulator, through the binaries as a user
# runs them. One ctest entry per case (tests/CMakeLists.txt):
#
#   paced_batch_test.sh CASE EMULATOR BATCH
#
# CASE is one of: completes, connections, resume, failures, usage, terminal, redis, low-limit, global-300,
# jitter, per-model, learns, run-retries, shard, attach, threads, faults-stream, faults-poll, faults-pool, responses,
# batch-api. Needs curl, jq, tmux and redis-server (scripts/setup.sh).
set -euo pipefail
case_name=$1
emulator=$2
batch=$3
work=$(mktemp -d)
emulator_pid=
tmux_socket="paced-batch-test-$$"

more_emulators=()

cleanup() {
    [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
    for pid in "${more_emulators[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    tmux -L "$tmux_socket" kill-server 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL [$case_name]: $*" >&2
    exit 1
}

# Ends the case, reported by ctest as Skipped through this marker (tests/common/test_skip.hpp): a
# developer without the tool sees the skip, and CI, which must run every case, fails on it.
skip() {
    echo "PACED_TEST_SKIPPED: [$case_name] $*"
    exit 0
}

# Starts paced-emulator with the given flags on a free port; sets $base_url.
start_emulator() {
    "$emulator" --port 0 "$@" >"$work/emulator.out" 2>&1 &
    emulator_pid=$!
    base_url=
    for _ in $(seq 1 200); do
        base_url=$(sed -n 's/^listening on \(.*\)$/\1/p' "$work/emulator.out" | head -n1)
        [ -n "$base_url" ] && break
        kill -0 "$emulator_pid" 2>/dev/null || fail "the emulator did not start: $(cat "$work/emulator.out")"
        sleep 0.05
    done
    [ -n "$base_url" ] || fail "the emulator printed no 'listening on' line"
    base_url="$base_url/v1"
    export OPENAI_BASE_URL="$base_url" OPENAI_API_KEY=sk-batch-test
}

# Starts one more paced-emulator (beside the one of start_emulator) and sets the variable named $1 to its
# base URL. Not to be called in a subshell: cleanup stops the emulators recorded here.
spawn_emulator() {
    # Locals with names no caller uses: printf -v would set a local of the same name instead.
    local spawn_var=$1 spawn_out spawn_url=
    shift
    spawn_out=$(mktemp -p "$work")
    "$emulator" --port 0 "$@" >"$spawn_out" 2>&1 &
    more_emulators+=($!)
    for _ in $(seq 1 200); do
        spawn_url=$(sed -n 's/^listening on \(.*\)$/\1/p' "$spawn_out" | head -n1)
        [ -n "$spawn_url" ] && break
        sleep 0.05
    done
    [ -n "$spawn_url" ] || fail "an emulator did not start: $(cat "$spawn_out")"
    printf -v "$spawn_var" '%s' "$spawn_url/v1"
}

# One field of the emulator's statistics (of the emulator at $2 when given).
stat() {
    curl -sf "${2:-$base_url}/emulator/stats" | jq -r ".$1"
}

# Runs paced-batch on $work/in against the emulator at URL, in MODE, writing $work/NAME.jsonl, with more
# flags; fails unless every file completed. Meant to run in the background, several at once.
batch_against() { # url name mode flags...
    local url=$1 name=$2 mode=$3
    shift 3
    local rc=0
    OPENAI_BASE_URL=$url OPENAI_API_KEY=sk-batch-test "$batch" --model gpt-4o-mini --mode "$mode" --quiet \
        --out "$work/$name.jsonl" --stats-json "$work/$name.stats.json" "$@" "$work/in" 2>"$work/$name.err" || rc=$?
    echo "$rc" >"$work/$name.rc"
}

# Waits for the batch_against runs started in the background (not for the emulators, which run on).
batch_pids=()
wait_batches() {
    wait "${batch_pids[@]}"
    batch_pids=()
}

# Checks what batch_against left: exit code 0, every one of N files completed, no 429 at the emulator.
expect_clean_batch() { # url name files
    local url=$1 name=$2 files=$3
    expect_eq "$name: exit code ($(cat "$work/$name.err"))" 0 "$(cat "$work/$name.rc")"
    expect_eq "$name: completed files" "$files" \
        "$(jq -r 'select(.status == "completed") | .file' "$work/$name.jsonl" | sort -u | wc -l)"
    expect_eq "$name: 429s served by the emulator" 0 "$(stat rate_limited_429 "$url")"
    expect_eq "$name: 429s seen by paced-batch" 0 "$(jq -r .rate_limited_429 "$work/$name.stats.json")"
}

# The faults of issue 17, at a rate high enough for 100 files to meet them all: 5% of answers 500, 2% of
# connections reset (half of them after the request was handled), 3% of answers cut short after the work
# was done, 5% of runs failing with server_error (transient), at 6000 requests per minute.
fault_flags=(--fault-5xx 0.05 --fault-reset 0.02 --fault-truncate 0.03 --fault-run-fail 0.05 --rpm 6000
    --run-ms 300)

# Checks, from what the emulator saw, that a batch under faults did every one of N files exactly once:
# one line per file, all completed (no transient fault reached the user), one completed run per input and
# never two live runs of one input (the emulator tells runs of one input by what they were asked, not by
# the client's ids), every run the emulator created counted by a line, and the faults really injected.
expect_exactly_once() { # url name files
    local url=$1 name=$2 files=$3
    expect_clean_batch "$url" "$name" "$files"
    expect_eq "$name: lines" "$files" "$(wc -l <"$work/$name.jsonl")"
    expect_eq "$name: distinct files" "$files" "$(jq -r .file "$work/$name.jsonl" | sort -u | wc -l)"
    curl -sf "$url/emulator/stats" >"$work/$name.server.json"
    server() { jq -r ".$1" "$work/$name.server.json"; }
    expect_eq "$name: inputs the emulator ran" "$files" "$(server run_inputs)"
    expect_eq "$name: completed runs" "$files" "$(server runs_completed)"
    expect_eq "$name: inputs completed more than once" 0 "$(server inputs_completed_more_than_once)"
    expect_eq "$name: most live runs of one input at once" 1 "$(server live_runs_per_input_max)"
    expect_eq "$name: runs refused for an active run" 0 "$(server active_run_conflicts)"
    expect_eq "$name: runs counted by the lines" "$(server runs_created)" \
        "$(jq -s 'map(.runs) | add' "$work/$name.jsonl")"
    for fault in server_error reset truncate; do
        [ "$(server "faults.$fault")" -gt 0 ] || fail "$name: no $fault fault injected; the case tests less than it says"
    done
    [ "$(server runs_failed)" -gt 0 ] || fail "$name: no run failed; the case tests less than it says"
}

# N small text files under $work/in.
make_inputs() {
    mkdir -p "$work/in"
    for i in $(seq 1 "$1"); do
        printf 'Item %d: the result looks good and is approved.\n' "$i" >"$work/in/item-$(printf '%03d' "$i").txt"
    done
}

# Counts the lines of the --out file whose status is $1.
count_status() {
    jq -r .status "$work/out.jsonl" | grep -cx "$1" || true
}

# Counts the lines of $work/NAME.jsonl whose status is $2.
count_status_in() {
    jq -r .status "$work/$1.jsonl" | grep -cx "$2" || true
}

expect_eq() { # what expected actual
    [ "$2" = "$3" ] || fail "$1: expected $2, got $3"
}

# Sends Ctrl-C (SIGINT) to the paced-batch of PID and checks how it ended: exit code 1, and on its stderr
# (in ERR_FILE) the notice of the interruption and the hint to resume.
interrupt_batch() { # pid err_file
    kill -INT "$1"
    local rc=0
    wait "$1" || rc=$?
    expect_eq "exit code of the interrupted batch" 1 "$rc"
    grep -q 'interrupted' "$2" || fail "no interruption notice: $(cat "$2")"
    grep -q -- '--resume' "$2" || fail "no hint to resume: $(cat "$2")"
}

case "$case_name" in
completes)
    # All files complete at a low RPM limit, with zero 429s, one run per file and one line per file.
    start_emulator --rpm 180 --run-ms 300 --run-jitter-ms 100
    make_inputs 15
    rc=0
    "$batch" --model gpt-4o-mini --rpm 180 --out "$work/out.jsonl" --stats-json "$work/stats.json" \
        "$work/in" 2>"$work/err" || rc=$?
    expect_eq "exit code" 0 "$rc"
    expect_eq "lines in --out" 15 "$(wc -l <"$work/out.jsonl")"
    expect_eq "completed lines" 15 "$(count_status completed)"
    expect_eq "distinct files" 15 "$(jq -r .file "$work/out.jsonl" | sort -u | wc -l)"
    expect_eq "lines without an answer" 0 "$(jq -r 'select(.answer == "" or .answer == null) | .file' "$work/out.jsonl" | wc -l)"
    expect_eq "lines with an error" 0 "$(jq -r 'select(.error != null) | .file' "$work/out.jsonl" | wc -l)"
    expect_eq "429s served by the emulator" 0 "$(stat rate_limited_429)"
    expect_eq "runs created" 15 "$(stat runs_created)"
    expect_eq "runs refused for an active run on their thread" 0 "$(stat active_run_conflicts)"
    expect_eq "stats-json completed" 15 "$(jq -r .completed "$work/stats.json")"
    expect_eq "stats-json 429s" 0 "$(jq -r .rate_limited_429 "$work/stats.json")"
    # Every request the emulator saw came from the batch and is counted by it (+1: the assistant; a pool
    # thread's creation is counted by the file that used it first).
    per_file=$(jq -s 'map(.requests) | add' "$work/out.jsonl")
    expect_eq "requests counted" "$(stat requests_total)" "$((per_file + 1))"
    grep -q 'completed 15' "$work/err" || fail "no summary on stderr: $(cat "$work/err")"
    ;;

connections)
    # In stream mode each file in flight holds a connection for its whole run: a --concurrency above the
    # client's default pool of 64 is honoured (each file on a thread of its own, whose creation waits for
    # the budget on its connection), and --max-connections bounds the connections opened.
    start_emulator --run-ms 1500
    make_inputs 80
    rc=0
    "$batch" --model gpt-4o-mini --concurrency 80 --threads per-file --quiet "$work/in" || rc=$?
    expect_eq "exit code" 0 "$rc"
    opened=$(stat connections_accepted)
    [ "$opened" -ge 80 ] || fail "80 files streamed at once need 80 connections; the emulator accepted $opened"
    kill "$emulator_pid"
    wait "$emulator_pid" 2>/dev/null || true
    start_emulator --run-ms 300
    rm -rf "$work/in"
    make_inputs 16
    rc=0
    "$batch" --model gpt-4o-mini --concurrency 16 --max-connections 4 --quiet "$work/in" || rc=$?
    expect_eq "exit code with 4 connections" 0 "$rc"
    curl -sf "$base_url/emulator/stats" >"$work/stats.json" # one request: its own connection counts too
    expect_eq "runs completed with 4 connections" 16 "$(jq -r .runs_completed "$work/stats.json")"
    opened=$(jq -r .connections_accepted "$work/stats.json")
    [ "$opened" -le 5 ] || fail "--max-connections 4: the emulator accepted $((opened - 1)) connections"
    ;;

resume)
    # Interrupted with Ctrl-C, the batch lets the files in flight finish and records them; --resume
    # then processes only the others, so no file gets a second run.
    start_emulator --rpm 240 --run-ms 700
    make_inputs 12
    "$batch" --model gpt-4o-mini --rpm 240 --concurrency 2 --out "$work/out.jsonl" "$work/in" 2>"$work/err1" &
    batch_pid=$!
    for _ in $(seq 1 300); do
        [ -f "$work/out.jsonl" ] && [ "$(wc -l <"$work/out.jsonl")" -ge 3 ] && break
        sleep 0.05
    done
    interrupt_batch "$batch_pid" "$work/err1"
    first=$(count_status completed)
    [ "$first" -ge 3 ] && [ "$first" -lt 12 ] || fail "expected 3..11 files done before the resume, got $first"
    expect_eq "runs created before the resume" "$first" "$(stat runs_created)"
    rc=0
    "$batch" --model gpt-4o-mini --rpm 240 --concurrency 4 --out "$work/out.jsonl" --resume \
        --stats-json "$work/stats.json" "$work/in" 2>"$work/err2" || rc=$?
    expect_eq "exit code of the resumed batch" 0 "$rc"
    expect_eq "completed lines" 12 "$(count_status completed)"
    expect_eq "distinct completed files" 12 "$(jq -r 'select(.status == "completed") | .file' "$work/out.jsonl" | sort -u | wc -l)"
    expect_eq "runs created in all" 12 "$(stat runs_created)"
    expect_eq "previously completed" "$first" "$(jq -r .previously_completed "$work/stats.json")"
    expect_eq "429s served by the emulator" 0 "$(stat rate_limited_429)"
    # A third run has nothing left to do and sends no run.
    "$batch" --model gpt-4o-mini --rpm 240 --out "$work/out.jsonl" --resume "$work/in" 2>"$work/err3" ||
        fail "a resume with nothing left failed: $(cat "$work/err3")"
    expect_eq "runs created after a resume with nothing left" 12 "$(stat runs_created)"
    ;;

failures)
    # Runs that fail on the server are reported per file, with the error, and the exit code is 1 (no new
    # runs here: run-retries tests those).
    start_emulator --fault-run-fail 0.5 --seed 11 --run-ms 100
    make_inputs 12
    rc=0
    "$batch" --model gpt-4o-mini --run-retries 0 --out "$work/out.jsonl" --stats-json "$work/stats.json" \
        "$work/in" 2>"$work/err" || rc=$?
    expect_eq "exit code" 1 "$rc"
    expect_eq "lines in --out" 12 "$(wc -l <"$work/out.jsonl")"
    failed=$(count_status failed)
    completed=$(count_status completed)
    [ "$failed" -gt 0 ] && [ "$completed" -gt 0 ] || fail "expected some failed and some completed, got $failed/$completed"
    expect_eq "failed + completed" 12 "$((failed + completed))"
    expect_eq "failed runs on the emulator" "$failed" "$(stat runs_failed)"
    expect_eq "failed lines without an error object" 0 \
        "$(jq -r 'select(.status == "failed" and (.error == null or .error.message == null or .run_id == "")) | .file' "$work/out.jsonl" | wc -l)"
    expect_eq "stats-json failed" "$failed" "$(jq -r .failed "$work/stats.json")"
    # A second batch with --resume retries only the failed files.
    "$batch" --model gpt-4o-mini --run-retries 0 --out "$work/out.jsonl" --resume "$work/in" 2>"$work/err2" || true
    expect_eq "runs created after resuming the failed files" "$((12 + failed))" "$(stat runs_created)"
    ;;

usage)
    # Bad usage gives a clear message on stderr and exit code 2, and sends nothing.
    start_emulator
    make_inputs 2
    mkdir -p "$work/empty"
    check_usage() { # expected-message-part args...
        local want=$1
        shift
        local rc=0
        "$batch" "$@" >"$work/usage.out" 2>"$work/usage.err" || rc=$?
        [ "$rc" = 2 ] || fail "paced-batch $*: expected exit code 2, got $rc: $(cat "$work/usage.err")"
        grep -qi -- "$want" "$work/usage.err" || fail "paced-batch $*: expected '$want' in: $(cat "$work/usage.err")"
    }
    check_usage "inputs" --model m
    check_usage "mode" --model m --mode fast "$work/in"
    check_usage "concurrency" --model m --concurrency 0 "$work/in"
    check_usage "assistant" "$work/in"
    check_usage "excludes" --model m --assistant asst_1 "$work/in"
    check_usage "no such file" --model m "$work/missing"
    check_usage "no files found" --model m "$work/empty"
    check_usage "needs --out" --model m --resume "$work/in"
    check_usage "base" --model m --base-url "not a url" "$work/in"
    check_usage "base" --model m --base-url "ftp://example.invalid/v1" "$work/in"
    check_usage "rpm" --model m --rpm -5 "$work/in"
    check_usage "attach" --model m --attach everything "$work/in"
    OPENAI_API_KEY= check_usage "API key" --model m "$work/in"
    expect_eq "requests that reached the emulator" 0 "$(stat requests_total)"
    # --help works and exits 0.
    "$batch" --help >"$work/help.out" || fail "--help failed"
    grep -q -- '--resume' "$work/help.out" || fail "--help does not list --resume"
    ;;

terminal)
    # On a terminal (tmux, 80 columns) the progress bar is drawn on one line that never wraps, and the
    # batch ends with the bar's final state and the summary, leaving the cursor at a line start.
    start_emulator --rpm 300 --run-ms 400
    make_inputs 20
    tmux -L "$tmux_socket" new-session -d -x 80 -y 20 \
        "env OPENAI_BASE_URL=$base_url OPENAI_API_KEY=sk-batch-test $batch --model gpt-4o-mini --rpm 300 --concurrency 4 $work/in; echo EXIT=\$?; sleep 60"
    saw_bar=0
    for _ in $(seq 1 600); do
        screen=$(tmux -L "$tmux_socket" capture-pane -p)
        if grep -qE '^\[[#-]{30}\] [0-9]+/20 ' <<<"$screen"; then
            grep -qE '^\[[#]*-+\] ([0-9]|1[0-9])/20 ' <<<"$screen" && saw_bar=1
        fi
        grep -q '^EXIT=' <<<"$screen" && break
        sleep 0.1
    done
    # -J joins wrapped rows: a bar that wrapped shows up as a line longer than the terminal.
    screen=$(tmux -L "$tmux_socket" capture-pane -p -J)
    printf '%s\n' "$screen" >"$work/screen.txt"
    grep -q '^EXIT=0$' <<<"$screen" || fail "the batch did not end with exit code 0 at a line start: $screen"
    [ "$saw_bar" = 1 ] || fail "no progress bar seen while the batch ran"
    grep -qE '^\[#{30}\] 20/20 ' <<<"$screen" || fail "the final bar is not complete: $screen"
    grep -qE '^files 20  completed 20  failed 0' <<<"$screen" || fail "no summary line: $screen"
    # One bar line: redrawing never wrapped or left stale copies behind.
    expect_eq "bar lines on the screen" 1 "$(grep -cE '^\[[#-]{30}\]' <<<"$screen")"
    bar_width=$(grep -E '^\[[#-]{30}\]' <<<"$screen" | awk '{ print length($0) }')
    [ "$bar_width" -lt 80 ] || fail "the bar line is $bar_width columns wide on an 80-column terminal"
    ;;

redis)
    # Three paced-batch processes share one 120 RPM budget through Redis: together they stay under the
    # server's limit (no 429, on its default global layout), where each alone would believe it had the
    # whole budget.
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
        skip "redis-server or redis-cli not found on PATH (scripts/setup.sh installs them)"
    start_emulator --rpm 120 --run-ms 200
    for _ in $(seq 1 20); do
        redis_port=$((20000 + RANDOM % 30000))
        redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.out" 2>&1 &
        redis_pid=$!
        for _ in $(seq 1 50); do
            redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
            kill -0 "$redis_pid" 2>/dev/null || break
            sleep 0.05
        done
        redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
        kill "$redis_pid" 2>/dev/null || true
        redis_pid=
    done
    [ -n "$redis_pid" ] || fail "could not start redis-server"
    trap 'kill $redis_pid 2>/dev/null || true; cleanup' EXIT
    pids=()
    for w in a b c; do
        mkdir -p "$work/$w"
        for i in 1 2 3 4 5 6; do
            echo "worker $w item $i looks good" >"$work/$w/$i.txt"
        done
        "$batch" --model gpt-4o-mini --rpm 120 --redis "redis://127.0.0.1:$redis_port/0" --quiet \
            --out "$work/$w.jsonl" "$work/$w" 2>"$work/err-$w" &
        pids+=($!)
    done
    i=0
    for w in a b c; do
        rc=0
        wait "${pids[$i]}" || rc=$?
        expect_eq "exit code of worker $w ($(cat "$work/err-$w"))" 0 "$rc"
        i=$((i + 1))
    done
    expect_eq "completed files" 18 "$(cat "$work"/[abc].jsonl | jq -r .status | grep -cx completed)"
    expect_eq "429s served by the emulator" 0 "$(stat rate_limited_429)"
    ;;

low-limit)
    # The limit of the problem this project exists for: RPM 3 for every request of the key (uploads, runs,
    # polls, the reply), in both modes at once against two emulators. Zero 429s, every file done.
    spawn_emulator stream_url --rpm 3 --rate-layout global --run-ms 500
    spawn_emulator poll_url --rpm 3 --rate-layout global --run-ms 500
    make_inputs 3
    batch_against "$stream_url" stream stream --rpm 3 & batch_pids+=($!)
    batch_against "$poll_url" poll poll --rpm 3 & batch_pids+=($!)
    wait_batches
    expect_clean_batch "$stream_url" stream 3
    expect_clean_batch "$poll_url" poll 3
    # Every request the emulator saw came from the batch (+1: the assistant).
    expect_eq "stream: requests" "$(stat requests_total "$stream_url")" \
        "$(($(jq -s 'map(.requests) | add' "$work/stream.jsonl") + 1))"
    ;;

global-300)
    # 60 files at 300 RPM on one global budget, poll and stream at once against two emulators.
    spawn_emulator stream_url --rpm 300 --rate-layout global --run-ms 1000 --run-jitter-ms 300
    spawn_emulator poll_url --rpm 300 --rate-layout global --run-ms 1000 --run-jitter-ms 300
    make_inputs 60
    batch_against "$stream_url" stream stream --rpm 300 & batch_pids+=($!)
    batch_against "$poll_url" poll poll --rpm 300 & batch_pids+=($!)
    wait_batches
    expect_clean_batch "$stream_url" stream 60
    expect_clean_batch "$poll_url" poll 60
    ;;

jitter)
    # Requests are counted up to 80 ms after they arrive, so in another order than they were admitted,
    # by a server that sends no rate-limit headers to resynchronise with: the budget's default latency
    # allowance keeps them inside the limit all the same (benchmarks/jitter.sh measures what less costs).
    spawn_emulator stream_url --rpm 300 --transit-jitter-ms 80 --no-rate-limit-headers --run-ms 800 --seed 5
    spawn_emulator poll_url --rpm 300 --transit-jitter-ms 80 --no-rate-limit-headers --run-ms 800 --seed 6
    make_inputs 40
    batch_against "$stream_url" stream stream --rpm 300 & batch_pids+=($!)
    batch_against "$poll_url" poll poll --rpm 300 & batch_pids+=($!)
    wait_batches
    expect_clean_batch "$stream_url" stream 40
    expect_clean_batch "$poll_url" poll 40
    ;;

per-model)
    # A server with a budget per model, and paced-batch told so: zero 429s, and both budgets used (the
    # uploads and the assistant in one, the runs in the model's), which one budget could never do: at
    # 60 RPM it would admit at most 61 requests in any minute. An upload and a thread-and-run per file, one
    # request in each budget.
    spawn_emulator url --rpm 60 --rate-layout per-model --run-ms 300
    make_inputs 45
    batch_against "$url" per-model stream --rpm 60 --rate-layout per-model --threads with-run --attach upload
    expect_clean_batch "$url" per-model 45
    busiest=$(stat max_requests_60s "$url")
    [ "$busiest" -gt 70 ] || fail "both budgets used: expected more than 70 requests in one minute, got $busiest"
    ;;

run-retries)
    # A run that fails for a fault of the server's gets a new run of the same input; a fault of the input's
    # does not go away, and is reported after the bounded retries. Two emulators at once: 30% of runs
    # failing by chance (transient), and 30% of inputs whose runs always fail (permanent).
    spawn_emulator transient_url --fault-run-fail 0.3 --seed 21 --run-ms 200
    spawn_emulator permanent_url --fault-run-fail 0.3 --fault-run-fail-permanent --seed 22 --run-ms 200
    make_inputs 20
    batch_against "$transient_url" transient poll --run-retries 6 & batch_pids+=($!)
    batch_against "$permanent_url" permanent poll --run-retries 2 & batch_pids+=($!)
    wait_batches
    # Transient: every file completed, by exactly one completed run; each failed run was followed by a new
    # one of its file, and the runs the lines count are the emulator's.
    expect_eq "transient: exit code ($(cat "$work/transient.err"))" 0 "$(cat "$work/transient.rc")"
    expect_eq "transient: completed files" 20 "$(count_status_in transient completed)"
    expect_eq "transient: completed runs" 20 "$(stat runs_completed "$transient_url")"
    failed_runs=$(stat runs_failed "$transient_url")
    [ "$failed_runs" -gt 0 ] || fail "transient: the emulator failed no run; the case tests nothing"
    expect_eq "transient: runs counted by the lines" "$(stat runs_created "$transient_url")" \
        "$(jq -s 'map(.runs) | add' "$work/transient.jsonl")"
    # Permanent: the failing inputs got 1 + 2 runs, all failed, and are reported; the others one run.
    expect_eq "permanent: exit code" 1 "$(cat "$work/permanent.rc")"
    failed=$(count_status_in permanent failed)
    [ "$failed" -gt 0 ] || fail "permanent: no input failed; the case tests nothing"
    expect_eq "permanent: lines" 20 "$(wc -l <"$work/permanent.jsonl")"
    expect_eq "permanent: runs of a failed file" 3 \
        "$(jq -r 'select(.status == "failed") | .runs' "$work/permanent.jsonl" | sort -u)"
    expect_eq "permanent: runs of a completed file" 1 \
        "$(jq -r 'select(.status == "completed") | .runs' "$work/permanent.jsonl" | sort -u)"
    expect_eq "permanent: failed runs" "$((3 * failed))" "$(stat runs_failed "$permanent_url")"
    ;;

shard)
    # Three workers with --shard 1/3, 2/3 and 3/3 on the same folder, one budget through the emulator:
    # together every file exactly once, each worker a share.
    spawn_emulator url --rpm 600 --run-ms 200
    make_inputs 30
    for k in 1 2 3; do
        batch_against "$url" "shard$k" stream --rpm 200 --shard "$k/3" & batch_pids+=($!)
    done
    wait_batches
    for k in 1 2 3; do
        expect_eq "shard $k: exit code ($(cat "$work/shard$k.err"))" 0 "$(cat "$work/shard$k.rc")"
        n=$(wc -l <"$work/shard$k.jsonl")
        [ "$n" -gt 0 ] && [ "$n" -lt 30 ] || fail "shard $k: expected a share of the 30 files, got $n"
    done
    expect_eq "files done by the three" 30 "$(cat "$work"/shard?.jsonl | jq -r .file | wc -l)"
    expect_eq "distinct files done by the three" 30 "$(cat "$work"/shard?.jsonl | jq -r .file | sort -u | wc -l)"
    expect_eq "runs created" 30 "$(stat runs_created "$url")"
    rc=0
    "$batch" --model m --shard 4/3 "$work/in" 2>"$work/usage.err" || rc=$?
    expect_eq "--shard 4/3: exit code" 2 "$rc"
    ;;

learns)
    # Told the wrong layout or limit, paced-batch learns the server's from its first answers and refusals,
    # and then sends no second 429 of the same cause: a per-model layout declared on a server with one
    # budget for the key (merged at the first refusal), and a limit ten times the server's (its headers
    # carry the real one).
    spawn_emulator merged_url --rpm 60 --rate-layout global --run-ms 300
    spawn_emulator lower_url --rpm 60 --rate-layout global --run-ms 300
    make_inputs 12
    batch_against "$merged_url" merged stream --rpm 60 --rate-layout per-model & batch_pids+=($!)
    batch_against "$lower_url" lower stream --rpm 600 & batch_pids+=($!)
    wait_batches
    for name in merged lower; do
        url_var="${name}_url"
        expect_eq "$name: exit code ($(cat "$work/$name.err"))" 0 "$(cat "$work/$name.rc")"
        expect_eq "$name: completed files" 12 "$(count_status_in "$name" completed)"
        refused=$(stat rate_limited_429 "${!url_var}")
        [ "$refused" -le 3 ] || fail "$name: expected at most the first refusals (3), got $refused 429s"
    done
    ;;

attach)
    # Small text files travel as the text of their run's message (no upload); a larger one and a binary
    # one are uploaded. The server reads the same input either way, so every file gets the same answer
    # inline as uploaded. Forced inline, the binary file fails on its own and the others complete.
    spawn_emulator auto_url --run-ms 100
    spawn_emulator upload_url --run-ms 100
    spawn_emulator inline_url --run-ms 100
    make_inputs 6
    printf 'large: %s\n' "$(printf 'good %.0s' $(seq 1 60))" >"$work/in/large.txt"
    printf 'binary\0data, good\n' >"$work/in/binary.dat"
    batch_against "$auto_url" auto stream --attach auto --inline-max-bytes 200 & batch_pids+=($!)
    batch_against "$upload_url" upload poll --attach upload & batch_pids+=($!)
    batch_against "$inline_url" inline stream --attach inline & batch_pids+=($!)
    wait_batches
    expect_clean_batch "$auto_url" auto 8
    expect_clean_batch "$upload_url" upload 8
    expect_eq "auto: files sent inline" 6 "$(jq -r 'select(.attach == "inline") | .file' "$work/auto.jsonl" | wc -l)"
    expect_eq "auto: files uploaded" "binary.dat large.txt" \
        "$(jq -r 'select(.attach == "upload") | .file' "$work/auto.jsonl" | xargs -n1 basename | sort | xargs)"
    expect_eq "auto: uploads the emulator saw" 2 "$(stat '"requests_per_route"."POST /v1/files"' "$auto_url")"
    # Every request the emulator saw came from the batch (+1: the assistant): an inline file costs its run.
    expect_eq "auto: requests" "$(stat requests_total "$auto_url")" \
        "$(($(jq -s 'map(.requests) | add' "$work/auto.jsonl") + 1))"
    expect_eq "upload: uploads the emulator saw" 8 "$(stat '"requests_per_route"."POST /v1/files"' "$upload_url")"
    expect_eq "inline and uploaded answers" "$(jq -r '[.file, .answer] | @tsv' "$work/upload.jsonl" | sort)" \
        "$(jq -r '[.file, .answer] | @tsv' "$work/auto.jsonl" | sort)"
    expect_eq "inline: exit code" 1 "$(cat "$work/inline.rc")"
    expect_eq "inline: completed files" 7 "$(count_status_in inline completed)"
    expect_eq "inline: the binary file's error" "invalid_argument" \
        "$(jq -r 'select(.status == "failed") | .error.code' "$work/inline.jsonl")"
    expect_eq "inline: uploads" null "$(stat '"requests_per_route"."POST /v1/files"' "$inline_url")"
    ;;

threads)
    # What each --threads mode costs, on four emulators at once, 20 small text files sent inline, 4 at a
    # time: a pooled file costs its run alone (plus at most 4 thread creations for the batch), a file on
    # a thread of its own one request more, a file whose thread comes with its run one request. The pool's
    # runs see their own file alone (truncation_strategy last_messages 1), so every mode gives every file
    # the same answer, and no run ever met another on its thread.
    spawn_emulator pool_url --run-ms 200
    spawn_emulator poll_url --run-ms 200
    spawn_emulator per_file_url --run-ms 200
    spawn_emulator with_run_url --run-ms 200
    make_inputs 20
    printf 'no, this one is bad\n' >"$work/in/item-007.txt"
    batch_against "$pool_url" pool stream --threads pool --concurrency 4 & batch_pids+=($!)
    batch_against "$poll_url" poll poll --threads pool --concurrency 4 --poll-interval 100 & batch_pids+=($!)
    batch_against "$per_file_url" per-file stream --threads per-file --concurrency 4 & batch_pids+=($!)
    batch_against "$with_run_url" with-run stream --threads with-run --concurrency 4 & batch_pids+=($!)
    wait_batches
    for name in pool poll per-file with-run; do
        url_var="${name//-/_}_url"
        expect_clean_batch "${!url_var}" "$name" 20
        expect_eq "$name: requests counted" "$(stat requests_total "${!url_var}")" \
            "$(($(jq -s 'map(.requests) | add' "$work/$name.jsonl") + 1))"
        expect_eq "$name: runs refused for an active run" 0 "$(stat active_run_conflicts "${!url_var}")"
        expect_eq "$name: answers" "$(jq -r '[.file, .answer] | @tsv' "$work/with-run.jsonl" | sort)" \
            "$(jq -r '[.file, .answer] | @tsv' "$work/$name.jsonl" | sort)"
    done
    threads=$(stat '"requests_per_route"."POST /v1/threads"' "$pool_url")
    [ "$threads" -ge 1 ] && [ "$threads" -le 4 ] || fail "pool: expected 1 to 4 thread creations, got $threads"
    expect_eq "pool: requests" "$((1 + threads + 20))" "$(stat requests_total "$pool_url")"
    expect_eq "pool: distinct threads in the lines" "$threads" "$(jq -r .thread_id "$work/pool.jsonl" | sort -u | wc -l)"
    expect_eq "per-file: requests" 41 "$(stat requests_total "$per_file_url")"
    expect_eq "per-file: most runs on one thread" 1 "$(stat runs_per_thread_max "$per_file_url")"
    expect_eq "with-run: requests" 21 "$(stat requests_total "$with_run_url")"
    grep -q 'label: no' "$work/pool.jsonl" || fail "pool: the negative file's answer is missing"
    ;;

faults-stream | faults-poll)
    # Every file on a thread of its own (a thread, then its tagged run), under the faults above: the
    # path that survives every fault. Stream mode with uploads (the upload of a lost answer is sent
    # again), poll mode with inline text. New runs after failed ones: 4, so that 100 files at 5% of
    # failing runs never exhaust them (1 in 3 million per file) and the case cannot flake.
    spawn_emulator url "${fault_flags[@]}" --seed 31
    make_inputs 100
    if [ "$case_name" = faults-stream ]; then
        batch_against "$url" faults stream --threads per-file --attach upload --rpm 6000 --run-retries 4
    else
        batch_against "$url" faults poll --threads per-file --poll-interval 100 --rpm 6000 --run-retries 4
    fi
    expect_exactly_once "$url" faults 100
    ;;

faults-pool)
    # The pool under the same faults, streamed with inline text and polled with uploads at once against
    # two emulators: a run whose creation's answer was lost is found on its pool thread by its tag.
    spawn_emulator stream_url "${fault_flags[@]}" --seed 32
    spawn_emulator poll_url "${fault_flags[@]}" --seed 33
    make_inputs 100
    batch_against "$stream_url" stream stream --threads pool --rpm 6000 --run-retries 4 & batch_pids+=($!)
    batch_against "$poll_url" poll poll --threads pool --attach upload --poll-interval 100 --rpm 6000 \
        --run-retries 4 & batch_pids+=($!)
    wait_batches
    expect_exactly_once "$stream_url" stream 100
    expect_exactly_once "$poll_url" poll 100
    ;;

responses)
    # --api responses in both modes at once against two emulators, with no --rpm (the limits are learnt:
    # the first file goes alone): one response per file, one request per file streamed (the response is
    # created in the background and its stream carries it to its end). Then under 5xx answers and failed
    # responses: every file completed by exactly one response of its own, a failed one replaced only
    # once it had ended. (A create whose answer is lost cannot be resolved, responses cannot be listed:
    # docs/responses.md. Breaks after the first event are resumed: tests/integration/client_responses.cpp.)
    spawn_emulator stream_url --rpm 600 --run-ms 300
    spawn_emulator poll_url --rpm 600 --run-ms 300
    make_inputs 20
    batch_against "$stream_url" stream stream --api responses & batch_pids+=($!)
    batch_against "$poll_url" poll poll --api responses --poll-interval 300 & batch_pids+=($!)
    wait_batches
    expect_clean_batch "$stream_url" stream 20
    expect_clean_batch "$poll_url" poll 20
    expect_eq "stream: responses created" 20 "$(stat responses_created "$stream_url")"
    expect_eq "stream: requests (one per file)" 20 "$(stat requests_total "$stream_url")"
    expect_eq "poll: responses created" 20 "$(stat responses_created "$poll_url")"
    expect_eq "poll: assistants created" 0 "$(stat 'requests_per_route["POST /v1/assistants"] // 0' "$poll_url")"
    spawn_emulator faults_url --fault-5xx 0.05 --fault-run-fail 0.05 --rpm 6000 --run-ms 300 --seed 41
    rm -rf "$work/in" && make_inputs 100
    batch_against "$faults_url" faults stream --api responses --run-retries 4
    expect_clean_batch "$faults_url" faults 100
    expect_eq "faults: lines" 100 "$(wc -l <"$work/faults.jsonl")"
    expect_eq "faults: completed responses" 100 "$(stat responses_completed "$faults_url")"
    expect_eq "faults: responses duplicated" 0 "$(stat responses_duplicated "$faults_url")"
    expect_eq "faults: responses counted by the lines" "$(stat responses_created "$faults_url")" \
        "$(jq -s 'map(.runs) | add' "$work/faults.jsonl")"
    [ "$(stat faults.server_error "$faults_url")" -gt 0 ] || fail "faults: no server_error fault injected"
    [ "$(stat responses_failed "$faults_url")" -gt 0 ] || fail "faults: no response failed"
    ;;

batch-api)
    # --via batch-api with 10,000 inputs: interrupted once its batch is created, then --resume follows that
    # batch instead of making another; every input one completed line; at most 10 requests for the whole
    # of it (upload, create, the resumed run's look-up of the batch and its input, slow polls, the output).
    start_emulator --batch-ms 3000
    make_inputs 10000
    via=(--model gpt-4o-mini --api responses --via batch-api --batch-poll-ms 1000 --out "$work/out.jsonl")
    "$batch" "${via[@]}" "$work/in" 2>"$work/err1" &
    batch_pid=$!
    for _ in $(seq 1 600); do
        [ "$(stat batches_created)" = 1 ] && break
        sleep 0.05
    done
    expect_eq "batches created before the interrupt" 1 "$(stat batches_created)"
    interrupt_batch "$batch_pid" "$work/err1"
    expect_eq "lines before the resume" 0 "$(cat "$work/out.jsonl" 2>/dev/null | wc -l)"
    expect_eq "batches in the state file" 1 "$(wc -l <"$work/out.jsonl.batches")"
    rc=0
    "$batch" "${via[@]}" --resume --stats-json "$work/stats.json" "$work/in" 2>"$work/err2" || rc=$?
    expect_eq "exit code of the resumed batch ($(cat "$work/err2"))" 0 "$rc"
    expect_eq "lines" 10000 "$(wc -l <"$work/out.jsonl")"
    expect_eq "completed lines" 10000 "$(count_status completed)"
    expect_eq "distinct files" 10000 "$(jq -r .file "$work/out.jsonl" | sort -u | wc -l)"
    expect_eq "lines without an answer" 0 "$(jq -r 'select(.answer == "" or .answer == null) | .file' "$work/out.jsonl" | wc -l)"
    expect_eq "batches created in all" 1 "$(stat batches_created)"
    expect_eq "request lines sent" 10000 "$(stat batch_lines)"
    expect_eq "responses created outside the batch" 0 "$(stat responses_created)"
    requests=$(stat requests_total)
    [ "$requests" -le 10 ] || fail "10,000 inputs took $requests requests; at most 10 expected"
    expect_eq "stats-json completed" 10000 "$(jq -r .completed "$work/stats.json")"

    # A batch that ended while nobody followed it: --resume reads it at once (3 requests: the batch, its
    # input file, its output file), without waiting for a webhook that went to a process no longer there.
    spawn_emulator ended_url --batch-ms 1000
    rm -rf "$work/in" && make_inputs 500
    ended=(--model gpt-4o-mini --api responses --via batch-api --batch-poll-ms 600000 --out "$work/ended.jsonl")
    OPENAI_BASE_URL=$ended_url "$batch" "${ended[@]}" "$work/in" 2>"$work/err3" &
    batch_pid=$!
    for _ in $(seq 1 600); do
        [ "$(stat batches_created "$ended_url")" = 1 ] && break
        sleep 0.05
    done
    interrupt_batch "$batch_pid" "$work/err3"
    sleep 1.5
    before=$(stat requests_total "$ended_url")
    started=$(date +%s%N)
    rc=0
    OPENAI_BASE_URL=$ended_url "$batch" "${ended[@]}" --resume "$work/in" 2>"$work/err4" || rc=$?
    expect_eq "ended: exit code of the resumed batch ($(cat "$work/err4"))" 0 "$rc"
    expect_eq "ended: completed lines" 500 "$(count_status_in ended completed)"
    expect_eq "ended: requests of the resume" 3 "$(($(stat requests_total "$ended_url") - before))"
    [ $(( ($(date +%s%N) - started) / 1000000 )) -lt 30000 ] || fail "ended: the resume waited for the poll interval"

    # 2% of the lines expire: they go into one follow-up batch, and every input still ends completed once.
    spawn_emulator expire_url --batch-ms 1000 --fault-batch-expire 0.02 --seed 3
    rm -rf "$work/in" && make_inputs 2000
    batch_against "$expire_url" expire poll --api responses --via batch-api --batch-poll-ms 300
    expect_clean_batch "$expire_url" expire 2000
    expect_eq "expire: lines" 2000 "$(wc -l <"$work/expire.jsonl")"
    [ "$(stat batches_created "$expire_url")" -ge 2 ] || fail "expire: no follow-up batch"
    [ "$(stat batch_lines "$expire_url")" -gt 2000 ] || fail "expire: no line expired; the case tests less than it says"
    expect_eq "expire: lines sent again, by the lines' runs" \
        "$(($(stat batch_lines "$expire_url") - 2000))" "$(jq -s 'map(.runs - 1) | add' "$work/expire.jsonl")"

    # Split at --batch-max-bytes: no input file above it, every input one completed line.
    spawn_emulator split_url --batch-ms 500
    batch_against "$split_url" split poll --api responses --via batch-api --batch-poll-ms 200 \
        --batch-max-bytes 100000
    expect_clean_batch "$split_url" split 2000
    expect_eq "split: lines" 2000 "$(wc -l <"$work/split.jsonl")"
    expect_eq "split: request lines sent" 2000 "$(stat batch_lines "$split_url")"
    curl -sf -H "Authorization: Bearer sk-batch-test" "$split_url/files?purpose=batch" >"$work/split.files.json"
    sizes=$(jq -r '.data[].bytes' "$work/split.files.json")
    expect_eq "split: input files, one per batch" "$(stat batches_created "$split_url")" "$(echo "$sizes" | wc -l)"
    [ "$(echo "$sizes" | wc -l)" -ge 3 ] || fail "split: 2,000 lines in $(echo "$sizes" | wc -l) files of 100 kB"
    [ "$(echo "$sizes" | sort -n | tail -n1)" -le 100000 ] || fail "split: an input file of $(echo "$sizes" | sort -n | tail -n1) bytes"

    # A file whose request line alone exceeds --batch-max-bytes fails with its reason; the others go.
    mkdir -p "$work/big"
    head -c 3000 /dev/zero | tr '\0' 'a' >"$work/big/large.txt"
    echo "small and good" >"$work/big/small.txt"
    rc=0
    OPENAI_BASE_URL=$split_url "$batch" --model gpt-4o-mini --api responses --via batch-api --batch-poll-ms 200 \
        --batch-max-bytes 1024 --quiet --out "$work/big.jsonl" "$work/big" 2>"$work/big.err" || rc=$?
    expect_eq "big: exit code" 1 "$rc"
    expect_eq "big: the small file" completed "$(jq -r 'select(.file | endswith("small.txt")) | .status' "$work/big.jsonl")"
    jq -r 'select(.file | endswith("large.txt")) | .error.message' "$work/big.jsonl" | grep -q -- '--batch-max-bytes 1024' ||
        fail "big: no reason for the large file: $(cat "$work/big.jsonl")"

    # Completed by webhook: each batch retrieved once, when its batch.completed event comes.
    port=
    for _ in $(seq 1 50); do
        candidate=$((20000 + RANDOM % 30000))
        (echo >"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null || { port=$candidate; break; }
    done
    [ -n "$port" ] || fail "no free port for the webhook receiver"
    secret=whsec_cGFjZWQtYmF0Y2gtdGVzdC1zZWNyZXQ=
    spawn_emulator hook_url --batch-ms 1000 --webhook-url "http://127.0.0.1:$port/hooks" --webhook-secret "$secret"
    OPENAI_WEBHOOK_SECRET=$secret batch_against "$hook_url" hook poll --api responses --via batch-api \
        --batch-poll-ms 600000 --webhook-listen "127.0.0.1:$port"
    expect_clean_batch "$hook_url" hook 2000
    expect_eq "hook: lines" 2000 "$(wc -l <"$work/hook.jsonl")"
    expect_eq "hook: requests (upload, create, one retrieval, the output)" 4 "$(stat requests_total "$hook_url")"
    expect_eq "hook: events delivered" 1 "$(stat webhooks.delivered "$hook_url")"
    ;;

*)
    fail "unknown case"
    ;;
esac
echo "PASS [$case_name]"
