"""T14 of the framework's generic connector suite (write-back, "live" only): rows written to the
source after a read are read by a FRESH connector instance from the previous end offset, a
snapshot table grows by exactly the written row, deleted keys appear in read_table_deletes, and
the written tables are listed.

The writes go through the official engine: for local tables lancedb on the directory, for
LanceDB Cloud the official client in remote mode through the Cloud test server (the same REST
calls a live LanceDB Cloud serves). Each read is by a new lanceflow.LakeflowConnect, as an
executor reconnecting after a restart would be.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

lanceflow = pytest.importorskip("lanceflow")
import lancedb  # noqa: E402

from test_python_connect import drain  # noqa: E402

SCHEMA = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("text", pa.string()),
                    pa.field("updated_at", pa.timestamp("us", tz="UTC"))])
INCREMENTAL = {"ingestion_type": "cdc_with_deletes", "primary_keys": '["id"]',
               "cursor_field": "updated_at", "max_records_per_batch": "7"}
SNAPSHOT = {"ingestion_type": "snapshot", "primary_keys": '["id"]'}


def rows(ids, minute: int) -> pa.Table:
    import datetime as dt
    at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=minute)
    return pa.Table.from_pylist([{"id": i, "text": f"row {i} v{minute}", "updated_at": at}
                                 for i in ids], schema=SCHEMA)


@pytest.fixture(params=["local", "cloud"])
def target(request, tmp_path, cloud_server_factory):
    """(connector options, a function opening a table with the official engine for writing,
    whether the source reports deletes)."""
    db_dir = str(tmp_path / "db")
    db = lancedb.connect(db_dir)
    db.create_table("events", rows(range(20), 0))
    db.create_table("docs", rows(range(5), 0))
    if request.param == "local":
        return {"source": db_dir}, lambda name: lancedb.connect(db_dir).open_table(name), True
    server = cloud_server_factory(db_dir=db_dir)
    options = {"source": server.source, "host_override": server.url, "api_key": server.api_key}
    # LanceDB Cloud exposes no deletion files: no table there is deletable (cdc_with_deletes is
    # refused), so its incremental table is cdc and the delete is not reported.
    return options, lambda name: server.connect().open_table(name), False


def fresh(options):
    return lanceflow.LakeflowConnect(dict(options))


def read_all(options, table, opts, start):
    """Every record from `start` until the offsets agree, each call by a fresh instance."""
    calls = drain(lambda: fresh(options), table, opts, start)
    return [r for records, _ in calls for r in records], calls[-1][1]


def test_t14_written_rows_are_read_from_the_previous_offset(target):
    options, open_table, deletable = target
    names = fresh(options).list_tables()
    assert {"events", "docs"} <= set(names)  # written tables are listed
    incremental = INCREMENTAL if deletable else dict(INCREMENTAL, ingestion_type="cdc")
    if not deletable:
        with pytest.raises(lanceflow.errors.NotSupportedError, match="cdc_with_deletes"):
            fresh(options).read_table_metadata("events", INCREMENTAL)
    meta = fresh(options).read_table_metadata("events", incremental)
    assert meta["ingestion_type"] == incremental["ingestion_type"]

    first, offset = read_all(options, "events", incremental, {})
    assert sorted(r["id"] for r in first) == list(range(20))
    before = len(list(fresh(options).read_table("docs", None, SNAPSHOT)[0]))
    assert before == 5

    # Write: an update, an insert and a delete on the incremental table; one row on the snapshot.
    events = open_table("events")
    events.merge_insert("id").when_matched_update_all().when_not_matched_insert_all().execute(
        rows([3, 100], 5))
    events.delete("id = 7")
    open_table("docs").add(rows([50], 5))

    # A fresh instance from the previous offset reads the written rows, and nothing older.
    after, end = read_all(options, "events", incremental, offset)
    assert sorted(r["id"] for r in after) == [3, 100]
    assert {r["id"]: r["text"] for r in after} == {3: "row 3 v5", 100: "row 100 v5"}
    assert end != offset
    again, _ = read_all(options, "events", incremental, end)
    assert again == []

    # The snapshot table: initial count + 1.
    snap = list(fresh(options).read_table("docs", None, SNAPSHOT)[0])
    assert len(snap) == before + 1
    assert 50 in {r["id"] for r in snap}

    if not deletable:
        return
    # The deleted key is in read_table_deletes from the start, with its key.
    records, _ = fresh(options).read_table_deletes("events", {}, INCREMENTAL)
    deleted = list(records)
    assert 7 in {r["id"] for r in deleted}, deleted
    assert all(r.get("id") is not None for r in deleted)
