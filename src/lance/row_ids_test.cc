#include "lanceflow/lance/row_ids.h"

#include <gtest/gtest.h>

#include <string>

namespace lanceflow::lance {
namespace {

// Minimal protobuf writer for the tests (independent of the decoder).
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string VarintField(int field, uint64_t v) { return Varint(uint64_t(field) << 3) + Varint(v); }
std::string BytesField(int field, const std::string& bytes) {
  return Varint((uint64_t(field) << 3) | 2) + Varint(bytes.size()) + bytes;
}
std::string Range(uint64_t start, uint64_t end) {
  return BytesField(1, VarintField(1, start) + VarintField(2, end));
}
template <typename T>
std::string Packed(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) out.append(reinterpret_cast<const char*>(&v), sizeof(T));
  return out;
}

TEST(RowIds, RangesConcatenate) {
  std::string seq = BytesField(1, Range(10, 13)) + BytesField(1, Range(100, 102));
  auto ids = DecodeRowIdSequence(seq, 5, nullptr, "frag 0");
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, (std::vector<uint64_t>{10, 11, 12, 100, 101}));
}

TEST(RowIds, RangeWithHolesSkipsHoles) {
  std::string holes = BytesField(1, VarintField(1, 20) + BytesField(2, Packed<uint16_t>({2, 4})));
  std::string seg = BytesField(2, VarintField(1, 20) + VarintField(2, 26) + BytesField(3, holes));
  auto ids = DecodeRowIdSequence(BytesField(1, seg), 4, nullptr, "frag 0");
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, (std::vector<uint64_t>{20, 21, 23, 25}));
}

TEST(RowIds, RangeWithBitmapIsLsbFirst) {
  // 0b0000'0101, 0b0000'0001 over [5, 14): present 5, 7, 13. (Engine-written sequences whose
  // last byte is partly used only count right in this order.)
  std::string bitmap{static_cast<char>(0x05), static_cast<char>(0x01)};
  std::string seg = BytesField(3, VarintField(1, 5) + VarintField(2, 14) + BytesField(3, bitmap));
  auto ids = DecodeRowIdSequence(BytesField(1, seg), 3, nullptr, "frag 0");
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, (std::vector<uint64_t>{5, 7, 13}));
}

TEST(RowIds, EncodedArrays) {
  std::string u32 = BytesField(2, VarintField(1, 1000) + BytesField(2, Packed<uint32_t>({7, 3})));
  std::string u64 = BytesField(3, BytesField(2, Packed<uint64_t>({uint64_t{1} << 40, 9})));
  std::string seq = BytesField(1, BytesField(4, u32)) + BytesField(1, BytesField(5, u64));
  auto ids = DecodeRowIdSequence(seq, 4, nullptr, "frag 0");
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, (std::vector<uint64_t>{1007, 1003, uint64_t{1} << 40, 9}));
}

TEST(RowIds, CountMustMatchRows) {
  std::string seq = BytesField(1, Range(0, 3));
  auto few = DecodeRowIdSequence(seq, 4, nullptr, "frag 7");
  ASSERT_FALSE(few.ok());
  EXPECT_NE(few.status().ToString().find("frag 7"), std::string::npos);
  auto many = DecodeRowIdSequence(seq, 2, nullptr, "frag 7");
  ASSERT_FALSE(many.ok());
  // A huge range is refused before anything is allocated.
  auto huge = DecodeRowIdSequence(BytesField(1, Range(0, uint64_t{1} << 62)), 10, nullptr, "frag 7");
  ASSERT_FALSE(huge.ok());
}

TEST(RowIds, GarbageIsAnError) {
  for (std::string bad : {std::string("\x0a\x05\x0a\x03", 4), std::string("\xff\xff"),
                          BytesField(1, BytesField(9, "x")),
                          BytesField(1, BytesField(4, BytesField(1, BytesField(2, "abc"))))}) {
    auto ids = DecodeRowIdSequence(bad, 3, nullptr, "frag 1");
    EXPECT_FALSE(ids.ok());
  }
}

TEST(RowIds, SequenceOfLiveRowsIsSpreadOverThem) {
  // 5 physical rows, rows 1 and 3 deleted: the sequence names the 3 live rows.
  DeletionVector deleted({1, 3});
  auto ids = DecodeRowIdSequence(BytesField(1, Range(40, 43)), 5, &deleted, "frag 2");
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, (std::vector<uint64_t>{40, 0, 41, 0, 42}));
  // Neither physical nor live count: corrupt.
  auto bad = DecodeRowIdSequence(BytesField(1, Range(40, 44)), 5, &deleted, "frag 2");
  EXPECT_FALSE(bad.ok());
}

TEST(RowVersions, RunsExpandPerRow) {
  std::string run1 = BytesField(1, Range(0, 2)) + VarintField(2, 3);
  std::string run2 = BytesField(1, Range(2, 5)) + VarintField(2, 7);
  auto v = DecodeRowVersionSequence(BytesField(1, run1) + BytesField(1, run2), 5, 1, nullptr, "frag 0");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, (std::vector<uint64_t>{3, 3, 7, 7, 7}));
  auto missing = DecodeRowVersionSequence("", 3, 1, nullptr, "frag 0");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(*missing, (std::vector<uint64_t>{1, 1, 1}));
  auto short_runs = DecodeRowVersionSequence(BytesField(1, run1), 5, 1, nullptr, "frag 0");
  EXPECT_FALSE(short_runs.ok());
}

}  // namespace
}  // namespace lanceflow::lance
