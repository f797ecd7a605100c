#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/money.h"
#include "ingest/record_reader.h"
#include "ingest_test_util.h"

namespace panorama {
namespace {

using testing::ReadBuffer;
using testing::ReadResult;
using testing::Sample;
using testing::Samples;
using testing::SplitCsv;

std::string QuoteCsv(const std::string& value) {
  if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
  std::string out = "\"";
  for (char ch : value) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

// The canonical CSV rendering of events, with every field of the schema as a column.
std::string RenderCsv(const std::vector<Event>& events, EventKind kind) {
  const EventSchema& schema = SchemaFor(kind);
  std::string out;
  for (int i = 0; i < schema.field_count(); ++i) {
    if (i > 0) out += ',';
    out += schema.fields[static_cast<size_t>(i)].name;
  }
  out += '\n';
  for (const Event& event : events) {
    for (int i = 0; i < schema.field_count(); ++i) {
      if (i > 0) out += ',';
      out += QuoteCsv(FormatField(event, i));
    }
    out += '\n';
  }
  return out;
}

TEST(CsvReaderTest, CanonicalSampleOfEveryKindIsAcceptedWithItsValues) {
  for (const Sample& sample : Samples()) {
    SCOPED_TRACE(std::string(KindName(sample.kind)));
    ReaderOptions options;
    options.kind = sample.kind;
    ReadResult result = ReadBuffer(sample.header + "\n" + sample.row + "\n", options);
    ASSERT_EQ(result.rejects.size(), 0u)
        << (result.rejects.empty() ? "" : result.rejects[0].reason);
    ASSERT_EQ(result.events.size(), 1u);
    const Event& event = result.events[0];
    const EventSchema& schema = SchemaFor(sample.kind);
    std::vector<std::string> names = SplitCsv(sample.header);
    std::vector<std::string> values = SplitCsv(sample.row);
    ASSERT_EQ(names.size(), values.size());
    for (size_t i = 0; i < names.size(); ++i) {
      int field = schema.FieldIndex(names[i]);
      ASSERT_GE(field, 0) << names[i];
      ASSERT_TRUE(event.has(field)) << names[i];
      if (schema.fields[static_cast<size_t>(field)].type == FieldType::kReal) {
        EXPECT_EQ(event.real(field), std::strtod(values[i].c_str(), nullptr)) << names[i];
      } else {
        EXPECT_EQ(FormatField(event, field), values[i]) << names[i];
      }
    }
  }
}

TEST(CsvReaderTest, CanonicalCsvRoundTripsThroughFormatField) {
  for (const Sample& sample : Samples()) {
    SCOPED_TRACE(std::string(KindName(sample.kind)));
    ReaderOptions options;
    options.kind = sample.kind;
    ReadResult first = ReadBuffer(sample.header + "\n" + sample.row + "\n", options);
    ASSERT_EQ(first.events.size(), 1u);
    std::string rendered = RenderCsv(first.events, sample.kind);
    ReadResult second = ReadBuffer(rendered, options);
    ASSERT_EQ(second.rejects.size(), 0u)
        << rendered << (second.rejects.empty() ? "" : second.rejects[0].reason);
    ASSERT_EQ(second.events.size(), 1u);
    EXPECT_EQ(first.events[0], second.events[0]) << first.events[0].DebugString() << "\n"
                                                 << second.events[0].DebugString();
  }
}

TEST(CsvReaderTest, ColumnsMayComeInAnyOrderAndOptionalOnesMayBeOmitted) {
  ReaderOptions options;
  ReadResult result = ReadBuffer(
      "amount,currency,type,channel,customer_id,ts,tx_id\n"
      "7,JPY,WITHDRAWAL,ATM,C2,2024-03-01T00:00:00+01:00,T2\n",
      options);
  ASSERT_EQ(result.events.size(), 1u);
  const Event& event = result.events[0];
  EXPECT_EQ(event.id(), "T2");
  EXPECT_EQ(event.num(tx::kAmount), 7);
  EXPECT_EQ(event.num(tx::kChannel), tx_channel::kAtm);
  EXPECT_EQ(event.num(tx::kType), tx_type::kWithdrawal);
  EXPECT_EQ(FormatIso8601(event.ts()), "2024-02-29T23:00:00Z");
  EXPECT_FALSE(event.has(tx::kMerchantId));
  EXPECT_FALSE(event.has(tx::kLat));
}

constexpr char kTxHeader[] = "tx_id,ts,customer_id,channel,type,amount,currency\n";

ReadResult ReadTx(const std::string& body) {
  ReaderOptions options;
  return ReadBuffer(std::string(kTxHeader) + body, options);
}

TEST(CsvReaderTest, MissingRequiredColumnIsFatalAndNamesTheColumn) {
  ReaderOptions options;
  auto reader = RecordReader::FromBuffer(
      "x.csv",
      "tx_id,ts,channel,type,amount,currency\nT1,2024-01-01T00:00:00Z,POS,PURCHASE,1,EUR\n",
      options);
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.status().message().find("customer_id"), std::string::npos);
  EXPECT_NE(reader.status().message().find("x.csv"), std::string::npos);
}

TEST(CsvReaderTest, UnknownColumnsAreIgnoredAndReportedOnce) {
  ReaderOptions options;
  ReadResult result = ReadBuffer(
      "tx_id,ts,customer_id,channel,type,amount,currency,colour\n"
      "T1,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1,EUR,red\n"
      "T2,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1,EUR,blue\n",
      options);
  EXPECT_EQ(result.events.size(), 2u);
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("colour"), std::string::npos);
}

TEST(CsvReaderTest, QuotedFieldsHoldDelimitersDoubledQuotesAndLineBreaks) {
  ReaderOptions options;
  options.kind = EventKind::kLabel;
  ReadResult result = ReadBuffer(
      "tx_id,ts,is_fraud,note\n"
      "T1,2024-01-01T00:00:00Z,true,\"a, b\"\n"
      "T2,2024-01-01T00:00:00Z,false,\"he said \"\"hi\"\"\"\n"
      "T3,2024-01-01T00:00:00Z,yes,\"line one\nline two\"\n"
      "T4,2024-01-01T00:00:00Z,0,\"\"\n",
      options);
  ASSERT_EQ(result.rejects.size(), 0u) << result.rejects[0].reason;
  ASSERT_EQ(result.events.size(), 4u);
  EXPECT_EQ(result.events[0].str(label::kNote), "a, b");
  EXPECT_EQ(result.events[1].str(label::kNote), "he said \"hi\"");
  EXPECT_EQ(result.events[2].str(label::kNote), "line one\nline two");
  EXPECT_EQ(result.events[2].num(label::kIsFraud), 1);
  EXPECT_FALSE(result.events[3].has(label::kNote));
}

TEST(CsvReaderTest, LineNumbersCountLineBreaksInsideQuotes) {
  ReaderOptions options;
  options.kind = EventKind::kLabel;
  ReadResult result = ReadBuffer(
      "tx_id,ts,is_fraud,note\n"
      "T1,2024-01-01T00:00:00Z,true,\"one\ntwo\nthree\"\n"
      "T2,2024-01-01T00:00:00Z,maybe,x\n",
      options);
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].line, 5u);
  EXPECT_EQ(result.rejects[0].field, "is_fraud");
}

TEST(CsvReaderTest, CrlfLineEndingsAndByteOrderMarkAreAccepted) {
  ReaderOptions options;
  ReadResult result = ReadBuffer(
      "\xEF\xBB\xBFtx_id,ts,customer_id,channel,type,amount,currency\r\n"
      "T1,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1.10,EUR\r\n"
      "T2,2024-01-01T00:00:00Z,C1,POS,PURCHASE,\"2.20\",\"EUR\"\r\n",
      options);
  ASSERT_EQ(result.rejects.size(), 0u) << result.rejects[0].reason;
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].num(tx::kAmount), 110);
  EXPECT_EQ(result.events[1].num(tx::kAmount), 220);
  EXPECT_EQ(result.events[1].num(tx::kCurrency), Currency::FromCode("EUR")->Packed());
}

TEST(CsvReaderTest, SpacesAroundUnquotedValuesAreTrimmedButKeptInsideQuotes) {
  ReaderOptions options;
  options.kind = EventKind::kLabel;
  ReadResult result = ReadBuffer(
      "tx_id,ts,is_fraud,note\n"
      "  T1 , 2024-01-01T00:00:00Z ,  true ,\"  padded  \"\n",
      options);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].id(), "T1");
  EXPECT_EQ(result.events[0].str(label::kNote), "  padded  ");
}

TEST(CsvReaderTest, BlankLinesAreSkippedAndLastLineNeedsNoTerminator) {
  ReadResult result = ReadTx(
      "\nT1,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1,EUR\n\n\r\n"
      "T2,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1,EUR");
  EXPECT_EQ(result.rejects.size(), 0u);
  EXPECT_EQ(result.events.size(), 2u);
}

TEST(CsvReaderTest, BrokenQuoteRejectsOneRecordAndRecoversTheFollowingLines) {
  ReadResult result = ReadTx(
      "T1,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1,EUR\n"
      "T2,2024-01-01T00:00:00Z,\"C1,POS,PURCHASE,1,EUR\n"
      "T3,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1,EUR\n"
      "T4,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1,EUR\n");
  ASSERT_EQ(result.events.size(), 3u);
  EXPECT_EQ(result.events[0].id(), "T1");
  EXPECT_EQ(result.events[1].id(), "T3");
  EXPECT_EQ(result.events[2].id(), "T4");
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].line, 3u);
  EXPECT_NE(result.rejects[0].reason.find("unterminated"), std::string::npos);
  EXPECT_EQ(result.rejects[0].record, "T2,2024-01-01T00:00:00Z,\"C1,POS,PURCHASE,1,EUR");
}

TEST(CsvReaderTest, TextAfterClosingQuoteIsAStructuralError) {
  ReadResult result = ReadTx(
      "T1,2024-01-01T00:00:00Z,\"C1\"x,POS,PURCHASE,1,EUR\n"
      "T2,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1,EUR\n");
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_NE(result.rejects[0].reason.find("closing quote"), std::string::npos);
  EXPECT_EQ(result.rejects[0].line, 2u);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].id(), "T2");
}

TEST(CsvReaderTest, WrongColumnCountIsRejected) {
  ReadResult result = ReadTx(
      "T1,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1\n"
      "T2,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1,EUR,extra\n"
      "T3,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1,EUR\n");
  ASSERT_EQ(result.rejects.size(), 2u);
  EXPECT_EQ(result.rejects[0].reason, "expected 7 columns, found 6");
  EXPECT_EQ(result.rejects[1].reason, "expected 7 columns, found 8");
  EXPECT_EQ(result.events.size(), 1u);
}

TEST(CsvReaderTest, MultiLineRecordWithWrongColumnCountResumesAtItsSecondLine) {
  // The quote opened on line 2 closes on line 3: one long record of the wrong width that
  // would swallow T3.
  ReadResult result = ReadTx(
      "T2,2024-01-01T00:00:00Z,\"C1,POS,PURCHASE,1,EUR\n"
      "T3,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1,\"EUR\"\n");
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].line, 2u);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].id(), "T3");
}

TEST(CsvReaderTest, EmptyAndHeaderOnlyInputsGiveNoRecordsAndNoError) {
  ReaderOptions options;
  ReadResult empty = ReadBuffer("", options);
  EXPECT_TRUE(empty.events.empty());
  EXPECT_TRUE(empty.rejects.empty());
  ReadResult header_only = ReadBuffer(kTxHeader, options);
  EXPECT_TRUE(header_only.events.empty());
  EXPECT_TRUE(header_only.rejects.empty());
}

TEST(CsvReaderTest, OverlongRecordIsRejectedAndReadingContinues) {
  ReaderOptions options;
  options.max_record_bytes = 256;
  std::string body = "T1,2024-01-01T00:00:00Z,C" + std::string(1000, 'x') +
                     ",POS,PURCHASE,1,EUR\nT2,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1,EUR\n";
  ReadResult result = ReadBuffer(std::string(kTxHeader) + body, options);
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_NE(result.rejects[0].reason.find("longer than"), std::string::npos);
  EXPECT_LE(result.rejects[0].record.size(), 1024u);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].id(), "T2");
  EXPECT_EQ(result.rejects[0].line, 2u);
}

TEST(CsvReaderTest, RejectCarriesFileLineFieldReasonAndRecord) {
  ReaderOptions options;
  const std::string data =
      std::string(kTxHeader) + "T1,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1.234,USD\n";
  auto reader = RecordReader::FromBuffer("payments.csv", data, options);
  ASSERT_TRUE(reader.ok());
  Event event;
  Reject reject;
  ASSERT_EQ((*reader)->Next(&event, &reject), RecordReader::Outcome::kReject);
  EXPECT_EQ(reject.file, "payments.csv");
  EXPECT_EQ(reject.line, 2u);
  EXPECT_EQ(reject.field, "amount");
  EXPECT_EQ(reject.reason, "amount: amount has more decimal places than the currency allows (2)");
  EXPECT_EQ(reject.record, "T1,2024-01-01T00:00:00Z,C1,POS,PURCHASE,1.234,USD");
  EXPECT_EQ((*reader)->line(), 2u);
  EXPECT_EQ((*reader)->Next(&event, &reject), RecordReader::Outcome::kEnd);
}

TEST(CsvReaderTest, FormatComesFromTheFileName) {
  EXPECT_EQ(FormatFromPath("a/b.jsonl"), FileFormat::kJsonLines);
  EXPECT_EQ(FormatFromPath("b.ndjson"), FileFormat::kJsonLines);
  EXPECT_EQ(FormatFromPath("b.json"), FileFormat::kJsonLines);
  EXPECT_EQ(FormatFromPath("b.csv"), FileFormat::kCsv);
  EXPECT_EQ(FormatFromPath("b.txt"), FileFormat::kCsv);
}

TEST(CsvReaderTest, OpenReadsFilesLargerThanItsWindow) {
  std::string path = std::string(PANORAMA_BINARY_DIR) + "/ingest_large_test.csv";
  std::string data = kTxHeader;
  const int rows = 150000;  // about 8 MB: the 4 MiB window is refilled
  for (int i = 0; i < rows; ++i) {
    data.append("T").append(std::to_string(i)).append(",2024-01-01T00:00:00Z,C");
    data.append(std::to_string(i % 97)).append(",POS,PURCHASE,");
    data.append(std::to_string(i)).append(".5,EUR\n");
  }
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(data.data(), 1, data.size(), f);
  std::fclose(f);
  ReaderOptions options;
  options.max_record_bytes = 4096;
  auto reader = RecordReader::Open(path, options);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ReadResult result = testing::ReadAll(**reader);
  std::remove(path.c_str());
  ASSERT_EQ(result.rejects.size(), 0u);
  ASSERT_EQ(result.events.size(), static_cast<size_t>(rows));
  EXPECT_EQ(result.events[rows - 1].id(), std::string("T").append(std::to_string(rows - 1)));
  EXPECT_EQ(result.events[rows - 1].num(tx::kAmount), (rows - 1) * 100 + 50);
}

TEST(CsvReaderTest, OpenOfAMissingFileFails) {
  ReaderOptions options;
  EXPECT_FALSE(RecordReader::Open("/nonexistent/file.csv", options).ok());
}

}  // namespace
}  // namespace panorama
