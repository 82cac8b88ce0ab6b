#include "lanceflow/expr/filter.h"
#include "lanceflow/expr/identifier.h"
#include "query_page.h"

namespace lanceflow::cloud {
namespace {

// Hidden columns every Lance table can filter on.
bool IsHiddenColumn(const std::string& name) {
  return name == "_rowid" || name == "_rowaddr" || name == "_rowoffset" ||
         name == "_row_created_at_version" || name == "_row_last_updated_at_version";
}

Status CheckColumn(const expr::ColumnPath& path, const arrow::Schema& schema) {
  const std::vector<arrow::FieldPtr>* fields = &schema.fields();
  for (size_t i = 0; i < path.parts.size(); ++i) {
    const std::string& part = path.parts[i];
    const arrow::Field* found = nullptr;
    for (const auto& f : *fields) {
      if (f->name == part) found = f.get();
    }
    if (found == nullptr) {
      if (i == 0 && path.parts.size() == 1 && IsHiddenColumn(part)) return Status::OK();
      return Status::Invalid("filter: unknown column '" + path.ToDottedString() + "'");
    }
    if (i + 1 < path.parts.size()) {
      if (found->type->id() != arrow::TypeId::kStruct) {
        return Status::Invalid("filter: column '" + path.ToDottedString() + "': '" + part +
                               "' is not a struct");
      }
      fields = &found->type->children();
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::string> RenderFilter(const std::string& filter, const arrow::Schema& schema) {
  LF_ASSIGN_OR_RETURN(auto parsed, expr::ParseFilter(filter));
  for (const auto& path : expr::ColumnsReferenced(*parsed)) {
    LF_RETURN_NOT_OK(CheckColumn(path, schema));
  }
  return expr::ToSql(*parsed);
}

}  // namespace lanceflow::cloud
