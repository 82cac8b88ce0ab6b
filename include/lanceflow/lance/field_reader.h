// Decoding one top-level column of one Lance data file into Arrow arrays, a row range at a
// time. This is the seam between the scan (which plans fragments, deletions, projection and
// batches) and the format-specific page decoders:
//   format 2.0          MakeV20FieldReader   (encodings_v2_0.proto ArrayEncoding trees)
//   formats 2.1 / 2.2   MakeV21FieldReader   (encodings_v2_1.proto PageLayout + rep/def)
//   legacy 0.1 / 0.2    MakeLegacyFieldReader
// A reader reads only the pages (and page buffers) of the columns that make up its field.
//
// Errors: Status::Corrupt for inconsistent bytes, Status::NotImplemented for an encoding this
// reader does not know; both name the table, the data file, the column and the encoding, e.g.
//   "table 'docs': data file 'data/ab12.lance': column 3 page 0: unsupported page layout
//    lance.encodings21.SparseLayout"
// Thread safety: one FieldReader is used by one thread at a time; distinct readers (even of the
// same file) may run concurrently. `read_range` must be safe to call concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/arrow/type.h"
#include "lanceflow/core/result.h"
#include "lanceflow/lance/data_file.h"
#include "lanceflow/lance/manifest.h"

namespace lanceflow::lance {

// Everything a field reader needs about the field and the file that holds it.
struct FieldReadSpec {
  std::string table;      // table name, for errors
  std::string file_name;  // data file path relative to the dataset, for errors
  // The manifest's flattened schema (pre-order); outlives the reader.
  const std::vector<LanceField>* fields = nullptr;
  // The top-level field to decode (an element of *fields with parent_id == -1).
  const LanceField* field = nullptr;
  // The Arrow field to produce (type, nullability); arrays returned have exactly this type.
  arrow::FieldPtr arrow_field;
  // (field id, column index) pairs of this data file for every field id of the subtree rooted
  // at `field` that has a column of its own (DataFile.fields / column_indices, tombstones and
  // -1 entries dropped). Format 2.0 gives parents columns too; 2.1+ only leaves.
  std::vector<std::pair<int32_t, int32_t>> columns;
  // Rows in the file (every column has this many top-level rows).
  uint64_t num_rows = 0;
  // Reads exactly `length` bytes at `offset` of the data file (thread-safe).
  ReadRangeFunction read_range;
};

class FieldReader {
 public:
  virtual ~FieldReader() = default;
  // Rows [begin, end) of the file (begin <= end <= num_rows) as an array of the field's Arrow
  // type with end - begin rows and offset 0 or more. Calls usually come with increasing,
  // adjacent ranges; a reader keeps at most the decoded pages overlapping the last range, so
  // memory follows the range size plus one page per column. Any order must still work.
  virtual Result<arrow::ArrayDataPtr> Read(uint64_t begin, uint64_t end) = 0;
};

// 2.0 files (DataFile version (2,0); footer (0,3)).
Result<std::unique_ptr<FieldReader>> MakeV20FieldReader(
    std::shared_ptr<const DataFileMetadata> metadata, FieldReadSpec spec);

// 2.1 and 2.2 files.
Result<std::unique_ptr<FieldReader>> MakeV21FieldReader(
    std::shared_ptr<const DataFileMetadata> metadata, FieldReadSpec spec);

}  // namespace lanceflow::lance
