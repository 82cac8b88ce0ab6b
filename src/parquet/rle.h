// The RLE / bit-packing hybrid of parquet-format Encodings.md, used for definition and
// repetition levels and for dictionary indices. Runs are `varint(count << 1)` + the value in
// ceil(bit_width / 8) little-endian bytes, or `varint(groups << 1 | 1)` + groups of 8 values
// packed least significant bit first. The decoder reads untrusted bytes.
#pragma once

#include <cstdint>
#include <string>

#include "lanceflow/core/result.h"

namespace lanceflow::parquet {

// Bits needed to store `max_value` (0 for 0).
int BitWidthFor(uint64_t max_value);

// Appends the hybrid encoding of values[0..n) to *out (no length prefix). Every value must fit
// in `bit_width` bits (0..32). Long runs of one value become RLE runs, the rest bit-packed
// groups; only the final group is padded.
void RleEncode(const uint32_t* values, int64_t n, int bit_width, std::string* out);
void RleEncode(const int16_t* values, int64_t n, int bit_width, std::string* out);

// Decodes exactly `n` values from [data, data+size) into out[0..n). Corrupt when the input
// ends first, a run header is malformed, or bit_width is outside 0..32. Bytes left over after
// the n-th value are ignored (the last bit-packed group may be padded).
// *consumed (optional) gets the number of bytes of the runs read.
Status RleDecode(const uint8_t* data, int64_t size, int bit_width, int64_t n, uint32_t* out,
                 int64_t* consumed = nullptr);

}  // namespace lanceflow::parquet
