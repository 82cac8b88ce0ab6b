#include "table_options.h"

#include <charconv>

#include <nlohmann/json.hpp>

namespace lanceflow::connect {
namespace {

std::string Trim(const std::string& s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

// Shown in messages: option values of known options are not secrets, but keep them short.
std::string Shown(const std::string& v) {
  std::string s = v.size() > 60 ? v.substr(0, 57) + "..." : v;
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return "'" + s + "'";
}

Result<int64_t> ParseInt(const std::string& option, const std::string& value, int64_t lo,
                         int64_t hi) {
  const std::string t = Trim(value);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size() || v < lo || v > hi) {
    return Status::Invalid("option " + option + ": must be an integer in " + std::to_string(lo) +
                           ".." + std::to_string(hi) + ", got " + Shown(value));
  }
  return v;
}

Result<bool> ParseBool(const std::string& option, const std::string& value) {
  std::string t = Trim(value);
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "true" || t == "1" || t == "yes") return true;
  if (t == "false" || t == "0" || t == "no" || t.empty()) return false;
  return Status::Invalid("option " + option + ": must be true or false, got " + Shown(value));
}

}  // namespace

Result<std::vector<std::string>> ParseNameList(const std::string& option,
                                               const std::string& text) {
  std::vector<std::string> out;
  const std::string t = Trim(text);
  if (!t.empty() && t[0] == '[') {
    auto j = nlohmann::json::parse(t, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_array()) {
      return Status::Invalid("option " + option + ": not a JSON list of names");
    }
    for (const auto& item : j) {
      if (!item.is_string()) {
        return Status::Invalid("option " + option + ": every item of the list must be a string");
      }
      out.push_back(item.get<std::string>());
    }
  } else if (!t.empty()) {
    size_t start = 0;
    while (true) {
      size_t comma = t.find(',', start);
      out.push_back(Trim(t.substr(start, comma == std::string::npos ? std::string::npos
                                                                     : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  for (const auto& n : out) {
    if (n.empty()) return Status::Invalid("option " + option + ": empty name in the list");
  }
  return out;
}

IngestionType TableOptions::EffectiveIngestionType() const {
  if (ingestion_type) return *ingestion_type;
  return cursor_field ? IngestionType::kCdc : IngestionType::kSnapshot;
}

Result<TableOptions> ParseTableOptions(const Options& options) {
  TableOptions o;
  auto get = [&](const char* key) -> const std::string* {
    auto it = options.find(key);
    return it == options.end() ? nullptr : &it->second;
  };
  if (auto* v = get("ingestion_type")) {
    std::string t = Trim(*v);
    for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (t == "snapshot") {
      o.ingestion_type = IngestionType::kSnapshot;
    } else if (t == "cdc") {
      o.ingestion_type = IngestionType::kCdc;
    } else if (t == "append") {
      o.ingestion_type = IngestionType::kAppend;
    } else if (t == "cdc_with_deletes") {
      o.ingestion_type = IngestionType::kCdcWithDeletes;
    } else if (!t.empty()) {
      return Status::Invalid(
          "option ingestion_type: must be snapshot, cdc, cdc_with_deletes or append, got " +
                             Shown(*v));
    }
  }
  if (auto* v = get("primary_keys")) {
    LF_ASSIGN_OR_RETURN(auto names, ParseNameList("primary_keys", *v));
    for (const auto& n : names) {
      auto path = expr::ParseColumnPath(n);
      if (!path.ok()) {
        return Status::Invalid("option primary_keys: " + path.status().message());
      }
      for (const auto& k : o.primary_keys) {
        if (k == *path) return Status::Invalid("option primary_keys: '" + n + "' is listed twice");
      }
      o.primary_keys.push_back(std::move(*path));
    }
  }
  if (auto* v = get("cursor_field")) {
    const std::string t = Trim(*v);
    if (!t.empty()) {
      auto path = expr::ParseColumnPath(t);
      if (!path.ok()) return Status::Invalid("option cursor_field: " + path.status().message());
      if (path->parts.size() != 1) {
        return Status::Invalid("option cursor_field: '" + path->ToDottedString() +
                               "' must be a top-level column");
      }
      o.cursor_field = path->parts[0];
    }
  }
  if (auto* v = get("batch_size")) {
    LF_ASSIGN_OR_RETURN(o.batch_size, ParseInt("batch_size", *v, 1, kMaxBatchSize));
  }
  if (auto* v = get("max_records_per_batch")) {
    LF_ASSIGN_OR_RETURN(o.max_records_per_batch,
                        ParseInt("max_records_per_batch", *v, 1, kMaxMaxRecordsPerBatch));
  }
  if (auto* v = get("filter_expression")) {
    if (!Trim(*v).empty()) {
      auto f = expr::ParseFilter(*v);
      if (!f.ok()) return Status::Invalid("option filter_expression: " + f.status().message());
      o.filter = *f;
    }
  }
  if (auto* v = get("columns")) {
    LF_ASSIGN_OR_RETURN(auto names, ParseNameList("columns", *v));
    for (const auto& n : names) {
      auto path = expr::ParseColumnPath(n);
      if (!path.ok()) return Status::Invalid("option columns: " + path.status().message());
      if (path->parts.size() != 1) {
        return Status::Invalid("option columns: '" + n + "' is not a top-level column");
      }
      for (const auto& c : o.columns) {
        if (c == path->parts[0]) return Status::Invalid("option columns: '" + c + "' is listed twice");
      }
      o.columns.push_back(path->parts[0]);
    }
  }
  if (auto* v = get("lookback_seconds")) {
    LF_ASSIGN_OR_RETURN(o.lookback_seconds,
                        ParseInt("lookback_seconds", *v, 0, kMaxWindowSeconds));
  }
  if (auto* v = get("window_seconds")) {
    LF_ASSIGN_OR_RETURN(o.window_seconds, ParseInt("window_seconds", *v, 1, kMaxWindowSeconds));
  }
  if (auto* v = get("start_timestamp")) {
    const std::string t = Trim(*v);
    if (!t.empty()) {
      // "YYYY-MM-DD" (midnight UTC) or a timestamp; without a zone it is read as UTC.
      if (t.size() == 10) {
        auto d = expr::ParseDateLiteral(t);
        if (!d.ok()) return Status::Invalid("option start_timestamp: " + d.status().message());
        o.start_timestamp_ns = static_cast<__int128>(d->date_days) * 86400 * 1'000'000'000;
      } else {
        auto ts = expr::ParseTimestampLiteral(t);
        if (!ts.ok()) {
          return Status::Invalid("option start_timestamp: " + ts.status().message() +
                                 " (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.f][Z|+HH:MM])");
        }
        o.start_timestamp_ns =
            static_cast<__int128>(ts->timestamp.UtcSeconds()) * 1'000'000'000 +
            ts->timestamp.nanos;
      }
    }
  }
  if (auto* v = get("lookback")) {
    LF_ASSIGN_OR_RETURN(o.lookback, ParseInt("lookback", *v, 0, INT64_MAX));
  }
  if (auto* v = get("uint64_as_decimal")) {
    LF_ASSIGN_OR_RETURN(o.uint64_as_decimal, ParseBool("uint64_as_decimal", *v));
  }
  if ((o.lookback_seconds || o.lookback) && o.EffectiveIngestionType() != IngestionType::kCdc &&
      o.EffectiveIngestionType() != IngestionType::kCdcWithDeletes) {
    return Status::Invalid(
        "option lookback: only cdc tables may look back (re-read rows would be appended twice)");
  }
  if ((o.window_seconds || o.start_timestamp_ns) &&
      o.EffectiveIngestionType() == IngestionType::kSnapshot) {
    return Status::Invalid(
        std::string("option ") + (o.window_seconds ? "window_seconds" : "start_timestamp") +
        ": only incremental (cdc, append) tables are read in windows (a snapshot table can use "
        "filter_expression)");
  }
  return o;
}

}  // namespace lanceflow::connect
