// Helpers for arrow unit tests: hand-made buffers and arrays, so that tests can build exactly the
// (possibly corrupt) layouts they need.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <random>
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

// One type of each kind (nested ones included), for tests that cover every type.
inline std::vector<DataTypePtr> AllTypes() {
  return {null(), boolean(), int8(), int16(), int32(), int64(), uint8(), uint16(), uint32(),
          uint64(), float16(), float32(), float64(), utf8(), large_utf8(), binary(),
          large_binary(), fixed_size_binary(4), date32(), date64(), time32(TimeUnit::kMilli),
          time64(TimeUnit::kNano), timestamp(TimeUnit::kMicro, "UTC"),
          duration(TimeUnit::kSecond), decimal128(10, 2), decimal256(50, 5),
          struct_({MakeField("a", int32()), MakeField("b", list(utf8()))}), list(int64()),
          large_list(boolean()), fixed_size_list(int16(), 2), dictionary(int32(), utf8()),
          dictionary(uint8(), struct_({MakeField("x", float64())}))};
}

// Deterministic pseudo-random content for any type via the generic builder interface: fixed
// width slots get random bytes, nested builders get consistent children.
inline void AppendRandom(ArrayBuilder* b, int64_t n, std::mt19937* rng);

inline void AppendRandomSlot(ArrayBuilder* b, std::mt19937* rng) {
  const DataType& t = *b->type();
  if ((*rng)() % 4 == 0 && t.id() != TypeId::kDictionary) {
    b->AppendNull();
    return;
  }
  switch (t.id()) {
    case TypeId::kNull: b->AppendNull(); return;
    case TypeId::kBool: static_cast<BooleanBuilder*>(b)->Append((*rng)() & 1); return;
    case TypeId::kUtf8: case TypeId::kBinary: {
      std::string s((*rng)() % 6, 'a');
      for (char& c : s) c = static_cast<char>('a' + (*rng)() % 26);
      static_cast<StringBuilder*>(b)->Append(s);
      return;
    }
    case TypeId::kLargeUtf8: case TypeId::kLargeBinary:
      static_cast<LargeStringBuilder*>(b)->Append(std::to_string((*rng)()));
      return;
    case TypeId::kFixedSizeBinary: {
      uint8_t bytes[4];
      for (auto& x : bytes) x = static_cast<uint8_t>((*rng)());
      static_cast<FixedSizeBinaryBuilder*>(b)->Append(bytes);
      return;
    }
    case TypeId::kStruct: {
      auto* sb = static_cast<StructBuilder*>(b);
      sb->Append();
      for (int k = 0; k < sb->num_children(); ++k) AppendRandomSlot(sb->child(k), rng);
      return;
    }
    case TypeId::kList: {
      auto* lb = static_cast<ListBuilder*>(b);
      lb->Append();
      AppendRandom(lb->value_builder(), (*rng)() % 4, rng);
      return;
    }
    case TypeId::kLargeList: {
      auto* lb = static_cast<LargeListBuilder*>(b);
      lb->Append();
      AppendRandom(lb->value_builder(), (*rng)() % 4, rng);
      return;
    }
    case TypeId::kFixedSizeList: {
      auto* fb = static_cast<FixedSizeListBuilder*>(b);
      fb->Append();
      AppendRandom(fb->value_builder(), fb->list_size(), rng);
      return;
    }
    case TypeId::kDictionary:
      // Handled by AppendRandom: indices need a dictionary.
      return;
    default: {
      // Fixed width: random bytes through a one-slot array and AppendArraySlice.
      const int w = t.byte_width();
      std::string bytes(static_cast<size_t>(w), '\0');
      for (char& c : bytes) c = static_cast<char>((*rng)());
      if (t.id() == TypeId::kDecimal128 || t.id() == TypeId::kDecimal256) {
        bytes.assign(static_cast<size_t>(w), '\0');
        bytes[0] = static_cast<char>((*rng)() % 100);
      }
      auto one = MakeData(b->type(), 1, {nullptr, Buffer::CopyOf(bytes)});
      ASSERT_TRUE(b->AppendArraySlice(*one, 0, 1).ok());
      return;
    }
  }
}

inline void AppendRandom(ArrayBuilder* b, int64_t n, std::mt19937* rng) {
  if (b->type()->id() == TypeId::kDictionary) {
    // A fresh random dictionary per call, indices into it.
    auto values = MakeBuilder(b->type()->value_type());
    ASSERT_TRUE(values.ok());
    AppendRandom(values->get(), 5, rng);
    auto dict = (*values)->Finish();
    ASSERT_TRUE(dict.ok());
    std::vector<int64_t> idx;
    std::string valid;
    for (int64_t i = 0; i < n; ++i) {
      idx.push_back((*rng)() % 5);
      valid += (*rng)() % 5 == 0 ? '0' : '1';
    }
    auto index_builder = MakeBuilder(b->type()->index_type());
    ASSERT_TRUE(index_builder.ok());
    for (int64_t i = 0; i < n; ++i) {
      std::string bytes(static_cast<size_t>(b->type()->index_type()->byte_width()), '\0');
      std::memcpy(bytes.data(), &idx[static_cast<size_t>(i)], bytes.size());
      auto one = MakeData(b->type()->index_type(), 1, {nullptr, Buffer::CopyOf(bytes)});
      ASSERT_TRUE((*index_builder)->AppendArraySlice(*one, 0, 1).ok());
    }
    auto indices = (*index_builder)->Finish();
    ASSERT_TRUE(indices.ok());
    auto arr = std::make_shared<ArrayData>(**indices);
    arr->type = b->type();
    arr->buffers[0] = Bits(valid);
    arr->null_count = -1;
    arr->dictionary = *dict;
    ASSERT_TRUE(ValidateArray(*arr).ok()) << ValidateArray(*arr).ToString();
    ASSERT_TRUE(b->AppendArraySlice(*arr, 0, n).ok());
    return;
  }
  for (int64_t i = 0; i < n; ++i) AppendRandomSlot(b, rng);
}

inline ArrayDataPtr RandomArray(const DataTypePtr& type, int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  auto b = MakeBuilder(type);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  AppendRandom(b->get(), n, &rng);
  return FinishOrDie(**b);
}

}  // namespace lanceflow::arrow::testing
