#include "ipc_compression.h"

#include <lz4frame.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <memory>
#include <string>

namespace lanceflow::arrow::ipc {
namespace {

constexpr int kZstdDefaultLevel = 1;  // what Arrow C++ uses

struct Lz4DctxDeleter {
  void operator()(LZ4F_dctx* ctx) const { LZ4F_freeDecompressionContext(ctx); }
};
struct ZstdDctxDeleter {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};
struct ZstdCctxDeleter {
  void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
};

std::string Num(int64_t v) { return std::to_string(v); }

Status DecompressLz4(const uint8_t* data, int64_t size, uint8_t* out, int64_t out_size) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
    return Status::Internal("lz4: cannot create a decompression context");
  }
  std::unique_ptr<LZ4F_dctx, Lz4DctxDeleter> ctx(raw);
  uint8_t dummy = 0;
  int64_t src_pos = 0;
  int64_t dst_pos = 0;
  size_t hint = 1;
  // LZ4F_decompress starts a new frame after one ends, so concatenated frames decode in turn.
  while (src_pos < size) {
    size_t src_n = static_cast<size_t>(size - src_pos);
    size_t dst_n = static_cast<size_t>(out_size - dst_pos);
    uint8_t* dst = out_size > dst_pos ? out + dst_pos : &dummy;
    hint = LZ4F_decompress(ctx.get(), dst, &dst_n, data + src_pos, &src_n, nullptr);
    if (LZ4F_isError(hint)) {
      return Status::Corrupt(std::string("invalid lz4 frame: ") + LZ4F_getErrorName(hint));
    }
    src_pos += static_cast<int64_t>(src_n);
    dst_pos += static_cast<int64_t>(dst_n);
    if (src_n == 0 && dst_n == 0) break;  // output full and nothing more can be consumed
  }
  if (hint != 0) {
    if (dst_pos == out_size) {
      return Status::Corrupt("lz4 frame does not end after the declared " + Num(out_size) +
                             " bytes (longer or truncated)");
    }
    return Status::Corrupt("truncated lz4 frame (decompressed " + Num(dst_pos) +
                           " of the declared " + Num(out_size) + " bytes)");
  }
  if (dst_pos != out_size) {
    return Status::Corrupt("lz4 frame decompresses to " + Num(dst_pos) + " bytes, declared " +
                           Num(out_size));
  }
  return Status::OK();
}

Status DecompressZstd(const uint8_t* data, int64_t size, uint8_t* out, int64_t out_size) {
  unsigned long long declared = ZSTD_getFrameContentSize(data, static_cast<size_t>(size));
  if (declared == ZSTD_CONTENTSIZE_ERROR) {
    return Status::Corrupt("invalid zstd frame header");
  }
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared > static_cast<uint64_t>(out_size)) {
    return Status::Corrupt("zstd frame decompresses to " + std::to_string(declared) +
                           " bytes, declared " + Num(out_size));
  }
  thread_local std::unique_ptr<ZSTD_DCtx, ZstdDctxDeleter> ctx(ZSTD_createDCtx());
  if (!ctx) return Status::Internal("zstd: cannot create a decompression context");
  uint8_t dummy = 0;
  size_t r = ZSTD_decompressDCtx(ctx.get(), out_size > 0 ? out : &dummy,
                                 static_cast<size_t>(out_size), data, static_cast<size_t>(size));
  if (ZSTD_isError(r)) {
    if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall) {
      return Status::Corrupt("zstd frame decompresses to more than the declared " + Num(out_size) +
                             " bytes");
    }
    return Status::Corrupt(std::string("invalid zstd frame: ") + ZSTD_getErrorName(r));
  }
  if (static_cast<int64_t>(r) != out_size) {
    return Status::Corrupt("zstd frame decompresses to " + Num(static_cast<int64_t>(r)) +
                           " bytes, declared " + Num(out_size));
  }
  return Status::OK();
}

}  // namespace

Result<BufferPtr> CompressBuffer(Compression codec, int level, const uint8_t* data, int64_t size) {
  BufferBuilder out;
  if (codec == Compression::kLz4Frame) {
    LZ4F_preferences_t prefs{};
    prefs.frameInfo.contentSize = static_cast<unsigned long long>(size);
    prefs.compressionLevel = level;
    size_t bound = LZ4F_compressFrameBound(static_cast<size_t>(size), &prefs);
    out.Resize(static_cast<int64_t>(bound));
    size_t n =
        LZ4F_compressFrame(out.mutable_data(), bound, data, static_cast<size_t>(size), &prefs);
    if (LZ4F_isError(n)) {
      return Status::Internal(std::string("lz4 compression failed: ") + LZ4F_getErrorName(n));
    }
    out.Resize(static_cast<int64_t>(n));
    return out.Finish();
  }
  if (codec == Compression::kZstd) {
    thread_local std::unique_ptr<ZSTD_CCtx, ZstdCctxDeleter> ctx(ZSTD_createCCtx());
    if (!ctx) return Status::Internal("zstd: cannot create a compression context");
    size_t bound = ZSTD_compressBound(static_cast<size_t>(size));
    out.Resize(static_cast<int64_t>(bound));
    size_t n = ZSTD_compressCCtx(ctx.get(), out.mutable_data(), bound, data,
                                 static_cast<size_t>(size), level == 0 ? kZstdDefaultLevel : level);
    if (ZSTD_isError(n)) {
      return Status::Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
    }
    out.Resize(static_cast<int64_t>(n));
    return out.Finish();
  }
  return Status::Internal("CompressBuffer called without a codec");
}

Status DecompressBuffer(Compression codec, const uint8_t* data, int64_t size, uint8_t* out,
                        int64_t out_size) {
  switch (codec) {
    case Compression::kLz4Frame:
      return DecompressLz4(data, size, out, out_size);
    case Compression::kZstd:
      return DecompressZstd(data, size, out, out_size);
    case Compression::kNone:
      break;
  }
  return Status::Internal("DecompressBuffer called without a codec");
}

}  // namespace lanceflow::arrow::ipc
