// Buffer codecs of Arrow IPC body compression (Message.fbs, BodyCompression): each buffer is one
// LZ4 frame or one ZSTD frame. Internal to the arrow module.
#pragma once

#include <cstdint>

#include "lanceflow/arrow/ipc.h"
#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"

namespace lanceflow::arrow::ipc {

// Compresses [data, data+size) with `codec` (not kNone); `level` 0 means the codec default.
Result<BufferPtr> CompressBuffer(Compression codec, int level, const uint8_t* data, int64_t size);

// Decompresses [data, data+size) into exactly `out_size` bytes at `out`. Corrupt when the
// payload is invalid or does not decode to exactly `out_size` bytes; the message names the codec.
Status DecompressBuffer(Compression codec, const uint8_t* data, int64_t size, uint8_t* out,
                        int64_t out_size);

}  // namespace lanceflow::arrow::ipc
