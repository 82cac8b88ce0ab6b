#include "lanceflow/connect/spark_schema.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lanceflow::connect {
namespace {

namespace a = lanceflow::arrow;

TEST(SparkSchemaTest, MapsEveryTypeFamily) {
  a::Schema schema({
      a::MakeField("id", a::int64(), false),
      a::MakeField("small", a::int8()),
      a::MakeField("big", a::uint64()),
      a::MakeField("f", a::float32()),
      a::MakeField("d", a::float64()),
      a::MakeField("s", a::large_utf8()),
      a::MakeField("b", a::fixed_size_binary(16)),
      a::MakeField("day", a::date32()),
      a::MakeField("ts", a::timestamp(a::TimeUnit::kNano, "UTC")),
      a::MakeField("price", a::decimal128(10, 2)),
      a::MakeField("vec", a::fixed_size_list(a::MakeField("item", a::float32(), false), 4)),
      a::MakeField("meta", a::struct_({a::MakeField("k", a::utf8())})),
      a::MakeField("cat", a::dictionary(a::int32(), a::utf8())),
      a::MakeField("t", a::time64(a::TimeUnit::kMicro)),
  });
  auto j = nlohmann::json::parse(SparkSchemaJson(schema));
  ASSERT_EQ(j["type"], "struct");
  const auto& f = j["fields"];
  ASSERT_EQ(f.size(), 14u);
  EXPECT_EQ(f[0]["type"], "long");
  EXPECT_EQ(f[0]["nullable"], false);
  EXPECT_EQ(f[1]["type"], "long");
  EXPECT_EQ(f[2]["type"], "long");
  EXPECT_EQ(f[3]["type"], "float");
  EXPECT_EQ(f[4]["type"], "double");
  EXPECT_EQ(f[5]["type"], "string");
  EXPECT_EQ(f[6]["type"], "binary");
  EXPECT_EQ(f[7]["type"], "date");
  EXPECT_EQ(f[8]["type"], "timestamp");
  EXPECT_EQ(f[9]["type"], "decimal(10,2)");
  EXPECT_EQ(f[10]["type"]["type"], "array");
  EXPECT_EQ(f[10]["type"]["elementType"], "float");
  EXPECT_EQ(f[10]["type"]["containsNull"], false);
  EXPECT_EQ(f[11]["type"]["fields"][0]["name"], "k");
  EXPECT_EQ(f[12]["type"], "string");
  EXPECT_EQ(f[13]["type"], "string");

  auto jd = nlohmann::json::parse(SparkSchemaJson(schema, {.uint64_as_decimal = true}));
  EXPECT_EQ(jd["fields"][2]["type"], "decimal(20,0)");
}

}  // namespace
}  // namespace lanceflow::connect
