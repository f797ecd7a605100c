#include "core/time.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace panorama {
namespace {

constexpr Timestamp kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr Timestamp kMicrosPerHour = 60 * kMicrosPerMinute;
// 2024-03-01T00:00:00Z.
constexpr Timestamp k20240301 = 1'709'251'200 * kMicrosPerSecond;

Timestamp Parse(std::string_view text, std::optional<int> default_offset = std::nullopt) {
  Result<Timestamp> result = ParseIso8601(text, default_offset);
  EXPECT_TRUE(result.ok()) << "'" << text << "': " << result.status().ToString();
  return result.ok() ? *result : std::numeric_limits<Timestamp>::min();
}

bool Rejected(std::string_view text, std::optional<int> default_offset = std::nullopt) {
  Result<Timestamp> result = ParseIso8601(text, default_offset);
  return !result.ok() && result.status().code() == StatusCode::kInvalidArgument;
}

Timestamp Epoch(std::string_view text, EpochUnit unit) {
  Result<Timestamp> result = ParseEpoch(text, unit);
  EXPECT_TRUE(result.ok()) << "'" << text << "': " << result.status().ToString();
  return result.ok() ? *result : std::numeric_limits<Timestamp>::min();
}

bool EpochRejected(std::string_view text, EpochUnit unit) {
  Result<Timestamp> result = ParseEpoch(text, unit);
  return !result.ok() && result.status().code() == StatusCode::kInvalidArgument;
}

TEST(ParseIso8601Test, ParsesUtcWithZ) {
  EXPECT_EQ(Parse("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Parse("2023-11-14T22:13:20Z"), 1'700'000'000 * kMicrosPerSecond);
  EXPECT_EQ(Parse("2024-03-01T12:34:56Z"),
            k20240301 + 12 * kMicrosPerHour + 34 * kMicrosPerMinute + 56 * kMicrosPerSecond);
  EXPECT_EQ(Parse("2024-03-01T00:00:00z"), k20240301);
}

TEST(ParseIso8601Test, SecondsAreOptional) {
  EXPECT_EQ(Parse("2024-03-01T12:30Z"), k20240301 + 12 * kMicrosPerHour + 30 * kMicrosPerMinute);
}

TEST(ParseIso8601Test, AcceptsASpaceSeparator) {
  EXPECT_EQ(Parse("2024-03-01 12:00:00Z"), k20240301 + 12 * kMicrosPerHour);
}

TEST(ParseIso8601Test, AppliesPositiveOffsetsInEveryForm) {
  Timestamp expected = k20240301 + 4 * kMicrosPerHour;  // 12:00 at +08:00
  EXPECT_EQ(Parse("2024-03-01T12:00:00+08:00"), expected);
  EXPECT_EQ(Parse("2024-03-01T12:00:00+0800"), expected);
  EXPECT_EQ(Parse("2024-03-01T12:00:00+08"), expected);
  EXPECT_EQ(Parse("2024-03-01T12:00:00+05:30"),
            k20240301 + 6 * kMicrosPerHour + 30 * kMicrosPerMinute);
  EXPECT_EQ(Parse("2024-03-01T12:00:00+00:00"), k20240301 + 12 * kMicrosPerHour);
}

TEST(ParseIso8601Test, AppliesNegativeOffsetsInEveryForm) {
  Timestamp expected = k20240301 + 17 * kMicrosPerHour + 30 * kMicrosPerMinute;
  EXPECT_EQ(Parse("2024-03-01T12:00:00-05:30"), expected);
  EXPECT_EQ(Parse("2024-03-01T12:00:00-0530"), expected);
  EXPECT_EQ(Parse("2024-03-01T12:00:00-05"), k20240301 + 17 * kMicrosPerHour);
}

TEST(ParseIso8601Test, OffsetsCrossDayBoundaries) {
  EXPECT_EQ(Parse("2024-03-01T02:00:00+08:00"), k20240301 - 6 * kMicrosPerHour);
  EXPECT_EQ(Parse("2024-02-29T22:00:00-03:00"), k20240301 + 1 * kMicrosPerHour);
}

TEST(ParseIso8601Test, RejectsOffsetsOutOfRange) {
  EXPECT_FALSE(Rejected("2024-03-01T12:00:00+18:00"));
  EXPECT_TRUE(Rejected("2024-03-01T12:00:00+19:00"));
  EXPECT_TRUE(Rejected("2024-03-01T12:00:00+05:60"));
  EXPECT_TRUE(Rejected("2024-03-01T12:00:00-99"));
}

TEST(ParseIso8601Test, RejectsMalformedOffsets) {
  for (std::string_view text :
       {"2024-03-01T12:00:00+", "2024-03-01T12:00:00+8", "2024-03-01T12:00:00+08:",
        "2024-03-01T12:00:00+08:0", "2024-03-01T12:00:00+080", "2024-03-01T12:00:00+08:00:00",
        "2024-03-01T12:00:00+08-00", "2024-03-01T12:00:00 +08:00", "2024-03-01T12:00:00UTC"}) {
    EXPECT_TRUE(Rejected(text)) << text;
  }
}

TEST(ParseIso8601Test, ParsesFractionsOfOneToNineDigits) {
  Timestamp base = k20240301;
  EXPECT_EQ(Parse("2024-03-01T00:00:00.1Z"), base + 100000);
  EXPECT_EQ(Parse("2024-03-01T00:00:00.12Z"), base + 120000);
  EXPECT_EQ(Parse("2024-03-01T00:00:00.123Z"), base + 123000);
  EXPECT_EQ(Parse("2024-03-01T00:00:00.1234Z"), base + 123400);
  EXPECT_EQ(Parse("2024-03-01T00:00:00.12345Z"), base + 123450);
  EXPECT_EQ(Parse("2024-03-01T00:00:00.123456Z"), base + 123456);
  EXPECT_EQ(Parse("2024-03-01T00:00:00.1234560Z"), base + 123456);
  EXPECT_EQ(Parse("2024-03-01T00:00:00.12345600Z"), base + 123456);
  EXPECT_EQ(Parse("2024-03-01T00:00:00.123456000Z"), base + 123456);
  EXPECT_EQ(Parse("2024-03-01T00:00:00.000001Z"), base + 1);
  EXPECT_EQ(Parse("2024-03-01T00:00:00,5Z"), base + 500000);
}

TEST(ParseIso8601Test, FractionCombinesWithAnOffset) {
  EXPECT_EQ(Parse("2024-03-01T08:00:00.25+08:00"), k20240301 + 250000);
}

TEST(ParseIso8601Test, RejectsPrecisionFinerThanAMicrosecond) {
  EXPECT_TRUE(Rejected("2024-03-01T00:00:00.1234567Z"));
  EXPECT_TRUE(Rejected("2024-03-01T00:00:00.123456001Z"));
  EXPECT_TRUE(Rejected("2024-03-01T00:00:00.0000001Z"));
}

TEST(ParseIso8601Test, RejectsMoreThanNineFractionDigits) {
  EXPECT_TRUE(Rejected("2024-03-01T00:00:00.1234560000Z"));
  EXPECT_TRUE(Rejected("2024-03-01T00:00:00.0000000000Z"));
}

TEST(ParseIso8601Test, RejectsAnEmptyFraction) {
  EXPECT_TRUE(Rejected("2024-03-01T00:00:00.Z"));
  EXPECT_TRUE(Rejected("2024-03-01T00:00:00."));
}

TEST(ParseIso8601Test, DateAloneIsUtcMidnight) {
  EXPECT_EQ(Parse("2024-03-01"), k20240301);
  EXPECT_EQ(Parse("2024-03-01Z"), k20240301);
  EXPECT_EQ(Parse("1970-01-01"), 0);
}

TEST(ParseIso8601Test, DateAloneIsMidnightAtTheDefaultOffset) {
  EXPECT_EQ(Parse("2024-03-01", 8 * 60), k20240301 - 8 * kMicrosPerHour);
  EXPECT_EQ(Parse("2024-03-01", -5 * 60), k20240301 + 5 * kMicrosPerHour);
}

TEST(ParseIso8601Test, DateAloneRejectsAnOffset) {
  EXPECT_TRUE(Rejected("2024-03-01+08:00"));
  EXPECT_TRUE(Rejected("2024-03-01-05"));
}

TEST(ParseIso8601Test, UsesTheDefaultOffsetWhenTheTextHasNone) {
  EXPECT_EQ(Parse("2024-03-01T12:00:00", 60), k20240301 + 11 * kMicrosPerHour);
  EXPECT_EQ(Parse("2024-03-01T12:00:00", 0), k20240301 + 12 * kMicrosPerHour);
  EXPECT_EQ(Parse("2024-03-01 12:00", -90),
            k20240301 + 13 * kMicrosPerHour + 30 * kMicrosPerMinute);
}

TEST(ParseIso8601Test, AnExplicitOffsetOverridesTheDefault) {
  EXPECT_EQ(Parse("2024-03-01T12:00:00Z", 480), k20240301 + 12 * kMicrosPerHour);
  EXPECT_EQ(Parse("2024-03-01T12:00:00+01:00", 480), k20240301 + 11 * kMicrosPerHour);
}

TEST(ParseIso8601Test, RejectsATimeWithoutOffsetOrDefault) {
  EXPECT_TRUE(Rejected("2024-03-01T12:00:00"));
  EXPECT_TRUE(Rejected("2024-03-01T12:00"));
  EXPECT_TRUE(Rejected("2024-03-01T12:00:00.5"));
}

TEST(ParseIso8601Test, RejectsImpossibleDates) {
  for (std::string_view text : {"2023-02-29", "2023-04-31", "2023-06-31", "2023-13-01",
                                "2023-00-10", "2023-01-00", "2023-01-32", "2100-02-29"}) {
    EXPECT_TRUE(Rejected(text)) << text;
    EXPECT_TRUE(Rejected(std::string(text) + "T00:00:00Z")) << text;
  }
}

TEST(ParseIso8601Test, AcceptsLeapDays) {
  EXPECT_EQ(Parse("2024-02-29"), k20240301 - kMicrosPerDay);
  EXPECT_EQ(Parse("2000-02-29T00:00:00Z"), 951'782'400 * kMicrosPerSecond);
}

TEST(ParseIso8601Test, RejectsImpossibleTimes) {
  EXPECT_TRUE(Rejected("2024-03-01T24:00:00Z"));
  EXPECT_TRUE(Rejected("2024-03-01T23:60:00Z"));
  EXPECT_TRUE(Rejected("2024-03-01T23:59:60Z"));  // leap second
  EXPECT_TRUE(Rejected("2024-03-01T99:00Z"));
  EXPECT_EQ(Parse("2024-03-01T23:59:59Z"), k20240301 + kMicrosPerDay - kMicrosPerSecond);
}

TEST(ParseIso8601Test, AcceptsTheEdgesOfTheRange) {
  EXPECT_EQ(Parse("1900-01-01T00:00:00Z"), kMinTimestamp);
  EXPECT_EQ(Parse("1900-01-01"), kMinTimestamp);
  EXPECT_EQ(Parse("2199-12-31T23:59:59.999999Z"), kMaxTimestamp - 1);
  EXPECT_EQ(Parse("1900-01-01T08:00:00+08:00"), kMinTimestamp);
}

TEST(ParseIso8601Test, RejectsTimesOutsideTheRange) {
  EXPECT_TRUE(Rejected("1899-12-31T23:59:59.999999Z"));
  EXPECT_TRUE(Rejected("1899-12-31"));
  EXPECT_TRUE(Rejected("2200-01-01T00:00:00Z"));
  EXPECT_TRUE(Rejected("2200-01-01"));
  EXPECT_TRUE(Rejected("0000-01-01"));
  EXPECT_TRUE(Rejected("9999-12-31T23:59:59Z"));
  // In range locally, out of range in UTC.
  EXPECT_TRUE(Rejected("1900-01-01T00:30:00+01:00"));
  EXPECT_TRUE(Rejected("2199-12-31T23:30:00-01:00"));
  EXPECT_TRUE(Rejected("1900-01-01", 60));
}

TEST(ParseIso8601Test, RejectsMalformedDatesAndTimes) {
  for (std::string_view text :
       {"", "2024", "2024-03", "2024-3-01", "2024-03-1", "24-03-01", "2024/03/01", "20240301",
        "2024-03-01T", "2024-03-01T1:00Z", "2024-03-01T12Z", "2024-03-01T12:0Z",
        "2024-03-01T12:00:0Z", "2024-03-01t12:00Z", "2024-03-01T12.00Z", "+2024-03-01",
        "２０２４-03-01"}) {
    EXPECT_TRUE(Rejected(text, 0)) << "'" << text << "'";
  }
}

TEST(ParseIso8601Test, RejectsTrailingGarbage) {
  for (std::string_view text :
       {"2024-03-01x", "2024-03-01 ", "2024-03-01T00:00:00Z ", "2024-03-01T00:00:00ZZ",
        "2024-03-01T00:00:00+08:00x", "2024-03-01T00:00:00.5x", "2024-03-01T00:00:00Zjunk",
        "2024-03-01T00:00:00.123456Z\n"}) {
    EXPECT_TRUE(Rejected(text)) << "'" << text << "'";
  }
  EXPECT_TRUE(Rejected(std::string_view("2024-03-01T00:00:00Z\0", 21)));
}

TEST(ParseEpochTest, ParsesSeconds) {
  EXPECT_EQ(Epoch("0", EpochUnit::kSeconds), 0);
  EXPECT_EQ(Epoch("1700000000", EpochUnit::kSeconds), 1'700'000'000 * kMicrosPerSecond);
  EXPECT_EQ(Epoch("-5", EpochUnit::kSeconds), -5 * kMicrosPerSecond);
}

TEST(ParseEpochTest, ParsesSecondsWithFractions) {
  EXPECT_EQ(Epoch("1700000000.25", EpochUnit::kSeconds), 1'700'000'000'250'000);
  EXPECT_EQ(Epoch("1700000000.123456", EpochUnit::kSeconds), 1'700'000'000'123'456);
  EXPECT_EQ(Epoch("1700000000.123456000", EpochUnit::kSeconds), 1'700'000'000'123'456);
  EXPECT_EQ(Epoch("0.000001", EpochUnit::kSeconds), 1);
  EXPECT_EQ(Epoch("-1.5", EpochUnit::kSeconds), -1'500'000);
}

TEST(ParseEpochTest, ParsesMillis) {
  EXPECT_EQ(Epoch("1700000000123", EpochUnit::kMillis), 1'700'000'000'123'000);
  EXPECT_EQ(Epoch("1700000000123.456", EpochUnit::kMillis), 1'700'000'000'123'456);
  EXPECT_EQ(Epoch("1700000000123.4", EpochUnit::kMillis), 1'700'000'000'123'400);
  EXPECT_EQ(Epoch("1.000", EpochUnit::kMillis), 1000);
  EXPECT_EQ(Epoch("-250", EpochUnit::kMillis), -250'000);
}

TEST(ParseEpochTest, ParsesMicros) {
  EXPECT_EQ(Epoch("1700000000123456", EpochUnit::kMicros), 1'700'000'000'123'456);
  EXPECT_EQ(Epoch("1.0", EpochUnit::kMicros), 1);
  EXPECT_EQ(Epoch("-1", EpochUnit::kMicros), -1);
}

TEST(ParseEpochTest, RejectsPrecisionFinerThanAMicrosecond) {
  EXPECT_TRUE(EpochRejected("1700000000.1234567", EpochUnit::kSeconds));
  EXPECT_TRUE(EpochRejected("1.0001", EpochUnit::kMillis));
  EXPECT_TRUE(EpochRejected("1.5", EpochUnit::kMicros));
}

TEST(ParseEpochTest, RejectsMalformedNumbers) {
  for (EpochUnit unit : {EpochUnit::kSeconds, EpochUnit::kMillis, EpochUnit::kMicros}) {
    for (std::string_view text : {"", "-", "+5", ".5", "5.", "-.5", "1e3", "0x10", " 1", "1 ",
                                  "1.2.3", "--1", "1-", "abc", "1,5"}) {
      EXPECT_TRUE(EpochRejected(text, unit)) << "'" << text << "'";
    }
  }
}

TEST(ParseEpochTest, AcceptsTheEdgesOfTheRange) {
  EXPECT_EQ(Epoch("-2208988800", EpochUnit::kSeconds), kMinTimestamp);
  EXPECT_EQ(Epoch("7258118399.999999", EpochUnit::kSeconds), kMaxTimestamp - 1);
  EXPECT_EQ(Epoch("7258118399999", EpochUnit::kMillis), kMaxTimestamp - 1000);
  EXPECT_EQ(Epoch("-2208988800000000", EpochUnit::kMicros), kMinTimestamp);
}

TEST(ParseEpochTest, RejectsValuesOutsideTheRange) {
  EXPECT_TRUE(EpochRejected("7258118400", EpochUnit::kSeconds));
  EXPECT_TRUE(EpochRejected("-2208988800.000001", EpochUnit::kSeconds));
  EXPECT_TRUE(EpochRejected("7258118400000", EpochUnit::kMillis));
  EXPECT_TRUE(EpochRejected("999999999999999999", EpochUnit::kSeconds));
  EXPECT_TRUE(EpochRejected("999999999999999999", EpochUnit::kMicros));
  EXPECT_TRUE(EpochRejected("9999999999999999999", EpochUnit::kMicros));  // 19 digits
  EXPECT_TRUE(EpochRejected(std::string(400, '9'), EpochUnit::kSeconds));
}

TEST(FormatIso8601Test, FormatsKnownValues) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIso8601(1'700'000'000'123'456), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(FormatIso8601(k20240301 + 12 * kMicrosPerHour), "2024-03-01T12:00:00Z");
  EXPECT_EQ(FormatIso8601(1), "1970-01-01T00:00:00.000001Z");
  EXPECT_EQ(FormatIso8601(500'000), "1970-01-01T00:00:00.500000Z");
}

TEST(FormatIso8601Test, FormatsTimesBefore1970) {
  EXPECT_EQ(FormatIso8601(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatIso8601(-kMicrosPerDay), "1969-12-31T00:00:00Z");
  EXPECT_EQ(FormatIso8601(-kMicrosPerDay - 1), "1969-12-30T23:59:59.999999Z");
  EXPECT_EQ(FormatIso8601(kMinTimestamp), "1900-01-01T00:00:00Z");
}

TEST(FormatIso8601Test, FormatsTheEndOfTheRange) {
  EXPECT_EQ(FormatIso8601(kMaxTimestamp - 1), "2199-12-31T23:59:59.999999Z");
}

// Decoded events carry unchecked timestamps, and DebugString formats them: extreme values
// must not overflow. The date is meaningless out there; the time of day is still exact.
TEST(FormatIso8601Test, ExtremeValuesKeepAnExactTimeOfDay) {
  std::string max = FormatIso8601(std::numeric_limits<Timestamp>::max());
  std::string min = FormatIso8601(std::numeric_limits<Timestamp>::min());
  EXPECT_TRUE(max.ends_with("T04:00:54.775807Z")) << max;
  EXPECT_TRUE(min.ends_with("T19:59:05.224192Z")) << min;
}

TEST(FormatIso8601Test, FormatDateIsTheDatePart) {
  EXPECT_EQ(FormatDate(k20240301 + 23 * kMicrosPerHour), "2024-03-01");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
}

TEST(FormatIso8601Test, RoundTripsThroughParseOverTheWholeRange) {
  std::mt19937_64 rng(1900'2200);
  std::uniform_int_distribution<Timestamp> any(kMinTimestamp, kMaxTimestamp - 1);
  std::vector<Timestamp> samples = {kMinTimestamp, kMaxTimestamp - 1, 0, -1, 1};
  for (int i = 0; i < 20000; ++i) {
    Timestamp ts = any(rng);
    samples.push_back(ts);
    samples.push_back(ts - ts % kMicrosPerSecond);  // whole seconds print no fraction
  }
  int before_1970 = 0;
  for (Timestamp ts : samples) {
    std::string text = FormatIso8601(ts);
    Result<Timestamp> back = ParseIso8601(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.status().ToString();
    ASSERT_EQ(*back, ts) << text;
    if (ts < 0) ++before_1970;
  }
  EXPECT_GT(before_1970, 5000);
}

TEST(DayNumberTest, FloorsTowardsNegativeInfinity) {
  EXPECT_EQ(DayNumber(0), 0);
  EXPECT_EQ(DayNumber(kMicrosPerDay - 1), 0);
  EXPECT_EQ(DayNumber(kMicrosPerDay), 1);
  EXPECT_EQ(DayNumber(-1), -1);
  EXPECT_EQ(DayNumber(-kMicrosPerDay), -1);
  EXPECT_EQ(DayNumber(-kMicrosPerDay - 1), -2);
  EXPECT_EQ(DayNumber(k20240301), 19783);
  EXPECT_EQ(DayNumber(kMinTimestamp), -25567);
}

TEST(DayNumberTest, HandlesTheInt64Extremes) {
  EXPECT_EQ(DayNumber(std::numeric_limits<Timestamp>::max()), 106'751'991);
  EXPECT_EQ(DayNumber(std::numeric_limits<Timestamp>::min()), -106'751'992);
}

TEST(HourAndWeekdayTest, AgreeWithTheCalendarOnBothSidesOfTheEpoch) {
  // 2026-12-03T13:45:00Z is a Thursday.
  const Timestamp thursday = ParseIso8601("2026-12-03T13:45:00Z").value();
  EXPECT_EQ(HourOfDay(thursday), 13);
  EXPECT_EQ(DayOfWeek(thursday), 3);
  EXPECT_EQ(DayOfWeek(thursday + 4 * kMicrosPerDay), 0);  // Monday
  EXPECT_EQ(HourOfDay(0), 0);
  EXPECT_EQ(DayOfWeek(0), 3);  // 1970-01-01, a Thursday
  // One microsecond before the epoch: 23:59:59.999999 on Wednesday 1969-12-31.
  EXPECT_EQ(HourOfDay(-1), 23);
  EXPECT_EQ(DayOfWeek(-1), 2);
  const Timestamp old = ParseIso8601("1969-07-20T20:17:40Z").value();  // a Sunday
  EXPECT_EQ(HourOfDay(old), 20);
  EXPECT_EQ(DayOfWeek(old), 6);
  for (Timestamp ts :
       {std::numeric_limits<Timestamp>::min(), std::numeric_limits<Timestamp>::max()}) {
    EXPECT_GE(HourOfDay(ts), 0);
    EXPECT_LT(HourOfDay(ts), 24);
    EXPECT_GE(DayOfWeek(ts), 0);
    EXPECT_LT(DayOfWeek(ts), 7);
  }
}

}  // namespace
}  // namespace panorama
