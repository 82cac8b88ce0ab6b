// Every file of tests/broken/lance must fail with the status code and message listed in
// expected.txt (written by tests/fixtures/make_lance_golden.py).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "lanceflow/core/buffer.h"
#include "lanceflow/lance/deletion.h"
#include "lanceflow/lance/manifest.h"

namespace lanceflow::lance {
namespace {

const std::string kBroken = "tests/broken/lance/";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(BrokenInputs, FailWithExpectedErrors) {
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
    BufferPtr bytes = Buffer::CopyOf(ReadAll(kBroken + file));
    Status st;
    if (file.ends_with(".manifest")) {
      st = DecodeManifestFile(bytes->data(), bytes->size(), file).status();
    } else {
      DeletionFileRef ref;
      ref.type = file.ends_with(".bin") ? DeletionFileType::kBitmap
                                        : DeletionFileType::kArrowArray;
      st = DecodeDeletionFile(bytes, ref, 20000, file).status();
    }
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(StatusCodeName(st.code()), code) << st.ToString();
    EXPECT_NE(st.message().find(substring), std::string::npos) << st.ToString();
    EXPECT_EQ(st.message().find('\n'), std::string::npos);
    ++cases;
  }
  EXPECT_GE(cases, 10);
}

// Every prefix and every single-byte corruption of a real manifest either decodes or fails
// cleanly (the sanitizer build turns any out-of-bounds access into a failure).
TEST(BrokenInputs, ManifestMutationsNeverCrash) {
  std::string good = ReadAll(kBroken + "../../golden/lance/db/v1_names.lance/_versions/2.manifest");
  ASSERT_FALSE(good.empty());
  auto ok = DecodeManifestFile(reinterpret_cast<const uint8_t*>(good.data()),
                               static_cast<int64_t>(good.size()), "m");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  for (size_t n = 0; n < good.size(); n += 7) {
    (void)DecodeManifestFile(reinterpret_cast<const uint8_t*>(good.data()),
                             static_cast<int64_t>(n), "m");
  }
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    (void)DecodeManifestFile(reinterpret_cast<const uint8_t*>(bad.data()),
                             static_cast<int64_t>(bad.size()), "m");
  }
}

}  // namespace
}  // namespace lanceflow::lance
