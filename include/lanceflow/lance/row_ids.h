// Stable row ids and row versions of a fragment (protos/rowids.proto of the Lance project):
//   RowIdSequence {repeated U64Segment segments}
//   U64Segment oneof {1 Range{start,end}, 2 RangeWithHoles{start,end,holes},
//                     3 RangeWithBitmap{start,end,bitmap (1 = present)},
//                     bit i of the bitmap is (byte i/8 >> i%8) & 1, least significant bit
//                     first as lance 12 writes it (the proto comment says MSB first),
//                     4 sorted_array, 5 array: EncodedU64Array}
//   EncodedU64Array oneof {1 U16Array{base, offsets LE u16}, 2 U32Array{base, offsets LE u32},
//                          3 U64Array{values LE u64}}
//   Row version sequences: {repeated Run {1 U64Segment span, 2 uint64 version}}; a run covers
//   span.size() consecutive row positions of the fragment.
// Sequences are expanded to one value per physical row of the fragment. A sequence may hold a
// value per physical row, or (when Lance rewrote it after deletions) a value per live row only;
// then the values are spread over the live rows of `deletions` and deleted positions read 0.
// Sizes are checked against `expected_rows` before anything is allocated; errors are
// Status::Corrupt naming `what`.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "lanceflow/core/result.h"
#include "lanceflow/lance/deletion.h"

namespace lanceflow::lance {

// The row ids of a fragment's `expected_rows` physical rows.
Result<std::vector<uint64_t>> DecodeRowIdSequence(std::string_view bytes, uint64_t expected_rows,
                                                  const DeletionVector* deletions,
                                                  std::string_view what);

// The version of each of a fragment's `expected_rows` physical rows. Empty `bytes` (no
// sequence recorded) gives `default_version` for every row.
Result<std::vector<uint64_t>> DecodeRowVersionSequence(std::string_view bytes,
                                                       uint64_t expected_rows,
                                                       uint64_t default_version,
                                                       const DeletionVector* deletions,
                                                       std::string_view what);

}  // namespace lanceflow::lance
