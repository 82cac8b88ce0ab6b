// Delta Lake deletion vectors (PROTOCOL.md "Deletion Vectors", "Deletion Vector Format"): the
// set of row indexes of a data file that are logically deleted (merge-on-read).
//
// Formats handled here:
// - Z85 (ZeroMQ base85), used for the UUID of storageType 'u' and for inline ('i') DVs.
// - RoaringBitmapArray: little-endian magic 1681511377, then the portable 64-bit Roaring layout
//   (u64 number of buckets; per bucket in ascending key order a u32 key, whose top bit must be
//   0, and a portable 32-bit Roaring bitmap of the low 32 bits).
// - DV files: a version byte 1, then per DV a big-endian u32 data size, the RoaringBitmapArray
//   bytes and a big-endian CRC-32 of them. A descriptor's offset points at the size field.
//
// Row indexes are held in memory as sorted, duplicate-free std::vector<uint64_t> (a data file of
// lanceflow holds at most a few million rows). All inputs are untrusted: a bad DV gives a
// one-line kCorrupt Status naming the DV and what is wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/core/result.h"

namespace lanceflow::delta {

// The `deletionVector` field of add/remove actions.
struct DeletionVectorDescriptor {
  char storage_type = 'u';  // 'u' (relative, UUID), 'i' (inline), 'p' (absolute path)
  std::string path_or_inline_dv;
  std::optional<int32_t> offset;  // absent for 'i'; read as 0 when absent otherwise
  int32_t size_in_bytes = 0;      // of the RoaringBitmapArray (before Z85 for inline)
  int64_t cardinality = 0;        // rows the DV deletes

  bool operator==(const DeletionVectorDescriptor&) const = default;

  // <storageType><pathOrInlineDv>[@<offset>]: identifies the logical file (path, DV).
  std::string UniqueId() const;
};

// Z85 of `bytes` (size must be a multiple of 4; kInvalidArgument otherwise).
Result<std::string> Z85Encode(std::string_view bytes);
// Z85 of `bytes` zero-padded to a multiple of 4 (the inline DV form; the descriptor's
// sizeInBytes gives the unpadded length).
std::string Z85EncodePadded(std::string_view bytes);
// Decodes Z85 (length a multiple of 5); kCorrupt naming the offending character otherwise.
Result<std::string> Z85Decode(std::string_view text);

// The canonical UUID text of 16 bytes, and back (kCorrupt on a malformed UUID).
std::string UuidToString(const uint8_t bytes[16]);
Result<std::string> UuidFromString(std::string_view text);  // 16 raw bytes

// The relative path of a 'u' DV file: "<prefix>/deletion_vector_<uuid>.bin" (no prefix: no
// directory). kCorrupt when pathOrInlineDv is shorter than 20 characters or not Z85.
Result<std::string> DeletionVectorRelativePath(const DeletionVectorDescriptor& dv);

// RoaringBitmapArray bytes of sorted, duplicate-free `rows` (kInvalidArgument otherwise, or for
// a row index >= 2^63).
Result<std::string> SerializeRoaringBitmapArray(const std::vector<uint64_t>& rows);
// Parses RoaringBitmapArray bytes; `where` names the DV in errors. Fails on a wrong magic
// number, truncation, trailing bytes, keys out of order or with the top bit set, or a bucket that
// is not a valid portable Roaring bitmap.
Result<std::vector<uint64_t>> ParseRoaringBitmapArray(std::string_view bytes,
                                                      const std::string& where);

// CRC-32 (IEEE 802.3, as zlib's crc32).
uint32_t Crc32(std::string_view bytes);

// Reads the DV of a file of the table at `table_root` (a local directory): inline, 'u' relative
// to the root, or 'p' given as an absolute local path or file: URI. Checks the size, checksum
// and cardinality against the descriptor. Rows are sorted and unique.
Result<std::vector<uint64_t>> ReadDeletionVector(const std::string& table_root,
                                                 const DeletionVectorDescriptor& dv);

// Collects the DVs of one commit into one file `deletion_vector_<uuid>.bin` in the table root.
class DeletionVectorFileWriter {
 public:
  DeletionVectorFileWriter();

  // Appends the DV of `rows` (sorted, unique, non-empty) and returns its descriptor
  // (storageType 'u', no prefix, offset of its size field).
  Result<DeletionVectorDescriptor> Add(const std::vector<uint64_t>& rows);
  bool empty() const { return count_ == 0; }
  // Writes and fsyncs the file (nothing when no DV was added). Call before committing the
  // actions that reference it.
  Status Finish(const std::string& table_root);

 private:
  std::string uuid_bytes_;  // 16 raw bytes
  std::string z85_;
  std::string content_;
  int64_t count_ = 0;
};

// Sorted union of two sorted, unique row sets.
std::vector<uint64_t> UnionRows(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b);

}  // namespace lanceflow::delta
