// libFuzzer target: the filter language. Any input either fails with a Status or parses into a
// tree whose SQL rendering parses again into the same rendering.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lanceflow/expr/filter.h"
#include "lanceflow/expr/identifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)lanceflow::expr::ValidateTableName(text);
  (void)lanceflow::expr::ParseColumnPath(text);
  auto parsed = lanceflow::expr::ParseFilter(text);
  if (!parsed.ok()) return 0;
  std::string sql = lanceflow::expr::ToSql(**parsed);
  auto again = lanceflow::expr::ParseFilter(sql);
  if (!again.ok() || lanceflow::expr::ToSql(**again) != sql) std::abort();
  return 0;
}
