#include "lanceflow/delta/file_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace lanceflow::delta {
namespace {

using json = nlohmann::json;

TEST(DeltaFileStats, ToJsonNestsLikeTheSchema) {
  FileStats s;
  s.num_records = 3;
  s.columns.push_back({{"id"}, StatValue(int64_t{1}), StatValue(int64_t{3}), 0});
  s.columns.push_back({{"text"}, StatValue(std::string("a")), StatValue(std::string("c")), 1});
  s.columns.push_back({{"meta", "score"}, StatValue(0.5), StatValue(2.25), 0});
  s.columns.push_back({{"vec"}, std::nullopt, std::nullopt, 0});
  auto text = s.ToJson();
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(json::parse(*text), json::parse(R"({"numRecords":3,
      "minValues":{"id":1,"text":"a","meta":{"score":0.5}},
      "maxValues":{"id":3,"text":"c","meta":{"score":2.25}},
      "nullCount":{"id":0,"text":1,"meta":{"score":0},"vec":0}})"));
  auto back = ParseFileStats(*text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->num_records, 3);
  ASSERT_NE(back->Find({"meta", "score"}), nullptr);
  EXPECT_EQ(*back->Find({"meta", "score"}), s.columns[2]);
  EXPECT_EQ(*back->Find({"vec"}), s.columns[3]);
}

TEST(DeltaFileStats, ExtremesStayExactAndNonFiniteIsDropped) {
  FileStats s;
  s.num_records = 2;
  s.columns.push_back({{"i"},
                       StatValue(std::numeric_limits<int64_t>::min()),
                       StatValue(std::numeric_limits<int64_t>::max()),
                       0});
  s.columns.push_back(
      {{"f"}, StatValue(-std::numeric_limits<double>::infinity()), StatValue(1.0), 0});
  auto back = ParseFileStats(*s.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<int64_t>(*back->Find({"i"})->min), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(std::get<int64_t>(*back->Find({"i"})->max), std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(back->Find({"f"})->min.has_value());
  EXPECT_FALSE(back->Find({"f"})->max.has_value());
  EXPECT_EQ(back->Find({"f"})->null_count, 0);
}

TEST(DeltaFileStats, ToJsonRefusesInconsistentColumns) {
  FileStats s;
  s.num_records = 1;
  s.columns.push_back({{"a"}, StatValue(int64_t{1}), StatValue(int64_t{1}), 0});
  s.columns.push_back({{"a"}, StatValue(int64_t{1}), StatValue(int64_t{1}), 0});
  EXPECT_EQ(s.ToJson().status().code(), StatusCode::kInvalidArgument);
  s.columns.pop_back();
  s.columns.push_back({{"a", "b"}, StatValue(int64_t{1}), StatValue(int64_t{1}), 0});
  EXPECT_EQ(s.ToJson().status().code(), StatusCode::kInvalidArgument);
  s.columns.pop_back();
  s.num_records = -1;
  EXPECT_EQ(s.ToJson().status().code(), StatusCode::kInvalidArgument);
}

TEST(DeltaFileStats, ParseRefusesMalformed) {
  EXPECT_EQ(ParseFileStats("{").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(ParseFileStats("[]").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(ParseFileStats(R"({"numRecords":-1})").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(ParseFileStats(R"({"numRecords":"1"})").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(ParseFileStats(R"({"minValues":[1]})").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(ParseFileStats(R"({"nullCount":{"a":-2}})").status().code(), StatusCode::kCorrupt);
  // Missing parts are unknown, not errors.
  auto s = ParseFileStats(R"({"numRecords":5})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->num_records, 5);
  EXPECT_TRUE(s->columns.empty());
}

TEST(DeltaFileStats, TimestampParsing) {
  EXPECT_EQ(*ParseStatsTimestampMicros("1970-01-01T00:00:00.000Z"), 0);
  EXPECT_EQ(*ParseStatsTimestampMicros("2024-01-01T00:00:00.123Z"), 1704067200123000);
  EXPECT_EQ(*ParseStatsTimestampMicros("2024-01-01T00:00:00.123456Z"), 1704067200123456);
  EXPECT_EQ(*ParseStatsTimestampMicros("2024-01-01T01:00:00+01:00"), 1704067200000000);
  EXPECT_EQ(*ParseStatsTimestampMicros("1969-12-31T23:59:59.999Z"), -1000);
  EXPECT_EQ(*ParseStatsTimestampMicros("2024-02-29T12:00:00"), 1709208000000000);
  for (const char* bad : {"", "2024-01-01", "2024-13-01T00:00:00Z", "2024-01-01T00:00:00.Z",
                          "2024-01-01T00:00:00Q", "2024-01-01T00:00:00.1234567890Z"}) {
    EXPECT_FALSE(ParseStatsTimestampMicros(bad).ok()) << bad;
  }
}

AddFile FileWithStats(const std::string& path, const std::string& stats) {
  AddFile f;
  f.path = path;
  f.size = 1;
  if (!stats.empty()) f.stats = stats;
  return f;
}

std::vector<size_t> Pick(const std::vector<AddFile>& files, const std::vector<KeyColumn>& cols,
                         const std::vector<KeyTuple>& keys) {
  auto r = FilesThatMayHoldKeys(files, cols, keys);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<size_t>{};
}

KeyTuple K(int64_t v) { return {StatValue(v)}; }

TEST(DeltaKeyPruning, IntegerRanges) {
  std::vector<AddFile> files = {
      FileWithStats(
          "a",
          R"({"numRecords":10,"minValues":{"id":0},"maxValues":{"id":9},"nullCount":{"id":0}})"),
      FileWithStats(
          "b",
          R"({"numRecords":10,"minValues":{"id":10},"maxValues":{"id":19},"nullCount":{"id":0}})"),
      FileWithStats("c", ""),  // no stats: always a candidate
      FileWithStats("d", R"({"numRecords":4,"nullCount":{"id":0}})"),  // no bounds
      FileWithStats("e", R"({"numRecords":0,"minValues":{},"maxValues":{},"nullCount":{}})"),
  };
  std::vector<KeyColumn> cols = {{{"id"}, KeyKind::kNumber}};
  EXPECT_EQ(Pick(files, cols, {K(5)}), (std::vector<size_t>{0, 2, 3}));
  EXPECT_EQ(Pick(files, cols, {K(10)}), (std::vector<size_t>{1, 2, 3}));
  EXPECT_EQ(Pick(files, cols, {K(9), K(19)}), (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(Pick(files, cols, {K(-1), K(20)}), (std::vector<size_t>{2, 3}));
  EXPECT_EQ(Pick(files, cols, {}), (std::vector<size_t>{}));
  // A double key compares numerically with integer bounds.
  EXPECT_EQ(Pick(files, cols, {{StatValue(9.5)}}), (std::vector<size_t>{2, 3}));
  // Null keys match only files that have nulls (or unknown null counts).
  EXPECT_EQ(Pick(files, cols, {{std::nullopt}}), (std::vector<size_t>{2}));
  // A key of the wrong kind cannot be ruled out anywhere.
  EXPECT_EQ(Pick(files, cols, {{StatValue(std::string("5"))}}), (std::vector<size_t>{0, 1, 2, 3}));
}

TEST(DeltaKeyPruning, ExhaustiveAgainstBruteForce) {
  // Files with random ranges, keys drawn from a range: the result must equal the brute-force
  // answer computed here from the ranges directly.
  std::vector<std::pair<int64_t, int64_t>> ranges;
  std::vector<AddFile> files;
  uint64_t seed = 12345;
  auto rnd = [&](int64_t mod) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>((seed >> 33) % static_cast<uint64_t>(mod));
  };
  for (int i = 0; i < 50; ++i) {
    int64_t lo = rnd(1000) - 500;
    int64_t hi = lo + rnd(60);
    ranges.emplace_back(lo, hi);
    files.push_back(
        FileWithStats(std::to_string(i), R"({"numRecords":1,"minValues":{"k":)" +
                                             std::to_string(lo) + R"(},"maxValues":{"k":)" +
                                             std::to_string(hi) + R"(},"nullCount":{"k":0}})"));
  }
  for (int round = 0; round < 20; ++round) {
    std::vector<KeyTuple> keys;
    std::vector<int64_t> raw;
    for (int k = 0; k < 1 + rnd(30); ++k) {
      raw.push_back(rnd(1200) - 600);
      keys.push_back(K(raw.back()));
    }
    std::vector<size_t> expect;
    for (size_t f = 0; f < ranges.size(); ++f) {
      for (int64_t v : raw) {
        if (v >= ranges[f].first && v <= ranges[f].second) {
          expect.push_back(f);
          break;
        }
      }
    }
    EXPECT_EQ(Pick(files, {{{"k"}, KeyKind::kNumber}}, keys), expect);
  }
}

TEST(DeltaKeyPruning, StringsCompositeAndNested) {
  std::vector<AddFile> files = {
      FileWithStats("a", R"({"numRecords":2,"minValues":{"s":{"name":"apple"},"n":1},
          "maxValues":{"s":{"name":"banana"},"n":5},"nullCount":{"s":{"name":0},"n":0}})"),
      FileWithStats("b", R"({"numRecords":2,"minValues":{"s":{"name":"cherry"},"n":1},
          "maxValues":{"s":{"name":"\u00e9clair"},"n":2},"nullCount":{"s":{"name":1},"n":0}})"),
  };
  std::vector<KeyColumn> cols = {{{"s", "name"}, KeyKind::kString}, {{"n"}, KeyKind::kNumber}};
  auto key = [](std::optional<std::string> s, int64_t n) {
    return KeyTuple{s ? std::optional<StatValue>(StatValue(*s)) : std::nullopt, StatValue(n)};
  };
  EXPECT_EQ(Pick(files, cols, {key("avocado", 3)}), (std::vector<size_t>{0}));
  EXPECT_EQ(Pick(files, cols, {key("avocado", 9)}), (std::vector<size_t>{}));
  // Bytes compare unsigned: "\xc3\xa9" (é) sorts after ASCII letters.
  EXPECT_EQ(Pick(files, cols, {key("zebra", 2)}), (std::vector<size_t>{1}));
  EXPECT_EQ(Pick(files, cols, {key(std::nullopt, 2)}), (std::vector<size_t>{1}));
  EXPECT_FALSE(FilesThatMayHoldKeys(files, cols, {K(1)}).ok());  // wrong arity
  files.push_back(FileWithStats("c", "{broken"));
  auto r = FilesThatMayHoldKeys(files, cols, {key("x", 1)});
  EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(r.status().message().find("file 'c'"), std::string::npos);
}

TEST(DeltaKeyPruning, TimestampsWidenTheMillisecondMax) {
  std::vector<AddFile> files = {
      FileWithStats("a", R"({"numRecords":2,"minValues":{"t":"2024-01-01T00:00:00.000Z"},
               "maxValues":{"t":"2024-01-01T00:00:01.500Z"},"nullCount":{"t":0}})")};
  std::vector<KeyColumn> cols = {{{"t"}, KeyKind::kTimestamp}};
  const int64_t base = 1704067200000000;
  EXPECT_EQ(Pick(files, cols, {K(base + 1500999)}), (std::vector<size_t>{0}));
  EXPECT_EQ(Pick(files, cols, {K(base + 1501000)}), (std::vector<size_t>{}));
  EXPECT_EQ(Pick(files, cols, {K(base - 1)}), (std::vector<size_t>{}));
  EXPECT_EQ(Pick(files, cols, {K(base)}), (std::vector<size_t>{0}));
}

}  // namespace
}  // namespace lanceflow::delta
