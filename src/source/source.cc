#include "lanceflow/source/source.h"

namespace lanceflow::source {
// The interface has no out-of-line code yet; this file anchors the module's library.
}  // namespace lanceflow::source
