#include "output.h"

#include <cerrno>
#include <cstring>

#include "lanceflow/arrow/ipc.h"
#include "lanceflow/arrow/json_writer.h"

namespace lanceflow::cli {

Result<std::unique_ptr<OutputFile>> OutputFile::Open(const std::string& path) {
  if (path.empty() || path == "-") {
    return std::unique_ptr<OutputFile>(new OutputFile(stdout, "stdout", false));
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return Status::IOError("cannot open output file '" + path + "': " + std::strerror(errno));
  }
  return std::unique_ptr<OutputFile>(new OutputFile(f, path, true));
}

OutputFile::~OutputFile() {
  if (owned_ && f_ != nullptr) std::fclose(f_);
}

Status OutputFile::Write(const void* data, size_t n) {
  if (n == 0) return Status::OK();
  if (std::fwrite(data, 1, n, f_) != n) {
    if (errno == EPIPE) return Status::Cancelled("output closed");
    return Status::IOError("cannot write to " + path_ + ": " + std::strerror(errno));
  }
  return Status::OK();
}

Status OutputFile::Close() {
  int rc = owned_ ? std::fclose(f_) : std::fflush(f_);
  if (owned_) f_ = nullptr;
  if (rc != 0) {
    if (errno == EPIPE) return Status::Cancelled("output closed");
    return Status::IOError("cannot write to " + path_ + ": " + std::strerror(errno));
  }
  return Status::OK();
}

namespace {

class JsonlSink : public BatchSink {
 public:
  explicit JsonlSink(OutputFile* out)
      : writer_([out](std::string_view s) { return out->Write(s.data(), s.size()); }) {}
  Status Begin(const arrow::Schema&) override { return Status::OK(); }
  Status Write(const arrow::RecordBatch& batch) override { return writer_.Write(batch); }
  Status Finish() override { return writer_.Flush(); }

 private:
  arrow::JsonLinesWriter writer_;
};

class FileOutputStream : public arrow::ipc::OutputStream {
 public:
  explicit FileOutputStream(OutputFile* out) : out_(out) {}
  Status Write(const uint8_t* data, int64_t size) override {
    return out_->Write(data, static_cast<size_t>(size));
  }

 private:
  OutputFile* out_;
};

class ArrowSink : public BatchSink {
 public:
  explicit ArrowSink(OutputFile* out) : stream_(out) {}
  Status Begin(const arrow::Schema& schema) override {
    LF_ASSIGN_OR_RETURN(writer_, arrow::ipc::MakeStreamWriter(
                                     &stream_, std::make_shared<const arrow::Schema>(schema)));
    return Status::OK();
  }
  Status Write(const arrow::RecordBatch& batch) override { return writer_->WriteBatch(batch); }
  Status Finish() override { return writer_->Close(); }

 private:
  FileOutputStream stream_;
  std::unique_ptr<arrow::ipc::RecordBatchWriter> writer_;
};

}  // namespace

Result<std::unique_ptr<BatchSink>> MakeBatchSink(const std::string& format, OutputFile* out) {
  if (format == "jsonl") return std::unique_ptr<BatchSink>(new JsonlSink(out));
  if (format == "arrow") return std::unique_ptr<BatchSink>(new ArrowSink(out));
  return Status::Invalid("unknown output format '" + format + "': use jsonl or arrow");
}

}  // namespace lanceflow::cli
