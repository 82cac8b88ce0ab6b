// Binding and evaluation of filters over record batches. See lanceflow/expr/evaluate.h for the
// semantics; the LanceDB behaviour each rule reproduces is pinned by tests/golden/filter.
//
// Shape: binding turns the Expr tree into a tree of predicate nodes (one virtual Eval per node
// and batch, never per row) over value nodes that produce whole arrays (a column, a struct field
// with its parents' nulls merged in, a decoded dictionary, a cast). Comparisons of a value with a
// literal convert the literal to the value's physical type at bind time and run a typed loop
// over the values buffer; other comparisons (two columns, mixed types) first map both sides to a
// common domain (exact 128-bit integers, doubles, strings, nanosecond instants).
#include "lanceflow/expr/evaluate.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "calendar.h"
#include "evaluate_internal.h"
#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/arrow/decimal.h"
#include "lanceflow/arrow/float16.h"
#include "lanceflow/arrow/take.h"
#include "time_zone.h"

namespace lanceflow::expr {

using arrow::ArrayData;
using arrow::ArrayDataPtr;
using arrow::DataType;
using arrow::DataTypePtr;
using arrow::RecordBatch;
using arrow::TypeId;
using internal::NumWords;
using internal::TailMask;
using internal::TriBits;
using Words = std::vector<uint64_t>;
using int128 = __int128;

namespace internal {

void ValidityWords(const ArrayData& a, Words* out) {
  const int64_t n = a.length;
  out->assign(static_cast<size_t>(NumWords(n)), ~uint64_t{0});
  if (a.type->id() == TypeId::kNull) {
    std::fill(out->begin(), out->end(), 0);
    return;
  }
  if (!a.buffers.empty() && a.buffers[0] && a.null_count != 0) {
    arrow::CopyBitmap(a.buffers[0]->data(), a.offset, reinterpret_cast<uint8_t*>(out->data()), 0,
                      n);
  }
  if (!out->empty()) out->back() &= TailMask(n);
}

}  // namespace internal

bool Selection::IsSelected(int64_t i) const {
  return bitmap_ && i >= 0 && i < length_ && arrow::GetBit(bitmap_->data(), i);
}

std::vector<int64_t> Selection::Indices() const {
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(count_));
  if (!bitmap_) return out;
  const uint8_t* bits = bitmap_->data();
  for (int64_t w = 0; w < NumWords(length_); ++w) {
    uint64_t word = 0;
    std::memcpy(&word, bits + w * 8,
                static_cast<size_t>(std::min<int64_t>(8, (length_ + 7) / 8 - w * 8)));
    while (word != 0) {
      const int b = std::countr_zero(word);
      const int64_t i = w * 64 + b;
      if (i < length_) out.push_back(i);
      word &= word - 1;
    }
  }
  return out;
}

Result<arrow::RecordBatchPtr> ApplySelection(const arrow::RecordBatchPtr& batch,
                                             const Selection& selection) {
  if (selection.length() != batch->num_rows()) {
    return Status::Invalid("filter: selection of " + std::to_string(selection.length()) +
                           " rows applied to a batch of " + std::to_string(batch->num_rows()));
  }
  if (selection.all()) return batch;
  return arrow::FilterRecordBatch(*batch, selection.bitmap());
}

namespace {

std::string TypeText(const DataType& t) { return t.ToString(); }

bool IsSignedInt(TypeId id) {
  return id == TypeId::kInt8 || id == TypeId::kInt16 || id == TypeId::kInt32 ||
         id == TypeId::kInt64;
}
bool IsUnsignedInt(TypeId id) {
  return id == TypeId::kUInt8 || id == TypeId::kUInt16 || id == TypeId::kUInt32 ||
         id == TypeId::kUInt64;
}
bool IsInt(TypeId id) { return IsSignedInt(id) || IsUnsignedInt(id); }
bool IsFloat(TypeId id) {
  return id == TypeId::kFloat16 || id == TypeId::kFloat32 || id == TypeId::kFloat64;
}
bool IsString(TypeId id) { return id == TypeId::kUtf8 || id == TypeId::kLargeUtf8; }
bool IsTemporal(TypeId id) {
  return id == TypeId::kDate32 || id == TypeId::kDate64 || id == TypeId::kTimestamp;
}

// Range of an integer type as int128.
void IntRange(TypeId id, int128* lo, int128* hi) {
  switch (id) {
    case TypeId::kInt8:
      *lo = INT8_MIN;
      *hi = INT8_MAX;
      return;
    case TypeId::kInt16:
      *lo = INT16_MIN;
      *hi = INT16_MAX;
      return;
    case TypeId::kInt32:
      *lo = INT32_MIN;
      *hi = INT32_MAX;
      return;
    case TypeId::kInt64:
      *lo = INT64_MIN;
      *hi = INT64_MAX;
      return;
    case TypeId::kUInt8:
      *lo = 0;
      *hi = UINT8_MAX;
      return;
    case TypeId::kUInt16:
      *lo = 0;
      *hi = UINT16_MAX;
      return;
    case TypeId::kUInt32:
      *lo = 0;
      *hi = UINT32_MAX;
      return;
    default:
      *lo = 0;
      *hi = UINT64_MAX;
      return;
  }
}

std::string Int128Text(int128 v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  unsigned __int128 u =
      neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string s;
  while (u > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (neg) s.push_back('-');
  std::reverse(s.begin(), s.end());
  return s;
}

int128 LiteralInt(const Literal& l) {
  return l.negative ? -static_cast<int128>(l.magnitude) : static_cast<int128>(l.magnitude);
}

int64_t UnitsPerSecond(arrow::TimeUnit u) {
  switch (u) {
    case arrow::TimeUnit::kSecond:
      return 1;
    case arrow::TimeUnit::kMilli:
      return 1000;
    case arrow::TimeUnit::kMicro:
      return 1000000;
    case arrow::TimeUnit::kNano:
      return 1000000000;
  }
  return 1;
}

// Zones known to be UTC without loading them ("Z" is not among them: Arrow refuses it as a zone).
bool IsUtcZoneName(const std::string& tz) {
  return tz.empty() || tz == "UTC" || tz == "Etc/UTC" || tz == "+00:00" || tz == "+0000";
}

// ---------------------------------------------------------------------------------------------
// Value nodes: produce one array per batch.

class ValueNode {
 public:
  virtual ~ValueNode() = default;
  virtual Result<ArrayDataPtr> Eval(const RecordBatch& batch) const = 0;
  DataTypePtr type;
  std::string label;  // for messages: "column 'x'", "CAST(x AS INT)"
};

class ColumnValue final : public ValueNode {
 public:
  int top = 0;
  std::vector<int> path;  // child indices below the top-level column
  DataTypePtr top_type;

  Result<ArrayDataPtr> Eval(const RecordBatch& batch) const override {
    ArrayDataPtr a = batch.column(top);
    for (int child : path) {
      // Struct slot i is child slot offset+i; a null parent makes the field null.
      ArrayDataPtr c = a->children[static_cast<size_t>(child)]->Slice(a->offset, a->length);
      const bool parent_nulls = !a->buffers.empty() && a->buffers[0] && a->null_count != 0;
      if (parent_nulls) {
        Words pv, cv;
        internal::ValidityWords(*a, &pv);
        internal::ValidityWords(*c, &cv);
        for (size_t w = 0; w < pv.size(); ++w) cv[w] &= pv[w];
        auto merged = std::make_shared<ArrayData>(*c);
        BufferBuilder bits;
        bits.Resize(static_cast<int64_t>(cv.size()) * 8);
        std::memcpy(bits.mutable_data(), cv.data(), cv.size() * 8);
        // The merged bitmap starts at slot 0 of `c`; express it in c's offset space.
        BufferBuilder shifted;
        shifted.Resize(arrow::BytesForBits(c->offset + c->length));
        arrow::CopyBitmap(bits.mutable_data(), 0, shifted.mutable_data(), c->offset, c->length);
        merged->buffers[0] = shifted.Finish();
        merged->null_count = -1;
        c = std::move(merged);
      }
      a = std::move(c);
    }
    if (a->type->id() == TypeId::kDictionary) return arrow::DecodeDictionary(*a);
    return a;
  }
};

// Integer value of slot i of an integer/temporal/bool array, as int128.
template <typename T>
int128 At(const ArrayData& a, int64_t i) {
  return static_cast<int128>(a.values<T>()[i]);
}

int128 IntAt(const ArrayData& a, int64_t i) {
  switch (a.type->id()) {
    case TypeId::kInt8:
      return At<int8_t>(a, i);
    case TypeId::kInt16:
      return At<int16_t>(a, i);
    case TypeId::kInt32:
    case TypeId::kDate32:
    case TypeId::kTime32:
      return At<int32_t>(a, i);
    case TypeId::kUInt8:
      return At<uint8_t>(a, i);
    case TypeId::kUInt16:
      return At<uint16_t>(a, i);
    case TypeId::kUInt32:
      return At<uint32_t>(a, i);
    case TypeId::kUInt64:
      return At<uint64_t>(a, i);
    case TypeId::kBool:
      return arrow::GetBit(a.buffers[1]->data(), a.offset + i) ? 1 : 0;
    case TypeId::kDecimal128: {
      int128 v;
      std::memcpy(&v, a.buffers[1]->data() + (a.offset + i) * 16, 16);
      return v;
    }
    default:
      return At<int64_t>(a, i);  // int64, date64, time64, timestamp, duration
  }
}

double FloatAt(const ArrayData& a, int64_t i) {
  switch (a.type->id()) {
    case TypeId::kFloat16:
      return arrow::HalfToFloat(a.values<uint16_t>()[i]);
    case TypeId::kFloat32:
      return a.values<float>()[i];
    case TypeId::kFloat64:
      return a.values<double>()[i];
    case TypeId::kDecimal128: {
      double scale = std::pow(10.0, a.type->scale());
      return static_cast<double>(IntAt(a, i)) / scale;
    }
    default:
      return static_cast<double>(IntAt(a, i));
  }
}

template <typename OffsetT>
std::string_view StrAt(const ArrayData& a, int64_t i) {
  const OffsetT* o = a.offsets<OffsetT>();
  const char* data = a.buffers[2] ? reinterpret_cast<const char*>(a.buffers[2]->data()) : "";
  return std::string_view(data + o[i], static_cast<size_t>(o[i + 1] - o[i]));
}

std::string_view StringAt(const ArrayData& a, int64_t i) {
  return a.type->id() == TypeId::kLargeUtf8 ? StrAt<int64_t>(a, i) : StrAt<int32_t>(a, i);
}

// Builds a fixed-width array of `type` from values and validity words.
template <typename T>
ArrayDataPtr MakeFixed(DataTypePtr type, const std::vector<T>& values, const Words& valid,
                       int64_t n) {
  auto out = std::make_shared<ArrayData>();
  out->type = std::move(type);
  out->length = n;
  out->null_count = -1;
  out->buffers.push_back(Buffer::CopyOf(valid.data(), static_cast<int64_t>(valid.size()) * 8));
  out->buffers.push_back(
      Buffer::CopyOf(values.data(), static_cast<int64_t>(values.size() * sizeof(T))));
  out->null_count = arrow::CountNulls(*out);
  return out;
}

DataTypePtr CastResultType(CastType t) {
  switch (t) {
    case CastType::kBoolean:
      return arrow::boolean();
    case CastType::kInt8:
      return arrow::int8();
    case CastType::kInt16:
      return arrow::int16();
    case CastType::kInt32:
      return arrow::int32();
    case CastType::kInt64:
      return arrow::int64();
    case CastType::kUInt8:
      return arrow::uint8();
    case CastType::kUInt16:
      return arrow::uint16();
    case CastType::kUInt32:
      return arrow::uint32();
    case CastType::kUInt64:
      return arrow::uint64();
    case CastType::kFloat32:
      return arrow::float32();
    case CastType::kFloat64:
      return arrow::float64();
    case CastType::kString:
      return arrow::utf8();
    case CastType::kDate:
      return arrow::date32();
    case CastType::kTimestamp:
      return arrow::timestamp(arrow::TimeUnit::kNano);
  }
  return arrow::utf8();
}

class CastValue final : public ValueNode {
 public:
  std::unique_ptr<ValueNode> input;
  CastType to = CastType::kString;
  std::shared_ptr<const internal::TimeZone> zone;  // input timestamp zone for casts to DATE

  // Whether this cast is implemented for `from`; checked at bind time.
  static bool Supported(const DataType& from, CastType to) {
    const TypeId id = from.id();
    switch (to) {
      case CastType::kBoolean:
        return id == TypeId::kBool || IsInt(id) || IsFloat(id);
      case CastType::kFloat32:
      case CastType::kFloat64:
        return id == TypeId::kBool || IsInt(id) || IsFloat(id) || id == TypeId::kDecimal128;
      case CastType::kString:
        return IsString(id) || IsInt(id) || id == TypeId::kBool;
      case CastType::kDate:
        return IsTemporal(id);
      case CastType::kTimestamp:
        return id == TypeId::kDate32 || id == TypeId::kDate64 ||
               (id == TypeId::kTimestamp && IsUtcZoneName(from.timezone()));
      default:  // integers
        return id == TypeId::kBool || IsInt(id) || IsFloat(id) || IsTemporal(id) ||
               id == TypeId::kTime32 || id == TypeId::kTime64 || id == TypeId::kDuration;
    }
  }

  Result<ArrayDataPtr> Eval(const RecordBatch& batch) const override {
    LF_ASSIGN_OR_RETURN(ArrayDataPtr in, input->Eval(batch));
    const int64_t n = in->length;
    Words valid;
    internal::ValidityWords(*in, &valid);
    auto is_valid = [&](int64_t i) { return (valid[static_cast<size_t>(i >> 6)] >> (i & 63)) & 1; };
    const TypeId from = in->type->id();
    auto fail = [&](const std::string& value) {
      return Status::Invalid("filter: " + label + ": cannot cast value " + value + " of " +
                             input->label + " (" + TypeText(*in->type) + ") to " + TypeText(*type));
    };
    switch (to) {
      case CastType::kBoolean: {
        std::vector<uint8_t> bits(static_cast<size_t>(arrow::BytesForBits(n)), 0);
        for (int64_t i = 0; i < n; ++i) {
          if (!is_valid(i)) continue;
          const bool v = IsFloat(from) ? FloatAt(*in, i) != 0.0 : IntAt(*in, i) != 0;
          if (v) arrow::SetBit(bits.data(), i);
        }
        auto out = MakeFixed<uint8_t>(type, bits, valid, n);
        return out;
      }
      case CastType::kFloat32:
      case CastType::kFloat64: {
        std::vector<double> d(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) {
          if (is_valid(i))
            d[static_cast<size_t>(i)] = IsFloat(from) || from == TypeId::kDecimal128
                                            ? FloatAt(*in, i)
                                            : static_cast<double>(IntAt(*in, i));
        }
        if (to == CastType::kFloat64) return MakeFixed<double>(type, d, valid, n);
        std::vector<float> f(d.begin(), d.end());
        return MakeFixed<float>(type, f, valid, n);
      }
      case CastType::kString: {
        if (from == TypeId::kUtf8) return in;
        std::vector<int32_t> offsets{0};
        std::string data;
        for (int64_t i = 0; i < n; ++i) {
          if (is_valid(i)) {
            if (IsString(from)) {
              data.append(StringAt(*in, i));
            } else if (from == TypeId::kBool) {
              data.append(IntAt(*in, i) ? "true" : "false");
            } else {
              data.append(Int128Text(IntAt(*in, i)));
            }
          }
          if (data.size() > static_cast<size_t>(INT32_MAX)) return fail("(too long)");
          offsets.push_back(static_cast<int32_t>(data.size()));
        }
        auto out = std::make_shared<ArrayData>();
        out->type = type;
        out->length = n;
        out->buffers = {Buffer::CopyOf(valid.data(), static_cast<int64_t>(valid.size()) * 8),
                        Buffer::CopyOf(offsets.data(), static_cast<int64_t>(offsets.size()) * 4),
                        Buffer::CopyOf(data)};
        out->null_count = arrow::CountNulls(*out);
        return ArrayDataPtr(std::move(out));
      }
      case CastType::kDate: {
        std::vector<int32_t> days(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) {
          if (!is_valid(i)) continue;
          int128 v = IntAt(*in, i);
          int64_t d;
          if (from == TypeId::kDate32) {
            d = static_cast<int64_t>(v);
          } else if (from == TypeId::kDate64) {
            d = internal::FloorDiv(static_cast<int64_t>(v), 86400000);
          } else {
            const int64_t per = UnitsPerSecond(in->type->unit());
            int64_t secs = internal::FloorDiv(static_cast<int64_t>(v), per);
            if (zone) secs += zone->OffsetAt(secs);
            d = internal::FloorDiv(secs, 86400);
          }
          if (d < INT32_MIN || d > INT32_MAX) return fail(Int128Text(v));
          days[static_cast<size_t>(i)] = static_cast<int32_t>(d);
        }
        return MakeFixed<int32_t>(type, days, valid, n);
      }
      case CastType::kTimestamp: {
        std::vector<int64_t> ns(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) {
          if (!is_valid(i)) continue;
          const int128 v = IntAt(*in, i);
          int128 r;
          if (from == TypeId::kDate32) {
            r = v * 86400 * 1000000000;
          } else if (from == TypeId::kDate64) {
            r = v * 1000000;
          } else {
            r = v * (1000000000 / UnitsPerSecond(in->type->unit()));
          }
          if (r < INT64_MIN || r > INT64_MAX) return fail(Int128Text(v));
          ns[static_cast<size_t>(i)] = static_cast<int64_t>(r);
        }
        return MakeFixed<int64_t>(type, ns, valid, n);
      }
      default:
        break;
    }
    // Integer targets.
    int128 lo, hi;
    IntRange(type->id(), &lo, &hi);
    std::vector<int128> wide(static_cast<size_t>(n), 0);
    for (int64_t i = 0; i < n; ++i) {
      if (!is_valid(i)) continue;
      int128 v;
      if (IsFloat(from)) {
        const double d = FloatAt(*in, i);
        if (std::isnan(d)) return fail("NaN");
        const double t = std::trunc(d);
        if (!(t >= static_cast<double>(lo) && t <= static_cast<double>(hi))) {
          return fail(std::to_string(d));
        }
        v = static_cast<int128>(t);
      } else {
        v = IntAt(*in, i);
      }
      if (v < lo || v > hi) return fail(Int128Text(v));
      wide[static_cast<size_t>(i)] = v;
    }
    switch (type->id()) {
      case TypeId::kInt8:
        return MakeFixed<int8_t>(type, std::vector<int8_t>(wide.begin(), wide.end()), valid, n);
      case TypeId::kInt16:
        return MakeFixed<int16_t>(type, std::vector<int16_t>(wide.begin(), wide.end()), valid, n);
      case TypeId::kInt32:
        return MakeFixed<int32_t>(type, std::vector<int32_t>(wide.begin(), wide.end()), valid, n);
      case TypeId::kInt64:
        return MakeFixed<int64_t>(type, std::vector<int64_t>(wide.begin(), wide.end()), valid, n);
      case TypeId::kUInt8:
        return MakeFixed<uint8_t>(type, std::vector<uint8_t>(wide.begin(), wide.end()), valid, n);
      case TypeId::kUInt16:
        return MakeFixed<uint16_t>(type, std::vector<uint16_t>(wide.begin(), wide.end()), valid, n);
      case TypeId::kUInt32:
        return MakeFixed<uint32_t>(type, std::vector<uint32_t>(wide.begin(), wide.end()), valid, n);
      default:
        return MakeFixed<uint64_t>(type, std::vector<uint64_t>(wide.begin(), wide.end()), valid, n);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Predicate nodes.

class PredNode {
 public:
  virtual ~PredNode() = default;
  virtual Status Eval(const RecordBatch& batch, TriBits* out) const = 0;
};

using PredPtr = std::unique_ptr<PredNode>;

void FillConst(int64_t n, int state, TriBits* out) {  // state: 1 true, 0 false, -1 null
  const size_t w = static_cast<size_t>(NumWords(n));
  out->t.assign(w, state == 1 ? ~uint64_t{0} : 0);
  out->f.assign(w, state == 0 ? ~uint64_t{0} : 0);
  if (w > 0) {
    out->t.back() &= TailMask(n);
    out->f.back() &= TailMask(n);
  }
}

class ConstPred final : public PredNode {
 public:
  explicit ConstPred(int state) : state_(state) {}
  Status Eval(const RecordBatch& batch, TriBits* out) const override {
    FillConst(batch.num_rows(), state_, out);
    return Status::OK();
  }

 private:
  int state_;
};

// From per-row result bits and validity: TRUE where valid and set, FALSE where valid and clear.
void FromBits(const Words& result, const Words& valid, TriBits* out) {
  out->t.resize(result.size());
  out->f.resize(result.size());
  for (size_t w = 0; w < result.size(); ++w) {
    out->t[w] = result[w] & valid[w];
    out->f[w] = ~result[w] & valid[w];
  }
}

class BoolValuePred final : public PredNode {
 public:
  std::unique_ptr<ValueNode> value;
  Status Eval(const RecordBatch& batch, TriBits* out) const override {
    LF_ASSIGN_OR_RETURN(ArrayDataPtr a, value->Eval(batch));
    Words valid, bits(static_cast<size_t>(NumWords(a->length)), 0);
    internal::ValidityWords(*a, &valid);
    if (a->length > 0) {
      arrow::CopyBitmap(a->buffers[1]->data(), a->offset, reinterpret_cast<uint8_t*>(bits.data()),
                        0, a->length);
    }
    FromBits(bits, valid, out);
    return Status::OK();
  }
};

class IsNullPred final : public PredNode {
 public:
  std::unique_ptr<ValueNode> value;
  bool negated = false;
  Status Eval(const RecordBatch& batch, TriBits* out) const override {
    LF_ASSIGN_OR_RETURN(ArrayDataPtr a, value->Eval(batch));
    Words valid;
    internal::ValidityWords(*a, &valid);
    const int64_t n = a->length;
    out->t.resize(valid.size());
    out->f.resize(valid.size());
    for (size_t w = 0; w < valid.size(); ++w) {
      const uint64_t mask = w + 1 == valid.size() ? TailMask(n) : ~uint64_t{0};
      out->t[w] = (negated ? valid[w] : ~valid[w]) & mask;
      out->f[w] = (negated ? ~valid[w] : valid[w]) & mask;
    }
    return Status::OK();
  }
};

// IS [NOT] NULL / TRUE / FALSE over a predicate.
class IsPred final : public PredNode {
 public:
  enum Test { kNull, kTrue, kFalse };
  PredPtr input;
  Test test = kNull;
  bool negated = false;
  Status Eval(const RecordBatch& batch, TriBits* out) const override {
    LF_RETURN_NOT_OK(input->Eval(batch, out));
    const int64_t n = batch.num_rows();
    for (size_t w = 0; w < out->t.size(); ++w) {
      const uint64_t mask = w + 1 == out->t.size() ? TailMask(n) : ~uint64_t{0};
      uint64_t hit = test == kTrue    ? out->t[w]
                     : test == kFalse ? out->f[w]
                                      : ~(out->t[w] | out->f[w]);
      hit &= mask;
      if (negated) hit = ~hit & mask;
      out->t[w] = hit;
      out->f[w] = ~hit & mask;
    }
    return Status::OK();
  }
};

class NotPred final : public PredNode {
 public:
  PredPtr input;
  Status Eval(const RecordBatch& batch, TriBits* out) const override {
    LF_RETURN_NOT_OK(input->Eval(batch, out));
    std::swap(out->t, out->f);
    return Status::OK();
  }
};

class AndOrPred final : public PredNode {
 public:
  bool is_and = true;
  std::vector<PredPtr> inputs;
  Status Eval(const RecordBatch& batch, TriBits* out) const override {
    LF_RETURN_NOT_OK(inputs[0]->Eval(batch, out));
    TriBits next;
    for (size_t k = 1; k < inputs.size(); ++k) {
      LF_RETURN_NOT_OK(inputs[k]->Eval(batch, &next));
      for (size_t w = 0; w < out->t.size(); ++w) {
        if (is_and) {
          out->t[w] &= next.t[w];
          out->f[w] |= next.f[w];
        } else {
          out->t[w] |= next.t[w];
          out->f[w] &= next.f[w];
        }
      }
    }
    return Status::OK();
  }
};

// --- comparisons of a value with a literal converted to the value's physical type ------------

template <typename T, typename Cmp>
void CompareLoop(const T* v, int64_t n, Cmp cmp, Words* out) {
  out->assign(static_cast<size_t>(NumWords(n)), 0);
  for (int64_t base = 0; base < n; base += 64) {
    const int64_t m = std::min<int64_t>(64, n - base);
    uint64_t word = 0;
    for (int64_t j = 0; j < m; ++j) word |= static_cast<uint64_t>(cmp(v[base + j])) << j;
    (*out)[static_cast<size_t>(base / 64)] = word;
  }
}

template <typename T>
void CompareOrdered(const T* v, int64_t n, T lit, CompareOp op, Words* out) {
  switch (op) {
    case CompareOp::kEq:
      return CompareLoop(
          v, n, [lit](T x) { return x == lit; }, out);
    case CompareOp::kNe:
      return CompareLoop(
          v, n, [lit](T x) { return x != lit; }, out);
    case CompareOp::kLt:
      return CompareLoop(
          v, n, [lit](T x) { return x < lit; }, out);
    case CompareOp::kLe:
      return CompareLoop(
          v, n, [lit](T x) { return x <= lit; }, out);
    case CompareOp::kGt:
      return CompareLoop(
          v, n, [lit](T x) { return x > lit; }, out);
    case CompareOp::kGe:
      return CompareLoop(
          v, n, [lit](T x) { return x >= lit; }, out);
  }
}

// Floats against a (finite) literal: IEEE comparison (so -0.0 = 0.0) with NaN ordered by its
// sign bit above or below every number, as LanceDB evaluates `column op literal`.
template <typename T>
void CompareFloat(const T* v, int64_t n, T lit, CompareOp op, Words* out) {
  auto high_nan = [](T x) { return std::isnan(x) && !std::signbit(x); };
  auto low_nan = [](T x) { return std::isnan(x) && std::signbit(x); };
  switch (op) {
    case CompareOp::kEq:
      return CompareLoop(
          v, n, [lit](T x) { return x == lit; }, out);
    case CompareOp::kNe:
      return CompareLoop(
          v, n, [lit](T x) { return !(x == lit); }, out);
    case CompareOp::kLt:
      return CompareLoop(
          v, n, [=](T x) { return x < lit || low_nan(x); }, out);
    case CompareOp::kLe:
      return CompareLoop(
          v, n, [=](T x) { return x <= lit || low_nan(x); }, out);
    case CompareOp::kGt:
      return CompareLoop(
          v, n, [=](T x) { return x > lit || high_nan(x); }, out);
    case CompareOp::kGe:
      return CompareLoop(
          v, n, [=](T x) { return x >= lit || high_nan(x); }, out);
  }
}

bool ApplyOp(CompareOp op, int c) {  // c: <0, 0, >0
  switch (op) {
    case CompareOp::kEq:
      return c == 0;
    case CompareOp::kNe:
      return c != 0;
    case CompareOp::kLt:
      return c < 0;
    case CompareOp::kLe:
      return c <= 0;
    case CompareOp::kGt:
      return c > 0;
    case CompareOp::kGe:
      return c >= 0;
  }
  return false;
}

CompareOp Flip(CompareOp op) {
  switch (op) {
    case CompareOp::kLt:
      return CompareOp::kGt;
    case CompareOp::kLe:
      return CompareOp::kGe;
    case CompareOp::kGt:
      return CompareOp::kLt;
    case CompareOp::kGe:
      return CompareOp::kLe;
    default:
      return op;
  }
}

// A 256-bit two's complement integer (decimal256 storage): little-endian 64-bit limbs.
struct Int256 {
  uint64_t limb[4] = {0, 0, 0, 0};
};

// Signed order of two 256-bit two's complement values (limb arrays as stored): <0, 0, >0.
int CompareInt256(const uint64_t* a, const uint64_t* b) {
  for (int k = 3; k >= 0; --k) {
    uint64_t x = a[k], y = b[k];
    if (k == 3) {
      x ^= uint64_t{1} << 63;
      y ^= uint64_t{1} << 63;
    }
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

// Magnitudes below 2^256: multiply by 10 in place (the caller keeps the value below 10^76).
void MulTen(uint64_t* m) {
  unsigned __int128 carry = 0;
  for (int k = 0; k < 4; ++k) {
    const unsigned __int128 p = static_cast<unsigned __int128>(m[k]) * 10 + carry;
    m[k] = static_cast<uint64_t>(p);
    carry = p >> 64;
  }
}

// Two's complement negation in place.
void Negate256(uint64_t* m) {
  unsigned __int128 carry = 1;
  for (int k = 0; k < 4; ++k) {
    const unsigned __int128 v = static_cast<unsigned __int128>(~m[k]) + carry;
    m[k] = static_cast<uint64_t>(v);
    carry = v >> 64;
  }
}

bool MagnitudeLess(const uint64_t* a, const uint64_t* b) {
  for (int k = 3; k >= 0; --k) {
    if (a[k] != b[k]) return a[k] < b[k];
  }
  return false;
}

// The integer literal `lit` converted to a decimal(precision, scale) as LanceDB converts it (an
// Arrow cast of an Int64 literal): times 10^scale, or for a negative scale divided by 10^-scale
// truncating toward zero. False when the literal is no Int64 (LanceDB types an integer above
// INT64_MAX as UInt64 and refuses it) or the result has more than `precision` digits.
bool DecimalFromInteger(const Literal& lit, int32_t precision, int32_t scale, Int256* out) {
  if (lit.kind != LiteralKind::kInteger || !lit.AsInt64() || precision < 1 || precision > 76) {
    return false;
  }
  uint64_t m[4] = {lit.magnitude, 0, 0, 0};
  uint64_t limit[4] = {1, 0, 0, 0};
  for (int32_t k = 0; k < precision; ++k) MulTen(limit);
  if (scale < 0) {
    for (int32_t k = 0; k < -scale && m[0] != 0; ++k) m[0] /= 10;
  } else {
    for (int32_t k = 0; k < scale; ++k) {
      if (!MagnitudeLess(m, limit)) return false;  // only grows from here
      MulTen(m);
    }
  }
  if (!MagnitudeLess(m, limit)) return false;
  if (lit.negative) Negate256(m);
  std::memcpy(out->limb, m, sizeof(m));
  return true;
}

// A literal in the physical representation of the column it meets.
struct Scalar {
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  float f = 0;
  int128 wide = 0;
  Int256 wide256;
  bool b = false;
  std::string s;
};

class CompareScalarPred final : public PredNode {
 public:
  std::unique_ptr<ValueNode> value;
  Scalar lit;
  CompareOp op = CompareOp::kEq;

  Status Eval(const RecordBatch& batch, TriBits* out) const override {
    LF_ASSIGN_OR_RETURN(ArrayDataPtr a, value->Eval(batch));
    const int64_t n = a->length;
    Words valid, res;
    internal::ValidityWords(*a, &valid);
    if (n == 0) {
      FromBits(valid, valid, out);
      return Status::OK();
    }
    switch (a->type->id()) {
      case TypeId::kInt8:
        CompareOrdered<int8_t>(a->values<int8_t>(), n, static_cast<int8_t>(lit.i), op, &res);
        break;
      case TypeId::kInt16:
        CompareOrdered<int16_t>(a->values<int16_t>(), n, static_cast<int16_t>(lit.i), op, &res);
        break;
      case TypeId::kInt32:
      case TypeId::kDate32:
        CompareOrdered<int32_t>(a->values<int32_t>(), n, static_cast<int32_t>(lit.i), op, &res);
        break;
      case TypeId::kInt64:
      case TypeId::kDate64:
      case TypeId::kTimestamp:
        CompareOrdered<int64_t>(a->values<int64_t>(), n, lit.i, op, &res);
        break;
      case TypeId::kUInt8:
        CompareOrdered<uint8_t>(a->values<uint8_t>(), n, static_cast<uint8_t>(lit.u), op, &res);
        break;
      case TypeId::kUInt16:
        CompareOrdered<uint16_t>(a->values<uint16_t>(), n, static_cast<uint16_t>(lit.u), op, &res);
        break;
      case TypeId::kUInt32:
        CompareOrdered<uint32_t>(a->values<uint32_t>(), n, static_cast<uint32_t>(lit.u), op, &res);
        break;
      case TypeId::kUInt64:
        CompareOrdered<uint64_t>(a->values<uint64_t>(), n, lit.u, op, &res);
        break;
      case TypeId::kFloat32:
        CompareFloat<float>(a->values<float>(), n, lit.f, op, &res);
        break;
      case TypeId::kFloat64:
        CompareFloat<double>(a->values<double>(), n, lit.d, op, &res);
        break;
      case TypeId::kDecimal128: {
        std::vector<int128> v(static_cast<size_t>(n));
        std::memcpy(v.data(), a->buffers[1]->data() + a->offset * 16, static_cast<size_t>(n) * 16);
        CompareOrdered<int128>(v.data(), n, lit.wide, op, &res);
        break;
      }
      case TypeId::kDecimal256: {
        res.assign(static_cast<size_t>(NumWords(n)), 0);
        const uint8_t* base = a->buffers[1]->data() + a->offset * 32;
        for (int64_t i = 0; i < n; ++i) {
          uint64_t x[4];
          std::memcpy(x, base + i * 32, 32);
          if (ApplyOp(op, CompareInt256(x, lit.wide256.limb))) {
            res[static_cast<size_t>(i >> 6)] |= uint64_t{1} << (i & 63);
          }
        }
        break;
      }
      case TypeId::kBool: {
        std::vector<uint8_t> v(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i)
          v[static_cast<size_t>(i)] = arrow::GetBit(a->buffers[1]->data(), a->offset + i);
        CompareOrdered<uint8_t>(v.data(), n, lit.b ? 1 : 0, op, &res);
        break;
      }
      case TypeId::kUtf8:
      case TypeId::kLargeUtf8: {
        res.assign(static_cast<size_t>(NumWords(n)), 0);
        const std::string_view l = lit.s;
        for (int64_t i = 0; i < n; ++i) {
          const int c = StringAt(*a, i).compare(l);
          if (ApplyOp(op, c)) res[static_cast<size_t>(i >> 6)] |= uint64_t{1} << (i & 63);
        }
        break;
      }
      default:
        return Status::Invalid("filter: internal: no comparison kernel for " + TypeText(*a->type));
    }
    FromBits(res, valid, out);
    return Status::OK();
  }
};

// --- comparisons in a common domain (two arrays, or an array and a constant) ------------------

enum class Domain { kInt, kFloat, kString, kTime };

// One side of a generic comparison: an array, or a literal broadcast to every row.
struct Operand {
  std::unique_ptr<ValueNode> value;  // null for a constant
  int128 const_int = 0;
  double const_float = 0;
  std::string const_str;
  bool check_ns_range = false;  // a date meeting a timestamp: must fit int64 nanoseconds
};

int TotalOrder(double a, double b) {
  auto key = [](double x) {
    int64_t k;
    std::memcpy(&k, &x, 8);
    return k ^ static_cast<int64_t>(static_cast<uint64_t>(k >> 63) >> 1);
  };
  const int64_t ka = key(a), kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

class CompareGenericPred final : public PredNode {
 public:
  Operand lhs, rhs;
  Domain domain = Domain::kInt;
  CompareOp op = CompareOp::kEq;
  int32_t int_scale_lhs = 0, int_scale_rhs = 0;  // kInt decimals: powers of ten to align

  Status Eval(const RecordBatch& batch, TriBits* out) const override {
    const int64_t n = batch.num_rows();
    ArrayDataPtr a, b;
    Words valid(static_cast<size_t>(NumWords(n)), ~uint64_t{0});
    if (!valid.empty()) valid.back() &= TailMask(n);
    Words vtmp;
    if (lhs.value) {
      LF_ASSIGN_OR_RETURN(a, lhs.value->Eval(batch));
      internal::ValidityWords(*a, &vtmp);
      for (size_t w = 0; w < valid.size(); ++w) valid[w] &= vtmp[w];
    }
    if (rhs.value) {
      LF_ASSIGN_OR_RETURN(b, rhs.value->Eval(batch));
      internal::ValidityWords(*b, &vtmp);
      for (size_t w = 0; w < valid.size(); ++w) valid[w] &= vtmp[w];
    }
    Words res(valid.size(), 0);
    for (int64_t i = 0; i < n; ++i) {
      if (!((valid[static_cast<size_t>(i >> 6)] >> (i & 63)) & 1)) continue;
      int c = 0;
      switch (domain) {
        case Domain::kInt:
        case Domain::kTime: {
          int128 x, y;
          LF_ASSIGN_OR_RETURN(x, IntOf(lhs, a.get(), i, int_scale_lhs));
          LF_ASSIGN_OR_RETURN(y, IntOf(rhs, b.get(), i, int_scale_rhs));
          c = x < y ? -1 : x > y ? 1 : 0;
          break;
        }
        case Domain::kFloat: {
          const double x = a ? FloatAt(*a, i) : lhs.const_float;
          const double y = b ? FloatAt(*b, i) : rhs.const_float;
          c = TotalOrder(x, y);
          break;
        }
        case Domain::kString: {
          const std::string_view x = a ? StringAt(*a, i) : std::string_view(lhs.const_str);
          const std::string_view y = b ? StringAt(*b, i) : std::string_view(rhs.const_str);
          c = x.compare(y);
          break;
        }
      }
      if (ApplyOp(op, c)) res[static_cast<size_t>(i >> 6)] |= uint64_t{1} << (i & 63);
    }
    FromBits(res, valid, out);
    return Status::OK();
  }

 private:
  Result<int128> IntOf(const Operand& o, const ArrayData* a, int64_t i, int32_t scale) const {
    if (!a) return o.const_int;
    int128 v = IntAt(*a, i);
    if (domain == Domain::kTime) {
      // Nanoseconds since the epoch.
      const TypeId id = a->type->id();
      if (id == TypeId::kDate32) {
        v *= int128{86400} * 1000000000;
      } else if (id == TypeId::kDate64) {
        v *= 1000000;
      } else {
        v *= 1000000000 / UnitsPerSecond(a->type->unit());
      }
      if (o.check_ns_range && (v < INT64_MIN || v > INT64_MAX)) {
        return Status::Invalid("filter: " + o.value->label + ": cannot cast " + TypeText(*a->type) +
                               " value " + Int128Text(IntAt(*a, i)) +
                               " to timestamp[ns] (out of range)");
      }
      return v;
    }
    for (int32_t k = 0; k < scale; ++k) v *= 10;
    return v;
  }
};

// ---------------------------------------------------------------------------------------------
// Binding.

class Binder {
 public:
  explicit Binder(const arrow::Schema& schema) : schema_(schema) {}

  std::vector<int> columns;

  Result<PredPtr> BindPred(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kLiteral:
        if (e.literal.kind == LiteralKind::kBool) {
          return PredPtr(new ConstPred(e.literal.bool_value ? 1 : 0));
        }
        if (e.literal.kind == LiteralKind::kNull) return PredPtr(new ConstPred(-1));
        return Status::Invalid("filter: the literal " + e.literal.ToSql() + " is not a condition");
      case ExprKind::kColumn:
      case ExprKind::kCast: {
        LF_ASSIGN_OR_RETURN(auto v, BindValue(e));
        if (v->type->id() != TypeId::kBool) {
          return Status::Invalid("filter: " + v->label + " (" + TypeText(*v->type) +
                                 ") is not a boolean condition");
        }
        auto p = std::make_unique<BoolValuePred>();
        p->value = std::move(v);
        return PredPtr(std::move(p));
      }
      case ExprKind::kNot: {
        LF_ASSIGN_OR_RETURN(PredPtr in, BindPred(*e.args[0]));
        auto p = std::make_unique<NotPred>();
        p->input = std::move(in);
        return PredPtr(std::move(p));
      }
      case ExprKind::kAnd:
      case ExprKind::kOr: {
        auto p = std::make_unique<AndOrPred>();
        p->is_and = e.kind == ExprKind::kAnd;
        for (const ExprPtr& a : e.args) {
          LF_ASSIGN_OR_RETURN(PredPtr in, BindPred(*a));
          p->inputs.push_back(std::move(in));
        }
        return PredPtr(std::move(p));
      }
      case ExprKind::kIsNull: {
        const Expr& arg = *e.args[0];
        if (arg.kind == ExprKind::kLiteral) {
          const bool is_null = arg.literal.kind == LiteralKind::kNull;
          return PredPtr(new ConstPred(is_null != e.negated ? 1 : 0));
        }
        if (IsValueExpr(arg)) {
          LF_ASSIGN_OR_RETURN(auto v, BindValue(arg));
          auto p = std::make_unique<IsNullPred>();
          p->value = std::move(v);
          p->negated = e.negated;
          return PredPtr(std::move(p));
        }
        return BindIs(arg, IsPred::kNull, e.negated);
      }
      case ExprKind::kIsTrue:
      case ExprKind::kIsFalse:
        return BindIs(*e.args[0], e.kind == ExprKind::kIsTrue ? IsPred::kTrue : IsPred::kFalse,
                      e.negated);
      case ExprKind::kCompare:
        return BindCompare(*e.args[0], e.compare_op, *e.args[1]);
      case ExprKind::kIn: {
        // x IN (a, b, ...) is x = a OR x = b OR ... in three-valued logic, NOT IN its negation.
        auto p = std::make_unique<AndOrPred>();
        p->is_and = false;
        for (size_t k = 1; k < e.args.size(); ++k) {
          LF_ASSIGN_OR_RETURN(PredPtr c, BindCompare(*e.args[0], CompareOp::kEq, *e.args[k]));
          p->inputs.push_back(std::move(c));
        }
        PredPtr in = std::move(p);
        if (e.args.size() == 2) in = std::move(static_cast<AndOrPred*>(in.get())->inputs[0]);
        return Negate(std::move(in), e.negated);
      }
      case ExprKind::kBetween: {
        auto p = std::make_unique<AndOrPred>();
        LF_ASSIGN_OR_RETURN(PredPtr lo, BindCompare(*e.args[0], CompareOp::kGe, *e.args[1]));
        LF_ASSIGN_OR_RETURN(PredPtr hi, BindCompare(*e.args[0], CompareOp::kLe, *e.args[2]));
        p->inputs.push_back(std::move(lo));
        p->inputs.push_back(std::move(hi));
        return Negate(std::move(p), e.negated);
      }
      case ExprKind::kLike:
        return BindLike(e);
    }
    return Status::Invalid("filter: unsupported expression");
  }

 private:
  static bool IsValueExpr(const Expr& e) {
    return e.kind == ExprKind::kColumn || e.kind == ExprKind::kCast || e.kind == ExprKind::kLiteral;
  }

  static PredPtr Negate(PredPtr p, bool negated) {
    if (!negated) return p;
    auto n = std::make_unique<NotPred>();
    n->input = std::move(p);
    return n;
  }

  Result<PredPtr> BindIs(const Expr& arg, IsPred::Test test, bool negated) {
    LF_ASSIGN_OR_RETURN(PredPtr in, BindPred(arg));
    auto p = std::make_unique<IsPred>();
    p->input = std::move(in);
    p->test = test;
    p->negated = negated;
    return PredPtr(std::move(p));
  }

  Result<std::unique_ptr<ValueNode>> BindColumn(const ColumnPath& path) {
    const std::string dotted = path.ToDottedString();
    auto node = std::make_unique<ColumnValue>();
    node->label = "column '" + dotted + "'";
    const std::vector<arrow::FieldPtr>* fields = &schema_.fields();
    DataTypePtr type;
    for (size_t i = 0; i < path.parts.size(); ++i) {
      int found = -1;
      for (size_t k = 0; k < fields->size(); ++k) {
        if ((*fields)[k]->name == path.parts[i]) found = static_cast<int>(k);
      }
      if (found < 0) return Status::Invalid("filter: unknown column '" + dotted + "'");
      type = (*fields)[static_cast<size_t>(found)]->type;
      if (i == 0) {
        node->top = found;
        node->top_type = type;
        columns.push_back(found);
      } else {
        node->path.push_back(found);
      }
      if (i + 1 < path.parts.size()) {
        if (type->id() != TypeId::kStruct) {
          return Status::Invalid("filter: column '" + dotted + "': '" + path.parts[i] +
                                 "' is not a struct");
        }
        fields = &type->children();
      }
    }
    node->type = type->id() == TypeId::kDictionary ? type->value_type() : type;
    return std::unique_ptr<ValueNode>(std::move(node));
  }

  Result<std::unique_ptr<ValueNode>> BindValue(const Expr& e) {
    if (e.kind == ExprKind::kColumn) return BindColumn(e.column);
    if (e.kind == ExprKind::kCast) {
      if (e.args[0]->kind == ExprKind::kLiteral) {
        return Status::NotImplemented("filter: CAST of the literal " + e.args[0]->literal.ToSql() +
                                      " is not supported; write the literal in the target type");
      }
      LF_ASSIGN_OR_RETURN(auto in, BindValue(*e.args[0]));
      auto node = std::make_unique<CastValue>();
      node->to = e.cast_type;
      node->type = CastResultType(e.cast_type);
      node->label = std::string("CAST(") + in->label + " AS " + CastTypeSql(e.cast_type) + ")";
      if (!CastValue::Supported(*in->type, e.cast_type)) {
        return Status::Invalid("filter: cannot " + node->label + ": casting " +
                               TypeText(*in->type) + " to " + CastTypeSql(e.cast_type) +
                               " is not supported");
      }
      if (e.cast_type == CastType::kDate && in->type->id() == TypeId::kTimestamp &&
          !IsUtcZoneName(in->type->timezone())) {
        LF_ASSIGN_OR_RETURN(node->zone, internal::TimeZone::Load(in->type->timezone()));
      }
      node->input = std::move(in);
      return std::unique_ptr<ValueNode>(std::move(node));
    }
    return Status::Invalid("filter: internal: not a value");
  }

  static Status NoConvert(const ValueNode& v, const Literal& lit, const std::string& why = "") {
    return Status::Invalid("filter: cannot compare " + v.label + " (" + TypeText(*v.type) +
                           ") with the literal " + lit.ToSql() + (why.empty() ? "" : ": " + why));
  }

  // The instant a TIMESTAMP literal denotes for a column of `type`, in the column's unit.
  Result<int128> TimestampUnits(const Literal& lit, const DataType& type) {
    int64_t secs = lit.timestamp.UtcSeconds();
    if (!IsUtcZoneName(type.timezone())) {
      LF_ASSIGN_OR_RETURN(auto zone, internal::TimeZone::Load(type.timezone()));
      secs = zone->LocalToUtc(secs);
    }
    const int64_t per = UnitsPerSecond(type.unit());
    const int128 ns = int128{secs} * 1000000000 + lit.timestamp.nanos;
    return ns / (1000000000 / per);  // truncation toward zero, as an Arrow cast
  }

  // value op literal with the literal converted to the value's type (LanceDB's rules).
  Result<PredPtr> BindValueLiteral(std::unique_ptr<ValueNode> v, CompareOp op, const Literal& lit) {
    if (lit.kind == LiteralKind::kNull) return PredPtr(new ConstPred(-1));
    const DataType& t = *v->type;
    const TypeId id = t.id();
    auto p = std::make_unique<CompareScalarPred>();
    p->op = op;
    Scalar& s = p->lit;
    if (IsInt(id)) {
      if (lit.kind != LiteralKind::kInteger) return NoConvert(*v, lit);
      int128 lo, hi;
      IntRange(id, &lo, &hi);
      const int128 x = LiteralInt(lit);
      if (x < lo || x > hi) return NoConvert(*v, lit, "out of range for " + TypeText(t));
      s.i = static_cast<int64_t>(IsSignedInt(id) ? x : 0);
      s.u = static_cast<uint64_t>(IsUnsignedInt(id) ? x : 0);
    } else if (id == TypeId::kFloat32 || id == TypeId::kFloat64) {
      if (lit.kind == LiteralKind::kInteger) {
        s.d = static_cast<double>(LiteralInt(lit));
      } else if (lit.kind == LiteralKind::kFloat) {
        s.d = lit.float_value;
      } else {
        return NoConvert(*v, lit);
      }
      s.f = static_cast<float>(s.d);
    } else if (id == TypeId::kDecimal128 || id == TypeId::kDecimal256) {
      // Only integer literals convert (LanceDB refuses float literals, even 1.5 for scale 2).
      if (lit.kind != LiteralKind::kInteger) return NoConvert(*v, lit);
      if (!DecimalFromInteger(lit, t.precision(), t.scale(), &s.wide256)) {
        if (!(lit.negative && lit.magnitude == uint64_t{1} << 63)) {
          return NoConvert(*v, lit, "out of range for " + TypeText(t));
        }
        // INT64_MIN reaches LanceDB as CAST(-9223372036854775808 AS BIGINT), which it compares
        // exactly in a wider decimal: below every value, so -10^precision stands in for it.
        if (t.precision() < 1 || t.precision() > 76) {
          return NoConvert(*v, lit, "out of range for " + TypeText(t));
        }
        s.wide256 = Int256{};
        s.wide256.limb[0] = 1;
        for (int32_t k = 0; k < t.precision(); ++k) MulTen(s.wide256.limb);
        Negate256(s.wide256.limb);
      }
      if (id == TypeId::kDecimal128) {
        if (t.precision() > 38) return NoConvert(*v, lit, "precision above 38");
        std::memcpy(&s.wide, s.wide256.limb, 16);  // |value| < 10^38: the low limbs suffice
      }
    } else if (id == TypeId::kBool) {
      if (lit.kind != LiteralKind::kBool) return NoConvert(*v, lit);
      s.b = lit.bool_value;
    } else if (IsString(id)) {
      if (lit.kind != LiteralKind::kString) return NoConvert(*v, lit);
      s.s = lit.text;
    } else if (id == TypeId::kDate32 || id == TypeId::kDate64) {
      if (lit.kind == LiteralKind::kTimestamp) {
        // LanceDB compares as nanosecond timestamps; dates out of that range fail at run time.
        auto g = std::make_unique<CompareGenericPred>();
        g->domain = Domain::kTime;
        g->op = op;
        g->lhs.value = std::move(v);
        g->lhs.check_ns_range = true;
        g->rhs.const_int = int128{lit.timestamp.UtcSeconds()} * 1000000000 + lit.timestamp.nanos;
        return PredPtr(std::move(g));
      }
      if (lit.kind != LiteralKind::kDate) return NoConvert(*v, lit);
      s.i = id == TypeId::kDate32 ? lit.date_days : int64_t{lit.date_days} * 86400000;
    } else if (id == TypeId::kTimestamp) {
      int128 x;
      if (lit.kind == LiteralKind::kTimestamp) {
        LF_ASSIGN_OR_RETURN(x, TimestampUnits(lit, t));
      } else if (lit.kind == LiteralKind::kDate) {
        x = int128{lit.date_days} * 86400 * UnitsPerSecond(t.unit());
      } else {
        return NoConvert(*v, lit);
      }
      // A literal outside the column's range converts to NULL in LanceDB (no row matches).
      if (x < INT64_MIN || x > INT64_MAX) return PredPtr(new ConstPred(-1));
      s.i = static_cast<int64_t>(x);
    } else {
      return NoConvert(*v, lit);
    }
    p->value = std::move(v);
    return PredPtr(std::move(p));
  }

  static int LiteralCompare(const Literal& a, const Literal& b, bool* ok) {
    *ok = true;
    auto num = [](const Literal& l) {
      return l.kind == LiteralKind::kInteger || l.kind == LiteralKind::kFloat;
    };
    if (a.kind == LiteralKind::kInteger && b.kind == LiteralKind::kInteger) {
      const int128 x = LiteralInt(a), y = LiteralInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (num(a) && num(b)) {
      const double x =
          a.kind == LiteralKind::kFloat ? a.float_value : static_cast<double>(LiteralInt(a));
      const double y =
          b.kind == LiteralKind::kFloat ? b.float_value : static_cast<double>(LiteralInt(b));
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.kind != b.kind) {
      *ok = false;
      return 0;
    }
    switch (a.kind) {
      case LiteralKind::kBool:
        return static_cast<int>(a.bool_value) - static_cast<int>(b.bool_value);
      case LiteralKind::kString:
        return a.text.compare(b.text) < 0 ? -1 : a.text == b.text ? 0 : 1;
      case LiteralKind::kDate:
        return a.date_days < b.date_days ? -1 : a.date_days > b.date_days ? 1 : 0;
      case LiteralKind::kTimestamp: {
        const int128 x = int128{a.timestamp.UtcSeconds()} * 1000000000 + a.timestamp.nanos;
        const int128 y = int128{b.timestamp.UtcSeconds()} * 1000000000 + b.timestamp.nanos;
        return x < y ? -1 : x > y ? 1 : 0;
      }
      default:
        *ok = false;
        return 0;
    }
  }

  // DataFusion's unwrap-cast rewrite: CAST(x AS <int>) op <integer literal> compares x itself
  // when x is an integer and the literal fits x's type.
  static const Expr* UnwrapIntCast(const Expr& e, const Literal& lit, Binder* self,
                                   std::unique_ptr<ValueNode>* inner) {
    if (e.kind != ExprKind::kCast || lit.kind != LiteralKind::kInteger) return nullptr;
    const CastType ct = e.cast_type;
    if (ct == CastType::kBoolean || ct == CastType::kFloat32 || ct == CastType::kFloat64 ||
        ct == CastType::kString || ct == CastType::kDate || ct == CastType::kTimestamp) {
      return nullptr;
    }
    if (e.args[0]->kind == ExprKind::kLiteral) return nullptr;
    auto in = self->BindValue(*e.args[0]);
    if (!in.ok() || !IsInt((*in)->type->id())) return nullptr;
    int128 lo, hi;
    IntRange((*in)->type->id(), &lo, &hi);
    const int128 x = LiteralInt(lit);
    if (x < lo || x > hi) return nullptr;
    *inner = std::move(*in);
    return &e;
  }

  Result<PredPtr> BindCompare(const Expr& l, CompareOp op, const Expr& r) {
    const bool l_lit = l.kind == ExprKind::kLiteral, r_lit = r.kind == ExprKind::kLiteral;
    if (l_lit && r_lit) {
      if (l.literal.kind == LiteralKind::kNull || r.literal.kind == LiteralKind::kNull) {
        return PredPtr(new ConstPred(-1));
      }
      bool ok;
      const int c = LiteralCompare(l.literal, r.literal, &ok);
      if (!ok) {
        return Status::Invalid("filter: cannot compare " + l.literal.ToSql() + " with " +
                               r.literal.ToSql());
      }
      return PredPtr(new ConstPred(ApplyOp(op, c) ? 1 : 0));
    }
    if (l_lit) return BindCompare(r, Flip(op), l);
    if (r_lit) {
      std::unique_ptr<ValueNode> inner;
      if (UnwrapIntCast(l, r.literal, this, &inner)) {
        return BindValueLiteral(std::move(inner), op, r.literal);
      }
      if (l.kind == ExprKind::kCast && l.cast_type == CastType::kTimestamp &&
          r.literal.kind == LiteralKind::kTimestamp && l.args[0]->kind != ExprKind::kLiteral) {
        // CAST(date AS TIMESTAMP) op TIMESTAMP '...': LanceDB compares the dates exactly.
        LF_ASSIGN_OR_RETURN(auto in, BindValue(*l.args[0]));
        const TypeId id = in->type->id();
        if (id == TypeId::kDate32 || id == TypeId::kDate64) {
          auto g = std::make_unique<CompareGenericPred>();
          g->domain = Domain::kTime;
          g->op = op;
          g->lhs.value = std::move(in);
          const Literal& lit = r.literal;
          g->rhs.const_int = int128{lit.timestamp.seconds} * 1000000000 + lit.timestamp.nanos -
                             int128{60} * 1000000000 * lit.timestamp.utc_offset_minutes.value_or(0);
          return PredPtr(std::move(g));
        }
      }
      LF_ASSIGN_OR_RETURN(auto v, BindValue(l));
      return BindValueLiteral(std::move(v), op, r.literal);
    }
    LF_ASSIGN_OR_RETURN(auto a, BindValue(l));
    LF_ASSIGN_OR_RETURN(auto b, BindValue(r));
    const DataType& ta = *a->type;
    const DataType& tb = *b->type;
    const TypeId ia = ta.id(), ib = tb.id();
    auto g = std::make_unique<CompareGenericPred>();
    g->op = op;
    auto numeric = [](TypeId id) { return IsInt(id) || IsFloat(id) || id == TypeId::kDecimal128; };
    if ((IsInt(ia) || ia == TypeId::kDecimal128) && (IsInt(ib) || ib == TypeId::kDecimal128)) {
      g->domain = Domain::kInt;
      const int32_t sa = ia == TypeId::kDecimal128 ? ta.scale() : 0;
      const int32_t sb = ib == TypeId::kDecimal128 ? tb.scale() : 0;
      g->int_scale_lhs = std::max(sa, sb) - sa;
      g->int_scale_rhs = std::max(sa, sb) - sb;
    } else if (numeric(ia) && numeric(ib)) {
      g->domain = Domain::kFloat;
    } else if (IsString(ia) && IsString(ib)) {
      g->domain = Domain::kString;
    } else if (ia == TypeId::kBool && ib == TypeId::kBool) {
      g->domain = Domain::kInt;
    } else if (IsTemporal(ia) && IsTemporal(ib)) {
      g->domain = Domain::kTime;
      const bool a_date = ia != TypeId::kTimestamp, b_date = ib != TypeId::kTimestamp;
      g->lhs.check_ns_range = a_date && !b_date;
      g->rhs.check_ns_range = b_date && !a_date;
    } else {
      return Status::Invalid("filter: cannot compare " + a->label + " (" + TypeText(ta) +
                             ") with " + b->label + " (" + TypeText(tb) + ")");
    }
    g->lhs.value = std::move(a);
    g->rhs.value = std::move(b);
    return PredPtr(std::move(g));
  }

  Result<PredPtr> BindLike(const Expr& e);

  const arrow::Schema& schema_;
};

class LikePred final : public PredNode {
 public:
  std::unique_ptr<ValueNode> value;
  std::unique_ptr<internal::LikeMatcher> matcher;
  Status Eval(const RecordBatch& batch, TriBits* out) const override {
    LF_ASSIGN_OR_RETURN(ArrayDataPtr a, value->Eval(batch));
    const int64_t n = a->length;
    Words valid, res(static_cast<size_t>(NumWords(n)), 0);
    internal::ValidityWords(*a, &valid);
    for (int64_t i = 0; i < n; ++i) {
      if (!((valid[static_cast<size_t>(i >> 6)] >> (i & 63)) & 1)) continue;
      if (matcher->Matches(StringAt(*a, i)))
        res[static_cast<size_t>(i >> 6)] |= uint64_t{1} << (i & 63);
    }
    FromBits(res, valid, out);
    return Status::OK();
  }
};

Result<PredPtr> Binder::BindLike(const Expr& e) {
  const Expr& arg = *e.args[0];
  const std::string& pattern = e.args[1]->literal.text;
  if (arg.kind == ExprKind::kLiteral) {
    if (arg.literal.kind == LiteralKind::kNull) return PredPtr(new ConstPred(-1));
    if (arg.literal.kind != LiteralKind::kString) {
      return Status::Invalid("filter: LIKE needs a string, not " + arg.literal.ToSql());
    }
    internal::LikeMatcher m(pattern, e.case_insensitive);
    return PredPtr(new ConstPred(m.Matches(arg.literal.text) != e.negated ? 1 : 0));
  }
  LF_ASSIGN_OR_RETURN(auto v, BindValue(arg));
  if (!IsString(v->type->id())) {
    return Status::Invalid("filter: " + std::string(e.case_insensitive ? "ILIKE" : "LIKE") +
                           " needs a string, but " + v->label + " is " + TypeText(*v->type));
  }
  auto p = std::make_unique<LikePred>();
  p->value = std::move(v);
  p->matcher = std::make_unique<internal::LikeMatcher>(pattern, e.case_insensitive);
  return Negate(std::move(p), e.negated);
}

class BoundFilterImpl final : public BoundFilter {
 public:
  BoundFilterImpl(PredPtr root, std::vector<int> columns, std::vector<DataTypePtr> types)
      : root_(std::move(root)), columns_(std::move(columns)), types_(std::move(types)) {}

  Result<Selection> Evaluate(const RecordBatch& batch) const override {
    for (size_t k = 0; k < columns_.size(); ++k) {
      const int c = columns_[k];
      if (c >= batch.num_columns() || !batch.column(c)->type->Equals(*types_[k]) ||
          batch.column(c)->length != batch.num_rows()) {
        return Status::Invalid("filter: batch column " + std::to_string(c) +
                               " does not have the type the filter was bound to (" +
                               TypeText(*types_[k]) + ")");
      }
    }
    TriBits tri;
    LF_RETURN_NOT_OK(root_->Eval(batch, &tri));
    const int64_t n = batch.num_rows();
    int64_t count = 0;
    for (size_t w = 0; w < tri.t.size(); ++w) {
      if (w + 1 == tri.t.size()) tri.t[w] &= TailMask(n);
      count += std::popcount(tri.t[w]);
    }
    BufferPtr bits = Buffer::CopyOf(tri.t.data(), static_cast<int64_t>(tri.t.size()) * 8);
    return Selection(n, std::move(bits), count);
  }

  const std::vector<int>& referenced_columns() const override { return columns_; }

 private:
  PredPtr root_;
  std::vector<int> columns_;
  std::vector<DataTypePtr> types_;
};

}  // namespace

Result<std::unique_ptr<BoundFilter>> BindFilter(const Expr& parsed, const arrow::Schema& schema) {
  Binder binder(schema);
  LF_ASSIGN_OR_RETURN(PredPtr root, binder.BindPred(parsed));
  std::vector<int> cols = binder.columns;
  std::sort(cols.begin(), cols.end());
  cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
  std::vector<DataTypePtr> types;
  for (int c : cols) types.push_back(schema.field(c)->type);
  return std::unique_ptr<BoundFilter>(
      new BoundFilterImpl(std::move(root), std::move(cols), std::move(types)));
}

}  // namespace lanceflow::expr
