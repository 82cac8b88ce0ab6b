// MakeV20FieldReader: format 2.0 data files (docs: lance-format.md §9). Every field, parents
// included, has a column of its own in pre-order:
//   - value columns (primitives, strings, fixed-size lists, dictionaries, packed structs): pages
//     of ArrayEncoding trees decoded by v20_page_decoder;
//   - struct header columns: pages with the `struct` arm and no buffers (2.0 stores no struct
//     validity), the members follow as their own columns;
//   - list columns: pages with the `list` arm holding u64 page-relative end offsets (a null list
//     stores end + null_offset_adjustment) and the number of items the page references; the
//     items are the next column, whose rows are the concatenation of all pages' items.
// Pages are decoded whole; the pages overlapping the last Read are kept for the next one.
#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/arrow/builder.h"
#include "lanceflow/lance/field_reader.h"
#include "v20_encoding.h"
#include "v20_page_decoder.h"

namespace lanceflow::lance {
namespace {

using arrow::ArrayData;
using arrow::ArrayDataPtr;
using arrow::DataTypePtr;
using arrow::TypeId;

// What every column reader shares: the file, the spec and error prefixes.
struct FileContext {
  std::shared_ptr<const DataFileMetadata> metadata;
  FieldReadSpec spec;

  std::string Where(int32_t column) const {
    return "table '" + spec.table + "': data file '" + spec.file_name + "': column " +
           std::to_string(column);
  }
  std::string Where(int32_t column, size_t page) const {
    return Where(column) + " page " + std::to_string(page);
  }
};

class ColumnReader {
 public:
  virtual ~ColumnReader() = default;
  // Rows [begin, end) of this column (end <= rows of the column).
  virtual Result<ArrayDataPtr> Read(uint64_t begin, uint64_t end) = 0;
};

// Page row ranges of one column, checked against the rows the column must have.
class PageMap {
 public:
  Status Init(const FileContext& file, int32_t column, uint64_t expected_rows) {
    const ColumnInfo& info = file.metadata->columns[static_cast<size_t>(column)];
    uint64_t rows = 0;
    for (size_t p = 0; p < info.pages.size(); ++p) {
      const uint64_t len = info.pages[p].length;
      if (len > v20::kMaxPageRows || rows + len < rows) {
        return Status::Corrupt(file.Where(column, p) + ": page of " + std::to_string(len) +
                               " rows");
      }
      starts_.push_back(rows);
      rows += len;
    }
    starts_.push_back(rows);
    if (rows != expected_rows) {
      return Status::Corrupt(file.Where(column) + ": pages hold " + std::to_string(rows) +
                             " rows, the column has " + std::to_string(expected_rows));
    }
    return Status::OK();
  }
  size_t num_pages() const { return starts_.size() - 1; }
  uint64_t start(size_t p) const { return starts_[p]; }
  uint64_t end(size_t p) const { return starts_[p + 1]; }
  // The page holding `row` (row < total rows).
  size_t PageOf(uint64_t row) const {
    auto it = std::upper_bound(starts_.begin(), starts_.end(), row);
    return static_cast<size_t>(it - starts_.begin()) - 1;
  }

 private:
  std::vector<uint64_t> starts_;
};

Result<std::unique_ptr<v20::Encoding>> PageEncoding(const FileContext& file, int32_t column,
                                                    size_t page) {
  const EncodingRef& e = file.metadata->columns[static_cast<size_t>(column)].pages[page].encoding;
  const std::string where = file.Where(column, page);
  if (e.kind != EncodingRef::Kind::kDirect) {
    return Status::NotImplemented(where + ": page encoding is not direct (deferred or missing)");
  }
  if (e.type_url != v20::kArrayEncodingUrl) {
    return Status::NotImplemented(where + ": unsupported page encoding type '" + e.type_url +
                                  "' in a 2.0 file");
  }
  return v20::ParseArrayEncoding(e.value, where + ": array encoding");
}

// Builds the context that loads the buffers of one page through read_range.
v20::PageContext MakePageContext(const FileContext& file, int32_t column, size_t page) {
  v20::PageContext ctx;
  ctx.where = file.Where(column, page);
  const FileContext* f = &file;
  auto cache = std::make_shared<std::map<std::pair<uint32_t, uint32_t>, BufferPtr>>();
  ctx.get_buffer = [f, column, page, cache,
                    where = ctx.where](const v20::BufferLocation& loc) -> Result<BufferPtr> {
    auto key = std::make_pair(loc.type, loc.index);
    auto it = cache->find(key);
    if (it != cache->end()) return it->second;
    const ColumnInfo& info = f->metadata->columns[static_cast<size_t>(column)];
    const std::vector<BufferRef>* refs = nullptr;
    const char* kind = "";
    switch (static_cast<v20::BufferType>(loc.type)) {
      case v20::BufferType::kPage:
        refs = &info.pages[page].buffers;
        kind = "page";
        break;
      case v20::BufferType::kColumn:
        refs = &info.buffers;
        kind = "column";
        break;
      case v20::BufferType::kFile:
        refs = &f->metadata->global_buffers;
        kind = "file";
        break;
      default:
        return Status::Corrupt(where + ": buffer of unknown type " + std::to_string(loc.type));
    }
    if (loc.index >= refs->size()) {
      return Status::Corrupt(where + ": " + kind + " buffer " + std::to_string(loc.index) +
                             " does not exist (" + std::to_string(refs->size()) + " buffers)");
    }
    const BufferRef& ref = (*refs)[loc.index];
    if (ref.position > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        ref.size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() - ref.position)) {
      return Status::Corrupt(where + ": " + kind + " buffer " + std::to_string(loc.index) +
                             " lies outside the file");
    }
    Result<BufferPtr> got =
        f->spec.read_range(static_cast<int64_t>(ref.position), static_cast<int64_t>(ref.size));
    if (!got.ok()) {
      return Status(got.status().code(), where + ": " + got.status().message());
    }
    if ((*got)->size() != static_cast<int64_t>(ref.size)) {
      return Status::IOError(where + ": short read of " + kind + " buffer " +
                             std::to_string(loc.index));
    }
    (*cache)[key] = *got;
    return *got;
  };
  return ctx;
}

Result<ArrayDataPtr> Concatenate(std::vector<ArrayDataPtr> parts, const DataTypePtr& type) {
  if (parts.empty()) return arrow::MakeEmptyArray(type);
  if (parts.size() == 1) return std::move(parts[0]);
  return arrow::ConcatenateArrays(parts);
}

// A value column: whole pages decoded by the page decoder, sliced to the requested rows.
class ValueColumn final : public ColumnReader {
 public:
  ValueColumn(const FileContext* file, int32_t column, DataTypePtr type)
      : file_(file), column_(column), type_(std::move(type)) {}
  Status Init(uint64_t rows) { return pages_.Init(*file_, column_, rows); }

  Result<ArrayDataPtr> Read(uint64_t begin, uint64_t end) override {
    std::map<size_t, ArrayDataPtr> used;
    std::vector<ArrayDataPtr> parts;
    uint64_t row = begin;
    while (row < end) {
      const size_t p = pages_.PageOf(row);
      ArrayDataPtr page;
      auto it = cache_.find(p);
      if (it != cache_.end()) {
        page = it->second;
      } else {
        LF_ASSIGN_OR_RETURN(page, DecodePage(p));
      }
      used[p] = page;
      const uint64_t stop = std::min(end, pages_.end(p));
      parts.push_back(page->Slice(static_cast<int64_t>(row - pages_.start(p)),
                                  static_cast<int64_t>(stop - row)));
      row = stop;
    }
    cache_ = std::move(used);
    return Concatenate(std::move(parts), type_);
  }

 private:
  Result<ArrayDataPtr> DecodePage(size_t p) {
    LF_ASSIGN_OR_RETURN(auto enc, PageEncoding(*file_, column_, p));
    v20::PageContext ctx = MakePageContext(*file_, column_, p);
    const auto n = static_cast<int64_t>(pages_.end(p) - pages_.start(p));
    LF_ASSIGN_OR_RETURN(ArrayDataPtr page, v20::DecodePage(ctx, *enc, type_, n));
    if (page->length != n || !page->type->Equals(*type_)) {
      return ctx.Corrupt("page decodes to " + std::to_string(page->length) + " values of " +
                         page->type->ToString());
    }
    Status st = arrow::ValidateArray(*page, /*full=*/true);
    if (!st.ok()) return ctx.Corrupt(st.message());
    return page;
  }

  const FileContext* file_;
  int32_t column_;
  DataTypePtr type_;
  PageMap pages_;
  std::map<size_t, ArrayDataPtr> cache_;
};

// A struct header column plus one reader per member.
class StructColumn final : public ColumnReader {
 public:
  StructColumn(DataTypePtr type, std::vector<std::unique_ptr<ColumnReader>> children)
      : type_(std::move(type)), children_(std::move(children)) {}

  Result<ArrayDataPtr> Read(uint64_t begin, uint64_t end) override {
    auto out = std::make_shared<ArrayData>();
    out->type = type_;
    out->length = static_cast<int64_t>(end - begin);
    out->null_count = 0;
    out->buffers = {nullptr};
    for (auto& c : children_) {
      LF_ASSIGN_OR_RETURN(ArrayDataPtr child, c->Read(begin, end));
      out->children.push_back(std::move(child));
    }
    return ArrayDataPtr(std::move(out));
  }

 private:
  DataTypePtr type_;
  std::vector<std::unique_ptr<ColumnReader>> children_;
};

// A list offsets column; its items come from `items_`, a reader over all pages' items.
class ListColumn final : public ColumnReader {
 public:
  ListColumn(const FileContext* file, int32_t column, DataTypePtr type)
      : file_(file), column_(column), type_(std::move(type)) {}

  // Checks the pages and computes where each page's items start; returns the total items.
  Result<uint64_t> Init(uint64_t rows) {
    LF_RETURN_NOT_OK(pages_.Init(*file_, column_, rows));
    uint64_t items = 0;
    for (size_t p = 0; p < pages_.num_pages(); ++p) {
      LF_ASSIGN_OR_RETURN(auto enc, PageEncoding(*file_, column_, p));
      if (enc->arm != static_cast<uint32_t>(v20::Arm::kList)) {
        return Status::NotImplemented(file_->Where(column_, p) + ": list column page encoded as " +
                                      v20::ArmName(enc->arm));
      }
      if (enc->num_items > v20::kMaxPageRows * 64 || items + enc->num_items < items) {
        return Status::Corrupt(file_->Where(column_, p) + ": list page references " +
                               std::to_string(enc->num_items) + " items");
      }
      item_starts_.push_back(items);
      items += enc->num_items;
      encodings_.push_back(std::move(enc));
    }
    return items;
  }
  void set_items(std::unique_ptr<ColumnReader> items) { items_ = std::move(items); }

  Result<ArrayDataPtr> Read(uint64_t begin, uint64_t end) override {
    const int64_t n = static_cast<int64_t>(end - begin);
    const bool large = type_->id() == TypeId::kLargeList;
    std::vector<int64_t> offsets;
    offsets.reserve(static_cast<size_t>(n) + 1);
    std::vector<uint8_t> valid;
    valid.reserve(static_cast<size_t>(n));
    std::map<size_t, std::shared_ptr<const DecodedPage>> used;
    uint64_t first_item = 0;
    uint64_t row = begin;
    while (row < end) {
      const size_t p = pages_.PageOf(row);
      std::shared_ptr<const DecodedPage> page;
      auto it = cache_.find(p);
      if (it != cache_.end()) {
        page = it->second;
      } else {
        LF_ASSIGN_OR_RETURN(page, DecodePage(p));
      }
      used[p] = page;
      const uint64_t base = item_starts_[p];
      const uint64_t stop = std::min(end, pages_.end(p));
      for (; row < stop; ++row) {
        const size_t j = static_cast<size_t>(row - pages_.start(p));
        const uint64_t start = base + (j == 0 ? 0 : page->ends[j - 1]);
        if (offsets.empty()) {
          first_item = start;
          offsets.push_back(0);
        }
        offsets.push_back(static_cast<int64_t>(base + page->ends[j] - first_item));
        valid.push_back(page->valid[j]);
      }
    }
    cache_ = std::move(used);
    if (offsets.empty()) offsets.push_back(0);
    const int64_t num_items = offsets.back();
    if (!large && num_items > std::numeric_limits<int32_t>::max()) {
      return Status::NotImplemented(
          file_->Where(column_) + ": rows " + std::to_string(begin) + ".." + std::to_string(end) +
          " hold " + std::to_string(num_items) + " list items, more than int32 offsets address");
    }
    LF_ASSIGN_OR_RETURN(ArrayDataPtr items,
                        items_->Read(first_item, first_item + static_cast<uint64_t>(num_items)));
    BufferBuilder off;
    if (large) {
      off.Append(offsets.data(), static_cast<int64_t>(offsets.size() * sizeof(int64_t)));
    } else {
      for (int64_t v : offsets) off.AppendValue(static_cast<int32_t>(v));
    }
    auto out = std::make_shared<ArrayData>();
    out->type = type_;
    out->length = n;
    int64_t nulls = 0;
    for (uint8_t v : valid) nulls += v == 0;
    out->null_count = nulls;
    BufferPtr validity;
    if (nulls > 0) {
      BufferBuilder b;
      b.Resize(arrow::BytesForBits(n));
      for (int64_t i = 0; i < n; ++i) {
        if (valid[static_cast<size_t>(i)]) arrow::SetBit(b.mutable_data(), i);
      }
      validity = b.Finish();
    }
    out->buffers = {validity, off.Finish()};
    out->children = {std::move(items)};
    return ArrayDataPtr(std::move(out));
  }

 private:
  struct DecodedPage {
    std::vector<uint64_t> ends;  // page-relative end offset of each list
    std::vector<uint8_t> valid;
  };

  // Offsets are u64 per list, page-relative, without the leading 0; a null list stores its end
  // plus null_offset_adjustment (rust/lance-encoding/src/previous/encodings/logical/list.rs).
  Result<std::shared_ptr<const DecodedPage>> DecodePage(size_t p) {
    const v20::Encoding& enc = *encodings_[p];
    v20::PageContext ctx = MakePageContext(*file_, column_, p);
    const auto n = static_cast<int64_t>(pages_.end(p) - pages_.start(p));
    LF_ASSIGN_OR_RETURN(ArrayDataPtr offsets,
                        v20::DecodePage(ctx, *enc.children[0], arrow::uint64(), n));
    if (offsets->null_count != 0) return ctx.NotImplemented("list offsets with nulls");
    const uint64_t adj = enc.null_offset_adjustment;
    if (n > 0 && adj == 0) return ctx.Corrupt("list page with null_offset_adjustment 0");
    auto page = std::make_shared<DecodedPage>();
    page->ends.resize(static_cast<size_t>(n));
    page->valid.resize(static_cast<size_t>(n));
    const uint64_t* v = offsets->values<uint64_t>();
    uint64_t prev = 0;
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t e = v[i] % adj;
      if (e < prev || e > enc.num_items) {
        return ctx.Corrupt("list end offset " + std::to_string(e) + " of row " + std::to_string(i) +
                           " is outside " + std::to_string(prev) + ".." +
                           std::to_string(enc.num_items));
      }
      page->ends[static_cast<size_t>(i)] = e;
      page->valid[static_cast<size_t>(i)] = v[i] < adj;
      prev = e;
    }
    if (prev != enc.num_items) {
      return ctx.Corrupt("list page ends at item " + std::to_string(prev) + " but references " +
                         std::to_string(enc.num_items) + " items");
    }
    return std::shared_ptr<const DecodedPage>(std::move(page));
  }

  const FileContext* file_;
  int32_t column_;
  DataTypePtr type_;
  PageMap pages_;
  std::vector<uint64_t> item_starts_;
  std::vector<std::unique_ptr<v20::Encoding>> encodings_;
  std::unique_ptr<ColumnReader> items_;
  std::map<size_t, std::shared_ptr<const DecodedPage>> cache_;
};

// A blob column (column encoding lance.encodings.Blob, field metadata lance-encoding:blob):
// the pages hold packed {position u64, size u64} descriptors, the values are stored out of line
// at those absolute file positions; (1, 0) marks a null, (0, 0) an empty value
// (rust/lance-encoding/src/previous/encodings/logical/blob.rs).
class BlobColumn final : public ColumnReader {
 public:
  BlobColumn(const FileContext* file, int32_t column, DataTypePtr type)
      : file_(file),
        column_(column),
        type_(std::move(type)),
        descriptors_(file, column,
                     arrow::struct_({arrow::MakeField("position", arrow::uint64(), false),
                                     arrow::MakeField("size", arrow::uint64(), false)})) {}
  Status Init(uint64_t rows) { return descriptors_.Init(rows); }

  Result<ArrayDataPtr> Read(uint64_t begin, uint64_t end) override {
    LF_ASSIGN_OR_RETURN(ArrayDataPtr desc, descriptors_.Read(begin, end));
    const int64_t n = desc->length;
    const ArrayData& pos_array = *desc->children[0];
    const ArrayData& size_array = *desc->children[1];
    const uint64_t* pos = pos_array.values<uint64_t>() + desc->offset;
    const uint64_t* size = size_array.values<uint64_t>() + desc->offset;
    const bool large = type_->id() == TypeId::kLargeBinary || type_->id() == TypeId::kLargeUtf8;
    uint64_t total = 0;
    for (int64_t i = 0; i < n; ++i) {
      // Blobs are fetched whole: bound what one Read may gather.
      const uint64_t limit = large ? uint64_t{1} << 30 : std::numeric_limits<int32_t>::max();
      if (size[i] > limit || total + size[i] > limit) {
        return Status::NotImplemented(file_->Where(column_) + ": blob values of rows " +
                                      std::to_string(begin) + ".." + std::to_string(end) +
                                      " exceed " + std::to_string(limit) + " bytes");
      }
      total += size[i];
    }
    BufferBuilder data;
    BufferBuilder offsets;
    std::vector<uint8_t> valid(static_cast<size_t>(n), 1);
    int64_t nulls = 0;
    auto append_offset = [&](int64_t v) {
      if (large) {
        offsets.AppendValue(v);
      } else {
        offsets.AppendValue(static_cast<int32_t>(v));
      }
    };
    append_offset(0);
    for (int64_t i = 0; i < n; ++i) {
      if (pos[i] == 1 && size[i] == 0) {
        valid[static_cast<size_t>(i)] = 0;
        ++nulls;
      } else if (size[i] > 0) {
        if (pos[i] > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - size[i]) {
          return Status::Corrupt(file_->Where(column_) + ": blob of row " +
                                 std::to_string(begin + static_cast<uint64_t>(i)) +
                                 " lies outside the file");
        }
        Result<BufferPtr> got =
            file_->spec.read_range(static_cast<int64_t>(pos[i]), static_cast<int64_t>(size[i]));
        if (!got.ok()) {
          return Status(got.status().code(), file_->Where(column_) + ": blob of row " +
                                                 std::to_string(begin + static_cast<uint64_t>(i)) +
                                                 ": " + got.status().message());
        }
        if ((*got)->size() != static_cast<int64_t>(size[i])) {
          return Status::IOError(file_->Where(column_) + ": short read of a blob");
        }
        data.Append((*got)->data(), (*got)->size());
      }
      append_offset(data.size());
    }
    auto out = std::make_shared<ArrayData>();
    out->type = type_;
    out->length = n;
    out->null_count = nulls;
    BufferPtr validity;
    if (nulls > 0) {
      BufferBuilder b;
      b.Resize(arrow::BytesForBits(n));
      for (int64_t i = 0; i < n; ++i) {
        if (valid[static_cast<size_t>(i)]) arrow::SetBit(b.mutable_data(), i);
      }
      validity = b.Finish();
    }
    out->buffers = {validity, offsets.Finish(), data.Finish()};
    Status st = arrow::ValidateArray(*out, /*full=*/true);
    if (!st.ok()) return Status::Corrupt(file_->Where(column_) + ": " + st.message());
    return ArrayDataPtr(std::move(out));
  }

 private:
  const FileContext* file_;
  int32_t column_;
  DataTypePtr type_;
  ValueColumn descriptors_;
};

bool IsPackedStruct(const LanceField& f) {
  for (const auto& [k, v] : f.metadata) {
    if (k == "lance-encoding:packed" && v == "true") return true;
    if (k == "packed" && v == "true") return true;
  }
  return false;
}

class TreeBuilder {
 public:
  explicit TreeBuilder(const FileContext* file) : file_(file) {
    for (const auto& [id, col] : file->spec.columns) column_of_[id] = col;
  }

  Result<std::unique_ptr<ColumnReader>> Build(const LanceField& field, const DataTypePtr& type,
                                              uint64_t rows, int depth) {
    if (depth > arrow::kMaxValidationDepth) {
      return Status::Corrupt(Prefix() + "field '" + field.name + "' is nested too deeply");
    }
    auto it = column_of_.find(field.id);
    if (it == column_of_.end()) {
      return Status::Corrupt(Prefix() + "field '" + field.name + "' (id " +
                             std::to_string(field.id) + ") has no column in the data file");
    }
    const int32_t column = it->second;
    if (column < 0 || static_cast<size_t>(column) >= file_->metadata->columns.size()) {
      return Status::Corrupt(Prefix() + "field '" + field.name + "' maps to column " +
                             std::to_string(column) + " of " +
                             std::to_string(file_->metadata->columns.size()));
    }
    bool blob = false;
    LF_RETURN_NOT_OK(CheckColumnEncoding(column, &blob));
    if (blob) {
      if (!type->is_binary_like()) {
        return Status::NotImplemented(file_->Where(column) + ": blob column of type " +
                                      type->ToString());
      }
      auto r = std::make_unique<BlobColumn>(file_, column, type);
      LF_RETURN_NOT_OK(r->Init(rows));
      return std::unique_ptr<ColumnReader>(std::move(r));
    }
    std::vector<const LanceField*> children;
    for (const auto& f : *file_->spec.fields) {
      if (f.parent_id == field.id) children.push_back(&f);
    }
    switch (type->id()) {
      case TypeId::kStruct: {
        if (IsPackedStruct(field)) break;
        if (children.size() != type->children().size()) {
          return Status::Corrupt(Prefix() + "struct field '" + field.name + "' has " +
                                 std::to_string(children.size()) + " schema children for " +
                                 type->ToString());
        }
        LF_RETURN_NOT_OK(CheckStructHeader(column, rows));
        std::vector<std::unique_ptr<ColumnReader>> members;
        for (size_t i = 0; i < children.size(); ++i) {
          LF_ASSIGN_OR_RETURN(auto r,
                              Build(*children[i], type->children()[i]->type, rows, depth + 1));
          members.push_back(std::move(r));
        }
        return std::unique_ptr<ColumnReader>(new StructColumn(type, std::move(members)));
      }
      case TypeId::kList:
      case TypeId::kLargeList: {
        if (children.size() != 1) {
          return Status::Corrupt(Prefix() + "list field '" + field.name + "' has " +
                                 std::to_string(children.size()) + " schema children");
        }
        auto list = std::make_unique<ListColumn>(file_, column, type);
        LF_ASSIGN_OR_RETURN(uint64_t items, list->Init(rows));
        LF_ASSIGN_OR_RETURN(auto item_reader,
                            Build(*children[0], type->children()[0]->type, items, depth + 1));
        list->set_items(std::move(item_reader));
        return std::unique_ptr<ColumnReader>(std::move(list));
      }
      default:
        break;
    }
    auto value = std::make_unique<ValueColumn>(file_, column, type);
    LF_RETURN_NOT_OK(value->Init(rows));
    return std::unique_ptr<ColumnReader>(std::move(value));
  }

 private:
  std::string Prefix() const {
    return "table '" + file_->spec.table + "': data file '" + file_->spec.file_name + "': ";
  }

  // Sets *blob for a blob column.
  Status CheckColumnEncoding(int32_t column, bool* blob) {
    const EncodingRef& e = file_->metadata->columns[static_cast<size_t>(column)].encoding;
    if (e.kind == EncodingRef::Kind::kNone) return Status::OK();
    if (e.kind != EncodingRef::Kind::kDirect || e.type_url != v20::kColumnEncodingUrl) {
      return Status::NotImplemented(file_->Where(column) + ": unsupported column encoding '" +
                                    e.type_url + "'");
    }
    LF_ASSIGN_OR_RETURN(uint32_t kind, v20::ParseColumnEncodingKind(
                                           e.value, file_->Where(column) + ": column encoding"));
    if (kind == 0 || kind == 1) return Status::OK();
    if (kind == 3) {
      *blob = true;
      return Status::OK();
    }
    return Status::NotImplemented(file_->Where(column) + ": unsupported column encoding arm " +
                                  std::to_string(kind));
  }

  // Header pages: the `struct` arm, rows summing to the parent's rows.
  Status CheckStructHeader(int32_t column, uint64_t rows) {
    PageMap pages;
    LF_RETURN_NOT_OK(pages.Init(*file_, column, rows));
    for (size_t p = 0; p < pages.num_pages(); ++p) {
      LF_ASSIGN_OR_RETURN(auto enc, PageEncoding(*file_, column, p));
      if (enc->arm != static_cast<uint32_t>(v20::Arm::kStruct)) {
        return Status::NotImplemented(file_->Where(column, p) + ": struct column page encoded as " +
                                      v20::ArmName(enc->arm));
      }
    }
    return Status::OK();
  }

  const FileContext* file_;
  std::unordered_map<int32_t, int32_t> column_of_;
};

class V20FieldReader final : public FieldReader {
 public:
  explicit V20FieldReader(std::unique_ptr<FileContext> file) : file_(std::move(file)) {}

  Status Init() {
    TreeBuilder builder(file_.get());
    LF_ASSIGN_OR_RETURN(root_, builder.Build(*file_->spec.field, file_->spec.arrow_field->type,
                                             file_->spec.num_rows, 0));
    return Status::OK();
  }

  Result<arrow::ArrayDataPtr> Read(uint64_t begin, uint64_t end) override {
    if (begin > end || end > file_->spec.num_rows) {
      return Status::Invalid("table '" + file_->spec.table + "': data file '" +
                             file_->spec.file_name + "': rows " + std::to_string(begin) + ".." +
                             std::to_string(end) + " outside the file's " +
                             std::to_string(file_->spec.num_rows) + " rows");
    }
    LF_ASSIGN_OR_RETURN(ArrayDataPtr out, root_->Read(begin, end));
    Status st = arrow::ValidateArray(*out, /*full=*/false);
    if (!st.ok()) {
      return Status::Corrupt("table '" + file_->spec.table + "': data file '" +
                             file_->spec.file_name + "': field '" + file_->spec.field->name +
                             "': " + st.message());
    }
    return out;
  }

 private:
  std::unique_ptr<FileContext> file_;
  std::unique_ptr<ColumnReader> root_;
};

}  // namespace

Result<std::unique_ptr<FieldReader>> MakeV20FieldReader(
    std::shared_ptr<const DataFileMetadata> metadata, FieldReadSpec spec) {
  if (!metadata || !spec.fields || !spec.field || !spec.arrow_field || !spec.read_range) {
    return Status::Invalid("MakeV20FieldReader: incomplete FieldReadSpec");
  }
  if (spec.num_rows > (uint64_t{1} << 62)) {
    return Status::Corrupt("table '" + spec.table + "': data file '" + spec.file_name +
                           "': " + std::to_string(spec.num_rows) + " rows");
  }
  auto file = std::make_unique<FileContext>();
  file->metadata = std::move(metadata);
  file->spec = std::move(spec);
  auto reader = std::make_unique<V20FieldReader>(std::move(file));
  LF_RETURN_NOT_OK(reader->Init());
  return std::unique_ptr<FieldReader>(std::move(reader));
}

}  // namespace lanceflow::lance
