#include "order_value.h"

#include <cstring>
#include <limits>

#include "lanceflow/arrow/decimal.h"
#include "lanceflow/arrow/utf8.h"

namespace lanceflow::connect {
namespace {

using arrow::TypeId;

int64_t UnitsPerSecond(arrow::TimeUnit unit) {
  switch (unit) {
    case arrow::TimeUnit::kSecond: return 1;
    case arrow::TimeUnit::kMilli: return 1'000;
    case arrow::TimeUnit::kMicro: return 1'000'000;
    case arrow::TimeUnit::kNano: return 1'000'000'000;
  }
  return 1;
}

// Range of a signed/unsigned integer column type.
bool SignedRange(TypeId id, int64_t* lo, int64_t* hi) {
  switch (id) {
    case TypeId::kInt8: *lo = INT8_MIN; *hi = INT8_MAX; return true;
    case TypeId::kInt16: *lo = INT16_MIN; *hi = INT16_MAX; return true;
    case TypeId::kInt32: *lo = INT32_MIN; *hi = INT32_MAX; return true;
    case TypeId::kInt64: case TypeId::kDate64: case TypeId::kTimestamp:
      *lo = INT64_MIN; *hi = INT64_MAX; return true;
    case TypeId::kDate32: *lo = INT32_MIN; *hi = INT32_MAX; return true;
    default: return false;
  }
}

uint64_t UnsignedMax(TypeId id) {
  switch (id) {
    case TypeId::kUInt8: return UINT8_MAX;
    case TypeId::kUInt16: return UINT16_MAX;
    case TypeId::kUInt32: return UINT32_MAX;
    default: return UINT64_MAX;
  }
}

bool IsUnsigned(TypeId id) {
  return id == TypeId::kUInt8 || id == TypeId::kUInt16 || id == TypeId::kUInt32 ||
         id == TypeId::kUInt64;
}

std::string DecimalText(const arrow::DataType& type, __int128 v) {
  uint8_t words[16];
  std::memcpy(words, &v, 16);
  std::string s;
  arrow::AppendDecimalString(words, 2, type.scale(), &s);
  return s;
}

// Parses plain decimal notation into the unscaled value of `scale`; false when it is not exact
// or overflows 128 bits.
bool ParseDecimal(const std::string& text, int32_t scale, __int128* out) {
  size_t i = 0;
  bool neg = false;
  if (i < text.size() && text[i] == '-') {
    neg = true;
    ++i;
  }
  __int128 mantissa = 0;
  int digits = 0, frac = 0;
  bool dot = false;
  const __int128 kLimit = (static_cast<__int128>(1) << 126);
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return false;
    if (mantissa > kLimit / 10) return false;
    mantissa = mantissa * 10 + (c - '0');
    ++digits;
    if (dot) ++frac;
  }
  if (digits == 0) return false;
  int shift = scale - frac;
  while (shift > 0) {
    if (mantissa > kLimit / 10) return false;
    mantissa *= 10;
    --shift;
  }
  while (shift < 0) {
    if (mantissa % 10 != 0) return false;
    mantissa /= 10;
    ++shift;
  }
  *out = neg ? -mantissa : mantissa;
  return true;
}

}  // namespace

Status CheckOrderableType(const arrow::DataType& type) {
  switch (type.id()) {
    case TypeId::kInt8: case TypeId::kInt16: case TypeId::kInt32: case TypeId::kInt64:
    case TypeId::kUInt8: case TypeId::kUInt16: case TypeId::kUInt32: case TypeId::kUInt64:
    case TypeId::kUtf8: case TypeId::kLargeUtf8:
    case TypeId::kDate32: case TypeId::kDate64: case TypeId::kTimestamp:
    case TypeId::kDecimal128:
      return Status::OK();
    default:
      return Status::Invalid("type " + type.ToString() +
                             " cannot order rows (use an integer, string, date, timestamp or "
                             "decimal column)");
  }
}

OrderValue ReadOrderValue(const arrow::ArrayData& a, int64_t i) {
  switch (a.type->id()) {
    case TypeId::kInt8: return int64_t{a.values<int8_t>()[i]};
    case TypeId::kInt16: return int64_t{a.values<int16_t>()[i]};
    case TypeId::kInt32: case TypeId::kDate32: return int64_t{a.values<int32_t>()[i]};
    case TypeId::kInt64: case TypeId::kDate64: case TypeId::kTimestamp:
      return a.values<int64_t>()[i];
    case TypeId::kUInt8: return uint64_t{a.values<uint8_t>()[i]};
    case TypeId::kUInt16: return uint64_t{a.values<uint16_t>()[i]};
    case TypeId::kUInt32: return uint64_t{a.values<uint32_t>()[i]};
    case TypeId::kUInt64: return a.values<uint64_t>()[i];
    case TypeId::kUtf8: {
      const int32_t* o = a.offsets<int32_t>();
      const char* d = a.buffers[2] ? reinterpret_cast<const char*>(a.buffers[2]->data()) : "";
      return std::string(d + o[i], static_cast<size_t>(o[i + 1] - o[i]));
    }
    case TypeId::kLargeUtf8: {
      const int64_t* o = a.offsets<int64_t>();
      const char* d = a.buffers[2] ? reinterpret_cast<const char*>(a.buffers[2]->data()) : "";
      return std::string(d + o[i], static_cast<size_t>(o[i + 1] - o[i]));
    }
    case TypeId::kDecimal128: {
      __int128 v;
      std::memcpy(&v, a.buffers[1]->data() + (a.offset + i) * 16, 16);
      return v;
    }
    default: return int64_t{0};  // excluded by CheckOrderableType
  }
}

Result<nlohmann::ordered_json> EncodeOrderValue(const arrow::DataType& type,
                                                const OrderValue& value) {
  switch (type.id()) {
    case TypeId::kUtf8: case TypeId::kLargeUtf8: {
      const auto& s = std::get<std::string>(value);
      if (!arrow::IsValidUtf8(s)) return Status::Invalid("value is not valid UTF-8");
      return nlohmann::ordered_json(s);
    }
    case TypeId::kDate32: {
      LF_ASSIGN_OR_RETURN(auto lit, expr::DateLiteral(std::get<int64_t>(value)));
      return nlohmann::ordered_json(lit.text);
    }
    case TypeId::kTimestamp: {
      LF_ASSIGN_OR_RETURN(auto lit, expr::MakeTypedLiteral(*arrow::timestamp(type.unit()),
                                                           std::get<int64_t>(value)));
      std::string t = lit.text;
      if (t.size() > 10 && t[10] == ' ') t[10] = 'T';
      return nlohmann::ordered_json(t + "Z");
    }
    case TypeId::kDecimal128:
      return nlohmann::ordered_json(DecimalText(type, std::get<__int128>(value)));
    default:
      if (IsUnsigned(type.id())) return nlohmann::ordered_json(std::get<uint64_t>(value));
      return nlohmann::ordered_json(std::get<int64_t>(value));
  }
}

Result<OrderValue> DecodeOrderValue(const arrow::DataType& type, const nlohmann::json& j,
                                    const std::string& what) {
  auto bad = [&](const std::string& why) {
    std::string shown = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
    return Status::Invalid(what + ": " + shown + " is not " + why);
  };
  switch (type.id()) {
    case TypeId::kUtf8: case TypeId::kLargeUtf8:
      if (!j.is_string()) return bad("a string");
      return OrderValue(j.get<std::string>());
    case TypeId::kDate32: case TypeId::kTimestamp: case TypeId::kDecimal128: {
      const char* form = type.id() == TypeId::kDate32   ? "a date \"YYYY-MM-DD\""
                         : type.id() == TypeId::kTimestamp ? "a timestamp of the column's unit"
                                                           : "a decimal of the column's scale";
      if (!j.is_string()) return bad(form);
      const std::string text = j.get<std::string>();
      OrderValue v;
      if (type.id() == TypeId::kDate32) {
        auto lit = expr::ParseDateLiteral(text);
        if (!lit.ok()) return bad(form);
        v = int64_t{lit->date_days};
      } else if (type.id() == TypeId::kTimestamp) {
        auto lit = expr::ParseTimestampLiteral(text);
        if (!lit.ok()) return bad(form);
        const int64_t per = UnitsPerSecond(type.unit());
        const int64_t nanos_per_unit = 1'000'000'000 / per;
        if (lit->timestamp.nanos % nanos_per_unit != 0) return bad(form);
        __int128 units = static_cast<__int128>(lit->timestamp.UtcSeconds()) * per +
                         lit->timestamp.nanos / nanos_per_unit;
        if (units < INT64_MIN || units > INT64_MAX) return bad(form);
        v = static_cast<int64_t>(units);
      } else {
        __int128 d;
        if (!ParseDecimal(text, type.scale(), &d)) return bad(form);
        v = d;
      }
      // Only the canonical spelling is accepted, so an offset has exactly one text.
      auto again = EncodeOrderValue(type, v);
      if (!again.ok() || again->get<std::string>() != text) return bad(form);
      return v;
    }
    default:
      break;
  }
  if (!j.is_number_integer()) return bad("an integer");
  if (IsUnsigned(type.id())) {
    if (!j.is_number_unsigned() || j.get<uint64_t>() > UnsignedMax(type.id())) {
      return bad("an integer in the range of " + type.ToString());
    }
    return OrderValue(j.get<uint64_t>());
  }
  int64_t lo = 0, hi = 0;
  if (!SignedRange(type.id(), &lo, &hi)) return bad("a value of an orderable type");
  if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return bad("an integer in the range of " + type.ToString());
  }
  const int64_t x = j.get<int64_t>();
  if (x < lo || x > hi) return bad("an integer in the range of " + type.ToString());
  return OrderValue(x);
}

expr::ExprPtr BoundPredicate(const expr::ColumnPath& column, const arrow::DataType& type,
                             expr::CompareOp op, const OrderValue& value) {
  using expr::CompareOp;
  if (type.id() == TypeId::kDecimal128) {
    // LanceDB compares decimals only with integer literals (scaled by 10^scale), so bound with
    // floor/ceil of the value; negative scales read literals differently and get no bound.
    const int32_t s = type.scale();
    if (s < 0 || s > 38) return nullptr;
    __int128 pow = 1;
    for (int k = 0; k < s; ++k) pow *= 10;
    const __int128 v = std::get<__int128>(value);
    __int128 fl = v / pow;
    if (v % pow != 0 && v < 0) fl -= 1;
    __int128 ce = v / pow;
    if (v % pow != 0 && v > 0) ce += 1;
    __int128 limit = 1;  // 10^precision: scaled literals must stay below it
    for (int k = 0; k < type.precision() && k < 38; ++k) limit *= 10;
    auto make = [&](CompareOp o, __int128 lit) -> expr::ExprPtr {
      if (lit < INT64_MIN || lit > INT64_MAX) return nullptr;
      __int128 scaled = lit < 0 ? -lit : lit;
      if (scaled > (limit - 1) / pow) return nullptr;
      return expr::MakeCompare(o, expr::MakeColumn(column),
                               expr::MakeLiteral(expr::Int64Literal(static_cast<int64_t>(lit))));
    };
    switch (op) {
      case CompareOp::kGt: case CompareOp::kGe: return make(CompareOp::kGe, fl);
      case CompareOp::kLt: case CompareOp::kLe: return make(CompareOp::kLe, ce);
      case CompareOp::kEq: {
        auto lo = make(CompareOp::kGe, fl);
        auto hi = make(CompareOp::kLe, ce);
        if (lo && hi) return expr::MakeAnd({lo, hi});
        return lo ? lo : hi;
      }
      default: return nullptr;
    }
  }
  expr::ScalarValue scalar;
  if (std::holds_alternative<int64_t>(value)) {
    scalar = std::get<int64_t>(value);
  } else if (std::holds_alternative<uint64_t>(value)) {
    scalar = std::get<uint64_t>(value);
  } else if (std::holds_alternative<std::string>(value)) {
    scalar = std::get<std::string>(value);
  } else {
    return nullptr;
  }
  auto e = expr::MakeColumnComparison(column, type, op, scalar);
  if (!e.ok()) return nullptr;
  return *e;
}

std::string OrderValueToString(const arrow::DataType& type, const OrderValue& value) {
  auto j = EncodeOrderValue(type, value);
  if (!j.ok()) return "<unprintable " + type.ToString() + " value>";
  return j->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace lanceflow::connect
