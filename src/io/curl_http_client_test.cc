// CurlHttpClient against the loopback server: retries, timeouts, truncation, streaming with
// bounded memory, content encodings, secrets. All traffic stays on 127.0.0.1.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <regex>
#include <thread>

#include "lanceflow/core/log.h"
#include "lanceflow/io/http.h"
#include "loopback_http_server.h"

namespace lanceflow::io {
namespace {

using std::chrono::milliseconds;
using testing::GeneratedByte;
using testing::LoopbackHttpServer;
using testing::ScriptedResponse;
using Framing = ScriptedResponse::Framing;

// Proxy settings from the environment must not divert loopback traffic.
const bool kNoProxy = [] {
  setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  setenv("no_proxy", "127.0.0.1,localhost", 1);
  return true;
}();

ScriptedResponse Answer(int status, std::string body = "") {
  ScriptedResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string Generated(int64_t size) {
  std::string s(static_cast<size_t>(size), '\0');
  for (int64_t i = 0; i < size; ++i)
    s[static_cast<size_t>(i)] = static_cast<char>(GeneratedByte(i));
  return s;
}

class CurlHttpClientTest : public ::testing::Test {
 protected:
  HttpClientOptions Options() {
    HttpClientOptions o;
    o.connect_timeout_ms = 2000;
    o.read_timeout_ms = 5000;
    o.retry.backoff_base_ms = 100;
    o.retry.jitter_ms = 0;
    // Retries are instant in tests; the waits they asked for are recorded.
    o.retry_hooks.sleep = [this](milliseconds d) {
      std::lock_guard<std::mutex> lock(mu_);
      sleeps_.push_back(d);
    };
    return o;
  }

  std::unique_ptr<CurlHttpClient> Client(const HttpClientOptions& o) {
    auto r = CurlHttpClient::Make(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return std::move(r).value();
  }
  std::unique_ptr<CurlHttpClient> Client() { return Client(Options()); }

  HttpRequest Get(std::string_view path) {
    HttpRequest r;
    r.method = "GET";
    r.url = server_.Url(path);
    return r;
  }
  HttpRequest Post(std::string_view path, std::string body) {
    HttpRequest r;
    r.method = "POST";
    r.url = server_.Url(path);
    r.body = std::move(body);
    if (!r.body.empty()) r.headers.Add("Content-Type", "application/json");
    return r;
  }

  std::vector<milliseconds> sleeps() {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

  LoopbackHttpServer server_;
  std::mutex mu_;
  std::vector<milliseconds> sleeps_;
};

TEST_F(CurlHttpClientTest, SendReturnsStatusHeadersAndBody) {
  ScriptedResponse r = Answer(200, R"({"tables":["a"]})");
  r.headers = {{"Content-Type", "application/json"}, {"Phalanx-Version", "0.4.1"}};
  server_.Enqueue(r);
  auto client = Client();
  HttpRequest req = Get("/v1/table/?limit=10");
  req.headers.Add("x-lancedb-database", "testdb");
  auto resp = client->Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, R"({"tables":["a"]})");
  EXPECT_EQ(resp->headers.Get("content-type"), "application/json");
  EXPECT_EQ(resp->headers.Get("phalanx-version"), "0.4.1");
  EXPECT_EQ(resp->attempts, 1);

  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].target, "/v1/table/?limit=10");
  EXPECT_EQ(reqs[0].headers.Get("user-agent"), "lanceflow/0.1.0");
  EXPECT_EQ(reqs[0].headers.Get("x-lancedb-database"), "testdb");
  EXPECT_EQ(reqs[0].headers.Get("accept"), "*/*");
  ASSERT_TRUE(reqs[0].headers.Get("accept-encoding").has_value());
  EXPECT_NE(reqs[0].headers.Get("accept-encoding")->find("gzip"), std::string_view::npos);
  auto id = reqs[0].headers.Get("x-request-id");
  ASSERT_TRUE(id.has_value());
  EXPECT_TRUE(std::regex_match(std::string(*id),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}")));
  EXPECT_EQ(resp->request_id, *id);
}

TEST_F(CurlHttpClientTest, PostBodiesCarryOnlyTheirOwnContentType) {
  auto client = Client();
  ASSERT_TRUE(client->Send(Post("/v1/table/t/count_rows/", R"({"version":null})")).ok());
  ASSERT_TRUE(client->Send(Post("/v1/table/t/stats/", "")).ok());
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].body, R"({"version":null})");
  EXPECT_EQ(reqs[0].headers.Get("content-type"), "application/json");
  EXPECT_EQ(reqs[0].headers.Get("content-length"), "16");
  EXPECT_FALSE(reqs[0].headers.Contains("expect"));
  // A body-less POST: length 0 and no (form) content type.
  EXPECT_EQ(reqs[1].body, "");
  EXPECT_EQ(reqs[1].headers.Get("content-length"), "0");
  EXPECT_FALSE(reqs[1].headers.Contains("content-type"));
}

TEST_F(CurlHttpClientTest, RetriesThrottlingAndServerErrorsWithOneRequestId) {
  ScriptedResponse throttled = Answer(429, "slow down");
  server_.Enqueue(throttled);
  server_.Enqueue(Answer(503, "busy"));
  server_.Enqueue(Answer(200, "finally"));
  auto client = Client();
  auto resp = client->Send(Post("/v1/table/t/query/", R"({"k":1})"));
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "finally");
  EXPECT_EQ(resp->attempts, 3);
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.headers.Get("x-request-id"), resp->request_id);
    EXPECT_EQ(r.body, R"({"k":1})");  // the body is sent again on every attempt
  }
  EXPECT_EQ(sleeps(), (std::vector<milliseconds>{milliseconds(100), milliseconds(200)}));
}

TEST_F(CurlHttpClientTest, CallerRequestIdIsKept) {
  auto client = Client();
  HttpRequest req = Get("/x");
  req.headers.Add("X-Request-Id", "my-id-1");
  auto resp = client->Send(req);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->request_id, "my-id-1");
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].headers.Get("x-request-id"), "my-id-1");
  EXPECT_EQ(reqs[0].headers.entries().size(), reqs[0].headers.size());
  int ids = 0;
  for (const auto& [name, value] : reqs[0].headers)
    ids += name == "X-Request-Id" || name == "x-request-id";
  EXPECT_EQ(ids, 1);
}

TEST_F(CurlHttpClientTest, RetryAfterSecondsAndDatesAreHonoured) {
  ScriptedResponse seconds = Answer(429);
  seconds.headers = {{"Retry-After", "3"}};
  ScriptedResponse date = Answer(503);
  date.headers = {{"Retry-After", "Tue, 02 Jan 2024 03:04:12 GMT"}};
  ScriptedResponse huge = Answer(503);
  huge.headers = {{"Retry-After", "86400"}};
  server_.Enqueue(seconds);
  server_.Enqueue(date);
  server_.Enqueue(huge);
  HttpClientOptions o = Options();
  // 2024-01-02T03:04:05Z: the date above is 7 s later.
  o.retry_hooks.now = [] {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1704164645));
  };
  auto client = Client(o);
  auto resp = client->Send(Get("/x"));
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(sleeps(), (std::vector<milliseconds>{milliseconds(3000), milliseconds(7000),
                                                 milliseconds(60'000)}));
}

TEST_F(CurlHttpClientTest, GivesUpAfterMaxAttempts) {
  server_.SetHandler(
      [](const testing::RecordedRequest&, int) { return Answer(503, "overloaded"); });
  auto client = Client();
  auto resp = client->Send(Post("/v1/table/t/query/", "{}"));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), StatusCode::kRemoteError);
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 5u);
  std::string id(*reqs[0].headers.Get("x-request-id"));
  EXPECT_EQ(
      resp.status().message(),
      "POST /v1/table/t/query/: HTTP 503 after 5 attempts (request_id=" + id + "): overloaded");
  EXPECT_EQ(sleeps().size(), 4u);
}

TEST_F(CurlHttpClientTest, ClientErrorsAreNotRetried) {
  HttpClientOptions o = Options();
  o.retry.retry_statuses = {400, 401, 403, 404, 429, 503};  // listing them changes nothing
  auto client = Client(o);
  const std::pair<int, StatusCode> cases[] = {{400, StatusCode::kRemoteError},
                                              {401, StatusCode::kUnauthenticated},
                                              {403, StatusCode::kUnauthenticated},
                                              {404, StatusCode::kNotFound}};
  int expected_requests = 0;
  for (auto [status, code] : cases) {
    server_.Enqueue(Answer(status, R"({"code":)" + std::to_string(status) + "}"));
    auto resp = client->Send(Get("/v1/table/t/describe/"));
    ++expected_requests;
    ASSERT_FALSE(resp.ok());
    EXPECT_EQ(resp.status().code(), code);
    EXPECT_NE(resp.status().message().find("HTTP " + std::to_string(status) + " after 1 attempt"),
              std::string::npos)
        << resp.status().message();
    EXPECT_EQ(server_.request_count(), expected_requests);
  }
  EXPECT_TRUE(sleeps().empty());
}

TEST_F(CurlHttpClientTest, AcceptedStatusesComeBackAsResponses) {
  server_.Enqueue(Answer(404, "no such table"));
  auto client = Client();
  HttpRequest req = Get("/v1/table/t/describe/");
  req.accept_statuses = {404};
  auto resp = client->Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 404);
  EXPECT_EQ(resp->body, "no such table");
}

TEST_F(CurlHttpClientTest, RequestsMarkedNoRetryGetOneAttempt) {
  server_.SetHandler([](const testing::RecordedRequest&, int) { return Answer(503, "no"); });
  auto client = Client();
  HttpRequest req = Post("/v1/table/t/create/", "x");
  req.retry = false;
  auto resp = client->Send(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(server_.request_count(), 1);
  EXPECT_NE(resp.status().message().find("after 1 attempt"), std::string::npos);
}

TEST_F(CurlHttpClientTest, ConnectionRefusedIsRetriedThenReported) {
  HttpClientOptions o = Options();
  o.retry.max_attempts = 3;
  auto client = Client(o);
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(LoopbackHttpServer::UnusedPort()) + "/v1/x?q=1";
  auto resp = client->Send(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), StatusCode::kIOError);
  EXPECT_TRUE(resp.status().message().starts_with("GET /v1/x: connection failed after 3 attempts"))
      << resp.status().message();
  EXPECT_EQ(sleeps(), (std::vector<milliseconds>{milliseconds(100), milliseconds(200)}));
  // Streams are opened with the same retries.
  auto stream = client->Open(req);
  ASSERT_FALSE(stream.ok());
  EXPECT_NE(stream.status().message().find("connection failed after 3 attempts"),
            std::string::npos);
}

TEST_F(CurlHttpClientTest, ConnectionClosedWithoutAnswerIsRetried) {
  ScriptedResponse drop;
  drop.close_without_answer = true;
  server_.Enqueue(drop);
  server_.Enqueue(Answer(200, "second try"));
  auto client = Client();
  auto resp = client->Send(Get("/x"));
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "second try");
  EXPECT_EQ(server_.request_count(), 2);
}

TEST_F(CurlHttpClientTest, ShortBodyIsRetriedBySend) {
  ScriptedResponse cut = Answer(200, std::string(100, 'x'));
  cut.cut_after = 10;
  server_.Enqueue(cut);
  server_.Enqueue(Answer(200, std::string(100, 'y')));
  auto client = Client();
  auto resp = client->Send(Get("/x"));
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, std::string(100, 'y'));
  EXPECT_EQ(resp->attempts, 2);
}

TEST_F(CurlHttpClientTest, ShortBodyEveryTimeIsAnIOError) {
  server_.SetHandler([](const testing::RecordedRequest&, int) {
    ScriptedResponse cut = Answer(200, std::string(100, 'x'));
    cut.cut_after = 10;
    return cut;
  });
  HttpClientOptions o = Options();
  o.retry.max_attempts = 2;
  auto client = Client(o);
  auto resp = client->Send(Get("/big"));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), StatusCode::kIOError);
  const std::string& m = resp.status().message();
  EXPECT_TRUE(m.starts_with("GET /big: response broken off after 2 attempts")) << m;
  EXPECT_NE(m.find("response body ended after 10 of 100 bytes"), std::string::npos) << m;
}

TEST_F(CurlHttpClientTest, StreamReportsABodyCutShort) {
  ScriptedResponse cut = Answer(200, Generated(300'000));
  cut.body_delay_ms = 200;  // Open() returns before any body byte arrives
  cut.cut_after = 200'000;
  server_.SetHandler([&](const testing::RecordedRequest&, int) { return cut; });
  auto client = Client();
  auto stream = client->Open(Get("/v1/table/t/query/"));
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  HttpBodyStream& s = **stream;
  EXPECT_EQ(s.status(), 200);
  EXPECT_EQ(s.content_length(), 300'000);
  std::string got;
  Status error;
  std::vector<uint8_t> buf(10'000);
  for (int i = 0; i < 1000; ++i) {
    auto n = s.Read(buf.data(), static_cast<int64_t>(buf.size()));
    if (!n.ok()) {
      error = n.status();
      break;
    }
    ASSERT_GT(*n, 0) << "the stream must not end cleanly";
    got.append(reinterpret_cast<const char*>(buf.data()), static_cast<size_t>(*n));
  }
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.code(), StatusCode::kIOError);
  EXPECT_NE(error.message().find("response body ended after 200000 of 300000 bytes"),
            std::string::npos)
      << error.message();
  EXPECT_TRUE(s.transport_failed());
  EXPECT_EQ(got, Generated(200'000));
  EXPECT_EQ(s.bytes_read(), 200'000);
  // The error sticks.
  auto again = s.Read(buf.data(), 10);
  EXPECT_EQ(again.status(), error);
}

TEST_F(CurlHttpClientTest, OpenRetriesFailuresBeforeTheBody) {
  ScriptedResponse drop;
  drop.close_without_answer = true;
  server_.Enqueue(drop);
  server_.Enqueue(Answer(502, "bad gateway"));
  server_.Enqueue(Answer(200, "body"));
  auto client = Client();
  auto stream = client->Open(Get("/x"));
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  auto body = ReadAll(**stream, 1000);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, "body");
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].headers.Get("x-request-id"), reqs[2].headers.Get("x-request-id"));
  EXPECT_EQ((*stream)->request_id(), *reqs[0].headers.Get("x-request-id"));
}

TEST_F(CurlHttpClientTest, OpenReportsErrorStatusesWithTheirBody) {
  server_.Enqueue(Answer(404, R"({"error":"Table 't' was not found"})"));
  auto client = Client();
  auto stream = client->Open(Post("/v1/table/t/query/", "{}"));
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), StatusCode::kNotFound);
  EXPECT_NE(stream.status().message().find(
                R"(POST /v1/table/t/query/: HTTP 404 after 1 attempt (request_id=)"),
            std::string::npos);
  EXPECT_TRUE(stream.status().message().ends_with(R"(: {"error":"Table 't' was not found"})"))
      << stream.status().message();
}

TEST_F(CurlHttpClientTest, ConsumeWithRetriesReReadsABrokenPage) {
  const std::string full = Generated(500'000);
  ScriptedResponse cut = Answer(200, full);
  cut.body_delay_ms = 300;  // so that Open() returns first and the break is the consumer's
  cut.cut_after = 123'456;
  server_.Enqueue(cut);
  server_.Enqueue(Answer(200, full));
  auto client = Client();
  HttpRequest req = Post("/v1/table/t/query/", R"({"k":10,"offset":20})");
  std::string page;
  std::vector<int> attempts;
  Status st = ConsumeWithRetries(*client, req, client->retry_policy(),
                                 [&](HttpBodyStream& body, int attempt) -> lanceflow::Status {
                                   attempts.push_back(attempt);
                                   page.clear();
                                   LF_ASSIGN_OR_RETURN(page, ReadAll(body, 1 << 20));
                                   return lanceflow::Status::OK();
                                 });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(attempts, (std::vector<int>{1, 2}));
  EXPECT_EQ(page, full);
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].headers.Get("x-request-id"), reqs[1].headers.Get("x-request-id"));
  EXPECT_EQ(reqs[1].body, R"({"k":10,"offset":20})");
}

TEST_F(CurlHttpClientTest, ConsumeWithRetriesDoesNotRetryConsumerErrors) {
  auto client = Client();
  int calls = 0;
  Status st = ConsumeWithRetries(*client, Get("/x"), client->retry_policy(),
                                 [&](HttpBodyStream&, int) -> lanceflow::Status {
                                   ++calls;
                                   return lanceflow::Status::Corrupt("bad IPC message");
                                 });
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_EQ(calls, 1);
}

TEST_F(CurlHttpClientTest, ConsumeWithRetriesGivesUp) {
  server_.SetHandler([](const testing::RecordedRequest&, int) {
    ScriptedResponse cut = Answer(200, std::string(50'000, 'q'));
    cut.body_delay_ms = 150;
    cut.cut_after = 1000;
    return cut;
  });
  HttpClientOptions o = Options();
  o.retry.max_attempts = 3;
  auto client = Client(o);
  int calls = 0;
  Status st = ConsumeWithRetries(*client, Get("/x"), client->retry_policy(),
                                 [&](HttpBodyStream& body, int) -> lanceflow::Status {
                                   ++calls;
                                   return ReadAll(body, 1 << 20).status();
                                 });
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_EQ(calls, 3);
  EXPECT_NE(st.message().find("gave up after 3 reads"), std::string::npos) << st.message();
}

TEST_F(CurlHttpClientTest, ReadTimeoutWhenTheServerDoesNotAnswer) {
  ScriptedResponse slow = Answer(200, "late");
  slow.delay_ms = 3000;
  server_.SetHandler([&](const testing::RecordedRequest&, int) { return slow; });
  HttpClientOptions o = Options();
  o.read_timeout_ms = 300;
  o.retry.max_attempts = 2;
  auto client = Client(o);
  auto start = std::chrono::steady_clock::now();
  auto resp = client->Send(Get("/x"));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), StatusCode::kIOError);
  EXPECT_TRUE(resp.status().message().starts_with("GET /x: timed out after 2 attempts"))
      << resp.status().message();
  EXPECT_NE(resp.status().message().find("no response for 300 ms"), std::string::npos);
  EXPECT_GE(elapsed, milliseconds(600));
  EXPECT_LT(elapsed, milliseconds(2500));
}

TEST_F(CurlHttpClientTest, ReadTimeoutWhenTheBodyStalls) {
  // The headers arrive, then nothing for longer than the read timeout.
  ScriptedResponse headers_then_silence = Answer(200, std::string(500, 's'));
  headers_then_silence.body_delay_ms = 4000;
  // Every attempt gets the same answer, in case a loaded machine makes Open() itself retry.
  server_.SetHandler([&](const testing::RecordedRequest&, int) { return headers_then_silence; });
  HttpClientOptions o = Options();
  o.read_timeout_ms = 500;
  auto client = Client(o);
  auto stream = client->Open(Get("/x"));
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  uint8_t buf[100];
  auto start = std::chrono::steady_clock::now();
  auto n = (*stream)->Read(buf, sizeof(buf));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("response body stalled for 500 ms (read timeout)"),
            std::string::npos)
      << n.status().message();
  EXPECT_TRUE((*stream)->transport_failed());
  EXPECT_GE(elapsed, milliseconds(500));
  EXPECT_LT(elapsed, milliseconds(3000));
}

TEST_F(CurlHttpClientTest, ASlowButSteadyTrickleIsNotATimeout) {
  ScriptedResponse trickle = Answer(200, std::string(12, 't'));
  trickle.trickle_bytes = 1;
  trickle.trickle_delay_ms = 150;  // 1.8 s in total, never 600 ms without a byte
  server_.Enqueue(trickle);
  HttpClientOptions o = Options();
  o.read_timeout_ms = 600;
  auto client = Client(o);
  auto resp = client->Send(Get("/x"));
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, std::string(12, 't'));
  EXPECT_EQ(resp->attempts, 1);
}

TEST_F(CurlHttpClientTest, ConsumerPausesDoNotCountAsInactivity) {
  constexpr int64_t kSize = 2 << 20;
  ScriptedResponse big;
  big.generated_size = kSize;
  server_.SetHandler([&](const testing::RecordedRequest&, int) { return big; });
  HttpClientOptions o = Options();
  o.read_timeout_ms = 300;
  o.stream_buffer_bytes = 16 << 10;  // most of the body is still on the server while we sleep
  auto client = Client(o);
  auto stream = client->Open(Get("/x"));
  ASSERT_TRUE(stream.ok());
  uint8_t buf[1000];
  ASSERT_TRUE((*stream)->Read(buf, sizeof(buf)).ok());
  std::this_thread::sleep_for(milliseconds(700));  // the consumer is busy elsewhere
  auto rest = ReadAll(**stream, kSize);
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(static_cast<int64_t>(rest->size()), kSize - 1000);
}

TEST_F(CurlHttpClientTest, EmptyBodiesEndAtOnce) {
  server_.Enqueue(Answer(204));
  server_.Enqueue(Answer(200));
  auto client = Client();
  auto stream = client->Open(Post("/v1/table/t/delete/", R"({"predicate":"id = 1"})"));
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  EXPECT_EQ((*stream)->status(), 204);
  uint8_t buf[16];
  auto n = (*stream)->Read(buf, sizeof(buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  auto resp = client->Send(Post("/v1/table/t/insert/", "x"));
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->body, "");
}

TEST_F(CurlHttpClientTest, LargeRequestBodiesAreUploadedWhole) {
  std::string body = Generated(5 << 20);
  auto client = Client();
  HttpRequest req = Post("/v1/table/t/insert/", body);
  req.headers.Set("Content-Type", "application/vnd.apache.arrow.stream");
  auto resp = client->Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_TRUE(reqs[0].body == body);
  EXPECT_EQ(reqs[0].headers.Get("content-type"), "application/vnd.apache.arrow.stream");
  EXPECT_FALSE(reqs[0].headers.Contains("expect"));
}

TEST_F(CurlHttpClientTest, LargeBodyStreamsWithBoundedMemory) {
  constexpr int64_t kSize = 50 << 20;
  constexpr int64_t kBound = 256 << 10;
  ScriptedResponse big;
  big.generated_size = kSize;
  server_.Enqueue(big);
  HttpClientOptions o = Options();
  o.stream_buffer_bytes = kBound;
  auto client = Client(o);
  auto stream = client->Open(Get("/v1/table/t/query/"));
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  HttpBodyStream& s = **stream;
  EXPECT_EQ(s.content_length(), kSize);
  std::vector<uint8_t> buf(64 << 10);
  int64_t offset = 0;
  int64_t mismatches = 0;
  int reads = 0;
  while (reads < 100'000) {
    auto n = s.Read(buf.data(), static_cast<int64_t>(buf.size()));
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    if (*n == 0) break;
    for (int64_t i = 0; i < *n; ++i) {
      mismatches += buf[static_cast<size_t>(i)] != GeneratedByte(offset + i);
    }
    offset += *n;
    // A slow consumer: the server is always ahead, so the client has to hold back.
    if (++reads % 64 == 0) std::this_thread::sleep_for(milliseconds(2));
  }
  EXPECT_EQ(offset, kSize);
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(s.bytes_read(), kSize);
  EXPECT_GT(s.peak_buffered_bytes(), 0);
  EXPECT_LE(s.peak_buffered_bytes(), kBound + CURL_MAX_WRITE_SIZE);
}

TEST_F(CurlHttpClientTest, GzipBodiesAreDecodedBufferedAndStreamed) {
  const std::string text = Generated(3'000'000);
  ScriptedResponse small = Answer(200, "{\"version\":3}");
  small.gzip = true;
  server_.Enqueue(small);
  ScriptedResponse big;
  big.generated_size = static_cast<int64_t>(text.size());
  big.gzip = true;
  big.framing = Framing::kChunked;
  server_.Enqueue(big);

  HttpClientOptions o = Options();
  o.stream_buffer_bytes = 64 << 10;
  auto client = Client(o);
  auto resp = client->Send(Get("/describe"));
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "{\"version\":3}");
  EXPECT_EQ(resp->headers.Get("content-encoding"), "gzip");

  auto stream = client->Open(Get("/query"));
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  EXPECT_EQ((*stream)->content_length(), -1);
  std::string got;
  std::vector<uint8_t> buf(4096);
  for (int i = 0; i < 100'000; ++i) {
    auto n = (*stream)->Read(buf.data(), static_cast<int64_t>(buf.size()));
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    if (*n == 0) break;
    got.append(reinterpret_cast<const char*>(buf.data()), static_cast<size_t>(*n));
  }
  EXPECT_TRUE(got == text) << "decoded " << got.size() << " of " << text.size() << " bytes";
  // Decompressed output is paused the same way.
  EXPECT_GT((*stream)->peak_buffered_bytes(), 0);
  EXPECT_LE((*stream)->peak_buffered_bytes(), (64 << 10) + CURL_MAX_WRITE_SIZE);
}

TEST_F(CurlHttpClientTest, ChunkedAndCloseDelimitedBodies) {
  ScriptedResponse chunked = Answer(200, Generated(200'000));
  chunked.framing = Framing::kChunked;
  chunked.trickle_bytes = 7777;
  server_.Enqueue(chunked);
  ScriptedResponse until_close = Answer(200, Generated(30'000));
  until_close.framing = Framing::kClose;
  server_.Enqueue(until_close);
  auto client = Client();
  auto a = client->Send(Get("/a"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->body, Generated(200'000));
  auto b = client->Open(Get("/b"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)->content_length(), -1);
  auto body = ReadAll(**b, 1 << 20);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, Generated(30'000));
}

TEST_F(CurlHttpClientTest, ChunkedBodyCutShortIsRetried) {
  ScriptedResponse cut = Answer(200, Generated(10'000));
  cut.framing = Framing::kChunked;
  cut.cut_after = 5000;
  server_.Enqueue(cut);
  auto client = Client();
  auto resp = client->Send(Get("/a"));
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "ok");
  EXPECT_EQ(resp->attempts, 2);
}

TEST_F(CurlHttpClientTest, OversizedBufferedBodyIsRefused) {
  server_.Enqueue(Answer(200, std::string(5000, 'b')));
  HttpClientOptions o = Options();
  o.max_response_bytes = 1000;
  auto client = Client(o);
  auto resp = client->Send(Get("/a"));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(resp.status().message().find("larger than 1000 bytes"), std::string::npos);
  EXPECT_EQ(server_.request_count(), 1);
}

TEST_F(CurlHttpClientTest, ConnectionsAreReused) {
  auto client = Client();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client->Send(Get("/a")).ok());
  auto stream = client->Open(Get("/b"));
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE(ReadAll(**stream, 100).ok());
  stream->reset();
  ASSERT_TRUE(client->Send(Get("/c")).ok());
  EXPECT_EQ(server_.request_count(), 7);
  EXPECT_EQ(server_.connection_count(), 1);
}

TEST_F(CurlHttpClientTest, AbandonedStreamLeavesTheClientUsable) {
  ScriptedResponse big;
  big.generated_size = 20 << 20;
  server_.Enqueue(big);
  auto client = Client();
  {
    auto stream = client->Open(Get("/big"));
    ASSERT_TRUE(stream.ok());
    uint8_t buf[1000];
    ASSERT_TRUE((*stream)->Read(buf, sizeof(buf)).ok());
  }  // dropped mid-body
  auto resp = client->Send(Get("/small"));
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "ok");
}

TEST_F(CurlHttpClientTest, StreamOutlivesItsClient) {
  server_.Enqueue(Answer(200, Generated(100'000)));
  auto client = Client();
  auto stream = client->Open(Get("/x"));
  ASSERT_TRUE(stream.ok());
  client.reset();
  auto body = ReadAll(**stream, 1 << 20);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, Generated(100'000));
}

TEST_F(CurlHttpClientTest, ConcurrentRequestsFromSeveralThreads) {
  server_.SetHandler([](const testing::RecordedRequest& r, int) { return Answer(200, r.target); });
  auto client = Client();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string path = "/t" + std::to_string(t) + "/" + std::to_string(i);
        auto resp = client->Send(Get(path));
        if (!resp.ok() || resp->body != path) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(server_.request_count(), 40);
  EXPECT_LE(server_.connection_count(), 8);
}

TEST_F(CurlHttpClientTest, InvalidRequestsAreRejectedBeforeSending) {
  auto client = Client();
  HttpRequest bad_method = Get("/x");
  bad_method.method = "BREW";
  EXPECT_EQ(client->Send(bad_method).status().code(), StatusCode::kInvalidArgument);
  HttpRequest ftp = Get("/x");
  ftp.url = "ftp://127.0.0.1/x";
  EXPECT_EQ(client->Send(ftp).status().code(), StatusCode::kInvalidArgument);
  HttpRequest injected = Get("/x");
  injected.headers.Add("x-lancedb-database", "db\r\nx-evil: 1");
  EXPECT_EQ(client->Send(injected).status().code(), StatusCode::kInvalidArgument);
  HttpRequest bad_name = Get("/x");
  bad_name.headers.Add("bad name", "v");
  EXPECT_EQ(client->Open(bad_name).status().code(), StatusCode::kInvalidArgument);
  HttpRequest get_body = Get("/x");
  get_body.body = "{}";
  EXPECT_EQ(client->Send(get_body).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server_.request_count(), 0);
}

TEST_F(CurlHttpClientTest, ApiKeyNeverAppearsInErrors) {
  const std::string key = "sk_live_loopback_5f3a9c";
  auto client = Client();
  auto with_key = [&](HttpRequest r) {
    r.headers.Add("x-api-key", key);
    return r;
  };
  // A server echoing the key back in its error body.
  server_.SetHandler([](const testing::RecordedRequest& r, int) {
    return Answer(401, "invalid api key '" + std::string(*r.headers.Get("x-api-key")) + "'");
  });
  auto resp = client->Send(with_key(Get("/v1/table/")));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(resp.status().message().find(key), std::string::npos) << resp.status().message();
  EXPECT_NE(resp.status().message().find("invalid api key '***'"), std::string::npos);
  EXPECT_EQ(server_.requests().at(0).headers.Get("x-api-key"), key);  // it was sent, though

  auto stream = client->Open(with_key(Post("/v1/table/t/query/", "{}")));
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().message().find(key), std::string::npos);

  // A key with a line break is refused without being quoted.
  HttpRequest broken = Get("/x");
  broken.headers.Add("x-api-key", key + "\n");
  auto refused = client->Send(broken);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message().find(key), std::string::npos);

  // Transport errors do not carry headers either.
  HttpRequest refused_conn = with_key(Get("/x"));
  refused_conn.url = "http://127.0.0.1:" + std::to_string(LoopbackHttpServer::UnusedPort()) + "/x";
  auto conn = client->Send(refused_conn);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().message().find(key), std::string::npos);
  EXPECT_EQ(Redact("key=" + key), "key=***");
}

TEST_F(CurlHttpClientTest, RetryLogsNameThePathButNoHeaderValues) {
  const std::string key = "sk_log_check_77aa10";
  const std::string db_name = "tenant-database-name";
  server_.Enqueue(Answer(503, "busy"));
  server_.Enqueue(Answer(200, "{}"));
  auto client = Client();
  HttpRequest req = Post("/v1/table/t/query/", "{}");
  req.url += "?filter=secret-ish";
  req.headers.Add("x-api-key", key);
  req.headers.Add("x-lancedb-database", db_name);
  LogLevel old = GetLogLevel();
  SetLogLevel(LogLevel::kDebug);
  ::testing::internal::CaptureStderr();
  auto resp = client->Send(req);
  std::string log = ::testing::internal::GetCapturedStderr();
  SetLogLevel(old);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_NE(log.find("POST /v1/table/t/query/: HTTP 503, attempt 2 in 100 ms"), std::string::npos)
      << log;
  EXPECT_EQ(log.find(key), std::string::npos) << log;
  EXPECT_EQ(log.find(db_name), std::string::npos) << log;
  EXPECT_EQ(log.find("secret-ish"), std::string::npos) << log;
}

}  // namespace
}  // namespace lanceflow::io
