// Local Lance datasets (`{name}.lance/` directories) and LanceDB databases (directories of
// them). A Dataset is one version of a table: its manifest (schema, fragments) plus access to
// the deletion files and data file metadata it references.
//
// Versions (rust/lance-table/src/io/commit.rs): `_versions/{N}.manifest` (V1 naming) or
// `_versions/{u64::MAX - N, 20 digits}.manifest` (V2 naming). Detached versions (`d*`) and
// other names are ignored. The latest version is the largest found.
//
// Errors: NotFound for a missing table or version (naming both), Corrupt for bad bytes,
// NotImplemented for features this reader lacks. Thread safety: a Dataset is immutable after
// Open and may be shared; its methods do blocking local file I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/core/result.h"
#include "lanceflow/lance/data_file.h"
#include "lanceflow/lance/deletion.h"
#include "lanceflow/lance/manifest.h"

namespace lanceflow::lance {

enum class ManifestNaming : uint8_t { kV1, kV2 };

// A manifest file name parsed: "7.manifest" -> {7, kV1}; "18446744073709551608.manifest" ->
// {7, kV2}. Returns nullopt for any other name (hint file, temp files, detached "d*" versions).
struct ManifestName {
  uint64_t version = 0;
  ManifestNaming naming = ManifestNaming::kV1;
};
std::optional<ManifestName> ParseManifestName(std::string_view file_name);
std::string ManifestFileName(uint64_t version, ManifestNaming naming);

struct VersionInfo {
  uint64_t version = 0;
  int64_t timestamp_nanos = 0;  // commit time, UTC
  ManifestNaming naming = ManifestNaming::kV1;
};

class Dataset {
 public:
  // Opens `path` (a `.lance` directory) at `version`, or at the latest version.
  static Result<std::shared_ptr<const Dataset>> Open(const std::string& path,
                                                     std::optional<uint64_t> version = {});
  // Every version whose manifest is present, ascending, with its commit time (reads each
  // manifest).
  static Result<std::vector<VersionInfo>> ListVersions(const std::string& path);
  // The version numbers present, ascending (directory listing only).
  static Result<std::vector<uint64_t>> ListVersionNumbers(const std::string& path);

  const std::string& path() const { return path_; }
  const Manifest& manifest() const { return manifest_; }
  const arrow::SchemaPtr& schema() const { return manifest_.schema; }
  uint64_t version() const { return manifest_.version; }
  const std::vector<Fragment>& fragments() const { return manifest_.fragments; }

  // The deleted row offsets of `fragment` (empty when it has no deletion file).
  Result<DeletionVector> ReadDeletions(const Fragment& fragment) const;
  // Footer, offset tables, file descriptor and column metadata of one data file.
  Result<DataFileMetadata> ReadDataFileMetadata(const DataFile& file) const;
  // Absolute paths, resolving base paths.
  Result<std::string> DataFilePath(const DataFile& file) const;
  Result<std::string> DeletionFilePath(const Fragment& fragment) const;

 private:
  Dataset(std::string path, Manifest manifest)
      : path_(std::move(path)), manifest_(std::move(manifest)) {}
  Result<std::string> BaseDir(std::optional<uint32_t> base_id, const char* subdir) const;

  std::string path_;
  Manifest manifest_;
};

// A LanceDB database: a directory holding one `{name}.lance/` directory per table.
class Database {
 public:
  explicit Database(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // Table names (directory names without ".lance"), sorted bytewise.
  Result<std::vector<std::string>> TableNames() const;
  // NotFound naming the table when it does not exist.
  Result<std::shared_ptr<const Dataset>> OpenTable(const std::string& name,
                                                   std::optional<uint64_t> version = {}) const;

 private:
  std::string path_;
};

}  // namespace lanceflow::lance
