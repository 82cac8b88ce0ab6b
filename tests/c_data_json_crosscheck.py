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
SOURCES = [os.path.join(REPO, "src", "arrow", f + ".cc") for f in
           ("type", "array", "bitmap", "utf8", "float16", "decimal", "builder", "compare",
            "c_data", "json_writer")] + \
          [os.path.join(REPO, "src", "core", f + ".cc") for f in ("buffer", "status", "log")]
SHIM = r"""
#include <cstdlib>
#include <cstring>
#include "lanceflow/arrow/c_data.h"
#include "lanceflow/arrow/json_writer.h"
using namespace lanceflow::arrow;
extern "C" {
// Returns malloc'ed JSONL (or "ERROR: ...").
char* lf_json(ArrowArray* a, ArrowSchema* s) {
  std::string out;
  auto b = ImportRecordBatch(a, s);
  if (!b.ok()) out = "ERROR: " + b.status().ToString();
  else {
    auto st = (*b)->Validate(true);
    if (!st.ok()) out = "ERROR: " + st.ToString();
    else { st = AppendJsonLines(**b, &out); if (!st.ok()) out = "ERROR: " + st.ToString(); }
  }
  char* p = (char*)malloc(out.size() + 1); memcpy(p, out.data(), out.size()); p[out.size()] = 0; return p;
}
int lf_roundtrip(ArrowArray* a, ArrowSchema* s, ArrowArray* oa, ArrowSchema* os) {
  auto b = ImportRecordBatch(a, s);
  if (!b.ok()) { fprintf(stderr, "%s\n", b.status().ToString().c_str()); return 1; }
  auto st = (*b)->Validate(true);
  if (!st.ok()) { fprintf(stderr, "%s\n", st.ToString().c_str()); return 2; }
  st = ExportRecordBatch(**b, oa, os);
  if (!st.ok()) { fprintf(stderr, "%s\n", st.ToString().c_str()); return 3; }
  return 0;
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
lib.lf_roundtrip.argtypes = [ctypes.c_void_p]*4
libc = ctypes.CDLL(None)

def to_c(batch):
    arr = ffi.new("struct ArrowArray*"); sch = ffi.new("struct ArrowSchema*")
    pa_ptr = int(ffi.cast("uintptr_t", arr)); ps = int(ffi.cast("uintptr_t", sch))
    batch._export_to_c(pa_ptr, ps)
    return arr, sch, pa_ptr, ps

def our_json(batch):
    arr, sch, a, s = to_c(batch)
    p = lib.lf_json(a, s)
    out = ctypes.string_at(p).decode('utf-8'); libc.free(ctypes.c_void_p(p))
    return out

def roundtrip(batch):
    arr, sch, a, s = to_c(batch)
    oa = ffi.new("struct ArrowArray*"); os_ = ffi.new("struct ArrowSchema*")
    pa2, ps2 = int(ffi.cast("uintptr_t", oa)), int(ffi.cast("uintptr_t", os_))
    rc = lib.lf_roundtrip(a, s, pa2, ps2)
    assert rc == 0, rc
    return pa.RecordBatch._import_from_c(pa2, ps2)

R = random.Random(5)
N = 300
def maybe(v): return None if R.random() < 0.15 else v
UNITS = {'s':1,'ms':1000,'us':10**6,'ns':10**9}

def rand_str():
    return ''.join(R.choice(['a','é','中','😀','"','\\','\n','\x01','\x7f','z',' ']) for _ in range(R.randrange(6)))

cols = {
 'i8': pa.array([maybe(R.randrange(-128,128)) for _ in range(N)], pa.int8()),
 'u64': pa.array([maybe(R.choice([0, 2**64-1, R.randrange(2**64)])) for _ in range(N)], pa.uint64()),
 'i64': pa.array([maybe(R.choice([-2**63, 2**63-1, R.randrange(-2**63, 2**63)])) for _ in range(N)], pa.int64()),
 'f64': pa.array([maybe(R.choice([R.uniform(-1e10,1e10), R.random()*1e-300, float('nan'), float('inf'), -float('inf'), -0.0, 0.1])) for _ in range(N)], pa.float64()),
 'f32': pa.array([maybe(R.uniform(-1e30,1e30) if R.random()<0.5 else R.random()) for _ in range(N)], pa.float32()),
 'f16': pa.array([maybe(np.float16(R.uniform(-60000,60000) if R.random()<0.5 else R.random())) for _ in range(N)], pa.float16()),
 's': pa.array([maybe(rand_str()) for _ in range(N)], pa.string()),
 'ls': pa.array([maybe(rand_str()) for _ in range(N)], pa.large_string()),
 'bin': pa.array([maybe(bytes(R.randrange(256) for _ in range(R.randrange(7)))) for _ in range(N)], pa.binary()),
 'fsb': pa.array([maybe(bytes(R.randrange(256) for _ in range(3))) for _ in range(N)], pa.binary(3)),
 'd32': pa.array([maybe(R.randrange(-719162, 2932896)) for _ in range(N)], pa.int32()).cast(pa.date32()),
 'd64': pa.array([maybe(R.randrange(-719162, 2932896)*86400000) for _ in range(N)], pa.int64()).cast(pa.date64()),
 'b': pa.array([maybe(R.random()<0.5) for _ in range(N)], pa.bool_()),
 'dec': pa.array([maybe(decimal.Decimal(R.randrange(-10**20, 10**20)).scaleb(-R.choice([4]))) for _ in range(N)], pa.decimal128(25, 4)),
 'dec256': pa.array([maybe(decimal.Decimal(R.randrange(-10**60, 10**60)).scaleb(-7)) for _ in range(N)], pa.decimal256(70, 7)),
 'dec0': pa.array([maybe(decimal.Decimal(R.randrange(-10**5, 10**5))) for _ in range(N)], pa.decimal128(5, 0)),
 'lst': pa.array([maybe([maybe(R.randrange(100)) for _ in range(R.randrange(4))]) for _ in range(N)], pa.list_(pa.int32())),
 'llst': pa.array([maybe([rand_str() for _ in range(R.randrange(3))]) for _ in range(N)], pa.large_list(pa.string())),
 'fsl': pa.array([maybe([R.random() for _ in range(3)]) for _ in range(N)], pa.list_(pa.float32(), 3)),
 'st': pa.array([maybe({'x': maybe(R.randrange(10)), 'y': maybe(rand_str())}) for _ in range(N)], pa.struct([('x', pa.int16()), ('y', pa.string())])),
 'dict': pa.array([maybe(R.choice(['red','green','blue'])) for _ in range(N)]).dictionary_encode(),
 'dur': pa.array([maybe(R.randrange(-10**12, 10**12)) for _ in range(N)], pa.duration('us')),
 'nul': pa.nulls(N),
 't32': pa.array([maybe(R.randrange(0, 86400000)) for _ in range(N)], pa.int32()).cast(pa.time32('ms')),
 't64': pa.array([maybe(R.randrange(0, 86400*10**9)) for _ in range(N)], pa.int64()).cast(pa.time64('ns')),
}
for unit in UNITS:
    for tz in [None, 'UTC', 'Asia/Tokyo']:
        lim = {'s': 2**40, 'ms': 2**50, 'us': 2**62, 'ns': 2**63-1}[unit]
        cols[f'ts_{unit}_{tz}'] = pa.array([maybe(R.choice([R.randrange(-lim, lim), -1, 0])) for _ in range(N)], pa.int64()).cast(pa.timestamp(unit, tz))
batch = pa.RecordBatch.from_pydict(cols)

def fmt_time(v, unit):
    per = UNITS[unit]; secs, frac = divmod(v, per)
    s = f"{secs//3600:02d}:{secs//60%60:02d}:{secs%60:02d}"
    if per > 1: s += "." + str(frac).zfill(len(str(per))-1)
    return s

def check(col, typ, raw, got, path):
    if raw is None:
        assert got is None, (path, got); return
    t = typ
    if pa.types.is_dictionary(t):
        return check(None, t.value_type, raw, got, path)
    if pa.types.is_floating(t):
        if isinstance(got, str):
            exp = 'NaN' if math.isnan(raw) else ('Infinity' if raw > 0 else '-Infinity')
            assert got == exp, (path, raw, got); return
        npt = {16: np.float16, 32: np.float32, 64: np.float64}[t.bit_width]
        assert npt(got) == npt(raw) and math.copysign(1, got) == math.copysign(1, float(raw)), (path, raw, got)
        # shortest: no more digits than numpy's shortest repr
        return
    if pa.types.is_integer(t) or pa.types.is_duration(t):
        exp = raw if pa.types.is_integer(t) else None
        assert isinstance(got, int), (path, got)
        if exp is not None: assert got == exp, (path, raw, got)
        return
    if pa.types.is_boolean(t): assert got == raw, (path,); return
    if pa.types.is_string(t) or pa.types.is_large_string(t): assert got == raw, (path, raw, got); return
    if pa.types.is_binary(t) or pa.types.is_fixed_size_binary(t) or pa.types.is_large_binary(t):
        assert got == base64.b64encode(raw).decode(), (path,); return
    if pa.types.is_decimal(t):
        assert isinstance(got, str) and decimal.Decimal(got) == raw, (path, raw, got)
        assert ('.' in got) == (t.scale > 0) and (len(got.split('.')[1]) == t.scale if t.scale > 0 else True), (path, got)
        return
    if pa.types.is_struct(t):
        assert list(got.keys()) == [f.name for f in t], path
        for f in t: check(None, f.type, raw[f.name], got[f.name], path + '.' + f.name)
        return
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        assert len(got) == len(raw), path
        for i, (r, g) in enumerate(zip(raw, got)): check(None, t.value_type, r, g, f"{path}[{i}]")
        return
    if pa.types.is_null(t): assert got is None; return
    raise AssertionError(f"unhandled {t}")

def check_temporal(name, arr, got_vals):
    t = arr.type
    ints = arr.cast(pa.int64() if t.bit_width == 64 else pa.int32()).to_pylist()
    for v, g in zip(ints, got_vals):
        if v is None: assert g is None; continue
        if pa.types.is_date32(t): exp = str(np.datetime64(v, 'D'))
        elif pa.types.is_date64(t): exp = str(np.datetime64(v // 86400000, 'D'))
        elif pa.types.is_timestamp(t):
            exp = str(np.datetime64(v, t.unit))
            if exp.startswith('-') or len(exp.split('-')[0]) > 4:  # numpy: no sign padding
                y, rest = exp.lstrip('-').split('-', 1)
                exp = ('-' if exp.startswith('-') else '+') + y.zfill(4) + '-' + rest
            if t.tz: exp += 'Z'
        elif pa.types.is_time(t): exp = fmt_time(v, t.unit)
        else: raise AssertionError
        assert g == exp, (name, v, g, exp)

for b in [batch, batch.slice(17, 200)]:
    out = our_json(b)
    assert not out.startswith('ERROR'), out
    lines = out.splitlines()
    assert len(lines) == b.num_rows
    rows = [json.loads(l) for l in lines]
    for ci, f in enumerate(b.schema):
        got_vals = [r[f.name] for r in rows]
        assert all(list(r.keys()) == b.schema.names for r in rows[:3])
        arr = b.column(ci)
        if pa.types.is_temporal(f.type) and not pa.types.is_duration(f.type):
            check_temporal(f.name, arr, got_vals); continue
        if pa.types.is_duration(f.type):
            assert got_vals == arr.cast(pa.int64()).to_pylist(); continue
        raw = arr.to_pylist()
        for i, (r, g) in enumerate(zip(raw, got_vals)): check(None, f.type, r, g, f"{f.name}[{i}]")
    # Round trip: pyarrow -> lanceflow import -> lanceflow export -> pyarrow
    back = roundtrip(b)
    back.validate(full=True)
    assert back.schema.equals(b.schema), (back.schema, b.schema)
    for i in range(b.num_columns):
        x, y = back.column(i), b.column(i)
        if pa.types.is_floating(y.type):
            xa = x.to_numpy(zero_copy_only=False); ya = y.to_numpy(zero_copy_only=False)
            assert x.is_null().equals(y.is_null())
            assert np.array_equal(xa.view(np.uint8), ya.view(np.uint8)) or np.array_equal(xa, ya, equal_nan=True), b.schema.field(i)
        else:
            assert x.equals(y), ("DIFF", b.schema.field(i))
print("cross-check OK:", batch.num_columns, "columns,", N, "rows; JSON bytes", len(out))
# float16 digit counts against numpy's shortest repr
hs = np.arange(0, 0x7c00, dtype=np.uint16).view(np.float16)
b16 = pa.RecordBatch.from_pydict({'h': pa.array(hs, pa.float16())})
vals = [json.loads(l)['h'] for l in our_json(b16).splitlines()]
worse = 0
for h, v, line in zip(hs, vals, our_json(b16).splitlines()):
    assert np.float16(v) == h
    ours = line.split(':',1)[1].rstrip('}')
    npd = len(np.format_float_positional(h, unique=True).replace('.', '').replace('-','').lstrip('0').rstrip('0')) or 1
    od = len(ours.split('e')[0].replace('.','').replace('-','').lstrip('0').rstrip('0')) or 1
    if od > npd: worse += 1
assert worse == 0, f"{worse} float16 values print longer than numpy's shortest repr"
print("float16: all", len(hs), "finite non-negative values read back, none longer than numpy's")
