// Lance flattened schema -> Arrow schema. Logical type strings: rust/lance-core/src/datatypes/
// field.rs; see also shared/reference/lance-format.md section 5.
#include <charconv>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lanceflow/lance/manifest.h"

namespace lanceflow::lance {
namespace {

constexpr int kMaxSchemaDepth = 64;

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    if (p == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, p - start));
    start = p + 1;
  }
}

bool ParseInt(std::string_view s, int32_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseUnit(std::string_view s, arrow::TimeUnit* unit) {
  if (s == "s") *unit = arrow::TimeUnit::kSecond;
  else if (s == "ms") *unit = arrow::TimeUnit::kMilli;
  else if (s == "us") *unit = arrow::TimeUnit::kMicro;
  else if (s == "ns") *unit = arrow::TimeUnit::kNano;
  else return false;
  return true;
}

Result<arrow::DataTypePtr> ParseLogicalTypeImpl(std::string_view t, int depth) {
  auto bad = [&]() {
    return Status::Corrupt("invalid Lance logical type '" + std::string(t) + "'");
  };
  if (depth > kMaxSchemaDepth) return Status::Corrupt("Lance logical type nested too deeply");
  static const std::unordered_map<std::string_view, arrow::DataTypePtr (*)()> kSimple = {
      {"null", arrow::null},         {"bool", arrow::boolean},
      {"int8", arrow::int8},         {"uint8", arrow::uint8},
      {"int16", arrow::int16},       {"uint16", arrow::uint16},
      {"int32", arrow::int32},       {"uint32", arrow::uint32},
      {"int64", arrow::int64},       {"uint64", arrow::uint64},
      {"halffloat", arrow::float16}, {"float", arrow::float32},
      {"double", arrow::float64},    {"string", arrow::utf8},
      {"large_string", arrow::large_utf8}, {"binary", arrow::binary},
      {"large_binary", arrow::large_binary}, {"date32:day", arrow::date32},
      {"date64:ms", arrow::date64},
  };
  if (auto it = kSimple.find(t); it != kSimple.end()) return it->second();

  std::vector<std::string_view> parts = Split(t, ':');
  std::string_view kind = parts[0];
  arrow::TimeUnit unit;
  int32_t a = 0, b = 0;
  if (kind == "timestamp") {
    // Exactly three parts: the time zone cannot contain ':' (Lance splits on it).
    if (parts.size() != 3 || !ParseUnit(parts[1], &unit) || parts[2].empty()) return bad();
    return arrow::timestamp(unit, parts[2] == "-" ? std::string() : std::string(parts[2]));
  }
  if (kind == "time32" || kind == "time64" || kind == "duration") {
    if (parts.size() != 2 || !ParseUnit(parts[1], &unit)) return bad();
    if (kind == "duration") return arrow::duration(unit);
    bool is32 = kind == "time32";
    bool unit_ok = is32 ? (unit == arrow::TimeUnit::kSecond || unit == arrow::TimeUnit::kMilli)
                        : (unit == arrow::TimeUnit::kMicro || unit == arrow::TimeUnit::kNano);
    if (!unit_ok) return bad();
    return is32 ? arrow::time32(unit) : arrow::time64(unit);
  }
  if (kind == "decimal") {
    if (parts.size() != 4 || !ParseInt(parts[2], &a) || !ParseInt(parts[3], &b)) return bad();
    int32_t max_precision = parts[1] == "128" ? 38 : parts[1] == "256" ? 76 : 0;
    if (max_precision == 0 || a < 1 || a > max_precision || b < -max_precision ||
        b > max_precision) {
      return bad();
    }
    return parts[1] == "128" ? arrow::decimal128(a, b) : arrow::decimal256(a, b);
  }
  if (kind == "fixed_size_binary") {
    if (parts.size() != 2 || !ParseInt(parts[1], &a) || a < 0) return bad();
    return arrow::fixed_size_binary(a);
  }
  if (kind == "fixed_size_list") {
    // fixed_size_list:{inner}:{n}; the inner type may itself contain ':'.
    if (parts.size() < 3 || !ParseInt(parts.back(), &a) || a < 0) return bad();
    size_t inner_start = kind.size() + 1;
    size_t inner_end = t.size() - parts.back().size() - 1;
    std::string_view inner = t.substr(inner_start, inner_end - inner_start);
    if (inner == "lance.bfloat16") {
      return Status::NotImplemented("Lance logical type '" + std::string(t) +
                                    "' (bfloat16) is not supported");
    }
    LF_ASSIGN_OR_RETURN(arrow::DataTypePtr item, ParseLogicalTypeImpl(inner, depth + 1));
    return arrow::fixed_size_list(arrow::MakeField("item", std::move(item), true), a);
  }
  if (kind == "dict") {
    // dict:{value}:{index}:{ordered}; the value type is a simple type.
    if (parts.size() < 4) return bad();
    std::string_view ordered = parts.back();
    std::string_view index = parts[parts.size() - 2];
    size_t value_end = t.size() - ordered.size() - index.size() - 2;
    std::string_view value = t.substr(kind.size() + 1, value_end - kind.size() - 1);
    LF_ASSIGN_OR_RETURN(arrow::DataTypePtr value_type, ParseLogicalTypeImpl(value, depth + 1));
    LF_ASSIGN_OR_RETURN(arrow::DataTypePtr index_type, ParseLogicalTypeImpl(index, depth + 1));
    if (!index_type->is_integer() || (ordered != "true" && ordered != "false")) return bad();
    return arrow::dictionary(index_type, value_type, ordered == "true");
  }
  if (t == "struct" || t == "list" || t == "large_list" || t == "list.struct" ||
      t == "large_list.struct") {
    return Status::Corrupt("Lance logical type '" + std::string(t) +
                           "' needs child fields");
  }
  if (t == "map") return Status::Corrupt("Lance logical type 'map' needs child fields");
  if (t == "json" || kind == "blob") {
    return Status::NotImplemented("Lance logical type '" + std::string(t) +
                                  "' is not supported yet");
  }
  return Status::NotImplemented("unknown Lance logical type '" + std::string(t) + "'");
}

struct Node {
  size_t index;                 // into the flat field list
  std::vector<size_t> children;  // node indices
};

class SchemaBuilder {
 public:
  explicit SchemaBuilder(std::vector<LanceField>* fields) : fields_(*fields) {}

  Result<arrow::SchemaPtr> Build(const arrow::KeyValueMetadata& metadata) {
    std::unordered_map<int32_t, size_t> by_id;
    std::vector<Node> nodes(fields_.size());
    std::vector<size_t> roots;
    for (size_t i = 0; i < fields_.size(); ++i) {
      const LanceField& f = fields_[i];
      nodes[i].index = i;
      if (f.id < 0) return Error(f, "has a negative id");
      if (!by_id.emplace(f.id, i).second) return Error(f, "has a duplicate id");
      if (f.parent_id == -1) {
        roots.push_back(i);
      } else {
        auto it = by_id.find(f.parent_id);
        if (it == by_id.end() || it->second == i) {
          return Error(f, "has parent id " + std::to_string(f.parent_id) +
                              " that is not an earlier field");
        }
        nodes[it->second].children.push_back(i);
      }
    }
    nodes_ = &nodes;
    std::vector<arrow::FieldPtr> out;
    for (size_t r = 0; r < roots.size(); ++r) {
      LF_ASSIGN_OR_RETURN(arrow::FieldPtr f, Convert(roots[r], {static_cast<int>(r)}, 0));
      out.push_back(std::move(f));
    }
    return std::make_shared<const arrow::Schema>(std::move(out), metadata);
  }

 private:
  Status Error(const LanceField& f, const std::string& what) const {
    return Status::Corrupt("Lance schema: field '" + f.name + "' (id " + std::to_string(f.id) +
                           ") " + what);
  }

  Result<arrow::FieldPtr> Convert(size_t i, std::vector<int> path, int depth) {
    LanceField& f = fields_[i];
    if (depth > kMaxSchemaDepth) return Error(f, "is nested too deeply");
    f.arrow_path = path;
    const std::vector<size_t>& kids = (*nodes_)[i].children;
    const std::string& t = f.logical_type;
    arrow::DataTypePtr type;
    if (t == "struct") {
      std::vector<arrow::FieldPtr> members;
      for (size_t c = 0; c < kids.size(); ++c) {
        std::vector<int> child_path = path;
        child_path.push_back(static_cast<int>(c));
        LF_ASSIGN_OR_RETURN(arrow::FieldPtr m, Convert(kids[c], std::move(child_path), depth + 1));
        members.push_back(std::move(m));
      }
      type = arrow::struct_(std::move(members));
    } else if (t == "list" || t == "list.struct" || t == "large_list" ||
               t == "large_list.struct") {
      if (kids.size() != 1) {
        return Error(f, "of type " + t + " has " + std::to_string(kids.size()) +
                            " child fields, expected 1");
      }
      std::vector<int> child_path = path;
      child_path.push_back(0);
      LF_ASSIGN_OR_RETURN(arrow::FieldPtr item, Convert(kids[0], std::move(child_path), depth + 1));
      bool item_is_struct = item->type->id() == arrow::TypeId::kStruct;
      if (item_is_struct != (t.ends_with(".struct"))) {
        return Error(f, "of type " + t + " has an item of type " + fields_[kids[0]].logical_type);
      }
      type = t.starts_with("large_") ? arrow::large_list(item) : arrow::list(item);
    } else if (t == "map") {
      // Lance 2.2+ maps: one non-nullable struct child "entries" of {key, value}, stored like
      // a list of that struct. The Arrow model has no map type, so a map surfaces as the
      // list<struct<key, value>> of its Arrow layout (JSON: an array of {"key", "value"}).
      if (kids.size() != 1) {
        return Error(f, "of type map has " + std::to_string(kids.size()) +
                            " child fields, expected 1");
      }
      std::vector<int> child_path = path;
      child_path.push_back(0);
      LF_ASSIGN_OR_RETURN(arrow::FieldPtr item, Convert(kids[0], std::move(child_path), depth + 1));
      if (item->type->id() != arrow::TypeId::kStruct || item->type->children().size() != 2) {
        return Error(f, "of type map has an entry of type " + fields_[kids[0]].logical_type +
                            ", expected a struct of key and value");
      }
      type = arrow::list(item);
    } else {
      if (!kids.empty()) return Error(f, "of type '" + t + "' has child fields");
      auto parsed = ParseLogicalTypeImpl(t, depth);
      if (!parsed.ok()) {
        return Status(parsed.status().code(), "Lance schema: field '" + f.name + "' (id " +
                                                  std::to_string(f.id) + "): " +
                                                  parsed.status().message());
      }
      type = *parsed;
    }
    return arrow::MakeField(f.name, std::move(type), f.nullable, f.metadata);
  }

  std::vector<LanceField>& fields_;
  std::vector<Node>* nodes_ = nullptr;
};

}  // namespace

Result<arrow::DataTypePtr> ParseLogicalType(std::string_view logical_type) {
  return ParseLogicalTypeImpl(logical_type, 0);
}

Result<arrow::SchemaPtr> BuildArrowSchema(std::vector<LanceField>* fields,
                                          const arrow::KeyValueMetadata& metadata) {
  return SchemaBuilder(fields).Build(metadata);
}

}  // namespace lanceflow::lance
