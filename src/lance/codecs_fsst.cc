// FSST decoding (rust/compression/fsst/src/fsst.rs; physical/fsst.rs wraps it around the
// Variable mini-block encoding).
//
// Symbol table (FsstEncoder::export): u64 header = "FSST" << 32 | switch << 24 |
// suffix_lim << 16 | terminator << 8 | n_symbols, then n_symbols u64 symbols, then n_symbols
// length bytes, then zeros up to 2,312 bytes. Compressed strings: code c < 255 expands to
// symbol c, 255 escapes one literal byte. Strings are compressed independently, so an escape
// never spans two strings; with that checked, the concatenated range decodes in one loop.
#include <cstring>
#include <limits>
#include <string>

#include "lanceflow/lance/codecs.h"

namespace lanceflow::lance::codecs {
namespace {

constexpr uint64_t kFsstMagic = 0x46535354;  // "FSST"
constexpr uint8_t kFsstEscape = 255;

inline uint64_t LoadLE(const uint8_t* p, int bytes) {
  if (bytes == 4) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

Status Corrupt(const std::string& what) { return Status::Corrupt("lance fsst: " + what); }

}  // namespace

Result<FsstTable> ParseFsstSymbolTable(const uint8_t* data, int64_t size) {
  if (size != kFsstSymbolTableSize) {
    return Corrupt("symbol table of " + std::to_string(size) + " bytes, expected " +
                   std::to_string(kFsstSymbolTableSize));
  }
  uint64_t header;
  std::memcpy(&header, data, 8);
  if ((header >> 32) != kFsstMagic) return Corrupt("symbol table lacks the FSST magic");
  FsstTable table;
  table.compressed = ((header >> 24) & 1) != 0;
  table.num_symbols = static_cast<int>(header & 0xFF);
  if (!table.compressed) return table;  // strings are stored verbatim; symbols are unused
  const uint8_t* symbols = data + 8;
  const uint8_t* lengths = symbols + 8 * table.num_symbols;
  for (int i = 0; i < table.num_symbols; ++i) {
    std::memcpy(&table.symbols[i], symbols + 8 * i, 8);
    table.lengths[i] = lengths[i];
    if (lengths[i] < 1 || lengths[i] > 8) {
      return Corrupt("symbol " + std::to_string(i) + " has length " +
                     std::to_string(lengths[i]) + ", expected 1..8");
    }
  }
  return table;
}

Status FsstDecode(const FsstTable& table, const uint8_t* bytes, int64_t bytes_size,
                  const uint8_t* offsets, int offset_bits, int64_t num_values,
                  BufferBuilder* out_bytes, BufferBuilder* out_offsets, int out_offset_bits) {
  if (offset_bits != 32 && offset_bits != 64) {
    return Corrupt("offset width " + std::to_string(offset_bits) + " is not 32 or 64 bits");
  }
  if (out_offset_bits != 32 && out_offset_bits != 64) {
    return Status::Invalid("lance fsst: output offset width " + std::to_string(out_offset_bits) +
                           " is not 32 or 64 bits");
  }
  if (num_values < 0 || bytes_size < 0) {
    return Corrupt("negative value count or buffer size");
  }
  const int in_w = offset_bits / 8;
  const int out_w = out_offset_bits / 8;
  const uint64_t first = LoadLE(offsets, in_w);
  const uint64_t last = LoadLE(offsets + num_values * in_w, in_w);
  if (first > last || last > static_cast<uint64_t>(bytes_size)) {
    return Corrupt("offsets [" + std::to_string(first) + ", " + std::to_string(last) +
                   "] outside the " + std::to_string(bytes_size) + "-byte data");
  }
  const int64_t base = out_bytes->size();
  const int64_t out_limit = out_w == 4 ? std::numeric_limits<int32_t>::max()
                                       : std::numeric_limits<int64_t>::max();
  const int64_t offsets_start = out_offsets->size();
  out_offsets->Resize(offsets_start + num_values * out_w);
  uint8_t* out_off = out_offsets->mutable_data() + offsets_start;

  // Pass 1: validate every string and compute the output offsets.
  int64_t total = 0;
  uint64_t prev = first;
  const std::array<uint8_t, 256>& lens = table.lengths;
  const int num_symbols = table.num_symbols;
  for (int64_t i = 0; i < num_values; ++i) {
    const uint64_t end = LoadLE(offsets + (i + 1) * in_w, in_w);
    if (end < prev || end > last) {
      out_offsets->Resize(offsets_start);
      return Corrupt("offset " + std::to_string(i + 1) + " (" + std::to_string(end) +
                     ") is outside [" + std::to_string(prev) + ", " + std::to_string(last) + "]");
    }
    if (!table.compressed) {
      total += static_cast<int64_t>(end - prev);
    } else {
      uint64_t p = prev;
      int64_t len = 0;
      while (p < end) {
        const uint8_t c = bytes[p];
        if (c == kFsstEscape) {
          if (p + 1 >= end) {
            out_offsets->Resize(offsets_start);
            return Corrupt("string " + std::to_string(i) + " ends with an escape code");
          }
          len += 1;
          p += 2;
        } else {
          if (c >= num_symbols) {
            out_offsets->Resize(offsets_start);
            return Corrupt("string " + std::to_string(i) + " uses code " + std::to_string(c) +
                           " but the table has " + std::to_string(num_symbols) + " symbols");
          }
          len += lens[c];
          p += 1;
        }
      }
      total += len;
    }
    const int64_t out_end = base + total;
    if (out_end > out_limit) {
      out_offsets->Resize(offsets_start);
      return Status::OutOfRange("lance fsst: decoded strings exceed 32-bit offsets at string " +
                                std::to_string(i));
    }
    if (out_w == 4) {
      const uint32_t v = static_cast<uint32_t>(out_end);
      std::memcpy(out_off + i * 4, &v, 4);
    } else {
      const uint64_t v = static_cast<uint64_t>(out_end);
      std::memcpy(out_off + i * 8, &v, 8);
    }
    prev = end;
  }

  // Pass 2: decode the whole validated range. Symbols are stored as 8-byte words and the
  // cursor advances by the symbol length, so 8 bytes of slack are kept past the end.
  const uint8_t* in = bytes + first;
  const uint8_t* in_end = bytes + last;
  if (!table.compressed) {
    out_bytes->Append(in, static_cast<int64_t>(last - first));
    return Status::OK();
  }
  out_bytes->Resize(base + total + 8);
  uint8_t* out = out_bytes->mutable_data() + base;
  const uint64_t* symbols = table.symbols.data();
  while (in < in_end) {
    const uint8_t c = *in;
    if (c != kFsstEscape) {
      std::memcpy(out, &symbols[c], 8);
      out += lens[c];
      in += 1;
    } else {
      *out++ = in[1];
      in += 2;
    }
  }
  out_bytes->Resize(base + total);
  return Status::OK();
}

}  // namespace lanceflow::lance::codecs
