// Arrow IPC metadata: the flatbuffer tables of Schema.fbs, Message.fbs and File.fbs converted to
// and from lanceflow types. Internal to the arrow module.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lanceflow/arrow/ipc.h"
#include "lanceflow/arrow/type.h"
#include "lanceflow/core/result.h"

namespace lanceflow::arrow::ipc {

// Dictionary ids along a field tree, which DataType does not carry: `id` of this field's
// dictionary (-1 when the field is not dictionary-encoded) and one node per child field (for a
// dictionary field, the children of its value type).
struct DictIdNode {
  int64_t id = -1;
  std::vector<DictIdNode> children;
};

struct DictionaryInfo {
  DataTypePtr value_type;
  // Ids of dictionaries nested inside the values (one node per child of value_type).
  std::vector<DictIdNode> value_children;
};

struct SchemaInfo {
  SchemaPtr schema;
  std::vector<DictIdNode> field_ids;  // one per top-level field
  std::map<int64_t, DictionaryInfo> dictionaries;
};

enum class MessageKind { kSchema, kDictionaryBatch, kRecordBatch };

struct FieldNodeMeta {
  int64_t length = 0;
  int64_t null_count = 0;
};

struct BufferMeta {
  int64_t offset = 0;
  int64_t length = 0;
};

struct RecordBatchMeta {
  int64_t length = 0;
  std::vector<FieldNodeMeta> nodes;
  std::vector<BufferMeta> buffers;
  Compression compression = Compression::kNone;
};

struct MessageMeta {
  MessageKind kind = MessageKind::kSchema;
  int64_t body_length = 0;
  SchemaInfo schema;      // kSchema
  RecordBatchMeta batch;  // kRecordBatch, and the data of kDictionaryBatch
  int64_t dictionary_id = 0;
  bool is_delta = false;
};

struct BlockMeta {
  int64_t offset = 0;
  int32_t metadata_length = 0;
  int64_t body_length = 0;
};

struct FooterMeta {
  SchemaInfo schema;
  std::vector<BlockMeta> dictionaries;
  std::vector<BlockMeta> record_batches;
  KeyValueMetadata metadata;
};

// Parses one Message flatbuffer. Errors are Corrupt / NotImplemented without position; callers
// add where the message sits.
Result<MessageMeta> ParseMessage(const uint8_t* data, int64_t size, const ReadOptions& options);
Result<FooterMeta> ParseFooter(const uint8_t* data, int64_t size, const ReadOptions& options);

// Writer side: numbers the dictionary fields of `schema` in pre-order from 0.
Result<SchemaInfo> MakeSchemaInfo(SchemaPtr schema);

std::string SerializeSchemaMessage(const SchemaInfo& info);
std::string SerializeRecordBatchMessage(const RecordBatchMeta& batch, int64_t body_length);
std::string SerializeDictionaryBatchMessage(int64_t id, bool is_delta, const RecordBatchMeta& batch,
                                            int64_t body_length);
std::string SerializeFooter(const SchemaInfo& info, const std::vector<BlockMeta>& dictionaries,
                            const std::vector<BlockMeta>& record_batches);

}  // namespace lanceflow::arrow::ipc
