// Decodes value buffers written by the official engine (lancedb 0.39 / lance 12) with the
// codecs and compares them with the values the generator wrote. The corpus is
// tests/golden/lance_codecs (tests/fixtures/make_lance_codecs_golden.py): one table per
// storage version (2.2, 2.1), one column per forced encoding, one MiniBlock page per column.
//
// The test walks just enough of the MiniBlockLayout to reach each chunk's buffers
// (primitive.rs decode_miniblock_chunk): chunk metadata words (u16, or u32 with
// has_large_chunk) = ((chunk_bytes / 8 - 1) << 4) | log2(values), the last chunk holding the
// rest; a chunk is u16 num_levels, u16 def size (when def levels exist), one size per buffer
// (u16, or u32 with has_large_chunk), padding to 8, then the def levels and each buffer, each
// padded to 8.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "lanceflow/lance/codecs.h"
#include "lanceflow/lance/dataset.h"
#include "protobuf_reader.h"

namespace lanceflow::lance::codecs {
namespace {

const std::string kGolden = "tests/golden/lance_codecs";

nlohmann::json LoadJson(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return nlohmann::json::parse(in);
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The fields of one protobuf message: last varint and last bytes value per field number.
struct Msg {
  std::map<uint32_t, uint64_t> ints;
  std::map<uint32_t, std::string_view> bytes;
  bool Has(uint32_t f) const { return ints.count(f) || bytes.count(f); }
};

Result<Msg> ParseMsg(std::string_view data, const std::string& what) {
  Msg m;
  ProtoReader r(data, what);
  while (!r.done()) {
    uint32_t field;
    WireType type;
    LF_RETURN_NOT_OK(r.NextField(&field, &type));
    if (type == WireType::kVarint) {
      LF_ASSIGN_OR_RETURN(m.ints[field], r.ReadUInt64(type));
    } else if (type == WireType::kLengthDelimited) {
      LF_ASSIGN_OR_RETURN(m.bytes[field], r.ReadBytes(type));
    } else {
      LF_RETURN_NOT_OK(r.Skip(type));
    }
  }
  return m;
}

// The single oneof arm of a CompressiveEncoding: (arm number, its message).
std::pair<uint32_t, Msg> Arm(std::string_view encoding) {
  auto m = ParseMsg(encoding, "CompressiveEncoding");
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->bytes.size(), 1u);
  if (!m.ok() || m->bytes.empty()) return {0, {}};
  auto [arm, body] = *m->bytes.begin();
  auto inner = ParseMsg(body, "arm");
  EXPECT_TRUE(inner.ok());
  return {arm, inner.ok() ? *inner : Msg{}};
}

using Bytes = std::vector<uint8_t>;
using Span = std::span<const uint8_t>;

// Decoded contents of one chunk: fixed-width values, or strings as offsets + bytes.
struct ChunkValues {
  int bits = 0;  // fixed width: bits per value
  Bytes fixed;
  std::vector<std::string> strings;
};

// Decodes one chunk's buffers following the CompressiveEncoding tree, recording the encodings
// met on the way in `path` (e.g. "general(2)/bss/flat(64)").
void DecodeChunk(std::string_view encoding, std::vector<Bytes> buffers, int64_t n,
                 ChunkValues* out, std::string* path) {
  auto [arm, m] = Arm(encoding);
  switch (arm) {
    case 1: {  // Flat
      const int bits = static_cast<int>(m.ints[1]);
      *path += "flat(" + std::to_string(bits) + ")";
      ASSERT_EQ(buffers[0].size(), static_cast<size_t>(n * bits / 8));
      out->bits = bits;
      out->fixed = buffers[0];
      return;
    }
    case 5: {  // InlineBitpacking
      const int bits = static_cast<int>(m.ints[1]);
      *path += "inline_bitpacking(" + std::to_string(bits) + ")";
      ASSERT_FALSE(m.Has(2)) << "InlineBitpacking with buffer compression";
      out->bits = bits;
      out->fixed.assign(n * bits / 8, 0);
      Status st = DecodeInlineBitpacked(buffers[0].data(), buffers[0].size(), bits, n,
                                        out->fixed.data());
      ASSERT_TRUE(st.ok()) << st.ToString();
      return;
    }
    case 10: {  // General
      auto comp = ParseMsg(m.bytes[1], "BufferCompression");
      ASSERT_TRUE(comp.ok());
      const int scheme = static_cast<int>(comp->ints[1]);
      *path += "general(" + std::to_string(scheme) + ")/";
      auto dec = DecompressGeneral(scheme, buffers[0].data(), buffers[0].size());
      ASSERT_TRUE(dec.ok()) << dec.status().ToString();
      buffers[0].assign((*dec)->data(), (*dec)->data() + (*dec)->size());
      DecodeChunk(m.bytes[3], std::move(buffers), n, out, path);
      return;
    }
    case 9: {  // ByteStreamSplit over Flat
      auto [inner_arm, flat] = Arm(m.bytes[1]);
      ASSERT_EQ(inner_arm, 1u);
      const int bits = static_cast<int>(flat.ints[1]);
      *path += "bss(" + std::to_string(bits) + ")";
      out->bits = bits;
      out->fixed.assign(n * bits / 8, 0);
      Status st = ByteStreamSplitDecode(buffers[0].data(), buffers[0].size(), bits / 8, n,
                                        out->fixed.data());
      ASSERT_TRUE(st.ok()) << st.ToString();
      return;
    }
    case 8: {  // Rle {values: Flat, run_lengths: Flat(8)}
      auto [varm, vflat] = Arm(m.bytes[1]);
      auto [larm, lflat] = Arm(m.bytes[2]);
      ASSERT_EQ(varm, 1u);
      ASSERT_EQ(larm, 1u);
      ASSERT_EQ(lflat.ints[1], 8u) << "run lengths are not u8";
      const int bits = static_cast<int>(vflat.ints[1]);
      *path += "rle(" + std::to_string(bits) + ")";
      ASSERT_EQ(buffers.size(), 2u);
      out->bits = bits;
      out->fixed.assign(n * bits / 8, 0);
      Status st = RleDecode(buffers[0].data(), buffers[0].size(), buffers[1].data(),
                            buffers[1].size(), bits / 8, n, out->fixed.data());
      ASSERT_TRUE(st.ok()) << st.ToString();
      return;
    }
    case 6: {  // Fsst {symbol_table, values: Variable{offsets: Flat(32|64)}}
      auto table = ParseFsstSymbolTable(
          reinterpret_cast<const uint8_t*>(m.bytes[1].data()),
          static_cast<int64_t>(m.bytes[1].size()));
      ASSERT_TRUE(table.ok()) << table.status().ToString();
      EXPECT_TRUE(table->compressed) << "the writer stored the strings uncompressed";
      auto [varm, variable] = Arm(m.bytes[2]);
      ASSERT_EQ(varm, 2u);
      auto [oarm, oflat] = Arm(variable.bytes[1]);
      ASSERT_EQ(oarm, 1u);
      const int obits = static_cast<int>(oflat.ints[1]);
      *path += "fsst/variable(" + std::to_string(obits) + ")";
      const Bytes& b = buffers[0];
      ASSERT_GE(b.size(), static_cast<size_t>((n + 1) * obits / 8));
      BufferBuilder data, offsets;
      offsets.AppendValue<uint32_t>(0);
      Status st = FsstDecode(*table, b.data(), b.size(), b.data(), obits, n, &data, &offsets, 32);
      ASSERT_TRUE(st.ok()) << st.ToString();
      BufferPtr d = data.Finish(), o = offsets.Finish();
      for (int64_t i = 0; i < n; ++i) {
        uint32_t s, e;
        std::memcpy(&s, o->data() + 4 * i, 4);
        std::memcpy(&e, o->data() + 4 * (i + 1), 4);
        out->strings.emplace_back(d->view().substr(s, e - s));
      }
      return;
    }
    default:
      FAIL() << "unexpected CompressiveEncoding arm " << arm;
  }
}

struct ColumnResult {
  std::string path;  // encodings of the first chunk
  std::string def_path;  // encoding of the def levels, empty without def levels
  std::vector<uint16_t> def;
  int bits = 0;
  Bytes fixed;
  std::vector<std::string> strings;
  int64_t chunks = 0;
};

void DecodeColumn(const std::string& file, const ColumnInfo& column, ColumnResult* result) {
  ASSERT_EQ(column.pages.size(), 1u);
  const PageInfo& page = column.pages[0];
  ASSERT_EQ(page.encoding.type_url, "/lance.encodings21.PageLayout");
  auto layout = ParseMsg(page.encoding.value, "PageLayout");
  ASSERT_TRUE(layout.ok());
  ASSERT_TRUE(layout->bytes.count(1)) << "not a MiniBlockLayout";
  auto mb = ParseMsg(layout->bytes[1], "MiniBlockLayout");
  ASSERT_TRUE(mb.ok());
  ASSERT_FALSE(mb->Has(1)) << "repetition levels in a flat column";
  const bool has_def = mb->Has(2);
  int def_width = -1;
  if (has_def) {
    // Def levels of a page with more than 1024 levels: OutOfLineBitpacking(16, Flat(w)).
    auto [arm, oob] = Arm(mb->bytes[2]);
    ASSERT_EQ(arm, 4u) << "def levels not out-of-line bitpacked";
    ASSERT_EQ(oob.ints[1], 16u);
    auto [farm, flat] = Arm(oob.bytes[3]);
    ASSERT_EQ(farm, 1u);
    def_width = static_cast<int>(flat.ints[1]);
    result->def_path = "out_of_line_bitpacking(16, " + std::to_string(def_width) + ")";
  }
  ASSERT_FALSE(mb->Has(4)) << "dictionary";
  const std::string_view value_encoding = mb->bytes[3];
  const int64_t num_buffers = static_cast<int64_t>(mb->ints[7]);
  const int64_t num_items = static_cast<int64_t>(mb->ints[9]);
  const bool large = mb->ints[10] != 0;
  ASSERT_GE(page.buffers.size(), 2u);
  ASSERT_LE(page.buffers[1].position + page.buffers[1].size, file.size());
  const uint8_t* meta = reinterpret_cast<const uint8_t*>(file.data()) + page.buffers[0].position;
  const uint8_t* data = reinterpret_cast<const uint8_t*>(file.data()) + page.buffers[1].position;
  const int word = large ? 4 : 2;
  const int64_t num_chunks = static_cast<int64_t>(page.buffers[0].size) / word;
  int64_t pos = 0, done = 0;
  for (int64_t c = 0; c < num_chunks; ++c) {
    uint32_t w = 0;
    std::memcpy(&w, meta + c * word, word);
    const int64_t chunk_bytes = (int64_t{w >> 4} + 1) * 8;
    const int64_t n = c + 1 < num_chunks ? (int64_t{1} << (w & 0xF)) : num_items - done;
    ASSERT_LE(pos + chunk_bytes, static_cast<int64_t>(page.buffers[1].size));
    const uint8_t* chunk = data + pos;
    int64_t off = 2;  // num_levels
    uint16_t num_levels;
    std::memcpy(&num_levels, chunk, 2);
    uint16_t def_size = 0;
    if (has_def) {
      EXPECT_EQ(num_levels, n);
      std::memcpy(&def_size, chunk + off, 2);
      off += 2;
    } else {
      EXPECT_EQ(num_levels, 0);
    }
    std::vector<int64_t> sizes;
    for (int64_t b = 0; b < num_buffers; ++b) {
      uint32_t s = 0;
      std::memcpy(&s, chunk + off, word);
      sizes.push_back(s);
      off += word;
    }
    if (has_def) {
      off = (off + 7) / 8 * 8;
      ASSERT_LE(off + def_size, chunk_bytes);
      std::vector<uint16_t> levels(num_levels);
      Status st = DecodeOutOfLineBitpacked(chunk + off, def_size, 16, def_width, num_levels,
                                           reinterpret_cast<uint8_t*>(levels.data()));
      ASSERT_TRUE(st.ok()) << st.ToString();
      result->def.insert(result->def.end(), levels.begin(), levels.end());
      off += def_size;
    }
    std::vector<Bytes> buffers;
    for (int64_t s : sizes) {
      off = (off + 7) / 8 * 8;
      ASSERT_LE(off + s, chunk_bytes);
      buffers.emplace_back(chunk + off, chunk + off + s);
      off += s;
    }
    ChunkValues values;
    std::string path;
    DecodeChunk(value_encoding, std::move(buffers), n, &values, &path);
    if (c == 0) result->path = path;
    result->bits = values.bits;
    result->fixed.insert(result->fixed.end(), values.fixed.begin(), values.fixed.end());
    result->strings.insert(result->strings.end(), values.strings.begin(), values.strings.end());
    pos += chunk_bytes;
    done += n;
  }
  EXPECT_EQ(done, num_items);
  EXPECT_EQ(pos, static_cast<int64_t>(page.buffers[1].size));
  result->chunks = num_chunks;
}

int64_t SignedValue(const Bytes& fixed, int bits, int64_t i, bool is_signed) {
  uint64_t v = 0;
  std::memcpy(&v, fixed.data() + i * bits / 8, bits / 8);
  if (is_signed && bits < 64 && (v >> (bits - 1)) & 1) v |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(v);
}

class CodecsGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(CodecsGolden, DecodesEngineWrittenChunks) {
  const std::string table = GetParam();
  const nlohmann::json expected = LoadJson(kGolden + "/expected.json");
  const int64_t num_rows = expected["num_rows"].get<int64_t>();
  auto ds = Dataset::Open(kGolden + "/db/" + table + ".lance");
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ((*ds)->fragments().size(), 1u);
  const DataFile& df = (*ds)->fragments()[0].files[0];
  auto md = (*ds)->ReadDataFileMetadata(df);
  ASSERT_TRUE(md.ok()) << md.status().ToString();
  auto path = (*ds)->DataFilePath(df);
  ASSERT_TRUE(path.ok());
  const std::string file = ReadWholeFile(*path);
  ASSERT_EQ(file.size(), df.file_size_bytes);

  // The encoding each column must have received, by the file's schema order.
  const std::map<std::string, std::string> want_path = {
      {"i64_small", "inline_bitpacking(64)"},
      {"i32_widths", "inline_bitpacking(32)"},
      {"i16_small", "inline_bitpacking(16)"},
      {"u8_small", "inline_bitpacking(8)"},
      {"text_fsst", "fsst/variable(32)"},
      {"i64_zstd", "general(2)/bss(64)"},
      {"i64_lz4", "general(1)/bss(64)"},
      {"i32_rle", "rle(32)"},
      {"f64_bss", "general(2)/bss(64)"},
      {"f32_bss", "general(2)/bss(32)"},
      {"i32_nullable", "inline_bitpacking(32)"},
  };
  const auto& fields = (*ds)->schema()->fields();
  ASSERT_EQ(fields.size(), want_path.size());
  ASSERT_EQ(md->columns.size(), fields.size());
  for (size_t c = 0; c < fields.size(); ++c) {
    const std::string name = fields[c]->name;
    SCOPED_TRACE(table + "." + name);
    ASSERT_EQ(df.column_indices[c], static_cast<int32_t>(c));
    ColumnResult got;
    DecodeColumn(file, md->columns[c], &got);
    if (HasFatalFailure()) return;
    EXPECT_EQ(got.path, want_path.at(name));
    EXPECT_GE(got.chunks, 1);
    const nlohmann::json& col = expected["columns"][name];
    const std::string type = col["type"].get<std::string>();
    const nlohmann::json& values = col["values"];
    ASSERT_EQ(static_cast<int64_t>(values.size()), num_rows);
    if (type == "string") {
      ASSERT_EQ(static_cast<int64_t>(got.strings.size()), num_rows);
      for (int64_t i = 0; i < num_rows; ++i) {
        ASSERT_EQ(got.strings[i], values[i].get<std::string>()) << "row " << i;
      }
    } else if (type == "double" || type == "float") {
      ASSERT_EQ(static_cast<int64_t>(got.fixed.size()), num_rows * got.bits / 8);
      for (int64_t i = 0; i < num_rows; ++i) {
        const double want = std::strtod(values[i].get<std::string>().c_str(), nullptr);
        if (type == "double") {
          double v;
          std::memcpy(&v, got.fixed.data() + 8 * i, 8);
          ASSERT_EQ(v, want) << "row " << i;
        } else {
          float v;
          std::memcpy(&v, got.fixed.data() + 4 * i, 4);
          ASSERT_EQ(v, static_cast<float>(want)) << "row " << i;
        }
      }
    } else {
      const bool is_signed = type[0] == 'i';
      ASSERT_EQ(static_cast<int64_t>(got.fixed.size()), num_rows * got.bits / 8);
      const bool nullable = name == "i32_nullable";
      if (nullable) {
        // NULLABLE_ITEM: def 1 = null; null slots still occupy a value.
        EXPECT_EQ(got.def_path, "out_of_line_bitpacking(16, 1)");
        ASSERT_EQ(static_cast<int64_t>(got.def.size()), num_rows);
      } else {
        EXPECT_TRUE(got.def_path.empty());
      }
      int64_t nulls = 0;
      for (int64_t i = 0; i < num_rows; ++i) {
        if (nullable) {
          ASSERT_EQ(got.def[i], values[i].is_null() ? 1 : 0) << "row " << i;
          if (values[i].is_null()) {
            ++nulls;
            continue;
          }
        }
        ASSERT_EQ(SignedValue(got.fixed, got.bits, i, is_signed), values[i].get<int64_t>())
            << "row " << i;
      }
      if (nullable) {
        EXPECT_GT(nulls, 30);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Versions, CodecsGolden, ::testing::Values("codecs_v22", "codecs_v21"));

}  // namespace
}  // namespace lanceflow::lance::codecs
