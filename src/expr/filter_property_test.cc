// Randomised checks of the parser and renderer over mutated filters (deterministic seed), run
// under the sanitizers of the debug build: whatever the bytes, ParseFilter returns a one-line
// error or a tree that renders to SQL which parses back to the same tree.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "lanceflow/expr/filter.h"

namespace lanceflow::expr {
namespace {

const char* const kSeeds[] = {
    "id = 1",
    "a = 1 OR b = 2 AND NOT c = 3",
    "(x IN (1, -2, 'a''b', NULL) OR y NOT LIKE '50\\%%') AND z IS NOT NULL",
    "`my col`.x BETWEEN -1.5e3 AND .5 AND \"Q\"\".r\" ILIKE 'h\xc3\xa9%'",
    "d >= DATE '2024-02-29' AND ts < TIMESTAMP '2024-01-01T00:00:00.123456789+05:30'",
    "CAST(CAST(a AS BIGINT UNSIGNED) AS STRING) = '18446744073709551615'",
    "(b IS TRUE OR (c = FALSE) IS NOT FALSE) AND u = 18446744073709551615",
    "n = CAST(-9223372036854775808 AS BIGINT) OR t = CAST('2024-01-01 00:00:00' AS TIMESTAMP(9))",
};

const std::string_view kFragments[] = {
    " ",
    "(",
    ")",
    "'",
    "`",
    "\"",
    ",",
    ".",
    "-",
    "=",
    "<",
    ">",
    "!",
    ";",
    "/",
    "*",
    "--",
    "/*",
    "#",
    "0",
    "9",
    "e",
    "a",
    "Z",
    "_",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "BETWEEN",
    "CAST",
    " AS ",
    "DATE",
    "TIMESTAMP",
    "SELECT",
    "''",
    "``",
    "\n",
    "\t",
    std::string_view("\0", 1),
    "\xff",
    "\xc3\xa4",
    "\xe2\x82",
    "1e400",
    "18446744073709551616",
    "(((",
    ")))",
};

std::string Mutate(std::string s, std::mt19937* rng) {
  std::uniform_int_distribution<int> op_dist(0, 3);
  const int ops = 1 + static_cast<int>((*rng)() % 4);
  for (int k = 0; k < ops; ++k) {
    const size_t pos = s.empty() ? 0 : (*rng)() % (s.size() + 1);
    const std::string frag(kFragments[(*rng)() % (sizeof(kFragments) / sizeof(kFragments[0]))]);
    switch (op_dist(*rng)) {
      case 0:  // insert
        s.insert(pos, frag);
        break;
      case 1:  // delete a short run
        if (!s.empty()) s.erase(std::min(pos, s.size() - 1), 1 + (*rng)() % 3);
        break;
      case 2:  // replace one byte
        if (!s.empty()) s[std::min(pos, s.size() - 1)] = frag.empty() ? '\0' : frag[0];
        break;
      default:  // duplicate a slice
        if (!s.empty()) {
          const size_t from = (*rng)() % s.size();
          s.insert(pos, s.substr(from, 1 + (*rng)() % 8));
        }
        break;
    }
  }
  return s;
}

TEST(FilterPropertyTest, MutatedFiltersParseCleanlyOrFailCleanly) {
  std::mt19937 rng(20240101);
  int accepted = 0;
  int refused = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    const std::string input = Mutate(kSeeds[iter % (sizeof(kSeeds) / sizeof(kSeeds[0]))], &rng);
    auto parsed = ParseFilter(input);
    if (!parsed.ok()) {
      ++refused;
      const std::string& msg = parsed.status().message();
      ASSERT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << input;
      ASSERT_EQ(msg.rfind("filter: ", 0), 0u) << msg;
      ASSERT_EQ(msg.find('\n'), std::string::npos) << msg;
      ASSERT_EQ(msg.find('\0'), std::string::npos) << msg;
      continue;
    }
    ++accepted;
    const std::string sql = ToSql(**parsed);
    auto again = ParseFilter(sql);
    ASSERT_TRUE(again.ok()) << "input: " << input << "\nsql: " << sql << "\n"
                            << again.status().ToString();
    ASSERT_TRUE((*again)->Equals(**parsed)) << "input: " << input << "\nsql: " << sql;
    ASSERT_EQ(ToSql(**again), sql);
    (void)ColumnsReferenced(**parsed);
  }
  // The mutations must exercise both outcomes for the check to mean anything.
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace lanceflow::expr
