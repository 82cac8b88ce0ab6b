// Leaves of Lance 2.1/2.2 whose values are not one Arrow array: packed structs and fixed-size
// lists of fixed-size lists. Both are one column (one rep/def leaf) in the file.
//
// Packed struct (Arrow field metadata "lance-encoding:packed" = "true"; physical/packed.rs):
// the struct's own field id owns the column, its def levels carry the struct's nulls, and each
// value is one row of the members' fixed-width bytes in member order (CompressiveEncoding
// PackedStruct {bits_per_value[], values: Flat(sum)}). The decoder keeps those rows as
// fixed-width values of the summed width and splits them into member arrays at the end.
//
// Nested fixed-size list FSL<FSL<...<item>>> (physical/value.rs): the layers nest as
// FixedSizeList(dim, has_validity, FixedSizeList(...(Flat(item bits)))); a layer with validity
// stores the validity of its children (dim_0 * ... * dim_l bits per row). Mini-block chunks
// hold one buffer per layer with validity (the chunk's rows' bits) and the items; full-zip
// values are rows of [validity bytes of each layer that has it][items]. The decoder keeps
// every value in one canonical row form that depends only on the Arrow type:
//   for each layer l, outermost first: ceil(dim_0 * ... * dim_l / 8) bytes of validity
//   (all set when the page stores none), then dim_0 * ... * dim_last items
// so that pages with and without inner validity concatenate.
#pragma once

#include <cstdint>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/arrow/type.h"
#include "lanceflow/core/result.h"
#include "lanceflow/lance/manifest.h"
#include "v21_encoding.h"

namespace lanceflow::lance::v21 {

// True when the field's metadata marks it packed ("packed" or "lance-encoding:packed", value
// "true" in any case), as the writer decides.
bool IsPackedStructField(const LanceField& field);

// The value shape of a packed struct of the given Arrow type: fixed width, the sum of its
// members' widths. Members must be fixed-width, byte-aligned and not nested.
Result<ValueShape> PackedStructShape(const arrow::DataType& type);

// Splits `length` packed rows into the struct's members. `validity` (may be null) and
// `null_count` are the struct's own.
Result<arrow::ArrayDataPtr> BuildPackedStruct(const arrow::DataTypePtr& type, int64_t length,
                                              BufferPtr validity, int64_t null_count,
                                              const uint8_t* rows);

// A fixed-size list whose item is a fixed-size list.
bool IsNestedFsl(const arrow::DataType& type);
// A FixedSizeList encoding whose child is a FixedSizeList.
bool IsNestedFslEncoding(const Encoding& encoding);

// Canonical row shape (fixed width, whole bytes) of a nested fixed-size list type / encoding.
Result<ValueShape> NestedFslShape(const arrow::DataType& type);
Result<ValueShape> NestedFslShapeOfEncoding(const Encoding& encoding);

// Mini-block: decodes `num` rows from `buffers` starting at buffers[*next] (validity buffers
// of the layers that have validity, then the items), advancing *next; appends canonical rows.
Status DecodeNestedFslChunk(const Encoding& encoding, const std::vector<ByteSpan>& buffers,
                            size_t* next, int64_t num, ValueBlock* out);

// Full-zip: `num` stored rows of `bytes_per_value` bytes at `data`; appends canonical rows.
Status DecodeNestedFslFullZip(const Encoding& encoding, const uint8_t* data, int64_t num,
                              int64_t bytes_per_value, ValueBlock* out);

// Builds the nested arrays from `length` canonical rows; `validity` and `null_count` are the
// outer list's own.
Result<arrow::ArrayDataPtr> BuildNestedFsl(const arrow::DataTypePtr& type, int64_t length,
                                           BufferPtr validity, int64_t null_count,
                                           const uint8_t* rows);

}  // namespace lanceflow::lance::v21
