#include "lanceflow/arrow/array.h"

#include <algorithm>
#include <limits>
#include <string>
#include <string_view>

#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/arrow/decimal.h"
#include "lanceflow/arrow/utf8.h"

namespace lanceflow::arrow {

ArrayDataPtr ArrayData::Slice(int64_t start, int64_t len) const {
  start = std::clamp<int64_t>(start, 0, length);
  len = std::clamp<int64_t>(len, 0, length - start);
  auto out = std::make_shared<ArrayData>(*this);
  out->offset = offset + start;
  out->length = len;
  if (type->id() == TypeId::kNull) {
    out->null_count = len;
  } else if (null_count == 0 || buffers.empty() || !buffers[0]) {
    out->null_count = 0;
  } else if (len != length) {
    out->null_count = -1;
  }
  return out;
}

int64_t CountNulls(const ArrayData& data) {
  if (data.type->id() == TypeId::kNull) return data.length;
  if (data.buffers.empty() || !data.buffers[0] || data.length <= 0) return 0;
  return data.length - CountSetBits(data.buffers[0]->data(), data.offset, data.length);
}

namespace {

// Where in a nested array the validator is; rendered only when reporting an error.
struct Path {
  const Path* parent;
  std::string_view kind;  // "field", "list item", "dictionary"
  std::string_view name;  // field name, may be empty
};

void RenderPath(const Path* p, std::string* out) {
  if (p == nullptr) return;
  RenderPath(p->parent, out);
  out->append(p->kind);
  if (!p->name.empty() || p->kind == "field") {
    out->append(" '");
    out->append(p->name);
    out->append("'");
  }
  out->append(": ");
}

bool MulOverflow(int64_t a, int64_t b, int64_t* out) { return __builtin_mul_overflow(a, b, out); }
bool AddOverflow(int64_t a, int64_t b, int64_t* out) { return __builtin_add_overflow(a, b, out); }

class Validator {
 public:
  explicit Validator(bool full) : full_(full) {}

  Status ValidateType(const DataType& t, const Path* path, int depth) const;
  Status Validate(const ArrayData& a, const Path* path, int depth) const;

 private:
  Status Error(const Path* path, const ArrayData* a, const std::string& msg) const {
    std::string text;
    RenderPath(path, &text);
    if (a != nullptr) {
      text += TypeIdName(a->type->id());
      text += " array: ";
    }
    text += msg;
    return Status::Corrupt(std::move(text));
  }

  // Checks that buffers[index] holds at least `needed` bytes and is aligned for `align`-byte
  // elements. A null buffer is accepted when nothing is needed.
  Status CheckBuffer(const ArrayData& a, const Path* path, size_t index, int64_t needed,
                     int64_t align, const char* what) const;
  template <typename OffsetT>
  Status CheckOffsets(const ArrayData& a, const Path* path, int64_t limit, const char* limit_what,
                      int64_t* first, int64_t* last) const;
  Status CheckUtf8(const ArrayData& a, const Path* path, int64_t width) const;
  template <typename IndexT>
  Status CheckDictionaryIndices(const ArrayData& a, const Path* path, int64_t dict_length) const;
  Status CheckDecimals(const ArrayData& a, const Path* path) const;
  Status CheckChild(const ArrayData& a, const Path* path, size_t index, const Field& field,
                    int64_t min_length, const char* min_what, const Path* child_path,
                    int depth) const;

  bool full_;
};

Status Validator::ValidateType(const DataType& t, const Path* path, int depth) const {
  auto error = [&](const std::string& msg) {
    std::string text;
    RenderPath(path, &text);
    text += TypeIdName(t.id());
    text += " type: ";
    text += msg;
    return Status::Corrupt(std::move(text));
  };
  if (depth > kMaxValidationDepth) {
    return error("nested deeper than " + std::to_string(kMaxValidationDepth) + " levels");
  }
  auto check_children = [&](size_t expected) -> Status {
    if (expected != static_cast<size_t>(-1) && t.children().size() != expected) {
      return error("has " + std::to_string(t.children().size()) + " child fields, expected " +
                   std::to_string(expected));
    }
    for (const FieldPtr& f : t.children()) {
      if (!f || !f->type) return error("has a child field without a type");
      Path child{path, "field", f->name};
      LF_RETURN_NOT_OK(ValidateType(*f->type, &child, depth + 1));
    }
    return Status::OK();
  };
  switch (t.id()) {
    case TypeId::kNull: case TypeId::kBool:
    case TypeId::kInt8: case TypeId::kInt16: case TypeId::kInt32: case TypeId::kInt64:
    case TypeId::kUInt8: case TypeId::kUInt16: case TypeId::kUInt32: case TypeId::kUInt64:
    case TypeId::kFloat16: case TypeId::kFloat32: case TypeId::kFloat64:
    case TypeId::kUtf8: case TypeId::kLargeUtf8: case TypeId::kBinary: case TypeId::kLargeBinary:
    case TypeId::kDate32: case TypeId::kDate64: case TypeId::kTimestamp: case TypeId::kDuration:
      if (static_cast<uint8_t>(t.unit()) > static_cast<uint8_t>(TimeUnit::kNano)) {
        return error("invalid time unit");
      }
      return check_children(0);
    case TypeId::kTime32:
      if (t.unit() != TimeUnit::kSecond && t.unit() != TimeUnit::kMilli) {
        return error("unit must be s or ms");
      }
      return check_children(0);
    case TypeId::kTime64:
      if (t.unit() != TimeUnit::kMicro && t.unit() != TimeUnit::kNano) {
        return error("unit must be us or ns");
      }
      return check_children(0);
    case TypeId::kFixedSizeBinary:
      if (t.fixed_size() < 0) return error("negative byte width " + std::to_string(t.fixed_size()));
      return check_children(0);
    case TypeId::kDecimal128:
    case TypeId::kDecimal256: {
      const int32_t max_precision = t.id() == TypeId::kDecimal128 ? 38 : 76;
      if (t.precision() < 1 || t.precision() > max_precision) {
        return error("precision " + std::to_string(t.precision()) + " outside 1.." +
                     std::to_string(max_precision));
      }
      if (t.scale() < -max_precision || t.scale() > max_precision) {
        return error("scale " + std::to_string(t.scale()) + " outside " +
                     std::to_string(-max_precision) + ".." + std::to_string(max_precision));
      }
      return check_children(0);
    }
    case TypeId::kStruct: return check_children(static_cast<size_t>(-1));
    case TypeId::kList: case TypeId::kLargeList: return check_children(1);
    case TypeId::kFixedSizeList:
      if (t.fixed_size() < 0) return error("negative list size " + std::to_string(t.fixed_size()));
      return check_children(1);
    case TypeId::kDictionary: {
      if (!t.index_type() || !t.index_type()->is_integer()) {
        return error("index type must be an integer type");
      }
      if (!t.value_type()) return error("has no value type");
      LF_RETURN_NOT_OK(check_children(0));
      Path child{path, "dictionary", ""};
      return ValidateType(*t.value_type(), &child, depth + 1);
    }
  }
  return error("unknown type id " + std::to_string(static_cast<int>(t.id())));
}

Status Validator::CheckBuffer(const ArrayData& a, const Path* path, size_t index, int64_t needed,
                              int64_t align, const char* what) const {
  const BufferPtr& b = a.buffers[index];
  if (!b) {
    if (needed > 0) {
      return Error(path, &a, std::string(what) + " buffer is missing (" + std::to_string(needed) +
                                 " bytes needed)");
    }
    return Status::OK();
  }
  if (b->size() < 0 || (b->size() > 0 && b->data() == nullptr)) {
    return Error(path, &a, std::string(what) + " buffer is malformed");
  }
  if (b->size() < needed) {
    return Error(path, &a,
                 std::string(what) + " buffer has " + std::to_string(b->size()) +
                     " bytes, needs " + std::to_string(needed) + " for offset " +
                     std::to_string(a.offset) + " + length " + std::to_string(a.length));
  }
  if (align > 1 && b->size() > 0 &&
      reinterpret_cast<uintptr_t>(b->data()) % static_cast<uintptr_t>(align) != 0) {
    return Error(path, &a,
                 std::string(what) + " buffer is not aligned to " + std::to_string(align) +
                     " bytes");
  }
  return Status::OK();
}

template <typename OffsetT>
Status Validator::CheckOffsets(const ArrayData& a, const Path* path, int64_t limit,
                               const char* limit_what, int64_t* first, int64_t* last) const {
  constexpr int64_t w = sizeof(OffsetT);
  *first = *last = 0;
  const BufferPtr& b = a.buffers[1];
  int64_t needed = 0;
  if (a.length > 0) {
    int64_t entries;
    if (AddOverflow(a.offset, a.length, &entries) || AddOverflow(entries, 1, &entries) ||
        MulOverflow(entries, w, &needed)) {
      return Error(path, &a, "offset + length overflows the offsets buffer size");
    }
  }
  LF_RETURN_NOT_OK(CheckBuffer(a, path, 1, needed, w, "offsets"));
  if (a.length == 0) {
    // Arrow IPC allows an empty offsets buffer for an empty array; if an entry is there, it
    // must still be in range.
    int64_t entry_end;
    if (!b || AddOverflow(a.offset, 1, &entry_end) || MulOverflow(entry_end, w, &entry_end) ||
        b->size() < entry_end) {
      return Status::OK();
    }
  }
  const OffsetT* o = b->data_as<OffsetT>() + a.offset;
  const int64_t start = static_cast<int64_t>(o[0]);
  if (start < 0) {
    return Error(path, &a, "first offset " + std::to_string(start) + " is negative");
  }
  int64_t prev = start;
  for (int64_t i = 1; i <= a.length; ++i) {
    const int64_t cur = static_cast<int64_t>(o[i]);
    if (cur < prev) {
      return Error(path, &a,
                   "offsets decrease at slot " + std::to_string(i - 1) + " (" +
                       std::to_string(prev) + " then " + std::to_string(cur) + ")");
    }
    prev = cur;
  }
  if (prev > limit) {
    return Error(path, &a,
                 "last offset " + std::to_string(prev) + " is beyond the " + limit_what + " (" +
                     std::to_string(limit) + ")");
  }
  *first = start;
  *last = prev;
  return Status::OK();
}

Status Validator::CheckUtf8(const ArrayData& a, const Path* path, int64_t width) const {
  if (a.length == 0) return Status::OK();
  const uint8_t* data = a.buffers[2] ? a.buffers[2]->data() : nullptr;
  auto offset_at = [&](int64_t i) -> int64_t {
    return width == 4 ? a.buffers[1]->data_as<int32_t>()[a.offset + i]
                      : a.buffers[1]->data_as<int64_t>()[a.offset + i];
  };
  const int64_t first = offset_at(0);
  const int64_t last = offset_at(a.length);
  if (last == first) return Status::OK();
  // Fast path: when all the bytes form valid UTF-8 and no value starts on a continuation byte
  // (which would split a character between two values), every value is valid. Otherwise look
  // at the valid slots one by one to find the culprit (bytes under nulls do not count).
  if (IsValidUtf8(data + first, last - first)) {
    bool split = false;
    for (int64_t i = 1; i < a.length && !split; ++i) {
      const int64_t o = offset_at(i);
      split = o < last && (data[o] & 0xC0) == 0x80;
    }
    if (!split) return Status::OK();
  }
  const uint8_t* validity = a.buffers[0] ? a.buffers[0]->data() : nullptr;
  for (int64_t i = 0; i < a.length; ++i) {
    if (validity && !GetBit(validity, a.offset + i)) continue;
    const int64_t s = offset_at(i);
    const int64_t e = offset_at(i + 1);
    if (!IsValidUtf8(data + s, e - s)) {
      return Error(path, &a, "invalid UTF-8 in slot " + std::to_string(i));
    }
  }
  return Status::OK();
}

template <typename IndexT>
Status Validator::CheckDictionaryIndices(const ArrayData& a, const Path* path,
                                         int64_t dict_length) const {
  const IndexT* idx = a.buffers[1] ? a.buffers[1]->data_as<IndexT>() + a.offset : nullptr;
  const uint8_t* validity = a.buffers[0] ? a.buffers[0]->data() : nullptr;
  for (int64_t i = 0; i < a.length; ++i) {
    if (validity && !GetBit(validity, a.offset + i)) continue;
    const IndexT v = idx[i];
    bool ok;
    if constexpr (std::is_signed_v<IndexT>) {
      ok = v >= 0 && static_cast<int64_t>(v) < dict_length;
    } else {
      ok = static_cast<uint64_t>(v) < static_cast<uint64_t>(dict_length);
    }
    if (!ok) {
      return Error(path, &a,
                   "index " + std::to_string(v) + " in slot " + std::to_string(i) +
                       " is outside the dictionary of " + std::to_string(dict_length) + " values");
    }
  }
  return Status::OK();
}

Status Validator::CheckDecimals(const ArrayData& a, const Path* path) const {
  const int words = a.type->id() == TypeId::kDecimal128 ? 2 : 4;
  const int32_t precision = a.type->precision();
  const uint8_t* values = a.buffers[1] ? a.buffers[1]->data() : nullptr;
  const uint8_t* validity = a.buffers[0] ? a.buffers[0]->data() : nullptr;
  for (int64_t i = 0; i < a.length; ++i) {
    if (validity && !GetBit(validity, a.offset + i)) continue;
    if (!DecimalFitsPrecision(values + (a.offset + i) * words * 8, words, precision)) {
      std::string text;
      AppendDecimalString(values + (a.offset + i) * words * 8, words, 0, &text);
      return Error(path, &a,
                   "value " + text + " in slot " + std::to_string(i) + " has more than " +
                       std::to_string(precision) + " digits");
    }
  }
  return Status::OK();
}

Status Validator::CheckChild(const ArrayData& a, const Path* path, size_t index,
                             const Field& field, int64_t min_length, const char* min_what,
                             const Path* child_path, int depth) const {
  const ArrayDataPtr& child = a.children[index];
  if (!child) return Error(path, &a, "child " + std::to_string(index) + " is missing");
  LF_RETURN_NOT_OK(Validate(*child, child_path, depth + 1));
  if (!child->type->Equals(*field.type)) {
    return Error(path, &a,
                 "child " + std::to_string(index) + " has type " + child->type->ToString() +
                     ", the type says " + field.type->ToString());
  }
  if (child->length < min_length) {
    return Error(path, &a,
                 "child " + std::to_string(index) + " has " + std::to_string(child->length) +
                     " slots, needs " + std::to_string(min_length) + " for " + min_what);
  }
  return Status::OK();
}

Status Validator::Validate(const ArrayData& a, const Path* path, int depth) const {
  if (!a.type) return Error(path, nullptr, "array has no type");
  LF_RETURN_NOT_OK(ValidateType(*a.type, path, depth));
  const DataType& t = *a.type;
  const TypeId id = t.id();
  if (a.length < 0) return Error(path, &a, "negative length " + std::to_string(a.length));
  if (a.offset < 0) return Error(path, &a, "negative offset " + std::to_string(a.offset));
  int64_t end;  // offset + length, in slots
  if (AddOverflow(a.offset, a.length, &end)) {
    return Error(path, &a, "offset + length overflows");
  }
  if (a.null_count < -1 || a.null_count > a.length) {
    return Error(path, &a,
                 "null count " + std::to_string(a.null_count) + " outside 0..length (" +
                     std::to_string(a.length) + ")");
  }
  const size_t num_buffers = static_cast<size_t>(t.num_buffers());
  if (a.buffers.size() != num_buffers) {
    return Error(path, &a,
                 "has " + std::to_string(a.buffers.size()) + " buffers, expected " +
                     std::to_string(num_buffers));
  }
  if (id != TypeId::kDictionary && a.dictionary) {
    return Error(path, &a, "has a dictionary but is not dictionary-encoded");
  }
  size_t num_children = 0;
  if (id == TypeId::kStruct) num_children = t.children().size();
  if (id == TypeId::kList || id == TypeId::kLargeList || id == TypeId::kFixedSizeList) {
    num_children = 1;
  }
  if (a.children.size() != num_children) {
    return Error(path, &a,
                 "has " + std::to_string(a.children.size()) + " children, expected " +
                     std::to_string(num_children));
  }

  if (id == TypeId::kNull) {
    if (a.null_count != -1 && a.null_count != a.length) {
      return Error(path, &a,
                   "null count " + std::to_string(a.null_count) + " differs from length " +
                       std::to_string(a.length));
    }
    return Status::OK();
  }

  // Validity bitmap.
  if (a.buffers[0]) {  // null means all valid
    LF_RETURN_NOT_OK(
        CheckBuffer(a, path, 0, a.length > 0 ? BytesForBits(end) : 0, 1, "validity"));
  } else if (a.null_count > 0) {
    return Error(path, &a,
                 "null count " + std::to_string(a.null_count) + " without a validity buffer");
  }

  switch (id) {
    case TypeId::kBool:
      LF_RETURN_NOT_OK(CheckBuffer(a, path, 1, a.length > 0 ? BytesForBits(end) : 0, 1, "values"));
      break;
    case TypeId::kInt8: case TypeId::kInt16: case TypeId::kInt32: case TypeId::kInt64:
    case TypeId::kUInt8: case TypeId::kUInt16: case TypeId::kUInt32: case TypeId::kUInt64:
    case TypeId::kFloat16: case TypeId::kFloat32: case TypeId::kFloat64:
    case TypeId::kDate32: case TypeId::kDate64: case TypeId::kTime32: case TypeId::kTime64:
    case TypeId::kTimestamp: case TypeId::kDuration: case TypeId::kDecimal128:
    case TypeId::kDecimal256: case TypeId::kFixedSizeBinary: {
      const int64_t width = t.byte_width();
      int64_t needed = 0;
      if (a.length > 0 && MulOverflow(end, width, &needed)) {
        return Error(path, &a, "offset + length overflows the values buffer size");
      }
      const int64_t align = id == TypeId::kFixedSizeBinary ? 1 : std::min<int64_t>(width, 8);
      LF_RETURN_NOT_OK(CheckBuffer(a, path, 1, needed, align, "values"));
      if (full_ && (id == TypeId::kDecimal128 || id == TypeId::kDecimal256)) {
        LF_RETURN_NOT_OK(CheckDecimals(a, path));
      }
      break;
    }
    case TypeId::kUtf8: case TypeId::kBinary: case TypeId::kLargeUtf8: case TypeId::kLargeBinary: {
      const BufferPtr& data = a.buffers[2];
      const int64_t data_size = data ? data->size() : 0;
      if (data && (data_size < 0 || (data_size > 0 && data->data() == nullptr))) {
        return Error(path, &a, "data buffer is malformed");
      }
      int64_t first, last;
      const bool large = id == TypeId::kLargeUtf8 || id == TypeId::kLargeBinary;
      if (large) {
        LF_RETURN_NOT_OK(CheckOffsets<int64_t>(a, path, data_size, "data buffer", &first, &last));
      } else {
        LF_RETURN_NOT_OK(CheckOffsets<int32_t>(a, path, data_size, "data buffer", &first, &last));
      }
      if (full_ && (id == TypeId::kUtf8 || id == TypeId::kLargeUtf8)) {
        LF_RETURN_NOT_OK(CheckUtf8(a, path, large ? 8 : 4));
      }
      break;
    }
    case TypeId::kList: case TypeId::kLargeList: {
      const ArrayDataPtr& child = a.children[0];
      Path child_path{path, "list item", ""};
      if (!child) return Error(path, &a, "child 0 is missing");
      LF_RETURN_NOT_OK(
          CheckChild(a, path, 0, *t.children()[0], 0, "its offsets", &child_path, depth));
      int64_t first, last;
      if (id == TypeId::kLargeList) {
        LF_RETURN_NOT_OK(CheckOffsets<int64_t>(a, path, child->length, "child length", &first,
                                               &last));
      } else {
        LF_RETURN_NOT_OK(CheckOffsets<int32_t>(a, path, child->length, "child length", &first,
                                               &last));
      }
      break;
    }
    case TypeId::kFixedSizeList: {
      int64_t needed = 0;
      if (a.length > 0 && MulOverflow(end, t.fixed_size(), &needed)) {
        return Error(path, &a, "(offset + length) * list size overflows");
      }
      Path child_path{path, "list item", ""};
      LF_RETURN_NOT_OK(CheckChild(a, path, 0, *t.children()[0], needed,
                                  "(offset + length) * list size", &child_path, depth));
      break;
    }
    case TypeId::kStruct: {
      for (size_t i = 0; i < a.children.size(); ++i) {
        const Field& f = *t.children()[i];
        Path child_path{path, "field", f.name};
        LF_RETURN_NOT_OK(CheckChild(a, path, i, f, a.length > 0 ? end : 0, "offset + length",
                                    &child_path, depth));
      }
      break;
    }
    case TypeId::kDictionary: {
      const DataType& index_type = *t.index_type();
      int64_t needed = 0;
      if (a.length > 0 && MulOverflow(end, index_type.byte_width(), &needed)) {
        return Error(path, &a, "offset + length overflows the indices buffer size");
      }
      LF_RETURN_NOT_OK(CheckBuffer(a, path, 1, needed, index_type.byte_width(), "indices"));
      if (!a.dictionary) return Error(path, &a, "dictionary is missing");
      Path dict_path{path, "dictionary", ""};
      LF_RETURN_NOT_OK(Validate(*a.dictionary, &dict_path, depth + 1));
      if (!a.dictionary->type->Equals(*t.value_type())) {
        return Error(path, &a,
                     "dictionary has type " + a.dictionary->type->ToString() +
                         ", the type says " + t.value_type()->ToString());
      }
      const int64_t n = a.dictionary->length;
      switch (index_type.id()) {
        case TypeId::kInt8: LF_RETURN_NOT_OK(CheckDictionaryIndices<int8_t>(a, path, n)); break;
        case TypeId::kInt16: LF_RETURN_NOT_OK(CheckDictionaryIndices<int16_t>(a, path, n)); break;
        case TypeId::kInt32: LF_RETURN_NOT_OK(CheckDictionaryIndices<int32_t>(a, path, n)); break;
        case TypeId::kInt64: LF_RETURN_NOT_OK(CheckDictionaryIndices<int64_t>(a, path, n)); break;
        case TypeId::kUInt8: LF_RETURN_NOT_OK(CheckDictionaryIndices<uint8_t>(a, path, n)); break;
        case TypeId::kUInt16:
          LF_RETURN_NOT_OK(CheckDictionaryIndices<uint16_t>(a, path, n));
          break;
        case TypeId::kUInt32:
          LF_RETURN_NOT_OK(CheckDictionaryIndices<uint32_t>(a, path, n));
          break;
        case TypeId::kUInt64:
          LF_RETURN_NOT_OK(CheckDictionaryIndices<uint64_t>(a, path, n));
          break;
        default: return Error(path, &a, "index type is not an integer type");
      }
      break;
    }
    case TypeId::kNull: break;
  }

  if (full_ && a.null_count >= 0) {
    const int64_t actual = CountNulls(a);
    if (actual != a.null_count) {
      return Error(path, &a,
                   "null count " + std::to_string(a.null_count) + " but the validity bitmap has " +
                       std::to_string(actual) + " nulls");
    }
  }
  return Status::OK();
}

void AddBufferSizes(const ArrayData& a, int64_t* total) {
  for (const BufferPtr& b : a.buffers) {
    if (b) *total += b->size();
  }
  for (const ArrayDataPtr& c : a.children) {
    if (c) AddBufferSizes(*c, total);
  }
  if (a.dictionary) AddBufferSizes(*a.dictionary, total);
}

}  // namespace

Status ValidateArray(const ArrayData& data, bool full) {
  return Validator(full).Validate(data, nullptr, 0);
}

Status ValidateDataType(const DataType& type) {
  return Validator(false).ValidateType(type, nullptr, 0);
}

std::shared_ptr<RecordBatch> RecordBatch::Slice(int64_t start, int64_t len) const {
  start = std::clamp<int64_t>(start, 0, num_rows_);
  len = std::clamp<int64_t>(len, 0, num_rows_ - start);
  std::vector<ArrayDataPtr> cols;
  cols.reserve(columns_.size());
  for (const ArrayDataPtr& c : columns_) cols.push_back(c->Slice(start, len));
  return std::make_shared<RecordBatch>(schema_, len, std::move(cols));
}

Status RecordBatch::Validate(bool full) const {
  if (!schema_) return Status::Corrupt("record batch has no schema");
  if (num_rows_ < 0) {
    return Status::Corrupt("record batch has a negative row count " + std::to_string(num_rows_));
  }
  if (columns_.size() != schema_->fields().size()) {
    return Status::Corrupt("record batch has " + std::to_string(columns_.size()) +
                           " columns, its schema " + std::to_string(schema_->fields().size()));
  }
  Validator validator(full);
  for (size_t i = 0; i < columns_.size(); ++i) {
    const FieldPtr& f = schema_->fields()[i];
    const std::string where = "column '" + (f ? f->name : std::string()) + "'";
    if (!f || !f->type) return Status::Corrupt(where + ": schema field without a type");
    if (!columns_[i]) return Status::Corrupt(where + ": column is missing");
    LF_RETURN_NOT_OK(validator.ValidateType(*f->type, nullptr, 0).WithContext(where));
    LF_RETURN_NOT_OK(validator.Validate(*columns_[i], nullptr, 0).WithContext(where));
    if (!columns_[i]->type->Equals(*f->type)) {
      return Status::Corrupt(where + ": column has type " + columns_[i]->type->ToString() +
                             ", the schema says " + f->type->ToString());
    }
    if (columns_[i]->length != num_rows_) {
      return Status::Corrupt(where + ": column has " + std::to_string(columns_[i]->length) +
                             " rows, the batch " + std::to_string(num_rows_));
    }
  }
  return Status::OK();
}

int64_t RecordBatch::TotalBufferSize() const {
  int64_t total = 0;
  for (const ArrayDataPtr& c : columns_) {
    if (c) AddBufferSizes(*c, &total);
  }
  return total;
}

}  // namespace lanceflow::arrow
