// Differential tests of the 2.1/2.2 decoder against tables written by lancedb 0.39.0
// (tests/fixtures/make_lance_v21_golden.py): every top-level field of every table is decoded
// whole, in adjacent batches and in random row ranges, and compared with the rows the engine
// returned (the table's .arrow twin).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lanceflow/arrow/compare.h"
#include "lanceflow/arrow/ipc.h"
#include "lanceflow/lance/dataset.h"
#include "lanceflow/lance/field_reader.h"
#include "golden_field_test_util.h"
#include "local_fs.h"

namespace lanceflow::lance {
namespace {

using testing::OpenField;
using testing::Retype;
using testing::SameButNullability;

constexpr char kGolden[] = "tests/golden/lance_v21/";

arrow::RecordBatchPtr ReadExpected(const std::string& table) {
  return testing::ReadExpectedBatch(kGolden, table);
}

OpenField Open(const std::string& table, const std::string& field_name) {
  return testing::OpenGoldenField(kGolden, table, field_name);
}

class V21GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(V21GoldenTest, EveryFieldEveryRange) {
  const std::string table = GetParam();
  auto expected = ReadExpected(table);
  ASSERT_NE(expected, nullptr);
  std::mt19937_64 rng(std::hash<std::string>{}(table));
  for (int c = 0; c < expected->num_columns(); ++c) {
    const std::string name = expected->schema()->field(c)->name;
    SCOPED_TRACE(table + "." + name);
    OpenField of = Open(table, name);
    ASSERT_NE(of.spec.field, nullptr);
    arrow::ArrayDataPtr want_ptr = expected->column(c);
    if (!want_ptr->type->Equals(*of.spec.arrow_field->type) &&
        SameButNullability(*want_ptr->type, *of.spec.arrow_field->type)) {
      want_ptr = Retype(want_ptr, of.spec.arrow_field->type);
    }
    const auto& want = *want_ptr;
    int64_t n = expected->num_rows();
    ASSERT_EQ(static_cast<int64_t>(of.spec.num_rows), n);
    auto reader = MakeV21FieldReader(of.metadata, of.spec);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    std::string diff;
    // Whole file.
    auto all = (*reader)->Read(0, static_cast<uint64_t>(n));
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ASSERT_TRUE(arrow::ArrayEquals(**all, want, &diff)) << diff;
    // Adjacent batches of an odd size.
    for (int64_t b = 0; b < n; b += 97) {
      int64_t e = std::min(n, b + 97);
      auto got = (*reader)->Read(static_cast<uint64_t>(b), static_cast<uint64_t>(e));
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_TRUE(arrow::ArrayEquals(**got, *want.Slice(b, e - b), &diff))
          << "[" << b << ", " << e << "): " << diff;
    }
    // Random ranges, in random order, including empty ones.
    for (int i = 0; i < 40; ++i) {
      int64_t b = static_cast<int64_t>(rng() % static_cast<uint64_t>(n + 1));
      int64_t len = static_cast<int64_t>(rng() % (i % 4 == 0 ? static_cast<uint64_t>(n + 1) : 300));
      int64_t e = std::min(n, b + len);
      auto got = (*reader)->Read(static_cast<uint64_t>(b), static_cast<uint64_t>(e));
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_EQ((*got)->length, e - b);
      ASSERT_TRUE(arrow::ArrayEquals(**got, *want.Slice(b, e - b), &diff))
          << "[" << b << ", " << e << "): " << diff;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tables, V21GoldenTest,
                         ::testing::Values("prims_21", "prims_22", "nested_21", "nested_22",
                                           "enc_21", "enc_22", "wide_21", "wide_22", "pages_22"));

}  // namespace
}  // namespace lanceflow::lance

namespace lanceflow::lance {
namespace {

// Damaged inputs must give errors (or, for damage the format cannot detect, some valid array),
// never crashes or out-of-bounds reads; the ASan/UBSan build checks the latter.
TEST(V21BrokenTest, DamagedPageBuffersNeverCrash) {
  for (const char* table : {"nested_22", "enc_21", "wide_22"}) {
    auto expected = ReadExpected(table);
    ASSERT_NE(expected, nullptr);
    for (int c = 0; c < expected->num_columns(); ++c) {
      OpenField of = Open(table, expected->schema()->field(c)->name);
      auto inner = of.spec.read_range;
      for (int trial = 0; trial < 12; ++trial) {
        FieldReadSpec spec = of.spec;
        std::mt19937_64 rng(static_cast<uint64_t>(trial * 131 + c));
        bool damaged = false;
        spec.read_range = [inner, trial, &rng, &damaged](int64_t offset,
                                                         int64_t length) -> Result<BufferPtr> {
          LF_ASSIGN_OR_RETURN(BufferPtr b, inner(offset, length));
          std::string bytes(b->view());
          if (bytes.empty()) return b;
          damaged = true;
          if (trial % 3 == 0) {
            for (int k = 0; k < 4; ++k) bytes[rng() % bytes.size()] ^= static_cast<char>(rng());
          } else if (trial % 3 == 1) {
            bytes[rng() % bytes.size()] = static_cast<char>(0xFF);
          } else {
            // A short read that the reader must notice.
            bytes.resize(rng() % bytes.size());
          }
          return Buffer::FromString(std::move(bytes));
        };
        auto reader = MakeV21FieldReader(of.metadata, spec);
        ASSERT_TRUE(reader.ok());
        auto got = (*reader)->Read(0, of.spec.num_rows);
        if (trial % 3 == 2 && damaged) {
          EXPECT_FALSE(got.ok());
          EXPECT_EQ(got.status().code(), StatusCode::kCorrupt) << got.status().ToString();
          EXPECT_NE(got.status().message().find("table '"), std::string::npos);
          EXPECT_NE(got.status().message().find(" page "), std::string::npos);
        } else if (got.ok()) {
          EXPECT_TRUE(arrow::ValidateArray(**got).ok());
        }
      }
    }
  }
}

TEST(V21BrokenTest, DamagedLayoutsGiveErrors) {
  OpenField of = Open("nested_22", "l_st");
  ASSERT_NE(of.spec.field, nullptr);
  const auto& base = *of.metadata;
  int32_t col = of.spec.columns[0].second;
  std::string layout = base.columns[static_cast<size_t>(col)].pages[0].encoding.value;
  // Every truncation and many single-byte changes of the PageLayout message.
  std::vector<std::string> variants;
  for (size_t n = 0; n < layout.size(); ++n) variants.push_back(layout.substr(0, n));
  for (size_t i = 0; i < layout.size(); ++i) {
    for (int v : {0x00, 0x01, 0x7F, 0xFF}) {
      std::string s = layout;
      s[i] = static_cast<char>(v);
      variants.push_back(s);
    }
  }
  int errors = 0;
  for (const auto& v : variants) {
    auto md = std::make_shared<DataFileMetadata>(base);
    md->columns[static_cast<size_t>(col)].pages[0].encoding.value = v;
    auto reader = MakeV21FieldReader(md, of.spec);
    ASSERT_TRUE(reader.ok());
    auto got = (*reader)->Read(0, of.spec.num_rows);
    if (!got.ok()) {
      ++errors;
      EXPECT_NE(got.status().message().find("column " + std::to_string(col)), std::string::npos)
          << got.status().ToString();
    } else {
      EXPECT_TRUE(arrow::ValidateArray(**got).ok());
    }
  }
  EXPECT_GT(errors, static_cast<int>(layout.size()) / 2);
}

// Reads that a row range costs, through a counting read_range.
struct ReadCounter {
  int64_t bytes = 0;
  const uint8_t* last = nullptr;  // data of the last buffer returned
};

std::shared_ptr<ReadCounter> Count(FieldReadSpec* spec) {
  auto counter = std::make_shared<ReadCounter>();
  auto inner = spec->read_range;
  spec->read_range = [inner, counter](int64_t offset, int64_t length) -> Result<BufferPtr> {
    LF_ASSIGN_OR_RETURN(BufferPtr b, inner(offset, length));
    counter->bytes += length;
    counter->last = b->data();
    return b;
  };
  return counter;
}

int64_t PageBufferBytes(const OpenField& of) {
  int64_t total = 0;
  for (const auto& [id, col] : of.spec.columns) {
    for (const auto& page : of.metadata->columns[static_cast<size_t>(col)].pages) {
      for (const auto& b : page.buffers) total += static_cast<int64_t>(b.size);
    }
  }
  return total;
}

// Full-zip rows of fixed-width values are read exactly and handed on without a copy.
TEST(V21ReadTest, FullZipFixedRowsAreReadExactlyAndNotCopied) {
  OpenField of = Open("wide_22", "vec64");
  auto counter = Count(&of.spec);
  auto reader = MakeV21FieldReader(of.metadata, of.spec);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto got = (*reader)->Read(70, 75);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(counter->bytes, 5 * 64 * 4);
  ASSERT_EQ((*got)->children.size(), 1u);
  EXPECT_EQ((*got)->children[0]->buffers[1]->data(), counter->last);
  auto expected = ReadExpected("wide_22");
  ASSERT_NE(expected, nullptr);
  std::string diff;
  int c = expected->schema()->GetFieldIndex("vec64");
  EXPECT_TRUE(arrow::ArrayEquals(**got, *expected->column(c)->Slice(70, 5), &diff)) << diff;
}

// Mini-block pages read only the chunks covering a range (for lists, those the repetition
// index names), and adjacent ranges read every byte at most once.
TEST(V21ReadTest, MiniBlockRangesReadOnlyTheirChunks) {
  for (const char* column : {"id", "l"}) {
    SCOPED_TRACE(column);
    OpenField of = Open("pages_22", column);
    const int64_t total = PageBufferBytes(of);
    ASSERT_GT(total, 0);
    auto expected = ReadExpected("pages_22");
    ASSERT_NE(expected, nullptr);
    const auto& want = *expected->column(expected->schema()->GetFieldIndex(column));
    std::string diff;
    {
      FieldReadSpec spec = of.spec;
      auto counter = Count(&spec);
      auto reader = MakeV21FieldReader(of.metadata, spec);
      ASSERT_TRUE(reader.ok()) << reader.status().ToString();
      auto got = (*reader)->Read(20000, 20010);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_TRUE(arrow::ArrayEquals(**got, *want.Slice(20000, 10), &diff)) << diff;
      EXPECT_LT(counter->bytes * 4, total);
    }
    FieldReadSpec spec = of.spec;
    auto counter = Count(&spec);
    auto reader = MakeV21FieldReader(of.metadata, spec);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    for (uint64_t b = 0; b < of.spec.num_rows; b += 1000) {
      const uint64_t e = std::min<uint64_t>(b + 1000, of.spec.num_rows);
      auto got = (*reader)->Read(b, e);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_TRUE(arrow::ArrayEquals(
          **got, *want.Slice(static_cast<int64_t>(b), static_cast<int64_t>(e - b)), &diff))
          << diff;
    }
    EXPECT_LE(counter->bytes, total);
  }
}

TEST(V21BrokenTest, UnsupportedLayoutIsNotImplemented) {
  OpenField of = Open("prims_21", "i32");
  auto md = std::make_shared<DataFileMetadata>(*of.metadata);
  int32_t col = of.spec.columns[0].second;
  // PageLayout { sparse_layout (5): {} }
  md->columns[static_cast<size_t>(col)].pages[0].encoding.value = std::string("\x2a\x00", 2);
  auto reader = MakeV21FieldReader(md, of.spec);
  ASSERT_TRUE(reader.ok());
  auto got = (*reader)->Read(0, 10);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotImplemented);
  EXPECT_NE(got.status().message().find("SparseLayout"), std::string::npos);
  EXPECT_NE(got.status().message().find("table 'prims_21'"), std::string::npos);
  EXPECT_NE(got.status().message().find("page 0"), std::string::npos);
  // A page count that disagrees with the file.
  auto md2 = std::make_shared<DataFileMetadata>(*of.metadata);
  md2->columns[static_cast<size_t>(col)].pages[0].length += 1;
  EXPECT_FALSE(MakeV21FieldReader(md2, of.spec).ok());
}

}  // namespace
}  // namespace lanceflow::lance
