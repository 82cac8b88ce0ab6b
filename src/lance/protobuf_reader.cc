#include "protobuf_reader.h"

#include <cstring>
#include <limits>
#include <utility>

namespace lanceflow::lance {

const char* WireTypeName(WireType type) {
  switch (type) {
    case WireType::kVarint: return "varint";
    case WireType::kFixed64: return "fixed64";
    case WireType::kLengthDelimited: return "length-delimited";
    case WireType::kStartGroup: return "start-group";
    case WireType::kEndGroup: return "end-group";
    case WireType::kFixed32: return "fixed32";
  }
  return "unknown";
}

ProtoReader::ProtoReader(const uint8_t* data, int64_t size, std::string what,
                         int64_t base_offset, int depth)
    : data_(data), size_(size < 0 ? 0 : size), what_(std::move(what)),
      base_offset_(base_offset), depth_(depth) {}

Status ProtoReader::Error(std::string_view message) const {
  std::string msg = what_ + ": byte " + std::to_string(offset());
  if (field_ != 0) msg += " (field " + std::to_string(field_) + ")";
  msg += ": ";
  msg += message;
  return Status::Corrupt(std::move(msg));
}

Result<uint64_t> ProtoReader::RawVarint() {
  uint64_t value = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos_ >= size_) return Error("varint runs past the end of the message");
    uint8_t b = data_[pos_++];
    // The tenth byte may only carry the top bit of a 64-bit value.
    if (i == 9 && b > 1) return Error("varint longer than 64 bits");
    value |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return value;
  }
  return Error("varint longer than 10 bytes");
}

Status ProtoReader::NextField(uint32_t* field_number, WireType* wire_type) {
  field_ = 0;
  LF_ASSIGN_OR_RETURN(uint64_t tag, RawVarint());
  uint64_t number = tag >> 3;
  uint8_t type = static_cast<uint8_t>(tag & 7);
  if (number == 0 || number > (uint64_t{1} << 29) - 1) {
    return Error("invalid field number " + std::to_string(number));
  }
  field_ = static_cast<uint32_t>(number);
  if (type > 5) return Error("invalid wire type " + std::to_string(type));
  *field_number = field_;
  *wire_type = static_cast<WireType>(type);
  return Status::OK();
}

Status ProtoReader::Expect(WireType actual, WireType expected) const {
  if (actual == expected) return Status::OK();
  return Error(std::string("wire type ") + WireTypeName(actual) + ", expected " +
               WireTypeName(expected));
}

Status ProtoReader::Skip(WireType type) {
  switch (type) {
    case WireType::kVarint: return RawVarint().status();
    case WireType::kFixed64:
      if (size_ - pos_ < 8) return Error("fixed64 runs past the end of the message");
      pos_ += 8;
      return Status::OK();
    case WireType::kFixed32:
      if (size_ - pos_ < 4) return Error("fixed32 runs past the end of the message");
      pos_ += 4;
      return Status::OK();
    case WireType::kLengthDelimited: return ReadBytes(type).status();
    case WireType::kStartGroup:
    case WireType::kEndGroup: return Error("groups are not supported");
  }
  return Error("invalid wire type");
}

Result<uint64_t> ProtoReader::ReadUInt64(WireType type) {
  LF_RETURN_NOT_OK(Expect(type, WireType::kVarint));
  return RawVarint();
}

Result<uint32_t> ProtoReader::ReadUInt32(WireType type) {
  LF_ASSIGN_OR_RETURN(uint64_t v, ReadUInt64(type));
  if (v > std::numeric_limits<uint32_t>::max()) {
    return Error("value " + std::to_string(v) + " does not fit uint32");
  }
  return static_cast<uint32_t>(v);
}

Result<int32_t> ProtoReader::ReadInt32(WireType type) {
  LF_ASSIGN_OR_RETURN(uint64_t v, ReadUInt64(type));
  auto s = static_cast<int64_t>(v);
  if (s < std::numeric_limits<int32_t>::min() || s > std::numeric_limits<int32_t>::max()) {
    return Error("value " + std::to_string(s) + " does not fit int32");
  }
  return static_cast<int32_t>(s);
}

Result<int64_t> ProtoReader::ReadInt64(WireType type) {
  LF_ASSIGN_OR_RETURN(uint64_t v, ReadUInt64(type));
  return static_cast<int64_t>(v);
}

Result<int64_t> ProtoReader::ReadSInt64(WireType type) {
  LF_ASSIGN_OR_RETURN(uint64_t v, ReadUInt64(type));
  return ZigZagDecode64(v);
}

Result<bool> ProtoReader::ReadBool(WireType type) {
  LF_ASSIGN_OR_RETURN(uint64_t v, ReadUInt64(type));
  return v != 0;
}

Result<uint32_t> ProtoReader::ReadFixed32(WireType type) {
  LF_RETURN_NOT_OK(Expect(type, WireType::kFixed32));
  if (size_ - pos_ < 4) return Error("fixed32 runs past the end of the message");
  uint32_t v;
  std::memcpy(&v, data_ + pos_, 4);
  pos_ += 4;
  return v;
}

Result<uint64_t> ProtoReader::ReadFixed64(WireType type) {
  LF_RETURN_NOT_OK(Expect(type, WireType::kFixed64));
  if (size_ - pos_ < 8) return Error("fixed64 runs past the end of the message");
  uint64_t v;
  std::memcpy(&v, data_ + pos_, 8);
  pos_ += 8;
  return v;
}

Result<std::string_view> ProtoReader::ReadBytes(WireType type) {
  LF_RETURN_NOT_OK(Expect(type, WireType::kLengthDelimited));
  LF_ASSIGN_OR_RETURN(uint64_t len, RawVarint());
  if (len > static_cast<uint64_t>(size_ - pos_)) {
    return Error("length " + std::to_string(len) + " exceeds the " +
                 std::to_string(size_ - pos_) + " bytes left in the message");
  }
  std::string_view out(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
  pos_ += static_cast<int64_t>(len);
  return out;
}

Result<ProtoReader> ProtoReader::ReadMessage(WireType type, std::string what) {
  if (depth_ + 1 > kMaxProtoDepth) return Error("messages nested too deeply");
  int64_t start = offset();
  LF_ASSIGN_OR_RETURN(std::string_view bytes, ReadBytes(type));
  int64_t body_offset = start + (offset() - start - static_cast<int64_t>(bytes.size()));
  return ProtoReader(reinterpret_cast<const uint8_t*>(bytes.data()),
                     static_cast<int64_t>(bytes.size()), std::move(what), body_offset,
                     depth_ + 1);
}

Status ProtoReader::ReadRepeatedUInt64(WireType type, std::vector<uint64_t>* out) {
  if (type == WireType::kVarint) {
    LF_ASSIGN_OR_RETURN(uint64_t v, RawVarint());
    out->push_back(v);
    return Status::OK();
  }
  LF_ASSIGN_OR_RETURN(ProtoReader packed, ReadMessage(type, what_));
  packed.field_ = field_;
  while (!packed.done()) {
    LF_ASSIGN_OR_RETURN(uint64_t v, packed.RawVarint());
    out->push_back(v);
  }
  return Status::OK();
}

Status ProtoReader::ReadRepeatedInt32(WireType type, std::vector<int32_t>* out) {
  std::vector<uint64_t> raw;
  LF_RETURN_NOT_OK(ReadRepeatedUInt64(type, &raw));
  for (uint64_t v : raw) {
    auto s = static_cast<int64_t>(v);
    if (s < std::numeric_limits<int32_t>::min() || s > std::numeric_limits<int32_t>::max()) {
      return Error("value " + std::to_string(s) + " does not fit int32");
    }
    out->push_back(static_cast<int32_t>(s));
  }
  return Status::OK();
}

}  // namespace lanceflow::lance
