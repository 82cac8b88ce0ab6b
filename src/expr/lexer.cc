#include "lexer.h"

#include <string>

#include "lanceflow/expr/identifier.h"

namespace lanceflow::expr::internal {
namespace {

constexpr int64_t kMessageBytes = 32;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentPart(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Bytes of the UTF-8 sequence starting at s[i], or 0 when it is not a valid sequence
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
int Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  int len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + static_cast<size_t>(len) > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (int k = 2; k < len; ++k) {
    if ((byte(i + static_cast<size_t>(k)) & 0xC0) != 0x80) return 0;
  }
  return len;
}

std::string HexByte(unsigned char b) {
  static const char kHex[] = "0123456789abcdef";
  return std::string("\\x") + kHex[b >> 4] + kHex[b & 15];
}

class Lexer {
 public:
  Lexer(std::string_view input, std::string_view what) : in_(input), what_(what) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      while (i_ < in_.size() && IsSpace(in_[i_])) ++i_;
      if (i_ >= in_.size()) break;
      LF_ASSIGN_OR_RETURN(Token t, Next());
      tokens.push_back(std::move(t));
    }
    Token end;
    end.kind = TokenKind::kEnd;
    end.pos = static_cast<int64_t>(in_.size());
    tokens.push_back(std::move(end));
    return tokens;
  }

 private:
  Status Error(std::string_view message, size_t pos, std::string_view why = {}) const {
    return ErrorAt(what_, message, static_cast<int64_t>(pos), why);
  }

  Token Make(TokenKind kind, size_t start, std::string text = {}) const {
    Token t;
    t.kind = kind;
    t.pos = static_cast<int64_t>(start);
    t.length = static_cast<int64_t>(i_ - start);
    t.text = std::move(text);
    return t;
  }

  Result<Token> Next() {
    const size_t start = i_;
    const char c = in_[i_];
    const char next = i_ + 1 < in_.size() ? in_[i_ + 1] : '\0';
    if (IsIdentStart(c)) {
      while (i_ < in_.size() && IsIdentPart(in_[i_])) ++i_;
      return Make(TokenKind::kIdentifier, start, std::string(in_.substr(start, i_ - start)));
    }
    if (IsDigit(c) || (c == '.' && IsDigit(next))) return Number();
    switch (c) {
      case '\'':
        return Quoted('\'');
      case '`':
      case '"':
        return Quoted(c);
      case '(':
        ++i_;
        return Make(TokenKind::kLParen, start);
      case ')':
        ++i_;
        return Make(TokenKind::kRParen, start);
      case ',':
        ++i_;
        return Make(TokenKind::kComma, start);
      case '.':
        ++i_;
        return Make(TokenKind::kDot, start);
      case '=':
        ++i_;
        return Make(TokenKind::kEq, start);
      case '<':
        ++i_;
        if (next == '=') {
          ++i_;
          return Make(TokenKind::kLe, start);
        }
        if (next == '>') {
          ++i_;
          return Make(TokenKind::kNe, start);
        }
        return Make(TokenKind::kLt, start);
      case '>':
        ++i_;
        if (next == '=') {
          ++i_;
          return Make(TokenKind::kGe, start);
        }
        return Make(TokenKind::kGt, start);
      case '!':
        if (next == '=') {
          i_ += 2;
          return Make(TokenKind::kNe, start);
        }
        return Error("unexpected '!'", start, "use NOT or !=");
      case '-':
        if (next == '-') return Error("unexpected '--'", start, "comments are not allowed");
        ++i_;
        return Make(TokenKind::kMinus, start);
      case '/':
        if (next == '*') return Error("unexpected '/*'", start, "comments are not allowed");
        return Error("unexpected '/'", start, "arithmetic is not supported");
      case '#':
        return Error("unexpected '#'", start, "comments are not allowed");
      case ';':
        return Error("unexpected ';'", start, "statement separators are not allowed");
      case '+':
      case '*':
      case '%':
        return Error("unexpected " + QuoteForMessage(in_.substr(start, 1)), start,
                     "arithmetic is not supported");
      case '\0':
        return Error("NUL byte", start);
      default:
        break;
    }
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) return Error("control character " + HexByte(b), start);
    if (b >= 0x80) {
      int len = Utf8SequenceLength(in_, start);
      if (len == 0) return Error("invalid UTF-8", start);
      return Error("unexpected " + QuoteForMessage(in_.substr(start, static_cast<size_t>(len))),
                   start, "names with non-ASCII characters must be quoted with `...`");
    }
    return Error("unexpected " + QuoteForMessage(in_.substr(start, 1)), start);
  }

  Result<Token> Number() {
    const size_t start = i_;
    bool is_decimal = false;
    while (i_ < in_.size() && IsDigit(in_[i_])) ++i_;
    if (i_ < in_.size() && in_[i_] == '.') {
      is_decimal = true;
      ++i_;
      while (i_ < in_.size() && IsDigit(in_[i_])) ++i_;
    }
    if (i_ < in_.size() && (in_[i_] == 'e' || in_[i_] == 'E')) {
      is_decimal = true;
      ++i_;
      if (i_ < in_.size() && (in_[i_] == '+' || in_[i_] == '-')) ++i_;
      const size_t exp_digits = i_;
      while (i_ < in_.size() && IsDigit(in_[i_])) ++i_;
      if (i_ == exp_digits) return MalformedNumber(start);
    }
    if (i_ < in_.size() && (IsIdentPart(in_[i_]) || in_[i_] == '.')) return MalformedNumber(start);
    return Make(is_decimal ? TokenKind::kDecimal : TokenKind::kInteger, start,
                std::string(in_.substr(start, i_ - start)));
  }

  Status MalformedNumber(size_t start) const {
    size_t end = start;
    while (end < in_.size() && (IsIdentPart(in_[end]) || in_[end] == '.' ||
                                ((in_[end] == '+' || in_[end] == '-') && end > start &&
                                 (in_[end - 1] == 'e' || in_[end - 1] == 'E')))) {
      ++end;
    }
    return Error("malformed number " + QuoteForMessage(in_.substr(start, end - start)), start);
  }

  // A quoted string ('), or a quoted name (` or "). The quote character is escaped by doubling.
  Result<Token> Quoted(char quote) {
    const size_t start = i_;
    const bool is_string = quote == '\'';
    const char* kind = is_string ? "string" : "quoted name";
    std::string text;
    ++i_;
    while (true) {
      if (i_ >= in_.size()) {
        return Error(std::string("unterminated ") + kind + " starting", start,
                     std::string("missing closing ") + quote);
      }
      const char c = in_[i_];
      const auto b = static_cast<unsigned char>(c);
      if (c == quote) {
        if (i_ + 1 < in_.size() && in_[i_ + 1] == quote) {
          text += quote;
          i_ += 2;
          continue;
        }
        ++i_;
        break;
      }
      if (c == '\0') return Error(std::string("NUL byte in ") + kind, i_);
      if (!is_string && (b < 0x20 || b == 0x7F)) {
        return Error("control character " + HexByte(b) + " in quoted name", i_);
      }
      if (b >= 0x80) {
        int len = Utf8SequenceLength(in_, i_);
        if (len == 0) return Error(std::string("invalid UTF-8 in ") + kind, i_);
        text.append(in_.substr(i_, static_cast<size_t>(len)));
        i_ += static_cast<size_t>(len);
        continue;
      }
      text += c;
      ++i_;
    }
    if (is_string) return Make(TokenKind::kString, start, std::move(text));
    if (text.empty()) return Error("empty quoted name", start);
    if (text.find('`') != std::string::npos) {
      return Error("quoted name containing '`'", start, "LanceDB cannot resolve such names");
    }
    if (static_cast<int64_t>(text.size()) > kMaxFieldNameLength) {
      return Error("quoted name longer than " + std::to_string(kMaxFieldNameLength) + " bytes",
                   start);
    }
    return Make(TokenKind::kQuotedIdentifier, start, std::move(text));
  }

  std::string_view in_;
  std::string_view what_;
  size_t i_ = 0;
};

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view input, std::string_view what) {
  return Lexer(input, what).Run();
}

std::string QuoteForMessage(std::string_view text) {
  size_t cut = text.size();
  bool truncated = false;
  if (static_cast<int64_t>(cut) > kMessageBytes) {
    cut = static_cast<size_t>(kMessageBytes);
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    truncated = true;
  }
  std::string_view shown = text.substr(0, cut);
  const bool utf8_ok = ValidUtf8Prefix(shown) == static_cast<int64_t>(shown.size());
  std::string out = "'";
  for (char c : shown) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F || (b >= 0x80 && !utf8_ok)) {
      out += HexByte(b);
    } else {
      out += c;
    }
  }
  out += truncated ? "...'" : "'";
  return out;
}

Status ErrorAt(std::string_view what, std::string_view message, int64_t pos, std::string_view why) {
  std::string msg;
  msg.append(what).append(": ").append(message).append(" at position ");
  msg += std::to_string(pos + 1);
  if (!why.empty()) msg.append(" (").append(why).append(")");
  return Status::Invalid(std::move(msg));
}

int64_t ValidUtf8Prefix(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    int len = Utf8SequenceLength(s, i);
    if (len == 0) break;
    i += static_cast<size_t>(len);
  }
  return static_cast<int64_t>(i);
}

bool EqualsKeyword(std::string_view text, std::string_view lower_keyword) {
  if (text.size() != lower_keyword.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_keyword[i]) return false;
  }
  return true;
}

namespace {

constexpr std::string_view kReservedWords[] = {
    "all",  "and",    "any",    "as",     "between", "case",   "cast",  "distinct", "else",
    "end",  "escape", "except", "exists", "false",   "from",   "ilike", "in",       "interval",
    "is",   "like",   "not",    "null",   "or",      "regexp", "rlike", "select",   "similar",
    "some", "then",   "true",   "union",  "values",  "when",   "where", "with",     "xor"};

// clang-format off
constexpr std::string_view kOtherSqlKeywords[] = {
    "alter", "array", "asc", "bigint", "binary", "boolean", "both", "by", "char", "check",
    "collate", "column", "constraint", "create", "cross", "current_date", "current_time",
    "current_timestamp", "current_user", "date", "datetime", "day", "decimal", "default",
    "delete", "desc", "div", "double", "drop", "extract", "fetch", "filter", "float", "for",
    "foreign", "full", "group", "having", "hour", "inner", "insert", "int", "integer",
    "intersect", "into", "join", "key", "leading", "left", "limit", "localtime",
    "localtimestamp", "map", "minute", "mod", "month", "natural", "numeric", "offset", "on",
    "order", "outer", "over", "overlaps", "position", "primary", "real", "references", "right",
    "row", "rows", "second", "session_user", "smallint", "string", "struct", "substring",
    "table", "time", "timestamp", "tinyint", "to", "trailing", "trim", "unique", "unknown",
    "unsigned", "update", "user", "using", "varchar", "window", "within", "year", "zone"};
// clang-format on

bool InList(std::string_view word, const auto& list) {
  for (std::string_view k : list) {
    if (EqualsKeyword(word, k)) return true;
  }
  return false;
}

}  // namespace

bool IsReservedWord(std::string_view word) { return InList(word, kReservedWords); }

bool IsSqlKeyword(std::string_view word) {
  return IsReservedWord(word) || InList(word, kOtherSqlKeywords);
}

}  // namespace lanceflow::expr::internal
