#include "lanceflow/lance/row_ids.h"

#include <cstring>
#include <string>

#include "protobuf_reader.h"

namespace lanceflow::lance {
namespace {

// Appends the values of one segment to `out`, never growing it past `limit` values.
class SegmentDecoder {
 public:
  SegmentDecoder(std::vector<uint64_t>* out, uint64_t limit, std::string_view what)
      : out_(out), limit_(limit), what_(what) {}

  Status Append(uint64_t v) {
    if (out_->size() >= limit_) return TooMany();
    out_->push_back(v);
    return Status::OK();
  }

  Status TooMany() const {
    return Status::Corrupt(std::string(what_) + ": the sequence holds more than " +
                           std::to_string(limit_) + " values (the fragment's row count)");
  }

  Status CheckRange(uint64_t start, uint64_t end) const {
    if (end < start) {
      return Status::Corrupt(std::string(what_) + ": range end " + std::to_string(end) +
                             " is before its start " + std::to_string(start));
    }
    if (end - start > limit_ - out_->size()) return TooMany();
    return Status::OK();
  }

  Status Range(ProtoReader msg) {
    uint64_t start = 0, end = 0;
    while (!msg.done()) {
      uint32_t field;
      WireType wt;
      LF_RETURN_NOT_OK(msg.NextField(&field, &wt));
      if (field == 1) {
        LF_ASSIGN_OR_RETURN(start, msg.ReadUInt64(wt));
      } else if (field == 2) {
        LF_ASSIGN_OR_RETURN(end, msg.ReadUInt64(wt));
      } else {
        LF_RETURN_NOT_OK(msg.Skip(wt));
      }
    }
    LF_RETURN_NOT_OK(CheckRange(start, end));
    for (uint64_t v = start; v < end; ++v) out_->push_back(v);
    return Status::OK();
  }

  Status RangeWithHoles(ProtoReader msg) {
    uint64_t start = 0, end = 0;
    std::vector<uint64_t> holes;
    while (!msg.done()) {
      uint32_t field;
      WireType wt;
      LF_RETURN_NOT_OK(msg.NextField(&field, &wt));
      if (field == 1) {
        LF_ASSIGN_OR_RETURN(start, msg.ReadUInt64(wt));
      } else if (field == 2) {
        LF_ASSIGN_OR_RETURN(end, msg.ReadUInt64(wt));
      } else if (field == 3) {
        LF_ASSIGN_OR_RETURN(auto sub, msg.ReadMessage(wt, msg.what()));
        // Holes are checked against the range once both are known.
        SegmentDecoder holes_decoder(&holes, uint64_t{1} << 31, what_);
        LF_RETURN_NOT_OK(holes_decoder.EncodedArray(std::move(sub), uint64_t{1} << 31));
      } else {
        LF_RETURN_NOT_OK(msg.Skip(wt));
      }
    }
    if (end < start) return CheckRange(start, end);
    for (size_t i = 1; i < holes.size(); ++i) {
      if (holes[i] <= holes[i - 1]) {
        return Status::Corrupt(std::string(what_) + ": range holes are not strictly increasing");
      }
    }
    for (uint64_t h : holes) {
      if (h < start || h >= end) {
        return Status::Corrupt(std::string(what_) + ": hole " + std::to_string(h) +
                               " lies outside its range");
      }
    }
    uint64_t count = (end - start) - holes.size();
    if (count > limit_ - out_->size()) return TooMany();
    size_t next_hole = 0;
    for (uint64_t v = start; v < end; ++v) {
      if (next_hole < holes.size() && holes[next_hole] == v) {
        ++next_hole;
        continue;
      }
      out_->push_back(v);
    }
    return Status::OK();
  }

  Status RangeWithBitmap(ProtoReader msg) {
    uint64_t start = 0, end = 0;
    std::string_view bitmap;
    while (!msg.done()) {
      uint32_t field;
      WireType wt;
      LF_RETURN_NOT_OK(msg.NextField(&field, &wt));
      if (field == 1) {
        LF_ASSIGN_OR_RETURN(start, msg.ReadUInt64(wt));
      } else if (field == 2) {
        LF_ASSIGN_OR_RETURN(end, msg.ReadUInt64(wt));
      } else if (field == 3) {
        LF_ASSIGN_OR_RETURN(bitmap, msg.ReadBytes(wt));
      } else {
        LF_RETURN_NOT_OK(msg.Skip(wt));
      }
    }
    if (end < start) return CheckRange(start, end);
    uint64_t span = end - start;
    if (bitmap.size() < (span + 7) / 8) {
      return Status::Corrupt(std::string(what_) + ": range bitmap of " +
                             std::to_string(bitmap.size()) + " bytes is too short for " +
                             std::to_string(span) + " values");
    }
    for (uint64_t i = 0; i < span; ++i) {
      auto byte = static_cast<uint8_t>(bitmap[i / 8]);
      if (byte & (1u << (i % 8))) LF_RETURN_NOT_OK(Append(start + i));
    }
    return Status::OK();
  }

  // EncodedU64Array; `max_values` bounds the count independently of limit_.
  Status EncodedArray(ProtoReader msg, uint64_t max_values) {
    while (!msg.done()) {
      uint32_t field;
      WireType wt;
      LF_RETURN_NOT_OK(msg.NextField(&field, &wt));
      if (field < 1 || field > 3) {
        LF_RETURN_NOT_OK(msg.Skip(wt));
        continue;
      }
      LF_ASSIGN_OR_RETURN(auto arr, msg.ReadMessage(wt, msg.what()));
      uint64_t base = 0;
      std::string_view bytes;
      while (!arr.done()) {
        uint32_t f;
        WireType w;
        LF_RETURN_NOT_OK(arr.NextField(&f, &w));
        if (f == 1 && field != 3) {
          LF_ASSIGN_OR_RETURN(base, arr.ReadUInt64(w));
        } else if (f == 2) {
          LF_ASSIGN_OR_RETURN(bytes, arr.ReadBytes(w));
        } else {
          LF_RETURN_NOT_OK(arr.Skip(w));
        }
      }
      const size_t width = field == 1 ? 2 : field == 2 ? 4 : 8;
      if (bytes.size() % width != 0) {
        return Status::Corrupt(std::string(what_) + ": encoded array of " +
                               std::to_string(bytes.size()) + " bytes is not a multiple of " +
                               std::to_string(width));
      }
      const uint64_t n = bytes.size() / width;
      if (n > max_values) return TooMany();
      const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
      for (uint64_t i = 0; i < n; ++i) {
        uint64_t v = 0;
        std::memcpy(&v, p + i * width, width);  // little-endian host
        LF_RETURN_NOT_OK(Append(field == 3 ? v : base + v));
      }
    }
    return Status::OK();
  }

  Status Segment(ProtoReader msg) {
    while (!msg.done()) {
      uint32_t field;
      WireType wt;
      LF_RETURN_NOT_OK(msg.NextField(&field, &wt));
      switch (field) {
        case 1: {
          LF_ASSIGN_OR_RETURN(auto sub, msg.ReadMessage(wt, msg.what()));
          LF_RETURN_NOT_OK(Range(std::move(sub)));
          break;
        }
        case 2: {
          LF_ASSIGN_OR_RETURN(auto sub, msg.ReadMessage(wt, msg.what()));
          LF_RETURN_NOT_OK(RangeWithHoles(std::move(sub)));
          break;
        }
        case 3: {
          LF_ASSIGN_OR_RETURN(auto sub, msg.ReadMessage(wt, msg.what()));
          LF_RETURN_NOT_OK(RangeWithBitmap(std::move(sub)));
          break;
        }
        case 4:
        case 5: {
          LF_ASSIGN_OR_RETURN(auto sub, msg.ReadMessage(wt, msg.what()));
          LF_RETURN_NOT_OK(EncodedArray(std::move(sub), limit_ - out_->size()));
          break;
        }
        default:
          return Status::NotImplemented(std::string(what_) + ": unknown row id segment kind " +
                                        std::to_string(field));
      }
    }
    return Status::OK();
  }

  std::vector<uint64_t>* out_;
  uint64_t limit_;
  std::string_view what_;
};

// A sequence with one value per physical row is returned as is. One with a value per live row
// (Lance masks deleted rows out when it rewrites a fragment's sequence) is spread over the live
// rows, deleted positions getting 0.
Result<std::vector<uint64_t>> SpreadOverLiveRows(std::vector<uint64_t> values, uint64_t rows,
                                                 const DeletionVector* deletions,
                                                 std::string_view what, const char* kind) {
  if (values.size() == rows) return values;
  const uint64_t deleted = deletions ? static_cast<uint64_t>(deletions->size()) : 0;
  if (deleted == 0 || values.size() != rows - deleted) {
    return Status::Corrupt(std::string(what) + ": the " + kind + " holds " +
                           std::to_string(values.size()) + " values for " + std::to_string(rows) +
                           " rows (" + std::to_string(deleted) + " deleted)");
  }
  std::vector<uint64_t> out(static_cast<size_t>(rows), 0);
  size_t next = 0;
  const auto& d = deletions->offsets();
  size_t di = 0;
  for (uint64_t r = 0; r < rows; ++r) {
    if (di < d.size() && d[di] == r) {
      ++di;
      continue;
    }
    out[static_cast<size_t>(r)] = values[next++];
  }
  return out;
}

}  // namespace

Result<std::vector<uint64_t>> DecodeRowIdSequence(std::string_view bytes, uint64_t expected_rows,
                                                  const DeletionVector* deletions,
                                                  std::string_view what) {
  std::vector<uint64_t> out;
  out.reserve(static_cast<size_t>(std::min<uint64_t>(expected_rows, 1u << 26)));
  SegmentDecoder decoder(&out, expected_rows, what);
  ProtoReader msg(bytes, std::string(what));
  while (!msg.done()) {
    uint32_t field;
    WireType wt;
    LF_RETURN_NOT_OK(msg.NextField(&field, &wt));
    if (field != 1) {
      LF_RETURN_NOT_OK(msg.Skip(wt));
      continue;
    }
    LF_ASSIGN_OR_RETURN(auto seg, msg.ReadMessage(wt, std::string(what)));
    LF_RETURN_NOT_OK(decoder.Segment(std::move(seg)));
  }
  return SpreadOverLiveRows(std::move(out), expected_rows, deletions, what, "row id sequence");
}

Result<std::vector<uint64_t>> DecodeRowVersionSequence(std::string_view bytes,
                                                       uint64_t expected_rows,
                                                       uint64_t default_version,
                                                       const DeletionVector* deletions,
                                                       std::string_view what) {
  std::vector<uint64_t> out;
  if (bytes.empty()) {
    out.assign(static_cast<size_t>(expected_rows), default_version);
    return out;
  }
  out.reserve(static_cast<size_t>(std::min<uint64_t>(expected_rows, 1u << 26)));
  ProtoReader msg(bytes, std::string(what));
  std::vector<uint64_t> span;
  while (!msg.done()) {
    uint32_t field;
    WireType wt;
    LF_RETURN_NOT_OK(msg.NextField(&field, &wt));
    if (field != 1) {
      LF_RETURN_NOT_OK(msg.Skip(wt));
      continue;
    }
    LF_ASSIGN_OR_RETURN(auto run, msg.ReadMessage(wt, std::string(what)));
    uint64_t version = 0;
    span.clear();
    SegmentDecoder decoder(&span, expected_rows - out.size(), what);
    while (!run.done()) {
      uint32_t f;
      WireType w;
      LF_RETURN_NOT_OK(run.NextField(&f, &w));
      if (f == 1) {
        LF_ASSIGN_OR_RETURN(auto seg, run.ReadMessage(w, std::string(what)));
        LF_RETURN_NOT_OK(decoder.Segment(std::move(seg)));
      } else if (f == 2) {
        LF_ASSIGN_OR_RETURN(version, run.ReadUInt64(w));
      } else {
        LF_RETURN_NOT_OK(run.Skip(w));
      }
    }
    out.insert(out.end(), span.size(), version);
  }
  return SpreadOverLiveRows(std::move(out), expected_rows, deletions, what,
                            "row version sequence");
}

}  // namespace lanceflow::lance
