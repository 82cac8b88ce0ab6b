// Page compression for the Parquet codecs lanceflow writes (UNCOMPRESSED, SNAPPY raw blocks,
// ZSTD frames) and reads (the same three).
#pragma once

#include <cstdint>
#include <string>

#include "lanceflow/core/result.h"
#include "metadata.h"

namespace lanceflow::parquet {

// Appends the compressed form of [data, data+size) to *out.
Status CompressPage(format::Codec codec, int level, const uint8_t* data, int64_t size,
                    std::string* out);

// Decompresses into exactly `out_size` bytes at `out`; Corrupt when the input does not
// decompress to exactly that size, NotImplemented for codecs other than the three above.
Status DecompressPage(format::Codec codec, const uint8_t* data, int64_t size, uint8_t* out,
                      int64_t out_size);

}  // namespace lanceflow::parquet
