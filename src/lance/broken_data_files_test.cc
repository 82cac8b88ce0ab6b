// Every file of tests/broken/lance_data (damaged copies of engine-written data files, made by
// tests/fixtures/make_lance_broken_data.py) must fail with the status code and message listed
// in its expected.txt when read the way a scan reads it: metadata first, then every column.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "lanceflow/arrow/array.h"
#include "lanceflow/core/buffer.h"
#include "lanceflow/lance/self_described_file.h"

namespace lanceflow::lance {
namespace {

const std::string kBroken = "tests/broken/lance_data/";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reads the metadata and decodes every top-level column of the file's own schema.
Status DecodeEverything(const BufferPtr& bytes, const std::string& name) {
  ReadRangeFunction read = [bytes, name](int64_t offset, int64_t length) -> Result<BufferPtr> {
    if (offset < 0 || length < 0 || offset > bytes->size() || length > bytes->size() - offset) {
      return Status::IOError("read " + name + ": range past the end of the file");
    }
    return bytes->Slice(offset, length);
  };
  LF_ASSIGN_OR_RETURN(auto file, SelfDescribedFile::Open(bytes->size(), read, name));
  for (int i = 0; i < file->schema()->num_fields(); ++i) {
    LF_ASSIGN_OR_RETURN(auto reader, file->OpenField(i));
    LF_ASSIGN_OR_RETURN(auto arr, reader->Read(0, file->num_rows()));
    LF_RETURN_NOT_OK(arrow::ValidateArray(*arr));
  }
  return Status::OK();
}

TEST(BrokenDataFiles, FailWithExpectedErrors) {
  std::ifstream list(kBroken + "expected.txt");
  ASSERT_TRUE(list.good());
  std::string line;
  int cases = 0;
  while (std::getline(list, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string file, code, substring;
    std::getline(fields, file, '\t');
    std::getline(fields, code, '\t');
    std::getline(fields, substring);
    SCOPED_TRACE(file);
    Status st = DecodeEverything(Buffer::CopyOf(ReadAll(kBroken + file)), file);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(StatusCodeName(st.code()), code) << st.ToString();
    EXPECT_NE(st.message().find(substring), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find(file), std::string::npos) << st.ToString();
    EXPECT_EQ(st.message().find('\n'), std::string::npos);
    ++cases;
  }
  EXPECT_GE(cases, 20);
}

// The undamaged originals decode, so the failures above come from the damage.
TEST(BrokenDataFiles, OriginalsDecode) {
  for (const char* dir : {"tests/golden/lance/db/history.lance/data/",
                          "tests/golden/lance/db/format_21.lance/data/",
                          "tests/golden/lance/db/format_20.lance/data/",
                          "tests/golden/lance_legacy/db/appended.lance/data/"}) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path());
    std::sort(names.begin(), names.end());
    ASSERT_FALSE(names.empty()) << dir;
    Status st = DecodeEverything(Buffer::CopyOf(ReadAll(names[0])), names[0]);
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
}

}  // namespace
}  // namespace lanceflow::lance
