#include "lanceflow/lance/local_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <future>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "lanceflow/arrow/builder.h"
#include "lanceflow/core/thread_pool.h"
#include "lanceflow/lance/field_reader.h"
#include "lanceflow/lance/legacy_file.h"
#include "lanceflow/lance/row_ids.h"
#include "dictionary_reader.h"
#include "local_fs.h"
#include "scan_filter.h"

namespace lanceflow::lance {
namespace {

constexpr int64_t kDefaultBatchRows = 8192;

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

enum class Hidden : uint8_t { kNone, kRowId, kRowAddr, kCreatedAt, kUpdatedAt };

Hidden HiddenKind(const std::string& name) {
  if (name == kRowIdColumn) return Hidden::kRowId;
  if (name == kRowAddrColumn) return Hidden::kRowAddr;
  if (name == kRowCreatedAtColumn) return Hidden::kCreatedAt;
  if (name == kRowUpdatedAtColumn) return Hidden::kUpdatedAt;
  return Hidden::kNone;
}

std::string FormatTimestamp(int64_t nanos) {
  int64_t secs = nanos / 1000000000;
  int64_t micros = (nanos % 1000000000) / 1000;
  if (micros < 0) {
    micros += 1000000;
    secs -= 1;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(micros));
  return buf;
}

// One column of the working batch: a top-level field of the table or a hidden column.
struct WorkColumn {
  Hidden hidden = Hidden::kNone;
  int field_index = -1;  // top-level index in the dataset schema (hidden: -1)
  const LanceField* lance_field = nullptr;
  std::set<int32_t> subtree_ids;  // field ids of the column and everything below it
  arrow::FieldPtr field;
};

struct ScanPlan {
  std::shared_ptr<const Dataset> dataset;
  std::string table;
  std::vector<WorkColumn> work;
  arrow::SchemaPtr work_schema;
  arrow::SchemaPtr output_schema;
  std::vector<int> output_index;  // output column i = work column output_index[i]
  std::unique_ptr<ScanFilter> filter;
  std::vector<int> filter_columns;        // work columns the filter reads
  std::vector<bool> is_filter_column;     // per work column
  arrow::SchemaPtr filter_schema;         // the fields of filter_columns
  int64_t limit = -1;
  int64_t batch_rows = kDefaultBatchRows;
  bool stable_row_ids = false;
  std::shared_ptr<const RowSelection> selection;  // null = every row
};

// The decoding state of one fragment.
struct FragmentState {
  const Fragment* fragment = nullptr;
  uint64_t num_rows = 0;
  DeletionVector deletions;
  const std::vector<uint32_t>* selected = nullptr;  // null = every row
  std::vector<uint64_t> row_ids;      // stable row ids, when needed
  std::vector<uint64_t> created_at;   // when needed
  std::vector<uint64_t> updated_at;   // when needed
  // One per work column; null for hidden columns and for fields no data file holds.
  std::vector<std::unique_ptr<FieldReader>> readers;
  uint64_t pos = 0;
};

struct OpenFile {
  std::shared_ptr<LocalFile> file;
  std::shared_ptr<const DataFileMetadata> metadata;      // 2.x files
  std::shared_ptr<const LegacyFileMetadata> legacy;      // legacy (0.1) files
  uint64_t num_rows() const { return metadata ? metadata->num_rows : legacy->num_rows; }
};

bool IsLegacy(const DataFile& df) { return df.file_major_version == 0 && df.file_minor_version < 3; }

Result<std::unique_ptr<FieldReader>> MakeReader(const ScanPlan& plan, const DataFile& df,
                                                const OpenFile& of, const WorkColumn& col) {
  FieldReadSpec spec;
  spec.table = plan.table;
  spec.file_name = "data/" + df.path;
  spec.fields = &plan.dataset->manifest().fields;
  spec.field = col.lance_field;
  spec.arrow_field = col.field;
  for (size_t j = 0; j < df.fields.size() && j < df.column_indices.size(); ++j) {
    if (df.fields[j] >= 0 && df.column_indices[j] >= 0 && col.subtree_ids.count(df.fields[j])) {
      spec.columns.emplace_back(df.fields[j], df.column_indices[j]);
    }
  }
  std::shared_ptr<LocalFile> file = of.file;
  spec.read_range = [file](int64_t offset, int64_t length) {
    return file->ReadRange(offset, length);
  };
  const std::string where = "table " + Quoted(plan.table) + ": data file " +
                            Quoted(spec.file_name);
  const uint32_t major = df.file_major_version, minor = df.file_minor_version;
  if (major == 2 && minor == 0) {
    spec.num_rows = of.metadata->num_rows;
    return MakeV20FieldReader(of.metadata, std::move(spec));
  }
  if (major == 2 && (minor == 1 || minor == 2)) {
    spec.num_rows = of.metadata->num_rows;
    if (col.field->type->id() == arrow::TypeId::kDictionary) {
      // 2.1+ files store a dictionary column's values; decode those and re-encode.
      const arrow::DataTypePtr dict_type = col.field->type;
      spec.arrow_field = arrow::MakeField(col.field->name, dict_type->value_type(),
                                          col.field->nullable);
      LF_ASSIGN_OR_RETURN(auto inner, MakeV21FieldReader(of.metadata, std::move(spec)));
      return WrapAsDictionary(std::move(inner), dict_type);
    }
    return MakeV21FieldReader(of.metadata, std::move(spec));
  }
  if (IsLegacy(df)) {
    spec.columns.clear();
    spec.num_rows = of.legacy->num_rows;
    return MakeLegacyFieldReader(of.legacy, std::move(spec));
  }
  return Status::NotImplemented(where + ": data file format " + std::to_string(major) + "." +
                                std::to_string(minor) +
                                " is not supported (supported: 2.0, 2.1, 2.2)");
}

class LocalScanReader : public arrow::RecordBatchReader {
 public:
  explicit LocalScanReader(ScanPlan plan) : plan_(std::move(plan)) {}

  ~LocalScanReader() override {
    // Tasks reference the fragment state; wait for them before it goes away.
    for (auto& f : pending_.futures) {
      if (f.valid()) f.wait();
    }
  }

  arrow::SchemaPtr schema() const override { return plan_.output_schema; }

  Result<arrow::RecordBatchPtr> Next() override {
    for (;;) {
      if (done_) return arrow::RecordBatchPtr();
      if (!pending_.started) {
        LF_RETURN_NOT_OK(Fail(Start(&pending_)));
        if (!pending_.started) {
          done_ = true;
          return arrow::RecordBatchPtr();
        }
      }
      Pending current = std::move(pending_);
      pending_ = Pending();
      std::vector<arrow::ArrayDataPtr> columns(plan_.work.size());
      LF_RETURN_NOT_OK(Fail(Gather(&current.futures, &columns)));
      // Decode the next batch while this one is assembled and consumed.
      if (!LimitReached()) LF_RETURN_NOT_OK(Fail(Start(&pending_)));
      auto batch = Assemble(current, std::move(columns));
      LF_RETURN_NOT_OK(Fail(batch.status()));
      if (*batch && (*batch)->num_rows() > 0) {
        emitted_ += (*batch)->num_rows();
        if (LimitReached()) {
          // Drop the prefetched batch: nothing more is needed.
          for (auto& f : pending_.futures) {
            if (f.valid()) f.wait();
          }
          pending_ = Pending();
          done_ = true;
        }
        return *batch;
      }
      if (LimitReached()) {
        done_ = true;
        return arrow::RecordBatchPtr();
      }
    }
  }

 private:
  using Futures = std::vector<std::future<Result<arrow::ArrayDataPtr>>>;

  struct Pending {
    bool started = false;
    std::shared_ptr<FragmentState> state;
    uint64_t begin = 0, end = 0;
    Futures futures;  // one slot per work column; valid for the columns read ahead
  };

  Status Fail(Status st) {
    if (!st.ok()) done_ = true;
    return st;
  }

  // Waits for every submitted read; fills `columns` and returns the first error.
  static Status Gather(Futures* futures, std::vector<arrow::ArrayDataPtr>* columns) {
    Status first_error;
    for (size_t i = 0; i < futures->size(); ++i) {
      if (!(*futures)[i].valid()) continue;
      auto r = (*futures)[i].get();
      if (!r.ok()) {
        if (first_error.ok()) first_error = r.status();
      } else {
        (*columns)[i] = std::move(r).value();
      }
    }
    return first_error;
  }

  bool LimitReached() const { return plan_.limit >= 0 && emitted_ >= plan_.limit; }

  // Columns read ahead for every batch: all of them without a filter; with one, only those the
  // filter reads (the others are read afterwards, for the rows it selects).
  bool ReadAhead(size_t i) const { return !plan_.filter || plan_.is_filter_column[i]; }

  // Picks the next row range and submits its column reads. Leaves `p->started` false at the
  // end of the table.
  Status Start(Pending* p) {
    for (;;) {
      if (!state_ || state_->pos >= state_->num_rows) {
        if (next_fragment_ >= plan_.dataset->fragments().size()) return Status::OK();
        const Fragment& frag = plan_.dataset->fragments()[next_fragment_];
        ++next_fragment_;
        const std::vector<uint32_t>* selected = nullptr;
        if (plan_.selection) {
          auto it = plan_.selection->fragments.find(frag.id);
          if (it == plan_.selection->fragments.end()) continue;
          if (it->second) {
            if (it->second->empty()) continue;
            selected = &*it->second;
          }
        }
        LF_ASSIGN_OR_RETURN(state_, OpenFragment(frag));
        state_->selected = selected;
        continue;
      }
      uint64_t begin = state_->pos;
      if (state_->selected) {
        // Jump to the next selected row.
        const auto& sel = *state_->selected;
        auto it = std::lower_bound(sel.begin(), sel.end(), begin);
        if (it == sel.end() || *it >= state_->num_rows) {
          state_->pos = state_->num_rows;
          continue;
        }
        begin = *it;
      }
      uint64_t rows = static_cast<uint64_t>(plan_.batch_rows);
      if (plan_.limit >= 0 && !plan_.filter && state_->deletions.empty() && !state_->selected) {
        // Without filter or deletions every row is emitted: read no more than needed.
        rows = std::min<uint64_t>(rows, static_cast<uint64_t>(
                                            std::max<int64_t>(plan_.limit - emitted_, 1)));
      }
      uint64_t end = std::min(state_->num_rows, begin + rows);
      state_->pos = end;
      if (AllDeleted(*state_, begin, end)) continue;
      p->started = true;
      p->state = state_;
      p->begin = begin;
      p->end = end;
      p->futures.resize(plan_.work.size());
      for (size_t i = 0; i < plan_.work.size(); ++i) {
        FieldReader* reader = state_->readers[i].get();
        if (reader == nullptr || !ReadAhead(i)) continue;
        p->futures[i] = ThreadPool::Default().Submit(
            [reader, begin, end] { return reader->Read(begin, end); });
      }
      return Status::OK();
    }
  }

  static bool AllDeleted(const FragmentState& s, uint64_t begin, uint64_t end) {
    if (s.selected) {
      const auto& sel = *s.selected;
      for (auto it = std::lower_bound(sel.begin(), sel.end(), begin);
           it != sel.end() && *it < end; ++it) {
        if (!s.deletions.Contains(*it)) return false;
      }
      return true;
    }
    const auto& d = s.deletions.offsets();
    auto lo = std::lower_bound(d.begin(), d.end(), static_cast<uint32_t>(begin));
    auto hi = std::lower_bound(d.begin(), d.end(), static_cast<uint32_t>(end));
    return static_cast<uint64_t>(hi - lo) == end - begin;
  }

  Result<std::shared_ptr<FragmentState>> OpenFragment(const Fragment& frag) {
    auto s = std::make_shared<FragmentState>();
    s->fragment = &frag;
    const std::string where = "table " + Quoted(plan_.table) + ": fragment " +
                              std::to_string(frag.id);
    std::map<std::string, OpenFile> files;
    auto open_file = [&](const DataFile& df) -> Result<const OpenFile*> {
      auto it = files.find(df.path);
      if (it != files.end()) return &it->second;
      LF_ASSIGN_OR_RETURN(std::string path, plan_.dataset->DataFilePath(df));
      OpenFile of;
      LF_ASSIGN_OR_RETURN(of.file, LocalFile::Open(path));
      auto file = of.file;
      ReadRangeFunction read = [file](int64_t offset, int64_t length) {
        return file->ReadRange(offset, length);
      };
      const std::string name =
          "table " + Quoted(plan_.table) + ": data file " + Quoted("data/" + df.path);
      if (IsLegacy(df)) {
        LF_ASSIGN_OR_RETURN(of.legacy, ReadLegacyFileMetadata(file->size(), read, name));
      } else {
        auto md = ReadDataFileMetadata(file->size(), read, name);
        if (!md.ok()) return md.status();
        of.metadata = std::make_shared<const DataFileMetadata>(std::move(md).value());
      }
      return &files.emplace(df.path, std::move(of)).first->second;
    };

    s->num_rows = frag.physical_rows;
    if (s->num_rows == 0 && !frag.files.empty()) {
      LF_ASSIGN_OR_RETURN(const OpenFile* of, open_file(frag.files[0]));
      s->num_rows = of->num_rows();
    }
    LF_ASSIGN_OR_RETURN(s->deletions, plan_.dataset->ReadDeletions(frag));

    s->readers.resize(plan_.work.size());
    for (size_t i = 0; i < plan_.work.size(); ++i) {
      const WorkColumn& col = plan_.work[i];
      switch (col.hidden) {
        case Hidden::kNone:
          break;
        case Hidden::kRowId:
          if (plan_.stable_row_ids && s->row_ids.empty() && s->num_rows > 0) {
            if (frag.row_id_sequence.empty()) {
              return Status::Corrupt(where + " has no row ids although the table uses "
                                     "stable row ids");
            }
            LF_ASSIGN_OR_RETURN(s->row_ids, DecodeRowIdSequence(frag.row_id_sequence, s->num_rows,
                                                                &s->deletions, where + " row ids"));
          }
          continue;
        case Hidden::kCreatedAt:
          if (s->created_at.empty() && s->num_rows > 0) {
            LF_ASSIGN_OR_RETURN(s->created_at,
                                DecodeRowVersionSequence(frag.created_at_versions, s->num_rows, 1,
                                                         &s->deletions,
                                                         where + " created-at versions"));
          }
          continue;
        case Hidden::kUpdatedAt:
          if (s->updated_at.empty() && s->num_rows > 0) {
            LF_ASSIGN_OR_RETURN(
                s->updated_at,
                DecodeRowVersionSequence(frag.last_updated_at_versions, s->num_rows, 1,
                                         &s->deletions, where + " last-updated-at versions"));
          }
          continue;
        case Hidden::kRowAddr:
          continue;
      }
      // The data file holding this column (the last one wins if a field was rewritten).
      const DataFile* holder = nullptr;
      for (const DataFile& df : frag.files) {
        for (int32_t id : df.fields) {
          if (id >= 0 && col.subtree_ids.count(id)) holder = &df;
        }
      }
      if (holder == nullptr) continue;  // column added later: all null in this fragment
      LF_ASSIGN_OR_RETURN(const OpenFile* of, open_file(*holder));
      if (of->num_rows() != s->num_rows) {
        return Status::Corrupt(where + ": data file " + Quoted("data/" + holder->path) +
                               " has " + std::to_string(of->num_rows()) +
                               " rows, the fragment " + std::to_string(s->num_rows));
      }
      LF_ASSIGN_OR_RETURN(s->readers[i], MakeReader(plan_, *holder, *of, col));
    }
    return s;
  }

  Result<arrow::ArrayDataPtr> HiddenArray(const WorkColumn& col, const FragmentState& s,
                                          uint64_t begin, uint64_t end) {
    const int64_t n = static_cast<int64_t>(end - begin);
    BufferBuilder values;
    values.Resize(n * 8);
    auto* out = values.mutable_data_as<uint64_t>();
    const uint64_t frag_base = s.fragment->id << 32;
    switch (col.hidden) {
      case Hidden::kRowAddr:
        for (int64_t i = 0; i < n; ++i) out[i] = frag_base | (begin + static_cast<uint64_t>(i));
        break;
      case Hidden::kRowId:
        if (plan_.stable_row_ids) {
          std::copy(s.row_ids.begin() + static_cast<int64_t>(begin),
                    s.row_ids.begin() + static_cast<int64_t>(end), out);
        } else {
          for (int64_t i = 0; i < n; ++i) out[i] = frag_base | (begin + static_cast<uint64_t>(i));
        }
        break;
      case Hidden::kCreatedAt:
        std::copy(s.created_at.begin() + static_cast<int64_t>(begin),
                  s.created_at.begin() + static_cast<int64_t>(end), out);
        break;
      case Hidden::kUpdatedAt:
        std::copy(s.updated_at.begin() + static_cast<int64_t>(begin),
                  s.updated_at.begin() + static_cast<int64_t>(end), out);
        break;
      case Hidden::kNone:
        break;
    }
    auto data = std::make_shared<arrow::ArrayData>();
    data->type = arrow::uint64();
    data->length = n;
    data->null_count = 0;
    data->buffers = {nullptr, values.Finish()};
    return arrow::ArrayDataPtr(std::move(data));
  }

  Result<arrow::RecordBatchPtr> Assemble(const Pending& p,
                                         std::vector<arrow::ArrayDataPtr> columns) {
    const FragmentState& s = *p.state;
    const int64_t n = static_cast<int64_t>(p.end - p.begin);
    auto check_length = [&](size_t i, int64_t expected) -> Status {
      if (columns[i]->length != expected) {
        return Status::Corrupt("table " + Quoted(plan_.table) + ": column " +
                               Quoted(plan_.work[i].field->name) + " decoded " +
                               std::to_string(columns[i]->length) + " rows, expected " +
                               std::to_string(expected));
      }
      return Status::OK();
    };
    // Hidden columns, fields absent from this fragment, and the columns read ahead.
    for (size_t i = 0; i < plan_.work.size(); ++i) {
      const WorkColumn& col = plan_.work[i];
      if (col.hidden != Hidden::kNone) {
        LF_ASSIGN_OR_RETURN(columns[i], HiddenArray(col, s, p.begin, p.end));
      } else if (!s.readers[i]) {
        LF_ASSIGN_OR_RETURN(columns[i], arrow::MakeArrayOfNulls(col.field->type, n));
      } else if (columns[i]) {
        LF_RETURN_NOT_OK(check_length(i, n));
      }
    }

    // Rows to keep: live rows, then those the filter selects.
    std::vector<int64_t> keep;
    bool keep_all = true;
    if (s.selected) {
      keep_all = false;
      const auto& sel = *s.selected;
      for (auto it = std::lower_bound(sel.begin(), sel.end(), p.begin);
           it != sel.end() && *it < p.end; ++it) {
        if (!s.deletions.Contains(*it)) keep.push_back(static_cast<int64_t>(*it - p.begin));
      }
      if (keep.empty()) return arrow::RecordBatchPtr();
    } else {
      const auto& d = s.deletions.offsets();
      auto it = std::lower_bound(d.begin(), d.end(), static_cast<uint32_t>(p.begin));
      if (it != d.end() && *it < p.end) {
        keep_all = false;
        keep.reserve(static_cast<size_t>(n));
        for (uint64_t r = p.begin; r < p.end; ++r) {
          if (it != d.end() && *it == r) {
            ++it;
            continue;
          }
          keep.push_back(static_cast<int64_t>(r - p.begin));
        }
      }
    }
    // Columns read after the filter cover rows [shift, ...) of the batch only.
    int64_t shift = 0;
    if (plan_.filter) {
      std::vector<arrow::ArrayDataPtr> filter_columns;
      for (int i : plan_.filter_columns) filter_columns.push_back(columns[static_cast<size_t>(i)]);
      arrow::RecordBatch filter_batch(plan_.filter_schema, n, std::move(filter_columns));
      if (keep_all) {
        keep.resize(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) keep[static_cast<size_t>(i)] = i;
        keep_all = false;
      }
      LF_RETURN_NOT_OK(plan_.filter->Select(filter_batch, &keep));
      if (keep.empty()) return arrow::RecordBatchPtr();
    }
    if (plan_.limit >= 0) {
      const auto remaining = static_cast<uint64_t>(plan_.limit - emitted_);
      if (keep_all && static_cast<uint64_t>(n) > remaining) {
        keep.resize(remaining);
        for (uint64_t i = 0; i < remaining; ++i) keep[i] = static_cast<int64_t>(i);
        keep_all = false;
      } else if (!keep_all && keep.size() > remaining) {
        keep.resize(remaining);
      }
    }
    if (plan_.filter) {
      // Late materialisation: read the remaining columns for the selected span only.
      shift = keep.front();
      const uint64_t lo = p.begin + static_cast<uint64_t>(keep.front());
      const uint64_t hi = p.begin + static_cast<uint64_t>(keep.back()) + 1;
      Futures futures(plan_.work.size());
      for (size_t i = 0; i < plan_.work.size(); ++i) {
        FieldReader* reader = s.readers[i].get();
        if (reader == nullptr || columns[i]) continue;
        futures[i] = ThreadPool::Default().Submit(
            [reader, lo, hi] { return reader->Read(lo, hi); });
      }
      LF_RETURN_NOT_OK(Gather(&futures, &columns));
      for (size_t i = 0; i < plan_.work.size(); ++i) {
        if (s.readers[i] && !ReadAhead(i)) {
          LF_RETURN_NOT_OK(check_length(i, static_cast<int64_t>(hi - lo)));
        }
      }
    }
    std::vector<int64_t> shifted;
    std::vector<arrow::ArrayDataPtr> out;
    out.reserve(plan_.output_index.size());
    const int64_t rows = keep_all ? n : static_cast<int64_t>(keep.size());
    for (int idx : plan_.output_index) {
      const auto i = static_cast<size_t>(idx);
      arrow::ArrayDataPtr col = columns[i];
      if (!keep_all) {
        const bool late = plan_.filter && s.readers[i] && !ReadAhead(i);
        if (late && shift != 0) {
          if (shifted.empty()) {
            shifted.resize(keep.size());
            for (size_t j = 0; j < keep.size(); ++j) shifted[j] = keep[j] - shift;
          }
          LF_ASSIGN_OR_RETURN(col, TakeRows(col, shifted));
        } else {
          LF_ASSIGN_OR_RETURN(col, TakeRows(col, keep));
        }
      }
      out.push_back(std::move(col));
    }
    return std::make_shared<arrow::RecordBatch>(plan_.output_schema, rows, std::move(out));
  }

  ScanPlan plan_;
  size_t next_fragment_ = 0;
  std::shared_ptr<FragmentState> state_;
  Pending pending_;
  int64_t emitted_ = 0;
  bool done_ = false;
};

// Ids of `top` and every field below it in the pre-order flattened schema.
std::set<int32_t> SubtreeIds(const std::vector<LanceField>& fields, const LanceField& top) {
  std::set<int32_t> ids{top.id};
  for (const LanceField& f : fields) {
    if (ids.count(f.parent_id)) ids.insert(f.id);
  }
  return ids;
}

Status CheckDataFormat(const Dataset& ds, const std::string& table) {
  const std::string& v = ds.manifest().data_format_version;
  static const std::set<std::string> kKnown = {"", "0.1", "0.2", "0.3", "2.0", "2.1", "2.2"};
  if (!kKnown.count(v)) {
    return Status::NotImplemented("table " + Quoted(table) + " version " +
                                  std::to_string(ds.version()) + ": Lance data format " + v +
                                  " is not supported (supported: legacy 0.1, 2.0, 2.1, 2.2)");
  }
  return Status::OK();
}

}  // namespace

bool IsHiddenColumn(const std::string& name) { return HiddenKind(name) != Hidden::kNone; }

Result<std::unique_ptr<LocalSource>> LocalSource::Open(const std::string& path) {
  std::string dir = path;
  if (dir.rfind("file://", 0) == 0) {
    dir = dir.substr(7);
    if (dir.empty() || dir[0] != '/') {
      return Status::Invalid("file:// source must name an absolute path, got '" + path + "'");
    }
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::NotFound("source directory '" + dir + "' does not exist");
  }
  return std::unique_ptr<LocalSource>(new LocalSource(dir));
}

Result<std::vector<std::string>> LocalSource::ListTables() { return db_.TableNames(); }

Result<std::shared_ptr<const Dataset>> LocalSource::OpenDataset(const std::string& table,
                                                                std::optional<uint64_t> version) {
  LF_ASSIGN_OR_RETURN(auto ds, db_.OpenTable(table, version));
  LF_RETURN_NOT_OK(CheckDataFormat(*ds, table));
  return ds;
}

Result<source::TableDescription> LocalSource::Describe(const std::string& table,
                                                       std::optional<uint64_t> version) {
  LF_ASSIGN_OR_RETURN(auto ds, OpenDataset(table, version));
  source::TableDescription d;
  d.name = table;
  d.version = ds->version();
  d.schema = ds->schema();
  return d;
}

Result<int64_t> LocalSource::CountRows(const std::string& table, const std::string& filter,
                                       std::optional<uint64_t> version) {
  LF_ASSIGN_OR_RETURN(auto ds, OpenDataset(table, version));
  bool known = filter.empty();
  int64_t total = 0;
  for (const Fragment& f : ds->fragments()) {
    if (f.physical_rows == 0 || (f.deletion_file && f.deletion_file->num_deleted_rows == 0)) {
      known = false;
    }
    total += static_cast<int64_t>(f.physical_rows - f.num_deleted_rows());
  }
  if (known) return total;
  // Count by scanning only the columns the filter needs.
  source::ScanOptions opts;
  opts.filter = filter;
  opts.columns = {kRowAddrColumn};
  LF_ASSIGN_OR_RETURN(auto reader, OpenDatasetScan(ds, table, opts));
  int64_t n = 0;
  for (;;) {
    LF_ASSIGN_OR_RETURN(auto batch, reader->Next());
    if (!batch) break;
    n += batch->num_rows();
  }
  return n;
}

Result<std::vector<source::VersionInfo>> LocalSource::ListVersions(const std::string& table) {
  LF_ASSIGN_OR_RETURN(auto ds, OpenDataset(table, std::nullopt));
  LF_ASSIGN_OR_RETURN(auto versions, Dataset::ListVersions(ds->path()));
  std::vector<source::VersionInfo> out;
  for (const auto& v : versions) out.push_back({v.version, FormatTimestamp(v.timestamp_nanos)});
  return out;
}

Result<source::Scan> LocalSource::OpenScan(const std::string& table,
                                           const source::ScanOptions& options) {
  if (options.offset != 0) {
    return Status::NotImplemented("table " + Quoted(table) +
                                  ": local scans do not skip rows by offset (restrict them to "
                                  "fragments instead)");
  }
  LF_ASSIGN_OR_RETURN(auto ds, OpenDataset(table, options.version));
  std::shared_ptr<RowSelection> selection;
  if (!options.fragment_ids.empty()) {
    selection = std::make_shared<RowSelection>();
    std::set<uint64_t> present;
    for (const Fragment& f : ds->fragments()) present.insert(f.id);
    for (uint64_t id : options.fragment_ids) {
      if (!present.count(id)) {
        return Status::NotFound("table " + Quoted(table) + " version " +
                                std::to_string(ds->version()) + " has no fragment " +
                                std::to_string(id));
      }
      selection->fragments.emplace(id, std::nullopt);
    }
  }
  if (options.fragment_row_begin != 0 || options.fragment_row_end != -1) {
    if (options.fragment_ids.size() != 1 || options.fragment_row_begin < 0 ||
        (options.fragment_row_end != -1 && options.fragment_row_end < options.fragment_row_begin)) {
      return Status::Invalid("table " + Quoted(table) +
                             ": a fragment row range needs exactly one fragment and 0 <= begin "
                             "<= end");
    }
    const uint64_t id = options.fragment_ids[0];
    uint64_t physical = 0;
    for (const Fragment& f : ds->fragments()) {
      if (f.id == id) physical = f.physical_rows;
    }
    const uint64_t begin = std::min<uint64_t>(static_cast<uint64_t>(options.fragment_row_begin),
                                              physical);
    const uint64_t end =
        options.fragment_row_end < 0
            ? physical
            : std::min<uint64_t>(static_cast<uint64_t>(options.fragment_row_end), physical);
    if (end > uint64_t{UINT32_MAX} + 1) {
      return Status::NotImplemented("table " + Quoted(table) + ": fragment " +
                                    std::to_string(id) + " has more than 2^32 rows");
    }
    std::vector<uint32_t> rows;
    rows.reserve(end - begin);
    for (uint64_t r = begin; r < end; ++r) rows.push_back(static_cast<uint32_t>(r));
    selection->fragments[id] = std::move(rows);
  }
  source::Scan scan;
  scan.version = ds->version();
  LF_ASSIGN_OR_RETURN(scan.reader,
                      OpenDatasetScan(std::move(ds), table, options, std::move(selection)));
  return scan;
}

Result<std::vector<source::FragmentInfo>> LocalSource::ListFragments(const std::string& table,
                                                                     uint64_t version) {
  LF_ASSIGN_OR_RETURN(auto ds, OpenDataset(table, version));
  std::vector<source::FragmentInfo> out;
  for (const Fragment& f : ds->fragments()) {
    source::FragmentInfo info;
    info.id = f.id;
    info.physical_rows = static_cast<int64_t>(std::min<uint64_t>(f.physical_rows, INT64_MAX));
    info.deleted_rows = static_cast<int64_t>(
        std::min<uint64_t>(f.num_deleted_rows(), static_cast<uint64_t>(info.physical_rows)));
    out.push_back(info);
  }
  return out;
}

namespace {

// Same fragment in two versions: same id and same first data file (overwrites may reuse ids).
bool SameFragment(const Fragment& a, const Fragment& b) {
  if (a.id != b.id || a.files.size() != b.files.size()) return false;
  return a.files.empty() || a.files[0].path == b.files[0].path;
}

bool SameDeletionFile(const std::optional<DeletionFileRef>& a,
                      const std::optional<DeletionFileRef>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->type == b->type && a->read_version == b->read_version && a->id == b->id &&
                a->base_id == b->base_id);
}

// Offsets in `a` and not in `b` (both sorted).
std::vector<uint32_t> Minus(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

Result<source::Scan> LocalSource::OpenChangeScan(const std::string& table, uint64_t from_version,
                                                 uint64_t to_version, source::RowChange side,
                                                 const source::ScanOptions& options) {
  if (from_version > to_version) {
    return Status::Invalid("table " + Quoted(table) + ": change scan from version " +
                           std::to_string(from_version) + " to the older version " +
                           std::to_string(to_version));
  }
  LF_ASSIGN_OR_RETURN(auto from, OpenDataset(table, from_version));
  LF_ASSIGN_OR_RETURN(auto to, OpenDataset(table, to_version));
  const bool removed = side == source::RowChange::kRemoved;
  // Rows live on `read` whose place is not live on `other`.
  const Dataset& read = removed ? *from : *to;
  const Dataset& other = removed ? *to : *from;
  std::map<uint64_t, const Fragment*> other_by_id;
  for (const Fragment& f : other.fragments()) other_by_id.emplace(f.id, &f);
  auto selection = std::make_shared<RowSelection>();
  for (const Fragment& f : read.fragments()) {
    auto it = other_by_id.find(f.id);
    if (it == other_by_id.end() || !SameFragment(f, *it->second)) {
      selection->fragments.emplace(f.id, std::nullopt);
      continue;
    }
    const Fragment& g = *it->second;
    if (SameDeletionFile(f.deletion_file, g.deletion_file)) continue;
    LF_ASSIGN_OR_RETURN(DeletionVector read_del, read.ReadDeletions(f));
    LF_ASSIGN_OR_RETURN(DeletionVector other_del, other.ReadDeletions(g));
    auto gone = Minus(other_del.offsets(), read_del.offsets());
    if (!gone.empty()) selection->fragments.emplace(f.id, std::move(gone));
  }
  source::Scan scan;
  scan.version = read.version();
  LF_ASSIGN_OR_RETURN(scan.reader,
                      OpenDatasetScan(removed ? from : to, table, options, std::move(selection)));
  return scan;
}

Result<std::unique_ptr<arrow::RecordBatchReader>> OpenDatasetScan(
    std::shared_ptr<const Dataset> dataset, const std::string& table,
    const source::ScanOptions& options, std::shared_ptr<const RowSelection> selection) {
  ScanPlan plan;
  plan.dataset = dataset;
  plan.selection = std::move(selection);
  plan.table = table;
  plan.limit = options.limit;
  plan.batch_rows = options.batch_rows > 0 ? options.batch_rows : kDefaultBatchRows;
  plan.stable_row_ids = (dataset->manifest().reader_feature_flags & kFlagStableRowIds) != 0;
  const arrow::Schema& schema = *dataset->schema();
  const auto& fields = dataset->manifest().fields;

  std::map<std::string, int> work_index;
  auto add_work = [&](const std::string& name) -> Result<int> {
    auto it = work_index.find(name);
    if (it != work_index.end()) return it->second;
    WorkColumn col;
    col.hidden = HiddenKind(name);
    if (col.hidden != Hidden::kNone) {
      // Nullable, as the engine describes them.
      col.field = arrow::MakeField(name, arrow::uint64(), /*nullable=*/true);
    } else {
      int i = schema.GetFieldIndex(name);
      if (i < 0) return Status::NotFound("table " + Quoted(table) + " has no column " + Quoted(name));
      col.field_index = i;
      col.field = schema.field(i);
      for (const LanceField& f : fields) {
        if (f.parent_id == -1 && !f.arrow_path.empty() && f.arrow_path[0] == i) {
          col.lance_field = &f;
        }
      }
      if (col.lance_field == nullptr) {
        return Status::Corrupt("table " + Quoted(table) + ": column " + Quoted(name) +
                               " is missing from the manifest schema");
      }
      col.subtree_ids = SubtreeIds(fields, *col.lance_field);
    }
    int idx = static_cast<int>(plan.work.size());
    plan.work.push_back(std::move(col));
    work_index.emplace(name, idx);
    return idx;
  };

  std::vector<std::string> names = options.columns;
  if (names.empty()) {
    for (const auto& f : schema.fields()) names.push_back(f->name);
  }
  std::vector<arrow::FieldPtr> out_fields;
  for (const auto& name : names) {
    LF_ASSIGN_OR_RETURN(int idx, add_work(name));
    plan.output_index.push_back(idx);
    out_fields.push_back(plan.work[static_cast<size_t>(idx)].field);
  }
  plan.output_schema = std::make_shared<const arrow::Schema>(std::move(out_fields),
                                                             schema.metadata());
  if (!options.filter.empty()) {
    // Bind against the table's columns plus the hidden ones, then read what the filter needs.
    std::vector<arrow::FieldPtr> bind_fields = schema.fields();
    for (const char* h : {kRowIdColumn, kRowAddrColumn, kRowCreatedAtColumn, kRowUpdatedAtColumn}) {
      bind_fields.push_back(arrow::MakeField(h, arrow::uint64(), true));
    }
    arrow::Schema bind_schema(std::move(bind_fields));
    LF_ASSIGN_OR_RETURN(auto referenced, FilterColumns(options.filter, bind_schema, table));
    std::vector<arrow::FieldPtr> filter_fields;
    for (const auto& name : referenced) {
      LF_ASSIGN_OR_RETURN(int idx, add_work(name));
      plan.filter_columns.push_back(idx);
      filter_fields.push_back(plan.work[static_cast<size_t>(idx)].field);
    }
    plan.is_filter_column.assign(plan.work.size(), false);
    for (int idx : plan.filter_columns) plan.is_filter_column[static_cast<size_t>(idx)] = true;
    plan.filter_schema = std::make_shared<const arrow::Schema>(std::move(filter_fields));
    std::vector<arrow::FieldPtr> work_fields;
    for (const auto& c : plan.work) work_fields.push_back(c.field);
    plan.work_schema = std::make_shared<const arrow::Schema>(std::move(work_fields));
    LF_ASSIGN_OR_RETURN(plan.filter, ScanFilter::Make(options.filter, *plan.filter_schema, table));
  } else {
    std::vector<arrow::FieldPtr> work_fields;
    for (const auto& c : plan.work) work_fields.push_back(c.field);
    plan.work_schema = std::make_shared<const arrow::Schema>(std::move(work_fields));
  }
  return std::unique_ptr<arrow::RecordBatchReader>(new LocalScanReader(std::move(plan)));
}

}  // namespace lanceflow::lance
