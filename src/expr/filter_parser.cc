// Recursive-descent parser for the filter grammar in lanceflow/expr/filter.h. Recursion happens
// only through parentheses, NOT and CAST, each of which counts against kMaxNestingDepth, so the
// stack stays bounded whatever the input; AND/OR chains are collected iteratively into one node.

#include <string>
#include <utility>
#include <vector>

#include "lanceflow/expr/filter.h"
#include "lexer.h"
#include "literal_text.h"

namespace lanceflow::expr {
namespace {

using internal::EqualsKeyword;
using internal::Token;
using internal::TokenKind;

constexpr std::string_view kWhat = "filter";

class FilterParser {
 public:
  FilterParser(std::string_view input, std::vector<Token> tokens)
      : in_(input), tokens_(std::move(tokens)) {}

  Result<ExprPtr> Parse() {
    if (Peek().kind == TokenKind::kEnd) return Status::Invalid("filter: empty");
    LF_ASSIGN_OR_RETURN(ExprPtr e, ParseOr());
    const Token& t = Peek();
    if (t.kind == TokenKind::kEnd) return e;
    if (t.kind == TokenKind::kRParen) return Error("unexpected ')'", t, "no matching '('");
    return Error("unexpected " + Describe(t), t, "expected AND, OR or the end of the filter");
  }

 private:
  // Counts one level of nesting for as long as it lives.
  class DepthGuard {
   public:
    explicit DepthGuard(int* depth) : depth_(depth) { ++*depth_; }
    ~DepthGuard() { --*depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    int* depth_;
  };

  const Token& Peek(size_t ahead = 0) const {
    const size_t i = pos_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  const Token& Advance() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  static bool IsKeyword(const Token& t, std::string_view lower) {
    return t.kind == TokenKind::kIdentifier && EqualsKeyword(t.text, lower);
  }

  std::string Describe(const Token& t) const {
    if (t.kind == TokenKind::kEnd) return "end of filter";
    return internal::QuoteForMessage(
        in_.substr(static_cast<size_t>(t.pos), static_cast<size_t>(t.length)));
  }
  Status Error(std::string_view message, const Token& at, std::string_view why = {}) const {
    return internal::ErrorAt(kWhat, message, at.pos, why);
  }
  Status Unexpected(const Token& t, std::string_view why) const {
    return Error("unexpected " + Describe(t), t, why);
  }
  Status CheckDepth(const Token& at) const {
    if (depth_ > kMaxNestingDepth) {
      return Error("nesting deeper than " + std::to_string(kMaxNestingDepth) + " levels", at,
                   "parentheses, NOT and CAST count");
    }
    return Status::OK();
  }

  Result<ExprPtr> ParseOr() {
    std::vector<ExprPtr> terms;
    LF_ASSIGN_OR_RETURN(ExprPtr first, ParseAnd());
    terms.push_back(std::move(first));
    while (IsKeyword(Peek(), "or")) {
      Advance();
      LF_ASSIGN_OR_RETURN(ExprPtr next, ParseAnd());
      terms.push_back(std::move(next));
    }
    return MakeOr(std::move(terms));
  }

  Result<ExprPtr> ParseAnd() {
    std::vector<ExprPtr> terms;
    LF_ASSIGN_OR_RETURN(ExprPtr first, ParseNot());
    terms.push_back(std::move(first));
    while (IsKeyword(Peek(), "and")) {
      Advance();
      LF_ASSIGN_OR_RETURN(ExprPtr next, ParseNot());
      terms.push_back(std::move(next));
    }
    return MakeAnd(std::move(terms));
  }

  Result<ExprPtr> ParseNot() {
    if (!IsKeyword(Peek(), "not")) return ParsePredicate();
    const Token& not_token = Advance();
    DepthGuard guard(&depth_);
    LF_RETURN_NOT_OK(CheckDepth(not_token));
    LF_ASSIGN_OR_RETURN(ExprPtr operand, ParseNot());
    return MakeNot(std::move(operand));
  }

  Result<ExprPtr> ParsePredicate() {
    if (Peek().kind == TokenKind::kLParen) {
      const Token& open = Advance();
      ExprPtr inner;
      {
        DepthGuard guard(&depth_);
        LF_RETURN_NOT_OK(CheckDepth(open));
        LF_ASSIGN_OR_RETURN(inner, ParseOr());
      }
      const Token& close = Peek();
      if (close.kind == TokenKind::kEnd) {
        return Error("missing ')'", close,
                     "to close the '(' at position " + std::to_string(open.pos + 1));
      }
      if (close.kind != TokenKind::kRParen) {
        return Unexpected(close, "expected AND, OR or ')'");
      }
      Advance();
      return ParseIsSuffix(std::move(inner));
    }

    LF_ASSIGN_OR_RETURN(ExprPtr value, ParseValue());
    const Token& t = Peek();
    CompareOp op;
    if (AsCompareOp(t.kind, &op)) {
      Advance();
      LF_ASSIGN_OR_RETURN(ExprPtr rhs, ParseValue());
      return MakeCompare(op, std::move(value), std::move(rhs));
    }
    bool negated = false;
    if (IsKeyword(t, "not")) {
      const Token& after = Peek(1);
      if (!IsKeyword(after, "in") && !IsKeyword(after, "like") && !IsKeyword(after, "ilike") &&
          !IsKeyword(after, "between")) {
        return Unexpected(after, "expected IN, LIKE, ILIKE or BETWEEN after NOT");
      }
      Advance();
      negated = true;
    }
    const Token& kw = Peek();
    if (IsKeyword(kw, "in")) return ParseIn(std::move(value), negated);
    if (IsKeyword(kw, "like") || IsKeyword(kw, "ilike")) {
      Advance();
      const Token& pattern = Peek();
      if (pattern.kind != TokenKind::kString) {
        return Unexpected(pattern, "LIKE needs a quoted string pattern");
      }
      Advance();
      LF_ASSIGN_OR_RETURN(Literal lit, StringLiteral(pattern.text));
      return MakeLike(std::move(value), MakeLiteral(std::move(lit)), negated,
                      IsKeyword(kw, "ilike"));
    }
    if (IsKeyword(kw, "between")) {
      Advance();
      LF_ASSIGN_OR_RETURN(ExprPtr low, ParseValue());
      if (!IsKeyword(Peek(), "and")) return Unexpected(Peek(), "expected AND in BETWEEN");
      Advance();
      LF_ASSIGN_OR_RETURN(ExprPtr high, ParseValue());
      return MakeBetween(std::move(value), std::move(low), std::move(high), negated);
    }
    if (IsKeyword(kw, "is")) return ParseIsSuffix(std::move(value));
    if (!IsCondition(*value)) {
      return Unexpected(kw, "expected a comparison, IN, LIKE, BETWEEN or IS after a value");
    }
    return value;
  }

  // A bare value used as a condition: a (boolean) column, TRUE/FALSE or CAST(... AS BOOLEAN).
  static bool IsCondition(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kColumn:
        return true;
      case ExprKind::kLiteral:
        return e.literal.kind == LiteralKind::kBool;
      case ExprKind::kCast:
        return e.cast_type == CastType::kBoolean;
      default:
        return false;
    }
  }

  static bool AsCompareOp(TokenKind kind, CompareOp* op) {
    switch (kind) {
      case TokenKind::kEq:
        *op = CompareOp::kEq;
        return true;
      case TokenKind::kNe:
        *op = CompareOp::kNe;
        return true;
      case TokenKind::kLt:
        *op = CompareOp::kLt;
        return true;
      case TokenKind::kLe:
        *op = CompareOp::kLe;
        return true;
      case TokenKind::kGt:
        *op = CompareOp::kGt;
        return true;
      case TokenKind::kGe:
        *op = CompareOp::kGe;
        return true;
      default:
        return false;
    }
  }

  // Optional IS [NOT] NULL|TRUE|FALSE after `operand`.
  Result<ExprPtr> ParseIsSuffix(ExprPtr operand) {
    if (!IsKeyword(Peek(), "is")) return operand;
    Advance();
    bool negated = false;
    if (IsKeyword(Peek(), "not")) {
      Advance();
      negated = true;
    }
    const Token& t = Peek();
    if (IsKeyword(t, "null")) {
      Advance();
      return MakeIsNull(std::move(operand), negated);
    }
    if (IsKeyword(t, "true")) {
      Advance();
      return MakeIsTrue(std::move(operand), negated);
    }
    if (IsKeyword(t, "false")) {
      Advance();
      return MakeIsFalse(std::move(operand), negated);
    }
    return Unexpected(t, "expected NULL, TRUE or FALSE after IS");
  }

  Result<ExprPtr> ParseIn(ExprPtr value, bool negated) {
    Advance();  // IN
    if (Peek().kind != TokenKind::kLParen) return Unexpected(Peek(), "expected '(' after IN");
    const Token& open = Advance();
    if (Peek().kind == TokenKind::kRParen) return Error("empty IN list", Peek());
    std::vector<ExprPtr> items;
    while (true) {
      const Token& start = Peek();
      LF_ASSIGN_OR_RETURN(ExprPtr item, ParseValue());
      if (item->kind != ExprKind::kLiteral) {
        return Error("IN list item " + Describe(start) + " is not a literal", start,
                     "IN lists hold literal values only");
      }
      items.push_back(std::move(item));
      const Token& sep = Peek();
      if (sep.kind == TokenKind::kComma) {
        Advance();
        continue;
      }
      if (sep.kind == TokenKind::kRParen) {
        Advance();
        break;
      }
      if (sep.kind == TokenKind::kEnd) {
        return Error("missing ')'", sep,
                     "to close the IN list opened at position " + std::to_string(open.pos + 1));
      }
      return Unexpected(sep, "expected ',' or ')' in the IN list");
    }
    return MakeIn(std::move(value), std::move(items), negated);
  }

  // value := column | literal | CAST '(' value AS type ')'
  Result<ExprPtr> ParseValue() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kMinus: {
        Advance();
        const Token& n = Peek();
        if (n.kind != TokenKind::kInteger && n.kind != TokenKind::kDecimal) {
          return Error("unexpected '-'", t,
                       "a minus sign must be followed by a number; arithmetic is not supported");
        }
        Advance();
        return NumberLiteral(n, /*negative=*/true, t);
      }
      case TokenKind::kInteger:
      case TokenKind::kDecimal:
        Advance();
        return NumberLiteral(t, /*negative=*/false, t);
      case TokenKind::kString: {
        Advance();
        LF_ASSIGN_OR_RETURN(Literal lit, StringLiteral(t.text));
        return MakeLiteral(std::move(lit));
      }
      case TokenKind::kQuotedIdentifier:
        return ParseColumn();
      case TokenKind::kIdentifier:
        break;
      case TokenKind::kEnd:
        return Unexpected(t, "expected a column or a value");
      case TokenKind::kLParen:
        return Unexpected(t, "expected a column or a value; parentheses group conditions only");
      default:
        return Unexpected(t, "expected a column or a value");
    }
    if (IsKeyword(t, "true") || IsKeyword(t, "false")) {
      Advance();
      return MakeLiteral(BoolLiteral(IsKeyword(t, "true")));
    }
    if (IsKeyword(t, "null")) {
      Advance();
      return MakeLiteral(NullLiteral());
    }
    if ((IsKeyword(t, "date") || IsKeyword(t, "timestamp")) && Peek(1).kind == TokenKind::kString) {
      Advance();
      const Token& s = Advance();
      return TypedStringLiteral(IsKeyword(t, "date") ? CastType::kDate : CastType::kTimestamp, s);
    }
    if (IsKeyword(t, "cast") && Peek(1).kind == TokenKind::kLParen) return ParseCast();
    if (IsKeyword(t, "select")) return Unexpected(t, "subqueries are not allowed");
    if (internal::IsReservedWord(t.text)) {
      return Unexpected(t, "expected a column or a value; quote a column with this name as `...`");
    }
    return ParseColumn();
  }

  Result<ExprPtr> NumberLiteral(const Token& number, bool negative, const Token& start) {
    Result<Literal> lit = number.kind == TokenKind::kInteger
                              ? internal::ParseIntegerText(number.text, negative)
                              : internal::ParseDecimalText(number.text, negative);
    if (!lit.ok()) return Error(lit.status().message(), start);
    return MakeLiteral(std::move(lit).value());
  }

  // DATE '...' / TIMESTAMP '...', and CAST('...' AS DATE|TIMESTAMP), which SQL defines as the same.
  Result<ExprPtr> TypedStringLiteral(CastType type, const Token& string_token) {
    Result<Literal> lit = type == CastType::kDate ? internal::ParseDateText(string_token.text)
                                                  : internal::ParseTimestampText(string_token.text);
    if (!lit.ok()) return Error(lit.status().message(), string_token);
    return MakeLiteral(std::move(lit).value());
  }

  Result<ExprPtr> ParseColumn() {
    const Token& first = Peek();
    ColumnPath path;
    while (true) {
      const Token& t = Peek();
      if (t.kind != TokenKind::kIdentifier && t.kind != TokenKind::kQuotedIdentifier) {
        return Unexpected(t, "expected a field name after '.'");
      }
      if (static_cast<int64_t>(t.text.size()) > kMaxFieldNameLength) {
        return Error("name longer than " + std::to_string(kMaxFieldNameLength) + " bytes", t);
      }
      if (static_cast<int64_t>(path.parts.size()) == kMaxColumnPathParts) {
        return Error("column path with more than " + std::to_string(kMaxColumnPathParts) + " parts",
                     t);
      }
      Advance();
      path.parts.push_back(t.text);
      if (Peek().kind != TokenKind::kDot) break;
      Advance();
    }
    if (Peek().kind == TokenKind::kLParen) {
      return Error("unknown function " + internal::QuoteForMessage(in_.substr(
                                             static_cast<size_t>(first.pos),
                                             static_cast<size_t>(Peek().pos - first.pos))),
                   first, "only CAST is supported");
    }
    return MakeColumn(std::move(path));
  }

  Result<ExprPtr> ParseCast() {
    const Token& cast_token = Advance();
    Advance();  // '('
    DepthGuard guard(&depth_);
    LF_RETURN_NOT_OK(CheckDepth(cast_token));
    const Token& operand_start = Peek();
    LF_ASSIGN_OR_RETURN(ExprPtr operand, ParseValue());
    if (!IsKeyword(Peek(), "as")) return Unexpected(Peek(), "expected AS in CAST");
    Advance();
    const Token& type_token = Peek();
    CastType type;
    bool nanosecond_precision = false;
    LF_RETURN_NOT_OK(ParseCastType(&type, &nanosecond_precision));
    if (Peek().kind != TokenKind::kRParen) return Unexpected(Peek(), "expected ')' to end CAST");
    Advance();

    // Casts of literals that SQL defines as literals themselves are folded, so the tree holds
    // the typed value and renders to one canonical spelling.
    const bool string_operand =
        operand->kind == ExprKind::kLiteral && operand->literal.kind == LiteralKind::kString;
    if (string_operand && (type == CastType::kDate || type == CastType::kTimestamp)) {
      return TypedStringLiteral(type, operand_start);
    }
    if (nanosecond_precision) {
      return Error("TIMESTAMP(9)", type_token,
                   "only a quoted timestamp can be cast to TIMESTAMP(9)");
    }
    if (type == CastType::kInt64 && operand->kind == ExprKind::kLiteral &&
        operand->literal.kind == LiteralKind::kInteger) {
      if (!operand->literal.AsInt64().has_value()) {
        return Error("integer " + operand->literal.text + " is out of range for BIGINT",
                     operand_start);
      }
      return operand;
    }
    return MakeCast(std::move(operand), type);
  }

  Status ParseCastType(CastType* type, bool* nanosecond_precision) {
    const Token& t = Peek();
    if (t.kind != TokenKind::kIdentifier) return Unexpected(t, "expected a type name");
    struct Name {
      std::string_view name;
      CastType type;
      CastType unsigned_type;  // == type when UNSIGNED is not allowed
    };
    static constexpr Name kNames[] = {
        {"boolean", CastType::kBoolean, CastType::kBoolean},
        {"tinyint", CastType::kInt8, CastType::kUInt8},
        {"smallint", CastType::kInt16, CastType::kUInt16},
        {"int", CastType::kInt32, CastType::kUInt32},
        {"integer", CastType::kInt32, CastType::kUInt32},
        {"bigint", CastType::kInt64, CastType::kUInt64},
        {"float", CastType::kFloat32, CastType::kFloat32},
        {"double", CastType::kFloat64, CastType::kFloat64},
        {"string", CastType::kString, CastType::kString},
        {"date", CastType::kDate, CastType::kDate},
        {"timestamp", CastType::kTimestamp, CastType::kTimestamp},
    };
    for (const Name& n : kNames) {
      if (!IsKeyword(t, n.name)) continue;
      Advance();
      *type = n.type;
      if (n.unsigned_type != n.type && IsKeyword(Peek(), "unsigned")) {
        Advance();
        *type = n.unsigned_type;
      }
      if (n.type == CastType::kTimestamp && Peek().kind == TokenKind::kLParen) {
        const Token& precision = Peek(1);
        if (precision.kind != TokenKind::kInteger || precision.text != "9" ||
            Peek(2).kind != TokenKind::kRParen) {
          return Unexpected(precision, "the only TIMESTAMP precision supported is 9");
        }
        Advance();
        Advance();
        Advance();
        *nanosecond_precision = true;
      }
      return Status::OK();
    }
    return Error("unsupported CAST type " + Describe(t), t,
                 "supported: BOOLEAN, TINYINT, SMALLINT, INT, INTEGER, BIGINT (each optionally "
                 "UNSIGNED), FLOAT, DOUBLE, STRING, DATE, TIMESTAMP");
  }

  std::string_view in_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<ExprPtr> ParseFilter(std::string_view text) {
  if (static_cast<int64_t>(text.size()) > kMaxFilterLength) {
    return Status::Invalid("filter: longer than " + std::to_string(kMaxFilterLength) + " bytes (" +
                           std::to_string(text.size()) + ")");
  }
  LF_ASSIGN_OR_RETURN(std::vector<Token> tokens, internal::Tokenize(text, kWhat));
  return FilterParser(text, std::move(tokens)).Parse();
}

}  // namespace lanceflow::expr
