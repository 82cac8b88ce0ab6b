// The engine-written tables of a connect golden corpus (tests/golden/connect, built by
// tests/fixtures/make_connect_golden.py): `<dir>/expected.json` holds per table its connector
// options, ingestion type, key and the engine's rows; `<dir>/db` is the LanceDB database, read
// through the native local source. Paths are relative: test binaries run from the repository
// root. Failures to load or read are reported as gtest failures, not returned.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lanceflow/arrow/json_writer.h"
#include "lanceflow/connect/lakeflow_connect.h"
#include "lanceflow/lance/local_source.h"

namespace lanceflow::connect::testing {

inline constexpr const char* kGoldenConnectDir = "tests/golden/connect";

// `<dir>/expected.json`, parsed (throws nlohmann::json::parse_error when missing or malformed).
inline nlohmann::json LoadGoldenExpected(const std::string& dir = kGoldenConnectDir) {
  std::ifstream f(dir + "/expected.json");
  EXPECT_TRUE(f.good()) << dir << "/expected.json cannot be opened";
  std::stringstream ss;
  ss << f.rdbuf();
  return nlohmann::json::parse(ss.str());
}

// The "options" object of one table of expected.json as connector options.
inline Options GoldenOptions(const nlohmann::json& spec) {
  Options o;
  for (auto it = spec["options"].begin(); it != spec["options"].end(); ++it) {
    o[it.key()] = it.value().get<std::string>();
  }
  return o;
}

// The database `<dir>/db`, freshly opened by the native local source; null (and a test
// failure) when it cannot be opened.
inline std::shared_ptr<source::Source> OpenGoldenDb(const std::string& dir = kGoldenConnectDir) {
  auto src = lance::LocalSource::Open(dir + "/db");
  EXPECT_TRUE(src.ok()) << src.status().ToString();
  if (!src.ok()) return nullptr;
  return std::shared_ptr<source::Source>(std::move(*src));
}

// A connector instance of its own over a freshly opened golden database.
inline std::unique_ptr<LakeflowConnect> FreshGoldenConnect() {
  return std::make_unique<LakeflowConnect>(OpenGoldenDb());
}

// Appends every row of `records` to `lines` as one JSON line (no newline), in reader order. A
// failed batch is a test failure naming `what`, and ends the drain.
inline void AppendRecordJsonLines(arrow::RecordBatchReader* records, const std::string& what,
                                  std::vector<std::string>* lines) {
  while (true) {
    auto b = records->Next();
    EXPECT_TRUE(b.ok()) << what << ": " << b.status().ToString();
    if (!b.ok() || !*b) return;
    std::string text;
    EXPECT_TRUE(arrow::AppendJsonLines(**b, &text).ok()) << what;
    std::stringstream ss(text);
    std::string line;
    while (std::getline(ss, line)) lines->push_back(line);
  }
}

}  // namespace lanceflow::connect::testing
