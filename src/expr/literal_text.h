// Parsing and rendering of literal text, shared by the filter parser and the literal API.
// Internal to expr. Errors are Status::Invalid carrying only the reason (no "filter:" prefix, no
// position): callers add where the literal was.
#pragma once

#include <string>
#include <string_view>

#include "lanceflow/core/result.h"
#include "lanceflow/expr/filter.h"

namespace lanceflow::expr::internal {

// `digits`: one or more ASCII digits, any length. In range: [-2^63, 2^64-1].
Result<Literal> ParseIntegerText(std::string_view digits, bool negative);
// `text`: a kDecimal token (digits with '.' and/or exponent). Must be a finite double.
Result<Literal> ParseDecimalText(std::string_view text, bool negative);
// The inside of DATE '...' and TIMESTAMP '...'.
Result<Literal> ParseDateText(std::string_view text);
Result<Literal> ParseTimestampText(std::string_view text);

// 'it''s'
std::string QuoteString(std::string_view value);
// A kTimestamp literal as SQL. LanceDB reads TIMESTAMP '...' at microsecond precision, so a
// literal written with more than 6 fraction digits (or any literal when `force_nanos`) is sent
// as CAST('...' AS TIMESTAMP(9)), which keeps nanoseconds.
std::string TimestampSql(const Literal& literal, bool force_nanos);
// True when TimestampSql would use the CAST form without forcing.
bool NeedsNanosecondTimestamp(const Literal& literal);

}  // namespace lanceflow::expr::internal
