#include "lanceflow/io/retry_policy.h"

#include <gtest/gtest.h>

namespace lanceflow::io {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

// 2024-01-02T03:04:05Z
const system_clock::time_point kNow = system_clock::time_point(seconds(1704164645));

RetryHooks FixedHooks(double uniform = 0.0) {
  RetryHooks hooks;
  hooks.now = [] { return kNow; };
  hooks.sleep = [](milliseconds) {};
  hooks.uniform = [uniform] { return uniform; };
  return hooks;
}

RetryOptions NoJitter() {
  RetryOptions o;
  o.jitter_ms = 0;
  return o;
}

TEST(RetryPolicyTest, BackoffDoublesUpToTheCap) {
  RetryOptions o = NoJitter();
  o.backoff_base_ms = 250;
  o.backoff_max_ms = 1500;
  RetryPolicy p(o, FixedHooks());
  EXPECT_EQ(p.Backoff(1), milliseconds(250));
  EXPECT_EQ(p.Backoff(2), milliseconds(500));
  EXPECT_EQ(p.Backoff(3), milliseconds(1000));
  EXPECT_EQ(p.Backoff(4), milliseconds(1500));
  EXPECT_EQ(p.Backoff(60), milliseconds(1500));  // no overflow for absurd attempt numbers
}

TEST(RetryPolicyTest, JitterComesFromTheRandomSource) {
  RetryOptions o;
  o.backoff_base_ms = 100;
  o.jitter_ms = 200;
  EXPECT_EQ(RetryPolicy(o, FixedHooks(0.0)).Backoff(1), milliseconds(100));
  EXPECT_EQ(RetryPolicy(o, FixedHooks(0.5)).Backoff(1), milliseconds(200));
  EXPECT_EQ(RetryPolicy(o, FixedHooks(0.999)).Backoff(2), milliseconds(399));
  // The default source stays within [0, jitter].
  RetryPolicy real(o);
  for (int i = 0; i < 200; ++i) {
    auto d = real.Backoff(1);
    ASSERT_GE(d, milliseconds(100));
    ASSERT_LE(d, milliseconds(300));
  }
}

TEST(RetryPolicyTest, RetryableStatusesUntilTheLastAttempt) {
  RetryOptions o = NoJitter();
  o.max_attempts = 3;
  RetryPolicy p(o, FixedHooks());
  for (int status : {429, 500, 502, 503, 504}) {
    EXPECT_TRUE(p.AfterStatus(1, status, std::nullopt).retry) << status;
    EXPECT_TRUE(p.AfterStatus(2, status, std::nullopt).retry) << status;
    EXPECT_FALSE(p.AfterStatus(3, status, std::nullopt).retry) << status;
  }
  EXPECT_EQ(p.AfterStatus(2, 503, std::nullopt).delay, milliseconds(500));
  for (int status : {200, 301, 409, 501, 505}) {
    EXPECT_FALSE(p.AfterStatus(1, status, std::nullopt).retry) << status;
  }
}

TEST(RetryPolicyTest, ClientErrorsAreNeverRetriedEvenIfListed) {
  RetryOptions o;
  o.retry_statuses = {400, 401, 403, 404, 409};
  RetryPolicy p(o, FixedHooks());
  for (int status : {400, 401, 403, 404}) {
    EXPECT_FALSE(p.IsRetryableStatus(status)) << status;
    EXPECT_FALSE(p.AfterStatus(1, status, "1").retry) << status;
  }
  EXPECT_TRUE(p.AfterStatus(1, 409, std::nullopt).retry);
}

TEST(RetryPolicyTest, SingleAttemptNeverRetries) {
  RetryOptions o;
  o.max_attempts = 1;
  RetryPolicy p(o, FixedHooks());
  EXPECT_FALSE(p.AfterStatus(1, 503, std::nullopt).retry);
  EXPECT_FALSE(p.AfterFailure(1, FailureKind::kConnect).retry);
}

TEST(RetryPolicyTest, TransportFailuresRetriedFatalOnesNot) {
  RetryPolicy p(NoJitter(), FixedHooks());
  for (auto kind : {FailureKind::kConnect, FailureKind::kTimeout, FailureKind::kBrokenBody}) {
    RetryDecision d = p.AfterFailure(1, kind);
    EXPECT_TRUE(d.retry) << FailureKindName(kind);
    EXPECT_EQ(d.delay, milliseconds(250));
    EXPECT_EQ(p.AfterFailure(3, kind).delay, milliseconds(1000));
    EXPECT_FALSE(p.AfterFailure(5, kind).retry);
  }
  EXPECT_FALSE(p.AfterFailure(1, FailureKind::kFatal).retry);
  EXPECT_FALSE(p.AfterFailure(1, FailureKind::kStatus).retry);
}

TEST(RetryPolicyTest, RetryAfterRaisesTheWaitWithinTheCap) {
  RetryOptions o = NoJitter();
  o.retry_after_max_ms = 20'000;
  RetryPolicy p(o, FixedHooks());
  EXPECT_EQ(p.AfterStatus(1, 429, "7").delay, milliseconds(7000));
  EXPECT_EQ(p.AfterStatus(1, 429, " 2 ").delay, milliseconds(2000));
  // Shorter than the backoff: the backoff wins.
  EXPECT_EQ(p.AfterStatus(3, 503, "0").delay, milliseconds(1000));
  EXPECT_EQ(p.AfterStatus(1, 503, "3600").delay, milliseconds(20'000));
  EXPECT_EQ(p.AfterStatus(1, 503, "Tue, 02 Jan 2024 03:04:15 GMT").delay, milliseconds(10'000));
  // Malformed values are ignored.
  EXPECT_EQ(p.AfterStatus(1, 503, "soon").delay, milliseconds(250));
  EXPECT_EQ(p.AfterStatus(1, 503, "-5").delay, milliseconds(250));

  o.honor_retry_after = false;
  RetryPolicy ignoring(o, FixedHooks());
  EXPECT_EQ(ignoring.AfterStatus(1, 429, "7").delay, milliseconds(250));
}

TEST(RetryPolicyTest, SleepGoesThroughTheHook) {
  std::vector<milliseconds> slept;
  RetryHooks hooks = FixedHooks();
  hooks.sleep = [&](milliseconds d) { slept.push_back(d); };
  RetryPolicy p({}, hooks);
  p.Sleep(milliseconds(42));
  p.Sleep(milliseconds(0));  // nothing to wait for
  ASSERT_EQ(slept.size(), 1u);
  EXPECT_EQ(slept[0], milliseconds(42));
  EXPECT_EQ(p.Now(), kNow);
}

TEST(ParseRetryAfterTest, DeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("0", kNow), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("120", kNow), milliseconds(120'000));
  EXPECT_EQ(ParseRetryAfter("\t5", kNow), milliseconds(5000));
  // Absurdly large values clamp to a day instead of overflowing.
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", kNow), milliseconds(86'400'000));
  for (const char* bad : {"", " ", "1.5", "-1", "+3", "3s", "0x10", "1 2"}) {
    EXPECT_EQ(ParseRetryAfter(bad, kNow), std::nullopt) << bad;
  }
}

TEST(ParseRetryAfterTest, HttpDatesInAllThreeForms) {
  // kNow is 2024-01-02 03:04:05 GMT (a Tuesday).
  EXPECT_EQ(ParseRetryAfter("Tue, 02 Jan 2024 03:04:35 GMT", kNow), milliseconds(30'000));
  EXPECT_EQ(ParseRetryAfter("Tuesday, 02-Jan-24 03:05:05 GMT", kNow), milliseconds(60'000));
  EXPECT_EQ(ParseRetryAfter("Tue Jan  2 03:04:10 2024", kNow), milliseconds(5000));
  EXPECT_EQ(ParseRetryAfter("Wed, 03 Jan 2024 03:04:05 GMT", kNow), milliseconds(86'400'000));
  // In the past: retry now.
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kNow), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", kNow), milliseconds(0));
}

TEST(ParseRetryAfterTest, MalformedDates) {
  for (const char* bad : {"Tue, 30 Feb 2024 03:04:05 GMT", "Tue, 02 Foo 2024 03:04:05 GMT",
                          "Tue, 02 Jan 2024 24:00:00 GMT", "Tue, 02 Jan 2024 03:04 GMT",
                          "Tue, 02 Jan 2024 03:04:05 PST", "02 Jan 2024 03:04:05 GMT",
                          "Tue, 02 Jan 202 03:04:05 GMT", "Tue Jan 2 03:04:10", "tomorrow"}) {
    EXPECT_EQ(ParseRetryAfter(bad, kNow), std::nullopt) << bad;
  }
}

TEST(RetryOptionsTest, Validate) {
  EXPECT_TRUE(RetryOptions{}.Validate().ok());
  RetryOptions o;
  o.max_attempts = 0;
  EXPECT_EQ(o.Validate().code(), StatusCode::kInvalidArgument);
  o = {};
  o.backoff_base_ms = -1;
  EXPECT_FALSE(o.Validate().ok());
  o = {};
  o.jitter_ms = -1;
  EXPECT_FALSE(o.Validate().ok());
  o = {};
  o.retry_statuses = {503, 42};
  EXPECT_NE(o.Validate().message().find("42"), std::string::npos);
}

}  // namespace
}  // namespace lanceflow::io
