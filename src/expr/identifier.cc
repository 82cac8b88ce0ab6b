#include "lanceflow/expr/identifier.h"

#include <string>

#include "lexer.h"

namespace lanceflow::expr {

using internal::ErrorAt;
using internal::QuoteForMessage;
using internal::Token;
using internal::TokenKind;

std::string ColumnPath::ToString() const {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '.';
    out += QuoteIdentifier(parts[i]);
  }
  return out;
}

std::string ColumnPath::ToDottedString() const {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '.';
    out += parts[i];
  }
  return out;
}

Status ValidateTableName(std::string_view name) {
  constexpr std::string_view kWhat = "table name";
  if (name.empty()) return Status::Invalid("table name: empty");
  if (static_cast<int64_t>(name.size()) > kMaxTableNameLength) {
    return Status::Invalid("table name: longer than " + std::to_string(kMaxTableNameLength) +
                           " bytes (" + std::to_string(name.size()) + ")");
  }
  if (name == "." || name == "..") {
    return Status::Invalid("table name: " + QuoteForMessage(name) + " is not allowed");
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) {
      return ErrorAt(kWhat, "character " + QuoteForMessage(name.substr(i, 1)) + " not allowed",
                     static_cast<int64_t>(i),
                     "table names may contain only letters, digits, '_', '-' and '.'");
    }
  }
  return Status::OK();
}

Status ValidateFieldName(std::string_view name) {
  constexpr std::string_view kWhat = "field name";
  if (name.empty()) return Status::Invalid("field name: empty");
  if (static_cast<int64_t>(name.size()) > kMaxFieldNameLength) {
    return Status::Invalid("field name: longer than " + std::to_string(kMaxFieldNameLength) +
                           " bytes (" + std::to_string(name.size()) + ")");
  }
  const int64_t valid = internal::ValidUtf8Prefix(name);
  if (valid != static_cast<int64_t>(name.size())) return ErrorAt(kWhat, "invalid UTF-8", valid);
  for (size_t i = 0; i < name.size(); ++i) {
    const auto b = static_cast<unsigned char>(name[i]);
    if (b < 0x20 || b == 0x7F) {
      return ErrorAt(kWhat, "control character " + QuoteForMessage(name.substr(i, 1)),
                     static_cast<int64_t>(i));
    }
    if (b == '`') {
      return ErrorAt(kWhat, "character '`' not allowed", static_cast<int64_t>(i),
                     "LanceDB cannot resolve names containing a backquote");
    }
  }
  return Status::OK();
}

Result<ColumnPath> ParseColumnPath(std::string_view text) {
  constexpr std::string_view kWhat = "column path";
  // Each part is at most kMaxFieldNameLength bytes, twice that when every byte is an escaped
  // quote, plus quotes, a dot and some spaces; anything longer cannot be valid.
  constexpr int64_t kMaxPathText = kMaxColumnPathParts * (2 * kMaxFieldNameLength + 8);
  if (static_cast<int64_t>(text.size()) > kMaxPathText) {
    return Status::Invalid("column path: longer than " + std::to_string(kMaxPathText) + " bytes (" +
                           std::to_string(text.size()) + ")");
  }
  LF_ASSIGN_OR_RETURN(std::vector<Token> tokens, internal::Tokenize(text, kWhat));
  ColumnPath path;
  size_t i = 0;
  while (true) {
    const Token& t = tokens[i];
    if (t.kind == TokenKind::kEnd) {
      if (path.parts.empty()) return Status::Invalid("column path: empty");
      return ErrorAt(kWhat, "missing name after '.'", t.pos);
    }
    if (t.kind != TokenKind::kIdentifier && t.kind != TokenKind::kQuotedIdentifier) {
      return ErrorAt(kWhat, "unexpected " + QuoteForMessage(text.substr(t.pos, t.length)), t.pos,
                     "expected a name");
    }
    if (t.kind == TokenKind::kIdentifier &&
        static_cast<int64_t>(t.text.size()) > kMaxFieldNameLength) {
      return ErrorAt(kWhat, "name longer than " + std::to_string(kMaxFieldNameLength) + " bytes",
                     t.pos);
    }
    if (static_cast<int64_t>(path.parts.size()) == kMaxColumnPathParts) {
      return ErrorAt(kWhat, "more than " + std::to_string(kMaxColumnPathParts) + " parts", t.pos);
    }
    path.parts.push_back(t.text);
    const Token& sep = tokens[++i];
    if (sep.kind == TokenKind::kEnd) return path;
    if (sep.kind != TokenKind::kDot) {
      return ErrorAt(kWhat, "unexpected " + QuoteForMessage(text.substr(sep.pos, sep.length)),
                     sep.pos, "expected '.' or the end of the path");
    }
    ++i;
  }
}

bool IsPlainIdentifier(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return !internal::IsSqlKeyword(name);
}

std::string QuoteIdentifier(std::string_view name) {
  if (IsPlainIdentifier(name)) return std::string(name);
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

}  // namespace lanceflow::expr
