#include "rle.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace lanceflow::parquet {
namespace {

std::string Encode(const std::vector<uint32_t>& v, int width) {
  std::string out;
  RleEncode(v.data(), static_cast<int64_t>(v.size()), width, &out);
  return out;
}

TEST(Rle, BitPackedExampleFromEncodingsMd) {
  // Encodings.md: the values 0..7 with bit width 3 bit-pack to 10001000 11000110 11111010.
  const std::string out = Encode({0, 1, 2, 3, 4, 5, 6, 7}, 3);
  EXPECT_EQ(out, std::string("\x03\x88\xC6\xFA"));
}

TEST(Rle, LongRunIsOneRleRun) {
  const std::string out = Encode(std::vector<uint32_t>(100, 5), 3);
  EXPECT_EQ(out, std::string("\xC8\x01\x05"));  // varint(100 << 1), value in 1 byte
  const std::string wide = Encode(std::vector<uint32_t>(3, 0x1234), 13);
  EXPECT_EQ(wide, std::string("\x06\x34\x12"));  // value in ceil(13/8) = 2 bytes
}

TEST(Rle, RoundTripsMixedRunsAtEveryWidth) {
  std::mt19937 rng(7);
  for (int width = 0; width <= 32; ++width) {
    const uint64_t max = width == 0 ? 0 : (width == 32 ? 0xFFFFFFFFull : (1ull << width) - 1);
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<uint32_t> v;
      const int n = static_cast<int>(rng() % 300);
      while (static_cast<int>(v.size()) < n) {
        const uint32_t x = static_cast<uint32_t>(rng() & max);
        const int run = rng() % 3 == 0 ? static_cast<int>(rng() % 40) : 1;
        for (int k = 0; k < run && static_cast<int>(v.size()) < n; ++k) v.push_back(x);
      }
      const std::string enc = Encode(v, width);
      std::vector<uint32_t> dec(v.size());
      ASSERT_TRUE(RleDecode(reinterpret_cast<const uint8_t*>(enc.data()),
                            static_cast<int64_t>(enc.size()), width, static_cast<int64_t>(v.size()),
                            dec.data())
                      .ok());
      ASSERT_EQ(dec, v) << "width " << width;
    }
  }
}

TEST(Rle, Int16LevelsEncodeLikeUint32) {
  const std::vector<int16_t> levels = {0, 1, 1, 1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::vector<uint32_t> wide(levels.begin(), levels.end());
  std::string a, b;
  RleEncode(levels.data(), static_cast<int64_t>(levels.size()), 2, &a);
  RleEncode(wide.data(), static_cast<int64_t>(wide.size()), 2, &b);
  EXPECT_EQ(a, b);
}

TEST(Rle, BadInputsAreErrors) {
  std::vector<uint32_t> out(100);
  const std::string truncated = Encode(std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 0, 1}, 3);
  for (size_t n = 0; n + 1 < truncated.size(); ++n) {
    EXPECT_EQ(RleDecode(reinterpret_cast<const uint8_t*>(truncated.data()), static_cast<int64_t>(n),
                        3, 9, out.data())
                  .code(),
              StatusCode::kCorrupt);
  }
  const uint8_t wide_value[] = {0x04, 0x09};  // rle run of 2, value 9 does not fit 3 bits
  Status st = RleDecode(wide_value, 2, 3, 2, out.data());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("wider than the bit width"), std::string::npos) << st.message();
  const uint8_t zero_run[] = {0x00};
  EXPECT_EQ(RleDecode(zero_run, 1, 1, 1, out.data()).code(), StatusCode::kCorrupt);
  EXPECT_EQ(RleDecode(zero_run, 1, 33, 1, out.data()).code(), StatusCode::kCorrupt);
}

}  // namespace
}  // namespace lanceflow::parquet
