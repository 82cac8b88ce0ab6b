// Byte-stream-split decoding of a mini-block chunk (physical/byte_stream_split.rs): stream k
// (num_values bytes) holds byte k of every value, streams are concatenated in byte order.
#include <cstring>
#include <string>

#include "lanceflow/lance/codecs.h"

namespace lanceflow::lance::codecs {
namespace {

template <int kBytes>
void Interleave(const uint8_t* in, int64_t n, uint8_t* out) {
  for (int64_t i = 0; i < n; ++i) {
    uint8_t v[kBytes];
    for (int k = 0; k < kBytes; ++k) v[k] = in[k * n + i];
    std::memcpy(out + i * kBytes, v, kBytes);
  }
}

}  // namespace

Status ByteStreamSplitDecode(const uint8_t* in, int64_t in_size, int value_bytes,
                             int64_t num_values, uint8_t* out) {
  if (value_bytes < 1 || value_bytes > 16) {
    return Status::Corrupt("lance byte stream split: value width " +
                           std::to_string(value_bytes) + " bytes is not in 1..16");
  }
  if (num_values < 0 || num_values > (int64_t{1} << 40) || in_size != num_values * value_bytes) {
    return Status::Corrupt("lance byte stream split: buffer of " + std::to_string(in_size) +
                           " bytes for " + std::to_string(num_values) + " values of " +
                           std::to_string(value_bytes) + " bytes");
  }
  switch (value_bytes) {
    case 2:
      Interleave<2>(in, num_values, out);
      break;
    case 4:
      Interleave<4>(in, num_values, out);
      break;
    case 8:
      Interleave<8>(in, num_values, out);
      break;
    default:
      for (int64_t i = 0; i < num_values; ++i) {
        for (int k = 0; k < value_bytes; ++k) out[i * value_bytes + k] = in[k * num_values + i];
      }
      break;
  }
  return Status::OK();
}

}  // namespace lanceflow::lance::codecs
