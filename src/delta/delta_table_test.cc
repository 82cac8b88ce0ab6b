#include "lanceflow/delta/delta_table.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lanceflow/delta/file_stats.h"

namespace lanceflow::delta {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class DeltaTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lanceflow_delta_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    root_ = dir_ + "/table";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static arrow::Schema TestSchema() {
    return arrow::Schema(
        {arrow::MakeField("id", arrow::int64(), false), arrow::MakeField("text", arrow::utf8())});
  }

  static AddFile File(const std::string& path, int64_t lo, int64_t hi) {
    AddFile f;
    f.path = path;
    f.size = 100 + lo;
    f.modification_time = 1700000000000 + lo;
    FileStats s;
    s.num_records = hi - lo + 1;
    s.columns.push_back({{"id"}, StatValue(lo), StatValue(hi), 0});
    f.stats = *s.ToJson();
    return f;
  }

  std::string ReadLog(int64_t version) {
    std::ifstream in(root_ + "/" + CommitFileName(version));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  void WriteLog(int64_t version, const std::string& text) {
    std::ofstream out(root_ + "/" + CommitFileName(version));
    out << text;
  }

  std::unique_ptr<DeltaTable> MakeTable(std::vector<AddFile> files = {}) {
    auto t = DeltaTable::Create(root_, TestSchema(), {}, std::move(files));
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? std::move(t).value() : nullptr;
  }

  std::string dir_;
  std::string root_;
};

std::vector<std::string> Paths(const Snapshot& s) {
  std::vector<std::string> out;
  for (const auto& f : s.files) out.push_back(f.path);
  return out;
}

TEST_F(DeltaTableTest, CreateWritesProtocolMetadataAndSchema) {
  CreateOptions opts;
  opts.name = "docs";
  opts.configuration["delta.appendOnly"] = "false";
  opts.created_time = 1700000000000;
  auto t = DeltaTable::Create(root_, TestSchema(), opts, {File("a.parquet", 1, 3)});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  std::string log = ReadLog(0);
  std::vector<json> lines;
  std::stringstream ss(log);
  for (std::string line; std::getline(ss, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(lines[0].contains("commitInfo"));
  EXPECT_EQ(lines[1], json::parse(R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"));
  const json& md = lines[2]["metaData"];
  EXPECT_EQ(md["name"], "docs");
  EXPECT_EQ(md["createdTime"], 1700000000000);
  EXPECT_EQ(md["configuration"]["delta.appendOnly"], "false");
  EXPECT_EQ(json::parse(md["schemaString"].get<std::string>()),
            json::parse(R"({"type":"struct","fields":[
              {"name":"id","type":"long","nullable":false,"metadata":{}},
              {"name":"text","type":"string","nullable":true,"metadata":{}}]})"));
  EXPECT_EQ(lines[3]["add"]["path"], "a.parquet");

  auto snap = (*t)->LoadSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->version, 0);
  EXPECT_EQ(snap->metadata.name, "docs");
  EXPECT_EQ(snap->metadata.id, md["id"]);
  EXPECT_EQ(Paths(*snap), std::vector<std::string>{"a.parquet"});
  EXPECT_EQ(snap->NumRecords(), 3);
  // A second create at the same place fails and leaves version 0 alone.
  auto again = DeltaTable::Create(root_, TestSchema());
  EXPECT_EQ(again.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadLog(0), log);
}

TEST_F(DeltaTableTest, AppendOverwriteMergeAndTxn) {
  auto t = MakeTable({File("a.parquet", 0, 9)});
  ASSERT_TRUE(t);
  // Append two files with an app transaction.
  Snapshot s0 = *t->LoadSnapshot();
  Transaction append(s0);
  ASSERT_TRUE(append.Add(File("b.parquet", 10, 19)).ok());
  ASSERT_TRUE(append.Add(File("c.parquet", 20, 29)).ok());
  ASSERT_TRUE(append.SetAppTransaction("lanceflow:docs", 1, 1700000000000).ok());
  auto r = t->Commit(append);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, CommitOutcome::kCommitted);
  EXPECT_EQ(r->version, 1);
  Snapshot s1 = *t->LoadSnapshot();
  EXPECT_EQ(Paths(s1), (std::vector<std::string>{"a.parquet", "b.parquet", "c.parquet"}));
  EXPECT_EQ(s1.AppTransactionVersion("lanceflow:docs"), 1);
  EXPECT_EQ(s1.AppTransactionVersion("other"), std::nullopt);

  // Merge: keys 15 and 25 live in b and c; rewrite them.
  std::vector<KeyColumn> cols = {{{"id"}, KeyKind::kNumber}};
  auto picked =
      FilesThatMayHoldKeys(s1.files, cols, {{StatValue(int64_t{15})}, {StatValue(int64_t{25})}});
  ASSERT_TRUE(picked.ok());
  ASSERT_EQ(*picked, (std::vector<size_t>{1, 2}));
  Transaction merge(s1);
  for (size_t i : *picked) ASSERT_TRUE(merge.Remove(s1.files[i].path, 1700000000500).ok());
  ASSERT_TRUE(merge.Add(File("d.parquet", 10, 29)).ok());
  ASSERT_TRUE(merge.SetAppTransaction("lanceflow:docs", 2, std::nullopt).ok());
  CommitInfo ci;
  ci.operation = "MERGE";
  merge.SetCommitInfo(ci);
  ASSERT_EQ(t->Commit(merge)->version, 2);
  Snapshot s2 = *t->LoadSnapshot();
  EXPECT_EQ(Paths(s2), (std::vector<std::string>{"a.parquet", "d.parquet"}));
  EXPECT_EQ(s2.AppTransactionVersion("lanceflow:docs"), 2);
  // The removes carry the extended file metadata of the files they remove.
  auto actions = t->ReadCommit(2);
  ASSERT_TRUE(actions.ok());
  int removes = 0;
  for (const auto& a : *actions) {
    if (const auto* rm = std::get_if<RemoveFile>(&a)) {
      ++removes;
      EXPECT_EQ(rm->extended_file_metadata, true);
      EXPECT_EQ(rm->deletion_timestamp, 1700000000500);
      EXPECT_EQ(rm->size, s1.FindFile(rm->path)->size);
      EXPECT_EQ(rm->stats, s1.FindFile(rm->path)->stats);
    }
  }
  EXPECT_EQ(removes, 2);

  // Overwrite.
  Transaction over(s2);
  over.RemoveAll(1700000000600);
  ASSERT_TRUE(over.Add(File("e.parquet", 0, 4)).ok());
  ASSERT_EQ(t->Commit(over)->version, 3);
  Snapshot s3 = *t->LoadSnapshot();
  EXPECT_EQ(Paths(s3), std::vector<std::string>{"e.parquet"});
  EXPECT_EQ(s3.NumRecords(), 5);
  // Incremental update from any older snapshot equals a full replay.
  for (const Snapshot* base : {&s0, &s1, &s2, &s3}) {
    auto up = t->UpdateSnapshot(*base);
    ASSERT_TRUE(up.ok()) << up.status().ToString();
    EXPECT_EQ(up->version, 3);
    EXPECT_EQ(up->files, s3.files);
    EXPECT_EQ(up->app_transactions, s3.app_transactions);
    EXPECT_EQ(up->metadata, s3.metadata);
  }
  // Time travel.
  EXPECT_EQ(Paths(*t->LoadSnapshot(1)), Paths(s1));
  EXPECT_EQ(t->LoadSnapshot(4).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*t->LatestVersion(), 3);
  // Once the early commits are gone, only an incremental update can still read the table.
  std::filesystem::remove(root_ + "/" + CommitFileName(0));
  EXPECT_EQ(t->LoadSnapshot().status().code(), StatusCode::kCorrupt);
  auto up = t->UpdateSnapshot(s1);
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(up->files, s3.files);
  Snapshot future = s3;
  future.version = 9;
  EXPECT_EQ(t->UpdateSnapshot(future).status().code(), StatusCode::kCorrupt);
  Snapshot empty;
  EXPECT_EQ(t->UpdateSnapshot(empty).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DeltaTableTest, TransactionRefusesInvalidCommits) {
  auto t = MakeTable({File("a.parquet", 0, 9)});
  Snapshot s = *t->LoadSnapshot();
  Transaction empty(s);
  EXPECT_EQ(t->Commit(empty).status().code(), StatusCode::kInvalidArgument);
  Transaction tx(s);
  EXPECT_FALSE(tx.Remove("nope.parquet", 1).ok());
  ASSERT_TRUE(tx.Remove("a.parquet", 1).ok());
  EXPECT_FALSE(tx.Remove("a.parquet", 1).ok());
  ASSERT_TRUE(tx.Add(File("a.parquet", 0, 1)).ok());
  EXPECT_EQ(t->Commit(tx).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(tx.SetAppTransaction("", 1, std::nullopt).ok());
  ASSERT_TRUE(tx.SetAppTransaction("x", 1, std::nullopt).ok());
  EXPECT_FALSE(tx.SetAppTransaction("x", 2, std::nullopt).ok());
  EXPECT_EQ(*t->LatestVersion(), 0);
}

TEST_F(DeltaTableTest, AppendOnlyTablesRefuseRemovals) {
  CreateOptions opts;
  opts.configuration["delta.appendOnly"] = "true";
  auto t = DeltaTable::Create(root_, TestSchema(), opts, {File("a.parquet", 0, 9)});
  ASSERT_TRUE(t.ok());
  Snapshot s = *(*t)->LoadSnapshot();
  Transaction over(s);
  over.RemoveAll(1);
  auto r = (*t)->Commit(over);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("append-only"), std::string::npos);
  Transaction append(s);
  ASSERT_TRUE(append.Add(File("b.parquet", 10, 19)).ok());
  EXPECT_TRUE((*t)->Commit(append).ok());
}

TEST_F(DeltaTableTest, TryCommitVersionIsCreateIfAbsent) {
  auto t = MakeTable();
  std::vector<Action> mine = {AppTransaction{"a", 1, std::nullopt}};
  std::vector<Action> theirs = {AppTransaction{"b", 1, std::nullopt}};
  auto r1 = t->TryCommitVersion(1, mine);
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->outcome, CommitOutcome::kCommitted);
  std::string content = ReadLog(1);
  auto r2 = t->TryCommitVersion(1, theirs);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->outcome, CommitOutcome::kVersionTaken);
  EXPECT_EQ(ReadLog(1), content);
  // No gaps: version 3 needs version 2.
  EXPECT_EQ(t->TryCommitVersion(3, mine).status().code(), StatusCode::kInvalidArgument);
  // No temporary files are left behind.
  for (const auto& e : fs::directory_iterator(root_ + "/_delta_log")) {
    EXPECT_EQ(e.path().extension(), ".json") << e.path();
  }
}

TEST_F(DeltaTableTest, ConcurrentProcessesExactlyOneWinsEachVersion) {
  auto t = MakeTable();
  constexpr int kWriters = 6;
  constexpr int kVersions = 15;
  // Each child tries to take versions 1..kVersions in order with TryCommitVersion; for each
  // version exactly one child must report a win, and the log must hold that child's content.
  std::string results = dir_ + "/results";
  fs::create_directories(results);
  std::vector<pid_t> pids;
  for (int w = 0; w < kWriters; ++w) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::ofstream out(results + "/" + std::to_string(w));
      for (int v = 1; v <= kVersions; ++v) {
        // Wait until version v-1 exists so every writer competes for v.
        while (!fs::exists(root_ + "/" + CommitFileName(v - 1))) usleep(100);
        std::vector<Action> actions = {AppTransaction{"w" + std::to_string(w), v, std::nullopt}};
        auto r = t->TryCommitVersion(v, actions);
        if (!r.ok()) _exit(2);
        if (r->outcome == CommitOutcome::kCommitted) out << v << "\n";
      }
      out.close();
      _exit(0);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::map<int, std::vector<int>> winners;
  for (int w = 0; w < kWriters; ++w) {
    std::ifstream in(results + "/" + std::to_string(w));
    for (int v; in >> v;) winners[v].push_back(w);
  }
  for (int v = 1; v <= kVersions; ++v) {
    ASSERT_EQ(winners[v].size(), 1u) << "version " << v;
    auto actions = t->ReadCommit(v);
    ASSERT_TRUE(actions.ok());
    ASSERT_EQ(actions->size(), 1u);
    EXPECT_EQ(std::get<AppTransaction>((*actions)[0]).app_id, "w" + std::to_string(winners[v][0]));
  }
  EXPECT_EQ(*t->LatestVersion(), kVersions);
}

TEST_F(DeltaTableTest, CommitRebasesBlindAppendsAndReportsConflicts) {
  auto t = MakeTable({File("a.parquet", 0, 9)});
  Snapshot s0 = *t->LoadSnapshot();
  // Another writer appends first.
  Transaction other(s0);
  ASSERT_TRUE(other.Add(File("x.parquet", 100, 109)).ok());
  ASSERT_EQ(t->Commit(other)->version, 1);
  // A blind append planned from version 0 lands at version 2.
  Transaction append(s0);
  ASSERT_TRUE(append.Add(File("b.parquet", 10, 19)).ok());
  auto r = t->Commit(append);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, CommitOutcome::kCommitted);
  EXPECT_EQ(r->version, 2);
  // A merge planned from version 0 conflicts with the added files (they may hold its keys).
  Transaction merge(s0);
  ASSERT_TRUE(merge.Remove("a.parquet", 1).ok());
  ASSERT_TRUE(merge.Add(File("c.parquet", 0, 9)).ok());
  r = t->Commit(merge);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, CommitOutcome::kVersionTaken);
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(*t->LatestVersion(), 2);
  // Same app id committed in between: conflict, even for an append.
  Snapshot s2 = *t->LoadSnapshot();
  Transaction a1(s2);
  ASSERT_TRUE(a1.SetAppTransaction("app", 1, std::nullopt).ok());
  ASSERT_TRUE(t->Commit(a1).ok());
  Transaction a2(s2);
  ASSERT_TRUE(a2.Add(File("d.parquet", 0, 1)).ok());
  ASSERT_TRUE(a2.SetAppTransaction("app", 1, std::nullopt).ok());
  EXPECT_EQ(t->Commit(a2)->outcome, CommitOutcome::kVersionTaken);
  // A metadata change in between: conflict.
  Snapshot s3 = *t->LoadSnapshot();
  Transaction schema_change(s3);
  Metadata m = s3.metadata;
  m.configuration["k"] = "v";
  schema_change.SetMetadata(m);
  ASSERT_TRUE(t->Commit(schema_change).ok());
  Transaction a3(s3);
  ASSERT_TRUE(a3.Add(File("e.parquet", 0, 1)).ok());
  EXPECT_EQ(t->Commit(a3)->outcome, CommitOutcome::kVersionTaken);
  EXPECT_EQ(t->LoadSnapshot()->metadata.configuration.at("k"), "v");
}

TEST_F(DeltaTableTest, LoaderRefusesUnsupportedAndBrokenLogs) {
  auto t = MakeTable();
  const std::string md =
      R"({"metaData":{"id":"3f0c2d6e-8a4b-4c47-9b61-6d2a4e1f9c10","format":{"provider":"parquet","options":{}},)"
      R"("schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":[],"configuration":{}}})";
  struct Case {
    std::string protocol;
    StatusCode code;
    std::string expect;
  };
  std::vector<Case> cases = {
      {R"({"protocol":{"minReaderVersion":2,"minWriterVersion":5}})", StatusCode::kNotImplemented,
       "column mapping"},
      {R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors","columnMapping"],"writerFeatures":["deletionVectors","columnMapping"]}})",
       StatusCode::kNotImplemented, "'columnMapping'"},
      {R"({"protocol":{"minReaderVersion":4,"minWriterVersion":7}})", StatusCode::kNotImplemented,
       "reader version 4"},
  };
  for (const auto& c : cases) {
    WriteLog(0, c.protocol + "\n" + md + "\n");
    auto s = t->LoadSnapshot();
    ASSERT_FALSE(s.ok()) << c.protocol;
    EXPECT_EQ(s.status().code(), c.code);
    EXPECT_NE(s.status().message().find(c.expect), std::string::npos) << s.status().message();
  }
  // Readable but not writable: writer version 4 (change data feed, generated columns).
  WriteLog(0, R"({"protocol":{"minReaderVersion":1,"minWriterVersion":4}})"
              "\n" +
                  md + "\n");
  auto s = t->LoadSnapshot();
  ASSERT_TRUE(s.ok());
  Transaction tx(*s);
  ASSERT_TRUE(tx.SetAppTransaction("a", 1, std::nullopt).ok());
  EXPECT_EQ(t->Commit(tx).status().code(), StatusCode::kNotImplemented);
  // Version 0 without metaData.
  WriteLog(0, R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
              "\n");
  EXPECT_EQ(t->LoadSnapshot().status().code(), StatusCode::kCorrupt);
  // A gap in the log.
  WriteLog(0, R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
              "\n" +
                  md + "\n");
  WriteLog(2, R"({"commitInfo":{}})"
              "\n");
  s = t->LoadSnapshot();
  EXPECT_EQ(s.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(s.status().message().find("version 1 is missing"), std::string::npos);
  // A deletion vector descriptor lacking its required fields.
  WriteLog(
      1,
      R"({"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"deletionVector":{"storageType":"u"}}})"
      "\n");
  fs::remove(root_ + "/" + CommitFileName(2));
  s = t->LoadSnapshot();
  EXPECT_EQ(s.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(s.status().message().find("pathOrInlineDv"), std::string::npos);
}

TEST_F(DeltaTableTest, CheckpointsAreIgnoredWhileTheLogIsCompleteAndRefusedOtherwise) {
  auto t = MakeTable({File("a.parquet", 0, 9)});
  Transaction tx(*t->LoadSnapshot());
  ASSERT_TRUE(tx.Add(File("b.parquet", 10, 19)).ok());
  ASSERT_TRUE(t->Commit(tx).ok());
  // A checkpoint at version 1 (content irrelevant: it is not read while the log is complete).
  std::ofstream(root_ + "/_delta_log/00000000000000000001.checkpoint.parquet") << "PAR1";
  std::ofstream(root_ + "/_delta_log/_last_checkpoint") << R"({"version":1,"size":4})";
  auto s = t->LoadSnapshot();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(Paths(*s), (std::vector<std::string>{"a.parquet", "b.parquet"}));
  // Cleaned-up early commits: the state lives only in the checkpoint.
  fs::remove(root_ + "/" + CommitFileName(0));
  auto r = t->LoadSnapshot();
  EXPECT_EQ(r.status().code(), StatusCode::kNotImplemented);
  EXPECT_NE(r.status().message().find("checkpoint"), std::string::npos);
}

TEST_F(DeltaTableTest, OpenAndDataFilePath) {
  EXPECT_EQ(DeltaTable::Open(root_).status().code(), StatusCode::kNotFound);
  MakeTable();
  auto t = DeltaTable::Open(root_ + "/");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->root(), root_);
  EXPECT_EQ(*(*t)->DataFilePath("part-0.parquet"), root_ + "/part-0.parquet");
  EXPECT_EQ(*(*t)->DataFilePath("a/..b/c"), root_ + "/a/..b/c");
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "s3://bucket/x", "file:/x"}) {
    EXPECT_FALSE((*t)->DataFilePath(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace lanceflow::delta
