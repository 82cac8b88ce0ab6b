// Names that reach a server or a file path: table names and column paths. Every name taken from a
// user (CLI flags, pipeline specs, connector options) passes through here before it is used.
//
// Positions in error messages are 1-based byte offsets into the text that was given.
// Thread safety: all functions are pure.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lanceflow/core/result.h"
#include "lanceflow/core/status.h"

namespace lanceflow::expr {

// Longest table name accepted, in bytes. LanceDB itself sets no limit, but a local table lives in
// the folder `<name>.lance`, so names longer than 249 bytes cannot exist on common file systems
// (255-byte file names); 256 leaves room for Cloud while refusing absurd inputs early.
inline constexpr int64_t kMaxTableNameLength = 256;
// Longest single field name (one part of a column path) accepted, in bytes.
inline constexpr int64_t kMaxFieldNameLength = 256;
// Most parts a column path may have (nesting of struct fields).
inline constexpr int64_t kMaxColumnPathParts = 32;

// A reference to a column: the field names from the top-level column down to a nested struct
// field, e.g. {"meta", "source"} for `meta.source`. Names are stored unquoted, exactly as they
// appear in the schema; matching against a schema is case-sensitive.
struct ColumnPath {
  std::vector<std::string> parts;

  // SQL form: parts joined by '.', each part bare when it is a lowercase-safe identifier
  // ([a-z_][a-z0-9_]*, not an SQL keyword), otherwise backquoted (see QuoteIdentifier).
  std::string ToString() const;
  // Parts joined by '.' without quoting, for messages and schema lookups of flat names.
  std::string ToDottedString() const;

  friend bool operator==(const ColumnPath&, const ColumnPath&) = default;
  friend auto operator<=>(const ColumnPath&, const ColumnPath&) = default;
};

// Checks a LanceDB table name. Accepted: 1..kMaxTableNameLength bytes of ASCII letters, digits,
// '_', '-' and '.', except the names "." and ".." (the same character set LanceDB enforces when it
// creates tables). Everything else (spaces, '/', '?', '#', '%', '$', non-ASCII, control bytes) is
// refused with Status::Invalid naming the first offending byte and its position, so a valid name
// is safe in a URL path segment and as a file name without further escaping.
Status ValidateTableName(std::string_view name);

// Checks one field name as stored in a ColumnPath: 1..kMaxFieldNameLength bytes of valid UTF-8
// without control characters (U+0000..U+001F, U+007F) and without '`' (LanceDB cannot resolve
// names containing a backquote, even when escaped). Status::Invalid otherwise.
Status ValidateFieldName(std::string_view name);

// Parses a column path as written by a user: parts separated by '.', each part either a bare
// identifier [A-Za-z_][A-Za-z0-9_]* or a quoted one: `...` with `` for a backquote, or "..." with
// "" for a double quote (the parsed name must pass ValidateFieldName). Whitespace around parts and
// dots is allowed. Examples: "id", "meta.source", "`my col`.x", "\"Weird.Name\"".
// Errors: Status::Invalid, e.g. "column path: unexpected ' ' at position 3".
Result<ColumnPath> ParseColumnPath(std::string_view text);

// True when `name` can be written bare in SQL: [a-z_][a-z0-9_]* and not an SQL keyword.
bool IsPlainIdentifier(std::string_view name);

// The SQL spelling of one field name: bare when IsPlainIdentifier, otherwise wrapped in backquotes
// (LanceDB's dialect), with any backquote doubled. Names that fail ValidateFieldName should never
// reach this; they are still quoted so the output stays one identifier token.
std::string QuoteIdentifier(std::string_view name);

}  // namespace lanceflow::expr
