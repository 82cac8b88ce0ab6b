#include "lanceflow/pipeline/pipeline_spec.h"

#include <gtest/gtest.h>

namespace lanceflow::pipeline {
namespace {

Result<PipelineSpec> Parse(const std::string& text, const Connections& c = {}) {
  return ParsePipelineSpec(text, "p.json", c);
}

std::string Error(const std::string& text) {
  auto r = Parse(text);
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  EXPECT_EQ(r.status().message().rfind("p.json: ", 0), 0u) << r.status().message();
  return r.status().message();
}

const char* kInterfacesExample = R"({
  "pipeline_spec": {
    "connection": {"source": "./examples/lancedb"},
    "destination": {"type": "delta", "path": "./lakehouse"},
    "objects": [
      {"table": {"source_table": "documents",
                 "destination_table": "documents",
                 "table_configuration": {"scd_type": "SCD_TYPE_1", "primary_keys": ["id"],
                                          "cursor_field": "updated_at", "max_records_per_batch": "1000"}}}
    ]
  }
})";

TEST(PipelineSpec, InterfacesExample) {
  auto spec = Parse(kInterfacesExample);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->connection.source, "./examples/lancedb");
  EXPECT_EQ(spec->connection.api_key_env, "LANCEDB_API_KEY");
  EXPECT_EQ(spec->destination.path, "./lakehouse");
  ASSERT_EQ(spec->tables.size(), 1u);
  const TableSpec& t = spec->tables[0];
  EXPECT_EQ(t.source_table, "documents");
  EXPECT_EQ(t.destination_table, "documents");
  EXPECT_EQ(t.scd_type, ScdType::kType1);
  EXPECT_EQ(t.primary_keys, std::vector<std::string>{"id"});
  EXPECT_EQ(t.options.at("cursor_field"), "updated_at");
  EXPECT_EQ(t.options.at("max_records_per_batch"), "1000");
  EXPECT_EQ(t.options.at("primary_keys"), "[\"id\"]");
  EXPECT_EQ(t.options.count("scd_type"), 0u);
}

TEST(PipelineSpec, SeedSpellingDefaultsAndSpecialKeys) {
  auto spec = Parse(R"({"pipeline_spec": {"connection": {"source": "db://proj", "region": "eu-west-1",
      "api_key_env": "MY_KEY"}, "destination": {"path": "/out"},
      "object": {"table": {"source_table": "t", "table_configuration": {"scd_type": "scd_type_2",
        "primary_keys": "a, b", "sequence_by": "ts", "cluster_by": ["a"], "batch_size": 500,
        "columns": ["a", "b", "ts"]}}}}})");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->connection.region, "eu-west-1");
  EXPECT_EQ(spec->connection.api_key_env, "MY_KEY");
  const TableSpec& t = spec->tables.at(0);
  EXPECT_EQ(t.destination_table, "t");
  EXPECT_EQ(t.scd_type, ScdType::kType2);
  EXPECT_EQ(t.primary_keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.sequence_by, "ts");
  EXPECT_EQ(t.cluster_by, std::vector<std::string>{"a"});
  EXPECT_EQ(t.options.at("batch_size"), "500");
  EXPECT_EQ(t.options.at("columns"), "[\"a\",\"b\",\"ts\"]");
  EXPECT_EQ(t.options.count("sequence_by"), 0u);
  EXPECT_EQ(t.options.count("cluster_by"), 0u);
}

TEST(PipelineSpec, ConnectionByName) {
  Connections c{{"prod", ConnectionSpec{"db://prod", "us-east-1", "", "PROD_KEY"}}};
  auto spec = Parse(R"({"pipeline_spec": {"connection_name": "prod", "destination": {"path": "d"},
      "objects": [{"table": {"source_table": "t"}}]}})", c);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->connection.source, "db://prod");
  EXPECT_EQ(spec->connection.api_key_env, "PROD_KEY");
  EXPECT_NE(Error(R"({"pipeline_spec": {"connection_name": "nope", "destination": {"path": "d"},
      "objects": [{"table": {"source_table": "t"}}]}})").find("no connection named 'nope'"),
            std::string::npos);
}

TEST(PipelineSpec, ErrorsNameThePath) {
  const std::string head = R"({"pipeline_spec": {"connection": {"source": "s"}, "destination": {"path": "d"}, )";
  EXPECT_NE(Error("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(Error("[]").find("expected an object"), std::string::npos);
  EXPECT_NE(Error(R"({"pipeline": {}})").find("unknown key 'pipeline'"), std::string::npos);
  EXPECT_NE(Error(head + R"("objects": []}})").find("pipeline_spec.objects: names no table"),
            std::string::npos);
  EXPECT_NE(Error(head + R"("objects": [{"table": {"source_table": "t", "table_configuration": {"scd_type": "SCD3"}}}]}})")
                .find("pipeline_spec.objects[0].table.table_configuration.scd_type: expected "
                      "SCD_TYPE_1, SCD_TYPE_2 or APPEND_ONLY, got 'SCD3'"),
            std::string::npos);
  EXPECT_NE(Error(head + R"("objects": [{"table": {"source_table": "t", "colour": 1}}]}})")
                .find("pipeline_spec.objects[0].table: unknown key 'colour'"),
            std::string::npos);
  EXPECT_NE(Error(head + R"("objects": [{"table": {}}]}})").find("missing key 'source_table'"),
            std::string::npos);
  EXPECT_NE(Error(head + R"("objects": [{"table": {"source_table": "t", "table_configuration": {"primary_keys": 3}}}]}})")
                .find("primary_keys: expected a list of names or one name"),
            std::string::npos);
  EXPECT_NE(Error(head + R"("objects": [{"table": {"source_table": "a", "destination_table": "x"}},
      {"table": {"source_table": "b", "destination_table": "x"}}]}})")
                .find("objects[1]: destination table 'x' is written by an earlier object too"),
            std::string::npos);
  EXPECT_NE(Error(head + R"("objects": [{"table": {"source_table": "t", "destination_table": "../x"}}]}})")
                .find("not a valid table name"),
            std::string::npos);
  EXPECT_NE(Error(R"({"pipeline_spec": {"destination": {"path": "d"}, "objects": [{"table": {"source_table": "t"}}]}})")
                .find("exactly one of 'connection' and 'connection_name'"),
            std::string::npos);
  EXPECT_NE(Error(R"({"pipeline_spec": {"connection": {"source": "s"}, "destination": {"type": "iceberg", "path": "d"}, "objects": [{"table": {"source_table": "t"}}]}})")
                .find("unsupported destination type 'iceberg'"),
            std::string::npos);
}

TEST(PipelineSpec, MissingFile) {
  auto r = LoadPipelineSpec("/no/such/pipeline.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/no/such/pipeline.json"), std::string::npos);
}

}  // namespace
}  // namespace lanceflow::pipeline
