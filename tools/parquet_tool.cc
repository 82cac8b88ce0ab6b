// lanceflow_parquet_tool: converts between Arrow IPC and Parquet with lanceflow's own Parquet
// writer and reader. Used by tests/test_parquet_interop.py to check that pyarrow and DuckDB read
// what lanceflow writes, and that lanceflow reads it back.
//
//   lanceflow_parquet_tool write-from-ipc IN.arrows OUT.parquet [--compression zstd|snappy|none]
//       [--mapping arrow|spark] [--no-dictionary] [--row-group-rows N] [--page-bytes N]
//       [--max-stat-bytes N]
//     prints the FileSummary as one JSON object on stdout.
//   lanceflow_parquet_tool read-to-ipc IN.parquet OUT.arrows
//     writes every row group as one batch of an Arrow IPC stream.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "lanceflow/arrow/ipc.h"
#include "lanceflow/parquet/reader.h"
#include "lanceflow/parquet/writer.h"
#include "tool_io.h"

namespace {

using lanceflow::Buffer;
using lanceflow::BufferPtr;
using lanceflow::Result;
using lanceflow::Status;
namespace ipc = lanceflow::arrow::ipc;
namespace pq = lanceflow::parquet;

std::string Hex(const std::string& s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

nlohmann::json StatJson(const pq::StatValue& v, const lanceflow::arrow::DataType& type) {
  using lanceflow::arrow::TypeId;
  if (std::holds_alternative<std::monostate>(v)) return nullptr;
  if (auto* b = std::get_if<bool>(&v)) return *b;
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* u = std::get_if<uint64_t>(&v)) return *u;
  if (auto* d = std::get_if<double>(&v)) {
    if (std::isinf(*d)) return *d > 0 ? "Infinity" : "-Infinity";
    if (*d == 0 && std::signbit(*d)) return "-0.0";
    return *d;
  }
  const std::string& s = std::get<std::string>(v);
  if (type.id() == TypeId::kUtf8 || type.id() == TypeId::kDecimal128) return s;
  return "hex:" + Hex(s);
}

Status WriteFromIpc(const std::string& in, const std::string& out,
                    const pq::WriterOptions& options) {
  LF_ASSIGN_OR_RETURN(BufferPtr bytes, lanceflow::tools::ReadWholeFile(in));
  LF_ASSIGN_OR_RETURN(ipc::Contents contents, ipc::ReadAll(bytes));
  LF_ASSIGN_OR_RETURN(auto writer, pq::ParquetWriter::Open(out, contents.schema, options));
  for (const auto& b : contents.batches) LF_RETURN_NOT_OK(writer->WriteBatch(*b));
  LF_ASSIGN_OR_RETURN(pq::FileSummary summary, writer->Close());
  nlohmann::json j;
  j["num_rows"] = summary.num_rows;
  j["num_row_groups"] = summary.num_row_groups;
  j["file_size"] = summary.file_size;
  j["columns"] = nlohmann::json::array();
  for (const auto& c : summary.columns) {
    nlohmann::json col;
    col["path"] = c.path;
    col["parquet_path"] = c.parquet_path;
    col["type"] = c.type->ToString();
    col["in_list"] = c.in_list;
    col["null_count"] = c.null_count;
    col["nan_count"] = c.nan_count;
    col["min"] = StatJson(c.min, *c.type);
    col["max"] = StatJson(c.max, *c.type);
    col["min_exact"] = c.min_exact;
    col["max_exact"] = c.max_exact;
    j["columns"].push_back(col);
  }
  std::printf("%s\n", j.dump().c_str());
  return Status::OK();
}

Status ReadToIpc(const std::string& in, const std::string& out) {
  LF_ASSIGN_OR_RETURN(auto reader, pq::ParquetReader::OpenFile(in));
  return lanceflow::tools::WriteIpc(*reader, out, /*file_format=*/false);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lanceflow Parquet writer/reader test tool"};
  app.require_subcommand(1);
  std::string in_path, out_path, compression = "zstd", mapping = "arrow";
  bool no_dictionary = false;
  int64_t row_group_rows = 0, page_bytes = 0, max_stat_bytes = 0;
  auto* write = app.add_subcommand("write-from-ipc", "Arrow IPC -> Parquet");
  write->add_option("IN", in_path)->required();
  write->add_option("OUT", out_path)->required();
  write->add_option("--compression", compression);
  write->add_option("--mapping", mapping)->check(CLI::IsMember({"arrow", "spark"}));
  write->add_flag("--no-dictionary", no_dictionary);
  write->add_option("--row-group-rows", row_group_rows);
  write->add_option("--page-bytes", page_bytes);
  write->add_option("--max-stat-bytes", max_stat_bytes);
  auto* read = app.add_subcommand("read-to-ipc", "Parquet -> Arrow IPC stream");
  read->add_option("IN", in_path)->required();
  read->add_option("OUT", out_path)->required();
  CLI11_PARSE(app, argc, argv);

  Status st;
  if (write->parsed()) {
    pq::WriterOptions options;
    auto codec = pq::ParseCompression(compression);
    if (!codec.ok()) return lanceflow::tools::Fail("lanceflow_parquet_tool", codec.status(), 2);
    options.compression = *codec;
    options.type_mapping = mapping == "spark" ? pq::TypeMapping::kSpark : pq::TypeMapping::kArrow;
    options.dictionary = !no_dictionary;
    if (row_group_rows > 0) options.row_group_rows = row_group_rows;
    if (page_bytes > 0) options.page_bytes = page_bytes;
    if (max_stat_bytes > 0) options.max_statistics_bytes = static_cast<int32_t>(max_stat_bytes);
    st = WriteFromIpc(in_path, out_path, options);
  } else {
    st = ReadToIpc(in_path, out_path);
  }
  return st.ok() ? 0 : lanceflow::tools::Fail("lanceflow_parquet_tool", st);
}
