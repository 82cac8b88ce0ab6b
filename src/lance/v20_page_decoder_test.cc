// Buffer framings and FSST symbol decoding of the 2.0 page decoder, on hand-made inputs (the
// engine-written files are covered by v20_field_reader_test.cc).
#include "v20_page_decoder.h"

#include <gtest/gtest.h>
#include <lz4.h>
#include <zstd.h>

#include <cstring>
#include <string>

namespace lanceflow::lance::v20 {
namespace {

PageContext Ctx() {
  PageContext ctx;
  ctx.where = "table 't': data file 'f': column 2 page 5";
  return ctx;
}

std::string Payload() {
  std::string s;
  for (int i = 0; i < 5000; ++i) s += "value " + std::to_string(i % 37) + ";";
  return s;
}

std::string ZstdFrame(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
  return out;
}

TEST(V20Decompress, ZstdRawFrameAndLengthPrefixed) {
  const std::string in = Payload();
  const std::string frame = ZstdFrame(in);
  auto raw = Decompress(Ctx(), "zstd",
                        Buffer(reinterpret_cast<const uint8_t*>(frame.data()),
                               static_cast<int64_t>(frame.size()), nullptr),
                        static_cast<int64_t>(in.size()));
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ((*raw)->view(), in);

  std::string prefixed(8, '\0');
  const uint64_t n = in.size();
  std::memcpy(prefixed.data(), &n, 8);
  prefixed += frame;
  auto pre = Decompress(Ctx(), "zstd", *Buffer::CopyOf(prefixed), 10);
  ASSERT_TRUE(pre.ok()) << pre.status().ToString();
  EXPECT_EQ((*pre)->view(), in);

  // A prefix that lies about the size, a truncated frame, and a minimum above the content.
  const uint64_t wrong = n + 1;
  std::memcpy(prefixed.data(), &wrong, 8);
  EXPECT_EQ(Decompress(Ctx(), "zstd", *Buffer::CopyOf(prefixed), 0).status().code(),
            StatusCode::kCorrupt);
  const std::string cut = frame.substr(0, frame.size() / 2);
  auto bad = Decompress(Ctx(), "zstd", *Buffer::CopyOf(cut), 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("column 2 page 5"), std::string::npos);
  EXPECT_FALSE(Decompress(Ctx(), "zstd", *Buffer::CopyOf(frame), n + 1).ok());
}

TEST(V20Decompress, Lz4SizePrefixedBlock) {
  const std::string in = Payload();
  std::string out(4 + LZ4_compressBound(static_cast<int>(in.size())), '\0');
  const uint32_t n = static_cast<uint32_t>(in.size());
  std::memcpy(out.data(), &n, 4);
  const int k = LZ4_compress_default(in.data(), out.data() + 4, static_cast<int>(in.size()),
                                     static_cast<int>(out.size() - 4));
  out.resize(4 + static_cast<size_t>(k));
  auto got = Decompress(Ctx(), "lz4", *Buffer::CopyOf(out), 0);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ((*got)->view(), in);

  std::string lie = out;
  const uint32_t more = n + 10;
  std::memcpy(lie.data(), &more, 4);
  EXPECT_EQ(Decompress(Ctx(), "lz4", *Buffer::CopyOf(lie), 0).status().code(),
            StatusCode::kCorrupt);
  EXPECT_FALSE(Decompress(Ctx(), "lz4", *Buffer::CopyOf(out.substr(0, 3)), 0).ok());
  EXPECT_EQ(Decompress(Ctx(), "snappy", *Buffer::CopyOf(out), 0).status().code(),
            StatusCode::kNotImplemented);
}

std::string FsstTableBytes(bool enabled, const std::vector<std::string>& symbols) {
  uint64_t header = (uint64_t{0x46535354} << 32) | (uint64_t{enabled} << 24) | symbols.size();
  std::string out(8, '\0');
  std::memcpy(out.data(), &header, 8);
  for (const auto& s : symbols) {
    std::string sym(8, '\0');
    std::memcpy(sym.data(), s.data(), s.size());
    out += sym;
  }
  for (const auto& s : symbols) out.push_back(static_cast<char>(s.size()));
  return out;
}

TEST(V20Fsst, DecodesSymbolsAndEscapes) {
  FsstTable table;
  ASSERT_TRUE(ParseFsstTable(Ctx(), FsstTableBytes(true, {"hello", " ", "world!!!"}), &table).ok());
  EXPECT_TRUE(table.enabled);
  const uint8_t codes[] = {0, 1, 2, 255, 'X', 1};
  std::string out;
  ASSERT_TRUE(FsstDecode(Ctx(), table, codes, sizeof(codes), &out).ok());
  EXPECT_EQ(out, "hello world!!!X ");

  const uint8_t dangling[] = {0, 255};
  EXPECT_EQ(FsstDecode(Ctx(), table, dangling, 2, &out).code(), StatusCode::kCorrupt);
  const uint8_t unknown[] = {3};
  EXPECT_EQ(FsstDecode(Ctx(), table, unknown, 1, &out).code(), StatusCode::kCorrupt);

  EXPECT_FALSE(ParseFsstTable(Ctx(), "short", &table).ok());
  std::string no_magic = FsstTableBytes(true, {"a"});
  no_magic[7] = 'x';
  EXPECT_FALSE(ParseFsstTable(Ctx(), no_magic, &table).ok());
  std::string truncated = FsstTableBytes(true, {"abc", "d"});
  truncated.resize(truncated.size() - 1);
  EXPECT_FALSE(ParseFsstTable(Ctx(), truncated, &table).ok());
}

}  // namespace
}  // namespace lanceflow::lance::v20
