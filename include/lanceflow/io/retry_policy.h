// When to retry an HTTP request and how long to wait first. Pure decision logic: no network, no
// curl. Time, sleeping and randomness come from RetryHooks so tests can observe and control them.
//
// Thread safety: a RetryPolicy is immutable after construction; its methods may be called from
// any thread as long as the hooks are thread safe (the defaults are).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "lanceflow/core/status.h"

namespace lanceflow::io {

// Why an attempt failed. Only kFatal is never retried.
enum class FailureKind {
  kStatus,      // the server answered with an HTTP status (retried only if listed in RetryOptions)
  kConnect,     // could not connect: refused, DNS failure, TLS handshake, connect timeout
  kTimeout,     // no byte moved for the read (inactivity) timeout
  kBrokenBody,  // connection reset or closed before the whole response arrived
  kFatal,       // anything else: bad URL, bad TLS certificate, undecodable body, our own limits
};

const char* FailureKindName(FailureKind kind);

struct RetryOptions {
  // Total number of attempts per logical request, including the first (1 = never retry).
  int max_attempts = 5;
  // Attempt k (1-based) that failed waits min(backoff_base_ms * 2^(k-1), backoff_max_ms) plus a
  // uniform random jitter in [0, jitter_ms].
  int64_t backoff_base_ms = 250;
  int64_t backoff_max_ms = 10'000;
  int64_t jitter_ms = 250;
  // HTTP statuses that are retried. 400, 401, 403 and 404 are never retried even if listed.
  std::vector<int> retry_statuses = {429, 500, 502, 503, 504};
  // A Retry-After header (delta-seconds or HTTP-date) raises the wait to at least its value,
  // capped at retry_after_max_ms.
  bool honor_retry_after = true;
  int64_t retry_after_max_ms = 60'000;

  // InvalidArgument naming the first bad field.
  Status Validate() const;
};

// Injection points for tests. Empty members use the real clock, std::this_thread::sleep_for and
// a per-thread PRNG seeded from std::random_device.
struct RetryHooks {
  std::function<std::chrono::system_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
  // Uniform in [0, 1).
  std::function<double()> uniform;
};

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};  // wait this long before the next attempt (when retry)
};

class RetryPolicy {
 public:
  explicit RetryPolicy(RetryOptions options = {}, RetryHooks hooks = {});

  const RetryOptions& options() const { return options_; }

  bool IsRetryableStatus(int status) const;

  // Decision after attempt number `attempt` (1-based) was answered with `status`.
  // `retry_after` is the raw Retry-After header value, if any.
  RetryDecision AfterStatus(int attempt, int status,
                            std::optional<std::string_view> retry_after) const;
  // Decision after attempt number `attempt` failed without a usable HTTP answer.
  RetryDecision AfterFailure(int attempt, FailureKind kind) const;

  // Exponential backoff with jitter for the failed attempt number `attempt` (1-based).
  std::chrono::milliseconds Backoff(int attempt) const;

  void Sleep(std::chrono::milliseconds delay) const;
  std::chrono::system_clock::time_point Now() const;

 private:
  bool HasAttemptsLeft(int attempt) const;

  RetryOptions options_;
  RetryHooks hooks_;
};

// Parses a Retry-After value (RFC 9110 §10.2.3): delta-seconds, or an HTTP-date in IMF-fixdate,
// RFC 850 or asctime form, taken relative to `now`. A date in the past gives 0. nullopt when the
// value is malformed.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

}  // namespace lanceflow::io
