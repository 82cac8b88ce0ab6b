// Partitions (SupportsPartition / SupportsPartitionedStream): over the engine-written tables of
// tests/golden/connect read by the native local source (one partition per fragment), and over an
// in-memory source with offset scans (the page ranges LanceDB Cloud gets). Rows are compared as
// multisets of JSON lines against ReadTable, which conformance_test.cc checks against the engine.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "golden_tables_test_util.h"
#include "lanceflow/cloud/cloud_source.h"
#include "lanceflow/connect/lakeflow_connect.h"
#include "memory_source_test_util.h"

namespace lanceflow::connect {
namespace {

using json = nlohmann::json;
namespace a = lanceflow::arrow;
using testing::GoldenOptions;
using testing::kGoldenConnectDir;

json Expected() { return testing::LoadGoldenExpected(); }

std::shared_ptr<source::Source> LocalDb() { return testing::OpenGoldenDb(); }

std::unique_ptr<LakeflowConnect> Fresh() { return testing::FreshGoldenConnect(); }

// The rows of a reader as sorted JSON lines (a multiset).
std::vector<std::string> Drain(Result<ReadResult> r, const std::string& what) {
  std::vector<std::string> out;
  EXPECT_TRUE(r.ok()) << what << ": " << r.status().ToString();
  if (!r.ok()) return out;
  testing::AppendRecordJsonLines(r->records.get(), what, &out);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Merge(std::vector<std::string> x, const std::vector<std::string>& y) {
  x.insert(x.end(), y.begin(), y.end());
  std::sort(x.begin(), x.end());
  return x;
}

// Every row of every partition, each partition read by its own fresh instance.
std::vector<std::string> ReadAllPartitions(
    const std::function<std::unique_ptr<LakeflowConnect>()>& fresh, const std::string& table,
    const std::vector<std::string>& parts, const Options& o) {
  std::vector<std::string> rows;
  for (const auto& p : parts) {
    auto c = fresh();
    auto r = c->ReadPartition(table, p, o);
    if (r.ok()) {
      EXPECT_EQ(r->end_offset, "");
    }
    rows = Merge(std::move(rows), Drain(std::move(r), table + " " + p));
  }
  return rows;
}

// Every row of ReadTable from `start` up to convergence.
std::vector<std::string> DrainTable(LakeflowConnect* c, const std::string& table,
                                    const Options& o) {
  std::vector<std::string> rows;
  std::string offset = "{}";
  for (int i = 0; i < 1000; ++i) {
    auto r = c->ReadTable(table, offset, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) break;
    std::string end = r->end_offset;
    rows = Merge(std::move(rows), Drain(std::move(r), table));
    if (end == offset) return rows;
    offset = end;
  }
  ADD_FAILURE() << table << ": ReadTable did not converge";
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Batch, local tables

TEST(Partitions, LocalBatchPartitionsCoverTheSnapshotExactlyOnce) {
  const json expected = Expected();
  int multi_fragment_tables = 0;
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    const std::string table = it.key();
    const std::string key = it.value()["key"];
    Options as_configured = GoldenOptions(it.value());
    Options snapshot = as_configured;
    snapshot["ingestion_type"] = "snapshot";
    Options projected = snapshot;
    projected["columns"] = "[\"" + key + "\"]";
    projected["filter_expression"] = key + " >= 20";
    for (const Options& o : {as_configured, snapshot, projected}) {
      SCOPED_TRACE(table + " " + (o.count("ingestion_type") ? o.at("ingestion_type") : "") +
                   (o.count("columns") ? " projected" : ""));
      auto c = Fresh();
      auto parts = c->GetPartitions(table, o);
      ASSERT_TRUE(parts.ok()) << parts.status().ToString();
      auto listed = LocalDb()->ListFragments(table, *c->PinnedVersion(table));
      ASSERT_TRUE(listed.ok());
      EXPECT_EQ(parts->size(), listed->size());  // one per fragment
      if (listed->size() > 1) ++multi_fragment_tables;
      // The reference: a snapshot ReadTable with the same columns (the incremental options make
      // the cursor a required column, as in the partitions).
      Options ref = o;
      ref["ingestion_type"] = "snapshot";
      auto whole = Drain(Fresh()->ReadTable(table, "{}", ref), table);
      auto rows = ReadAllPartitions(Fresh, table, *parts, o);
      EXPECT_EQ(rows, whole);
      if (!o.count("filter_expression")) {
        EXPECT_EQ(rows.size(), it.value()["rows"].size());
      } else {
        EXPECT_LE(rows.size(), it.value()["rows"].size());
      }
      // Stable: same call, same instance and a fresh one.
      auto again = c->GetPartitions(table, o);
      ASSERT_TRUE(again.ok());
      EXPECT_EQ(*again, *parts);
      auto other = Fresh()->GetPartitions(table, o);
      ASSERT_TRUE(other.ok());
      EXPECT_EQ(*other, *parts);
      for (const auto& p : *parts) {
        auto j = json::parse(p);
        EXPECT_EQ(nlohmann::ordered_json::parse(p).dump(), p);  // compact JSON
        EXPECT_EQ(j["table"], table);
        EXPECT_EQ(j["fragments"].size(), 1u);
      }
    }
  }
  EXPECT_GE(multi_fragment_tables, 2);
}

// Fragments larger than partition_rows are split into physical row ranges; the ranges still
// cover the snapshot exactly once (deleted rows included in the ranges, never returned).
TEST(Partitions, LargeFragmentsSplitIntoRowRanges) {
  const json expected = Expected();
  int split_tables = 0;
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    const std::string table = it.key();
    Options o = GoldenOptions(it.value());
    o["ingestion_type"] = "snapshot";
    o["batch_size"] = "3";
    o["partition_rows"] = "7";  // rounded up to 9
    SCOPED_TRACE(table);
    auto c = Fresh();
    auto parts = c->GetPartitions(table, o);
    ASSERT_TRUE(parts.ok()) << parts.status().ToString();
    auto listed = LocalDb()->ListFragments(table, *c->PinnedVersion(table));
    ASSERT_TRUE(listed.ok());
    size_t with_rows = 0;
    for (const auto& p : *parts) {
      auto j = json::parse(p);
      EXPECT_EQ(j["fragments"].size(), 1u);
      if (!j.contains("rows")) continue;
      ++with_rows;
      const auto b = j["rows"][0].get<int64_t>(), e = j["rows"][1].get<int64_t>();
      EXPECT_LT(b, e);
      EXPECT_LE(e - b, 9);
    }
    if (with_rows > 0) {
      ++split_tables;
      EXPECT_GT(parts->size(), listed->size());
    }
    auto whole = Drain(Fresh()->ReadTable(table, "{}", o), table);
    EXPECT_EQ(ReadAllPartitions(Fresh, table, *parts, o), whole);
    EXPECT_EQ(*Fresh()->GetPartitions(table, o), *parts);
  }
  EXPECT_GE(split_tables, 3);

  // Row ranges must name exactly one fragment and a non-empty range.
  const std::string table = expected.begin().key();
  auto c = Fresh();
  const uint64_t v = *c->PinnedVersion(table);
  auto listed = LocalDb()->ListFragments(table, v);
  ASSERT_TRUE(listed.ok() && !listed->empty());
  const std::string head =
      R"({"table":")" + table + R"(","version":)" + std::to_string(v) + ",";
  const std::string frag = std::to_string((*listed)[0].id);
  for (const std::string& d :
       {head + R"("fragments":[)" + frag + R"(],"rows":[5,5]})",
        head + R"("fragments":[)" + frag + R"(],"rows":[6,2]})",
        head + R"("fragments":[)" + frag + R"(],"rows":[1]})",
        head + R"("fragments":[)" + frag + R"(],"rows":[-1,4]})",
        head + R"("rows":[0,4]})"}) {
    auto r = c->ReadPartition(table, d, GoldenOptions(expected.begin().value()));
    ASSERT_FALSE(r.ok()) << d;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << d;
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
    EXPECT_NE(r.status().message().find("row"), std::string::npos) << r.status().message();
  }
}

TEST(Partitions, HostileDescriptorsAreOneLineInvalidArgument) {
  auto c = Fresh();
  const Options o{{"ingestion_type", "snapshot"}};
  auto parts = c->GetPartitions("events", o);
  ASSERT_TRUE(parts.ok());
  ASSERT_FALSE(parts->empty());
  auto good = json::parse(parts->front());
  const uint64_t v = good["version"];
  auto with = [&](const std::string& k, json value) {
    json j = good;
    j[k] = std::move(value);
    return j.dump();
  };
  auto without = [&](const std::string& k) {
    json j = good;
    j.erase(k);
    return j.dump();
  };
  const std::vector<std::string> bad = {
      "",
      "not json",
      "[]",
      "null",
      "{}",
      "{\"table\":\"events\"",
      with("table", "users"),
      with("table", 7),
      without("table"),
      without("version"),
      with("version", v + 1000),
      with("version", -1),
      with("version", "1"),
      with("fragments", json::array()),
      with("fragments", json::array({987654})),
      with("fragments", json::array({-1})),
      with("fragments", "0"),
      with("fragments", json::array({good["fragments"][0], good["fragments"][0]})),
      with("offset", 0),
      with("limit", 5),
      with("start", json::object()),
      with("start", 3),
      with("bogus", 1),
      with(std::string(300, 'k'), 1),
      with("fragments", json::array({uint64_t{18446744073709551615u}})),
  };
  for (const auto& d : bad) {
    auto r = c->ReadPartition("events", d, o);
    ASSERT_FALSE(r.ok()) << d;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument)
        << d << ": " << r.status().ToString();
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos) << r.status().ToString();
    EXPECT_LT(r.status().message().size(), 300u) << r.status().ToString();
  }
  // Offset ranges are refused by a source without offset scans, and a stream range by a snapshot.
  json paged = good;
  paged.erase("fragments");
  paged["offset"] = 0;
  paged["limit"] = 10;
  auto r = c->ReadPartition("events", paged.dump(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  json ranged = good;
  ranged["start"] = json::object();
  ranged["end"] = json::object({{"version", v}});
  r = c->ReadPartition("events", ranged.dump(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  // Deep nesting is refused without recursion trouble.
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  for (const std::string& d : {"{\"table\":\"events\",\"version\":" + std::to_string(v) +
                                   ",\"start\":{\"cursor\":" + deep + "},\"end\":{}}",
                               "{\"table\":\"events\",\"x\":" + deep + "}", deep}) {
    r = c->ReadPartition("events", d, o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  const std::string deep_offset = "{\"cursor_field\":\"ts\",\"cursor\":" + deep + "}";
  EXPECT_EQ(c->LatestOffset("events", o, deep_offset).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(c->GetStreamPartitions("events", o, "{}", deep_offset).status().code(),
            StatusCode::kInvalidArgument);
  // Unknown tables are NotFound, as for every other call.
  EXPECT_EQ(c->GetPartitions("__nonexistent_table_$$_9z9z9z__", o).status().code(),
            StatusCode::kNotFound);
}

// ---------------------------------------------------------------------------------------------
// Stream, local tables

struct StreamRun {
  std::vector<std::string> rows;
  std::string end;
  int triggers = 0;
  size_t partitions = 0;
};

// The framework's microbatch loop: latest offset, partitions of (start, end], read, commit.
// Each step is also checked against ReadTable from the same start.
StreamRun RunStream(const std::function<std::unique_ptr<LakeflowConnect>()>& fresh,
                    const std::string& table, const Options& o, std::string start = "{}") {
  StreamRun run;
  auto driver = fresh();
  for (int i = 0; i < 1000; ++i) {
    auto end = driver->LatestOffset(table, o, start);
    EXPECT_TRUE(end.ok()) << end.status().ToString();
    if (!end.ok()) return run;
    // ReadTable from the same start ends at the same offset with the same rows.
    auto reference = fresh()->ReadTable(table, start, o);
    EXPECT_TRUE(reference.ok());
    if (!reference.ok()) return run;
    EXPECT_EQ(reference->end_offset, *end) << "from " << start;
    auto reference_rows = Drain(std::move(reference), table);
    auto parts = driver->GetStreamPartitions(table, o, start, *end);
    EXPECT_TRUE(parts.ok()) << parts.status().ToString();
    if (!parts.ok()) return run;
    // A replay (fresh driver) makes the same partitions.
    auto replay = fresh()->GetStreamPartitions(table, o, start, *end);
    EXPECT_TRUE(replay.ok());
    if (replay.ok()) {
      EXPECT_EQ(*replay, *parts);
    }
    auto rows = ReadAllPartitions(fresh, table, *parts, o);
    EXPECT_EQ(rows, reference_rows) << "from " << start << " to " << *end;
    if (*end == start) {
      EXPECT_TRUE(parts->empty());
      run.end = start;
      return run;
    }
    EXPECT_FALSE(rows.empty()) << "offset moved without rows";
    run.rows = Merge(std::move(run.rows), rows);
    run.partitions += parts->size();
    ++run.triggers;
    // Empty when start == end, for every offset seen.
    auto same = driver->GetStreamPartitions(table, o, *end, *end);
    EXPECT_TRUE(same.ok() && same->empty());
    start = *end;
  }
  ADD_FAILURE() << table << ": the stream did not converge";
  return run;
}

TEST(Partitions, LocalStreamReadsEachRowOnceAndTerminates) {
  const json expected = Expected();
  for (const std::string table : {"events", "users", "typed", "days", "labels"}) {
    SCOPED_TRACE(table);
    const json& spec = expected[table];
    Options o = GoldenOptions(spec);
    for (const char* part_rows : {"100000", "1"}) {
      o["partition_rows"] = part_rows;
      auto run = RunStream(Fresh, table, o);
      auto drained = DrainTable(Fresh().get(), table, o);
      EXPECT_EQ(run.rows, drained);
      EXPECT_GT(run.triggers, 1);
      // Each row once: the key is unique among the rows read.
      std::set<std::string> keys;
      for (const auto& line : run.rows)
        keys.insert(json::parse(line)[spec["key"].get<std::string>()].dump());
      EXPECT_EQ(keys.size(), run.rows.size());
      if (std::string(part_rows) == "1") {
        auto listed = LocalDb()->ListFragments(table, *Fresh()->PinnedVersion(table));
        ASSERT_TRUE(listed.ok());
        EXPECT_EQ(run.partitions, run.triggers * listed->size());  // one per fragment
      } else {
        EXPECT_EQ(run.partitions, static_cast<size_t>(run.triggers));
      }
    }
  }
}

TEST(Partitions, LocalStreamWithFilterAndColumns) {
  Options o = GoldenOptions(Expected()["users"]);
  o["filter_expression"] = "id >= 10";
  o["columns"] = "[\"id\",\"updated_at\"]";
  auto run = RunStream(Fresh, "users", o);
  EXPECT_EQ(run.rows, DrainTable(Fresh().get(), "users", o));
  EXPECT_FALSE(run.rows.empty());
}

TEST(Partitions, SnapshotStreamIsOneVersion) {
  const Options o = GoldenOptions(Expected()["big_ids"]);
  auto c = Fresh();
  auto end = c->LatestOffset("big_ids", o, "{}");
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_EQ(*end, "{\"version\":" + std::to_string(*c->PinnedVersion("big_ids")) + "}");
  auto again = c->LatestOffset("big_ids", o, *end);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *end);
  auto parts = c->GetStreamPartitions("big_ids", o, "{}", *end);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_EQ(*parts, *c->GetPartitions("big_ids", o));
  EXPECT_EQ(ReadAllPartitions(Fresh, "big_ids", *parts, o),
            Drain(Fresh()->ReadTable("big_ids", "{}", o), "big_ids"));
  auto none = c->GetStreamPartitions("big_ids", o, *end, *end);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(Partitions, BadStreamOffsetsAreOneLineErrors) {
  const Options o = GoldenOptions(Expected()["users"]);
  auto c = Fresh();
  auto end = c->LatestOffset("users", o, "{}");
  ASSERT_TRUE(end.ok());
  const uint64_t v = *c->PinnedVersion("users");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{}", "garbage"},
      {"{}", "{\"cursor_field\":\"id\",\"cursor\":1,\"version\":" + std::to_string(v) + "}"},
      {"{}", "{\"cursor_field\":\"updated_at\",\"cursor\":\"x\",\"key\":[1],\"version\":" +
                 std::to_string(v) + "}"},
      {"{}", "{\"version\":" + std::to_string(v) + "}"},
      {"{}", "{\"version\":" + std::to_string(v + 5) + "}"},
      {"{\"version\":" + std::to_string(v + 5) + "}", *end},
      {"{}", "{\"cursor_field\":\"updated_at\",\"cursor\":1}"},
  };
  for (const auto& [s, e] : bad) {
    auto r = c->GetStreamPartitions("users", o, s, e);
    ASSERT_FALSE(r.ok()) << s << " " << e;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  }
  // A stream descriptor whose range was tampered with is refused when read.
  auto parts = c->GetStreamPartitions("users", o, "{}", *end);
  ASSERT_TRUE(parts.ok());
  ASSERT_FALSE(parts->empty());
  json d = json::parse(parts->front());
  d["end"]["cursor_field"] = "id";
  auto r = c->ReadPartition("users", d.dump(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  d = json::parse(parts->front());
  d["end"]["version"] = v + 1;
  EXPECT_FALSE(c->ReadPartition("users", d.dump(), o).ok());
}

// ---------------------------------------------------------------------------------------------
// Offset ranges (the Cloud source's partitions), over an in-memory source with offset scans.

// MemorySource plus ScanOptions::offset: skips rows of its (fixed) storage order.
class OffsetSource : public testing::MemorySource {
 public:
  bool SupportsScanOffset() const override { return true; }
  Result<source::Scan> OpenScan(const std::string& table,
                                const source::ScanOptions& options) override {
    if (options.offset == 0) return MemorySource::OpenScan(table, options);
    source::ScanOptions inner = options;
    inner.offset = 0;
    if (options.limit >= 0) inner.limit = options.offset + options.limit;
    LF_ASSIGN_OR_RETURN(auto scan, MemorySource::OpenScan(table, inner));
    scan.reader = std::make_unique<Skip>(std::move(scan.reader), options.offset);
    ++offset_scans;
    return scan;
  }
  int64_t offset_scans = 0;

 private:
  class Skip : public a::RecordBatchReader {
   public:
    Skip(std::unique_ptr<a::RecordBatchReader> inner, int64_t skip)
        : inner_(std::move(inner)), skip_(skip) {}
    a::SchemaPtr schema() const override { return inner_->schema(); }
    Result<a::RecordBatchPtr> Next() override {
      while (true) {
        LF_ASSIGN_OR_RETURN(auto b, inner_->Next());
        if (!b || skip_ == 0) return b;
        if (b->num_rows() <= skip_) {
          skip_ -= b->num_rows();
          continue;
        }
        auto out = b->Slice(skip_, b->num_rows() - skip_);
        skip_ = 0;
        return out;
      }
    }

   private:
    std::unique_ptr<a::RecordBatchReader> inner_;
    int64_t skip_;
  };
};

a::SchemaPtr EventSchema() {
  return std::make_shared<a::Schema>(std::vector<a::FieldPtr>{a::MakeField("id", a::int64(), false),
                                                              a::MakeField("ts", a::int64()),
                                                              a::MakeField("note", a::utf8())});
}

std::shared_ptr<OffsetSource> OffsetDb() {
  auto src = std::make_shared<OffsetSource>();
  std::vector<testing::Row> rows;
  for (int64_t i = 0; i < 1003; ++i) {
    rows.push_back({i, (i * 37) % 101, std::string("n") + std::to_string(i % 13)});
  }
  src->Commit("t", EventSchema(), rows, 64);
  return src;
}

TEST(Partitions, OffsetRangesCoverTheSnapshotExactlyOnce) {
  auto src = OffsetDb();
  auto fresh = [&] { return std::make_unique<LakeflowConnect>(src); };
  for (const Options& o : std::vector<Options>{
           {{"partition_rows", "100"}, {"batch_size", "30"}},
           {{"partition_rows", "250"}, {"filter_expression", "ts < 50"}, {"columns", "id,note"}},
           {{"partition_rows", "5000"}},
           {{"cursor_field", "ts"}, {"ingestion_type", "append"}, {"partition_rows", "300"}}}) {
    auto c = fresh();
    auto parts = c->GetPartitions("t", o);
    ASSERT_TRUE(parts.ok()) << parts.status().ToString();
    Options ref = o;
    ref["ingestion_type"] = "snapshot";
    auto whole = Drain(fresh()->ReadTable("t", "{}", ref), "t");
    EXPECT_EQ(ReadAllPartitions(fresh, "t", *parts, o), whole);
    // Ranges are contiguous, batch_size multiples (but the last), and cover the count.
    const int64_t batch = o.count("batch_size") ? std::stoll(o.at("batch_size")) : 1000;
    int64_t next = 0;
    for (size_t i = 0; i < parts->size(); ++i) {
      auto j = json::parse((*parts)[i]);
      EXPECT_EQ(j["offset"].get<int64_t>(), next);
      const int64_t limit = j["limit"];
      if (i + 1 < parts->size()) {
        EXPECT_EQ(limit % batch, 0) << (*parts)[i];
      }
      next += limit;
    }
    EXPECT_EQ(next, static_cast<int64_t>(whole.size()));
    EXPECT_EQ(*fresh()->GetPartitions("t", o), *parts);
  }
  auto c = fresh();
  auto parts = c->GetPartitions("t", {{"partition_rows", "100"}, {"batch_size", "30"}});
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->front(), "{\"table\":\"t\",\"version\":1,\"offset\":0,\"limit\":120}");
  EXPECT_EQ(parts->size(), 9u);  // ceil(1003 / 120)
  EXPECT_GT(src->offset_scans, 0);
  // Hostile ranges and fragments on a source without fragments.
  for (const std::string d :
       {"{\"table\":\"t\",\"version\":1,\"offset\":0}",
        "{\"table\":\"t\",\"version\":1,\"limit\":3}",
        "{\"table\":\"t\",\"version\":1,\"offset\":0,\"limit\":0}",
        "{\"table\":\"t\",\"version\":1,\"offset\":-4,\"limit\":3}",
        "{\"table\":\"t\",\"version\":1,\"offset\":0,\"limit\":3,\"fragments\":[0]}",
        "{\"table\":\"t\",\"version\":1,\"fragments\":[0]}",
        "{\"table\":\"t\",\"version\":2,\"offset\":0,\"limit\":3}"}) {
    auto r = c->ReadPartition("t", d, {});
    ASSERT_FALSE(r.ok()) << d;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  }
  for (const std::string bad : {"0", "-1", "x", "1e3", "100000001", " 5"}) {
    auto r = c->GetPartitions("t", {{"partition_rows", bad}});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("partition_rows"), std::string::npos);
  }
}

TEST(Partitions, NoRowsMakeOneEmptyPartition) {
  auto src = OffsetDb();
  src->Commit("empty", EventSchema(), {});
  auto fresh = [&] { return std::make_unique<LakeflowConnect>(src); };
  const Options none{{"filter_expression", "id < 0"}};
  auto parts = fresh()->GetPartitions("t", none);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_EQ(*parts, std::vector<std::string>{"{\"table\":\"t\",\"version\":1}"});
  EXPECT_TRUE(ReadAllPartitions(fresh, "t", *parts, none).empty());
  // The same descriptor without the filter reads the whole version.
  EXPECT_EQ(ReadAllPartitions(fresh, "t", *parts, {}).size(), 1003u);
  parts = fresh()->GetPartitions("empty", {});
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->size(), 1u);
  EXPECT_TRUE(ReadAllPartitions(fresh, "empty", *parts, {}).empty());
}

TEST(Partitions, StreamOnSourceWithoutFragmentsIsOnePartitionPerTrigger) {
  auto src = OffsetDb();
  auto fresh = [&] { return std::make_unique<LakeflowConnect>(src); };
  for (const Options& o : std::vector<Options>{
           {{"cursor_field", "ts"}, {"ingestion_type", "append"}, {"max_records_per_batch", "70"}},
           {{"cursor_field", "ts"},
            {"primary_keys", "id"},
            {"max_records_per_batch", "33"},
            {"filter_expression", "id > 100"}}}) {
    auto run = RunStream(fresh, "t", o);
    EXPECT_EQ(run.rows, DrainTable(fresh().get(), "t", o));
    EXPECT_EQ(run.partitions, static_cast<size_t>(run.triggers));
    EXPECT_GT(run.triggers, 3);
  }
}

TEST(Partitions, StreamLookBackAfterNewCommitsMatchesReadTable) {
  auto src = OffsetDb();
  auto fresh = [&] { return std::make_unique<LakeflowConnect>(src); };
  const Options o{{"cursor_field", "ts"},
                  {"primary_keys", "id"},
                  {"lookback", "3"},
                  {"max_records_per_batch", "40"}};
  auto first = RunStream(fresh, "t", o);
  EXPECT_EQ(first.rows.size(), 1003u);
  // New rows, some behind the stored cursor: the next run looks back once (as ReadTable does).
  std::vector<testing::Row> rows;
  for (int64_t i = 0; i < 1003; ++i) {
    rows.push_back({i, (i * 37) % 101, std::string("n") + std::to_string(i % 13)});
  }
  for (int64_t i = 0; i < 30; ++i) rows.push_back({2000 + i, 98 + i % 5, std::string("late")});
  src->Commit("t", EventSchema(), rows, 64);
  auto second = RunStream(fresh, "t", o, first.end);
  EXPECT_GE(second.triggers, 1);
  std::set<std::string> ids;
  for (const auto& line : second.rows) ids.insert(json::parse(line)["id"].dump());
  for (int64_t i = 0; i < 30; ++i) EXPECT_TRUE(ids.count(std::to_string(2000 + i))) << i;
}

TEST(Partitions, StreamWindowAndStartTimestampMatchReadTable) {
  auto src = std::make_shared<OffsetSource>();
  const int64_t s = 1'000'000;
  auto schema = std::make_shared<a::Schema>(
      std::vector<a::FieldPtr>{a::MakeField("id", a::int64(), false),
                               a::MakeField("ts", a::timestamp(a::TimeUnit::kMicro, "UTC")),
                               a::MakeField("note", a::utf8())});
  std::vector<testing::Row> rows;
  for (int64_t i = 0; i < 200; ++i) {
    // Clusters of equal cursors, gaps, nulls and a future-dated row.
    testing::Cell ts = i % 17 == 0 ? testing::Cell() : testing::Cell((i / 3) * 7 * s);
    if (i == 199) ts = int64_t{900000} * s;
    rows.push_back({i, ts, std::string("r")});
  }
  src->Commit("w", schema, rows, 9);
  auto fresh = [&] { return std::make_unique<LakeflowConnect>(src, 10000 * s); };
  for (const char* mode : {"append", "cdc"}) {
    SCOPED_TRACE(mode);
    const Options o{{"ingestion_type", mode},       {"cursor_field", "ts"},
                    {"primary_keys", "id"},         {"window_seconds", "30"},
                    {"max_records_per_batch", "8"}, {"start_timestamp", "1970-01-01T00:01:00Z"}};
    auto run = RunStream(fresh, "w", o);
    EXPECT_EQ(run.rows, DrainTable(fresh().get(), "w", o));
    EXPECT_GT(run.triggers, 5);
    for (const auto& line : run.rows) {
      const std::string ts = json::parse(line)["ts"];
      EXPECT_GE(ts, "1970-01-01T00:01:00") << line;
      EXPECT_LT(ts, "1970-01-02") << line;  // the future-dated row waits
    }
  }
}

TEST(Partitions, StreamReplayReadsTheEndOffsetsVersion) {
  auto src = OffsetDb();
  const Options o{{"cursor_field", "ts"}, {"primary_keys", "id"}, {"max_records_per_batch", "50"}};
  LakeflowConnect driver(src);
  auto end = driver.LatestOffset("t", o, "{}");
  ASSERT_TRUE(end.ok());
  auto parts = driver.GetStreamPartitions("t", o, "{}", *end);
  ASSERT_TRUE(parts.ok());
  auto before =
      ReadAllPartitions([&] { return std::make_unique<LakeflowConnect>(src); }, "t", *parts, o);
  // A writer commits a version with new rows inside the range's cursors; a replay of the same
  // (start, end] in a fresh instance still reads version 1.
  std::vector<testing::Row> rows;
  for (int64_t i = 0; i < 1003; ++i) rows.push_back({i, (i * 37) % 101, std::string("n")});
  for (int64_t i = 0; i < 50; ++i) rows.push_back({5000 + i, int64_t{0}, std::string("late")});
  src->Commit("t", EventSchema(), rows);
  LakeflowConnect restarted(src);
  auto replay = restarted.GetStreamPartitions("t", o, "{}", *end);
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_EQ(*replay, *parts);
  EXPECT_EQ(
      ReadAllPartitions([&] { return std::make_unique<LakeflowConnect>(src); }, "t", *replay, o),
      before);
  EXPECT_EQ(before.size(), 50u);
}

// ---------------------------------------------------------------------------------------------
// LanceDB Cloud: the REST test server (tests/cloud_server/server.py, the official engine behind
// the REST API) serving a copy of the engine-written tables. Skipped when it cannot start
// (python3 with lancedb missing).

class CloudPartitions : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    namespace fs = std::filesystem;
    dir_ = fs::temp_directory_path() / ("lanceflow_partitions_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy(std::string(kGoldenConnectDir) + "/db", dir_ / "db", fs::copy_options::recursive);
    const std::string port_file = (dir_ / "port").string();
    const std::string log = (dir_ / "server.log").string();
    pid_ = fork();
    if (pid_ == 0) {
      FILE* f = freopen(log.c_str(), "w", stderr);
      (void)f;
      FILE* g = freopen("/dev/null", "w", stdout);
      (void)g;
      const std::string db = (dir_ / "db").string();
      execlp("python3", "python3", "tests/cloud_server/server.py", "--db", db.c_str(), "--port",
             "0", "--port-file", port_file.c_str(), "--api-key", "test-key", "--batch-rows", "17",
             static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::ifstream in(port_file);
      std::string port;
      if (in >> port && !port.empty()) {
        cloud::CloudOptions o;
        o.database = "testdb";
        o.api_key = "test-key";
        o.host_override = "http://127.0.0.1:" + port;
        o.page_rows = 40;  // several pages per partition
        auto src = cloud::CloudSource::Make(o);
        if (src.ok() && (*src)->ListTables().ok()) {
          source_ = std::shared_ptr<source::Source>(std::move(*src));
          return;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    source_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void SetUp() override {
    if (!source_) GTEST_SKIP() << "the cloud test server did not start (python3 + lancedb?)";
  }
  static std::unique_ptr<LakeflowConnect> FreshCloud() {
    return std::make_unique<LakeflowConnect>(source_);
  }

  static inline std::filesystem::path dir_;
  static inline pid_t pid_ = -1;
  static inline std::shared_ptr<source::Source> source_;
};

TEST_F(CloudPartitions, PageRangesCoverTheSnapshotExactlyOnce) {
  const json expected = Expected();
  for (const std::string table : {"events", "users", "typed"}) {
    for (const Options& o : std::vector<Options>{
             {{"ingestion_type", "snapshot"}, {"partition_rows", "50"}, {"batch_size", "30"}},
             {{"ingestion_type", "snapshot"},
              {"partition_rows", "15"},
              {"batch_size", "10"},
              {"filter_expression", "id >= 20"},
              {"columns", "[\"id\"]"}}}) {
      SCOPED_TRACE(table + " " + (o.count("columns") ? "projected" : "all"));
      auto c = FreshCloud();
      auto parts = c->GetPartitions(table, o);
      ASSERT_TRUE(parts.ok()) << parts.status().ToString();
      EXPECT_GT(parts->size(), 1u);
      auto rows = ReadAllPartitions(FreshCloud, table, *parts, o);
      EXPECT_EQ(rows, Drain(FreshCloud()->ReadTable(table, "{}", o), table));
      // The same rows as the native reader of the same files.
      EXPECT_EQ(rows, Drain(Fresh()->ReadTable(table, "{}", o), table));
      if (!o.count("filter_expression")) {
        EXPECT_EQ(rows.size(), expected[table]["rows"].size());
      }
      EXPECT_EQ(*FreshCloud()->GetPartitions(table, o), *parts);
      for (const auto& p : *parts) {
        auto j = json::parse(p);
        EXPECT_TRUE(j.contains("offset") && j.contains("limit") && !j.contains("fragments")) << p;
      }
    }
  }
  auto r = FreshCloud()->ReadPartition("events",
                                       "{\"table\":\"events\",\"version\":1,"
                                       "\"fragments\":[0]}",
                                       {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CloudPartitions, StreamMatchesReadTable) {
  const json expected = Expected();
  for (const std::string table : {"events", "users"}) {
    SCOPED_TRACE(table);
    const Options o = GoldenOptions(expected[table]);
    auto run = RunStream(FreshCloud, table, o);
    EXPECT_EQ(run.rows, DrainTable(FreshCloud().get(), table, o));
    EXPECT_EQ(run.rows, DrainTable(Fresh().get(), table, o));
    EXPECT_EQ(run.partitions, static_cast<size_t>(run.triggers));
    EXPECT_GT(run.triggers, 1);
  }
}

}  // namespace
}  // namespace lanceflow::connect
