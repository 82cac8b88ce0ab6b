// Arrow schemas as JSON, in the type encoding LanceDB uses in its REST API (describe responses):
//   {"fields":[{"name":"id","type":{"type":"int64"},"nullable":false,"metadata":{...}}, ...],
//    "metadata":{...}}
// with type names such as "int64", "string", "timestamp:us:UTC", "decimal:128:38:10",
// {"type":"fixed_size_list","fields":[item],"length":128}. The same encoding is what
// `lanceflow schema` prints, so a schema read from a server round-trips exactly.
#pragma once

#include <string>
#include <string_view>

#include "lanceflow/arrow/type.h"
#include "lanceflow/core/result.h"

namespace lanceflow::source {

// Parses a schema object (the value of describe's "schema" key). Errors name the field path and
// what is wrong; unknown type names are NotImplemented.
Result<arrow::SchemaPtr> SchemaFromJson(std::string_view json);
// Parses one DataType string such as "timestamp:ms:-" (the Lance logical-type grammar for
// non-nested types).
Result<arrow::DataTypePtr> DataTypeFromName(std::string_view name);

std::string SchemaToJson(const arrow::Schema& schema, bool pretty = false);

}  // namespace lanceflow::source
