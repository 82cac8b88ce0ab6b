#!/usr/bin/env bash
# The main job on the example database: installs what is needed, builds lanceflow, syncs the
# local LanceDB database examples/lancedb (read natively: no engine, no server) into Delta Lake
# tables under ./lakehouse with `lanceflow sync examples/pipeline.json`, shows the result with
# delta-rs, then reads the source with `lanceflow tables | schema | read`.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/build.sh release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=examples/lancedb

run() { printf '\n$ %s\n' "$*"; "$@"; }
run ./build/lanceflow sync examples/pipeline.json
printf '\n$ python3 -c "from deltalake import DeltaTable; ..."   # look at the Delta tables\n'
python3 - <<'PY'
from deltalake import DeltaTable
for name in ("documents", "products"):
    t = DeltaTable(f"lakehouse/{name}")
    rows = t.to_pyarrow_table()
    print(f"lakehouse/{name}: Delta version {t.version()}, {rows.num_rows} rows, "
          f"columns {rows.column_names}")
for r in (DeltaTable("lakehouse/documents").to_pyarrow_table().sort_by("id")
          .select(["id", "title", "category", "updated_at"]).slice(0, 3).to_pylist()):
    print(f"  {r['id']:>3}  {r['title']:<12} {r['category']:<10} {r['updated_at'].isoformat()}")
PY
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
