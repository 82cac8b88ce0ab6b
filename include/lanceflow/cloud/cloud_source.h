// LanceDB Cloud / Enterprise over its REST API, as a source::Source.
//
// Every scan is pinned: the table version is read once (describe) when the scan opens and every
// count and page request carries it, so a scan is one consistent snapshot even while writers
// commit. Pages are plain queries ("vector": [], never a dummy vector) of at most page_rows rows
// (offset/k paging planned with count_rows); each page is decoded from Arrow IPC (file or stream,
// by content type) and handed out batch by batch, with the next page fetched in the background,
// so memory follows two pages, not the table.
//
// The API key travels only in the x-api-key header and is registered for redaction.
#pragma once

#include <memory>
#include <string>

#include "lanceflow/io/http.h"
#include "lanceflow/source/source.h"

namespace lanceflow::cloud {

struct CloudOptions {
  std::string database;       // the PROJECT of db://PROJECT (may contain a /prefix)
  std::string region = "us-east-1";
  std::string host_override;  // replaces https://{db}.{region}.api.lancedb.com when set
  std::string api_key;
  // Rows per query page; 0 = chosen from the schema so that a page holds about page_bytes.
  int64_t page_rows = 0;
  int64_t page_bytes = int64_t{16} << 20;
  io::HttpClientOptions http;
};

// Parses "db://PROJECT[/prefix]" into options.database. InvalidArgument otherwise.
Status ParseCloudUri(const std::string& uri, CloudOptions* options);

class CloudSource : public source::Source {
 public:
  // Uses `client` for every request (tests pass fault-injecting clients); nullptr = libcurl.
  static Result<std::unique_ptr<CloudSource>> Make(CloudOptions options,
                                                   std::shared_ptr<io::HttpClient> client = nullptr);

  Result<std::vector<std::string>> ListTables() override;
  Result<source::TableDescription> Describe(const std::string& table,
                                            std::optional<uint64_t> version) override;
  Result<int64_t> CountRows(const std::string& table, const std::string& filter,
                            std::optional<uint64_t> version) override;
  Result<std::vector<source::VersionInfo>> ListVersions(const std::string& table) override;
  // options.offset skips rows of the filtered result (the query's "offset", at the pinned
  // version); options.fragment_ids is not supported (NotImplemented when set).
  Result<source::Scan> OpenScan(const std::string& table,
                                const source::ScanOptions& options) override;
  // Offset paging at a pinned version; the order is the server's scan order for that version
  // and plan (the REST reference marks its stability on LanceDB Cloud as unverified).
  bool SupportsScanOffset() const override { return true; }

  const std::string& base_url() const { return base_url_; }

  struct Context;

 private:
  CloudSource(std::shared_ptr<Context> ctx, std::string base_url)
      : ctx_(std::move(ctx)), base_url_(std::move(base_url)) {}
  std::shared_ptr<Context> ctx_;
  std::string base_url_;
};

}  // namespace lanceflow::cloud
