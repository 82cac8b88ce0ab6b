#!/usr/bin/env python3
"""Benchmark: `lanceflow read` against the official LanceDB client's remote scan of the same table
through the same LanceDB Cloud test server, in one run.

    python3 bench/cloud_read.py [--rows 200000] [--runs 5] [--ipc-format file|stream]

Each measurement is a fresh process: lanceflow writes an Arrow IPC stream to /dev/null; the
official client (lancedb, pinned in tests/requirements.txt) runs `table.search().limit(None)
.to_arrow()` in remote mode. Wall time and peak RSS come from GNU time; the table prints medians.
A second, smaller table shows whether lanceflow's peak memory grows with table size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from cloud_server.fixture import CloudServerProcess  # noqa: E402
from fixtures.make_tables import build_database  # noqa: E402

OFFICIAL = r"""
import sys, time, lancedb
start = time.perf_counter()
db = lancedb.connect("db://bench", api_key="bench-key", host_override=sys.argv[1])
t = db.open_table(sys.argv[2]).search().limit(None).to_arrow()
assert t.num_rows == int(sys.argv[3]), t.num_rows
print(f"scan {time.perf_counter() - start:.3f}", file=sys.stderr)
"""


def timed(cmd, env=None):
    """(seconds, peak RSS MiB) of one fresh process."""
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M", *cmd], env=env, capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {out.stderr[-2000:]}")
    lines = out.stderr.strip().splitlines()
    secs, kib = lines[-1].split()
    scan = [float(l.split()[1]) for l in lines if l.startswith("scan ")]
    return float(secs), int(kib) / 1024, (scan[0] if scan else float(secs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--small-rows", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--ipc-format", default="file", choices=["file", "stream"])
    ap.add_argument("--data", default=os.path.join(ROOT, "build", "bench-data", "cloud"))
    ap.add_argument("--lanceflow", default=os.path.join(ROOT, "build", "lanceflow"))
    args = ap.parse_args()

    db_dir = os.path.join(args.data, f"db-{args.rows}-{args.small_rows}")
    if not os.path.isdir(os.path.join(db_dir, "documents.lance")):
        os.makedirs(db_dir, exist_ok=True)
        print(f"building {args.rows}-row table (once) in {db_dir}", file=sys.stderr)
        build_database(db_dir, tables=["documents"], documents_rows=args.rows, overwrite=True)
        small = os.path.join(db_dir, "small")
        build_database(small, tables=["documents"], documents_rows=args.small_rows, overwrite=True)
        os.rename(os.path.join(small, "documents.lance"), os.path.join(db_dir, "small.lance"))
        os.rmdir(small)

    with tempfile.TemporaryDirectory() as work:
        server = CloudServerProcess(db_dir, api_key="bench-key", work_dir=work)
        server.start()
        try:
            server.configure(ipc_format=args.ipc_format)
            env = {**os.environ, "LANCEDB_API_KEY": "bench-key", "LANCEDB_HOST_OVERRIDE": server.url}
            results = {"lanceflow": [], "official": [], "lanceflow-small": []}
            for _ in range(args.runs):
                results["lanceflow"].append(timed(
                    [args.lanceflow, "read", "--source", "db://bench", "--table", "documents",
                     "--format", "arrow", "-o", "/dev/null"], env))
                results["official"].append(timed(
                    [sys.executable, "-c", OFFICIAL, server.url, "documents", str(args.rows)], env))
                results["lanceflow-small"].append(timed(
                    [args.lanceflow, "read", "--source", "db://bench", "--table", "small",
                     "--format", "arrow", "-o", "/dev/null"], env))
        finally:
            server.stop()

    print(f"\n{args.rows}-row table {{id, text, vector float32[128], updated_at}}, "
          f"server answers as IPC {args.ipc_format}, {args.runs} runs, medians\n")
    print("| reader | rows | process s | scan s | rows/s (process) | rows/s (scan) | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    for name, rows in (("lanceflow read --format arrow", args.rows),
                       ("official client to_arrow()", args.rows),
                       ("lanceflow read --format arrow", args.small_rows)):
        key = {"official client to_arrow()": "official"}.get(name, "lanceflow")
        if rows == args.small_rows:
            key = "lanceflow-small"
        secs = statistics.median(r[0] for r in results[key])
        scan = statistics.median(r[2] for r in results[key])
        rss = statistics.median(r[1] for r in results[key])
        print(f"| {name} | {rows:,} | {secs:.2f} | {scan:.2f} | {rows / secs:,.0f} | "
              f"{rows / scan:,.0f} | {rss:.0f} |")
    lf = statistics.median(r[0] for r in results["lanceflow"])
    off = statistics.median(r[0] for r in results["official"])
    off_scan = statistics.median(r[2] for r in results["official"])
    print(f"\nthroughput ratio lanceflow / official: {off / lf:.2f}x per process, "
          f"{off_scan / lf:.2f}x against the official scan alone (its Python start-up excluded)")


if __name__ == "__main__":
    main()
