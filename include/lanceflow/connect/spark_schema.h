// Arrow -> Spark type mapping for the LakeflowConnect contract (get_table_schema) and
// `lanceflow schema --spark`. The result is Spark's StructType JSON
// ({"type":"struct","fields":[{"name","type","nullable","metadata"}]}).
//
// Mapping: bool -> boolean; int8..int64 and uint8..uint32 -> long (Long over Integer, as the
// framework recommends); uint64 -> long (values >= 2^63 are refused when read) or, with
// `uint64_as_decimal`, decimal(20,0); float16/float32 -> float; double -> double; strings ->
// string; binaries -> binary; date32/date64 -> date; timestamps of every unit and zone ->
// timestamp (Spark keeps microseconds); decimal128 -> decimal(p,s); decimal256 -> string;
// lists and fixed-size lists -> array; struct -> struct; dictionary -> its value type;
// time, duration and null -> string.
#pragma once

#include <string>

#include "lanceflow/arrow/type.h"

namespace lanceflow::connect {

struct SparkMappingOptions {
  bool uint64_as_decimal = false;
};

// The Spark JSON type of one Arrow type (a string such as "long" or an object as JSON text).
std::string SparkTypeJson(const arrow::DataType& type, const SparkMappingOptions& options = {});
// The StructType JSON of a whole schema.
std::string SparkSchemaJson(const arrow::Schema& schema, const SparkMappingOptions& options = {});

}  // namespace lanceflow::connect
