#include "lanceflow/parquet/reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "lanceflow/arrow/bitmap.h"
#include "metadata.h"
#include "page_codec.h"
#include "rle.h"

namespace lanceflow::parquet {

using arrow::ArrayData;
using arrow::ArrayDataPtr;
using arrow::DataTypePtr;
using arrow::TypeId;
using format::ConvertedType;
using format::Encoding;
using format::LogicalType;
using format::PhysicalType;
using format::Repetition;
using format::SchemaElement;

namespace {

constexpr int kMaxSchemaDepth = 64;

// An Arrow-level node of the file schema: a struct, a list (the LIST group with its repeated
// group folded in) or a leaf.
struct RNode {
  enum Kind { kLeaf, kStruct, kList } kind = kLeaf;
  arrow::FieldPtr field;
  int16_t def_exists = 0;   // def level at which a slot of this node exists
  int16_t def_present = 0;  // def level at which the slot is non-null
  int16_t rep = 0;          // a new slot starts at entries with rep <= this
  int leaf_index = -1;      // kLeaf
  int first_leaf = -1;      // leftmost leaf below (structure source)
  int depth = 0;            // position in the leaves' paths
  std::vector<std::unique_ptr<RNode>> children;
};

struct RLeaf {
  const SchemaElement* element = nullptr;
  std::vector<const RNode*> path;
  int16_t max_def = 0;
  int16_t max_rep = 0;
  std::string dotted;
};

// Physical values of one leaf: fixed-width values back to back, or BYTE_ARRAY offsets + data.
struct ValueStore {
  int32_t width = 0;  // 0 for BYTE_ARRAY; 1 for BOOLEAN (one byte per value)
  std::string fixed;
  std::vector<int64_t> offsets{0};
  std::string data;
  int64_t size() const {
    return width > 0 ? static_cast<int64_t>(fixed.size()) / width
                     : static_cast<int64_t>(offsets.size()) - 1;
  }
  void Append(const ValueStore& from, int64_t i) {
    if (width > 0) {
      fixed.append(from.fixed, static_cast<size_t>(i * width), static_cast<size_t>(width));
    } else {
      data.append(from.data, static_cast<size_t>(from.offsets[i]),
                  static_cast<size_t>(from.offsets[i + 1] - from.offsets[i]));
      offsets.push_back(static_cast<int64_t>(data.size()));
    }
  }
};

int32_t PhysicalWidth(const SchemaElement& e) {
  switch (*e.type) {
    case PhysicalType::kBoolean:
      return 1;
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
      return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      return 8;
    case PhysicalType::kFixedLenByteArray:
      return e.type_length.value_or(0);
    default:
      return 0;
  }
}

bool IsString(const SchemaElement& e) {
  if (e.logical_type) {
    const auto k = e.logical_type->kind;
    return k == LogicalType::kString || k == LogicalType::kEnum || k == LogicalType::kJson;
  }
  return e.converted_type &&
         (*e.converted_type == ConvertedType::kUtf8 || *e.converted_type == ConvertedType::kEnum ||
          *e.converted_type == ConvertedType::kJson);
}

bool IsList(const SchemaElement& e) {
  return (e.logical_type && e.logical_type->kind == LogicalType::kList) ||
         (e.converted_type && *e.converted_type == ConvertedType::kList);
}
bool IsMap(const SchemaElement& e) {
  return (e.logical_type && e.logical_type->kind == LogicalType::kMap) ||
         (e.converted_type && (*e.converted_type == ConvertedType::kMap ||
                               *e.converted_type == ConvertedType::kMapKeyValue));
}

Result<DataTypePtr> LeafArrowType(const SchemaElement& e, const std::string& where) {
  const LogicalType* lt = e.logical_type ? &*e.logical_type : nullptr;
  const auto ct = e.converted_type;
  auto decimal = [&]() -> Result<DataTypePtr> {
    const int32_t p = lt ? lt->precision : e.precision.value_or(0);
    const int32_t s = lt ? lt->scale : e.scale.value_or(0);
    if (p < 1 || p > 38 || s < 0 || s > p) {
      return Status::NotImplemented("parquet: " + where + ": decimal(" + std::to_string(p) + ", " +
                                    std::to_string(s) + ") is not supported");
    }
    return arrow::decimal128(p, s);
  };
  const bool is_decimal =
      (lt && lt->kind == LogicalType::kDecimal) || (!lt && ct && *ct == ConvertedType::kDecimal);
  auto unit_of = [](format::TimeUnit u) {
    return u == format::TimeUnit::kMillis   ? arrow::TimeUnit::kMilli
           : u == format::TimeUnit::kMicros ? arrow::TimeUnit::kMicro
                                            : arrow::TimeUnit::kNano;
  };
  switch (*e.type) {
    case PhysicalType::kBoolean:
      return arrow::boolean();
    case PhysicalType::kInt32:
      if (is_decimal) return decimal();
      if (lt && lt->kind == LogicalType::kInteger) {
        switch (lt->bit_width) {
          case 8:
            return lt->is_signed ? arrow::int8() : arrow::uint8();
          case 16:
            return lt->is_signed ? arrow::int16() : arrow::uint16();
          case 32:
            return lt->is_signed ? arrow::int32() : arrow::uint32();
          default:
            break;
        }
        return Status::Corrupt("parquet: " + where + ": INT32 with INTEGER bit width " +
                               std::to_string(lt->bit_width));
      }
      if (lt && lt->kind == LogicalType::kDate) return arrow::date32();
      if (lt && lt->kind == LogicalType::kTime) return arrow::time32(arrow::TimeUnit::kMilli);
      if (!lt && ct) {
        switch (*ct) {
          case ConvertedType::kInt8:
            return arrow::int8();
          case ConvertedType::kInt16:
            return arrow::int16();
          case ConvertedType::kUint8:
            return arrow::uint8();
          case ConvertedType::kUint16:
            return arrow::uint16();
          case ConvertedType::kUint32:
            return arrow::uint32();
          case ConvertedType::kDate:
            return arrow::date32();
          case ConvertedType::kTimeMillis:
            return arrow::time32(arrow::TimeUnit::kMilli);
          default:
            break;
        }
      }
      return arrow::int32();
    case PhysicalType::kInt64:
      if (is_decimal) return decimal();
      if (lt && lt->kind == LogicalType::kInteger) {
        if (lt->bit_width != 64) {
          return Status::Corrupt("parquet: " + where + ": INT64 with INTEGER bit width " +
                                 std::to_string(lt->bit_width));
        }
        return lt->is_signed ? arrow::int64() : arrow::uint64();
      }
      if (lt && lt->kind == LogicalType::kTimestamp) {
        return arrow::timestamp(unit_of(lt->unit), lt->is_adjusted_to_utc ? "UTC" : "");
      }
      if (lt && lt->kind == LogicalType::kTime) {
        if (lt->unit == format::TimeUnit::kMillis) {
          return Status::Corrupt("parquet: " + where + ": INT64 TIME(MILLIS)");
        }
        return arrow::time64(unit_of(lt->unit));
      }
      if (!lt && ct) {
        switch (*ct) {
          case ConvertedType::kUint64:
            return arrow::uint64();
          case ConvertedType::kTimestampMillis:
            return arrow::timestamp(arrow::TimeUnit::kMilli, "UTC");
          case ConvertedType::kTimestampMicros:
            return arrow::timestamp(arrow::TimeUnit::kMicro, "UTC");
          case ConvertedType::kTimeMicros:
            return arrow::time64(arrow::TimeUnit::kMicro);
          default:
            break;
        }
      }
      return arrow::int64();
    case PhysicalType::kFloat:
      return arrow::float32();
    case PhysicalType::kDouble:
      return arrow::float64();
    case PhysicalType::kByteArray:
      if (is_decimal) {
        return Status::NotImplemented("parquet: " + where + ": BYTE_ARRAY decimals");
      }
      return IsString(e) ? arrow::utf8() : arrow::binary();
    case PhysicalType::kFixedLenByteArray: {
      const int32_t w = e.type_length.value_or(0);
      if (w <= 0)
        return Status::Corrupt("parquet: " + where + ": FIXED_LEN_BYTE_ARRAY without a length");
      if (is_decimal) {
        if (w > 16)
          return Status::NotImplemented("parquet: " + where + ": decimal wider than 16 bytes");
        return decimal();
      }
      if (lt && lt->kind == LogicalType::kFloat16) {
        if (w != 2)
          return Status::Corrupt("parquet: " + where + ": FLOAT16 of width " + std::to_string(w));
        return arrow::float16();
      }
      return arrow::fixed_size_binary(w);
    }
    case PhysicalType::kInt96:
      return Status::NotImplemented("parquet: " + where + ": INT96 timestamps are not supported");
  }
  return Status::Corrupt("parquet: " + where + ": unknown physical type " +
                         std::to_string(static_cast<int>(*e.type)));
}

class SchemaReader {
 public:
  SchemaReader(const std::vector<SchemaElement>& elements, std::vector<RLeaf>* leaves)
      : elements_(elements), leaves_(leaves) {}

  Result<std::vector<std::unique_ptr<RNode>>> Read() {
    if (elements_.empty()) return Status::Corrupt("parquet footer: empty schema");
    const SchemaElement& root = elements_[0];
    if (root.type) return Status::Corrupt("parquet footer: schema root is a primitive");
    pos_ = 1;
    std::vector<std::unique_ptr<RNode>> out;
    const int32_t n = root.num_children.value_or(0);
    for (int32_t i = 0; i < n; ++i) {
      std::vector<const RNode*> path;
      LF_ASSIGN_OR_RETURN(auto node, ReadNode(0, 0, 0, 0, &path, ""));
      out.push_back(std::move(node));
    }
    if (pos_ != elements_.size()) {
      return Status::Corrupt("parquet footer: schema has " + std::to_string(elements_.size()) +
                             " elements, the tree uses " + std::to_string(pos_));
    }
    return out;
  }

 private:
  Result<const SchemaElement*> NextElement() {
    if (pos_ >= elements_.size()) {
      return Status::Corrupt("parquet footer: schema children counts exceed its elements");
    }
    return &elements_[pos_++];
  }

  // Reads the element at pos_ (and its subtree) as a node whose slots exist at def level
  // `def_exists` and rep <= `rep`; its own optional level counts from `def_base` (a struct's
  // fields have a slot, null or not, wherever the struct has one).
  Result<std::unique_ptr<RNode>> ReadNode(int16_t def_exists, int16_t def_base, int16_t rep,
                                          int depth, std::vector<const RNode*>* path,
                                          const std::string& prefix) {
    if (depth > kMaxSchemaDepth) return Status::Corrupt("parquet footer: schema nested too deeply");
    LF_ASSIGN_OR_RETURN(const SchemaElement* e, NextElement());
    const std::string dotted = prefix.empty() ? e->name : prefix + "." + e->name;
    const std::string where = "column '" + dotted + "'";
    const Repetition r = e->repetition.value_or(Repetition::kOptional);
    if (r == Repetition::kRepeated) {
      return Status::NotImplemented("parquet: " + where + ": repeated field outside a LIST");
    }
    auto node = std::make_unique<RNode>();
    node->def_exists = def_exists;
    node->def_present = static_cast<int16_t>(def_base + (r == Repetition::kOptional ? 1 : 0));
    node->rep = rep;
    node->depth = static_cast<int>(path->size());
    path->push_back(node.get());
    const bool nullable = r == Repetition::kOptional;
    if (e->type) {
      if (e->num_children.value_or(0) != 0)
        return Status::Corrupt("parquet: " + where + ": primitive with children");
      LF_ASSIGN_OR_RETURN(DataTypePtr type, LeafArrowType(*e, where));
      node->kind = RNode::kLeaf;
      node->field = arrow::MakeField(e->name, type, nullable);
      AddLeaf(node.get(), e, *path, dotted);
    } else if (IsMap(*e)) {
      return Status::NotImplemented("parquet: " + where + ": MAP columns are not supported");
    } else if (IsList(*e)) {
      if (e->num_children.value_or(0) != 1) {
        return Status::Corrupt("parquet: " + where + ": LIST group without exactly one child");
      }
      node->kind = RNode::kList;
      const int16_t elem_def = static_cast<int16_t>(node->def_present + 1);
      const int16_t elem_rep = static_cast<int16_t>(rep + 1);
      LF_ASSIGN_OR_RETURN(const SchemaElement* repeated, NextElement());
      if (repeated->repetition.value_or(Repetition::kOptional) != Repetition::kRepeated) {
        return Status::Corrupt("parquet: " + where + ": LIST child is not repeated");
      }
      std::unique_ptr<RNode> element;
      if (repeated->type) {
        // Legacy 2-level list: the repeated primitive is the (required) element.
        LF_ASSIGN_OR_RETURN(DataTypePtr type, LeafArrowType(*repeated, where));
        element = std::make_unique<RNode>();
        element->def_exists = elem_def;
        element->def_present = elem_def;
        element->rep = elem_rep;
        element->depth = static_cast<int>(path->size());
        element->field = arrow::MakeField("element", type, false);
        path->push_back(element.get());
        AddLeaf(element.get(), repeated, *path, dotted + "." + repeated->name);
        path->pop_back();
      } else {
        if (repeated->num_children.value_or(0) != 1) {
          return Status::NotImplemented("parquet: " + where +
                                        ": LIST whose repeated group has several fields");
        }
        LF_ASSIGN_OR_RETURN(element, ReadNode(elem_def, elem_def, elem_rep, depth + 1, path,
                                              dotted + "." + repeated->name));
        element->field =
            arrow::MakeField("element", element->field->type, element->field->nullable);
      }
      node->field = arrow::MakeField(e->name, arrow::list(element->field), nullable);
      node->first_leaf = element->first_leaf;
      node->children.push_back(std::move(element));
    } else {
      node->kind = RNode::kStruct;
      const int32_t n = e->num_children.value_or(0);
      if (n <= 0) return Status::Corrupt("parquet: " + where + ": group without children");
      std::vector<arrow::FieldPtr> fields;
      for (int32_t i = 0; i < n; ++i) {
        LF_ASSIGN_OR_RETURN(auto child, ReadNode(node->def_exists, node->def_present, rep,
                                                 depth + 1, path, dotted));
        fields.push_back(child->field);
        node->children.push_back(std::move(child));
      }
      node->first_leaf = node->children[0]->first_leaf;
      node->field = arrow::MakeField(e->name, arrow::struct_(std::move(fields)), nullable);
    }
    path->pop_back();
    return node;
  }

  void AddLeaf(RNode* node, const SchemaElement* e, const std::vector<const RNode*>& path,
               const std::string& dotted) {
    node->leaf_index = static_cast<int>(leaves_->size());
    node->first_leaf = node->leaf_index;
    RLeaf leaf;
    leaf.element = e;
    leaf.path = path;
    leaf.max_def = node->def_present;
    leaf.max_rep = node->rep;
    leaf.dotted = dotted;
    leaves_->push_back(std::move(leaf));
  }

  const std::vector<SchemaElement>& elements_;
  std::vector<RLeaf>* leaves_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Column chunk decoding.

struct DecodedColumn {
  std::vector<uint32_t> def;
  std::vector<uint32_t> rep;
  int64_t num_entries = 0;
  ValueStore values;
};

Status DecodePlain(const uint8_t* data, int64_t size, int64_t n, ValueStore* out,
                   const std::string& where) {
  if (out->width == 1) {
    // BOOLEAN: bit-packed, least significant bit first.
    if ((n + 7) / 8 > size) return Status::Corrupt(where + ": PLAIN booleans run past the page");
    for (int64_t i = 0; i < n; ++i)
      out->fixed.push_back(static_cast<char>((data[i >> 3] >> (i & 7)) & 1));
    return Status::OK();
  }
  if (out->width > 0) {
    const int64_t bytes = n * out->width;
    if (n < 0 || bytes / out->width != n || bytes > size) {
      return Status::Corrupt(where + ": " + std::to_string(n) + " PLAIN values run past the page");
    }
    out->fixed.append(reinterpret_cast<const char*>(data), static_cast<size_t>(bytes));
    return Status::OK();
  }
  int64_t pos = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (size - pos < 4) return Status::Corrupt(where + ": BYTE_ARRAY length runs past the page");
    uint32_t len;
    std::memcpy(&len, data + pos, 4);
    pos += 4;
    if (len > static_cast<uint64_t>(size - pos)) {
      return Status::Corrupt(where + ": BYTE_ARRAY value of " + std::to_string(len) +
                             " bytes runs past the page");
    }
    out->data.append(reinterpret_cast<const char*>(data + pos), len);
    out->offsets.push_back(static_cast<int64_t>(out->data.size()));
    pos += len;
  }
  return Status::OK();
}

class ChunkDecoder {
 public:
  ChunkDecoder(const RLeaf& leaf, const format::ColumnMetaData& meta, const ReaderOptions& options)
      : leaf_(leaf),
        meta_(meta),
        options_(options),
        where_("parquet column '" + leaf.dotted + "'") {}

  // `chunk` holds the column chunk's bytes, which start at file offset `chunk_offset`.
  Status Decode(const uint8_t* chunk, int64_t size, int64_t chunk_offset, DecodedColumn* out) {
    out->values.width = PhysicalWidth(*leaf_.element);
    dict_.width = out->values.width;
    if (meta_.num_values < 0) return Status::Corrupt(where_ + ": negative num_values");
    int64_t pos = 0;
    std::vector<uint8_t> page;
    while (out->num_entries < meta_.num_values) {
      if (pos >= size) {
        return Status::Corrupt(where_ + ": chunk ends after " + std::to_string(out->num_entries) +
                               " of " + std::to_string(meta_.num_values) + " values");
      }
      int64_t header_size = 0;
      auto header = format::ParsePageHeader(chunk + pos, size - pos, &header_size);
      if (!header.ok()) {
        return header.status().WithContext(where_ + ": page at byte " +
                                           std::to_string(chunk_offset + pos));
      }
      const format::PageHeader& h = *header;
      const std::string at = where_ + ": page at byte " + std::to_string(chunk_offset + pos);
      pos += header_size;
      if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0 ||
          h.compressed_page_size > size - pos) {
        return Status::Corrupt(at + ": page size " + std::to_string(h.compressed_page_size) +
                               " runs past the column chunk");
      }
      if (h.uncompressed_page_size > options_.max_page_bytes) {
        return Status::Corrupt(at + ": page of " + std::to_string(h.uncompressed_page_size) +
                               " bytes exceeds the limit");
      }
      const uint8_t* body = chunk + pos;
      pos += h.compressed_page_size;
      if (h.type == format::PageType::kDataPageV2) {
        if (!h.data_page_header_v2)
          return Status::Corrupt(at + ": data page v2 without its header");
        LF_RETURN_NOT_OK(DecodeDataPageV2(h, body, &page, at, out));
        continue;
      }
      if (h.type != format::PageType::kDataPage && h.type != format::PageType::kDictionaryPage) {
        continue;  // index pages and unknown page types carry nothing we need
      }
      page.resize(static_cast<size_t>(h.uncompressed_page_size));
      Status st = DecompressPage(meta_.codec, body, h.compressed_page_size, page.data(),
                                 h.uncompressed_page_size);
      if (!st.ok()) return st.WithContext(at);
      if (h.type == format::PageType::kDictionaryPage) {
        if (!h.dictionary_page_header)
          return Status::Corrupt(at + ": dictionary page without its header");
        if (has_dict_) return Status::Corrupt(at + ": second dictionary page");
        const auto& d = *h.dictionary_page_header;
        if (d.encoding != Encoding::kPlain && d.encoding != Encoding::kPlainDictionary) {
          return Status::NotImplemented(at + ": dictionary encoding " +
                                        std::to_string(static_cast<int>(d.encoding)));
        }
        if (d.num_values < 0) return Status::Corrupt(at + ": negative dictionary size");
        LF_RETURN_NOT_OK(
            DecodePlain(page.data(), h.uncompressed_page_size, d.num_values, &dict_, at));
        has_dict_ = true;
        continue;
      }
      if (!h.data_page_header) return Status::Corrupt(at + ": data page without its header");
      LF_RETURN_NOT_OK(
          DecodeDataPage(*h.data_page_header, page.data(), h.uncompressed_page_size, at, out));
    }
    return Status::OK();
  }

 private:
  Status DecodeLevels(const uint8_t* data, int64_t size, int64_t* pos, int16_t max_level, int64_t n,
                      std::vector<uint32_t>* out, const std::string& at, const char* what) {
    if (size - *pos < 4)
      return Status::Corrupt(at + ": " + what + " levels length runs past the page");
    uint32_t len;
    std::memcpy(&len, data + *pos, 4);
    *pos += 4;
    if (len > static_cast<uint64_t>(size - *pos)) {
      return Status::Corrupt(at + ": " + what + " levels of " + std::to_string(len) +
                             " bytes run past the page");
    }
    LF_RETURN_NOT_OK(DecodeLevelsRaw(data + *pos, len, max_level, n, out, at, what));
    *pos += len;
    return Status::OK();
  }

  // Levels without a length prefix (V2 pages give the length in the header).
  Status DecodeLevelsRaw(const uint8_t* data, int64_t len, int16_t max_level, int64_t n,
                         std::vector<uint32_t>* out, const std::string& at, const char* what) {
    const size_t base = out->size();
    out->resize(base + static_cast<size_t>(n));
    Status st =
        RleDecode(data, len, BitWidthFor(static_cast<uint64_t>(max_level)), n, out->data() + base);
    if (!st.ok()) return st.WithContext(at + ": " + what + " levels");
    for (size_t i = base; i < out->size(); ++i) {
      if ((*out)[i] > static_cast<uint32_t>(max_level)) {
        return Status::Corrupt(at + ": " + what + " level " + std::to_string((*out)[i]) +
                               " exceeds the maximum " + std::to_string(max_level));
      }
    }
    return Status::OK();
  }

  // DATA_PAGE_V2: levels uncompressed and unprefixed at the start, then the (optionally
  // compressed) values.
  Status DecodeDataPageV2(const format::PageHeader& h, const uint8_t* body,
                          std::vector<uint8_t>* page, const std::string& at, DecodedColumn* out) {
    const format::DataPageHeaderV2& d = *h.data_page_header_v2;
    const int64_t rep_len = d.repetition_levels_byte_length;
    const int64_t def_len = d.definition_levels_byte_length;
    const int64_t levels = rep_len + def_len;
    if (rep_len < 0 || def_len < 0 || levels > h.compressed_page_size ||
        levels > h.uncompressed_page_size) {
      return Status::Corrupt(at + ": level lengths exceed the page");
    }
    const int64_t n = d.num_values;
    if (n < 0 || n > meta_.num_values - out->num_entries) {
      return Status::Corrupt(at + ": page holds " + std::to_string(n) +
                             " values, more than the chunk declares");
    }
    if (leaf_.max_rep > 0) {
      LF_RETURN_NOT_OK(
          DecodeLevelsRaw(body, rep_len, leaf_.max_rep, n, &out->rep, at, "repetition"));
      if (out->num_entries == 0 && n > 0 && out->rep[0] != 0) {
        return Status::Corrupt(at + ": first repetition level is not 0");
      }
    }
    int64_t non_null = n;
    if (leaf_.max_def > 0) {
      const size_t base = out->def.size();
      LF_RETURN_NOT_OK(
          DecodeLevelsRaw(body + rep_len, def_len, leaf_.max_def, n, &out->def, at, "definition"));
      non_null = 0;
      for (size_t i = base; i < out->def.size(); ++i) {
        non_null += out->def[i] == static_cast<uint32_t>(leaf_.max_def);
      }
    }
    const int64_t values_size = h.uncompressed_page_size - levels;
    page->resize(static_cast<size_t>(values_size));
    const format::Codec codec = d.is_compressed ? meta_.codec : format::Codec::kUncompressed;
    Status st = DecompressPage(codec, body + levels, h.compressed_page_size - levels, page->data(),
                               values_size);
    if (!st.ok()) return st.WithContext(at);
    LF_RETURN_NOT_OK(DecodeValues(d.encoding, page->data(), values_size, non_null, at, out));
    out->num_entries += n;
    return Status::OK();
  }

  Status DecodeDataPage(const format::DataPageHeader& d, const uint8_t* data, int64_t size,
                        const std::string& at, DecodedColumn* out) {
    const int64_t n = d.num_values;
    if (n < 0 || n > meta_.num_values - out->num_entries) {
      return Status::Corrupt(at + ": page holds " + std::to_string(n) +
                             " values, more than the chunk declares");
    }
    int64_t pos = 0;
    if (leaf_.max_rep > 0) {
      if (d.repetition_level_encoding != Encoding::kRle) {
        return Status::NotImplemented(
            at + ": repetition level encoding " +
            std::to_string(static_cast<int>(d.repetition_level_encoding)));
      }
      LF_RETURN_NOT_OK(
          DecodeLevels(data, size, &pos, leaf_.max_rep, n, &out->rep, at, "repetition"));
      if (out->num_entries == 0 && n > 0 && out->rep[0] != 0) {
        return Status::Corrupt(at + ": first repetition level is not 0");
      }
    }
    int64_t non_null = n;
    if (leaf_.max_def > 0) {
      if (d.definition_level_encoding != Encoding::kRle) {
        return Status::NotImplemented(
            at + ": definition level encoding " +
            std::to_string(static_cast<int>(d.definition_level_encoding)));
      }
      const size_t base = out->def.size();
      LF_RETURN_NOT_OK(
          DecodeLevels(data, size, &pos, leaf_.max_def, n, &out->def, at, "definition"));
      non_null = 0;
      for (size_t i = base; i < out->def.size(); ++i) {
        non_null += out->def[i] == static_cast<uint32_t>(leaf_.max_def);
      }
    }
    LF_RETURN_NOT_OK(DecodeValues(d.encoding, data + pos, size - pos, non_null, at, out));
    out->num_entries += n;
    return Status::OK();
  }

  Status DecodeValues(Encoding encoding, const uint8_t* values, int64_t values_size,
                      int64_t non_null, const std::string& at, DecodedColumn* out) {
    switch (encoding) {
      case Encoding::kPlain:
        LF_RETURN_NOT_OK(DecodePlain(values, values_size, non_null, &out->values, at));
        break;
      case Encoding::kPlainDictionary:
      case Encoding::kRleDictionary: {
        if (!has_dict_)
          return Status::Corrupt(at + ": dictionary-encoded page without a dictionary");
        if (non_null > 0) {
          if (values_size < 1) return Status::Corrupt(at + ": missing dictionary index bit width");
          const int width = values[0];
          indices_.resize(static_cast<size_t>(non_null));
          Status st = RleDecode(values + 1, values_size - 1, width, non_null, indices_.data());
          if (!st.ok()) return st.WithContext(at + ": dictionary indices");
          const int64_t dict_size = dict_.size();
          for (uint32_t idx : indices_) {
            if (idx >= dict_size) {
              return Status::Corrupt(at + ": dictionary index " + std::to_string(idx) +
                                     " outside a dictionary of " + std::to_string(dict_size));
            }
            out->values.Append(dict_, idx);
          }
        }
        break;
      }
      case Encoding::kRle: {
        // BOOLEAN values as a length-prefixed RLE / bit-packed run of width 1 (V2 pages).
        if (out->values.width != 1 || *leaf_.element->type != PhysicalType::kBoolean) {
          return Status::NotImplemented(at + ": RLE values of a non-boolean column");
        }
        if (values_size < 4) return Status::Corrupt(at + ": RLE booleans without a length");
        uint32_t len;
        std::memcpy(&len, values, 4);
        if (len > static_cast<uint64_t>(values_size - 4)) {
          return Status::Corrupt(at + ": RLE booleans run past the page");
        }
        indices_.resize(static_cast<size_t>(non_null));
        Status st = RleDecode(values + 4, len, 1, non_null, indices_.data());
        if (!st.ok()) return st.WithContext(at + ": RLE booleans");
        for (uint32_t b : indices_) out->values.fixed.push_back(static_cast<char>(b));
        break;
      }
      default:
        return Status::NotImplemented(at + ": value encoding " +
                                      std::to_string(static_cast<int>(encoding)) +
                                      " is not supported");
    }
    return Status::OK();
  }

  const RLeaf& leaf_;
  const format::ColumnMetaData& meta_;
  const ReaderOptions& options_;
  std::string where_;
  ValueStore dict_;
  bool has_dict_ = false;
  std::vector<uint32_t> indices_;
};

// ---------------------------------------------------------------------------------------------
// Assembly: levels -> validity and offsets of every node on a leaf's path -> Arrow arrays.

struct NodeSlots {
  std::vector<uint8_t> valid;    // one byte per slot
  std::vector<int64_t> offsets;  // kList: start of every slot, plus the end
};

// Derives the slots of every node on `leaf`'s path from its levels.
Status DeriveSlots(const RLeaf& leaf, const DecodedColumn& col, std::vector<NodeSlots>* out,
                   int64_t* num_values_used) {
  const size_t depth = leaf.path.size();
  out->assign(depth, NodeSlots{});
  std::vector<int64_t> counts(depth, 0);
  const bool has_def = leaf.max_def > 0;
  const bool has_rep = leaf.max_rep > 0;
  int64_t values = 0;
  for (int64_t i = 0; i < col.num_entries; ++i) {
    const uint32_t d =
        has_def ? col.def[static_cast<size_t>(i)] : static_cast<uint32_t>(leaf.max_def);
    const uint32_t r = has_rep ? col.rep[static_cast<size_t>(i)] : 0;
    for (size_t j = 0; j < depth; ++j) {
      const RNode* n = leaf.path[j];
      if (d < static_cast<uint32_t>(n->def_exists)) break;
      if (r > static_cast<uint32_t>(n->rep)) continue;
      NodeSlots& s = (*out)[j];
      s.valid.push_back(d >= static_cast<uint32_t>(n->def_present));
      if (n->kind == RNode::kList) s.offsets.push_back(j + 1 < depth ? counts[j + 1] : 0);
      ++counts[j];
      if (n->kind == RNode::kLeaf && d >= static_cast<uint32_t>(n->def_present)) ++values;
    }
  }
  for (size_t j = 0; j < depth; ++j) {
    if (leaf.path[j]->kind == RNode::kList) {
      (*out)[j].offsets.push_back(j + 1 < depth ? counts[j + 1] : 0);
    }
  }
  *num_values_used = values;
  return Status::OK();
}

BufferPtr BitmapFromBytes(const std::vector<uint8_t>& valid, int64_t* null_count) {
  *null_count = 0;
  for (uint8_t v : valid) *null_count += v == 0;
  if (*null_count == 0) return nullptr;
  BufferBuilder b;
  b.Resize(static_cast<int64_t>((valid.size() + 7) / 8));
  uint8_t* bits = b.mutable_data();
  for (size_t i = 0; i < valid.size(); ++i) {
    if (valid[i]) bits[i >> 3] = static_cast<uint8_t>(bits[i >> 3] | (1u << (i & 7)));
  }
  return b.Finish();
}

template <typename T>
T LoadLE(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Builds the Arrow leaf array of `type` from the slot validity and the dense physical values.
Result<ArrayDataPtr> BuildLeaf(const DataTypePtr& type, const RLeaf& leaf,
                               const std::vector<uint8_t>& valid, const ValueStore& values) {
  auto out = std::make_shared<ArrayData>();
  out->type = type;
  out->length = static_cast<int64_t>(valid.size());
  out->buffers.push_back(BitmapFromBytes(valid, &out->null_count));
  const int64_t n = out->length;
  const int32_t pw = values.width;
  int64_t k = 0;  // next physical value
  const TypeId id = type->id();
  if (id == TypeId::kBool) {
    BufferBuilder b;
    b.Resize((n + 7) / 8);
    for (int64_t i = 0; i < n; ++i) {
      if (valid[static_cast<size_t>(i)] && values.fixed[static_cast<size_t>(k++)]) {
        b.mutable_data()[i >> 3] = static_cast<uint8_t>(b.mutable_data()[i >> 3] | (1u << (i & 7)));
      }
    }
    out->buffers.push_back(b.Finish());
    return ArrayDataPtr(out);
  }
  if (id == TypeId::kUtf8 || id == TypeId::kBinary) {
    BufferBuilder offsets, data;
    offsets.Reserve((n + 1) * 4);
    offsets.AppendValue<int32_t>(0);
    for (int64_t i = 0; i < n; ++i) {
      if (valid[static_cast<size_t>(i)]) {
        const int64_t s = values.offsets[static_cast<size_t>(k)];
        const int64_t e = values.offsets[static_cast<size_t>(k) + 1];
        ++k;
        data.Append(values.data.data() + s, e - s);
        if (data.size() > std::numeric_limits<int32_t>::max()) {
          return Status::NotImplemented("parquet column '" + leaf.dotted +
                                        "': more than 2 GiB of values in one row group");
        }
      }
      offsets.AppendValue<int32_t>(static_cast<int32_t>(data.size()));
    }
    out->buffers.push_back(offsets.Finish());
    out->buffers.push_back(data.Finish());
    return ArrayDataPtr(out);
  }
  const int32_t aw = type->byte_width();
  BufferBuilder b;
  b.Resize(n * aw);
  uint8_t* dst = b.mutable_data();
  for (int64_t i = 0; i < n; ++i, dst += aw) {
    if (!valid[static_cast<size_t>(i)]) continue;
    const char* src = values.fixed.data() + k * pw;
    ++k;
    switch (id) {
      case TypeId::kInt8:
      case TypeId::kUInt8:
        *dst = static_cast<uint8_t>(LoadLE<int32_t>(src));
        break;
      case TypeId::kInt16:
      case TypeId::kUInt16: {
        const auto v = static_cast<uint16_t>(LoadLE<int32_t>(src));
        std::memcpy(dst, &v, 2);
        break;
      }
      case TypeId::kDecimal128: {
        uint8_t le[16];
        if (*leaf.element->type != PhysicalType::kFixedLenByteArray) {
          const int64_t v = pw == 4 ? LoadLE<int32_t>(src) : LoadLE<int64_t>(src);
          const uint64_t words[2] = {static_cast<uint64_t>(v), v < 0 ? ~uint64_t{0} : 0};
          std::memcpy(le, words, 16);
        } else {
          const uint8_t fill = (static_cast<uint8_t>(src[0]) & 0x80) ? 0xFF : 0;
          for (int32_t j = 0; j < 16; ++j) {
            le[j] = j < pw ? static_cast<uint8_t>(src[pw - 1 - j]) : fill;
          }
        }
        std::memcpy(dst, le, 16);
        break;
      }
      default:
        // Same width in Parquet and Arrow: int32/uint32/date32/time32, int64/uint64/timestamp/
        // time64, float, double, float16 and fixed_size_binary bytes.
        std::memcpy(dst, src, static_cast<size_t>(aw));
        break;
    }
  }
  out->buffers.push_back(b.Finish());
  return ArrayDataPtr(out);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

class ParquetReader::Impl {
 public:
  Impl(int64_t file_size, ReadAtFunction read_at, ReaderOptions options)
      : file_size_(file_size), read_at_(std::move(read_at)), options_(options) {}

  Status Init() {
    if (file_size_ < 12) {
      return Status::Corrupt("parquet: file of " + std::to_string(file_size_) +
                             " bytes is too small");
    }
    LF_ASSIGN_OR_RETURN(BufferPtr head, read_at_(0, 4));
    LF_ASSIGN_OR_RETURN(BufferPtr tail, read_at_(file_size_ - 8, 8));
    if (head->size() != 4 || tail->size() != 8) return Status::IOError("parquet: short read");
    if (std::memcmp(head->data(), "PAR1", 4) != 0 ||
        std::memcmp(tail->data() + 4, "PAR1", 4) != 0) {
      if (std::memcmp(tail->data() + 4, "PARE", 4) == 0) {
        return Status::NotImplemented("parquet: encrypted files are not supported");
      }
      return Status::Corrupt("parquet: missing PAR1 magic");
    }
    uint32_t footer_len;
    std::memcpy(&footer_len, tail->data(), 4);
    if (footer_len > static_cast<uint64_t>(file_size_ - 12) ||
        static_cast<int64_t>(footer_len) > options_.max_footer_bytes) {
      return Status::Corrupt("parquet: footer length " + std::to_string(footer_len) +
                             " does not fit the file of " + std::to_string(file_size_) + " bytes");
    }
    LF_ASSIGN_OR_RETURN(BufferPtr footer, read_at_(file_size_ - 8 - footer_len, footer_len));
    LF_ASSIGN_OR_RETURN(meta_, format::ParseFileMetaData(footer->data(), footer->size()));
    for (const SchemaElement& e : meta_.schema) {
      if (e.type && (static_cast<int>(*e.type) < 0 || static_cast<int>(*e.type) > 7)) {
        return Status::Corrupt("parquet footer: column '" + e.name +
                               "' has unknown physical type " +
                               std::to_string(static_cast<int>(*e.type)));
      }
    }
    SchemaReader sr(meta_.schema, &leaves_);
    LF_ASSIGN_OR_RETURN(roots_, sr.Read());
    std::vector<arrow::FieldPtr> fields;
    for (const auto& r : roots_) fields.push_back(r->field);
    for (const auto& kv : meta_.key_value_metadata) kv_.emplace_back(kv.key, kv.value.value_or(""));
    schema_ = std::make_shared<arrow::Schema>(std::move(fields));
    int64_t total = 0;
    for (size_t g = 0; g < meta_.row_groups.size(); ++g) {
      const format::RowGroup& rg = meta_.row_groups[g];
      const std::string at = "parquet row group " + std::to_string(g);
      if (rg.columns.size() != leaves_.size()) {
        return Status::Corrupt(at + ": " + std::to_string(rg.columns.size()) +
                               " column chunks for " + std::to_string(leaves_.size()) + " columns");
      }
      if (rg.num_rows < 0) return Status::Corrupt(at + ": negative row count");
      for (size_t c = 0; c < rg.columns.size(); ++c) {
        if (!rg.columns[c].meta_data) {
          return Status::NotImplemented(at + ": column chunk without inline metadata");
        }
        const auto& m = *rg.columns[c].meta_data;
        if (m.type != *leaves_[c].element->type) {
          return Status::Corrupt(at + ": column '" + leaves_[c].dotted +
                                 "' chunk type differs from the schema");
        }
      }
      total += rg.num_rows;
    }
    if (total != meta_.num_rows) {
      return Status::Corrupt("parquet footer: num_rows " + std::to_string(meta_.num_rows) +
                             " differs from the row groups' total " + std::to_string(total));
    }
    return Status::OK();
  }

  Result<arrow::RecordBatchPtr> ReadRowGroup(int g, const std::vector<int>& columns) {
    if (g < 0 || g >= static_cast<int>(meta_.row_groups.size())) {
      return Status::Invalid("parquet: row group " + std::to_string(g) + " does not exist");
    }
    std::vector<int> cols = columns;
    if (cols.empty()) {
      for (int i = 0; i < static_cast<int>(roots_.size()); ++i) cols.push_back(i);
    }
    const format::RowGroup& rg = meta_.row_groups[static_cast<size_t>(g)];
    std::vector<arrow::FieldPtr> fields;
    std::vector<ArrayDataPtr> arrays;
    for (int c : cols) {
      if (c < 0 || c >= static_cast<int>(roots_.size())) {
        return Status::Invalid("parquet: column " + std::to_string(c) + " does not exist");
      }
      const RNode& root = *roots_[static_cast<size_t>(c)];
      // Decode every leaf below this field, then assemble.
      std::vector<int> leaf_ids;
      CollectLeaves(root, &leaf_ids);
      decoded_.clear();
      slots_.clear();
      for (int leaf : leaf_ids) {
        LF_RETURN_NOT_OK(DecodeLeaf(rg, leaf));
      }
      LF_ASSIGN_OR_RETURN(ArrayDataPtr array, Assemble(root));
      if (array->length != rg.num_rows) {
        return Status::Corrupt("parquet row group " + std::to_string(g) + ": column '" +
                               root.field->name + "' has " + std::to_string(array->length) +
                               " rows, the row group " + std::to_string(rg.num_rows));
      }
      Status st = arrow::ValidateArray(*array, true);
      if (!st.ok()) return st.WithContext("parquet column '" + root.field->name + "'");
      fields.push_back(root.field);
      arrays.push_back(std::move(array));
    }
    auto schema = cols.size() == roots_.size() && columns.empty()
                      ? schema_
                      : std::make_shared<arrow::Schema>(std::move(fields));
    return std::make_shared<arrow::RecordBatch>(schema, rg.num_rows, std::move(arrays));
  }

  void CollectLeaves(const RNode& n, std::vector<int>* out) {
    if (n.kind == RNode::kLeaf) {
      out->push_back(n.leaf_index);
      return;
    }
    for (const auto& c : n.children) CollectLeaves(*c, out);
  }

  Status DecodeLeaf(const format::RowGroup& rg, int leaf_id) {
    const RLeaf& leaf = leaves_[static_cast<size_t>(leaf_id)];
    const format::ColumnMetaData& m = *rg.columns[static_cast<size_t>(leaf_id)].meta_data;
    const std::string where = "parquet column '" + leaf.dotted + "'";
    int64_t start = m.data_page_offset;
    if (m.dictionary_page_offset && *m.dictionary_page_offset > 0 &&
        *m.dictionary_page_offset < start) {
      start = *m.dictionary_page_offset;
    }
    const int64_t len = m.total_compressed_size;
    if (start < 4 || len < 0 || len > options_.max_chunk_bytes || start > file_size_ - 8 ||
        len > file_size_ - 8 - start) {
      return Status::Corrupt(where + ": column chunk [" + std::to_string(start) + ", +" +
                             std::to_string(len) + ") lies outside the file");
    }
    LF_ASSIGN_OR_RETURN(BufferPtr bytes, read_at_(start, len));
    if (bytes->size() != len) return Status::IOError(where + ": short read");
    DecodedColumn& col = decoded_[leaf_id];
    ChunkDecoder dec(leaf, m, options_);
    LF_RETURN_NOT_OK(dec.Decode(bytes->data(), len, start, &col));
    int64_t used = 0;
    LF_RETURN_NOT_OK(DeriveSlots(leaf, col, &slots_[leaf_id], &used));
    if (used != col.values.size()) {
      return Status::Corrupt(where + ": levels place " + std::to_string(used) +
                             " values, pages hold " + std::to_string(col.values.size()));
    }
    return Status::OK();
  }

  Result<ArrayDataPtr> Assemble(const RNode& node) {
    const int leaf_id = node.first_leaf;
    const RLeaf& leaf = leaves_[static_cast<size_t>(leaf_id)];
    const NodeSlots& s = slots_[leaf_id][static_cast<size_t>(node.depth)];
    const std::string where = "parquet column '" + leaf.dotted + "'";
    switch (node.kind) {
      case RNode::kLeaf:
        return BuildLeaf(node.field->type, leaf, s.valid, decoded_[leaf_id].values);
      case RNode::kStruct: {
        auto out = std::make_shared<ArrayData>();
        out->type = node.field->type;
        out->length = static_cast<int64_t>(s.valid.size());
        out->buffers.push_back(BitmapFromBytes(s.valid, &out->null_count));
        for (const auto& c : node.children) {
          LF_ASSIGN_OR_RETURN(ArrayDataPtr child, Assemble(*c));
          if (child->length != out->length) {
            return Status::Corrupt(where + ": struct '" + node.field->name + "' has " +
                                   std::to_string(out->length) + " slots, its field '" +
                                   c->field->name + "' " + std::to_string(child->length));
          }
          out->children.push_back(std::move(child));
        }
        return ArrayDataPtr(out);
      }
      case RNode::kList: {
        auto out = std::make_shared<ArrayData>();
        out->type = node.field->type;
        out->length = static_cast<int64_t>(s.valid.size());
        out->buffers.push_back(BitmapFromBytes(s.valid, &out->null_count));
        LF_ASSIGN_OR_RETURN(ArrayDataPtr child, Assemble(*node.children[0]));
        if (s.offsets.empty() || s.offsets.back() != child->length ||
            child->length > std::numeric_limits<int32_t>::max()) {
          return Status::Corrupt(where + ": list '" + node.field->name +
                                 "' offsets do not match its elements");
        }
        BufferBuilder offsets;
        offsets.Reserve(static_cast<int64_t>(s.offsets.size()) * 4);
        for (int64_t o : s.offsets) offsets.AppendValue<int32_t>(static_cast<int32_t>(o));
        out->buffers.push_back(offsets.Finish());
        out->children.push_back(std::move(child));
        return ArrayDataPtr(out);
      }
    }
    return Status::Internal("parquet: unknown node kind");
  }

  format::FileMetaData meta_;
  std::vector<RLeaf> leaves_;
  std::vector<std::unique_ptr<RNode>> roots_;
  arrow::SchemaPtr schema_;
  arrow::KeyValueMetadata kv_;
  int next_group_ = 0;

 private:
  int64_t file_size_;
  ReadAtFunction read_at_;
  ReaderOptions options_;
  std::unordered_map<int, DecodedColumn> decoded_;
  std::unordered_map<int, std::vector<NodeSlots>> slots_;
};

ParquetReader::ParquetReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParquetReader::~ParquetReader() = default;

Result<std::unique_ptr<ParquetReader>> ParquetReader::Open(int64_t file_size,
                                                           ReadAtFunction read_at,
                                                           ReaderOptions options) {
  auto impl = std::make_unique<Impl>(file_size, std::move(read_at), options);
  LF_RETURN_NOT_OK(impl->Init());
  return std::unique_ptr<ParquetReader>(new ParquetReader(std::move(impl)));
}

Result<std::unique_ptr<ParquetReader>> ParquetReader::Open(BufferPtr file, ReaderOptions options) {
  const int64_t size = file->size();
  return Open(
      size,
      [file](int64_t offset, int64_t length) -> Result<BufferPtr> {
        if (offset < 0 || length < 0 || offset > file->size() || length > file->size() - offset) {
          return Status::Corrupt("parquet: read of " + std::to_string(length) + " bytes at " +
                                 std::to_string(offset) + " outside the file");
        }
        return file->Slice(offset, length);
      },
      options);
}

Result<std::unique_ptr<ParquetReader>> ParquetReader::OpenFile(const std::string& path,
                                                               ReaderOptions options) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::IOError("parquet: cannot open '" + path + "': " + std::strerror(errno));
  auto owner = std::shared_ptr<int>(new int(fd), [](int* p) {
    ::close(*p);
    delete p;
  });
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::IOError("parquet: cannot stat '" + path + "'");
  return Open(
      st.st_size,
      [owner, path](int64_t offset, int64_t length) -> Result<BufferPtr> {
        std::string bytes(static_cast<size_t>(length), '\0');
        int64_t got = 0;
        while (got < length) {
          const ssize_t n =
              ::pread(*owner, bytes.data() + got, static_cast<size_t>(length - got), offset + got);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) return Status::IOError("parquet: reading '" + path + "' failed");
          got += n;
        }
        return Buffer::FromString(std::move(bytes));
      },
      options);
}

arrow::SchemaPtr ParquetReader::schema() const { return impl_->schema_; }
int64_t ParquetReader::num_rows() const { return impl_->meta_.num_rows; }
int ParquetReader::num_row_groups() const {
  return static_cast<int>(impl_->meta_.row_groups.size());
}
int64_t ParquetReader::row_group_num_rows(int i) const {
  return impl_->meta_.row_groups[static_cast<size_t>(i)].num_rows;
}
const arrow::KeyValueMetadata& ParquetReader::key_value_metadata() const { return impl_->kv_; }
std::vector<std::string> ParquetReader::leaf_paths() const {
  std::vector<std::string> out;
  for (const auto& l : impl_->leaves_) out.push_back(l.dotted);
  return out;
}
ChunkStatistics ParquetReader::column_chunk_statistics(int row_group, int leaf) const {
  ChunkStatistics out;
  const auto& m = *impl_->meta_.row_groups[static_cast<size_t>(row_group)]
                       .columns[static_cast<size_t>(leaf)]
                       .meta_data;
  if (!m.statistics) return out;
  const auto& s = *m.statistics;
  if (s.null_count) {
    out.has_null_count = true;
    out.null_count = *s.null_count;
  }
  if (s.min_value && s.max_value) {
    out.has_min_max = true;
    out.min_value = *s.min_value;
    out.max_value = *s.max_value;
  }
  return out;
}

Result<arrow::RecordBatchPtr> ParquetReader::ReadRowGroup(int i, const std::vector<int>& columns) {
  return impl_->ReadRowGroup(i, columns);
}

Result<arrow::RecordBatchPtr> ParquetReader::Next() {
  if (impl_->next_group_ >= num_row_groups()) return arrow::RecordBatchPtr();
  return impl_->ReadRowGroup(impl_->next_group_++, {});
}

Result<std::vector<arrow::RecordBatchPtr>> ReadParquet(BufferPtr file, arrow::SchemaPtr* schema) {
  LF_ASSIGN_OR_RETURN(auto reader, ParquetReader::Open(std::move(file)));
  if (schema) *schema = reader->schema();
  std::vector<arrow::RecordBatchPtr> out;
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    LF_ASSIGN_OR_RETURN(auto batch, reader->ReadRowGroup(g));
    out.push_back(std::move(batch));
  }
  return out;
}

}  // namespace lanceflow::parquet
