// Compressive encodings of Lance formats 2.1 / 2.2 (protos/encodings_v2_1.proto,
// CompressiveEncoding; rust/lance-encoding/src/compression.rs picks the decompressor per use):
//   mini-block values  one chunk's buffers -> values            (DecodeMiniBlockValues)
//   block              one whole buffer -> values (rep/def levels, page dictionaries)
//   per-value          full-zip values, unzipped by the layout   (DecodeFullZipVariable)
// Decoded values accumulate in a ValueBlock, the decoder's private columnar form of the leaf
// values of one page or one row range. All input is untrusted: every size is checked and
// errors are Status::Corrupt (NotImplemented for encodings this reader lacks) with a message
// that the caller prefixes with table, file, column and page.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"

namespace lanceflow::lance::v21 {

// A growable byte array, 64-byte aligned, whose growth leaves the new bytes uninitialised (the
// decoders overwrite them), and which hands its bytes to an immutable Buffer without copying.
class ByteVec {
 public:
  ByteVec() = default;
  ByteVec(const ByteVec&) = delete;
  ByteVec& operator=(const ByteVec&) = delete;
  ByteVec(ByteVec&& other) noexcept;
  ByteVec& operator=(ByteVec&& other) noexcept;
  ~ByteVec();

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  int64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const uint8_t* begin() const { return data_; }
  const uint8_t* end() const { return data_ + size_; }
  void clear() { size_ = 0; }
  void reserve(int64_t capacity) {
    if (capacity > capacity_) Grow(capacity);
  }
  // Adds `n` uninitialised bytes and returns where they start.
  uint8_t* AppendUninitialized(int64_t n) {
    if (size_ + n > capacity_) Grow(size_ + n);
    uint8_t* at = data_ + size_;
    size_ += n;
    return at;
  }
  void Append(const void* src, int64_t n) {
    if (n > 0) std::memcpy(AppendUninitialized(n), src, static_cast<size_t>(n));
  }
  // Grows or shrinks to `n` bytes; new bytes are `fill`.
  void resize(int64_t n, uint8_t fill = 0);
  // The bytes as a Buffer (padding up to a multiple of 64 zeroed); the array is empty after.
  BufferPtr Finish();

 private:
  void Grow(int64_t min_capacity);
  uint8_t* data_ = nullptr;
  int64_t size_ = 0;
  int64_t capacity_ = 0;
};

// CompressiveEncoding oneof field numbers.
enum class EncodingKind : uint8_t {
  kUnknown = 0,
  kFlat = 1,
  kVariable = 2,
  kConstant = 3,
  kOutOfLineBitpacking = 4,
  kInlineBitpacking = 5,
  kFsst = 6,
  kDictionary = 7,
  kRle = 8,
  kByteStreamSplit = 9,
  kGeneral = 10,
  kFixedSizeList = 11,
  kPackedStruct = 12,
  kVariablePackedStruct = 13,
};

// "Flat", "Variable", ..., or "field N" for unknown arms.
std::string EncodingName(EncodingKind kind, uint32_t field_number);

struct Encoding {
  EncodingKind kind = EncodingKind::kUnknown;
  uint32_t field_number = 0;  // the oneof arm as stored (for unknown arms)
  // Flat.bits_per_value; {Inline,OutOfLine}Bitpacking.uncompressed_bits_per_value.
  uint64_t bits = 0;
  // BufferCompression scheme of Flat.data, Variable.values, InlineBitpacking.values and
  // General.compression; 0 = none.
  int scheme = 0;
  bool has_value = false;        // Constant.value present
  std::string bytes;             // Constant.value, Fsst.symbol_table
  uint64_t items_per_value = 0;  // FixedSizeList
  bool has_validity = false;     // FixedSizeList
  uint64_t num_dictionary_items = 0;
  // Variable.offsets, OutOfLineBitpacking.values, Fsst.values, Dictionary.indices, Rle.values,
  // ByteStreamSplit.values, General.values, FixedSizeList.values.
  std::unique_ptr<Encoding> child;
  // Dictionary.items, Rle.run_lengths.
  std::unique_ptr<Encoding> child2;

  std::string Name() const { return EncodingName(kind, field_number); }
  // e.g. "General(Fsst(Variable(Flat)))"
  std::string Describe() const;
};

// Parses a serialized CompressiveEncoding (nesting limited to 16 levels).
Result<std::unique_ptr<Encoding>> ParseEncoding(std::string_view bytes, int depth = 0);

// Values of one leaf. Fixed-width values (bits_per_value > 0; 1 for booleans, dim * item
// bits for fixed-size lists) are packed in `data`; variable-width values have num + 1
// offsets into `data`. Fixed-size lists with nullable items carry an item validity bitmap.
struct ValueBlock {
  int64_t num = 0;
  bool variable = false;
  int64_t bits_per_value = 0;
  ByteVec data;
  std::vector<int64_t> offsets{0};  // variable only
  bool has_item_validity = false;
  int64_t items_per_value = 1;
  std::vector<uint8_t> item_validity;  // bitmap of num * items_per_value bits
  // Byte-aligned fixed-width values held in a buffer read from the file instead of `data`
  // (zero-copy). Set only while it holds every value of the block and `data` is empty.
  BufferPtr borrowed;

  void Reset(bool is_variable, int64_t bits);
  // Appends values [start, start+count) of `other` (same shape).
  Status AppendFrom(const ValueBlock& other, int64_t start, int64_t count);
  // Appends `count` byte-aligned fixed-width values held in `values` (exactly their bytes),
  // keeping a reference instead of a copy when the block is empty and the bytes are 64-byte
  // aligned.
  Status AppendBuffer(BufferPtr values, int64_t count);
  // Copies borrowed values into `data`, so that decoders may append to it.
  void Own();
  // The value bytes as one buffer; the block gives them up (its values are undefined after).
  BufferPtr TakeData();
  const uint8_t* bytes() const { return borrowed ? borrowed->data() : data.data(); }
};

// The shape (variable or fixed bits) a value encoding produces, for ValueBlock::Reset.
struct ValueShape {
  bool variable = false;
  int64_t bits_per_value = 0;
  bool has_item_validity = false;
  int64_t items_per_value = 1;
};
Result<ValueShape> ShapeOf(const Encoding& encoding);

struct ByteSpan {
  const uint8_t* data = nullptr;
  int64_t size = 0;
};

// Decodes `num` values of one mini-block chunk from its value buffers, appending to `out`.
Status DecodeMiniBlockValues(const Encoding& encoding, const std::vector<ByteSpan>& buffers,
                             int64_t num, ValueBlock* out);

// Decodes `num` values from a whole buffer (block compression), appending to `out`.
Status DecodeBlock(const Encoding& encoding, ByteSpan buffer, int64_t num, ValueBlock* out);

// Decodes rep or def levels (block compression) into u16 values.
Status DecodeLevels(const Encoding& encoding, ByteSpan buffer, int64_t num,
                    std::vector<uint16_t>* out);

// Full-zip variable-width values: `raw` holds the values as stored (one per visible valid
// item, offsets into raw.data). Applies the per-value decompression (Variable: none, Fsst,
// General) and appends the result to `out` (variable).
Status DecodeFullZipVariable(const Encoding& encoding, const ValueBlock& raw, ValueBlock* out);

// Full-zip fixed-width values: `num` values of `bytes_per_value` bytes each at `data`,
// unzipping fixed-size-list item validity when the encoding has it. Appends to `out`.
Status DecodeFullZipFixed(const Encoding& encoding, const uint8_t* data, int64_t num,
                          int64_t bytes_per_value, ValueBlock* out);

}  // namespace lanceflow::lance::v21
