// Writer -> reader round trips. The oracle is the JSON Lines encoding of the user contract
// (arrow/json_writer.h), which prints every Arrow type the same way whatever its physical
// layout: large and small strings and lists, fixed-size lists, dictionaries and date64 (as the
// day) all print like the types the reader returns for them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "../arrow/array_testing.h"
#include "lanceflow/arrow/json_writer.h"
#include "lanceflow/parquet/reader.h"
#include "lanceflow/parquet/writer.h"

namespace lanceflow::parquet {
namespace {

using arrow::ArrayDataPtr;
using arrow::MakeField;
using arrow::RecordBatch;
using arrow::RecordBatchPtr;
using arrow::Schema;
using arrow::TypeId;
namespace at = arrow::testing;

std::string Json(const std::vector<RecordBatchPtr>& batches) {
  std::string out;
  for (const auto& b : batches) {
    Status st = arrow::AppendJsonLines(*b, &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  return out;
}

void ExpectSameLines(const std::string& got, const std::string& want) {
  size_t g = 0, w = 0, line = 0;
  while (g < got.size() && w < want.size()) {
    const size_t ge = got.find('\n', g), we = want.find('\n', w);
    const std::string a = got.substr(g, ge - g), b = want.substr(w, we - w);
    if (a != b) {
      ADD_FAILURE() << "row " << line << ": got " << a << "\n want " << b;
      return;
    }
    g = ge + 1;
    w = we + 1;
    ++line;
  }
  EXPECT_EQ(got.size(), want.size()) << "row counts differ after row " << line;
}

// Types the kArrow mapping writes and the reader reads back printing the same JSON.
std::vector<arrow::DataTypePtr> RoundTripTypes() {
  using namespace arrow;  // NOLINT
  return {boolean(),
          int8(),
          int16(),
          int32(),
          int64(),
          uint8(),
          uint16(),
          uint32(),
          uint64(),
          float16(),
          float32(),
          float64(),
          utf8(),
          large_utf8(),
          binary(),
          large_binary(),
          fixed_size_binary(4),
          date32(),
          time32(TimeUnit::kMilli),
          time64(TimeUnit::kNano),
          time64(TimeUnit::kMicro),
          timestamp(TimeUnit::kMicro, "UTC"),
          timestamp(TimeUnit::kNano),
          timestamp(TimeUnit::kMilli, "UTC"),
          decimal128(5, 2),
          decimal128(15, 3),
          decimal128(30, 4),
          struct_({MakeField("a", int32()), MakeField("b", list(utf8()))}),
          list(int64()),
          large_list(boolean()),
          fixed_size_list(int16(), 2),
          fixed_size_list(float32(), 8),
          dictionary(int32(), utf8()),
          dictionary(uint8(), int64()),
          list(struct_({MakeField("x", float64()), MakeField("y", list(list(int8())))})),
          struct_({MakeField("s", struct_({MakeField("t", utf8())}))})};
}

struct Config {
  const char* name;
  WriterOptions options;
};

std::vector<Config> Configs() {
  std::vector<Config> out;
  out.push_back({"default", {}});
  WriterOptions snappy;
  snappy.compression = Compression::kSnappy;
  out.push_back({"snappy", snappy});
  WriterOptions plain;
  plain.compression = Compression::kNone;
  plain.dictionary = false;
  out.push_back({"plain", plain});
  WriterOptions small;
  small.page_bytes = 100;
  small.row_group_rows = 37;
  out.push_back({"small_pages", small});
  return out;
}

class RoundTrip : public ::testing::TestWithParam<int> {};

TEST_P(RoundTrip, EveryTypeWithNullsReadsBackAsWritten) {
  const Config cfg = Configs()[static_cast<size_t>(GetParam())];
  uint32_t seed = 1;
  for (const auto& type : RoundTripTypes()) {
    SCOPED_TRACE(type->ToString() + " / " + cfg.name);
    auto schema = std::make_shared<Schema>(
        std::vector<arrow::FieldPtr>{MakeField("c", type), MakeField("n", arrow::int64(), false)});
    std::vector<RecordBatchPtr> batches;
    for (int b = 0; b < 3; ++b) {
      const int64_t rows = b == 1 ? 0 : 150;
      ArrayDataPtr c = at::RandomArray(type, rows, seed++);
      std::vector<int64_t> n(static_cast<size_t>(rows));
      for (int64_t i = 0; i < rows; ++i) n[static_cast<size_t>(i)] = i * 1000003 % 97;
      auto nn = at::MakeData(arrow::int64(), rows, {nullptr, at::BufferOf(n)});
      auto batch = std::make_shared<RecordBatch>(schema, rows, std::vector<ArrayDataPtr>{c, nn});
      // A slice exercises array offsets.
      batches.push_back(b == 2 ? batch->Slice(3, 140) : batch);
    }
    FileSummary summary;
    auto file = WriteParquet(schema, batches, cfg.options, &summary);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(summary.num_rows, 290);
    arrow::SchemaPtr read_schema;
    auto read = ReadParquet(*file, &read_schema);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    ExpectSameLines(Json(*read), Json(batches));
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, RoundTrip, ::testing::Range(0, 4),
                         [](const auto& info) { return std::string(Configs()[info.param].name); });

TEST(ParquetWriter, StatisticsSummaryOfKnownValues) {
  auto schema = std::make_shared<Schema>(
      std::vector<arrow::FieldPtr>{MakeField("i", arrow::int32()), MakeField("u", arrow::uint64()),
                                   MakeField("f", arrow::float64()), MakeField("s", arrow::utf8()),
                                   MakeField("l", arrow::list(arrow::int64()))});
  const std::vector<int32_t> i = {5, -3, 0, 9};
  const std::vector<uint64_t> u = {1, std::numeric_limits<uint64_t>::max(), 7, 0};
  const std::vector<double> f = {NAN, 0.0, -2.5, 0.0};
  auto ia = at::Int32s(i, "1101");  // 0 is null: min -3, max 9
  auto ua = at::MakeData(arrow::uint64(), 4, {nullptr, at::BufferOf(u)});
  auto fa = at::MakeData(arrow::float64(), 4, {nullptr, at::BufferOf(f)});
  auto sa = at::Strings({"pear", "", "apple", "zz"}, "1011");
  // l = [[1, 2], null, [], [null]]
  arrow::ListBuilder lb(arrow::list(arrow::int64()),
                        std::make_unique<arrow::Int64Builder>(arrow::int64()));
  auto* items = static_cast<arrow::Int64Builder*>(lb.value_builder());
  lb.Append();
  items->Append(1);
  items->Append(2);
  lb.AppendNull();
  lb.Append();
  lb.Append();
  items->AppendNull();
  auto la = at::FinishOrDie(lb);
  auto batch =
      std::make_shared<RecordBatch>(schema, 4, std::vector<ArrayDataPtr>{ia, ua, fa, sa, la});
  FileSummary s;
  auto file = WriteParquet(schema, {batch}, {}, &s);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_EQ(s.columns.size(), 5u);
  EXPECT_EQ(s.num_rows, 4);
  EXPECT_EQ(std::get<int64_t>(s.columns[0].min), -3);
  EXPECT_EQ(std::get<int64_t>(s.columns[0].max), 9);
  EXPECT_EQ(s.columns[0].null_count, 1);
  EXPECT_EQ(std::get<uint64_t>(s.columns[1].min), 0u);
  EXPECT_EQ(std::get<uint64_t>(s.columns[1].max), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(std::get<double>(s.columns[2].min), -2.5);
  EXPECT_EQ(std::get<double>(s.columns[2].max), 0.0);
  EXPECT_FALSE(std::signbit(std::get<double>(s.columns[2].max)));
  EXPECT_EQ(s.columns[2].nan_count, 1);
  EXPECT_EQ(std::get<std::string>(s.columns[3].min), "apple");
  EXPECT_EQ(std::get<std::string>(s.columns[3].max), "zz");
  EXPECT_EQ(s.columns[3].null_count, 1);
  EXPECT_TRUE(s.columns[4].in_list);
  EXPECT_EQ(s.columns[4].path, std::vector<std::string>{"l"});
  EXPECT_EQ(s.columns[4].parquet_path, "l.list.element");
  EXPECT_EQ(s.columns[4].null_count, 3);  // null list, empty list, null item
  EXPECT_EQ(std::get<int64_t>(s.columns[4].min), 1);
  EXPECT_EQ(std::get<int64_t>(s.columns[4].max), 2);

  // The footer carries the same per-chunk statistics.
  auto reader = ParquetReader::Open(*file);
  ASSERT_TRUE(reader.ok());
  const ChunkStatistics cs = (*reader)->column_chunk_statistics(0, 0);
  ASSERT_TRUE(cs.has_min_max);
  int32_t lo, hi;
  std::memcpy(&lo, cs.min_value.data(), 4);
  std::memcpy(&hi, cs.max_value.data(), 4);
  EXPECT_EQ(lo, -3);
  EXPECT_EQ(hi, 9);
  EXPECT_EQ(cs.null_count, 1);
}

TEST(ParquetWriter, Date64IsWrittenAsTheDayAndOutOfRangeDaysAreRefused) {
  auto schema =
      std::make_shared<Schema>(std::vector<arrow::FieldPtr>{MakeField("d", arrow::date64())});
  const std::vector<int64_t> ms = {0, -1, 86'400'000LL * 365 + 5, -86'400'000LL * 2};
  auto batch = std::make_shared<RecordBatch>(
      schema, 4,
      std::vector<ArrayDataPtr>{at::MakeData(arrow::date64(), 4, {nullptr, at::BufferOf(ms)})});
  auto file = WriteParquet(schema, {batch});
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto read = ReadParquet(*file);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ((*read)[0]->column(0)->type->id(), TypeId::kDate32);
  const int32_t* days = (*read)[0]->column(0)->values<int32_t>();
  EXPECT_EQ(days[0], 0);
  EXPECT_EQ(days[1], -1);  // the day containing the instant
  EXPECT_EQ(days[2], 365);
  EXPECT_EQ(days[3], -2);
  const std::vector<int64_t> huge = {INT64_MAX};
  auto bad = std::make_shared<RecordBatch>(
      schema, 1,
      std::vector<ArrayDataPtr>{at::MakeData(arrow::date64(), 1, {nullptr, at::BufferOf(huge)})});
  auto r = WriteParquet(schema, {bad});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
}

TEST(ParquetWriter, SparkMappingRefusesUint64AboveLong) {
  auto schema =
      std::make_shared<Schema>(std::vector<arrow::FieldPtr>{MakeField("big", arrow::uint64())});
  const std::vector<uint64_t> u = {1, uint64_t{1} << 63};
  auto batch = std::make_shared<RecordBatch>(
      schema, 2,
      std::vector<ArrayDataPtr>{at::MakeData(arrow::uint64(), 2, {nullptr, at::BufferOf(u)})});
  WriterOptions o;
  o.type_mapping = TypeMapping::kSpark;
  auto file = WriteParquet(schema, {batch}, o);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(file.status().message().find("'big'"), std::string::npos) << file.status().message();
}

TEST(ParquetWriter, UnsupportedTypesAreRefusedAtOpen) {
  for (const auto& type :
       {arrow::duration(arrow::TimeUnit::kSecond), arrow::decimal256(50, 2), arrow::null()}) {
    auto schema = std::make_shared<Schema>(std::vector<arrow::FieldPtr>{MakeField("x", type)});
    arrow::ipc::BufferOutputStream out;
    auto w = ParquetWriter::Open(&out, schema);
    ASSERT_FALSE(w.ok()) << type->ToString();
    EXPECT_EQ(w.status().code(), StatusCode::kNotImplemented);
    EXPECT_NE(w.status().message().find("'x'"), std::string::npos) << w.status().message();
  }
}

TEST(ParquetWriter, NullInNonNullableFieldIsInvalid) {
  auto type = arrow::struct_({MakeField("req", arrow::int32(), false)});
  auto schema = std::make_shared<Schema>(std::vector<arrow::FieldPtr>{MakeField("s", type)});
  // Slot 0: valid struct with a null required child (invalid); slot 1: null struct (fine).
  auto child = at::Int32s({1, 2}, "01");
  auto parent = at::MakeData(type, 2, {at::Bits("10")}, 1, {child});
  auto batch = std::make_shared<RecordBatch>(schema, 2, std::vector<ArrayDataPtr>{parent});
  auto r = WriteParquet(schema, {batch});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'req'"), std::string::npos) << r.status().message();
  auto ok_parent = at::MakeData(type, 2, {at::Bits("01")}, 1, {child});
  auto ok_batch = std::make_shared<RecordBatch>(schema, 2, std::vector<ArrayDataPtr>{ok_parent});
  EXPECT_TRUE(WriteParquet(schema, {ok_batch}).ok());
}

TEST(ParquetWriter, MismatchedBatchIsInvalid) {
  auto schema =
      std::make_shared<Schema>(std::vector<arrow::FieldPtr>{MakeField("x", arrow::int32())});
  auto other =
      std::make_shared<Schema>(std::vector<arrow::FieldPtr>{MakeField("x", arrow::utf8())});
  arrow::ipc::BufferOutputStream out;
  auto w = ParquetWriter::Open(&out, schema);
  ASSERT_TRUE(w.ok());
  RecordBatch batch(other, 1, {at::Strings({"a"})});
  EXPECT_EQ((*w)->WriteBatch(batch).code(), StatusCode::kInvalidArgument);
}

// A dictionary index outside the dictionary (negative, beyond it, or a uint64 beyond int64) is
// an error naming the column and slot, never a read past the dictionary.
TEST(ParquetWriter, DictionaryIndexOutsideTheDictionaryIsInvalid) {
  auto words = at::Strings({"a", "b"});
  auto check = [&](const arrow::DataTypePtr& type, const BufferPtr& indices, const char* what) {
    auto schema = std::make_shared<Schema>(std::vector<arrow::FieldPtr>{MakeField("w", type)});
    auto col = at::MakeData(type, 3, {nullptr, indices});
    col->dictionary = words;
    auto batch = std::make_shared<RecordBatch>(schema, 3, std::vector<ArrayDataPtr>{col});
    auto r = WriteParquet(schema, {batch});
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << what;
    EXPECT_NE(r.status().message().find("'w'"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("slot 2"), std::string::npos) << r.status().message();
  };
  const auto u64 = arrow::dictionary(arrow::uint64(), arrow::utf8());
  check(u64, at::BufferOf(std::vector<uint64_t>{1, 0, uint64_t{1} << 63}), "uint64 above long");
  check(u64, at::BufferOf(std::vector<uint64_t>{1, 0, 2}), "one past the end");
  const auto i8 = arrow::dictionary(arrow::int8(), arrow::utf8());
  check(i8, at::BufferOf(std::vector<int8_t>{1, 0, -1}), "negative");
  // The same layout with indices in range writes.
  auto schema = std::make_shared<Schema>(std::vector<arrow::FieldPtr>{MakeField("w", i8)});
  auto col = at::MakeData(i8, 3, {nullptr, at::BufferOf(std::vector<int8_t>{1, 0, 1})});
  col->dictionary = words;
  auto ok = std::make_shared<RecordBatch>(schema, 3, std::vector<ArrayDataPtr>{col});
  EXPECT_TRUE(WriteParquet(schema, {ok}).ok());
}

// Files are written by a background thread: a large file round-trips byte for byte through
// OpenFile, and a failing device is reported by the writer, not lost.
TEST(ParquetWriter, FileSinkWritesEverythingAndReportsWriteErrors) {
  auto schema =
      std::make_shared<Schema>(std::vector<arrow::FieldPtr>{MakeField("x", arrow::int64())});
  std::vector<int64_t> v(3'000'000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i * 2654435761u);
  auto batch = std::make_shared<RecordBatch>(
      schema, static_cast<int64_t>(v.size()),
      std::vector<ArrayDataPtr>{at::MakeData(arrow::int64(), static_cast<int64_t>(v.size()),
                                             {nullptr, at::BufferOf(v)})});
  WriterOptions o;
  o.compression = Compression::kNone;
  auto in_memory = WriteParquet(schema, {batch}, o);
  ASSERT_TRUE(in_memory.ok());
  const std::string path = ::testing::TempDir() + "/sink_test.parquet";
  auto w = ParquetWriter::Open(path, schema, o);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE((*w)->WriteBatch(*batch).ok());
  ASSERT_TRUE((*w)->Close().ok());
  std::ifstream f(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_GT(bytes.size(), 24'000'000u);  // several 4 MiB chunks of the background writer
  EXPECT_TRUE(bytes == (*in_memory)->view()) << "file differs from the in-memory encoding";

  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  auto full = ParquetWriter::Open("/dev/full", schema, o);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  Status st = (*full)->WriteBatch(*batch);
  if (st.ok()) st = (*full)->Close().status();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find("/dev/full"), std::string::npos) << st.message();
}

// A small nested file damaged at every byte: the reader returns an error or valid batches,
// never crashes (run under ASan/UBSan).
TEST(ParquetReader, DamagedFilesNeverCrash) {
  auto type =
      arrow::struct_({MakeField("a", arrow::list(arrow::utf8())), MakeField("b", arrow::int64())});
  auto schema = std::make_shared<Schema>(std::vector<arrow::FieldPtr>{MakeField("c", type)});
  auto batch = std::make_shared<RecordBatch>(
      schema, 20, std::vector<ArrayDataPtr>{at::RandomArray(type, 20, 3)});
  WriterOptions o;
  o.compression = Compression::kNone;
  auto file = WriteParquet(schema, {batch}, o);
  ASSERT_TRUE(file.ok());
  const std::string good((*file)->view());
  int errors = 0;
  for (size_t pos = 0; pos < good.size(); ++pos) {
    for (uint8_t flip : {0x01, 0x80, 0xFF}) {
      std::string bad = good;
      bad[pos] = static_cast<char>(bad[pos] ^ flip);
      auto read = ReadParquet(Buffer::FromString(bad));
      if (!read.ok()) {
        ++errors;
        EXPECT_FALSE(read.status().message().empty());
      }
    }
  }
  EXPECT_GT(errors, 0);
  // Truncations.
  for (size_t n = 0; n < good.size(); n += 7) {
    EXPECT_FALSE(ReadParquet(Buffer::FromString(good.substr(0, n))).ok()) << n;
  }
}

TEST(ParquetReader, NamedErrorsForBrokenFiles) {
  auto r = ReadParquet(Buffer::FromString("PAR1xxxxxxxxPAR1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  auto bad_magic = ReadParquet(Buffer::FromString(std::string(20, 'x')));
  ASSERT_FALSE(bad_magic.ok());
  EXPECT_NE(bad_magic.status().message().find("magic"), std::string::npos);
  std::string huge_footer = "PAR1" + std::string(8, '\0') + std::string("\xff\xff\x00\x00PAR1", 8);
  auto hf = ReadParquet(Buffer::FromString(huge_footer));
  ASSERT_FALSE(hf.ok());
  EXPECT_NE(hf.status().message().find("footer length"), std::string::npos)
      << hf.status().message();
}

TEST(ParquetReader, ProjectionAndRowGroups) {
  auto schema = std::make_shared<Schema>(
      std::vector<arrow::FieldPtr>{MakeField("a", arrow::int32()), MakeField("b", arrow::utf8())});
  std::vector<int32_t> a(1000);
  std::vector<std::string> b(1000);
  for (int i = 0; i < 1000; ++i) {
    a[static_cast<size_t>(i)] = i;
    b[static_cast<size_t>(i)] = "v" + std::to_string(i % 10);
  }
  auto batch = std::make_shared<RecordBatch>(
      schema, 1000, std::vector<ArrayDataPtr>{at::Int32s(a), at::Strings(b)});
  WriterOptions o;
  o.row_group_rows = 300;
  auto file = WriteParquet(schema, {batch}, o);
  ASSERT_TRUE(file.ok());
  auto reader = ParquetReader::Open(*file);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->num_row_groups(), 4);
  EXPECT_EQ((*reader)->num_rows(), 1000);
  auto rg = (*reader)->ReadRowGroup(3, {1});
  ASSERT_TRUE(rg.ok()) << rg.status().ToString();
  EXPECT_EQ((*rg)->num_columns(), 1);
  EXPECT_EQ((*rg)->num_rows(), 100);
  EXPECT_EQ((*rg)->schema()->field(0)->name, "b");
  std::string json;
  ASSERT_TRUE(arrow::AppendJsonValue(*(*rg)->column(0), 99, &json).ok());
  EXPECT_EQ(json, "\"v9\"");
}

}  // namespace
}  // namespace lanceflow::parquet
