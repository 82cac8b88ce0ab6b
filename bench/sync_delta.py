#!/usr/bin/env python3
"""Benchmark: `lanceflow sync` of a local LanceDB table into Delta Lake against a delta-rs peer.

    python3 bench/sync_delta.py [--data /tmp/lanceflow-bench] [--rows 1000000] [--runs 3]
                                [--lanceflow build/lanceflow] [--work /tmp/lanceflow-bench-sync]
                                [--changed 10000]

Data: the {id int64, text ~50 chars, vector float32[128]} table of bench/lance_scan.py (written
once by lancedb 0.39.0 under --data and reused while its parameters match), plus a variant with
an `updated_at` timestamp[us, UTC] column (= 2026-01-01 + id microseconds, so cursor order is id
order) for the incremental part, also written once.

Part 1, snapshot sync, --runs runs per side, alternating who goes first, each run a fresh process
writing into a fresh destination directory:
  lanceflow  `lanceflow sync PIPELINE.json --progress never`, the table with ingestion_type
             snapshot, scd_type SCD_TYPE_1, primary_keys [id]
  peer       a Python process that opens the table with lancedb, takes
             `search().limit(None).to_batches()` (a pyarrow RecordBatchReader: streamed, never the
             whole table in memory) and hands that reader to deltalake's `write_deltalake`, which
             consumes it as an Arrow C stream
Wall time from a monotonic clock around the process, peak RSS from GNU time. Every destination is
opened with deltalake afterwards and must hold --rows rows.

Part 2, incremental SCD_TYPE_1 (cursor_field updated_at, max_records_per_batch 100000), --runs
runs, each on a fresh copy of the variant and a fresh destination: a full sync (timed), then
--changed contiguous rows updated by the engine (`tbl.update`: new text and a later updated_at),
then an incremental sync (timed), then a sync with nothing new (timed), then --changed rows at
random positions updated by the engine (other text, a still later updated_at) and an incremental
sync (timed). The destination must hold --rows rows, --changed of them with each new text. The
Delta log of each incremental commit is inspected: data files rewritten (removed and not re-added
under the same path with a deletion vector) and files given a new deletion vector.

Destinations are read with deltalake's DataFusion QueryBuilder (its pyarrow dataset path refuses
tables with the deletionVectors reader feature). --no-dvs passes table_configuration
"delta.enableDeletionVectors": "false" (copy-on-write merges, the behaviour before DVs).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lance_scan  # noqa: E402  (shared table builder and process timer)

ROOT = lance_scan.ROOT
TABLE = lance_scan.TABLE
ENGINE_VERSION = lance_scan.ENGINE_VERSION
BATCH_ROWS = lance_scan.BATCH_ROWS
INCR_BATCH = 100_000

PEER = r"""
import sys, time
import lancedb, pyarrow as pa
from deltalake import write_deltalake
db = lancedb.connect(sys.argv[1])
tbl = db.open_table(sys.argv[2])
reader = tbl.search().limit(None).to_batches()
if not isinstance(reader, pa.RecordBatchReader):
    reader = pa.RecordBatchReader.from_batches(tbl.schema, reader)
write_deltalake(sys.argv[3], reader, mode="error")
"""

UPDATE = r"""
import sys, datetime
import lancedb
db = lancedb.connect(sys.argv[1])
tbl = db.open_table(sys.argv[2])
lo, n = int(sys.argv[3]), int(sys.argv[4])
tbl.update(where=f"id >= {lo} AND id < {lo + n}",
           values={"text": "changed by the incremental benchmark",
                   "updated_at": datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc)})
"""

UPDATE_RANDOM = r"""
import sys, datetime, random
import lancedb
db = lancedb.connect(sys.argv[1])
tbl = db.open_table(sys.argv[2])
rows, n = int(sys.argv[3]), int(sys.argv[4])
ids = sorted(random.Random(int(sys.argv[5])).sample(range(rows), n))
tbl.update(where=f"id IN ({','.join(map(str, ids))})",
           values={"text": "changed at random positions",
                   "updated_at": datetime.datetime(2028, 1, 1, tzinfo=datetime.timezone.utc)})
"""


def ensure_variant(args, base_dir: str) -> str:
    """The bench table plus an `updated_at` cursor column, written once by the engine."""
    import lancedb
    import numpy as np
    import pyarrow as pa

    db_dir = os.path.join(args.data, f"db-{args.rows}-{args.storage_version}-updated_at")
    marker = os.path.join(db_dir, "bench.json")
    want = {"rows": args.rows, "dim": lance_scan.DIM, "engine": ENGINE_VERSION,
            "storage_version": args.storage_version, "cursor": "updated_at = 2026-01-01 + id us"}
    if os.path.exists(marker):
        with open(marker) as f:
            if json.load(f) == want:
                return db_dir
    os.makedirs(db_dir, exist_ok=True)
    print(f"writing the {args.rows}-row table with updated_at (once) in {db_dir}", file=sys.stderr)
    src = lancedb.connect(base_dir).open_table(TABLE)
    base_us = 1767225600 * 1_000_000  # 2026-01-01T00:00:00Z
    ts_type = pa.timestamp("us", tz="UTC")
    schema = src.schema.append(pa.field("updated_at", ts_type))

    def batches():
        for b in src.search().limit(None).to_batches():
            ids = b.column(0).to_numpy()
            ts = pa.array(ids.astype(np.int64) + base_us, type=pa.int64()).cast(ts_type)
            yield pa.RecordBatch.from_arrays([*b.columns, ts], schema=schema)

    lancedb.connect(db_dir).create_table(
        TABLE, pa.RecordBatchReader.from_batches(schema, batches()), mode="overwrite",
        storage_options={"new_table_data_storage_version": args.storage_version})
    with open(marker, "w") as f:
        json.dump(want, f)
    return db_dir


def write_pipeline(path: str, source: str, dest: str, config: dict) -> None:
    spec = {"pipeline_spec": {
        "connection": {"source": source},
        "destination": {"type": "delta", "path": dest},
        "objects": [{"table": {"source_table": TABLE, "table_configuration": config}}]}}
    with open(path, "w") as f:
        json.dump(spec, f, indent=1)


SNAPSHOT_CONFIG = {"ingestion_type": "snapshot", "scd_type": "SCD_TYPE_1", "primary_keys": ["id"]}
INCR_CONFIG = {"scd_type": "SCD_TYPE_1", "primary_keys": ["id"], "cursor_field": "updated_at",
               "max_records_per_batch": str(INCR_BATCH)}


def incr_config(args) -> dict:
    return {**INCR_CONFIG, **({"delta.enableDeletionVectors": "false"} if args.no_dvs else {})}


def snapshot_config(args) -> dict:
    return {**SNAPSHOT_CONFIG,
            **({"delta.enableDeletionVectors": "false"} if args.no_dvs else {})}


def fresh_dir(path: str) -> str:
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def delta_count(path: str, where: str = "true") -> int:
    import pyarrow as pa
    from deltalake import DeltaTable, QueryBuilder
    reader = QueryBuilder().register("t", DeltaTable(path)).execute(
        f"select count(*) as n from t where {where}")
    return pa.table(reader.read_all()).column("n")[0].as_py()


def delta_rows(path: str) -> int:
    return delta_count(path)


def delta_changed_rows(path: str, text: str = "changed by the incremental benchmark") -> int:
    return delta_count(path, f"text = '{text}'")


def last_commit_files(path: str):
    """(data files rewritten, files given a new DV) by the newest commit of the table."""
    name = sorted(glob.glob(os.path.join(path, "_delta_log", "*.json")))[-1]
    with open(name) as f:
        actions = [json.loads(line) for line in f if line.strip()]
    adds = {a["add"]["path"]: a["add"] for a in actions if "add" in a}
    removed = [a["remove"]["path"] for a in actions if "remove" in a]
    with_dv = [p for p in removed if p in adds and "deletionVector" in adds[p]]
    return len(removed) - len(with_dv), len(with_dv)


def check(what: str, got: int, want: int) -> None:
    if got != want:
        raise SystemExit(f"sync_delta: {what}: {got} rows, expected {want}")


def snapshot_part(args, db_dir: str):
    work = os.path.join(args.work, "snapshot")
    os.makedirs(work, exist_ok=True)
    results = {"lanceflow": [], "peer": []}
    for run in range(args.runs):
        sides = ["lanceflow", "peer"]
        if run % 2:
            sides.reverse()  # alternate who runs first (page cache, CPU frequency)
        for side in sides:
            dest = fresh_dir(os.path.join(work, side))
            if side == "lanceflow":
                pipeline = os.path.join(work, "pipeline.json")
                write_pipeline(pipeline, db_dir, dest, snapshot_config(args))
                cmd = [args.lanceflow, "sync", pipeline, "--progress", "never"]
                table = os.path.join(dest, TABLE)
            else:
                table = os.path.join(dest, TABLE)
                cmd = [sys.executable, "-c", PEER, db_dir, TABLE, table]
            secs, rss, _, _ = lance_scan.timed(cmd)
            check(f"{side} run {run + 1}", delta_rows(table), args.rows)
            results[side].append((secs, rss))
            print(f"snapshot {side} run {run + 1}: {secs:.2f} s, {rss:.0f} MiB", file=sys.stderr)
    return results


def incremental_part(args, variant_dir: str):
    work = os.path.join(args.work, "incremental")
    os.makedirs(work, exist_ok=True)
    lo = args.rows // 2
    out = {"full": [], "incremental": [], "unchanged": [], "random": [], "files": {}}
    for run in range(args.runs):
        src = os.path.join(work, "source")
        shutil.rmtree(src, ignore_errors=True)
        shutil.copytree(variant_dir, src)
        dest = fresh_dir(os.path.join(work, "lakehouse"))
        pipeline = os.path.join(work, "pipeline.json")
        write_pipeline(pipeline, src, dest, incr_config(args))
        cmd = [args.lanceflow, "sync", pipeline, "--progress", "never"]
        table = os.path.join(dest, TABLE)
        out["full"].append(lance_scan.timed(cmd)[:2])
        check(f"incremental run {run + 1}, full sync", delta_rows(table), args.rows)
        subprocess.run([sys.executable, "-c", UPDATE, src, TABLE, str(lo), str(args.changed)],
                       check=True)
        out["incremental"].append(lance_scan.timed(cmd)[:2])
        out["files"]["incremental"] = last_commit_files(table)
        check(f"incremental run {run + 1}, after the update", delta_rows(table), args.rows)
        check(f"incremental run {run + 1}, changed rows", delta_changed_rows(table), args.changed)
        out["unchanged"].append(lance_scan.timed(cmd)[:2])
        subprocess.run([sys.executable, "-c", UPDATE_RANDOM, src, TABLE, str(args.rows),
                        str(args.changed), str(run + 1)], check=True)
        out["random"].append(lance_scan.timed(cmd)[:2])
        out["files"]["random"] = last_commit_files(table)
        check(f"incremental run {run + 1}, after the random update", delta_rows(table), args.rows)
        check(f"incremental run {run + 1}, rows changed at random", delta_changed_rows(
            table, "changed at random positions"), args.changed)
        print(f"incremental run {run + 1}: full {out['full'][-1][0]:.2f} s, incremental "
              f"{out['incremental'][-1][0]:.2f} s, unchanged {out['unchanged'][-1][0]:.2f} s, "
              f"random {out['random'][-1][0]:.2f} s", file=sys.stderr)
    return out


def med(runs, i):
    return statistics.median(r[i] for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/tmp/lanceflow-bench")
    ap.add_argument("--work", default="/tmp/lanceflow-bench-sync")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--changed", type=int, default=10_000)
    ap.add_argument("--storage-version", default="2.2", choices=["2.2", "2.1", "2.0", "legacy"])
    ap.add_argument("--lanceflow", default=os.path.join(ROOT, "build", "lanceflow"))
    ap.add_argument("--skip-incremental", action="store_true")
    ap.add_argument("--no-dvs", action="store_true",
                    help="destinations without deletion vectors (copy-on-write merges)")
    args = ap.parse_args()
    import deltalake
    import lancedb
    if lancedb.__version__ != ENGINE_VERSION:
        raise SystemExit(f"sync_delta: expected lancedb {ENGINE_VERSION}, found "
                         f"{lancedb.__version__}")

    db_dir = lance_scan.ensure_data(args)
    snap = snapshot_part(args, db_dir)
    incr = None
    if not args.skip_incremental:
        incr = incremental_part(args, ensure_variant(args, db_dir))

    print(f"\n{args.rows:,}-row table {{id int64, text ~50 chars, vector float32"
          f"[{lance_scan.DIM}]}}, storage {args.storage_version}, lancedb {ENGINE_VERSION}, "
          f"deltalake {deltalake.__version__}, {args.runs} runs, medians, fresh process and "
          f"destination per run\n")
    print("| snapshot sync into Delta | rows | wall s | rows/s | peak RSS MiB |")
    print("|---|---|---|---|---|")
    labels = {"lanceflow": "lanceflow sync (snapshot)",
              "peer": "lancedb to_batches() -> deltalake write_deltalake"}
    for side in ("lanceflow", "peer"):
        secs, rss = med(snap[side], 0), med(snap[side], 1)
        print(f"| {labels[side]} | {args.rows:,} | {secs:.2f} | {args.rows / secs:,.0f} | "
              f"{rss:.0f} |")
    lf, peer = med(snap["lanceflow"], 0), med(snap["peer"], 0)
    print(f"\nthroughput lanceflow / peer: {peer / lf:.2f}x; peak RSS lanceflow / peer: "
          f"{med(snap['lanceflow'], 1) / med(snap['peer'], 1):.3f}")
    if incr:
        print(f"\n| SCD_TYPE_1 sync (cursor updated_at, max_records_per_batch {INCR_BATCH:,}) "
              "| rows read | wall s | peak RSS MiB | % of full SCD1 sync | % of snapshot sync |")
        print("|---|---|---|---|---|---|")
        full = med(incr["full"], 0)
        for name, rows in (("full", args.rows), ("incremental", args.changed),
                           ("unchanged", 0), ("random", args.changed)):
            secs, rss = med(incr[name], 0), med(incr[name], 1)
            label = {"full": "full (empty destination)",
                     "incremental": f"incremental after {args.changed:,} contiguous rows updated",
                     "unchanged": "nothing changed",
                     "random": f"incremental after {args.changed:,} rows updated at random "
                               "positions"}[name]
            print(f"| {label} | {rows:,} | {secs:.2f} | {rss:.0f} | {100 * secs / full:.1f} | "
                  f"{100 * secs / lf:.1f} |")
        for name in ("incremental", "random"):
            rewritten, dv = incr["files"][name]
            print(f"\n{name} commit (last run): {rewritten} data files rewritten, {dv} files "
                  f"given a new deletion vector", end="")
        print(f"\ndeletion vectors: {'off (--no-dvs)' if args.no_dvs else 'on'}")


if __name__ == "__main__":
    main()
