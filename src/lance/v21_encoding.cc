#include "v21_encoding.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/lance/codecs.h"
#include "protobuf_reader.h"
#include "v21_nested.h"

namespace lanceflow::lance::v21 {

namespace {

constexpr int kMaxEncodingDepth = 16;
// Bound on values decoded from one buffer, so that hostile counts cannot ask for huge
// allocations before the size checks run.
constexpr int64_t kMaxValuesPerBuffer = int64_t{1} << 32;

Status Bad(const std::string& msg) { return Status::Corrupt(msg); }

uint64_t ReadLE(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

Status ParseBufferCompression(ProtoReader r, int* scheme) {
  while (!r.done()) {
    uint32_t f;
    WireType wt;
    LF_RETURN_NOT_OK(r.NextField(&f, &wt));
    if (f == 1) {
      LF_ASSIGN_OR_RETURN(uint64_t v, r.ReadUInt64(wt));
      if (v > 1000) return r.Error("compression scheme out of range");
      *scheme = static_cast<int>(v);
    } else {
      LF_RETURN_NOT_OK(r.Skip(wt));
    }
  }
  return Status::OK();
}

Status NeedChild(const Encoding& e) {
  if (!e.child) return Bad(e.Name() + " encoding without its inner encoding");
  return Status::OK();
}

// Appends `n` fixed-width values of `bits` each, starting at bit 0 of `src`.
void AppendBits(ValueBlock* out, const uint8_t* src, int64_t n) {
  int64_t bits = out->bits_per_value;
  if (bits % 8 == 0) {
    out->data.Append(src, n * (bits / 8));
  } else {
    int64_t start = out->num * bits;
    out->data.resize(arrow::BytesForBits(start + n * bits));
    arrow::CopyBitmap(src, 0, out->data.data(), start, n * bits);
  }
  out->num += n;
}

Status CheckCount(int64_t num) {
  if (num < 0 || num > kMaxValuesPerBuffer) return Bad("value count out of range");
  return Status::OK();
}

Status FixedBytes(int64_t num, int64_t bits, int64_t* bytes) {
  if (bits <= 0 || bits > (int64_t{1} << 24)) return Bad("bits per value out of range");
  *bytes = arrow::BytesForBits(num * bits);
  return Status::OK();
}

// Appends variable-width values from `n + 1` little-endian offsets of `offset_bytes` bytes each
// (relative to `base`, non-decreasing, within base_size).
Status AppendVariable(const uint8_t* offsets, int offset_bytes, int64_t n, const uint8_t* base,
                      int64_t base_size, ValueBlock* out) {
  uint64_t prev = ReadLE(offsets, offset_bytes);
  if (prev > static_cast<uint64_t>(base_size)) return Bad("variable-width offset past the data");
  for (int64_t i = 0; i < n; ++i) {
    uint64_t next = ReadLE(offsets + (i + 1) * offset_bytes, offset_bytes);
    if (next < prev || next > static_cast<uint64_t>(base_size)) {
      return Bad("variable-width offsets decrease or pass the data");
    }
    out->data.Append(base + prev, static_cast<int64_t>(next - prev));
    out->offsets.push_back(out->data.size());
    prev = next;
  }
  out->num += n;
  return Status::OK();
}

Status RepeatConstant(const Encoding& e, int64_t num, ValueBlock* out) {
  if (!e.has_value) return Bad("Constant encoding without a value");
  if (out->variable) {
    for (int64_t i = 0; i < num; ++i) {
      out->data.Append(e.bytes.data(), static_cast<int64_t>(e.bytes.size()));
      out->offsets.push_back(out->data.size());
    }
    out->num += num;
    return Status::OK();
  }
  int64_t bits = out->bits_per_value;
  if (bits == 1) {
    if (e.bytes.empty()) return Bad("Constant boolean without a byte");
    bool v = e.bytes[0] & 1;
    int64_t start = out->num;
    out->data.resize(arrow::BytesForBits(start + num));
    arrow::SetBitsTo(out->data.data(), start, num, v);
    out->num += num;
    return Status::OK();
  }
  if (bits % 8 != 0 || static_cast<int64_t>(e.bytes.size()) != bits / 8) {
    return Bad("Constant value of " + std::to_string(e.bytes.size()) + " bytes for " +
               std::to_string(bits) + "-bit values");
  }
  for (int64_t i = 0; i < num; ++i) {
    out->data.Append(e.bytes.data(), static_cast<int64_t>(e.bytes.size()));
  }
  out->num += num;
  return Status::OK();
}

Status DecodeFlat(const Encoding& e, ByteSpan buf, int64_t num, ValueBlock* out) {
  std::shared_ptr<Buffer> owned;
  if (e.scheme != 0) {
    LF_ASSIGN_OR_RETURN(owned, codecs::DecompressGeneral(e.scheme, buf.data, buf.size));
    buf = {owned->data(), owned->size()};
  }
  if (static_cast<int64_t>(e.bits) != out->bits_per_value) {
    return Bad("Flat encoding of " + std::to_string(e.bits) + " bits for " +
               std::to_string(out->bits_per_value) + "-bit values");
  }
  int64_t bytes;
  LF_RETURN_NOT_OK(FixedBytes(num, static_cast<int64_t>(e.bits), &bytes));
  if (buf.size < bytes) {
    return Bad("Flat buffer of " + std::to_string(buf.size) + " bytes holds fewer than " +
               std::to_string(num) + " values");
  }
  AppendBits(out, buf.data, num);
  return Status::OK();
}

int BitsOfFlat(const Encoding* e) {
  if (e == nullptr || e->kind != EncodingKind::kFlat) return -1;
  return static_cast<int>(e->bits);
}

// Decodes into a scratch block of the given width and appends it to `out`.
template <typename Fn>
Status DecodeWords(int bits, int64_t num, ValueBlock* out, Fn fn) {
  if (bits != 8 && bits != 16 && bits != 32 && bits != 64) {
    return Bad("unsupported value width " + std::to_string(bits));
  }
  if (out->bits_per_value != bits) {
    return Bad(std::to_string(bits) + "-bit encoding for " + std::to_string(out->bits_per_value) +
               "-bit values");
  }
  int64_t start = out->data.size();
  Status st = fn(out->data.AppendUninitialized(num * bits / 8));
  if (!st.ok()) {
    out->data.resize(start);
    return st;
  }
  out->num += num;
  return Status::OK();
}

Status DecodeFsl(const Encoding& e, const std::vector<ByteSpan>& buffers, size_t* next, int64_t num,
                 ValueBlock* out) {
  if (e.items_per_value == 0 || e.items_per_value > (1u << 20)) {
    return Bad("FixedSizeList dimension out of range");
  }
  LF_RETURN_NOT_OK(NeedChild(e));
  if (IsNestedFslEncoding(e)) return DecodeNestedFslChunk(e, buffers, next, num, out);
  if (e.child->kind != EncodingKind::kFlat) {
    return Status::NotImplemented("FixedSizeList of " + e.child->Describe());
  }
  int64_t dim = static_cast<int64_t>(e.items_per_value);
  int64_t items = num * dim;
  if (e.has_validity) {
    if (*next >= buffers.size()) return Bad("FixedSizeList chunk without its validity buffer");
    ByteSpan v = buffers[(*next)++];
    if (v.size < arrow::BytesForBits(items)) return Bad("FixedSizeList validity buffer too short");
    int64_t start = out->num * dim;
    out->item_validity.resize(static_cast<size_t>(arrow::BytesForBits(start + items)));
    arrow::CopyBitmap(v.data, 0, out->item_validity.data(), start, items);
  }
  if (*next >= buffers.size()) return Bad("FixedSizeList chunk without its values buffer");
  ByteSpan d = buffers[(*next)++];
  int64_t bytes;
  LF_RETURN_NOT_OK(FixedBytes(items, static_cast<int64_t>(e.child->bits), &bytes));
  if (d.size < bytes) return Bad("FixedSizeList values buffer too short");
  AppendBits(out, d.data, num);
  return Status::OK();
}

// Per-thread scratch for FSST output, reused across chunks so that decoding one does not
// allocate and fault in fresh memory; dropped when a large page made it grow past the limit.
class FsstScratch {
 public:
  static constexpr int64_t kKeepBytes = int64_t{4} << 20;
  static FsstScratch& Get() {
    thread_local FsstScratch scratch;
    scratch.bytes.Clear();
    scratch.offs.Clear();
    return scratch;
  }
  void Release() {
    if (bytes.capacity() > kKeepBytes) bytes = BufferBuilder();
    if (offs.capacity() > kKeepBytes) offs = BufferBuilder();
  }
  BufferBuilder bytes, offs;
};

// Appends FSST output (`ends`: one end offset per value into `bytes`) to `out`.
void AppendFsstOutput(FsstScratch& s, int64_t num, ValueBlock* out) {
  const int64_t* ends = s.offs.mutable_data_as<int64_t>();
  int64_t base = out->data.size();
  out->data.Append(s.bytes.mutable_data(), s.bytes.size());
  out->offsets.reserve(out->offsets.size() + static_cast<size_t>(num));
  for (int64_t i = 0; i < num; ++i) out->offsets.push_back(base + ends[i]);
  out->num += num;
}

Status DecodeMiniBlockImpl(const Encoding& e, const std::vector<ByteSpan>& buffers, int64_t num,
                           ValueBlock* out) {
  LF_RETURN_NOT_OK(CheckCount(num));
  auto need = [&](size_t n) -> Status {
    if (buffers.size() < n) {
      return Bad(e.Name() + " chunk with " + std::to_string(buffers.size()) + " buffers, needs " +
                 std::to_string(n));
    }
    return Status::OK();
  };
  switch (e.kind) {
    case EncodingKind::kFlat:
      LF_RETURN_NOT_OK(need(1));
      return DecodeFlat(e, buffers[0], num, out);
    case EncodingKind::kConstant:
      return RepeatConstant(e, num, out);
    case EncodingKind::kFixedSizeList: {
      size_t next = 0;
      return DecodeFsl(e, buffers, &next, num, out);
    }
    case EncodingKind::kVariable: {
      LF_RETURN_NOT_OK(need(1));
      int ob = BitsOfFlat(e.child.get());
      if (ob != 32 && ob != 64) return Bad("Variable encoding needs Flat 32/64-bit offsets");
      ByteSpan b = buffers[0];
      std::shared_ptr<Buffer> owned;
      int64_t need_bytes = (num + 1) * (ob / 8);
      if (b.size < need_bytes) return Bad("Variable chunk too short for its offsets");
      return AppendVariable(b.data, ob / 8, num, b.data, b.size, out);
    }
    case EncodingKind::kFsst: {
      LF_RETURN_NOT_OK(need(1));
      LF_RETURN_NOT_OK(NeedChild(e));
      if (e.child->kind != EncodingKind::kVariable) {
        return Status::NotImplemented("Fsst over " + e.child->Describe());
      }
      int ob = BitsOfFlat(e.child->child.get());
      if (ob != 32 && ob != 64) return Bad("Fsst values need Flat 32/64-bit offsets");
      ByteSpan b = buffers[0];
      if (b.size < (num + 1) * (ob / 8)) return Bad("Fsst chunk too short for its offsets");
      LF_ASSIGN_OR_RETURN(
          codecs::FsstTable table,
          codecs::ParseFsstSymbolTable(reinterpret_cast<const uint8_t*>(e.bytes.data()),
                                       static_cast<int64_t>(e.bytes.size())));
      FsstScratch& scratch = FsstScratch::Get();
      Status st = codecs::FsstDecode(table, b.data, b.size, b.data, ob, num, &scratch.bytes,
                                     &scratch.offs, 64);
      if (st.ok()) AppendFsstOutput(scratch, num, out);
      scratch.Release();
      return st;
    }
    case EncodingKind::kInlineBitpacking: {
      LF_RETURN_NOT_OK(need(1));
      ByteSpan b = buffers[0];
      std::shared_ptr<Buffer> owned;
      if (e.scheme != 0) {
        LF_ASSIGN_OR_RETURN(owned, codecs::DecompressGeneral(e.scheme, b.data, b.size));
        b = {owned->data(), owned->size()};
      }
      int bits = static_cast<int>(e.bits);
      return DecodeWords(bits, num, out, [&](uint8_t* dst) {
        return codecs::DecodeInlineBitpacked(b.data, b.size, bits, num, dst);
      });
    }
    case EncodingKind::kOutOfLineBitpacking: {
      LF_RETURN_NOT_OK(need(1));
      int w = BitsOfFlat(e.child.get());
      if (w < 0) return Bad("OutOfLineBitpacking needs Flat packed values");
      int bits = static_cast<int>(e.bits);
      return DecodeWords(bits, num, out, [&](uint8_t* dst) {
        return codecs::DecodeOutOfLineBitpacked(buffers[0].data, buffers[0].size, bits, w, num,
                                                dst);
      });
    }
    case EncodingKind::kRle: {
      LF_RETURN_NOT_OK(need(2));
      int bits = BitsOfFlat(e.child.get());
      if (bits < 0 || BitsOfFlat(e.child2.get()) != 8) {
        return Bad("Rle needs Flat values and Flat 8-bit run lengths");
      }
      return DecodeWords(bits, num, out, [&](uint8_t* dst) {
        return codecs::RleDecode(buffers[0].data, buffers[0].size, buffers[1].data, buffers[1].size,
                                 bits / 8, num, dst);
      });
    }
    case EncodingKind::kByteStreamSplit: {
      LF_RETURN_NOT_OK(need(1));
      int bits = BitsOfFlat(e.child.get());
      if (bits < 0) return Bad("ByteStreamSplit needs Flat values");
      return DecodeWords(bits, num, out, [&](uint8_t* dst) {
        return codecs::ByteStreamSplitDecode(buffers[0].data, buffers[0].size, bits / 8, num, dst);
      });
    }
    case EncodingKind::kPackedStruct:
      // Rows of the members' bytes: the inner encoding's fixed-width values (v21_nested.h).
      LF_RETURN_NOT_OK(NeedChild(e));
      return DecodeMiniBlockImpl(*e.child, buffers, num, out);
    case EncodingKind::kGeneral: {
      LF_RETURN_NOT_OK(need(1));
      LF_RETURN_NOT_OK(NeedChild(e));
      LF_ASSIGN_OR_RETURN(BufferPtr plain,
                          codecs::DecompressGeneral(e.scheme, buffers[0].data, buffers[0].size));
      std::vector<ByteSpan> inner = buffers;
      inner[0] = {plain->data(), plain->size()};
      return DecodeMiniBlockImpl(*e.child, inner, num, out);
    }
    default:
      return Status::NotImplemented("mini-block values encoded with " + e.Describe());
  }
}

}  // namespace

ByteVec::ByteVec(ByteVec&& other) noexcept
    : data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
  other.data_ = nullptr;
  other.size_ = other.capacity_ = 0;
}

ByteVec& ByteVec::operator=(ByteVec&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = other.data_;
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  return *this;
}

ByteVec::~ByteVec() { std::free(data_); }

void ByteVec::Grow(int64_t min_capacity) {
  int64_t cap = std::max<int64_t>({min_capacity, capacity_ + capacity_ / 2, 64});
  // Room for the zeroed padding Finish() adds.
  cap = (cap + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  void* p = std::aligned_alloc(kBufferAlignment, static_cast<size_t>(cap));
  if (p == nullptr) throw std::bad_alloc();
  if (size_ > 0) std::memcpy(p, data_, static_cast<size_t>(size_));
  std::free(data_);
  data_ = static_cast<uint8_t*>(p);
  capacity_ = cap;
}

void ByteVec::resize(int64_t n, uint8_t fill) {
  if (n > size_) {
    int64_t old = size_;
    std::memset(AppendUninitialized(n - old), fill, static_cast<size_t>(n - old));
  } else {
    size_ = n;
  }
}

BufferPtr ByteVec::Finish() {
  if (data_ == nullptr) Grow(64);
  int64_t padded = (size_ + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  std::memset(data_ + size_, 0, static_cast<size_t>(padded - size_));
  std::shared_ptr<const void> owner(data_, [](const void* p) { std::free(const_cast<void*>(p)); });
  auto buf = std::make_shared<Buffer>(data_, size_, std::move(owner));
  data_ = nullptr;
  size_ = capacity_ = 0;
  return buf;
}

std::string EncodingName(EncodingKind kind, uint32_t field_number) {
  switch (kind) {
    case EncodingKind::kFlat:
      return "Flat";
    case EncodingKind::kVariable:
      return "Variable";
    case EncodingKind::kConstant:
      return "Constant";
    case EncodingKind::kOutOfLineBitpacking:
      return "OutOfLineBitpacking";
    case EncodingKind::kInlineBitpacking:
      return "InlineBitpacking";
    case EncodingKind::kFsst:
      return "Fsst";
    case EncodingKind::kDictionary:
      return "Dictionary";
    case EncodingKind::kRle:
      return "Rle";
    case EncodingKind::kByteStreamSplit:
      return "ByteStreamSplit";
    case EncodingKind::kGeneral:
      return "General";
    case EncodingKind::kFixedSizeList:
      return "FixedSizeList";
    case EncodingKind::kPackedStruct:
      return "PackedStruct";
    case EncodingKind::kVariablePackedStruct:
      return "VariablePackedStruct";
    case EncodingKind::kUnknown:
      break;
  }
  return "CompressiveEncoding field " + std::to_string(field_number);
}

std::string Encoding::Describe() const {
  std::string s = Name();
  if (kind == EncodingKind::kFlat) s += std::to_string(bits);
  if (child || child2) {
    s += "(";
    if (child) s += child->Describe();
    if (child2) s += ", " + child2->Describe();
    s += ")";
  }
  return s;
}

Result<std::unique_ptr<Encoding>> ParseEncoding(std::string_view bytes, int depth) {
  if (depth > kMaxEncodingDepth) return Bad("CompressiveEncoding nested too deeply");
  ProtoReader outer(bytes, "CompressiveEncoding");
  auto e = std::make_unique<Encoding>();
  while (!outer.done()) {
    uint32_t arm;
    WireType wt;
    LF_RETURN_NOT_OK(outer.NextField(&arm, &wt));
    if (wt != WireType::kLengthDelimited) {
      LF_RETURN_NOT_OK(outer.Skip(wt));
      continue;
    }
    LF_ASSIGN_OR_RETURN(std::string_view body, outer.ReadBytes(wt));
    e->field_number = arm;
    e->kind = arm >= 1 && arm <= 13 ? static_cast<EncodingKind>(arm) : EncodingKind::kUnknown;
    e->bits = 0;
    e->scheme = 0;
    e->child.reset();
    e->child2.reset();
    ProtoReader r(body, e->Name());
    while (!r.done()) {
      uint32_t f;
      WireType w;
      LF_RETURN_NOT_OK(r.NextField(&f, &w));
      auto sub = [&](std::unique_ptr<Encoding>* dst) -> Status {
        LF_ASSIGN_OR_RETURN(std::string_view b, r.ReadBytes(w));
        LF_ASSIGN_OR_RETURN(*dst, ParseEncoding(b, depth + 1));
        return Status::OK();
      };
      auto compression = [&]() -> Status {
        LF_ASSIGN_OR_RETURN(ProtoReader m, r.ReadMessage(w, "BufferCompression"));
        return ParseBufferCompression(std::move(m), &e->scheme);
      };
      Status st;
      switch (e->kind) {
        case EncodingKind::kFlat:
          if (f == 1) {
            LF_ASSIGN_OR_RETURN(e->bits, r.ReadUInt64(w));
          } else if (f == 2) {
            st = compression();
          } else {
            st = r.Skip(w);
          }
          break;
        case EncodingKind::kVariable:
          st = f == 1 ? sub(&e->child) : f == 2 ? compression() : r.Skip(w);
          break;
        case EncodingKind::kConstant:
          if (f == 1) {
            LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(w));
            e->bytes.assign(v);
            e->has_value = true;
          } else {
            st = r.Skip(w);
          }
          break;
        case EncodingKind::kOutOfLineBitpacking:
          if (f == 1) {
            LF_ASSIGN_OR_RETURN(e->bits, r.ReadUInt64(w));
          } else {
            st = f == 3 ? sub(&e->child) : r.Skip(w);
          }
          break;
        case EncodingKind::kInlineBitpacking:
          if (f == 1) {
            LF_ASSIGN_OR_RETURN(e->bits, r.ReadUInt64(w));
          } else {
            st = f == 2 ? compression() : r.Skip(w);
          }
          break;
        case EncodingKind::kFsst:
          if (f == 1) {
            LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(w));
            e->bytes.assign(v);
          } else {
            st = f == 2 ? sub(&e->child) : r.Skip(w);
          }
          break;
        case EncodingKind::kDictionary:
          if (f == 3) {
            LF_ASSIGN_OR_RETURN(e->num_dictionary_items, r.ReadUInt64(w));
          } else {
            st = f == 1 ? sub(&e->child) : f == 2 ? sub(&e->child2) : r.Skip(w);
          }
          break;
        case EncodingKind::kRle:
          st = f == 1 ? sub(&e->child) : f == 2 ? sub(&e->child2) : r.Skip(w);
          break;
        case EncodingKind::kByteStreamSplit:
          st = f == 1 ? sub(&e->child) : r.Skip(w);
          break;
        case EncodingKind::kGeneral:
          st = f == 1 ? compression() : f == 3 ? sub(&e->child) : r.Skip(w);
          break;
        case EncodingKind::kPackedStruct:
          st = f == 2 ? sub(&e->child) : r.Skip(w);
          break;
        case EncodingKind::kFixedSizeList:
          if (f == 1) {
            LF_ASSIGN_OR_RETURN(e->items_per_value, r.ReadUInt64(w));
          } else if (f == 3) {
            LF_ASSIGN_OR_RETURN(e->has_validity, r.ReadBool(w));
          } else {
            st = f == 2 ? sub(&e->child) : r.Skip(w);
          }
          break;
        default:
          st = r.Skip(w);
          break;
      }
      LF_RETURN_NOT_OK(st);
    }
  }
  if (e->field_number == 0) return Bad("empty CompressiveEncoding");
  return e;
}

void ValueBlock::Reset(bool is_variable, int64_t bits) {
  num = 0;
  variable = is_variable;
  bits_per_value = bits;
  data.clear();
  offsets.assign(1, 0);
  has_item_validity = false;
  items_per_value = 1;
  item_validity.clear();
  borrowed.reset();
}

void ValueBlock::Own() {
  if (!borrowed) return;
  BufferPtr b = std::move(borrowed);
  data.clear();
  data.Append(b->data(), arrow::BytesForBits(num * bits_per_value));
}

BufferPtr ValueBlock::TakeData() {
  if (borrowed) return std::move(borrowed);
  return data.Finish();
}

Status ValueBlock::AppendBuffer(BufferPtr values, int64_t count) {
  if (variable || bits_per_value % 8 != 0 || values->size() != count * (bits_per_value / 8)) {
    return Bad("fixed-width value buffer does not match the value width");
  }
  if (has_item_validity) {
    int64_t at = num * items_per_value;
    int64_t n = count * items_per_value;
    item_validity.resize(static_cast<size_t>(arrow::BytesForBits(at + n)));
    arrow::SetBitsTo(item_validity.data(), at, n, true);
  }
  const bool aligned = reinterpret_cast<uintptr_t>(values->data()) % kBufferAlignment == 0;
  if (num == 0 && data.empty() && aligned) {
    borrowed = std::move(values);
  } else {
    Own();
    data.Append(values->data(), values->size());
  }
  num += count;
  return Status::OK();
}

Status ValueBlock::AppendFrom(const ValueBlock& o, int64_t start, int64_t count) {
  if (start < 0 || count < 0 || start + count > o.num) return Bad("value range out of bounds");
  if (o.variable != variable || o.bits_per_value != bits_per_value ||
      o.items_per_value != items_per_value) {
    return Bad("pages of one column decode to different value layouts");
  }
  Own();
  const uint8_t* src = o.bytes();
  if (variable) {
    int64_t a = o.offsets[static_cast<size_t>(start)];
    int64_t b = o.offsets[static_cast<size_t>(start + count)];
    int64_t base = data.size() - a;
    data.Append(src + a, b - a);
    offsets.reserve(offsets.size() + static_cast<size_t>(count));
    for (int64_t i = 1; i <= count; ++i) {
      offsets.push_back(base + o.offsets[static_cast<size_t>(start + i)]);
    }
  } else if (bits_per_value % 8 == 0) {
    int64_t w = bits_per_value / 8;
    data.Append(src + start * w, count * w);
  } else {
    int64_t at = num * bits_per_value;
    data.resize(arrow::BytesForBits(at + count * bits_per_value));
    arrow::CopyBitmap(src, start * bits_per_value, data.data(), at, count * bits_per_value);
  }
  if (o.has_item_validity || has_item_validity) {
    int64_t at = num * items_per_value;
    int64_t n = count * items_per_value;
    item_validity.resize(static_cast<size_t>(arrow::BytesForBits(at + n)), 0xFF);
    if (!has_item_validity) arrow::SetBitsTo(item_validity.data(), 0, at, true);
    if (o.has_item_validity) {
      arrow::CopyBitmap(o.item_validity.data(), start * items_per_value, item_validity.data(), at,
                        n);
    } else {
      arrow::SetBitsTo(item_validity.data(), at, n, true);
    }
    has_item_validity = true;
  }
  num += count;
  return Status::OK();
}

Result<ValueShape> ShapeOf(const Encoding& e) {
  ValueShape s;
  switch (e.kind) {
    case EncodingKind::kFlat:
      s.bits_per_value = static_cast<int64_t>(e.bits);
      break;
    case EncodingKind::kVariable:
    case EncodingKind::kFsst:
      s.variable = true;
      break;
    case EncodingKind::kInlineBitpacking:
    case EncodingKind::kOutOfLineBitpacking:
      s.bits_per_value = static_cast<int64_t>(e.bits);
      break;
    case EncodingKind::kRle:
    case EncodingKind::kByteStreamSplit:
    case EncodingKind::kPackedStruct:
    case EncodingKind::kGeneral: {
      LF_RETURN_NOT_OK(NeedChild(e));
      return ShapeOf(*e.child);
    }
    case EncodingKind::kFixedSizeList: {
      LF_RETURN_NOT_OK(NeedChild(e));
      if (IsNestedFslEncoding(e)) return NestedFslShapeOfEncoding(e);
      if (e.child->kind != EncodingKind::kFlat) {
        return Status::NotImplemented("FixedSizeList of " + e.child->Describe());
      }
      if (e.items_per_value == 0 || e.items_per_value > (1u << 20) || e.child->bits == 0 ||
          e.child->bits > 1024) {
        return Bad("FixedSizeList dimension or item width out of range");
      }
      s.items_per_value = static_cast<int64_t>(e.items_per_value);
      s.bits_per_value = s.items_per_value * static_cast<int64_t>(e.child->bits);
      s.has_item_validity = e.has_validity;
      break;
    }
    default:
      return Status::NotImplemented("values encoded with " + e.Describe());
  }
  if (!s.variable && (s.bits_per_value <= 0 || s.bits_per_value > (int64_t{1} << 24))) {
    return Bad(e.Name() + " with " + std::to_string(s.bits_per_value) + " bits per value");
  }
  return s;
}

Status DecodeMiniBlockValues(const Encoding& encoding, const std::vector<ByteSpan>& buffers,
                             int64_t num, ValueBlock* out) {
  return DecodeMiniBlockImpl(encoding, buffers, num, out);
}

Status DecodeBlock(const Encoding& e, ByteSpan buf, int64_t num, ValueBlock* out) {
  LF_RETURN_NOT_OK(CheckCount(num));
  switch (e.kind) {
    case EncodingKind::kFlat:
      return DecodeFlat(e, buf, num, out);
    case EncodingKind::kConstant:
      return RepeatConstant(e, num, out);
    case EncodingKind::kFixedSizeList: {
      size_t next = 0;
      std::vector<ByteSpan> bufs{buf};
      if (e.has_validity) return Status::NotImplemented("block FixedSizeList with validity");
      return DecodeFsl(e, bufs, &next, num, out);
    }
    case EncodingKind::kInlineBitpacking:
    case EncodingKind::kOutOfLineBitpacking:
    case EncodingKind::kByteStreamSplit:
      return DecodeMiniBlockImpl(e, {buf}, num, out);
    case EncodingKind::kRle: {
      // Block frame (physical/rle.rs): u64 size of the values, the values, the run lengths.
      if (buf.size < 8) return Bad("Rle block shorter than its header");
      uint64_t values_size = ReadLE(buf.data, 8);
      if (values_size > static_cast<uint64_t>(buf.size - 8)) {
        return Bad("Rle block values run past the buffer");
      }
      int64_t vs = static_cast<int64_t>(values_size);
      return DecodeMiniBlockImpl(
          e, {ByteSpan{buf.data + 8, vs}, ByteSpan{buf.data + 8 + vs, buf.size - 8 - vs}}, num,
          out);
    }
    case EncodingKind::kVariable: {
      // u32 bits per offset, then the start of the bytes (u32 for 32-bit offsets, u64 at byte 8
      // for 64-bit ones), then the offsets, then the bytes (physical/binary.rs).
      if (buf.size < 8) return Bad("Variable block shorter than its header");
      uint32_t ob = static_cast<uint32_t>(ReadLE(buf.data, 4));
      uint64_t bytes_start;
      int64_t offsets_start;
      if (ob == 32) {
        bytes_start = ReadLE(buf.data + 4, 4);
        offsets_start = 8;
      } else if (ob == 64) {
        if (buf.size < 16) return Bad("Variable block shorter than its header");
        bytes_start = ReadLE(buf.data + 8, 8);
        offsets_start = 16;
      } else {
        return Bad("Variable block with " + std::to_string(ob) + "-bit offsets");
      }
      int64_t w = ob / 8;
      if (bytes_start > static_cast<uint64_t>(buf.size) ||
          static_cast<int64_t>(bytes_start) < offsets_start + (num + 1) * w) {
        return Bad("Variable block offsets do not fit before its bytes");
      }
      const uint8_t* offs = buf.data + offsets_start;
      const uint8_t* base = buf.data + bytes_start;
      int64_t base_size = buf.size - static_cast<int64_t>(bytes_start);
      // Offsets are relative to the byte region, starting at the first offset.
      uint64_t first = ReadLE(offs, static_cast<int>(w));
      if (first > static_cast<uint64_t>(base_size)) return Bad("Variable block offset too large");
      return AppendVariable(offs, static_cast<int>(w), num, base, base_size, out);
    }
    case EncodingKind::kGeneral: {
      LF_RETURN_NOT_OK(NeedChild(e));
      LF_ASSIGN_OR_RETURN(BufferPtr plain, codecs::DecompressGeneral(e.scheme, buf.data, buf.size));
      return DecodeBlock(*e.child, {plain->data(), plain->size()}, num, out);
    }
    default:
      return Status::NotImplemented("block encoded with " + e.Describe());
  }
}

Status DecodeLevels(const Encoding& e, ByteSpan buffer, int64_t num, std::vector<uint16_t>* out) {
  ValueBlock block;
  block.Reset(false, 16);
  LF_RETURN_NOT_OK(DecodeBlock(e, buffer, num, &block));
  if (block.num != num || block.data.size() < num * 2) {
    return Bad("rep/def levels decode to the wrong count");
  }
  size_t at = out->size();
  out->resize(at + static_cast<size_t>(num));
  if (num > 0) std::memcpy(out->data() + at, block.data.data(), static_cast<size_t>(num) * 2);
  return Status::OK();
}

Status DecodeFullZipVariable(const Encoding& e, const ValueBlock& raw, ValueBlock* out) {
  switch (e.kind) {
    case EncodingKind::kVariable:
      return out->AppendFrom(raw, 0, raw.num);
    case EncodingKind::kFsst: {
      LF_ASSIGN_OR_RETURN(
          codecs::FsstTable table,
          codecs::ParseFsstSymbolTable(reinterpret_cast<const uint8_t*>(e.bytes.data()),
                                       static_cast<int64_t>(e.bytes.size())));
      FsstScratch& scratch = FsstScratch::Get();
      Status st = codecs::FsstDecode(table, raw.data.data(), raw.data.size(),
                                     reinterpret_cast<const uint8_t*>(raw.offsets.data()), 64,
                                     raw.num, &scratch.bytes, &scratch.offs, 64);
      if (st.ok()) AppendFsstOutput(scratch, raw.num, out);
      scratch.Release();
      return st;
    }
    case EncodingKind::kGeneral: {
      for (int64_t i = 0; i < raw.num; ++i) {
        int64_t a = raw.offsets[static_cast<size_t>(i)];
        int64_t b = raw.offsets[static_cast<size_t>(i + 1)];
        if (a == b) {
          out->offsets.push_back(out->data.size());
          continue;
        }
        LF_ASSIGN_OR_RETURN(BufferPtr plain,
                            codecs::DecompressGeneral(e.scheme, raw.data.data() + a, b - a));
        out->data.Append(plain->data(), plain->size());
        out->offsets.push_back(out->data.size());
      }
      out->num += raw.num;
      return Status::OK();
    }
    default:
      return Status::NotImplemented("full-zip values encoded with " + e.Describe());
  }
}

Status DecodeFullZipFixed(const Encoding& e, const uint8_t* data, int64_t num,
                          int64_t bytes_per_value, ValueBlock* out) {
  if (IsNestedFslEncoding(e)) return DecodeNestedFslFullZip(e, data, num, bytes_per_value, out);
  if (e.kind == EncodingKind::kFixedSizeList && e.has_validity) {
    int64_t dim = static_cast<int64_t>(e.items_per_value);
    int64_t vbytes = arrow::BytesForBits(dim);
    int64_t dbytes = out->bits_per_value / 8;
    if (out->bits_per_value % 8 != 0 || vbytes + dbytes != bytes_per_value) {
      return Bad("full-zip FixedSizeList value size does not match its encoding");
    }
    for (int64_t i = 0; i < num; ++i) {
      const uint8_t* v = data + i * bytes_per_value;
      int64_t at = out->num * dim;
      out->item_validity.resize(static_cast<size_t>(arrow::BytesForBits(at + dim)));
      arrow::CopyBitmap(v, 0, out->item_validity.data(), at, dim);
      AppendBits(out, v + vbytes, 1);
    }
    return Status::OK();
  }
  if (e.kind != EncodingKind::kFlat && e.kind != EncodingKind::kFixedSizeList) {
    return Status::NotImplemented("full-zip fixed-width values encoded with " + e.Describe());
  }
  if (out->bits_per_value != bytes_per_value * 8) {
    return Bad("full-zip value width does not match its encoding");
  }
  AppendBits(out, data, num);
  return Status::OK();
}

}  // namespace lanceflow::lance::v21
