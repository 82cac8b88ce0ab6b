#include "lanceflow/expr/identifier.h"

#include <gtest/gtest.h>

#include <string>

namespace lanceflow::expr {
namespace {

TEST(ValidateTableNameTest, AcceptsLanceDbNames) {
  for (const char* name : {"docs", "a-b.c_d", ".hidden", "-x", "1abc", "UPPER", "v1.2"}) {
    EXPECT_TRUE(ValidateTableName(name).ok()) << name;
  }
  EXPECT_TRUE(ValidateTableName(std::string(256, 'x')).ok());
}

TEST(ValidateTableNameTest, RefusesWithPosition) {
  struct Case {
    std::string name;
    std::string message;
  };
  const Case cases[] = {
      {"", "table name: empty"},
      {".", "table name: '.' is not allowed"},
      {"..", "table name: '..' is not allowed"},
      {"a b",
       "table name: character ' ' not allowed at position 2 (table names may contain "
       "only letters, digits, '_', '-' and '.')"},
      {"a/b",
       "table name: character '/' not allowed at position 2 (table names may contain "
       "only letters, digits, '_', '-' and '.')"},
      {std::string("ab\0c", 4),
       "table name: character '\\x00' not allowed at position 3 "
       "(table names may contain only letters, digits, '_', '-' and '.')"},
      {std::string(257, 'x'), "table name: longer than 256 bytes (257)"},
  };
  for (const Case& c : cases) {
    Status st = ValidateTableName(c.name);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(st.message(), c.message);
  }
  for (const char* name : {"a?b", "a#b", "a%b", "a$b", "\xc3\xa4", "a\\b", "a:b", "a\nb"}) {
    EXPECT_FALSE(ValidateTableName(name).ok()) << name;
  }
}

TEST(ValidateFieldNameTest, Rules) {
  EXPECT_TRUE(ValidateFieldName("my col").ok());
  EXPECT_TRUE(ValidateFieldName("\xc3\x84\xc3\x96").ok());  // ÄÖ
  EXPECT_TRUE(ValidateFieldName("a.b").ok());
  EXPECT_TRUE(ValidateFieldName("x\"y").ok());
  EXPECT_EQ(ValidateFieldName("").message(), "field name: empty");
  EXPECT_EQ(ValidateFieldName("a`b").message(),
            "field name: character '`' not allowed at position 2 (LanceDB cannot resolve names "
            "containing a backquote)");
  EXPECT_EQ(ValidateFieldName("ab\tc").message(),
            "field name: control character '\\x09' at position 3");
  EXPECT_EQ(ValidateFieldName("ab\xff").message(), "field name: invalid UTF-8 at position 3");
  EXPECT_EQ(ValidateFieldName("\xed\xa0\x80").message(),  // a UTF-16 surrogate
            "field name: invalid UTF-8 at position 1");
  EXPECT_FALSE(ValidateFieldName(std::string(257, 'a')).ok());
}

TEST(ParseColumnPathTest, Forms) {
  struct Case {
    const char* text;
    std::vector<std::string> parts;
  };
  const Case cases[] = {
      {"id", {"id"}},
      {"meta.source", {"meta", "source"}},
      {"`my col`.x", {"my col", "x"}},
      {"\"Weird.Name\"", {"Weird.Name"}},
      {" a . b ", {"a", "b"}},
      {"\"a\"\"b\"", {"a\"b"}},
      {"select", {"select"}},  // keywords are plain names here: no SQL around them
      {"`\xc3\xa4`.B_2", {"\xc3\xa4", "B_2"}},
  };
  for (const Case& c : cases) {
    auto r = ParseColumnPath(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().ToString();
    EXPECT_EQ(r->parts, c.parts) << c.text;
  }
}

TEST(ParseColumnPathTest, Errors) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "column path: empty"},
      {"  ", "column path: empty"},
      {"a.", "column path: missing name after '.' at position 3"},
      {".a", "column path: unexpected '.' at position 1 (expected a name)"},
      {"a..b", "column path: unexpected '.' at position 3 (expected a name)"},
      {"a b", "column path: unexpected 'b' at position 3 (expected '.' or the end of the path)"},
      {"1a", "column path: malformed number '1a' at position 1"},
      {"a;b", "column path: unexpected ';' at position 2 (statement separators are not allowed)"},
      {"`a``b`",
       "column path: quoted name containing '`' at position 1 (LanceDB cannot resolve "
       "such names)"},
      {"`ab", "column path: unterminated quoted name starting at position 1 (missing closing `)"},
      {"``", "column path: empty quoted name at position 1"},
      {"a.\xc3\xa4",
       "column path: unexpected '\xc3\xa4' at position 3 (names with non-ASCII "
       "characters must be quoted with `...`)"},
  };
  for (const Case& c : cases) {
    auto r = ParseColumnPath(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.message) << c.text;
  }
  std::string deep = "a";
  for (int i = 0; i < 32; ++i) deep += ".a";
  EXPECT_EQ(ParseColumnPath(deep).status().message(),
            "column path: more than 32 parts at position 65");
  EXPECT_FALSE(ParseColumnPath(std::string(300, 'a')).ok());
  EXPECT_FALSE(ParseColumnPath(std::string(100000, 'a')).ok());
}

TEST(QuoteIdentifierTest, BareOnlyWhenLowercaseSafe) {
  EXPECT_EQ(QuoteIdentifier("id"), "id");
  EXPECT_EQ(QuoteIdentifier("_rowid"), "_rowid");
  EXPECT_EQ(QuoteIdentifier("a1_b"), "a1_b");
  EXPECT_EQ(QuoteIdentifier("CamelCase"), "`CamelCase`");
  EXPECT_EQ(QuoteIdentifier("1a"), "`1a`");
  EXPECT_EQ(QuoteIdentifier("my col"), "`my col`");
  EXPECT_EQ(QuoteIdentifier("select"), "`select`");
  EXPECT_EQ(QuoteIdentifier("date"), "`date`");
  EXPECT_EQ(QuoteIdentifier("timestamp"), "`timestamp`");
  EXPECT_EQ(QuoteIdentifier("a.b"), "`a.b`");
  EXPECT_EQ(QuoteIdentifier("a`b"), "`a``b`");
  EXPECT_EQ(QuoteIdentifier(""), "``");
  EXPECT_FALSE(IsPlainIdentifier("Select"));
  EXPECT_TRUE(IsPlainIdentifier("selected"));
}

TEST(ColumnPathTest, ToStringAndOrder) {
  ColumnPath p{{"my col", "x", "Y"}};
  EXPECT_EQ(p.ToString(), "`my col`.x.`Y`");
  EXPECT_EQ(p.ToDottedString(), "my col.x.Y");
  EXPECT_LT((ColumnPath{{"a"}}), (ColumnPath{{"a", "b"}}));
  EXPECT_LT((ColumnPath{{"a", "b"}}), (ColumnPath{{"b"}}));
  EXPECT_EQ((ColumnPath{{"a", "b"}}), (ColumnPath{{"a", "b"}}));
}

}  // namespace
}  // namespace lanceflow::expr
