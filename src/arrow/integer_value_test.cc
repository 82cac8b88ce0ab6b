#include "lanceflow/arrow/integer_value.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "lanceflow/arrow/builder.h"

namespace lanceflow::arrow {
namespace {

template <typename T>
ArrayDataPtr Build(const DataTypePtr& type, const std::vector<T>& values) {
  FixedWidthBuilder<T> b(type);
  for (T v : values) b.Append(v);
  auto a = b.Finish();
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return *a;
}

template <typename T>
struct IntegerCase {
  using Value = T;
};

template <typename C>
class IntegerValueTest : public ::testing::Test {};

using IntegerCases =
    ::testing::Types<IntegerCase<int8_t>, IntegerCase<int16_t>, IntegerCase<int32_t>,
                     IntegerCase<int64_t>, IntegerCase<uint8_t>, IntegerCase<uint16_t>,
                     IntegerCase<uint32_t>>;
TYPED_TEST_SUITE(IntegerValueTest, IntegerCases);

DataTypePtr TypeFor(int8_t) { return int8(); }
DataTypePtr TypeFor(int16_t) { return int16(); }
DataTypePtr TypeFor(int32_t) { return int32(); }
DataTypePtr TypeFor(int64_t) { return int64(); }
DataTypePtr TypeFor(uint8_t) { return uint8(); }
DataTypePtr TypeFor(uint16_t) { return uint16(); }
DataTypePtr TypeFor(uint32_t) { return uint32(); }

// Every value of the type's range survives the widening with its sign, also through a slice
// (the array offset applies).
TYPED_TEST(IntegerValueTest, WidensExtremesAndHonoursOffset) {
  using T = typename TypeParam::Value;
  const T lo = std::numeric_limits<T>::min();
  const T hi = std::numeric_limits<T>::max();
  const std::vector<T> values = {lo,   static_cast<T>(lo + 1), T{0},
                                 T{7}, static_cast<T>(hi - 1), hi};
  const DataTypePtr type = TypeFor(T{});
  ArrayDataPtr a = Build<T>(type, values);
  for (size_t i = 0; i < values.size(); ++i) {
    const auto v = IntegerValueAt(*a, static_cast<int64_t>(i));
    ASSERT_TRUE(v.has_value()) << i;
    EXPECT_EQ(*v, static_cast<int64_t>(values[i])) << i;
    EXPECT_EQ(IntegerValueAt(*a, type->id(), static_cast<int64_t>(i)), v);
  }
  ArrayDataPtr s = a->Slice(3, 3);
  EXPECT_EQ(IntegerValueAt(*s, 0), std::optional<int64_t>(7));
  EXPECT_EQ(IntegerValueAt(*s, 2), std::optional<int64_t>(static_cast<int64_t>(hi)));
}

TEST(IntegerValue, UInt64BeyondInt64IsNullopt) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  ArrayDataPtr a = Build<uint64_t>(uint64(), {0, 42, limit, limit + 1, max});
  EXPECT_EQ(IntegerValueAt(*a, 0), std::optional<int64_t>(0));
  EXPECT_EQ(IntegerValueAt(*a, 1), std::optional<int64_t>(42));
  EXPECT_EQ(IntegerValueAt(*a, 2), std::optional<int64_t>(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(IntegerValueAt(*a, 3), std::nullopt);
  EXPECT_EQ(IntegerValueAt(*a, 4), std::nullopt);
}

// Types stored as integers that are not integer types are refused unless the caller names the
// storage type explicitly.
TEST(IntegerValue, NonIntegerTypesAreNullopt) {
  ArrayDataPtr d = Build<int32_t>(date32(), {19000});
  EXPECT_EQ(IntegerValueAt(*d, 0), std::nullopt);
  EXPECT_EQ(IntegerValueAt(*d, TypeId::kInt32, 0), std::optional<int64_t>(19000));

  ArrayDataPtr ts = Build<int64_t>(timestamp(TimeUnit::kMicro), {-5});
  EXPECT_EQ(IntegerValueAt(*ts, 0), std::nullopt);
  EXPECT_EQ(IntegerValueAt(*ts, TypeId::kInt64, 0), std::optional<int64_t>(-5));

  ArrayDataPtr f = Build<double>(float64(), {1.0});
  EXPECT_EQ(IntegerValueAt(*f, 0), std::nullopt);
}

// A dictionary array's indices read through its index type.
TEST(IntegerValue, DictionaryIndicesThroughIndexType) {
  const DataTypePtr type = dictionary(uint16(), utf8());
  auto words = MakeBuilder(utf8());
  ASSERT_TRUE(words.ok());
  for (const char* w : {"a", "b", "c"}) static_cast<StringBuilder*>(words->get())->Append(w);
  auto dict = (*words)->Finish();
  ASSERT_TRUE(dict.ok());
  DictionaryBuilder<uint16_t> b(type);
  b.SetDictionary(*dict);
  b.Append(2);
  b.AppendNull();
  b.Append(0);
  auto a = b.Finish();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(IntegerValueAt(**a, 0), std::nullopt);
  const TypeId index = type->index_type()->id();
  EXPECT_EQ(IntegerValueAt(**a, index, 0), std::optional<int64_t>(2));
  EXPECT_EQ(IntegerValueAt(**a, index, 2), std::optional<int64_t>(0));
}

}  // namespace
}  // namespace lanceflow::arrow
