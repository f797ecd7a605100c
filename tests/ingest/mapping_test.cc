#include "ingest/mapping.h"

#include <gtest/gtest.h>

#include <string>

#include "core/money.h"
#include "core/time.h"
#include "ingest/record_reader.h"
#include "ingest_test_util.h"

namespace panorama {
namespace {

using testing::ReadBuffer;
using testing::ReadResult;

Mapping MustParse(const std::string& yaml) {
  auto mapping = ParseMapping(yaml, "m.yaml");
  EXPECT_TRUE(mapping.ok()) << mapping.status().ToString();
  return mapping.ok() ? *mapping : Mapping{};
}

ReadResult ReadMapped(const Mapping& mapping, const std::string& data,
                      const std::string& name = "in.csv",
                      EventKind kind = EventKind::kTransaction) {
  ReaderOptions options;
  options.kind = kind;
  options.mapping = &mapping;
  return ReadBuffer(data, options, name);
}

// The fields every transaction mapping below shares, as constants where not under test.
constexpr char kRest[] =
    "  customer_id: { value: C1 }\n"
    "  channel: { value: POS }\n"
    "  type: { value: PURCHASE }\n";

TEST(MappingTest, RenamesConstantsAndDefaults) {
  Mapping mapping = MustParse(std::string("kind: transactions\n"
                                          "fields:\n"
                                          "  tx_id: TransactionID\n"
                                          "  ts: Time\n"
                                          "  amount: Amt\n"
                                          "  currency: { value: EUR }\n"
                                          "  mcc: { column: MCC, default: \"5999\" }\n") +
                              kRest);
  ReadResult result = ReadMapped(mapping,
                                 "Time,TransactionID,Amt,MCC,Ignored\n"
                                 "2024-01-01T00:00:00Z,X1,3.50,5411,zzz\n"
                                 "2024-01-01T00:00:00Z,X2,4,,zzz\n");
  ASSERT_EQ(result.rejects.size(), 0u) << result.rejects[0].reason;
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].id(), "X1");
  EXPECT_EQ(result.events[0].num(tx::kAmount), 350);
  EXPECT_EQ(result.events[0].num(tx::kCurrency), Currency::FromCode("EUR")->Packed());
  EXPECT_EQ(result.events[0].num(tx::kMcc), 5411);
  EXPECT_EQ(result.events[1].num(tx::kMcc), 5999);
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("Ignored"), std::string::npos);
}

TEST(MappingTest, RejectNamesTheSourceColumnOfARenamedField) {
  Mapping mapping = MustParse(std::string("fields:\n  tx_id: Id\n  ts: When\n  amount: Amt\n"
                                          "  currency: { value: USD }\n") +
                              kRest);
  ReadResult result = ReadMapped(mapping, "Id,When,Amt\nX1,2024-01-01T00:00:00Z,1.001\n");
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].field, "amount");
  EXPECT_EQ(result.rejects[0].reason,
            "amount (column Amt): amount has more decimal places than the currency allows (2)");
}

TEST(MappingTest, EpochFormats) {
  for (const auto& [format, value] :
       std::vector<std::pair<std::string, std::string>>{{"epoch_s", "1700000000"},
                                                        {"epoch_ms", "1700000000000"},
                                                        {"epoch_us", "1700000000000000"},
                                                        {"epoch_s", "1700000000.000000"}}) {
    SCOPED_TRACE(format + " " + value);
    Mapping mapping =
        MustParse(std::string("fields:\n  tx_id: id\n  ts: { column: t, format: ") + format +
                  " }\n  amount: { value: \"1\" }\n" + "  currency: { value: EUR }\n" + kRest);
    ReadResult result = ReadMapped(mapping, "id,t\nX1," + value + "\n");
    ASSERT_EQ(result.events.size(), 1u);
    EXPECT_EQ(result.events[0].ts(), 1'700'000'000LL * kMicrosPerSecond);
  }
}

TEST(MappingTest, IsoTimestampsWithOffsetsAndAnAssumedUtcOffset) {
  Mapping with_offset =
      MustParse(std::string("utc_offset: \"+08:00\"\nfields:\n  tx_id: id\n  ts: t\n"
                            "  amount: { value: \"1\" }\n  currency: { value: CNY }\n") +
                kRest);
  ReadResult result = ReadMapped(with_offset,
                                 "id,t\n"
                                 "X1,2024-01-01 08:00:00\n"
                                 "X2,2024-01-01T08:00:00+08:00\n"
                                 "X3,2024-01-01T00:00:00Z\n"
                                 "X4,2024-01-01T03:00:00-05:00\n");
  ASSERT_EQ(result.events.size(), 4u);
  Timestamp midnight = *ParseIso8601("2024-01-01T00:00:00Z");
  EXPECT_EQ(result.events[0].ts(), midnight);
  EXPECT_EQ(result.events[1].ts(), midnight);
  EXPECT_EQ(result.events[2].ts(), midnight);
  EXPECT_EQ(result.events[3].ts(), midnight + 8 * 3600 * kMicrosPerSecond);

  Mapping without = MustParse(std::string("fields:\n  tx_id: id\n  ts: t\n"
                                          "  amount: { value: \"1\" }\n"
                                          "  currency: { value: CNY }\n") +
                              kRest);
  ReadResult rejected = ReadMapped(without, "id,t\nX1,2024-01-01 08:00:00\n");
  ASSERT_EQ(rejected.rejects.size(), 1u);
  EXPECT_NE(rejected.rejects[0].reason.find("no UTC offset"), std::string::npos);
}

TEST(MappingTest, ScaleMovesTheDecimalPoint) {
  Mapping cents = MustParse(std::string("fields:\n  tx_id: id\n  ts: { value: \"2024-01-01\" }\n"
                                        "  amount: { column: cents, scale: -2 }\n"
                                        "  currency: cur\n") +
                            kRest);
  ReadResult result = ReadMapped(cents, "id,cents,cur\nX1,1234,EUR\nX2,1234,JPY\nX3,1200,JPY\n");
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].num(tx::kAmount), 1234);  // 12.34 EUR
  EXPECT_EQ(result.events[1].num(tx::kAmount), 12);    // 12 JPY
  ASSERT_EQ(result.rejects.size(), 1u);                // 12.34 JPY has too many decimals
  EXPECT_EQ(result.rejects[0].line, 3u);

  Mapping thousands =
      MustParse(std::string("fields:\n  tx_id: id\n  ts: { value: \"2024-01-01\" }\n"
                            "  amount: { column: k, scale: 3 }\n"
                            "  currency: { value: USD }\n") +
                kRest);
  ReadResult k = ReadMapped(thousands, "id,k\nX1,1.5\n");
  ASSERT_EQ(k.events.size(), 1u);
  EXPECT_EQ(k.events[0].num(tx::kAmount), 150000);
}

TEST(MappingTest, ValueMapTranslatesAndUnmappedValuesPassThrough) {
  Mapping mapping = MustParse(
      "fields:\n  tx_id: id\n  ts: { value: \"2024-01-01\" }\n  amount: { value: \"1\" }\n"
      "  currency: { value: EUR }\n  customer_id: { value: C1 }\n  type: { value: PURCHASE }\n"
      "  channel: { column: Chan, map: { \"1\": POS, \"2\": ATM, web: ONLINE } }\n");
  ReadResult result = ReadMapped(mapping, "id,Chan\nX1,1\nX2,2\nX3,web\nX4,MOBILE\nX5,3\n");
  ASSERT_EQ(result.events.size(), 4u);
  EXPECT_EQ(result.events[0].num(tx::kChannel), tx_channel::kPos);
  EXPECT_EQ(result.events[1].num(tx::kChannel), tx_channel::kAtm);
  EXPECT_EQ(result.events[2].num(tx::kChannel), tx_channel::kOnline);
  EXPECT_EQ(result.events[3].num(tx::kChannel), tx_channel::kMobile);
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].field, "channel");
  EXPECT_NE(result.rejects[0].reason.find("column Chan"), std::string::npos);
}

TEST(MappingTest, DelimiterAndHeaderlessColumnsByNumber) {
  Mapping mapping = MustParse(std::string("delimiter: \";\"\nheader: false\nfields:\n"
                                          "  tx_id: 2\n  ts: { column: 1, format: epoch_ms }\n"
                                          "  amount: { column: 3 }\n  currency: { value: EUR }\n") +
                              kRest);
  ReadResult result = ReadMapped(mapping,
                                 "1700000000000;X1;\"1,5\"\n"
                                 "1700000000000;X2;2.25\n"
                                 "1700000000000;X3\n");
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].id(), "X2");
  EXPECT_EQ(result.events[0].num(tx::kAmount), 225);
  ASSERT_EQ(result.rejects.size(), 2u);
  EXPECT_EQ(result.rejects[0].field, "amount");
  EXPECT_NE(result.rejects[0].reason.find("amount (column 3)"), std::string::npos);
  EXPECT_EQ(result.rejects[1].line, 3u);
}

TEST(MappingTest, JsonLinesDottedPathsIntoNestedObjects) {
  Mapping mapping = MustParse(
      "format: jsonl\nfields:\n  tx_id: id\n  ts: { column: meta.time, format: epoch_s }\n"
      "  customer_id: { column: payer.id }\n  account_id: payer.account.iban\n"
      "  amount: money.value\n  currency: money.ccy\n"
      "  channel: { value: ONLINE }\n  type: { value: TRANSFER }\n");
  ReadResult result = ReadMapped(
      mapping,
      R"({"id":"X1","meta":{"time":1700000000},"payer":{"id":"C7","account":{"iban":"DE89"}},"money":{"value":12.34,"ccy":"EUR"},"other":{"x":1}})"
      "\n"
      R"({"id":"X2","meta":{"time":1700000000},"payer":{"id":"C7"},"money":{"value":"1","ccy":"EUR"}})"
      "\n"
      R"({"id":"X3","meta":{"time":1700000000},"money":{"value":1,"ccy":"EUR"}})"
      "\n",
      "in.data");
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].str(tx::kCustomerId), "C7");
  EXPECT_EQ(result.events[0].str(tx::kAccountId), "DE89");
  EXPECT_EQ(result.events[0].num(tx::kAmount), 1234);
  EXPECT_EQ(result.events[0].ts(), 1'700'000'000LL * kMicrosPerSecond);
  EXPECT_FALSE(result.events[1].has(tx::kAccountId));
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].field, "customer_id");
}

TEST(MappingTest, MappedColumnMissingFromTheHeaderIsFatal) {
  Mapping mapping =
      MustParse(std::string("fields:\n  tx_id: id\n  ts: When\n"
                            "  amount: { value: \"1\" }\n  currency: { value: EUR }\n") +
                kRest);
  ReaderOptions options;
  options.mapping = &mapping;
  auto reader = RecordReader::FromBuffer("in.csv", "id,Time\nX1,2024-01-01\n", options);
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.status().message().find("m.yaml:3:3"), std::string::npos)
      << reader.status().message();
  EXPECT_NE(reader.status().message().find("'When'"), std::string::npos);
}

TEST(MappingTest, KindMustAgreeWithTheRequestedKind) {
  Mapping mapping = MustParse("kind: labels\nfields:\n  tx_id: id\n  ts: t\n  is_fraud: f\n");
  ReaderOptions options;
  options.kind = EventKind::kTransaction;
  options.mapping = &mapping;
  auto reader = RecordReader::FromBuffer("in.csv", "id,t,f\n", options);
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.status().message().find("m.yaml:1:7"), std::string::npos)
      << reader.status().message();
}

struct ErrorCase {
  std::string yaml;
  std::string position;  // "line:column"
  std::string reason;
};

TEST(MappingTest, ErrorsNameLineColumnAndReason) {
  const std::string ok_rest =
      "  ts: t\n  amount: a\n  currency: c\n  customer_id: u\n"
      "  channel: ch\n  type: ty\n";
  std::vector<ErrorCase> cases = {
      {"kind: transactions\nfields:\n  tx_id: id\n  colour: c\n" + ok_rest, "4:3",
       "unknown field 'colour'"},
      {"kind: transactions\nfields:\n  tx_id: { column: id, colour: 1 }\n" + ok_rest, "3:24",
       "unknown key 'colour'"},
      {"kind: transactions\nfields:\n  tx_id: id\n" + ok_rest + "extra: 1\n", "10:1",
       "unknown key 'extra'"},
      {"kind: transactions\nformat: xml\nfields:\n  tx_id: id\n", "2:9", "unknown format 'xml'"},
      {"kind: transactions\nfields:\n  tx_id: id\n  ts: { column: t, format: epoch_ns }\n", "4:28",
       "unknown time format 'epoch_ns'"},
      {"kind: transactions\nfields:\n  tx_id: id\n  ts: t\n", "3:3",
       "required field 'customer_id'"},
      {"kind: transfers\nfields:\n  tx_id: id\n", "1:7", "unknown kind 'transfers'"},
      {"kind: transactions\nfields:\n  tx_id: id\n  ts: t\n  amount: a\n  currency: c\n"
       "  customer_id: u\n  channel: ch\n  type: { column: ty, map: { r: REFUNDED } }\n",
       "9:3", "map target 'REFUNDED' is not valid"},
      {"kind: transactions\nfields:\n  tx_id: id\n  currency: { value: EURO }\n", "4:3",
       "value 'EURO' is not valid"},
      {"fields:\n  tx_id: { column: a, value: b }\n", "2:3", "exactly one of column and value"},
      {"header: false\nfields:\n  tx_id: id\n", "3:10", "1-based numbers"},
      {"delimiter: \"ab\"\nfields:\n  tx_id: id\n", "1:12", "delimiter must be one character"},
      {"utc_offset: \"8h\"\nfields:\n  tx_id: id\n", "1:13", "utc_offset must look like"},
      {"fields:\n  tx_id: { column: a, scale: 40 }\n", "2:30", "scale must be an integer"},
      {"fields: [1, 2\n", "", ""},
      {"kind: transactions\nfields:\n  tx_id: id\n  mcc: { column: m, scale: 2 }\n" + ok_rest,
       "4:3", "scale applies to amounts only"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.yaml);
    auto mapping = ParseMapping(c.yaml, "m.yaml");
    ASSERT_FALSE(mapping.ok());
    std::string message = mapping.status().message();
    EXPECT_EQ(message.rfind("m.yaml:" + c.position, 0), 0u) << message;
    EXPECT_NE(message.find(c.reason), std::string::npos) << message;
  }
}

TEST(MappingTest, LoadMappingReportsAMissingFile) {
  auto mapping = LoadMapping("/nonexistent/mapping.yaml");
  ASSERT_FALSE(mapping.ok());
  EXPECT_NE(mapping.status().message().find("/nonexistent/mapping.yaml"), std::string::npos);
}

TEST(MappingTest, BankExportExampleLoadsAndReadsItsSampleFile) {
  auto mapping = LoadMapping(testing::SourcePath("examples/mappings/bank_export.yaml"));
  ASSERT_TRUE(mapping.ok()) << mapping.status().ToString();
  ReaderOptions options;
  options.kind = mapping->kind.value_or(EventKind::kTransaction);
  options.mapping = &*mapping;
  auto reader =
      RecordReader::Open(testing::SourcePath("examples/mappings/bank_export.csv"), options);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ReadResult result = testing::ReadAll(**reader);
  for (const Reject& reject : result.rejects) ADD_FAILURE() << reject.line << ": " << reject.reason;
  ASSERT_EQ(result.events.size(), 6u);
  const Event& first = result.events[0];
  EXPECT_EQ(first.id(), "BX-20240301-0001");
  EXPECT_EQ(FormatIso8601(first.ts()), "2024-03-01T01:15:00Z");  // 09:15 at +08:00
  EXPECT_EQ(first.num(tx::kAmount), 12550);                      // 125,50 written as 12550 cents
  EXPECT_EQ(first.num(tx::kChannel), tx_channel::kPos);
  EXPECT_EQ(first.num(tx::kCurrency), Currency::FromCode("CNY")->Packed());
}

}  // namespace
}  // namespace panorama
