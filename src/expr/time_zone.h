// Time zones for timestamp literals compared with zoned columns: UTC offsets from the IANA tz
// database (TZif files under $TZDIR or /usr/share/zoneinfo) or the fixed offsets Arrow accepts
// ("+HH:MM", "+HHMM", "+HH"; Lance stores "+02:00" as "+0200").
// Internal to expr. Thread safety: TimeZone is immutable; Load is safe to call concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lanceflow/core/result.h"

namespace lanceflow::expr::internal {

class TimeZone {
 public:
  // Names are read as Arrow (arrow-rs Tz) reads them: a fixed offset "+HH:MM", "+HHMM" or "+HH"
  // (or '-'; under 24 hours; minutes above 59 are added as minutes), else a case-sensitive IANA
  // name. UTC names and fixed offsets need no file. Errors: Status::Invalid for a string starting
  // with '+'/'-' that is no such offset, a path-like name or a malformed TZif file;
  // Status::NotImplemented when the name has no readable TZif file (unknown names included:
  // "Z" and "utc" are not zones for Arrow either).
  static Result<std::shared_ptr<const TimeZone>> Load(const std::string& name);

  // Seconds east of UTC in effect at the instant `utc_seconds`. Past the last transition of the
  // file the last offset stays in effect (TZif footer rules are not applied).
  int32_t OffsetAt(int64_t utc_seconds) const;
  // The instant at which local wall-clock time `local_seconds` (seconds since 1970-01-01 00:00
  // read as UTC) occurs; for a time repeated by a backward shift the earlier instant, for a time
  // skipped by a forward shift the instant the offset before the shift gives.
  int64_t LocalToUtc(int64_t local_seconds) const;

 private:
  std::vector<int64_t> transitions_;  // UTC seconds, ascending
  std::vector<int32_t> offsets_;      // offset from transitions_[i] on
  int32_t initial_offset_ = 0;        // before the first transition
};

}  // namespace lanceflow::expr::internal
