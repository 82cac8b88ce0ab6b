#include "lanceflow/arrow/type.h"

#include <algorithm>
#include <cstdint>
#include <sstream>

namespace lanceflow::arrow {

const char* TimeUnitName(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSecond: return "s";
    case TimeUnit::kMilli: return "ms";
    case TimeUnit::kMicro: return "us";
    case TimeUnit::kNano: return "ns";
  }
  return "?";
}

const char* TypeIdName(TypeId id) {
  switch (id) {
    case TypeId::kNull: return "null";
    case TypeId::kBool: return "bool";
    case TypeId::kInt8: return "int8";
    case TypeId::kInt16: return "int16";
    case TypeId::kInt32: return "int32";
    case TypeId::kInt64: return "int64";
    case TypeId::kUInt8: return "uint8";
    case TypeId::kUInt16: return "uint16";
    case TypeId::kUInt32: return "uint32";
    case TypeId::kUInt64: return "uint64";
    case TypeId::kFloat16: return "halffloat";
    case TypeId::kFloat32: return "float";
    case TypeId::kFloat64: return "double";
    case TypeId::kUtf8: return "string";
    case TypeId::kLargeUtf8: return "large_string";
    case TypeId::kBinary: return "binary";
    case TypeId::kLargeBinary: return "large_binary";
    case TypeId::kFixedSizeBinary: return "fixed_size_binary";
    case TypeId::kDate32: return "date32";
    case TypeId::kDate64: return "date64";
    case TypeId::kTime32: return "time32";
    case TypeId::kTime64: return "time64";
    case TypeId::kTimestamp: return "timestamp";
    case TypeId::kDuration: return "duration";
    case TypeId::kDecimal128: return "decimal128";
    case TypeId::kDecimal256: return "decimal256";
    case TypeId::kStruct: return "struct";
    case TypeId::kList: return "list";
    case TypeId::kLargeList: return "large_list";
    case TypeId::kFixedSizeList: return "fixed_size_list";
    case TypeId::kDictionary: return "dictionary";
  }
  return "unknown";
}

int32_t DataType::bit_width() const {
  switch (id_) {
    case TypeId::kBool: return 1;
    case TypeId::kInt8: case TypeId::kUInt8: return 8;
    case TypeId::kInt16: case TypeId::kUInt16: case TypeId::kFloat16: return 16;
    case TypeId::kInt32: case TypeId::kUInt32: case TypeId::kFloat32: case TypeId::kDate32:
    case TypeId::kTime32: return 32;
    case TypeId::kInt64: case TypeId::kUInt64: case TypeId::kFloat64: case TypeId::kDate64:
    case TypeId::kTime64: case TypeId::kTimestamp: case TypeId::kDuration: return 64;
    case TypeId::kDecimal128: return 128;
    case TypeId::kDecimal256: return 256;
    case TypeId::kFixedSizeBinary:
      // Saturates: widths from untrusted schemas may not fit in int32 bits.
      return static_cast<int32_t>(std::min<int64_t>(int64_t{fixed_size_} * 8, INT32_MAX));
    default: return 0;
  }
}

int32_t DataType::byte_width() const {
  if (id_ == TypeId::kBool) return 0;
  if (id_ == TypeId::kFixedSizeBinary) return fixed_size_;
  return bit_width() / 8;
}

bool DataType::is_integer() const {
  return id_ >= TypeId::kInt8 && id_ <= TypeId::kUInt64;
}
bool DataType::is_signed_integer() const {
  return id_ >= TypeId::kInt8 && id_ <= TypeId::kInt64;
}
bool DataType::is_floating() const {
  return id_ == TypeId::kFloat16 || id_ == TypeId::kFloat32 || id_ == TypeId::kFloat64;
}
bool DataType::is_binary_like() const {
  return id_ == TypeId::kUtf8 || id_ == TypeId::kLargeUtf8 || id_ == TypeId::kBinary ||
         id_ == TypeId::kLargeBinary;
}
bool DataType::is_nested() const {
  return id_ == TypeId::kStruct || id_ == TypeId::kList || id_ == TypeId::kLargeList ||
         id_ == TypeId::kFixedSizeList;
}

int DataType::num_buffers() const {
  switch (id_) {
    case TypeId::kNull: return 0;
    case TypeId::kUtf8: case TypeId::kLargeUtf8: case TypeId::kBinary: case TypeId::kLargeBinary:
      return 3;
    case TypeId::kStruct: case TypeId::kFixedSizeList: return 1;
    default: return 2;  // validity + values/offsets/indices
  }
}

namespace {

// Parameterless types print as their id name; dates carry their unit.
const char* SimpleName(TypeId id) {
  if (id == TypeId::kDate32) return "date32[day]";
  if (id == TypeId::kDate64) return "date64[ms]";
  if (id <= TypeId::kLargeBinary) return TypeIdName(id);
  return nullptr;
}

bool FieldsEqual(const std::vector<FieldPtr>& a, const std::vector<FieldPtr>& b,
                 bool check_metadata) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i]->Equals(*b[i], check_metadata)) return false;
  }
  return true;
}

}  // namespace

std::string DataType::ToString() const {
  if (const char* n = SimpleName(id_)) return n;
  std::ostringstream os;
  switch (id_) {
    case TypeId::kFixedSizeBinary: os << "fixed_size_binary[" << fixed_size_ << "]"; break;
    case TypeId::kTime32: os << "time32[" << TimeUnitName(unit_) << "]"; break;
    case TypeId::kTime64: os << "time64[" << TimeUnitName(unit_) << "]"; break;
    case TypeId::kDuration: os << "duration[" << TimeUnitName(unit_) << "]"; break;
    case TypeId::kTimestamp:
      os << "timestamp[" << TimeUnitName(unit_);
      if (!timezone_.empty()) os << ", tz=" << timezone_;
      os << "]";
      break;
    case TypeId::kDecimal128: os << "decimal128(" << precision_ << ", " << scale_ << ")"; break;
    case TypeId::kDecimal256: os << "decimal256(" << precision_ << ", " << scale_ << ")"; break;
    case TypeId::kStruct: {
      os << "struct<";
      for (size_t i = 0; i < children_.size(); ++i) {
        if (i) os << ", ";
        os << children_[i]->ToString();
      }
      os << ">";
      break;
    }
    case TypeId::kList: os << "list<" << children_[0]->ToString() << ">"; break;
    case TypeId::kLargeList: os << "large_list<" << children_[0]->ToString() << ">"; break;
    case TypeId::kFixedSizeList:
      os << "fixed_size_list<" << children_[0]->ToString() << ">[" << fixed_size_ << "]";
      break;
    case TypeId::kDictionary:
      os << "dictionary<values=" << value_type_->ToString()
         << ", indices=" << index_type_->ToString() << (ordered_ ? ", ordered" : "") << ">";
      break;
    default: os << "unknown"; break;
  }
  return os.str();
}

bool DataType::Equals(const DataType& o, bool check_metadata) const {
  if (id_ != o.id_) return false;
  switch (id_) {
    case TypeId::kFixedSizeBinary: return fixed_size_ == o.fixed_size_;
    case TypeId::kTime32: case TypeId::kTime64: case TypeId::kDuration: return unit_ == o.unit_;
    case TypeId::kTimestamp: return unit_ == o.unit_ && timezone_ == o.timezone_;
    case TypeId::kDecimal128: case TypeId::kDecimal256:
      return precision_ == o.precision_ && scale_ == o.scale_;
    case TypeId::kStruct: case TypeId::kList: case TypeId::kLargeList:
      return FieldsEqual(children_, o.children_, check_metadata);
    case TypeId::kFixedSizeList:
      return fixed_size_ == o.fixed_size_ && FieldsEqual(children_, o.children_, check_metadata);
    case TypeId::kDictionary:
      return ordered_ == o.ordered_ && index_type_->Equals(*o.index_type_) &&
             value_type_->Equals(*o.value_type_, check_metadata);
    default: return true;
  }
}

std::string Field::ToString() const {
  return name + ": " + type->ToString() + (nullable ? "" : " not null");
}

bool Field::Equals(const Field& o, bool check_metadata) const {
  return name == o.name && nullable == o.nullable && type->Equals(*o.type, check_metadata) &&
         (!check_metadata || metadata == o.metadata);
}

FieldPtr MakeField(std::string name, DataTypePtr type, bool nullable, KeyValueMetadata metadata) {
  return std::make_shared<const Field>(
      Field{std::move(name), std::move(type), nullable, std::move(metadata)});
}

#define LF_SINGLETON(fn, id)                                    \
  DataTypePtr fn() {                                            \
    static const DataTypePtr kType = std::make_shared<DataType>(TypeId::id); \
    return kType;                                               \
  }
LF_SINGLETON(null, kNull)
LF_SINGLETON(boolean, kBool)
LF_SINGLETON(int8, kInt8)
LF_SINGLETON(int16, kInt16)
LF_SINGLETON(int32, kInt32)
LF_SINGLETON(int64, kInt64)
LF_SINGLETON(uint8, kUInt8)
LF_SINGLETON(uint16, kUInt16)
LF_SINGLETON(uint32, kUInt32)
LF_SINGLETON(uint64, kUInt64)
LF_SINGLETON(float16, kFloat16)
LF_SINGLETON(float32, kFloat32)
LF_SINGLETON(float64, kFloat64)
LF_SINGLETON(utf8, kUtf8)
LF_SINGLETON(large_utf8, kLargeUtf8)
LF_SINGLETON(binary, kBinary)
LF_SINGLETON(large_binary, kLargeBinary)
LF_SINGLETON(date32, kDate32)
LF_SINGLETON(date64, kDate64)
#undef LF_SINGLETON

namespace {
std::shared_ptr<DataType> Make(TypeId id) { return std::make_shared<DataType>(id); }
}  // namespace

DataTypePtr fixed_size_binary(int32_t byte_width) {
  auto t = Make(TypeId::kFixedSizeBinary);
  t->fixed_size_ = byte_width;
  return t;
}
DataTypePtr time32(TimeUnit unit) {
  auto t = Make(TypeId::kTime32);
  t->unit_ = unit;
  return t;
}
DataTypePtr time64(TimeUnit unit) {
  auto t = Make(TypeId::kTime64);
  t->unit_ = unit;
  return t;
}
DataTypePtr timestamp(TimeUnit unit, std::string timezone) {
  auto t = Make(TypeId::kTimestamp);
  t->unit_ = unit;
  t->timezone_ = std::move(timezone);
  return t;
}
DataTypePtr duration(TimeUnit unit) {
  auto t = Make(TypeId::kDuration);
  t->unit_ = unit;
  return t;
}
DataTypePtr decimal128(int32_t precision, int32_t scale) {
  auto t = Make(TypeId::kDecimal128);
  t->precision_ = precision;
  t->scale_ = scale;
  return t;
}
DataTypePtr decimal256(int32_t precision, int32_t scale) {
  auto t = Make(TypeId::kDecimal256);
  t->precision_ = precision;
  t->scale_ = scale;
  return t;
}
DataTypePtr struct_(std::vector<FieldPtr> fields) {
  auto t = Make(TypeId::kStruct);
  t->children_ = std::move(fields);
  return t;
}
DataTypePtr list(FieldPtr item) {
  auto t = Make(TypeId::kList);
  t->children_ = {std::move(item)};
  return t;
}
DataTypePtr list(DataTypePtr item_type) { return list(MakeField("item", std::move(item_type))); }
DataTypePtr large_list(FieldPtr item) {
  auto t = Make(TypeId::kLargeList);
  t->children_ = {std::move(item)};
  return t;
}
DataTypePtr large_list(DataTypePtr item_type) {
  return large_list(MakeField("item", std::move(item_type)));
}
DataTypePtr fixed_size_list(FieldPtr item, int32_t list_size) {
  auto t = Make(TypeId::kFixedSizeList);
  t->children_ = {std::move(item)};
  t->fixed_size_ = list_size;
  return t;
}
DataTypePtr fixed_size_list(DataTypePtr item_type, int32_t list_size) {
  return fixed_size_list(MakeField("item", std::move(item_type)), list_size);
}
DataTypePtr dictionary(DataTypePtr index_type, DataTypePtr value_type, bool ordered) {
  auto t = Make(TypeId::kDictionary);
  t->index_type_ = std::move(index_type);
  t->value_type_ = std::move(value_type);
  t->ordered_ = ordered;
  return t;
}

int Schema::GetFieldIndex(const std::string& name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i]->name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string Schema::ToString() const {
  std::string out;
  for (const auto& f : fields_) {
    out += f->ToString();
    out += '\n';
  }
  return out;
}

bool Schema::Equals(const Schema& o, bool check_metadata) const {
  return FieldsEqual(fields_, o.fields_, check_metadata) &&
         (!check_metadata || metadata_ == o.metadata_);
}

}  // namespace lanceflow::arrow
