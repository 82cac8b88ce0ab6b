#include <algorithm>
#include <utility>

#include "lanceflow/expr/filter.h"

namespace lanceflow::expr {

const char* CompareOpSql(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
  }
  return "=";
}

const char* CastTypeSql(CastType type) {
  // The spellings LanceDB's planner accepts (its list: int [unsigned], tinyint [unsigned],
  // smallint [unsigned], bigint [unsigned], float, double, string, binary, date,
  // timestamp(precision), datetime(precision), decimal(precision,scale), boolean).
  switch (type) {
    case CastType::kBoolean:
      return "BOOLEAN";
    case CastType::kInt8:
      return "TINYINT";
    case CastType::kInt16:
      return "SMALLINT";
    case CastType::kInt32:
      return "INT";
    case CastType::kInt64:
      return "BIGINT";
    case CastType::kUInt8:
      return "TINYINT UNSIGNED";
    case CastType::kUInt16:
      return "SMALLINT UNSIGNED";
    case CastType::kUInt32:
      return "INT UNSIGNED";
    case CastType::kUInt64:
      return "BIGINT UNSIGNED";
    case CastType::kFloat32:
      return "FLOAT";
    case CastType::kFloat64:
      return "DOUBLE";
    case CastType::kString:
      return "STRING";
    case CastType::kDate:
      return "DATE";
    case CastType::kTimestamp:
      return "TIMESTAMP";
  }
  return "STRING";
}

bool Expr::Equals(const Expr& other) const {
  if (kind != other.kind || args.size() != other.args.size()) return false;
  switch (kind) {
    case ExprKind::kColumn:
      if (column != other.column) return false;
      break;
    case ExprKind::kLiteral:
      if (!literal.Equals(other.literal)) return false;
      break;
    case ExprKind::kCast:
      if (cast_type != other.cast_type) return false;
      break;
    case ExprKind::kCompare:
      if (compare_op != other.compare_op) return false;
      break;
    case ExprKind::kLike:
      if (case_insensitive != other.case_insensitive || negated != other.negated) return false;
      break;
    case ExprKind::kIn:
    case ExprKind::kIsNull:
    case ExprKind::kIsTrue:
    case ExprKind::kIsFalse:
    case ExprKind::kBetween:
      if (negated != other.negated) return false;
      break;
    case ExprKind::kNot:
    case ExprKind::kAnd:
    case ExprKind::kOr:
      break;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i]->Equals(*other.args[i])) return false;
  }
  return true;
}

namespace {

void CollectColumns(const Expr& expr, std::vector<ColumnPath>* out) {
  if (expr.kind == ExprKind::kColumn) out->push_back(expr.column);
  for (const ExprPtr& arg : expr.args) CollectColumns(*arg, out);
}

ExprPtr Node(ExprKind kind, std::vector<ExprPtr> args, bool negated = false) {
  auto e = std::make_shared<Expr>();
  e->kind = kind;
  e->negated = negated;
  e->args = std::move(args);
  return e;
}

}  // namespace

std::vector<ColumnPath> ColumnsReferenced(const Expr& expr) {
  std::vector<ColumnPath> out;
  CollectColumns(expr, &out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

ExprPtr MakeColumn(ColumnPath path) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::kColumn;
  e->column = std::move(path);
  return e;
}

ExprPtr MakeLiteral(Literal literal) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::kLiteral;
  e->literal = std::move(literal);
  return e;
}

ExprPtr MakeCast(ExprPtr value, CastType type) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::kCast;
  e->cast_type = type;
  e->args.push_back(std::move(value));
  return e;
}

ExprPtr MakeCompare(CompareOp op, ExprPtr lhs, ExprPtr rhs) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::kCompare;
  e->compare_op = op;
  e->args.push_back(std::move(lhs));
  e->args.push_back(std::move(rhs));
  return e;
}

ExprPtr MakeIn(ExprPtr value, std::vector<ExprPtr> items, bool negated) {
  std::vector<ExprPtr> args;
  args.reserve(items.size() + 1);
  args.push_back(std::move(value));
  for (ExprPtr& item : items) args.push_back(std::move(item));
  return Node(ExprKind::kIn, std::move(args), negated);
}

ExprPtr MakeIsNull(ExprPtr value, bool negated) {
  return Node(ExprKind::kIsNull, {std::move(value)}, negated);
}

ExprPtr MakeIsTrue(ExprPtr value, bool negated) {
  return Node(ExprKind::kIsTrue, {std::move(value)}, negated);
}

ExprPtr MakeIsFalse(ExprPtr value, bool negated) {
  return Node(ExprKind::kIsFalse, {std::move(value)}, negated);
}

ExprPtr MakeLike(ExprPtr value, ExprPtr pattern, bool negated, bool case_insensitive) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::kLike;
  e->negated = negated;
  e->case_insensitive = case_insensitive;
  e->args.push_back(std::move(value));
  e->args.push_back(std::move(pattern));
  return e;
}

ExprPtr MakeBetween(ExprPtr value, ExprPtr low, ExprPtr high, bool negated) {
  return Node(ExprKind::kBetween, {std::move(value), std::move(low), std::move(high)}, negated);
}

ExprPtr MakeNot(ExprPtr operand) { return Node(ExprKind::kNot, {std::move(operand)}); }

ExprPtr MakeAnd(std::vector<ExprPtr> operands) {
  if (operands.empty()) return MakeLiteral(BoolLiteral(true));
  if (operands.size() == 1) return std::move(operands[0]);
  return Node(ExprKind::kAnd, std::move(operands));
}

ExprPtr MakeOr(std::vector<ExprPtr> operands) {
  if (operands.empty()) return MakeLiteral(BoolLiteral(false));
  if (operands.size() == 1) return std::move(operands[0]);
  return Node(ExprKind::kOr, std::move(operands));
}

}  // namespace lanceflow::expr
