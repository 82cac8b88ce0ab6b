#include "lanceflow/connect/open_source.h"

#include <gtest/gtest.h>

#include "lanceflow/core/log.h"

namespace lanceflow::connect {
namespace {

TEST(SourceSpecFromOptions, ConnectionKeysAndDefaults) {
  auto spec = SourceSpecFromOptions({{"source", "/data/db"}, {"tableName", "t"}, {"x", "y"}});
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->source, "/data/db");
  EXPECT_EQ(spec->region, "us-east-1");
  EXPECT_EQ(spec->api_key_env, "LANCEDB_API_KEY");
  EXPECT_EQ(spec->max_attempts, 5);

  spec = SourceSpecFromOptions({{"project_name", "proj"},
                                {"region", "eu-west-1"},
                                {"host_override", "http://127.0.0.1:1"},
                                {"api_key_env", "MY_KEY"},
                                {"max_attempts", "2"},
                                {"read_timeout_ms", "1000"},
                                {"page_rows", "7"}});
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->source, "db://proj");
  EXPECT_EQ(spec->region, "eu-west-1");
  EXPECT_EQ(spec->host_override, "http://127.0.0.1:1");
  EXPECT_EQ(spec->api_key_env, "MY_KEY");
  EXPECT_EQ(spec->max_attempts, 2);
  EXPECT_EQ(spec->read_timeout_ms, 1000);
  EXPECT_EQ(spec->page_rows, 7);

  spec = SourceSpecFromOptions({{"database", "proj"}, {"source", "db://proj"}});
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->source, "db://proj");
}

TEST(SourceSpecFromOptions, Errors) {
  auto message = [](const std::map<std::string, std::string>& o) {
    auto r = SourceSpecFromOptions(o);
    return r.ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_NE(message({}).find("no source"), std::string::npos);
  EXPECT_NE(message({{"database", "a"}, {"project_name", "b"}}).find("different projects"),
            std::string::npos);
  EXPECT_NE(message({{"database", "a"}, {"source", "db://b"}}).find("disagree"), std::string::npos);
  EXPECT_NE(message({{"source", "x"}, {"max_attempts", "0"}}).find("max_attempts"),
            std::string::npos);
  EXPECT_NE(message({{"source", "x"}, {"page_rows", "12abc"}}).find("page_rows"),
            std::string::npos);
}

TEST(OpenSource, ApiKeyValueIsASecretAndErrorsAreClear) {
  SourceSpec spec;
  spec.source = "db://proj";
  spec.api_key = "sk-open-source-test-secret";
  spec.host_override = "http://127.0.0.1:9";
  auto src = OpenSource(spec);
  EXPECT_EQ(Redact("key sk-open-source-test-secret"), "key ***");

  spec.source = "s3://bucket/db";
  src = OpenSource(spec);
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.status().message().find("unsupported source"), std::string::npos);

  spec.source = "db://proj";
  spec.api_key.clear();
  spec.api_key_env = "LANCEFLOW_TEST_UNSET_KEY_VARIABLE";
  src = OpenSource(spec);
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.status().message().find("no API key"), std::string::npos);
}

}  // namespace
}  // namespace lanceflow::connect
