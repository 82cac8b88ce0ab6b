// libFuzzer target: Lance manifest files and data-file footers from untrusted bytes. Any input
// must give a Status or a decoded value, never a crash.
#include <cstdint>

#include "lanceflow/lance/data_file.h"
#include "lanceflow/lance/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)lanceflow::lance::DecodeManifestFile(data, static_cast<int64_t>(size), "fuzz.manifest");
  (void)lanceflow::lance::DecodeDataFileFooter(data, static_cast<int64_t>(size),
                                               static_cast<int64_t>(size), "fuzz.lance");
  return 0;
}
