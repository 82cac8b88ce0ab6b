// lance.table.Manifest decoding (protos/table.proto, protos/file.proto). Field numbers are the
// proto's; unknown fields are skipped as protobuf requires.
#include "lanceflow/lance/manifest.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "protobuf_reader.h"

namespace lanceflow::lance {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// map<string, T> entries are messages {1 key, 2 value}.
Status ReadMapEntry(ProtoReader* r, WireType type, Pairs* out) {
  LF_ASSIGN_OR_RETURN(ProtoReader e, r->ReadMessage(type, r->what() + " map entry"));
  std::string key, value;
  uint32_t f;
  WireType t;
  while (!e.done()) {
    LF_RETURN_NOT_OK(e.NextField(&f, &t));
    if (f == 1) {
      LF_ASSIGN_OR_RETURN(std::string_view k, e.ReadBytes(t));
      key.assign(k);
    } else if (f == 2) {
      LF_ASSIGN_OR_RETURN(std::string_view v, e.ReadBytes(t));
      value.assign(v);
    } else {
      LF_RETURN_NOT_OK(e.Skip(t));
    }
  }
  out->emplace_back(std::move(key), std::move(value));
  return Status::OK();
}

Status ReadStringMap(ProtoReader* r, WireType type, std::map<std::string, std::string>* out) {
  Pairs p;
  LF_RETURN_NOT_OK(ReadMapEntry(r, type, &p));
  (*out)[p[0].first] = std::move(p[0].second);
  return Status::OK();
}

Result<LanceField> ReadField(ProtoReader* outer, WireType type) {
  LF_ASSIGN_OR_RETURN(ProtoReader r, outer->ReadMessage(type, outer->what() + " field"));
  LanceField field;
  // proto3 leaves out fields at their defaults: an absent `nullable` is false and an absent
  // `parent_id` is 0 (a child of field 0); top-level fields say -1 explicitly.
  field.nullable = false;
  field.parent_id = 0;
  uint32_t f;
  WireType t;
  while (!r.done()) {
    LF_RETURN_NOT_OK(r.NextField(&f, &t));
    switch (f) {
      case 2: {
        LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(t));
        field.name.assign(v);
        break;
      }
      case 3: {
        LF_ASSIGN_OR_RETURN(field.id, r.ReadInt32(t));
        break;
      }
      case 4: {
        LF_ASSIGN_OR_RETURN(field.parent_id, r.ReadInt32(t));
        break;
      }
      case 5: {
        LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(t));
        field.logical_type.assign(v);
        break;
      }
      case 6: {
        LF_ASSIGN_OR_RETURN(field.nullable, r.ReadBool(t));
        break;
      }
      case 7: {
        LF_ASSIGN_OR_RETURN(field.legacy_encoding, r.ReadInt32(t));
        break;
      }
      case 8: {
        LF_ASSIGN_OR_RETURN(ProtoReader d, r.ReadMessage(t, r.what() + " dictionary"));
        LegacyDictionaryRef dict;
        uint32_t df;
        WireType dt;
        while (!d.done()) {
          LF_RETURN_NOT_OK(d.NextField(&df, &dt));
          if (df == 1) {
            LF_ASSIGN_OR_RETURN(dict.offset, d.ReadInt64(dt));
          } else if (df == 2) {
            LF_ASSIGN_OR_RETURN(dict.length, d.ReadInt64(dt));
          } else {
            LF_RETURN_NOT_OK(d.Skip(dt));
          }
        }
        if (dict.offset < 0 || dict.length < 0) {
          return r.Error("field '" + field.name + "' has dictionary offset " +
                         std::to_string(dict.offset) + " length " +
                         std::to_string(dict.length));
        }
        field.legacy_dictionary = dict;
        break;
      }
      case 10: LF_RETURN_NOT_OK(ReadMapEntry(&r, t, &field.metadata)); break;
      default: LF_RETURN_NOT_OK(r.Skip(t)); break;  // type, extension name, ...
    }
  }
  if (field.parent_id < -1) {
    return outer->Error("field '" + field.name + "' has parent id " +
                        std::to_string(field.parent_id));
  }
  return field;
}

Result<DataFile> ReadDataFile(ProtoReader* outer, WireType type) {
  LF_ASSIGN_OR_RETURN(ProtoReader r, outer->ReadMessage(type, outer->what()));
  DataFile file;
  uint32_t f;
  WireType t;
  while (!r.done()) {
    LF_RETURN_NOT_OK(r.NextField(&f, &t));
    switch (f) {
      case 1: {
        LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(t));
        file.path.assign(v);
        break;
      }
      case 2: LF_RETURN_NOT_OK(r.ReadRepeatedInt32(t, &file.fields)); break;
      case 3: LF_RETURN_NOT_OK(r.ReadRepeatedInt32(t, &file.column_indices)); break;
      case 4: {
        LF_ASSIGN_OR_RETURN(file.file_major_version, r.ReadUInt32(t));
        break;
      }
      case 5: {
        LF_ASSIGN_OR_RETURN(file.file_minor_version, r.ReadUInt32(t));
        break;
      }
      case 6: {
        LF_ASSIGN_OR_RETURN(file.file_size_bytes, r.ReadUInt64(t));
        break;
      }
      case 7: {
        LF_ASSIGN_OR_RETURN(file.base_id, r.ReadUInt32(t));
        break;
      }
      default: LF_RETURN_NOT_OK(r.Skip(t)); break;
    }
  }
  if (file.path.empty()) return outer->Error("data file without a path");
  if (file.path.find("..") != std::string::npos || file.path.front() == '/') {
    return outer->Error("data file path '" + file.path + "' leaves the data directory");
  }
  if (!file.column_indices.empty() && file.column_indices.size() != file.fields.size()) {
    return outer->Error("data file '" + file.path + "' has " +
                        std::to_string(file.fields.size()) + " fields but " +
                        std::to_string(file.column_indices.size()) + " column indices");
  }
  return file;
}

Result<DeletionFileRef> ReadDeletionFile(ProtoReader* outer, WireType type) {
  LF_ASSIGN_OR_RETURN(ProtoReader r, outer->ReadMessage(type, outer->what() + " deletion file"));
  DeletionFileRef d;
  uint32_t f;
  WireType t;
  while (!r.done()) {
    LF_RETURN_NOT_OK(r.NextField(&f, &t));
    switch (f) {
      case 1: {
        LF_ASSIGN_OR_RETURN(uint64_t v, r.ReadUInt64(t));
        if (v > 1) return r.Error("unknown deletion file type " + std::to_string(v));
        d.type = static_cast<DeletionFileType>(v);
        break;
      }
      case 2: {
        LF_ASSIGN_OR_RETURN(d.read_version, r.ReadUInt64(t));
        break;
      }
      case 3: {
        LF_ASSIGN_OR_RETURN(d.id, r.ReadUInt64(t));
        break;
      }
      case 4: {
        LF_ASSIGN_OR_RETURN(d.num_deleted_rows, r.ReadUInt64(t));
        break;
      }
      case 7: {
        LF_ASSIGN_OR_RETURN(d.base_id, r.ReadUInt32(t));
        break;
      }
      default: LF_RETURN_NOT_OK(r.Skip(t)); break;
    }
  }
  return d;
}

Result<Fragment> ReadFragment(ProtoReader* outer, WireType type) {
  LF_ASSIGN_OR_RETURN(ProtoReader r, outer->ReadMessage(type, outer->what() + " fragment"));
  Fragment frag;
  uint32_t f;
  WireType t;
  while (!r.done()) {
    LF_RETURN_NOT_OK(r.NextField(&f, &t));
    switch (f) {
      case 1: {
        LF_ASSIGN_OR_RETURN(frag.id, r.ReadUInt64(t));
        break;
      }
      case 2: {
        LF_ASSIGN_OR_RETURN(DataFile file, ReadDataFile(&r, t));
        frag.files.push_back(std::move(file));
        break;
      }
      case 3: {
        LF_ASSIGN_OR_RETURN(frag.deletion_file, ReadDeletionFile(&r, t));
        break;
      }
      case 4: {
        LF_ASSIGN_OR_RETURN(frag.physical_rows, r.ReadUInt64(t));
        break;
      }
      case 5: {
        LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(t));
        frag.row_id_sequence.assign(v);
        break;
      }
      case 7: {
        LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(t));
        frag.last_updated_at_versions.assign(v);
        break;
      }
      case 9: {
        LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(t));
        frag.created_at_versions.assign(v);
        break;
      }
      case 6:
      case 8:
      case 10:
        return Status::NotImplemented(r.what() + ": external row id/version sequences (field " +
                                      std::to_string(f) + ") are not supported");
      case 11:
        return Status::NotImplemented(r.what() + ": data overlay files are not supported");
      default: LF_RETURN_NOT_OK(r.Skip(t)); break;
    }
  }
  return frag;
}

Result<BasePath> ReadBasePath(ProtoReader* outer, WireType type) {
  LF_ASSIGN_OR_RETURN(ProtoReader r, outer->ReadMessage(type, outer->what() + " base path"));
  BasePath b;
  uint32_t f;
  WireType t;
  while (!r.done()) {
    LF_RETURN_NOT_OK(r.NextField(&f, &t));
    switch (f) {
      case 1: {
        LF_ASSIGN_OR_RETURN(b.id, r.ReadUInt32(t));
        break;
      }
      case 2: {
        LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(t));
        b.name = std::string(v);
        break;
      }
      case 3: {
        LF_ASSIGN_OR_RETURN(b.is_dataset_root, r.ReadBool(t));
        break;
      }
      case 4: {
        LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(t));
        b.path.assign(v);
        break;
      }
      default: LF_RETURN_NOT_OK(r.Skip(t)); break;
    }
  }
  return b;
}

// Reads a two-string message {1 a, 2 b} (WriterVersion, DataStorageFormat).
Status ReadStringPair(ProtoReader* outer, WireType type, std::string* a, std::string* b) {
  LF_ASSIGN_OR_RETURN(ProtoReader r, outer->ReadMessage(type, outer->what()));
  uint32_t f;
  WireType t;
  while (!r.done()) {
    LF_RETURN_NOT_OK(r.NextField(&f, &t));
    if (f == 1 || f == 2) {
      LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(t));
      (f == 1 ? a : b)->assign(v);
    } else {
      LF_RETURN_NOT_OK(r.Skip(t));
    }
  }
  return Status::OK();
}

Result<int64_t> ReadTimestamp(ProtoReader* outer, WireType type) {
  LF_ASSIGN_OR_RETURN(ProtoReader r, outer->ReadMessage(type, outer->what() + " timestamp"));
  int64_t seconds = 0;
  int32_t nanos = 0;
  uint32_t f;
  WireType t;
  while (!r.done()) {
    LF_RETURN_NOT_OK(r.NextField(&f, &t));
    if (f == 1) {
      LF_ASSIGN_OR_RETURN(seconds, r.ReadInt64(t));
    } else if (f == 2) {
      LF_ASSIGN_OR_RETURN(nanos, r.ReadInt32(t));
    } else {
      LF_RETURN_NOT_OK(r.Skip(t));
    }
  }
  // Nanoseconds since the epoch must fit int64 (years 1677..2262).
  constexpr int64_t kMaxSeconds = INT64_MAX / 1000000000 - 1;
  if (seconds < -kMaxSeconds || seconds > kMaxSeconds || nanos < 0 || nanos > 999999999) {
    return r.Error("timestamp out of range");
  }
  return seconds * 1000000000 + nanos;
}

std::string FlagNames(uint64_t bits) {
  std::string out;
  for (int i = 0; i < 64; ++i) {
    if (!(bits >> i & 1)) continue;
    if (!out.empty()) out += ", ";
    out += std::to_string(uint64_t{1} << i);
    if (i == 6) out += " (data overlay files)";
  }
  return out;
}

}  // namespace

std::string DeletionFileRef::FileName(uint64_t fragment_id) const {
  return std::to_string(fragment_id) + "-" + std::to_string(read_version) + "-" +
         std::to_string(id) + (type == DeletionFileType::kBitmap ? ".bin" : ".arrow");
}

const LanceField* Manifest::FindField(int32_t id) const {
  for (const LanceField& f : fields) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

namespace {

Result<Manifest> DecodeManifestAt(const uint8_t* data, int64_t size, std::string_view name,
                                  int64_t base_offset) {
  ProtoReader r(data, size, std::string(name), base_offset);
  Manifest m;
  uint32_t f;
  WireType t;
  while (!r.done()) {
    LF_RETURN_NOT_OK(r.NextField(&f, &t));
    switch (f) {
      case 1: {
        LF_ASSIGN_OR_RETURN(LanceField field, ReadField(&r, t));
        m.fields.push_back(std::move(field));
        break;
      }
      case 2: {
        LF_ASSIGN_OR_RETURN(Fragment frag, ReadFragment(&r, t));
        m.fragments.push_back(std::move(frag));
        break;
      }
      case 3: {
        LF_ASSIGN_OR_RETURN(m.version, r.ReadUInt64(t));
        break;
      }
      case 5: LF_RETURN_NOT_OK(ReadMapEntry(&r, t, &m.schema_metadata)); break;
      case 6: {
        LF_ASSIGN_OR_RETURN(m.index_section, r.ReadUInt64(t));
        break;
      }
      case 7: {
        LF_ASSIGN_OR_RETURN(m.timestamp_nanos, ReadTimestamp(&r, t));
        break;
      }
      case 8: {
        LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(t));
        m.tag.assign(v);
        break;
      }
      case 9: {
        LF_ASSIGN_OR_RETURN(m.reader_feature_flags, r.ReadUInt64(t));
        break;
      }
      case 10: {
        LF_ASSIGN_OR_RETURN(m.writer_feature_flags, r.ReadUInt64(t));
        break;
      }
      case 11: {
        LF_ASSIGN_OR_RETURN(m.max_fragment_id, r.ReadUInt32(t));
        break;
      }
      case 12: {
        LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(t));
        m.transaction_file.assign(v);
        break;
      }
      case 13:
        LF_RETURN_NOT_OK(ReadStringPair(&r, t, &m.writer_library, &m.writer_version));
        break;
      case 14: {
        LF_ASSIGN_OR_RETURN(m.next_row_id, r.ReadUInt64(t));
        break;
      }
      case 15:
        LF_RETURN_NOT_OK(ReadStringPair(&r, t, &m.data_file_format, &m.data_format_version));
        break;
      case 16: LF_RETURN_NOT_OK(ReadStringMap(&r, t, &m.config)); break;
      case 18: {
        LF_ASSIGN_OR_RETURN(BasePath b, ReadBasePath(&r, t));
        m.base_paths.push_back(std::move(b));
        break;
      }
      case 19: LF_RETURN_NOT_OK(ReadStringMap(&r, t, &m.table_metadata)); break;
      case 20: {
        LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(t));
        m.branch = std::string(v);
        break;
      }
      case 21: {
        LF_ASSIGN_OR_RETURN(m.transaction_section, r.ReadUInt64(t));
        break;
      }
      default: LF_RETURN_NOT_OK(r.Skip(t)); break;
    }
  }
  // Fragment ids are unique and within the high-water mark.
  std::vector<uint64_t> ids;
  for (const Fragment& frag : m.fragments) {
    if (m.max_fragment_id && frag.id > *m.max_fragment_id) {
      return Status::Corrupt(std::string(name) + ": fragment id " + std::to_string(frag.id) +
                             " exceeds max_fragment_id " + std::to_string(*m.max_fragment_id));
    }
    ids.push_back(frag.id);
  }
  std::sort(ids.begin(), ids.end());
  if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) {
    return Status::Corrupt(std::string(name) + ": duplicate fragment ids");
  }
  auto schema = BuildArrowSchema(&m.fields, m.schema_metadata);
  if (!schema.ok()) return schema.status().WithContext(name);
  m.schema = *schema;
  return m;
}

}  // namespace

Result<Manifest> DecodeManifestMessage(const uint8_t* data, int64_t size, std::string_view name) {
  return DecodeManifestAt(data, size, name, 0);
}

Result<Manifest> DecodeManifestFile(const uint8_t* data, int64_t size, std::string_view name) {
  const std::string where(name);
  constexpr int64_t kFooter = 16;
  if (size < kFooter + 4) {
    return Status::Corrupt(where + ": file of " + std::to_string(size) +
                           " bytes is too short for a manifest");
  }
  if (std::memcmp(data + size - 4, "LANC", 4) != 0) {
    return Status::Corrupt(where + ": missing LANC magic at the end of the file");
  }
  uint64_t pos;
  std::memcpy(&pos, data + size - kFooter, 8);
  if (pos > static_cast<uint64_t>(size - kFooter - 4)) {
    return Status::Corrupt(where + ": manifest position " + std::to_string(pos) +
                           " is out of range (file size " + std::to_string(size) + ")");
  }
  uint32_t len;
  std::memcpy(&len, data + pos, 4);
  int64_t start = static_cast<int64_t>(pos) + 4;
  if (len > static_cast<uint64_t>(size - kFooter - start)) {
    return Status::Corrupt(where + ": manifest length " + std::to_string(len) + " at byte " +
                           std::to_string(pos) + " runs past the footer");
  }
  LF_ASSIGN_OR_RETURN(Manifest m, DecodeManifestAt(data + start, len, name, start));
  uint64_t unknown = m.reader_feature_flags & ~kSupportedReaderFlags;
  if (unknown != 0) {
    return Status::NotImplemented(where + ": unsupported reader feature flags " +
                                  FlagNames(unknown) + " (flags " +
                                  std::to_string(m.reader_feature_flags) + ")");
  }
  return m;
}

}  // namespace lanceflow::lance
