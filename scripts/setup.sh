#!/usr/bin/env bash
# Installs what the build and the tests need, from Debian's packages and npm, when it is missing.
# Safe to run again: it does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake ninja-build ccache pkg-config git
          libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
          libssl-dev openssl catch2 libcli11-dev libhiredis-dev redis-server
          tmux curl jq clang clang-format libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Node SDK compatibility test and the benchmarks use the official npm package, pinned in the lockfile.
if [ -f tests/compat/package-lock.json ] && [ ! -d tests/compat/node_modules ]; then
    echo "setup: npm ci in tests/compat"
    (cd tests/compat && npm ci --no-audit --no-fund --loglevel=error)
fi
