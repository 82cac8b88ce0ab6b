#include "source_factory.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "lanceflow/cloud/cloud_source.h"
#include "lanceflow/core/log.h"
#include "lanceflow/lance/local_source.h"

namespace lanceflow::cli {
namespace {

Result<std::string> ReadApiKey(const SourceSpec& spec) {
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

}  // namespace

Result<std::unique_ptr<source::Source>> OpenSource(const SourceSpec& spec) {
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

}  // namespace lanceflow::cli
