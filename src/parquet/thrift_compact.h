// Thrift compact protocol (apache/thrift doc/specs/thrift-compact-protocol.md), the encoding of
// every Parquet footer and page header. The writer appends to a std::string; the reader walks
// untrusted bytes and never reads past its end: every failure is a Corrupt status naming the
// byte offset. Only what Parquet uses is here: structs, lists, bools, i8/i16/i32/i64, double,
// binary; sets and maps are skipped when read (unknown fields).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lanceflow/core/result.h"

namespace lanceflow::parquet::thrift {

enum class CType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kI8 = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

class CompactWriter {
 public:
  explicit CompactWriter(std::string* out) : out_(out) {}

  // Struct framing: field ids restart in every nested struct.
  void BeginStruct();
  void EndStruct();  // writes the stop byte

  void FieldBool(int16_t id, bool v);
  void FieldI8(int16_t id, int8_t v);
  void FieldI16(int16_t id, int16_t v);
  void FieldI32(int16_t id, int32_t v);
  void FieldI64(int16_t id, int64_t v);
  void FieldDouble(int16_t id, double v);
  void FieldBinary(int16_t id, std::string_view v);
  // A struct-valued field: follow with the struct's fields and EndStruct().
  void FieldStructBegin(int16_t id);
  // A list-valued field: follow with `size` elements written with the Elem* calls (struct
  // elements: BeginStruct()...EndStruct()).
  void FieldListBegin(int16_t id, CType elem_type, int32_t size);

  void ElemI32(int32_t v) { WriteVarint(ZigZag32(v)); }
  void ElemI64(int64_t v) { WriteVarint(ZigZag64(v)); }
  void ElemBinary(std::string_view v);

  static uint32_t ZigZag32(int32_t v) {
    return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
  }
  static uint64_t ZigZag64(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }

 private:
  void FieldHeader(int16_t id, CType type);
  void WriteVarint(uint64_t v);

  std::string* out_;
  int16_t last_id_ = 0;
  std::string id_stack_;  // saved last_id_ of enclosing structs, 2 bytes each
};

// Reads one struct at a time: call ReadFieldHeader until it returns kStop, dispatching on the
// id; call Skip(type) for fields not understood. Nesting deeper than kMaxDepth is Corrupt.
class CompactReader {
 public:
  static constexpr int kMaxDepth = 32;

  CompactReader(const uint8_t* data, int64_t size, std::string_view what)
      : data_(data), size_(size), what_(what) {}

  Status BeginStruct();
  void EndStruct();
  // Sets *type (kStop at the end of the struct) and *id. A bool field's value is in its type
  // (kBoolTrue/kBoolFalse); read it with BoolValue(type).
  Status ReadFieldHeader(CType* type, int16_t* id);
  static bool BoolValue(CType type) { return type == CType::kBoolTrue; }

  Status ReadI8(int8_t* v);
  Status ReadI16(int16_t* v);
  Status ReadI32(int32_t* v);
  Status ReadI64(int64_t* v);
  Status ReadDouble(double* v);
  Status ReadBinary(std::string* v);
  // A list element of type bool is one byte (1 true, 2 false in practice; 0/1 accepted).
  Status ReadBoolElem(bool* v);
  Status ReadListHeader(CType* elem_type, int32_t* size);
  Status Skip(CType type);

  int64_t position() const { return pos_; }
  Status Error(std::string_view msg) const;

 private:
  Status ReadVarint(uint64_t* v);
  Status SkipDepth(CType type, int depth);

  const uint8_t* data_;
  int64_t size_;
  int64_t pos_ = 0;
  std::string_view what_;
  int16_t last_id_ = 0;
  int depth_ = 0;
  std::string id_stack_;
};

}  // namespace lanceflow::parquet::thrift
