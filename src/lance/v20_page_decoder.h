// Decoding one whole page of a format 2.0 value column (primitive, binary, fixed-size list,
// dictionary, FSST, packed struct) from its ArrayEncoding tree into an Arrow array of a given
// type. List offsets pages use the same machinery for their offsets (uint64). Spec:
// protos/encodings_v2_0.proto and rust/lance-encoding/src/previous/encodings/physical/*.rs.
//
// Every size and offset is checked; errors are Status::Corrupt (inconsistent bytes) or
// Status::NotImplemented (an arm or combination the 2.0 writer does not emit), prefixed with
// `where` ("table 't': data file 'f': column 3 page 0").
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "lanceflow/arrow/array.h"
#include "lanceflow/core/result.h"
#include "v20_encoding.h"

namespace lanceflow::lance::v20 {

// Upper bound on the bytes one compressed buffer may expand to (the writer cuts pages at about
// 8 MiB); protects against decompression bombs in damaged files.
inline constexpr int64_t kMaxDecompressedBytes = int64_t{256} << 20;
// Upper bound on the rows of one page.
inline constexpr uint64_t kMaxPageRows = uint64_t{1} << 31;

struct PageContext {
  std::string where;
  // Loads a buffer referenced by the encoding (page, column or file buffer).
  std::function<Result<BufferPtr>(const BufferLocation&)> get_buffer;

  Status Corrupt(const std::string& msg) const { return Status::Corrupt(where + ": " + msg); }
  Status NotImplemented(const std::string& msg) const {
    return Status::NotImplemented(where + ": " + msg);
  }
};

// Decodes `num_rows` rows encoded by `encoding` into an array of `type` (offset 0). The result
// has not been through ValidateArray yet.
Result<arrow::ArrayDataPtr> DecodePage(const PageContext& ctx, const Encoding& encoding,
                                       const arrow::DataTypePtr& type, int64_t num_rows);

// Whole-buffer decompression as the 2.0 Flat encoding frames it: "zstd" = a zstd stream, or
// u64 LE uncompressed size + zstd frame; "lz4" = u32 LE uncompressed size + LZ4 block. The
// output holds at least `min_size` bytes and at most kMaxDecompressedBytes.
Result<BufferPtr> Decompress(const PageContext& ctx, const std::string& scheme, const Buffer& in,
                             int64_t min_size);

// FSST decompression of one value with a symbol table in the Lance layout (u64 header: magic
// "FSST" in the high 32 bits, bit 24 = compressed, low 8 bits = symbol count; then the symbols
// as u64 each, then one length byte per symbol). Exposed for tests.
struct FsstTable {
  bool enabled = false;
  int num_symbols = 0;
  uint64_t symbols[256] = {};
  uint8_t lengths[256] = {};
};
Status ParseFsstTable(const PageContext& ctx, std::string_view bytes, FsstTable* out);
// Appends the decompressed bytes of [in, in+size) to `out`.
Status FsstDecode(const PageContext& ctx, const FsstTable& table, const uint8_t* in, int64_t size,
                  std::string* out);

}  // namespace lanceflow::lance::v20
