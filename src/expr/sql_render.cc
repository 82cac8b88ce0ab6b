// Rendering of filter trees as SQL for LanceDB. LanceDB parses filters with sqlparser (a
// MySQL-based dialect: identifiers in backquotes, '' inside strings, backslash not special in
// strings) and plans them with DataFusion; the precedences below match that parser
// (OR < AND < NOT < IS/comparison/IN/LIKE/BETWEEN), so parentheses appear only where the tree
// differs from what the parser would build from unparenthesised text.

#include <string>

#include "lanceflow/expr/filter.h"
#include "literal_text.h"

namespace lanceflow::expr {
namespace {

enum Precedence : int {
  kOrPrec = 1,
  kAndPrec = 2,
  kNotPrec = 3,
  kPredicatePrec = 4,
  kValuePrec = 5,
};

int PrecedenceOf(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kOr:
      return kOrPrec;
    case ExprKind::kAnd:
      return kAndPrec;
    case ExprKind::kNot:
      return kNotPrec;
    case ExprKind::kCompare:
    case ExprKind::kIn:
    case ExprKind::kIsNull:
    case ExprKind::kIsTrue:
    case ExprKind::kIsFalse:
    case ExprKind::kLike:
    case ExprKind::kBetween:
      return kPredicatePrec;
    case ExprKind::kColumn:
    case ExprKind::kLiteral:
    case ExprKind::kCast:
      return kValuePrec;
  }
  return kValuePrec;
}

class Renderer {
 public:
  explicit Renderer(std::string* out) : out_(out) {}

  void Render(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kColumn:
        *out_ += e.column.ToString();
        return;
      case ExprKind::kLiteral:
        *out_ += e.literal.ToSql();
        return;
      case ExprKind::kCast:
        *out_ += "CAST(";
        Render(*e.args[0]);
        *out_ += " AS ";
        *out_ += CastTypeSql(e.cast_type);
        *out_ += ')';
        return;
      case ExprKind::kCompare:
        Child(*e.args[0], kValuePrec);
        *out_ += ' ';
        *out_ += CompareOpSql(e.compare_op);
        *out_ += ' ';
        Child(*e.args[1], kValuePrec);
        return;
      case ExprKind::kIn: {
        const bool nanos = AnyNanosecondTimestamp(e, 1);
        Child(*e.args[0], kValuePrec);
        *out_ += e.negated ? " NOT IN (" : " IN (";
        for (size_t i = 1; i < e.args.size(); ++i) {
          if (i > 1) *out_ += ", ";
          Operand(*e.args[i], nanos);
        }
        *out_ += ')';
        return;
      }
      case ExprKind::kIsNull:
      case ExprKind::kIsTrue:
      case ExprKind::kIsFalse:
        Child(*e.args[0], kValuePrec);
        *out_ += e.negated ? " IS NOT " : " IS ";
        *out_ += e.kind == ExprKind::kIsNull   ? "NULL"
                 : e.kind == ExprKind::kIsTrue ? "TRUE"
                                               : "FALSE";
        return;
      case ExprKind::kLike:
        Child(*e.args[0], kValuePrec);
        *out_ += e.negated ? " NOT " : " ";
        *out_ += e.case_insensitive ? "ILIKE " : "LIKE ";
        Child(*e.args[1], kValuePrec);
        return;
      case ExprKind::kBetween: {
        const bool nanos = AnyNanosecondTimestamp(e, 0);
        Operand(*e.args[0], nanos);
        *out_ += e.negated ? " NOT BETWEEN " : " BETWEEN ";
        Operand(*e.args[1], nanos);
        *out_ += " AND ";
        Operand(*e.args[2], nanos);
        return;
      }
      case ExprKind::kNot:
        *out_ += "NOT ";
        Child(*e.args[0], kNotPrec);
        return;
      case ExprKind::kAnd:
      case ExprKind::kOr: {
        // A nested AND inside AND (or OR inside OR) came from explicit parentheses; keeping them
        // keeps the tree shape, so parsing the output gives back the same tree.
        const int min = e.kind == ExprKind::kAnd ? kAndPrec + 1 : kOrPrec + 1;
        const char* sep = e.kind == ExprKind::kAnd ? " AND " : " OR ";
        for (size_t i = 0; i < e.args.size(); ++i) {
          if (i > 0) *out_ += sep;
          Child(*e.args[i], min);
        }
        return;
      }
    }
  }

 private:
  void Child(const Expr& child, int min_precedence) {
    if (PrecedenceOf(child) < min_precedence) {
      *out_ += '(';
      Render(child);
      *out_ += ')';
    } else {
      Render(child);
    }
  }

  // LanceDB coerces the values of an IN list or BETWEEN to one type; a microsecond TIMESTAMP
  // literal next to a nanosecond one would drag it down to microseconds, so when any timestamp
  // literal there needs nanoseconds, all of them are written in the nanosecond form.
  static bool AnyNanosecondTimestamp(const Expr& e, size_t first) {
    for (size_t i = first; i < e.args.size(); ++i) {
      const Expr& a = *e.args[i];
      if (a.kind == ExprKind::kLiteral && internal::NeedsNanosecondTimestamp(a.literal)) {
        return true;
      }
    }
    return false;
  }

  void Operand(const Expr& e, bool nanos) {
    if (nanos && e.kind == ExprKind::kLiteral && e.literal.kind == LiteralKind::kTimestamp) {
      *out_ += internal::TimestampSql(e.literal, /*force_nanos=*/true);
    } else {
      Child(e, kValuePrec);
    }
  }

  std::string* out_;
};

}  // namespace

std::string ToSql(const Expr& expr) {
  std::string out;
  Renderer(&out).Render(expr);
  return out;
}

}  // namespace lanceflow::expr
