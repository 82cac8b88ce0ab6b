#include "lanceflow/connect/spark_storage.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lanceflow/arrow/builder.h"
#include "lanceflow/arrow/decimal.h"
#include "lanceflow/arrow/json_writer.h"

namespace lanceflow::connect {
namespace {

using arrow::TypeId;

enum class Conversion { kNone, kUInt64ToDecimal, kJsonText };

Conversion ConversionFor(const arrow::DataType& t, const SparkMappingOptions& o) {
  switch (t.id()) {
    case TypeId::kUInt64:
      return o.uint64_as_decimal ? Conversion::kUInt64ToDecimal : Conversion::kNone;
    case TypeId::kDecimal256:
    case TypeId::kTime32:
    case TypeId::kTime64:
    case TypeId::kDuration:
    case TypeId::kNull:
      return Conversion::kJsonText;
    default:
      return Conversion::kNone;
  }
}

// True when a type below the top level would need a conversion.
bool NestedNeedsConversion(const arrow::DataType& t, const SparkMappingOptions& o) {
  const arrow::DataType& inner =
      t.id() == TypeId::kDictionary ? *t.value_type() : t;
  for (const auto& c : inner.children()) {
    if (ConversionFor(*c->type, o) != Conversion::kNone ||
        NestedNeedsConversion(*c->type, o)) {
      return true;
    }
  }
  return false;
}

Result<arrow::ArrayDataPtr> UInt64ToDecimal(const arrow::ArrayData& a) {
  arrow::FixedWidthBuilder<arrow::Decimal128> b(arrow::decimal128(20, 0));
  const uint64_t* v = a.length > 0 ? a.values<uint64_t>() : nullptr;
  for (int64_t i = 0; i < a.length; ++i) {
    if (a.IsNull(i)) {
      b.AppendNull();
    } else {
      b.Append(arrow::Decimal128{{v[i], 0}});
    }
  }
  return b.Finish();
}

// Each value's JSON text (strings unquoted), through the JSONL encoder so the text is exactly
// what `read --format jsonl` gives.
Result<arrow::ArrayDataPtr> JsonText(const arrow::FieldPtr& field, const arrow::ArrayDataPtr& a) {
  auto schema = std::make_shared<arrow::Schema>(std::vector<arrow::FieldPtr>{field});
  arrow::RecordBatch one(schema, a->length, {a});
  std::string lines;
  LF_RETURN_NOT_OK(arrow::AppendJsonLines(one, &lines));
  arrow::StringBuilder b(arrow::utf8());
  size_t p = 0;
  for (int64_t i = 0; i < a->length; ++i) {
    const size_t nl = lines.find('\n', p);
    if (nl == std::string::npos) {
      return Status::Invalid("column '" + field->name + "': JSON text has fewer lines than rows");
    }
    const auto row = nlohmann::json::parse(lines.begin() + static_cast<std::ptrdiff_t>(p),
                                           lines.begin() + static_cast<std::ptrdiff_t>(nl),
                                           nullptr, /*allow_exceptions=*/false);
    p = nl + 1;
    if (!row.is_object() || !row.contains(field->name)) {
      return Status::Invalid("column '" + field->name + "': unexpected JSON text of row " +
                             std::to_string(i));
    }
    const auto& v = row[field->name];
    if (v.is_null()) {
      b.AppendNull();
    } else if (v.is_string()) {
      b.Append(v.get_ref<const std::string&>());
    } else {
      b.Append(v.dump());
    }
  }
  return b.Finish();
}

}  // namespace

Result<arrow::SchemaPtr> SparkStorageSchema(const arrow::Schema& schema,
                                            const SparkMappingOptions& options) {
  std::vector<arrow::FieldPtr> fields;
  for (const auto& f : schema.fields()) {
    if (NestedNeedsConversion(*f->type, options)) {
      return Status::NotImplemented("column '" + f->name + "': type " + f->type->ToString() +
                                    " holds a type Spark stores differently (uint64 with "
                                    "uint64_as_decimal, decimal256, time, duration or null) "
                                    "below the top level; select the column out with `columns`");
    }
    switch (ConversionFor(*f->type, options)) {
      case Conversion::kNone:
        fields.push_back(f);
        break;
      case Conversion::kUInt64ToDecimal:
        fields.push_back(arrow::MakeField(f->name, arrow::decimal128(20, 0), f->nullable,
                                          f->metadata));
        break;
      case Conversion::kJsonText:
        fields.push_back(arrow::MakeField(f->name, arrow::utf8(),
                                          f->nullable || f->type->id() == TypeId::kNull,
                                          f->metadata));
        break;
    }
  }
  return std::make_shared<arrow::Schema>(std::move(fields), schema.metadata());
}

Result<arrow::RecordBatchPtr> ToSparkStorage(const arrow::RecordBatchPtr& batch,
                                             const SparkMappingOptions& options) {
  LF_ASSIGN_OR_RETURN(auto schema, SparkStorageSchema(*batch->schema(), options));
  bool changed = false;
  std::vector<arrow::ArrayDataPtr> columns;
  for (int i = 0; i < batch->num_columns(); ++i) {
    const auto& field = batch->schema()->field(i);
    switch (ConversionFor(*field->type, options)) {
      case Conversion::kNone:
        columns.push_back(batch->column(i));
        break;
      case Conversion::kUInt64ToDecimal: {
        LF_ASSIGN_OR_RETURN(auto a, UInt64ToDecimal(*batch->column(i)));
        columns.push_back(std::move(a));
        changed = true;
        break;
      }
      case Conversion::kJsonText: {
        LF_ASSIGN_OR_RETURN(auto a, JsonText(field, batch->column(i)));
        columns.push_back(std::move(a));
        changed = true;
        break;
      }
    }
  }
  if (!changed) return batch;
  return std::make_shared<arrow::RecordBatch>(std::move(schema), batch->num_rows(),
                                              std::move(columns));
}

namespace {

class ConvertingReader final : public arrow::RecordBatchReader {
 public:
  ConvertingReader(std::unique_ptr<arrow::RecordBatchReader> in, arrow::SchemaPtr schema,
                   SparkMappingOptions options)
      : in_(std::move(in)), schema_(std::move(schema)), options_(options) {}
  arrow::SchemaPtr schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    LF_ASSIGN_OR_RETURN(auto b, in_->Next());
    if (!b) return b;
    return ToSparkStorage(b, options_);
  }

 private:
  std::unique_ptr<arrow::RecordBatchReader> in_;
  arrow::SchemaPtr schema_;
  SparkMappingOptions options_;
};

}  // namespace

Result<std::unique_ptr<arrow::RecordBatchReader>> SparkStorageReader(
    std::unique_ptr<arrow::RecordBatchReader> reader, const SparkMappingOptions& options) {
  LF_ASSIGN_OR_RETURN(auto schema, SparkStorageSchema(*reader->schema(), options));
  return std::unique_ptr<arrow::RecordBatchReader>(
      std::make_unique<ConvertingReader>(std::move(reader), std::move(schema), options));
}

}  // namespace lanceflow::connect
