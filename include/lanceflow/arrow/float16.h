// IEEE 754 binary16 ("half float", Arrow float16) conversions. Values are carried as their raw
// uint16_t bit pattern, as the Arrow values buffer stores them.
#pragma once

#include <cstdint>

namespace lanceflow::arrow {

// Exact: every binary16 value is representable as a float. NaN stays NaN (payload kept).
float HalfToFloat(uint16_t half);

// Rounds to the nearest binary16 value, ties to even; overflow gives +-infinity and NaN stays
// NaN (as the quiet NaN 0x7E00 with the sign kept).
uint16_t DoubleToHalf(double value);

}  // namespace lanceflow::arrow
