// The pipeline file of `lanceflow sync` (interfaces.md "sync PIPELINE.json"): the Lakeflow
// pipeline spec shape, extended with where to read and where to write.
//
//   {"pipeline_spec": {
//      "connection": {"source": SRC, "region"?, "host_override"?, "api_key_env"?}
//                    | "connection_name": NAME (an entry of a connections file),
//      "destination": {"type": "delta", "path": DIR},
//      "objects" (or the seed spelling "object"): [
//        {"table": {"source_table": T, "destination_table"?, "destination_catalog"?,
//                   "destination_schema"?, "table_configuration"?: {...}}}, ...]}}
//
// Rules (lakeflow-contract.md §6): unknown keys are rejected; `objects` is non-empty;
// `scd_type` is SCD_TYPE_1 (default), SCD_TYPE_2 or APPEND_ONLY, case-insensitive;
// `primary_keys` (and `cluster_by`) is a JSON list or one name; `scd_type`, `sequence_by` and
// `cluster_by` are taken out of the table configuration, every other entry is a connector option
// (primary_keys stays one too); option values may be strings, numbers or booleans and reach the
// connector as strings. Two objects may not land in the same destination table.
// Errors: Status::Invalid naming the file and the JSON path of the bad value, e.g.
//   "pipeline.json: pipeline_spec.objects[1].table.table_configuration.scd_type: expected
//    SCD_TYPE_1, SCD_TYPE_2 or APPEND_ONLY, got 'SCD3'"
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/core/result.h"

namespace lanceflow::pipeline {

enum class ScdType { kType1, kType2, kAppendOnly };
const char* ScdTypeName(ScdType t);  // "SCD_TYPE_1", "SCD_TYPE_2", "APPEND_ONLY"

struct ConnectionSpec {
  std::string source;  // a directory, file:///path or db://PROJECT
  std::string region;
  std::string host_override;
  std::string api_key_env = "LANCEDB_API_KEY";
};

struct DestinationSpec {
  std::string type = "delta";
  std::string path;
};

struct TableSpec {
  std::string source_table;
  std::string destination_table;  // source_table when not given
  std::string destination_catalog;  // accepted; a path destination does not use them
  std::string destination_schema;
  ScdType scd_type = ScdType::kType1;
  std::vector<std::string> primary_keys;
  std::optional<std::string> sequence_by;
  std::vector<std::string> cluster_by;
  // Connector options (lakeflow_connect.h), values as strings.
  std::map<std::string, std::string> options;
};

struct PipelineSpec {
  ConnectionSpec connection;
  DestinationSpec destination;
  std::vector<TableSpec> tables;
};

// Connections by name, for specs that say "connection_name".
using Connections = std::map<std::string, ConnectionSpec>;

// Parses the JSON text of a pipeline file; `file_name` prefixes errors.
Result<PipelineSpec> ParsePipelineSpec(std::string_view text, std::string_view file_name,
                                       const Connections& connections = {});
// Reads and parses a pipeline file (at most 16 MiB).
Result<PipelineSpec> LoadPipelineSpec(const std::string& path,
                                      const Connections& connections = {});

}  // namespace lanceflow::pipeline
