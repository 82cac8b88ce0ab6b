#include "lanceflow/arrow/c_data.h"

#include <gtest/gtest.h>

#include <cstring>

#include "array_testing.h"
#include "lanceflow/arrow/builder.h"
#include "lanceflow/arrow/compare.h"

namespace lanceflow::arrow {
namespace {

using testing::AllTypes;
using testing::Int32s;
using testing::MakeData;
using testing::RandomArray;
using testing::Strings;

TEST(CDataTest, FormatStringsFollowTheSpec) {
  // Expected strings are those of the Arrow C Data Interface specification's format table.
  const std::vector<std::pair<DataTypePtr, std::string>> cases = {
      {null(), "n"},
      {boolean(), "b"},
      {int8(), "c"},
      {uint8(), "C"},
      {int16(), "s"},
      {uint16(), "S"},
      {int32(), "i"},
      {uint32(), "I"},
      {int64(), "l"},
      {uint64(), "L"},
      {float16(), "e"},
      {float32(), "f"},
      {float64(), "g"},
      {binary(), "z"},
      {large_binary(), "Z"},
      {utf8(), "u"},
      {large_utf8(), "U"},
      {fixed_size_binary(16), "w:16"},
      {decimal128(19, 10), "d:19,10"},
      {decimal256(60, -3), "d:60,-3,256"},
      {date32(), "tdD"},
      {date64(), "tdm"},
      {time32(TimeUnit::kSecond), "tts"},
      {time32(TimeUnit::kMilli), "ttm"},
      {time64(TimeUnit::kMicro), "ttu"},
      {time64(TimeUnit::kNano), "ttn"},
      {timestamp(TimeUnit::kSecond), "tss:"},
      {timestamp(TimeUnit::kMicro, "UTC"), "tsu:UTC"},
      {timestamp(TimeUnit::kNano, "America/New_York"), "tsn:America/New_York"},
      {duration(TimeUnit::kMilli), "tDm"},
      {struct_({MakeField("a", int32())}), "+s"},
      {list(int32()), "+l"},
      {large_list(int32()), "+L"},
      {fixed_size_list(float32(), 128), "+w:128"},
      {dictionary(int16(), utf8()), "s"},
  };
  for (const auto& [type, format] : cases) {
    auto r = FormatString(*type);
    ASSERT_TRUE(r.ok()) << type->ToString();
    EXPECT_EQ(*r, format) << type->ToString();
    // Each format parses back to the same type.
    ArrowSchema s;
    ASSERT_TRUE(ExportType(*type, &s).ok());
    EXPECT_STREQ(s.format, format.c_str());
    auto back = ImportType(&s);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE((*back)->Equals(*type)) << (*back)->ToString() << " vs " << type->ToString();
    EXPECT_EQ(s.release, nullptr);
  }
}

SchemaPtr RichSchema() {
  auto inner = struct_({MakeField("x", float64(), false), MakeField("tags", list(utf8()))});
  return std::make_shared<Schema>(
      std::vector<FieldPtr>{
          MakeField("id", int64(), false, {{"comment", "primary key"}}),
          MakeField("ts", timestamp(TimeUnit::kMicro, "UTC")),
          MakeField("vec", fixed_size_list(MakeField("item", float32(), false), 4)),
          MakeField("cat", dictionary(int8(), utf8(), /*ordered=*/true)),
          MakeField("nested", inner),
          MakeField("amount", decimal128(12, 3)),
      },
      KeyValueMetadata{{"lance:version", "2.1"}, {"empty", ""}});
}

TEST(CDataTest, SchemaRoundTripKeepsNamesFlagsAndMetadata) {
  SchemaPtr schema = RichSchema();
  ArrowSchema c;
  ASSERT_TRUE(ExportSchema(*schema, &c).ok());
  // Spot-check the raw C structure.
  EXPECT_STREQ(c.format, "+s");
  ASSERT_EQ(c.n_children, 6);
  EXPECT_STREQ(c.children[0]->name, "id");
  EXPECT_EQ(c.children[0]->flags & ARROW_FLAG_NULLABLE, 0);
  EXPECT_EQ(c.children[1]->flags & ARROW_FLAG_NULLABLE, ARROW_FLAG_NULLABLE);
  EXPECT_STREQ(c.children[1]->format, "tsu:UTC");
  EXPECT_STREQ(c.children[2]->format, "+w:4");
  EXPECT_STREQ(c.children[2]->children[0]->name, "item");
  EXPECT_STREQ(c.children[3]->format, "c");
  ASSERT_NE(c.children[3]->dictionary, nullptr);
  EXPECT_STREQ(c.children[3]->dictionary->format, "u");
  EXPECT_EQ(c.children[3]->flags & ARROW_FLAG_DICTIONARY_ORDERED, ARROW_FLAG_DICTIONARY_ORDERED);
  // Field metadata bytes: int32 count, then int32-length-prefixed key and value (native order).
  std::string expected;
  auto put = [&](int32_t v) { expected.append(reinterpret_cast<const char*>(&v), 4); };
  put(1);
  put(7);
  expected += "comment";
  put(11);
  expected += "primary key";
  EXPECT_EQ(std::string(c.children[0]->metadata, expected.size()), expected);
  EXPECT_EQ(c.children[1]->metadata, nullptr);

  auto back = ImportSchema(&c);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(c.release, nullptr);
  EXPECT_TRUE((*back)->Equals(*schema, /*check_metadata=*/true))
      << (*back)->ToString() << "\nvs\n" << schema->ToString();
  EXPECT_EQ((*back)->metadata(), schema->metadata());
}

TEST(CDataTest, RecordBatchRoundTripEveryType) {
  std::vector<FieldPtr> fields;
  std::vector<ArrayDataPtr> columns;
  uint32_t seed = 100;
  for (const DataTypePtr& type : AllTypes()) {
    fields.push_back(MakeField("c" + std::to_string(fields.size()), type));
    columns.push_back(RandomArray(type, 50, seed++));
  }
  auto batch = std::make_shared<RecordBatch>(std::make_shared<Schema>(fields), 50, columns);
  ASSERT_TRUE(batch->Validate().ok());
  for (const auto& input : {batch, batch->Slice(7, 31), batch->Slice(50, 0)}) {
    SCOPED_TRACE(input->num_rows());
    ArrowArray array;
    ArrowSchema schema;
    ASSERT_TRUE(ExportRecordBatch(*input, &array, &schema).ok());
    EXPECT_EQ(array.length, input->num_rows());
    EXPECT_EQ(array.n_children, static_cast<int64_t>(fields.size()));
    auto back = ImportRecordBatch(&array, &schema);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(array.release, nullptr);
    EXPECT_EQ(schema.release, nullptr);
    Status st = (*back)->Validate();
    ASSERT_TRUE(st.ok()) << st.ToString();
    std::string why;
    EXPECT_TRUE(RecordBatchEquals(**back, *input, false, &why)) << why;
  }
}

TEST(CDataTest, ExportIsZeroCopyAndKeepsBuffersAlive) {
  ArrayDataPtr ints = Int32s({1, 2, 3, 4}, "1101");
  ArrayDataPtr strs = Strings({"alpha", "beta", "gamma", "delta"});
  const uint8_t* int_values = ints->buffers[1]->data();
  const uint8_t* str_data = strs->buffers[2]->data();
  auto schema = std::make_shared<Schema>(
      std::vector<FieldPtr>{MakeField("i", int32()), MakeField("s", utf8())});
  auto batch = std::make_shared<RecordBatch>(schema, 4, std::vector<ArrayDataPtr>{ints, strs});
  ArrowArray array;
  ASSERT_TRUE(ExportRecordBatch(*batch, &array).ok());
  EXPECT_EQ(array.children[0]->buffers[1], int_values);
  EXPECT_EQ(array.children[1]->buffers[2], str_data);
  EXPECT_EQ(array.children[0]->null_count, 1);
  // Drop every reference held by the test: the export alone keeps the buffers.
  batch.reset();
  ints.reset();
  strs.reset();
  auto back = ImportRecordBatch(&array, schema);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)->column(0)->buffers[1]->data(), int_values);  // import wraps, no copy
  EXPECT_EQ((*back)->column(0)->values<int32_t>()[3], 4);
  EXPECT_TRUE((*back)->column(0)->IsNull(2));
  const ArrayData& s = *(*back)->column(1);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(s.buffers[2]->data()) +
                                 s.offsets<int32_t>()[2], 5),
            "gamma");
}

TEST(CDataTest, ChildrenCanBeMovedOutAndReleasedAlone) {
  auto type = struct_({MakeField("a", int32()), MakeField("b", utf8())});
  auto st = MakeData(type, 2, {nullptr}, 0, {Int32s({7, 8}), Strings({"x", "y"})});
  ArrowArray parent;
  ASSERT_TRUE(ExportArray(st, &parent).ok());
  st.reset();
  ArrowArray moved = *parent.children[1];
  parent.children[1]->release = nullptr;  // moved, as the spec describes
  parent.release(&parent);
  EXPECT_EQ(parent.release, nullptr);
  // The moved child still owns its buffers.
  auto child = ImportArray(&moved, utf8());
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  EXPECT_EQ((*child)->length, 2);
  EXPECT_EQ((*child)->buffers[2]->view(), "xy");
}

TEST(CDataTest, EmptyArraysExportReadableBuffers) {
  auto empty = MakeData(utf8(), 0, {nullptr, nullptr, nullptr});
  empty->offset = 3;
  ArrowArray a;
  ASSERT_TRUE(ExportArray(empty, &a).ok());
  EXPECT_EQ(a.offset, 0);
  EXPECT_EQ(a.n_buffers, 3);
  EXPECT_EQ(a.buffers[0], nullptr);
  ASSERT_NE(a.buffers[1], nullptr);
  ASSERT_NE(a.buffers[2], nullptr);
  EXPECT_EQ(static_cast<const int32_t*>(a.buffers[1])[0], 0);
  a.release(&a);
  ArrowArray n;
  ASSERT_TRUE(ExportArray(MakeData(null(), 5, {}, 5), &n).ok());
  EXPECT_EQ(n.n_buffers, 0);
  EXPECT_EQ(n.null_count, 5);
  auto back = ImportArray(&n, null());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->length, 5);
}

// A producer-side ArrowArray for import error tests: counts its releases.
int g_releases = 0;
void CountingRelease(ArrowArray* a) {
  ++g_releases;
  a->release = nullptr;
}
void CountingSchemaRelease(ArrowSchema* s) {
  ++g_releases;
  s->release = nullptr;
}

TEST(CDataTest, ImportRejectsBadInputAndStillReleasesIt) {
  static const int32_t values[] = {1, 2, 3};
  static const void* buffers[] = {nullptr, values};
  auto fresh = []() {
    ArrowArray a{};
    a.length = 3;
    a.n_buffers = 2;
    a.buffers = buffers;
    a.release = CountingRelease;
    return a;
  };
  g_releases = 0;
  ArrowArray ok = fresh();
  auto r = ImportArray(&ok, int32());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(g_releases, 0);  // held by the imported buffers
  r = Status::Invalid("drop");
  EXPECT_EQ(g_releases, 1);

  ArrowArray wrong_buffers = fresh();
  wrong_buffers.n_buffers = 3;
  auto r2 = ImportArray(&wrong_buffers, int32());
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("has 3 buffers, expected 2"), std::string::npos);
  EXPECT_EQ(g_releases, 2);

  ArrowArray negative = fresh();
  negative.length = -1;
  EXPECT_FALSE(ImportArray(&negative, int32()).ok());
  EXPECT_EQ(g_releases, 3);

  ArrowArray no_values = fresh();
  static const void* null_buffers[] = {nullptr, nullptr};
  no_values.buffers = null_buffers;
  auto r3 = ImportArray(&no_values, int32());
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(r3.status().message().find("values buffer is missing"), std::string::npos);
  EXPECT_EQ(g_releases, 4);

  // Unsupported formats fail cleanly; the schema and the array are both released.
  ArrowSchema map_schema{};
  map_schema.format = "+m";
  map_schema.release = CountingSchemaRelease;
  ArrowArray arr = fresh();
  auto r4 = ImportArray(&arr, &map_schema);
  ASSERT_FALSE(r4.ok());
  EXPECT_EQ(r4.status().code(), StatusCode::kNotImplemented);
  EXPECT_NE(r4.status().message().find("'+m'"), std::string::npos);
  EXPECT_EQ(g_releases, 6);

  for (const char* bad : {"w:x", "d:10", "d:10,2,64", "tsx:", "+w:", "q"}) {
    ArrowSchema s{};
    s.format = bad;
    s.release = CountingSchemaRelease;
    EXPECT_FALSE(ImportType(&s).ok()) << bad;
    EXPECT_EQ(s.release, nullptr);
  }
}

TEST(CDataTest, ImportRecordBatchRejectsTopLevelNulls) {
  auto schema = std::make_shared<Schema>(std::vector<FieldPtr>{MakeField("a", int32())});
  auto st = MakeData(struct_(schema->fields()), 2, {testing::Bits("10")}, 1, {Int32s({1, 2})});
  ArrowArray a;
  ASSERT_TRUE(ExportArray(st, &a).ok());
  auto r = ImportRecordBatch(&a, schema);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("top-level nulls"), std::string::npos);
  EXPECT_EQ(a.release, nullptr);
}

TEST(CDataTest, ImportedStructOffsetSlicesTheColumns) {
  auto schema = std::make_shared<Schema>(
      std::vector<FieldPtr>{MakeField("a", int32()), MakeField("b", utf8())});
  auto st = MakeData(struct_(schema->fields()), 4, {nullptr}, 0,
                     {Int32s({1, 2, 3, 4}), Strings({"w", "x", "y", "z"})});
  ArrowArray a;
  ASSERT_TRUE(ExportArray(st->Slice(1, 2), &a).ok());
  EXPECT_EQ(a.offset, 1);
  auto r = ImportRecordBatch(&a, schema);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ((*r)->num_rows(), 2);
  EXPECT_TRUE(ArrayEquals(*(*r)->column(0), *Int32s({2, 3})));
  EXPECT_TRUE(ArrayEquals(*(*r)->column(1), *Strings({"x", "y"})));
}

}  // namespace
}  // namespace lanceflow::arrow
