// HTTP transport: buffered requests for small JSON answers and streamed responses for large Arrow
// bodies, with retries (see retry_policy.h). The cloud client talks to LanceDB Cloud through the
// abstract HttpClient so tests can wrap it to inject faults; CurlHttpClient is the real one.
//
// Secrets: header values are never logged and never put in an error message. Values of sensitive
// headers (x-api-key, authorization, cookies, tokens; see IsSensitiveHeader) are registered with
// lanceflow::RegisterSecret when a request is sent, so a server echoing them in an error body is
// redacted too. Error messages name the method, the URL path (no host, credentials or query), the
// HTTP status, the attempt count, the x-request-id and at most 500 bytes of the body, redacted.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lanceflow/core/result.h"
#include "lanceflow/core/status.h"
#include "lanceflow/io/retry_policy.h"

namespace lanceflow::io {

inline constexpr std::string_view kDefaultUserAgent = "lanceflow/0.1.0";
inline constexpr std::string_view kRequestIdHeader = "x-request-id";

// An ordered header list with ASCII case-insensitive lookup by name.
class HttpHeaders {
 public:
  using Entry = std::pair<std::string, std::string>;

  HttpHeaders() = default;
  HttpHeaders(std::initializer_list<Entry> entries) : entries_(entries) {}
  explicit HttpHeaders(std::vector<Entry> entries) : entries_(std::move(entries)) {}

  void Add(std::string name, std::string value);
  // Removes every header called `name`, then adds one.
  void Set(std::string name, std::string value);
  void Remove(std::string_view name);
  // Value of the first header called `name`, or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Contains(std::string_view name) const { return Get(name).has_value(); }

  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
};

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE or HEAD
  std::string url;             // http:// or https:// only
  // Extra headers. Names must be HTTP tokens, values must not contain CR, LF or NUL.
  // An x-request-id given here is kept; otherwise the client generates one per logical request
  // and reuses it on every attempt.
  HttpHeaders headers;
  std::string body;  // sent with Content-Length when non-empty or when the method is POST/PUT/PATCH
  // false: a single attempt whatever happens (requests that must not be repeated).
  bool retry = true;
  // Non-2xx statuses returned as a response instead of an error (e.g. {404} for a lookup that
  // may miss). Retryable statuses are still retried first.
  std::vector<int> accept_statuses;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // of the final attempt
  std::string body;     // decoded (gzip and other content encodings removed)
  std::string request_id;
  int attempts = 0;
};

// The body of a response being received. Pull bytes with Read(); the transfer only advances
// while Read() waits for data, and the stream holds at most about stream_buffer_bytes ahead of
// the consumer. Not thread safe: use one stream from one thread at a time. Destroying it before
// the end aborts the transfer.
class HttpBodyStream {
 public:
  virtual ~HttpBodyStream() = default;

  virtual int status() const = 0;
  virtual const HttpHeaders& headers() const = 0;
  virtual const std::string& request_id() const = 0;
  // Content-Length of the body when the server sent one and the body is not content-encoded,
  // else -1.
  virtual int64_t content_length() const = 0;

  // Reads up to `n` decoded body bytes into `dst`. Blocks until at least one byte is available
  // (returns the count), the body ended (returns 0), or the transfer failed. A body that ends
  // before its announced length, a reset connection or a read timeout are IOError
  // ("response body ended after N of M bytes: ...") and set transport_failed(): the caller may
  // re-issue the whole request (see ConsumeWithRetries). After an error every call returns it.
  virtual Result<int64_t> Read(uint8_t* dst, int64_t n) = 0;

  virtual int64_t bytes_read() const = 0;
  // True when the transfer failed in a way a new attempt may not repeat (reset, truncation,
  // timeout); false while healthy and for permanent failures (e.g. an undecodable gzip body).
  virtual bool transport_failed() const = 0;
  // The most decoded bytes this stream has held ahead of the consumer at any time.
  virtual int64_t peak_buffered_bytes() const = 0;
};

// Reads the rest of `stream`. OutOfRange if it holds more than `max_bytes`.
Result<std::string> ReadAll(HttpBodyStream& stream, int64_t max_bytes);

// Thread safety: implementations must allow concurrent Send/Open calls from several threads.
class HttpClient {
 public:
  virtual ~HttpClient() = default;

  // Sends `request` and buffers the whole decoded body. Retries retryable statuses and transport
  // failures (including a body shorter than its Content-Length) per the client's RetryPolicy.
  // Errors for a non-2xx final status not in accept_statuses: Unauthenticated (401, 403),
  // NotFound (404), RemoteError (others), with a message such as
  // "POST /v1/table/t/query/: HTTP 503 after 5 attempts (request_id=...): <body>".
  // Transport failures are IOError.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;

  // Sends `request` and returns once the status and headers of a 2xx (or accepted) answer have
  // arrived; the body is then pulled from the stream. Retries happen only up to this point;
  // errors as for Send.
  virtual Result<std::unique_ptr<HttpBodyStream>> Open(const HttpRequest& request) = 0;
};

struct HttpClientOptions {
  int64_t connect_timeout_ms = 10'000;
  // Inactivity limit: the attempt fails when no byte is sent or received for this long while the
  // client waits for the server. Time the consumer of a stream spends between reads is not
  // counted.
  int64_t read_timeout_ms = 300'000;
  RetryOptions retry;
  RetryHooks retry_hooks;
  std::string user_agent = std::string(kDefaultUserAgent);
  // Decoded bytes a stream may hold ahead of its consumer before the transfer is paused. One
  // network chunk (16 KiB) may come on top.
  int64_t stream_buffer_bytes = 1 << 20;
  // Largest body Send() buffers; bigger answers are an error (use Open()).
  int64_t max_response_bytes = int64_t{256} << 20;
  // Idle connections kept for reuse.
  int max_idle_connections = 8;

  Status Validate() const;
};

// The libcurl transport. HTTP/1.1 (pausing an HTTP/2 stream does not bound curl's buffering),
// no redirects followed, proxies from the usual environment variables, every content encoding
// curl supports accepted and decoded, also while streaming.
class CurlHttpClient : public HttpClient {
 public:
  static Result<std::unique_ptr<CurlHttpClient>> Make(HttpClientOptions options = {});
  ~CurlHttpClient() override;

  Result<HttpResponse> Send(const HttpRequest& request) override;
  Result<std::unique_ptr<HttpBodyStream>> Open(const HttpRequest& request) override;

  const RetryPolicy& retry_policy() const;
  const HttpClientOptions& options() const;

  struct Impl;

 private:
  explicit CurlHttpClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// Opens `request` and hands the stream to `consume(stream, attempt)`, attempt counting from 1.
// When consume fails and the stream reports transport_failed() (the body broke off or stalled),
// waits per `policy` and repeats the whole exchange with the same x-request-id; consume must then
// drop what it took from the earlier attempt and start over from the first byte. Any other
// error, or the last allowed attempt (policy.options().max_attempts reads, each Open() with its
// own retries), is returned as is. Typical use, reading one query page:
//
//   LF_RETURN_NOT_OK(ConsumeWithRetries(client, request, policy,
//       [&](HttpBodyStream& body, int attempt) -> Status {
//         page_batches.clear();
//         return DecodeIpcStream(body, &page_batches);  // calls body.Read() as it goes
//       }));
Status ConsumeWithRetries(HttpClient& client, const HttpRequest& request, const RetryPolicy& policy,
                          const std::function<Status(HttpBodyStream&, int attempt)>& consume);

// A random UUID v4, lowercase hex in 8-4-4-4-12 form.
std::string NewRequestId();

// The path of `url` for messages: no scheme, credentials, host, query or fragment. "/" when the
// URL has no path.
std::string_view UrlPathForMessages(std::string_view url);

// Headers whose values are credentials: x-api-key, authorization, proxy-authorization, cookie,
// set-cookie, and any name containing "token", "secret", "password" or "api-key".
bool IsSensitiveHeader(std::string_view name);

// Status for a final non-2xx answer, as described at HttpClient::Send. `body` is made one line,
// redacted, and cut to 500 bytes.
Status HttpStatusError(std::string_view method, std::string_view url, int status, int attempts,
                       std::string_view request_id, std::string_view body);

}  // namespace lanceflow::io
