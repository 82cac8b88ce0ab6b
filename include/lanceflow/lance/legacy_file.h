// Legacy Lance data files: file format 0.1/0.2, table data_format "0.1". Rust treats a DataFile
// as legacy when file_major_version == 0 and file_minor_version < 3: lancedb 0.39 records
// (0, 2), older writers left (0, 0). Spec: protos/file.proto (Metadata, Field.encoding,
// Field.dictionary) and the v1 reader/writer of the Lance project
// (rust/lance-file/src/previous/{reader,page_table}.rs, writer/mod.rs;
// rust/lance-io/src/encodings/{plain,binary,dictionary}.rs).
//
// Layout, as written by lance (lancedb 0.39 with new_table_data_storage_version=legacy):
//   pages | page table | statistics pages + table | dictionary values | embedded manifest |
//   Metadata | footer
//   footer (16 bytes): i64 metadata_pos | u16 major (0) | u16 minor (1 or 2) | "LANC"
//   Metadata at metadata_pos: u32 length + pb lance.file.Metadata {1 manifest_position,
//     2 batch_offsets (first row of each batch, then the row count), 3 page_table_position,
//     5 statistics (ignored)}
//   embedded manifest at manifest_position: u32 length + pb lance.table.Manifest whose schema
//     is the writer's schema: the same field ids as the table manifest, plus Field.dictionary
//     {offset, length} pointing at the dictionary values inside this data file.
//
// Locating a field's pages: the page table is a row-major matrix of (i64 position, i64 length)
// pairs, one row per field id from the smallest to the largest field id of the file's schema
// (holes and struct fields included, stored as (0, 0)), one column per batch:
//   entry(field_id, batch) at page_table_position + 16 * ((field_id - min_id) * batches + batch)
// The Rust dataset reader takes min_id from DataFile.fields[0] and max_id from
// max(DataFile.fields); the writer sets both from the schema it wrote, which is the schema
// embedded in the file, so this reader takes them from the embedded schema and needs nothing from
// the DataFile (FieldReadSpec.columns is empty for legacy files).
//
// Page contents per (field, batch), `length` = rows in the batch unless noted:
//   fixed-width (bool, ints, floats, dates, times, timestamps, durations, decimals,
//     fixed_size_binary, fixed_size_list of those): PLAIN, values back to back (bool
//     bit-packed LSB first); no validity: a null reads as the bytes under it (0/false in practice)
//   utf8/binary/large_*: VAR_BINARY; the page position points at length + 1 i64 absolute file
//     positions of the value bytes (the bytes precede them). An empty value of a nullable field
//     reads as null (that is how the engine reads it back); there are no other nulls.
//   list/large_list: a PLAIN page of length = rows + 1 int32/int64 offsets (batch-relative,
//     starting at 0) under the list's field id, the items under the item's field id; null lists
//     read as empty lists.
//   struct: no page of its own; its members are read by their field ids; no struct nulls.
//   dictionary: PLAIN indices of the index type (a null reads as the index under it); the
//     values (PLAIN integers or VAR_BINARY with empty values null) at the Field.dictionary of
//     the schema embedded in this data file, read once per reader. The table manifest carries
//     its own copy (LanceField::legacy_dictionary, offsets into the manifest file); it is not
//     needed here, so all I/O stays within the data file.
//   null: the length only.
// Errors: Status::Corrupt for inconsistent bytes, NotImplemented for shapes the format does not
// define (e.g. fixed_size_list of strings, an unknown encoding); every message names the data
// file, and the field readers also the table, field and batch.
// Thread safety: LegacyFileMetadata is immutable and may be shared by many readers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/core/result.h"
#include "lanceflow/lance/data_file.h"
#include "lanceflow/lance/field_reader.h"
#include "lanceflow/lance/manifest.h"

namespace lanceflow::lance {

inline constexpr int64_t kLegacyFooterSize = 16;

struct LegacyPage {
  int64_t position = 0;
  int64_t length = 0;  // values in the page (rows; rows + 1 for list offsets pages)
};

struct LegacyFileMetadata {
  std::string name;  // prefixes errors
  int64_t file_size = 0;
  uint16_t major_version = 0;
  uint16_t minor_version = 0;
  int64_t metadata_position = 0;
  int64_t manifest_position = 0;
  int64_t page_table_position = 0;
  // First row of each batch, then the total: batches() + 1 entries, starting at 0.
  std::vector<int64_t> batch_offsets;
  uint64_t num_rows = 0;
  // The schema embedded in the file (pre-order), with legacy encodings and dictionary refs.
  std::vector<LanceField> fields;
  int32_t min_field_id = 0;  // page table rows cover [min_field_id, max_field_id]
  int32_t max_field_id = -1;
  // Row-major (field id - min_field_id) * batches() + batch; entries are unchecked until used.
  std::vector<LegacyPage> page_table;

  int64_t batches() const {
    return batch_offsets.empty() ? 0 : static_cast<int64_t>(batch_offsets.size()) - 1;
  }
  // Null when the field id has no row in the page table or the batch is out of range.
  const LegacyPage* Page(int32_t field_id, int64_t batch) const;
  // The embedded schema's field with this id, or null.
  const LanceField* FindField(int32_t id) const;
};

// Reads the footer, Metadata, embedded schema and page table (three or four reads: the tail,
// then the manifest and page table regions if the tail missed them). `name` (e.g.
// "table 'docs': data file 'data/ab12.lance'") prefixes errors. NotImplemented for a file
// without an embedded schema (manifest_position 0), which lance only writes outside datasets.
Result<std::shared_ptr<const LegacyFileMetadata>> ReadLegacyFileMetadata(
    int64_t file_size, const ReadRangeFunction& read_range, std::string_view name);

// A reader of one top-level field of a legacy file (see FieldReader). The field must be one of
// the file's (DataFile.fields); a field id missing from the embedded schema, or stored there
// with another logical type, is Corrupt. Uses spec.field's id and
// its children in *spec.fields (by parent id; struct members matched to spec.arrow_field's
// members by name) to find pages; spec.columns is ignored. spec.num_rows must equal the file's
// row count. Read() decodes whole batches overlapping the range and keeps them for the next
// call; the dictionary values of dictionary fields are read at the first Read.
Result<std::unique_ptr<FieldReader>> MakeLegacyFieldReader(
    std::shared_ptr<const LegacyFileMetadata> metadata, FieldReadSpec spec);

}  // namespace lanceflow::lance
