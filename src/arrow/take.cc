// Gather kernels. Each layout is gathered once per array level: fixed-width values by a typed
// copy loop, bits one by one, variable-length values by computing the output offsets first and
// then copying each value's bytes, and nested types by translating the indices into child
// indices and recursing (struct slot i is child slot offset+i, fixed_size_list slot i holds child
// slots [(offset+i)*size, (offset+i+1)*size), list slot i holds child slots [o[i], o[i+1])).
// Recursion depth is bounded by the type's nesting, which ValidateArray limits.

#include "lanceflow/arrow/take.h"

#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/core/buffer.h"

namespace lanceflow::arrow {
namespace {

Status CheckIndices(const ArrayData& values, const int64_t* indices, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (indices[i] < -1 || indices[i] >= values.length) {
      return Status::Invalid("take: index " + std::to_string(indices[i]) + " at position " +
                             std::to_string(i) + " is out of range for an array of length " +
                             std::to_string(values.length));
    }
  }
  return Status::OK();
}

// Validity of the gathered slots; sets *null_count. Null buffer when every slot is valid.
BufferPtr GatherValidity(const ArrayData& values, const int64_t* indices, int64_t n,
                         int64_t* null_count) {
  const uint8_t* bits =
      (!values.buffers.empty() && values.buffers[0]) ? values.buffers[0]->data() : nullptr;
  const bool all_null = values.type->id() == TypeId::kNull;
  BufferBuilder out;
  out.Resize(BytesForBits(n));
  uint8_t* dst = out.mutable_data();
  int64_t nulls = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t idx = indices[i];
    const bool valid =
        idx >= 0 && !all_null && (bits == nullptr || GetBit(bits, values.offset + idx));
    if (valid) {
      SetBit(dst, i);
    } else {
      ++nulls;
    }
  }
  *null_count = nulls;
  if (nulls == 0) return nullptr;
  return out.Finish();
}

template <int kWidth>
void GatherFixed(const uint8_t* src, const int64_t* indices, int64_t n, uint8_t* dst) {
  for (int64_t i = 0; i < n; ++i) {
    if (indices[i] >= 0) std::memcpy(dst + i * kWidth, src + indices[i] * kWidth, kWidth);
  }
}

void GatherFixedAnyWidth(const uint8_t* src, int64_t width, const int64_t* indices, int64_t n,
                         uint8_t* dst) {
  for (int64_t i = 0; i < n; ++i) {
    if (indices[i] >= 0) {
      std::memcpy(dst + i * width, src + indices[i] * width, static_cast<size_t>(width));
    }
  }
}

Result<BufferPtr> TakeFixedWidthValues(const ArrayData& values, int64_t width,
                                       const int64_t* indices, int64_t n) {
  if (n > 0 && width > std::numeric_limits<int64_t>::max() / n) {
    return Status::Invalid("take: result of " + std::to_string(n) + " values of " +
                           std::to_string(width) + " bytes is too large");
  }
  BufferBuilder out;
  out.Resize(n * width);
  if (n == 0) return out.Finish();
  const uint8_t* src = values.buffers[1]->data() + values.offset * width;
  uint8_t* dst = out.mutable_data();
  switch (width) {
    case 1:
      GatherFixed<1>(src, indices, n, dst);
      break;
    case 2:
      GatherFixed<2>(src, indices, n, dst);
      break;
    case 4:
      GatherFixed<4>(src, indices, n, dst);
      break;
    case 8:
      GatherFixed<8>(src, indices, n, dst);
      break;
    case 16:
      GatherFixed<16>(src, indices, n, dst);
      break;
    case 32:
      GatherFixed<32>(src, indices, n, dst);
      break;
    default:
      GatherFixedAnyWidth(src, width, indices, n, dst);
  }
  return out.Finish();
}

BufferPtr TakeBits(const ArrayData& values, const int64_t* indices, int64_t n) {
  BufferBuilder out;
  out.Resize(BytesForBits(n));
  if (n == 0) return out.Finish();
  const uint8_t* src = values.buffers[1]->data();
  uint8_t* dst = out.mutable_data();
  for (int64_t i = 0; i < n; ++i) {
    if (indices[i] >= 0 && GetBit(src, values.offset + indices[i])) SetBit(dst, i);
  }
  return out.Finish();
}

template <typename OffsetT>
Result<std::pair<BufferPtr, BufferPtr>> TakeBinary(const ArrayData& values, const int64_t* indices,
                                                   int64_t n) {
  BufferBuilder offsets;
  offsets.Resize((n + 1) * static_cast<int64_t>(sizeof(OffsetT)));
  OffsetT* out_offsets = offsets.mutable_data_as<OffsetT>();
  const OffsetT* in_offsets = values.length > 0 ? values.offsets<OffsetT>() : nullptr;
  int64_t total = 0;
  for (int64_t i = 0; i < n; ++i) {
    out_offsets[i] = static_cast<OffsetT>(total);
    if (indices[i] >= 0) {
      total += static_cast<int64_t>(in_offsets[indices[i] + 1]) -
               static_cast<int64_t>(in_offsets[indices[i]]);
      if (total > static_cast<int64_t>(std::numeric_limits<OffsetT>::max())) {
        return Status::Invalid("take: result holds more than " +
                               std::to_string(std::numeric_limits<OffsetT>::max()) + " bytes of " +
                               values.type->ToString() + " values");
      }
    }
  }
  out_offsets[n] = static_cast<OffsetT>(total);
  BufferBuilder data;
  data.Resize(total);
  const uint8_t* src =
      values.buffers.size() > 2 && values.buffers[2] ? values.buffers[2]->data() : nullptr;
  uint8_t* dst = data.mutable_data();
  for (int64_t i = 0; i < n; ++i) {
    if (indices[i] < 0) continue;
    const int64_t begin = static_cast<int64_t>(in_offsets[indices[i]]);
    const int64_t len = static_cast<int64_t>(in_offsets[indices[i] + 1]) - begin;
    if (len > 0) {
      std::memcpy(dst + static_cast<int64_t>(out_offsets[i]), src + begin,
                  static_cast<size_t>(len));
    }
  }
  return std::make_pair(offsets.Finish(), data.Finish());
}

Result<ArrayDataPtr> TakeImpl(const ArrayData& values, const int64_t* indices, int64_t n);

template <typename OffsetT>
Status TakeList(const ArrayData& values, const int64_t* indices, int64_t n, ArrayData* out) {
  BufferBuilder offsets;
  offsets.Resize((n + 1) * static_cast<int64_t>(sizeof(OffsetT)));
  OffsetT* out_offsets = offsets.mutable_data_as<OffsetT>();
  const OffsetT* in_offsets = values.length > 0 ? values.offsets<OffsetT>() : nullptr;
  std::vector<int64_t> child_indices;
  for (int64_t i = 0; i < n; ++i) {
    out_offsets[i] = static_cast<OffsetT>(child_indices.size());
    if (indices[i] < 0) continue;
    const auto begin = static_cast<int64_t>(in_offsets[indices[i]]);
    const auto end = static_cast<int64_t>(in_offsets[indices[i] + 1]);
    for (int64_t c = begin; c < end; ++c) child_indices.push_back(c);
    if (static_cast<int64_t>(child_indices.size()) >
        static_cast<int64_t>(std::numeric_limits<OffsetT>::max())) {
      return Status::Invalid("take: result holds too many list items for " +
                             values.type->ToString());
    }
  }
  out_offsets[n] = static_cast<OffsetT>(child_indices.size());
  out->buffers.push_back(offsets.Finish());
  LF_ASSIGN_OR_RETURN(ArrayDataPtr child, TakeImpl(*values.children[0], child_indices.data(),
                                                   static_cast<int64_t>(child_indices.size())));
  out->children.push_back(std::move(child));
  return Status::OK();
}

Result<ArrayDataPtr> TakeImpl(const ArrayData& values, const int64_t* indices, int64_t n) {
  auto out = std::make_shared<ArrayData>();
  out->type = values.type;
  out->length = n;
  const TypeId id = values.type->id();
  if (id == TypeId::kNull) {
    out->null_count = n;
    return ArrayDataPtr(std::move(out));
  }
  out->buffers.push_back(GatherValidity(values, indices, n, &out->null_count));
  switch (id) {
    case TypeId::kNull:
      break;
    case TypeId::kBool:
      out->buffers.push_back(TakeBits(values, indices, n));
      break;
    case TypeId::kUtf8:
    case TypeId::kBinary: {
      LF_ASSIGN_OR_RETURN(auto bufs, TakeBinary<int32_t>(values, indices, n));
      out->buffers.push_back(std::move(bufs.first));
      out->buffers.push_back(std::move(bufs.second));
      break;
    }
    case TypeId::kLargeUtf8:
    case TypeId::kLargeBinary: {
      LF_ASSIGN_OR_RETURN(auto bufs, TakeBinary<int64_t>(values, indices, n));
      out->buffers.push_back(std::move(bufs.first));
      out->buffers.push_back(std::move(bufs.second));
      break;
    }
    case TypeId::kStruct: {
      std::vector<int64_t> child_indices(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        child_indices[static_cast<size_t>(i)] = indices[i] < 0 ? -1 : values.offset + indices[i];
      }
      for (const ArrayDataPtr& child : values.children) {
        LF_ASSIGN_OR_RETURN(ArrayDataPtr taken, TakeImpl(*child, child_indices.data(), n));
        out->children.push_back(std::move(taken));
      }
      break;
    }
    case TypeId::kFixedSizeList: {
      const int64_t size = values.type->fixed_size();
      std::vector<int64_t> child_indices;
      child_indices.reserve(static_cast<size_t>(n * size));
      for (int64_t i = 0; i < n; ++i) {
        const int64_t first = indices[i] < 0 ? -1 : (values.offset + indices[i]) * size;
        for (int64_t k = 0; k < size; ++k) child_indices.push_back(first < 0 ? -1 : first + k);
      }
      LF_ASSIGN_OR_RETURN(ArrayDataPtr child, TakeImpl(*values.children[0], child_indices.data(),
                                                       static_cast<int64_t>(child_indices.size())));
      out->children.push_back(std::move(child));
      break;
    }
    case TypeId::kList:
      LF_RETURN_NOT_OK(TakeList<int32_t>(values, indices, n, out.get()));
      break;
    case TypeId::kLargeList:
      LF_RETURN_NOT_OK(TakeList<int64_t>(values, indices, n, out.get()));
      break;
    case TypeId::kDictionary: {
      LF_ASSIGN_OR_RETURN(
          BufferPtr idx,
          TakeFixedWidthValues(values, values.type->index_type()->byte_width(), indices, n));
      out->buffers.push_back(std::move(idx));
      out->dictionary = values.dictionary;
      break;
    }
    default: {
      // Every remaining type is fixed-width: integers, floats, dates, times, timestamps,
      // durations, decimals, fixed_size_binary.
      LF_ASSIGN_OR_RETURN(BufferPtr data,
                          TakeFixedWidthValues(values, values.type->byte_width(), indices, n));
      out->buffers.push_back(std::move(data));
      break;
    }
  }
  return ArrayDataPtr(std::move(out));
}

std::vector<int64_t> SelectedIndices(const uint8_t* selection, int64_t bit_offset, int64_t n) {
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(CountSetBits(selection, bit_offset, n)));
  for (int64_t i = 0; i < n; ++i) {
    if (GetBit(selection, bit_offset + i)) out.push_back(i);
  }
  return out;
}

}  // namespace

Result<ArrayDataPtr> Take(const ArrayData& values, const int64_t* indices, int64_t n) {
  if (n < 0) return Status::Invalid("take: negative index count " + std::to_string(n));
  LF_RETURN_NOT_OK(CheckIndices(values, indices, n));
  return TakeImpl(values, indices, n);
}

Result<ArrayDataPtr> Filter(const ArrayData& values, const uint8_t* selection, int64_t bit_offset) {
  const std::vector<int64_t> idx = SelectedIndices(selection, bit_offset, values.length);
  return TakeImpl(values, idx.data(), static_cast<int64_t>(idx.size()));
}

Result<ArrayDataPtr> DecodeDictionary(const ArrayData& array) {
  if (array.type->id() != TypeId::kDictionary || !array.dictionary) {
    return Status::Invalid("decode dictionary: not a dictionary array: " + array.type->ToString());
  }
  std::vector<int64_t> idx(static_cast<size_t>(array.length));
  const DataType& index_type = *array.type->index_type();
  const int64_t dict_length = array.dictionary->length;
  for (int64_t i = 0; i < array.length; ++i) {
    int64_t v = -1;
    if (array.IsValid(i)) {
      switch (index_type.id()) {
        case TypeId::kInt8:
          v = array.values<int8_t>()[i];
          break;
        case TypeId::kInt16:
          v = array.values<int16_t>()[i];
          break;
        case TypeId::kInt32:
          v = array.values<int32_t>()[i];
          break;
        case TypeId::kInt64:
          v = array.values<int64_t>()[i];
          break;
        case TypeId::kUInt8:
          v = array.values<uint8_t>()[i];
          break;
        case TypeId::kUInt16:
          v = array.values<uint16_t>()[i];
          break;
        case TypeId::kUInt32:
          v = array.values<uint32_t>()[i];
          break;
        case TypeId::kUInt64: {
          const uint64_t u = array.values<uint64_t>()[i];
          v = u > static_cast<uint64_t>(dict_length) ? dict_length : static_cast<int64_t>(u);
          break;
        }
        default:
          return Status::Invalid("decode dictionary: index type " + index_type.ToString() +
                                 " is not an integer type");
      }
      if (v < 0 || v >= dict_length) {
        return Status::Invalid("decode dictionary: index " + std::to_string(v) + " at slot " +
                               std::to_string(i) + " is outside the dictionary of " +
                               std::to_string(dict_length) + " values");
      }
    }
    idx[static_cast<size_t>(i)] = v;
  }
  return TakeImpl(*array.dictionary, idx.data(), array.length);
}

Result<RecordBatchPtr> TakeRecordBatch(const RecordBatch& batch, const int64_t* indices,
                                       int64_t n) {
  if (n < 0) return Status::Invalid("take: negative index count " + std::to_string(n));
  for (int64_t i = 0; i < n; ++i) {
    if (indices[i] < 0 || indices[i] >= batch.num_rows()) {
      return Status::Invalid("take: row index " + std::to_string(indices[i]) + " at position " +
                             std::to_string(i) + " is out of range for a batch of " +
                             std::to_string(batch.num_rows()) + " rows");
    }
  }
  std::vector<ArrayDataPtr> columns;
  columns.reserve(static_cast<size_t>(batch.num_columns()));
  for (const ArrayDataPtr& c : batch.columns()) {
    LF_ASSIGN_OR_RETURN(ArrayDataPtr taken, TakeImpl(*c, indices, n));
    columns.push_back(std::move(taken));
  }
  return std::make_shared<RecordBatch>(batch.schema(), n, std::move(columns));
}

Result<RecordBatchPtr> FilterRecordBatch(const RecordBatch& batch, const uint8_t* selection,
                                         int64_t bit_offset) {
  const std::vector<int64_t> idx = SelectedIndices(selection, bit_offset, batch.num_rows());
  return TakeRecordBatch(batch, idx.data(), static_cast<int64_t>(idx.size()));
}

}  // namespace lanceflow::arrow
