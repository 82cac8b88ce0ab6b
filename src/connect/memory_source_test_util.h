// An in-memory source::Source for connect tests: tables are lists of committed versions (each a
// schema and its rows); scans evaluate filters with the native evaluator, project, limit and cut
// batches like real sources, in a storage order the test chooses. Counters record the work done
// (scans, rows handed out, most rows in one batch) so tests can bound it.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "lanceflow/arrow/builder.h"
#include "lanceflow/arrow/take.h"
#include "lanceflow/expr/evaluate.h"
#include "lanceflow/expr/filter.h"
#include "lanceflow/source/source.h"

namespace lanceflow::connect::testing {

// One cell: null, a signed value (ints, dates, timestamps), unsigned, string, or an unscaled
// decimal128.
using Cell = std::variant<std::monostate, int64_t, uint64_t, std::string, __int128>;
using Row = std::vector<Cell>;

inline Result<arrow::RecordBatchPtr> MakeBatch(const arrow::SchemaPtr& schema,
                                               const std::vector<Row>& rows) {
  using arrow::TypeId;
  std::vector<arrow::ArrayDataPtr> cols;
  for (int c = 0; c < schema->num_fields(); ++c) {
    const auto& type = schema->field(c)->type;
    LF_ASSIGN_OR_RETURN(auto b, arrow::MakeBuilder(type));
    for (const auto& row : rows) {
      const Cell& v = row[static_cast<size_t>(c)];
      if (std::holds_alternative<std::monostate>(v)) {
        b->AppendNull();
        continue;
      }
      switch (type->id()) {
        case TypeId::kInt8:
          static_cast<arrow::Int8Builder*>(b.get())->Append(static_cast<int8_t>(std::get<int64_t>(v)));
          break;
        case TypeId::kInt16:
          static_cast<arrow::Int16Builder*>(b.get())->Append(static_cast<int16_t>(std::get<int64_t>(v)));
          break;
        case TypeId::kInt32: case TypeId::kDate32:
          static_cast<arrow::Int32Builder*>(b.get())->Append(static_cast<int32_t>(std::get<int64_t>(v)));
          break;
        case TypeId::kInt64: case TypeId::kDate64: case TypeId::kTimestamp:
          static_cast<arrow::Int64Builder*>(b.get())->Append(std::get<int64_t>(v));
          break;
        case TypeId::kUInt8:
          static_cast<arrow::UInt8Builder*>(b.get())->Append(static_cast<uint8_t>(std::get<uint64_t>(v)));
          break;
        case TypeId::kUInt32:
          static_cast<arrow::UInt32Builder*>(b.get())->Append(static_cast<uint32_t>(std::get<uint64_t>(v)));
          break;
        case TypeId::kUInt64:
          static_cast<arrow::UInt64Builder*>(b.get())->Append(std::get<uint64_t>(v));
          break;
        case TypeId::kUtf8:
          static_cast<arrow::StringBuilder*>(b.get())->Append(std::get<std::string>(v));
          break;
        case TypeId::kLargeUtf8:
          static_cast<arrow::LargeStringBuilder*>(b.get())->Append(std::get<std::string>(v));
          break;
        case TypeId::kDecimal128: {
          // Two's complement words, least significant first.
          const auto x = static_cast<unsigned __int128>(std::get<__int128>(v));
          const arrow::Decimal128 d{{static_cast<uint64_t>(x), static_cast<uint64_t>(x >> 64)}};
          static_cast<arrow::Decimal128Builder*>(b.get())->Append(d);
          break;
        }
        default:
          return Status::NotImplemented("MakeBatch: " + type->ToString());
      }
    }
    LF_ASSIGN_OR_RETURN(auto a, b->Finish());
    cols.push_back(std::move(a));
  }
  auto batch = std::make_shared<arrow::RecordBatch>(schema, static_cast<int64_t>(rows.size()),
                                                    std::move(cols));
  LF_RETURN_NOT_OK(batch->Validate());
  return batch;
}

class MemorySource : public source::Source {
 public:
  struct Stats {
    int64_t scans = 0;
    int64_t rows_out = 0;
    int64_t max_batch_rows = 0;
  };

  // Commits a new version of `table` holding `rows` (in this storage order), cut into batches of
  // `storage_batch` rows. Returns the version number (1, 2, ...).
  uint64_t Commit(const std::string& table, arrow::SchemaPtr schema, const std::vector<Row>& rows,
                  int64_t storage_batch = 7) {
    Version v;
    v.schema = schema;
    for (size_t i = 0; i < rows.size(); i += static_cast<size_t>(storage_batch)) {
      std::vector<Row> part(rows.begin() + static_cast<std::ptrdiff_t>(i),
                            rows.begin() + static_cast<std::ptrdiff_t>(
                                               std::min(rows.size(), i + static_cast<size_t>(storage_batch))));
      v.batches.push_back(*MakeBatch(schema, part));
    }
    tables_[table].push_back(std::move(v));
    return tables_[table].size();
  }

  Stats stats;

  Result<std::vector<std::string>> ListTables() override {
    std::vector<std::string> out;
    for (const auto& [k, v] : tables_) out.push_back(k);
    return out;
  }
  Result<source::TableDescription> Describe(const std::string& table,
                                            std::optional<uint64_t> version) override {
    LF_ASSIGN_OR_RETURN(auto* v, Find(table, version));
    return source::TableDescription{table, version.value_or(tables_[table].size()), v->schema};
  }
  Result<int64_t> CountRows(const std::string& table, const std::string& filter,
                            std::optional<uint64_t> version) override {
    source::ScanOptions o;
    o.filter = filter;
    o.version = version;
    LF_ASSIGN_OR_RETURN(auto scan, OpenScan(table, o));
    int64_t n = 0;
    while (true) {
      LF_ASSIGN_OR_RETURN(auto b, scan.reader->Next());
      if (!b) return n;
      n += b->num_rows();
    }
  }
  Result<std::vector<source::VersionInfo>> ListVersions(const std::string& table) override {
    LF_RETURN_NOT_OK(Find(table, std::nullopt).status());
    std::vector<source::VersionInfo> out;
    for (size_t i = 1; i <= tables_[table].size(); ++i) out.push_back({i, "2024-01-01T00:00:00Z"});
    return out;
  }

  Result<source::Scan> OpenScan(const std::string& table,
                                const source::ScanOptions& options) override {
    LF_ASSIGN_OR_RETURN(auto* v, Find(table, options.version));
    std::vector<int> cols;
    std::vector<arrow::FieldPtr> fields;
    if (options.columns.empty()) {
      for (int i = 0; i < v->schema->num_fields(); ++i) cols.push_back(i);
    } else {
      for (const auto& c : options.columns) {
        int i = v->schema->GetFieldIndex(c);
        if (i < 0) return Status::NotFound("table '" + table + "': no column '" + c + "'");
        cols.push_back(i);
      }
    }
    for (int i : cols) fields.push_back(v->schema->field(i));
    std::shared_ptr<expr::BoundFilter> filter;
    if (!options.filter.empty()) {
      LF_ASSIGN_OR_RETURN(auto parsed, expr::ParseFilter(options.filter));
      LF_ASSIGN_OR_RETURN(auto bound, expr::BindFilter(*parsed, *v->schema));
      filter = std::move(bound);
    }
    ++stats.scans;
    source::Scan scan;
    scan.version = options.version.value_or(tables_[table].size());
    scan.reader = std::make_unique<Reader>(
        v->batches, std::make_shared<arrow::Schema>(std::move(fields)), cols, filter,
        options.limit, options.batch_rows > 0 ? options.batch_rows : 5, &stats);
    return scan;
  }

 private:
  struct Version {
    arrow::SchemaPtr schema;
    std::vector<arrow::RecordBatchPtr> batches;
  };

  class Reader : public arrow::RecordBatchReader {
   public:
    Reader(std::vector<arrow::RecordBatchPtr> batches, arrow::SchemaPtr schema,
           std::vector<int> cols, std::shared_ptr<expr::BoundFilter> filter, int64_t limit,
           int64_t batch_rows, Stats* stats)
        : batches_(std::move(batches)), schema_(std::move(schema)), cols_(std::move(cols)),
          filter_(std::move(filter)), left_(limit < 0 ? INT64_MAX : limit),
          batch_rows_(batch_rows), stats_(stats) {}
    arrow::SchemaPtr schema() const override { return schema_; }
    Result<arrow::RecordBatchPtr> Next() override {
      while (left_ > 0) {
        arrow::RecordBatchPtr b;
        if (!pending_.empty()) {
          b = pending_.front();
          pending_.erase(pending_.begin());
        } else if (next_ < batches_.size()) {
          b = batches_[next_++];
          if (filter_) {
            LF_ASSIGN_OR_RETURN(auto sel, filter_->Evaluate(*b));
            LF_ASSIGN_OR_RETURN(b, expr::ApplySelection(b, sel));
          }
          if (b->num_rows() == 0) continue;
          std::vector<arrow::ArrayDataPtr> out;
          for (int c : cols_) out.push_back(b->column(c));
          b = std::make_shared<arrow::RecordBatch>(schema_, b->num_rows(), std::move(out));
        } else {
          break;
        }
        const int64_t n = std::min({b->num_rows(), left_, batch_rows_});
        // Rows beyond batch_rows come back in the next call, before later storage batches.
        if (n < b->num_rows()) pending_.insert(pending_.begin(), b->Slice(n, b->num_rows() - n));
        return Emit(n < b->num_rows() ? b->Slice(0, n) : b);
      }
      return arrow::RecordBatchPtr{};
    }

   private:
    Result<arrow::RecordBatchPtr> Emit(arrow::RecordBatchPtr b) {
      left_ -= b->num_rows();
      stats_->rows_out += b->num_rows();
      stats_->max_batch_rows = std::max(stats_->max_batch_rows, b->num_rows());
      return b;
    }
    std::vector<arrow::RecordBatchPtr> batches_;
    arrow::SchemaPtr schema_;
    std::vector<int> cols_;
    std::shared_ptr<expr::BoundFilter> filter_;
    int64_t left_;
    int64_t batch_rows_;
    Stats* stats_;
    size_t next_ = 0;
    std::vector<arrow::RecordBatchPtr> pending_;
  };

  Result<const Version*> Find(const std::string& table, std::optional<uint64_t> version) {
    auto it = tables_.find(table);
    if (it == tables_.end() || it->second.empty()) {
      return Status::NotFound("table '" + table + "' not found");
    }
    uint64_t v = version.value_or(it->second.size());
    if (v < 1 || v > it->second.size()) {
      return Status::NotFound("table '" + table + "' has no version " + std::to_string(v));
    }
    return &it->second[v - 1];
  }

  std::map<std::string, std::vector<Version>> tables_;
};

}  // namespace lanceflow::connect::testing
