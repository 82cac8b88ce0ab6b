// Decodes the IPC fixtures pyarrow wrote (tests/golden/ipc, generator
// tests/fixtures/make_ipc_golden.py) and compares them with their JSON twins.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ipc_json_twin.h"
#include "lanceflow/arrow/ipc.h"

namespace lanceflow::arrow::ipc {
namespace {

namespace fs = std::filesystem;
using testing::ContentsJson;
using testing::json;

fs::path GoldenDir() {
  // __FILE__ is src/arrow/ipc_golden_test.cc inside the repository.
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "tests" / "golden" / "ipc";
}

std::vector<std::string> GoldenFiles() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(GoldenDir(), ec)) {
    std::string ext = entry.path().extension().string();
    if (ext == ".arrow" || ext == ".arrows") out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json Twin(const std::string& file) {
  std::string name = file.substr(0, file.find('.'));
  return json::parse(Slurp(GoldenDir() / (name + ".json")));
}

class IpcGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST(IpcGoldenFiles, ArePresent) {
  // Stream and file variants of primitives, nested, dictionaries, compression, legacy framing.
  EXPECT_GE(GoldenFiles().size(), 35u) << GoldenDir();
}

TEST_P(IpcGoldenTest, WholeBufferMatchesTwin) {
  BufferPtr data = Buffer::CopyOf(Slurp(GoldenDir() / GetParam()));
  auto contents = ReadAll(data);
  ASSERT_TRUE(contents.ok()) << contents.status().ToString();
  EXPECT_EQ(IsFileFormat(*data), GetParam().ends_with(".arrow"));
  json got = ContentsJson(*contents->schema, contents->batches);
  json want = Twin(GetParam());
  EXPECT_EQ(got["schema"], want["schema"]);
  ASSERT_EQ(got["batches"].size(), want["batches"].size());
  for (size_t i = 0; i < want["batches"].size(); ++i) {
    EXPECT_EQ(got["batches"][i], want["batches"][i]) << "batch " << i;
  }
}

TEST_P(IpcGoldenTest, IncrementalReadersMatchTwin) {
  BufferPtr data = Buffer::CopyOf(Slurp(GoldenDir() / GetParam()));
  json want = Twin(GetParam());
  std::vector<RecordBatchPtr> batches;
  SchemaPtr schema;
  if (IsFileFormat(*data)) {
    // Through a read-at function that copies each block, as a spooled temp file would be read.
    int64_t reads = 0;
    ReadAtFunction read_at = [&](int64_t offset, int64_t length) -> Result<BufferPtr> {
      ++reads;
      return Buffer::CopyOf(data->data() + offset, length);
    };
    auto reader = FileReader::Open(data->size(), read_at);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    schema = (*reader)->schema();
    for (int i = (*reader)->num_record_batches() - 1; i >= 0; --i) {  // any order works
      auto b = (*reader)->ReadRecordBatch(i);
      ASSERT_TRUE(b.ok()) << b.status().ToString();
      batches.insert(batches.begin(), *b);
    }
    EXPECT_GT(reads, 2);
  } else {
    struct Collector : StreamListener {
      std::vector<RecordBatchPtr>* batches;
      Status OnRecordBatch(RecordBatchPtr b) override {
        batches->push_back(std::move(b));
        return Status::OK();
      }
    } collector;
    collector.batches = &batches;
    StreamDecoder decoder(&collector);
    for (int64_t i = 0; i < data->size(); i += 3) {
      ASSERT_TRUE(decoder.Consume(data->data() + i, std::min<int64_t>(3, data->size() - i)).ok());
    }
    ASSERT_TRUE(decoder.Finish().ok());
    schema = decoder.schema();
  }
  EXPECT_EQ(ContentsJson(*schema, batches), want);
}

std::string Name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  std::replace_if(
      s.begin(), s.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return s;
}

INSTANTIATE_TEST_SUITE_P(Pyarrow, IpcGoldenTest, ::testing::ValuesIn(GoldenFiles()), Name);

}  // namespace
}  // namespace lanceflow::arrow::ipc
