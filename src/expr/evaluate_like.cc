// LIKE / ILIKE matching for the filter evaluator, with the semantics of arrow-rs's like kernels
// as LanceDB uses them: matching is per Unicode character, '%' also matches newlines.
#include <string>
#include <string_view>

#include "evaluate_internal.h"

namespace lanceflow::expr::internal {
namespace {

// Length of the UTF-8 sequence starting with byte `c` (1 for invalid lead bytes).
inline size_t Utf8Length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;
}

uint32_t FoldCodePoint(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0x80) return c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x100 && c <= 0x137) return c | 1;
  if (c >= 0x139 && c <= 0x148) return (c & 1) ? c + 1 : c;
  if (c >= 0x14A && c <= 0x177) return c | 1;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E) return (c & 1) ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

void AppendUtf8(uint32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace

void FoldCase(std::string_view in, std::string* out) {
  out->clear();
  size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out->push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
      ++i;
      continue;
    }
    const size_t len = Utf8Length(c);
    if (len == 2 && i + 1 < in.size()) {
      const uint32_t cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(in[i + 1]) & 0x3Fu);
      AppendUtf8(FoldCodePoint(cp), out);
    } else {
      out->append(in.substr(i, len));
    }
    i += len;
  }
}

LikeMatcher::LikeMatcher(std::string_view pattern, bool case_insensitive)
    : case_insensitive_(case_insensitive) {
  std::string folded;
  if (case_insensitive) {
    FoldCase(pattern, &folded);
    pattern = folded;
  }
  for (size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '%') {
      if (tokens_.empty() || tokens_.back().kind != Token::kAnyRun) {
        tokens_.push_back({Token::kAnyRun, {}});
      }
      ++i;
    } else if (c == '_') {
      tokens_.push_back({Token::kOneChar, {}});
      ++i;
    } else {
      size_t len;
      size_t start = i;
      if (c == '\\' && i + 1 < pattern.size()) {
        start = i + 1;
        len = Utf8Length(static_cast<unsigned char>(pattern[start]));
        i = start + len;
      } else {
        len = Utf8Length(static_cast<unsigned char>(c));
        i += len;
      }
      if (tokens_.empty() || tokens_.back().kind != Token::kLiteral) {
        tokens_.push_back({Token::kLiteral, {}});
      }
      tokens_.back().text.append(pattern.substr(start, len));
    }
  }
  auto is = [&](size_t k, Token::Kind kind) { return tokens_[k].kind == kind; };
  const size_t n = tokens_.size();
  if (n == 0) {
    shape_ = Shape::kExact;
  } else if (n == 1 && is(0, Token::kLiteral)) {
    shape_ = Shape::kExact;
    literal_ = tokens_[0].text;
  } else if (n == 1 && is(0, Token::kAnyRun)) {
    shape_ = Shape::kAll;
  } else if (n == 2 && is(0, Token::kLiteral) && is(1, Token::kAnyRun)) {
    shape_ = Shape::kPrefix;
    literal_ = tokens_[0].text;
  } else if (n == 2 && is(0, Token::kAnyRun) && is(1, Token::kLiteral)) {
    shape_ = Shape::kSuffix;
    literal_ = tokens_[1].text;
  } else if (n == 3 && is(0, Token::kAnyRun) && is(1, Token::kLiteral) && is(2, Token::kAnyRun)) {
    shape_ = Shape::kContains;
    literal_ = tokens_[1].text;
  }
}

bool LikeMatcher::Matches(std::string_view value) const {
  if (case_insensitive_) return MatchFolded(value);
  switch (shape_) {
    case Shape::kAll:
      return true;
    case Shape::kExact:
      return value == literal_;
    case Shape::kPrefix:
      return value.substr(0, literal_.size()) == literal_;
    case Shape::kSuffix:
      return value.size() >= literal_.size() &&
             value.substr(value.size() - literal_.size()) == literal_;
    case Shape::kContains:
      return value.find(literal_) != std::string_view::npos;
    case Shape::kGeneral:
      return MatchGeneral(value);
  }
  return false;
}

bool LikeMatcher::MatchFolded(std::string_view value) const {
  thread_local std::string folded;
  FoldCase(value, &folded);
  LikeMatcher const* self = this;
  switch (shape_) {
    case Shape::kAll:
      return true;
    case Shape::kExact:
      return folded == literal_;
    case Shape::kPrefix:
      return std::string_view(folded).substr(0, literal_.size()) == literal_;
    case Shape::kSuffix:
      return folded.size() >= literal_.size() &&
             std::string_view(folded).substr(folded.size() - literal_.size()) == literal_;
    case Shape::kContains:
      return folded.find(literal_) != std::string::npos;
    case Shape::kGeneral:
      return self->MatchGeneral(folded);
  }
  return false;
}

// Greedy matching with backtracking to the last '%' only: a later '%' subsumes every choice an
// earlier one could make, so this is exact and O(|value| * |pattern|) at worst.
bool LikeMatcher::MatchGeneral(std::string_view s) const {
  const size_t np = tokens_.size();
  size_t si = 0, pi = 0;
  size_t star_pi = SIZE_MAX, star_si = 0;
  while (si < s.size() || (pi < np && tokens_[pi].kind == Token::kAnyRun)) {
    if (pi < np) {
      const Token& t = tokens_[pi];
      if (t.kind == Token::kAnyRun) {
        star_pi = pi++;
        star_si = si;
        continue;
      }
      if (si < s.size()) {
        if (t.kind == Token::kOneChar) {
          si += Utf8Length(static_cast<unsigned char>(s[si]));
          ++pi;
          continue;
        }
        if (s.substr(si, t.text.size()) == t.text) {
          si += t.text.size();
          ++pi;
          continue;
        }
      }
    }
    if (star_pi == SIZE_MAX || star_si >= s.size()) return false;
    star_si += Utf8Length(static_cast<unsigned char>(s[star_si]));
    si = star_si;
    pi = star_pi + 1;
  }
  return pi == np && si >= s.size();
}

}  // namespace lanceflow::expr::internal
