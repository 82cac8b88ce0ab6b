// Bind errors, LIKE matching and selection helpers of the filter evaluator. Engine agreement is
// checked by filter_golden_test.cc; these cases pin what the golden table cannot show.
#include "lanceflow/expr/evaluate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "evaluate_internal.h"
#include "lanceflow/core/buffer.h"
#include "time_zone.h"

namespace lanceflow::expr {
namespace {

arrow::SchemaPtr TestSchema() {
  using namespace lanceflow::arrow;  // NOLINT
  return std::make_shared<Schema>(std::vector<FieldPtr>{
      MakeField("id", int64()), MakeField("i8", int8()), MakeField("s", utf8()),
      MakeField("b", boolean()), MakeField("f16", float16()), MakeField("bin", binary()),
      MakeField("ts", timestamp(TimeUnit::kMicro, "Mars/Olympus")),
      MakeField("st", struct_({MakeField("x", int32())})),
      MakeField("vec", fixed_size_list(float32(), 2)), MakeField("_rowid", uint64())});
}

std::string BindError(const std::string& filter) {
  auto parsed = ParseFilter(filter);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (!parsed.ok()) return "";
  auto bound = BindFilter(**parsed, *TestSchema());
  if (bound.ok()) return "OK";
  return bound.status().message();
}

TEST(BindFilterTest, Errors) {
  EXPECT_EQ(BindError("nope > 1"), "filter: unknown column 'nope'");
  EXPECT_EQ(BindError("ID > 1"), "filter: unknown column 'ID'");
  EXPECT_EQ(BindError("id.x > 1"), "filter: column 'id.x': 'id' is not a struct");
  EXPECT_EQ(BindError("st.y > 1"), "filter: unknown column 'st.y'");
  EXPECT_EQ(
      BindError("i8 > 300"),
      "filter: cannot compare column 'i8' (int8) with the literal 300: out of range for int8");
  EXPECT_EQ(BindError("id = 1.5"),
            "filter: cannot compare column 'id' (int64) with the literal 1.5");
  EXPECT_EQ(BindError("s > 1"), "filter: cannot compare column 's' (string) with the literal 1");
  EXPECT_EQ(BindError("b = 'true'"),
            "filter: cannot compare column 'b' (bool) with the literal 'true'");
  EXPECT_EQ(BindError("f16 > 1.0"),
            "filter: cannot compare column 'f16' (halffloat) with the literal 1.0");
  EXPECT_EQ(BindError("bin = 'a'"),
            "filter: cannot compare column 'bin' (binary) with the literal 'a'");
  EXPECT_EQ(BindError("s = id"),
            "filter: cannot compare column 's' (string) with column 'id' (int64)");
  EXPECT_EQ(BindError("id"), "filter: column 'id' (int64) is not a boolean condition");
  EXPECT_EQ(BindError("vec IS TRUE"),
            "filter: column 'vec' (fixed_size_list<item: float>[2]) is not a boolean condition");
  EXPECT_EQ(BindError("id LIKE '1%'"), "filter: LIKE needs a string, but column 'id' is int64");
  EXPECT_EQ(BindError("CAST(s AS INT) = 1"),
            "filter: cannot CAST(column 's' AS INT): casting string to INT is not supported");
  EXPECT_EQ(BindError("CAST(1 AS DOUBLE) = 1.0"),
            "filter: CAST of the literal 1 is not supported; write the literal in the target type");
  EXPECT_EQ(BindError("'a' = 1"), "filter: cannot compare 'a' with 1");
  // A zone without tz data cannot place a timestamp literal.
  const std::string tz = BindError("ts > TIMESTAMP '2024-01-01 00:00:00'");
  EXPECT_EQ(tz.rfind("time zone 'Mars/Olympus': no tz data at ", 0), 0u) << tz;
}

TEST(BindFilterTest, AcceptedShapes) {
  for (const char* f : {"vec IS NULL", "st IS NOT NULL", "st.x > 0", "_rowid < 10", "b", "NOT b",
                        "i8 IN (1, NULL)", "id > NULL", "NULL IS NULL", "TRUE",
                        "CAST(i8 AS BIGINT) = 3", "s ILIKE 'x%'", "ts IS NULL"}) {
    EXPECT_EQ(BindError(f), "OK") << f;
  }
}

TEST(BindFilterTest, BatchWithOtherTypesIsRefused) {
  auto parsed = ParseFilter("i8 > 0");
  ASSERT_TRUE(parsed.ok());
  auto bound = BindFilter(**parsed, *TestSchema());
  ASSERT_TRUE(bound.ok());
  EXPECT_EQ((*bound)->referenced_columns(), std::vector<int>{1});
  auto other = std::make_shared<arrow::Schema>(std::vector<arrow::FieldPtr>{
      arrow::MakeField("id", arrow::int64()), arrow::MakeField("i8", arrow::int16())});
  std::vector<int16_t> vals{1, 2};
  auto col = std::make_shared<arrow::ArrayData>();
  col->type = arrow::int16();
  col->length = 2;
  col->buffers = {nullptr, Buffer::CopyOf(vals.data(), 4)};
  auto idcol = std::make_shared<arrow::ArrayData>(*col);
  idcol->type = arrow::int64();
  std::vector<int64_t> ids{0, 1};
  idcol->buffers[1] = Buffer::CopyOf(ids.data(), 16);
  arrow::RecordBatch batch(other, 2, {idcol, col});
  auto sel = (*bound)->Evaluate(batch);
  ASSERT_FALSE(sel.ok());
  EXPECT_NE(sel.status().message().find("does not have the type"), std::string::npos);
}

bool Like(const std::string& pattern, const std::string& value, bool ci = false) {
  return internal::LikeMatcher(pattern, ci).Matches(value);
}

TEST(LikeMatcherTest, Wildcards) {
  EXPECT_TRUE(Like("", ""));
  EXPECT_FALSE(Like("", "a"));
  EXPECT_TRUE(Like("%", ""));
  EXPECT_TRUE(Like("a%c", "abbbc"));
  EXPECT_FALSE(Like("a%c", "abbbcd"));
  EXPECT_TRUE(Like("%a%b%c%", "xxaxxbxxcxx"));
  EXPECT_FALSE(Like("%a%b%c%", "xxcxxbxxa"));
  EXPECT_TRUE(Like("a_c", "aéc"));  // '_' is one character, not one byte
  EXPECT_FALSE(Like("a_c", "aééc"));
  EXPECT_TRUE(Like("_%_", "ab"));
  EXPECT_FALSE(Like("_%_", "a"));
  EXPECT_TRUE(Like("x_y", "x\ny"));
  EXPECT_TRUE(Like("%ab%ab", "abab"));
  EXPECT_TRUE(Like("%aab", "aaab"));  // backtracking after a partial literal match
  EXPECT_TRUE(Like("a\\%", "a%"));
  EXPECT_FALSE(Like("a\\%", "ab"));
  EXPECT_TRUE(Like("a\\_", "a_"));
  EXPECT_TRUE(Like("a\\b", "ab"));  // escape of an ordinary character
  EXPECT_TRUE(Like("a\\\\b", "a\\b"));
}

TEST(LikeMatcherTest, CaseInsensitive) {
  EXPECT_TRUE(Like("abc", "ABC", true));
  EXPECT_TRUE(Like("é%", "ÉTÉ", true));
  EXPECT_TRUE(Like("%Ω", "ω", true));
  EXPECT_TRUE(Like("привет", "ПРИВЕТ", true));
  EXPECT_FALSE(Like("abc", "ABC", false));
}

TEST(TimeZoneTest, NewYorkOffsets) {
  auto tz = internal::TimeZone::Load("America/New_York");
  if (!tz.ok()) GTEST_SKIP() << tz.status().ToString();
  // 2024-01-15 12:00 UTC is EST (-5h); 2024-07-15 12:00 UTC is EDT (-4h).
  EXPECT_EQ((*tz)->OffsetAt(1705320000), -5 * 3600);
  EXPECT_EQ((*tz)->OffsetAt(1721044800), -4 * 3600);
  // Local 2024-07-15 08:00 is 12:00 UTC.
  EXPECT_EQ((*tz)->LocalToUtc(1721030400), 1721044800);
  auto fixed = internal::TimeZone::Load("+05:30");
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ((*fixed)->LocalToUtc(19800), 0);
  EXPECT_FALSE(internal::TimeZone::Load("../etc/passwd").ok());
}

// Fixed offsets in the spellings Arrow accepts (values checked against LanceDB 0.39: a column
// zoned "+0199" reads local midnight as 21:21 UTC; "+2400", "+2", "0200" are refused).
TEST(TimeZoneTest, FixedOffsets) {
  const std::pair<const char*, int32_t> cases[] = {
      {"+02:00", 7200}, {"+0200", 7200}, {"+02", 7200}, {"-05", -18000},  {"-0500", -18000},
      {"+0530", 19800}, {"-00:00", 0},   {"+00", 0},    {"+2359", 86340}, {"-2359", -86340},
      {"+0199", 9540},  {"+0060", 3600}, {"UTC", 0},    {"Etc/UTC", 0},   {"Zulu", 0}};
  for (const auto& [name, offset] : cases) {
    auto tz = internal::TimeZone::Load(name);
    ASSERT_TRUE(tz.ok()) << name << ": " << tz.status().ToString();
    EXPECT_EQ((*tz)->OffsetAt(1700000000), offset) << name;
    EXPECT_EQ((*tz)->LocalToUtc(1700000000), 1700000000 - offset) << name;
  }
  for (const char* bad : {"+2400", "+9999", "+2", "-5", "+00x0", "+02:0", "+02:00:00", "-", ""}) {
    auto tz = internal::TimeZone::Load(bad);
    ASSERT_FALSE(tz.ok()) << bad;
    EXPECT_EQ(tz.status().code(), StatusCode::kInvalidArgument)
        << bad << ": " << tz.status().ToString();
  }
  // Not zone names for Arrow (no such tz file either).
  EXPECT_FALSE(internal::TimeZone::Load("Z").ok());
  EXPECT_FALSE(internal::TimeZone::Load("utc").ok());
}

TEST(SelectionTest, IndicesAndApply) {
  std::vector<uint8_t> bits{0b10100101, 0b1};
  Selection sel(9, Buffer::CopyOf(bits.data(), 2), 5);
  EXPECT_EQ(sel.Indices(), (std::vector<int64_t>{0, 2, 5, 7, 8}));
  EXPECT_TRUE(sel.IsSelected(8));
  EXPECT_FALSE(sel.IsSelected(1));
  EXPECT_FALSE(sel.IsSelected(9));
}

}  // namespace
}  // namespace lanceflow::expr
