// The 2.0 field reader against tables written by the official engine (lancedb 0.39, storage
// version 2.0): tests/golden/lance_v20, made by tests/fixtures/make_lance_v20_golden.py. The
// expected values are what the engine itself reads back (the {table}.arrow IPC files).
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lanceflow/arrow/builder.h"
#include "lanceflow/arrow/compare.h"
#include "lanceflow/arrow/ipc.h"
#include "lanceflow/lance/dataset.h"
#include "lanceflow/lance/field_reader.h"
#include "local_fs.h"
#include "v20_encoding.h"

namespace lanceflow::lance {
namespace {

const std::string kGolden = "tests/golden/lance_v20";

struct Table {
  std::shared_ptr<const Dataset> dataset;
  DataFile file;
  std::string path;
  std::shared_ptr<const DataFileMetadata> metadata;
  std::vector<arrow::ArrayDataPtr> expected;  // one per top-level column
};

std::unique_ptr<Table> LoadTable(const std::string& name) {
  auto t = std::make_unique<Table>();
  auto ds = Dataset::Open(kGolden + "/db/" + name + ".lance");
  EXPECT_TRUE(ds.ok()) << ds.status().ToString();
  if (!ds.ok()) return nullptr;
  t->dataset = *ds;
  EXPECT_EQ(t->dataset->manifest().data_format_version, "2.0");
  EXPECT_EQ(t->dataset->fragments().size(), 1u);
  if (t->dataset->fragments().size() != 1) return nullptr;
  t->file = t->dataset->fragments()[0].files[0];
  EXPECT_EQ(t->file.file_major_version, 2u);
  EXPECT_EQ(t->file.file_minor_version, 0u);
  auto md = t->dataset->ReadDataFileMetadata(t->file);
  EXPECT_TRUE(md.ok()) << md.status().ToString();
  if (!md.ok()) return nullptr;
  EXPECT_EQ(md->footer.major_version, 0);
  EXPECT_EQ(md->footer.minor_version, 3);
  t->metadata = std::make_shared<DataFileMetadata>(std::move(*md));
  auto path = t->dataset->DataFilePath(t->file);
  EXPECT_TRUE(path.ok());
  t->path = *path;

  auto bytes = LocalReadFile(kGolden + "/" + name + ".arrow", int64_t{64} << 20);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  if (!bytes.ok()) return nullptr;
  auto contents = arrow::ipc::ReadAll(*bytes);
  EXPECT_TRUE(contents.ok()) << contents.status().ToString();
  if (!contents.ok()) return nullptr;
  for (int c = 0; c < contents->schema->num_fields(); ++c) {
    std::vector<arrow::ArrayDataPtr> chunks;
    for (const auto& b : contents->batches) chunks.push_back(b->column(c));
    Result<arrow::ArrayDataPtr> all = chunks.empty()
                                          ? arrow::MakeEmptyArray(contents->schema->field(c)->type)
                                          : arrow::ConcatenateArrays(chunks);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    t->expected.push_back(*all);
  }
  return t;
}

// The spec of top-level field `name` of table `t`, reading through `read_range`.
FieldReadSpec MakeSpec(const Table& t, const std::string& name, ReadRangeFunction read_range) {
  const Manifest& m = t.dataset->manifest();
  FieldReadSpec spec;
  spec.table = "golden";
  spec.file_name = "data/" + t.file.path;
  spec.fields = &m.fields;
  for (const auto& f : m.fields) {
    if (f.parent_id == -1 && f.name == name) spec.field = &f;
  }
  EXPECT_NE(spec.field, nullptr) << name;
  spec.arrow_field = t.dataset->schema()->field(spec.field->arrow_path[0]);
  std::set<int32_t> subtree = {spec.field->id};
  for (const auto& f : m.fields) {  // pre-order: parents come first
    if (subtree.count(f.parent_id)) subtree.insert(f.id);
  }
  for (size_t i = 0; i < t.file.fields.size(); ++i) {
    if (subtree.count(t.file.fields[i]) && t.file.column_indices[i] >= 0) {
      spec.columns.emplace_back(t.file.fields[i], t.file.column_indices[i]);
    }
  }
  spec.num_rows = t.metadata->num_rows;
  spec.read_range = std::move(read_range);
  return spec;
}

ReadRangeFunction FileRange(const std::string& path) {
  return [path](int64_t offset, int64_t length) { return LocalReadRange(path, offset, length); };
}

void ExpectRange(FieldReader* reader, const arrow::ArrayData& expected, uint64_t begin,
                 uint64_t end, const std::string& what) {
  auto got = reader->Read(begin, end);
  ASSERT_TRUE(got.ok()) << what << ": " << got.status().ToString();
  ASSERT_TRUE((*got)->type->Equals(*expected.type))
      << what << ": " << (*got)->type->ToString() << " vs " << expected.type->ToString();
  ASSERT_TRUE(arrow::ValidateArray(**got).ok()) << what;
  auto want = expected.Slice(static_cast<int64_t>(begin), static_cast<int64_t>(end - begin));
  std::string diff;
  EXPECT_TRUE(arrow::ArrayEquals(**got, *want, &diff))
      << what << " rows " << begin << ".." << end << ": " << diff;
}

class V20Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(V20Golden, EveryColumnMatchesTheEngine) {
  auto t = LoadTable(GetParam());
  ASSERT_NE(t, nullptr);
  const arrow::Schema& schema = *t->dataset->schema();
  ASSERT_EQ(static_cast<size_t>(schema.num_fields()), t->expected.size());
  std::mt19937_64 rng(42);
  for (int c = 0; c < schema.num_fields(); ++c) {
    const std::string name = schema.field(c)->name;
    const arrow::ArrayData& expected = *t->expected[static_cast<size_t>(c)];
    const uint64_t n = t->metadata->num_rows;
    ASSERT_EQ(static_cast<uint64_t>(expected.length), n);
    auto reader = MakeV20FieldReader(t->metadata, MakeSpec(*t, name, FileRange(t->path)));
    ASSERT_TRUE(reader.ok()) << name << ": " << reader.status().ToString();
    const std::string what = GetParam() + "." + name;

    ExpectRange(reader->get(), expected, 0, n, what + " (whole file)");
    ExpectRange(reader->get(), expected, n, n, what + " (empty at end)");
    // Adjacent batches of several sizes, as a scan reads them.
    for (uint64_t batch : {1u, 7u, 64u, 333u}) {
      for (uint64_t b = 0; b < n; b += batch) {
        ExpectRange(reader->get(), expected, b, std::min(n, b + batch),
                    what + " batch " + std::to_string(batch));
        if (::testing::Test::HasFailure()) return;
      }
    }
    // Random ranges in random order, many crossing page boundaries.
    for (int i = 0; i < 40 && n > 0; ++i) {
      uint64_t a = rng() % (n + 1), b = rng() % (n + 1);
      if (a > b) std::swap(a, b);
      ExpectRange(reader->get(), expected, a, b, what + " random");
      if (::testing::Test::HasFailure()) return;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tables, V20Golden,
                         ::testing::Values("primitives", "nested", "compressed", "pages", "fsst",
                                           "blob"));

// Pages per column of the "pages" table: the golden data must exercise multi-page columns.
TEST(V20GoldenShape, PagesTableHasSeveralPagesPerColumn) {
  auto t = LoadTable("pages");
  ASSERT_NE(t, nullptr);
  int multi = 0;
  for (const auto& col : t->metadata->columns) multi += col.pages.size() > 1;
  EXPECT_GE(multi, 6);
}

TEST(V20FieldReader, ReadsOnlyItsOwnColumnsPages) {
  auto t = LoadTable("nested");
  ASSERT_NE(t, nullptr);
  auto spec = MakeSpec(*t, "lstruct", nullptr);
  std::vector<std::pair<uint64_t, uint64_t>> allowed;
  for (const auto& [id, col] : spec.columns) {
    for (const auto& p : t->metadata->columns[static_cast<size_t>(col)].pages) {
      for (const auto& b : p.buffers) allowed.emplace_back(b.position, b.size);
    }
  }
  int reads = 0;
  bool stray = false;
  spec.read_range = [&, path = t->path](int64_t off, int64_t len) {
    ++reads;
    bool ok = false;
    for (const auto& [pos, size] : allowed) {
      ok |= static_cast<uint64_t>(off) == pos && static_cast<uint64_t>(len) == size;
    }
    stray |= !ok;
    return LocalReadRange(path, off, len);
  };
  auto reader = MakeV20FieldReader(t->metadata, std::move(spec));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_TRUE((*reader)->Read(3, 9).ok());
  EXPECT_GT(reads, 0);
  EXPECT_FALSE(stray);
  // The same range again is served from the page cache.
  const int before = reads;
  ASSERT_TRUE((*reader)->Read(9, 12).ok());
  EXPECT_EQ(reads, before);
}

TEST(V20FieldReader, DecodesOnlyPagesOverlappingTheRange) {
  auto t = LoadTable("pages");
  ASSERT_NE(t, nullptr);
  auto spec = MakeSpec(*t, "i32", nullptr);
  ASSERT_EQ(spec.columns.size(), 1u);
  const auto& pages = t->metadata->columns[static_cast<size_t>(spec.columns[0].second)].pages;
  ASSERT_GT(pages.size(), 3u);
  std::set<uint64_t> touched;
  spec.read_range = [&, path = t->path](int64_t off, int64_t len) {
    touched.insert(static_cast<uint64_t>(off));
    return LocalReadRange(path, off, len);
  };
  auto reader = MakeV20FieldReader(t->metadata, std::move(spec));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  // Rows 1 .. 2 of page 1 only.
  const uint64_t first = pages[0].length;
  ASSERT_TRUE((*reader)->Read(first + 1, first + 3).ok());
  for (const auto& b : pages[1].buffers) EXPECT_TRUE(touched.count(b.position));
  for (size_t p = 0; p < pages.size(); ++p) {
    if (p == 1) continue;
    for (const auto& b : pages[p].buffers) EXPECT_FALSE(touched.count(b.position)) << p;
  }
}

TEST(V20FieldReader, RejectsRangesOutsideTheFile) {
  auto t = LoadTable("primitives");
  ASSERT_NE(t, nullptr);
  auto reader = MakeV20FieldReader(t->metadata, MakeSpec(*t, "i32", FileRange(t->path)));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_FALSE((*reader)->Read(5, 4).ok());
  EXPECT_FALSE((*reader)->Read(0, t->metadata->num_rows + 1).ok());
}

// Replaces the page encodings of every column of `field` by `encoding` (a serialized
// lance.encodings.ArrayEncoding).
std::shared_ptr<DataFileMetadata> WithEncoding(const Table& t, const FieldReadSpec& spec,
                                               const std::string& encoding) {
  auto md = std::make_shared<DataFileMetadata>(*t.metadata);
  for (const auto& [id, col] : spec.columns) {
    for (auto& p : md->columns[static_cast<size_t>(col)].pages) p.encoding.value = encoding;
  }
  return md;
}

TEST(V20FieldReader, UnknownArmIsNotImplementedNamingWhere) {
  auto t = LoadTable("primitives");
  ASSERT_NE(t, nullptr);
  auto spec = MakeSpec(*t, "i32", FileRange(t->path));
  // ArrayEncoding { rle (19) { bits_per_value: 32 } }
  const std::string rle("\x9a\x01\x02\x08\x20", 5);
  auto reader = MakeV20FieldReader(WithEncoding(*t, spec, rle), spec);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto got = (*reader)->Read(0, 10);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotImplemented) << got.status().ToString();
  const std::string msg = got.status().message();
  EXPECT_NE(msg.find("table 'golden'"), std::string::npos) << msg;
  EXPECT_NE(msg.find(t->file.path), std::string::npos) << msg;
  EXPECT_NE(msg.find("column "), std::string::npos) << msg;
  EXPECT_NE(msg.find("page 0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("rle"), std::string::npos) << msg;
}

TEST(V20FieldReader, ShortReadIsAnErrorNamingThePage) {
  auto t = LoadTable("primitives");
  ASSERT_NE(t, nullptr);
  auto spec = MakeSpec(*t, "s", [path = t->path](int64_t off, int64_t len) -> Result<BufferPtr> {
    LF_ASSIGN_OR_RETURN(BufferPtr b, LocalReadRange(path, off, len));
    return b->Slice(0, len / 2);
  });
  auto reader = MakeV20FieldReader(t->metadata, std::move(spec));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto got = (*reader)->Read(0, 10);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("page 0"), std::string::npos);
}

TEST(V20FieldReader, BadPageRowCountIsCorrupt) {
  auto t = LoadTable("primitives");
  ASSERT_NE(t, nullptr);
  auto s = MakeSpec(*t, "i64", FileRange(t->path));
  auto md = std::make_shared<DataFileMetadata>(*t->metadata);
  md->columns[static_cast<size_t>(s.columns[0].second)].pages[0].length += 1;
  auto reader = MakeV20FieldReader(md, s);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kCorrupt);
}

// Damaged bytes (page buffers and encodings) must give errors or valid arrays, never crashes;
// run under ASan+UBSan.
TEST(V20FieldReader, GarbledInputsNeverCrash) {
  for (const std::string table : {"primitives", "nested", "compressed", "fsst", "blob"}) {
    auto t = LoadTable(table);
    ASSERT_NE(t, nullptr);
    auto whole = LocalReadFile(t->path, int64_t{16} << 20);
    ASSERT_TRUE(whole.ok());
    std::mt19937_64 rng(7);
    const arrow::Schema& schema = *t->dataset->schema();
    for (int iter = 0; iter < 60; ++iter) {
      std::string bytes((*whole)->view());
      auto md = std::make_shared<DataFileMetadata>(*t->metadata);
      const int mode = iter % 3;
      if (mode == 0) {  // flip bytes in the page buffers
        for (int k = 0; k < 20; ++k) {
          bytes[rng() % bytes.size()] = static_cast<char>(rng());
        }
      } else {  // garble page encodings (and sometimes lengths)
        for (auto& col : md->columns) {
          for (auto& p : col.pages) {
            if (rng() % 3 != 0 || p.encoding.value.empty()) continue;
            p.encoding.value[rng() % p.encoding.value.size()] = static_cast<char>(rng());
            if (mode == 2 && rng() % 4 == 0) {
              p.encoding.value.resize(rng() % p.encoding.value.size());
            }
          }
        }
      }
      auto shared = std::make_shared<std::string>(std::move(bytes));
      ReadRangeFunction range = [shared](int64_t off, int64_t len) -> Result<BufferPtr> {
        if (off < 0 || len < 0 || static_cast<uint64_t>(off + len) > shared->size()) {
          return Status::IOError("out of file");
        }
        return Buffer::CopyOf(shared->data() + off, len);
      };
      for (int c = 0; c < schema.num_fields(); ++c) {
        auto reader = MakeV20FieldReader(md, MakeSpec(*t, schema.field(c)->name, range));
        if (!reader.ok()) continue;
        const uint64_t n = t->metadata->num_rows;
        for (uint64_t b = 0; b < n; b += 97) {
          auto got = (*reader)->Read(b, std::min(n, b + 97));
          if (got.ok()) {
            EXPECT_TRUE(arrow::ValidateArray(**got, false).ok());
          } else {
            const auto code = got.status().code();
            EXPECT_TRUE(code == StatusCode::kCorrupt || code == StatusCode::kNotImplemented ||
                        code == StatusCode::kIOError)
                << got.status().ToString();
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace lanceflow::lance

namespace lanceflow::lance {
namespace {

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string VarintField(uint32_t field, uint64_t v) { return Varint(field << 3) + Varint(v); }
std::string MessageField(uint32_t field, const std::string& body) {
  return Varint((field << 3) | 2) + Varint(body.size()) + body;
}

// The 2.0 writer flushes list offsets only every 8 MiB, so engine files of test size have one
// offsets page per list column. This re-cuts the engine's offsets page of nested.li into pages
// of 70, 1, 29 and 100 rows with page-relative offsets, as the writer would write
// them, and checks that the reader still matches the engine's values.
TEST(V20FieldReader, ListOffsetsAcrossSeveralPages) {
  auto t = LoadTable("nested");
  ASSERT_NE(t, nullptr);
  auto whole = LocalReadFile(t->path, int64_t{16} << 20);
  ASSERT_TRUE(whole.ok());
  auto image = std::make_shared<std::string>((*whole)->view());
  auto spec = MakeSpec(*t, "li", nullptr);
  int32_t list_column = -1;
  for (const auto& [id, col] : spec.columns) {
    if (id == spec.field->id) list_column = col;
  }
  ASSERT_GE(list_column, 0);
  auto md = std::make_shared<DataFileMetadata>(*t->metadata);
  ColumnInfo& col = md->columns[static_cast<size_t>(list_column)];
  ASSERT_EQ(col.pages.size(), 1u);
  const PageInfo old = col.pages[0];
  auto enc = v20::ParseArrayEncoding(old.encoding.value, "test");
  ASSERT_TRUE(enc.ok());
  ASSERT_EQ((*enc)->arm, static_cast<uint32_t>(v20::Arm::kList));
  const uint64_t adj = (*enc)->null_offset_adjustment;
  const uint64_t rows = old.length;
  ASSERT_EQ(rows, 200u);
  std::vector<uint64_t> v(rows);
  ASSERT_EQ(old.buffers[0].size, rows * 8);
  std::memcpy(v.data(), image->data() + old.buffers[0].position, rows * 8);

  col.pages.clear();
  uint64_t first = 0, base = 0;
  for (uint64_t len : {70u, 1u, 29u, 100u}) {
    std::vector<uint64_t> part;
    const uint64_t part_items = v[first + len - 1] % adj - base;
    for (uint64_t i = first; i < first + len; ++i) {
      const uint64_t end = v[i] % adj - base;
      part.push_back(end + (v[i] >= adj ? part_items + 1 : 0));
    }
    while (image->size() % 64) image->push_back('H');
    PageInfo page;
    page.buffers.push_back({image->size(), part.size() * 8});
    image->append(reinterpret_cast<const char*>(part.data()), part.size() * 8);
    page.length = len;
    page.priority = first;
    const std::string flat = MessageField(1, VarintField(1, 64) + MessageField(2, ""));
    const std::string offsets = MessageField(2, MessageField(1, MessageField(1, flat)));
    page.encoding.kind = EncodingRef::Kind::kDirect;
    page.encoding.type_url = "/lance.encodings.ArrayEncoding";
    page.encoding.value = MessageField(
        4, MessageField(1, offsets) + VarintField(2, part_items + 1) + VarintField(3, part_items));
    col.pages.push_back(page);
    first += len;
    base += part_items;
  }
  spec.read_range = [image](int64_t off, int64_t len) -> Result<BufferPtr> {
    if (off < 0 || len < 0 || static_cast<uint64_t>(off + len) > image->size()) {
      return Status::IOError("out of file");
    }
    return Buffer::CopyOf(image->data() + off, len);
  };
  auto reader = MakeV20FieldReader(md, std::move(spec));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const int c = t->dataset->schema()->GetFieldIndex("li");
  const arrow::ArrayData& expected = *t->expected[static_cast<size_t>(c)];
  ExpectRange(reader->get(), expected, 0, rows, "li whole");
  for (uint64_t batch : {1u, 3u, 50u}) {
    for (uint64_t b = 0; b < rows; b += batch) {
      ExpectRange(reader->get(), expected, b, std::min(rows, b + batch), "li batch");
    }
  }
  std::mt19937_64 rng(3);
  for (int i = 0; i < 100; ++i) {
    uint64_t a = rng() % (rows + 1), b = rng() % (rows + 1);
    if (a > b) std::swap(a, b);
    ExpectRange(reader->get(), expected, a, b, "li random");
  }
}

}  // namespace
}  // namespace lanceflow::lance
