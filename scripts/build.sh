#!/usr/bin/env bash
# Configures and builds into $BUILD_DIR (default build/). PACED_SANITIZE selects sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
args=(-G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo})
[ -n "${PACED_SANITIZE:-}" ] && args+=(-DPACED_SANITIZE="$PACED_SANITIZE")
[ -n "${PACED_CMAKE_ARGS:-}" ] && read -r -a more <<<"$PACED_CMAKE_ARGS" && args+=("${more[@]}")
cmake -S . -B "$build_dir" "${args[@]}" >/dev/null
cmake --build "$build_dir" -j "${JOBS:-$(nproc)}"
