// Arrow IPC writers (stream and file). Arrays are written with offset 0 as the format requires:
// sliced inputs get their bitmaps shifted and their offsets rebased, everything else is written
// straight from the input buffers without copying (unless compressed).
#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <utility>

#include "ipc_array_ops.h"
#include "ipc_compression.h"
#include "ipc_metadata.h"
#include "lanceflow/arrow/bitmap.h"
#include "lanceflow/arrow/builder.h"
#include "lanceflow/arrow/compare.h"
#include "lanceflow/arrow/ipc.h"

namespace lanceflow::arrow::ipc {
namespace {

constexpr uint32_t kContinuation = 0xFFFFFFFFu;
constexpr char kFileMagic[] = "ARROW1";

alignas(64) const uint8_t kZeros[64] = {};

std::string Num(int64_t v) { return std::to_string(v); }

int64_t PaddedSize(int64_t n, int64_t alignment) {
  return (n + alignment - 1) / alignment * alignment;
}

// The nodes and buffers of one message body, before layout.
struct BodyParts {
  int64_t length = 0;
  std::vector<FieldNodeMeta> nodes;
  std::vector<BufferPtr> buffers;  // null: an empty buffer
};

class ArrayWriter {
 public:
  explicit ArrayWriter(BodyParts* parts) : parts_(parts) {}

  // Appends slots [abs, abs+length) of `data`, where `abs` already includes data.offset.
  Status Write(const ArrayData& data, int64_t abs, int64_t length) {
    const DataType& t = *data.type;
    if (t.id() == TypeId::kNull) {
      parts_->nodes.push_back({length, length});
      return Status::OK();
    }
    // Empty arrays may come with null or short buffers (array.h): never touch them.
    if (length == 0) return WriteEmpty(t);
    int64_t nulls = CountNullsInRange(data, abs - data.offset, length);
    parts_->nodes.push_back({length, nulls});
    parts_->buffers.push_back(nulls == 0 ? nullptr : Bitmap(data.buffers[0], abs, length));
    switch (t.id()) {
      case TypeId::kBool:
        parts_->buffers.push_back(Bitmap(data.buffers[1], abs, length));
        return Status::OK();
      case TypeId::kUtf8:
      case TypeId::kBinary:
        return WriteOffsets<int32_t>(data, abs, length, true);
      case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary:
        return WriteOffsets<int64_t>(data, abs, length, true);
      case TypeId::kList:
        return WriteOffsets<int32_t>(data, abs, length, false);
      case TypeId::kLargeList:
        return WriteOffsets<int64_t>(data, abs, length, false);
      case TypeId::kFixedSizeList: {
        const ArrayData& child = *data.children[0];
        int64_t size = t.fixed_size();
        return Write(child, child.offset + abs * size, length * size);
      }
      case TypeId::kStruct:
        for (const auto& child : data.children) {
          LF_RETURN_NOT_OK(Write(*child, child->offset + abs, length));
        }
        return Status::OK();
      case TypeId::kDictionary: {
        int64_t width = t.index_type()->byte_width();
        parts_->buffers.push_back(data.buffers[1]->Slice(abs * width, length * width));
        return Status::OK();
      }
      default: {
        int64_t width = t.byte_width();
        parts_->buffers.push_back(data.buffers[1]->Slice(abs * width, length * width));
        return Status::OK();
      }
    }
  }

 private:
  // An array of `type` with no slots: one zero offset where offsets are needed, else nothing.
  Status WriteEmpty(const DataType& t) {
    parts_->nodes.push_back({0, 0});
    if (t.id() == TypeId::kNull) return Status::OK();
    parts_->buffers.push_back(nullptr);
    switch (t.id()) {
      case TypeId::kUtf8:
      case TypeId::kBinary:
      case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary:
        parts_->buffers.push_back(ZeroOffset(t.id() == TypeId::kUtf8 || t.id() == TypeId::kBinary));
        parts_->buffers.push_back(nullptr);
        return Status::OK();
      case TypeId::kList:
      case TypeId::kLargeList:
        parts_->buffers.push_back(ZeroOffset(t.id() == TypeId::kList));
        return WriteEmpty(*t.children()[0]->type);
      case TypeId::kFixedSizeList:
        return WriteEmpty(*t.children()[0]->type);
      case TypeId::kStruct:
        for (const auto& c : t.children()) LF_RETURN_NOT_OK(WriteEmpty(*c->type));
        return Status::OK();
      default:
        parts_->buffers.push_back(nullptr);
        return Status::OK();
    }
  }

  static BufferPtr ZeroOffset(bool narrow) {
    return std::make_shared<Buffer>(kZeros, narrow ? 4 : 8, nullptr);
  }

  static BufferPtr Bitmap(const BufferPtr& bits, int64_t abs, int64_t length) {
    if (length == 0) return nullptr;
    if (abs % 8 == 0) return bits->Slice(abs / 8, BytesForBits(length));
    return ShiftedBitmap(bits->data(), abs, length);
  }

  template <typename OffsetT>
  Status WriteOffsets(const ArrayData& data, int64_t abs, int64_t length, bool binary) {
    constexpr int64_t kWidth = sizeof(OffsetT);
    const OffsetT* o = data.buffers[1]->data_as<OffsetT>() + abs;
    int64_t first = o[0];
    int64_t last = o[length];
    if (first == 0) {
      parts_->buffers.push_back(data.buffers[1]->Slice(abs * kWidth, (length + 1) * kWidth));
    } else {
      BufferBuilder rebased;
      rebased.Reserve((length + 1) * kWidth);
      for (int64_t i = 0; i <= length; ++i) {
        rebased.AppendValue<OffsetT>(static_cast<OffsetT>(o[i] - first));
      }
      parts_->buffers.push_back(rebased.Finish());
    }
    if (binary) {
      parts_->buffers.push_back(data.buffers[2]->Slice(first, last - first));
      return Status::OK();
    }
    const ArrayData& child = *data.children[0];
    return Write(child, child.offset + first, last - first);
  }

  BodyParts* parts_;
};

class Writer : public RecordBatchWriter {
 public:
  Writer(OutputStream* out, SchemaInfo info, WriteOptions options, bool file_format)
      : out_(out), info_(std::move(info)), options_(options), file_format_(file_format) {}

  Status Start() {
    if (file_format_) {
      uint8_t magic[8] = {};
      std::memcpy(magic, kFileMagic, 6);
      LF_RETURN_NOT_OK(Write(magic, 8));
    }
    return WriteMessage(SerializeSchemaMessage(info_), BodyLayout(), nullptr);
  }

  Status WriteBatch(const RecordBatch& batch) override {
    if (closed_) return Status::Invalid("arrow ipc: WriteBatch after Close");
    if (!batch.schema() || !batch.schema()->Equals(*info_.schema) ||
        batch.num_columns() != info_.schema->num_fields()) {
      return Status::Invalid("arrow ipc: batch schema differs from the writer's schema");
    }
    LF_RETURN_NOT_OK(batch.Validate(/*full=*/false));
    LF_RETURN_NOT_OK(WriteDictionaries(batch));
    BodyParts parts;
    parts.length = batch.num_rows();
    ArrayWriter aw(&parts);
    for (const auto& col : batch.columns()) {
      LF_RETURN_NOT_OK(aw.Write(*col, col->offset, col->length));
    }
    LF_ASSIGN_OR_RETURN(BodyLayout layout, Layout(parts));
    BlockMeta block;
    LF_RETURN_NOT_OK(
        WriteMessage(SerializeRecordBatchMessage(layout.meta, layout.body_length), layout, &block));
    batch_blocks_.push_back(block);
    return Status::OK();
  }

  Status Close() override {
    if (closed_) return Status::OK();
    closed_ = true;
    uint32_t eos[2] = {kContinuation, 0};
    LF_RETURN_NOT_OK(Write(reinterpret_cast<const uint8_t*>(eos), 8));
    if (!file_format_) return Status::OK();
    std::string footer = SerializeFooter(info_, dict_blocks_, batch_blocks_);
    LF_RETURN_NOT_OK(Write(reinterpret_cast<const uint8_t*>(footer.data()),
                           static_cast<int64_t>(footer.size())));
    int32_t footer_length = static_cast<int32_t>(footer.size());
    LF_RETURN_NOT_OK(Write(reinterpret_cast<const uint8_t*>(&footer_length), 4));
    return Write(reinterpret_cast<const uint8_t*>(kFileMagic), 6);
  }

  int64_t bytes_written() const override { return position_; }

 private:
  struct Piece {
    uint8_t prefix[8] = {};
    bool has_prefix = false;
    BufferPtr data;      // may be null (empty)
    int64_t padded = 0;  // prefix + data + padding
  };
  struct BodyLayout {
    RecordBatchMeta meta;
    std::vector<Piece> pieces;
    int64_t body_length = 0;
  };

  Result<BodyLayout> Layout(const BodyParts& parts) {
    BodyLayout layout;
    layout.meta.length = parts.length;
    layout.meta.nodes = parts.nodes;
    layout.meta.compression = options_.compression;
    int64_t offset = 0;
    for (const BufferPtr& buf : parts.buffers) {
      Piece piece;
      int64_t size = buf ? buf->size() : 0;
      int64_t length = size;
      if (options_.compression != Compression::kNone && size > 0) {
        LF_ASSIGN_OR_RETURN(
            BufferPtr packed,
            CompressBuffer(options_.compression, options_.compression_level, buf->data(), size));
        int64_t prefix_value = size;
        if (packed->size() >= size) {
          prefix_value = -1;  // compression does not pay: store the bytes as they are
          packed = buf;
        }
        std::memcpy(piece.prefix, &prefix_value, 8);
        piece.has_prefix = true;
        piece.data = std::move(packed);
        length = 8 + piece.data->size();
      } else {
        piece.data = buf;
      }
      piece.padded = PaddedSize(length, options_.alignment);
      layout.meta.buffers.push_back({offset, length});
      offset += piece.padded;
      layout.pieces.push_back(std::move(piece));
    }
    layout.body_length = offset;
    return layout;
  }

  Status WriteMessage(const std::string& flatbuffer, const BodyLayout& layout, BlockMeta* block) {
    int64_t start = position_;
    int64_t fb_padded =
        PaddedSize(8 + static_cast<int64_t>(flatbuffer.size()), options_.alignment) - 8;
    uint32_t prefix[2] = {kContinuation, static_cast<uint32_t>(fb_padded)};
    LF_RETURN_NOT_OK(Write(reinterpret_cast<const uint8_t*>(prefix), 8));
    LF_RETURN_NOT_OK(Write(reinterpret_cast<const uint8_t*>(flatbuffer.data()),
                           static_cast<int64_t>(flatbuffer.size())));
    LF_RETURN_NOT_OK(WriteZeros(fb_padded - static_cast<int64_t>(flatbuffer.size())));
    for (const Piece& piece : layout.pieces) {
      int64_t written = 0;
      if (piece.has_prefix) {
        LF_RETURN_NOT_OK(Write(piece.prefix, 8));
        written += 8;
      }
      if (piece.data && piece.data->size() > 0) {
        LF_RETURN_NOT_OK(Write(piece.data->data(), piece.data->size()));
        written += piece.data->size();
      }
      LF_RETURN_NOT_OK(WriteZeros(piece.padded - written));
    }
    if (block != nullptr) {
      block->offset = start;
      block->metadata_length = static_cast<int32_t>(8 + fb_padded);
      block->body_length = layout.body_length;
    }
    return Status::OK();
  }

  // Dictionaries of `data` (whose id node is `ids`) in the order they must be sent: ones nested
  // in a dictionary's values before the dictionary itself.
  Status CollectDictionaries(const ArrayData& data, const DictIdNode& ids,
                             std::vector<std::pair<int64_t, ArrayDataPtr>>* out) {
    if (ids.id >= 0) {
      ArrayDataPtr dict = data.dictionary;
      if (!dict) {
        LF_ASSIGN_OR_RETURN(dict, MakeEmptyArray(data.type->value_type()));
      }
      DictIdNode values{-1, ids.children};
      LF_RETURN_NOT_OK(CollectDictionaries(*dict, values, out));
      out->emplace_back(ids.id, std::move(dict));
      return Status::OK();
    }
    for (size_t i = 0; i < data.children.size() && i < ids.children.size(); ++i) {
      LF_RETURN_NOT_OK(CollectDictionaries(*data.children[i], ids.children[i], out));
    }
    return Status::OK();
  }

  Status WriteDictionaries(const RecordBatch& batch) {
    std::vector<std::pair<int64_t, ArrayDataPtr>> dicts;
    for (int i = 0; i < batch.num_columns(); ++i) {
      LF_RETURN_NOT_OK(
          CollectDictionaries(*batch.column(i), info_.field_ids[static_cast<size_t>(i)], &dicts));
    }
    for (auto& [id, dict] : dicts) {
      auto last = sent_.find(id);
      int64_t start = 0;
      bool delta = false;
      if (last != sent_.end()) {
        const ArrayData& old = *last->second;
        if (last->second == dict) continue;
        if (old.length == dict->length && ArrayEquals(old, *dict)) {
          last->second = dict;
          continue;
        }
        if (options_.emit_dictionary_deltas && dict->length > old.length &&
            ArrayEquals(old, *dict->Slice(0, old.length))) {
          start = old.length;
          delta = true;
        } else if (file_format_) {
          return Status::Invalid(
              "arrow ipc: dictionary id " + Num(id) +
              " changed between batches; the IPC file format cannot replace dictionaries "
              "(only append to them, with emit_dictionary_deltas)");
        }
      }
      BodyParts parts;
      parts.length = dict->length - start;
      ArrayWriter aw(&parts);
      LF_RETURN_NOT_OK(aw.Write(*dict, dict->offset + start, dict->length - start));
      LF_ASSIGN_OR_RETURN(BodyLayout layout, Layout(parts));
      BlockMeta block;
      LF_RETURN_NOT_OK(
          WriteMessage(SerializeDictionaryBatchMessage(id, delta, layout.meta, layout.body_length),
                       layout, &block));
      dict_blocks_.push_back(block);
      sent_[id] = dict;
    }
    return Status::OK();
  }

  Status Write(const uint8_t* data, int64_t size) {
    LF_RETURN_NOT_OK(out_->Write(data, size));
    position_ += size;
    return Status::OK();
  }

  Status WriteZeros(int64_t n) {
    while (n > 0) {
      int64_t k = std::min<int64_t>(n, sizeof(kZeros));
      LF_RETURN_NOT_OK(Write(kZeros, k));
      n -= k;
    }
    return Status::OK();
  }

  OutputStream* out_;
  SchemaInfo info_;
  WriteOptions options_;
  bool file_format_;
  bool closed_ = false;
  int64_t position_ = 0;
  std::map<int64_t, ArrayDataPtr> sent_;
  std::vector<BlockMeta> dict_blocks_;
  std::vector<BlockMeta> batch_blocks_;
};

Result<std::unique_ptr<RecordBatchWriter>> MakeWriter(OutputStream* out, SchemaPtr schema,
                                                      WriteOptions options, bool file_format) {
  if (options.alignment != 8 && options.alignment != 16 && options.alignment != 32 &&
      options.alignment != 64) {
    return Status::Invalid("arrow ipc: alignment " + Num(options.alignment) +
                           " is not 8, 16, 32 or 64");
  }
  if (!schema) return Status::Invalid("arrow ipc: no schema");
  LF_ASSIGN_OR_RETURN(SchemaInfo info, MakeSchemaInfo(std::move(schema)));
  auto writer = std::make_unique<Writer>(out, std::move(info), options, file_format);
  LF_RETURN_NOT_OK(writer->Start());
  return std::unique_ptr<RecordBatchWriter>(std::move(writer));
}

Result<BufferPtr> WriteAll(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches,
                           WriteOptions options, bool file_format) {
  BufferOutputStream out;
  LF_ASSIGN_OR_RETURN(auto writer, MakeWriter(&out, schema, options, file_format));
  for (const auto& b : batches) LF_RETURN_NOT_OK(writer->WriteBatch(*b));
  LF_RETURN_NOT_OK(writer->Close());
  return out.Finish();
}

}  // namespace

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kLz4Frame:
      return "lz4_frame";
    case Compression::kZstd:
      return "zstd";
  }
  return "?";
}

Result<Compression> ParseCompression(const std::string& name) {
  if (name == "none") return Compression::kNone;
  if (name == "lz4" || name == "lz4_frame") return Compression::kLz4Frame;
  if (name == "zstd") return Compression::kZstd;
  return Status::Invalid("unknown compression '" + name + "' (expected none, lz4 or zstd)");
}

Status BufferOutputStream::Write(const uint8_t* data, int64_t size) {
  builder_.Append(data, size);
  return Status::OK();
}

Result<std::unique_ptr<RecordBatchWriter>> MakeStreamWriter(OutputStream* out, SchemaPtr schema,
                                                            WriteOptions options) {
  return MakeWriter(out, std::move(schema), options, false);
}

Result<std::unique_ptr<RecordBatchWriter>> MakeFileWriter(OutputStream* out, SchemaPtr schema,
                                                          WriteOptions options) {
  return MakeWriter(out, std::move(schema), options, true);
}

Result<BufferPtr> WriteStream(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches,
                              WriteOptions options) {
  return WriteAll(schema, batches, options, false);
}

Result<BufferPtr> WriteFile(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches,
                            WriteOptions options) {
  return WriteAll(schema, batches, options, true);
}

}  // namespace lanceflow::arrow::ipc
