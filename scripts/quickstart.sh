#!/usr/bin/env bash
# The main job on the example database: installs what is needed, builds lanceflow, syncs the
# local LanceDB database examples/lancedb (read natively: no engine, no server) into Delta Lake
# tables under ./lakehouse with `lanceflow sync examples/pipeline.json`, shows the result with
# delta-rs (its SQL engine), then reads the source with `lanceflow tables | schema | read`.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/build.sh release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=examples/lancedb

run() { printf '\n$ %s\n' "$*"; "$@"; }
run ./build/lanceflow sync examples/pipeline.json
printf '\n$ python3 -c "from deltalake import DeltaTable, QueryBuilder; ..."   # look at the Delta tables\n'
python3 - <<'PY'
# delta-rs's SQL engine reads every table lanceflow writes, deletion vectors included (merge flows
# mark replaced rows in deletion vectors instead of rewriting files).
import pyarrow as pa
from deltalake import DeltaTable, QueryBuilder
q = QueryBuilder()
for name in ("documents", "products"):
    t = DeltaTable(f"lakehouse/{name}")
    q.register(name, t)
    n = q.execute(f"SELECT count(*) AS n FROM {name}").read_all().column("n")[0].as_py()
    print(f"lakehouse/{name}: Delta version {t.version()}, {n} rows, "
          f"columns {[f.name for f in t.schema().fields]}")
rows = q.execute("SELECT id, title, category, updated_at FROM documents ORDER BY id LIMIT 3")
for r in pa.table(rows.read_all()).to_pylist():
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
