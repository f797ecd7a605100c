// The bad-input corpus (tests/corpus/bad/, with expected.tsv) and a sweep of every corpus
// file, including the fuzz seeds, through the readers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/record_reader.h"
#include "ingest_test_util.h"

namespace panorama {
namespace {

namespace fs = std::filesystem;

struct ExpectedReject {
  uint64_t line = 0;
  std::string field;
  std::string reason;
};

struct Expected {
  std::string kind;
  size_t accepted = 0;
  size_t rejected = 0;
  std::vector<ExpectedReject> rejects;
};

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> parts;
  std::stringstream in(line);
  std::string part;
  while (std::getline(in, part, '\t')) parts.push_back(part);
  if (!line.empty() && line.back() == '\t') parts.emplace_back();
  return parts;
}

std::map<std::string, Expected> LoadExpectations(const std::string& path) {
  std::map<std::string, Expected> expected;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> parts = SplitTabs(line);
    if (parts[0] == "counts" && parts.size() == 5) {
      Expected& e = expected[parts[1]];
      e.kind = parts[2];
      e.accepted = std::stoul(parts[3]);
      e.rejected = std::stoul(parts[4]);
    } else if (parts[0] == "reject" && parts.size() == 5) {
      expected[parts[1]].rejects.push_back({std::stoull(parts[2]), parts[3], parts[4]});
    } else {
      ADD_FAILURE() << "bad line in expected.tsv: " << line;
    }
  }
  return expected;
}

TEST(CorpusTest, EveryBadRecordIsRejectedWithItsReasonAndEveryGoodOneAccepted) {
  std::string dir = testing::SourcePath("tests/corpus/bad");
  std::map<std::string, Expected> expectations = LoadExpectations(dir + "/expected.tsv");
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name == "expected.tsv") continue;
    ++files;
    SCOPED_TRACE(name);
    auto it = expectations.find(name);
    ASSERT_NE(it, expectations.end()) << "no expectations for " << name;
    const Expected& expected = it->second;
    ReaderOptions options;
    options.kind = *KindFromName(expected.kind);
    auto reader = RecordReader::Open(entry.path().string(), options);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    testing::ReadResult result = testing::ReadAll(**reader);
    EXPECT_EQ(result.events.size(), expected.accepted);
    ASSERT_EQ(result.rejects.size(), expected.rejected);
    ASSERT_EQ(expected.rejects.size(), expected.rejected);
    for (size_t i = 0; i < result.rejects.size(); ++i) {
      const Reject& got = result.rejects[i];
      const ExpectedReject& want = expected.rejects[i];
      EXPECT_EQ(got.file, entry.path().string());
      EXPECT_EQ(got.line, want.line) << got.reason;
      EXPECT_EQ(got.field, want.field) << got.reason;
      EXPECT_NE(got.reason.find(want.reason), std::string::npos)
          << "line " << got.line << ": " << got.reason;
      EXPECT_LE(got.record.size(), 1024u);
    }
    for (const Event& event : result.events) {
      EXPECT_EQ(event.id()[0], 'G') << event.DebugString();
    }
  }
  EXPECT_EQ(files, expectations.size());
}

std::string GoodRow(int i) {
  std::string row = "G";
  row.append(std::to_string(i)).append(",2024-03-01T10:00:00Z,C1,POS,PURCHASE,1.00,EUR\n");
  return row;
}

TEST(CorpusTest, OneMegabyteFieldIsRejectedWithoutLosingItsNeighbours) {
  std::string huge(1 << 20, 'x');
  std::string csv = "tx_id,ts,customer_id,channel,type,amount,currency\n" + GoodRow(1) +
                    "B1,2024-03-01T10:00:00Z," + huge + ",POS,PURCHASE,1.00,EUR\n" + GoodRow(2) +
                    "B2,2024-03-01T10:00:00Z,\"" + huge + "\",POS,PURCHASE,1.00,EUR\n" + GoodRow(3);
  std::string path = std::string(PANORAMA_BINARY_DIR) + "/corpus_huge_field.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << csv;
  }
  ReaderOptions options;
  for (bool from_file : {false, true}) {
    SCOPED_TRACE(from_file ? "file" : "buffer");
    testing::ReadResult result;
    if (from_file) {
      auto reader = RecordReader::Open(path, options);
      ASSERT_TRUE(reader.ok());
      result = testing::ReadAll(**reader);
    } else {
      result = testing::ReadBuffer(csv, options);
    }
    ASSERT_EQ(result.events.size(), 3u);
    ASSERT_EQ(result.rejects.size(), 2u);
    EXPECT_EQ(result.rejects[0].line, 3u);
    EXPECT_EQ(result.rejects[1].line, 5u);
    for (const Reject& reject : result.rejects) {
      EXPECT_NE(reject.reason.find("longer than the limit"), std::string::npos) << reject.reason;
      EXPECT_EQ(reject.record.size(), 1024u);
    }
  }
  std::remove(path.c_str());

  std::string jsonl =
      R"({"tx_id":"B1","ts":"2024-03-01T10:00:00Z","customer_id":")" + huge +
      R"(","channel":"POS","type":"PURCHASE","amount":1,"currency":"EUR"})"
      "\n" +
      R"({"tx_id":"G1","ts":"2024-03-01T10:00:00Z","customer_id":"C1","channel":"POS","type":"PURCHASE","amount":1,"currency":"EUR"})"
      "\n";
  testing::ReadResult json = testing::ReadBuffer(jsonl, options, "huge.jsonl");
  ASSERT_EQ(json.rejects.size(), 1u);
  EXPECT_NE(json.rejects[0].reason.find("longer than the limit"), std::string::npos);
  EXPECT_EQ(json.events.size(), 1u);
}

size_t CountLines(const std::string& data, bool jsonl) {
  size_t lines = 0;
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    std::string_view line(data.data() + start, end - start);
    bool blank = jsonl ? line.find_first_not_of(" \t\r") == std::string_view::npos
                       : (line.empty() || line == "\r");
    if (!blank) ++lines;
    start = end + 1;
  }
  return lines;
}

// Reads `data` as every kind in both formats: no crash, every record accounted for once.
void SweepOne(const std::string& name, const std::string& data) {
  for (EventKind kind : kAllEventKinds) {
    for (FileFormat format : {FileFormat::kCsv, FileFormat::kJsonLines}) {
      for (size_t max_record_bytes : {size_t{1} << 20, size_t{100}}) {
        ReaderOptions options;
        options.kind = kind;
        options.format = format;
        options.max_record_bytes = max_record_bytes;
        auto reader = RecordReader::FromBuffer(name, data, options);
        if (!reader.ok()) continue;  // e.g. a header without the required columns
        testing::ReadResult result = testing::ReadAll(**reader);
        bool jsonl = format == FileFormat::kJsonLines;
        size_t lines = CountLines(data, jsonl);
        size_t records = result.events.size() + result.rejects.size();
        uint64_t last_line = 0;
        for (const Reject& reject : result.rejects) {
          EXPECT_GT(reject.line, last_line) << name;
          last_line = reject.line;
          EXPECT_LE(reject.record.size(), 1024u);
        }
        if (jsonl) {
          EXPECT_EQ(records, lines) << name;
        } else if (data.find('"') == std::string::npos && lines > 0) {
          EXPECT_EQ(records, lines - 1) << name;  // the header is no record
        } else {
          EXPECT_LE(records, lines) << name;
        }
      }
    }
  }
}

TEST(CorpusTest, EveryCorpusFileIsReadWithoutCrashingAndEveryRecordAccountedFor) {
  size_t files = 0;
  for (const char* root : {"tests/corpus", "tests/fuzz/corpus", "examples/mappings"}) {
    std::string dir = testing::SourcePath(root);
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream buffer;
      buffer << in.rdbuf();
      SweepOne(entry.path().string(), buffer.str());
      ++files;
    }
  }
  EXPECT_GT(files, 10u);
}

}  // namespace
}  // namespace panorama
