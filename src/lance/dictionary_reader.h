// Arrow dictionary-typed columns of Lance 2.1/2.2 files. Those formats store the values
// themselves (the page encoding may dictionary-encode them on its own), so the column is decoded
// as its value type and dictionary-encoded again here: each distinct value once, in order of
// first appearance within the rows read. Private to the lance module.
#pragma once

#include <memory>

#include "lanceflow/arrow/array.h"
#include "lanceflow/core/result.h"
#include "lanceflow/lance/field_reader.h"

namespace lanceflow::lance {

// `values` re-encoded as an array of `dictionary_type` (a dictionary type whose value type is
// values' type). OutOfRange when the distinct values do not fit the index type.
Result<arrow::ArrayDataPtr> DictionaryEncode(const arrow::ArrayData& values,
                                             const arrow::DataTypePtr& dictionary_type);

// A reader producing `dictionary_type` arrays from `inner`, which reads the value type.
std::unique_ptr<FieldReader> WrapAsDictionary(std::unique_ptr<FieldReader> inner,
                                              arrow::DataTypePtr dictionary_type);

}  // namespace lanceflow::lance
