// Values of cursor and key columns as the connect layer orders, checkpoints and filters them.
//
// An OrderValue is the raw, exactly comparable value of one non-null slot: int64 for signed
// integers, date32 (days), date64 (ms) and timestamps (units of the type; instants, the zone
// does not matter), uint64 for unsigned integers, the bytes of a string (compared bytewise, as
// LanceDB compares UTF-8), and the unscaled 128-bit integer of a decimal128 (one column has one
// scale). Values of one column always hold the same alternative, so std::variant's ordering is
// the column's order.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "lanceflow/arrow/array.h"
#include "lanceflow/core/result.h"
#include "lanceflow/expr/filter.h"

namespace lanceflow::connect {

using OrderValue = std::variant<int64_t, uint64_t, std::string, __int128>;

// OK when columns of `type` can be cursors / tie-break keys; Invalid naming the type otherwise.
Status CheckOrderableType(const arrow::DataType& type);

// The value of non-null slot `i` of `array` (of an orderable type).
OrderValue ReadOrderValue(const arrow::ArrayData& array, int64_t i);

// JSON form stored in offsets: integers for signed/unsigned integers and date64; strings for
// date32 ("YYYY-MM-DD"), timestamps ("YYYY-MM-DDTHH:MM:SS[.f]Z", 0/3/6/9 digits by unit, the UTC
// instant), decimals (exact, plain notation) and strings. Errors (Invalid/OutOfRange) for values
// with no exact form: invalid UTF-8, years outside 0001..9999.
Result<nlohmann::ordered_json> EncodeOrderValue(const arrow::DataType& type,
                                                const OrderValue& value);
// Inverse of EncodeOrderValue; Invalid naming `what` when the JSON does not denote a value of
// the type exactly.
Result<OrderValue> DecodeOrderValue(const arrow::DataType& type, const nlohmann::json& json,
                                    const std::string& what);

// A predicate that holds for every row where `column op value` holds (a superset is allowed: the
// caller re-checks rows exactly), for pushing bounds into a scan. nullptr when no useful bound
// can be written (decimal beyond int64, a timestamp outside the literal range, ...).
expr::ExprPtr BoundPredicate(const expr::ColumnPath& column, const arrow::DataType& type,
                             expr::CompareOp op, const OrderValue& value);

// Human-readable form for messages.
std::string OrderValueToString(const arrow::DataType& type, const OrderValue& value);

}  // namespace lanceflow::connect
