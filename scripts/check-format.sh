#!/usr/bin/env bash
# Checks that C++ sources are formatted as .clang-format says (clang-format --dry-run -Werror), for CI:
# the tracked *.cpp and *.hpp of include/ src/ tests/ tools/ benchmarks/ examples/, or the files given.
# Prints the first misformatted lines of each file and their names, and exits non-zero when any file
# is not formatted (`clang-format -i FILE` formats one).
#   scripts/check-format.sh [file...]
# clang-format 14 (Debian's clang-format, scripts/setup.sh) is preferred: other versions lay some code
# out differently, and CI and developers must agree. CLANG_FORMAT=path overrides it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
clang_format=${CLANG_FORMAT:-}
if [ -z "$clang_format" ]; then
    clang_format=clang-format
    command -v clang-format-14 >/dev/null 2>&1 && clang_format=clang-format-14
fi
if ! command -v "$clang_format" >/dev/null 2>&1; then
    echo "check-format: $clang_format not found (scripts/setup.sh installs clang-format)" >&2
    exit 2
fi

if [ $# -gt 0 ]; then
    files=("$@") # as given, relative to the caller's directory
else
    cd "$root"
    mapfile -t files < <(git ls-files -- 'include/*.hpp' 'include/*.cpp' \
        {src,tests,tools,benchmarks,examples}/'*.'{cpp,hpp})
fi
if [ ${#files[@]} -eq 0 ]; then # clang-format would read standard input
    echo "check-format: no files to check" >&2
    exit 2
fi

# One clang-format process for every file: starting it costs more than formatting a file (a loop takes
# 30 s, this 2 s). It goes on after a misformatted file and exits non-zero if any was.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
"$clang_format" --dry-run -Werror --ferror-limit=3 "${files[@]}" >"$out" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
    cat "$out" >&2
    mapfile -t bad < <(sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' "$out" |
        uniq)
    if [ ${#bad[@]} -eq 0 ]; then
        echo "check-format: $clang_format failed (exit code $rc)" >&2
    else
        echo "check-format: ${#bad[@]} of ${#files[@]} files not formatted ($("$clang_format" --version |
            sed 's/.*version //'); fix with clang-format -i):" >&2
        printf '  %s\n' "${bad[@]}" >&2
    fi
    exit 1
fi
echo "check-format: all ${#files[@]} files formatted"
