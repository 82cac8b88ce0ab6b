#!/usr/bin/env bash
# The main job on the example database: installs what is needed, builds lanceflow, serves
# examples/lancedb through the LanceDB Cloud test server on 127.0.0.1, and reads it with
# `lanceflow tables | schema | read` over the REST API.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/build.sh release

work=$(mktemp -d)
export LANCEDB_API_KEY="quickstart-key"
python3 tests/cloud_server/server.py --db examples/lancedb --port 0 --port-file "$work/port" \
  --api-key "$LANCEDB_API_KEY" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.2; done
[ -s "$work/port" ] || { cat "$work/server.log"; echo "test server did not start" >&2; exit 1; }
export LANCEDB_HOST_OVERRIDE="http://127.0.0.1:$(cat "$work/port")"

run() { printf '\n$ %s\n' "$*"; "$@"; }
run ./build/lanceflow tables --source db://example
run ./build/lanceflow schema --source db://example --table products --spark
run ./build/lanceflow read --source db://example --table documents \
  --columns id,title,category,updated_at --filter "category = 'archived' OR id > 245" --limit 8
run ./build/lanceflow read --source db://example --table documents --version 1 --columns id,title --limit 3
./build/lanceflow read --source db://example --table documents --format arrow -o "$work/documents.arrows"
python3 - "$work/documents.arrows" <<'PY'
import sys, pyarrow as pa
t = pa.ipc.open_stream(sys.argv[1]).read_all()
print(f"\n--format arrow: {t.num_rows} rows, columns {t.column_names}, read back with pyarrow")
PY
