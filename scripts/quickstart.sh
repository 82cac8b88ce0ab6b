#!/usr/bin/env bash
# The main job on the example database: installs what is needed, builds lanceflow, and reads the
# local LanceDB database examples/lancedb natively (no engine, no server) with
# `lanceflow tables | schema | read`.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/build.sh release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=examples/lancedb

run() { printf '\n$ %s\n' "$*"; "$@"; }
run ./build/lanceflow tables --source "$db"
run ./build/lanceflow schema --source "$db" --table products --spark
run ./build/lanceflow read --source "$db" --table documents \
  --columns id,title,category,updated_at --filter "category = 'archived' OR id > 245" --limit 8
run ./build/lanceflow read --source "$db" --table documents --version 1 --columns id,title,_rowid --limit 3
./build/lanceflow read --source "$db" --table documents --format arrow -o "$work/documents.arrows"
python3 - "$work/documents.arrows" <<'PY'
import sys, pyarrow as pa
t = pa.ipc.open_stream(sys.argv[1]).read_all()
print(f"\n--format arrow: {t.num_rows} rows, columns {t.column_names}, read back with pyarrow")
PY
