// Test support: renders schemas and batches as the JSON twin format written by
// tests/fixtures/make_ipc_golden.py (see its docstring), so decoded IPC can be compared with what
// pyarrow wrote, and round trips can be compared value by value. Reads arrays through ArrayData
// only (no code of the IPC codec), so it is an independent oracle.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/arrow/type.h"

namespace lanceflow::arrow::ipc::testing {

using nlohmann::json;

inline json MetadataJson(const KeyValueMetadata& md) {
  json out = json::array();
  for (const auto& [k, v] : md) out.push_back(json::array({k, v}));
  return out;
}

inline json FieldJson(const Field& f);

inline json TypeJson(const DataType& t) {
  auto unit = [&]() { return std::string(TimeUnitName(t.unit())); };
  switch (t.id()) {
    case TypeId::kNull:
      return {{"id", "null"}};
    case TypeId::kBool:
      return {{"id", "bool"}};
    case TypeId::kInt8:
      return {{"id", "int8"}};
    case TypeId::kInt16:
      return {{"id", "int16"}};
    case TypeId::kInt32:
      return {{"id", "int32"}};
    case TypeId::kInt64:
      return {{"id", "int64"}};
    case TypeId::kUInt8:
      return {{"id", "uint8"}};
    case TypeId::kUInt16:
      return {{"id", "uint16"}};
    case TypeId::kUInt32:
      return {{"id", "uint32"}};
    case TypeId::kUInt64:
      return {{"id", "uint64"}};
    case TypeId::kFloat16:
      return {{"id", "float16"}};
    case TypeId::kFloat32:
      return {{"id", "float32"}};
    case TypeId::kFloat64:
      return {{"id", "float64"}};
    case TypeId::kUtf8:
      return {{"id", "utf8"}};
    case TypeId::kLargeUtf8:
      return {{"id", "large_utf8"}};
    case TypeId::kBinary:
      return {{"id", "binary"}};
    case TypeId::kLargeBinary:
      return {{"id", "large_binary"}};
    case TypeId::kFixedSizeBinary:
      return {{"id", "fixed_size_binary"}, {"byte_width", t.fixed_size()}};
    case TypeId::kDate32:
      return {{"id", "date32"}};
    case TypeId::kDate64:
      return {{"id", "date64"}};
    case TypeId::kTime32:
      return {{"id", "time32"}, {"unit", unit()}};
    case TypeId::kTime64:
      return {{"id", "time64"}, {"unit", unit()}};
    case TypeId::kDuration:
      return {{"id", "duration"}, {"unit", unit()}};
    case TypeId::kTimestamp:
      return {{"id", "timestamp"}, {"unit", unit()}, {"tz", t.timezone()}};
    case TypeId::kDecimal128:
      return {{"id", "decimal128"}, {"precision", t.precision()}, {"scale", t.scale()}};
    case TypeId::kDecimal256:
      return {{"id", "decimal256"}, {"precision", t.precision()}, {"scale", t.scale()}};
    case TypeId::kList:
      return {{"id", "list"}, {"item", FieldJson(*t.children()[0])}};
    case TypeId::kLargeList:
      return {{"id", "large_list"}, {"item", FieldJson(*t.children()[0])}};
    case TypeId::kFixedSizeList:
      return {{"id", "fixed_size_list"},
              {"size", t.fixed_size()},
              {"item", FieldJson(*t.children()[0])}};
    case TypeId::kStruct: {
      json fields = json::array();
      for (const auto& c : t.children()) fields.push_back(FieldJson(*c));
      return {{"id", "struct"}, {"fields", fields}};
    }
    case TypeId::kDictionary:
      return {{"id", "dictionary"},
              {"index", TypeJson(*t.index_type())},
              {"value", TypeJson(*t.value_type())},
              {"ordered", t.dictionary_ordered()}};
  }
  return nullptr;
}

inline json FieldJson(const Field& f) {
  return {{"name", f.name},
          {"nullable", f.nullable},
          {"type", TypeJson(*f.type)},
          {"metadata", MetadataJson(f.metadata)}};
}

inline json SchemaJson(const Schema& s) {
  json fields = json::array();
  for (const auto& f : s.fields()) fields.push_back(FieldJson(*f));
  return {{"fields", fields}, {"metadata", MetadataJson(s.metadata())}};
}

inline double HalfBitsToDouble(uint16_t h) {
  int sign = h >> 15;
  int exp = (h >> 10) & 0x1f;
  int frac = h & 0x3ff;
  double v;
  if (exp == 0) {
    v = std::ldexp(frac, -24);
  } else if (exp == 31) {
    v = frac == 0 ? INFINITY : NAN;
  } else {
    v = std::ldexp(frac + 1024, exp - 25);
  }
  return sign ? -v : v;
}

inline json FloatJson(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

// The two's complement little-endian integer of `words` 64-bit words, in decimal.
inline std::string UnscaledDecimal(const uint8_t* p, int words) {
  std::vector<uint64_t> w(static_cast<size_t>(words));
  std::memcpy(w.data(), p, static_cast<size_t>(words) * 8);
  bool negative = (w.back() >> 63) != 0;
  if (negative) {
    unsigned carry = 1;
    for (auto& x : w) {
      x = ~x + carry;
      carry = (carry && x == 0) ? 1 : 0;
    }
  }
  std::string digits;
  auto nonzero = [&]() {
    for (uint64_t x : w) {
      if (x) return true;
    }
    return false;
  };
  while (nonzero()) {
    unsigned __int128 rem = 0;
    for (size_t j = w.size(); j-- > 0;) {
      unsigned __int128 cur = (rem << 64) | w[j];
      w[j] = static_cast<uint64_t>(cur / 10);
      rem = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + static_cast<int>(rem)));
  }
  if (digits.empty()) digits = "0";
  if (negative) digits.push_back('-');
  return std::string(digits.rbegin(), digits.rend());
}

inline std::string Hex(const uint8_t* p, int64_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (int64_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 15]);
  }
  return out;
}

template <typename T>
T Load(const uint8_t* p, int64_t i) {
  T v;
  std::memcpy(&v, p + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}

// Slot `i` (logical, before a.offset) of `a`.
inline json ValueJson(const ArrayData& a, int64_t i) {
  if (a.IsNull(i)) return nullptr;
  const DataType& t = *a.type;
  int64_t abs = a.offset + i;
  const uint8_t* v = a.buffers.size() > 1 && a.buffers[1] ? a.buffers[1]->data() : nullptr;
  auto offsets = [&](int64_t k) -> int64_t {
    bool large = t.id() == TypeId::kLargeUtf8 || t.id() == TypeId::kLargeBinary ||
                 t.id() == TypeId::kLargeList;
    return large ? Load<int64_t>(v, k) : Load<int32_t>(v, k);
  };
  switch (t.id()) {
    case TypeId::kBool:
      return ((v[abs >> 3] >> (abs & 7)) & 1) != 0;
    case TypeId::kInt8:
      return Load<int8_t>(v, abs);
    case TypeId::kInt16:
      return Load<int16_t>(v, abs);
    case TypeId::kInt32:
    case TypeId::kDate32:
    case TypeId::kTime32:
      return Load<int32_t>(v, abs);
    case TypeId::kInt64:
    case TypeId::kDate64:
    case TypeId::kTime64:
    case TypeId::kTimestamp:
    case TypeId::kDuration:
      return Load<int64_t>(v, abs);
    case TypeId::kUInt8:
      return Load<uint8_t>(v, abs);
    case TypeId::kUInt16:
      return Load<uint16_t>(v, abs);
    case TypeId::kUInt32:
      return Load<uint32_t>(v, abs);
    case TypeId::kUInt64:
      return Load<uint64_t>(v, abs);
    case TypeId::kFloat16:
      return FloatJson(HalfBitsToDouble(Load<uint16_t>(v, abs)));
    case TypeId::kFloat32:
      return FloatJson(Load<float>(v, abs));
    case TypeId::kFloat64:
      return FloatJson(Load<double>(v, abs));
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8: {
      int64_t b = offsets(abs), e = offsets(abs + 1);
      return std::string(reinterpret_cast<const char*>(a.buffers[2]->data()) + b,
                         static_cast<size_t>(e - b));
    }
    case TypeId::kBinary:
    case TypeId::kLargeBinary: {
      int64_t b = offsets(abs), e = offsets(abs + 1);
      return Hex(a.buffers[2]->data() + b, e - b);
    }
    case TypeId::kFixedSizeBinary:
      return Hex(v + abs * t.fixed_size(), t.fixed_size());
    case TypeId::kDecimal128:
      return UnscaledDecimal(v + abs * 16, 2);
    case TypeId::kDecimal256:
      return UnscaledDecimal(v + abs * 32, 4);
    case TypeId::kList:
    case TypeId::kLargeList: {
      json out = json::array();
      for (int64_t k = offsets(abs); k < offsets(abs + 1); ++k) {
        out.push_back(ValueJson(*a.children[0], k));
      }
      return out;
    }
    case TypeId::kFixedSizeList: {
      json out = json::array();
      int64_t size = t.fixed_size();
      for (int64_t k = abs * size; k < (abs + 1) * size; ++k) {
        out.push_back(ValueJson(*a.children[0], k));
      }
      return out;
    }
    case TypeId::kStruct: {
      json out = json::object();
      for (size_t c = 0; c < t.children().size(); ++c) {
        out[t.children()[c]->name] = ValueJson(*a.children[c], abs);
      }
      return out;
    }
    case TypeId::kDictionary: {
      int64_t index = 0;
      switch (t.index_type()->id()) {
        case TypeId::kInt8:
          index = Load<int8_t>(v, abs);
          break;
        case TypeId::kInt16:
          index = Load<int16_t>(v, abs);
          break;
        case TypeId::kInt32:
          index = Load<int32_t>(v, abs);
          break;
        case TypeId::kInt64:
          index = Load<int64_t>(v, abs);
          break;
        case TypeId::kUInt8:
          index = Load<uint8_t>(v, abs);
          break;
        case TypeId::kUInt16:
          index = Load<uint16_t>(v, abs);
          break;
        case TypeId::kUInt32:
          index = Load<uint32_t>(v, abs);
          break;
        default:
          index = static_cast<int64_t>(Load<uint64_t>(v, abs));
          break;
      }
      return ValueJson(*a.dictionary, index);
    }
    case TypeId::kNull:
      return nullptr;
  }
  return nullptr;
}

inline json ColumnJson(const ArrayData& a) {
  json out = json::array();
  for (int64_t i = 0; i < a.length; ++i) out.push_back(ValueJson(a, i));
  return out;
}

inline json BatchJson(const RecordBatch& b) {
  json cols = json::array();
  for (const auto& c : b.columns()) cols.push_back(ColumnJson(*c));
  return {{"num_rows", b.num_rows()}, {"columns", cols}};
}

inline json ContentsJson(const Schema& schema, const std::vector<RecordBatchPtr>& batches) {
  json bs = json::array();
  for (const auto& b : batches) bs.push_back(BatchJson(*b));
  return {{"schema", SchemaJson(schema)}, {"batches", bs}};
}

}  // namespace lanceflow::arrow::ipc::testing
