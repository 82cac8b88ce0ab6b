// Every file of tests/broken/lance_data (damaged copies of engine-written data files, made by
// tests/fixtures/make_lance_broken_data.py) must fail with the status code and message listed
// in its expected.txt when read the way a scan reads it: metadata first, then every column.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "lanceflow/arrow/array.h"
#include "lanceflow/core/buffer.h"
#include "lanceflow/lance/data_file.h"
#include "lanceflow/lance/field_reader.h"
#include "lanceflow/lance/legacy_file.h"

namespace lanceflow::lance {
namespace {

const std::string kBroken = "tests/broken/lance_data/";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reads the metadata and decodes every top-level column of the file's own schema (columns
// assigned as writers assign them: 2.0 every field in pre-order, 2.1+ fields without children).
Status DecodeEverything(const BufferPtr& bytes, const std::string& name) {
  const int64_t size = bytes->size();
  ReadRangeFunction read = [bytes, name](int64_t offset, int64_t length) -> Result<BufferPtr> {
    if (offset < 0 || length < 0 || offset > bytes->size() || length > bytes->size() - offset) {
      return Status::IOError("read " + name + ": range past the end of the file");
    }
    return bytes->Slice(offset, length);
  };
  if (size >= 16 && std::string_view(bytes->view().substr(size - 4)) == "LANC") {
    uint16_t major, minor;
    std::memcpy(&major, bytes->data() + size - 8, 2);
    std::memcpy(&minor, bytes->data() + size - 6, 2);
    if (major == 0 && minor < 3) {
      LF_ASSIGN_OR_RETURN(auto md, ReadLegacyFileMetadata(size, read, name));
      for (const auto& f : md->fields) {
        if (f.parent_id != -1) continue;
        FieldReadSpec spec;
        spec.table = "broken";
        spec.file_name = name;
        spec.fields = &md->fields;
        spec.field = &f;
        std::vector<LanceField> copy = md->fields;
        LF_ASSIGN_OR_RETURN(auto schema, BuildArrowSchema(&copy, {}));
        spec.arrow_field = schema->field(copy[static_cast<size_t>(&f - md->fields.data())].arrow_path[0]);
        spec.num_rows = md->num_rows;
        spec.read_range = read;
        LF_ASSIGN_OR_RETURN(auto reader, MakeLegacyFieldReader(md, spec));
        LF_ASSIGN_OR_RETURN(auto arr, reader->Read(0, md->num_rows));
        LF_RETURN_NOT_OK(arrow::ValidateArray(*arr));
      }
      return Status::OK();
    }
  }
  LF_ASSIGN_OR_RETURN(auto md, ReadDataFileMetadata(size, read, name));
  std::vector<LanceField> fields = md.schema_fields;
  LF_ASSIGN_OR_RETURN(auto schema, BuildArrowSchema(&fields, md.schema_metadata));
  const bool v20 = md.footer.major_version == 0;
  std::set<int32_t> parents;
  for (const auto& f : fields) parents.insert(f.parent_id);
  std::vector<std::pair<int32_t, int32_t>> all_columns;
  int32_t next = 0;
  for (const auto& f : fields) {
    if (v20 || !parents.count(f.id)) all_columns.emplace_back(f.id, next++);
  }
  auto shared = std::make_shared<const DataFileMetadata>(std::move(md));
  for (const auto& top : fields) {
    if (top.parent_id != -1) continue;
    std::set<int32_t> subtree{top.id};
    for (const auto& f : fields) {
      if (subtree.count(f.parent_id)) subtree.insert(f.id);
    }
    FieldReadSpec spec;
    spec.table = "broken";
    spec.file_name = name;
    spec.fields = &fields;
    spec.field = &top;
    spec.arrow_field = schema->field(top.arrow_path[0]);
    for (const auto& c : all_columns) {
      if (subtree.count(c.first)) spec.columns.push_back(c);
    }
    spec.num_rows = shared->num_rows;
    spec.read_range = read;
    LF_ASSIGN_OR_RETURN(auto reader,
                        v20 ? MakeV20FieldReader(shared, spec) : MakeV21FieldReader(shared, spec));
    LF_ASSIGN_OR_RETURN(auto arr, reader->Read(0, shared->num_rows));
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
