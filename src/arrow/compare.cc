#include "lanceflow/arrow/compare.h"

#include <cstring>
#include <string_view>

#include "lanceflow/arrow/bitmap.h"

namespace lanceflow::arrow {
namespace {

std::string_view BinaryValue(const ArrayData& a, int64_t i) {
  int64_t s, e;
  if (a.type->id() == TypeId::kLargeUtf8 || a.type->id() == TypeId::kLargeBinary) {
    s = a.offsets<int64_t>()[i];
    e = a.offsets<int64_t>()[i + 1];
  } else {
    s = a.offsets<int32_t>()[i];
    e = a.offsets<int32_t>()[i + 1];
  }
  if (e == s) return {};
  return {reinterpret_cast<const char*>(a.buffers[2]->data()) + s, static_cast<size_t>(e - s)};
}

void ListRange(const ArrayData& a, int64_t i, int64_t* start, int64_t* end) {
  switch (a.type->id()) {
    case TypeId::kList:
      *start = a.offsets<int32_t>()[i];
      *end = a.offsets<int32_t>()[i + 1];
      break;
    case TypeId::kLargeList:
      *start = a.offsets<int64_t>()[i];
      *end = a.offsets<int64_t>()[i + 1];
      break;
    default:  // fixed_size_list
      *start = (a.offset + i) * a.type->fixed_size();
      *end = *start + a.type->fixed_size();
      break;
  }
}

int64_t DictionaryIndex(const ArrayData& a, int64_t i) {
  const uint8_t* p = a.buffers[1]->data();
  const int64_t k = a.offset + i;
  switch (a.type->index_type()->id()) {
    case TypeId::kInt8: return reinterpret_cast<const int8_t*>(p)[k];
    case TypeId::kInt16: return reinterpret_cast<const int16_t*>(p)[k];
    case TypeId::kInt32: return reinterpret_cast<const int32_t*>(p)[k];
    case TypeId::kInt64: return reinterpret_cast<const int64_t*>(p)[k];
    case TypeId::kUInt8: return p[k];
    case TypeId::kUInt16: return reinterpret_cast<const uint16_t*>(p)[k];
    case TypeId::kUInt32: return reinterpret_cast<const uint32_t*>(p)[k];
    default: return static_cast<int64_t>(reinterpret_cast<const uint64_t*>(p)[k]);
  }
}

class Comparer {
 public:
  explicit Comparer(std::string* why) : why_(why) {}

  // Slot i of a against slot j of b (logical indices; the arrays' own offsets are applied).
  bool SlotEquals(const ArrayData& a, int64_t i, const ArrayData& b, int64_t j) {
    const bool va = a.IsValid(i);
    const bool vb = b.IsValid(j);
    if (va != vb) return Fail(std::string("null in one array only (") + (va ? "right" : "left") +
                              " side is null)");
    if (!va) return true;
    const DataType& t = *a.type;
    switch (t.id()) {
      case TypeId::kNull: return true;
      case TypeId::kBool:
        if (GetBit(a.buffers[1]->data(), a.offset + i) !=
            GetBit(b.buffers[1]->data(), b.offset + j)) {
          return Fail("boolean values differ");
        }
        return true;
      case TypeId::kUtf8: case TypeId::kLargeUtf8: case TypeId::kBinary:
      case TypeId::kLargeBinary: {
        std::string_view x = BinaryValue(a, i), y = BinaryValue(b, j);
        if (x != y) {
          return Fail("values differ: \"" + std::string(x.substr(0, 64)) + "\" vs \"" +
                      std::string(y.substr(0, 64)) + "\"");
        }
        return true;
      }
      case TypeId::kList: case TypeId::kLargeList: case TypeId::kFixedSizeList: {
        int64_t as, ae, bs, be;
        ListRange(a, i, &as, &ae);
        ListRange(b, j, &bs, &be);
        if (ae - as != be - bs) {
          return Fail("list lengths differ: " + std::to_string(ae - as) + " vs " +
                      std::to_string(be - bs));
        }
        for (int64_t k = 0; k < ae - as; ++k) {
          if (!SlotEquals(*a.children[0], as + k, *b.children[0], bs + k)) {
            return Context("list item " + std::to_string(k));
          }
        }
        return true;
      }
      case TypeId::kStruct:
        for (size_t k = 0; k < a.children.size(); ++k) {
          if (!SlotEquals(*a.children[k], a.offset + i, *b.children[k], b.offset + j)) {
            return Context("field '" + t.children()[k]->name + "'");
          }
        }
        return true;
      case TypeId::kDictionary:
        if (!SlotEquals(*a.dictionary, DictionaryIndex(a, i), *b.dictionary,
                        DictionaryIndex(b, j))) {
          return Context("dictionary value");
        }
        return true;
      default: {
        const int64_t w = t.byte_width();
        if (w > 0 && std::memcmp(a.buffers[1]->data() + (a.offset + i) * w,
                        b.buffers[1]->data() + (b.offset + j) * w, static_cast<size_t>(w)) != 0) {
          return Fail("values differ");
        }
        return true;
      }
    }
  }

  bool Fail(std::string msg) {
    if (why_) *why_ = std::move(msg);
    return false;
  }
  bool Context(const std::string& where) {
    if (why_) *why_ = where + ": " + *why_;
    return false;
  }

 private:
  std::string* why_;
};

}  // namespace

bool ArrayEquals(const ArrayData& a, const ArrayData& b, std::string* difference) {
  Comparer c(difference);
  if (!a.type->Equals(*b.type)) {
    return c.Fail("types differ: " + a.type->ToString() + " vs " + b.type->ToString());
  }
  if (a.length != b.length) {
    return c.Fail("lengths differ: " + std::to_string(a.length) + " vs " +
                  std::to_string(b.length));
  }
  for (int64_t i = 0; i < a.length; ++i) {
    if (!c.SlotEquals(a, i, b, i)) return c.Context("slot " + std::to_string(i));
  }
  return true;
}

bool RecordBatchEquals(const RecordBatch& a, const RecordBatch& b, bool check_metadata,
                       std::string* difference) {
  Comparer c(difference);
  if (!a.schema()->Equals(*b.schema(), check_metadata)) {
    return c.Fail("schemas differ:\n" + a.schema()->ToString() + "vs\n" + b.schema()->ToString());
  }
  if (a.num_rows() != b.num_rows()) {
    return c.Fail("row counts differ: " + std::to_string(a.num_rows()) + " vs " +
                  std::to_string(b.num_rows()));
  }
  for (int i = 0; i < a.num_columns(); ++i) {
    if (!ArrayEquals(*a.column(i), *b.column(i), difference)) {
      return c.Context("column '" + a.schema()->field(i)->name + "'");
    }
  }
  return true;
}

}  // namespace lanceflow::arrow
