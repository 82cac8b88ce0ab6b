"""An independent model of `lanceflow read --format jsonl` (design/interfaces.md), built on pyarrow.

Converts Arrow data written or read by the official engine into the JSON values lanceflow must
print, and compares parsed lanceflow output with them type by type (float32 values compare at
float32 precision). Shared by the end-to-end suites.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import math
from typing import Any, List

import numpy as np
import pyarrow as pa

_EPOCH = dt.datetime(1970, 1, 1)
_UNIT_DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}


def _float(v: float) -> Any:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return float(v)


def _format_instant(value: int, unit: str, zone: bool) -> str:
    digits = _UNIT_DIGITS[unit]
    per_second = 10 ** digits
    seconds, frac = divmod(value, per_second)
    days, rem = divmod(seconds, 86400)
    date = dt.date(1970, 1, 1) + dt.timedelta(days=days)
    hh, rem = divmod(rem, 3600)
    mm, ss = divmod(rem, 60)
    text = f"{date.year:04d}-{date.month:02d}-{date.day:02d}T{hh:02d}:{mm:02d}:{ss:02d}"
    if digits:
        text += "." + str(frac).zfill(digits)
    return text + ("Z" if zone else "")


def _format_time(value: int, unit: str) -> str:
    digits = _UNIT_DIGITS[unit]
    seconds, frac = divmod(value, 10 ** digits)
    hh, rem = divmod(seconds, 3600)
    mm, ss = divmod(rem, 60)
    text = f"{hh:02d}:{mm:02d}:{ss:02d}"
    if digits:
        text += "." + str(frac).zfill(digits)
    return text


def encode_array(arr: pa.Array) -> List[Any]:
    """The JSON values of every slot of `arr`."""
    t = arr.type
    valid = [v.is_valid for v in arr] if arr.null_count else [True] * len(arr)
    if pa.types.is_dictionary(t):
        return encode_array(arr.dictionary_decode())
    if pa.types.is_struct(t):
        children = [encode_array(arr.field(i)) for i in range(t.num_fields)]
        out = []
        for row in range(len(arr)):
            if not valid[row]:
                out.append(None)
            else:
                out.append({t.field(i).name: children[i][row] for i in range(t.num_fields)})
        return out
    if (pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)):
        out = []
        for row in range(len(arr)):
            out.append(encode_array(arr[row].values) if valid[row] else None)
        return out
    if pa.types.is_timestamp(t):
        ints = arr.cast(pa.int64()).to_pylist()
        return [None if v is None else _format_instant(v, t.unit, t.tz is not None) for v in ints]
    if pa.types.is_date32(t):
        ints = arr.cast(pa.int32()).to_pylist()
        return [None if v is None else (dt.date(1970, 1, 1) + dt.timedelta(days=v)).isoformat()
                for v in ints]
    if pa.types.is_date64(t):
        ints = arr.cast(pa.int64()).to_pylist()
        return [None if v is None else
                (dt.date(1970, 1, 1) + dt.timedelta(days=v // 86_400_000)).isoformat()
                for v in ints]
    if pa.types.is_time(t):
        ints = arr.cast(pa.int64() if t.bit_width == 64 else pa.int32()).to_pylist()
        return [None if v is None else _format_time(v, t.unit) for v in ints]
    if pa.types.is_duration(t):
        return arr.cast(pa.int64()).to_pylist()
    if pa.types.is_decimal(t):
        return [None if v is None else format(v, "f") for v in arr.to_pylist()]
    if pa.types.is_floating(t):
        vals = arr.cast(pa.float64()).to_pylist()
        return [None if v is None else _float(v) for v in vals]
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return [None if v is None else base64.b64encode(v).decode() for v in arr.to_pylist()]
    return arr.to_pylist()


def encode_table(table: pa.Table) -> List[dict]:
    cols = {name: encode_array(table.column(name).combine_chunks()) for name in table.column_names}
    return [{name: cols[name][i] for name in table.column_names} for i in range(table.num_rows)]


def values_equal(ours: Any, expected: Any, t: pa.DataType) -> bool:
    if expected is None or ours is None:
        return ours is None and expected is None
    if pa.types.is_dictionary(t):
        return values_equal(ours, expected, t.value_type)
    if pa.types.is_struct(t):
        if not isinstance(ours, dict) or list(ours) != list(expected):
            return False
        return all(values_equal(ours[t.field(i).name], expected[t.field(i).name], t.field(i).type)
                   for i in range(t.num_fields))
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        if not isinstance(ours, list) or len(ours) != len(expected):
            return False
        return all(values_equal(a, b, t.value_type) for a, b in zip(ours, expected))
    if pa.types.is_floating(t):
        if isinstance(expected, str):
            return ours == expected
        if isinstance(ours, str) or isinstance(ours, bool):
            return False
        if t == pa.float32():
            return np.float32(ours) == np.float32(expected)
        if t == pa.float16():
            return np.float16(ours) == np.float16(expected)
        if float(ours) != expected:
            return False
        # "-0" parses as the integer 0 in Python; the sign is checked when a float was printed.
        return not isinstance(ours, float) or math.copysign(1, ours) == math.copysign(1, expected)
    if isinstance(expected, bool) or isinstance(ours, bool):
        return type(ours) is type(expected) and ours == expected
    return ours == expected and type(ours) is type(expected)


def assert_rows_equal(ours: List[dict], expected: List[dict], schema: pa.Schema) -> None:
    assert len(ours) == len(expected), f"{len(ours)} rows, expected {len(expected)}"
    names = [f.name for f in schema]
    for i, (a, b) in enumerate(zip(ours, expected)):
        assert list(a) == names, f"row {i}: keys {list(a)}, expected {names}"
        for f in schema:
            assert values_equal(a[f.name], b[f.name], f.type), (
                f"row {i} column {f.name!r} ({f.type}): {a[f.name]!r} != {b[f.name]!r}")
