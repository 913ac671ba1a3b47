#pragma once
// Skipping a test so that ctest reports it as Skipped, not Passed (Catch2 v2 has no SKIP).

/// The marker that makes ctest report a test as Skipped: every test is registered with
/// `SKIP_REGULAR_EXPRESSION` set to it (tests/CMakeLists.txt). A developer without a test's tool sees the
/// skips in ctest's summary; `.ci/run`, which must run everything, fails on them (scripts/ctest.sh).
#define PACED_TEST_SKIP_MARKER "PACED_TEST_SKIPPED"

/// Ends the current test case, reported as skipped for `reason` (a Catch2 message: `"a" << b` works).
/// For a test case's body (it returns). Nothing may have failed before it: ctest ignores the exit code
/// of a test whose output holds the marker.
#define PACED_SKIP(reason)                                                                                   \
    do {                                                                                                     \
        WARN(PACED_TEST_SKIP_MARKER ": " << reason);                                                         \
        return;                                                                                              \
    } while (false)
