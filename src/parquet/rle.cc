#include "rle.h"

#include <algorithm>
#include <vector>

namespace lanceflow::parquet {

int BitWidthFor(uint64_t max_value) {
  int w = 0;
  while (max_value != 0) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

namespace {

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

template <typename T>
int64_t RunLength(const T* values, int64_t i, int64_t n) {
  int64_t j = i + 1;
  while (j < n && values[j] == values[i]) ++j;
  return j - i;
}

// True when a run of at least 8 equal values starts at i.
template <typename T>
bool LongRunAt(const T* values, int64_t i, int64_t n) {
  if (n - i < 8) return false;
  for (int64_t k = 1; k < 8; ++k) {
    if (values[i + k] != values[i]) return false;
  }
  return true;
}

template <typename T>
void Encode(const T* values, int64_t n, int bit_width, std::string* out) {
  const int value_bytes = (bit_width + 7) / 8;
  int64_t i = 0;
  while (i < n) {
    const int64_t run = RunLength(values, i, n);
    if (run >= 8 || (run == n - i)) {
      PutVarint(static_cast<uint64_t>(run) << 1, out);
      const uint32_t v = static_cast<uint32_t>(values[i]);
      for (int b = 0; b < value_bytes; ++b)
        out->push_back(static_cast<char>((v >> (8 * b)) & 0xFF));
      i += run;
      continue;
    }
    // Bit-packed groups of 8 until a long run starts at a group boundary (or the input ends;
    // only the very last group may be padded with zeros).
    int64_t end = i;
    do {
      end += 8;
    } while (end < n && !LongRunAt(values, end, n));
    const int64_t groups = (end - i) / 8;
    PutVarint((static_cast<uint64_t>(groups) << 1) | 1, out);
    const size_t start = out->size();
    out->resize(start + static_cast<size_t>(groups * bit_width));
    auto* dst = reinterpret_cast<uint8_t*>(out->data() + start);
    uint64_t acc = 0;
    int acc_bits = 0;
    for (int64_t k = i; k < end; ++k) {
      const uint64_t v = k < n ? static_cast<uint32_t>(values[k]) : 0;
      acc |= v << acc_bits;
      acc_bits += bit_width;
      while (acc_bits >= 8) {
        *dst++ = static_cast<uint8_t>(acc & 0xFF);
        acc >>= 8;
        acc_bits -= 8;
      }
    }
    i = std::min(end, n);
  }
}

}  // namespace

void RleEncode(const uint32_t* values, int64_t n, int bit_width, std::string* out) {
  Encode(values, n, bit_width, out);
}
void RleEncode(const int16_t* values, int64_t n, int bit_width, std::string* out) {
  Encode(values, n, bit_width, out);
}

Status RleDecode(const uint8_t* data, int64_t size, int bit_width, int64_t n, uint32_t* out,
                 int64_t* consumed) {
  if (bit_width < 0 || bit_width > 32) {
    return Status::Corrupt("rle/bit-packed run: bit width " + std::to_string(bit_width) +
                           " outside 0..32");
  }
  const int value_bytes = (bit_width + 7) / 8;
  const uint64_t mask = bit_width == 32 ? 0xFFFFFFFFull : ((uint64_t{1} << bit_width) - 1);
  int64_t pos = 0;
  int64_t got = 0;
  auto error = [&](const char* what) {
    return Status::Corrupt(std::string("rle/bit-packed run at byte ") + std::to_string(pos) + ": " +
                           what + " (decoded " + std::to_string(got) + " of " + std::to_string(n) +
                           " values)");
  };
  while (got < n) {
    uint64_t header = 0;
    int shift = 0;
    while (true) {
      if (pos >= size) return error("input ends before all values");
      const uint8_t b = data[pos++];
      if (shift > 56) return error("run header varint too long");
      header |= static_cast<uint64_t>(b & 0x7F) << shift;
      shift += 7;
      if ((b & 0x80) == 0) break;
    }
    if (header & 1) {
      const uint64_t groups = header >> 1;
      if (groups == 0) return error("empty bit-packed run");
      const uint64_t bytes = groups * static_cast<uint64_t>(bit_width);
      if (groups > static_cast<uint64_t>(size) || bytes > static_cast<uint64_t>(size - pos)) {
        return error("bit-packed run extends past the end of the input");
      }
      const int64_t count = std::min<int64_t>(static_cast<int64_t>(groups * 8), n - got);
      const uint8_t* src = data + pos;
      if (bit_width == 0) {
        std::fill(out + got, out + got + count, 0u);
      } else {
        uint64_t acc = 0;
        int acc_bits = 0;
        for (int64_t k = 0; k < count; ++k) {
          while (acc_bits < bit_width) {
            acc |= static_cast<uint64_t>(*src++) << acc_bits;
            acc_bits += 8;
          }
          out[got + k] = static_cast<uint32_t>(acc & mask);
          acc >>= bit_width;
          acc_bits -= bit_width;
        }
      }
      pos += static_cast<int64_t>(bytes);
      got += count;
    } else {
      const uint64_t count = header >> 1;
      if (count == 0) return error("empty rle run");
      if (value_bytes > size - pos) return error("rle run value extends past the end");
      uint32_t v = 0;
      for (int b = 0; b < value_bytes; ++b) v |= static_cast<uint32_t>(data[pos + b]) << (8 * b);
      pos += value_bytes;
      if (v & ~mask) return error("rle run value wider than the bit width");
      const int64_t take =
          static_cast<int64_t>(std::min<uint64_t>(count, static_cast<uint64_t>(n - got)));
      std::fill(out + got, out + got + take, v);
      got += take;
    }
  }
  if (consumed) *consumed = pos;
  return Status::OK();
}

}  // namespace lanceflow::parquet
