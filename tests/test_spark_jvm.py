"""The JVM data source (spark/, lanceflow-spark.jar: Spark DataSource V2 format "lanceflow" over
the native reader through the Arrow C Data Interface) in real Spark (pyspark, local[2]).

Spark fixes a JVM's class path when the first session of a process starts, and the other Spark
suites in this process start theirs without the jar, so every case here runs in a child Python
process with its own Spark (this file, run as a script). The parent writes the sources with the
official engine and computes the expected values from the engine's rows
(tests/fixtures/sync_all_types.py, as for the Python data source); the child only reads through
Spark and sends back what it read.

  - every type: schema is the documented mapping, rows equal the engine's; a projection reads
    only its columns (pruned scan) and count(*) reads no column at all, both exact;
  - partitions: a multi-fragment table with deletions is read in several Spark partitions, each
    live row exactly once; a one-fragment table spreads over Spark's default parallelism unless
    partition_rows says otherwise;
  - LanceDB Cloud: the same table through the Cloud test server (page ranges of one pinned
    version) equals the engine's rows;
  - errors: an unknown table and a wrong API key fail with lanceflow's one-line message, the key
    never shown.
  - the Python data source's own suite (tests/test_spark_datasource.py: every type, partitioned
    exactly once, Trigger.AvailableNow merged into Delta, errors) passes with the JVM source
    serving the format.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

_TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

CHILD_TIMEOUT_S = 600


# --------------------------------------------------------------------------------------------
# Child side: one Spark session with the jar, one case, results pickled to a file.

def _session(jar: str, java_options: str = ""):
    from pyspark.sql import SparkSession
    builder = (SparkSession.builder.master("local[2]").appName("lanceflow-jvm-test")
               .config("spark.jars", jar)
               .config("spark.driver.extraJavaOptions", java_options)
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2"))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _reader(spark, options: dict):
    r = spark.read.format("lanceflow")
    for k, v in options.items():
        r = r.option(k, v)
    return r


def _rows(df) -> list:
    from fixtures.sync_all_types import canon
    return sorted(([{k: canon(v) for k, v in r.asDict().items()} for r in df.collect()]),
                  key=lambda r: r["id"])


def _plan(df) -> str:
    return df._jdf.queryExecution().executedPlan().toString()


def _error_of(fn) -> str:
    try:
        fn()
    except Exception as e:  # py4j / pyspark wrap the Java exception
        return str(e)
    return ""


def child_every_type(spark, args: dict) -> dict:
    df = _reader(spark, args["options"]).load()
    narrow = df.select("id", "i32", "name", "vec")
    return {
        "types": {f.name: f.dataType.simpleString() for f in df.schema.fields},
        "columns": df.columns,
        "id_nullable": df.schema["id"].nullable,
        "rows": _rows(df),
        "narrow_rows": _rows(narrow),
        "narrow_plan": _plan(narrow),
        "count": df.count(),
        "count_plan": _plan(df.groupBy().count()),
        "agg": df.selectExpr("count(*) AS n", "sum(i32) AS s", "sum(size(vec)) AS v",
                             "sum(length(name)) AS l").collect()[0].asDict(),
    }


def child_partitions(spark, args: dict) -> dict:
    from pyspark.sql.functions import spark_partition_id
    out = {}
    for name, options in args["reads"].items():
        df = _reader(spark, options).load()
        got = df.select("id", spark_partition_id().alias("part")).collect()
        out[name] = {"partitions": df.rdd.getNumPartitions(),
                     "ids": [r["id"] for r in got], "parts": sorted({r["part"] for r in got})}
    out["parallelism"] = spark.sparkContext.defaultParallelism
    return out


def child_errors(spark, args: dict) -> dict:
    return {name: _error_of(lambda o=options: _reader(spark, o).load().collect())
            for name, options in args["reads"].items()}


def child_rows(spark, args: dict) -> dict:
    out = {}
    for name, options in args["reads"].items():
        df = _reader(spark, options).load()
        if name in args.get("select", {}):
            df = df.select(*args["select"][name])
        out[name] = {"types": {f.name: f.dataType.simpleString() for f in df.schema.fields},
                     "rows": _rows(df)}
    return out


def child_stream(spark, args: dict) -> dict:
    """Trigger.AvailableNow runs on one checkpoint, the engine changing the source in between
    (the changes are made here, between runs, as the parent describes them)."""
    import lancedb as engine
    from fixtures.sync_all_types import make_rows

    runs = []
    for change in args["changes"]:
        tbl = engine.connect(args["options"]["source"]).open_table(args["options"]["table"])
        if change == "update_and_append":
            tbl.merge_insert("id").when_matched_update_all().execute(make_rows(10, 20, 1))
            tbl.add(make_rows(500, 15, 1))
        batches = []

        def collect(batch_df, batch_id, batches=batches):
            batches.append(sorted(r["id"] for r in batch_df.select("id").collect()))

        reader = spark.readStream.format("lanceflow")
        for k, v in args["options"].items():
            reader = reader.option(k, v)
        query = (reader.load().writeStream.foreachBatch(collect)
                 .option("checkpointLocation", args["checkpoint"])
                 .trigger(availableNow=True).start())
        finished = query.awaitTermination(300)
        if not finished:
            query.stop()
        runs.append({"finished": finished, "batches": batches,
                     "error": None if query.exception() is None else str(query.exception())})
    return {"runs": runs}


CHILD_CASES = {"stream": child_stream, "every_type": child_every_type, "partitions": child_partitions,
               "errors": child_errors, "rows": child_rows}


def child_main(argv) -> None:
    case, args_path, out_path = argv
    with open(args_path) as f:
        args = json.load(f)
    spark = _session(args["jar"], args.get("java_options", ""))
    try:
        result = CHILD_CASES[case](spark, args)
    finally:
        spark.stop()
    with open(out_path, "wb") as f:
        pickle.dump(result, f)


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "child":
    child_main(sys.argv[2:])
    sys.exit(0)


# --------------------------------------------------------------------------------------------
# Parent side: the tests.

import lancedb  # noqa: E402
import pyarrow as pa  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("pyspark")
lanceflow = pytest.importorskip("lanceflow")
import lanceflow.jvm  # noqa: E402

from fixtures.sync_all_types import (SCHEMA, expected_rows, first_difference,  # noqa: E402
                                     make_rows, spark_type)


@pytest.fixture(scope="module")
def jar() -> str:
    # The package is built with the jar wherever the test tools are installed (a JDK and pyspark
    # come with scripts/install-deps.sh): a missing jar is a failure, not a skip.
    return lanceflow.jvm.jar_path()


def run_child(tmp_path, case: str, args: dict) -> dict:
    args_path = tmp_path / f"{case}-args.json"
    out_path = tmp_path / f"{case}-out.pickle"
    args_path.write_text(json.dumps(args))
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "child", case,
                           str(args_path), str(out_path)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=CHILD_TIMEOUT_S, cwd=_TESTS_DIR)
    if proc.returncode != 0:
        lines = (proc.stdout + proc.stderr).strip().splitlines()
        causes = [l for l in lines if ("Exception" in l or "Error" in l)
                  and not l.lstrip().startswith("at ")][:8]
        tail = "\n".join(causes + ["..."] + lines[-25:])
        pytest.fail(f"the Spark child for case {case!r} failed (exit {proc.returncode}):\n{tail}")
    with open(out_path, "rb") as f:
        return pickle.load(f)


def by_id(rows: list) -> list:
    return sorted(rows, key=lambda r: r["id"])


def test_every_type_equals_engine_and_pruned_reads(tmp_path, jar):
    db_dir = str(tmp_path / "db")
    tbl = lancedb.connect(db_dir).create_table("all_types", make_rows(0, 120, 0))
    tbl.add(make_rows(120, 40, 0))
    source = tbl.to_arrow()
    assert source.schema.names == SCHEMA.names
    want = by_id(expected_rows(source))

    got = run_child(tmp_path, "every_type",
                    {"jar": jar, "options": {"source": db_dir, "table": "all_types"}})
    assert got["columns"] == SCHEMA.names
    assert got["types"] == {f.name: spark_type(f.type) for f in SCHEMA}, got["types"]
    assert got["id_nullable"] is False
    msg = first_difference(got["rows"], want, "JVM batch read")
    assert msg is None, msg

    # A projection reads only its columns (the scan says so) and returns the same values.
    narrow = ["id", "i32", "name", "vec"]
    msg = first_difference(got["narrow_rows"], [{k: r[k] for k in narrow} for r in want],
                           "JVM pruned read")
    assert msg is None, msg
    assert f"({len(narrow)} of {len(SCHEMA.names)} columns)" in got["narrow_plan"], \
        got["narrow_plan"]
    # count(*) needs no column: no column reaches Spark, the count is exact.
    assert got["count"] == len(want)
    assert f"(0 of {len(SCHEMA.names)} columns)" in got["count_plan"], got["count_plan"]

    agg = got["agg"]
    assert agg["n"] == len(want)
    assert agg["s"] == sum(r["i32"] for r in want if r["i32"] is not None)
    assert agg["v"] == sum(len(r["vec"]) for r in want if r["vec"] is not None)
    assert agg["l"] == sum(len(r["name"]) for r in want if r["name"] is not None)


def test_edge_values(tmp_path, jar):
    """Values at the edges of each physical conversion the JVM vectors make: uint64 above 2^63
    as decimal(20,0) (the 128-bit decimal path), decimal(38,10) beyond a long, half floats
    (subnormal, infinities, NaN), nanoseconds before the epoch (floored), negative date64,
    decimal256 as its text."""
    import datetime as dt
    from decimal import Decimal

    schema = pa.schema([
        pa.field("id", pa.int64(), nullable=False),
        pa.field("u64", pa.uint64()),
        pa.field("d38", pa.decimal128(38, 10)),
        pa.field("d256", pa.decimal256(40, 2)),
        pa.field("f16", pa.float16()),
        pa.field("ts_ns", pa.timestamp("ns")),
        pa.field("day64", pa.date64()),
    ])
    import numpy as np
    u64 = [0, 2**63 - 1, 2**63, 2**64 - 1, None, 12345]
    d38 = [Decimal("0"), Decimal("-1234567890123456789012345678.0123456789"),
           Decimal("9999999999999999999999999999.9999999999"), Decimal("-0.0000000001"), None,
           Decimal("1.5")]
    d256 = [Decimal("12.50"), Decimal("-3.00"), None, Decimal("0.01"), Decimal("100.00"),
            Decimal("-0.50")]
    f16 = np.array([5.96e-08, -np.inf, np.inf, np.nan, 65504.0, -0.0], dtype=np.float16)
    ts_ns = [-1, -999, -1_000_001, 1_700_000_000_123_456_789, None, 0]
    day64 = [-86_400_000 * 3, 0, 86_400_000 * 20000, None, -86_400_000, 86_400_000]
    table = pa.table([pa.array(range(6), pa.int64()), pa.array(u64, pa.uint64()),
                      pa.array(d38, pa.decimal128(38, 10)), pa.array(d256, pa.decimal256(40, 2)),
                      pa.array(f16, pa.float16()), pa.array(ts_ns, pa.timestamp("ns")),
                      pa.array(day64, pa.date64())], schema=schema)
    db_dir = str(tmp_path / "db")
    source = lancedb.connect(db_dir).create_table("edge", table).to_arrow()

    got = run_child(tmp_path, "rows", {"jar": jar, "reads": {
        "edge": {"source": db_dir, "table": "edge", "uint64_as_decimal": "true"},
    }})["edge"]
    assert got["types"] == {"id": "bigint", "u64": "decimal(20,0)", "d38": "decimal(38,10)",
                            "d256": "string", "f16": "float", "ts_ns": "timestamp",
                            "day64": "date"}, got["types"]
    epoch = dt.datetime(1970, 1, 1)
    want_rows = []
    plain = source.drop_columns(["ts_ns", "day64"]).to_pylist()
    ns_values = source.column("ts_ns").cast(pa.int64()).to_pylist()
    ms_values = source.column("day64").cast(pa.int64()).to_pylist()
    for r, ns, ms in zip(plain, ns_values, ms_values):
        want_rows.append({
            "id": r["id"],
            "u64": None if r["u64"] is None else Decimal(r["u64"]),
            "d38": r["d38"],
            "d256": None if r["d256"] is None else str(r["d256"]),
            "f16": None if r["f16"] is None else float(r["f16"]),
            "ts_ns": None if ns is None else epoch + dt.timedelta(microseconds=ns // 1000),
            "day64": None if ms is None else (epoch + dt.timedelta(days=ms // 86_400_000)).date(),
        })
    msg = first_difference(got["rows"], by_id(want_rows), "JVM edge values")
    assert msg is None, msg


def test_stream_available_now_with_admission_control(tmp_path, jar):
    db_dir = str(tmp_path / "db")
    tbl = lancedb.connect(db_dir).create_table("events", make_rows(0, 120, 0))
    tbl.add(make_rows(120, 60, 0))
    options = {"source": db_dir, "table": "events", "ingestion_type": "cdc",
               "primary_keys": '["id"]', "cursor_field": "updated_at",
               "max_records_per_batch": "50"}
    got = run_child(tmp_path, "stream", {
        "jar": jar, "options": options, "checkpoint": str(tmp_path / "checkpoint"),
        "changes": ["none", "update_and_append", "none"]})["runs"]
    for i, run in enumerate(got):
        assert run["finished"], f"run {i}: Trigger.AvailableNow did not terminate"
        assert run["error"] is None, run["error"]
        # Admission control: no micro-batch holds more than max_records_per_batch records.
        assert all(len(b) <= 50 for b in run["batches"]), [len(b) for b in run["batches"]]
    first = [i for b in got[0]["batches"] for i in b]
    assert sorted(first) == list(range(180))
    assert len([b for b in got[0]["batches"] if b]) >= 4
    second = sorted(i for b in got[1]["batches"] for i in b)
    assert second == sorted(list(range(10, 30)) + list(range(500, 515)))
    assert [i for b in got[2]["batches"] for i in b] == []


def test_unicode_names_cross_the_jni_boundary(tmp_path, jar):
    """Column names outside ASCII and the BMP go from the native schema to Spark and back into
    the pruned scan's `columns` option intact."""
    odd = "gr\u00f6\u00dfe \U0001F4CF"
    table = pa.table({"id": pa.array([1, 2, 3], pa.int64()),
                      odd: pa.array(["a\U0001F600", None, "\u00e9t\u00e9"]),
                      "other": pa.array([1.5, 2.5, 3.5])})
    db_dir = str(tmp_path / "db")
    lancedb.connect(db_dir).create_table("names", table)
    got = run_child(tmp_path, "rows", {"jar": jar, "select": {"names": ["id", odd]},
                                       "reads": {"names": {"source": db_dir, "table": "names"}}})
    assert got["names"]["types"] == {"id": "bigint", odd: "string"}
    assert got["names"]["rows"] == [{"id": 1, odd: "a\U0001F600"}, {"id": 2, odd: None},
                                    {"id": 3, odd: "\u00e9t\u00e9"}]


def test_native_library_from_a_system_property(tmp_path, jar):
    """-Dlanceflow.native.library loads the given library instead of extracting the jar's copy
    (for temporary directories mounted noexec)."""
    import zipfile
    lib = tmp_path / "liblanceflow_jni.so"
    with zipfile.ZipFile(jar) as z:
        lib.write_bytes(z.read("io/lanceflow/spark/native/liblanceflow_jni.so"))
    java_tmp = tmp_path / "java-tmp"
    java_tmp.mkdir()
    db_dir = str(tmp_path / "db")
    lancedb.connect(db_dir).create_table("t", pa.table({"id": pa.array([3, 1, 2], pa.int64())}))
    got = run_child(tmp_path, "rows", {
        "jar": jar, "reads": {"t": {"source": db_dir, "table": "t"}},
        "java_options": f"-Dlanceflow.native.library={lib} -Djava.io.tmpdir={java_tmp}"})
    assert got["t"]["rows"] == [{"id": 1}, {"id": 2}, {"id": 3}]
    assert not [n for n in os.listdir(java_tmp) if n.startswith("liblanceflow_jni")]


def test_partitions_each_row_once(tmp_path, jar):
    db_dir = str(tmp_path / "db")
    db = lancedb.connect(db_dir)
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("text", pa.string())])

    def rows(start, n):
        return pa.Table.from_pylist([{"id": i, "text": f"row {i}"}
                                     for i in range(start, start + n)], schema=schema)

    multi = db.create_table("multi", rows(0, 3000))
    for start in (3000, 4500, 6000):  # one fragment per add
        multi.add(rows(start, 1500))
    multi.delete("id % 97 = 5 OR (id >= 4600 AND id < 4700)")
    multi_ids = sorted(multi.to_arrow().column("id").to_pylist())
    one = db.create_table("one", rows(0, 40000))  # one fragment
    one_ids = list(range(40000))

    base = {"source": db_dir, "batch_size": "1000"}
    got = run_child(tmp_path, "partitions", {"jar": jar, "reads": {
        "multi": dict(base, table="multi"),
        "one": dict(base, table="one"),
        "one_rows": dict(base, table="one", partition_rows="5000"),
    }})
    for name, want in (("multi", multi_ids), ("one", one_ids), ("one_rows", one_ids)):
        ids = got[name]["ids"]
        assert len(ids) == len(set(ids)), f"{name}: a row was read twice"
        assert sorted(ids) == want, f"{name}: rows differ"
        assert len(got[name]["parts"]) > 1, f"{name}: every row came from one partition"
    assert got["multi"]["partitions"] > 1
    # One fragment: as many partitions as Spark's default parallelism, unless partition_rows.
    assert got["one"]["partitions"] == got["parallelism"] == 2
    assert got["one_rows"]["partitions"] == 40000 // 5000


def test_cloud_table_equals_engine(tmp_path, jar, cloud_server_factory):
    db_dir = str(tmp_path / "db")
    tbl = lancedb.connect(db_dir).create_table("all_types", make_rows(0, 90, 0))
    tbl.add(make_rows(90, 30, 0))
    want = by_id(expected_rows(tbl.to_arrow()))
    server = cloud_server_factory(db_dir=db_dir)
    options = {"source": server.source, "host_override": server.url, "api_key": server.api_key,
               "table": "all_types", "page_rows": "25"}
    got = run_child(tmp_path, "every_type", {"jar": jar, "options": options})
    msg = first_difference(got["rows"], want, "JVM read of a Cloud table")
    assert msg is None, msg
    assert got["count"] == len(want)


def test_errors_are_one_line_and_redact_the_key(tmp_path, jar, cloud_server_factory):
    db_dir = str(tmp_path / "db")
    lancedb.connect(db_dir).create_table("t", pa.Table.from_pylist([{"id": 1}]))
    server = cloud_server_factory(db_dir=db_dir)
    wrong_key = "sk_wrong_0123456789abcdef"
    got = run_child(tmp_path, "errors", {"jar": jar, "reads": {
        "unknown": {"source": db_dir, "table": "no_such_table"},
        "no_table": {"source": db_dir},
        "bad_option": {"source": db_dir, "table": "t", "batch_size": "0"},
        "wrong_key": {"source": server.source, "host_override": server.url,
                      "api_key": wrong_key, "table": "t", "max_attempts": "1"},
    }})
    for name, text in got.items():
        assert "LanceflowException" in text, f"{name}: {text[:400]}"
        assert wrong_key not in text, f"{name}: the API key leaked"
    line = {name: next(l for l in text.splitlines() if "LanceflowException" in l)
            for name, text in got.items()}
    assert "no_such_table" in line["unknown"]
    assert "option 'table' is required" in line["no_table"]
    assert "batch_size" in line["bad_option"]
    assert "401" in line["wrong_key"] or "auth" in line["wrong_key"].lower(), line["wrong_key"]


def test_python_datasource_suite_on_the_jvm_source(tmp_path, jar):
    """tests/test_spark_datasource.py again, with format "lanceflow" served by the jar."""
    env = dict(os.environ, LANCEFLOW_SPARK_DATASOURCE="jvm", LANCEFLOW_SPARK_JAR=jar)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--basetemp", str(tmp_path / "suite"),
                           os.path.join(_TESTS_DIR, "test_spark_datasource.py")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                          timeout=CHILD_TIMEOUT_S, cwd=os.path.dirname(_TESTS_DIR))
    tail = "\n".join(proc.stdout.strip().splitlines()[-30:])
    assert proc.returncode == 0, tail
    assert " passed" in tail and "skipped" not in tail, tail
