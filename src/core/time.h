// Time inside the engine is UTC microseconds since the Unix epoch. No local time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace panorama {

using Timestamp = int64_t;  // UTC microseconds since 1970-01-01T00:00:00Z

constexpr Timestamp kMicrosPerSecond = 1'000'000;
constexpr Timestamp kMicrosPerDay = 86'400 * kMicrosPerSecond;
// The range any parsed timestamp must fall in: [1900-01-01, 2200-01-01).
constexpr Timestamp kMinTimestamp = -2'208'988'800LL * kMicrosPerSecond;
constexpr Timestamp kMaxTimestamp = 7'258'118'400LL * kMicrosPerSecond;

enum class EpochUnit { kSeconds, kMillis, kMicros };

// Parses ISO 8601: "YYYY-MM-DD", or "YYYY-MM-DD[T| ]hh:mm[:ss[.f{1,9}]]" followed by "Z",
// "+hh:mm", "+hhmm" or "+hh" (or '-'). Text without an offset is accepted only when
// `default_offset_minutes` is given (a mapping's declared source offset); a date alone means
// midnight at that offset, or UTC when none is given. Fractions beyond microseconds must be
// zero. Rejects impossible dates (2023-02-29), hours past 23, leap seconds and out-of-range years.
Result<Timestamp> ParseIso8601(std::string_view text,
                               std::optional<int> default_offset_minutes = std::nullopt);

// Parses an epoch count ("1700000000", "1700000000.25", "-5") in `unit`; a fraction may
// not go below microseconds.
Result<Timestamp> ParseEpoch(std::string_view text, EpochUnit unit);

// "2024-03-01T12:00:00Z", with ".ffffff" when the microseconds are not zero.
std::string FormatIso8601(Timestamp ts);
// The same, appended to `out` (no allocation beyond the string's growth).
void AppendIso8601(Timestamp ts, std::string* out);
// "2024-03-01".
std::string FormatDate(Timestamp ts);

// Days since the epoch, rounded towards negative infinity.
inline int64_t DayNumber(Timestamp ts) {
  return ts / kMicrosPerDay - (ts % kMicrosPerDay < 0 ? 1 : 0);
}

// The UTC hour of day, 0-23.
inline int64_t HourOfDay(Timestamp ts) {
  constexpr Timestamp kHour = 3'600LL * kMicrosPerSecond;
  int64_t hour = (ts / kHour - (ts % kHour < 0 ? 1 : 0)) % 24;
  return hour < 0 ? hour + 24 : hour;
}

// The UTC day of the week, 0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday).
inline int64_t DayOfWeek(Timestamp ts) {
  int64_t day = (DayNumber(ts) + 3) % 7;
  return day < 0 ? day + 7 : day;
}

}  // namespace panorama
