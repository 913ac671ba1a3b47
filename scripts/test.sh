#!/usr/bin/env bash
# The whole test suite: set-up, configure, build, then ctest (whose last line is its summary).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
# PACED_CTEST_EXCLUDE: a regular expression of tests to leave out (the sanitizer step of .ci/run).
# Skipped tests are shown as such and do not fail the run, unless PACED_FORBID_SKIPS=1 (scripts/ctest.sh).
exclude=()
[ -n "${PACED_CTEST_EXCLUDE:-}" ] && exclude=(-E "$PACED_CTEST_EXCLUDE")
scripts/ctest.sh --test-dir "${BUILD_DIR:-build}" -j "${JOBS:-$(nproc)}" --output-on-failure --timeout 600 \
    "${exclude[@]}"
