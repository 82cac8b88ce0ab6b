#include "lanceflow/parquet/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "lanceflow/arrow/decimal.h"
#include "lanceflow/arrow/float16.h"
#include "lanceflow/arrow/integer_value.h"
#include "metadata.h"
#include "page_codec.h"
#include "rle.h"
#include "statistics_util.h"

namespace lanceflow::parquet {

using arrow::ArrayData;
using arrow::DataType;
using arrow::DataTypePtr;
using arrow::Field;
using arrow::TypeId;
using format::Encoding;
using format::PhysicalType;

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

Result<Compression> ParseCompression(const std::string& name) {
  if (name == "none" || name == "uncompressed") return Compression::kNone;
  if (name == "snappy") return Compression::kSnappy;
  if (name == "zstd") return Compression::kZstd;
  return Status::Invalid("parquet: unknown compression '" + name +
                         "' (expected none, snappy or zstd)");
}

namespace {

format::Codec ToCodec(Compression c) {
  switch (c) {
    case Compression::kNone:
      return format::Codec::kUncompressed;
    case Compression::kSnappy:
      return format::Codec::kSnappy;
    case Compression::kZstd:
      return format::Codec::kZstd;
  }
  return format::Codec::kUncompressed;
}

// ---------------------------------------------------------------------------------------------
// Schema: Arrow fields -> Parquet schema elements and a node tree the level walker follows.

struct Node {
  enum Kind { kLeaf, kStruct, kList } kind = kLeaf;
  const Field* field = nullptr;
  bool nullable = true;
  int child_index = 0;    // position among the parent's Arrow children
  int16_t rep_inner = 0;  // kList: repetition level of its elements
  int leaf_index = -1;
  std::vector<std::unique_ptr<Node>> children;
};

struct LeafInfo {
  std::vector<const Node*> path;  // top-level node first, the leaf last
  int16_t max_def = 0;
  int16_t max_rep = 0;
  PhysicalType ptype = PhysicalType::kInt32;
  int32_t type_length = 0;
  DataTypePtr source_type;  // the leaf's Arrow type (dictionary: its value type)
  bool dictionary_source = false;
  int64_t mul = 1;  // value scaling (timestamps, times)
  int64_t div = 1;  // floor division (ns -> us, date64 -> days)
  bool check_uint64 = false;
  SortOrder order = SortOrder::kSigned;
  bool is_string = false;
  int32_t decimal_scale = 0;
  bool is_decimal = false;
  ColumnStatistics stats;  // path, type, in_list filled at schema time
};

using format::ConvertedType;
using format::LogicalType;
using format::SchemaElement;

LogicalType IntLogical(int bits, bool is_signed) {
  LogicalType t;
  t.kind = LogicalType::kInteger;
  t.bit_width = static_cast<int8_t>(bits);
  t.is_signed = is_signed;
  return t;
}

LogicalType TimestampLogical(bool utc, format::TimeUnit unit) {
  LogicalType t;
  t.kind = LogicalType::kTimestamp;
  t.is_adjusted_to_utc = utc;
  t.unit = unit;
  return t;
}

std::optional<ConvertedType> IntConverted(int bits, bool is_signed) {
  switch (bits) {
    case 8:
      return is_signed ? ConvertedType::kInt8 : ConvertedType::kUint8;
    case 16:
      return is_signed ? ConvertedType::kInt16 : ConvertedType::kUint16;
    case 32:
      return is_signed ? ConvertedType::kInt32 : ConvertedType::kUint32;
    default:
      return is_signed ? ConvertedType::kInt64 : ConvertedType::kUint64;
  }
}

// Smallest byte count holding every decimal of `precision` digits in two's complement.
int32_t DecimalBytes(int32_t precision) {
  int32_t bytes = 1;
  while (bytes < 16) {
    // Largest magnitude of `bytes` bytes: 2^(8*bytes-1) - 1 >= 10^precision - 1 ?
    const double max_digits = std::floor((8.0 * bytes - 1) * std::log10(2.0));
    if (max_digits >= precision) break;
    ++bytes;
  }
  return bytes;
}

Status MapLeaf(const DataType& t, TypeMapping mapping, const std::string& where, SchemaElement* e,
               LeafInfo* info) {
  const bool spark = mapping == TypeMapping::kSpark;
  auto set_int = [&](int bits, bool is_signed) {
    e->type = bits == 64 ? PhysicalType::kInt64 : PhysicalType::kInt32;
    e->logical_type = IntLogical(bits, is_signed);
    e->converted_type = IntConverted(bits, is_signed);
    info->order = is_signed ? SortOrder::kSigned : SortOrder::kUnsigned;
  };
  switch (t.id()) {
    case TypeId::kBool:
      e->type = PhysicalType::kBoolean;
      info->stats.type = arrow::boolean();
      return Status::OK();
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64: {
      const int bits = t.bit_width();
      const bool is_signed = t.is_signed_integer();
      if (spark) {
        set_int(64, true);
        info->check_uint64 = t.id() == TypeId::kUInt64;
        info->stats.type = arrow::int64();
      } else {
        set_int(bits, is_signed);
        info->stats.type = t.id() == TypeId::kUInt64 ? arrow::uint64() : nullptr;
        if (!info->stats.type) info->stats.type = std::make_shared<DataType>(t);
      }
      return Status::OK();
    }
    case TypeId::kFloat16:
      if (spark) {
        e->type = PhysicalType::kFloat;
        info->stats.type = arrow::float32();
      } else {
        e->type = PhysicalType::kFixedLenByteArray;
        e->type_length = 2;
        LogicalType lt;
        lt.kind = LogicalType::kFloat16;
        e->logical_type = lt;
        info->order = SortOrder::kFloat16;
        info->stats.type = arrow::float16();
      }
      return Status::OK();
    case TypeId::kFloat32:
      e->type = PhysicalType::kFloat;
      info->stats.type = arrow::float32();
      return Status::OK();
    case TypeId::kFloat64:
      e->type = PhysicalType::kDouble;
      info->stats.type = arrow::float64();
      return Status::OK();
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8: {
      e->type = PhysicalType::kByteArray;
      LogicalType lt;
      lt.kind = LogicalType::kString;
      e->logical_type = lt;
      e->converted_type = ConvertedType::kUtf8;
      info->order = SortOrder::kUnsigned;
      info->is_string = true;
      info->stats.type = arrow::utf8();
      return Status::OK();
    }
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      e->type = PhysicalType::kByteArray;
      info->order = SortOrder::kUnsigned;
      info->stats.type = arrow::binary();
      return Status::OK();
    case TypeId::kFixedSizeBinary:
      if (t.fixed_size() <= 0) {
        return Status::NotImplemented("parquet: " + where + ": fixed_size_binary of width 0");
      }
      e->type = PhysicalType::kFixedLenByteArray;
      e->type_length = t.fixed_size();
      info->order = SortOrder::kUnsigned;
      info->stats.type = arrow::fixed_size_binary(t.fixed_size());
      return Status::OK();
    case TypeId::kDate32:
    case TypeId::kDate64: {
      e->type = PhysicalType::kInt32;
      LogicalType lt;
      lt.kind = LogicalType::kDate;
      e->logical_type = lt;
      e->converted_type = ConvertedType::kDate;
      if (t.id() == TypeId::kDate64) info->div = 86400000;
      info->stats.type = arrow::date32();
      return Status::OK();
    }
    case TypeId::kTimestamp: {
      e->type = PhysicalType::kInt64;
      const bool utc = spark || !t.timezone().empty();
      format::TimeUnit unit = format::TimeUnit::kMicros;
      arrow::TimeUnit arrow_unit = arrow::TimeUnit::kMicro;
      if (spark) {
        switch (t.unit()) {
          case arrow::TimeUnit::kSecond:
            info->mul = 1000000;
            break;
          case arrow::TimeUnit::kMilli:
            info->mul = 1000;
            break;
          case arrow::TimeUnit::kMicro:
            break;
          case arrow::TimeUnit::kNano:
            info->div = 1000;
            break;
        }
      } else {
        switch (t.unit()) {
          case arrow::TimeUnit::kSecond:
            info->mul = 1000;
            unit = format::TimeUnit::kMillis;
            arrow_unit = arrow::TimeUnit::kMilli;
            break;
          case arrow::TimeUnit::kMilli:
            unit = format::TimeUnit::kMillis;
            arrow_unit = arrow::TimeUnit::kMilli;
            break;
          case arrow::TimeUnit::kMicro:
            break;
          case arrow::TimeUnit::kNano:
            unit = format::TimeUnit::kNanos;
            arrow_unit = arrow::TimeUnit::kNano;
            break;
        }
      }
      e->logical_type = TimestampLogical(utc, unit);
      if (utc && unit == format::TimeUnit::kMillis)
        e->converted_type = ConvertedType::kTimestampMillis;
      if (utc && unit == format::TimeUnit::kMicros)
        e->converted_type = ConvertedType::kTimestampMicros;
      info->stats.type = arrow::timestamp(arrow_unit, spark ? "UTC" : t.timezone());
      return Status::OK();
    }
    case TypeId::kTime32:
    case TypeId::kTime64: {
      if (spark) {
        return Status::NotImplemented("parquet: " + where + ": " + t.ToString() +
                                      " has no Spark equivalent");
      }
      LogicalType lt;
      lt.kind = LogicalType::kTime;
      lt.is_adjusted_to_utc = false;
      if (t.id() == TypeId::kTime32) {
        e->type = PhysicalType::kInt32;
        lt.unit = format::TimeUnit::kMillis;
        if (t.unit() == arrow::TimeUnit::kSecond) info->mul = 1000;
        e->converted_type = ConvertedType::kTimeMillis;
        info->stats.type = arrow::time32(arrow::TimeUnit::kMilli);
      } else {
        e->type = PhysicalType::kInt64;
        lt.unit = t.unit() == arrow::TimeUnit::kNano ? format::TimeUnit::kNanos
                                                     : format::TimeUnit::kMicros;
        if (lt.unit == format::TimeUnit::kMicros) e->converted_type = ConvertedType::kTimeMicros;
        info->stats.type = std::make_shared<DataType>(t);
      }
      e->logical_type = lt;
      return Status::OK();
    }
    case TypeId::kDecimal128: {
      const int32_t p = t.precision();
      LogicalType lt;
      lt.kind = LogicalType::kDecimal;
      lt.precision = p;
      lt.scale = t.scale();
      if (t.scale() < 0 || t.scale() > p) {
        return Status::NotImplemented("parquet: " + where + ": decimal scale " +
                                      std::to_string(t.scale()) + " outside 0..precision");
      }
      e->logical_type = lt;
      e->converted_type = ConvertedType::kDecimal;
      e->scale = t.scale();
      e->precision = p;
      if (p <= 9) {
        e->type = PhysicalType::kInt32;
      } else if (p <= 18) {
        e->type = PhysicalType::kInt64;
      } else {
        e->type = PhysicalType::kFixedLenByteArray;
        e->type_length = DecimalBytes(p);
        info->order = SortOrder::kDecimal;
      }
      info->is_decimal = true;
      info->decimal_scale = t.scale();
      info->stats.type = std::make_shared<DataType>(t);
      return Status::OK();
    }
    default:
      return Status::NotImplemented("parquet: " + where + ": cannot write type " + t.ToString());
  }
}

class SchemaBuilder {
 public:
  SchemaBuilder(TypeMapping mapping, std::vector<SchemaElement>* elements,
                std::vector<LeafInfo>* leaves)
      : mapping_(mapping), elements_(elements), leaves_(leaves) {}

  // Adds `field` (and its descendants) below the current path.
  Result<std::unique_ptr<Node>> Add(const Field& field, int child_index, int16_t def, int16_t rep,
                                    std::vector<const Node*>* path, std::vector<std::string>* names,
                                    bool in_list, const std::string& parquet_prefix, int depth) {
    if (depth > 64) return Status::NotImplemented("parquet: schema nested deeper than 64 levels");
    auto node = std::make_unique<Node>();
    node->field = &field;
    node->nullable = field.nullable;
    node->child_index = child_index;
    const int16_t d = static_cast<int16_t>(def + (field.nullable ? 1 : 0));
    const std::string where = "field '" + JoinNames(*names, field.name) + "'";
    const std::string ppath =
        parquet_prefix.empty() ? field.name : parquet_prefix + "." + field.name;
    SchemaElement e;
    e.name = field.name;
    e.repetition = field.nullable ? format::Repetition::kOptional : format::Repetition::kRequired;
    const DataType* type = field.type.get();
    path->push_back(node.get());
    names->push_back(field.name);
    switch (type->id()) {
      case TypeId::kStruct: {
        node->kind = Node::kStruct;
        if (type->children().empty()) {
          return Status::NotImplemented("parquet: " + where + ": struct without fields");
        }
        e.num_children = static_cast<int32_t>(type->children().size());
        elements_->push_back(std::move(e));
        for (size_t i = 0; i < type->children().size(); ++i) {
          LF_ASSIGN_OR_RETURN(auto child, Add(*type->children()[i], static_cast<int>(i), d, rep,
                                              path, names, in_list, ppath, depth + 1));
          node->children.push_back(std::move(child));
        }
        break;
      }
      case TypeId::kList:
      case TypeId::kLargeList:
      case TypeId::kFixedSizeList: {
        node->kind = Node::kList;
        node->rep_inner = static_cast<int16_t>(rep + 1);
        e.num_children = 1;
        e.converted_type = ConvertedType::kList;
        LogicalType lt;
        lt.kind = LogicalType::kList;
        e.logical_type = lt;
        elements_->push_back(std::move(e));
        SchemaElement repeated;
        repeated.name = "list";
        repeated.repetition = format::Repetition::kRepeated;
        repeated.num_children = 1;
        elements_->push_back(std::move(repeated));
        // The element keeps the Arrow item field's nullability; its Parquet name is "element".
        const Field& item = *type->children()[0];
        auto element = std::make_shared<Field>(item);
        element->name = "element";
        element_fields_.push_back(element);
        LF_ASSIGN_OR_RETURN(
            auto child, Add(*element, 0, static_cast<int16_t>(d + 1), node->rep_inner, path, names,
                            true, ppath + ".list", depth + 1));
        node->children.push_back(std::move(child));
        break;
      }
      default: {
        node->kind = Node::kLeaf;
        LeafInfo info;
        info.source_type = field.type;
        if (type->id() == TypeId::kDictionary) {
          info.dictionary_source = true;
          info.source_type = type->value_type();
          type = type->value_type().get();
          if (type->id() == TypeId::kDictionary || type->is_nested()) {
            return Status::NotImplemented("parquet: " + where + ": dictionary of " +
                                          type->ToString());
          }
        }
        LF_RETURN_NOT_OK(MapLeaf(*type, mapping_, where, &e, &info));
        info.ptype = *e.type;
        info.type_length = e.type_length.value_or(0);
        info.max_def = d;
        info.max_rep = rep;
        info.path = *path;
        info.stats.path = ArrowNames(*path);
        info.stats.parquet_path = ppath;
        info.stats.in_list = in_list;
        node->leaf_index = static_cast<int>(leaves_->size());
        elements_->push_back(std::move(e));
        leaves_->push_back(std::move(info));
        break;
      }
    }
    path->pop_back();
    names->pop_back();
    return node;
  }

 private:
  static std::string JoinNames(const std::vector<std::string>& names, const std::string& last) {
    std::string out;
    for (const auto& n : names) out += n + ".";
    return out + last;
  }
  // Field names along the path, leaving out list elements (they have no Arrow name of their own).
  static std::vector<std::string> ArrowNames(const std::vector<const Node*>& path) {
    std::vector<std::string> out;
    for (size_t i = 0; i < path.size(); ++i) {
      if (i > 0 && path[i - 1]->kind == Node::kList) continue;
      out.push_back(path[i]->field->name);
    }
    return out;
  }

  TypeMapping mapping_;
  std::vector<SchemaElement>* elements_;
  std::vector<LeafInfo>* leaves_;
  std::vector<std::shared_ptr<Field>> element_fields_;

 public:
  // Keeps the synthesized element fields alive as long as the nodes pointing at them.
  std::vector<std::shared_ptr<Field>> TakeElementFields() { return std::move(element_fields_); }
};

// ---------------------------------------------------------------------------------------------
// Value conversion: Arrow leaf slots -> physical values.

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

template <typename Src, typename Dst>
Status Transform(const Src* src, int64_t n, Dst* out, const LeafInfo& L) {
  if (L.mul == 1 && L.div == 1 && !L.check_uint64) {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<Dst>(src[i]);
    return Status::OK();
  }
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<Src, uint64_t>) {
      if (src[i] > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Status::OutOfRange("parquet: column '" + L.stats.parquet_path + "': uint64 value " +
                                  std::to_string(src[i]) + " does not fit a signed 64-bit long");
      }
    }
    int64_t v = static_cast<int64_t>(src[i]);
    if (L.mul != 1) {
      if (__builtin_mul_overflow(v, L.mul, &v)) {
        return Status::OutOfRange("parquet: column '" + L.stats.parquet_path + "': value " +
                                  std::to_string(static_cast<int64_t>(src[i])) +
                                  " overflows when converted to the written unit");
      }
    }
    if (L.div != 1) v = FloorDiv(v, L.div);
    if constexpr (std::is_same_v<Dst, int32_t>) {
      if (v < INT32_MIN || v > INT32_MAX) {
        return Status::OutOfRange("parquet: column '" + L.stats.parquet_path + "': value " +
                                  std::to_string(static_cast<int64_t>(src[i])) +
                                  " does not fit the written 32-bit type");
      }
    }
    out[i] = static_cast<Dst>(v);
  }
  return Status::OK();
}

template <typename Dst>
Status ConvertNumeric(const LeafInfo& L, const ArrayData& a, int64_t start, int64_t n, Dst* out) {
  switch (a.type->id()) {
    case TypeId::kInt8:
      return Transform(a.values<int8_t>() + start, n, out, L);
    case TypeId::kInt16:
      return Transform(a.values<int16_t>() + start, n, out, L);
    case TypeId::kInt32:
    case TypeId::kDate32:
    case TypeId::kTime32:
      return Transform(a.values<int32_t>() + start, n, out, L);
    case TypeId::kInt64:
    case TypeId::kDate64:
    case TypeId::kTime64:
    case TypeId::kTimestamp:
      return Transform(a.values<int64_t>() + start, n, out, L);
    case TypeId::kUInt8:
      return Transform(a.values<uint8_t>() + start, n, out, L);
    case TypeId::kUInt16:
      return Transform(a.values<uint16_t>() + start, n, out, L);
    case TypeId::kUInt32:
      return Transform(a.values<uint32_t>() + start, n, out, L);
    case TypeId::kUInt64:
      return Transform(a.values<uint64_t>() + start, n, out, L);
    case TypeId::kFloat16: {
      const uint16_t* s = a.values<uint16_t>() + start;
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<Dst>(arrow::HalfToFloat(s[i]));
      return Status::OK();
    }
    case TypeId::kFloat32:
      return Transform(a.values<float>() + start, n, out, L);
    case TypeId::kFloat64:
      return Transform(a.values<double>() + start, n, out, L);
    case TypeId::kDecimal128: {
      const uint8_t* s = a.buffers[1]->data() + (a.offset + start) * 16;
      for (int64_t i = 0; i < n; ++i) {
        uint64_t low;
        std::memcpy(&low, s + i * 16, 8);
        out[i] = static_cast<Dst>(static_cast<int64_t>(low));
      }
      return Status::OK();
    }
    default:
      return Status::Internal("parquet: no numeric conversion from " + a.type->ToString());
  }
}

// ---------------------------------------------------------------------------------------------
// Leaf column writers: levels, pages and the column chunk of the current row group.

struct ChunkResult {
  // Dictionary page (if any) then data pages, headers included, in pieces to write in order.
  std::vector<std::string> pieces;
  int64_t size = 0;
  format::ColumnMetaData meta;
  int64_t dictionary_page_bytes = 0;  // length of the leading dictionary page
};

class LeafWriter {
 public:
  LeafWriter(LeafInfo* info, const WriterOptions& options)
      : info_(info), options_(options), codec_(ToCodec(options.compression)) {}
  virtual ~LeafWriter() = default;

  LeafInfo& info() { return *info_; }

  // Appends `n` level entries without values (nulls or empty lists at some level).
  void AppendEmptyEntries(int16_t def, int16_t rep_first, int16_t rep_rest, int64_t n) {
    AppendLevels(def, rep_first, rep_rest, n);
    chunk_null_count_ += n;
  }
  // Appends `n` entries whose values are slots [start, start+n) of `a` (all valid).
  Status AppendValues(const ArrayData& a, int64_t start, int64_t n, int16_t rep_first,
                      int16_t rep_rest) {
    AppendLevels(info_->max_def, rep_first, rep_rest, n);
    return PutValues(a, start, n);
  }
  // One entry holding value `index` of a dictionary (dictionary arrays are written as values).
  Status AppendDictionaryValue(const ArrayData& dict, int64_t index, int16_t rep) {
    AppendLevels(info_->max_def, rep, rep, 1);
    return PutValues(dict, index, 1);
  }

  int64_t page_bytes_estimate() const {
    return ValueBytes() +
           (page_entries_ * (info_->max_def > 0) + page_entries_ * (info_->max_rep > 0)) / 4;
  }
  int64_t chunk_bytes() const { return pages_bytes_ + page_bytes_estimate(); }

  Status MaybeFlushPage() {
    if (page_bytes_estimate() >= options_.page_bytes) return FlushPage();
    return Status::OK();
  }

  Status FlushPage() {
    if (page_entries_ == 0) return Status::OK();
    std::string& payload = payload_;
    payload.clear();
    auto put_levels = [&](const std::vector<int16_t>& levels, int16_t max_level) {
      const size_t at = payload.size();
      payload.append(4, '\0');
      RleEncode(levels.data(), static_cast<int64_t>(levels.size()), BitWidthFor(max_level),
                &payload);
      const uint32_t len = static_cast<uint32_t>(payload.size() - at - 4);
      std::memcpy(payload.data() + at, &len, 4);
    };
    if (info_->max_rep > 0) put_levels(rep_, info_->max_rep);
    if (info_->max_def > 0) put_levels(def_, info_->max_def);
    Encoding enc = Encoding::kPlain;
    TakePageValues(&payload, &enc, num_data_pages_ == 0);
    encodings_used_ |= 1u << static_cast<int>(enc);
    format::PageHeader h;
    h.type = format::PageType::kDataPage;
    format::DataPageHeader& d = h.data_page_header.emplace();
    d.num_values = static_cast<int32_t>(page_entries_);
    d.encoding = enc;
    pages_.emplace_back();
    LF_RETURN_NOT_OK(AppendPage(&h, payload, &pages_.back()));
    pages_bytes_ += static_cast<int64_t>(pages_.back().size());
    chunk_num_values_ += page_entries_;
    ++num_data_pages_;
    page_entries_ = 0;
    def_.clear();
    rep_.clear();
    return Status::OK();
  }

  // Flushes the last page and hands over the chunk; the writer is ready for the next chunk.
  Result<ChunkResult> FinishChunk() {
    LF_RETURN_NOT_OK(FlushPage());
    ChunkResult r;
    std::string dict_payload;
    int32_t dict_entries = 0;
    if (TakeDictionaryPage(&dict_payload, &dict_entries)) {
      format::PageHeader h;
      h.type = format::PageType::kDictionaryPage;
      format::DictionaryPageHeader& d = h.dictionary_page_header.emplace();
      d.num_values = dict_entries;
      d.encoding = Encoding::kPlain;
      r.pieces.emplace_back();
      LF_RETURN_NOT_OK(AppendPage(&h, dict_payload, &r.pieces.back()));
      r.dictionary_page_bytes = static_cast<int64_t>(r.pieces.back().size());
    }
    r.size = r.dictionary_page_bytes + pages_bytes_;
    for (std::string& page : pages_) r.pieces.push_back(std::move(page));
    format::ColumnMetaData& m = r.meta;
    m.type = info_->ptype;
    m.encodings.push_back(Encoding::kPlain);
    if (info_->max_def > 0 || info_->max_rep > 0) m.encodings.push_back(Encoding::kRle);
    if (encodings_used_ & (1u << static_cast<int>(Encoding::kRleDictionary))) {
      m.encodings.push_back(Encoding::kRleDictionary);
    }
    m.path_in_schema = Split(info_->stats.parquet_path);
    m.codec = codec_;
    m.num_values = chunk_num_values_;
    m.total_uncompressed_size = uncompressed_bytes_;
    m.total_compressed_size = r.size;
    format::Statistics& s = m.statistics.emplace();
    s.null_count = chunk_null_count_;
    FillChunkStatistics(&s);
    info_->stats.null_count += chunk_null_count_;
    pages_.clear();
    pages_bytes_ = 0;
    chunk_num_values_ = 0;
    chunk_null_count_ = 0;
    uncompressed_bytes_ = 0;
    num_data_pages_ = 0;
    encodings_used_ = 0;
    return r;
  }

  // Sets the file-wide min/max of info().stats.
  virtual void FinishFileStatistics() = 0;

 protected:
  virtual Status PutValues(const ArrayData& a, int64_t start, int64_t n) = 0;
  virtual int64_t ValueBytes() const = 0;
  // Appends the current page's encoded values to *out and clears them.
  virtual void TakePageValues(std::string* out, Encoding* enc, bool first_page) = 0;
  // The PLAIN dictionary of this chunk when pages used it; resets the dictionary.
  virtual bool TakeDictionaryPage(std::string* out, int32_t* entries) { return false; }
  // Chunk min/max into `s`, then resets the chunk statistics.
  virtual void FillChunkStatistics(format::Statistics* s) = 0;

  LeafInfo* info_;
  const WriterOptions& options_;
  format::Codec codec_;

 private:
  static std::vector<std::string> Split(const std::string& dotted) {
    std::vector<std::string> out(1);
    for (char c : dotted) {
      if (c == '.') {
        out.emplace_back();
      } else {
        out.back().push_back(c);
      }
    }
    return out;
  }

  void AppendLevels(int16_t def, int16_t rep_first, int16_t rep_rest, int64_t n) {
    if (n <= 0) return;
    if (info_->max_def > 0) def_.insert(def_.end(), static_cast<size_t>(n), def);
    if (info_->max_rep > 0) {
      rep_.push_back(rep_first);
      rep_.insert(rep_.end(), static_cast<size_t>(n - 1), rep_rest);
    }
    page_entries_ += n;
  }

  Status AppendPage(format::PageHeader* h, const std::string& payload, std::string* out) {
    std::string& compressed = compressed_;
    compressed.clear();
    const std::string* body = &payload;
    if (codec_ != format::Codec::kUncompressed) {
      LF_RETURN_NOT_OK(CompressPage(codec_, options_.zstd_level,
                                    reinterpret_cast<const uint8_t*>(payload.data()),
                                    static_cast<int64_t>(payload.size()), &compressed));
      body = &compressed;
    }
    if (payload.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()) ||
        body->size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return Status::OutOfRange("parquet: column '" + info_->stats.parquet_path +
                                "': page larger than 2 GiB");
    }
    h->uncompressed_page_size = static_cast<int32_t>(payload.size());
    h->compressed_page_size = static_cast<int32_t>(body->size());
    const size_t before = out->size();
    format::Serialize(*h, out);
    const int64_t header_bytes = static_cast<int64_t>(out->size() - before);
    out->append(*body);
    uncompressed_bytes_ += header_bytes + static_cast<int64_t>(payload.size());
    return Status::OK();
  }

  std::vector<int16_t> def_;
  std::vector<int16_t> rep_;
  int64_t page_entries_ = 0;
  std::vector<std::string> pages_;  // compressed data pages with their headers
  int64_t pages_bytes_ = 0;
  std::string payload_;  // reused page buffers
  std::string compressed_;
  int64_t chunk_num_values_ = 0;
  int64_t chunk_null_count_ = 0;
  int64_t uncompressed_bytes_ = 0;
  int64_t num_data_pages_ = 0;
  uint32_t encodings_used_ = 0;
};

// A dictionary that has seen `values` values of which `entries` are distinct does not pay.
bool MostlyDistinct(size_t entries, size_t values) {
  return entries >= 1024 && entries * 2 > values;
}

// BOOLEAN: PLAIN bit-packed.
class BoolLeafWriter final : public LeafWriter {
 public:
  using LeafWriter::LeafWriter;

 protected:
  Status PutValues(const ArrayData& a, int64_t start, int64_t n) override {
    const uint8_t* bits = a.buffers[1]->data();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t bit = a.offset + start + i;
      const bool v = (bits[bit >> 3] >> (bit & 7)) & 1;
      if ((count_ & 7) == 0) packed_.push_back(0);
      if (v) packed_.back() = static_cast<char>(packed_.back() | (1 << (count_ & 7)));
      ++count_;
      (v ? chunk_true_ : chunk_false_) = true;
    }
    return Status::OK();
  }
  int64_t ValueBytes() const override { return static_cast<int64_t>(packed_.size()); }
  void TakePageValues(std::string* out, Encoding* enc, bool) override {
    *enc = Encoding::kPlain;
    out->append(packed_);
    packed_.clear();
    count_ = 0;
  }
  void FillChunkStatistics(format::Statistics* s) override {
    if (chunk_true_ || chunk_false_) {
      s->min_value = std::string(1, chunk_false_ ? '\0' : '\1');
      s->max_value = std::string(1, chunk_true_ ? '\1' : '\0');
    }
    file_true_ |= chunk_true_;
    file_false_ |= chunk_false_;
    chunk_true_ = chunk_false_ = false;
  }
  void FinishFileStatistics() override {
    if (file_true_ || file_false_) {
      info_->stats.min = StatValue(!file_false_);
      info_->stats.max = StatValue(file_true_);
    }
  }

 private:
  std::string packed_;
  int64_t count_ = 0;
  bool chunk_true_ = false, chunk_false_ = false;
  bool file_true_ = false, file_false_ = false;
};

// INT32, INT64, FLOAT, DOUBLE: PLAIN little-endian, or RLE_DICTIONARY for the integers.
template <typename T>
class NumericLeafWriter final : public LeafWriter {
 public:
  NumericLeafWriter(LeafInfo* info, const WriterOptions& options) : LeafWriter(info, options) {
    dict_enabled_ = options.dictionary && std::is_integral_v<T>;
    dict_on_ = dict_enabled_;
  }

 protected:
  Status PutValues(const ArrayData& a, int64_t start, int64_t n) override {
    scratch_.resize(static_cast<size_t>(n));
    LF_RETURN_NOT_OK(ConvertNumeric<T>(*info_, a, start, n, scratch_.data()));
    UpdateStats(scratch_.data(), n);
    if (dict_on_) {
      for (int64_t i = 0; i < n; ++i) {
        auto [it, inserted] =
            dict_index_.try_emplace(scratch_[i], static_cast<uint32_t>(dict_.size()));
        if (inserted) dict_.push_back(scratch_[i]);
        indices_.push_back(it->second);
      }
      if (!used_dict_ && MostlyDistinct(dict_.size(), indices_.size())) {
        // Nothing dictionary-encoded was emitted yet: drop the dictionary for this chunk.
        for (uint32_t idx : indices_) {
          const T v = dict_[idx];
          plain_.append(reinterpret_cast<const char*>(&v), sizeof(T));
        }
        indices_.clear();
        ResetDictionary();
        dict_on_ = false;
      }
    } else {
      const size_t at = plain_.size();
      plain_.resize(at + static_cast<size_t>(n) * sizeof(T));
      std::memcpy(plain_.data() + at, scratch_.data(), static_cast<size_t>(n) * sizeof(T));
    }
    return Status::OK();
  }
  int64_t ValueBytes() const override {
    if (dict_on_) {
      return static_cast<int64_t>(indices_.size()) * (BitWidthFor(dict_.size()) + 1) / 8 +
             static_cast<int64_t>(dict_.size() * sizeof(T));
    }
    return static_cast<int64_t>(plain_.size());
  }
  void TakePageValues(std::string* out, Encoding* enc, bool first_page) override {
    if (dict_on_ && first_page && dict_.size() * 2 > indices_.size() + 16) {
      // Mostly distinct values: a dictionary costs more than it saves; rewrite this page PLAIN.
      for (uint32_t idx : indices_) {
        const T v = dict_[idx];
        plain_.append(reinterpret_cast<const char*>(&v), sizeof(T));
      }
      indices_.clear();
      ResetDictionary();
      dict_on_ = false;
    }
    if (dict_on_ || !indices_.empty()) {
      *enc = Encoding::kRleDictionary;
      const int width = BitWidthFor(dict_.empty() ? 0 : dict_.size() - 1);
      out->push_back(static_cast<char>(width));
      RleEncode(indices_.data(), static_cast<int64_t>(indices_.size()), width, out);
      indices_.clear();
      used_dict_ = true;
      if (static_cast<int64_t>(dict_.size() * sizeof(T)) > options_.dictionary_page_bytes) {
        dict_on_ = false;  // frozen: later pages PLAIN
      }
    } else {
      *enc = Encoding::kPlain;
      out->append(plain_);
      plain_.clear();
    }
  }
  bool TakeDictionaryPage(std::string* out, int32_t* entries) override {
    const bool used = used_dict_;
    if (used) {
      out->append(reinterpret_cast<const char*>(dict_.data()), dict_.size() * sizeof(T));
      *entries = static_cast<int32_t>(dict_.size());
    }
    ResetDictionary();
    used_dict_ = false;
    dict_on_ = dict_enabled_;
    return used;
  }
  void FillChunkStatistics(format::Statistics* s) override {
    if (chunk_has_) {
      T lo = chunk_min_, hi = chunk_max_;
      if constexpr (std::is_floating_point_v<T>) {
        if (lo == 0) lo = -T(0);
        if (hi == 0) hi = T(0);
      }
      s->min_value = std::string(reinterpret_cast<const char*>(&lo), sizeof(T));
      s->max_value = std::string(reinterpret_cast<const char*>(&hi), sizeof(T));
      if (!file_has_ || Less(chunk_min_, file_min_)) file_min_ = chunk_min_;
      if (!file_has_ || Less(file_max_, chunk_max_)) file_max_ = chunk_max_;
      file_has_ = true;
    }
    chunk_has_ = false;
  }
  void FinishFileStatistics() override {
    info_->stats.nan_count = nan_count_;
    if (!file_has_) return;
    T lo = file_min_, hi = file_max_;
    if constexpr (std::is_floating_point_v<T>) {
      if (lo == 0) lo = -T(0);
      if (hi == 0) hi = T(0);
      info_->stats.min = StatValue(static_cast<double>(lo));
      info_->stats.max = StatValue(static_cast<double>(hi));
    } else {
      info_->stats.min = ToStatValue(lo);
      info_->stats.max = ToStatValue(hi);
    }
  }

 private:
  bool Less(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      if (info_->order == SortOrder::kUnsigned) {
        return static_cast<std::make_unsigned_t<T>>(a) < static_cast<std::make_unsigned_t<T>>(b);
      }
    }
    return a < b;
  }
  StatValue ToStatValue(T v) const {
    if (info_->is_decimal) {
      std::string s;
      const arrow::Decimal128 d = arrow::Decimal128::FromInt64(static_cast<int64_t>(v));
      arrow::AppendDecimalString(reinterpret_cast<const uint8_t*>(d.words), 2, info_->decimal_scale,
                                 &s);
      return StatValue(std::move(s));
    }
    if (info_->order == SortOrder::kUnsigned) {
      return StatValue(static_cast<uint64_t>(static_cast<std::make_unsigned_t<T>>(v)));
    }
    return StatValue(static_cast<int64_t>(v));
  }
  void UpdateStats(const T* v, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(v[i])) {
          ++nan_count_;
          continue;
        }
      }
      if (!chunk_has_) {
        chunk_min_ = chunk_max_ = v[i];
        chunk_has_ = true;
      } else {
        if (Less(v[i], chunk_min_)) chunk_min_ = v[i];
        if (Less(chunk_max_, v[i])) chunk_max_ = v[i];
      }
    }
  }
  void ResetDictionary() {
    dict_.clear();
    dict_index_.clear();
  }

  std::vector<T> scratch_;
  std::string plain_;
  bool dict_enabled_ = false;
  bool dict_on_ = false;
  bool used_dict_ = false;
  std::vector<T> dict_;
  std::unordered_map<T, uint32_t> dict_index_;
  std::vector<uint32_t> indices_;
  bool chunk_has_ = false, file_has_ = false;
  T chunk_min_{}, chunk_max_{}, file_min_{}, file_max_{};
  int64_t nan_count_ = 0;
};

// BYTE_ARRAY (PLAIN length-prefixed or RLE_DICTIONARY) and FIXED_LEN_BYTE_ARRAY (PLAIN).
class BytesLeafWriter final : public LeafWriter {
 public:
  BytesLeafWriter(LeafInfo* info, const WriterOptions& options) : LeafWriter(info, options) {
    fixed_ = info->ptype == PhysicalType::kFixedLenByteArray;
    dict_enabled_ = options.dictionary && !fixed_;
    dict_on_ = dict_enabled_;
  }

 protected:
  Status PutValues(const ArrayData& a, int64_t start, int64_t n) override {
    switch (a.type->id()) {
      case TypeId::kUtf8:
      case TypeId::kBinary: {
        const int32_t* o = a.offsets<int32_t>() + start;
        const uint8_t* data = a.buffers[2] ? a.buffers[2]->data() : nullptr;
        for (int64_t i = 0; i < n; ++i) Put(View(data + o[i], o[i + 1] - o[i]));
        return Status::OK();
      }
      case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary: {
        const int64_t* o = a.offsets<int64_t>() + start;
        const uint8_t* data = a.buffers[2] ? a.buffers[2]->data() : nullptr;
        for (int64_t i = 0; i < n; ++i) Put(View(data + o[i], o[i + 1] - o[i]));
        return Status::OK();
      }
      case TypeId::kFixedSizeBinary: {
        const int64_t w = a.type->fixed_size();
        const uint8_t* data = a.buffers[1]->data() + (a.offset + start) * w;
        for (int64_t i = 0; i < n; ++i) Put(View(data + i * w, w));
        return Status::OK();
      }
      case TypeId::kFloat16: {
        const uint8_t* data = a.buffers[1]->data() + (a.offset + start) * 2;
        for (int64_t i = 0; i < n; ++i) {
          const std::string_view v = View(data + i * 2, 2);
          uint16_t h;
          std::memcpy(&h, v.data(), 2);
          if (std::isnan(arrow::HalfToFloat(h))) {
            ++nan_count_;
            AppendPlain(v);
            continue;
          }
          Put(v);
        }
        return Status::OK();
      }
      case TypeId::kDecimal128: {
        const uint8_t* data = a.buffers[1]->data() + (a.offset + start) * 16;
        const int w = info_->type_length;
        char be[16];
        for (int64_t i = 0; i < n; ++i) {
          const uint8_t* le = data + i * 16;
          for (int b = 0; b < w; ++b) be[b] = static_cast<char>(le[w - 1 - b]);
          Put(std::string_view(be, static_cast<size_t>(w)));
        }
        return Status::OK();
      }
      default:
        return Status::Internal("parquet: no byte conversion from " + a.type->ToString());
    }
  }
  int64_t ValueBytes() const override {
    if (dict_on_) {
      return static_cast<int64_t>(indices_.size()) * (BitWidthFor(dict_offsets_.size()) + 1) / 8 +
             static_cast<int64_t>(dict_plain_.size());
    }
    return static_cast<int64_t>(plain_.size());
  }
  void TakePageValues(std::string* out, Encoding* enc, bool first_page) override {
    if (dict_on_ && first_page && dict_offsets_.size() * 2 > indices_.size() + 16) {
      for (uint32_t idx : indices_) AppendPlainNoStats(DictEntry(idx));
      indices_.clear();
      ResetDictionary();
      dict_on_ = false;
    }
    if (dict_on_ || !indices_.empty()) {
      *enc = Encoding::kRleDictionary;
      const int width = BitWidthFor(dict_offsets_.empty() ? 0 : dict_offsets_.size() - 1);
      out->push_back(static_cast<char>(width));
      RleEncode(indices_.data(), static_cast<int64_t>(indices_.size()), width, out);
      indices_.clear();
      used_dict_ = true;
      if (static_cast<int64_t>(dict_plain_.size()) > options_.dictionary_page_bytes)
        dict_on_ = false;
    } else {
      *enc = Encoding::kPlain;
      out->append(plain_);
      plain_.clear();
    }
  }
  bool TakeDictionaryPage(std::string* out, int32_t* entries) override {
    const bool used = used_dict_;
    if (used) {
      out->append(dict_plain_);
      *entries = static_cast<int32_t>(dict_offsets_.size());
    }
    ResetDictionary();
    used_dict_ = false;
    dict_on_ = dict_enabled_;
    return used;
  }
  void FillChunkStatistics(format::Statistics* s) override {
    if (chunk_has_) {
      TruncatedBound lo = TruncateMin(chunk_min_);
      TruncatedBound hi = TruncateMax(chunk_max_);
      s->min_value = lo.value;
      s->is_min_value_exact = lo.exact;
      if (hi.valid) {
        s->max_value = hi.value;
        s->is_max_value_exact = hi.exact;
      } else {
        s->min_value.reset();
        s->is_min_value_exact.reset();
      }
      if (!file_has_ || Less(chunk_min_, file_min_)) file_min_ = chunk_min_;
      if (!file_has_ || Less(file_max_, chunk_max_)) file_max_ = chunk_max_;
      file_has_ = true;
    }
    chunk_has_ = false;
  }
  void FinishFileStatistics() override {
    info_->stats.nan_count = nan_count_;
    if (!file_has_) return;
    if (info_->order == SortOrder::kDecimal) {
      info_->stats.min = DecimalText(file_min_);
      info_->stats.max = DecimalText(file_max_);
      return;
    }
    if (info_->order == SortOrder::kFloat16) {
      uint16_t lo, hi;
      std::memcpy(&lo, file_min_.data(), 2);
      std::memcpy(&hi, file_max_.data(), 2);
      double l = arrow::HalfToFloat(lo), h = arrow::HalfToFloat(hi);
      if (l == 0) l = -0.0;
      if (h == 0) h = 0.0;
      info_->stats.min = StatValue(l);
      info_->stats.max = StatValue(h);
      return;
    }
    TruncatedBound lo = TruncateMin(file_min_);
    TruncatedBound hi = TruncateMax(file_max_);
    info_->stats.min = StatValue(lo.value);
    info_->stats.min_exact = lo.exact;
    if (hi.valid) {
      info_->stats.max = StatValue(hi.value);
      info_->stats.max_exact = hi.exact;
    }
  }

 private:
  static std::string_view View(const uint8_t* p, int64_t n) {
    return {reinterpret_cast<const char*>(p), static_cast<size_t>(n)};
  }
  bool Less(std::string_view a, std::string_view b) const {
    return CompareForOrder(info_->order, a, b) < 0;
  }
  TruncatedBound TruncateMin(const std::string& v) const {
    if (fixed_) return {v, true, true};
    return TruncateLowerBound(v, options_.max_statistics_bytes, info_->is_string);
  }
  TruncatedBound TruncateMax(const std::string& v) const {
    if (fixed_) return {v, true, true};
    return TruncateUpperBound(v, options_.max_statistics_bytes, info_->is_string);
  }
  StatValue DecimalText(const std::string& be) const {
    uint8_t le[16];
    const size_t w = be.size();
    const uint8_t fill = (static_cast<uint8_t>(be[0]) & 0x80) ? 0xFF : 0x00;
    for (size_t b = 0; b < 16; ++b) le[b] = b < w ? static_cast<uint8_t>(be[w - 1 - b]) : fill;
    std::string s;
    arrow::AppendDecimalString(le, 2, info_->decimal_scale, &s);
    return StatValue(std::move(s));
  }

  void Put(std::string_view v) {
    if (!chunk_has_) {
      chunk_min_.assign(v);
      chunk_max_.assign(v);
      chunk_has_ = true;
    } else {
      if (Less(v, chunk_min_)) chunk_min_.assign(v);
      if (Less(chunk_max_, v)) chunk_max_.assign(v);
    }
    AppendPlain(v);
  }
  void AppendPlain(std::string_view v) {
    if (dict_on_) {
      auto it = dict_index_.find(v);
      uint32_t idx;
      if (it == dict_index_.end()) {
        idx = static_cast<uint32_t>(dict_offsets_.size());
        dict_offsets_.push_back(static_cast<int64_t>(dict_plain_.size()));
        const uint32_t len = static_cast<uint32_t>(v.size());
        dict_plain_.append(reinterpret_cast<const char*>(&len), 4);
        dict_plain_.append(v);
        dict_index_.emplace(std::string(v), idx);
      } else {
        idx = it->second;
      }
      indices_.push_back(idx);
      if (!used_dict_ && MostlyDistinct(dict_offsets_.size(), indices_.size())) {
        // Nothing dictionary-encoded was emitted yet: drop the dictionary for this chunk.
        for (uint32_t i : indices_) AppendPlainNoStats(DictEntry(i));
        indices_.clear();
        ResetDictionary();
        dict_on_ = false;
      }
      return;
    }
    AppendPlainNoStats(v);
  }
  void AppendPlainNoStats(std::string_view v) {
    if (!fixed_) {
      const uint32_t len = static_cast<uint32_t>(v.size());
      plain_.append(reinterpret_cast<const char*>(&len), 4);
    }
    plain_.append(v);
  }
  std::string_view DictEntry(uint32_t idx) const {
    const int64_t at = dict_offsets_[idx];
    uint32_t len;
    std::memcpy(&len, dict_plain_.data() + at, 4);
    return std::string_view(dict_plain_).substr(static_cast<size_t>(at) + 4, len);
  }
  void ResetDictionary() {
    dict_plain_.clear();
    dict_offsets_.clear();
    dict_index_.clear();
  }

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  bool fixed_ = false;
  std::string plain_;
  bool dict_enabled_ = false;
  bool dict_on_ = false;
  bool used_dict_ = false;
  std::string dict_plain_;
  std::vector<int64_t> dict_offsets_;
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> dict_index_;
  std::vector<uint32_t> indices_;
  bool chunk_has_ = false, file_has_ = false;
  std::string chunk_min_, chunk_max_, file_min_, file_max_;
  int64_t nan_count_ = 0;
};

std::unique_ptr<LeafWriter> MakeLeafWriter(LeafInfo* info, const WriterOptions& options) {
  switch (info->ptype) {
    case PhysicalType::kBoolean:
      return std::make_unique<BoolLeafWriter>(info, options);
    case PhysicalType::kInt32:
      return std::make_unique<NumericLeafWriter<int32_t>>(info, options);
    case PhysicalType::kInt64:
      return std::make_unique<NumericLeafWriter<int64_t>>(info, options);
    case PhysicalType::kFloat:
      return std::make_unique<NumericLeafWriter<float>>(info, options);
    case PhysicalType::kDouble:
      return std::make_unique<NumericLeafWriter<double>>(info, options);
    default:
      return std::make_unique<BytesLeafWriter>(info, options);
  }
}

// A dictionary-encoded leaf: a slot is null when its index is null or the dictionary value it
// points at is null.
Status WalkDictionaryLeaf(const LeafInfo& L, const ArrayData& arr, int64_t start, int64_t count,
                          int16_t def, int16_t rep_first, int16_t rep_rest, LeafWriter* w) {
  const ArrayData& dict = *arr.dictionary;
  const TypeId index_type = arr.type->index_type()->id();
  for (int64_t i = start; i < start + count; ++i) {
    const int16_t rf = i == start ? rep_first : rep_rest;
    bool valid = arr.IsValid(i);
    int64_t idx = 0;
    if (valid) {
      const std::optional<int64_t> at = arrow::IntegerValueAt(arr, index_type, i);
      if (!at || *at < 0 || *at >= dict.length) {
        return Status::Invalid("parquet: column '" + L.stats.parquet_path +
                               "': dictionary index out of range at slot " + std::to_string(i));
      }
      idx = *at;
      valid = dict.IsValid(idx);
    }
    if (!valid) {
      if (!L.path.back()->nullable) {
        return Status::Invalid("parquet: column '" + L.stats.parquet_path +
                               "': non-nullable field has a null dictionary value");
      }
      w->AppendEmptyEntries(def, rf, rep_rest, 1);
      continue;
    }
    LF_RETURN_NOT_OK(w->AppendDictionaryValue(dict, idx, rf));
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Level walk: one leaf column over a range of slots of an Arrow array.
//
// `def` is the definition level reached by the ancestors (the level recorded when this node is
// null); the first entry emitted gets `rep_first`, later ones at this depth `rep_rest`.
Status Walk(const LeafInfo& L, size_t depth, const ArrayData& arr, int64_t start, int64_t count,
            int16_t def, int16_t rep_first, int16_t rep_rest, LeafWriter* w) {
  if (count <= 0) return Status::OK();
  const Node* node = L.path[depth];
  const bool has_validity = !arr.buffers.empty() && arr.buffers[0] != nullptr;
  if (!node->nullable && has_validity && arr.null_count != 0) {
    for (int64_t i = start; i < start + count; ++i) {
      if (arr.IsNull(i)) {
        return Status::Invalid("parquet: column '" + L.stats.parquet_path +
                               "': non-nullable field '" + node->field->name +
                               "' has a null in a non-null parent");
      }
    }
  }
  if (node->kind == Node::kLeaf && L.dictionary_source)
    return WalkDictionaryLeaf(L, arr, start, count, def, rep_first, rep_rest, w);
  const bool may_be_null = node->nullable && has_validity;
  const int16_t present = static_cast<int16_t>(def + (node->nullable ? 1 : 0));
  switch (node->kind) {
    case Node::kLeaf:
    case Node::kStruct: {
      auto emit_valid = [&](int64_t s, int64_t n, int16_t rf) -> Status {
        if (node->kind == Node::kLeaf) return w->AppendValues(arr, s, n, rf, rep_rest);
        const ArrayData& child = *arr.children[static_cast<size_t>(L.path[depth + 1]->child_index)];
        return Walk(L, depth + 1, child, arr.offset + s, n, present, rf, rep_rest, w);
      };
      if (!may_be_null) return emit_valid(start, count, rep_first);
      int64_t i = start;
      const int64_t end = start + count;
      while (i < end) {
        const bool valid = arr.IsValid(i);
        int64_t j = i + 1;
        while (j < end && arr.IsValid(j) == valid) ++j;
        const int16_t rf = i == start ? rep_first : rep_rest;
        if (valid) {
          LF_RETURN_NOT_OK(emit_valid(i, j - i, rf));
        } else {
          w->AppendEmptyEntries(def, rf, rep_rest, j - i);
        }
        i = j;
      }
      return Status::OK();
    }
    case Node::kList: {
      const ArrayData& child = *arr.children[0];
      const int64_t fixed = arr.type->id() == TypeId::kFixedSizeList ? arr.type->fixed_size() : -1;
      for (int64_t i = start; i < start + count; ++i) {
        const int16_t rf = i == start ? rep_first : rep_rest;
        if (may_be_null && arr.IsNull(i)) {
          w->AppendEmptyEntries(def, rf, rep_rest, 1);
          continue;
        }
        int64_t s, e;
        if (fixed >= 0) {
          s = (arr.offset + i) * fixed;
          e = s + fixed;
        } else if (arr.type->id() == TypeId::kList) {
          s = arr.offsets<int32_t>()[i];
          e = arr.offsets<int32_t>()[i + 1];
        } else {
          s = arr.offsets<int64_t>()[i];
          e = arr.offsets<int64_t>()[i + 1];
        }
        if (e == s) {
          w->AppendEmptyEntries(present, rf, rep_rest, 1);
          continue;
        }
        LF_RETURN_NOT_OK(Walk(L, depth + 1, child, s, e - s, static_cast<int16_t>(present + 1), rf,
                              node->rep_inner, w));
      }
      return Status::OK();
    }
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// A local file sink. The write(2) calls (copying into the page cache, most of a large file's
// system time) run on a thread of their own, so encoding the next pages overlaps them: Write
// copies the bytes into a queue of at most kMaxPending bytes and returns. An error of the
// background writes is returned by the next Write or by Close.

class FileOutputStream final : public OutputStream {
 public:
  static Result<std::unique_ptr<FileOutputStream>> Open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      return Status::IOError("parquet: cannot create '" + path + "': " + std::strerror(errno));
    }
    return std::unique_ptr<FileOutputStream>(new FileOutputStream(fd, path));
  }
  ~FileOutputStream() override {
    Stop();
    if (fd_ >= 0) ::close(fd_);
  }
  Status Write(const uint8_t* data, int64_t size) override {
    while (size > 0) {
      const int64_t n = std::min<int64_t>(size, kChunk);
      std::unique_lock<std::mutex> lock(mu_);
      space_.wait(lock, [&] { return pending_bytes_ + n <= kMaxPending || !error_.ok(); });
      if (!error_.ok()) return error_;
      queue_.emplace_back(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
      pending_bytes_ += n;
      lock.unlock();
      work_.notify_one();
      data += n;
      size -= n;
    }
    return Status::OK();
  }
  Status Close() {
    Stop();
    if (!error_.ok()) return error_;
    if (::fsync(fd_) != 0) {
      return Status::IOError("parquet: fsync '" + path_ + "': " + std::strerror(errno));
    }
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
      return Status::IOError("parquet: closing '" + path_ + "': " + std::strerror(errno));
    }
    return Status::OK();
  }

 private:
  static constexpr int64_t kChunk = int64_t{4} << 20;
  static constexpr int64_t kMaxPending = int64_t{32} << 20;

  FileOutputStream(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
    thread_ = std::thread([this] { Run(); });
  }

  // Waits until every queued byte is written (or failed), then ends the thread.
  void Stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    work_.notify_one();
    thread_.join();
  }

  void Run() {
    while (true) {
      std::string chunk;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_.wait(lock, [&] { return !queue_.empty() || stopping_; });
        if (queue_.empty()) return;
        chunk = std::move(queue_.front());
        queue_.pop_front();
      }
      Status st = WriteAll(chunk.data(), static_cast<int64_t>(chunk.size()));
      {
        std::lock_guard<std::mutex> lock(mu_);
        pending_bytes_ -= static_cast<int64_t>(chunk.size());
        if (!st.ok() && error_.ok()) error_ = st;
      }
      space_.notify_all();
    }
  }

  Status WriteAll(const char* data, int64_t size) {
    while (size > 0) {
      const ssize_t n = ::write(fd_, data, static_cast<size_t>(std::min<int64_t>(size, 1 << 30)));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IOError("parquet: writing '" + path_ + "': " + std::strerror(errno));
      }
      data += n;
      size -= n;
    }
    return Status::OK();
  }

  int fd_;
  std::string path_;
  std::mutex mu_;
  std::condition_variable work_;   // queue_ not empty, or stopping_
  std::condition_variable space_;  // pending_bytes_ went down, or an error
  std::deque<std::string> queue_;
  int64_t pending_bytes_ = 0;
  bool stopping_ = false;
  Status error_;
  std::thread thread_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------

class ParquetWriter::Impl {
 public:
  Impl(OutputStream* out, arrow::SchemaPtr schema, WriterOptions options)
      : out_(out), schema_(std::move(schema)), options_(std::move(options)) {}

  Status Init() {
    if (options_.page_bytes <= 0 || options_.row_group_rows <= 0 || options_.row_group_bytes <= 0 ||
        options_.max_statistics_bytes <= 0) {
      return Status::Invalid(
          "parquet: page_bytes, row_group_rows, row_group_bytes and "
          "max_statistics_bytes must be positive");
    }
    SchemaElement root;
    root.name = "schema";
    root.num_children = schema_->num_fields();
    elements_.push_back(root);
    SchemaBuilder builder(options_.type_mapping, &elements_, &leaves_);
    for (int i = 0; i < schema_->num_fields(); ++i) {
      std::vector<const Node*> path;
      std::vector<std::string> names;
      LF_ASSIGN_OR_RETURN(auto node,
                          builder.Add(*schema_->field(i), i, 0, 0, &path, &names, false, "", 0));
      roots_.push_back(std::move(node));
    }
    element_fields_ = builder.TakeElementFields();
    for (LeafInfo& leaf : leaves_) writers_.push_back(MakeLeafWriter(&leaf, options_));
    return Write(reinterpret_cast<const uint8_t*>("PAR1"), 4);
  }

  Status WriteBatch(const arrow::RecordBatch& batch) {
    if (closed_) return Status::Invalid("parquet: WriteBatch after Close");
    if (!status_.ok()) return status_;
    Status st = DoWriteBatch(batch);
    if (!st.ok()) status_ = st;
    return st;
  }

  Status DoWriteBatch(const arrow::RecordBatch& batch) {
    if (batch.num_columns() != schema_->num_fields()) {
      return Status::Invalid("parquet: batch has " + std::to_string(batch.num_columns()) +
                             " columns, the schema " + std::to_string(schema_->num_fields()));
    }
    for (int i = 0; i < batch.num_columns(); ++i) {
      if (!batch.column(i)->type->Equals(*schema_->field(i)->type)) {
        return Status::Invalid("parquet: column '" + schema_->field(i)->name + "' has type " +
                               batch.column(i)->type->ToString() + ", the schema " +
                               schema_->field(i)->type->ToString());
      }
      if (batch.column(i)->length != batch.num_rows()) {
        return Status::Invalid("parquet: column '" + schema_->field(i)->name +
                               "' length differs from the batch's row count");
      }
    }
    int64_t row = 0;
    while (row < batch.num_rows()) {
      const int64_t room = options_.row_group_rows - group_rows_;
      const int64_t n = std::min({batch.num_rows() - row, room, rows_per_step_});
      for (int c = 0; c < static_cast<int>(roots_.size()); ++c) {
        LF_RETURN_NOT_OK(
            WriteColumnRange(*roots_[static_cast<size_t>(c)], *batch.column(c), row, n));
      }
      row += n;
      group_rows_ += n;
      int64_t buffered = 0;
      int64_t biggest_page = 0;
      for (auto& w : writers_) {
        LF_RETURN_NOT_OK(w->MaybeFlushPage());
        buffered += w->chunk_bytes();
        biggest_page = std::max(biggest_page, w->page_bytes_estimate());
      }
      // Aim for about 4 row steps per page of the widest column.
      if (biggest_page > 0) {
        const int64_t per_row = std::max<int64_t>(1, biggest_page / std::max<int64_t>(1, n));
        rows_per_step_ = std::clamp<int64_t>(options_.page_bytes / 4 / per_row, 1, 65536);
      }
      if (group_rows_ >= options_.row_group_rows || buffered >= options_.row_group_bytes) {
        LF_RETURN_NOT_OK(FlushRowGroup());
      }
    }
    return Status::OK();
  }

  Status WriteColumnRange(const Node& root, const ArrayData& column, int64_t start, int64_t n) {
    std::vector<const Node*> stack{&root};
    // Every leaf below this root walks the column on its own.
    return ForEachLeaf(root, [&](int leaf) -> Status {
      return Walk(leaves_[static_cast<size_t>(leaf)], 0, column, start, n, 0, 0, 0,
                  writers_[static_cast<size_t>(leaf)].get());
    });
  }

  template <typename F>
  Status ForEachLeaf(const Node& node, F&& f) {
    if (node.kind == Node::kLeaf) return f(node.leaf_index);
    for (const auto& c : node.children) LF_RETURN_NOT_OK(ForEachLeaf(*c, f));
    return Status::OK();
  }

  Status FlushRowGroup() {
    if (group_rows_ == 0) return Status::OK();
    format::RowGroup g;
    g.num_rows = group_rows_;
    g.file_offset = position_;
    int64_t compressed = 0;
    for (auto& w : writers_) {
      LF_ASSIGN_OR_RETURN(ChunkResult chunk, w->FinishChunk());
      format::ColumnChunk& c = g.columns.emplace_back();
      const int64_t start = position_;
      c.file_offset = start;
      chunk.meta.data_page_offset = start + chunk.dictionary_page_bytes;
      if (chunk.dictionary_page_bytes > 0) chunk.meta.dictionary_page_offset = start;
      for (const std::string& piece : chunk.pieces) {
        LF_RETURN_NOT_OK(Write(reinterpret_cast<const uint8_t*>(piece.data()),
                               static_cast<int64_t>(piece.size())));
      }
      g.total_byte_size += chunk.meta.total_uncompressed_size;
      compressed += chunk.meta.total_compressed_size;
      c.meta_data = std::move(chunk.meta);
    }
    g.total_compressed_size = compressed;
    g.ordinal = static_cast<int16_t>(std::min<size_t>(metadata_.row_groups.size(), 32767));
    metadata_.num_rows += group_rows_;
    metadata_.row_groups.push_back(std::move(g));
    group_rows_ = 0;
    return Status::OK();
  }

  Result<FileSummary> Close() {
    if (closed_) return Status::Invalid("parquet: Close called twice");
    if (!status_.ok()) return status_;
    closed_ = true;
    LF_RETURN_NOT_OK(FlushRowGroup());
    metadata_.version = 2;
    metadata_.schema = elements_;
    metadata_.created_by = options_.created_by;
    for (const auto& [k, v] : options_.key_value_metadata) {
      metadata_.key_value_metadata.push_back({k, v});
    }
    metadata_.num_type_defined_column_orders = static_cast<int32_t>(leaves_.size());
    std::string footer;
    format::Serialize(metadata_, &footer);
    const uint32_t len = static_cast<uint32_t>(footer.size());
    footer.append(reinterpret_cast<const char*>(&len), 4);
    footer.append("PAR1");
    LF_RETURN_NOT_OK(Write(reinterpret_cast<const uint8_t*>(footer.data()),
                           static_cast<int64_t>(footer.size())));
    FileSummary summary;
    summary.num_rows = metadata_.num_rows;
    summary.num_row_groups = static_cast<int64_t>(metadata_.row_groups.size());
    summary.file_size = position_;
    for (size_t i = 0; i < leaves_.size(); ++i) {
      writers_[i]->FinishFileStatistics();
      summary.columns.push_back(leaves_[i].stats);
    }
    return summary;
  }

  int64_t rows_written() const { return metadata_.num_rows + group_rows_; }
  int64_t position() const { return position_; }

 private:
  Status Write(const uint8_t* data, int64_t n) {
    LF_RETURN_NOT_OK(out_->Write(data, n));
    position_ += n;
    return Status::OK();
  }

  OutputStream* out_;
  arrow::SchemaPtr schema_;
  WriterOptions options_;
  std::vector<SchemaElement> elements_;
  std::vector<LeafInfo> leaves_;
  std::vector<std::unique_ptr<Node>> roots_;
  std::vector<std::shared_ptr<Field>> element_fields_;
  std::vector<std::unique_ptr<LeafWriter>> writers_;
  format::FileMetaData metadata_;
  int64_t group_rows_ = 0;
  int64_t rows_per_step_ = 1024;
  int64_t position_ = 0;
  bool closed_ = false;
  Status status_;

 public:
  std::unique_ptr<FileOutputStream> owned_file_;
};

ParquetWriter::ParquetWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParquetWriter::~ParquetWriter() = default;

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Open(OutputStream* out,
                                                           arrow::SchemaPtr schema,
                                                           WriterOptions options) {
  auto impl = std::make_unique<Impl>(out, std::move(schema), std::move(options));
  LF_RETURN_NOT_OK(impl->Init());
  return std::unique_ptr<ParquetWriter>(new ParquetWriter(std::move(impl)));
}

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Open(const std::string& path,
                                                           arrow::SchemaPtr schema,
                                                           WriterOptions options) {
  LF_ASSIGN_OR_RETURN(auto file, FileOutputStream::Open(path));
  auto impl = std::make_unique<Impl>(file.get(), std::move(schema), std::move(options));
  impl->owned_file_ = std::move(file);
  LF_RETURN_NOT_OK(impl->Init());
  return std::unique_ptr<ParquetWriter>(new ParquetWriter(std::move(impl)));
}

Status ParquetWriter::WriteBatch(const arrow::RecordBatch& batch) {
  return impl_->WriteBatch(batch);
}

Result<FileSummary> ParquetWriter::Close() {
  LF_ASSIGN_OR_RETURN(FileSummary summary, impl_->Close());
  if (impl_->owned_file_) LF_RETURN_NOT_OK(impl_->owned_file_->Close());
  return summary;
}

int64_t ParquetWriter::num_rows_written() const { return impl_->rows_written(); }
int64_t ParquetWriter::bytes_written() const { return impl_->position(); }

Result<BufferPtr> WriteParquet(const arrow::SchemaPtr& schema,
                               const std::vector<arrow::RecordBatchPtr>& batches,
                               WriterOptions options, FileSummary* summary) {
  arrow::ipc::BufferOutputStream out;
  LF_ASSIGN_OR_RETURN(auto writer, ParquetWriter::Open(&out, schema, std::move(options)));
  for (const auto& b : batches) LF_RETURN_NOT_OK(writer->WriteBatch(*b));
  LF_ASSIGN_OR_RETURN(FileSummary s, writer->Close());
  if (summary) *summary = std::move(s);
  return out.Finish();
}

}  // namespace lanceflow::parquet
