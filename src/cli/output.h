// Where `lanceflow read` writes rows: a file or stdout, as JSON lines or an Arrow IPC stream.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "lanceflow/arrow/array.h"

namespace lanceflow::cli {

// Buffered writes to a FILE*. A closed pipe (the reader went away, as with `| head`) is reported
// as Cancelled so the program can stop quietly.
class OutputFile {
 public:
  // "-" or "" = stdout.
  static Result<std::unique_ptr<OutputFile>> Open(const std::string& path);
  ~OutputFile();
  Status Write(const void* data, size_t n);
  Status Close();

 private:
  OutputFile(std::FILE* f, std::string path, bool owned) : f_(f), path_(std::move(path)), owned_(owned) {}
  std::FILE* f_;
  std::string path_;
  bool owned_;
};

class BatchSink {
 public:
  virtual ~BatchSink() = default;
  virtual Status Begin(const arrow::Schema& schema) = 0;
  virtual Status Write(const arrow::RecordBatch& batch) = 0;
  virtual Status Finish() = 0;
};

// format: "jsonl" or "arrow".
Result<std::unique_ptr<BatchSink>> MakeBatchSink(const std::string& format, OutputFile* out);

}  // namespace lanceflow::cli
