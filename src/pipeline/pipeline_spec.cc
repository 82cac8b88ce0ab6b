#include "lanceflow/pipeline/pipeline_spec.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace lanceflow::pipeline {
namespace {

using Json = nlohmann::json;

constexpr int64_t kMaxPipelineFileBytes = int64_t{16} << 20;

class Parser {
 public:
  Parser(std::string_view file_name, const Connections& connections)
      : file_(file_name), connections_(connections) {}

  Status Error(const std::string& path, const std::string& message) const {
    return Status::Invalid(file_ + ": " + path + ": " + message);
  }

  static const char* KindName(const Json& j) {
    switch (j.type()) {
      case Json::value_t::object: return "an object";
      case Json::value_t::array: return "a list";
      case Json::value_t::string: return "a string";
      case Json::value_t::boolean: return "a boolean";
      case Json::value_t::null: return "null";
      default: return "a number";
    }
  }

  // Rejects keys outside `allowed`.
  Status CheckKeys(const Json& obj, const std::string& path,
                   std::initializer_list<const char*> allowed) const {
    for (const auto& item : obj.items()) {
      const std::string& key = item.key();
      bool ok = std::any_of(allowed.begin(), allowed.end(),
                            [&key](const char* a) { return key == a; });
      if (!ok) {
        std::string list;
        for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
        return Error(path, "unknown key '" + key + "' (expected " + list + ")");
      }
    }
    return Status::OK();
  }

  Result<const Json*> Object(const Json& parent, const std::string& key, const std::string& path,
                             bool required) const {
    auto it = parent.find(key);
    if (it == parent.end()) {
      if (required) return Error(path, "missing key '" + key + "'");
      return nullptr;
    }
    if (!it->is_object()) {
      return Error(path + "." + key, std::string("expected an object, got ") + KindName(*it));
    }
    return &*it;
  }

  Result<std::string> String(const Json& parent, const std::string& key, const std::string& path,
                             bool required) const {
    auto it = parent.find(key);
    if (it == parent.end()) {
      if (required) return Error(path, "missing key '" + key + "'");
      return std::string();
    }
    if (!it->is_string()) {
      return Error(path + "." + key, std::string("expected a string, got ") + KindName(*it));
    }
    std::string s = it->get<std::string>();
    if (required && s.empty()) return Error(path + "." + key, "must not be empty");
    return s;
  }

  // A JSON list of names or one name (a string, possibly comma-separated).
  Result<std::vector<std::string>> NameList(const Json& value, const std::string& path) const {
    std::vector<std::string> out;
    if (value.is_string()) {
      std::string s = value.get<std::string>();
      std::stringstream ss(s);
      std::string part;
      while (std::getline(ss, part, ',')) {
        auto b = part.find_first_not_of(" \t");
        auto e = part.find_last_not_of(" \t");
        if (b == std::string::npos) return Error(path, "empty name in '" + s + "'");
        out.push_back(part.substr(b, e - b + 1));
      }
    } else if (value.is_array()) {
      for (size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_string() || value[i].get<std::string>().empty()) {
          return Error(path + "[" + std::to_string(i) + "]", "expected a column name");
        }
        out.push_back(value[i].get<std::string>());
      }
    } else {
      return Error(path, std::string("expected a list of names or one name, got ") +
                             KindName(value));
    }
    if (out.empty()) return Error(path, "names no column");
    return out;
  }

  Result<ConnectionSpec> Connection(const Json& spec, const std::string& path) const {
    const bool has_connection = spec.contains("connection");
    const bool has_name = spec.contains("connection_name");
    if (has_connection == has_name) {
      return Error(path, "give exactly one of 'connection' and 'connection_name'");
    }
    if (has_name) {
      LF_ASSIGN_OR_RETURN(std::string name, String(spec, "connection_name", path, true));
      auto it = connections_.find(name);
      if (it == connections_.end()) {
        return Error(path + ".connection_name",
                     "no connection named '" + name + "' in the connections file");
      }
      return it->second;
    }
    LF_ASSIGN_OR_RETURN(const Json* c, Object(spec, "connection", path, true));
    const std::string cpath = path + ".connection";
    LF_RETURN_NOT_OK(CheckKeys(*c, cpath, {"source", "region", "host_override", "api_key_env"}));
    ConnectionSpec out;
    LF_ASSIGN_OR_RETURN(out.source, String(*c, "source", cpath, true));
    LF_ASSIGN_OR_RETURN(out.region, String(*c, "region", cpath, false));
    LF_ASSIGN_OR_RETURN(out.host_override, String(*c, "host_override", cpath, false));
    LF_ASSIGN_OR_RETURN(std::string env, String(*c, "api_key_env", cpath, false));
    if (!env.empty()) out.api_key_env = env;
    return out;
  }

  Result<DestinationSpec> Destination(const Json& spec, const std::string& path) const {
    LF_ASSIGN_OR_RETURN(const Json* d, Object(spec, "destination", path, true));
    const std::string dpath = path + ".destination";
    LF_RETURN_NOT_OK(CheckKeys(*d, dpath, {"type", "path"}));
    DestinationSpec out;
    LF_ASSIGN_OR_RETURN(std::string type, String(*d, "type", dpath, false));
    if (!type.empty() && type != "delta") {
      return Error(dpath + ".type", "unsupported destination type '" + type +
                                        "' (supported: delta)");
    }
    LF_ASSIGN_OR_RETURN(out.path, String(*d, "path", dpath, true));
    return out;
  }

  Result<ScdType> Scd(const Json& value, const std::string& path) const {
    if (!value.is_string()) {
      return Error(path, std::string("expected a string, got ") + KindName(value));
    }
    std::string s = value.get<std::string>();
    std::string upper = s;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (upper == "SCD_TYPE_1") return ScdType::kType1;
    if (upper == "SCD_TYPE_2") return ScdType::kType2;
    if (upper == "APPEND_ONLY") return ScdType::kAppendOnly;
    return Error(path, "expected SCD_TYPE_1, SCD_TYPE_2 or APPEND_ONLY, got '" + s + "'");
  }

  Result<TableSpec> Table(const Json& object, const std::string& path) const {
    if (!object.is_object()) {
      return Error(path, std::string("expected an object, got ") + KindName(object));
    }
    LF_RETURN_NOT_OK(CheckKeys(object, path, {"table"}));
    LF_ASSIGN_OR_RETURN(const Json* t, Object(object, "table", path, true));
    const std::string tpath = path + ".table";
    LF_RETURN_NOT_OK(CheckKeys(*t, tpath,
                               {"source_table", "destination_table", "destination_catalog",
                                "destination_schema", "table_configuration"}));
    TableSpec out;
    LF_ASSIGN_OR_RETURN(out.source_table, String(*t, "source_table", tpath, true));
    LF_ASSIGN_OR_RETURN(out.destination_table, String(*t, "destination_table", tpath, false));
    if (out.destination_table.empty()) out.destination_table = out.source_table;
    if (out.destination_table.find('/') != std::string::npos || out.destination_table == "." ||
        out.destination_table == "..") {
      return Error(tpath + ".destination_table",
                   "'" + out.destination_table + "' is not a valid table name");
    }
    LF_ASSIGN_OR_RETURN(out.destination_catalog, String(*t, "destination_catalog", tpath, false));
    LF_ASSIGN_OR_RETURN(out.destination_schema, String(*t, "destination_schema", tpath, false));
    LF_ASSIGN_OR_RETURN(const Json* cfg, Object(*t, "table_configuration", tpath, false));
    if (cfg == nullptr) return out;
    const std::string cpath = tpath + ".table_configuration";
    for (const auto& [key, value] : cfg->items()) {
      const std::string vpath = cpath + "." + key;
      if (key == "scd_type") {
        LF_ASSIGN_OR_RETURN(out.scd_type, Scd(value, vpath));
      } else if (key == "sequence_by") {
        if (!value.is_string() || value.get<std::string>().empty()) {
          return Error(vpath, "expected a column name");
        }
        out.sequence_by = value.get<std::string>();
      } else if (key == "cluster_by") {
        LF_ASSIGN_OR_RETURN(out.cluster_by, NameList(value, vpath));
      } else if (key == "primary_keys") {
        LF_ASSIGN_OR_RETURN(out.primary_keys, NameList(value, vpath));
        out.options[key] = Json(out.primary_keys).dump();
      } else if (value.is_string()) {
        out.options[key] = value.get<std::string>();
      } else if (value.is_number() || value.is_boolean()) {
        out.options[key] = value.dump();
      } else if (value.is_array() && key == "columns") {
        LF_ASSIGN_OR_RETURN(auto names, NameList(value, vpath));
        out.options[key] = Json(names).dump();
      } else {
        return Error(vpath, std::string("expected a string, number or boolean, got ") +
                                KindName(value));
      }
    }
    return out;
  }

  Result<PipelineSpec> Parse(std::string_view text) const {
    Json root = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) {
      // Locate the syntax error for the message.
      try {
        (void)Json::parse(text);
      } catch (const Json::parse_error& e) {
        return Status::Invalid(file_ + ": not valid JSON: byte " + std::to_string(e.byte));
      }
      return Status::Invalid(file_ + ": not valid JSON");
    }
    if (!root.is_object()) {
      return Error("(top level)", std::string("expected an object, got ") + KindName(root));
    }
    LF_RETURN_NOT_OK(CheckKeys(root, "(top level)", {"pipeline_spec"}));
    LF_ASSIGN_OR_RETURN(const Json* spec, Object(root, "pipeline_spec", "(top level)", true));
    const std::string path = "pipeline_spec";
    LF_RETURN_NOT_OK(CheckKeys(*spec, path, {"connection", "connection_name", "destination",
                                             "objects", "object"}));
    PipelineSpec out;
    LF_ASSIGN_OR_RETURN(out.connection, Connection(*spec, path));
    LF_ASSIGN_OR_RETURN(out.destination, Destination(*spec, path));
    const bool has_objects = spec->contains("objects");
    const bool has_object = spec->contains("object");
    if (has_objects && has_object) return Error(path, "give 'objects' or 'object', not both");
    if (!has_objects && !has_object) return Error(path, "missing key 'objects'");
    const std::string key = has_objects ? "objects" : "object";
    const Json& objects = spec->at(key);
    const std::string opath = path + "." + key;
    if (objects.is_object()) {
      // The seed spelling may hold a single object instead of a list.
      LF_ASSIGN_OR_RETURN(auto t, Table(objects, opath));
      out.tables.push_back(std::move(t));
    } else if (objects.is_array()) {
      for (size_t i = 0; i < objects.size(); ++i) {
        LF_ASSIGN_OR_RETURN(auto t, Table(objects[i], opath + "[" + std::to_string(i) + "]"));
        out.tables.push_back(std::move(t));
      }
    } else {
      return Error(opath, std::string("expected a list of objects, got ") + KindName(objects));
    }
    if (out.tables.empty()) return Error(opath, "names no table");
    std::set<std::string> destinations;
    for (size_t i = 0; i < out.tables.size(); ++i) {
      if (!destinations.insert(out.tables[i].destination_table).second) {
        return Error(opath + "[" + std::to_string(i) + "]",
                     "destination table '" + out.tables[i].destination_table +
                         "' is written by an earlier object too");
      }
    }
    return out;
  }

 private:
  std::string file_;
  const Connections& connections_;
};

}  // namespace

const char* ScdTypeName(ScdType t) {
  switch (t) {
    case ScdType::kType1: return "SCD_TYPE_1";
    case ScdType::kType2: return "SCD_TYPE_2";
    case ScdType::kAppendOnly: return "APPEND_ONLY";
  }
  return "?";
}

Result<PipelineSpec> ParsePipelineSpec(std::string_view text, std::string_view file_name,
                                       const Connections& connections) {
  return Parser(file_name, connections).Parse(text);
}

Result<PipelineSpec> LoadPipelineSpec(const std::string& path, const Connections& connections) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read pipeline file '" + path + "'");
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (static_cast<int64_t>(text.size()) > kMaxPipelineFileBytes) {
      return Status::Invalid("pipeline file '" + path + "' is larger than 16 MiB");
    }
  }
  return ParsePipelineSpec(text, path, connections);
}

}  // namespace lanceflow::pipeline
