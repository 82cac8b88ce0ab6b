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
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "lanceflow/arrow/take.h"
#include "lanceflow/connect/lakeflow_connect.h"
#include "lanceflow/connect/spark_schema.h"
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

  void Report() {
    if (!options.on_progress) return;
    TableProgress p;
    p.table = result.destination_table;
    p.rows_read = result.rows_read;
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
                                                        const std::string& source_table) {
  if (DirExists(root + "/_delta_log")) {
    auto t = delta::DeltaTable::Open(root);
    if (!t.ok()) return t.status();
    LF_ASSIGN_OR_RETURN(int64_t latest, (*t)->LatestVersion());
    if (latest >= 0) return t;
  }
  LF_RETURN_NOT_OK(MakeDirs(root));
  delta::CreateOptions co;
  co.name = source_table;
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
  return s;
}

// Commits `txn` with the batch's txn and offset; refuses a concurrent writer.
Status CommitBatch(const delta::DeltaTable& table, const delta::Snapshot& snap,
                   delta::Transaction* txn, const TableSpec& spec, CommittedState* state,
                   const std::string& end_offset, const std::string& operation, FlowContext* ctx) {
  const std::string app_id = AppIdFor(spec.source_table);
  const int64_t next = state->batch + 1;
  LF_RETURN_NOT_OK(txn->SetAppTransaction(app_id, next, delta::NowMillis()));
  delta::Metadata md = snap.metadata;
  md.configuration[kOffsetKey] = end_offset;
  md.configuration[kSourceTableKey] = spec.source_table;
  txn->SetMetadata(std::move(md));
  delta::CommitInfo ci;
  ci.timestamp = delta::NowMillis();
  ci.operation = operation;
  ci.engine_info = "lanceflow/0.1.0";
  ci.operation_parameters["sourceTable"] = spec.source_table;
  ci.operation_parameters["sourceOffset"] = end_offset;
  ci.operation_parameters["batch"] = std::to_string(next);
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
    LF_ASSIGN_OR_RETURN(auto rr, ctx->conn.ReadTable(spec.source_table, state.offset, opts));
    if (!table) {
      LF_ASSIGN_OR_RETURN(table, OpenOrCreate(ctx->root, *rr.records->schema(), spec.source_table));
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

Status RunScd1Merge(FlowContext* ctx, const connect::Options& opts,
                    const connect::TableMetadata& md) {
  const TableSpec& spec = ctx->spec;
  const std::string app_id = AppIdFor(spec.source_table);
  std::vector<std::string> keys = spec.primary_keys.empty() ? md.primary_keys : spec.primary_keys;
  if (keys.empty()) return Status::Invalid("SCD_TYPE_1 needs primary_keys");
  std::string seq_col = spec.sequence_by ? *spec.sequence_by : md.cursor_field.value_or("");
  if (seq_col.empty()) return Status::Invalid("SCD_TYPE_1 needs sequence_by or cursor_field");

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
    LF_ASSIGN_OR_RETURN(auto rr, ctx->conn.ReadTable(spec.source_table, state.offset, opts));
    const arrow::SchemaPtr schema = rr.records->schema();
    if (!table) {
      LF_ASSIGN_OR_RETURN(table, OpenOrCreate(ctx->root, *schema, spec.source_table));
      LF_ASSIGN_OR_RETURN(snap, table->LoadSnapshot());
      LF_ASSIGN_OR_RETURN(state, ReadCommittedState(snap, app_id, ctx->root));
      ctx->result.delta_version = snap.version;
    }
    LF_RETURN_NOT_OK(CheckSchema(snap, *schema, ctx->root));
    if (rr.end_offset == state.offset) break;
    LF_ASSIGN_OR_RETURN(auto key_idx, KeyIndices(*schema, keys, "table " + spec.source_table));
    const int seq_idx = schema->GetFieldIndex(seq_col);
    if (seq_idx < 0) return Status::Invalid("sequence_by column '" + seq_col + "' not found");
    LF_ASSIGN_OR_RETURN(auto batches, Drain(*rr.records, ctx));

    // One event per key: the highest sequence wins, later rows win ties (read order).
    struct Event {
      size_t batch;
      int64_t row;
      SeqValue seq;
      bool dropped = false;
    };
    std::unordered_map<std::string, Event> events;
    std::vector<delta::KeyColumn> key_columns(keys.size());
    bool prunable = true;
    std::vector<delta::KeyTuple> key_tuples;
    for (size_t bi = 0; bi < batches.size(); ++bi) {
      const auto& b = batches[bi];
      std::vector<arrow::ArrayDataPtr> kc;
      for (int i : key_idx) {
        LF_ASSIGN_OR_RETURN(auto a, Plain(b->column(i)));
        kc.push_back(std::move(a));
      }
      LF_ASSIGN_OR_RETURN(auto seq_arr, Plain(b->column(seq_idx)));
      for (int64_t r = 0; r < b->num_rows(); ++r) {
        std::string k;
        delta::KeyTuple tuple(kc.size());
        for (size_t c = 0; c < kc.size(); ++c) {
          delta::KeyKind kind = delta::KeyKind::kNumber;
          LF_RETURN_NOT_OK(AppendKey(*kc[c], r, &k, &tuple[c], &kind));
          key_columns[c].kind = kind;
          if (!kc[c]->IsNull(r) && !tuple[c]) prunable = false;
        }
        LF_ASSIGN_OR_RETURN(SeqValue seq, SequenceAt(*seq_arr, r));
        auto it = events.find(k);
        if (it == events.end()) {
          events.emplace(std::move(k), Event{bi, r, std::move(seq)});
          key_tuples.push_back(std::move(tuple));
        } else if (!(seq < it->second.seq)) {
          it->second = Event{bi, r, std::move(seq)};
        }
      }
    }
    for (size_t c = 0; c < keys.size(); ++c) key_columns[c].path = {keys[c]};

    delta::Transaction txn(snap);
    // Rewrite live files that hold a batch key.
    std::vector<size_t> candidates;
    if (prunable) {
      LF_ASSIGN_OR_RETURN(candidates,
                          delta::FilesThatMayHoldKeys(snap.files, key_columns, key_tuples));
    } else {
      for (size_t i = 0; i < snap.files.size(); ++i) candidates.push_back(i);
    }
    for (size_t fi : candidates) {
      const delta::AddFile& f = snap.files[fi];
      LF_ASSIGN_OR_RETURN(auto path, table->DataFilePath(f.path));
      LF_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::OpenFile(path));
      const arrow::SchemaPtr fschema = reader->schema();
      LF_ASSIGN_OR_RETURN(auto fkey_idx, KeyIndices(*fschema, keys, "data file " + f.path));
      const int fseq_idx = fschema->GetFieldIndex(seq_col);
      std::vector<RecordBatchPtr> kept;
      bool touched = false;
      for (int g = 0; g < reader->num_row_groups(); ++g) {
        LF_ASSIGN_OR_RETURN(auto b, reader->ReadRowGroup(g));
        std::vector<int64_t> keep;
        arrow::ArrayDataPtr stored_seq_arr;
        if (fseq_idx >= 0) {
          LF_ASSIGN_OR_RETURN(stored_seq_arr, Plain(b->column(fseq_idx)));
        }
        for (int64_t r = 0; r < b->num_rows(); ++r) {
          std::string k;
          for (int c : fkey_idx)
            LF_RETURN_NOT_OK(AppendKey(*b->column(c), r, &k, nullptr, nullptr));
          auto ev = events.find(k);
          if (ev == events.end()) {
            keep.push_back(r);
            continue;
          }
          // A stored row with a newer sequence than the event wins (the event is dropped).
          if (stored_seq_arr) {
            LF_ASSIGN_OR_RETURN(SeqValue stored, SequenceAt(*stored_seq_arr, r));
            if (stored.index() == ev->second.seq.index() && ev->second.seq < stored) {
              ev->second.dropped = true;
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
      LF_RETURN_NOT_OK(txn.Remove(f.path, delta::NowMillis()));
      DataFileWriter w(ctx->root, fschema, ctx->options.max_rows_per_file);
      for (const auto& b : kept) LF_RETURN_NOT_OK(w.Write(*b));
      LF_ASSIGN_OR_RETURN(auto adds, w.Finish());
      ctx->result.rows_written += w.rows();
      for (auto& a : adds) LF_RETURN_NOT_OK(txn.Add(std::move(a)));
    }
    // The winning rows, in read order.
    DataFileWriter w(ctx->root, schema, ctx->options.max_rows_per_file);
    std::vector<std::vector<int64_t>> take(batches.size());
    for (const auto& [k, e] : events) {
      if (!e.dropped) take[e.batch].push_back(e.row);
    }
    for (size_t bi = 0; bi < batches.size(); ++bi) {
      auto& rows = take[bi];
      if (rows.empty()) continue;
      std::sort(rows.begin(), rows.end());
      LF_ASSIGN_OR_RETURN(auto t, arrow::TakeRecordBatch(*batches[bi], rows.data(),
                                                         static_cast<int64_t>(rows.size())));
      LF_RETURN_NOT_OK(w.Write(*t));
    }
    LF_ASSIGN_OR_RETURN(auto adds, w.Finish());
    ctx->result.rows_written += w.rows();
    for (auto& a : adds) LF_RETURN_NOT_OK(txn.Add(std::move(a)));
    LF_RETURN_NOT_OK(CommitBatch(*table, snap, &txn, spec, &state, rr.end_offset, "MERGE", ctx));
    LF_ASSIGN_OR_RETURN(snap, table->UpdateSnapshot(snap));
  }
  return Status::OK();
}

Status RunTable(const TableSpec& spec, const PipelineSpec& pipeline, connect::LakeflowConnect& conn,
                const RunOptions& options, TableResult* result) {
  connect::Options opts = spec.options;
  if (spec.scd_type == ScdType::kAppendOnly) opts["ingestion_type"] = "append";
  LF_ASSIGN_OR_RETURN(auto md, conn.ReadTableMetadata(spec.source_table, opts));
  FlowContext ctx{spec,    options,
                  conn,    pipeline.destination.path + "/" + spec.destination_table,
                  *result, Clock::now()};
  if (md.ingestion_type == connect::IngestionType::kAppend) {
    result->flow = "append";
    return RunAppendOrSnapshot(&ctx, opts, /*snapshot=*/false);
  }
  if (spec.scd_type == ScdType::kType2) {
    result->flow = "scd2";
    return Status::NotImplemented("SCD_TYPE_2 is not implemented yet");
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
