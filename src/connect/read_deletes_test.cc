// read_table_deletes on tables written by the official engine (tests/golden/connect_deletes,
// built by tests/fixtures/make_connect_deletes_golden.py): deletes, updates, merge_insert,
// compaction and re-inserts, from every older version to the latest, against the keys the
// engine itself reports live at each version.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "golden_tables_test_util.h"
#include "lanceflow/connect/lakeflow_connect.h"

namespace lanceflow::connect {
namespace {

using json = nlohmann::json;
constexpr const char* kDir = "tests/golden/connect_deletes";

json Expected() { return testing::LoadGoldenExpected(kDir); }

std::shared_ptr<source::Source> Source() { return testing::OpenGoldenDb(kDir); }

const Options kOptions = {{"ingestion_type", "cdc_with_deletes"},
                          {"primary_keys", "id"},
                          {"cursor_field", "updated_at"}};

struct Deletes {
  std::vector<json> rows;
  std::string end;
};

Deletes ReadDeletes(LakeflowConnect* c, const std::string& table, const std::string& start,
                    const Options& o = kOptions) {
  Deletes out;
  auto r = c->ReadTableDeletes(table, start, o);
  EXPECT_TRUE(r.ok()) << table << ": " << r.status().ToString();
  if (!r.ok()) return out;
  out.end = r->end_offset;
  std::vector<std::string> lines;
  testing::AppendRecordJsonLines(r->records.get(), table, &lines);
  for (const auto& line : lines) out.rows.push_back(json::parse(line));
  return out;
}

TEST(ConnectDeletes, EveryOlderVersionToLatestMatchesTheEngine) {
  const json expected = Expected();
  ASSERT_EQ(expected.size(), 5u);
  int nonempty = 0;
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    const std::string table = it.key();
    const uint64_t latest = it.value()["latest"];
    for (auto v = it.value()["deleted"].begin(); v != it.value()["deleted"].end(); ++v) {
      SCOPED_TRACE(table + " from version " + v.key());
      LakeflowConnect c(Source());
      auto d = ReadDeletes(&c, table, "{\"version\":" + v.key() + "}");
      EXPECT_EQ(d.end, "{\"version\":" + std::to_string(latest) + "}");
      std::vector<json> got;
      for (const auto& r : d.rows) {
        // Records carry the key and the cursor (its value at the old version), nothing else.
        EXPECT_EQ(r.size(), 2u) << r.dump();
        got.push_back(json::array({r["id"], r["updated_at"]}));
      }
      std::sort(got.begin(), got.end());
      EXPECT_EQ(json(got), v.value());
      if (!got.empty()) ++nonempty;
    }
  }
  EXPECT_GE(nonempty, 5);  // the corpus exercises real deletes
}

TEST(ConnectDeletes, UpdatesMergeAndCompactionAloneAreNoDeletes) {
  const json expected = Expected();
  // upd: v1 -> v2 updates; compact: the version before optimize -> latest.
  LakeflowConnect c(Source());
  EXPECT_TRUE(ReadDeletes(&c, "upd", "{\"version\":1}").rows.empty());
  const uint64_t compact_latest = expected["compact"]["latest"];
  ASSERT_GE(compact_latest, 5u);
  EXPECT_TRUE(ReadDeletes(&c, "compact", "{\"version\":4}").rows.empty());
  // Through the compaction, the delete before it is still seen.
  auto d = ReadDeletes(&c, "compact", "{\"version\":3}");
  EXPECT_EQ(d.rows.size(), 5u);
  // Re-inserted id 2 is not a delete; ids 1 and 3 are.
  d = ReadDeletes(&c, "reinsert", "{\"version\":1}");
  std::vector<int64_t> ids;
  for (const auto& r : d.rows) ids.push_back(r["id"]);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 3}));
}

TEST(ConnectDeletes, FirstReadIsFromTheStartAndUnchangedIsEmpty) {
  const json expected = Expected();
  LakeflowConnect c(Source());
  const std::string latest = "{\"version\":" + expected["del"]["latest"].dump() + "}";
  // {} means from the oldest retained version (1 here): the same keys as from {"version":1}.
  auto from_one = ReadDeletes(&c, "del", "{\"version\":1}");
  ASSERT_FALSE(from_one.rows.empty());
  auto ids_of = [](const auto& rows) {
    std::vector<int64_t> ids;
    for (const auto& r : rows) ids.push_back(r["id"]);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  for (const char* start : {"{}", "", "null"}) {
    auto d = ReadDeletes(&c, "del", start);
    EXPECT_EQ(ids_of(d.rows), ids_of(from_one.rows)) << start;
    EXPECT_EQ(d.end, latest);
  }
  auto d = ReadDeletes(&c, "del", latest);
  EXPECT_TRUE(d.rows.empty());
  EXPECT_EQ(d.end, latest);
  // The upsert flow of the same table reads as cdc.
  auto r = c.ReadTable("del", "{}", kOptions);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto m = c.ReadTableMetadata("del", kOptions);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->ToJson(),
            R"({"primary_keys":["id"],"cursor_field":"updated_at","ingestion_type":"cdc_with_deletes"})");
}

TEST(ConnectDeletes, FilterAppliesToTheOldRows) {
  LakeflowConnect c(Source());
  Options o = kOptions;
  o["filter_expression"] = "id < 50";
  auto d = ReadDeletes(&c, "del", "{\"version\":1}", o);
  // v1 holds ids 0..49; every 7th is deleted.
  EXPECT_EQ(d.rows.size(), 8u);
  for (const auto& r : d.rows) EXPECT_EQ(r["id"].get<int64_t>() % 7, 0);
}

TEST(ConnectDeletes, BadOffsetsAndOptionsAreRefused) {
  LakeflowConnect c(Source());
  struct Case {
    std::string start;
    Options o;
    StatusCode code;
    std::string needle;
  };
  Options cdc = kOptions;
  cdc["ingestion_type"] = "cdc";
  std::vector<Case> cases = {
      {"{\"version\":99}", kOptions, StatusCode::kInvalidArgument, "latest version is 3"},
      {"{\"version\":1,\"cursor_field\":\"updated_at\",\"cursor\":5}", kOptions,
       StatusCode::kInvalidArgument, "hold only a version"},
      {"{\"version\":-1}", kOptions, StatusCode::kInvalidArgument, "non-negative integer"},
      {"{\"version\":0}", kOptions, StatusCode::kNotFound, "cannot list the rows deleted"},
      {"{}", cdc, StatusCode::kInvalidArgument, "needs ingestion_type cdc_with_deletes"},
  };
  for (const auto& k : cases) {
    auto r = c.ReadTableDeletes("del", k.start, k.o);
    ASSERT_FALSE(r.ok()) << k.needle;
    EXPECT_EQ(r.status().code(), k.code) << r.status().ToString();
    EXPECT_NE(r.status().message().find(k.needle), std::string::npos)
        << r.status().message() << " / wanted: " << k.needle;
  }
}

TEST(LocalChangeScan, RemovedAndAddedSidesFollowTheFragments) {
  auto src = Source();
  source::ScanOptions o;
  o.columns = {"id", lance::kRowAddrColumn};
  auto count = [&](source::RowChange side, uint64_t from, uint64_t to,
                   const std::string& table = "upd") -> int64_t {
    auto s = src->OpenChangeScan(table, from, to, side, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return -1;
    int64_t n = 0;
    for (;;) {
      auto b = s->reader->Next();
      EXPECT_TRUE(b.ok());
      if (!b.ok() || !*b) break;
      n += (*b)->num_rows();
    }
    return n;
  };
  // The update of 10 rows deletes them in place and writes them into a new fragment.
  EXPECT_EQ(count(source::RowChange::kRemoved, 1, 2), 10);
  EXPECT_EQ(count(source::RowChange::kAdded, 1, 2), 10);
  EXPECT_EQ(count(source::RowChange::kRemoved, 2, 2), 0);
  EXPECT_EQ(count(source::RowChange::kAdded, 2, 2), 0);
  EXPECT_FALSE(src->OpenChangeScan("upd", 2, 1, source::RowChange::kAdded, o).ok());
  // Compaction moves every live row (55 after the delete) into new fragments.
  const uint64_t compact_latest = Expected()["compact"]["latest"];
  EXPECT_EQ(count(source::RowChange::kRemoved, 4, compact_latest, "compact"), 55);
  EXPECT_EQ(count(source::RowChange::kAdded, 4, compact_latest, "compact"), 55);
  // The delete of ids 55..59 changes only the deletion file of the third fragment.
  EXPECT_EQ(count(source::RowChange::kRemoved, 3, 4, "compact"), 5);
  EXPECT_EQ(count(source::RowChange::kAdded, 3, 4, "compact"), 0);
}

}  // namespace
}  // namespace lanceflow::connect
