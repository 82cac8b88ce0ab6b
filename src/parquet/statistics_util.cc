#include "statistics_util.h"

#include <cstring>

#include "lanceflow/arrow/float16.h"

namespace lanceflow::parquet {

int CompareForOrder(SortOrder order, std::string_view a, std::string_view b) {
  switch (order) {
    case SortOrder::kDecimal: {
      if (!a.empty() && !b.empty()) {
        const bool na = static_cast<uint8_t>(a[0]) & 0x80;
        const bool nb = static_cast<uint8_t>(b[0]) & 0x80;
        if (na != nb) return na ? -1 : 1;
      }
      break;  // same sign and width: unsigned byte order
    }
    case SortOrder::kFloat16: {
      uint16_t ha = 0, hb = 0;
      std::memcpy(&ha, a.data(), std::min<size_t>(2, a.size()));
      std::memcpy(&hb, b.data(), std::min<size_t>(2, b.size()));
      const float fa = arrow::HalfToFloat(ha), fb = arrow::HalfToFloat(hb);
      return fa < fb ? -1 : (fb < fa ? 1 : 0);
    }
    default:
      break;
  }
  const size_t n = std::min(a.size(), b.size());
  const int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

namespace {

bool IsContinuation(char c) { return (static_cast<uint8_t>(c) & 0xC0) == 0x80; }

// Largest cut <= max_bytes that does not split a UTF-8 sequence.
size_t Utf8Cut(std::string_view v, size_t max_bytes) {
  size_t cut = max_bytes;
  while (cut > 0 && cut < v.size() && IsContinuation(v[cut])) --cut;
  return cut;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes the last code point of `s`; returns its byte length (0 when malformed).
size_t LastCodePoint(std::string_view s, uint32_t* cp) {
  size_t start = s.size();
  while (start > 0 && IsContinuation(s[start - 1])) --start;
  if (start == 0) return 0;
  --start;
  const auto lead = static_cast<uint8_t>(s[start]);
  const size_t len = s.size() - start;
  size_t want;
  uint32_t v;
  if (lead < 0x80) {
    want = 1;
    v = lead;
  } else if ((lead & 0xE0) == 0xC0) {
    want = 2;
    v = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    want = 3;
    v = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    want = 4;
    v = lead & 0x07;
  } else {
    return 0;
  }
  if (len != want) return 0;
  for (size_t i = start + 1; i < s.size(); ++i) v = (v << 6) | (static_cast<uint8_t>(s[i]) & 0x3F);
  *cp = v;
  return len;
}

}  // namespace

TruncatedBound TruncateLowerBound(std::string_view v, int32_t max_bytes, bool utf8) {
  if (v.size() <= static_cast<size_t>(max_bytes)) return {std::string(v), true, true};
  const size_t cut =
      utf8 ? Utf8Cut(v, static_cast<size_t>(max_bytes)) : static_cast<size_t>(max_bytes);
  return {std::string(v.substr(0, cut)), false, true};
}

TruncatedBound TruncateUpperBound(std::string_view v, int32_t max_bytes, bool utf8) {
  if (v.size() <= static_cast<size_t>(max_bytes)) return {std::string(v), true, true};
  if (utf8) {
    std::string prefix(v.substr(0, Utf8Cut(v, static_cast<size_t>(max_bytes))));
    while (!prefix.empty()) {
      uint32_t cp = 0;
      const size_t len = LastCodePoint(prefix, &cp);
      if (len == 0) break;  // not UTF-8 after all: fall back to bytes
      prefix.resize(prefix.size() - len);
      if (cp < 0x10FFFF) {
        ++cp;
        if (cp == 0xD800) cp = 0xE000;  // skip the surrogate range
        AppendUtf8(cp, &prefix);
        return {prefix, false, true};
      }
    }
    if (prefix.empty()) return {"", false, false};
  }
  std::string prefix(v.substr(0, static_cast<size_t>(max_bytes)));
  while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xFF) prefix.pop_back();
  if (prefix.empty()) return {"", false, false};
  prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
  return {prefix, false, true};
}

}  // namespace lanceflow::parquet
