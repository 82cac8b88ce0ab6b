"""Fidelity of the LanceDB Cloud test server and of the fixture database.

The official client (lancedb 0.39.0 in remote mode) reads through the server and must see what
the official engine sees reading the same directory locally; raw HTTP checks the wire details a
client cannot show (headers, framing, fault behaviour).
"""

from __future__ import annotations

import datetime
import gzip
import http.client
import json
import math
import threading
import time
import uuid
from typing import Any, Dict, List, Optional, Tuple

import lancedb
import pyarrow as pa
import pytest

from cloud_server import server as cloud
from fixtures import make_tables

FIXTURE_TABLES = ["all_types", "documents", "empty", "exotic_types", "versioned"]


# Helpers ------------------------------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    """Python values with NaN and the sign of zero made comparable."""
    if isinstance(value, float):
        if math.isnan(value):
            return ("nan",)
        if value == 0.0:
            return ("zero", math.copysign(1.0, value))
        return value
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    return value


def _has_float(dt: pa.DataType) -> bool:
    if pa.types.is_floating(dt):
        return True
    if pa.types.is_struct(dt):
        return any(_has_float(dt.field(i).type) for i in range(dt.num_fields))
    if pa.types.is_list(dt) or pa.types.is_large_list(dt) or pa.types.is_fixed_size_list(dt):
        return _has_float(dt.value_type)
    return False


def assert_same_table(actual: pa.Table, expected: pa.Table) -> None:
    """Same schema and values; float columns compare NaN equal to NaN and -0.0 unequal to 0.0."""
    assert actual.schema.equals(expected.schema, check_metadata=False), (
        f"schema differs:\n{actual.schema}\nvs\n{expected.schema}")
    assert actual.num_rows == expected.num_rows
    for name in expected.column_names:
        got, want = actual.column(name), expected.column(name)
        if got.equals(want):
            continue
        assert _has_float(want.type), f"column {name} differs"
        values_got = got.to_pylist()
        values_want = want.to_pylist()
        if pa.types.is_float16(want.type):
            values_got = [None if v is None else float(v) for v in values_got]
            values_want = [None if v is None else float(v) for v in values_want]
        assert _canonical(values_got) == _canonical(values_want), f"column {name} differs"


def _local(example_db: str):
    return lancedb.connect(example_db)


class Raw:
    """Minimal HTTP/1.1 client that shows exactly what the server sends."""

    def __init__(self, server, api_key: Optional[str] = "use-server-key"):
        self.server = server
        self.api_key = server.api_key if api_key == "use-server-key" else api_key

    def request(self, method: str, path: str, body: Any = None,
                headers: Optional[Dict[str, str]] = None,
                read: bool = True) -> Tuple[int, Dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        all_headers = {"x-request-id": str(uuid.uuid4())}
        if self.api_key is not None:
            all_headers["x-api-key"] = self.api_key
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            all_headers["Content-Type"] = ("application/vnd.apache.arrow.stream"
                                           if isinstance(body, bytes) else "application/json")
        all_headers.update(headers or {})
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        payload = response.read() if read else b""
        result = (response.status, {k.lower(): v for k, v in response.getheaders()}, payload)
        conn.close()
        return result

    def post(self, path: str, body: Any = None, **kw) -> Tuple[int, Dict[str, str], bytes]:
        return self.request("POST", path, body, **kw)


def _read_ipc(content_type: str, body: bytes) -> pa.Table:
    if content_type.startswith(cloud.ARROW_STREAM):
        return pa.ipc.open_stream(body).read_all()
    return pa.ipc.open_file(body).read_all()


# Fixture database -----------------------------------------------------------------------------


def test_all_types_covers_the_contract_types(example_db):
    schema = _local(example_db).open_table("all_types").schema
    types = [f.type for f in schema]
    checks = {
        "int8..int64": [pa.int8(), pa.int16(), pa.int32(), pa.int64()],
        "uint8..uint64": [pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64()],
        "floats": [pa.float16(), pa.float32(), pa.float64()],
        "strings/binaries": [pa.bool_(), pa.string(), pa.large_string(), pa.binary(),
                             pa.large_binary(), pa.binary(16)],
        "dates": [pa.date32(), pa.date64()],
        "timestamps": [pa.timestamp(u) for u in ("s", "ms", "us", "ns")] +
                      [pa.timestamp("s", "UTC"), pa.timestamp("ms", "America/New_York"),
                       pa.timestamp("us", "UTC"), pa.timestamp("ns", "+0200")],
        "decimal": [pa.decimal128(38, 10)],
        "vectors": [pa.list_(pa.float32(), 768), pa.list_(pa.float64(), 3)],
        "dictionary": [pa.dictionary(pa.int32(), pa.string())],
    }
    for label, wanted in checks.items():
        for dt in wanted:
            assert dt in types, f"{label}: {dt} missing from all_types"
    assert any(pa.types.is_struct(t) and any(pa.types.is_struct(t.field(i).type)
                                             for i in range(t.num_fields)) for t in types)
    assert any(pa.types.is_list(t) for t in types)
    assert any(pa.types.is_large_list(t) for t in types)
    assert not schema.field("id").nullable


def test_all_types_has_nulls_and_edge_values(example_db):
    table = _local(example_db).open_table("all_types").to_arrow()
    for field in table.schema:
        if field.nullable:
            assert table.column(field.name).null_count > 0, f"{field.name} has no null"
    u64 = [v for v in table.column("u64").to_pylist() if v is not None]
    assert max(u64) == 2**64 - 1 and any(2**63 < v < 2**64 - 1 for v in u64)
    f64 = [v for v in table.column("f64").to_pylist() if v is not None]
    assert any(math.isnan(v) for v in f64) and math.inf in f64 and -math.inf in f64
    strings = table.column("utf8").to_pylist()
    assert any(s and "\n" in s for s in strings) and any(s and '"' in s for s in strings)
    assert any(s and "🚀" in s for s in strings)
    rec = table.column("rec").to_pylist()
    assert None in rec and any(r and r["inner"] is None for r in rec)


def test_versioned_table_matches_the_python_model(example_db):
    table = _local(example_db).open_table("versioned")
    expected = make_tables.versioned_expected_rows()
    assert table.version == max(expected)
    for version, rows in expected.items():
        table.checkout(version)
        got = {r["id"]: (r["value"], r["label"]) for r in table.to_arrow().to_pylist()}
        assert got == rows, f"version {version}"


def test_make_tables_cli_refuses_existing_tables(tmp_path):
    db_dir = str(tmp_path / "db")
    assert make_tables.main(["--db", db_dir, "--tables", "empty"]) == 0
    assert make_tables.main(["--db", db_dir, "--tables", "empty"]) == 1
    assert make_tables.main(["--db", db_dir, "--tables", "empty", "--overwrite"]) == 0
    assert make_tables.main(["--db", db_dir, "--tables", "nope"]) == 1


def test_documents_rows_are_configurable(tmp_path):
    counts = make_tables.build_database(str(tmp_path), tables=["documents"], documents_rows=20000,
                                        documents_dim=16)
    assert counts == {"documents": 20000}
    table = lancedb.connect(str(tmp_path)).open_table("documents")
    assert table.schema.field("vector").type == pa.list_(pa.float32(), 16)
    ids = table.search().select(["id"]).limit(None).to_arrow().column("id").to_pylist()
    assert sorted(ids) == list(range(20000))


# Schema JSON encoding -------------------------------------------------------------------------


@pytest.mark.parametrize("arrow_type, expected", [
    (pa.bool_(), {"type": "bool"}),
    (pa.float16(), {"type": "halffloat"}),
    (pa.float32(), {"type": "float"}),
    (pa.large_string(), {"type": "large_string"}),
    (pa.date32(), {"type": "date32:day"}),
    (pa.date64(), {"type": "date64:ms"}),
    (pa.time32("ms"), {"type": "time32:ms"}),
    (pa.time64("ns"), {"type": "time64:ns"}),
    (pa.timestamp("ms"), {"type": "timestamp:ms:-"}),
    (pa.timestamp("us", "UTC"), {"type": "timestamp:us:UTC"}),
    (pa.timestamp("ns", "America/New_York"), {"type": "timestamp:ns:America/New_York"}),
    (pa.duration("s"), {"type": "duration:s"}),
    (pa.decimal128(38, 10), {"type": "decimal:128:38:10"}),
    (pa.decimal256(60, 20), {"type": "decimal:256:60:20"}),
    (pa.dictionary(pa.int32(), pa.string()), {"type": "dict:string:int32:false"}),
    (pa.dictionary(pa.int8(), pa.large_string()), {"type": "dict:large_string:int8:false"}),
    (pa.binary(16), {"type": "fixed_size_binary", "length": 16}),
    (pa.list_(pa.float32(), 4), {"type": "fixed_size_list", "length": 4, "fields": [
        {"name": "item", "type": {"type": "float"}, "nullable": True}]}),
    (pa.large_list(pa.field("x", pa.int8(), nullable=False)), {"type": "large_list", "fields": [
        {"name": "x", "type": {"type": "int8"}, "nullable": False}]}),
    (pa.struct([("a", pa.struct([("b", pa.list_(pa.uint64()))]))]), {"type": "struct", "fields": [
        {"name": "a", "nullable": True, "type": {"type": "struct", "fields": [
            {"name": "b", "nullable": True, "type": {"type": "list", "fields": [
                {"name": "item", "type": {"type": "uint64"}, "nullable": True}]}}]}}]}),
])
def test_type_to_json(arrow_type, expected):
    assert cloud.type_to_json(arrow_type) == expected


def test_describe_sends_the_lance_json_encoding(cloud_server):
    status, headers, body = Raw(cloud_server).post("/v1/table/all_types/describe/",
                                                   {"version": None})
    assert status == 200 and headers["content-type"] == "application/json"
    described = json.loads(body)
    fields = {f["name"]: f for f in described["schema"]["fields"]}
    assert described["version"] == 1 and described["table"] == "all_types"
    assert fields["id"] == {"name": "id", "type": {"type": "int64"}, "nullable": False}
    assert fields["ts_ns_plus2"]["type"] == {"type": "timestamp:ns:+0200"}
    assert fields["ts_s"]["type"] == {"type": "timestamp:s:-"}
    assert fields["category"]["type"] == {"type": "dict:string:int32:false"}
    assert fields["embedding"]["type"]["length"] == 768
    assert fields["rec"]["type"]["fields"][2]["type"]["type"] == "struct"


# Reads through the official client -----------------------------------------------------------


def test_table_names_match_local_engine(cloud_server, example_db):
    remote = cloud_server.connect()
    assert remote.list_tables().tables == sorted(_local(example_db).list_tables().tables)
    first = remote.list_tables(limit=2)
    assert first.tables == FIXTURE_TABLES[:2] and first.page_token == FIXTURE_TABLES[1]
    second = remote.list_tables(limit=2, page_token=first.page_token)
    assert second.tables == FIXTURE_TABLES[2:4]


def test_list_pagination_on_the_wire(cloud_server):
    raw = Raw(cloud_server)
    names: List[str] = []
    token = None
    pages = 0
    while True:
        path = "/v1/table/?limit=2" + (f"&page_token={token}" if token else "")
        status, _, body = raw.request("GET", path)
        assert status == 200
        page = json.loads(body)
        names += page["tables"]
        pages += 1
        token = page.get("page_token")
        if not token:
            break
    assert names == FIXTURE_TABLES and pages == 3
    _, _, body = raw.request("GET", "/v1/table?page_token=documents")
    assert json.loads(body) == {"tables": FIXTURE_TABLES[2:], "page_token": None}
    cloud_server.configure(list_always_token=True)
    _, _, body = raw.request("GET", "/v1/table/?page_token=exotic_types")
    assert json.loads(body) == {"tables": ["versioned"], "page_token": "versioned"}


@pytest.mark.parametrize("name", FIXTURE_TABLES)
def test_schema_count_and_scan_match_local_engine(cloud_server, example_db, name):
    remote = cloud_server.connect().open_table(name)
    local = _local(example_db).open_table(name)
    assert remote.schema.equals(local.schema)
    assert remote.count_rows() == local.count_rows()
    assert_same_table(remote.search().limit(None).to_arrow(),
                      local.search().limit(None).to_arrow())


QUERIES = {
    "columns": lambda q: q.select(["id", "utf8", "rec", "category"]),
    "where": lambda q: q.where("i32 > 0 AND utf8 IS NOT NULL"),
    "limit_offset": lambda q: q.limit(7).offset(5),
    "where_limit_offset": lambda q: q.where("id % 2 = 0").select(["id", "ts_ns"]).limit(5)
    .offset(3),
    "row_id": lambda q: q.select(["id"]).with_row_id(True),
    "computed": lambda q: q.select({"double_id": "id * 2", "name": "utf8"}).limit(10),
}


@pytest.mark.parametrize("query", sorted(QUERIES))
def test_plain_queries_match_local_engine(cloud_server, example_db, query):
    shape = QUERIES[query]
    remote = shape(cloud_server.connect().open_table("all_types").search()).to_arrow()
    local = shape(_local(example_db).open_table("all_types").search()).to_arrow()
    if query in ("columns", "where", "row_id", "computed"):
        assert remote.num_rows > 0
    assert_same_table(remote, local)
    sent = cloud_server.log(path_regex="/query/")[-1]["json"]
    assert sent["vector"] == [] and sent["version"] is None


def test_count_rows_with_predicate_and_version(cloud_server, example_db):
    remote = cloud_server.connect().open_table("versioned")
    local = _local(example_db).open_table("versioned")
    assert remote.count_rows("label = 'updated'") == local.count_rows("label = 'updated'") > 0
    raw = Raw(cloud_server)
    expected = make_tables.versioned_expected_rows()
    for version, rows in expected.items():
        status, _, body = raw.post("/v1/table/versioned/count_rows", {"version": version})
        assert status == 200 and json.loads(body) == len(rows)
    _, _, body = raw.post("/v1/table/versioned/count_rows/",
                          {"predicate": "id >= 100", "version": 2})
    assert json.loads(body) == 50


def test_checkout_reads_each_version(cloud_server):
    expected = make_tables.versioned_expected_rows()
    for version, rows in expected.items():
        table = cloud_server.connect().open_table("versioned")
        table.checkout(version)
        got = {r["id"]: (r["value"], r["label"]) for r in
               table.search().limit(None).to_arrow().to_pylist()}
        assert got == rows, f"version {version}"
        assert table.count_rows() == len(rows)
    bodies = [e["json"] for e in cloud_server.log(path_regex="/query/")]
    assert [b["version"] for b in bodies] == list(expected)
    with pytest.raises(ValueError, match=r"versioned \(version: 99\)' was not found"):
        cloud_server.connect().open_table("versioned").checkout(99)


def test_list_versions_and_stats_match_local_engine(cloud_server, example_db):
    remote = cloud_server.connect().open_table("versioned")
    local = _local(example_db).open_table("versioned")
    remote_versions = remote.list_versions()
    local_versions = local.list_versions()
    assert [v["version"] for v in remote_versions] == [v["version"] for v in local_versions]
    assert [v["metadata"] for v in remote_versions] == [v["metadata"] for v in local_versions]
    assert remote.stats() == local.stats()
    _, _, body = Raw(cloud_server).post("/v1/table/versioned/version/list/")
    stamp = json.loads(body)["versions"][0]["timestamp"]
    assert stamp.endswith("Z") and datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_order_by_and_vector_query(cloud_server, example_db):
    from lancedb.query import ColumnOrdering

    remote = cloud_server.connect().open_table("versioned")
    ordering = [ColumnOrdering(column_name="id", ascending=False)]
    ids = remote.search().order_by(ordering).select(["id"]).limit(3).to_arrow()
    assert ids.column("id").to_pylist() == [159, 158, 157]
    docs_remote = cloud_server.connect().open_table("documents")
    docs_local = _local(example_db).open_table("documents")
    vector = [0.5] * make_tables.DOCUMENTS_DIM
    got = docs_remote.search(vector).select(["id"]).limit(5).to_arrow()
    want = docs_local.search(vector).select(["id"]).limit(5).to_arrow()
    assert got.column("id").to_pylist() == want.column("id").to_pylist()
    assert "_distance" in got.column_names


# Response modes ------------------------------------------------------------------------------


RESPONSE_MODES = {
    "file": {},
    "stream": {"ipc_format": "stream"},
    "stream_lz4_small_batches": {"ipc_format": "stream", "ipc_compression": "lz4",
                                 "batch_rows": 7},
    "file_zstd": {"ipc_compression": "zstd", "batch_rows": 10},
    "file_gzip": {"gzip": True},
    "stream_gzip_zstd": {"ipc_format": "stream", "gzip": True, "ipc_compression": "zstd"},
    "file_without_content_type": {"query_content_type": ""},
}


@pytest.mark.parametrize("mode", sorted(RESPONSE_MODES))
def test_official_client_reads_every_response_mode(cloud_server, example_db, mode):
    cloud_server.configure(**RESPONSE_MODES[mode])
    for name in ("all_types", "documents", "empty"):
        remote = cloud_server.connect().open_table(name).search().limit(None).to_arrow()
        local = _local(example_db).open_table(name).search().limit(None).to_arrow()
        assert_same_table(remote, local)


def test_stream_mode_wire_format(cloud_server, example_db):
    cloud_server.configure(ipc_format="stream", batch_rows=100)
    status, headers, body = Raw(cloud_server).post("/v1/table/documents/query/",
                                                   {"k": 450, "vector": [], "version": None})
    assert status == 200
    assert headers["content-type"] == cloud.ARROW_STREAM
    assert headers["transfer-encoding"] == "chunked" and "content-length" not in headers
    reader = pa.ipc.open_stream(body)
    sizes = [b.num_rows for b in reader]
    assert sum(sizes) == 450 and len(sizes) >= 5


def test_file_mode_wire_format_and_gzip(cloud_server):
    raw = Raw(cloud_server)
    request = {"k": 10, "vector": [], "version": None, "columns": ["id"]}
    status, headers, body = raw.post("/v1/table/documents/query/", request)
    assert headers["content-type"] == cloud.ARROW_FILE
    assert int(headers["content-length"]) == len(body) and body[:6] == b"ARROW1"
    cloud_server.configure(gzip=True)
    status, headers, body = raw.post("/v1/table/documents/query/", request,
                                     headers={"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip"
    assert pa.ipc.open_file(gzip.decompress(body)).read_all().num_rows == 10
    status, headers, body = raw.post("/v1/table/documents/query/", request)
    assert "content-encoding" not in headers and body[:6] == b"ARROW1"


@pytest.mark.parametrize("codec", ["lz4", "zstd"])
def test_ipc_body_compression_is_applied(cloud_server, codec):
    raw = Raw(cloud_server)
    request = {"k": 1000, "vector": [], "version": None, "columns": ["id", "text"]}
    _, _, plain = raw.post("/v1/table/documents/query/", request)
    cloud_server.configure(ipc_compression=codec)
    _, headers, packed = raw.post("/v1/table/documents/query/", request)
    assert len(packed) < len(plain) // 2
    assert pa.ipc.open_file(packed).read_all().equals(pa.ipc.open_file(plain).read_all())


def test_stream_mode_sends_batches_as_they_are_produced(cloud_server):
    cloud_server.configure(ipc_format="stream", batch_rows=200, batch_delay_ms=300)
    conn = http.client.HTTPConnection("127.0.0.1", cloud_server.port, timeout=30)
    start = time.monotonic()
    conn.request("POST", "/v1/table/documents/query/",
                 body=json.dumps({"k": 800, "vector": [], "version": None}),
                 headers={"x-api-key": cloud_server.api_key, "Content-Type": "application/json"})
    response = conn.getresponse()
    reader = pa.ipc.open_stream(response)
    first = reader.read_next_batch()
    first_at = time.monotonic() - start
    rows = first.num_rows + sum(b.num_rows for b in reader)
    total = time.monotonic() - start
    conn.close()
    assert rows == 800
    assert total >= 1.1 and first_at < total - 0.6, (first_at, total)


# Errors and authentication -------------------------------------------------------------------


def test_error_bodies(cloud_server):
    raw = Raw(cloud_server)
    status, headers, body = raw.post("/v1/table/missing/describe/", {"version": None})
    assert status == 404 and json.loads(body) == {
        "code": 404, "error": "Table 'missing' was not found"}
    status, _, body = raw.post("/v1/table/versioned/describe/", {"version": 42})
    assert status == 404 and "versioned (version: 42)" in json.loads(body)["error"]
    status, _, body = raw.post("/v1/table/versioned/query/",
                               {"filter": "nope > 1", "k": 1, "vector": [], "version": None})
    assert status == 400 and "nope" in json.loads(body)["error"]
    status, _, body = raw.post("/v1/table/versioned/count_rows/", {"predicate": "id >>> 1"})
    error = json.loads(body)
    assert status == 400 and error["code"] == 400 and "sql parser error" in error["error"]
    status, _, _ = raw.post("/v1/table/versioned/query/", {"k": "ten", "vector": []})
    assert status == 400
    status, _, _ = raw.post("/v1/table/versioned/query/", b"not json",
                            headers={"Content-Type": "application/json"})
    assert status == 400


def test_official_client_reports_bad_filter_and_missing_table(cloud_server):
    remote = cloud_server.connect()
    with pytest.raises(Exception, match="400 Bad Request.*nope"):
        remote.open_table("versioned").search().where("nope = 1").to_arrow()
    with pytest.raises(ValueError, match="Table 'missing' was not found"):
        remote.open_table("missing").count_rows()


def test_wrong_or_missing_api_key_is_refused(cloud_server):
    with pytest.raises(Exception, match="401"):
        cloud_server.connect(api_key="wrong-key").open_table("versioned").count_rows()
    status, headers, body = Raw(cloud_server, api_key=None).post(
        "/v1/table/versioned/count_rows/", {})
    assert status == 401 and headers["content-type"] == "application/json"
    assert json.loads(body)["code"] == 401
    log = cloud_server.log()
    assert [e["api_key_matched"] for e in log] == [False, None]
    assert all("x-api-key" not in e["headers"] for e in log)
    assert all("wrong-key" not in json.dumps(e) for e in log)
    assert Raw(cloud_server).post("/v1/table/versioned/count_rows/", {})[0] == 200


def test_log_records_client_headers(cloud_server):
    cloud_server.connect().open_table("versioned").count_rows()
    entry = cloud_server.log(path_regex="/count_rows/")[-1]
    assert entry["api_key_matched"] is True
    assert entry["headers"]["x-lancedb-database"] == "testdb"
    assert entry["headers"]["user-agent"].startswith("LanceDB-Python-Client/0.39.0")
    assert uuid.UUID(entry["headers"]["x-request-id"]).version == 4
    assert entry["json"] == {"version": None}


# Faults --------------------------------------------------------------------------------------


def test_503_once_is_retried_with_the_same_request_id(cloud_server, example_db):
    cloud_server.set_faults([{"path_regex": "/query/", "times": 1, "status": 503,
                              "retry_after": 1}])
    remote = cloud_server.connect().open_table("versioned").search().limit(None).to_arrow()
    assert_same_table(remote, _local(example_db).open_table("versioned").to_arrow())
    attempts = cloud_server.log(path_regex="/query/")
    assert [a["status"] for a in attempts] == [503, 200]
    assert [a["fault"] for a in attempts] == ["status", None]
    assert attempts[0]["headers"]["x-request-id"] == attempts[1]["headers"]["x-request-id"]
    assert attempts[0]["json"] == attempts[1]["json"] and attempts[0]["json"]["vector"] == []
    assert cloud_server.faults()[0]["remaining"] == 0


def test_status_fault_headers_and_expiry(cloud_server):
    cloud_server.set_faults([{"path_regex": "/count_rows/", "times": 2, "status": 429,
                              "retry_after": 7}])
    raw = Raw(cloud_server)
    for _ in range(2):
        status, headers, body = raw.post("/v1/table/versioned/count_rows/", {})
        assert status == 429 and headers["retry-after"] == "7"
        assert json.loads(body)["code"] == 429
    assert raw.post("/v1/table/versioned/count_rows/", {})[0] == 200


def test_persistent_500_exhausts_the_official_retries(cloud_server):
    cloud_server.set_faults([{"path_regex": "/query/", "times": -1, "status": 500}])
    with pytest.raises(Exception, match="Hit retry limit"):
        cloud_server.connect(retries=3).open_table("versioned").search().to_arrow()
    attempts = cloud_server.log(path_regex="/query/")
    assert len(attempts) == 3 and len({a["headers"]["x-request-id"] for a in attempts}) == 1


def test_skip_method_and_path_matching(cloud_server):
    cloud_server.set_faults([{"path_regex": "/count_rows/$", "method": "POST", "skip": 1,
                              "times": 1, "status": 502}])
    raw = Raw(cloud_server)
    assert raw.post("/v1/table/versioned/count_rows", {})[0] == 200  # no trailing slash
    assert raw.post("/v1/table/versioned/count_rows/", {})[0] == 200  # skipped
    assert raw.post("/v1/table/versioned/count_rows/", {})[0] == 502
    assert raw.post("/v1/table/versioned/count_rows/", {})[0] == 200  # expired


def test_truncate_sends_full_length_then_closes(cloud_server):
    cloud_server.set_faults([{"path_regex": "/query/", "kind": "truncate", "bytes": 100}])
    conn = http.client.HTTPConnection("127.0.0.1", cloud_server.port, timeout=30)
    conn.request("POST", "/v1/table/documents/query/",
                 body=json.dumps({"k": 100, "vector": [], "version": None}),
                 headers={"x-api-key": cloud_server.api_key})
    response = conn.getresponse()
    assert response.status == 200 and int(response.getheader("Content-Length")) > 100
    with pytest.raises(http.client.IncompleteRead) as info:
        response.read()
    assert len(info.value.partial) == 100
    conn.close()


def test_truncate_in_stream_mode_fails_the_official_client(cloud_server):
    cloud_server.configure(ipc_format="stream", batch_rows=100)
    cloud_server.set_faults([{"path_regex": "/query/", "kind": "truncate"}])
    with pytest.raises(Exception):
        cloud_server.connect(retries=1).open_table("documents").search().limit(None).to_arrow()
    assert cloud_server.log(path_regex="/query/")[0]["fault"] == "truncate"


def test_reset_closes_the_connection_without_an_answer(cloud_server):
    cloud_server.set_faults([{"path_regex": "/describe/", "kind": "reset"}])
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, OSError)):
        Raw(cloud_server).post("/v1/table/versioned/describe/", {})
    assert cloud_server.log()[0]["status"] == 0
    assert Raw(cloud_server).post("/v1/table/versioned/describe/", {})[0] == 200


def test_delay_and_slow_body(cloud_server):
    raw = Raw(cloud_server)
    cloud_server.set_faults([{"path_regex": "/count_rows/", "delay_ms": 400}])
    start = time.monotonic()
    status, _, body = raw.post("/v1/table/versioned/count_rows/", {})
    assert status == 200 and json.loads(body) == 139 and time.monotonic() - start >= 0.4
    cloud_server.set_faults([{"path_regex": "/describe/", "kind": "slow_body",
                              "chunk_bytes": 20, "interval_ms": 20}])
    start = time.monotonic()
    status, _, body = raw.post("/v1/table/versioned/describe/", {})
    assert status == 200 and json.loads(body)["version"] == 5
    assert time.monotonic() - start >= 0.02 * (len(body) // 20)


def test_malformed_answers(cloud_server):
    raw = Raw(cloud_server)
    cloud_server.set_faults([{"path_regex": "/query/", "kind": "malformed"},
                             {"path_regex": "/count_rows/", "kind": "malformed"},
                             {"path_regex": "/describe/", "kind": "malformed"}])
    status, headers, body = raw.post("/v1/table/versioned/query/", {"k": 1, "vector": []})
    assert status == 200 and headers["content-type"] == cloud.ARROW_FILE
    with pytest.raises(pa.ArrowInvalid):
        pa.ipc.open_file(body).read_all()
    status, _, body = raw.post("/v1/table/versioned/count_rows/", {})
    assert status == 200 and not isinstance(json.loads(body), int)
    status, _, body = raw.post("/v1/table/versioned/describe/", {})
    assert status == 200
    with pytest.raises(ValueError):
        json.loads(body)
    cloud_server.set_faults([{"path_regex": "/count_rows/", "kind": "malformed",
                              "body": "12x"}])
    with pytest.raises(Exception, match="Failed to parse row count"):
        cloud_server.connect().open_table("versioned").count_rows()


def test_bad_fault_rules_are_refused(cloud_server):
    for rules in ([{"kind": "explode"}], [{"path_regex": "("}], [{"status": 503, "times": "x"}],
                  [{"status": 503, "colour": "red"}], "not a list"):
        with pytest.raises(Exception, match="HTTP 400"):
            cloud_server.set_faults(rules)
    with pytest.raises(Exception, match="HTTP 400"):
        cloud_server.configure(ipc_format="csv")


# Writes and pinned reads ----------------------------------------------------------------------


def test_writes_through_the_official_client(cloud_server_factory):
    server = cloud_server_factory()
    remote = server.connect()
    vec = pa.list_(pa.float32(), 2)
    table = remote.create_table("w", pa.table({
        "id": pa.array([1, 2, 3], pa.int64()), "text": ["a", "b", "c"],
        "vector": pa.array([[1, 2], [3, 4], [5, 6]], vec)}))
    assert table.version == 1
    table.add(pa.table({"id": pa.array([4], pa.int64()), "text": ["d"],
                        "vector": pa.array([[7, 8]], vec)}))
    assert table.update(where="id = 2", values_sql={"text": "'TWO'"}).rows_updated == 1
    assert table.delete("id = 1").num_deleted_rows == 1
    merged = (table.merge_insert("id").when_matched_update_all().when_not_matched_insert_all()
              .execute(pa.table({"id": pa.array([3, 5], pa.int64()), "text": ["C", "e"],
                                 "vector": pa.array([[0, 0], [1, 1]], vec)})))
    assert (merged.num_updated_rows, merged.num_inserted_rows) == (1, 1)
    with pytest.raises(ValueError, match="already exists"):
        remote.create_table("w", pa.table({"id": [1]}))
    local = lancedb.connect(server.db_dir).open_table("w")
    assert local.version == 5
    assert local.to_arrow().sort_by("id").select(["id", "text"]).to_pylist() == [
        {"id": 2, "text": "TWO"}, {"id": 3, "text": "C"}, {"id": 4, "text": "d"},
        {"id": 5, "text": "e"}]
    writes = server.log(path_regex="/(create|insert|merge_insert)/")
    assert [(e["arrow_rows"], e["status"]) for e in writes] == [(3, 200), (1, 200), (2, 200),
                                                                (1, 400)]


def test_pinned_version_reads_are_stable_while_the_table_changes(cloud_server_factory):
    server = cloud_server_factory()
    writer = server.connect()
    writer.create_table("moving", pa.table({"id": pa.array(range(100), pa.int64())}))
    pinned = server.connect().open_table("moving")
    pinned.checkout(1)
    raw = Raw(server)
    stop = threading.Event()

    def keep_writing():
        table = writer.open_table("moving")
        next_id = 100
        while not stop.is_set():
            table.add(pa.table({"id": pa.array(range(next_id, next_id + 10), pa.int64())}))
            table.delete(f"id = {next_id - 95}")
            next_id += 10

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        for _ in range(8):
            ids = pinned.search().limit(None).to_arrow().column("id").to_pylist()
            assert sorted(ids) == list(range(100))
            status, _, body = raw.post("/v1/table/moving/count_rows/", {"version": 1})
            assert json.loads(body) == 100
    finally:
        stop.set()
        thread.join()
    assert server.connect().open_table("moving").version > 1


def test_server_cli_refuses_a_missing_directory(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, cloud.__file__, "--db", str(tmp_path / "none")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "does not exist" in result.stderr
