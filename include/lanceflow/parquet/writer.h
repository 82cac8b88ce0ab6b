// Parquet file writer: Arrow record batches in, a Parquet file (format 2.x metadata, V1 data
// pages) out, readable by Spark, delta-rs, pyarrow and DuckDB.
//
// Layout: row groups bounded by WriterOptions::row_group_rows / row_group_bytes; each column
// chunk is an optional dictionary page then data pages of about page_bytes; levels are RLE /
// bit-packed hybrid, values PLAIN or RLE_DICTIONARY (dictionary tried for integer and binary
// columns, dropped for a chunk where it does not pay); pages compressed with zstd, snappy or
// nothing. Nested columns: struct -> group, list / large_list / fixed_size_list -> the 3-level
// LIST group `optional group f (LIST) { repeated group list { <rep> element } }`; dictionary
// arrays are written as their values. Nulls at every level.
//
// Type mapping (Arrow -> Parquet physical + logical), chosen by WriterOptions::type_mapping:
//   type               kArrow (keeps Arrow types)            kSpark (what Delta/Spark declare)
//   bool               BOOLEAN                               same
//   int8/16/32         INT32 INTEGER(8/16/32, signed)        INT64 INTEGER(64, signed)
//   int64              INT64 INTEGER(64, signed)             same
//   uint8/16/32        INT32 INTEGER(8/16/32, unsigned)      INT64 INTEGER(64, signed)
//   uint64             INT64 INTEGER(64, unsigned)           INT64 signed; values >= 2^63 are
//                                                            an OutOfRange error
//   float16            FIXED_LEN_BYTE_ARRAY(2) FLOAT16       FLOAT
//   float32 / float64  FLOAT / DOUBLE                        same
//   utf8, large_utf8   BYTE_ARRAY STRING                     same
//   binary, large_*    BYTE_ARRAY                            same
//   fixed_size_binary  FIXED_LEN_BYTE_ARRAY(n)               same
//   date32 / date64    INT32 DATE (date64: floor(ms / 86400000))  same
//   timestamp s/ms     INT64 TIMESTAMP(MILLIS) (s scaled)    INT64 TIMESTAMP(UTC, MICROS)
//   timestamp us / ns  INT64 TIMESTAMP(MICROS / NANOS)       INT64 TIMESTAMP(UTC, MICROS); ns
//                                                            truncated toward -infinity
//   (kArrow: isAdjustedToUTC = the timestamp has a time zone; kSpark: always UTC-adjusted)
//   time32 / time64    INT32 TIME(MILLIS) / INT64 TIME(MICROS/NANOS)   not supported
//   decimal128(p, s)   DECIMAL(p, s): INT32 p<=9, INT64 p<=18, else FIXED_LEN_BYTE_ARRAY
//                      (minimal big-endian two's complement width)      same
//   struct / lists / dictionary: as above in both mappings.
// Anything else (null, duration, decimal256) is NotImplemented when the writer is opened.
//
// Statistics: per column chunk null_count, min and max (nulls and NaN excluded; signed or
// unsigned order by the logical type; byte-wise for binary; float zeros widened to -0.0/+0.0);
// strings and binaries longer than WriterOptions::max_statistics_bytes are truncated (the
// maximum rounded up so it stays an upper bound, with is_max_value_exact = false).
// Close() returns the same statistics aggregated over the file as typed values (FileSummary),
// ready for the Delta `add` stats.
//
// Memory: one row group of encoded, compressed pages per writer plus one page of values per
// column. Thread safety: a writer is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/arrow/ipc.h"
#include "lanceflow/arrow/type.h"
#include "lanceflow/core/result.h"

namespace lanceflow::parquet {

// A sequential byte sink (the same interface the Arrow IPC writers use).
using OutputStream = arrow::ipc::OutputStream;

enum class Compression : uint8_t { kNone, kSnappy, kZstd };
// "none", "snappy", "zstd".
const char* CompressionName(Compression c);
Result<Compression> ParseCompression(const std::string& name);

enum class TypeMapping : uint8_t { kArrow, kSpark };

struct WriterOptions {
  Compression compression = Compression::kZstd;
  int zstd_level = 1;
  TypeMapping type_mapping = TypeMapping::kArrow;
  // A row group is closed once it holds this many rows or this many encoded bytes.
  int64_t row_group_rows = int64_t{1} << 20;
  int64_t row_group_bytes = int64_t{128} << 20;
  // Target size of one data page before compression (pages end on row boundaries).
  int64_t page_bytes = int64_t{1} << 20;
  // Dictionary encoding for integer, string and binary columns; a chunk falls back to PLAIN
  // when its dictionary would exceed dictionary_page_bytes or values are mostly distinct.
  bool dictionary = true;
  int64_t dictionary_page_bytes = int64_t{1} << 20;
  // Longest min/max kept for string and binary statistics.
  int32_t max_statistics_bytes = 64;
  std::string created_by = "lanceflow version 0.1.0";
  // Extra footer key/value metadata.
  arrow::KeyValueMetadata key_value_metadata;
};

// A statistics value: bool; int64_t for signed integers, dates (days), timestamps (in the
// written unit) and times; uint64_t for unsigned integers; double for float16/32/64;
// std::string for strings, binaries and decimals (exact decimal text, e.g. "-12.50").
using StatValue = std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string>;

// Statistics of one leaf column over the whole file.
struct ColumnStatistics {
  // Arrow field names from the top-level field to the leaf (list wrappers not included).
  std::vector<std::string> path;
  // Dotted Parquet column path, e.g. "vec.list.element".
  std::string parquet_path;
  // The leaf's Arrow type as written (after the type mapping, e.g. int64 for int8 in kSpark).
  arrow::DataTypePtr type;
  // True when the leaf lies under a list (Delta keeps only nullCount for those).
  bool in_list = false;
  // Leaf entries without a value: null at the leaf or at any ancestor (empty lists count too).
  int64_t null_count = 0;
  int64_t nan_count = 0;
  // min/max are std::monostate when there is no non-null, non-NaN value (or, for a string or
  // binary, no upper bound of the truncated prefix exists).
  StatValue min;
  StatValue max;
  bool min_exact = true;
  bool max_exact = true;
};

struct FileSummary {
  int64_t num_rows = 0;
  int64_t num_row_groups = 0;
  int64_t file_size = 0;                  // bytes written, footer included
  std::vector<ColumnStatistics> columns;  // one per leaf column, in schema order
};

class ParquetWriter {
 public:
  // `out` must outlive the writer. Fails for types the mapping does not support (naming the
  // field) and for invalid options.
  static Result<std::unique_ptr<ParquetWriter>> Open(OutputStream* out, arrow::SchemaPtr schema,
                                                     WriterOptions options = {});
  // Creates (or truncates) a local file; Close() flushes and fsyncs it.
  static Result<std::unique_ptr<ParquetWriter>> Open(const std::string& path,
                                                     arrow::SchemaPtr schema,
                                                     WriterOptions options = {});
  ~ParquetWriter();

  // The batch's columns must match the schema's types (field names are not checked).
  // OutOfRange for values the mapping cannot represent (uint64 >= 2^63 in kSpark), naming the
  // column. After an error the writer is unusable.
  Status WriteBatch(const arrow::RecordBatch& batch);
  // Flushes the last row group and writes the footer. Call once.
  Result<FileSummary> Close();

  int64_t num_rows_written() const;
  int64_t bytes_written() const;

 private:
  class Impl;
  explicit ParquetWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Convenience: writes `batches` into one in-memory Parquet file.
Result<BufferPtr> WriteParquet(const arrow::SchemaPtr& schema,
                               const std::vector<arrow::RecordBatchPtr>& batches,
                               WriterOptions options = {}, FileSummary* summary = nullptr);

}  // namespace lanceflow::parquet
