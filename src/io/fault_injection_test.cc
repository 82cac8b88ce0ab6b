#include "lanceflow/io/fault_injection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

namespace lanceflow::io {
namespace {

using std::chrono::milliseconds;

class MemoryStream : public HttpBodyStream {
 public:
  explicit MemoryStream(std::string body) : body_(std::move(body)) {}
  int status() const override { return 200; }
  const HttpHeaders& headers() const override { return headers_; }
  const std::string& request_id() const override { return id_; }
  int64_t content_length() const override { return static_cast<int64_t>(body_.size()); }
  int64_t bytes_read() const override { return pos_; }
  bool transport_failed() const override { return false; }
  int64_t peak_buffered_bytes() const override { return 0; }
  Result<int64_t> Read(uint8_t* dst, int64_t n) override {
    int64_t take = std::min<int64_t>(n, static_cast<int64_t>(body_.size()) - pos_);
    std::memcpy(dst, body_.data() + pos_, static_cast<size_t>(take));
    pos_ += take;
    return take;
  }

 private:
  std::string body_;
  HttpHeaders headers_;
  std::string id_ = "mem-1";
  int64_t pos_ = 0;
};

// Answers every request with 200 and the same body.
class MemoryClient : public HttpClient {
 public:
  explicit MemoryClient(std::string body) : body_(std::move(body)) {}
  Result<HttpResponse> Send(const HttpRequest&) override {
    HttpResponse r;
    r.status = 200;
    r.body = body_;
    r.attempts = 1;
    return r;
  }
  Result<std::unique_ptr<HttpBodyStream>> Open(const HttpRequest&) override {
    return std::unique_ptr<HttpBodyStream>(std::make_unique<MemoryStream>(body_));
  }

 private:
  std::string body_;
};

std::string Body() {
  std::string s;
  for (int i = 0; i < 100; ++i) s += static_cast<char>('A' + i % 26);
  return s;
}

HttpRequest Req(std::string path) {
  HttpRequest r;
  r.method = "POST";
  r.url = "http://127.0.0.1:1" + path;
  return r;
}

TEST(FaultInjectingHttpClientTest, PassesThroughAndRecords) {
  FaultInjectingHttpClient client(std::make_shared<MemoryClient>(Body()));
  auto resp = client.Send(Req("/a"));
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->body, Body());
  auto stream = client.Open(Req("/b"));
  ASSERT_TRUE(stream.ok());
  auto all = ReadAll(**stream, 1000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, Body());
  auto reqs = client.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].url, "http://127.0.0.1:1/b");
}

TEST(FaultInjectingHttpClientTest, QueuedFailuresComeFirst) {
  FaultInjectingHttpClient client(std::make_shared<MemoryClient>(Body()));
  client.Enqueue({Status::Unauthenticated("bad key"), -1, 0});
  client.Enqueue({Status::IOError("reset"), -1, 0});
  EXPECT_EQ(client.Send(Req("/a")).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(client.Open(Req("/a")).status().code(), StatusCode::kIOError);
  EXPECT_TRUE(client.Send(Req("/a")).ok());
  client.SetDefault({Status::RemoteError("HTTP 503"), -1, 0});
  EXPECT_EQ(client.Send(Req("/a")).status().code(), StatusCode::kRemoteError);
  EXPECT_EQ(client.Send(Req("/a")).status().code(), StatusCode::kRemoteError);
}

TEST(FaultInjectingHttpClientTest, CutBodyAndShortReads) {
  FaultInjectingHttpClient client(std::make_shared<MemoryClient>(Body()));
  client.Enqueue({Status::OK(), 40, 7});
  auto stream = client.Open(Req("/v1/table/t/query/"));
  ASSERT_TRUE(stream.ok());
  HttpBodyStream& s = **stream;
  std::string got;
  uint8_t buf[64];
  Status error;
  for (int i = 0; i < 100; ++i) {
    auto n = s.Read(buf, sizeof(buf));
    if (!n.ok()) {
      error = n.status();
      break;
    }
    ASSERT_GT(*n, 0);
    ASSERT_LE(*n, 7);
    got.append(reinterpret_cast<char*>(buf), static_cast<size_t>(*n));
  }
  EXPECT_EQ(got, Body().substr(0, 40));
  EXPECT_EQ(error.code(), StatusCode::kIOError);
  EXPECT_EQ(error.message(),
            "POST /v1/table/t/query/ (request_id=mem-1): response body ended after 40 of 100 "
            "bytes: injected fault");
  EXPECT_TRUE(s.transport_failed());
  EXPECT_EQ(s.bytes_read(), 40);
}

TEST(FaultInjectingHttpClientTest, ConsumeWithRetriesStartsThePageOver) {
  FaultInjectingHttpClient client(std::make_shared<MemoryClient>(Body()));
  client.Enqueue({Status::OK(), 30, 0});
  std::vector<milliseconds> slept;
  RetryOptions options;
  options.jitter_ms = 0;
  RetryHooks hooks;
  hooks.sleep = [&](milliseconds d) { slept.push_back(d); };
  RetryPolicy policy(options, hooks);
  std::string page;
  int calls = 0;
  Status st = ConsumeWithRetries(client, Req("/q"), policy, [&](HttpBodyStream& body, int attempt) {
    ++calls;
    EXPECT_EQ(attempt, calls);
    page.clear();
    LF_ASSIGN_OR_RETURN(page, ReadAll(body, 1000));
    return Status::OK();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(page, Body());
  EXPECT_EQ(slept, std::vector<milliseconds>{milliseconds(250)});
  auto reqs = client.requests();
  ASSERT_EQ(reqs.size(), 2u);
  auto id = reqs[0].headers.Get("x-request-id");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(reqs[1].headers.Get("x-request-id"), id);
}

TEST(FaultInjectingHttpClientTest, ConsumeWithRetriesLeavesOpenErrorsAlone) {
  // Open() already retried whatever it could: its error is final.
  FaultInjectingHttpClient client(std::make_shared<MemoryClient>(Body()));
  client.Enqueue({Status::IOError("connection failed after 5 attempts"), -1, 0});
  int calls = 0;
  Status st = ConsumeWithRetries(client, Req("/q"), RetryPolicy(), [&](HttpBodyStream&, int) {
    ++calls;
    return Status::OK();
  });
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(client.requests().size(), 1u);
}

TEST(FaultInjectingHttpClientTest, NoRetryRequestsAreNotReRead) {
  FaultInjectingHttpClient client(std::make_shared<MemoryClient>(Body()));
  client.Enqueue({Status::OK(), 10, 0});
  HttpRequest req = Req("/q");
  req.retry = false;
  Status st = ConsumeWithRetries(client, req, RetryPolicy(), [&](HttpBodyStream& body, int) {
    return ReadAll(body, 1000).status();
  });
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_EQ(client.requests().size(), 1u);
}

}  // namespace
}  // namespace lanceflow::io
