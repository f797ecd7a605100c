#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/record_reader.h"
#include "ingest_test_util.h"

namespace panorama {
namespace {

using testing::ReadBuffer;
using testing::ReadResult;
using testing::Sample;
using testing::Samples;
using testing::SplitCsv;

std::string JsonString(const std::string& value) {
  std::string out = "\"";
  for (char ch : value) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// The sample as one JSON object: numbers for amounts, ints and reals, booleans as literals.
std::string SampleJson(const Sample& sample) {
  const EventSchema& schema = SchemaFor(sample.kind);
  std::vector<std::string> names = SplitCsv(sample.header);
  std::vector<std::string> values = SplitCsv(sample.row);
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += JsonString(names[i]) + ": ";
    FieldType type = schema.fields[static_cast<size_t>(schema.FieldIndex(names[i]))].type;
    if (type == FieldType::kAmount || type == FieldType::kInt || type == FieldType::kReal ||
        type == FieldType::kBool) {
      out += values[i];
    } else {
      out += JsonString(values[i]);
    }
  }
  return out + "}";
}

ReadResult ReadJson(const std::string& data, EventKind kind = EventKind::kTransaction) {
  ReaderOptions options;
  options.kind = kind;
  return ReadBuffer(data, options, "input.jsonl");
}

TEST(JsonLinesReaderTest, EveryKindReadsTheSameEventsAsFromCsv) {
  for (const Sample& sample : Samples()) {
    SCOPED_TRACE(std::string(KindName(sample.kind)));
    ReaderOptions options;
    options.kind = sample.kind;
    ReadResult csv = ReadBuffer(sample.header + "\n" + sample.row + "\n", options);
    std::string json = SampleJson(sample);
    ReadResult jsonl = ReadJson(json + "\n", sample.kind);
    ASSERT_EQ(jsonl.rejects.size(), 0u) << json << "\n"
                                        << (jsonl.rejects.empty() ? "" : jsonl.rejects[0].reason);
    ASSERT_EQ(csv.events.size(), 1u);
    ASSERT_EQ(jsonl.events.size(), 1u);
    EXPECT_EQ(csv.events[0], jsonl.events[0]) << csv.events[0].DebugString() << "\n"
                                              << jsonl.events[0].DebugString();
  }
}

TEST(JsonLinesReaderTest, AmountNumbersConvertExactlyFromTheirText) {
  ReadResult result = ReadJson(
      R"({"tx_id":"T1","ts":"2024-01-01T00:00:00Z","customer_id":"C1","channel":"POS","type":"PURCHASE","amount":0.07,"currency":"EUR"})"
      "\n"
      R"({"tx_id":"T2","ts":"2024-01-01T00:00:00Z","customer_id":"C1","channel":"POS","type":"PURCHASE","amount":92233720368547758.07,"currency":"EUR"})"
      "\n"
      R"({"tx_id":"T3","ts":"2024-01-01T00:00:00Z","customer_id":"C1","channel":"POS","type":"PURCHASE","amount":1e3,"currency":"EUR"})"
      "\n");
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].num(tx::kAmount), 7);
  EXPECT_EQ(result.events[1].num(tx::kAmount), 9223372036854775807);
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].field, "amount");
  EXPECT_EQ(result.rejects[0].line, 3u);
}

TEST(JsonLinesReaderTest, NullAndEmptyStringMeanAbsent) {
  ReadResult result = ReadJson(
      R"({"tx_id":"T1","ts":"2024-01-01T00:00:00Z","customer_id":"C1","channel":"POS","type":"PURCHASE","amount":"5","currency":"EUR","mcc":null,"city":""})"
      "\n"
      R"({"tx_id":"T2","ts":"2024-01-01T00:00:00Z","customer_id":null,"channel":"POS","type":"PURCHASE","amount":"5","currency":"EUR"})"
      "\n");
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_FALSE(result.events[0].has(tx::kMcc));
  EXPECT_FALSE(result.events[0].has(tx::kCity));
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].field, "customer_id");
  EXPECT_NE(result.rejects[0].reason.find("missing"), std::string::npos);
}

TEST(JsonLinesReaderTest, StringEscapesAreDecoded) {
  ReadResult result = ReadJson(
      R"({"tx_id":"T1","ts":"2024-03-01T12:00:00Z","is_fraud":false,"note":"caf\u00e9 \"quoted\"\ttab"})"
      "\n",
      EventKind::kLabel);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].str(label::kNote), "caf\xC3\xA9 \"quoted\"\ttab");
}

TEST(JsonLinesReaderTest, MalformedLinesAreRejectedAndTheRestIsRead) {
  const std::string good =
      R"({"tx_id":"T9","ts":"2024-01-01T00:00:00Z","customer_id":"C1","channel":"pos","type":"purchase","amount":1,"currency":"EUR"})";
  ReadResult result = ReadJson(
      "{\"tx_id\": \"T1\",\n"    // line 1: unterminated object
      "[1, 2]\n"                 // line 2: not an object
      + good + " trailing\n" +   // line 3: text after the object
      "\n   \n" + good + "\n" +  // lines 4-5 blank, 6 good
      R"({"tx_id":"T1","tx_id":"T2"})"
      "\n" +  // line 7: duplicate key
      R"({"tx_id":{"a":1}})"
      "\n");  // line 8: object for a field
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].id(), "T9");
  ASSERT_EQ(result.rejects.size(), 5u);
  std::vector<uint64_t> lines;
  for (const Reject& reject : result.rejects) lines.push_back(reject.line);
  EXPECT_EQ(lines, (std::vector<uint64_t>{1, 2, 3, 7, 8}));
  EXPECT_NE(result.rejects[0].reason.find("invalid JSON"), std::string::npos);
  EXPECT_NE(result.rejects[1].reason.find("must be an object"), std::string::npos);
  EXPECT_NE(result.rejects[2].reason.find("invalid JSON"), std::string::npos);
  EXPECT_NE(result.rejects[3].reason.find("duplicate key"), std::string::npos);
  EXPECT_EQ(result.rejects[4].field, "tx_id");
  EXPECT_NE(result.rejects[4].reason.find("found an object"), std::string::npos);
}

TEST(JsonLinesReaderTest, UnknownKeysAreIgnoredAndReportedOnce) {
  const std::string line =
      R"({"tx_id":"T1","ts":"2024-01-01T00:00:00Z","customer_id":"C1","channel":"POS","type":"PURCHASE","amount":1,"currency":"EUR","extra":{"deep":[1,2]}})";
  ReadResult result = ReadJson(line + "\n" + line + "\n");
  EXPECT_EQ(result.events.size(), 2u);
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("extra"), std::string::npos);
}

TEST(JsonLinesReaderTest, InvalidUtf8AndNulBytesAreRejected) {
  const std::string head = R"({"tx_id":"T1","ts":"2024-01-01T00:00:00Z","customer_id":")";
  const std::string tail = R"(","channel":"POS","type":"PURCHASE","amount":1,"currency":"EUR"})";
  ReadResult result = ReadJson(head + "C\xFF" + tail + "\n" + head + std::string("C\0", 2) + tail +
                               "\n" + head + "C\\u0000" + tail + "\n");
  EXPECT_EQ(result.events.size(), 0u);
  EXPECT_EQ(result.rejects.size(), 3u);
}

}  // namespace
}  // namespace panorama
