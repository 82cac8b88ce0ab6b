// Parquet file reader: enough to read back the files lanceflow writes (the Delta merge rewrites
// them) and plain files of other writers that use the same features: V1 and V2 data pages,
// PLAIN and dictionary (RLE_DICTIONARY / PLAIN_DICTIONARY) encodings, RLE booleans, RLE /
// bit-packed levels, uncompressed / snappy / zstd pages, structs, 3-level LIST groups (and the
// 2-level form with a repeated primitive). Other encodings (DELTA_*, BYTE_STREAM_SPLIT), other
// codecs, INT96, MAP and repeated fields outside a LIST are NotImplemented.
//
// Parquet -> Arrow types: BOOLEAN -> bool; INT32 -> int32, or int8/16/32, uint8/16/32 by the
// INTEGER annotation, date32 (DATE), time32[ms] (TIME MILLIS), decimal128 (DECIMAL); INT64 ->
// int64, uint64, timestamp[unit] (tz "UTC" when isAdjustedToUTC), time64, decimal128; FLOAT /
// DOUBLE -> float32 / float64; BYTE_ARRAY -> utf8 (STRING, ENUM, JSON) or binary;
// FIXED_LEN_BYTE_ARRAY -> fixed_size_binary, float16 (FLOAT16) or decimal128 (DECIMAL).
// Optional fields are nullable Arrow fields; a LIST element field is named "element".
//
// Every byte is untrusted: footer, page headers, levels, offsets and sizes are checked and each
// returned array passes ValidateArray. A bad file gives Corrupt naming the column and byte offset.
// Memory: the footer plus one row group (its compressed chunks and decoded arrays) at a time.
// Thread safety: one reader per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/arrow/ipc.h"
#include "lanceflow/arrow/type.h"
#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"

namespace lanceflow::parquet {

// Exactly `length` bytes at `offset`, or an error (the Arrow IPC file reader uses the same).
using ReadAtFunction = arrow::ipc::ReadAtFunction;

struct ReaderOptions {
  int64_t max_footer_bytes = int64_t{64} << 20;
  // Largest page (compressed or not) and largest column chunk read at once.
  int64_t max_page_bytes = int64_t{1} << 30;
  int64_t max_chunk_bytes = int64_t{2} << 30;
};

// Min/max/null count of one leaf column chunk as the footer stores them (raw PLAIN bytes).
struct ChunkStatistics {
  bool has_null_count = false;
  int64_t null_count = 0;
  bool has_min_max = false;
  std::string min_value;
  std::string max_value;
};

class ParquetReader : public arrow::RecordBatchReader {
 public:
  static Result<std::unique_ptr<ParquetReader>> Open(BufferPtr file, ReaderOptions options = {});
  static Result<std::unique_ptr<ParquetReader>> Open(int64_t file_size, ReadAtFunction read_at,
                                                     ReaderOptions options = {});
  // Reads a local file with pread.
  static Result<std::unique_ptr<ParquetReader>> OpenFile(const std::string& path,
                                                         ReaderOptions options = {});
  ~ParquetReader() override;

  arrow::SchemaPtr schema() const override;
  int64_t num_rows() const;
  int num_row_groups() const;
  int64_t row_group_num_rows(int i) const;
  const arrow::KeyValueMetadata& key_value_metadata() const;
  // Dotted Parquet paths of the leaf columns, in schema order ("vec.list.element").
  std::vector<std::string> leaf_paths() const;
  // Footer statistics of leaf `leaf` in row group `row_group`.
  ChunkStatistics column_chunk_statistics(int row_group, int leaf) const;

  // Row group `i` as one batch. `columns` selects top-level fields by index (empty = all); the
  // batch's schema then holds only those fields, in the given order.
  Result<arrow::RecordBatchPtr> ReadRowGroup(int i, const std::vector<int>& columns = {});
  // Row groups in order, then nullptr.
  Result<arrow::RecordBatchPtr> Next() override;

 private:
  class Impl;
  explicit ParquetReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reads a whole in-memory file: its schema and one batch per row group.
Result<std::vector<arrow::RecordBatchPtr>> ReadParquet(BufferPtr file,
                                                       arrow::SchemaPtr* schema = nullptr);

}  // namespace lanceflow::parquet
