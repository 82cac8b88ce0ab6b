// Internals of the filter evaluator shared by its translation units. Internal to expr.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/arrow/array.h"

namespace lanceflow::expr::internal {

// Per-row three-valued results over 64-row words: bit set in `t` = TRUE, in `f` = FALSE,
// neither = NULL. Bits past the row count are zero.
struct TriBits {
  std::vector<uint64_t> t;
  std::vector<uint64_t> f;
};

inline int64_t NumWords(int64_t n) { return (n + 63) / 64; }
// Mask of the valid bits of the last word for n rows.
inline uint64_t TailMask(int64_t n) {
  return (n % 64) == 0 ? ~uint64_t{0} : (uint64_t{1} << (n % 64)) - 1;
}

// Validity of `a` as words (all ones for arrays without a validity buffer), tail masked.
void ValidityWords(const arrow::ArrayData& a, std::vector<uint64_t>* out);

// A compiled LIKE pattern: '%' any run of characters, '_' one UTF-8 character, '\' makes the
// next character literal (a trailing '\' is literal). Case-insensitive patterns fold case of both
// sides with FoldCase.
class LikeMatcher {
 public:
  LikeMatcher(std::string_view pattern, bool case_insensitive);
  bool Matches(std::string_view value) const;

 private:
  enum class Shape { kGeneral, kExact, kPrefix, kSuffix, kContains, kAll };
  struct Token {
    enum Kind : uint8_t { kLiteral, kAnyRun, kOneChar } kind;
    std::string text;
  };
  bool MatchGeneral(std::string_view s) const;
  bool MatchFolded(std::string_view s) const;

  bool case_insensitive_;
  Shape shape_ = Shape::kGeneral;
  std::string literal_;  // kExact, kPrefix, kSuffix, kContains
  std::vector<Token> tokens_;
};

// Simple case folding to lower case for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic;
// other code points (and invalid bytes) are copied unchanged.
void FoldCase(std::string_view in, std::string* out);

}  // namespace lanceflow::expr::internal
