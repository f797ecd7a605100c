#include "core/time.h"

#include <chrono>
#include <cstdio>

namespace panorama {
namespace {

bool ReadDigits(std::string_view text, size_t& pos, int count, int& out) {
  if (pos + static_cast<size_t>(count) > text.size()) return false;
  int value = 0;
  for (int k = 0; k < count; ++k) {
    char ch = text[pos + static_cast<size_t>(k)];
    if (ch < '0' || ch > '9') return false;
    value = value * 10 + (ch - '0');
  }
  pos += static_cast<size_t>(count);
  out = value;
  return true;
}

Status Bad(std::string_view why) {
  return Status::InvalidArgument("invalid timestamp: " + std::string(why));
}

Result<Timestamp> CheckRange(Timestamp ts) {
  if (ts < kMinTimestamp || ts >= kMaxTimestamp) {
    return Bad("outside 1900-01-01 .. 2199-12-31");
  }
  return ts;
}

}  // namespace

Result<Timestamp> ParseIso8601(std::string_view text, std::optional<int> default_offset_minutes) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0;
  if (!ReadDigits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
      !ReadDigits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
      !ReadDigits(text, pos, 2, day)) {
    return Bad("expected YYYY-MM-DD");
  }
  using std::chrono::days;
  std::chrono::year_month_day date{std::chrono::year{year},
                                   std::chrono::month{static_cast<unsigned>(month)},
                                   std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return Bad("no such calendar date");
  int64_t day_number = std::chrono::sys_days{date}.time_since_epoch().count();

  int hour = 0, minute = 0, second = 0;
  int64_t micros = 0;
  bool has_time = false;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    ++pos;
    has_time = true;
    if (!ReadDigits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
        !ReadDigits(text, pos, 2, minute)) {
      return Bad("expected hh:mm after the date");
    }
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!ReadDigits(text, pos, 2, second)) return Bad("expected two-digit seconds");
      if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        int fraction_digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
          int digit = text[pos] - '0';
          if (fraction_digits < 6) {
            micros = micros * 10 + digit;
          } else if (digit != 0) {
            return Bad("precision finer than a microsecond");
          }
          ++fraction_digits;
          ++pos;
          if (fraction_digits > 9) return Bad("more than 9 fraction digits");
        }
        if (fraction_digits == 0) return Bad("empty fraction");
        for (int k = fraction_digits; k < 6; ++k) micros *= 10;
      }
    }
    if (hour > 23) return Bad("hour past 23");
    if (minute > 59) return Bad("minute past 59");
    if (second > 59) return Bad("second past 59 (leap seconds are not accepted)");
  }

  int offset_minutes = 0;
  if (pos < text.size()) {
    char sign = text[pos];
    if (sign == 'Z' || sign == 'z') {
      ++pos;
    } else if ((sign == '+' || sign == '-') && has_time) {
      ++pos;
      int oh = 0, om = 0;
      if (!ReadDigits(text, pos, 2, oh)) return Bad("expected a two-digit offset hour");
      bool colon = pos < text.size() && text[pos] == ':';
      if (colon) ++pos;
      if ((colon || pos < text.size()) && !ReadDigits(text, pos, 2, om)) {
        return Bad("expected two-digit offset minutes");
      }
      if (oh > 18 || om > 59) return Bad("offset out of range");
      offset_minutes = (oh * 60 + om) * (sign == '-' ? -1 : 1);
    } else {
      return Bad("unexpected text after the time");
    }
    if (pos != text.size()) return Bad("unexpected text after the offset");
  } else if (has_time) {
    if (!default_offset_minutes) return Bad("no UTC offset (add Z or +hh:mm)");
    offset_minutes = *default_offset_minutes;
  } else if (default_offset_minutes) {
    offset_minutes = *default_offset_minutes;
  }

  int64_t seconds = day_number * 86'400 + int64_t{hour} * 3600 + int64_t{minute} * 60 + second -
                    static_cast<int64_t>(offset_minutes) * 60;
  // Range-check in seconds first so that the multiplication cannot overflow.
  if (seconds < kMinTimestamp / kMicrosPerSecond - 1 ||
      seconds > kMaxTimestamp / kMicrosPerSecond + 1) {
    return Bad("outside 1900-01-01 .. 2199-12-31");
  }
  return CheckRange(seconds * kMicrosPerSecond + micros);
}

Result<Timestamp> ParseEpoch(std::string_view text, EpochUnit unit) {
  if (text.empty()) return Bad("empty epoch value");
  size_t pos = 0;
  bool negative = text[0] == '-';
  if (negative) pos = 1;
  int64_t whole = 0;
  int whole_digits = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (++whole_digits > 18) return Bad("epoch value too large");
    whole = whole * 10 + (text[pos] - '0');
    ++pos;
  }
  if (whole_digits == 0) return Bad("epoch value is not a number");
  int unit_digits = unit == EpochUnit::kSeconds ? 6 : unit == EpochUnit::kMillis ? 3 : 0;
  int64_t fraction = 0;
  int fraction_digits = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      int digit = text[pos] - '0';
      if (fraction_digits < unit_digits) {
        fraction = fraction * 10 + digit;
      } else if (digit != 0) {
        return Bad("precision finer than a microsecond");
      }
      ++fraction_digits;
      ++pos;
    }
    if (fraction_digits == 0) return Bad("empty fraction");
  }
  if (pos != text.size()) return Bad("epoch value is not a number");
  for (int k = std::min(fraction_digits, unit_digits); k < unit_digits; ++k) fraction *= 10;
  int64_t scale = unit == EpochUnit::kSeconds  ? kMicrosPerSecond
                  : unit == EpochUnit::kMillis ? 1000
                                               : 1;
  if (whole > kMaxTimestamp / scale + 1) return Bad("outside 1900-01-01 .. 2199-12-31");
  int64_t magnitude = whole * scale + fraction;
  return CheckRange(negative ? -magnitude : magnitude);
}

void AppendIso8601(Timestamp ts, std::string* out) {
  int64_t day_number = DayNumber(ts);
  // The remainder, not ts - day_number * kMicrosPerDay, which overflows near INT64_MIN.
  int64_t within = ts % kMicrosPerDay;
  if (within < 0) within += kMicrosPerDay;
  std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day_number}}};
  int64_t second_of_day = within / kMicrosPerSecond;
  int64_t micros = within % kMicrosPerSecond;
  int year = static_cast<int>(date.year());
  char buf[48];
  size_t n = 0;
  if (year < 0 || year > 9999) {
    n = static_cast<size_t>(std::snprintf(buf, sizeof buf, "%04d", year));
  } else {
    for (int divisor = 1000; divisor > 0; divisor /= 10) {
      buf[n++] = static_cast<char>('0' + year / divisor % 10);
    }
  }
  auto two = [&](int64_t value) {
    buf[n++] = static_cast<char>('0' + value / 10);
    buf[n++] = static_cast<char>('0' + value % 10);
  };
  buf[n++] = '-';
  two(static_cast<unsigned>(date.month()));
  buf[n++] = '-';
  two(static_cast<unsigned>(date.day()));
  buf[n++] = 'T';
  two(second_of_day / 3600);
  buf[n++] = ':';
  two(second_of_day / 60 % 60);
  buf[n++] = ':';
  two(second_of_day % 60);
  if (micros != 0) {
    buf[n++] = '.';
    for (int64_t divisor = 100'000; divisor > 0; divisor /= 10) {
      buf[n++] = static_cast<char>('0' + micros / divisor % 10);
    }
  }
  buf[n++] = 'Z';
  out->append(buf, n);
}

std::string FormatIso8601(Timestamp ts) {
  std::string out;
  AppendIso8601(ts, &out);
  return out;
}

std::string FormatDate(Timestamp ts) { return FormatIso8601(ts).substr(0, 10); }

}  // namespace panorama
