// lanceflow_ipc_tool: reads an Arrow IPC stream or file and writes it back out as IPC, with the
// chosen format and compression. Used by tests/test_ipc_interop.py to check that pyarrow reads
// what lanceflow writes, and that lanceflow reads what pyarrow writes.
//
//   lanceflow_ipc_tool IN OUT [--format stream|file] [--compression none|lz4|zstd]
//                      [--alignment 8|16|32|64] [--dictionary-deltas] [--read whole|incremental]
//
// --read incremental reads a stream through StreamReader (pull, 4 KiB reads) and a file through
// FileReader over pread(), instead of loading the input into memory first.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "lanceflow/arrow/ipc.h"
#include "tool_io.h"

namespace {

using lanceflow::Buffer;
using lanceflow::BufferPtr;
using lanceflow::Result;
using lanceflow::Status;
namespace ipc = lanceflow::arrow::ipc;

class FdInput : public ipc::InputStream {
 public:
  explicit FdInput(int fd) : fd_(fd) {}
  ~FdInput() override { ::close(fd_); }
  Result<int64_t> Read(uint8_t* out, int64_t n) override {
    ssize_t got = ::read(fd_, out, static_cast<size_t>(std::min<int64_t>(n, 4096)));
    if (got < 0) return Status::IOError("read failed");
    return static_cast<int64_t>(got);
  }

 private:
  int fd_;
};

Status Run(const std::string& in_path, const std::string& out_path, bool file_format,
           const ipc::WriteOptions& options, bool incremental) {
  std::unique_ptr<lanceflow::arrow::RecordBatchReader> reader;
  if (!incremental) {
    LF_ASSIGN_OR_RETURN(BufferPtr whole, lanceflow::tools::ReadWholeFile(in_path));
    LF_ASSIGN_OR_RETURN(ipc::Contents contents, ipc::ReadAll(whole));
    struct VectorReader : lanceflow::arrow::RecordBatchReader {
      ipc::Contents c;
      size_t next = 0;
      lanceflow::arrow::SchemaPtr schema() const override { return c.schema; }
      Result<lanceflow::arrow::RecordBatchPtr> Next() override {
        if (next >= c.batches.size()) return lanceflow::arrow::RecordBatchPtr();
        return c.batches[next++];
      }
    };
    auto vr = std::make_unique<VectorReader>();
    vr->c = std::move(contents);
    reader = std::move(vr);
  } else {
    int fd = ::open(in_path.c_str(), O_RDONLY);
    if (fd < 0) return Status::IOError("cannot open " + in_path);
    struct stat st;
    char magic[6] = {};
    if (::fstat(fd, &st) != 0 || ::pread(fd, magic, sizeof(magic), 0) < 0) {
      ::close(fd);
      return Status::IOError("cannot read " + in_path);
    }
    auto head =
        std::make_shared<Buffer>(reinterpret_cast<const uint8_t*>(magic), sizeof(magic), nullptr);
    if (ipc::IsFileFormat(*head)) {
      int64_t size = st.st_size;
      auto fd_owner = std::make_shared<FdInput>(fd);
      ipc::ReadAtFunction read_at = [fd, fd_owner](int64_t offset,
                                                   int64_t length) -> Result<BufferPtr> {
        std::string bytes(static_cast<size_t>(length), '\0');
        ssize_t got = ::pread(fd, bytes.data(), bytes.size(), offset);
        if (got != length) return Status::IOError("short pread");
        return Buffer::CopyOf(bytes);
      };
      LF_ASSIGN_OR_RETURN(auto fr, ipc::FileReader::Open(size, std::move(read_at)));
      reader = std::move(fr);
    } else {
      LF_ASSIGN_OR_RETURN(auto sr, ipc::StreamReader::Open(std::make_unique<FdInput>(fd)));
      reader = std::move(sr);
    }
  }

  return lanceflow::tools::WriteIpc(*reader, out_path, file_format, options);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Reads Arrow IPC and writes it back as Arrow IPC"};
  std::string in_path, out_path, format = "stream", compression = "none", read_mode = "whole";
  int64_t alignment = 64;
  bool deltas = false;
  app.add_option("IN", in_path, "input IPC stream or file")->required();
  app.add_option("OUT", out_path, "output path")->required();
  app.add_option("--format", format, "stream or file")->check(CLI::IsMember({"stream", "file"}));
  app.add_option("--compression", compression, "none, lz4 or zstd");
  app.add_option("--alignment", alignment, "buffer alignment");
  app.add_flag("--dictionary-deltas", deltas, "send growing dictionaries as deltas");
  app.add_option("--read", read_mode, "whole or incremental")
      ->check(CLI::IsMember({"whole", "incremental"}));
  CLI11_PARSE(app, argc, argv);

  auto codec = ipc::ParseCompression(compression);
  if (!codec.ok()) return lanceflow::tools::Fail("lanceflow_ipc_tool", codec.status(), 2);
  ipc::WriteOptions options;
  options.compression = *codec;
  options.alignment = alignment;
  options.emit_dictionary_deltas = deltas;
  Status st = Run(in_path, out_path, format == "file", options, read_mode == "incremental");
  return st.ok() ? 0 : lanceflow::tools::Fail("lanceflow_ipc_tool", st);
}
