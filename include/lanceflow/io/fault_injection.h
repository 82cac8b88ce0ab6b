// An HttpClient that wraps another one and injects failures, for testing code built on HttpClient
// (the cloud client) without a misbehaving server: calls that fail, bodies that break off midway,
// and short reads. Thread safe.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "lanceflow/io/http.h"

namespace lanceflow::io {

class FaultInjectingHttpClient : public HttpClient {
 public:
  struct Fault {
    // When not OK the call returns this error without reaching the wrapped client.
    Status fail;
    // Open() only: the body breaks off after this many bytes with an IOError, and the stream
    // reports transport_failed(), as a real connection reset would.
    int64_t cut_body_after = -1;
    // Open() only: every Read() returns at most this many bytes (0 = no limit).
    int64_t max_read_bytes = 0;
  };

  explicit FaultInjectingHttpClient(std::shared_ptr<HttpClient> inner);

  // The next call (Send or Open) takes the oldest queued fault; with none queued the default
  // fault (initially none) applies.
  void Enqueue(Fault fault);
  void SetDefault(Fault fault);

  // Every request received, in order, including failed ones.
  std::vector<HttpRequest> requests() const;

  Result<HttpResponse> Send(const HttpRequest& request) override;
  Result<std::unique_ptr<HttpBodyStream>> Open(const HttpRequest& request) override;

 private:
  Fault Next(const HttpRequest& request);

  std::shared_ptr<HttpClient> inner_;
  mutable std::mutex mu_;
  std::deque<Fault> queue_;
  Fault default_;
  std::vector<HttpRequest> requests_;
};

}  // namespace lanceflow::io
