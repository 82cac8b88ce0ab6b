// libFuzzer target: Arrow IPC file decoding (footer, blocks, dictionaries, record batches).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "ipc_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lanceflow;              // NOLINT
  using namespace lanceflow::arrow;       // NOLINT
  using namespace lanceflow::arrow::ipc;  // NOLINT
  ReadOptions options = fuzz::FuzzReadOptions();
  auto whole = std::make_shared<Buffer>(data, static_cast<int64_t>(size), nullptr);
  auto reader = FileReader::Open(whole, options);
  if (!reader.ok()) return 0;
  std::vector<RecordBatchPtr> batches;
  bool ok = true;
  for (int i = 0; i < (*reader)->num_record_batches(); ++i) {
    auto b = (*reader)->ReadRecordBatch(i);
    if (!b.ok()) {
      ok = false;
      continue;  // later blocks may still decode
    }
    batches.push_back(*b);
  }
  if (ok) fuzz::CheckRoundTrip((*reader)->schema(), batches, true);
  return 0;
}
