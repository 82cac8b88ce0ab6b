// Field readers of legacy (0.1/0.2) data files: PLAIN, VAR_BINARY and DICTIONARY pages per
// (field, batch), lists as offsets pages plus item pages, structs through their members.
// Format notes: include/lanceflow/lance/legacy_file.h.
#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/arrow/builder.h"
#include "lanceflow/lance/legacy_file.h"

namespace lanceflow::lance {
namespace {

using arrow::ArrayData;
using arrow::ArrayDataPtr;
using arrow::DataType;
using arrow::DataTypePtr;
using arrow::TypeId;

constexpr int kMaxDepth = 64;

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

bool IsFixedWidthLeaf(TypeId id) {
  switch (id) {
    case TypeId::kBool:
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64:
    case TypeId::kFloat16:
    case TypeId::kFloat32:
    case TypeId::kFloat64:
    case TypeId::kFixedSizeBinary:
    case TypeId::kDate32:
    case TypeId::kDate64:
    case TypeId::kTime32:
    case TypeId::kTime64:
    case TypeId::kTimestamp:
    case TypeId::kDuration:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256:
      return true;
    default:
      return false;
  }
}

// A fixed-stride type: a fixed-width leaf under zero or more fixed_size_list levels.
struct Stride {
  DataTypePtr leaf;
  int64_t leaves_per_slot = 1;  // product of the list sizes
  int64_t leaf_bits = 0;
};

bool GetStride(const DataTypePtr& type, Stride* out) {
  DataTypePtr t = type;
  int64_t per_slot = 1;
  for (int depth = 0; t->id() == TypeId::kFixedSizeList; ++depth) {
    if (depth > kMaxDepth || t->children().size() != 1) return false;
    int64_t n = t->fixed_size();
    if (n < 0 || (n > 0 && per_slot > (int64_t{1} << 40) / n)) return false;
    per_slot *= n;
    t = t->children()[0]->type;
  }
  if (!IsFixedWidthLeaf(t->id())) return false;
  int64_t bits = t->id() == TypeId::kBool ? 1 : int64_t{t->byte_width()} * 8;
  if (bits <= 0 || bits > (int64_t{1} << 20)) return false;
  out->leaf = t;
  out->leaves_per_slot = per_slot;
  out->leaf_bits = bits;
  return true;
}

// Copies into an aligned buffer when `b` is not aligned for `width`-byte values.
BufferPtr Aligned(BufferPtr b, int64_t width) {
  if (width > 1 && reinterpret_cast<uintptr_t>(b->data()) % std::min<int64_t>(width, 8) != 0) {
    return Buffer::CopyOf(b->data(), b->size());
  }
  return b;
}

struct Node {
  const LanceField* field = nullptr;       // manifest field
  const LanceField* file_field = nullptr;  // the embedded schema's field of the same id
  DataTypePtr type;                        // the Arrow type to produce
  std::string path;                        // dotted name for errors
  std::vector<Node> children;
  Stride stride;            // fixed-stride types and dictionary indices
  ArrayDataPtr dictionary;  // loaded at first use
};

class LegacyFieldReader final : public FieldReader {
 public:
  LegacyFieldReader(std::shared_ptr<const LegacyFileMetadata> md, FieldReadSpec spec)
      : md_(std::move(md)), spec_(std::move(spec)) {}

  Status Init() {
    if (spec_.fields == nullptr || spec_.field == nullptr || !spec_.arrow_field ||
        !spec_.read_range) {
      return Status::Invalid(Where() + "incomplete field read spec");
    }
    if (spec_.num_rows != md_->num_rows) {
      return Status::Corrupt(Where() + "the file holds " + std::to_string(md_->num_rows) +
                             " rows, the manifest says " + std::to_string(spec_.num_rows));
    }
    return Build(spec_.field, spec_.arrow_field->type, spec_.field->name, 0, &root_);
  }

  Result<ArrayDataPtr> Read(uint64_t begin, uint64_t end) override {
    if (begin > end || end > md_->num_rows) {
      return Status::Invalid(Where() + "rows [" + std::to_string(begin) + ", " +
                             std::to_string(end) + ") out of range for " +
                             std::to_string(md_->num_rows) + " rows");
    }
    if (begin == end) return arrow::MakeEmptyArray(spec_.arrow_field->type);
    const std::vector<int64_t>& bo = md_->batch_offsets;
    const int64_t b0 = static_cast<int64_t>(begin), b1 = static_cast<int64_t>(end);
    // The batch holding row `begin`: the last one starting at or before it.
    int64_t batch = std::upper_bound(bo.begin(), bo.end(), b0) - bo.begin() - 1;
    std::map<int64_t, ArrayDataPtr> kept;
    std::vector<ArrayDataPtr> pieces;
    for (; batch < md_->batches() && bo[static_cast<size_t>(batch)] < b1; ++batch) {
      const int64_t start = bo[static_cast<size_t>(batch)];
      const int64_t stop = bo[static_cast<size_t>(batch) + 1];
      if (stop <= b0) continue;  // empty batches
      ArrayDataPtr whole;
      if (auto it = cache_.find(batch); it != cache_.end()) {
        whole = it->second;
      } else {
        LF_ASSIGN_OR_RETURN(whole, DecodeBatch(batch, stop - start));
      }
      kept[batch] = whole;
      const int64_t lo = std::max(b0, start) - start;
      const int64_t hi = std::min(b1, stop) - start;
      pieces.push_back(lo == 0 && hi == whole->length ? whole : whole->Slice(lo, hi - lo));
    }
    cache_ = std::move(kept);
    if (pieces.size() == 1) return pieces[0];
    return arrow::ConcatenateArrays(pieces);
  }

 private:
  std::string Where() const {
    return "table '" + spec_.table + "': data file '" + spec_.file_name + "': ";
  }
  std::string Where(const Node& n) const {
    return Where() + "field '" + n.path + "' (id " + std::to_string(n.field->id) + "): ";
  }
  std::string Where(const Node& n, int64_t batch) const {
    return Where() + "field '" + n.path + "' (id " + std::to_string(n.field->id) + ") batch " +
           std::to_string(batch) + ": ";
  }

  Status Build(const LanceField* f, const DataTypePtr& type, std::string path, int depth,
               Node* out) {
    out->field = f;
    out->type = type;
    out->path = std::move(path);
    if (depth > kMaxDepth) return Status::Corrupt(Where(*out) + "nested too deeply");
    out->file_field = md_->FindField(f->id);
    if (out->file_field == nullptr) {
      return Status::Corrupt(Where(*out) + "the field id is not in the data file's schema");
    }
    if (out->file_field->logical_type != f->logical_type) {
      return Status::Corrupt(Where(*out) + "the data file stores logical type '" +
                             out->file_field->logical_type + "', the manifest says '" +
                             f->logical_type + "'");
    }
    std::vector<const LanceField*> kids;
    for (const LanceField& c : *spec_.fields) {
      if (c.parent_id == f->id && &c != f) kids.push_back(&c);
    }
    const int32_t enc = out->file_field->legacy_encoding;
    if (enc < 0 || enc > static_cast<int32_t>(LegacyEncoding::kDictionary)) {
      return Status::NotImplemented(Where(*out) + "unsupported legacy encoding " +
                                    std::to_string(enc));
    }
    auto expect = [&](LegacyEncoding e) -> Status {
      if (enc != 0 && enc != static_cast<int32_t>(e)) {
        return Status::Corrupt(Where(*out) + "legacy encoding " + std::to_string(enc) +
                               " does not fit type " + type->ToString());
      }
      return Status::OK();
    };
    switch (type->id()) {
      case TypeId::kNull:
        return Status::OK();
      case TypeId::kUtf8:
      case TypeId::kLargeUtf8:
      case TypeId::kBinary:
      case TypeId::kLargeBinary:
        return expect(LegacyEncoding::kVarBinary);
      case TypeId::kStruct: {
        for (const arrow::FieldPtr& member : type->children()) {
          auto it = std::find_if(kids.begin(), kids.end(),
                                 [&](const LanceField* c) { return c->name == member->name; });
          if (it == kids.end()) {
            return Status::Corrupt(Where(*out) + "struct member '" + member->name +
                                   "' is not in the schema");
          }
          out->children.emplace_back();
          LF_RETURN_NOT_OK(Build(*it, member->type, out->path + "." + member->name, depth + 1,
                                 &out->children.back()));
        }
        return Status::OK();
      }
      case TypeId::kList:
      case TypeId::kLargeList: {
        if (kids.size() != 1 || type->children().size() != 1) {
          return Status::Corrupt(Where(*out) + "a list needs exactly one item field");
        }
        LF_RETURN_NOT_OK(expect(LegacyEncoding::kPlain));
        out->children.emplace_back();
        return Build(kids[0], type->children()[0]->type, out->path + ".item", depth + 1,
                     &out->children.back());
      }
      case TypeId::kDictionary: {
        LF_RETURN_NOT_OK(expect(LegacyEncoding::kDictionary));
        const DataTypePtr& vt = type->value_type();
        if (!type->index_type() || !type->index_type()->is_integer() || !vt ||
            !(vt->is_binary_like() || vt->is_integer())) {
          return Status::NotImplemented(Where(*out) + "dictionary type " + type->ToString() +
                                        " has no legacy encoding");
        }
        if (!out->file_field->legacy_dictionary) {
          return Status::Corrupt(Where(*out) +
                                 "the data file's schema has no dictionary for the field");
        }
        GetStride(type->index_type(), &out->stride);
        return Status::OK();
      }
      default:
        if (!GetStride(type, &out->stride)) {
          return Status::NotImplemented(Where(*out) + "type " + type->ToString() +
                                        " has no legacy encoding");
        }
        return expect(LegacyEncoding::kPlain);
    }
  }

  // Bytes [pos, pos + len) of the file, checked against its size.
  Result<BufferPtr> ReadBytes(const Node& n, int64_t batch, int64_t pos, int64_t len,
                              const char* what) {
    if (pos < 0 || len < 0 || pos > md_->file_size || len > md_->file_size - pos) {
      return Status::Corrupt(Where(n, batch) + what + " (" + std::to_string(len) +
                             " bytes at byte " + std::to_string(pos) +
                             ") lies outside the file of " + std::to_string(md_->file_size) +
                             " bytes");
    }
    if (len == 0) return Buffer::CopyOf("", 0);
    LF_ASSIGN_OR_RETURN(BufferPtr b, spec_.read_range(pos, len));
    if (!b || b->size() != len) {
      return Status::IOError(Where(n, batch) + "short read of " + what);
    }
    return b;
  }

  // The page of node `n` in `batch`, holding at least `needed` values.
  Result<LegacyPage> GetPage(const Node& n, int64_t batch, int64_t needed) {
    const LegacyPage* p = md_->Page(n.field->id, batch);
    if (p == nullptr) return Status::Corrupt(Where(n, batch) + "no page table entry");
    if (p->position < 0 || p->length < 0 || p->position > md_->file_size) {
      return Status::Corrupt(Where(n, batch) + "page table entry (position " +
                             std::to_string(p->position) + ", length " + std::to_string(p->length) +
                             ") is invalid");
    }
    if (p->length < needed) {
      return Status::Corrupt(Where(n, batch) + "page holds " + std::to_string(p->length) +
                             " values, " + std::to_string(needed) + " are needed");
    }
    return *p;
  }

  // Slots [start, end) of a PLAIN page of stride `s` at `pos` holding `page_len` slots.
  Result<ArrayDataPtr> ReadPlain(const Node& n, int64_t batch, const DataTypePtr& type,
                                 const Stride& s, int64_t pos, int64_t page_len, int64_t start,
                                 int64_t end) {
    const int64_t max_slots =
        (md_->file_size * 8) / s.leaf_bits / std::max<int64_t>(1, s.leaves_per_slot);
    if (page_len > max_slots && s.leaves_per_slot > 0) {
      return Status::Corrupt(Where(n, batch) + "page of " + std::to_string(page_len) +
                             " values is larger than the file");
    }
    const int64_t first_bit = start * s.leaves_per_slot * s.leaf_bits;
    const int64_t end_bit = end * s.leaves_per_slot * s.leaf_bits;
    const int64_t first_byte = first_bit / 8;
    const int64_t end_byte = arrow::BytesForBits(end_bit);
    LF_ASSIGN_OR_RETURN(BufferPtr bytes, ReadBytes(n, batch, pos + first_byte,
                                                   end_byte - first_byte, "page values"));
    auto leaf = std::make_shared<ArrayData>();
    leaf->type = s.leaf;
    leaf->length = (end - start) * s.leaves_per_slot;
    leaf->offset = first_bit % 8;  // bool only; byte-aligned otherwise
    leaf->null_count = 0;
    leaf->buffers = {nullptr, Aligned(std::move(bytes), s.leaf_bits / 8)};
    ArrayDataPtr cur = leaf;
    // Wrap the fixed_size_list levels, innermost first.
    std::vector<DataTypePtr> levels;
    for (DataTypePtr t = type; t->id() == TypeId::kFixedSizeList; t = t->children()[0]->type) {
      levels.push_back(t);
    }
    for (auto it = levels.rbegin(); it != levels.rend(); ++it) {
      auto a = std::make_shared<ArrayData>();
      a->type = *it;
      a->length = (*it)->fixed_size() == 0 ? end - start : cur->length / (*it)->fixed_size();
      a->null_count = 0;
      a->buffers = {nullptr};
      a->children = {cur};
      cur = a;
    }
    return cur;
  }

  // VAR_BINARY values [start, end) of a page at `pos` (positions array of page_len + 1).
  Result<ArrayDataPtr> ReadVarBinary(const Node& n, int64_t batch, const DataTypePtr& type,
                                     bool nullable, int64_t pos, int64_t page_len, int64_t start,
                                     int64_t end) {
    if (page_len > md_->file_size / 8) {
      return Status::Corrupt(Where(n, batch) + "page of " + std::to_string(page_len) +
                             " values is larger than the file");
    }
    const int64_t count = end - start;
    LF_ASSIGN_OR_RETURN(BufferPtr pb,
                        ReadBytes(n, batch, pos + start * 8, (count + 1) * 8, "value positions"));
    std::vector<int64_t> p(static_cast<size_t>(count + 1));
    for (int64_t i = 0; i <= count; ++i)
      p[static_cast<size_t>(i)] = Load<int64_t>(pb->data() + 8 * i);
    for (int64_t i = 0; i <= count; ++i) {
      int64_t v = p[static_cast<size_t>(i)];
      bool ok = v >= 0 && v <= pos && (i == 0 || v >= p[static_cast<size_t>(i - 1)]);
      if (!ok) {
        return Status::Corrupt(Where(n, batch) + "value position " + std::to_string(start + i) +
                               " is " + std::to_string(v) +
                               " (must be non-decreasing and before the positions at byte " +
                               std::to_string(pos) + ")");
      }
    }
    const int64_t total = p.back() - p.front();
    const bool large = type->id() == TypeId::kLargeUtf8 || type->id() == TypeId::kLargeBinary;
    if (!large && total > std::numeric_limits<int32_t>::max()) {
      return Status::Corrupt(Where(n, batch) + std::to_string(total) +
                             " value bytes do not fit 32-bit offsets");
    }
    LF_ASSIGN_OR_RETURN(BufferPtr data, ReadBytes(n, batch, p.front(), total, "value bytes"));
    BufferBuilder offsets;
    BufferBuilder validity;
    int64_t nulls = 0;
    if (nullable) validity.Resize(arrow::BytesForBits(count));
    for (int64_t i = 0; i <= count; ++i) {
      int64_t o = p[static_cast<size_t>(i)] - p.front();
      if (large)
        offsets.AppendValue<int64_t>(o);
      else
        offsets.AppendValue<int32_t>(static_cast<int32_t>(o));
      if (nullable && i < count) {
        bool valid = p[static_cast<size_t>(i + 1)] != p[static_cast<size_t>(i)];
        if (valid)
          arrow::SetBit(validity.mutable_data(), i);
        else
          ++nulls;
      }
    }
    auto a = std::make_shared<ArrayData>();
    a->type = type;
    a->length = count;
    a->null_count = nulls;
    a->buffers = {nulls > 0 ? validity.Finish() : nullptr, offsets.Finish(), data};
    return a;
  }

  Status LoadDictionary(Node* n, int64_t batch) {
    const LegacyDictionaryRef& d = *n->file_field->legacy_dictionary;
    const DataTypePtr& vt = n->type->value_type();
    if (vt->is_binary_like()) {
      LF_ASSIGN_OR_RETURN(n->dictionary,
                          ReadVarBinary(*n, batch, vt, true, d.offset, d.length, 0, d.length));
    } else {
      Stride s;
      GetStride(vt, &s);
      LF_ASSIGN_OR_RETURN(n->dictionary,
                          ReadPlain(*n, batch, vt, s, d.offset, d.length, 0, d.length));
    }
    Status st = arrow::ValidateArray(*n->dictionary);
    if (!st.ok()) {
      n->dictionary.reset();
      return Status::Corrupt(Where(*n) + "dictionary values: " + st.message());
    }
    return Status::OK();
  }

  // Values [start, end) of node `n` in `batch`.
  Result<ArrayDataPtr> Decode(Node* n, int64_t batch, int64_t start, int64_t end) {
    const int64_t count = end - start;
    switch (n->type->id()) {
      case TypeId::kNull: {
        LF_RETURN_NOT_OK(GetPage(*n, batch, end).status());
        return arrow::MakeArrayOfNulls(n->type, count);
      }
      case TypeId::kStruct: {
        auto a = std::make_shared<ArrayData>();
        a->type = n->type;
        a->length = count;
        a->null_count = 0;
        a->buffers = {nullptr};
        for (Node& c : n->children) {
          LF_ASSIGN_OR_RETURN(ArrayDataPtr child, Decode(&c, batch, start, end));
          a->children.push_back(std::move(child));
        }
        return a;
      }
      case TypeId::kUtf8:
      case TypeId::kLargeUtf8:
      case TypeId::kBinary:
      case TypeId::kLargeBinary: {
        LF_ASSIGN_OR_RETURN(LegacyPage p, GetPage(*n, batch, end));
        return ReadVarBinary(*n, batch, n->type, n->field->nullable, p.position, p.length, start,
                             end);
      }
      case TypeId::kList:
      case TypeId::kLargeList: {
        const bool large = n->type->id() == TypeId::kLargeList;
        const int64_t w = large ? 8 : 4;
        LF_ASSIGN_OR_RETURN(LegacyPage p, GetPage(*n, batch, end + 1));
        if (p.length > md_->file_size / w) {
          return Status::Corrupt(Where(*n, batch) + "page of " + std::to_string(p.length) +
                                 " offsets is larger than the file");
        }
        LF_ASSIGN_OR_RETURN(BufferPtr ob, ReadBytes(*n, batch, p.position + start * w,
                                                    (count + 1) * w, "list offsets"));
        std::vector<int64_t> o(static_cast<size_t>(count + 1));
        for (int64_t i = 0; i <= count; ++i) {
          int64_t v = large ? Load<int64_t>(ob->data() + 8 * i) : Load<int32_t>(ob->data() + 4 * i);
          if (v < 0 || (i > 0 && v < o[static_cast<size_t>(i - 1)])) {
            return Status::Corrupt(Where(*n, batch) + "list offset " + std::to_string(start + i) +
                                   " is " + std::to_string(v) +
                                   " (must be non-negative and non-decreasing)");
          }
          o[static_cast<size_t>(i)] = v;
        }
        LF_ASSIGN_OR_RETURN(ArrayDataPtr items,
                            Decode(&n->children[0], batch, o.front(), o.back()));
        BufferBuilder offsets;
        for (int64_t v : o) {
          if (large)
            offsets.AppendValue<int64_t>(v - o.front());
          else
            offsets.AppendValue<int32_t>(static_cast<int32_t>(v - o.front()));
        }
        auto a = std::make_shared<ArrayData>();
        a->type = n->type;
        a->length = count;
        a->null_count = 0;
        a->buffers = {nullptr, offsets.Finish()};
        a->children = {std::move(items)};
        return a;
      }
      case TypeId::kDictionary: {
        if (!n->dictionary) LF_RETURN_NOT_OK(LoadDictionary(n, batch));
        LF_ASSIGN_OR_RETURN(LegacyPage p, GetPage(*n, batch, end));
        LF_ASSIGN_OR_RETURN(ArrayDataPtr idx, ReadPlain(*n, batch, n->type->index_type(), n->stride,
                                                        p.position, p.length, start, end));
        auto a = std::make_shared<ArrayData>();
        a->type = n->type;
        a->length = count;
        a->null_count = 0;
        a->buffers = idx->buffers;
        a->dictionary = n->dictionary;
        return a;
      }
      default: {
        LF_ASSIGN_OR_RETURN(LegacyPage p, GetPage(*n, batch, end));
        return ReadPlain(*n, batch, n->type, n->stride, p.position, p.length, start, end);
      }
    }
  }

  Result<ArrayDataPtr> DecodeBatch(int64_t batch, int64_t rows) {
    LF_ASSIGN_OR_RETURN(ArrayDataPtr a, Decode(&root_, batch, 0, rows));
    Status st = arrow::ValidateArray(*a);
    if (!st.ok()) return Status::Corrupt(Where(root_, batch) + st.message());
    return a;
  }

  std::shared_ptr<const LegacyFileMetadata> md_;
  FieldReadSpec spec_;
  Node root_;
  std::map<int64_t, ArrayDataPtr> cache_;  // decoded batches overlapping the last range
};

}  // namespace

Result<std::unique_ptr<FieldReader>> MakeLegacyFieldReader(
    std::shared_ptr<const LegacyFileMetadata> metadata, FieldReadSpec spec) {
  if (!metadata) return Status::Invalid("legacy field reader without file metadata");
  auto r = std::make_unique<LegacyFieldReader>(std::move(metadata), std::move(spec));
  LF_RETURN_NOT_OK(r->Init());
  return std::unique_ptr<FieldReader>(std::move(r));
}

}  // namespace lanceflow::lance
