#include "ipc_array_ops.h"

#include <cstring>
#include <limits>
#include <string>

#include "lanceflow/arrow/bitmap.h"

namespace lanceflow::arrow::ipc {
namespace {

const uint8_t* Validity(const ArrayData& d) {
  if (d.buffers.empty() || !d.buffers[0]) return nullptr;
  return d.buffers[0]->data();
}

struct Segment {
  const ArrayData* data;
  int64_t start;  // logical, before data->offset
  int64_t length;
  int64_t abs() const { return data->offset + start; }
};

template <typename OffsetT>
Status ConcatOffsets(const std::vector<Segment>& segs, int64_t total, BufferPtr* offsets_out,
                     std::vector<Segment>* child_segs, BufferPtr* data_out, bool binary) {
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
  for (const Segment& s : segs) {
    if (s.length > std::numeric_limits<int64_t>::max() - total) {
      return Status::OutOfRange("concatenated array would have more than 2^63 slots");
    }
    total += s.length;
  }
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
    b.Resize(BytesForBits(total));
    int64_t pos = 0;
    for (const Segment& s : segs) {
      if (const uint8_t* v = Validity(*s.data)) {
        CopyBitmap(v, s.abs(), b.mutable_data(), pos, s.length);
      } else {
        SetBitsTo(b.mutable_data(), pos, s.length, true);
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
      b.Resize(BytesForBits(total));
      int64_t pos = 0;
      for (const Segment& s : segs) {
        CopyBitmap(s.data->buffers[1]->data(), s.abs(), b.mutable_data(), pos, s.length);
        pos += s.length;
      }
      out->buffers.push_back(b.Finish());
      break;
    }
    case TypeId::kUtf8:
    case TypeId::kBinary: {
      BufferPtr offsets, data;
      LF_RETURN_NOT_OK(ConcatOffsets<int32_t>(segs, total, &offsets, nullptr, &data, true));
      out->buffers.push_back(offsets);
      out->buffers.push_back(data);
      break;
    }
    case TypeId::kLargeUtf8:
    case TypeId::kLargeBinary: {
      BufferPtr offsets, data;
      LF_RETURN_NOT_OK(ConcatOffsets<int64_t>(segs, total, &offsets, nullptr, &data, true));
      out->buffers.push_back(offsets);
      out->buffers.push_back(data);
      break;
    }
    case TypeId::kList:
    case TypeId::kLargeList: {
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
      if (t.id() == TypeId::kDictionary && !segs.empty())
        out->dictionary = segs[0].data->dictionary;
      break;
    }
  }
  return ArrayDataPtr(out);
}

}  // namespace

BufferPtr ShiftedBitmap(const uint8_t* bits, int64_t offset, int64_t length) {
  BufferBuilder b;
  b.Resize(BytesForBits(length));
  CopyBitmap(bits, offset, b.mutable_data(), 0, length);
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

}  // namespace lanceflow::arrow::ipc
