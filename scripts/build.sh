#!/usr/bin/env bash
# Configures and builds into $BUILD_DIR (default build/). PACED_SANITIZE selects sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
args=(-G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo})
# Line tables only (-g1): enough for sanitizer reports and backtraces, and g++ spends far less time on
# the coroutine- and template-heavy code than with full debug info. Sanitizer builds use -O1, as the
# sanitizers recommend (-O0 makes the instrumented test suite several times slower).
args+=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
if [ -n "${PACED_SANITIZE:-}" ]; then
    args+=(-DPACED_SANITIZE="$PACED_SANITIZE" -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1")
else
    args+=(-DCMAKE_CXX_FLAGS_DEBUG="-O0 -g")
fi
if [ -n "${PACED_CMAKE_ARGS:-}" ]; then
    read -r -d "" -a more <<<"$PACED_CMAKE_ARGS" || true # words on one or several lines
    args+=("${more[@]}")
fi
cmake -S . -B "$build_dir" "${args[@]}" >/dev/null
cmake --build "$build_dir" -j "${JOBS:-$(nproc)}"
