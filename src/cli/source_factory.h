// Opens the source named by --source: a local LanceDB database directory (or file:// URI), or
// db://PROJECT for LanceDB Cloud / Enterprise.
#pragma once

#include <memory>
#include <string>

#include "lanceflow/source/source.h"

namespace lanceflow::cli {

struct SourceSpec {
  std::string source;         // as given to --source
  std::string region = "us-east-1";
  std::string host_override;  // --host-override or LANCEDB_HOST_OVERRIDE
  std::string api_key_file;   // --api-key-file; else env LANCEDB_API_KEY
  std::string api_key_env = "LANCEDB_API_KEY";
  int64_t connect_timeout_ms = 10'000;
  int64_t read_timeout_ms = 300'000;
  int max_attempts = 5;
  int64_t page_rows = 0;  // rows per Cloud query page; 0 = sized from the schema
};

Result<std::unique_ptr<source::Source>> OpenSource(const SourceSpec& spec);

}  // namespace lanceflow::cli
