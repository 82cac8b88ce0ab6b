// Array operations the IPC codec needs: bitmap copies and counts (writing sliced arrays),
// concatenation (delta dictionaries) and value equality (deciding whether a dictionary changed).
// Internal to the arrow module. Inputs must already be valid (ValidateArray).
#pragma once

#include <cstdint>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"

namespace lanceflow::arrow::ipc {

inline bool GetBit(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline void SetBit(uint8_t* bits, int64_t i) { bits[i >> 3] |= static_cast<uint8_t>(1 << (i & 7)); }

// Number of set bits in [offset, offset+length) of `bits`.
int64_t CountSetBits(const uint8_t* bits, int64_t offset, int64_t length);
// Bits [offset, offset+length) of `bits` as a new bitmap starting at bit 0 (padding zeroed).
BufferPtr CopyBitmap(const uint8_t* bits, int64_t offset, int64_t length);

// Nulls among slots [start, start+length) of `data` (start is relative to data.offset).
int64_t CountNullsInRange(const ArrayData& data, int64_t start, int64_t length);

// `a` followed by `b` (same type), as a new array with offset 0. Dictionary-typed nodes keep the
// dictionary of `a`. OutOfRange when 32-bit offsets would overflow.
Result<ArrayDataPtr> Concatenate(const ArrayData& a, const ArrayData& b);

// True when slots [a_start, a_start+length) of `a` equal slots [b_start, ...) of `b` value by
// value (nulls equal nulls; floating point compared bitwise; dictionary slots by decoded value).
bool RangeEquals(const ArrayData& a, int64_t a_start, const ArrayData& b, int64_t b_start,
                 int64_t length);

}  // namespace lanceflow::arrow::ipc
