#!/usr/bin/env bash
# The whole test suite: set-up, configure, build, then ctest (whose last line is its summary).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
# PACED_CTEST_EXCLUDE: a regular expression of tests to leave out (the sanitizer step of .ci/run).
exclude=()
[ -n "${PACED_CTEST_EXCLUDE:-}" ] && exclude=(-E "$PACED_CTEST_EXCLUDE")
ctest --test-dir "${BUILD_DIR:-build}" -j "${JOBS:-$(nproc)}" --output-on-failure --timeout 600 "${exclude[@]}"
