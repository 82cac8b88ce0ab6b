#include "v20_page_decoder.h"

#include <lz4.h>
#include <zstd.h>

#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/arrow/builder.h"

namespace lanceflow::lance::v20 {
namespace {

using arrow::ArrayData;
using arrow::ArrayDataPtr;
using arrow::DataTypePtr;
using arrow::TypeId;

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

bool IsBinaryLike(TypeId id) {
  return id == TypeId::kUtf8 || id == TypeId::kLargeUtf8 || id == TypeId::kBinary ||
         id == TypeId::kLargeBinary;
}

// Offsets / data of a binary-like array, null when absent (arrays of nulls may lack them; their
// slots are never read).
template <typename OffsetT>
const OffsetT* OffsetsOf(const ArrayData& a) {
  return a.buffers.size() > 1 && a.buffers[1] ? a.buffers[1]->data_as<OffsetT>() + a.offset
                                              : nullptr;
}
const uint8_t* DataOf(const ArrayData& a) {
  return a.buffers.size() > 2 && a.buffers[2] ? a.buffers[2]->data() : nullptr;
}

bool IsLargeOffsets(TypeId id) { return id == TypeId::kLargeUtf8 || id == TypeId::kLargeBinary; }

// Bytes needed by `rows` values of `bits` bits, or -1 on overflow / over the limit.
int64_t BytesFor(int64_t rows, uint64_t bits) {
  if (rows < 0 || bits == 0 || bits > (uint64_t{1} << 32)) return -1;
  unsigned __int128 total = static_cast<unsigned __int128>(rows) * bits;
  total = (total + 7) / 8;
  if (total > static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max() / 2)) return -1;
  return static_cast<int64_t>(total);
}

// A validity buffer for `n` slots from one byte per slot, or null when all are valid.
BufferPtr ValidityFromFlags(const std::vector<uint8_t>& valid, int64_t* null_count) {
  const auto n = static_cast<int64_t>(valid.size());
  int64_t nulls = 0;
  for (uint8_t v : valid) nulls += v == 0;
  *null_count = nulls;
  if (nulls == 0) return nullptr;
  BufferBuilder b;
  b.Resize(arrow::BytesForBits(n));
  for (int64_t i = 0; i < n; ++i) {
    if (valid[static_cast<size_t>(i)]) arrow::SetBit(b.mutable_data(), i);
  }
  return b.Finish();
}

Result<BufferPtr> LoadFlat(const PageContext& ctx, const Encoding& flat, int64_t min_bytes) {
  LF_ASSIGN_OR_RETURN(BufferPtr buf, ctx.get_buffer(flat.buffer));
  if (flat.has_compression && flat.compression_scheme != "none") {
    LF_ASSIGN_OR_RETURN(buf, Decompress(ctx, flat.compression_scheme, *buf, min_bytes));
  }
  if (buf->size() < min_bytes) {
    return ctx.Corrupt("flat buffer of " + std::to_string(buf->size()) + " bytes, " +
                       std::to_string(min_bytes) + " needed");
  }
  return buf;
}

// Bits per value a Flat encoding must have for `type` (0 when the type has no flat layout).
uint64_t FlatBits(const arrow::DataType& type) {
  if (type.id() == TypeId::kBool) return 1;
  if (type.id() == TypeId::kNull || type.is_nested() || type.id() == TypeId::kDictionary ||
      type.is_binary_like()) {
    return 0;
  }
  return static_cast<uint64_t>(type.bit_width());
}

Result<ArrayDataPtr> DecodeFlat(const PageContext& ctx, const Encoding& enc,
                                const DataTypePtr& type, int64_t n) {
  const uint64_t bits = FlatBits(*type);
  if (bits == 0) {
    return ctx.NotImplemented("flat encoding for values of type " + type->ToString());
  }
  if (enc.bits_per_value != bits) {
    return ctx.Corrupt("flat encoding of " + std::to_string(enc.bits_per_value) +
                       " bits per value for type " + type->ToString() + " (" +
                       std::to_string(bits) + " expected)");
  }
  const int64_t need = BytesFor(n, bits);
  if (need < 0) return ctx.Corrupt("flat page of " + std::to_string(n) + " rows is too large");
  LF_ASSIGN_OR_RETURN(BufferPtr buf, LoadFlat(ctx, enc, need));
  auto out = std::make_shared<ArrayData>();
  out->type = type;
  out->length = n;
  out->null_count = 0;
  out->buffers = {nullptr, buf};
  return ArrayDataPtr(std::move(out));
}

// Replaces the validity of `values` by (its validity AND `bits`).
Result<ArrayDataPtr> ApplyValidity(const ArrayDataPtr& values, const BufferPtr& bits, int64_t n) {
  auto out = std::make_shared<ArrayData>(*values);
  BufferBuilder b;
  b.Resize(arrow::BytesForBits(n));
  arrow::CopyBitmap(bits->data(), 0, b.mutable_data(), 0, n);
  if (!values->buffers.empty() && values->buffers[0]) {
    const uint8_t* old = values->buffers[0]->data();
    for (int64_t i = 0; i < n; ++i) {
      if (!arrow::GetBit(old, values->offset + i)) arrow::ClearBit(b.mutable_data(), i);
    }
  }
  if (out->buffers.empty()) out->buffers.resize(1);
  out->buffers[0] = b.Finish();
  out->offset = 0;
  out->null_count = n - arrow::CountSetBits(out->buffers[0]->data(), 0, n);
  return ArrayDataPtr(std::move(out));
}

Result<ArrayDataPtr> DecodeNullable(const PageContext& ctx, const Encoding& enc,
                                    const DataTypePtr& type, int64_t n) {
  switch (enc.nullability) {
    case Nullability::kAllNulls:
      return arrow::MakeArrayOfNulls(type, n);
    case Nullability::kNoNulls:
      return DecodePage(ctx, *enc.children[0], type, n);
    case Nullability::kSomeNulls: {
      LF_ASSIGN_OR_RETURN(ArrayDataPtr validity,
                          DecodePage(ctx, *enc.children[0], arrow::boolean(), n));
      if (validity->type->id() != TypeId::kBool || validity->null_count != 0 ||
          validity->buffers.size() < 2 || !validity->buffers[1]) {
        return ctx.Corrupt("nullable validity is not a plain bitmap");
      }
      LF_ASSIGN_OR_RETURN(ArrayDataPtr values, DecodePage(ctx, *enc.children[1], type, n));
      if (values->offset != 0 || type->id() == TypeId::kNull) {
        return ctx.Corrupt("nullable values cannot carry validity");
      }
      return ApplyValidity(values, validity->buffers[1], n);
    }
    case Nullability::kUnset:
      break;
  }
  return ctx.Corrupt("nullable encoding without an arm");
}

Result<ArrayDataPtr> DecodeFixedSizeList(const PageContext& ctx, const Encoding& enc,
                                         const DataTypePtr& type, int64_t n) {
  if (type->id() != TypeId::kFixedSizeList) {
    return ctx.Corrupt("fixed_size_list encoding for type " + type->ToString());
  }
  if (enc.dimension == 0 || static_cast<int64_t>(enc.dimension) != type->fixed_size()) {
    return ctx.Corrupt("fixed_size_list dimension " + std::to_string(enc.dimension) + " for type " +
                       type->ToString());
  }
  if (enc.has_validity) {
    return ctx.NotImplemented("fixed_size_list encoding with item validity (has_validity)");
  }
  const unsigned __int128 items = static_cast<unsigned __int128>(n) * enc.dimension;
  if (items > kMaxPageRows) {
    return ctx.Corrupt("fixed_size_list page of " + std::to_string(n) + " rows is too large");
  }
  LF_ASSIGN_OR_RETURN(
      ArrayDataPtr child,
      DecodePage(ctx, *enc.children[0], type->children()[0]->type, static_cast<int64_t>(items)));
  auto out = std::make_shared<ArrayData>();
  out->type = type;
  out->length = n;
  out->null_count = 0;
  out->buffers = {nullptr};
  out->children = {std::move(child)};
  return ArrayDataPtr(std::move(out));
}

// Binary: indices are page-relative end offsets (leading 0 dropped); a null slot stores
// end + null_adjustment (rust/lance-encoding/src/previous/encodings/physical/binary.rs).
template <typename OffsetT>
Result<ArrayDataPtr> DecodeBinaryT(const PageContext& ctx, const Encoding& enc,
                                   const DataTypePtr& type, int64_t n) {
  LF_ASSIGN_OR_RETURN(ArrayDataPtr indices, DecodePage(ctx, *enc.children[0], arrow::uint64(), n));
  if (indices->null_count != 0) {
    return ctx.NotImplemented("binary indices with nulls");
  }
  const uint64_t adj = enc.null_adjustment;
  if (n > 0 && adj == 0) return ctx.Corrupt("binary encoding with null_adjustment 0");
  const uint64_t* idx = indices->values<uint64_t>();
  BufferBuilder offsets;
  offsets.Resize(static_cast<int64_t>(sizeof(OffsetT)) * (n + 1));
  auto* off = offsets.mutable_data_as<OffsetT>();
  std::vector<uint8_t> valid(static_cast<size_t>(n));
  uint64_t prev = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t v = idx[i];
    const bool ok = v < adj;
    const uint64_t end = ok ? v : v - adj;
    if (end < prev) {
      return ctx.Corrupt("binary end offset " + std::to_string(end) + " of row " +
                         std::to_string(i) + " is below the previous one (" + std::to_string(prev) +
                         ")");
    }
    if (end > static_cast<uint64_t>(std::numeric_limits<OffsetT>::max())) {
      return ctx.NotImplemented("binary page of more than " +
                                std::to_string(std::numeric_limits<OffsetT>::max()) +
                                " bytes for type " + type->ToString());
    }
    valid[static_cast<size_t>(i)] = ok;
    off[i + 1] = static_cast<OffsetT>(end);
    prev = end;
  }
  const Encoding& bytes_enc = *enc.children[1];
  if (bytes_enc.arm != static_cast<uint32_t>(Arm::kFlat) || bytes_enc.bits_per_value != 8) {
    return ctx.NotImplemented("binary bytes encoded as " + ArmName(bytes_enc.arm) +
                              " (flat of 8 bits expected)");
  }
  BufferPtr data;
  if (prev > 0 || bytes_enc.has_compression) {
    LF_ASSIGN_OR_RETURN(data, LoadFlat(ctx, bytes_enc, static_cast<int64_t>(prev)));
  } else {
    data = std::make_shared<Buffer>();
  }
  auto out = std::make_shared<ArrayData>();
  out->type = type;
  out->length = n;
  out->buffers = {ValidityFromFlags(valid, &out->null_count), offsets.Finish(),
                  data->Slice(0, static_cast<int64_t>(prev))};
  return ArrayDataPtr(std::move(out));
}

Result<ArrayDataPtr> DecodeBinary(const PageContext& ctx, const Encoding& enc,
                                  const DataTypePtr& type, int64_t n) {
  if (!IsBinaryLike(type->id())) {
    return ctx.Corrupt("binary encoding for type " + type->ToString());
  }
  if (IsLargeOffsets(type->id())) return DecodeBinaryT<int64_t>(ctx, enc, type, n);
  return DecodeBinaryT<int32_t>(ctx, enc, type, n);
}

// Dictionary of an Arrow dictionary column: raw keys, items = the dictionary values. Slots whose
// key is null or points at a null item come out null.
template <typename IndexT>
Result<ArrayDataPtr> DecodeArrowDictionary(const PageContext& ctx, const Encoding& enc,
                                           const DataTypePtr& type, int64_t n) {
  LF_ASSIGN_OR_RETURN(ArrayDataPtr keys, DecodePage(ctx, *enc.children[0], type->index_type(), n));
  LF_ASSIGN_OR_RETURN(ArrayDataPtr items, DecodePage(ctx, *enc.children[1], type->value_type(),
                                                     enc.num_dictionary_items));
  const IndexT* k = keys->values<IndexT>();
  std::vector<uint8_t> valid(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    if (keys->IsNull(i)) continue;
    const IndexT key = k[i];
    if (key < 0 || static_cast<uint64_t>(key) >= enc.num_dictionary_items) {
      return ctx.Corrupt("dictionary key " + std::to_string(key) + " of row " + std::to_string(i) +
                         " is outside the " + std::to_string(enc.num_dictionary_items) +
                         " dictionary items");
    }
    valid[static_cast<size_t>(i)] = items->IsValid(static_cast<int64_t>(key));
  }
  auto out = std::make_shared<ArrayData>();
  out->type = type;
  out->length = n;
  out->buffers = {ValidityFromFlags(valid, &out->null_count), keys->buffers[1]};
  out->dictionary = std::move(items);
  return ArrayDataPtr(std::move(out));
}

// Dictionary chosen by the writer for a utf8 page: u8 indices, 0 = null, k -> items[k - 1].
template <typename OffsetT>
Result<ArrayDataPtr> DecodeStringDictionary(const PageContext& ctx, const Encoding& enc,
                                            const DataTypePtr& type, int64_t n) {
  LF_ASSIGN_OR_RETURN(ArrayDataPtr keys, DecodePage(ctx, *enc.children[0], arrow::uint8(), n));
  LF_ASSIGN_OR_RETURN(ArrayDataPtr items,
                      DecodePage(ctx, *enc.children[1], type, enc.num_dictionary_items));
  const uint8_t* k = keys->values<uint8_t>();
  const OffsetT* item_off = OffsetsOf<OffsetT>(*items);
  const uint8_t* item_data = DataOf(*items);
  arrow::BaseBinaryBuilder<OffsetT> builder(type);
  builder.Reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    if (keys->IsNull(i) || k[i] == 0) {
      builder.AppendNull();
      continue;
    }
    const int64_t item = k[i] - 1;
    if (item >= static_cast<int64_t>(enc.num_dictionary_items)) {
      return ctx.Corrupt("dictionary index " + std::to_string(k[i]) + " of row " +
                         std::to_string(i) + " is outside the " +
                         std::to_string(enc.num_dictionary_items) + " dictionary items");
    }
    if (items->IsNull(item)) {
      builder.AppendNull();
      continue;
    }
    builder.Append(item_data + item_off[item], item_off[item + 1] - item_off[item]);
  }
  return builder.Finish();
}

Result<ArrayDataPtr> DecodeDictionary(const PageContext& ctx, const Encoding& enc,
                                      const DataTypePtr& type, int64_t n) {
  if (type->id() == TypeId::kDictionary) {
    switch (type->index_type()->id()) {
      case TypeId::kInt8:
        return DecodeArrowDictionary<int8_t>(ctx, enc, type, n);
      case TypeId::kInt16:
        return DecodeArrowDictionary<int16_t>(ctx, enc, type, n);
      case TypeId::kInt32:
        return DecodeArrowDictionary<int32_t>(ctx, enc, type, n);
      case TypeId::kInt64:
        return DecodeArrowDictionary<int64_t>(ctx, enc, type, n);
      case TypeId::kUInt8:
        return DecodeArrowDictionary<uint8_t>(ctx, enc, type, n);
      case TypeId::kUInt16:
        return DecodeArrowDictionary<uint16_t>(ctx, enc, type, n);
      case TypeId::kUInt32:
        return DecodeArrowDictionary<uint32_t>(ctx, enc, type, n);
      case TypeId::kUInt64:
        return DecodeArrowDictionary<uint64_t>(ctx, enc, type, n);
      default:
        break;
    }
    return ctx.NotImplemented("dictionary index type " + type->index_type()->ToString());
  }
  if (!IsBinaryLike(type->id())) {
    return ctx.NotImplemented("dictionary encoding for type " + type->ToString());
  }
  if (IsLargeOffsets(type->id())) return DecodeStringDictionary<int64_t>(ctx, enc, type, n);
  return DecodeStringDictionary<int32_t>(ctx, enc, type, n);
}

template <typename OffsetT>
Result<ArrayDataPtr> DecodeFsstT(const PageContext& ctx, const Encoding& enc,
                                 const DataTypePtr& type, int64_t n) {
  FsstTable table;
  LF_RETURN_NOT_OK(ParseFsstTable(ctx, enc.symbol_table, &table));
  LF_ASSIGN_OR_RETURN(ArrayDataPtr inner, DecodePage(ctx, *enc.children[0], type, n));
  if (!table.enabled) return inner;
  const OffsetT* off = OffsetsOf<OffsetT>(*inner);
  const uint8_t* data = DataOf(*inner);
  arrow::BaseBinaryBuilder<OffsetT> builder(type);
  builder.Reserve(n);
  std::string value;
  for (int64_t i = 0; i < n; ++i) {
    if (inner->IsNull(i)) {
      builder.AppendNull();
      continue;
    }
    value.clear();
    LF_RETURN_NOT_OK(FsstDecode(ctx, table, data + off[i], off[i + 1] - off[i], &value));
    builder.Append(value);
  }
  return builder.Finish();
}

Result<ArrayDataPtr> DecodeFsst(const PageContext& ctx, const Encoding& enc,
                                const DataTypePtr& type, int64_t n) {
  if (!IsBinaryLike(type->id())) {
    return ctx.Corrupt("fsst encoding for type " + type->ToString());
  }
  if (IsLargeOffsets(type->id())) return DecodeFsstT<int64_t>(ctx, enc, type, n);
  return DecodeFsstT<int32_t>(ctx, enc, type, n);
}

// Bytes per row of a packed struct member: fixed-width values or a fixed-size list of them.
int64_t PackedWidth(const arrow::DataType& type) {
  if (type.id() == TypeId::kFixedSizeList) {
    const auto& item = *type.children()[0]->type;
    if (item.id() == TypeId::kBool || item.byte_width() <= 0) return 0;
    return static_cast<int64_t>(item.byte_width()) * type.fixed_size();
  }
  if (type.id() == TypeId::kBool || type.id() == TypeId::kDictionary || type.is_nested()) return 0;
  return type.byte_width() > 0 ? type.byte_width() : 0;
}

// PackedStruct: the members' values interleaved row by row in one buffer; the inner encodings
// only describe the members, the layout follows from the member types
// (rust/lance-encoding/src/previous/encodings/physical/packed_struct.rs).
Result<ArrayDataPtr> DecodePackedStruct(const PageContext& ctx, const Encoding& enc,
                                        const DataTypePtr& type, int64_t n) {
  if (type->id() != TypeId::kStruct) {
    return ctx.Corrupt("packed_struct encoding for type " + type->ToString());
  }
  const auto& fields = type->children();
  if (enc.children.size() != fields.size()) {
    return ctx.Corrupt("packed_struct with " + std::to_string(enc.children.size()) +
                       " members for " + type->ToString());
  }
  std::vector<int64_t> widths;
  int64_t row = 0;
  for (const auto& f : fields) {
    const int64_t w = PackedWidth(*f->type);
    if (w == 0) {
      return ctx.NotImplemented("packed_struct member '" + f->name + "' of type " +
                                f->type->ToString());
    }
    widths.push_back(w);
    row += w;
    if (row > (int64_t{1} << 30)) return ctx.Corrupt("packed_struct rows are too wide");
  }
  const int64_t need = BytesFor(n, static_cast<uint64_t>(row) * 8);
  if (need < 0) return ctx.Corrupt("packed_struct page of " + std::to_string(n) + " rows");
  LF_ASSIGN_OR_RETURN(BufferPtr buf, ctx.get_buffer(enc.buffer));
  if (buf->size() < need) {
    return ctx.Corrupt("packed_struct buffer of " + std::to_string(buf->size()) + " bytes, " +
                       std::to_string(need) + " needed");
  }
  auto out = std::make_shared<ArrayData>();
  out->type = type;
  out->length = n;
  out->null_count = 0;
  out->buffers = {nullptr};
  int64_t pos = 0;
  for (size_t c = 0; c < fields.size(); ++c) {
    const int64_t w = widths[c];
    BufferBuilder b;
    b.Resize(w * n);
    for (int64_t i = 0; i < n; ++i) {
      std::memcpy(b.mutable_data() + i * w, buf->data() + i * row + pos, static_cast<size_t>(w));
    }
    pos += w;
    auto child = std::make_shared<ArrayData>();
    child->null_count = 0;
    const DataTypePtr& ft = fields[c]->type;
    if (ft->id() == TypeId::kFixedSizeList) {
      auto items = std::make_shared<ArrayData>();
      items->type = ft->children()[0]->type;
      items->length = n * ft->fixed_size();
      items->null_count = 0;
      items->buffers = {nullptr, b.Finish()};
      child->type = ft;
      child->length = n;
      child->buffers = {nullptr};
      child->children = {std::move(items)};
    } else {
      child->type = ft;
      child->length = n;
      child->buffers = {nullptr, b.Finish()};
    }
    out->children.push_back(std::move(child));
  }
  return ArrayDataPtr(std::move(out));
}

Result<BufferPtr> DecompressZstd(const PageContext& ctx, const Buffer& in, int64_t min_size) {
  const uint8_t* p = in.data();
  const int64_t n = in.size();
  if (n == 0) return std::make_shared<Buffer>();
  // Rust's reader tells the framings apart by the zstd magic with a clear reserved bit
  // (rust/lance-encoding/src/encodings/physical/block.rs).
  bool raw = n < 8;
  if (!raw && Load<uint32_t>(p) == 0xFD2FB528u && (p[4] & 0x10) == 0) raw = true;
  if (!raw) {
    const uint64_t size = Load<uint64_t>(p);
    if (size > static_cast<uint64_t>(kMaxDecompressedBytes)) {
      return ctx.Corrupt("zstd buffer claims " + std::to_string(size) + " uncompressed bytes");
    }
    BufferBuilder out;
    out.Resize(static_cast<int64_t>(size));
    const size_t got = ZSTD_decompress(out.mutable_data(), size, p + 8, static_cast<size_t>(n - 8));
    if (ZSTD_isError(got)) {
      return ctx.Corrupt(std::string("zstd: ") + ZSTD_getErrorName(got));
    }
    if (got != size) {
      return ctx.Corrupt("zstd buffer expands to " + std::to_string(got) + " bytes, not " +
                         std::to_string(size));
    }
    return out.Finish();
  }
  std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> ds(ZSTD_createDStream(),
                                                              ZSTD_freeDStream);
  if (!ds) return Status::Internal("zstd: cannot create a decompression stream");
  ZSTD_initDStream(ds.get());
  BufferBuilder out;
  int64_t cap = std::max<int64_t>(min_size, 4096);
  cap = std::min(cap, kMaxDecompressedBytes);
  out.Resize(cap);
  ZSTD_inBuffer input{p, static_cast<size_t>(n), 0};
  int64_t produced = 0;
  size_t last = 0;
  while (input.pos < input.size) {
    if (produced == cap) {
      if (cap >= kMaxDecompressedBytes) {
        return ctx.Corrupt("zstd buffer expands beyond " + std::to_string(kMaxDecompressedBytes) +
                           " bytes");
      }
      cap = std::min(cap * 2, kMaxDecompressedBytes);
      out.Resize(cap);
    }
    ZSTD_outBuffer output{out.mutable_data() + produced, static_cast<size_t>(cap - produced), 0};
    last = ZSTD_decompressStream(ds.get(), &output, &input);
    if (ZSTD_isError(last)) return ctx.Corrupt(std::string("zstd: ") + ZSTD_getErrorName(last));
    produced += static_cast<int64_t>(output.pos);
    if (output.pos == 0 && input.pos < input.size && produced < cap && last != 0) {
      // No progress although there is room and input: the stream is stuck.
      return ctx.Corrupt("zstd stream makes no progress");
    }
  }
  if (last != 0) return ctx.Corrupt("zstd stream is truncated");
  out.Resize(produced);
  return out.Finish();
}

Result<BufferPtr> DecompressLz4(const PageContext& ctx, const Buffer& in) {
  if (in.size() < 4) return ctx.Corrupt("lz4 buffer of " + std::to_string(in.size()) + " bytes");
  const uint32_t size = Load<uint32_t>(in.data());
  if (size > static_cast<uint64_t>(kMaxDecompressedBytes) || in.size() - 4 > INT32_MAX) {
    return ctx.Corrupt("lz4 buffer claims " + std::to_string(size) + " uncompressed bytes");
  }
  BufferBuilder out;
  out.Resize(size);
  const int got = LZ4_decompress_safe(reinterpret_cast<const char*>(in.data() + 4),
                                      reinterpret_cast<char*>(out.mutable_data()),
                                      static_cast<int>(in.size() - 4), static_cast<int>(size));
  if (got < 0 || static_cast<uint32_t>(got) != size) {
    return ctx.Corrupt("lz4 block does not expand to the " + std::to_string(size) +
                       " bytes it claims");
  }
  return out.Finish();
}

}  // namespace

Result<BufferPtr> Decompress(const PageContext& ctx, const std::string& scheme, const Buffer& in,
                             int64_t min_size) {
  Result<BufferPtr> out =
      scheme == "zstd" ? DecompressZstd(ctx, in, min_size)
      : scheme == "lz4"
          ? DecompressLz4(ctx, in)
          : Result<BufferPtr>(ctx.NotImplemented("flat buffer compression '" + scheme + "'"));
  LF_RETURN_NOT_OK(out.status());
  if ((*out)->size() < min_size) {
    return ctx.Corrupt(scheme + " buffer expands to " + std::to_string((*out)->size()) +
                       " bytes, " + std::to_string(min_size) + " needed");
  }
  return out;
}

Status ParseFsstTable(const PageContext& ctx, std::string_view bytes, FsstTable* out) {
  if (bytes.size() < 8)
    return ctx.Corrupt("fsst symbol table of " + std::to_string(bytes.size()) + " bytes");
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint64_t header = Load<uint64_t>(p);
  if ((header >> 32) != 0x46535354u) return ctx.Corrupt("fsst symbol table without its magic");
  out->enabled = (header >> 24) & 1;
  out->num_symbols = static_cast<int>(header & 0xFF);
  const size_t need = 8 + static_cast<size_t>(out->num_symbols) * 9;
  if (bytes.size() < need) {
    return ctx.Corrupt("fsst symbol table of " + std::to_string(bytes.size()) + " bytes for " +
                       std::to_string(out->num_symbols) + " symbols");
  }
  for (int i = 0; i < out->num_symbols; ++i) {
    out->symbols[i] = Load<uint64_t>(p + 8 + 8 * i);
    out->lengths[i] = p[8 + 8 * out->num_symbols + i];
    if (out->lengths[i] < 1 || out->lengths[i] > 8) {
      return ctx.Corrupt("fsst symbol " + std::to_string(i) + " has length " +
                         std::to_string(out->lengths[i]));
    }
  }
  return Status::OK();
}

Status FsstDecode(const PageContext& ctx, const FsstTable& table, const uint8_t* in, int64_t size,
                  std::string* out) {
  constexpr uint8_t kEscape = 255;
  for (int64_t i = 0; i < size; ++i) {
    const uint8_t code = in[i];
    if (code == kEscape) {
      if (i + 1 >= size) return ctx.Corrupt("fsst value ends with an escape byte");
      out->push_back(static_cast<char>(in[++i]));
      continue;
    }
    if (code >= table.num_symbols) {
      return ctx.Corrupt("fsst code " + std::to_string(code) + " beyond the " +
                         std::to_string(table.num_symbols) + " symbols");
    }
    char sym[8];
    std::memcpy(sym, &table.symbols[code], 8);
    out->append(sym, table.lengths[code]);
  }
  return Status::OK();
}

Result<ArrayDataPtr> DecodePage(const PageContext& ctx, const Encoding& enc,
                                const DataTypePtr& type, int64_t n) {
  if (n < 0 || static_cast<uint64_t>(n) > kMaxPageRows) {
    return ctx.Corrupt("page of " + std::to_string(n) + " values");
  }
  switch (static_cast<Arm>(enc.arm)) {
    case Arm::kFlat:
      return DecodeFlat(ctx, enc, type, n);
    case Arm::kNullable:
      return DecodeNullable(ctx, enc, type, n);
    case Arm::kFixedSizeList:
      return DecodeFixedSizeList(ctx, enc, type, n);
    case Arm::kBinary:
      return DecodeBinary(ctx, enc, type, n);
    case Arm::kDictionary:
      return DecodeDictionary(ctx, enc, type, n);
    case Arm::kFsst:
      return DecodeFsst(ctx, enc, type, n);
    case Arm::kPackedStruct:
      return DecodePackedStruct(ctx, enc, type, n);
    case Arm::kList:
    case Arm::kStruct:
      return ctx.Corrupt(ArmName(enc.arm) + " encoding inside a value page of type " +
                         type->ToString());
    default:
      break;
  }
  return ctx.NotImplemented("unsupported 2.0 encoding lance.encodings." + ArmName(enc.arm) +
                            " for type " + type->ToString());
}

}  // namespace lanceflow::lance::v20
