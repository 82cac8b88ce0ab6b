// Legacy (0.1) data files written by the official engine (lancedb 0.39, tests/golden/lance_legacy,
// tests/fixtures/make_lance_legacy_golden.py): every field of every data file is decoded and
// compared with the engine's own reading (an Arrow IPC file per table), whole and in random
// sub-ranges; then damaged copies must fail cleanly.
#include "lanceflow/lance/legacy_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lanceflow/arrow/builder.h"
#include "lanceflow/arrow/compare.h"
#include "lanceflow/arrow/ipc.h"
#include "lanceflow/lance/dataset.h"
#include "local_fs.h"

namespace lanceflow::lance {
namespace {

const std::string kGolden = "tests/golden/lance_legacy";

// Expected columns of one table, each one array over all rows.
struct Expected {
  arrow::SchemaPtr schema;
  std::vector<arrow::ArrayDataPtr> columns;
};

Expected LoadExpected(const std::string& table) {
  Expected e;
  auto file = LocalReadFile(kGolden + "/" + table + ".arrow", int64_t{1} << 30);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  if (!file.ok()) return e;
  auto contents = arrow::ipc::ReadAll(*file);
  EXPECT_TRUE(contents.ok()) << contents.status().ToString();
  if (!contents.ok()) return e;
  e.schema = contents->schema;
  for (int c = 0; c < e.schema->num_fields(); ++c) {
    std::vector<arrow::ArrayDataPtr> chunks;
    for (const auto& b : contents->batches) chunks.push_back(b->column(c));
    auto all = chunks.empty() ? arrow::MakeEmptyArray(e.schema->field(c)->type)
                              : arrow::ConcatenateArrays(chunks);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    e.columns.push_back(all.ok() ? *all : nullptr);
  }
  return e;
}

ReadRangeFunction MemoryReader(BufferPtr data) {
  return [data](int64_t offset, int64_t length) -> Result<BufferPtr> {
    if (offset < 0 || length < 0 || offset + length > data->size()) {
      return Status::IOError("read past the end");
    }
    return Buffer::CopyOf(data->data() + offset, length);
  };
}

// One data file of a table, ready to make readers for.
struct OpenFile {
  std::shared_ptr<const Dataset> ds;
  DataFile file;
  uint64_t first_row = 0;  // of its fragment in the table's row order
  uint64_t rows = 0;
  BufferPtr bytes;
};

std::vector<OpenFile> OpenFiles(const std::string& table) {
  std::vector<OpenFile> out;
  Database db(kGolden + "/db");
  auto ds = db.OpenTable(table);
  EXPECT_TRUE(ds.ok()) << ds.status().ToString();
  if (!ds.ok()) return out;
  EXPECT_EQ((*ds)->manifest().data_format_version, "0.1");
  uint64_t row = 0;
  for (const Fragment& frag : (*ds)->fragments()) {
    for (const DataFile& f : frag.files) {
      // lancedb 0.39 records legacy data files as version (0, 2), the footer's version.
      EXPECT_EQ(f.file_major_version, 0u);
      EXPECT_EQ(f.file_minor_version, 2u);
      auto path = (*ds)->DataFilePath(f);
      EXPECT_TRUE(path.ok());
      auto bytes = LocalReadFile(*path, int64_t{1} << 30);
      EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
      if (!bytes.ok()) continue;
      out.push_back({*ds, f, row, frag.physical_rows, *bytes});
    }
    row += frag.physical_rows;
  }
  return out;
}

FieldReadSpec MakeSpec(const OpenFile& of, const LanceField& field, BufferPtr bytes,
                       uint64_t num_rows) {
  FieldReadSpec spec;
  spec.table = "t";
  spec.file_name = of.file.path;
  spec.fields = &of.ds->manifest().fields;
  spec.field = &field;
  spec.arrow_field = of.ds->schema()->field(field.arrow_path[0]);
  spec.num_rows = num_rows;
  spec.read_range = MemoryReader(std::move(bytes));
  return spec;
}

// The top-level manifest fields stored in `f`.
std::vector<const LanceField*> FieldsOf(const OpenFile& of) {
  std::vector<const LanceField*> out;
  for (const LanceField& lf : of.ds->manifest().fields) {
    if (lf.parent_id == -1 &&
        std::find(of.file.fields.begin(), of.file.fields.end(), lf.id) != of.file.fields.end()) {
      out.push_back(&lf);
    }
  }
  return out;
}

void CheckRange(FieldReader* reader, const arrow::ArrayData& expected, uint64_t begin, uint64_t end,
                const std::string& what) {
  auto got = reader->Read(begin, end);
  ASSERT_TRUE(got.ok()) << what << ": " << got.status().ToString();
  ASSERT_EQ((*got)->length, static_cast<int64_t>(end - begin)) << what;
  EXPECT_TRUE((*got)->type->Equals(*expected.type)) << what << ": " << (*got)->type->ToString();
  ASSERT_TRUE(arrow::ValidateArray(**got).ok()) << what;
  auto want = expected.Slice(static_cast<int64_t>(begin), static_cast<int64_t>(end - begin));
  std::string diff;
  EXPECT_TRUE(arrow::ArrayEquals(**got, *want, &diff))
      << what << " rows [" << begin << ", " << end << "): " << diff;
}

class LegacyGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(LegacyGolden, MatchesEngine) {
  const std::string table = GetParam();
  Expected expected = LoadExpected(table);
  ASSERT_TRUE(expected.schema);
  std::vector<OpenFile> files = OpenFiles(table);
  ASSERT_FALSE(files.empty());
  std::set<std::string> covered;
  std::mt19937_64 rng(42);
  for (const OpenFile& of : files) {
    auto md = ReadLegacyFileMetadata(of.bytes->size(), MemoryReader(of.bytes), of.file.path);
    ASSERT_TRUE(md.ok()) << md.status().ToString();
    EXPECT_EQ((*md)->num_rows, of.rows);
    EXPECT_EQ((*md)->major_version, 0);
    // The writer groups rows into batches of 1024.
    EXPECT_EQ((*md)->batches(), static_cast<int64_t>((of.rows + 1023) / 1024));
    for (const LanceField* lf : FieldsOf(of)) {
      SCOPED_TRACE(table + " " + of.file.path + " " + lf->name);
      const int col = expected.schema->GetFieldIndex(lf->name);
      ASSERT_GE(col, 0);
      auto ew = expected.columns[static_cast<size_t>(col)]->Slice(
          static_cast<int64_t>(of.first_row), static_cast<int64_t>(of.rows));
      covered.insert(lf->name);
      EXPECT_TRUE(of.ds->schema()->field(lf->arrow_path[0])->Equals(*expected.schema->field(col)))
          << of.ds->schema()->field(lf->arrow_path[0])->ToString() << " vs "
          << expected.schema->field(col)->ToString();

      auto whole = MakeLegacyFieldReader(*md, MakeSpec(of, *lf, of.bytes, of.rows));
      ASSERT_TRUE(whole.ok()) << whole.status().ToString();
      CheckRange(whole->get(), *ew, 0, of.rows, "whole");

      // Adjacent ranges of random sizes, crossing batch boundaries.
      auto adjacent = MakeLegacyFieldReader(*md, MakeSpec(of, *lf, of.bytes, of.rows));
      ASSERT_TRUE(adjacent.ok());
      for (uint64_t b = 0; b < of.rows;) {
        uint64_t e = std::min<uint64_t>(of.rows, b + 1 + rng() % 700);
        CheckRange(adjacent->get(), *ew, b, e, "adjacent");
        b = e;
      }
      // Random ranges in any order, including empty ones.
      for (int i = 0; i < 6; ++i) {
        uint64_t b = rng() % (of.rows + 1);
        uint64_t e = b + rng() % (of.rows - b + 1);
        CheckRange(adjacent->get(), *ew, b, e, "random");
      }
    }
  }
  // Every column of the table came from some data file.
  EXPECT_EQ(covered.size(), static_cast<size_t>(expected.schema->num_fields()));
}

INSTANTIATE_TEST_SUITE_P(Tables, LegacyGolden, ::testing::Values("types", "appended", "added"));

TEST(LegacyFile, AddedColumnFileStartsItsPageTableAtItsFirstFieldId) {
  std::vector<OpenFile> files = OpenFiles("added");
  ASSERT_EQ(files.size(), 2u);
  const OpenFile& added = files[1];
  ASSERT_FALSE(added.file.fields.empty());
  auto md = ReadLegacyFileMetadata(added.bytes->size(), MemoryReader(added.bytes), "f");
  ASSERT_TRUE(md.ok()) << md.status().ToString();
  EXPECT_EQ((*md)->min_field_id, added.file.fields.front());
  EXPECT_EQ((*md)->max_field_id,
            *std::max_element(added.file.fields.begin(), added.file.fields.end()));
  EXPECT_GT((*md)->min_field_id, 0);
}

TEST(LegacyFile, ReadsOnlyTheOverlappingBatchAndCachesIt) {
  std::vector<OpenFile> files = OpenFiles("types");
  ASSERT_EQ(files.size(), 1u);
  const OpenFile& of = files[0];
  auto md = ReadLegacyFileMetadata(of.bytes->size(), MemoryReader(of.bytes), "f");
  ASSERT_TRUE(md.ok());
  ASSERT_EQ((*md)->batches(), 2);
  for (const char* name : {"i64", "s", "li", "st", "dict"}) {
    SCOPED_TRACE(name);
    const LanceField* lf = nullptr;
    for (const LanceField& f : of.ds->manifest().fields) {
      if (f.parent_id == -1 && f.name == name) lf = &f;
    }
    ASSERT_NE(lf, nullptr);
    auto spec = MakeSpec(of, *lf, of.bytes, of.rows);
    std::vector<std::pair<int64_t, int64_t>> reads;
    auto inner = spec.read_range;
    spec.read_range = [&reads, inner](int64_t offset, int64_t length) {
      reads.emplace_back(offset, length);
      return inner(offset, length);
    };
    auto reader = MakeLegacyFieldReader(*md, std::move(spec));
    ASSERT_TRUE(reader.ok());
    // Pages of batch 1 lie after every page of batch 0 of the same field.
    int64_t batch1_start = INT64_MAX;
    for (const LanceField& f : of.ds->manifest().fields) {
      const LegacyPage* p = (*md)->Page(f.id, 1);
      if (p != nullptr && p->length > 0) batch1_start = std::min(batch1_start, p->position);
    }
    ASSERT_TRUE(reader->get()->Read(0, 10).ok());
    ASSERT_FALSE(reads.empty());
    for (auto [offset, length] : reads) {
      // Dictionary values live after the page table.
      if (offset >= (*md)->page_table_position) continue;
      EXPECT_LT(offset + length, batch1_start) << "batch 0 read touched batch 1";
    }
    size_t before = reads.size();
    ASSERT_TRUE(reader->get()->Read(10, 1000).ok());
    EXPECT_EQ(reads.size(), before) << "adjacent read of a cached batch did I/O";
    ASSERT_TRUE(reader->get()->Read(1000, 1100).ok());
    EXPECT_GT(reads.size(), before);
  }
}

// ---------------------------------------------------------------------------------------------
// Damaged files

// Reads every field of a (possibly damaged) copy of `of`; returns the first error.
Status ReadAll(const OpenFile& of, BufferPtr bytes) {
  LF_ASSIGN_OR_RETURN(auto md,
                      ReadLegacyFileMetadata(bytes->size(), MemoryReader(bytes), "data/x.lance"));
  for (const LanceField* lf : FieldsOf(of)) {
    LF_ASSIGN_OR_RETURN(auto reader,
                        MakeLegacyFieldReader(md, MakeSpec(of, *lf, bytes, md->num_rows)));
    uint64_t step = md->num_rows / 3 + 1;
    for (uint64_t b = 0; b < md->num_rows; b += step) {
      LF_ASSIGN_OR_RETURN(auto a, reader->Read(b, std::min(md->num_rows, b + step)));
      LF_RETURN_NOT_OK(arrow::ValidateArray(*a));
    }
  }
  return Status::OK();
}

BufferPtr Modified(const BufferPtr& b, int64_t pos, uint8_t value) {
  std::string s(b->view());
  s[static_cast<size_t>(pos)] = static_cast<char>(value);
  return Buffer::FromString(std::move(s));
}

void ExpectCleanError(const Status& st, const std::string& what) {
  if (st.ok()) return;  // a change under values or in unused bytes may go unnoticed
  EXPECT_TRUE(st.code() == StatusCode::kCorrupt || st.code() == StatusCode::kNotImplemented ||
              st.code() == StatusCode::kIOError)
      << what << ": " << st.ToString();
  EXPECT_EQ(st.message().find('\n'), std::string::npos) << st.ToString();
}

TEST(LegacyFileBroken, TruncatedAndGarbled) {
  for (const char* table : {"types", "appended"}) {
    std::vector<OpenFile> files = OpenFiles(table);
    ASSERT_FALSE(files.empty());
    const OpenFile& of = files.back();
    ASSERT_TRUE(ReadAll(of, of.bytes).ok());
    const int64_t size = of.bytes->size();
    // Truncations: the footer then fails or points outside the shorter file.
    for (int64_t cut :
         {int64_t{0}, int64_t{5}, int64_t{15}, int64_t{16}, size / 2, size - 1, size - 17}) {
      auto part = Buffer::CopyOf(of.bytes->data(), cut);
      Status st = ReadAll(of, part);
      EXPECT_FALSE(st.ok()) << "cut " << cut;
      ExpectCleanError(st, "cut " + std::to_string(cut));
    }
    // Every byte of the metadata region (page table to the end) set to a few hostile values,
    // sampled; plus random bytes anywhere.
    auto md = ReadLegacyFileMetadata(size, MemoryReader(of.bytes), "f");
    ASSERT_TRUE(md.ok());
    std::mt19937_64 rng(7);
    const int64_t region = (*md)->page_table_position;
    for (int i = 0; i < 400; ++i) {
      int64_t pos = i < 300 ? region + static_cast<int64_t>(rng() % (size - region))
                            : static_cast<int64_t>(rng() % size);
      uint8_t v = std::vector<uint8_t>{0x00, 0xff, 0x7f, 0x80, 0x01}[rng() % 5];
      Status st = ReadAll(of, Modified(of.bytes, pos, v));
      ExpectCleanError(st, "byte " + std::to_string(pos) + " = " + std::to_string(v));
    }
  }
}

TEST(LegacyFileBroken, SpecificDamage) {
  std::vector<OpenFile> files = OpenFiles("types");
  ASSERT_EQ(files.size(), 1u);
  const OpenFile& of = files[0];
  const int64_t size = of.bytes->size();
  auto md = ReadLegacyFileMetadata(size, MemoryReader(of.bytes), "data/x.lance");
  ASSERT_TRUE(md.ok());

  // Footer: magic and version.
  Status st = ReadAll(of, Modified(of.bytes, size - 1, 'X'));
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("LANC"), std::string::npos) << st.ToString();
  st = ReadAll(of, Modified(of.bytes, size - 6, 3));
  EXPECT_EQ(st.code(), StatusCode::kNotImplemented) << st.ToString();
  // Metadata position past the end.
  st = ReadAll(of, Modified(of.bytes, size - 10, 0x7f));
  EXPECT_EQ(st.code(), StatusCode::kCorrupt) << st.ToString();
  EXPECT_NE(st.message().find("data file data/x.lance"), std::string::npos) << st.ToString();

  // A page table entry of field "i32" batch 1 pointing past the end of the file: the error
  // names table, file, field and batch.
  const LanceField* i32 = nullptr;
  for (const LanceField& f : of.ds->manifest().fields) {
    if (f.name == "i32") i32 = &f;
  }
  ASSERT_NE(i32, nullptr);
  const int64_t entry =
      (*md)->page_table_position + 16 * ((i32->id - (*md)->min_field_id) * (*md)->batches() + 1);
  auto bad = Modified(of.bytes, entry + 6, 0x7f);
  st = ReadAll(of, bad);
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("table 't': data file '" + of.file.path + "'"), std::string::npos)
      << st.ToString();
  EXPECT_NE(st.message().find("field 'i32' (id " + std::to_string(i32->id) + ") batch 1"),
            std::string::npos)
      << st.ToString();

  // The manifest claims a different row count.
  auto reader = MakeLegacyFieldReader(*md, MakeSpec(of, *i32, of.bytes, of.rows + 1));
  EXPECT_EQ(reader.status().code(), StatusCode::kCorrupt);

  // A string page whose value positions decrease.
  const LanceField* s = nullptr;
  for (const LanceField& f : of.ds->manifest().fields) {
    if (f.name == "s") s = &f;
  }
  ASSERT_NE(s, nullptr);
  const LegacyPage* p = (*md)->Page(s->id, 0);
  ASSERT_NE(p, nullptr);
  st = ReadAll(of, Modified(of.bytes, p->position + 8 * 5 + 7, 0x40));
  EXPECT_EQ(st.code(), StatusCode::kCorrupt) << st.ToString();
  EXPECT_NE(st.message().find("field 's'"), std::string::npos) << st.ToString();
}

TEST(LegacyFileBroken, UnknownEncodingAndShapes) {
  std::vector<OpenFile> files = OpenFiles("types");
  ASSERT_EQ(files.size(), 1u);
  const OpenFile& of = files[0];
  auto md = ReadLegacyFileMetadata(of.bytes->size(), MemoryReader(of.bytes), "f");
  ASSERT_TRUE(md.ok());
  // The embedded schema's field "b": name, ..., logical type "bool", nullable, encoding PLAIN.
  const std::string plain_bool(
      "\x2a\x04"
      "bool"
      "\x30\x01\x38\x01",
      10);
  size_t at = of.bytes->view().find(plain_bool, static_cast<size_t>((*md)->manifest_position));
  ASSERT_NE(at, std::string::npos);
  auto rle = Modified(of.bytes, static_cast<int64_t>(at + 9), 4);
  Status st = ReadAll(of, rle);
  EXPECT_EQ(st.code(), StatusCode::kNotImplemented) << st.ToString();
  EXPECT_NE(st.message().find("field 'b' (id 0): unsupported legacy encoding 4"), std::string::npos)
      << st.ToString();
  // VAR_BINARY declared for a bool.
  st = ReadAll(of, Modified(of.bytes, static_cast<int64_t>(at + 9), 2));
  EXPECT_EQ(st.code(), StatusCode::kCorrupt) << st.ToString();

  // A fixed_size_list of strings has no legacy encoding.
  for (const LanceField& f : of.ds->manifest().fields) {
    if (f.name != "s") continue;
    FieldReadSpec spec = MakeSpec(of, f, of.bytes, of.rows);
    spec.arrow_field = arrow::MakeField("s", arrow::fixed_size_list(arrow::utf8(), 2));
    auto r = MakeLegacyFieldReader(*md, std::move(spec));
    EXPECT_EQ(r.status().code(), StatusCode::kNotImplemented) << r.status().ToString();
  }
}

}  // namespace
}  // namespace lanceflow::lance
