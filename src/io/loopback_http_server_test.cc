// The loopback test server (see loopback_http_server.h) and tests of the server itself.
#include "loopback_http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace lanceflow::io::testing {
namespace {

constexpr size_t kMaxRequestHead = 64 * 1024;
constexpr int64_t kPiece = 64 * 1024;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "loopback server: %s: %s\n", what, std::strerror(errno));
  std::abort();
}

// Every blocking socket call wakes up at least this often to check for Stop().
void SetSocketTimeouts(int fd) {
  timeval tv{0, 100 * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Produces the encoded body of a scripted answer piece by piece.
class BodySource {
 public:
  explicit BodySource(const ScriptedResponse& r) : r_(r) {
    generated_ = r.generated_size >= 0;
    raw_size_ = generated_ ? r.generated_size : static_cast<int64_t>(r.body.size());
    if (r.gzip) {
      std::memset(&zs_, 0, sizeof(zs_));
      if (deflateInit2(&zs_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
          Z_OK) {
        Die("deflateInit2");
      }
      zinit_ = true;
    }
  }
  ~BodySource() {
    if (zinit_) deflateEnd(&zs_);
  }

  // Length of the whole encoded body when it can be known up front, else -1.
  int64_t EncodedSizeIfKnown() {
    if (!r_.gzip) return raw_size_;
    if (generated_) return -1;
    // A literal body is small: encode it all now.
    while (!zdone_) Fill(INT64_MAX);
    return static_cast<int64_t>(out_.size());
  }

  // Up to `max` bytes of encoded body; empty at the end.
  std::string Next(int64_t max) {
    if (!r_.gzip) {
      int64_t n = std::min(max, raw_size_ - raw_pos_);
      std::string piece = Raw(raw_pos_, n);
      raw_pos_ += n;
      return piece;
    }
    while (static_cast<int64_t>(out_.size() - out_pos_) < max && !zdone_) Fill(max);
    int64_t n = std::min<int64_t>(max, static_cast<int64_t>(out_.size() - out_pos_));
    std::string piece = out_.substr(out_pos_, static_cast<size_t>(n));
    out_pos_ += static_cast<size_t>(n);
    if (out_pos_ > (1u << 20)) {
      out_.erase(0, out_pos_);
      out_pos_ = 0;
    }
    return piece;
  }

 private:
  std::string Raw(int64_t offset, int64_t n) {
    if (!generated_) return r_.body.substr(static_cast<size_t>(offset), static_cast<size_t>(n));
    std::string piece(static_cast<size_t>(n), '\0');
    for (int64_t i = 0; i < n; ++i)
      piece[static_cast<size_t>(i)] = static_cast<char>(GeneratedByte(offset + i));
    return piece;
  }

  // Compresses the next raw piece into out_.
  void Fill(int64_t) {
    int64_t n = std::min(kPiece, raw_size_ - raw_pos_);
    std::string in = Raw(raw_pos_, n);
    raw_pos_ += n;
    bool last = raw_pos_ == raw_size_;
    zs_.next_in = reinterpret_cast<Bytef*>(in.data());
    zs_.avail_in = static_cast<uInt>(in.size());
    char buf[16384];
    int rc;
    do {
      zs_.next_out = reinterpret_cast<Bytef*>(buf);
      zs_.avail_out = sizeof(buf);
      rc = deflate(&zs_, last ? Z_FINISH : Z_NO_FLUSH);
      out_.append(buf, sizeof(buf) - zs_.avail_out);
    } while (zs_.avail_out == 0 || (last && rc != Z_STREAM_END));
    if (last) zdone_ = true;
  }

  const ScriptedResponse& r_;
  bool generated_ = false;
  int64_t raw_size_ = 0;
  int64_t raw_pos_ = 0;
  z_stream zs_{};
  bool zinit_ = false;
  bool zdone_ = false;
  std::string out_;
  size_t out_pos_ = 0;
};

}  // namespace

LoopbackHttpServer::LoopbackHttpServer() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) Die("socket");
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) Die("bind");
  if (listen(listen_fd_, 64) != 0) Die("listen");
  socklen_t len = sizeof(addr);
  if (getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) Die("getsockname");
  port_ = ntohs(addr.sin_port);
  SetSocketTimeouts(listen_fd_);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

LoopbackHttpServer::~LoopbackHttpServer() { Stop(); }

void LoopbackHttpServer::Stop() {
  if (stop_.exchange(true)) return;
  if (accept_thread_.joinable()) accept_thread_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(connection_threads_);
  }
  for (auto& t : threads) t.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
}

int LoopbackHttpServer::UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) Die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) Die("bind");
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) Die("getsockname");
  close(fd);  // bound but never listening: nothing accepts on this port now
  return ntohs(addr.sin_port);
}

std::string LoopbackHttpServer::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void LoopbackHttpServer::Enqueue(ScriptedResponse response) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(response));
}

void LoopbackHttpServer::SetHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(handler);
}

std::vector<RecordedRequest> LoopbackHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

int LoopbackHttpServer::request_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(requests_.size());
}

void LoopbackHttpServer::AcceptLoop() {
  while (!stop_) {
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;  // timeout (checks stop_) or a transient error
    SetSocketTimeouts(fd);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    int connection = connections_++;
    std::lock_guard<std::mutex> lock(mu_);
    connection_threads_.emplace_back([this, fd, connection] { ServeConnection(fd, connection); });
  }
}

bool LoopbackHttpServer::SleepUnlessStopped(int64_t ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (stop_) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(ms, 10)));
  }
  return !stop_;
}

bool LoopbackHttpServer::WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    if (stop_) return false;
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

ScriptedResponse LoopbackHttpServer::NextResponse(const RecordedRequest& request, int index) {
  Handler handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!queue_.empty()) {
      ScriptedResponse r = std::move(queue_.front());
      queue_.pop_front();
      return r;
    }
    handler = handler_;
  }
  if (handler) return handler(request, index);
  ScriptedResponse r;
  r.body = "ok";
  return r;
}

void LoopbackHttpServer::ServeConnection(int fd, int connection) {
  std::string in;
  while (!stop_) {
    // Request head.
    size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      if (stop_ || in.size() > kMaxRequestHead) {
        close(fd);
        return;
      }
      char buf[8192];
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close(fd);
        return;
      }
      if (n > 0) in.append(buf, static_cast<size_t>(n));
    }
    RecordedRequest req;
    req.connection = connection;
    std::string_view head(in.data(), head_end);
    size_t line_end = head.find("\r\n");
    std::string_view request_line = head.substr(0, line_end);
    size_t sp1 = request_line.find(' ');
    size_t sp2 = request_line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 <= sp1) {
      close(fd);
      return;
    }
    req.method = std::string(request_line.substr(0, sp1));
    req.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
    int64_t content_length = 0;
    size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t eol = head.find("\r\n", pos);
      if (eol == std::string_view::npos) eol = head.size();
      std::string_view line = head.substr(pos, eol - pos);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string name(line.substr(0, colon));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (ToLower(name) == "content-length")
          content_length = std::atoll(std::string(value).c_str());
        req.headers.Add(std::move(name), std::string(value));
      }
      pos = eol + 2;
    }
    in.erase(0, head_end + 4);
    // Request body (the client under test always sends Content-Length).
    while (static_cast<int64_t>(in.size()) < content_length) {
      if (stop_) {
        close(fd);
        return;
      }
      char buf[65536];
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close(fd);
        return;
      }
      if (n > 0) in.append(buf, static_cast<size_t>(n));
    }
    req.body = in.substr(0, static_cast<size_t>(content_length));
    in.erase(0, static_cast<size_t>(content_length));

    int index;
    {
      std::lock_guard<std::mutex> lock(mu_);
      index = static_cast<int>(requests_.size());
      requests_.push_back(req);
    }
    ScriptedResponse response = NextResponse(req, index);
    if (!Answer(fd, response)) {
      close(fd);
      return;
    }
  }
  close(fd);
}

bool LoopbackHttpServer::Answer(int fd, const ScriptedResponse& r) {
  if (r.close_without_answer) return false;
  if (r.delay_ms > 0 && !SleepUnlessStopped(r.delay_ms)) return false;
  BodySource source(r);
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " + Reason(r.status) + "\r\n";
  for (const auto& [name, value] : r.headers) head += name + ": " + value + "\r\n";
  if (r.gzip) head += "Content-Encoding: gzip\r\n";
  switch (r.framing) {
    case ScriptedResponse::Framing::kContentLength: {
      int64_t size = source.EncodedSizeIfKnown();
      if (size < 0) {
        std::fprintf(stderr, "loopback server: a generated gzip body needs chunked framing\n");
        std::abort();
      }
      head += "Content-Length: " + std::to_string(size) + "\r\n";
      break;
    }
    case ScriptedResponse::Framing::kChunked:
      head += "Transfer-Encoding: chunked\r\n";
      break;
    case ScriptedResponse::Framing::kClose:
      break;
  }
  bool close_after = r.close_after || r.framing == ScriptedResponse::Framing::kClose;
  if (close_after) head += "Connection: close\r\n";
  head += "\r\n";
  if (!WriteAll(fd, head)) return false;
  if (r.body_delay_ms > 0 && !SleepUnlessStopped(r.body_delay_ms)) return false;

  const bool chunked = r.framing == ScriptedResponse::Framing::kChunked;
  const int64_t limit = r.cut_after >= 0 ? r.cut_after : INT64_MAX;
  const int64_t piece_size = r.trickle_bytes > 0 ? r.trickle_bytes : kPiece;
  int64_t sent = 0;
  while (true) {
    std::string piece = source.Next(piece_size);
    if (piece.empty()) break;
    bool cut = false;
    if (sent + static_cast<int64_t>(piece.size()) > limit) {
      piece.resize(static_cast<size_t>(limit - sent));
      cut = true;
    }
    if (r.trickle_delay_ms > 0 && !SleepUnlessStopped(r.trickle_delay_ms)) return false;
    if (!piece.empty()) {
      if (chunked) {
        char size_line[32];
        std::snprintf(size_line, sizeof(size_line), "%zx\r\n", piece.size());
        if (!WriteAll(fd, size_line) || !WriteAll(fd, piece) || !WriteAll(fd, "\r\n")) return false;
      } else if (!WriteAll(fd, piece)) {
        return false;
      }
    }
    sent += static_cast<int64_t>(piece.size());
    if (cut) {
      // Give the client a moment to read what was sent before the reset-free close.
      shutdown(fd, SHUT_WR);
      return false;
    }
  }
  if (chunked && !WriteAll(fd, "0\r\n\r\n")) return false;
  return !close_after;
}

namespace {

// The server itself, checked with plain sockets so client tests can trust it.
std::string RawExchange(int port, std::string_view request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  SetSocketTimeouts(fd);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "connect failed";
  }
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n == 0) break;
    if (n > 0) out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

TEST(LoopbackHttpServerTest, AnswersWithScriptedStatusHeadersAndBody) {
  LoopbackHttpServer server;
  ScriptedResponse r;
  r.status = 503;
  r.headers = {{"Retry-After", "3"}};
  r.body = "busy";
  r.close_after = true;
  server.Enqueue(r);
  std::string out =
      RawExchange(server.port(), "POST /x?y=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(out,
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\nContent-Length: 4\r\n"
            "Connection: close\r\n\r\nbusy");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/x?y=1");
  EXPECT_EQ(reqs[0].body, "abc");
  EXPECT_EQ(reqs[0].headers.Get("host"), "a");
}

TEST(LoopbackHttpServerTest, ChunkedAndCutBodies) {
  LoopbackHttpServer server;
  ScriptedResponse chunked;
  chunked.body = "hello world";
  chunked.framing = ScriptedResponse::Framing::kChunked;
  chunked.trickle_bytes = 5;
  chunked.close_after = true;
  server.Enqueue(chunked);
  EXPECT_EQ(RawExchange(server.port(), "GET / HTTP/1.1\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            "5\r\nhello\r\n5\r\n worl\r\n1\r\nd\r\n0\r\n\r\n");
  ScriptedResponse cut;
  cut.body = "0123456789";
  cut.cut_after = 4;
  server.Enqueue(cut);
  EXPECT_EQ(RawExchange(server.port(), "GET / HTTP/1.1\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123");
}

TEST(LoopbackHttpServerTest, GzipBodyInflatesToTheOriginal) {
  LoopbackHttpServer server;
  ScriptedResponse r;
  r.body = std::string(10000, 'z') + "end";
  r.gzip = true;
  r.close_after = true;
  server.Enqueue(r);
  std::string out = RawExchange(server.port(), "GET / HTTP/1.1\r\n\r\n");
  size_t body_at = out.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos);
  EXPECT_NE(out.find("Content-Encoding: gzip\r\n"), std::string::npos);
  std::string gz = out.substr(body_at + 4);
  z_stream zs{};
  ASSERT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string plain(20000, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_in = static_cast<uInt>(gz.size());
  zs.next_out = reinterpret_cast<Bytef*>(plain.data());
  zs.avail_out = static_cast<uInt>(plain.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  plain.resize(zs.total_out);
  inflateEnd(&zs);
  EXPECT_EQ(plain, r.body);
}

TEST(LoopbackHttpServerTest, UnusedPortRefusesConnections) {
  int port = LoopbackHttpServer::UnusedPort();
  EXPECT_EQ(RawExchange(port, "GET / HTTP/1.1\r\n\r\n"), "connect failed");
}

}  // namespace
}  // namespace lanceflow::io::testing
