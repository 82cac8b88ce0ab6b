// The lanceflow filter language: a small, safe subset of SQL predicates. A user filter
// (CLI `--filter`, connector option `filter_expression`) is parsed into an immutable Expr tree;
// the tree is rendered back to SQL for LanceDB servers (ToSql) and walked by the native
// evaluator. Nothing outside the grammar below ever reaches a server.
//
// Grammar (keywords are case-insensitive; precedence NOT > AND > OR):
//   filter     := or
//   or         := and ( OR and )*
//   and        := not ( AND not )*
//   not        := NOT not | predicate
//   predicate  := '(' or ')' [is_test]
//               | value ( cmp_op value
//                       | [NOT] IN '(' literal ( ',' literal )* ')'
//                       | [NOT] ( LIKE | ILIKE ) string
//                       | [NOT] BETWEEN value AND value
//                       | is_test )?            -- a bare value must be a column, TRUE/FALSE,
//                                                  or CAST(... AS BOOLEAN)
//   is_test    := IS [NOT] ( NULL | TRUE | FALSE )
//   cmp_op     := '=' | '!=' | '<>' | '<' | '<=' | '>' | '>='
//   value      := column | literal | CAST '(' value AS cast_type ')'
//   column     := name ( '.' name )*            -- nested struct fields
//   name       := [A-Za-z_][A-Za-z0-9_]* | `...` (`` escapes `) | "..." ("" escapes ")
//                 (bare names that are keywords must be quoted: AND OR NOT IN IS NULL TRUE
//                 FALSE LIKE ILIKE BETWEEN CAST AS SELECT FROM WHERE CASE WHEN THEN ELSE END
//                 EXISTS INTERVAL ESCAPE UNION EXCEPT DISTINCT SIMILAR REGEXP RLIKE ANY ALL
//                 SOME VALUES WITH XOR)
//   literal    := ['-'] integer | ['-'] decimal | string | TRUE | FALSE | NULL
//               | DATE string | TIMESTAMP string
//   cast_type  := BOOLEAN | TINYINT | SMALLINT | INT | INTEGER | BIGINT  (each with optional
//                 UNSIGNED) | FLOAT | DOUBLE | STRING | DATE | TIMESTAMP | TIMESTAMP(9)
// Literals: integers must lie in [-2^63, 2^64-1]; decimals ("1.5", ".5", "2e-3") must be finite
// doubles; strings are single-quoted, '' is a quote, backslash has no special meaning (LIKE
// patterns use it as their escape, as in LanceDB), any valid UTF-8 except NUL, newlines included;
// DATE 'YYYY-MM-DD'; TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.f{1,9}]' with ' ' or 'T' between date and
// time and an optional 'Z' or '+HH:MM'/'-HH:MM' offset; years 0001..9999, real calendar dates.
// As in SQL, CAST('...' AS DATE), CAST('...' AS TIMESTAMP[(9)]) are the typed literals themselves
// and CAST(<integer> AS BIGINT) is the integer (which must fit int64); the parser folds them.
// TIMESTAMP(9) is accepted only in that folded form.
// Refused with a positioned error: arithmetic, functions other than CAST, subqueries, ';',
// comments ('--', '/* */'), unbalanced quotes or parentheses, trailing text, NUL bytes, invalid
// UTF-8, input longer than kMaxFilterLength bytes, nesting deeper than kMaxNestingDepth.
//
// Error messages are one line, "filter: <what> at position <N>[ (<why>)]", N a 1-based byte
// offset. Thread safety: all functions are pure; Expr trees are immutable and shareable.
//
// How LanceDB reads the rendered SQL (observed with LanceDB 0.39), which the native evaluator
// should match: a literal is converted to the type of the column it meets, and one that does not
// fit (300 for int8, -1 for uint8, 1.5 for int64) is an error, not a false comparison; a bare
// name falls back to a case-insensitive match when no column has exactly that name, while this
// module treats names as case-sensitive (check ColumnsReferenced against the schema first); a
// TIMESTAMP literal compared with a column that has a named time zone is taken as wall-clock
// time in that zone (after its own offset, if any, is applied); LIKE escapes with '' only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lanceflow/arrow/type.h"
#include "lanceflow/core/result.h"
#include "lanceflow/core/status.h"
#include "lanceflow/expr/identifier.h"

namespace lanceflow::expr {

// Longest filter text accepted, in bytes.
inline constexpr int64_t kMaxFilterLength = 64 * 1024;
// Deepest nesting of parentheses, NOT and CAST accepted. LanceDB parses a filter with a recursion
// limit of 50 (the filter sits inside a SELECT, and each parenthesised AND/OR level costs two), so
// 20 keeps every accepted filter renderable to SQL the server accepts, and bounds recursion here.
inline constexpr int kMaxNestingDepth = 20;

// ---------------------------------------------------------------------------------------------
// Literals

enum class LiteralKind : uint8_t { kNull, kBool, kInteger, kFloat, kString, kDate, kTimestamp };

// A timestamp literal as written: wall-clock fields plus an optional UTC offset.
struct TimestampValue {
  // Seconds since 1970-01-01 00:00:00 of the wall-clock fields read as UTC (offset not applied).
  int64_t seconds = 0;
  int32_t nanos = 0;            // 0..999'999'999
  int32_t fraction_digits = 0;  // digits written after the '.', 0..9; kept for rendering
  // Present when the literal carried 'Z' (0) or an offset: minutes east of UTC.
  std::optional<int32_t> utc_offset_minutes;

  // Seconds since the epoch of the instant (offset applied; wall clock as UTC when none).
  int64_t UtcSeconds() const { return seconds - int64_t{60} * utc_offset_minutes.value_or(0); }
  friend bool operator==(const TimestampValue&, const TimestampValue&) = default;
};

struct Literal {
  LiteralKind kind = LiteralKind::kNull;

  bool bool_value = false;  // kBool
  // kInteger: the value is (negative ? -magnitude : magnitude); negative implies magnitude in
  // [1, 2^63]. Integers are typed by the column they meet, so no width is fixed here.
  bool negative = false;
  uint64_t magnitude = 0;
  double float_value = 0;    // kFloat: the finite double nearest to `text`
  int32_t date_days = 0;     // kDate: days since 1970-01-01
  TimestampValue timestamp;  // kTimestamp
  // Canonical text. kInteger: "-"? digits without leading zeros. kFloat: as written, with a '0'
  // added before a leading '.' and after a trailing '.', exponent marker 'e'. kString: the value
  // (UTF-8, unescaped). kDate: "YYYY-MM-DD". kTimestamp: "YYYY-MM-DD HH:MM:SS[.f...][Z|+HH:MM]".
  // Unused for kNull and kBool.
  std::string text;

  // kInteger values that fit the width; nullopt otherwise (or for other kinds).
  std::optional<int64_t> AsInt64() const;
  std::optional<uint64_t> AsUInt64() const;

  // Rendered as SQL: NULL, TRUE, 42, -1.5e3, 'it''s', date '2024-01-31',
  // timestamp '2024-01-31 12:00:00.5'.
  std::string ToSql() const;

  // Equal kind and value (canonical text for numbers, strings, dates and timestamps).
  bool Equals(const Literal& other) const;
};

// Literal constructors for code that builds filters (no parsing involved).
Literal NullLiteral();
Literal BoolLiteral(bool value);
Literal Int64Literal(int64_t value);
Literal UInt64Literal(uint64_t value);
// Refuses NaN and infinities (no SQL spelling): Status::Invalid.
Result<Literal> Float64Literal(double value);
// Refuses invalid UTF-8 and NUL bytes: Status::Invalid.
Result<Literal> StringLiteral(std::string value);
// Days since 1970-01-01; refuses dates outside 0001-01-01..9999-12-31 (Status::OutOfRange).
Result<Literal> DateLiteral(int64_t days);
// Parses the contents of DATE '...' / TIMESTAMP '...' (validated as described above).
Result<Literal> ParseDateLiteral(std::string_view text);
Result<Literal> ParseTimestampLiteral(std::string_view text);

// A cursor or key value taken from data, to be turned into a literal of a column's type.
// Integers may be given as int64_t or uint64_t; dates as int64_t days (date32) or milliseconds
// (date64); timestamps as int64_t in the type's unit; floats as double; strings as std::string.
using ScalarValue = std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string>;

// The literal that denotes `value` in a column of `type`: bool, int8..int64, uint8..uint64,
// float16/32/64 (rendered with the shortest text that reads back to the same value of that
// width), utf8/large_utf8, date32/date64, and timestamp of any unit without a time zone or with a
// UTC zone ("UTC", "Etc/UTC", ...): the text is the UTC wall clock with exactly 0/3/6/9 fraction
// digits for s/ms/us/ns and no offset. std::monostate gives NULL for any type.
// Errors: Status::OutOfRange when the value does not fit the type (int8 300, a date64 that is not
// a whole day, a year outside 0001..9999); Status::Invalid for a value of the wrong alternative,
// NaN/Inf, a double that is not a float32 value, bad UTF-8 or a NUL byte; Status::NotImplemented
// for a timestamp with a named non-UTC zone (LanceDB reads a timestamp literal as wall-clock time
// in the column's zone, which would need the zone's rules; MakeColumnComparison handles such
// columns) and for types without a literal here (binary, decimal, nested, ...).
Result<Literal> MakeTypedLiteral(const arrow::DataType& type, const ScalarValue& value);
// MakeTypedLiteral(...)->ToSql(), e.g. "timestamp '2024-01-01 00:00:00.000000'".
Result<std::string> RenderTypedLiteral(const arrow::DataType& type, const ScalarValue& value);

// ---------------------------------------------------------------------------------------------
// Expressions

enum class ExprKind : uint8_t {
  kColumn,   // column
  kLiteral,  // literal
  kCast,     // CAST(args[0] AS cast_type)
  kCompare,  // args[0] compare_op args[1]
  kIn,       // args[0] [NOT] IN (args[1], ...); args[1..] are kLiteral, at least one
  kIsNull,   // args[0] IS [NOT] NULL
  kIsTrue,   // args[0] IS [NOT] TRUE
  kIsFalse,  // args[0] IS [NOT] FALSE
  kLike,     // args[0] [NOT] LIKE|ILIKE args[1]; args[1] is a kString kLiteral
  kBetween,  // args[0] [NOT] BETWEEN args[1] AND args[2]
  kNot,      // NOT args[0]
  kAnd,      // args[0] AND args[1] AND ...; at least two args
  kOr,       // args[0] OR args[1] OR ...; at least two args
};

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

enum class CastType : uint8_t {
  kBoolean,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kFloat32,
  kFloat64,
  kString,
  kDate,
  kTimestamp,
};

const char* CompareOpSql(CompareOp op);  // "=", "!=", "<", "<=", ">", ">="
const char* CastTypeSql(CastType type);  // "BOOLEAN", "TINYINT UNSIGNED", "DOUBLE", ...

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

// One node of a filter tree. Which members are meaningful depends on `kind` (see ExprKind).
// Trees produced by ParseFilter are at most kMaxNestingDepth levels of NOT/parentheses/CAST deep;
// code building trees with the Make* functions should keep them similarly shallow, since the
// functions below recurse over the tree.
struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  // kIn, kIsNull, kIsTrue, kIsFalse, kLike, kBetween: the NOT form.
  bool negated = false;
  // kLike: ILIKE (case-insensitive match).
  bool case_insensitive = false;
  CompareOp compare_op = CompareOp::kEq;   // kCompare
  CastType cast_type = CastType::kString;  // kCast
  ColumnPath column;                       // kColumn
  Literal literal;                         // kLiteral
  std::vector<ExprPtr> args;

  // Structural equality (same tree, literals compared with Literal::Equals).
  bool Equals(const Expr& other) const;
};

// Parses a user filter. See the grammar above; every error is Status::Invalid.
Result<ExprPtr> ParseFilter(std::string_view text);

// Renders `expr` as an SQL predicate for LanceDB (DataFusion dialect as Lance parses it):
// identifiers quoted per ColumnPath::ToString, literals per Literal::ToSql, keywords upper case,
// parentheses exactly where precedence requires them. ParseFilter(ToSql(e)) yields a tree equal to
// e for every e produced by ParseFilter. Timestamp literals with more than 6 fraction digits
// are written CAST('...' AS TIMESTAMP(9)) (LanceDB truncates TIMESTAMP '...' to microseconds),
// the integer -2^63 as CAST(-9223372036854775808 AS BIGINT) (LanceDB reads the bare form as a
// float).
std::string ToSql(const Expr& expr);

// Every column path the expression reads, sorted and without duplicates.
std::vector<ColumnPath> ColumnsReferenced(const Expr& expr);

// Builders. They do not validate: callers pass well-formed children (non-null, and for
// MakeIn literal items, for MakeLike a string literal pattern).
ExprPtr MakeColumn(ColumnPath path);
ExprPtr MakeLiteral(Literal literal);
ExprPtr MakeCast(ExprPtr value, CastType type);
ExprPtr MakeCompare(CompareOp op, ExprPtr lhs, ExprPtr rhs);
ExprPtr MakeIn(ExprPtr value, std::vector<ExprPtr> items, bool negated = false);
ExprPtr MakeIsNull(ExprPtr value, bool negated = false);
ExprPtr MakeIsTrue(ExprPtr value, bool negated = false);
ExprPtr MakeIsFalse(ExprPtr value, bool negated = false);
ExprPtr MakeLike(ExprPtr value, ExprPtr pattern, bool negated = false,
                 bool case_insensitive = false);
ExprPtr MakeBetween(ExprPtr value, ExprPtr low, ExprPtr high, bool negated = false);
ExprPtr MakeNot(ExprPtr operand);
// With no operand: the literal TRUE (MakeAnd) or FALSE (MakeOr); with one: that operand.
ExprPtr MakeAnd(std::vector<ExprPtr> operands);
ExprPtr MakeOr(std::vector<ExprPtr> operands);

// `column op value` for a column of `type`, exact on LanceDB and in the native evaluator (the
// building block of cursor filters such as `updated_at > TIMESTAMP '2024-01-01 00:00:00.000000'`).
// Uses MakeTypedLiteral, except for a timestamp with a named non-UTC zone, which is compared by
// its raw value: CAST(column AS BIGINT) op <units since the epoch>. Errors: those of
// MakeTypedLiteral, and Status::Invalid for a NULL value.
Result<ExprPtr> MakeColumnComparison(ColumnPath column, const arrow::DataType& type, CompareOp op,
                                     const ScalarValue& value);

}  // namespace lanceflow::expr
