#!/usr/bin/env python3
"""Benchmark: Spark (local[2]) reading a LanceDB table through lanceflow's data sources against
the official Lance Spark connector (lance-spark), in one run.

    python3 bench/spark_read.py [--data /tmp/lanceflow-bench] [--rows 1000000] [--runs 5]
                                [--storage-version 2.1] [--batch-size 10000]
                                [--sides jvm,jvm-3.5,python,lance-spark,python-floor]
                                [--jar lanceflow-spark.jar]
                                [--lance-spark-package GROUP:ARTIFACT:VERSION]
                                [--lance-spark-python /tmp/spark35-venv/bin/python]

Sides (each in its own process, fresh local[2] SparkSession):
  jvm           lanceflow's JVM data source (lanceflow-spark.jar, `lanceflow.jvm.jar_path()`),
                format "lanceflow", on this Python's pyspark (4.0)
  jvm-3.5       the same jar on the lance-spark side's pyspark (3.5): same Spark as lance-spark
  python        lanceflow's PySpark Python data source (`lanceflow.spark.register`), pyspark 4.0
  lance-spark   the official connector on the --lance-spark-python pyspark (3.5)
  python-floor  a Python data source that does no work (below)

The table {id int64, text ~50 chars, vector float32[128]} is the one bench/lance_scan.py writes
with lancedb 0.39.0 (reused while its parameters match). Storage version 2.1 by default: the
newest lance-spark bundle the Maven Central mirror serves (0.0.14, Lance 0.35) panics on the 2.2
files lancedb 0.39.0 writes by default ("the offset + length of the sliced Buffer cannot exceed
the existing length" in lance-encoding), and reads 2.1.

The Python data source needs pyspark 4.0 or later; lance-spark needs the pyspark matching its
bundle's Spark and Scala versions: the only bundle on the mirror is for Spark 3.5 / Scala 2.12,
so that side runs the Python given by --lance-spark-python (pyspark 3.5). In each
session, after one untimed warm-up of every query, the two queries run --runs times each,
alternating:
  full   df.write.format("noop") — every column of every row materialised in Spark
  agg    count(*), sum(id), sum(length(text)), sum(vector[0]), sum(vector[127]) — computed in
         Spark over every column; the results of both sides must agree (checked)
Reported: medians of wall time, rows/s, and the throughput ratio lanceflow / lance-spark.

A third line, "python floor", measures PySpark's own Python data source path in the lanceflow
session: a Python data source that yields the same number of already-built Arrow batches of the
same shape (10,000 rows each, no I/O, no decoding). No Python data source can be faster than
that line, so it separates lanceflow's cost from Spark's cost of taking Arrow batches from a
Python worker.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
DIM = 128
DEFAULT_LANCE_SPARK = "com.lancedb:lance-spark-bundle-3.5_2.12:0.0.14"
SIDES = ["jvm", "jvm-3.5", "python", "lance-spark", "python-floor"]
AGG = ["count(*) AS n", "sum(id) AS sum_id", "sum(length(text)) AS sum_len",
       "sum(CAST(vector[0] AS DOUBLE)) AS v0", "sum(CAST(vector[127] AS DOUBLE)) AS v127"]


def floor_source(rows: int):
    """A PySpark DataSource yielding `rows` rows of the bench shape from batches built once."""
    from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition

    class FloorReader(DataSourceReader):
        def partitions(self):
            return [InputPartition(0)]

        def read(self, partition):
            import numpy as np
            import pyarrow as pa
            n = 10000
            vectors = pa.FixedSizeListArray.from_arrays(
                pa.array(np.zeros(n * DIM, dtype=np.float32)), DIM).cast(pa.list_(pa.float32()))
            batch = pa.RecordBatch.from_arrays(
                [pa.array(np.arange(n, dtype=np.int64)), pa.array(["x" * 46] * n), vectors],
                names=["id", "text", "vector"])
            for start in range(0, rows, n):
                yield batch.slice(0, min(n, rows - start))

    class FloorSource(DataSource):
        @classmethod
        def name(cls):
            return "python_floor"

        def schema(self):
            return "id long, text string, vector array<float>"

        def reader(self, schema):
            return FloorReader()

    return FloorSource


def worker(args) -> None:
    """Runs in a child process: one SparkSession, warm-up, timed runs; JSON on stdout."""
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master("local[2]").appName(f"spark_read-{args.worker}")
               .config("spark.ui.enabled", "false")
               .config("spark.driver.memory", "4g")
               .config("spark.sql.shuffle.partitions", "2"))
    table_dir = os.path.join(args.db, "bench.lance")
    if args.worker == "lance-spark":
        builder = (builder.config("spark.jars.packages", args.lance_spark_package)
                   .config("spark.sql.catalog.lance",
                           "com.lancedb.lance.spark.LanceNamespaceSparkCatalog")
                   .config("spark.sql.catalog.lance.impl", "dir")
                   .config("spark.sql.catalog.lance.root", args.db))
    elif args.worker in ("jvm", "jvm-3.5"):
        builder = builder.config("spark.jars", args.jar)
    elif args.worker == "python":
        import lanceflow
        root = os.path.dirname(os.path.dirname(os.path.abspath(lanceflow.__file__)))
        os.environ["PYTHONPATH"] = os.pathsep.join(
            [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
        builder = builder.config("spark.executorEnv.PYTHONPATH", os.environ["PYTHONPATH"])
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")

    if args.worker == "python-floor":
        spark.dataSource.register(floor_source(args.rows))
    if args.worker == "python":
        from lanceflow.spark import register
        register(spark)

    def frame():
        if args.worker == "lance-spark":
            return spark.table("lance.bench")
        if args.worker == "python-floor":
            return spark.read.format("python_floor").load()
        reader = (spark.read.format("lanceflow").option("source", args.db)
                  .option("table", "bench").option("batch_size", str(args.batch_size)))
        if args.partition_rows:
            reader = reader.option("partition_rows", str(args.partition_rows))
        return reader.load()

    df = frame()
    result = {"side": args.worker, "spark": spark.version, "table": table_dir,
              "partitions": df.rdd.getNumPartitions(), "schema": df.schema.simpleString(),
              "full": [], "agg": []}

    def full():
        frame().write.format("noop").mode("overwrite").save()

    def agg():
        return frame().selectExpr(*AGG).collect()[0].asDict()

    full()
    result["agg_values"] = agg()
    for _ in range(args.runs):
        start = time.perf_counter()
        full()
        result["full"].append(time.perf_counter() - start)
        start = time.perf_counter()
        values = agg()
        result["agg"].append(time.perf_counter() - start)
        if values != result["agg_values"]:
            raise SystemExit(f"spark_read: {args.worker}: aggregate changed between runs")
    spark.stop()
    print(json.dumps(result))


def run_side(python: str, side: str, db: str, args) -> dict:
    cmd = [python, os.path.abspath(__file__), "--worker", side, "--db", db,
           "--runs", str(args.runs), "--rows", str(args.rows), "--batch-size", str(args.batch_size),
           "--partition-rows", str(args.partition_rows), "--jar", args.jar or "",
           "--lance-spark-package", args.lance_spark_package]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"spark_read: the {side} side failed (exit {proc.returncode}):\n{tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="/tmp/lanceflow-bench")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--storage-version", default="2.1", choices=["2.2", "2.1", "2.0"])
    ap.add_argument("--batch-size", type=int, default=10000,
                    help="the lanceflow connector's batch_size option (rows per Arrow batch)")
    ap.add_argument("--partition-rows", type=int, default=0,
                    help="the lanceflow connector's partition_rows option (rows per Spark "
                         "partition of a large fragment); 0: the data source's default")
    ap.add_argument("--sides", default="jvm,jvm-3.5,python,lance-spark,python-floor",
                    help="comma-separated sides to run (lance-spark is the reference and always "
                         "runs)")
    ap.add_argument("--jar", default="",
                    help="lanceflow-spark.jar (default: lanceflow.jvm.jar_path())")
    ap.add_argument("--lance-spark-package", default=DEFAULT_LANCE_SPARK)
    ap.add_argument("--lance-spark-python",
                    default=os.environ.get("LANCE_SPARK_PYTHON", "/tmp/spark35-venv/bin/python"),
                    help="a Python whose pyspark matches the lance-spark bundle's Spark version")
    ap.add_argument("--worker", choices=SIDES,
                    help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args)
        return

    import lance_scan
    db = lance_scan.ensure_data(args)
    if not os.path.exists(args.lance_spark_python):
        raise SystemExit(f"spark_read: {args.lance_spark_python} not found; create it with\n"
                         f"  python3 -m venv /tmp/spark35-venv && "
                         f"/tmp/spark35-venv/bin/pip install 'pyspark==3.5.*'")
    print(f"table {db} ({args.rows} rows, format {args.storage_version}); "
          f"{args.runs} timed runs per query and side", file=sys.stderr)
    wanted = [s.strip() for s in args.sides.split(",") if s.strip()]
    for s in wanted:
        if s not in SIDES:
            raise SystemExit(f"spark_read: unknown side {s!r} (sides: {', '.join(SIDES)})")
    if "lance-spark" not in wanted:
        wanted.append("lance-spark")
    if any(s.startswith("jvm") for s in wanted) and not args.jar:
        import lanceflow.jvm
        args.jar = lanceflow.jvm.jar_path()
    sides = []
    for side in SIDES:
        if side in wanted:
            python = args.lance_spark_python if side in ("lance-spark", "jvm-3.5") else sys.executable
            sides.append(run_side(python, side, db, args))
            print(f"  {side}: done", file=sys.stderr)

    ref = next(s for s in sides if s["side"] == "lance-spark")
    theirs = ref["agg_values"]
    for side in sides:
        if side["side"] == "python-floor":
            continue
        mine = side["agg_values"]
        for key in ("n", "sum_id", "sum_len"):
            if mine[key] != theirs[key]:
                raise SystemExit(f"spark_read: {key} differs: {side['side']} {mine[key]} != "
                                 f"lance-spark {theirs[key]}")
        for key in ("v0", "v127"):
            if not close(mine[key], theirs[key]):
                raise SystemExit(f"spark_read: {key} differs: {side['side']} {mine[key]} != "
                                 f"lance-spark {theirs[key]}")
        if mine["n"] != args.rows:
            raise SystemExit(f"spark_read: {side['side']}: {mine['n']} rows read, "
                             f"{args.rows} expected")

    print("| query | reader | Spark | partitions | median s | rows/s | throughput / lance-spark |")
    print("|---|---|---|---|---|---|---|")
    for query in ("full", "agg"):
        base = statistics.median(ref[query])
        for side in sides:
            median = statistics.median(side[query])
            print(f"| {query} | {side['side']} | {side['spark']} | {side['partitions']} | "
                  f"{median:.3f} | {args.rows / median:,.0f} | {base / median:.2f} |")
    print()
    print("schemas: " + "; ".join(f"{s['side']}: {s['schema']}" for s in sides))
    print("all runs: " + json.dumps({s["side"]: {"full": s["full"], "agg": s["agg"]}
                                     for s in sides}))


if __name__ == "__main__":
    main()
