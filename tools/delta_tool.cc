// lanceflow_delta_tool: drives the Delta log module from scripts, so that tests/test_delta_log.py
// can check with delta-rs what it writes and check what delta-rs writes with it.
//
//   lanceflow_delta_tool create ROOT --schema-ipc FILE [--spec SPEC.json]
//       SPEC: {"name":..., "configuration":{...}, "adds":[ADD...]}
//   lanceflow_delta_tool commit ROOT --spec SPEC.json
//       SPEC: {"read_version":N?, "remove_all":bool?, "remove":[path...]?, "adds":[ADD...]?,
//              "txn":[{"appId":..,"version":..}]?, "operation":..?, "metadata_configuration":{..}?,
//              "try_version":N? (one TryCommitVersion of exactly N, no conflict checks)}
//       prints {"outcome":"committed"|"version_taken","version":N}; exit 3 when taken
//   lanceflow_delta_tool snapshot ROOT [--version N]   prints the snapshot as JSON
//   lanceflow_delta_tool candidates ROOT --key COL --kind number|string|timestamp --keys JSON
//       prints the paths of the live files that may hold any of the keys (a JSON array)
//
// ADD: {"path":..,"size":..,"modificationTime":..,
//       "stats":{"numRecords":N,"columns":[{"path":[..],"min":v,"max":v,"nullCount":n}]}}
// Errors: one line on stderr, exit 1.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lanceflow/arrow/ipc.h"
#include "lanceflow/delta/delta_table.h"
#include "lanceflow/delta/file_stats.h"

namespace {

using lanceflow::Result;
using lanceflow::Status;
using json = nlohmann::json;
namespace delta = lanceflow::delta;

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot open '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<json> ReadJson(const std::string& path) {
  LF_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::Invalid("'" + path + "' is not valid JSON");
  return j;
}

Result<delta::StatValue> ToStatValue(const json& v) {
  if (v.is_boolean()) return delta::StatValue(v.get<bool>());
  if (v.is_number_integer()) return delta::StatValue(v.get<int64_t>());
  if (v.is_number_float()) return delta::StatValue(v.get<double>());
  if (v.is_string()) return delta::StatValue(v.get<std::string>());
  return Status::Invalid("unsupported stats value " + v.dump());
}

Result<delta::AddFile> ToAdd(const json& j) {
  delta::AddFile a;
  a.path = j.at("path").get<std::string>();
  a.size = j.at("size").get<int64_t>();
  a.modification_time = j.at("modificationTime").get<int64_t>();
  if (j.contains("stats")) {
    const json& s = j["stats"];
    delta::FileStats fs;
    fs.num_records = s.at("numRecords").get<int64_t>();
    for (const auto& c : s.value("columns", json::array())) {
      delta::ColumnStats cs;
      cs.path = c.at("path").get<std::vector<std::string>>();
      if (c.contains("min")) {
        LF_ASSIGN_OR_RETURN(cs.min, ToStatValue(c["min"]));
      }
      if (c.contains("max")) {
        LF_ASSIGN_OR_RETURN(cs.max, ToStatValue(c["max"]));
      }
      if (c.contains("nullCount")) cs.null_count = c["nullCount"].get<int64_t>();
      fs.columns.push_back(std::move(cs));
    }
    LF_ASSIGN_OR_RETURN(a.stats, fs.ToJson());
  }
  return a;
}

json StatValueJson(const delta::StatValue& v) {
  return std::visit([](const auto& x) { return json(x); }, v);
}

json SnapshotJson(const delta::Snapshot& s) {
  json j;
  j["version"] = s.version;
  j["protocol"] = {{"minReaderVersion", s.protocol.min_reader_version},
                   {"minWriterVersion", s.protocol.min_writer_version}};
  if (s.protocol.reader_features) j["protocol"]["readerFeatures"] = *s.protocol.reader_features;
  if (s.protocol.writer_features) j["protocol"]["writerFeatures"] = *s.protocol.writer_features;
  json md;
  md["id"] = s.metadata.id;
  if (s.metadata.name) md["name"] = *s.metadata.name;
  md["schemaString"] = s.metadata.schema_string;
  md["partitionColumns"] = s.metadata.partition_columns;
  md["configuration"] = s.metadata.configuration;
  if (s.metadata.created_time) md["createdTime"] = *s.metadata.created_time;
  j["metaData"] = md;
  json files = json::array();
  for (const auto& f : s.files) {
    json fj;
    fj["path"] = f.path;
    fj["size"] = f.size;
    fj["modificationTime"] = f.modification_time;
    fj["dataChange"] = f.data_change;
    if (f.stats) {
      fj["stats"] = *f.stats;
      auto parsed = delta::ParseFileStats(*f.stats);
      if (parsed.ok()) {
        fj["numRecords"] = parsed->num_records;
        json cols = json::object();
        for (const auto& c : parsed->columns) {
          std::string key;
          for (const auto& p : c.path) key += (key.empty() ? "" : ".") + p;
          json cj = json::object();
          if (c.min) cj["min"] = StatValueJson(*c.min);
          if (c.max) cj["max"] = StatValueJson(*c.max);
          if (c.null_count) cj["nullCount"] = *c.null_count;
          cols[key] = cj;
        }
        fj["columns"] = cols;
      }
    }
    files.push_back(fj);
  }
  j["files"] = files;
  json txns = json::object();
  for (const auto& [id, t] : s.app_transactions) txns[id] = t.version;
  j["txns"] = txns;
  return j;
}

Status Create(const std::string& root, const std::string& schema_ipc, const std::string& spec) {
  LF_ASSIGN_OR_RETURN(std::string bytes, ReadText(schema_ipc));
  LF_ASSIGN_OR_RETURN(auto contents,
                      lanceflow::arrow::ipc::ReadAll(lanceflow::Buffer::FromString(bytes)));
  delta::CreateOptions opts;
  std::vector<delta::AddFile> adds;
  if (!spec.empty()) {
    LF_ASSIGN_OR_RETURN(json j, ReadJson(spec));
    if (j.contains("name")) opts.name = j["name"].get<std::string>();
    if (j.contains("configuration")) {
      opts.configuration = j["configuration"].get<std::map<std::string, std::string>>();
    }
    for (const auto& a : j.value("adds", json::array())) {
      LF_ASSIGN_OR_RETURN(auto add, ToAdd(a));
      adds.push_back(std::move(add));
    }
  }
  LF_ASSIGN_OR_RETURN(auto table,
                      delta::DeltaTable::Create(root, *contents.schema, opts, std::move(adds)));
  std::cout << json{{"outcome", "committed"}, {"version", 0}}.dump() << "\n";
  return Status::OK();
}

Result<int> Commit(const std::string& root, const std::string& spec_path) {
  LF_ASSIGN_OR_RETURN(json spec, ReadJson(spec_path));
  LF_ASSIGN_OR_RETURN(auto table, delta::DeltaTable::Open(root));
  std::optional<int64_t> read_version;
  if (spec.contains("read_version")) read_version = spec["read_version"].get<int64_t>();
  LF_ASSIGN_OR_RETURN(delta::Snapshot snap, table->LoadSnapshot(read_version));
  delta::Transaction txn(snap);
  int64_t now = delta::NowMillis();
  if (spec.value("remove_all", false)) txn.RemoveAll(now);
  for (const auto& p : spec.value("remove", json::array())) {
    LF_RETURN_NOT_OK(txn.Remove(p.get<std::string>(), now));
  }
  for (const auto& a : spec.value("adds", json::array())) {
    LF_ASSIGN_OR_RETURN(auto add, ToAdd(a));
    LF_RETURN_NOT_OK(txn.Add(std::move(add)));
  }
  for (const auto& t : spec.value("txn", json::array())) {
    LF_RETURN_NOT_OK(txn.SetAppTransaction(t.at("appId").get<std::string>(),
                                           t.at("version").get<int64_t>(), now));
  }
  if (spec.contains("metadata_configuration")) {
    delta::Metadata m = snap.metadata;
    m.configuration = spec["metadata_configuration"].get<std::map<std::string, std::string>>();
    txn.SetMetadata(std::move(m));
  }
  if (spec.contains("operation")) {
    delta::CommitInfo ci;
    ci.operation = spec["operation"].get<std::string>();
    ci.operation_parameters["mode"] = txn.removes_data() ? "Overwrite" : "Append";
    txn.SetCommitInfo(ci);
  }
  delta::CommitResult r;
  if (spec.contains("try_version")) {
    LF_ASSIGN_OR_RETURN(auto actions, txn.Actions());
    LF_ASSIGN_OR_RETURN(r, table->TryCommitVersion(spec["try_version"].get<int64_t>(), actions));
  } else {
    LF_ASSIGN_OR_RETURN(r, table->Commit(txn));
  }
  bool ok = r.outcome == delta::CommitOutcome::kCommitted;
  std::cout << json{{"outcome", ok ? "committed" : "version_taken"}, {"version", r.version}}.dump()
            << "\n";
  return ok ? 0 : 3;
}

Status Candidates(const std::string& root, const std::string& key, const std::string& kind,
                  const std::string& keys_json) {
  LF_ASSIGN_OR_RETURN(auto table, delta::DeltaTable::Open(root));
  LF_ASSIGN_OR_RETURN(delta::Snapshot snap, table->LoadSnapshot());
  delta::KeyColumn col;
  col.path = {key};
  if (kind == "number")
    col.kind = delta::KeyKind::kNumber;
  else if (kind == "string")
    col.kind = delta::KeyKind::kString;
  else if (kind == "timestamp")
    col.kind = delta::KeyKind::kTimestamp;
  else
    return Status::Invalid("unknown key kind '" + kind + "'");
  json keys = json::parse(keys_json, nullptr, false);
  if (!keys.is_array()) return Status::Invalid("--keys must be a JSON array");
  std::vector<delta::KeyTuple> tuples;
  for (const auto& k : keys) {
    if (k.is_null()) {
      tuples.push_back({std::nullopt});
    } else {
      LF_ASSIGN_OR_RETURN(auto v, ToStatValue(k));
      tuples.push_back({v});
    }
  }
  LF_ASSIGN_OR_RETURN(auto idx, delta::FilesThatMayHoldKeys(snap.files, {col}, tuples));
  json out = json::array();
  for (size_t i : idx) out.push_back(snap.files[i].path);
  std::cout << out.dump() << "\n";
  return Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lanceflow Delta log tool"};
  app.require_subcommand(1);
  std::string root, schema_ipc, spec, key, kind = "number", keys;
  int64_t version = -1;
  auto* create = app.add_subcommand("create", "create a table");
  create->add_option("root", root)->required();
  create->add_option("--schema-ipc", schema_ipc)->required();
  create->add_option("--spec", spec);
  auto* commit = app.add_subcommand("commit", "commit a transaction");
  commit->add_option("root", root)->required();
  commit->add_option("--spec", spec)->required();
  auto* snapshot = app.add_subcommand("snapshot", "print a snapshot");
  snapshot->add_option("root", root)->required();
  snapshot->add_option("--version", version);
  auto* candidates = app.add_subcommand("candidates", "files that may hold keys");
  candidates->add_option("root", root)->required();
  candidates->add_option("--key", key)->required();
  candidates->add_option("--kind", kind);
  candidates->add_option("--keys", keys)->required();
  CLI11_PARSE(app, argc, argv);

  Status st;
  int code = 0;
  try {
    if (create->parsed()) {
      st = Create(root, schema_ipc, spec);
    } else if (commit->parsed()) {
      auto r = Commit(root, spec);
      if (r.ok())
        code = *r;
      else
        st = r.status();
    } else if (snapshot->parsed()) {
      auto table = delta::DeltaTable::Open(root);
      if (!table.ok()) {
        st = table.status();
      } else {
        auto snap =
            (*table)->LoadSnapshot(version >= 0 ? std::optional<int64_t>(version) : std::nullopt);
        if (snap.ok())
          std::cout << SnapshotJson(*snap).dump() << "\n";
        else
          st = snap.status();
      }
    } else if (candidates->parsed()) {
      st = Candidates(root, key, kind, keys);
    }
  } catch (const json::exception& e) {
    st = Status::Invalid(std::string("bad spec: ") + e.what());
  }
  if (!st.ok()) {
    std::fprintf(stderr, "lanceflow_delta_tool: error: %s\n", st.ToString().c_str());
    return 1;
  }
  return code;
}
