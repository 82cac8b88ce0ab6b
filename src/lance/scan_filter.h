// Filters and row selection for local scans: the glue between the scan and the native filter
// evaluator of the expr module. Private to the lance module.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/core/result.h"

namespace lanceflow::lance {

// Parses `filter` and returns the top-level column names it reads (each checked against
// `schema`: NotFound naming the table and column otherwise). Parse errors are Invalid.
Result<std::vector<std::string>> FilterColumns(const std::string& filter,
                                               const arrow::Schema& schema,
                                               const std::string& table);

class ScanFilter {
 public:
  // Binds `filter` to the working schema of a scan (which holds every column it reads).
  static Result<std::unique_ptr<ScanFilter>> Make(const std::string& filter,
                                                  const arrow::Schema& schema,
                                                  const std::string& table);
  virtual ~ScanFilter() = default;
  // Keeps the entries of `rows` (ascending row indices of `batch`) for which the filter is
  // true (not false, not NULL).
  virtual Status Select(const arrow::RecordBatch& batch, std::vector<int64_t>* rows) = 0;
};

// The rows `rows` (ascending indices) of `array`.
Result<arrow::ArrayDataPtr> TakeRows(const arrow::ArrayDataPtr& array,
                                     const std::vector<int64_t>& rows);

}  // namespace lanceflow::lance
