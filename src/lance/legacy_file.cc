// Legacy (0.1/0.2) data file metadata: footer, Metadata, embedded schema and page table.
// Layout: include/lanceflow/lance/legacy_file.h.
#include "lanceflow/lance/legacy_file.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "protobuf_reader.h"

namespace lanceflow::lance {
namespace {

// The first read: big enough for the Metadata and, in small files, everything after the pages.
constexpr int64_t kTailRead = 64 * 1024;

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Bytes [pos, pos + len) of the file, from `cached` (covering [cached_start, file end)) when it
// holds them, else through read_range.
class RangeSource {
 public:
  RangeSource(const ReadRangeFunction& read_range, int64_t file_size, BufferPtr tail,
              const std::string& where)
      : read_range_(read_range),
        file_size_(file_size),
        tail_(std::move(tail)),
        tail_start_(file_size - tail_->size()),
        where_(where) {}

  Result<BufferPtr> Get(int64_t pos, int64_t len, const std::string& what) const {
    if (pos < 0 || len < 0 || pos > file_size_ || len > file_size_ - pos) {
      return Status::Corrupt(where_ + ": " + what + " (" + std::to_string(len) + " bytes at byte " +
                             std::to_string(pos) + ") lies outside the file of " +
                             std::to_string(file_size_) + " bytes");
    }
    if (pos >= tail_start_) return tail_->Slice(pos - tail_start_, len);
    LF_ASSIGN_OR_RETURN(BufferPtr b, read_range_(pos, len));
    if (!b || b->size() != len) {
      return Status::IOError(where_ + ": short read of the " + what);
    }
    return b;
  }

  // A u32-length-prefixed protobuf message at `pos` that must end by `limit`.
  Result<BufferPtr> Message(int64_t pos, int64_t limit, const std::string& what) const {
    if (pos < 0 || pos > limit - 4) {
      return Status::Corrupt(where_ + ": " + what + " position " + std::to_string(pos) +
                             " lies outside the file");
    }
    LF_ASSIGN_OR_RETURN(BufferPtr len_bytes, Get(pos, 4, what + " length"));
    int64_t len = Load<uint32_t>(len_bytes->data());
    if (len > limit - pos - 4) {
      return Status::Corrupt(where_ + ": " + what + " of " + std::to_string(len) +
                             " bytes at byte " + std::to_string(pos) + " runs past byte " +
                             std::to_string(limit));
    }
    return Get(pos + 4, len, what);
  }

 private:
  const ReadRangeFunction& read_range_;
  int64_t file_size_;
  BufferPtr tail_;
  int64_t tail_start_;
  const std::string& where_;
};

Status DecodeMetadata(const Buffer& msg, int64_t base, const std::string& where,
                      LegacyFileMetadata* md) {
  ProtoReader r(msg.data(), msg.size(), where + " metadata", base);
  uint32_t f;
  WireType t;
  std::vector<int32_t> offsets;
  while (!r.done()) {
    LF_RETURN_NOT_OK(r.NextField(&f, &t));
    switch (f) {
      case 1: {
        LF_ASSIGN_OR_RETURN(uint64_t v, r.ReadUInt64(t));
        if (v > static_cast<uint64_t>(md->file_size)) {
          return r.Error("manifest position " + std::to_string(v) + " lies outside the file");
        }
        md->manifest_position = static_cast<int64_t>(v);
        break;
      }
      case 2:
        LF_RETURN_NOT_OK(r.ReadRepeatedInt32(t, &offsets));
        break;
      case 3: {
        LF_ASSIGN_OR_RETURN(uint64_t v, r.ReadUInt64(t));
        if (v > static_cast<uint64_t>(md->file_size)) {
          return r.Error("page table position " + std::to_string(v) + " lies outside the file");
        }
        md->page_table_position = static_cast<int64_t>(v);
        break;
      }
      default:
        LF_RETURN_NOT_OK(r.Skip(t));
        break;  // 5 statistics
    }
  }
  for (size_t i = 0; i < offsets.size(); ++i) {
    bool ok = i == 0 ? offsets[0] == 0 : offsets[i] >= offsets[i - 1];
    if (!ok) {
      return Status::Corrupt(where + ": batch offset " + std::to_string(i) + " is " +
                             std::to_string(offsets[i]) +
                             (i == 0 ? " (must be 0)" : ", below the previous one"));
    }
    md->batch_offsets.push_back(offsets[i]);
  }
  md->num_rows = md->batch_offsets.empty() ? 0 : static_cast<uint64_t>(md->batch_offsets.back());
  return Status::OK();
}

}  // namespace

const LegacyPage* LegacyFileMetadata::Page(int32_t field_id, int64_t batch) const {
  if (field_id < min_field_id || field_id > max_field_id || batch < 0 || batch >= batches()) {
    return nullptr;
  }
  size_t i =
      static_cast<size_t>((static_cast<int64_t>(field_id) - min_field_id) * batches() + batch);
  return i < page_table.size() ? &page_table[i] : nullptr;
}

const LanceField* LegacyFileMetadata::FindField(int32_t id) const {
  for (const LanceField& f : fields) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

Result<std::shared_ptr<const LegacyFileMetadata>> ReadLegacyFileMetadata(
    int64_t file_size, const ReadRangeFunction& read_range, std::string_view name) {
  const std::string where = "data file " + std::string(name);
  if (file_size < kLegacyFooterSize) {
    return Status::Corrupt(where + ": file of " + std::to_string(file_size) +
                           " bytes is too short for a footer");
  }
  int64_t tail_start = std::max<int64_t>(0, file_size - kTailRead);
  LF_ASSIGN_OR_RETURN(BufferPtr tail, read_range(tail_start, file_size - tail_start));
  if (!tail || tail->size() != file_size - tail_start) {
    return Status::IOError(where + ": short read of the file tail");
  }
  auto md = std::make_shared<LegacyFileMetadata>();
  md->name = std::string(name);
  md->file_size = file_size;
  const uint8_t* footer = tail->data() + tail->size() - kLegacyFooterSize;
  if (std::memcmp(footer + 12, "LANC", 4) != 0) {
    return Status::Corrupt(where + ": missing LANC magic at the end of the file");
  }
  md->major_version = Load<uint16_t>(footer + 8);
  md->minor_version = Load<uint16_t>(footer + 10);
  if (md->major_version != 0 || md->minor_version > 2) {
    return Status::NotImplemented(
        where + ": Lance file format " + std::to_string(md->major_version) + "." +
        std::to_string(md->minor_version) + " is not a legacy (0.1/0.2) file");
  }
  md->metadata_position = Load<int64_t>(footer);
  const int64_t body_end = file_size - kLegacyFooterSize;
  RangeSource src(read_range, file_size, tail, where);

  LF_ASSIGN_OR_RETURN(BufferPtr meta, src.Message(md->metadata_position, body_end, "metadata"));
  LF_RETURN_NOT_OK(DecodeMetadata(*meta, md->metadata_position + 4, where, md.get()));

  if (md->manifest_position == 0) {
    return Status::NotImplemented(where + ": legacy data file without an embedded schema");
  }
  LF_ASSIGN_OR_RETURN(BufferPtr manifest, src.Message(md->manifest_position, md->metadata_position,
                                                      "embedded manifest"));
  LF_ASSIGN_OR_RETURN(Manifest m, DecodeManifestMessage(manifest->data(), manifest->size(),
                                                        where + " embedded manifest"));
  if (m.fields.empty()) return Status::Corrupt(where + ": the embedded schema has no fields");
  md->fields = std::move(m.fields);
  md->min_field_id = md->fields[0].id;
  md->max_field_id = md->fields[0].id;
  for (const LanceField& f : md->fields) {
    md->min_field_id = std::min(md->min_field_id, f.id);
    md->max_field_id = std::max(md->max_field_id, f.id);
  }

  // The page table lies before the Metadata; checking its size against that bounds the
  // allocation by the file size.
  const int64_t rows = int64_t{md->max_field_id} - md->min_field_id + 1;
  const int64_t batches = md->batches();
  const int64_t room = md->metadata_position - md->page_table_position;
  if (batches > 0 && (room < 0 || rows > room / 16 / batches)) {
    return Status::Corrupt(
        where + ": page table of " + std::to_string(rows) + " fields x " + std::to_string(batches) +
        " batches at byte " + std::to_string(md->page_table_position) +
        " runs past the metadata at byte " + std::to_string(md->metadata_position));
  }
  if (batches > 0) {
    const int64_t entries = rows * batches;
    LF_ASSIGN_OR_RETURN(BufferPtr table,
                        src.Get(md->page_table_position, entries * 16, "page table"));
    md->page_table.resize(static_cast<size_t>(entries));
    for (int64_t i = 0; i < entries; ++i) {
      md->page_table[static_cast<size_t>(i)] = {Load<int64_t>(table->data() + 16 * i),
                                                Load<int64_t>(table->data() + 16 * i + 8)};
    }
  }
  return std::shared_ptr<const LegacyFileMetadata>(std::move(md));
}

}  // namespace lanceflow::lance
