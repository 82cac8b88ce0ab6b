// Shared checks of the Arrow IPC fuzz targets: decoding must never crash; whatever decodes must
// survive a write + read round trip unchanged (a differential check of reader and writer).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "lanceflow/arrow/compare.h"
#include "lanceflow/arrow/ipc.h"

namespace lanceflow::arrow::ipc::fuzz {

// Limits small enough that hostile lengths cannot exhaust the fuzzer's memory.
inline ReadOptions FuzzReadOptions() {
  ReadOptions options;
  options.max_metadata_bytes = int64_t{1} << 20;
  options.max_body_bytes = int64_t{16} << 20;
  options.max_decompressed_bytes = int64_t{64} << 20;
  return options;
}

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "ipc fuzz invariant broken: %s\n", what.c_str());
  std::abort();
}

// Re-encodes decoded contents and checks they read back equal.
inline void CheckRoundTrip(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches,
                           bool file) {
  if (!schema) Fail("decoded without a schema");
  for (const auto& b : batches) {
    Status valid = b->Validate(true);
    if (!valid.ok()) Fail("decoded batch fails validation: " + valid.ToString());
  }
  WriteOptions options;
  options.compression = batches.size() % 2 ? Compression::kLz4Frame : Compression::kNone;
  options.emit_dictionary_deltas = true;
  auto written = file ? WriteFile(schema, batches, options) : WriteStream(schema, batches, options);
  if (!written.ok()) {
    // The file format cannot replace a dictionary; a decoded stream may have done so.
    if (written.status().message().find("cannot replace dictionaries") != std::string::npos) return;
    Fail("cannot re-encode decoded data: " + written.status().ToString());
  }
  auto back = ReadAll(*written);
  if (!back.ok()) Fail("cannot read back re-encoded data: " + back.status().ToString());
  if (!back->schema->Equals(*schema, /*check_metadata=*/true)) Fail("schema changed");
  if (back->batches.size() != batches.size()) Fail("batch count changed");
  for (size_t i = 0; i < batches.size(); ++i) {
    std::string diff;
    if (!RecordBatchEquals(*batches[i], *back->batches[i], true, &diff)) {
      Fail("batch " + std::to_string(i) + " changed: " + diff);
    }
  }
}

}  // namespace lanceflow::arrow::ipc::fuzz
