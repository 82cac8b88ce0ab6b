// libFuzzer target: Arrow IPC stream decoding (push decoder in chunks and the pull reader).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "ipc_fuzz_common.h"

namespace {

using namespace lanceflow;              // NOLINT
using namespace lanceflow::arrow;       // NOLINT
using namespace lanceflow::arrow::ipc;  // NOLINT

struct Collector : StreamListener {
  std::vector<RecordBatchPtr> batches;
  Status OnRecordBatch(RecordBatchPtr batch) override {
    batches.push_back(std::move(batch));
    return Status::OK();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ReadOptions options = fuzz::FuzzReadOptions();
  // The input wrapped without copying: libFuzzer allocates exactly `size` bytes, so any read
  // past the end is caught, and odd addresses exercise the copy of misaligned buffers.
  auto whole = std::make_shared<Buffer>(data, static_cast<int64_t>(size), nullptr);

  Collector all;
  StreamDecoder decoder(&all, options);
  Status st = decoder.Consume(whole);
  if (st.ok()) st = decoder.Finish();
  if (st.ok()) fuzz::CheckRoundTrip(decoder.schema(), all.batches, false);

  // Chunked: the chunk size comes from the last byte so the fuzzer can vary it.
  int64_t chunk = size > 0 ? 1 + data[size - 1] % 61 : 1;
  Collector parts;
  StreamDecoder chunked(&parts, options);
  Status cst;
  for (int64_t i = 0; i < static_cast<int64_t>(size) && cst.ok(); i += chunk) {
    cst = chunked.Consume(data + i, std::min<int64_t>(chunk, static_cast<int64_t>(size) - i));
  }
  if (cst.ok()) cst = chunked.Finish();
  if (cst.ok() != st.ok() || parts.batches.size() != all.batches.size()) {
    fuzz::Fail("chunked decoding disagrees with whole-buffer decoding: " + st.ToString() + " vs " +
               cst.ToString());
  }

  auto reader = StreamReader::Open(std::make_unique<BufferInputStream>(whole), options);
  if (reader.ok()) {
    while (true) {
      auto b = (*reader)->Next();
      if (!b.ok() || !*b) break;
    }
  }
  return 0;
}
