// General buffer compression (physical/block.rs, ZstdBufferCompressor / Lz4BufferCompressor).
//
// ZSTD: the writer emits u64 LE uncompressed length + a zstd frame. Older data may hold a raw
// zstd stream; the Rust reader takes a buffer as raw when it starts with the frame magic and
// the frame header's reserved bit is clear, and we apply the same test.
// LZ4: u32 LE uncompressed length + one LZ4 block (lz4 crate's `prepend_size` framing).
#include <lz4.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "lanceflow/lance/codecs.h"

namespace lanceflow::lance::codecs {
namespace {

constexpr uint32_t kZstdMagic = 0xFD2FB528;

bool IsRawZstdStream(const uint8_t* data, int64_t size) {
  if (size < 8) return true;  // too short to hold the 8-byte length prefix
  uint32_t magic;
  std::memcpy(&magic, data, 4);
  if (magic != kZstdMagic) return false;
  // Rust tests bit 0x10 of the frame header descriptor (an unused bit, 0 in valid frames).
  return (data[4] & 0x10) == 0;
}

struct ZstdDCtxDeleter {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

Result<BufferPtr> ZstdDecompressRaw(const uint8_t* data, int64_t size, int64_t max_size) {
  std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter> ctx(ZSTD_createDCtx());
  if (!ctx) return Status::Internal("lance zstd: cannot allocate a decompression context");
  std::string out;
  out.resize(static_cast<size_t>(std::min<int64_t>(max_size, std::max<int64_t>(size * 4, 4096))));
  ZSTD_inBuffer in{data, static_cast<size_t>(size), 0};
  size_t pos = 0;
  while (true) {
    if (pos == out.size()) {
      if (static_cast<int64_t>(out.size()) >= max_size) {
        return Status::Corrupt("lance zstd: raw stream decompresses to more than " +
                               std::to_string(max_size) + " bytes");
      }
      out.resize(static_cast<size_t>(
          std::min<int64_t>(max_size, static_cast<int64_t>(out.size()) * 2)));
    }
    ZSTD_outBuffer o{out.data(), out.size(), pos};
    const size_t ret = ZSTD_decompressStream(ctx.get(), &o, &in);
    if (ZSTD_isError(ret)) {
      return Status::Corrupt(std::string("lance zstd: ") + ZSTD_getErrorName(ret));
    }
    pos = o.pos;
    if (ret == 0 && in.pos == in.size) break;  // last frame complete, input consumed
    if (in.pos == in.size && o.pos < o.size) {
      return Status::Corrupt("lance zstd: raw stream truncated after " +
                             std::to_string(size) + " bytes");
    }
  }
  out.resize(pos);
  return Buffer::FromString(std::move(out));
}

Result<BufferPtr> ZstdDecompress(const uint8_t* data, int64_t size, int64_t max_size) {
  if (size == 0) return Buffer::CopyOf("", 0);
  if (IsRawZstdStream(data, size)) return ZstdDecompressRaw(data, size, max_size);
  uint64_t declared;
  std::memcpy(&declared, data, 8);
  if (declared > static_cast<uint64_t>(max_size)) {
    return Status::Corrupt("lance zstd: declared uncompressed size " + std::to_string(declared) +
                           " exceeds the limit of " + std::to_string(max_size) + " bytes");
  }
  BufferBuilder out;
  out.Resize(static_cast<int64_t>(declared));
  const size_t got = ZSTD_decompress(out.mutable_data(), static_cast<size_t>(declared),
                                     data + 8, static_cast<size_t>(size - 8));
  if (ZSTD_isError(got)) {
    return Status::Corrupt(std::string("lance zstd: ") + ZSTD_getErrorName(got) +
                           " (declared size " + std::to_string(declared) + ")");
  }
  if (got != declared) {
    return Status::Corrupt("lance zstd: frame decompresses to " + std::to_string(got) +
                           " bytes, declared " + std::to_string(declared));
  }
  return out.Finish();
}

Result<BufferPtr> Lz4Decompress(const uint8_t* data, int64_t size, int64_t max_size) {
  if (size < 4) {
    return Status::Corrupt("lance lz4: buffer of " + std::to_string(size) +
                           " bytes lacks the 4-byte size prefix");
  }
  uint32_t declared;
  std::memcpy(&declared, data, 4);
  // The lz4 crate reads the prefix as i32 and refuses negative sizes.
  if (declared > static_cast<uint32_t>(std::numeric_limits<int32_t>::max()) ||
      static_cast<int64_t>(declared) > max_size) {
    return Status::Corrupt("lance lz4: declared uncompressed size " + std::to_string(declared) +
                           " exceeds the limit of " + std::to_string(max_size) + " bytes");
  }
  if (size - 4 > std::numeric_limits<int32_t>::max()) {
    return Status::Corrupt("lance lz4: compressed block larger than 2 GiB");
  }
  BufferBuilder out;
  out.Resize(declared);
  const int got =
      LZ4_decompress_safe(reinterpret_cast<const char*>(data + 4),
                          reinterpret_cast<char*>(out.mutable_data()),
                          static_cast<int>(size - 4), static_cast<int>(declared));
  if (got < 0) {
    return Status::Corrupt("lance lz4: malformed block (declared size " +
                           std::to_string(declared) + ")");
  }
  if (static_cast<uint32_t>(got) != declared) {
    return Status::Corrupt("lance lz4: block decompresses to " + std::to_string(got) +
                           " bytes, declared " + std::to_string(declared));
  }
  return out.Finish();
}

}  // namespace

Result<BufferPtr> DecompressGeneral(int scheme, const uint8_t* data, int64_t size,
                                    int64_t max_size) {
  if (size < 0) return Status::Corrupt("lance general compression: negative buffer size");
  if (max_size < 0) max_size = 0;
  switch (scheme) {
    case kCompressionZstd:
      return ZstdDecompress(data, size, max_size);
    case kCompressionLz4:
      return Lz4Decompress(data, size, max_size);
    default:
      return Status::NotImplemented("lance general compression: unknown scheme " +
                                    std::to_string(scheme));
  }
}

}  // namespace lanceflow::lance::codecs
