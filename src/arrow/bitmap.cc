#include "lanceflow/arrow/bitmap.h"

#include <bit>
#include <cstring>

namespace lanceflow::arrow {

int64_t CountSetBits(const uint8_t* bits, int64_t offset, int64_t length) {
  if (length <= 0) return 0;
  int64_t count = 0;
  int64_t i = offset;
  const int64_t end = offset + length;
  // Leading bits up to a byte boundary.
  while (i < end && (i & 7) != 0) {
    count += GetBit(bits, i);
    ++i;
  }
  // Whole 64-bit words, then whole bytes.
  const uint8_t* p = bits + (i >> 3);
  int64_t whole_bytes = (end - i) >> 3;
  int64_t b = 0;
  for (; b + 8 <= whole_bytes; b += 8) {
    uint64_t word;
    std::memcpy(&word, p + b, sizeof(word));
    count += std::popcount(word);
  }
  for (; b < whole_bytes; ++b) count += std::popcount(static_cast<unsigned>(p[b]));
  i += whole_bytes * 8;
  while (i < end) {
    count += GetBit(bits, i);
    ++i;
  }
  return count;
}

void CopyBitmap(const uint8_t* src, int64_t src_offset, uint8_t* dst, int64_t dst_offset,
                int64_t length) {
  if (length <= 0) return;
  // Bring the destination to a byte boundary bit by bit.
  while (length > 0 && (dst_offset & 7) != 0) {
    SetBitTo(dst, dst_offset, GetBit(src, src_offset));
    ++src_offset;
    ++dst_offset;
    --length;
  }
  uint8_t* d = dst + (dst_offset >> 3);
  const uint8_t* s = src + (src_offset >> 3);
  const int shift = static_cast<int>(src_offset & 7);
  const int64_t whole_bytes = length >> 3;
  if (shift == 0) {
    if (whole_bytes > 0) std::memcpy(d, s, static_cast<size_t>(whole_bytes));
  } else {
    // Output byte k takes source bits [8k+shift, 8k+shift+8), which span bytes s[k] and s[k+1];
    // both hold bits inside the copied range, so the reads stay in bounds.
    for (int64_t k = 0; k < whole_bytes; ++k) {
      d[k] = static_cast<uint8_t>((s[k] >> shift) | (s[k + 1] << (8 - shift)));
    }
  }
  const int64_t done = whole_bytes * 8;
  for (int64_t k = done; k < length; ++k) {
    SetBitTo(dst, dst_offset + k, GetBit(src, src_offset + k));
  }
}

void SetBitsTo(uint8_t* bits, int64_t offset, int64_t length, bool value) {
  if (length <= 0) return;
  int64_t i = offset;
  const int64_t end = offset + length;
  while (i < end && (i & 7) != 0) SetBitTo(bits, i++, value);
  const int64_t whole_bytes = (end - i) >> 3;
  if (whole_bytes > 0) {
    std::memset(bits + (i >> 3), value ? 0xff : 0, static_cast<size_t>(whole_bytes));
    i += whole_bytes * 8;
  }
  while (i < end) SetBitTo(bits, i++, value);
}

}  // namespace lanceflow::arrow
