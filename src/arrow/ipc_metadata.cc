#include "ipc_metadata.h"

#include <string>
#include <utility>

#include "ipc_flatbuf.h"

namespace lanceflow::arrow::ipc {
namespace {

// Union discriminants and vtable slots of the Arrow flatbuffer schema (format/*.fbs).
namespace type_tag {
constexpr uint8_t kNull = 1, kInt = 2, kFloatingPoint = 3, kBinary = 4, kUtf8 = 5, kBool = 6,
                  kDecimal = 7, kDate = 8, kTime = 9, kTimestamp = 10, kInterval = 11, kList = 12,
                  kStruct = 13, kUnion = 14, kFixedSizeBinary = 15, kFixedSizeList = 16, kMap = 17,
                  kDuration = 18, kLargeBinary = 19, kLargeUtf8 = 20, kLargeList = 21,
                  kRunEndEncoded = 22, kBinaryView = 23, kUtf8View = 24, kListView = 25,
                  kLargeListView = 26;
}  // namespace type_tag

namespace header_tag {
constexpr uint8_t kSchema = 1, kDictionaryBatch = 2, kRecordBatch = 3, kTensor = 4,
                  kSparseTensor = 5;
}  // namespace header_tag

constexpr int16_t kMetadataV4 = 3;
constexpr int16_t kMetadataV5 = 4;

// Message
constexpr int kMessageVersion = 0, kMessageHeaderType = 1, kMessageHeader = 2,
              kMessageBodyLength = 3;
// Schema
constexpr int kSchemaEndianness = 0, kSchemaFields = 1, kSchemaMetadata = 2;
// Field
constexpr int kFieldName = 0, kFieldNullable = 1, kFieldTypeType = 2, kFieldType = 3,
              kFieldDictionary = 4, kFieldChildren = 5, kFieldMetadata = 6;
// DictionaryEncoding
constexpr int kDictEncId = 0, kDictEncIndexType = 1, kDictEncOrdered = 2, kDictEncKind = 3;
// KeyValue
constexpr int kKey = 0, kValue = 1;
// RecordBatch
constexpr int kBatchLength = 0, kBatchNodes = 1, kBatchBuffers = 2, kBatchCompression = 3,
              kBatchVariadicCounts = 4;
// BodyCompression
constexpr int kCompressionCodec = 0, kCompressionMethod = 1;
// DictionaryBatch
constexpr int kDictBatchId = 0, kDictBatchData = 1, kDictBatchIsDelta = 2;
// Footer
constexpr int kFooterVersion = 0, kFooterSchema = 1, kFooterDictionaries = 2,
              kFooterRecordBatches = 3, kFooterMetadata = 4;

constexpr int64_t kFieldNodeSize = 16;
constexpr int64_t kBufferSize = 16;
constexpr int64_t kBlockSize = 24;

std::string Quote(const std::string& path) { return "field '" + path + "'"; }

// ---------------------------------------------------------------------------------------------
// Reading

// Several offsets may point to one flatbuffer table or string, so a few hundred bytes can
// describe a schema with an exponential number of fields, or copy one long string a million
// times. Metadata from real writers holds each field and string once (a writer deduplicating
// strings at most repeats short names), so what is parsed stays within a small multiple of the
// buffer size; the budget enforces that and keeps parsing linear in the input.
class ParseBudget {
 public:
  explicit ParseBudget(int64_t buffer_size)
      : buffer_size_(buffer_size), remaining_(4 * buffer_size + 65536) {}
  Status Charge(int64_t n) {
    if (n > remaining_) {
      return Status::Corrupt("the " + std::to_string(buffer_size_) +
                             "-byte metadata describes far more fields and strings than it holds "
                             "(objects referenced repeatedly)");
    }
    remaining_ -= n;
    return Status::OK();
  }

 private:
  int64_t buffer_size_;
  int64_t remaining_;
};

Result<KeyValueMetadata> ParseMetadata(const fb::Table& table, int slot, ParseBudget* budget) {
  LF_ASSIGN_OR_RETURN(fb::Vector vec, table.VectorOf(slot, 4));
  KeyValueMetadata out;
  out.reserve(static_cast<size_t>(vec.size()));
  for (int64_t i = 0; i < vec.size(); ++i) {
    LF_ASSIGN_OR_RETURN(fb::Table kv, vec.TableAt(i));
    LF_ASSIGN_OR_RETURN(auto key, kv.String(kKey));
    LF_ASSIGN_OR_RETURN(auto value, kv.String(kValue));
    std::string_view k = key.value_or(""), v = value.value_or("");
    LF_RETURN_NOT_OK(budget->Charge(8 + static_cast<int64_t>(k.size() + v.size())));
    out.emplace_back(std::string(k), std::string(v));
  }
  return out;
}

Result<TimeUnit> ParseTimeUnit(int16_t unit, const std::string& path) {
  switch (unit) {
    case 0:
      return TimeUnit::kSecond;
    case 1:
      return TimeUnit::kMilli;
    case 2:
      return TimeUnit::kMicro;
    case 3:
      return TimeUnit::kNano;
    default:
      return Status::Corrupt(Quote(path) + ": unknown time unit " + std::to_string(unit));
  }
}

Result<DataTypePtr> ParseIntType(const fb::Table& t, const std::string& path) {
  LF_ASSIGN_OR_RETURN(int32_t bits, t.Scalar<int32_t>(0, 0));
  LF_ASSIGN_OR_RETURN(bool is_signed, t.Scalar<uint8_t>(1, 0));
  switch (bits) {
    case 8:
      return is_signed ? int8() : uint8();
    case 16:
      return is_signed ? int16() : uint16();
    case 32:
      return is_signed ? int32() : uint32();
    case 64:
      return is_signed ? int64() : uint64();
    default:
      return Status::Corrupt(Quote(path) + ": integer bit width " + std::to_string(bits) +
                             " is not 8, 16, 32 or 64");
  }
}

const char* TypeTagName(uint8_t tag) {
  switch (tag) {
    case type_tag::kInterval:
      return "interval";
    case type_tag::kUnion:
      return "union";
    case type_tag::kMap:
      return "map";
    case type_tag::kRunEndEncoded:
      return "run_end_encoded";
    case type_tag::kBinaryView:
      return "binary_view";
    case type_tag::kUtf8View:
      return "string_view";
    case type_tag::kListView:
      return "list_view";
    case type_tag::kLargeListView:
      return "large_list_view";
    default:
      return nullptr;
  }
}

class SchemaParser {
 public:
  SchemaParser(const ReadOptions& options, SchemaInfo* info, ParseBudget* budget)
      : options_(options), info_(info), budget_(budget) {}

  Result<FieldPtr> ParseField(const fb::Table& t, const std::string& parent, int depth,
                              DictIdNode* ids) {
    LF_ASSIGN_OR_RETURN(auto name_opt, t.String(kFieldName));
    std::string name(name_opt.value_or(""));
    LF_RETURN_NOT_OK(budget_->Charge(8 + static_cast<int64_t>(name.size())));
    std::string path = parent.empty() ? name : parent + "." + name;
    if (depth > options_.max_nesting_depth) {
      return Status::Corrupt(Quote(path) + ": fields nested deeper than " +
                             std::to_string(options_.max_nesting_depth) + " levels");
    }
    LF_ASSIGN_OR_RETURN(bool nullable, t.Scalar<uint8_t>(kFieldNullable, 0));
    LF_ASSIGN_OR_RETURN(KeyValueMetadata metadata, ParseMetadata(t, kFieldMetadata, budget_));

    LF_ASSIGN_OR_RETURN(fb::Vector children_vec, t.VectorOf(kFieldChildren, 4));
    std::vector<FieldPtr> children;
    children.reserve(static_cast<size_t>(children_vec.size()));
    ids->children.resize(static_cast<size_t>(children_vec.size()));
    for (int64_t i = 0; i < children_vec.size(); ++i) {
      LF_ASSIGN_OR_RETURN(fb::Table child, children_vec.TableAt(i));
      LF_ASSIGN_OR_RETURN(
          FieldPtr f, ParseField(child, path, depth + 1, &ids->children[static_cast<size_t>(i)]));
      children.push_back(std::move(f));
    }

    LF_ASSIGN_OR_RETURN(uint8_t tag, t.Scalar<uint8_t>(kFieldTypeType, 0));
    LF_ASSIGN_OR_RETURN(auto type_table, t.SubTable(kFieldType));
    if (tag == 0 || !type_table) return Status::Corrupt(Quote(path) + ": no type");
    LF_ASSIGN_OR_RETURN(DataTypePtr type, ParseType(tag, *type_table, std::move(children), path));

    LF_ASSIGN_OR_RETURN(auto dict_table, t.SubTable(kFieldDictionary));
    if (dict_table) {
      LF_ASSIGN_OR_RETURN(int64_t id, dict_table->Scalar<int64_t>(kDictEncId, 0));
      LF_ASSIGN_OR_RETURN(bool ordered, dict_table->Scalar<uint8_t>(kDictEncOrdered, 0));
      LF_ASSIGN_OR_RETURN(int16_t kind, dict_table->Scalar<int16_t>(kDictEncKind, 0));
      if (kind != 0) {
        return Status::NotImplemented(Quote(path) + ": dictionary kind " + std::to_string(kind));
      }
      DataTypePtr index_type = int32();
      LF_ASSIGN_OR_RETURN(auto index_table, dict_table->SubTable(kDictEncIndexType));
      if (index_table) {
        LF_ASSIGN_OR_RETURN(index_type, ParseIntType(*index_table, path));
      }
      if (id < 0) {
        return Status::Corrupt(Quote(path) + ": negative dictionary id " + std::to_string(id));
      }
      if (info_->dictionaries.count(id) != 0) {
        return Status::Corrupt(Quote(path) + ": dictionary id " + std::to_string(id) +
                               " is used by more than one field");
      }
      info_->dictionaries[id] = DictionaryInfo{type, ids->children};
      ids->id = id;
      type = dictionary(std::move(index_type), std::move(type), ordered);
    }
    return MakeField(std::move(name), std::move(type), nullable, std::move(metadata));
  }

 private:
  Result<DataTypePtr> ParseType(uint8_t tag, const fb::Table& t, std::vector<FieldPtr> children,
                                const std::string& path) {
    auto expect_children = [&](size_t n, const char* what) -> Status {
      if (children.size() != n) {
        return Status::Corrupt(Quote(path) + ": " + what + " type has " +
                               std::to_string(children.size()) + " children, expected " +
                               std::to_string(n));
      }
      return Status::OK();
    };
    switch (tag) {
      case type_tag::kNull:
        LF_RETURN_NOT_OK(expect_children(0, "null"));
        return null();
      case type_tag::kBool:
        LF_RETURN_NOT_OK(expect_children(0, "bool"));
        return boolean();
      case type_tag::kInt:
        LF_RETURN_NOT_OK(expect_children(0, "integer"));
        return ParseIntType(t, path);
      case type_tag::kFloatingPoint: {
        LF_RETURN_NOT_OK(expect_children(0, "floating point"));
        LF_ASSIGN_OR_RETURN(int16_t precision, t.Scalar<int16_t>(0, 0));
        switch (precision) {
          case 0:
            return float16();
          case 1:
            return float32();
          case 2:
            return float64();
          default:
            return Status::Corrupt(Quote(path) + ": unknown floating point precision " +
                                   std::to_string(precision));
        }
      }
      case type_tag::kBinary:
        LF_RETURN_NOT_OK(expect_children(0, "binary"));
        return binary();
      case type_tag::kUtf8:
        LF_RETURN_NOT_OK(expect_children(0, "utf8"));
        return utf8();
      case type_tag::kLargeBinary:
        LF_RETURN_NOT_OK(expect_children(0, "large binary"));
        return large_binary();
      case type_tag::kLargeUtf8:
        LF_RETURN_NOT_OK(expect_children(0, "large utf8"));
        return large_utf8();
      case type_tag::kFixedSizeBinary: {
        LF_RETURN_NOT_OK(expect_children(0, "fixed size binary"));
        LF_ASSIGN_OR_RETURN(int32_t width, t.Scalar<int32_t>(0, 0));
        if (width < 0) {
          return Status::Corrupt(Quote(path) + ": negative fixed size binary width " +
                                 std::to_string(width));
        }
        return fixed_size_binary(width);
      }
      case type_tag::kDecimal: {
        LF_RETURN_NOT_OK(expect_children(0, "decimal"));
        LF_ASSIGN_OR_RETURN(int32_t precision, t.Scalar<int32_t>(0, 0));
        LF_ASSIGN_OR_RETURN(int32_t scale, t.Scalar<int32_t>(1, 0));
        LF_ASSIGN_OR_RETURN(int32_t bits, t.Scalar<int32_t>(2, 128));
        int32_t max_precision = bits == 128 ? 38 : bits == 256 ? 76 : 0;
        if (max_precision == 0) {
          return Status::NotImplemented(Quote(path) + ": decimal of " + std::to_string(bits) +
                                        " bits");
        }
        if (precision < 1 || precision > max_precision) {
          return Status::Corrupt(Quote(path) + ": decimal" + std::to_string(bits) + " precision " +
                                 std::to_string(precision) + " outside 1.." +
                                 std::to_string(max_precision));
        }
        return bits == 128 ? decimal128(precision, scale) : decimal256(precision, scale);
      }
      case type_tag::kDate: {
        LF_RETURN_NOT_OK(expect_children(0, "date"));
        LF_ASSIGN_OR_RETURN(int16_t unit, t.Scalar<int16_t>(0, 1));
        if (unit == 0) return date32();
        if (unit == 1) return date64();
        return Status::Corrupt(Quote(path) + ": unknown date unit " + std::to_string(unit));
      }
      case type_tag::kTime: {
        LF_RETURN_NOT_OK(expect_children(0, "time"));
        LF_ASSIGN_OR_RETURN(int16_t unit_raw, t.Scalar<int16_t>(0, 1));
        LF_ASSIGN_OR_RETURN(int32_t bits, t.Scalar<int32_t>(1, 32));
        LF_ASSIGN_OR_RETURN(TimeUnit unit, ParseTimeUnit(unit_raw, path));
        bool small = unit == TimeUnit::kSecond || unit == TimeUnit::kMilli;
        if (small && bits == 32) return time32(unit);
        if (!small && bits == 64) return time64(unit);
        return Status::Corrupt(Quote(path) + ": time in " + TimeUnitName(unit) + " with " +
                               std::to_string(bits) + " bits");
      }
      case type_tag::kTimestamp: {
        LF_RETURN_NOT_OK(expect_children(0, "timestamp"));
        LF_ASSIGN_OR_RETURN(int16_t unit_raw, t.Scalar<int16_t>(0, 0));
        LF_ASSIGN_OR_RETURN(TimeUnit unit, ParseTimeUnit(unit_raw, path));
        LF_ASSIGN_OR_RETURN(auto tz, t.String(1));
        LF_RETURN_NOT_OK(budget_->Charge(static_cast<int64_t>(tz.value_or("").size())));
        return timestamp(unit, std::string(tz.value_or("")));
      }
      case type_tag::kDuration: {
        LF_RETURN_NOT_OK(expect_children(0, "duration"));
        LF_ASSIGN_OR_RETURN(int16_t unit_raw, t.Scalar<int16_t>(0, 1));
        LF_ASSIGN_OR_RETURN(TimeUnit unit, ParseTimeUnit(unit_raw, path));
        return duration(unit);
      }
      case type_tag::kList:
        LF_RETURN_NOT_OK(expect_children(1, "list"));
        return list(std::move(children[0]));
      case type_tag::kLargeList:
        LF_RETURN_NOT_OK(expect_children(1, "large list"));
        return large_list(std::move(children[0]));
      case type_tag::kFixedSizeList: {
        LF_RETURN_NOT_OK(expect_children(1, "fixed size list"));
        LF_ASSIGN_OR_RETURN(int32_t size, t.Scalar<int32_t>(0, 0));
        if (size < 0) {
          return Status::Corrupt(Quote(path) + ": negative fixed size list size " +
                                 std::to_string(size));
        }
        return fixed_size_list(std::move(children[0]), size);
      }
      case type_tag::kStruct:
        return struct_(std::move(children));
      default:
        if (const char* name = TypeTagName(tag)) {
          return Status::NotImplemented(Quote(path) + ": Arrow type " + name + " is not supported");
        }
        return Status::Corrupt(Quote(path) + ": unknown type tag " + std::to_string(tag));
    }
  }

  const ReadOptions& options_;
  SchemaInfo* info_;
  ParseBudget* budget_;
};

Result<SchemaInfo> ParseSchema(const fb::Table& t, const ReadOptions& options,
                               ParseBudget* budget) {
  SchemaInfo info;
  LF_ASSIGN_OR_RETURN(int16_t endianness, t.Scalar<int16_t>(kSchemaEndianness, 0));
  if (endianness != 0) {
    return Status::NotImplemented("schema: big-endian data is not supported");
  }
  LF_ASSIGN_OR_RETURN(fb::Vector fields_vec, t.VectorOf(kSchemaFields, 4));
  LF_ASSIGN_OR_RETURN(KeyValueMetadata metadata, ParseMetadata(t, kSchemaMetadata, budget));
  std::vector<FieldPtr> fields;
  fields.reserve(static_cast<size_t>(fields_vec.size()));
  info.field_ids.resize(static_cast<size_t>(fields_vec.size()));
  SchemaParser parser(options, &info, budget);
  for (int64_t i = 0; i < fields_vec.size(); ++i) {
    LF_ASSIGN_OR_RETURN(fb::Table ft, fields_vec.TableAt(i));
    LF_ASSIGN_OR_RETURN(FieldPtr f,
                        parser.ParseField(ft, "", 1, &info.field_ids[static_cast<size_t>(i)]));
    fields.push_back(std::move(f));
  }
  info.schema = std::make_shared<Schema>(std::move(fields), std::move(metadata));
  return info;
}

Result<RecordBatchMeta> ParseRecordBatch(const fb::Table& t) {
  RecordBatchMeta meta;
  LF_ASSIGN_OR_RETURN(meta.length, t.Scalar<int64_t>(kBatchLength, 0));
  if (meta.length < 0) {
    return Status::Corrupt("negative row count " + std::to_string(meta.length));
  }
  LF_ASSIGN_OR_RETURN(fb::Vector nodes, t.VectorOf(kBatchNodes, kFieldNodeSize));
  meta.nodes.resize(static_cast<size_t>(nodes.size()));
  for (int64_t i = 0; i < nodes.size(); ++i) {
    const uint8_t* p = nodes.ElementBytes(i);
    meta.nodes[static_cast<size_t>(i)] = {fb::LoadScalar<int64_t>(p),
                                          fb::LoadScalar<int64_t>(p + 8)};
  }
  LF_ASSIGN_OR_RETURN(fb::Vector buffers, t.VectorOf(kBatchBuffers, kBufferSize));
  meta.buffers.resize(static_cast<size_t>(buffers.size()));
  for (int64_t i = 0; i < buffers.size(); ++i) {
    const uint8_t* p = buffers.ElementBytes(i);
    meta.buffers[static_cast<size_t>(i)] = {fb::LoadScalar<int64_t>(p),
                                            fb::LoadScalar<int64_t>(p + 8)};
  }
  LF_ASSIGN_OR_RETURN(auto compression, t.SubTable(kBatchCompression));
  if (compression) {
    LF_ASSIGN_OR_RETURN(int8_t codec, compression->Scalar<int8_t>(kCompressionCodec, 0));
    LF_ASSIGN_OR_RETURN(int8_t method, compression->Scalar<int8_t>(kCompressionMethod, 0));
    if (method != 0) {
      return Status::NotImplemented("body compression method " + std::to_string(method));
    }
    if (codec == 0) {
      meta.compression = Compression::kLz4Frame;
    } else if (codec == 1) {
      meta.compression = Compression::kZstd;
    } else {
      return Status::Corrupt("unknown compression codec " + std::to_string(codec));
    }
  }
  LF_ASSIGN_OR_RETURN(fb::Vector variadic, t.VectorOf(kBatchVariadicCounts, 8));
  if (variadic.size() != 0) {
    return Status::Corrupt("variadic buffer counts given but no field has a view type");
  }
  return meta;
}

Status CheckVersion(int16_t version) {
  if (version < kMetadataV4) {
    return Status::NotImplemented("metadata version V" + std::to_string(version + 1) +
                                  " is older than V4 (Arrow 0.8)");
  }
  if (version > kMetadataV5) {
    return Status::NotImplemented("metadata version V" + std::to_string(version + 1) +
                                  " is newer than V5");
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Writing

using Ref = fb::Builder::Ref;

Ref WriteMetadata(fb::Builder* b, const KeyValueMetadata& metadata) {
  std::vector<Ref> kvs;
  for (const auto& [key, value] : metadata) {
    fb::Builder::TableDef kv;
    kv.AddRef(kKey, b->AddString(key));
    kv.AddRef(kValue, b->AddString(value));
    kvs.push_back(b->AddTable(std::move(kv)));
  }
  return b->AddRefVector(kvs);
}

Ref WriteIntType(fb::Builder* b, const DataType& type) {
  fb::Builder::TableDef t;
  t.AddScalar<int32_t>(0, type.bit_width());
  t.AddScalar<uint8_t>(1, type.is_signed_integer() ? 1 : 0);
  return b->AddTable(std::move(t));
}

int16_t TimeUnitCode(TimeUnit unit) { return static_cast<int16_t>(unit); }

// Returns the union tag and the type table of a non-dictionary type.
std::pair<uint8_t, Ref> WriteType(fb::Builder* b, const DataType& type) {
  fb::Builder::TableDef t;
  uint8_t tag = 0;
  switch (type.id()) {
    case TypeId::kNull:
      tag = type_tag::kNull;
      break;
    case TypeId::kBool:
      tag = type_tag::kBool;
      break;
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64:
      return {type_tag::kInt, WriteIntType(b, type)};
    case TypeId::kFloat16:
      tag = type_tag::kFloatingPoint;
      t.AddScalar<int16_t>(0, 0);
      break;
    case TypeId::kFloat32:
      tag = type_tag::kFloatingPoint;
      t.AddScalar<int16_t>(0, 1);
      break;
    case TypeId::kFloat64:
      tag = type_tag::kFloatingPoint;
      t.AddScalar<int16_t>(0, 2);
      break;
    case TypeId::kUtf8:
      tag = type_tag::kUtf8;
      break;
    case TypeId::kLargeUtf8:
      tag = type_tag::kLargeUtf8;
      break;
    case TypeId::kBinary:
      tag = type_tag::kBinary;
      break;
    case TypeId::kLargeBinary:
      tag = type_tag::kLargeBinary;
      break;
    case TypeId::kFixedSizeBinary:
      tag = type_tag::kFixedSizeBinary;
      t.AddScalar<int32_t>(0, type.fixed_size());
      break;
    case TypeId::kDate32:
      tag = type_tag::kDate;
      t.AddScalar<int16_t>(0, 0);
      break;
    case TypeId::kDate64:
      tag = type_tag::kDate;
      t.AddScalar<int16_t>(0, 1);
      break;
    case TypeId::kTime32:
      tag = type_tag::kTime;
      t.AddScalar<int16_t>(0, TimeUnitCode(type.unit()));
      t.AddScalar<int32_t>(1, 32);
      break;
    case TypeId::kTime64:
      tag = type_tag::kTime;
      t.AddScalar<int16_t>(0, TimeUnitCode(type.unit()));
      t.AddScalar<int32_t>(1, 64);
      break;
    case TypeId::kTimestamp:
      tag = type_tag::kTimestamp;
      t.AddScalar<int16_t>(0, TimeUnitCode(type.unit()));
      if (!type.timezone().empty()) t.AddRef(1, b->AddString(type.timezone()));
      break;
    case TypeId::kDuration:
      tag = type_tag::kDuration;
      t.AddScalar<int16_t>(0, TimeUnitCode(type.unit()));
      break;
    case TypeId::kDecimal128:
    case TypeId::kDecimal256:
      tag = type_tag::kDecimal;
      t.AddScalar<int32_t>(0, type.precision());
      t.AddScalar<int32_t>(1, type.scale());
      t.AddScalar<int32_t>(2, type.id() == TypeId::kDecimal128 ? 128 : 256);
      break;
    case TypeId::kStruct:
      tag = type_tag::kStruct;
      break;
    case TypeId::kList:
      tag = type_tag::kList;
      break;
    case TypeId::kLargeList:
      tag = type_tag::kLargeList;
      break;
    case TypeId::kFixedSizeList:
      tag = type_tag::kFixedSizeList;
      t.AddScalar<int32_t>(0, type.fixed_size());
      break;
    case TypeId::kDictionary:
      break;  // handled by WriteField
  }
  return {tag, b->AddTable(std::move(t))};
}

Ref WriteField(fb::Builder* b, const Field& field, const DictIdNode& ids) {
  const DataType* type = field.type.get();
  Ref dict_ref = -1;
  if (type->id() == TypeId::kDictionary) {
    fb::Builder::TableDef d;
    d.AddScalar<int64_t>(kDictEncId, ids.id);
    d.AddRef(kDictEncIndexType, WriteIntType(b, *type->index_type()));
    d.AddScalar<uint8_t>(kDictEncOrdered, type->dictionary_ordered() ? 1 : 0);
    dict_ref = b->AddTable(std::move(d));
    type = type->value_type().get();
  }
  std::vector<Ref> children;
  for (size_t i = 0; i < type->children().size(); ++i) {
    children.push_back(WriteField(b, *type->children()[i], ids.children[i]));
  }
  auto [tag, type_ref] = WriteType(b, *type);
  fb::Builder::TableDef f;
  f.AddRef(kFieldName, b->AddString(field.name));
  f.AddScalar<uint8_t>(kFieldNullable, field.nullable ? 1 : 0);
  f.AddScalar<uint8_t>(kFieldTypeType, tag);
  f.AddRef(kFieldType, type_ref);
  if (dict_ref >= 0) f.AddRef(kFieldDictionary, dict_ref);
  f.AddRef(kFieldChildren, b->AddRefVector(children));
  if (!field.metadata.empty()) f.AddRef(kFieldMetadata, WriteMetadata(b, field.metadata));
  return b->AddTable(std::move(f));
}

Ref WriteSchema(fb::Builder* b, const SchemaInfo& info) {
  std::vector<Ref> fields;
  for (int i = 0; i < info.schema->num_fields(); ++i) {
    fields.push_back(WriteField(b, *info.schema->field(i), info.field_ids[static_cast<size_t>(i)]));
  }
  fb::Builder::TableDef s;
  s.AddScalar<int16_t>(kSchemaEndianness, 0);
  s.AddRef(kSchemaFields, b->AddRefVector(fields));
  if (!info.schema->metadata().empty()) {
    s.AddRef(kSchemaMetadata, WriteMetadata(b, info.schema->metadata()));
  }
  return b->AddTable(std::move(s));
}

Ref WriteRecordBatch(fb::Builder* b, const RecordBatchMeta& meta) {
  std::vector<int64_t> nodes;
  for (const auto& n : meta.nodes) {
    nodes.push_back(n.length);
    nodes.push_back(n.null_count);
  }
  std::vector<int64_t> buffers;
  for (const auto& buf : meta.buffers) {
    buffers.push_back(buf.offset);
    buffers.push_back(buf.length);
  }
  fb::Builder::TableDef t;
  t.AddScalar<int64_t>(kBatchLength, meta.length);
  t.AddRef(kBatchNodes, b->AddInlineVector(nodes.data(), static_cast<int64_t>(meta.nodes.size()),
                                           kFieldNodeSize, 8));
  t.AddRef(kBatchBuffers,
           b->AddInlineVector(buffers.data(), static_cast<int64_t>(meta.buffers.size()),
                              kBufferSize, 8));
  if (meta.compression != Compression::kNone) {
    fb::Builder::TableDef c;
    c.AddScalar<int8_t>(kCompressionCodec, meta.compression == Compression::kLz4Frame ? 0 : 1);
    c.AddScalar<int8_t>(kCompressionMethod, 0);
    t.AddRef(kBatchCompression, b->AddTable(std::move(c)));
  }
  return b->AddTable(std::move(t));
}

std::string FinishMessage(fb::Builder* b, uint8_t header_tag, Ref header, int64_t body_length) {
  fb::Builder::TableDef m;
  m.AddScalar<int16_t>(kMessageVersion, kMetadataV5);
  m.AddScalar<uint8_t>(kMessageHeaderType, header_tag);
  m.AddRef(kMessageHeader, header);
  m.AddScalar<int64_t>(kMessageBodyLength, body_length);
  return b->Finish(b->AddTable(std::move(m)));
}

void AssignIds(const DataType& type, int64_t* next, DictIdNode* node, SchemaInfo* info) {
  const DataType* t = &type;
  if (type.id() == TypeId::kDictionary) {
    node->id = (*next)++;
    t = type.value_type().get();
  }
  node->children.resize(t->children().size());
  for (size_t i = 0; i < t->children().size(); ++i) {
    AssignIds(*t->children()[i]->type, next, &node->children[i], info);
  }
  if (node->id >= 0)
    info->dictionaries[node->id] = DictionaryInfo{type.value_type(), node->children};
}

}  // namespace

Result<MessageMeta> ParseMessage(const uint8_t* data, int64_t size, const ReadOptions& options) {
  LF_ASSIGN_OR_RETURN(fb::Table msg, fb::Table::Root(fb::Bytes{data, size}));
  LF_ASSIGN_OR_RETURN(int16_t version, msg.Scalar<int16_t>(kMessageVersion, 0));
  LF_RETURN_NOT_OK(CheckVersion(version));
  MessageMeta out;
  LF_ASSIGN_OR_RETURN(out.body_length, msg.Scalar<int64_t>(kMessageBodyLength, 0));
  if (out.body_length < 0) {
    return Status::Corrupt("negative body length " + std::to_string(out.body_length));
  }
  LF_ASSIGN_OR_RETURN(uint8_t tag, msg.Scalar<uint8_t>(kMessageHeaderType, 0));
  LF_ASSIGN_OR_RETURN(auto header, msg.SubTable(kMessageHeader));
  if (tag == 0 || !header) return Status::Corrupt("message has no header");
  switch (tag) {
    case header_tag::kSchema: {
      out.kind = MessageKind::kSchema;
      ParseBudget budget(size);
      LF_ASSIGN_OR_RETURN(out.schema, ParseSchema(*header, options, &budget));
      break;
    }
    case header_tag::kRecordBatch: {
      out.kind = MessageKind::kRecordBatch;
      LF_ASSIGN_OR_RETURN(out.batch, ParseRecordBatch(*header));
      break;
    }
    case header_tag::kDictionaryBatch: {
      out.kind = MessageKind::kDictionaryBatch;
      LF_ASSIGN_OR_RETURN(out.dictionary_id, header->Scalar<int64_t>(kDictBatchId, 0));
      LF_ASSIGN_OR_RETURN(out.is_delta, header->Scalar<uint8_t>(kDictBatchIsDelta, 0));
      LF_ASSIGN_OR_RETURN(auto data, header->SubTable(kDictBatchData));
      if (!data) return Status::Corrupt("dictionary batch has no data");
      LF_ASSIGN_OR_RETURN(out.batch, ParseRecordBatch(*data));
      break;
    }
    case header_tag::kTensor:
    case header_tag::kSparseTensor:
      return Status::NotImplemented("tensor messages are not supported");
    default:
      return Status::Corrupt("unknown message type " + std::to_string(tag));
  }
  return out;
}

Result<FooterMeta> ParseFooter(const uint8_t* data, int64_t size, const ReadOptions& options) {
  LF_ASSIGN_OR_RETURN(fb::Table footer, fb::Table::Root(fb::Bytes{data, size}));
  LF_ASSIGN_OR_RETURN(int16_t version, footer.Scalar<int16_t>(kFooterVersion, 0));
  LF_RETURN_NOT_OK(CheckVersion(version));
  FooterMeta out;
  LF_ASSIGN_OR_RETURN(auto schema, footer.SubTable(kFooterSchema));
  if (!schema) return Status::Corrupt("footer has no schema");
  ParseBudget budget(size);
  LF_ASSIGN_OR_RETURN(out.schema, ParseSchema(*schema, options, &budget));
  auto blocks = [&](int slot, std::vector<BlockMeta>* dst) -> Status {
    LF_ASSIGN_OR_RETURN(fb::Vector vec, footer.VectorOf(slot, kBlockSize));
    dst->resize(static_cast<size_t>(vec.size()));
    for (int64_t i = 0; i < vec.size(); ++i) {
      const uint8_t* p = vec.ElementBytes(i);
      (*dst)[static_cast<size_t>(i)] = {fb::LoadScalar<int64_t>(p), fb::LoadScalar<int32_t>(p + 8),
                                        fb::LoadScalar<int64_t>(p + 16)};
    }
    return Status::OK();
  };
  LF_RETURN_NOT_OK(blocks(kFooterDictionaries, &out.dictionaries));
  LF_RETURN_NOT_OK(blocks(kFooterRecordBatches, &out.record_batches));
  LF_ASSIGN_OR_RETURN(out.metadata, ParseMetadata(footer, kFooterMetadata, &budget));
  return out;
}

Result<SchemaInfo> MakeSchemaInfo(SchemaPtr schema) {
  SchemaInfo info;
  int64_t next = 0;
  info.field_ids.resize(static_cast<size_t>(schema->num_fields()));
  for (int i = 0; i < schema->num_fields(); ++i) {
    const FieldPtr& f = schema->field(i);
    if (!f || !f->type)
      return Status::Invalid("schema field " + std::to_string(i) + " has no type");
    AssignIds(*f->type, &next, &info.field_ids[static_cast<size_t>(i)], &info);
  }
  info.schema = std::move(schema);
  return info;
}

std::string SerializeSchemaMessage(const SchemaInfo& info) {
  fb::Builder b;
  Ref schema = WriteSchema(&b, info);
  return FinishMessage(&b, header_tag::kSchema, schema, 0);
}

std::string SerializeRecordBatchMessage(const RecordBatchMeta& batch, int64_t body_length) {
  fb::Builder b;
  Ref rb = WriteRecordBatch(&b, batch);
  return FinishMessage(&b, header_tag::kRecordBatch, rb, body_length);
}

std::string SerializeDictionaryBatchMessage(int64_t id, bool is_delta, const RecordBatchMeta& batch,
                                            int64_t body_length) {
  fb::Builder b;
  Ref rb = WriteRecordBatch(&b, batch);
  fb::Builder::TableDef d;
  d.AddScalar<int64_t>(kDictBatchId, id);
  d.AddRef(kDictBatchData, rb);
  d.AddScalar<uint8_t>(kDictBatchIsDelta, is_delta ? 1 : 0);
  Ref dict = b.AddTable(std::move(d));
  return FinishMessage(&b, header_tag::kDictionaryBatch, dict, body_length);
}

std::string SerializeFooter(const SchemaInfo& info, const std::vector<BlockMeta>& dictionaries,
                            const std::vector<BlockMeta>& record_batches) {
  fb::Builder b;
  Ref schema = WriteSchema(&b, info);
  auto blocks = [&](const std::vector<BlockMeta>& src) {
    std::string bytes(src.size() * kBlockSize, '\0');
    for (size_t i = 0; i < src.size(); ++i) {
      char* p = bytes.data() + i * kBlockSize;
      std::memcpy(p, &src[i].offset, 8);
      std::memcpy(p + 8, &src[i].metadata_length, 4);
      std::memcpy(p + 16, &src[i].body_length, 8);
    }
    return b.AddInlineVector(bytes.data(), static_cast<int64_t>(src.size()), kBlockSize, 8);
  };
  fb::Builder::TableDef f;
  f.AddScalar<int16_t>(kFooterVersion, kMetadataV5);
  f.AddRef(kFooterSchema, schema);
  f.AddRef(kFooterDictionaries, blocks(dictionaries));
  f.AddRef(kFooterRecordBatches, blocks(record_batches));
  return b.Finish(b.AddTable(std::move(f)));
}

}  // namespace lanceflow::arrow::ipc
