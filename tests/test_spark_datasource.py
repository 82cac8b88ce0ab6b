"""The PySpark data source `lanceflow` (python/lanceflow/spark.py) in real Spark (pyspark 4.0,
local mode) with Delta Lake (delta-spark, jars from Maven Central). With the environment
LANCEFLOW_SPARK_DATASOURCE=jvm the same checks apply to the JVM data source (lanceflow-spark.jar).

Sources are written by the official engine (lancedb, pinned in requirements.txt); expected
values come from the engine's own rows under the documented Spark mapping (every integer a
long, float16 a float, timestamps microseconds in UTC, fixed-size lists arrays), with the
table builder and value mapping of tests/fixtures/sync_all_types.py (also used by the sync
tests), which compute the expected values without lanceflow.

  - batch: every type equals the engine's rows; the Spark schema is the documented mapping;
  - partitioned batch over a multi-fragment table with deletions: more than one Spark partition,
    every live row exactly once;
  - a one-fragment table is read by defaultParallelism tasks unless partition_rows or
    target_partitions is given;
  - streaming with Trigger.AvailableNow into a Delta table through foreachBatch MERGE by key:
    the query terminates and the table equals the source; after the engine updates and appends
    rows a second run on the same checkpoint reads only the changed rows and the table equals
    the source again; a third run with no change reads nothing.
"""

from __future__ import annotations

import json
import os

import lancedb
import pyarrow as pa
import pytest

pytest.importorskip("pyspark")
pytest.importorskip("delta")
lanceflow = pytest.importorskip("lanceflow")

from fixtures.sync_all_types import (SCHEMA, canon, expected_rows, first_difference,  # noqa: E402
                                     make_rows, spark_type)
from lanceflow.spark import FORMAT_NAME, register  # noqa: E402

STREAM_TIMEOUT_S = 300
# tests/test_spark_jvm.py runs this suite again in a child process with the JVM data source
# (lanceflow-spark.jar at LANCEFLOW_SPARK_JAR) serving the format: the same checks, the other
# implementation.
JVM_MODE = os.environ.get("LANCEFLOW_SPARK_DATASOURCE") == "jvm"


def _package_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(lanceflow.__file__)))


@pytest.fixture(scope="module")
def spark():
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    # Spark's Python workers must import the same lanceflow package as this process.
    root = _package_root()
    paths = [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    builder = (SparkSession.builder.master("local[2]").appName("lanceflow-datasource-test")
               .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
               .config("spark.sql.catalog.spark_catalog",
                       "org.apache.spark.sql.delta.catalog.DeltaCatalog")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.executorEnv.PYTHONPATH", os.environ["PYTHONPATH"])
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2"))
    if JVM_MODE:
        builder = builder.config("spark.jars", os.environ["LANCEFLOW_SPARK_JAR"])
    session = configure_spark_with_delta_pip(builder).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    # With the jar on the class path the JVM source serves the format and register() leaves it.
    assert register(session) is (not JVM_MODE)
    yield session
    session.stop()


def by_id(rows: list) -> list:
    return sorted(rows, key=lambda r: r["id"])


def spark_rows(df) -> list:
    return by_id([{k: canon(v) for k, v in r.asDict().items()} for r in df.collect()])


def check_frame(df, source: pa.Table, what: str) -> None:
    """The frame's schema is the documented mapping and its rows are the engine's."""
    types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    assert df.columns == source.schema.names, what
    assert types == {f.name: spark_type(f.type) for f in source.schema}, f"{what}: {types}"
    msg = first_difference(spark_rows(df), by_id(expected_rows(source)), what)
    assert msg is None, msg


def check_delta(spark, path: str, source: pa.Table, what: str) -> None:
    check_frame(spark.read.format("delta").load(path), source, what)


def test_batch_read_every_type_equals_engine(tmp_path, spark):
    db_dir = str(tmp_path / "db")
    db = lancedb.connect(db_dir)
    tbl = db.create_table("all_types", make_rows(0, 120, 0))
    tbl.add(make_rows(120, 40, 0))
    source = tbl.to_arrow()
    assert source.schema.names == SCHEMA.names

    df = spark.read.format(FORMAT_NAME).option("source", db_dir).option("table", "all_types").load()
    check_frame(df, source, "batch read")
    assert not df.schema["id"].nullable

    # Spark computes over the Arrow columns it was handed, not only collects them.
    want = expected_rows(source)
    agg = df.selectExpr("count(*) AS n", "sum(i32) AS s", "max(ts_ns) AS m",
                        "sum(size(vec)) AS v").collect()[0]
    assert agg["n"] == len(want)
    assert agg["s"] == sum(r["i32"] for r in want if r["i32"] is not None)
    assert canon(agg["m"]) == max(r["ts_ns"] for r in want if r["ts_ns"] is not None)
    assert agg["v"] == sum(len(r["vec"]) for r in want if r["vec"] is not None)


def test_partitioned_read_returns_each_row_once(tmp_path, spark):
    from pyspark.sql.functions import spark_partition_id

    db_dir = str(tmp_path / "db")
    db = lancedb.connect(db_dir)
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("text", pa.string()),
                        pa.field("vector", pa.list_(pa.float32(), 8))])

    def rows(start, n):
        return pa.Table.from_pylist([{"id": i, "text": f"row {i}", "vector": [i / 8.0] * 8}
                                     for i in range(start, start + n)], schema=schema)

    tbl = db.create_table("multi", rows(0, 3000))
    for start in (3000, 4500, 6000, 7000):  # one fragment per add
        tbl.add(rows(start, 1500 if start < 6000 else 1000))
    tbl.delete("id % 97 = 5 OR (id >= 4600 AND id < 4700)")
    source_ids = sorted(tbl.to_arrow().column("id").to_pylist())
    assert len(source_ids) > 7000

    df = (spark.read.format(FORMAT_NAME).option("source", db_dir).option("table", "multi")
          .load())
    assert df.rdd.getNumPartitions() > 1
    got = df.select("id", spark_partition_id().alias("part")).collect()
    ids = [r["id"] for r in got]
    assert len(ids) == len(set(ids)), "a row was read twice"
    assert sorted(ids) == source_ids
    assert len({r["part"] for r in got}) > 1, "every row came from one partition"

    # Values come through the partitions too, not only the keys.
    full = {r["id"]: r for r in df.collect()}
    for i in (0, 2999, 3000, 4599, 4700, 7999):
        if i in full:
            assert full[i]["text"] == f"row {i}"
            assert list(full[i]["vector"]) == [i / 8.0] * 8

    narrow = (spark.read.format(FORMAT_NAME).option("source", db_dir).option("table", "multi")
              .option("columns", '["id","text"]').load())
    assert narrow.columns == ["id", "text"]
    assert narrow.count() == len(source_ids)


def test_one_fragment_table_spreads_over_the_default_parallelism(tmp_path, spark):
    """register(spark) defaults target_partitions to defaultParallelism (2 in local[2]): a
    one-fragment table is read by that many tasks; an explicit option wins."""
    from pyspark.sql.functions import spark_partition_id

    db_dir = str(tmp_path / "db")
    n = 50000
    table = pa.table({"id": pa.array(range(n), pa.int64()),
                      "x": pa.array([i * 0.5 for i in range(n)], pa.float64())})
    lancedb.connect(db_dir).create_table("one", table)

    def frame(**options):
        reader = (spark.read.format(FORMAT_NAME).option("source", db_dir).option("table", "one")
                  .option("batch_size", "1000"))
        for key, value in options.items():
            reader = reader.option(key, value)
        return reader.load()

    assert spark.sparkContext.defaultParallelism == 2
    cases = [({}, 2), ({"partition_rows": "10000"}, 5), ({"target_partitions": "4"}, 4),
             ({"target_partitions": "1"}, 1)]
    for options, want in cases:
        df = frame(**options)
        assert df.rdd.getNumPartitions() == want, options
        got = df.select("id", "x", spark_partition_id().alias("part")).collect()
        ids = [r["id"] for r in got]
        assert len(ids) == n and sorted(ids) == list(range(n)), options
        assert all(r["x"] == r["id"] * 0.5 for r in got)
        assert len({r["part"] for r in got}) == want, options


def _run_available_now(spark, db_dir: str, table: str, target: str, checkpoint: str,
                       options: dict) -> list:
    """One Trigger.AvailableNow run merging into the Delta table `target` by id; returns the
    micro-batches' row counts."""
    from delta.tables import DeltaTable

    batches = []

    def merge(batch_df, batch_id):
        rows = batch_df.count()
        batches.append(rows)
        if rows == 0:
            return
        keys = batch_df.select("id").distinct().count()
        assert keys == rows, f"micro-batch {batch_id} holds a key twice"
        if not DeltaTable.isDeltaTable(spark, target):
            batch_df.write.format("delta").save(target)
            return
        (DeltaTable.forPath(spark, target).alias("t")
         .merge(batch_df.alias("s"), "t.id = s.id")
         .whenMatchedUpdateAll().whenNotMatchedInsertAll().execute())

    reader = spark.readStream.format(FORMAT_NAME).option("source", db_dir).option("table", table)
    for key, value in options.items():
        reader = reader.option(key, value)
    query = (reader.load().writeStream.foreachBatch(merge)
             .option("checkpointLocation", checkpoint).trigger(availableNow=True).start())
    finished = query.awaitTermination(STREAM_TIMEOUT_S)
    if not finished:
        query.stop()
    assert finished, f"Trigger.AvailableNow did not terminate within {STREAM_TIMEOUT_S} s"
    assert query.exception() is None, query.exception()
    return batches


def checkpoint_offsets(checkpoint: str) -> list:
    """The source offsets Spark checkpointed, one per micro-batch (offsets/<batch id>: a version
    line, the batch metadata, then one line per source)."""
    directory = os.path.join(checkpoint, "offsets")
    out = []
    for name in sorted((n for n in os.listdir(directory) if n.isdigit()), key=int):
        with open(os.path.join(directory, name)) as f:
            lines = f.read().splitlines()
        assert len(lines) == 3, lines
        out.append(json.loads(lines[2]))
    return out


def assert_flat_offset(offset) -> None:
    """Contract O1: a JSON object of primitives (no list, no object, no float)."""
    assert isinstance(offset, dict), offset
    for key, value in offset.items():
        assert value is None or isinstance(value, (str, bool, int)), (key, offset)


def test_stream_available_now_merge_into_delta(tmp_path, spark):
    db_dir = str(tmp_path / "db")
    target = str(tmp_path / "lakehouse" / "events")
    checkpoint = str(tmp_path / "checkpoint")
    db = lancedb.connect(db_dir)
    tbl = db.create_table("events", make_rows(0, 120, 0))
    tbl.add(make_rows(120, 60, 0))
    # Small admission batches: one trigger has to follow several connector offsets.
    options = {"ingestion_type": "cdc", "primary_keys": '["id"]', "cursor_field": "updated_at",
               "max_records_per_batch": "50"}

    first = _run_available_now(spark, db_dir, "events", target, checkpoint, options)
    assert sum(first) == 180
    check_delta(spark, target, tbl.to_arrow(), "first AvailableNow run")

    # The engine changes the source: updates (newer cursor) and appends.
    tbl.merge_insert("id").when_matched_update_all().execute(make_rows(10, 20, 1))
    tbl.add(make_rows(500, 15, 1))
    second = _run_available_now(spark, db_dir, "events", target, checkpoint, options)
    # The checkpoint is reused: only the updated and the appended rows are read again.
    assert sum(second) == 20 + 15
    check_delta(spark, target, tbl.to_arrow(), "second AvailableNow run")

    third = _run_available_now(spark, db_dir, "events", target, checkpoint, options)
    assert sum(third) == 0
    check_delta(spark, target, tbl.to_arrow(), "third AvailableNow run, source unchanged")

    # What Spark checkpointed are the connector's offsets: flat objects of primitives, the
    # (cursor, key) position keeping the key tuple as JSON text.
    offsets = checkpoint_offsets(checkpoint)
    assert len(offsets) >= 2
    for offset in offsets:
        assert_flat_offset(offset)
        assert isinstance(json.loads(offset["key"]), list)


def test_unknown_table_fails_clearly(tmp_path, spark):
    db_dir = str(tmp_path / "db")
    db = lancedb.connect(db_dir)
    db.create_table("t", pa.Table.from_pylist([{"id": 1}]))
    df = spark.read.format(FORMAT_NAME).option("source", db_dir).option("table", "no_such_table")
    with pytest.raises(Exception) as info:
        df.load().collect()
    assert "no_such_table" in str(info.value)
