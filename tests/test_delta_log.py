"""The Delta log module (src/delta) checked against delta-rs (`deltalake` from PyPI).

lanceflow_delta_tool (tools/delta_tool.cc) creates tables and commits appends, copy-on-write
merges (remove + add), overwrites and txn actions over Parquet files written here by pyarrow;
delta-rs must read the same rows, files, statistics and app transaction versions. The other way
round, tables written by delta-rs are loaded by our snapshot loader and compared with what
delta-rs reports. Statistics expected here are computed with pyarrow, not by the code under test.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import subprocess
import time
import uuid

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

deltalake = pytest.importorskip("deltalake")
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_tool() -> str | None:
    env = os.environ.get("LANCEFLOW_DELTA_TOOL")
    if env:
        return env
    found = glob.glob(os.path.join(REPO, "build*", "tools", "lanceflow_delta_tool"))
    return max(found, key=os.path.getmtime) if found else None


TOOL = find_tool()
pytestmark = pytest.mark.skipif(TOOL is None, reason="lanceflow_delta_tool is not built "
                                                     "(cmake --build <dir> --target lanceflow_delta_tool)")

SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False),
    pa.field("text", pa.string()),
    pa.field("score", pa.float64()),
    pa.field("day", pa.date32()),
    pa.field("ts", pa.timestamp("us", tz="UTC")),
])


def run_tool(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} failed ({p.returncode}): {p.stderr}")
    return p


def make_rows(ids, tag: str) -> pa.Table:
    ids = list(ids)
    base = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "text": pa.array([None if i % 7 == 3 else f"{tag}-{i}" for i in ids], pa.string()),
        "score": pa.array([i * 0.5 for i in ids], pa.float64()),
        "day": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in ids], pa.date32()),
        "ts": pa.array([base + dt.timedelta(microseconds=i * 1001) for i in ids],
                       pa.timestamp("us", tz="UTC")),
    }, schema=SCHEMA)


def iso_ms(value: dt.datetime) -> str:
    value = value.astimezone(dt.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def expected_stats(table: pa.Table) -> dict:
    """Delta stats of `table`, computed with pyarrow."""
    cols = []
    for name in table.column_names:
        col = table[name]
        mm = pc.min_max(col)
        lo, hi = mm["min"].as_py(), mm["max"].as_py()
        if isinstance(lo, dt.datetime):
            lo, hi = iso_ms(lo), iso_ms(hi)
        elif isinstance(lo, dt.date):
            lo, hi = lo.isoformat(), hi.isoformat()
        entry = {"path": [name], "nullCount": col.null_count}
        if lo is not None:
            entry["min"], entry["max"] = lo, hi
        cols.append(entry)
    return {"numRecords": table.num_rows, "columns": cols}


def write_file(root: str, table: pa.Table) -> dict:
    name = f"part-00000-{uuid.uuid4()}-c000.zstd.parquet"
    path = os.path.join(root, name)
    os.makedirs(root, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    st = os.stat(path)
    return {"path": name, "size": st.st_size, "modificationTime": int(st.st_mtime * 1000),
            "stats": expected_stats(table), "_rows": table}


def spec_file(tmp_path, spec: dict) -> str:
    clean = dict(spec)
    if "adds" in clean:
        clean["adds"] = [{k: v for k, v in a.items() if k != "_rows"} for a in clean["adds"]]
    path = os.path.join(str(tmp_path), f"spec-{uuid.uuid4()}.json")
    with open(path, "w") as f:
        json.dump(clean, f)
    return path


def schema_ipc(tmp_path) -> str:
    path = os.path.join(str(tmp_path), "schema.arrows")
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink, SCHEMA):
        pass
    return path


def snapshot(root: str, version: int | None = None) -> dict:
    args = ["snapshot", root] + (["--version", str(version)] if version is not None else [])
    return json.loads(run_tool(*args).stdout)


def add_actions(table: DeltaTable) -> dict:
    """path -> row of delta-rs's flattened add actions."""
    actions = pa.table(table.get_add_actions(flatten=True)).to_pylist()
    return {a["path"]: a for a in actions}


def sorted_rows(table: pa.Table) -> list:
    return table.sort_by("id").to_pylist()


def check_delta_rs(root: str, version: int, files: dict, txns: dict):
    """delta-rs sees exactly `files` (name -> file dict) with their rows and stats."""
    table = DeltaTable(root)
    assert table.version() == version
    assert sorted(os.path.basename(u) for u in table.file_uris()) == sorted(files)
    expected = pa.concat_tables([f["_rows"] for f in files.values()]) if files else None
    got = table.to_pyarrow_table()
    if expected is None:
        assert got.num_rows == 0
    else:
        assert sorted_rows(got) == sorted_rows(expected)
    actions = add_actions(table)
    for name, f in files.items():
        a = actions[name]
        assert a["size_bytes"] == f["size"]
        assert a["num_records"] == f["stats"]["numRecords"]
        for col in f["stats"]["columns"]:
            c = col["path"][0]
            assert a[f"null_count.{c}"] == col["nullCount"], (name, c)
            if "min" in col:
                lo, hi = a[f"min.{c}"], a[f"max.{c}"]
                if isinstance(lo, dt.datetime):
                    lo, hi = iso_ms(lo), iso_ms(hi)
                elif isinstance(lo, dt.date):
                    lo, hi = lo.isoformat(), hi.isoformat()
                assert (lo, hi) == (col["min"], col["max"]), (name, c)
    for app, v in txns.items():
        assert table.transaction_version(app) == v
    # Our own loader agrees with delta-rs on the live files.
    ours = snapshot(root)
    assert ours["version"] == version
    assert sorted(f["path"] for f in ours["files"]) == sorted(files)
    assert ours["txns"] == txns


def test_delta_rs_reads_what_we_commit(tmp_path):
    root = os.path.join(str(tmp_path), "table")
    f1 = write_file(root, make_rows(range(0, 10), "v0"))
    run_tool("create", root, "--schema-ipc", schema_ipc(tmp_path),
             "--spec", spec_file(tmp_path, {"name": "docs", "adds": [f1]}))
    check_delta_rs(root, 0, {f1["path"]: f1}, {})
    md = DeltaTable(root).metadata()
    assert md.name == "docs"
    assert md.partition_columns == []
    proto = DeltaTable(root).protocol()
    assert (proto.min_reader_version, proto.min_writer_version) == (1, 2)
    schema = DeltaTable(root).schema().to_arrow()
    assert [f.name for f in schema] == SCHEMA.names

    # Append two files with a txn.
    f2 = write_file(root, make_rows(range(10, 20), "v1"))
    f3 = write_file(root, make_rows(range(20, 30), "v1"))
    out = run_tool("commit", root, "--spec", spec_file(tmp_path, {
        "adds": [f2, f3], "txn": [{"appId": "lanceflow:docs:append", "version": 1}]}))
    assert json.loads(out.stdout) == {"outcome": "committed", "version": 1}
    live = {f["path"]: f for f in (f1, f2, f3)}
    check_delta_rs(root, 1, live, {"lanceflow:docs:append": 1})

    # Copy-on-write merge: upsert ids 15 and 25; the key statistics pick f2 and f3 only.
    cand = json.loads(run_tool("candidates", root, "--key", "id", "--keys", "[15, 25]").stdout)
    assert sorted(cand) == sorted([f2["path"], f3["path"]])
    assert json.loads(run_tool("candidates", root, "--key", "id", "--keys", "[100]").stdout) == []
    kept = pa.concat_tables([f2["_rows"], f3["_rows"]])
    kept = kept.filter(pc.invert(pc.is_in(kept["id"], pa.array([15, 25], pa.int64()))))
    f4 = write_file(root, pa.concat_tables([kept, make_rows([15, 25], "merged")]))
    run_tool("commit", root, "--spec", spec_file(tmp_path, {
        "remove": cand, "adds": [f4], "operation": "MERGE",
        "txn": [{"appId": "lanceflow:docs:append", "version": 2}]}))
    live = {f1["path"]: f1, f4["path"]: f4}
    check_delta_rs(root, 2, live, {"lanceflow:docs:append": 2})
    texts = {r["id"]: r["text"] for r in DeltaTable(root).to_pyarrow_table().to_pylist()}
    assert texts[15] == "merged-15" and texts[25] == "merged-25" and texts[16] == "v1-16"

    # Overwrite: remove everything, add one file, in one commit; a second app id.
    f5 = write_file(root, make_rows(range(100, 105), "v3"))
    run_tool("commit", root, "--spec", spec_file(tmp_path, {
        "remove_all": True, "adds": [f5], "txn": [{"appId": "other", "version": 7}]}))
    check_delta_rs(root, 3, {f5["path"]: f5}, {"lanceflow:docs:append": 2, "other": 7})

    # Time travel: every older version reads as it was.
    old = DeltaTable(root, version=1)
    assert sorted_rows(old.to_pyarrow_table()) == sorted_rows(
        pa.concat_tables([f1["_rows"], f2["_rows"], f3["_rows"]]))
    assert old.transaction_version("lanceflow:docs:append") == 1
    assert snapshot(root, 1)["txns"] == {"lanceflow:docs:append": 1}

    # delta-rs's history sees our commitInfo operations.
    ops = [h.get("operation") for h in DeltaTable(root).history()]
    assert ops == ["WRITE", "MERGE", "WRITE", "CREATE TABLE"]

    # delta-rs appends to our table; we read its commit.
    extra = make_rows(range(200, 203), "rs")
    write_deltalake(root, extra, mode="append")
    ours = snapshot(root)
    assert ours["version"] == 4
    rs = add_actions(DeltaTable(root))
    assert sorted(f["path"] for f in ours["files"]) == sorted(rs)
    assert sum(f["numRecords"] for f in ours["files"]) == 8


def test_schema_change_commit_is_read_by_delta_rs(tmp_path):
    root = os.path.join(str(tmp_path), "table")
    run_tool("create", root, "--schema-ipc", schema_ipc(tmp_path))
    run_tool("commit", root, "--spec", spec_file(tmp_path, {
        "metadata_configuration": {"delta.appendOnly": "true"}}))
    assert DeltaTable(root).metadata().configuration == {"delta.appendOnly": "true"}
    # Append-only now: an overwrite is refused, nothing written.
    f = write_file(root, make_rows(range(3), "x"))
    run_tool("commit", root, "--spec", spec_file(tmp_path, {"adds": [f]}))
    p = run_tool("commit", root, "--spec", spec_file(tmp_path, {"remove_all": True}), check=False)
    assert p.returncode == 1
    assert "append-only" in p.stderr
    assert DeltaTable(root).version() == 2


def test_racing_processes_exactly_one_wins(tmp_path):
    root = os.path.join(str(tmp_path), "table")
    run_tool("create", root, "--schema-ipc", schema_ipc(tmp_path))
    writers = 5
    for version in range(1, 9):
        specs = [spec_file(tmp_path, {"try_version": version,
                                      "txn": [{"appId": f"w{w}", "version": version}]})
                 for w in range(writers)]
        procs = [subprocess.Popen([TOOL, "commit", root, "--spec", s], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for s in specs]
        results = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]
        codes = [r[0] for r in results]
        assert sorted(codes) == [0] + [3] * (writers - 1), results
        winner = codes.index(0)
        for code, out, _ in results:
            assert json.loads(out)["version"] == version
        table = DeltaTable(root)
        assert table.version() == version
        assert table.transaction_version(f"w{winner}") == version
    leftovers = [n for n in os.listdir(os.path.join(root, "_delta_log")) if not n.endswith(".json")]
    assert leftovers == []


def test_racing_blind_appends_all_land(tmp_path):
    root = os.path.join(str(tmp_path), "table")
    run_tool("create", root, "--schema-ipc", schema_ipc(tmp_path))
    files = [write_file(root, make_rows(range(i * 10, i * 10 + 3), f"p{i}")) for i in range(6)]
    # Every writer planned from version 0; Commit retries blind appends above the winners.
    procs = [subprocess.Popen([TOOL, "commit", root, "--spec",
                               spec_file(tmp_path, {"read_version": 0, "adds": [f]})],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for f in files]
    outs = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]
    assert all(code == 0 for code, _, _ in outs), outs
    assert sorted(json.loads(o)["version"] for _, o, _ in outs) == list(range(1, 7))
    check_delta_rs(root, 6, {f["path"]: f for f in files}, {})


def test_racing_merges_conflict(tmp_path):
    root = os.path.join(str(tmp_path), "table")
    f1 = write_file(root, make_rows(range(10), "a"))
    run_tool("create", root, "--schema-ipc", schema_ipc(tmp_path),
             "--spec", spec_file(tmp_path, {"adds": [f1]}))
    g1 = write_file(root, make_rows(range(10), "b"))
    g2 = write_file(root, make_rows(range(10), "c"))
    a = run_tool("commit", root, "--spec", spec_file(tmp_path, {
        "read_version": 0, "remove": [f1["path"]], "adds": [g1]}))
    assert json.loads(a.stdout) == {"outcome": "committed", "version": 1}
    b = run_tool("commit", root, "--spec", spec_file(tmp_path, {
        "read_version": 0, "remove": [f1["path"]], "adds": [g2]}), check=False)
    assert b.returncode == 3
    assert json.loads(b.stdout) == {"outcome": "version_taken", "version": 1}
    check_delta_rs(root, 1, {g1["path"]: g1}, {})


def rs_stats_value(v):
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.timezone.utc)
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def test_we_read_what_delta_rs_writes(tmp_path):
    root = os.path.join(str(tmp_path), "rs")
    write_deltalake(root, make_rows(range(0, 10), "a"), name="rs_table",
                    configuration={"delta.checkpointInterval": "100"})
    write_deltalake(root, make_rows(range(10, 20), "b"), mode="append",
                    commit_properties=CommitProperties(
                        app_transactions=[Transaction(app_id="app", version=5)]))
    table = DeltaTable(root)
    table.delete("id < 3")
    table = DeltaTable(root)
    (table.merge(make_rows([5, 50], "m"), predicate="t.id = s.id", source_alias="s",
                 target_alias="t")
     .when_matched_update_all().when_not_matched_insert_all().execute())
    write_deltalake(root, make_rows(range(30, 40), "c"), mode="append",
                    commit_properties=CommitProperties(
                        app_transactions=[Transaction(app_id="app", version=6),
                                          Transaction(app_id="app2", version=1)]))
    latest = DeltaTable(root).version()
    assert latest == 4
    for version in range(latest + 1):
        rs = DeltaTable(root, version=version)
        ours = snapshot(root, version)
        assert ours["version"] == version
        proto = rs.protocol()
        assert ours["protocol"]["minReaderVersion"] == proto.min_reader_version
        assert ours["protocol"]["minWriterVersion"] == proto.min_writer_version
        md = rs.metadata()
        assert ours["metaData"]["id"] == md.id
        assert ours["metaData"].get("name") == md.name
        assert ours["metaData"]["partitionColumns"] == md.partition_columns
        assert ours["metaData"]["configuration"] == md.configuration
        assert ours["metaData"]["createdTime"] == md.created_time
        assert json.loads(ours["metaData"]["schemaString"]) == json.loads(rs.schema().to_json())
        actions = add_actions(rs)
        assert sorted(f["path"] for f in ours["files"]) == sorted(actions)
        for f in ours["files"]:
            a = actions[f["path"]]
            assert f["size"] == a["size_bytes"]
            assert f["numRecords"] == a["num_records"]
            mtime = a["modification_time"]
            if isinstance(mtime, dt.datetime):
                mtime = int(mtime.timestamp() * 1000)
            assert f["modificationTime"] == mtime
            for col in SCHEMA.names:
                st = f["columns"].get(col, {})
                assert st.get("nullCount") == a.get(f"null_count.{col}"), (version, col)
                if a.get(f"min.{col}") is not None:
                    rs_min = rs_stats_value(a[f"min.{col}"])
                    rs_max = rs_stats_value(a[f"max.{col}"])
                    ours_min, ours_max = st["min"], st["max"]
                    if isinstance(rs_min, dt.datetime):
                        # delta-rs leaves out a zero fraction ("...:00Z"): compare instants.
                        ours_min = dt.datetime.fromisoformat(ours_min.replace("Z", "+00:00"))
                        ours_max = dt.datetime.fromisoformat(ours_max.replace("Z", "+00:00"))
                    assert (ours_min, ours_max) == (rs_min, rs_max), (version, col)
        for app in ("app", "app2"):
            assert ours["txns"].get(app) == rs.transaction_version(app)
        # Row count agrees with the data delta-rs reads.
        assert sum(f["numRecords"] for f in ours["files"]) == rs.to_pyarrow_table().num_rows


def test_checkpoints_read_while_log_complete_refused_after_cleanup(tmp_path):
    root = os.path.join(str(tmp_path), "rs")
    for i in range(3):
        write_deltalake(root, make_rows(range(i * 10, i * 10 + 5), "x"), mode="append")
    DeltaTable(root).create_checkpoint()
    log = os.path.join(root, "_delta_log")
    assert os.path.exists(os.path.join(log, "_last_checkpoint"))
    ours = snapshot(root)
    assert ours["version"] == 2 and len(ours["files"]) == 3
    os.remove(os.path.join(log, "00000000000000000000.json"))
    p = run_tool("snapshot", root, check=False)
    assert p.returncode == 1
    assert p.stderr.startswith("lanceflow_delta_tool: error: Not implemented: ")
    assert "checkpoint" in p.stderr
    assert len(p.stderr.strip().split("\n")) == 1
