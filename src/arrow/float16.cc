#include "lanceflow/arrow/float16.h"

#include <cmath>
#include <cstring>

namespace lanceflow::arrow {

float HalfToFloat(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t exp = (half >> 10) & 0x1Fu;
  uint32_t mant = half & 0x3FFu;
  uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);  // infinity or NaN
  } else if (exp != 0) {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;  // +-0
  } else {
    // Subnormal half: mant * 2^-24; normalise it for the float encoding.
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400u) == 0);
    mant &= 0x3FFu;
    bits = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

uint16_t DoubleToHalf(double value) {
  const uint16_t sign = std::signbit(value) ? 0x8000 : 0;
  if (std::isnan(value)) return sign | 0x7E00;
  const double a = std::fabs(value);
  // 65520 lies halfway between the largest half (65504) and 65536; ties to even give infinity.
  if (a >= 65520.0) return sign | 0x7C00;
  if (a < 0x1p-14) {
    // Subnormal range: value = m * 2^-24. The scaling is exact, nearbyint rounds half to even
    // in the default rounding mode, and m == 1024 correctly encodes the smallest normal.
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(std::nearbyint(a * 0x1p24)));
  }
  int e2;
  const double f = std::frexp(a, &e2);  // a = f * 2^e2, f in [0.5, 1)
  int exp = e2 - 1;                     // a = (2f) * 2^exp, 2f in [1, 2)
  double mant = std::nearbyint((2.0 * f - 1.0) * 1024.0);
  if (mant >= 1024.0) {
    mant = 0.0;
    ++exp;
  }
  if (exp > 15) return sign | 0x7C00;
  return static_cast<uint16_t>(sign | ((exp + 15) << 10) | static_cast<uint16_t>(mant));
}

}  // namespace lanceflow::arrow
