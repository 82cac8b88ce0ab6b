// Lance table manifests (`_versions/*.manifest`): the file container (u32-prefixed protobuf
// Manifest followed by a 16-byte footer `u64 manifest_pos | u16 major | u16 minor | "LANC"`) and
// the lance.table.Manifest message with its schema, fragments, data files and deletion file
// references. Spec: protos/table.proto and protos/file.proto of the Lance project.
//
// Decoding treats the bytes as untrusted: every length, field id, parent link and logical type
// is checked; errors are Status::Corrupt naming the manifest and byte offset. Valid manifests
// that need features this reader lacks (unknown reader feature flags, data overlays, logical
// types without an Arrow mapping here) give Status::NotImplemented.
// Thread safety: the structs are plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/arrow/type.h"
#include "lanceflow/core/result.h"

namespace lanceflow::lance {

// Manifest reader/writer feature flags (rust/lance-table/src/feature_flags.rs).
inline constexpr uint64_t kFlagDeletionFiles = 1;
inline constexpr uint64_t kFlagStableRowIds = 2;
inline constexpr uint64_t kFlagUseV2Format = 4;  // deprecated, ignored
inline constexpr uint64_t kFlagTableConfig = 8;
inline constexpr uint64_t kFlagBasePaths = 16;
inline constexpr uint64_t kFlagDisableTransactionFile = 32;
// Reader flags this reader implements; any other set bit makes a manifest unreadable.
inline constexpr uint64_t kSupportedReaderFlags = kFlagDeletionFiles | kFlagStableRowIds |
                                                  kFlagUseV2Format | kFlagTableConfig |
                                                  kFlagBasePaths | kFlagDisableTransactionFile;

// Field.dictionary of protos/file.proto, used by legacy (0.1) files only: where the values of
// a dictionary-encoded field are stored. `offset` is a byte position in the file holding the
// schema it came from (the manifest file for a table manifest; the data file itself for the
// schema embedded in a legacy data file); `length` is the number of dictionary values.
struct LegacyDictionaryRef {
  int64_t offset = 0;
  int64_t length = 0;
};

// Field.encoding of protos/file.proto (legacy v1 files; 2.x writers still fill it in).
enum class LegacyEncoding : int32_t { kNone = 0, kPlain = 1, kVarBinary = 2, kDictionary = 3,
                                      kRle = 4 };

// One entry of the flattened (pre-order) schema.
struct LanceField {
  int32_t id = 0;
  int32_t parent_id = -1;  // -1 = top level
  std::string name;
  std::string logical_type;  // e.g. "int64", "fixed_size_list:float:768", "struct"
  bool nullable = true;
  arrow::KeyValueMetadata metadata;
  // Path of child indices from the Arrow schema root to this field: {top-level index, child
  // index, ...}. List items are child 0 of their list.
  std::vector<int> arrow_path;
  // Legacy (0.1) data only; see LegacyEncoding / LegacyDictionaryRef. The raw enum value is
  // kept (unknown values included) for the legacy reader to judge.
  int32_t legacy_encoding = 0;
  std::optional<LegacyDictionaryRef> legacy_dictionary;
};

struct DataFile {
  std::string path;  // relative to data/ (or to the base path of base_id)
  std::vector<int32_t> fields;          // field ids; -2 = tombstone
  std::vector<int32_t> column_indices;  // same length (empty for legacy files); -1 = no column
  uint32_t file_major_version = 0;
  uint32_t file_minor_version = 0;
  uint64_t file_size_bytes = 0;  // 0 = unknown
  std::optional<uint32_t> base_id;
};

enum class DeletionFileType : uint8_t { kArrowArray = 0, kBitmap = 1 };

struct DeletionFileRef {
  DeletionFileType type = DeletionFileType::kArrowArray;
  uint64_t read_version = 0;
  uint64_t id = 0;
  uint64_t num_deleted_rows = 0;  // 0 in old manifests = unknown
  std::optional<uint32_t> base_id;

  // "{fragment_id}-{read_version}-{id}.arrow|.bin", relative to _deletions/.
  std::string FileName(uint64_t fragment_id) const;
};

struct Fragment {
  uint64_t id = 0;
  std::vector<DataFile> files;
  std::optional<DeletionFileRef> deletion_file;
  uint64_t physical_rows = 0;  // including deleted rows; 0 = unknown
  // Raw protobuf bytes of the inline row id / version sequences (protos/rowids.proto); empty
  // when absent. External sequences are refused.
  std::string row_id_sequence;
  std::string last_updated_at_versions;
  std::string created_at_versions;

  uint64_t num_deleted_rows() const {
    return deletion_file ? deletion_file->num_deleted_rows : 0;
  }
};

struct BasePath {
  uint32_t id = 0;
  std::optional<std::string> name;
  bool is_dataset_root = false;
  std::string path;
};

struct Manifest {
  std::vector<LanceField> fields;  // pre-order, as stored
  arrow::KeyValueMetadata schema_metadata;
  arrow::SchemaPtr schema;  // built from fields + schema_metadata
  std::vector<Fragment> fragments;
  uint64_t version = 0;
  std::string writer_library;
  std::string writer_version;
  std::optional<uint64_t> index_section;
  int64_t timestamp_nanos = 0;  // commit time, UTC nanoseconds since the epoch
  std::string tag;
  uint64_t reader_feature_flags = 0;
  uint64_t writer_feature_flags = 0;
  std::optional<uint32_t> max_fragment_id;
  std::string transaction_file;
  std::optional<uint64_t> transaction_section;
  uint64_t next_row_id = 0;
  std::string data_file_format;  // "lance"
  std::string data_format_version;  // "2.0", "2.1", "2.2", "0.1" ...
  std::map<std::string, std::string> config;
  std::map<std::string, std::string> table_metadata;
  std::vector<BasePath> base_paths;
  std::optional<std::string> branch;

  // The field with this id, or null.
  const LanceField* FindField(int32_t id) const;
};

// Decodes a whole manifest file. `name` (e.g. "docs.lance/_versions/3.manifest") prefixes
// errors. Refuses unknown reader feature flags (NotImplemented naming the bits).
Result<Manifest> DecodeManifestFile(const uint8_t* data, int64_t size, std::string_view name);

// Decodes the protobuf lance.table.Manifest message alone (no footer), without the feature
// flag check, and builds the Arrow schema.
Result<Manifest> DecodeManifestMessage(const uint8_t* data, int64_t size, std::string_view name);

// Converts a flattened Lance schema to Arrow, filling each field's arrow_path. Checks unique
// ids, parents that precede their children, list arity and logical type strings.
Result<arrow::SchemaPtr> BuildArrowSchema(std::vector<LanceField>* fields,
                                          const arrow::KeyValueMetadata& metadata);

// Parses a Lance logical type string that has no children in the flattened schema (everything
// but struct and list kinds), e.g. "timestamp:us:UTC" or "fixed_size_list:float:4".
Result<arrow::DataTypePtr> ParseLogicalType(std::string_view logical_type);

}  // namespace lanceflow::lance
