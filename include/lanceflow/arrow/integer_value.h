// Reading one slot of an integer array (int8 .. uint64) as an int64. Header-only: callers use it
// per value in hot loops.
#pragma once

#include <cstdint>
#include <optional>

#include "lanceflow/arrow/array.h"
#include "lanceflow/arrow/type.h"

namespace lanceflow::arrow {

// Slot `i` of `a`'s values buffer read as the integer type `storage` and widened to int64:
// `storage` is `a`'s own type for a plain integer array and the index type for a dictionary
// array. nullopt when `storage` is not an integer type (DataType::is_integer) or a uint64 value
// exceeds INT64_MAX. Validity is not consulted (a null slot yields whatever its bytes hold); `i`
// must be in bounds.
inline std::optional<int64_t> IntegerValueAt(const ArrayData& a, TypeId storage, int64_t i) {
  switch (storage) {
    case TypeId::kInt8:
      return a.values<int8_t>()[i];
    case TypeId::kInt16:
      return a.values<int16_t>()[i];
    case TypeId::kInt32:
      return a.values<int32_t>()[i];
    case TypeId::kInt64:
      return a.values<int64_t>()[i];
    case TypeId::kUInt8:
      return a.values<uint8_t>()[i];
    case TypeId::kUInt16:
      return a.values<uint16_t>()[i];
    case TypeId::kUInt32:
      return a.values<uint32_t>()[i];
    case TypeId::kUInt64: {
      const uint64_t v = a.values<uint64_t>()[i];
      if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
      return static_cast<int64_t>(v);
    }
    default:
      return std::nullopt;
  }
}

// IntegerValueAt with `a`'s own type: nullopt for non-integer arrays (dates, timestamps and
// dictionaries included).
inline std::optional<int64_t> IntegerValueAt(const ArrayData& a, int64_t i) {
  return IntegerValueAt(a, a.type->id(), i);
}

}  // namespace lanceflow::arrow
