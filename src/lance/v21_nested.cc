#include "v21_nested.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>

#include "lanceflow/arrow/bitmap.h"

namespace lanceflow::lance::v21 {

namespace {

constexpr int kMaxFslLayers = 16;
constexpr int64_t kMaxRowBytes = int64_t{1} << 24;

Status Bad(const std::string& msg) { return Status::Corrupt(msg); }

bool EqualsIgnoreCase(const std::string& a, const char* b) {
  size_t n = std::strlen(b);
  if (a.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

// Byte-aligned, non-nested, fixed width in bits; 0 when the type is not one.
int64_t PlainFixedBits(const arrow::DataType& t) {
  if (t.is_nested() || t.id() == arrow::TypeId::kDictionary || t.id() == arrow::TypeId::kNull) {
    return 0;
  }
  int64_t bits = t.bit_width();
  return bits > 0 && bits % 8 == 0 ? bits : 0;
}

// The canonical row layout of a nested fixed-size list (see v21_nested.h).
struct FslLayout {
  std::vector<int64_t> dims;          // per layer, outermost first
  std::vector<int64_t> cum;           // dims[0] * ... * dims[l]
  std::vector<bool> stored_validity;  // per layer, from an encoding
  std::vector<int64_t> validity_at;   // byte offset of layer l's validity in a canonical row
  int64_t item_bytes = 0;
  int64_t items = 0;    // items per row
  int64_t data_at = 0;  // byte offset of the items in a canonical row
  int64_t row_bytes = 0;

  Status Finish() {
    int64_t at = 0;
    int64_t c = 1;
    for (int64_t d : dims) {
      if (d <= 0 || d > (int64_t{1} << 20)) return Bad("fixed-size list dimension out of range");
      c *= d;
      if (c > kMaxRowBytes) return Bad("nested fixed-size list too large");
      cum.push_back(c);
      validity_at.push_back(at);
      at += arrow::BytesForBits(c);
    }
    items = c;
    data_at = at;
    row_bytes = at + items * item_bytes;
    if (row_bytes > kMaxRowBytes) return Bad("nested fixed-size list too large");
    return Status::OK();
  }
};

Result<FslLayout> LayoutOfType(const arrow::DataType& type) {
  FslLayout l;
  const arrow::DataType* t = &type;
  while (t->id() == arrow::TypeId::kFixedSizeList) {
    if (static_cast<int>(l.dims.size()) >= kMaxFslLayers) {
      return Status::NotImplemented("fixed-size lists nested more than 16 deep");
    }
    l.dims.push_back(t->fixed_size());
    t = t->children()[0]->type.get();
  }
  int64_t bits = PlainFixedBits(*t);
  if (bits == 0) {
    return Status::NotImplemented("nested fixed_size_list of " + t->ToString());
  }
  l.item_bytes = bits / 8;
  LF_RETURN_NOT_OK(l.Finish());
  return l;
}

Result<FslLayout> LayoutOfEncoding(const Encoding& e) {
  FslLayout l;
  const Encoding* cur = &e;
  while (cur->kind == EncodingKind::kFixedSizeList) {
    if (static_cast<int>(l.dims.size()) >= kMaxFslLayers) {
      return Bad("FixedSizeList encodings nested too deeply");
    }
    l.dims.push_back(static_cast<int64_t>(std::min<uint64_t>(cur->items_per_value, 1u << 21)));
    l.stored_validity.push_back(cur->has_validity);
    if (!cur->child) return Bad("FixedSizeList encoding without its inner encoding");
    cur = cur->child.get();
  }
  if (cur->kind != EncodingKind::kFlat) {
    return Status::NotImplemented("nested FixedSizeList of " + cur->Describe());
  }
  if (cur->bits == 0 || cur->bits % 8 != 0 || cur->bits > 1024) {
    return Status::NotImplemented("nested FixedSizeList of " + std::to_string(cur->bits) +
                                  "-bit items");
  }
  l.item_bytes = static_cast<int64_t>(cur->bits / 8);
  LF_RETURN_NOT_OK(l.Finish());
  return l;
}

// Appends `num` canonical rows to `out`: validity layer l of row r comes from
// validity[l] (bit r * cum[l] onwards) or is all set when validity[l] is null; the items come
// from `items`, `items_stride` bytes apart per row.
Status AppendRows(const FslLayout& l, const std::vector<const uint8_t*>& validity,
                  const std::vector<int64_t>& validity_bit0, const uint8_t* items,
                  int64_t items_stride, int64_t num, ValueBlock* out) {
  if (out->variable || out->bits_per_value != l.row_bytes * 8) {
    return Bad("nested fixed-size list values do not match the field type");
  }
  int64_t start = static_cast<int64_t>(out->data.size());
  out->data.resize(start + num * l.row_bytes);
  uint8_t* dst = out->data.data() + start;
  std::memset(dst, 0, static_cast<size_t>(num * l.row_bytes));
  for (int64_t r = 0; r < num; ++r) {
    uint8_t* row = dst + r * l.row_bytes;
    for (size_t k = 0; k < l.dims.size(); ++k) {
      if (validity[k]) {
        arrow::CopyBitmap(validity[k], validity_bit0[k] + r * l.cum[k], row + l.validity_at[k], 0,
                          l.cum[k]);
      } else {
        arrow::SetBitsTo(row + l.validity_at[k], 0, l.cum[k], true);
      }
    }
    std::memcpy(row + l.data_at, items + r * items_stride,
                static_cast<size_t>(l.items * l.item_bytes));
  }
  out->num += num;
  return Status::OK();
}

BufferPtr ValidityOrNull(const std::vector<uint8_t>& bits, int64_t length, int64_t* nulls) {
  *nulls = length - arrow::CountSetBits(bits.data(), 0, length);
  return *nulls ? Buffer::CopyOf(bits.data(), static_cast<int64_t>(bits.size())) : nullptr;
}

}  // namespace

bool IsPackedStructField(const LanceField& field) {
  for (const auto& [k, v] : field.metadata) {
    if ((k == "packed" || k == "lance-encoding:packed") && EqualsIgnoreCase(v, "true")) {
      return true;
    }
  }
  return false;
}

Result<ValueShape> PackedStructShape(const arrow::DataType& type) {
  if (type.id() != arrow::TypeId::kStruct || type.children().empty()) {
    return Status::NotImplemented("packed field of type " + type.ToString());
  }
  ValueShape s;
  for (const auto& m : type.children()) {
    int64_t bits = PlainFixedBits(*m->type);
    if (bits == 0) {
      return Status::NotImplemented("packed struct member '" + m->name + "' of type " +
                                    m->type->ToString());
    }
    s.bits_per_value += bits;
  }
  return s;
}

Result<arrow::ArrayDataPtr> BuildPackedStruct(const arrow::DataTypePtr& type, int64_t length,
                                              BufferPtr validity, int64_t null_count,
                                              const uint8_t* rows) {
  LF_ASSIGN_OR_RETURN(ValueShape shape, PackedStructShape(*type));
  int64_t row_bytes = shape.bits_per_value / 8;
  auto out = std::make_shared<arrow::ArrayData>();
  out->type = type;
  out->length = length;
  out->null_count = null_count;
  out->buffers = {std::move(validity)};
  int64_t at = 0;
  for (const auto& m : type->children()) {
    int64_t w = m->type->bit_width() / 8;
    BufferBuilder values;
    uint8_t* dst = nullptr;
    if (length > 0) {
      values.Resize(length * w);
      dst = values.mutable_data();
    }
    for (int64_t r = 0; r < length; ++r) {
      std::memcpy(dst + r * w, rows + r * row_bytes + at, static_cast<size_t>(w));
    }
    at += w;
    auto child = std::make_shared<arrow::ArrayData>();
    child->type = m->type;
    child->length = length;
    child->buffers = {nullptr, values.Finish()};
    out->children.push_back(std::move(child));
  }
  return arrow::ArrayDataPtr(out);
}

bool IsNestedFsl(const arrow::DataType& type) {
  return type.id() == arrow::TypeId::kFixedSizeList &&
         type.children()[0]->type->id() == arrow::TypeId::kFixedSizeList;
}

bool IsNestedFslEncoding(const Encoding& e) {
  return e.kind == EncodingKind::kFixedSizeList && e.child &&
         e.child->kind == EncodingKind::kFixedSizeList;
}

Result<ValueShape> NestedFslShape(const arrow::DataType& type) {
  LF_ASSIGN_OR_RETURN(FslLayout l, LayoutOfType(type));
  ValueShape s;
  s.bits_per_value = l.row_bytes * 8;
  return s;
}

Result<ValueShape> NestedFslShapeOfEncoding(const Encoding& e) {
  LF_ASSIGN_OR_RETURN(FslLayout l, LayoutOfEncoding(e));
  ValueShape s;
  s.bits_per_value = l.row_bytes * 8;
  return s;
}

Status DecodeNestedFslChunk(const Encoding& e, const std::vector<ByteSpan>& buffers, size_t* next,
                            int64_t num, ValueBlock* out) {
  LF_ASSIGN_OR_RETURN(FslLayout l, LayoutOfEncoding(e));
  std::vector<const uint8_t*> validity(l.dims.size(), nullptr);
  std::vector<int64_t> bit0(l.dims.size(), 0);
  for (size_t k = 0; k < l.dims.size(); ++k) {
    if (!l.stored_validity[k]) continue;
    if (*next >= buffers.size()) return Bad("FixedSizeList chunk without its validity buffer");
    const ByteSpan& v = buffers[(*next)++];
    if (v.size < arrow::BytesForBits(num * l.cum[k])) {
      return Bad("FixedSizeList validity buffer too short");
    }
    validity[k] = v.data;
  }
  if (*next >= buffers.size()) return Bad("FixedSizeList chunk without its values buffer");
  const ByteSpan& d = buffers[(*next)++];
  int64_t stride = l.items * l.item_bytes;
  if (d.size < num * stride) return Bad("FixedSizeList values buffer too short");
  return AppendRows(l, validity, bit0, d.data, stride, num, out);
}

Status DecodeNestedFslFullZip(const Encoding& e, const uint8_t* data, int64_t num,
                              int64_t bytes_per_value, ValueBlock* out) {
  LF_ASSIGN_OR_RETURN(FslLayout l, LayoutOfEncoding(e));
  // Stored row: the validity bytes of the layers that have validity, then the items.
  std::vector<int64_t> stored_at(l.dims.size(), -1);
  int64_t at = 0;
  for (size_t k = 0; k < l.dims.size(); ++k) {
    if (!l.stored_validity[k]) continue;
    stored_at[k] = at;
    at += arrow::BytesForBits(l.cum[k]);
  }
  int64_t stride = l.items * l.item_bytes;
  if (at + stride != bytes_per_value) {
    return Bad("full-zip nested FixedSizeList value of " + std::to_string(bytes_per_value) +
               " bytes, its encoding needs " + std::to_string(at + stride));
  }
  // Validity bit offsets advance by row within one row's bytes: read row by row.
  for (int64_t r = 0; r < num; ++r) {
    const uint8_t* row = data + r * bytes_per_value;
    std::vector<const uint8_t*> validity(l.dims.size(), nullptr);
    for (size_t k = 0; k < l.dims.size(); ++k) {
      if (stored_at[k] >= 0) validity[k] = row + stored_at[k];
    }
    LF_RETURN_NOT_OK(
        AppendRows(l, validity, std::vector<int64_t>(l.dims.size(), 0), row + at, stride, 1, out));
  }
  return Status::OK();
}

Result<arrow::ArrayDataPtr> BuildNestedFsl(const arrow::DataTypePtr& type, int64_t length,
                                           BufferPtr validity, int64_t null_count,
                                           const uint8_t* rows) {
  LF_ASSIGN_OR_RETURN(FslLayout l, LayoutOfType(*type));
  size_t layers = l.dims.size();
  // Types per depth: depth 0 is `type`, depth layers is the item type.
  std::vector<arrow::DataTypePtr> types{type};
  for (size_t k = 0; k < layers; ++k) types.push_back(types.back()->children()[0]->type);
  // The items.
  BufferBuilder items;
  int64_t stride = l.items * l.item_bytes;
  if (length > 0) {
    items.Resize(length * stride);
    for (int64_t r = 0; r < length; ++r) {
      std::memcpy(items.mutable_data() + r * stride, rows + r * l.row_bytes + l.data_at,
                  static_cast<size_t>(stride));
    }
  }
  // Child arrays from the innermost up: depth k + 1 has length * cum[k] slots whose validity is
  // layer k's.
  arrow::ArrayDataPtr child;
  for (size_t k = layers; k-- > 0;) {
    int64_t slots = length * l.cum[k];
    std::vector<uint8_t> bits(static_cast<size_t>(arrow::BytesForBits(slots)), 0);
    for (int64_t r = 0; r < length; ++r) {
      arrow::CopyBitmap(rows + r * l.row_bytes + l.validity_at[k], 0, bits.data(), r * l.cum[k],
                        l.cum[k]);
    }
    auto a = std::make_shared<arrow::ArrayData>();
    a->type = types[k + 1];
    a->length = slots;
    BufferPtr v = ValidityOrNull(bits, slots, &a->null_count);
    if (k + 1 == layers) {
      a->buffers = {std::move(v), items.Finish()};
    } else {
      a->buffers = {std::move(v)};
      a->children = {child};
    }
    child = std::move(a);
  }
  auto out = std::make_shared<arrow::ArrayData>();
  out->type = type;
  out->length = length;
  out->null_count = null_count;
  out->buffers = {std::move(validity)};
  out->children = {std::move(child)};
  return arrow::ArrayDataPtr(out);
}

}  // namespace lanceflow::lance::v21
