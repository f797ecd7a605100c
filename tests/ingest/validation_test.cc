// Field validation through the canonical CSV reader: one record per case.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/money.h"
#include "ingest/record_reader.h"
#include "ingest_test_util.h"

namespace panorama {
namespace {

using testing::ReadBuffer;
using testing::ReadResult;

struct Case {
  std::string column;  // the field under test
  std::string value;   // its CSV text
  std::string reason;  // expected substring of the reason; empty: accepted
};

// Reads one transaction whose field `column` is `value` (the other fields valid).
ReadResult ReadTransaction(const Case& c) {
  std::string header = "tx_id,ts,customer_id,channel,type,amount,currency";
  std::string row = "T1,2024-01-01T00:00:00Z,C1,POS,PURCHASE,10,EUR";
  std::vector<std::string> names = testing::SplitCsv(header);
  std::vector<std::string> values = testing::SplitCsv(row);
  bool replaced = false;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == c.column) {
      values[i] = c.value;
      replaced = true;
    }
  }
  if (!replaced) {
    names.push_back(c.column);
    values.push_back(c.value);
  }
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) text += (i ? "," : "") + names[i];
  text += "\n";
  for (size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + values[i];
  text += "\n";
  ReaderOptions options;
  return ReadBuffer(text, options);
}

void Check(const Case& c) {
  SCOPED_TRACE(c.column + "=" + c.value);
  ReadResult result = ReadTransaction(c);
  if (c.reason.empty()) {
    EXPECT_EQ(result.rejects.size(), 0u)
        << (result.rejects.empty() ? "" : result.rejects[0].reason);
    EXPECT_EQ(result.events.size(), 1u);
  } else {
    ASSERT_EQ(result.rejects.size(), 1u);
    EXPECT_EQ(result.rejects[0].field, c.column);
    EXPECT_NE(result.rejects[0].reason.find(c.reason), std::string::npos)
        << result.rejects[0].reason;
    EXPECT_EQ(result.rejects[0].reason.rfind(c.column + ": ", 0), 0u) << result.rejects[0].reason;
  }
}

TEST(ValidationTest, Ids) {
  Check({"tx_id", "T-1_a.b", ""});
  Check({"tx_id", "\"T 1\"", "space or control"});
  Check({"tx_id", "\"\"", "missing"});
  Check({"tx_id", std::string(129, 'x'), "longer than 128"});
  Check({"customer_id", "\"C\x01\"", "control"});
  Check({"merchant_id", "M\xC3\xA9", ""});
}

TEST(ValidationTest, Timestamps) {
  Check({"ts", "2024-02-29T23:59:59.123456Z", ""});
  Check({"ts", "2024-02-29T23:59:59+05:30", ""});
  Check({"ts", "2023-02-30T00:00:00Z", "no such calendar date"});
  Check({"ts", "2024-01-01T25:00:00Z", "hour"});
  Check({"ts", "9999-01-01T00:00:00Z", "outside"});
  Check({"ts", "2024-01-01T10:00:00", "no UTC offset"});
  Check({"ts", "1704067200", "invalid timestamp"});
}

TEST(ValidationTest, AmountsFollowTheCurrencyExponent) {
  Check({"amount", "0.01", ""});
  Check({"amount", "1.234", "more decimal places than the currency allows (2)"});
  Check({"amount", "abc", "not a plain decimal"});
  Check({"amount", "\"1,000\"", "not a plain decimal"});
  Check({"amount", "99999999999999999999", "overflows"});
  Check({"amount", "-5", "negative amount; refunds use type REFUND"});
  Check({"amount", "1e5", "not a plain decimal"});
  ReadResult jpy = ReadTransaction({"currency", "JPY", ""});
  ASSERT_EQ(jpy.events.size(), 1u);
  EXPECT_EQ(jpy.events[0].num(tx::kAmount), 10);
  std::string text =
      "tx_id,ts,customer_id,channel,type,amount,currency\n"
      "T1,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1.5,JPY\n"
      "T2,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1.500,KWD\n";
  ReaderOptions options;
  ReadResult result = ReadBuffer(text, options);
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_NE(result.rejects[0].reason.find("allows (0)"), std::string::npos);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].num(tx::kAmount), 1500);
}

TEST(ValidationTest, CurrenciesEnumsAndCountries) {
  Check({"currency", "XYZ", "unknown ISO 4217 currency"});
  Check({"currency", "eur", "unknown ISO 4217 currency"});
  Check({"channel", "online", ""});
  Check({"channel", "Mobile", ""});
  Check({"channel", "PIGEON", "unknown value 'PIGEON'"});
  Check({"type", "GIFT", "unknown value 'GIFT'"});
  Check({"country", "DE", ""});
  Check({"country", "de", "two upper-case letters"});
  Check({"country", "DEU", "two upper-case letters"});
}

TEST(ValidationTest, NumbersBooleansAndAddresses) {
  Check({"mcc", "5411", ""});
  Check({"mcc", "10000", "outside [0, 9999]"});
  Check({"mcc", "12a", "not an integer"});
  Check({"lat", "-33.8688", ""});
  Check({"lat", "91", "outside"});
  Check({"lon", "nan", "not a finite number"});
  Check({"lon", "inf", "not a finite number"});
  Check({"ip", "10.0.0.1", ""});
  Check({"ip", "2001:db8::1", ""});
  Check({"ip", "300.1.1.1", "not an IPv4 or IPv6"});
  Check({"city", "\"S\xC3\xA3o Paulo\"", ""});
  Check({"city", std::string(257, 'c'), "longer than 256"});
  ReadResult enum_index = ReadTransaction({"channel", "transfer", ""});
  ASSERT_EQ(enum_index.events.size(), 1u);
  EXPECT_EQ(enum_index.events[0].num(tx::kChannel), tx_channel::kTransfer);
}

TEST(ValidationTest, Booleans) {
  for (const char* yes : {"true", "TRUE", "1", "yes", "Yes"}) {
    ReaderOptions options;
    options.kind = EventKind::kLabel;
    ReadResult result = ReadBuffer(
        std::string("tx_id,ts,is_fraud\nT1,2024-01-01T00:00:00Z,") + yes + "\n", options);
    ASSERT_EQ(result.events.size(), 1u) << yes;
    EXPECT_EQ(result.events[0].num(label::kIsFraud), 1);
  }
  for (const char* no : {"false", "False", "0", "no", "NO"}) {
    ReaderOptions options;
    options.kind = EventKind::kLabel;
    ReadResult result =
        ReadBuffer(std::string("tx_id,ts,is_fraud\nT1,2024-01-01T00:00:00Z,") + no + "\n", options);
    ASSERT_EQ(result.events.size(), 1u) << no;
    EXPECT_EQ(result.events[0].num(label::kIsFraud), 0);
  }
  ReaderOptions options;
  options.kind = EventKind::kLabel;
  ReadResult bad = ReadBuffer("tx_id,ts,is_fraud\nT1,2024-01-01T00:00:00Z,maybe\n", options);
  ASSERT_EQ(bad.rejects.size(), 1u);
  EXPECT_NE(bad.rejects[0].reason.find("not a boolean"), std::string::npos);
}

TEST(ValidationTest, RecordLevelFaults) {
  ReaderOptions options;
  ReadResult result = ReadBuffer(std::string("tx_id,ts,customer_id,channel,type,amount,currency\n"
                                             "T1,2024-01-01T00:00:00Z,C\xFF,POS,PURCHASE,1,EUR\n"
                                             "T2,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1,EUR,\n"
                                             "T3,2024-01-01T00:00:00Z,C\0,POS,PURCHASE,1,EUR\n",
                                             189),
                                 options);
  ASSERT_EQ(result.rejects.size(), 3u);
  EXPECT_EQ(result.rejects[0].reason, "record is not valid UTF-8");
  EXPECT_EQ(result.rejects[0].field, "");
  EXPECT_NE(result.rejects[1].reason.find("columns"), std::string::npos);
  EXPECT_NE(result.rejects[2].reason.find("NUL"), std::string::npos);
}

TEST(ValidationTest, PersonalDataWithoutATokenizerIsRejected) {
  ReaderOptions options;
  options.kind = EventKind::kCustomer;
  ReadResult result = ReadBuffer(
      "customer_id,ts,email\nC1,2024-01-01T00:00:00Z,a@example.com\n"
      "C2,2024-01-01T00:00:00Z,\n",
      options);
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].field, "email");
  EXPECT_NE(result.rejects[0].reason.find("no PII key"), std::string::npos);
  EXPECT_EQ(result.events.size(), 1u);
}

}  // namespace
}  // namespace panorama
