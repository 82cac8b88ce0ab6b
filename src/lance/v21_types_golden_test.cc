// Differential tests of the 2.1/2.2 decoder for packed structs, nested fixed-size lists, null
// columns and maps, against tables written by lancedb 0.39.0
// (tests/fixtures/make_lance_v21_types_golden.py): every top-level field decoded whole, in
// adjacent batches and in random ranges, compared with the engine's rows (the .arrow twin).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "lanceflow/arrow/compare.h"
#include "lanceflow/arrow/ipc.h"
#include "lanceflow/lance/dataset.h"
#include "lanceflow/lance/field_reader.h"
#include "golden_field_test_util.h"
#include "local_fs.h"
#include "v21_encoding.h"
#include "v21_nested.h"

namespace lanceflow::lance {
namespace {

using testing::OpenField;
using testing::Retype;
using testing::SameButNullability;

constexpr char kGolden[] = "tests/golden/lance_v21_types/";

arrow::RecordBatchPtr ReadExpected(const std::string& table) {
  return testing::ReadExpectedBatch(kGolden, table);
}

OpenField Open(const std::string& table, const std::string& field_name) {
  return testing::OpenGoldenField(kGolden, table, field_name);
}

class V21TypesGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(V21TypesGoldenTest, EveryFieldEveryRange) {
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
    if (!want_ptr->type->Equals(*of.spec.arrow_field->type)) {
      ASSERT_TRUE(SameButNullability(*want_ptr->type, *of.spec.arrow_field->type))
          << want_ptr->type->ToString() << " vs " << of.spec.arrow_field->type->ToString();
      want_ptr = Retype(want_ptr, of.spec.arrow_field->type);
    }
    const auto& want = *want_ptr;
    int64_t n = expected->num_rows();
    ASSERT_EQ(static_cast<int64_t>(of.spec.num_rows), n);
    auto reader = MakeV21FieldReader(of.metadata, of.spec);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    std::string diff;
    auto all = (*reader)->Read(0, static_cast<uint64_t>(n));
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ASSERT_TRUE(arrow::ArrayEquals(**all, want, &diff)) << diff;
    for (int64_t b = 0; b < n; b += 37) {
      int64_t e = std::min(n, b + 37);
      auto got = (*reader)->Read(static_cast<uint64_t>(b), static_cast<uint64_t>(e));
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_TRUE(arrow::ArrayEquals(**got, *want.Slice(b, e - b), &diff))
          << "[" << b << ", " << e << "): " << diff;
    }
    for (int i = 0; i < 20; ++i) {
      int64_t b = static_cast<int64_t>(rng() % static_cast<uint64_t>(n + 1));
      int64_t e = std::min(n, b + static_cast<int64_t>(rng() % 120));
      auto got = (*reader)->Read(static_cast<uint64_t>(b), static_cast<uint64_t>(e));
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_TRUE(arrow::ArrayEquals(**got, *want.Slice(b, e - b), &diff))
          << "[" << b << ", " << e << "): " << diff;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tables, V21TypesGoldenTest,
                         ::testing::Values("packed_21", "packed_22", "fsl_21", "fsl_22",
                                           "nothing_21", "nothing_22", "mapping_22"));

// The golden tables must exercise the paths this test is about.
TEST(V21TypesGoldenTest, CorpusHasTheEncodings) {
  OpenField packed = Open("packed_22", "p_nulls");
  ASSERT_NE(packed.spec.field, nullptr);
  // One column, owned by the struct itself.
  ASSERT_EQ(packed.spec.columns.size(), 1u);
  EXPECT_EQ(packed.spec.columns[0].first, packed.spec.field->id);
  EXPECT_TRUE(v21::IsPackedStructField(*packed.spec.field));
  // The map's entries are stored like a list of structs: one column per key / value leaf.
  OpenField map = Open("mapping_22", "m");
  ASSERT_NE(map.spec.field, nullptr);
  EXPECT_EQ(map.spec.columns.size(), 2u);
  EXPECT_EQ(map.spec.arrow_field->type->id(), arrow::TypeId::kList);
}

// Damaged page bytes give errors or some valid array, never crashes (the ASan/UBSan build
// checks out-of-bounds reads); short reads are always noticed.
TEST(V21TypesGoldenTest, DamagedPagesNeverCrash) {
  for (const char* table : {"packed_21", "fsl_22", "nothing_22", "mapping_22"}) {
    auto expected = ReadExpected(table);
    ASSERT_NE(expected, nullptr);
    for (int c = 0; c < expected->num_columns(); ++c) {
      OpenField of = Open(table, expected->schema()->field(c)->name);
      ASSERT_NE(of.spec.field, nullptr);
      auto inner = of.spec.read_range;
      for (int trial = 0; trial < 9; ++trial) {
        FieldReadSpec spec = of.spec;
        std::mt19937_64 rng(static_cast<uint64_t>(trial * 7919 + c));
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
            bytes.resize(rng() % bytes.size());
          }
          return Buffer::FromString(std::move(bytes));
        };
        auto reader = MakeV21FieldReader(of.metadata, spec);
        ASSERT_TRUE(reader.ok()) << reader.status().ToString();
        auto got = (*reader)->Read(0, of.spec.num_rows);
        if (trial % 3 == 2 && damaged) {
          ASSERT_FALSE(got.ok()) << table << " column " << c;
          EXPECT_NE(got.status().message().find("table '"), std::string::npos);
        } else if (got.ok()) {
          EXPECT_TRUE(arrow::ValidateArray(**got).ok());
        }
      }
    }
  }
}

TEST(V21NestedTest, Shapes) {
  auto ff = arrow::fixed_size_list(arrow::fixed_size_list(arrow::int8(), 2), 3);
  ASSERT_TRUE(v21::IsNestedFsl(*ff));
  auto s = v21::NestedFslShape(*ff);
  ASSERT_TRUE(s.ok());
  // 3 bits + 6 bits of validity, 6 items.
  EXPECT_EQ(s->bits_per_value, (1 + 1 + 6) * 8);
  auto st = arrow::struct_(
      {arrow::MakeField("a", arrow::int16()), arrow::MakeField("b", arrow::float64())});
  auto ps = v21::PackedStructShape(*st);
  ASSERT_TRUE(ps.ok());
  EXPECT_EQ(ps->bits_per_value, 80);
  auto with_string = arrow::struct_({arrow::MakeField("s", arrow::utf8())});
  EXPECT_EQ(v21::PackedStructShape(*with_string).status().code(), StatusCode::kNotImplemented);
  auto with_bool = arrow::struct_({arrow::MakeField("b", arrow::boolean())});
  EXPECT_EQ(v21::PackedStructShape(*with_bool).status().code(), StatusCode::kNotImplemented);
  auto fsl_bool = arrow::fixed_size_list(arrow::fixed_size_list(arrow::boolean(), 2), 2);
  EXPECT_EQ(v21::NestedFslShape(*fsl_bool).status().code(), StatusCode::kNotImplemented);
}

TEST(V21NestedTest, ShortBuffersAreCorrupt) {
  // FixedSizeList(3, validity, FixedSizeList(2, validity, Flat(8))).
  v21::Encoding e;
  e.kind = v21::EncodingKind::kFixedSizeList;
  e.items_per_value = 3;
  e.has_validity = true;
  e.child = std::make_unique<v21::Encoding>();
  e.child->kind = v21::EncodingKind::kFixedSizeList;
  e.child->items_per_value = 2;
  e.child->has_validity = true;
  e.child->child = std::make_unique<v21::Encoding>();
  e.child->child->kind = v21::EncodingKind::kFlat;
  e.child->child->bits = 8;
  v21::ValueBlock out;
  out.Reset(false, 64);
  std::vector<uint8_t> v0(1, 0xFF), v1(2, 0xFF), items(12, 7);
  std::vector<v21::ByteSpan> ok = {{v0.data(), 1}, {v1.data(), 2}, {items.data(), 12}};
  size_t next = 0;
  ASSERT_TRUE(v21::DecodeNestedFslChunk(e, ok, &next, 2, &out).ok());
  EXPECT_EQ(next, 3u);
  EXPECT_EQ(out.num, 2);
  std::vector<v21::ByteSpan> short_items = {{v0.data(), 1}, {v1.data(), 2}, {items.data(), 11}};
  next = 0;
  EXPECT_EQ(v21::DecodeNestedFslChunk(e, short_items, &next, 2, &out).code(), StatusCode::kCorrupt);
  std::vector<v21::ByteSpan> missing = {{v0.data(), 1}};
  next = 0;
  EXPECT_EQ(v21::DecodeNestedFslChunk(e, missing, &next, 2, &out).code(), StatusCode::kCorrupt);
  // Full-zip rows whose size disagrees with the encoding.
  EXPECT_EQ(v21::DecodeNestedFslFullZip(e, items.data(), 1, 7, &out).code(), StatusCode::kCorrupt);
  // A value block of another width.
  v21::ValueBlock narrow;
  narrow.Reset(false, 32);
  next = 0;
  EXPECT_EQ(v21::DecodeNestedFslChunk(e, ok, &next, 2, &narrow).code(), StatusCode::kCorrupt);
}

}  // namespace
}  // namespace lanceflow::lance
