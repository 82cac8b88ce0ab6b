// Run-length decoding of a mini-block chunk (physical/rle.rs): a values buffer of R fixed-width
// values and a lengths buffer of R u8 run lengths; the writer splits runs longer than 255.
#include <cstring>
#include <string>

#include "lanceflow/lance/codecs.h"

namespace lanceflow::lance::codecs {
namespace {

template <int kBytes>
void FillRuns(const uint8_t* values, const uint8_t* run_lengths, int64_t runs, uint8_t* out) {
  for (int64_t r = 0; r < runs; ++r) {
    uint8_t v[kBytes];
    std::memcpy(v, values + r * kBytes, kBytes);
    const int n = run_lengths[r];
    for (int i = 0; i < n; ++i) std::memcpy(out + i * kBytes, v, kBytes);
    out += int64_t{n} * kBytes;
  }
}

}  // namespace

Status RleDecode(const uint8_t* values, int64_t values_size, const uint8_t* run_lengths,
                 int64_t run_lengths_size, int value_bytes, int64_t num_values, uint8_t* out) {
  if (value_bytes != 1 && value_bytes != 2 && value_bytes != 4 && value_bytes != 8) {
    return Status::Corrupt("lance rle: value width " + std::to_string(value_bytes) +
                           " bytes is not 1, 2, 4 or 8");
  }
  if (num_values < 0 || values_size < 0 || run_lengths_size < 0) {
    return Status::Corrupt("lance rle: negative value count or buffer size");
  }
  if (values_size != run_lengths_size * value_bytes) {
    return Status::Corrupt("lance rle: " + std::to_string(run_lengths_size) +
                           " run lengths but a values buffer of " + std::to_string(values_size) +
                           " bytes (expected " +
                           std::to_string(run_lengths_size * value_bytes) + ")");
  }
  int64_t total = 0;
  for (int64_t r = 0; r < run_lengths_size; ++r) total += run_lengths[r];
  if (total != num_values) {
    return Status::Corrupt("lance rle: runs add up to " + std::to_string(total) +
                           " values, expected " + std::to_string(num_values));
  }
  switch (value_bytes) {
    case 1:
      FillRuns<1>(values, run_lengths, run_lengths_size, out);
      break;
    case 2:
      FillRuns<2>(values, run_lengths, run_lengths_size, out);
      break;
    case 4:
      FillRuns<4>(values, run_lengths, run_lengths_size, out);
      break;
    default:
      FillRuns<8>(values, run_lengths, run_lengths_size, out);
      break;
  }
  return Status::OK();
}

}  // namespace lanceflow::lance::codecs
