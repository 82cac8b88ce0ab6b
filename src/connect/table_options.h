// The table options of the LakeflowConnect contract, parsed and validated (see
// include/lanceflow/connect/lakeflow_connect.h for the list). Values arrive as strings; errors
// are one line naming the option, never echoing values of unknown keys (secrets travel in the
// same map).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lanceflow/connect/lakeflow_connect.h"
#include "lanceflow/expr/filter.h"

namespace lanceflow::connect {

inline constexpr int64_t kDefaultBatchSize = 1000;
inline constexpr int64_t kMaxBatchSize = 10000;
inline constexpr int64_t kDefaultMaxRecordsPerBatch = 1000;
inline constexpr int64_t kMaxMaxRecordsPerBatch = 1'000'000;
inline constexpr int64_t kMaxWindowSeconds = int64_t{100} * 366 * 86400;

struct TableOptions {
  std::optional<IngestionType> ingestion_type;  // as given
  std::vector<expr::ColumnPath> primary_keys;
  std::optional<std::string> cursor_field;
  int64_t batch_size = kDefaultBatchSize;
  int64_t max_records_per_batch = kDefaultMaxRecordsPerBatch;
  expr::ExprPtr filter;              // null when none
  std::vector<std::string> columns;  // empty = all
  std::optional<int64_t> lookback_seconds;
  std::optional<int64_t> lookback;
  // Window strategy (timestamp/date cursors): each incremental call reads at most the rows whose
  // cursor lies within window_seconds of the first row after the offset, and none after the
  // instance's init time.
  std::optional<int64_t> window_seconds;
  // Rows with an older cursor are never read (UTC instant, nanoseconds since the epoch).
  std::optional<__int128> start_timestamp_ns;
  bool uint64_as_decimal = false;

  // ingestion_type, or its default: cdc with a cursor field, snapshot without.
  IngestionType EffectiveIngestionType() const;
};

// Errors: Status::Invalid, "option <name>: <what>".
Result<TableOptions> ParseTableOptions(const Options& options);

// A JSON list of strings, or (not starting with '[') comma-separated items, trimmed.
Result<std::vector<std::string>> ParseNameList(const std::string& option, const std::string& text);

}  // namespace lanceflow::connect
