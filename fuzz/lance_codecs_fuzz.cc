// libFuzzer target: the Lance 2.1/2.2 codecs (lanceflow/lance/codecs.h) on untrusted bytes.
// Byte 0 picks the codec, bytes 1-3 its parameters (word size, bit width, value count); the
// rest is the encoded input. Any input must give a Status or decoded values, never a crash or
// an out-of-bounds access (run under ASan/UBSan).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "lanceflow/lance/codecs.h"

namespace codecs = lanceflow::lance::codecs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const int selector = data[0] % 7;
  const int word_bits = 8 << (data[1] % 4);
  const int bit_width = data[2] % (word_bits + 1);
  const int64_t num_values = int64_t{data[3]} * 37;  // up to 9435: several blocks and a tail
  const uint8_t* in = data + 4;
  const int64_t in_size = static_cast<int64_t>(size) - 4;
  // Exactly the documented output size, so ASan catches any write past it.
  std::vector<uint8_t> out(static_cast<size_t>(num_values * word_bits / 8) + 1);
  switch (selector) {
    case 0:
      if (in_size >= codecs::FastLanesPackedBytes(bit_width)) {
        std::vector<uint8_t> block(1024 * word_bits / 8);
        (void)codecs::UnpackFastLanes(in, codecs::FastLanesPackedBytes(bit_width), word_bits,
                                      bit_width, block.data());
      }
      break;
    case 1:
      (void)codecs::DecodeInlineBitpacked(in, in_size, word_bits, num_values, out.data());
      break;
    case 2:
      (void)codecs::DecodeOutOfLineBitpacked(in, in_size, word_bits, bit_width, num_values,
                                             out.data());
      break;
    case 3:
      (void)codecs::DecompressGeneral(1 + (data[1] & 1), in, in_size, 1 << 22);
      break;
    case 4: {
      const int value_bytes = word_bits / 8;
      const int64_t runs = in_size / (value_bytes + 1);
      (void)codecs::RleDecode(in, runs * value_bytes, in + runs * value_bytes, runs, value_bytes,
                              num_values, out.data());
      break;
    }
    case 5: {
      const int value_bytes = word_bits / 8;
      const int64_t n = in_size / value_bytes;
      std::vector<uint8_t> values(static_cast<size_t>(n * value_bytes));
      (void)codecs::ByteStreamSplitDecode(in, in_size, value_bytes, n, values.data());
      break;
    }
    default: {
      // FSST: a symbol table, then num_values+1 u32 offsets, then the compressed bytes.
      if (in_size < codecs::kFsstSymbolTableSize) break;
      auto table = codecs::ParseFsstSymbolTable(in, codecs::kFsstSymbolTableSize);
      if (!table.ok()) break;
      const uint8_t* rest = in + codecs::kFsstSymbolTableSize;
      const int64_t rest_size = in_size - codecs::kFsstSymbolTableSize;
      const int64_t n = std::min<int64_t>(data[3], rest_size / 4 - 1);
      if (n < 0) break;
      lanceflow::BufferBuilder bytes, offsets;
      (void)codecs::FsstDecode(*table, rest, rest_size, rest, 32, n, &bytes, &offsets,
                               data[2] & 1 ? 64 : 32);
      break;
    }
  }
  return 0;
}
