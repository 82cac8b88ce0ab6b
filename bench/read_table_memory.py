#!/usr/bin/env python3
"""Benchmark: memory and time of `lanceflow read-table` (the LakeflowConnect engine) by table size.

    python3 bench/read_table_memory.py [--data /tmp/lanceflow-bench-connect]
        [--sizes 100000,1000000,3000000] [--lanceflow build/lanceflow]
        [--max-records 10000] [--batch-size 1000] [--sweep-max-records 1000,10000,100000]
        [--sweep-rows 1000000] [--modes snapshot,append,cdc] [--no-check]

Tables {id int64, cursor int64, text ~50 chars, vector float32[128]} are written once by
lancedb 0.39.0 under --data (one table per size, reused while the marker file matches). Cursor
values are id // 4 (runs of 4 equal cursors), and rows are shuffled inside each 65536-row write so
that storage order is not cursor order (the engine must order rows itself).

Every measurement is a fresh process `lanceflow read-table --source DIR --table T --options O
--offset {} --all --format arrow -o /dev/null`, which drains the table from `{}` in one instance
(feeding each end offset back until it stops moving). Wall time is taken around the process,
peak RSS from GNU time. Modes:
  snapshot   {"primary_keys":"id","batch_size":B}
  append     {"ingestion_type":"append","cursor_field":"cursor",...,max_records_per_batch N}
  cdc        {"ingestion_type":"cdc","cursor_field":"cursor","primary_keys":"id",...}
Each drained run is checked: the row count of the Arrow output equals the table's (a first run
writes to a file and counts with pyarrow), and the end offset has the largest cursor.
Then the incremental modes run again for each --sweep-max-records value
to show memory following max_records_per_batch (--sweep-rows, default 1M rows). "ms/call" is wall time / calls, calls being
ceil(rows / N) + 1 (the last call returns the unchanged offset); append's runs of 4 equal cursors
never split, so its calls hold up to N + 3 rows.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENGINE_VERSION = "0.39.0"
DIM = 128
WRITE_ROWS = 65536
RUN = 4  # rows per cursor value


def build_table(db_dir: str, table: str, rows: int) -> None:
    import lancedb
    import numpy as np
    import pyarrow as pa

    if lancedb.__version__ != ENGINE_VERSION:
        raise SystemExit(f"read_table_memory: expected lancedb {ENGINE_VERSION}, found "
                         f"{lancedb.__version__}")
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False),
                        pa.field("cursor", pa.int64(), nullable=False),
                        pa.field("text", pa.string()),
                        pa.field("vector", pa.list_(pa.float32(), DIM))])
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]

    def batches():
        for start in range(0, rows, WRITE_ROWS):
            stop = min(rows, start + WRITE_ROWS)
            rng = np.random.default_rng(start)
            ids = rng.permutation(np.arange(start, stop, dtype=np.int64))
            texts = [f"document {i:07d} {words[i % 8]} {words[(i // 8) % 8]} lorem ipsum dolor"
                     for i in ids.tolist()]
            vectors = rng.standard_normal((stop - start) * DIM, dtype=np.float32)
            yield pa.RecordBatch.from_arrays(
                [pa.array(ids), pa.array(ids // RUN), pa.array(texts),
                 pa.FixedSizeListArray.from_arrays(pa.array(vectors), DIM)], schema=schema)

    db = lancedb.connect(db_dir)
    reader = pa.RecordBatchReader.from_batches(schema, batches())
    db.create_table(table, reader, mode="overwrite")


def ensure_table(data: str, rows: int) -> str:
    os.makedirs(data, exist_ok=True)
    table = f"t{rows}"
    marker = os.path.join(data, f"{table}.json")
    want = {"rows": rows, "dim": DIM, "run": RUN, "engine": ENGINE_VERSION}
    if os.path.exists(marker):
        with open(marker) as f:
            if json.load(f) == want:
                return table
    print(f"writing the {rows}-row table (once) in {data}", file=sys.stderr)
    start = time.time()
    build_table(data, table, rows)
    with open(marker, "w") as f:
        json.dump(want, f)
    print(f"written in {time.time() - start:.1f} s", file=sys.stderr)
    return table


def options(mode: str, max_records: int, batch_size: int) -> dict:
    if mode == "snapshot":
        return {"primary_keys": "id", "batch_size": str(batch_size)}
    o = {"ingestion_type": mode, "cursor_field": "cursor", "batch_size": str(batch_size),
         "max_records_per_batch": str(max_records)}
    if mode == "cdc":
        o["primary_keys"] = "id"
    return o


def read_table(args, data, table, opts, output="/dev/null"):
    """(wall s, peak RSS MiB, end offset) of one fresh draining process."""
    with tempfile.TemporaryDirectory() as tmp:
        off = os.path.join(tmp, "offset")
        cmd = ["/usr/bin/time", "-f", "%M", args.lanceflow, "read-table", "--source", data,
               "--table", table, "--options", json.dumps(opts), "--offset", "{}", "--all",
               "--format", "arrow", "-o", output, "--offset-out", off]
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        secs = time.perf_counter() - start
        stderr = proc.stderr.decode(errors="replace")
        if proc.returncode != 0:
            raise RuntimeError(f"read-table {table} {opts} failed: {stderr[-2000:]}")
        with open(off) as f:
            end = json.loads(f.read())
    return secs, int(stderr.strip().splitlines()[-1]) / 1024, end


def check(args, data, table, rows, mode, opts):
    """Drains once into a file and checks count, uniqueness and order with pyarrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.arrow")
        _, _, end = read_table(args, data, table, opts, out)
        with pa.OSFile(out) as f:
            t = pa.ipc.open_stream(f).read_all().select(["id", "cursor"])
    if t.num_rows != rows or pc.count_distinct(t["id"]).as_py() != rows:
        raise SystemExit(f"{table} {mode}: {t.num_rows} rows, expected {rows} distinct")
    if mode != "snapshot":
        c = t["cursor"].to_numpy()
        if (c[1:] < c[:-1]).any():
            raise SystemExit(f"{table} {mode}: cursor order broken")
        if end.get("cursor") != (rows - 1) // RUN:
            raise SystemExit(f"{table} {mode}: end offset {end}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="/tmp/lanceflow-bench-connect")
    p.add_argument("--sizes", default="100000,1000000,3000000")
    p.add_argument("--lanceflow", default=os.path.join(ROOT, "build", "lanceflow"))
    p.add_argument("--max-records", type=int, default=10000)
    p.add_argument("--batch-size", type=int, default=1000)
    p.add_argument("--sweep-max-records", default="1000,10000,100000")
    p.add_argument("--sweep-rows", type=int, default=1000000,
                   help="table size of the max_records_per_batch sweep (one of --sizes)")
    p.add_argument("--modes", default="snapshot,append,cdc")
    p.add_argument("--no-check", action="store_true", help="skip the correctness check runs")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = args.modes.split(",")
    tables = {n: ensure_table(args.data, n) for n in sizes}

    print(f"max_records_per_batch {args.max_records}, batch_size {args.batch_size}")
    print("| rows | mode | calls | wall s | ms/call | peak RSS MiB |")
    print("|---:|---|---:|---:|---:|---:|")
    for n in sizes:
        for mode in modes:
            opts = options(mode, args.max_records, args.batch_size)
            if not args.no_check:
                check(args, args.data, tables[n], n, mode, opts)
            secs, rss, _ = read_table(args, args.data, tables[n], opts)
            calls = 1 if mode == "snapshot" else math.ceil(n / args.max_records) + 1
            print(f"| {n:,} | {mode} | {calls} | {secs:.2f} | {1000 * secs / calls:.1f} | "
                  f"{rss:.0f} |", flush=True)

    n = args.sweep_rows if args.sweep_rows in tables else max(sizes)
    sweep = [int(s) for s in args.sweep_max_records.split(",") if s]
    if sweep:
        print(f"\n{n:,} rows, batch_size {args.batch_size}, by max_records_per_batch")
        print("| max_records_per_batch | mode | calls | wall s | ms/call | peak RSS MiB |")
        print("|---:|---|---:|---:|---:|---:|")
        for m in sweep:
            for mode in [x for x in modes if x != "snapshot"]:
                secs, rss, _ = read_table(args, args.data, tables[n],
                                          options(mode, m, args.batch_size))
                calls = math.ceil(n / m) + 1
                print(f"| {m:,} | {mode} | {calls} | {secs:.2f} | {1000 * secs / calls:.1f} | "
                      f"{rss:.0f} |", flush=True)


if __name__ == "__main__":
    main()
