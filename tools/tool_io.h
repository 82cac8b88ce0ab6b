// File handling shared by the developer tools: whole-file reads and writing a batch stream out as
// Arrow IPC.
#pragma once

#include <cstdio>
#include <string>

#include "lanceflow/arrow/ipc.h"
#include "lanceflow/core/buffer.h"
#include "lanceflow/core/result.h"

namespace lanceflow::tools {

inline Result<BufferPtr> ReadWholeFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::IOError("cannot open " + path);
  std::string bytes;
  char chunk[65536];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), f)) > 0) bytes.append(chunk, n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return Status::IOError("cannot read " + path);
  return Buffer::FromString(std::move(bytes));
}

// Every batch of `reader` into `out_path` as an Arrow IPC stream (or file, with `file_format`).
inline Status WriteIpc(arrow::RecordBatchReader& reader, const std::string& out_path,
                       bool file_format, const arrow::ipc::WriteOptions& options = {}) {
  class FileSink : public arrow::ipc::OutputStream {
   public:
    explicit FileSink(std::FILE* f) : f_(f) {}
    Status Write(const uint8_t* data, int64_t size) override {
      if (size > 0 &&
          std::fwrite(data, 1, static_cast<size_t>(size), f_) != static_cast<size_t>(size)) {
        return Status::IOError("write failed");
      }
      return Status::OK();
    }

   private:
    std::FILE* f_;
  };
  std::FILE* out = std::fopen(out_path.c_str(), "wb");
  if (out == nullptr) return Status::IOError("cannot create " + out_path);
  FileSink sink(out);
  auto writer = file_format ? arrow::ipc::MakeFileWriter(&sink, reader.schema(), options)
                            : arrow::ipc::MakeStreamWriter(&sink, reader.schema(), options);
  Status st = writer.status();
  while (st.ok()) {
    auto batch = reader.Next();
    if (!batch.ok()) {
      st = batch.status();
    } else if (!*batch) {
      break;
    } else {
      st = (*writer)->WriteBatch(**batch);
    }
  }
  if (st.ok()) st = (*writer)->Close();
  if (std::fclose(out) != 0 && st.ok()) st = Status::IOError("cannot write " + out_path);
  return st;
}

// Prints "TOOL: error: MESSAGE" on stderr and returns `code`.
inline int Fail(const char* tool, const Status& st, int code = 1) {
  std::fprintf(stderr, "%s: error: %s\n", tool, st.ToString().c_str());
  return code;
}

}  // namespace lanceflow::tools
