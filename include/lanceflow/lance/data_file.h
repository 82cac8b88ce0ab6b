// The Lance data file container, format 2.x (protos/file2.proto, rust/lance-file/src/reader.rs):
//   page buffers | column metadata | CMO table | global buffers | GBO table | 40-byte footer
//   footer: u64 column_meta_start | u64 cmo_table_start | u64 gbo_table_start |
//           u32 num_global_buffers | u32 num_columns | u16 major | u16 minor | "LANC"
// This layer exposes the structure only: column metadata with its pages, buffer positions and
// the raw `google.protobuf.Any` encodings. Decoding page contents is the job of the encoding
// layer. Legacy files (format 0.1/0.2, 16-byte footer) are recognised and refused with
// NotImplemented. Every offset and size is checked against the file size; errors are
// Status::Corrupt naming the file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"
#include "lanceflow/lance/manifest.h"

namespace lanceflow::lance {

inline constexpr int64_t kDataFileFooterSize = 40;

struct DataFileFooter {
  uint64_t column_meta_start = 0;
  uint64_t cmo_table_start = 0;
  uint64_t gbo_table_start = 0;
  uint32_t num_global_buffers = 0;
  uint32_t num_columns = 0;
  uint16_t major_version = 0;  // 2.0 files say (0, 3)
  uint16_t minor_version = 0;
};

struct BufferRef {
  uint64_t position = 0;
  uint64_t size = 0;
};

// An Encoding message: either direct (an Any: type URL + serialized message) or deferred (a
// buffer holding the encoding elsewhere in the file).
struct EncodingRef {
  enum class Kind : uint8_t { kNone, kDirect, kDeferred } kind = Kind::kNone;
  std::string type_url;  // kDirect, e.g. "/lance.encodings21.PageLayout"
  std::string value;     // kDirect: the serialized message
  BufferRef deferred;    // kDeferred
};

struct PageInfo {
  std::vector<BufferRef> buffers;
  uint64_t length = 0;    // rows in the page
  uint64_t priority = 0;  // first top-level row of the page
  EncodingRef encoding;
};

struct ColumnInfo {
  EncodingRef encoding;
  std::vector<PageInfo> pages;
  std::vector<BufferRef> buffers;  // column metadata buffers
};

struct DataFileMetadata {
  DataFileFooter footer;
  std::vector<BufferRef> global_buffers;
  std::vector<ColumnInfo> columns;
  // From the FileDescriptor in global buffer 0: the file's schema and row count.
  std::vector<LanceField> schema_fields;
  arrow::KeyValueMetadata schema_metadata;
  uint64_t num_rows = 0;
};

// Returns exactly `length` bytes at `offset` or an error.
using ReadRangeFunction = std::function<Result<BufferPtr>(int64_t offset, int64_t length)>;

// Decodes the footer from the last (at least 16) bytes of a file of `file_size` bytes.
// NotImplemented for legacy (0.1/0.2) files.
Result<DataFileFooter> DecodeDataFileFooter(const uint8_t* tail, int64_t tail_size,
                                            int64_t file_size, std::string_view name);

// Reads the footer, offset tables, FileDescriptor and every column's metadata through
// `read_range` (a few reads: the tail, then the metadata region if the tail missed it).
Result<DataFileMetadata> ReadDataFileMetadata(int64_t file_size,
                                              const ReadRangeFunction& read_range,
                                              std::string_view name);

}  // namespace lanceflow::lance
