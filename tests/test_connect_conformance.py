"""The framework's generic connector checks (lakeflow-contract.md section 7) through the CLI, for
the Cloud source (the LanceDB Cloud test server) and the local source over the same tables.

The tables are tests/golden/connect/db (written by the official engine, see
tests/fixtures/make_connect_golden.py); expected.json gives each table's options and the
engine's rows as [cursor, id] in cursor order. The C++ conformance suite runs the same checks
in-process on the local source; here every read_table call is a fresh `lanceflow read-table`
process (a fresh instance per trigger, as the framework does), `--describe` gives
get_table_schema and read_table_metadata, `lanceflow tables` gives list_tables. Both sources must
also agree with each other call by call: same end offsets, same records.
"""
from __future__ import annotations

import collections
import json
import os
import shutil

import pytest

from lanceflow_cli import ROOT, run

GOLDEN = os.path.join(ROOT, "tests", "golden", "connect")
NONEXISTENT = "__nonexistent_table_$$_9z9z9z__"
MAX_CALLS = 50


def expected():
    with open(os.path.join(GOLDEN, "expected.json")) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """{"local": args, "cloud": (args, env)} over copies of the golden database."""
    from cloud_server.fixture import DEFAULT_API_KEY, CloudServerProcess

    db = str(tmp_path_factory.mktemp("connect_db") / "db")
    shutil.copytree(os.path.join(GOLDEN, "db"), db)
    server = CloudServerProcess(db, api_key=DEFAULT_API_KEY,
                                work_dir=str(tmp_path_factory.mktemp("connect_server")))
    server.start()
    try:
        yield {"local": (["--source", db], None),
               "cloud": (["--source", server.source, "--host-override", server.url],
                         server.env())}
    finally:
        server.stop()


def one_line_error(r):
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("lanceflow: error: "), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def describe(src, table, opts):
    args, env = src
    r = run(["read-table", *args, "--table", table, "--options", json.dumps(opts), "--describe"],
            env=env, check=True)
    return r.text.strip()


def read_call(src, table, opts, offset, tmp_path):
    args, env = src
    off = os.path.join(str(tmp_path), "offset")
    if os.path.exists(off):
        os.remove(off)
    r = run(["read-table", *args, "--table", table, "--options", json.dumps(opts),
             "--offset", offset, "--offset-out", off], env=env, check=True)
    with open(off) as f:
        return r.rows(), f.read().strip()


def check_value(t, v, path):
    """parse_value of the framework, reduced to what can fail; returns '' or what is wrong."""
    if v is None:
        return ""
    if isinstance(t, str):
        if t == "long":
            ok = isinstance(v, int) and not isinstance(v, bool) and -2**63 <= v < 2**63
        elif t == "boolean":
            ok = isinstance(v, bool)
        elif t in ("double", "float"):
            ok = (isinstance(v, (int, float)) and not isinstance(v, bool)) or \
                v in ("NaN", "Infinity", "-Infinity")
        elif t in ("string", "binary"):
            ok = isinstance(v, str)
        elif t == "date":
            ok = isinstance(v, str) and len(v) == 10
        elif t == "timestamp":
            ok = isinstance(v, str) and len(v) >= 19 and v[10] == "T"
        elif t.startswith("decimal("):
            ok = isinstance(v, (str, int)) and not isinstance(v, bool)
        else:
            return f"{path}: unknown Spark type {t}"
        return "" if ok else f"{path}: {v!r} is not a {t}"
    if t["type"] == "array":
        if not isinstance(v, list):
            return f"{path}: not an array"
        for e in v:
            err = check_value(t["elementType"], e, path + "[]")
            if err:
                return err
        return ""
    if t["type"] == "struct":
        if not isinstance(v, dict):
            return f"{path}: not an object"
        for f in t["fields"]:
            if f["name"] not in v:
                continue
            if not f["nullable"] and v[f["name"]] is None:
                return f"{path}.{f['name']}: null in a non-nullable field"
            err = check_value(f["type"], v[f["name"]], f"{path}.{f['name']}")
            if err:
                return err
        return ""
    return f"{path}: unknown Spark type"


@pytest.mark.parametrize("which", ["local", "cloud"])
def test_t1_t2_list_tables_and_unknown_table(sources, which):
    args, env = sources[which]
    r = run(["tables", *args], env=env, check=True)
    names = r.text.split()
    assert names and len(names) == len(set(names))
    assert set(expected()) <= set(names)
    for bad in (NONEXISTENT, "nonexistent_table"):
        for extra in (["--describe"], []):
            one_line_error(run(["read-table", *args, "--table", bad, *extra], env=env))


def assert_flat_offset(offset, what="offset"):
    """Contract O1: an offset is a JSON object whose values are primitives (string, integer,
    bool, null): no list, no object, no float. Accepts the JSON text or the parsed dict."""
    if isinstance(offset, str):
        offset = json.loads(offset)
    assert isinstance(offset, dict), f"{what} is not a JSON object: {offset!r}"
    for key, value in offset.items():
        assert value is None or isinstance(value, (str, bool, int)), \
            f"{what}: member {key!r} is not a primitive: {offset!r}"


def drain(src, table, opts, tmp_path):
    """Feeds offsets back, one fresh process per call, until two consecutive are equal (T11)."""
    offset = "{}"
    calls = []
    for _ in range(MAX_CALLS):
        rows, end = read_call(src, table, opts, offset, tmp_path)
        end_json = json.loads(end)  # T8: a JSON object
        assert isinstance(end_json, dict)
        assert_flat_offset(end_json, f"{table}: end offset")
        assert json.dumps(end_json, sort_keys=True, allow_nan=False)
        calls.append((rows, end))
        if json.dumps(json.loads(offset), sort_keys=True) == json.dumps(end_json, sort_keys=True):
            return calls
        if rows:  # O5: a non-empty batch moves the offset
            assert end != offset
        else:
            pytest.fail(f"{table}: the offset moved without records ({offset} -> {end})")
        offset = end
    pytest.fail(f"{table}: no two equal offsets within {MAX_CALLS} calls")


@pytest.mark.parametrize("table", sorted(expected()))
def test_t3_to_t12_every_table_both_sources_agree(sources, table, tmp_path):
    spec = expected()[table]
    opts = spec["options"]
    results = {}
    for which in ("local", "cloud"):
        src = sources[which]
        # T3/T4: schema and metadata are pure functions of their inputs.
        d1 = describe(src, table, opts)
        assert describe(src, table, opts) == d1
        d = json.loads(d1)
        schema, meta = d["table_schema"], d["metadata"]
        assert schema["type"] == "struct" and schema["fields"]
        names = [f["name"] for f in schema["fields"]]
        assert len(names) == len(set(names))
        assert meta["ingestion_type"] == spec["ingestion_type"]
        assert meta["ingestion_type"] in ("snapshot", "cdc", "cdc_with_deletes", "append")
        # T5/T6/T7.
        if meta["ingestion_type"] != "append":
            assert meta["primary_keys"] and all(k in names for k in meta["primary_keys"])
        if meta["ingestion_type"] == "cdc":
            assert isinstance(meta["cursor_field"], str) and meta["cursor_field"] in names
        assert meta["ingestion_type"] != "cdc_with_deletes"
        # T8/T10/T11.
        calls = drain(src, table, opts, tmp_path)
        if meta["ingestion_type"] != "snapshot":
            assert calls[0][0], "an incremental table yields records on the first read"
        records = [r for rows, _ in calls for r in rows]
        # T9: records coerce to the schema, none entirely null, keys non-null.
        seen_non_null = set()
        for rec in records:
            assert isinstance(rec, dict)
            assert check_value(schema, rec, "record") == ""
            assert any(v is not None for v in rec.values())
            seen_non_null.update(k for k, v in rec.items() if v is not None)
            for k in meta["primary_keys"]:
                assert rec[k] is not None
        # T12: every top-level column is non-null in some record.
        assert set(names) <= seen_non_null
        # The engine's rows, once each, in cursor order (per run for append).
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
        results[which] = (d, calls)
    # Both sources: same schema and metadata, same offsets call by call, same records per call
    # (as multisets: rows of one run of equal cursors may come in either source's storage order).
    (d_local, local), (d_cloud, cloud) = results["local"], results["cloud"]
    assert d_local == d_cloud
    assert [end for _, end in local] == [end for _, end in cloud]
    for (rows_l, _), (rows_c, _) in zip(local, cloud):
        key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
        assert sorted(map(key, rows_l)) == sorted(map(key, rows_c))


@pytest.mark.parametrize("which", ["local", "cloud"])
def test_window_options_over_both_sources(sources, which, tmp_path):
    """window_seconds / start_timestamp on the timestamp cursor of `events`: every row from the
    start on comes once, no call spans more than the window."""
    spec = expected()["events"]
    opts = dict(spec["options"], window_seconds="60", max_records_per_batch="1000")
    want = [r for r in spec["rows"]]
    start = want[len(want) // 3][0]
    opts["start_timestamp"] = start
    calls = drain(sources[which], "events", opts, tmp_path)
    got = [r for rows, _ in calls for r in rows]
    assert sorted(r["id"] for r in got) == sorted(w[1] for w in want if w[0] >= start)
    for rows, _ in calls:
        if rows:
            first, last = rows[0]["ts"], rows[-1]["ts"]
            # Same day, at most 60 s apart (the golden cursors are within 2024-01-01).
            assert first[:10] == last[:10]
            to_s = lambda t: int(t[11:13]) * 3600 + int(t[14:16]) * 60 + float(t[17:-1])  # noqa
            assert to_s(last) - to_s(first) <= 60
