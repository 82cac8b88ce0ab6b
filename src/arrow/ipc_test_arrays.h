// Test support: builds ArrayData by hand from plain values (no builder code), for IPC tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/core/buffer.h"

namespace lanceflow::arrow::ipc::testing {

template <typename T>
BufferPtr BufferOf(const std::vector<T>& values) {
  return Buffer::CopyOf(values.data(), static_cast<int64_t>(values.size() * sizeof(T)));
}

// A validity bitmap, or null when every slot is valid; `nulls` receives the null count.
inline BufferPtr ValidityOf(const std::vector<bool>& valid, int64_t* nulls) {
  *nulls = 0;
  std::vector<uint8_t> bits((valid.size() + 7) / 8, 0);
  for (size_t i = 0; i < valid.size(); ++i) {
    if (valid[i]) {
      bits[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
    } else {
      ++*nulls;
    }
  }
  return *nulls == 0 ? nullptr : BufferOf(bits);
}

inline ArrayDataPtr MakeArray(DataTypePtr type, int64_t length, const std::vector<bool>& valid,
                              std::vector<BufferPtr> rest, std::vector<ArrayDataPtr> children = {},
                              ArrayDataPtr dictionary = nullptr) {
  auto a = std::make_shared<ArrayData>();
  a->type = std::move(type);
  a->length = length;
  int64_t nulls = 0;
  BufferPtr validity = ValidityOf(valid, &nulls);
  a->null_count = nulls;
  a->buffers.push_back(validity);
  for (auto& b : rest) a->buffers.push_back(std::move(b));
  a->children = std::move(children);
  a->dictionary = std::move(dictionary);
  return a;
}

inline std::vector<bool> AllValid(size_t n) { return std::vector<bool>(n, true); }

template <typename T>
ArrayDataPtr Prim(DataTypePtr type, const std::vector<std::optional<T>>& values) {
  std::vector<T> raw;
  std::vector<bool> valid;
  for (const auto& v : values) {
    raw.push_back(v.value_or(T{}));
    valid.push_back(v.has_value());
  }
  return MakeArray(std::move(type), static_cast<int64_t>(values.size()), valid, {BufferOf(raw)});
}

inline ArrayDataPtr Bools(const std::vector<std::optional<bool>>& values) {
  std::vector<uint8_t> bits((values.size() + 7) / 8, 0);
  std::vector<bool> valid;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].value_or(false)) bits[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
    valid.push_back(values[i].has_value());
  }
  return MakeArray(boolean(), static_cast<int64_t>(values.size()), valid, {BufferOf(bits)});
}

template <typename OffsetT>
ArrayDataPtr Strings(DataTypePtr type, const std::vector<std::optional<std::string>>& values) {
  std::vector<OffsetT> offsets{0};
  std::string data;
  std::vector<bool> valid;
  for (const auto& v : values) {
    if (v) data += *v;
    offsets.push_back(static_cast<OffsetT>(data.size()));
    valid.push_back(v.has_value());
  }
  return MakeArray(std::move(type), static_cast<int64_t>(values.size()), valid,
                   {BufferOf(offsets), Buffer::CopyOf(data)});
}

inline ArrayDataPtr FixedBinary(int32_t width,
                                const std::vector<std::optional<std::string>>& values) {
  std::string data;
  std::vector<bool> valid;
  for (const auto& v : values) {
    data += v ? *v : std::string(static_cast<size_t>(width), '\0');
    valid.push_back(v.has_value());
  }
  return MakeArray(fixed_size_binary(width), static_cast<int64_t>(values.size()), valid,
                   {Buffer::CopyOf(data)});
}

// A list array whose slot i holds `sizes[i]` child items (null slots: nullopt, no items).
template <typename OffsetT>
ArrayDataPtr ListOf(DataTypePtr type, ArrayDataPtr child,
                    const std::vector<std::optional<int64_t>>& sizes) {
  std::vector<OffsetT> offsets{0};
  std::vector<bool> valid;
  for (const auto& s : sizes) {
    offsets.push_back(static_cast<OffsetT>(offsets.back() + s.value_or(0)));
    valid.push_back(s.has_value());
  }
  return MakeArray(std::move(type), static_cast<int64_t>(sizes.size()), valid, {BufferOf(offsets)},
                   {std::move(child)});
}

inline ArrayDataPtr NullArray(int64_t length) {
  auto a = std::make_shared<ArrayData>();
  a->type = null();
  a->length = length;
  a->null_count = length;
  return a;
}

// Shallow slice with Arrow semantics (offset applies to this array's buffers).
inline ArrayDataPtr SliceOf(const ArrayDataPtr& a, int64_t start, int64_t length) {
  auto s = std::make_shared<ArrayData>(*a);
  s->offset += start;
  s->length = length;
  s->null_count = a->type->id() == TypeId::kNull ? length : -1;
  return s;
}

inline RecordBatchPtr SliceBatch(const RecordBatchPtr& b, int64_t start, int64_t length) {
  std::vector<ArrayDataPtr> cols;
  for (const auto& c : b->columns()) cols.push_back(SliceOf(c, start, length));
  return std::make_shared<RecordBatch>(b->schema(), length, std::move(cols));
}

}  // namespace lanceflow::arrow::ipc::testing
