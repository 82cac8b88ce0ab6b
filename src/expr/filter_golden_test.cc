// Differential test of the native filter evaluator against LanceDB 0.39: for every filter of
// tests/golden/filter/expected.json (written by tests/fixtures/make_filter_golden.py), the rows
// the evaluator selects from tests/golden/filter/table.arrow must be exactly the rows the engine
// returned for lanceflow's SQL rendering of that filter, and filters the engine refused must be
// refused here too.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "lanceflow/arrow/ipc.h"
#include "lanceflow/expr/evaluate.h"
#include "lanceflow/expr/filter.h"

namespace lanceflow::expr {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// From the repository root (the documented working directory), else relative to this source
// file (whose __FILE__ may be relative to the build directory).
fs::path GoldenDir() {
  const fs::path from_root = fs::path("tests") / "golden" / "filter";
  if (fs::exists(from_root / "expected.json")) return from_root;
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "tests" / "golden" /
         "filter";
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class FilterGoldenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto contents = arrow::ipc::ReadAll(Buffer::FromString(Slurp(GoldenDir() / "table.arrow")));
    ASSERT_TRUE(contents.ok()) << contents.status().ToString();
    ASSERT_EQ(contents->batches.size(), 1u);
    batch_ = contents->batches[0];
    schema_ = contents->schema;
    const int id = schema_->GetFieldIndex("id");
    ASSERT_GE(id, 0);
    const auto& ids = *batch_->column(id);
    for (int64_t i = 0; i < ids.length; ++i) ids_.push_back(ids.values<int64_t>()[i]);
    expected_ = json::parse(Slurp(GoldenDir() / "expected.json"));
    ASSERT_GT(expected_.size(), 100u);
  }

  arrow::SchemaPtr schema_;
  arrow::RecordBatchPtr batch_;
  std::vector<int64_t> ids_;
  json expected_;
};

TEST_F(FilterGoldenTest, MatchesEngine) {
  int checked = 0;
  for (const json& e : expected_) {
    const std::string text = e.at("filter");
    SCOPED_TRACE("filter: " + text);
    auto parsed = ParseFilter(text);
    if (e.contains("parse_error")) {
      EXPECT_FALSE(parsed.ok());
      continue;
    }
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(ToSql(**parsed), e.at("sql").get<std::string>());
    auto bound = BindFilter(**parsed, *schema_);
    if (e.contains("error")) {
      const std::string kind = e.at("error");
      if (kind == "plan") {
        EXPECT_FALSE(bound.ok()) << "the engine refused it: " << e.at("message");
      } else if (bound.ok()) {
        auto sel = (*bound)->Evaluate(*batch_);
        EXPECT_FALSE(sel.ok()) << "the engine failed evaluating it: " << e.at("message");
      }
      ++checked;
      continue;
    }
    if (!bound.ok()) {
      ADD_FAILURE() << bound.status().ToString();
      continue;
    }
    auto sel = (*bound)->Evaluate(*batch_);
    if (!sel.ok()) {
      ADD_FAILURE() << sel.status().ToString();
      continue;
    }
    std::vector<int64_t> got;
    for (int64_t i : sel->Indices()) got.push_back(ids_[static_cast<size_t>(i)]);
    std::sort(got.begin(), got.end());
    const std::vector<int64_t> want = e.at("ids").get<std::vector<int64_t>>();
    EXPECT_EQ(got, want);
    EXPECT_EQ(sel->count(), static_cast<int64_t>(want.size()));

    // Applying the selection keeps exactly those rows, every column included.
    auto filtered = ApplySelection(batch_, *sel);
    ASSERT_TRUE(filtered.ok()) << filtered.status().ToString();
    EXPECT_EQ((*filtered)->num_rows(), static_cast<int64_t>(want.size()));
    EXPECT_TRUE((*filtered)->Validate().ok());
    ++checked;
  }
  EXPECT_GT(checked, 200);
}

// The same filters over slices of the table (offsets not multiple of 8 or 64) select the same
// rows as the whole table does within that slice.
TEST_F(FilterGoldenTest, SlicesAgreeWithWholeBatch) {
  for (const json& e : expected_) {
    if (!e.contains("ids")) continue;
    const std::string text = e.at("filter");
    SCOPED_TRACE("filter: " + text);
    auto parsed = ParseFilter(text);
    ASSERT_TRUE(parsed.ok());
    auto bound = BindFilter(**parsed, *schema_);
    if (!bound.ok()) continue;  // reported by MatchesEngine
    auto whole = (*bound)->Evaluate(*batch_);
    if (!whole.ok()) continue;
    for (int64_t start : {1, 5, 13}) {
      auto slice = batch_->Slice(start, batch_->num_rows() - start - 2);
      auto sel = (*bound)->Evaluate(*slice);
      ASSERT_TRUE(sel.ok()) << sel.status().ToString();
      for (int64_t i = 0; i < slice->num_rows(); ++i) {
        EXPECT_EQ(sel->IsSelected(i), whole->IsSelected(start + i)) << "row " << start + i;
      }
    }
  }
}

}  // namespace
}  // namespace lanceflow::expr
