// The Source interface: where rows come from. Both the native Lance reader (local LanceDB
// databases) and the LanceDB Cloud REST client implement it; everything above (connect, pipeline,
// CLI) sees only this. A Source is used from one thread at a time; the readers it returns may be
// consumed on another thread but not concurrently with the Source itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/core/result.h"

namespace lanceflow::source {

// What a table looks like at one version.
struct TableDescription {
  std::string name;
  uint64_t version = 0;
  arrow::SchemaPtr schema;
};

struct VersionInfo {
  uint64_t version = 0;
  std::string timestamp;  // RFC 3339, UTC
};

struct ScanOptions {
  // Top-level column names to return, in this order; empty = every column of the schema.
  std::vector<std::string> columns;
  // A predicate in lanceflow's filter language (see expr/filter.h); empty = all rows.
  std::string filter;
  // The table version to read; nullopt = the latest, pinned once when the scan starts.
  std::optional<uint64_t> version;
  // Stop after this many rows; -1 = no limit.
  int64_t limit = -1;
  // Preferred rows per batch (a hint; sources may return smaller batches). 0 = source default.
  int64_t batch_rows = 0;
  // Only the rows of these fragments (ids from Source::ListFragments of the scanned version);
  // empty = every fragment. Sources without fragments return NotImplemented when it is set;
  // an id the version does not have is NotFound.
  std::vector<uint64_t> fragment_ids;
  // With exactly one fragment in fragment_ids: only its physical rows (deleted ones included in
  // the count, never returned) in [fragment_row_begin, fragment_row_end); -1 = to its end.
  int64_t fragment_row_begin = 0;
  int64_t fragment_row_end = -1;
  // Skip this many rows (after the filter, in the scan's order at the pinned version) before
  // returning any; `limit` counts from there. Only for sources whose SupportsScanOffset() is
  // true; the others return NotImplemented when it is non-zero.
  int64_t offset = 0;
};

// One fragment of a table version: a unit of storage that a scan can be restricted to.
struct FragmentInfo {
  uint64_t id = 0;
  // Rows stored, deleted ones included; 0 when the version does not record it.
  int64_t physical_rows = 0;
  // Rows deleted from it (0 when none or unknown).
  int64_t deleted_rows = 0;
};

// Which side of a row-level change between two versions a change scan returns (see
// Source::OpenChangeScan).
enum class RowChange {
  // Rows live at the older version whose physical place is not live at the newer one (deleted,
  // or rewritten elsewhere by an update or a compaction), read at the older version.
  kRemoved,
  // Rows live at the newer version whose physical place was not live at the older one
  // (inserted, or rewritten here by an update or a compaction), read at the newer version.
  kAdded,
};

// A scan in progress: the batches plus the version it is pinned to.
struct Scan {
  uint64_t version = 0;
  std::unique_ptr<arrow::RecordBatchReader> reader;
};

class Source {
 public:
  virtual ~Source() = default;

  // Names of the tables, sorted.
  virtual Result<std::vector<std::string>> ListTables() = 0;
  // Schema and version of `table` at `version` (nullopt = latest). NotFound for an unknown table
  // or version.
  virtual Result<TableDescription> Describe(const std::string& table,
                                            std::optional<uint64_t> version) = 0;
  // Rows matching `filter` (empty = all) at `version`.
  virtual Result<int64_t> CountRows(const std::string& table, const std::string& filter,
                                    std::optional<uint64_t> version) = 0;
  virtual Result<std::vector<VersionInfo>> ListVersions(const std::string& table) = 0;
  // Streams the rows of one consistent table version. Unknown columns and invalid filters are
  // reported here, before any row is produced.
  virtual Result<Scan> OpenScan(const std::string& table, const ScanOptions& options) = 0;
  // Streams the rows of `table` that changed place between `from_version` and `to_version`
  // (from <= to), one side at a time; `options.version` is ignored, the other options apply.
  // The cost follows the change, not the table. Scan::version is the version read. Sources
  // without physical row places (the default) return NotImplemented.
  virtual Result<Scan> OpenChangeScan(const std::string& table, uint64_t from_version,
                                      uint64_t to_version, RowChange side,
                                      const ScanOptions& options);
  // The fragments of `table` at `version`, in scan order. Sources without fragments (the
  // default) return NotImplemented.
  virtual Result<std::vector<FragmentInfo>> ListFragments(const std::string& table,
                                                          uint64_t /*version*/) {
    return Status::NotImplemented("table '" + table + "': this source has no fragments");
  }
  // True when OpenScan honours ScanOptions::offset with an order that is the same for every
  // scan of one version with the same options (so offset/limit ranges partition the rows).
  virtual bool SupportsScanOffset() const { return false; }
};

}  // namespace lanceflow::source
