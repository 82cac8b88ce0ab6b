// Unit tests of the Lance codecs on hand-built inputs: an independent bit-by-bit model of the
// FastLanes layout, the framings, and broken inputs of every kind. Compatibility with bytes
// written by the engine is tested in codecs_golden_test.cc.
#include <lz4.h>
#include <zstd.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lanceflow/lance/codecs.h"

namespace lanceflow::lance::codecs {
namespace {

constexpr int kOrder[8] = {0, 4, 2, 6, 1, 5, 3, 7};

// Reference model of the layout, written from the description in the fastlanes crate: value
// (row, lane) with index kOrder[row/8]*16 + (row%8)*128 + lane holds bits [row*W, row*W+W) of
// the lane's bit stream; stream bit b is bit b%T of word (b/T) of the lane, stored at word
// index lanes*(b/T) + lane.
uint64_t GetBit(const std::vector<uint8_t>& packed, int t, int64_t word, int bit) {
  return (packed[word * (t / 8) + bit / 8] >> (bit % 8)) & 1;
}

std::vector<uint64_t> ReferenceUnpack(const std::vector<uint8_t>& packed, int t, int w) {
  const int lanes = 1024 / t;
  std::vector<uint64_t> out(1024);
  for (int lane = 0; lane < lanes; ++lane) {
    for (int row = 0; row < t; ++row) {
      uint64_t v = 0;
      for (int i = 0; i < w; ++i) {
        const int64_t b = int64_t{row} * w + i;
        v |= GetBit(packed, t, int64_t{lanes} * (b / t) + lane, static_cast<int>(b % t)) << i;
      }
      out[kOrder[row / 8] * 16 + (row % 8) * 128 + lane] = v;
    }
  }
  return out;
}

uint64_t LoadValue(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  std::memcpy(&v, p, bytes);
  return v;
}

void StoreValue(uint8_t* p, int bytes, uint64_t v) { std::memcpy(p, &v, bytes); }

std::vector<uint8_t> RandomValues(std::mt19937_64& rng, int t, int w, int64_t n) {
  std::vector<uint8_t> v(n * (t / 8));
  const uint64_t mask = w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
  for (int64_t i = 0; i < n; ++i) StoreValue(v.data() + i * (t / 8), t / 8, rng() & mask);
  return v;
}

TEST(FastLanesTest, PackedSizes) {
  EXPECT_EQ(FastLanesPackedBytes(0), 0);
  EXPECT_EQ(FastLanesPackedBytes(3), 384);
  EXPECT_EQ(FastLanesPackedBytes(64), 8192);
}

TEST(FastLanesTest, KnownBitPositions) {
  // T=8, W=1: 128 lanes; byte k of the packed block is word 0 of lane k, and its bit r holds
  // row r, i.e. value index (r%8)*128 + k for rows 0..7.
  std::vector<uint8_t> packed(128, 0);
  packed[5] = 0b00000010;  // lane 5, row 1 -> index 133
  packed[0] = 0b10000000;  // lane 0, row 7 -> index 896
  std::vector<uint8_t> out(1024, 0xEE);
  ASSERT_TRUE(UnpackFastLanes(packed.data(), 128, 8, 1, out.data()).ok());
  for (int i = 0; i < 1024; ++i) {
    EXPECT_EQ(out[i], (i == 133 || i == 896) ? 1 : 0) << i;
  }
  // T=64, W=64: row r of lane l is word r of the lane, stored at 16*r + l; row 8 (o=1 -> 4)
  // lands at index 4*16 + 0*128 + l = 64 + l.
  std::vector<uint8_t> p64(8192, 0);
  StoreValue(p64.data() + 8 * (16 * 8 + 3), 8, 0x0123456789ABCDEFull);
  std::vector<uint8_t> o64(8192, 0);
  ASSERT_TRUE(UnpackFastLanes(p64.data(), 8192, 64, 64, o64.data()).ok());
  EXPECT_EQ(LoadValue(o64.data() + 8 * 67, 8), 0x0123456789ABCDEFull);
}

class FastLanesWidthTest : public ::testing::TestWithParam<int> {};

TEST_P(FastLanesWidthTest, MatchesReferenceForEveryBitWidth) {
  const int t = GetParam();
  std::mt19937_64 rng(t);
  for (int w = 0; w <= t; ++w) {
    const std::vector<uint8_t> values = RandomValues(rng, t, w, 1024);
    std::vector<uint8_t> packed(FastLanesPackedBytes(w) + 1);
    ASSERT_TRUE(PackFastLanes(values.data(), t, w, packed.data()).ok());
    packed.pop_back();
    const std::vector<uint64_t> ref = ReferenceUnpack(packed, t, w);
    // Unaligned input and output exercise the scratch-copy path.
    std::vector<uint8_t> in_buf(packed.size() + 1);
    std::memcpy(in_buf.data() + 1, packed.data(), packed.size());
    std::vector<uint8_t> out_aligned(1024 * t / 8), out_unaligned(1024 * t / 8 + 1);
    ASSERT_TRUE(
        UnpackFastLanes(packed.data(), packed.size(), t, w, out_aligned.data()).ok());
    ASSERT_TRUE(UnpackFastLanes(in_buf.data() + 1, packed.size(), t, w,
                                out_unaligned.data() + 1)
                    .ok());
    for (int i = 0; i < 1024; ++i) {
      const uint64_t want = LoadValue(values.data() + i * (t / 8), t / 8);
      ASSERT_EQ(ref[i], want) << "pack disagrees with the reference, t=" << t << " w=" << w;
      ASSERT_EQ(LoadValue(out_aligned.data() + i * (t / 8), t / 8), want)
          << "t=" << t << " w=" << w << " i=" << i;
      ASSERT_EQ(LoadValue(out_unaligned.data() + 1 + i * (t / 8), t / 8), want);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllWordSizes, FastLanesWidthTest, ::testing::Values(8, 16, 32, 64));

TEST(FastLanesTest, RejectsBadArguments) {
  std::vector<uint8_t> buf(8192), out(8192);
  EXPECT_EQ(UnpackFastLanes(buf.data(), 128, 12, 1, out.data()).code(), StatusCode::kCorrupt);
  EXPECT_EQ(UnpackFastLanes(buf.data(), 128, 8, 9, out.data()).code(), StatusCode::kCorrupt);
  EXPECT_EQ(UnpackFastLanes(buf.data(), 128, 8, -1, out.data()).code(), StatusCode::kCorrupt);
  Status st = UnpackFastLanes(buf.data(), 127, 8, 1, out.data());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("lance fastlanes: packed block of 127 bytes, expected 128"),
            std::string::npos)
      << st.ToString();
}

// Builds an InlineBitpacking buffer the way bitpacking.rs does.
std::vector<uint8_t> BuildInline(const std::vector<uint8_t>& values, int t,
                                 const std::vector<int>& widths) {
  const int wb = t / 8;
  const int64_t n = static_cast<int64_t>(values.size()) / wb;
  std::vector<uint8_t> out;
  for (size_t b = 0; b < widths.size(); ++b) {
    std::vector<uint8_t> block(1024 * wb, 0);
    const int64_t start = static_cast<int64_t>(b) * 1024;
    const int64_t count = std::min<int64_t>(1024, n - start);
    std::memcpy(block.data(), values.data() + start * wb, count * wb);
    const size_t at = out.size();
    out.resize(at + wb + FastLanesPackedBytes(widths[b]));
    StoreValue(out.data() + at, wb, widths[b]);
    EXPECT_TRUE(PackFastLanes(block.data(), t, widths[b], out.data() + at + wb).ok());
  }
  return out;
}

TEST(InlineBitpackingTest, DecodesBlocksOfDifferentWidthsAndAPartialTail) {
  for (int t : {8, 16, 32, 64}) {
    std::mt19937_64 rng(100 + t);
    const int64_t n = 2500;
    std::vector<int> widths = {t / 2, 0, 3};
    std::vector<uint8_t> values;
    for (int b = 0; b < 3; ++b) {
      std::vector<uint8_t> part = RandomValues(rng, t, widths[b], b < 2 ? 1024 : n - 2048);
      values.insert(values.end(), part.begin(), part.end());
    }
    const std::vector<uint8_t> buf = BuildInline(values, t, widths);
    std::vector<uint8_t> out(values.size());
    ASSERT_TRUE(DecodeInlineBitpacked(buf.data(), buf.size(), t, n, out.data()).ok());
    EXPECT_EQ(out, values) << t;

    // Every truncation and one extra byte are refused.
    for (int64_t cut : {int64_t{0}, int64_t{1}, static_cast<int64_t>(buf.size()) - 1}) {
      Status st = DecodeInlineBitpacked(buf.data(), cut, t, n, out.data());
      EXPECT_EQ(st.code(), StatusCode::kCorrupt) << cut;
      EXPECT_NE(st.message().find("lance inline bitpacking: block"), std::string::npos)
          << st.ToString();
    }
    std::vector<uint8_t> longer = buf;
    longer.push_back(0);
    Status st = DecodeInlineBitpacked(longer.data(), longer.size(), t, n, out.data());
    EXPECT_NE(st.message().find("1 unexpected bytes after 2500 values"), std::string::npos)
        << st.ToString();
  }
}

TEST(InlineBitpackingTest, RejectsWidthAboveWordSize) {
  std::vector<uint8_t> buf(4 + FastLanesPackedBytes(32), 0);
  StoreValue(buf.data(), 4, 33);
  std::vector<uint8_t> out(4096);
  Status st = DecodeInlineBitpacked(buf.data(), buf.size(), 32, 10, out.data());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("bit width 33 exceeds 32"), std::string::npos) << st.ToString();
  EXPECT_EQ(DecodeInlineBitpacked(buf.data(), buf.size(), 24, 10, out.data()).code(),
            StatusCode::kCorrupt);
  EXPECT_EQ(DecodeInlineBitpacked(buf.data(), buf.size(), 32, -1, out.data()).code(),
            StatusCode::kCorrupt);
}

TEST(OutOfLineBitpackingTest, PaddedAndRawTails) {
  std::mt19937_64 rng(7);
  const int t = 16, w = 11;
  const int64_t n = 2048 + 1000;  // two full blocks and a tail of 1000 values
  std::vector<uint8_t> values = RandomValues(rng, t, w, n);
  std::vector<uint8_t> padded;
  for (int b = 0; b < 3; ++b) {
    std::vector<uint8_t> block(2048, 0);
    std::memcpy(block.data(), values.data() + b * 2048, std::min<int64_t>(2048, n * 2 - b * 2048));
    const size_t at = padded.size();
    padded.resize(at + FastLanesPackedBytes(w));
    ASSERT_TRUE(PackFastLanes(block.data(), t, w, padded.data() + at).ok());
  }
  std::vector<uint8_t> out(n * 2);
  ASSERT_TRUE(DecodeOutOfLineBitpacked(padded.data(), padded.size(), t, w, n, out.data()).ok());
  EXPECT_EQ(out, values);

  // Raw tail: two packed blocks then the last 1000 values verbatim.
  std::vector<uint8_t> raw(padded.begin(), padded.begin() + 2 * FastLanesPackedBytes(w));
  raw.insert(raw.end(), values.begin() + 4096, values.end());
  std::fill(out.begin(), out.end(), 0);
  ASSERT_TRUE(DecodeOutOfLineBitpacked(raw.data(), raw.size(), t, w, n, out.data()).ok());
  EXPECT_EQ(out, values);

  Status st = DecodeOutOfLineBitpacked(raw.data(), raw.size() - 2, t, w, n, out.data());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("buffer of 4814 bytes for 3048 values at bit width 11, expected 4224 (padded "
                                      "tail) or 4816 (raw tail)"),
            std::string::npos)
      << st.ToString();
  EXPECT_EQ(DecodeOutOfLineBitpacked(raw.data(), raw.size(), t, 17, n, out.data()).code(),
            StatusCode::kCorrupt);
  // Exact multiple of 1024: no tail.
  ASSERT_TRUE(DecodeOutOfLineBitpacked(padded.data(), 2 * FastLanesPackedBytes(w), t, w, 2048,
                                       out.data())
                  .ok());
  EXPECT_TRUE(std::equal(values.begin(), values.begin() + 4096, out.begin()));
}

// ---- FSST ----

std::vector<uint8_t> MakeFsstTable(bool compressed, const std::vector<std::string>& symbols) {
  std::vector<uint8_t> t(kFsstSymbolTableSize, 0);
  const uint64_t header = (uint64_t{0x46535354} << 32) | (uint64_t{compressed} << 24) |
                          (uint64_t{7} << 16) | (uint64_t{9} << 8) | symbols.size();
  std::memcpy(t.data(), &header, 8);
  for (size_t i = 0; i < symbols.size(); ++i) {
    std::memcpy(t.data() + 8 + 8 * i, symbols[i].data(), symbols[i].size());
    t[8 + 8 * symbols.size() + i] = static_cast<uint8_t>(symbols[i].size());
  }
  return t;
}

std::vector<uint8_t> Offsets32(const std::vector<uint32_t>& v) {
  std::vector<uint8_t> out(v.size() * 4);
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

struct Decoded {
  std::string bytes;
  std::vector<uint64_t> offsets;
};

Result<Decoded> Decode(const FsstTable& table, const std::vector<uint8_t>& data,
                       const std::vector<uint8_t>& offsets, int bits, int64_t n, int out_bits) {
  BufferBuilder b, o;
  if (out_bits == 32) {
    o.AppendValue<uint32_t>(0);
  } else {
    o.AppendValue<uint64_t>(0);
  }
  LF_RETURN_NOT_OK(FsstDecode(table, data.data(), data.size(), offsets.data(), bits, n, &b, &o,
                              out_bits));
  Decoded d;
  BufferPtr bb = b.Finish(), ob = o.Finish();
  d.bytes.assign(bb->view());
  for (int64_t i = 0; i <= n; ++i) d.offsets.push_back(LoadValue(ob->data() + i * out_bits / 8, out_bits / 8));
  return d;
}

TEST(FsstTest, DecodesSymbolsAndEscapes) {
  const std::vector<uint8_t> raw = MakeFsstTable(true, {"hello", "ab", " ", "12345678"});
  auto table = ParseFsstSymbolTable(raw.data(), raw.size());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_TRUE(table->compressed);
  EXPECT_EQ(table->num_symbols, 4);
  // "hello ab" | "" | "Z12345678ab" (Z escaped) | "\xff" (escaped 0xff)
  const std::vector<uint8_t> data = {0, 2, 1, 255, 'Z', 3, 1, 255, 0xFF};
  const std::vector<uint8_t> offs = Offsets32({0, 3, 3, 7, 9});
  for (int out_bits : {32, 64}) {
    auto d = Decode(*table, data, offs, 32, 4, out_bits);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->bytes, std::string("hello ab") + "Z12345678ab" + "\xff");
    EXPECT_EQ(d->offsets, (std::vector<uint64_t>{0, 8, 8, 19, 20}));
  }
  // 64-bit input offsets with a non-zero start (the chunk's Variable header precedes the data).
  std::vector<uint8_t> data2 = {9, 9, 9};
  data2.insert(data2.end(), data.begin(), data.end());
  std::vector<uint8_t> offs64(5 * 8);
  const uint64_t o64[5] = {3, 6, 6, 10, 12};
  std::memcpy(offs64.data(), o64, sizeof(o64));
  auto d = Decode(*table, data2, offs64, 64, 4, 32);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->bytes, std::string("hello ab") + "Z12345678ab" + "\xff");
}

TEST(FsstTest, AppendsAcrossCallsAndCopiesWhenUncompressed) {
  const std::vector<uint8_t> raw = MakeFsstTable(false, {});
  auto table = ParseFsstSymbolTable(raw.data(), raw.size());
  ASSERT_TRUE(table.ok());
  EXPECT_FALSE(table->compressed);
  const std::string s = "abc\xff\x01xyz";
  std::vector<uint8_t> data(s.begin(), s.end());
  BufferBuilder b, o;
  o.AppendValue<uint32_t>(0);
  const std::vector<uint8_t> offs = Offsets32({0, 4, 8});
  ASSERT_TRUE(FsstDecode(*table, data.data(), data.size(), offs.data(), 32, 2, &b, &o, 32).ok());
  ASSERT_TRUE(FsstDecode(*table, data.data(), data.size(), offs.data(), 32, 2, &b, &o, 32).ok());
  BufferPtr ob = o.Finish();
  std::vector<uint32_t> got(5);
  std::memcpy(got.data(), ob->data(), 20);
  EXPECT_EQ(got, (std::vector<uint32_t>{0, 4, 8, 12, 16}));
  EXPECT_EQ(b.Finish()->view(), s + s);
}

TEST(FsstTest, RejectsBrokenTablesAndStreams) {
  std::vector<uint8_t> raw = MakeFsstTable(true, {"ab", "c"});
  EXPECT_EQ(ParseFsstSymbolTable(raw.data(), raw.size() - 1).status().code(),
            StatusCode::kCorrupt);
  std::vector<uint8_t> bad_magic = raw;
  bad_magic[7] = 0;
  EXPECT_NE(ParseFsstSymbolTable(bad_magic.data(), bad_magic.size())
                .status()
                .message()
                .find("lacks the FSST magic"),
            std::string::npos);
  std::vector<uint8_t> bad_len = raw;
  bad_len[8 + 16 + 1] = 9;
  EXPECT_NE(ParseFsstSymbolTable(bad_len.data(), bad_len.size())
                .status()
                .message()
                .find("symbol 1 has length 9, expected 1..8"),
            std::string::npos);

  auto table = ParseFsstSymbolTable(raw.data(), raw.size());
  ASSERT_TRUE(table.ok());
  auto expect_error = [&](const std::vector<uint8_t>& data, const std::vector<uint32_t>& offs,
                          const std::string& needle) {
    auto d = Decode(*table, data, Offsets32(offs), 32, offs.size() - 1, 32);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), StatusCode::kCorrupt);
    EXPECT_NE(d.status().message().find(needle), std::string::npos) << d.status().ToString();
  };
  expect_error({0, 1, 2}, {0, 3}, "string 0 uses code 2 but the table has 2 symbols");
  expect_error({0, 255, 1, 255}, {0, 2, 4}, "string 0 ends with an escape code");
  expect_error({0, 1}, {0, 3}, "outside the 2-byte data");
  expect_error({0, 1, 0}, {0, 2, 1, 3}, "offset 2 (1) is outside [2, 3]");
  expect_error({0, 1}, {2, 1}, "offsets [2, 1]");
}

// ---- General ----

std::vector<uint8_t> ZstdWithPrefix(const std::string& s) {
  std::vector<uint8_t> out(8 + ZSTD_compressBound(s.size()));
  const uint64_t n = s.size();
  std::memcpy(out.data(), &n, 8);
  const size_t c = ZSTD_compress(out.data() + 8, out.size() - 8, s.data(), s.size(), 3);
  out.resize(8 + c);
  return out;
}

std::vector<uint8_t> Lz4WithPrefix(const std::string& s) {
  std::vector<uint8_t> out(4 + LZ4_compressBound(s.size()));
  const uint32_t n = s.size();
  std::memcpy(out.data(), &n, 4);
  const int c = LZ4_compress_default(s.data(), reinterpret_cast<char*>(out.data() + 4), s.size(),
                                     out.size() - 4);
  out.resize(4 + c);
  return out;
}

std::string SampleText(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "value " + std::to_string(i % 37) + ";";
  return s;
}

TEST(GeneralTest, ZstdPrefixedRawAndEmpty) {
  const std::string s = SampleText(5000);
  std::vector<uint8_t> z = ZstdWithPrefix(s);
  auto r = DecompressGeneral(kCompressionZstd, z.data(), z.size());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->view(), s);
  // A raw frame (starts with the magic), also two concatenated frames.
  std::vector<uint8_t> raw(z.begin() + 8, z.end());
  raw.insert(raw.end(), z.begin() + 8, z.end());
  r = DecompressGeneral(kCompressionZstd, raw.data(), raw.size());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->view(), s + s);
  r = DecompressGeneral(kCompressionZstd, raw.data(), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->size(), 0);
}

TEST(GeneralTest, ZstdErrors) {
  const std::string s = SampleText(5000);
  std::vector<uint8_t> z = ZstdWithPrefix(s);
  auto r = DecompressGeneral(kCompressionZstd, z.data(), z.size() - 5);
  EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(r.status().message().find("lance zstd:"), std::string::npos);
  std::vector<uint8_t> lie = z;
  const uint64_t big = uint64_t{1} << 50;
  std::memcpy(lie.data(), &big, 8);
  r = DecompressGeneral(kCompressionZstd, lie.data(), lie.size());
  EXPECT_NE(r.status().message().find("exceeds the limit"), std::string::npos);
  const uint64_t small = 10;
  std::memcpy(lie.data(), &small, 8);
  r = DecompressGeneral(kCompressionZstd, lie.data(), lie.size());
  EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  const uint64_t more = s.size() + 1;
  std::memcpy(lie.data(), &more, 8);
  r = DecompressGeneral(kCompressionZstd, lie.data(), lie.size());
  EXPECT_NE(r.status().message().find("declared " + std::to_string(more)), std::string::npos)
      << r.status().ToString();
  // A raw stream beyond the cap, and a truncated raw stream.
  std::vector<uint8_t> raw(z.begin() + 8, z.end());
  r = DecompressGeneral(kCompressionZstd, raw.data(), raw.size(), 1000);
  EXPECT_NE(r.status().message().find("more than 1000 bytes"), std::string::npos);
  r = DecompressGeneral(kCompressionZstd, raw.data(), raw.size() - 3);
  EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(DecompressGeneral(3, raw.data(), raw.size()).status().code(),
            StatusCode::kNotImplemented);
}

TEST(GeneralTest, Lz4) {
  const std::string s = SampleText(3000);
  std::vector<uint8_t> l = Lz4WithPrefix(s);
  auto r = DecompressGeneral(kCompressionLz4, l.data(), l.size());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->view(), s);
  r = DecompressGeneral(kCompressionLz4, l.data(), 3);
  EXPECT_NE(r.status().message().find("lacks the 4-byte size prefix"), std::string::npos);
  r = DecompressGeneral(kCompressionLz4, l.data(), l.size() - 1);
  EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  std::vector<uint8_t> lie = l;
  const uint32_t big = 0xFFFFFFF0u;
  std::memcpy(lie.data(), &big, 4);
  r = DecompressGeneral(kCompressionLz4, lie.data(), lie.size());
  EXPECT_NE(r.status().message().find("exceeds the limit"), std::string::npos);
  const uint32_t more = s.size() + 10;
  std::memcpy(lie.data(), &more, 4);
  r = DecompressGeneral(kCompressionLz4, lie.data(), lie.size());
  EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
}

// ---- RLE and BSS ----

TEST(RleTest, DecodesRunsOfEveryWidth) {
  const uint8_t lengths[] = {3, 0, 255, 2};
  for (int wb : {1, 2, 4, 8}) {
    std::vector<uint8_t> values(4 * wb);
    for (int r = 0; r < 4; ++r) StoreValue(values.data() + r * wb, wb, 0x8070605040302010ull + r);
    std::vector<uint8_t> out(260 * wb);
    ASSERT_TRUE(RleDecode(values.data(), values.size(), lengths, 4, wb, 260, out.data()).ok());
    for (int i = 0; i < 260; ++i) {
      const int run = i < 3 ? 0 : (i < 258 ? 2 : 3);
      const uint64_t mask = wb == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * wb)) - 1;
      EXPECT_EQ(LoadValue(out.data() + i * wb, wb), (0x8070605040302010ull + run) & mask);
    }
    Status st = RleDecode(values.data(), values.size(), lengths, 4, wb, 261, out.data());
    EXPECT_NE(st.message().find("lance rle: runs add up to 260 values, expected 261"),
              std::string::npos);
    st = RleDecode(values.data(), values.size() - 1, lengths, 4, wb, 260, out.data());
    EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  }
  std::vector<uint8_t> v(8), out(8);
  EXPECT_EQ(RleDecode(v.data(), 3, lengths, 1, 3, 3, out.data()).code(), StatusCode::kCorrupt);
}

TEST(ByteStreamSplitTest, Interleaves) {
  for (int wb : {2, 3, 4, 8}) {
    const int64_t n = 37;
    std::vector<uint8_t> in(n * wb);
    for (int k = 0; k < wb; ++k) {
      for (int64_t i = 0; i < n; ++i) in[k * n + i] = static_cast<uint8_t>(k * 50 + i);
    }
    std::vector<uint8_t> out(n * wb);
    ASSERT_TRUE(ByteStreamSplitDecode(in.data(), in.size(), wb, n, out.data()).ok());
    for (int64_t i = 0; i < n; ++i) {
      for (int k = 0; k < wb; ++k) EXPECT_EQ(out[i * wb + k], static_cast<uint8_t>(k * 50 + i));
    }
    Status st = ByteStreamSplitDecode(in.data(), in.size() - 1, wb, n, out.data());
    EXPECT_EQ(st.code(), StatusCode::kCorrupt);
    EXPECT_NE(st.message().find("lance byte stream split: buffer of"), std::string::npos);
  }
}

// ---- Garbage: random bytes into every decoder must give OK or a clean error. ----

TEST(CodecsGarbageTest, RandomInputsNeverCrash) {
  std::mt19937_64 rng(12345);
  std::vector<uint8_t> out(1 << 20);
  for (int iter = 0; iter < 300; ++iter) {
    const size_t len = rng() % 3000;
    std::vector<uint8_t> in(len + kFsstSymbolTableSize);
    for (auto& b : in) b = static_cast<uint8_t>(rng() % 4 == 0 ? 0 : rng());
    const int t = 8 << (rng() % 4);
    const int64_t n = rng() % 3000;
    (void)DecodeInlineBitpacked(in.data(), len, t, n, out.data());
    (void)DecodeOutOfLineBitpacked(in.data(), len, t, rng() % (t + 1), n, out.data());
    (void)DecompressGeneral(1 + rng() % 2, in.data(), len, 1 << 20);
    (void)RleDecode(in.data(), len / 2, in.data() + len / 2, len / 2, 1, n, out.data());
    (void)ByteStreamSplitDecode(in.data(), len, 4, len / 4, out.data());
    // FSST: a valid-looking header over random symbols, offsets from the input.
    in[7] = 0x46;
    in[6] = 0x53;
    in[5] = 0x53;
    in[4] = 0x54;
    auto table = ParseFsstSymbolTable(in.data(), kFsstSymbolTableSize);
    if (table.ok() && len >= 8) {
      const int64_t nv = std::min<int64_t>(n, len / 4 - 1);
      if (nv >= 0) {
        BufferBuilder b, o;
        (void)FsstDecode(*table, in.data() + kFsstSymbolTableSize, len,
                         in.data() + kFsstSymbolTableSize, 32, nv, &b, &o, 32);
      }
    }
  }
}

}  // namespace
}  // namespace lanceflow::lance::codecs
