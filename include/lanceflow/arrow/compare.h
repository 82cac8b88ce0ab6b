// Logical equality of arrays and record batches, as round-trip tests and merges need it: same
// type, same length, nulls in the same slots, and equal values in the valid slots, whatever the
// physical layout (offsets, slicing, bytes under nulls, validity bitmap present or not).
// Floating-point values compare by bit pattern (NaN equals the same NaN, 0.0 differs from -0.0).
// Dictionary arrays compare their decoded values. Both sides must have passed ValidateArray.
#pragma once

#include <string>

#include "lanceflow/arrow/array.h"

namespace lanceflow::arrow {

// When `difference` is given and the arrays differ, it receives a one-line description of the
// first difference found.
bool ArrayEquals(const ArrayData& a, const ArrayData& b, std::string* difference = nullptr);

// Schemas (field names, types, nullability; metadata when `check_metadata`), row counts and
// every column.
bool RecordBatchEquals(const RecordBatch& a, const RecordBatch& b, bool check_metadata = false,
                       std::string* difference = nullptr);

}  // namespace lanceflow::arrow
