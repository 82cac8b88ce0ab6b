#!/usr/bin/env bash
# Builds lanceflow. Usage: scripts/build.sh [release|debug|fuzz]   (default: release)
# release -> build/lanceflow; debug (ASan+UBSan) -> build-debug/; fuzz (clang+libFuzzer) -> build-fuzz/
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
jobs="${LANCEFLOW_JOBS:-$(nproc)}"
if [ ! -f "build${preset/release/}/build.ninja" ] && [ ! -f "build-${preset}/build.ninja" ]; then
  cmake --preset "$preset" >/dev/null
fi
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs"
