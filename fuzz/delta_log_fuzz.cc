// libFuzzer target: Delta commit files and stats strings. Any input either fails with a Status or
// parses into actions that serialise and parse back to the same actions; every stats string of
// an add parses or fails cleanly, and key pruning over the parsed files never crashes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lanceflow/delta/actions.h"
#include "lanceflow/delta/file_stats.h"

namespace delta = lanceflow::delta;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)delta::ParseFileStats(text);
  (void)delta::ParseStatsTimestampMicros(text);
  auto actions = delta::ParseCommit(text, "fuzz");
  if (!actions.ok()) return 0;
  std::vector<delta::AddFile> files;
  for (const auto& a : *actions) {
    if (const auto* add = std::get_if<delta::AddFile>(&a)) {
      files.push_back(*add);
      if (add->stats) (void)delta::ParseFileStats(*add->stats);
    }
  }
  std::vector<delta::KeyColumn> cols = {{{"id"}, delta::KeyKind::kNumber},
                                        {{"t"}, delta::KeyKind::kTimestamp}};
  (void)delta::FilesThatMayHoldKeys(
      files, cols,
      {{delta::StatValue(int64_t{5}), delta::StatValue(int64_t{0})}, {std::nullopt, std::nullopt}});
  // Round trip: values the serialiser refuses (e.g. a non-UUID metadata id) end the check.
  auto again_text = delta::SerializeCommit(*actions);
  if (!again_text.ok()) return 0;
  auto again = delta::ParseCommit(*again_text, "fuzz-again");
  if (!again.ok() || *again != *actions) std::abort();
  return 0;
}
