// Native evaluation of filters (filter.h) over Arrow record batches, for tables lanceflow reads
// itself. The result for every row is what LanceDB 0.39 (DataFusion) returns for ToSql(filter);
// tests/golden/filter holds the engine's answers the evaluator is checked against.
//
// Semantics (SQL three-valued logic; a row is selected only when the filter is TRUE):
// - NULL operands make comparisons, IN, BETWEEN and LIKE NULL; NOT NULL is NULL; FALSE AND NULL
//   is FALSE, TRUE OR NULL is TRUE; x IN (..., NULL) is TRUE on a match and NULL otherwise;
//   x NOT IN (..., NULL) is never TRUE. IS [NOT] NULL/TRUE/FALSE are never NULL.
// - A literal is converted to the type of the column it meets, as LanceDB does: a value that
//   does not fit (300 for int8, -1 for uint64, 1.5 for any integer or decimal column, any literal
//   for float16 and binary columns, a string for a non-string column) is a bind error. Integers
//   of different widths and signedness compare exactly; an integer column against a float column
//   compares as float64.
// - Decimal128/256 columns take integer literals only, and only those that fit int64 (LanceDB
//   types larger ones as UInt64 or Float64 and refuses them, as it refuses every float literal:
//   `dec = 0.01` is a bind error). The literal is scaled exactly by 10^scale, or for a negative
//   scale divided by 10^-scale truncating toward zero (150 meets decimal(5,-2) as 1, i.e. 100);
//   a result with more than `precision` digits is a bind error.
// - Time zones of timestamp columns are read as Arrow reads them: fixed offsets "+HH:MM",
//   "+HHMM", "+HH" (Lance stores "+02:00" as "+0200"), else IANA names (case-sensitive; "Z" and
//   "utc" are not zones, so a timestamp literal against such a column is a bind error).
// - Floats: against a literal, -0.0 equals 0.0, NaN is above every number and -NaN below; between
//   two columns, IEEE total order (-NaN < -Inf < ... < -0.0 < 0.0 < ... < Inf < NaN, NaN = NaN).
// - Strings compare bytewise (UTF-8 code point order). LIKE: '%' any run, '_' one character,
//   '\' makes the next character literal; ILIKE folds case (ASCII, Latin-1, Latin Extended-A,
//   Greek and Cyrillic letters).
// - TIMESTAMP literals: the instant after applying the literal's own offset; against a column with
//   a named time zone that instant's UTC wall clock is read as local time in the zone (tz data
//   from /usr/share/zoneinfo or $TZDIR). Converted to the column's unit by truncation toward zero.
//   DATE literals against timestamp columns are UTC midnight. Timestamps of any units and zones
//   compare as instants; a date column against a timestamp compares as a nanosecond timestamp
//   (dates outside 1677..2262 are an evaluation error, as in LanceDB).
// - CAST follows DataFusion: overflow and NaN are evaluation errors, except that an integer cast
//   compared with an integer literal that fits the uncast column compares the uncast column
//   (DataFusion's unwrap-cast rewrite). Casts outside the supported matrix are bind errors.
//
// Thread safety: a BoundFilter is immutable; Evaluate may be called from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/arrow/type.h"
#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"
#include "lanceflow/expr/filter.h"

namespace lanceflow::expr {

// The rows of one batch a filter selected, as a bitmap (Arrow bit order, bit i = row i).
class Selection {
 public:
  Selection() = default;
  // `bitmap` holds at least `length` bits; `count` is the number of set bits.
  Selection(int64_t length, BufferPtr bitmap, int64_t count)
      : length_(length), count_(count), bitmap_(std::move(bitmap)) {}

  int64_t length() const { return length_; }  // rows of the batch evaluated
  int64_t count() const { return count_; }    // rows selected
  bool all() const { return count_ == length_; }
  bool none() const { return count_ == 0; }
  const uint8_t* bitmap() const { return bitmap_ ? bitmap_->data() : nullptr; }
  const BufferPtr& bitmap_buffer() const { return bitmap_; }
  bool IsSelected(int64_t i) const;
  // Selected row positions, ascending.
  std::vector<int64_t> Indices() const;

 private:
  int64_t length_ = 0;
  int64_t count_ = 0;
  BufferPtr bitmap_;
};

// A filter checked against a schema, ready to evaluate batches of that schema.
class BoundFilter {
 public:
  virtual ~BoundFilter() = default;

  // Evaluates the filter over `batch`, whose columns must have the types of the schema bound
  // (checked for the columns the filter reads: Status::Invalid otherwise). Errors are those
  // LanceDB raises while evaluating (a CAST that overflows, a date outside the nanosecond range
  // compared with a timestamp), as Status::Invalid naming the column and the value.
  virtual Result<Selection> Evaluate(const arrow::RecordBatch& batch) const = 0;

  // Top-level columns the filter reads (indices into the bound schema), ascending.
  virtual const std::vector<int>& referenced_columns() const = 0;
};

// Type-checks `parsed` against `schema` and prepares it for evaluation. Columns are matched by
// exact name, nested struct fields by path (`meta.source`); hidden columns (_rowid, _rowaddr,
// ...) resolve when the schema has them. Errors (Status::Invalid, one line, "filter: ..."): an
// unknown column, a path through a non-struct, a literal that does not fit the column's type, a
// comparison of incompatible types (naming both), a non-boolean used as a condition, LIKE on a
// non-string, an unsupported CAST; Status::NotImplemented for a time zone without tz data.
Result<std::unique_ptr<BoundFilter>> BindFilter(const Expr& parsed, const arrow::Schema& schema);

// The rows of `batch` that `selection` selects (every column gathered with arrow::Filter), or
// `batch` itself when every row is selected.
Result<arrow::RecordBatchPtr> ApplySelection(const arrow::RecordBatchPtr& batch,
                                             const Selection& selection);

}  // namespace lanceflow::expr
