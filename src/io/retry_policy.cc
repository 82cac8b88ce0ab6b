#include "lanceflow/io/retry_policy.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <random>
#include <string>
#include <thread>

namespace lanceflow::io {
namespace {

using std::chrono::milliseconds;

// Statuses that say the request itself is wrong or unauthorised: repeating it cannot help.
bool IsNeverRetried(int status) {
  return status == 400 || status == 401 || status == 403 || status == 404;
}

double DefaultUniform() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

std::vector<std::string_view> SplitDateTokens(std::string_view s) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',' || s[i] == '-')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != ',' && s[i] != '-') ++i;
    if (i > start) tokens.push_back(s.substr(start, i - start));
  }
  return tokens;
}

std::optional<int> ParseSmallInt(std::string_view s, size_t min_digits, size_t max_digits) {
  if (s.size() < min_digits || s.size() > max_digits) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<int> ParseMonth(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (s == kMonths[i]) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

bool IsAlphaWord(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0;
  });
}

// "HH:MM:SS" -> seconds since midnight.
std::optional<int> ParseClock(std::string_view s) {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return std::nullopt;
  auto h = ParseSmallInt(s.substr(0, 2), 2, 2);
  auto m = ParseSmallInt(s.substr(3, 2), 2, 2);
  auto sec = ParseSmallInt(s.substr(6, 2), 2, 2);
  if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;
  return *h * 3600 + *m * 60 + *sec;
}

// HTTP-date (RFC 9110 §5.6.7) in its three accepted forms:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"
//   asctime      "Sun Nov  6 08:49:37 1994"
std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view s) {
  auto t = SplitDateTokens(s);
  std::optional<int> day, month, year, clock;
  if (t.size() == 5 && IsAlphaWord(t[0]) && ParseMonth(t[1])) {
    month = ParseMonth(t[1]);
    day = ParseSmallInt(t[2], 1, 2);
    clock = ParseClock(t[3]);
    year = ParseSmallInt(t[4], 4, 4);
  } else if (t.size() == 6 && IsAlphaWord(t[0]) && t[5] == "GMT") {
    day = ParseSmallInt(t[1], 1, 2);
    month = ParseMonth(t[2]);
    year = ParseSmallInt(t[3], 2, 4);
    clock = ParseClock(t[4]);
    if (year && t[3].size() == 2) *year += *year < 70 ? 2000 : 1900;
    if (year && t[3].size() == 3) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!day || !month || !year || !clock) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{*year},
                                  std::chrono::month{static_cast<unsigned>(*month)},
                                  std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::seconds{*clock};
}

}  // namespace

const char* FailureKindName(FailureKind kind) {
  switch (kind) {
    case FailureKind::kStatus:
      return "HTTP status";
    case FailureKind::kConnect:
      return "connection failed";
    case FailureKind::kTimeout:
      return "timed out";
    case FailureKind::kBrokenBody:
      return "response broken off";
    case FailureKind::kFatal:
      return "request failed";
  }
  return "request failed";
}

Status RetryOptions::Validate() const {
  if (max_attempts < 1 || max_attempts > 100) {
    return Status::Invalid("retry max_attempts must be in 1..100, got " +
                           std::to_string(max_attempts));
  }
  if (backoff_base_ms < 0) return Status::Invalid("retry backoff_base_ms must be >= 0");
  if (backoff_max_ms < 0) return Status::Invalid("retry backoff_max_ms must be >= 0");
  if (jitter_ms < 0) return Status::Invalid("retry jitter_ms must be >= 0");
  if (retry_after_max_ms < 0) return Status::Invalid("retry retry_after_max_ms must be >= 0");
  for (int s : retry_statuses) {
    if (s < 100 || s > 599) {
      return Status::Invalid("retry status " + std::to_string(s) + " is not an HTTP status");
    }
  }
  return Status::OK();
}

RetryPolicy::RetryPolicy(RetryOptions options, RetryHooks hooks)
    : options_(std::move(options)), hooks_(std::move(hooks)) {
  if (!hooks_.now) hooks_.now = [] { return std::chrono::system_clock::now(); };
  if (!hooks_.sleep) hooks_.sleep = [](milliseconds d) { std::this_thread::sleep_for(d); };
  if (!hooks_.uniform) hooks_.uniform = DefaultUniform;
}

bool RetryPolicy::IsRetryableStatus(int status) const {
  if (IsNeverRetried(status)) return false;
  return std::find(options_.retry_statuses.begin(), options_.retry_statuses.end(), status) !=
         options_.retry_statuses.end();
}

bool RetryPolicy::HasAttemptsLeft(int attempt) const { return attempt < options_.max_attempts; }

milliseconds RetryPolicy::Backoff(int attempt) const {
  int64_t base = options_.backoff_base_ms;
  int shift = std::clamp(attempt - 1, 0, 40);
  int64_t delay = options_.backoff_max_ms;
  // base << shift without overflow: only shift while the result stays under the cap.
  if (base == 0) {
    delay = 0;
  } else if (shift < 62 && base <= (options_.backoff_max_ms >> shift)) {
    delay = base << shift;
  }
  delay = std::min(delay, options_.backoff_max_ms);
  double u = std::clamp(hooks_.uniform(), 0.0, 1.0);
  delay += static_cast<int64_t>(u * static_cast<double>(options_.jitter_ms));
  return milliseconds{delay};
}

RetryDecision RetryPolicy::AfterStatus(int attempt, int status,
                                       std::optional<std::string_view> retry_after) const {
  if (!IsRetryableStatus(status) || !HasAttemptsLeft(attempt)) return {};
  milliseconds delay = Backoff(attempt);
  if (options_.honor_retry_after && retry_after) {
    if (auto wait = ParseRetryAfter(*retry_after, Now())) {
      delay = std::max(delay, std::min(*wait, milliseconds{options_.retry_after_max_ms}));
    }
  }
  return {true, delay};
}

RetryDecision RetryPolicy::AfterFailure(int attempt, FailureKind kind) const {
  if (kind == FailureKind::kFatal || kind == FailureKind::kStatus || !HasAttemptsLeft(attempt)) {
    return {};
  }
  return {true, Backoff(attempt)};
}

void RetryPolicy::Sleep(milliseconds delay) const {
  if (delay.count() > 0) hooks_.sleep(delay);
}

std::chrono::system_clock::time_point RetryPolicy::Now() const { return hooks_.now(); }

std::optional<milliseconds> ParseRetryAfter(std::string_view value,
                                            std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Anything over a day is as good as "very long"; clamping also keeps the arithmetic safe.
    constexpr int64_t kMaxSeconds = 86'400;
    int64_t seconds = 0;
    for (char c : value) {
      seconds = std::min<int64_t>(seconds * 10 + (c - '0'), kMaxSeconds);
    }
    return milliseconds{seconds * 1000};
  }
  auto when = ParseHttpDate(value);
  if (!when) return std::nullopt;
  if (*when <= now) return milliseconds{0};
  return std::chrono::duration_cast<milliseconds>(*when - now);
}

}  // namespace lanceflow::io
