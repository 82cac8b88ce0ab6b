// Take/Filter against independently built expectations: hand-written arrays for the common
// layouts, and for every type of AllTypes() the builders' AppendArraySlice (a separate code path)
// fed the same slots one at a time.
#include "lanceflow/arrow/take.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "array_testing.h"
#include "lanceflow/arrow/builder.h"
#include "lanceflow/arrow/compare.h"

namespace lanceflow::arrow {
namespace {

using testing::Bits;
using testing::Int32s;
using testing::RandomArray;
using testing::Strings;

void ExpectArrayEq(const ArrayData& expected, const ArrayData& actual) {
  std::string diff;
  EXPECT_TRUE(ArrayEquals(expected, actual, &diff)) << diff;
  EXPECT_TRUE(ValidateArray(actual).ok()) << ValidateArray(actual).ToString();
}

// What Take must return, built slot by slot with a builder.
ArrayDataPtr ExpectedTake(const ArrayData& values, const std::vector<int64_t>& indices) {
  auto b = MakeBuilder(values.type);
  EXPECT_TRUE(b.ok());
  if (values.type->id() == TypeId::kDictionary) {
    // The builder keeps indices into the same dictionary when told about it first.
    switch (values.type->index_type()->id()) {
      case TypeId::kInt32:
        static_cast<DictionaryBuilder<int32_t>*>(b->get())->SetDictionary(values.dictionary);
        break;
      case TypeId::kUInt8:
        static_cast<DictionaryBuilder<uint8_t>*>(b->get())->SetDictionary(values.dictionary);
        break;
      default:
        ADD_FAILURE() << "index type not covered by the test";
    }
  }
  for (int64_t idx : indices) {
    if (idx < 0) {
      (*b)->AppendNull();
    } else {
      EXPECT_TRUE((*b)->AppendArraySlice(values, idx, 1).ok());
    }
  }
  return testing::FinishOrDie(**b);
}

TEST(TakeTest, Int32WithNullsAndRepeats) {
  auto values = Int32s({10, 20, 30, 40}, "1011");
  auto taken = Take(*values, std::vector<int64_t>{3, 1, 0, 3, -1, 2});
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  ExpectArrayEq(*Int32s({40, 0, 10, 40, 0, 30}, "101101"), **taken);
}

TEST(TakeTest, StringsOfASlice) {
  auto values = Strings({"zero", "", "two", "three", "four"}, "11011")->Slice(1, 4);
  auto taken = Take(*values, std::vector<int64_t>{2, 0, 1, 3, 3});
  ASSERT_TRUE(taken.ok());
  ExpectArrayEq(*Strings({"three", "", "", "four", "four"}, "11011"), **taken);
}

TEST(TakeTest, FilterKeepsOrder) {
  auto values = Strings({"a", "b", "c", "d", "e"});
  auto taken = Filter(*values, Bits("10110")->data());
  ASSERT_TRUE(taken.ok());
  ExpectArrayEq(*Strings({"a", "c", "d"}), **taken);
  // Selection bits read from an offset.
  auto shifted = Filter(*values, Bits("00001101")->data(), 3);
  ASSERT_TRUE(shifted.ok());
  ExpectArrayEq(*Strings({"b", "c", "e"}), **shifted);
}

TEST(TakeTest, StructOfSliceWithNullParent) {
  auto x = Int32s({1, 2, 3, 4});
  auto y = Strings({"p", "q", "r", "s"}, "1101");
  auto st = testing::MakeData(struct_({MakeField("x", int32()), MakeField("y", utf8())}), 4,
                              {Bits("1011")}, 1, {x, y});
  auto sliced = st->Slice(1, 3);  // slots q(null parent), r(null y), s
  auto taken = Take(*sliced, std::vector<int64_t>{2, 0, -1, 1});
  ASSERT_TRUE(taken.ok());
  auto ex = testing::MakeData(st->type, 4, {Bits("1001")}, 2,
                              {Int32s({4, 2, 0, 3}, "1101"), Strings({"s", "q", "", ""}, "1100")});
  ExpectArrayEq(*ex, **taken);
}

TEST(TakeTest, DictionaryDecodes) {
  auto dict = Strings({"x", "y", "z"});
  auto arr =
      testing::MakeData(dictionary(int32(), utf8()), 4,
                        {Bits("1011"), testing::BufferOf(std::vector<int32_t>{2, 9, 0, 2})}, 1);
  arr->dictionary = dict;
  auto decoded = DecodeDictionary(*arr);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectArrayEq(*Strings({"z", "", "x", "z"}, "1011"), **decoded);

  auto bad = testing::MakeData(dictionary(int32(), utf8()), 1,
                               {nullptr, testing::BufferOf(std::vector<int32_t>{3})});
  bad->dictionary = dict;
  auto r = DecodeDictionary(*bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("index 3 at slot 0"), std::string::npos)
      << r.status().ToString();
}

TEST(TakeTest, OutOfRangeIndexIsAnError) {
  auto values = Int32s({1, 2});
  auto r = Take(*values, std::vector<int64_t>{0, 2});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "take: index 2 at position 1 is out of range for an array of length 2");
  EXPECT_FALSE(Take(*values, std::vector<int64_t>{-2}).ok());
}

TEST(TakeTest, EveryTypeMatchesBuilderSlices) {
  for (const DataTypePtr& type : testing::AllTypes()) {
    SCOPED_TRACE(type->ToString());
    for (uint32_t seed = 1; seed <= 3; ++seed) {
      ArrayDataPtr full = RandomArray(type, 40, seed);
      ASSERT_NE(full, nullptr);
      ArrayDataPtr values = full->Slice(3, 31);
      std::mt19937 rng(seed * 7);
      std::vector<int64_t> idx;
      for (int i = 0; i < 50; ++i) {
        idx.push_back(rng() % 8 == 0 ? -1 : static_cast<int64_t>(rng() % 31));
      }
      auto taken = Take(*values, idx);
      ASSERT_TRUE(taken.ok()) << taken.status().ToString();
      ExpectArrayEq(*ExpectedTake(*values, idx), **taken);

      std::vector<int64_t> none;
      auto empty = Take(*values, none);
      ASSERT_TRUE(empty.ok());
      EXPECT_EQ((*empty)->length, 0);

      // Filter = Take of the selected positions.
      std::string pattern;
      std::vector<int64_t> selected;
      for (int64_t i = 0; i < values->length; ++i) {
        const bool on = rng() % 3 != 0;
        pattern += on ? '1' : '0';
        if (on) selected.push_back(i);
      }
      auto filtered = Filter(*values, Bits(pattern)->data());
      ASSERT_TRUE(filtered.ok());
      ExpectArrayEq(*ExpectedTake(*values, selected), **filtered);
    }
  }
}

TEST(TakeTest, RecordBatch) {
  auto schema = std::make_shared<Schema>(
      std::vector<FieldPtr>{MakeField("a", int32()), MakeField("b", utf8())});
  RecordBatch batch(schema, 3, {Int32s({1, 2, 3}), Strings({"x", "y", "z"}, "101")});
  auto out = FilterRecordBatch(batch, Bits("011")->data());
  ASSERT_TRUE(out.ok());
  RecordBatch expected(schema, 2, {Int32s({2, 3}), Strings({"", "z"}, "01")});
  std::string diff;
  EXPECT_TRUE(RecordBatchEquals(expected, **out, false, &diff)) << diff;
  const int64_t bad[] = {3};
  EXPECT_FALSE(TakeRecordBatch(batch, bad, 1).ok());
}

}  // namespace
}  // namespace lanceflow::arrow
