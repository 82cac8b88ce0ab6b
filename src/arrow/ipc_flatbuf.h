// A minimal FlatBuffers reader and builder, enough for the Arrow IPC metadata tables
// (Schema.fbs, Message.fbs, File.fbs). Internal to the arrow module.
//
// Reader: every access is bounds-checked against the buffer it was created from, because IPC
// metadata is untrusted. Scalars are read with memcpy (hostile input may be misaligned). Errors
// are Status::Corrupt naming the offset inside the flatbuffer; callers prefix where the
// flatbuffer sits in the stream or file.
//
// Builder: objects are described bottom-up (children before the tables that reference them) and
// laid out by Finish() parent-first, so every uoffset points forward as the format requires.
// Alignment follows what the reference verifier checks: scalars at their natural alignment,
// vectors and strings at 4 (8 for vectors of 8-byte structs), vtables at 2.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "lanceflow/core/result.h"

namespace lanceflow::arrow::ipc::fb {

// A view of the bytes a flatbuffer lives in. Not owning.
struct Bytes {
  const uint8_t* data = nullptr;
  int64_t size = 0;
};

class Vector;

// A table: its position and vtable, checked when the Table was created.
class Table {
 public:
  Table() = default;

  // The root table of a flatbuffer.
  static Result<Table> Root(Bytes buf);

  // Position of the table in the buffer (for error messages).
  int64_t offset() const { return pos_; }
  // True when the vtable has a non-zero entry for `slot`.
  bool Has(int slot) const { return FieldOffset(slot) != 0; }

  // A scalar field; `default_value` when absent.
  template <typename T>
  Result<T> Scalar(int slot, T default_value) const {
    static_assert(std::is_arithmetic_v<T>);
    int64_t field = FieldOffset(slot);
    if (field == 0) return default_value;
    LF_RETURN_NOT_OK(CheckField(slot, field, sizeof(T)));
    T v;
    std::memcpy(&v, buf_.data + pos_ + field, sizeof(T));
    return v;
  }
  // A sub-table; nullopt when absent.
  Result<std::optional<Table>> SubTable(int slot) const;
  // A string; nullopt when absent.
  Result<std::optional<std::string_view>> String(int slot) const;
  // A vector whose elements are `elem_size` bytes each (4 for tables and strings); empty when
  // absent.
  Result<Vector> VectorOf(int slot, int64_t elem_size) const;

 private:
  friend class Vector;
  static Result<Table> At(Bytes buf, int64_t pos);
  int64_t FieldOffset(int slot) const;
  Status CheckField(int slot, int64_t field, int64_t size) const;
  // Follows the uoffset stored at absolute position `at`.
  Result<int64_t> Follow(int64_t at) const;

  Bytes buf_;
  int64_t pos_ = 0;
  int64_t vtable_ = 0;
  int64_t vtable_size_ = 0;
  int64_t table_size_ = 0;
};

// A vector of scalars, structs, tables or strings. Element bounds were checked on creation.
class Vector {
 public:
  Vector() = default;
  int64_t size() const { return count_; }
  int64_t offset() const { return pos_; }

  // The raw bytes of element i (elem_size bytes): scalars and structs.
  const uint8_t* ElementBytes(int64_t i) const { return buf_.data + pos_ + 4 + i * elem_size_; }
  template <typename T>
  T Scalar(int64_t i) const {
    T v;
    std::memcpy(&v, ElementBytes(i), sizeof(T));
    return v;
  }
  // Element i of a vector of tables / strings.
  Result<Table> TableAt(int64_t i) const;
  Result<std::string_view> StringAt(int64_t i) const;

 private:
  friend class Table;
  Bytes buf_;
  int64_t pos_ = 0;  // position of the uint32 length
  int64_t count_ = 0;
  int64_t elem_size_ = 0;
};

// Reads a little-endian scalar from raw struct bytes.
template <typename T>
T LoadScalar(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Builds a flatbuffer. Each Ref returned by an Add* call must be referenced exactly once (by a
// table field, a vector of offsets, or Finish), which keeps every offset pointing forward.
class Builder {
 public:
  using Ref = int32_t;

  // Describes one table under construction; pass it to AddTable().
  class TableDef {
   public:
    template <typename T>
    void AddScalar(int slot, T value) {
      static_assert(std::is_arithmetic_v<T>);
      Slot s;
      s.slot = slot;
      s.size = sizeof(T);
      std::memcpy(s.bytes, &value, sizeof(T));
      slots_.push_back(s);
    }
    void AddRef(int slot, Ref ref) {
      Slot s;
      s.slot = slot;
      s.size = 4;
      s.ref = ref;
      slots_.push_back(s);
    }

   private:
    friend class Builder;
    struct Slot {
      int slot = 0;
      int size = 0;
      uint8_t bytes[8] = {};
      Ref ref = -1;
    };
    std::vector<Slot> slots_;
  };

  Ref AddString(std::string_view s);
  // A vector of `count` inline elements of `elem_size` bytes each (scalars or structs), aligned to
  // `align` (a power of two, at most 8).
  Ref AddInlineVector(const void* data, int64_t count, int64_t elem_size, int64_t align);
  // A vector of tables or strings.
  Ref AddRefVector(const std::vector<Ref>& elems);
  Ref AddTable(TableDef def);

  // Lays out everything reachable from `root` and returns the flatbuffer bytes (size a multiple
  // of 8).
  std::string Finish(Ref root);

 private:
  enum class Kind { kString, kInline, kRefs, kTable };
  struct Object {
    Kind kind = Kind::kString;
    std::string bytes;  // string bytes or inline vector bytes
    int64_t count = 0;  // inline vector element count
    int64_t align = 4;
    std::vector<Ref> refs;  // kRefs
    TableDef table;         // kTable
  };
  int64_t Emit(Ref ref, std::string* out);
  std::vector<Object> objects_;
};

}  // namespace lanceflow::arrow::ipc::fb
