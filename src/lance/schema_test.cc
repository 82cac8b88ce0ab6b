#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "lanceflow/lance/data_file.h"
#include "lanceflow/lance/manifest.h"

namespace lanceflow::lance {
namespace {

std::string TypeOf(std::string_view t) {
  auto r = ParseLogicalType(t);
  return r.ok() ? (*r)->ToString() : r.status().ToString();
}

TEST(LogicalType, Parses) {
  EXPECT_EQ(TypeOf("int64"), "int64");
  EXPECT_EQ(TypeOf("halffloat"), "halffloat");
  EXPECT_EQ(TypeOf("timestamp:ms:-"), "timestamp[ms]");
  EXPECT_EQ(TypeOf("timestamp:us:America/New_York"), "timestamp[us, tz=America/New_York]");
  EXPECT_EQ(TypeOf("time32:ms"), "time32[ms]");
  EXPECT_EQ(TypeOf("time64:ns"), "time64[ns]");
  EXPECT_EQ(TypeOf("duration:s"), "duration[s]");
  EXPECT_EQ(TypeOf("decimal:128:10:2"), "decimal128(10, 2)");
  EXPECT_EQ(TypeOf("decimal:256:40:-3"), "decimal256(40, -3)");
  EXPECT_EQ(TypeOf("fixed_size_binary:16"), "fixed_size_binary[16]");
  EXPECT_EQ(TypeOf("fixed_size_list:float:768"), "fixed_size_list<item: float>[768]");
  EXPECT_EQ(TypeOf("fixed_size_list:fixed_size_list:int8:2:3"),
            "fixed_size_list<item: fixed_size_list<item: int8>[2]>[3]");
  EXPECT_EQ(TypeOf("fixed_size_list:timestamp:us:UTC:2"),
            "fixed_size_list<item: timestamp[us, tz=UTC]>[2]");
  EXPECT_EQ(TypeOf("dict:string:int32:false"), "dictionary<values=string, indices=int32>");
}

TEST(LogicalType, Rejects) {
  for (const char* bad : {"timestamp:ms", "timestamp:xs:-", "time32:us", "decimal:128:0:0",
                          "decimal:64:3:1", "fixed_size_list:float:-1", "fixed_size_list:float",
                          "fixed_size_binary:x", "dict:string:float:false", "struct", "list",
                          "map"}) {
    auto r = ParseLogicalType(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kCorrupt) << bad << ": " << r.status().ToString();
  }
  for (const char* unsupported : {"json", "fixed_size_list:lance.bfloat16:8", "int128"}) {
    EXPECT_EQ(ParseLogicalType(unsupported).status().code(), StatusCode::kNotImplemented)
        << unsupported;
  }
}

LanceField F(int32_t id, int32_t parent, std::string name, std::string type) {
  LanceField f;
  f.id = id;
  f.parent_id = parent;
  f.name = std::move(name);
  f.logical_type = std::move(type);
  return f;
}

TEST(ArrowSchema, NestedAndPaths) {
  std::vector<LanceField> fields = {F(0, -1, "a", "int32"),     F(1, -1, "s", "struct"),
                                    F(2, 1, "x", "string"),      F(3, 1, "l", "list.struct"),
                                    F(4, 3, "item", "struct"),   F(5, 4, "k", "int8"),
                                    F(7, -1, "v", "fixed_size_list:float:2")};
  auto schema = BuildArrowSchema(&fields, {});
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_EQ((*schema)->ToString().find("s: struct<x: string, l: list<item: struct<k: int8>>>") !=
                std::string::npos,
            true)
      << (*schema)->ToString();
  EXPECT_EQ(fields[5].arrow_path, (std::vector<int>{1, 1, 0, 0}));
  EXPECT_EQ(fields[6].arrow_path, (std::vector<int>{2}));
}

TEST(ArrowSchema, MapIsListOfKeyValueStruct) {
  std::vector<LanceField> fields = {F(0, -1, "m", "map"), F(1, 0, "entries", "struct"),
                                    F(2, 1, "key", "string"), F(3, 1, "value", "int64")};
  fields[1].nullable = false;
  fields[2].nullable = false;
  auto schema = BuildArrowSchema(&fields, {});
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  const auto& m = (*schema)->field(0);
  ASSERT_EQ(m->type->id(), arrow::TypeId::kList);
  const auto& entries = m->type->children()[0];
  EXPECT_EQ(entries->name, "entries");
  EXPECT_FALSE(entries->nullable);
  ASSERT_EQ(entries->type->children().size(), 2u);
  EXPECT_EQ(entries->type->children()[0]->name, "key");
  EXPECT_FALSE(entries->type->children()[0]->nullable);
  EXPECT_EQ(entries->type->children()[1]->type->id(), arrow::TypeId::kInt64);
  EXPECT_EQ(fields[3].arrow_path, (std::vector<int>{0, 0, 1}));
  // A map whose child is not a two-member struct.
  std::vector<LanceField> bad = {F(0, -1, "m", "map"), F(1, 0, "k", "string")};
  EXPECT_NE(BuildArrowSchema(&bad, {}).status().message().find("key and value"),
            std::string::npos);
  std::vector<LanceField> none = {F(0, -1, "m", "map")};
  EXPECT_NE(BuildArrowSchema(&none, {}).status().message().find("expected 1"), std::string::npos);
}

TEST(ArrowSchema, RejectsBadTrees) {
  std::vector<LanceField> dup = {F(0, -1, "a", "int32"), F(0, -1, "b", "int32")};
  EXPECT_NE(BuildArrowSchema(&dup, {}).status().message().find("duplicate id"), std::string::npos);
  std::vector<LanceField> orphan = {F(1, 0, "a", "int32"), F(0, -1, "b", "struct")};
  EXPECT_NE(BuildArrowSchema(&orphan, {}).status().message().find("not an earlier field"),
            std::string::npos);
  std::vector<LanceField> list2 = {F(0, -1, "l", "list"), F(1, 0, "a", "int8"),
                                   F(2, 0, "b", "int8")};
  EXPECT_NE(BuildArrowSchema(&list2, {}).status().message().find("expected 1"),
            std::string::npos);
  std::vector<LanceField> kids = {F(0, -1, "p", "int8"), F(1, 0, "a", "int8")};
  EXPECT_NE(BuildArrowSchema(&kids, {}).status().message().find("has child fields"),
            std::string::npos);
  std::vector<LanceField> deep;
  for (int i = 0; i < 100; ++i) deep.push_back(F(i, i - 1, "s", "struct"));
  EXPECT_NE(BuildArrowSchema(&deep, {}).status().message().find("nested too deeply"),
            std::string::npos);
}

std::string Footer(uint64_t cms, uint64_t cmo, uint64_t gbo, uint32_t ngb, uint32_t nc,
                   uint16_t major, uint16_t minor) {
  std::string s(40, '\0');
  std::memcpy(s.data(), &cms, 8);
  std::memcpy(s.data() + 8, &cmo, 8);
  std::memcpy(s.data() + 16, &gbo, 8);
  std::memcpy(s.data() + 24, &ngb, 4);
  std::memcpy(s.data() + 28, &nc, 4);
  std::memcpy(s.data() + 32, &major, 2);
  std::memcpy(s.data() + 34, &minor, 2);
  std::memcpy(s.data() + 36, "LANC", 4);
  return s;
}

Status FooterStatus(const std::string& file) {
  return DecodeDataFileFooter(reinterpret_cast<const uint8_t*>(file.data()),
                              static_cast<int64_t>(file.size()),
                              static_cast<int64_t>(file.size()), "f")
      .status();
}

TEST(DataFileFooter, Errors) {
  std::string pad(100, 'H');
  EXPECT_TRUE(FooterStatus(pad + Footer(0, 50, 80, 1, 2, 2, 1)).ok());
  EXPECT_NE(FooterStatus(pad + Footer(0, 90, 80, 1, 2, 2, 1)).message().find("offset table"),
            std::string::npos);
  EXPECT_NE(FooterStatus(pad + Footer(0, 50, 99, 1, 0, 2, 1)).message().find("global buffer"),
            std::string::npos);
  EXPECT_NE(FooterStatus(pad + Footer(60, 50, 80, 1, 0, 2, 1)).message().find("after the"),
            std::string::npos);
  EXPECT_EQ(FooterStatus(pad + Footer(0, 0, 0, 0, UINT32_MAX, 2, 2)).code(),
            StatusCode::kCorrupt);
  Status legacy = FooterStatus(pad + Footer(0, 0, 0, 0, 0, 0, 2));
  EXPECT_EQ(legacy.code(), StatusCode::kNotImplemented);
  EXPECT_NE(legacy.message().find("legacy Lance file format 0.2"), std::string::npos);
  EXPECT_EQ(FooterStatus(pad + Footer(0, 0, 0, 0, 0, 2, 3)).code(), StatusCode::kNotImplemented);
  std::string bad = pad + Footer(0, 50, 80, 1, 2, 2, 1);
  bad.back() = 'X';
  EXPECT_NE(FooterStatus(bad).message().find("LANC"), std::string::npos);
  EXPECT_EQ(FooterStatus("LANC").code(), StatusCode::kCorrupt);
}

}  // namespace
}  // namespace lanceflow::lance
