// Ordering and truncation rules of Parquet column statistics (parquet-format LogicalTypes.md
// "Sort Order", and the min/max truncation readers accept when the exact flags are false).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lanceflow::parquet {

enum class SortOrder : uint8_t {
  kSigned,    // signed integers, floats
  kUnsigned,  // unsigned integers; byte-wise unsigned for BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY
  kDecimal,   // big-endian two's complement bytes of equal width
  kFloat16,   // 2-byte little-endian IEEE half (NaN never compared)
};

// <0, 0, >0 as a < b, a == b, a > b, for byte-represented values.
int CompareForOrder(SortOrder order, std::string_view a, std::string_view b);

struct TruncatedBound {
  std::string value;
  bool exact = true;
  bool valid = true;  // false: no bound of at most the allowed length exists
};

// A prefix of `v` of at most `max_bytes` bytes (on a code point boundary for UTF-8 strings):
// never greater than `v`.
TruncatedBound TruncateLowerBound(std::string_view v, int32_t max_bytes, bool utf8);
// A value of at most `max_bytes` bytes that is >= every value starting with v's prefix: the
// prefix with its last byte (or, for UTF-8, its last code point) incremented.
TruncatedBound TruncateUpperBound(std::string_view v, int32_t max_bytes, bool utf8);

}  // namespace lanceflow::parquet
