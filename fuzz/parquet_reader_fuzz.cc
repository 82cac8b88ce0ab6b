// libFuzzer target: Parquet reading (footer, schema, page headers, levels, PLAIN and dictionary
// values, decompression, assembly into Arrow arrays). Every batch that decodes must validate.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "lanceflow/parquet/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lanceflow;  // NOLINT
  parquet::ReaderOptions options;
  options.max_footer_bytes = 1 << 20;
  options.max_page_bytes = 16 << 20;
  options.max_chunk_bytes = 16 << 20;
  auto whole = std::make_shared<Buffer>(data, static_cast<int64_t>(size), nullptr);
  auto reader = parquet::ParquetReader::Open(whole, options);
  if (!reader.ok()) return 0;
  for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
    auto batch = (*reader)->ReadRowGroup(g);
    if (batch.ok() && !(*batch)->Validate(true).ok()) std::abort();
  }
  return 0;
}
