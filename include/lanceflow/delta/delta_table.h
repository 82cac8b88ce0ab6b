// A Delta Lake table in a local directory: its log (`_delta_log/NNNNNNNNNNNNNNNNNNNN.json`),
// snapshots replayed from it, and commits made with create-if-absent so that of two writers
// racing for the same version exactly one wins.
//
// This module handles the log only: data files are written by the caller (the Parquet writer)
// and described here by AddFile actions with their statistics.
//
// Supported protocol: reader version 1, writer version <= 2 (appendOnly and invariants honoured
// by refusing what they forbid), plus reader 3 / writer 7 tables whose feature lists hold only
// features this module implements (appendOnly, invariants, deletionVectors for writers;
// deletionVectors, timestampNtz, vacuumProtocolCheck for readers). Anything else is refused with
// kNotImplemented naming the version or feature.
//
// Deletion vectors: a logical file is (path, DV); a snapshot holds at most one per path, with
// its DV in AddFile::deletion_vector. DeletedRows reads it. A DV is changed by removing the
// logical file and adding the same path with the new DV in one commit
// (Transaction::SetDeletionVector).
//
// Checkpoints: the snapshot is replayed from the JSON commits. A checkpoint is only an
// optimisation while every commit since version 0 is still in the log, so such tables load. A
// table whose early commits were cleaned up needs its Parquet checkpoint, which this module cannot
// read yet: loading it fails with kNotImplemented.
//
// Thread safety: a DeltaTable is immutable after Open; Snapshot values are plain data. Several
// processes may commit concurrently; the log file system must support link(2) (local disks do).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lanceflow/arrow/type.h"
#include "lanceflow/core/result.h"
#include "lanceflow/delta/actions.h"

namespace lanceflow::delta {

// Current time in milliseconds since the epoch.
int64_t NowMillis();
// "_delta_log/00000000000000000007.json" for version 7 (relative to the table root).
std::string CommitFileName(int64_t version);

// The protocol of tables lanceflow creates with deletion vectors: (3, 7) with the
// deletionVectors reader feature and the appendOnly, invariants, deletionVectors writer features. Tables also need the configuration
// delta.enableDeletionVectors=true (kEnableDeletionVectorsKey) before DVs are written.
Protocol DeletionVectorProtocol();
inline constexpr const char* kEnableDeletionVectorsKey = "delta.enableDeletionVectors";
// True when writers may add DVs to this table: the protocol lists the writer feature and the
// configuration enables them.
bool DeletionVectorsEnabled(const Protocol& protocol, const Metadata& metadata);

struct Snapshot {
  int64_t version = -1;
  Protocol protocol;
  Metadata metadata;
  // Live files (adds not removed since), sorted by path.
  std::vector<AddFile> files;
  // appId -> latest txn.
  std::map<std::string, AppTransaction> app_transactions;
  // Timestamp of the commitInfo of this version, when present.
  std::optional<int64_t> commit_timestamp;

  // The txn version committed by `app_id`, or nullopt.
  std::optional<int64_t> AppTransactionVersion(const std::string& app_id) const;
  // The live file with this (decoded) path, or null.
  const AddFile* FindFile(const std::string& path) const;
  // Live rows: the sum of numRecords less the DVs' cardinalities; -1 when a file lacks stats.
  int64_t NumRecords() const;
};

// Options for a new table.
struct CreateOptions {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::map<std::string, std::string> configuration;
  // The protocol written; defaults to the minimum (1, 2).
  Protocol protocol;
  // Metadata id; a random UUID when empty.
  std::string table_id;
  std::optional<int64_t> created_time;  // default: now
};

// What a Commit attempt did.
enum class CommitOutcome {
  kCommitted,
  // Another writer created this version first (create-if-absent failed). Nothing was written;
  // re-read the log, check for conflicts and retry at a later version.
  kVersionTaken,
};

struct CommitResult {
  CommitOutcome outcome = CommitOutcome::kCommitted;
  int64_t version = -1;  // the version written, or the one found taken
};

// Actions of one commit, built up by the operations below. Build it against the snapshot the data
// files were planned from (the read snapshot).
class Transaction {
 public:
  explicit Transaction(const Snapshot& read_snapshot);

  int64_t read_version() const { return read_version_; }

  // A new data file.
  Status Add(AddFile file);
  // Removes a live file of the read snapshot (dataChange true, extendedFileMetadata with its
  // partition values, size and stats). Fails if the path is not live in the read snapshot.
  Status Remove(const std::string& path, int64_t deletion_timestamp);
  // Removes every live file of the read snapshot (an overwrite, together with Add).
  void RemoveAll(int64_t deletion_timestamp);
  // Replaces the DV of live file `path`: removes the logical file (path, old DV) and adds
  // (path, `dv`) with the same size and stats, marked "tightBounds":false. Fails unless the
  // read snapshot allows DVs (DeletionVectorsEnabled), the path is live and not yet removed, or
  // `dv` would delete more rows than the file's numRecords.
  Status SetDeletionVector(const std::string& path, DeletionVectorDescriptor dv,
                           int64_t deletion_timestamp);
  // Records `version` for `app_id` in this commit (at most one txn per app id).
  Status SetAppTransaction(const std::string& app_id, int64_t version,
                           std::optional<int64_t> last_updated);
  // Replaces the table metadata (schema change); keep id and partition columns.
  void SetMetadata(Metadata metadata);
  void SetCommitInfo(CommitInfo info);

  // The actions in log order: protocol? metaData? txn* remove* add* commitInfo.
  // Fails (kInvalidArgument) on a duplicate path among adds and removes, or an empty commit.
  Result<std::vector<Action>> Actions() const;

  bool removes_data() const { return !removes_.empty(); }
  const std::vector<RemoveFile>& removes() const { return removes_; }
  const std::vector<AddFile>& adds() const { return adds_; }
  const std::map<std::string, AppTransaction>& app_transactions() const { return txns_; }
  const std::optional<Metadata>& metadata() const { return metadata_; }
  const Protocol& read_protocol() const { return read_protocol_; }
  const Metadata& read_metadata() const { return read_metadata_; }

 private:
  int64_t read_version_;
  Protocol read_protocol_;
  Metadata read_metadata_;
  std::map<std::string, AddFile> read_files_;  // live files of the read snapshot, by path
  std::vector<AddFile> adds_;
  std::vector<RemoveFile> removes_;
  std::map<std::string, AppTransaction> txns_;
  std::optional<Metadata> metadata_;
  std::optional<CommitInfo> commit_info_;
};

class DeltaTable {
 public:
  // Opens the table at `root` (a directory). Does not read the log yet. Fails (kNotFound) when
  // `root/_delta_log` does not exist.
  static Result<std::unique_ptr<DeltaTable>> Open(std::string root);

  // Creates version 0 (protocol, metaData with the Spark schema of `schema`, then `initial_files`
  // and a CREATE TABLE commitInfo) in `root`, creating directories as needed. Fails with
  // kInvalidArgument when a table already exists there (version 0 taken). The schema string is
  // connect::SparkSchemaJson(schema).
  static Result<std::unique_ptr<DeltaTable>> Create(std::string root, const arrow::Schema& schema,
                                                    const CreateOptions& options = {},
                                                    std::vector<AddFile> initial_files = {});
  // The same with an already serialised Spark schema string.
  static Result<std::unique_ptr<DeltaTable>> CreateWithSchemaString(
      std::string root, std::string schema_string, const CreateOptions& options = {},
      std::vector<AddFile> initial_files = {});

  const std::string& root() const { return root_; }

  // The newest version in the log (-1 for none).
  Result<int64_t> LatestVersion() const;
  // Replays the log up to `version` (newest when nullopt). Fails with kNotFound for a version
  // not in the log, kCorrupt for a malformed log, kNotImplemented for an unsupported protocol or
  // a table that needs its checkpoint.
  Result<Snapshot> LoadSnapshot(std::optional<int64_t> version = std::nullopt) const;
  // `base` brought up to the newest version by replaying only the commits after it (what a
  // writer does after losing a commit race). Same errors as LoadSnapshot.
  Result<Snapshot> UpdateSnapshot(const Snapshot& base) const;
  // The actions of one commit file.
  Result<std::vector<Action>> ReadCommit(int64_t version) const;

  // Writes `actions` as version `version` with create-if-absent semantics (temporary file, fsync,
  // link(2); the log never holds a partial commit). kVersionTaken when the version exists.
  Result<CommitResult> TryCommitVersion(int64_t version, const std::vector<Action>& actions) const;

  // Commits `txn` at read_version + 1. When another writer took that version, checks the commits
  // in between for conflicts and retries at the next version (up to `max_attempts`), so
  // concurrent blind appends both land. Conflicts, reported as kVersionTaken with the version
  // found taken (nothing written): a protocol or metadata change in between; a file this
  // transaction removes that was removed in between; any removal in between when this
  // transaction removes files; a txn in between for an app id this transaction sets. Also
  // checks, before writing, that the table's protocol is writable and that delta.appendOnly
  // tables get no data removals.
  Result<CommitResult> Commit(const Transaction& txn, int max_attempts = 10) const;

  // `root/relative` for a relative data path; refuses absolute URIs and paths with ".." segments
  // (kInvalidArgument), so a hostile log cannot point outside the table.
  Result<std::string> DataFilePath(const std::string& relative) const;

  // The deleted rows of live file `file` (sorted; empty without a DV). Fails (kCorrupt) on a bad
  // DV or one deleting more rows than the file's numRecords.
  Result<std::vector<uint64_t>> DeletedRows(const AddFile& file) const;

  // Fails (kNotImplemented) unless lanceflow can write a table with this protocol and metadata.
  static Status CheckWritable(const Protocol& protocol, const Metadata& metadata);
  // Fails (kNotImplemented) unless lanceflow can read the log of a table with this protocol.
  static Status CheckReadable(const Protocol& protocol);

 private:
  explicit DeltaTable(std::string root) : root_(std::move(root)) {}
  std::string LogDir() const { return root_ + "/_delta_log"; }
  // Replays commits after `base` (from version 0 when null) up to `version` (newest if unset).
  Result<Snapshot> Replay(const Snapshot* base, std::optional<int64_t> version) const;

  std::string root_;
};

}  // namespace lanceflow::delta
