#include "scan_filter.h"

#include <set>

#include "lanceflow/arrow/builder.h"
#include "lanceflow/expr/filter.h"

namespace lanceflow::lance {

Result<std::vector<std::string>> FilterColumns(const std::string& filter,
                                               const arrow::Schema& schema,
                                               const std::string& table) {
  auto parsed = expr::ParseFilter(filter);
  if (!parsed.ok()) return parsed.status().WithContext("table '" + table + "'");
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& path : expr::ColumnsReferenced(**parsed)) {
    if (path.parts.empty()) continue;
    const std::string& top = path.parts[0];
    if (schema.GetFieldIndex(top) < 0) {
      return Status::NotFound("table '" + table + "' has no column '" + path.ToDottedString() +
                              "' (used in the filter)");
    }
    if (seen.insert(top).second) out.push_back(top);
  }
  return out;
}

Result<std::unique_ptr<ScanFilter>> ScanFilter::Make(const std::string& filter,
                                                     const arrow::Schema& schema,
                                                     const std::string& table) {
  (void)filter;
  (void)schema;
  return Status::NotImplemented("table '" + table +
                                "': filters on local tables are not available yet");
}

Result<arrow::ArrayDataPtr> TakeRows(const arrow::ArrayDataPtr& array,
                                     const std::vector<uint32_t>& rows) {
  if (rows.empty()) return arrow::MakeEmptyArray(array->type);
  std::vector<arrow::ArrayDataPtr> pieces;
  size_t i = 0;
  while (i < rows.size()) {
    size_t j = i + 1;
    while (j < rows.size() && rows[j] == rows[j - 1] + 1) ++j;
    pieces.push_back(array->Slice(rows[i], static_cast<int64_t>(j - i)));
    i = j;
  }
  if (pieces.size() == 1) return pieces[0];
  return arrow::ConcatenateArrays(pieces);
}

}  // namespace lanceflow::lance
