// The LakeflowConnect contract (shared/reference/lakeflow-contract.md) over any source::Source:
// list_tables, get_table_schema, read_table_metadata, read_table with checkpointable offsets and
// read_table_deletes. The pipeline module and the `lanceflow read-table` command drive it; a
// Python shim can forward the framework's calls to it one to one.
//
// Options are string maps, as the framework passes them (connection keys, secrets and framework
// keys included; unknown keys are ignored, values are never logged). Table options:
//   ingestion_type         snapshot | cdc | cdc_with_deletes | append. Default: cdc when
//                          cursor_field is set, else snapshot. cdc_with_deletes reads like cdc
//                          and needs primary_keys; only sources with physical row places (local
//                          tables) can list deletes, so it is refused for the others.
//   primary_keys           JSON list of column paths or one bare name ("id", "[\"a\",\"b.c\"]").
//   cursor_field           a top-level column of an orderable type: int8..int64, uint8..uint64,
//                          utf8/large_utf8, date32/date64, timestamp (any unit and zone),
//                          decimal128. Required for cdc and append.
//   batch_size             rows per Arrow batch handed out, 1..10000, default 1000.
//   max_records_per_batch  rows per incremental read_table call, 1..1000000, default 1000.
//   filter_expression      a filter in lanceflow's language (expr/filter.h), ANDed to every scan.
//   columns                JSON list or comma-separated top-level names (default: all); for
//                          incremental tables it must contain cursor_field and the primary keys.
//   lookback_seconds       cdc with timestamp/date cursors: re-read this far behind the stored
//                          cursor once after new commits (late-arriving rows; upserts dedupe).
//   lookback               cdc with integer cursors: the same in cursor units.
//   window_seconds         incremental, timestamp/date cursors: window strategy (1 s..100 years).
//                          Each call reads only rows whose cursor is at most window_seconds
//                          after the first row past the offset (date32: whole days, rounded
//                          down), still at most max_records_per_batch of them, and never rows
//                          whose cursor is later than the instance's init time (so future-dated
//                          rows wait for a later run).
//   start_timestamp        incremental, timestamp/date cursors: rows with an older cursor are
//                          never read. "YYYY-MM-DD" (midnight UTC) or
//                          "YYYY-MM-DD[T| ]HH:MM:SS[.f][Z|+HH:MM]" (no zone: UTC).
//   uint64_as_decimal      "true": uint64 columns map to Spark decimal(20,0); otherwise a
//                          uint64 value >= 2^63 makes the read fail naming table, column, value.
//
// Semantics:
// - Every read is pinned: the first call for a table in an instance records the table's latest
//   version (the init-time cap) and every later call of the instance reads that version, so a
//   trigger ends even while writers commit. Construct one instance per trigger/run.
// - snapshot: all rows of the pinned version in batches of batch_size; end offset
//   {"version": V}. A start offset with the same version returns nothing (unchanged table).
// - append / cdc: rows with a non-null cursor, ascending by cursor, at most
//   max_records_per_batch rows per call except as said next. With primary keys of orderable
//   types (cdc only) rows are ordered by (cursor, keys) and the offset holds the last
//   (cursor, keys), so a call may end inside a run of equal cursors and the next call continues
//   after that exact row. Otherwise (append, or cdc without usable keys) a call never splits a run
//   of equal cursors: it ends after the whole run that crosses max_records_per_batch, streamed
//   without being held in memory. The offset is
//   {"cursor_field": name, "cursor": value, "key": "[values]" (tie-break mode only),
//    "version": V}
//   with keys in that order. Every member is a primitive (contract O1): "key" is a string
//   holding the compact JSON text of the key tuple, e.g. "key":"[9,\"a\"]". Cursor and key
//   values are JSON integers (ints, uint64, date64 ms) or strings ("YYYY-MM-DDTHH:MM:SS[.f]Z"
//   timestamps with the unit's digits, "YYYY-MM-DD" date32, exact decimals, strings) and
//   round-trip exactly. Start offsets written by earlier releases with "key" as a JSON list are
//   still accepted (an empty read answers with the same position in the text form).
// - Windows (window_seconds) are anchored at the first row after the offset, so no window is
//   empty and a run over a sparse history needs no empty calls; the offset advances to the last
//   row read, not to the window's end, so rows committed later inside a window's span are not
//   skipped by a later run.
// - An empty read returns the start offset unchanged (as canonical JSON); a non-empty read always
//   returns a larger offset. {} / null / "" mean "from the beginning".
// - Memory: O(max_records_per_batch + batch_size) rows. Sources return rows unordered, so each
//   incremental call costs one scan of the cursor (and key) columns of the rows after the offset,
//   plus one scan selecting the rows of the batch (see DESIGN notes in incremental_read.cc).
//
// Thread safety: one thread at a time; a returned reader uses the source while it is consumed,
// so finish (or drop) it before the next call.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/connect/spark_schema.h"
#include "lanceflow/core/result.h"
#include "lanceflow/source/source.h"

namespace lanceflow::connect {

using Options = std::map<std::string, std::string>;

enum class IngestionType { kSnapshot, kCdc, kCdcWithDeletes, kAppend };
// "snapshot", "cdc", "cdc_with_deletes", "append"
const char* IngestionTypeName(IngestionType type);

struct TableMetadata {
  std::vector<std::string> primary_keys;  // as configured (dotted paths); empty when not set
  std::optional<std::string> cursor_field;
  IngestionType ingestion_type = IngestionType::kSnapshot;

  // {"primary_keys":[...],"cursor_field":"..."|null,"ingestion_type":"..."}
  std::string ToJson() const;
  friend bool operator==(const TableMetadata&, const TableMetadata&) = default;
};

struct ReadResult {
  std::unique_ptr<arrow::RecordBatchReader> records;
  // Canonical JSON text of the offset to pass as the next start offset.
  std::string end_offset;
};

// The Spark mapping the options ask for (option uint64_as_decimal), as GetTableSchema applies it.
Result<SparkMappingOptions> SparkMappingOf(const Options& options);

class LakeflowConnect {
 public:
  // `source` is shared with the readers this instance returns. `init_time_us` (UTC
  // microseconds since the epoch; default: now) caps window reads.
  explicit LakeflowConnect(std::shared_ptr<source::Source> source,
                           std::optional<int64_t> init_time_us = std::nullopt);

  // The source's table names, sorted; Corrupt if the source lists a name twice.
  Result<std::vector<std::string>> ListTables();
  // Spark StructType JSON of the table's output columns (connect/spark_schema.h). Errors:
  // NotFound for an unknown table or column; Invalid for bad options.
  Result<std::string> GetTableSchema(const std::string& table, const Options& options);
  // Validated against the table's schema. Errors: NotFound (table), Invalid (options).
  Result<TableMetadata> ReadTableMetadata(const std::string& table, const Options& options);
  // `start_offset`: JSON text from a previous end_offset, or "", "null", "{}".
  Result<ReadResult> ReadTable(const std::string& table, const std::string& start_offset,
                               const Options& options);
  // cdc_with_deletes tables only. The keys deleted after the offset's version up to the pinned
  // version: keys live at some version in [offset's, pinned) and not at the pinned one. Found
  // commit by commit: rows whose physical place is gone at the next version (deleted rows, rows
  // rewritten by updates and compactions) are candidates, minus the keys of rows that appear in
  // new places (so updates, merge_insert and compaction are not deletes, and a re-insert of a
  // deleted key cancels it). The cost follows the change (source::Source::OpenChangeScan); the
  // candidates' rows are held for the call. Records carry the columns holding the primary keys
  // and the cursor column, with their values just before the delete (filter_expression applies
  // to those rows). Cleaned-up intermediate versions are skipped. One call returns every
  // delete; the end offset is {"version": pinned}. A first read ({}) starts from the oldest
  // retained version (the contract's "from the start"). Errors: Invalid when the table is not cdc_with_deletes or the offset is
  // not a deletes offset; NotImplemented from sources without row places (LanceDB Cloud);
  // NotFound when the offset's version was cleaned up.
  Result<ReadResult> ReadTableDeletes(const std::string& table, const std::string& start_offset,
                                      const Options& options);

  // Partitions (the contract's SupportsPartition / SupportsPartitionedStream mixins). A
  // partition descriptor is canonical JSON text (fixed key order, equal for equal inputs) that
  // carries everything needed to read it, so a fresh instance in another process (a Spark
  // executor) given the same options reads the same rows. Descriptors:
  //   {"table":T,"version":V,"fragments":[ids]}              rows of those fragments at V
  //   {"table":T,"version":V,"fragments":[id],"rows":[B,E]}  physical rows [B, E) of a
  //                                                          fragment larger than partition_rows
  //   {"table":T,"version":V,"offset":O,"limit":N}           rows [O, O+N) of the scan at V
  //                                                          (sources with offset scans: Cloud)
  //   {"table":T,"version":V}                                every row at V (other sources)
  // and stream partitions of incremental tables add the range of offsets they cover:
  //   {"table":T,"version":V[,"fragments":[ids]],"start":{offset},"end":{offset}}
  // (rows after `start` up to and including `end`, ordered by (cursor, keys) as ReadTable
  // orders them; the lookback of cdc tables applies as in ReadTable).
  // Option partition_rows (1..100000000, default 100000; rounded up to a multiple of
  // batch_size) sizes offset ranges and fragment row ranges, and groups fragments of stream
  // partitions. Option target_partitions (1..1000000; the Spark data source defaults it to the
  // cluster's default parallelism) applies to batch partitions of sources with fragments when
  // partition_rows is not given: the rows per partition become ceil(physical rows of the table
  // / target_partitions) (not rounded to batch_size), and fragments smaller than
  // that are grouped (a group ends at the fragment crossing each multiple of it), so the table
  // spreads over about target_partitions partitions of similar size (more when fragment
  // boundaries fall badly; versions without row counts keep one partition per fragment).

  // Batch: partitions covering every row of `table` (options columns and filter_expression
  // applied; incremental tables included, rows with a null cursor too) at the pinned version:
  // one per fragment for sources with fragments (local tables; a fragment of more than
  // partition_rows rows is split into row ranges; with target_partitions, sized as said
  // above), else offset ranges of partition_rows rows,
  // else one. Never empty: a table without fragments (or, with offset
  // ranges, without matching rows) gets one {"table":T,"version":V} partition.
  Result<std::vector<std::string>> GetPartitions(const std::string& table,
                                                 const Options& options);
  // Stream: the end offset ReadTable(table, start_offset, options) would return (same
  // admission control, same pinned version), without reading the rows' other columns.
  // Snapshot tables: {"version":V}, or the start offset when it names the pinned version.
  Result<std::string> LatestOffset(const std::string& table, const Options& options,
                                   const std::string& start_offset);
  // Stream: partitions covering exactly the rows in (start_offset, end_offset], read at the
  // version recorded in end_offset (so a replay in a fresh instance reads the same rows). Empty
  // when the offsets are equal. Snapshot tables: the batch partitions of end_offset's version.
  Result<std::vector<std::string>> GetStreamPartitions(const std::string& table,
                                                       const Options& options,
                                                       const std::string& start_offset,
                                                       const std::string& end_offset);
  // The rows of one descriptor returned above (records only; end_offset is empty). A descriptor
  // not produced for this table (malformed, another table, unknown fragment, a version newer
  // than the table's) is a one-line InvalidArgument error.
  Result<ReadResult> ReadPartition(const std::string& table, const std::string& partition_json,
                                   const Options& options);

  // About how many rows ReadTable calls from `start_offset` would return in all, at the pinned
  // version (for progress and ETA; no row is returned). Snapshot tables: every row matching
  // filter_expression, or 0 when the offset names the pinned version. Incremental tables: the
  // rows from the start position on (a row at the exact start cursor may be counted although
  // it was read already). Costs one count on the source (a scan of the cursor column locally).
  Result<int64_t> CountPending(const std::string& table, const std::string& start_offset,
                               const Options& options);

  // The version every read of `table` uses in this instance, recorded at the first call.
  Result<uint64_t> PinnedVersion(const std::string& table);

 private:
  struct Prelude;  // the resolved table and the parsed start offset (lakeflow_connect.cc)
  // The opening of every read from a start offset: pins the version, resolves the table at it
  // and parses `start_offset`. An offset read at a version newer than the pinned one (the
  // table was recreated) is Invalid when `refuse_newer`; otherwise Prelude::newer tells.
  Result<Prelude> Begin(const std::string& table, const std::string& start_offset,
                        const Options& options, bool refuse_newer);

  std::shared_ptr<source::Source> source_;
  int64_t init_time_us_;
  std::map<std::string, uint64_t> pinned_;
};

}  // namespace lanceflow::connect
