#include "lanceflow/lance/self_described_file.h"

#include <cstring>
#include <set>
#include <utility>

#include "lanceflow/core/status.h"
#include "lanceflow/lance/manifest.h"

namespace lanceflow::lance {

namespace {

// Legacy files end with a (major, minor) version of (0, 1) or (0, 2) before the "LANC" magic.
Result<bool> IsLegacy(int64_t file_size, const ReadRangeFunction& read) {
  if (file_size < 16) return false;  // the 2.x footer reader reports the short file
  LF_ASSIGN_OR_RETURN(auto tail, read(file_size - 8, 8));
  if (tail->size() != 8 || std::memcmp(tail->data() + 4, "LANC", 4) != 0) return false;
  uint16_t major, minor;
  std::memcpy(&major, tail->data(), 2);
  std::memcpy(&minor, tail->data() + 2, 2);
  return major == 0 && minor < 3;
}

}  // namespace

Result<std::unique_ptr<SelfDescribedFile>> SelfDescribedFile::Open(int64_t file_size,
                                                                   ReadRangeFunction read,
                                                                   std::string name) {
  std::unique_ptr<SelfDescribedFile> f(new SelfDescribedFile());
  f->name_ = std::move(name);
  f->read_ = std::move(read);
  LF_ASSIGN_OR_RETURN(bool legacy, IsLegacy(file_size, f->read_));
  if (legacy) {
    LF_ASSIGN_OR_RETURN(f->legacy_, ReadLegacyFileMetadata(file_size, f->read_, f->name_));
    f->fields_ = f->legacy_->fields;
    f->num_rows_ = f->legacy_->num_rows;
    LF_ASSIGN_OR_RETURN(f->schema_, BuildArrowSchema(&f->fields_, {}));
  } else {
    LF_ASSIGN_OR_RETURN(auto md, ReadDataFileMetadata(file_size, f->read_, f->name_));
    f->fields_ = md.schema_fields;
    LF_ASSIGN_OR_RETURN(f->schema_, BuildArrowSchema(&f->fields_, md.schema_metadata));
    const bool v20 = md.footer.major_version == 0;  // 2.0 files say (0, 3)
    std::set<int32_t> parents;
    for (const auto& field : f->fields_) parents.insert(field.parent_id);
    int32_t next = 0;
    for (const auto& field : f->fields_) {
      if (v20 || !parents.count(field.id)) f->columns_.emplace_back(field.id, next++);
    }
    f->num_rows_ = md.num_rows;
    f->v2_ = std::make_shared<const DataFileMetadata>(std::move(md));
  }
  f->top_.assign(static_cast<size_t>(f->schema_->num_fields()), nullptr);
  for (const auto& field : f->fields_) {
    if (field.parent_id != -1 || field.arrow_path.empty()) continue;
    const auto at = static_cast<size_t>(field.arrow_path[0]);
    if (at < f->top_.size()) f->top_[at] = &field;
  }
  for (size_t i = 0; i < f->top_.size(); ++i) {
    if (f->top_[i] == nullptr) {
      return Status::Corrupt(f->name_ + ": Arrow field " + std::to_string(i) +
                             " has no top-level Lance field");
    }
  }
  return f;
}

Result<std::unique_ptr<FieldReader>> SelfDescribedFile::OpenField(int i) const {
  if (i < 0 || i >= static_cast<int>(top_.size())) {
    return Status::Invalid(name_ + ": no top-level field " + std::to_string(i));
  }
  const LanceField& top = *top_[static_cast<size_t>(i)];
  FieldReadSpec spec;
  spec.table = name_;
  spec.file_name = name_;
  spec.fields = &fields_;
  spec.field = &top;
  spec.arrow_field = schema_->field(top.arrow_path[0]);
  spec.num_rows = num_rows_;
  spec.read_range = read_;
  if (legacy_) return MakeLegacyFieldReader(legacy_, std::move(spec));
  std::set<int32_t> subtree{top.id};
  for (const auto& f : fields_) {
    if (subtree.count(f.parent_id)) subtree.insert(f.id);
  }
  for (const auto& c : columns_) {
    if (subtree.count(c.first)) spec.columns.push_back(c);
  }
  return v2_->footer.major_version == 0 ? MakeV20FieldReader(v2_, std::move(spec))
                                        : MakeV21FieldReader(v2_, std::move(spec));
}

}  // namespace lanceflow::lance
