#include "lanceflow/connect/open_source.h"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "lanceflow/cloud/cloud_source.h"
#include "lanceflow/core/log.h"
#include "lanceflow/lance/local_source.h"

namespace lanceflow::connect {
namespace {

Result<std::string> ReadApiKey(const SourceSpec& spec) {
  if (!spec.api_key.empty()) {
    if (spec.api_key.find_first_of("\r\n") != std::string::npos) {
      return Status::Invalid("the API key holds a line break");
    }
    return spec.api_key;
  }
  if (!spec.api_key_file.empty()) {
    std::ifstream in(spec.api_key_file, std::ios::binary);
    if (!in) return Status::IOError("cannot read API key file '" + spec.api_key_file + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string key = ss.str();
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' ')) {
      key.pop_back();
    }
    if (key.empty()) return Status::Invalid("API key file '" + spec.api_key_file + "' is empty");
    if (key.find_first_of("\r\n") != std::string::npos) {
      return Status::Invalid("API key file '" + spec.api_key_file + "' holds more than one line");
    }
    return key;
  }
  const char* env = std::getenv(spec.api_key_env.c_str());
  if (env == nullptr || *env == 0) {
    return Status::Invalid("no API key: set " + spec.api_key_env + " or pass --api-key-file FILE");
  }
  return std::string(env);
}

Status ParseInt(const std::map<std::string, std::string>& options, const std::string& key,
                int64_t lo, int64_t hi, int64_t* out) {
  auto it = options.find(key);
  if (it == options.end()) return Status::OK();
  const std::string& s = it->second;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) {
    return Status::Invalid("option " + key + " must be an integer in " + std::to_string(lo) + ".." +
                           std::to_string(hi) + ", got '" + s + "'");
  }
  *out = v;
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<source::Source>> OpenSource(const SourceSpec& spec) {
  if (!spec.api_key.empty()) RegisterSecret(spec.api_key);
  if (spec.source.empty()) return Status::Invalid("--source is empty");
  if (spec.source.rfind("db://", 0) == 0) {
    cloud::CloudOptions opts;
    LF_RETURN_NOT_OK(cloud::ParseCloudUri(spec.source, &opts));
    opts.region = spec.region;
    opts.host_override = spec.host_override;
    if (opts.host_override.empty()) {
      if (const char* env = std::getenv("LANCEDB_HOST_OVERRIDE")) opts.host_override = env;
    }
    LF_ASSIGN_OR_RETURN(opts.api_key, ReadApiKey(spec));
    RegisterSecret(opts.api_key);
    opts.http.connect_timeout_ms = spec.connect_timeout_ms;
    opts.http.read_timeout_ms = spec.read_timeout_ms;
    opts.http.retry.max_attempts = spec.max_attempts;
    opts.page_rows = spec.page_rows;
    LF_ASSIGN_OR_RETURN(auto src, cloud::CloudSource::Make(std::move(opts)));
    return std::unique_ptr<source::Source>(std::move(src));
  }
  if (spec.source.find("://") != std::string::npos && spec.source.rfind("file://", 0) != 0) {
    return Status::Invalid("unsupported source '" + spec.source +
                           "': use a directory path, file:///path or db://PROJECT");
  }
  LF_ASSIGN_OR_RETURN(auto src, lance::LocalSource::Open(spec.source));
  return std::unique_ptr<source::Source>(std::move(src));
}

Result<SourceSpec> SourceSpecFromOptions(const std::map<std::string, std::string>& options) {
  SourceSpec spec;
  auto get = [&](const char* key) -> const std::string* {
    auto it = options.find(key);
    return it == options.end() ? nullptr : &it->second;
  };
  // Register the key first: nothing below may echo it, but a caller's log line might.
  if (const auto* v = get("api_key")) {
    spec.api_key = *v;
    if (!spec.api_key.empty()) RegisterSecret(spec.api_key);
  }
  const std::string* database = get("database");
  const std::string* project = get("project_name");
  if (database != nullptr && project != nullptr && *database != *project) {
    return Status::Invalid("options database and project_name name different projects");
  }
  if (database == nullptr) database = project;
  if (database != nullptr && database->empty()) {
    return Status::Invalid("option database (project_name) is empty");
  }
  if (const auto* v = get("source")) spec.source = *v;
  if (database != nullptr) {
    const std::string uri = "db://" + *database;
    if (!spec.source.empty() && spec.source != uri) {
      return Status::Invalid("options source '" + spec.source + "' and database '" + *database +
                             "' disagree");
    }
    spec.source = uri;
  }
  if (spec.source.empty()) {
    return Status::Invalid(
        "no source: set option source (a directory, file:///path or "
        "db://PROJECT) or database");
  }
  if (const auto* v = get("region")) {
    if (v->empty()) return Status::Invalid("option region is empty");
    spec.region = *v;
  }
  if (const auto* v = get("host_override")) spec.host_override = *v;
  if (const auto* v = get("api_key_file")) spec.api_key_file = *v;
  if (const auto* v = get("api_key_env")) {
    if (v->empty()) return Status::Invalid("option api_key_env is empty");
    spec.api_key_env = *v;
  }
  LF_RETURN_NOT_OK(ParseInt(options, "connect_timeout_ms", 1, 600'000, &spec.connect_timeout_ms));
  LF_RETURN_NOT_OK(ParseInt(options, "read_timeout_ms", 1, 3'600'000, &spec.read_timeout_ms));
  int64_t attempts = spec.max_attempts;
  LF_RETURN_NOT_OK(ParseInt(options, "max_attempts", 1, 20, &attempts));
  spec.max_attempts = static_cast<int>(attempts);
  LF_RETURN_NOT_OK(ParseInt(options, "page_rows", 1, 1'000'000, &spec.page_rows));
  return spec;
}

}  // namespace lanceflow::connect
