#!/usr/bin/env bash
# ctest with the given arguments, failing on skipped tests when PACED_FORBID_SKIPS=1 (.ci/run sets it).
#
# A test that cannot find what it needs (redis-server, the OpenAPI spec) reports itself as Skipped
# (tests/common/test_skip.hpp). ctest counts a skip as no failure and exits 0, which suits a developer
# without redis-server, but CI must run every test. ctest's summary lists every test that did not run
# (skipped or disabled) under "The following tests did not run:", so that line is looked for.
set -euo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ctest "$@" | tee "$log" # pipefail: a failed test ends the script here, with ctest's exit code
if [ "${PACED_FORBID_SKIPS:-0}" = 1 ] && grep -q '^The following tests did not run:' "$log"; then
    echo "ctest: PACED_FORBID_SKIPS=1 and the tests listed above did not run (install what they need:" \
        "scripts/setup.sh)" >&2
    exit 1
fi
