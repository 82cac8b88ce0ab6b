"""Parquet files written by lanceflow, read by readers we did not write: pyarrow and DuckDB.

lanceflow_parquet_tool (tools/parquet_tool.cc) converts an Arrow IPC stream written by pyarrow
into Parquet with lanceflow's writer and prints the file summary (statistics) as JSON; it also
reads Parquet back with lanceflow's reader into IPC. Every table here covers nulls at every
level, nesting and edge values; each reader must return exactly the values written, the footer
statistics pyarrow reports must be the true min/max/null counts, and so must the summary.

The tool is looked up in $LANCEFLOW_PARQUET_TOOL, else in build*/tools/ (newest).
"""

from __future__ import annotations

import datetime
import decimal
import glob
import json
import math
import os
import subprocess

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

duckdb = pytest.importorskip("duckdb")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_tool() -> str | None:
    env = os.environ.get("LANCEFLOW_PARQUET_TOOL")
    if env:
        return env
    found = glob.glob(os.path.join(REPO, "build*", "tools", "lanceflow_parquet_tool"))
    return max(found, key=os.path.getmtime) if found else None


TOOL = find_tool()
pytestmark = pytest.mark.skipif(TOOL is None, reason="lanceflow_parquet_tool is not built")

LONG = "long-" + "x" * 300 + "-end"
UNICODE = "héllo wörld ✓ 𝄞 日本語"


def all_types_table(n_repeat: int = 1) -> pa.Table:
    """One row per edge case, with nulls in every column (and inside nested values)."""
    ts = [0, 1_700_000_000_123_456_789, -1, None, 86_400_000_000_000]
    cols = {
        "b": pa.array([True, False, None, True, False], pa.bool_()),
        "i8": pa.array([-128, 127, None, 0, -1], pa.int8()),
        "i16": pa.array([-32768, 32767, None, 0, 7], pa.int16()),
        "i32": pa.array([-2**31, 2**31 - 1, None, 0, 42], pa.int32()),
        "i64": pa.array([-2**63, 2**63 - 1, None, 0, -42], pa.int64()),
        "u8": pa.array([0, 255, None, 128, 1], pa.uint8()),
        "u16": pa.array([0, 65535, None, 32768, 1], pa.uint16()),
        "u32": pa.array([0, 2**32 - 1, None, 2**31, 1], pa.uint32()),
        "u64": pa.array([0, 2**64 - 1, None, 2**63, 1], pa.uint64()),
        "f16": pa.array([1.5, -0.0, None, 65504.0, -2.25], pa.float16()),
        "f32": pa.array([float("nan"), -0.0, None, float("inf"), -1.5], pa.float32()),
        "f64": pa.array([0.0, -0.0, None, float("-inf"), 1e308], pa.float64()),
        "f64_nan": pa.array([float("nan"), 2.5, None, -3.5, float("nan")], pa.float64()),
        "s": pa.array(["", UNICODE, None, LONG, "a"], pa.string()),
        "ls": pa.array(["z", "", None, UNICODE, LONG], pa.large_string()),
        "bin": pa.array([b"", b"\x00\xff\x80", None, b"\xff" * 100, b"abc"], pa.binary()),
        "lbin": pa.array([b"x", b"", None, b"\x01\x02", b"\xfe"], pa.large_binary()),
        "fsb": pa.array([b"abcd", b"\x00\x00\x00\x00", None, b"\xff\xff\xff\xff", b"zzzz"],
                        pa.binary(4)),
        "d32": pa.array([0, -719162, None, 2932896, 19000], pa.date32()),
        "d64": pa.array([0, -86_400_000, None, 86_400_000 * 20000, 86_400_000], pa.date64()),
        "ts_s": pa.array([0, 1_700_000_000, -1, None, 86400], pa.timestamp("s")),
        "ts_ms": pa.array([0, 1_700_000_000_123, -1, None, 86400_000], pa.timestamp("ms", "UTC")),
        "ts_us": pa.array([0, 1_700_000_000_123_456, -1, None, 1], pa.timestamp("us")),
        "ts_ns": pa.array(ts, pa.timestamp("ns", "Europe/Paris")),
        "t32": pa.array([0, 86399, None, 1, 3600], pa.time32("s")),
        "t64": pa.array([0, 86_399_999_999, None, 1, 5], pa.time64("us")),
        "dec9": pa.array([decimal.Decimal("1.23"), decimal.Decimal("-9999999.99"), None,
                          decimal.Decimal("0.00"), decimal.Decimal("9999999.99")],
                         pa.decimal128(9, 2)),
        "dec18": pa.array([decimal.Decimal("123456789012345.678"), None,
                           decimal.Decimal("-0.001"), decimal.Decimal("0"),
                           decimal.Decimal("-999999999999999.999")], pa.decimal128(18, 3)),
        "dec38": pa.array([decimal.Decimal("1" * 38), decimal.Decimal("-" + "9" * 38), None,
                           decimal.Decimal("0"), decimal.Decimal("-1")], pa.decimal128(38, 0)),
        "st": pa.array([{"x": 1, "y": "q", "inner": {"z": 1.5}}, None,
                        {"x": None, "y": "r", "inner": None},
                        {"x": 5, "y": None, "inner": {"z": None}},
                        {"x": -1, "y": "", "inner": {"z": -0.0}}],
                       pa.struct([("x", pa.int32()), ("y", pa.string()),
                                  ("inner", pa.struct([("z", pa.float64())]))])),
        "li": pa.array([[1, None, 3], None, [], [None], [4]], pa.list_(pa.int32())),
        "lreq": pa.array([[1.0, 2.0], [], None, [3.0], [-0.0]],
                         pa.list_(pa.field("item", pa.float32(), nullable=False))),
        "ll": pa.array([[["a", None], [], None], None, [[]], [["b"]], []],
                       pa.list_(pa.list_(pa.string()))),
        "lst": pa.array([[{"k": 1, "v": "x"}, None], [], None, [{"k": None, "v": None}],
                         [{"k": 2, "v": LONG}]],
                        pa.list_(pa.struct([("k", pa.int64()), ("v", pa.string())]))),
        "large_list": pa.array([[1], [], None, [2, 3], [None]], pa.large_list(pa.int16())),
        "vec": pa.array([[1.0, 2.0, 3.0], [0.0, -0.0, float("inf")], None, [4.0, 5.0, 6.0],
                         [7.0, None, 9.0]], pa.list_(pa.float32(), 3)),
        "dict": pa.array(["a", "b", None, "a", UNICODE]).dictionary_encode(),
    }
    t = pa.table(cols)
    if n_repeat > 1:
        t = pa.concat_tables([t] * n_repeat)
    return t


def spark_table() -> pa.Table:
    """Types whose Spark mapping changes them; uint64 stays below 2^63."""
    return pa.table({
        "i8": pa.array([-128, 127, None], pa.int8()),
        "u32": pa.array([0, 2**32 - 1, None], pa.uint32()),
        "u64": pa.array([0, 2**63 - 1, None], pa.uint64()),
        "f16": pa.array([1.5, None, -2.0], pa.float16()),
        "ts_s": pa.array([1, None, -1], pa.timestamp("s")),
        "ts_ns": pa.array([1_999, None, -1], pa.timestamp("ns")),
        "d64": pa.array([86_400_000, None, -86_400_000], pa.date64()),
        "vec": pa.array([[1.0, 2.0], None, [3.0, 4.0]], pa.list_(pa.float16(), 2)),
    })


# ------------------------------------------------------------------------------------------
# Helpers


def write_ipc(table: pa.Table, path: str) -> None:
    with pa.ipc.new_stream(path, table.schema) as w:
        w.write_table(table)


def to_parquet(table: pa.Table, tmp_path, *args: str) -> tuple[str, dict]:
    src = str(tmp_path / "in.arrows")
    dst = str(tmp_path / "out.parquet")
    write_ipc(table, src)
    r = subprocess.run([TOOL, "write-from-ipc", src, dst, *args], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    return dst, json.loads(r.stdout)


def norm_column(col) -> list:
    """Python values of a column, with types every reader agrees on."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    t = col.type
    if pa.types.is_dictionary(t):
        return norm_column(col.dictionary_decode())
    if pa.types.is_timestamp(t):
        scale = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}[t.unit]
        return [None if v is None else v * scale for v in col.cast(pa.int64()).to_pylist()]
    if pa.types.is_float16(t):
        return norm_column(col.cast(pa.float32()))
    if pa.types.is_date64(t):
        return col.cast(pa.date32()).to_pylist()
    if pa.types.is_time(t):
        return [None if v is None else v.hour * 3600_000_000 + v.minute * 60_000_000 +
                v.second * 1_000_000 + v.microsecond for v in col.to_pylist()]
    if pa.types.is_fixed_size_list(t) or pa.types.is_large_list(t) or pa.types.is_list(t):
        offsets_type = pa.list_(t.value_type)
        flat = col.flatten() if not pa.types.is_fixed_size_list(t) else col.values
        values = norm_column(flat)
        out, pos = [], 0
        for v in col.to_pylist():
            if v is None:
                out.append(None)
                if pa.types.is_fixed_size_list(t):
                    pos += t.list_size
                continue
            out.append(values[pos:pos + len(v)])
            pos += len(v)
        del offsets_type
        return out
    if pa.types.is_struct(t):
        fields = {t.field(i).name: norm_column(col.field(i)) for i in range(t.num_fields)}
        validity = col.is_valid().to_pylist()
        return [None if not ok else {k: v[i] for k, v in fields.items()}
                for i, ok in enumerate(validity)]
    return col.to_pylist()


def same(a, b) -> bool:
    """Equality where NaN equals NaN and -0.0 differs from 0.0."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b if not (isinstance(a, int) and isinstance(b, int)) \
        else a == b


def assert_same_table(got: pa.Table, want: pa.Table, reader: str) -> None:
    assert got.num_rows == want.num_rows, reader
    assert got.column_names == want.column_names, reader
    for name in want.column_names:
        g, w = norm_column(got[name]), norm_column(want[name])
        for i, (x, y) in enumerate(zip(g, w)):
            assert same(x, y), f"{reader}: column {name} row {i}: got {x!r}, want {y!r}"


def read_duckdb(path: str) -> pa.Table:
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    rel = con.sql(f"SELECT * FROM read_parquet('{path}')")
    for method in ("to_arrow_table", "fetch_arrow_table", "arrow"):
        if hasattr(rel, method):
            return getattr(rel, method)()
    raise AssertionError("duckdb relation without an Arrow export")


def read_back(path: str, tmp_path) -> pa.Table:
    out = str(tmp_path / "back.arrows")
    r = subprocess.run([TOOL, "read-to-ipc", path, out], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    with pa.ipc.open_stream(out) as reader:
        return reader.read_all()


# ------------------------------------------------------------------------------------------
# Values


@pytest.mark.parametrize("args", [
    (),
    ("--compression", "snappy"),
    ("--compression", "none", "--no-dictionary"),
    ("--row-group-rows", "7", "--page-bytes", "64"),
])
def test_all_types_read_by_pyarrow_duckdb_and_lanceflow(tmp_path, args):
    table = all_types_table(n_repeat=3)
    path, summary = to_parquet(table, tmp_path, *args)
    assert summary["num_rows"] == table.num_rows
    got = pq.read_table(path)
    assert_same_table(got, table, "pyarrow")
    assert_same_table(read_duckdb(path), table, "duckdb")
    assert_same_table(read_back(path, tmp_path), table, "lanceflow")
    if "--row-group-rows" in args:
        assert pq.ParquetFile(path).metadata.num_row_groups == 3 * 5 // 7 + 1


def test_logical_types_seen_by_pyarrow(tmp_path):
    path, _ = to_parquet(all_types_table(), tmp_path)
    schema = pq.read_schema(path)
    assert schema.field("u64").type == pa.uint64()
    assert schema.field("i8").type == pa.int8()
    assert schema.field("f16").type == pa.float16()
    assert schema.field("s").type == pa.string()
    assert schema.field("fsb").type == pa.binary(4)
    assert schema.field("ts_s").type == pa.timestamp("ms")
    assert schema.field("ts_ms").type == pa.timestamp("ms", "UTC")
    assert schema.field("ts_ns").type == pa.timestamp("ns", "UTC")
    assert schema.field("dec38").type == pa.decimal128(38, 0)
    assert schema.field("vec").type.value_type == pa.float32()
    assert not schema.field("lreq").type.value_field.nullable
    md = pq.ParquetFile(path).metadata
    assert md.created_by.startswith("lanceflow")


def test_spark_mapping(tmp_path):
    table = spark_table()
    path, summary = to_parquet(table, tmp_path, "--mapping", "spark")
    got = pq.read_table(path)
    assert got.schema.field("i8").type == pa.int64()
    assert got.schema.field("u32").type == pa.int64()
    assert got.schema.field("u64").type == pa.int64()
    assert got.schema.field("f16").type == pa.float32()
    assert got.schema.field("ts_s").type == pa.timestamp("us", "UTC")
    assert got.schema.field("ts_ns").type == pa.timestamp("us", "UTC")
    assert got.schema.field("d64").type == pa.date32()
    assert got.schema.field("vec").type.value_type == pa.float32()
    assert got["i8"].to_pylist() == [-128, 127, None]
    assert got["u64"].to_pylist() == [0, 2**63 - 1, None]
    # ns are truncated toward -infinity to microseconds.
    assert got["ts_ns"].cast(pa.int64()).to_pylist() == [1, None, -1]
    assert got["ts_s"].cast(pa.int64()).to_pylist() == [1_000_000, None, -1_000_000]
    assert_same_table(read_duckdb(path), got, "duckdb")
    cols = {c["parquet_path"]: c for c in summary["columns"]}
    assert cols["ts_ns"]["min"] == -1 and cols["ts_ns"]["max"] == 1
    assert cols["u64"]["max"] == 2**63 - 1


def test_spark_mapping_refuses_uint64_above_long(tmp_path):
    table = pa.table({"u": pa.array([1, 2**63], pa.uint64())})
    src = str(tmp_path / "in.arrows")
    write_ipc(table, src)
    r = subprocess.run([TOOL, "write-from-ipc", src, str(tmp_path / "o.parquet"), "--mapping",
                        "spark"], capture_output=True, text=True)
    assert r.returncode == 1
    assert "Out of range" in r.stderr and "'u'" in r.stderr and str(2**63) in r.stderr


def test_many_rows_dictionary_and_pages(tmp_path):
    n = 50_000
    table = pa.table({
        "id": pa.array(range(n), pa.int64()),
        "cat": pa.array([f"category-{i % 17}" for i in range(n)]),
        "small": pa.array([i % 5 if i % 11 else None for i in range(n)], pa.int32()),
        "vec": pa.array([[float(i), float(-i)] for i in range(n)], pa.list_(pa.float32(), 2)),
    })
    path, summary = to_parquet(table, tmp_path, "--page-bytes", "4096", "--row-group-rows",
                               "20000")
    md = pq.ParquetFile(path).metadata
    assert md.num_row_groups == 3
    assert "RLE_DICTIONARY" in md.row_group(0).column(1).encodings  # 17 distinct strings
    assert "RLE_DICTIONARY" not in md.row_group(0).column(0).encodings  # unique ids
    assert_same_table(pq.read_table(path), table, "pyarrow")
    assert_same_table(read_duckdb(path), table, "duckdb")
    assert_same_table(read_back(path, tmp_path), table, "lanceflow")


# ------------------------------------------------------------------------------------------
# Statistics


def expected_min_max(values: list):
    vals = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not vals:
        return None, None
    return min(vals), max(vals)


FLAT_STAT_COLUMNS = ["b", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64",
                     "f64_nan", "s", "bin", "lbin", "fsb", "d32", "ts_us", "dec9", "dec18",
                     "dec38", "ls"]


def test_pyarrow_sees_correct_statistics(tmp_path):
    table = all_types_table()
    path, _ = to_parquet(table, tmp_path, "--max-stat-bytes", "1000")
    md = pq.ParquetFile(path).metadata
    schema = pq.ParquetFile(path).schema_arrow
    leaf_index = {md.schema.column(i).path: i for i in range(md.num_columns)}
    for name in FLAT_STAT_COLUMNS:
        stats = md.row_group(0).column(leaf_index[name]).statistics
        values = pq.read_table(path)[name].to_pylist()
        lo, hi = expected_min_max(values)
        assert stats.has_null_count and stats.null_count == values.count(None), name
        assert stats.has_min_max, name
        if isinstance(lo, float) and lo == 0:
            assert math.copysign(1, stats.min) == -1, name
        if isinstance(hi, float) and hi == 0:
            assert math.copysign(1, stats.max) == 1, name
        assert stats.min == lo and stats.max == hi, (name, stats.min, stats.max, lo, hi)
    del schema


def test_duckdb_sees_correct_statistics(tmp_path):
    table = all_types_table()
    path, _ = to_parquet(table, tmp_path)
    con = duckdb.connect()
    rows = con.sql(f"SELECT path_in_schema, stats_min_value, stats_max_value, stats_null_count "
                   f"FROM parquet_metadata('{path}')").fetchall()
    stats = {r[0]: r[1:] for r in rows}
    assert stats["i64"] == (str(-2**63), str(2**63 - 1), 1)
    assert stats["u64"] == ("0", str(2**64 - 1), 1)
    assert stats["i8"] == ("-128", "127", 1)
    assert stats["s"][0] == "" and stats["s"][2] == 1
    assert stats["d32"][2] == 1


def test_summary_statistics(tmp_path):
    table = all_types_table()
    _, summary = to_parquet(table, tmp_path, "--max-stat-bytes", "16")
    cols = {c["parquet_path"]: c for c in summary["columns"]}
    assert cols["u64"]["min"] == 0 and cols["u64"]["max"] == 2**64 - 1
    assert cols["i64"]["min"] == -2**63 and cols["i64"]["max"] == 2**63 - 1
    assert cols["f32"]["min"] == -1.5 and cols["f32"]["max"] == "Infinity"
    assert cols["f32"]["nan_count"] == 1 and cols["f32"]["null_count"] == 1
    assert cols["f64"]["min"] == "-Infinity" and cols["f64"]["max"] == 1e308
    assert cols["dec38"]["min"] == "-" + "9" * 38 and cols["dec38"]["max"] == "1" * 38
    assert cols["dec9"]["min"] == "-9999999.99"
    assert cols["d32"]["min"] == -719162 and cols["d32"]["max"] == 2932896
    assert cols["b"]["min"] is False and cols["b"]["max"] is True
    # Strings longer than 16 bytes: min is a prefix, max a rounded-up prefix.
    s = cols["s"]
    assert s["min"] == "" and s["min_exact"]
    assert not s["max_exact"] and len(s["max"].encode()) <= 16
    assert s["max"] > LONG and s["max"] > UNICODE
    # Nested leaves: paths and null counts (a null or empty ancestor counts).
    assert cols["st.inner.z"]["path"] == ["st", "inner", "z"]
    assert cols["st.inner.z"]["null_count"] == 3
    assert cols["li.list.element"]["in_list"] and cols["li.list.element"]["path"] == ["li"]
    assert cols["li.list.element"]["null_count"] == 4  # None row, empty list, two null items
    assert cols["vec.list.element"]["min"] == "-0.0" and cols["vec.list.element"]["max"] == "Infinity"


def test_long_string_statistics_bound_the_values(tmp_path):
    values = ["b" * 100, "a" * 100 + "\U0010ffff", "\U0010ffff" * 3 + "z" * 80, "c"]
    table = pa.table({"s": pa.array(values), "bin": pa.array([v.encode() for v in values])})
    path, summary = to_parquet(table, tmp_path)
    md = pq.ParquetFile(path).metadata
    for i, want in enumerate([values, [v.encode() for v in values]]):
        stats = md.row_group(0).column(i).statistics
        assert stats.has_min_max
        assert stats.min <= min(want) and stats.max >= max(want)
        assert len(stats.min) <= 64 and len(stats.max) <= 64
    col = summary["columns"][0]
    assert not col["max_exact"] and col["max"] >= max(values)
    assert not col["min_exact"] and col["min"] <= min(values)


def test_string_statistics_without_an_upper_bound(tmp_path):
    # A 64-byte prefix of U+10FFFF code points cannot be rounded up: no min/max is written.
    values = ["\U0010ffff" * 30, "a"]
    path, summary = to_parquet(pa.table({"s": pa.array(values)}), tmp_path)
    stats = pq.ParquetFile(path).metadata.row_group(0).column(0).statistics
    assert not stats.has_min_max and stats.null_count == 0
    assert summary["columns"][0]["max"] is None


# ------------------------------------------------------------------------------------------
# lanceflow's reader on files pyarrow wrote (V1 and V2 pages, dictionary on/off, codecs)


@pytest.mark.parametrize("kwargs", [
    {},
    {"compression": "zstd", "use_dictionary": False},
    {"data_page_version": "2.0"},
    {"data_page_version": "2.0", "compression": "snappy", "data_page_size": 64},
    {"compression": "none", "row_group_size": 4, "store_decimal_as_integer": True},
])
def test_lanceflow_reads_pyarrow_files(tmp_path, kwargs):
    table = all_types_table(n_repeat=3)
    path = str(tmp_path / "pa.parquet")
    pq.write_table(table, path, **kwargs)
    assert_same_table(read_back(path, tmp_path), table, "lanceflow")
