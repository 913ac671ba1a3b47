#!/usr/bin/env bash
# The project's main job, end to end: build what is missing, start paced-emulator with a low rate limit
# on a free port, generate sample files, classify them all with paced-batch (progress bar, zero 429s),
# print the summary, and stop the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh >/dev/null
build=${BUILD_DIR:-build}
files=${DEMO_FILES:-240}
rpm=${DEMO_RPM:-300}
data="$build/demo-data"
out="$build/demo-results.jsonl"
stats="$build/demo-stats.json"

# Deterministic sample texts: short reviews whose words lean one way or the other.
rm -rf "$data" && mkdir -p "$data"
words_yes=(good approved accept positive true)
words_no=(bad rejected deny negative false)
for i in $(seq 1 "$files"); do
    if (( i % 3 == 0 )); then w=${words_no[$((i % 5))]}; else w=${words_yes[$((i % 5))]}; fi
    printf 'Review %d: the proposal looks %s overall; item %d of the sample set.\n' "$i" "$w" "$i" \
        >"$data/review-$(printf '%04d' "$i").txt"
done

echo "demo: $files files, emulator limited to $rpm requests/min per budget"
scripts/with-emulator.sh "$build/tools/paced-emulator" --rpm "$rpm" --tpm 1000000 --run-ms 1500 --run-jitter-ms 500 -- \
    "$build/tools/paced-batch" --model gpt-4o-mini --rpm "$rpm" --tpm 1000000 \
    --out "$out" --stats-json "$stats" "$data"
echo "demo: results in $out; totals in $stats:"
cat "$stats"
