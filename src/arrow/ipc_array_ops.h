// Array operations the IPC codec needs: re-based bitmaps and null counts (writing sliced arrays)
// and concatenation of dictionary batches (deltas). Internal to the arrow module. Inputs must
// already be valid (ValidateArray).
#pragma once

#include <cstdint>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"

namespace lanceflow::arrow::ipc {

// Bits [offset, offset+length) of `bits` as a new bitmap starting at bit 0 (padding zeroed).
BufferPtr ShiftedBitmap(const uint8_t* bits, int64_t offset, int64_t length);

// Nulls among slots [start, start+length) of `data` (start is relative to data.offset).
int64_t CountNullsInRange(const ArrayData& data, int64_t start, int64_t length);

// `a` followed by `b` (same type), as a new array with offset 0. Unlike ConcatenateArrays
// (builder.h), dictionary-typed nodes inside the values keep their indices as they are: in a
// dictionary batch those indices refer to another dictionary by id, attached only when a record
// batch uses them, so they are copied verbatim and the node keeps the dictionary of `a`.
// OutOfRange when 32-bit offsets would overflow.
Result<ArrayDataPtr> Concatenate(const ArrayData& a, const ArrayData& b);

}  // namespace lanceflow::arrow::ipc
