// The Arrow columnar type system: data types, fields and schemas. Types are immutable and shared
// (DataTypePtr); build them with the factory functions below. Thread safety: immutable, shareable.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lanceflow::arrow {

enum class TypeId : uint8_t {
  kNull,
  kBool,
  kInt8, kInt16, kInt32, kInt64,
  kUInt8, kUInt16, kUInt32, kUInt64,
  kFloat16, kFloat32, kFloat64,
  kUtf8, kLargeUtf8,
  kBinary, kLargeBinary,
  kFixedSizeBinary,
  kDate32,      // days since the epoch, int32
  kDate64,      // milliseconds since the epoch, int64
  kTime32,      // unit s or ms, int32
  kTime64,      // unit us or ns, int64
  kTimestamp,   // int64 since the epoch in `unit`, optional time zone
  kDuration,    // int64 in `unit`
  kDecimal128,  // 16-byte little-endian two's complement, precision/scale
  kDecimal256,  // 32-byte little-endian two's complement, precision/scale
  kStruct,
  kList,           // int32 offsets, one child
  kLargeList,      // int64 offsets, one child
  kFixedSizeList,  // list_size items per slot, one child
  kDictionary,     // indices of `index_type` into `value_type` values
};

enum class TimeUnit : uint8_t { kSecond, kMilli, kMicro, kNano };

const char* TimeUnitName(TimeUnit unit);  // "s", "ms", "us", "ns"
// Short name of a type id ("int64", "halffloat", "large_string", "fixed_size_list", ...), safe to
// print even when a type read from untrusted bytes is malformed.
const char* TypeIdName(TypeId id);

struct Field;
class DataType;
using DataTypePtr = std::shared_ptr<const DataType>;
using FieldPtr = std::shared_ptr<const Field>;

// Key/value metadata in insertion order, as Arrow IPC carries it.
using KeyValueMetadata = std::vector<std::pair<std::string, std::string>>;

class DataType {
 public:
  TypeId id() const { return id_; }

  // kTimestamp, kTime32, kTime64, kDuration.
  TimeUnit unit() const { return unit_; }
  // kTimestamp: "" when the timestamp has no time zone.
  const std::string& timezone() const { return timezone_; }
  // kFixedSizeBinary: bytes per value. kFixedSizeList: items per slot.
  int32_t fixed_size() const { return fixed_size_; }
  // kDecimal128/256.
  int32_t precision() const { return precision_; }
  int32_t scale() const { return scale_; }
  // kStruct: the members; kList/kLargeList/kFixedSizeList: exactly one item field.
  const std::vector<FieldPtr>& children() const { return children_; }
  // kDictionary.
  const DataTypePtr& index_type() const { return index_type_; }
  const DataTypePtr& value_type() const { return value_type_; }
  bool dictionary_ordered() const { return ordered_; }

  // Byte width of one fixed-width value (1 for int8, 16 for decimal128, fixed_size for
  // fixed_size_binary), 0 for bool (bit-packed) and for types without a fixed width.
  int32_t byte_width() const;
  // Bits per value of the values buffer for fixed-width types (1 for bool), 0 otherwise
  // (saturated at INT32_MAX for fixed_size_binary wider than 2^28 bytes).
  int32_t bit_width() const;
  bool is_integer() const;
  bool is_signed_integer() const;
  bool is_floating() const;
  bool is_binary_like() const;  // utf8, large_utf8, binary, large_binary
  bool is_nested() const;       // struct, lists

  // Number of buffers in the Arrow C Data Interface layout (validity included).
  int num_buffers() const;

  // Human-readable form, e.g. "timestamp[us, tz=UTC]", "fixed_size_list<item: float>[128]".
  std::string ToString() const;
  bool Equals(const DataType& other, bool check_metadata = false) const;

  // Constructor for the factories; prefer them.
  DataType(TypeId id) : id_(id) {}  // NOLINT

  TypeId id_;
  TimeUnit unit_ = TimeUnit::kSecond;
  std::string timezone_;
  int32_t fixed_size_ = 0;
  int32_t precision_ = 0;
  int32_t scale_ = 0;
  std::vector<FieldPtr> children_;
  DataTypePtr index_type_;
  DataTypePtr value_type_;
  bool ordered_ = false;
};

struct Field {
  std::string name;
  DataTypePtr type;
  bool nullable = true;
  KeyValueMetadata metadata;

  std::string ToString() const;
  bool Equals(const Field& other, bool check_metadata = false) const;
};

FieldPtr MakeField(std::string name, DataTypePtr type, bool nullable = true,
                   KeyValueMetadata metadata = {});

// Factories. Primitive ones return shared singletons.
DataTypePtr null();
DataTypePtr boolean();
DataTypePtr int8();
DataTypePtr int16();
DataTypePtr int32();
DataTypePtr int64();
DataTypePtr uint8();
DataTypePtr uint16();
DataTypePtr uint32();
DataTypePtr uint64();
DataTypePtr float16();
DataTypePtr float32();
DataTypePtr float64();
DataTypePtr utf8();
DataTypePtr large_utf8();
DataTypePtr binary();
DataTypePtr large_binary();
DataTypePtr date32();
DataTypePtr date64();
DataTypePtr fixed_size_binary(int32_t byte_width);
DataTypePtr time32(TimeUnit unit);
DataTypePtr time64(TimeUnit unit);
DataTypePtr timestamp(TimeUnit unit, std::string timezone = "");
DataTypePtr duration(TimeUnit unit);
DataTypePtr decimal128(int32_t precision, int32_t scale);
DataTypePtr decimal256(int32_t precision, int32_t scale);
DataTypePtr struct_(std::vector<FieldPtr> fields);
DataTypePtr list(FieldPtr item);
DataTypePtr list(DataTypePtr item_type);  // item field named "item", nullable
DataTypePtr large_list(FieldPtr item);
DataTypePtr large_list(DataTypePtr item_type);
DataTypePtr fixed_size_list(FieldPtr item, int32_t list_size);
DataTypePtr fixed_size_list(DataTypePtr item_type, int32_t list_size);
DataTypePtr dictionary(DataTypePtr index_type, DataTypePtr value_type, bool ordered = false);

class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<FieldPtr> fields, KeyValueMetadata metadata = {})
      : fields_(std::move(fields)), metadata_(std::move(metadata)) {}

  const std::vector<FieldPtr>& fields() const { return fields_; }
  int num_fields() const { return static_cast<int>(fields_.size()); }
  const FieldPtr& field(int i) const { return fields_[static_cast<size_t>(i)]; }
  const KeyValueMetadata& metadata() const { return metadata_; }
  // Index of the top-level field called `name`, or -1.
  int GetFieldIndex(const std::string& name) const;

  std::string ToString() const;
  bool Equals(const Schema& other, bool check_metadata = false) const;

 private:
  std::vector<FieldPtr> fields_;
  KeyValueMetadata metadata_;
};

using SchemaPtr = std::shared_ptr<const Schema>;

}  // namespace lanceflow::arrow
