// Arrow IPC readers: message framing (stream and file), record batch bodies, dictionaries.
//
// Encapsulated message (IPC spec, "Encapsulated message format"):
//   <0xFFFFFFFF> <int32 metadata length> <Message flatbuffer + padding> <body>
// Streams written before Arrow 0.15 omit the 0xFFFFFFFF continuation marker; both forms are read.
// A zero metadata length is the end-of-stream marker.
#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <utility>

#include "ipc_array_ops.h"
#include "ipc_compression.h"
#include "ipc_metadata.h"
#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/arrow/ipc.h"

namespace lanceflow::arrow::ipc {
namespace {

constexpr uint32_t kContinuation = 0xFFFFFFFFu;
constexpr char kFileMagic[] = "ARROW1";
constexpr int64_t kFileMagicSize = 6;
// Pre-allocation for message bytes that have not arrived yet: a hostile length costs at most
// this much memory before the bytes are really there.
constexpr int64_t kInitialReserve = int64_t{16} << 20;

std::string Num(int64_t v) { return std::to_string(v); }

// "arrow ipc: <what> at byte <pos>: <detail>". Everything raised while decoding untrusted bytes
// is Corrupt, except NotImplemented (a valid input using a feature we lack).
Status At(const std::string& what, int64_t pos, const Status& st) {
  StatusCode code =
      st.code() == StatusCode::kNotImplemented ? StatusCode::kNotImplemented : StatusCode::kCorrupt;
  return Status(code, "arrow ipc: " + what + " at byte " + Num(pos) + ": " + st.message());
}

Status CorruptAt(const std::string& what, int64_t pos, const std::string& detail) {
  return Status::Corrupt("arrow ipc: " + what + " at byte " + Num(pos) + ": " + detail);
}

const char* MessageKindName(MessageKind kind) {
  switch (kind) {
    case MessageKind::kSchema:
      return "schema message";
    case MessageKind::kDictionaryBatch:
      return "dictionary batch";
    case MessageKind::kRecordBatch:
      return "record batch";
  }
  return "message";
}

alignas(64) const uint8_t kZeros[64] = {};

BufferPtr EmptyBuffer() { return std::make_shared<Buffer>(kZeros, 0, nullptr); }
BufferPtr ZeroOffsets(int64_t width) { return std::make_shared<Buffer>(kZeros, width, nullptr); }

bool HasDictionary(const DictIdNode& ids) {
  if (ids.id >= 0) return true;
  for (const auto& c : ids.children) {
    if (HasDictionary(c)) return true;
  }
  return false;
}

// Node and buffer counts a field needs in a record batch body (dictionary values excluded).
void CountLayout(const DataType& type, int64_t* nodes, int64_t* buffers) {
  ++*nodes;
  switch (type.id()) {
    case TypeId::kNull:
      break;
    case TypeId::kStruct:
      *buffers += 1;
      for (const auto& c : type.children()) CountLayout(*c->type, nodes, buffers);
      break;
    case TypeId::kFixedSizeList:
      *buffers += 1;
      CountLayout(*type.children()[0]->type, nodes, buffers);
      break;
    case TypeId::kList:
    case TypeId::kLargeList:
      *buffers += 2;
      CountLayout(*type.children()[0]->type, nodes, buffers);
      break;
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      *buffers += 3;
      break;
    default:
      *buffers += 2;
      break;  // validity + values / indices
  }
}

// ---------------------------------------------------------------------------------------------
// Dictionaries seen so far in a stream or file.

class DictionaryMemo {
 public:
  void Reset(const SchemaInfo* info) {
    info_ = info;
    raw_.clear();
    resolved_.clear();
  }
  bool Has(int64_t id) const { return raw_.count(id) != 0; }
  const ArrayDataPtr& Raw(int64_t id) const { return raw_.at(id); }
  void Set(int64_t id, ArrayDataPtr values) {
    raw_[id] = std::move(values);
    resolved_.clear();
  }

  // The dictionary `id` with the dictionaries nested in its values attached.
  Result<ArrayDataPtr> Resolved(int64_t id) {
    auto cached = resolved_.find(id);
    if (cached != resolved_.end()) return cached->second;
    auto raw = raw_.find(id);
    if (raw == raw_.end()) {
      return Status::Corrupt("dictionary id " + Num(id) + " is used before it was sent");
    }
    const DictionaryInfo& dinfo = info_->dictionaries.at(id);
    DictIdNode node{-1, dinfo.value_children};
    LF_ASSIGN_OR_RETURN(ArrayDataPtr out, ResolveNested(raw->second, node));
    resolved_[id] = out;
    return out;
  }

  // `data` (whose node in the id tree is `ids`) with every nested dictionary attached.
  Result<ArrayDataPtr> ResolveNested(const ArrayDataPtr& data, const DictIdNode& ids) {
    if (!HasDictionary(ids)) return data;
    auto copy = std::make_shared<ArrayData>(*data);
    if (ids.id >= 0) {
      LF_ASSIGN_OR_RETURN(copy->dictionary, Resolved(ids.id));
    } else {
      for (size_t i = 0; i < copy->children.size() && i < ids.children.size(); ++i) {
        LF_ASSIGN_OR_RETURN(copy->children[i], ResolveNested(copy->children[i], ids.children[i]));
      }
    }
    return ArrayDataPtr(copy);
  }

 private:
  const SchemaInfo* info_ = nullptr;
  std::map<int64_t, ArrayDataPtr> raw_;
  std::map<int64_t, ArrayDataPtr> resolved_;
};

// ---------------------------------------------------------------------------------------------
// Record batch bodies

class BodyLoader {
 public:
  BodyLoader(const RecordBatchMeta& meta, const BufferPtr& body, const ReadOptions& options,
             DictionaryMemo* memo)
      : meta_(meta), body_(body), options_(options), memo_(memo) {}

  Result<ArrayDataPtr> Load(const DataTypePtr& type, const DictIdNode& ids,
                            const std::string& path) {
    LF_ASSIGN_OR_RETURN(FieldNodeMeta node, NextNode(path));
    auto out = std::make_shared<ArrayData>();
    out->type = type;
    out->length = node.length;
    out->null_count = node.null_count;
    const DataType& t = *type;
    if (t.id() == TypeId::kNull) {
      out->null_count = node.length;
      return ArrayDataPtr(out);
    }
    LF_ASSIGN_OR_RETURN(BufferPtr validity, NextBuffer(1, path));
    if (node.null_count == 0) {
      validity = nullptr;
    } else {
      int64_t need = BytesForBits(node.length);
      if (validity->size() < need) {
        return Status::Corrupt("column '" + path + "': validity bitmap of " +
                               Num(validity->size()) + " bytes is too short for " +
                               Num(node.length) + " slots");
      }
    }
    out->buffers.push_back(std::move(validity));

    switch (t.id()) {
      case TypeId::kBool: {
        LF_ASSIGN_OR_RETURN(BufferPtr values, NextBuffer(1, path));
        out->buffers.push_back(std::move(values));
        break;
      }
      case TypeId::kUtf8:
      case TypeId::kBinary:
      case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary: {
        int64_t width = (t.id() == TypeId::kUtf8 || t.id() == TypeId::kBinary) ? 4 : 8;
        LF_ASSIGN_OR_RETURN(BufferPtr offsets, NextOffsets(width, node.length, path));
        LF_ASSIGN_OR_RETURN(BufferPtr data, NextBuffer(1, path));
        out->buffers.push_back(std::move(offsets));
        out->buffers.push_back(std::move(data));
        break;
      }
      case TypeId::kList:
      case TypeId::kLargeList: {
        int64_t width = t.id() == TypeId::kList ? 4 : 8;
        LF_ASSIGN_OR_RETURN(BufferPtr offsets, NextOffsets(width, node.length, path));
        out->buffers.push_back(std::move(offsets));
        LF_ASSIGN_OR_RETURN(ArrayDataPtr child, Load(t.children()[0]->type, ChildIds(ids, 0),
                                                     path + "." + t.children()[0]->name));
        out->children.push_back(std::move(child));
        break;
      }
      case TypeId::kFixedSizeList: {
        LF_ASSIGN_OR_RETURN(ArrayDataPtr child, Load(t.children()[0]->type, ChildIds(ids, 0),
                                                     path + "." + t.children()[0]->name));
        out->children.push_back(std::move(child));
        break;
      }
      case TypeId::kStruct: {
        for (size_t i = 0; i < t.children().size(); ++i) {
          LF_ASSIGN_OR_RETURN(ArrayDataPtr child, Load(t.children()[i]->type, ChildIds(ids, i),
                                                       path + "." + t.children()[i]->name));
          out->children.push_back(std::move(child));
        }
        break;
      }
      case TypeId::kDictionary: {
        LF_ASSIGN_OR_RETURN(BufferPtr indices, NextBuffer(t.index_type()->byte_width(), path));
        out->buffers.push_back(std::move(indices));
        // Dictionaries nested in dictionary values are attached when the outer one is resolved.
        if (resolve_dictionaries_) {
          auto dict = memo_->Resolved(ids.id);
          if (!dict.ok())
            return Status::Corrupt("column '" + path + "': " + dict.status().message());
          out->dictionary = *dict;
        }
        break;
      }
      default: {
        int64_t width = t.byte_width();
        if (t.id() == TypeId::kFixedSizeBinary) width = 1;
        LF_ASSIGN_OR_RETURN(BufferPtr values, NextBuffer(std::min<int64_t>(width, 8), path));
        out->buffers.push_back(std::move(values));
        break;
      }
    }
    return ArrayDataPtr(out);
  }

  void set_resolve_dictionaries(bool v) { resolve_dictionaries_ = v; }

 private:
  static const DictIdNode& ChildIds(const DictIdNode& ids, size_t i) {
    static const DictIdNode kNone;
    return i < ids.children.size() ? ids.children[i] : kNone;
  }

  Result<FieldNodeMeta> NextNode(const std::string& path) {
    size_t i = next_node_++;
    if (i >= meta_.nodes.size()) {
      return Status::Corrupt("column '" + path + "': ran out of field nodes");
    }
    const FieldNodeMeta& n = meta_.nodes[i];
    if (n.length < 0 || n.null_count < 0 || n.null_count > n.length) {
      return Status::Corrupt("field node " + Num(static_cast<int64_t>(i)) + " (column '" + path +
                             "') has length " + Num(n.length) + " and null count " +
                             Num(n.null_count));
    }
    return n;
  }

  Result<BufferPtr> NextOffsets(int64_t width, int64_t length, const std::string& path) {
    LF_ASSIGN_OR_RETURN(BufferPtr offsets, NextBuffer(width, path));
    // Writers may omit the single offset of an empty array.
    if (length == 0 && offsets->size() < width) return ZeroOffsets(width);
    return offsets;
  }

  Result<BufferPtr> NextBuffer(int64_t alignment, const std::string& path) {
    size_t i = next_buffer_++;
    if (i >= meta_.buffers.size()) {
      return Status::Corrupt("column '" + path + "': ran out of buffers");
    }
    const BufferMeta& m = meta_.buffers[i];
    int64_t body_size = body_->size();
    if (m.offset < 0 || m.length < 0 || m.offset > body_size || m.length > body_size - m.offset) {
      return Status::Corrupt("buffer " + Num(static_cast<int64_t>(i)) + " (offset " +
                             Num(m.offset) + ", length " + Num(m.length) +
                             ") extends past the body (length " + Num(body_size) + ")");
    }
    if (m.length == 0) return EmptyBuffer();
    if (meta_.compression == Compression::kNone) return Slice(m.offset, m.length, alignment);

    const uint8_t* p = body_->data() + m.offset;
    std::string where = "buffer " + Num(static_cast<int64_t>(i)) + " (offset " + Num(m.offset) +
                        ", length " + Num(m.length) + ")";
    if (m.length < 8) {
      return Status::Corrupt(where + " is shorter than the 8-byte uncompressed length prefix");
    }
    int64_t raw_length;
    std::memcpy(&raw_length, p, 8);
    if (raw_length == -1) return Slice(m.offset + 8, m.length - 8, alignment);
    if (raw_length < 0) {
      return Status::Corrupt(where + " declares a negative uncompressed length " + Num(raw_length));
    }
    if (raw_length > options_.max_decompressed_bytes - decompressed_) {
      return Status::Corrupt(where + " declares " + Num(raw_length) +
                             " uncompressed bytes, beyond the limit of " +
                             Num(options_.max_decompressed_bytes) + " for one message");
    }
    decompressed_ += raw_length;
    BufferBuilder out;
    out.Resize(raw_length);
    Status st =
        DecompressBuffer(meta_.compression, p + 8, m.length - 8, out.mutable_data(), raw_length);
    if (!st.ok()) return Status::Corrupt(where + ": " + st.message());
    return out.Finish();
  }

  // A zero-copy slice of the body, or an aligned copy when the slice is misaligned for its type.
  BufferPtr Slice(int64_t offset, int64_t length, int64_t alignment) {
    const uint8_t* p = body_->data() + offset;
    if (alignment > 1 && reinterpret_cast<uintptr_t>(p) % static_cast<uintptr_t>(alignment) != 0) {
      return Buffer::CopyOf(p, length);
    }
    return body_->Slice(offset, length);
  }

 public:
  Status CheckAllUsed() const {
    if (next_node_ != meta_.nodes.size() || next_buffer_ != meta_.buffers.size()) {
      return Status::Corrupt("used " + Num(static_cast<int64_t>(next_node_)) + " of " +
                             Num(static_cast<int64_t>(meta_.nodes.size())) + " field nodes and " +
                             Num(static_cast<int64_t>(next_buffer_)) + " of " +
                             Num(static_cast<int64_t>(meta_.buffers.size())) + " buffers");
    }
    return Status::OK();
  }

 private:
  const RecordBatchMeta& meta_;
  const BufferPtr& body_;
  const ReadOptions& options_;
  DictionaryMemo* memo_;
  bool resolve_dictionaries_ = true;
  size_t next_node_ = 0;
  size_t next_buffer_ = 0;
  int64_t decompressed_ = 0;
};

Status CheckLayout(const std::vector<const DataType*>& types, const RecordBatchMeta& meta) {
  int64_t nodes = 0;
  int64_t buffers = 0;
  for (const DataType* t : types) CountLayout(*t, &nodes, &buffers);
  if (nodes != static_cast<int64_t>(meta.nodes.size())) {
    return Status::Corrupt(Num(static_cast<int64_t>(meta.nodes.size())) +
                           " field nodes where the schema needs " + Num(nodes));
  }
  if (buffers != static_cast<int64_t>(meta.buffers.size())) {
    return Status::Corrupt(Num(static_cast<int64_t>(meta.buffers.size())) +
                           " buffers where the schema needs " + Num(buffers));
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// What a stream or file has told us so far, and turning messages into batches.

class DecodeState {
 public:
  DecodeState(const ReadOptions& options, bool file_format)
      : options_(options), file_format_(file_format) {}

  bool has_schema() const { return info_.schema != nullptr; }
  const SchemaPtr& schema() const { return info_.schema; }

  void SetSchema(SchemaInfo info) {
    info_ = std::move(info);
    memo_.Reset(&info_);
  }

  // Handles one message of the stream. Returns a batch for record batch messages, else null.
  Result<RecordBatchPtr> OnMessage(const MessageMeta& msg, const BufferPtr& body, int64_t pos) {
    if (msg.kind == MessageKind::kSchema) {
      if (has_schema()) return CorruptAt("schema message", pos, "a second schema message");
      SetSchema(msg.schema);
      return RecordBatchPtr();
    }
    if (!has_schema()) {
      return CorruptAt(MessageKindName(msg.kind), pos, "the stream does not start with a schema");
    }
    if (msg.kind == MessageKind::kDictionaryBatch) {
      Status st = OnDictionary(msg, body);
      if (!st.ok()) return At("dictionary batch (id " + Num(msg.dictionary_id) + ")", pos, st);
      return RecordBatchPtr();
    }
    auto batch = OnRecordBatch(msg.batch, body);
    if (!batch.ok()) return At("record batch", pos, batch.status());
    return batch;
  }

  Status OnDictionary(const MessageMeta& msg, const BufferPtr& body) {
    auto it = info_.dictionaries.find(msg.dictionary_id);
    if (it == info_.dictionaries.end()) {
      return Status::Corrupt("no field of the schema uses this dictionary id");
    }
    const DictionaryInfo& dinfo = it->second;
    LF_RETURN_NOT_OK(CheckLayout({dinfo.value_type.get()}, msg.batch));
    BodyLoader loader(msg.batch, body, options_, &memo_);
    loader.set_resolve_dictionaries(false);
    DictIdNode ids{-1, dinfo.value_children};
    LF_ASSIGN_OR_RETURN(ArrayDataPtr values, loader.Load(dinfo.value_type, ids, "dictionary"));
    LF_RETURN_NOT_OK(loader.CheckAllUsed());
    if (values->length != msg.batch.length) {
      return Status::Corrupt("dictionary of " + Num(values->length) + " values in a batch of " +
                             Num(msg.batch.length) + " rows");
    }
    // Validate with nested dictionaries attached (they must have been sent before).
    LF_ASSIGN_OR_RETURN(ArrayDataPtr resolved, memo_.ResolveNested(values, ids));
    Status valid = ValidateArray(*resolved, options_.full_validation);
    if (!valid.ok()) return Status::Corrupt("invalid dictionary values: " + valid.message());

    if (msg.is_delta) {
      if (!memo_.Has(msg.dictionary_id)) {
        return Status::Corrupt("delta for a dictionary that was never sent");
      }
      LF_ASSIGN_OR_RETURN(ArrayDataPtr joined, Concatenate(*memo_.Raw(msg.dictionary_id), *values));
      memo_.Set(msg.dictionary_id, std::move(joined));
    } else {
      if (file_format_ && memo_.Has(msg.dictionary_id)) {
        return Status::Corrupt("dictionary replacement is not allowed in the IPC file format");
      }
      memo_.Set(msg.dictionary_id, std::move(values));
    }
    return Status::OK();
  }

  Result<RecordBatchPtr> OnRecordBatch(const RecordBatchMeta& meta, const BufferPtr& body) {
    const Schema& schema = *info_.schema;
    std::vector<const DataType*> types;
    for (const auto& f : schema.fields()) types.push_back(f->type.get());
    LF_RETURN_NOT_OK(CheckLayout(types, meta));
    BodyLoader loader(meta, body, options_, &memo_);
    std::vector<ArrayDataPtr> columns;
    columns.reserve(types.size());
    for (int i = 0; i < schema.num_fields(); ++i) {
      const FieldPtr& f = schema.field(i);
      LF_ASSIGN_OR_RETURN(ArrayDataPtr col,
                          loader.Load(f->type, info_.field_ids[static_cast<size_t>(i)], f->name));
      columns.push_back(std::move(col));
    }
    LF_RETURN_NOT_OK(loader.CheckAllUsed());
    auto batch = std::make_shared<RecordBatch>(info_.schema, meta.length, std::move(columns));
    Status valid = batch->Validate(options_.full_validation);
    if (!valid.ok()) return Status::Corrupt(valid.message());
    return batch;
  }

 private:
  const ReadOptions& options_;
  bool file_format_;
  SchemaInfo info_;
  DictionaryMemo memo_;
};

// The input ended `got` bytes into a `want`-byte part of the message at `start`.
Status Truncated(int64_t start, const char* part, int64_t got, int64_t want) {
  return CorruptAt("message", start,
                   std::string("the stream ends inside a message (in its ") + part + ", " +
                       Num(got) + " of " + Num(want) + " bytes)");
}

Status CheckMetadataLength(int64_t len, int64_t pos, const ReadOptions& options,
                           bool looks_like_file) {
  if (len < 0) return CorruptAt("message", pos, "negative metadata length " + Num(len));
  if (len > options.max_metadata_bytes) {
    std::string hint = looks_like_file ? " (this looks like an Arrow IPC file, not a stream)" : "";
    return CorruptAt("message", pos,
                     "metadata length " + Num(len) + " exceeds the limit of " +
                         Num(options.max_metadata_bytes) + " bytes" + hint);
  }
  return Status::OK();
}

Result<MessageMeta> ParseMessageAt(const uint8_t* data, int64_t size, int64_t pos,
                                   const ReadOptions& options) {
  auto msg = ParseMessage(data, size, options);
  if (!msg.ok()) return At("message", pos, msg.status());
  if (msg->body_length > options.max_body_bytes) {
    return CorruptAt(MessageKindName(msg->kind), pos,
                     "body length " + Num(msg->body_length) + " exceeds the limit of " +
                         Num(options.max_body_bytes) + " bytes");
  }
  return msg;
}

uint32_t LoadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// StreamDecoder

class StreamDecoder::Impl {
 public:
  Impl(StreamListener* listener, ReadOptions options)
      : listener_(listener), options_(options), state_(options_, false) {}

  Status Consume(const uint8_t* data, int64_t size, const BufferPtr* chunk) {
    if (!error_.ok()) return error_;
    Status st = ConsumeImpl(data, size, chunk);
    if (!st.ok()) error_ = st;
    return st;
  }

  Status Finish() {
    if (!error_.ok()) return error_;
    if (step_ == Step::kEnd) return Status::OK();
    if (step_ != Step::kPrefix || prefix_size_ != 0) {
      switch (step_) {
        case Step::kPrefix:
        case Step::kLength:
          error_ = Truncated(message_start_, "length prefix", prefix_size_,
                             step_ == Step::kPrefix ? 4 : 8);
          break;
        case Step::kMetadata:
          error_ = Truncated(message_start_, "metadata", static_cast<int64_t>(metadata_.size()),
                             metadata_length_);
          break;
        default:
          error_ = Truncated(message_start_, "body", body_.size(), body_length_);
          break;
      }
      return error_;
    }
    if (!state_.has_schema()) {
      error_ = CorruptAt("stream", position_, "the stream ends before its schema message");
      return error_;
    }
    return Status::OK();
  }

  int64_t next_required_size() const {
    switch (step_) {
      case Step::kPrefix:
        return 4 - prefix_size_;
      case Step::kLength:
        return 8 - prefix_size_;
      case Step::kMetadata:
        return metadata_length_ - static_cast<int64_t>(metadata_.size());
      case Step::kBody:
        return body_length_ - body_.size();
      case Step::kEnd:
        return 0;
    }
    return 0;
  }
  SchemaPtr schema() const { return state_.schema(); }
  bool end_of_stream() const { return step_ == Step::kEnd; }
  int64_t position() const { return position_; }

 private:
  enum class Step { kPrefix, kLength, kMetadata, kBody, kEnd };

  Status ConsumeImpl(const uint8_t* data, int64_t size, const BufferPtr* chunk) {
    int64_t i = 0;
    while (i < size) {
      if (step_ == Step::kEnd) {
        position_ += size - i;
        return Status::OK();
      }
      int64_t n = std::min(size - i, next_required_size());
      switch (step_) {
        case Step::kPrefix:
        case Step::kLength: {
          if (prefix_size_ == 0) message_start_ = position_;
          std::memcpy(prefix_ + prefix_size_, data + i, static_cast<size_t>(n));
          prefix_size_ += n;
          Advance(&i, n);
          if (next_required_size() == 0) LF_RETURN_NOT_OK(OnPrefix());
          break;
        }
        case Step::kMetadata: {
          metadata_.insert(metadata_.end(), data + i, data + i + n);
          Advance(&i, n);
          if (next_required_size() == 0) LF_RETURN_NOT_OK(OnMetadata());
          break;
        }
        case Step::kBody: {
          if (chunk != nullptr && body_.size() == 0 && n == body_length_) {
            // The whole body is inside the caller's chunk: keep a slice of it.
            BufferPtr body = (*chunk)->Slice(data + i - (*chunk)->data(), n);
            Advance(&i, n);
            LF_RETURN_NOT_OK(Dispatch(body));
          } else {
            if (body_.size() == 0) body_.Reserve(std::min(body_length_, kInitialReserve));
            body_.Append(data + i, n);
            Advance(&i, n);
            if (next_required_size() == 0) LF_RETURN_NOT_OK(Dispatch(body_.Finish()));
          }
          break;
        }
        case Step::kEnd:
          break;
      }
    }
    return Status::OK();
  }

  void Advance(int64_t* i, int64_t n) {
    *i += n;
    position_ += n;
  }

  Status OnPrefix() {
    uint32_t first = LoadU32(prefix_);
    int64_t length;
    if (step_ == Step::kPrefix) {
      if (first == kContinuation) {
        step_ = Step::kLength;
        return Status::OK();
      }
      length = static_cast<int32_t>(first);  // legacy framing without the continuation marker
    } else {
      length = static_cast<int32_t>(LoadU32(prefix_ + 4));
    }
    prefix_size_ = 0;
    if (length == 0) return OnEndOfStream();
    bool looks_like_file = message_start_ == 0 && std::memcmp(prefix_, "ARRO", 4) == 0;
    LF_RETURN_NOT_OK(CheckMetadataLength(length, message_start_, options_, looks_like_file));
    metadata_length_ = length;
    metadata_.clear();
    metadata_.reserve(static_cast<size_t>(std::min(length, kInitialReserve)));
    step_ = Step::kMetadata;
    return Status::OK();
  }

  Status OnMetadata() {
    LF_ASSIGN_OR_RETURN(
        msg_, ParseMessageAt(metadata_.data(), metadata_length_, message_start_, options_));
    metadata_.clear();
    metadata_.shrink_to_fit();
    body_length_ = msg_.body_length;
    if (body_length_ == 0) return Dispatch(EmptyBuffer());
    step_ = Step::kBody;
    return Status::OK();
  }

  Status Dispatch(const BufferPtr& body) {
    step_ = Step::kPrefix;
    bool was_schema = msg_.kind == MessageKind::kSchema;
    LF_ASSIGN_OR_RETURN(RecordBatchPtr batch, state_.OnMessage(msg_, body, message_start_));
    msg_ = MessageMeta();
    if (was_schema) return listener_->OnSchema(state_.schema());
    if (batch) return listener_->OnRecordBatch(std::move(batch));
    return Status::OK();
  }

  Status OnEndOfStream() {
    if (!state_.has_schema()) {
      return CorruptAt("stream", message_start_, "end-of-stream marker before the schema message");
    }
    step_ = Step::kEnd;
    return listener_->OnEndOfStream();
  }

  StreamListener* listener_;
  ReadOptions options_;
  DecodeState state_;
  Status error_;
  Step step_ = Step::kPrefix;
  uint8_t prefix_[8] = {};
  int64_t prefix_size_ = 0;
  int64_t position_ = 0;
  int64_t message_start_ = 0;
  int64_t metadata_length_ = 0;
  std::vector<uint8_t> metadata_;
  MessageMeta msg_;
  int64_t body_length_ = 0;
  BufferBuilder body_;
};

StreamDecoder::StreamDecoder(StreamListener* listener, ReadOptions options)
    : impl_(std::make_unique<Impl>(listener, options)) {}
StreamDecoder::~StreamDecoder() = default;
Status StreamDecoder::Consume(const uint8_t* data, int64_t size) {
  return impl_->Consume(data, size, nullptr);
}
Status StreamDecoder::Consume(const BufferPtr& chunk) {
  return impl_->Consume(chunk->data(), chunk->size(), &chunk);
}
Status StreamDecoder::Finish() { return impl_->Finish(); }
int64_t StreamDecoder::next_required_size() const { return impl_->next_required_size(); }
SchemaPtr StreamDecoder::schema() const { return impl_->schema(); }
bool StreamDecoder::end_of_stream() const { return impl_->end_of_stream(); }
int64_t StreamDecoder::position() const { return impl_->position(); }

// ---------------------------------------------------------------------------------------------
// StreamReader

class StreamReader::Impl {
 public:
  Impl(std::unique_ptr<InputStream> input, ReadOptions options)
      : input_(std::move(input)), options_(options), state_(options_, false) {}

  // Reads messages until one yields a schema or a batch; nullptr at the end.
  Result<RecordBatchPtr> ReadNext(bool want_schema) {
    if (!error_.ok()) return error_;
    auto r = ReadNextImpl(want_schema);
    if (!r.ok()) error_ = r.status();
    return r;
  }

  const SchemaPtr& schema() const { return state_.schema(); }

 private:
  Result<RecordBatchPtr> ReadNextImpl(bool want_schema) {
    while (!done_) {
      int64_t start = position_;
      uint8_t prefix[8];
      LF_ASSIGN_OR_RETURN(int64_t got, ReadFully(prefix, 4));
      if (got == 0) {
        done_ = true;
        break;
      }
      if (got < 4) return Truncated(start, "length prefix", got, 4);
      int64_t length;
      uint32_t first = LoadU32(prefix);
      if (first == kContinuation) {
        LF_ASSIGN_OR_RETURN(got, ReadFully(prefix + 4, 4));
        if (got < 4) return Truncated(start, "length prefix", 4 + got, 8);
        length = static_cast<int32_t>(LoadU32(prefix + 4));
      } else {
        length = static_cast<int32_t>(first);
      }
      if (length == 0) {
        done_ = true;
        break;
      }
      bool looks_like_file = start == 0 && std::memcmp(prefix, "ARRO", 4) == 0;
      LF_RETURN_NOT_OK(CheckMetadataLength(length, start, options_, looks_like_file));
      LF_ASSIGN_OR_RETURN(std::vector<uint8_t> metadata, ReadVector(length));
      if (static_cast<int64_t>(metadata.size()) < length) {
        return Truncated(start, "metadata", static_cast<int64_t>(metadata.size()), length);
      }
      LF_ASSIGN_OR_RETURN(MessageMeta msg,
                          ParseMessageAt(metadata.data(), length, start, options_));
      metadata = {};
      BufferPtr body = EmptyBuffer();
      if (msg.body_length > 0) {
        LF_ASSIGN_OR_RETURN(body, ReadBody(msg.body_length));
        if (body->size() < msg.body_length) {
          return Truncated(start, "body", body->size(), msg.body_length);
        }
      }
      bool is_schema = msg.kind == MessageKind::kSchema;
      LF_ASSIGN_OR_RETURN(RecordBatchPtr batch, state_.OnMessage(msg, body, start));
      if (is_schema && want_schema) return RecordBatchPtr();
      if (batch) return batch;
    }
    if (!state_.has_schema()) {
      return CorruptAt("stream", position_, "the stream ends before its schema message");
    }
    return RecordBatchPtr();
  }

  Result<int64_t> ReadFully(uint8_t* out, int64_t n) {
    int64_t total = 0;
    while (total < n) {
      LF_ASSIGN_OR_RETURN(int64_t got, input_->Read(out + total, n - total));
      if (got < 0 || got > n - total) {
        return Status::IOError("arrow ipc: input stream returned an invalid read size " + Num(got));
      }
      if (got == 0) break;
      total += got;
    }
    position_ += total;
    return total;
  }

  Result<std::vector<uint8_t>> ReadVector(int64_t n) {
    std::vector<uint8_t> out;
    int64_t step = std::min(n, kInitialReserve);
    while (static_cast<int64_t>(out.size()) < n) {
      int64_t have = static_cast<int64_t>(out.size());
      int64_t want = std::min(n - have, std::max<int64_t>(step, have));
      out.resize(static_cast<size_t>(have + want));
      LF_ASSIGN_OR_RETURN(int64_t got, ReadFully(out.data() + have, want));
      out.resize(static_cast<size_t>(have + got));
      if (got < want) break;
    }
    return out;
  }

  // Reads up to n bytes into an aligned buffer, growing it as bytes arrive.
  Result<BufferPtr> ReadBody(int64_t n) {
    BufferBuilder b;
    int64_t step = std::min(n, kInitialReserve);
    while (b.size() < n) {
      int64_t have = b.size();
      int64_t want = std::min(n - have, std::max<int64_t>(step, have));
      b.Resize(have + want);
      LF_ASSIGN_OR_RETURN(int64_t got, ReadFully(b.mutable_data() + have, want));
      b.Resize(have + got);
      if (got < want) break;
    }
    return b.Finish();
  }

  std::unique_ptr<InputStream> input_;
  ReadOptions options_;
  DecodeState state_;
  Status error_;
  int64_t position_ = 0;
  bool done_ = false;
};

Result<std::unique_ptr<StreamReader>> StreamReader::Open(std::unique_ptr<InputStream> input,
                                                         ReadOptions options) {
  auto impl = std::make_unique<Impl>(std::move(input), options);
  LF_RETURN_NOT_OK(impl->ReadNext(true).status());
  return std::unique_ptr<StreamReader>(new StreamReader(std::move(impl)));
}
StreamReader::StreamReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StreamReader::~StreamReader() = default;
SchemaPtr StreamReader::schema() const { return impl_->schema(); }
Result<RecordBatchPtr> StreamReader::Next() { return impl_->ReadNext(false); }

// ---------------------------------------------------------------------------------------------
// FileReader
//
// Layout (IPC spec, "IPC File Format"):
//   "ARROW1" <2 bytes padding> <stream: schema, dictionaries, batches, optional EOS>
//   <Footer flatbuffer> <int32 footer length> "ARROW1"
// The footer's Blocks give each message's offset, metadata length (prefix included) and body
// length. The footer's schema is authoritative.

class FileReader::Impl {
 public:
  Impl(int64_t size, ReadAtFunction read_at, ReadOptions options)
      : size_(size), read_at_(std::move(read_at)), options_(options), state_(options_, true) {}

  Status Init() {
    constexpr int64_t kTrailer = 4 + kFileMagicSize;
    if (size_ < 8 + kTrailer) {
      return CorruptAt("file", 0, "file of " + Num(size_) + " bytes is too small for Arrow IPC");
    }
    LF_ASSIGN_OR_RETURN(BufferPtr head, ReadAt(0, kFileMagicSize, "file magic", 0));
    if (std::memcmp(head->data(), kFileMagic, kFileMagicSize) != 0) {
      return CorruptAt("file", 0, "does not start with the ARROW1 magic");
    }
    LF_ASSIGN_OR_RETURN(BufferPtr trailer,
                        ReadAt(size_ - kTrailer, kTrailer, "file trailer", size_ - kTrailer));
    if (std::memcmp(trailer->data() + 4, kFileMagic, kFileMagicSize) != 0) {
      return CorruptAt("file", size_ - kFileMagicSize, "does not end with the ARROW1 magic");
    }
    int64_t footer_length = static_cast<int32_t>(LoadU32(trailer->data()));
    footer_start_ = size_ - kTrailer - footer_length;
    if (footer_length <= 0 || footer_start_ < 8) {
      return CorruptAt("file footer", size_ - kTrailer,
                       "footer length " + Num(footer_length) + " does not fit in a file of " +
                           Num(size_) + " bytes");
    }
    if (footer_length > options_.max_metadata_bytes) {
      return CorruptAt("file footer", size_ - kTrailer,
                       "footer length " + Num(footer_length) + " exceeds the limit of " +
                           Num(options_.max_metadata_bytes) + " bytes");
    }
    LF_ASSIGN_OR_RETURN(BufferPtr footer_bytes,
                        ReadAt(footer_start_, footer_length, "file footer", footer_start_));
    auto footer = ParseFooter(footer_bytes->data(), footer_length, options_);
    if (!footer.ok()) return At("file footer", footer_start_, footer.status());
    footer_ = std::move(footer).value();
    state_.SetSchema(footer_.schema);
    for (size_t i = 0; i < footer_.dictionaries.size(); ++i) {
      const BlockMeta& block = footer_.dictionaries[i];
      LF_ASSIGN_OR_RETURN(auto message, ReadBlock(block, "dictionary block " + Num(i)));
      if (message.first.kind != MessageKind::kDictionaryBatch) {
        return CorruptAt("dictionary block " + Num(i), block.offset,
                         std::string("holds a ") + MessageKindName(message.first.kind));
      }
      LF_RETURN_NOT_OK(state_.OnMessage(message.first, message.second, block.offset).status());
    }
    return Status::OK();
  }

  Result<RecordBatchPtr> ReadRecordBatch(int i) {
    if (i < 0 || i >= num_record_batches()) {
      return Status::Invalid("arrow ipc: record batch " + Num(i) + " requested from a file of " +
                             Num(num_record_batches()) + " batches");
    }
    const BlockMeta& block = footer_.record_batches[static_cast<size_t>(i)];
    LF_ASSIGN_OR_RETURN(auto message, ReadBlock(block, "record batch block " + Num(i)));
    if (message.first.kind != MessageKind::kRecordBatch) {
      return CorruptAt("record batch block " + Num(i), block.offset,
                       std::string("holds a ") + MessageKindName(message.first.kind));
    }
    return state_.OnMessage(message.first, message.second, block.offset);
  }

  Result<RecordBatchPtr> Next() {
    if (next_ >= num_record_batches()) return RecordBatchPtr();
    return ReadRecordBatch(next_++);
  }

  int num_record_batches() const { return static_cast<int>(footer_.record_batches.size()); }
  const SchemaPtr& schema() const { return state_.schema(); }
  const KeyValueMetadata& footer_metadata() const { return footer_.metadata; }

 private:
  Result<BufferPtr> ReadAt(int64_t offset, int64_t length, const std::string& what, int64_t pos) {
    auto r = read_at_(offset, length);
    if (!r.ok()) {
      return Status(r.status().code(), "arrow ipc: " + what + " at byte " + Num(pos) +
                                           ": read failed: " + r.status().message());
    }
    if (!*r || (*r)->size() != length) {
      return Status::IOError("arrow ipc: " + what + " at byte " + Num(pos) + ": read of " +
                             Num(length) + " bytes returned " + Num(*r ? (*r)->size() : 0));
    }
    return r;
  }

  Result<std::pair<MessageMeta, BufferPtr>> ReadBlock(const BlockMeta& block,
                                                      const std::string& what) {
    if (block.offset < 8 || block.metadata_length < 8 || block.body_length < 0 ||
        block.offset > footer_start_ || block.metadata_length > footer_start_ - block.offset ||
        block.body_length > footer_start_ - block.offset - block.metadata_length) {
      return CorruptAt(what, block.offset,
                       "block (offset " + Num(block.offset) + ", metadata length " +
                           Num(block.metadata_length) + ", body length " + Num(block.body_length) +
                           ") does not fit before the footer at byte " + Num(footer_start_));
    }
    if (block.metadata_length > options_.max_metadata_bytes) {
      return CorruptAt(what, block.offset,
                       "metadata length " + Num(block.metadata_length) + " exceeds the limit of " +
                           Num(options_.max_metadata_bytes) + " bytes");
    }
    if (block.body_length > options_.max_body_bytes) {
      return CorruptAt(what, block.offset,
                       "body length " + Num(block.body_length) + " exceeds the limit of " +
                           Num(options_.max_body_bytes) + " bytes");
    }
    LF_ASSIGN_OR_RETURN(BufferPtr meta,
                        ReadAt(block.offset, block.metadata_length, what, block.offset));
    int64_t prefix = LoadU32(meta->data()) == kContinuation ? 8 : 4;
    int64_t fb_length = static_cast<int32_t>(LoadU32(meta->data() + prefix - 4));
    if (fb_length <= 0 || fb_length > block.metadata_length - prefix) {
      return CorruptAt(what, block.offset,
                       "message length " + Num(fb_length) + " does not fit in the block's " +
                           Num(block.metadata_length) + " metadata bytes");
    }
    LF_ASSIGN_OR_RETURN(MessageMeta msg,
                        ParseMessageAt(meta->data() + prefix, fb_length, block.offset, options_));
    if (msg.body_length != block.body_length) {
      return CorruptAt(what, block.offset,
                       "message body length " + Num(msg.body_length) +
                           " differs from the block's " + Num(block.body_length));
    }
    BufferPtr body = EmptyBuffer();
    if (block.body_length > 0) {
      LF_ASSIGN_OR_RETURN(body, ReadAt(block.offset + block.metadata_length, block.body_length,
                                       what, block.offset));
    }
    return std::make_pair(std::move(msg), std::move(body));
  }

  int64_t size_;
  ReadAtFunction read_at_;
  ReadOptions options_;
  DecodeState state_;
  FooterMeta footer_;
  int64_t footer_start_ = 0;
  int next_ = 0;
};

Result<std::unique_ptr<FileReader>> FileReader::Open(BufferPtr file, ReadOptions options) {
  int64_t size = file->size();
  ReadAtFunction read_at = [file](int64_t offset, int64_t length) -> Result<BufferPtr> {
    if (offset < 0 || length < 0 || offset > file->size() || length > file->size() - offset) {
      return Status::IOError("range [" + Num(offset) + ", +" + Num(length) +
                             ") is outside the buffer");
    }
    return file->Slice(offset, length);
  };
  return Open(size, std::move(read_at), options);
}

Result<std::unique_ptr<FileReader>> FileReader::Open(int64_t file_size, ReadAtFunction read_at,
                                                     ReadOptions options) {
  auto impl = std::make_unique<Impl>(file_size, std::move(read_at), options);
  LF_RETURN_NOT_OK(impl->Init());
  return std::unique_ptr<FileReader>(new FileReader(std::move(impl)));
}
FileReader::FileReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FileReader::~FileReader() = default;
SchemaPtr FileReader::schema() const { return impl_->schema(); }
int FileReader::num_record_batches() const { return impl_->num_record_batches(); }
const KeyValueMetadata& FileReader::footer_metadata() const { return impl_->footer_metadata(); }
Result<RecordBatchPtr> FileReader::ReadRecordBatch(int i) { return impl_->ReadRecordBatch(i); }
Result<RecordBatchPtr> FileReader::Next() { return impl_->Next(); }

// ---------------------------------------------------------------------------------------------
// Helpers

Result<int64_t> BufferInputStream::Read(uint8_t* out, int64_t n) {
  int64_t got = std::min(n, buffer_->size() - pos_);
  if (got > 0) std::memcpy(out, buffer_->data() + pos_, static_cast<size_t>(got));
  pos_ += got;
  return got;
}

bool IsFileFormat(const Buffer& data) {
  return data.size() >= kFileMagicSize && std::memcmp(data.data(), kFileMagic, kFileMagicSize) == 0;
}

Result<Contents> ReadAll(BufferPtr data, ReadOptions options) {
  Contents out;
  if (IsFileFormat(*data)) {
    LF_ASSIGN_OR_RETURN(auto reader, FileReader::Open(data, options));
    out.schema = reader->schema();
    for (int i = 0; i < reader->num_record_batches(); ++i) {
      LF_ASSIGN_OR_RETURN(RecordBatchPtr batch, reader->ReadRecordBatch(i));
      out.batches.push_back(std::move(batch));
    }
    return out;
  }
  struct Collector : StreamListener {
    std::vector<RecordBatchPtr>* batches;
    Status OnRecordBatch(RecordBatchPtr batch) override {
      batches->push_back(std::move(batch));
      return Status::OK();
    }
  } collector;
  collector.batches = &out.batches;
  StreamDecoder decoder(&collector, options);
  LF_RETURN_NOT_OK(decoder.Consume(data));
  LF_RETURN_NOT_OK(decoder.Finish());
  out.schema = decoder.schema();
  return out;
}

}  // namespace lanceflow::arrow::ipc
