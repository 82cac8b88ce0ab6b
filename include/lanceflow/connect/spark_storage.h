// Columns as a Spark table stores them, for the Arrow types Spark has no equal of (see
// spark_schema.h): the arrays a Delta table declared from SparkSchemaJson must receive.
//   uint64 with uint64_as_decimal   -> decimal128(20, 0), the same values
//   decimal256, time32/64, duration -> utf8, the value's JSON text (as `read --format jsonl`
//   and null                           writes it, without quotes: "12.50", "08:30:00.250000")
// Every other column is passed through unchanged (the Parquet writer's Spark mapping covers it).
// Conversion applies to top-level columns; such a type nested inside a struct or list is
// NotImplemented naming the column.
#pragma once

#include <memory>

#include "lanceflow/arrow/array.h"
#include "lanceflow/connect/spark_schema.h"
#include "lanceflow/core/result.h"

namespace lanceflow::connect {

// The schema of the converted batches (same names and nullability).
Result<arrow::SchemaPtr> SparkStorageSchema(const arrow::Schema& schema,
                                            const SparkMappingOptions& options);
// `batch` converted to SparkStorageSchema(batch.schema()); returns `batch` itself when no column
// needs it.
Result<arrow::RecordBatchPtr> ToSparkStorage(const arrow::RecordBatchPtr& batch,
                                             const SparkMappingOptions& options);
// `reader` with every batch converted by ToSparkStorage.
Result<std::unique_ptr<arrow::RecordBatchReader>> SparkStorageReader(
    std::unique_ptr<arrow::RecordBatchReader> reader, const SparkMappingOptions& options);

}  // namespace lanceflow::connect
