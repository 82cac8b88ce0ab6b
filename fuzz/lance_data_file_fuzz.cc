// libFuzzer target: a Lance data file (2.x or legacy) from untrusted bytes, decoded column by
// column the way a scan does it, by the file's own schema (lance/self_described_file.h). Any
// input must give a Status or arrays that validate, never a crash.
#include <algorithm>
#include <cstdint>
#include <utility>

#include "lanceflow/arrow/array.h"
#include "lanceflow/lance/self_described_file.h"

using namespace lanceflow;         // NOLINT
using namespace lanceflow::lance;  // NOLINT

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto bytes = Buffer::CopyOf(data, static_cast<int64_t>(size));
  ReadRangeFunction read = [bytes](int64_t offset, int64_t length) -> Result<BufferPtr> {
    if (offset < 0 || length < 0 || offset > bytes->size() || length > bytes->size() - offset) {
      return Status::IOError("fuzz: read past the end");
    }
    return bytes->Slice(offset, length);
  };
  auto file = SelfDescribedFile::Open(static_cast<int64_t>(size), read, "fuzz.lance");
  if (!file.ok()) return 0;
  const uint64_t n = std::min<uint64_t>((*file)->num_rows(), 1 << 16);
  for (int i = 0; i < (*file)->schema()->num_fields(); ++i) {
    auto reader = (*file)->OpenField(i);
    if (!reader.ok()) continue;
    // Two ranges: a head and a middle slice, as a scan would read them.
    for (const auto& range : {std::pair<uint64_t, uint64_t>{0, n / 2}, {n / 3, n}}) {
      auto arr = (*reader)->Read(range.first, range.second);
      if (arr.ok() && !arrow::ValidateArray(**arr).ok()) {
        __builtin_trap();  // a decoder returned an invalid array
      }
    }
  }
  return 0;
}
