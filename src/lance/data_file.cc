#include "lanceflow/lance/data_file.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "protobuf_reader.h"

namespace lanceflow::lance {
namespace {

constexpr int64_t kTailRead = 64 * 1024;

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

bool InFile(uint64_t pos, uint64_t size, int64_t file_size) {
  auto fs = static_cast<uint64_t>(file_size);
  return pos <= fs && size <= fs - pos;
}

Status ReadEncoding(ProtoReader* outer, WireType type, EncodingRef* out) {
  LF_ASSIGN_OR_RETURN(ProtoReader r, outer->ReadMessage(type, outer->what() + " encoding"));
  uint32_t f;
  WireType t;
  while (!r.done()) {
    LF_RETURN_NOT_OK(r.NextField(&f, &t));
    if (f == 1) {  // DeferredEncoding {1 buffer_location, 2 buffer_length}
      LF_ASSIGN_OR_RETURN(ProtoReader d, r.ReadMessage(t, r.what()));
      out->kind = EncodingRef::Kind::kDeferred;
      out->deferred = {};
      uint32_t g;
      WireType u;
      while (!d.done()) {
        LF_RETURN_NOT_OK(d.NextField(&g, &u));
        if (g == 1) {
          LF_ASSIGN_OR_RETURN(out->deferred.position, d.ReadUInt64(u));
        } else if (g == 2) {
          LF_ASSIGN_OR_RETURN(out->deferred.size, d.ReadUInt64(u));
        } else {
          LF_RETURN_NOT_OK(d.Skip(u));
        }
      }
    } else if (f == 2) {  // DirectEncoding {1 Any {1 type_url, 2 value}}
      LF_ASSIGN_OR_RETURN(ProtoReader d, r.ReadMessage(t, r.what()));
      out->kind = EncodingRef::Kind::kDirect;
      uint32_t g;
      WireType u;
      while (!d.done()) {
        LF_RETURN_NOT_OK(d.NextField(&g, &u));
        if (g != 1) {
          LF_RETURN_NOT_OK(d.Skip(u));
          continue;
        }
        LF_ASSIGN_OR_RETURN(ProtoReader any, d.ReadMessage(u, d.what()));
        uint32_t h;
        WireType w;
        while (!any.done()) {
          LF_RETURN_NOT_OK(any.NextField(&h, &w));
          if (h == 1 || h == 2) {
            LF_ASSIGN_OR_RETURN(std::string_view v, any.ReadBytes(w));
            (h == 1 ? out->type_url : out->value).assign(v);
          } else {
            LF_RETURN_NOT_OK(any.Skip(w));
          }
        }
      }
    } else {
      LF_RETURN_NOT_OK(r.Skip(t));
    }
  }
  return Status::OK();
}

Status PairBuffers(const ProtoReader& r, const std::vector<uint64_t>& offsets,
                   const std::vector<uint64_t>& sizes, int64_t file_size,
                   std::vector<BufferRef>* out) {
  if (offsets.size() != sizes.size()) {
    return r.Error(std::to_string(offsets.size()) + " buffer offsets but " +
                   std::to_string(sizes.size()) + " buffer sizes");
  }
  for (size_t i = 0; i < offsets.size(); ++i) {
    if (!InFile(offsets[i], sizes[i], file_size)) {
      return r.Error("buffer " + std::to_string(i) + " (offset " + std::to_string(offsets[i]) +
                     ", size " + std::to_string(sizes[i]) + ") lies outside the file");
    }
    out->push_back({offsets[i], sizes[i]});
  }
  return Status::OK();
}

Result<ColumnInfo> DecodeColumn(const uint8_t* data, int64_t size, int64_t base_offset,
                                std::string what, int64_t file_size) {
  ProtoReader r(data, size, std::move(what), base_offset);
  ColumnInfo col;
  std::vector<uint64_t> offsets, sizes;
  uint32_t f;
  WireType t;
  while (!r.done()) {
    LF_RETURN_NOT_OK(r.NextField(&f, &t));
    switch (f) {
      case 1: LF_RETURN_NOT_OK(ReadEncoding(&r, t, &col.encoding)); break;
      case 2: {
        LF_ASSIGN_OR_RETURN(ProtoReader p, r.ReadMessage(t, r.what() + " page " +
                                                                std::to_string(col.pages.size())));
        PageInfo page;
        std::vector<uint64_t> page_offsets, page_sizes;
        uint32_t g;
        WireType u;
        while (!p.done()) {
          LF_RETURN_NOT_OK(p.NextField(&g, &u));
          switch (g) {
            case 1: LF_RETURN_NOT_OK(p.ReadRepeatedUInt64(u, &page_offsets)); break;
            case 2: LF_RETURN_NOT_OK(p.ReadRepeatedUInt64(u, &page_sizes)); break;
            case 3: {
        LF_ASSIGN_OR_RETURN(page.length, p.ReadUInt64(u));
        break;
      }
            case 4: LF_RETURN_NOT_OK(ReadEncoding(&p, u, &page.encoding)); break;
            case 5: {
        LF_ASSIGN_OR_RETURN(page.priority, p.ReadUInt64(u));
        break;
      }
            default: LF_RETURN_NOT_OK(p.Skip(u)); break;
          }
        }
        LF_RETURN_NOT_OK(PairBuffers(p, page_offsets, page_sizes, file_size, &page.buffers));
        col.pages.push_back(std::move(page));
        break;
      }
      case 3: LF_RETURN_NOT_OK(r.ReadRepeatedUInt64(t, &offsets)); break;
      case 4: LF_RETURN_NOT_OK(r.ReadRepeatedUInt64(t, &sizes)); break;
      default: LF_RETURN_NOT_OK(r.Skip(t)); break;
    }
  }
  LF_RETURN_NOT_OK(PairBuffers(r, offsets, sizes, file_size, &col.buffers));
  return col;
}

Status DecodeFileDescriptor(const uint8_t* data, int64_t size, int64_t base_offset,
                            const std::string& what, DataFileMetadata* out) {
  ProtoReader r(data, size, what + " file descriptor", base_offset);
  uint32_t f;
  WireType t;
  while (!r.done()) {
    LF_RETURN_NOT_OK(r.NextField(&f, &t));
    if (f == 2) {
      LF_ASSIGN_OR_RETURN(out->num_rows, r.ReadUInt64(t));
    } else if (f == 1) {
      // Schema {1 repeated Field, 5 map<string, bytes> metadata}: decoded by the manifest code
      // through a synthetic manifest, since Field and the metadata map use the same numbers.
      LF_ASSIGN_OR_RETURN(std::string_view schema, r.ReadBytes(t));
      LF_ASSIGN_OR_RETURN(Manifest m,
                          DecodeManifestMessage(reinterpret_cast<const uint8_t*>(schema.data()),
                                                static_cast<int64_t>(schema.size()),
                                                what + " schema"));
      out->schema_fields = std::move(m.fields);
      out->schema_metadata = std::move(m.schema_metadata);
    } else {
      LF_RETURN_NOT_OK(r.Skip(t));
    }
  }
  return Status::OK();
}

}  // namespace

Result<DataFileFooter> DecodeDataFileFooter(const uint8_t* tail, int64_t tail_size,
                                            int64_t file_size, std::string_view name) {
  const std::string where = "data file " + std::string(name);
  if (tail_size < 16 || file_size < tail_size) {
    return Status::Corrupt(where + ": file of " + std::to_string(file_size) +
                           " bytes is too short for a footer");
  }
  const uint8_t* end = tail + tail_size;
  if (std::memcmp(end - 4, "LANC", 4) != 0) {
    return Status::Corrupt(where + ": missing LANC magic at the end of the file");
  }
  DataFileFooter footer;
  footer.major_version = Load<uint16_t>(end - 8);
  footer.minor_version = Load<uint16_t>(end - 6);
  const std::string version =
      std::to_string(footer.major_version) + "." + std::to_string(footer.minor_version);
  if (footer.major_version == 0 && footer.minor_version < 3) {
    return Status::NotImplemented(where + ": legacy Lance file format " + version +
                                  " is not supported");
  }
  bool known = (footer.major_version == 0 && footer.minor_version == 3) ||
               (footer.major_version == 2 && footer.minor_version <= 2);
  if (!known) {
    return Status::NotImplemented(where + ": Lance file format " + version +
                                  " is not supported");
  }
  if (tail_size < kDataFileFooterSize) {
    return Status::Corrupt(where + ": file of " + std::to_string(file_size) +
                           " bytes is too short for a 2.x footer");
  }
  const uint8_t* p = end - kDataFileFooterSize;
  footer.column_meta_start = Load<uint64_t>(p);
  footer.cmo_table_start = Load<uint64_t>(p + 8);
  footer.gbo_table_start = Load<uint64_t>(p + 16);
  footer.num_global_buffers = Load<uint32_t>(p + 24);
  footer.num_columns = Load<uint32_t>(p + 28);
  int64_t body = file_size - kDataFileFooterSize;
  if (!InFile(footer.cmo_table_start, uint64_t{16} * footer.num_columns, body)) {
    return Status::Corrupt(where + ": column metadata offset table (" +
                           std::to_string(footer.num_columns) + " columns at byte " +
                           std::to_string(footer.cmo_table_start) + ") lies outside the file");
  }
  if (!InFile(footer.gbo_table_start, uint64_t{16} * footer.num_global_buffers, body)) {
    return Status::Corrupt(where + ": global buffer offset table (" +
                           std::to_string(footer.num_global_buffers) + " buffers at byte " +
                           std::to_string(footer.gbo_table_start) + ") lies outside the file");
  }
  if (footer.column_meta_start > footer.cmo_table_start) {
    return Status::Corrupt(where + ": column metadata start " +
                           std::to_string(footer.column_meta_start) +
                           " is after the offset table");
  }
  return footer;
}

Result<DataFileMetadata> ReadDataFileMetadata(int64_t file_size,
                                              const ReadRangeFunction& read_range,
                                              std::string_view name) {
  const std::string where = "data file " + std::string(name);
  if (file_size < 16) {
    return Status::Corrupt(where + ": file of " + std::to_string(file_size) +
                           " bytes is too short for a footer");
  }
  int64_t tail_start = std::max<int64_t>(0, file_size - kTailRead);
  LF_ASSIGN_OR_RETURN(BufferPtr tail, read_range(tail_start, file_size - tail_start));
  if (tail->size() != file_size - tail_start) {
    return Status::IOError(where + ": short read of the file tail");
  }
  DataFileMetadata md;
  LF_ASSIGN_OR_RETURN(md.footer, DecodeDataFileFooter(tail->data(), tail->size(), file_size,
                                                      name));
  const DataFileFooter& ft = md.footer;

  // Everything from the start of the metadata region to the end of the file, in one buffer.
  uint64_t region_start = std::min(ft.column_meta_start, ft.gbo_table_start);
  BufferPtr region = tail;
  if (region_start < static_cast<uint64_t>(tail_start)) {
    LF_ASSIGN_OR_RETURN(region, read_range(static_cast<int64_t>(region_start),
                                           file_size - static_cast<int64_t>(region_start)));
  } else {
    region_start = static_cast<uint64_t>(tail_start);
  }
  auto at = [&](uint64_t pos) { return region->data() + (pos - region_start); };
  auto in_region = [&](uint64_t pos, uint64_t size) {
    return pos >= region_start && InFile(pos, size, file_size);
  };

  for (uint32_t i = 0; i < ft.num_global_buffers; ++i) {
    const uint8_t* e = at(ft.gbo_table_start + 16 * uint64_t{i});
    BufferRef b{Load<uint64_t>(e), Load<uint64_t>(e + 8)};
    if (!InFile(b.position, b.size, file_size)) {
      return Status::Corrupt(where + ": global buffer " + std::to_string(i) + " (offset " +
                             std::to_string(b.position) + ", size " + std::to_string(b.size) +
                             ") lies outside the file");
    }
    md.global_buffers.push_back(b);
  }
  if (md.global_buffers.empty()) {
    return Status::Corrupt(where + ": no global buffer holds the file descriptor");
  }
  const BufferRef& gb0 = md.global_buffers[0];
  BufferPtr descriptor;
  if (in_region(gb0.position, gb0.size)) {
    descriptor = region->Slice(static_cast<int64_t>(gb0.position - region_start),
                               static_cast<int64_t>(gb0.size));
  } else {
    LF_ASSIGN_OR_RETURN(descriptor, read_range(static_cast<int64_t>(gb0.position),
                                               static_cast<int64_t>(gb0.size)));
  }
  LF_RETURN_NOT_OK(DecodeFileDescriptor(descriptor->data(), descriptor->size(),
                                        static_cast<int64_t>(gb0.position), where, &md));

  md.columns.reserve(std::min<uint32_t>(ft.num_columns, 1 << 16));
  for (uint32_t i = 0; i < ft.num_columns; ++i) {
    const uint8_t* e = at(ft.cmo_table_start + 16 * uint64_t{i});
    uint64_t pos = Load<uint64_t>(e);
    uint64_t size = Load<uint64_t>(e + 8);
    if (!in_region(pos, size) || pos < ft.column_meta_start) {
      return Status::Corrupt(where + ": column " + std::to_string(i) + " metadata (offset " +
                             std::to_string(pos) + ", size " + std::to_string(size) +
                             ") lies outside the metadata region");
    }
    LF_ASSIGN_OR_RETURN(ColumnInfo col,
                        DecodeColumn(at(pos), static_cast<int64_t>(size),
                                     static_cast<int64_t>(pos),
                                     where + " column " + std::to_string(i), file_size));
    md.columns.push_back(std::move(col));
  }
  return md;
}

}  // namespace lanceflow::lance
