#include "lanceflow/arrow/c_data.h"

#include <charconv>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/arrow/bitmap.h"

namespace lanceflow::arrow {
namespace {

// Pointed to for buffers no byte of which is addressed (null buffers, empty arrays), so
// consumers never see a NULL data pointer and may read offsets[0] of an empty array.
alignas(64) const uint8_t kZeroArea[64] = {};

char UnitChar(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSecond: return 's';
    case TimeUnit::kMilli: return 'm';
    case TimeUnit::kMicro: return 'u';
    case TimeUnit::kNano: return 'n';
  }
  return '?';
}

// ---------------------------------------------------------------------------------------------
// Export: schemas

struct SchemaPrivate {
  std::string format;
  std::string name;
  std::string metadata;
  std::vector<ArrowSchema> children;
  std::vector<ArrowSchema*> child_ptrs;
  std::unique_ptr<ArrowSchema> dictionary;
};

void ReleaseExportedSchema(ArrowSchema* schema) {
  if (schema == nullptr || schema->release == nullptr) return;
  auto* p = static_cast<SchemaPrivate*>(schema->private_data);
  for (ArrowSchema& c : p->children) {
    if (c.release != nullptr) c.release(&c);
  }
  if (p->dictionary && p->dictionary->release != nullptr) {
    p->dictionary->release(p->dictionary.get());
  }
  delete p;
  schema->release = nullptr;
  schema->private_data = nullptr;
}

// The metadata encoding of the spec: int32 pair count, then per pair int32 length + key bytes,
// int32 length + value bytes, all in native byte order. Empty metadata is exported as NULL.
std::string EncodeMetadata(const KeyValueMetadata& md) {
  std::string out;
  auto put_int = [&](int32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof(v)); };
  put_int(static_cast<int32_t>(md.size()));
  for (const auto& [k, v] : md) {
    put_int(static_cast<int32_t>(k.size()));
    out += k;
    put_int(static_cast<int32_t>(v.size()));
    out += v;
  }
  return out;
}

void MarkReleased(ArrowSchema* s) {
  std::memset(s, 0, sizeof(*s));
}

Status FillSchema(const DataType& type, const std::string& name, bool nullable,
                  const KeyValueMetadata& metadata, ArrowSchema* out) {
  MarkReleased(out);
  LF_ASSIGN_OR_RETURN(std::string format, FormatString(type));
  auto* p = new SchemaPrivate();
  p->format = std::move(format);
  p->name = name;
  if (!metadata.empty()) p->metadata = EncodeMetadata(metadata);
  out->format = p->format.c_str();
  out->name = p->name.c_str();
  out->metadata = metadata.empty() ? nullptr : p->metadata.data();
  out->flags = nullable ? ARROW_FLAG_NULLABLE : 0;
  out->private_data = p;
  out->release = ReleaseExportedSchema;

  const DataType* shape = &type;
  if (type.id() == TypeId::kDictionary) {
    if (type.dictionary_ordered()) out->flags |= ARROW_FLAG_DICTIONARY_ORDERED;
    p->dictionary = std::make_unique<ArrowSchema>();
    Status st = FillSchema(*type.value_type(), "", true, {}, p->dictionary.get());
    out->dictionary = p->dictionary.get();
    if (!st.ok()) {
      ReleaseExportedSchema(out);
      return st;
    }
    shape = nullptr;  // the dictionary schema carries the value type's children
  }
  if (shape != nullptr && shape->is_nested()) {
    const auto& fields = shape->children();
    p->children.resize(fields.size());
    p->child_ptrs.resize(fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      MarkReleased(&p->children[i]);
      p->child_ptrs[i] = &p->children[i];
    }
    out->n_children = static_cast<int64_t>(fields.size());
    out->children = p->child_ptrs.data();
    for (size_t i = 0; i < fields.size(); ++i) {
      const Field& f = *fields[i];
      Status st = FillSchema(*f.type, f.name, f.nullable, f.metadata, &p->children[i]);
      if (!st.ok()) {
        ReleaseExportedSchema(out);
        return st;
      }
    }
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Export: arrays

struct ArrayPrivate {
  ArrayDataPtr data;  // keeps the exported buffers alive
  std::vector<const void*> buffers;
  std::vector<ArrowArray> children;
  std::vector<ArrowArray*> child_ptrs;
  std::unique_ptr<ArrowArray> dictionary;
};

void ReleaseExportedArray(ArrowArray* array) {
  if (array == nullptr || array->release == nullptr) return;
  auto* p = static_cast<ArrayPrivate*>(array->private_data);
  for (ArrowArray& c : p->children) {
    if (c.release != nullptr) c.release(&c);
  }
  if (p->dictionary && p->dictionary->release != nullptr) {
    p->dictionary->release(p->dictionary.get());
  }
  delete p;
  array->release = nullptr;
  array->private_data = nullptr;
}

void MarkReleased(ArrowArray* a) { std::memset(a, 0, sizeof(*a)); }

// Sets up `out` with `n_children` released children; the caller fills them.
ArrayPrivate* StartArray(ArrowArray* out, size_t n_children) {
  MarkReleased(out);
  auto* p = new ArrayPrivate();
  p->children.resize(n_children);
  p->child_ptrs.resize(n_children);
  for (size_t i = 0; i < n_children; ++i) {
    MarkReleased(&p->children[i]);
    p->child_ptrs[i] = &p->children[i];
  }
  out->n_children = static_cast<int64_t>(n_children);
  out->children = n_children ? p->child_ptrs.data() : nullptr;
  out->private_data = p;
  out->release = ReleaseExportedArray;
  return p;
}

Status FillArray(const ArrayDataPtr& data, ArrowArray* out, int depth) {
  if (depth > kMaxValidationDepth) {
    MarkReleased(out);
    return Status::Invalid("ExportArray: nesting deeper than " +
                           std::to_string(kMaxValidationDepth) + " levels");
  }
  const ArrayData& a = *data;
  const TypeId id = a.type->id();
  const std::vector<ArrayDataPtr>& kids = a.children;
  bool missing = id == TypeId::kDictionary && !a.dictionary;
  for (const ArrayDataPtr& k : kids) missing = missing || !k || !k->type;
  if (missing) {
    MarkReleased(out);
    return Status::Invalid("ExportArray: " + a.type->ToString() +
                           " array with a missing child or dictionary");
  }
  ArrayPrivate* p = StartArray(out, kids.size());
  p->data = data;
  out->length = a.length;
  out->offset = a.length == 0 ? 0 : a.offset;
  const int n_buffers = a.type->num_buffers();
  p->buffers.resize(static_cast<size_t>(n_buffers));
  for (int k = 0; k < n_buffers; ++k) {
    const BufferPtr* b = static_cast<size_t>(k) < a.buffers.size() ? &a.buffers[k] : nullptr;
    const bool present = b != nullptr && *b && (*b)->size() > 0;
    if (k == 0) {
      // Validity: NULL means all valid; drop it for empty arrays.
      p->buffers[0] = (present && a.length > 0) ? (*b)->data() : nullptr;
    } else {
      p->buffers[k] = (present && a.length > 0) ? static_cast<const void*>((*b)->data())
                                                : static_cast<const void*>(kZeroArea);
    }
  }
  out->n_buffers = n_buffers;
  out->buffers = n_buffers ? p->buffers.data() : nullptr;
  if (id == TypeId::kNull) {
    out->null_count = a.length;
  } else if (p->buffers.empty() || p->buffers[0] == nullptr) {
    out->null_count = 0;
  } else {
    out->null_count = a.null_count;
  }
  for (size_t i = 0; i < kids.size(); ++i) {
    Status st = FillArray(kids[i], &p->children[i], depth + 1);
    if (!st.ok()) {
      ReleaseExportedArray(out);
      return st;
    }
  }
  if (id == TypeId::kDictionary) {
    p->dictionary = std::make_unique<ArrowArray>();
    Status st = FillArray(a.dictionary, p->dictionary.get(), depth + 1);
    out->dictionary = p->dictionary.get();
    if (!st.ok()) {
      ReleaseExportedArray(out);
      return st;
    }
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Import: schemas

Result<int64_t> ParseInt(std::string_view text, std::string_view format) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return Status::Invalid("Arrow C format '" + std::string(format) + "': bad number '" +
                           std::string(text) + "'");
  }
  return v;
}

Result<TimeUnit> ParseUnit(char c, std::string_view format) {
  switch (c) {
    case 's': return TimeUnit::kSecond;
    case 'm': return TimeUnit::kMilli;
    case 'u': return TimeUnit::kMicro;
    case 'n': return TimeUnit::kNano;
  }
  return Status::Invalid("Arrow C format '" + std::string(format) + "': unknown time unit");
}

Result<KeyValueMetadata> DecodeMetadata(const char* md) {
  KeyValueMetadata out;
  if (md == nullptr) return out;
  auto get_int = [&md]() {
    int32_t v;
    std::memcpy(&v, md, sizeof(v));
    md += sizeof(v);
    return v;
  };
  const int32_t n = get_int();
  if (n < 0) return Status::Invalid("Arrow C schema metadata: negative pair count");
  for (int32_t i = 0; i < n; ++i) {
    const int32_t klen = get_int();
    if (klen < 0) return Status::Invalid("Arrow C schema metadata: negative key length");
    std::string key(md, static_cast<size_t>(klen));
    md += klen;
    const int32_t vlen = get_int();
    if (vlen < 0) return Status::Invalid("Arrow C schema metadata: negative value length");
    std::string value(md, static_cast<size_t>(vlen));
    md += vlen;
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

Result<FieldPtr> ParseField(const ArrowSchema* s, int depth);

Result<DataTypePtr> ParseType(const ArrowSchema* s, int depth) {
  if (depth > kMaxValidationDepth) {
    return Status::Invalid("Arrow C schema nested deeper than " +
                           std::to_string(kMaxValidationDepth) + " levels");
  }
  if (s == nullptr || s->format == nullptr) return Status::Invalid("Arrow C schema without format");
  if (s->n_children < 0 || (s->n_children > 0 && s->children == nullptr)) {
    return Status::Invalid("Arrow C schema with malformed children");
  }
  const std::string_view f = s->format;
  const std::string quoted = "Arrow C format '" + std::string(f) + "'";

  auto parse_children = [&]() -> Result<std::vector<FieldPtr>> {
    std::vector<FieldPtr> fields;
    for (int64_t i = 0; i < s->n_children; ++i) {
      LF_ASSIGN_OR_RETURN(FieldPtr field, ParseField(s->children[i], depth + 1));
      fields.push_back(std::move(field));
    }
    return fields;
  };
  auto expect_children = [&](int64_t n) -> Status {
    if (s->n_children != n) {
      return Status::Invalid(quoted + " has " + std::to_string(s->n_children) +
                             " children, expected " + std::to_string(n));
    }
    return Status::OK();
  };

  DataTypePtr type;
  if (f.size() == 1) {
    switch (f[0]) {
      case 'n': type = null(); break;
      case 'b': type = boolean(); break;
      case 'c': type = int8(); break;
      case 'C': type = uint8(); break;
      case 's': type = int16(); break;
      case 'S': type = uint16(); break;
      case 'i': type = int32(); break;
      case 'I': type = uint32(); break;
      case 'l': type = int64(); break;
      case 'L': type = uint64(); break;
      case 'e': type = float16(); break;
      case 'f': type = float32(); break;
      case 'g': type = float64(); break;
      case 'z': type = binary(); break;
      case 'Z': type = large_binary(); break;
      case 'u': type = utf8(); break;
      case 'U': type = large_utf8(); break;
      default: break;
    }
  } else if (f == "tdD") {
    type = date32();
  } else if (f == "tdm") {
    type = date64();
  } else if (f.size() == 3 && f.substr(0, 2) == "tt") {
    LF_ASSIGN_OR_RETURN(TimeUnit unit, ParseUnit(f[2], f));
    type = (unit == TimeUnit::kSecond || unit == TimeUnit::kMilli) ? time32(unit) : time64(unit);
  } else if (f.size() == 3 && f.substr(0, 2) == "tD") {
    LF_ASSIGN_OR_RETURN(TimeUnit unit, ParseUnit(f[2], f));
    type = duration(unit);
  } else if (f.size() >= 4 && f.substr(0, 2) == "ts" && f[3] == ':') {
    LF_ASSIGN_OR_RETURN(TimeUnit unit, ParseUnit(f[2], f));
    type = timestamp(unit, std::string(f.substr(4)));
  } else if (f.substr(0, 2) == "w:") {
    LF_ASSIGN_OR_RETURN(int64_t width, ParseInt(f.substr(2), f));
    if (width < 0 || width > std::numeric_limits<int32_t>::max()) {
      return Status::Invalid(quoted + ": bad byte width");
    }
    type = fixed_size_binary(static_cast<int32_t>(width));
  } else if (f.substr(0, 2) == "d:") {
    std::string_view rest = f.substr(2);
    const size_t c1 = rest.find(',');
    if (c1 == std::string_view::npos) return Status::Invalid(quoted + ": missing scale");
    const size_t c2 = rest.find(',', c1 + 1);
    LF_ASSIGN_OR_RETURN(int64_t precision, ParseInt(rest.substr(0, c1), f));
    LF_ASSIGN_OR_RETURN(int64_t scale, ParseInt(rest.substr(c1 + 1, c2 == std::string_view::npos
                                                                         ? std::string_view::npos
                                                                         : c2 - c1 - 1),
                                                f));
    int64_t bits = 128;
    if (c2 != std::string_view::npos) {
      LF_ASSIGN_OR_RETURN(bits, ParseInt(rest.substr(c2 + 1), f));
    }
    if (precision < 0 || precision > 1000 || scale < -1000 || scale > 1000) {
      return Status::Invalid(quoted + ": precision or scale out of range");
    }
    if (bits == 128) {
      type = decimal128(static_cast<int32_t>(precision), static_cast<int32_t>(scale));
    } else if (bits == 256) {
      type = decimal256(static_cast<int32_t>(precision), static_cast<int32_t>(scale));
    } else {
      return Status::NotImplemented(quoted + ": decimal bit width " + std::to_string(bits) +
                                    " is not supported");
    }
  } else if (f == "+s") {
    LF_ASSIGN_OR_RETURN(std::vector<FieldPtr> fields, parse_children());
    type = struct_(std::move(fields));
  } else if (f == "+l" || f == "+L") {
    LF_RETURN_NOT_OK(expect_children(1));
    LF_ASSIGN_OR_RETURN(std::vector<FieldPtr> fields, parse_children());
    type = f == "+l" ? list(fields[0]) : large_list(fields[0]);
  } else if (f.substr(0, 3) == "+w:") {
    LF_RETURN_NOT_OK(expect_children(1));
    LF_ASSIGN_OR_RETURN(int64_t size, ParseInt(f.substr(3), f));
    if (size < 0 || size > std::numeric_limits<int32_t>::max()) {
      return Status::Invalid(quoted + ": bad list size");
    }
    LF_ASSIGN_OR_RETURN(std::vector<FieldPtr> fields, parse_children());
    type = fixed_size_list(fields[0], static_cast<int32_t>(size));
  }
  if (!type) return Status::NotImplemented(quoted + " is not supported by lanceflow");
  if (!type->is_nested() && s->n_children != 0) {
    return Status::Invalid(quoted + " must not have children");
  }
  if (s->dictionary != nullptr) {
    if (!type->is_integer()) {
      return Status::Invalid(quoted + ": dictionary index type must be an integer");
    }
    LF_ASSIGN_OR_RETURN(DataTypePtr values, ParseType(s->dictionary, depth + 1));
    type = dictionary(type, values, (s->flags & ARROW_FLAG_DICTIONARY_ORDERED) != 0);
  }
  LF_RETURN_NOT_OK(ValidateDataType(*type));
  return type;
}

Result<FieldPtr> ParseField(const ArrowSchema* s, int depth) {
  if (s == nullptr) return Status::Invalid("Arrow C schema: missing child");
  LF_ASSIGN_OR_RETURN(DataTypePtr type, ParseType(s, depth));
  LF_ASSIGN_OR_RETURN(KeyValueMetadata md, DecodeMetadata(s->metadata));
  return MakeField(s->name ? s->name : "", std::move(type), (s->flags & ARROW_FLAG_NULLABLE) != 0,
                   std::move(md));
}

void ReleaseSchema(ArrowSchema* s) {
  if (s != nullptr && s->release != nullptr) s->release(s);
}

// ---------------------------------------------------------------------------------------------
// Import: arrays

// Owns a moved-in ArrowArray and releases it when the last imported buffer goes away.
struct ImportedArray {
  ArrowArray array;
  ~ImportedArray() {
    if (array.release != nullptr) array.release(&array);
  }
};

class ArrayImporter {
 public:
  explicit ArrayImporter(std::shared_ptr<const void> owner) : owner_(std::move(owner)) {}

  Result<ArrayDataPtr> Import(const ArrowArray* a, const DataTypePtr& type, int depth) {
    const std::string what = "imported " + type->ToString() + " array";
    if (depth > kMaxValidationDepth) {
      return Status::Invalid("imported array nested deeper than " +
                             std::to_string(kMaxValidationDepth) + " levels");
    }
    if (a == nullptr) return Status::Invalid(what + ": missing");
    if (a->length < 0 || a->offset < 0 || a->null_count < -1) {
      return Status::Invalid(what + ": negative length, offset or null count");
    }
    int64_t end;
    if (__builtin_add_overflow(a->length, a->offset, &end)) {
      return Status::Invalid(what + ": offset + length overflows");
    }
    const TypeId id = type->id();
    if (a->n_buffers != type->num_buffers()) {
      return Status::Invalid(what + ": has " + std::to_string(a->n_buffers) +
                             " buffers, expected " + std::to_string(type->num_buffers()));
    }
    if (a->n_buffers > 0 && a->buffers == nullptr) return Status::Invalid(what + ": no buffers");
    int64_t n_children = 0;
    if (id == TypeId::kStruct) n_children = static_cast<int64_t>(type->children().size());
    if (id == TypeId::kList || id == TypeId::kLargeList || id == TypeId::kFixedSizeList) {
      n_children = 1;
    }
    if (a->n_children != n_children || (n_children > 0 && a->children == nullptr)) {
      return Status::Invalid(what + ": has " + std::to_string(a->n_children) +
                             " children, expected " + std::to_string(n_children));
    }

    auto out = std::make_shared<ArrayData>();
    out->type = type;
    out->length = a->length;
    out->offset = a->offset;
    out->null_count = a->null_count;
    if (id == TypeId::kNull) {
      out->null_count = a->length;
      return ArrayDataPtr(std::move(out));
    }
    out->buffers.resize(static_cast<size_t>(a->n_buffers));
    const bool empty = a->length == 0;
    // Validity.
    if (a->buffers[0] != nullptr && !empty) {
      out->buffers[0] = Wrap(a->buffers[0], BytesForBits(end));
    } else {
      out->null_count = 0;
    }
    auto mul = [&](int64_t x, int64_t y, int64_t* r) -> Status {
      if (__builtin_mul_overflow(x, y, r)) return Status::Invalid(what + ": size overflows");
      return Status::OK();
    };
    switch (id) {
      case TypeId::kBool:
        if (!empty) out->buffers[1] = Wrap(a->buffers[1], BytesForBits(end));
        break;
      case TypeId::kUtf8: case TypeId::kBinary: case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary: case TypeId::kList: case TypeId::kLargeList: {
        const bool large = id == TypeId::kLargeUtf8 || id == TypeId::kLargeBinary ||
                           id == TypeId::kLargeList;
        const int64_t w = large ? 8 : 4;
        if (!empty) {
          if (a->buffers[1] == nullptr) return Status::Invalid(what + ": offsets buffer is NULL");
          int64_t size;
          LF_RETURN_NOT_OK(mul(end + 1, w, &size));
          out->buffers[1] = Wrap(a->buffers[1], size);
        }
        if (type->is_binary_like()) {
          int64_t data_size = 0;
          if (!empty) {
            const auto* o = static_cast<const uint8_t*>(a->buffers[1]);
            if (large) {
              std::memcpy(&data_size, o + end * 8, 8);
            } else {
              int32_t v;
              std::memcpy(&v, o + end * 4, 4);
              data_size = v;
            }
          }
          if (data_size < 0) return Status::Invalid(what + ": negative last offset");
          if (data_size > 0) {
            if (a->buffers[2] == nullptr) return Status::Invalid(what + ": data buffer is NULL");
            out->buffers[2] = Wrap(a->buffers[2], data_size);
          }
        } else {
          LF_ASSIGN_OR_RETURN(ArrayDataPtr child,
                              Import(a->children[0], type->children()[0]->type, depth + 1));
          out->children.push_back(std::move(child));
        }
        break;
      }
      case TypeId::kFixedSizeList: {
        LF_ASSIGN_OR_RETURN(ArrayDataPtr child,
                            Import(a->children[0], type->children()[0]->type, depth + 1));
        out->children.push_back(std::move(child));
        break;
      }
      case TypeId::kStruct:
        for (int64_t i = 0; i < n_children; ++i) {
          LF_ASSIGN_OR_RETURN(
              ArrayDataPtr child,
              Import(a->children[i], type->children()[static_cast<size_t>(i)]->type, depth + 1));
          out->children.push_back(std::move(child));
        }
        break;
      case TypeId::kDictionary: {
        if (!empty) {
          int64_t size;
          LF_RETURN_NOT_OK(mul(end, type->index_type()->byte_width(), &size));
          out->buffers[1] = Wrap(a->buffers[1], size);
        }
        if (a->dictionary == nullptr) return Status::Invalid(what + ": dictionary is NULL");
        LF_ASSIGN_OR_RETURN(out->dictionary, Import(a->dictionary, type->value_type(), depth + 1));
        break;
      }
      default: {  // fixed width
        if (!empty) {
          int64_t size;
          LF_RETURN_NOT_OK(mul(end, type->byte_width(), &size));
          if (size > 0) out->buffers[1] = Wrap(a->buffers[1], size);
        }
        break;
      }
    }
    return ArrayDataPtr(std::move(out));
  }

 private:
  BufferPtr Wrap(const void* p, int64_t size) {
    if (p == nullptr) return nullptr;
    return std::make_shared<Buffer>(static_cast<const uint8_t*>(p), size, owner_);
  }
  std::shared_ptr<const void> owner_;
};

void ReleaseArray(ArrowArray* a) {
  if (a != nullptr && a->release != nullptr) a->release(a);
}

}  // namespace

Result<std::string> FormatString(const DataType& type) {
  switch (type.id()) {
    case TypeId::kNull: return std::string("n");
    case TypeId::kBool: return std::string("b");
    case TypeId::kInt8: return std::string("c");
    case TypeId::kUInt8: return std::string("C");
    case TypeId::kInt16: return std::string("s");
    case TypeId::kUInt16: return std::string("S");
    case TypeId::kInt32: return std::string("i");
    case TypeId::kUInt32: return std::string("I");
    case TypeId::kInt64: return std::string("l");
    case TypeId::kUInt64: return std::string("L");
    case TypeId::kFloat16: return std::string("e");
    case TypeId::kFloat32: return std::string("f");
    case TypeId::kFloat64: return std::string("g");
    case TypeId::kBinary: return std::string("z");
    case TypeId::kLargeBinary: return std::string("Z");
    case TypeId::kUtf8: return std::string("u");
    case TypeId::kLargeUtf8: return std::string("U");
    case TypeId::kFixedSizeBinary: return "w:" + std::to_string(type.fixed_size());
    case TypeId::kDate32: return std::string("tdD");
    case TypeId::kDate64: return std::string("tdm");
    case TypeId::kTime32: case TypeId::kTime64: return std::string("tt") + UnitChar(type.unit());
    case TypeId::kTimestamp:
      return std::string("ts") + UnitChar(type.unit()) + ":" + type.timezone();
    case TypeId::kDuration: return std::string("tD") + UnitChar(type.unit());
    case TypeId::kDecimal128:
      return "d:" + std::to_string(type.precision()) + "," + std::to_string(type.scale());
    case TypeId::kDecimal256:
      return "d:" + std::to_string(type.precision()) + "," + std::to_string(type.scale()) +
             ",256";
    case TypeId::kStruct: return std::string("+s");
    case TypeId::kList: return std::string("+l");
    case TypeId::kLargeList: return std::string("+L");
    case TypeId::kFixedSizeList: return "+w:" + std::to_string(type.fixed_size());
    case TypeId::kDictionary:
      if (!type.index_type()) return Status::Invalid("dictionary type without index type");
      return FormatString(*type.index_type());
  }
  return Status::NotImplemented("no Arrow C format for type id " +
                                std::to_string(static_cast<int>(type.id())));
}

Status ExportType(const DataType& type, ArrowSchema* out) {
  LF_RETURN_NOT_OK(ValidateDataType(type));
  return FillSchema(type, "", true, {}, out);
}

Status ExportField(const Field& field, ArrowSchema* out) {
  if (!field.type) return Status::Invalid("ExportField: field '" + field.name + "' has no type");
  LF_RETURN_NOT_OK(ValidateDataType(*field.type).WithContext("field '" + field.name + "'"));
  return FillSchema(*field.type, field.name, field.nullable, field.metadata, out);
}

Status ExportSchema(const Schema& schema, ArrowSchema* out) {
  for (const FieldPtr& f : schema.fields()) {
    if (!f || !f->type) return Status::Invalid("ExportSchema: field without a type");
  }
  DataTypePtr type = struct_(schema.fields());
  LF_RETURN_NOT_OK(ValidateDataType(*type));
  return FillSchema(*type, "", false, schema.metadata(), out);
}

Status ExportArray(const ArrayDataPtr& array, ArrowArray* out) {
  if (!array || !array->type) {
    MarkReleased(out);
    return Status::Invalid("ExportArray: no array");
  }
  return FillArray(array, out, 0);
}

Status ExportRecordBatch(const RecordBatch& batch, ArrowArray* out, ArrowSchema* out_schema) {
  if (out_schema != nullptr) MarkReleased(out_schema);
  MarkReleased(out);
  for (const ArrayDataPtr& c : batch.columns()) {
    if (!c || !c->type) return Status::Invalid("ExportRecordBatch: missing column");
  }
  ArrayPrivate* p = StartArray(out, batch.columns().size());
  out->length = batch.num_rows();
  out->null_count = 0;
  out->offset = 0;
  p->buffers.assign(1, nullptr);
  out->n_buffers = 1;
  out->buffers = p->buffers.data();
  for (size_t i = 0; i < batch.columns().size(); ++i) {
    Status st = FillArray(batch.columns()[i], &p->children[i], 1);
    if (!st.ok()) {
      ReleaseExportedArray(out);
      return st;
    }
  }
  if (out_schema != nullptr) {
    Status st = ExportSchema(*batch.schema(), out_schema);
    if (!st.ok()) {
      ReleaseExportedArray(out);
      return st;
    }
  }
  return Status::OK();
}

Result<DataTypePtr> ImportType(ArrowSchema* schema) {
  if (schema == nullptr || schema->release == nullptr) {
    return Status::Invalid("ImportType: schema is released");
  }
  Result<DataTypePtr> type = ParseType(schema, 0);
  ReleaseSchema(schema);
  return type;
}

Result<FieldPtr> ImportField(ArrowSchema* schema) {
  if (schema == nullptr || schema->release == nullptr) {
    return Status::Invalid("ImportField: schema is released");
  }
  Result<FieldPtr> field = ParseField(schema, 0);
  ReleaseSchema(schema);
  return field;
}

Result<SchemaPtr> ImportSchema(ArrowSchema* schema) {
  if (schema == nullptr || schema->release == nullptr) {
    return Status::Invalid("ImportSchema: schema is released");
  }
  auto parse = [&]() -> Result<SchemaPtr> {
    LF_ASSIGN_OR_RETURN(DataTypePtr type, ParseType(schema, 0));
    if (type->id() != TypeId::kStruct) {
      return Status::Invalid("ImportSchema: expected a struct ('+s') schema, got format '" +
                             std::string(schema->format) + "'");
    }
    LF_ASSIGN_OR_RETURN(KeyValueMetadata md, DecodeMetadata(schema->metadata));
    return std::make_shared<const Schema>(type->children(), std::move(md));
  };
  Result<SchemaPtr> result = parse();
  ReleaseSchema(schema);
  return result;
}

Result<ArrayDataPtr> ImportArray(ArrowArray* array, const DataTypePtr& type) {
  if (array == nullptr || array->release == nullptr) {
    return Status::Invalid("ImportArray: array is released");
  }
  auto owner = std::make_shared<ImportedArray>();
  owner->array = *array;
  array->release = nullptr;  // moved: the owner releases it
  if (!type) return Status::Invalid("ImportArray: no type");
  LF_RETURN_NOT_OK(ValidateDataType(*type));
  ArrayImporter importer(owner);
  LF_ASSIGN_OR_RETURN(ArrayDataPtr data, importer.Import(&owner->array, type, 0));
  LF_RETURN_NOT_OK(ValidateArray(*data, false).WithContext("imported array"));
  return data;
}

Result<ArrayDataPtr> ImportArray(ArrowArray* array, ArrowSchema* schema) {
  Result<DataTypePtr> type = ImportType(schema);
  if (!type.ok()) {
    ReleaseArray(array);
    return type.status();
  }
  return ImportArray(array, *type);
}

Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, const SchemaPtr& schema) {
  if (!schema) {
    ReleaseArray(array);
    return Status::Invalid("ImportRecordBatch: no schema");
  }
  for (const FieldPtr& f : schema->fields()) {
    if (!f || !f->type) {
      ReleaseArray(array);
      return Status::Invalid("ImportRecordBatch: schema field without a type");
    }
  }
  LF_ASSIGN_OR_RETURN(ArrayDataPtr data, ImportArray(array, struct_(schema->fields())));
  if (CountNulls(*data) > 0) {
    return Status::Invalid("ImportRecordBatch: the struct array has top-level nulls");
  }
  std::vector<ArrayDataPtr> columns;
  columns.reserve(data->children.size());
  for (const ArrayDataPtr& child : data->children) {
    columns.push_back(child->Slice(data->offset, data->length));
  }
  return std::make_shared<RecordBatch>(schema, data->length, std::move(columns));
}

Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, ArrowSchema* schema) {
  Result<SchemaPtr> s = ImportSchema(schema);
  if (!s.ok()) {
    ReleaseArray(array);
    return s.status();
  }
  return ImportRecordBatch(array, *s);
}

}  // namespace lanceflow::arrow
