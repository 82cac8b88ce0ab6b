#include "calendar.h"

namespace lanceflow::expr::internal {

// The day-count conversions work in 400-year eras (146097 days), counted from 0000-03-01 so
// that the leap day falls at the end of each year; see H. Hinnant, "chrono-Compatible Low-Level
// Date Algorithms".

bool IsLeapYear(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int32_t DaysInMonth(int64_t year, int32_t month) {
  static constexpr int32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

int64_t DaysFromCivil(const CivilDate& date) {
  const int64_t y = date.year - (date.month <= 2 ? 1 : 0);
  const int64_t era = FloorDiv(y, 400);
  const int64_t year_of_era = y - era * 400;                                       // [0, 399]
  const int64_t shifted_month = date.month > 2 ? date.month - 3 : date.month + 9;  // March = 0
  const int64_t day_of_year = (153 * shifted_month + 2) / 5 + date.day - 1;        // [0, 365]
  const int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // [0, 146096]
  return era * 146097 + day_of_era - 719468;  // 719468 days from 0000-03-01 to 1970-01-01
}

CivilDate CivilFromDays(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t day_of_era = z - era * 146097;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);  // [0, 365]
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;                   // March = 0
  CivilDate out;
  out.day = static_cast<int32_t>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  out.month = static_cast<int32_t>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  out.year = year_of_era + era * 400 + (out.month <= 2 ? 1 : 0);
  return out;
}

}  // namespace lanceflow::expr::internal
