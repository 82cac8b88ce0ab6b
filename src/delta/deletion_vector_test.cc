#include "lanceflow/delta/deletion_vector.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "lanceflow/delta/actions.h"
#include "lanceflow/delta/delta_table.h"
#include "lanceflow/delta/file_stats.h"
#include "lanceflow/parquet/reader.h"

namespace lanceflow::delta {
namespace {

namespace fs = std::filesystem;

// PROTOCOL.md "Deletion Vector Descriptor Schema", JSON example 3 (inline): rows 3, 4, 7, 11,
// 18, 29 in 40 bytes.
constexpr const char* kSpecInline = "wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Z85, MatchesTheRfcExampleAndRoundTrips) {
  // ZeroMQ RFC 32 test vector.
  const std::string bytes = "\x86\x4F\xD2\x6F\xB5\x59\xF7\x5B";
  EXPECT_EQ(*Z85Encode(bytes), "HelloWorld");
  EXPECT_EQ(*Z85Decode("HelloWorld"), bytes);
  std::mt19937 rng(7);
  for (int n = 0; n < 64; n += 4) {
    std::string b(static_cast<size_t>(n), '\0');
    for (auto& c : b) c = static_cast<char>(rng());
    EXPECT_EQ(*Z85Decode(*Z85Encode(b)), b);
  }
  EXPECT_EQ(Z85EncodePadded("\x01").size(), 5u);
  EXPECT_EQ(Z85Encode("abc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Z85Decode("Hell").status().code(), StatusCode::kCorrupt);
  auto bad = Z85Decode("Hell\"World");
  EXPECT_EQ(bad.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(bad.status().message().find("offset 4"), std::string::npos);
  EXPECT_EQ(Z85Decode("#####").status().code(), StatusCode::kCorrupt);  // > 2^32
}

TEST(DeletionVectorPath, SpecExampleWithRandomPrefix) {
  DeletionVectorDescriptor d;
  d.storage_type = 'u';
  d.path_or_inline_dv = "ab^-aqEH.-t@S}K{vb[*k^";
  EXPECT_EQ(*DeletionVectorRelativePath(d),
            "ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin");
  d.path_or_inline_dv = "^-aqEH.-t@S}K{vb[*k^";
  EXPECT_EQ(*DeletionVectorRelativePath(d),
            "deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin");
  d.offset = 4;
  EXPECT_EQ(d.UniqueId(), "u^-aqEH.-t@S}K{vb[*k^@4");
  d.path_or_inline_dv = "short";
  EXPECT_EQ(DeletionVectorRelativePath(d).status().code(), StatusCode::kCorrupt);
  d.path_or_inline_dv = "../^-aqEH.-t@S}K{vb[*k^";
  EXPECT_EQ(DeletionVectorRelativePath(d).status().code(), StatusCode::kCorrupt);
}

TEST(RoaringBitmapArray, DecodesTheBitmapOfTheSpecInlineExample) {
  // The example's Z85 text decodes to 40 bytes: a big-endian header of the older "native"
  // layout (magic 1681511376, one bitmap of 28 bytes) then a portable 32-bit Roaring bitmap.
  // Readers (Delta Kernel included) take the header as little-endian, so the descriptor as a
  // whole is refused; its bitmap wrapped in the portable layout holds the documented rows.
  const std::string spec = *Z85Decode(kSpecInline);
  ASSERT_EQ(spec.size(), 40u);
  EXPECT_EQ(spec.substr(0, 4), std::string("\x64\x39\xD3\xD0", 4));
  std::string portable = *SerializeRoaringBitmapArray({});
  portable[4] = 1;                   // one bucket
  portable += std::string(4, '\0');  // key 0
  portable += spec.substr(12);
  auto rows = ParseRoaringBitmapArray(portable, "spec");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, (std::vector<uint64_t>{3, 4, 7, 11, 18, 29}));
  // Our serialisation of the same rows has the same 32-bit bitmap.
  auto ours = SerializeRoaringBitmapArray(*rows);
  ASSERT_TRUE(ours.ok());
  EXPECT_EQ(ours->substr(16), spec.substr(12));
  DeletionVectorDescriptor d;
  d.storage_type = 'i';
  d.path_or_inline_dv = kSpecInline;
  d.size_in_bytes = 40;
  d.cardinality = 6;
  auto r = ReadDeletionVector("/nonexistent", d);
  EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(r.status().message().find("bad magic number"), std::string::npos);
  // The same rows inline in the portable layout.
  d.path_or_inline_dv = Z85EncodePadded(*ours);
  d.size_in_bytes = static_cast<int32_t>(ours->size());
  EXPECT_EQ(*ReadDeletionVector("/nonexistent", d), *rows);
  d.cardinality = 5;
  auto wrong = ReadDeletionVector("/nonexistent", d);
  EXPECT_EQ(wrong.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(wrong.status().message().find("cardinality"), std::string::npos);
}

TEST(RoaringBitmapArray, KnownBytesOfASmallSet) {
  // {1, 2^32 + 5}: two buckets, each a portable 32-bit bitmap with one array container.
  auto b = SerializeRoaringBitmapArray({1, (uint64_t{1} << 32) + 5});
  ASSERT_TRUE(b.ok());
  const std::string bucket0 = std::string("\x3A\x30\x00\x00", 4) +  // cookie 12346
                              std::string("\x01\x00\x00\x00", 4) +  // one container
                              std::string("\x00\x00\x00\x00", 4) +  // key 0, cardinality-1 0
                              std::string("\x10\x00\x00\x00", 4) +  // offset 16
                              std::string("\x01\x00", 2);
  std::string bucket1 = bucket0;
  bucket1[16] = 5;
  const std::string want = std::string("\xD1\xD3\x39\x64", 4) +                  // magic 1681511377
                           std::string("\x02\x00\x00\x00\x00\x00\x00\x00", 8) +  // 2 buckets
                           std::string("\x00\x00\x00\x00", 4) + bucket0 +
                           std::string("\x01\x00\x00\x00", 4) + bucket1;
  EXPECT_EQ(*b, want);
}

TEST(RoaringBitmapArray, RoundTripsLargeAndSparseSets) {
  std::mt19937_64 rng(11);
  std::vector<std::vector<uint64_t>> sets = {{}, {0}};
  std::vector<uint64_t> dense;
  for (uint64_t i = 0; i < 200000; ++i) dense.push_back(i);  // run containers
  sets.push_back(dense);
  std::set<uint64_t> sparse;
  while (sparse.size() < 5000) sparse.insert(rng() % (uint64_t{3} << 32));
  sets.emplace_back(sparse.begin(), sparse.end());
  for (const auto& s : sets) {
    auto bytes = SerializeRoaringBitmapArray(s);
    ASSERT_TRUE(bytes.ok());
    auto back = ParseRoaringBitmapArray(*bytes, "t");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(SerializeRoaringBitmapArray({3, 2}).ok());
  EXPECT_FALSE(SerializeRoaringBitmapArray({uint64_t{1} << 63}).ok());
}

TEST(RoaringBitmapArray, CorruptInputsGiveOneLineErrors) {
  const std::string good = *SerializeRoaringBitmapArray({1, 2, 3, (uint64_t{7} << 32) + 1});
  struct Case {
    std::string bytes;
    std::string expect;
  };
  std::string bad_magic = good;
  bad_magic[0] = 0;
  std::string top_bit = good;
  // Key of the first bucket at offset 12: set its top bit.
  top_bit[15] = static_cast<char>(0x80);
  std::string many = good;
  many[4] = 100;
  std::string broken_bucket = good;
  broken_bucket[16] = 0x55;  // cookie
  std::vector<Case> cases = {
      {good.substr(0, 6), "too few"},
      {bad_magic, "bad magic number"},
      {top_bit, "top bit"},
      {many, "buckets do not fit"},
      {good.substr(0, good.size() - 1), "not a valid portable Roaring bitmap"},
      {good + "x", "trailing bytes"},
      {broken_bucket, "not a valid portable Roaring bitmap"},
  };
  for (const auto& c : cases) {
    auto r = ParseRoaringBitmapArray(c.bytes, "dv X");
    ASSERT_FALSE(r.ok()) << c.expect;
    EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
    EXPECT_EQ(r.status().message().rfind("dv X", 0), 0u);
  }
  // Two buckets with the same key.
  std::string twice = *SerializeRoaringBitmapArray({1, (uint64_t{1} << 32)});
  twice[4 + 8 + 4 + 18] = 0;  // second key 1 -> 0
  auto r = ParseRoaringBitmapArray(twice, "dv");
  EXPECT_NE(r.status().message().find("not ascending"), std::string::npos) << r.status().message();
}

class DvFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lanceflow_dv_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(DvFileTest, WritesOneFileWithEveryDvOfACommitAndReadsThemBack) {
  DeletionVectorFileWriter w;
  std::vector<std::vector<uint64_t>> sets = {{0, 5, 99}, {7}, {1, 2, 3, 4, 5, 6, 7, 8, 100000}};
  std::vector<DeletionVectorDescriptor> ds;
  for (const auto& s : sets) ds.push_back(*w.Add(s));
  EXPECT_FALSE(w.Add({}).ok());
  ASSERT_TRUE(w.Finish(dir_).ok());
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir_)) files.push_back(e.path().filename());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0], *DeletionVectorRelativePath(ds[0]));
  const std::string content = ReadAll(dir_ + "/" + files[0]);
  EXPECT_EQ(content[0], 1);  // format version
  EXPECT_EQ(*ds[0].offset, 1);
  for (size_t i = 0; i < sets.size(); ++i) {
    EXPECT_EQ(ds[i].path_or_inline_dv, ds[0].path_or_inline_dv);
    EXPECT_EQ(ds[i].cardinality, static_cast<int64_t>(sets[i].size()));
    // size, data, checksum: the next DV starts right after.
    const int64_t end = *ds[i].offset + 4 + ds[i].size_in_bytes + 4;
    EXPECT_EQ(end, i + 1 < sets.size() ? *ds[i + 1].offset : static_cast<int64_t>(content.size()));
    auto rows = ReadDeletionVector(dir_, ds[i]);
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    EXPECT_EQ(*rows, sets[i]);
  }
  // Also readable as 'p' (absolute path) and 'i' (inline).
  DeletionVectorDescriptor p = ds[1];
  p.storage_type = 'p';
  p.path_or_inline_dv = "file://" + dir_ + "/" + files[0];
  EXPECT_EQ(*ReadDeletionVector("/elsewhere", p), sets[1]);
  DeletionVectorDescriptor in;
  in.storage_type = 'i';
  const std::string data = content.substr(static_cast<size_t>(*ds[2].offset + 4),
                                          static_cast<size_t>(ds[2].size_in_bytes));
  in.path_or_inline_dv = Z85EncodePadded(data);
  in.size_in_bytes = ds[2].size_in_bytes;
  in.cardinality = ds[2].cardinality;
  EXPECT_EQ(*ReadDeletionVector("/elsewhere", in), sets[2]);
}

TEST_F(DvFileTest, CorruptFilesAndDescriptorsGiveOneLineErrors) {
  DeletionVectorFileWriter w;
  auto d = *w.Add({1, 2, 3});
  ASSERT_TRUE(w.Finish(dir_).ok());
  const std::string path = dir_ + "/" + *DeletionVectorRelativePath(d);
  const std::string good = ReadAll(path);
  auto expect_error = [&](const DeletionVectorDescriptor& desc, const std::string& want) {
    auto r = ReadDeletionVector(dir_, desc);
    ASSERT_FALSE(r.ok()) << want;
    EXPECT_NE(r.status().message().find(want), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  };
  DeletionVectorDescriptor off = d;
  off.offset = 1000;
  expect_error(off, "out of range");
  DeletionVectorDescriptor size = d;
  size.size_in_bytes += 1;
  expect_error(size, "sizeInBytes");
  DeletionVectorDescriptor card = d;
  card.cardinality = 4;
  expect_error(card, "cardinality");
  // A flipped data byte: the checksum no longer matches.
  std::string flipped = good;
  flipped[static_cast<size_t>(*d.offset + 4 + 2)] ^= 0x40;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << flipped;
  expect_error(d, "checksum mismatch");
  // Bad magic with a consistent checksum.
  std::string data = good.substr(5, static_cast<size_t>(d.size_in_bytes));
  data[0] = 9;
  std::string rebuilt = good.substr(0, 5) + data;
  const uint32_t crc = Crc32(data);
  for (int i = 3; i >= 0; --i) rebuilt.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  std::ofstream(path, std::ios::binary | std::ios::trunc) << rebuilt;
  expect_error(d, "bad magic number");
  fs::remove(path);
  auto missing = ReadDeletionVector(dir_, d);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  DeletionVectorDescriptor inl;
  inl.storage_type = 'i';
  inl.path_or_inline_dv = kSpecInline;
  inl.size_in_bytes = 30;
  inl.cardinality = 6;
  expect_error(inl, "sizeInBytes");
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
}

TEST(DeletionVectorActions, RoundTripThroughTheLog) {
  AddFile a;
  a.path = "part-0.parquet";
  a.size = 10;
  a.modification_time = 5;
  a.stats = R"({"numRecords":10,"tightBounds":false})";
  DeletionVectorDescriptor d;
  d.storage_type = 'u';
  d.path_or_inline_dv = "ab^-aqEH.-t@S}K{vb[*k^";
  d.offset = 1;
  d.size_in_bytes = 36;
  d.cardinality = 3;
  a.deletion_vector = d;
  RemoveFile r;
  r.path = a.path;
  r.deletion_timestamp = 6;
  r.deletion_vector = d;
  AddFile inl = a;
  inl.path = "part-1.parquet";
  inl.deletion_vector = DeletionVectorDescriptor{'i', kSpecInline, std::nullopt, 40, 6};
  auto text = SerializeCommit({a, r, inl});
  ASSERT_TRUE(text.ok());
  EXPECT_NE(
      text->find(
          R"("deletionVector":{"storageType":"u","pathOrInlineDv":"ab^-aqEH.-t@S}K{vb[*k^","offset":1,"sizeInBytes":36,"cardinality":3})"),
      std::string::npos)
      << *text;
  auto back = ParseCommit(*text, "x.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 3u);
  EXPECT_EQ(std::get<AddFile>((*back)[0]), a);
  EXPECT_EQ(std::get<RemoveFile>((*back)[1]), r);
  EXPECT_EQ(std::get<AddFile>((*back)[2]), inl);
  for (
      const char* bad : {
          R"({"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"deletionVector":{"storageType":"x","pathOrInlineDv":"a","sizeInBytes":1,"cardinality":1}}})",
          R"({"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"deletionVector":{"storageType":"u","pathOrInlineDv":"a","sizeInBytes":-1,"cardinality":1}}})",
          R"({"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"deletionVector":"u"}})",
      }) {
    auto p = ParseCommit(bad, "y.json");
    EXPECT_EQ(p.status().code(), StatusCode::kCorrupt) << bad;
  }
}

// A table written by Spark (delta-spark 4.0.0) with deletion vectors (tests/fixtures/
// make_delta_dv_golden.py): the rows left after applying each live file's DV are exactly the
// rows Spark reports live.
TEST(DeletionVectorGolden, SparkTableLiveRowsMatchSpark) {
  const std::string root = "tests/golden/delta_dv/u_table";
  auto table = DeltaTable::Open(root);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto snap = (*table)->LoadSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  int with_dv = 0;
  std::vector<int64_t> live;
  for (const auto& f : snap->files) {
    auto deleted = (*table)->DeletedRows(f);
    ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
    if (f.deletion_vector) ++with_dv;
    auto reader = parquet::ParquetReader::OpenFile(*(*table)->DataFilePath(f.path));
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    const int id_col = (*reader)->schema()->GetFieldIndex("id");
    int64_t row = 0;
    size_t di = 0;
    for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
      auto b = (*reader)->ReadRowGroup(g, {id_col});
      ASSERT_TRUE(b.ok());
      const auto& ids = *(*b)->column(0);
      for (int64_t r = 0; r < (*b)->num_rows(); ++r, ++row) {
        while (di < deleted->size() && (*deleted)[di] < static_cast<uint64_t>(row)) ++di;
        if (di < deleted->size() && (*deleted)[di] == static_cast<uint64_t>(row)) continue;
        live.push_back(ids.values<int64_t>()[r]);
      }
    }
    EXPECT_EQ(row, ParseFileStats(*f.stats)->num_records);
  }
  EXPECT_GE(with_dv, 2);
  std::sort(live.begin(), live.end());
  auto expected = nlohmann::json::parse(ReadAll(root + "/expected.json"));
  EXPECT_EQ(live, expected["live_ids"].get<std::vector<int64_t>>());
}

TEST_F(DvFileTest, TransactionSetsADeletionVectorOnlyOnDvTables) {
  const arrow::Schema schema({arrow::MakeField("id", arrow::int64(), false)});
  AddFile f;
  f.path = "a.parquet";
  f.size = 10;
  f.stats = R"({"numRecords":4,"minValues":{"id":1},"maxValues":{"id":4},"nullCount":{"id":0}})";
  CreateOptions plain;
  auto t0 = DeltaTable::Create(dir_ + "/plain", schema, plain, {f});
  ASSERT_TRUE(t0.ok());
  Transaction tx0(*(*t0)->LoadSnapshot());
  EXPECT_EQ(tx0.SetDeletionVector("a.parquet", {}, 1).code(), StatusCode::kInvalidArgument);

  CreateOptions dv;
  dv.protocol = DeletionVectorProtocol();
  dv.configuration[kEnableDeletionVectorsKey] = "true";
  auto t = DeltaTable::Create(dir_ + "/dv", schema, dv, {f});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  for (int round = 0; round < 2; ++round) {
    auto snap = (*t)->LoadSnapshot();
    ASSERT_TRUE(snap.ok()) << snap.status().ToString();
    std::vector<uint64_t> old = *(*t)->DeletedRows(snap->files[0]);
    DeletionVectorFileWriter w;
    auto d = *w.Add(UnionRows(old, {static_cast<uint64_t>(round * 2)}));
    ASSERT_TRUE(w.Finish((*t)->root()).ok());
    Transaction tx(*snap);
    ASSERT_TRUE(tx.SetDeletionVector("a.parquet", d, 2).ok());
    EXPECT_FALSE(tx.SetDeletionVector("a.parquet", d, 2).ok());  // once per commit
    auto res = (*t)->Commit(tx);
    ASSERT_TRUE(res.ok()) << res.status().ToString();
  }
  auto snap = (*t)->LoadSnapshot();
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->files.size(), 1u);
  EXPECT_EQ(*(*t)->DeletedRows(snap->files[0]), (std::vector<uint64_t>{0, 2}));
  EXPECT_EQ(snap->NumRecords(), 2);
  EXPECT_NE(snap->files[0].stats->find("\"tightBounds\":false"), std::string::npos);
  EXPECT_NE(snap->files[0].stats->find("\"numRecords\":4"), std::string::npos);
  // A DV deleting more rows than the file holds is refused.
  Transaction tx(*snap);
  DeletionVectorDescriptor big = *snap->files[0].deletion_vector;
  big.cardinality = 5;
  EXPECT_FALSE(tx.SetDeletionVector("a.parquet", big, 3).ok());
}

}  // namespace
}  // namespace lanceflow::delta
