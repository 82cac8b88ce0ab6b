#include "lanceflow/arrow/utf8.h"

#include <cstring>

namespace lanceflow::arrow {
namespace {

inline int SequenceLength(const uint8_t* data, int64_t available, int* bad_length) {
  const uint8_t b0 = data[0];
  if (b0 < 0x80) return 1;
  int need;
  uint8_t lo = 0x80;  // allowed range of the second byte (Unicode Table 3-7)
  uint8_t hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong 3-byte forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlong 4-byte forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    *bad_length = 1;  // 0x80..0xC1 and 0xF5..0xFF never start a sequence
    return 0;
  }
  for (int k = 1; k < need; ++k) {
    if (k >= available) {
      *bad_length = k;
      return 0;
    }
    const uint8_t b = data[k];
    const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) {
      *bad_length = k;
      return 0;
    }
  }
  return need;
}

}  // namespace

int Utf8SequenceLength(const uint8_t* data, int64_t available, int* bad_length) {
  return SequenceLength(data, available, bad_length);
}

bool IsValidUtf8(const uint8_t* data, int64_t size) {
  int64_t i = 0;
  while (i < size) {
    // ASCII fast path, eight bytes at a time.
    while (i + 8 <= size) {
      uint64_t word;
      std::memcpy(&word, data + i, sizeof(word));
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= size) break;
    if (data[i] < 0x80) {
      ++i;
      continue;
    }
    int bad = 0;
    int n = SequenceLength(data + i, size - i, &bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace lanceflow::arrow
