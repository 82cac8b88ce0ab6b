// The native scan against what the official engine (lancedb 0.39) reported for the datasets of
// tests/golden/lance: for every version of every table, the live rows (as `_rowaddr`) must be
// exactly the engine's, and full-column scans must return the same number of rows.
#include "lanceflow/lance/local_source.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

namespace lanceflow::lance {
namespace {

const std::string kGolden = "tests/golden/lance";

nlohmann::json LoadJson(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return nlohmann::json::parse(in);
}

Result<std::vector<arrow::RecordBatchPtr>> ReadAll(source::Source& src, const std::string& table,
                                                   const source::ScanOptions& opts) {
  LF_ASSIGN_OR_RETURN(auto scan, src.OpenScan(table, opts));
  std::vector<arrow::RecordBatchPtr> out;
  for (;;) {
    LF_ASSIGN_OR_RETURN(auto batch, scan.reader->Next());
    if (!batch) break;
    out.push_back(batch);
  }
  return out;
}

class LocalScanGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(LocalScanGolden, LiveRowsMatchEngine) {
  const std::string table = GetParam();
  nlohmann::json twin = LoadJson(kGolden + "/" + table + ".json");
  auto src = LocalSource::Open(kGolden + "/db");
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  for (const auto& [version_text, expected] : twin["by_version"].items()) {
    SCOPED_TRACE(table + " version " + version_text);
    source::ScanOptions opts;
    opts.version = std::stoull(version_text);
    opts.columns = {kRowAddrColumn};
    opts.batch_rows = 1000;  // several batches per fragment
    auto batches = ReadAll(**src, table, opts);
    ASSERT_TRUE(batches.ok()) << batches.status().ToString();
    std::map<std::string, std::vector<std::pair<uint64_t, uint64_t>>> runs;
    int64_t total = 0;
    for (const auto& b : *batches) {
      const auto* addrs = b->column(0)->values<uint64_t>();
      for (int64_t i = 0; i < b->num_rows(); ++i) {
        auto& r = runs[std::to_string(addrs[i] >> 32)];
        uint64_t off = addrs[i] & 0xffffffffu;
        if (!r.empty() && r.back().second == off) {
          r.back().second = off + 1;
        } else {
          r.emplace_back(off, off + 1);
        }
      }
      total += b->num_rows();
    }
    std::map<std::string, std::vector<std::pair<uint64_t, uint64_t>>> want;
    int64_t want_total = 0;
    for (const auto& [frag, list] : expected["fragments"].items()) {
      for (const auto& run : list) {
        want[frag].emplace_back(run[0].get<uint64_t>(), run[1].get<uint64_t>());
        want_total += run[1].get<int64_t>() - run[0].get<int64_t>();
      }
    }
    EXPECT_EQ(runs, want);
    EXPECT_EQ(total, want_total);

    // Every column decodes, with the same number of rows; CountRows agrees.
    source::ScanOptions all;
    all.version = opts.version;
    auto full = ReadAll(**src, table, all);
    ASSERT_TRUE(full.ok()) << full.status().ToString();
    int64_t full_rows = 0;
    for (const auto& b : *full) full_rows += b->num_rows();
    EXPECT_EQ(full_rows, want_total);
    auto count = (*src)->CountRows(table, "", opts.version);
    ASSERT_TRUE(count.ok()) << count.status().ToString();
    EXPECT_EQ(*count, want_total);
  }
}

INSTANTIATE_TEST_SUITE_P(Tables, LocalScanGolden,
                         ::testing::Values("big_delete", "format_20", "format_21", "history",
                                           "stable_ids", "v1_names"));

TEST(LocalSource, LimitFilterAndErrors) {
  auto src = LocalSource::Open(kGolden + "/db");
  ASSERT_TRUE(src.ok());
  source::ScanOptions opts;
  opts.columns = {kRowAddrColumn, kRowIdColumn};
  opts.limit = 7;
  opts.batch_rows = 3;
  auto batches = ReadAll(**src, "history", opts);
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  int64_t rows = 0;
  for (const auto& b : *batches) rows += b->num_rows();
  EXPECT_EQ(rows, 7);

  // A filter on a hidden column selects exactly the rows with those addresses.
  source::ScanOptions f;
  f.columns = {kRowAddrColumn};
  f.filter = "_rowaddr < 5";
  auto filtered = ReadAll(**src, "history", f);
  ASSERT_TRUE(filtered.ok()) << filtered.status().ToString();
  for (const auto& b : *filtered) {
    for (int64_t i = 0; i < b->num_rows(); ++i) EXPECT_LT(b->column(0)->values<uint64_t>()[i], 5u);
  }

  source::ScanOptions bad;
  bad.columns = {"no_such_column"};
  auto r = (*src)->OpenScan("history", bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("no_such_column"), std::string::npos);
  EXPECT_EQ((*src)->OpenScan("missing_table", {}).status().code(), StatusCode::kNotFound);
  source::ScanOptions old;
  old.version = 999;
  EXPECT_EQ((*src)->OpenScan("history", old).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(LocalSource::Open(kGolden + "/no-such-dir").ok());
}

// Fragment-restricted scans partition a version: each fragment's scan returns exactly its live
// rows (by address), and the fragments together return every row once.
TEST(LocalSource, FragmentScansPartitionEveryVersion) {
  auto src = LocalSource::Open(kGolden + "/db");
  ASSERT_TRUE(src.ok());
  int multi = 0;
  for (const std::string table : {"big_delete", "history", "stable_ids", "format_20"}) {
    auto versions = (*src)->ListVersions(table);
    ASSERT_TRUE(versions.ok()) << versions.status().ToString();
    for (const auto& v : *versions) {
      SCOPED_TRACE(table + " version " + std::to_string(v.version));
      auto fragments = (*src)->ListFragments(table, v.version);
      ASSERT_TRUE(fragments.ok()) << fragments.status().ToString();
      if (fragments->size() > 1) ++multi;
      source::ScanOptions all;
      all.version = v.version;
      all.columns = {kRowAddrColumn};
      auto whole = ReadAll(**src, table, all);
      ASSERT_TRUE(whole.ok());
      std::multiset<uint64_t> expected, got;
      for (const auto& b : *whole) {
        const uint64_t* addrs = b->column(0)->values<uint64_t>();
        for (int64_t i = 0; i < b->num_rows(); ++i) expected.insert(addrs[i]);
      }
      for (const auto& f : *fragments) {
        source::ScanOptions one = all;
        one.fragment_ids = {f.id};
        one.batch_rows = 100;
        auto part = ReadAll(**src, table, one);
        ASSERT_TRUE(part.ok()) << part.status().ToString();
        int64_t n = 0;
        for (const auto& b : *part) {
          for (int64_t i = 0; i < b->num_rows(); ++i) {
            const uint64_t addr = b->column(0)->values<uint64_t>()[i];
            EXPECT_EQ(addr >> 32, f.id);
            got.insert(addr);
            ++n;
          }
        }
        if (f.physical_rows > 0 && (f.deleted_rows > 0 || n == f.physical_rows)) {
          EXPECT_EQ(n, f.physical_rows - f.deleted_rows) << "fragment " << f.id;
        }
      }
      EXPECT_EQ(got, expected);
    }
  }
  EXPECT_GT(multi, 0);
  source::ScanOptions unknown;
  unknown.fragment_ids = {123456789};
  auto r = (*src)->OpenScan("history", unknown);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("123456789"), std::string::npos);
  source::ScanOptions skip;
  skip.offset = 3;
  EXPECT_EQ((*src)->OpenScan("history", skip).status().code(), StatusCode::kNotImplemented);
  EXPECT_EQ((*src)->ListFragments("history", 999).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace lanceflow::lance
