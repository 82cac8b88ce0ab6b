// MakeV21FieldReader: one top-level field of a Lance 2.1/2.2 data file.
//
// 2.1+ files store only leaves; structs and lists live in every leaf's rep/def levels
// (rust/lance-encoding/src/repdef.rs). A Read asks, per leaf column, the readers of the pages
// overlapping the requested rows for those rows' canonical levels and values (v21_page.h: only
// the chunks or bytes the rows need are read), concatenates them, then rebuilds the Arrow
// arrays top-down: every level entry walks the leaf's path from the top-level field, adding one
// slot to each node it defines (a list slot's children follow it), a null slot where it stops,
// and null slots below a null struct down to the next list or to the leaf. A struct's validity
// and a list's offsets come from the first leaf below it; the leaves of one struct must agree
// on its slot count. Top-level leaves and lists of leaves take a direct path. Value buffers go
// to the arrays as decoded (or as read, for full-zip fixed-width rows), without copies.
#include <algorithm>
#include <map>

#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/lance/field_reader.h"
#include "v21_nested.h"
#include "v21_page.h"

namespace lanceflow::lance {

namespace {

using arrow::TypeId;
using v21::LeafPath;
using v21::RowSlice;
using v21::ValueBlock;

struct Node {
  arrow::DataTypePtr type;
  bool nullable = true;
  std::string name;
  int32_t field_id = -1;
  int depth = 0;              // path index (top-level field = 0)
  std::vector<int> children;  // node indices
  int leaf = -1;              // leaf index for leaves
  int first_leaf = -1;        // first leaf below (or itself)
};

bool IsListType(TypeId id) { return id == TypeId::kList || id == TypeId::kLargeList; }
bool IsStructural(TypeId id) { return id == TypeId::kStruct || IsListType(id); }

struct Leaf {
  int node = -1;
  int32_t column = -1;
  std::vector<int> path_nodes;  // node index per path index
  LeafPath path;
  // Readers of the pages overlapping the last Read, kept for the next (page index -> reader).
  std::map<size_t, std::unique_ptr<v21::PageReader>> pages;
  std::vector<uint64_t> page_first_row;  // per page, plus the total at the end
};

// Per path index: the slots built for that node.
struct LayerOut {
  int64_t slots = 0;
  std::vector<uint8_t> validity;  // bitmap
  int64_t nulls = 0;
  std::vector<int64_t> offsets;  // lists: slots + 1 entries
};

struct Assembly {
  std::vector<LayerOut> layers;
  ValueBlock values;
};

Status Bad(const std::string& msg) { return Status::Corrupt(msg); }

Result<v21::ValueShape> ShapeOfArrowLeaf(const arrow::DataType& t) {
  v21::ValueShape s;
  switch (t.id()) {
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      s.variable = true;
      return s;
    case TypeId::kNull:
      // Null columns hold only all-null pages; one byte per value keeps the value machinery
      // uniform and BuildLeaf drops it.
      s.bits_per_value = 8;
      return s;
    case TypeId::kStruct:
      return v21::PackedStructShape(t);  // structs are leaves only when packed
    case TypeId::kFixedSizeList: {
      if (v21::IsNestedFsl(t)) return v21::NestedFslShape(t);
      const auto& item = t.children()[0]->type;
      if (item->is_nested() || item->bit_width() <= 0 || item->id() == TypeId::kDictionary) {
        return Status::NotImplemented("fixed_size_list of " + item->ToString());
      }
      if (t.fixed_size() <= 0) return Status::NotImplemented("zero-size fixed_size_list");
      s.items_per_value = t.fixed_size();
      s.bits_per_value = int64_t{t.fixed_size()} * item->bit_width();
      return s;
    }
    default:
      break;
  }
  if (t.is_nested() || t.id() == TypeId::kDictionary || t.id() == TypeId::kNull ||
      t.bit_width() <= 0) {
    return Status::NotImplemented("Lance 2.1 leaf of type " + t.ToString());
  }
  s.bits_per_value = t.bit_width();
  return s;
}

BufferPtr ToBuffer(const std::vector<uint8_t>& v) {
  return Buffer::CopyOf(v.data(), static_cast<int64_t>(v.size()));
}

template <typename T>
BufferPtr ToBuffer(const std::vector<T>& v) {
  return Buffer::CopyOf(v.data(), static_cast<int64_t>(v.size() * sizeof(T)));
}

class V21FieldReader final : public FieldReader {
 public:
  V21FieldReader(std::shared_ptr<const DataFileMetadata> metadata, FieldReadSpec spec)
      : metadata_(std::move(metadata)), spec_(std::move(spec)) {}

  Status Init() {
    if (!spec_.field || !spec_.fields || !spec_.arrow_field || !spec_.read_range) {
      return Status::Invalid("incomplete FieldReadSpec");
    }
    Status planned =
        AddNode(*spec_.field, spec_.arrow_field->type, spec_.arrow_field->nullable, 0, {});
    if (!planned.ok()) return Where(-1, -1, planned);
    for (auto& leaf : leaves_) {
      const auto& col = metadata_->columns[static_cast<size_t>(leaf.column)];
      uint64_t row = 0;
      for (const auto& page : col.pages) {
        leaf.page_first_row.push_back(row);
        if (page.length > spec_.num_rows - row) {
          return Where(leaf.column, -1, Bad("pages hold more rows than the file"));
        }
        row += page.length;
      }
      leaf.page_first_row.push_back(row);
      if (row != spec_.num_rows) {
        return Where(leaf.column, -1,
                     Bad("pages hold " + std::to_string(row) + " rows, the file " +
                         std::to_string(spec_.num_rows)));
      }
    }
    return Status::OK();
  }

  Result<arrow::ArrayDataPtr> Read(uint64_t begin, uint64_t end) override {
    if (begin > end || end > spec_.num_rows) {
      return Status::Invalid("rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                             ") out of range for " + std::to_string(spec_.num_rows) + " rows");
    }
    std::vector<Assembly> assemblies(leaves_.size());
    for (size_t i = 0; i < leaves_.size(); ++i) {
      RowSlice slice;
      LF_RETURN_NOT_OK(Slice(&leaves_[i], begin, end, &slice));
      Status st = Unravel(leaves_[i], &slice, &assemblies[i]);
      if (!st.ok()) return Where(leaves_[i].column, -1, st);
    }
    auto out = BuildArray(0, assemblies);
    if (!out.ok()) return Where(leaves_[0].column, -1, out.status());
    if (out.value()->length != static_cast<int64_t>(end - begin)) {
      return Where(leaves_[0].column, -1, Bad("decoded row count differs from the request"));
    }
    Status st = arrow::ValidateArray(*out.value(), true);
    if (!st.ok()) return Where(leaves_[0].column, -1, st);
    return out;
  }

 private:
  Status Where(int32_t column, int64_t page, const Status& st) const {
    std::string where = "table '" + spec_.table + "': data file '" + spec_.file_name +
                        "': field '" + spec_.field->name + "'";
    if (column >= 0) where += ": column " + std::to_string(column);
    if (page >= 0) where += " page " + std::to_string(page);
    return st.WithContext(where);
  }

  Status AddNode(const LanceField& f, const arrow::DataTypePtr& type_ptr, bool nullable, int depth,
                 std::vector<int> path) {
    const arrow::DataType& type = *type_ptr;
    if (depth > 64) return Bad("field nesting too deep");
    int idx = static_cast<int>(nodes_.size());
    nodes_.push_back(Node{});
    Node& n0 = nodes_.back();
    n0.type = type_ptr;
    n0.nullable = nullable;
    n0.name = f.name;
    n0.field_id = f.id;
    n0.depth = depth;
    path.push_back(idx);
    bool packed = type.id() == TypeId::kStruct && v21::IsPackedStructField(f);
    if (!IsStructural(type.id()) || packed) {
      Leaf leaf;
      leaf.node = idx;
      leaf.path_nodes = path;
      for (const auto& [fid, col] : spec_.columns) {
        if (fid == f.id) leaf.column = col;
      }
      if (leaf.column < 0) {
        return Bad("data file has no column for field '" + f.name + "' (id " +
                   std::to_string(f.id) + ")");
      }
      if (static_cast<size_t>(leaf.column) >= metadata_->columns.size()) {
        return Bad("column index " + std::to_string(leaf.column) + " out of range");
      }
      LeafPath& lp = leaf.path;
      lp.depth = static_cast<int>(path.size());
      for (size_t p = 0; p < path.size(); ++p) {
        bool is_list = IsListType(nodes_[static_cast<size_t>(path[p])].type->id());
        lp.is_list.push_back(is_list);
        if (is_list) {
          lp.max_rep++;
          lp.last_list = static_cast<int>(p);
        }
      }
      LF_ASSIGN_OR_RETURN(lp.shape, ShapeOfArrowLeaf(type));
      nodes_[static_cast<size_t>(idx)].leaf = static_cast<int>(leaves_.size());
      nodes_[static_cast<size_t>(idx)].first_leaf = static_cast<int>(leaves_.size());
      leaves_.push_back(std::move(leaf));
      return Status::OK();
    }
    std::vector<const LanceField*> kids;
    for (const auto& c : *spec_.fields) {
      if (c.parent_id == f.id) kids.push_back(&c);
    }
    const auto& tkids = type.children();
    if (kids.size() != tkids.size() || kids.empty()) {
      return Status::NotImplemented("field '" + f.name + "' of type " + type.ToString() + " with " +
                                    std::to_string(kids.size()) + " stored children");
    }
    std::vector<int> child_nodes;
    for (size_t i = 0; i < kids.size(); ++i) {
      child_nodes.push_back(static_cast<int>(nodes_.size()));
      LF_RETURN_NOT_OK(AddNode(*kids[i], tkids[i]->type, tkids[i]->nullable, depth + 1, path));
    }
    Node& n = nodes_[static_cast<size_t>(idx)];
    n.children = std::move(child_nodes);
    n.first_leaf = nodes_[static_cast<size_t>(n.children[0])].first_leaf;
    return Status::OK();
  }

  Result<v21::PageReader*> GetPage(Leaf* leaf, size_t pi,
                                   std::map<size_t, std::unique_ptr<v21::PageReader>>* keep) {
    auto it = leaf->pages.find(pi);
    if (it != leaf->pages.end()) {
      auto& slot = (*keep)[pi] = std::move(it->second);
      return slot.get();
    }
    const auto& page = metadata_->columns[static_cast<size_t>(leaf->column)].pages[pi];
    const uint64_t limit = metadata_->footer.column_meta_start;
    ReadRangeFunction read_range = spec_.read_range;
    v21::PageBufferReader read = [limit, read_range](uint64_t pos,
                                                     uint64_t size) -> Result<BufferPtr> {
      if (pos > limit || size > limit - pos) {
        return Bad("page buffer [" + std::to_string(pos) + ", +" + std::to_string(size) +
                   ") outside the data region");
      }
      return read_range(static_cast<int64_t>(pos), static_cast<int64_t>(size));
    };
    bool v22 = metadata_->footer.major_version > 2 ||
               (metadata_->footer.major_version == 2 && metadata_->footer.minor_version >= 2);
    auto reader = v21::OpenPage(page, leaf->path, v22, std::move(read));
    if (!reader.ok()) return Where(leaf->column, static_cast<int64_t>(pi), reader.status());
    auto& slot = (*keep)[pi] = std::move(reader).value();
    return slot.get();
  }

  Status Slice(Leaf* leaf, uint64_t begin, uint64_t end, RowSlice* s) {
    s->values.Reset(leaf->path.shape.variable, leaf->path.shape.bits_per_value);
    s->values.items_per_value = leaf->path.shape.items_per_value;
    const auto& firsts = leaf->page_first_row;
    size_t num_pages = firsts.size() - 1;
    // First page whose rows end after `begin`.
    size_t pi = static_cast<size_t>(std::upper_bound(firsts.begin(), firsts.end() - 1, begin) -
                                    firsts.begin());
    pi = pi == 0 ? 0 : pi - 1;
    std::map<size_t, std::unique_ptr<v21::PageReader>> keep;
    for (; pi < num_pages && firsts[pi] < end; ++pi) {
      uint64_t f = firsts[pi];
      uint64_t l = firsts[pi + 1];
      if (l <= begin || l == f) continue;
      LF_ASSIGN_OR_RETURN(v21::PageReader * page, GetPage(leaf, pi, &keep));
      int64_t a = static_cast<int64_t>(std::max(begin, f) - f);
      int64_t b = static_cast<int64_t>(std::min(end, l) - f);
      Status st = page->ReadRows(a, b, s);
      if (!st.ok()) return Where(leaf->column, static_cast<int64_t>(pi), st);
    }
    leaf->pages = std::move(keep);
    return Status::OK();
  }

  static void AppendSlot(LayerOut* L, bool valid, const LayerOut* child) {
    if (child) L->offsets.push_back(child->slots);
    int64_t i = L->slots++;
    if (static_cast<size_t>(arrow::BytesForBits(L->slots)) > L->validity.size()) {
      L->validity.push_back(0);
    }
    if (valid) {
      arrow::SetBit(L->validity.data(), i);
    } else {
      L->nulls++;
    }
  }

  // A top-level leaf: one slot per entry, null where its def level is 1. Returns false (and
  // leaves `a` untouched) for levels the general walk must judge.
  static bool UnravelFlat(RowSlice* s, Assembly* a) {
    if (s->entries != s->values.num || !s->rep.empty()) return false;
    LayerOut& L = a->layers[0];
    if (!s->def.empty()) {
      if (static_cast<int64_t>(s->def.size()) != s->entries) return false;
      int64_t nulls = 0;
      for (uint16_t d : s->def) {
        if (d > 1) return false;
        nulls += d;
      }
      if (nulls > 0) {
        L.validity.assign(static_cast<size_t>(arrow::BytesForBits(s->entries)), 0);
        for (int64_t i = 0; i < s->entries; ++i) {
          if (s->def[static_cast<size_t>(i)] == 0) arrow::SetBit(L.validity.data(), i);
        }
        L.nulls = nulls;
      }
    }
    L.slots = s->entries;
    a->values = std::move(s->values);
    return true;
  }

  // A top-level list of leaves: per entry, rep 1 starts a row (a list slot: def 1 null, 2
  // empty) and, unless the list is null or empty, the entry is one leaf slot (def 3: null).
  // Returns false for levels the general walk must judge; `a` must then be reset.
  static bool UnravelListOfLeaf(RowSlice* s, Assembly* a) {
    const int64_t n = s->entries;
    if (static_cast<int64_t>(s->rep.size()) != n ||
        (!s->def.empty() && static_cast<int64_t>(s->def.size()) != n)) {
      return false;
    }
    LayerOut& lists = a->layers[0];
    LayerOut& items = a->layers[1];
    const size_t bitmap_bytes = static_cast<size_t>(arrow::BytesForBits(n));
    lists.validity.assign(bitmap_bytes, 0);
    items.validity.assign(bitmap_bytes, 0);
    lists.offsets.clear();
    lists.offsets.reserve(static_cast<size_t>(n) + 1);
    const uint16_t* rep = s->rep.data();
    const uint16_t* def = s->def.empty() ? nullptr : s->def.data();
    int64_t list_slots = 0, item_slots = 0, list_nulls = 0, item_nulls = 0;
    for (int64_t i = 0; i < n; ++i) {
      const uint16_t code = def ? def[i] : 0;
      if (rep[i] == 1) {
        lists.offsets.push_back(item_slots);
        if (code == 1) {
          ++list_nulls;
          ++list_slots;
          continue;
        }
        arrow::SetBit(lists.validity.data(), list_slots++);
        if (code == 2) continue;
      } else if (rep[i] != 0 || i == 0 || code == 1 || code == 2) {
        return false;
      }
      if (code == 0) {
        arrow::SetBit(items.validity.data(), item_slots);
      } else if (code == 3) {
        ++item_nulls;
      } else {
        return false;
      }
      ++item_slots;
    }
    if (item_slots != s->values.num) return false;
    lists.offsets.push_back(item_slots);
    lists.slots = list_slots;
    lists.nulls = list_nulls;
    lists.validity.resize(static_cast<size_t>(arrow::BytesForBits(list_slots)));
    items.slots = item_slots;
    items.nulls = item_nulls;
    items.validity.resize(static_cast<size_t>(arrow::BytesForBits(item_slots)));
    a->values = std::move(s->values);
    return true;
  }

  Status Unravel(const Leaf& leaf, RowSlice* s, Assembly* a) const {
    const LeafPath& path = leaf.path;
    int k = path.depth;
    a->layers.assign(static_cast<size_t>(k), LayerOut{});
    if (k == 1 && !path.is_list[0] && UnravelFlat(s, a)) return Status::OK();
    if (k == 2 && path.is_list[0] && !path.is_list[1]) {
      if (UnravelListOfLeaf(s, a)) return Status::OK();
      a->layers.assign(static_cast<size_t>(k), LayerOut{});
    }
    std::vector<int> list_pos;
    for (int p = 0; p < k; ++p) {
      if (path.is_list[static_cast<size_t>(p)]) list_pos.push_back(p);
    }
    int64_t consumed = 0;
    auto child_of = [&](int p) -> LayerOut* {
      return path.is_list[static_cast<size_t>(p)] ? &a->layers[static_cast<size_t>(p) + 1]
                                                  : nullptr;
    };
    for (int64_t i = 0; i < s->entries; ++i) {
      int r = s->rep.empty() ? path.max_rep : s->rep[static_cast<size_t>(i)];
      int start = r == path.max_rep ? 0 : list_pos[static_cast<size_t>(path.max_rep - r - 1)] + 1;
      uint16_t code = s->def.empty() ? 0 : s->def[static_cast<size_t>(i)];
      int stop = code == 0 ? k : (code - 1) / 2;
      bool empty = code != 0 && ((code - 1) & 1);
      if (stop < start || stop > k) return Bad("def level contradicts the repetition level");
      if (i == 0 && start != 0) return Bad("rows do not start with a new row");
      for (int p = start; p < k; ++p) {
        LayerOut* L = &a->layers[static_cast<size_t>(p)];
        if (p == stop) {
          if (empty) {
            AppendSlot(L, true, child_of(p));
            break;
          }
          AppendSlot(L, false, child_of(p));
          if (path.is_list[static_cast<size_t>(p)]) break;
          if (p == k - 1) {
            ++consumed;
            break;
          }
          for (int q = p + 1; q < k; ++q) {
            AppendSlot(&a->layers[static_cast<size_t>(q)], false, child_of(q));
            if (path.is_list[static_cast<size_t>(q)]) break;
            if (q == k - 1) ++consumed;
          }
          break;
        }
        AppendSlot(L, true, child_of(p));
        if (p == k - 1) ++consumed;
      }
    }
    for (int p = 0; p < k; ++p) {
      if (path.is_list[static_cast<size_t>(p)]) {
        a->layers[static_cast<size_t>(p)].offsets.push_back(
            a->layers[static_cast<size_t>(p) + 1].slots);
      }
    }
    if (consumed != s->values.num) {
      return Bad("levels address " + std::to_string(consumed) + " values, pages hold " +
                 std::to_string(s->values.num));
    }
    a->values = std::move(s->values);
    return Status::OK();
  }

  // Non-nullable fields may still hold null slots under a null parent (struct or list), as in
  // Arrow, so nullability is not checked per slot here.
  Result<arrow::ArrayDataPtr> BuildLeaf(const Node& n, Assembly& a) const {
    const LayerOut& L = a.layers.back();
    ValueBlock& v = a.values;
    auto out = std::make_shared<arrow::ArrayData>();
    out->type = n.type;
    out->length = L.slots;
    out->null_count = L.nulls;
    BufferPtr validity = L.nulls ? ToBuffer(L.validity) : nullptr;
    if (v.num != L.slots) return Bad("leaf value count differs from its slots");
    TypeId id = n.type->id();
    if (id == TypeId::kNull) {
      out->null_count = out->length;
      return arrow::ArrayDataPtr(out);
    }
    if (id == TypeId::kStruct) {
      return v21::BuildPackedStruct(n.type, L.slots, validity, L.nulls, v.bytes());
    }
    if (v21::IsNestedFsl(*n.type)) {
      return v21::BuildNestedFsl(n.type, L.slots, validity, L.nulls, v.bytes());
    }
    if (v.variable) {
      bool large = id == TypeId::kLargeUtf8 || id == TypeId::kLargeBinary;
      BufferPtr offs;
      if (large) {
        offs = ToBuffer(v.offsets);
      } else {
        if (v.offsets.back() > INT32_MAX) {
          return Status::OutOfRange("field '" + n.name + "': more than 2 GiB of values in one " +
                                    "batch for 32-bit offsets");
        }
        v21::ByteVec o32;
        auto* o = reinterpret_cast<int32_t*>(
            o32.AppendUninitialized(static_cast<int64_t>(v.offsets.size() * sizeof(int32_t))));
        for (size_t i = 0; i < v.offsets.size(); ++i) o[i] = static_cast<int32_t>(v.offsets[i]);
        offs = o32.Finish();
      }
      out->buffers = {validity, offs, v.TakeData()};
      return arrow::ArrayDataPtr(out);
    }
    if (id == TypeId::kFixedSizeList) {
      auto child = std::make_shared<arrow::ArrayData>();
      const auto& item = n.type->children()[0];
      child->type = item->type;
      child->length = v.num * v.items_per_value;
      BufferPtr item_validity;
      if (v.has_item_validity) {
        int64_t nulls =
            child->length - arrow::CountSetBits(v.item_validity.data(), 0, child->length);
        child->null_count = nulls;
        if (nulls) item_validity = ToBuffer(v.item_validity);
      }
      child->buffers = {item_validity, v.TakeData()};
      out->buffers = {validity};
      out->children = {child};
      return arrow::ArrayDataPtr(out);
    }
    out->buffers = {validity, v.TakeData()};
    return arrow::ArrayDataPtr(out);
  }

  Result<arrow::ArrayDataPtr> BuildArray(int node_index, std::vector<Assembly>& as) const {
    const Node& n = nodes_[static_cast<size_t>(node_index)];
    Assembly& a = as[static_cast<size_t>(n.first_leaf)];
    if (n.leaf >= 0) return BuildLeaf(n, as[static_cast<size_t>(n.leaf)]);
    const LayerOut& L = a.layers[static_cast<size_t>(n.depth)];
    auto out = std::make_shared<arrow::ArrayData>();
    out->type = n.type;
    out->length = L.slots;
    out->null_count = L.nulls;
    BufferPtr validity = L.nulls ? ToBuffer(L.validity) : nullptr;
    for (int c : n.children) {
      LF_ASSIGN_OR_RETURN(auto child, BuildArray(c, as));
      out->children.push_back(std::move(child));
    }
    if (n.type->id() == TypeId::kStruct) {
      for (const auto& c : out->children) {
        if (c->length != out->length) {
          return Bad("struct '" + n.name + "' members disagree on their row count");
        }
      }
      out->buffers = {validity};
    } else {
      if (out->children[0]->length != L.offsets.back()) {
        return Bad("list '" + n.name + "' offsets do not match its items");
      }
      if (n.type->id() == TypeId::kList) {
        if (L.offsets.back() > INT32_MAX) {
          return Status::OutOfRange("list '" + n.name + "' has more than 2^31 items in a batch");
        }
        std::vector<int32_t> o32(L.offsets.begin(), L.offsets.end());
        out->buffers = {validity, ToBuffer(o32)};
      } else {
        out->buffers = {validity, ToBuffer(L.offsets)};
      }
    }
    return arrow::ArrayDataPtr(out);
  }

  std::shared_ptr<const DataFileMetadata> metadata_;
  FieldReadSpec spec_;
  std::vector<Node> nodes_;
  std::vector<Leaf> leaves_;
};

}  // namespace

Result<std::unique_ptr<FieldReader>> MakeV21FieldReader(
    std::shared_ptr<const DataFileMetadata> metadata, FieldReadSpec spec) {
  if (!metadata) return Status::Invalid("MakeV21FieldReader without file metadata");
  auto reader = std::make_unique<V21FieldReader>(std::move(metadata), std::move(spec));
  LF_RETURN_NOT_OK(reader->Init());
  return std::unique_ptr<FieldReader>(std::move(reader));
}

}  // namespace lanceflow::lance
