// JSON Lines encoding of record batches: one JSON object per row, keys in schema order, exactly
// as the `read --format jsonl` table of the user contract (design/interfaces.md) specifies:
//
//   null slot                   null
//   bool                        true / false
//   int8..uint64, duration      integer, exact over the full 64-bit ranges
//   float16/32/64               shortest decimal that reads back as the same value of that width
//                               (float16: shortest that rounds to the same binary16), with ".0"
//                               added to integral values ("100.0", "-0.0") so parsers read a
//                               float; NaN and infinities as the strings "NaN", "Infinity",
//                               "-Infinity"
//   utf8, large_utf8            string (see escaping below)
//   binary, large_binary,       standard base64 with '=' padding, as a string
//   fixed_size_binary
//   date32, date64              "YYYY-MM-DD", proleptic Gregorian (date64: the day containing
//                               the instant)
//   timestamp                   "YYYY-MM-DDTHH:MM:SS" plus ".fff" / ".ffffff" / ".fffffffff" for
//                               ms / us / ns, plus "Z" when the type has a time zone (values are
//                               UTC instants, printed in UTC)
//   time32, time64              "HH:MM:SS" plus the fraction digits of the unit
//   decimal128/256              the exact decimal as a string in plain notation, with `scale`
//                               fraction digits: "-1.50", "0.0001", "12300" (negative scale)
//   struct                      object, fields in order
//   list, large_list,           array
//   fixed_size_list
//   dictionary                  the decoded value
//
// Years outside 0000..9999 (reachable with date32/date64/timestamp extremes) are written as in
// ISO 8601 expanded form, as java.time does: "-0001-12-31", "+10000-01-01"; time values outside
// a day keep counting hours ("-00:00:01", "25:00:00"). Nothing overflows for any input value.
//
// Strings: '"' and '\' are escaped, control characters as \b \f \n \r \t or \u00XX (the output of
// Python's json.dumps(ensure_ascii=False)); valid UTF-8 passes through unchanged. Invalid UTF-8
// never produces invalid JSON: each maximal ill-formed subsequence becomes the escape \ufffd
// (U+FFFD), as Python's bytes.decode("utf-8", "replace") substitutes it.
//
// The batch must have passed RecordBatch::Validate. Encoding allocates nothing per value: it
// appends to the caller's string with std::to_chars.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "lanceflow/arrow/array.h"
#include "lanceflow/core/result.h"

namespace lanceflow::arrow {

// Appends one line per row of `batch` ('\n'-terminated JSON objects) to *out.
Status AppendJsonLines(const RecordBatch& batch, std::string* out);

// Appends the JSON value of slot `index` of `array` (no newline).
Status AppendJsonValue(const ArrayData& array, int64_t index, std::string* out);

// Appends `s` as a JSON string literal, quotes included, escaped as described above.
void AppendJsonString(std::string_view s, std::string* out);

// Streams the rows of many batches to a sink, in chunks of about `flush_bytes` bytes (whole
// lines), through one reused buffer. Errors from the sink are returned as they are.
class JsonLinesWriter {
 public:
  using Sink = std::function<Status(std::string_view)>;
  explicit JsonLinesWriter(Sink sink, int64_t flush_bytes = int64_t{1} << 20)
      : sink_(std::move(sink)), flush_bytes_(flush_bytes) {}

  Status Write(const RecordBatch& batch);
  // Hands the buffered lines to the sink.
  Status Flush();

 private:
  Sink sink_;
  int64_t flush_bytes_;
  std::string buffer_;
};

}  // namespace lanceflow::arrow
