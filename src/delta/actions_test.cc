#include "lanceflow/delta/actions.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

namespace lanceflow::delta {
namespace {

using json = nlohmann::json;

json Line(const Action& a) {
  auto s = SerializeAction(a);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return json::parse(*s);
}

TEST(DeltaActions, ProtocolShape) {
  json j = Line(Protocol{});
  EXPECT_EQ(j, json::parse(R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"));
  Protocol p{3, 7, std::vector<std::string>{}, std::vector<std::string>{"appendOnly"}};
  j = Line(p);
  EXPECT_EQ(j["protocol"]["readerFeatures"], json::array());
  EXPECT_EQ(j["protocol"]["writerFeatures"], json::array({"appendOnly"}));
}

TEST(DeltaActions, MetadataShapeHasEveryRequiredField) {
  Metadata m;
  m.id = "3f0c2d6e-8a4b-4c47-9b61-6d2a4e1f9c10";
  m.schema_string = R"({"type":"struct","fields":[]})";
  m.created_time = 1700000000000;
  json j = Line(m)["metaData"];
  EXPECT_EQ(j["id"], m.id);
  EXPECT_EQ(j["format"], json::parse(R"({"provider":"parquet","options":{}})"));
  EXPECT_TRUE(j["schemaString"].is_string());
  EXPECT_EQ(j["partitionColumns"], json::array());
  EXPECT_EQ(j["configuration"], json::object());
  EXPECT_EQ(j["createdTime"], 1700000000000);
  EXPECT_FALSE(j.contains("name"));
  m.id = "not-a-uuid";
  EXPECT_EQ(SerializeAction(m).status().code(), StatusCode::kInvalidArgument);
}

TEST(DeltaActions, AddAndRemoveShapes) {
  AddFile a;
  a.path = "part 1/ü#x.parquet";
  a.size = 5012;
  a.modification_time = 1700000000123;
  a.stats = R"({"numRecords":3})";
  json j = Line(a)["add"];
  EXPECT_EQ(j["path"], "part%201/%C3%BC%23x.parquet");
  EXPECT_EQ(j["partitionValues"], json::object());
  EXPECT_EQ(j["size"], 5012);
  EXPECT_EQ(j["modificationTime"], 1700000000123);
  EXPECT_EQ(j["dataChange"], true);
  EXPECT_EQ(j["stats"], R"({"numRecords":3})");

  RemoveFile r;
  r.path = "a.parquet";
  r.deletion_timestamp = 1700000000500;
  r.extended_file_metadata = true;
  r.partition_values = PartitionValues{};
  r.size = 5012;
  j = Line(r)["remove"];
  EXPECT_EQ(j, json::parse(R"({"path":"a.parquet","deletionTimestamp":1700000000500,
      "dataChange":true,"extendedFileMetadata":true,"partitionValues":{},"size":5012})"));
  a.size = -1;
  EXPECT_FALSE(SerializeAction(a).ok());
}

TEST(DeltaActions, TxnAndCommitInfo) {
  json j = Line(AppTransaction{"lanceflow:docs", 42, 1700000000500});
  EXPECT_EQ(j,
            json::parse(
                R"({"txn":{"appId":"lanceflow:docs","version":42,"lastUpdated":1700000000500}})"));
  EXPECT_FALSE(SerializeAction(AppTransaction{"", 1, std::nullopt}).ok());
  CommitInfo ci;
  ci.timestamp = 5;
  ci.operation = "WRITE";
  ci.operation_parameters["mode"] = "Append";
  j = Line(ci)["commitInfo"];
  EXPECT_EQ(j["operation"], "WRITE");
  EXPECT_EQ(j["operationParameters"]["mode"], "Append");
}

TEST(DeltaActions, CommitRoundTrip) {
  Metadata m;
  m.id = NewUuid();
  m.name = "t";
  m.schema_string = R"({"type":"struct","fields":[]})";
  m.configuration["delta.appendOnly"] = "false";
  AddFile a;
  a.path = "dir/x y.parquet";
  a.size = 1;
  a.modification_time = 2;
  a.partition_values["p"] = std::nullopt;
  a.tags = std::map<std::string, std::string>{{"k", "v"}};
  RemoveFile r;
  r.path = "old%file.parquet";
  r.data_change = false;
  CommitInfo ci;
  ci.timestamp = 9;
  ci.is_blind_append = false;
  std::vector<Action> in = {Protocol{}, m, a, r, AppTransaction{"app", 7, std::nullopt}, ci};
  auto text = SerializeCommit(in);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(std::count(text->begin(), text->end(), '\n'), 6);
  auto out = ParseCommit(*text, "v");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, in);
}

TEST(DeltaActions, ParseIgnoresUnknownActionsAndFields) {
  std::string text =
      R"({"cdc":{"path":"x"}})"
      "\n"
      "\n"
      R"({"add":{"path":"a.parquet","partitionValues":{},"size":1,"modificationTime":2,)"
      R"("dataChange":true,"futureField":[1,2]}})"
      "\n"
      R"({"domainMetadata":{"domain":"d","configuration":"{}","removed":false}})"
      "\n";
  auto out = ParseCommit(text, "f");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ(std::get<AddFile>((*out)[0]).path, "a.parquet");
}

TEST(DeltaActions, ParseRefusesBrokenActionsNamingFileAndLine) {
  struct Case {
    std::string line;
    std::string expect;
  };
  std::vector<Case> cases = {
      {"{not json", "f line 2: not valid JSON"},
      {"[1]", "f line 2: an action must be a JSON object"},
      {R"({"add":{"partitionValues":{},"size":1,"modificationTime":2,"dataChange":true}})",
       "f line 2: add: missing required field 'path'"},
      {R"({"add":{"path":"a","partitionValues":{},"size":"1","modificationTime":2,"dataChange":true}})",
       "f line 2: add: field 'size' is not an integer"},
      {R"({"add":{"path":"a","partitionValues":{},"size":-1,"modificationTime":2,"dataChange":true}})",
       "f line 2: add: negative size"},
      {R"({"add":{"path":"a%zz","partitionValues":{},"size":1,"modificationTime":2,"dataChange":true}})",
       "malformed %-escape"},
      {R"({"remove":{"path":"a"}})", "f line 2: remove: missing required field 'dataChange'"},
      {R"({"txn":{"appId":"a","version":1.5}})",
       "f line 2: txn: field 'version' is not an integer"},
      {R"({"protocol":{"minReaderVersion":0,"minWriterVersion":2}})",
       "field 'minReaderVersion' is out of range"},
      {R"({"metaData":{"id":"x","format":{"provider":"parquet"},"partitionColumns":[]}})",
       "f line 2: metaData: missing required field 'schemaString'"},
      {R"({"add":[]})", "f line 2: add: the action is not a JSON object"},
      {R"({"add":{"path":"a","partitionValues":{"p":1},"size":1,"modificationTime":2,"dataChange":true}})",
       "partition value 'p' is not a string"},
  };
  for (const auto& c : cases) {
    std::string text = std::string(R"({"commitInfo":{}})") + "\n" + c.line + "\n";
    auto out = ParseCommit(text, "f");
    ASSERT_FALSE(out.ok()) << c.line;
    EXPECT_EQ(out.status().code(), StatusCode::kCorrupt) << c.line;
    EXPECT_NE(out.status().message().find(c.expect), std::string::npos)
        << c.line << " -> " << out.status().message();
  }
}

TEST(DeltaActions, PathEncoding) {
  EXPECT_EQ(EncodePath("a/b=1/c-d_e.f~!*'();:$&+,@"), "a/b=1/c-d_e.f~!*'();:$&+,@");
  EXPECT_EQ(EncodePath("a b%c?#[]\"\x01"), "a%20b%25c%3F%23%5B%5D%22%01");
  for (std::string s : {"plain.parquet", "x y/%z/é漢.parquet", "a?b#c"}) {
    auto d = DecodePath(EncodePath(s));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(*DecodePath("a%2fb"), "a/b");
  EXPECT_FALSE(DecodePath("a%2").ok());
  EXPECT_FALSE(DecodePath("a%00").ok());
}

TEST(DeltaActions, UuidsAreV4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string u = NewUuid();
    ASSERT_EQ(u.size(), 36u);
    EXPECT_EQ(u[14], '4');
    EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos);
    EXPECT_TRUE(seen.insert(u).second);
  }
}

}  // namespace
}  // namespace lanceflow::delta
