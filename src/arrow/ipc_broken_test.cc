// Every input of tests/broken/ipc/ (generator tests/fixtures/make_ipc_broken.py, plus inputs the
// fuzzers found) must fail with its expected error, through every reader, without crashing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "lanceflow/arrow/ipc.h"

namespace lanceflow::arrow::ipc {
namespace {

namespace fs = std::filesystem;

fs::path BrokenDir() {
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "tests" / "broken" / "ipc";
}

struct BrokenCase {
  std::string file;
  std::string expected;
};

std::vector<BrokenCase> Cases() {
  std::vector<BrokenCase> out;
  std::ifstream in(BrokenDir() / "expected.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

BufferPtr Load(const std::string& name) {
  std::ifstream in(BrokenDir() / name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return Buffer::CopyOf(ss.str());
}

struct Discard : StreamListener {
  Status OnRecordBatch(RecordBatchPtr) override { return Status::OK(); }
};

Status ReadStreamWhole(const BufferPtr& data) {
  Discard d;
  StreamDecoder decoder(&d);
  LF_RETURN_NOT_OK(decoder.Consume(data));
  return decoder.Finish();
}

Status ReadStreamChunked(const BufferPtr& data) {
  Discard d;
  StreamDecoder decoder(&d);
  for (int64_t i = 0; i < data->size(); i += 7) {
    LF_RETURN_NOT_OK(decoder.Consume(data->data() + i, std::min<int64_t>(7, data->size() - i)));
  }
  return decoder.Finish();
}

Status ReadStreamPull(const BufferPtr& data) {
  LF_ASSIGN_OR_RETURN(auto reader, StreamReader::Open(std::make_unique<BufferInputStream>(data)));
  while (true) {
    LF_ASSIGN_OR_RETURN(RecordBatchPtr b, reader->Next());
    if (!b) return Status::OK();
  }
}

Status ReadFile(const BufferPtr& data) {
  LF_ASSIGN_OR_RETURN(auto reader, FileReader::Open(data));
  for (int i = 0; i < reader->num_record_batches(); ++i) {
    LF_RETURN_NOT_OK(reader->ReadRecordBatch(i).status());
  }
  return Status::OK();
}

class IpcBrokenTest : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(IpcBrokenTest, FailsWithExpectedError) {
  const BrokenCase& c = GetParam();
  BufferPtr data = Load(c.file);
  std::vector<std::pair<std::string, Status>> results;
  if (c.file.ends_with(".arrow")) {
    results.emplace_back("file reader", ReadFile(data));
  } else {
    results.emplace_back("decoder", ReadStreamWhole(data));
    results.emplace_back("chunked decoder", ReadStreamChunked(data));
    results.emplace_back("pull reader", ReadStreamPull(data));
  }
  for (const auto& [how, st] : results) {
    ASSERT_FALSE(st.ok()) << how << " accepted " << c.file;
    EXPECT_TRUE(st.code() == StatusCode::kCorrupt || st.code() == StatusCode::kNotImplemented)
        << how << ": " << st.ToString();
    EXPECT_NE(st.message().find(c.expected), std::string::npos)
        << how << " on " << c.file << ": got \"" << st.message() << "\", expected \"" << c.expected
        << "\"";
    EXPECT_EQ(st.message().rfind("arrow ipc: ", 0), 0u) << st.message();
    EXPECT_EQ(st.message().find('\n'), std::string::npos) << st.message();
  }
}

TEST(IpcBrokenFiles, AreAllListed) {
  std::set<std::string> listed;
  for (const auto& c : Cases()) listed.insert(c.file);
  EXPECT_GE(listed.size(), 50u);
  for (const auto& entry : fs::directory_iterator(BrokenDir())) {
    std::string name = entry.path().filename().string();
    if (name == "expected.txt") continue;
    EXPECT_TRUE(listed.count(name)) << name << " has no line in expected.txt";
  }
}

std::string Name(const ::testing::TestParamInfo<BrokenCase>& info) {
  std::string s = info.param.file;
  for (char& ch : s) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(Inputs, IpcBrokenTest, ::testing::ValuesIn(Cases()), Name);

}  // namespace
}  // namespace lanceflow::arrow::ipc
