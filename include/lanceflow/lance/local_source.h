// The native source: a local LanceDB database (a directory of `{table}.lance/` datasets) read
// straight from the Lance files, no engine and no server.
//
// Scans pin one manifest version when they open, then stream fragment after fragment in the
// manifest's order, and within a fragment in physical row order (deleted rows dropped), as the
// official engine does for an unordered scan. Only the pages of the projected columns (plus the
// columns the filter needs) are read. Columns of a batch are decoded in parallel on the
// default thread pool, and the next batch is decoded while the caller consumes the current one,
// so memory follows the batch size (plus one page per column).
//
// Hidden columns (uint64, not part of the schema, selectable by name in `columns` and usable in
// filters): `_rowid` (the stable row id when the table has stable row ids, else the row
// address), `_rowaddr` (fragment id << 32 | row offset), `_row_created_at_version`,
// `_row_last_updated_at_version` (both 1 when the table does not record row versions).
//
// Errors name the table (and file, column, version) at fault: NotFound for unknown tables,
// versions and columns; Corrupt for damaged files; NotImplemented for features this reader
// lacks (newer data file formats, unknown encodings, unknown feature flags).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lanceflow/lance/dataset.h"
#include "lanceflow/source/source.h"

namespace lanceflow::lance {

inline constexpr const char* kRowIdColumn = "_rowid";
inline constexpr const char* kRowAddrColumn = "_rowaddr";
inline constexpr const char* kRowCreatedAtColumn = "_row_created_at_version";
inline constexpr const char* kRowUpdatedAtColumn = "_row_last_updated_at_version";
// True for the names above.
bool IsHiddenColumn(const std::string& name);

class LocalSource : public source::Source {
 public:
  // `path` is the database directory (or a file:// URI of one). NotFound if it is not a
  // directory.
  static Result<std::unique_ptr<LocalSource>> Open(const std::string& path);

  Result<std::vector<std::string>> ListTables() override;
  Result<source::TableDescription> Describe(const std::string& table,
                                            std::optional<uint64_t> version) override;
  Result<int64_t> CountRows(const std::string& table, const std::string& filter,
                            std::optional<uint64_t> version) override;
  Result<std::vector<source::VersionInfo>> ListVersions(const std::string& table) override;
  // options.fragment_ids restricts the scan to those fragments (still in manifest order);
  // options.offset is not supported (NotImplemented when non-zero).
  Result<source::Scan> OpenScan(const std::string& table,
                                const source::ScanOptions& options) override;
  // The version's fragments in manifest order (physical_rows 0 when the manifest omits it).
  Result<std::vector<source::FragmentInfo>> ListFragments(const std::string& table,
                                                          uint64_t version) override;
  // Fragments are matched by id and first data file (ids may restart after an overwrite).
  // kRemoved reads, at from_version, the rows of fragments gone at to_version plus the rows of
  // common fragments that to_version's deletion file adds; kAdded the reverse. Only the deletion
  // files of fragments whose deletion file changed are read. NotFound when a version no
  // longer exists (cleaned up); Invalid when from_version > to_version.
  Result<source::Scan> OpenChangeScan(const std::string& table, uint64_t from_version,
                                      uint64_t to_version, source::RowChange side,
                                      const source::ScanOptions& options) override;

  // Opens `table` at `version` (latest when nullopt); exposed for the connect layer.
  Result<std::shared_ptr<const Dataset>> OpenDataset(const std::string& table,
                                                     std::optional<uint64_t> version);

 private:
  explicit LocalSource(std::string path) : db_(std::move(path)) {}
  Database db_;
};

// Restricts a dataset scan to some rows. Fragments not listed are skipped; a listed fragment
// maps to nullopt (all its rows) or to strictly increasing row offsets. Deleted rows stay
// excluded, as do offsets past the fragment's end.
struct RowSelection {
  std::map<uint64_t, std::optional<std::vector<uint32_t>>> fragments;
};

// Opens a scan of one dataset version (what LocalSource::OpenScan does after opening it),
// optionally restricted to `selection` (null = every row). Fragments are read in the
// manifest's order either way.
Result<std::unique_ptr<arrow::RecordBatchReader>> OpenDatasetScan(
    std::shared_ptr<const Dataset> dataset, const std::string& table,
    const source::ScanOptions& options,
    std::shared_ptr<const RowSelection> selection = nullptr);

}  // namespace lanceflow::lance
