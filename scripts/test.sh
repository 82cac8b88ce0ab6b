#!/usr/bin/env bash
# The test command: installs what is needed, builds, and runs every suite.
#   scripts/test.sh          everything: unit tests under ASan+UBSan, the release build's unit tests,
#                            fuzz-corpus regression, and the end-to-end suites (pytest) against the
#                            official LanceDB engine and the LanceDB Cloud test server
#   scripts/test.sh --quick  unit tests only, debug build with ASan+UBSan (the edit loop)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1

./scripts/install-deps.sh

step() { printf '\n== %s ==\n' "$*"; }

step "unit tests (debug, ASan+UBSan)"
./scripts/build.sh debug
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-debug -L unit --output-on-failure -j "$(nproc)"
[ "$quick" = 1 ] && exit 0

step "release build and unit tests"
./scripts/build.sh release
ctest --test-dir build -L unit --output-on-failure -j "$(nproc)"

if [ -d fuzz ] && [ -f fuzz/CMakeLists.txt ]; then
  step "fuzz targets over the committed corpus (regression)"
  ./scripts/build.sh fuzz
  ./scripts/fuzz.sh --regress
fi

step "Python package (pip install ./python)"
# Reuses build-python/ (and ccache when present): a rebuild compiles only what changed.
python3 -m pip install -q --disable-pip-version-check --no-build-isolation ./python

step "end-to-end tests (pytest)"
python3 -m pytest -q tests
