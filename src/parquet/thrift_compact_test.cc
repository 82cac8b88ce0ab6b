#include "thrift_compact.h"

#include <gtest/gtest.h>

#include <string>

#include "metadata.h"

namespace lanceflow::parquet::thrift {
namespace {

std::string Bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}

TEST(ThriftCompact, FieldHeadersAndIntegersFollowTheSpec) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, 1);       // delta 1, type i32: 0x15, zigzag(1) = 2
  w.FieldI64(3, -1);      // delta 2, type i64: 0x26, zigzag(-1) = 1
  w.FieldBool(4, true);   // delta 1, type true: 0x11
  w.FieldBool(5, false);  // 0x12
  w.FieldI32(40, 300);    // delta 35 > 15: type byte 0x05, zigzag i16 id 80 = 0x50, 600 = 0xD8 0x04
  w.FieldBinary(41, "ab");  // 0x18, length 2
  w.EndStruct();
  EXPECT_EQ(out, Bytes({0x15, 0x02, 0x26, 0x01, 0x11, 0x12, 0x05, 0x50, 0xD8, 0x04, 0x18, 0x02, 'a',
                        'b', 0x00}));
}

TEST(ThriftCompact, ListHeadersShortAndLong) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldListBegin(1, CType::kI32, 2);
  w.ElemI32(0);
  w.ElemI32(-2);
  w.FieldListBegin(2, CType::kI32, 20);
  for (int i = 0; i < 20; ++i) w.ElemI32(1);
  w.EndStruct();
  ASSERT_GE(out.size(), 6u);
  EXPECT_EQ(out.substr(0, 5), Bytes({0x19, 0x25, 0x00, 0x03, 0x19}));
  EXPECT_EQ(static_cast<uint8_t>(out[5]), 0xF5);  // size >= 15: 0xF0 | type, then varint 20
  EXPECT_EQ(static_cast<uint8_t>(out[6]), 20);
}

TEST(ThriftCompact, NestedStructsRestartFieldIds) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI32(5, 0);
  w.FieldStructBegin(6);
  w.FieldI32(1, 0);  // delta from 0, not from 6
  w.EndStruct();
  w.FieldI32(7, 0);  // delta from 6
  w.EndStruct();
  EXPECT_EQ(out, Bytes({0x55, 0x00, 0x1C, 0x15, 0x00, 0x00, 0x15, 0x00, 0x00}));
}

TEST(ThriftCompact, ReaderDecodesWhatTheWriterWrote) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI64(2, INT64_MIN);
  w.FieldDouble(3, -2.5);
  w.FieldI16(300, -7);
  w.FieldBool(301, true);
  w.EndStruct();
  CompactReader r(reinterpret_cast<const uint8_t*>(out.data()), static_cast<int64_t>(out.size()),
                  "test");
  ASSERT_TRUE(r.BeginStruct().ok());
  CType t;
  int16_t id;
  ASSERT_TRUE(r.ReadFieldHeader(&t, &id).ok());
  EXPECT_EQ(id, 2);
  int64_t v;
  ASSERT_TRUE(r.ReadI64(&v).ok());
  EXPECT_EQ(v, INT64_MIN);
  ASSERT_TRUE(r.ReadFieldHeader(&t, &id).ok());
  double d;
  ASSERT_TRUE(r.ReadDouble(&d).ok());
  EXPECT_EQ(d, -2.5);
  ASSERT_TRUE(r.ReadFieldHeader(&t, &id).ok());
  EXPECT_EQ(id, 300);
  int16_t s;
  ASSERT_TRUE(r.ReadI16(&s).ok());
  EXPECT_EQ(s, -7);
  ASSERT_TRUE(r.ReadFieldHeader(&t, &id).ok());
  EXPECT_EQ(id, 301);
  EXPECT_TRUE(CompactReader::BoolValue(t));
  ASSERT_TRUE(r.ReadFieldHeader(&t, &id).ok());
  EXPECT_EQ(t, CType::kStop);
  EXPECT_EQ(r.position(), static_cast<int64_t>(out.size()));
}

TEST(ThriftCompact, TruncatedAndHostileInputsAreErrors) {
  // A binary claiming more bytes than remain.
  const std::string long_binary = Bytes({0x18, 0x7F, 'a'});
  CompactReader r1(reinterpret_cast<const uint8_t*>(long_binary.data()), 3, "t");
  ASSERT_TRUE(r1.BeginStruct().ok());
  CType t;
  int16_t id;
  ASSERT_TRUE(r1.ReadFieldHeader(&t, &id).ok());
  std::string s;
  Status st = r1.ReadBinary(&s);
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("runs past the end"), std::string::npos) << st.message();

  // Deeply nested structs are refused by Skip, not by the stack.
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep.push_back(0x1C);
  CompactReader r2(reinterpret_cast<const uint8_t*>(deep.data()), static_cast<int64_t>(deep.size()),
                   "t");
  EXPECT_EQ(r2.Skip(CType::kStruct).code(), StatusCode::kCorrupt);

  // A varint longer than 10 bytes.
  std::string varint(12, static_cast<char>(0xFF));
  CompactReader r3(reinterpret_cast<const uint8_t*>(varint.data()), 12, "t");
  int64_t v;
  EXPECT_EQ(r3.ReadI64(&v).code(), StatusCode::kCorrupt);
}

TEST(ParquetMetadata, FileMetaDataRoundTripsAndSkipsUnknownFields) {
  format::FileMetaData m;
  m.version = 2;
  format::SchemaElement root;
  root.name = "schema";
  root.num_children = 1;
  format::SchemaElement ts;
  ts.name = "t";
  ts.type = format::PhysicalType::kInt64;
  ts.repetition = format::Repetition::kOptional;
  format::LogicalType lt;
  lt.kind = format::LogicalType::kTimestamp;
  lt.is_adjusted_to_utc = true;
  lt.unit = format::TimeUnit::kNanos;
  ts.logical_type = lt;
  m.schema = {root, ts};
  m.num_rows = 3;
  format::RowGroup g;
  g.num_rows = 3;
  format::ColumnChunk c;
  format::ColumnMetaData& cm = c.meta_data.emplace();
  cm.type = format::PhysicalType::kInt64;
  cm.encodings = {format::Encoding::kPlain, format::Encoding::kRle};
  cm.path_in_schema = {"t"};
  cm.num_values = 3;
  cm.data_page_offset = 4;
  format::Statistics& st = cm.statistics.emplace();
  st.null_count = 1;
  st.min_value = std::string("\x01\0\0\0\0\0\0\0", 8);
  g.columns.push_back(c);
  m.row_groups.push_back(g);
  m.created_by = "me";
  m.num_type_defined_column_orders = 1;
  std::string bytes;
  format::Serialize(m, &bytes);
  auto parsed = format::ParseFileMetaData(reinterpret_cast<const uint8_t*>(bytes.data()),
                                          static_cast<int64_t>(bytes.size()));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->schema.size(), 2u);
  ASSERT_TRUE(parsed->schema[1].logical_type.has_value());
  EXPECT_EQ(parsed->schema[1].logical_type->kind, format::LogicalType::kTimestamp);
  EXPECT_EQ(parsed->schema[1].logical_type->unit, format::TimeUnit::kNanos);
  EXPECT_TRUE(parsed->schema[1].logical_type->is_adjusted_to_utc);
  EXPECT_EQ(parsed->num_rows, 3);
  ASSERT_EQ(parsed->row_groups.size(), 1u);
  const auto& pm = *parsed->row_groups[0].columns[0].meta_data;
  EXPECT_EQ(pm.path_in_schema, std::vector<std::string>{"t"});
  EXPECT_EQ(*pm.statistics->null_count, 1);
  EXPECT_EQ(*pm.statistics->min_value, st.min_value);
  EXPECT_EQ(*parsed->created_by, "me");

  // Every truncation is an error, never a crash or a silent success.
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = format::ParseFileMetaData(reinterpret_cast<const uint8_t*>(bytes.data()),
                                       static_cast<int64_t>(n));
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes parsed";
  }
}

}  // namespace
}  // namespace lanceflow::parquet::thrift
