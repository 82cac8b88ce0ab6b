// The Arrow C Data Interface (https://arrow.apache.org/docs/format/CDataInterface.html): the
// standard ArrowSchema / ArrowArray ABI, and export/import of lanceflow types, arrays and record
// batches through it.
//
// Export is zero-copy: the exported buffers are those of the ArrayData, kept alive by the
// exported struct until the consumer calls its release callback (children and dictionaries may
// be moved out and released on their own). Import wraps the producer's buffers without copying:
// the imported arrays share one owner that calls the producer's release callback when the last
// buffer is dropped. The C Data Interface carries no buffer sizes, so import derives them from
// the type, length, offset and (for binary data) the last offset; it trusts the producer for
// the memory behind them and runs ValidateArray(full = false) on the result.
//
// Import functions take ownership of their input struct: on return (success or error) it has
// been released or moved, and its release member is NULL.
#pragma once

#include <cstdint>
#include <string>

#include "lanceflow/arrow/array.h"
#include "lanceflow/arrow/type.h"
#include "lanceflow/core/result.h"

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

extern "C" {

struct ArrowSchema {
  // Array type description
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;

  // Release callback
  void (*release)(struct ArrowSchema*);
  // Opaque producer-specific data
  void* private_data;
};

struct ArrowArray {
  // Array data description
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;

  // Release callback
  void (*release)(struct ArrowArray*);
  // Opaque producer-specific data
  void* private_data;
};

}  // extern "C"

#endif  // ARROW_C_DATA_INTERFACE

namespace lanceflow::arrow {

// The format string of a type ("i", "tsu:UTC", "d:38,10", "d:60,5,256", "+w:128", ...). For a
// dictionary type this is the format of its index type (the values go to ArrowSchema.dictionary).
Result<std::string> FormatString(const DataType& type);

// Fill `*out` (which the caller provides; it must not hold a live struct). On error `*out` is
// left released (release == NULL).
Status ExportType(const DataType& type, ArrowSchema* out);  // name ""
Status ExportField(const Field& field, ArrowSchema* out);
Status ExportSchema(const Schema& schema, ArrowSchema* out);  // a struct "+s" of the fields

// `array` must have passed ValidateArray. An array of length 0 is exported with offset 0 and
// non-null buffer pointers (a shared zero area), so consumers can always read offsets[0].
Status ExportArray(const ArrayDataPtr& array, ArrowArray* out);
// The batch as a struct array of its columns, no top-level nulls. `out_schema` (optional)
// receives the schema.
Status ExportRecordBatch(const RecordBatch& batch, ArrowArray* out,
                         ArrowSchema* out_schema = nullptr);

Result<DataTypePtr> ImportType(ArrowSchema* schema);
Result<FieldPtr> ImportField(ArrowSchema* schema);
// `schema` must describe a struct ("+s"); its children become the fields.
Result<SchemaPtr> ImportSchema(ArrowSchema* schema);

Result<ArrayDataPtr> ImportArray(ArrowArray* array, const DataTypePtr& type);
Result<ArrayDataPtr> ImportArray(ArrowArray* array, ArrowSchema* schema);
// `array` must be a struct array without top-level nulls whose children match `schema`.
Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, const SchemaPtr& schema);
Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, ArrowSchema* schema);

}  // namespace lanceflow::arrow
