// Opens the source::Source a connection names: a local LanceDB database directory (or file://
// URI), or db://PROJECT for LanceDB Cloud / Enterprise. Shared by the `lanceflow` program (flags)
// and the Python module (the connector's string options).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "lanceflow/core/result.h"
#include "lanceflow/source/source.h"

namespace lanceflow::connect {

struct SourceSpec {
  std::string source;  // directory, file:///path or db://PROJECT
  std::string region = "us-east-1";
  std::string host_override;  // empty: env LANCEDB_HOST_OVERRIDE, else the public endpoint
  // The Cloud API key, first non-empty of: api_key (the value itself), the first line of
  // api_key_file, env api_key_env.
  std::string api_key;
  std::string api_key_file;
  std::string api_key_env = "LANCEDB_API_KEY";
  int64_t connect_timeout_ms = 10'000;
  int64_t read_timeout_ms = 300'000;
  int max_attempts = 5;
  int64_t page_rows = 0;  // rows per Cloud query page; 0 = sized from the schema
};

// Registers the Cloud API key as a secret (core/log.h) before anything can print it. Errors:
// Invalid for an empty or unsupported source or a missing key; IOError for an unreadable key
// file; the source's own errors (NotFound for a missing local directory).
Result<std::unique_ptr<source::Source>> OpenSource(const SourceSpec& spec);

// The connection keys of a connector's string options (the Lakeflow framework passes connection,
// framework and table options in one map; other keys are ignored):
//   source              directory, file:///path or db://PROJECT
//   database            db://PROJECT without the prefix (alias project_name); with source, both
//                       must name the same project
//   region, host_override, api_key, api_key_file, api_key_env
//   connect_timeout_ms  1..600000       read_timeout_ms  1..3600000
//   max_attempts        1..20           page_rows        1..1000000
// Errors (Invalid) name the key, never an api_key value.
Result<SourceSpec> SourceSpecFromOptions(const std::map<std::string, std::string>& options);

}  // namespace lanceflow::connect
