#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>

#include "calendar.h"
#include "lanceflow/expr/filter.h"
#include "lexer.h"
#include "literal_text.h"

namespace lanceflow::expr {

using internal::CivilDate;

namespace {

constexpr uint64_t kInt64MinMagnitude = uint64_t{1} << 63;

std::string Pad(int64_t value, int width) {
  std::string s = std::to_string(value);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<size_t>(width) - s.size(), '0');
  return s;
}

std::string DateText(const CivilDate& d) {
  return Pad(d.year, 4) + "-" + Pad(d.month, 2) + "-" + Pad(d.day, 2);
}

// Reads exactly `n` ASCII digits at text[*pos].
bool ReadDigits(std::string_view text, size_t* pos, int n, int64_t* out) {
  if (*pos + static_cast<size_t>(n) > text.size()) return false;
  int64_t v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = text[*pos + static_cast<size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += static_cast<size_t>(n);
  *out = v;
  return true;
}

bool ReadChar(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

// Parses "YYYY-MM-DD" at text[*pos]; on failure returns the reason.
Status ReadDate(std::string_view text, size_t* pos, CivilDate* out) {
  int64_t y, m, d;
  if (!ReadDigits(text, pos, 4, &y) || !ReadChar(text, pos, '-') || !ReadDigits(text, pos, 2, &m) ||
      !ReadChar(text, pos, '-') || !ReadDigits(text, pos, 2, &d)) {
    return Status::Invalid("expected YYYY-MM-DD");
  }
  if (y < 1) return Status::Invalid("year 0000 is out of range (0001..9999)");
  if (m < 1 || m > 12) return Status::Invalid("month " + Pad(m, 2) + " is out of range");
  if (d < 1 || d > internal::DaysInMonth(y, static_cast<int32_t>(m))) {
    return Status::Invalid("day " + Pad(d, 2) + " does not exist in " + Pad(y, 4) + "-" +
                           Pad(m, 2));
  }
  *out = CivilDate{y, static_cast<int32_t>(m), static_cast<int32_t>(d)};
  return Status::OK();
}

Status Bad(std::string_view kind, std::string_view text, const Status& why) {
  return Status::Invalid("invalid " + std::string(kind) + " " + internal::QuoteForMessage(text) +
                         ": " + why.message());
}

Literal TimestampFromParts(int64_t days, int64_t second_of_day, int32_t nanos,
                           int32_t fraction_digits, std::optional<int32_t> offset_minutes,
                           std::string_view offset_text) {
  Literal lit;
  lit.kind = LiteralKind::kTimestamp;
  lit.timestamp.seconds = days * internal::kSecondsPerDay + second_of_day;
  lit.timestamp.nanos = nanos;
  lit.timestamp.fraction_digits = fraction_digits;
  lit.timestamp.utc_offset_minutes = offset_minutes;
  std::string text = DateText(internal::CivilFromDays(days)) + " " + Pad(second_of_day / 3600, 2) +
                     ":" + Pad(second_of_day / 60 % 60, 2) + ":" + Pad(second_of_day % 60, 2);
  if (fraction_digits > 0) {
    std::string frac = Pad(nanos, 9);
    text += "." + frac.substr(0, static_cast<size_t>(fraction_digits));
  }
  text += offset_text;
  lit.text = std::move(text);
  return lit;
}

// Shortest decimal text that reads back as `value`, always with a '.' or an exponent so that it
// is a decimal literal, never an integer one.
template <typename F>
std::string ShortestFloatText(F value) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

namespace internal {

Result<Literal> ParseIntegerText(std::string_view digits, bool negative) {
  size_t first = 0;
  while (first + 1 < digits.size() && digits[first] == '0') ++first;
  std::string_view trimmed = digits.substr(first);
  uint64_t magnitude = 0;
  auto res = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), magnitude);
  const bool too_big =
      res.ec == std::errc::result_out_of_range || (negative && magnitude > kInt64MinMagnitude);
  if (too_big) {
    return Status::Invalid(
        "integer " + QuoteForMessage(std::string(negative ? "-" : "") + std::string(trimmed)) +
        " is out of range (-9223372036854775808..18446744073709551615)");
  }
  if (res.ec != std::errc() || res.ptr != trimmed.data() + trimmed.size()) {
    return Status::Invalid("malformed integer " + QuoteForMessage(digits));
  }
  Literal lit;
  lit.kind = LiteralKind::kInteger;
  lit.negative = negative && magnitude != 0;
  lit.magnitude = magnitude;
  lit.text = (lit.negative ? "-" : "") + std::string(trimmed);
  return lit;
}

Result<Literal> ParseDecimalText(std::string_view text, bool negative) {
  std::string canon = negative ? "-" : "";
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (i == 0) canon += '0';
      canon += '.';
      if (i + 1 == text.size() || text[i + 1] == 'e' || text[i + 1] == 'E') canon += '0';
    } else if (c == 'E') {
      canon += 'e';
    } else {
      canon += c;
    }
  }
  double value = 0;
  auto res = std::from_chars(canon.data(), canon.data() + canon.size(), value);
  if (res.ec == std::errc::result_out_of_range) {
    return Status::Invalid("number " + QuoteForMessage(canon) + " is out of the range of a double");
  }
  if (res.ec != std::errc() || res.ptr != canon.data() + canon.size() || !std::isfinite(value)) {
    return Status::Invalid("malformed number " + QuoteForMessage(canon));
  }
  Literal lit;
  lit.kind = LiteralKind::kFloat;
  lit.float_value = value;
  lit.text = std::move(canon);
  return lit;
}

Result<Literal> ParseDateText(std::string_view text) {
  size_t pos = 0;
  CivilDate date;
  Status st = ReadDate(text, &pos, &date);
  if (st.ok() && pos != text.size()) st = Status::Invalid("unexpected text after the date");
  if (!st.ok()) return Bad("date", text, st);
  Literal lit;
  lit.kind = LiteralKind::kDate;
  lit.date_days = static_cast<int32_t>(internal::DaysFromCivil(date));
  lit.text = DateText(date);
  return lit;
}

Result<Literal> ParseTimestampText(std::string_view text) {
  size_t pos = 0;
  CivilDate date;
  Status st = ReadDate(text, &pos, &date);
  if (!st.ok()) return Bad("timestamp", text, st);
  if (!(ReadChar(text, &pos, ' ') || ReadChar(text, &pos, 'T') || ReadChar(text, &pos, 't'))) {
    return Bad("timestamp", text,
               Status::Invalid("expected ' ' or 'T' and HH:MM:SS after the date"));
  }
  int64_t hh, mm, ss;
  if (!ReadDigits(text, &pos, 2, &hh) || !ReadChar(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &mm) || !ReadChar(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &ss)) {
    return Bad("timestamp", text, Status::Invalid("expected HH:MM:SS"));
  }
  if (hh > 23 || mm > 59 || ss > 59) {
    return Bad("timestamp", text, Status::Invalid("time of day out of range"));
  }
  int32_t nanos = 0;
  int32_t digits = 0;
  if (ReadChar(text, &pos, '.')) {
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits == 9) {
        return Bad("timestamp", text, Status::Invalid("more than 9 fraction digits"));
      }
      nanos = nanos * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return Bad("timestamp", text, Status::Invalid("no digits after '.'"));
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }
  std::optional<int32_t> offset;
  std::string offset_text;
  if (ReadChar(text, &pos, 'Z') || ReadChar(text, &pos, 'z')) {
    offset = 0;
    offset_text = "Z";
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const char sign = text[pos++];
    int64_t oh, om;
    if (!ReadDigits(text, &pos, 2, &oh) || !ReadChar(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &om)) {
      return Bad("timestamp", text, Status::Invalid("expected a UTC offset as +HH:MM or -HH:MM"));
    }
    if (oh > 23 || om > 59) {
      return Bad("timestamp", text, Status::Invalid("UTC offset out of range"));
    }
    offset = static_cast<int32_t>((sign == '-' ? -1 : 1) * (oh * 60 + om));
    offset_text = std::string(1, sign) + Pad(oh, 2) + ":" + Pad(om, 2);
  }
  if (pos != text.size()) {
    return Bad("timestamp", text, Status::Invalid("unexpected text after the time"));
  }
  return TimestampFromParts(internal::DaysFromCivil(date), hh * 3600 + mm * 60 + ss, nanos, digits,
                            offset, offset_text);
}

std::string QuoteString(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

bool NeedsNanosecondTimestamp(const Literal& literal) {
  return literal.kind == LiteralKind::kTimestamp && literal.timestamp.fraction_digits > 6;
}

std::string TimestampSql(const Literal& literal, bool force_nanos) {
  if (force_nanos || NeedsNanosecondTimestamp(literal)) {
    return "CAST(" + QuoteString(literal.text) + " AS TIMESTAMP(9))";
  }
  return "TIMESTAMP " + QuoteString(literal.text);
}

}  // namespace internal

std::optional<int64_t> Literal::AsInt64() const {
  if (kind != LiteralKind::kInteger) return std::nullopt;
  if (negative) {
    if (magnitude > kInt64MinMagnitude) return std::nullopt;
    if (magnitude == kInt64MinMagnitude) return std::numeric_limits<int64_t>::min();
    return -static_cast<int64_t>(magnitude);
  }
  if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(magnitude);
}

std::optional<uint64_t> Literal::AsUInt64() const {
  if (kind != LiteralKind::kInteger || negative) return std::nullopt;
  return magnitude;
}

std::string Literal::ToSql() const {
  switch (kind) {
    case LiteralKind::kNull:
      return "NULL";
    case LiteralKind::kBool:
      return bool_value ? "TRUE" : "FALSE";
    case LiteralKind::kInteger:
      // LanceDB reads "-9223372036854775808" as minus a number too big for int64 and turns it
      // into a float, which no longer converts to int64; the cast keeps it exact.
      if (negative && magnitude == kInt64MinMagnitude) return "CAST(" + text + " AS BIGINT)";
      return text;
    case LiteralKind::kFloat:
      return text;
    case LiteralKind::kString:
      return internal::QuoteString(text);
    case LiteralKind::kDate:
      return "DATE " + internal::QuoteString(text);
    case LiteralKind::kTimestamp:
      return internal::TimestampSql(*this, /*force_nanos=*/false);
  }
  return "NULL";
}

bool Literal::Equals(const Literal& other) const {
  if (kind != other.kind) return false;
  switch (kind) {
    case LiteralKind::kNull:
      return true;
    case LiteralKind::kBool:
      return bool_value == other.bool_value;
    default:
      return text == other.text;
  }
}

Literal NullLiteral() { return Literal{}; }

Literal BoolLiteral(bool value) {
  Literal lit;
  lit.kind = LiteralKind::kBool;
  lit.bool_value = value;
  return lit;
}

Literal UInt64Literal(uint64_t value) {
  Literal lit;
  lit.kind = LiteralKind::kInteger;
  lit.magnitude = value;
  lit.text = std::to_string(value);
  return lit;
}

Literal Int64Literal(int64_t value) {
  if (value >= 0) return UInt64Literal(static_cast<uint64_t>(value));
  Literal lit;
  lit.kind = LiteralKind::kInteger;
  lit.negative = true;
  lit.magnitude = static_cast<uint64_t>(-(value + 1)) + 1;  // no overflow at INT64_MIN
  lit.text = std::to_string(value);
  return lit;
}

Result<Literal> Float64Literal(double value) {
  if (!std::isfinite(value)) {
    return Status::Invalid("float literal: NaN and infinities have no SQL spelling");
  }
  Literal lit;
  lit.kind = LiteralKind::kFloat;
  lit.float_value = value;
  lit.text = ShortestFloatText(value);
  return lit;
}

Result<Literal> StringLiteral(std::string value) {
  const int64_t valid = internal::ValidUtf8Prefix(value);
  if (valid != static_cast<int64_t>(value.size())) {
    return Status::Invalid("string literal: invalid UTF-8 at byte " + std::to_string(valid));
  }
  const size_t nul = value.find('\0');
  if (nul != std::string::npos) {
    return Status::Invalid("string literal: NUL byte at byte " + std::to_string(nul));
  }
  Literal lit;
  lit.kind = LiteralKind::kString;
  lit.text = std::move(value);
  return lit;
}

Result<Literal> DateLiteral(int64_t days) {
  if (days < internal::kMinLiteralDays || days > internal::kMaxLiteralDays) {
    return Status::OutOfRange("date literal: day " + std::to_string(days) +
                              " is outside 0001-01-01..9999-12-31");
  }
  Literal lit;
  lit.kind = LiteralKind::kDate;
  lit.date_days = static_cast<int32_t>(days);
  lit.text = DateText(internal::CivilFromDays(days));
  return lit;
}

Result<Literal> ParseDateLiteral(std::string_view text) {
  auto r = internal::ParseDateText(text);
  if (!r.ok()) return r.status().WithContext("date literal");
  return r;
}

Result<Literal> ParseTimestampLiteral(std::string_view text) {
  auto r = internal::ParseTimestampText(text);
  if (!r.ok()) return r.status().WithContext("timestamp literal");
  return r;
}

// ---------------------------------------------------------------------------------------------
// Typed literals

namespace {

const char* TypeName(arrow::TypeId id) {
  using arrow::TypeId;
  switch (id) {
    case TypeId::kNull:
      return "null";
    case TypeId::kBool:
      return "bool";
    case TypeId::kInt8:
      return "int8";
    case TypeId::kInt16:
      return "int16";
    case TypeId::kInt32:
      return "int32";
    case TypeId::kInt64:
      return "int64";
    case TypeId::kUInt8:
      return "uint8";
    case TypeId::kUInt16:
      return "uint16";
    case TypeId::kUInt32:
      return "uint32";
    case TypeId::kUInt64:
      return "uint64";
    case TypeId::kFloat16:
      return "float16";
    case TypeId::kFloat32:
      return "float32";
    case TypeId::kFloat64:
      return "float64";
    case TypeId::kUtf8:
      return "utf8";
    case TypeId::kLargeUtf8:
      return "large_utf8";
    case TypeId::kBinary:
      return "binary";
    case TypeId::kLargeBinary:
      return "large_binary";
    case TypeId::kFixedSizeBinary:
      return "fixed_size_binary";
    case TypeId::kDate32:
      return "date32";
    case TypeId::kDate64:
      return "date64";
    case TypeId::kTime32:
      return "time32";
    case TypeId::kTime64:
      return "time64";
    case TypeId::kTimestamp:
      return "timestamp";
    case TypeId::kDuration:
      return "duration";
    case TypeId::kDecimal128:
      return "decimal128";
    case TypeId::kDecimal256:
      return "decimal256";
    case TypeId::kStruct:
      return "struct";
    case TypeId::kList:
      return "list";
    case TypeId::kLargeList:
      return "large_list";
    case TypeId::kFixedSizeList:
      return "fixed_size_list";
    case TypeId::kDictionary:
      return "dictionary";
  }
  return "unknown";
}

const char* AlternativeName(const ScalarValue& v) {
  switch (v.index()) {
    case 0:
      return "null";
    case 1:
      return "bool";
    case 2:
      return "int64_t";
    case 3:
      return "uint64_t";
    case 4:
      return "double";
    default:
      return "string";
  }
}

Status WrongValue(arrow::TypeId id, const ScalarValue& v) {
  return Status::Invalid(std::string("typed literal: a ") + AlternativeName(v) +
                         " value cannot be a literal of type " + TypeName(id));
}

// Sign and magnitude of an integer alternative.
bool IntegerParts(const ScalarValue& v, bool* negative, uint64_t* magnitude) {
  if (const auto* i = std::get_if<int64_t>(&v)) {
    *negative = *i < 0;
    *magnitude = *i < 0 ? static_cast<uint64_t>(-(*i + 1)) + 1 : static_cast<uint64_t>(*i);
    return true;
  }
  if (const auto* u = std::get_if<uint64_t>(&v)) {
    *negative = false;
    *magnitude = *u;
    return true;
  }
  return false;
}

int IntegerBits(arrow::TypeId id) {
  using arrow::TypeId;
  switch (id) {
    case TypeId::kInt8:
    case TypeId::kUInt8:
      return 8;
    case TypeId::kInt16:
    case TypeId::kUInt16:
      return 16;
    case TypeId::kInt32:
    case TypeId::kUInt32:
      return 32;
    default:
      return 64;
  }
}

bool IsUtcZone(const std::string& tz) {
  static constexpr std::string_view kUtcNames[] = {
      "UTC",   "Etc/UTC", "Etc/UCT",   "UCT",           "Etc/Universal", "Universal", "Etc/Zulu",
      "Zulu",  "GMT",     "Etc/GMT",   "Etc/GMT+0",     "Etc/GMT-0",     "Etc/GMT0",  "GMT0",
      "GMT+0", "GMT-0",   "Greenwich", "Etc/Greenwich", "+00:00",        "-00:00",    "+0000",
      "-0000", "Z",       "utc"};
  for (std::string_view n : kUtcNames) {
    if (tz == n) return true;
  }
  return false;
}

Result<Literal> TimestampLiteralFromValue(const arrow::DataType& type, int64_t value) {
  int64_t per_second = 1;
  int32_t digits = 0;
  const char* unit = "s";
  switch (type.unit()) {
    case arrow::TimeUnit::kSecond:
      per_second = 1;
      digits = 0;
      unit = "s";
      break;
    case arrow::TimeUnit::kMilli:
      per_second = 1000;
      digits = 3;
      unit = "ms";
      break;
    case arrow::TimeUnit::kMicro:
      per_second = 1000000;
      digits = 6;
      unit = "us";
      break;
    case arrow::TimeUnit::kNano:
      per_second = 1000000000;
      digits = 9;
      unit = "ns";
      break;
  }
  const int64_t seconds = internal::FloorDiv(value, per_second);
  const auto nanos =
      static_cast<int32_t>(internal::FloorMod(value, per_second) * (1000000000 / per_second));
  const int64_t days = internal::FloorDiv(seconds, internal::kSecondsPerDay);
  if (days < internal::kMinLiteralDays || days > internal::kMaxLiteralDays) {
    return Status::OutOfRange("typed literal: timestamp value " + std::to_string(value) + " " +
                              unit + " is outside the years 0001..9999");
  }
  return TimestampFromParts(days, internal::FloorMod(seconds, internal::kSecondsPerDay), nanos,
                            digits, std::nullopt, "");
}

}  // namespace

Result<Literal> MakeTypedLiteral(const arrow::DataType& type, const ScalarValue& value) {
  using arrow::TypeId;
  if (std::holds_alternative<std::monostate>(value)) return NullLiteral();
  const TypeId id = type.id();
  switch (id) {
    case TypeId::kBool:
      if (const auto* b = std::get_if<bool>(&value)) return BoolLiteral(*b);
      return WrongValue(id, value);
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64: {
      bool negative;
      uint64_t magnitude;
      if (!IntegerParts(value, &negative, &magnitude)) return WrongValue(id, value);
      const int bits = IntegerBits(id);
      const bool is_signed = id == TypeId::kInt8 || id == TypeId::kInt16 || id == TypeId::kInt32 ||
                             id == TypeId::kInt64;
      const uint64_t max_positive = is_signed    ? (uint64_t{1} << (bits - 1)) - 1
                                    : bits == 64 ? std::numeric_limits<uint64_t>::max()
                                                 : (uint64_t{1} << bits) - 1;
      const uint64_t max_negative = is_signed ? uint64_t{1} << (bits - 1) : 0;
      if ((negative && magnitude > max_negative) || (!negative && magnitude > max_positive)) {
        return Status::OutOfRange(std::string("typed literal: ") + (negative ? "-" : "") +
                                  std::to_string(magnitude) + " does not fit " + TypeName(id));
      }
      Literal lit = UInt64Literal(magnitude);
      if (negative) {
        lit.negative = true;
        lit.text.insert(0, "-");
      }
      return lit;
    }
    case TypeId::kFloat16:
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      const auto* d = std::get_if<double>(&value);
      if (d == nullptr) return WrongValue(id, value);
      if (!std::isfinite(*d)) {
        return Status::Invalid("typed literal: NaN and infinities have no SQL spelling");
      }
      if (id == TypeId::kFloat64) return Float64Literal(*d);
      const double max = id == TypeId::kFloat16 ? 65504.0 : std::numeric_limits<float>::max();
      if (std::fabs(*d) > max) {
        return Status::OutOfRange("typed literal: " + ShortestFloatText(*d) + " does not fit " +
                                  TypeName(id));
      }
      Literal lit;
      lit.kind = LiteralKind::kFloat;
      lit.float_value = *d;
      if (id == TypeId::kFloat32) {
        const auto f = static_cast<float>(*d);
        if (static_cast<double>(f) != *d) {
          return Status::Invalid("typed literal: " + ShortestFloatText(*d) +
                                 " is not a float32 value");
        }
        // The shortest text for the float32 value: LanceDB converts the literal to the column's
        // type, so it lands on the same float32.
        lit.text = ShortestFloatText(f);
      } else {
        lit.text = ShortestFloatText(*d);
      }
      return lit;
    }
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
      if (const auto* s = std::get_if<std::string>(&value)) return StringLiteral(*s);
      return WrongValue(id, value);
    case TypeId::kDate32: {
      const auto* days = std::get_if<int64_t>(&value);
      if (days == nullptr) return WrongValue(id, value);
      return DateLiteral(*days);
    }
    case TypeId::kDate64: {
      const auto* ms = std::get_if<int64_t>(&value);
      if (ms == nullptr) return WrongValue(id, value);
      constexpr int64_t kMsPerDay = internal::kSecondsPerDay * 1000;
      if (internal::FloorMod(*ms, kMsPerDay) != 0) {
        return Status::OutOfRange("typed literal: date64 value " + std::to_string(*ms) +
                                  " ms is not a whole day");
      }
      return DateLiteral(internal::FloorDiv(*ms, kMsPerDay));
    }
    case TypeId::kTimestamp: {
      const auto* v = std::get_if<int64_t>(&value);
      if (v == nullptr) return WrongValue(id, value);
      if (!type.timezone().empty() && !IsUtcZone(type.timezone())) {
        return Status::NotImplemented(
            "typed literal: timestamp with time zone '" + type.timezone() +
            "': LanceDB reads a timestamp literal as wall-clock time in the column's zone "
            "(use MakeColumnComparison)");
      }
      return TimestampLiteralFromValue(type, *v);
    }
    default:
      return Status::NotImplemented(std::string("typed literal: no SQL literal for type ") +
                                    TypeName(id));
  }
}

Result<std::string> RenderTypedLiteral(const arrow::DataType& type, const ScalarValue& value) {
  LF_ASSIGN_OR_RETURN(Literal lit, MakeTypedLiteral(type, value));
  return lit.ToSql();
}

Result<ExprPtr> MakeColumnComparison(ColumnPath column, const arrow::DataType& type, CompareOp op,
                                     const ScalarValue& value) {
  if (std::holds_alternative<std::monostate>(value)) {
    return Status::Invalid("column comparison: " + column.ToString() +
                           " compared with NULL is never true (use IS NULL)");
  }
  if (type.id() == arrow::TypeId::kTimestamp && !type.timezone().empty() &&
      !IsUtcZone(type.timezone())) {
    // No literal names an instant for such a column (see MakeTypedLiteral); its raw value, the
    // count of units since the epoch in UTC, compares exactly.
    const auto* v = std::get_if<int64_t>(&value);
    if (v == nullptr) return WrongValue(type.id(), value);
    return MakeCompare(op, MakeCast(MakeColumn(std::move(column)), CastType::kInt64),
                       MakeLiteral(Int64Literal(*v)));
  }
  LF_ASSIGN_OR_RETURN(Literal lit, MakeTypedLiteral(type, value));
  return MakeCompare(op, MakeColumn(std::move(column)), MakeLiteral(std::move(lit)));
}

}  // namespace lanceflow::expr
