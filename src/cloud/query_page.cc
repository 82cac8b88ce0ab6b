#include "query_page.h"

#include <algorithm>

#include "lanceflow/arrow/ipc.h"

namespace lanceflow::cloud {
namespace {

constexpr std::string_view kFileType = "application/vnd.apache.arrow.file";
constexpr std::string_view kStreamType = "application/vnd.apache.arrow.stream";
// A page is sized to about 16 MiB; anything far beyond that is refused rather than buffered.
constexpr int64_t kMaxFileAnswerBytes = int64_t{2} << 30;

// The media type without parameters, lower case.
std::string MediaType(std::string_view value) {
  std::string out(value.substr(0, value.find(';')));
  out.erase(0, out.find_first_not_of(" \t"));
  out.erase(out.find_last_not_of(" \t") + 1);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

class BodyInput : public arrow::ipc::InputStream {
 public:
  explicit BodyInput(io::HttpBodyStream* body) : body_(body) {}
  Result<int64_t> Read(uint8_t* out, int64_t n) override { return body_->Read(out, n); }

 private:
  io::HttpBodyStream* body_;
};

// Rebinds a decoded batch to the described schema after checking that names and types agree.
Result<arrow::RecordBatchPtr> Conform(const arrow::RecordBatchPtr& batch,
                                      const arrow::Schema& expected,
                                      const arrow::SchemaPtr& expected_ptr) {
  const arrow::Schema& got = *batch->schema();
  if (got.num_fields() != expected.num_fields()) {
    return Status::Corrupt("the answer has " + std::to_string(got.num_fields()) +
                           " columns, expected " + std::to_string(expected.num_fields()));
  }
  for (int i = 0; i < got.num_fields(); ++i) {
    const auto& g = *got.field(i);
    const auto& e = *expected.field(i);
    if (g.name != e.name) {
      return Status::Corrupt("the answer's column " + std::to_string(i) + " is '" + g.name +
                             "', expected '" + e.name + "'");
    }
    if (!g.type->Equals(*e.type)) {
      return Status::Corrupt("column '" + g.name + "' arrived as " + g.type->ToString() +
                             ", the table describes it as " + e.type->ToString());
    }
  }
  return std::make_shared<arrow::RecordBatch>(expected_ptr, batch->num_rows(), batch->columns());
}

}  // namespace

Status DecodeQueryPage(io::HttpBodyStream& body, const arrow::Schema& expected,
                       std::vector<arrow::RecordBatchPtr>* out) {
  auto ct = body.headers().Get("content-type");
  std::string media = ct ? MediaType(*ct) : std::string(kFileType);
  auto expected_ptr = std::make_shared<const arrow::Schema>(expected);
  std::unique_ptr<arrow::RecordBatchReader> reader;
  if (media == kStreamType) {
    auto r = arrow::ipc::StreamReader::Open(std::make_unique<BodyInput>(&body));
    if (!r.ok()) {
      return body.transport_failed() ? r.status() : r.status().WithContext("arrow stream answer");
    }
    reader = std::move(r).value();
  } else if (media == kFileType) {
    LF_ASSIGN_OR_RETURN(std::string bytes, io::ReadAll(body, kMaxFileAnswerBytes));
    if (bytes.empty()) return Status::Corrupt("the query answer is empty");
    auto r = arrow::ipc::FileReader::Open(Buffer::FromString(std::move(bytes)));
    if (!r.ok()) return r.status().WithContext("arrow file answer");
    reader = std::move(r).value();
  } else {
    return Status::Corrupt("the query answer has content type '" + std::string(*ct) +
                           "', expected " + std::string(kFileType) + " or " +
                           std::string(kStreamType));
  }
  while (true) {
    auto next = reader->Next();
    if (!next.ok()) return next.status().WithContext("arrow answer");
    if (!*next) break;
    LF_ASSIGN_OR_RETURN(auto batch, Conform(*next, expected, expected_ptr));
    out->push_back(std::move(batch));
  }
  return Status::OK();
}

}  // namespace lanceflow::cloud
