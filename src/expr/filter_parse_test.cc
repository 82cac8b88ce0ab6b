#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "lanceflow/expr/filter.h"

namespace lanceflow::expr {
namespace {

// An S-expression view of a tree, written independently of ToSql so that parser tests check the
// tree shape, not the renderer: (and (= a 1) (not (is-null b))).
std::string Tree(const Expr& e) {
  auto args = [&](size_t from) {
    std::string s;
    for (size_t i = from; i < e.args.size(); ++i) s += " " + Tree(*e.args[i]);
    return s;
  };
  const std::string neg = e.negated ? "not-" : "";
  switch (e.kind) {
    case ExprKind::kColumn: {
      std::string s;
      for (size_t i = 0; i < e.column.parts.size(); ++i) {
        s += (i ? "." : "") + std::string("[") + e.column.parts[i] + "]";
      }
      return s;
    }
    case ExprKind::kLiteral:
      switch (e.literal.kind) {
        case LiteralKind::kNull:
          return "null";
        case LiteralKind::kBool:
          return e.literal.bool_value ? "true" : "false";
        case LiteralKind::kInteger:
          return "int:" + e.literal.text;
        case LiteralKind::kFloat:
          return "float:" + e.literal.text;
        case LiteralKind::kString:
          return "str:<" + e.literal.text + ">";
        case LiteralKind::kDate:
          return "date:" + e.literal.text;
        case LiteralKind::kTimestamp:
          return "ts:" + e.literal.text;
      }
      return "?";
    case ExprKind::kCast:
      return "(cast" + args(0) + " " + CastTypeSql(e.cast_type) + ")";
    case ExprKind::kCompare:
      return std::string("(") + CompareOpSql(e.compare_op) + args(0) + ")";
    case ExprKind::kIn:
      return "(" + neg + "in" + args(0) + ")";
    case ExprKind::kIsNull:
      return "(is-" + neg + "null" + args(0) + ")";
    case ExprKind::kIsTrue:
      return "(is-" + neg + "true" + args(0) + ")";
    case ExprKind::kIsFalse:
      return "(is-" + neg + "false" + args(0) + ")";
    case ExprKind::kLike:
      return "(" + neg + (e.case_insensitive ? "ilike" : "like") + args(0) + ")";
    case ExprKind::kBetween:
      return "(" + neg + "between" + args(0) + ")";
    case ExprKind::kNot:
      return "(not" + args(0) + ")";
    case ExprKind::kAnd:
      return "(and" + args(0) + ")";
    case ExprKind::kOr:
      return "(or" + args(0) + ")";
  }
  return "?";
}

std::string ParseTree(std::string_view text) {
  auto r = ParseFilter(text);
  if (!r.ok()) return "ERROR " + r.status().message();
  return Tree(**r);
}

std::string ParseError(std::string_view text) {
  auto r = ParseFilter(text);
  if (r.ok()) return "OK " + Tree(**r);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(FilterParseTest, Precedence) {
  EXPECT_EQ(ParseTree("a = 1 OR b = 2 AND c = 3"),
            "(or (= [a] int:1) (and (= [b] int:2) (= [c] int:3)))");
  EXPECT_EQ(ParseTree("a = 1 AND b = 2 OR c = 3"),
            "(or (and (= [a] int:1) (= [b] int:2)) (= [c] int:3))");
  EXPECT_EQ(ParseTree("(a = 1 OR b = 2) AND c = 3"),
            "(and (or (= [a] int:1) (= [b] int:2)) (= [c] int:3))");
  EXPECT_EQ(ParseTree("NOT a = 1 AND b"), "(and (not (= [a] int:1)) [b])");
  EXPECT_EQ(ParseTree("NOT (a = 1 AND b)"), "(not (and (= [a] int:1) [b]))");
  EXPECT_EQ(ParseTree("NOT NOT a"), "(not (not [a]))");
  EXPECT_EQ(ParseTree("NOT a IS NULL"), "(not (is-null [a]))");
  EXPECT_EQ(ParseTree("a OR b OR c AND d AND e"), "(or [a] [b] (and [c] [d] [e]))");
  // Explicit grouping is kept, so the renderer can reproduce it.
  EXPECT_EQ(ParseTree("(a AND b) AND c"), "(and (and [a] [b]) [c])");
  EXPECT_EQ(ParseTree("((a))"), "[a]");
  EXPECT_EQ(ParseTree("x BETWEEN 1 AND 2 AND y"), "(and (between [x] int:1 int:2) [y])");
}

TEST(FilterParseTest, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(ParseTree("a is not null and b not in (1) or not c like 'x' and d between 1 and 2"),
            ParseTree("a IS NOT NULL AND b NOT IN (1) OR NOT c LIKE 'x' AND d BETWEEN 1 AND 2"));
  EXPECT_EQ(ParseTree("x = True OR y = fAlSe OR z iS nUlL"),
            "(or (= [x] true) (= [y] false) (is-null [z]))");
}

TEST(FilterParseTest, Predicates) {
  EXPECT_EQ(ParseTree("a != 1"), "(!= [a] int:1)");
  EXPECT_EQ(ParseTree("a <> 1"), "(!= [a] int:1)");
  EXPECT_EQ(ParseTree("a<1"), "(< [a] int:1)");
  EXPECT_EQ(ParseTree("a<=1"), "(<= [a] int:1)");
  EXPECT_EQ(ParseTree("a>1"), "(> [a] int:1)");
  EXPECT_EQ(ParseTree("a>=1"), "(>= [a] int:1)");
  EXPECT_EQ(ParseTree("1 = a"), "(= int:1 [a])");
  EXPECT_EQ(ParseTree("a = b"), "(= [a] [b])");
  EXPECT_EQ(ParseTree("a IN (1, -2, 'x', NULL, 2.5)"),
            "(in [a] int:1 int:-2 str:<x> null float:2.5)");
  EXPECT_EQ(ParseTree("a NOT IN (1)"), "(not-in [a] int:1)");
  EXPECT_EQ(ParseTree("a IS NULL"), "(is-null [a])");
  EXPECT_EQ(ParseTree("a IS NOT NULL"), "(is-not-null [a])");
  EXPECT_EQ(ParseTree("a IS TRUE"), "(is-true [a])");
  EXPECT_EQ(ParseTree("a IS NOT TRUE"), "(is-not-true [a])");
  EXPECT_EQ(ParseTree("a IS FALSE"), "(is-false [a])");
  EXPECT_EQ(ParseTree("a IS NOT FALSE"), "(is-not-false [a])");
  EXPECT_EQ(ParseTree("(a = 1) IS TRUE"), "(is-true (= [a] int:1))");
  EXPECT_EQ(ParseTree("a LIKE '50\\%%'"), "(like [a] str:<50\\%%>)");
  EXPECT_EQ(ParseTree("a NOT LIKE 'x_'"), "(not-like [a] str:<x_>)");
  EXPECT_EQ(ParseTree("a ILIKE 'X%'"), "(ilike [a] str:<X%>)");
  EXPECT_EQ(ParseTree("a NOT ILIKE 'X%'"), "(not-ilike [a] str:<X%>)");
  EXPECT_EQ(ParseTree("a BETWEEN -1 AND b"), "(between [a] int:-1 [b])");
  EXPECT_EQ(ParseTree("a NOT BETWEEN 1 AND 2"), "(not-between [a] int:1 int:2)");
  EXPECT_EQ(ParseTree("flag"), "[flag]");
  EXPECT_EQ(ParseTree("TRUE"), "true");
  EXPECT_EQ(ParseTree("CAST(a AS BOOLEAN)"), "(cast [a] BOOLEAN)");
}

TEST(FilterParseTest, Columns) {
  EXPECT_EQ(ParseTree("meta.source = 'web'"), "(= [meta].[source] str:<web>)");
  EXPECT_EQ(ParseTree("`my col`.x = 1"), "(= [my col].[x] int:1)");
  EXPECT_EQ(ParseTree("\"My \"\"Col\"\"\" = 1"), "(= [My \"Col\"] int:1)");
  EXPECT_EQ(ParseTree("`select` = 1"), "(= [select] int:1)");
  EXPECT_EQ(ParseTree("meta.select = 1"), "(= [meta].[select] int:1)");
  EXPECT_EQ(ParseTree("CamelCase = 1"), "(= [CamelCase] int:1)");
  EXPECT_EQ(ParseTree("date = 1"), "(= [date] int:1)");  // DATE is a literal only before '...'
  EXPECT_EQ(ParseTree("`\xc3\xa4`.b = 1"), "(= [\xc3\xa4].[b] int:1)");
  EXPECT_EQ(ParseTree("_rowid IN (0, 1)"), "(in [_rowid] int:0 int:1)");
}

TEST(FilterParseTest, IntegerLiterals) {
  auto lit = [](std::string_view text) {
    auto r = ParseFilter("a = " + std::string(text));
    EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    return (*r)->args[1]->literal;
  };
  Literal max_u = lit("18446744073709551615");
  EXPECT_EQ(max_u.kind, LiteralKind::kInteger);
  EXPECT_EQ(max_u.AsUInt64(), std::numeric_limits<uint64_t>::max());
  EXPECT_FALSE(max_u.AsInt64().has_value());
  Literal min_i = lit("-9223372036854775808");
  EXPECT_EQ(min_i.AsInt64(), std::numeric_limits<int64_t>::min());
  EXPECT_FALSE(min_i.AsUInt64().has_value());
  EXPECT_EQ(lit("- 42").AsInt64(), -42);
  EXPECT_EQ(lit("007").text, "7");
  EXPECT_EQ(lit("-0").text, "0");
  EXPECT_FALSE(lit("-0").negative);
  EXPECT_EQ(lit("0000000000000000000000000000001").AsInt64(), 1);
  EXPECT_EQ(lit("9223372036854775807").AsInt64(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(lit("9223372036854775808").AsUInt64(), uint64_t{1} << 63);
  EXPECT_EQ(ParseError("a = 18446744073709551616"),
            "filter: integer '18446744073709551616' is out of range "
            "(-9223372036854775808..18446744073709551615) at position 5");
  EXPECT_EQ(ParseError("a = -9223372036854775809"),
            "filter: integer '-9223372036854775809' is out of range "
            "(-9223372036854775808..18446744073709551615) at position 5");
  EXPECT_EQ(ParseError("a = 99999999999999999999999999999999999999999"),
            "filter: integer '99999999999999999999999999999999...' is out of range "
            "(-9223372036854775808..18446744073709551615) at position 5");
}

TEST(FilterParseTest, DecimalLiterals) {
  auto lit = [](std::string_view text) {
    auto r = ParseFilter("a = " + std::string(text));
    EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    return (*r)->args[1]->literal;
  };
  EXPECT_EQ(lit("1.5").float_value, 1.5);
  EXPECT_EQ(lit("1.5").text, "1.5");
  EXPECT_EQ(lit(".5").text, "0.5");
  EXPECT_EQ(lit("5.").text, "5.0");
  EXPECT_EQ(lit("5.E3").text, "5.0e3");
  EXPECT_EQ(lit("-2.25E-3").text, "-2.25e-3");
  EXPECT_EQ(lit("-2.25E-3").float_value, -0.00225);
  EXPECT_EQ(lit("1e+20").float_value, 1e20);
  EXPECT_EQ(lit("1e+20").kind, LiteralKind::kFloat);
  EXPECT_EQ(lit("5e-324").float_value, 5e-324);
  EXPECT_EQ(ParseError("a = 1e400"),
            "filter: number '1e400' is out of the range of a double at position 5");
  EXPECT_EQ(ParseError("a = 1e"), "filter: malformed number '1e' at position 5");
  EXPECT_EQ(ParseError("a = 1.2.3"), "filter: malformed number '1.2.3' at position 5");
  EXPECT_EQ(ParseError("a = 12abc"), "filter: malformed number '12abc' at position 5");
}

TEST(FilterParseTest, StringLiterals) {
  EXPECT_EQ(ParseTree("s = 'it''s'"), "(= [s] str:<it's>)");
  EXPECT_EQ(ParseTree("s = ''"), "(= [s] str:<>)");
  EXPECT_EQ(ParseTree("s = ''''"), "(= [s] str:<'>)");
  EXPECT_EQ(ParseTree("s = 'a\\'"), "(= [s] str:<a\\>)");  // backslash is an ordinary character
  EXPECT_EQ(ParseTree("s = 'line1\nline2'"), "(= [s] str:<line1\nline2>)");
  EXPECT_EQ(ParseTree("s = 'h\xc3\xa9llo \xf0\x9f\x98\x80'"),
            "(= [s] str:<h\xc3\xa9llo \xf0\x9f\x98\x80>)");
  EXPECT_EQ(ParseTree("s = '-- not a comment; /* nor this */'"),
            "(= [s] str:<-- not a comment; /* nor this */>)");
  EXPECT_EQ(ParseTree("s = \"x\""), "(= [s] [x])");  // double quotes name columns
}

TEST(FilterParseTest, DateAndTimestampLiterals) {
  auto lit = [](std::string_view text) {
    auto r = ParseFilter("a = " + std::string(text));
    EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    return r.ok() ? (*r)->args[1]->literal : Literal{};
  };
  Literal d = lit("DATE '2024-02-29'");
  EXPECT_EQ(d.kind, LiteralKind::kDate);
  EXPECT_EQ(d.date_days, 19782);
  EXPECT_EQ(lit("date '1970-01-01'").date_days, 0);
  EXPECT_EQ(lit("date '1969-12-31'").date_days, -1);
  EXPECT_EQ(lit("date '0001-01-01'").date_days, -719162);
  EXPECT_EQ(lit("date '9999-12-31'").date_days, 2932896);
  EXPECT_EQ(lit("date '2000-02-29'").date_days, 11016);

  Literal ts = lit("TIMESTAMP '2024-01-01 00:00:00.000001'");
  EXPECT_EQ(ts.kind, LiteralKind::kTimestamp);
  EXPECT_EQ(ts.timestamp.seconds, 1704067200);
  EXPECT_EQ(ts.timestamp.nanos, 1000);
  EXPECT_EQ(ts.timestamp.fraction_digits, 6);
  EXPECT_FALSE(ts.timestamp.utc_offset_minutes.has_value());
  EXPECT_EQ(ts.text, "2024-01-01 00:00:00.000001");

  Literal tz = lit("timestamp '2024-01-01T10:30:00.5+05:30'");
  EXPECT_EQ(tz.text, "2024-01-01 10:30:00.5+05:30");
  EXPECT_EQ(tz.timestamp.nanos, 500000000);
  EXPECT_EQ(tz.timestamp.utc_offset_minutes, 330);
  EXPECT_EQ(tz.timestamp.UtcSeconds(), 1704067200 + 5 * 3600);
  Literal z = lit("timestamp '1969-12-31 23:59:59.123456789z'");
  EXPECT_EQ(z.text, "1969-12-31 23:59:59.123456789Z");
  EXPECT_EQ(z.timestamp.seconds, -1);
  EXPECT_EQ(z.timestamp.nanos, 123456789);
  EXPECT_EQ(z.timestamp.utc_offset_minutes, 0);
  EXPECT_EQ(lit("timestamp '2024-01-01 00:00:00-08:00'").timestamp.UtcSeconds(),
            1704067200 + 8 * 3600);

  // CAST of a quoted value to DATE/TIMESTAMP is the typed literal itself.
  EXPECT_EQ(ParseTree("a = CAST('2024-01-01' AS DATE)"), "(= [a] date:2024-01-01)");
  EXPECT_EQ(ParseTree("a = CAST('2024-01-01 00:00:00.000000001' AS TIMESTAMP(9))"),
            "(= [a] ts:2024-01-01 00:00:00.000000001)");
  EXPECT_EQ(ParseTree("a = cast('2024-01-01 00:00:00' as timestamp)"),
            "(= [a] ts:2024-01-01 00:00:00)");

  struct Bad {
    const char* text;
    const char* message;
  };
  const Bad bad[] = {
      {"a = DATE '2024-02-30'",
       "filter: invalid date '2024-02-30': day 30 does not exist in 2024-02 at position 10"},
      {"a = DATE '2023-02-29'",
       "filter: invalid date '2023-02-29': day 29 does not exist in 2023-02 at position 10"},
      {"a = DATE '2024-13-01'",
       "filter: invalid date '2024-13-01': month 13 is out of range at position 10"},
      {"a = DATE '0000-01-01'",
       "filter: invalid date '0000-01-01': year 0000 is out of range (0001..9999) at position 10"},
      {"a = DATE '2024-1-1'",
       "filter: invalid date '2024-1-1': expected YYYY-MM-DD at position 10"},
      {"a = DATE '2024-01-01 '",
       "filter: invalid date '2024-01-01 ': unexpected text after the date at position 10"},
      {"a = TIMESTAMP '2024-01-01'",
       "filter: invalid timestamp '2024-01-01': expected ' ' or 'T' and HH:MM:SS after the date "
       "at position 15"},
      {"a = TIMESTAMP '2024-01-01 24:00:00'",
       "filter: invalid timestamp '2024-01-01 24:00:00': time of day out of range at position 15"},
      {"a = TIMESTAMP '2024-01-01 00:00:60'",
       "filter: invalid timestamp '2024-01-01 00:00:60': time of day out of range at position 15"},
      {"a = TIMESTAMP '2024-01-01 00:00:00.'",
       "filter: invalid timestamp '2024-01-01 00:00:00.': no digits after '.' at position 15"},
      {"a = TIMESTAMP '2024-01-01 00:00:00.1234567891'",
       "filter: invalid timestamp '2024-01-01 00:00:00.1234567891': more than 9 fraction digits "
       "at position 15"},
      {"a = TIMESTAMP '2024-01-01 00:00:00+0530'",
       "filter: invalid timestamp '2024-01-01 00:00:00+0530': expected a UTC offset as +HH:MM or "
       "-HH:MM at position 15"},
      {"a = TIMESTAMP '2024-01-01 00:00:00 UTC'",
       "filter: invalid timestamp '2024-01-01 00:00:00 UTC': unexpected text after the time at "
       "position 15"},
      {"a = CAST('2024-02-30' AS DATE)",
       "filter: invalid date '2024-02-30': day 30 does not exist in 2024-02 at position 10"},
  };
  for (const Bad& b : bad) EXPECT_EQ(ParseError(b.text), b.message) << b.text;
}

TEST(FilterParseTest, Casts) {
  EXPECT_EQ(ParseTree("CAST(a AS STRING) = '1'"), "(= (cast [a] STRING) str:<1>)");
  EXPECT_EQ(ParseTree("cast(a as bigint unsigned) > 1"), "(> (cast [a] BIGINT UNSIGNED) int:1)");
  EXPECT_EQ(ParseTree("CAST(a AS integer) = 1"), "(= (cast [a] INT) int:1)");
  EXPECT_EQ(ParseTree("CAST(a AS TINYINT UNSIGNED) = 1"), "(= (cast [a] TINYINT UNSIGNED) int:1)");
  EXPECT_EQ(ParseTree("CAST(CAST(a AS INT) AS DOUBLE) = 1"),
            "(= (cast (cast [a] INT) DOUBLE) int:1)");
  EXPECT_EQ(ParseTree("CAST(ts AS DATE) = DATE '2024-01-01'"),
            "(= (cast [ts] DATE) date:2024-01-01)");
  // CAST(<integer> AS BIGINT) is the integer: this is how -2^63 reaches LanceDB intact.
  EXPECT_EQ(ParseTree("a = CAST(-9223372036854775808 AS BIGINT)"),
            "(= [a] int:-9223372036854775808)");
  EXPECT_EQ(ParseTree("a = CAST(5 AS FLOAT)"), "(= [a] (cast int:5 FLOAT))");
  EXPECT_EQ(ParseError("a = CAST(18446744073709551615 AS BIGINT)"),
            "filter: integer 18446744073709551615 is out of range for BIGINT at position 10");
  EXPECT_EQ(ParseError("CAST(a AS VARCHAR) = '1'"),
            "filter: unsupported CAST type 'VARCHAR' at position 11 (supported: BOOLEAN, TINYINT, "
            "SMALLINT, INT, INTEGER, BIGINT (each optionally UNSIGNED), FLOAT, DOUBLE, STRING, "
            "DATE, TIMESTAMP)");
  EXPECT_EQ(ParseError("CAST(a AS TIMESTAMP(9)) = 1"),
            "filter: TIMESTAMP(9) at position 11 (only a quoted timestamp can be cast to "
            "TIMESTAMP(9))");
  EXPECT_EQ(ParseError("CAST(a AS TIMESTAMP(3)) = 1"),
            "filter: unexpected '3' at position 21 (the only TIMESTAMP precision supported is 9)");
  EXPECT_EQ(ParseError("CAST(a) = 1"),
            "filter: unexpected ')' at position 7 (expected AS in CAST)");
  EXPECT_EQ(ParseError("CAST(a AS INT = 1"),
            "filter: unexpected '=' at position 15 (expected ')' to end CAST)");
  EXPECT_EQ(ParseError("CAST(a AS INT) = 1 AND CAST(b AS INT)"),
            "filter: unexpected end of filter at position 38 (expected a comparison, IN, LIKE, "
            "BETWEEN or IS after a value)");
}

TEST(FilterParseTest, HostileInputs) {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"1; DROP TABLE x",
       "filter: unexpected ';' at position 2 (statement separators are not allowed)"},
      {"a = 1; DROP TABLE x",
       "filter: unexpected ';' at position 6 (statement separators are not allowed)"},
      {"a = 1 -- c", "filter: unexpected '--' at position 7 (comments are not allowed)"},
      {"a /* */ = 1", "filter: unexpected '/*' at position 3 (comments are not allowed)"},
      {"a = 1 # c", "filter: unexpected '#' at position 7 (comments are not allowed)"},
      {"(SELECT 1)", "filter: unexpected 'SELECT' at position 2 (subqueries are not allowed)"},
      {"a IN (SELECT b FROM t)",
       "filter: unexpected 'SELECT' at position 7 (subqueries are not allowed)"},
      {"a = (SELECT 1)",
       "filter: unexpected '(' at position 5 (expected a column or a value; parentheses group "
       "conditions only)"},
      {"EXISTS (SELECT 1)",
       "filter: unexpected 'EXISTS' at position 1 (expected a column or a value; quote a column "
       "with this name as `...`)"},
      {"foo(a)", "filter: unknown function 'foo' at position 1 (only CAST is supported)"},
      {"a = lower(b)", "filter: unknown function 'lower' at position 5 (only CAST is supported)"},
      {"a.b(c) = 1", "filter: unknown function 'a.b' at position 1 (only CAST is supported)"},
      {"'unterminated", "filter: unterminated string starting at position 1 (missing closing ')"},
      {"a = 'it''s", "filter: unterminated string starting at position 5 (missing closing ')"},
      {"`a = 1", "filter: unterminated quoted name starting at position 1 (missing closing `)"},
      {"\"a = 1", "filter: unterminated quoted name starting at position 1 (missing closing \")"},
      {"(a = 1", "filter: missing ')' at position 7 (to close the '(' at position 1)"},
      {"a = 1)", "filter: unexpected ')' at position 6 (no matching '(')"},
      {"a = 1 b",
       "filter: unexpected 'b' at position 7 (expected AND, OR or the end of the filter)"},
      {"a = 1 AND",
       "filter: unexpected end of filter at position 10 (expected a column or a value)"},
      {"a = ", "filter: unexpected end of filter at position 5 (expected a column or a value)"},
      {"", "filter: empty"},
      {" \n\t", "filter: empty"},
      {"a = b = c",
       "filter: unexpected '=' at position 7 (expected AND, OR or the end of the "
       "filter)"},
      {"a == 1", "filter: unexpected '=' at position 4 (expected a column or a value)"},
      {"a + 1 = 2", "filter: unexpected '+' at position 3 (arithmetic is not supported)"},
      {"a = b * 2", "filter: unexpected '*' at position 7 (arithmetic is not supported)"},
      {"a = b / 2", "filter: unexpected '/' at position 7 (arithmetic is not supported)"},
      {"a = 5 % 2", "filter: unexpected '%' at position 7 (arithmetic is not supported)"},
      {"a = -b",
       "filter: unexpected '-' at position 5 (a minus sign must be followed by a number; "
       "arithmetic is not supported)"},
      {"a = 1 - 1",
       "filter: unexpected '-' at position 7 (expected AND, OR or the end of the "
       "filter)"},
      {"a || b", "filter: unexpected '|' at position 3"},
      {"!a", "filter: unexpected '!' at position 1 (use NOT or !=)"},
      {"a = ?", "filter: unexpected '?' at position 5"},
      {"a = $1", "filter: unexpected '$' at position 5"},
      {"a = @x", "filter: unexpected '@' at position 5"},
      {"a[0] = 1", "filter: unexpected '[' at position 2"},
      {"a = x'00'",
       "filter: unexpected ''00'' at position 6 (expected AND, OR or the end of the "
       "filter)"},
      {"a = {fn now()}", "filter: unexpected '{' at position 5"},
      {"a = 1 UNION SELECT 1",
       "filter: unexpected 'UNION' at position 7 (expected AND, OR or the "
       "end of the filter)"},
      {"a IS 1", "filter: unexpected '1' at position 6 (expected NULL, TRUE or FALSE after IS)"},
      {"a NOT = 1",
       "filter: unexpected '=' at position 7 (expected IN, LIKE, ILIKE or BETWEEN after "
       "NOT)"},
      {"a IN ()", "filter: empty IN list at position 7"},
      {"a IN 1", "filter: unexpected '1' at position 6 (expected '(' after IN)"},
      {"a IN (1, b)",
       "filter: IN list item 'b' is not a literal at position 10 (IN lists hold "
       "literal values only)"},
      {"a IN (1 2)", "filter: unexpected '2' at position 9 (expected ',' or ')' in the IN list)"},
      {"a IN (1, 2",
       "filter: missing ')' at position 11 (to close the IN list opened at position "
       "6)"},
      {"a LIKE b", "filter: unexpected 'b' at position 8 (LIKE needs a quoted string pattern)"},
      {"a LIKE 'x' ESCAPE '!'",
       "filter: unexpected 'ESCAPE' at position 12 (expected AND, OR or "
       "the end of the filter)"},
      {"a BETWEEN 1 OR 2", "filter: unexpected 'OR' at position 13 (expected AND in BETWEEN)"},
      {"1",
       "filter: unexpected end of filter at position 2 (expected a comparison, IN, LIKE, "
       "BETWEEN or IS after a value)"},
      {"'x' AND a",
       "filter: unexpected 'AND' at position 5 (expected a comparison, IN, LIKE, "
       "BETWEEN or IS after a value)"},
      {"NULL",
       "filter: unexpected end of filter at position 5 (expected a comparison, IN, LIKE, "
       "BETWEEN or IS after a value)"},
      {"a = AND",
       "filter: unexpected 'AND' at position 5 (expected a column or a value; quote a "
       "column with this name as `...`)"},
      {"select = 1", "filter: unexpected 'select' at position 1 (subqueries are not allowed)"},
      {"a = 1 AND b = 2; DELETE FROM t",
       "filter: unexpected ';' at position 16 (statement separators are not allowed)"},
      {"a = 'x' OR 'a' = 'a' --",
       "filter: unexpected '--' at position 22 (comments are not allowed)"},
      {"\xc3\xa4 = 1",
       "filter: unexpected '\xc3\xa4' at position 1 (names with non-ASCII characters "
       "must be quoted with `...`)"},
      {"a = 1 \xff", "filter: invalid UTF-8 at position 7"},
      {std::string("a = 1\0", 6), "filter: NUL byte at position 6"},
      {std::string("a = 'x\0y'", 9), "filter: NUL byte in string at position 7"},
      {std::string("`a\0` = 1", 8), "filter: NUL byte in quoted name at position 3"},
      {"a = 'x\xff'", "filter: invalid UTF-8 in string at position 7"},
      {"a = 'x\xc0\xaf'", "filter: invalid UTF-8 in string at position 7"},          // overlong '/'
      {"a = 'x\xed\xa0\x80'", "filter: invalid UTF-8 in string at position 7"},      // surrogate
      {"a = 'x\xf4\x90\x80\x80'", "filter: invalid UTF-8 in string at position 7"},  // > U+10FFFF
      {"a = 'x\xe2\x82'", "filter: invalid UTF-8 in string at position 7"},          // truncated
      {"`a\xff` = 1", "filter: invalid UTF-8 in quoted name at position 3"},
      {"`a\x01` = 1", "filter: control character \\x01 in quoted name at position 3"},
      {"a = 1\x01", "filter: control character \\x01 at position 6"},
      {"`a``b` = 1",
       "filter: quoted name containing '`' at position 1 (LanceDB cannot resolve "
       "such names)"},
      {"`` = 1", "filter: empty quoted name at position 1"},
  };
  for (const Case& c : cases) EXPECT_EQ(ParseError(c.text), c.message) << c.text;
}

TEST(FilterParseTest, NestingDepthIsBounded) {
  auto nested = [](int n) { return std::string(n, '(') + "a = 1" + std::string(n, ')'); };
  EXPECT_EQ(ParseTree(nested(kMaxNestingDepth)), "(= [a] int:1)");
  EXPECT_EQ(ParseError(nested(kMaxNestingDepth + 1)),
            "filter: nesting deeper than 20 levels at position 21 (parentheses, NOT and CAST "
            "count)");
  EXPECT_EQ(ParseError(std::string(1000, '(')),
            "filter: nesting deeper than 20 levels at position 21 (parentheses, NOT and CAST "
            "count)");
  EXPECT_EQ(ParseError(std::string(60000, '(')),
            "filter: nesting deeper than 20 levels at position 21 (parentheses, NOT and CAST "
            "count)");
  std::string nots;
  for (int i = 0; i < 1000; ++i) nots += "NOT ";
  EXPECT_EQ(ParseError(nots + "a"),
            "filter: nesting deeper than 20 levels at position 81 (parentheses, NOT and CAST "
            "count)");
  std::string casts;
  for (int i = 0; i < 30; ++i) casts += "CAST(";
  casts += "a";
  for (int i = 0; i < 30; ++i) casts += " AS INT)";
  EXPECT_EQ(ParseError(casts + " = 1"),
            "filter: nesting deeper than 20 levels at position 101 (parentheses, NOT and CAST "
            "count)");
  // Long flat chains are not nesting: they become one AND node.
  std::string chain = "a = 0";
  for (int i = 1; i < 5000; ++i) chain += " AND a = " + std::to_string(i);
  ASSERT_LT(chain.size(), static_cast<size_t>(kMaxFilterLength));
  auto r = ParseFilter(chain);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->kind, ExprKind::kAnd);
  EXPECT_EQ((*r)->args.size(), 5000u);
}

TEST(FilterParseTest, InputLengthIsBounded) {
  std::string at_limit = "s = '" + std::string(kMaxFilterLength - 6, 'x') + "'";
  ASSERT_EQ(at_limit.size(), static_cast<size_t>(kMaxFilterLength));
  EXPECT_TRUE(ParseFilter(at_limit).ok());
  std::string over = "s = '" + std::string(kMaxFilterLength - 5, 'x') + "'";
  EXPECT_EQ(ParseError(over), "filter: longer than 65536 bytes (65537)");
  EXPECT_EQ(ParseError(std::string(10 * 1024 * 1024, ' ')),
            "filter: longer than 65536 bytes (10485760)");
}

TEST(FilterParseTest, LongTokensAreTruncatedInMessages) {
  std::string name(200, 'q');
  EXPECT_EQ(ParseError("a = 1 " + name),
            "filter: unexpected 'qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq...' at position 7 (expected AND, "
            "OR or the end of the filter)");
  EXPECT_EQ(ParseError("a = 1 OR " + std::string(300, 'q') + " = 1"),
            "filter: name longer than 256 bytes at position 10");
}

TEST(FilterParseTest, ColumnsReferenced) {
  auto r = ParseFilter(
      "b = 1 AND (a.x IN (1) OR NOT c IS NULL) AND b BETWEEN d AND 2 AND CAST(`e f` AS INT) = a.x "
      "AND 1 = 1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::vector<ColumnPath> expected = {{{"a", "x"}}, {{"b"}}, {{"c"}}, {{"d"}}, {{"e f"}}};
  EXPECT_EQ(ColumnsReferenced(**r), expected);
  auto none = ParseFilter("TRUE");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(ColumnsReferenced(**none).empty());
}

TEST(FilterParseTest, EqualsComparesStructure) {
  auto a = ParseFilter("x = 1 AND y IN (1, 2)");
  auto b = ParseFilter("x=1   and y in (1,2)");
  auto c = ParseFilter("x = 1 AND y IN (2, 1)");
  auto d = ParseFilter("x = 1 AND y NOT IN (1, 2)");
  auto e = ParseFilter("x = 1.0 AND y IN (1, 2)");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok() && e.ok());
  EXPECT_TRUE((*a)->Equals(**b));
  EXPECT_FALSE((*a)->Equals(**c));
  EXPECT_FALSE((*a)->Equals(**d));
  EXPECT_FALSE((*a)->Equals(**e));
}

}  // namespace
}  // namespace lanceflow::expr
