#include "lanceflow/arrow/array.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "array_testing.h"
#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/arrow/builder.h"
#include "lanceflow/arrow/c_data.h"
#include "lanceflow/arrow/compare.h"
#include "lanceflow/arrow/decimal.h"
#include "lanceflow/arrow/json_writer.h"
#include "lanceflow/arrow/utf8.h"

namespace lanceflow::arrow {
namespace {

using testing::Bits;
using testing::BufferOf;
using testing::Int32s;
using testing::MakeData;
using testing::Strings;

constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();

// Expects a kCorrupt error whose message contains every one of `parts`.
void ExpectCorrupt(const Status& st, std::initializer_list<std::string_view> parts) {
  ASSERT_FALSE(st.ok()) << "expected an error containing '" << *parts.begin() << "'";
  EXPECT_EQ(st.code(), StatusCode::kCorrupt) << st.ToString();
  for (std::string_view p : parts) {
    EXPECT_NE(st.message().find(p), std::string::npos)
        << "message '" << st.message() << "' lacks '" << p << "'";
  }
}

// ------------------------------------------------------------------------------------------
// Bitmaps and UTF-8

TEST(BitmapTest, CountAndCopyAtUnalignedOffsets) {
  // 70 bits with a known pattern: bit i set when i % 3 == 0.
  std::vector<uint8_t> src(9, 0);
  for (int i = 0; i < 70; ++i) {
    if (i % 3 == 0) SetBit(src.data(), i);
  }
  for (int off = 0; off < 10; ++off) {
    for (int len : {0, 1, 7, 8, 9, 33, 60}) {
      int64_t expected = 0;
      for (int i = off; i < off + len; ++i) expected += i % 3 == 0;
      EXPECT_EQ(CountSetBits(src.data(), off, len), expected) << off << " " << len;
      for (int dst_off : {0, 3, 8, 13}) {
        std::vector<uint8_t> dst(12, 0xAA);
        CopyBitmap(src.data(), off, dst.data(), dst_off, len);
        for (int i = 0; i < 96; ++i) {
          bool want = (i >= dst_off && i < dst_off + len) ? ((i - dst_off + off) % 3 == 0)
                                                         : ((0xAA >> (i & 7)) & 1);
          ASSERT_EQ(GetBit(dst.data(), i), want) << off << " " << len << " " << dst_off << " " << i;
        }
      }
    }
  }
}

TEST(Utf8Test, WellFormedness) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii text that is longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80"));  // é 中 😀
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));                      // U+10FFFF
  EXPECT_TRUE(IsValidUtf8("\xed\x9f\xbf"));                          // U+D7FF
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));                             // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));                         // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));                         // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));                     // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("abc\xe2\x82"));                          // truncated
  EXPECT_FALSE(IsValidUtf8("\x80"));                                 // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("12345678\xf5\x80\x80\x80"));
}

// ------------------------------------------------------------------------------------------
// Slice and CountNulls

TEST(ArrayDataTest, SliceKeepsBuffersAndShiftsOffset) {
  auto a = Int32s({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "1101111011");
  ASSERT_TRUE(ValidateArray(*a).ok());
  EXPECT_EQ(CountNulls(*a), 2);
  ArrayDataPtr s = a->Slice(2, 5);  // values 3..7, validity 01111
  EXPECT_EQ(s->offset, 2);
  EXPECT_EQ(s->length, 5);
  EXPECT_EQ(s->null_count, -1);
  EXPECT_EQ(s->buffers[1], a->buffers[1]);  // zero copy
  EXPECT_EQ(CountNulls(*s), 1);
  EXPECT_TRUE(s->IsNull(0));
  EXPECT_EQ(s->values<int32_t>()[4], 7);
  ASSERT_TRUE(ValidateArray(*s).ok());
  ArrayDataPtr ss = s->Slice(3, 100);  // clamped to the 2 remaining slots
  EXPECT_EQ(ss->offset, 5);
  EXPECT_EQ(ss->length, 2);
  EXPECT_EQ(ss->values<int32_t>()[0], 6);
  EXPECT_TRUE(ss->IsValid(1));
  EXPECT_TRUE(a->Slice(6, 3)->IsNull(1));  // slot 7 of the original
  EXPECT_EQ(CountNulls(*a->Slice(6, 3)), 1);
  EXPECT_EQ(a->Slice(-5, 3)->offset, 0);
  EXPECT_EQ(a->Slice(20, 3)->length, 0);
  // No validity buffer: null count stays exact.
  EXPECT_EQ(Int32s({1, 2, 3})->Slice(1, 1)->null_count, 0);
}

TEST(ArrayDataTest, NullTypeCountsEverySlot) {
  auto a = MakeData(null(), 4, {}, 4);
  EXPECT_EQ(CountNulls(*a), 4);
  EXPECT_TRUE(a->IsNull(2));
  EXPECT_TRUE(ValidateArray(*a).ok());
  EXPECT_EQ(a->Slice(1, 2)->null_count, 2);
  ExpectCorrupt(ValidateArray(*MakeData(null(), 4, {}, 1)), {"null count 1", "length 4"});
  ExpectCorrupt(ValidateArray(*MakeData(null(), 4, {nullptr}, 4)), {"1 buffers, expected 0"});
}

// ------------------------------------------------------------------------------------------
// ValidateArray: every kind of corruption

TEST(ValidateTest, AcceptsWellFormedArrays) {
  EXPECT_TRUE(ValidateArray(*Int32s({1, 2, 3}, "101")).ok());
  EXPECT_TRUE(ValidateArray(*Strings({"a", "", "héllo"}, "110")).ok());
  // An empty utf8 array may have a null or empty offsets buffer (Arrow IPC writers emit those).
  EXPECT_TRUE(ValidateArray(*MakeData(utf8(), 0, {nullptr, nullptr, nullptr})).ok());
  EXPECT_TRUE(ValidateArray(*MakeData(utf8(), 0, {nullptr, Buffer::CopyOf(""), nullptr})).ok());
  // A utf8 array of empty strings needs no data buffer.
  EXPECT_TRUE(
      ValidateArray(*MakeData(utf8(), 2, {nullptr, BufferOf<int32_t>({0, 0, 0}), nullptr})).ok());
}

TEST(ValidateTest, BufferCount) {
  ExpectCorrupt(ValidateArray(*MakeData(int32(), 1, {nullptr})), {"1 buffers, expected 2"});
  ExpectCorrupt(ValidateArray(*MakeData(utf8(), 0, {nullptr, nullptr})), {"expected 3"});
}

TEST(ValidateTest, ShortValuesBuffer) {
  auto a = MakeData(int32(), 3, {nullptr, BufferOf<int32_t>({1, 2})});
  ExpectCorrupt(ValidateArray(*a), {"int32 array", "values buffer has 8 bytes, needs 12"});
  // The offset counts too.
  auto b = MakeData(int64(), 2, {nullptr, BufferOf<int64_t>({1, 2})});
  b->offset = 1;
  ExpectCorrupt(ValidateArray(*b), {"needs 24", "offset 1"});
  ExpectCorrupt(ValidateArray(*MakeData(int32(), 3, {nullptr, nullptr})),
                {"values buffer is missing"});
  ExpectCorrupt(ValidateArray(*MakeData(boolean(), 9, {nullptr, Bits("11111111")})),
                {"values buffer has 1 bytes, needs 2"});
  ExpectCorrupt(
      ValidateArray(*MakeData(fixed_size_binary(3), 2, {nullptr, Buffer::CopyOf("abcde")})),
      {"needs 6"});
  ExpectCorrupt(ValidateArray(*MakeData(decimal128(10, 2), 1,
                                        {nullptr, Buffer::CopyOf(std::string(8, '\0'))})),
                {"needs 16"});
}

TEST(ValidateTest, ShortValidityBuffer) {
  auto a = MakeData(int32(), 9, {Bits("111"), BufferOf<int32_t>(std::vector<int32_t>(9, 0))}, -1);
  ExpectCorrupt(ValidateArray(*a), {"validity buffer has 1 bytes, needs 2"});
}

TEST(ValidateTest, OverflowingOffsetAndLength) {
  auto a = MakeData(int32(), 5, {nullptr, BufferOf<int32_t>({1, 2, 3, 4, 5})});
  a->offset = kMax64 - 2;
  ExpectCorrupt(ValidateArray(*a), {"offset + length overflows"});
  // offset + length fits but (offset + length) * 8 does not.
  auto b = MakeData(int64(), 1, {nullptr, BufferOf<int64_t>({1})});
  b->offset = kMax64 / 4;
  ExpectCorrupt(ValidateArray(*b), {"overflows the values buffer size"});
  // Same for offsets and fixed_size_list.
  auto c = Strings({"a"});
  c->offset = kMax64 / 2;
  ExpectCorrupt(ValidateArray(*c), {"overflows"});
  auto child = Int32s({1, 2, 3, 4});
  auto d = MakeData(fixed_size_list(int32(), 1 << 30), 1, {nullptr}, 0, {child});
  d->offset = kMax64 / 1024;
  ExpectCorrupt(ValidateArray(*d), {"overflows"});
  auto e = MakeData(int32(), -1, {nullptr, BufferOf<int32_t>({1})});
  ExpectCorrupt(ValidateArray(*e), {"negative length -1"});
  auto f = Int32s({1});
  f->offset = -1;
  ExpectCorrupt(ValidateArray(*f), {"negative offset"});
}

TEST(ValidateTest, NullCount) {
  auto a = Int32s({1, 2, 3}, "101");
  a->null_count = 4;
  ExpectCorrupt(ValidateArray(*a), {"null count 4 outside 0..length (3)"});
  a->null_count = 2;  // the bitmap has 1 null
  ExpectCorrupt(ValidateArray(*a, true), {"null count 2 but the validity bitmap has 1 nulls"});
  EXPECT_TRUE(ValidateArray(*a, false).ok());  // only a full validation counts bits
  a->null_count = -1;
  EXPECT_TRUE(ValidateArray(*a).ok());
  auto b = Int32s({1, 2, 3});
  b->null_count = 1;
  ExpectCorrupt(ValidateArray(*b, false), {"without a validity buffer"});
}

TEST(ValidateTest, Offsets) {
  auto decreasing = MakeData(utf8(), 3, {nullptr, BufferOf<int32_t>({0, 4, 2, 6}),
                                         Buffer::CopyOf("abcdef")});
  ExpectCorrupt(ValidateArray(*decreasing, false), {"offsets decrease at slot 1 (4 then 2)"});
  auto negative = MakeData(binary(), 1, {nullptr, BufferOf<int32_t>({-1, 2}),
                                         Buffer::CopyOf("ab")});
  ExpectCorrupt(ValidateArray(*negative, false), {"first offset -1 is negative"});
  auto beyond = MakeData(large_binary(), 2, {nullptr, BufferOf<int64_t>({0, 2, 7}),
                                             Buffer::CopyOf("abcdef")});
  ExpectCorrupt(ValidateArray(*beyond, false), {"last offset 7 is beyond the data buffer (6)"});
  auto short_offsets = MakeData(utf8(), 3, {nullptr, BufferOf<int32_t>({0, 1, 2}),
                                            Buffer::CopyOf("abc")});
  ExpectCorrupt(ValidateArray(*short_offsets, false), {"offsets buffer has 12 bytes, needs 16"});
  // An empty array with an offsets entry still has it checked.
  auto empty_bad = MakeData(utf8(), 0, {nullptr, BufferOf<int32_t>({5}), nullptr});
  ExpectCorrupt(ValidateArray(*empty_bad, false), {"last offset 5 is beyond"});
  // Slicing moves the window: offsets outside it do not matter.
  auto sliced = MakeData(utf8(), 1, {nullptr, BufferOf<int32_t>({9, 0, 2}),
                                     Buffer::CopyOf("ab")});
  sliced->offset = 1;
  EXPECT_TRUE(ValidateArray(*sliced).ok());
}

TEST(ValidateTest, Lists) {
  auto items = Int32s({1, 2, 3});
  auto good = MakeData(list(int32()), 2, {nullptr, BufferOf<int32_t>({0, 1, 3})}, 0, {items});
  EXPECT_TRUE(ValidateArray(*good).ok());
  auto beyond = MakeData(list(int32()), 2, {nullptr, BufferOf<int32_t>({0, 1, 4})}, 0, {items});
  ExpectCorrupt(ValidateArray(*beyond),
                {"list array", "last offset 4 is beyond the child length (3)"});
  auto no_child = MakeData(list(int32()), 0, {nullptr, nullptr});
  ExpectCorrupt(ValidateArray(*no_child), {"0 children, expected 1"});
  auto wrong_type = MakeData(large_list(int64()), 1, {nullptr, BufferOf<int64_t>({0, 1})}, 0,
                             {items});
  ExpectCorrupt(ValidateArray(*wrong_type), {"child 0 has type int32, the type says int64"});
  // Fixed-size lists need (offset + length) * size child slots.
  auto fsl = MakeData(fixed_size_list(int32(), 2), 2, {nullptr}, 0, {items});
  ExpectCorrupt(ValidateArray(*fsl), {"child 0 has 3 slots, needs 4"});
  auto fsl_ok = MakeData(fixed_size_list(int32(), 3), 1, {nullptr}, 0, {items});
  EXPECT_TRUE(ValidateArray(*fsl_ok).ok());
  fsl_ok->offset = 1;
  ExpectCorrupt(ValidateArray(*fsl_ok), {"needs 6"});
}

TEST(ValidateTest, Structs) {
  auto type = struct_({MakeField("a", int32()), MakeField("b", utf8())});
  auto good = MakeData(type, 2, {nullptr}, 0, {Int32s({1, 2}), Strings({"x", "y"})});
  EXPECT_TRUE(ValidateArray(*good).ok());
  good->offset = 1;  // struct slots address child slots offset + i
  ExpectCorrupt(ValidateArray(*good), {"child 0 has 2 slots, needs 3"});
  auto missing = MakeData(type, 2, {nullptr}, 0, {Int32s({1, 2})});
  ExpectCorrupt(ValidateArray(*missing), {"1 children, expected 2"});
  auto swapped = MakeData(type, 2, {nullptr}, 0, {Strings({"x", "y"}), Int32s({1, 2})});
  ExpectCorrupt(ValidateArray(*swapped), {"child 0 has type string, the type says int32"});
  auto null_child = MakeData(type, 2, {nullptr}, 0, {Int32s({1, 2}), nullptr});
  ExpectCorrupt(ValidateArray(*null_child), {"child 1 is missing"});
}

TEST(ValidateTest, ErrorsNameTheNestedPath) {
  // struct<tags: list<string>> with invalid UTF-8 in the third item.
  auto items = Strings({"ok", "fine", "bad\xff"});
  auto tags = MakeData(list(utf8()), 1, {nullptr, BufferOf<int32_t>({0, 3})}, 0, {items});
  auto type = struct_({MakeField("tags", list(utf8()))});
  auto s = MakeData(type, 1, {nullptr}, 0, {tags});
  ExpectCorrupt(ValidateArray(*s),
                {"field 'tags': list item: string array: invalid UTF-8 in slot 2"});
  EXPECT_TRUE(ValidateArray(*s, false).ok());
}

TEST(ValidateTest, Utf8) {
  for (std::string bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ab\xe2\x82", "\x80"}) {
    auto a = Strings({"fine", bad});
    ExpectCorrupt(ValidateArray(*a), {"invalid UTF-8 in slot 1"});
    EXPECT_TRUE(ValidateArray(*a, false).ok());
    // Binary columns carry arbitrary bytes.
    EXPECT_TRUE(ValidateArray(*Strings({"fine", bad}, "", binary())).ok());
  }
  // A character split across two values is two invalid values.
  ExpectCorrupt(ValidateArray(*Strings({"\xe4\xb8", "\xad"})), {"invalid UTF-8 in slot 0"});
  // Bytes under a null slot are not values.
  EXPECT_TRUE(ValidateArray(*Strings({"a", "\xff"}, "10")).ok());
  EXPECT_TRUE(ValidateArray(*Strings({"\xc3\xa9", "\xf0\x9f\x98\x80"})).ok());
  // large_utf8 too.
  auto large = MakeData(large_utf8(), 1, {nullptr, BufferOf<int64_t>({0, 1}),
                                          Buffer::CopyOf("\xff")});
  ExpectCorrupt(ValidateArray(*large), {"large_string array: invalid UTF-8"});
}

TEST(ValidateTest, DictionaryIndices) {
  auto dict = Strings({"a", "b", "c"});
  auto make = [&](DataTypePtr index_type, BufferPtr indices, std::string_view valid) {
    auto a = MakeData(dictionary(std::move(index_type), utf8()), 3,
                      {valid.empty() ? nullptr : Bits(valid), std::move(indices)}, -1);
    a->dictionary = dict;
    return a;
  };
  EXPECT_TRUE(ValidateArray(*make(int32(), BufferOf<int32_t>({0, 2, 1}), "")).ok());
  ExpectCorrupt(ValidateArray(*make(int32(), BufferOf<int32_t>({0, 3, 1}), ""), false),
                {"index 3 in slot 1 is outside the dictionary of 3 values"});
  ExpectCorrupt(ValidateArray(*make(int8(), BufferOf<int8_t>({0, -1, 1}), ""), false),
                {"index -1 in slot 1"});
  ExpectCorrupt(ValidateArray(*make(uint64(), BufferOf<uint64_t>({0, ~uint64_t{0}, 1}), ""),
                              false),
                {"index 18446744073709551615"});
  // Out-of-range indices under nulls are never read.
  EXPECT_TRUE(ValidateArray(*make(int32(), BufferOf<int32_t>({0, 99, 1}), "101")).ok());
  auto no_dict = make(int32(), BufferOf<int32_t>({0, 1, 2}), "");
  no_dict->dictionary = nullptr;
  ExpectCorrupt(ValidateArray(*no_dict), {"dictionary is missing"});
  auto wrong = make(int32(), BufferOf<int32_t>({0, 1, 2}), "");
  wrong->dictionary = Int32s({1, 2, 3});
  ExpectCorrupt(ValidateArray(*wrong), {"dictionary has type int32, the type says string"});
  // The dictionary itself is validated, with its path.
  auto bad_values = make(int32(), BufferOf<int32_t>({0, 1, 2}), "");
  bad_values->dictionary = Strings({"a", "\xff", "c"});
  ExpectCorrupt(ValidateArray(*bad_values), {"dictionary: string array: invalid UTF-8 in slot 1"});
  auto not_dict = Int32s({1});
  not_dict->dictionary = dict;
  ExpectCorrupt(ValidateArray(*not_dict), {"not dictionary-encoded"});
}

TEST(ValidateTest, DecimalPrecisionAndTypeParameters) {
  auto dec = [](DataTypePtr type, std::vector<Decimal128> v) {
    return MakeData(std::move(type), static_cast<int64_t>(v.size()), {nullptr, BufferOf(v)});
  };
  EXPECT_TRUE(ValidateArray(*dec(decimal128(3, 0), {Decimal128::FromInt64(999),
                                                    Decimal128::FromInt64(-999)}))
                  .ok());
  ExpectCorrupt(ValidateArray(*dec(decimal128(3, 0), {Decimal128::FromInt64(-1000)})),
                {"value -1000 in slot 0 has more than 3 digits"});
  EXPECT_TRUE(ValidateArray(*dec(decimal128(3, 0), {Decimal128::FromInt64(1000)}), false).ok());
  // decimal256 at the 76-digit limit: 10^76 - 1 is fine only at precision 76.
  Decimal256 big;  // 10^76 - 1, computed by the test with plain multiplication
  {
    unsigned __int128 carry;
    uint64_t w[4] = {1, 0, 0, 0};
    for (int k = 0; k < 76; ++k) {
      carry = 0;
      for (auto& x : w) {
        unsigned __int128 cur = static_cast<unsigned __int128>(x) * 10 + carry;
        x = static_cast<uint64_t>(cur);
        carry = cur >> 64;
      }
    }
    // subtract one
    for (auto& x : w) {
      if (x-- != 0) break;
    }
    std::memcpy(big.words, w, sizeof(w));
  }
  auto d256 = [&](int32_t precision) {
    return MakeData(decimal256(precision, 0), 1, {nullptr, BufferOf(std::vector<Decimal256>{big})});
  };
  EXPECT_TRUE(ValidateArray(*d256(76)).ok());
  ExpectCorrupt(ValidateArray(*d256(75)), {"more than 75 digits"});

  ExpectCorrupt(ValidateArray(*dec(decimal128(0, 0), {})), {"precision 0 outside 1..38"});
  ExpectCorrupt(ValidateArray(*dec(decimal128(39, 0), {})), {"precision 39 outside 1..38"});
  ExpectCorrupt(ValidateArray(*MakeData(decimal256(77, 0), 0, {nullptr, nullptr})),
                {"precision 77 outside 1..76"});
  ExpectCorrupt(ValidateArray(*dec(decimal128(10, 50), {})), {"scale 50 outside -38..38"});
  ExpectCorrupt(ValidateArray(*MakeData(time32(TimeUnit::kMicro), 0, {nullptr, nullptr})),
                {"unit must be s or ms"});
  ExpectCorrupt(ValidateArray(*MakeData(time64(TimeUnit::kSecond), 0, {nullptr, nullptr})),
                {"unit must be us or ns"});
  ExpectCorrupt(ValidateArray(*MakeData(dictionary(utf8(), utf8()), 0, {nullptr, nullptr})),
                {"index type must be an integer type"});
  ExpectCorrupt(ValidateArray(*MakeData(fixed_size_binary(-1), 0, {nullptr, nullptr})),
                {"negative byte width"});
  // A huge byte width from an untrusted schema: sizes are computed in 64 bits.
  EXPECT_EQ(fixed_size_binary(1 << 30)->byte_width(), 1 << 30);
  ExpectCorrupt(
      ValidateArray(*MakeData(fixed_size_binary(1 << 30), 3, {nullptr, Buffer::CopyOf("abc")})),
      {"values buffer has 3 bytes, needs 3221225472"});
}

TEST(ValidateTest, MisalignedBuffers) {
  auto bytes = BufferOf<int32_t>({0, 1, 2, 3, 4});
  auto a = MakeData(int32(), 2, {nullptr, bytes->Slice(1, 12)});
  ExpectCorrupt(ValidateArray(*a), {"values buffer is not aligned to 4 bytes"});
  auto s = MakeData(utf8(), 1, {nullptr, bytes->Slice(2, 8), Buffer::CopyOf("ab")});
  ExpectCorrupt(ValidateArray(*s), {"offsets buffer is not aligned to 4 bytes"});
  // Bytes have no alignment needs.
  EXPECT_TRUE(
      ValidateArray(*MakeData(fixed_size_binary(3), 1, {nullptr, bytes->Slice(1, 3)})).ok());
}

TEST(ValidateTest, NestingDepthIsBounded) {
  ArrayDataPtr a = Int32s({1});
  for (int i = 0; i < kMaxValidationDepth + 5; ++i) {
    a = MakeData(list(a->type), 1, {nullptr, BufferOf<int32_t>({0, 1})}, 0, {a});
  }
  ExpectCorrupt(ValidateArray(*a), {"nested deeper than 64 levels"});
  ArrayDataPtr shallow = Int32s({1});
  for (int i = 0; i < 10; ++i) {
    shallow = MakeData(list(shallow->type), 1, {nullptr, BufferOf<int32_t>({0, 1})}, 0, {shallow});
  }
  EXPECT_TRUE(ValidateArray(*shallow).ok());
}

TEST(ValidateTest, MalformedTypes) {
  auto bad_list = std::make_shared<DataType>(TypeId::kList);  // no item field
  ExpectCorrupt(ValidateArray(*MakeData(bad_list, 0, {nullptr, nullptr})),
                {"list type: has 0 child fields, expected 1"});
  ExpectCorrupt(ValidateDataType(*struct_({MakeField("a", nullptr)})),
                {"child field without a type"});
  ExpectCorrupt(ValidateArray(*MakeData(nullptr, 0, {})), {"array has no type"});
  EXPECT_TRUE(ValidateDataType(*dictionary(int8(), struct_({MakeField("x", list(utf8()))}))).ok());
}

// Deep copy of the node tree (buffers shared), so that a test can mutate any node.
std::shared_ptr<ArrayData> MutableCopy(const ArrayData& a) {
  auto out = std::make_shared<ArrayData>(a);
  for (auto& c : out->children) {
    if (c) c = MutableCopy(*c);
  }
  if (out->dictionary) out->dictionary = MutableCopy(*out->dictionary);
  return out;
}

void CollectNodes(const std::shared_ptr<ArrayData>& a,
                  std::vector<std::shared_ptr<ArrayData>>* out) {
  out->push_back(a);
  for (auto& c : a->children) {
    if (c) CollectNodes(std::const_pointer_cast<ArrayData>(c), out);
  }
  if (a->dictionary) CollectNodes(std::const_pointer_cast<ArrayData>(a->dictionary), out);
}

int64_t WrappingAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// One random corruption of one node: a shortened buffer, a flipped byte, a changed
// offset/length/null count, a dropped buffer or child.
void Mutate(ArrayData* a, std::mt19937* rng) {
  auto pick = [&](int64_t n) { return static_cast<int64_t>((*rng)() % static_cast<uint64_t>(n)); };
  switch (pick(6)) {
    case 0:
    case 1: {
      if (a->buffers.empty()) return;
      BufferPtr& b = a->buffers[static_cast<size_t>(pick(static_cast<int64_t>(a->buffers.size())))];
      if (!b || b->size() == 0) return;
      if (pick(2) == 0) {
        b = b->Slice(0, pick(b->size()));  // shortened, still aligned
      } else {
        std::string bytes(b->view());
        bytes[static_cast<size_t>(pick(b->size()))] ^= static_cast<char>(1 << pick(8));
        b = Buffer::CopyOf(bytes);
      }
      return;
    }
    case 2: a->offset = WrappingAdd(a->offset, pick(2) ? pick(5) : kMax64 / (1 + pick(64))); return;
    case 3:
      a->length = WrappingAdd(a->length, pick(2) ? pick(5) - 2 : kMax64 / (1 + pick(64)));
      return;
    case 4: a->null_count = pick(5) - 1; return;
    default:
      if (!a->children.empty() && pick(2)) {
        a->children.pop_back();
      } else if (!a->buffers.empty()) {
        a->buffers[static_cast<size_t>(pick(static_cast<int64_t>(a->buffers.size())))] = nullptr;
      }
      return;
  }
}

// Whatever ValidateArray accepts must be safe to read: run every consumer over it (ASan and
// UBSan turn any out-of-bounds read into a failure).
TEST(ValidateTest, AcceptedArraysAreSafeToRead) {
  std::mt19937 rng(2024);
  int accepted = 0, rejected = 0;
  for (const DataTypePtr& type : testing::AllTypes()) {
    SCOPED_TRACE(type->ToString());
    ArrayDataPtr base = testing::RandomArray(type, 24, 3);
    for (int round = 0; round < 60; ++round) {
      std::shared_ptr<ArrayData> a = MutableCopy(*base);
      std::vector<std::shared_ptr<ArrayData>> nodes;  // owned: a mutation may drop a child
      CollectNodes(a, &nodes);
      for (int k = 0; k < 1 + round % 3; ++k) Mutate(nodes[rng() % nodes.size()].get(), &rng);
      if (!ValidateArray(*a).ok()) {
        ++rejected;
        continue;
      }
      ++accepted;
      // A null-type array (or an empty struct) needs no buffers, so any length is valid; read
      // only a bounded number of slots.
      if (a->length > 1000) a = MutableCopy(*a->Slice(0, 1000));
      std::string json;
      for (int64_t i = 0; i < a->length; ++i) ASSERT_TRUE(AppendJsonValue(*a, i, &json).ok());
      auto both = ConcatenateArrays({a, a});
      ASSERT_TRUE(both.ok()) << both.status().ToString();
      ASSERT_TRUE(ValidateArray(**both).ok());
      EXPECT_TRUE(ArrayEquals(*(*both)->Slice(a->length, a->length), *a));
      ArrowArray c;
      ASSERT_TRUE(ExportArray(a, &c).ok());
      auto back = ImportArray(&c, a->type);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_TRUE(ArrayEquals(**back, *a));
    }
  }
  // Both outcomes must occur, or the test exercises nothing.
  EXPECT_GT(accepted, 100);
  EXPECT_GT(rejected, 100);
}

// ------------------------------------------------------------------------------------------
// RecordBatch

std::shared_ptr<RecordBatch> TwoColumnBatch() {
  auto schema = std::make_shared<Schema>(
      std::vector<FieldPtr>{MakeField("id", int32()), MakeField("name", utf8())});
  return std::make_shared<RecordBatch>(
      schema, 3, std::vector<ArrayDataPtr>{Int32s({1, 2, 3}, "101"), Strings({"a", "bb", "ccc"})});
}

TEST(RecordBatchTest, ValidateChecksShape) {
  auto batch = TwoColumnBatch();
  EXPECT_TRUE(batch->Validate().ok());
  RecordBatch wrong_count(batch->schema(), 3, {batch->column(0)});
  ExpectCorrupt(wrong_count.Validate(), {"1 columns, its schema 2"});
  RecordBatch wrong_type(batch->schema(), 3, {batch->column(1), batch->column(1)});
  ExpectCorrupt(wrong_type.Validate(), {"column 'id'", "has type string, the schema says int32"});
  RecordBatch wrong_rows(batch->schema(), 2, batch->columns());
  ExpectCorrupt(wrong_rows.Validate(), {"column 'id': column has 3 rows, the batch 2"});
  RecordBatch bad_column(batch->schema(), 3, {batch->column(0), Strings({"a", "\xff", "c"})});
  ExpectCorrupt(bad_column.Validate(), {"column 'name': string array: invalid UTF-8 in slot 1"});
  EXPECT_TRUE(bad_column.Validate(false).ok());
}

TEST(RecordBatchTest, SliceAndBufferSize) {
  auto batch = TwoColumnBatch();
  // validity (1 byte) + 3 int32 values + 4 offsets + 6 data bytes
  EXPECT_EQ(batch->TotalBufferSize(), 1 + 12 + 16 + 6);
  auto s = batch->Slice(1, 5);
  EXPECT_EQ(s->num_rows(), 2);
  ASSERT_TRUE(s->Validate().ok());
  EXPECT_EQ(s->column(0)->offset, 1);
  EXPECT_TRUE(s->column(0)->IsValid(1));
  EXPECT_EQ(s->column(0)->values<int32_t>()[1], 3);
  EXPECT_EQ(s->TotalBufferSize(), batch->TotalBufferSize());  // shares the buffers
}

}  // namespace
}  // namespace lanceflow::arrow
