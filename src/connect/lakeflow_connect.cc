// LakeflowConnect over a source::Source.
//
// Ordering without a sorting source. Sources stream rows in storage order, so an incremental
// call finds "the next max_records_per_batch rows after the offset" in two passes over the pinned
// table version, holding O(N) rows (N = max_records_per_batch):
//   1. Boundary pass: scan only the cursor (and tie-break key) columns of the rows after the
//      offset (the bound is pushed into the scan filter), keeping the N smallest order values:
//      a max-heap of (cursor, keys) tuples in tie-break mode, or a map cursor -> row count
//      trimmed to the smallest values covering N rows in cluster mode. Its largest entry is the
//      batch's boundary B.
//   2. Row pass: scan the output columns of the rows in (offset, B] (both bounds pushed down,
//      re-checked exactly here), sort them in memory and hand them out in batch_size slices. In
//      cluster mode only rows strictly below B's cursor are collected (fewer than N); the run of
//      rows whose cursor equals B's is streamed by a third scan in storage order, however long.
// Cost per call: one scan of the cursor/key columns and one filtered scan of the rows after the
// offset; draining R rows takes R/N calls, i.e. O(R^2/N) cursor values read in total. Bounds
// pushed into the scan filter make sources skip data they can prune (late materialisation on
// local tables, server-side filtering on Cloud).
//
// Every scan of one call (and of every call of one instance) reads the version pinned at the
// instance's first call, so both passes see the same rows and the run terminates while writers
// commit.
#include "lanceflow/connect/lakeflow_connect.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <queue>
#include <set>

#include <nlohmann/json.hpp>

#include "lanceflow/arrow/builder.h"
#include "lanceflow/arrow/json_writer.h"
#include "lanceflow/arrow/take.h"
#include "lanceflow/connect/spark_schema.h"
#include "lanceflow/core/log.h"
#include "order_value.h"
#include "table_options.h"

namespace lanceflow::connect {
namespace {

using ojson = nlohmann::ordered_json;
using arrow::TypeId;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

bool IsCdc(IngestionType t) {
  return t == IngestionType::kCdc || t == IngestionType::kCdcWithDeletes;
}

// ---------------------------------------------------------------------------------------------
// Offsets

struct StartOffset {
  bool empty = true;
  std::optional<uint64_t> version;
  std::optional<std::string> cursor_field;
  std::optional<nlohmann::json> cursor;
  std::optional<nlohmann::json> key;
  std::string canonical = "{}";
};

// The "key" member of an offset: the compact JSON text of the key tuple (a list of primitives),
// so the offset itself stays an object of primitives (contract O1).
std::string KeyTupleText(const nlohmann::json& tuple) {
  return tuple.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<StartOffset> ParseStartOffset(const std::string& table, const std::string& text,
                                     const char* what = "start offset") {
  StartOffset o;
  const std::string where = "table " + Quote(table) + ": " + what;
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return o;
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Invalid(where + " is not valid JSON");
  if (j.is_null()) return o;
  if (!j.is_object()) return Status::Invalid(where + " must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = it.value();
    if (k == "version") {
      if (!v.is_number_unsigned()) {
        return Status::Invalid(where + ": \"version\" must be a non-negative integer");
      }
      o.version = v.get<uint64_t>();
    } else if (k == "cursor_field") {
      if (!v.is_string()) return Status::Invalid(where + ": \"cursor_field\" must be a string");
      o.cursor_field = v.get<std::string>();
    } else if (k == "cursor") {
      if (v.is_structured()) {
        return Status::Invalid(where + ": \"cursor\" must be a string, number or null");
      }
      o.cursor = v;
    } else if (k == "key") {
      // Written as the compact JSON text of the key tuple (offsets hold primitives only);
      // offsets stored by earlier releases hold the tuple itself as a JSON list.
      nlohmann::json tuple = v;
      if (v.is_string()) {
        tuple = nlohmann::json::parse(v.get_ref<const std::string&>(), nullptr,
                                      /*allow_exceptions=*/false);
        if (tuple.is_discarded()) {
          return Status::Invalid(where + ": \"key\" is not the JSON text of a list");
        }
      }
      if (!tuple.is_array()) {
        return Status::Invalid(where + ": \"key\" must be the JSON text of a list of key values");
      }
      for (const auto& e : tuple) {
        if (e.is_structured()) {
          return Status::Invalid(where + ": \"key\" values must be strings, numbers or null");
        }
      }
      o.key = std::move(tuple);
    } else {
      std::string shown = k.size() > 40 ? k.substr(0, 37) + "..." : k;
      return Status::Invalid(where + " has an unknown key \"" + shown +
                             "\" (expected cursor_field, cursor, key, version)");
    }
  }
  if (o.cursor.has_value() != o.cursor_field.has_value()) {
    return Status::Invalid(where + ": \"cursor\" and \"cursor_field\" go together");
  }
  if (o.key && !o.cursor) return Status::Invalid(where + ": \"key\" without \"cursor\"");
  o.empty = !o.version && !o.cursor;
  // Canonical text: fixed key order, as end offsets are written.
  ojson c = ojson::object();
  if (o.cursor_field) c["cursor_field"] = *o.cursor_field;
  if (o.cursor) c["cursor"] = ojson::parse(o.cursor->dump());
  if (o.key) c["key"] = KeyTupleText(*o.key);
  if (o.version) c["version"] = *o.version;
  o.canonical = c.dump(-1, ' ', false, ojson::error_handler_t::replace);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Spark long check of uint64 values

Status CheckUInt64(const arrow::ArrayData& a, const std::string& table, const std::string& column,
                   int64_t begin, int64_t end) {
  switch (a.type->id()) {
    case TypeId::kUInt64: {
      const uint64_t* v = a.values<uint64_t>();
      for (int64_t i = begin; i < end; ++i) {
        if (v[i] > static_cast<uint64_t>(INT64_MAX) && a.IsValid(i)) {
          return Status::OutOfRange(
              "table " + Quote(table) + " column " + Quote(column) + ": value " +
              std::to_string(v[i]) +
              " does not fit a Spark long (set option uint64_as_decimal=true to map uint64 "
              "columns to decimal(20,0))");
        }
      }
      return Status::OK();
    }
    case TypeId::kStruct:
      for (size_t c = 0; c < a.children.size(); ++c) {
        LF_RETURN_NOT_OK(CheckUInt64(*a.children[c], table,
                                     column + "." + a.type->children()[c]->name,
                                     a.offset + begin, a.offset + end));
      }
      return Status::OK();
    case TypeId::kList: case TypeId::kLargeList: {
      if (end <= begin) return Status::OK();
      int64_t lo, hi;
      if (a.type->id() == TypeId::kList) {
        lo = a.offsets<int32_t>()[begin];
        hi = a.offsets<int32_t>()[end];
      } else {
        lo = a.offsets<int64_t>()[begin];
        hi = a.offsets<int64_t>()[end];
      }
      return CheckUInt64(*a.children[0], table, column + "[]", lo, hi);
    }
    case TypeId::kFixedSizeList: {
      const int64_t n = a.type->fixed_size();
      return CheckUInt64(*a.children[0], table, column + "[]", (a.offset + begin) * n,
                         (a.offset + end) * n);
    }
    default:
      return Status::OK();
  }
}

bool HasUInt64(const arrow::DataType& t) {
  if (t.id() == TypeId::kUInt64) return true;
  for (const auto& c : t.children()) {
    if (HasUInt64(*c->type)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Readers

// Hands out the batches of `inner` at most `max_rows` rows each, checking uint64 values.
class OutputReader : public arrow::RecordBatchReader {
 public:
  OutputReader(std::unique_ptr<arrow::RecordBatchReader> inner, arrow::SchemaPtr schema,
               int64_t max_rows, std::string table, bool check_uint64)
      : inner_(std::move(inner)),
        schema_(std::move(schema)),
        max_rows_(max_rows),
        table_(std::move(table)) {
    if (check_uint64) {
      for (int i = 0; i < schema_->num_fields(); ++i) {
        if (HasUInt64(*schema_->field(i)->type)) uint64_columns_.push_back(i);
      }
    }
  }
  arrow::SchemaPtr schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    while (!current_ || pos_ >= current_->num_rows()) {
      if (!inner_) return arrow::RecordBatchPtr{};
      LF_ASSIGN_OR_RETURN(current_, inner_->Next());
      pos_ = 0;
      if (!current_) {
        inner_.reset();
        return arrow::RecordBatchPtr{};
      }
    }
    arrow::RecordBatchPtr out = current_;
    if (pos_ != 0 || current_->num_rows() > max_rows_) {
      out = current_->Slice(pos_, std::min(max_rows_, current_->num_rows() - pos_));
    }
    pos_ += out->num_rows();
    for (int c : uint64_columns_) {
      LF_RETURN_NOT_OK(CheckUInt64(*out->column(c), table_, schema_->field(c)->name, 0,
                                   out->num_rows()));
    }
    return out;
  }

 private:
  std::unique_ptr<arrow::RecordBatchReader> inner_;
  arrow::SchemaPtr schema_;
  int64_t max_rows_;
  std::string table_;
  std::vector<int> uint64_columns_;
  arrow::RecordBatchPtr current_;
  int64_t pos_ = 0;
};

class EmptyReader : public arrow::RecordBatchReader {
 public:
  explicit EmptyReader(arrow::SchemaPtr schema) : schema_(std::move(schema)) {}
  arrow::SchemaPtr schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override { return arrow::RecordBatchPtr{}; }

 private:
  arrow::SchemaPtr schema_;
};

// ---------------------------------------------------------------------------------------------
// Tables resolved for one call

struct OrderTuple {
  OrderValue cursor;
  std::vector<OrderValue> keys;
  bool operator<(const OrderTuple& o) const {
    if (cursor != o.cursor) return cursor < o.cursor;
    return keys < o.keys;
  }
  bool operator==(const OrderTuple& o) const = default;
};

// Where a read continues: rows strictly after `at`; without keys, after the whole run of rows
// whose cursor equals at.cursor.
struct Position {
  OrderTuple at;
  bool has_keys = false;
  bool Before(const OrderTuple& t) const {  // t comes after this position
    if (t.cursor != at.cursor) return at.cursor < t.cursor;
    return has_keys && at.keys < t.keys;
  }
};

struct ResolvedTable {
  std::string name;
  uint64_t version = 0;
  TableOptions options;
  IngestionType type = IngestionType::kSnapshot;
  arrow::SchemaPtr schema;         // described schema
  arrow::SchemaPtr output_schema;  // what records carry
  std::vector<std::string> output_columns;
  // Incremental reads.
  int cursor_index = -1;  // in output_schema
  arrow::DataTypePtr cursor_type;
  bool tie_break = false;
  std::vector<int> key_indices;  // in output_schema
  std::vector<arrow::DataTypePtr> key_types;
  // Window strategy, in cursor units: rows with cursor < floor (start_timestamp) or > cap (the
  // instance's init time) are never read; a call reads cursors within window_delta of the first
  // row after the offset.
  std::optional<OrderValue> floor;
  std::optional<OrderValue> cap;
  std::optional<int64_t> window_delta;
  bool InRange(const OrderValue& c) const {
    return !(floor && c < *floor) && !(cap && *cap < c);
  }
};

// Nanoseconds per unit of a timestamp/date cursor type.
int64_t NanosPerUnit(const arrow::DataType& type) {
  switch (type.id()) {
    case TypeId::kDate32: return int64_t{86400} * 1'000'000'000;
    case TypeId::kDate64: return 1'000'000;
    default: break;
  }
  switch (type.unit()) {
    case arrow::TimeUnit::kSecond: return 1'000'000'000;
    case arrow::TimeUnit::kMilli: return 1'000'000;
    case arrow::TimeUnit::kMicro: return 1'000;
    case arrow::TimeUnit::kNano: return 1;
  }
  return 1;
}

// The cursor value of a UTC instant (ns since the epoch), rounded up or down to the unit;
// nullopt when it is outside int64.
std::optional<int64_t> InstantToCursor(const arrow::DataType& type, __int128 ns, bool round_up) {
  const __int128 per = NanosPerUnit(type);
  __int128 q = ns / per;
  const __int128 r = ns % per;
  if (r > 0 && round_up) ++q;
  if (r < 0 && !round_up) --q;
  if (q < INT64_MIN || q > INT64_MAX) return std::nullopt;
  return static_cast<int64_t>(q);
}

// The type of a column path in `schema` (struct fields walked), or nullptr.
const arrow::Field* FindPath(const arrow::Schema& schema, const expr::ColumnPath& path) {
  const std::vector<arrow::FieldPtr>* fields = &schema.fields();
  const arrow::Field* found = nullptr;
  for (const auto& part : path.parts) {
    found = nullptr;
    if (!fields) return nullptr;
    for (const auto& f : *fields) {
      if (f->name == part) {
        found = f.get();
        break;
      }
    }
    if (!found) return nullptr;
    fields = found->type->id() == TypeId::kStruct ? &found->type->children() : nullptr;
  }
  return found;
}

}  // namespace

const char* IngestionTypeName(IngestionType type) {
  switch (type) {
    case IngestionType::kSnapshot: return "snapshot";
    case IngestionType::kCdc: return "cdc";
    case IngestionType::kCdcWithDeletes: return "cdc_with_deletes";
    case IngestionType::kAppend: return "append";
  }
  return "snapshot";
}

std::string TableMetadata::ToJson() const {
  ojson j = ojson::object();
  j["primary_keys"] = primary_keys;
  j["cursor_field"] = cursor_field ? ojson(*cursor_field) : ojson(nullptr);
  j["ingestion_type"] = IngestionTypeName(ingestion_type);
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

LakeflowConnect::LakeflowConnect(std::shared_ptr<source::Source> source,
                                 std::optional<int64_t> init_time_us)
    : source_(std::move(source)),
      init_time_us_(init_time_us.value_or(
          std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count())) {}

Result<std::vector<std::string>> LakeflowConnect::ListTables() {
  LF_ASSIGN_OR_RETURN(auto names, source_->ListTables());
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (!seen.insert(n).second) {
      return Status::Corrupt("the source lists table " + Quote(n) + " twice");
    }
  }
  return names;
}

Result<uint64_t> LakeflowConnect::PinnedVersion(const std::string& table) {
  auto it = pinned_.find(table);
  if (it != pinned_.end()) return it->second;
  LF_ASSIGN_OR_RETURN(auto d, source_->Describe(table, std::nullopt));
  pinned_[table] = d.version;
  return d.version;
}

namespace {

// Everything a call needs about `table`, options validated against the pinned schema.
Result<ResolvedTable> Resolve(source::Source* src, const std::string& table, uint64_t version,
                              const Options& options, int64_t init_time_us) {
  ResolvedTable r;
  r.name = table;
  r.version = version;
  const std::string where = "table " + Quote(table) + ": ";
  LF_ASSIGN_OR_RETURN(r.options, ParseTableOptions(options));
  r.type = r.options.EffectiveIngestionType();
  LF_ASSIGN_OR_RETURN(auto desc, src->Describe(table, version));
  r.schema = desc.schema;

  const bool incremental = r.type != IngestionType::kSnapshot;
  if (incremental && !r.options.cursor_field) {
    return Status::Invalid(where + std::string(IngestionTypeName(r.type)) +
                           " ingestion needs option cursor_field");
  }
  if (r.type == IngestionType::kCdcWithDeletes) {
    if (r.options.primary_keys.empty()) {
      return Status::Invalid(where + "cdc_with_deletes ingestion needs option primary_keys");
    }
    // Deletes are found by physical row place; refuse up front where the source has none.
    source::ScanOptions probe;
    probe.columns = {*r.options.cursor_field};
    probe.limit = 0;
    auto scan = src->OpenChangeScan(table, version, version, source::RowChange::kRemoved, probe);
    if (!scan.ok() && scan.status().code() == StatusCode::kNotImplemented) {
      return Status::NotImplemented(where + "cdc_with_deletes is not supported by this source: " +
                                    scan.status().message());
    }
  }
  // Output columns: as listed, else the schema's; incremental reads need the cursor and keys.
  r.output_columns = r.options.columns;
  std::vector<std::string> needed;
  if (incremental) {
    needed.push_back(*r.options.cursor_field);
  }
  if (r.output_columns.empty()) {
    for (const auto& f : r.schema->fields()) r.output_columns.push_back(f->name);
    for (const auto& n : needed) {
      if (r.schema->GetFieldIndex(n) < 0) r.output_columns.push_back(n);  // hidden column
    }
  } else {
    for (const auto& n : needed) {
      if (std::find(r.output_columns.begin(), r.output_columns.end(), n) ==
          r.output_columns.end()) {
        return Status::Invalid(where + "option columns must include cursor_field " + Quote(n));
      }
    }
  }
  bool all_described = true;
  std::vector<arrow::FieldPtr> fields;
  for (const auto& n : r.output_columns) {
    int i = r.schema->GetFieldIndex(n);
    if (i < 0) {
      all_described = false;
      break;
    }
    fields.push_back(r.schema->field(i));
  }
  if (all_described) {
    r.output_schema = std::make_shared<arrow::Schema>(std::move(fields));
  } else {
    // Hidden columns (_rowid, ...) are known to the source's scans only.
    source::ScanOptions probe;
    probe.columns = r.output_columns;
    probe.version = version;
    probe.limit = 0;
    auto scan = src->OpenScan(table, probe);
    if (!scan.ok()) {
      if (scan.status().code() != StatusCode::kNotFound) return scan.status();
      for (const auto& n : r.output_columns) {
        if (r.schema->GetFieldIndex(n) >= 0) continue;
        const bool is_cursor = incremental && n == *r.options.cursor_field;
        return Status::NotFound(where + (is_cursor ? "cursor_field " : "option columns: ") +
                                Quote(n) + " is not a column of the table");
      }
      return scan.status();
    }
    r.output_schema = scan->reader->schema();
  }
  // Primary keys exist (paths into structs allowed).
  for (const auto& k : r.options.primary_keys) {
    const arrow::Field* f = FindPath(*r.output_schema, k);
    if (!f) f = FindPath(*r.schema, k);
    if (!f) {
      return Status::NotFound(where + "primary key " + Quote(k.ToDottedString()) +
                              " is not a column of the table");
    }
    if (incremental && !r.options.columns.empty() &&
        r.output_schema->GetFieldIndex(k.parts[0]) < 0) {
      return Status::Invalid(where + "option columns must include primary key " +
                             Quote(k.ToDottedString()));
    }
  }
  if (r.options.filter) {
    for (const auto& c : expr::ColumnsReferenced(*r.options.filter)) {
      if (!FindPath(*r.schema, c) && !FindPath(*r.output_schema, c)) {
        return Status::NotFound(where + "filter_expression reads unknown column " +
                                Quote(c.ToDottedString()));
      }
    }
  }
  if (incremental) {
    r.cursor_index = r.output_schema->GetFieldIndex(*r.options.cursor_field);
    if (r.cursor_index < 0) {
      return Status::NotFound(where + "cursor_field " + Quote(*r.options.cursor_field) +
                              " is not a column of the table");
    }
    r.cursor_type = r.output_schema->field(r.cursor_index)->type;
    Status st = CheckOrderableType(*r.cursor_type);
    if (!st.ok()) {
      return Status::Invalid(where + "cursor_field " + Quote(*r.options.cursor_field) + ": " +
                             st.message());
    }
    if ((r.options.lookback_seconds && r.cursor_type->id() != TypeId::kTimestamp &&
         r.cursor_type->id() != TypeId::kDate32 && r.cursor_type->id() != TypeId::kDate64) ||
        (r.options.lookback && !r.cursor_type->is_integer())) {
      return Status::Invalid(where +
                             "lookback_seconds needs a timestamp or date cursor, lookback an "
                             "integer cursor");
    }
    if (r.options.window_seconds || r.options.start_timestamp_ns) {
      const TypeId id = r.cursor_type->id();
      if (id != TypeId::kTimestamp && id != TypeId::kDate32 && id != TypeId::kDate64) {
        return Status::Invalid(where +
                               (r.options.window_seconds ? "window_seconds" : "start_timestamp") +
                               " needs a timestamp or date cursor, cursor_field " +
                               Quote(*r.options.cursor_field) + " is " + r.cursor_type->ToString());
      }
      if (r.options.start_timestamp_ns) {
        auto f = InstantToCursor(*r.cursor_type, *r.options.start_timestamp_ns, true);
        if (!f) {
          if (*r.options.start_timestamp_ns > 0) {
            return Status::Invalid(where + "start_timestamp is beyond the range of cursor_field " +
                                   Quote(*r.options.cursor_field) + " (" +
                                   r.cursor_type->ToString() + ")");
          }
        } else {
          r.floor = OrderValue(*f);
        }
      }
      if (r.options.window_seconds) {
        auto cap = InstantToCursor(*r.cursor_type, static_cast<__int128>(init_time_us) * 1000,
                                   false);
        if (cap) r.cap = OrderValue(*cap);
        const __int128 delta = static_cast<__int128>(*r.options.window_seconds) * 1'000'000'000 /
                               NanosPerUnit(*r.cursor_type);
        r.window_delta = static_cast<int64_t>(std::min<__int128>(delta, INT64_MAX));
      }
    }
    // Exact batches: cdc with top-level keys of orderable types (unique per version, as
    // apply_changes assumes). Append never splits a run of equal cursors.
    if (IsCdc(r.type) && !r.options.primary_keys.empty()) {
      r.tie_break = true;
      for (const auto& k : r.options.primary_keys) {
        int i = k.parts.size() == 1 ? r.output_schema->GetFieldIndex(k.parts[0]) : -1;
        if (i < 0 || !CheckOrderableType(*r.output_schema->field(i)->type).ok()) {
          r.tie_break = false;
          r.key_indices.clear();
          r.key_types.clear();
          break;
        }
        r.key_indices.push_back(i);
        r.key_types.push_back(r.output_schema->field(i)->type);
      }
    }
  }
  return r;
}

expr::ExprPtr UserFilterAnd(const ResolvedTable& t, std::vector<expr::ExprPtr> more) {
  std::vector<expr::ExprPtr> all;
  if (t.options.filter) all.push_back(t.options.filter);
  if (t.floor || t.cap) {
    const expr::ColumnPath col{{*t.options.cursor_field}};
    if (t.floor) {
      more.push_back(BoundPredicate(col, *t.cursor_type, expr::CompareOp::kGe, *t.floor));
    }
    if (t.cap) more.push_back(BoundPredicate(col, *t.cursor_type, expr::CompareOp::kLe, *t.cap));
  }
  for (auto& e : more) {
    if (e) all.push_back(std::move(e));
  }
  if (all.empty()) return nullptr;
  return expr::MakeAnd(std::move(all));
}

std::string FilterText(const expr::ExprPtr& e) { return e ? expr::ToSql(*e) : std::string(); }

// Reads the (cursor, keys) tuple of row i; false when the cursor is null (such rows never take
// part in incremental reads). A null key is an error: keys must identify rows.
Result<bool> ReadTuple(const ResolvedTable& t, const arrow::RecordBatch& b, int cursor_col,
                       const std::vector<int>& key_cols, int64_t i, OrderTuple* out) {
  const auto& c = *b.column(cursor_col);
  if (c.IsNull(i)) return false;
  out->cursor = ReadOrderValue(c, i);
  out->keys.resize(key_cols.size());
  for (size_t k = 0; k < key_cols.size(); ++k) {
    const auto& a = *b.column(key_cols[k]);
    if (a.IsNull(i)) {
      return Status::Invalid("table " + Quote(t.name) + ": primary key " +
                             Quote(b.schema()->field(key_cols[k])->name) +
                             " is null in a row with cursor " +
                             OrderValueToString(*t.cursor_type, out->cursor) +
                             " (cdc keys must be non-null)");
    }
    out->keys[k] = ReadOrderValue(a, i);
  }
  return true;
}

struct Boundary {
  bool found = false;
  OrderTuple last;            // the largest tuple of the batch
  int64_t rows_below = 0;     // cluster mode: rows with cursor < last.cursor
  int64_t rows_at_last = 0;   // cluster mode: rows with cursor == last.cursor
  int64_t rows = 0;           // tie-break mode: rows in the batch
};

expr::ExprPtr LowerBound(const ResolvedTable& t, const std::optional<Position>& from) {
  const expr::ColumnPath col{{*t.options.cursor_field}};
  if (!from) return expr::MakeIsNull(expr::MakeColumn(col), /*negated=*/true);
  return BoundPredicate(col, *t.cursor_type,
                        from->has_keys ? expr::CompareOp::kGe : expr::CompareOp::kGt,
                        from->at.cursor);
}

Result<Boundary> FindBoundary(source::Source* src, const ResolvedTable& t,
                              const std::optional<Position>& from) {
  source::ScanOptions so;
  so.columns.push_back(*t.options.cursor_field);
  std::vector<int> key_cols;  // positions of the keys in the scan (a key may be the cursor)
  for (int k : t.key_indices) {
    const std::string& name = t.output_schema->field(k)->name;
    auto it = std::find(so.columns.begin(), so.columns.end(), name);
    key_cols.push_back(static_cast<int>(it - so.columns.begin()));
    if (it == so.columns.end()) so.columns.push_back(name);
  }
  so.filter = FilterText(UserFilterAnd(t, {LowerBound(t, from)}));
  so.version = t.version;
  so.batch_rows = std::max<int64_t>(t.options.batch_size, 4096);
  LF_ASSIGN_OR_RETURN(auto scan, src->OpenScan(t.name, so));
  const int64_t n = t.options.max_records_per_batch;
  std::priority_queue<OrderTuple> heap;  // tie-break mode: the n smallest tuples
  std::map<OrderValue, int64_t> runs;    // cluster mode: smallest cursors covering n rows
  int64_t runs_total = 0;
  std::optional<OrderValue> first;  // the smallest cursor after `from`
  OrderTuple tuple;
  while (true) {
    LF_ASSIGN_OR_RETURN(auto batch, scan.reader->Next());
    if (!batch) break;
    for (int64_t i = 0; i < batch->num_rows(); ++i) {
      LF_ASSIGN_OR_RETURN(bool has, ReadTuple(t, *batch, 0, key_cols, i, &tuple));
      if (!has || (from && !from->Before(tuple)) || !t.InRange(tuple.cursor)) continue;
      if (!first || tuple.cursor < *first) first = tuple.cursor;
      if (t.tie_break) {
        if (static_cast<int64_t>(heap.size()) < n) {
          heap.push(tuple);
        } else if (tuple < heap.top()) {
          heap.pop();
          heap.push(tuple);
        }
      } else {
        if (runs_total >= n && std::prev(runs.end())->first < tuple.cursor) {
          continue;  // beyond the run that completes the batch
        }
        ++runs[tuple.cursor];
        ++runs_total;
        while (runs.size() > 1) {
          auto l = std::prev(runs.end());
          if (runs_total - l->second < n) break;
          runs_total -= l->second;
          runs.erase(l);
        }
      }
    }
  }
  // Window: only cursors up to first + window_delta. The n smallest entries kept above, cut at
  // that cursor, are the n smallest of the window (the window is a prefix of the order).
  if (first && t.window_delta) {
    const int64_t lo = std::get<int64_t>(*first);
    int64_t hi;
    if (__builtin_add_overflow(lo, *t.window_delta, &hi)) hi = INT64_MAX;
    const OrderValue end(hi);
    while (!heap.empty() && end < heap.top().cursor) heap.pop();
    while (!runs.empty() && end < std::prev(runs.end())->first) {
      runs_total -= std::prev(runs.end())->second;
      runs.erase(std::prev(runs.end()));
    }
  }
  Boundary b;
  if (t.tie_break) {
    if (heap.empty()) return b;
    b.found = true;
    b.rows = static_cast<int64_t>(heap.size());
    b.last = heap.top();
  } else {
    if (runs.empty()) return b;
    b.found = true;
    auto l = std::prev(runs.end());
    b.last.cursor = l->first;
    b.rows_at_last = l->second;
    b.rows_below = runs_total - l->second;
  }
  return b;
}

// Rows of the batch held in memory, sorted, handed out in slices; then (cluster mode) the run
// of rows at the boundary cursor streamed from its own scan.
class IncrementalReader : public arrow::RecordBatchReader {
 public:
  IncrementalReader(arrow::SchemaPtr schema, arrow::RecordBatchPtr sorted_rows,
                    std::vector<int64_t> order, int64_t batch_rows)
      : schema_(std::move(schema)),
        rows_(std::move(sorted_rows)),
        order_(std::move(order)),
        batch_rows_(batch_rows) {}

  // The boundary run: rows of `table` at `version` whose cursor equals `cursor`.
  void SetTail(std::shared_ptr<source::Source> src, ResolvedTable table, OrderValue cursor,
               int64_t expected_rows) {
    tail_source_ = std::move(src);
    tail_table_ = std::move(table);
    tail_cursor_ = std::move(cursor);
    tail_expected_ = expected_rows;
  }

  arrow::SchemaPtr schema() const override { return schema_; }

  Result<arrow::RecordBatchPtr> Next() override {
    if (pos_ < static_cast<int64_t>(order_.size())) {
      const int64_t n = std::min<int64_t>(batch_rows_, static_cast<int64_t>(order_.size()) - pos_);
      LF_ASSIGN_OR_RETURN(auto out, arrow::TakeRecordBatch(*rows_, order_.data() + pos_, n));
      pos_ += n;
      if (pos_ == static_cast<int64_t>(order_.size())) {
        rows_.reset();
        order_.clear();
        order_.shrink_to_fit();
        pos_ = 0;
      }
      return out;
    }
    if (!tail_source_) return arrow::RecordBatchPtr{};
    if (!tail_reader_) {
      const ResolvedTable& t = tail_table_;
      const expr::ColumnPath col{{*t.options.cursor_field}};
      source::ScanOptions so;
      so.columns = t.output_columns;
      so.filter = FilterText(
          UserFilterAnd(t, {BoundPredicate(col, *t.cursor_type, expr::CompareOp::kEq,
                                           tail_cursor_)}));
      so.version = t.version;
      so.batch_rows = t.options.batch_size;
      LF_ASSIGN_OR_RETURN(auto scan, tail_source_->OpenScan(t.name, so));
      tail_reader_ = std::move(scan.reader);
    }
    while (true) {
      LF_ASSIGN_OR_RETURN(auto batch, tail_reader_->Next());
      if (!batch) {
        if (tail_seen_ != tail_expected_) {
          return Status::Internal("table " + Quote(tail_table_.name) + ": " +
                                  std::to_string(tail_seen_) + " rows with cursor " +
                                  OrderValueToString(*tail_table_.cursor_type, tail_cursor_) +
                                  " at version " + std::to_string(tail_table_.version) +
                                  ", expected " + std::to_string(tail_expected_));
        }
        tail_source_.reset();
        tail_reader_.reset();
        return arrow::RecordBatchPtr{};
      }
      std::vector<int64_t> keep;
      const auto& c = *batch->column(tail_table_.cursor_index);
      for (int64_t i = 0; i < batch->num_rows(); ++i) {
        if (c.IsValid(i) && ReadOrderValue(c, i) == tail_cursor_) keep.push_back(i);
      }
      if (keep.empty()) continue;
      tail_seen_ += static_cast<int64_t>(keep.size());
      if (static_cast<int64_t>(keep.size()) == batch->num_rows()) return batch;
      return arrow::TakeRecordBatch(*batch, keep.data(), static_cast<int64_t>(keep.size()));
    }
  }

 private:
  arrow::SchemaPtr schema_;
  arrow::RecordBatchPtr rows_;
  std::vector<int64_t> order_;
  int64_t batch_rows_;
  int64_t pos_ = 0;
  std::shared_ptr<source::Source> tail_source_;
  ResolvedTable tail_table_;
  OrderValue tail_cursor_;
  int64_t tail_expected_ = 0;
  int64_t tail_seen_ = 0;
  std::unique_ptr<arrow::RecordBatchReader> tail_reader_;
};

// Collects the rows in (from, last] (tie-break) or (from, last.cursor) (cluster mode) and sorts
// them by (cursor, keys, scan order).
Result<std::unique_ptr<IncrementalReader>> CollectRows(source::Source* src, const ResolvedTable& t,
                                                       const std::optional<Position>& from,
                                                       const Boundary& b) {
  const expr::ColumnPath col{{*t.options.cursor_field}};
  std::vector<expr::ExprPtr> bounds{LowerBound(t, from)};
  bounds.push_back(BoundPredicate(col, *t.cursor_type,
                                  t.tie_break ? expr::CompareOp::kLe : expr::CompareOp::kLt,
                                  b.last.cursor));
  const int64_t expected = t.tie_break ? b.rows : b.rows_below;
  std::vector<arrow::RecordBatchPtr> kept;
  std::vector<OrderTuple> tuples;
  if (expected > 0) {
    source::ScanOptions so;
    so.columns = t.output_columns;
    so.filter = FilterText(UserFilterAnd(t, std::move(bounds)));
    so.version = t.version;
    so.batch_rows = t.options.batch_size;
    LF_ASSIGN_OR_RETURN(auto scan, src->OpenScan(t.name, so));
    OrderTuple tuple;
    while (true) {
      LF_ASSIGN_OR_RETURN(auto batch, scan.reader->Next());
      if (!batch) break;
      std::vector<int64_t> keep;
      for (int64_t i = 0; i < batch->num_rows(); ++i) {
        LF_ASSIGN_OR_RETURN(bool has, ReadTuple(t, *batch, t.cursor_index, t.key_indices, i,
                                                &tuple));
        if (!has || (from && !from->Before(tuple)) || !t.InRange(tuple.cursor)) continue;
        const bool in = t.tie_break ? !(b.last < tuple) : tuple.cursor < b.last.cursor;
        if (!in) continue;
        keep.push_back(i);
        tuples.push_back(tuple);
      }
      if (keep.empty()) continue;
      if (static_cast<int64_t>(keep.size()) == batch->num_rows()) {
        kept.push_back(batch);
      } else {
        LF_ASSIGN_OR_RETURN(auto sel, arrow::TakeRecordBatch(*batch, keep.data(),
                                                             static_cast<int64_t>(keep.size())));
        kept.push_back(sel);
      }
    }
  }
  // Duplicated keys at the boundary tuple make more rows than the first pass counted, never
  // fewer: the table version is the same.
  if (static_cast<int64_t>(tuples.size()) < expected) {
    return Status::Internal("table " + Quote(t.name) + ": the rows of the batch changed between "
                            "two scans of version " + std::to_string(t.version));
  }
  arrow::RecordBatchPtr all;
  if (kept.size() == 1) {
    all = kept[0];
  } else if (!kept.empty()) {
    std::vector<arrow::ArrayDataPtr> cols;
    for (int c = 0; c < t.output_schema->num_fields(); ++c) {
      std::vector<arrow::ArrayDataPtr> parts;
      for (const auto& k : kept) parts.push_back(k->column(c));
      LF_ASSIGN_OR_RETURN(auto joined, arrow::ConcatenateArrays(parts));
      cols.push_back(std::move(joined));
    }
    all = std::make_shared<arrow::RecordBatch>(kept[0]->schema(),
                                               static_cast<int64_t>(tuples.size()),
                                               std::move(cols));
  }
  std::vector<int64_t> order(tuples.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t x, int64_t y) { return tuples[x] < tuples[y]; });
  arrow::SchemaPtr schema = all ? all->schema() : t.output_schema;
  return std::make_unique<IncrementalReader>(schema, std::move(all), std::move(order),
                                             t.options.batch_size);
}

// Lower cursor by the lookback window; nullopt when it would leave the type's range.
std::optional<OrderValue> LookBack(const ResolvedTable& t, const OrderValue& c) {
  const auto& o = t.options;
  int64_t delta = 0;
  if (o.lookback_seconds) {
    int64_t secs = *o.lookback_seconds;
    switch (t.cursor_type->id()) {
      case TypeId::kDate32: delta = (secs + 86399) / 86400; break;
      case TypeId::kDate64: delta = secs * 1000; break;
      case TypeId::kTimestamp: {
        int64_t per = 1;
        switch (t.cursor_type->unit()) {
          case arrow::TimeUnit::kSecond: per = 1; break;
          case arrow::TimeUnit::kMilli: per = 1000; break;
          case arrow::TimeUnit::kMicro: per = 1000000; break;
          case arrow::TimeUnit::kNano: per = 1000000000; break;
        }
        if (__builtin_mul_overflow(secs, per, &delta)) return std::nullopt;
        break;
      }
      default: return c;
    }
  } else if (o.lookback) {
    delta = *o.lookback;
  } else {
    return c;
  }
  if (std::holds_alternative<int64_t>(c)) {
    int64_t v = std::get<int64_t>(c), r;
    if (__builtin_sub_overflow(v, delta, &r)) return std::nullopt;
    return OrderValue(r);
  }
  if (std::holds_alternative<uint64_t>(c)) {
    uint64_t v = std::get<uint64_t>(c);
    if (v < static_cast<uint64_t>(delta)) return std::nullopt;
    return OrderValue(v - static_cast<uint64_t>(delta));
  }
  return c;
}

}  // namespace

Result<SparkMappingOptions> SparkMappingOf(const Options& options) {
  LF_ASSIGN_OR_RETURN(auto o, ParseTableOptions(options));
  return SparkMappingOptions{.uint64_as_decimal = o.uint64_as_decimal};
}

Result<std::string> LakeflowConnect::GetTableSchema(const std::string& table,
                                                    const Options& options) {
  LF_ASSIGN_OR_RETURN(uint64_t version, PinnedVersion(table));
  LF_ASSIGN_OR_RETURN(auto t, Resolve(source_.get(), table, version, options, init_time_us_));
  return SparkSchemaJson(*t.output_schema, {.uint64_as_decimal = t.options.uint64_as_decimal});
}

Result<TableMetadata> LakeflowConnect::ReadTableMetadata(const std::string& table,
                                                         const Options& options) {
  LF_ASSIGN_OR_RETURN(uint64_t version, PinnedVersion(table));
  LF_ASSIGN_OR_RETURN(auto t, Resolve(source_.get(), table, version, options, init_time_us_));
  TableMetadata m;
  for (const auto& k : t.options.primary_keys) m.primary_keys.push_back(k.ToDottedString());
  m.cursor_field = t.options.cursor_field;
  m.ingestion_type = t.type;
  return m;
}

namespace {

// The JSON text of the key of row `i`: the values of the key paths (struct fields walked).
// Invalid when a key is null (keys must identify rows).
Result<std::string> KeyText(const ResolvedTable& t, const arrow::RecordBatch& b,
                            const std::vector<std::vector<int>>& key_paths, int64_t i) {
  std::string out = "[";
  for (size_t k = 0; k < key_paths.size(); ++k) {
    const arrow::ArrayData* a = b.column(key_paths[k][0]).get();
    int64_t row = i;
    bool null = a->IsNull(row);
    for (size_t d = 1; d < key_paths[k].size() && !null; ++d) {
      row += a->offset;
      a = a->children[static_cast<size_t>(key_paths[k][d])].get();
      null = a->IsNull(row);
    }
    if (null) {
      return Status::Invalid("table " + Quote(t.name) + ": primary key " +
                             Quote(t.options.primary_keys[k].ToDottedString()) +
                             " is null in a deleted row");
    }
    if (k > 0) out += ',';
    LF_RETURN_NOT_OK(arrow::AppendJsonValue(*a, row, &out));
  }
  out += ']';
  return out;
}

// Hands out record batches held in memory.
class BatchListReader : public arrow::RecordBatchReader {
 public:
  BatchListReader(arrow::SchemaPtr schema, std::vector<arrow::RecordBatchPtr> batches)
      : schema_(std::move(schema)), batches_(std::move(batches)) {}
  arrow::SchemaPtr schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    if (next_ >= batches_.size()) return arrow::RecordBatchPtr{};
    return std::move(batches_[next_++]);
  }

 private:
  arrow::SchemaPtr schema_;
  std::vector<arrow::RecordBatchPtr> batches_;
  size_t next_ = 0;
};

// The rows of `batches` that `candidates` point at, in batch order; repoints the candidates.
Result<std::vector<arrow::RecordBatchPtr>> KeepCandidates(
    const arrow::SchemaPtr& schema, std::vector<arrow::RecordBatchPtr>* batches,
    std::map<std::string, std::pair<size_t, int64_t>>* candidates) {
  std::vector<std::vector<std::pair<int64_t, std::pair<size_t, int64_t>*>>> rows(
      batches->size());
  for (auto& [key, at] : *candidates) rows[at.first].push_back({at.second, &at});
  std::vector<arrow::RecordBatchPtr> out;
  for (size_t i = 0; i < batches->size(); ++i) {
    if (rows[i].empty()) continue;
    std::sort(rows[i].begin(), rows[i].end());
    std::vector<int64_t> take;
    for (auto& [row, at] : rows[i]) {
      *at = {out.size(), static_cast<int64_t>(take.size())};
      take.push_back(row);
    }
    LF_ASSIGN_OR_RETURN(auto taken, arrow::TakeRecordBatch(*(*batches)[i], take.data(),
                                                           static_cast<int64_t>(take.size())));
    out.push_back(
        std::make_shared<arrow::RecordBatch>(schema, taken->num_rows(), taken->columns()));
  }
  batches->clear();
  return out;
}

Status WithContext(const Status& st, const std::string& where, uint64_t from, uint64_t to) {
  if (st.ok()) return st;
  std::string msg = where + "cannot list the rows deleted between versions " +
                    std::to_string(from) + " and " + std::to_string(to) + ": " + st.message();
  if (st.code() == StatusCode::kNotFound) {
    msg += " (old versions cleaned up? reset the offset with a full refresh)";
  }
  return Status(st.code(), std::move(msg));
}

}  // namespace

Result<ReadResult> LakeflowConnect::ReadTableDeletes(const std::string& table,
                                                     const std::string& start_offset,
                                                     const Options& options) {
  LF_ASSIGN_OR_RETURN(uint64_t version, PinnedVersion(table));
  LF_ASSIGN_OR_RETURN(auto t, Resolve(source_.get(), table, version, options, init_time_us_));
  const std::string where = "table " + Quote(table) + ": ";
  if (t.type != IngestionType::kCdcWithDeletes) {
    return Status::Invalid(where + "read_table_deletes needs ingestion_type cdc_with_deletes, "
                                   "the table is read as " +
                           IngestionTypeName(t.type));
  }
  if (t.options.primary_keys.empty()) {
    return Status::Invalid(where + "cdc_with_deletes needs option primary_keys");
  }
  LF_ASSIGN_OR_RETURN(auto start, ParseStartOffset(table, start_offset));
  if (start.cursor) {
    return Status::Invalid(where + "the offset holds a cursor; offsets of read_table_deletes "
                                   "hold only a version (was a read_table offset passed?)");
  }
  if (start.version && *start.version > version) {
    return Status::Invalid(where + "the offset was read at version " +
                           std::to_string(*start.version) + " but the latest version is " +
                           std::to_string(version) +
                           " (table recreated?); reset the offset with a full refresh");
  }
  // Records: the top-level columns holding the keys, then the cursor column.
  std::vector<std::string> columns;
  auto add_column = [&](const std::string& name) {
    if (std::find(columns.begin(), columns.end(), name) == columns.end()) {
      columns.push_back(name);
    }
  };
  for (const auto& k : t.options.primary_keys) add_column(k.parts[0]);
  add_column(*t.options.cursor_field);
  std::vector<arrow::FieldPtr> fields;
  for (const auto& n : columns) {
    fields.push_back(t.output_schema->field(t.output_schema->GetFieldIndex(n)));
  }
  auto schema = std::make_shared<const arrow::Schema>(std::move(fields));
  // Key paths as child indices, from the pinned schema (struct members are matched by name).
  std::vector<std::vector<int>> key_paths;
  for (const auto& k : t.options.primary_keys) {
    std::vector<int> path{static_cast<int>(
        std::find(columns.begin(), columns.end(), k.parts[0]) - columns.begin())};
    const arrow::DataType* type = schema->field(path[0])->type.get();
    for (size_t d = 1; d < k.parts.size(); ++d) {
      int child = -1;
      for (int c = 0; c < static_cast<int>(type->children().size()); ++c) {
        if (type->children()[static_cast<size_t>(c)]->name == k.parts[d]) child = c;
      }
      if (child < 0) {
        return Status::NotFound(where + "primary key " + Quote(k.ToDottedString()) +
                                " is not a column of the table");
      }
      path.push_back(child);
      type = type->children()[static_cast<size_t>(child)]->type.get();
    }
    key_paths.push_back(std::move(path));
  }
  ojson end = ojson::object();
  end["version"] = version;
  // A first read ({}) reports every key deleted since the oldest retained version (the
  // contract's "from the start"), walking the retained history once.
  uint64_t from = 0;
  if (start.version) {
    if (*start.version == version) {
      return ReadResult{std::make_unique<EmptyReader>(schema), start.canonical};
    }
    from = *start.version;
  } else {
    LF_ASSIGN_OR_RETURN(auto versions, source_->ListVersions(table));
    if (versions.empty() || versions.front().version >= version) {
      return ReadResult{std::make_unique<EmptyReader>(schema), end.dump()};
    }
    from = versions.front().version;
  }

  // Walk the versions one commit at a time, so that keys inserted and deleted between the two
  // versions (which a concurrent upsert flow may have delivered) are reported too. Per step:
  // rows whose place is gone become candidates (keeping their last values), then keys written
  // into new places (updates, merge_insert, compaction, re-inserts) are dropped again. Missing
  // intermediate versions (cleaned up) are skipped; the offset's own version must exist.
  LF_RETURN_NOT_OK(
      WithContext(source_->Describe(table, from).status(), where, from, version));
  source::ScanOptions so;
  so.columns = columns;
  so.filter = FilterText(t.options.filter);
  so.batch_rows = t.options.batch_size;
  source::ScanOptions ao;
  for (const auto& k : t.options.primary_keys) {
    if (std::find(ao.columns.begin(), ao.columns.end(), k.parts[0]) == ao.columns.end()) {
      ao.columns.push_back(k.parts[0]);
    }
  }
  ao.batch_rows = t.options.batch_size;
  std::vector<std::vector<int>> added_paths = key_paths;
  for (size_t k = 0; k < key_paths.size(); ++k) {
    added_paths[k][0] = static_cast<int>(
        std::find(ao.columns.begin(), ao.columns.end(), t.options.primary_keys[k].parts[0]) -
        ao.columns.begin());
  }
  std::vector<arrow::RecordBatchPtr> batches;
  std::map<std::string, std::pair<size_t, int64_t>> candidates;  // key -> (batch, row)
  int64_t retained = 0;  // rows held in `batches`
  uint64_t prev = from;
  for (uint64_t v = from + 1; v <= version; ++v) {
    auto removed = source_->OpenChangeScan(table, prev, v, source::RowChange::kRemoved, so);
    if (!removed.ok() && removed.status().code() == StatusCode::kNotFound && v < version) {
      continue;  // version v was cleaned up: diff prev against a later one
    }
    LF_RETURN_NOT_OK(WithContext(removed.status(), where, prev, v));
    for (;;) {
      auto next = removed->reader->Next();
      LF_RETURN_NOT_OK(WithContext(next.status(), where, prev, v));
      arrow::RecordBatchPtr b = std::move(next).value();
      if (!b) break;
      if (b->num_rows() == 0) continue;
      for (int64_t i = 0; i < b->num_rows(); ++i) {
        LF_ASSIGN_OR_RETURN(std::string key, KeyText(t, *b, key_paths, i));
        candidates[std::move(key)] = {batches.size(), i};
      }
      retained += b->num_rows();
      batches.push_back(std::move(b));
    }
    if (!candidates.empty()) {
      auto added = source_->OpenChangeScan(table, prev, v, source::RowChange::kAdded, ao);
      LF_RETURN_NOT_OK(WithContext(added.status(), where, prev, v));
      for (;;) {
        auto next = added->reader->Next();
        LF_RETURN_NOT_OK(WithContext(next.status(), where, prev, v));
        arrow::RecordBatchPtr b = std::move(next).value();
        if (!b) break;
        for (int64_t i = 0; i < b->num_rows() && !candidates.empty(); ++i) {
          LF_ASSIGN_OR_RETURN(std::string key, KeyText(t, *b, added_paths, i));
          candidates.erase(key);
        }
      }
    }
    prev = v;
    // Rows of keys dropped again (moved rows) are released as the walk goes.
    if (retained > 2 * static_cast<int64_t>(candidates.size()) + 4096) {
      LF_ASSIGN_OR_RETURN(batches, KeepCandidates(schema, &batches, &candidates));
      retained = static_cast<int64_t>(candidates.size());
    }
  }
  // The deleted keys, in the order they were read.
  LF_ASSIGN_OR_RETURN(auto out, KeepCandidates(schema, &batches, &candidates));
  return ReadResult{
      std::make_unique<OutputReader>(std::make_unique<BatchListReader>(schema, std::move(out)),
                                     schema, t.options.batch_size, table,
                                     !t.options.uint64_as_decimal),
      end.dump()};
}

namespace {

// Where an incremental read after `start` continues at t.version (nullopt: from the beginning),
// the lookback of cdc tables applied when the offset was read at an older version.
Result<std::optional<Position>> StartPosition(const ResolvedTable& t, const StartOffset& start) {
  const std::string where = "table " + Quote(t.name) + ": ";
  const uint64_t version = t.version;
  std::optional<Position> from;
  if (!start.cursor) return from;
  if (*start.cursor_field != *t.options.cursor_field) {
    return Status::Invalid(where + "the offset was written for cursor_field " +
                           Quote(*start.cursor_field) + ", not " +
                           Quote(*t.options.cursor_field) + "; reset the offset");
  }
  Position p;
  LF_ASSIGN_OR_RETURN(p.at.cursor,
                      DecodeOrderValue(*t.cursor_type, *start.cursor, where + "offset cursor"));
  if (start.key) {
    if (!t.tie_break) {
      return Status::Invalid(where + "the offset continues inside a run of equal cursors by "
                                     "primary key, but the options give no usable "
                                     "primary_keys for cdc; restore them or reset the offset");
    }
    if (start.key->size() != t.key_indices.size()) {
      return Status::Invalid(where + "the offset has " + std::to_string(start.key->size()) +
                             " key values, the options " +
                             std::to_string(t.key_indices.size()) + " primary keys");
    }
    for (size_t k = 0; k < t.key_types.size(); ++k) {
      LF_ASSIGN_OR_RETURN(auto v, DecodeOrderValue(*t.key_types[k], (*start.key)[k],
                                                   where + "offset key"));
      p.at.keys.push_back(std::move(v));
    }
    p.has_keys = true;
  }
  // Late-arriving rows: after new commits, look back once (the version in the offset moves
  // to the pinned one with the first non-empty batch).
  if (IsCdc(t.type) && (t.options.lookback_seconds || t.options.lookback) &&
      start.version.value_or(0) < version) {
    auto back = LookBack(t, p.at.cursor);
    if (back) {
      p.at.cursor = *back;
      p.at.keys.clear();
      p.has_keys = false;
      from = p;
    }  // else: from the beginning
  } else {
    from = p;
  }

  return from;
}

// The end offset of an incremental read ending at `b`.
Result<std::string> EndOffsetText(const ResolvedTable& t, const Boundary& b) {
  ojson end = ojson::object();
  end["cursor_field"] = *t.options.cursor_field;
  LF_ASSIGN_OR_RETURN(end["cursor"], EncodeOrderValue(*t.cursor_type, b.last.cursor));
  if (t.tie_break) {
    nlohmann::json keys = nlohmann::json::array();
    for (size_t k = 0; k < t.key_types.size(); ++k) {
      LF_ASSIGN_OR_RETURN(auto v, EncodeOrderValue(*t.key_types[k], b.last.keys[k]));
      keys.push_back(nlohmann::json::parse(v.dump()));
    }
    end["key"] = KeyTupleText(keys);
  }
  end["version"] = t.version;
  return end.dump(-1, ' ', false, ojson::error_handler_t::strict);
}

}  // namespace

struct LakeflowConnect::Prelude {
  ResolvedTable t;
  StartOffset start;
  bool newer = false;  // the offset was read at a version after t.version
};

Result<LakeflowConnect::Prelude> LakeflowConnect::Begin(const std::string& table,
                                                        const std::string& start_offset,
                                                        const Options& options,
                                                        bool refuse_newer) {
  LF_ASSIGN_OR_RETURN(uint64_t version, PinnedVersion(table));
  Prelude p;
  LF_ASSIGN_OR_RETURN(p.t, Resolve(source_.get(), table, version, options, init_time_us_));
  LF_ASSIGN_OR_RETURN(p.start, ParseStartOffset(table, start_offset));
  p.newer = p.start.version && *p.start.version > version;
  if (p.newer && refuse_newer) {
    return Status::Invalid("table " + Quote(table) + ": the offset was read at version " +
                           std::to_string(*p.start.version) + " but the latest version is " +
                           std::to_string(version) +
                           " (table recreated?); reset the offset with a full refresh");
  }
  return p;
}

Result<ReadResult> LakeflowConnect::ReadTable(const std::string& table,
                                              const std::string& start_offset,
                                              const Options& options) {
  LF_ASSIGN_OR_RETURN(Prelude p, Begin(table, start_offset, options, /*refuse_newer=*/true));
  const ResolvedTable& t = p.t;
  const StartOffset& start = p.start;
  const uint64_t version = t.version;
  const std::string where = "table " + Quote(table) + ": ";
  const bool check_uint64 = !t.options.uint64_as_decimal;
  auto unchanged = [&]() -> ReadResult {
    return ReadResult{std::make_unique<EmptyReader>(t.output_schema), start.canonical};
  };

  if (t.type == IngestionType::kSnapshot) {
    if (start.cursor) {
      return Status::Invalid(where + "the offset holds a cursor but the table is read as a "
                                     "snapshot; reset the offset");
    }
    if (start.version && *start.version == version) return unchanged();
    source::ScanOptions so;
    so.columns = t.output_columns;
    so.filter = FilterText(t.options.filter);
    so.version = version;
    so.batch_rows = t.options.batch_size;
    LF_ASSIGN_OR_RETURN(auto scan, source_->OpenScan(table, so));
    ojson end = ojson::object();
    end["version"] = version;
    return ReadResult{std::make_unique<OutputReader>(std::move(scan.reader), t.output_schema,
                                                     t.options.batch_size, table, check_uint64),
                      end.dump()};
  }

  LF_ASSIGN_OR_RETURN(auto from, StartPosition(t, start));
  LF_ASSIGN_OR_RETURN(auto b, FindBoundary(source_.get(), t, from));
  if (!b.found) return unchanged();
  LF_ASSIGN_OR_RETURN(auto reader, CollectRows(source_.get(), t, from, b));
  if (!t.tie_break) reader->SetTail(source_, t, b.last.cursor, b.rows_at_last);

  LF_ASSIGN_OR_RETURN(std::string end, EndOffsetText(t, b));
  return ReadResult{std::make_unique<OutputReader>(std::move(reader), t.output_schema,
                                                   t.options.batch_size, table, check_uint64),
                    std::move(end)};
}


// ---------------------------------------------------------------------------------------------
// Partitions
//
// A descriptor names the table version it reads, so it needs no state of the instance that made
// it: batch descriptors hold the version pinned by GetPartitions, stream descriptors the version
// of their end offset (every non-empty end offset carries the version it was computed at; a
// replay after a restart reads that version again, not the restarted instance's pin).

namespace {

constexpr int64_t kDefaultPartitionRows = 100'000;
constexpr int64_t kMaxPartitionRows = 100'000'000;
constexpr int64_t kMaxTargetPartitions = 1'000'000;

// An integer option in [1, max]; nullopt when absent.
Result<std::optional<int64_t>> PositiveOption(const Options& options, const char* name,
                                              int64_t max) {
  auto it = options.find(name);
  if (it == options.end()) return std::optional<int64_t>();
  const std::string& v = it->second;
  int64_t parsed = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), parsed);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || parsed < 1 ||
      parsed > max) {
    return Status::Invalid(std::string("option ") + name + ": expected an integer in 1.." +
                           std::to_string(max));
  }
  return std::optional<int64_t>(parsed);
}

// How batch and stream partitions are sized (options partition_rows, target_partitions).
struct PartitionSizing {
  int64_t rows = kDefaultPartitionRows;  // partition_rows, a multiple of batch_size
  bool explicit_rows = false;             // partition_rows was given
  std::optional<int64_t> target;          // target_partitions
  int64_t batch_size = 1;

  // Rows per batch partition of a table of `total_physical_rows` rows in fragments: spread over
  // about `target` partitions unless partition_rows was given. Not rounded to batch_size: a
  // columnar reader asks for large batches, and rounding would merge a small table's
  // partitions into one (a partition's last batch is simply shorter).
  int64_t RowsFor(int64_t total_physical_rows) const {
    if (explicit_rows || !target) return rows;
    return std::max<int64_t>(1, (total_physical_rows + *target - 1) / *target);
  }
  int64_t RoundUp(int64_t n) const { return (n + batch_size - 1) / batch_size * batch_size; }
};

Result<PartitionSizing> Sizing(const Options& options, int64_t batch_size) {
  PartitionSizing s;
  s.batch_size = batch_size;
  LF_ASSIGN_OR_RETURN(auto rows, PositiveOption(options, "partition_rows", kMaxPartitionRows));
  LF_ASSIGN_OR_RETURN(s.target,
                      PositiveOption(options, "target_partitions", kMaxTargetPartitions));
  s.explicit_rows = rows.has_value();
  s.rows = s.RoundUp(rows.value_or(kDefaultPartitionRows));
  return s;
}

std::string Dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::strict); }

ojson DescriptorHead(const ResolvedTable& t) {
  ojson d = ojson::object();
  d["table"] = t.name;
  d["version"] = t.version;
  return d;
}

// Partitions of t.version: all rows (range == nullptr) or the rows of a stream range.
Result<std::vector<std::string>> MakePartitions(source::Source* src, const ResolvedTable& t,
                                                const Options& options,
                                                const std::pair<ojson, ojson>* range) {
  LF_ASSIGN_OR_RETURN(PartitionSizing sizing, Sizing(options, t.options.batch_size));
  int64_t part_rows = sizing.rows;
  std::vector<std::string> out;
  auto add_range = [&](ojson d) {
    if (range) {
      d["start"] = range->first;
      d["end"] = range->second;
    }
    out.push_back(Dump(d));
  };
  auto fragments = src->ListFragments(t.name, t.version);
  if (fragments.ok()) {
    // Batch: one per fragment, or with target_partitions fragments grouped so that groups end
    // at the first fragment crossing each multiple of part_rows (about total / part_rows
    // groups of similar size). Stream: fragments grouped to about part_rows stored rows each
    // (the range usually holds far fewer rows than the table, so one per fragment would make
    // mostly empty tasks).
    // (Versions that record no row counts keep one partition per fragment.)
    bool spread = !range && !sizing.explicit_rows && sizing.target.has_value() &&
                  !fragments->empty();
    int64_t total = 0;
    for (const auto& f : *fragments) {
      if (f.physical_rows <= 0) spread = false;
      total += std::max<int64_t>(0, f.physical_rows);
    }
    if (spread) part_rows = sizing.RowsFor(total);
    std::vector<uint64_t> group;
    int64_t group_rows = 0;
    int64_t seen_rows = 0;  // physical rows of the fragments before the current one
    int64_t next_cut = part_rows;
    auto flush = [&] {
      if (group.empty()) return;
      ojson d = DescriptorHead(t);
      d["fragments"] = group;
      add_range(std::move(d));
      group.clear();
      group_rows = 0;
    };
    for (const auto& f : *fragments) {
      if (!range && f.physical_rows > part_rows) {
        // Batch: a large fragment is split into ranges of part_rows physical rows, so a
        // one-fragment table still spreads over the cluster's cores.
        flush();
        for (int64_t b = 0; b < f.physical_rows; b += part_rows) {
          ojson d = DescriptorHead(t);
          d["fragments"] = std::vector<uint64_t>{f.id};
          d["rows"] = std::vector<int64_t>{b, std::min(f.physical_rows, b + part_rows)};
          add_range(std::move(d));
        }
        seen_rows += f.physical_rows;
        next_cut = (seen_rows / part_rows + 1) * part_rows;
        continue;
      }
      group.push_back(f.id);
      seen_rows += f.physical_rows;
      group_rows += std::max<int64_t>(1, f.physical_rows - f.deleted_rows);
      if (spread) {
        if (seen_rows >= next_cut) {
          flush();
          next_cut = (seen_rows / part_rows + 1) * part_rows;
        }
      } else if (!range || group_rows >= part_rows) {
        flush();
      }
    }
    flush();
    if (out.empty()) add_range(DescriptorHead(t));  // no fragment: one partition, no rows
    return out;
  }
  if (fragments.status().code() != StatusCode::kNotImplemented) return fragments.status();
  if (range || !src->SupportsScanOffset()) {
    add_range(DescriptorHead(t));
    return out;
  }
  LF_ASSIGN_OR_RETURN(int64_t rows, src->CountRows(t.name, FilterText(t.options.filter),
                                                   t.version));
  for (int64_t o = 0; o < rows; o += part_rows) {
    ojson d = DescriptorHead(t);
    d["offset"] = o;
    d["limit"] = std::min(part_rows, rows - o);
    out.push_back(Dump(d));
  }
  if (out.empty()) out.push_back(Dump(DescriptorHead(t)));  // no row: one partition, no rows
  return out;
}

// The rows of a stream range: (from, end] in (cursor, keys) order, cursor non-null, within the
// start_timestamp floor. Rows are exactly re-checked (pushed bounds may be supersets).
class RangeReader : public arrow::RecordBatchReader {
 public:
  RangeReader(std::unique_ptr<arrow::RecordBatchReader> inner, ResolvedTable t,
              std::optional<Position> from, Position end)
      : inner_(std::move(inner)), t_(std::move(t)), from_(std::move(from)), end_(std::move(end)) {}
  arrow::SchemaPtr schema() const override { return inner_->schema(); }
  Result<arrow::RecordBatchPtr> Next() override {
    while (true) {
      LF_ASSIGN_OR_RETURN(auto batch, inner_->Next());
      if (!batch) return batch;
      std::vector<int64_t> keep;
      OrderTuple tuple;
      for (int64_t i = 0; i < batch->num_rows(); ++i) {
        LF_ASSIGN_OR_RETURN(bool has, ReadTuple(t_, *batch, t_.cursor_index, t_.key_indices, i,
                                                &tuple));
        if (!has || (from_ && !from_->Before(tuple)) || end_.Before(tuple)) continue;
        if (t_.floor && tuple.cursor < *t_.floor) continue;
        keep.push_back(i);
      }
      if (keep.empty()) continue;
      if (static_cast<int64_t>(keep.size()) == batch->num_rows()) return batch;
      return arrow::TakeRecordBatch(*batch, keep.data(), static_cast<int64_t>(keep.size()));
    }
  }

 private:
  std::unique_ptr<arrow::RecordBatchReader> inner_;
  ResolvedTable t_;
  std::optional<Position> from_;
  Position end_;
};

// The last row a stream range includes, from its end offset.
Result<Position> EndPosition(const ResolvedTable& t, const StartOffset& end,
                             const std::string& where) {
  if (!end.cursor) return Status::Invalid(where + "the end offset holds no cursor");
  if (*end.cursor_field != *t.options.cursor_field) {
    return Status::Invalid(where + "the end offset was written for cursor_field " +
                           Quote(*end.cursor_field) + ", not " + Quote(*t.options.cursor_field));
  }
  if (end.key.has_value() != t.tie_break) {
    return Status::Invalid(where + (t.tie_break ? "the end offset has no key but the table is "
                                                  "read by (cursor, primary keys)"
                                                : "the end offset has a key but the options give "
                                                  "no usable primary_keys for cdc"));
  }
  Position p;
  LF_ASSIGN_OR_RETURN(p.at.cursor,
                      DecodeOrderValue(*t.cursor_type, *end.cursor, where + "end offset cursor"));
  if (end.key) {
    if (end.key->size() != t.key_types.size()) {
      return Status::Invalid(where + "the end offset has " + std::to_string(end.key->size()) +
                             " key values, the options " + std::to_string(t.key_types.size()) +
                             " primary keys");
    }
    for (size_t k = 0; k < t.key_types.size(); ++k) {
      LF_ASSIGN_OR_RETURN(auto v, DecodeOrderValue(*t.key_types[k], (*end.key)[k],
                                                   where + "end offset key"));
      p.at.keys.push_back(std::move(v));
    }
    p.has_keys = true;
  }
  return p;
}

}  // namespace

Result<std::vector<std::string>> LakeflowConnect::GetPartitions(const std::string& table,
                                                                const Options& options) {
  LF_ASSIGN_OR_RETURN(uint64_t version, PinnedVersion(table));
  LF_ASSIGN_OR_RETURN(auto t, Resolve(source_.get(), table, version, options, init_time_us_));
  return MakePartitions(source_.get(), t, options, nullptr);
}

Result<int64_t> LakeflowConnect::CountPending(const std::string& table,
                                              const std::string& start_offset,
                                              const Options& options) {
  LF_ASSIGN_OR_RETURN(Prelude p, Begin(table, start_offset, options, /*refuse_newer=*/false));
  if (p.newer) return int64_t{0};  // ReadTable refuses this offset
  const ResolvedTable& t = p.t;
  const StartOffset& start = p.start;
  const uint64_t version = t.version;
  if (t.type == IngestionType::kSnapshot) {
    if (start.version && *start.version == version) return int64_t{0};
    return source_->CountRows(table, FilterText(t.options.filter), version);
  }
  LF_ASSIGN_OR_RETURN(auto from, StartPosition(t, start));
  return source_->CountRows(table, FilterText(UserFilterAnd(t, {LowerBound(t, from)})), version);
}

Result<std::string> LakeflowConnect::LatestOffset(const std::string& table,
                                                  const Options& options,
                                                  const std::string& start_offset) {
  LF_ASSIGN_OR_RETURN(Prelude p, Begin(table, start_offset, options, /*refuse_newer=*/true));
  const ResolvedTable& t = p.t;
  const StartOffset& start = p.start;
  const uint64_t version = t.version;
  const std::string where = "table " + Quote(table) + ": ";
  if (t.type == IngestionType::kSnapshot) {
    if (start.cursor) {
      return Status::Invalid(where + "the offset holds a cursor but the table is read as a "
                                     "snapshot; reset the offset");
    }
    if (start.version && *start.version == version) return start.canonical;
    ojson end = ojson::object();
    end["version"] = version;
    return Dump(end);
  }
  LF_ASSIGN_OR_RETURN(auto from, StartPosition(t, start));
  LF_ASSIGN_OR_RETURN(auto b, FindBoundary(source_.get(), t, from));
  if (!b.found) return start.canonical;
  return EndOffsetText(t, b);
}

Result<std::vector<std::string>> LakeflowConnect::GetStreamPartitions(
    const std::string& table, const Options& options, const std::string& start_offset,
    const std::string& end_offset) {
  LF_ASSIGN_OR_RETURN(auto start, ParseStartOffset(table, start_offset));
  LF_ASSIGN_OR_RETURN(auto end, ParseStartOffset(table, end_offset, "end offset"));
  if (start.canonical == end.canonical) return std::vector<std::string>{};
  const std::string where = "table " + Quote(table) + ": ";
  if (!end.version) return Status::Invalid(where + "the end offset names no version");
  if (start.version && *start.version > *end.version) {
    return Status::Invalid(where + "the start offset's version " +
                           std::to_string(*start.version) + " is after the end offset's " +
                           std::to_string(*end.version));
  }
  LF_ASSIGN_OR_RETURN(uint64_t pinned, PinnedVersion(table));
  if (*end.version > pinned) {
    return Status::Invalid(where + "the end offset names version " +
                           std::to_string(*end.version) + " but the latest version is " +
                           std::to_string(pinned));
  }
  LF_ASSIGN_OR_RETURN(auto t, Resolve(source_.get(), table, *end.version, options,
                                      init_time_us_));
  if (t.type == IngestionType::kSnapshot) {
    if (start.cursor || end.cursor) {
      return Status::Invalid(where + "an offset holds a cursor but the table is read as a "
                                     "snapshot; reset the offset");
    }
    return MakePartitions(source_.get(), t, options, nullptr);
  }
  // Validate both ends now rather than in every executor.
  LF_RETURN_NOT_OK(StartPosition(t, start).status());
  LF_RETURN_NOT_OK(EndPosition(t, end, where).status());
  const std::pair<ojson, ojson> range{ojson::parse(start.canonical), ojson::parse(end.canonical)};
  return MakePartitions(source_.get(), t, options, &range);
}

Result<ReadResult> LakeflowConnect::ReadPartition(const std::string& table,
                                                  const std::string& partition_json,
                                                  const Options& options) {
  const std::string where = "table " + Quote(table) + ": partition descriptor ";
  auto bad = [&](const std::string& what) { return Status::Invalid(where + what); };
  auto j = nlohmann::json::parse(partition_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("is not a JSON object");
  std::optional<uint64_t> version;
  std::optional<std::vector<uint64_t>> fragment_ids;
  std::optional<uint64_t> offset, limit;
  std::optional<std::pair<int64_t, int64_t>> rows;
  std::optional<nlohmann::json> range_start, range_end;
  bool table_seen = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = it.value();
    if (k == "table") {
      if (!v.is_string() || v.get<std::string>() != table) {
        return bad("was made for another table");
      }
      table_seen = true;
    } else if (k == "version") {
      if (!v.is_number_unsigned()) return bad("has a \"version\" that is not an integer >= 0");
      version = v.get<uint64_t>();
    } else if (k == "fragments") {
      if (!v.is_array() || v.empty()) return bad("has a \"fragments\" that is not a list of ids");
      fragment_ids.emplace();
      for (const auto& f : v) {
        if (!f.is_number_unsigned()) return bad("has a fragment id that is not an integer >= 0");
        fragment_ids->push_back(f.get<uint64_t>());
      }
    } else if (k == "rows") {
      if (!v.is_array() || v.size() != 2 || !v[0].is_number_unsigned() ||
          !v[1].is_number_unsigned() || v[1].get<uint64_t>() > static_cast<uint64_t>(INT64_MAX) ||
          v[0].get<uint64_t>() >= v[1].get<uint64_t>()) {
        return bad("has a \"rows\" that is not a range [begin, end) of row numbers");
      }
      rows.emplace(static_cast<int64_t>(v[0].get<uint64_t>()),
                   static_cast<int64_t>(v[1].get<uint64_t>()));
    } else if (k == "offset" || k == "limit") {
      if (!v.is_number_unsigned() || v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
        return bad("has an \"" + k + "\" that is not an integer >= 0");
      }
      (k == "offset" ? offset : limit) = v.get<uint64_t>();
    } else if (k == "start" || k == "end") {
      if (!v.is_object()) return bad("has a \"" + k + "\" that is not an offset object");
      // Offsets hold primitives (and, written by earlier releases, one list of primitives);
      // refuse anything deeper before the (recursive) re-serialisation below.
      for (const auto& member : v) {
        if (!member.is_structured()) continue;
        if (!member.is_array()) return bad("has a \"" + k + "\" that is not an offset object");
        for (const auto& e : member) {
          if (e.is_structured()) return bad("has a \"" + k + "\" that is not an offset object");
        }
      }
      (k == "start" ? range_start : range_end) = v;
    } else {
      std::string shown = k.size() > 40 ? k.substr(0, 37) + "..." : k;
      return bad("has an unknown key \"" + shown + "\"");
    }
  }
  if (!table_seen) return bad("names no table");
  if (!version) return bad("names no version");
  if (offset.has_value() != limit.has_value()) return bad("needs both \"offset\" and \"limit\"");
  if (limit && *limit == 0) return bad("has an empty page range");
  if (offset && fragment_ids) return bad("has both fragments and a page range");
  if (rows && (!fragment_ids || fragment_ids->size() != 1)) {
    return bad("has a row range without exactly one fragment");
  }
  if (range_start.has_value() != range_end.has_value()) {
    return bad("needs both \"start\" and \"end\"");
  }
  if (range_start && offset) return bad("has both a stream range and a page range");
  LF_ASSIGN_OR_RETURN(uint64_t pinned, PinnedVersion(table));
  if (*version > pinned) {
    return bad("names version " + std::to_string(*version) + " but the latest version is " +
               std::to_string(pinned));
  }
  if (offset && !source_->SupportsScanOffset()) {
    return bad("has a page range but this source reads no page ranges");
  }
  LF_ASSIGN_OR_RETURN(auto t, Resolve(source_.get(), table, *version, options, init_time_us_));
  source::ScanOptions so;
  if (fragment_ids) {
    auto listed = source_->ListFragments(table, *version);
    if (!listed.ok()) {
      if (listed.status().code() == StatusCode::kNotImplemented) {
        return bad("names fragments but this source has none");
      }
      return listed.status();
    }
    std::set<uint64_t> present, seen;
    for (const auto& f : *listed) present.insert(f.id);
    for (uint64_t id : *fragment_ids) {
      if (!present.count(id)) {
        return bad("names fragment " + std::to_string(id) + ", which version " +
                   std::to_string(*version) + " does not have");
      }
      if (!seen.insert(id).second) return bad("names fragment " + std::to_string(id) + " twice");
    }
    so.fragment_ids = *fragment_ids;
    if (rows) {
      so.fragment_row_begin = rows->first;
      so.fragment_row_end = rows->second;
    }
  }
  if (offset) {
    so.offset = static_cast<int64_t>(*offset);
    so.limit = static_cast<int64_t>(*limit);
  }
  so.columns = t.output_columns;
  so.version = *version;
  so.batch_rows = t.options.batch_size;
  std::unique_ptr<arrow::RecordBatchReader> reader;
  if (range_start) {
    if (t.type == IngestionType::kSnapshot) {
      return bad("holds a stream range but the table is read as a snapshot");
    }
    const std::string inner = "table " + Quote(table) + ": ";
    LF_ASSIGN_OR_RETURN(auto start,
                        ParseStartOffset(table, range_start->dump(), "partition start offset"));
    LF_ASSIGN_OR_RETURN(auto end,
                        ParseStartOffset(table, range_end->dump(), "partition end offset"));
    if (end.version != version) return bad("has an end offset of another version");
    LF_ASSIGN_OR_RETURN(auto from, StartPosition(t, start));
    LF_ASSIGN_OR_RETURN(auto last, EndPosition(t, end, inner));
    const expr::ColumnPath col{{*t.options.cursor_field}};
    so.filter = FilterText(UserFilterAnd(
        t, {LowerBound(t, from),
            BoundPredicate(col, *t.cursor_type, expr::CompareOp::kLe, last.at.cursor)}));
    LF_ASSIGN_OR_RETURN(auto scan, source_->OpenScan(table, so));
    reader = std::make_unique<RangeReader>(std::move(scan.reader), t, std::move(from),
                                           std::move(last));
  } else {
    so.filter = FilterText(t.options.filter);
    LF_ASSIGN_OR_RETURN(auto scan, source_->OpenScan(table, so));
    reader = std::move(scan.reader);
  }
  return ReadResult{std::make_unique<OutputReader>(std::move(reader), t.output_schema,
                                                   t.options.batch_size, table,
                                                   !t.options.uint64_as_decimal),
                    std::string()};
}

}  // namespace lanceflow::connect
