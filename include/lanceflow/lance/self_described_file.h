// One Lance data file read by its own schema, without a manifest. A 2.x file's FileDescriptor
// (or a legacy file's embedded schema) stands in for the manifest, and columns are assigned the
// way Lance writers assign them: 2.0 gives every field a column in pre-order, 2.1+ only fields
// without children. For tools and checks that look at single files (fuzzing, damaged files);
// scans of datasets go through the manifest instead (local_source.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lanceflow/arrow/type.h"
#include "lanceflow/core/result.h"
#include "lanceflow/lance/data_file.h"
#include "lanceflow/lance/field_reader.h"
#include "lanceflow/lance/legacy_file.h"

namespace lanceflow::lance {

class SelfDescribedFile {
 public:
  // Reads the file's metadata through `read` (which must stay valid while this object and its
  // readers live). `name` prefixes errors, and names the file in them.
  static Result<std::unique_ptr<SelfDescribedFile>> Open(int64_t file_size, ReadRangeFunction read,
                                                         std::string name);

  uint64_t num_rows() const { return num_rows_; }
  // One Arrow field per top-level Lance field, in order.
  const arrow::SchemaPtr& schema() const { return schema_; }
  // A reader of top-level field `i` (0 <= i < schema()->num_fields()); it must not outlive this.
  Result<std::unique_ptr<FieldReader>> OpenField(int i) const;

 private:
  SelfDescribedFile() = default;

  std::string name_;
  ReadRangeFunction read_;
  uint64_t num_rows_ = 0;
  std::vector<LanceField> fields_;
  std::vector<const LanceField*> top_;  // top-level field of each Arrow field
  arrow::SchemaPtr schema_;
  std::shared_ptr<const DataFileMetadata> v2_;               // 2.x files
  std::shared_ptr<const LegacyFileMetadata> legacy_;         // legacy 0.1/0.2 files
  std::vector<std::pair<int32_t, int32_t>> columns_;         // (field id, column), 2.x only
};

}  // namespace lanceflow::lance
