"""The Python package `lanceflow` (pip install ./python): the framework's generic connector checks
(lakeflow-contract.md section 7) applied to lanceflow.LakeflowConnect, for local tables and LanceDB
Cloud tables (the Cloud test server), plus pickling, offsets, errors, the Arrow fast path and the
official engine's rows for every type.

The generic checks reuse the logic of test_connect_conformance.py (the same golden tables, their
expected rows and the same record checks); here each call goes through the Python class instead
of a `lanceflow read-table` process.
"""
from __future__ import annotations

import collections
import json
import os
import pickle
import shutil

import lancedb
import pyarrow as pa
import pytest

import lanceflow
import test_connect_conformance as conformance
from cloud_server.fixture import DEFAULT_API_KEY, CloudServerProcess
from jsonl_reference import assert_rows_equal, encode_table
from lanceflow_cli import run

NONEXISTENT = conformance.NONEXISTENT
MAX_CALLS = conformance.MAX_CALLS


@pytest.fixture(scope="module")
def golden(tmp_path_factory):
    """{"local": options, "cloud": options} over one copy of the golden connect database."""
    db = str(tmp_path_factory.mktemp("py_connect_db") / "db")
    shutil.copytree(os.path.join(conformance.GOLDEN, "db"), db)
    server = CloudServerProcess(db, api_key=DEFAULT_API_KEY,
                                work_dir=str(tmp_path_factory.mktemp("py_connect_server")))
    server.start()
    try:
        yield {"local": {"source": db},
               "cloud": {"source": server.source, "host_override": server.url,
                         "api_key": server.api_key},
               "db": db, "server": server}
    finally:
        server.stop()


def cloud_options(server):
    return {"source": server.source, "host_override": server.url, "api_key": server.api_key}


def cli_source_args(golden, which):
    if which == "local":
        return ["--source", golden["db"]], None
    server = golden["server"]
    return ["--source", server.source, "--host-override", server.url], server.env()


def drain(make_conn, table, opts, start=None):
    """Feeds offsets back until two consecutive ones are equal (T8, T11). make_conn() gives the
    instance of each call."""
    offset = start
    calls = []
    for _ in range(MAX_CALLS):
        result = make_conn().read_table(table, offset, opts)
        assert isinstance(result, tuple) and len(result) == 2  # T8
        records, end = result
        assert iter(records) is not None
        rows = list(records)
        assert isinstance(end, dict)
        conformance.assert_flat_offset(end, f"{table}: end offset")
        json.dumps(end, allow_nan=False)
        calls.append((rows, end))
        if json.dumps(offset or {}, sort_keys=True) == json.dumps(end, sort_keys=True):
            return calls
        if offset is not None:
            # O5: the serialized offset moves, keys in a fixed order.
            assert json.dumps(end) != json.dumps(offset)
        assert rows, f"{table}: the offset moved without records ({offset} -> {end})"
        offset = end
    pytest.fail(f"{table}: no two equal offsets within {MAX_CALLS} calls")


# T1 / T2 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["local", "cloud"])
def test_t1_t2_list_tables_and_unknown_table(golden, which):
    conn = lanceflow.LakeflowConnect(golden[which])
    names = conn.list_tables()
    assert isinstance(names, list) and names and all(isinstance(n, str) for n in names)
    assert len(names) == len(set(names))
    assert set(conformance.expected()) <= set(names)
    for bad in (NONEXISTENT, "nonexistent_table"):
        with pytest.raises(lanceflow.LanceflowError):
            conn.get_table_schema(bad, {})
        with pytest.raises(lanceflow.LanceflowError):
            conn.read_table_metadata(bad, {})
        with pytest.raises(lanceflow.LanceflowError):
            conn.read_table(bad, {}, {})
        with pytest.raises(lanceflow.LanceflowError):
            conn.read_table_arrow(bad, None, {})


# T3 .. T12 over every golden table, both sources -------------------------------------------------

def check_table(golden, which, table, per_call_instance):
    spec = conformance.expected()[table]
    opts = spec["options"]
    base = golden[which]
    conn = lanceflow.LakeflowConnect(dict(base, tableName=table))
    # T3: a non-empty StructType without duplicate names, equal on a second call.
    schema_obj = conn.get_table_schema(table, opts)
    from pyspark.sql.types import StructType
    assert isinstance(schema_obj, StructType)
    assert schema_obj == conn.get_table_schema(table, opts)
    schema = conn.get_table_schema_json(table, opts)
    assert schema == conn.get_table_schema_json(table, opts)
    assert StructType.fromJson(schema) == schema_obj
    assert schema["type"] == "struct" and schema["fields"]
    names = [f["name"] for f in schema["fields"]]
    assert len(names) == len(set(names)) and names == schema_obj.fieldNames()
    # T4: a dict, deterministic, one of the four ingestion types.
    meta = conn.read_table_metadata(table, opts)
    assert isinstance(meta, dict) and meta == conn.read_table_metadata(table, opts)
    assert meta["ingestion_type"] == spec["ingestion_type"]
    assert meta["ingestion_type"] in ("snapshot", "cdc", "cdc_with_deletes", "append")
    # T5 / T6 / T7.
    if meta["ingestion_type"] != "append":
        assert isinstance(meta["primary_keys"], list) and meta["primary_keys"]
        assert all(k in names for k in meta["primary_keys"])
    if meta["ingestion_type"] in ("cdc", "cdc_with_deletes"):
        assert isinstance(meta["cursor_field"], str) and meta["cursor_field"] in names
    assert meta["ingestion_type"] != "cdc_with_deletes"
    # T8 / T10 / T11: one instance for the whole drain (a batch trigger), or a fresh unpickled
    # instance per call (a stream restarted from its checkpoint on an executor).
    if per_call_instance:
        pickled = pickle.dumps(conn)
        calls = drain(lambda: pickle.loads(pickled), table, opts, start={})
    else:
        calls = drain(lambda: conn, table, opts, start=None)
    if meta["ingestion_type"] != "snapshot":
        assert calls[0][0], "an incremental table yields records on the first read"
    records = [r for rows, _ in calls for r in rows]
    # T9: records coerce to the schema, none entirely null, keys non-null; T12.
    seen_non_null = set()
    for rec in records:
        assert isinstance(rec, dict)
        assert conformance.check_value(schema, rec, "record") == ""
        assert any(v is not None for v in rec.values())
        seen_non_null.update(k for k, v in rec.items() if v is not None)
        for k in meta["primary_keys"]:
            assert rec[k] is not None
    assert set(names) <= seen_non_null
    # The engine's rows, once each, in cursor order.
    cursor = meta["cursor_field"]
    got = [[rec[cursor] if cursor else None, rec["id"]] for rec in records]
    want = spec["rows"]
    assert len(got) == len(want)
    if cursor is None:
        assert sorted(g[1] for g in got) == sorted(w[1] for w in want)
    elif meta["ingestion_type"] == "cdc":
        assert got == want
    else:
        assert [g[0] for g in got] == [w[0] for w in want]
        assert collections.Counter(map(tuple, got)) == collections.Counter(map(tuple, want))
    return schema, meta, calls


def multiset(rows):
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


@pytest.mark.parametrize("table", sorted(conformance.expected()))
def test_t3_to_t12_every_table_both_sources_agree_with_each_other_and_the_cli(golden, table):
    results = {}
    for which in ("local", "cloud"):
        results[which] = check_table(golden, which, table, per_call_instance=False)
        again = check_table(golden, which, table, per_call_instance=True)
        # The same calls whether the instance lives on or is unpickled for every call.
        assert [e for _, e in again[2]] == [e for _, e in results[which][2]]
        assert [multiset(r) for r, _ in again[2]] == [multiset(r) for r, _ in results[which][2]]
    (s_l, m_l, local), (s_c, m_c, cloud) = results["local"], results["cloud"]
    assert (s_l, m_l) == (s_c, m_c)
    assert [e for _, e in local] == [e for _, e in cloud]
    for (rows_l, _), (rows_c, _) in zip(local, cloud):
        assert multiset(rows_l) == multiset(rows_c)
    # The `lanceflow read-table` command gives the same schema, metadata, rows and final offset.
    args, env = cli_source_args(golden, "local")
    opts = conformance.expected()[table]["options"]
    d = json.loads(run(["read-table", *args, "--table", table, "--options", json.dumps(opts),
                        "--describe"], env=env, check=True).text)
    assert d == {"table_schema": s_l, "metadata": m_l}
    r = run(["read-table", *args, "--table", table, "--options", json.dumps(opts), "--all"],
            env=env, check=True)
    assert multiset(r.rows()) == multiset([x for rows, _ in local for x in rows])
    assert json.loads(r.stderr.strip().splitlines()[-1]) == local[-1][1]


# Offsets ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["local", "cloud"])
@pytest.mark.parametrize("table", ["big_ids", "days", "users"])
def test_none_and_empty_offsets_both_mean_the_start(golden, which, table):
    opts = conformance.expected()[table]["options"]
    conn = lanceflow.LakeflowConnect(golden[which])
    rows_none, end_none = conn.read_table(table, None, opts)
    rows_none = list(rows_none)
    rows_empty, end_empty = conn.read_table(table, {}, opts)
    assert rows_none and list(rows_empty) == rows_none and end_none == end_empty
    # The end offset fed back as JSON text or dict is the same position.
    rows_next, end_next = conn.read_table(table, end_none, opts)
    rows_text, end_text = conn.read_table(table, json.dumps(end_none), opts)
    assert list(rows_next) == list(rows_text) and end_next == end_text


def test_offsets_round_trip_through_json_checkpoints(golden):
    """O1 / O5: offsets are JSON objects of primitives whose json.dumps is stable."""
    opts = conformance.expected()["events"]["options"]
    conn = lanceflow.LakeflowConnect(golden["local"])
    offset = None
    for _ in range(3):
        _, end = conn.read_table("events", offset, opts)
        conformance.assert_flat_offset(end)
        text = json.dumps(end)
        assert json.loads(text) == end and json.dumps(json.loads(text)) == text
        offset = json.loads(text)


@pytest.mark.parametrize("which", ["local", "cloud"])
def test_tie_break_key_is_text_and_old_list_offsets_resume(golden, which):
    """O1: the (cursor, key) position keeps the key tuple as the JSON text of a list; offsets
    stored with the tuple as a JSON list (earlier releases) resume at the same row."""
    opts = conformance.expected()["users"]["options"]
    calls = drain(lambda: lanceflow.LakeflowConnect(golden[which]), "users", opts)
    assert len(calls) >= 3
    for (_, end), (want_rows, want_end) in zip(calls, calls[1:]):
        assert isinstance(end["key"], str) and isinstance(json.loads(end["key"]), list)
        assert list(end) == ["cursor_field", "cursor", "key", "version"]  # fixed order (O5)
        old = dict(end, key=json.loads(end["key"]))
        rows, got_end = lanceflow.LakeflowConnect(golden[which]).read_table("users", old, opts)
        assert list(rows) == want_rows and got_end == want_end
    for bad in ("[1", "{\"id\": 1}", "[[1]]", "[1, 2]", 7):
        offset = dict(calls[0][1], key=bad)
        with pytest.raises(lanceflow.InvalidArgumentError) as info:
            lanceflow.LakeflowConnect(golden[which]).read_table("users", offset, opts)
        assert "key" in str(info.value) and "\n" not in str(info.value)


# Pickling ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["local", "cloud"])
def test_pickle_round_trip_then_read(golden, which):
    opts = conformance.expected()["users"]["options"]
    conn = lanceflow.LakeflowConnect(golden[which])
    rows, end = conn.read_table("users", {}, opts)
    rows = list(rows)
    assert conn._native is not None
    state = conn.__getstate__()
    assert set(state) == {"options"}  # no live handle travels
    copy = pickle.loads(pickle.dumps(conn))
    assert copy._native is None
    rows2, end2 = copy.read_table("users", {}, opts)
    assert list(rows2) == rows and end2 == end
    # A never-used instance pickles too.
    fresh = pickle.loads(pickle.dumps(lanceflow.LakeflowConnect(golden[which])))
    assert fresh.list_tables() == conn.list_tables()


# Errors -----------------------------------------------------------------------------------------

def cli_error(args, env=None):
    r = run(args, env=env)
    assert r.returncode == 1 and r.stderr.startswith("lanceflow: error: "), r.stderr
    return r.stderr.strip()[len("lanceflow: error: "):]


@pytest.mark.parametrize("which", ["local", "cloud"])
def test_errors_carry_the_cli_message(golden, which):
    conn = lanceflow.LakeflowConnect(golden[which])
    args, env = cli_source_args(golden, which)
    cases = [
        (NONEXISTENT, {}, lanceflow.LanceflowError),
        ("nonexistent_table", {}, lanceflow.NotFoundError),
        ("users", {"batch_size": "0", "cursor_field": "updated_at"},
         lanceflow.InvalidArgumentError),
        ("users", {"ingestion_type": "cdc", "cursor_field": "no_such_column",
                   "primary_keys": "id"}, lanceflow.LanceflowError),
    ]
    for table, opts, cls in cases:
        with pytest.raises(cls) as info:
            conn.read_table(table, {}, opts)
        message = str(info.value)
        assert "\n" not in message and message
        assert message == cli_error(["read-table", *args, "--table", table,
                                     "--options", json.dumps(opts)], env=env)
    with pytest.raises(lanceflow.InvalidArgumentError) as info:
        conn.read_table("users", {"version": "x"}, conformance.expected()["users"]["options"])
    assert "offset" in str(info.value)
    with pytest.raises(TypeError):
        conn.read_table("users", 42, {})
    with pytest.raises(lanceflow.InvalidArgumentError) as info:
        lanceflow.LakeflowConnect({}).list_tables()
    assert "no source" in str(info.value)
    with pytest.raises(lanceflow.NotFoundError):
        lanceflow.LakeflowConnect({"source": golden["db"] + "/missing"}).read_table("users", {},
                                                                                    {})


def test_errors_while_pyarrow_reads_are_lanceflow_errors(tmp_path):
    """A failure in the middle of an Arrow read (a data file damaged after the read started)
    reaches the caller as the lanceflow exception with the CLI's one-line message, not as a
    pyarrow exception."""
    db_dir = str(tmp_path / "db")
    tbl = lancedb.connect(db_dir).create_table(
        "t", pa.table({"id": pa.array(range(0, 3000), pa.int64())}))
    tbl.add(pa.table({"id": pa.array(range(3000, 6000), pa.int64())}))
    conn = lanceflow.LakeflowConnect({"source": db_dir})
    parts = conn.get_partitions("t", {"partition_rows": "100000"})
    assert len(parts) == 2
    reader = conn.read_partition_arrow("t", parts[1], {"batch_size": "500"})
    data_dir = os.path.join(db_dir, "t.lance", "data")
    for name in os.listdir(data_dir):  # every data file loses its footer
        path = os.path.join(data_dir, name)
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) // 2)
    with pytest.raises(lanceflow.LanceflowError) as info:
        reader.read_all()
    message = str(info.value)
    assert "\n" not in message and ".lance" in message, message
    assert not isinstance(info.value, pa.ArrowException)
    reader, _ = conn.read_table_arrow("t", None, {})
    with pytest.raises(lanceflow.LanceflowError):
        reader.read_all()


def test_secrets_stay_out_of_repr_and_errors(golden):
    server = golden["server"]
    secret = "sk-python-test-wrong-key-123"
    conn = lanceflow.LakeflowConnect({"database": "testdb", "host_override": server.url,
                                      "api_key": secret, "max_attempts": "1"})
    assert secret not in repr(conn)
    with pytest.raises(lanceflow.LanceflowError) as info:
        conn.list_tables()
    assert secret not in str(info.value)
    assert isinstance(info.value, lanceflow.AuthenticationError), str(info.value)
    # api_key_env names the variable holding the key.
    os.environ["LANCEFLOW_PY_TEST_KEY"] = server.api_key
    try:
        conn = lanceflow.LakeflowConnect({"project_name": "testdb", "host_override": server.url,
                                          "api_key_env": "LANCEFLOW_PY_TEST_KEY"})
        assert set(conformance.expected()) <= set(conn.list_tables())
    finally:
        del os.environ["LANCEFLOW_PY_TEST_KEY"]


# Deletes (T7, T13) ------------------------------------------------------------------------------

DELETES_OPTS = {"ingestion_type": "cdc_with_deletes", "cursor_field": "updated_at",
                "primary_keys": "[\"id\"]", "max_records_per_batch": "10"}


def users_table(ids, minute):
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "updated_at": pa.array([1_700_000_000_000_000 + minute * 60_000_000 + i for i in ids],
                               pa.timestamp("us", tz="UTC")),
        "name": pa.array([f"user {i}" for i in ids]),
    })


def test_t7_t13_read_table_deletes(tmp_path, cloud_server_factory):
    db_dir = str(tmp_path / "db")
    db = lancedb.connect(db_dir)
    tbl = db.create_table("users", users_table(list(range(20)), 0))
    conn = lanceflow.LakeflowConnect({"source": db_dir})
    meta = conn.read_table_metadata("users", DELETES_OPTS)
    assert meta["ingestion_type"] == "cdc_with_deletes"  # T7: and read_table_deletes works
    schema = conn.get_table_schema_json("users", DELETES_OPTS)
    # Upserts drain first (the framework's first trigger).
    upserts = [r for rows, _ in drain(lambda: conn, "users", DELETES_OPTS) for r in rows]
    assert sorted(r["id"] for r in upserts) == list(range(20))
    rows, start = conn.read_table_deletes("users", {}, DELETES_OPTS)
    assert list(rows) == [] and isinstance(start, dict)
    conformance.assert_flat_offset(start, "deletes offset")
    tbl.delete("id < 3 OR id = 11")
    tbl.update(where="id = 5", values={"name": "renamed"})

    conn = lanceflow.LakeflowConnect({"source": db_dir})  # a new trigger
    deleted, end = conn.read_table_deletes("users", start, DELETES_OPTS)
    deleted = list(deleted)
    assert isinstance(end, dict) and end != start
    conformance.assert_flat_offset(end, "deletes offset")
    # T13: dicts that pass the schema check and carry the primary keys.
    assert sorted(r["id"] for r in deleted) == [0, 1, 2, 11]
    for rec in deleted:
        assert isinstance(rec, dict)
        assert conformance.check_value(schema, rec, "record") == ""
        assert rec["id"] is not None and rec["updated_at"] is not None
    again, end2 = conn.read_table_deletes("users", end, DELETES_OPTS)
    assert list(again) == [] and end2 == end  # converged
    # From the start ({} or None): the deletes of the retained history.
    from_start, _ = lanceflow.LakeflowConnect({"source": db_dir}).read_table_deletes(
        "users", None, DELETES_OPTS)
    assert sorted(r["id"] for r in from_start) == [0, 1, 2, 11]
    arrow_reader, end3 = conn.read_table_deletes_arrow("users", start, DELETES_OPTS)
    assert sorted(arrow_reader.read_all().column("id").to_pylist()) == [0, 1, 2, 11]
    assert end3 == end
    # A cdc table has no deletes flow; LanceDB Cloud cannot list deletes.
    with pytest.raises(lanceflow.InvalidArgumentError):
        conn.read_table_deletes("users", {}, dict(DELETES_OPTS, ingestion_type="cdc"))
    server = cloud_server_factory(db_dir)
    with pytest.raises(lanceflow.LanceflowError) as info:
        lanceflow.LakeflowConnect(cloud_options(server)).read_table_deletes("users", {},
                                                                           DELETES_OPTS)
    assert "cdc_with_deletes is not supported by this source" in str(info.value)


# Every type: dict rows and Arrow rows equal the official engine's ----------------------------

TYPE_OPTS = {"uint64_as_decimal": "true", "batch_size": "7"}


def engine_table(db_dir, name):
    return lancedb.connect(db_dir).open_table(name).to_arrow()


@pytest.mark.parametrize("which", ["local", "cloud"])
@pytest.mark.parametrize("table", ["all_types", "exotic_types", "documents"])
def test_every_type_dict_and_arrow_rows_equal_the_engine(example_db, cloud_server, which, table):
    options = {"source": example_db} if which == "local" else cloud_options(cloud_server)
    conn = lanceflow.LakeflowConnect(options)
    expected = engine_table(example_db, table)
    want = encode_table(expected)
    records, end = conn.read_table(table, None, TYPE_OPTS)
    rows = list(records)
    assert_rows_equal(rows, want, expected.schema)
    reader, end_arrow = lanceflow.LakeflowConnect(options).read_table_arrow(table, {}, TYPE_OPTS)
    assert isinstance(reader, pa.RecordBatchReader)
    got = reader.read_all()
    assert end_arrow == end
    assert got.schema.remove_metadata().equals(expected.schema.remove_metadata()), \
        f"{got.schema}\n!=\n{expected.schema}"
    assert_rows_equal(encode_table(got), want, expected.schema)
    # The dict path's records are the CLI's JSON lines.
    args = ["--source", example_db] if which == "local" else \
        ["--source", cloud_server.source, "--host-override", cloud_server.url]
    env = None if which == "local" else cloud_server.env()
    r = run(["read-table", *args, "--table", table, "--options", json.dumps(TYPE_OPTS)],
            env=env, check=True)
    assert r.rows() == rows


def test_get_table_schema_without_pyspark_is_the_json(example_db, monkeypatch):
    import lanceflow.connector as connector
    conn = lanceflow.LakeflowConnect({"source": example_db})
    monkeypatch.setattr(connector, "_STRUCT_TYPE", False)
    schema = conn.get_table_schema("all_types", TYPE_OPTS)
    assert isinstance(schema, dict) and schema == conn.get_table_schema_json("all_types",
                                                                            TYPE_OPTS)


# Zero copy --------------------------------------------------------------------------------------

def test_arrow_path_does_not_copy_column_buffers(example_db):
    """pyarrow wraps the exported buffers: reading every batch allocates nothing from pyarrow's
    memory pool, however many bytes the batches hold."""
    conn = lanceflow.LakeflowConnect({"source": example_db})
    reader, _ = conn.read_table_arrow("documents", None, {"batch_size": "100"})
    before = pa.total_allocated_bytes()
    batches = list(reader)
    held = sum(b.nbytes for b in batches)
    assert held > 100_000
    assert pa.total_allocated_bytes() - before < held // 100
    # A consumed read cannot be handed out twice.
    rd, _ = conn._read("documents", None, {}, deletes=False)
    assert pa.RecordBatchReader.from_stream(rd).read_all().num_rows == 1000
    with pytest.raises(lanceflow.LanceflowError):
        pa.RecordBatchReader.from_stream(rd)


# Partitions (T15) -------------------------------------------------------------------------------

def engine_ids(db_dir, table):
    return sorted(lancedb.connect(db_dir).open_table(table).to_arrow().column("id").to_pylist())


def read_partitions(options, table, parts, opts):
    """Each partition read by a fresh unpickled instance, as an executor does."""
    pickled = pickle.dumps(lanceflow.LakeflowConnect(options))
    rows = []
    for p in parts:
        rows.extend(pickle.loads(pickled).read_partition(table, p, opts))
    return rows


@pytest.mark.parametrize("which", ["local", "cloud"])
@pytest.mark.parametrize("table", sorted(conformance.expected()))
def test_t15_batch_partitions_cover_the_table(golden, which, table):
    opts = dict(conformance.expected()[table]["options"], partition_rows="16")
    conn = lanceflow.LakeflowConnect(golden[which])
    assert conn.is_partitioned(table) is True
    parts = conn.get_partitions(table, opts)
    assert isinstance(parts, list) and parts and all(isinstance(p, dict) for p in parts)
    assert json.loads(json.dumps(parts, allow_nan=False)) == parts
    assert conn.get_partitions(table, opts) == parts  # stable
    assert lanceflow.LakeflowConnect(golden[which]).get_partitions(table, opts) == parts
    schema = conn.get_table_schema_json(table, opts)
    rows = read_partitions(golden[which], table, parts, opts)
    for rec in rows:
        assert conformance.check_value(schema, rec, "record") == ""
    assert sorted(r["id"] for r in rows) == engine_ids(golden["db"], table)
    if which == "cloud":
        # Page ranges of the pinned version, contiguous from 0, covering every row.
        assert all("offset" in p and "limit" in p for p in parts), parts
        assert parts[0]["offset"] == 0
        for a, b in zip(parts, parts[1:]):
            assert b["offset"] == a["offset"] + a["limit"]
        assert parts[-1]["offset"] + parts[-1]["limit"] >= len(rows) > parts[-1]["offset"]
    else:
        assert all("fragments" in p for p in parts), parts
    # The Arrow path reads the same rows.
    arrow_rows = []
    for p in parts:
        arrow_rows.extend(encode_table(conn.read_partition_arrow(table, p, opts).read_all()))
    assert sorted(r["id"] for r in arrow_rows) == sorted(r["id"] for r in rows)


def test_t15_local_partitions_are_fragments(tmp_path):
    db_dir = str(tmp_path / "db")
    tbl = lancedb.connect(db_dir).create_table("users", users_table(list(range(0, 10)), 0))
    tbl.add(users_table(list(range(10, 25)), 1))
    tbl.add(users_table(list(range(25, 27)), 2))
    fragments = tbl.stats()["fragment_stats"]["num_fragments"]
    assert fragments == 3
    options = {"source": db_dir}
    parts = lanceflow.LakeflowConnect(options).get_partitions("users", {"primary_keys": "id"})
    assert len(parts) == fragments
    sizes = sorted(len(read_partitions(options, "users", [p], {})) for p in parts)
    assert sizes == [2, 10, 15]
    # A descriptor from another table or a tampered one is a one-line error.
    bad = dict(parts[0], table="other")
    with pytest.raises(lanceflow.InvalidArgumentError):
        list(lanceflow.LakeflowConnect(options).read_partition("users", bad, {}))


@pytest.mark.parametrize("which", ["local", "cloud"])
@pytest.mark.parametrize("table", ["days", "events", "labels", "typed", "users"])
def test_t15_stream_microbatches_converge_and_equal_read_table(golden, which, table):
    opts = conformance.expected()[table]["options"]
    options = golden[which]
    conn = lanceflow.LakeflowConnect(options)
    reference = lanceflow.LakeflowConnect(options)
    offset, offsets, total = {}, [], []
    for _ in range(MAX_CALLS):
        end = conn.latest_offset(table, opts, offset)
        assert isinstance(end, dict) and json.loads(json.dumps(end)) == end
        conformance.assert_flat_offset(end, f"{table}: latest offset")
        parts = conn.get_partitions(table, opts, offset, end)
        assert json.loads(json.dumps(parts)) == parts
        for p in parts:  # a stream descriptor's range holds offsets
            conformance.assert_flat_offset(p["start"], "descriptor start")
            conformance.assert_flat_offset(p["end"], "descriptor end")
        if json.dumps(end, sort_keys=True) == json.dumps(offset, sort_keys=True):
            assert parts == []
            break
        assert conn.get_partitions(table, opts, end, end) == []  # start == end: empty
        rows = read_partitions(options, table, parts, opts)
        assert rows, f"{table}: microbatch {offset} -> {end} is empty"
        # The microbatch holds exactly the rows read_table returns from the same start.
        want, want_end = reference.read_table(table, offset, opts)
        assert want_end == end
        assert multiset(rows) == multiset(list(want))
        total.extend(rows)
        offsets.append(end)
        offset = end
    else:
        pytest.fail(f"{table}: stream offsets did not converge within {MAX_CALLS} microbatches")
    assert len(total) == len(conformance.expected()[table]["rows"])
    # PySpark passes no start offset: the instance continues from its last answer.
    chained = lanceflow.LakeflowConnect(options)
    assert [chained.latest_offset(table, opts) for _ in offsets] == offsets


def test_instances_read_concurrently_from_threads(example_db):
    """Native reads release the GIL; instances in different threads do not disturb each other."""
    import concurrent.futures
    want = encode_table(engine_table(example_db, "documents"))

    def read_all(i):
        conn = lanceflow.LakeflowConnect({"source": example_db})
        if i % 2:
            reader, _ = conn.read_table_arrow("documents", None, {"batch_size": "64"})
            return encode_table(reader.read_all())
        records, _ = conn.read_table("documents", None, {"batch_size": "64"})
        return list(records)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(read_all, range(8)))
    schema = engine_table(example_db, "documents").schema
    for rows in results:
        assert_rows_equal(rows, want, schema)
