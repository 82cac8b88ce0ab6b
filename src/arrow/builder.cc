#include "lanceflow/arrow/builder.h"

#include <algorithm>
#include <string>

namespace lanceflow::arrow {

// ---------------------------------------------------------------------------------------------
// ArrayBuilder: lazily materialised validity bitmap.

void ArrayBuilder::GrowValidity(int64_t bits) {
  const int64_t need = BytesForBits(bits);
  validity_.Resize(std::max({need, validity_.size() * 2, int64_t{64}}));  // new bytes are zero
}

void ArrayBuilder::MaterializeValidity() {
  has_validity_ = true;
  validity_ = BufferBuilder();
  GrowValidity(length_ + 1);
  SetBitsTo(validity_.mutable_data(), 0, length_, true);
}

void ArrayBuilder::AppendValidBits(int64_t n) {
  if (n <= 0) return;
  if (has_validity_) {
    EnsureValidityBits(length_ + n);
    SetBitsTo(validity_.mutable_data(), length_, n, true);
  }
  length_ += n;
}

void ArrayBuilder::AppendNullBits(int64_t n) {
  if (n <= 0) return;
  if (!has_validity_) MaterializeValidity();
  EnsureValidityBits(length_ + n);  // the new bits are already zero
  length_ += n;
  null_count_ += n;
}

void ArrayBuilder::AppendValidityBitmap(const uint8_t* bitmap, int64_t offset, int64_t n) {
  if (n <= 0) return;
  const int64_t nulls = bitmap ? n - CountSetBits(bitmap, offset, n) : 0;
  if (nulls == 0) {
    AppendValidBits(n);
    return;
  }
  if (!has_validity_) MaterializeValidity();
  EnsureValidityBits(length_ + n);
  CopyBitmap(bitmap, offset, validity_.mutable_data(), length_, n);
  length_ += n;
  null_count_ += nulls;
}

void ArrayBuilder::AppendValidityBytes(const uint8_t* valid_bytes, int64_t n) {
  if (n <= 0) return;
  int64_t nulls = 0;
  for (int64_t i = 0; i < n; ++i) nulls += valid_bytes[i] == 0;
  if (nulls == 0) {
    AppendValidBits(n);
    return;
  }
  if (!has_validity_) MaterializeValidity();
  EnsureValidityBits(length_ + n);
  uint8_t* bits = validity_.mutable_data();
  for (int64_t i = 0; i < n; ++i) {
    if (valid_bytes[i]) SetBit(bits, length_ + i);
  }
  length_ += n;
  null_count_ += nulls;
}

void ArrayBuilder::ReserveValidity(int64_t additional) {
  if (has_validity_ && additional > 0) EnsureValidityBits(length_ + additional);
}

std::shared_ptr<ArrayData> ArrayBuilder::FinishBase() {
  auto out = std::make_shared<ArrayData>();
  out->type = type_;
  out->length = length_;
  out->null_count = null_count_;
  BufferPtr validity;
  if (has_validity_ && null_count_ > 0) {
    validity_.Resize(BytesForBits(length_));
    validity = validity_.Finish();
  } else {
    validity_ = BufferBuilder();
  }
  out->buffers.push_back(std::move(validity));
  length_ = 0;
  null_count_ = 0;
  has_validity_ = false;
  return out;
}

// ---------------------------------------------------------------------------------------------
// BooleanBuilder

void BooleanBuilder::GrowValueBits(int64_t bits) {
  bits_.Resize(std::max({BytesForBits(bits), bits_.size() * 2, int64_t{64}}));
}

void BooleanBuilder::AppendNulls(int64_t n) {
  if (n <= 0) return;
  EnsureValueBits(length_ + n);
  AppendNullBits(n);
}

void BooleanBuilder::AppendValues(const uint8_t* values_bitmap, int64_t values_offset, int64_t n,
                                  const uint8_t* validity, int64_t validity_offset) {
  if (n <= 0) return;
  EnsureValueBits(length_ + n);
  CopyBitmap(values_bitmap, values_offset, bits_.mutable_data(), length_, n);
  AppendValidityBitmap(validity, validity_offset, n);
}

void BooleanBuilder::AppendValueBytes(const uint8_t* value_bytes, int64_t n,
                                      const uint8_t* validity, int64_t validity_offset) {
  if (n <= 0) return;
  EnsureValueBits(length_ + n);
  uint8_t* bits = bits_.mutable_data();
  for (int64_t i = 0; i < n; ++i) {
    if (value_bytes[i]) SetBit(bits, length_ + i);
  }
  AppendValidityBitmap(validity, validity_offset, n);
}

void BooleanBuilder::Reserve(int64_t additional) {
  if (additional <= 0) return;
  EnsureValueBits(length_ + additional);
  ReserveValidity(additional);
}

Status BooleanBuilder::AppendArraySlice(const ArrayData& array, int64_t start, int64_t count) {
  if (count <= 0) return Status::OK();
  AppendValues(array.buffers[1]->data(), array.offset + start, count,
               array.buffers[0] ? array.buffers[0]->data() : nullptr, array.offset + start);
  return Status::OK();
}

Result<ArrayDataPtr> BooleanBuilder::Finish() {
  bits_.Resize(BytesForBits(length_));
  BufferPtr values = bits_.Finish();
  auto out = FinishBase();
  out->buffers.push_back(std::move(values));
  return ArrayDataPtr(std::move(out));
}

// ---------------------------------------------------------------------------------------------
// Binary, fixed-size binary

template <typename OffsetT>
Result<ArrayDataPtr> BaseBinaryBuilder<OffsetT>::Finish() {
  const bool overflow = overflow_;
  const int64_t data_size = data_.size();
  BufferPtr offsets = offsets_.Finish();
  BufferPtr data = data_.Finish();
  auto out = FinishBase();
  offsets_.AppendValue(OffsetT{0});
  overflow_ = false;
  if (overflow) {
    return Status::OutOfRange(type_->ToString() + " builder: " + std::to_string(data_size) +
                              " bytes of values exceed the 2147483647 that int32 offsets can "
                              "address (use the large_ variant of the type)");
  }
  out->buffers.push_back(std::move(offsets));
  out->buffers.push_back(std::move(data));
  return ArrayDataPtr(std::move(out));
}

template class BaseBinaryBuilder<int32_t>;
template class BaseBinaryBuilder<int64_t>;

Status FixedSizeBinaryBuilder::AppendArraySlice(const ArrayData& array, int64_t start,
                                                int64_t count) {
  if (count <= 0) return Status::OK();
  if (width_ > 0) {  // byte width 0 needs no values buffer
    data_.Append(array.buffers[1]->data() + (array.offset + start) * width_, count * width_);
  }
  AppendValidityBitmap(array.buffers[0] ? array.buffers[0]->data() : nullptr,
                       array.offset + start, count);
  return Status::OK();
}

Result<ArrayDataPtr> FixedSizeBinaryBuilder::Finish() {
  BufferPtr data = data_.Finish();
  auto out = FinishBase();
  out->buffers.push_back(std::move(data));
  return ArrayDataPtr(std::move(out));
}

// ---------------------------------------------------------------------------------------------
// Nested builders

template <typename OffsetT>
Status BaseListBuilder<OffsetT>::AppendArraySlice(const ArrayData& array, int64_t start,
                                                  int64_t count) {
  if (count <= 0) return Status::OK();
  const OffsetT* o = array.offsets<OffsetT>() + start;
  AppendOffsets(o, count, array.buffers[0] ? array.buffers[0]->data() : nullptr,
                array.offset + start);
  return values_->AppendArraySlice(*array.children[0], static_cast<int64_t>(o[0]),
                                   static_cast<int64_t>(o[count]) - static_cast<int64_t>(o[0]));
}

template <typename OffsetT>
Result<ArrayDataPtr> BaseListBuilder<OffsetT>::Finish() {
  const int64_t child_length = values_->length();
  const int64_t num_starts = offsets_.size() / static_cast<int64_t>(sizeof(OffsetT));
  const int64_t last_start =
      num_starts > 0 ? static_cast<int64_t>(offsets_.mutable_data_as<OffsetT>()[num_starts - 1])
                     : 0;
  Result<ArrayDataPtr> child = values_->Finish();
  offsets_.AppendValue(static_cast<OffsetT>(child_length));
  BufferPtr offsets = offsets_.Finish();
  auto out = FinishBase();
  if (!child.ok()) return child.status();
  if (sizeof(OffsetT) == 4 && child_length > std::numeric_limits<int32_t>::max()) {
    return Status::OutOfRange(type_->ToString() + " builder: " + std::to_string(child_length) +
                              " items exceed the 2147483647 that int32 offsets can address "
                              "(use large_list)");
  }
  if (last_start > child_length) {
    return Status::Invalid(type_->ToString() + " builder: slot offsets reach item " +
                           std::to_string(last_start) + " but only " +
                           std::to_string(child_length) + " items were appended");
  }
  out->buffers.push_back(std::move(offsets));
  out->children.push_back(std::move(child).value());
  return ArrayDataPtr(std::move(out));
}

template class BaseListBuilder<int32_t>;
template class BaseListBuilder<int64_t>;

Status FixedSizeListBuilder::AppendArraySlice(const ArrayData& array, int64_t start,
                                              int64_t count) {
  if (count <= 0) return Status::OK();
  AppendValidityBitmap(array.buffers[0] ? array.buffers[0]->data() : nullptr,
                       array.offset + start, count);
  return values_->AppendArraySlice(*array.children[0], (array.offset + start) * list_size_,
                                   count * list_size_);
}

Result<ArrayDataPtr> FixedSizeListBuilder::Finish() {
  const int64_t expected = length_ * list_size_;
  const int64_t child_length = values_->length();
  Result<ArrayDataPtr> child = values_->Finish();
  auto out = FinishBase();
  if (!child.ok()) return child.status();
  if (child_length != expected) {
    return Status::Invalid(type_->ToString() + " builder: " + std::to_string(child_length) +
                           " items appended, expected " + std::to_string(expected));
  }
  out->children.push_back(std::move(child).value());
  return ArrayDataPtr(std::move(out));
}

Status StructBuilder::AppendArraySlice(const ArrayData& array, int64_t start, int64_t count) {
  if (count <= 0) return Status::OK();
  AppendValidityBitmap(array.buffers[0] ? array.buffers[0]->data() : nullptr,
                       array.offset + start, count);
  for (size_t k = 0; k < fields_.size(); ++k) {
    LF_RETURN_NOT_OK(
        fields_[k]->AppendArraySlice(*array.children[k], array.offset + start, count));
  }
  return Status::OK();
}

Result<ArrayDataPtr> StructBuilder::Finish() {
  const int64_t length = length_;
  Status bad;
  std::vector<ArrayDataPtr> children;
  for (size_t k = 0; k < fields_.size(); ++k) {
    const int64_t child_length = fields_[k]->length();
    Result<ArrayDataPtr> child = fields_[k]->Finish();
    if (!child.ok()) {
      if (bad.ok()) bad = child.status();
      continue;
    }
    if (child_length != length && bad.ok()) {
      bad = Status::Invalid(type_->ToString() + " builder: field '" +
                            type_->children()[k]->name + "' has " +
                            std::to_string(child_length) + " values, the struct " +
                            std::to_string(length) + " slots");
    }
    children.push_back(std::move(child).value());
  }
  auto out = FinishBase();
  if (!bad.ok()) return bad;
  out->children = std::move(children);
  return ArrayDataPtr(std::move(out));
}

template <typename IndexT>
Status DictionaryBuilder<IndexT>::AppendArraySlice(const ArrayData& array, int64_t start,
                                                   int64_t count) {
  if (!array.dictionary) return Status::Invalid("dictionary array without a dictionary");
  int64_t base;
  auto it = dict_base_.find(array.dictionary.get());
  if (it != dict_base_.end()) {
    base = it->second;
  } else {
    base = AddDictionaryChunk(array.dictionary);
    if (dict_length_ > 0 && static_cast<uint64_t>(dict_length_ - 1) >
                                static_cast<uint64_t>(std::numeric_limits<IndexT>::max())) {
      return Status::OutOfRange(type_->ToString() + ": the combined dictionary of " +
                                std::to_string(dict_length_) +
                                " values does not fit the index type");
    }
  }
  if (count <= 0) return Status::OK();
  const IndexT* src = array.values<IndexT>() + start;
  const uint8_t* validity = array.buffers[0] ? array.buffers[0]->data() : nullptr;
  if (base == 0) {
    indices_.Append(src, count * static_cast<int64_t>(sizeof(IndexT)));
  } else {
    indices_.Reserve(indices_.size() + count * static_cast<int64_t>(sizeof(IndexT)));
    for (int64_t i = 0; i < count; ++i) {
      const bool valid = !validity || GetBit(validity, array.offset + start + i);
      indices_.AppendValue(valid ? static_cast<IndexT>(static_cast<int64_t>(src[i]) + base)
                                 : IndexT{0});
    }
  }
  AppendValidityBitmap(validity, array.offset + start, count);
  return Status::OK();
}

template <typename IndexT>
Result<ArrayDataPtr> DictionaryBuilder<IndexT>::Finish() {
  Result<ArrayDataPtr> dict = Status::Internal("unset");
  if (dict_chunks_.empty()) {
    dict = MakeEmptyArray(type_->value_type());
  } else if (dict_chunks_.size() == 1) {
    dict = dict_chunks_[0];
  } else {
    dict = ConcatenateArrays(dict_chunks_);
  }
  BufferPtr indices = indices_.Finish();
  auto out = FinishBase();
  dict_chunks_.clear();
  dict_base_.clear();
  dict_length_ = 0;
  if (!dict.ok()) return dict.status();
  out->buffers.push_back(std::move(indices));
  out->dictionary = std::move(dict).value();
  return ArrayDataPtr(std::move(out));
}

template class DictionaryBuilder<int8_t>;
template class DictionaryBuilder<int16_t>;
template class DictionaryBuilder<int32_t>;
template class DictionaryBuilder<int64_t>;
template class DictionaryBuilder<uint8_t>;
template class DictionaryBuilder<uint16_t>;
template class DictionaryBuilder<uint32_t>;
template class DictionaryBuilder<uint64_t>;

Result<ArrayDataPtr> NullBuilder::Finish() {
  auto out = std::make_shared<ArrayData>();
  out->type = type_;
  out->length = length_;
  out->null_count = length_;
  length_ = 0;
  null_count_ = 0;
  return ArrayDataPtr(std::move(out));
}

// ---------------------------------------------------------------------------------------------
// Factories

namespace {

std::unique_ptr<ArrayBuilder> MakeBuilderUnchecked(const DataTypePtr& t) {
  switch (t->id()) {
    case TypeId::kNull: return std::make_unique<NullBuilder>(t);
    case TypeId::kBool: return std::make_unique<BooleanBuilder>(t);
    case TypeId::kInt8: return std::make_unique<Int8Builder>(t);
    case TypeId::kInt16: return std::make_unique<Int16Builder>(t);
    case TypeId::kInt32: case TypeId::kDate32: case TypeId::kTime32:
      return std::make_unique<Int32Builder>(t);
    case TypeId::kInt64: case TypeId::kDate64: case TypeId::kTime64: case TypeId::kTimestamp:
    case TypeId::kDuration:
      return std::make_unique<Int64Builder>(t);
    case TypeId::kUInt8: return std::make_unique<UInt8Builder>(t);
    case TypeId::kUInt16: case TypeId::kFloat16: return std::make_unique<UInt16Builder>(t);
    case TypeId::kUInt32: return std::make_unique<UInt32Builder>(t);
    case TypeId::kUInt64: return std::make_unique<UInt64Builder>(t);
    case TypeId::kFloat32: return std::make_unique<Float32Builder>(t);
    case TypeId::kFloat64: return std::make_unique<Float64Builder>(t);
    case TypeId::kDecimal128: return std::make_unique<Decimal128Builder>(t);
    case TypeId::kDecimal256: return std::make_unique<Decimal256Builder>(t);
    case TypeId::kUtf8: case TypeId::kBinary: return std::make_unique<BinaryBuilder>(t);
    case TypeId::kLargeUtf8: case TypeId::kLargeBinary:
      return std::make_unique<LargeBinaryBuilder>(t);
    case TypeId::kFixedSizeBinary: return std::make_unique<FixedSizeBinaryBuilder>(t);
    case TypeId::kList:
      return std::make_unique<ListBuilder>(t, MakeBuilderUnchecked(t->children()[0]->type));
    case TypeId::kLargeList:
      return std::make_unique<LargeListBuilder>(t, MakeBuilderUnchecked(t->children()[0]->type));
    case TypeId::kFixedSizeList:
      return std::make_unique<FixedSizeListBuilder>(t,
                                                    MakeBuilderUnchecked(t->children()[0]->type));
    case TypeId::kStruct: {
      std::vector<std::unique_ptr<ArrayBuilder>> fields;
      for (const FieldPtr& f : t->children()) fields.push_back(MakeBuilderUnchecked(f->type));
      return std::make_unique<StructBuilder>(t, std::move(fields));
    }
    case TypeId::kDictionary:
      switch (t->index_type()->id()) {
        case TypeId::kInt8: return std::make_unique<DictionaryBuilder<int8_t>>(t);
        case TypeId::kInt16: return std::make_unique<DictionaryBuilder<int16_t>>(t);
        case TypeId::kInt32: return std::make_unique<DictionaryBuilder<int32_t>>(t);
        case TypeId::kInt64: return std::make_unique<DictionaryBuilder<int64_t>>(t);
        case TypeId::kUInt8: return std::make_unique<DictionaryBuilder<uint8_t>>(t);
        case TypeId::kUInt16: return std::make_unique<DictionaryBuilder<uint16_t>>(t);
        case TypeId::kUInt32: return std::make_unique<DictionaryBuilder<uint32_t>>(t);
        default: return std::make_unique<DictionaryBuilder<uint64_t>>(t);
      }
  }
  return nullptr;
}

}  // namespace

Result<std::unique_ptr<ArrayBuilder>> MakeBuilder(const DataTypePtr& type) {
  if (!type) return Status::Invalid("MakeBuilder: no type");
  LF_RETURN_NOT_OK(ValidateDataType(*type));
  std::unique_ptr<ArrayBuilder> builder = MakeBuilderUnchecked(type);
  if (!builder) return Status::NotImplemented("no builder for type " + type->ToString());
  return builder;
}

Result<ArrayDataPtr> ConcatenateArrays(const std::vector<ArrayDataPtr>& arrays) {
  if (arrays.empty()) return Status::Invalid("ConcatenateArrays: no arrays to concatenate");
  for (const ArrayDataPtr& a : arrays) {
    if (!a || !a->type) return Status::Invalid("ConcatenateArrays: missing array");
  }
  const DataTypePtr& type = arrays[0]->type;
  int64_t total = 0;
  int64_t data_bytes = 0;
  const bool binary_like = type->is_binary_like();
  const bool large = type->id() == TypeId::kLargeUtf8 || type->id() == TypeId::kLargeBinary;
  for (const ArrayDataPtr& a : arrays) {
    if (!a->type->Equals(*type)) {
      return Status::Invalid("ConcatenateArrays: cannot concatenate " + type->ToString() +
                             " with " + a->type->ToString());
    }
    if (__builtin_add_overflow(total, a->length, &total)) {
      return Status::OutOfRange("ConcatenateArrays: total length overflows");
    }
    if (binary_like && a->length > 0) {
      data_bytes += large ? a->offsets<int64_t>()[a->length] - a->offsets<int64_t>()[0]
                          : a->offsets<int32_t>()[a->length] - a->offsets<int32_t>()[0];
    }
  }
  if (arrays.size() == 1) return arrays[0];
  LF_ASSIGN_OR_RETURN(std::unique_ptr<ArrayBuilder> builder, MakeBuilder(type));
  builder->Reserve(total);
  if (binary_like) {
    if (large) {
      static_cast<LargeBinaryBuilder*>(builder.get())->ReserveData(data_bytes);
    } else {
      static_cast<BinaryBuilder*>(builder.get())->ReserveData(data_bytes);
    }
  }
  for (const ArrayDataPtr& a : arrays) {
    LF_RETURN_NOT_OK(builder->AppendArraySlice(*a, 0, a->length));
  }
  return builder->Finish();
}

Result<ArrayDataPtr> MakeArrayOfNulls(const DataTypePtr& type, int64_t length) {
  if (length < 0) return Status::Invalid("MakeArrayOfNulls: negative length");
  LF_ASSIGN_OR_RETURN(std::unique_ptr<ArrayBuilder> builder, MakeBuilder(type));
  builder->Reserve(length);
  builder->AppendNulls(length);
  return builder->Finish();
}

}  // namespace lanceflow::arrow
