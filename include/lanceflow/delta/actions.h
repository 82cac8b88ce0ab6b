// Delta Lake log actions (PROTOCOL.md "Actions") and their newline-delimited JSON form.
//
// Each struct mirrors one action with the protocol's field names. Paths held here are decoded
// relative paths (or absolute URIs); they are percent-encoded when written and decoded when read,
// as the protocol requires. Optional fields are written only when set. Parsing ignores unknown
// actions and unknown fields (readers must), and refuses a known action whose required field is
// missing or has the wrong JSON type with a kCorrupt Status naming the file and line.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lanceflow/core/result.h"
#include "lanceflow/delta/deletion_vector.h"

namespace lanceflow::delta {

struct Protocol {
  int32_t min_reader_version = 1;
  int32_t min_writer_version = 2;
  // Present only with reader version 3 / writer version 7 (table features).
  std::optional<std::vector<std::string>> reader_features;
  std::optional<std::vector<std::string>> writer_features;

  bool operator==(const Protocol&) const = default;
};

struct Format {
  std::string provider = "parquet";
  std::map<std::string, std::string> options;

  bool operator==(const Format&) const = default;
};

struct Metadata {
  std::string id;  // a UUID
  std::optional<std::string> name;
  std::optional<std::string> description;
  Format format;
  std::string schema_string;  // Spark StructType JSON
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
  std::optional<int64_t> created_time;  // milliseconds since the epoch

  bool operator==(const Metadata&) const = default;
};

// Partition values: column -> value; std::nullopt is a null partition value.
using PartitionValues = std::map<std::string, std::optional<std::string>>;

struct AddFile {
  std::string path;  // decoded; relative to the table root unless it is an absolute URI
  PartitionValues partition_values;
  int64_t size = 0;               // bytes
  int64_t modification_time = 0;  // milliseconds since the epoch
  bool data_change = true;
  std::optional<std::string> stats;  // the JSON text of the statistics (see file_stats.h)
  std::optional<std::map<std::string, std::string>> tags;
  // The rows of the data file that are logically deleted (merge-on-read); numRecords in `stats`
  // still counts every row of the file.
  std::optional<DeletionVectorDescriptor> deletion_vector;

  bool operator==(const AddFile&) const = default;
};

struct RemoveFile {
  std::string path;                           // decoded, as for AddFile
  std::optional<int64_t> deletion_timestamp;  // milliseconds since the epoch
  bool data_change = true;
  std::optional<bool> extended_file_metadata;
  std::optional<PartitionValues> partition_values;
  std::optional<int64_t> size;
  std::optional<std::string> stats;
  std::optional<std::map<std::string, std::string>> tags;
  // The DV of the logical file removed ((path, DV) identifies a logical file).
  std::optional<DeletionVectorDescriptor> deletion_vector;

  bool operator==(const RemoveFile&) const = default;
};

// The `txn` action: the latest version an application committed (idempotent writes).
struct AppTransaction {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;  // milliseconds since the epoch

  bool operator==(const AppTransaction&) const = default;
};

// `commitInfo` is free-form; these are the conventional fields. Parameter and metric values are
// strings, as Spark writes them.
struct CommitInfo {
  std::optional<int64_t> timestamp;
  std::optional<std::string> operation;
  std::map<std::string, std::string> operation_parameters;
  std::map<std::string, std::string> operation_metrics;
  std::optional<std::string> engine_info;
  std::optional<bool> is_blind_append;
  std::optional<int64_t> read_version;

  bool operator==(const CommitInfo&) const = default;
};

using Action = std::variant<Protocol, Metadata, AddFile, RemoveFile, AppTransaction, CommitInfo>;

// One action as one line of JSON (no trailing newline), e.g. {"add":{"path":...}}.
// Fails (kInvalidArgument) on values the protocol cannot carry: an empty path, a negative size,
// an empty app id, an empty or non-UUID metadata id.
Result<std::string> SerializeAction(const Action& action);
// A whole commit file: one line per action, each ending with '\n'.
Result<std::string> SerializeCommit(const std::vector<Action>& actions);

// Parses a commit file. `where` names it in errors (e.g. "_delta_log/00000000000000000003.json").
// Blank lines are skipped; lines holding only unknown actions produce nothing.
Result<std::vector<Action>> ParseCommit(std::string_view text, std::string_view where);

// Percent-encodes a path for the log: everything outside the characters a URI path may carry
// unescaped (RFC 2396 as used by Hadoop/Spark: alphanumerics, "-_.!~*'()", ";:$&+,=@/") becomes
// %XX of its UTF-8 bytes.
std::string EncodePath(std::string_view path);
// Decodes %XX escapes; fails (kCorrupt) on a malformed escape or an encoded NUL.
Result<std::string> DecodePath(std::string_view encoded);

// A fresh random (version 4) UUID in its canonical 36-character form.
std::string NewUuid();

}  // namespace lanceflow::delta
