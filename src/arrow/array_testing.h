// Helpers for arrow unit tests: hand-made buffers and arrays, so that tests can build exactly the
// (possibly corrupt) layouts they need.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/arrow/builder.h"
#include "lanceflow/core/buffer.h"

namespace lanceflow::arrow::testing {

template <typename T>
BufferPtr BufferOf(const std::vector<T>& values) {
  return Buffer::CopyOf(values.data(), static_cast<int64_t>(values.size() * sizeof(T)));
}

// A validity/boolean bitmap from a string of '0'/'1' characters, slot 0 first.
inline BufferPtr Bits(std::string_view pattern) {
  std::vector<uint8_t> bytes(BytesForBits(static_cast<int64_t>(pattern.size())), 0);
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '1') SetBit(bytes.data(), static_cast<int64_t>(i));
  }
  return BufferOf(bytes);
}

inline std::shared_ptr<ArrayData> MakeData(DataTypePtr type, int64_t length,
                                           std::vector<BufferPtr> buffers,
                                           int64_t null_count = 0,
                                           std::vector<ArrayDataPtr> children = {}) {
  auto a = std::make_shared<ArrayData>();
  a->type = std::move(type);
  a->length = length;
  a->null_count = null_count;
  a->buffers = std::move(buffers);
  a->children = std::move(children);
  return a;
}

// int32 array; nullopt-like nulls are given by `valid` ('0' = null), empty = all valid.
inline std::shared_ptr<ArrayData> Int32s(const std::vector<int32_t>& values,
                                         std::string_view valid = "") {
  int64_t nulls = 0;
  for (char c : valid) nulls += c == '0';
  return MakeData(int32(), static_cast<int64_t>(values.size()),
                  {valid.empty() ? nullptr : Bits(valid), BufferOf(values)}, nulls);
}

// utf8 (or binary with `type`) array from strings; `valid` as above.
inline std::shared_ptr<ArrayData> Strings(const std::vector<std::string>& values,
                                          std::string_view valid = "",
                                          DataTypePtr type = utf8()) {
  std::vector<int32_t> offsets{0};
  std::string data;
  for (const auto& s : values) {
    data += s;
    offsets.push_back(static_cast<int32_t>(data.size()));
  }
  int64_t nulls = 0;
  for (char c : valid) nulls += c == '0';
  return MakeData(std::move(type), static_cast<int64_t>(values.size()),
                  {valid.empty() ? nullptr : Bits(valid), BufferOf(offsets), Buffer::CopyOf(data)},
                  nulls);
}

inline ArrayDataPtr FinishOrDie(ArrayBuilder& b) {
  auto r = b.Finish();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : nullptr;
}

}  // namespace lanceflow::arrow::testing
