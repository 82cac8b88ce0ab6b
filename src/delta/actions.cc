#include "lanceflow/delta/actions.h"

#include <sys/random.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

namespace lanceflow::delta {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

std::string Dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::strict); }

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

ojson StringMap(const std::map<std::string, std::string>& m) {
  ojson j = ojson::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

Result<ojson> DvJson(const DeletionVectorDescriptor& d, const std::string& path) {
  if (d.storage_type != 'u' && d.storage_type != 'i' && d.storage_type != 'p') {
    return Status::Invalid("deletion vector of '" + path + "': unknown storageType");
  }
  if (d.path_or_inline_dv.empty() || d.size_in_bytes < 0 || d.cardinality < 0 ||
      (d.storage_type == 'i' && d.offset)) {
    return Status::Invalid("deletion vector of '" + path + "': invalid descriptor");
  }
  ojson j = ojson::object();
  j["storageType"] = std::string(1, d.storage_type);
  j["pathOrInlineDv"] = d.path_or_inline_dv;
  if (d.offset) j["offset"] = *d.offset;
  j["sizeInBytes"] = d.size_in_bytes;
  j["cardinality"] = d.cardinality;
  return j;
}

ojson PartitionJson(const PartitionValues& m) {
  ojson j = ojson::object();
  for (const auto& [k, v] : m) j[k] = v ? ojson(*v) : ojson(nullptr);
  return j;
}

Result<ojson> ActionJson(const Protocol& p) {
  if (p.min_reader_version < 1 || p.min_writer_version < 1) {
    return Status::Invalid("protocol: versions must be >= 1");
  }
  ojson j = ojson::object();
  j["minReaderVersion"] = p.min_reader_version;
  j["minWriterVersion"] = p.min_writer_version;
  if (p.reader_features) j["readerFeatures"] = *p.reader_features;
  if (p.writer_features) j["writerFeatures"] = *p.writer_features;
  return ojson{{"protocol", std::move(j)}};
}

Result<ojson> ActionJson(const Metadata& m) {
  if (!IsUuid(m.id)) return Status::Invalid("metaData: id '" + m.id + "' is not a UUID");
  if (m.schema_string.empty()) return Status::Invalid("metaData: empty schemaString");
  ojson j = ojson::object();
  j["id"] = m.id;
  if (m.name) j["name"] = *m.name;
  if (m.description) j["description"] = *m.description;
  j["format"] = ojson{{"provider", m.format.provider}, {"options", StringMap(m.format.options)}};
  j["schemaString"] = m.schema_string;
  j["partitionColumns"] = m.partition_columns;
  j["configuration"] = StringMap(m.configuration);
  if (m.created_time) j["createdTime"] = *m.created_time;
  return ojson{{"metaData", std::move(j)}};
}

Result<ojson> ActionJson(const AddFile& a) {
  if (a.path.empty()) return Status::Invalid("add: empty path");
  if (a.size < 0) return Status::Invalid("add '" + a.path + "': negative size");
  ojson j = ojson::object();
  j["path"] = EncodePath(a.path);
  j["partitionValues"] = PartitionJson(a.partition_values);
  j["size"] = a.size;
  j["modificationTime"] = a.modification_time;
  j["dataChange"] = a.data_change;
  if (a.stats) j["stats"] = *a.stats;
  if (a.tags) j["tags"] = StringMap(*a.tags);
  if (a.deletion_vector) {
    LF_ASSIGN_OR_RETURN(j["deletionVector"], DvJson(*a.deletion_vector, a.path));
  }
  return ojson{{"add", std::move(j)}};
}

Result<ojson> ActionJson(const RemoveFile& r) {
  if (r.path.empty()) return Status::Invalid("remove: empty path");
  if (r.size && *r.size < 0) return Status::Invalid("remove '" + r.path + "': negative size");
  ojson j = ojson::object();
  j["path"] = EncodePath(r.path);
  if (r.deletion_timestamp) j["deletionTimestamp"] = *r.deletion_timestamp;
  j["dataChange"] = r.data_change;
  if (r.extended_file_metadata) j["extendedFileMetadata"] = *r.extended_file_metadata;
  if (r.partition_values) j["partitionValues"] = PartitionJson(*r.partition_values);
  if (r.size) j["size"] = *r.size;
  if (r.stats) j["stats"] = *r.stats;
  if (r.tags) j["tags"] = StringMap(*r.tags);
  if (r.deletion_vector) {
    LF_ASSIGN_OR_RETURN(j["deletionVector"], DvJson(*r.deletion_vector, r.path));
  }
  return ojson{{"remove", std::move(j)}};
}

Result<ojson> ActionJson(const AppTransaction& t) {
  if (t.app_id.empty()) return Status::Invalid("txn: empty appId");
  ojson j = ojson::object();
  j["appId"] = t.app_id;
  j["version"] = t.version;
  if (t.last_updated) j["lastUpdated"] = *t.last_updated;
  return ojson{{"txn", std::move(j)}};
}

Result<ojson> ActionJson(const CommitInfo& c) {
  ojson j = ojson::object();
  if (c.timestamp) j["timestamp"] = *c.timestamp;
  if (c.operation) j["operation"] = *c.operation;
  j["operationParameters"] = StringMap(c.operation_parameters);
  if (!c.operation_metrics.empty()) j["operationMetrics"] = StringMap(c.operation_metrics);
  if (c.read_version) j["readVersion"] = *c.read_version;
  if (c.is_blind_append) j["isBlindAppend"] = *c.is_blind_append;
  if (c.engine_info) j["engineInfo"] = *c.engine_info;
  return ojson{{"commitInfo", std::move(j)}};
}

// ---------------------------------------------------------------------------------------------
// Parsing. `Ctx` carries the location for error messages.

struct Ctx {
  std::string_view where;
  int64_t line;
  const char* action;

  Status Bad(const std::string& what) const {
    return Status::Corrupt(std::string(where) + " line " + std::to_string(line) + ": " + action +
                           ": " + what);
  }
};

Result<const json*> Field(const json& obj, const char* name, const Ctx& c, bool required) {
  auto it = obj.find(name);
  if (it == obj.end() || (it->is_null() && required)) {
    if (required) return c.Bad(std::string("missing required field '") + name + "'");
    return static_cast<const json*>(nullptr);
  }
  if (it->is_null()) return static_cast<const json*>(nullptr);
  return &*it;
}

Result<std::string> GetString(const json& v, const char* name, const Ctx& c) {
  if (!v.is_string()) return c.Bad(std::string("field '") + name + "' is not a string");
  return v.get<std::string>();
}

Result<int64_t> GetInt64(const json& v, const char* name, const Ctx& c) {
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      return c.Bad(std::string("field '") + name + "' is out of range");
    }
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  return c.Bad(std::string("field '") + name + "' is not an integer");
}

Result<bool> GetBool(const json& v, const char* name, const Ctx& c) {
  if (!v.is_boolean()) return c.Bad(std::string("field '") + name + "' is not a boolean");
  return v.get<bool>();
}

Result<std::map<std::string, std::string>> GetStringMap(const json& v, const char* name,
                                                        const Ctx& c) {
  if (!v.is_object()) return c.Bad(std::string("field '") + name + "' is not an object");
  std::map<std::string, std::string> out;
  for (const auto& [k, val] : v.items()) {
    // Some writers put null values in tags/configuration; they mean "unset".
    if (val.is_null()) continue;
    if (!val.is_string()) {
      return c.Bad(std::string("field '") + name + "' entry '" + k + "' is not a string");
    }
    out[k] = val.get<std::string>();
  }
  return out;
}

Result<PartitionValues> GetPartitionValues(const json& v, const Ctx& c) {
  if (!v.is_object()) return c.Bad("field 'partitionValues' is not an object");
  PartitionValues out;
  for (const auto& [k, val] : v.items()) {
    if (val.is_null()) {
      out[k] = std::nullopt;
    } else if (val.is_string()) {
      out[k] = val.get<std::string>();
    } else {
      return c.Bad("partition value '" + k + "' is not a string");
    }
  }
  return out;
}

Result<std::vector<std::string>> GetStringList(const json& v, const char* name, const Ctx& c) {
  if (!v.is_array()) return c.Bad(std::string("field '") + name + "' is not an array");
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) return c.Bad(std::string("field '") + name + "' holds a non-string");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<int32_t> GetVersionNumber(const json& v, const char* name, const Ctx& c) {
  LF_ASSIGN_OR_RETURN(int64_t n, GetInt64(v, name, c));
  if (n < 1 || n > INT32_MAX) return c.Bad(std::string("field '") + name + "' is out of range");
  return static_cast<int32_t>(n);
}

Result<std::string> GetPath(const json& v, const Ctx& c) {
  LF_ASSIGN_OR_RETURN(std::string raw, GetString(v, "path", c));
  if (raw.empty()) return c.Bad("empty path");
  auto decoded = DecodePath(raw);
  if (!decoded.ok()) return c.Bad(decoded.status().message());
  return std::move(decoded).value();
}

// Reads optional field `name` of `obj` with `getter` into `out` (left unset when absent/null).
#define LF_OPT_FIELD(out, obj, name, getter, ctx)                      \
  do {                                                                 \
    LF_ASSIGN_OR_RETURN(const json* f_, Field(obj, name, ctx, false)); \
    if (f_ != nullptr) {                                               \
      LF_ASSIGN_OR_RETURN(out, getter(*f_, name, ctx));                \
    }                                                                  \
  } while (0)

Result<Protocol> ParseProtocol(const json& o, const Ctx& c) {
  Protocol p;
  LF_ASSIGN_OR_RETURN(const json* r, Field(o, "minReaderVersion", c, true));
  LF_ASSIGN_OR_RETURN(p.min_reader_version, GetVersionNumber(*r, "minReaderVersion", c));
  LF_ASSIGN_OR_RETURN(const json* w, Field(o, "minWriterVersion", c, true));
  LF_ASSIGN_OR_RETURN(p.min_writer_version, GetVersionNumber(*w, "minWriterVersion", c));
  LF_OPT_FIELD(p.reader_features, o, "readerFeatures", GetStringList, c);
  LF_OPT_FIELD(p.writer_features, o, "writerFeatures", GetStringList, c);
  return p;
}

Result<Metadata> ParseMetadata(const json& o, const Ctx& c) {
  Metadata m;
  LF_ASSIGN_OR_RETURN(const json* id, Field(o, "id", c, true));
  LF_ASSIGN_OR_RETURN(m.id, GetString(*id, "id", c));
  LF_OPT_FIELD(m.name, o, "name", GetString, c);
  LF_OPT_FIELD(m.description, o, "description", GetString, c);
  LF_ASSIGN_OR_RETURN(const json* fmt, Field(o, "format", c, true));
  if (!fmt->is_object()) return c.Bad("field 'format' is not an object");
  LF_ASSIGN_OR_RETURN(const json* prov, Field(*fmt, "provider", c, true));
  LF_ASSIGN_OR_RETURN(m.format.provider, GetString(*prov, "provider", c));
  LF_OPT_FIELD(m.format.options, *fmt, "options", GetStringMap, c);
  LF_ASSIGN_OR_RETURN(const json* schema, Field(o, "schemaString", c, true));
  LF_ASSIGN_OR_RETURN(m.schema_string, GetString(*schema, "schemaString", c));
  LF_ASSIGN_OR_RETURN(const json* parts, Field(o, "partitionColumns", c, true));
  LF_ASSIGN_OR_RETURN(m.partition_columns, GetStringList(*parts, "partitionColumns", c));
  // Required by the protocol, yet some writers leave it out when empty.
  LF_OPT_FIELD(m.configuration, o, "configuration", GetStringMap, c);
  LF_OPT_FIELD(m.created_time, o, "createdTime", GetInt64, c);
  return m;
}

Result<std::optional<DeletionVectorDescriptor>> ParseDv(const json& o, const Ctx& c) {
  LF_ASSIGN_OR_RETURN(const json* dv, Field(o, "deletionVector", c, false));
  if (dv == nullptr) return std::optional<DeletionVectorDescriptor>();
  if (!dv->is_object()) return c.Bad("field 'deletionVector' is not an object");
  DeletionVectorDescriptor d;
  LF_ASSIGN_OR_RETURN(const json* st, Field(*dv, "storageType", c, true));
  LF_ASSIGN_OR_RETURN(std::string storage, GetString(*st, "storageType", c));
  if (storage != "u" && storage != "i" && storage != "p") {
    return c.Bad("deletionVector: unknown storageType '" + storage + "'");
  }
  d.storage_type = storage[0];
  LF_ASSIGN_OR_RETURN(const json* p, Field(*dv, "pathOrInlineDv", c, true));
  LF_ASSIGN_OR_RETURN(d.path_or_inline_dv, GetString(*p, "pathOrInlineDv", c));
  std::optional<int64_t> offset;
  LF_OPT_FIELD(offset, *dv, "offset", GetInt64, c);
  if (offset) {
    if (*offset < 0 || *offset > INT32_MAX) return c.Bad("deletionVector: offset out of range");
    d.offset = static_cast<int32_t>(*offset);
  }
  LF_ASSIGN_OR_RETURN(const json* size, Field(*dv, "sizeInBytes", c, true));
  LF_ASSIGN_OR_RETURN(int64_t sz, GetInt64(*size, "sizeInBytes", c));
  if (sz < 0 || sz > INT32_MAX) return c.Bad("deletionVector: sizeInBytes out of range");
  d.size_in_bytes = static_cast<int32_t>(sz);
  LF_ASSIGN_OR_RETURN(const json* card, Field(*dv, "cardinality", c, true));
  LF_ASSIGN_OR_RETURN(d.cardinality, GetInt64(*card, "cardinality", c));
  if (d.cardinality < 0) return c.Bad("deletionVector: negative cardinality");
  return std::optional<DeletionVectorDescriptor>(std::move(d));
}

Result<AddFile> ParseAdd(const json& o, const Ctx& c) {
  AddFile a;
  LF_ASSIGN_OR_RETURN(const json* path, Field(o, "path", c, true));
  LF_ASSIGN_OR_RETURN(a.path, GetPath(*path, c));
  LF_ASSIGN_OR_RETURN(const json* pv, Field(o, "partitionValues", c, true));
  LF_ASSIGN_OR_RETURN(a.partition_values, GetPartitionValues(*pv, c));
  LF_ASSIGN_OR_RETURN(const json* size, Field(o, "size", c, true));
  LF_ASSIGN_OR_RETURN(a.size, GetInt64(*size, "size", c));
  if (a.size < 0) return c.Bad("negative size");
  LF_ASSIGN_OR_RETURN(const json* mt, Field(o, "modificationTime", c, true));
  LF_ASSIGN_OR_RETURN(a.modification_time, GetInt64(*mt, "modificationTime", c));
  LF_ASSIGN_OR_RETURN(const json* dc, Field(o, "dataChange", c, true));
  LF_ASSIGN_OR_RETURN(a.data_change, GetBool(*dc, "dataChange", c));
  LF_OPT_FIELD(a.stats, o, "stats", GetString, c);
  LF_OPT_FIELD(a.tags, o, "tags", GetStringMap, c);
  LF_ASSIGN_OR_RETURN(a.deletion_vector, ParseDv(o, c));
  return a;
}

Result<RemoveFile> ParseRemove(const json& o, const Ctx& c) {
  RemoveFile r;
  LF_ASSIGN_OR_RETURN(const json* path, Field(o, "path", c, true));
  LF_ASSIGN_OR_RETURN(r.path, GetPath(*path, c));
  LF_OPT_FIELD(r.deletion_timestamp, o, "deletionTimestamp", GetInt64, c);
  LF_ASSIGN_OR_RETURN(const json* dc, Field(o, "dataChange", c, true));
  LF_ASSIGN_OR_RETURN(r.data_change, GetBool(*dc, "dataChange", c));
  LF_OPT_FIELD(r.extended_file_metadata, o, "extendedFileMetadata", GetBool, c);
  LF_ASSIGN_OR_RETURN(const json* pv, Field(o, "partitionValues", c, false));
  if (pv != nullptr) {
    LF_ASSIGN_OR_RETURN(r.partition_values, GetPartitionValues(*pv, c));
  }
  LF_OPT_FIELD(r.size, o, "size", GetInt64, c);
  LF_OPT_FIELD(r.stats, o, "stats", GetString, c);
  LF_OPT_FIELD(r.tags, o, "tags", GetStringMap, c);
  LF_ASSIGN_OR_RETURN(r.deletion_vector, ParseDv(o, c));
  return r;
}

Result<AppTransaction> ParseTxn(const json& o, const Ctx& c) {
  AppTransaction t;
  LF_ASSIGN_OR_RETURN(const json* id, Field(o, "appId", c, true));
  LF_ASSIGN_OR_RETURN(t.app_id, GetString(*id, "appId", c));
  LF_ASSIGN_OR_RETURN(const json* v, Field(o, "version", c, true));
  LF_ASSIGN_OR_RETURN(t.version, GetInt64(*v, "version", c));
  LF_OPT_FIELD(t.last_updated, o, "lastUpdated", GetInt64, c);
  return t;
}

// commitInfo is free-form: take the conventional fields when they have the conventional types,
// ignore everything else (values of other writers are not ours to validate).
CommitInfo ParseCommitInfo(const json& o) {
  CommitInfo ci;
  auto str = [&](const char* k) -> std::optional<std::string> {
    auto it = o.find(k);
    if (it != o.end() && it->is_string()) return it->get<std::string>();
    return std::nullopt;
  };
  auto map = [&](const char* k) {
    std::map<std::string, std::string> out;
    auto it = o.find(k);
    if (it == o.end() || !it->is_object()) return out;
    for (const auto& [key, v] : it->items())
      out[key] = v.is_string() ? v.get<std::string>() : v.dump();
    return out;
  };
  auto it = o.find("timestamp");
  if (it != o.end() && it->is_number_integer()) ci.timestamp = it->get<int64_t>();
  it = o.find("readVersion");
  if (it != o.end() && it->is_number_integer()) ci.read_version = it->get<int64_t>();
  it = o.find("isBlindAppend");
  if (it != o.end() && it->is_boolean()) ci.is_blind_append = it->get<bool>();
  ci.operation = str("operation");
  ci.engine_info = str("engineInfo");
  ci.operation_parameters = map("operationParameters");
  ci.operation_metrics = map("operationMetrics");
  return ci;
}

}  // namespace

Result<std::string> SerializeAction(const Action& action) {
  Result<ojson> j = std::visit([](const auto& a) { return ActionJson(a); }, action);
  if (!j.ok()) return j.status();
  try {
    return Dump(*j);
  } catch (const ojson::exception& e) {
    // Only invalid UTF-8 in a string gets here.
    return Status::Invalid(std::string("delta action is not valid UTF-8: ") + e.what());
  }
}

Result<std::string> SerializeCommit(const std::vector<Action>& actions) {
  std::string out;
  for (const auto& a : actions) {
    LF_ASSIGN_OR_RETURN(std::string line, SerializeAction(a));
    out += line;
    out += '\n';
  }
  return out;
}

Result<std::vector<Action>> ParseCommit(std::string_view text, std::string_view where) {
  std::vector<Action> out;
  int64_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      return Status::Corrupt(std::string(where) + " line " + std::to_string(line_no) +
                             ": not valid JSON");
    }
    if (!j.is_object()) {
      return Status::Corrupt(std::string(where) + " line " + std::to_string(line_no) +
                             ": an action must be a JSON object");
    }
    for (const auto& [key, body] : j.items()) {
      Ctx c{where, line_no, nullptr};
      if (key != "protocol" && key != "metaData" && key != "add" && key != "remove" &&
          key != "txn" && key != "commitInfo") {
        continue;  // cdc, domainMetadata, checkpointMetadata, sidecar, future actions
      }
      c.action = key.c_str();
      if (!body.is_object()) return c.Bad("the action is not a JSON object");
      if (key == "protocol") {
        LF_ASSIGN_OR_RETURN(auto a, ParseProtocol(body, c));
        out.emplace_back(std::move(a));
      } else if (key == "metaData") {
        LF_ASSIGN_OR_RETURN(auto a, ParseMetadata(body, c));
        out.emplace_back(std::move(a));
      } else if (key == "add") {
        LF_ASSIGN_OR_RETURN(auto a, ParseAdd(body, c));
        out.emplace_back(std::move(a));
      } else if (key == "remove") {
        LF_ASSIGN_OR_RETURN(auto a, ParseRemove(body, c));
        out.emplace_back(std::move(a));
      } else if (key == "txn") {
        LF_ASSIGN_OR_RETURN(auto a, ParseTxn(body, c));
        out.emplace_back(std::move(a));
      } else {
        out.emplace_back(ParseCommitInfo(body));
      }
    }
  }
  return out;
}

std::string EncodePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (char ch : path) {
    auto u = static_cast<unsigned char>(ch);
    bool keep = std::isalnum(u) != 0 ||
                std::string_view("-_.!~*'();:$&+,=@/").find(ch) != std::string_view::npos;
    if (u >= 0x80) keep = false;
    if (keep) {
      out += ch;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

Result<std::string> DecodePath(std::string_view encoded) {
  auto hex = [](char ch) -> int {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      out += encoded[i];
      continue;
    }
    int hi = i + 2 < encoded.size() ? hex(encoded[i + 1]) : -1;
    int lo = i + 2 < encoded.size() ? hex(encoded[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Status::Corrupt("path '" + std::string(encoded) + "': malformed %-escape at offset " +
                             std::to_string(i));
    }
    int byte = hi * 16 + lo;
    if (byte == 0) {
      return Status::Corrupt("path '" + std::string(encoded) + "': encoded NUL at offset " +
                             std::to_string(i));
    }
    out += static_cast<char>(byte);
    i += 2;
  }
  return out;
}

std::string NewUuid() {
  // getrandom per call rather than a seeded engine: processes forked from one parent must never
  // produce the same data file name.
  uint8_t b[16];
  size_t got = 0;
  while (got < sizeof(b)) {
    ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      std::random_device rd;  // getrandom is unavailable only on very old kernels
      for (; got < sizeof(b); ++got) b[got] = static_cast<uint8_t>(rd());
    }
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0xF];
  }
  return out;
}

}  // namespace lanceflow::delta
