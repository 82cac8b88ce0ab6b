#!/usr/bin/env python3
"""Benchmark: `lanceflow read` of a local LanceDB table against the official engine's scan.

    python3 bench/lance_scan.py [--data /tmp/lanceflow-bench] [--rows 1000000] [--runs 5]
                                [--lanceflow build/lanceflow] [--storage-version 2.2]

The table {id int64, text ~50 chars, vector float32[128]} is written once by lancedb 0.39.0
(storage version 2.2 unless told) under --data and reused while its parameters match.

Three scans, each measured --runs times, alternating lanceflow and the official engine, every
measurement a fresh process (wall time from a monotonic clock around it, peak RSS from GNU time):
  full      every column
  id        only `id`
  filter    `id >= A AND id < B`, about 1% of the rows
lanceflow runs `read --source DIR --table T --format arrow -o /dev/null`: the Arrow IPC stream
is the cheapest complete output it has (JSONL would measure the text encoder), and writing to
/dev/null costs no I/O. The official side opens the table and iterates
`table.search().select(cols).where(f).limit(None).to_batches()`, counting rows: the fastest
streaming way the lancedb Python package offers (to_arrow() materialises the whole table first,
and tbl.to_lance() needs the separate pylance package, absent here). Its process time includes
the Python and lancedb start-up, so the "scan s" column also reports the scan alone, timed
inside the process. Before timing, each scan's row count is checked on both sides.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENGINE_VERSION = "0.39.0"
TABLE = "bench"
DIM = 128
BATCH_ROWS = 65536

OFFICIAL = r"""
import sys, time
start = time.perf_counter()
import lancedb
db = lancedb.connect(sys.argv[1])
tbl = db.open_table(sys.argv[2])
q = tbl.search()
if sys.argv[3]:
    q = q.select(sys.argv[3].split(","))
if sys.argv[4]:
    q = q.where(sys.argv[4])
scan_start = time.perf_counter()
rows = 0
for batch in q.limit(None).to_batches():
    rows += batch.num_rows
end = time.perf_counter()
print(f"rows {rows}", file=sys.stderr)
print(f"scan {end - scan_start:.4f}", file=sys.stderr)
"""


def build_table(db_dir: str, rows: int, storage_version: str) -> None:
    import lancedb
    import numpy as np
    import pyarrow as pa

    if lancedb.__version__ != ENGINE_VERSION:
        raise SystemExit(f"lance_scan: expected lancedb {ENGINE_VERSION}, found "
                         f"{lancedb.__version__}")
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False),
                        pa.field("text", pa.string()),
                        pa.field("vector", pa.list_(pa.float32(), DIM))])
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]

    def batches():
        for start in range(0, rows, BATCH_ROWS):
            stop = min(rows, start + BATCH_ROWS)
            ids = np.arange(start, stop, dtype=np.int64)
            rng = np.random.default_rng(start)
            texts = [f"document {i:07d} {words[i % 8]} {words[(i // 8) % 8]} lorem ipsum dolor"
                     for i in range(start, stop)]
            vectors = rng.standard_normal((stop - start) * DIM, dtype=np.float32)
            yield pa.RecordBatch.from_arrays(
                [pa.array(ids), pa.array(texts), pa.FixedSizeListArray.from_arrays(
                    pa.array(vectors), DIM)], schema=schema)

    db = lancedb.connect(db_dir)
    reader = pa.RecordBatchReader.from_batches(schema, batches())
    db.create_table(TABLE, reader, mode="overwrite",
                    storage_options={"new_table_data_storage_version": storage_version})


def ensure_data(args) -> str:
    db_dir = os.path.join(args.data, f"db-{args.rows}-{args.storage_version}")
    marker = os.path.join(db_dir, "bench.json")
    want = {"rows": args.rows, "dim": DIM, "engine": ENGINE_VERSION,
            "storage_version": args.storage_version}
    if os.path.exists(marker):
        with open(marker) as f:
            if json.load(f) == want:
                return db_dir
    os.makedirs(db_dir, exist_ok=True)
    print(f"writing the {args.rows}-row table (once) in {db_dir}", file=sys.stderr)
    start = time.time()
    build_table(db_dir, args.rows, args.storage_version)
    with open(marker, "w") as f:
        json.dump(want, f)
    print(f"written in {time.time() - start:.1f} s", file=sys.stderr)
    return db_dir


def timed(cmd):
    """(wall seconds, peak RSS MiB, in-process scan seconds or None, stderr) of a fresh process.

    Wall time from a monotonic clock around the run (finer than GNU time's 10 ms); peak RSS from
    GNU time, which execs the command from a small process (a child forked from this Python
    process would count the parent's pages in its own high-water mark)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=subprocess.DEVNULL,
                              stderr=err)
        secs = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... failed ({proc.returncode}): {stderr[-2000:]}")
    kib = int(stderr.strip().splitlines()[-1])
    scan = [float(line.split()[1]) for line in stderr.splitlines() if line.startswith("scan ")]
    return secs, kib / 1024, (scan[0] if scan else None), stderr


def lanceflow_cmd(args, db_dir, columns, where, fmt="arrow", output="/dev/null"):
    cmd = [args.lanceflow, "read", "--source", db_dir, "--table", TABLE, "--format", fmt,
           "-o", output]
    if columns:
        cmd += ["--columns", columns]
    if where:
        cmd += ["--filter", where]
    return cmd


def official_cmd(db_dir, columns, where):
    return [sys.executable, "-c", OFFICIAL, db_dir, TABLE, columns or "", where or ""]


def check_counts(args, db_dir, scans) -> None:
    """Both sides return the expected number of rows for every scan."""
    for name, columns, where, expected in scans:
        _, _, _, err = timed(official_cmd(db_dir, columns, where))
        got = int([line for line in err.splitlines() if line.startswith("rows ")][0].split()[1])
        if got != expected:
            raise SystemExit(f"official {name}: {got} rows, expected {expected}")
        proc = subprocess.run(lanceflow_cmd(args, db_dir, "id", where, fmt="jsonl", output="-"),
                              capture_output=True)
        if proc.returncode != 0:
            raise SystemExit(f"lanceflow {name}: {proc.stderr.decode(errors='replace')[-2000:]}")
        got = proc.stdout.count(b"\n")
        if got != expected:
            raise SystemExit(f"lanceflow {name}: {got} rows, expected {expected}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/tmp/lanceflow-bench")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--storage-version", default="2.2", choices=["2.2", "2.1", "2.0", "legacy"])
    ap.add_argument("--lanceflow", default=os.path.join(ROOT, "build", "lanceflow"))
    ap.add_argument("--skip-check", action="store_true", help="skip the row count check")
    args = ap.parse_args()

    db_dir = ensure_data(args)
    lo = args.rows // 2
    hi = lo + max(1, args.rows // 100)
    scans = [("full", None, None, args.rows),
             ("id", "id", None, args.rows),
             ("filter", None, f"id >= {lo} AND id < {hi}", hi - lo)]
    if not args.skip_check:
        check_counts(args, db_dir, scans)

    results = {(name, side): [] for name, *_ in scans for side in ("lanceflow", "official")}
    for run in range(args.runs):
        for name, columns, where, _ in scans:
            sides = [("lanceflow", lanceflow_cmd(args, db_dir, columns, where)),
                     ("official", official_cmd(db_dir, columns, where))]
            if run % 2:
                sides.reverse()  # alternate who runs first (page cache, CPU frequency)
            for side, cmd in sides:
                results[(name, side)].append(timed(cmd)[:3])

    print(f"\n{args.rows:,}-row table {{id int64, text ~50 chars, vector float32[{DIM}]}}, "
          f"storage {args.storage_version}, lancedb {ENGINE_VERSION}, {args.runs} runs, medians, "
          f"fresh process per run\n")
    print("| scan | reader | rows | process s | scan s | rows/s (process) | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    ratios = []
    for name, columns, where, expected in scans:
        med = {}
        for side in ("lanceflow", "official"):
            runs = results[(name, side)]
            secs = statistics.median(r[0] for r in runs)
            rss = statistics.median(r[1] for r in runs)
            scan_values = [r[2] for r in runs if r[2] is not None]
            scan = statistics.median(scan_values) if scan_values else secs
            med[side] = (secs, rss, scan)
            label = ("lanceflow read --format arrow -o /dev/null" if side == "lanceflow"
                     else "official search().to_batches()")
            print(f"| {name} | {label} | {expected:,} | {secs:.3f} | {scan:.3f} | "
                  f"{expected / secs:,.0f} | {rss:.0f} |")
        ratios.append((name, med))
    print("\n| scan | time lanceflow / official (process) | time lanceflow / official scan alone "
          "| peak RSS lanceflow / official |")
    print("|---|---|---|---|")
    for name, med in ratios:
        lf, off = med["lanceflow"], med["official"]
        print(f"| {name} | {lf[0] / off[0]:.3f} | {lf[0] / off[2]:.3f} | {lf[1] / off[1]:.3f} |")
    print("\n(ratios below 1 mean lanceflow is faster / smaller)")


if __name__ == "__main__":
    main()
