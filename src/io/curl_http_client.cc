// CurlHttpClient: one curl multi handle per transfer slot, driven from the calling thread.
//
// Every transfer runs on a (multi, easy) pair taken from a pool, so idle keep-alive connections
// live on in the multi handle's connection cache and are reused by the next request that takes
// the slot. The caller's thread drives curl (curl_multi_perform/poll) only while it waits for
// something: the headers in Open(), the next bytes in Read(), the whole answer in Send(). Between
// reads nothing is received, and the write callback pauses the transfer once the stream holds
// stream_buffer_bytes, so memory follows the consumer, not the body size.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <mutex>

#include "lanceflow/core/log.h"
#include "lanceflow/io/http.h"

namespace lanceflow::io {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How much of a non-2xx body is kept for the error message (which shows 500 bytes of it).
constexpr size_t kMaxErrorBodyBytes = size_t{64} << 10;
// Upper bound on the bytes of all response header lines of one attempt.
constexpr size_t kMaxHeaderBytes = 1 << 20;

Status GlobalInit() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK) {
    return Status::Internal(std::string("curl_global_init failed: ") + curl_easy_strerror(code));
  }
  return Status::OK();
}

bool IsSuccess(int status) { return status >= 200 && status < 300; }

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// A (multi, easy) pair. The multi handle owns the connection cache the easy handle uses.
struct CurlSlot {
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
  ~CurlSlot() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (multi != nullptr) curl_multi_cleanup(multi);
  }
};

class SlotPool {
 public:
  explicit SlotPool(int max_idle) : max_idle_(static_cast<size_t>(max_idle)) {}

  Result<std::unique_ptr<CurlSlot>> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        auto slot = std::move(idle_.back());
        idle_.pop_back();
        return slot;
      }
    }
    auto slot = std::make_unique<CurlSlot>();
    slot->multi = curl_multi_init();
    slot->easy = curl_easy_init();
    if (slot->multi == nullptr || slot->easy == nullptr) {
      return Status::Internal("could not create a curl handle (out of memory?)");
    }
    return slot;
  }

  // Keeps the most recently used slots: their connections are the likeliest to be alive.
  void Release(std::unique_ptr<CurlSlot> slot) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(slot));
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<CurlSlot>> idle_;
  size_t max_idle_;
};

// A validated request in the form curl wants, shared by all attempts (and by the stream that
// outlives Open(), since curl reads the body and header list during the transfer).
struct PreparedRequest {
  std::string method;
  std::string url;
  // The request body: borrowed from the caller's HttpRequest when the call outlives the
  // transfer (Send), else a copy in owned_body (Open: the stream may outlive the request).
  std::string_view body;
  std::string owned_body;
  bool send_body = false;
  Slist headers;
  std::string request_id;
  bool retry = true;
  std::vector<int> accept_statuses;

  bool Accepts(int status) const {
    return IsSuccess(status) || std::find(accept_statuses.begin(), accept_statuses.end(), status) !=
                                    accept_statuses.end();
  }
  std::string Where() const { return method + " " + std::string(UrlPathForMessages(url)); }
};

void RegisterHeaderSecret(std::string_view value) {
  value = Trim(value);
  RegisterSecret(std::string(value));
  // "Bearer abc": also the credential on its own.
  if (size_t space = value.rfind(' '); space != std::string_view::npos) {
    RegisterSecret(std::string(value.substr(space + 1)));
  }
}

Result<std::shared_ptr<PreparedRequest>> Prepare(const HttpRequest& request, bool borrow_body) {
  static constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
  if (std::find(std::begin(kMethods), std::end(kMethods), request.method) == std::end(kMethods)) {
    return Status::Invalid("unsupported HTTP method '" + request.method + "'");
  }
  auto p = std::make_shared<PreparedRequest>();
  p->method = request.method;
  p->url = request.url;
  if (borrow_body) {
    p->body = request.body;
  } else {
    p->owned_body = request.body;
    p->body = p->owned_body;
  }
  p->retry = request.retry;
  p->accept_statuses = request.accept_statuses;
  if (!request.url.starts_with("http://") && !request.url.starts_with("https://")) {
    return Status::Invalid(p->Where() + ": URL must start with http:// or https://");
  }
  if (request.url.find_first_of(std::string_view("\r\n\0 ", 4)) != std::string::npos) {
    return Status::Invalid(p->Where() + ": URL contains a space, line break or NUL");
  }
  if ((p->method == "GET" || p->method == "HEAD") && !p->body.empty()) {
    return Status::Invalid(p->Where() + ": a " + p->method + " request cannot carry a body");
  }
  p->send_body =
      !p->body.empty() || p->method == "POST" || p->method == "PUT" || p->method == "PATCH";

  bool has_content_type = false;
  auto append = [&](const std::string& line) -> Status {
    // Returns the head of the list: the same node after the first append.
    curl_slist* head = curl_slist_append(p->headers.get(), line.c_str());
    if (head == nullptr) return Status::Internal("out of memory building HTTP headers");
    if (head != p->headers.get()) {
      (void)p->headers.release();
      p->headers.reset(head);
    }
    return Status::OK();
  };
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return Status::Invalid(p->Where() + ": invalid HTTP header name '" +
                             Redact(name.substr(0, 64)) + "'");
    }
    // The value is not echoed: it may be a credential.
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return Status::Invalid(p->Where() + ": HTTP header '" + name +
                             "' has a value with a line break or NUL");
    }
    if (IsSensitiveHeader(name)) RegisterHeaderSecret(value);
    if (EqualsIgnoreCase(name, "content-type")) has_content_type = true;
    if (EqualsIgnoreCase(name, kRequestIdHeader)) p->request_id = value;
    // "Name;" is curl's spelling of a header with an empty value ("Name:" would delete it).
    std::string line = name;
    line += value.empty() ? ";" : ": ";
    line += value;
    LF_RETURN_NOT_OK(append(line));
  }
  if (p->request_id.empty()) {
    p->request_id = NewRequestId();
    LF_RETURN_NOT_OK(append(std::string(kRequestIdHeader) + ": " + p->request_id));
  }
  // curl would add "Expect: 100-continue" for large bodies (an extra round trip) and a form
  // content type for POST bodies; a body-less POST must carry no content type at all.
  LF_RETURN_NOT_OK(append("Expect:"));
  if (p->send_body && !has_content_type) LF_RETURN_NOT_OK(append("Content-Type:"));
  return p;
}

struct TransportFailure {
  FailureKind kind;
  StatusCode code;
  std::string detail;
};

// One attempt of one request on one slot. Not movable: curl callbacks hold `this`.
class Transfer {
 public:
  enum class Mode {
    kBuffer,  // collect the body (Send, or the excerpt of an error answer)
    kStream,  // hand the body to Read(), pausing when stream_buffer_bytes are waiting
  };

  Transfer(std::shared_ptr<SlotPool> pool, std::unique_ptr<CurlSlot> slot,
           std::shared_ptr<const PreparedRequest> request,
           std::shared_ptr<const HttpClientOptions> options, Mode mode)
      : pool_(std::move(pool)),
        slot_(std::move(slot)),
        request_(std::move(request)),
        options_ptr_(std::move(options)),
        options_(*options_ptr_),
        mode_(mode) {}
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  ~Transfer() {
    Detach();
    pool_->Release(std::move(slot_));
  }

  Status Start() {
    CURL* e = slot_->easy;
    curl_easy_reset(e);
    errbuf_[0] = '\0';
    bool ok = true;
    auto set = [&ok](CURLcode c) { ok = ok && c == CURLE_OK; };
    set(curl_easy_setopt(e, CURLOPT_URL, request_->url.c_str()));
    set(curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https"));
    set(curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L));
    set(curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1)));
    set(curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L));
    set(curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options_.connect_timeout_ms)));
    set(curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L));
    // "" = advertise and decode every encoding this curl supports (gzip, deflate, br, zstd).
    set(curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""));
    set(curl_easy_setopt(e, CURLOPT_USERAGENT, options_.user_agent.c_str()));
    set(curl_easy_setopt(e, CURLOPT_HTTPHEADER, request_->headers.get()));
    set(curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf_));
    set(curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::WriteCallback));
    set(curl_easy_setopt(e, CURLOPT_WRITEDATA, this));
    set(curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::HeaderCallback));
    set(curl_easy_setopt(e, CURLOPT_HEADERDATA, this));
    set(curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &Transfer::ProgressCallback));
    set(curl_easy_setopt(e, CURLOPT_XFERINFODATA, this));
    set(curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L));
    const std::string& m = request_->method;
    if (m == "HEAD") {
      set(curl_easy_setopt(e, CURLOPT_NOBODY, 1L));
    } else if (m == "GET") {
      set(curl_easy_setopt(e, CURLOPT_HTTPGET, 1L));
    } else {
      if (m != "POST") set(curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m.c_str()));
      if (request_->send_body) {
        set(curl_easy_setopt(e, CURLOPT_POST, 1L));
        set(curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(request_->body.size())));
        set(curl_easy_setopt(e, CURLOPT_POSTFIELDS, request_->body.data()));
      }
    }
    if (!ok) return Status::Internal(request_->Where() + ": could not configure curl");
    if (curl_multi_add_handle(slot_->multi, e) != CURLM_OK) {
      return Status::Internal(request_->Where() + ": could not start a curl transfer");
    }
    attached_ = true;
    return Status::OK();
  }

  // Drives the transfer until `pred()` holds or it ends (done(): completed, failed, timed out).
  template <typename Pred>
  void Pump(Pred pred) {
    // Inactivity is measured only while we wait here: the time a stream's consumer spends
    // between reads is not the server's fault.
    auto last_activity = SteadyClock::now();
    uint64_t seen = progress_;
    const auto timeout = std::chrono::milliseconds(options_.read_timeout_ms);
    while (!done_ && !pred()) {
      int running = 0;
      CURLMcode mc = curl_multi_perform(slot_->multi, &running);
      if (mc != CURLM_OK) {
        Abort(CURLE_FAILED_INIT, std::string("curl_multi_perform: ") + curl_multi_strerror(mc));
        return;
      }
      CollectDone();
      if (done_ || pred()) return;
      auto now = SteadyClock::now();
      if (progress_ != seen) {
        seen = progress_;
        last_activity = now;
      } else if (now - last_activity >= timeout) {
        timed_out_ = true;
        Abort(CURLE_OPERATION_TIMEDOUT, "");
        return;
      }
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(timeout - (now - last_activity));
      int wait_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 1, 1000));
      mc = curl_multi_poll(slot_->multi, nullptr, 0, wait_ms, nullptr);
      if (mc != CURLM_OK) {
        Abort(CURLE_FAILED_INIT, std::string("curl_multi_poll: ") + curl_multi_strerror(mc));
        return;
      }
    }
  }

  void RunToEnd() {
    Pump([] { return false; });
  }
  void WaitForHeaders() {
    Pump([this] { return headers_done_; });
  }

  // Switches a stream to collecting (at most kMaxErrorBodyBytes of) the body of an error answer.
  void CollectErrorBody() {
    mode_ = Mode::kBuffer;
    if (paused_) Unpause();
    RunToEnd();
  }

  // Up to n decoded body bytes (stream mode); 0 once done().
  int64_t ReadSome(uint8_t* dst, int64_t n) {
    if (int64_t got = TakePending(dst, n); got > 0) return got;
    if (done_) return 0;
    target_ = dst;
    target_cap_ = n;
    target_len_ = 0;
    if (paused_) Unpause();
    Pump([this] { return target_len_ > 0 || Pending() > 0; });
    target_ = nullptr;
    if (target_len_ > 0) return target_len_;
    return TakePending(dst, n);
  }

  std::string TakeBody() {
    std::string body = pending_.substr(pending_pos_);
    pending_.clear();
    pending_pos_ = 0;
    return body;
  }

  bool done() const { return done_; }
  bool headers_done() const { return headers_done_; }
  int status() const { return status_; }
  HttpHeaders headers() const { return HttpHeaders(header_entries_); }
  int64_t peak_buffered() const { return peak_buffered_; }

  int64_t ContentLength() const {
    if (auto enc = headers().Get("content-encoding"); enc && !EqualsIgnoreCase(*enc, "identity")) {
      return -1;
    }
    curl_off_t len = -1;
    if (curl_easy_getinfo(slot_->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) != CURLE_OK) {
      return -1;
    }
    return len;
  }

  // Why the transfer failed, or nullopt when it has not (yet) failed.
  std::optional<TransportFailure> Failure() const {
    if (timed_out_) {
      std::string ms = std::to_string(options_.read_timeout_ms);
      return TransportFailure{FailureKind::kTimeout, StatusCode::kIOError,
                              headers_done_ ? "response body stalled for " + ms +
                                                  " ms (read timeout) after " +
                                                  std::to_string(BodyWireBytes()) + " bytes"
                                            : "no response for " + ms + " ms (read timeout)"};
    }
    if (too_large_) {
      return TransportFailure{FailureKind::kFatal, StatusCode::kOutOfRange,
                              "response body is larger than " +
                                  std::to_string(options_.max_response_bytes) +
                                  " bytes (max_response_bytes)"};
    }
    if (headers_too_large_) {
      return TransportFailure{
          FailureKind::kFatal, StatusCode::kRemoteError,
          "response headers exceed " + std::to_string(kMaxHeaderBytes) + " bytes"};
    }
    if (!done_ || result_ == CURLE_OK || stopped_early_) return std::nullopt;
    std::string what = curl_easy_strerror(result_);
    if (!abort_reason_.empty()) {
      what = abort_reason_;
    } else if (errbuf_[0] != '\0') {
      what += " (" + std::string(errbuf_) + ")";
    }
    FailureKind kind = FailureKind::kFatal;
    StatusCode code = StatusCode::kIOError;
    switch (result_) {
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_SSL_CONNECT_ERROR:
        kind = FailureKind::kConnect;
        break;
      case CURLE_OPERATION_TIMEDOUT:
        kind = ConnectTimeUs() > 0 ? FailureKind::kTimeout : FailureKind::kConnect;
        break;
      case CURLE_PARTIAL_FILE:
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_HTTP2:
      case CURLE_HTTP2_STREAM:
        kind = FailureKind::kBrokenBody;
        break;
      case CURLE_BAD_CONTENT_ENCODING:
        code = StatusCode::kCorrupt;
        break;
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        code = StatusCode::kInvalidArgument;
        break;
      default:
        break;
    }
    if (kind == FailureKind::kBrokenBody && headers_done_) {
      int64_t got = BodyWireBytes();
      int64_t want = -1;
      curl_off_t len = -1;
      if (curl_easy_getinfo(slot_->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) == CURLE_OK) {
        want = len;
      }
      std::string prefix = "response body ended after " + std::to_string(got);
      if (want >= 0) prefix += " of " + std::to_string(want);
      what = prefix + " bytes: " + what;
    }
    return TransportFailure{kind, code, std::move(what)};
  }

 private:
  static size_t WriteCallback(char* data, size_t size, size_t nmemb, void* self) {
    return static_cast<Transfer*>(self)->OnBody(data, size * nmemb);
  }
  static size_t HeaderCallback(char* data, size_t size, size_t nmemb, void* self) {
    return static_cast<Transfer*>(self)->OnHeader(data, size * nmemb);
  }
  static int ProgressCallback(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t ulnow) {
    auto* t = static_cast<Transfer*>(self);
    // Upload progress counts as activity for the inactivity timeout, like received bytes.
    if (ulnow != t->last_ulnow_) {
      t->progress_ += static_cast<uint64_t>(ulnow > t->last_ulnow_ ? ulnow - t->last_ulnow_ : 1);
      t->last_ulnow_ = ulnow;
    }
    return 0;
  }

  size_t OnHeader(const char* data, size_t n) {
    progress_ += n;
    header_bytes_ += n;
    if (header_bytes_ > kMaxHeaderBytes) {
      headers_too_large_ = true;
      return 0;
    }
    std::string_view line(data, n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.starts_with("HTTP/")) {
      // A new status line (after a 1xx interim answer): start over.
      header_entries_.clear();
      headers_done_ = false;
      status_ = 0;
      size_t sp = line.find(' ');
      if (sp != std::string_view::npos && line.size() >= sp + 4) {
        int code = 0;
        for (size_t i = sp + 1; i < sp + 4; ++i) {
          if (line[i] < '0' || line[i] > '9') return n;
          code = code * 10 + (line[i] - '0');
        }
        status_ = code;
      }
      return n;
    }
    if (line.empty()) {
      if (status_ >= 200) headers_done_ = true;
      return n;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !header_entries_.empty()) {
      // Obsolete line folding (RFC 9112 §5.2): the line continues the previous value.
      header_entries_.back().second += " " + std::string(Trim(line));
      return n;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return n;
    header_entries_.emplace_back(std::string(line.substr(0, colon)),
                                 std::string(Trim(line.substr(colon + 1))));
    return n;
  }

  size_t OnBody(const char* data, size_t n) {
    headers_done_ = true;
    if (mode_ == Mode::kBuffer) {
      size_t have = Pending();
      if (!request_->Accepts(status_)) {
        // Error answers: keep the start of the body for the message and stop reading.
        if (have + n > kMaxErrorBodyBytes) {
          pending_.append(data, kMaxErrorBodyBytes - std::min(have, kMaxErrorBodyBytes));
          stopped_early_ = true;
          return 0;
        }
      } else if (static_cast<int64_t>(have + n) > options_.max_response_bytes) {
        too_large_ = true;
        return 0;
      }
      progress_ += n;
      pending_.append(data, n);
      NotePeak();
      return n;
    }
    size_t taken = 0;
    if (target_ != nullptr && target_len_ < target_cap_) {
      taken = std::min(n, static_cast<size_t>(target_cap_ - target_len_));
      std::memcpy(target_ + target_len_, data, taken);
      target_len_ += static_cast<int64_t>(taken);
    }
    if (taken < n) {
      // A callback must take all bytes or none, so only an untouched chunk can be refused.
      if (taken == 0 && static_cast<int64_t>(Pending()) >= options_.stream_buffer_bytes) {
        paused_ = true;
        return CURL_WRITEFUNC_PAUSE;
      }
      if (pending_pos_ > 0 && pending_pos_ >= pending_.size() / 2) {
        pending_.erase(0, pending_pos_);
        pending_pos_ = 0;
      }
      pending_.append(data + taken, n - taken);
      NotePeak();
    }
    progress_ += n;
    return n;
  }

  size_t Pending() const { return pending_.size() - pending_pos_; }

  void NotePeak() { peak_buffered_ = std::max(peak_buffered_, static_cast<int64_t>(Pending())); }

  int64_t TakePending(uint8_t* dst, int64_t n) {
    size_t avail = Pending();
    if (avail == 0) return 0;
    size_t take = std::min(avail, static_cast<size_t>(n));
    std::memcpy(dst, pending_.data() + pending_pos_, take);
    pending_pos_ += take;
    if (pending_pos_ == pending_.size()) {
      pending_.clear();
      pending_pos_ = 0;
    }
    return static_cast<int64_t>(take);
  }

  void Unpause() {
    paused_ = false;
    if (!attached_) return;
    // May call OnBody right away with the chunk refused earlier.
    CURLcode rc = curl_easy_pause(slot_->easy, CURLPAUSE_CONT);
    if (rc != CURLE_OK) Abort(rc, std::string("curl_easy_pause: ") + curl_easy_strerror(rc));
  }

  void CollectDone() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(slot_->multi, &left)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == slot_->easy) {
        done_ = true;
        result_ = msg->data.result;
      }
    }
    if (done_) {
      if (status_ == 0) {
        long code = 0;
        if (curl_easy_getinfo(slot_->easy, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK) {
          status_ = static_cast<int>(code);
        }
      }
      if (result_ == CURLE_OK) headers_done_ = true;
      Detach();
    }
  }

  // Ends the transfer now; detaching a running transfer makes curl close its connection.
  void Abort(CURLcode code, std::string reason) {
    done_ = true;
    result_ = code;
    abort_reason_ = std::move(reason);
    Detach();
  }

  void Detach() {
    if (attached_) {
      curl_multi_remove_handle(slot_->multi, slot_->easy);
      attached_ = false;
    }
  }

  int64_t BodyWireBytes() const {
    curl_off_t n = 0;
    if (curl_easy_getinfo(slot_->easy, CURLINFO_SIZE_DOWNLOAD_T, &n) != CURLE_OK) return 0;
    return n;
  }

  int64_t ConnectTimeUs() const {
    curl_off_t t = 0;
    if (curl_easy_getinfo(slot_->easy, CURLINFO_CONNECT_TIME_T, &t) != CURLE_OK) return 0;
    return t;
  }

  std::shared_ptr<SlotPool> pool_;
  std::unique_ptr<CurlSlot> slot_;
  std::shared_ptr<const PreparedRequest> request_;
  std::shared_ptr<const HttpClientOptions> options_ptr_;  // outlives the client for streams
  const HttpClientOptions& options_;
  Mode mode_;
  bool attached_ = false;

  // Response state, filled by the callbacks.
  int status_ = 0;
  std::vector<HttpHeaders::Entry> header_entries_;
  size_t header_bytes_ = 0;
  bool headers_done_ = false;
  bool done_ = false;
  CURLcode result_ = CURLE_OK;
  std::string abort_reason_;
  bool timed_out_ = false;
  bool too_large_ = false;
  bool headers_too_large_ = false;
  bool stopped_early_ = false;
  bool paused_ = false;
  uint64_t progress_ = 0;  // bytes moved either way; the inactivity clock watches it
  curl_off_t last_ulnow_ = 0;
  char errbuf_[CURL_ERROR_SIZE] = {};

  // Decoded body bytes not yet handed out: pending_[pending_pos_..].
  std::string pending_;
  size_t pending_pos_ = 0;
  int64_t peak_buffered_ = 0;
  // The caller's buffer while ReadSome() waits, filled directly by OnBody.
  uint8_t* target_ = nullptr;
  int64_t target_cap_ = 0;
  int64_t target_len_ = 0;
};

Status TransportError(const PreparedRequest& req, const TransportFailure& f, int attempts) {
  std::string msg = req.Where() + ": " + FailureKindName(f.kind) + " after " +
                    std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts") +
                    " (request_id=" + req.request_id + "): " + f.detail;
  return Status(f.code, Redact(msg));
}

class CurlBodyStream : public HttpBodyStream {
 public:
  CurlBodyStream(std::unique_ptr<Transfer> transfer, std::shared_ptr<const PreparedRequest> req)
      : transfer_(std::move(transfer)),
        request_(std::move(req)),
        status_(transfer_->status()),
        headers_(transfer_->headers()),
        content_length_(transfer_->ContentLength()) {}

  int status() const override { return status_; }
  const HttpHeaders& headers() const override { return headers_; }
  const std::string& request_id() const override { return request_->request_id; }
  int64_t content_length() const override { return content_length_; }
  int64_t bytes_read() const override { return bytes_read_; }
  bool transport_failed() const override { return transport_failed_; }
  int64_t peak_buffered_bytes() const override { return transfer_->peak_buffered(); }

  Result<int64_t> Read(uint8_t* dst, int64_t n) override {
    if (!error_.ok()) return error_;
    if (n < 0) return Status::Invalid("HttpBodyStream::Read: negative length");
    if (n == 0) return int64_t{0};
    int64_t got = transfer_->ReadSome(dst, n);
    if (got > 0) {
      bytes_read_ += got;
      return got;
    }
    if (auto failure = transfer_->Failure()) {
      transport_failed_ = failure->kind != FailureKind::kFatal;
      std::string msg =
          request_->Where() + " (request_id=" + request_->request_id + "): " + failure->detail;
      error_ = Status(failure->code, Redact(msg));
      return error_;
    }
    return int64_t{0};
  }

 private:
  std::unique_ptr<Transfer> transfer_;
  std::shared_ptr<const PreparedRequest> request_;
  int status_;
  HttpHeaders headers_;
  int64_t content_length_;
  int64_t bytes_read_ = 0;
  bool transport_failed_ = false;
  Status error_;
};

}  // namespace

struct CurlHttpClient::Impl {
  std::shared_ptr<const HttpClientOptions> options;
  RetryPolicy policy;
  std::shared_ptr<SlotPool> pool;

  explicit Impl(HttpClientOptions opts)
      : options(std::make_shared<const HttpClientOptions>(std::move(opts))),
        policy(options->retry, options->retry_hooks),
        pool(std::make_shared<SlotPool>(options->max_idle_connections)) {}

  Result<std::unique_ptr<Transfer>> StartAttempt(std::shared_ptr<const PreparedRequest> req,
                                                 Transfer::Mode mode) {
    LF_ASSIGN_OR_RETURN(auto slot, pool->Acquire());
    auto t = std::make_unique<Transfer>(pool, std::move(slot), std::move(req), options, mode);
    LF_RETURN_NOT_OK(t->Start());
    return t;
  }

  // After a failed attempt: true to go again (having slept), false to give up.
  bool RetryAfterFailure(const PreparedRequest& req, int attempt, const TransportFailure& f) {
    RetryDecision d = req.retry ? policy.AfterFailure(attempt, f.kind) : RetryDecision{};
    if (!d.retry) return false;
    LF_LOG(kInfo, req.Where() + ": " + FailureKindName(f.kind) + " (" + f.detail + "), attempt " +
                      std::to_string(attempt + 1) + " in " + std::to_string(d.delay.count()) +
                      " ms");
    policy.Sleep(d.delay);
    return true;
  }

  bool RetryAfterStatus(const PreparedRequest& req, int attempt, int status,
                        const HttpHeaders& headers) {
    RetryDecision d = req.retry ? policy.AfterStatus(attempt, status, headers.Get("retry-after"))
                                : RetryDecision{};
    if (!d.retry) return false;
    LF_LOG(kInfo, req.Where() + ": HTTP " + std::to_string(status) + ", attempt " +
                      std::to_string(attempt + 1) + " in " + std::to_string(d.delay.count()) +
                      " ms");
    policy.Sleep(d.delay);
    return true;
  }

  Result<HttpResponse> Send(const HttpRequest& request) {
    LF_ASSIGN_OR_RETURN(std::shared_ptr<PreparedRequest> req,
                        Prepare(request, /*borrow_body=*/true));
    for (int attempt = 1;; ++attempt) {
      LF_ASSIGN_OR_RETURN(auto t, StartAttempt(req, Transfer::Mode::kBuffer));
      t->RunToEnd();
      if (auto failure = t->Failure()) {
        t.reset();  // give the slot back (and drop the broken connection) before sleeping
        if (RetryAfterFailure(*req, attempt, *failure)) continue;
        return TransportError(*req, *failure, attempt);
      }
      int status = t->status();
      if (req->Accepts(status)) {
        HttpResponse response;
        response.status = status;
        response.headers = t->headers();
        response.body = t->TakeBody();
        response.request_id = req->request_id;
        response.attempts = attempt;
        return response;
      }
      HttpHeaders headers = t->headers();
      std::string body = t->TakeBody();
      t.reset();
      if (RetryAfterStatus(*req, attempt, status, headers)) continue;
      return HttpStatusError(req->method, req->url, status, attempt, req->request_id, body);
    }
  }

  Result<std::unique_ptr<HttpBodyStream>> Open(const HttpRequest& request) {
    LF_ASSIGN_OR_RETURN(std::shared_ptr<PreparedRequest> req,
                        Prepare(request, /*borrow_body=*/false));
    for (int attempt = 1;; ++attempt) {
      LF_ASSIGN_OR_RETURN(auto t, StartAttempt(req, Transfer::Mode::kStream));
      t->WaitForHeaders();
      // A failure before the caller saw a byte (even one inside the body, when it all arrived
      // at once) is retried here, invisibly to the caller.
      if (auto failure = t->Failure()) {
        t.reset();
        if (RetryAfterFailure(*req, attempt, *failure)) continue;
        return TransportError(*req, *failure, attempt);
      }
      int status = t->status();
      if (req->Accepts(status)) {
        return std::unique_ptr<HttpBodyStream>(std::make_unique<CurlBodyStream>(std::move(t), req));
      }
      t->CollectErrorBody();
      HttpHeaders headers = t->headers();
      std::string body = t->TakeBody();
      t.reset();
      if (RetryAfterStatus(*req, attempt, status, headers)) continue;
      return HttpStatusError(req->method, req->url, status, attempt, req->request_id, body);
    }
  }
};

Result<std::unique_ptr<CurlHttpClient>> CurlHttpClient::Make(HttpClientOptions options) {
  LF_RETURN_NOT_OK(options.Validate());
  LF_RETURN_NOT_OK(GlobalInit());
  return std::unique_ptr<CurlHttpClient>(
      new CurlHttpClient(std::make_shared<Impl>(std::move(options))));
}

CurlHttpClient::CurlHttpClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
CurlHttpClient::~CurlHttpClient() = default;

Result<HttpResponse> CurlHttpClient::Send(const HttpRequest& request) {
  return impl_->Send(request);
}

Result<std::unique_ptr<HttpBodyStream>> CurlHttpClient::Open(const HttpRequest& request) {
  return impl_->Open(request);
}

const RetryPolicy& CurlHttpClient::retry_policy() const { return impl_->policy; }
const HttpClientOptions& CurlHttpClient::options() const { return *impl_->options; }

}  // namespace lanceflow::io
