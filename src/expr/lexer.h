// Tokenizer shared by the filter parser and ParseColumnPath. Internal to the expr module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/core/result.h"
#include "lanceflow/core/status.h"

namespace lanceflow::expr::internal {

enum class TokenKind : uint8_t {
  kEnd,
  kIdentifier,        // bare name or keyword; text as written
  kQuotedIdentifier,  // `...` or "..."; text unescaped, validated by ValidateFieldName
  kInteger,           // digits only; text as written
  kDecimal,           // digits with '.' and/or an exponent; text as written
  kString,            // '...'; text unescaped (valid UTF-8, no NUL)
  kLParen,
  kRParen,
  kComma,
  kDot,
  kMinus,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  int64_t pos = 0;     // 0-based byte offset of the token in the input
  int64_t length = 0;  // bytes the token spans in the input
  std::string text;
};

// Splits `input` into tokens ending with one kEnd token. `what` prefixes error messages
// ("filter", "column path"). Refuses NUL bytes, control characters outside strings, non-ASCII
// outside quotes, invalid UTF-8, ';', comments, unterminated quotes, malformed numbers and any
// character that has no place in the grammar, each with a positioned Status::Invalid.
Result<std::vector<Token>> Tokenize(std::string_view input, std::string_view what);

// Up to 32 bytes of `input` starting at `pos`, quoted for an error message, with non-printable
// bytes written as \xNN: "';'", "'SELECT'".
std::string QuoteForMessage(std::string_view text);
// "<what>: <message> at position <pos+1>[ (<why>)]".
Status ErrorAt(std::string_view what, std::string_view message, int64_t pos,
               std::string_view why = {});

// Length of the valid UTF-8 prefix of `s` (== s.size() when all of it is valid). Overlong forms,
// surrogates and code points above U+10FFFF are invalid.
int64_t ValidUtf8Prefix(std::string_view s);

// Case-insensitive ASCII comparison with a lowercase keyword.
bool EqualsKeyword(std::string_view text, std::string_view lower_keyword);

// Words the filter grammar does not accept as bare column names (case-insensitive): its own
// keywords and SQL words that would start something outside the grammar (SELECT, CASE, ...).
bool IsReservedWord(std::string_view word);
// Words rendered quoted even when lowercase-safe (case-insensitive): SQL keywords that the
// server's parser may read as syntax in an expression. A superset of IsReservedWord.
bool IsSqlKeyword(std::string_view word);

}  // namespace lanceflow::expr::internal
