#!/usr/bin/env python3
"""Cross-check of the Arrow C Data Interface and the JSONL encoder against pyarrow (manual run).

  python3 tests/c_data_json_crosscheck.py

Compiles a tiny shared library over src/arrow and src/core (g++, a minute on two cores), then:
  1. exports a pyarrow batch with every supported type (random values, nulls, nested, sliced)
     through the C Data Interface into lanceflow, validates it fully and encodes it as JSONL;
     every value is compared with what Python/numpy compute independently per
     design/interfaces.md (numpy.datetime64 for dates and timestamps, decimal.Decimal, float
     widths via numpy);
  2. round-trips the batch pyarrow -> lanceflow import -> lanceflow export -> pyarrow and checks
     equality after pyarrow's full validation;
  3. checks that every finite float16 prints with no more significant digits than numpy's
     shortest repr and reads back to the same value.
Exits non-zero on the first mismatch.
"""
import base64
import ctypes
import decimal
import json
import math
import os
import random
import subprocess
import tempfile

import numpy as np
import pyarrow as pa
from pyarrow.cffi import ffi

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARROW_SOURCES = ("type", "array", "bitmap", "utf8", "float16", "decimal", "builder", "compare",
                 "c_data", "json_writer")
SOURCES = [os.path.join(REPO, "src", "arrow", f + ".cc") for f in ARROW_SOURCES] + [
    os.path.join(REPO, "src", "core", f + ".cc") for f in ("buffer", "status", "log")
]
SHIM = r"""
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "lanceflow/arrow/c_data.h"
#include "lanceflow/arrow/json_writer.h"

using namespace lanceflow;
using namespace lanceflow::arrow;

namespace {
// Imports and fully validates a batch handed over by pyarrow.
Result<RecordBatchPtr> Import(ArrowArray* a, ArrowSchema* s) {
  LF_ASSIGN_OR_RETURN(RecordBatchPtr batch, ImportRecordBatch(a, s));
  LF_RETURN_NOT_OK(batch->Validate(true));
  return batch;
}
}  // namespace

extern "C" {
// JSONL of the batch, or "ERROR: ..."; the caller frees the malloc'ed text.
char* lf_json(ArrowArray* a, ArrowSchema* s) {
  std::string out;
  auto batch = Import(a, s);
  Status st = batch.ok() ? AppendJsonLines(**batch, &out) : batch.status();
  if (!st.ok()) out = "ERROR: " + st.ToString();
  char* p = static_cast<char*>(std::malloc(out.size() + 1));
  std::memcpy(p, out.c_str(), out.size() + 1);
  return p;
}

// Imports the batch and exports it again; 0 on success.
int lf_roundtrip(ArrowArray* a, ArrowSchema* s, ArrowArray* out_array, ArrowSchema* out_schema) {
  auto batch = Import(a, s);
  Status st = batch.ok() ? ExportRecordBatch(**batch, out_array, out_schema) : batch.status();
  if (!st.ok()) std::fprintf(stderr, "%s\n", st.ToString().c_str());
  return st.ok() ? 0 : 1;
}
}
"""


def build_shim(tmp):
    shim = os.path.join(tmp, "shim.cc")
    with open(shim, "w") as f:
        f.write(SHIM)
    out = os.path.join(tmp, "liblfshim.so")
    subprocess.run(["g++", "-std=c++20", "-O1", "-fPIC", "-shared", "-I",
                    os.path.join(REPO, "include"), shim, *SOURCES, "-o", out, "-lpthread"],
                   check=True)
    return out


_TMP = tempfile.TemporaryDirectory()
_LIB_PATH = build_shim(_TMP.name)

lib = ctypes.CDLL(_LIB_PATH)
lib.lf_json.restype = ctypes.c_void_p
lib.lf_json.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
lib.lf_roundtrip.argtypes = [ctypes.c_void_p] * 4
libc = ctypes.CDLL(None)

UNITS = {"s": 1, "ms": 1000, "us": 10**6, "ns": 10**9}
R = random.Random(5)
N = 300


def to_c(batch):
    """Exports `batch` from pyarrow; returns the C structs (kept alive) and their addresses."""
    array, schema = ffi.new("struct ArrowArray*"), ffi.new("struct ArrowSchema*")
    a, s = int(ffi.cast("uintptr_t", array)), int(ffi.cast("uintptr_t", schema))
    batch._export_to_c(a, s)
    return (array, schema), a, s


def lanceflow_jsonl(batch):
    keep, a, s = to_c(batch)
    p = lib.lf_json(a, s)
    out = ctypes.string_at(p).decode("utf-8")
    libc.free(ctypes.c_void_p(p))
    assert not out.startswith("ERROR"), out
    return out


def lanceflow_roundtrip(batch):
    keep, a, s = to_c(batch)
    out_array, out_schema = ffi.new("struct ArrowArray*"), ffi.new("struct ArrowSchema*")
    oa, os_ = int(ffi.cast("uintptr_t", out_array)), int(ffi.cast("uintptr_t", out_schema))
    assert lib.lf_roundtrip(a, s, oa, os_) == 0
    return pa.RecordBatch._import_from_c(oa, os_)


def maybe(v):
    return None if R.random() < 0.15 else v


def column(make, type_):
    return pa.array([maybe(make()) for _ in range(N)], type_)


def rand_str():
    alphabet = ["a", "é", "中", "😀", '"', "\\", "\n", "\x01", "\x7f", "z", " "]
    return "".join(R.choice(alphabet) for _ in range(R.randrange(6)))


def rand_bytes(n):
    return bytes(R.randrange(256) for _ in range(n))


def make_batch():
    specials64 = [float("nan"), float("inf"), -float("inf"), -0.0, 0.1, 100.0]
    cols = {
        "i8": column(lambda: R.randrange(-128, 128), pa.int8()),
        "u64": column(lambda: R.choice([0, 2**64 - 1, R.randrange(2**64)]), pa.uint64()),
        "i64": column(lambda: R.choice([-(2**63), 2**63 - 1, R.randrange(-(2**63), 2**63)]),
                      pa.int64()),
        "f64": column(lambda: R.choice([R.uniform(-1e10, 1e10), R.random() * 1e-300,
                                        *specials64]), pa.float64()),
        "f32": column(lambda: R.uniform(-1e30, 1e30) if R.random() < 0.5 else R.random(),
                      pa.float32()),
        "f16": column(lambda: np.float16(R.uniform(-6e4, 6e4) if R.random() < 0.5 else R.random()),
                      pa.float16()),
        "s": column(rand_str, pa.string()),
        "ls": column(rand_str, pa.large_string()),
        "bin": column(lambda: rand_bytes(R.randrange(7)), pa.binary()),
        "fsb": column(lambda: rand_bytes(3), pa.binary(3)),
        "d32": column(lambda: R.randrange(-719162, 2932896), pa.int32()).cast(pa.date32()),
        "d64": column(lambda: R.randrange(-719162, 2932896) * 86400000,
                      pa.int64()).cast(pa.date64()),
        "b": column(lambda: R.random() < 0.5, pa.bool_()),
        "dec": column(lambda: decimal.Decimal(R.randrange(-10**20, 10**20)).scaleb(-4),
                      pa.decimal128(25, 4)),
        "dec256": column(lambda: decimal.Decimal(R.randrange(-10**60, 10**60)).scaleb(-7),
                         pa.decimal256(70, 7)),
        "dec0": column(lambda: decimal.Decimal(R.randrange(-10**5, 10**5)), pa.decimal128(5, 0)),
        "lst": column(lambda: [maybe(R.randrange(100)) for _ in range(R.randrange(4))],
                      pa.list_(pa.int32())),
        "llst": column(lambda: [rand_str() for _ in range(R.randrange(3))],
                       pa.large_list(pa.string())),
        "fsl": column(lambda: [R.random() for _ in range(3)], pa.list_(pa.float32(), 3)),
        "st": column(lambda: {"x": maybe(R.randrange(10)), "y": maybe(rand_str())},
                     pa.struct([("x", pa.int16()), ("y", pa.string())])),
        "dict": column(lambda: R.choice(["red", "green", "blue"]), pa.string()).dictionary_encode(),
        "dur": column(lambda: R.randrange(-10**12, 10**12), pa.duration("us")),
        "nul": pa.nulls(N),
        "t32": column(lambda: R.randrange(0, 86400000), pa.int32()).cast(pa.time32("ms")),
        "t64": column(lambda: R.randrange(0, 86400 * 10**9), pa.int64()).cast(pa.time64("ns")),
    }
    for unit in UNITS:
        limit = {"s": 2**40, "ms": 2**50, "us": 2**62, "ns": 2**63 - 1}[unit]
        for tz in [None, "UTC", "Asia/Tokyo"]:
            values = column(lambda: R.choice([R.randrange(-limit, limit), -1, 0]), pa.int64())
            cols[f"ts_{unit}_{tz}"] = values.cast(pa.timestamp(unit, tz))
    return pa.RecordBatch.from_pydict(cols)


def expected_time(v, unit):
    per = UNITS[unit]
    secs, frac = divmod(v, per)
    text = f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
    if per > 1:
        text += "." + str(frac).zfill(len(str(per)) - 1)
    return text


def expected_instant(v, unit, zone):
    text = str(np.datetime64(v, unit))  # numpy: proleptic Gregorian, any year
    negative = text.startswith("-")
    year, rest = text.lstrip("-").split("-", 1)
    if negative or len(year) > 4:  # ISO 8601 expanded years, as design/interfaces.md asks
        text = ("-" if negative else "+") + year.zfill(4) + "-" + rest
    return text + ("Z" if zone else "")


def check_value(t, raw, got, path):
    if raw is None:
        assert got is None, (path, got)
    elif pa.types.is_dictionary(t):
        check_value(t.value_type, raw, got, path)
    elif pa.types.is_floating(t):
        if isinstance(got, str):
            want = "NaN" if math.isnan(raw) else ("Infinity" if raw > 0 else "-Infinity")
            assert got == want, (path, raw, got)
        else:
            width = {16: np.float16, 32: np.float32, 64: np.float64}[t.bit_width]
            assert isinstance(got, float), (path, got)
            assert width(got) == width(raw), (path, raw, got)
            assert math.copysign(1, got) == math.copysign(1, float(raw)), (path, raw, got)
    elif pa.types.is_integer(t) or pa.types.is_boolean(t):
        assert type(got) is type(raw) and got == raw, (path, raw, got)
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        assert got == raw, (path, raw, got)
    elif pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        assert got == base64.b64encode(raw).decode(), path
    elif pa.types.is_decimal(t):
        assert isinstance(got, str) and decimal.Decimal(got) == raw, (path, raw, got)
        fraction = got.split(".")[1] if "." in got else ""
        assert len(fraction) == max(t.scale, 0), (path, got)
    elif pa.types.is_struct(t):
        assert list(got.keys()) == [f.name for f in t], path
        for f in t:
            check_value(f.type, raw[f.name], got[f.name], f"{path}.{f.name}")
    elif pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        assert len(got) == len(raw), path
        for i, (r, g) in enumerate(zip(raw, got)):
            check_value(t.value_type, r, g, f"{path}[{i}]")
    elif pa.types.is_null(t):
        assert got is None
    else:
        raise AssertionError(f"unhandled type {t}")


def check_column(field, arr, got):
    t = field.type
    if pa.types.is_duration(t):
        assert got == arr.cast(pa.int64()).to_pylist(), field.name
        return
    if not pa.types.is_temporal(t):
        for i, (r, g) in enumerate(zip(arr.to_pylist(), got)):
            check_value(t, r, g, f"{field.name}[{i}]")
        return
    ints = arr.cast(pa.int64() if t.bit_width == 64 else pa.int32()).to_pylist()
    for v, g in zip(ints, got):
        if v is None:
            want = None
        elif pa.types.is_date32(t):
            want = str(np.datetime64(v, "D"))
        elif pa.types.is_date64(t):
            want = str(np.datetime64(v // 86400000, "D"))
        elif pa.types.is_timestamp(t):
            want = expected_instant(v, t.unit, t.tz is not None)
        else:
            want = expected_time(v, t.unit)
        assert g == want, (field.name, v, g, want)


def check_roundtrip(batch):
    back = lanceflow_roundtrip(batch)
    back.validate(full=True)
    assert back.schema.equals(batch.schema), (back.schema, batch.schema)
    for i, field in enumerate(batch.schema):
        x, y = back.column(i), batch.column(i)
        if pa.types.is_floating(field.type):  # NaN != NaN for Array.equals: compare bits
            assert x.is_null().equals(y.is_null()), field.name
            xa, ya = x.to_numpy(zero_copy_only=False), y.to_numpy(zero_copy_only=False)
            assert np.array_equal(xa.view(np.uint8), ya.view(np.uint8)), field.name
        else:
            assert x.equals(y), field.name


def check_float16_digits():
    halves = np.arange(0, 0x7C00, dtype=np.uint16).view(np.float16)
    batch = pa.RecordBatch.from_pydict({"h": pa.array(halves, pa.float16())})

    def significant(text):
        mantissa = text.split("e")[0].lstrip("-").replace(".", "")
        return len(mantissa.strip("0")) or 1

    for h, line in zip(halves, lanceflow_jsonl(batch).splitlines()):
        text = line[len('{"h":'):-1]
        assert np.float16(float(text)) == h, (h, text)
        shortest = np.format_float_positional(h, unique=True)
        assert significant(text) <= significant(shortest), (text, shortest)
    return len(halves)


def main():
    batch = make_batch()
    for b in [batch, batch.slice(17, 200)]:
        rows = [json.loads(line) for line in lanceflow_jsonl(b).splitlines()]
        assert len(rows) == b.num_rows
        assert all(list(r.keys()) == b.schema.names for r in rows)
        for i, field in enumerate(b.schema):
            check_column(field, b.column(i), [r[field.name] for r in rows])
        check_roundtrip(b)
    print(f"JSONL and C Data round trip OK: {batch.num_columns} columns x {N} rows")
    print(f"float16: {check_float16_digits()} values read back, none longer than numpy's repr")


if __name__ == "__main__":
    main()
