#include "lanceflow/lance/dataset.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <utility>

#include "local_fs.h"

namespace lanceflow::lance {
namespace {

constexpr int64_t kMaxManifestBytes = int64_t{256} << 20;
constexpr std::string_view kManifestSuffix = ".manifest";
constexpr std::string_view kTableSuffix = ".lance";

std::string Join(const std::string& a, std::string_view b) {
  if (a.empty() || a.back() == '/') return a + std::string(b);
  return a + "/" + std::string(b);
}

Status CheckName(const std::string& what, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    return Status::Invalid("invalid " + what + " name '" + name + "'");
  }
  return Status::OK();
}

Result<std::vector<ManifestName>> ListManifests(const std::string& path) {
  auto entries = LocalListDir(Join(path, "_versions"));
  if (!entries.ok()) {
    if (entries.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no Lance table at " + path + " (no _versions directory)");
    }
    return entries.status();
  }
  std::vector<ManifestName> out;
  for (const DirEntry& e : *entries) {
    if (e.is_directory) continue;
    if (auto m = ParseManifestName(e.name)) out.push_back(*m);
  }
  std::sort(out.begin(), out.end(),
            [](const ManifestName& a, const ManifestName& b) { return a.version < b.version; });
  return out;
}

Result<Manifest> ReadManifest(const std::string& path, uint64_t version,
                              const std::vector<ManifestName>& present) {
  // Try the V2 name, then V1 (a directory should hold one scheme only).
  for (ManifestNaming naming : {ManifestNaming::kV2, ManifestNaming::kV1}) {
    bool found = std::any_of(present.begin(), present.end(), [&](const ManifestName& m) {
      return m.version == version && m.naming == naming;
    });
    if (!found) continue;
    std::string name = Join(Join(path, "_versions"), ManifestFileName(version, naming));
    LF_ASSIGN_OR_RETURN(BufferPtr bytes, LocalReadFile(name, kMaxManifestBytes));
    LF_ASSIGN_OR_RETURN(Manifest m, DecodeManifestFile(bytes->data(), bytes->size(), name));
    if (m.version != version) {
      return Status::Corrupt(name + ": holds version " + std::to_string(m.version));
    }
    return m;
  }
  return Status::NotFound("Lance table " + path + " has no version " + std::to_string(version));
}

}  // namespace

std::optional<ManifestName> ParseManifestName(std::string_view file_name) {
  if (!file_name.ends_with(kManifestSuffix)) return std::nullopt;
  std::string_view stem = file_name.substr(0, file_name.size() - kManifestSuffix.size());
  if (stem.empty() || stem.size() > 20) return std::nullopt;
  if (!std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;  // includes detached "d{n}" versions and temp names
  }
  uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(stem.data(), stem.data() + stem.size(), n);
  if (ec != std::errc() || ptr != stem.data() + stem.size()) return std::nullopt;
  if (stem.size() == 20) {
    uint64_t version = std::numeric_limits<uint64_t>::max() - n;
    if (version == 0) return std::nullopt;
    return ManifestName{version, ManifestNaming::kV2};
  }
  if (n == 0 || (stem.size() > 1 && stem[0] == '0')) return std::nullopt;
  return ManifestName{n, ManifestNaming::kV1};
}

std::string ManifestFileName(uint64_t version, ManifestNaming naming) {
  if (naming == ManifestNaming::kV1) return std::to_string(version) + ".manifest";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020llu",
                static_cast<unsigned long long>(std::numeric_limits<uint64_t>::max() - version));
  return std::string(buf) + ".manifest";
}

Result<std::shared_ptr<const Dataset>> Dataset::Open(const std::string& path,
                                                     std::optional<uint64_t> version) {
  LF_ASSIGN_OR_RETURN(std::vector<ManifestName> present, ListManifests(path));
  if (present.empty()) return Status::NotFound("Lance table " + path + " has no versions");
  uint64_t v = version.value_or(present.back().version);
  LF_ASSIGN_OR_RETURN(Manifest m, ReadManifest(path, v, present));
  return std::shared_ptr<const Dataset>(new Dataset(path, std::move(m)));
}

Result<std::vector<uint64_t>> Dataset::ListVersionNumbers(const std::string& path) {
  LF_ASSIGN_OR_RETURN(std::vector<ManifestName> present, ListManifests(path));
  std::vector<uint64_t> out;
  for (const ManifestName& m : present) {
    if (out.empty() || out.back() != m.version) out.push_back(m.version);
  }
  return out;
}

Result<std::vector<VersionInfo>> Dataset::ListVersions(const std::string& path) {
  LF_ASSIGN_OR_RETURN(std::vector<ManifestName> present, ListManifests(path));
  std::vector<VersionInfo> out;
  for (const ManifestName& name : present) {
    if (!out.empty() && out.back().version == name.version) continue;
    LF_ASSIGN_OR_RETURN(Manifest m, ReadManifest(path, name.version, present));
    out.push_back({m.version, m.timestamp_nanos, name.naming});
  }
  return out;
}

Result<std::string> Dataset::BaseDir(std::optional<uint32_t> base_id, const char* subdir) const {
  if (!base_id) return Join(path_, subdir);
  for (const BasePath& b : manifest_.base_paths) {
    if (b.id != *base_id) continue;
    if (b.path.find("://") != std::string::npos) {
      return Status::NotImplemented("base path " + b.path + " is not a local directory");
    }
    return b.is_dataset_root ? Join(b.path, subdir) : b.path;
  }
  return Status::Corrupt(path_ + ": version " + std::to_string(version()) +
                         " references unknown base path id " + std::to_string(*base_id));
}

Result<std::string> Dataset::DataFilePath(const DataFile& file) const {
  LF_ASSIGN_OR_RETURN(std::string dir, BaseDir(file.base_id, "data"));
  return Join(dir, file.path);
}

Result<std::string> Dataset::DeletionFilePath(const Fragment& fragment) const {
  if (!fragment.deletion_file) {
    return Status::NotFound("fragment " + std::to_string(fragment.id) + " has no deletion file");
  }
  LF_ASSIGN_OR_RETURN(std::string dir, BaseDir(fragment.deletion_file->base_id, "_deletions"));
  return Join(dir, fragment.deletion_file->FileName(fragment.id));
}

Result<DeletionVector> Dataset::ReadDeletions(const Fragment& fragment) const {
  if (!fragment.deletion_file) return DeletionVector();
  LF_ASSIGN_OR_RETURN(std::string file, DeletionFilePath(fragment));
  // A deletion vector of u32 offsets, or a roaring bitmap of them, never needs more than this.
  constexpr int64_t kMaxDeletionFileBytes = int64_t{1} << 34;
  LF_ASSIGN_OR_RETURN(BufferPtr bytes, LocalReadFile(file, kMaxDeletionFileBytes));
  return DecodeDeletionFile(bytes, *fragment.deletion_file, fragment.physical_rows, file);
}

Result<DataFileMetadata> Dataset::ReadDataFileMetadata(const DataFile& file) const {
  LF_ASSIGN_OR_RETURN(std::string p, DataFilePath(file));
  LF_ASSIGN_OR_RETURN(int64_t size, LocalFileSize(p));
  if (file.file_size_bytes != 0 && file.file_size_bytes != static_cast<uint64_t>(size)) {
    return Status::Corrupt("data file " + p + ": " + std::to_string(size) +
                           " bytes on disk, the manifest records " +
                           std::to_string(file.file_size_bytes));
  }
  return lance::ReadDataFileMetadata(
      size, [&p](int64_t offset, int64_t length) { return LocalReadRange(p, offset, length); },
      p);
}

Result<std::vector<std::string>> Database::TableNames() const {
  LF_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, LocalListDir(path_));
  std::vector<std::string> out;
  for (const DirEntry& e : entries) {
    if (!e.is_directory || !std::string_view(e.name).ends_with(kTableSuffix)) continue;
    if (e.name.size() == kTableSuffix.size()) continue;
    out.push_back(e.name.substr(0, e.name.size() - kTableSuffix.size()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::shared_ptr<const Dataset>> Database::OpenTable(const std::string& name,
                                                           std::optional<uint64_t> version) const {
  LF_RETURN_NOT_OK(CheckName("table", name));
  std::string dir = Join(path_, name + std::string(kTableSuffix));
  auto ds = Dataset::Open(dir, version);
  if (!ds.ok() && ds.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("table '" + name + "'" +
                            (version ? " version " + std::to_string(*version) : "") + ": " +
                            ds.status().message());
  }
  return ds;
}

}  // namespace lanceflow::lance
