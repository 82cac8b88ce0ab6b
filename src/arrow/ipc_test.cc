#include "lanceflow/arrow/ipc.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "ipc_flatbuf.h"
#include "ipc_json_twin.h"
#include "ipc_metadata.h"
#include "ipc_test_arrays.h"

namespace lanceflow::arrow::ipc {
namespace {

using testing::AllValid;
using testing::BatchJson;
using testing::BufferOf;
using testing::ContentsJson;
using testing::json;
using testing::ListOf;
using testing::MakeArray;
using testing::NullArray;
using testing::Prim;
using testing::SliceBatch;
using testing::Strings;

using O8 = std::optional<int8_t>;
using O16 = std::optional<int16_t>;
using O32 = std::optional<int32_t>;
using O64 = std::optional<int64_t>;
using OStr = std::optional<std::string>;

RecordBatchPtr BatchOf(std::vector<FieldPtr> fields, std::vector<ArrayDataPtr> columns,
                       KeyValueMetadata metadata = {}) {
  int64_t rows = columns.empty() ? 0 : columns[0]->length;
  auto schema = std::make_shared<Schema>(std::move(fields), std::move(metadata));
  return std::make_shared<RecordBatch>(schema, rows, std::move(columns));
}

RecordBatchPtr OneColumn(const std::string& name, ArrayDataPtr column, bool nullable = true) {
  return BatchOf({MakeField(name, column->type, nullable)}, {column});
}

ArrayDataPtr Dict(DataTypePtr index_type, ArrayDataPtr indices, ArrayDataPtr values,
                  bool ordered = false) {
  auto a = std::make_shared<ArrayData>(*indices);
  a->type = dictionary(std::move(index_type), values->type, ordered);
  a->dictionary = std::move(values);
  return a;
}

ArrayDataPtr Utf8(const std::vector<OStr>& v) { return Strings<int32_t>(utf8(), v); }
ArrayDataPtr Int32s(const std::vector<O32>& v) { return Prim<int32_t>(int32(), v); }

ArrayDataPtr Struct(std::vector<FieldPtr> fields, std::vector<ArrayDataPtr> children,
                    const std::vector<bool>& valid) {
  int64_t length = children.empty() ? static_cast<int64_t>(valid.size()) : children[0]->length;
  return MakeArray(struct_(std::move(fields)), length, valid, {}, std::move(children));
}

// ---------------------------------------------------------------------------------------------
// One batch per type of type.h (six rows, with nulls unless the type has none).

struct TypeCase {
  std::string name;
  std::function<RecordBatchPtr()> make;
};

std::vector<TypeCase> TypeCases() {
  std::vector<TypeCase> cases;
  auto add = [&](std::string name, std::function<RecordBatchPtr()> make) {
    cases.push_back({std::move(name), std::move(make)});
  };
  add("null", [] { return OneColumn("n", NullArray(6)); });
  add("bool", [] {
    return OneColumn("b", testing::Bools({true, std::nullopt, false, true, true, std::nullopt}));
  });
  add("int8", [] { return OneColumn("v", Prim<int8_t>(int8(), {-128, 127, {}, 0, 1, -1})); });
  add("int16", [] { return OneColumn("v", Prim<int16_t>(int16(), {-32768, {}, 32767, 0, 5, 6})); });
  add("int32", [] { return OneColumn("v", Int32s({INT32_MIN, INT32_MAX, {}, 0, {}, 9})); });
  add("int64", [] {
    return OneColumn("v", Prim<int64_t>(int64(), {INT64_MIN, INT64_MAX, {}, 0, 1, 2}));
  });
  add("uint8", [] { return OneColumn("v", Prim<uint8_t>(uint8(), {0, 255, {}, 1, 2, 3})); });
  add("uint16", [] { return OneColumn("v", Prim<uint16_t>(uint16(), {0, 65535, {}, 1, 2, 3})); });
  add("uint32", [] {
    return OneColumn("v", Prim<uint32_t>(uint32(), {0, UINT32_MAX, {}, 1, 2, 3}));
  });
  add("uint64", [] {
    return OneColumn("v", Prim<uint64_t>(uint64(), {0, UINT64_MAX, {}, 1, 2, 3}));
  });
  add("float16", [] {
    // 1.0, -2.0, null, +inf, NaN, 65504
    return OneColumn("v", Prim<uint16_t>(float16(), {0x3C00, 0xC000, {}, 0x7C00, 0x7E00, 0x7BFF}));
  });
  add("float32", [] {
    return OneColumn("v", Prim<float>(float32(), {1.5f, -0.0f, {}, INFINITY, NAN, 1e-45f}));
  });
  add("float64", [] {
    return OneColumn("v", Prim<double>(float64(), {3.25, -INFINITY, {}, 1e300, NAN, 5e-324}));
  });
  add("utf8", [] { return OneColumn("s", Utf8({"a", "", {}, "h\xc3\xa9llo", "xyz", {}})); });
  add("large_utf8", [] {
    return OneColumn("s",
                     Strings<int64_t>(large_utf8(), {{}, "long", "", "\xe2\x9c\x93", "z", "q"}));
  });
  add("binary", [] {
    return OneColumn(
        "s", Strings<int32_t>(binary(), {std::string("\0\1", 2), "", {}, "\xff", "b", "c"}));
  });
  add("large_binary", [] {
    return OneColumn("s", Strings<int64_t>(large_binary(), {"x", {}, "", "yy", "zzz", "w"}));
  });
  add("fixed_size_binary", [] {
    return OneColumn(
        "f", testing::FixedBinary(3, {"abc", {}, std::string("\0\0\0", 3), "xyz", "123", {}}));
  });
  add("date32", [] { return OneColumn("d", Prim<int32_t>(date32(), {0, 19000, {}, -1, 1, 2})); });
  add("date64", [] {
    return OneColumn("d", Prim<int64_t>(date64(), {0, 86400000, {}, -86400000, 1, 2}));
  });
  add("time32", [] {
    return BatchOf(
        {MakeField("s", time32(TimeUnit::kSecond)), MakeField("ms", time32(TimeUnit::kMilli))},
        {Prim<int32_t>(time32(TimeUnit::kSecond), {0, 86399, {}, 1, 2, 3}),
         Prim<int32_t>(time32(TimeUnit::kMilli), {0, {}, 86399999, 1, 2, 3})});
  });
  add("time64", [] {
    return BatchOf(
        {MakeField("us", time64(TimeUnit::kMicro)), MakeField("ns", time64(TimeUnit::kNano))},
        {Prim<int64_t>(time64(TimeUnit::kMicro), {0, 86399999999, {}, 1, 2, 3}),
         Prim<int64_t>(time64(TimeUnit::kNano), {0, {}, 86399999999999, 1, 2, 3})});
  });
  add("timestamp", [] {
    return BatchOf(
        {MakeField("naive", timestamp(TimeUnit::kMilli)),
         MakeField("utc", timestamp(TimeUnit::kNano, "UTC"))},
        {Prim<int64_t>(timestamp(TimeUnit::kMilli), {0, 1700000000123, {}, -1, 1, 2}),
         Prim<int64_t>(timestamp(TimeUnit::kNano, "UTC"), {{}, 1700000000123456789, 0, -1, 1, 2})});
  });
  add("duration", [] {
    return OneColumn("d",
                     Prim<int64_t>(duration(TimeUnit::kMicro), {0, -5, {}, 86400000000, 1, 2}));
  });
  add("decimal128", [] {
    std::vector<std::optional<__int128>> v{
        12345, -1, {}, (__int128)1 << 100, 0, -((__int128)1 << 90)};
    return OneColumn("d", Prim<__int128>(decimal128(38, 2), v));
  });
  add("decimal256", [] {
    struct D256 {
      uint64_t w[4];
    };
    std::vector<std::optional<D256>> v{
        D256{{5, 0, 0, 0}}, {}, D256{{~0ull, ~0ull, ~0ull, ~0ull}}, D256{{0, 0, 1, 0}},
        D256{{7, 0, 0, 0}}, {}};
    return OneColumn("d", Prim<D256>(decimal256(76, 10), v));
  });
  add("list", [] {
    auto child = Int32s({1, 2, {}, 4, 5, 6, 7});
    return OneColumn("l", ListOf<int32_t>(list(int32()), child, {2, 0, {}, 3, 1, 1}));
  });
  add("large_list", [] {
    auto child = Utf8({"a", {}, "c", "d"});
    return OneColumn("l", ListOf<int64_t>(large_list(utf8()), child, {{}, 1, 1, 0, 2, 0}));
  });
  add("fixed_size_list", [] {
    auto child = Prim<float>(float32(), {1, 2, 3, {}, 5, 6, 7, 8, 9, 10, 11, 12});
    return OneColumn("v", MakeArray(fixed_size_list(float32(), 2), 6,
                                    {true, false, true, true, true, true}, {}, {child}));
  });
  add("struct", [] {
    auto a = Prim<int64_t>(int64(), {1, {}, 3, 4, 5, 6});
    auto b = Utf8({"x", "y", {}, "", "w", "v"});
    return OneColumn("s", Struct({MakeField("a", int64()), MakeField("b", utf8(), false)}, {a, b},
                                 {true, true, true, false, true, true}));
  });
  add("nested", [] {
    // list<struct<id: int16, vec: fixed_size_list<uint8>[2], tags: list<utf8>>>
    auto ids = Prim<int16_t>(int16(), {1, 2, 3, 4, 5, 6, 7});
    auto vec =
        MakeArray(fixed_size_list(uint8(), 2), 7, {true, true, false, true, true, true, true}, {},
                  {Prim<uint8_t>(uint8(), {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14})});
    auto tags = ListOf<int32_t>(list(utf8()), Utf8({"t1", "t2", {}, "t4"}), {1, 0, {}, 2, 0, 1, 0});
    auto st = Struct(
        {MakeField("id", int16()), MakeField("vec", vec->type), MakeField("tags", tags->type)},
        {ids, vec, tags}, {true, true, true, true, false, true, true});
    return OneColumn(
        "n", ListOf<int32_t>(list(MakeField("element", st->type, false)), st, {2, {}, 0, 3, 1, 1}));
  });
  add("dictionary", [] {
    auto values = Utf8({"apple", "banana", {}, "cherry"});
    return BatchOf(
        {MakeField("d8", dictionary(int8(), utf8())),
         MakeField("du32", dictionary(uint32(), list(int16()), true))},
        {Dict(int8(), Prim<int8_t>(int8(), {0, 1, {}, 3, 2, 0}), values),
         Dict(uint32(), Prim<uint32_t>(uint32(), {1, 1, 0, {}, 0, 1}),
              ListOf<int32_t>(list(int16()), Prim<int16_t>(int16(), {1, 2, 3}), {2, 1}), true)});
  });
  add("dictionary_in_nested", [] {
    auto values = Utf8({"red", "green"});
    auto in_struct = Dict(int16(), Prim<int16_t>(int16(), {0, 1, 1, {}, 0, 1}), values);
    auto st = Struct({MakeField("color", in_struct->type)}, {in_struct}, AllValid(6));
    auto in_list = Dict(int32(), Int32s({1, 0, 1}), Utf8({"p", "q"}));
    auto lst = ListOf<int32_t>(list(in_list->type), in_list, {1, 0, 2, {}, 0, 0});
    return BatchOf({MakeField("s", st->type), MakeField("l", lst->type)}, {st, lst});
  });
  add("nested_dictionary", [] {
    // dictionary<int8, list<dictionary<int16, utf8>>>
    auto inner = Dict(int16(), Prim<int16_t>(int16(), {0, 1, 0, {}}), Utf8({"a", "b"}));
    auto lists = ListOf<int32_t>(list(inner->type), inner, {2, 0, 2});
    return OneColumn("x", Dict(int8(), Prim<int8_t>(int8(), {2, 0, {}, 1, 1, 0}), lists));
  });
  add("metadata", [] {
    auto schema = std::make_shared<Schema>(
        std::vector<FieldPtr>{
            MakeField("id", int64(), false, {{"k", "v"}, {"k2", ""}}),
            MakeField("l", list(MakeField("item", utf8(), true, {{"in", "ner"}})))},
        KeyValueMetadata{{"table", "docs"}, {"z", "last"}, {"a", "first"}});
    return std::make_shared<RecordBatch>(
        schema, 6,
        std::vector<ArrayDataPtr>{
            Prim<int64_t>(int64(), {1, 2, 3, 4, 5, 6}),
            ListOf<int32_t>(list(MakeField("item", utf8(), true, {{"in", "ner"}})), Utf8({"a"}),
                            {1, 0, 0, 0, 0, 0})});
  });
  add("no_columns", [] {
    return std::make_shared<RecordBatch>(std::make_shared<Schema>(), 6,
                                         std::vector<ArrayDataPtr>{});
  });
  add("all_null", [] {
    return BatchOf({MakeField("i", int32()), MakeField("s", utf8())},
                   {Int32s({{}, {}, {}, {}, {}, {}}), Utf8({{}, {}, {}, {}, {}, {}})});
  });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Reading every way: whole buffer, push decoder in small chunks, pull reader with short reads,
// file reader through a copying read-at function.

class ShortReadInput : public InputStream {
 public:
  ShortReadInput(BufferPtr data, int64_t max_read) : data_(std::move(data)), max_(max_read) {}
  Result<int64_t> Read(uint8_t* out, int64_t n) override {
    int64_t got = std::min({n, max_, data_->size() - pos_});
    std::memcpy(out, data_->data() + pos_, static_cast<size_t>(got));
    pos_ += got;
    return got;
  }

 private:
  BufferPtr data_;
  int64_t max_;
  int64_t pos_ = 0;
};

struct Collector : StreamListener {
  SchemaPtr schema;
  std::vector<RecordBatchPtr> batches;
  bool eos = false;
  Status OnSchema(const SchemaPtr& s) override {
    schema = s;
    return Status::OK();
  }
  Status OnRecordBatch(RecordBatchPtr batch) override {
    batches.push_back(std::move(batch));
    return Status::OK();
  }
  Status OnEndOfStream() override {
    eos = true;
    return Status::OK();
  }
};

// Each way of reading `data` must succeed and give the same contents; returns them as JSON.
std::vector<json> ReadEveryWay(const BufferPtr& data, bool file, ReadOptions options = {}) {
  std::vector<json> out;
  auto all = ReadAll(data, options);
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  if (!all.ok()) return out;
  out.push_back(ContentsJson(*all->schema, all->batches));
  if (file) {
    ReadAtFunction read_at = [&](int64_t offset, int64_t length) -> Result<BufferPtr> {
      return Buffer::CopyOf(data->data() + offset, length);
    };
    auto reader = FileReader::Open(data->size(), read_at, options);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return out;
    std::vector<RecordBatchPtr> batches;
    while (true) {
      auto b = (*reader)->Next();
      EXPECT_TRUE(b.ok()) << b.status().ToString();
      if (!b.ok() || !*b) break;
      batches.push_back(*b);
    }
    out.push_back(ContentsJson(*(*reader)->schema(), batches));
    return out;
  }
  for (int64_t chunk : {1, 5, 64}) {
    Collector c;
    StreamDecoder decoder(&c, options);
    Status st;
    for (int64_t i = 0; i < data->size() && st.ok(); i += chunk) {
      st = decoder.Consume(data->data() + i, std::min(chunk, data->size() - i));
    }
    if (st.ok()) st = decoder.Finish();
    EXPECT_TRUE(st.ok()) << st.ToString();
    EXPECT_TRUE(c.eos);
    if (st.ok()) out.push_back(ContentsJson(*c.schema, c.batches));
  }
  auto reader = StreamReader::Open(std::make_unique<ShortReadInput>(data, 7), options);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  std::vector<RecordBatchPtr> batches;
  while (true) {
    auto b = (*reader)->Next();
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (!b.ok() || !*b) break;
    batches.push_back(*b);
  }
  out.push_back(ContentsJson(*(*reader)->schema(), batches));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Round trips: every type x compression x format, with a full batch, a slice at a non-zero
// offset and an empty slice.

using RoundTripParam = std::tuple<size_t, Compression, bool /*file*/>;

class IpcRoundTripTest : public ::testing::TestWithParam<RoundTripParam> {};

TEST_P(IpcRoundTripTest, ReadsBackWhatWasWritten) {
  auto [index, compression, file] = GetParam();
  TypeCase tc = TypeCases()[index];
  RecordBatchPtr batch = tc.make();
  ASSERT_TRUE(batch->Validate().ok()) << batch->Validate().ToString();
  std::vector<RecordBatchPtr> batches{batch, SliceBatch(batch, 1, 4), SliceBatch(batch, 3, 0),
                                      SliceBatch(batch, 5, 1)};
  WriteOptions options;
  options.compression = compression;
  auto written = file ? WriteFile(batch->schema(), batches, options)
                      : WriteStream(batch->schema(), batches, options);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  // Streams end on the 8-byte end-of-stream marker; files on the 10-byte trailer.
  EXPECT_EQ(((*written)->size() - (file ? 10 : 0)) % 8, 0);

  json expected = ContentsJson(*batch->schema(), batches);
  ASSERT_EQ(expected["batches"][1]["num_rows"], 4);
  for (const json& got : ReadEveryWay(*written, file)) EXPECT_EQ(got, expected);
}

std::string RoundTripName(const ::testing::TestParamInfo<RoundTripParam>& info) {
  auto [index, compression, file] = info.param;
  return TypeCases()[index].name + "_" + CompressionName(compression) +
         (file ? "_file" : "_stream");
}

std::vector<size_t> AllCaseIndices() {
  std::vector<size_t> out;
  for (size_t i = 0; i < TypeCases().size(); ++i) out.push_back(i);
  return out;
}

INSTANTIATE_TEST_SUITE_P(AllTypes, IpcRoundTripTest,
                         ::testing::Combine(::testing::ValuesIn(AllCaseIndices()),
                                            ::testing::Values(Compression::kNone,
                                                              Compression::kLz4Frame,
                                                              Compression::kZstd),
                                            ::testing::Bool()),
                         RoundTripName);

// ---------------------------------------------------------------------------------------------
// Message-level inspection of what the writer produced.

struct MessageInfo {
  MessageMeta meta;
  int64_t offset = 0;       // of the prefix
  int64_t body_offset = 0;  // absolute
};

std::vector<MessageInfo> Messages(const Buffer& stream, int64_t start = 0) {
  std::vector<MessageInfo> out;
  int64_t pos = start;
  while (pos + 8 <= stream.size()) {
    uint32_t marker, length;
    std::memcpy(&marker, stream.data() + pos, 4);
    std::memcpy(&length, stream.data() + pos + 4, 4);
    EXPECT_EQ(marker, 0xFFFFFFFFu);
    if (length == 0) break;
    auto meta = ParseMessage(stream.data() + pos + 8, length, ReadOptions());
    EXPECT_TRUE(meta.ok()) << meta.status().ToString();
    if (!meta.ok()) break;
    MessageInfo info{*meta, pos, pos + 8 + length};
    out.push_back(info);
    pos = info.body_offset + meta->body_length;
  }
  return out;
}

TEST(IpcWriterTest, AlignsMessagesAndBuffers) {
  RecordBatchPtr batch = TypeCases()[0].make();
  for (const auto& tc : TypeCases()) {
    if (tc.name == "nested") batch = tc.make();
  }
  for (int64_t alignment : {8, 16, 64}) {
    WriteOptions options;
    options.alignment = alignment;
    auto written = WriteStream(batch->schema(), {batch}, options);
    ASSERT_TRUE(written.ok());
    auto messages = Messages(**written);
    ASSERT_EQ(messages.size(), 2u);
    for (const auto& m : messages) {
      EXPECT_EQ(m.offset % alignment, 0);
      EXPECT_EQ(m.body_offset % alignment, 0);
      for (const auto& b : m.meta.batch.buffers) EXPECT_EQ(b.offset % alignment, 0) << alignment;
    }
  }
  WriteOptions bad;
  bad.alignment = 12;
  EXPECT_EQ(WriteStream(batch->schema(), {batch}, bad).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(IpcWriterTest, StoresIncompressibleBuffersUncompressed) {
  std::mt19937_64 rng(42);
  std::vector<std::optional<int64_t>> noise, zeros;
  for (int i = 0; i < 512; ++i) {
    noise.push_back(static_cast<int64_t>(rng()));
    zeros.push_back(0);
  }
  auto batch = BatchOf({MakeField("noise", int64(), false), MakeField("zeros", int64(), false)},
                       {Prim<int64_t>(int64(), noise), Prim<int64_t>(int64(), zeros)});
  for (Compression c : {Compression::kLz4Frame, Compression::kZstd}) {
    WriteOptions options;
    options.compression = c;
    auto written = WriteStream(batch->schema(), {batch}, options);
    ASSERT_TRUE(written.ok());
    auto messages = Messages(**written);
    ASSERT_EQ(messages.size(), 2u);
    const auto& rb = messages[1];
    EXPECT_EQ(rb.meta.batch.compression, c);
    // Buffers: noise validity, noise values, zeros validity, zeros values.
    ASSERT_EQ(rb.meta.batch.buffers.size(), 4u);
    EXPECT_EQ(rb.meta.batch.buffers[0].length, 0);  // no nulls: no bitmap at all
    int64_t prefix_noise, prefix_zeros;
    std::memcpy(&prefix_noise,
                (*written)->data() + rb.body_offset + rb.meta.batch.buffers[1].offset, 8);
    std::memcpy(&prefix_zeros,
                (*written)->data() + rb.body_offset + rb.meta.batch.buffers[3].offset, 8);
    EXPECT_EQ(prefix_noise, -1);
    EXPECT_EQ(rb.meta.batch.buffers[1].length, 8 + 512 * 8);
    EXPECT_EQ(prefix_zeros, 512 * 8);
    EXPECT_LT(rb.meta.batch.buffers[3].length, 512);
    auto back = ReadAll(*written);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(BatchJson(*back->batches[0]), BatchJson(*batch));
  }
}

TEST(IpcWriterTest, RejectsBatchOfAnotherSchema) {
  auto a = OneColumn("a", Int32s({1}));
  auto b = OneColumn("b", Int32s({1}));
  BufferOutputStream out;
  auto writer = MakeStreamWriter(&out, a->schema());
  ASSERT_TRUE(writer.ok());
  EXPECT_EQ((*writer)->WriteBatch(*b).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE((*writer)->WriteBatch(*a).ok());
  EXPECT_TRUE((*writer)->Close().ok());
  EXPECT_EQ((*writer)->WriteBatch(*a).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*writer)->bytes_written(), out.size());
}

TEST(IpcWriterTest, SchemaOnlyStreamAndFile) {
  auto schema = std::make_shared<Schema>(
      std::vector<FieldPtr>{MakeField("a", int32()), MakeField("d", dictionary(int8(), utf8()))},
      KeyValueMetadata{{"note", "empty table"}});
  for (bool file : {false, true}) {
    auto written = file ? WriteFile(schema, {}) : WriteStream(schema, {});
    ASSERT_TRUE(written.ok());
    auto back = ReadAll(*written);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(back->batches.empty());
    EXPECT_TRUE(back->schema->Equals(*schema, /*check_metadata=*/true));
  }
}

// ---------------------------------------------------------------------------------------------
// Dictionaries across batches.

RecordBatchPtr DictBatch(const std::vector<OStr>& values, const std::vector<O32>& indices) {
  return OneColumn("d", Dict(int32(), Int32s(indices), Utf8(values)));
}

std::vector<std::pair<MessageKind, bool>> Kinds(const Buffer& data, int64_t start = 0) {
  std::vector<std::pair<MessageKind, bool>> out;
  for (const auto& m : Messages(data, start)) out.emplace_back(m.meta.kind, m.meta.is_delta);
  return out;
}

TEST(IpcDictionaryTest, EqualDictionaryIsSentOnce) {
  // Different ArrayData objects with the same values.
  auto b1 = DictBatch({"a", "b"}, {0, 1});
  auto b2 = DictBatch({"a", "b"}, {1, 1, {}});
  for (bool file : {false, true}) {
    auto written = file ? WriteFile(b1->schema(), {b1, b2}) : WriteStream(b1->schema(), {b1, b2});
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    auto kinds = Kinds(**written, file ? 8 : 0);
    std::vector<std::pair<MessageKind, bool>> want{{MessageKind::kSchema, false},
                                                   {MessageKind::kDictionaryBatch, false},
                                                   {MessageKind::kRecordBatch, false},
                                                   {MessageKind::kRecordBatch, false}};
    EXPECT_EQ(kinds, want);
    for (const json& got : ReadEveryWay(*written, file)) {
      EXPECT_EQ(got, ContentsJson(*b1->schema(), {b1, b2}));
    }
  }
}

TEST(IpcDictionaryTest, GrowingDictionaryAsDeltas) {
  auto b1 = DictBatch({"a", "b"}, {0, 1});
  auto b2 = DictBatch({"a", "b", "c"}, {2, {}, 0});
  auto b3 = DictBatch({"a", "b", "c", "d", "e"}, {4, 3});
  WriteOptions options;
  options.emit_dictionary_deltas = true;
  for (bool file : {false, true}) {
    auto written = file ? WriteFile(b1->schema(), {b1, b2, b3}, options)
                        : WriteStream(b1->schema(), {b1, b2, b3}, options);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    auto messages = Messages(**written, file ? 8 : 0);
    ASSERT_EQ(messages.size(), 7u);
    EXPECT_FALSE(messages[1].meta.is_delta);
    EXPECT_TRUE(messages[3].meta.is_delta);
    EXPECT_EQ(messages[3].meta.batch.length, 1);  // only "c"
    EXPECT_TRUE(messages[5].meta.is_delta);
    EXPECT_EQ(messages[5].meta.batch.length, 2);
    for (const json& got : ReadEveryWay(*written, file)) {
      EXPECT_EQ(got, ContentsJson(*b1->schema(), {b1, b2, b3}));
    }
  }
}

TEST(IpcDictionaryTest, ReplacementInStreamsOnly) {
  auto b1 = DictBatch({"a", "b"}, {0, 1});
  auto b2 = DictBatch({"x", "y", "z"}, {2, 0});
  auto stream = WriteStream(b1->schema(), {b1, b2});
  ASSERT_TRUE(stream.ok());
  auto kinds = Kinds(**stream);
  ASSERT_EQ(kinds.size(), 5u);
  EXPECT_EQ(kinds[3], std::make_pair(MessageKind::kDictionaryBatch, false));
  for (const json& got : ReadEveryWay(*stream, false)) {
    EXPECT_EQ(got, ContentsJson(*b1->schema(), {b1, b2}));
  }
  auto file = WriteFile(b1->schema(), {b1, b2});
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(file.status().message().find("cannot replace dictionaries"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Decoder behaviour.

BufferPtr SampleStream(Compression c = Compression::kNone) {
  auto b = TypeCases()[0].make();
  for (const auto& tc : TypeCases()) {
    if (tc.name == "struct") b = tc.make();
  }
  WriteOptions options;
  options.compression = c;
  return *WriteStream(b->schema(), {b, b}, options);
}

TEST(IpcDecoderTest, EmitsEachMessageAsSoonAsItIsComplete) {
  BufferPtr data = SampleStream();
  auto messages = Messages(*data);
  ASSERT_EQ(messages.size(), 3u);
  int64_t end_of_first = messages[1].body_offset + messages[1].meta.body_length;
  Collector c;
  StreamDecoder decoder(&c);
  ASSERT_TRUE(decoder.Consume(data->data(), messages[1].offset).ok());
  EXPECT_NE(c.schema, nullptr);
  EXPECT_TRUE(c.batches.empty());
  ASSERT_TRUE(
      decoder.Consume(data->data() + messages[1].offset, end_of_first - 1 - messages[1].offset)
          .ok());
  EXPECT_TRUE(c.batches.empty());
  EXPECT_EQ(decoder.next_required_size(), 1);
  ASSERT_TRUE(decoder.Consume(data->data() + end_of_first - 1, 1).ok());
  EXPECT_EQ(c.batches.size(), 1u);
  EXPECT_EQ(decoder.position(), end_of_first);
  ASSERT_TRUE(decoder.Consume(data->data() + end_of_first, data->size() - end_of_first).ok());
  EXPECT_EQ(c.batches.size(), 2u);
  EXPECT_TRUE(decoder.end_of_stream());
  EXPECT_TRUE(decoder.Finish().ok());
}

bool Within(const Buffer& inner, const Buffer& outer) {
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

TEST(IpcDecoderTest, UncompressedBodiesAreZeroCopy) {
  BufferPtr data = SampleStream();
  auto all = ReadAll(data);
  ASSERT_TRUE(all.ok());
  const ArrayData& st = *all->batches[0]->column(0);
  ASSERT_TRUE(st.buffers[0]);
  EXPECT_TRUE(Within(*st.buffers[0], *data));
  EXPECT_TRUE(Within(*st.children[0]->buffers[1], *data));
  EXPECT_TRUE(Within(*st.children[1]->buffers[2], *data));

  auto file = ReadAll(*WriteFile(all->schema, all->batches));
  ASSERT_TRUE(file.ok());
}

TEST(IpcDecoderTest, MisalignedInputIsCopiedWhereNeeded) {
  BufferPtr data = SampleStream();
  BufferBuilder b;
  b.AppendZeros(1);
  b.Append(data->data(), data->size());
  BufferPtr shifted = b.Finish()->Slice(1, data->size());
  ASSERT_EQ(reinterpret_cast<uintptr_t>(shifted->data()) % 8, 1u);
  auto all = ReadAll(shifted);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  const ArrayData& a = *all->batches[0]->column(0)->children[0];  // int64 child
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.buffers[1]->data()) % 8, 0u);
  EXPECT_EQ(BatchJson(*all->batches[1]), BatchJson(*ReadAll(data)->batches[1]));
}

TEST(IpcDecoderTest, TruncatedStreamIsAnErrorAtFinish) {
  BufferPtr data = SampleStream();
  auto messages = Messages(*data);
  for (int64_t cut :
       {int64_t{3}, messages[0].offset + 20, messages[1].body_offset + 5, messages[2].offset + 6}) {
    Collector c;
    StreamDecoder decoder(&c);
    ASSERT_TRUE(decoder.Consume(data->data(), cut).ok());
    Status st = decoder.Finish();
    EXPECT_EQ(st.code(), StatusCode::kCorrupt) << cut;
    EXPECT_NE(st.message().find("ends inside a message"), std::string::npos) << st.message();
    EXPECT_EQ(decoder.Consume(data->data(), 1), st);  // errors are sticky

    auto reader =
        StreamReader::Open(std::make_unique<BufferInputStream>(Buffer::CopyOf(data->data(), cut)));
    Status rst = reader.ok() ? Status::OK() : reader.status();
    while (rst.ok()) {
      auto b = (*reader)->Next();
      if (!b.ok())
        rst = b.status();
      else if (!*b)
        break;
    }
    EXPECT_EQ(rst.code(), StatusCode::kCorrupt) << cut;
    EXPECT_NE(rst.message().find("ends inside a message"), std::string::npos) << rst.message();
  }
  // A stream that stops cleanly after a batch, without the end-of-stream marker, is fine.
  Collector c;
  StreamDecoder decoder(&c);
  ASSERT_TRUE(
      decoder.Consume(data->data(), messages[2].body_offset + messages[2].meta.body_length).ok());
  EXPECT_TRUE(decoder.Finish().ok());
  EXPECT_EQ(c.batches.size(), 2u);
  EXPECT_FALSE(c.eos);
}

TEST(IpcDecoderTest, EmptyInputHasNoSchema) {
  Collector c;
  StreamDecoder decoder(&c);
  Status st = decoder.Finish();
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("before its schema"), std::string::npos);
  auto reader = StreamReader::Open(std::make_unique<BufferInputStream>(Buffer::CopyOf("")));
  EXPECT_EQ(reader.status().code(), StatusCode::kCorrupt);
}

TEST(IpcDecoderTest, ListenerErrorStopsDecoding) {
  struct Failing : StreamListener {
    Status OnRecordBatch(RecordBatchPtr) override { return Status::Cancelled("enough"); }
  } listener;
  StreamDecoder decoder(&listener);
  BufferPtr data = SampleStream();
  EXPECT_EQ(decoder.Consume(data).code(), StatusCode::kCancelled);
}

TEST(IpcDecoderTest, FileGivenToStreamReaderSaysSo) {
  auto b = OneColumn("a", Int32s({1, 2}));
  auto file = WriteFile(b->schema(), {b});
  Collector c;
  StreamDecoder decoder(&c);
  Status st = decoder.Consume(*file);
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("looks like an Arrow IPC file"), std::string::npos) << st.message();
}

// ---------------------------------------------------------------------------------------------
// Limits.

TEST(IpcLimitsTest, BodyAndDecompressedSizes) {
  std::vector<std::optional<int64_t>> zeros(4096, int64_t{0});
  auto batch = OneColumn("z", Prim<int64_t>(int64(), zeros));
  auto plain = WriteStream(batch->schema(), {batch});
  WriteOptions zstd;
  zstd.compression = Compression::kZstd;
  auto packed = WriteStream(batch->schema(), {batch}, zstd);
  ASSERT_TRUE(plain.ok() && packed.ok());

  ReadOptions small_body;
  small_body.max_body_bytes = 1024;
  Status st = ReadAll(*plain, small_body).status();
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("body length 32768 exceeds the limit of 1024"), std::string::npos)
      << st.message();
  EXPECT_TRUE(ReadAll(*packed, small_body).ok());

  ReadOptions small_inflate;
  small_inflate.max_decompressed_bytes = 1000;
  st = ReadAll(*packed, small_inflate).status();
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("declares 32768 uncompressed bytes, beyond the limit of 1000"),
            std::string::npos)
      << st.message();

  ReadOptions small_metadata;
  small_metadata.max_metadata_bytes = 16;
  st = ReadAll(*plain, small_metadata).status();
  EXPECT_NE(st.message().find("exceeds the limit of 16 bytes"), std::string::npos) << st.message();
  st = ReadAll(*WriteFile(batch->schema(), {batch}), small_metadata).status();
  EXPECT_NE(st.message().find("exceeds the limit of 16 bytes"), std::string::npos) << st.message();
}

TEST(IpcLimitsTest, NestingDepth) {
  DataTypePtr t = int32();
  for (int i = 0; i < 40; ++i) t = list(t);
  auto schema = std::make_shared<Schema>(std::vector<FieldPtr>{MakeField("deep", t)});
  auto written = WriteStream(schema, {});
  ASSERT_TRUE(written.ok());
  EXPECT_TRUE(ReadAll(*written).ok());
  ReadOptions shallow;
  shallow.max_nesting_depth = 20;
  Status st = ReadAll(*written, shallow).status();
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("nested deeper than 20 levels"), std::string::npos) << st.message();
}

// ---------------------------------------------------------------------------------------------
// FlatBuffers reader and builder.

TEST(IpcFlatbufTest, BuilderOutputReadsBack) {
  fb::Builder b;
  fb::Builder::TableDef inner;
  inner.AddScalar<int8_t>(0, -3);
  inner.AddRef(1, b.AddString("hello"));
  fb::Builder::Ref inner_ref = b.AddTable(std::move(inner));
  std::vector<int64_t> longs{1, -2, 3};
  fb::Builder::TableDef root;
  root.AddScalar<int64_t>(2, int64_t{1} << 40);
  root.AddScalar<uint8_t>(0, 7);
  root.AddRef(1, inner_ref);
  root.AddRef(3, b.AddInlineVector(longs.data(), 3, 8, 8));
  root.AddRef(5, b.AddRefVector({b.AddString("x"), b.AddString("")}));
  std::string bytes = b.Finish(b.AddTable(std::move(root)));
  ASSERT_EQ(bytes.size() % 8, 0u);

  fb::Bytes buf{reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int64_t>(bytes.size())};
  auto t = fb::Table::Root(buf);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t->Scalar<uint8_t>(0, 0), 7);
  EXPECT_EQ(*t->Scalar<int64_t>(2, 0), int64_t{1} << 40);
  EXPECT_EQ(*t->Scalar<int32_t>(4, 99), 99);  // absent slot: default
  EXPECT_FALSE(t->Has(4));
  auto sub = t->SubTable(1);
  ASSERT_TRUE(sub.ok() && sub->has_value());
  EXPECT_EQ(*(*sub)->Scalar<int8_t>(0, 0), -3);
  EXPECT_EQ(**(*sub)->String(1), "hello");
  auto vec = t->VectorOf(3, 8);
  ASSERT_TRUE(vec.ok());
  ASSERT_EQ(vec->size(), 3);
  EXPECT_EQ(vec->Scalar<int64_t>(1), -2);
  EXPECT_EQ((vec->ElementBytes(0) - buf.data) % 8, 0);
  auto strs = t->VectorOf(5, 4);
  ASSERT_TRUE(strs.ok());
  ASSERT_EQ(strs->size(), 2);
  EXPECT_EQ(*strs->StringAt(0), "x");
  EXPECT_EQ(*strs->StringAt(1), "");
}

TEST(IpcFlatbufTest, RejectsOutOfBoundsReferences) {
  fb::Builder b;
  fb::Builder::TableDef root;
  root.AddScalar<int32_t>(0, 5);
  root.AddRef(1, b.AddString("abc"));
  std::string good = b.Finish(b.AddTable(std::move(root)));
  auto parse = [](const std::string& bytes) -> Status {
    fb::Bytes buf{reinterpret_cast<const uint8_t*>(bytes.data()),
                  static_cast<int64_t>(bytes.size())};
    LF_ASSIGN_OR_RETURN(fb::Table t, fb::Table::Root(buf));
    LF_RETURN_NOT_OK(t.Scalar<int32_t>(0, 0).status());
    return t.String(1).status();
  };
  ASSERT_TRUE(parse(good).ok());
  uint32_t root_offset;
  std::memcpy(&root_offset, good.data(), 4);

  std::string bad_root = good;
  uint32_t far = 1u << 30;
  std::memcpy(bad_root.data(), &far, 4);
  EXPECT_NE(parse(bad_root).message().find("outside the buffer"), std::string::npos);

  std::string bad_vtable = good;
  int32_t soffset = -(1 << 20);
  std::memcpy(bad_vtable.data() + root_offset, &soffset, 4);
  EXPECT_NE(parse(bad_vtable).message().find("vtable"), std::string::npos);

  std::string truncated = good.substr(0, good.size() - 6);
  EXPECT_EQ(parse(truncated).code(), StatusCode::kCorrupt);

  EXPECT_EQ(parse(std::string(3, '\0')).code(), StatusCode::kCorrupt);
  EXPECT_EQ(parse(std::string(16, '\0')).code(), StatusCode::kCorrupt);
}

}  // namespace
}  // namespace lanceflow::arrow::ipc

namespace lanceflow::arrow::ipc {
namespace {

// A stream built from hand-made metadata: `schema`, then one record batch with the given nodes,
// buffers and body.
BufferPtr CraftedStream(const SchemaPtr& schema, const RecordBatchMeta& batch,
                        const std::string& body) {
  auto info = MakeSchemaInfo(schema);
  EXPECT_TRUE(info.ok());
  std::string out;
  auto frame = [&](const std::string& fb) {
    uint32_t prefix[2] = {0xFFFFFFFFu, static_cast<uint32_t>((fb.size() + 7) / 8 * 8)};
    out.append(reinterpret_cast<const char*>(prefix), 8);
    out += fb;
    out.append(prefix[1] - fb.size(), '\0');
  };
  frame(SerializeSchemaMessage(*info));
  frame(SerializeRecordBatchMessage(batch, static_cast<int64_t>(body.size())));
  out += body;
  return Buffer::CopyOf(out);
}

Status ReadCrafted(const SchemaPtr& schema, const RecordBatchMeta& batch, const std::string& body) {
  return ReadAll(CraftedStream(schema, batch, body)).status();
}

SchemaPtr SchemaOf(DataTypePtr type) {
  return std::make_shared<Schema>(std::vector<FieldPtr>{MakeField("c", std::move(type))});
}

TEST(IpcCraftedTest, HugeLengthsDoNotOverflow) {
  constexpr int64_t kHuge = int64_t{1} << 40;
  // fixed_size_list<null>[2^30] of 2^40 slots over a child of 5 nulls.
  RecordBatchMeta fsl;
  fsl.length = kHuge;
  fsl.nodes = {{kHuge, 0}, {5, 5}};
  fsl.buffers = {{0, 0}};
  Status st = ReadCrafted(SchemaOf(fixed_size_list(null(), 1 << 30)), fsl, "");
  EXPECT_EQ(st.code(), StatusCode::kCorrupt) << st.ToString();

  // fixed_size_binary of 2^31-1 bytes per slot, 2^40 slots, 8 bytes of values.
  RecordBatchMeta fsb;
  fsb.length = kHuge;
  fsb.nodes = {{kHuge, 0}};
  fsb.buffers = {{0, 0}, {0, 8}};
  st = ReadCrafted(SchemaOf(fixed_size_binary(INT32_MAX)), fsb, std::string(8, '\0'));
  EXPECT_EQ(st.code(), StatusCode::kCorrupt) << st.ToString();

  // int64 values: 2^61 slots need 2^64 bytes.
  RecordBatchMeta ints;
  ints.length = int64_t{1} << 61;
  ints.nodes = {{int64_t{1} << 61, 0}};
  ints.buffers = {{0, 0}, {0, 8}};
  st = ReadCrafted(SchemaOf(int64()), ints, std::string(8, '\0'));
  EXPECT_EQ(st.code(), StatusCode::kCorrupt) << st.ToString();

  // A validity bitmap for INT64_MAX slots.
  RecordBatchMeta bits;
  bits.length = INT64_MAX;
  bits.nodes = {{INT64_MAX, 1}};
  bits.buffers = {{0, 8}, {0, 8}};
  st = ReadCrafted(SchemaOf(boolean()), bits, std::string(8, '\0'));
  EXPECT_EQ(st.code(), StatusCode::kCorrupt) << st.ToString();

  // Record batch length disagreeing with its column.
  RecordBatchMeta mismatch;
  mismatch.length = 3;
  mismatch.nodes = {{2, 0}};
  mismatch.buffers = {{0, 0}, {0, 8}};
  st = ReadCrafted(SchemaOf(int32()), mismatch, std::string(8, '\0'));
  EXPECT_EQ(st.code(), StatusCode::kCorrupt) << st.ToString();
}

TEST(IpcCraftedTest, EmptyOffsetsOfEmptyArraysAreAccepted) {
  // Writers may send no offsets at all for an empty utf8 / list array.
  RecordBatchMeta meta;
  meta.length = 0;
  meta.nodes = {{0, 0}, {0, 0}, {0, 0}};
  meta.buffers = {{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}};
  auto schema = std::make_shared<Schema>(
      std::vector<FieldPtr>{MakeField("s", utf8()), MakeField("l", list(int8()))});
  auto contents = ReadAll(CraftedStream(schema, meta, ""));
  ASSERT_TRUE(contents.ok()) << contents.status().ToString();
  ASSERT_EQ(contents->batches.size(), 1u);
  EXPECT_EQ(contents->batches[0]->num_rows(), 0);
  // ... and write them back.
  EXPECT_TRUE(WriteStream(schema, contents->batches).ok());
}

}  // namespace
}  // namespace lanceflow::arrow::ipc

namespace lanceflow::arrow::ipc {
namespace {

TEST(IpcWriterTest, EmptyArraysWithoutBuffers) {
  auto bare = [](DataTypePtr type, size_t buffers, std::vector<ArrayDataPtr> children = {}) {
    auto a = std::make_shared<ArrayData>();
    a->type = std::move(type);
    a->buffers.resize(buffers);
    a->children = std::move(children);
    return ArrayDataPtr(a);
  };
  auto list_type = list(int8());
  auto struct_type = struct_({MakeField("x", utf8())});
  auto dict_type = dictionary(int16(), utf8());
  auto empty_dict = std::make_shared<ArrayData>(*bare(dict_type, 2));
  empty_dict->dictionary = bare(utf8(), 3);
  auto batch = BatchOf({MakeField("s", utf8()), MakeField("i", int32()), MakeField("l", list_type),
                        MakeField("st", struct_type), MakeField("d", dict_type)},
                       {bare(utf8(), 3), bare(int32(), 2), bare(list_type, 2, {bare(int8(), 2)}),
                        bare(struct_type, 1, {bare(utf8(), 3)}), empty_dict});
  ASSERT_TRUE(batch->Validate().ok()) << batch->Validate().ToString();
  for (bool file : {false, true}) {
    auto written =
        file ? WriteFile(batch->schema(), {batch}) : WriteStream(batch->schema(), {batch});
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    for (const json& got : ReadEveryWay(*written, file)) {
      EXPECT_EQ(got, ContentsJson(*batch->schema(), {batch}));
      EXPECT_EQ(got["batches"][0]["num_rows"], 0);
    }
  }
}

}  // namespace
}  // namespace lanceflow::arrow::ipc

namespace lanceflow::arrow::ipc {
namespace {

// A stream of `schema` followed by raw messages (flatbuffer, body) in order.
BufferPtr CraftedMessages(const SchemaPtr& schema,
                          const std::vector<std::pair<std::string, std::string>>& messages) {
  auto info = MakeSchemaInfo(schema);
  EXPECT_TRUE(info.ok());
  std::string out;
  auto frame = [&](const std::string& fb, const std::string& body) {
    uint32_t prefix[2] = {0xFFFFFFFFu, static_cast<uint32_t>((fb.size() + 7) / 8 * 8)};
    out.append(reinterpret_cast<const char*>(prefix), 8);
    out += fb;
    out.append(prefix[1] - fb.size(), '\0');
    out += body;
  };
  frame(SerializeSchemaMessage(*info), "");
  for (const auto& [fb, body] : messages) frame(fb, body);
  return Buffer::CopyOf(out);
}

TEST(IpcCraftedTest, DeltaDictionariesCannotOverflowLengths) {
  // dictionary<int8, null>: dictionary batches carry one node and no buffers.
  auto schema = SchemaOf(dictionary(int8(), null()));
  RecordBatchMeta huge;
  huge.length = INT64_MAX - 5;
  huge.nodes = {{INT64_MAX - 5, INT64_MAX - 5}};
  std::string first = SerializeDictionaryBatchMessage(0, false, huge, 0);
  std::string delta = SerializeDictionaryBatchMessage(0, true, huge, 0);
  Status st = ReadAll(CraftedMessages(schema, {{first, ""}, {delta, ""}})).status();
  EXPECT_EQ(st.code(), StatusCode::kCorrupt) << st.ToString();
  EXPECT_NE(st.message().find("dictionary batch (id 0) at byte"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("more than 2^63 slots"), std::string::npos) << st.message();

  // Small ones concatenate.
  RecordBatchMeta two;
  two.length = 2;
  two.nodes = {{2, 2}};
  RecordBatchMeta batch;
  batch.length = 1;
  batch.nodes = {{1, 0}};
  batch.buffers = {{0, 0}, {0, 1}};
  std::string body(8, '\0');
  body[0] = 3;  // index 3: only valid after the delta
  auto contents =
      ReadAll(CraftedMessages(schema, {{SerializeDictionaryBatchMessage(0, false, two, 0), ""},
                                       {SerializeDictionaryBatchMessage(0, true, two, 0), ""},
                                       {SerializeRecordBatchMessage(batch, 8), body}}));
  ASSERT_TRUE(contents.ok()) << contents.status().ToString();
  EXPECT_EQ(contents->batches[0]->column(0)->dictionary->length, 4);
}

}  // namespace
}  // namespace lanceflow::arrow::ipc
