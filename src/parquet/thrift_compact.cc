#include "thrift_compact.h"

#include <cstring>

namespace lanceflow::parquet::thrift {

// ---------------------------------------------------------------------------------------------
// Writer

void CompactWriter::WriteVarint(uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

void CompactWriter::FieldHeader(int16_t id, CType type) {
  const int delta = id - last_id_;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<int>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    WriteVarint(ZigZag32(id));
  }
  last_id_ = id;
}

void CompactWriter::BeginStruct() {
  id_stack_.append(reinterpret_cast<const char*>(&last_id_), sizeof(last_id_));
  last_id_ = 0;
}

void CompactWriter::EndStruct() {
  out_->push_back(0);
  std::memcpy(&last_id_, id_stack_.data() + id_stack_.size() - sizeof(last_id_), sizeof(last_id_));
  id_stack_.resize(id_stack_.size() - sizeof(last_id_));
}

void CompactWriter::FieldBool(int16_t id, bool v) {
  FieldHeader(id, v ? CType::kBoolTrue : CType::kBoolFalse);
}
void CompactWriter::FieldI8(int16_t id, int8_t v) {
  FieldHeader(id, CType::kI8);
  out_->push_back(static_cast<char>(v));
}
void CompactWriter::FieldI16(int16_t id, int16_t v) {
  FieldHeader(id, CType::kI16);
  WriteVarint(ZigZag32(v));
}
void CompactWriter::FieldI32(int16_t id, int32_t v) {
  FieldHeader(id, CType::kI32);
  WriteVarint(ZigZag32(v));
}
void CompactWriter::FieldI64(int16_t id, int64_t v) {
  FieldHeader(id, CType::kI64);
  WriteVarint(ZigZag64(v));
}
void CompactWriter::FieldDouble(int16_t id, double v) {
  FieldHeader(id, CType::kDouble);
  char bytes[8];
  std::memcpy(bytes, &v, 8);  // little-endian host
  out_->append(bytes, 8);
}
void CompactWriter::FieldBinary(int16_t id, std::string_view v) {
  FieldHeader(id, CType::kBinary);
  ElemBinary(v);
}
void CompactWriter::ElemBinary(std::string_view v) {
  WriteVarint(v.size());
  out_->append(v);
}
void CompactWriter::FieldStructBegin(int16_t id) {
  FieldHeader(id, CType::kStruct);
  BeginStruct();
}
void CompactWriter::FieldListBegin(int16_t id, CType elem_type, int32_t size) {
  FieldHeader(id, CType::kList);
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | static_cast<int>(elem_type)));
  } else {
    out_->push_back(static_cast<char>(0xF0 | static_cast<int>(elem_type)));
    WriteVarint(static_cast<uint32_t>(size));
  }
}

// ---------------------------------------------------------------------------------------------
// Reader

Status CompactReader::Error(std::string_view msg) const {
  return Status::Corrupt(std::string(what_) + ": byte " + std::to_string(pos_) + ": " +
                         std::string(msg));
}

Status CompactReader::ReadVarint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (pos_ >= size_) return Error("truncated varint");
    const uint8_t b = data_[pos_++];
    if (shift == 63 && (b & 0x7E) != 0) return Error("varint overflows 64 bits");
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return Status::OK();
    }
  }
  return Error("varint longer than 10 bytes");
}

Status CompactReader::BeginStruct() {
  if (depth_ >= kMaxDepth) return Error("structs nested too deeply");
  ++depth_;
  id_stack_.append(reinterpret_cast<const char*>(&last_id_), sizeof(last_id_));
  last_id_ = 0;
  return Status::OK();
}

void CompactReader::EndStruct() {
  --depth_;
  std::memcpy(&last_id_, id_stack_.data() + id_stack_.size() - sizeof(last_id_), sizeof(last_id_));
  id_stack_.resize(id_stack_.size() - sizeof(last_id_));
}

Status CompactReader::ReadFieldHeader(CType* type, int16_t* id) {
  if (pos_ >= size_) return Error("truncated struct (no stop byte)");
  const uint8_t b = data_[pos_++];
  const uint8_t t = b & 0x0F;
  if (t > static_cast<uint8_t>(CType::kStruct))
    return Error("unknown field type " + std::to_string(t));
  *type = static_cast<CType>(t);
  if (*type == CType::kStop) {
    if (b != 0) return Error("malformed stop byte");
    *id = 0;
    return Status::OK();
  }
  const int delta = b >> 4;
  if (delta != 0) {
    *id = static_cast<int16_t>(last_id_ + delta);
  } else {
    int16_t v;
    LF_RETURN_NOT_OK(ReadI16(&v));
    *id = v;
  }
  last_id_ = *id;
  return Status::OK();
}

Status CompactReader::ReadI8(int8_t* v) {
  if (pos_ >= size_) return Error("truncated i8");
  *v = static_cast<int8_t>(data_[pos_++]);
  return Status::OK();
}

Status CompactReader::ReadI16(int16_t* v) {
  int64_t w;
  LF_RETURN_NOT_OK(ReadI64(&w));
  if (w < INT16_MIN || w > INT16_MAX) return Error("i16 out of range");
  *v = static_cast<int16_t>(w);
  return Status::OK();
}

Status CompactReader::ReadI32(int32_t* v) {
  int64_t w;
  LF_RETURN_NOT_OK(ReadI64(&w));
  if (w < INT32_MIN || w > INT32_MAX) return Error("i32 out of range");
  *v = static_cast<int32_t>(w);
  return Status::OK();
}

Status CompactReader::ReadI64(int64_t* v) {
  uint64_t u = 0;
  LF_RETURN_NOT_OK(ReadVarint(&u));
  *v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  return Status::OK();
}

Status CompactReader::ReadDouble(double* v) {
  if (size_ - pos_ < 8) return Error("truncated double");
  std::memcpy(v, data_ + pos_, 8);
  pos_ += 8;
  return Status::OK();
}

Status CompactReader::ReadBinary(std::string* v) {
  uint64_t n = 0;
  LF_RETURN_NOT_OK(ReadVarint(&n));
  if (n > static_cast<uint64_t>(size_ - pos_)) {
    return Error("binary of " + std::to_string(n) + " bytes runs past the end");
  }
  v->assign(reinterpret_cast<const char*>(data_ + pos_), n);
  pos_ += static_cast<int64_t>(n);
  return Status::OK();
}

Status CompactReader::ReadBoolElem(bool* v) {
  if (pos_ >= size_) return Error("truncated bool");
  const uint8_t b = data_[pos_++];
  if (b > 2) return Error("bad bool byte");
  *v = b == 1;
  return Status::OK();
}

Status CompactReader::ReadListHeader(CType* elem_type, int32_t* size) {
  if (pos_ >= size_) return Error("truncated list header");
  const uint8_t b = data_[pos_++];
  const uint8_t t = b & 0x0F;
  if (t == 0 || t > static_cast<uint8_t>(CType::kStruct)) {
    return Error("unknown list element type " + std::to_string(t));
  }
  *elem_type = static_cast<CType>(t);
  uint64_t n = b >> 4;
  if (n == 15) LF_RETURN_NOT_OK(ReadVarint(&n));
  // Every element takes at least one byte, except bools... which also take one in lists.
  if (n > static_cast<uint64_t>(size_ - pos_)) {
    return Error("list of " + std::to_string(n) + " elements runs past the end");
  }
  *size = static_cast<int32_t>(n);
  return Status::OK();
}

Status CompactReader::Skip(CType type) { return SkipDepth(type, depth_); }

Status CompactReader::SkipDepth(CType type, int depth) {
  if (depth >= kMaxDepth) return Error("values nested too deeply");
  switch (type) {
    case CType::kBoolTrue:
    case CType::kBoolFalse:
      return Status::OK();
    case CType::kI8: {
      int8_t v;
      return ReadI8(&v);
    }
    case CType::kI16:
    case CType::kI32:
    case CType::kI64: {
      uint64_t v = 0;
      return ReadVarint(&v);
    }
    case CType::kDouble: {
      double v;
      return ReadDouble(&v);
    }
    case CType::kBinary: {
      uint64_t n = 0;
      LF_RETURN_NOT_OK(ReadVarint(&n));
      if (n > static_cast<uint64_t>(size_ - pos_)) return Error("binary runs past the end");
      pos_ += static_cast<int64_t>(n);
      return Status::OK();
    }
    case CType::kList:
    case CType::kSet: {
      CType elem;
      int32_t n;
      LF_RETURN_NOT_OK(ReadListHeader(&elem, &n));
      for (int32_t i = 0; i < n; ++i) {
        if (elem == CType::kBoolTrue || elem == CType::kBoolFalse) {
          bool b;
          LF_RETURN_NOT_OK(ReadBoolElem(&b));
        } else {
          LF_RETURN_NOT_OK(SkipDepth(elem, depth + 1));
        }
      }
      return Status::OK();
    }
    case CType::kMap: {
      uint64_t n = 0;
      LF_RETURN_NOT_OK(ReadVarint(&n));
      if (n == 0) return Status::OK();
      if (pos_ >= size_) return Error("truncated map header");
      const uint8_t kv = data_[pos_++];
      const auto kt = static_cast<CType>(kv >> 4);
      const auto vt = static_cast<CType>(kv & 0x0F);
      if ((kv >> 4) == 0 || (kv >> 4) > 12 || (kv & 0x0F) == 0 || (kv & 0x0F) > 12) {
        return Error("bad map element types");
      }
      if (n > static_cast<uint64_t>(size_ - pos_)) return Error("map runs past the end");
      for (uint64_t i = 0; i < n; ++i) {
        LF_RETURN_NOT_OK(SkipDepth(kt, depth + 1));
        LF_RETURN_NOT_OK(SkipDepth(vt, depth + 1));
      }
      return Status::OK();
    }
    case CType::kStruct: {
      LF_RETURN_NOT_OK(BeginStruct());
      while (true) {
        CType t;
        int16_t id;
        LF_RETURN_NOT_OK(ReadFieldHeader(&t, &id));
        if (t == CType::kStop) break;
        LF_RETURN_NOT_OK(SkipDepth(t, depth + 1));
      }
      EndStruct();
      return Status::OK();
    }
    case CType::kStop:
      break;
  }
  return Error("unexpected stop type");
}

}  // namespace lanceflow::parquet::thrift
