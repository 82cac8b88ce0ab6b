// A bounds-checked reader of the protobuf wire format, enough to decode the Lance messages by
// field number without generated code. Every read checks the remaining length; every error is a
// Status::Corrupt naming the message being decoded and the byte offset within the outermost
// buffer, e.g. "lance manifest: byte 17: varint runs past the end of the message".
//
// Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. Groups (3, 4) are refused.
// Nested messages share the outer buffer (no copies) and carry a depth that is limited to
// kMaxProtoDepth. The reader borrows the bytes; they must outlive it and every view it returns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/core/result.h"

namespace lanceflow::lance {

inline constexpr int kMaxProtoDepth = 32;

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

const char* WireTypeName(WireType type);

inline int64_t ZigZagDecode64(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}
inline int32_t ZigZagDecode32(uint32_t v) {
  return static_cast<int32_t>(v >> 1) ^ -static_cast<int32_t>(v & 1);
}

class ProtoReader {
 public:
  // Reads [data, data+size). `what` names the message in errors; `base_offset` is the position
  // of `data` in the enclosing buffer, used in error messages.
  ProtoReader(const uint8_t* data, int64_t size, std::string what, int64_t base_offset = 0,
              int depth = 0);
  explicit ProtoReader(std::string_view bytes, std::string what)
      : ProtoReader(reinterpret_cast<const uint8_t*>(bytes.data()),
                    static_cast<int64_t>(bytes.size()), std::move(what)) {}

  bool done() const { return pos_ >= size_; }
  // Reads the next tag. Field numbers must be in 1..2^29-1; wire types 0..5.
  Status NextField(uint32_t* field_number, WireType* wire_type);
  // Skips the value of a field of wire type `type` (after NextField).
  Status Skip(WireType type);

  // Typed reads of the current field's value; each checks the field's wire type first.
  Result<uint64_t> ReadUInt64(WireType type);
  Result<uint32_t> ReadUInt32(WireType type);  // Corrupt if the value exceeds 32 bits
  // proto int32: a negative value is sign-extended to 64 bits (10-byte varint).
  Result<int32_t> ReadInt32(WireType type);
  Result<int64_t> ReadInt64(WireType type);
  Result<int64_t> ReadSInt64(WireType type);  // zigzag
  Result<bool> ReadBool(WireType type);
  Result<uint32_t> ReadFixed32(WireType type);
  Result<uint64_t> ReadFixed64(WireType type);
  // Length-delimited bytes, a view into the borrowed buffer.
  Result<std::string_view> ReadBytes(WireType type);
  // A nested message (length-delimited), one level deeper; Corrupt past kMaxProtoDepth.
  Result<ProtoReader> ReadMessage(WireType type, std::string what);
  // Repeated scalar varints, packed (length-delimited) or one unpacked element (varint);
  // appends to `out`.
  Status ReadRepeatedUInt64(WireType type, std::vector<uint64_t>* out);
  Status ReadRepeatedInt32(WireType type, std::vector<int32_t>* out);

  // Corrupt("{what}: byte {offset}: {message}") at the current position.
  Status Error(std::string_view message) const;
  const std::string& what() const { return what_; }
  int64_t offset() const { return base_offset_ + pos_; }

 private:
  Status Expect(WireType actual, WireType expected) const;
  Result<uint64_t> RawVarint();

  const uint8_t* data_;
  int64_t size_;
  int64_t pos_ = 0;
  std::string what_;
  int64_t base_offset_;
  int depth_;
  uint32_t field_ = 0;  // the field being read, for error messages
};

}  // namespace lanceflow::lance
