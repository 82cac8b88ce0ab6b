"""Acceptance: `lanceflow tables | schema | read` over local LanceDB databases (native reader).

The corpus (tests/fixtures/make_lance_corpus.py) is written by the official engine, lancedb
0.39.0, at test time: every contract type x storage versions 2.2 / 2.1 / 2.0 / legacy x table
histories (append, update, delete with Arrow and bitmap deletion files, merge_insert,
add/alter/drop columns, compaction) x stable row ids on/off x both manifest naming schemes. The
engine reading the same directory is the reference for every row; tests/jsonl_reference.py models
the JSON encoding.

Row order: the engine's plain scan returns fragments in manifest order and rows by offset, but
LanceDB does not promise any order for a query (filters and limits may run fragments in
parallel), and the contract says nothing about order, so rows are compared as multisets: matched
by the table's unique `id` when the output has it, otherwise both sides sorted by a canonical
form of their values.

Filters: lanceflow parses --filter and renders it back to SQL (expr::ToSql); the engine is queried
with that SQL. Most filters below are already in canonical form; the few that ToSql rewrites
(timestamps with more than 6 fraction digits, -2^63) carry the rendered SQL explicitly.

Set LANCEFLOW_BIN to the binary under test (default build/lanceflow) and optionally
LANCEFLOW_CORPUS_DIR to keep the corpus between runs (it is rebuilt when the generator changes).
"""

from __future__ import annotations

import decimal
import json
import math
import os
import shutil
from typing import Any, Dict, List, Optional, Sequence

import lancedb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from cloud_server.server import schema_to_json
from fixtures.make_lance_corpus import (ENGINE_VERSION, STORAGE_VERSIONS, corpus_plan,
                                        encodings_rows, load_or_build, sv_tag, types_table)
from jsonl_reference import encode_table as _encode_table
from jsonl_reference import values_equal
from lanceflow_cli import run
from spark_type_mapping import spark_struct

PLAN = corpus_plan()
PLAN_BY_NAME = {s.name: s for s in PLAN}
HIDDEN = ["_rowid", "_rowaddr", "_row_created_at_version", "_row_last_updated_at_version"]
SV_TAGS = [sv_tag(sv) for sv in STORAGE_VERSIONS]


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="session")
def corpus(request, tmp_path_factory) -> Dict[str, Any]:
    root = os.environ.get("LANCEFLOW_CORPUS_DIR") or str(tmp_path_factory.mktemp("lance_corpus"))
    built = load_or_build(root)
    assert lancedb.__version__ == ENGINE_VERSION == built["engine"]
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            how = "reused" if built.get("reused") else f"built in {built['seconds']} s"
            reporter.write_line(f"lance corpus: lancedb {built['engine']}, {len(built['tables'])} "
                                f"tables, {how}, {built['db_dir']}")
            for k, v in built["refusals"].items():
                reporter.write_line(f"  engine refuses {k}: {v[:160]}")
            for name, info in built["tables"].items():
                if info.get("refused_columns"):
                    reporter.write_line(f"  {name}: left out {sorted(info['refused_columns'])}")
    return built


@pytest.fixture(scope="session")
def db_dir(corpus) -> str:
    return corpus["db_dir"]


_CONNECTIONS: Dict[str, Any] = {}


def engine_open(db: str, table: str, version: Optional[int] = None):
    conn = _CONNECTIONS.setdefault(db, lancedb.connect(db))
    tbl = conn.open_table(table)
    if version is not None:
        tbl.checkout(version)
    return tbl


def engine_read(db: str, table: str, version: Optional[int] = None,
                columns: Optional[Sequence[str]] = None, where: Optional[str] = None,
                limit: Optional[int] = None) -> pa.Table:
    tbl = engine_open(db, table, version)
    q = tbl.search()
    if columns:
        q = q.select(list(columns))
    if where:
        q = q.where(where)
    return q.limit(limit).to_arrow()


def lanceflow_read(db: str, table: str, *extra: str):
    return run(["read", "--source", db, "--table", table, *extra])


def _decode_dictionaries(table: pa.Table) -> pa.Table:
    """Dictionary columns as their values, chunk by chunk (pyarrow cannot concatenate chunks
    whose dictionaries hold nulls, which the engine returns for 2.0 tables)."""
    for i, f in enumerate(table.schema):
        if pa.types.is_dictionary(f.type):
            chunks = [c.dictionary_decode() for c in table.column(i).chunks]
            table = table.set_column(i, pa.field(f.name, f.type.value_type, f.nullable),
                                     pa.chunked_array(chunks, type=f.type.value_type))
    return table


def _plain_float_lists(column: pa.ChunkedArray) -> bool:
    """A list/fixed_size_list column of float32/float64 without NaN or infinities: its JSON
    values are exactly to_pylist() (jsonl_reference's per-row path is slow for vectors)."""
    t = column.type
    if not (pa.types.is_fixed_size_list(t) or pa.types.is_list(t)):
        return False
    if t.value_type not in (pa.float32(), pa.float64()):
        return False
    for chunk in column.chunks:
        values = chunk.flatten().to_numpy(zero_copy_only=False)
        if not np.all(np.isfinite(values[~np.isnan(values)])) or np.isnan(values).any():
            return False
    return True


def encode_table(table: pa.Table) -> List[dict]:
    table = _decode_dictionaries(table)
    fast = [n for n in table.column_names if _plain_float_lists(table.column(n))]
    if not fast:
        return _encode_table(table)
    rest = [n for n in table.column_names if n not in fast]
    slow_rows = _encode_table(table.select(rest)) if rest else [{}] * table.num_rows
    fast_cols = {n: table.column(n).to_pylist() for n in fast}
    out = []
    for i, row in enumerate(slow_rows):
        out.append({n: (fast_cols[n][i] if n in fast_cols else row[n])
                    for n in table.column_names})
    return out


def _short(v: Any) -> str:
    text = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else repr(v)
    return text if len(text) <= 160 else text[:160] + "..."


def _float_list_equal(ours: Any, expected: Any, t: pa.DataType) -> Optional[bool]:
    """Fast path for long float lists (vectors): None when it does not apply."""
    if not (isinstance(ours, list) and isinstance(expected, list) and len(expected) > 8):
        return None
    if not (pa.types.is_fixed_size_list(t) or pa.types.is_list(t)):
        return None
    vt = t.value_type
    if vt not in (pa.float32(), pa.float16(), pa.float64()):
        return None
    if len(ours) != len(expected):
        return False
    if any(type(x) not in (int, float) for x in ours):
        return None
    if any(type(x) is not float for x in expected):
        return None
    dtype = {pa.float32(): np.float32, pa.float16(): np.float16}.get(vt, np.float64)
    a, b = np.array(ours, dtype=dtype), np.array(expected, dtype=dtype)
    return bool(np.array_equal(a, b) and np.array_equal(np.signbit(a), np.signbit(b)))


def value_equal(ours: Any, expected: Any, t: pa.DataType) -> bool:
    fast = _float_list_equal(ours, expected, t)
    if fast is not None:
        return fast
    if repr(ours) == repr(expected):  # the same JSON value (types, key order, -0.0 included)
        return True
    if (pa.types.is_floating(t) and type(ours) is float and type(expected) is float and
            math.copysign(1, ours) != math.copysign(1, expected)):
        return False  # values_equal ignores the sign of zero for float16/float32
    return values_equal(ours, expected, t)


def _canon(v: Any, t: pa.DataType) -> Any:
    """A sortable form equal for values that value_equal accepts (float widths normalised)."""
    if v is None:
        return ("0",)
    if pa.types.is_dictionary(t):
        return _canon(v, t.value_type)
    if pa.types.is_floating(t) and isinstance(v, (int, float)) and not isinstance(v, bool):
        width = {pa.float32(): np.float32, pa.float16(): np.float16}.get(t, np.float64)
        return ("f", repr(float(width(v))))
    if pa.types.is_struct(t) and isinstance(v, dict):
        return ("s",) + tuple(_canon(v.get(t.field(i).name), t.field(i).type)
                              for i in range(t.num_fields))
    if (pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)) \
            and isinstance(v, list):
        vt = t.value_type
        if pa.types.is_floating(vt) and all(type(x) in (int, float) for x in v):
            width = {pa.float32(): np.float32, pa.float16(): np.float16}.get(vt, np.float64)
            return ("lf", np.array(v, dtype=width).tobytes())
        return ("l",) + tuple(_canon(x, vt) for x in v)
    return (type(v).__name__, repr(v))


def assert_same_rows(ours: List[dict], expected: pa.Table, what: str, key: str = "id",
                     subset: bool = False) -> None:
    """`ours` (parsed JSONL) holds exactly the engine's rows (as a multiset), columns in order.

    With `subset`, `ours` must be a sub-multiset of `expected` instead (for --limit).
    The failure message names the column, its type, how many rows differ and the first one.
    """
    schema = expected.schema
    names = schema.names
    exp = encode_table(expected)
    for i, row in enumerate(ours):
        if list(row) != names:
            raise AssertionError(f"{what}: row {i} has keys {list(row)}, expected {names}")
    if not subset and len(ours) != len(exp):
        detail = ""
        if key in names:
            got_ids = {r[key] for r in ours}
            exp_ids = {r[key] for r in exp}
            missing = sorted(exp_ids - got_ids, key=repr)[:10]
            extra = sorted(got_ids - exp_ids, key=repr)[:10]
            detail = f"; {key}s missing (first 10): {missing}; unexpected: {extra}"
        raise AssertionError(f"{what}: {len(ours)} rows, engine has {len(exp)}{detail}")
    pairs = []
    if key in names and len({r[key] for r in exp}) == len(exp):
        by_key = {r[key]: r for r in exp}
        seen = set()
        for r in ours:
            k = r[key]
            if k in seen:
                raise AssertionError(f"{what}: {key}={k!r} appears more than once")
            seen.add(k)
            if k not in by_key:
                raise AssertionError(f"{what}: {key}={k!r} is not among the engine's rows")
            pairs.append((r, by_key[k]))
    else:
        def sort_key(row):
            # Tuples of tagged tuples: comparable across rows (tags differ before types do).
            return tuple(_canon(row[f.name], f.type) for f in schema)

        exp_sorted = sorted(exp, key=sort_key)
        ours_sorted = sorted(ours, key=sort_key)
        if subset:
            # Each of ours must be found among the engine's rows.
            pool: Dict[str, int] = {}
            for r in exp_sorted:
                pool[sort_key(r)] = pool.get(sort_key(r), 0) + 1
            for r in ours_sorted:
                k = sort_key(r)
                if pool.get(k, 0) == 0:
                    raise AssertionError(f"{what}: row {_short(r)} is not among the engine's rows")
                pool[k] -= 1
            return
        pairs = list(zip(ours_sorted, exp_sorted))
    bad: Dict[str, List[Any]] = {}
    for a, b in pairs:
        for f in schema:
            if not value_equal(a[f.name], b[f.name], f.type):
                entry = bad.setdefault(f.name, [0, a, b])
                entry[0] += 1
    if bad:
        lines = []
        for name, (count, a, b) in bad.items():
            f = schema.field(name)
            where = f"{key}={a[key]}" if key in a else f"row {_short(a)}"
            lines.append(f"column {name!r} ({f.type}): {count} of {len(pairs)} rows differ; "
                         f"first at {where}: got {_short(a[name])}, engine {_short(b[name])}")
        raise AssertionError(f"{what}:\n  " + "\n  ".join(lines))


def check_read(db: str, table: str, *, version: Optional[int] = None,
               columns: Optional[Sequence[str]] = None, where: Optional[str] = None,
               engine_where: Optional[str] = None, limit: Optional[int] = None,
               engine_db: Optional[str] = None) -> List[dict]:
    args: List[str] = []
    if version is not None:
        args += ["--version", str(version)]
    if columns:
        args += ["--columns", ",".join(columns)]
    if where:
        args += ["--filter", where]
    if limit is not None:
        args += ["--limit", str(limit)]
    what = f"{table}" + (f" --version {version}" if version is not None else "") + \
        (f" --columns {','.join(columns)}" if columns else "") + \
        (f" --filter {where!r}" if where else "") + (f" --limit {limit}" if limit is not None
                                                     else "")
    r = lanceflow_read(db, table, *args)
    assert r.returncode == 0, f"{what}: exit {r.returncode}: {r.stderr.strip()[:500]}"
    rows = r.rows()
    expected = engine_read(engine_db or db, table, version, columns, engine_where or where)
    if limit is not None:
        assert len(rows) == min(limit, expected.num_rows), (
            f"{what}: {len(rows)} rows, expected min({limit}, {expected.num_rows})")
        assert_same_rows(rows, expected, what, subset=True)
    else:
        assert_same_rows(rows, expected, what)
    return rows


def assert_one_line_error(r, *needles: str) -> None:
    assert r.returncode == 1, (r.returncode, r.stderr[-2000:])
    assert r.stderr.startswith("lanceflow: error: "), r.stderr[-2000:]
    assert r.stderr.count("\n") == 1, r.stderr[-2000:]
    for n in needles:
        assert n in r.stderr, (n, r.stderr)


def table_versions() -> List[Any]:
    out = []
    for spec in PLAN:
        for v in spec.versions:
            out.append(pytest.param(spec.name, v, id=f"{spec.name}-v{v}"))
    return out


def tables_of(*kinds: str) -> List[str]:
    return [s.name for s in PLAN if s.kind in kinds]


# ---------------------------------------------------------------------------------------------
# Corpus sanity (engine side)


def test_corpus_matches_plan(corpus):
    assert corpus["engine"] == ENGINE_VERSION
    assert sorted(corpus["tables"]) == sorted(PLAN_BY_NAME)
    for name, info in corpus["tables"].items():
        spec = PLAN_BY_NAME[name]
        tbl = engine_open(corpus["db_dir"], name)
        assert [v["version"] for v in tbl.list_versions()] == spec.versions, name


# ---------------------------------------------------------------------------------------------
# Every table at every version


@pytest.mark.parametrize("table,version", table_versions())
def test_read_version(db_dir, table, version):
    if PLAN_BY_NAME[table].kind == "offcontract":
        check_offcontract(db_dir, table, version)
        return
    check_read(db_dir, table, version=version)


def _map_as_entries(arr: pa.Array) -> pa.Array:
    """A map column as the list<struct<key, value>> it is in Arrow's layout."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    entries = pa.StructArray.from_arrays([arr.keys, arr.items], names=["key", "value"])
    return pa.ListArray.from_arrays(arr.offsets, entries, mask=arr.is_null())


def _map_field_as_entries(f: pa.Field) -> pa.Field:
    if not pa.types.is_map(f.type):
        return f
    entries = pa.field("entries", pa.struct([f.type.key_field, f.type.item_field]),
                       nullable=False)
    return pa.field(f.name, pa.list_(entries), f.nullable, f.metadata)


def check_offcontract(db: str, table: str, version: Optional[int] = None) -> None:
    """Types the contract does not list: equal to the engine, or refused in one clean line.

    A map is expected as the JSON of its Arrow layout (an array of {"key", "value"} objects)."""
    expected = engine_read(db, table, version)
    for f in expected.schema:
        if f.name == "id":
            continue
        args = ["--columns", f"id,{f.name}"] + (["--version", str(version)] if version else [])
        r = lanceflow_read(db, table, *args)
        if r.returncode == 0:
            column = expected.column(f.name)
            if pa.types.is_map(f.type):
                column = _map_as_entries(column)
            want = pa.table({"id": expected.column("id"), f.name: column})
            assert_same_rows(r.rows(), want, f"{table} {f.name}")
        else:
            assert_one_line_error(r, f.name)


@pytest.mark.parametrize("table", [s.name for s in PLAN])
def test_read_latest_by_default(db_dir, table):
    if PLAN_BY_NAME[table].kind == "offcontract":
        check_offcontract(db_dir, table)
        return
    check_read(db_dir, table)


# ---------------------------------------------------------------------------------------------
# Projections


def _columns_of(db: str, table: str) -> List[str]:
    return engine_open(db, table).schema.names


def _projection_params():
    out = []
    for kind in ("types", "encodings"):
        for spec in PLAN:
            if spec.kind != kind:
                continue
            # Column names are known from the generator without building.
            names = (types_table(16, spec.storage_version).schema.names if kind == "types"
                     else encodings_rows(0, 16).schema.names)
            for name in names[1:]:
                out.append(pytest.param(spec.name, name, id=f"{spec.name}-{name}"))
    return out


@pytest.mark.parametrize("table,column", _projection_params())
def test_single_column(db_dir, table, column):
    """Each column alone: isolates one decoder per type and storage version."""
    check_read(db_dir, table, columns=[column])


@pytest.mark.parametrize("table", tables_of("types", "encodings", "hist"))
def test_projection_reordered(db_dir, table):
    names = _columns_of(db_dir, table)
    check_read(db_dir, table, columns=list(reversed(names)))
    check_read(db_dir, table, columns=[names[2], "id", names[1]])


@pytest.mark.parametrize("table,version", [
    pytest.param(s.name, v, id=f"{s.name}-v{v}")
    for s in PLAN if s.kind == "hist" and s.storage_version in ("2.2", "legacy")
    for v in (1, 6, 9, 10)])
def test_projection_old_versions(db_dir, table, version):
    """Columns that exist only at some versions (added, renamed, dropped)."""
    names = engine_open(db_dir, table, version).schema.names
    check_read(db_dir, table, version=version, columns=[names[-1], "id"])


def test_projection_of_renamed_and_dropped_columns(db_dir):
    table = "hist_2_2_sr_v2"
    r = lanceflow_read(db_dir, table, "--columns", "id,value")  # renamed to amount at v9
    assert_one_line_error(r, "value")
    r = lanceflow_read(db_dir, table, "--columns", "id,tags")  # dropped at v10
    assert_one_line_error(r, "tags")
    check_read(db_dir, table, version=8, columns=["tags", "value"])
    check_read(db_dir, table, version=9, columns=["tags", "amount"])


# ---------------------------------------------------------------------------------------------
# Hidden columns


@pytest.mark.parametrize("table,version", [
    pytest.param(s.name, v, id=f"{s.name}-v{v}")
    for s in PLAN if s.kind in ("hist", "types") for v in s.versions])
def test_hidden_columns(db_dir, table, version):
    check_read(db_dir, table, version=version, columns=["id", *HIDDEN])


@pytest.mark.parametrize("table", tables_of("types", "hist"))
def test_hidden_columns_alone_and_mixed(db_dir, table):
    check_read(db_dir, table, columns=["_rowid"])
    check_read(db_dir, table, columns=["_rowaddr", "id", "_row_last_updated_at_version"])
    check_read(db_dir, table, columns=["_row_created_at_version", "flag", "_rowid"])


# ---------------------------------------------------------------------------------------------
# Filters

class F:
    """A filter case. `sql`: what lanceflow renders when it differs from `text`. `ref`: for
    filters the engine refuses (float16 and decimal literals, hidden columns of legacy tables),
    a pyarrow predicate over the engine's rows (plus the `extra` columns): lanceflow may then
    refuse the filter in one clean line, or must return exactly the rows the predicate keeps."""

    def __init__(self, text: str, sql: Optional[str] = None, ref=None, extra=()):
        self.text, self.sql, self.ref, self.extra = text, sql or text, ref, tuple(extra)


def _f32(name, op, value):
    return lambda t: op(pc.cast(t[name], pa.float32()), value)


def _dec(text):
    return pa.scalar(decimal.Decimal(text), pa.decimal128(9, 2))


TYPES_FILTERS = [
    "id < 10", "id >= 290", "id = 150", "id != 0 AND id < 5", "id IN (1, 2, 3, 250)",
    "id NOT IN (1, 2, 3)", "id BETWEEN 10 AND 20", "id NOT BETWEEN 5 AND 295",
    "i8 = -128", "i8 > 100 OR i8 IS NULL", "i16 BETWEEN -100 AND 100", "i32 IS NULL",
    "i32 IS NOT NULL AND i32 < 0",
    F("i64 = -9223372036854775808", "i64 = CAST(-9223372036854775808 AS BIGINT)"),
    "i64 = 9223372036854775807", "i64 > 0",
    "u8 = 255", "u16 < 1000", "u32 > 4000000000", "u64 > 9223372036854775807",
    "u64 = 18446744073709551615", "u64 = 0",
    "f32 > 0", "f32 < -1000", "f32 IN (0.25, 1.5)", "f64 < -1e300", "f64 = 0", "f64 > 1e308",
    "f64 >= -0.5 AND f64 <= 0.5",
    F("f16 >= 1.5", ref=_f32("f16", pc.greater_equal, 1.5)),
    F("half < 0", ref=_f32("half", pc.less, 0.0)),
    F("f16 = 65504", ref=_f32("f16", pc.equal, 65504.0)),
    "flag", "flag = true", "NOT flag", "flag IS NULL", "flag IS NOT TRUE", "flag IS FALSE",
    "utf8 = ''", "utf8 LIKE 'row %'", "utf8 LIKE '%ü%'", "utf8 NOT LIKE 'row%'",
    "utf8 ILIKE 'ROW 1%'", "utf8 LIKE 'row 1_ %'", "utf8 = 'plain ascii'",
    "utf8 IN ('plain ascii', 'updated ü')", "utf8 > 'x'", "utf8 LIKE '%\"%'",
    "utf8 = 'double \" quote and ''single'''", "utf8 = 'new\nline, carriage\rreturn, tab\t'",
    "large_utf8 LIKE '%ü%'", "large_utf8 IS NULL",
    "category = 'red'", "category IN ('green', 'ü-violet')", "category IS NULL",
    "category = ''", "dict_i8 = 'b'",
    "d32 = date '1970-01-01'", "d32 < date '1970-01-01'", "d32 >= date '9999-01-01'",
    "d64 > date '2024-01-01'", "d64 IS NULL",
    "ts_us > timestamp '2023-11-14 22:13:20'", "ts_s = timestamp '1969-12-31 23:59:59'",
    "ts_ms_ny < timestamp '2000-01-01 00:00:00'", "ts_us_utc >= timestamp '2023-11-15 00:00:00Z'",
    F("ts_ns < timestamp '1970-01-01 00:00:00.000000001'",
      "ts_ns < CAST('1970-01-01 00:00:00.000000001' AS TIMESTAMP(9))"),
    "ts_ns_plus2 > timestamp '2023-11-14 00:00:00+02:00'", "ts_ms BETWEEN timestamp "
    "'2023-01-01 00:00:00' AND timestamp '2024-06-01 00:00:00.5'",
    "dec_9_2 > 0", "dec_38_10 < -1", "dec256 IS NULL",
    F("dec_9_2 = 0.01", ref=lambda t: pc.equal(t["dec_9_2"], _dec("0.01"))),
    "rec.a > 0", "rec.b = 's5'", "rec.inner.x < 10", "rec IS NULL", "rec.inner IS NULL",
    "rec.a IS NULL AND rec IS NOT NULL",
    "ints IS NULL", "embedding IS NULL", "triple IS NOT NULL", "bin IS NULL",
    "fixed_bin IS NOT NULL AND id < 20",
    "(i8 > 0 OR u8 < 10) AND NOT (utf8 LIKE 'row 1%')", "id IN (1, 2, 3, 250) OR f32 IS NULL",
    "CAST(i8 AS BIGINT) > 100", "CAST(u8 AS STRING) = '255'",
    F("_rowid < 50", ref=lambda t: pc.less(t["_rowid"], 50), extra=["_rowid"]),
    F("_rowaddr >= 4294967296", ref=lambda t: pc.greater_equal(t["_rowaddr"], 2**32),
      extra=["_rowaddr"]),
    "id > 1000",
]
TYPES_FILTERS = [f if isinstance(f, F) else F(f) for f in TYPES_FILTERS]


def _filter_params():
    out = []
    for tag in SV_TAGS:
        for i, f in enumerate(TYPES_FILTERS):
            out.append(pytest.param(f"types_{tag}", f, id=f"types_{tag}-{i}-{f.text[:40]}"))
    return out


def check_filter(db: str, table: str, f: F, version: Optional[int] = None,
                 columns: Optional[Sequence[str]] = None) -> None:
    """lanceflow's rows for `f` equal the engine's (or, where the engine refuses `f`, those
    kept by f.ref); `columns` projects both sides."""
    try:
        engine_read(db, table, version, where=f.sql, limit=1)
        refusal = None
    except Exception as e:  # noqa: BLE001 - the engine's refusal decides what is checked
        refusal = str(e).splitlines()[0][:200]
    if refusal is None:
        check_read(db, table, version=version, where=f.text, engine_where=f.sql,
                   columns=columns)
        return
    assert f.ref is not None, f"the engine refuses {f.sql!r} ({refusal}); give a reference"
    args = ["--filter", f.text] + (["--version", str(version)] if version else [])
    if columns:
        args += ["--columns", ",".join(columns)]
    r = lanceflow_read(db, table, *args)
    if r.returncode != 0:
        assert_one_line_error(r)
        return
    full = engine_read(db, table, version)
    names = full.schema.names
    if f.extra:
        full = engine_read(db, table, version, columns=names + list(f.extra))
    expected = full.filter(pc.fill_null(f.ref(full), False)).select(list(columns or names))
    assert_same_rows(r.rows(), expected, f"{table} --filter {f.text!r} (the engine refuses it: "
                                         f"{refusal}; pyarrow reference)")


@pytest.mark.parametrize("table,f", _filter_params())
def test_filter(db_dir, table, f):
    """Which rows a filter keeps: only `id` is returned, so a column lanceflow cannot decode
    fails only the filters that read it."""
    check_filter(db_dir, table, f, columns=["id"])


@pytest.mark.parametrize("table", [f"types_{t}" for t in SV_TAGS])
def test_filter_whole_rows(db_dir, table):
    for f in (TYPES_FILTERS[1], TYPES_FILTERS[9], TYPES_FILTERS[-1]):
        check_filter(db_dir, table, f)
    check_filter(db_dir, table, F("utf8 LIKE 'row %' AND id < 100"), columns=["utf8", "rec"])


HIST_FILTERS = [
    (None, F("label = 'updated'")), (4, F("label = 'updated' OR value IS NULL")),
    (None, F("amount IS NULL OR doubled > 9000")), (None, F("meta.a < 0 AND flag")),
    (None, F("meta.b LIKE 'm1%' AND meta.a IS NOT NULL")),
    (None, F("ts < timestamp '2023-11-14 22:13:25'")), (6, F("id >= 490 AND id < 5610")),
    (9, F("tags IS NULL")), (1, F("id < 3 OR id > 5997")),
    (None, F("_rowid < 100", ref=lambda t: pc.less(t["_rowid"], 100), extra=["_rowid"])),
    (None, F("_row_last_updated_at_version > 12",
             ref=lambda t: pc.greater(t["_row_last_updated_at_version"], 12),
             extra=["_row_last_updated_at_version"])),
    (7, F("_rowaddr < 100", ref=lambda t: pc.less(t["_rowaddr"], 100), extra=["_rowaddr"])),
    (None, F("label = 'late'")),
]


@pytest.mark.parametrize("table", [s.name for s in PLAN if s.kind == "hist"])
def test_filter_history(db_dir, table):
    for version, f in HIST_FILTERS:
        check_filter(db_dir, table, f, version)


INDEXED_FILTERS = [F("id < 100"), F("id BETWEEN 2990 AND 3010"), F("label = 'updated'"),
                   F("label = 'v-5ü'"), F("id >= 3400 OR label IS NULL"),
                   F("label IN ('v-7', 'v-8ü') AND id < 10")]


@pytest.mark.parametrize("table,version", [
    pytest.param(s.name, v, id=f"{s.name}-v{v}") for s in PLAN if s.kind == "indexed"
    for v in s.versions])
def test_filter_indexed(db_dir, table, version):
    """The engine answers these from its BTREE/BITMAP indices (plus a scan of unindexed rows)."""
    for f in INDEXED_FILTERS:
        check_filter(db_dir, table, f, version)


def test_cleaned_up_versions(db_dir):
    for spec in PLAN:
        if spec.kind != "cleaned":
            continue
        for v in spec.removed_versions:
            r = lanceflow_read(db_dir, spec.name, "--version", str(v))
            assert_one_line_error(r, spec.name)
            assert "version" in r.stderr.lower(), r.stderr
        check_read(db_dir, spec.name, version=spec.versions[-1])


# ---------------------------------------------------------------------------------------------
# Limits


@pytest.mark.parametrize("table", [f"types_{t}" for t in SV_TAGS] +
                         [f"hist_{t}_sr_v2" for t in SV_TAGS] + [f"hist_{t}_nosr_v1"
                                                                 for t in SV_TAGS])
def test_limit(db_dir, table):
    for limit in (0, 1, 7, 1000, 10**9):
        check_read(db_dir, table, limit=limit)
    check_read(db_dir, table, limit=5, where="id > 100")
    check_read(db_dir, table, limit=3, version=2, columns=["id", "_rowid"])


# ---------------------------------------------------------------------------------------------
# tables / schema / --format arrow


def _engine_table_names(db: str) -> List[str]:
    conn = lancedb.connect(db)
    names: List[str] = []
    token = None
    while True:
        page = conn.list_tables(page_token=token, limit=1000)
        names += page.tables
        token = page.page_token
        if not token:
            break
    return sorted(names)


def test_tables(db_dir):
    expected = _engine_table_names(db_dir)
    assert len(expected) == len(PLAN)
    for source in (db_dir, db_dir + "/", "file://" + os.path.abspath(db_dir),
                   os.path.relpath(db_dir)):
        r = run(["tables", "--source", source])
        assert r.returncode == 0, (source, r.stderr)
        assert r.text.splitlines() == expected, source


def test_relative_and_file_url_sources(db_dir):
    for source in ("file://" + os.path.abspath(db_dir), os.path.relpath(db_dir)):
        r = run(["read", "--source", source, "--table", "types_2_2", "--columns", "id"])
        assert r.returncode == 0, (source, r.stderr)
        assert sorted(x["id"] for x in r.rows()) == sorted(
            engine_read(db_dir, "types_2_2", columns=["id"])["id"].to_pylist())


def _schema_params():
    out = [pytest.param(s.name, None, id=s.name) for s in PLAN]
    out += [pytest.param(s.name, v, id=f"{s.name}-v{v}") for s in PLAN if s.kind == "hist"
            and s.stable_row_ids and s.v2_manifest_paths for v in (1, 6, 9, 10)]
    return out


@pytest.mark.parametrize("table,version", _schema_params())
def test_schema(db_dir, table, version):
    args = ["schema", "--source", db_dir, "--table", table]
    if version is not None:
        args += ["--version", str(version)]
    r = run(args)
    engine_schema = engine_open(db_dir, table, version).schema
    if PLAN_BY_NAME[table].kind == "offcontract" and r.returncode != 0:
        # Types outside the contract may be refused, naming the column.
        assert_one_line_error(r)
        assert any(f"'{f.name}'" in r.stderr for f in engine_schema), r.stderr
        return
    assert r.returncode == 0, r.stderr
    got = json.loads(r.text)
    if PLAN_BY_NAME[table].kind == "offcontract":
        # A map may be described by its Arrow layout, list<entries: struct<key, value>>.
        engine_schema = pa.schema([_map_field_as_entries(f) for f in engine_schema])
    expected = schema_to_json(engine_schema)
    assert [f["name"] for f in got["fields"]] == [f["name"] for f in expected["fields"]]
    for g, e in zip(got["fields"], expected["fields"]):
        assert g["type"] == e["type"], (g["name"], g["type"], e["type"])
        assert g["nullable"] == e["nullable"], g["name"]
        assert (g.get("metadata") or {}) == (e.get("metadata") or {}), g["name"]


@pytest.mark.parametrize("table", [f"types_{t}" for t in SV_TAGS] + ["hist_2_1_sr_v1",
                                                                      "encodings_2_2"])
def test_schema_spark(db_dir, table):
    r = run(["schema", "--source", db_dir, "--table", table, "--spark"])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.text) == spark_struct(engine_open(db_dir, table).schema,
                                              unmapped="string")


@pytest.mark.parametrize("table,version", [
    pytest.param(s.name, None, id=s.name) for s in PLAN if s.kind != "offcontract"] + [
    pytest.param("hist_2_0_sr_v1", 3, id="hist_2_0_sr_v1-v3"),
    pytest.param("hist_legacy_nosr_v2", 6, id="hist_legacy_nosr_v2-v6")])
def test_arrow_format(db_dir, tmp_path, table, version):
    out = tmp_path / "out.arrows"
    extra = ["--version", str(version)] if version else []
    r = lanceflow_read(db_dir, table, "--format", "arrow", "-o", str(out), *extra)
    assert r.returncode == 0, r.stderr
    with pa.ipc.open_stream(str(out)) as reader:
        got = reader.read_all()
    expected = engine_read(db_dir, table, version)
    assert got.schema.equals(expected.schema), f"\n{got.schema}\n!=\n{expected.schema}"
    assert_same_rows(encode_table(got), expected, f"{table} --format arrow")


def test_arrow_format_hidden_columns(db_dir, tmp_path):
    out = tmp_path / "out.arrows"
    cols = ["id", *HIDDEN]
    r = lanceflow_read(db_dir, "hist_2_2_sr_v2", "--format", "arrow", "-o", str(out),
                       "--columns", ",".join(cols))
    assert r.returncode == 0, r.stderr
    with pa.ipc.open_stream(str(out)) as reader:
        got = reader.read_all()
    expected = engine_read(db_dir, "hist_2_2_sr_v2", columns=cols)
    assert got.schema.equals(expected.schema), f"\n{got.schema}\n!=\n{expected.schema}"
    assert_same_rows(encode_table(got), expected, "hidden columns as arrow")


# ---------------------------------------------------------------------------------------------
# Errors


def test_unknown_table_version_column(db_dir):
    assert_one_line_error(lanceflow_read(db_dir, "no_such_table"), "no_such_table")
    assert_one_line_error(run(["schema", "--source", db_dir, "--table", "no_such_table"]),
                          "no_such_table")
    assert_one_line_error(lanceflow_read(db_dir, "types_2_2", "--version", "999"), "999")
    assert_one_line_error(lanceflow_read(db_dir, "hist_2_1_nosr_v1", "--version", "15"), "15")
    assert_one_line_error(lanceflow_read(db_dir, "types_2_2", "--version", "0"))
    assert_one_line_error(lanceflow_read(db_dir, "types_2_2", "--columns", "id,nope"), "nope")
    assert_one_line_error(lanceflow_read(db_dir, "types_2_2", "--filter", "nope > 1"), "nope")
    # The engine matches names case-insensitively; lanceflow's filters are case-sensitive.
    assert_one_line_error(lanceflow_read(db_dir, "types_2_2", "--filter", "ID < 3"), "ID")
    missing = os.path.join(db_dir, "no_such_dir")
    assert_one_line_error(run(["tables", "--source", missing]), "no_such_dir")
    assert_one_line_error(lanceflow_read(missing, "types_2_2"))


@pytest.mark.parametrize("bad", ["i8 = 300", "u8 = -1", "id = 1.5"])
def test_literal_out_of_range_is_an_error(db_dir, bad):
    with pytest.raises(Exception):
        engine_read(db_dir, "types_2_2", where=bad)
    assert_one_line_error(lanceflow_read(db_dir, "types_2_2", "--filter", bad))


def _copy_table(db_dir: str, table: str, dest_root) -> str:
    dest = os.path.join(str(dest_root), "db")
    os.makedirs(dest, exist_ok=True)
    shutil.copytree(os.path.join(db_dir, table + ".lance"), os.path.join(dest, table + ".lance"))
    return dest


def _latest_manifest(table_dir: str, v2: bool, version: int) -> str:
    name = f"{2**64 - 1 - version:020d}.manifest" if v2 else f"{version}.manifest"
    path = os.path.join(table_dir, "_versions", name)
    assert os.path.exists(path), path
    return path


def _damage(path: str, how: str) -> None:
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if how == "truncate":
        data = data[: len(data) // 2]
    elif how == "empty":
        data = bytearray()
    elif how == "garbage":
        data = bytearray((i * 151 + 7) % 256 for i in range(len(data)))
    elif how == "magic":
        data[-4:] = b"XXXX"
    elif how == "tail":
        # Overwrite the footer region (offsets, counts) but keep the magic.
        for i in range(max(0, len(data) - 40), len(data) - 4):
            data[i] = 0xFF
    else:
        raise ValueError(how)
    with open(path, "wb") as f:
        f.write(bytes(data))


CORRUPTIONS = [
    ("manifest", "truncate"), ("manifest", "empty"), ("manifest", "garbage"),
    ("manifest", "magic"), ("manifest", "tail"),
    ("data", "truncate"), ("data", "empty"), ("data", "garbage"), ("data", "magic"),
    ("data", "tail"), ("data", "missing"),
    ("deletion", "truncate"), ("deletion", "garbage"), ("deletion", "empty"),
    ("deletion", "missing"),
]


@pytest.mark.parametrize("table", ["hist_2_2_nosr_v1", "hist_2_0_sr_v2", "hist_legacy_nosr_v2",
                                   "types_2_1"])
@pytest.mark.parametrize("part,how", CORRUPTIONS, ids=[f"{p}-{h}" for p, h in CORRUPTIONS])
def test_corrupt_copies(db_dir, tmp_path, table, part, how):
    spec = PLAN_BY_NAME[table]
    dest = _copy_table(db_dir, table, tmp_path)
    table_dir = os.path.join(dest, table + ".lance")
    latest = spec.versions[-1]
    if part == "manifest":
        target = _latest_manifest(table_dir, spec.v2_manifest_paths, latest)
    elif part == "data":
        # A file of the latest version's rows: the newest data file holds rows of it.
        files = sorted((os.path.join(table_dir, "data", f) for f in
                        os.listdir(os.path.join(table_dir, "data"))), key=os.path.getmtime)
        target = files[-1]
    else:
        files = sorted((os.path.join(table_dir, "_deletions", f) for f in
                        os.listdir(os.path.join(table_dir, "_deletions"))),
                       key=os.path.getmtime)
        target = files[-1]
    if how == "missing":
        os.remove(target)
    else:
        _damage(target, how)
    for fmt in ("jsonl", "arrow"):
        out = tmp_path / f"out.{fmt}"
        r = run(["read", "--source", dest, "--table", table, "--format", fmt, "-o", str(out)])
        assert r.returncode >= 0, f"killed by signal {-r.returncode}: {r.stderr[-2000:]}"
        assert "Traceback" not in r.stderr and "Sanitizer" not in r.stderr, r.stderr[-2000:]
        if how == "magic" and r.returncode == 0:
            # The engine itself ignores these magic bytes (it reads such copies); a reader that
            # does the same must return the undamaged table's rows.
            if fmt == "jsonl":
                assert_same_rows([json.loads(x) for x in out.read_text().splitlines() if x],
                                 engine_read(db_dir, table), f"{table} with {part} {how}")
            continue
        assert_one_line_error(r)
    if part == "manifest":
        # Older versions do not depend on the damaged manifest (the engine, which opens the
        # latest manifest first, cannot read them: the reference is the undamaged copy).
        check_read(dest, table, version=1, engine_db=db_dir)


# ---------------------------------------------------------------------------------------------
# The comparison itself (no lanceflow involved): it must catch what it claims to.


def test_comparator_detects_differences():
    table = pa.table({
        "id": pa.array([0, 1, 2], pa.int64()),
        "flag": pa.array([True, None, False]),
        "f": pa.array([0.1, -0.0, float("nan")], pa.float32()),
        "vec": pa.array([[0.1] * 12, None, [float(i) for i in range(12)]],
                        pa.list_(pa.float32(), 12)),
        "s": pa.array([{"a": 1, "b": "x"}, None, {"a": None, "b": ""}],
                      pa.struct([("a", pa.int32()), ("b", pa.string())])),
    })
    good = encode_table(table)
    assert_same_rows([dict(r) for r in reversed(good)], table, "reordered rows")
    assert_same_rows([dict(r) for r in good[1:]], table, "subset", subset=True)
    no_id = table.drop_columns(["id"])
    assert_same_rows([{k: v for k, v in r.items() if k != "id"} for r in reversed(good)],
                     no_id, "no key")

    def mutated(i, col, value):
        rows = [dict(r) for r in good]
        rows[i][col] = value
        return rows

    bad_cases = [
        mutated(0, "flag", 1),                       # an integer for a boolean
        mutated(1, "f", 0.0),                        # -0.0 lost its sign
        mutated(2, "f", None),                       # NaN lost
        mutated(0, "f", 0.1000001),                  # another float32 value
        mutated(2, "vec", [float(i) for i in range(11)] + [12.0]),
        mutated(1, "vec", []),
        mutated(0, "s", {"b": "x", "a": 1}),         # struct fields out of order
        mutated(2, "s", None),
        [dict(r) for r in good[:2]],                 # a row missing
        [dict(r) for r in good] + [dict(good[0])],   # a row twice
        [{k: r[k] for k in reversed(list(r))} for r in good],  # keys out of order
    ]
    for i, rows in enumerate(bad_cases):
        with pytest.raises(AssertionError):
            assert_same_rows(rows, table, f"case {i}")
    for i, rows in enumerate(bad_cases[:8]):
        stripped = [{k: v for k, v in r.items() if k != "id"} for r in rows]
        with pytest.raises(AssertionError):
            assert_same_rows(stripped, no_id, f"case {i} without key")
