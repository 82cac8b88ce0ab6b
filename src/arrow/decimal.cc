#include "lanceflow/arrow/decimal.h"

#include <cstring>

namespace lanceflow::arrow {
namespace {

using uint128_t = unsigned __int128;

constexpr uint64_t kTen19 = 10000000000000000000ULL;

// Loads the magnitude of a two's complement integer; returns true when it is negative.
bool LoadMagnitude(const uint8_t* bytes, int num_words, uint64_t* mag) {
  std::memcpy(mag, bytes, static_cast<size_t>(num_words) * 8);
  const bool negative = (mag[num_words - 1] >> 63) != 0;
  if (negative) {
    uint64_t carry = 1;
    for (int i = 0; i < num_words; ++i) {
      const uint64_t inv = ~mag[i];
      mag[i] = inv + carry;
      carry = (carry != 0 && mag[i] == 0) ? 1 : 0;
    }
  }
  return negative;
}

bool IsZero(const uint64_t* w, int n) {
  for (int i = 0; i < n; ++i) {
    if (w[i] != 0) return false;
  }
  return true;
}

// w /= divisor, returns the remainder.
uint64_t DivMod(uint64_t* w, int n, uint64_t divisor) {
  uint128_t rem = 0;
  for (int i = n - 1; i >= 0; --i) {
    const uint128_t cur = (rem << 64) | w[i];
    w[i] = static_cast<uint64_t>(cur / divisor);
    rem = cur % divisor;
  }
  return static_cast<uint64_t>(rem);
}

}  // namespace

void AppendDecimalString(const uint8_t* words, int num_words, int32_t scale, std::string* out) {
  uint64_t mag[4];
  const bool negative = LoadMagnitude(words, num_words, mag);
  // At most 78 digits for 256 bits; build them right to left in 19-digit chunks.
  char digits[80];
  char* end = digits + sizeof(digits);
  char* p = end;
  if (IsZero(mag, num_words)) {
    *--p = '0';
  } else {
    while (!IsZero(mag, num_words)) {
      uint64_t chunk = DivMod(mag, num_words, kTen19);
      const bool last = IsZero(mag, num_words);
      for (int k = 0; k < 19 && (!last || chunk != 0); ++k) {
        *--p = static_cast<char>('0' + chunk % 10);
        chunk /= 10;
      }
    }
  }
  const int64_t ndigits = end - p;
  if (negative) out->push_back('-');
  if (scale <= 0) {
    out->append(p, static_cast<size_t>(ndigits));
    if (!(ndigits == 1 && *p == '0')) out->append(static_cast<size_t>(-int64_t{scale}), '0');
    return;
  }
  if (ndigits > scale) {
    out->append(p, static_cast<size_t>(ndigits - scale));
    out->push_back('.');
    out->append(p + (ndigits - scale), static_cast<size_t>(scale));
  } else {
    out->append("0.");
    out->append(static_cast<size_t>(scale - ndigits), '0');
    out->append(p, static_cast<size_t>(ndigits));
  }
}

bool DecimalFitsPrecision(const uint8_t* words, int num_words, int32_t precision) {
  // kPow10[k] = 10^k as four little-endian words (10^76 < 2^256).
  struct Pow10Table {
    uint64_t v[77][4];
    Pow10Table() : v{} {
      v[0][0] = 1;
      for (int k = 1; k <= 76; ++k) {
        uint128_t carry = 0;
        for (int i = 0; i < 4; ++i) {
          const uint128_t cur = static_cast<uint128_t>(v[k - 1][i]) * 10 + carry;
          v[k][i] = static_cast<uint64_t>(cur);
          carry = cur >> 64;
        }
      }
    }
  };
  static const Pow10Table kPow10;
  if (precision < 0 || precision > 76) return false;
  uint64_t mag[4];
  LoadMagnitude(words, num_words, mag);
  const uint64_t* limit = kPow10.v[precision];
  for (int i = 3; i >= num_words; --i) {
    if (limit[i] != 0) return true;  // 10^precision needs more words than the value has
  }
  for (int i = num_words - 1; i >= 0; --i) {
    if (mag[i] != limit[i]) return mag[i] < limit[i];
  }
  return false;  // equal to 10^precision
}

}  // namespace lanceflow::arrow
