// One page of one leaf column of a Lance 2.1/2.2 file, decoded whole (PageLayout oneof of
// protos/encodings_v2_1.proto; rust/lance-encoding/src/encodings/logical/primitive.rs).
//
// The page's rep/def levels are rewritten into a canonical form that no longer depends on the
// page's own layer kinds (pages of one column may differ: one page NULLABLE_ITEM, the next
// ALL_VALID_ITEM). The leaf's path from the top-level field is numbered 0 (top) .. depth-1
// (the leaf itself); every path node is one rep/def layer (structs and leaves: item layers,
// lists: list layers). Per level entry:
//   rep   the page's repetition level (max_rep = new top-level row), empty when no lists
//   def   0 = defined down to a valid leaf value; otherwise 1 + 2*p + e: the entry stops at
//         path node p, which is null (e = 0) or an empty list (e = 1). Empty when all valid.
// An entry "reaches the leaf" (owns one value in `values`) when it is valid or when its null
// is below every list of the path (a null struct above a list hides the items).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lanceflow/core/result.h"
#include "lanceflow/lance/data_file.h"
#include "v21_encoding.h"

namespace lanceflow::lance::v21 {

// What the page decoder must know about the leaf's path (from the Arrow type).
struct LeafPath {
  int depth = 0;              // path nodes, top-level field .. leaf
  std::vector<bool> is_list;  // per path index
  int max_rep = 0;            // lists on the path
  int last_list = -1;         // largest path index of a list, -1 if none
  ValueShape shape;           // values as the Arrow leaf type lays them out
};

struct DecodedPage {
  int64_t num_rows = 0;
  int64_t num_entries = 0;
  std::vector<uint16_t> rep;  // empty when the path has no list
  std::vector<uint16_t> def;  // canonical; empty = all entries valid
  ValueBlock values;          // one per entry that reaches the leaf
  // With lists: entry index where row r starts (num_rows + 1 entries) and values before it.
  std::vector<int64_t> row_entry;
  std::vector<int64_t> row_value;

  int64_t EntryOfRow(int64_t r) const { return rep.empty() ? r : row_entry[r]; }
  int64_t ValueOfRow(int64_t r) const { return rep.empty() ? r : row_value[r]; }
  int64_t MemoryBytes() const;
};

// Reads bytes of the data file: exactly [position, position + size).
using PageBufferReader = std::function<Result<BufferPtr>(uint64_t position, uint64_t size)>;

// Decodes a page whose encoding is a direct `/lance.encodings21.PageLayout`. Errors carry no
// location; the caller prefixes table, file, column and page.
Result<DecodedPage> DecodePage(const PageInfo& page, const LeafPath& path, bool v22,
                               const PageBufferReader& read);

// The levels (canonical, as in DecodedPage) and values of one leaf for a range of rows that may
// span pages.
struct RowSlice {
  std::vector<uint16_t> rep;
  std::vector<uint16_t> def;  // empty while every entry so far is valid (any_def false)
  bool any_def = false;
  int64_t entries = 0;
  ValueBlock values;  // Reset to the leaf's shape before the first page appends
};

// One page, read a row range at a time. Pages whose rows can be located without decoding the
// page read and decode only what the rows need:
//   mini-block pages      only the chunks covering the rows (with lists, those the repetition
//                         index places them in); the last chunk decoded stays decoded for the
//                         next, adjacent range
//   full-zip pages        fixed-width values without control words: the rows' bytes, handed on
//                         without a copy; otherwise the rows' bytes located through the
//                         repetition index (or the constant item size without lists)
// Other pages (constant / all-null, list pages without a repetition index) are decoded whole on
// the first read and kept until the reader is dropped. Memory therefore follows the range
// size, plus one chunk and the page dictionary per mini-block page.
// Not thread-safe; `page` and `path` must outlive the reader.
class PageReader {
 public:
  virtual ~PageReader() = default;
  // Appends rows [begin, end) of the page (begin <= end <= page rows) to `out`. Errors carry
  // no location, as for DecodePage.
  virtual Status ReadRows(int64_t begin, int64_t end, RowSlice* out) = 0;
};

Result<std::unique_ptr<PageReader>> OpenPage(const PageInfo& page, const LeafPath& path, bool v22,
                                             PageBufferReader read);

}  // namespace lanceflow::lance::v21
