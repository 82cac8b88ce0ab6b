#include "lanceflow/lance/deletion.h"

#include <roaring/roaring.h>

#include <memory>
#include <string>
#include <utility>

#include "lanceflow/arrow/ipc.h"

namespace lanceflow::lance {
namespace {

// Offsets fit u32 (row address = fragment id << 32 | offset), so a deletion vector never has
// more than 2^32 entries; this caps allocations for hostile inputs before physical_rows helps.
constexpr uint64_t kMaxDeletedRows = uint64_t{1} << 32;

Result<std::vector<uint32_t>> DecodeArrow(const BufferPtr& bytes, const std::string& where) {
  auto reader = arrow::ipc::FileReader::Open(bytes);
  if (!reader.ok()) return reader.status().WithContext(where);
  const arrow::SchemaPtr& schema = (*reader)->schema();
  if (schema->num_fields() != 1) {
    return Status::Corrupt(where + ": expected one column, found " +
                           std::to_string(schema->num_fields()));
  }
  arrow::TypeId id = schema->field(0)->type->id();
  if (id != arrow::TypeId::kUInt32 && id != arrow::TypeId::kInt32) {
    return Status::Corrupt(where + ": column '" + schema->field(0)->name + "' has type " +
                           schema->field(0)->type->ToString() + ", expected uint32");
  }
  std::vector<uint32_t> out;
  for (int b = 0; b < (*reader)->num_record_batches(); ++b) {
    auto batch = (*reader)->ReadRecordBatch(b);
    if (!batch.ok()) return batch.status().WithContext(where);
    const arrow::ArrayData& col = *(*batch)->column(0);
    if (col.length == 0) continue;
    if (arrow::CountNulls(col) != 0) return Status::Corrupt(where + ": null row offset");
    for (int64_t i = 0; i < col.length; ++i) {
      if (id == arrow::TypeId::kInt32) {
        int32_t v = col.values<int32_t>()[i];
        if (v < 0) return Status::Corrupt(where + ": negative row offset " + std::to_string(v));
        out.push_back(static_cast<uint32_t>(v));
      } else {
        out.push_back(col.values<uint32_t>()[i]);
      }
    }
  }
  std::sort(out.begin(), out.end());
  if (auto dup = std::adjacent_find(out.begin(), out.end()); dup != out.end()) {
    return Status::Corrupt(where + ": row offset " + std::to_string(*dup) + " listed twice");
  }
  return out;
}

Result<std::vector<uint32_t>> DecodeBitmap(const Buffer& bytes, uint64_t physical_rows,
                                           const std::string& where) {
  const char* data = reinterpret_cast<const char*>(bytes.data());
  auto size = static_cast<size_t>(bytes.size());
  size_t needed = roaring_bitmap_portable_deserialize_size(data, size);
  if (needed == 0) return Status::Corrupt(where + ": invalid roaring bitmap");
  if (needed != size) {
    return Status::Corrupt(where + ": roaring bitmap of " + std::to_string(needed) +
                           " bytes followed by " + std::to_string(size - needed) +
                           " trailing bytes");
  }
  std::unique_ptr<roaring_bitmap_t, void (*)(const roaring_bitmap_t*)> bitmap(
      roaring_bitmap_portable_deserialize_safe(data, size), roaring_bitmap_free);
  if (!bitmap) return Status::Corrupt(where + ": invalid roaring bitmap");
  uint64_t card = roaring_bitmap_get_cardinality(bitmap.get());
  uint64_t limit = physical_rows != 0 ? physical_rows : kMaxDeletedRows;
  if (card > limit) {
    return Status::Corrupt(where + ": " + std::to_string(card) + " deleted rows exceed the " +
                           std::to_string(limit) + " rows of the fragment");
  }
  std::vector<uint32_t> out(static_cast<size_t>(card));
  if (card != 0) roaring_bitmap_to_uint32_array(bitmap.get(), out.data());
  // The library does not check container contents; require strictly increasing values.
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i] <= out[i - 1]) return Status::Corrupt(where + ": roaring containers unsorted");
  }
  return out;
}

}  // namespace

Result<DeletionVector> DecodeDeletionFile(const BufferPtr& bytes, const DeletionFileRef& ref,
                                          uint64_t physical_rows, std::string_view name) {
  const std::string where = "deletion file " + std::string(name);
  std::vector<uint32_t> offsets;
  if (ref.type == DeletionFileType::kArrowArray) {
    LF_ASSIGN_OR_RETURN(offsets, DecodeArrow(bytes, where));
  } else {
    LF_ASSIGN_OR_RETURN(offsets, DecodeBitmap(*bytes, physical_rows, where));
  }
  if (physical_rows != 0 && !offsets.empty() && offsets.back() >= physical_rows) {
    return Status::Corrupt(where + ": row offset " + std::to_string(offsets.back()) +
                           " is not below the fragment's " + std::to_string(physical_rows) +
                           " physical rows");
  }
  if (ref.num_deleted_rows != 0 && offsets.size() != ref.num_deleted_rows) {
    return Status::Corrupt(where + ": holds " + std::to_string(offsets.size()) +
                           " row offsets, the manifest records " +
                           std::to_string(ref.num_deleted_rows));
  }
  return DeletionVector(std::move(offsets));
}

}  // namespace lanceflow::lance
