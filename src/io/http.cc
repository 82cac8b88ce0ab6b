#include "lanceflow/io/http.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>

#include "lanceflow/core/log.h"

namespace lanceflow::io {
namespace {

constexpr size_t kMaxBodyExcerpt = 500;

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// One line of printable text: control bytes become spaces.
std::string OneLine(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  return out;
}

// Redacts first, then cuts: cutting first could leave a partial secret that no longer matches.
std::string BodyExcerpt(std::string_view body) {
  if (body.empty()) return "(empty body)";
  std::string text = OneLine(Redact(body));
  if (text.size() > kMaxBodyExcerpt) {
    size_t cut = kMaxBodyExcerpt;
    // Do not split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text += "...";
  }
  return text;
}

}  // namespace

void HttpHeaders::Add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::Set(std::string name, std::string value) {
  Remove(name);
  Add(std::move(name), std::move(value));
}

void HttpHeaders::Remove(std::string_view name) {
  std::erase_if(entries_, [&](const Entry& e) { return EqualsIgnoreCase(e.first, name); });
}

std::optional<std::string_view> HttpHeaders::Get(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (EqualsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

Result<std::string> ReadAll(HttpBodyStream& stream, int64_t max_bytes) {
  std::string out;
  constexpr int64_t kChunk = int64_t{64} << 10;
  while (true) {
    size_t old_size = out.size();
    out.resize(old_size + kChunk);
    auto n = stream.Read(reinterpret_cast<uint8_t*>(out.data() + old_size), kChunk);
    if (!n.ok()) return n.status();
    out.resize(old_size + static_cast<size_t>(*n));
    if (*n == 0) return out;
    if (static_cast<int64_t>(out.size()) > max_bytes) {
      return Status::OutOfRange("HTTP response body is larger than " + std::to_string(max_bytes) +
                                " bytes");
    }
  }
}

Status HttpClientOptions::Validate() const {
  if (connect_timeout_ms <= 0) return Status::Invalid("HTTP connect_timeout_ms must be > 0");
  if (read_timeout_ms <= 0) return Status::Invalid("HTTP read_timeout_ms must be > 0");
  if (stream_buffer_bytes <= 0) return Status::Invalid("HTTP stream_buffer_bytes must be > 0");
  if (max_response_bytes <= 0) return Status::Invalid("HTTP max_response_bytes must be > 0");
  if (max_idle_connections < 0) return Status::Invalid("HTTP max_idle_connections must be >= 0");
  if (user_agent.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    return Status::Invalid("HTTP user_agent must not contain line breaks or NUL");
  }
  return retry.Validate();
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng();
  uint64_t lo = rng();
  hi = (hi & ~uint64_t{0xF000}) | uint64_t{0x4000};            // version 4
  lo = (lo & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // variant 10xx
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string_view UrlPathForMessages(std::string_view url) {
  std::string_view rest = url;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
    size_t path = rest.find_first_of("/?#");
    rest.remove_prefix(path == std::string_view::npos ? rest.size() : path);
  }
  rest = rest.substr(0, rest.find_first_of("?#"));
  return rest.empty() ? std::string_view("/") : rest;
}

bool IsSensitiveHeader(std::string_view name) {
  static constexpr std::array<std::string_view, 5> kExact = {
      "x-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie"};
  static constexpr std::array<std::string_view, 4> kParts = {"token", "secret", "password",
                                                             "api-key"};
  std::string lower = Lower(name);
  for (auto e : kExact) {
    if (lower == e) return true;
  }
  for (auto p : kParts) {
    if (lower.find(p) != std::string::npos) return true;
  }
  return false;
}

Status HttpStatusError(std::string_view method, std::string_view url, int status, int attempts,
                       std::string_view request_id, std::string_view body) {
  std::string msg = std::string(method) + " " + OneLine(UrlPathForMessages(url)) + ": HTTP " +
                    std::to_string(status) + " after " + std::to_string(attempts) +
                    (attempts == 1 ? " attempt" : " attempts");
  if (!request_id.empty()) msg += " (request_id=" + OneLine(request_id) + ")";
  msg += ": " + BodyExcerpt(body);
  msg = Redact(msg);
  if (status == 401 || status == 403) return Status::Unauthenticated(std::move(msg));
  if (status == 404) return Status::NotFound(std::move(msg));
  return Status::RemoteError(std::move(msg));
}

Status ConsumeWithRetries(HttpClient& client, const HttpRequest& request, const RetryPolicy& policy,
                          const std::function<Status(HttpBodyStream&, int attempt)>& consume) {
  HttpRequest req = request;
  if (!req.headers.Contains(kRequestIdHeader))
    req.headers.Set(std::string(kRequestIdHeader), NewRequestId());
  for (int attempt = 1;; ++attempt) {
    LF_ASSIGN_OR_RETURN(std::unique_ptr<HttpBodyStream> stream, client.Open(req));
    Status st = consume(*stream, attempt);
    if (st.ok() || !stream->transport_failed() || !req.retry) return st;
    RetryDecision decision = policy.AfterFailure(attempt, FailureKind::kBrokenBody);
    if (!decision.retry) {
      if (attempt == 1) return st;
      return Status(st.code(), st.message() + " (gave up after " + std::to_string(attempt) +
                                   " reads of the response)");
    }
    LF_LOG(kInfo, req.method + " " + std::string(UrlPathForMessages(req.url)) +
                      ": response broke off, reading it again in " +
                      std::to_string(decision.delay.count()) + " ms (attempt " +
                      std::to_string(attempt + 1) + ")");
    stream.reset();  // abort the broken transfer before waiting
    policy.Sleep(decision.delay);
  }
}

}  // namespace lanceflow::io
