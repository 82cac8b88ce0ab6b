#include "lanceflow/delta/delta_table.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "lanceflow/connect/spark_schema.h"
#include "lanceflow/delta/file_stats.h"

namespace lanceflow::delta {
namespace {

constexpr const char* kEngineInfo = "lanceflow/0.1.0";

std::string Errno(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct LogListing {
  std::vector<int64_t> versions;  // commit files, ascending
  std::vector<int64_t> checkpoint_versions;
  bool has_last_checkpoint = false;
};

Result<LogListing> ListLog(const std::string& log_dir) {
  DIR* dir = opendir(log_dir.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return Status::NotFound("no Delta log at '" + log_dir + "'");
    return Status::IOError(Errno("cannot list", log_dir));
  }
  LogListing out;
  errno = 0;
  while (struct dirent* e = readdir(dir)) {
    std::string_view name = e->d_name;
    if (name == "_last_checkpoint") {
      out.has_last_checkpoint = true;
      continue;
    }
    if (name.size() < 21 || !IsDigits(name.substr(0, 20)) || name[20] != '.') continue;
    std::string_view rest = name.substr(21);
    int64_t v = std::stoll(std::string(name.substr(0, 20)));
    if (rest == "json") {
      out.versions.push_back(v);
    } else if (rest.starts_with("checkpoint") && rest.ends_with(".parquet")) {
      out.checkpoint_versions.push_back(v);
    }
  }
  int err = errno;
  closedir(dir);
  if (err != 0) return Status::IOError("cannot list '" + log_dir + "': " + std::strerror(err));
  std::sort(out.versions.begin(), out.versions.end());
  std::sort(out.checkpoint_versions.begin(), out.checkpoint_versions.end());
  return out;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no file '" + path + "'");
    return Status::IOError(Errno("cannot open", path));
  }
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string msg = Errno("cannot read", path);
      close(fd);
      return Status::IOError(msg);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

Status WriteAllAndSync(int fd, std::string_view data, const std::string& path) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(Errno("cannot write", path));
    }
    off += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return Status::IOError(Errno("cannot fsync", path));
  return Status::OK();
}

Status SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(Errno("cannot open directory", dir));
  int rc = fsync(fd);
  std::string msg = rc != 0 ? Errno("cannot fsync directory", dir) : "";
  close(fd);
  return rc != 0 ? Status::IOError(msg) : Status::OK();
}

Status MakeDirs(const std::string& path) {
  std::string cur;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    cur = path.substr(0, next);
    pos = next + 1;
    if (cur.empty()) continue;
    if (mkdir(cur.c_str(), 0777) != 0 && errno != EEXIST) {
      return Status::IOError(Errno("cannot create directory", cur));
    }
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::IOError("'" + path + "' is not a directory");
  }
  return Status::OK();
}

// Keys of logical files (path, DV unique id); sorting by it sorts by path first.
std::string LogicalKey(const std::string& path, const std::optional<DeletionVectorDescriptor>& dv) {
  return path + '\0' + (dv ? dv->UniqueId() : std::string());
}

bool Contains(const std::optional<std::vector<std::string>>& list, const std::string& s) {
  return list && std::find(list->begin(), list->end(), s) != list->end();
}

Status CheckFeatures(const std::optional<std::vector<std::string>>& features,
                     const std::set<std::string>& supported, const char* kind) {
  if (!features) return Status::OK();
  for (const auto& f : *features) {
    if (!supported.count(f)) {
      return Status::NotImplemented(std::string("Delta table ") + kind + " feature '" + f +
                                    "' is not supported");
    }
  }
  return Status::OK();
}

}  // namespace

Protocol DeletionVectorProtocol() {
  Protocol p;
  p.min_reader_version = 3;
  p.min_writer_version = 7;
  p.reader_features = std::vector<std::string>{"deletionVectors"};
  // The legacy writer features (1, 2) implies stay listed: Spark refuses a table whose metadata
  // enables a feature its protocol does not list, and it counts invariants as always enabled.
  p.writer_features = std::vector<std::string>{"appendOnly", "invariants", "deletionVectors"};
  return p;
}

bool DeletionVectorsEnabled(const Protocol& protocol, const Metadata& metadata) {
  auto it = metadata.configuration.find(kEnableDeletionVectorsKey);
  return protocol.min_writer_version == 7 &&
         Contains(protocol.writer_features, "deletionVectors") &&
         it != metadata.configuration.end() && it->second == "true";
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string CommitFileName(int64_t version) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "_delta_log/%020lld.json", static_cast<long long>(version));
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Snapshot

std::optional<int64_t> Snapshot::AppTransactionVersion(const std::string& app_id) const {
  auto it = app_transactions.find(app_id);
  if (it == app_transactions.end()) return std::nullopt;
  return it->second.version;
}

const AddFile* Snapshot::FindFile(const std::string& path) const {
  auto it = std::lower_bound(files.begin(), files.end(), path,
                             [](const AddFile& f, const std::string& p) { return f.path < p; });
  return it != files.end() && it->path == path ? &*it : nullptr;
}

int64_t Snapshot::NumRecords() const {
  int64_t total = 0;
  for (const auto& f : files) {
    if (!f.stats) return -1;
    auto s = ParseFileStats(*f.stats);
    if (!s.ok() || s->num_records < 0) return -1;
    total += s->num_records - (f.deletion_vector ? f.deletion_vector->cardinality : 0);
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Transaction

Transaction::Transaction(const Snapshot& read_snapshot)
    : read_version_(read_snapshot.version),
      read_protocol_(read_snapshot.protocol),
      read_metadata_(read_snapshot.metadata) {
  for (const auto& f : read_snapshot.files) read_files_.emplace(f.path, f);
}

Status Transaction::Add(AddFile file) {
  if (file.path.empty()) return Status::Invalid("add: empty path");
  if (file.size < 0) return Status::Invalid("add '" + file.path + "': negative size");
  adds_.push_back(std::move(file));
  return Status::OK();
}

Status Transaction::Remove(const std::string& path, int64_t deletion_timestamp) {
  auto it = read_files_.find(path);
  if (it == read_files_.end()) {
    return Status::Invalid("remove '" + path + "': not a live file of version " +
                           std::to_string(read_version_));
  }
  for (const auto& r : removes_) {
    if (r.path == path) return Status::Invalid("remove '" + path + "': removed twice");
  }
  const AddFile& a = it->second;
  RemoveFile r;
  r.path = a.path;
  r.deletion_timestamp = deletion_timestamp;
  r.data_change = true;
  r.extended_file_metadata = true;
  r.partition_values = a.partition_values;
  r.size = a.size;
  r.stats = a.stats;
  r.deletion_vector = a.deletion_vector;
  removes_.push_back(std::move(r));
  return Status::OK();
}

void Transaction::RemoveAll(int64_t deletion_timestamp) {
  std::set<std::string> already;
  for (const auto& r : removes_) already.insert(r.path);
  for (const auto& entry : read_files_) {
    if (!already.count(entry.first)) (void)Remove(entry.first, deletion_timestamp);
  }
}

Status Transaction::SetDeletionVector(const std::string& path, DeletionVectorDescriptor dv,
                                      int64_t deletion_timestamp) {
  if (!DeletionVectorsEnabled(read_protocol_, read_metadata_)) {
    return Status::Invalid("deletion vector for '" + path +
                           "': the table does not enable deletion vectors");
  }
  auto it = read_files_.find(path);
  if (it == read_files_.end()) {
    return Status::Invalid("deletion vector for '" + path + "': not a live file of version " +
                           std::to_string(read_version_));
  }
  AddFile a = it->second;
  if (!a.stats) {
    return Status::Invalid("deletion vector for '" + path + "': the file has no numRecords");
  }
  nlohmann::json stats = nlohmann::json::parse(*a.stats, nullptr, /*allow_exceptions=*/false);
  auto nr = stats.is_object() ? stats.find("numRecords") : stats.end();
  if (!stats.is_object() || nr == stats.end() || !nr->is_number_integer()) {
    return Status::Invalid("deletion vector for '" + path + "': the file has no numRecords");
  }
  if (dv.cardinality > nr->get<int64_t>()) {
    return Status::Invalid("deletion vector for '" + path + "' deletes " +
                           std::to_string(dv.cardinality) + " of " +
                           std::to_string(nr->get<int64_t>()) + " rows");
  }
  LF_RETURN_NOT_OK(Remove(path, deletion_timestamp));
  stats["tightBounds"] = false;
  a.stats = stats.dump();
  a.deletion_vector = std::move(dv);
  a.data_change = true;
  adds_.push_back(std::move(a));
  return Status::OK();
}

Status Transaction::SetAppTransaction(const std::string& app_id, int64_t version,
                                      std::optional<int64_t> last_updated) {
  if (app_id.empty()) return Status::Invalid("txn: empty appId");
  if (txns_.count(app_id)) return Status::Invalid("txn: appId '" + app_id + "' set twice");
  txns_[app_id] = AppTransaction{app_id, version, last_updated};
  return Status::OK();
}

void Transaction::SetMetadata(Metadata metadata) { metadata_ = std::move(metadata); }
void Transaction::SetCommitInfo(CommitInfo info) { commit_info_ = std::move(info); }

Result<std::vector<Action>> Transaction::Actions() const {
  if (adds_.empty() && removes_.empty() && txns_.empty() && !metadata_) {
    return Status::Invalid("empty commit: no add, remove, txn or metaData");
  }
  // A logical file is (path, DV): a path may be removed and added again with another DV.
  auto logical = [](const std::string& path, const std::optional<DeletionVectorDescriptor>& dv) {
    return path + '\0' + (dv ? dv->UniqueId() : std::string());
  };
  std::set<std::string> paths;
  std::set<std::string> added_paths;
  for (const auto& r : removes_) paths.insert(logical(r.path, r.deletion_vector));
  for (const auto& a : adds_) {
    if (!paths.insert(logical(a.path, a.deletion_vector)).second ||
        !added_paths.insert(a.path).second) {
      return Status::Invalid("commit names path '" + a.path + "' twice");
    }
  }
  std::vector<Action> out;
  CommitInfo ci;
  if (commit_info_) {
    ci = *commit_info_;
  } else {
    ci.operation = "WRITE";
    ci.operation_parameters["mode"] = removes_.empty() ? "Append" : "Overwrite";
  }
  if (!ci.timestamp) ci.timestamp = NowMillis();
  if (!ci.engine_info) ci.engine_info = kEngineInfo;
  if (!ci.read_version && read_version_ >= 0) ci.read_version = read_version_;
  if (!ci.is_blind_append) ci.is_blind_append = removes_.empty() && !metadata_;
  out.emplace_back(std::move(ci));
  if (metadata_) out.emplace_back(*metadata_);
  for (const auto& [id, t] : txns_) out.emplace_back(t);
  for (const auto& r : removes_) out.emplace_back(r);
  for (const auto& a : adds_) out.emplace_back(a);
  return out;
}

// ---------------------------------------------------------------------------------------------
// DeltaTable

Status DeltaTable::CheckReadable(const Protocol& p) {
  if (p.min_reader_version == 1) return Status::OK();
  if (p.min_reader_version == 3) {
    return CheckFeatures(p.reader_features,
                         {"deletionVectors", "timestampNtz", "vacuumProtocolCheck"}, "reader");
  }
  if (p.min_reader_version == 2) {
    return Status::NotImplemented(
        "Delta table needs reader version 2 (column mapping), "
        "which is not supported");
  }
  return Status::NotImplemented("Delta table needs reader version " +
                                std::to_string(p.min_reader_version) + ", which is not supported");
}

Status DeltaTable::CheckWritable(const Protocol& p, const Metadata& m) {
  LF_RETURN_NOT_OK(CheckReadable(p));
  if (p.min_writer_version == 7) {
    LF_RETURN_NOT_OK(CheckFeatures(p.writer_features,
                                   {"appendOnly", "invariants", "deletionVectors"}, "writer"));
  } else if (p.min_writer_version > 2) {
    return Status::NotImplemented("Delta table needs writer version " +
                                  std::to_string(p.min_writer_version) +
                                  ", lanceflow writes up to version 2");
  }
  if (Contains(p.reader_features, "timestampNtz")) {
    return Status::NotImplemented("Delta table feature 'timestampNtz' is not supported for writes");
  }
  // Writer version 2 obliges honouring column invariants, which are SQL expressions lanceflow
  // does not evaluate: refuse a schema that declares any.
  if (m.schema_string.find("delta.invariants") != std::string::npos) {
    return Status::NotImplemented(
        "Delta table declares column invariants (delta.invariants), "
        "which lanceflow cannot enforce");
  }
  auto cdf = m.configuration.find("delta.enableChangeDataFeed");
  if (cdf != m.configuration.end() && cdf->second == "true") {
    return Status::NotImplemented(
        "Delta table has the change data feed enabled, "
        "which lanceflow cannot write");
  }
  if (m.format.provider != "parquet") {
    return Status::NotImplemented("Delta table format '" + m.format.provider +
                                  "' is not supported");
  }
  if (!m.partition_columns.empty()) {
    return Status::NotImplemented("partitioned Delta tables are not supported for writes");
  }
  return Status::OK();
}

Result<std::unique_ptr<DeltaTable>> DeltaTable::Open(std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  struct stat st;
  std::string log = root + "/_delta_log";
  if (stat(log.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::NotFound("no Delta table at '" + root + "' (no _delta_log directory)");
  }
  return std::unique_ptr<DeltaTable>(new DeltaTable(std::move(root)));
}

Result<std::unique_ptr<DeltaTable>> DeltaTable::Create(std::string root,
                                                       const arrow::Schema& schema,
                                                       const CreateOptions& options,
                                                       std::vector<AddFile> initial_files) {
  return CreateWithSchemaString(std::move(root), connect::SparkSchemaJson(schema), options,
                                std::move(initial_files));
}

Result<std::unique_ptr<DeltaTable>> DeltaTable::CreateWithSchemaString(
    std::string root, std::string schema_string, const CreateOptions& options,
    std::vector<AddFile> initial_files) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  Metadata m;
  m.id = options.table_id.empty() ? NewUuid() : options.table_id;
  m.name = options.name;
  m.description = options.description;
  m.schema_string = std::move(schema_string);
  m.configuration = options.configuration;
  m.created_time = options.created_time ? *options.created_time : NowMillis();
  LF_RETURN_NOT_OK(CheckWritable(options.protocol, m));

  LF_RETURN_NOT_OK(MakeDirs(root + "/_delta_log"));
  std::unique_ptr<DeltaTable> table(new DeltaTable(root));

  std::vector<Action> actions;
  CommitInfo ci;
  ci.timestamp = NowMillis();
  ci.operation = "CREATE TABLE";
  ci.operation_parameters["mode"] = "ErrorIfExists";
  ci.operation_parameters["location"] = root;
  ci.engine_info = kEngineInfo;
  ci.is_blind_append = true;
  actions.emplace_back(std::move(ci));
  actions.emplace_back(options.protocol);
  actions.emplace_back(std::move(m));
  std::set<std::string> paths;
  for (auto& f : initial_files) {
    if (!paths.insert(f.path).second) {
      return Status::Invalid("create: path '" + f.path + "' given twice");
    }
    actions.emplace_back(std::move(f));
  }
  LF_ASSIGN_OR_RETURN(CommitResult r, table->TryCommitVersion(0, actions));
  if (r.outcome == CommitOutcome::kVersionTaken) {
    return Status::Invalid("a Delta table already exists at '" + root + "'");
  }
  return table;
}

Result<int64_t> DeltaTable::LatestVersion() const {
  LF_ASSIGN_OR_RETURN(LogListing l, ListLog(LogDir()));
  return l.versions.empty() ? -1 : l.versions.back();
}

Result<std::vector<Action>> DeltaTable::ReadCommit(int64_t version) const {
  std::string name = CommitFileName(version);
  LF_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(root_ + "/" + name));
  return ParseCommit(text, name);
}

Result<Snapshot> DeltaTable::LoadSnapshot(std::optional<int64_t> version) const {
  return Replay(nullptr, version);
}

Result<Snapshot> DeltaTable::UpdateSnapshot(const Snapshot& base) const {
  if (base.version < 0) return Status::Invalid("UpdateSnapshot: the base snapshot is empty");
  return Replay(&base, std::nullopt);
}

Result<Snapshot> DeltaTable::Replay(const Snapshot* base, std::optional<int64_t> version) const {
  LF_ASSIGN_OR_RETURN(LogListing l, ListLog(LogDir()));
  if (l.versions.empty()) {
    return Status::NotFound("Delta table '" + root_ + "' has no commits");
  }
  int64_t target = version ? *version : l.versions.back();
  if (target < 0 || target > l.versions.back()) {
    return Status::NotFound("Delta table '" + root_ + "' has no version " + std::to_string(target) +
                            " (latest is " + std::to_string(l.versions.back()) + ")");
  }
  if (base != nullptr && base->version > l.versions.back()) {
    return Status::Corrupt("Delta table '" + root_ + "': log ends at version " +
                           std::to_string(l.versions.back()) + " before the snapshot's version " +
                           std::to_string(base->version));
  }
  const int64_t first = base != nullptr ? base->version + 1 : 0;
  // Index in l.versions of version `first`: the listing must be contiguous from there.
  auto it = std::lower_bound(l.versions.begin(), l.versions.end(), first);
  if (first <= target && (it == l.versions.end() || *it != first)) {
    if (first == 0 && (!l.checkpoint_versions.empty() || l.has_last_checkpoint)) {
      return Status::NotImplemented(
          "Delta table '" + root_ + "': commits before version " +
          std::to_string(l.versions.front()) +
          " were cleaned up and only a Parquet checkpoint holds that state; reading checkpoints "
          "is not supported yet");
    }
    if (first == 0) {
      return Status::Corrupt("Delta table '" + root_ + "': log starts at version " +
                             std::to_string(l.versions.front()) + " and has no checkpoint");
    }
    return Status::Corrupt("Delta table '" + root_ + "': version " + std::to_string(first) +
                           " is missing from the log");
  }
  Snapshot snap;
  std::map<std::string, AddFile> live;
  bool have_protocol = base != nullptr;
  bool have_metadata = base != nullptr;
  if (base != nullptr) {
    snap.version = base->version;
    snap.protocol = base->protocol;
    snap.metadata = base->metadata;
    snap.app_transactions = base->app_transactions;
    snap.commit_timestamp = base->commit_timestamp;
    for (const auto& f : base->files) live.emplace(LogicalKey(f.path, f.deletion_vector), f);
  }
  int64_t expect = first;
  for (; it != l.versions.end() && *it <= target; ++it, ++expect) {
    if (*it != expect) {
      return Status::Corrupt("Delta table '" + root_ + "': version " + std::to_string(expect) +
                             " is missing from the log");
    }
    LF_ASSIGN_OR_RETURN(std::vector<Action> actions, ReadCommit(*it));
    snap.commit_timestamp.reset();
    for (auto& a : actions) {
      if (auto* p = std::get_if<Protocol>(&a)) {
        snap.protocol = std::move(*p);
        have_protocol = true;
      } else if (auto* m = std::get_if<Metadata>(&a)) {
        snap.metadata = std::move(*m);
        have_metadata = true;
      } else if (auto* add = std::get_if<AddFile>(&a)) {
        std::string key = LogicalKey(add->path, add->deletion_vector);
        live[key] = std::move(*add);
      } else if (auto* rm = std::get_if<RemoveFile>(&a)) {
        live.erase(LogicalKey(rm->path, rm->deletion_vector));
      } else if (auto* t = std::get_if<AppTransaction>(&a)) {
        snap.app_transactions[t->app_id] = std::move(*t);
      } else if (auto* ci = std::get_if<CommitInfo>(&a)) {
        snap.commit_timestamp = ci->timestamp;
      }
    }
    if (*it == 0 && (!have_protocol || !have_metadata)) {
      return Status::Corrupt("Delta table '" + root_ + "': version 0 lacks " +
                             std::string(!have_protocol ? "a protocol" : "a metaData") + " action");
    }
    snap.version = *it;
  }
  LF_RETURN_NOT_OK(CheckReadable(snap.protocol).WithContext("Delta table '" + root_ + "'"));
  snap.files.reserve(live.size());
  for (auto& [key, f] : live) {
    if (!snap.files.empty() && snap.files.back().path == f.path) {
      return Status::Corrupt("Delta table '" + root_ + "': file '" + f.path +
                             "' is live twice with different deletion vectors");
    }
    snap.files.push_back(std::move(f));
  }
  return snap;
}

Result<CommitResult> DeltaTable::TryCommitVersion(int64_t version,
                                                  const std::vector<Action>& actions) const {
  if (version < 0) return Status::Invalid("commit: negative version");
  if (version > 0) {
    struct stat st;
    std::string prev = root_ + "/" + CommitFileName(version - 1);
    if (stat(prev.c_str(), &st) != 0) {
      return Status::Invalid("commit: cannot write version " + std::to_string(version) + " of '" +
                             root_ + "': version " + std::to_string(version - 1) +
                             " does not exist");
    }
  }
  LF_ASSIGN_OR_RETURN(std::string text, SerializeCommit(actions));
  const std::string final_path = root_ + "/" + CommitFileName(version);
  const std::string tmp_path =
      LogDir() + "/." + std::to_string(version) + "." + NewUuid() + ".json.tmp";
  int fd = open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(Errno("cannot create", tmp_path));
  Status st = WriteAllAndSync(fd, text, tmp_path);
  if (close(fd) != 0 && st.ok()) st = Status::IOError(Errno("cannot close", tmp_path));
  if (!st.ok()) {
    unlink(tmp_path.c_str());
    return st;
  }
  // link(2) fails with EEXIST when the version exists: of racing writers exactly one wins, and
  // readers never see a partial commit because the content was complete and synced first.
  int rc = link(tmp_path.c_str(), final_path.c_str());
  int link_errno = errno;
  unlink(tmp_path.c_str());
  if (rc != 0) {
    if (link_errno == EEXIST) return CommitResult{CommitOutcome::kVersionTaken, version};
    errno = link_errno;
    return Status::IOError(Errno("cannot create", final_path));
  }
  LF_RETURN_NOT_OK(SyncDir(LogDir()));
  return CommitResult{CommitOutcome::kCommitted, version};
}

Result<CommitResult> DeltaTable::Commit(const Transaction& txn, int max_attempts) const {
  LF_RETURN_NOT_OK(CheckWritable(txn.read_protocol(), txn.read_metadata())
                       .WithContext("Delta table '" + root_ + "'"));
  if (txn.metadata()) {
    LF_RETURN_NOT_OK(CheckWritable(txn.read_protocol(), *txn.metadata())
                         .WithContext("Delta table '" + root_ + "'"));
  }
  auto append_only = txn.read_metadata().configuration.find("delta.appendOnly");
  if (append_only != txn.read_metadata().configuration.end() && append_only->second == "true" &&
      txn.removes_data()) {
    return Status::Invalid("Delta table '" + root_ +
                           "' is append-only (delta.appendOnly=true): files cannot be removed");
  }
  LF_ASSIGN_OR_RETURN(std::vector<Action> actions, txn.Actions());
  std::set<std::string> removed;
  for (const auto& r : txn.removes()) removed.insert(r.path);
  std::set<std::string> added;
  for (const auto& a : txn.adds()) added.insert(a.path);

  int64_t version = txn.read_version() + 1;
  for (int attempt = 0; attempt < std::max(1, max_attempts); ++attempt) {
    LF_ASSIGN_OR_RETURN(CommitResult r, TryCommitVersion(version, actions));
    if (r.outcome == CommitOutcome::kCommitted) return r;
    // Another writer won `version`: retry above it only if its commit cannot have changed what
    // this transaction was planned from.
    LF_ASSIGN_OR_RETURN(std::vector<Action> theirs, ReadCommit(version));
    for (const auto& a : theirs) {
      bool conflict = false;
      if (std::holds_alternative<Protocol>(a) || std::holds_alternative<Metadata>(a)) {
        conflict = true;
      } else if (std::holds_alternative<RemoveFile>(a)) {
        // This transaction's removals were planned from a file set that has changed; a blind
        // append is unaffected by what others removed.
        conflict = !removed.empty();
      } else if (const auto* add = std::get_if<AddFile>(&a)) {
        conflict = added.count(add->path) > 0 || (!removed.empty() && add->data_change);
      } else if (const auto* t = std::get_if<AppTransaction>(&a)) {
        conflict = txn.app_transactions().count(t->app_id) > 0;
      }
      if (conflict) return CommitResult{CommitOutcome::kVersionTaken, version};
    }
    ++version;
  }
  return CommitResult{CommitOutcome::kVersionTaken, version - 1};
}

Result<std::vector<uint64_t>> DeltaTable::DeletedRows(const AddFile& file) const {
  if (!file.deletion_vector) return std::vector<uint64_t>();
  auto rows = ReadDeletionVector(root_, *file.deletion_vector);
  if (!rows.ok()) {
    return rows.status().WithContext("Delta table '" + root_ + "' file '" + file.path + "'");
  }
  if (file.stats) {
    auto st = ParseFileStats(*file.stats);
    if (st.ok() && !rows->empty() && static_cast<int64_t>(rows->back()) >= st->num_records) {
      return Status::Corrupt("Delta table '" + root_ + "' file '" + file.path +
                             "': deletion vector row " + std::to_string(rows->back()) +
                             " is beyond the file's " + std::to_string(st->num_records) +
                             " records");
    }
  }
  return rows;
}

Result<std::string> DeltaTable::DataFilePath(const std::string& relative) const {
  if (relative.empty()) return Status::Invalid("data file path is empty");
  if (relative.front() == '/' || relative.find("://") != std::string::npos ||
      relative.find(':') < relative.find('/')) {
    return Status::Invalid("data file path '" + relative +
                           "' is absolute; only paths inside the table are supported");
  }
  size_t pos = 0;
  while (pos <= relative.size()) {
    size_t next = relative.find('/', pos);
    if (next == std::string::npos) next = relative.size();
    if (relative.compare(pos, next - pos, "..") == 0 && next - pos == 2) {
      return Status::Invalid("data file path '" + relative + "' leaves the table directory");
    }
    pos = next + 1;
  }
  return root_ + "/" + relative;
}

}  // namespace lanceflow::delta
