"""`lanceflow sync` end to end: LanceDB tables written and changed by the official engine
(lancedb, pinned in requirements.txt), synced into Delta tables that delta-rs (`deltalake`) reads.

Each flow's expected result is computed here from the source rows the engine reports:
  snapshot     the destination equals the source's current rows (deletes applied);
  SCD_TYPE_1   (cdc) one row per key ever seen, the latest version of each; with
               cdc_with_deletes the source's current rows;
  APPEND_ONLY  every source row once.
Also: a second run without source changes commits nothing, a bad pipeline file gives one error
line, an SCD_TYPE_2 table it cannot sync fails that table only, and runs killed with SIGKILL at
random instants then resumed end with the tables of an uninterrupted run (the larger campaign is
tests/test_sync_crash.py). Delta tables are read through delta-rs's query engine, which applies
deletion vectors.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import time

import lancedb
import pyarrow as pa
import pytest

from fixtures.sync_all_types import deltars_table
from lanceflow_cli import binary, run

deltalake = pytest.importorskip("deltalake")
from deltalake import DeltaTable  # noqa: E402

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)

DOCS_SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False),
    pa.field("name", pa.string()),
    pa.field("score", pa.float64()),
    pa.field("tags", pa.list_(pa.string())),
    pa.field("vector", pa.list_(pa.float32(), 4)),
    pa.field("updated_at", pa.timestamp("us", tz="UTC")),
])

EVENTS_SCHEMA = pa.schema([
    pa.field("seq", pa.int64(), nullable=False),
    pa.field("kind", pa.string()),
    pa.field("day", pa.date32()),
])


def docs_rows(start: int, n: int, t: dt.datetime, rng: random.Random):
    return [{
        "id": i,
        "name": f"doc {i}",
        "score": round(rng.uniform(0, 100), 3),
        "tags": rng.sample(["a", "b", "c", "d"], rng.randint(0, 2)),
        "vector": [rng.uniform(-1, 1) for _ in range(4)],
        # Several rows share a timestamp, so batches cut runs of equal cursors.
        "updated_at": t + dt.timedelta(seconds=i // 3),
    } for i in range(start, start + n)]


def events_rows(start: int, n: int):
    return [{"seq": i, "kind": ["click", "view", "buy"][i % 3],
             "day": dt.date(2024, 1, 1) + dt.timedelta(days=i % 40)}
            for i in range(start, start + n)]


def make_source(db_dir: str, n_docs: int = 60, n_events: int = 50):
    db = lancedb.connect(db_dir)
    rng = random.Random(7)
    db.create_table("docs", pa.Table.from_pylist(docs_rows(0, n_docs, T0, rng), DOCS_SCHEMA))
    db.create_table("events", pa.Table.from_pylist(events_rows(0, n_events), EVENTS_SCHEMA))
    return db


def write_pipeline(path: str, db_dir: str, lakehouse: str, objects=None) -> str:
    if objects is None:
        objects = [
            {"table": {"source_table": "docs", "destination_table": "docs_scd1",
                       "table_configuration": {"scd_type": "SCD_TYPE_1", "primary_keys": ["id"],
                                               "cursor_field": "updated_at",
                                               "max_records_per_batch": "7"}}},
            {"table": {"source_table": "docs", "destination_table": "docs_snapshot",
                       "table_configuration": {"ingestion_type": "snapshot",
                                               "primary_keys": ["id"], "batch_size": "16"}}},
            {"table": {"source_table": "events", "destination_table": "events_append",
                       "table_configuration": {"scd_type": "APPEND_ONLY", "cursor_field": "seq",
                                               "max_records_per_batch": "9"}}},
        ]
    spec = {"pipeline_spec": {"connection": {"source": db_dir},
                              "destination": {"type": "delta", "path": lakehouse},
                              "objects": objects}}
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


def sync(pipeline: str, check: bool = True):
    return run(["sync", pipeline, "--progress", "never"], check=check, timeout=300)


def rows_by(table: pa.Table, key: str):
    rows = table.to_pylist()
    return sorted(rows, key=lambda r: r[key])


def delta_rows(lakehouse: str, name: str, key: str):
    return rows_by(deltars_table(os.path.join(lakehouse, name)), key)


def normalize(rows):
    # delta-rs hands fixed-size vectors back as variable lists (Delta has no fixed-size array).
    return [{k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in r.items()}
            for r in rows]


def source_rows(db, name: str, key: str):
    return normalize(rows_by(db.open_table(name).to_arrow(), key))


def check_all(db, lakehouse: str, scd1_expected: dict, events_expected: list):
    # snapshot: exactly the current rows.
    assert normalize(delta_rows(lakehouse, "docs_snapshot", "id")) == source_rows(db, "docs", "id")
    # SCD1: one row per key, latest version (deleted source rows stay: cdc has no delete log).
    got = normalize(delta_rows(lakehouse, "docs_scd1", "id"))
    assert got == normalize(sorted(scd1_expected.values(), key=lambda r: r["id"]))
    # append: every row once.
    assert delta_rows(lakehouse, "events_append", "seq") == events_expected


def test_sync_flows_incremental(tmp_path):
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lakehouse")
    db = make_source(db_dir)
    pipeline = write_pipeline(str(tmp_path / "pipeline.json"), db_dir, lakehouse)

    r = sync(pipeline)
    assert "docs_scd1" in r.text and "events_append" in r.text
    scd1 = {row["id"]: row for row in source_rows(db, "docs", "id")}
    events = rows_by(db.open_table("events").to_arrow(), "seq")
    check_all(db, lakehouse, scd1, events)
    # 60 rows in batches of at most 7 (equal cursors may extend a batch): several commits.
    assert DeltaTable(os.path.join(lakehouse, "docs_scd1")).version() >= 5

    # Nothing changed: no table gets a commit.
    versions = {n: DeltaTable(os.path.join(lakehouse, n)).version()
                for n in ("docs_scd1", "docs_snapshot", "events_append")}
    sync(pipeline)
    for n, v in versions.items():
        assert DeltaTable(os.path.join(lakehouse, n)).version() == v, n

    # Append, update (newer cursor), delete with the engine, then sync again.
    rng = random.Random(11)
    docs = db.open_table("docs")
    later = T0 + dt.timedelta(days=1)
    docs.add(pa.Table.from_pylist(docs_rows(60, 15, later, rng), DOCS_SCHEMA))
    docs.update(where="id >= 10 AND id < 20",
                values={"name": "updated", "updated_at": later + dt.timedelta(hours=1)})
    docs.delete("id >= 40 AND id < 45")
    db.open_table("events").add(pa.Table.from_pylist(events_rows(50, 23), EVENTS_SCHEMA))
    sync(pipeline)

    for row in source_rows(db, "docs", "id"):
        scd1[row["id"]] = row
    events = rows_by(db.open_table("events").to_arrow(), "seq")
    check_all(db, lakehouse, scd1, events)

    # The committed offset and txn are in the log of the last commit.
    dt_scd1 = DeltaTable(os.path.join(lakehouse, "docs_scd1"))
    assert dt_scd1.metadata().configuration["lanceflow.sourceTable"] == "docs"
    offset = json.loads(dt_scd1.metadata().configuration["lanceflow.sourceOffset"])
    assert offset["cursor_field"] == "updated_at"
    # An update only rewrote files that held the updated keys: some files from the first
    # run are still live.
    files = set(dt_scd1.file_uris())
    assert len(files) > 1


def test_sync_bad_pipeline_file(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({"pipeline_spec": {
        "connection": {"source": str(tmp_path)}, "destination": {"type": "delta", "path": "x"},
        "objects": [{"table": {"source_table": "t",
                               "table_configuration": {"scd_type": "SCD3"}}}]}}))
    r = sync(str(p), check=False)
    assert r.returncode == 1
    lines = [line for line in r.stderr.splitlines() if line]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("lanceflow: error: ") and "scd_type" in lines[0], lines[0]

    p.write_text("{not json")
    r = sync(str(p), check=False)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr


def test_sync_failing_table_does_not_stop_others(tmp_path):
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lakehouse")
    db = make_source(db_dir)
    pipeline = write_pipeline(str(tmp_path / "p.json"), db_dir, lakehouse, objects=[
        {"table": {"source_table": "missing", "destination_table": "m"}},
        {"table": {"source_table": "docs", "destination_table": "docs_scd2",
                   "table_configuration": {"scd_type": "SCD_TYPE_2", "primary_keys": ["id"],
                                           "ingestion_type": "cdc_with_deletes",
                                           "cursor_field": "updated_at",
                                           "sequence_by": "id"}}},
        {"table": {"source_table": "events", "destination_table": "events_append",
                   "table_configuration": {"scd_type": "APPEND_ONLY", "cursor_field": "seq"}}},
    ])
    r = sync(pipeline, check=False)
    assert r.returncode == 1
    err = [line for line in r.stderr.splitlines() if line]
    assert len(err) == 2, r.stderr
    assert all(line.startswith("lanceflow: error: table ") for line in err)
    assert any("missing" in line for line in err)
    assert any("docs" in line and "SCD_TYPE_2" in line for line in err)
    assert delta_rows(lakehouse, "events_append", "seq") == rows_by(
        db.open_table("events").to_arrow(), "seq")


def test_sync_killed_at_random_points_converges(tmp_path):
    """SIGKILL during runs, then a final run: the tables equal an uninterrupted run's."""
    db_dir = str(tmp_path / "db")
    db = make_source(db_dir, n_docs=120, n_events=150)
    ref_lake, lake = str(tmp_path / "ref"), str(tmp_path / "killed")
    ref_pipeline = write_pipeline(str(tmp_path / "ref.json"), db_dir, ref_lake)
    pipeline = write_pipeline(str(tmp_path / "killed.json"), db_dir, lake)
    sync(ref_pipeline)

    # How long an uninterrupted run takes, to spread the kills over it.
    t = time.monotonic()
    sync(write_pipeline(str(tmp_path / "timing.json"), db_dir, str(tmp_path / "timing")))
    duration = time.monotonic() - t

    rng = random.Random(5)
    for _ in range(8):
        p = subprocess.Popen([binary(), "sync", pipeline, "--progress", "never"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, duration))
        p.send_signal(signal.SIGKILL)
        p.wait()
    sync(pipeline)

    for name, key in (("docs_scd1", "id"), ("docs_snapshot", "id"), ("events_append", "seq")):
        assert delta_rows(lake, name, key) == delta_rows(ref_lake, name, key), name
    assert len(delta_rows(lake, "events_append", "seq")) == 150


def test_sync_table_left_half_created(tmp_path):
    """A run killed while creating a table may leave an empty _delta_log: the next run creates
    it."""
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lakehouse")
    db = make_source(db_dir)
    os.makedirs(os.path.join(lakehouse, "events_append", "_delta_log"))
    pipeline = write_pipeline(str(tmp_path / "p.json"), db_dir, lakehouse, objects=[
        {"table": {"source_table": "events", "destination_table": "events_append",
                   "table_configuration": {"scd_type": "APPEND_ONLY", "cursor_field": "seq"}}}])
    sync(pipeline)
    assert delta_rows(lakehouse, "events_append", "seq") == rows_by(
        db.open_table("events").to_arrow(), "seq")


def test_sync_scd1_sequence_by_discards_older_events(tmp_path):
    """SCD1 keeps, per key, the row with the highest sequence_by, even when the cursor says the
    older one came later."""
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lakehouse")
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("val", pa.string()),
                        pa.field("ver", pa.int32()),
                        pa.field("updated_at", pa.timestamp("ns", tz="UTC"))])
    db = lancedb.connect(db_dir)
    rows = [{"id": i, "val": f"v{i}", "ver": 5, "updated_at": T0 + dt.timedelta(seconds=i)}
            for i in range(20)]
    tbl = db.create_table("items", pa.Table.from_pylist(rows, schema))
    pipeline = write_pipeline(str(tmp_path / "p.json"), db_dir, lakehouse, objects=[
        {"table": {"source_table": "items",
                   "table_configuration": {"primary_keys": ["id"], "cursor_field": "updated_at",
                                           "sequence_by": "ver"}}}])
    sync(pipeline)
    later = T0 + dt.timedelta(days=1)
    tbl.update(where="id < 5", values={"val": "older", "ver": 3, "updated_at": later})
    tbl.update(where="id >= 15", values={"val": "newer", "ver": 9, "updated_at": later})
    sync(pipeline)
    got = {r["id"]: (r["val"], r["ver"]) for r in delta_rows(lakehouse, "items", "id")}
    want = {i: (("newer", 9) if i >= 15 else (f"v{i}", 5)) for i in range(20)}
    assert got == want


def test_sync_scd1_cdc_with_deletes(tmp_path):
    """cdc_with_deletes: the SCD1 table equals the source's current rows after deletes, updates,
    re-inserts, rows inserted and deleted between two runs, and compaction."""
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lakehouse")
    db = make_source(db_dir)
    pipeline = write_pipeline(str(tmp_path / "p.json"), db_dir, lakehouse, objects=[
        {"table": {"source_table": "docs", "destination_table": "docs_del",
                   "table_configuration": {"scd_type": "SCD_TYPE_1", "primary_keys": ["id"],
                                           "ingestion_type": "cdc_with_deletes",
                                           "cursor_field": "updated_at",
                                           "max_records_per_batch": "7"}}}])
    sync(pipeline)
    assert normalize(delta_rows(lakehouse, "docs_del", "id")) == source_rows(db, "docs", "id")

    rng = random.Random(3)
    docs = db.open_table("docs")
    later = T0 + dt.timedelta(days=1)
    docs.add(pa.Table.from_pylist(docs_rows(60, 15, later, rng), DOCS_SCHEMA))
    docs.update(where="id >= 10 AND id < 20",
                values={"name": "updated", "updated_at": later + dt.timedelta(hours=1)})
    docs.delete("id >= 40 AND id < 45")
    docs.delete("id < 3")
    docs.add(pa.Table.from_pylist(docs_rows(1, 1, later + dt.timedelta(hours=2), rng), DOCS_SCHEMA))
    # Inserted and deleted between two runs: never seen, nothing to remove.
    docs.add(pa.Table.from_pylist(docs_rows(100, 3, later, rng), DOCS_SCHEMA))
    docs.delete("id >= 100")
    docs.delete("id = 65")
    docs.optimize()
    sync(pipeline)
    want = source_rows(db, "docs", "id")
    ids = {r["id"] for r in want}
    assert 1 in ids and 0 not in ids and 42 not in ids and 65 not in ids and 70 in ids
    assert normalize(delta_rows(lakehouse, "docs_del", "id")) == want

    table = DeltaTable(os.path.join(lakehouse, "docs_del"))
    conf = table.metadata().configuration
    assert json.loads(conf["lanceflow.deletesOffset"])["version"] == docs.version
    v = table.version()
    sync(pipeline)
    assert DeltaTable(os.path.join(lakehouse, "docs_del")).version() == v

    # A delete-only change.
    docs.delete("id >= 50 AND id < 55")
    sync(pipeline)
    assert normalize(delta_rows(lakehouse, "docs_del", "id")) == source_rows(db, "docs", "id")


def expected_scd2_step(hist: dict, current: list, deleted_before: dict | None):
    """One sync's SCD2 effect, from the source rows the engine reports: a row whose updated_at
    is newer than its key's current version closes it and opens a new one (same value: no-op);
    `deleted_before` (key -> row just before its delete) closes the current row at that row's
    updated_at and opens nothing."""
    for row in current:
        versions = hist.setdefault(row["id"], [])
        cur = versions[-1] if versions and versions[-1]["__END_AT"] is None else None
        if cur is not None and cur["__START_AT"] >= row["updated_at"]:
            continue
        if cur is not None:
            cur["__END_AT"] = row["updated_at"]
        versions.append({**row, "__START_AT": row["updated_at"], "__END_AT": None})
    for key, row in (deleted_before or {}).items():
        versions = hist.get(key, [])
        if versions and versions[-1]["__END_AT"] is None:
            versions[-1]["__END_AT"] = row["updated_at"]


def scd2_rows(lakehouse: str, name: str):
    rows = normalize(deltars_table(os.path.join(lakehouse, name)).to_pylist())
    return sorted(rows, key=lambda r: (r["id"], r["__START_AT"]))


def flat(hist: dict):
    rows = [r for versions in hist.values() for r in versions]
    return sorted(normalize(rows), key=lambda r: (r["id"], r["__START_AT"]))


def test_sync_scd2_history(tmp_path):
    """SCD_TYPE_2 over cdc (re-deliveries through lookback are no-ops) and cdc_with_deletes."""
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lakehouse")
    db = make_source(db_dir)
    conf = {"scd_type": "SCD_TYPE_2", "primary_keys": ["id"], "cursor_field": "updated_at",
            "max_records_per_batch": "7"}
    pipeline = write_pipeline(str(tmp_path / "p.json"), db_dir, lakehouse, objects=[
        {"table": {"source_table": "docs", "destination_table": "docs_scd2",
                   "table_configuration": {**conf, "lookback_seconds": "1000000"}}},
        {"table": {"source_table": "docs", "destination_table": "docs_scd2_del",
                   "table_configuration": {**conf, "ingestion_type": "cdc_with_deletes"}}}])
    hist, hist_del = {}, {}

    def step(deleted_before=None):
        sync(pipeline)
        current = source_rows(db, "docs", "id")
        expected_scd2_step(hist, current, None)
        expected_scd2_step(hist_del, current, deleted_before)
        assert scd2_rows(lakehouse, "docs_scd2") == flat(hist)
        assert scd2_rows(lakehouse, "docs_scd2_del") == flat(hist_del)

    step()
    assert len(scd2_rows(lakehouse, "docs_scd2")) == 60

    rng = random.Random(5)
    docs = db.open_table("docs")
    later = T0 + dt.timedelta(days=1)
    docs.add(pa.Table.from_pylist(docs_rows(60, 5, later, rng), DOCS_SCHEMA))
    docs.update(where="id >= 10 AND id < 20",
                values={"name": "updated", "updated_at": later + dt.timedelta(hours=1)})
    before = {r["id"]: r for r in source_rows(db, "docs", "id")}
    docs.delete("id >= 40 AND id < 45")
    step({k: before[k] for k in range(40, 45)})
    got = scd2_rows(lakehouse, "docs_scd2")
    assert sum(1 for r in got if r["id"] == 12) == 2
    assert all(r["__END_AT"] is None for r in got if 40 <= r["id"] < 45)
    got_del = scd2_rows(lakehouse, "docs_scd2_del")
    assert all(r["__END_AT"] is not None for r in got_del if 40 <= r["id"] < 45)

    versions = {n: DeltaTable(os.path.join(lakehouse, n)).version()
                for n in ("docs_scd2", "docs_scd2_del")}
    sync(pipeline)
    for n, v in versions.items():
        assert DeltaTable(os.path.join(lakehouse, n)).version() == v, n

    docs.update(where="id >= 10 AND id < 13",
                values={"name": "again", "updated_at": later + dt.timedelta(hours=2)})
    step()
    assert sum(1 for r in scd2_rows(lakehouse, "docs_scd2_del") if r["id"] == 11) == 3


def test_sync_deletes_and_scd2_killed_at_random_points_converge(tmp_path):
    """cdc_with_deletes (SCD1 and SCD2) under SIGKILL: after kills during the first sync and
    during the sync of updates and deletes, a final run gives the tables of uninterrupted runs."""
    db_dir = str(tmp_path / "db")
    db = make_source(db_dir, n_docs=120)
    conf = {"primary_keys": ["id"], "cursor_field": "updated_at",
            "ingestion_type": "cdc_with_deletes", "max_records_per_batch": "5"}
    objects = [
        {"table": {"source_table": "docs", "destination_table": "scd1",
                   "table_configuration": {**conf, "scd_type": "SCD_TYPE_1"}}},
        {"table": {"source_table": "docs", "destination_table": "scd2",
                   "table_configuration": {**conf, "scd_type": "SCD_TYPE_2"}}}]
    ref_lake, lake = str(tmp_path / "ref"), str(tmp_path / "killed")
    ref_pipeline = write_pipeline(str(tmp_path / "ref.json"), db_dir, ref_lake, objects)
    pipeline = write_pipeline(str(tmp_path / "killed.json"), db_dir, lake, objects)
    rng = random.Random(9)

    def killed_runs():
        t = time.monotonic()
        sync(write_pipeline(str(tmp_path / "timing.json"), db_dir,
                            str(tmp_path / f"timing{rng.random()}"), objects))
        duration = time.monotonic() - t
        for _ in range(5):
            p = subprocess.Popen([binary(), "sync", pipeline, "--progress", "never"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0, duration))
            p.send_signal(signal.SIGKILL)
            p.wait()

    def compare():
        assert delta_rows(lake, "scd1", "id") == delta_rows(ref_lake, "scd1", "id")
        assert scd2_rows(lake, "scd2") == scd2_rows(ref_lake, "scd2")

    sync(ref_pipeline)
    killed_runs()
    docs = db.open_table("docs")
    later = T0 + dt.timedelta(days=1)
    docs.update(where="id >= 30 AND id < 60",
                values={"name": "updated", "updated_at": later})
    docs.delete("id >= 70 AND id < 90")
    sync(ref_pipeline)
    killed_runs()
    sync(pipeline)
    compare()
    assert normalize(delta_rows(lake, "scd1", "id")) == source_rows(db, "docs", "id")
    closed = [r for r in scd2_rows(lake, "scd2") if r["__END_AT"] is not None]
    assert len(closed) == 50


def test_sync_scd2_snapshot_history(tmp_path):
    """SCD_TYPE_2 over snapshot ingestion: the sequence is the Lance table version; changed rows
    and missing keys are closed at it, new and changed rows opened at it."""
    db_dir, lakehouse = str(tmp_path / "db"), str(tmp_path / "lakehouse")
    db = make_source(db_dir)
    pipeline = write_pipeline(str(tmp_path / "p.json"), db_dir, lakehouse, objects=[
        {"table": {"source_table": "docs", "destination_table": "hist",
                   "table_configuration": {"scd_type": "SCD_TYPE_2", "primary_keys": ["id"],
                                           "ingestion_type": "snapshot", "batch_size": "16"}}}])
    hist = {}

    def step():
        sync(pipeline)
        version = db.open_table("docs").version
        current = {r["id"]: r for r in source_rows(db, "docs", "id")}
        for key, row in current.items():
            versions = hist.setdefault(key, [])
            cur = versions[-1] if versions and versions[-1]["__END_AT"] is None else None
            if cur is not None and {k: cur[k] for k in row} == row:
                continue
            if cur is not None:
                cur["__END_AT"] = version
            versions.append({**row, "__START_AT": version, "__END_AT": None})
        for key, versions in hist.items():
            if key not in current and versions[-1]["__END_AT"] is None:
                versions[-1]["__END_AT"] = version
        assert scd2_rows(lakehouse, "hist") == flat(hist)

    step()
    docs = db.open_table("docs")
    rng = random.Random(2)
    docs.update(where="id >= 10 AND id < 20", values={"name": "renamed"})
    docs.update(where="id = 5", values={"name": "doc 5"})  # same value: no new version
    docs.delete("id >= 40 AND id < 45")
    docs.add(pa.Table.from_pylist(docs_rows(60, 5, T0, rng), DOCS_SCHEMA))
    step()
    got = scd2_rows(lakehouse, "hist")
    assert sum(1 for r in got if r["id"] == 12) == 2
    assert sum(1 for r in got if r["id"] == 5) == 1
    assert all(r["__END_AT"] is not None for r in got if 40 <= r["id"] < 45)

    v = DeltaTable(os.path.join(lakehouse, "hist")).version()
    sync(pipeline)
    assert DeltaTable(os.path.join(lakehouse, "hist")).version() == v

    docs.add(pa.Table.from_pylist(docs_rows(41, 1, T0, rng), DOCS_SCHEMA))
    step()
    assert sum(1 for r in scd2_rows(lakehouse, "hist") if r["id"] == 41) == 2


def test_pyarrow_reader_applies_spark_deletion_vectors():
    """The pyarrow reader the Spark-file tests use (own log replay and deletion-vector decoding,
    tests/fixtures/sync_all_types.py) on a table Spark wrote with deletion vectors: the live ids
    equal Spark's and delta-rs's."""
    from fixtures.sync_all_types import pyarrow_table
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "delta_dv", "u_table")
    with open(os.path.join(path, "expected.json")) as f:
        want = json.load(f)["live_ids"]
    table, how = pyarrow_table(path)
    assert how == "parquet+dv"
    assert sorted(table.column("id").to_pylist()) == want
    assert sorted(deltars_table(path).column("id").to_pylist()) == want
