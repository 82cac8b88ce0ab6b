#include "dictionary_reader.h"

#include <cstring>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lanceflow/arrow/take.h"
#include "lanceflow/core/buffer.h"

namespace lanceflow::lance {
namespace {

using arrow::TypeId;

// The bytes of slot i as a key; fixed-width values by their bytes, variable-width by content.
class ValueKeys {
 public:
  explicit ValueKeys(const arrow::ArrayData& a) : a_(a) {
    switch (a.type->id()) {
      case TypeId::kUtf8:
      case TypeId::kBinary:
        kind_ = kOffsets32;
        break;
      case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary:
        kind_ = kOffsets64;
        break;
      case TypeId::kBool:
        kind_ = kBits;
        break;
      default:
        kind_ = kFixed;
        width_ = a.type->bit_width() / 8;
        break;
    }
  }
  bool supported() const { return kind_ != kFixed || width_ > 0; }

  std::string_view Key(int64_t i, char* scratch) const {
    switch (kind_) {
      case kOffsets32: {
        const int32_t* o = a_.offsets<int32_t>();
        return {reinterpret_cast<const char*>(a_.buffers[2]->data()) + o[i],
                static_cast<size_t>(o[i + 1] - o[i])};
      }
      case kOffsets64: {
        const int64_t* o = a_.offsets<int64_t>();
        return {reinterpret_cast<const char*>(a_.buffers[2]->data()) + o[i],
                static_cast<size_t>(o[i + 1] - o[i])};
      }
      case kBits: {
        int64_t bit = a_.offset + i;
        scratch[0] = static_cast<char>((a_.buffers[1]->data()[bit >> 3] >> (bit & 7)) & 1);
        return {scratch, 1};
      }
      case kFixed:
        return {reinterpret_cast<const char*>(a_.buffers[1]->data()) + (a_.offset + i) * width_,
                static_cast<size_t>(width_)};
    }
    return {};
  }

 private:
  enum Kind { kOffsets32, kOffsets64, kBits, kFixed };
  const arrow::ArrayData& a_;
  Kind kind_ = kFixed;
  int64_t width_ = 0;
};

template <typename IndexT>
arrow::ArrayDataPtr MakeIndices(const std::vector<int64_t>& codes, const BufferPtr& validity,
                                int64_t nulls, const arrow::DataTypePtr& type) {
  BufferBuilder b;
  b.Resize(static_cast<int64_t>(codes.size() * sizeof(IndexT)));
  auto* out = b.mutable_data_as<IndexT>();
  for (size_t i = 0; i < codes.size(); ++i) out[i] = static_cast<IndexT>(codes[i] < 0 ? 0 : codes[i]);
  auto d = std::make_shared<arrow::ArrayData>();
  d->type = type;
  d->length = static_cast<int64_t>(codes.size());
  d->null_count = nulls;
  d->buffers = {validity, b.Finish()};
  return d;
}

class DictionaryFieldReader : public FieldReader {
 public:
  DictionaryFieldReader(std::unique_ptr<FieldReader> inner, arrow::DataTypePtr type)
      : inner_(std::move(inner)), type_(std::move(type)) {}
  Result<arrow::ArrayDataPtr> Read(uint64_t begin, uint64_t end) override {
    LF_ASSIGN_OR_RETURN(auto values, inner_->Read(begin, end));
    return DictionaryEncode(*values, type_);
  }

 private:
  std::unique_ptr<FieldReader> inner_;
  arrow::DataTypePtr type_;
};

}  // namespace

Result<arrow::ArrayDataPtr> DictionaryEncode(const arrow::ArrayData& values,
                                             const arrow::DataTypePtr& dictionary_type) {
  const arrow::DataTypePtr& index_type = dictionary_type->index_type();
  ValueKeys keys(values);
  const int64_t n = values.length;
  std::vector<int64_t> codes(static_cast<size_t>(n), -1);
  std::vector<int64_t> first;  // slot of the first occurrence of each distinct value
  if (!keys.supported()) {
    // No byte key for this type: every valid slot is its own dictionary entry.
    for (int64_t i = 0; i < n; ++i) {
      if (values.IsValid(i)) {
        codes[static_cast<size_t>(i)] = static_cast<int64_t>(first.size());
        first.push_back(i);
      }
    }
  } else {
    std::unordered_map<std::string_view, int64_t> seen;
    char scratch[1];
    for (int64_t i = 0; i < n; ++i) {
      if (!values.IsValid(i)) continue;
      std::string_view k = keys.Key(i, scratch);
      // Bool keys live in `scratch`: key the map by static strings instead.
      if (values.type->id() == TypeId::kBool) k = scratch[0] ? "1" : "0";
      auto [it, inserted] = seen.emplace(k, static_cast<int64_t>(first.size()));
      if (inserted) first.push_back(i);
      codes[static_cast<size_t>(i)] = it->second;
    }
  }
  const int index_bits = index_type->bit_width();
  const bool is_signed = index_type->id() == TypeId::kInt8 || index_type->id() == TypeId::kInt16 ||
                         index_type->id() == TypeId::kInt32 || index_type->id() == TypeId::kInt64;
  const int usable_bits = is_signed ? index_bits - 1 : index_bits;
  if (usable_bits < 63 && static_cast<int64_t>(first.size()) > (int64_t{1} << usable_bits)) {
    return Status::OutOfRange("dictionary column: " + std::to_string(first.size()) +
                              " distinct values in one batch do not fit index type " +
                              index_type->ToString() + "; use a smaller --batch-size");
  }
  LF_ASSIGN_OR_RETURN(auto dict, arrow::Take(values, first));
  BufferPtr validity;
  int64_t nulls = 0;
  if (values.null_count != 0) {
    BufferBuilder v;
    v.Resize((n + 7) / 8);
    uint8_t* bits = v.mutable_data();
    for (int64_t i = 0; i < n; ++i) {
      if (codes[static_cast<size_t>(i)] >= 0) {
        bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
      } else {
        ++nulls;
      }
    }
    if (nulls) validity = v.Finish();
  }
  arrow::ArrayDataPtr indices;
  switch (index_type->id()) {
    case TypeId::kInt8:
    case TypeId::kUInt8:
      indices = MakeIndices<uint8_t>(codes, validity, nulls, dictionary_type);
      break;
    case TypeId::kInt16:
    case TypeId::kUInt16:
      indices = MakeIndices<uint16_t>(codes, validity, nulls, dictionary_type);
      break;
    case TypeId::kInt32:
    case TypeId::kUInt32:
      indices = MakeIndices<uint32_t>(codes, validity, nulls, dictionary_type);
      break;
    default:
      indices = MakeIndices<uint64_t>(codes, validity, nulls, dictionary_type);
      break;
  }
  auto out = std::make_shared<arrow::ArrayData>(*indices);
  out->dictionary = std::move(dict);
  return arrow::ArrayDataPtr(std::move(out));
}

std::unique_ptr<FieldReader> WrapAsDictionary(std::unique_ptr<FieldReader> inner,
                                              arrow::DataTypePtr dictionary_type) {
  return std::make_unique<DictionaryFieldReader>(std::move(inner), std::move(dictionary_type));
}

}  // namespace lanceflow::lance
