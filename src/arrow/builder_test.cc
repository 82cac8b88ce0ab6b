#include "lanceflow/arrow/builder.h"

#include <gtest/gtest.h>

#include "array_testing.h"
#include "lanceflow/arrow/compare.h"

namespace lanceflow::arrow {
namespace {

using testing::Bits;
using testing::BufferOf;
using testing::FinishOrDie;
using testing::Int32s;
using testing::MakeData;
using testing::AllTypes;
using testing::RandomArray;
using testing::Strings;

std::string_view StringAt(const ArrayData& a, int64_t i) {
  const int32_t* o = a.offsets<int32_t>();
  return {reinterpret_cast<const char*>(a.buffers[2]->data()) + o[i],
          static_cast<size_t>(o[i + 1] - o[i])};
}

TEST(BuilderTest, FixedWidthAppendsValuesAndNulls) {
  Int64Builder b(int64());
  b.Append(5);
  b.AppendNull();
  b.Append(-7);
  b.AppendNulls(2);
  b.Append(std::numeric_limits<int64_t>::min());
  EXPECT_EQ(b.length(), 6);
  EXPECT_EQ(b.null_count(), 3);
  ArrayDataPtr a = FinishOrDie(b);
  ASSERT_TRUE(ValidateArray(*a).ok());
  EXPECT_EQ(a->length, 6);
  EXPECT_EQ(a->null_count, 3);
  EXPECT_EQ(a->values<int64_t>()[0], 5);
  EXPECT_EQ(a->values<int64_t>()[2], -7);
  EXPECT_EQ(a->values<int64_t>()[5], std::numeric_limits<int64_t>::min());
  for (int i : {1, 3, 4}) EXPECT_TRUE(a->IsNull(i)) << i;
  for (int i : {0, 2, 5}) EXPECT_TRUE(a->IsValid(i)) << i;
  // The builder is empty and reusable after Finish.
  EXPECT_EQ(b.length(), 0);
  b.Append(1);
  ArrayDataPtr again = FinishOrDie(b);
  EXPECT_EQ(again->length, 1);
  EXPECT_EQ(again->null_count, 0);
  EXPECT_EQ(again->buffers[0], nullptr);
}

TEST(BuilderTest, NoValidityBufferWithoutNulls) {
  Float64Builder b(float64());
  for (int i = 0; i < 100; ++i) b.Append(i * 0.5);
  ArrayDataPtr a = FinishOrDie(b);
  EXPECT_EQ(a->buffers[0], nullptr);
  EXPECT_EQ(a->null_count, 0);
  EXPECT_EQ(a->values<double>()[99], 49.5);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a->buffers[1]->data()) % 64, 0u);
}

TEST(BuilderTest, FirstNullLateMaterialisesEarlierValidBits) {
  Int32Builder b(int32());
  for (int i = 0; i < 77; ++i) b.Append(i);
  b.AppendNull();
  b.Append(78);
  ArrayDataPtr a = FinishOrDie(b);
  ASSERT_TRUE(ValidateArray(*a).ok());
  EXPECT_EQ(CountNulls(*a), 1);
  for (int i = 0; i < 79; ++i) EXPECT_EQ(a->IsValid(i), i != 77) << i;
}

TEST(BuilderTest, BulkAppendWithUnalignedBitmap) {
  std::vector<int16_t> values(50);
  for (int i = 0; i < 50; ++i) values[static_cast<size_t>(i)] = static_cast<int16_t>(i * 3);
  // Validity bits start at bit 5 of this bitmap: slot i is valid when i % 4 != 1.
  std::string pattern(5, '0');
  for (int i = 0; i < 50; ++i) pattern += (i % 4 != 1) ? '1' : '0';
  BufferPtr bitmap = Bits(pattern);
  Int16Builder b(int16());
  b.Append(-1);
  b.AppendValues(values.data(), 50, bitmap->data(), 5);
  b.AppendValues(values.data(), 3);  // no bitmap: all valid
  ArrayDataPtr a = FinishOrDie(b);
  ASSERT_TRUE(ValidateArray(*a).ok());
  ASSERT_EQ(a->length, 54);
  EXPECT_EQ(a->null_count, 13);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(a->IsValid(1 + i), i % 4 != 1) << i;
    EXPECT_EQ(a->values<int16_t>()[1 + i], i * 3);
  }
  EXPECT_TRUE(a->IsValid(53));
}

TEST(BuilderTest, AppendForWriteAndValidBytes) {
  UInt32Builder b(uint32());
  uint32_t* out = b.AppendForWrite(4);
  for (uint32_t i = 0; i < 4; ++i) out[i] = 10 + i;
  const uint8_t valid[] = {1, 0, 1};
  const uint32_t more[] = {7, 8, 9};
  b.AppendValuesWithValidBytes(more, 3, valid);
  ArrayDataPtr a = FinishOrDie(b);
  ASSERT_EQ(a->length, 7);
  EXPECT_EQ(a->values<uint32_t>()[3], 13u);
  EXPECT_EQ(a->values<uint32_t>()[6], 9u);
  EXPECT_TRUE(a->IsNull(5));
  EXPECT_EQ(a->null_count, 1);
}

TEST(BuilderTest, DecimalsAndFloat16) {
  Decimal128Builder d(decimal128(20, 2));
  d.Append(Decimal128::FromInt64(-12345));
  d.AppendNull();
  ArrayDataPtr a = FinishOrDie(d);
  ASSERT_TRUE(ValidateArray(*a).ok());
  EXPECT_EQ(a->values<Decimal128>()[0], Decimal128::FromInt64(-12345));
  EXPECT_EQ(a->values<Decimal128>()[0].words[1], ~uint64_t{0});
  Decimal256Builder d2(decimal256(40, 0));
  d2.Append(Decimal256::FromInt64(7));
  ArrayDataPtr a2 = FinishOrDie(d2);
  ASSERT_TRUE(ValidateArray(*a2).ok());
  EXPECT_EQ(a2->buffers[1]->size(), 32);
  UInt16Builder h(float16());
  h.Append(0x3C00);  // 1.0
  ArrayDataPtr a3 = FinishOrDie(h);
  EXPECT_EQ(a3->type->id(), TypeId::kFloat16);
  EXPECT_EQ(a3->values<uint16_t>()[0], 0x3C00);
}

TEST(BuilderTest, Boolean) {
  BooleanBuilder b;
  b.Append(true);
  b.Append(false);
  b.AppendNull();
  const uint8_t bytes[] = {1, 1, 0, 1};
  b.AppendValueBytes(bytes, 4);
  BufferPtr bits = Bits("0001011");  // values start at bit 3: 1 0 1 1
  b.AppendValues(bits->data(), 3, 4, Bits("1011")->data(), 0);
  ArrayDataPtr a = FinishOrDie(b);
  ASSERT_TRUE(ValidateArray(*a).ok());
  const std::string expect_values = "10011011011";
  const std::string expect_valid = "11011111011";
  ASSERT_EQ(a->length, 11);
  for (int i = 0; i < 11; ++i) {
    EXPECT_EQ(a->IsValid(i), expect_valid[i] == '1') << i;
    if (a->IsValid(i)) {
      EXPECT_EQ(GetBit(a->buffers[1]->data(), i), expect_values[i] == '1') << i;
    }
  }
  EXPECT_EQ(a->null_count, 2);
}

TEST(BuilderTest, BinaryAndStrings) {
  StringBuilder b(utf8());
  b.Append("hello");
  b.AppendNull();
  b.Append("");
  b.Append(std::string_view("wörld"));
  // Bulk: offsets with a non-zero base into a larger blob, and int64 input offsets.
  const std::string blob = "xxabcdefg";
  const int64_t offsets[] = {2, 4, 4, 9};  // "ab", "", "cdefg"
  b.AppendValues(offsets, reinterpret_cast<const uint8_t*>(blob.data()), 3, Bits("101")->data(), 0);
  ArrayDataPtr a = FinishOrDie(b);
  ASSERT_TRUE(ValidateArray(*a).ok());
  ASSERT_EQ(a->length, 7);
  EXPECT_EQ(StringAt(*a, 0), "hello");
  EXPECT_TRUE(a->IsNull(1));
  EXPECT_EQ(StringAt(*a, 1), "");
  EXPECT_EQ(StringAt(*a, 2), "");
  EXPECT_EQ(StringAt(*a, 3), "wörld");
  EXPECT_EQ(StringAt(*a, 4), "ab");
  EXPECT_TRUE(a->IsNull(5));
  EXPECT_EQ(StringAt(*a, 6), "cdefg");
  EXPECT_EQ(a->offsets<int32_t>()[0], 0);

  LargeBinaryBuilder lb(large_binary());
  lb.Append(std::string("\0\1\2", 3));
  lb.AppendNulls(2);
  ArrayDataPtr la = FinishOrDie(lb);
  ASSERT_TRUE(ValidateArray(*la).ok());
  EXPECT_EQ(la->offsets<int64_t>()[3], 3);
  EXPECT_EQ(la->null_count, 2);
}

TEST(BuilderTest, FixedSizeBinary) {
  FixedSizeBinaryBuilder b(fixed_size_binary(3));
  b.Append("abc");
  b.AppendNull();
  b.AppendValues(reinterpret_cast<const uint8_t*>("defghi"), 2);
  ArrayDataPtr a = FinishOrDie(b);
  ASSERT_TRUE(ValidateArray(*a).ok());
  EXPECT_EQ(a->buffers[1]->view(), std::string_view("abc\0\0\0defghi", 12));
  EXPECT_TRUE(a->IsNull(1));
}

TEST(BuilderTest, ZeroWidthFixedSizeBinaryNeedsNoValues) {
  auto a = MakeData(fixed_size_binary(0), 3, {Bits("101"), nullptr}, 1);
  ASSERT_TRUE(ValidateArray(*a).ok());
  auto r = ConcatenateArrays({a, a->Slice(1, 2)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(ValidateArray(**r).ok());
  EXPECT_EQ((*r)->length, 5);
  EXPECT_EQ((*r)->null_count, 2);
  EXPECT_TRUE(ArrayEquals(*(*r)->Slice(3, 2), *a->Slice(1, 2)));
}

TEST(BuilderTest, ListsOfLists) {
  // list<list<int32>>: [[1,2],[]], null, [[3]], []
  auto inner_type = list(int32());
  ListBuilder outer(list(inner_type), std::make_unique<ListBuilder>(
                                          inner_type, std::make_unique<Int32Builder>(int32())));
  auto* inner = static_cast<ListBuilder*>(outer.value_builder());
  auto* ints = static_cast<Int32Builder*>(inner->value_builder());
  outer.Append();
  inner->Append();
  ints->Append(1);
  ints->Append(2);
  inner->Append();
  outer.AppendNull();
  outer.Append();
  inner->Append();
  ints->Append(3);
  outer.Append();
  ArrayDataPtr a = FinishOrDie(outer);
  ASSERT_TRUE(ValidateArray(*a).ok()) << ValidateArray(*a).ToString();
  ASSERT_EQ(a->length, 4);
  const int32_t* o = a->offsets<int32_t>();
  EXPECT_EQ(std::vector<int32_t>(o, o + 5), (std::vector<int32_t>{0, 2, 2, 3, 3}));
  EXPECT_TRUE(a->IsNull(1));
  const ArrayData& in = *a->children[0];
  const int32_t* io = in.offsets<int32_t>();
  EXPECT_EQ(std::vector<int32_t>(io, io + 4), (std::vector<int32_t>{0, 2, 2, 3}));
  EXPECT_EQ(in.children[0]->values<int32_t>()[2], 3);
}

TEST(BuilderTest, ListBulkOffsetsAndConsistencyCheck) {
  LargeListBuilder b(large_list(utf8()), std::make_unique<StringBuilder>(utf8()));
  const int32_t offsets[] = {10, 12, 12, 13};  // lengths 2, 0, 1
  b.AppendOffsets(offsets, 3, Bits("110")->data(), 0);
  auto* s = static_cast<StringBuilder*>(b.value_builder());
  s->Append("a");
  s->Append("b");
  s->Append("c");
  ArrayDataPtr a = FinishOrDie(b);
  ASSERT_TRUE(ValidateArray(*a).ok());
  const int64_t* o = a->offsets<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(o, o + 4), (std::vector<int64_t>{0, 2, 2, 3}));
  EXPECT_TRUE(a->IsNull(2));
  // Offsets announcing items that never come are an error, not a corrupt array.
  b.AppendOffsets(offsets, 3);
  auto r = b.Finish();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("only 0 items were appended"), std::string::npos);
}

TEST(BuilderTest, FixedSizeListNullsFillTheChild) {
  FixedSizeListBuilder b(fixed_size_list(float32(), 3),
                         std::make_unique<Float32Builder>(float32()));
  auto* v = static_cast<Float32Builder*>(b.value_builder());
  b.Append();
  const float xs[] = {1, 2, 3};
  v->AppendValues(xs, 3);
  b.AppendNull();
  ArrayDataPtr a = FinishOrDie(b);
  ASSERT_TRUE(ValidateArray(*a).ok());
  EXPECT_EQ(a->children[0]->length, 6);
  EXPECT_TRUE(a->IsNull(1));
  b.Append();
  v->Append(1);
  auto r = b.Finish();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("1 items appended, expected 3"), std::string::npos);
}

TEST(BuilderTest, StructNullsReachEveryField) {
  auto type = struct_({MakeField("a", int32()), MakeField("b", utf8())});
  std::vector<std::unique_ptr<ArrayBuilder>> fields;
  fields.push_back(std::make_unique<Int32Builder>(int32()));
  fields.push_back(std::make_unique<StringBuilder>(utf8()));
  StructBuilder b(type, std::move(fields));
  b.Append();
  static_cast<Int32Builder*>(b.field_builder(0))->Append(1);
  static_cast<StringBuilder*>(b.field_builder(1))->Append("x");
  b.AppendNull();
  ArrayDataPtr a = FinishOrDie(b);
  ASSERT_TRUE(ValidateArray(*a).ok());
  EXPECT_EQ(a->children[0]->length, 2);
  EXPECT_EQ(a->children[1]->length, 2);
  EXPECT_TRUE(a->IsNull(1));
  b.Append();
  static_cast<Int32Builder*>(b.field_builder(0))->Append(1);
  auto r = b.Finish();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("field 'b' has 0 values, the struct 1 slots"),
            std::string::npos);
}

TEST(BuilderTest, DictionaryFromIndicesAndDictionary) {
  auto type = dictionary(int8(), utf8());
  DictionaryBuilder<int8_t> b(type);
  b.SetDictionary(Strings({"red", "green"}));
  b.Append(1);
  b.AppendNull();
  const int8_t idx[] = {0, 0, 1};
  b.AppendIndices(idx, 3);
  ArrayDataPtr a = FinishOrDie(b);
  ASSERT_TRUE(ValidateArray(*a).ok());
  EXPECT_EQ(a->dictionary->length, 2);
  EXPECT_EQ(a->values<int8_t>()[4], 1);
  // Without a dictionary, Finish gives an empty one (fine for all-null indices).
  b.AppendNulls(2);
  ArrayDataPtr nulls = FinishOrDie(b);
  ASSERT_TRUE(ValidateArray(*nulls).ok());
  EXPECT_EQ(nulls->dictionary->length, 0);
}

TEST(MakeBuilderTest, EveryTypeBuildsValidArrays) {
  for (const DataTypePtr& type : AllTypes()) {
    SCOPED_TRACE(type->ToString());
    ArrayDataPtr a = RandomArray(type, 40, 7);
    ASSERT_NE(a, nullptr);
    EXPECT_TRUE(a->type->Equals(*type));
    EXPECT_EQ(a->length, 40);
    Status st = ValidateArray(*a);
    EXPECT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(a->null_count, CountNulls(*a));
  }
  auto bad = MakeBuilder(decimal128(50, 0));
  EXPECT_FALSE(bad.ok());
  EXPECT_FALSE(MakeBuilder(nullptr).ok());
  // Concrete classes are the documented typed builders.
  EXPECT_NE(dynamic_cast<Int32Builder*>(MakeBuilder(date32())->get()), nullptr);
  EXPECT_NE(dynamic_cast<Int64Builder*>(MakeBuilder(timestamp(TimeUnit::kNano))->get()), nullptr);
  EXPECT_NE(dynamic_cast<UInt16Builder*>(MakeBuilder(float16())->get()), nullptr);
  EXPECT_NE(dynamic_cast<DictionaryBuilder<int16_t>*>(
                MakeBuilder(dictionary(int16(), utf8()))->get()),
            nullptr);
}

TEST(ConcatenateTest, EveryTypeMatchesSlotBySlot) {
  for (const DataTypePtr& type : AllTypes()) {
    SCOPED_TRACE(type->ToString());
    ArrayDataPtr x = RandomArray(type, 37, 1);
    ArrayDataPtr y = RandomArray(type, 20, 2);
    // Sliced inputs exercise offsets at odd bit positions.
    ArrayDataPtr xs = x->Slice(3, 30);
    ArrayDataPtr ys = y->Slice(11, 9);
    auto r = ConcatenateArrays({xs, ys, x->Slice(0, 0)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const ArrayData& c = **r;
    Status st = ValidateArray(c);
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_EQ(c.length, 39);
    std::string why;
    EXPECT_TRUE(ArrayEquals(*c.Slice(0, 30), *xs, &why)) << why;
    EXPECT_TRUE(ArrayEquals(*c.Slice(30, 9), *ys, &why)) << why;
    EXPECT_EQ(c.offset, 0);
  }
}

TEST(ConcatenateTest, SharedDictionaryIsKeptAndOthersAreAppended) {
  auto type = dictionary(int8(), utf8());
  auto dict = Strings({"a", "b"});
  auto make = [&](std::vector<int8_t> idx, ArrayDataPtr d) {
    auto a = MakeData(type, static_cast<int64_t>(idx.size()), {nullptr, BufferOf(idx)});
    a->dictionary = std::move(d);
    return a;
  };
  auto r = ConcatenateArrays({make({0, 1}, dict), make({1, 1}, dict)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->dictionary, dict);
  auto other = Strings({"c"});
  auto r2 = ConcatenateArrays({make({0, 1}, dict), make({0}, other), make({1}, dict)});
  ASSERT_TRUE(r2.ok());
  ASSERT_TRUE(ValidateArray(**r2).ok());
  EXPECT_EQ((*r2)->dictionary->length, 3);
  EXPECT_EQ((*r2)->values<int8_t>()[2], 2);  // "c" moved behind "a", "b"
  EXPECT_TRUE(ArrayEquals(*(*r2)->Slice(3, 1), *make({1}, dict)));
  // 130 distinct dictionaries of one value cannot be addressed by int8 indices.
  std::vector<ArrayDataPtr> many;
  for (int i = 0; i < 130; ++i) many.push_back(make({0}, Strings({std::to_string(i)})));
  auto r3 = ConcatenateArrays(many);
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.status().code(), StatusCode::kOutOfRange);
}

TEST(ConcatenateTest, Errors) {
  EXPECT_FALSE(ConcatenateArrays({}).ok());
  auto r = ConcatenateArrays({Int32s({1}), Strings({"a"})});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot concatenate int32 with string"), std::string::npos);
  auto one = Int32s({1, 2});
  EXPECT_EQ(*ConcatenateArrays({one}), one);
}

TEST(MakeArrayOfNullsTest, EveryType) {
  for (const DataTypePtr& type : AllTypes()) {
    SCOPED_TRACE(type->ToString());
    auto r = MakeArrayOfNulls(type, 13);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    Status st = ValidateArray(**r);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ((*r)->length, 13);
    EXPECT_EQ((*r)->null_count, 13);
    for (int i = 0; i < 13; ++i) EXPECT_TRUE((*r)->IsNull(i));
    auto empty = MakeEmptyArray(type);
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(ValidateArray(**empty).ok());
    EXPECT_EQ((*empty)->length, 0);
  }
  EXPECT_FALSE(MakeArrayOfNulls(int32(), -1).ok());
}

TEST(CompareTest, DetectsDifferences) {
  std::string why;
  EXPECT_TRUE(ArrayEquals(*Int32s({1, 2, 3}, "101"), *Int32s({1, 9, 3}, "101")));  // under null
  EXPECT_FALSE(ArrayEquals(*Int32s({1, 2, 3}), *Int32s({1, 2, 4}), &why));
  EXPECT_EQ(why, "slot 2: values differ");
  EXPECT_FALSE(ArrayEquals(*Int32s({1, 2}), *Int32s({1, 2}, "10"), &why));
  EXPECT_FALSE(ArrayEquals(*Int32s({1}), *Strings({"a"}), &why));
  EXPECT_FALSE(ArrayEquals(*Strings({"a", "b"}), *Strings({"a", "c"}), &why));
  EXPECT_TRUE(ArrayEquals(*Strings({"x", "a", "b"})->Slice(1, 2), *Strings({"a", "b"})));
}

}  // namespace
}  // namespace lanceflow::arrow
