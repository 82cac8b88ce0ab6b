#!/usr/bin/env bash
# Installs everything lanceflow needs to build and test on Debian 12:
# the C++ toolchain and libraries (Debian packages only) and the Python test tools (PyPI, pinned).
# Idempotent: packages already present are skipped quickly.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

DEB_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libcurl4-openssl-dev libzstd-dev liblz4-dev libsnappy-dev libroaring-dev
  libprotobuf-dev protobuf-compiler nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-format clang-tidy libclang-rt-14-dev
  python3 python3-pip python3-venv time
  openjdk-17-jdk-headless  # Spark (tests) and the JVM data source lanceflow-spark.jar (javac, jni.h)
)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "lanceflow: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${LANCEFLOW_SKIP_PYTHON:-0}" != 1 ]; then
  # Test tools only: the lanceflow binary never links against them.
  python3 -m pip install -q --disable-pip-version-check -r tests/requirements.txt
  # Build requirements of the Python package (python/pyproject.toml), so scripts/test.sh can build
  # it without build isolation.
  python3 -m pip install -q --disable-pip-version-check -r python/build-requirements.txt
fi
