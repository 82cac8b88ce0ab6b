#include "lanceflow/source/schema_json.h"

#include <gtest/gtest.h>

namespace lanceflow::source {
namespace {

namespace a = lanceflow::arrow;

TEST(SchemaJsonTest, ParsesDescribeResponseSchema) {
  // The shape a LanceDB server returns from describe (reference: REST API section 4.2).
  const char* kJson = R"({"fields":[
    {"name":"id","type":{"type":"int64"},"nullable":false},
    {"name":"text","type":{"type":"string"},"nullable":true},
    {"name":"ts","type":{"type":"timestamp:us:UTC"},"nullable":true},
    {"name":"naive","type":{"type":"timestamp:ms:-"},"nullable":true},
    {"name":"price","type":{"type":"decimal:128:10:2"},"nullable":true},
    {"name":"cat","type":{"type":"dict:string:int32:false"},"nullable":true},
    {"name":"vector","type":{"type":"fixed_size_list",
      "fields":[{"name":"item","type":{"type":"float"},"nullable":true}],"length":4},"nullable":true},
    {"name":"meta","type":{"type":"struct","fields":[
      {"name":"tags","type":{"type":"list","fields":[{"name":"item","type":{"type":"string"},
       "nullable":true}]},"nullable":true}]},"nullable":true},
    {"name":"uuid","type":{"type":"fixed_size_binary","length":16},"nullable":true}],
    "metadata":{}})";
  auto r = SchemaFromJson(kJson);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const a::Schema& s = **r;
  ASSERT_EQ(s.num_fields(), 9);
  EXPECT_FALSE(s.field(0)->nullable);
  EXPECT_EQ(s.field(0)->type->id(), a::TypeId::kInt64);
  EXPECT_EQ(s.field(2)->type->timezone(), "UTC");
  EXPECT_EQ(s.field(2)->type->unit(), a::TimeUnit::kMicro);
  EXPECT_EQ(s.field(3)->type->timezone(), "");
  EXPECT_EQ(s.field(4)->type->precision(), 10);
  EXPECT_EQ(s.field(4)->type->scale(), 2);
  EXPECT_EQ(s.field(5)->type->value_type()->id(), a::TypeId::kUtf8);
  EXPECT_EQ(s.field(5)->type->index_type()->id(), a::TypeId::kInt32);
  EXPECT_EQ(s.field(6)->type->fixed_size(), 4);
  EXPECT_EQ(s.field(7)->type->children()[0]->type->id(), a::TypeId::kList);
  EXPECT_EQ(s.field(8)->type->fixed_size(), 16);

  // Printing and parsing again gives the same schema.
  auto again = SchemaFromJson(SchemaToJson(s));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->Equals(s, true));
}

TEST(SchemaJsonTest, TypeNames) {
  EXPECT_EQ((*DataTypeFromName("timestamp:ns:America/New_York"))->timezone(), "America/New_York");
  EXPECT_EQ((*DataTypeFromName("fixed_size_list:float:768"))->fixed_size(), 768);
  EXPECT_EQ((*DataTypeFromName("time64:ns"))->id(), a::TypeId::kTime64);
  EXPECT_EQ((*DataTypeFromName("decimal:256:60:5"))->id(), a::TypeId::kDecimal256);
  EXPECT_FALSE(DataTypeFromName("boolean").ok());
  EXPECT_FALSE(DataTypeFromName("timestamp").ok());
  EXPECT_FALSE(DataTypeFromName("decimal:128:99:2").ok());
  EXPECT_FALSE(DataTypeFromName("time32:us").ok());
}

TEST(SchemaJsonTest, RejectsMalformedSchemas) {
  EXPECT_FALSE(SchemaFromJson("not json").ok());
  EXPECT_FALSE(SchemaFromJson(R"({"fields":{}})").ok());
  EXPECT_FALSE(SchemaFromJson(R"({"fields":[{"name":"x"}]})").ok());
  EXPECT_FALSE(SchemaFromJson(R"({"fields":[{"name":"x","type":{"type":"list"}}]})").ok());
  auto r = SchemaFromJson(R"({"fields":[{"name":"s","type":{"type":"struct","fields":[
      {"name":"bad","type":{"type":"uuid"}}]}}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("s.bad"), std::string::npos) << r.status().message();
  // Deep nesting is refused, not a stack overflow.
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += R"({"name":"x","type":{"type":"struct","fields":[)";
  EXPECT_FALSE(SchemaFromJson(R"({"fields":[)" + deep).ok());
}

}  // namespace
}  // namespace lanceflow::source
