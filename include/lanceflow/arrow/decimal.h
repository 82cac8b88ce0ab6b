// Arrow decimal values: 128- and 256-bit little-endian two's complement integers scaled by
// 10^-scale. The structs match the bytes of one slot of a decimal128/decimal256 values buffer.
#pragma once

#include <cstdint>
#include <string>

namespace lanceflow::arrow {

struct Decimal128 {
  uint64_t words[2] = {0, 0};  // least significant word first

  static Decimal128 FromInt64(int64_t v) {
    const uint64_t fill = v < 0 ? ~uint64_t{0} : 0;
    return Decimal128{{static_cast<uint64_t>(v), fill}};
  }
  bool operator==(const Decimal128&) const = default;
};

struct Decimal256 {
  uint64_t words[4] = {0, 0, 0, 0};  // least significant word first

  static Decimal256 FromInt64(int64_t v) {
    const uint64_t fill = v < 0 ? ~uint64_t{0} : 0;
    return Decimal256{{static_cast<uint64_t>(v), fill, fill, fill}};
  }
  bool operator==(const Decimal256&) const = default;
};

static_assert(sizeof(Decimal128) == 16 && sizeof(Decimal256) == 32);

// Appends the exact decimal text of the `num_words`-word (2 or 4) little-endian two's complement
// integer at `words`, scaled by 10^-scale, in plain notation: "-1.50", "0.0001", "0.00"; a
// negative scale appends zeros ("12300" for 123 with scale -2). `words` need not be aligned.
void AppendDecimalString(const uint8_t* words, int num_words, int32_t scale, std::string* out);

// True when |value| < 10^precision, i.e. the unscaled value has at most `precision` digits.
// `precision` must be 1..38 for two words and 1..76 for four.
bool DecimalFitsPrecision(const uint8_t* words, int num_words, int32_t precision);

}  // namespace lanceflow::arrow
