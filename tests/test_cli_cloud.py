"""End-to-end: `lanceflow tables | schema | read` against the LanceDB Cloud test server.

The official engine (lancedb, pinned in tests/requirements.txt) reads the same database directly
and is the reference for every row; tests/jsonl_reference.py models the JSON encoding.
"""

from __future__ import annotations

import json

import lancedb
import pyarrow as pa
import pytest

from jsonl_reference import assert_rows_equal, encode_table
from lanceflow_cli import run

SECRET = "sk-lanceflow-test-key-7d1f0c"


def engine_table(db_dir, name, version=None, columns=None, where=None, limit=None):
    tbl = lancedb.connect(db_dir).open_table(name)
    if version is not None:
        tbl.checkout(version)
    q = tbl.search()
    if columns:
        q = q.select(columns)
    if where:
        q = q.where(where)
    return q.limit(limit).to_arrow()


def read(server, table, *extra, env=None):
    return run(["read", "--source", server.source, "--table", table, *extra],
               env={**server.env(), **(env or {})})


def check_read(server, table, *extra, columns=None, where=None, version=None, limit=None):
    r = read(server, table, *extra)
    assert r.returncode == 0, r.stderr
    expected = engine_table(server.db_dir, table, version, columns, where, limit)
    assert_rows_equal(r.rows(), encode_table(expected), expected.schema)
    return r


TABLES = ["all_types", "exotic_types", "versioned", "documents", "empty"]


def test_tables_lists_sorted_names(cloud_server):
    r = run(["tables", "--source", cloud_server.source], env=cloud_server.env())
    assert r.returncode == 0, r.stderr
    expected = sorted(lancedb.connect(cloud_server.db_dir).list_tables().tables)
    assert r.text.splitlines() == expected


def test_tables_follows_pagination(cloud_server):
    cloud_server.configure(list_always_token=True)
    r = run(["tables", "--source", cloud_server.source], env=cloud_server.env())
    assert r.returncode == 0, r.stderr
    assert r.text.splitlines() == sorted(TABLES)


@pytest.mark.parametrize("table", TABLES)
def test_schema_matches_engine(cloud_server, table):
    r = run(["schema", "--source", cloud_server.source, "--table", table], env=cloud_server.env())
    assert r.returncode == 0, r.stderr
    got = json.loads(r.text)
    schema = lancedb.connect(cloud_server.db_dir).open_table(table).schema
    assert [f["name"] for f in got["fields"]] == schema.names
    for f, ef in zip(got["fields"], schema):
        assert f["nullable"] == ef.nullable, f["name"]


def test_schema_spark(cloud_server):
    r = run(["schema", "--source", cloud_server.source, "--table", "documents", "--spark"],
            env=cloud_server.env())
    assert r.returncode == 0, r.stderr
    got = json.loads(r.text)
    types = {f["name"]: f["type"] for f in got["fields"]}
    assert got["type"] == "struct"
    assert types["id"] == "long"
    assert types["text"] == "string"
    assert types["vector"] == {"type": "array", "elementType": "float", "containsNull": True}
    assert types["updated_at"] == "timestamp"


@pytest.mark.parametrize("table", TABLES)
def test_read_whole_table_equals_engine(cloud_server, table):
    check_read(cloud_server, table)


@pytest.mark.parametrize("ipc_format", ["file", "stream"])
@pytest.mark.parametrize("compression", [None, "lz4", "zstd"])
def test_read_every_response_encoding(cloud_server, ipc_format, compression):
    cloud_server.configure(ipc_format=ipc_format, ipc_compression=compression, gzip=True)
    check_read(cloud_server, "all_types")


def test_read_many_pages_pinned_to_one_version(cloud_server):
    r = check_read(cloud_server, "documents", "--page-rows", "97")
    queries = cloud_server.log(path_regex="/query/")
    assert len(queries) == -(-1000 // 97)
    versions = {q["json"]["version"] for q in queries}
    assert len(versions) == 1 and None not in versions
    for q in queries:
        assert q["json"]["vector"] == []
        assert q["json"]["k"] <= 97
        assert q["headers"].get("x-api-key") is None  # the log strips it; presence is a flag
        assert q["api_key_matched"]
    assert len(r.rows()) == 1000


def test_read_columns_filter_limit(cloud_server):
    check_read(cloud_server, "documents", "--columns", "text,id", "--filter",
               "id >= 10 AND id < 500 AND (text LIKE '%1%' OR id IN (11, 12, 13))",
               columns=["text", "id"],
               where="id >= 10 AND id < 500 AND (text LIKE '%1%' OR id IN (11, 12, 13))")
    check_read(cloud_server, "documents", "--limit", "7", "--page-rows", "3", limit=7)
    check_read(cloud_server, "all_types", "--filter", "i32 IS NULL OR utf8 = 'it''s' OR rec.b LIKE 'b%'",
               where="i32 IS NULL OR utf8 = 'it''s' OR rec.b LIKE 'b%'")


def test_read_every_version(cloud_server):
    tbl = lancedb.connect(cloud_server.db_dir).open_table("versioned")
    for v in tbl.list_versions():
        version = v["version"]
        check_read(cloud_server, "versioned", "--version", str(version), version=version)


def test_read_arrow_format(cloud_server, tmp_path):
    out = tmp_path / "docs.arrows"
    r = read(cloud_server, "all_types", "--format", "arrow", "-o", str(out))
    assert r.returncode == 0, r.stderr
    with pa.ipc.open_stream(str(out)) as reader:
        got = reader.read_all()
    expected = engine_table(cloud_server.db_dir, "all_types")
    assert got.schema.equals(expected.schema)
    # NaN-aware value comparison (pyarrow's equals treats NaN as unequal to itself).
    assert_rows_equal(encode_table(got), encode_table(expected), expected.schema)


@pytest.mark.parametrize("rule", [
    {"path_regex": "/query/", "status": 503, "times": 2},
    {"path_regex": "/query/", "status": 429, "times": 1, "retry_after": 1},
    {"path_regex": "/describe/", "status": 500, "times": 1},
    {"path_regex": "/count_rows/", "status": 502, "times": 1},
    {"path_regex": "/query/", "kind": "truncate", "times": 2},
    {"path_regex": "/query/", "kind": "reset", "times": 1},
    {"path_regex": "/query/", "kind": "delay", "delay_ms": 1500, "times": 1},
], ids=["503x2", "429-retry-after", "describe-500", "count-502", "truncate", "reset", "slow"])
def test_faults_do_not_change_results(cloud_server, rule):
    cloud_server.set_faults([rule])
    check_read(cloud_server, "documents", "--page-rows", "400")
    fired = [f for f in cloud_server.faults() if f.get("fired")]
    assert fired, "the fault never fired"
    if rule.get("kind") == "delay":
        return
    # A retried request keeps its x-request-id.
    ids = [e["headers"].get("x-request-id") for e in cloud_server.log(path_regex=rule["path_regex"])]
    assert len(ids) > len(set(ids))


def test_slow_answer_hits_read_timeout(cloud_server):
    cloud_server.set_faults([{"path_regex": "/query/", "kind": "delay", "delay_ms": 3000,
                              "times": -1}])
    r = read(cloud_server, "documents", "--read-timeout", "500", "--max-attempts", "2")
    assert r.returncode == 1
    assert r.stderr.startswith("lanceflow: error: ") and r.stderr.count("\n") == 1, r.stderr


def _assert_one_line_error(r, *needles):
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert r.stderr.startswith("lanceflow: error: "), r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    for n in needles:
        assert n in r.stderr, r.stderr
    assert SECRET not in r.stderr and SECRET.encode() not in r.stdout


def test_wrong_key(cloud_server):
    env = {**cloud_server.env(), "LANCEDB_API_KEY": SECRET}
    for args in (["tables"], ["schema", "--table", "documents"], ["read", "--table", "documents"]):
        r = run([args[0], "--source", cloud_server.source, *args[1:]], env=env)
        _assert_one_line_error(r, "401")


def test_unknown_table_and_version(cloud_server):
    r = read(cloud_server, "no_such_table")
    _assert_one_line_error(r, "no_such_table", "not found")
    r = read(cloud_server, "versioned", "--version", "999")
    _assert_one_line_error(r, "999", "not found")
    r = read(cloud_server, "documents", "--columns", "id,nope")
    _assert_one_line_error(r, "nope")


@pytest.mark.parametrize("bad", [
    "id = 1; DROP TABLE documents",
    "id = 1 -- comment",
    "id IN (SELECT id FROM documents)",
    "text = 'unterminated",
    "sleep(10) = 1",
    "nope > 3",
])
def test_refused_filters(cloud_server, bad):
    r = read(cloud_server, "documents", "--filter", bad)
    _assert_one_line_error(r, "filter")
    assert not cloud_server.log(path_regex="/query/"), "a refused filter reached the server"


@pytest.mark.parametrize("path", ["/describe/", "/count_rows/", "/query/"])
def test_malformed_answers(cloud_server, path):
    cloud_server.set_faults([{"path_regex": path, "kind": "malformed", "times": -1}])
    _assert_one_line_error(read(cloud_server, "documents"))


def test_key_never_printed(cloud_server, tmp_path):
    server_env = cloud_server.env()
    key_file = tmp_path / "key"
    key_file.write_text(cloud_server.api_key + "\n")
    env = {"LANCEDB_HOST_OVERRIDE": server_env["LANCEDB_HOST_OVERRIDE"]}
    r = run(["read", "--source", cloud_server.source, "--table", "documents", "--limit", "2",
             "--api-key-file", str(key_file), "--log-level", "debug"], env=env)
    assert r.returncode == 0, r.stderr
    assert cloud_server.api_key not in r.stderr and cloud_server.api_key.encode() not in r.stdout
    r = run(["tables", "--source", cloud_server.source, "--api-key", SECRET], env=env)
    assert r.returncode == 2 and SECRET not in r.stderr, r.stderr
    r = run(["tables", "--source", cloud_server.source, f"--api-key={SECRET}"], env=env)
    assert r.returncode == 2 and SECRET not in r.stderr, r.stderr
    r = run(["tables", "--source", cloud_server.source], env=env)
    _assert_one_line_error(r, "LANCEDB_API_KEY")


def test_usage_errors_exit_2(cloud_server):
    assert run(["read", "--source", cloud_server.source]).returncode == 2
    assert run(["read", "--bogus"]).returncode == 2
    assert run(["frobnicate"]).returncode == 2
    r = run(["--help"])
    assert r.returncode == 0 and b"read" in r.stdout
    for cmd in ("tables", "schema", "read", "sync"):
        r = run([cmd, "--help"])
        assert r.returncode == 0 and b"--" in r.stdout, cmd
