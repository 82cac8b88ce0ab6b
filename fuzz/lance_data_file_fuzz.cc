// libFuzzer target: a Lance 2.x data file from untrusted bytes, decoded column by column the way
// a scan does it. The file's own schema (FileDescriptor) stands in for the manifest; columns are
// assigned as Lance writers assign them (2.0: every field in pre-order; 2.1+: fields without
// children in pre-order). Any input must give a Status or arrays that validate, never a crash.
#include <cstdint>
#include <cstring>
#include <set>

#include "lanceflow/arrow/array.h"
#include "lanceflow/lance/data_file.h"
#include "lanceflow/lance/field_reader.h"

using namespace lanceflow;         // NOLINT
using namespace lanceflow::lance;  // NOLINT

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto bytes = Buffer::CopyOf(data, static_cast<int64_t>(size));
  const auto file_size = static_cast<int64_t>(size);
  ReadRangeFunction read = [bytes](int64_t offset, int64_t length) -> Result<BufferPtr> {
    if (offset < 0 || length < 0 || offset > bytes->size() || length > bytes->size() - offset) {
      return Status::IOError("fuzz: read past the end");
    }
    return bytes->Slice(offset, length);
  };
  auto md = ReadDataFileMetadata(file_size, read, "fuzz.lance");
  if (!md.ok()) return 0;
  std::vector<LanceField> fields = md->schema_fields;
  auto schema = BuildArrowSchema(&fields, md->schema_metadata);
  if (!schema.ok()) return 0;
  const bool v20 = md->footer.major_version == 0;  // 2.0 files say (0, 3)
  std::set<int32_t> parents;
  for (const auto& f : fields) parents.insert(f.parent_id);
  std::vector<std::pair<int32_t, int32_t>> all_columns;
  int32_t next = 0;
  for (const auto& f : fields) {
    if (v20 || !parents.count(f.id)) all_columns.emplace_back(f.id, next++);
  }
  auto shared = std::make_shared<const DataFileMetadata>(std::move(md).value());
  for (const auto& top : fields) {
    if (top.parent_id != -1 || top.arrow_path.empty()) continue;
    std::set<int32_t> subtree{top.id};
    for (const auto& f : fields) {
      if (subtree.count(f.parent_id)) subtree.insert(f.id);
    }
    FieldReadSpec spec;
    spec.table = "fuzz";
    spec.file_name = "fuzz.lance";
    spec.fields = &fields;
    spec.field = &top;
    spec.arrow_field = (*schema)->field(top.arrow_path[0]);
    for (const auto& c : all_columns) {
      if (subtree.count(c.first)) spec.columns.push_back(c);
    }
    spec.num_rows = shared->num_rows;
    spec.read_range = read;
    auto reader = v20 ? MakeV20FieldReader(shared, spec) : MakeV21FieldReader(shared, spec);
    if (!reader.ok()) continue;
    const uint64_t n = std::min<uint64_t>(shared->num_rows, 1 << 16);
    // Two ranges: a head and a middle slice, as a scan would read them.
    for (auto [b, e] : {std::pair<uint64_t, uint64_t>{0, n / 2}, {n / 3, n}}) {
      auto arr = (*reader)->Read(b, e);
      if (arr.ok()) {
        Status st = arrow::ValidateArray(**arr);
        if (!st.ok()) __builtin_trap();  // a decoder returned an invalid array
      }
    }
  }
  return 0;
}
