// The `lanceflow sync` engine: applies a pipeline spec (pipeline_spec.h) by reading each table
// through LakeflowConnect and writing it into a Delta table at
// `<destination.path>/<destination_table>/` (interfaces.md "sync PIPELINE.json",
// lakeflow-contract.md §6).
//
// Flows, per table (ingestion_type as the connector resolves it; APPEND_ONLY forces append):
//   append / APPEND_ONLY  every connector batch becomes one Parquet file added in one commit.
//   snapshot (SCD1)       when the source table version differs from the stored one, one commit
//                         removes every live file and adds the new snapshot's files, so the
//                         destination equals the source's current rows (deletes included).
//   cdc (SCD1)            upsert by primary keys, latest `sequence_by` (default: cursor_field)
//                         wins; copy-on-write: per connector batch, the live files whose key
//                         statistics can hold a batch key are read, those that do hold one are
//                         rewritten without the replaced rows, and the batch's rows are added,
//                         all in one commit. A stored row whose sequence is newer than the
//                         event's is kept and the event dropped. With plain cdc deleted source
//                         rows stay. Primary keys must be top-level columns.
//   cdc_with_deletes      as cdc, then (same pinned version) read_table_deletes from the
//     (SCD1)              committed deletes offset: the deleted keys' rows are removed the same
//                         copy-on-write way, unless the stored row's sequence_by is newer than
//                         the delete's (a delete lacking the sequence column removes anyway).
//                         Every commit carries both offsets ("lanceflow.deletesOffset"); the
//                         delete log starts at the version of the first run and is committed
//                         with its first batch.
//   SCD_TYPE_2 (cdc,      history: the destination has the source's columns plus __START_AT and
//     cdc_with_deletes)   __END_AT, typed like sequence_by (integers up to uint32, int64, date32,
//                         timestamp). Per batch, a key's change newer than its current row
//                         (__END_AT null) closes it (__END_AT = the change's sequence, file
//                         rewritten copy-on-write) and opens a new row (__START_AT = sequence,
//                         __END_AT null); a change not newer than the current row's __START_AT
//                         (an identical re-delivery) is a no-op. One change per key per batch:
//                         the highest sequence. Deletes (cdc_with_deletes, which then needs
//                         sequence_by = cursor_field) close the current row at the delete's
//                         sequence and open nothing.
//   SCD_TYPE_2 (snapshot) the sequence is the source table version V (__START_AT/__END_AT are
//                         longs): when V differs from the committed one, the current rows are
//                         diffed by key against the snapshot (values compared as the Spark
//                         mapping stores them): changed rows and keys missing from the snapshot
//                         are closed at V, new and changed rows opened at V, in one commit.
//                         Reads every live file; holds the snapshot in memory; duplicate keys
//                         fail the table.
//
// Deletion vectors (merge on read): destination tables lanceflow creates have protocol (3, 7)
// with the deletionVectors feature and delta.enableDeletionVectors=true, unless the table
// configuration says "delta.enableDeletionVectors": "false" (a destination property, not passed
// to the connector). On such tables the SCD1 merge and deletes decode only the key and
// sequence_by columns of the candidate files and mark the replaced or deleted rows in the
// files' DVs (one deletion_vector_<uuid>.bin per commit; remove + add of the same path with the
// new DV, stats "tightBounds":false); a file whose rows all become deleted is removed. SCD2
// closes a current row the same way and appends its closed copy. Existing tables without the
// feature keep copy-on-write and are never upgraded. Every path that still reads or rewrites
// existing files (copy-on-write, SCD2 snapshot) applies their DVs, so deleted rows never return.
//
// Exactly once: every commit carries a `txn` action (appId "lanceflow:<source_table>", version
// = the table's batch counter, +1 per commit) and the connector's end offset in the table
// metadata configuration ("lanceflow.sourceOffset", with "lanceflow.sourceTable"). A run starts
// from the offset of the last commit. Data files are written before the commit that references
// them, so a process killed at any instant leaves either the whole batch committed or only
// unreferenced files; the next run re-reads the batch from the committed offset.
//
// Tables are independent: a failure is recorded in that table's result and the others still
// run. Assumes it is the only writer of each destination table; a concurrent commit makes the
// table fail (nothing is overwritten).
// Thread safety: one call at a time per destination.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lanceflow/core/result.h"
#include "lanceflow/pipeline/pipeline_spec.h"
#include "lanceflow/source/source.h"

namespace lanceflow::pipeline {

// Progress of one table, reported after every batch written.
struct TableProgress {
  std::string table;  // destination table
  int64_t rows_read = 0;
  // Rows the run is expected to read in all (RunOptions::estimate_rows), at least rows_read;
  // -1 when unknown.
  int64_t rows_expected = -1;
  int64_t bytes_read = 0;  // Arrow buffer bytes of the batches read
  double seconds = 0;
};

struct RunOptions {
  // Called after each batch (may be empty).
  std::function<void(const TableProgress&)> on_progress;
  // Count the rows each table will read before reading them (one count on the source per
  // table), so progress can show a percentage and an ETA.
  bool estimate_rows = false;
  // Rows per Parquet file before a new file is started (snapshot and merge outputs).
  int64_t max_rows_per_file = int64_t{1} << 22;
};

struct TableResult {
  std::string source_table;
  std::string destination_table;
  std::string flow;  // "append", "snapshot", "scd1", "scd2"
  Status status;
  int64_t rows_read = 0;
  int64_t rows_written = 0;
  int64_t files_added = 0;
  int64_t files_removed = 0;
  int64_t commits = 0;
  int64_t delta_version = -1;  // the table's version after the run (-1: no table)
  double seconds = 0;
};

struct RunResult {
  std::vector<TableResult> tables;
  bool ok() const;
};

// The appId of the txn actions of a table fed from `source_table`.
std::string AppIdFor(const std::string& source_table);
// Metadata configuration keys holding the committed connector offset and its source table.
inline constexpr const char* kOffsetKey = "lanceflow.sourceOffset";
inline constexpr const char* kSourceTableKey = "lanceflow.sourceTable";
// The committed read_table_deletes offset (cdc_with_deletes tables only).
inline constexpr const char* kDeletesOffsetKey = "lanceflow.deletesOffset";

// Runs every table of `spec` reading from `source`. Never fails as a whole: per-table errors
// are in the result.
RunResult RunPipeline(const PipelineSpec& spec, std::shared_ptr<source::Source> source,
                      const RunOptions& options = {});

}  // namespace lanceflow::pipeline
