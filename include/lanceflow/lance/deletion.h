// Lance deletion files (`_deletions/{fragment}-{read_version}-{id}.arrow|.bin`,
// rust/lance-table/src/io/deletion.rs): the physical row offsets of a fragment that are deleted.
//   .arrow  Arrow IPC file, one UInt32 column (Int32 accepted) of offsets, any order
//   .bin    32-bit Roaring bitmap, portable serialization
// Decoding takes the file's bytes (no I/O) and validates them: no nulls, no duplicates, every
// offset below the fragment's physical_rows (when known), and the count equal to the manifest's
// num_deleted_rows (when recorded). Errors are Status::Corrupt naming the file.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"
#include "lanceflow/lance/manifest.h"

namespace lanceflow::lance {

// A sorted set of deleted row offsets within one fragment. Immutable value.
class DeletionVector {
 public:
  DeletionVector() = default;
  // `sorted_offsets` must be strictly increasing.
  explicit DeletionVector(std::vector<uint32_t> sorted_offsets)
      : offsets_(std::move(sorted_offsets)) {}

  int64_t size() const { return static_cast<int64_t>(offsets_.size()); }
  bool empty() const { return offsets_.empty(); }
  bool Contains(uint32_t offset) const {
    return std::binary_search(offsets_.begin(), offsets_.end(), offset);
  }
  const std::vector<uint32_t>& offsets() const { return offsets_; }

 private:
  std::vector<uint32_t> offsets_;
};

// Decodes a deletion file of `ref.type`. `physical_rows` 0 = unknown (no range check);
// `name` prefixes errors.
Result<DeletionVector> DecodeDeletionFile(const BufferPtr& bytes, const DeletionFileRef& ref,
                                          uint64_t physical_rows, std::string_view name);

}  // namespace lanceflow::lance
