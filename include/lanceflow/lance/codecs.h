// Bit-level codecs of the Lance 2.1/2.2 compressive encodings (protos/encodings_v2_1.proto,
// CompressiveEncoding): FastLanes bit unpacking with the InlineBitpacking and OutOfLineBitpacking
// framings, FSST, General (LZ4/ZSTD buffer compression), RLE and ByteStreamSplit.
//
// These are pure functions over byte spans; they know nothing of pages, chunks or protobuf. The
// page decoder (MiniBlock/FullZip layouts, rep/def) slices a chunk's buffers and calls them.
//
// Contract shared by every function:
// - Input bytes are untrusted. Every size is checked; a malformed input returns
//   Status::Corrupt("lance <codec>: <what is wrong>") and never reads or writes out of bounds.
// - Caller-provided `out` pointers must have room for exactly the documented number of bytes;
//   nothing is written past it (scratch space is internal). On error `out` may be partly written.
// - All integers on disk are little-endian. Values are written to `out` in the host (x86/ARM,
//   little-endian) byte order, i.e. byte-identical to the Arrow buffer.
// - Thread safety: no shared state; all functions may be called concurrently.
#pragma once

#include <array>
#include <cstdint>

#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"
#include "lanceflow/core/status.h"

namespace lanceflow::lance::codecs {

// ---------------------------------------------------------------------------------------------
// FastLanes bit packing (rust/compression/bitpacking: the `fastlanes` crate layout).
//
// A block is 1024 values of T (T = 8/16/32/64 bits) packed at `bit_width` (0..T) bits each into
// 1024 * bit_width / T words of T (= 128 * bit_width bytes) in the transposed, interleaved
// FastLanes order (lanes of 1024/T values, row order 0,4,2,6,1,5,3,7 within each 8 rows).
// ---------------------------------------------------------------------------------------------

inline constexpr int64_t kFastLanesBlockValues = 1024;

// Bytes of one packed block: 128 * bit_width.
constexpr int64_t FastLanesPackedBytes(int bit_width) { return int64_t{128} * bit_width; }

// Unpacks one block. `packed_size` must be exactly FastLanesPackedBytes(bit_width) (for
// bit_width 0 the block is empty and all 1024 outputs are 0). `out` receives 1024 values of
// `uncompressed_bits` bits (1024 * uncompressed_bits / 8 bytes). `packed` needs no alignment.
Status UnpackFastLanes(const uint8_t* packed, int64_t packed_size, int uncompressed_bits,
                       int bit_width, uint8_t* out);

// Packs one block of 1024 values (the inverse of UnpackFastLanes; bits above `bit_width` are
// dropped). `out` receives FastLanesPackedBytes(bit_width) bytes. For tests and writers.
Status PackFastLanes(const uint8_t* values, int uncompressed_bits, int bit_width, uint8_t* out);

// InlineBitpacking (CompressiveEncoding 5, physical/bitpacking.rs), as used for one mini-block
// chunk's value buffer or a block-compressed rep/def buffer: a sequence of blocks, each one
// word of T (little-endian) holding the bit width w (0..T) followed by FastLanesPackedBytes(w)
// bytes. Every block but the last holds 1024 values; the last holds the rest of `num_values`
// (zero-padded to 1024 when packed). `size` must be exactly the sum of the block sizes.
// `out` receives num_values * uncompressed_bits / 8 bytes.
Status DecodeInlineBitpacked(const uint8_t* data, int64_t size, int uncompressed_bits,
                             int64_t num_values, uint8_t* out);

// OutOfLineBitpacking (CompressiveEncoding 4): one bit width for the whole buffer (from the
// encoding description), floor(num_values / 1024) full blocks, then a tail of num_values % 1024
// values stored either as one more zero-padded packed block or as raw values of T; the form is
// told apart by the buffer length, as the Rust reader does. `size` must match one of the two
// forms exactly. `out` receives num_values * uncompressed_bits / 8 bytes.
Status DecodeOutOfLineBitpacked(const uint8_t* data, int64_t size, int uncompressed_bits,
                                int bit_width, int64_t num_values, uint8_t* out);

// ---------------------------------------------------------------------------------------------
// FSST (CompressiveEncoding 6, rust/compression/fsst/src/fsst.rs).
// ---------------------------------------------------------------------------------------------

// Size of the serialized symbol table stored in Fsst.symbol_table.
inline constexpr int64_t kFsstSymbolTableSize = 2312;

// A parsed symbol table. Code c < num_symbols expands to the first lengths[c] bytes of
// symbols[c] (little-endian, as stored); code 255 escapes the next byte. When
// `compressed` is false the writer stored the strings verbatim (input below 32 KiB) and
// decoding is a copy.
struct FsstTable {
  bool compressed = false;
  int num_symbols = 0;
  std::array<uint64_t, 256> symbols{};
  std::array<uint8_t, 256> lengths{};
};

// Parses the table: u64 header (magic "FSST" in the upper 32 bits, bit 24 = compressed, low
// byte = symbol count), then num_symbols u64 symbols, then num_symbols length bytes (1..8),
// zero padding up to 2,312 bytes. `size` must be exactly kFsstSymbolTableSize.
Result<FsstTable> ParseFsstSymbolTable(const uint8_t* data, int64_t size);

// Decodes `num_values` FSST-compressed strings into plain bytes.
//
// Input: `offsets` holds num_values + 1 little-endian offsets of `offset_bits` (32 or 64) bits,
// non-decreasing, relative to `bytes` (the first need not be 0), the last <= bytes_size; no
// alignment needed. This is the Variable block of a mini-block chunk after its header.
// Output: appends the decoded bytes to `out_bytes`, and appends num_values end offsets of
// `out_offset_bits` (32 or 64) bits to `out_offsets`, each the size of `out_bytes` after that
// string. The caller appends the leading start offset (usually 0) once, so successive chunks
// can append into the same pair of builders to form one Arrow offsets/data pair. A 32-bit output
// offset that would pass INT32_MAX returns Status::OutOfRange.
Status FsstDecode(const FsstTable& table, const uint8_t* bytes, int64_t bytes_size,
                  const uint8_t* offsets, int offset_bits, int64_t num_values,
                  BufferBuilder* out_bytes, BufferBuilder* out_offsets, int out_offset_bits);

// ---------------------------------------------------------------------------------------------
// General buffer compression (CompressiveEncoding 10, physical/block.rs).
// ---------------------------------------------------------------------------------------------

// Values of lance.encodings21.CompressionScheme.
inline constexpr int kCompressionLz4 = 1;
inline constexpr int kCompressionZstd = 2;

// Refuse decompressed sizes above this (a mini-block chunk is <= 64 KiB, a full-zip value or
// a page buffer is far below it); a declared size beyond it is treated as corruption.
inline constexpr int64_t kMaxGeneralDecompressedSize = int64_t{1} << 30;

// Decompresses one buffer with Lance's framing:
//  - ZSTD: u64 LE uncompressed length + one zstd frame (the length must match the frame's
//    output); a buffer starting with a zstd frame (magic, reserved bit clear) is instead read
//    as a raw stream of frames. Empty input gives an empty buffer.
//  - LZ4: u32 LE uncompressed length + one LZ4 block (the output must have exactly that length).
// `max_size` caps the output (Corrupt beyond it). Unknown scheme: Status::NotImplemented.
Result<BufferPtr> DecompressGeneral(int scheme, const uint8_t* data, int64_t size,
                                    int64_t max_size = kMaxGeneralDecompressedSize);

// ---------------------------------------------------------------------------------------------
// RLE (CompressiveEncoding 8, physical/rle.rs) and ByteStreamSplit (9, byte_stream_split.rs).
// ---------------------------------------------------------------------------------------------

// Run-length decoding of one mini-block chunk: `values` holds R values of `value_bytes`
// (1, 2, 4 or 8) bytes, `run_lengths` holds R u8 run lengths (R = run_lengths_size; runs longer
// than 255 are split by the writer; 0-length runs are skipped). The runs must add up to exactly
// `num_values`. `out` receives num_values * value_bytes bytes.
Status RleDecode(const uint8_t* values, int64_t values_size, const uint8_t* run_lengths,
                 int64_t run_lengths_size, int value_bytes, int64_t num_values, uint8_t* out);

// Byte-stream-split decoding of one chunk: `in` holds value_bytes streams of num_values bytes
// (stream k = byte k of every value); in_size must equal num_values * value_bytes (value_bytes
// 2, 4 or 8 in practice; any 1..16 accepted). `out` receives num_values * value_bytes bytes.
Status ByteStreamSplitDecode(const uint8_t* in, int64_t in_size, int value_bytes,
                             int64_t num_values, uint8_t* out);

}  // namespace lanceflow::lance::codecs
