// Format 2.0 page encodings: the `lance.encodings.ArrayEncoding` tree of a page
// (protos/encodings_v2_0.proto) parsed into a plain struct, and the column-level
// `lance.encodings.ColumnEncoding`. Parsing checks the wire format only; what an arm means for a
// given Arrow type is checked by the page decoder (v20_page_decoder.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/core/result.h"

namespace lanceflow::lance::v20 {

inline constexpr std::string_view kArrayEncodingUrl = "/lance.encodings.ArrayEncoding";
inline constexpr std::string_view kColumnEncodingUrl = "/lance.encodings.ColumnEncoding";

// ArrayEncoding oneof arm numbers.
enum class Arm : uint32_t {
  kNone = 0,
  kFlat = 1,
  kNullable = 2,
  kFixedSizeList = 3,
  kList = 4,
  kStruct = 5,
  kBinary = 6,
  kDictionary = 7,
  kFsst = 8,
  kPackedStruct = 9,
  kBitpacked = 10,
  kFixedSizeBinary = 11,
  kBitpackedForNonNeg = 12,
  kConstant = 13,
  kInlineBitpacking = 14,
  kOutOfLineBitpacking = 15,
  kVariable = 16,
  kPackedStructFixedWidthMiniBlock = 17,
  kBlock = 18,
  kRle = 19,
  kGeneralMiniBlock = 20,
  kByteStreamSplit = 21,
};

// Name of an arm as written in the proto ("flat", "nullable", ...), "arm N" for unknown numbers.
std::string ArmName(uint32_t arm);

enum class BufferType : uint32_t { kPage = 0, kColumn = 1, kFile = 2 };

struct BufferLocation {
  uint32_t index = 0;
  uint32_t type = 0;  // BufferType; other values are refused by the decoder
};

enum class Nullability : uint8_t { kUnset, kNoNulls, kSomeNulls, kAllNulls };

// One node of the tree. Only the fields of `arm` are meaningful; children hold the nested
// encodings in the order documented per arm.
struct Encoding {
  uint32_t arm = 0;  // Arm value (unknown arms keep their number)
  // Flat
  uint64_t bits_per_value = 0;
  BufferLocation buffer;  // Flat, PackedStruct
  bool has_compression = false;
  std::string compression_scheme;  // "zstd", "lz4", ...
  // Nullable: children = {values} (no_nulls), {validity, values} (some_nulls), {} (all_nulls)
  Nullability nullability = Nullability::kUnset;
  // FixedSizeList: children = {items}
  uint32_t dimension = 0;
  bool has_validity = false;
  // List: children = {offsets}
  uint64_t null_offset_adjustment = 0;
  uint64_t num_items = 0;
  // Binary: children = {indices, bytes}
  uint64_t null_adjustment = 0;
  // Dictionary: children = {indices, items}
  uint32_t num_dictionary_items = 0;
  // Fsst: children = {binary}
  std::string symbol_table;
  // PackedStruct: children = inner encodings, one per struct field
  std::vector<std::unique_ptr<Encoding>> children;
};

// Parses a serialized ArrayEncoding. `what` prefixes errors (Corrupt).
Result<std::unique_ptr<Encoding>> ParseArrayEncoding(std::string_view bytes,
                                                     const std::string& what);

// Column-level encoding: `values` (plain), `zone_index` (wraps another column encoding) or
// `blob`. Returns the innermost arm after unwrapping zone indexes: 1 values, 3 blob, or the
// unknown arm number.
Result<uint32_t> ParseColumnEncodingKind(std::string_view bytes, const std::string& what);

}  // namespace lanceflow::lance::v20
