// Arrays and record batches. ArrayData follows the Arrow columnar format and the buffer order of
// the Arrow C Data Interface exactly, so batches can be exported to pyarrow without copying:
//   null:               no buffers
//   bool / fixed-width: [validity, values]
//   utf8/binary:        [validity, int32 offsets, data]; large_*: int64 offsets
//   list:               [validity, int32 offsets] + 1 child; large_list: int64 offsets
//   fixed_size_list:    [validity] + 1 child (length * list_size items)
//   struct:             [validity] + one child per field
//   dictionary:         [validity, indices] with `dictionary` holding the values
// A validity buffer may be null, meaning "all valid". `offset` is a logical slot offset applied
// to every buffer of this array. Children are not sliced with their parent: list children are
// addressed through the offsets, struct slot i is child slot offset+i, and fixed_size_list slot i
// holds child slots [(offset+i)*list_size, (offset+i+1)*list_size).
// Buffers other than validity may be null or short only where no byte of them is addressed: an
// array of length 0 may have a null or empty offsets buffer (Arrow IPC writers emit those), so
// never read the offsets of an empty array.
// Thread safety: ArrayData is immutable once built and may be shared.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "lanceflow/arrow/type.h"
#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"

namespace lanceflow::arrow {

struct ArrayData;
using ArrayDataPtr = std::shared_ptr<const ArrayData>;

struct ArrayData {
  DataTypePtr type;
  int64_t length = 0;
  int64_t null_count = 0;  // -1 = unknown (compute with CountNulls)
  int64_t offset = 0;
  std::vector<BufferPtr> buffers;
  std::vector<ArrayDataPtr> children;
  ArrayDataPtr dictionary;  // kDictionary only

  bool IsValid(int64_t i) const {
    if (type->id() == TypeId::kNull) return false;
    const BufferPtr& v = buffers.empty() ? kNoBuffer : buffers[0];
    if (!v) return true;
    int64_t bit = i + offset;
    return (v->data()[bit >> 3] >> (bit & 7)) & 1;
  }
  bool IsNull(int64_t i) const { return !IsValid(i); }

  // The values buffer (buffers[1]) as T*, already advanced by `offset`.
  template <typename T>
  const T* values() const {
    return buffers[1]->data_as<T>() + offset;
  }
  // Offsets of utf8/binary/list arrays (int32_t or int64_t), advanced by `offset`.
  template <typename OffsetT>
  const OffsetT* offsets() const {
    return buffers[1]->data_as<OffsetT>() + offset;
  }

  // Zero-copy slice [start, start+len), clamped to [0, length).
  ArrayDataPtr Slice(int64_t start, int64_t len) const;

 private:
  static inline const BufferPtr kNoBuffer{};
};

// Counts null slots (from the validity bitmap) in [offset, offset+length).
int64_t CountNulls(const ArrayData& data);

// Deepest nesting of types/arrays (struct, list, dictionary levels) that validation accepts.
inline constexpr int kMaxValidationDepth = 64;

// Checks that buffers, offsets and children are consistent with the type and length, so that
// reading any slot stays in bounds: a well-formed type, buffer count, every buffer large enough
// for offset+length and aligned for its element type, offsets non-decreasing from a
// non-negative first offset and ending within the data buffer / child, child lengths, dictionary
// indices of valid slots within the dictionary, null_count within 0..length (or -1), nesting at
// most kMaxValidationDepth. With `full` it also checks what costs a pass over the values: UTF-8
// of utf8/large_utf8 values (valid slots), decimal values within their precision, and that a
// known null_count matches the bitmap. Errors are kCorrupt and name the nested field and slot.
// Every decoder of untrusted bytes calls this before handing an array out.
Status ValidateArray(const ArrayData& data, bool full = true);

// Checks that a type is well formed, as ValidateArray does for an array's type: child field
// counts, time units, decimal precision (1..38 / 1..76) and scale (within +-max precision),
// integer dictionary indices, nesting depth. Errors are kCorrupt.
Status ValidateDataType(const DataType& type);

class RecordBatch {
 public:
  RecordBatch(SchemaPtr schema, int64_t num_rows, std::vector<ArrayDataPtr> columns)
      : schema_(std::move(schema)), num_rows_(num_rows), columns_(std::move(columns)) {}

  const SchemaPtr& schema() const { return schema_; }
  int64_t num_rows() const { return num_rows_; }
  int num_columns() const { return static_cast<int>(columns_.size()); }
  const ArrayDataPtr& column(int i) const { return columns_[static_cast<size_t>(i)]; }
  const std::vector<ArrayDataPtr>& columns() const { return columns_; }

  std::shared_ptr<RecordBatch> Slice(int64_t start, int64_t len) const;
  // Checks column count, types against the schema, lengths, and ValidateArray on every column.
  Status Validate(bool full = true) const;
  // Bytes held by the buffers of this batch (shared buffers counted once per reference).
  int64_t TotalBufferSize() const;

 private:
  SchemaPtr schema_;
  int64_t num_rows_;
  std::vector<ArrayDataPtr> columns_;
};

using RecordBatchPtr = std::shared_ptr<RecordBatch>;

// A pull-based stream of batches with a fixed schema. Next() returns nullptr at the end.
// Implementations hold at most a bounded number of batches in memory.
class RecordBatchReader {
 public:
  virtual ~RecordBatchReader() = default;
  virtual SchemaPtr schema() const = 0;
  virtual Result<RecordBatchPtr> Next() = 0;
};

}  // namespace lanceflow::arrow
