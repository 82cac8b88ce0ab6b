// The lanceflow program. Exit status: 0 success, 2 usage error, 1 any other failure; errors are
// one line on stderr starting "lanceflow: error: ", with secrets redacted.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include <fstream>

#include "lanceflow/connect/lakeflow_connect.h"
#include "lanceflow/connect/open_source.h"
#include "lanceflow/connect/spark_schema.h"
#include "lanceflow/core/log.h"
#include "lanceflow/pipeline/pipeline_spec.h"
#include "lanceflow/pipeline/runner.h"
#include "lanceflow/source/schema_json.h"
#include "output.h"

namespace lanceflow::cli {
namespace {

using connect::OpenSource;
using connect::SourceSpec;

constexpr const char* kVersion = "lanceflow 0.1.0";

int Fail(const Status& st) {
  if (st.ok() || st.code() == StatusCode::kCancelled) return 0;  // Cancelled: our reader left
  std::fprintf(stderr, "lanceflow: error: %s\n", RedactedLine(st.message()).c_str());
  return 1;
}

std::vector<std::string> SplitColumns(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  for (auto& c : out) {
    auto b = c.find_first_not_of(' ');
    auto e = c.find_last_not_of(' ');
    c = b == std::string::npos ? "" : c.substr(b, e - b + 1);
  }
  return out;
}

void AddSourceOptions(CLI::App* cmd, SourceSpec* spec) {
  cmd->add_option("--source", spec->source,
                  "Where the tables are: a LanceDB database directory (or file:///path), or "
                  "db://PROJECT for LanceDB Cloud / Enterprise")
      ->required()
      ->group("Source");
  cmd->add_option("--region", spec->region, "LanceDB Cloud region (db:// sources)")
      ->capture_default_str()
      ->group("Source");
  cmd->add_option("--host-override", spec->host_override,
                  "Base URL replacing https://PROJECT.REGION.api.lancedb.com, e.g. "
                  "http://127.0.0.1:8080 (also env LANCEDB_HOST_OVERRIDE)")
      ->group("Source");
  cmd->add_option("--api-key-file", spec->api_key_file,
                  "File holding the API key (default: env LANCEDB_API_KEY). The key is never "
                  "accepted on the command line")
      ->group("Source");
  cmd->add_option("--connect-timeout", spec->connect_timeout_ms,
                  "HTTP connect timeout in milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{600'000}))
      ->group("Source");
  cmd->add_option("--read-timeout", spec->read_timeout_ms,
                  "HTTP inactivity timeout in milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}))
      ->group("Source");
  cmd->add_option("--max-attempts", spec->max_attempts,
                  "Attempts per HTTP request (429, 5xx and transport failures are retried)")
      ->capture_default_str()
      ->check(CLI::Range(1, 20))
      ->group("Source");
}

int RunTables(const SourceSpec& spec) {
  auto src = OpenSource(spec);
  if (!src.ok()) return Fail(src.status());
  auto names = (*src)->ListTables();
  if (!names.ok()) return Fail(names.status());
  std::string out;
  for (const auto& n : *names) out += n + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

struct SchemaArgs {
  std::string table;
  bool spark = false;
  bool uint64_as_decimal = false;
  std::optional<uint64_t> version;
};

int RunSchema(const SourceSpec& spec, const SchemaArgs& args) {
  auto src = OpenSource(spec);
  if (!src.ok()) return Fail(src.status());
  auto d = (*src)->Describe(args.table, args.version);
  if (!d.ok()) return Fail(d.status());
  std::string out =
      args.spark ? connect::SparkSchemaJson(*d->schema, {.uint64_as_decimal = args.uint64_as_decimal})
                 : source::SchemaToJson(*d->schema, /*pretty=*/true);
  out += "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

struct ReadArgs {
  std::string table;
  std::string columns;
  std::string filter;
  std::optional<uint64_t> version;
  int64_t limit = -1;
  std::string format = "jsonl";
  std::string output = "-";
  int64_t batch_size = 0;
};

Status Read(const SourceSpec& spec, const ReadArgs& args) {
  LF_ASSIGN_OR_RETURN(auto src, OpenSource(spec));
  source::ScanOptions opts;
  if (!args.columns.empty()) opts.columns = SplitColumns(args.columns);
  for (const auto& c : opts.columns) {
    if (c.empty()) return Status::Invalid("--columns has an empty column name");
  }
  opts.filter = args.filter;
  opts.version = args.version;
  opts.limit = args.limit;
  opts.batch_rows = args.batch_size;
  LF_ASSIGN_OR_RETURN(auto scan, src->OpenScan(args.table, opts));
  LF_ASSIGN_OR_RETURN(auto out, OutputFile::Open(args.output));
  LF_ASSIGN_OR_RETURN(auto sink, MakeBatchSink(args.format, out.get()));
  LF_RETURN_NOT_OK(sink->Begin(*scan.reader->schema()));
  while (true) {
    LF_ASSIGN_OR_RETURN(auto batch, scan.reader->Next());
    if (!batch) break;
    LF_RETURN_NOT_OK(sink->Write(*batch));
  }
  LF_RETURN_NOT_OK(sink->Finish());
  return out->Close();
}

struct ReadTableArgs {
  std::string table;
  std::string options = "{}";
  std::string offset = "{}";
  std::string offset_out;
  std::string output = "-";
  std::string format = "jsonl";
  bool all = false;
  bool describe = false;
  bool deletes = false;
};

// Connector options come as a JSON object; non-string values are passed as their JSON text,
// as the framework's spec parser does.
Result<connect::Options> ParseConnectOptions(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Invalid("--options must be a JSON object of option names to values");
  }
  connect::Options out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    out[it.key()] = it.value().is_string() ? it.value().get<std::string>()
                                           : it.value().dump(-1, ' ', false,
                                                             nlohmann::json::error_handler_t::replace);
  }
  return out;
}

Status WriteOffset(const std::string& path, const std::string& offset) {
  if (path.empty()) {
    std::fprintf(stderr, "%s\n", offset.c_str());
    return Status::OK();
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << offset << "\n";
    f.close();
    if (!f) return Status::IOError("cannot write offset file " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("cannot rename " + tmp + " to " + path);
  }
  return Status::OK();
}

Status ReadTable(const SourceSpec& spec, const ReadTableArgs& args) {
  LF_ASSIGN_OR_RETURN(auto opts, ParseConnectOptions(args.options));
  LF_ASSIGN_OR_RETURN(auto src, OpenSource(spec));
  connect::LakeflowConnect conn(std::shared_ptr<source::Source>(std::move(src)));
  LF_ASSIGN_OR_RETURN(auto out, OutputFile::Open(args.output));
  if (args.describe) {
    LF_ASSIGN_OR_RETURN(auto schema, conn.GetTableSchema(args.table, opts));
    LF_ASSIGN_OR_RETURN(auto metadata, conn.ReadTableMetadata(args.table, opts));
    const std::string line =
        "{\"table_schema\":" + schema + ",\"metadata\":" + metadata.ToJson() + "}\n";
    LF_RETURN_NOT_OK(out->Write(line.data(), line.size()));
    return out->Close();
  }
  LF_ASSIGN_OR_RETURN(auto sink, MakeBatchSink(args.format, out.get()));
  std::string offset = args.offset;
  bool begun = false;
  while (true) {
    LF_ASSIGN_OR_RETURN(auto result, args.deletes
                                         ? conn.ReadTableDeletes(args.table, offset, opts)
                                         : conn.ReadTable(args.table, offset, opts));
    if (!begun) {
      LF_RETURN_NOT_OK(sink->Begin(*result.records->schema()));
      begun = true;
    }
    while (true) {
      LF_ASSIGN_OR_RETURN(auto batch, result.records->Next());
      if (!batch) break;
      LF_RETURN_NOT_OK(sink->Write(*batch));
    }
    const bool done = !args.all || result.end_offset == offset;
    offset = std::move(result.end_offset);
    if (done) break;
  }
  LF_RETURN_NOT_OK(sink->Finish());
  LF_RETURN_NOT_OK(out->Close());
  return WriteOffset(args.offset_out, offset);
}

std::string HumanBytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

// `lanceflow sync`: every table of the pipeline file; a summary on stdout, progress on stderr.
int RunSync(const std::string& pipeline_path, const std::string& progress) {
  auto spec = pipeline::LoadPipelineSpec(pipeline_path);
  if (!spec.ok()) return Fail(spec.status());
  SourceSpec src_spec;
  src_spec.source = spec->connection.source;
  if (!spec->connection.region.empty()) src_spec.region = spec->connection.region;
  src_spec.host_override = spec->connection.host_override;
  if (src_spec.host_override.empty()) {
    if (const char* h = std::getenv("LANCEDB_HOST_OVERRIDE")) src_spec.host_override = h;
  }
  src_spec.api_key_env = spec->connection.api_key_env;
  auto src = OpenSource(src_spec);
  if (!src.ok()) return Fail(src.status());

  const bool show = progress == "always" || (progress == "auto" && ::isatty(STDERR_FILENO));
  pipeline::RunOptions options;
  auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  bool drew = false;
  if (show) {
    options.estimate_rows = true;
    options.on_progress = [&](const pipeline::TableProgress& p) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last < std::chrono::milliseconds(100)) return;
      last = now;
      const double rate = p.seconds > 0 ? static_cast<double>(p.rows_read) / p.seconds : 0;
      std::string line = p.table + ": " + std::to_string(p.rows_read);
      if (p.rows_expected > 0) {
        char pct[32];
        std::snprintf(pct, sizeof(pct), " (%.0f%%)",
                      100.0 * static_cast<double>(p.rows_read) /
                          static_cast<double>(p.rows_expected));
        line += "/" + std::to_string(p.rows_expected) + " rows" + pct;
      } else {
        line += " rows";
      }
      char tail[96];
      std::snprintf(tail, sizeof(tail), ", %s, %.0f rows/s",
                    HumanBytes(static_cast<double>(p.bytes_read)).c_str(), rate);
      line += tail;
      if (p.rows_expected > 0 && rate > 0) {
        const auto left = static_cast<int64_t>(
            static_cast<double>(p.rows_expected - p.rows_read) / rate + 0.5);
        std::snprintf(tail, sizeof(tail), ", ETA %lld:%02lld",
                      static_cast<long long>(left / 60), static_cast<long long>(left % 60));
        line += tail;
      }
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      std::fflush(stderr);
      drew = true;
    };
  }
  pipeline::RunResult result =
      pipeline::RunPipeline(*spec, std::shared_ptr<source::Source>(std::move(*src)), options);
  if (drew) std::fprintf(stderr, "\r\033[K");
  int failed = 0;
  for (const auto& t : result.tables) {
    if (!t.status.ok()) {
      Fail(t.status);
      ++failed;
    }
  }
  std::printf("%-24s %-9s %6s %12s %12s %6s %8s %8s %9s\n", "table", "flow", "status",
              "rows_read", "rows_written", "added", "removed", "version", "seconds");
  for (const auto& t : result.tables) {
    std::printf("%-24s %-9s %6s %12lld %12lld %6lld %8lld %8lld %9.2f\n",
                t.destination_table.c_str(), t.flow.empty() ? "-" : t.flow.c_str(),
                t.status.ok() ? "ok" : "FAILED", static_cast<long long>(t.rows_read),
                static_cast<long long>(t.rows_written), static_cast<long long>(t.files_added),
                static_cast<long long>(t.files_removed), static_cast<long long>(t.delta_version),
                t.seconds);
  }
  std::fflush(stdout);
  return failed == 0 ? 0 : 1;
}

int Main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{
      "lanceflow moves LanceDB tables into the lakehouse.\n"
      "Read tables of a local LanceDB database or of LanceDB Cloud, and sync them into Delta Lake.\n"
      "Examples:\n"
      "  LANCEDB_API_KEY=... lanceflow tables --source db://my-project\n"
      "  lanceflow schema --source db://my-project --table documents --spark\n"
      "  lanceflow read --source db://my-project --table documents --columns id,text \\\n"
      "      --filter \"id > 100 AND text LIKE 'a%'\" --limit 10",
      "lanceflow"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // --log-level may come after the command too
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "debug|info|warn|error|off (logs go to stderr)")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));

  // A key on the command line would end up in shell history and process lists: refuse it
  // without echoing it.
  std::string api_key_arg;
  auto refuse_key = [&](CLI::App* cmd) {
    cmd->add_option("--api-key", api_key_arg)->group("");
  };

  SourceSpec spec;
  auto* tables = app.add_subcommand("tables", "List the tables of a source, sorted, one per line");
  AddSourceOptions(tables, &spec);
  refuse_key(tables);

  SchemaArgs schema_args;
  auto* schema = app.add_subcommand(
      "schema", "Print a table's Arrow schema as JSON (--spark: as a Spark StructType)");
  AddSourceOptions(schema, &spec);
  refuse_key(schema);
  schema->add_option("--table", schema_args.table, "Table name")->required();
  schema->add_flag("--spark", schema_args.spark, "Print the Spark StructType JSON instead");
  schema->add_flag("--uint64-as-decimal", schema_args.uint64_as_decimal,
                   "With --spark: map uint64 to decimal(20,0) instead of long");
  schema->add_option("--version", schema_args.version, "Table version (default: latest)");

  ReadArgs read_args;
  auto* read = app.add_subcommand(
      "read",
      "Stream a table's rows as JSON lines or an Arrow IPC stream.\n"
      "All rows come from one table version, pinned when the read starts.");
  AddSourceOptions(read, &spec);
  refuse_key(read);
  read->add_option("--table", read_args.table, "Table name")->required();
  read->add_option("--columns", read_args.columns, "Comma-separated columns to return, in order");
  read->add_option("--filter", read_args.filter,
                   "Row filter, e.g. \"id > 10 AND (tag IN ('a','b') OR note IS NULL)\": "
                   "comparisons, AND/OR/NOT, IN, BETWEEN, LIKE, IS [NOT] NULL, date '...' and "
                   "timestamp '...' literals, nested fields as a.b");
  read->add_option("--version", read_args.version, "Table version to read (default: latest)");
  read->add_option("--limit", read_args.limit, "Return at most N rows")
      ->check(CLI::Range(int64_t{0}, INT64_MAX));
  read->add_option("--format", read_args.format, "jsonl (one JSON object per row) or arrow (IPC stream)")
      ->capture_default_str()
      ->check(CLI::IsMember({"jsonl", "arrow"}));
  read->add_option("-o,--output", read_args.output, "Output file (default: stdout)");
  read->add_option("--batch-size", read_args.batch_size, "Rows per batch (default: chosen by the source)")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000}));
  read->add_option("--page-rows", spec.page_rows,
                   "db:// sources: rows per query page (default: about 16 MiB of rows)")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000}))
      ->group("Source");

  ReadTableArgs rt_args;
  auto* read_table = app.add_subcommand(
      "read-table",
      "One LakeflowConnect read_table call (or, with --all, calls until the offset stops "
      "moving): rows after --offset as JSON lines, then the end offset.\n"
      "Options are the connector's table options as a JSON object, e.g.\n"
      "  {\"ingestion_type\":\"cdc\",\"cursor_field\":\"updated_at\",\"primary_keys\":[\"id\"],\n"
      "   \"max_records_per_batch\":\"1000\",\"batch_size\":\"1000\",\"filter_expression\":\"...\",\n"
      "   \"columns\":[\"id\",\"updated_at\"],\"lookback_seconds\":\"60\",\"uint64_as_decimal\":\"true\",\n"
      "   \"window_seconds\":\"3600\",\"start_timestamp\":\"2024-01-01T00:00:00Z\"}\n"
      "ingestion_type snapshot|append|cdc|cdc_with_deletes (default: cdc with a cursor_field,\n"
      "else snapshot). cdc_with_deletes tables also answer --deletes (local tables only).\n"
      "The end offset (JSON) goes to --offset-out, or to stderr as the last line.");
  AddSourceOptions(read_table, &spec);
  refuse_key(read_table);
  read_table->add_option("--table", rt_args.table, "Table name")->required();
  read_table->add_option("--options", rt_args.options, "Table options as a JSON object")
      ->capture_default_str();
  read_table->add_option("--offset", rt_args.offset,
                         "Start offset: {} (from the beginning) or an end offset printed before")
      ->capture_default_str();
  read_table->add_option("--offset-out", rt_args.offset_out,
                         "Write the end offset to this file (replaced atomically)");
  read_table->add_flag("--all", rt_args.all,
                       "Feed offsets back until a call returns its start offset (one pinned "
                       "table version: ends while writers keep writing)");
  read_table->add_flag("--describe", rt_args.describe,
                       "Print {\"table_schema\": get_table_schema (Spark StructType), "
                       "\"metadata\": read_table_metadata} as one JSON line instead of reading");
  read_table->add_flag("--deletes", rt_args.deletes,
                       "read_table_deletes instead of read_table (cdc_with_deletes, local tables): "
                       "the keys (and cursor) of rows deleted since the offset's version; the "
                       "first call from {} returns none and starts at the pinned version");
  read_table->add_option("--format", rt_args.format, "jsonl or arrow")
      ->capture_default_str()
      ->check(CLI::IsMember({"jsonl", "arrow"}));
  read_table->add_option("-o,--output", rt_args.output, "Output file (default: stdout)");

  std::string pipeline_path, progress = "auto";
  auto* sync = app.add_subcommand("sync", "Sync the tables of a pipeline file into Delta Lake");
  sync->add_option("PIPELINE.json", pipeline_path, "Pipeline file")->required();
  sync->add_option("--progress", progress, "auto|always|never")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "always", "never"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::string msg = e.what();
    if (!api_key_arg.empty()) RegisterSecret(api_key_arg);
    std::fprintf(stderr, "lanceflow: error: %s (see lanceflow --help)\n", Redact(msg).c_str());
    return 2;
  }
  if (!api_key_arg.empty()) {
    RegisterSecret(api_key_arg);
    std::fprintf(stderr,
                 "lanceflow: error: the API key is never accepted on the command line: set "
                 "LANCEDB_API_KEY or pass --api-key-file FILE\n");
    return 2;
  }
  LogLevel level;
  if (ParseLogLevel(log_level, &level)) SetLogLevel(level);

  if (tables->parsed()) return RunTables(spec);
  if (schema->parsed()) return RunSchema(spec, schema_args);
  if (read->parsed()) return Fail(Read(spec, read_args));
  if (read_table->parsed()) return Fail(ReadTable(spec, rt_args));
  if (sync->parsed()) return RunSync(pipeline_path, progress);
  return 2;
}

}  // namespace
}  // namespace lanceflow::cli

int main(int argc, char** argv) { return lanceflow::cli::Main(argc, argv); }
