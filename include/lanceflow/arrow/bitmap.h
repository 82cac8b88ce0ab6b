// Bit-packed bitmaps as Arrow lays them out: bit i lives in byte i / 8 at position i % 8 (LSB
// first). Used for validity buffers and boolean values. The caller guarantees that every bit
// addressed lies inside the memory passed in.
#pragma once

#include <cstdint>

namespace lanceflow::arrow {

// Bytes needed to hold `bits` bits, without overflow for any non-negative int64_t.
inline constexpr int64_t BytesForBits(int64_t bits) { return (bits >> 3) + ((bits & 7) != 0); }

inline bool GetBit(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline void SetBit(uint8_t* bits, int64_t i) {
  bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
}
inline void ClearBit(uint8_t* bits, int64_t i) {
  bits[i >> 3] &= static_cast<uint8_t>(~(1u << (i & 7)));
}
inline void SetBitTo(uint8_t* bits, int64_t i, bool value) {
  uint8_t mask = static_cast<uint8_t>(1u << (i & 7));
  bits[i >> 3] = static_cast<uint8_t>((bits[i >> 3] & ~mask) | (value ? mask : 0));
}

// Number of set bits in [offset, offset+length).
int64_t CountSetBits(const uint8_t* bits, int64_t offset, int64_t length);

// Copies bits [src_offset, src_offset+length) of `src` to [dst_offset, dst_offset+length) of
// `dst`. Bits of `dst` outside that range are left unchanged. The ranges must not overlap.
void CopyBitmap(const uint8_t* src, int64_t src_offset, uint8_t* dst, int64_t dst_offset,
                int64_t length);

// Sets bits [offset, offset+length) of `bits` to `value`.
void SetBitsTo(uint8_t* bits, int64_t offset, int64_t length, bool value);

}  // namespace lanceflow::arrow
