#include "lanceflow/arrow/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

#include "array_testing.h"
#include "lanceflow/arrow/builder.h"
#include "lanceflow/arrow/decimal.h"
#include "lanceflow/arrow/float16.h"

namespace lanceflow::arrow {
namespace {

using testing::Bits;
using testing::BufferOf;
using testing::Int32s;
using testing::MakeData;
using testing::Strings;

// JSON of every slot of `a`, one per element.
std::vector<std::string> Values(const ArrayData& a) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < a.length; ++i) {
    std::string s;
    Status st = AppendJsonValue(a, i, &s);
    EXPECT_TRUE(st.ok()) << st.ToString();
    out.push_back(s);
  }
  return out;
}

template <typename T>
ArrayDataPtr Fixed(DataTypePtr type, std::vector<T> v, std::string_view valid = "") {
  int64_t nulls = 0;
  for (char c : valid) nulls += c == '0';
  return MakeData(std::move(type), static_cast<int64_t>(v.size()),
                  {valid.empty() ? nullptr : Bits(valid), BufferOf(v)}, nulls);
}

using V = std::vector<std::string>;

TEST(JsonWriterTest, IntegersAreExact) {
  EXPECT_EQ(Values(*Fixed<int64_t>(int64(), {0, -1, std::numeric_limits<int64_t>::min(),
                                             std::numeric_limits<int64_t>::max()})),
            (V{"0", "-1", "-9223372036854775808", "9223372036854775807"}));
  EXPECT_EQ(Values(*Fixed<uint64_t>(uint64(), {0, std::numeric_limits<uint64_t>::max()})),
            (V{"0", "18446744073709551615"}));
  EXPECT_EQ(Values(*Fixed<int8_t>(int8(), {-128, 127}, "10")), (V{"-128", "null"}));
  EXPECT_EQ(Values(*Fixed<uint8_t>(uint8(), {255})), (V{"255"}));
  EXPECT_EQ(Values(*Fixed<int16_t>(int16(), {-32768})), (V{"-32768"}));
  EXPECT_EQ(Values(*Fixed<uint32_t>(uint32(), {4294967295u})), (V{"4294967295"}));
  EXPECT_EQ(Values(*Fixed<int64_t>(duration(TimeUnit::kNano), {-5})), (V{"-5"}));
  auto bools = MakeData(boolean(), 3, {Bits("110"), Bits("100")}, 1);
  EXPECT_EQ(Values(*bools), (V{"true", "false", "null"}));
}

TEST(JsonWriterTest, FloatsRoundTripAtTheirWidth) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(Values(*Fixed<double>(float64(), {0.1, -0.0, 1e300, 5e-324, 100.0, nan, inf, -inf})),
            (V{"0.1", "-0.0", "1e+300", "5e-324", "100.0", "\"NaN\"", "\"Infinity\"",
               "\"-Infinity\""}));
  // float32 values print with float32's shortest digits, not double's.
  EXPECT_EQ(Values(*Fixed<float>(float32(), {0.1f, 16777217.0f, 3.4028235e38f, 1e-45f})),
            (V{"0.1", "16777216.0", "3.4028235e+38", "1e-45"}));
  // Random bit patterns read back to the same bits (NaNs aside).
  std::mt19937_64 rng(42);
  std::vector<double> ds;
  std::vector<float> fs;
  for (int i = 0; i < 2000; ++i) {
    uint64_t b = rng();
    double d;
    std::memcpy(&d, &b, 8);
    if (!std::isnan(d) && !std::isinf(d)) ds.push_back(d);
    uint32_t b32 = static_cast<uint32_t>(b >> 32);
    float f;
    std::memcpy(&f, &b32, 4);
    if (!std::isnan(f) && !std::isinf(f)) fs.push_back(f);
  }
  auto dv = Values(*Fixed<double>(float64(), ds));
  for (size_t i = 0; i < ds.size(); ++i) {
    double back = std::strtod(dv[i].c_str(), nullptr);
    ASSERT_EQ(std::memcmp(&back, &ds[i], 8), 0) << dv[i];
  }
  auto fv = Values(*Fixed<float>(float32(), fs));
  for (size_t i = 0; i < fs.size(); ++i) {
    float back = std::strtof(fv[i].c_str(), nullptr);
    ASSERT_EQ(std::memcmp(&back, &fs[i], 4), 0) << fv[i];
    // Never the digits of the double expansion: at most 9 significant digits, except for
    // integral values that std::to_chars writes in full when that is as short as an exponent.
    if (!fv[i].ends_with(".0")) {
      std::string mantissa = fv[i].substr(0, fv[i].find('e'));
      std::string digits;
      for (char c : mantissa) {
        if (c >= '0' && c <= '9' && !(digits.empty() && c == '0')) digits += c;
      }
      EXPECT_LE(digits.size(), 9u) << fv[i];
    }
  }
}

TEST(JsonWriterTest, Float16) {
  // Known binary16 encodings: 1.0, -2.0, 65504 (max), 2^-24 (min subnormal), 0.333 (0x3555),
  // -0, NaN, +inf.
  EXPECT_EQ(Values(*Fixed<uint16_t>(float16(),
                                    {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x3555, 0x8000, 0x7E00,
                                     0x7C00})),
            (V{"1.0", "-2.0", "6.55e+04", "6e-08", "0.3333", "-0.0", "\"NaN\"", "\"Infinity\""}));
  // 2^-6 = 0.015625: the correctly rounded "0.01562" reads back as a different half; numpy's
  // shortest repr of this value is 0.01563.
  EXPECT_EQ(Values(*Fixed<uint16_t>(float16(), {0x2400})), (V{"0.01563"}));
  EXPECT_EQ(HalfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(HalfToFloat(0x3555), 0.333251953125f);
  // Ties round to even: 2049 lies between 2048 (0x6800) and 2050 (0x6801).
  EXPECT_EQ(DoubleToHalf(2049.0), 0x6800);
  EXPECT_EQ(DoubleToHalf(2051.0), 0x6802);
  EXPECT_EQ(DoubleToHalf(65519.0), 0x7BFF);
  EXPECT_EQ(DoubleToHalf(65520.0), 0x7C00);
  EXPECT_EQ(DoubleToHalf(std::ldexp(1.0, -25)), 0x0000);        // tie to even (zero)
  EXPECT_EQ(DoubleToHalf(std::ldexp(1.5, -25)), 0x0001);
  // Every finite binary16 value prints as a number that parses back to it.
  std::vector<uint16_t> all;
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7C00) != 0x7C00) all.push_back(static_cast<uint16_t>(h));
  }
  auto out = Values(*Fixed<uint16_t>(float16(), all));
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(DoubleToHalf(std::strtod(out[i].c_str(), nullptr)), all[i]) << out[i];
  }
}

TEST(JsonWriterTest, StringsAreEscaped) {
  // Expected: Python's json.dumps(s, ensure_ascii=False).
  auto a = Strings({"a\"b\\c\n\t\x01\x1f\x7f\b\f\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", "", "x"},
                   "101");
  EXPECT_EQ(Values(*a), (V{"\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\x7f\\b\\f\xc3\xa9\xe4\xb8\xad"
                           "\xf0\x9f\x98\x80\"",
                           "null", "\"x\""}));
  // Invalid UTF-8: one \ufffd per maximal ill-formed subsequence, as Python's
  // bytes.decode("utf-8", "replace") substitutes U+FFFD.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\xff", "\"\\ufffd\""},
      {"\xe2\x82", "\"\\ufffd\""},
      {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},
      {"\xf0\x9f\x98", "\"\\ufffd\""},
      {"\xc0\xaf", "\"\\ufffd\\ufffd\""},
      {"a\xe2\x82\xac" "b\x80" "c", "\"a\xe2\x82\xac" "b\\ufffdc\""},
      {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
      {"\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""},
  };
  for (const auto& [in, want] : cases) {
    std::string out;
    AppendJsonString(in, &out);
    EXPECT_EQ(out, want);
  }
  // large_utf8 uses the same rules.
  auto large = MakeData(large_utf8(), 1, {nullptr, BufferOf<int64_t>({0, 2}),
                                          Buffer::CopyOf("\"\n")});
  EXPECT_EQ(Values(*large), (V{"\"\\\"\\n\""}));
}

TEST(JsonWriterTest, BinaryAsPaddedBase64) {
  // RFC 4648 section 10 test vectors.
  auto a = Strings({"", "f", "fo", "foo", "foob", "fooba", "foobar"}, "", binary());
  EXPECT_EQ(Values(*a), (V{"\"\"", "\"Zg==\"", "\"Zm8=\"", "\"Zm9v\"", "\"Zm9vYg==\"",
                           "\"Zm9vYmE=\"", "\"Zm9vYmFy\""}));
  auto bytes = MakeData(large_binary(), 1, {nullptr, BufferOf<int64_t>({0, 3}),
                                            Buffer::CopyOf(std::string("\xfb\xff\x00", 3))});
  EXPECT_EQ(Values(*bytes), (V{"\"+/8A\""}));
  auto fixed = MakeData(fixed_size_binary(2), 2, {Bits("01"), Buffer::CopyOf("\x01\x02\x03\x04")},
                        1);
  EXPECT_EQ(Values(*fixed), (V{"null", "\"AwQ=\""}));
}

TEST(JsonWriterTest, Dates) {
  // Expected values from numpy.datetime64(days, "D") (proleptic Gregorian); years outside
  // 0..9999 in ISO 8601 expanded form.
  EXPECT_EQ(Values(*Fixed<int32_t>(date32(), {0, -1, 11016, 2932896, -719528, -719529, 2932897,
                                              std::numeric_limits<int32_t>::max(),
                                              std::numeric_limits<int32_t>::min()})),
            (V{"\"1970-01-01\"", "\"1969-12-31\"", "\"2000-02-29\"", "\"9999-12-31\"",
               "\"0000-01-01\"", "\"-0001-12-31\"", "\"+10000-01-01\"", "\"+5881580-07-11\"",
               "\"-5877641-06-23\""}));
  EXPECT_EQ(Values(*Fixed<int64_t>(date64(), {-1, 86399999, -86400000, -86400001,
                                              std::numeric_limits<int64_t>::max(),
                                              std::numeric_limits<int64_t>::min()})),
            (V{"\"1969-12-31\"", "\"1970-01-01\"", "\"1969-12-31\"", "\"1969-12-30\"",
               "\"+292278994-08-17\"", "\"-292275055-05-16\""}));
}

TEST(JsonWriterTest, Timestamps) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  // Expected values from numpy.datetime64(v, unit).
  EXPECT_EQ(Values(*Fixed<int64_t>(timestamp(TimeUnit::kSecond), {0, kMax, kMin})),
            (V{"\"1970-01-01T00:00:00\"", "\"+292277026596-12-04T15:30:07\"",
               "\"-292277022657-01-27T08:29:52\""}));
  EXPECT_EQ(Values(*Fixed<int64_t>(timestamp(TimeUnit::kMilli, "UTC"), {-1, kMax, kMin})),
            (V{"\"1969-12-31T23:59:59.999Z\"", "\"+292278994-08-17T07:12:55.807Z\"",
               "\"-292275055-05-16T16:47:04.192Z\""}));
  EXPECT_EQ(Values(*Fixed<int64_t>(timestamp(TimeUnit::kMicro, "Europe/Paris"),
                                   {951782400123456, 1})),
            (V{"\"2000-02-29T00:00:00.123456Z\"", "\"1970-01-01T00:00:00.000001Z\""}));
  EXPECT_EQ(Values(*Fixed<int64_t>(timestamp(TimeUnit::kNano), {kMax, kMin + 1, kMin, -1})),
            (V{"\"2262-04-11T23:47:16.854775807\"", "\"1677-09-21T00:12:43.145224193\"",
               "\"1677-09-21T00:12:43.145224192\"", "\"1969-12-31T23:59:59.999999999\""}));
}

TEST(JsonWriterTest, TimesOfDay) {
  EXPECT_EQ(Values(*Fixed<int32_t>(time32(TimeUnit::kSecond), {0, 86399, 3661})),
            (V{"\"00:00:00\"", "\"23:59:59\"", "\"01:01:01\""}));
  EXPECT_EQ(Values(*Fixed<int32_t>(time32(TimeUnit::kMilli), {45296789, -1})),
            (V{"\"12:34:56.789\"", "\"-00:00:00.001\""}));
  EXPECT_EQ(Values(*Fixed<int64_t>(time64(TimeUnit::kMicro), {1, 86400000000})),
            (V{"\"00:00:00.000001\"", "\"24:00:00.000000\""}));
  EXPECT_EQ(Values(*Fixed<int64_t>(time64(TimeUnit::kNano),
                                   {1, std::numeric_limits<int64_t>::min()})),
            (V{"\"00:00:00.000000001\"", "\"-2562047:47:16.854775808\""}));
}

TEST(JsonWriterTest, Decimals) {
  auto d128 = [](int32_t scale, std::vector<Decimal128> v) {
    return Fixed(decimal128(38, scale), std::move(v));
  };
  auto i = [](int64_t x) { return Decimal128::FromInt64(x); };
  EXPECT_EQ(Values(*d128(2, {i(12345), i(-12345), i(0), i(5), i(-5)})),
            (V{"\"123.45\"", "\"-123.45\"", "\"0.00\"", "\"0.05\"", "\"-0.05\""}));
  EXPECT_EQ(Values(*d128(4, {i(1), i(-1), i(10000)})),
            (V{"\"0.0001\"", "\"-0.0001\"", "\"1.0000\""}));
  EXPECT_EQ(Values(*d128(0, {i(123), i(-7)})), (V{"\"123\"", "\"-7\""}));
  EXPECT_EQ(Values(*Fixed(decimal128(5, -2), std::vector<Decimal128>{i(123), i(0), i(-4)})),
            (V{"\"12300\"", "\"0\"", "\"-400\""}));
  // 10^38 - 1 and -2^127 (Python: str(10**38 - 1), str(-2**127)).
  unsigned __int128 nines = 1;
  for (int k = 0; k < 38; ++k) nines *= 10;
  nines -= 1;
  Decimal128 max38, min128;
  std::memcpy(max38.words, &nines, 16);
  min128.words[0] = 0;
  min128.words[1] = uint64_t{1} << 63;
  EXPECT_EQ(Values(*d128(0, {max38, min128})),
            (V{"\"99999999999999999999999999999999999999\"",
               "\"-170141183460469231731687303715884105728\""}));
  EXPECT_EQ(Values(*d128(10, {max38})), (V{"\"9999999999999999999999999999.9999999999\""}));
  // decimal256 extremes: 2^255 - 1 and -2^255 (Python str()).
  Decimal256 max256, min256;
  max256.words[0] = max256.words[1] = max256.words[2] = ~uint64_t{0};
  max256.words[3] = ~uint64_t{0} >> 1;
  min256.words[3] = uint64_t{1} << 63;
  EXPECT_EQ(
      Values(*Fixed(decimal256(76, 0), std::vector<Decimal256>{max256, min256,
                                                               Decimal256::FromInt64(-1)})),
      (V{"\"57896044618658097711785492504343953926634992332820282019728792003956564819967\"",
         "\"-57896044618658097711785492504343953926634992332820282019728792003956564819968\"",
         "\"-1\""}));
  EXPECT_EQ(Values(*Fixed(decimal256(76, 6), std::vector<Decimal256>{Decimal256::FromInt64(
                                                  -1234567)})),
            (V{"\"-1.234567\""}));
}

TEST(JsonWriterTest, NestedValues) {
  // struct<a: int32, b: list<utf8>>, with a null struct slot and the struct sliced.
  auto items = Strings({"x", "y", "z"}, "101");
  auto lists = MakeData(list(utf8()), 4, {Bits("1101"), BufferOf<int32_t>({0, 2, 2, 2, 3})}, 1,
                        {items});
  auto type = struct_({MakeField("a", int32()), MakeField("b", list(utf8()))});
  auto s = MakeData(type, 4, {Bits("1011")}, 1, {Int32s({1, 2, 3, 4}, "1110"), lists});
  EXPECT_EQ(Values(*s), (V{"{\"a\":1,\"b\":[\"x\",null]}", "null", "{\"a\":3,\"b\":null}",
                           "{\"a\":null,\"b\":[\"z\"]}"}));
  EXPECT_EQ(Values(*s->Slice(2, 2)), (V{"{\"a\":3,\"b\":null}", "{\"a\":null,\"b\":[\"z\"]}"}));
  auto fsl = MakeData(fixed_size_list(int32(), 2), 3, {Bits("101")}, 1,
                      {Int32s({1, 2, 3, 4, 5, 6}, "111101")});
  EXPECT_EQ(Values(*fsl), (V{"[1,2]", "null", "[null,6]"}));
  EXPECT_EQ(Values(*fsl->Slice(2, 1)), (V{"[null,6]"}));
  auto large = MakeData(large_list(boolean()), 2, {nullptr, BufferOf<int64_t>({0, 0, 2})}, 0,
                        {MakeData(boolean(), 2, {nullptr, Bits("10")})});
  EXPECT_EQ(Values(*large), (V{"[]", "[true,false]"}));
  auto dict = MakeData(dictionary(uint16(), utf8()), 4, {Bits("1101"), BufferOf<uint16_t>({2, 0,
                                                                                          9, 1})},
                       1);
  dict->dictionary = Strings({"red", "green", "blue"});
  EXPECT_EQ(Values(*dict), (V{"\"blue\"", "\"red\"", "null", "\"green\""}));
  auto empty_struct = MakeData(struct_({}), 1, {nullptr});
  EXPECT_EQ(Values(*empty_struct), (V{"{}"}));
  EXPECT_EQ(Values(*MakeData(null(), 2, {}, 2)), (V{"null", "null"}));
}

std::shared_ptr<RecordBatch> SampleBatch() {
  auto schema = std::make_shared<Schema>(std::vector<FieldPtr>{
      MakeField("id", int64()), MakeField("na\"me", utf8()), MakeField("score", float64())});
  return std::make_shared<RecordBatch>(
      schema, 3,
      std::vector<ArrayDataPtr>{Fixed<int64_t>(int64(), {1, 2, 3}), Strings({"a", "b", "c"}, "101"),
                                Fixed<double>(float64(), {0.5, 1.5, -2.25})});
}

TEST(JsonWriterTest, LinesHaveKeysInSchemaOrder) {
  std::string out = "prefix:";
  ASSERT_TRUE(AppendJsonLines(*SampleBatch(), &out).ok());
  EXPECT_EQ(out,
            "prefix:"
            "{\"id\":1,\"na\\\"me\":\"a\",\"score\":0.5}\n"
            "{\"id\":2,\"na\\\"me\":null,\"score\":1.5}\n"
            "{\"id\":3,\"na\\\"me\":\"c\",\"score\":-2.25}\n");
  std::string sliced;
  ASSERT_TRUE(AppendJsonLines(*SampleBatch()->Slice(1, 2), &sliced).ok());
  EXPECT_EQ(sliced, out.substr(out.find('\n') + 1));
  RecordBatch empty_schema(std::make_shared<Schema>(), 2, {});
  std::string e;
  ASSERT_TRUE(AppendJsonLines(empty_schema, &e).ok());
  EXPECT_EQ(e, "{}\n{}\n");
}

TEST(JsonWriterTest, WriterFlushesWholeLinesToTheSink) {
  std::vector<std::string> chunks;
  JsonLinesWriter w(
      [&](std::string_view s) {
        chunks.emplace_back(s);
        return Status::OK();
      },
      /*flush_bytes=*/40);
  auto batch = SampleBatch();
  ASSERT_TRUE(w.Write(*batch).ok());
  ASSERT_TRUE(w.Write(*batch).ok());
  ASSERT_TRUE(w.Flush().ok());
  std::string joined, expected;
  for (const auto& c : chunks) {
    EXPECT_EQ(c.back(), '\n');
    joined += c;
  }
  EXPECT_GT(chunks.size(), 2u);
  ASSERT_TRUE(AppendJsonLines(*batch, &expected).ok());
  ASSERT_TRUE(AppendJsonLines(*batch, &expected).ok());
  EXPECT_EQ(joined, expected);
  JsonLinesWriter failing([](std::string_view) { return Status::IOError("disk full"); }, 1);
  Status st = failing.Write(*batch);
  EXPECT_EQ(st.code(), StatusCode::kIOError);
}

TEST(JsonWriterTest, RejectsMismatchedBatches) {
  auto batch = SampleBatch();
  RecordBatch short_column(batch->schema(), 5, batch->columns());
  std::string out;
  EXPECT_FALSE(AppendJsonLines(short_column, &out).ok());
  RecordBatch missing(batch->schema(), 3, {batch->column(0)});
  EXPECT_FALSE(AppendJsonLines(missing, &out).ok());
  std::string v;
  EXPECT_EQ(AppendJsonValue(*Int32s({1}), 1, &v).code(), StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace lanceflow::arrow
