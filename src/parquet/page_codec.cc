#include "page_codec.h"

#include <snappy-c.h>
#include <zstd.h>

#include <cstring>

namespace lanceflow::parquet {

Status CompressPage(format::Codec codec, int level, const uint8_t* data, int64_t size,
                    std::string* out) {
  const size_t start = out->size();
  switch (codec) {
    case format::Codec::kUncompressed:
      out->append(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
      return Status::OK();
    case format::Codec::kSnappy: {
      size_t n = snappy_max_compressed_length(static_cast<size_t>(size));
      out->resize(start + n);
      if (snappy_compress(reinterpret_cast<const char*>(data), static_cast<size_t>(size),
                          out->data() + start, &n) != SNAPPY_OK) {
        return Status::Internal("parquet: snappy compression failed");
      }
      out->resize(start + n);
      return Status::OK();
    }
    case format::Codec::kZstd: {
      const size_t bound = ZSTD_compressBound(static_cast<size_t>(size));
      out->resize(start + bound);
      const size_t n =
          ZSTD_compress(out->data() + start, bound, data, static_cast<size_t>(size), level);
      if (ZSTD_isError(n)) {
        return Status::Internal(std::string("parquet: zstd compression failed: ") +
                                ZSTD_getErrorName(n));
      }
      out->resize(start + n);
      return Status::OK();
    }
    default:
      return Status::NotImplemented("parquet: cannot write codec " +
                                    std::to_string(static_cast<int>(codec)));
  }
}

Status DecompressPage(format::Codec codec, const uint8_t* data, int64_t size, uint8_t* out,
                      int64_t out_size) {
  switch (codec) {
    case format::Codec::kUncompressed:
      if (size != out_size) {
        return Status::Corrupt("uncompressed page of " + std::to_string(size) + " bytes declares " +
                               std::to_string(out_size));
      }
      if (size > 0) std::memcpy(out, data, static_cast<size_t>(size));
      return Status::OK();
    case format::Codec::kSnappy: {
      size_t n = 0;
      if (snappy_uncompressed_length(reinterpret_cast<const char*>(data), static_cast<size_t>(size),
                                     &n) != SNAPPY_OK ||
          n != static_cast<size_t>(out_size)) {
        return Status::Corrupt("snappy page does not decompress to its declared " +
                               std::to_string(out_size) + " bytes");
      }
      if (snappy_uncompress(reinterpret_cast<const char*>(data), static_cast<size_t>(size),
                            reinterpret_cast<char*>(out), &n) != SNAPPY_OK ||
          n != static_cast<size_t>(out_size)) {
        return Status::Corrupt("snappy page is damaged");
      }
      return Status::OK();
    }
    case format::Codec::kZstd: {
      const size_t n =
          ZSTD_decompress(out, static_cast<size_t>(out_size), data, static_cast<size_t>(size));
      if (ZSTD_isError(n)) {
        return Status::Corrupt(std::string("zstd page is damaged: ") + ZSTD_getErrorName(n));
      }
      if (n != static_cast<size_t>(out_size)) {
        return Status::Corrupt("zstd page decompresses to " + std::to_string(n) +
                               " bytes, header declares " + std::to_string(out_size));
      }
      return Status::OK();
    }
    default:
      return Status::NotImplemented("parquet: codec " + std::to_string(static_cast<int>(codec)) +
                                    " is not supported");
  }
}

}  // namespace lanceflow::parquet
