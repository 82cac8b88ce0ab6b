// Proleptic Gregorian calendar arithmetic for date and timestamp literals. Internal to expr.
#pragma once

#include <cstdint>

namespace lanceflow::expr::internal {

struct CivilDate {
  int64_t year = 1970;
  int32_t month = 1;  // 1..12
  int32_t day = 1;    // 1..31
};

inline constexpr int64_t kSecondsPerDay = 86400;
// 0001-01-01 and 9999-12-31 in days since 1970-01-01: the range literals may express.
inline constexpr int64_t kMinLiteralDays = -719162;
inline constexpr int64_t kMaxLiteralDays = 2932896;

bool IsLeapYear(int64_t year);
int32_t DaysInMonth(int64_t year, int32_t month);
// Days since 1970-01-01 of a valid civil date, and back. Exact for any date whose day count fits
// in int64 with margin (|year| < 2^40).
int64_t DaysFromCivil(const CivilDate& date);
CivilDate CivilFromDays(int64_t days);

// Floor division and the matching non-negative remainder (divisor > 0).
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}
inline int64_t FloorMod(int64_t a, int64_t b) {
  const int64_t r = a % b;  // computed without FloorDiv(a, b) * b, which overflows near INT64_MIN
  return r < 0 ? r + b : r;
}

}  // namespace lanceflow::expr::internal
