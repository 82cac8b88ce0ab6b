// Selection kernels: gather the slots of an array (or the rows of a record batch) at given
// positions, for every type of type.h, nested ones included. Used to apply filter results and to
// decode dictionary arrays.
//
// The input must have passed ValidateArray. Indices are logical slot positions (the array's own
// `offset` is applied here). The output is a new, compact array (offset 0) whose buffers do not
// alias the input's, except the dictionary of a dictionary array, which is shared.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/core/result.h"

namespace lanceflow::arrow {

// Slot i of the result is slot indices[i] of `values`, or a null slot when indices[i] is -1
// (nested: a null parent over null or empty children). Indices may repeat and come in any order.
// Errors: Status::Invalid naming the first index outside [-1, values.length).
Result<ArrayDataPtr> Take(const ArrayData& values, const int64_t* indices, int64_t n);
inline Result<ArrayDataPtr> Take(const ArrayData& values, const std::vector<int64_t>& indices) {
  return Take(values, indices.data(), static_cast<int64_t>(indices.size()));
}

// The slots of `values` whose bit is set in bits [bit_offset, bit_offset + values.length) of
// `selection` (Arrow bit order), in order.
Result<ArrayDataPtr> Filter(const ArrayData& values, const uint8_t* selection,
                            int64_t bit_offset = 0);

// The plain array a dictionary array stands for: slot i is the dictionary value its index names,
// null where the index slot is null. Errors: not a dictionary array, an index out of range.
Result<ArrayDataPtr> DecodeDictionary(const ArrayData& dictionary_array);

// Every column of `batch` gathered with Take / Filter; the schema is kept.
Result<RecordBatchPtr> TakeRecordBatch(const RecordBatch& batch, const int64_t* indices, int64_t n);
Result<RecordBatchPtr> FilterRecordBatch(const RecordBatch& batch, const uint8_t* selection,
                                         int64_t bit_offset = 0);

}  // namespace lanceflow::arrow
