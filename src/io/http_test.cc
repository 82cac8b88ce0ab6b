// HTTP helpers that need no network: headers, request ids, URL paths, error messages.
#include "lanceflow/io/http.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "lanceflow/core/log.h"

namespace lanceflow::io {
namespace {

TEST(HttpHeadersTest, LookupIgnoresCase) {
  HttpHeaders h{{"Content-Type", "application/json"}, {"X-Thing", "1"}};
  EXPECT_EQ(h.Get("content-type"), "application/json");
  EXPECT_EQ(h.Get("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(h.Get("x-thing"), "1");
  EXPECT_EQ(h.Get("content-length"), std::nullopt);
  h.Add("x-thing", "2");
  EXPECT_EQ(h.Get("X-THING"), "1");  // the first one
  h.Set("X-Thing", "3");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.Get("x-thing"), "3");
  h.Remove("CONTENT-type");
  EXPECT_FALSE(h.Contains("content-type"));
}

TEST(RequestIdTest, IsRandomUuidV4) {
  const std::regex kUuidV4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewRequestId();
    ASSERT_TRUE(std::regex_match(id, kUuidV4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(UrlPathForMessagesTest, KeepsOnlyThePath) {
  EXPECT_EQ(UrlPathForMessages("https://db.us-east-1.api.lancedb.com/v1/table/t/query/"),
            "/v1/table/t/query/");
  EXPECT_EQ(UrlPathForMessages("http://user:pw@127.0.0.1:8080/v1/table/?limit=10&page_token=x"),
            "/v1/table/");
  EXPECT_EQ(UrlPathForMessages("http://host:1/a#frag"), "/a");
  EXPECT_EQ(UrlPathForMessages("http://host:1"), "/");
  EXPECT_EQ(UrlPathForMessages("http://host?q=1"), "/");
  EXPECT_EQ(UrlPathForMessages("/already/a/path?x"), "/already/a/path");
}

TEST(SensitiveHeaderTest, CredentialsAreRecognised) {
  for (const char* name : {"x-api-key", "X-API-Key", "Authorization", "proxy-authorization",
                           "Cookie", "x-session-token", "X-Client-Secret", "x-my-api-key"}) {
    EXPECT_TRUE(IsSensitiveHeader(name)) << name;
  }
  for (const char* name : {"content-type", "x-request-id", "x-lancedb-database", "user-agent"}) {
    EXPECT_FALSE(IsSensitiveHeader(name)) << name;
  }
}

TEST(HttpStatusErrorTest, MessageAndCode) {
  Status st = HttpStatusError("POST", "http://127.0.0.1:9/v1/table/t/query/?x=1", 503, 5, "abc-123",
                              "overloaded");
  EXPECT_EQ(st.code(), StatusCode::kRemoteError);
  EXPECT_EQ(st.message(),
            "POST /v1/table/t/query/: HTTP 503 after 5 attempts (request_id=abc-123): overloaded");
  EXPECT_EQ(HttpStatusError("GET", "http://h/x", 401, 1, "", "").code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(HttpStatusError("GET", "http://h/x", 403, 1, "", "").code(),
            StatusCode::kUnauthenticated);
  Status nf = HttpStatusError("GET", "http://h/x", 404, 1, "", "");
  EXPECT_EQ(nf.code(), StatusCode::kNotFound);
  EXPECT_EQ(nf.message(), "GET /x: HTTP 404 after 1 attempt: (empty body)");
}

TEST(HttpStatusErrorTest, BodyIsOneRedactedLineOfBoundedLength) {
  RegisterSecret("sk-body-secret-7781");
  std::string body = "line1\r\nkey=sk-body-secret-7781\n" + std::string(2000, 'x');
  Status st = HttpStatusError("GET", "http://h/x", 400, 1, "id", body);
  const std::string& m = st.message();
  EXPECT_EQ(m.find("sk-body-secret-7781"), std::string::npos);
  EXPECT_NE(m.find("line1  key=*** xxx"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos);
  EXPECT_EQ(m.find('\r'), std::string::npos);
  size_t body_at = m.find("): ") + 3;
  EXPECT_EQ(m.size() - body_at, 503u);  // 500 bytes + "..."
  EXPECT_TRUE(m.ends_with("..."));
}

TEST(HttpStatusErrorTest, SecretAtTheCutIsStillRedacted) {
  // Cutting before redacting would leave "sk-cut-sec" behind.
  RegisterSecret("sk-cut-secret-0042");
  std::string body = std::string(495, 'a') + "sk-cut-secret-0042";
  std::string m = HttpStatusError("GET", "http://h/x", 500, 1, "", body).message();
  EXPECT_EQ(m.find("sk-cut"), std::string::npos) << m;
}

TEST(HttpStatusErrorTest, DoesNotSplitUtf8) {
  std::string body = std::string(499, 'a') + "\xC3\xA9" + "tail";  // é straddles byte 500
  std::string m = HttpStatusError("GET", "http://h/x", 500, 1, "", body).message();
  EXPECT_TRUE(m.ends_with(std::string(499, 'a') + "...")) << m;
}

TEST(HttpClientOptionsTest, Validate) {
  EXPECT_TRUE(HttpClientOptions{}.Validate().ok());
  HttpClientOptions o;
  o.read_timeout_ms = 0;
  EXPECT_EQ(o.Validate().code(), StatusCode::kInvalidArgument);
  o = {};
  o.user_agent = "a\r\nx-evil: 1";
  EXPECT_FALSE(o.Validate().ok());
  o = {};
  o.retry.max_attempts = 0;
  EXPECT_FALSE(o.Validate().ok());
  EXPECT_EQ(HttpClientOptions{}.retry.max_attempts, 5);
  EXPECT_EQ(HttpClientOptions{}.user_agent, "lanceflow/0.1.0");
}

}  // namespace
}  // namespace lanceflow::io
