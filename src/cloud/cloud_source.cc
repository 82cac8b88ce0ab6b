#include "lanceflow/cloud/cloud_source.h"

#include <algorithm>
#include <deque>
#include <future>
#include <nlohmann/json.hpp>

#include "lanceflow/core/log.h"
#include "lanceflow/expr/identifier.h"
#include "lanceflow/source/schema_json.h"
#include "query_page.h"

namespace lanceflow::cloud {

using nlohmann::json;

struct CloudSource::Context {
  CloudOptions options;
  std::shared_ptr<io::HttpClient> client;
  std::string base_url;
  std::string prefix;
};

namespace {

constexpr int64_t kMaxPageRows = 100'000;
constexpr int64_t kMinPageRows = 64;

// Percent-encodes everything but RFC 3986 unreserved characters, so a table name can never
// change the shape of a request path.
std::string EncodePathSegment(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '$') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Status CheckTableName(const std::string& table) { return expr::ValidateTableName(table); }

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

// Bytes one row of `type` is expected to take in an IPC body, for sizing pages.
int64_t EstimateBytes(const arrow::DataType& type) {
  using arrow::TypeId;
  switch (type.id()) {
    case TypeId::kUtf8: case TypeId::kLargeUtf8: return 64;
    case TypeId::kBinary: case TypeId::kLargeBinary: return 256;
    case TypeId::kFixedSizeList:
      return std::max<int64_t>(1, type.fixed_size()) * EstimateBytes(*type.children()[0]->type);
    case TypeId::kList: case TypeId::kLargeList:
      return 8 + 8 * EstimateBytes(*type.children()[0]->type);
    case TypeId::kStruct: {
      int64_t n = 1;
      for (const auto& c : type.children()) n += EstimateBytes(*c->type);
      return n;
    }
    case TypeId::kDictionary: return EstimateBytes(*type.value_type());
    default: return std::max<int32_t>(1, type.byte_width());
  }
}

}  // namespace

Status ParseCloudUri(const std::string& uri, CloudOptions* options) {
  constexpr std::string_view kScheme = "db://";
  if (uri.rfind(kScheme, 0) != 0 || uri.size() == kScheme.size()) {
    return Status::Invalid("cloud source must look like db://PROJECT, got '" + uri + "'");
  }
  std::string rest = uri.substr(kScheme.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::string db = rest.substr(0, rest.find('/'));
  for (unsigned char c : db) {
    if (!(std::isalnum(c) || c == '-' || c == '_')) {
      return Status::Invalid("cloud project name '" + db +
                             "' may only contain letters, digits, '-' and '_'");
    }
  }
  if (db.empty()) return Status::Invalid("cloud source '" + uri + "' names no project");
  options->database = rest;
  return Status::OK();
}

Result<std::unique_ptr<CloudSource>> CloudSource::Make(CloudOptions options,
                                                       std::shared_ptr<io::HttpClient> client) {
  auto ctx = std::make_shared<Context>();
  std::string db = options.database.substr(0, options.database.find('/'));
  if (db.empty()) return Status::Invalid("cloud source: no project name");
  if (options.database.find('/') != std::string::npos) {
    ctx->prefix = options.database.substr(options.database.find('/') + 1);
  }
  if (!options.host_override.empty()) {
    std::string base = options.host_override;
    if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0) {
      return Status::Invalid("host override must start with http:// or https://, got '" + base +
                             "'");
    }
    while (!base.empty() && base.back() == '/') base.pop_back();
    ctx->base_url = base;
  } else {
    for (unsigned char c : options.region) {
      if (!(std::isalnum(c) || c == '-')) {
        return Status::Invalid("region '" + options.region + "' is not a valid region name");
      }
    }
    ctx->base_url = "https://" + db + "." + options.region + ".api.lancedb.com";
  }
  if (options.api_key.empty()) {
    return Status::Invalid(
        "no API key for " + std::string("db://") + options.database +
        ": set LANCEDB_API_KEY or pass --api-key-file");
  }
  RegisterSecret(options.api_key);
  if (!client) {
    LF_ASSIGN_OR_RETURN(auto curl, io::CurlHttpClient::Make(options.http));
    client = std::move(curl);
  }
  ctx->client = std::move(client);
  ctx->options = std::move(options);
  std::string base = ctx->base_url;
  return std::unique_ptr<CloudSource>(new CloudSource(std::move(ctx), std::move(base)));
}

namespace {

io::HttpRequest MakeRequest(const CloudSource::Context& ctx, std::string method,
                            std::string path) {
  io::HttpRequest req;
  req.method = std::move(method);
  req.url = ctx.base_url + path;
  req.headers.Add("x-api-key", ctx.options.api_key);
  if (!ctx.options.host_override.empty()) {
    req.headers.Add("x-lancedb-database",
                    ctx.options.database.substr(0, ctx.options.database.find('/')));
  }
  if (!ctx.prefix.empty()) req.headers.Add("x-lancedb-database-prefix", ctx.prefix);
  return req;
}

io::HttpRequest JsonRequest(const CloudSource::Context& ctx, const std::string& path,
                            const json& body) {
  io::HttpRequest req = MakeRequest(ctx, "POST", path);
  req.headers.Add("content-type", "application/json");
  req.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return req;
}

std::string TablePath(const std::string& table, const char* op) {
  return "/v1/table/" + EncodePathSegment(table) + "/" + op + "/";
}

json VersionJson(std::optional<uint64_t> version) {
  return version ? json(*version) : json(nullptr);
}

// Sends a table-scoped request, turning 404 into a NotFound that names the table (and version).
Result<io::HttpResponse> SendTableRequest(const CloudSource::Context& ctx, io::HttpRequest req,
                                          const std::string& table,
                                          std::optional<uint64_t> version) {
  req.accept_statuses = {404};
  LF_ASSIGN_OR_RETURN(auto resp, ctx.client->Send(req));
  if (resp.status == 404) {
    std::string what = "table " + Quoted(table);
    if (version) what += " version " + std::to_string(*version);
    return Status::NotFound(what + " not found");
  }
  return resp;
}

Result<json> ParseJsonBody(const io::HttpResponse& resp, const std::string& what) {
  json j = json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Corrupt(what + ": the server's answer is not valid JSON (" +
                           std::to_string(resp.body.size()) + " bytes)");
  }
  return j;
}

Result<source::TableDescription> DescribeImpl(const CloudSource::Context& ctx,
                                              const std::string& table,
                                              std::optional<uint64_t> version) {
  LF_RETURN_NOT_OK(CheckTableName(table));
  json body = {{"version", VersionJson(version)}};
  LF_ASSIGN_OR_RETURN(auto resp, SendTableRequest(ctx, JsonRequest(ctx, TablePath(table, "describe"),
                                                                   body),
                                                  table, version));
  // Describe answers may carry temporary storage credentials: never log or echo the body.
  const std::string what = "describe table " + Quoted(table);
  LF_ASSIGN_OR_RETURN(json j, ParseJsonBody(resp, what));
  if (!j.is_object() || !j.contains("version") || !j["version"].is_number_unsigned() ||
      !j.contains("schema") || !j["schema"].is_object()) {
    return Status::Corrupt(what + ": the answer lacks an integer \"version\" or a \"schema\"");
  }
  source::TableDescription d;
  d.name = table;
  d.version = j["version"].get<uint64_t>();
  auto schema = source::SchemaFromJson(j["schema"].dump());
  if (!schema.ok()) return schema.status().WithContext(what);
  d.schema = std::move(schema).value();
  if (version && d.version != *version) {
    return Status::Corrupt(what + ": asked for version " + std::to_string(*version) +
                           ", the server described version " + std::to_string(d.version));
  }
  return d;
}

Result<int64_t> CountImpl(const CloudSource::Context& ctx, const std::string& table,
                          const std::string& predicate_sql, std::optional<uint64_t> version) {
  json body = {{"version", VersionJson(version)}};
  if (!predicate_sql.empty()) body["predicate"] = predicate_sql;
  LF_ASSIGN_OR_RETURN(auto resp, SendTableRequest(ctx, JsonRequest(ctx, TablePath(table, "count_rows"),
                                                                   body),
                                                  table, version));
  const std::string what = "count rows of table " + Quoted(table);
  LF_ASSIGN_OR_RETURN(json j, ParseJsonBody(resp, what));
  if (!j.is_number_unsigned()) {
    return Status::Corrupt(what + ": the answer is not a non-negative integer");
  }
  uint64_t n = j.get<uint64_t>();
  if (n > static_cast<uint64_t>(INT64_MAX)) return Status::Corrupt(what + ": count out of range");
  return static_cast<int64_t>(n);
}

// Reads the pages of one pinned scan, one page ahead of the consumer.
class CloudScanReader : public arrow::RecordBatchReader {
 public:
  struct Plan {
    std::string table;
    uint64_t version = 0;
    std::vector<std::string> columns;  // empty = all
    std::string filter_sql;
    arrow::SchemaPtr schema;  // of the rows returned
    int64_t first_row = 0;    // rows of the filtered result skipped (ScanOptions::offset)
    int64_t total_rows = 0;   // rows to read after first_row (count, capped by the limit)
    int64_t page_rows = 0;
    int64_t batch_rows = 0;
  };

  CloudScanReader(std::shared_ptr<const CloudSource::Context> ctx, Plan plan)
      : ctx_(std::move(ctx)), plan_(std::move(plan)) {}

  ~CloudScanReader() override {
    if (prefetch_.valid()) prefetch_.wait();
  }

  arrow::SchemaPtr schema() const override { return plan_.schema; }

  Result<arrow::RecordBatchPtr> Next() override {
    while (ready_.empty()) {
      if (fetched_rows_ >= plan_.total_rows) return arrow::RecordBatchPtr();
      Result<std::vector<arrow::RecordBatchPtr>> page =
          prefetch_.valid() ? prefetch_.get() : FetchPage(fetched_rows_, PageSize(fetched_rows_));
      if (!page.ok()) {
        fetched_rows_ = plan_.total_rows;  // a failed scan stays failed
        return page.status();
      }
      const int64_t want = PageSize(fetched_rows_);
      int64_t got = 0;
      for (auto& b : *page) got += b->num_rows();
      if (got != want) {
        fetched_rows_ = plan_.total_rows;
        return Status::Corrupt("table " + Quoted(plan_.table) + " version " +
                               std::to_string(plan_.version) + ": the page at row " +
                               std::to_string(fetched_rows_) + " returned " +
                               std::to_string(got) + " rows, expected " + std::to_string(want));
      }
      fetched_rows_ += got;
      if (fetched_rows_ < plan_.total_rows) {
        int64_t offset = fetched_rows_, size = PageSize(fetched_rows_);
        prefetch_ = std::async(std::launch::async,
                               [this, offset, size] { return FetchPage(offset, size); });
      }
      for (auto& b : *page) {
        for (int64_t start = 0; start < b->num_rows(); start += plan_.batch_rows) {
          ready_.push_back(start == 0 && b->num_rows() <= plan_.batch_rows
                               ? b
                               : b->Slice(start, std::min(plan_.batch_rows, b->num_rows() - start)));
        }
      }
    }
    auto b = std::move(ready_.front());
    ready_.pop_front();
    return b;
  }

 private:
  int64_t PageSize(int64_t offset) const {
    return std::min(plan_.page_rows, plan_.total_rows - offset);
  }

  Result<std::vector<arrow::RecordBatchPtr>> FetchPage(int64_t offset, int64_t k) const {
    json body = {{"k", k}, {"prefilter", true}, {"vector", json::array()},
                 {"version", plan_.version}};
    offset += plan_.first_row;
    if (offset > 0) body["offset"] = offset;
    if (!plan_.columns.empty()) body["columns"] = plan_.columns;
    if (!plan_.filter_sql.empty()) body["filter"] = plan_.filter_sql;
    io::HttpRequest req = JsonRequest(*ctx_, TablePath(plan_.table, "query"), body);
    const std::string what = "query table " + Quoted(plan_.table) + " at row " +
                             std::to_string(offset);
    std::vector<arrow::RecordBatchPtr> batches;
    io::RetryPolicy policy(ctx_->options.http.retry, ctx_->options.http.retry_hooks);
    Status st = io::ConsumeWithRetries(
        *ctx_->client, req, policy, [&](io::HttpBodyStream& body_stream, int) -> Status {
          batches.clear();
          return DecodeQueryPage(body_stream, *plan_.schema, &batches);
        });
    if (!st.ok()) {
      if (st.code() == StatusCode::kNotFound) {
        return Status::NotFound("table " + Quoted(plan_.table) + " version " +
                                std::to_string(plan_.version) + " not found");
      }
      return st.WithContext(what);
    }
    return batches;
  }

  std::shared_ptr<const CloudSource::Context> ctx_;
  Plan plan_;
  int64_t fetched_rows_ = 0;
  std::deque<arrow::RecordBatchPtr> ready_;
  std::future<Result<std::vector<arrow::RecordBatchPtr>>> prefetch_;
};

}  // namespace

Result<std::vector<std::string>> CloudSource::ListTables() {
  std::vector<std::string> names;
  std::string token;
  for (int page = 0; page < 100'000; ++page) {
    std::string path = "/v1/table/?limit=1000";
    if (!token.empty()) path += "&page_token=" + EncodePathSegment(token);
    LF_ASSIGN_OR_RETURN(auto resp, ctx_->client->Send(MakeRequest(*ctx_, "GET", path)));
    LF_ASSIGN_OR_RETURN(json j, ParseJsonBody(resp, "list tables"));
    if (!j.is_object() || !j.contains("tables") || !j["tables"].is_array()) {
      return Status::Corrupt("list tables: the answer has no \"tables\" array");
    }
    for (const auto& t : j["tables"]) {
      if (!t.is_string()) return Status::Corrupt("list tables: a table name is not a string");
      names.push_back(t.get<std::string>());
    }
    std::string next;
    if (j.contains("page_token") && j["page_token"].is_string()) {
      next = j["page_token"].get<std::string>();
    }
    // Stop at the last page, and when the token does not advance (a server bug would loop).
    if (next.empty() || j["tables"].empty() || next == token) break;
    token = next;
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

Result<source::TableDescription> CloudSource::Describe(const std::string& table,
                                                       std::optional<uint64_t> version) {
  return DescribeImpl(*ctx_, table, version);
}

Result<int64_t> CloudSource::CountRows(const std::string& table, const std::string& filter,
                                       std::optional<uint64_t> version) {
  LF_RETURN_NOT_OK(CheckTableName(table));
  std::string sql;
  if (!filter.empty()) {
    LF_ASSIGN_OR_RETURN(auto d, DescribeImpl(*ctx_, table, version));
    LF_ASSIGN_OR_RETURN(sql, RenderFilter(filter, *d.schema));
  }
  return CountImpl(*ctx_, table, sql, version);
}

Result<std::vector<source::VersionInfo>> CloudSource::ListVersions(const std::string& table) {
  LF_RETURN_NOT_OK(CheckTableName(table));
  io::HttpRequest req = MakeRequest(*ctx_, "POST", TablePath(table, "version/list"));
  LF_ASSIGN_OR_RETURN(auto resp, SendTableRequest(*ctx_, std::move(req), table, std::nullopt));
  const std::string what = "list versions of table " + Quoted(table);
  LF_ASSIGN_OR_RETURN(json j, ParseJsonBody(resp, what));
  if (!j.is_object() || !j.contains("versions") || !j["versions"].is_array()) {
    return Status::Corrupt(what + ": the answer has no \"versions\" array");
  }
  std::vector<source::VersionInfo> out;
  for (const auto& v : j["versions"]) {
    if (!v.is_object() || !v.contains("version") || !v["version"].is_number_unsigned()) {
      return Status::Corrupt(what + ": an entry has no integer \"version\"");
    }
    source::VersionInfo info;
    info.version = v["version"].get<uint64_t>();
    if (v.contains("timestamp") && v["timestamp"].is_string()) {
      info.timestamp = v["timestamp"].get<std::string>();
    }
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  return out;
}

Result<source::Scan> CloudSource::OpenScan(const std::string& table,
                                           const source::ScanOptions& options) {
  LF_RETURN_NOT_OK(CheckTableName(table));
  if (!options.fragment_ids.empty()) {
    return Status::NotImplemented("table " + Quoted(table) +
                                  ": LanceDB Cloud scans cannot be restricted to fragments");
  }
  if (options.offset < 0) {
    return Status::Invalid("table " + Quoted(table) + ": negative scan offset " +
                           std::to_string(options.offset));
  }
  // Pin the version first: every later request of this scan names it.
  LF_ASSIGN_OR_RETURN(auto desc, DescribeImpl(*ctx_, table, options.version));
  CloudScanReader::Plan plan;
  plan.table = table;
  plan.version = desc.version;
  if (options.columns.empty()) {
    plan.schema = desc.schema;
  } else {
    std::vector<arrow::FieldPtr> fields;
    for (const auto& c : options.columns) {
      int i = desc.schema->GetFieldIndex(c);
      if (i < 0) return Status::NotFound("table " + Quoted(table) + " has no column " + Quoted(c));
      fields.push_back(desc.schema->field(i));
    }
    plan.columns = options.columns;
    plan.schema = std::make_shared<const arrow::Schema>(std::move(fields),
                                                        desc.schema->metadata());
  }
  if (!options.filter.empty()) {
    auto sql = RenderFilter(options.filter, *desc.schema);
    if (!sql.ok()) return sql.status().WithContext("table " + Quoted(table));
    plan.filter_sql = *sql;
  }
  LF_ASSIGN_OR_RETURN(int64_t count, CountImpl(*ctx_, table, plan.filter_sql, desc.version));
  plan.first_row = options.offset;
  const int64_t after = std::max<int64_t>(0, count - options.offset);
  plan.total_rows = options.limit >= 0 ? std::min(after, options.limit) : after;
  int64_t row_bytes = 1;
  for (const auto& f : plan.schema->fields()) row_bytes += EstimateBytes(*f->type);
  plan.page_rows = ctx_->options.page_rows > 0
                       ? ctx_->options.page_rows
                       : std::clamp(ctx_->options.page_bytes / row_bytes, kMinPageRows, kMaxPageRows);
  plan.batch_rows = options.batch_rows > 0 ? options.batch_rows : plan.page_rows;
  source::Scan scan;
  scan.version = desc.version;
  scan.reader = std::make_unique<CloudScanReader>(ctx_, std::move(plan));
  return scan;
}

}  // namespace lanceflow::cloud
