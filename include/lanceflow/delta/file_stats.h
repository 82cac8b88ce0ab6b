// Per-file statistics of an `add` action (PROTOCOL.md "Per-file Statistics") and the key-range
// pruning that copy-on-write merges use to pick the files they must rewrite.
//
// The stats string is {"numRecords":N,"minValues":{..},"maxValues":{..},"nullCount":{..}}, the
// three maps nested like the schema (struct fields nest; arrays and maps get only nullCount).
// Values are JSON numbers, booleans or strings (dates "YYYY-MM-DD", timestamps ISO-8601 with
// milliseconds, decimals as numbers).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lanceflow/core/result.h"
#include "lanceflow/delta/actions.h"

namespace lanceflow::delta {

// A scalar of the stats JSON. Integers that fit int64 stay exact; other numbers are doubles.
using StatValue = std::variant<bool, int64_t, double, std::string>;

// A column path from the top-level field down (one element for a top-level column).
using ColumnPath = std::vector<std::string>;

struct ColumnStats {
  ColumnPath path;
  std::optional<StatValue> min;  // absent: unknown
  std::optional<StatValue> max;
  std::optional<int64_t> null_count;

  bool operator==(const ColumnStats&) const = default;
};

struct FileStats {
  int64_t num_records = 0;
  std::vector<ColumnStats> columns;

  // The stats JSON. Non-finite doubles (not representable in JSON) are left out of min/max,
  // which readers treat as "unknown", never as a wrong bound. Fails (kInvalidArgument) on a
  // negative count, an empty path or two entries for the same path.
  Result<std::string> ToJson() const;
  // The entry for `path`, or null.
  const ColumnStats* Find(const ColumnPath& path) const;
};

// Parses a stats string as written by lanceflow, Spark or delta-rs. Nested maps are flattened to
// column paths; columns appear in the order of first appearance. Fails (kCorrupt) on malformed
// JSON or a non-object where an object is required.
Result<FileStats> ParseFileStats(std::string_view json);

// How the key values of a column compare with its statistics.
enum class KeyKind {
  kNumber,     // integers and floating point, compared numerically
  kString,     // strings and dates ("YYYY-MM-DD"), compared as unsigned bytes
  kTimestamp,  // key given as int64 microseconds since the epoch; stats are ISO-8601 strings
               // truncated to milliseconds, so the max is widened by 999 microseconds
  kBoolean,
};

struct KeyColumn {
  ColumnPath path;
  KeyKind kind = KeyKind::kNumber;
};

// One key: a value per key column, std::nullopt for a null component.
using KeyTuple = std::vector<std::optional<StatValue>>;

// Indices (into `files`, ascending) of the files whose statistics can hold at least one of
// `keys`: every component lies within [min, max] of its column (a null component needs a
// nullCount > 0). A file without stats, without bounds for a key column, or whose bounds cannot
// be compared with the key (different kinds, unparseable timestamps) is always a candidate, so
// the result is never missing a file that holds a key. Fails (kCorrupt) when a stats string is
// malformed and (kInvalidArgument) when a key tuple's arity differs from `key_columns`.
Result<std::vector<size_t>> FilesThatMayHoldKeys(const std::vector<AddFile>& files,
                                                 const std::vector<KeyColumn>& key_columns,
                                                 const std::vector<KeyTuple>& keys);

// Parses an ISO-8601 timestamp as found in stats ("2024-01-01T00:00:00.000Z", optional fraction
// of 1..9 digits, "Z" or "+HH:MM"/"-HH:MM", or no zone meaning UTC) to microseconds since the
// epoch (sub-microsecond digits truncated toward negative infinity).
Result<int64_t> ParseStatsTimestampMicros(std::string_view text);

}  // namespace lanceflow::delta
