// Test-only: a scriptable HTTP/1.1 server on 127.0.0.1 (ephemeral port) for exercising the HTTP
// client against real sockets: statuses, delays, truncated bodies, chunked and gzip bodies,
// trickled bodies, connections closed without an answer. The implementation lives in
// loopback_http_server_test.cc so it is compiled into the test binary only.
//
// Every wait inside the server is bounded and checks for Stop(), so a test cannot hang on it.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "lanceflow/io/http.h"

namespace lanceflow::io::testing {

struct RecordedRequest {
  std::string method;
  std::string target;  // path and query as sent
  HttpHeaders headers;
  std::string body;
  int connection = 0;  // 0-based index of the connection it arrived on
};

struct ScriptedResponse {
  enum class Framing {
    kContentLength,  // Content-Length of the encoded body
    kChunked,        // Transfer-Encoding: chunked
    kClose,          // no length: the body ends when the connection closes
  };

  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When >= 0 the body is `generated_size` bytes produced by GeneratedByte(offset) instead of
  // `body`, made on the fly (large bodies without holding them in memory).
  int64_t generated_size = -1;
  Framing framing = Framing::kContentLength;
  // Gzip the body and send Content-Encoding: gzip. A generated gzip body needs kChunked or kClose
  // framing (its encoded length is not known in advance).
  bool gzip = false;
  int64_t delay_ms = 0;       // before the status line
  int64_t body_delay_ms = 0;  // between the headers and the body
  // Send only this many encoded body bytes, then close the connection (the headers still
  // announce the full length).
  int64_t cut_after = -1;
  // > 0: send the body in pieces of this many bytes, waiting trickle_delay_ms before each.
  int64_t trickle_bytes = 0;
  int64_t trickle_delay_ms = 0;
  bool close_without_answer = false;  // read the request, then close the connection
  bool close_after = false;           // "Connection: close" and close after this answer
};

// Byte `offset` of every generated body: a repeating, position-dependent pattern that is also
// compressible (so gzip tests stay fast) and catches reordered or dropped bytes.
inline uint8_t GeneratedByte(int64_t offset) {
  uint64_t block = static_cast<uint64_t>(offset) / 4096;
  return static_cast<uint8_t>('a' + (offset % 26 + block * 7) % 26);
}

class LoopbackHttpServer {
 public:
  // Returns the answer for a request; `index` counts requests from 0 across connections.
  using Handler = std::function<ScriptedResponse(const RecordedRequest& request, int index)>;

  LoopbackHttpServer();  // listening on 127.0.0.1:<ephemeral>; aborts the test binary on failure
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  // Queued answers are used first, in order; then the handler; then 200 "ok".
  void Enqueue(ScriptedResponse response);
  void SetHandler(Handler handler);

  int port() const { return port_; }
  // "http://127.0.0.1:<port>" + path
  std::string Url(std::string_view path) const;

  std::vector<RecordedRequest> requests() const;
  int request_count() const;
  int connection_count() const { return connections_.load(); }

  // Stops accepting, ends every connection and joins all threads. Idempotent.
  void Stop();

  // A 127.0.0.1 port with nothing listening on it (connections are refused).
  static int UnusedPort();

 private:
  void AcceptLoop();
  void ServeConnection(int fd, int connection);
  bool Answer(int fd, const ScriptedResponse& response);  // false: close the connection
  ScriptedResponse NextResponse(const RecordedRequest& request, int index);
  bool WriteAll(int fd, std::string_view bytes);
  bool SleepUnlessStopped(int64_t ms);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread accept_thread_;

  mutable std::mutex mu_;
  std::vector<std::thread> connection_threads_;
  std::deque<ScriptedResponse> queue_;
  Handler handler_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace lanceflow::io::testing
