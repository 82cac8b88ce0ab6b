// Test support shared by the golden decoder tests: the engine's expected rows (an Arrow IPC file
// beside each golden table) and one top-level field of a golden table's first data file, opened
// the way a scan opens it (columns assigned from the manifest's DataFile).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "lanceflow/arrow/ipc.h"
#include "lanceflow/lance/dataset.h"
#include "lanceflow/lance/field_reader.h"
#include "local_fs.h"

namespace lanceflow::lance::testing {

// The single batch of `<golden_dir><table>.arrow`; nullptr (after a test failure) if unreadable.
inline arrow::RecordBatchPtr ReadExpectedBatch(const std::string& golden_dir,
                                               const std::string& table) {
  auto file = LocalReadFile(golden_dir + table + ".arrow", int64_t{1} << 30);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  if (!file.ok()) return nullptr;
  auto reader = arrow::ipc::FileReader::Open(*file);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return nullptr;
  auto batch = (*reader)->Next();
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  if (!batch.ok()) return nullptr;
  auto next = (*reader)->Next();
  EXPECT_TRUE(next.ok() && *next == nullptr) << "expected one batch in " << table << ".arrow";
  return *batch;
}

struct OpenField {
  std::shared_ptr<const Dataset> dataset;
  std::shared_ptr<const DataFileMetadata> metadata;
  FieldReadSpec spec;  // spec.field is null (after a test failure) if the field is missing
};

// The top-level field `field_name` of the first data file of `<golden_dir>db/<table>.lance`.
inline OpenField OpenGoldenField(const std::string& golden_dir, const std::string& table,
                                 const std::string& field_name) {
  OpenField of;
  auto ds = Dataset::Open(golden_dir + "db/" + table + ".lance");
  EXPECT_TRUE(ds.ok()) << ds.status().ToString();
  if (!ds.ok()) return of;
  of.dataset = *ds;
  const DataFile& df = of.dataset->fragments()[0].files[0];
  auto md = of.dataset->ReadDataFileMetadata(df);
  EXPECT_TRUE(md.ok()) << md.status().ToString();
  if (!md.ok()) return of;
  of.metadata = std::make_shared<const DataFileMetadata>(std::move(*md));
  const auto& fields = of.dataset->manifest().fields;
  FieldReadSpec& spec = of.spec;
  spec.table = table;
  spec.file_name = "data/" + df.path;
  spec.fields = &fields;
  for (const auto& f : fields) {
    if (f.parent_id == -1 && f.name == field_name) spec.field = &f;
  }
  EXPECT_NE(spec.field, nullptr) << field_name;
  if (spec.field == nullptr) return of;
  std::vector<int32_t> ids{spec.field->id};  // every field id of the subtree
  for (size_t i = 0; i < ids.size(); ++i) {
    for (const auto& f : fields) {
      if (f.parent_id == ids[i]) ids.push_back(f.id);
    }
  }
  for (size_t j = 0; j < df.fields.size() && j < df.column_indices.size(); ++j) {
    if (df.column_indices[j] >= 0 && std::find(ids.begin(), ids.end(), df.fields[j]) != ids.end()) {
      spec.columns.emplace_back(df.fields[j], df.column_indices[j]);
    }
  }
  spec.arrow_field = of.dataset->schema()->field(of.dataset->schema()->GetFieldIndex(field_name));
  spec.num_rows = of.metadata->num_rows;
  auto path = of.dataset->DataFilePath(df);
  EXPECT_TRUE(path.ok()) << path.status().ToString();
  if (!path.ok()) return of;
  std::string p = *path;
  spec.read_range = [p](int64_t offset, int64_t length) {
    return LocalReadRange(p, offset, length);
  };
  return of;
}

// The manifest reader takes an absent proto3 `nullable` for false, so members may differ from
// the engine's schema in nullability only; the golden tests check values, so the expected array
// is retyped to the reader's type when the two differ only in nullability.
inline arrow::ArrayDataPtr Retype(const arrow::ArrayDataPtr& a, const arrow::DataTypePtr& t) {
  auto out = std::make_shared<arrow::ArrayData>(*a);
  out->type = t;
  for (size_t i = 0; i < out->children.size() && i < t->children().size(); ++i) {
    out->children[i] = Retype(a->children[i], t->children()[i]->type);
  }
  return out;
}

inline bool SameButNullability(const arrow::DataType& a, const arrow::DataType& b) {
  if (a.id() != b.id() || a.children().size() != b.children().size()) return false;
  if (a.children().empty()) return a.Equals(b);
  for (size_t i = 0; i < a.children().size(); ++i) {
    if (a.children()[i]->name != b.children()[i]->name ||
        !SameButNullability(*a.children()[i]->type, *b.children()[i]->type)) {
      return false;
    }
  }
  return a.fixed_size() == b.fixed_size();
}

}  // namespace lanceflow::lance::testing
