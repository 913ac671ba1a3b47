#!/usr/bin/env bash
# Usage: with-emulator.sh EMULATOR [emulator flags...] -- COMMAND [args...]
# Starts paced-emulator on a free port, exports OPENAI_BASE_URL and OPENAI_API_KEY for COMMAND,
# runs it, stops the emulator, and exits with COMMAND's status.
set -euo pipefail
emulator=$1; shift
flags=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do flags+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
out=$(mktemp)
"$emulator" --port 0 "${flags[@]}" >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 100); do
    url=$(sed -n 's/^listening on \(.*\)$/\1/p' "$out" | head -n1)
    [ -n "$url" ] && break
    kill -0 $pid 2>/dev/null || { cat "$out" >&2; exit 1; }
    sleep 0.05
done
[ -n "$url" ] || { echo "with-emulator: no 'listening on' line" >&2; cat "$out" >&2; exit 1; }
export OPENAI_BASE_URL="$url/v1" OPENAI_API_KEY="${OPENAI_API_KEY:-sk-emulator-test}"
"$@"
