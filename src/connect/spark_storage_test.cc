#include "lanceflow/connect/spark_storage.h"

#include <gtest/gtest.h>

#include <limits>

#include "lanceflow/arrow/builder.h"
#include "lanceflow/arrow/decimal.h"

namespace lanceflow::connect {
namespace {

namespace a = lanceflow::arrow;

template <typename T>
a::ArrayDataPtr Fixed(a::DataTypePtr type, std::vector<std::optional<T>> values) {
  a::FixedWidthBuilder<T> b(std::move(type));
  for (const auto& v : values) {
    if (v) {
      b.Append(*v);
    } else {
      b.AppendNull();
    }
  }
  return *b.Finish();
}

std::string Text(const a::ArrayData& s, int64_t i) {
  const int32_t* off = s.offsets<int32_t>();
  return std::string(reinterpret_cast<const char*>(s.buffers[2]->data()) + off[i],
                     static_cast<size_t>(off[i + 1] - off[i]));
}

a::RecordBatchPtr Batch(std::vector<a::FieldPtr> fields, std::vector<a::ArrayDataPtr> cols) {
  const int64_t n = cols.empty() ? 0 : cols[0]->length;
  return std::make_shared<a::RecordBatch>(std::make_shared<a::Schema>(std::move(fields)), n,
                                          std::move(cols));
}

TEST(SparkStorage, ConvertsTheTypesSparkHasNoEqualOf) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  auto u = Fixed<uint64_t>(a::uint64(), {max, 5, std::nullopt});
  a::Decimal256 d{};
  d.words[0] = 1250;  // 12.50 at scale 2
  a::Decimal256 neg{};
  for (auto& w : neg.words) w = ~uint64_t{0};  // -1 -> -0.01
  auto dec = Fixed<a::Decimal256>(a::decimal256(40, 2), {d, neg, std::nullopt});
  // 08:30:00.25 in microseconds, 1 s, null.
  auto tm = Fixed<int64_t>(a::time64(a::TimeUnit::kMicro),
                           {int64_t{30'600'250'000}, int64_t{1'000'000}, std::nullopt});
  auto dur = Fixed<int64_t>(a::duration(a::TimeUnit::kSecond), {int64_t{5}, int64_t{-7}, std::nullopt});
  auto id = Fixed<int64_t>(a::int64(), {int64_t{1}, int64_t{2}, int64_t{3}});
  auto batch = Batch({a::MakeField("u", a::uint64()), a::MakeField("d", a::decimal256(40, 2)),
                      a::MakeField("t", a::time64(a::TimeUnit::kMicro)),
                      a::MakeField("dur", a::duration(a::TimeUnit::kSecond)),
                      a::MakeField("id", a::int64(), false)},
                     {u, dec, tm, dur, id});

  auto out = ToSparkStorage(batch, {.uint64_as_decimal = true});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_TRUE((*out)->Validate().ok());
  EXPECT_TRUE((*out)->schema()->field(0)->type->Equals(*a::decimal128(20, 0)));
  const auto& uc = *(*out)->column(0);
  EXPECT_EQ(uc.values<a::Decimal128>()[0].words[0], max);
  EXPECT_EQ(uc.values<a::Decimal128>()[0].words[1], 0u);  // positive, not -1
  EXPECT_EQ(uc.values<a::Decimal128>()[1].words[0], 5u);
  EXPECT_TRUE(uc.IsNull(2));
  for (int c = 1; c <= 3; ++c) {
    EXPECT_EQ((*out)->schema()->field(c)->type->id(), a::TypeId::kUtf8);
    EXPECT_TRUE((*out)->column(c)->IsNull(2));
  }
  EXPECT_EQ(Text(*(*out)->column(1), 0), "12.50");
  EXPECT_EQ(Text(*(*out)->column(1), 1), "-0.01");
  EXPECT_EQ(Text(*(*out)->column(2), 0), "08:30:00.250000");
  EXPECT_EQ(Text(*(*out)->column(2), 1), "00:00:01.000000");
  EXPECT_EQ(Text(*(*out)->column(3), 0), "5");
  EXPECT_EQ(Text(*(*out)->column(3), 1), "-7");
  EXPECT_EQ((*out)->column(4), id);  // passed through untouched
  EXPECT_FALSE((*out)->schema()->field(4)->nullable);

  // Without the option uint64 stays (the Parquet writer refuses values >= 2^63).
  auto plain = ToSparkStorage(batch, {});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)->column(0), u);
}

TEST(SparkStorage, ReaderConvertsEveryBatchAndDeclaresTheConvertedSchema) {
  struct Two : a::RecordBatchReader {
    a::RecordBatchPtr b;
    int left = 2;
    a::SchemaPtr schema() const override { return b->schema(); }
    Result<a::RecordBatchPtr> Next() override {
      if (left == 0) return a::RecordBatchPtr();
      --left;
      return b;
    }
  };
  auto in = std::make_unique<Two>();
  in->b = Batch({a::MakeField("d", a::duration(a::TimeUnit::kMilli))},
                {Fixed<int64_t>(a::duration(a::TimeUnit::kMilli), {int64_t{42}})});
  auto r = SparkStorageReader(std::move(in), {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->schema()->field(0)->type->id(), a::TypeId::kUtf8);
  int n = 0;
  while (true) {
    auto b = (*r)->Next();
    ASSERT_TRUE(b.ok());
    if (!*b) break;
    EXPECT_TRUE((*b)->schema()->Equals(*(*r)->schema()));
    EXPECT_EQ(Text(*(*b)->column(0), 0), "42");
    ++n;
  }
  EXPECT_EQ(n, 2);
}

TEST(SparkStorage, BatchesWithNothingToConvertAreReturnedAsIs) {
  auto batch = Batch({a::MakeField("id", a::int64())},
                     {Fixed<int64_t>(a::int64(), {int64_t{1}})});
  auto out = ToSparkStorage(batch, {.uint64_as_decimal = true});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, batch);
}

TEST(SparkStorage, NestedTypesNeedingConversionAreRefusedNamingTheColumn) {
  auto st = a::struct_({a::MakeField("u", a::uint64())});
  a::Schema with_uint({a::MakeField("s", st)});
  EXPECT_TRUE(SparkStorageSchema(with_uint, {}).ok());
  auto r = SparkStorageSchema(with_uint, {.uint64_as_decimal = true});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("column 's'"), std::string::npos);
  a::Schema with_time({a::MakeField("l", a::list(a::time32(a::TimeUnit::kMilli)))});
  EXPECT_FALSE(SparkStorageSchema(with_time, {}).ok());
}

}  // namespace
}  // namespace lanceflow::connect
