#include "lanceflow/arrow/json_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/arrow/decimal.h"
#include "lanceflow/arrow/float16.h"
#include "lanceflow/arrow/utf8.h"

namespace lanceflow::arrow {
namespace {

// ---------------------------------------------------------------------------------------------
// Scalars

// Bytes that may be copied into a JSON string as they are: kPlainAscii for printable ASCII other
// than '"' and '\'; kPlainUtf8 adds the bytes >= 0x80, for strings already known to be valid
// UTF-8.
struct PlainTable {
  bool v[256];
  constexpr explicit PlainTable(bool high) : v() {
    for (int c = 0x20; c < 0x100; ++c) v[c] = c != '"' && c != '\\' && (high || c < 0x80);
  }
};
constexpr PlainTable kPlainAscii(false);
constexpr PlainTable kPlainUtf8(true);

template <typename T>
inline void AppendInt(T v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

// Appends `v` as exactly `width` digits (v < 10^width).
inline void AppendPadded(uint64_t v, int width, std::string* out) {
  char buf[20];
  for (int k = width - 1; k >= 0; --k) {
    buf[k] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out->append(buf, static_cast<size_t>(width));
}

// Writes `v` as exactly `width` digits at `p` (v < 10^width); returns the end.
inline char* WritePadded(char* p, uint64_t v, int width) {
  for (int k = width - 1; k >= 0; --k) {
    p[k] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

// Appends formatted float digits, adding ".0" when they look like an integer so that every
// JSON parser reads a float (Python's json reads "-0" as the integer 0, losing the sign).
inline void AppendFloatText(const char* buf, const char* end, std::string* out) {
  out->append(buf, static_cast<size_t>(end - buf));
  for (const char* p = buf; p < end; ++p) {
    if (*p == '.' || *p == 'e') return;
  }
  out->append(".0", 2);
}

template <typename F>
inline void AppendFloat(F v, std::string* out) {
  if (std::isnan(v)) {
    out->append("\"NaN\"");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round-trip for F
    AppendFloatText(buf, r.ptr, out);
  }
}

void AppendHalf(uint16_t h, std::string* out) {
  const float f = HalfToFloat(h);
  if (std::isnan(f) || std::isinf(f)) {
    AppendFloat(f, out);
    return;
  }
  // Five significant digits always identify a binary16 value; take the fewest that do. At each
  // precision the correctly rounded decimal may fall just outside the value's rounding interval
  // while a neighbour one unit away in the last digit lies inside, so try those too.
  char buf[32];
  for (int precision = 1; precision <= 5; ++precision) {
    auto r = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific,
                           precision - 1);  // "d.ddde+XX"
    const char* e = std::find(buf, r.ptr, 'e');
    int64_t digits = 0;
    for (const char* p = buf; p < e; ++p) {
      if (*p >= '0' && *p <= '9') digits = digits * 10 + (*p - '0');
    }
    int exponent = 0;
    std::from_chars(e + (e[1] == '+' ? 2 : 1), r.ptr, exponent);
    exponent -= precision - 1;  // value = digits * 10^exponent
    const bool negative = buf[0] == '-';
    for (int64_t delta : {0, -1, 1}) {
      const int64_t candidate = digits + delta;
      if (candidate <= 0) continue;
      char text[40];
      char* end = std::to_chars(text, text + 20, negative ? -candidate : candidate).ptr;
      *end++ = 'e';
      end = std::to_chars(end, text + sizeof(text), exponent).ptr;
      double value = 0;
      std::from_chars(text, end, value);
      if (DoubleToHalf(value) == h) {
        auto w = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::general,
                               precision);
        AppendFloatText(buf, w.ptr, out);
        return;
      }
    }
    if (digits == 0) {  // +-0
      const std::string_view zero = negative ? "-0" : "0";
      AppendFloatText(zero.data(), zero.data() + zero.size(), out);
      return;
    }
  }
  auto w = std::to_chars(buf, buf + sizeof(buf), f);  // not reached: 5 digits always suffice
  AppendFloatText(buf, w.ptr, out);
}

const char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void AppendBase64(const uint8_t* p, int64_t n, std::string* out) {
  out->push_back('"');
  const size_t start = out->size();
  out->resize(start + static_cast<size_t>((n + 2) / 3 * 4));
  char* d = out->data() + start;
  int64_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    *d++ = kBase64Alphabet[(v >> 18) & 63];
    *d++ = kBase64Alphabet[(v >> 12) & 63];
    *d++ = kBase64Alphabet[(v >> 6) & 63];
    *d++ = kBase64Alphabet[v & 63];
  }
  if (n - i == 1) {
    const uint32_t v = uint32_t{p[i]} << 16;
    *d++ = kBase64Alphabet[(v >> 18) & 63];
    *d++ = kBase64Alphabet[(v >> 12) & 63];
    *d++ = '=';
    *d++ = '=';
  } else if (n - i == 2) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    *d++ = kBase64Alphabet[(v >> 18) & 63];
    *d++ = kBase64Alphabet[(v >> 12) & 63];
    *d++ = kBase64Alphabet[(v >> 6) & 63];
    *d++ = '=';
  }
  out->push_back('"');
}

// Proleptic Gregorian civil date from days since 1970-01-01 (H. Hinnant's days_from_civil
// inverse). Exact for every int64 day count that arises from date32/date64/timestamps (|days|
// well below 2^62), with no overflow.
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const uint64_t doe = static_cast<uint64_t>(z - era * 146097);             // [0, 146096]
  const uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               // [0, 365]
  const uint64_t mp = (5 * doy + 2) / 153;                                    // [0, 11]
  *day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  *year = static_cast<int64_t>(yoe) + era * 400 + (*month <= 2);
}

// Writes "YYYY-MM-DD" (years outside 0..9999 signed, at least 4 digits) at `p`, which has room
// for 32 characters; returns the end.
char* WriteDate(char* p, int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (y >= 0 && y <= 9999) {
    p = WritePadded(p, static_cast<uint64_t>(y), 4);
  } else {
    *p++ = y < 0 ? '-' : '+';
    const uint64_t mag = y < 0 ? 0 - static_cast<uint64_t>(y) : static_cast<uint64_t>(y);
    p = mag < 10000 ? WritePadded(p, mag, 4) : std::to_chars(p, p + 20, mag).ptr;
  }
  *p++ = '-';
  p = WritePadded(p, m, 2);
  *p++ = '-';
  return WritePadded(p, d, 2);
}

int64_t UnitsPerSecond(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSecond: return 1;
    case TimeUnit::kMilli: return 1000;
    case TimeUnit::kMicro: return 1000000;
    case TimeUnit::kNano: return 1000000000;
  }
  return 1;
}

int FractionDigits(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSecond: return 0;
    case TimeUnit::kMilli: return 3;
    case TimeUnit::kMicro: return 6;
    case TimeUnit::kNano: return 9;
  }
  return 0;
}

// Floor division and the matching non-negative remainder, overflow free for all int64 values
// and positive divisors.
inline void FloorDivMod(int64_t v, int64_t d, int64_t* q, int64_t* r) {
  *q = v / d;
  *r = v % d;
  if (*r < 0) {
    *r += d;
    *q -= 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoders: one per array node, built once per batch; Encode(i) appends slot i (a logical index
// into that array, its offset not yet applied).

class Encoder {
 public:
  explicit Encoder(const ArrayData& a)
      : validity_(a.buffers.empty() || !a.buffers[0] ? nullptr : a.buffers[0]->data()),
        offset_(a.offset) {}
  virtual ~Encoder() = default;

  void Encode(int64_t i, std::string* out) const {
    if (validity_ != nullptr && !GetBit(validity_, offset_ + i)) {
      out->append("null", 4);
      return;
    }
    EncodeValid(i, out);
  }

 protected:
  virtual void EncodeValid(int64_t i, std::string* out) const = 0;
  const uint8_t* validity_;
  int64_t offset_;
};

using EncoderPtr = std::unique_ptr<Encoder>;
Result<EncoderPtr> MakeEncoder(const ArrayData& a, int depth);

class NullEncoder final : public Encoder {
 public:
  using Encoder::Encoder;
  void EncodeValid(int64_t, std::string* out) const override { out->append("null", 4); }
};

// Fixed-width values; a null values buffer only occurs when no slot is addressed.
template <typename T>
class FixedEncoder : public Encoder {
 public:
  explicit FixedEncoder(const ArrayData& a)
      : Encoder(a),
        values_(a.buffers[1] ? reinterpret_cast<const T*>(a.buffers[1]->data()) + a.offset
                             : nullptr) {}

 protected:
  const T* values_;
};

class BoolEncoder final : public Encoder {
 public:
  explicit BoolEncoder(const ArrayData& a)
      : Encoder(a), bits_(a.buffers[1] ? a.buffers[1]->data() : nullptr) {}
  void EncodeValid(int64_t i, std::string* out) const override {
    if (GetBit(bits_, offset_ + i)) {
      out->append("true", 4);
    } else {
      out->append("false", 5);
    }
  }

 private:
  const uint8_t* bits_;
};

template <typename T>
class IntEncoder final : public FixedEncoder<T> {
 public:
  using FixedEncoder<T>::FixedEncoder;
  void EncodeValid(int64_t i, std::string* out) const override { AppendInt(this->values_[i], out); }
};

template <typename T>
class FloatEncoder final : public FixedEncoder<T> {
 public:
  using FixedEncoder<T>::FixedEncoder;
  void EncodeValid(int64_t i, std::string* out) const override {
    AppendFloat(this->values_[i], out);
  }
};

class HalfEncoder final : public FixedEncoder<uint16_t> {
 public:
  using FixedEncoder<uint16_t>::FixedEncoder;
  void EncodeValid(int64_t i, std::string* out) const override { AppendHalf(values_[i], out); }
};

template <typename T>
class DateEncoder final : public FixedEncoder<T> {
 public:
  explicit DateEncoder(const ArrayData& a) : FixedEncoder<T>(a) {}
  void EncodeValid(int64_t i, std::string* out) const override {
    int64_t days = this->values_[i];
    if constexpr (sizeof(T) == 8) {  // date64: milliseconds
      int64_t ms;
      FloorDivMod(days, 86400000, &days, &ms);
    }
    char buf[40];
    char* p = buf;
    *p++ = '"';
    p = WriteDate(p, days);
    *p++ = '"';
    out->append(buf, static_cast<size_t>(p - buf));
  }
};

class TimestampEncoder final : public FixedEncoder<int64_t> {
 public:
  explicit TimestampEncoder(const ArrayData& a)
      : FixedEncoder<int64_t>(a),
        per_second_(UnitsPerSecond(a.type->unit())),
        digits_(FractionDigits(a.type->unit())),
        zulu_(!a.type->timezone().empty()) {}
  void EncodeValid(int64_t i, std::string* out) const override {
    int64_t secs, frac, days, sod;
    FloorDivMod(values_[i], per_second_, &secs, &frac);
    FloorDivMod(secs, 86400, &days, &sod);
    char buf[64];
    char* p = buf;
    *p++ = '"';
    p = WriteDate(p, days);
    *p++ = 'T';
    p = WritePadded(p, static_cast<uint64_t>(sod / 3600), 2);
    *p++ = ':';
    p = WritePadded(p, static_cast<uint64_t>(sod / 60 % 60), 2);
    *p++ = ':';
    p = WritePadded(p, static_cast<uint64_t>(sod % 60), 2);
    if (digits_ > 0) {
      *p++ = '.';
      p = WritePadded(p, static_cast<uint64_t>(frac), digits_);
    }
    if (zulu_) *p++ = 'Z';
    *p++ = '"';
    out->append(buf, static_cast<size_t>(p - buf));
  }

 private:
  int64_t per_second_;
  int digits_;
  bool zulu_;
};

template <typename T>
class TimeEncoder final : public FixedEncoder<T> {
 public:
  explicit TimeEncoder(const ArrayData& a)
      : FixedEncoder<T>(a),
        per_second_(static_cast<uint64_t>(UnitsPerSecond(a.type->unit()))),
        digits_(FractionDigits(a.type->unit())) {}
  void EncodeValid(int64_t i, std::string* out) const override {
    const int64_t v = this->values_[i];
    const uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    const uint64_t secs = mag / per_second_;
    out->push_back('"');
    if (v < 0) out->push_back('-');
    const uint64_t hours = secs / 3600;
    if (hours < 100) {
      AppendPadded(hours, 2, out);
    } else {
      AppendInt(hours, out);
    }
    out->push_back(':');
    AppendPadded(secs / 60 % 60, 2, out);
    out->push_back(':');
    AppendPadded(secs % 60, 2, out);
    if (digits_ > 0) {
      out->push_back('.');
      AppendPadded(mag % per_second_, digits_, out);
    }
    out->push_back('"');
  }

 private:
  uint64_t per_second_;
  int digits_;
};

class DecimalEncoder final : public Encoder {
 public:
  explicit DecimalEncoder(const ArrayData& a)
      : Encoder(a),
        words_(a.type->id() == TypeId::kDecimal128 ? 2 : 4),
        scale_(a.type->scale()),
        values_(a.buffers[1] ? a.buffers[1]->data() + a.offset * words_ * 8 : nullptr) {}
  void EncodeValid(int64_t i, std::string* out) const override {
    out->push_back('"');
    AppendDecimalString(values_ + i * words_ * 8, words_, scale_, out);
    out->push_back('"');
  }

 private:
  int words_;
  int32_t scale_;
  const uint8_t* values_;
};

template <typename OffsetT, bool kUtf8>
class BinaryEncoder final : public Encoder {
 public:
  explicit BinaryEncoder(const ArrayData& a)
      : Encoder(a),
        offsets_(a.length > 0 ? a.offsets<OffsetT>() : nullptr),
        data_(a.buffers[2] ? a.buffers[2]->data() : nullptr) {}
  void EncodeValid(int64_t i, std::string* out) const override {
    const int64_t s = static_cast<int64_t>(offsets_[i]);
    const int64_t n = static_cast<int64_t>(offsets_[i + 1]) - s;
    if constexpr (kUtf8) {
      AppendJsonString(n == 0 ? std::string_view()
                              : std::string_view(reinterpret_cast<const char*>(data_) + s,
                                                 static_cast<size_t>(n)),
                       out);
    } else {
      AppendBase64(n == 0 ? nullptr : data_ + s, n, out);
    }
  }

 private:
  const OffsetT* offsets_;
  const uint8_t* data_;
};

class FixedSizeBinaryEncoder final : public Encoder {
 public:
  explicit FixedSizeBinaryEncoder(const ArrayData& a)
      : Encoder(a),
        width_(a.type->fixed_size()),
        data_(a.buffers[1] ? a.buffers[1]->data() + a.offset * width_ : nullptr) {}
  void EncodeValid(int64_t i, std::string* out) const override {
    AppendBase64(width_ == 0 ? nullptr : data_ + i * width_, width_, out);
  }

 private:
  int64_t width_;
  const uint8_t* data_;
};

class StructEncoder final : public Encoder {
 public:
  StructEncoder(const ArrayData& a, std::vector<EncoderPtr> children)
      : Encoder(a), children_(std::move(children)) {
    const auto& fields = a.type->children();
    for (size_t k = 0; k < fields.size(); ++k) {
      std::string key = k == 0 ? "{" : ",";
      AppendJsonString(fields[k]->name, &key);
      key.push_back(':');
      keys_.push_back(std::move(key));
    }
  }
  void EncodeValid(int64_t i, std::string* out) const override {
    if (children_.empty()) {
      out->append("{}", 2);
      return;
    }
    for (size_t k = 0; k < children_.size(); ++k) {
      out->append(keys_[k]);
      children_[k]->Encode(offset_ + i, out);
    }
    out->push_back('}');
  }

 private:
  std::vector<EncoderPtr> children_;
  std::vector<std::string> keys_;
};

template <typename OffsetT>
class ListEncoder final : public Encoder {
 public:
  ListEncoder(const ArrayData& a, EncoderPtr child)
      : Encoder(a), offsets_(a.length > 0 ? a.offsets<OffsetT>() : nullptr),
        child_(std::move(child)) {}
  void EncodeValid(int64_t i, std::string* out) const override {
    out->push_back('[');
    const int64_t s = static_cast<int64_t>(offsets_[i]);
    const int64_t e = static_cast<int64_t>(offsets_[i + 1]);
    for (int64_t j = s; j < e; ++j) {
      if (j != s) out->push_back(',');
      child_->Encode(j, out);
    }
    out->push_back(']');
  }

 private:
  const OffsetT* offsets_;
  EncoderPtr child_;
};

class FixedSizeListEncoder final : public Encoder {
 public:
  FixedSizeListEncoder(const ArrayData& a, EncoderPtr child)
      : Encoder(a), size_(a.type->fixed_size()), child_(std::move(child)) {}
  void EncodeValid(int64_t i, std::string* out) const override {
    out->push_back('[');
    const int64_t s = (offset_ + i) * size_;
    for (int64_t k = 0; k < size_; ++k) {
      if (k != 0) out->push_back(',');
      child_->Encode(s + k, out);
    }
    out->push_back(']');
  }

 private:
  int64_t size_;
  EncoderPtr child_;
};

template <typename IndexT>
class DictionaryEncoder final : public FixedEncoder<IndexT> {
 public:
  DictionaryEncoder(const ArrayData& a, EncoderPtr values)
      : FixedEncoder<IndexT>(a), values_encoder_(std::move(values)) {}
  void EncodeValid(int64_t i, std::string* out) const override {
    values_encoder_->Encode(static_cast<int64_t>(this->values_[i]), out);
  }

 private:
  EncoderPtr values_encoder_;
};

template <template <typename> class E, typename... Args>
EncoderPtr MakeForIndex(TypeId index, const ArrayData& a, Args&&... args) {
  switch (index) {
    case TypeId::kInt8: return std::make_unique<E<int8_t>>(a, std::forward<Args>(args)...);
    case TypeId::kInt16: return std::make_unique<E<int16_t>>(a, std::forward<Args>(args)...);
    case TypeId::kInt32: return std::make_unique<E<int32_t>>(a, std::forward<Args>(args)...);
    case TypeId::kInt64: return std::make_unique<E<int64_t>>(a, std::forward<Args>(args)...);
    case TypeId::kUInt8: return std::make_unique<E<uint8_t>>(a, std::forward<Args>(args)...);
    case TypeId::kUInt16: return std::make_unique<E<uint16_t>>(a, std::forward<Args>(args)...);
    case TypeId::kUInt32: return std::make_unique<E<uint32_t>>(a, std::forward<Args>(args)...);
    default: return std::make_unique<E<uint64_t>>(a, std::forward<Args>(args)...);
  }
}

Result<EncoderPtr> MakeEncoder(const ArrayData& a, int depth) {
  if (depth > kMaxValidationDepth) {
    return Status::Invalid("JSON encoding: nesting deeper than " +
                           std::to_string(kMaxValidationDepth) + " levels");
  }
  switch (a.type->id()) {
    case TypeId::kNull: return EncoderPtr(std::make_unique<NullEncoder>(a));
    case TypeId::kBool: return EncoderPtr(std::make_unique<BoolEncoder>(a));
    case TypeId::kInt8: return EncoderPtr(std::make_unique<IntEncoder<int8_t>>(a));
    case TypeId::kInt16: return EncoderPtr(std::make_unique<IntEncoder<int16_t>>(a));
    case TypeId::kInt32: return EncoderPtr(std::make_unique<IntEncoder<int32_t>>(a));
    case TypeId::kInt64: case TypeId::kDuration:
      return EncoderPtr(std::make_unique<IntEncoder<int64_t>>(a));
    case TypeId::kUInt8: return EncoderPtr(std::make_unique<IntEncoder<uint8_t>>(a));
    case TypeId::kUInt16: return EncoderPtr(std::make_unique<IntEncoder<uint16_t>>(a));
    case TypeId::kUInt32: return EncoderPtr(std::make_unique<IntEncoder<uint32_t>>(a));
    case TypeId::kUInt64: return EncoderPtr(std::make_unique<IntEncoder<uint64_t>>(a));
    case TypeId::kFloat16: return EncoderPtr(std::make_unique<HalfEncoder>(a));
    case TypeId::kFloat32: return EncoderPtr(std::make_unique<FloatEncoder<float>>(a));
    case TypeId::kFloat64: return EncoderPtr(std::make_unique<FloatEncoder<double>>(a));
    case TypeId::kUtf8: return EncoderPtr(std::make_unique<BinaryEncoder<int32_t, true>>(a));
    case TypeId::kLargeUtf8: return EncoderPtr(std::make_unique<BinaryEncoder<int64_t, true>>(a));
    case TypeId::kBinary: return EncoderPtr(std::make_unique<BinaryEncoder<int32_t, false>>(a));
    case TypeId::kLargeBinary:
      return EncoderPtr(std::make_unique<BinaryEncoder<int64_t, false>>(a));
    case TypeId::kFixedSizeBinary: return EncoderPtr(std::make_unique<FixedSizeBinaryEncoder>(a));
    case TypeId::kDate32: return EncoderPtr(std::make_unique<DateEncoder<int32_t>>(a));
    case TypeId::kDate64: return EncoderPtr(std::make_unique<DateEncoder<int64_t>>(a));
    case TypeId::kTime32: return EncoderPtr(std::make_unique<TimeEncoder<int32_t>>(a));
    case TypeId::kTime64: return EncoderPtr(std::make_unique<TimeEncoder<int64_t>>(a));
    case TypeId::kTimestamp: return EncoderPtr(std::make_unique<TimestampEncoder>(a));
    case TypeId::kDecimal128: case TypeId::kDecimal256:
      return EncoderPtr(std::make_unique<DecimalEncoder>(a));
    case TypeId::kStruct: {
      std::vector<EncoderPtr> children;
      for (const ArrayDataPtr& c : a.children) {
        LF_ASSIGN_OR_RETURN(EncoderPtr e, MakeEncoder(*c, depth + 1));
        children.push_back(std::move(e));
      }
      return EncoderPtr(std::make_unique<StructEncoder>(a, std::move(children)));
    }
    case TypeId::kList: case TypeId::kLargeList: case TypeId::kFixedSizeList: {
      LF_ASSIGN_OR_RETURN(EncoderPtr child, MakeEncoder(*a.children[0], depth + 1));
      if (a.type->id() == TypeId::kList) {
        return EncoderPtr(std::make_unique<ListEncoder<int32_t>>(a, std::move(child)));
      }
      if (a.type->id() == TypeId::kLargeList) {
        return EncoderPtr(std::make_unique<ListEncoder<int64_t>>(a, std::move(child)));
      }
      return EncoderPtr(std::make_unique<FixedSizeListEncoder>(a, std::move(child)));
    }
    case TypeId::kDictionary: {
      LF_ASSIGN_OR_RETURN(EncoderPtr values, MakeEncoder(*a.dictionary, depth + 1));
      return MakeForIndex<DictionaryEncoder>(a.type->index_type()->id(), a, std::move(values));
    }
  }
  return Status::NotImplemented("JSON encoding of " + a.type->ToString());
}

// Encoders and "key": prefixes for the columns of one batch.
struct RowEncoder {
  std::vector<EncoderPtr> columns;
  std::vector<std::string> keys;  // `{"a":` for the first column, `,"b":` for the others

  Status Init(const RecordBatch& batch) {
    const Schema& schema = *batch.schema();
    if (batch.num_columns() != schema.num_fields()) {
      return Status::Invalid("JSON encoding: batch has " + std::to_string(batch.num_columns()) +
                             " columns, its schema " + std::to_string(schema.num_fields()));
    }
    for (int c = 0; c < batch.num_columns(); ++c) {
      const ArrayDataPtr& col = batch.column(c);
      const std::string& name = schema.field(c)->name;
      if (!col || col->length < batch.num_rows()) {
        return Status::Invalid("JSON encoding: column '" + name + "' is shorter than the batch");
      }
      LF_ASSIGN_OR_RETURN(EncoderPtr e, MakeEncoder(*col, 0));
      columns.push_back(std::move(e));
      std::string key = c == 0 ? "{" : ",";
      AppendJsonString(name, &key);
      key.push_back(':');
      keys.push_back(std::move(key));
    }
    return Status::OK();
  }

  void EncodeRow(int64_t row, std::string* out) const {
    if (columns.empty()) {
      out->append("{}\n", 3);
      return;
    }
    for (size_t c = 0; c < columns.size(); ++c) {
      out->append(keys[c]);
      columns[c]->Encode(row, out);
    }
    out->append("}\n", 2);
  }
};

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t* end = p + s.size();
  // Valid strings (nearly all) copy multi-byte characters in runs; only invalid ones are
  // decoded sequence by sequence.
  const PlainTable& plain =
      IsValidUtf8(p, static_cast<int64_t>(s.size())) ? kPlainUtf8 : kPlainAscii;
  out->push_back('"');
  while (p < end) {
    const uint8_t* run = p;
    while (p < end && plain.v[*p]) ++p;
    if (p != run) out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    if (p == end) break;
    const uint8_t c = *p;
    if (c >= 0x80) {
      int bad = 0;
      const int n = Utf8SequenceLength(p, end - p, &bad);
      if (n > 0) {
        out->append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
        p += n;
      } else {
        out->append("\\ufffd", 6);
        p += bad;
      }
      continue;
    }
    switch (c) {
      case '"': out->append("\\\"", 2); break;
      case '\\': out->append("\\\\", 2); break;
      case '\b': out->append("\\b", 2); break;
      case '\f': out->append("\\f", 2); break;
      case '\n': out->append("\\n", 2); break;
      case '\r': out->append("\\r", 2); break;
      case '\t': out->append("\\t", 2); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(esc, 6);
        break;
      }
    }
    ++p;
  }
  out->push_back('"');
}

Status AppendJsonLines(const RecordBatch& batch, std::string* out) {
  RowEncoder enc;
  LF_RETURN_NOT_OK(enc.Init(batch));
  for (int64_t r = 0; r < batch.num_rows(); ++r) enc.EncodeRow(r, out);
  return Status::OK();
}

Status AppendJsonValue(const ArrayData& array, int64_t index, std::string* out) {
  if (index < 0 || index >= array.length) {
    return Status::OutOfRange("JSON encoding: slot " + std::to_string(index) +
                              " outside an array of " + std::to_string(array.length));
  }
  LF_ASSIGN_OR_RETURN(EncoderPtr e, MakeEncoder(array, 0));
  e->Encode(index, out);
  return Status::OK();
}

Status JsonLinesWriter::Write(const RecordBatch& batch) {
  RowEncoder enc;
  LF_RETURN_NOT_OK(enc.Init(batch));
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    enc.EncodeRow(r, &buffer_);
    if (static_cast<int64_t>(buffer_.size()) >= flush_bytes_) LF_RETURN_NOT_OK(Flush());
  }
  return Status::OK();
}

Status JsonLinesWriter::Flush() {
  if (buffer_.empty()) return Status::OK();
  Status st = sink_(buffer_);
  buffer_.clear();
  return st;
}

}  // namespace lanceflow::arrow
