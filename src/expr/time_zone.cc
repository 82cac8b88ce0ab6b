// TZif reading per RFC 8536: the version 2+ 64-bit block when present, else the version 1 block.
#include "time_zone.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>

#include "lanceflow/core/status.h"

namespace lanceflow::expr::internal {
namespace {

// IANA names of UTC itself (names are case-sensitive, as in chrono-tz; "Z" and "utc" are not
// zone names for Arrow).
bool IsUtcName(const std::string& tz) {
  static constexpr const char* kNames[] = {
      "UTC",       "Etc/UTC",   "Etc/UCT",   "UCT",           "Etc/Universal", "Universal",
      "Etc/Zulu",  "Zulu",      "GMT",       "Etc/GMT",       "GMT0",          "Etc/GMT0",
      "Etc/GMT+0", "Etc/GMT-0", "Greenwich", "Etc/Greenwich", "GMT+0",         "GMT-0"};
  for (const char* n : kNames) {
    if (tz == n) return true;
  }
  return false;
}

// Arrow's fixed-offset spellings: "+HH:MM", "+HHMM" or "+HH" (sign '+' or '-'). Minutes are not
// range-checked (Arrow reads "+0199" as +02:39), but the offset must be under 24 hours. Returns
// false when `tz` has none of these shapes or the offset is out of range.
bool ParseFixedOffset(const std::string& tz, int32_t* seconds) {
  char d[4];
  if (tz.size() == 6 && tz[3] == ':') {
    d[0] = tz[1], d[1] = tz[2], d[2] = tz[4], d[3] = tz[5];
  } else if (tz.size() == 5) {
    d[0] = tz[1], d[1] = tz[2], d[2] = tz[3], d[3] = tz[4];
  } else if (tz.size() == 3) {
    d[0] = tz[1], d[1] = tz[2], d[2] = '0', d[3] = '0';
  } else {
    return false;
  }
  for (char c : d) {
    if (c < '0' || c > '9') return false;
  }
  if (tz[0] != '+' && tz[0] != '-') return false;
  const int32_t secs =
      ((d[0] - '0') * 10 + (d[1] - '0')) * 3600 + ((d[2] - '0') * 10 + (d[3] - '0')) * 60;
  if (secs >= 86400) return false;
  *seconds = tz[0] == '-' ? -secs : secs;
  return true;
}

int64_t ReadBE(const std::string& b, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(b[pos + i]);
  if (bytes == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

}  // namespace

Result<std::shared_ptr<const TimeZone>> TimeZone::Load(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const TimeZone>> cache;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(name);
    if (it != cache.end()) return it->second;
  }
  auto tz = std::make_shared<TimeZone>();
  int32_t fixed = 0;
  if (IsUtcName(name)) {
    // no transitions, offset 0
  } else if (ParseFixedOffset(name, &fixed)) {
    tz->initial_offset_ = fixed;
  } else {
    if (name.empty() || name[0] == '+' || name[0] == '-') {
      return Status::Invalid("time zone '" + name +
                             "' is neither a zone name nor an offset +HH:MM, +HHMM or +HH under "
                             "24 hours");
    }
    if (name.find("..") != std::string::npos || name[0] == '/' ||
        name.find('\0') != std::string::npos) {
      return Status::Invalid("time zone '" + name + "' is not a zone name");
    }
    const char* dir = std::getenv("TZDIR");
    const std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return Status::NotImplemented("time zone '" + name + "': no tz data at " + path);
    }
    const std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto bad = [&](const char* why) {
      return Status::Invalid("time zone '" + name + "': malformed TZif file " + path + ": " + why);
    };
    if (b.size() < 44 || b.compare(0, 4, "TZif") != 0) return bad("no TZif header");
    size_t pos = 0;
    int time_bytes = 4;
    for (int pass = 0; pass < 2; ++pass) {
      if (pos + 44 > b.size()) return bad("truncated header");
      const int64_t isut = ReadBE(b, pos + 20, 4), isstd = ReadBE(b, pos + 24, 4),
                    leap = ReadBE(b, pos + 28, 4), timecnt = ReadBE(b, pos + 32, 4),
                    typecnt = ReadBE(b, pos + 36, 4), charcnt = ReadBE(b, pos + 40, 4);
      if (isut < 0 || isstd < 0 || leap < 0 || timecnt < 0 || typecnt <= 0 || charcnt < 0 ||
          timecnt > 100000 || typecnt > 256 || charcnt > 100000 || leap > 100000 || isut > 256 ||
          isstd > 256) {
        return bad("counts out of range");
      }
      const size_t data = pos + 44;
      const size_t size = static_cast<size_t>(timecnt * time_bytes + timecnt + typecnt * 6 +
                                              charcnt + leap * (time_bytes + 4) + isstd + isut);
      if (data + size > b.size()) return bad("truncated data block");
      const bool use = pass == 1 || b[4] < '2';
      if (use) {
        const size_t types = data + static_cast<size_t>(timecnt * time_bytes + timecnt);
        auto offset_of = [&](int64_t type) {
          return static_cast<int32_t>(ReadBE(b, types + static_cast<size_t>(type) * 6, 4));
        };
        // The first non-DST type, else type 0, applies before the first transition.
        tz->initial_offset_ = offset_of(0);
        for (int64_t t = 0; t < typecnt; ++t) {
          if (b[types + static_cast<size_t>(t) * 6 + 4] == 0) {
            tz->initial_offset_ = offset_of(t);
            break;
          }
        }
        for (int64_t i = 0; i < timecnt; ++i) {
          const int64_t at = ReadBE(b, data + static_cast<size_t>(i * time_bytes), time_bytes);
          const auto type =
              static_cast<uint8_t>(b[data + static_cast<size_t>(timecnt * time_bytes + i)]);
          if (type >= typecnt) return bad("transition type out of range");
          if (!tz->transitions_.empty() && at <= tz->transitions_.back()) {
            return bad("transitions not ascending");
          }
          tz->transitions_.push_back(at);
          tz->offsets_.push_back(offset_of(type));
        }
        break;
      }
      pos = data + size;
      time_bytes = 8;
    }
  }
  std::lock_guard<std::mutex> lock(mu);
  cache.emplace(name, tz);
  return std::shared_ptr<const TimeZone>(tz);
}

int32_t TimeZone::OffsetAt(int64_t utc_seconds) const {
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds);
  if (it == transitions_.begin()) return initial_offset_;
  return offsets_[static_cast<size_t>(it - transitions_.begin() - 1)];
}

int64_t TimeZone::LocalToUtc(int64_t local_seconds) const {
  // Candidates: the offsets in effect a day either side; keep those that map back to the same
  // local time, earliest first.
  const int32_t before = OffsetAt(local_seconds - 86400);
  const int32_t after = OffsetAt(local_seconds + 86400);
  const int64_t u1 = local_seconds - before;
  const int64_t u2 = local_seconds - after;
  const bool ok1 = OffsetAt(u1) == before;
  const bool ok2 = OffsetAt(u2) == after;
  if (ok1 && ok2) return std::min(u1, u2);
  if (ok1) return u1;
  if (ok2) return u2;
  return u1;  // in a gap
}

}  // namespace lanceflow::expr::internal
