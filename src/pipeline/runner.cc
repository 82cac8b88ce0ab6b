#include "lanceflow/pipeline/runner.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "lanceflow/arrow/float16.h"
#include "lanceflow/arrow/integer_value.h"
#include "lanceflow/arrow/take.h"
#include "lanceflow/connect/lakeflow_connect.h"
#include "lanceflow/connect/spark_schema.h"
#include "lanceflow/connect/spark_storage.h"
#include "lanceflow/delta/deletion_vector.h"
#include "lanceflow/delta/delta_table.h"
#include "lanceflow/delta/file_stats.h"
#include "lanceflow/parquet/reader.h"
#include "lanceflow/parquet/writer.h"

namespace lanceflow::pipeline {
namespace {

using Clock = std::chrono::steady_clock;
using arrow::ArrayData;
using arrow::RecordBatchPtr;
using arrow::TypeId;

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Civil date from days since the epoch (proleptic Gregorian).
std::string DaysToDate(int64_t days) {
  days += 719468;
  const int64_t era = FloorDiv(days, 146097);
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

// "YYYY-MM-DDTHH:MM:SS.mmmZ" of microseconds since the epoch, floored to milliseconds.
std::string MicrosToIsoMillis(int64_t micros) {
  const int64_t days = FloorDiv(micros, kMicrosPerDay);
  const int64_t in_day = micros - days * kMicrosPerDay;
  const int64_t ms = in_day / 1000;
  char buf[96];
  std::snprintf(buf, sizeof(buf), "T%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(ms / 3600000), static_cast<long long>(ms / 60000 % 60),
                static_cast<long long>(ms / 1000 % 60), static_cast<long long>(ms % 1000));
  return DaysToDate(days) + buf;
}

int64_t ToMicros(int64_t v, arrow::TimeUnit unit) {
  switch (unit) {
    case arrow::TimeUnit::kSecond:
      return v * 1000000;
    case arrow::TimeUnit::kMilli:
      return v * 1000;
    case arrow::TimeUnit::kMicro:
      return v;
    case arrow::TimeUnit::kNano:
      return FloorDiv(v, 1000);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Delta `add` statistics from the Parquet writer's file summary (delta-lake.md §2). Leaves under
// lists get no entry; binary and decimal columns keep only their null count.

std::optional<delta::StatValue> StatFor(const parquet::ColumnStatistics& c,
                                        const parquet::StatValue& v) {
  if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
  switch (c.type->id()) {
    case TypeId::kBool:
      if (auto* b = std::get_if<bool>(&v)) return delta::StatValue(*b);
      return std::nullopt;
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
      if (auto* i = std::get_if<int64_t>(&v)) return delta::StatValue(*i);
      return std::nullopt;
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64:
      if (auto* u = std::get_if<uint64_t>(&v); u && *u <= uint64_t{INT64_MAX}) {
        return delta::StatValue(static_cast<int64_t>(*u));
      }
      if (auto* i = std::get_if<int64_t>(&v)) return delta::StatValue(*i);
      return std::nullopt;
    case TypeId::kFloat16:
    case TypeId::kFloat32:
    case TypeId::kFloat64:
      if (auto* d = std::get_if<double>(&v); d && std::isfinite(*d)) return delta::StatValue(*d);
      return std::nullopt;
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
      if (auto* s = std::get_if<std::string>(&v)) return delta::StatValue(*s);
      return std::nullopt;
    case TypeId::kDate32:
      if (auto* i = std::get_if<int64_t>(&v)) return delta::StatValue(DaysToDate(*i));
      return std::nullopt;
    case TypeId::kTimestamp:
      if (auto* i = std::get_if<int64_t>(&v)) {
        return delta::StatValue(MicrosToIsoMillis(ToMicros(*i, c.type->unit())));
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

Result<std::string> StatsJson(const parquet::FileSummary& summary) {
  delta::FileStats fs;
  fs.num_records = summary.num_rows;
  for (const auto& c : summary.columns) {
    if (c.in_list || c.path.empty()) continue;
    delta::ColumnStats cs;
    cs.path = c.path;
    cs.null_count = c.null_count;
    // A string maximum cut short is not a value of the column; leave the bound out.
    const bool is_string = c.type->id() == TypeId::kUtf8 || c.type->id() == TypeId::kLargeUtf8;
    if (!is_string || c.min_exact) cs.min = StatFor(c, c.min);
    if (!is_string || c.max_exact) cs.max = StatFor(c, c.max);
    fs.columns.push_back(std::move(cs));
  }
  return fs.ToJson();
}

// ---------------------------------------------------------------------------------------------
// Data files: rolling Parquet output into the table directory.

class DataFileWriter {
 public:
  DataFileWriter(std::string root, arrow::SchemaPtr schema, int64_t max_rows_per_file)
      : root_(std::move(root)), schema_(std::move(schema)), max_rows_(max_rows_per_file) {}

  Status Write(const arrow::RecordBatch& batch) {
    if (batch.num_rows() == 0) return Status::OK();
    if (!writer_) {
      current_ = "part-00000-" + delta::NewUuid() + "-c000.zstd.parquet";
      parquet::WriterOptions opts;
      opts.type_mapping = parquet::TypeMapping::kSpark;
      LF_ASSIGN_OR_RETURN(writer_,
                          parquet::ParquetWriter::Open(root_ + "/" + current_, schema_, opts));
    }
    LF_RETURN_NOT_OK(writer_->WriteBatch(batch));
    if (writer_->num_rows_written() >= max_rows_) return CloseFile();
    return Status::OK();
  }

  // Closes the open file; returns the adds of every file written.
  Result<std::vector<delta::AddFile>> Finish() {
    LF_RETURN_NOT_OK(CloseFile());
    return std::move(adds_);
  }

  int64_t rows() const { return rows_; }

 private:
  Status CloseFile() {
    if (!writer_) return Status::OK();
    LF_ASSIGN_OR_RETURN(auto summary, writer_->Close());
    writer_.reset();
    delta::AddFile add;
    add.path = current_;
    add.size = summary.file_size;
    add.modification_time = delta::NowMillis();
    add.data_change = true;
    LF_ASSIGN_OR_RETURN(add.stats, StatsJson(summary));
    rows_ += summary.num_rows;
    adds_.push_back(std::move(add));
    return Status::OK();
  }

  std::string root_;
  arrow::SchemaPtr schema_;
  int64_t max_rows_;
  std::unique_ptr<parquet::ParquetWriter> writer_;
  std::string current_;
  std::vector<delta::AddFile> adds_;
  int64_t rows_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Keys: a canonical byte string per row, equal for the same logical key whether the row comes
// from the source (Arrow types of Lance) or from a data file (the Spark mapping's types).

struct KeyColumnData {
  arrow::ArrayDataPtr array;  // dictionaries decoded
};

Result<arrow::ArrayDataPtr> Plain(const arrow::ArrayDataPtr& a) {
  if (a->type->id() == TypeId::kDictionary) return arrow::DecodeDictionary(*a);
  return a;
}

// Appends slot i's canonical form; fills `stat` for key-range pruning when the type allows it.
Status AppendKey(const ArrayData& a, int64_t i, std::string* out,
                 std::optional<delta::StatValue>* stat, delta::KeyKind* kind) {
  if (a.IsNull(i)) {
    out->append("N;");
    if (stat) stat->reset();
    return Status::OK();
  }
  auto put_int = [&](int64_t v, delta::KeyKind k, std::optional<delta::StatValue> s) {
    out->append("I").append(std::to_string(v)).append(";");
    if (stat) *stat = std::move(s);
    if (kind) *kind = k;
  };
  switch (a.type->id()) {
    case TypeId::kBool: {
      const bool v = (a.buffers[1]->data()[(a.offset + i) >> 3] >> ((a.offset + i) & 7)) & 1;
      out->append(v ? "B1;" : "B0;");
      if (stat) *stat = delta::StatValue(v);
      if (kind) *kind = delta::KeyKind::kBoolean;
      return Status::OK();
    }
    case TypeId::kInt8:
      put_int(a.values<int8_t>()[i], delta::KeyKind::kNumber,
              delta::StatValue(int64_t{a.values<int8_t>()[i]}));
      return Status::OK();
    case TypeId::kInt16:
      put_int(a.values<int16_t>()[i], delta::KeyKind::kNumber,
              delta::StatValue(int64_t{a.values<int16_t>()[i]}));
      return Status::OK();
    case TypeId::kInt32:
      put_int(a.values<int32_t>()[i], delta::KeyKind::kNumber,
              delta::StatValue(int64_t{a.values<int32_t>()[i]}));
      return Status::OK();
    case TypeId::kInt64:
      put_int(a.values<int64_t>()[i], delta::KeyKind::kNumber,
              delta::StatValue(a.values<int64_t>()[i]));
      return Status::OK();
    case TypeId::kUInt8:
      put_int(a.values<uint8_t>()[i], delta::KeyKind::kNumber,
              delta::StatValue(int64_t{a.values<uint8_t>()[i]}));
      return Status::OK();
    case TypeId::kUInt16:
      put_int(a.values<uint16_t>()[i], delta::KeyKind::kNumber,
              delta::StatValue(int64_t{a.values<uint16_t>()[i]}));
      return Status::OK();
    case TypeId::kUInt32:
      put_int(a.values<uint32_t>()[i], delta::KeyKind::kNumber,
              delta::StatValue(int64_t{a.values<uint32_t>()[i]}));
      return Status::OK();
    case TypeId::kUInt64: {
      const uint64_t v = a.values<uint64_t>()[i];
      if (v > uint64_t{INT64_MAX}) {
        return Status::OutOfRange("key value " + std::to_string(v) + " does not fit a long");
      }
      put_int(static_cast<int64_t>(v), delta::KeyKind::kNumber,
              delta::StatValue(static_cast<int64_t>(v)));
      return Status::OK();
    }
    case TypeId::kDate32: {
      const int64_t d = a.values<int32_t>()[i];
      put_int(d, delta::KeyKind::kString, delta::StatValue(DaysToDate(d)));
      return Status::OK();
    }
    case TypeId::kDate64: {
      const int64_t d = FloorDiv(a.values<int64_t>()[i], 86400000);
      put_int(d, delta::KeyKind::kString, delta::StatValue(DaysToDate(d)));
      return Status::OK();
    }
    case TypeId::kTimestamp: {
      const int64_t us = ToMicros(a.values<int64_t>()[i], a.type->unit());
      put_int(us, delta::KeyKind::kTimestamp, delta::StatValue(us));
      return Status::OK();
    }
    case TypeId::kUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeUtf8:
    case TypeId::kLargeBinary: {
      const bool large = a.type->id() == TypeId::kLargeUtf8 || a.type->id() == TypeId::kLargeBinary;
      int64_t b, e;
      if (large) {
        b = a.offsets<int64_t>()[i];
        e = a.offsets<int64_t>()[i + 1];
      } else {
        b = a.offsets<int32_t>()[i];
        e = a.offsets<int32_t>()[i + 1];
      }
      std::string v(reinterpret_cast<const char*>(a.buffers[2]->data()) + b,
                    static_cast<size_t>(e - b));
      out->append("S").append(std::to_string(v.size())).append(":").append(v);
      const bool text = a.type->id() == TypeId::kUtf8 || a.type->id() == TypeId::kLargeUtf8;
      if (stat) {
        if (text) {
          *stat = delta::StatValue(std::move(v));
        } else {
          stat->reset();
        }
      }
      if (kind) *kind = delta::KeyKind::kString;
      return Status::OK();
    }
    default:
      return Status::NotImplemented(std::string("primary key of type ") + a.type->ToString() +
                                    " is not supported");
  }
}

// A value of the sequence column, ordered within one type.
using SeqValue = std::variant<std::monostate, int64_t, double, std::string>;

Result<SeqValue> SequenceAt(const ArrayData& a, int64_t i) {
  if (a.IsNull(i)) return SeqValue{};
  switch (a.type->id()) {
    case TypeId::kInt8:
      return SeqValue{int64_t{a.values<int8_t>()[i]}};
    case TypeId::kInt16:
      return SeqValue{int64_t{a.values<int16_t>()[i]}};
    case TypeId::kInt32:
      return SeqValue{int64_t{a.values<int32_t>()[i]}};
    case TypeId::kInt64:
      return SeqValue{a.values<int64_t>()[i]};
    case TypeId::kUInt8:
      return SeqValue{int64_t{a.values<uint8_t>()[i]}};
    case TypeId::kUInt16:
      return SeqValue{int64_t{a.values<uint16_t>()[i]}};
    case TypeId::kUInt32:
      return SeqValue{int64_t{a.values<uint32_t>()[i]}};
    case TypeId::kUInt64:
      return SeqValue{static_cast<int64_t>(a.values<uint64_t>()[i])};
    case TypeId::kFloat32:
      return SeqValue{double{a.values<float>()[i]}};
    case TypeId::kFloat64:
      return SeqValue{a.values<double>()[i]};
    case TypeId::kDate32:
      return SeqValue{int64_t{a.values<int32_t>()[i]}};
    // Normalised like the Spark mapping stores them, so that source rows and data files compare.
    case TypeId::kDate64:
      return SeqValue{FloorDiv(a.values<int64_t>()[i], 86400000)};
    case TypeId::kTimestamp:
      return SeqValue{ToMicros(a.values<int64_t>()[i], a.type->unit())};
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8: {
      std::string k;
      LF_RETURN_NOT_OK(AppendKey(a, i, &k, nullptr, nullptr));
      return SeqValue{std::move(k)};
    }
    default:
      return Status::NotImplemented("sequence_by of type " + a.type->ToString() +
                                    " is not supported");
  }
}

// ---------------------------------------------------------------------------------------------

struct FlowContext {
  const TableSpec& spec;
  const RunOptions& options;
  connect::LakeflowConnect& conn;
  std::string root;
  TableResult& result;
  Clock::time_point start;
  int64_t bytes_read = 0;
  // New destination tables get the deletionVectors feature (table_configuration
  // "delta.enableDeletionVectors": "false" turns it off). Existing tables keep their protocol.
  bool create_with_dvs = true;
  // Columns arrive as the Delta table (declared from the Spark schema) stores them.
  connect::SparkMappingOptions mapping{};
  // Rows this run is expected to read in all (RunOptions::estimate_rows; -1 = unknown).
  int64_t rows_expected = -1;
  bool estimated = false;

  // The connector's read_table from `offset`, in the Spark storage types. The first call of a
  // run estimates the rows still to come when progress is shown.
  Result<connect::ReadResult> Read(const std::string& offset, const connect::Options& opts) {
    if (options.estimate_rows && !estimated) {
      estimated = true;
      auto pending = conn.CountPending(spec.source_table, offset, opts);
      if (pending.ok()) rows_expected = result.rows_read + *pending;
    }
    LF_ASSIGN_OR_RETURN(auto rr, conn.ReadTable(spec.source_table, offset, opts));
    LF_ASSIGN_OR_RETURN(rr.records, connect::SparkStorageReader(std::move(rr.records), mapping));
    return rr;
  }
  Result<connect::ReadResult> ReadDeletes(const std::string& offset, const connect::Options& opts) {
    LF_ASSIGN_OR_RETURN(auto rr, conn.ReadTableDeletes(spec.source_table, offset, opts));
    LF_ASSIGN_OR_RETURN(rr.records, connect::SparkStorageReader(std::move(rr.records), mapping));
    return rr;
  }

  void Report() {
    if (!options.on_progress) return;
    TableProgress p;
    p.table = result.destination_table;
    p.rows_read = result.rows_read;
    p.rows_expected = rows_expected < 0 ? -1 : std::max(rows_expected, result.rows_read);
    p.bytes_read = bytes_read;
    p.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    options.on_progress(p);
  }
};

bool DirExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status MakeDirs(const std::string& path) {
  std::string cur;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!cur.empty() && !DirExists(cur) && ::mkdir(cur.c_str(), 0777) != 0 && errno != EEXIST) {
        return Status::IOError("cannot create directory '" + cur + "': " + std::strerror(errno));
      }
    }
    if (i < path.size()) cur += path[i];
  }
  return Status::OK();
}

// The destination table when it has a version 0; null when it does not exist yet (a run killed
// while creating it may leave an empty `_delta_log`).
Result<std::unique_ptr<delta::DeltaTable>> OpenExisting(const std::string& root) {
  if (!DirExists(root + "/_delta_log")) return std::unique_ptr<delta::DeltaTable>();
  LF_ASSIGN_OR_RETURN(auto table, delta::DeltaTable::Open(root));
  LF_ASSIGN_OR_RETURN(int64_t latest, table->LatestVersion());
  if (latest < 0) return std::unique_ptr<delta::DeltaTable>();
  return table;
}

// The destination table, created (version 0, no data) on first use with the source's schema.
Result<std::unique_ptr<delta::DeltaTable>> OpenOrCreate(const std::string& root,
                                                        const arrow::Schema& schema,
                                                        const std::string& source_table,
                                                        bool with_dvs) {
  if (DirExists(root + "/_delta_log")) {
    auto t = delta::DeltaTable::Open(root);
    if (!t.ok()) return t.status();
    LF_ASSIGN_OR_RETURN(int64_t latest, (*t)->LatestVersion());
    if (latest >= 0) return t;
  }
  LF_RETURN_NOT_OK(MakeDirs(root));
  delta::CreateOptions co;
  co.name = source_table;
  if (with_dvs) {
    co.protocol = delta::DeletionVectorProtocol();
    co.configuration[delta::kEnableDeletionVectorsKey] = "true";
  }
  auto created = delta::DeltaTable::Create(root, schema, co);
  if (created.ok()) return created;
  // A run killed after creating version 0 or a racing creator: open what is there.
  auto t = delta::DeltaTable::Open(root);
  if (t.ok()) {
    auto latest = (*t)->LatestVersion();
    if (latest.ok() && *latest >= 0) return t;
  }
  return created.status();
}

struct CommittedState {
  int64_t batch = 0;   // txn version of the last commit (0: none)
  std::string offset;  // connector offset of the last commit ("" = from the beginning)
  // read_table_deletes offset of the last commit ("" = none committed; cdc_with_deletes only).
  std::string deletes_offset;
};

Result<CommittedState> ReadCommittedState(const delta::Snapshot& snap, const std::string& app_id,
                                          const std::string& where) {
  CommittedState s;
  auto v = snap.AppTransactionVersion(app_id);
  if (!v) return s;
  s.batch = *v;
  auto it = snap.metadata.configuration.find(kOffsetKey);
  if (it == snap.metadata.configuration.end()) {
    return Status::Corrupt(where + ": txn " + app_id + " is committed but the table has no " +
                           kOffsetKey + " configuration");
  }
  s.offset = it->second;
  auto d = snap.metadata.configuration.find(kDeletesOffsetKey);
  if (d != snap.metadata.configuration.end()) s.deletes_offset = d->second;
  return s;
}

// Commits `txn` with the batch's txn and offset (and the deletes offset when not empty);
// refuses a concurrent writer.
Status CommitBatch(const delta::DeltaTable& table, const delta::Snapshot& snap,
                   delta::Transaction* txn, const TableSpec& spec, CommittedState* state,
                   const std::string& end_offset, const std::string& operation, FlowContext* ctx,
                   const std::string& deletes_offset = "") {
  const std::string app_id = AppIdFor(spec.source_table);
  const int64_t next = state->batch + 1;
  LF_RETURN_NOT_OK(txn->SetAppTransaction(app_id, next, delta::NowMillis()));
  delta::Metadata md = snap.metadata;
  md.configuration[kOffsetKey] = end_offset;
  md.configuration[kSourceTableKey] = spec.source_table;
  if (!deletes_offset.empty()) md.configuration[kDeletesOffsetKey] = deletes_offset;
  txn->SetMetadata(std::move(md));
  delta::CommitInfo ci;
  ci.timestamp = delta::NowMillis();
  ci.operation = operation;
  ci.engine_info = "lanceflow/0.1.0";
  ci.operation_parameters["sourceTable"] = spec.source_table;
  ci.operation_parameters["sourceOffset"] = end_offset;
  ci.operation_parameters["batch"] = std::to_string(next);
  if (!deletes_offset.empty()) ci.operation_parameters["deletesOffset"] = deletes_offset;
  ci.is_blind_append = !txn->removes_data();
  ci.read_version = snap.version;
  txn->SetCommitInfo(std::move(ci));
  LF_ASSIGN_OR_RETURN(auto res, table.Commit(*txn, 1));
  if (res.outcome != delta::CommitOutcome::kCommitted) {
    return Status::IOError("another writer committed version " + std::to_string(res.version) +
                           " of " + table.root() + " during the sync; run sync again");
  }
  state->batch = next;
  state->offset = end_offset;
  if (!deletes_offset.empty()) state->deletes_offset = deletes_offset;
  ctx->result.commits++;
  ctx->result.delta_version = res.version;
  ctx->result.files_added += static_cast<int64_t>(txn->adds().size());
  ctx->result.files_removed += static_cast<int64_t>(txn->removes().size());
  return Status::OK();
}

Status CheckSchema(const delta::Snapshot& snap, const arrow::Schema& schema,
                   const std::string& root) {
  const std::string want = connect::SparkSchemaJson(schema);
  if (snap.metadata.schema_string != want) {
    return Status::NotImplemented("the source schema differs from the schema of " + root +
                                  " (schema evolution is not supported): source " + want +
                                  ", destination " + snap.metadata.schema_string);
  }
  return Status::OK();
}

Result<std::vector<RecordBatchPtr>> Drain(arrow::RecordBatchReader& reader, FlowContext* ctx) {
  std::vector<RecordBatchPtr> out;
  while (true) {
    LF_ASSIGN_OR_RETURN(auto b, reader.Next());
    if (!b) break;
    ctx->result.rows_read += b->num_rows();
    ctx->bytes_read += b->TotalBufferSize();
    if (b->num_rows() > 0) out.push_back(std::move(b));
  }
  ctx->Report();
  return out;
}

// Append and snapshot flows share the shape "read a batch, write files, commit".
Status RunAppendOrSnapshot(FlowContext* ctx, const connect::Options& opts, bool snapshot) {
  const TableSpec& spec = ctx->spec;
  const std::string app_id = AppIdFor(spec.source_table);
  std::unique_ptr<delta::DeltaTable> table;
  delta::Snapshot snap;
  CommittedState state;
  LF_ASSIGN_OR_RETURN(table, OpenExisting(ctx->root));
  if (table) {
    LF_ASSIGN_OR_RETURN(snap, table->LoadSnapshot());
    LF_ASSIGN_OR_RETURN(state, ReadCommittedState(snap, app_id, ctx->root));
    ctx->result.delta_version = snap.version;
  }
  while (true) {
    LF_ASSIGN_OR_RETURN(auto rr, ctx->Read(state.offset, opts));
    if (!table) {
      LF_ASSIGN_OR_RETURN(table, OpenOrCreate(ctx->root, *rr.records->schema(), spec.source_table,
                                              ctx->create_with_dvs));
      LF_ASSIGN_OR_RETURN(snap, table->LoadSnapshot());
      LF_ASSIGN_OR_RETURN(state, ReadCommittedState(snap, app_id, ctx->root));
      ctx->result.delta_version = snap.version;
    }
    LF_RETURN_NOT_OK(CheckSchema(snap, *rr.records->schema(), ctx->root));
    if (rr.end_offset == state.offset) break;  // nothing new (O3/O4)
    DataFileWriter writer(ctx->root, rr.records->schema(), ctx->options.max_rows_per_file);
    while (true) {
      LF_ASSIGN_OR_RETURN(auto b, rr.records->Next());
      if (!b) break;
      ctx->result.rows_read += b->num_rows();
      ctx->bytes_read += b->TotalBufferSize();
      LF_RETURN_NOT_OK(writer.Write(*b));
      ctx->Report();
    }
    LF_ASSIGN_OR_RETURN(auto adds, writer.Finish());
    ctx->result.rows_written += writer.rows();
    delta::Transaction txn(snap);
    if (snapshot) txn.RemoveAll(delta::NowMillis());
    for (auto& a : adds) LF_RETURN_NOT_OK(txn.Add(std::move(a)));
    LF_RETURN_NOT_OK(CommitBatch(*table, snap, &txn, spec, &state, rr.end_offset,
                                 snapshot ? "WRITE" : "STREAMING UPDATE", ctx));
    LF_ASSIGN_OR_RETURN(snap, table->UpdateSnapshot(snap));
    if (snapshot) break;  // one pinned version per run
  }
  return Status::OK();
}

// Resolves each key column of `batch` (top-level columns only).
Result<std::vector<int>> KeyIndices(const arrow::Schema& schema,
                                    const std::vector<std::string>& keys, const std::string& what) {
  std::vector<int> out;
  for (const auto& k : keys) {
    const int i = schema.GetFieldIndex(k);
    if (i < 0) {
      return Status::NotImplemented("primary key '" + k + "' is not a top-level column of " + what);
    }
    out.push_back(i);
  }
  return out;
}

// The keys of a set of changes, with what key-statistics pruning needs.
struct KeySet {
  std::vector<delta::KeyColumn> columns;
  std::vector<delta::KeyTuple> tuples;
  bool prunable = true;  // false: some key has no statistics form, every file is a candidate
};

// Changes per key with their key statistics: the row with the highest sequence_by wins, later
// rows (read order) win ties, a null sequence_by orders before every value.
struct KeyedEvents {
  struct Event {
    size_t batch;
    int64_t row;
    SeqValue seq;
    bool dropped = false;
  };
  std::unordered_map<std::string, Event> events;
  KeySet key_set;

  // The change sequence of key `k`; null when `k` has no change.
  const SeqValue* Sequence(const std::string& k) const {
    auto it = events.find(k);
    return it == events.end() ? nullptr : &it->second.seq;
  }
  // Marks the event of key `k` (which has one) as dropped: a stored row is newer.
  void Drop(const std::string& k) { events.find(k)->second.dropped = true; }
  // Per batch (of `num_batches`) the rows of the events not dropped, ascending.
  std::vector<std::vector<int64_t>> KeptRows(size_t num_batches) const {
    std::vector<std::vector<int64_t>> rows(num_batches);
    for (const auto& [k, e] : events) {
      if (!e.dropped) rows[e.batch].push_back(e.row);
    }
    for (auto& r : rows) std::sort(r.begin(), r.end());
    return rows;
  }
};

// The events of `batches`, keyed on the columns `key_idx` (named `keys`), ordered by column
// `seq_idx`; with `seq_idx` < 0 every row has a null sequence. When `null_sequence_error` is not
// empty a row with a null sequence_by fails with that message.
Result<KeyedEvents> CollectEvents(const std::vector<RecordBatchPtr>& batches,
                                  const std::vector<std::string>& keys,
                                  const std::vector<int>& key_idx, int seq_idx,
                                  std::string_view null_sequence_error) {
  KeyedEvents out;
  out.key_set.columns.resize(keys.size());
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    const auto& b = batches[bi];
    std::vector<arrow::ArrayDataPtr> kc;
    for (int i : key_idx) {
      LF_ASSIGN_OR_RETURN(auto a, Plain(b->column(i)));
      kc.push_back(std::move(a));
    }
    arrow::ArrayDataPtr seq_arr;
    if (seq_idx >= 0) {
      LF_ASSIGN_OR_RETURN(seq_arr, Plain(b->column(seq_idx)));
    }
    for (int64_t r = 0; r < b->num_rows(); ++r) {
      std::string k;
      delta::KeyTuple tuple(kc.size());
      for (size_t c = 0; c < kc.size(); ++c) {
        delta::KeyKind kind = delta::KeyKind::kNumber;
        LF_RETURN_NOT_OK(AppendKey(*kc[c], r, &k, &tuple[c], &kind));
        out.key_set.columns[c].kind = kind;
        if (!kc[c]->IsNull(r) && !tuple[c]) out.key_set.prunable = false;
      }
      SeqValue seq;
      if (seq_arr) {
        LF_ASSIGN_OR_RETURN(seq, SequenceAt(*seq_arr, r));
      }
      if (!null_sequence_error.empty() && std::holds_alternative<std::monostate>(seq)) {
        return Status::Invalid(std::string(null_sequence_error));
      }
      auto it = out.events.find(k);
      if (it == out.events.end()) {
        out.events.emplace(std::move(k), KeyedEvents::Event{bi, r, std::move(seq)});
        out.key_set.tuples.push_back(std::move(tuple));
      } else if (!(seq < it->second.seq)) {
        it->second = KeyedEvents::Event{bi, r, std::move(seq)};
      }
    }
  }
  for (size_t c = 0; c < keys.size(); ++c) out.key_set.columns[c].path = {keys[c]};
  return out;
}

// Row group `g` of a data file whose first row is row `base` of the file, without the rows in
// `deleted` (the file's DV, sorted). `columns` as ParquetReader::ReadRowGroup. When `positions`
// is given it receives the file row index of every returned row.
Result<RecordBatchPtr> ReadLiveRowGroup(parquet::ParquetReader& reader, int g, int64_t base,
                                        const std::vector<uint64_t>& deleted,
                                        const std::vector<int>& columns,
                                        std::vector<int64_t>* positions) {
  LF_ASSIGN_OR_RETURN(auto b, reader.ReadRowGroup(g, columns));
  const int64_t n = b->num_rows();
  auto lo = std::lower_bound(deleted.begin(), deleted.end(), static_cast<uint64_t>(base));
  auto hi = std::lower_bound(lo, deleted.end(), static_cast<uint64_t>(base + n));
  if (lo == hi) {
    if (positions) {
      positions->resize(static_cast<size_t>(n));
      for (int64_t r = 0; r < n; ++r) (*positions)[static_cast<size_t>(r)] = base + r;
    }
    return b;
  }
  std::vector<int64_t> keep;
  keep.reserve(static_cast<size_t>(n - (hi - lo)));
  auto d = lo;
  for (int64_t r = 0; r < n; ++r) {
    if (d != hi && *d == static_cast<uint64_t>(base + r)) {
      ++d;
      continue;
    }
    keep.push_back(r);
  }
  if (positions) {
    positions->clear();
    for (int64_t r : keep) positions->push_back(base + r);
  }
  return arrow::TakeRecordBatch(*b, keep.data(), static_cast<int64_t>(keep.size()));
}

// For a single numeric key column whose keys are all integers: the sorted key values (a row
// whose integer key is not among them holds no change). nullopt otherwise.
std::optional<std::vector<int64_t>> IntegerKeyProbe(const KeySet& key_set) {
  if (key_set.columns.size() != 1 || key_set.columns[0].kind != delta::KeyKind::kNumber ||
      !key_set.prunable) {
    return std::nullopt;
  }
  std::vector<int64_t> out;
  out.reserve(key_set.tuples.size());
  for (const auto& t : key_set.tuples) {
    if (t.size() != 1 || !t[0]) return std::nullopt;
    const auto* v = std::get_if<int64_t>(&*t[0]);
    if (v == nullptr) return std::nullopt;
    out.push_back(*v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// numRecords of a data file from its stats; -1 when unknown.
int64_t NumRecords(const delta::AddFile& f) {
  if (!f.stats) return -1;
  auto st = delta::ParseFileStats(*f.stats);
  return st.ok() ? st->num_records : -1;
}

// Marks rows `dead` (sorted file row indexes) of live file `f`, whose current DV holds
// `deleted`, as deleted: a new DV (both sets) written through `dvw`, or the file removed when
// no row would stay.
Status DeleteRowsWithDv(const delta::AddFile& f, const std::vector<uint64_t>& deleted,
                        const std::vector<uint64_t>& dead, delta::DeletionVectorFileWriter* dvw,
                        delta::Transaction* txn) {
  const std::vector<uint64_t> all = delta::UnionRows(deleted, dead);
  if (static_cast<int64_t>(all.size()) >= NumRecords(f)) {
    return txn->Remove(f.path, delta::NowMillis());
  }
  LF_ASSIGN_OR_RETURN(auto dv, dvw->Add(all));
  return txn->SetDeletionVector(f.path, std::move(dv), delta::NowMillis());
}

// Rewrites the live files that hold a key for which `find` gives a change sequence: such rows
// are left out, except that a stored row whose sequence_by is newer than the change's (same
// kind of value) is kept and reported to `stored_wins`. Files without a removed row are not
// touched. The removes and adds go into `txn`.
Status RewriteWithout(const delta::DeltaTable& table, const delta::Snapshot& snap,
                      const std::vector<std::string>& keys, const std::string& seq_col,
                      const KeySet& key_set,
                      const std::function<const SeqValue*(const std::string&)>& find,
                      const std::function<void(const std::string&)>& stored_wins,
                      delta::Transaction* txn, FlowContext* ctx,
                      delta::DeletionVectorFileWriter* dvw) {
  std::optional<std::vector<int64_t>> probe;
  bool probe_built = false;
  std::vector<size_t> candidates;
  if (key_set.prunable) {
    LF_ASSIGN_OR_RETURN(candidates,
                        delta::FilesThatMayHoldKeys(snap.files, key_set.columns, key_set.tuples));
  } else {
    for (size_t i = 0; i < snap.files.size(); ++i) candidates.push_back(i);
  }
  for (size_t fi : candidates) {
    const delta::AddFile& f = snap.files[fi];
    LF_ASSIGN_OR_RETURN(auto path, table.DataFilePath(f.path));
    LF_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::OpenFile(path));
    LF_ASSIGN_OR_RETURN(const std::vector<uint64_t> deleted, table.DeletedRows(f));
    const arrow::SchemaPtr fschema = reader->schema();
    LF_ASSIGN_OR_RETURN(auto fkey_idx, KeyIndices(*fschema, keys, "data file " + f.path));
    const int fseq_idx = fschema->GetFieldIndex(seq_col);
    if (dvw != nullptr && NumRecords(f) == reader->num_rows()) {
      if (!probe_built) {
        probe = IntegerKeyProbe(key_set);
        probe_built = true;
      }
      // Merge on read: only the key and sequence columns are decoded; the replaced rows go into
      // the file's DV.
      std::vector<int> cols = fkey_idx;
      int seq_pos = -1;
      if (fseq_idx >= 0) {
        auto at = std::find(cols.begin(), cols.end(), fseq_idx);
        seq_pos = static_cast<int>(at - cols.begin());
        if (at == cols.end()) cols.push_back(fseq_idx);
      }
      std::vector<uint64_t> dead;
      std::vector<int64_t> positions;
      int64_t base = 0;
      for (int g = 0; g < reader->num_row_groups(); ++g) {
        LF_ASSIGN_OR_RETURN(auto b, ReadLiveRowGroup(*reader, g, base, deleted, cols, &positions));
        base += reader->row_group_num_rows(g);
        arrow::ArrayDataPtr stored_seq_arr;
        if (seq_pos >= 0) {
          LF_ASSIGN_OR_RETURN(stored_seq_arr, Plain(b->column(seq_pos)));
        }
        const ArrayData* int_key = probe ? b->column(0).get() : nullptr;
        for (int64_t r = 0; r < b->num_rows(); ++r) {
          // Most rows hold no changed key: a binary search over the integer keys skips them
          // without building the canonical key.
          if (int_key != nullptr && !int_key->IsNull(r)) {
            std::optional<int64_t> v = arrow::IntegerValueAt(*int_key, r);
            if (v && !std::binary_search(probe->begin(), probe->end(), *v)) continue;
          }
          std::string k;
          for (size_t c = 0; c < fkey_idx.size(); ++c) {
            LF_RETURN_NOT_OK(AppendKey(*b->column(static_cast<int>(c)), r, &k, nullptr, nullptr));
          }
          const SeqValue* change = find(k);
          if (change == nullptr) continue;
          if (stored_seq_arr) {
            LF_ASSIGN_OR_RETURN(SeqValue stored, SequenceAt(*stored_seq_arr, r));
            if (stored.index() == change->index() && *change < stored) {
              stored_wins(k);
              continue;
            }
          }
          dead.push_back(static_cast<uint64_t>(positions[static_cast<size_t>(r)]));
        }
      }
      if (!dead.empty()) LF_RETURN_NOT_OK(DeleteRowsWithDv(f, deleted, dead, dvw, txn));
      continue;
    }
    std::vector<RecordBatchPtr> kept;
    bool touched = false;  // a rewrite leaves out the DV's rows; the new file has no DV
    int64_t base = 0;
    for (int g = 0; g < reader->num_row_groups(); ++g) {
      LF_ASSIGN_OR_RETURN(auto b, ReadLiveRowGroup(*reader, g, base, deleted, {}, nullptr));
      base += reader->row_group_num_rows(g);
      std::vector<int64_t> keep;
      arrow::ArrayDataPtr stored_seq_arr;
      if (fseq_idx >= 0) {
        LF_ASSIGN_OR_RETURN(stored_seq_arr, Plain(b->column(fseq_idx)));
      }
      for (int64_t r = 0; r < b->num_rows(); ++r) {
        std::string k;
        for (int c : fkey_idx) LF_RETURN_NOT_OK(AppendKey(*b->column(c), r, &k, nullptr, nullptr));
        const SeqValue* change = find(k);
        if (change == nullptr) {
          keep.push_back(r);
          continue;
        }
        // A stored row with a newer sequence than the event wins (the event is dropped).
        if (stored_seq_arr) {
          LF_ASSIGN_OR_RETURN(SeqValue stored, SequenceAt(*stored_seq_arr, r));
          if (stored.index() == change->index() && *change < stored) {
            stored_wins(k);
            keep.push_back(r);
            continue;
          }
        }
        touched = true;
      }
      if (static_cast<int64_t>(keep.size()) == b->num_rows()) {
        kept.push_back(std::move(b));
      } else if (!keep.empty()) {
        LF_ASSIGN_OR_RETURN(
            auto t, arrow::TakeRecordBatch(*b, keep.data(), static_cast<int64_t>(keep.size())));
        kept.push_back(std::move(t));
      }
    }
    if (!touched) continue;
    LF_RETURN_NOT_OK(txn->Remove(f.path, delta::NowMillis()));
    DataFileWriter w(ctx->root, fschema, ctx->options.max_rows_per_file);
    for (const auto& b : kept) LF_RETURN_NOT_OK(w.Write(*b));
    LF_ASSIGN_OR_RETURN(auto adds, w.Finish());
    ctx->result.rows_written += w.rows();
    for (auto& a : adds) LF_RETURN_NOT_OK(txn->Add(std::move(a)));
  }
  return Status::OK();
}

// The read_table_deletes offset at the version this run reads: deletes before the first run
// concern keys the upserts never deliver, so the log starts there (not from the oldest retained
// version, which "{}" would walk).
Result<std::string> StartDeletesOffset(FlowContext* ctx, const std::string& source_table) {
  LF_ASSIGN_OR_RETURN(uint64_t v, ctx->conn.PinnedVersion(source_table));
  nlohmann::ordered_json o = nlohmann::ordered_json::object();
  o["version"] = v;
  return o.dump();
}

// A merge flow's destination: the table, its snapshot, the committed offsets and (cdc_with_deletes)
// the deletes offset every commit carries.
struct Target {
  std::unique_ptr<delta::DeltaTable> table;
  delta::Snapshot snap;
  CommittedState state;
  // Without a committed one, the delete log starts at the version this run reads and is
  // committed with the first upsert batch, so that the keys of that batch deleted before a later
  // run are found even if this run is cut short.
  std::string deletes_offset;
};

// Loads `t` unless it already holds a table: with `create_schema` null only an existing
// destination is opened (t->table stays null when there is none), otherwise the destination is
// opened or created with that schema. Then the snapshot, the committed state and, when
// `with_deletes`, the deletes offset to start from.
Status LoadTarget(FlowContext* ctx, const arrow::Schema* create_schema, bool with_deletes,
                  Target* t) {
  if (t->table) return Status::OK();
  if (create_schema == nullptr) {
    LF_ASSIGN_OR_RETURN(t->table, OpenExisting(ctx->root));
    if (!t->table) return Status::OK();
  } else {
    LF_ASSIGN_OR_RETURN(t->table, OpenOrCreate(ctx->root, *create_schema, ctx->spec.source_table,
                                               ctx->create_with_dvs));
  }
  LF_ASSIGN_OR_RETURN(t->snap, t->table->LoadSnapshot());
  LF_ASSIGN_OR_RETURN(t->state,
                      ReadCommittedState(t->snap, AppIdFor(ctx->spec.source_table), ctx->root));
  ctx->result.delta_version = t->snap.version;
  if (with_deletes) {
    t->deletes_offset = t->state.deletes_offset;
    if (t->deletes_offset.empty()) {
      LF_ASSIGN_OR_RETURN(t->deletes_offset, StartDeletesOffset(ctx, ctx->spec.source_table));
    }
  }
  return Status::OK();
}

// The cdc_with_deletes pass of a run, after its upserts: every key read_table_deletes lists
// from `deletes_offset` up to the pinned version is removed from the live files (copy on
// write), except where the stored row's sequence_by is newer than the delete's (the value the
// row had just before it was deleted; a delete without that column removes unconditionally).
// One commit carries the new deletes offset with the unchanged upsert offset.
Status ApplyDeletes(FlowContext* ctx, const connect::Options& opts,
                    const std::vector<std::string>& keys, const std::string& seq_col,
                    const delta::DeltaTable& table, delta::Snapshot* snap, CommittedState* state,
                    const std::string& deletes_offset) {
  const TableSpec& spec = ctx->spec;
  LF_ASSIGN_OR_RETURN(auto dr, ctx->ReadDeletes(deletes_offset, opts));
  if (dr.end_offset == deletes_offset) return Status::OK();
  const arrow::SchemaPtr schema = dr.records->schema();
  LF_ASSIGN_OR_RETURN(auto key_idx,
                      KeyIndices(*schema, keys, "deletes of table " + spec.source_table));
  const int seq_idx = schema->GetFieldIndex(seq_col);
  LF_ASSIGN_OR_RETURN(auto batches, Drain(*dr.records, ctx));
  // Per key the newest delete sequence.
  LF_ASSIGN_OR_RETURN(auto deletes, CollectEvents(batches, keys, key_idx, seq_idx, {}));
  delta::Transaction txn(*snap);
  delta::DeletionVectorFileWriter dvw;
  const bool use_dvs = delta::DeletionVectorsEnabled(snap->protocol, snap->metadata);
  if (!deletes.events.empty()) {
    LF_RETURN_NOT_OK(RewriteWithout(
        table, *snap, keys, seq_col, deletes.key_set,
        [&](const std::string& k) { return deletes.Sequence(k); }, [](const std::string&) {}, &txn,
        ctx, use_dvs ? &dvw : nullptr));
  }
  LF_RETURN_NOT_OK(dvw.Finish(ctx->root));
  LF_RETURN_NOT_OK(
      CommitBatch(table, *snap, &txn, spec, state, state->offset, "DELETE", ctx, dr.end_offset));
  LF_ASSIGN_OR_RETURN(*snap, table.UpdateSnapshot(*snap));
  return Status::OK();
}

Status RunScd1Merge(FlowContext* ctx, const connect::Options& opts,
                    const connect::TableMetadata& md) {
  const TableSpec& spec = ctx->spec;
  std::vector<std::string> keys = spec.primary_keys.empty() ? md.primary_keys : spec.primary_keys;
  if (keys.empty()) return Status::Invalid("SCD_TYPE_1 needs primary_keys");
  std::string seq_col = spec.sequence_by ? *spec.sequence_by : md.cursor_field.value_or("");
  if (seq_col.empty()) return Status::Invalid("SCD_TYPE_1 needs sequence_by or cursor_field");

  const bool with_deletes = md.ingestion_type == connect::IngestionType::kCdcWithDeletes;

  Target target;
  LF_RETURN_NOT_OK(LoadTarget(ctx, nullptr, with_deletes, &target));
  std::unique_ptr<delta::DeltaTable>& table = target.table;
  delta::Snapshot& snap = target.snap;
  CommittedState& state = target.state;
  const std::string& deletes_offset = target.deletes_offset;
  while (true) {
    LF_ASSIGN_OR_RETURN(auto rr, ctx->Read(state.offset, opts));
    const arrow::SchemaPtr schema = rr.records->schema();
    LF_RETURN_NOT_OK(LoadTarget(ctx, schema.get(), with_deletes, &target));
    LF_RETURN_NOT_OK(CheckSchema(snap, *schema, ctx->root));
    if (rr.end_offset == state.offset) break;
    LF_ASSIGN_OR_RETURN(auto key_idx, KeyIndices(*schema, keys, "table " + spec.source_table));
    const int seq_idx = schema->GetFieldIndex(seq_col);
    if (seq_idx < 0) return Status::Invalid("sequence_by column '" + seq_col + "' not found");
    LF_ASSIGN_OR_RETURN(auto batches, Drain(*rr.records, ctx));

    // One event per key: the newest sequence_by wins.
    LF_ASSIGN_OR_RETURN(auto ke, CollectEvents(batches, keys, key_idx, seq_idx, {}));

    delta::Transaction txn(snap);
    delta::DeletionVectorFileWriter dvw;
    const bool use_dvs = delta::DeletionVectorsEnabled(snap.protocol, snap.metadata);
    LF_RETURN_NOT_OK(RewriteWithout(
        *table, snap, keys, seq_col, ke.key_set,
        [&](const std::string& k) { return ke.Sequence(k); },
        [&](const std::string& k) { ke.Drop(k); }, &txn, ctx, use_dvs ? &dvw : nullptr));
    LF_RETURN_NOT_OK(dvw.Finish(ctx->root));
    // The winning rows, in read order.
    DataFileWriter w(ctx->root, schema, ctx->options.max_rows_per_file);
    const std::vector<std::vector<int64_t>> take = ke.KeptRows(batches.size());
    for (size_t bi = 0; bi < batches.size(); ++bi) {
      const auto& rows = take[bi];
      if (rows.empty()) continue;
      LF_ASSIGN_OR_RETURN(auto t, arrow::TakeRecordBatch(*batches[bi], rows.data(),
                                                         static_cast<int64_t>(rows.size())));
      LF_RETURN_NOT_OK(w.Write(*t));
    }
    LF_ASSIGN_OR_RETURN(auto adds, w.Finish());
    ctx->result.rows_written += w.rows();
    for (auto& a : adds) LF_RETURN_NOT_OK(txn.Add(std::move(a)));
    LF_RETURN_NOT_OK(
        CommitBatch(*table, snap, &txn, spec, &state, rr.end_offset, "MERGE", ctx, deletes_offset));
    LF_ASSIGN_OR_RETURN(snap, table->UpdateSnapshot(snap));
  }
  if (with_deletes && table)
    LF_RETURN_NOT_OK(ApplyDeletes(ctx, opts, keys, seq_col, *table, &snap, &state, deletes_offset));
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// SCD_TYPE_2: history rows with __START_AT / __END_AT typed like the sequence_by column.

constexpr const char* kStartAt = "__START_AT";
constexpr const char* kEndAt = "__END_AT";
constexpr std::string_view kScd2NullSequence = "SCD_TYPE_2: a row has a null sequence_by value";

// Bytes per value of a sequence type SCD2 supports (its SeqValue is an int64); 0 otherwise.
int Scd2SequenceWidth(const arrow::DataType& t) {
  switch (t.id()) {
    case TypeId::kInt8:
    case TypeId::kUInt8:
      return 1;
    case TypeId::kInt16:
    case TypeId::kUInt16:
      return 2;
    case TypeId::kInt32:
    case TypeId::kUInt32:
    case TypeId::kDate32:
      return 4;
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      return 8;
    default:
      return 0;
  }
}

// The raw value of `type` for a normalised sequence value (SequenceAt: timestamps in micros).
int64_t RawSequence(const arrow::DataType& type, int64_t v) {
  if (type.id() != TypeId::kTimestamp) return v;
  switch (type.unit()) {
    case arrow::TimeUnit::kSecond:
      return FloorDiv(v, 1000000);
    case arrow::TimeUnit::kMilli:
      return FloorDiv(v, 1000);
    case arrow::TimeUnit::kMicro:
      return v;
    case arrow::TimeUnit::kNano:
      return v * 1000;
  }
  return v;
}

// A copy of fixed-width `a` with the slots of `sets` set to the given (normalised) values.
Result<arrow::ArrayDataPtr> WithValues(const ArrayData& a,
                                       const std::vector<std::pair<int64_t, int64_t>>& sets) {
  const int width = Scd2SequenceWidth(*a.type);
  if (width == 0) {
    return Status::NotImplemented("__END_AT of type " + a.type->ToString() + " is not supported");
  }
  BufferBuilder values;
  values.Resize(a.length * width);
  if (a.buffers.size() > 1 && a.buffers[1]) {
    std::memcpy(values.mutable_data(), a.buffers[1]->data() + a.offset * width,
                static_cast<size_t>(a.length * width));
  }
  BufferBuilder validity;
  validity.Resize((a.length + 7) / 8);
  uint8_t* bits = validity.mutable_data();
  for (int64_t i = 0; i < a.length; ++i) {
    if (a.IsValid(i)) bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
  }
  for (const auto& [i, v] : sets) {
    const int64_t raw = RawSequence(*a.type, v);
    std::memcpy(values.mutable_data() + i * width, &raw, static_cast<size_t>(width));
    bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
  }
  auto out = std::make_shared<ArrayData>();
  out->type = a.type;
  out->length = a.length;
  out->buffers = {validity.Finish(), values.Finish()};
  out->null_count = CountNulls(*out);
  return arrow::ArrayDataPtr(std::move(out));
}

Result<arrow::ArrayDataPtr> NullColumn(const arrow::DataTypePtr& type, int64_t n) {
  const int width = Scd2SequenceWidth(*type);
  BufferBuilder values;
  values.Resize(n * width);
  BufferBuilder validity;
  validity.Resize((n + 7) / 8);
  auto out = std::make_shared<ArrayData>();
  out->type = type;
  out->length = n;
  out->null_count = n;
  out->buffers = {validity.Finish(), values.Finish()};
  return arrow::ArrayDataPtr(std::move(out));
}

// Closes the current rows (__END_AT null) of the keys `find` gives a change for: __END_AT is set
// to the change's sequence, copy on write. A change not newer than the row's __START_AT (or older
// when `close_on_equal`) leaves the row current and is reported to `skipped`.
Status CloseCurrentRows(const delta::DeltaTable& table, const delta::Snapshot& snap,
                        const std::vector<std::string>& keys, const KeySet& key_set,
                        bool close_on_equal,
                        const std::function<const SeqValue*(const std::string&)>& find,
                        const std::function<void(const std::string&)>& skipped,
                        delta::Transaction* txn, FlowContext* ctx,
                        delta::DeletionVectorFileWriter* dvw) {
  std::unique_ptr<DataFileWriter> closed_copies;  // merge on read: the closed rows, appended
  std::vector<size_t> candidates;
  if (key_set.prunable) {
    LF_ASSIGN_OR_RETURN(candidates,
                        delta::FilesThatMayHoldKeys(snap.files, key_set.columns, key_set.tuples));
  } else {
    for (size_t i = 0; i < snap.files.size(); ++i) candidates.push_back(i);
  }
  for (size_t fi : candidates) {
    const delta::AddFile& f = snap.files[fi];
    LF_ASSIGN_OR_RETURN(auto path, table.DataFilePath(f.path));
    LF_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::OpenFile(path));
    const arrow::SchemaPtr fschema = reader->schema();
    LF_ASSIGN_OR_RETURN(auto fkey_idx, KeyIndices(*fschema, keys, "data file " + f.path));
    const int start_idx = fschema->GetFieldIndex(kStartAt);
    const int end_idx = fschema->GetFieldIndex(kEndAt);
    if (start_idx < 0 || end_idx < 0) {
      return Status::Corrupt("data file " + f.path + " of an SCD_TYPE_2 table has no " + kStartAt +
                             "/" + kEndAt + " columns");
    }
    LF_ASSIGN_OR_RETURN(const std::vector<uint64_t> deleted, table.DeletedRows(f));
    if (dvw != nullptr && NumRecords(f) == reader->num_rows()) {
      // Merge on read: find the rows to close from the key and __START_AT/__END_AT columns,
      // mark them in the file's DV and append closed copies of them.
      std::vector<int> cols = fkey_idx;
      auto project = [&cols](int idx) {
        auto at = std::find(cols.begin(), cols.end(), idx);
        if (at != cols.end()) return static_cast<int>(at - cols.begin());
        cols.push_back(idx);
        return static_cast<int>(cols.size()) - 1;
      };
      const int sp = project(start_idx);
      const int ep = project(end_idx);
      std::vector<std::pair<int64_t, int64_t>> closes;  // (file row, closing sequence)
      std::vector<int64_t> positions;
      int64_t base = 0;
      for (int g = 0; g < reader->num_row_groups(); ++g) {
        LF_ASSIGN_OR_RETURN(auto b, ReadLiveRowGroup(*reader, g, base, deleted, cols, &positions));
        base += reader->row_group_num_rows(g);
        LF_ASSIGN_OR_RETURN(auto start_arr, Plain(b->column(sp)));
        const ArrayData& end_arr = *b->column(ep);
        for (int64_t r = 0; r < b->num_rows(); ++r) {
          if (end_arr.IsValid(r)) continue;
          std::string k;
          for (size_t c = 0; c < fkey_idx.size(); ++c) {
            LF_RETURN_NOT_OK(AppendKey(*b->column(static_cast<int>(c)), r, &k, nullptr, nullptr));
          }
          const SeqValue* change = find(k);
          if (change == nullptr) continue;
          LF_ASSIGN_OR_RETURN(SeqValue start, SequenceAt(*start_arr, r));
          const auto* v = std::get_if<int64_t>(change);
          if (v == nullptr) {
            return Status::Invalid("a change of an SCD_TYPE_2 table has no sequence");
          }
          if (start.index() == change->index() &&
              (close_on_equal ? *change < start : !(start < *change))) {
            skipped(k);
            continue;
          }
          closes.emplace_back(positions[static_cast<size_t>(r)], *v);
        }
      }
      if (closes.empty()) continue;
      if (!closed_copies) {
        closed_copies =
            std::make_unique<DataFileWriter>(ctx->root, fschema, ctx->options.max_rows_per_file);
      }
      size_t ci = 0;
      base = 0;
      for (int g = 0; g < reader->num_row_groups() && ci < closes.size(); ++g) {
        const int64_t n = reader->row_group_num_rows(g);
        if (closes[ci].first >= base + n) {
          base += n;
          continue;
        }
        LF_ASSIGN_OR_RETURN(auto b, ReadLiveRowGroup(*reader, g, base, deleted, {}, &positions));
        base += n;
        std::vector<int64_t> take;
        std::vector<std::pair<int64_t, int64_t>> sets;
        for (int64_t r = 0; r < b->num_rows() && ci < closes.size(); ++r) {
          if (positions[static_cast<size_t>(r)] != closes[ci].first) continue;
          sets.emplace_back(static_cast<int64_t>(take.size()), closes[ci].second);
          take.push_back(r);
          ++ci;
        }
        if (take.empty()) continue;
        LF_ASSIGN_OR_RETURN(
            auto t, arrow::TakeRecordBatch(*b, take.data(), static_cast<int64_t>(take.size())));
        std::vector<arrow::ArrayDataPtr> tcols = t->columns();
        LF_ASSIGN_OR_RETURN(tcols[static_cast<size_t>(end_idx)],
                            WithValues(*t->column(end_idx), sets));
        LF_RETURN_NOT_OK(
            closed_copies->Write(arrow::RecordBatch(fschema, t->num_rows(), std::move(tcols))));
      }
      if (ci != closes.size()) {
        return Status::Corrupt("data file " + f.path + " changed while it was read");
      }
      std::vector<uint64_t> dead;
      for (const auto& c : closes) dead.push_back(static_cast<uint64_t>(c.first));
      LF_RETURN_NOT_OK(DeleteRowsWithDv(f, deleted, dead, dvw, txn));
      continue;
    }
    std::vector<RecordBatchPtr> out;
    bool touched = false;
    int64_t base = 0;
    for (int g = 0; g < reader->num_row_groups(); ++g) {
      LF_ASSIGN_OR_RETURN(auto b, ReadLiveRowGroup(*reader, g, base, deleted, {}, nullptr));
      base += reader->row_group_num_rows(g);
      LF_ASSIGN_OR_RETURN(auto start_arr, Plain(b->column(start_idx)));
      const ArrayData& end_arr = *b->column(end_idx);
      std::vector<std::pair<int64_t, int64_t>> sets;
      for (int64_t r = 0; r < b->num_rows(); ++r) {
        if (end_arr.IsValid(r)) continue;
        std::string k;
        for (int c : fkey_idx) LF_RETURN_NOT_OK(AppendKey(*b->column(c), r, &k, nullptr, nullptr));
        const SeqValue* change = find(k);
        if (change == nullptr) continue;
        LF_ASSIGN_OR_RETURN(SeqValue start, SequenceAt(*start_arr, r));
        const auto* v = std::get_if<int64_t>(change);
        if (v == nullptr) return Status::Invalid("a change of an SCD_TYPE_2 table has no sequence");
        if (start.index() == change->index() &&
            (close_on_equal ? *change < start : !(start < *change))) {
          skipped(k);
          continue;
        }
        sets.emplace_back(r, *v);
      }
      if (sets.empty()) {
        out.push_back(std::move(b));
        continue;
      }
      touched = true;
      std::vector<arrow::ArrayDataPtr> cols = b->columns();
      LF_ASSIGN_OR_RETURN(cols[static_cast<size_t>(end_idx)], WithValues(end_arr, sets));
      out.push_back(std::make_shared<arrow::RecordBatch>(fschema, b->num_rows(), std::move(cols)));
    }
    if (!touched) continue;
    LF_RETURN_NOT_OK(txn->Remove(f.path, delta::NowMillis()));
    DataFileWriter w(ctx->root, fschema, ctx->options.max_rows_per_file);
    for (const auto& b : out) LF_RETURN_NOT_OK(w.Write(*b));
    LF_ASSIGN_OR_RETURN(auto adds, w.Finish());
    ctx->result.rows_written += w.rows();
    for (auto& a : adds) LF_RETURN_NOT_OK(txn->Add(std::move(a)));
  }
  if (closed_copies) {
    LF_ASSIGN_OR_RETURN(auto adds, closed_copies->Finish());
    ctx->result.rows_written += closed_copies->rows();
    for (auto& a : adds) LF_RETURN_NOT_OK(txn->Add(std::move(a)));
  }
  return Status::OK();
}

Status RunScd2Merge(FlowContext* ctx, const connect::Options& opts,
                    const connect::TableMetadata& md) {
  const TableSpec& spec = ctx->spec;
  std::vector<std::string> keys = spec.primary_keys.empty() ? md.primary_keys : spec.primary_keys;
  if (keys.empty()) return Status::Invalid("SCD_TYPE_2 needs primary_keys");
  std::string seq_col = spec.sequence_by ? *spec.sequence_by : md.cursor_field.value_or("");
  if (seq_col.empty()) return Status::Invalid("SCD_TYPE_2 needs sequence_by or cursor_field");
  const bool with_deletes = md.ingestion_type == connect::IngestionType::kCdcWithDeletes;
  if (with_deletes && (!md.cursor_field || *md.cursor_field != seq_col)) {
    return Status::NotImplemented(
        "SCD_TYPE_2 with cdc_with_deletes needs sequence_by equal to cursor_field (deletes "
        "carry only the cursor value)");
  }

  Target target;
  LF_RETURN_NOT_OK(LoadTarget(ctx, nullptr, with_deletes, &target));
  std::unique_ptr<delta::DeltaTable>& table = target.table;
  delta::Snapshot& snap = target.snap;
  CommittedState& state = target.state;
  const std::string& deletes_offset = target.deletes_offset;
  while (true) {
    LF_ASSIGN_OR_RETURN(auto rr, ctx->Read(state.offset, opts));
    const arrow::SchemaPtr schema = rr.records->schema();
    const int seq_idx = schema->GetFieldIndex(seq_col);
    if (seq_idx < 0) return Status::Invalid("sequence_by column '" + seq_col + "' not found");
    const arrow::DataTypePtr seq_type = schema->field(seq_idx)->type;
    if (Scd2SequenceWidth(*seq_type) == 0) {
      return Status::NotImplemented("SCD_TYPE_2 with a sequence_by column of type " +
                                    seq_type->ToString() +
                                    " (supported: integers up to 32-bit unsigned, int64, date32, "
                                    "timestamp)");
    }
    if (schema->GetFieldIndex(kStartAt) >= 0 || schema->GetFieldIndex(kEndAt) >= 0) {
      return Status::Invalid(std::string("SCD_TYPE_2: the source has a column named ") + kStartAt +
                             " or " + kEndAt);
    }
    std::vector<arrow::FieldPtr> fields = schema->fields();
    fields.push_back(arrow::MakeField(kStartAt, seq_type, true));
    fields.push_back(arrow::MakeField(kEndAt, seq_type, true));
    auto dest_schema = std::make_shared<const arrow::Schema>(std::move(fields));
    LF_RETURN_NOT_OK(LoadTarget(ctx, dest_schema.get(), with_deletes, &target));
    LF_RETURN_NOT_OK(CheckSchema(snap, *dest_schema, ctx->root));
    if (rr.end_offset == state.offset) {
      if (with_deletes) {
        LF_ASSIGN_OR_RETURN(auto dr,
                            ctx->ReadDeletes(deletes_offset, opts));
        if (dr.end_offset == deletes_offset) break;
        LF_ASSIGN_OR_RETURN(auto key_idx, KeyIndices(*dr.records->schema(), keys,
                                                     "deletes of table " + spec.source_table));
        const int dseq = dr.records->schema()->GetFieldIndex(seq_col);
        LF_ASSIGN_OR_RETURN(auto dbatches, Drain(*dr.records, ctx));
        LF_ASSIGN_OR_RETURN(auto ke,
                            CollectEvents(dbatches, keys, key_idx, dseq, kScd2NullSequence));
        delta::Transaction txn(snap);
        delta::DeletionVectorFileWriter dvw;
        const bool use_dvs = delta::DeletionVectorsEnabled(snap.protocol, snap.metadata);
        if (!ke.events.empty()) {
          LF_RETURN_NOT_OK(CloseCurrentRows(
              *table, snap, keys, ke.key_set, /*close_on_equal=*/true,
              [&](const std::string& k) { return ke.Sequence(k); }, [](const std::string&) {}, &txn,
              ctx, use_dvs ? &dvw : nullptr));
        }
        LF_RETURN_NOT_OK(dvw.Finish(ctx->root));
        LF_RETURN_NOT_OK(CommitBatch(*table, snap, &txn, spec, &state, state.offset, "DELETE", ctx,
                                     dr.end_offset));
        LF_ASSIGN_OR_RETURN(snap, table->UpdateSnapshot(snap));
      }
      break;
    }
    LF_ASSIGN_OR_RETURN(auto key_idx, KeyIndices(*schema, keys, "table " + spec.source_table));
    LF_ASSIGN_OR_RETURN(auto batches, Drain(*rr.records, ctx));
    LF_ASSIGN_OR_RETURN(auto ke, CollectEvents(batches, keys, key_idx, seq_idx, kScd2NullSequence));
    delta::Transaction txn(snap);
    delta::DeletionVectorFileWriter dvw;
    const bool use_dvs = delta::DeletionVectorsEnabled(snap.protocol, snap.metadata);
    LF_RETURN_NOT_OK(CloseCurrentRows(
        *table, snap, keys, ke.key_set, /*close_on_equal=*/false,
        [&](const std::string& k) { return ke.Sequence(k); },
        [&](const std::string& k) { ke.Drop(k); }, &txn, ctx, use_dvs ? &dvw : nullptr));
    LF_RETURN_NOT_OK(dvw.Finish(ctx->root));
    // The new current rows, in read order.
    DataFileWriter w(ctx->root, dest_schema, ctx->options.max_rows_per_file);
    const std::vector<std::vector<int64_t>> take = ke.KeptRows(batches.size());
    for (size_t bi = 0; bi < batches.size(); ++bi) {
      const auto& rows = take[bi];
      if (rows.empty()) continue;
      LF_ASSIGN_OR_RETURN(auto t, arrow::TakeRecordBatch(*batches[bi], rows.data(),
                                                         static_cast<int64_t>(rows.size())));
      std::vector<arrow::ArrayDataPtr> cols = t->columns();
      cols.push_back(t->column(seq_idx));
      LF_ASSIGN_OR_RETURN(auto nulls, NullColumn(seq_type, t->num_rows()));
      cols.push_back(std::move(nulls));
      arrow::RecordBatch ob(dest_schema, t->num_rows(), std::move(cols));
      LF_RETURN_NOT_OK(w.Write(ob));
    }
    LF_ASSIGN_OR_RETURN(auto adds, w.Finish());
    ctx->result.rows_written += w.rows();
    for (auto& a : adds) LF_RETURN_NOT_OK(txn.Add(std::move(a)));
    LF_RETURN_NOT_OK(
        CommitBatch(*table, snap, &txn, spec, &state, rr.end_offset, "MERGE", ctx, deletes_offset));
    LF_ASSIGN_OR_RETURN(snap, table->UpdateSnapshot(snap));
  }
  return Status::OK();
}

// A canonical form of one value, equal for the same logical value whether it comes from the
// source (Lance's Arrow types) or from a data file (the Spark mapping's types): integers of any
// width, timestamps in micros, every list kind alike.
Status AppendCanonical(const ArrayData& a, int64_t i, std::string* out, int depth) {
  if (depth > arrow::kMaxValidationDepth) return Status::Invalid("value nested too deeply");
  if (a.IsNull(i)) {
    out->append("N;");
    return Status::OK();
  }
  switch (a.type->id()) {
    case TypeId::kFloat16:
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      // float16 is stored as a Parquet FLOAT, read back as float32: compare as doubles.
      const double d = a.type->id() == TypeId::kFloat16
                           ? double{arrow::HalfToFloat(a.values<uint16_t>()[i])}
                       : a.type->id() == TypeId::kFloat32 ? double{a.values<float>()[i]}
                                                          : a.values<double>()[i];
      out->append("D");
      out->append(reinterpret_cast<const char*>(&d), sizeof(d));
      return Status::OK();
    }
    case TypeId::kDecimal128:
    case TypeId::kFixedSizeBinary: {
      const int64_t w = a.type->byte_width();
      out->append("X");
      out->append(reinterpret_cast<const char*>(a.buffers[1]->data() + (a.offset + i) * w),
                  static_cast<size_t>(w));
      return Status::OK();
    }
    case TypeId::kList:
    case TypeId::kLargeList:
    case TypeId::kFixedSizeList: {
      int64_t b, e;
      if (a.type->id() == TypeId::kList) {
        b = a.offsets<int32_t>()[i];
        e = a.offsets<int32_t>()[i + 1];
      } else if (a.type->id() == TypeId::kLargeList) {
        b = a.offsets<int64_t>()[i];
        e = a.offsets<int64_t>()[i + 1];
      } else {
        b = (a.offset + i) * a.type->fixed_size();
        e = b + a.type->fixed_size();
      }
      LF_ASSIGN_OR_RETURN(auto child, Plain(a.children[0]));
      out->append("L").append(std::to_string(e - b)).append("[");
      for (int64_t j = b; j < e; ++j) LF_RETURN_NOT_OK(AppendCanonical(*child, j, out, depth + 1));
      out->append("]");
      return Status::OK();
    }
    case TypeId::kStruct: {
      out->append("{");
      for (const auto& c : a.children) {
        LF_ASSIGN_OR_RETURN(auto child, Plain(c));
        LF_RETURN_NOT_OK(AppendCanonical(*child, a.offset + i, out, depth + 1));
      }
      out->append("}");
      return Status::OK();
    }
    default:
      return AppendKey(a, i, out, nullptr, nullptr);
  }
}

// SCD_TYPE_2 over snapshot ingestion: the sequence is the source table version V read. When V
// differs from the committed one, the current rows (__END_AT null) are diffed against the
// snapshot by key: a changed row or a key missing from the snapshot is closed (__END_AT = V),
// a new or changed key opens a row (__START_AT = V); unchanged rows stay. __START_AT/__END_AT
// are longs. Every live file is read (missing keys can be anywhere); the snapshot is held in
// memory. Duplicate keys in the snapshot fail the table.
Status RunScd2Snapshot(FlowContext* ctx, const connect::Options& opts,
                       const connect::TableMetadata& md) {
  const TableSpec& spec = ctx->spec;
  std::vector<std::string> keys = spec.primary_keys.empty() ? md.primary_keys : spec.primary_keys;
  if (keys.empty()) return Status::Invalid("SCD_TYPE_2 needs primary_keys");
  Target target;
  LF_RETURN_NOT_OK(LoadTarget(ctx, nullptr, /*with_deletes=*/false, &target));
  std::unique_ptr<delta::DeltaTable>& table = target.table;
  delta::Snapshot& snap = target.snap;
  CommittedState& state = target.state;
  LF_ASSIGN_OR_RETURN(auto rr, ctx->Read(state.offset, opts));
  const arrow::SchemaPtr schema = rr.records->schema();
  if (schema->GetFieldIndex(kStartAt) >= 0 || schema->GetFieldIndex(kEndAt) >= 0) {
    return Status::Invalid(std::string("SCD_TYPE_2: the source has a column named ") + kStartAt +
                           " or " + kEndAt);
  }
  std::vector<arrow::FieldPtr> fields = schema->fields();
  fields.push_back(arrow::MakeField(kStartAt, arrow::int64(), true));
  fields.push_back(arrow::MakeField(kEndAt, arrow::int64(), true));
  auto dest_schema = std::make_shared<const arrow::Schema>(std::move(fields));
  LF_RETURN_NOT_OK(LoadTarget(ctx, dest_schema.get(), /*with_deletes=*/false, &target));
  LF_RETURN_NOT_OK(CheckSchema(snap, *dest_schema, ctx->root));
  if (rr.end_offset == state.offset) return Status::OK();
  LF_ASSIGN_OR_RETURN(const int64_t version, [&]() -> Result<int64_t> {
    LF_ASSIGN_OR_RETURN(uint64_t v, ctx->conn.PinnedVersion(spec.source_table));
    if (v > uint64_t{INT64_MAX}) return Status::OutOfRange("table version");
    return static_cast<int64_t>(v);
  }());
  LF_ASSIGN_OR_RETURN(auto key_idx, KeyIndices(*schema, keys, "table " + spec.source_table));
  LF_ASSIGN_OR_RETURN(auto batches, Drain(*rr.records, ctx));

  // key -> (canonical row, batch, row, unchanged)
  struct SnapRow {
    std::string value;
    size_t batch;
    int64_t row;
    bool unchanged = false;
  };
  std::unordered_map<std::string, SnapRow> rows;
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    const auto& b = batches[bi];
    std::vector<arrow::ArrayDataPtr> cols;
    for (const auto& c : b->columns()) {
      LF_ASSIGN_OR_RETURN(auto p, Plain(c));
      cols.push_back(std::move(p));
    }
    for (int64_t r = 0; r < b->num_rows(); ++r) {
      std::string k, v;
      for (int c : key_idx) LF_RETURN_NOT_OK(AppendKey(*cols[c], r, &k, nullptr, nullptr));
      for (const auto& c : cols) LF_RETURN_NOT_OK(AppendCanonical(*c, r, &v, 0));
      if (!rows.emplace(k, SnapRow{std::move(v), bi, r}).second) {
        return Status::Invalid("SCD_TYPE_2 snapshot: duplicate primary key in table " +
                               spec.source_table +
                               " (APPLY_CHANGES_FROM_SNAPSHOT_ERROR."
                               "DUPLICATE_KEY_VIOLATION)");
      }
    }
  }

  delta::Transaction txn(snap);
  for (const auto& f : snap.files) {
    LF_ASSIGN_OR_RETURN(auto path, table->DataFilePath(f.path));
    LF_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::OpenFile(path));
    const arrow::SchemaPtr fschema = reader->schema();
    LF_ASSIGN_OR_RETURN(auto fkey_idx, KeyIndices(*fschema, keys, "data file " + f.path));
    const int end_idx = fschema->GetFieldIndex(kEndAt);
    if (end_idx < 0 || fschema->num_fields() != dest_schema->num_fields()) {
      return Status::Corrupt("data file " + f.path + " does not have the table's columns");
    }
    LF_ASSIGN_OR_RETURN(const std::vector<uint64_t> deleted, table->DeletedRows(f));
    std::vector<RecordBatchPtr> out;
    bool touched = false;
    int64_t base = 0;
    for (int g = 0; g < reader->num_row_groups(); ++g) {
      LF_ASSIGN_OR_RETURN(auto b, ReadLiveRowGroup(*reader, g, base, deleted, {}, nullptr));
      base += reader->row_group_num_rows(g);
      std::vector<arrow::ArrayDataPtr> cols;
      for (const auto& c : b->columns()) {
        LF_ASSIGN_OR_RETURN(auto p, Plain(c));
        cols.push_back(std::move(p));
      }
      const ArrayData& end_arr = *cols[static_cast<size_t>(end_idx)];
      std::vector<std::pair<int64_t, int64_t>> sets;
      for (int64_t r = 0; r < b->num_rows(); ++r) {
        if (end_arr.IsValid(r)) continue;
        std::string k;
        for (int c : fkey_idx) LF_RETURN_NOT_OK(AppendKey(*cols[c], r, &k, nullptr, nullptr));
        auto it = rows.find(k);
        if (it != rows.end()) {
          std::string v;
          for (size_t c = 0; c < schema->fields().size(); ++c) {
            LF_RETURN_NOT_OK(AppendCanonical(*cols[c], r, &v, 0));
          }
          if (v == it->second.value) {
            it->second.unchanged = true;
            continue;
          }
        }
        sets.emplace_back(r, version);
      }
      if (sets.empty()) {
        out.push_back(std::move(b));
        continue;
      }
      touched = true;
      std::vector<arrow::ArrayDataPtr> bcols = b->columns();
      LF_ASSIGN_OR_RETURN(bcols[static_cast<size_t>(end_idx)], WithValues(end_arr, sets));
      out.push_back(std::make_shared<arrow::RecordBatch>(fschema, b->num_rows(), std::move(bcols)));
    }
    if (!touched) continue;
    LF_RETURN_NOT_OK(txn.Remove(f.path, delta::NowMillis()));
    DataFileWriter w(ctx->root, fschema, ctx->options.max_rows_per_file);
    for (const auto& b : out) LF_RETURN_NOT_OK(w.Write(*b));
    LF_ASSIGN_OR_RETURN(auto adds, w.Finish());
    ctx->result.rows_written += w.rows();
    for (auto& a : adds) LF_RETURN_NOT_OK(txn.Add(std::move(a)));
  }
  // New current rows: new keys and changed rows, in read order.
  std::vector<std::vector<int64_t>> take(batches.size());
  for (const auto& [k, row] : rows) {
    if (!row.unchanged) take[row.batch].push_back(row.row);
  }
  DataFileWriter w(ctx->root, dest_schema, ctx->options.max_rows_per_file);
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    auto& sel = take[bi];
    if (sel.empty()) continue;
    std::sort(sel.begin(), sel.end());
    LF_ASSIGN_OR_RETURN(
        auto t, arrow::TakeRecordBatch(*batches[bi], sel.data(), static_cast<int64_t>(sel.size())));
    const int64_t n = t->num_rows();
    std::vector<arrow::ArrayDataPtr> cols = t->columns();
    LF_ASSIGN_OR_RETURN(auto nulls, NullColumn(arrow::int64(), n));
    std::vector<std::pair<int64_t, int64_t>> all;
    for (int64_t r = 0; r < n; ++r) all.emplace_back(r, version);
    LF_ASSIGN_OR_RETURN(auto starts, WithValues(*nulls, all));
    cols.push_back(std::move(starts));
    cols.push_back(std::move(nulls));
    LF_RETURN_NOT_OK(w.Write(arrow::RecordBatch(dest_schema, n, std::move(cols))));
  }
  LF_ASSIGN_OR_RETURN(auto adds, w.Finish());
  ctx->result.rows_written += w.rows();
  for (auto& a : adds) LF_RETURN_NOT_OK(txn.Add(std::move(a)));
  LF_RETURN_NOT_OK(CommitBatch(*table, snap, &txn, spec, &state, rr.end_offset, "MERGE", ctx));
  return Status::OK();
}

Status RunTable(const TableSpec& spec, const PipelineSpec& pipeline, connect::LakeflowConnect& conn,
                const RunOptions& options, TableResult* result) {
  connect::Options opts = spec.options;
  if (spec.scd_type == ScdType::kAppendOnly) opts["ingestion_type"] = "append";
  // A destination table property, not a connector option.
  std::optional<bool> with_dvs;
  if (auto it = opts.find(delta::kEnableDeletionVectorsKey); it != opts.end()) {
    if (it->second != "true" && it->second != "false") {
      return Status::Invalid(std::string("table_configuration ") +
                             delta::kEnableDeletionVectorsKey + " must be true or false, got '" +
                             it->second + "'");
    }
    with_dvs = it->second == "true";
    opts.erase(it);
  }
  LF_ASSIGN_OR_RETURN(auto md, conn.ReadTableMetadata(spec.source_table, opts));
  FlowContext ctx{spec,    options,
                  conn,    pipeline.destination.path + "/" + spec.destination_table,
                  *result, Clock::now()};
  LF_ASSIGN_OR_RETURN(ctx.mapping, connect::SparkMappingOf(opts));
  // Deletion vectors by default only where the flow merges by key (SCD1 and SCD2 over cdc):
  // append and snapshot flows never mark rows, so their tables stay readable by readers
  // without the deletionVectors feature.
  const bool merges = md.ingestion_type != connect::IngestionType::kAppend &&
                      md.ingestion_type != connect::IngestionType::kSnapshot;
  ctx.create_with_dvs = with_dvs.value_or(merges);
  if (md.ingestion_type == connect::IngestionType::kAppend) {
    result->flow = "append";
    return RunAppendOrSnapshot(&ctx, opts, /*snapshot=*/false);
  }
  if (spec.scd_type == ScdType::kType2) {
    result->flow = "scd2";
    if (md.ingestion_type == connect::IngestionType::kSnapshot) {
      return RunScd2Snapshot(&ctx, opts, md);
    }
    return RunScd2Merge(&ctx, opts, md);
  }
  if (md.ingestion_type == connect::IngestionType::kSnapshot) {
    result->flow = "snapshot";
    return RunAppendOrSnapshot(&ctx, opts, /*snapshot=*/true);
  }
  result->flow = "scd1";
  return RunScd1Merge(&ctx, opts, md);
}

}  // namespace

std::string AppIdFor(const std::string& source_table) { return "lanceflow:" + source_table; }

bool RunResult::ok() const {
  for (const auto& t : tables) {
    if (!t.status.ok()) return false;
  }
  return true;
}

RunResult RunPipeline(const PipelineSpec& spec, std::shared_ptr<source::Source> source,
                      const RunOptions& options) {
  RunResult out;
  for (const auto& t : spec.tables) {
    TableResult r;
    r.source_table = t.source_table;
    r.destination_table = t.destination_table.empty() ? t.source_table : t.destination_table;
    TableSpec ts = t;
    ts.destination_table = r.destination_table;
    const auto start = Clock::now();
    // One connector instance per table: each table is pinned at the version it has when its
    // flow starts.
    connect::LakeflowConnect conn(source);
    Status st = RunTable(ts, spec, conn, options, &r);
    if (!st.ok()) {
      const bool named = st.message().find("table '" + t.source_table + "'") != std::string::npos;
      r.status = named ? st : Status(st.code(), "table " + t.source_table + ": " + st.message());
    }
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    out.tables.push_back(std::move(r));
  }
  return out;
}

}  // namespace lanceflow::pipeline
