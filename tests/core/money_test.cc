#include "core/money.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace panorama {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// The amount `text` parses to, failing the test when it is rejected.
int64_t Parse(std::string_view text, int exponent, int shift = 0) {
  Result<int64_t> result = ParseDecimalAmount(text, exponent, shift);
  EXPECT_TRUE(result.ok()) << "'" << text << "' exponent " << exponent << " shift " << shift << ": "
                           << result.status().ToString();
  return result.ok() ? *result : -1;
}

// True when `text` is rejected as an invalid argument.
bool Rejected(std::string_view text, int exponent, int shift = 0) {
  Result<int64_t> result = ParseDecimalAmount(text, exponent, shift);
  return !result.ok() && result.status().code() == StatusCode::kInvalidArgument;
}

int ExponentOf(std::string_view code) {
  auto currency = Currency::FromCode(code);
  EXPECT_TRUE(currency.has_value()) << code;
  return currency ? currency->Exponent() : -1;
}

TEST(CurrencyTest, ExponentsOfEveryMinorUnitClass) {
  EXPECT_EQ(ExponentOf("USD"), 2);
  EXPECT_EQ(ExponentOf("EUR"), 2);
  EXPECT_EQ(ExponentOf("CNY"), 2);
  EXPECT_EQ(ExponentOf("JPY"), 0);
  EXPECT_EQ(ExponentOf("KRW"), 0);
  EXPECT_EQ(ExponentOf("KWD"), 3);
  EXPECT_EQ(ExponentOf("BHD"), 3);
  EXPECT_EQ(ExponentOf("CLF"), 4);
  EXPECT_EQ(ExponentOf("UYW"), 4);
}

TEST(CurrencyTest, CodeRoundTrips) {
  auto usd = Currency::FromCode("USD");
  ASSERT_TRUE(usd.has_value());
  EXPECT_TRUE(usd->valid());
  EXPECT_EQ(usd->Code(), "USD");
  EXPECT_EQ(Currency::FromCode("ZWL")->Code(), "ZWL");
  EXPECT_EQ(Currency::FromCode("AED")->Code(), "AED");
}

TEST(CurrencyTest, RejectsUnknownMalformedAndLowerCaseCodes) {
  for (std::string_view code : {"usd", "Usd", "US", "U", "", "USDX", "ABC", "XXX", "XAU", "XTS",
                                "U$D", "US ", " USD", "ZZZ"}) {
    EXPECT_FALSE(Currency::FromCode(code).has_value()) << "'" << code << "'";
  }
}

TEST(CurrencyTest, DefaultIsInvalid) {
  Currency none;
  EXPECT_FALSE(none.valid());
  EXPECT_EQ(none.Packed(), 0);
  EXPECT_EQ(none.Code(), "");
}

TEST(CurrencyTest, FromPackedRoundTripsEveryCode) {
  int found = 0;
  std::string code = "AAA";
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      for (char c = 'A'; c <= 'Z'; ++c) {
        code = {a, b, c};
        auto currency = Currency::FromCode(code);
        if (!currency) continue;
        ++found;
        EXPECT_NE(currency->Packed(), 0) << code;
        EXPECT_EQ(currency->Code(), code);
        auto back = Currency::FromPacked(currency->Packed());
        ASSERT_TRUE(back.has_value()) << code;
        EXPECT_EQ(*back, *currency);
        EXPECT_EQ(back->Exponent(), currency->Exponent()) << code;
        EXPECT_EQ(back->Code(), code);
      }
    }
  }
  EXPECT_EQ(found, 169);  // the size of the ISO 4217 table in money.cc
}

TEST(CurrencyTest, DistinctCodesPackDistinctly) {
  EXPECT_NE(Currency::FromCode("USD")->Packed(), Currency::FromCode("USN")->Packed());
  EXPECT_FALSE(*Currency::FromCode("USD") == *Currency::FromCode("EUR"));
}

TEST(CurrencyTest, FromPackedRejectsValuesNamingNoCurrency) {
  EXPECT_FALSE(Currency::FromPacked(0).has_value());
  EXPECT_FALSE(Currency::FromPacked(1).has_value());             // "AAA"
  EXPECT_FALSE(Currency::FromPacked(26 * 26 * 26).has_value());  // "ZZZ"
  EXPECT_FALSE(Currency::FromPacked(26 * 26 * 26 + 1).has_value());
  EXPECT_FALSE(Currency::FromPacked(0xFFFF).has_value());
}

TEST(ParseDecimalAmountTest, ParsesExactValues) {
  EXPECT_EQ(Parse("12.34", 2), 1234);
  EXPECT_EQ(Parse("0.07", 2), 7);
  EXPECT_EQ(Parse("1000", 2), 100000);
  EXPECT_EQ(Parse("1000", 0), 1000);
  EXPECT_EQ(Parse("12.5", 2), 1250);
  EXPECT_EQ(Parse("0", 2), 0);
  EXPECT_EQ(Parse("007.10", 2), 710);
  EXPECT_EQ(Parse("1.234", 3), 1234);
  EXPECT_EQ(Parse("0.0001", 4), 1);
}

TEST(ParseDecimalAmountTest, ParsesNegativeValues) {
  EXPECT_EQ(Parse("-12.5", 2), -1250);
  EXPECT_EQ(Parse("-0.01", 2), -1);
  EXPECT_EQ(Parse("-3", 0), -3);
  EXPECT_EQ(Parse("-0", 2), 0);
}

// Not spelled out in money.h; the parser accepts a bare point at either end.
TEST(ParseDecimalAmountTest, AcceptsAPointWithDigitsOnOneSide) {
  EXPECT_EQ(Parse(".5", 2), 50);
  EXPECT_EQ(Parse("5.", 2), 500);
  EXPECT_EQ(Parse("-.25", 2), -25);
}

TEST(ParseDecimalAmountTest, AcceptsZerosPastThePrecision) {
  EXPECT_EQ(Parse("1.500", 2), 150);
  EXPECT_EQ(Parse("1.0", 0), 1);
  EXPECT_EQ(Parse("2.000000", 0), 2);
  EXPECT_EQ(Parse("1.00000", 3), 1000);
  EXPECT_EQ(Parse("-7.1000", 2), -710);
}

TEST(ParseDecimalAmountTest, RejectsNonZeroDigitsPastThePrecision) {
  EXPECT_TRUE(Rejected("1.234", 2));
  EXPECT_TRUE(Rejected("1.5", 0));
  EXPECT_TRUE(Rejected("0.0001", 3));
  EXPECT_TRUE(Rejected("0.00001", 4));
  EXPECT_TRUE(Rejected("1.0000000000001", 2));
  EXPECT_TRUE(Rejected("-1.001", 2));
}

TEST(ParseDecimalAmountTest, NegativeShiftReadsFilesInSmallerUnits) {
  EXPECT_EQ(Parse("1234", 2, -2), 1234);  // a file of cents into USD
  EXPECT_EQ(Parse("1500", 2, -3), 150);   // a file of mills into USD
  EXPECT_EQ(Parse("12.00", 2, -2), 12);
  EXPECT_TRUE(Rejected("12.5", 2, -2));
  EXPECT_EQ(Parse("150", 2, -3), 15);
  EXPECT_TRUE(Rejected("155", 2, -3));
}

TEST(ParseDecimalAmountTest, PositiveShiftReadsFilesInLargerUnits) {
  EXPECT_EQ(Parse("1.5", 0, 3), 1500);  // thousands of JPY
  EXPECT_EQ(Parse("7", 2, 3), 700000);
  EXPECT_EQ(Parse("0.001", 2, 3), 100);
}

TEST(ParseDecimalAmountTest, ExtremeShiftsNeitherCrashNorWrap) {
  EXPECT_TRUE(Rejected("1", 2, -100));
  EXPECT_TRUE(Rejected("999999999999999999999999999999", 2, -200));
  EXPECT_TRUE(Rejected("1", 2, std::numeric_limits<int>::min()));
  EXPECT_EQ(Parse("0", 2, -200), 0);
  EXPECT_EQ(Parse("0.000", 2, std::numeric_limits<int>::min()), 0);
  EXPECT_TRUE(Rejected("1", 2, 100));
  EXPECT_TRUE(Rejected("1", 2, std::numeric_limits<int>::max()));
  EXPECT_EQ(Parse("0", 2, std::numeric_limits<int>::max()), 0);
}

TEST(ParseDecimalAmountTest, AcceptsTheInt64Bounds) {
  EXPECT_EQ(Parse("9223372036854775807", 0), kInt64Max);
  EXPECT_EQ(Parse("92233720368547758.07", 2), kInt64Max);
  EXPECT_EQ(Parse("-9223372036854775807", 0), -kInt64Max);
  EXPECT_EQ(Parse("-9223372036854775808", 0), kInt64Min);
  EXPECT_EQ(Parse("-92233720368547758.08", 2), kInt64Min);
  EXPECT_EQ(Parse("-922337203685477.5808", 4), kInt64Min);
}

TEST(ParseDecimalAmountTest, RejectsOneMinorUnitPastTheInt64Bounds) {
  EXPECT_TRUE(Rejected("9223372036854775808", 0));
  EXPECT_TRUE(Rejected("92233720368547758.08", 2));
  EXPECT_TRUE(Rejected("-9223372036854775809", 0));
  EXPECT_TRUE(Rejected("-92233720368547758.09", 2));
  EXPECT_TRUE(Rejected("922337203685477581", 0, 1));
}

TEST(ParseDecimalAmountTest, RejectsHugeDigitStrings) {
  EXPECT_TRUE(Rejected("999999999999999999999999999999", 0));  // 30 digits: overflow
  EXPECT_TRUE(Rejected("1" + std::string(30, '0'), 0));        // 31 digits
  EXPECT_TRUE(Rejected("0." + std::string(40, '0'), 2));       // 41 digits, all zero
  EXPECT_TRUE(Rejected(std::string(1000, '9'), 2));
  EXPECT_TRUE(Rejected("-" + std::string(1000, '9'), 2));
}

TEST(ParseDecimalAmountTest, RejectsAnythingButAPlainDecimal) {
  for (std::string_view text :
       {"", "-", ".", "-.", "1,000", "1e5", "1E5", "+5", "--5", "5-", "1.2.3", " 1", "1 ", "0x10",
        "12a", "NaN", "inf", "1_000", "\xD9\xA1" /* Arabic-Indic one */}) {
    EXPECT_TRUE(Rejected(text, 2)) << "'" << text << "'";
  }
  EXPECT_TRUE(Rejected(std::string_view("1\0", 2), 2));
}

TEST(FormatAmountTest, FormatsExactlyExponentDecimals) {
  EXPECT_EQ(FormatAmount(1234, 2), "12.34");
  EXPECT_EQ(FormatAmount(1250, 2), "12.50");
  EXPECT_EQ(FormatAmount(5, 2), "0.05");
  EXPECT_EQ(FormatAmount(0, 2), "0.00");
  EXPECT_EQ(FormatAmount(100, 0), "100");
  EXPECT_EQ(FormatAmount(0, 0), "0");
  EXPECT_EQ(FormatAmount(1, 4), "0.0001");
  EXPECT_EQ(FormatAmount(12345, 3), "12.345");
}

TEST(FormatAmountTest, FormatsNegativeValues) {
  EXPECT_EQ(FormatAmount(-5, 2), "-0.05");
  EXPECT_EQ(FormatAmount(-1250, 2), "-12.50");
  EXPECT_EQ(FormatAmount(-7, 0), "-7");
}

TEST(FormatAmountTest, FormatsTheInt64Bounds) {
  EXPECT_EQ(FormatAmount(kInt64Max, 0), "9223372036854775807");
  EXPECT_EQ(FormatAmount(kInt64Max, 2), "92233720368547758.07");
  EXPECT_EQ(FormatAmount(kInt64Min, 0), "-9223372036854775808");
  EXPECT_EQ(FormatAmount(kInt64Min, 2), "-92233720368547758.08");
}

TEST(FormatAmountTest, RoundTripsThroughParseOverRandomValues) {
  std::mt19937_64 rng(0x5EED);
  std::vector<int64_t> values = {
      0, 1, -1, 9, -9, 10, 99, 100, kInt64Max, kInt64Min, kInt64Max - 1, kInt64Min + 1};
  for (int i = 0; i < 20000; ++i) {
    auto bits = static_cast<int64_t>(rng());
    int width = static_cast<int>(rng() % 64);  // vary the magnitude, not just the top bits
    values.push_back(width == 0 ? bits : bits >> width);
  }
  for (int exponent = 0; exponent <= 4; ++exponent) {
    for (int64_t minor : values) {
      std::string text = FormatAmount(minor, exponent);
      Result<int64_t> back = ParseDecimalAmount(text, exponent);
      ASSERT_TRUE(back.ok()) << text << ": " << back.status().ToString();
      ASSERT_EQ(*back, minor) << text << " exponent " << exponent;
    }
  }
}

}  // namespace
}  // namespace panorama
