#include "scan_filter.h"

#include <set>

#include "lanceflow/arrow/builder.h"
#include "lanceflow/arrow/take.h"
#include "lanceflow/expr/evaluate.h"
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

namespace {

class BoundScanFilter : public ScanFilter {
 public:
  explicit BoundScanFilter(std::unique_ptr<expr::BoundFilter> bound) : bound_(std::move(bound)) {}

  Status Select(const arrow::RecordBatch& batch, std::vector<int64_t>* rows) override {
    LF_ASSIGN_OR_RETURN(expr::Selection sel, bound_->Evaluate(batch));
    if (sel.all()) return Status::OK();
    size_t out = 0;
    for (int64_t r : *rows) {
      if (sel.IsSelected(r)) (*rows)[out++] = r;
    }
    rows->resize(out);
    return Status::OK();
  }

 private:
  std::unique_ptr<expr::BoundFilter> bound_;
};

}  // namespace

Result<std::unique_ptr<ScanFilter>> ScanFilter::Make(const std::string& filter,
                                                     const arrow::Schema& schema,
                                                     const std::string& table) {
  auto parsed = expr::ParseFilter(filter);
  if (!parsed.ok()) return parsed.status().WithContext("table '" + table + "'");
  auto bound = expr::BindFilter(**parsed, schema);
  if (!bound.ok()) return bound.status().WithContext("table '" + table + "'");
  return std::unique_ptr<ScanFilter>(new BoundScanFilter(std::move(bound).value()));
}

Result<arrow::ArrayDataPtr> TakeRows(const arrow::ArrayDataPtr& array,
                                     const std::vector<int64_t>& rows) {
  if (rows.empty()) return arrow::MakeEmptyArray(array->type);
  // Contiguous selections stay zero-copy slices.
  if (rows.back() - rows.front() + 1 == static_cast<int64_t>(rows.size())) {
    return array->Slice(rows.front(), static_cast<int64_t>(rows.size()));
  }
  return arrow::Take(*array, rows);
}

}  // namespace lanceflow::lance
