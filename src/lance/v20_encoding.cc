#include "v20_encoding.h"

#include <utility>

#include "protobuf_reader.h"

namespace lanceflow::lance::v20 {
namespace {

Status ParseNode(ProtoReader* r, Encoding* out);

// Reads a nested ArrayEncoding message field into a new child.
Status ReadChild(ProtoReader* r, WireType t, Encoding* parent) {
  LF_ASSIGN_OR_RETURN(ProtoReader m, r->ReadMessage(t, r->what()));
  auto child = std::make_unique<Encoding>();
  LF_RETURN_NOT_OK(ParseNode(&m, child.get()));
  parent->children.push_back(std::move(child));
  return Status::OK();
}

Status ParseBuffer(ProtoReader* r, WireType t, BufferLocation* out) {
  LF_ASSIGN_OR_RETURN(ProtoReader m, r->ReadMessage(t, r->what()));
  uint32_t f;
  WireType u;
  while (!m.done()) {
    LF_RETURN_NOT_OK(m.NextField(&f, &u));
    if (f == 1) {
      LF_ASSIGN_OR_RETURN(out->index, m.ReadUInt32(u));
    } else if (f == 2) {
      LF_ASSIGN_OR_RETURN(out->type, m.ReadUInt32(u));
    } else {
      LF_RETURN_NOT_OK(m.Skip(u));
    }
  }
  return Status::OK();
}

Status ParseFlat(ProtoReader* m, Encoding* out) {
  uint32_t f;
  WireType u;
  while (!m->done()) {
    LF_RETURN_NOT_OK(m->NextField(&f, &u));
    if (f == 1) {
      LF_ASSIGN_OR_RETURN(out->bits_per_value, m->ReadUInt64(u));
    } else if (f == 2) {
      LF_RETURN_NOT_OK(ParseBuffer(m, u, &out->buffer));
    } else if (f == 3) {  // Compression {1 scheme, 2 level}
      LF_ASSIGN_OR_RETURN(ProtoReader c, m->ReadMessage(u, m->what()));
      out->has_compression = true;
      uint32_t g;
      WireType w;
      while (!c.done()) {
        LF_RETURN_NOT_OK(c.NextField(&g, &w));
        if (g == 1) {
          LF_ASSIGN_OR_RETURN(std::string_view s, c.ReadBytes(w));
          out->compression_scheme = std::string(s);
        } else {
          LF_RETURN_NOT_OK(c.Skip(w));
        }
      }
    } else {
      LF_RETURN_NOT_OK(m->Skip(u));
    }
  }
  return Status::OK();
}

Status ParseNullable(ProtoReader* m, Encoding* out) {
  uint32_t f;
  WireType u;
  while (!m->done()) {
    LF_RETURN_NOT_OK(m->NextField(&f, &u));
    if (f < 1 || f > 3) {
      LF_RETURN_NOT_OK(m->Skip(u));
      continue;
    }
    // A later oneof member replaces an earlier one, as protobuf does.
    out->children.clear();
    LF_ASSIGN_OR_RETURN(ProtoReader n, m->ReadMessage(u, m->what()));
    out->nullability = f == 1   ? Nullability::kNoNulls
                       : f == 2 ? Nullability::kSomeNulls
                                : Nullability::kAllNulls;
    std::unique_ptr<Encoding> validity, values;
    uint32_t g;
    WireType w;
    while (!n.done()) {
      LF_RETURN_NOT_OK(n.NextField(&g, &w));
      // NoNull {1 values}; SomeNull {1 validity, 2 values}; AllNull {}
      std::unique_ptr<Encoding>* slot = nullptr;
      if (f == 1 && g == 1) slot = &values;
      if (f == 2 && g == 1) slot = &validity;
      if (f == 2 && g == 2) slot = &values;
      if (slot == nullptr) {
        LF_RETURN_NOT_OK(n.Skip(w));
        continue;
      }
      LF_ASSIGN_OR_RETURN(ProtoReader c, n.ReadMessage(w, n.what()));
      *slot = std::make_unique<Encoding>();
      LF_RETURN_NOT_OK(ParseNode(&c, slot->get()));
    }
    if (f == 2) {
      if (!validity || !values) return n.Error("nullable.some_nulls lacks validity or values");
      out->children.push_back(std::move(validity));
      out->children.push_back(std::move(values));
    } else if (f == 1) {
      if (!values) return n.Error("nullable.no_nulls lacks values");
      out->children.push_back(std::move(values));
    }
  }
  return Status::OK();
}

// Parses a message whose fields are ArrayEncoding children at the given numbers (in that order)
// plus scalar fields handled by `scalar`.
template <typename ScalarFn>
Status ParseWithChildren(ProtoReader* m, Encoding* out, std::vector<uint32_t> child_fields,
                         bool repeated, ScalarFn scalar) {
  std::vector<std::unique_ptr<Encoding>> slots(child_fields.size());
  uint32_t f;
  WireType u;
  while (!m->done()) {
    LF_RETURN_NOT_OK(m->NextField(&f, &u));
    bool handled = false;
    for (size_t i = 0; i < child_fields.size(); ++i) {
      if (child_fields[i] != f) continue;
      handled = true;
      if (repeated) {
        LF_RETURN_NOT_OK(ReadChild(m, u, out));
      } else {
        LF_ASSIGN_OR_RETURN(ProtoReader c, m->ReadMessage(u, m->what()));
        slots[i] = std::make_unique<Encoding>();
        LF_RETURN_NOT_OK(ParseNode(&c, slots[i].get()));
      }
    }
    if (handled) continue;
    LF_ASSIGN_OR_RETURN(bool used, scalar(m, f, u));
    if (!used) LF_RETURN_NOT_OK(m->Skip(u));
  }
  if (!repeated) {
    for (auto& s : slots) {
      if (!s) return m->Error(ArmName(out->arm) + " lacks a nested encoding");
      out->children.push_back(std::move(s));
    }
  }
  return Status::OK();
}

Status ParseNode(ProtoReader* r, Encoding* out) {
  uint32_t f;
  WireType t;
  bool seen = false;
  while (!r->done()) {
    LF_RETURN_NOT_OK(r->NextField(&f, &t));
    if (t != WireType::kLengthDelimited) {
      LF_RETURN_NOT_OK(r->Skip(t));
      continue;
    }
    *out = Encoding{};
    seen = true;
    out->arm = f;
    LF_ASSIGN_OR_RETURN(ProtoReader m, r->ReadMessage(t, r->what() + "." + ArmName(f)));
    auto none = [](ProtoReader*, uint32_t, WireType) -> Result<bool> { return false; };
    switch (static_cast<Arm>(f)) {
      case Arm::kFlat:
        LF_RETURN_NOT_OK(ParseFlat(&m, out));
        break;
      case Arm::kNullable:
        LF_RETURN_NOT_OK(ParseNullable(&m, out));
        if (out->nullability == Nullability::kUnset) return m.Error("nullable without an arm");
        break;
      case Arm::kFixedSizeList:
        LF_RETURN_NOT_OK(ParseWithChildren(
            &m, out, {2}, false, [out](ProtoReader* p, uint32_t g, WireType w) -> Result<bool> {
              if (g == 1) {
                LF_ASSIGN_OR_RETURN(out->dimension, p->ReadUInt32(w));
                return true;
              }
              if (g == 3) {
                LF_ASSIGN_OR_RETURN(out->has_validity, p->ReadBool(w));
                return true;
              }
              return false;
            }));
        break;
      case Arm::kList:
        LF_RETURN_NOT_OK(ParseWithChildren(
            &m, out, {1}, false, [out](ProtoReader* p, uint32_t g, WireType w) -> Result<bool> {
              if (g == 2) {
                LF_ASSIGN_OR_RETURN(out->null_offset_adjustment, p->ReadUInt64(w));
                return true;
              }
              if (g == 3) {
                LF_ASSIGN_OR_RETURN(out->num_items, p->ReadUInt64(w));
                return true;
              }
              return false;
            }));
        break;
      case Arm::kBinary:
        LF_RETURN_NOT_OK(ParseWithChildren(
            &m, out, {1, 2}, false, [out](ProtoReader* p, uint32_t g, WireType w) -> Result<bool> {
              if (g == 3) {
                LF_ASSIGN_OR_RETURN(out->null_adjustment, p->ReadUInt64(w));
                return true;
              }
              return false;
            }));
        break;
      case Arm::kDictionary:
        LF_RETURN_NOT_OK(ParseWithChildren(
            &m, out, {1, 2}, false, [out](ProtoReader* p, uint32_t g, WireType w) -> Result<bool> {
              if (g == 3) {
                LF_ASSIGN_OR_RETURN(out->num_dictionary_items, p->ReadUInt32(w));
                return true;
              }
              return false;
            }));
        break;
      case Arm::kFsst:
        LF_RETURN_NOT_OK(ParseWithChildren(
            &m, out, {1}, false, [out](ProtoReader* p, uint32_t g, WireType w) -> Result<bool> {
              if (g == 2) {
                LF_ASSIGN_OR_RETURN(std::string_view s, p->ReadBytes(w));
                out->symbol_table = std::string(s);
                return true;
              }
              return false;
            }));
        break;
      case Arm::kPackedStruct:
        LF_RETURN_NOT_OK(ParseWithChildren(
            &m, out, {1}, true, [out](ProtoReader* p, uint32_t g, WireType w) -> Result<bool> {
              if (g == 2) {
                LF_RETURN_NOT_OK(ParseBuffer(p, w, &out->buffer));
                return true;
              }
              return false;
            }));
        break;
      case Arm::kStruct:
        LF_RETURN_NOT_OK(ParseWithChildren(&m, out, {}, false, none));
        break;
      default:
        // Unknown or unsupported arms keep their number; the decoder names them.
        break;
    }
  }
  if (!seen) return r->Error("array encoding without an arm");
  return Status::OK();
}

}  // namespace

std::string ArmName(uint32_t arm) {
  static const char* const kNames[] = {"none",
                                       "flat",
                                       "nullable",
                                       "fixed_size_list",
                                       "list",
                                       "struct",
                                       "binary",
                                       "dictionary",
                                       "fsst",
                                       "packed_struct",
                                       "bitpacked",
                                       "fixed_size_binary",
                                       "bitpacked_for_non_neg",
                                       "constant",
                                       "inline_bitpacking",
                                       "out_of_line_bitpacking",
                                       "variable",
                                       "packed_struct_fixed_width_mini_block",
                                       "block",
                                       "rle",
                                       "general_mini_block",
                                       "byte_stream_split"};
  if (arm < sizeof(kNames) / sizeof(kNames[0])) return kNames[arm];
  return "arm " + std::to_string(arm);
}

Result<std::unique_ptr<Encoding>> ParseArrayEncoding(std::string_view bytes,
                                                     const std::string& what) {
  ProtoReader r(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int64_t>(bytes.size()),
                what);
  auto out = std::make_unique<Encoding>();
  LF_RETURN_NOT_OK(ParseNode(&r, out.get()));
  return out;
}

Result<uint32_t> ParseColumnEncodingKind(std::string_view bytes, const std::string& what) {
  ProtoReader r(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int64_t>(bytes.size()),
                what);
  // ColumnEncoding oneof {1 values, 2 zone_index {3 inner ColumnEncoding}, 3 blob}
  uint32_t kind = 0;
  for (int depth = 0; depth < kMaxProtoDepth; ++depth) {
    uint32_t f;
    WireType t;
    uint32_t found = 0;
    std::string_view inner;
    bool has_inner = false;
    while (!r.done()) {
      LF_RETURN_NOT_OK(r.NextField(&f, &t));
      if (f >= 1 && f <= 3 && t == WireType::kLengthDelimited) {
        found = f;
        LF_ASSIGN_OR_RETURN(std::string_view v, r.ReadBytes(t));
        has_inner = false;
        if (f == 2) {
          ProtoReader z(reinterpret_cast<const uint8_t*>(v.data()), static_cast<int64_t>(v.size()),
                        what);
          uint32_t g;
          WireType w;
          while (!z.done()) {
            LF_RETURN_NOT_OK(z.NextField(&g, &w));
            if (g == 3) {
              LF_ASSIGN_OR_RETURN(inner, z.ReadBytes(w));
              has_inner = true;
            } else {
              LF_RETURN_NOT_OK(z.Skip(w));
            }
          }
        }
      } else {
        LF_RETURN_NOT_OK(r.Skip(t));
      }
    }
    if (found != 2) {
      kind = found;
      return kind;
    }
    if (!has_inner) return r.Error("zone_index column encoding without an inner encoding");
    r = ProtoReader(reinterpret_cast<const uint8_t*>(inner.data()),
                    static_cast<int64_t>(inner.size()), what);
  }
  return r.Error("column encodings nested too deeply");
}

}  // namespace lanceflow::lance::v20
