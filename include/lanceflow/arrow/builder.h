// Append-style array builders for every type of type.h, plus ConcatenateArrays and
// MakeArrayOfNulls.
//
// Typed builders (FixedWidthBuilder<T>, BooleanBuilder, BinaryBuilder, ListBuilder, ...) are
// `final` and their Append methods are inline, so a decoder holding a typed pointer pays no
// virtual call per value; bulk methods (AppendValues, AppendForWrite, AppendArraySlice) copy
// whole runs with memcpy. The ArrayBuilder base gives a generic interface over a builder tree
// (MakeBuilder) for code that does not know the type statically.
//
// Validity is built lazily: no bitmap is allocated until the first null, and arrays without
// nulls come out with a null validity buffer. Finish() hands the buffers over and resets the
// builder to empty (same type) so it can be reused.
//
// Builders do not validate values (e.g. dictionary indices, UTF-8): decoders of untrusted bytes
// run ValidateArray on the result. Thread safety: a builder is used by one thread at a time.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/arrow/decimal.h"
#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"

namespace lanceflow::arrow {

class ArrayBuilder {
 public:
  explicit ArrayBuilder(DataTypePtr type) : type_(std::move(type)) {}
  virtual ~ArrayBuilder() = default;
  ArrayBuilder(const ArrayBuilder&) = delete;
  ArrayBuilder& operator=(const ArrayBuilder&) = delete;

  const DataTypePtr& type() const { return type_; }
  int64_t length() const { return length_; }
  int64_t null_count() const { return null_count_; }

  // Makes room for `additional` more slots (values included for fixed-width types), so that
  // appending them does not reallocate.
  virtual void Reserve(int64_t additional) = 0;
  // Appends `n` null slots (nested builders also append placeholders to their children where
  // the layout needs them: struct fields, fixed_size_list items).
  virtual void AppendNulls(int64_t n) = 0;
  void AppendNull() { AppendNulls(1); }
  // Appends slots [start, start+count) of `array` (logical positions, `array.offset` is applied
  // here). `array` must have this builder's type and have passed ValidateArray; the range must
  // lie within it.
  virtual Status AppendArraySlice(const ArrayData& array, int64_t start, int64_t count) = 0;
  // The array built so far; the builder is empty afterwards. Fails when the content does not
  // fit the type (more than 2^31-1 bytes or items behind int32 offsets) or when a nested
  // builder's children were left with inconsistent lengths.
  virtual Result<ArrayDataPtr> Finish() = 0;

  // Child builders of nested types (list item, struct fields), for generic decoders.
  virtual int num_children() const { return 0; }
  virtual ArrayBuilder* child(int i) { return nullptr; }

 protected:
  // Validity bookkeeping shared by all builders. Invariant: bits at positions >= length_ of
  // validity_ are zero, and validity_.size() counts zeroed bytes available for them.
  void AppendValidBit() {
    if (has_validity_) {
      EnsureValidityBits(length_ + 1);
      SetBit(validity_.mutable_data(), length_);
    }
    ++length_;
  }
  void AppendNullBit() {
    if (!has_validity_) MaterializeValidity();
    EnsureValidityBits(length_ + 1);
    ++null_count_;
    ++length_;
  }
  void AppendValidBits(int64_t n);
  void AppendNullBits(int64_t n);
  // `bitmap` null means all valid; otherwise bits [offset, offset+n) of it.
  void AppendValidityBitmap(const uint8_t* bitmap, int64_t offset, int64_t n);
  // One byte per slot, non-zero = valid.
  void AppendValidityBytes(const uint8_t* valid_bytes, int64_t n);
  void ReserveValidity(int64_t additional);
  void EnsureValidityBits(int64_t bits) {
    if (BytesForBits(bits) > validity_.size()) GrowValidity(bits);
  }
  // Starts an ArrayData with type, length, null_count and the validity buffer, and resets the
  // shared state.
  std::shared_ptr<ArrayData> FinishBase();

  DataTypePtr type_;
  int64_t length_ = 0;
  int64_t null_count_ = 0;

 private:
  void MaterializeValidity();
  void GrowValidity(int64_t bits);

  BufferBuilder validity_;
  bool has_validity_ = false;
};

// Builder for every type whose slots are `sizeof(T)` bytes: integers, floats (float16 as
// uint16_t bits), date32/64, time32/64, timestamp, duration (their integer storage), decimal128
// (Decimal128), decimal256 (Decimal256). `type` must have byte_width() == sizeof(T).
template <typename T>
class FixedWidthBuilder final : public ArrayBuilder {
 public:
  using ValueType = T;
  explicit FixedWidthBuilder(DataTypePtr type) : ArrayBuilder(std::move(type)) {}

  void Append(T v) {
    values_.AppendValue(v);
    AppendValidBit();
  }
  void AppendNull() {
    values_.AppendValue(T{});
    AppendNullBit();
  }
  void AppendNulls(int64_t n) override {
    values_.AppendZeros(n * static_cast<int64_t>(sizeof(T)));
    AppendNullBits(n);
  }
  // Appends `n` values; `validity` (null = all valid) is a bitmap read from `validity_offset`.
  void AppendValues(const T* values, int64_t n, const uint8_t* validity = nullptr,
                    int64_t validity_offset = 0) {
    values_.Append(values, n * static_cast<int64_t>(sizeof(T)));
    AppendValidityBitmap(validity, validity_offset, n);
  }
  // Appends `n` values with one validity byte per value (non-zero = valid).
  void AppendValuesWithValidBytes(const T* values, int64_t n, const uint8_t* valid_bytes) {
    values_.Append(values, n * static_cast<int64_t>(sizeof(T)));
    AppendValidityBytes(valid_bytes, n);
  }
  // Appends `n` zero-initialised slots and returns where to write their values, for decoders
  // that decode in place. The pointer is valid until the next append. Validity as above.
  T* AppendForWrite(int64_t n, const uint8_t* validity = nullptr, int64_t validity_offset = 0) {
    const int64_t old = values_.size();
    values_.AppendZeros(n * static_cast<int64_t>(sizeof(T)));
    AppendValidityBitmap(validity, validity_offset, n);
    return reinterpret_cast<T*>(values_.mutable_data() + old);
  }
  // Values appended so far (slot i at [i]); null slots hold zero.
  T* mutable_values() { return values_.mutable_data_as<T>(); }

  void Reserve(int64_t additional) override {
    values_.Reserve(values_.size() + additional * static_cast<int64_t>(sizeof(T)));
    ReserveValidity(additional);
  }
  Status AppendArraySlice(const ArrayData& array, int64_t start, int64_t count) override {
    if (count <= 0) return Status::OK();
    values_.Append(array.buffers[1]->data() + (array.offset + start) * sizeof(T),
                   count * static_cast<int64_t>(sizeof(T)));
    AppendValidityBitmap(array.buffers[0] ? array.buffers[0]->data() : nullptr,
                         array.offset + start, count);
    return Status::OK();
  }
  Result<ArrayDataPtr> Finish() override {
    auto out = FinishBase();
    out->buffers.push_back(values_.Finish());
    return ArrayDataPtr(std::move(out));
  }

 private:
  BufferBuilder values_;
};

using Int8Builder = FixedWidthBuilder<int8_t>;
using Int16Builder = FixedWidthBuilder<int16_t>;
using Int32Builder = FixedWidthBuilder<int32_t>;  // also date32, time32
using Int64Builder = FixedWidthBuilder<int64_t>;  // also date64, time64, timestamp, duration
using UInt8Builder = FixedWidthBuilder<uint8_t>;
using UInt16Builder = FixedWidthBuilder<uint16_t>;  // also float16 (raw bits)
using UInt32Builder = FixedWidthBuilder<uint32_t>;
using UInt64Builder = FixedWidthBuilder<uint64_t>;
using Float32Builder = FixedWidthBuilder<float>;
using Float64Builder = FixedWidthBuilder<double>;
using Decimal128Builder = FixedWidthBuilder<Decimal128>;
using Decimal256Builder = FixedWidthBuilder<Decimal256>;

class BooleanBuilder final : public ArrayBuilder {
 public:
  explicit BooleanBuilder(DataTypePtr type = boolean()) : ArrayBuilder(std::move(type)) {}

  void Append(bool v) {
    EnsureValueBits(length_ + 1);
    if (v) SetBit(bits_.mutable_data(), length_);
    AppendValidBit();
  }
  void AppendNull() {
    EnsureValueBits(length_ + 1);
    AppendNullBit();
  }
  void AppendNulls(int64_t n) override;
  // Values from bits [values_offset, values_offset+n) of a bitmap.
  void AppendValues(const uint8_t* values_bitmap, int64_t values_offset, int64_t n,
                    const uint8_t* validity = nullptr, int64_t validity_offset = 0);
  // Values from one byte per value (non-zero = true).
  void AppendValueBytes(const uint8_t* value_bytes, int64_t n, const uint8_t* validity = nullptr,
                        int64_t validity_offset = 0);

  void Reserve(int64_t additional) override;
  Status AppendArraySlice(const ArrayData& array, int64_t start, int64_t count) override;
  Result<ArrayDataPtr> Finish() override;

 private:
  void EnsureValueBits(int64_t bits) {
    if (BytesForBits(bits) > bits_.size()) GrowValueBits(bits);
  }
  void GrowValueBits(int64_t bits);
  BufferBuilder bits_;  // same zeroed-tail invariant as the validity bitmap
};

// utf8/binary (OffsetT = int32_t) and large_utf8/large_binary (int64_t). The type decides which
// of the two; the builder does not check UTF-8.
template <typename OffsetT>
class BaseBinaryBuilder final : public ArrayBuilder {
 public:
  static_assert(std::is_same_v<OffsetT, int32_t> || std::is_same_v<OffsetT, int64_t>);
  explicit BaseBinaryBuilder(DataTypePtr type) : ArrayBuilder(std::move(type)) {
    offsets_.AppendValue(OffsetT{0});
  }

  void Append(const void* bytes, int64_t n) {
    data_.Append(bytes, n);
    AppendOffset();
    AppendValidBit();
  }
  void Append(std::string_view s) { Append(s.data(), static_cast<int64_t>(s.size())); }
  void AppendNull() {
    AppendOffset();
    AppendNullBit();
  }
  void AppendNulls(int64_t n) override {
    for (int64_t i = 0; i < n; ++i) AppendOffset();
    AppendNullBits(n);
  }
  // Appends `n` values given as `n + 1` offsets (any base, int32 or int64) into `data`; the
  // bytes [offsets[0], offsets[n]) are copied once and the offsets rebased.
  template <typename InOffsetT>
  void AppendValues(const InOffsetT* offsets, const uint8_t* data, int64_t n,
                    const uint8_t* validity = nullptr, int64_t validity_offset = 0) {
    if (n <= 0) return;
    const int64_t in_base = static_cast<int64_t>(offsets[0]);
    const int64_t out_base = data_.size();
    data_.Append(data + in_base, static_cast<int64_t>(offsets[n]) - in_base);
    offsets_.Reserve(offsets_.size() + n * static_cast<int64_t>(sizeof(OffsetT)));
    for (int64_t i = 1; i <= n; ++i) {
      offsets_.AppendValue(
          static_cast<OffsetT>(out_base + (static_cast<int64_t>(offsets[i]) - in_base)));
    }
    CheckOffsetOverflow();
    AppendValidityBitmap(validity, validity_offset, n);
  }
  // Makes room for `bytes` more bytes of values.
  void ReserveData(int64_t bytes) { data_.Reserve(data_.size() + bytes); }
  int64_t value_data_length() const { return data_.size(); }

  void Reserve(int64_t additional) override {
    offsets_.Reserve(offsets_.size() + additional * static_cast<int64_t>(sizeof(OffsetT)));
    ReserveValidity(additional);
  }
  Status AppendArraySlice(const ArrayData& array, int64_t start, int64_t count) override {
    if (count <= 0) return Status::OK();
    const OffsetT* o = array.offsets<OffsetT>() + start;
    const uint8_t* data = array.buffers[2] ? array.buffers[2]->data() : nullptr;
    AppendValues(o, data, count, array.buffers[0] ? array.buffers[0]->data() : nullptr,
                 array.offset + start);
    return Status::OK();
  }
  Result<ArrayDataPtr> Finish() override;

 private:
  void AppendOffset() {
    offsets_.AppendValue(static_cast<OffsetT>(data_.size()));
    CheckOffsetOverflow();
  }
  void CheckOffsetOverflow() {
    if constexpr (sizeof(OffsetT) == 4) {
      if (data_.size() > std::numeric_limits<int32_t>::max()) overflow_ = true;
    }
  }
  BufferBuilder offsets_;
  BufferBuilder data_;
  bool overflow_ = false;
};

using BinaryBuilder = BaseBinaryBuilder<int32_t>;       // binary and utf8
using StringBuilder = BaseBinaryBuilder<int32_t>;
using LargeBinaryBuilder = BaseBinaryBuilder<int64_t>;  // large_binary and large_utf8
using LargeStringBuilder = BaseBinaryBuilder<int64_t>;

class FixedSizeBinaryBuilder final : public ArrayBuilder {
 public:
  explicit FixedSizeBinaryBuilder(DataTypePtr type)
      : ArrayBuilder(std::move(type)), width_(type_->fixed_size()) {}

  int32_t byte_width() const { return width_; }
  // Appends byte_width() bytes.
  void Append(const void* bytes) {
    data_.Append(bytes, width_);
    AppendValidBit();
  }
  void AppendNull() {
    data_.AppendZeros(width_);
    AppendNullBit();
  }
  void AppendNulls(int64_t n) override {
    data_.AppendZeros(n * width_);
    AppendNullBits(n);
  }
  // `n` values of byte_width() bytes each, back to back.
  void AppendValues(const uint8_t* data, int64_t n, const uint8_t* validity = nullptr,
                    int64_t validity_offset = 0) {
    data_.Append(data, n * width_);
    AppendValidityBitmap(validity, validity_offset, n);
  }

  void Reserve(int64_t additional) override {
    data_.Reserve(data_.size() + additional * width_);
    ReserveValidity(additional);
  }
  Status AppendArraySlice(const ArrayData& array, int64_t start, int64_t count) override;
  Result<ArrayDataPtr> Finish() override;

 private:
  int32_t width_;
  BufferBuilder data_;
};

// list (OffsetT = int32_t) and large_list (int64_t). Append() opens a valid slot whose items are
// then appended to value_builder(); the slot ends where the next one starts.
template <typename OffsetT>
class BaseListBuilder final : public ArrayBuilder {
 public:
  BaseListBuilder(DataTypePtr type, std::unique_ptr<ArrayBuilder> value_builder)
      : ArrayBuilder(std::move(type)), values_(std::move(value_builder)) {}

  ArrayBuilder* value_builder() const { return values_.get(); }
  void Append() {
    offsets_.AppendValue(static_cast<OffsetT>(values_->length()));
    AppendValidBit();
  }
  void AppendNull() {
    offsets_.AppendValue(static_cast<OffsetT>(values_->length()));
    AppendNullBit();
  }
  void AppendNulls(int64_t n) override {
    for (int64_t i = 0; i < n; ++i) offsets_.AppendValue(static_cast<OffsetT>(values_->length()));
    AppendNullBits(n);
  }
  // Appends `n` slots described by `n + 1` offsets (any base). Their items are the next
  // offsets[n] - offsets[0] items appended to value_builder(), so call this before appending
  // them.
  template <typename InOffsetT>
  void AppendOffsets(const InOffsetT* offsets, int64_t n, const uint8_t* validity = nullptr,
                     int64_t validity_offset = 0) {
    if (n <= 0) return;
    const int64_t in_base = static_cast<int64_t>(offsets[0]);
    const int64_t out_base = values_->length();
    offsets_.Reserve(offsets_.size() + n * static_cast<int64_t>(sizeof(OffsetT)));
    for (int64_t i = 0; i < n; ++i) {
      offsets_.AppendValue(
          static_cast<OffsetT>(out_base + (static_cast<int64_t>(offsets[i]) - in_base)));
    }
    AppendValidityBitmap(validity, validity_offset, n);
  }

  void Reserve(int64_t additional) override {
    offsets_.Reserve(offsets_.size() + (additional + 1) * static_cast<int64_t>(sizeof(OffsetT)));
    ReserveValidity(additional);
  }
  Status AppendArraySlice(const ArrayData& array, int64_t start, int64_t count) override;
  Result<ArrayDataPtr> Finish() override;
  int num_children() const override { return 1; }
  ArrayBuilder* child(int i) override { return i == 0 ? values_.get() : nullptr; }

 private:
  std::unique_ptr<ArrayBuilder> values_;
  BufferBuilder offsets_;  // the start of every slot; the end offset is added by Finish
};

using ListBuilder = BaseListBuilder<int32_t>;
using LargeListBuilder = BaseListBuilder<int64_t>;

// fixed_size_list: every slot, null or not, holds list_size() items of value_builder().
// Append() marks a valid slot whose list_size() items the caller appends; AppendNull() appends
// the slot and list_size() null items itself.
class FixedSizeListBuilder final : public ArrayBuilder {
 public:
  FixedSizeListBuilder(DataTypePtr type, std::unique_ptr<ArrayBuilder> value_builder)
      : ArrayBuilder(std::move(type)),
        list_size_(type_->fixed_size()),
        values_(std::move(value_builder)) {}

  ArrayBuilder* value_builder() const { return values_.get(); }
  int32_t list_size() const { return list_size_; }
  void Append() { AppendValidBit(); }
  void AppendNull() {
    values_->AppendNulls(list_size_);
    AppendNullBit();
  }
  void AppendNulls(int64_t n) override {
    values_->AppendNulls(n * list_size_);
    AppendNullBits(n);
  }
  // Appends `n` slots whose n * list_size() items (null slots included) the caller appends to
  // value_builder().
  void AppendSlots(int64_t n, const uint8_t* validity = nullptr, int64_t validity_offset = 0) {
    AppendValidityBitmap(validity, validity_offset, n);
  }

  void Reserve(int64_t additional) override {
    ReserveValidity(additional);
    values_->Reserve(additional * list_size_);
  }
  Status AppendArraySlice(const ArrayData& array, int64_t start, int64_t count) override;
  Result<ArrayDataPtr> Finish() override;
  int num_children() const override { return 1; }
  ArrayBuilder* child(int i) override { return i == 0 ? values_.get() : nullptr; }

 private:
  int32_t list_size_;
  std::unique_ptr<ArrayBuilder> values_;
};

// struct: Append() marks a valid slot for which the caller appends one value to every field
// builder; AppendNull() appends the slot and a null to every field itself.
class StructBuilder final : public ArrayBuilder {
 public:
  StructBuilder(DataTypePtr type, std::vector<std::unique_ptr<ArrayBuilder>> field_builders)
      : ArrayBuilder(std::move(type)), fields_(std::move(field_builders)) {}

  ArrayBuilder* field_builder(int i) const { return fields_[static_cast<size_t>(i)].get(); }
  void Append() { AppendValidBit(); }
  void AppendNull() { AppendNulls(1); }
  void AppendNulls(int64_t n) override {
    for (auto& f : fields_) f->AppendNulls(n);
    AppendNullBits(n);
  }
  // Appends `n` slots whose field values (null slots included) the caller appends.
  void AppendSlots(int64_t n, const uint8_t* validity = nullptr, int64_t validity_offset = 0) {
    AppendValidityBitmap(validity, validity_offset, n);
  }

  void Reserve(int64_t additional) override {
    ReserveValidity(additional);
    for (auto& f : fields_) f->Reserve(additional);
  }
  Status AppendArraySlice(const ArrayData& array, int64_t start, int64_t count) override;
  Result<ArrayDataPtr> Finish() override;
  int num_children() const override { return static_cast<int>(fields_.size()); }
  ArrayBuilder* child(int i) override { return fields_[static_cast<size_t>(i)].get(); }

 private:
  std::vector<std::unique_ptr<ArrayBuilder>> fields_;
};

// Dictionary-encoded arrays from indices plus a dictionary array. `IndexT` is the C type of the
// type's index_type. The indices refer to the dictionary given with SetDictionary;
// AppendArraySlice of arrays with other dictionaries appends those dictionaries after it and
// shifts their indices (no de-duplication). Finish() with no dictionary gives an empty one, and
// clears the dictionary along with the indices.
template <typename IndexT>
class DictionaryBuilder final : public ArrayBuilder {
 public:
  static_assert(std::is_integral_v<IndexT>);
  explicit DictionaryBuilder(DataTypePtr type) : ArrayBuilder(std::move(type)) {}

  // The dictionary that indices appended from now on refer to (replaces any earlier one).
  void SetDictionary(ArrayDataPtr dictionary) {
    dict_chunks_.clear();
    dict_base_.clear();
    dict_length_ = 0;
    if (dictionary) AddDictionaryChunk(std::move(dictionary));
  }
  void Append(IndexT index) {
    indices_.AppendValue(index);
    AppendValidBit();
  }
  void AppendNull() {
    indices_.AppendValue(IndexT{0});
    AppendNullBit();
  }
  void AppendNulls(int64_t n) override {
    indices_.AppendZeros(n * static_cast<int64_t>(sizeof(IndexT)));
    AppendNullBits(n);
  }
  void AppendIndices(const IndexT* indices, int64_t n, const uint8_t* validity = nullptr,
                     int64_t validity_offset = 0) {
    indices_.Append(indices, n * static_cast<int64_t>(sizeof(IndexT)));
    AppendValidityBitmap(validity, validity_offset, n);
  }

  void Reserve(int64_t additional) override {
    indices_.Reserve(indices_.size() + additional * static_cast<int64_t>(sizeof(IndexT)));
    ReserveValidity(additional);
  }
  Status AppendArraySlice(const ArrayData& array, int64_t start, int64_t count) override;
  Result<ArrayDataPtr> Finish() override;

 private:
  int64_t AddDictionaryChunk(ArrayDataPtr dictionary) {
    const int64_t base = dict_length_;
    dict_base_.emplace(dictionary.get(), base);
    dict_length_ += dictionary->length;
    dict_chunks_.push_back(std::move(dictionary));
    return base;
  }
  BufferBuilder indices_;
  std::vector<ArrayDataPtr> dict_chunks_;
  std::unordered_map<const ArrayData*, int64_t> dict_base_;  // chunk -> its first index
  int64_t dict_length_ = 0;
};

// null type: only a length.
class NullBuilder final : public ArrayBuilder {
 public:
  explicit NullBuilder(DataTypePtr type = null()) : ArrayBuilder(std::move(type)) {}
  void AppendNulls(int64_t n) override {
    length_ += n;
    null_count_ += n;
  }
  void Reserve(int64_t) override {}
  Status AppendArraySlice(const ArrayData&, int64_t, int64_t count) override {
    AppendNulls(count);
    return Status::OK();
  }
  Result<ArrayDataPtr> Finish() override;
};

// A builder tree for any well-formed type: the concrete class is the typed builder named above
// for the type (FixedWidthBuilder<int32_t> for date32, DictionaryBuilder<int16_t> for int16
// indices, ...), so callers may static_cast to it.
Result<std::unique_ptr<ArrayBuilder>> MakeBuilder(const DataTypePtr& type);

extern template class BaseBinaryBuilder<int32_t>;
extern template class BaseBinaryBuilder<int64_t>;
extern template class BaseListBuilder<int32_t>;
extern template class BaseListBuilder<int64_t>;
extern template class DictionaryBuilder<int8_t>;
extern template class DictionaryBuilder<int16_t>;
extern template class DictionaryBuilder<int32_t>;
extern template class DictionaryBuilder<int64_t>;
extern template class DictionaryBuilder<uint8_t>;
extern template class DictionaryBuilder<uint16_t>;
extern template class DictionaryBuilder<uint32_t>;
extern template class DictionaryBuilder<uint64_t>;

// One array holding the slots of `arrays` in order (all of the same type, validated). Copies;
// dictionary arrays with different dictionaries get their dictionaries appended and indices
// shifted (an error if the index type cannot address the combined dictionary). A single input
// is returned as is.
Result<ArrayDataPtr> ConcatenateArrays(const std::vector<ArrayDataPtr>& arrays);

// An array of `length` null slots (nested: null parents over null children; dictionary: an
// empty dictionary).
Result<ArrayDataPtr> MakeArrayOfNulls(const DataTypePtr& type, int64_t length);
inline Result<ArrayDataPtr> MakeEmptyArray(const DataTypePtr& type) {
  return MakeArrayOfNulls(type, 0);
}

}  // namespace lanceflow::arrow
