#!/usr/bin/env bash
# Runs the libFuzzer targets (build them first: scripts/build.sh fuzz).
#   scripts/fuzz.sh --regress        every target once over its seed corpus and broken inputs
#   scripts/fuzz.sh TARGET [SECONDS] fuzz one target (default 300 s), new inputs in fuzz/corpus-TARGET/
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--regress" ]; then
  status=0
  for bin in build-fuzz/fuzz/*_fuzz; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    dirs=()
    for d in fuzz/seeds/"${name%_fuzz}"* tests/broken/*; do [ -d "$d" ] && dirs+=("$d"); done
    [ "${#dirs[@]}" -gt 0 ] || continue
    echo "fuzz regression: $name over ${dirs[*]}"
    files=$(find "${dirs[@]}" -type f ! -name '*.txt' ! -name '*.md' | sort)
    # shellcheck disable=SC2086
    "$bin" -runs=0 $files >/dev/null 2>"/tmp/$name.log" || { cat "/tmp/$name.log"; status=1; }
  done
  exit $status
fi
target="${1:?usage: scripts/fuzz.sh TARGET [SECONDS] | --regress}"
seconds="${2:-300}"
mkdir -p "fuzz/corpus-$target"
seeds=()
for d in fuzz/seeds/"${target%_fuzz}"*; do [ -d "$d" ] && seeds+=("$d"); done
"build-fuzz/fuzz/$target" -max_total_time="$seconds" "fuzz/corpus-$target" "${seeds[@]}"
