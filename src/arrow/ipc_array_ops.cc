#include "ipc_array_ops.h"

#include <bit>
#include <cstring>
#include <limits>
#include <string>

namespace lanceflow::arrow::ipc {
namespace {

const uint8_t* Validity(const ArrayData& d) {
  if (d.buffers.empty() || !d.buffers[0]) return nullptr;
  return d.buffers[0]->data();
}

bool SlotValid(const ArrayData& d, int64_t abs) {
  if (d.type->id() == TypeId::kNull) return false;
  const uint8_t* v = Validity(d);
  return v == nullptr || GetBit(v, abs);
}

void CopyBits(const uint8_t* src, int64_t src_offset, uint8_t* dst, int64_t dst_offset,
              int64_t n) {
  if ((src_offset & 7) == 0 && (dst_offset & 7) == 0) {
    int64_t whole = n >> 3;
    std::memcpy(dst + (dst_offset >> 3), src + (src_offset >> 3), static_cast<size_t>(whole));
    for (int64_t i = whole << 3; i < n; ++i) {
      if (GetBit(src, src_offset + i)) SetBit(dst, dst_offset + i);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    if (GetBit(src, src_offset + i)) SetBit(dst, dst_offset + i);
  }
}

struct Segment {
  const ArrayData* data;
  int64_t start;  // logical, before data->offset
  int64_t length;
  int64_t abs() const { return data->offset + start; }
};

template <typename OffsetT>
Status ConcatOffsets(const std::vector<Segment>& segs, int64_t total,
                                   BufferPtr* offsets_out, std::vector<Segment>* child_segs,
                                   BufferPtr* data_out, bool binary) {
  BufferBuilder offsets;
  offsets.Reserve(static_cast<int64_t>(sizeof(OffsetT)) * (total + 1));
  BufferBuilder data;
  int64_t running = 0;
  offsets.AppendValue<OffsetT>(0);
  for (const Segment& s : segs) {
    const OffsetT* o = s.data->buffers[1]->data_as<OffsetT>() + s.abs();
    int64_t first = o[0];
    int64_t last = o[s.length];
    for (int64_t i = 1; i <= s.length; ++i) {
      int64_t v = running + (static_cast<int64_t>(o[i]) - first);
      if (v > std::numeric_limits<OffsetT>::max()) {
        return Status::OutOfRange("concatenated array needs offsets beyond " +
                                  std::to_string(std::numeric_limits<OffsetT>::max()));
      }
      offsets.AppendValue<OffsetT>(static_cast<OffsetT>(v));
    }
    if (binary) {
      data.Append(s.data->buffers[2]->data() + first, last - first);
    } else {
      child_segs->push_back(Segment{s.data->children[0].get(), first, last - first});
    }
    running += last - first;
  }
  *offsets_out = offsets.Finish();
  if (binary) *data_out = data.Finish();
  return Status::OK();
}

Result<ArrayDataPtr> ConcatSegments(const DataTypePtr& type, const std::vector<Segment>& segs) {
  auto out = std::make_shared<ArrayData>();
  out->type = type;
  int64_t total = 0;
  for (const Segment& s : segs) total += s.length;
  out->length = total;
  if (type->id() == TypeId::kNull) {
    out->null_count = total;
    return ArrayDataPtr(out);
  }

  // Validity.
  int64_t nulls = 0;
  for (const Segment& s : segs) nulls += CountNullsInRange(*s.data, s.start, s.length);
  out->null_count = nulls;
  BufferPtr validity;
  if (nulls > 0) {
    BufferBuilder b;
    b.Resize((total + 7) / 8);
    int64_t pos = 0;
    for (const Segment& s : segs) {
      if (const uint8_t* v = Validity(*s.data)) {
        CopyBits(v, s.abs(), b.mutable_data(), pos, s.length);
      } else {
        for (int64_t i = 0; i < s.length; ++i) SetBit(b.mutable_data(), pos + i);
      }
      pos += s.length;
    }
    validity = b.Finish();
  }
  out->buffers.push_back(validity);

  const DataType& t = *type;
  switch (t.id()) {
    case TypeId::kBool: {
      BufferBuilder b;
      b.Resize((total + 7) / 8);
      int64_t pos = 0;
      for (const Segment& s : segs) {
        CopyBits(s.data->buffers[1]->data(), s.abs(), b.mutable_data(), pos, s.length);
        pos += s.length;
      }
      out->buffers.push_back(b.Finish());
      break;
    }
    case TypeId::kUtf8: case TypeId::kBinary: {
      BufferPtr offsets, data;
      LF_RETURN_NOT_OK(ConcatOffsets<int32_t>(segs, total, &offsets, nullptr, &data, true));
      out->buffers.push_back(offsets);
      out->buffers.push_back(data);
      break;
    }
    case TypeId::kLargeUtf8: case TypeId::kLargeBinary: {
      BufferPtr offsets, data;
      LF_RETURN_NOT_OK(ConcatOffsets<int64_t>(segs, total, &offsets, nullptr, &data, true));
      out->buffers.push_back(offsets);
      out->buffers.push_back(data);
      break;
    }
    case TypeId::kList: case TypeId::kLargeList: {
      BufferPtr offsets;
      std::vector<Segment> child_segs;
      if (t.id() == TypeId::kList) {
        LF_RETURN_NOT_OK(
            ConcatOffsets<int32_t>(segs, total, &offsets, &child_segs, nullptr, false));
      } else {
        LF_RETURN_NOT_OK(
            ConcatOffsets<int64_t>(segs, total, &offsets, &child_segs, nullptr, false));
      }
      out->buffers.push_back(offsets);
      LF_ASSIGN_OR_RETURN(ArrayDataPtr child, ConcatSegments(t.children()[0]->type, child_segs));
      out->children.push_back(std::move(child));
      break;
    }
    case TypeId::kFixedSizeList: {
      int64_t size = t.fixed_size();
      std::vector<Segment> child_segs;
      for (const Segment& s : segs) {
        child_segs.push_back(Segment{s.data->children[0].get(), s.abs() * size, s.length * size});
      }
      LF_ASSIGN_OR_RETURN(ArrayDataPtr child, ConcatSegments(t.children()[0]->type, child_segs));
      out->children.push_back(std::move(child));
      break;
    }
    case TypeId::kStruct: {
      for (size_t c = 0; c < t.children().size(); ++c) {
        std::vector<Segment> child_segs;
        for (const Segment& s : segs) {
          child_segs.push_back(Segment{s.data->children[c].get(), s.abs(), s.length});
        }
        LF_ASSIGN_OR_RETURN(ArrayDataPtr child, ConcatSegments(t.children()[c]->type, child_segs));
        out->children.push_back(std::move(child));
      }
      break;
    }
    default: {
      // Fixed-width values, and dictionary indices.
      int64_t width = t.id() == TypeId::kDictionary ? t.index_type()->byte_width() : t.byte_width();
      BufferBuilder b;
      b.Reserve(total * width);
      for (const Segment& s : segs) {
        b.Append(s.data->buffers[1]->data() + s.abs() * width, s.length * width);
      }
      out->buffers.push_back(b.Finish());
      if (t.id() == TypeId::kDictionary && !segs.empty()) out->dictionary = segs[0].data->dictionary;
      break;
    }
  }
  return ArrayDataPtr(out);
}

template <typename OffsetT>
bool OffsetRangeEquals(const ArrayData& a, int64_t ai, const ArrayData& b, int64_t bi,
                       bool binary) {
  const OffsetT* ao = a.buffers[1]->data_as<OffsetT>();
  const OffsetT* bo = b.buffers[1]->data_as<OffsetT>();
  int64_t alen = ao[ai + 1] - ao[ai];
  int64_t blen = bo[bi + 1] - bo[bi];
  if (alen != blen) return false;
  if (binary) {
    return alen == 0 || std::memcmp(a.buffers[2]->data() + ao[ai], b.buffers[2]->data() + bo[bi],
                                    static_cast<size_t>(alen)) == 0;
  }
  return RangeEquals(*a.children[0], ao[ai], *b.children[0], bo[bi], alen);
}

}  // namespace

int64_t CountSetBits(const uint8_t* bits, int64_t offset, int64_t length) {
  int64_t count = 0;
  int64_t i = 0;
  while (i < length && ((offset + i) & 7) != 0) count += GetBit(bits, offset + i++);
  const uint8_t* p = bits + ((offset + i) >> 3);
  for (; i + 64 <= length; i += 64, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    count += std::popcount(w);
  }
  for (; i + 8 <= length; i += 8, ++p) count += std::popcount(*p);
  for (; i < length; ++i) count += GetBit(bits, offset + i);
  return count;
}

BufferPtr CopyBitmap(const uint8_t* bits, int64_t offset, int64_t length) {
  BufferBuilder b;
  b.Resize((length + 7) / 8);
  CopyBits(bits, offset, b.mutable_data(), 0, length);
  return b.Finish();
}

int64_t CountNullsInRange(const ArrayData& data, int64_t start, int64_t length) {
  if (data.type->id() == TypeId::kNull) return length;
  const uint8_t* v = Validity(data);
  if (v == nullptr) return 0;
  if (start == 0 && length == data.length && data.null_count >= 0) return data.null_count;
  return length - CountSetBits(v, data.offset + start, length);
}

Result<ArrayDataPtr> Concatenate(const ArrayData& a, const ArrayData& b) {
  std::vector<Segment> segs{Segment{&a, 0, a.length}, Segment{&b, 0, b.length}};
  return ConcatSegments(a.type, segs);
}

bool RangeEquals(const ArrayData& a, int64_t a_start, const ArrayData& b, int64_t b_start,
                 int64_t length) {
  if (!a.type->Equals(*b.type)) return false;
  const DataType& t = *a.type;
  if (t.id() == TypeId::kNull) return true;
  for (int64_t i = 0; i < length; ++i) {
    int64_t ai = a.offset + a_start + i;
    int64_t bi = b.offset + b_start + i;
    bool av = SlotValid(a, ai);
    if (av != SlotValid(b, bi)) return false;
    if (!av) continue;
    bool eq = true;
    switch (t.id()) {
      case TypeId::kBool:
        eq = GetBit(a.buffers[1]->data(), ai) == GetBit(b.buffers[1]->data(), bi);
        break;
      case TypeId::kUtf8: case TypeId::kBinary:
        eq = OffsetRangeEquals<int32_t>(a, ai, b, bi, true);
        break;
      case TypeId::kLargeUtf8: case TypeId::kLargeBinary:
        eq = OffsetRangeEquals<int64_t>(a, ai, b, bi, true);
        break;
      case TypeId::kList: eq = OffsetRangeEquals<int32_t>(a, ai, b, bi, false); break;
      case TypeId::kLargeList: eq = OffsetRangeEquals<int64_t>(a, ai, b, bi, false); break;
      case TypeId::kFixedSizeList: {
        int64_t size = t.fixed_size();
        eq = RangeEquals(*a.children[0], ai * size, *b.children[0], bi * size, size);
        break;
      }
      case TypeId::kStruct:
        for (size_t c = 0; c < a.children.size() && eq; ++c) {
          eq = RangeEquals(*a.children[c], ai, *b.children[c], bi, 1);
        }
        break;
      case TypeId::kDictionary: {
        auto index = [](const ArrayData& d, int64_t abs) -> int64_t {
          const uint8_t* p = d.buffers[1]->data();
          switch (d.type->index_type()->id()) {
            case TypeId::kInt8: return reinterpret_cast<const int8_t*>(p)[abs];
            case TypeId::kUInt8: return p[abs];
            case TypeId::kInt16: return reinterpret_cast<const int16_t*>(p)[abs];
            case TypeId::kUInt16: return reinterpret_cast<const uint16_t*>(p)[abs];
            case TypeId::kInt32: return reinterpret_cast<const int32_t*>(p)[abs];
            case TypeId::kUInt32: return reinterpret_cast<const uint32_t*>(p)[abs];
            default: return reinterpret_cast<const int64_t*>(p)[abs];
          }
        };
        if (!a.dictionary || !b.dictionary) {
          eq = a.dictionary == b.dictionary && index(a, ai) == index(b, bi);
        } else {
          eq = RangeEquals(*a.dictionary, index(a, ai), *b.dictionary, index(b, bi), 1);
        }
        break;
      }
      default: {
        int64_t width = t.byte_width();
        eq = std::memcmp(a.buffers[1]->data() + ai * width, b.buffers[1]->data() + bi * width,
                         static_cast<size_t>(width)) == 0;
        break;
      }
    }
    if (!eq) return false;
  }
  return true;
}

}  // namespace lanceflow::arrow::ipc
