// FastLanes bit packing and the two Lance framings around it.
//
// Layout (rust/compression/bitpacking/src/lib.rs, the `fastlanes` crate): a block of 1024
// values of T (kT bits) is viewed as kLanes = 1024 / kT lanes of kT rows. Value index of (row,
// lane) = kOrder[row / 8] * 16 + (row % 8) * 128 + lane. Within a lane the kT values are packed
// LSB-first into a stream of W-bit fields spread over W words of T; word k of lane `lane` sits
// at packed[kLanes * k + lane]. Because the value index is contiguous in `lane`, the unpack of
// one row is a loop over lanes with compile-time shifts, which the compiler vectorises.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

#include "lanceflow/lance/codecs.h"

namespace lanceflow::lance::codecs {
namespace {

constexpr std::array<int, 8> kOrder = {0, 4, 2, 6, 1, 5, 3, 7};

template <typename T>
constexpr int kBits = static_cast<int>(sizeof(T) * 8);

template <typename T>
constexpr T LowMask(int bits) {
  return bits >= kBits<T> ? static_cast<T>(~T{0}) : static_cast<T>((T{1} << bits) - 1);
}

template <typename T, int W, int R>
inline void UnpackRow(const T* __restrict in, T* __restrict out) {
  constexpr int kT = kBits<T>;
  constexpr int kLanes = 1024 / kT;
  constexpr int kWord = (R * W) / kT;
  constexpr int kShift = (R * W) % kT;
  constexpr int kOut = kOrder[R / 8] * 16 + (R % 8) * 128;
  const T* a = in + kLanes * kWord;
  T* o = out + kOut;
  if constexpr (kShift + W <= kT) {
    constexpr T kMask = LowMask<T>(W);
    for (int lane = 0; lane < kLanes; ++lane) {
      o[lane] = static_cast<T>((a[lane] >> kShift) & kMask);
    }
  } else {
    constexpr int kLow = kT - kShift;  // bits taken from word kWord
    constexpr T kHighMask = LowMask<T>(W - kLow);
    const T* b = a + kLanes;
    for (int lane = 0; lane < kLanes; ++lane) {
      o[lane] = static_cast<T>((a[lane] >> kShift) | ((b[lane] & kHighMask) << kLow));
    }
  }
}

template <typename T, int W>
void UnpackBlock(const T* __restrict in, T* __restrict out) {
  if constexpr (W == 0) {
    std::memset(out, 0, 1024 * sizeof(T));
  } else {
    [&]<int... R>(std::integer_sequence<int, R...>) {
      (UnpackRow<T, W, R>(in, out), ...);
    }(std::make_integer_sequence<int, kBits<T>>{});
  }
}

template <typename T>
using UnpackFn = void (*)(const T*, T*);

template <typename T, int... W>
constexpr std::array<UnpackFn<T>, sizeof...(W)> MakeUnpackTable(
    std::integer_sequence<int, W...>) {
  return {&UnpackBlock<T, W>...};
}

template <typename T>
constexpr auto kUnpackTable = MakeUnpackTable<T>(std::make_integer_sequence<int, kBits<T> + 1>{});

// Unpacks one validated block. `in` and `out` may be unaligned: misaligned sides go through an
// aligned scratch copy so the kernel only ever dereferences aligned T pointers.
template <typename T>
void UnpackBlockAnyAlignment(const uint8_t* in, int bit_width, uint8_t* out) {
  alignas(64) T in_scratch[1024];
  alignas(64) T out_scratch[1024];
  const T* src = reinterpret_cast<const T*>(in);
  if (reinterpret_cast<uintptr_t>(in) % alignof(T) != 0) {
    std::memcpy(in_scratch, in, static_cast<size_t>(FastLanesPackedBytes(bit_width)));
    src = in_scratch;
  }
  if (reinterpret_cast<uintptr_t>(out) % alignof(T) == 0) {
    kUnpackTable<T>[bit_width](src, reinterpret_cast<T*>(out));
  } else {
    kUnpackTable<T>[bit_width](src, out_scratch);
    std::memcpy(out, out_scratch, sizeof(out_scratch));
  }
}

void UnpackValidated(const uint8_t* in, int uncompressed_bits, int bit_width, uint8_t* out) {
  switch (uncompressed_bits) {
    case 8:
      return UnpackBlockAnyAlignment<uint8_t>(in, bit_width, out);
    case 16:
      return UnpackBlockAnyAlignment<uint16_t>(in, bit_width, out);
    case 32:
      return UnpackBlockAnyAlignment<uint32_t>(in, bit_width, out);
    default:
      return UnpackBlockAnyAlignment<uint64_t>(in, bit_width, out);
  }
}

template <typename T>
void PackBlock(const uint8_t* values, int bit_width, uint8_t* out) {
  constexpr int kT = kBits<T>;
  constexpr int kLanes = 1024 / kT;
  const int64_t words = int64_t{kLanes} * bit_width;
  std::memset(out, 0, static_cast<size_t>(words * sizeof(T)));
  if (bit_width == 0) return;
  const T mask = LowMask<T>(bit_width);
  for (int lane = 0; lane < kLanes; ++lane) {
    for (int row = 0; row < kT; ++row) {
      T v;
      std::memcpy(&v, values + sizeof(T) * (kOrder[row / 8] * 16 + (row % 8) * 128 + lane),
                  sizeof(T));
      v &= mask;
      const int bit = row * bit_width;
      const int word = bit / kT;
      const int shift = bit % kT;
      auto or_word = [&](int k, T bits) {
        uint8_t* p = out + sizeof(T) * (static_cast<size_t>(kLanes) * k + lane);
        T cur;
        std::memcpy(&cur, p, sizeof(T));
        cur = static_cast<T>(cur | bits);
        std::memcpy(p, &cur, sizeof(T));
      };
      or_word(word, static_cast<T>(v << shift));
      if (shift + bit_width > kT) or_word(word + 1, static_cast<T>(v >> (kT - shift)));
    }
  }
}

bool ValidWordBits(int bits) { return bits == 8 || bits == 16 || bits == 32 || bits == 64; }

Status CheckWordBits(const char* codec, int uncompressed_bits) {
  if (!ValidWordBits(uncompressed_bits)) {
    return Status::Corrupt(std::string("lance ") + codec + ": uncompressed bit width " +
                           std::to_string(uncompressed_bits) + " is not 8, 16, 32 or 64");
  }
  return Status::OK();
}

Status CheckBitWidth(const char* codec, int uncompressed_bits, int64_t bit_width) {
  if (bit_width < 0 || bit_width > uncompressed_bits) {
    return Status::Corrupt(std::string("lance ") + codec + ": bit width " +
                           std::to_string(bit_width) + " outside 0.." +
                           std::to_string(uncompressed_bits));
  }
  return Status::OK();
}

Status CheckNumValues(const char* codec, int64_t num_values) {
  // Bounded so that num_values * 8 bytes and block arithmetic cannot overflow.
  if (num_values < 0 || num_values > (int64_t{1} << 40)) {
    return Status::Corrupt(std::string("lance ") + codec + ": invalid value count " +
                           std::to_string(num_values));
  }
  return Status::OK();
}

}  // namespace

Status UnpackFastLanes(const uint8_t* packed, int64_t packed_size, int uncompressed_bits,
                       int bit_width, uint8_t* out) {
  LF_RETURN_NOT_OK(CheckWordBits("fastlanes", uncompressed_bits));
  LF_RETURN_NOT_OK(CheckBitWidth("fastlanes", uncompressed_bits, bit_width));
  if (packed_size != FastLanesPackedBytes(bit_width)) {
    return Status::Corrupt("lance fastlanes: packed block of " + std::to_string(packed_size) +
                           " bytes, expected " + std::to_string(FastLanesPackedBytes(bit_width)) +
                           " for bit width " + std::to_string(bit_width));
  }
  UnpackValidated(packed, uncompressed_bits, bit_width, out);
  return Status::OK();
}

Status PackFastLanes(const uint8_t* values, int uncompressed_bits, int bit_width, uint8_t* out) {
  LF_RETURN_NOT_OK(CheckWordBits("fastlanes", uncompressed_bits));
  LF_RETURN_NOT_OK(CheckBitWidth("fastlanes", uncompressed_bits, bit_width));
  switch (uncompressed_bits) {
    case 8:
      PackBlock<uint8_t>(values, bit_width, out);
      break;
    case 16:
      PackBlock<uint16_t>(values, bit_width, out);
      break;
    case 32:
      PackBlock<uint32_t>(values, bit_width, out);
      break;
    default:
      PackBlock<uint64_t>(values, bit_width, out);
      break;
  }
  return Status::OK();
}

Status DecodeInlineBitpacked(const uint8_t* data, int64_t size, int uncompressed_bits,
                             int64_t num_values, uint8_t* out) {
  LF_RETURN_NOT_OK(CheckWordBits("inline bitpacking", uncompressed_bits));
  LF_RETURN_NOT_OK(CheckNumValues("inline bitpacking", num_values));
  if (size < 0) return Status::Corrupt("lance inline bitpacking: negative buffer size");
  const int64_t word_bytes = uncompressed_bits / 8;
  alignas(64) uint8_t tail[1024 * 8];
  int64_t pos = 0;
  int64_t done = 0;
  int64_t block = 0;
  while (done < num_values) {
    if (size - pos < word_bytes) {
      return Status::Corrupt("lance inline bitpacking: block " + std::to_string(block) +
                             " at byte " + std::to_string(pos) + ": buffer of " +
                             std::to_string(size) + " bytes ends before its bit width word");
    }
    uint64_t width = 0;
    for (int64_t i = 0; i < word_bytes; ++i) width |= uint64_t{data[pos + i]} << (8 * i);
    if (width > static_cast<uint64_t>(uncompressed_bits)) {
      return Status::Corrupt("lance inline bitpacking: block " + std::to_string(block) +
                             ": bit width " + std::to_string(width) + " exceeds " +
                             std::to_string(uncompressed_bits));
    }
    pos += word_bytes;
    const int64_t packed = FastLanesPackedBytes(static_cast<int>(width));
    if (size - pos < packed) {
      return Status::Corrupt("lance inline bitpacking: block " + std::to_string(block) +
                             " needs " + std::to_string(packed) + " packed bytes at byte " +
                             std::to_string(pos) + " but the buffer has " +
                             std::to_string(size - pos));
    }
    const int64_t n = std::min<int64_t>(kFastLanesBlockValues, num_values - done);
    uint8_t* dst = out + done * word_bytes;
    if (n == kFastLanesBlockValues) {
      UnpackValidated(data + pos, uncompressed_bits, static_cast<int>(width), dst);
    } else {
      UnpackValidated(data + pos, uncompressed_bits, static_cast<int>(width), tail);
      std::memcpy(dst, tail, static_cast<size_t>(n * word_bytes));
    }
    pos += packed;
    done += n;
    ++block;
  }
  if (pos != size) {
    return Status::Corrupt("lance inline bitpacking: " + std::to_string(size - pos) +
                           " unexpected bytes after " + std::to_string(num_values) +
                           " values in a buffer of " + std::to_string(size) + " bytes");
  }
  return Status::OK();
}

Status DecodeOutOfLineBitpacked(const uint8_t* data, int64_t size, int uncompressed_bits,
                                int bit_width, int64_t num_values, uint8_t* out) {
  LF_RETURN_NOT_OK(CheckWordBits("out-of-line bitpacking", uncompressed_bits));
  LF_RETURN_NOT_OK(CheckBitWidth("out-of-line bitpacking", uncompressed_bits, bit_width));
  LF_RETURN_NOT_OK(CheckNumValues("out-of-line bitpacking", num_values));
  const int64_t word_bytes = uncompressed_bits / 8;
  const int64_t packed = FastLanesPackedBytes(bit_width);
  const int64_t full_blocks = num_values / kFastLanesBlockValues;
  const int64_t tail_values = num_values % kFastLanesBlockValues;
  const int64_t full_bytes = full_blocks * packed;
  const int64_t raw_tail_size = full_bytes + tail_values * word_bytes;
  const int64_t packed_tail_size = full_bytes + (tail_values > 0 ? packed : 0);
  // The Rust reader treats the tail as raw exactly when the length matches the raw form.
  const bool tail_is_raw = tail_values > 0 && size == raw_tail_size;
  if (!tail_is_raw && size != packed_tail_size) {
    return Status::Corrupt(
        "lance out-of-line bitpacking: buffer of " + std::to_string(size) + " bytes for " +
        std::to_string(num_values) + " values at bit width " + std::to_string(bit_width) +
        ", expected " + std::to_string(packed_tail_size) +
        (tail_values > 0 ? " (padded tail) or " + std::to_string(raw_tail_size) + " (raw tail)"
                         : std::string()));
  }
  for (int64_t b = 0; b < full_blocks; ++b) {
    UnpackValidated(data + b * packed, uncompressed_bits, bit_width,
                    out + b * kFastLanesBlockValues * word_bytes);
  }
  if (tail_values > 0) {
    uint8_t* dst = out + full_blocks * kFastLanesBlockValues * word_bytes;
    if (tail_is_raw) {
      std::memcpy(dst, data + full_bytes, static_cast<size_t>(tail_values * word_bytes));
    } else {
      alignas(64) uint8_t tail[1024 * 8];
      UnpackValidated(data + full_bytes, uncompressed_bits, bit_width, tail);
      std::memcpy(dst, tail, static_cast<size_t>(tail_values * word_bytes));
    }
  }
  return Status::OK();
}

}  // namespace lanceflow::lance::codecs
