#!/usr/bin/env bash
# The whole test suite: set-up, configure, build, then ctest (whose last line is its summary).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir "${BUILD_DIR:-build}" -j "${JOBS:-$(nproc)}" --output-on-failure --timeout 600
