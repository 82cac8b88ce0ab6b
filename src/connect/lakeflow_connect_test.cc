// LakeflowConnect over the in-memory source: options, metadata, schema, snapshot and incremental
// reads for every cursor type, equal-cursor runs larger than a batch, offsets, caps, lookback.
// Rows are compared through their JSON lines (arrow/json_writer.h), not through connect code.
#include "lanceflow/connect/lakeflow_connect.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "golden_tables_test_util.h"
#include "lanceflow/arrow/json_writer.h"
#include "memory_source_test_util.h"

namespace lanceflow::connect {
namespace {

namespace a = lanceflow::arrow;
using testing::Cell;
using testing::MemorySource;
using testing::Row;
using json = nlohmann::json;

struct Call {
  std::vector<json> rows;
  std::string start;
  std::string end;
  std::vector<int64_t> batch_rows;
};

// Contract O1: an offset is a JSON object whose values are primitives (string, integer, bool,
// null): no list, no object, no float.
void ExpectFlatOffset(const std::string& text) {
  auto j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(j.is_object()) << "offset is not a JSON object: " << text;
  for (auto it = j.begin(); it != j.end(); ++it) {
    EXPECT_TRUE(it->is_string() || it->is_number_integer() || it->is_boolean() || it->is_null())
        << "offset member \"" << it.key() << "\" is not a primitive: " << text;
  }
}

Result<Call> ReadOnce(LakeflowConnect* c, const std::string& table, const std::string& start,
                      const Options& opts) {
  LF_ASSIGN_OR_RETURN(auto r, c->ReadTable(table, start, opts));
  ExpectFlatOffset(r.end_offset);
  Call call;
  call.start = start;
  call.end = r.end_offset;
  while (true) {
    LF_ASSIGN_OR_RETURN(auto b, r.records->Next());
    if (!b) break;
    call.batch_rows.push_back(b->num_rows());
    std::string lines;
    LF_RETURN_NOT_OK(a::AppendJsonLines(*b, &lines));
    size_t p = 0;
    while (p < lines.size()) {
      size_t nl = lines.find('\n', p);
      call.rows.push_back(json::parse(lines.substr(p, nl - p)));
      p = nl + 1;
    }
  }
  return call;
}

// Feeds offsets back until two consecutive offsets are equal (at most `max_calls`).
std::vector<Call> Drain(LakeflowConnect* c, const std::string& table, const Options& opts,
                        std::string offset = "{}", int max_calls = 1000) {
  std::vector<Call> calls;
  for (int i = 0; i < max_calls; ++i) {
    auto call = ReadOnce(c, table, offset, opts);
    EXPECT_TRUE(call.ok()) << call.status().ToString();
    if (!call.ok()) break;
    calls.push_back(*call);
    if (call->end == offset) return calls;
    EXPECT_FALSE(call->rows.empty() && offset != "{}") << "offset moved without rows";
    offset = call->end;
  }
  ADD_FAILURE() << "no convergence";
  return calls;
}

std::vector<json> AllRows(const std::vector<Call>& calls) {
  std::vector<json> out;
  for (const auto& c : calls) out.insert(out.end(), c.rows.begin(), c.rows.end());
  return out;
}

a::SchemaPtr EventSchema(a::DataTypePtr cursor_type) {
  return std::make_shared<a::Schema>(std::vector<a::FieldPtr>{
      a::MakeField("id", a::int64(), false), a::MakeField("ts", std::move(cursor_type)),
      a::MakeField("note", a::utf8())});
}

std::shared_ptr<MemorySource> NewSource() { return std::make_shared<MemorySource>(); }

// ---------------------------------------------------------------------------------------------

TEST(ConnectOptions, ValidationErrorsAreOneLineAndNameTheOption) {
  auto src = NewSource();
  src->Commit("t", EventSchema(a::int64()), {{int64_t{1}, int64_t{1}, std::string("x")}});
  LakeflowConnect c(src);
  struct Case {
    Options o;
    std::string needle;
  };
  std::vector<Case> cases = {
      {{{"batch_size", "0"}}, "option batch_size: must be an integer in 1..10000, got '0'"},
      {{{"batch_size", "10001"}}, "option batch_size"},
      {{{"batch_size", "12abc"}}, "option batch_size"},
      {{{"max_records_per_batch", "-1"}}, "option max_records_per_batch"},
      {{{"ingestion_type", "stream"}},
       "option ingestion_type: must be snapshot, cdc, cdc_with_deletes or append"},
      {{{"ingestion_type", "cdc_with_deletes"}, {"cursor_field", "ts"}},
       "cdc_with_deletes ingestion needs option primary_keys"},
      {{{"ingestion_type", "cdc_with_deletes"}, {"cursor_field", "ts"}, {"primary_keys", "id"}},
       "cdc_with_deletes is not supported by this source"},
      {{{"primary_keys", "[1]"}}, "option primary_keys: every item"},
      {{{"primary_keys", "[\"id\""}}, "option primary_keys: not a JSON list"},
      {{{"primary_keys", "a b"}}, "option primary_keys: column path"},
      {{{"primary_keys", "nope"}}, "primary key 'nope' is not a column"},
      {{{"cursor_field", "missing"}}, "cursor_field 'missing' is not a column"},
      {{{"cursor_field", "note.x"}}, "must be a top-level column"},
      {{{"filter_expression", "id = 1; DROP"}}, "option filter_expression: filter:"},
      {{{"filter_expression", "zz > 1"}}, "filter_expression reads unknown column 'zz'"},
      {{{"columns", "id,,ts"}}, "option columns: empty name"},
      {{{"columns", "[\"id\",\"id\"]"}}, "listed twice"},
      {{{"ingestion_type", "append"}}, "append ingestion needs option cursor_field"},
      {{{"cursor_field", "ts"}, {"columns", "id"}}, "columns must include cursor_field 'ts'"},
      {{{"cursor_field", "ts"}, {"lookback_seconds", "10"}}, "lookback_seconds needs a timestamp"},
      {{{"cursor_field", "ts"}, {"ingestion_type", "append"}, {"lookback", "3"}},
       "only cdc tables may look back"},
      {{{"uint64_as_decimal", "maybe"}}, "option uint64_as_decimal"},
  };
  for (const auto& k : cases) {
    auto m = c.ReadTableMetadata("t", k.o);
    auto r = c.ReadTable("t", "{}", k.o);
    ASSERT_FALSE(r.ok()) << k.needle;
    EXPECT_NE(r.status().message().find(k.needle), std::string::npos)
        << r.status().message() << " / wanted: " << k.needle;
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
    EXPECT_FALSE(m.ok()) << k.needle;
  }
  // Unknown options (framework keys, secrets) are ignored.
  Options ok = {{"tableName", "t"}, {"api_key", "sk-secret"}, {"databricks.connection", "x"},
                {"batch_size", " 10 "}, {"columns", "[\"note\",\"id\"]"}};
  auto schema = c.GetTableSchema("t", ok);
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  auto j = json::parse(*schema);
  ASSERT_EQ(j["fields"].size(), 2u);
  EXPECT_EQ(j["fields"][0]["name"], "note");
  EXPECT_EQ(j["fields"][1]["name"], "id");
}

TEST(ConnectMetadata, DefaultsAndDeterminism) {
  auto src = NewSource();
  src->Commit("t", EventSchema(a::int64()), {{int64_t{1}, int64_t{1}, std::string("x")}});
  LakeflowConnect c(src);
  auto m1 = c.ReadTableMetadata("t", {{"primary_keys", "id"}});
  ASSERT_TRUE(m1.ok());
  EXPECT_EQ(m1->ToJson(), R"({"primary_keys":["id"],"cursor_field":null,"ingestion_type":"snapshot"})");
  auto m2 = c.ReadTableMetadata("t", {{"primary_keys", "[\"id\"]"}, {"cursor_field", "ts"}});
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(m2->ingestion_type, IngestionType::kCdc);
  EXPECT_EQ(*m2, *c.ReadTableMetadata("t", {{"primary_keys", "id"}, {"cursor_field", "ts"}}));
  auto m3 = c.ReadTableMetadata("t", {{"cursor_field", "ts"}, {"ingestion_type", "APPEND"}});
  ASSERT_TRUE(m3.ok());
  EXPECT_EQ(m3->ToJson(), R"({"primary_keys":[],"cursor_field":"ts","ingestion_type":"append"})");

  const std::string bad = "__nonexistent_table_$$_9z9z9z__";
  EXPECT_FALSE(c.GetTableSchema(bad, {}).ok());
  EXPECT_FALSE(c.ReadTableMetadata(bad, {}).ok());
  EXPECT_FALSE(c.ReadTable(bad, "{}", {}).ok());
  EXPECT_FALSE(c.ReadTableDeletes(bad, "{}", {}).ok());
  auto del = c.ReadTableDeletes("t", "{}", {});
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(del.status().message().find("needs ingestion_type cdc_with_deletes"),
            std::string::npos)
      << del.status().ToString();
  // A source without physical row places cannot list deletes.
  del = c.ReadTableDeletes("t", "{}", {{"ingestion_type", "cdc_with_deletes"},
                                       {"cursor_field", "ts"}, {"primary_keys", "id"}});
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.status().code(), StatusCode::kNotImplemented) << del.status().ToString();
}

TEST(ConnectSchema, UInt64BeyondLongFailsNamingTableColumnValue) {
  auto src = NewSource();
  auto schema = std::make_shared<a::Schema>(std::vector<a::FieldPtr>{
      a::MakeField("id", a::int64(), false), a::MakeField("big", a::uint64())});
  src->Commit("u", schema,
              {{int64_t{1}, uint64_t{5}}, {int64_t{2}, std::monostate{}},
               {int64_t{3}, uint64_t{18446744073709551615ull}}});
  LakeflowConnect c(src);
  auto s = c.GetTableSchema("u", {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(json::parse(*s)["fields"][1]["type"], "long");
  auto r = ReadOnce(&c, "u", "{}", {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("table 'u' column 'big': value 18446744073709551615 does "
                                      "not fit a Spark long"),
            std::string::npos)
      << r.status().message();
  Options dec = {{"uint64_as_decimal", "true"}};
  EXPECT_EQ(json::parse(*c.GetTableSchema("u", dec))["fields"][1]["type"], "decimal(20,0)");
  auto ok = ReadOnce(&c, "u", "{}", dec);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_EQ(ok->rows.size(), 3u);
  EXPECT_EQ(ok->rows[2]["big"].get<uint64_t>(), 18446744073709551615ull);
}

TEST(ConnectSnapshot, PinnedVersionBoundedBatchesAndVersionOffset) {
  auto src = NewSource();
  std::vector<Row> rows;
  for (int64_t i = 0; i < 95; ++i) rows.push_back({i, i % 7, std::string("n") + std::to_string(i)});
  src->Commit("s", EventSchema(a::int64()), rows, /*storage_batch=*/40);
  LakeflowConnect c(src);
  Options o = {{"primary_keys", "id"}, {"batch_size", "16"}, {"filter_expression", "id >= 5"}};
  // A writer commits after the instance pinned the table: the read stays on version 1.
  ASSERT_TRUE(c.PinnedVersion("s").ok());
  src->Commit("s", EventSchema(a::int64()), {{int64_t{1000}, int64_t{0}, std::string("late")}});
  auto r = ReadOnce(&c, "s", "", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->end, R"({"version":1})");
  ASSERT_EQ(r->rows.size(), 90u);
  for (int64_t n : r->batch_rows) EXPECT_LE(n, 16);
  std::set<int64_t> ids;
  for (const auto& row : r->rows) ids.insert(row["id"].get<int64_t>());
  EXPECT_EQ(ids.size(), 90u);
  EXPECT_EQ(*ids.begin(), 5);
  EXPECT_EQ(*ids.rbegin(), 94);
  // Same version again: nothing, offset unchanged. A fresh instance sees version 2.
  auto again = ReadOnce(&c, "s", r->end, o);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->rows.empty());
  EXPECT_EQ(again->end, r->end);
  LakeflowConnect fresh(src);
  auto v2 = ReadOnce(&fresh, "s", r->end, o);
  ASSERT_TRUE(v2.ok());
  ASSERT_EQ(v2->rows.size(), 1u);
  EXPECT_EQ(v2->rows[0]["id"], 1000);
  EXPECT_EQ(v2->end, R"({"version":2})");
  auto bad = ReadOnce(&fresh, "s", R"({"cursor_field":"ts","cursor":1,"version":1})", o);
  ASSERT_FALSE(bad.ok());
}

// Rows: id, cursor; clusters of `cluster` rows share a cursor. Storage order shuffled.
std::vector<Row> ClusteredRows(int64_t n, int64_t cluster, uint32_t seed) {
  std::vector<Row> rows;
  for (int64_t i = 0; i < n; ++i) rows.push_back({i, int64_t{100 + i / cluster}, std::string("r")});
  std::mt19937 rng(seed);
  std::shuffle(rows.begin(), rows.end(), rng);
  return rows;
}

TEST(ConnectAppend, RunsLargerThanABatchAreNeverSplitAndNothingIsLostOrDuplicated) {
  auto src = NewSource();
  // 3 rows at cursor 100..., then a run of 1500 at one cursor, then more.
  std::vector<Row> rows;
  int64_t id = 0;
  for (int k = 0; k < 3; ++k) rows.push_back({id++, int64_t{1}, std::string("a")});
  for (int k = 0; k < 1500; ++k) rows.push_back({id++, int64_t{2}, std::string("b")});
  for (int k = 0; k < 40; ++k) rows.push_back({id++, int64_t{3 + k / 4}, std::string("c")});
  std::shuffle(rows.begin(), rows.end(), std::mt19937(7));
  src->Commit("ev", EventSchema(a::int64()), rows, 64);
  LakeflowConnect c(src);
  Options o = {{"ingestion_type", "append"}, {"cursor_field", "ts"},
               {"max_records_per_batch", "10"}, {"batch_size", "100"}};
  auto calls = Drain(&c, "ev", o);
  auto all = AllRows(calls);
  ASSERT_EQ(all.size(), rows.size());
  std::set<int64_t> ids;
  for (const auto& r : all) ids.insert(r["id"].get<int64_t>());
  EXPECT_EQ(ids.size(), rows.size());
  // Ascending cursors; each call ends at the end of a run; the big run came in one call whose
  // batches stayed within batch_size.
  int64_t prev = INT64_MIN;
  for (const auto& r : all) {
    EXPECT_GE(r["ts"].get<int64_t>(), prev);
    prev = r["ts"].get<int64_t>();
  }
  for (size_t i = 0; i + 1 < calls.size(); ++i) {
    if (calls[i].rows.empty()) continue;
    const int64_t last = calls[i].rows.back()["ts"];
    for (size_t j = i + 1; j < calls.size(); ++j) {
      for (const auto& r : calls[j].rows) EXPECT_NE(r["ts"].get<int64_t>(), last);
    }
  }
  EXPECT_EQ(calls[0].rows.size(), 3u + 1500u);
  for (int64_t n : calls[0].batch_rows) EXPECT_LE(n, 100);
  EXPECT_EQ(calls[0].end, R"({"cursor_field":"ts","cursor":2,"version":1})");
  // After the run, batches are whole runs of 4 up to >= 10 rows: 12.
  EXPECT_EQ(calls[1].rows.size(), 12u);
  // The last call is empty and repeats its start offset exactly.
  EXPECT_TRUE(calls.back().rows.empty());
  EXPECT_EQ(calls.back().end, calls.back().start);
}

TEST(ConnectCdc, TieBreakCutsInsideRunsExactly) {
  auto src = NewSource();
  auto rows = ClusteredRows(257, 25, 3);
  src->Commit("cd", EventSchema(a::int64()), rows, 13);
  LakeflowConnect c(src);
  Options o = {{"cursor_field", "ts"}, {"primary_keys", "id"}, {"max_records_per_batch", "10"},
               {"batch_size", "4"}};
  auto calls = Drain(&c, "cd", o);
  auto all = AllRows(calls);
  ASSERT_EQ(all.size(), 257u);
  for (size_t i = 0; i + 1 < calls.size(); ++i) {
    EXPECT_EQ(calls[i].rows.size(), i + 2 < calls.size() ? 10u : 7u);
    for (int64_t n : calls[i].batch_rows) EXPECT_LE(n, 4);
  }
  for (size_t i = 1; i < all.size(); ++i) {
    auto key = [](const json& r) { return std::make_pair(r["ts"].get<int64_t>(), r["id"].get<int64_t>()); };
    EXPECT_LT(key(all[i - 1]), key(all[i]));
  }
  EXPECT_EQ(calls[0].end, R"({"cursor_field":"ts","cursor":100,"key":"[9]","version":1})");
}

// CountPending bounds what the remaining calls return: at least every row still to come, at
// most that plus the rows sharing the start offset's cursor.
TEST(ConnectCountPending, BoundsTheRowsStillToComeAtEveryOffset) {
  auto src = NewSource();
  auto rows = ClusteredRows(257, 25, 3);
  src->Commit("cd", EventSchema(a::int64()), rows, 13);
  std::map<int64_t, int64_t> per_cursor;
  for (const auto& r : rows) ++per_cursor[std::get<int64_t>(r[1])];
  for (const char* mode : {"cdc", "append"}) {
    SCOPED_TRACE(mode);
    LakeflowConnect c(src);
    Options o = {{"ingestion_type", mode}, {"cursor_field", "ts"}, {"primary_keys", "id"},
                 {"max_records_per_batch", "10"}, {"batch_size", "4"}};
    auto calls = Drain(&c, "cd", o);
    ASSERT_GT(calls.size(), 3u);
    int64_t remaining = 0;
    for (const auto& call : calls) remaining += static_cast<int64_t>(call.rows.size());
    EXPECT_EQ(remaining, 257);
    for (const auto& call : calls) {
      auto pending = c.CountPending("cd", call.start, o);
      ASSERT_TRUE(pending.ok()) << pending.status().ToString();
      int64_t slack = 0;
      auto start = json::parse(call.start);
      if (start.contains("cursor")) slack = per_cursor[start["cursor"].get<int64_t>()];
      EXPECT_GE(*pending, remaining) << call.start;
      EXPECT_LE(*pending, remaining + slack) << call.start;
      remaining -= static_cast<int64_t>(call.rows.size());
    }
    auto end = json::parse(calls.back().end);
    EXPECT_LE(*c.CountPending("cd", calls.back().end, o),
              per_cursor[end["cursor"].get<int64_t>()]);
  }
  LakeflowConnect snap(src);
  Options so = {{"ingestion_type", "snapshot"}, {"primary_keys", "id"},
                {"filter_expression", "id < 100"}};
  EXPECT_EQ(*snap.CountPending("cd", "{}", so), 100);
  EXPECT_EQ(*snap.CountPending("cd", R"({"version":1})", so), 0);
  EXPECT_FALSE(snap.CountPending("nope", "{}", so).ok());
}

TEST(ConnectCdc, ResumeAfterUpdatesYieldsLatestVersionOfEveryKey) {
  auto src = NewSource();
  auto schema = EventSchema(a::int64());
  std::vector<Row> v1;
  for (int64_t i = 0; i < 30; ++i) v1.push_back({i, int64_t{10}, std::string("v1")});
  src->Commit("cd", schema, v1);
  Options o = {{"cursor_field", "ts"}, {"primary_keys", "id"}, {"max_records_per_batch", "7"}};
  std::map<int64_t, json> target;
  auto apply = [&](const std::vector<Call>& calls) {
    for (const auto& r : AllRows(calls)) target[r["id"]] = r;
  };
  std::string offset = "{}";
  {
    LakeflowConnect c(src);
    auto calls = Drain(&c, "cd", o, offset);
    apply(calls);
    offset = calls.back().end;
  }
  // Updates with newer cursors (some ids), inserts, one equal-cursor run of 20.
  std::vector<Row> v2 = v1;
  for (int64_t i = 0; i < 30; i += 3) v2[static_cast<size_t>(i)] = {i, int64_t{11}, std::string("v2")};
  for (int64_t i = 30; i < 50; ++i) v2.push_back({i, int64_t{12}, std::string("v2")});
  std::shuffle(v2.begin(), v2.end(), std::mt19937(1));
  src->Commit("cd", schema, v2);
  {
    LakeflowConnect c(src);
    auto calls = Drain(&c, "cd", o, offset);
    EXPECT_EQ(AllRows(calls).size(), 10u + 20u);
    apply(calls);
  }
  ASSERT_EQ(target.size(), 50u);
  for (const auto& row : v2) {
    const int64_t id = std::get<int64_t>(row[0]);
    EXPECT_EQ(target[id]["ts"].get<int64_t>(), std::get<int64_t>(row[1])) << id;
    EXPECT_EQ(target[id]["note"].get<std::string>(), std::get<std::string>(row[2])) << id;
  }
}

TEST(ConnectIncremental, InitTimeCapEndsTheRunWhileWritersCommit) {
  auto src = NewSource();
  auto schema = EventSchema(a::int64());
  std::vector<Row> rows;
  for (int64_t i = 0; i < 20; ++i) rows.push_back({i, i, std::string("x")});
  src->Commit("ev", schema, rows);
  LakeflowConnect c(src);
  Options o = {{"ingestion_type", "append"}, {"cursor_field", "ts"}, {"max_records_per_batch", "5"}};
  std::string offset = "{}";
  int64_t seen = 0;
  for (int call = 0; call < 100; ++call) {
    auto r = ReadOnce(&c, "ev", offset, o);
    ASSERT_TRUE(r.ok());
    seen += static_cast<int64_t>(r->rows.size());
    // A writer appends after every call.
    rows.push_back({int64_t{100 + call}, int64_t{100 + call}, std::string("late")});
    src->Commit("ev", schema, rows);
    if (r->end == offset) break;
    offset = r->end;
  }
  EXPECT_EQ(seen, 20);
  // The next instance picks up exactly what was committed since.
  LakeflowConnect next(src);
  auto calls = Drain(&next, "ev", o, offset);
  EXPECT_EQ(AllRows(calls).size(), rows.size() - 20);
  EXPECT_EQ(json::parse(calls.back().end)["version"].get<uint64_t>(), *next.PinnedVersion("ev"));
}

TEST(ConnectOffsets, MalformedOrForeignOffsetsAreRefused) {
  auto src = NewSource();
  src->Commit("ev", EventSchema(a::int64()), {{int64_t{1}, int64_t{1}, std::string("x")}});
  LakeflowConnect c(src);
  Options o = {{"ingestion_type", "append"}, {"cursor_field", "ts"}};
  for (const char* bad : {"{", "[]", "{\"cursor\":1}", R"({"cursor_field":"ts","cursor":"1"})",
                          R"({"cursor_field":"ts","cursor":1,"extra":2})",
                          R"({"cursor_field":"other","cursor":1})",
                          R"({"cursor_field":"ts","cursor":1,"version":99})",
                          R"({"cursor_field":"ts","cursor":1,"key":[1]})",
                          R"({"version":-1})", R"({"cursor_field":"ts","cursor":1.5})"}) {
    auto r = c.ReadTable("ev", bad, o);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
      EXPECT_EQ(r.status().message().rfind("table 'ev': ", 0), 0u) << r.status().message();
    }
  }
  for (const char* start : {"", "null", "{}", "  {} "}) {
    auto r = ReadOnce(&c, "ev", start, o);
    ASSERT_TRUE(r.ok()) << start;
    EXPECT_EQ(r->rows.size(), 1u);
  }
}

// Offsets hold primitives only: the tie-break key tuple travels as the JSON text of a list.
// Offsets stored by earlier releases (the tuple as a JSON list) still resume at the same row;
// hostile "key" members are one-line errors.
TEST(ConnectOffsets, KeyTupleIsTextAndTheOldListFormStillResumes) {
  auto src = NewSource();
  src->Commit("cd", EventSchema(a::int64()), ClusteredRows(60, 7, 5), 9);
  Options o = {{"cursor_field", "ts"}, {"primary_keys", "id"}, {"max_records_per_batch", "8"}};
  LakeflowConnect c(src);
  auto calls = Drain(&c, "cd", o);
  ASSERT_GE(calls.size(), 3u);
  for (size_t i = 0; i + 1 < calls.size(); ++i) {
    SCOPED_TRACE(calls[i].end);
    // The same position through every entry point, all flat.
    LakeflowConnect fresh(src);
    auto latest = fresh.LatestOffset("cd", o, calls[i].start);
    ASSERT_TRUE(latest.ok()) << latest.status().ToString();
    ExpectFlatOffset(*latest);
    EXPECT_EQ(*latest, calls[i].end);
    auto end = json::parse(calls[i].end);
    ASSERT_TRUE(end["key"].is_string());
    const json tuple = json::parse(end["key"].get<std::string>());
    ASSERT_TRUE(tuple.is_array());
    ASSERT_EQ(tuple.size(), 1u);
    // Old form: {"cursor_field","cursor","key":[...],"version"}.
    nlohmann::ordered_json old = nlohmann::ordered_json::parse(calls[i].end);
    old["key"] = nlohmann::ordered_json::parse(tuple.dump());
    LakeflowConnect resumed(src);
    auto r = ReadOnce(&resumed, "cd", old.dump(), o);
    ASSERT_TRUE(r.ok()) << old.dump() << ": " << r.status().ToString();
    EXPECT_EQ(r->rows, calls[i + 1].rows);
    EXPECT_EQ(r->end, calls[i + 1].end);
    auto pending_old = resumed.CountPending("cd", old.dump(), o);
    auto pending_new = resumed.CountPending("cd", calls[i].end, o);
    ASSERT_TRUE(pending_old.ok() && pending_new.ok());
    EXPECT_EQ(*pending_old, *pending_new);
  }
  // An empty read from the old form answers with the position in the flat form.
  nlohmann::ordered_json last = nlohmann::ordered_json::parse(calls.back().end);
  const std::string flat_last = last.dump();
  last["key"] = nlohmann::ordered_json::parse(last["key"].get<std::string>());
  auto tail = ReadOnce(&c, "cd", last.dump(), o);
  ASSERT_TRUE(tail.ok()) << tail.status().ToString();
  EXPECT_TRUE(tail->rows.empty());
  EXPECT_EQ(tail->end, flat_last);
  // Whitespace inside the key text is not part of the position.
  nlohmann::ordered_json spaced = nlohmann::ordered_json::parse(flat_last);
  spaced["key"] = "[ " + spaced["key"].get<std::string>().substr(1);
  auto same = ReadOnce(&c, "cd", spaced.dump(), o);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(same->end, flat_last);

  const std::string head = R"({"cursor_field":"ts","cursor":100,"key":)";
  for (const std::string& key :
       {std::string(R"("[1")"), std::string(R"("")"), std::string(R"("5")"),
        std::string(R"("{\"id\":1}")"), std::string(R"("[[1]]")"), std::string(R"("[{}]")"),
        std::string(R"("[1,2]")"), std::string(R"("[1.5]")"), std::string(R"("[\"x\"]")"),
        std::string("5"), std::string("true"), std::string(R"({"id":1})"),
        std::string("[[1]]"), std::string(R"("[)") + std::string(100000, '[') + "\""}) {
    const std::string text = head + key + R"(,"version":1})";
    SCOPED_TRACE(text.substr(0, 80));
    for (int entry = 0; entry < 3; ++entry) {
      Status st = entry == 0   ? c.ReadTable("cd", text, o).status()
                  : entry == 1 ? c.LatestOffset("cd", o, text).status()
                               : c.CountPending("cd", text, o).status();
      ASSERT_FALSE(st.ok());
      EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
      EXPECT_EQ(st.message().find('\n'), std::string::npos) << st.message();
      EXPECT_EQ(st.message().rfind("table 'cd': ", 0), 0u) << st.message();
    }
  }
}

TEST(ConnectCdc, LookbackRereadsLateRowsOnceAfterNewCommits) {
  auto src = NewSource();
  auto schema = EventSchema(a::timestamp(a::TimeUnit::kMicro, "UTC"));
  const int64_t s = 1'000'000;
  std::vector<Row> rows = {{int64_t{1}, int64_t{100 * s}, std::string("a")},
                           {int64_t{2}, int64_t{200 * s}, std::string("b")}};
  src->Commit("lb", schema, rows);
  Options o = {{"cursor_field", "ts"}, {"primary_keys", "id"}, {"lookback_seconds", "60"}};
  std::string offset;
  {
    LakeflowConnect c(src);
    auto calls = Drain(&c, "lb", o);
    EXPECT_EQ(AllRows(calls).size(), 2u);
    offset = calls.back().end;
    EXPECT_EQ(offset,
              R"({"cursor_field":"ts","cursor":"1970-01-01T00:03:20.000000Z","key":"[2]","version":1})");
    // No new commit: no lookback, nothing re-read.
    LakeflowConnect same(src);
    auto again = ReadOnce(&same, "lb", offset, o);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->rows.empty());
    EXPECT_EQ(again->end, offset);
  }
  // A late row with an older cursor arrives with a new commit.
  rows.push_back({int64_t{3}, int64_t{150 * s}, std::string("late")});
  src->Commit("lb", schema, rows);
  LakeflowConnect c(src);
  auto calls = Drain(&c, "lb", o, offset);
  std::set<int64_t> ids;
  for (const auto& r : AllRows(calls)) ids.insert(r["id"].get<int64_t>());
  EXPECT_EQ(ids, (std::set<int64_t>{2, 3}));  // 2 re-read (upsert dedupes), 3 caught
}

// ---------------------------------------------------------------------------------------------
// Window strategy (window_seconds, start_timestamp)

std::vector<int64_t> Ids(const Call& call) {
  std::vector<int64_t> out;
  for (const auto& r : call.rows) out.push_back(r["id"].get<int64_t>());
  return out;
}

TEST(ConnectWindow, WindowsAnchorAtTheFirstRowAndStopAtInitTime) {
  auto src = NewSource();
  const int64_t s = 1'000'000;  // microseconds per second
  // id: cursor second. Gaps larger than the window between groups; row 9 is future-dated.
  std::vector<Row> rows;
  for (auto [id, sec] : std::vector<std::pair<int64_t, int64_t>>{
           {0, 0}, {1, 10}, {2, 11}, {3, 100}, {4, 101}, {5, 101}, {6, 5000}, {9, 20000}}) {
    rows.push_back({id, sec * s, std::string("r")});
  }
  std::shuffle(rows.begin(), rows.end(), std::mt19937(5));
  src->Commit("w", EventSchema(a::timestamp(a::TimeUnit::kMicro, "UTC")), rows, 3);
  for (const char* mode : {"append", "cdc"}) {
    SCOPED_TRACE(mode);
    Options o = {{"ingestion_type", mode}, {"cursor_field", "ts"}, {"primary_keys", "id"},
                 {"window_seconds", "10"}};
    LakeflowConnect c(src, /*init_time_us=*/10000 * s);
    auto calls = Drain(&c, "w", o);
    ASSERT_EQ(calls.size(), 5u);  // the last call returns its start offset
    EXPECT_TRUE(calls[4].rows.empty());
    // [0, 10] holds rows 0 and 1; the next window starts at row 2 (11 s), not at 10 s.
    EXPECT_EQ(Ids(calls[0]), (std::vector<int64_t>{0, 1}));
    EXPECT_EQ(json::parse(calls[0].end)["cursor"], "1970-01-01T00:00:10.000000Z");
    std::vector<int64_t> second = Ids(calls[1]);
    std::vector<int64_t> third = Ids(calls[2]);
    std::sort(third.begin(), third.end());
    EXPECT_EQ(second, (std::vector<int64_t>{2}));
    // The gap from 11 s to 100 s costs no empty call: the window jumps to the next row.
    EXPECT_EQ(third, (std::vector<int64_t>{3, 4, 5}));
    EXPECT_EQ(json::parse(calls[2].end)["cursor"], "1970-01-01T00:01:41.000000Z");
    // 5000 s is read; 20000 s is after the init time: the run ends without it.
    EXPECT_EQ(Ids(calls[3]), (std::vector<int64_t>{6}));
    // A later instance (later init time) continues with the future-dated row.
    LakeflowConnect later(src, 30000 * s);
    auto more = Drain(&later, "w", o, calls.back().end);
    EXPECT_EQ(AllRows(more).size(), 1u);
    EXPECT_EQ(AllRows(more)[0]["id"], 9);
  }
}

TEST(ConnectWindow, MaxRecordsStillBoundsAWindowAndNothingIsLost) {
  auto src = NewSource();
  const int64_t ms = 1000;  // cursor in milliseconds
  std::vector<Row> rows;
  std::mt19937 rng(17);
  for (int64_t i = 0; i < 400; ++i) {
    rows.push_back({i, static_cast<int64_t>(rng() % 100000) * ms, std::string("x")});
  }
  src->Commit("m", EventSchema(a::timestamp(a::TimeUnit::kMilli)), rows, 37);
  for (const char* mode : {"append", "cdc"}) {
    SCOPED_TRACE(mode);
    Options o = {{"ingestion_type", mode}, {"cursor_field", "ts"}, {"primary_keys", "id"},
                 {"window_seconds", "3000"}, {"max_records_per_batch", "7"}, {"batch_size", "3"}};
    LakeflowConnect c(src, int64_t{200000} * 1'000'000);
    auto calls = Drain(&c, "m", o);
    std::map<int64_t, int64_t> ts_of;
    for (const auto& r : rows) ts_of[std::get<int64_t>(r[0])] = std::get<int64_t>(r[1]);
    std::set<int64_t> seen;
    int64_t prev = INT64_MIN;
    for (const auto& call : calls) {
      if (call.rows.empty()) continue;
      // cdc cuts exactly; append may finish a run of equal cursors (a few rows here).
      EXPECT_LE(call.rows.size(), std::string(mode) == "cdc" ? 7u : 12u);
      // Every call stays within one window of its first row, in cursor order.
      const int64_t first = ts_of[call.rows.front()["id"].get<int64_t>()];
      for (const auto& r : call.rows) {
        const int64_t id = r["id"].get<int64_t>();
        EXPECT_TRUE(seen.insert(id).second);
        EXPECT_LE(ts_of[id] - first, 3000 * ms);
        EXPECT_LE(prev, ts_of[id]);
        prev = ts_of[id];
      }
    }
    EXPECT_EQ(seen.size(), rows.size());
  }
}

TEST(ConnectWindow, StartTimestampIsAFloorForEveryRead) {
  auto src = NewSource();
  const int64_t s = 1'000'000;
  std::vector<Row> rows;
  for (int64_t i = 0; i < 10; ++i) rows.push_back({i, i * 30 * s, std::string("x")});
  auto schema = EventSchema(a::timestamp(a::TimeUnit::kMicro, "UTC"));
  src->Commit("f", schema, rows, 4);
  // 00:01:00 +01:00 is 23:01 the day before: every row qualifies; 00:02:00Z keeps rows 4..9.
  for (auto [start, first_id] : std::vector<std::pair<std::string, int64_t>>{
           {"1970-01-01T00:02:00Z", 4}, {"1970-01-01 00:01:30.000001", 4},
           {"1970-01-01T00:01:00+01:00", 0}, {"1970-01-01", 0}}) {
    SCOPED_TRACE(start);
    Options o = {{"cursor_field", "ts"}, {"primary_keys", "id"}, {"start_timestamp", start},
                 {"max_records_per_batch", "3"}};
    LakeflowConnect c(src);
    auto all = AllRows(Drain(&c, "f", o));
    ASSERT_EQ(static_cast<int64_t>(all.size()), 10 - first_id);
    EXPECT_EQ(all.front()["id"], first_id);
  }
  // Lookback never reaches below the floor.
  Options o = {{"cursor_field", "ts"}, {"primary_keys", "id"},
               {"start_timestamp", "1970-01-01T00:02:00Z"}, {"lookback_seconds", "3600"}};
  std::string offset;
  {
    LakeflowConnect c(src);
    offset = Drain(&c, "f", o).back().end;
  }
  rows.push_back({int64_t{10}, 400 * s, std::string("new")});
  src->Commit("f", schema, rows, 4);
  LakeflowConnect c(src);
  std::set<int64_t> ids;
  for (const auto& r : AllRows(Drain(&c, "f", o, offset))) ids.insert(r["id"].get<int64_t>());
  EXPECT_EQ(ids, (std::set<int64_t>{4, 5, 6, 7, 8, 9, 10}));
}

TEST(ConnectWindow, DateCursorsUseWholeDays) {
  auto src = NewSource();
  std::vector<Row> rows;
  for (int64_t d = 0; d < 10; ++d) rows.push_back({d, d, std::string("x")});
  src->Commit("d", EventSchema(a::date32()), rows, 4);
  // start 1970-01-02T12:00Z: day 1 (midnight) is older, day 2 is the first read.
  Options o = {{"ingestion_type", "append"}, {"cursor_field", "ts"},
               {"start_timestamp", "1970-01-02T12:00:00Z"}, {"window_seconds", "86400"}};
  LakeflowConnect c(src, int64_t{8} * 86400 * 1'000'000 + 1);
  auto calls = Drain(&c, "d", o);
  std::vector<std::vector<int64_t>> got;
  for (const auto& call : calls) {
    if (!call.rows.empty()) got.push_back(Ids(call));
  }
  // Windows of one day after their first row: {2,3}, {4,5}, {6,7}, {8}; day 9 is after init.
  EXPECT_EQ(got, (std::vector<std::vector<int64_t>>{{2, 3}, {4, 5}, {6, 7}, {8}}));
}

TEST(ConnectWindow, OptionsAreValidated) {
  auto src = NewSource();
  src->Commit("t", EventSchema(a::timestamp(a::TimeUnit::kNano)),
              {{int64_t{1}, int64_t{1}, std::string("x")}});
  src->Commit("i", EventSchema(a::int64()), {{int64_t{1}, int64_t{1}, std::string("x")}});
  LakeflowConnect c(src);
  struct Case {
    std::string table;
    Options o;
    std::string needle;
  };
  const Options inc = {{"cursor_field", "ts"}, {"primary_keys", "id"}};
  auto with = [&](Options o, const std::string& k, const std::string& v) {
    o[k] = v;
    return o;
  };
  std::vector<Case> cases = {
      {"t", with(inc, "window_seconds", "0"), "option window_seconds: must be an integer in 1.."},
      {"t", with(inc, "window_seconds", "ten"), "option window_seconds"},
      {"t", with(inc, "window_seconds", "99999999999999"), "option window_seconds"},
      {"t", {{"primary_keys", "id"}, {"window_seconds", "60"}},
       "option window_seconds: only incremental"},
      {"t", {{"primary_keys", "id"}, {"start_timestamp", "2024-01-01"}},
       "option start_timestamp: only incremental"},
      {"t", with(inc, "start_timestamp", "yesterday"), "option start_timestamp"},
      {"t", with(inc, "start_timestamp", "2024-13-01"), "option start_timestamp"},
      {"t", with(inc, "start_timestamp", "2024-01-01T25:00:00Z"), "option start_timestamp"},
      {"t", with(inc, "start_timestamp", "3000-01-01"), "start_timestamp is beyond the range"},
      {"i", with(inc, "window_seconds", "60"),
       "window_seconds needs a timestamp or date cursor, cursor_field 'ts' is int64"},
      {"i", with(inc, "start_timestamp", "2024-01-01"), "start_timestamp needs a timestamp"},
  };
  for (const auto& k : cases) {
    auto r = c.ReadTable(k.table, "{}", k.o);
    ASSERT_FALSE(r.ok()) << k.needle;
    EXPECT_NE(r.status().message().find(k.needle), std::string::npos)
        << r.status().message() << " / wanted: " << k.needle;
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
    EXPECT_FALSE(c.ReadTableMetadata(k.table, k.o).ok()) << k.needle;
  }
}

// Every cursor type: drained in both modes with small batches, the emitted order is the sorted
// order of the values and every row comes once; offsets are canonical JSON that round-trips.
struct TypeCase {
  std::string name;
  a::DataTypePtr type;
  std::vector<Cell> values;  // distinct, ascending
};

std::vector<TypeCase> TypeCases() {
  const __int128 big = static_cast<__int128>(1) << 100;
  return {
      {"int8", a::int8(), {int64_t{-128}, int64_t{-1}, int64_t{0}, int64_t{127}}},
      {"int64", a::int64(), {int64_t{INT64_MIN}, int64_t{-5}, int64_t{INT64_MAX}}},
      {"uint8", a::uint8(), {uint64_t{0}, uint64_t{255}}},
      {"uint64", a::uint64(), {uint64_t{0}, uint64_t{9223372036854775808ull}, uint64_t{UINT64_MAX}}},
      {"utf8", a::utf8(), {std::string(""), std::string("A"), std::string("a\"\\"), std::string("a'b"),
                           std::string("\xc3\xa9"), std::string("\xf0\x9f\x98\x80")}},
      {"large_utf8", a::large_utf8(), {std::string("x"), std::string("y\nz")}},
      {"date32", a::date32(), {int64_t{-719162}, int64_t{-1}, int64_t{0}, int64_t{19000}, int64_t{2932896}}},
      {"date64", a::date64(), {int64_t{-86400000}, int64_t{1}, int64_t{86400000}}},
      {"ts_s", a::timestamp(a::TimeUnit::kSecond), {int64_t{-62135596800}, int64_t{0}, int64_t{253402300799}}},
      {"ts_ms_utc", a::timestamp(a::TimeUnit::kMilli, "UTC"), {int64_t{-1}, int64_t{0}, int64_t{1700000000123}}},
      {"ts_us_zone", a::timestamp(a::TimeUnit::kMicro, "America/New_York"),
       {int64_t{1}, int64_t{1700000000123456}, int64_t{1700000000123457}}},
      {"ts_ns", a::timestamp(a::TimeUnit::kNano, "+02:00"),
       {int64_t{INT64_MIN + 1}, int64_t{-1}, int64_t{1}, int64_t{INT64_MAX}}},
      {"decimal_10_2", a::decimal128(10, 2), {static_cast<__int128>(-150), static_cast<__int128>(-1),
                                              static_cast<__int128>(0), static_cast<__int128>(12345)}},
      {"decimal_38_4", a::decimal128(38, 4), {-big, static_cast<__int128>(7), big}},
  };
}

TEST(ConnectIncremental, EveryCursorTypeOrdersAndRoundTripsExactly) {
  for (const auto& tc : TypeCases()) {
    for (const char* mode : {"append", "cdc"}) {
      SCOPED_TRACE(tc.name + " " + mode);
      auto src = NewSource();
      auto schema = std::make_shared<a::Schema>(std::vector<a::FieldPtr>{
          a::MakeField("id", a::int64(), false), a::MakeField("c", tc.type)});
      std::vector<Row> rows;
      int64_t id = 0;
      for (size_t v = 0; v < tc.values.size(); ++v) {
        for (size_t k = 0; k <= v % 3 + 1; ++k) rows.push_back({id++, tc.values[v]});
      }
      rows.push_back({id++, std::monostate{}});  // null cursors never take part
      std::shuffle(rows.begin(), rows.end(), std::mt19937(11));
      src->Commit("t", schema, rows, 3);
      LakeflowConnect c(src);
      Options o = {{"ingestion_type", mode}, {"cursor_field", "c"}, {"primary_keys", "id"},
                   {"max_records_per_batch", "2"}, {"batch_size", "1"},
                   {"uint64_as_decimal", "true"}};
      auto calls = Drain(&c, "t", o);
      auto all = AllRows(calls);
      ASSERT_EQ(static_cast<int64_t>(all.size()), id - 1);
      // Expected order: value index ascending (ids ascending within a value for cdc).
      std::map<int64_t, size_t> value_of;
      for (const auto& r : rows) {
        for (size_t v = 0; v < tc.values.size(); ++v) {
          if (r[1] == tc.values[v]) value_of[std::get<int64_t>(r[0])] = v;
        }
      }
      std::set<int64_t> seen;
      for (size_t i = 0; i < all.size(); ++i) {
        const int64_t rid = all[i]["id"];
        ASSERT_TRUE(value_of.count(rid));
        EXPECT_TRUE(seen.insert(rid).second);
        if (i > 0) {
          const int64_t pid = all[i - 1]["id"];
          EXPECT_LE(value_of[pid], value_of[rid]);
          if (std::string(mode) == "cdc" && value_of[pid] == value_of[rid]) {
            EXPECT_LT(pid, rid);
          }
        }
      }
      // Offsets: every end offset, re-read by a fresh instance, continues with the same rows.
      for (size_t i = 0; i + 1 < calls.size(); ++i) {
        LakeflowConnect fresh(src);
        auto r = ReadOnce(&fresh, "t", calls[i].end, o);
        ASSERT_TRUE(r.ok()) << calls[i].end << ": " << r.status().ToString();
        EXPECT_EQ(r->end, calls[i + 1].end);
        EXPECT_EQ(r->rows, calls[i + 1].rows);
        auto parsed = nlohmann::ordered_json::parse(calls[i].end);
        EXPECT_EQ(parsed.dump(), calls[i].end);  // canonical, no NaN, no floats
      }
    }
  }
}

TEST(ConnectIncremental, WorkAndMemoryFollowTheBatchSizes) {
  auto src = NewSource();
  auto rows = ClusteredRows(3000, 1, 5);
  src->Commit("big", EventSchema(a::int64()), rows, 100);
  LakeflowConnect c(src);
  Options o = {{"cursor_field", "ts"}, {"primary_keys", "id"}, {"max_records_per_batch", "50"},
               {"batch_size", "20"}};
  auto r = ReadOnce(&c, "big", "{}", o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows.size(), 50u);
  for (int64_t n : r->batch_rows) EXPECT_LE(n, 20);
  // One pass over the cursor/key columns and one selecting the batch's rows.
  EXPECT_EQ(src->stats.scans, 2);
  EXPECT_LE(src->stats.max_batch_rows, 4096);
}

// ---------------------------------------------------------------------------------------------
// Option target_partitions (batch partitions of sources with fragments: the golden local tables)

// Every row of `parts` read by fresh instances, as sorted JSON lines (a multiset).
std::vector<std::string> ReadAllParts(const std::string& table,
                                      const std::vector<std::string>& parts, const Options& o) {
  std::vector<std::string> lines;
  for (const auto& p : parts) {
    auto r = testing::FreshGoldenConnect()->ReadPartition(table, p, o);
    EXPECT_TRUE(r.ok()) << p << ": " << r.status().ToString();
    if (!r.ok()) continue;
    testing::AppendRecordJsonLines(r->records.get(), p, &lines);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> ReadWholeSnapshot(const std::string& table, const Options& o) {
  std::vector<std::string> lines;
  auto r = testing::FreshGoldenConnect()->ReadTable(table, "{}", o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok()) testing::AppendRecordJsonLines(r->records.get(), table, &lines);
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST(ConnectTargetPartitions, SpreadsTheTableOverAboutThatManyPartitions) {
  const json expected = testing::LoadGoldenExpected();
  auto db = testing::OpenGoldenDb();
  ASSERT_NE(db, nullptr);
  int single_fragment_tables = 0, multi_fragment_tables = 0;
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    const std::string table = it.key();
    SCOPED_TRACE(table);
    Options base = testing::GoldenOptions(it.value());
    base["ingestion_type"] = "snapshot";
    base.erase("cursor_field");
    base["batch_size"] = "1";
    const auto whole = ReadWholeSnapshot(table, base);
    ASSERT_FALSE(whole.empty());
    LakeflowConnect probe(db);
    auto frags = db->ListFragments(table, *probe.PinnedVersion(table));
    ASSERT_TRUE(frags.ok());
    int64_t physical = 0;
    for (const auto& f : *frags) physical += f.physical_rows;
    (frags->size() == 1 ? single_fragment_tables : multi_fragment_tables)++;
    for (int64_t target : {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{5}, int64_t{100000}}) {
      SCOPED_TRACE("target_partitions " + std::to_string(target));
      Options o = base;
      o["target_partitions"] = std::to_string(target);
      auto parts = testing::FreshGoldenConnect()->GetPartitions(table, o);
      ASSERT_TRUE(parts.ok()) << parts.status().ToString();
      const int64_t n = static_cast<int64_t>(parts->size());
      // Rows per partition: ceil(physical / target) (batch_size 1 rounds nothing).
      const int64_t per = (physical + target - 1) / target;
      if (target == 1) {
        EXPECT_EQ(n, 1);
      } else if (target >= physical) {
        EXPECT_EQ(n, physical);  // one physical row each
      } else if (frags->size() == 1) {
        EXPECT_EQ(n, (physical + per - 1) / per);
      } else {
        EXPECT_GE(n, std::min<int64_t>(target, static_cast<int64_t>(frags->size())) / 2);
        EXPECT_LE(n, target + static_cast<int64_t>(frags->size()));
      }
      int64_t range_rows = 0;
      for (const auto& p : *parts) {
        const json d = json::parse(p);
        if (d.contains("rows")) {
          const int64_t len = d["rows"][1].get<int64_t>() - d["rows"][0].get<int64_t>();
          EXPECT_LE(len, per) << p;
          range_rows += len;
        }
      }
      if (frags->size() == 1 && n > 1) {
        EXPECT_EQ(range_rows, physical);
      }
      // Every live row exactly once.
      EXPECT_EQ(ReadAllParts(table, *parts, o), whole);
      // Deterministic for a fresh instance.
      EXPECT_EQ(*testing::FreshGoldenConnect()->GetPartitions(table, o), *parts);
    }
    // Not rounded to batch_size: a larger batch_size gives the same partitions.
    Options batched = base;
    batched["batch_size"] = "10000";
    batched["target_partitions"] = "3";
    Options unbatched = base;
    unbatched["target_partitions"] = "3";
    auto parts = testing::FreshGoldenConnect()->GetPartitions(table, batched);
    ASSERT_TRUE(parts.ok());
    EXPECT_EQ(*parts, *testing::FreshGoldenConnect()->GetPartitions(table, unbatched));
    EXPECT_EQ(ReadAllParts(table, *parts, batched), whole);
    // An explicit partition_rows wins over target_partitions.
    Options by_rows = base;
    by_rows["partition_rows"] = "2";
    auto want = testing::FreshGoldenConnect()->GetPartitions(table, by_rows);
    ASSERT_TRUE(want.ok());
    by_rows["target_partitions"] = "1";
    EXPECT_EQ(*testing::FreshGoldenConnect()->GetPartitions(table, by_rows), *want);
  }
  EXPECT_GE(single_fragment_tables, 1);
  EXPECT_GE(multi_fragment_tables, 1);
}

TEST(ConnectTargetPartitions, BadValuesAreOneLineErrors) {
  auto c = testing::FreshGoldenConnect();
  const std::string table = testing::LoadGoldenExpected().begin().key();
  for (const char* bad : {"0", "-1", "", "two", "1.5", " 2", "2x", "1000001",
                          "99999999999999999999"}) {
    SCOPED_TRACE(bad);
    for (const char* key : {"target_partitions", "partition_rows"}) {
      if (std::string(key) == "partition_rows" && std::string(bad) == "1000001") continue;
      Options o = {{key, bad}};
      auto parts = c->GetPartitions(table, o);
      ASSERT_FALSE(parts.ok());
      EXPECT_EQ(parts.status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(parts.status().message().rfind(std::string("option ") + key + ": ", 0), 0u)
          << parts.status().message();
      EXPECT_EQ(parts.status().message().find('\n'), std::string::npos);
    }
  }
  // Also refused with an explicit partition_rows, and by stream partitions.
  auto both = c->GetPartitions(table, {{"partition_rows", "10"}, {"target_partitions", "0"}});
  EXPECT_FALSE(both.ok());
  auto latest = c->LatestOffset(table, {}, "{}");
  ASSERT_TRUE(latest.ok());
  auto stream = c->GetStreamPartitions(table, {{"target_partitions", "x"}}, "{}", *latest);
  EXPECT_FALSE(stream.ok());
}

}  // namespace
}  // namespace lanceflow::connect
