#include "ipc_flatbuf.h"

#include <algorithm>
#include <string>

namespace lanceflow::arrow::ipc::fb {
namespace {

Status Bad(std::string msg) { return Status::Corrupt("invalid flatbuffer: " + std::move(msg)); }

std::string Num(int64_t v) { return std::to_string(v); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Reader

Result<Table> Table::Root(Bytes buf) {
  if (buf.size < 8) return Bad("buffer of " + Num(buf.size) + " bytes is too small for a table");
  Table dummy;
  dummy.buf_ = buf;
  LF_ASSIGN_OR_RETURN(int64_t root, dummy.Follow(0));
  return At(buf, root);
}

Result<Table> Table::At(Bytes buf, int64_t pos) {
  if (pos < 0 || pos + 4 > buf.size) {
    return Bad("table at " + Num(pos) + " is outside the buffer (size " + Num(buf.size) + ")");
  }
  int64_t soffset = LoadScalar<int32_t>(buf.data + pos);
  int64_t vtable = pos - soffset;
  if (vtable < 0 || vtable + 4 > buf.size) {
    return Bad("table at " + Num(pos) + " has its vtable at " + Num(vtable) +
               ", outside the buffer (size " + Num(buf.size) + ")");
  }
  int64_t vtable_size = LoadScalar<uint16_t>(buf.data + vtable);
  int64_t table_size = LoadScalar<uint16_t>(buf.data + vtable + 2);
  if (vtable_size < 4 || (vtable_size & 1) != 0 || vtable + vtable_size > buf.size) {
    return Bad("vtable at " + Num(vtable) + " has a bad size " + Num(vtable_size));
  }
  if (table_size < 4 || pos + table_size > buf.size) {
    return Bad("table at " + Num(pos) + " has a bad inline size " + Num(table_size));
  }
  Table t;
  t.buf_ = buf;
  t.pos_ = pos;
  t.vtable_ = vtable;
  t.vtable_size_ = vtable_size;
  t.table_size_ = table_size;
  return t;
}

int64_t Table::FieldOffset(int slot) const {
  int64_t entry = 4 + 2 * static_cast<int64_t>(slot);
  if (slot < 0 || entry + 2 > vtable_size_) return 0;
  return LoadScalar<uint16_t>(buf_.data + vtable_ + entry);
}

Status Table::CheckField(int slot, int64_t field, int64_t size) const {
  if (field < 4 || field + size > table_size_) {
    return Bad("field " + Num(slot) + " of the table at " + Num(pos_) + " (offset " + Num(field) +
               ", " + Num(size) + " bytes) lies outside the table (size " + Num(table_size_) + ")");
  }
  return Status::OK();
}

Result<int64_t> Table::Follow(int64_t at) const {
  if (at < 0 || at + 4 > buf_.size) {
    return Bad("offset at " + Num(at) + " is outside the buffer (size " + Num(buf_.size) + ")");
  }
  int64_t rel = LoadScalar<uint32_t>(buf_.data + at);
  // Offsets must point strictly forward: this rules out cycles between objects.
  if (rel == 0 || at + rel >= buf_.size) {
    return Bad("offset at " + Num(at) + " points to " + Num(at + rel) +
               ", outside the buffer (size " + Num(buf_.size) + ")");
  }
  return at + rel;
}

Result<std::optional<Table>> Table::SubTable(int slot) const {
  int64_t field = FieldOffset(slot);
  if (field == 0) return std::optional<Table>();
  LF_RETURN_NOT_OK(CheckField(slot, field, 4));
  LF_ASSIGN_OR_RETURN(int64_t target, Follow(pos_ + field));
  LF_ASSIGN_OR_RETURN(Table t, At(buf_, target));
  return std::optional<Table>(t);
}

namespace {

Result<std::string_view> StringAtPos(Bytes buf, int64_t pos) {
  if (pos + 4 > buf.size) {
    return Bad("string at " + Num(pos) + " is outside the buffer (size " + Num(buf.size) + ")");
  }
  int64_t len = LoadScalar<uint32_t>(buf.data + pos);
  if (pos + 4 + len > buf.size) {
    return Bad("string at " + Num(pos) + " of length " + Num(len) +
               " extends past the buffer (size " + Num(buf.size) + ")");
  }
  return std::string_view(reinterpret_cast<const char*>(buf.data + pos + 4),
                          static_cast<size_t>(len));
}

}  // namespace

Result<std::optional<std::string_view>> Table::String(int slot) const {
  int64_t field = FieldOffset(slot);
  if (field == 0) return std::optional<std::string_view>();
  LF_RETURN_NOT_OK(CheckField(slot, field, 4));
  LF_ASSIGN_OR_RETURN(int64_t target, Follow(pos_ + field));
  LF_ASSIGN_OR_RETURN(std::string_view s, StringAtPos(buf_, target));
  return std::optional<std::string_view>(s);
}

Result<Vector> Table::VectorOf(int slot, int64_t elem_size) const {
  Vector v;
  v.buf_ = buf_;
  v.elem_size_ = elem_size;
  int64_t field = FieldOffset(slot);
  if (field == 0) return v;
  LF_RETURN_NOT_OK(CheckField(slot, field, 4));
  LF_ASSIGN_OR_RETURN(int64_t target, Follow(pos_ + field));
  if (target + 4 > buf_.size) {
    return Bad("vector at " + Num(target) + " is outside the buffer (size " + Num(buf_.size) + ")");
  }
  int64_t count = LoadScalar<uint32_t>(buf_.data + target);
  if (count * elem_size > buf_.size - target - 4) {
    return Bad("vector at " + Num(target) + " of " + Num(count) + " elements of " + Num(elem_size) +
               " bytes extends past the buffer (size " + Num(buf_.size) + ")");
  }
  v.pos_ = target;
  v.count_ = count;
  return v;
}

Result<Table> Vector::TableAt(int64_t i) const {
  Table owner;
  owner.buf_ = buf_;
  LF_ASSIGN_OR_RETURN(int64_t target, owner.Follow(pos_ + 4 + 4 * i));
  return Table::At(buf_, target);
}

Result<std::string_view> Vector::StringAt(int64_t i) const {
  Table owner;
  owner.buf_ = buf_;
  LF_ASSIGN_OR_RETURN(int64_t target, owner.Follow(pos_ + 4 + 4 * i));
  return StringAtPos(buf_, target);
}

// ---------------------------------------------------------------------------------------------
// Builder

namespace {

void PadTo(std::string* out, int64_t align) {
  while (static_cast<int64_t>(out->size()) % align != 0) out->push_back('\0');
}

template <typename T>
void Put(std::string* out, int64_t pos, T v) {
  std::memcpy(out->data() + pos, &v, sizeof(T));
}

template <typename T>
void Append(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

}  // namespace

Builder::Ref Builder::AddString(std::string_view s) {
  Object o;
  o.kind = Kind::kString;
  o.bytes = std::string(s);
  objects_.push_back(std::move(o));
  return static_cast<Ref>(objects_.size() - 1);
}

Builder::Ref Builder::AddInlineVector(const void* data, int64_t count, int64_t elem_size,
                                      int64_t align) {
  Object o;
  o.kind = Kind::kInline;
  o.bytes.assign(static_cast<const char*>(data), static_cast<size_t>(count * elem_size));
  o.count = count;
  o.align = std::max<int64_t>(align, 4);
  objects_.push_back(std::move(o));
  return static_cast<Ref>(objects_.size() - 1);
}

Builder::Ref Builder::AddRefVector(const std::vector<Ref>& elems) {
  Object o;
  o.kind = Kind::kRefs;
  o.refs = elems;
  objects_.push_back(std::move(o));
  return static_cast<Ref>(objects_.size() - 1);
}

Builder::Ref Builder::AddTable(TableDef def) {
  Object o;
  o.kind = Kind::kTable;
  o.table = std::move(def);
  objects_.push_back(std::move(o));
  return static_cast<Ref>(objects_.size() - 1);
}

int64_t Builder::Emit(Ref ref, std::string* out) {
  Object& o = objects_[static_cast<size_t>(ref)];
  switch (o.kind) {
    case Kind::kString: {
      PadTo(out, 4);
      int64_t pos = static_cast<int64_t>(out->size());
      Append<uint32_t>(out, static_cast<uint32_t>(o.bytes.size()));
      out->append(o.bytes);
      out->push_back('\0');
      return pos;
    }
    case Kind::kInline: {
      // The uint32 length sits just before the elements, which need `align`.
      PadTo(out, 4);
      while ((static_cast<int64_t>(out->size()) + 4) % o.align != 0) out->push_back('\0');
      int64_t pos = static_cast<int64_t>(out->size());
      Append<uint32_t>(out, static_cast<uint32_t>(o.count));
      out->append(o.bytes);
      return pos;
    }
    case Kind::kRefs: {
      PadTo(out, 4);
      int64_t pos = static_cast<int64_t>(out->size());
      Append<uint32_t>(out, static_cast<uint32_t>(o.refs.size()));
      out->append(4 * o.refs.size(), '\0');
      for (size_t i = 0; i < o.refs.size(); ++i) {
        int64_t slot_pos = pos + 4 + 4 * static_cast<int64_t>(i);
        int64_t child = Emit(o.refs[i], out);
        Put<uint32_t>(out, slot_pos, static_cast<uint32_t>(child - slot_pos));
      }
      return pos;
    }
    case Kind::kTable: {
      // Inline layout: soffset at 0, then fields by decreasing size, each at its natural
      // alignment relative to an 8-aligned table start.
      std::vector<TableDef::Slot> slots = o.table.slots_;
      std::stable_sort(slots.begin(), slots.end(),
                       [](const auto& a, const auto& b) { return a.size > b.size; });
      int max_slot = -1;
      for (const auto& s : slots) max_slot = std::max(max_slot, s.slot);
      std::vector<uint16_t> field_offsets(static_cast<size_t>(max_slot + 1), 0);
      std::vector<int64_t> positions(slots.size());
      int64_t inline_size = 4;
      for (size_t i = 0; i < slots.size(); ++i) {
        inline_size = (inline_size + slots[i].size - 1) / slots[i].size * slots[i].size;
        positions[i] = inline_size;
        field_offsets[static_cast<size_t>(slots[i].slot)] = static_cast<uint16_t>(inline_size);
        inline_size += slots[i].size;
      }
      inline_size = (inline_size + 3) / 4 * 4;

      PadTo(out, 2);
      int64_t vtable = static_cast<int64_t>(out->size());
      Append<uint16_t>(out, static_cast<uint16_t>(4 + 2 * field_offsets.size()));
      Append<uint16_t>(out, static_cast<uint16_t>(inline_size));
      for (uint16_t f : field_offsets) Append<uint16_t>(out, f);
      PadTo(out, 8);
      int64_t table = static_cast<int64_t>(out->size());
      out->append(static_cast<size_t>(inline_size), '\0');
      Put<int32_t>(out, table, static_cast<int32_t>(table - vtable));
      for (size_t i = 0; i < slots.size(); ++i) {
        if (slots[i].ref < 0) {
          std::memcpy(out->data() + table + positions[i], slots[i].bytes,
                      static_cast<size_t>(slots[i].size));
        }
      }
      for (size_t i = 0; i < slots.size(); ++i) {
        if (slots[i].ref >= 0) {
          int64_t field_pos = table + positions[i];
          int64_t child = Emit(slots[i].ref, out);
          Put<uint32_t>(out, field_pos, static_cast<uint32_t>(child - field_pos));
        }
      }
      return table;
    }
  }
  return 0;
}

std::string Builder::Finish(Ref root) {
  std::string out(4, '\0');
  int64_t pos = Emit(root, &out);
  Put<uint32_t>(&out, 0, static_cast<uint32_t>(pos));
  PadTo(&out, 8);
  return out;
}

}  // namespace lanceflow::arrow::ipc::fb
