"""Readers we did not write read the Delta tables `lanceflow sync` writes, for every flow: Spark
with Delta Lake (pyspark + delta-spark, jars from Maven Central, spark.read.format("delta")),
delta-rs (`deltalake`, through its query engine) and pyarrow (live files and their deletion
vectors from our own replay of the JSON log, read with pyarrow.parquet), and each one's rows equal
what the flow promises.

The source is one table written by the official engine (lancedb, pinned in requirements.txt) with
a column of every type the interfaces document lists (tests/fixtures/sync_all_types.py, which
also holds the documented value mapping: integers as long, float16 as float, dictionaries
decoded, fixed-size binaries/lists as binary/array, every timestamp microseconds in UTC with
nanoseconds floored). Per flow: sync; the engine appends, updates, merge_inserts (one of them
changing only sub-microsecond nanoseconds, which the mapping does not store) and deletes; sync;
the engine merge_inserts, deletes and compacts (table.optimize); sync; a run without source
changes commits nothing. After every sync, the expected table is computed here from the engine's
own reads:
  append (APPEND_ONLY)   every row version whose cursor is above the previous sync's maximum,
                         once (updates with a newer cursor appended again, deletes kept);
  snapshot, SCD1 cdc_with_deletes   the source's current rows;
  SCD1 cdc               one row per key ever seen, its latest version (deleted rows stay);
  SCD2 cdc / cdc_with_deletes   history by updated_at (deletes close the current row at the
                         deleted row's updated_at with cdc_with_deletes only);
  SCD2 snapshot          history by Lance table version, values compared as stored.
uint64 beyond a long, which Spark cannot hold: refused with one error line naming the column and
the option, or with uint64_as_decimal=true read as decimal(20,0).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os

import lancedb
import pyarrow as pa
import pytest

from fixtures.sync_all_types import (SCHEMA, T0, canon, deltars_table, expected_rows,
                                     first_difference, make_rows, pyarrow_read, same, spark_type)
from lanceflow_cli import run

pyspark = pytest.importorskip("pyspark")
delta = pytest.importorskip("delta")
deltalake = pytest.importorskip("deltalake")
from deltalake import DeltaTable  # noqa: E402

CDC = {"primary_keys": ["id"], "cursor_field": "updated_at", "max_records_per_batch": "40"}
FLOWS = {
    "append": {"scd_type": "APPEND_ONLY", "cursor_field": "updated_at",
               "max_records_per_batch": "40"},
    "snapshot": {"ingestion_type": "snapshot", "primary_keys": ["id"], "batch_size": "50"},
    "scd1_cdc": {**CDC, "scd_type": "SCD_TYPE_1", "ingestion_type": "cdc"},
    "scd1_cdc_with_deletes": {**CDC, "scd_type": "SCD_TYPE_1",
                              "ingestion_type": "cdc_with_deletes"},
    "scd2_cdc": {**CDC, "scd_type": "SCD_TYPE_2", "ingestion_type": "cdc"},
    "scd2_cdc_with_deletes": {**CDC, "scd_type": "SCD_TYPE_2",
                              "ingestion_type": "cdc_with_deletes"},
    "scd2_snapshot": {"scd_type": "SCD_TYPE_2", "ingestion_type": "snapshot",
                      "primary_keys": ["id"], "batch_size": "50"},
}


@pytest.fixture(scope="session")
def spark():
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession
    builder = (SparkSession.builder.master("local[2]").appName("lanceflow-sync-test")
               .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
               .config("spark.sql.catalog.spark_catalog",
                       "org.apache.spark.sql.delta.catalog.DeltaCatalog")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "1")
               # Small tables: one partition for the log replay instead of Delta's 50.
               .config("spark.databricks.delta.snapshotPartitions", "1")
               .config("spark.driver.extraJavaOptions",
                       "-XX:+UseSerialGC -XX:TieredStopAtLevel=1"))
    session = configure_spark_with_delta_pip(builder).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


class Expected:
    """What one flow's Delta table must hold, from the engine's rows after each sync."""

    def __init__(self, flow: str):
        self.flow = flow
        self.rows = {} if flow in ("scd1_cdc",) else []
        self.hist = {}
        self.last_cursor = None

    def after_sync(self, current: list, version: int, deleted_before: dict):
        f = self.flow
        if f == "append":
            new = [r for r in current
                   if self.last_cursor is None or r["updated_at"] > self.last_cursor]
            self.rows += new
            if new:
                self.last_cursor = max([r["updated_at"] for r in new] +
                                       ([self.last_cursor] if self.last_cursor else []))
        elif f in ("snapshot", "scd1_cdc_with_deletes"):
            self.rows = list(current)
        elif f == "scd1_cdc":
            for r in current:
                stored = self.rows.get(r["id"])
                if stored is None or stored["updated_at"] < r["updated_at"]:
                    self.rows[r["id"]] = r
        elif f in ("scd2_cdc", "scd2_cdc_with_deletes"):
            for r in current:
                versions = self.hist.setdefault(r["id"], [])
                cur = versions[-1] if versions and versions[-1]["__END_AT"] is None else None
                if cur is not None and cur["__START_AT"] >= r["updated_at"]:
                    continue
                if cur is not None:
                    cur["__END_AT"] = r["updated_at"]
                versions.append({**r, "__START_AT": r["updated_at"], "__END_AT": None})
            if f == "scd2_cdc_with_deletes":
                for key, r in deleted_before.items():
                    versions = self.hist.get(key, [])
                    if versions and versions[-1]["__END_AT"] is None:
                        versions[-1]["__END_AT"] = r["updated_at"]
        elif f == "scd2_snapshot":
            by_key = {r["id"]: r for r in current}
            for key, r in by_key.items():
                versions = self.hist.setdefault(key, [])
                cur = versions[-1] if versions and versions[-1]["__END_AT"] is None else None
                if cur is not None and same({k: cur[k] for k in r}, r):
                    continue
                if cur is not None:
                    cur["__END_AT"] = version
                versions.append({**r, "__START_AT": version, "__END_AT": None})
            for key, versions in self.hist.items():
                if key not in by_key and versions[-1]["__END_AT"] is None:
                    versions[-1]["__END_AT"] = version
        else:
            raise AssertionError(f)

    def table(self) -> list:
        if self.flow.startswith("scd2"):
            rows = [r for versions in self.hist.values() for r in versions]
        elif isinstance(self.rows, dict):
            rows = list(self.rows.values())
        else:
            rows = self.rows
        return sort_rows([dict(r) for r in rows])


def sort_rows(rows: list) -> list:
    return sorted(rows, key=lambda r: (r["id"], r.get("__START_AT", r["updated_at"])))


def spark_rows(spark, path: str):
    df = spark.read.format("delta").load(path)
    types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    return [{k: canon(v) for k, v in r.asDict().items()} for r in df.collect()], types


def check_readers(spark, path: str, want: list, what: str, columns: list):
    expected_types = {f.name: spark_type(f.type) for f in SCHEMA if f.name in columns}
    if "__START_AT" in want[0]:
        seq = "bigint" if isinstance(want[0]["__START_AT"], int) else "timestamp"
        expected_types.update({"__START_AT": seq, "__END_AT": seq})
    got, types = spark_rows(spark, path)
    assert types == expected_types, f"{what}: Spark schema {types}"
    msg = first_difference(sort_rows(got), want, f"{what}, Spark")
    assert msg is None, msg
    got = [{k: canon(v) for k, v in r.items()}
           for r in deltars_table(path).to_pylist()]
    msg = first_difference(sort_rows(got), want, f"{what}, delta-rs")
    assert msg is None, msg
    got, how = pyarrow_read(path)
    msg = first_difference(sort_rows(got), want, f"{what}, pyarrow ({how})")
    assert msg is None, msg


@pytest.mark.parametrize("flow", list(FLOWS))
def test_readers_agree_with_flow_over_engine_changes(tmp_path, spark, flow):
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lakehouse")
    db = lancedb.connect(db_dir)
    tbl = db.create_table("all_types", make_rows(0, 120, 0))
    pipeline = str(tmp_path / "pipeline.json")
    with open(pipeline, "w") as f:
        json.dump({"pipeline_spec": {
            "connection": {"source": db_dir},
            "destination": {"type": "delta", "path": lakehouse},
            "objects": [{"table": {"source_table": "all_types", "destination_table": flow,
                                   "table_configuration": FLOWS[flow]}}]}}, f)
    path = os.path.join(lakehouse, flow)
    expected = Expected(flow)
    deleted_before = {}
    columns = FLOWS[flow]["columns"].split(",") if "columns" in FLOWS[flow] else SCHEMA.names

    def current():
        return expected_rows(tbl.to_arrow().select(columns))

    def delete(where: str):
        before = {r["id"]: r for r in current()}
        tbl.delete(where)
        after = {r["id"] for r in current()}
        deleted_before.update({k: r for k, r in before.items() if k not in after})

    def sync_and_check(what: str):
        r = run(["sync", pipeline, "--progress", "never"], timeout=300)
        assert r.returncode == 0, r.stderr
        expected.after_sync(current(), tbl.version, deleted_before)
        deleted_before.clear()
        check_readers(spark, path, expected.table(), f"{flow}, {what}", columns)

    sync_and_check("first sync")
    first = expected.table()
    assert len(first) == 120

    # Round 1: append, update (newer cursor), merge_insert (updates and inserts), a merge_insert
    # that changes only the sub-microsecond part of ts_ns (same cursor), deletes.
    tbl.add(make_rows(500, 15, 1))
    tbl.update(where="id >= 30 AND id < 40",
               values={"name": "updated", "updated_at": T0 + dt.timedelta(seconds=1500)})
    tbl.merge_insert("id").when_matched_update_all().when_not_matched_insert_all().execute(
        pa.concat_tables([make_rows(10, 20, 1), make_rows(600, 5, 1)]))
    tbl.merge_insert("id").when_matched_update_all().execute(make_rows(40, 5, 0, ns_bump=1))
    delete("id >= 100 AND id < 110")
    sync_and_check("after append, update, merge_insert, delete")

    # Round 2: merge_insert, deletes, compaction.
    tbl.merge_insert("id").when_matched_update_all().when_not_matched_insert_all().execute(
        pa.concat_tables([make_rows(500, 10, 2), make_rows(700, 10, 2)]))
    delete("id < 5")
    delete("id >= 510 AND id < 515")
    tbl.optimize()
    sync_and_check("after merge_insert, delete, compaction")

    got = expected.table()
    ids = {r["id"] for r in got}
    if flow in ("snapshot", "scd1_cdc_with_deletes"):
        assert 0 not in ids and 105 not in ids and 705 in ids
    if flow.startswith("scd2"):
        assert any(r["id"] == 12 and r["__END_AT"] is not None for r in got)
    if flow.startswith("scd2_snapshot"):
        # Only nanoseconds below a microsecond changed: no new version.
        assert sum(1 for r in got if r["id"] == 41) == 1

    v = DeltaTable(path).version()
    run(["sync", pipeline, "--progress", "never"], check=True, timeout=300)
    assert DeltaTable(path).version() == v, f"{flow}: a run without source changes committed"


# uint64 has no Spark equal: values up to 2^63-1 are longs (the table above); larger ones are
# refused unless the connector option uint64_as_decimal maps the column to decimal(20,0).

def uint64_source(tmp_path, conf: dict):
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lakehouse")
    db = lancedb.connect(db_dir)
    db.create_table("t", pa.table({
        "id": pa.array([1, 2, 3], pa.int64()),
        "u": pa.array([(1 << 64) - 1, 5, None], pa.uint64()),
        "seq": pa.array([1, 2, 3], pa.int64())}))
    pipeline = str(tmp_path / "p.json")
    with open(pipeline, "w") as f:
        json.dump({"pipeline_spec": {
            "connection": {"source": db_dir}, "destination": {"type": "delta", "path": lakehouse},
            "objects": [{"table": {"source_table": "t", "table_configuration": conf}}]}}, f)
    return pipeline, os.path.join(lakehouse, "t")


def test_uint64_beyond_long_refused_without_option(tmp_path):
    pipeline, _ = uint64_source(tmp_path, {"ingestion_type": "snapshot", "primary_keys": ["id"]})
    r = run(["sync", pipeline, "--progress", "never"], timeout=300)
    assert r.returncode == 1
    lines = [line for line in r.stderr.splitlines() if line]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("lanceflow: error: ") and "'u'" in lines[0] \
        and str((1 << 64) - 1) in lines[0] and "uint64_as_decimal" in lines[0], lines[0]


@pytest.mark.parametrize("flow", ["snapshot", "scd1_cdc"])
def test_uint64_beyond_long_maps_to_decimal_with_option(tmp_path, spark, flow):
    conf = {"ingestion_type": "snapshot", "primary_keys": ["id"], "uint64_as_decimal": "true"}
    if flow == "scd1_cdc":
        conf = {"scd_type": "SCD_TYPE_1", "primary_keys": ["id"], "cursor_field": "seq",
                "uint64_as_decimal": "true"}
    pipeline, path = uint64_source(tmp_path, conf)
    r = run(["sync", pipeline, "--progress", "never"], timeout=300)
    assert r.returncode == 0, r.stderr
    df = spark.read.format("delta").load(path)
    assert dict((f.name, f.dataType.simpleString()) for f in df.schema.fields)["u"] == \
        "decimal(20,0)"
    got = {row["id"]: row["u"] for row in df.collect()}
    assert got == {1: decimal.Decimal((1 << 64) - 1), 2: decimal.Decimal(5), 3: None}
    got = {row["id"]: row["u"] for row in deltars_table(path).to_pylist()}
    assert got == {1: decimal.Decimal((1 << 64) - 1), 2: decimal.Decimal(5), 3: None}


def test_decimal256_maps_to_exact_string(tmp_path, spark):
    """decimal256 has no Spark equal: the documented mapping stores the exact decimal as a
    string."""
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lakehouse")
    values = [decimal.Decimal("123456789012345678901234567890123456789.5"), None,
              decimal.Decimal("-0.1"), decimal.Decimal("7.0")]
    lancedb.connect(db_dir).create_table("t", pa.table({
        "id": pa.array(range(len(values)), pa.int64()),
        "d": pa.array(values, pa.decimal256(40, 1))}))
    pipeline = str(tmp_path / "p.json")
    with open(pipeline, "w") as f:
        json.dump({"pipeline_spec": {
            "connection": {"source": db_dir}, "destination": {"type": "delta", "path": lakehouse},
            "objects": [{"table": {"source_table": "t", "table_configuration": {
                "ingestion_type": "snapshot", "primary_keys": ["id"]}}}]}}, f)
    r = run(["sync", pipeline, "--progress", "never"], timeout=300)
    assert r.returncode == 0, r.stderr
    want = {i: None if v is None else str(v) for i, v in enumerate(values)}
    df = spark.read.format("delta").load(os.path.join(lakehouse, "t"))
    assert dict((f.name, f.dataType.simpleString()) for f in df.schema.fields)["d"] == "string"
    assert {row["id"]: row["d"] for row in df.collect()} == want
    got = deltars_table(os.path.join(lakehouse, "t")).to_pylist()
    assert {row["id"]: row["d"] for row in got} == want
