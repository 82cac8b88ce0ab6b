#include "v21_page.h"

#include <algorithm>
#include <cstring>

#include "lanceflow/arrow/bitmap.h"
#include "protobuf_reader.h"
#include "v21_nested.h"

namespace lanceflow::lance::v21 {

namespace {

constexpr char kPageLayoutUrl[] = "/lance.encodings21.PageLayout";
constexpr int64_t kMiniBlockAlignment = 8;
// Page buffers above this size are refused as corrupt rather than allocated.
constexpr uint64_t kMaxPageBufferBytes = uint64_t{1} << 32;
constexpr int64_t kMaxEntries = int64_t{1} << 32;

Status Bad(const std::string& msg) { return Status::Corrupt(msg); }

uint64_t ReadLE(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

int64_t PadTo8(int64_t x) { return (x + kMiniBlockAlignment - 1) / kMiniBlockAlignment * 8; }

// RepDefLayer values.
enum Layer : int {
  kAllValidItem = 1,
  kAllValidList = 2,
  kNullableItem = 3,
  kNullableList = 4,
  kEmptyableList = 5,
  kNullAndEmptyList = 6,
};

bool IsListLayer(int l) {
  return l == kAllValidList || l == kNullableList || l == kEmptyableList || l == kNullAndEmptyList;
}

// Maps a page's stored def levels to canonical ones (see v21_page.h).
struct DefMap {
  std::vector<uint16_t> canon;  // indexed by stored def level
  int max_def = 0;
};

Result<DefMap> MakeDefMap(const std::vector<int>& layers, const LeafPath& path) {
  if (static_cast<int>(layers.size()) != path.depth) {
    return Bad("page has " + std::to_string(layers.size()) + " rep/def layers, the field path " +
               std::to_string(path.depth));
  }
  DefMap m;
  m.canon.push_back(0);
  for (size_t i = 0; i < layers.size(); ++i) {
    int p = path.depth - 1 - static_cast<int>(i);  // layers are innermost first
    int l = layers[i];
    if (l < kAllValidItem || l > kNullAndEmptyList) {
      return Status::NotImplemented("rep/def layer kind " + std::to_string(l));
    }
    if (IsListLayer(l) != path.is_list[static_cast<size_t>(p)]) {
      return Bad("rep/def layer " + std::to_string(i) + " does not match the field type");
    }
    uint16_t null_code = static_cast<uint16_t>(1 + 2 * p);
    uint16_t empty_code = static_cast<uint16_t>(2 + 2 * p);
    if (l == kNullableItem || l == kNullableList) m.canon.push_back(null_code);
    if (l == kEmptyableList) m.canon.push_back(empty_code);
    if (l == kNullAndEmptyList) {
      m.canon.push_back(null_code);
      m.canon.push_back(empty_code);
    }
  }
  m.max_def = static_cast<int>(m.canon.size()) - 1;
  return m;
}

bool ReachesLeaf(uint16_t canon, const LeafPath& path) {
  if (canon == 0) return true;
  int p = (canon - 1) / 2;
  bool empty = ((canon - 1) & 1) != 0;
  return !empty && p > path.last_list;
}

Result<std::vector<int>> ReadLayers(ProtoReader* r, WireType wt) {
  std::vector<int32_t> raw;
  LF_RETURN_NOT_OK(r->ReadRepeatedInt32(wt, &raw));
  return std::vector<int>(raw.begin(), raw.end());
}

// Converts stored def levels to canonical ones in place and validates rep levels; then
// computes the row index and checks the value count.
Status FinishLevels(const DefMap& dm, const LeafPath& path, int64_t num_rows, DecodedPage* page) {
  if (!page->def.empty()) {
    bool any = false;
    for (auto& d : page->def) {
      if (d > dm.max_def) return Bad("def level " + std::to_string(d) + " above the maximum");
      d = dm.canon[d];
      any |= d != 0;
    }
    if (!any) page->def.clear();
  }
  page->num_rows = num_rows;
  int64_t reach = 0;
  if (path.max_rep == 0) {
    if (!page->rep.empty()) return Bad("repetition levels on a field without lists");
    if (page->num_entries != num_rows) {
      return Bad("page of " + std::to_string(num_rows) + " rows has " +
                 std::to_string(page->num_entries) + " level entries");
    }
    reach = num_rows;  // without lists every entry owns a value
  } else {
    if (page->rep.empty() && num_rows != page->num_entries) {
      return Bad("page with lists but no repetition levels");
    }
    page->row_entry.clear();
    page->row_value.clear();
    page->row_entry.reserve(static_cast<size_t>(num_rows) + 1);
    page->row_value.reserve(static_cast<size_t>(num_rows) + 1);
    for (int64_t i = 0; i < page->num_entries; ++i) {
      uint16_t r = page->rep.empty() ? path.max_rep : page->rep[static_cast<size_t>(i)];
      if (r > path.max_rep) return Bad("repetition level " + std::to_string(r) + " too large");
      if (i == 0 && r != path.max_rep) return Bad("page does not start with a new row");
      if (r == path.max_rep) {
        page->row_entry.push_back(i);
        page->row_value.push_back(reach);
      }
      if (page->def.empty() || ReachesLeaf(page->def[static_cast<size_t>(i)], path)) ++reach;
    }
    if (static_cast<int64_t>(page->row_entry.size()) != num_rows) {
      return Bad("page of " + std::to_string(num_rows) + " rows has " +
                 std::to_string(page->row_entry.size()) + " row starts");
    }
    page->row_entry.push_back(page->num_entries);
    page->row_value.push_back(reach);
    if (page->rep.empty()) page->rep.assign(static_cast<size_t>(page->num_entries), path.max_rep);
  }
  if (page->values.num != reach) {
    return Bad("page has " + std::to_string(page->values.num) + " values for " +
               std::to_string(reach) + " items");
  }
  return Status::OK();
}

void InitValues(const LeafPath& path, ValueBlock* v) {
  v->Reset(path.shape.variable, path.shape.bits_per_value);
  v->items_per_value = path.shape.items_per_value;
}

void AppendNullValues(int64_t n, ValueBlock* v) {
  if (v->variable) {
    v->offsets.insert(v->offsets.end(), static_cast<size_t>(n), v->data.size());
  } else {
    v->data.resize(arrow::BytesForBits((v->num + n) * v->bits_per_value), 0);
  }
  if (v->has_item_validity) {
    v->item_validity.resize(
        static_cast<size_t>(arrow::BytesForBits((v->num + n) * v->items_per_value)), 0);
  }
  v->num += n;
}

class BufferSet {
 public:
  BufferSet(const PageInfo& page, const PageBufferReader& read) : page_(page), read_(read) {}
  size_t size() const { return page_.buffers.size(); }
  Result<BufferPtr> Get(size_t i) {
    if (i >= page_.buffers.size()) {
      return Bad("page has " + std::to_string(page_.buffers.size()) + " buffers, needs buffer " +
                 std::to_string(i));
    }
    const BufferRef& b = page_.buffers[i];
    if (b.size > kMaxPageBufferBytes) return Bad("page buffer too large");
    if (b.size == 0) return std::make_shared<Buffer>();
    LF_ASSIGN_OR_RETURN(BufferPtr buf, read_(b.position, b.size));
    if (buf->size() != static_cast<int64_t>(b.size)) return Bad("short page buffer read");
    return buf;
  }

 private:
  const PageInfo& page_;
  const PageBufferReader& read_;
};

// ------------------------------------------------------------------------------------------
// MiniBlockLayout
// ------------------------------------------------------------------------------------------

struct MiniBlock {
  std::unique_ptr<Encoding> rep, def, values, dictionary;
  uint64_t num_dictionary_items = 0;
  std::vector<int> layers;
  uint64_t num_buffers = 0;
  uint32_t rep_index_depth = 0;
  uint64_t num_items = 0;
  bool large_chunks = false;
};

Result<MiniBlock> ParseMiniBlock(ProtoReader r) {
  MiniBlock m;
  while (!r.done()) {
    uint32_t f;
    WireType wt;
    LF_RETURN_NOT_OK(r.NextField(&f, &wt));
    auto enc = [&](std::unique_ptr<Encoding>* dst) -> Status {
      LF_ASSIGN_OR_RETURN(std::string_view b, r.ReadBytes(wt));
      LF_ASSIGN_OR_RETURN(*dst, ParseEncoding(b));
      return Status::OK();
    };
    switch (f) {
      case 1: {
        LF_RETURN_NOT_OK(enc(&m.rep));
        break;
      }
      case 2: {
        LF_RETURN_NOT_OK(enc(&m.def));
        break;
      }
      case 3: {
        LF_RETURN_NOT_OK(enc(&m.values));
        break;
      }
      case 4: {
        LF_RETURN_NOT_OK(enc(&m.dictionary));
        break;
      }
      case 5: {
        LF_ASSIGN_OR_RETURN(m.num_dictionary_items, r.ReadUInt64(wt));
        break;
      }
      case 6: {
        LF_ASSIGN_OR_RETURN(m.layers, ReadLayers(&r, wt));
        break;
      }
      case 7: {
        LF_ASSIGN_OR_RETURN(m.num_buffers, r.ReadUInt64(wt));
        break;
      }
      case 8: {
        LF_ASSIGN_OR_RETURN(m.rep_index_depth, r.ReadUInt32(wt));
        break;
      }
      case 9: {
        LF_ASSIGN_OR_RETURN(m.num_items, r.ReadUInt64(wt));
        break;
      }
      case 10: {
        LF_ASSIGN_OR_RETURN(m.large_chunks, r.ReadBool(wt));
        break;
      }
      default: {
        LF_RETURN_NOT_OK(r.Skip(wt));
        break;
      }
    }
  }
  if (!m.values) return Bad("MiniBlockLayout without value_compression");
  if (m.num_buffers == 0 || m.num_buffers > 16) return Bad("MiniBlockLayout buffer count");
  if (m.num_items > static_cast<uint64_t>(kMaxEntries)) return Bad("MiniBlockLayout item count");
  return m;
}

// Where each chunk of a mini-block page starts, in bytes of the chunk buffer and in values
// (num_chunks + 1 entries each), from the chunk metadata buffer.
struct ChunkTable {
  std::vector<int64_t> byte_start{0};
  std::vector<int64_t> value_start{0};
  int64_t num_chunks() const { return static_cast<int64_t>(byte_start.size()) - 1; }
  int64_t bytes(int64_t c) const {
    return byte_start[static_cast<size_t>(c) + 1] - byte_start[static_cast<size_t>(c)];
  }
  int64_t values(int64_t c) const {
    return value_start[static_cast<size_t>(c) + 1] - value_start[static_cast<size_t>(c)];
  }
  // The chunk holding value `v` (< the page's values).
  int64_t ChunkOf(int64_t v) const {
    return static_cast<int64_t>(std::upper_bound(value_start.begin(), value_start.end(), v) -
                                value_start.begin()) -
           1;
  }
};

Result<ChunkTable> ReadChunkTable(const MiniBlock& m, const Buffer& meta, int64_t data_size) {
  int word = m.large_chunks ? 4 : 2;
  if (meta.size() % word != 0) return Bad("mini-block chunk metadata of odd size");
  int64_t num_chunks = meta.size() / word;
  ChunkTable t;
  t.byte_start.reserve(static_cast<size_t>(num_chunks) + 1);
  t.value_start.reserve(static_cast<size_t>(num_chunks) + 1);
  int64_t items_done = 0;
  int64_t pos = 0;
  for (int64_t c = 0; c < num_chunks; ++c) {
    uint64_t w = ReadLE(meta.data() + c * word, word);
    int log = static_cast<int>(w & 0xF);
    int64_t chunk_bytes = static_cast<int64_t>((w >> 4) + 1) * kMiniBlockAlignment;
    int64_t n;
    if (c + 1 < num_chunks) {
      if (log == 0) return Bad("mini-block chunk " + std::to_string(c) + " of zero values");
      n = int64_t{1} << log;
    } else {
      n = static_cast<int64_t>(m.num_items) - items_done;
      if (n < 0 || (log != 0 && n != (int64_t{1} << log))) {
        return Bad("mini-block chunks hold more values than the page");
      }
    }
    if (chunk_bytes > data_size - pos) {
      return Bad("mini-block chunk " + std::to_string(c) + " runs past the chunk buffer");
    }
    items_done += n;
    pos += chunk_bytes;
    if (items_done > kMaxEntries) return Bad("mini-block chunks hold too many values");
    t.byte_start.push_back(pos);
    t.value_start.push_back(items_done);
  }
  if (items_done != static_cast<int64_t>(m.num_items)) {
    return Bad("mini-block chunks hold " + std::to_string(items_done) + " of " +
               std::to_string(m.num_items) + " items");
  }
  return t;
}

// The buffers of one chunk (layout in lance-format.md 10.2).
struct ChunkParts {
  int64_t levels = 0;  // rep/def entries (the value count when the page has neither)
  ByteSpan rep, def;
  std::vector<ByteSpan> values;
};

Status SplitChunk(const MiniBlock& m, const uint8_t* ch, int64_t chunk_bytes, int64_t n, int64_t c,
                  ChunkParts* out) {
  int64_t off = 0;
  const int bw = m.large_chunks ? 4 : 2;
  auto word = [&](int width, uint64_t* v) -> Status {
    if (off + width > chunk_bytes) return Bad("mini-block chunk header truncated");
    *v = ReadLE(ch + off, width);
    off += width;
    return Status::OK();
  };
  uint64_t num_levels = 0, rep_size = 0, def_size = 0;
  LF_RETURN_NOT_OK(word(2, &num_levels));
  if (m.rep) LF_RETURN_NOT_OK(word(2, &rep_size));
  if (m.def) LF_RETURN_NOT_OK(word(2, &def_size));
  uint64_t sizes[16];
  for (uint64_t i = 0; i < m.num_buffers; ++i) LF_RETURN_NOT_OK(word(bw, &sizes[i]));
  off = PadTo8(off);
  auto take = [&](uint64_t size, ByteSpan* span) -> Status {
    if (off > chunk_bytes || static_cast<int64_t>(size) > chunk_bytes - off) {
      return Bad("mini-block chunk " + std::to_string(c) + " buffers run past the chunk");
    }
    *span = {ch + off, static_cast<int64_t>(size)};
    off = PadTo8(off + static_cast<int64_t>(size));
    return Status::OK();
  };
  if (m.rep) LF_RETURN_NOT_OK(take(rep_size, &out->rep));
  if (m.def) LF_RETURN_NOT_OK(take(def_size, &out->def));
  out->values.resize(m.num_buffers);
  for (uint64_t i = 0; i < m.num_buffers; ++i) LF_RETURN_NOT_OK(take(sizes[i], &out->values[i]));
  out->levels = (m.rep || m.def) ? static_cast<int64_t>(num_levels) : n;
  return Status::OK();
}

// Gathers dictionary values by index into `out`.
// Dictionary positions of `n` signed little-endian indices of type T. Out-of-range indices
// become 0: null items carry arbitrary indices and validity hides their value.
template <typename T>
void ResolveIndices(const uint8_t* src, int64_t n, int64_t dict_size, int64_t* out) {
  for (int64_t i = 0; i < n; ++i) {
    T k;
    std::memcpy(&k, src + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
    const auto v = static_cast<int64_t>(k);
    out[i] = v >= 0 && v < dict_size ? v : 0;
  }
}

Status GatherDictionary(const ValueBlock& indices, const ValueBlock& dict, ValueBlock* out) {
  if (indices.num == 0) return Status::OK();
  if (dict.num == 0) return Bad("dictionary index into an empty dictionary");
  std::vector<int64_t> ks(static_cast<size_t>(indices.num));
  const uint8_t* raw = indices.bytes();
  switch (indices.bits_per_value) {
    case 8:
      ResolveIndices<int8_t>(raw, indices.num, dict.num, ks.data());
      break;
    case 16:
      ResolveIndices<int16_t>(raw, indices.num, dict.num, ks.data());
      break;
    case 32:
      ResolveIndices<int32_t>(raw, indices.num, dict.num, ks.data());
      break;
    case 64:
      ResolveIndices<int64_t>(raw, indices.num, dict.num, ks.data());
      break;
    default:
      return Bad("dictionary indices must be 8/16/32/64-bit integers");
  }
  const bool plain = !dict.has_item_validity && !out->has_item_validity &&
                     dict.variable == out->variable && dict.bits_per_value == out->bits_per_value &&
                     (dict.variable || dict.bits_per_value % 8 == 0);
  if (!plain) {
    for (int64_t k : ks) LF_RETURN_NOT_OK(out->AppendFrom(dict, k, 1));
    return Status::OK();
  }
  out->Own();
  const uint8_t* src = dict.bytes();
  if (dict.variable) {
    const int64_t* doffs = dict.offsets.data();
    int64_t total = 0;
    for (int64_t k : ks) total += doffs[k + 1] - doffs[k];
    int64_t at = out->data.size();
    uint8_t* dst = out->data.AppendUninitialized(total);
    size_t o = out->offsets.size();
    out->offsets.resize(o + ks.size());
    for (int64_t k : ks) {
      const int64_t len = doffs[k + 1] - doffs[k];
      std::memcpy(dst, src + doffs[k], static_cast<size_t>(len));
      dst += len;
      at += len;
      out->offsets[o++] = at;
    }
  } else {
    const int64_t vw = dict.bits_per_value / 8;
    uint8_t* dst = out->data.AppendUninitialized(indices.num * vw);
    for (int64_t k : ks) {
      std::memcpy(dst, src + k * vw, static_cast<size_t>(vw));
      dst += vw;
    }
  }
  out->num += indices.num;
  return Status::OK();
}

// Decodes a mini-block page's dictionary (buffer 2) into `dict` and checks that the chunk
// values are integer indices; `index_bits` receives their width.
Status LoadDictionary(const MiniBlock& m, const LeafPath& path, BufferSet* bufs, ValueBlock* dict,
                      int64_t* index_bits) {
  LF_ASSIGN_OR_RETURN(ValueShape ds, ShapeOf(*m.dictionary));
  if (ds.variable != path.shape.variable ||
      (!ds.variable && ds.bits_per_value != path.shape.bits_per_value)) {
    return Bad("dictionary values do not match the field type");
  }
  InitValues(path, dict);
  LF_ASSIGN_OR_RETURN(BufferPtr dbuf, bufs->Get(2));
  if (m.num_dictionary_items > static_cast<uint64_t>(kMaxEntries)) {
    return Bad("dictionary item count");
  }
  LF_RETURN_NOT_OK(DecodeBlock(*m.dictionary, {dbuf->data(), dbuf->size()},
                               static_cast<int64_t>(m.num_dictionary_items), dict));
  LF_ASSIGN_OR_RETURN(ValueShape is, ShapeOf(*m.values));
  if (is.variable || (is.bits_per_value != 8 && is.bits_per_value != 16 &&
                      is.bits_per_value != 32 && is.bits_per_value != 64)) {
    return Bad("dictionary indices must be 8/16/32/64-bit integers");
  }
  *index_bits = is.bits_per_value;
  return Status::OK();
}

Status DecodeMiniBlockPage(const MiniBlock& m, const LeafPath& path, BufferSet* bufs,
                           int64_t num_rows, DecodedPage* page) {
  LF_ASSIGN_OR_RETURN(DefMap dm, MakeDefMap(m.layers, path));
  LF_ASSIGN_OR_RETURN(BufferPtr meta, bufs->Get(0));
  LF_ASSIGN_OR_RETURN(BufferPtr data, bufs->Get(1));

  InitValues(path, &page->values);
  ValueBlock dict;
  ValueBlock indices;
  const ValueBlock* dict_ptr = nullptr;
  if (m.dictionary) {
    int64_t index_bits = 0;
    LF_RETURN_NOT_OK(LoadDictionary(m, path, bufs, &dict, &index_bits));
    indices.Reset(false, index_bits);
    dict_ptr = &dict;
  } else {
    LF_ASSIGN_OR_RETURN(ValueShape vs, ShapeOf(*m.values));
    if (vs.variable != path.shape.variable ||
        (!vs.variable && vs.bits_per_value != path.shape.bits_per_value)) {
      return Bad("values encoded as " + m.values->Describe() + " do not match the field type");
    }
    page->values.has_item_validity = vs.has_item_validity;
  }
  ValueBlock* target = dict_ptr ? &indices : &page->values;

  LF_ASSIGN_OR_RETURN(ChunkTable chunks, ReadChunkTable(m, *meta, data->size()));
  for (int64_t c = 0; c < chunks.num_chunks(); ++c) {
    int64_t n = chunks.values(c);
    ChunkParts parts;
    LF_RETURN_NOT_OK(SplitChunk(m, data->data() + chunks.byte_start[static_cast<size_t>(c)],
                                chunks.bytes(c), n, c, &parts));
    if (m.rep) {
      LF_RETURN_NOT_OK(DecodeLevels(*m.rep, parts.rep, parts.levels, &page->rep));
    }
    if (m.def) {
      LF_RETURN_NOT_OK(DecodeLevels(*m.def, parts.def, parts.levels, &page->def));
    }
    page->num_entries += parts.levels;
    if (page->num_entries > kMaxEntries) return Bad("too many level entries");
    int64_t before = target->num;
    LF_RETURN_NOT_OK(DecodeMiniBlockValues(*m.values, parts.values, n, target));
    if (target->num != before + n) return Bad("mini-block chunk decoded the wrong value count");
  }
  if (dict_ptr) LF_RETURN_NOT_OK(GatherDictionary(indices, dict, &page->values));
  return FinishLevels(dm, path, num_rows, page);
}

// ------------------------------------------------------------------------------------------
// FullZipLayout
// ------------------------------------------------------------------------------------------

struct FullZip {
  uint32_t bits_rep = 0, bits_def = 0;
  uint32_t bits_per_value = 0, bits_per_offset = 0;
  uint32_t num_items = 0, num_visible_items = 0;
  std::unique_ptr<Encoding> values;
  std::vector<int> layers;
};

Result<FullZip> ParseFullZip(ProtoReader r) {
  FullZip z;
  while (!r.done()) {
    uint32_t f;
    WireType wt;
    LF_RETURN_NOT_OK(r.NextField(&f, &wt));
    switch (f) {
      case 1: {
        LF_ASSIGN_OR_RETURN(z.bits_rep, r.ReadUInt32(wt));
        break;
      }
      case 2: {
        LF_ASSIGN_OR_RETURN(z.bits_def, r.ReadUInt32(wt));
        break;
      }
      case 3: {
        LF_ASSIGN_OR_RETURN(z.bits_per_value, r.ReadUInt32(wt));
        break;
      }
      case 4: {
        LF_ASSIGN_OR_RETURN(z.bits_per_offset, r.ReadUInt32(wt));
        break;
      }
      case 5: {
        LF_ASSIGN_OR_RETURN(z.num_items, r.ReadUInt32(wt));
        break;
      }
      case 6: {
        LF_ASSIGN_OR_RETURN(z.num_visible_items, r.ReadUInt32(wt));
        break;
      }
      case 7: {
        LF_ASSIGN_OR_RETURN(std::string_view b, r.ReadBytes(wt));
        LF_ASSIGN_OR_RETURN(z.values, ParseEncoding(b));
        break;
      }
      case 8: {
        LF_ASSIGN_OR_RETURN(z.layers, ReadLayers(&r, wt));
        break;
      }
      default: {
        LF_RETURN_NOT_OK(r.Skip(wt));
        break;
      }
    }
  }
  if (!z.values) return Bad("FullZipLayout without value_compression");
  if (z.bits_rep > 16 || z.bits_def > 16) return Bad("FullZipLayout level widths");
  if ((z.bits_per_value == 0) == (z.bits_per_offset == 0)) {
    return Bad("FullZipLayout needs exactly one of bits_per_value / bits_per_offset");
  }
  if (z.bits_per_offset != 0 && z.bits_per_offset != 8 && z.bits_per_offset != 16 &&
      z.bits_per_offset != 32 && z.bits_per_offset != 64) {
    return Bad("FullZipLayout bits_per_offset " + std::to_string(z.bits_per_offset));
  }
  if (z.bits_per_value % 8 != 0) return Bad("full-zip values must be byte aligned");
  return z;
}

int ControlWordBytes(const FullZip& z) {
  int total_bits = static_cast<int>(z.bits_rep + z.bits_def);
  return total_bits == 0 ? 0 : total_bits <= 8 ? 1 : total_bits <= 16 ? 2 : 4;
}

// Decodes the zipped items of `num_rows` rows at [data, data + size): `num_items` of them, or
// when -1, as many as the bytes hold.
Status DecodeFullZipItems(const FullZip& z, const LeafPath& path, const uint8_t* data, int64_t size,
                          int64_t num_items, int64_t num_rows, DecodedPage* page) {
  LF_ASSIGN_OR_RETURN(DefMap dm, MakeDefMap(z.layers, path));
  InitValues(path, &page->values);
  LF_ASSIGN_OR_RETURN(ValueShape vs, ShapeOf(*z.values));
  bool variable = z.bits_per_offset != 0;
  if (variable != path.shape.variable) {
    return Bad("full-zip values do not match the field type");
  }
  page->values.has_item_validity = vs.has_item_validity;
  int cw = ControlWordBytes(z);
  uint64_t def_mask = (uint64_t{1} << z.bits_def) - 1;
  // Items visible to the writer: def at or below the last item layer before the first list.
  int max_visible = 0;
  for (size_t i = 0; i < z.layers.size() && !IsListLayer(z.layers[i]); ++i) {
    max_visible += z.layers[i] == kNullableItem ? 1 : 0;
  }
  int64_t n = num_items;
  const uint8_t* p = data;
  int64_t left = size;
  int ob = static_cast<int>(z.bits_per_offset / 8);
  int64_t bpv = z.bits_per_value / 8;
  ValueBlock raw;
  raw.Reset(true, 0);
  std::vector<uint8_t> fixed;
  int64_t fixed_n = 0;
  if (n >= 0 && z.bits_rep) page->rep.reserve(static_cast<size_t>(n));
  if (n >= 0 && z.bits_def) page->def.reserve(static_cast<size_t>(n));
  int64_t i = 0;
  for (; n >= 0 ? i < n : left > 0; ++i) {
    if (cw == 0 && n < 0 && i >= num_rows) break;
    uint64_t word = 0;
    if (cw) {
      if (left < cw) return Bad("full-zip data truncated at item " + std::to_string(i));
      word = ReadLE(p, cw);
      p += cw;
      left -= cw;
    }
    uint64_t def = word & def_mask;
    uint64_t rep = word >> z.bits_def;
    if (z.bits_rep) page->rep.push_back(static_cast<uint16_t>(rep));
    if (z.bits_def) page->def.push_back(static_cast<uint16_t>(def));
    if (def > static_cast<uint64_t>(max_visible)) continue;
    if (variable) {
      if (def == 0) {
        if (left < ob) return Bad("full-zip length truncated at item " + std::to_string(i));
        uint64_t len = ReadLE(p, ob);
        p += ob;
        left -= ob;
        if (len > static_cast<uint64_t>(left)) {
          return Bad("full-zip value of item " + std::to_string(i) + " runs past the page");
        }
        raw.data.Append(p, static_cast<int64_t>(len));
        p += len;
        left -= static_cast<int64_t>(len);
      }
      raw.offsets.push_back(raw.data.size());
      raw.num++;
    } else {
      if (left < bpv) return Bad("full-zip value of item " + std::to_string(i) + " truncated");
      fixed.insert(fixed.end(), p, p + bpv);
      p += bpv;
      left -= bpv;
      fixed_n++;
    }
  }
  if (left != 0) return Bad("full-zip data has " + std::to_string(left) + " trailing bytes");
  n = i;
  if (n > kMaxEntries) return Bad("too many level entries");
  page->num_entries = n;
  if (!z.bits_rep && !z.bits_def && n != num_rows) return Bad("full-zip item count");
  if (variable) {
    LF_RETURN_NOT_OK(DecodeFullZipVariable(*z.values, raw, &page->values));
  } else {
    // Nested fixed-size lists store fewer bytes than their decoded rows; the decoder checks.
    if (vs.variable || (!vs.has_item_validity && !IsNestedFslEncoding(*z.values) &&
                        vs.bits_per_value != bpv * 8)) {
      return Bad("full-zip bits_per_value does not match its encoding");
    }
    LF_RETURN_NOT_OK(DecodeFullZipFixed(*z.values, fixed.data(), fixed_n, bpv, &page->values));
  }
  return FinishLevels(dm, path, num_rows, page);
}

Status DecodeFullZipPage(const FullZip& z, const LeafPath& path, BufferSet* bufs, int64_t num_rows,
                         DecodedPage* page) {
  LF_ASSIGN_OR_RETURN(BufferPtr data, bufs->Get(0));
  return DecodeFullZipItems(z, path, data->data(), data->size(), z.num_items, num_rows, page);
}

// ------------------------------------------------------------------------------------------
// AllNullLayout (2.1) / ConstantLayout (2.2)
// ------------------------------------------------------------------------------------------

struct ConstantPage {
  std::vector<int> layers;
  bool has_value = false;
  std::string value;
  std::unique_ptr<Encoding> rep, def;
  uint64_t num_rep = 0, num_def = 0;
};

Result<ConstantPage> ParseConstant(ProtoReader r) {
  ConstantPage c;
  while (!r.done()) {
    uint32_t f;
    WireType wt;
    LF_RETURN_NOT_OK(r.NextField(&f, &wt));
    auto enc = [&](std::unique_ptr<Encoding>* dst) -> Status {
      LF_ASSIGN_OR_RETURN(std::string_view b, r.ReadBytes(wt));
      LF_ASSIGN_OR_RETURN(*dst, ParseEncoding(b));
      return Status::OK();
    };
    switch (f) {
      case 5: {
        LF_ASSIGN_OR_RETURN(c.layers, ReadLayers(&r, wt));
        break;
      }
      case 6: {
        LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(wt));
        c.value.assign(v);
        c.has_value = true;
        break;
      }
      case 7: {
        LF_RETURN_NOT_OK(enc(&c.rep));
        break;
      }
      case 8: {
        LF_RETURN_NOT_OK(enc(&c.def));
        break;
      }
      case 9: {
        LF_ASSIGN_OR_RETURN(c.num_rep, r.ReadUInt64(wt));
        break;
      }
      case 10: {
        LF_ASSIGN_OR_RETURN(c.num_def, r.ReadUInt64(wt));
        break;
      }
      default: {
        LF_RETURN_NOT_OK(r.Skip(wt));
        break;
      }
    }
  }
  return c;
}

Status RawLevels(const BufferPtr& b, std::vector<uint16_t>* out) {
  if (b->size() % 2 != 0) return Bad("level buffer of odd size");
  out->resize(static_cast<size_t>(b->size() / 2));
  if (b->size()) std::memcpy(out->data(), b->data(), static_cast<size_t>(b->size()));
  return Status::OK();
}

// A 2.2 constant value stored in a page buffer (values that are not fixed-width or wider
// than the inline limit): u32 buffer count, u32 size per buffer, then the buffers; a
// variable-width value is two buffers, offsets {start, end} (u32 or u64) and bytes.
Status ParseConstantValueBuffer(const BufferPtr& b, const LeafPath& path, std::string* value) {
  const uint8_t* p = b->data();
  int64_t size = b->size();
  if (size < 4) return Bad("constant value buffer truncated");
  uint64_t n = ReadLE(p, 4);
  if (n == 0 || n > 4 || size < 4 + 4 * static_cast<int64_t>(n)) {
    return Bad("constant value buffer header");
  }
  std::vector<ByteSpan> parts;
  int64_t off = 4 + 4 * static_cast<int64_t>(n);
  for (uint64_t i = 0; i < n; ++i) {
    int64_t len = static_cast<int64_t>(ReadLE(p + 4 + 4 * i, 4));
    if (len > size - off) return Bad("constant value buffer sizes exceed the buffer");
    parts.push_back({p + off, len});
    off += len;
  }
  if (path.shape.variable) {
    if (n != 2 || (parts[0].size != 8 && parts[0].size != 16)) {
      return Bad("constant variable-width value needs offsets and bytes");
    }
    int w = static_cast<int>(parts[0].size / 2);
    uint64_t a = ReadLE(parts[0].data, w), e = ReadLE(parts[0].data + w, w);
    if (a > e || e > static_cast<uint64_t>(parts[1].size)) {
      return Bad("constant value offsets out of range");
    }
    value->assign(reinterpret_cast<const char*>(parts[1].data + a), e - a);
  } else {
    value->assign(reinterpret_cast<const char*>(parts[0].data), static_cast<size_t>(parts[0].size));
  }
  return Status::OK();
}

Status DecodeConstantPage(ConstantPage c, const LeafPath& path, BufferSet* bufs, int64_t num_rows,
                          bool v22, DecodedPage* page) {
  LF_ASSIGN_OR_RETURN(DefMap dm, MakeDefMap(c.layers, path));
  InitValues(path, &page->values);
  size_t first_level_buffer = 0;
  if (v22 && !c.has_value && bufs->size() % 2 == 1) {
    LF_ASSIGN_OR_RETURN(BufferPtr vb, bufs->Get(0));
    LF_RETURN_NOT_OK(ParseConstantValueBuffer(vb, path, &c.value));
    c.has_value = true;
    first_level_buffer = 1;
  }
  size_t level_buffers = bufs->size() - first_level_buffer;
  if (c.rep || c.def) {
    if (level_buffers != 2) return Bad("constant page needs rep and def buffers");
    if (c.rep) {
      LF_ASSIGN_OR_RETURN(BufferPtr b, bufs->Get(first_level_buffer));
      if (c.num_rep > static_cast<uint64_t>(kMaxEntries)) return Bad("level count");
      LF_RETURN_NOT_OK(DecodeLevels(*c.rep, {b->data(), b->size()}, static_cast<int64_t>(c.num_rep),
                                    &page->rep));
    }
    if (c.def) {
      LF_ASSIGN_OR_RETURN(BufferPtr b, bufs->Get(first_level_buffer + 1));
      if (c.num_def > static_cast<uint64_t>(kMaxEntries)) return Bad("level count");
      LF_RETURN_NOT_OK(DecodeLevels(*c.def, {b->data(), b->size()}, static_cast<int64_t>(c.num_def),
                                    &page->def));
    }
  } else if (level_buffers >= 1) {
    if (level_buffers != 2) return Bad("constant page needs rep and def buffers");
    LF_ASSIGN_OR_RETURN(BufferPtr b0, bufs->Get(first_level_buffer));
    LF_RETURN_NOT_OK(RawLevels(b0, &page->rep));
    LF_ASSIGN_OR_RETURN(BufferPtr b1, bufs->Get(first_level_buffer + 1));
    LF_RETURN_NOT_OK(RawLevels(b1, &page->def));
  }
  if (!page->rep.empty() && !page->def.empty() && page->rep.size() != page->def.size()) {
    return Bad("constant page rep and def level counts differ");
  }
  page->num_entries = static_cast<int64_t>(std::max(page->rep.size(), page->def.size()));
  if (page->rep.empty() && page->def.empty()) {
    page->num_entries = num_rows;
    if (!c.has_value) {
      // A page of nulls without levels: every row is null at its innermost nullable layer.
      uint16_t null_def = 0;
      for (size_t i = 0; i < c.layers.size(); ++i) {
        if (c.layers[i] == kNullableItem || c.layers[i] == kNullableList ||
            c.layers[i] == kNullAndEmptyList) {
          null_def = static_cast<uint16_t>(
              std::find(dm.canon.begin(), dm.canon.end(),
                        static_cast<uint16_t>(1 + 2 * (path.depth - 1 - static_cast<int>(i)))) -
              dm.canon.begin());
          break;
        }
        if (c.layers[i] == kEmptyableList) break;
      }
      if (null_def == 0 && num_rows > 0) return Bad("all-null page of a non-nullable field");
      page->def.assign(static_cast<size_t>(num_rows), null_def);
    }
  }
  // Count entries that own a value, then fill them (constant or null).
  int64_t reach = 0;
  for (int64_t i = 0; i < page->num_entries; ++i) {
    if (page->def.empty()) {
      ++reach;
      continue;
    }
    uint16_t d = page->def[static_cast<size_t>(i)];
    if (d > dm.max_def) return Bad("def level above the maximum");
    if (ReachesLeaf(dm.canon[d], path)) ++reach;
  }
  if (c.has_value) {
    Encoding e;
    e.kind = EncodingKind::kConstant;
    e.field_number = 3;
    e.has_value = true;
    e.bytes = c.value;
    if (path.shape.has_item_validity) return Status::NotImplemented("constant nullable vectors");
    LF_RETURN_NOT_OK(DecodeMiniBlockValues(e, {}, reach, &page->values));
  } else {
    AppendNullValues(reach, &page->values);
  }
  return FinishLevels(dm, path, num_rows, page);
}

}  // namespace

int64_t DecodedPage::MemoryBytes() const {
  return static_cast<int64_t>(rep.size() * 2 + def.size() * 2 +
                              static_cast<size_t>(values.data.size()) + values.offsets.size() * 8 +
                              values.item_validity.size() + row_entry.size() * 16);
}

Result<DecodedPage> DecodePage(const PageInfo& page, const LeafPath& path, bool v22,
                               const PageBufferReader& read) {
  if (page.encoding.kind != EncodingRef::Kind::kDirect) {
    return Status::NotImplemented("page encoding stored out of line (deferred)");
  }
  if (page.encoding.type_url != kPageLayoutUrl) {
    return Status::NotImplemented("page encoding " + page.encoding.type_url);
  }
  if (page.length > static_cast<uint64_t>(kMaxEntries)) return Bad("page row count");
  int64_t num_rows = static_cast<int64_t>(page.length);
  ProtoReader r(page.encoding.value, "PageLayout");
  BufferSet bufs(page, read);
  DecodedPage out;
  bool seen = false;
  while (!r.done()) {
    uint32_t f;
    WireType wt;
    LF_RETURN_NOT_OK(r.NextField(&f, &wt));
    if (f == 1) {
      LF_ASSIGN_OR_RETURN(ProtoReader m, r.ReadMessage(wt, "MiniBlockLayout"));
      LF_ASSIGN_OR_RETURN(MiniBlock mb, ParseMiniBlock(std::move(m)));
      LF_RETURN_NOT_OK(DecodeMiniBlockPage(mb, path, &bufs, num_rows, &out));
      seen = true;
    } else if (f == 2) {
      LF_ASSIGN_OR_RETURN(ProtoReader m, r.ReadMessage(wt, "ConstantLayout"));
      LF_ASSIGN_OR_RETURN(ConstantPage cp, ParseConstant(std::move(m)));
      LF_RETURN_NOT_OK(DecodeConstantPage(std::move(cp), path, &bufs, num_rows, v22, &out));
      seen = true;
    } else if (f == 3) {
      LF_ASSIGN_OR_RETURN(ProtoReader m, r.ReadMessage(wt, "FullZipLayout"));
      LF_ASSIGN_OR_RETURN(FullZip z, ParseFullZip(std::move(m)));
      LF_RETURN_NOT_OK(DecodeFullZipPage(z, path, &bufs, num_rows, &out));
      seen = true;
    } else if (f == 4) {
      return Status::NotImplemented("unsupported page layout lance.encodings21.BlobLayout");
    } else if (f == 5) {
      return Status::NotImplemented("unsupported page layout lance.encodings21.SparseLayout");
    } else if (wt == WireType::kLengthDelimited) {
      return Status::NotImplemented("unsupported page layout (PageLayout field " +
                                    std::to_string(f) + ")");
    } else {
      LF_RETURN_NOT_OK(r.Skip(wt));
    }
    if (seen) break;
  }
  if (!seen) return Bad("empty PageLayout");
  return out;
}

// ------------------------------------------------------------------------------------------
// Row-range page readers
// ------------------------------------------------------------------------------------------

namespace {

// Appends `n` canonical def levels (`def` null: all valid) to `out`.
void AppendDef(const uint16_t* def, int64_t n, RowSlice* out) {
  if (def == nullptr) {
    if (out->any_def) out->def.resize(out->def.size() + static_cast<size_t>(n), 0);
    return;
  }
  if (!out->any_def) {
    out->def.assign(static_cast<size_t>(out->entries), 0);
    out->any_def = true;
  }
  out->def.insert(out->def.end(), def, def + n);
}

class WholePageReader final : public PageReader {
 public:
  WholePageReader(const PageInfo& page, const LeafPath& path, bool v22, PageBufferReader read)
      : page_(page), path_(path), v22_(v22), read_(std::move(read)) {}

  Status ReadRows(int64_t begin, int64_t end, RowSlice* out) override {
    if (!decoded_) {
      LF_ASSIGN_OR_RETURN(DecodedPage d, DecodePage(page_, path_, v22_, read_));
      decoded_ = std::make_unique<DecodedPage>(std::move(d));
    }
    const DecodedPage& page = *decoded_;
    if (begin < 0 || begin > end || end > page.num_rows) return Bad("row range outside the page");
    int64_t e0 = page.EntryOfRow(begin), e1 = page.EntryOfRow(end);
    int64_t v0 = page.ValueOfRow(begin), v1 = page.ValueOfRow(end);
    if (!page.rep.empty()) {
      out->rep.insert(out->rep.end(), page.rep.begin() + e0, page.rep.begin() + e1);
    }
    AppendDef(page.def.empty() ? nullptr : page.def.data() + e0, e1 - e0, out);
    out->entries += e1 - e0;
    return out->values.AppendFrom(page.values, v0, v1 - v0);
  }

 private:
  const PageInfo& page_;
  const LeafPath& path_;
  bool v22_;
  PageBufferReader read_;
  std::unique_ptr<DecodedPage> decoded_;
};

// Mini-block pages without repetition levels: rows, level entries and values coincide, so the
// chunk table alone locates rows.
class MiniBlockRowsReader final : public PageReader {
 public:
  static Result<std::unique_ptr<PageReader>> Make(const PageInfo& page, const LeafPath& path,
                                                  MiniBlock m, PageBufferReader read) {
    auto r = std::unique_ptr<MiniBlockRowsReader>(
        new MiniBlockRowsReader(page, path, std::move(m), std::move(read)));
    LF_RETURN_NOT_OK(r->Init());
    return std::unique_ptr<PageReader>(std::move(r));
  }

  Status ReadRows(int64_t begin, int64_t end, RowSlice* out) override {
    if (begin < 0 || begin > end || end > static_cast<int64_t>(page_.length)) {
      return Bad("row range outside the page");
    }
    if (begin == end) return Status::OK();
    if (m_.rep) return ReadListRows(begin, end, out);
    const int64_t c0 = chunks_.ChunkOf(begin);
    const int64_t c1 = chunks_.ChunkOf(end - 1);
    int64_t bytes_base = 0;
    LF_ASSIGN_OR_RETURN(BufferPtr bytes, ReadChunks(c0, c1, &bytes_base));
    for (int64_t c = c0; c <= c1; ++c) {
      const int64_t first = chunks_.value_start[static_cast<size_t>(c)];
      const int64_t n = chunks_.values(c);
      const int64_t lo = std::max(begin, first) - first;
      const int64_t hi = std::min(end, first + n) - first;
      if (c != cached_) {
        const uint8_t* ch = bytes->data() + chunks_.byte_start[static_cast<size_t>(c)] - bytes_base;
        if (lo == 0 && hi == n && !shape_.has_item_validity) {
          // A whole chunk: decode straight into the output.
          out->values.Own();
          LF_RETURN_NOT_OK(DecodeChunk(c, ch, &out->values, nullptr, &def_scratch_));
          AppendDef(def_scratch_.empty() ? nullptr : def_scratch_.data(), n, out);
          out->entries += n;
          continue;
        }
        LF_RETURN_NOT_OK(DecodeIntoCache(c, ch));
      }
      AppendDef(cached_def_.empty() ? nullptr : cached_def_.data() + lo, hi - lo, out);
      out->entries += hi - lo;
      LF_RETURN_NOT_OK(out->values.AppendFrom(cached_values_, lo, hi - lo));
    }
    return Status::OK();
  }

 private:
  MiniBlockRowsReader(const PageInfo& page, const LeafPath& path, MiniBlock m,
                      PageBufferReader read)
      : page_(page), path_(path), m_(std::move(m)), read_(std::move(read)) {}

  // Reads the bytes of chunks [c0, c1], leaving out c0 when it is the cached chunk; `base`
  // receives the chunk-buffer offset of the first byte read. Null when nothing is read.
  Result<BufferPtr> ReadChunks(int64_t c0, int64_t c1, int64_t* base) {
    const int64_t first = c0 == cached_ ? c0 + 1 : c0;
    if (first > c1) return BufferPtr();
    *base = chunks_.byte_start[static_cast<size_t>(first)];
    const int64_t len = chunks_.byte_start[static_cast<size_t>(c1) + 1] - *base;
    LF_ASSIGN_OR_RETURN(BufferPtr bytes, read_(data_.position + static_cast<uint64_t>(*base),
                                               static_cast<uint64_t>(len)));
    if (bytes->size() != len) return Bad("short page buffer read");
    return bytes;
  }

  Status DecodeIntoCache(int64_t c, const uint8_t* ch) {
    cached_ = -1;
    InitValues(path_, &cached_values_);
    cached_values_.has_item_validity = shape_.has_item_validity;
    cached_rep_.clear();
    LF_RETURN_NOT_OK(
        DecodeChunk(c, ch, &cached_values_, m_.rep ? &cached_rep_ : nullptr, &cached_def_));
    cached_ = c;
    return Status::OK();
  }

  // The chunk in which row `r` (< page rows) starts.
  int64_t RowChunk(int64_t r) const {
    return static_cast<int64_t>(std::upper_bound(row_first_.begin(), row_first_.end(), r) -
                                row_first_.begin()) -
           1;
  }

  // Pages with lists: the repetition index says which chunks hold the rows (a row may
  // continue over several chunks). Those chunks are decoded into `piece_`, whose entries are
  // then cut to the rows.
  Status ReadListRows(int64_t begin, int64_t end, RowSlice* out) {
    const int64_t c0 = RowChunk(begin);
    int64_t c1 = RowChunk(end - 1);
    const size_t u1 = static_cast<size_t>(c1);
    if (end - 1 == row_first_[u1] + row_starts_[u1] - 1 && trailer_[u1]) {
      // The last row continues into the next chunks.
      do {
        ++c1;
      } while (c1 < chunks_.num_chunks() && row_starts_[static_cast<size_t>(c1)] == 0 &&
               trailer_[static_cast<size_t>(c1)]);
      if (c1 >= chunks_.num_chunks()) return Bad("the last mini-block chunk ends inside a row");
    }
    int64_t bytes_base = 0;
    LF_ASSIGN_OR_RETURN(BufferPtr bytes, ReadChunks(c0, c1, &bytes_base));
    piece_rep_.clear();
    piece_def_.clear();
    bool piece_any_def = false;
    InitValues(path_, &piece_values_);
    piece_values_.has_item_validity = shape_.has_item_validity;
    auto append_def = [&](const std::vector<uint16_t>& def, int64_t levels) {
      if (def.empty()) {
        if (piece_any_def) piece_def_.resize(piece_def_.size() + static_cast<size_t>(levels), 0);
        return;
      }
      if (!piece_any_def) {
        piece_def_.assign(piece_rep_.size() - static_cast<size_t>(levels), 0);
        piece_any_def = true;
      }
      piece_def_.insert(piece_def_.end(), def.begin(), def.end());
    };
    for (int64_t c = c0; c <= c1; ++c) {
      if (c != cached_) {
        const uint8_t* ch = bytes->data() + chunks_.byte_start[static_cast<size_t>(c)] - bytes_base;
        if (c != c1) {
          const size_t before = piece_rep_.size();
          LF_RETURN_NOT_OK(DecodeChunk(c, ch, &piece_values_, &piece_rep_, &def_scratch_));
          append_def(def_scratch_, static_cast<int64_t>(piece_rep_.size() - before));
          continue;
        }
        LF_RETURN_NOT_OK(DecodeIntoCache(c, ch));
      }
      piece_rep_.insert(piece_rep_.end(), cached_rep_.begin(), cached_rep_.end());
      append_def(cached_def_, static_cast<int64_t>(cached_rep_.size()));
      LF_RETURN_NOT_OK(piece_values_.AppendFrom(cached_values_, 0, cached_values_.num));
    }
    // Entries of rows [begin, end) and the values they own. Entries before the first row
    // start belong to a row that began in an earlier chunk.
    const uint16_t max_rep = static_cast<uint16_t>(path_.max_rep);
    const bool preamble = preamble_[static_cast<size_t>(c0)];
    const int64_t entries = static_cast<int64_t>(piece_rep_.size());
    int64_t row = row_first_[static_cast<size_t>(c0)] - 1;
    int64_t e0 = -1, e1 = entries, v0 = 0, v1 = -1, reach = 0;
    for (int64_t i = 0; i < entries; ++i) {
      const uint16_t r = piece_rep_[static_cast<size_t>(i)];
      if (r > max_rep) return Bad("repetition level " + std::to_string(r) + " too large");
      if (i == 0 && !preamble && r != max_rep) return Bad("mini-block chunk does not start a row");
      if (r == max_rep) {
        ++row;
        if (row == begin) {
          e0 = i;
          v0 = reach;
        } else if (row == end) {
          e1 = i;
          v1 = reach;
        }
      }
      if (!piece_any_def || ReachesLeaf(piece_def_[static_cast<size_t>(i)], path_)) ++reach;
    }
    if (reach != piece_values_.num) {
      return Bad("mini-block chunks " + std::to_string(c0) + ".." + std::to_string(c1) + " hold " +
                 std::to_string(piece_values_.num) + " values for " + std::to_string(reach) +
                 " items");
    }
    if (v1 < 0) v1 = reach;
    if (e0 < 0 || row < end - 1) {
      return Bad("mini-block chunks " + std::to_string(c0) + ".." + std::to_string(c1) +
                 " do not hold the rows the repetition index places there");
    }
    out->rep.insert(out->rep.end(), piece_rep_.begin() + e0, piece_rep_.begin() + e1);
    AppendDef(piece_any_def ? piece_def_.data() + e0 : nullptr, e1 - e0, out);
    out->entries += e1 - e0;
    return out->values.AppendFrom(piece_values_, v0, v1 - v0);
  }

  // Rows per chunk from the repetition index (buffer after the dictionary): per chunk
  // depth + 1 u64, the first the rows that finish in the chunk, the second the items left
  // after its last finished row (a row continuing into the next chunk).
  Status ReadRepetitionIndex(BufferSet* bufs) {
    const size_t index_buffer = m_.dictionary ? 3 : 2;
    if (m_.rep_index_depth == 0 || page_.buffers.size() != index_buffer + 1) {
      return Bad("mini-block page with lists but no repetition index");
    }
    LF_ASSIGN_OR_RETURN(BufferPtr index, bufs->Get(index_buffer));
    const int64_t stride = (static_cast<int64_t>(m_.rep_index_depth) + 1) * 8;
    const int64_t n = chunks_.num_chunks();
    if (m_.rep_index_depth > 8 || index->size() != n * stride) {
      return Bad("mini-block repetition index of " + std::to_string(index->size()) + " bytes for " +
                 std::to_string(n) + " chunks");
    }
    int64_t row = 0;
    bool preamble = false;
    for (int64_t c = 0; c < n; ++c) {
      const uint64_t ends = ReadLE(index->data() + c * stride, 8);
      const uint64_t partial = ReadLE(index->data() + c * stride + 8, 8);
      const bool trailer = partial > 0;
      const uint64_t starts = ends + (trailer ? 1 : 0);
      if (starts < (preamble ? 1u : 0u) || ends > page_.length) {
        return Bad("mini-block repetition index entry " + std::to_string(c) + " inconsistent");
      }
      row_first_.push_back(row);
      row_starts_.push_back(static_cast<int64_t>(starts) - (preamble ? 1 : 0));
      preamble_.push_back(preamble);
      trailer_.push_back(trailer);
      row += row_starts_.back();
      if (row > static_cast<int64_t>(page_.length)) break;
      preamble = trailer;
    }
    if (row != static_cast<int64_t>(page_.length) || preamble) {
      return Bad("mini-block repetition index holds " + std::to_string(row) + " rows, the page " +
                 std::to_string(page_.length));
    }
    return Status::OK();
  }

  Status Init() {
    LF_ASSIGN_OR_RETURN(dm_, MakeDefMap(m_.layers, path_));
    BufferSet bufs(page_, read_);
    if (m_.dictionary) {
      LF_RETURN_NOT_OK(LoadDictionary(m_, path_, &bufs, &dict_, &index_bits_));
    } else {
      LF_ASSIGN_OR_RETURN(shape_, ShapeOf(*m_.values));
      if (shape_.variable != path_.shape.variable ||
          (!shape_.variable && shape_.bits_per_value != path_.shape.bits_per_value)) {
        return Bad("values encoded as " + m_.values->Describe() + " do not match the field type");
      }
    }
    if (!m_.rep && m_.num_items != page_.length) {
      return Bad("page of " + std::to_string(page_.length) + " rows has " +
                 std::to_string(m_.num_items) + " level entries");
    }
    if (page_.buffers.size() < 2) return Bad("mini-block page without its chunk buffers");
    data_ = page_.buffers[1];
    if (data_.size > kMaxPageBufferBytes) return Bad("page buffer too large");
    LF_ASSIGN_OR_RETURN(BufferPtr meta, bufs.Get(0));
    LF_ASSIGN_OR_RETURN(chunks_, ReadChunkTable(m_, *meta, static_cast<int64_t>(data_.size)));
    if (m_.rep) LF_RETURN_NOT_OK(ReadRepetitionIndex(&bufs));
    return Status::OK();
  }

  // Decodes chunk `c` (bytes at `ch`), appending its values to `values` and, for pages with
  // lists, its repetition levels to `rep`; `def` receives its canonical def levels, or is left
  // empty when they are all 0.
  Status DecodeChunk(int64_t c, const uint8_t* ch, ValueBlock* values, std::vector<uint16_t>* rep,
                     std::vector<uint16_t>* def) {
    const int64_t n = chunks_.values(c);
    LF_RETURN_NOT_OK(SplitChunk(m_, ch, chunks_.bytes(c), n, c, &parts_));
    def->clear();
    if (m_.rep) {
      LF_RETURN_NOT_OK(DecodeLevels(*m_.rep, parts_.rep, parts_.levels, rep));
    } else if (parts_.levels != n) {
      return Bad("mini-block chunk " + std::to_string(c) + " has " + std::to_string(parts_.levels) +
                 " levels for " + std::to_string(n) + " values");
    }
    if (m_.def) {
      LF_RETURN_NOT_OK(DecodeLevels(*m_.def, parts_.def, parts_.levels, def));
      bool any = false;
      for (auto& d : *def) {
        if (d > dm_.max_def) return Bad("def level " + std::to_string(d) + " above the maximum");
        d = dm_.canon[d];
        any |= d != 0;
      }
      if (!any) def->clear();
    }
    ValueBlock* target = values;
    if (m_.dictionary) {
      indices_.Reset(false, index_bits_);
      target = &indices_;
    }
    int64_t before = target->num;
    LF_RETURN_NOT_OK(DecodeMiniBlockValues(*m_.values, parts_.values, n, target));
    if (target->num != before + n) return Bad("mini-block chunk decoded the wrong value count");
    if (m_.dictionary) return GatherDictionary(indices_, dict_, values);
    return Status::OK();
  }

  const PageInfo& page_;
  const LeafPath& path_;
  MiniBlock m_;
  PageBufferReader read_;
  DefMap dm_;
  ValueShape shape_;  // of the values (default when they are dictionary indices)
  ValueBlock dict_;
  int64_t index_bits_ = 0;
  ValueBlock indices_;
  BufferRef data_;
  ChunkTable chunks_;
  ChunkParts parts_;
  std::vector<uint16_t> def_scratch_;
  // Pages with lists, per chunk: the first row starting in it, how many rows start in it,
  // whether it begins with the end of an earlier row (preamble) and ends inside a row (trailer).
  std::vector<int64_t> row_first_;
  std::vector<int64_t> row_starts_;
  std::vector<bool> preamble_;
  std::vector<bool> trailer_;
  // Pages with lists: the chunks of one read, decoded.
  std::vector<uint16_t> piece_rep_;
  std::vector<uint16_t> piece_def_;
  ValueBlock piece_values_;
  // The last chunk decoded whole for a partial read (-1: none).
  int64_t cached_ = -1;
  ValueBlock cached_values_;
  std::vector<uint16_t> cached_rep_;
  std::vector<uint16_t> cached_def_;
};

// Full-zip pages of fixed-width values without control words: row r is the bytes_per_value
// bytes at r * bytes_per_value of buffer 0, so a row range is one read, used without a copy.
class FullZipFixedRowsReader final : public PageReader {
 public:
  FullZipFixedRowsReader(const PageInfo& page, int64_t bytes_per_value, PageBufferReader read)
      : page_(page), bytes_per_value_(bytes_per_value), read_(std::move(read)) {}

  Status ReadRows(int64_t begin, int64_t end, RowSlice* out) override {
    if (begin < 0 || begin > end || end > static_cast<int64_t>(page_.length)) {
      return Bad("row range outside the page");
    }
    if (begin == end) return Status::OK();
    const int64_t len = (end - begin) * bytes_per_value_;
    LF_ASSIGN_OR_RETURN(BufferPtr bytes, read_(page_.buffers[0].position +
                                                   static_cast<uint64_t>(begin * bytes_per_value_),
                                               static_cast<uint64_t>(len)));
    if (bytes->size() != len) return Bad("short page buffer read");
    AppendDef(nullptr, end - begin, out);
    out->entries += end - begin;
    return out->values.AppendBuffer(std::move(bytes), end - begin);
  }

 private:
  const PageInfo& page_;
  int64_t bytes_per_value_;
  PageBufferReader read_;
};

// Other full-zip pages whose rows can be located without decoding the page: through the
// repetition index (buffer 1: page rows + 1 byte offsets into buffer 0, 1/2/4/8 bytes each) or,
// for fixed-width values without lists, by the constant item size. A row range is one read
// of its zipped items, decoded like a page of its own.
class FullZipRangeReader final : public PageReader {
 public:
  FullZipRangeReader(const PageInfo& page, const LeafPath& path, FullZip z, int index_width,
                     int64_t stride, PageBufferReader read)
      : page_(page),
        path_(path),
        z_(std::move(z)),
        index_width_(index_width),
        stride_(stride),
        read_(std::move(read)) {}

  Status ReadRows(int64_t begin, int64_t end, RowSlice* out) override {
    if (begin < 0 || begin > end || end > static_cast<int64_t>(page_.length)) {
      return Bad("row range outside the page");
    }
    if (begin == end) return Status::OK();
    uint64_t start, stop;
    if (index_width_ > 0) {
      LF_ASSIGN_OR_RETURN(start, IndexEntry(begin));
      LF_ASSIGN_OR_RETURN(stop, IndexEntry(end));
      if (start > stop || stop > page_.buffers[0].size) {
        return Bad("full-zip repetition index entries " + std::to_string(begin) + ".." +
                   std::to_string(end) + " out of order or past the data");
      }
    } else {
      start = static_cast<uint64_t>(begin * stride_);
      stop = static_cast<uint64_t>(end * stride_);
    }
    BufferPtr bytes = std::make_shared<Buffer>();
    if (stop > start) {
      LF_ASSIGN_OR_RETURN(bytes, read_(page_.buffers[0].position + start, stop - start));
      if (bytes->size() != static_cast<int64_t>(stop - start)) {
        return Bad("short page buffer read");
      }
    }
    DecodedPage piece;
    LF_RETURN_NOT_OK(DecodeFullZipItems(z_, path_, bytes->data(), bytes->size(),
                                        index_width_ > 0 ? -1 : end - begin, end - begin, &piece));
    if (!piece.rep.empty()) {
      out->rep.insert(out->rep.end(), piece.rep.begin(), piece.rep.end());
    }
    AppendDef(piece.def.empty() ? nullptr : piece.def.data(), piece.num_entries, out);
    out->entries += piece.num_entries;
    return out->values.AppendFrom(piece.values, 0, piece.values.num);
  }

 private:
  Result<uint64_t> IndexEntry(int64_t row) {
    const BufferRef& index = page_.buffers[1];
    LF_ASSIGN_OR_RETURN(BufferPtr b,
                        read_(index.position + static_cast<uint64_t>(row * index_width_),
                              static_cast<uint64_t>(index_width_)));
    if (b->size() != index_width_) return Bad("short page buffer read");
    return ReadLE(b->data(), index_width_);
  }

  const PageInfo& page_;
  const LeafPath& path_;
  FullZip z_;
  int index_width_;  // bytes per repetition index entry; 0 without an index
  int64_t stride_;   // bytes per row without an index
  PageBufferReader read_;
};

// Whether a full-zip page qualifies for FullZipFixedRowsReader (the whole-page decoder reports
// what is wrong with the others).
bool FullZipFixedRows(const PageInfo& page, const FullZip& z, const LeafPath& path) {
  if (z.bits_rep != 0 || z.bits_def != 0 || z.bits_per_value == 0 || path.max_rep != 0) {
    return false;
  }
  const Encoding& e = *z.values;
  if (!(e.kind == EncodingKind::kFlat && e.scheme == 0) &&
      !(e.kind == EncodingKind::kFixedSizeList && !e.has_validity)) {
    return false;
  }
  auto vs = ShapeOf(e);
  if (!vs.ok() || vs->variable || vs->has_item_validity ||
      vs->bits_per_value != static_cast<int64_t>(z.bits_per_value) || path.shape.variable ||
      path.shape.bits_per_value != vs->bits_per_value) {
    return false;
  }
  if (!MakeDefMap(z.layers, path).ok()) return false;
  const int64_t bpv = z.bits_per_value / 8;
  return z.num_items == page.length && page.buffers.size() == 1 &&
         page.buffers[0].size == page.length * static_cast<uint64_t>(bpv);
}

}  // namespace

Result<std::unique_ptr<PageReader>> OpenPage(const PageInfo& page, const LeafPath& path, bool v22,
                                             PageBufferReader read) {
  if (page.encoding.kind == EncodingRef::Kind::kDirect &&
      page.encoding.type_url == kPageLayoutUrl &&
      page.length <= static_cast<uint64_t>(kMaxEntries)) {
    ProtoReader r(page.encoding.value, "PageLayout");
    while (!r.done()) {
      uint32_t f;
      WireType wt;
      LF_RETURN_NOT_OK(r.NextField(&f, &wt));
      if (f == 1) {
        LF_ASSIGN_OR_RETURN(ProtoReader mr, r.ReadMessage(wt, "MiniBlockLayout"));
        LF_ASSIGN_OR_RETURN(MiniBlock m, ParseMiniBlock(std::move(mr)));
        if (m.rep ? path.max_rep > 0 && m.rep_index_depth > 0 : path.max_rep == 0) {
          return MiniBlockRowsReader::Make(page, path, std::move(m), std::move(read));
        }
        break;
      }
      if (f == 3) {
        LF_ASSIGN_OR_RETURN(ProtoReader zr, r.ReadMessage(wt, "FullZipLayout"));
        LF_ASSIGN_OR_RETURN(FullZip z, ParseFullZip(std::move(zr)));
        if (FullZipFixedRows(page, z, path)) {
          return std::unique_ptr<PageReader>(
              new FullZipFixedRowsReader(page, z.bits_per_value / 8, std::move(read)));
        }
        if (page.buffers.empty() || page.buffers[0].size > kMaxPageBufferBytes) break;
        const uint64_t rows = page.length;
        if (page.buffers.size() >= 2) {
          const uint64_t index_size = page.buffers[1].size;
          const uint64_t width = index_size / (rows + 1);
          if (index_size % (rows + 1) == 0 &&
              (width == 1 || width == 2 || width == 4 || width == 8)) {
            return std::unique_ptr<PageReader>(new FullZipRangeReader(
                page, path, std::move(z), static_cast<int>(width), 0, std::move(read)));
          }
        } else if (z.bits_rep == 0 && z.bits_per_value != 0 && path.max_rep == 0 &&
                   z.num_items == rows) {
          const int64_t stride = ControlWordBytes(z) + z.bits_per_value / 8;
          if (page.buffers[0].size == rows * static_cast<uint64_t>(stride)) {
            return std::unique_ptr<PageReader>(
                new FullZipRangeReader(page, path, std::move(z), 0, stride, std::move(read)));
          }
        }
        break;
      }
      if (wt == WireType::kLengthDelimited) break;
      LF_RETURN_NOT_OK(r.Skip(wt));
    }
  }
  return std::unique_ptr<PageReader>(new WholePageReader(page, path, v22, std::move(read)));
}

}  // namespace lanceflow::lance::v21
