#include "lanceflow/source/source.h"

namespace lanceflow::source {

Result<Scan> Source::OpenChangeScan(const std::string& table, uint64_t /*from_version*/,
                                    uint64_t /*to_version*/, RowChange /*side*/,
                                    const ScanOptions& /*options*/) {
  return Status::NotImplemented("table '" + table +
                                "': this source exposes no physical row places (row addresses "
                                "and deletion files), so changed rows cannot be listed");
}

}  // namespace lanceflow::source
