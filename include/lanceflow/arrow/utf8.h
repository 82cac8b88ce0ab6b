// UTF-8 well-formedness as the Unicode standard defines it (Table 3-7): no overlong forms, no
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
#pragma once

#include <cstdint>
#include <string_view>

namespace lanceflow::arrow {

bool IsValidUtf8(const uint8_t* data, int64_t size);
inline bool IsValidUtf8(std::string_view s) {
  return IsValidUtf8(reinterpret_cast<const uint8_t*>(s.data()), static_cast<int64_t>(s.size()));
}

// Length of the well-formed UTF-8 sequence starting at data[0] (1..4), or 0 when it is
// ill-formed. For an ill-formed sequence, *bad_length receives the length of its maximal subpart
// (at least 1): the bytes a decoder replaces with one U+FFFD, as Python's
// bytes.decode("utf-8", "replace") and the WHATWG encoding standard do.
int Utf8SequenceLength(const uint8_t* data, int64_t available, int* bad_length);

}  // namespace lanceflow::arrow
