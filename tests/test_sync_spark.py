"""Spark with Delta Lake (pyspark + delta-spark from PyPI, the Delta jars from Maven Central)
reads the Delta tables `lanceflow sync` writes, and its rows equal the source's.

The source is written by the official engine (lancedb, pinned in requirements.txt) with a column
of each type the interfaces document lists that Spark can hold; the expected values follow the
documented Spark mapping (every integer a long, float16 a float, timestamps microseconds in UTC,
fixed-size lists arrays). One sync, then the engine updates and deletes rows, then a second sync:
Spark must see the source's current rows both times (snapshot flow), and the SCD_TYPE_1 merge of
the same table by key must agree.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os

import lancedb
import pyarrow as pa
import pytest

from lanceflow_cli import run

pyspark = pytest.importorskip("pyspark")
delta = pytest.importorskip("delta")

SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False),
    pa.field("i8", pa.int8()),
    pa.field("i16", pa.int16()),
    pa.field("i32", pa.int32()),
    pa.field("u8", pa.uint8()),
    pa.field("u32", pa.uint32()),
    pa.field("u64", pa.uint64()),
    pa.field("f32", pa.float32()),
    pa.field("f64", pa.float64()),
    pa.field("flag", pa.bool_()),
    pa.field("name", pa.string()),
    pa.field("big_name", pa.large_string()),
    pa.field("blob", pa.binary()),
    pa.field("day", pa.date32()),
    pa.field("ts_ms", pa.timestamp("ms")),
    pa.field("ts_us_tz", pa.timestamp("us", tz="UTC")),
    pa.field("ts_ns", pa.timestamp("ns", tz="America/New_York")),
    pa.field("dec", pa.decimal128(12, 3)),
    pa.field("tags", pa.list_(pa.string())),
    pa.field("point", pa.struct([pa.field("x", pa.float64()), pa.field("y", pa.int32())])),
    pa.field("events", pa.list_(pa.struct([pa.field("k", pa.int32()), pa.field("v", pa.string())]))),
    pa.field("vec", pa.list_(pa.float32(), 4)),
    pa.field("updated_at", pa.timestamp("us", tz="UTC")),
])

T0 = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.timezone.utc)


def make_rows(start: int, n: int, version: int):
    rows = []
    for i in range(start, start + n):
        null = i % 7 == 3
        rows.append({
            "id": i,
            "i8": None if null else (i % 250) - 125,
            "i16": None if null else -i * 7,
            "i32": None if null else i * 1000 - 5,
            "u8": None if null else i % 256,
            "u32": None if null else 4_000_000_000 - i,
            "u64": None if null else (1 << 62) + i,
            "f32": None if null else float(i) / 4,
            "f64": None if null else (float("nan") if i % 11 == 5 else i * 0.125 - 3),
            "flag": None if null else i % 2 == 0,
            "name": None if null else f"név {i} \"q\"\n",
            "big_name": None if null else "x" * (i % 40),
            "blob": None if null else bytes([i % 256, 0, 255]),
            "day": None if null else dt.date(2020, 1, 1) + dt.timedelta(days=i),
            "ts_ms": None if null else dt.datetime(2023, 5, 1) + dt.timedelta(milliseconds=i * 1501),
            "ts_us_tz": None if null else T0 + dt.timedelta(microseconds=i * 1_000_003),
            "ts_ns": None if null else T0 + dt.timedelta(seconds=i, microseconds=7),
            "dec": None if null else decimal.Decimal(i * 1001 - 50000) / 1000,
            "tags": None if null else [f"t{j}" for j in range(i % 3)],
            "point": None if null else {"x": i / 2, "y": None if i % 5 == 0 else i},
            "events": None if null else [{"k": j, "v": None if j == 1 else f"e{j}"}
                                         for j in range(i % 3)],
            "vec": None if null else [i + 0.5, -1.0, 0.0, float(version)],
            "updated_at": T0 + dt.timedelta(seconds=i + 1000 * version),
        })
    return rows


def expected_value(value, field_type: pa.DataType):
    """A source value as Spark returns it (session time zone UTC)."""
    if value is None:
        return None
    if pa.types.is_timestamp(field_type):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=value.microsecond)  # microseconds kept
    if pa.types.is_struct(field_type):
        return {f.name: expected_value(value.get(f.name), f.type) for f in field_type}
    if pa.types.is_list(field_type) or pa.types.is_fixed_size_list(field_type):
        return [expected_value(v, field_type.value_type) for v in value]
    if pa.types.is_binary(field_type):
        return bytes(value)
    return value


def spark_value(value):
    from pyspark.sql import Row
    if isinstance(value, Row):
        return {k: spark_value(v) for k, v in value.asDict().items()}
    if isinstance(value, list):
        return [spark_value(v) for v in value]
    if isinstance(value, bytearray):
        return bytes(value)
    return value


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # NaN
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.fixture(scope="module")
def spark():
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession
    builder = (SparkSession.builder.master("local[2]").appName("lanceflow-sync-test")
               .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
               .config("spark.sql.catalog.spark_catalog",
                       "org.apache.spark.sql.delta.catalog.DeltaCatalog")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2"))
    session = configure_spark_with_delta_pip(builder).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def check_table(spark, path: str, source: pa.Table, what: str):
    df = spark.read.format("delta").load(path)
    assert df.columns == source.schema.names, what
    got = {r["id"]: {k: spark_value(v) for k, v in r.asDict().items()} for r in df.collect()}
    want = {}
    for row in source.to_pylist():
        want[row["id"]] = {f.name: expected_value(row[f.name], f.type) for f in source.schema}
    assert got.keys() == want.keys(), f"{what}: ids differ"
    for key in sorted(want):
        for name in source.schema.names:
            assert same(got[key][name], want[key][name]), \
                f"{what}: id {key} column {name}: spark {got[key][name]!r} != {want[key][name]!r}"


def test_spark_reads_synced_tables(tmp_path, spark):
    db_dir = str(tmp_path / "db")
    lakehouse = str(tmp_path / "lakehouse")
    db = lancedb.connect(db_dir)
    tbl = db.create_table("all_types", pa.Table.from_pylist(make_rows(0, 120, 0), schema=SCHEMA))
    pipeline = {"pipeline_spec": {
        "connection": {"source": db_dir},
        "destination": {"type": "delta", "path": lakehouse},
        "objects": [
            {"table": {"source_table": "all_types", "destination_table": "snap",
                       "table_configuration": {"ingestion_type": "snapshot",
                                               "primary_keys": ["id"]}}},
            {"table": {"source_table": "all_types", "destination_table": "scd1",
                       "table_configuration": {"scd_type": "SCD_TYPE_1",
                                               "ingestion_type": "cdc_with_deletes",
                                               "primary_keys": ["id"],
                                               "cursor_field": "updated_at",
                                               "max_records_per_batch": "50"}}},
        ]}}
    path = str(tmp_path / "pipeline.json")
    with open(path, "w") as f:
        json.dump(pipeline, f)

    r = run(["sync", path, "--progress", "never"])
    assert r.returncode == 0, r.stderr
    source = tbl.to_arrow()
    check_table(spark, os.path.join(lakehouse, "snap"), source, "first sync, snapshot")
    check_table(spark, os.path.join(lakehouse, "scd1"), source, "first sync, SCD_TYPE_1")

    # The engine changes the source: updates (newer cursor), deletes, appends.
    tbl.merge_insert("id").when_matched_update_all().execute(
        pa.Table.from_pylist(make_rows(10, 20, 1), schema=SCHEMA))
    tbl.delete("id >= 100 AND id < 110")
    tbl.add(pa.Table.from_pylist(make_rows(500, 15, 1), schema=SCHEMA))
    r = run(["sync", path, "--progress", "never"])
    assert r.returncode == 0, r.stderr
    source = tbl.to_arrow()
    check_table(spark, os.path.join(lakehouse, "snap"), source, "second sync, snapshot")
    check_table(spark, os.path.join(lakehouse, "scd1"), source, "second sync, SCD_TYPE_1")
