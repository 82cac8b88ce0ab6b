#include "lanceflow/io/fault_injection.h"

#include <algorithm>

namespace lanceflow::io {
namespace {

class FaultyStream : public HttpBodyStream {
 public:
  FaultyStream(std::unique_ptr<HttpBodyStream> inner, FaultInjectingHttpClient::Fault fault,
               std::string where)
      : inner_(std::move(inner)), fault_(std::move(fault)), where_(std::move(where)) {}

  int status() const override { return inner_->status(); }
  const HttpHeaders& headers() const override { return inner_->headers(); }
  const std::string& request_id() const override { return inner_->request_id(); }
  int64_t content_length() const override { return inner_->content_length(); }
  int64_t bytes_read() const override { return read_; }
  bool transport_failed() const override { return cut_ || inner_->transport_failed(); }
  int64_t peak_buffered_bytes() const override { return inner_->peak_buffered_bytes(); }

  Result<int64_t> Read(uint8_t* dst, int64_t n) override {
    if (cut_) return CutError();
    if (n <= 0) return inner_->Read(dst, n);
    if (fault_.max_read_bytes > 0) n = std::min(n, fault_.max_read_bytes);
    if (fault_.cut_body_after >= 0) {
      if (read_ >= fault_.cut_body_after) {
        cut_ = true;
        return CutError();
      }
      n = std::min(n, fault_.cut_body_after - read_);
    }
    LF_ASSIGN_OR_RETURN(int64_t got, inner_->Read(dst, n));
    read_ += got;
    return got;
  }

 private:
  Status CutError() const {
    std::string total =
        inner_->content_length() >= 0 ? " of " + std::to_string(inner_->content_length()) : "";
    return Status::IOError(where_ + " (request_id=" + inner_->request_id() +
                           "): response body ended after " + std::to_string(read_) + total +
                           " bytes: injected fault");
  }

  std::unique_ptr<HttpBodyStream> inner_;
  FaultInjectingHttpClient::Fault fault_;
  std::string where_;
  int64_t read_ = 0;
  bool cut_ = false;
};

}  // namespace

FaultInjectingHttpClient::FaultInjectingHttpClient(std::shared_ptr<HttpClient> inner)
    : inner_(std::move(inner)) {}

void FaultInjectingHttpClient::Enqueue(Fault fault) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(fault));
}

void FaultInjectingHttpClient::SetDefault(Fault fault) {
  std::lock_guard<std::mutex> lock(mu_);
  default_ = std::move(fault);
}

std::vector<HttpRequest> FaultInjectingHttpClient::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

FaultInjectingHttpClient::Fault FaultInjectingHttpClient::Next(const HttpRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(request);
  if (queue_.empty()) return default_;
  Fault f = std::move(queue_.front());
  queue_.pop_front();
  return f;
}

Result<HttpResponse> FaultInjectingHttpClient::Send(const HttpRequest& request) {
  Fault f = Next(request);
  if (!f.fail.ok()) return f.fail;
  return inner_->Send(request);
}

Result<std::unique_ptr<HttpBodyStream>> FaultInjectingHttpClient::Open(const HttpRequest& request) {
  Fault f = Next(request);
  if (!f.fail.ok()) return f.fail;
  LF_ASSIGN_OR_RETURN(std::unique_ptr<HttpBodyStream> stream, inner_->Open(request));
  if (f.cut_body_after < 0 && f.max_read_bytes <= 0) return stream;
  std::string where = request.method + " " + std::string(UrlPathForMessages(request.url));
  return std::unique_ptr<HttpBodyStream>(
      std::make_unique<FaultyStream>(std::move(stream), std::move(f), std::move(where)));
}

}  // namespace lanceflow::io
