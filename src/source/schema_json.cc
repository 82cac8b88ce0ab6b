#include "lanceflow/source/schema_json.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <vector>

namespace lanceflow::source {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;
using arrow::DataTypePtr;
using arrow::TimeUnit;
using arrow::TypeId;

constexpr int kMaxDepth = 64;

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

bool ParseInt(std::string_view s, int32_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseUnit(std::string_view s, TimeUnit* unit) {
  if (s == "s") *unit = TimeUnit::kSecond;
  else if (s == "ms") *unit = TimeUnit::kMilli;
  else if (s == "us") *unit = TimeUnit::kMicro;
  else if (s == "ns") *unit = TimeUnit::kNano;
  else return false;
  return true;
}

Result<arrow::FieldPtr> FieldFromJson(const json& j, const std::string& path, int depth);

Result<DataTypePtr> TypeFromJson(const json& j, const std::string& path, int depth) {
  if (depth > kMaxDepth) return Status::Invalid("schema: nesting deeper than 64 at " + path);
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
    return Status::Invalid("schema: field '" + path + "' has no \"type\" string");
  }
  const std::string name = j["type"].get<std::string>();
  auto children = [&]() -> Result<std::vector<arrow::FieldPtr>> {
    std::vector<arrow::FieldPtr> out;
    if (!j.contains("fields") || !j["fields"].is_array()) {
      return Status::Invalid("schema: field '" + path + "' of type " + name + " has no fields");
    }
    for (const auto& c : j["fields"]) {
      LF_ASSIGN_OR_RETURN(auto f, FieldFromJson(c, path, depth + 1));
      out.push_back(std::move(f));
    }
    return out;
  };
  auto length = [&]() -> Result<int32_t> {
    if (!j.contains("length") || !j["length"].is_number_integer()) {
      return Status::Invalid("schema: field '" + path + "' of type " + name + " has no length");
    }
    int64_t n = j["length"].get<int64_t>();
    if (n < 0 || n > (1 << 30)) {
      return Status::Invalid("schema: field '" + path + "' has an invalid length " +
                             std::to_string(n));
    }
    return static_cast<int32_t>(n);
  };
  if (name == "struct") {
    LF_ASSIGN_OR_RETURN(auto fields, children());
    return arrow::struct_(std::move(fields));
  }
  if (name == "list" || name == "large_list" || name == "fixed_size_list") {
    LF_ASSIGN_OR_RETURN(auto fields, children());
    if (fields.size() != 1) {
      return Status::Invalid("schema: list field '" + path + "' must have exactly one child");
    }
    if (name == "list") return arrow::list(fields[0]);
    if (name == "large_list") return arrow::large_list(fields[0]);
    LF_ASSIGN_OR_RETURN(int32_t n, length());
    return arrow::fixed_size_list(fields[0], n);
  }
  if (name == "fixed_size_binary") {
    LF_ASSIGN_OR_RETURN(int32_t n, length());
    return arrow::fixed_size_binary(n);
  }
  auto t = DataTypeFromName(name);
  if (!t.ok()) return t.status().WithContext("schema: field '" + path + "'");
  return t;
}

Result<arrow::FieldPtr> FieldFromJson(const json& j, const std::string& parent, int depth) {
  if (!j.is_object()) return Status::Invalid("schema: a field of '" + parent + "' is not an object");
  if (!j.contains("name") || !j["name"].is_string()) {
    return Status::Invalid("schema: a field of '" + parent + "' has no name");
  }
  std::string name = j["name"].get<std::string>();
  std::string path = parent.empty() ? name : parent + "." + name;
  bool nullable = true;
  if (j.contains("nullable")) {
    if (!j["nullable"].is_boolean()) {
      return Status::Invalid("schema: field '" + path + "': nullable is not a boolean");
    }
    nullable = j["nullable"].get<bool>();
  }
  if (!j.contains("type")) return Status::Invalid("schema: field '" + path + "' has no type");
  LF_ASSIGN_OR_RETURN(auto type, TypeFromJson(j["type"], path, depth));
  arrow::KeyValueMetadata md;
  if (j.contains("metadata") && j["metadata"].is_object()) {
    for (const auto& [k, v] : j["metadata"].items()) {
      md.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  return arrow::MakeField(std::move(name), std::move(type), nullable, std::move(md));
}

ojson TypeToJson(const arrow::DataType& t);

ojson FieldToJson(const arrow::Field& f) {
  ojson out = ojson::object();
  out["name"] = f.name;
  out["type"] = TypeToJson(*f.type);
  out["nullable"] = f.nullable;
  if (!f.metadata.empty()) {
    ojson md = ojson::object();
    for (const auto& [k, v] : f.metadata) md[k] = v;
    out["metadata"] = md;
  }
  return out;
}

std::string TypeName(const arrow::DataType& t) {
  std::string unit = arrow::TimeUnitName(t.unit());
  // Parameterless types have the same names in the Lance encoding as Arrow's id names.
  if (t.id() <= TypeId::kLargeBinary) return arrow::TypeIdName(t.id());
  switch (t.id()) {
    case TypeId::kDate32: return "date32:day";
    case TypeId::kDate64: return "date64:ms";
    case TypeId::kTime32: return "time32:" + unit;
    case TypeId::kTime64: return "time64:" + unit;
    case TypeId::kDuration: return "duration:" + unit;
    case TypeId::kTimestamp:
      return "timestamp:" + unit + ":" + (t.timezone().empty() ? "-" : t.timezone());
    case TypeId::kDecimal128:
      return "decimal:128:" + std::to_string(t.precision()) + ":" + std::to_string(t.scale());
    case TypeId::kDecimal256:
      return "decimal:256:" + std::to_string(t.precision()) + ":" + std::to_string(t.scale());
    case TypeId::kDictionary:
      return "dict:" + TypeName(*t.value_type()) + ":" + TypeName(*t.index_type()) + ":" +
             (t.dictionary_ordered() ? "true" : "false");
    case TypeId::kStruct: return "struct";
    case TypeId::kList: return "list";
    case TypeId::kLargeList: return "large_list";
    case TypeId::kFixedSizeList: return "fixed_size_list";
    case TypeId::kFixedSizeBinary: return "fixed_size_binary";
    default: break;  // parameterless types were named above
  }
  return "unknown";
}

ojson TypeToJson(const arrow::DataType& t) {
  ojson j = ojson::object();
  j["type"] = TypeName(t);
  if (t.is_nested()) {
    ojson fields = ojson::array();
    for (const auto& c : t.children()) fields.push_back(FieldToJson(*c));
    j["fields"] = fields;
  }
  if (t.id() == TypeId::kFixedSizeList || t.id() == TypeId::kFixedSizeBinary) {
    j["length"] = t.fixed_size();
  }
  return j;
}

}  // namespace

Result<DataTypePtr> DataTypeFromName(std::string_view name) {
  static const std::pair<std::string_view, DataTypePtr (*)()> kSimple[] = {
      {"null", arrow::null},         {"bool", arrow::boolean},
      {"int8", arrow::int8},         {"int16", arrow::int16},
      {"int32", arrow::int32},       {"int64", arrow::int64},
      {"uint8", arrow::uint8},       {"uint16", arrow::uint16},
      {"uint32", arrow::uint32},     {"uint64", arrow::uint64},
      {"halffloat", arrow::float16}, {"float", arrow::float32},
      {"double", arrow::float64},    {"string", arrow::utf8},
      {"large_string", arrow::large_utf8}, {"binary", arrow::binary},
      {"large_binary", arrow::large_binary}, {"date32:day", arrow::date32},
      {"date64:ms", arrow::date64},
  };
  for (const auto& [n, f] : kSimple) {
    if (n == name) return f();
  }
  auto bad = [&]() {
    return Status::NotImplemented("unsupported data type '" + std::string(name) + "'");
  };
  auto parts = Split(name, ':');
  const std::string_view kind = parts[0];
  TimeUnit unit;
  if ((kind == "time32" || kind == "time64" || kind == "duration") && parts.size() == 2) {
    if (!ParseUnit(parts[1], &unit)) return bad();
    if (kind == "time32") {
      if (unit != TimeUnit::kSecond && unit != TimeUnit::kMilli) return bad();
      return arrow::time32(unit);
    }
    if (kind == "time64") {
      if (unit != TimeUnit::kMicro && unit != TimeUnit::kNano) return bad();
      return arrow::time64(unit);
    }
    return arrow::duration(unit);
  }
  if (kind == "timestamp" && parts.size() == 3) {
    if (!ParseUnit(parts[1], &unit)) return bad();
    std::string tz(parts[2]);
    if (tz == "-") tz.clear();
    return arrow::timestamp(unit, std::move(tz));
  }
  if (kind == "decimal" && parts.size() == 4) {
    int32_t width, p, s;
    if (!ParseInt(parts[1], &width) || !ParseInt(parts[2], &p) || !ParseInt(parts[3], &s)) {
      return bad();
    }
    if (width == 128 && p >= 1 && p <= 38 && s <= p) return arrow::decimal128(p, s);
    if (width == 256 && p >= 1 && p <= 76 && s <= p) return arrow::decimal256(p, s);
    return bad();
  }
  if (kind == "fixed_size_binary" && parts.size() == 2) {
    int32_t n;
    if (!ParseInt(parts[1], &n) || n < 0) return bad();
    return arrow::fixed_size_binary(n);
  }
  if (kind == "dict" && parts.size() >= 4) {
    // dict:{value}:{index}:{ordered}; the value type may itself contain ':'.
    std::string_view ordered = parts.back();
    std::string_view index = parts[parts.size() - 2];
    std::string_view value = name.substr(5, name.size() - 5 - ordered.size() - index.size() - 2);
    LF_ASSIGN_OR_RETURN(auto value_type, DataTypeFromName(value));
    LF_ASSIGN_OR_RETURN(auto index_type, DataTypeFromName(index));
    if (!index_type->is_integer()) return bad();
    return arrow::dictionary(index_type, value_type, ordered == "true");
  }
  if (kind == "fixed_size_list" && parts.size() >= 3) {
    int32_t n;
    if (!ParseInt(parts.back(), &n) || n < 0) return bad();
    std::string_view inner = name.substr(16, name.size() - 16 - parts.back().size() - 1);
    LF_ASSIGN_OR_RETURN(auto item, DataTypeFromName(inner));
    return arrow::fixed_size_list(item, n);
  }
  return bad();
}

Result<arrow::SchemaPtr> SchemaFromJson(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Invalid("schema: not valid JSON");
  if (!j.is_object() || !j.contains("fields") || !j["fields"].is_array()) {
    return Status::Invalid("schema: expected an object with a \"fields\" array");
  }
  std::vector<arrow::FieldPtr> fields;
  for (const auto& f : j["fields"]) {
    LF_ASSIGN_OR_RETURN(auto field, FieldFromJson(f, "", 0));
    fields.push_back(std::move(field));
  }
  arrow::KeyValueMetadata md;
  if (j.contains("metadata") && j["metadata"].is_object()) {
    for (const auto& [k, v] : j["metadata"].items()) {
      md.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  return std::make_shared<const arrow::Schema>(std::move(fields), std::move(md));
}

std::string SchemaToJson(const arrow::Schema& schema, bool pretty) {
  ojson fields = ojson::array();
  for (const auto& f : schema.fields()) fields.push_back(FieldToJson(*f));
  ojson md = ojson::object();
  for (const auto& [k, v] : schema.metadata()) md[k] = v;
  ojson out = ojson::object();
  out["fields"] = fields;
  out["metadata"] = md;
  return out.dump(pretty ? 2 : -1, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace lanceflow::source
