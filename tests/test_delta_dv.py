"""Deletion vectors (merge-on-read) in the Delta tables `lanceflow sync` writes.

The source is written and changed by the official engine (lancedb, pinned in requirements.txt):
random-position updates, deletes, merge_insert and compaction between two syncs of SCD_TYPE_1
tables (cdc and cdc_with_deletes). After each sync delta-rs (`deltalake`, read through its
DataFusion QueryBuilder: its pyarrow dataset path refuses the deletionVectors reader feature) and
Spark with Delta (`spark.read.format("delta")`) must both read exactly the source's current
rows, and the Delta log must show that the merge marked rows in deletion vectors instead of
rewriting data files: every data file ever added is still live, or was removed together with
being re-added under the same path with a new DV.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import random

import lancedb
import pyarrow as pa
import pytest

from lanceflow_cli import run

deltalake = pytest.importorskip("deltalake")
from deltalake import DeltaTable, QueryBuilder  # noqa: E402

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
N = 3000

SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False),
    pa.field("name", pa.string()),
    pa.field("score", pa.float64()),
    pa.field("updated_at", pa.timestamp("us", tz="UTC")),
])


def rows(ids, t, tag="v0"):
    return [{"id": i, "name": f"{tag} {i}", "score": i * 0.5, "updated_at": t} for i in ids]


def write_pipeline(path, db_dir, lakehouse, extra=None):
    objects = []
    for dest, ingestion in (("docs_cdc", "cdc"), ("docs_del", "cdc_with_deletes")):
        conf = {"scd_type": "SCD_TYPE_1", "primary_keys": ["id"], "cursor_field": "updated_at",
                "ingestion_type": ingestion, "max_records_per_batch": "1000"}
        conf.update(extra or {})
        objects.append({"table": {"source_table": "docs", "destination_table": dest,
                                  "table_configuration": conf}})
    with open(path, "w") as f:
        json.dump({"pipeline_spec": {"connection": {"source": db_dir},
                                     "destination": {"type": "delta", "path": lakehouse},
                                     "objects": objects}}, f)
    return path


def sync(pipeline):
    return run(["sync", pipeline, "--progress", "never"], check=True, timeout=300)


def delta_rs_rows(path):
    reader = QueryBuilder().register("t", DeltaTable(path)).execute("select * from t")
    table = pa.table(reader.read_all())
    return sorted(table.to_pylist(), key=lambda r: r["id"])


def source_rows(db):
    return sorted(db.open_table("docs").to_arrow().to_pylist(), key=lambda r: r["id"])


def log_actions(path):
    out = []
    for name in sorted(glob.glob(os.path.join(path, "_delta_log", "*.json"))):
        with open(name) as f:
            out.append([json.loads(line) for line in f if line.strip()])
    return out


def check_merge_on_read(path):
    """Every remove of a data file is paired, in the same commit, with an add of the same path
    carrying a new DV (no data file was rewritten), and DVs were written."""
    commits = log_actions(path)
    dv_adds = 0
    for actions in commits:
        adds = {a["add"]["path"]: a["add"] for a in actions if "add" in a}
        for a in actions:
            if "remove" not in a:
                continue
            p = a["remove"]["path"]
            assert p in adds, f"{p} removed without being re-added: a data file was rewritten"
            dv = adds[p].get("deletionVector")
            assert dv and dv["storageType"] == "u" and dv["cardinality"] > 0
            assert json.loads(adds[p]["stats"])["tightBounds"] is False
            assert dv != a["remove"].get("deletionVector")
            dv_adds += 1
    assert dv_adds > 0
    proto = [a["protocol"] for a in commits[0] if "protocol" in a][0]
    assert proto["minReaderVersion"] == 3 and proto["minWriterVersion"] == 7
    assert "deletionVectors" in proto["readerFeatures"]
    assert "deletionVectors" in proto["writerFeatures"]
    assert glob.glob(os.path.join(path, "deletion_vector_*.bin"))


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    pytest.importorskip("delta")
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession
    builder = (SparkSession.builder.master("local[2]").appName("lanceflow-dv-test")
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


def spark_rows(spark, path):
    out = []
    for r in spark.read.format("delta").load(path).collect():
        d = r.asDict()
        out.append(d)
    return sorted(out, key=lambda r: r["id"])


def same_rows(got, want):
    assert [r["id"] for r in got] == [r["id"] for r in want]
    for g, w in zip(got, want):
        assert g["name"] == w["name"] and g["score"] == w["score"], (g, w)
        gt, wt = g["updated_at"], w["updated_at"]
        if gt.tzinfo is None:
            gt = gt.replace(tzinfo=dt.timezone.utc)
        assert gt == wt, (g, w)


def test_dv_merges_match_source_in_delta_rs_and_spark(tmp_path, spark):
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lake")
    db = lancedb.connect(db_dir)
    docs = db.create_table("docs", pa.Table.from_pylist(rows(range(N), T0), SCHEMA))
    pipeline = write_pipeline(str(tmp_path / "p.json"), db_dir, lakehouse)
    sync(pipeline)
    for dest in ("docs_cdc", "docs_del"):
        same_rows(delta_rs_rows(os.path.join(lakehouse, dest)), source_rows(db))

    rng = random.Random(5)
    t1 = T0 + dt.timedelta(days=1)
    upd = sorted(rng.sample(range(N), 60))
    docs.update(where=f"id IN ({','.join(map(str, upd))})",
                values={"name": "updated", "updated_at": t1})
    gone = sorted(rng.sample([i for i in range(N) if i not in upd], 40))
    docs.delete(f"id IN ({','.join(map(str, gone))})")
    merged = sorted(rng.sample(range(N), 30)) + list(range(N, N + 20))
    new = pa.Table.from_pylist(rows(merged, t1 + dt.timedelta(hours=1), "merged"), SCHEMA)
    docs.merge_insert("id").when_matched_update_all().when_not_matched_insert_all().execute(new)
    docs.optimize()
    sync(pipeline)

    want = source_rows(db)
    gone_live = [i for i in gone if i not in merged]
    for dest in ("docs_cdc", "docs_del"):
        path = os.path.join(lakehouse, dest)
        got = delta_rs_rows(path)
        if dest == "docs_cdc":
            # Plain cdc keeps deleted rows (no delete log): the source rows plus the deleted ones.
            keep = {r["id"] for r in want} | set(gone_live)
            assert [r["id"] for r in got] == sorted(keep)
            by_id = {r["id"]: r for r in got}
            same_rows([by_id[r["id"]] for r in want], want)
        else:
            same_rows(got, want)
            same_rows(spark_rows(spark, path), want)
        check_merge_on_read(path)
    same_rows([r for r in spark_rows(spark, os.path.join(lakehouse, "docs_cdc"))
               if r["id"] not in set(gone_live)], want)

    # A second round on top of existing DVs: the same files get their DVs extended.
    t2 = t1 + dt.timedelta(days=1)
    upd2 = sorted(rng.sample([r["id"] for r in want], 50))
    docs.update(where=f"id IN ({','.join(map(str, upd2))})",
                values={"name": "again", "updated_at": t2})
    gone2 = sorted(rng.sample([r["id"] for r in want if r["id"] not in upd2], 25))
    docs.delete(f"id IN ({','.join(map(str, gone2))})")
    sync(pipeline)
    want = source_rows(db)
    path = os.path.join(lakehouse, "docs_del")
    same_rows(delta_rs_rows(path), want)
    same_rows(spark_rows(spark, path), want)
    check_merge_on_read(path)
    # Nothing new: no commit.
    v = DeltaTable(path).version()
    sync(pipeline)
    assert DeltaTable(path).version() == v


def test_dvs_can_be_turned_off_and_existing_tables_keep_copy_on_write(tmp_path):
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lake")
    db = lancedb.connect(db_dir)
    docs = db.create_table("docs", pa.Table.from_pylist(rows(range(500), T0), SCHEMA))
    pipeline = write_pipeline(str(tmp_path / "p.json"), db_dir, lakehouse,
                              {"delta.enableDeletionVectors": "false"})
    sync(pipeline)
    # Later runs without the setting do not upgrade the existing tables.
    pipeline = write_pipeline(str(tmp_path / "p2.json"), db_dir, lakehouse)
    docs.update(where="id IN (3, 250, 499)",
                values={"name": "updated", "updated_at": T0 + dt.timedelta(days=1)})
    docs.delete("id IN (7, 400)")
    sync(pipeline)
    path = os.path.join(lakehouse, "docs_del")
    commits = log_actions(path)
    proto = [a["protocol"] for a in commits[0] if "protocol" in a][0]
    assert proto == {"minReaderVersion": 1, "minWriterVersion": 2}
    assert not any("deletionVector" in json.dumps(c) for c in commits)
    assert not glob.glob(os.path.join(path, "deletion_vector_*.bin"))
    # Readable by delta-rs's pyarrow path too (no DV feature).
    got = sorted(DeltaTable(path).to_pyarrow_table().to_pylist(), key=lambda r: r["id"])
    same_rows(got, source_rows(db))


def test_bad_dv_setting_is_refused(tmp_path):
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lake")
    db = lancedb.connect(db_dir)
    db.create_table("docs", pa.Table.from_pylist(rows(range(5), T0), SCHEMA))
    pipeline = write_pipeline(str(tmp_path / "p.json"), db_dir, lakehouse,
                              {"delta.enableDeletionVectors": "yes"})
    res = run(["sync", pipeline, "--progress", "never"], check=False, timeout=120)
    assert res.returncode != 0
    assert "delta.enableDeletionVectors must be true or false" in (res.text + res.stderr)


def test_scd2_closes_current_rows_with_deletion_vectors(tmp_path, spark):
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lake")
    db = lancedb.connect(db_dir)
    docs = db.create_table("docs", pa.Table.from_pylist(rows(range(400), T0), SCHEMA))
    spec = {"pipeline_spec": {"connection": {"source": db_dir},
                              "destination": {"type": "delta", "path": lakehouse},
                              "objects": [{"table": {"source_table": "docs",
                                                     "destination_table": "hist",
                                                     "table_configuration": {
                                                         "scd_type": "SCD_TYPE_2",
                                                         "primary_keys": ["id"],
                                                         "cursor_field": "updated_at",
                                                         "ingestion_type": "cdc_with_deletes",
                                                         "max_records_per_batch": "150"}}}]}}
    pipeline = str(tmp_path / "p.json")
    with open(pipeline, "w") as f:
        json.dump(spec, f)
    sync(pipeline)
    t1 = T0 + dt.timedelta(days=1)
    upd = [5, 170, 333, 399]
    docs.update(where=f"id IN ({','.join(map(str, upd))})", values={"name": "new", "updated_at": t1})
    docs.delete("id IN (7, 300)")
    sync(pipeline)
    path = os.path.join(lakehouse, "hist")
    for got in (delta_rs_rows(path), spark_rows(spark, path)):
        by_key = {}
        for r in got:
            by_key.setdefault(r["id"], []).append(r)
        assert sorted(by_key) == list(range(400))
        for i in range(400):
            hist = sorted(by_key[i], key=lambda r: r["__START_AT"])
            ts = lambda v: v if v is None or v.tzinfo else v.replace(tzinfo=dt.timezone.utc)
            if i in upd:
                assert [(h["name"], ts(h["__END_AT"])) for h in hist] == [(f"v0 {i}", t1),
                                                                         ("new", None)]
            elif i in (7, 300):
                assert len(hist) == 1 and ts(hist[0]["__END_AT"]) is not None
            else:
                assert len(hist) == 1 and hist[0]["__END_AT"] is None
    check_merge_on_read(path)
