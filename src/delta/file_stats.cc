#include "lanceflow/delta/file_stats.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

namespace lanceflow::delta {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

std::string PathString(const ColumnPath& p) {
  std::string s;
  for (const auto& part : p) {
    if (!s.empty()) s += '.';
    s += part;
  }
  return s;
}

// Sets root[path...] = value, creating objects on the way. Fails when a path is both a leaf and
// a prefix of another.
Status SetNested(ojson& root, const ColumnPath& path, ojson value) {
  ojson* cur = &root;
  for (size_t i = 0; i < path.size(); ++i) {
    if (!cur->is_object()) {
      return Status::Invalid("stats: column '" + PathString(path) +
                             "' is nested under a column that has values");
    }
    ojson& next = (*cur)[path[i]];
    if (i + 1 == path.size()) {
      if (!next.is_null()) {
        return Status::Invalid("stats: column '" + PathString(path) + "' given twice");
      }
      next = std::move(value);
    } else {
      if (next.is_null()) next = ojson::object();
      cur = &next;
    }
  }
  return Status::OK();
}

std::optional<ojson> ValueJson(const StatValue& v) {
  if (const auto* b = std::get_if<bool>(&v)) return ojson(*b);
  if (const auto* i = std::get_if<int64_t>(&v)) return ojson(*i);
  if (const auto* d = std::get_if<double>(&v)) {
    if (!std::isfinite(*d)) return std::nullopt;
    return ojson(*d);
  }
  return ojson(std::get<std::string>(v));
}

std::optional<StatValue> ValueFromJson(const json& v) {
  if (v.is_boolean()) return StatValue(v.get<bool>());
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u <= static_cast<uint64_t>(INT64_MAX)) return StatValue(static_cast<int64_t>(u));
    return StatValue(static_cast<double>(u));
  }
  if (v.is_number_integer()) return StatValue(v.get<int64_t>());
  if (v.is_number_float()) return StatValue(v.get<double>());
  if (v.is_string()) return StatValue(v.get<std::string>());
  return std::nullopt;  // arrays or null: no usable bound
}

enum class Which { kMin, kMax, kNullCount };

Status Flatten(const json& node, ColumnPath& path, Which which, FileStats& out,
               std::map<ColumnPath, size_t>& index) {
  if (node.is_object()) {
    for (const auto& [k, v] : node.items()) {
      path.push_back(k);
      LF_RETURN_NOT_OK(Flatten(v, path, which, out, index));
      path.pop_back();
    }
    return Status::OK();
  }
  if (path.empty()) return Status::Corrupt("stats: minValues/maxValues/nullCount must be objects");
  auto [it, inserted] = index.try_emplace(path, out.columns.size());
  if (inserted) out.columns.push_back(ColumnStats{path, std::nullopt, std::nullopt, std::nullopt});
  ColumnStats& c = out.columns[it->second];
  if (which == Which::kNullCount) {
    if (node.is_number_unsigned() && node.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
      c.null_count = static_cast<int64_t>(node.get<uint64_t>());
    } else if (node.is_number_integer() && node.get<int64_t>() >= 0) {
      c.null_count = node.get<int64_t>();
    } else if (!node.is_null()) {
      return Status::Corrupt("stats: nullCount of '" + PathString(path) +
                             "' is not a non-negative integer");
    }
  } else {
    (which == Which::kMin ? c.min : c.max) = ValueFromJson(node);
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Key comparison. Key components and bounds are normalised to long double (numbers, booleans,
// timestamps in microseconds: every int64 is exact in the x87 64-bit mantissa) or to a byte
// string, so that one ordering serves sorting and range checks.

using Norm = std::variant<long double, std::string>;

std::optional<Norm> NormalizeKey(const StatValue& v, KeyKind kind) {
  switch (kind) {
    case KeyKind::kNumber:
    case KeyKind::kTimestamp:
      if (const auto* i = std::get_if<int64_t>(&v)) return Norm(static_cast<long double>(*i));
      if (const auto* d = std::get_if<double>(&v)) {
        if (std::isnan(*d)) return std::nullopt;
        return Norm(static_cast<long double>(*d));
      }
      return std::nullopt;
    case KeyKind::kString:
      if (const auto* s = std::get_if<std::string>(&v)) return Norm(*s);
      return std::nullopt;
    case KeyKind::kBoolean:
      if (const auto* b = std::get_if<bool>(&v)) return Norm(static_cast<long double>(*b ? 1 : 0));
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Norm> NormalizeBound(const std::optional<StatValue>& v, KeyKind kind, bool is_max) {
  if (!v) return std::nullopt;
  if (kind == KeyKind::kTimestamp) {
    const auto* s = std::get_if<std::string>(&*v);
    if (s == nullptr) return std::nullopt;
    auto micros = ParseStatsTimestampMicros(*s);
    if (!micros.ok()) return std::nullopt;
    // Stats keep milliseconds: the true max may lie up to 999 us above the stored one.
    long double m = static_cast<long double>(*micros);
    return Norm(is_max ? m + 999 : m);
  }
  auto n = NormalizeKey(*v, kind);
  if (n && std::holds_alternative<long double>(*n) && !std::isfinite(std::get<long double>(*n))) {
    return std::nullopt;
  }
  return n;
}

bool Less(const Norm& a, const Norm& b) {
  if (a.index() != b.index()) return a.index() < b.index();
  if (a.index() == 0) return std::get<0>(a) < std::get<0>(b);
  // Unsigned byte order, as the Parquet and Delta statistics use.
  const auto& x = std::get<1>(a);
  const auto& y = std::get<1>(b);
  return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end(), [](char c1, char c2) {
    return static_cast<unsigned char>(c1) < static_cast<unsigned char>(c2);
  });
}

struct ColumnBounds {
  std::optional<Norm> min;
  std::optional<Norm> max;
  std::optional<int64_t> null_count;
};

// Whether a key component can be in a column with these bounds.
bool MayHold(const std::optional<Norm>& key, const ColumnBounds& b, bool key_is_null) {
  if (key_is_null) return !b.null_count || *b.null_count > 0;
  if (!key) return true;  // incomparable key component
  if (b.min && b.min->index() == key->index() && Less(*key, *b.min)) return false;
  if (b.max && b.max->index() == key->index() && Less(*b.max, *key)) return false;
  return true;
}

bool ParseDigits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

Result<std::string> FileStats::ToJson() const {
  if (num_records < 0) return Status::Invalid("stats: negative numRecords");
  ojson root = ojson::object();
  root["numRecords"] = num_records;
  ojson mins = ojson::object();
  ojson maxs = ojson::object();
  ojson nulls = ojson::object();
  std::map<ColumnPath, bool> seen;
  for (const auto& c : columns) {
    if (c.path.empty()) return Status::Invalid("stats: empty column path");
    if (!seen.emplace(c.path, true).second) {
      return Status::Invalid("stats: column '" + PathString(c.path) + "' given twice");
    }
    std::optional<ojson> lo = c.min ? ValueJson(*c.min) : std::nullopt;
    std::optional<ojson> hi = c.max ? ValueJson(*c.max) : std::nullopt;
    // A bound is only useful with its partner; a lone non-finite one drops both.
    if (lo && hi) {
      LF_RETURN_NOT_OK(SetNested(mins, c.path, std::move(*lo)));
      LF_RETURN_NOT_OK(SetNested(maxs, c.path, std::move(*hi)));
    }
    if (c.null_count) {
      if (*c.null_count < 0) {
        return Status::Invalid("stats: negative nullCount for '" + PathString(c.path) + "'");
      }
      LF_RETURN_NOT_OK(SetNested(nulls, c.path, *c.null_count));
    }
  }
  root["minValues"] = std::move(mins);
  root["maxValues"] = std::move(maxs);
  root["nullCount"] = std::move(nulls);
  try {
    return root.dump(-1, ' ', false, ojson::error_handler_t::strict);
  } catch (const ojson::exception& e) {
    return Status::Invalid(std::string("stats: value is not valid UTF-8: ") + e.what());
  }
}

const ColumnStats* FileStats::Find(const ColumnPath& path) const {
  for (const auto& c : columns) {
    if (c.path == path) return &c;
  }
  return nullptr;
}

Result<FileStats> ParseFileStats(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corrupt("stats: not valid JSON");
  if (!j.is_object()) return Status::Corrupt("stats: not a JSON object");
  FileStats out;
  out.num_records = -1;
  auto it = j.find("numRecords");
  if (it != j.end() && !it->is_null()) {
    if (it->is_number_unsigned() && it->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
      out.num_records = static_cast<int64_t>(it->get<uint64_t>());
    } else if (it->is_number_integer() && it->get<int64_t>() >= 0) {
      out.num_records = it->get<int64_t>();
    } else {
      return Status::Corrupt("stats: numRecords is not a non-negative integer");
    }
  }
  std::map<ColumnPath, size_t> index;
  const std::pair<const char*, Which> parts[] = {
      {"minValues", Which::kMin}, {"maxValues", Which::kMax}, {"nullCount", Which::kNullCount}};
  for (const auto& [name, which] : parts) {
    auto p = j.find(name);
    if (p == j.end() || p->is_null()) continue;
    if (!p->is_object())
      return Status::Corrupt(std::string("stats: ") + name + " is not an object");
    ColumnPath path;
    LF_RETURN_NOT_OK(Flatten(*p, path, which, out, index));
  }
  return out;
}

Result<int64_t> ParseStatsTimestampMicros(std::string_view s) {
  auto bad = [&] { return Status::Invalid("timestamp '" + std::string(s) + "': not ISO-8601"); };
  int64_t y, mo, d, h, mi, sec;
  if (!ParseDigits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !ParseDigits(s, 5, 2, &mo) ||
      s[7] != '-' || !ParseDigits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') ||
      !ParseDigits(s, 11, 2, &h) || s[13] != ':' || !ParseDigits(s, 14, 2, &mi) || s[16] != ':' ||
      !ParseDigits(s, 17, 2, &sec)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return bad();
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) return bad();
    for (size_t i = digits; i < 6; ++i) micros *= 10;
  }
  int64_t offset_s = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' && pos + 1 == s.size()) {
      ++pos;
    } else if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && s[pos + 3] == ':') {
      int64_t oh, om;
      if (!ParseDigits(s, pos + 1, 2, &oh) || !ParseDigits(s, pos + 4, 2, &om)) return bad();
      offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
      pos = s.size();
    } else {
      return bad();
    }
  }
  int64_t days = DaysFromCivil(y, mo, d);
  int64_t seconds = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  return seconds * 1000000 + micros;
}

Result<std::vector<size_t>> FilesThatMayHoldKeys(const std::vector<AddFile>& files,
                                                 const std::vector<KeyColumn>& key_columns,
                                                 const std::vector<KeyTuple>& keys) {
  if (key_columns.empty()) return Status::Invalid("key pruning: no key columns");
  const size_t ncols = key_columns.size();
  // Normalised keys; those whose first component is a comparable non-null value are sorted so
  // that each file finds its candidates by binary search on its first-column range.
  struct NormKey {
    std::vector<std::optional<Norm>> comps;
    std::vector<bool> is_null;
  };
  std::vector<NormKey> sorted;
  std::vector<NormKey> unsorted;  // null or incomparable first component
  for (size_t k = 0; k < keys.size(); ++k) {
    if (keys[k].size() != ncols) {
      return Status::Invalid("key pruning: key " + std::to_string(k) + " has " +
                             std::to_string(keys[k].size()) + " components, expected " +
                             std::to_string(ncols));
    }
    NormKey nk;
    for (size_t c = 0; c < ncols; ++c) {
      const auto& comp = keys[k][c];
      nk.is_null.push_back(!comp.has_value());
      nk.comps.push_back(comp ? NormalizeKey(*comp, key_columns[c].kind) : std::nullopt);
    }
    (nk.comps[0] ? sorted : unsorted).push_back(std::move(nk));
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const NormKey& a, const NormKey& b) { return Less(*a.comps[0], *b.comps[0]); });

  std::vector<size_t> out;
  for (size_t f = 0; f < files.size(); ++f) {
    if (!files[f].stats) {
      if (!keys.empty()) out.push_back(f);
      continue;
    }
    auto stats = ParseFileStats(*files[f].stats);
    if (!stats.ok()) return stats.status().WithContext("file '" + files[f].path + "'");
    std::vector<ColumnBounds> bounds(ncols);
    for (size_t c = 0; c < ncols; ++c) {
      if (const ColumnStats* cs = stats->Find(key_columns[c].path)) {
        bounds[c].min = NormalizeBound(cs->min, key_columns[c].kind, false);
        bounds[c].max = NormalizeBound(cs->max, key_columns[c].kind, true);
        bounds[c].null_count = cs->null_count;
      }
    }
    if (stats->num_records == 0) continue;  // an empty file holds no key
    auto holds = [&](const NormKey& k) {
      for (size_t c = 0; c < ncols; ++c) {
        if (!MayHold(k.comps[c], bounds[c], k.is_null[c])) return false;
      }
      return true;
    };
    bool candidate = std::any_of(unsorted.begin(), unsorted.end(), holds);
    if (!candidate && !sorted.empty()) {
      auto first = sorted.begin();
      auto last = sorted.end();
      const ColumnBounds& b0 = bounds[0];
      const Norm& kind0 = *sorted.front().comps[0];
      if (b0.min && b0.min->index() == kind0.index()) {
        first =
            std::lower_bound(sorted.begin(), sorted.end(), *b0.min,
                             [](const NormKey& k, const Norm& v) { return Less(*k.comps[0], v); });
      }
      if (b0.max && b0.max->index() == kind0.index()) {
        last = std::upper_bound(first, sorted.end(), *b0.max, [](const Norm& v, const NormKey& k) {
          return Less(v, *k.comps[0]);
        });
      }
      candidate = std::any_of(first, last, holds);
    }
    if (candidate) out.push_back(f);
  }
  return out;
}

}  // namespace lanceflow::delta
