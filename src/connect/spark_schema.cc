#include "lanceflow/connect/spark_schema.h"

#include <nlohmann/json.hpp>

namespace lanceflow::connect {
namespace {

using ojson = nlohmann::ordered_json;
using arrow::TypeId;

ojson StructJson(const std::vector<arrow::FieldPtr>& fields, const SparkMappingOptions& o);

ojson TypeJson(const arrow::DataType& t, const SparkMappingOptions& o) {
  switch (t.id()) {
    case TypeId::kBool: return "boolean";
    case TypeId::kInt8: case TypeId::kInt16: case TypeId::kInt32: case TypeId::kInt64:
    case TypeId::kUInt8: case TypeId::kUInt16: case TypeId::kUInt32:
      return "long";
    case TypeId::kUInt64: return o.uint64_as_decimal ? "decimal(20,0)" : "long";
    case TypeId::kFloat16: case TypeId::kFloat32: return "float";
    case TypeId::kFloat64: return "double";
    case TypeId::kUtf8: case TypeId::kLargeUtf8: return "string";
    case TypeId::kBinary: case TypeId::kLargeBinary: case TypeId::kFixedSizeBinary:
      return "binary";
    case TypeId::kDate32: case TypeId::kDate64: return "date";
    case TypeId::kTimestamp: return "timestamp";
    case TypeId::kDecimal128:
      return "decimal(" + std::to_string(t.precision()) + "," + std::to_string(t.scale()) + ")";
    case TypeId::kList: case TypeId::kLargeList: case TypeId::kFixedSizeList: {
      ojson j = ojson::object();
      j["type"] = "array";
      j["elementType"] = TypeJson(*t.children()[0]->type, o);
      j["containsNull"] = t.children()[0]->nullable;
      return j;
    }
    case TypeId::kStruct:
      if (t.children().empty()) return "string";
      return StructJson(t.children(), o);
    case TypeId::kDictionary: return TypeJson(*t.value_type(), o);
    default: return "string";  // time, duration, null, decimal256
  }
}

ojson StructJson(const std::vector<arrow::FieldPtr>& fields, const SparkMappingOptions& o) {
  ojson arr = ojson::array();
  for (const auto& f : fields) {
    ojson j = ojson::object();
    j["name"] = f->name;
    j["type"] = TypeJson(*f->type, o);
    j["nullable"] = f->nullable;
    j["metadata"] = ojson::object();
    arr.push_back(std::move(j));
  }
  ojson s = ojson::object();
  s["type"] = "struct";
  s["fields"] = std::move(arr);
  return s;
}

}  // namespace

std::string SparkTypeJson(const arrow::DataType& type, const SparkMappingOptions& options) {
  return TypeJson(type, options).dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string SparkSchemaJson(const arrow::Schema& schema, const SparkMappingOptions& options) {
  return StructJson(schema.fields(), options).dump(-1, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace lanceflow::connect
