// Helpers for the log tests: a temporary directory per test, a model of appended records,
// and byte-level damage to segment files.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "log/transaction_log.h"

namespace panorama::log_test {

// Sizes from docs/log_format.md.
constexpr uint64_t kSegmentHeaderBytes = 24;
constexpr uint64_t kRecordHeaderBytes = 25;

struct ModelRecord {
  uint64_t seq = 0;
  Timestamp ts = 0;
  uint8_t kind = 0;
  std::string payload;

  bool operator==(const ModelRecord&) const = default;
};

inline void PrintTo(const ModelRecord& r, std::ostream* os) {
  *os << "{seq " << r.seq << ", ts " << r.ts << ", kind " << int{r.kind} << ", " << r.payload.size()
      << " bytes}";
}

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Opens the log in dir_, failing the test on error.
  std::unique_ptr<TransactionLog> OpenLog(const LogOptions& options = {});

  // Appends `batches` batches of 1..max_records records with random payloads of up to
  // max_payload bytes; timestamps come from `next_ts`. Records are added to model_.
  template <typename TsFn>
  void AppendRandom(TransactionLog* log, int batches, int max_records, size_t max_payload,
                    TsFn next_ts);
  void AppendRandom(TransactionLog* log, int batches, int max_records = 8,
                    size_t max_payload = 200);

  std::string RandomPayload(size_t max_size);

  // The segment files of dir_, in order (full paths).
  std::vector<std::string> Segments() const;
  // Byte offset of each record of the model in the segment starting at `first_seq`.
  std::vector<uint64_t> RecordOffsets(uint64_t first_seq) const;

  std::string base_;
  std::string dir_;
  std::mt19937_64 rng_{20240601};
  std::vector<ModelRecord> model_;
};

// Every record the reader yields, failing the test when it ends with an error.
std::vector<ModelRecord> ReadAll(LogReader* reader);
std::vector<ModelRecord> ReadSeqRange(const std::string& dir, uint64_t from,
                                      uint64_t to = UINT64_MAX);

std::vector<ModelRecord> Slice(const std::vector<ModelRecord>& model, uint64_t from_seq,
                               uint64_t to_seq);
uint64_t FileSize(const std::string& path);
void FlipByte(const std::string& path, uint64_t offset);
void Truncate(const std::string& path, uint64_t size);
void AppendBytes(const std::string& path, const std::string& bytes);
std::string FileName(const std::string& path);

template <typename TsFn>
void LogTest::AppendRandom(TransactionLog* log, int batches, int max_records, size_t max_payload,
                           TsFn next_ts) {
  LogBatch batch;
  for (int b = 0; b < batches; ++b) {
    batch.Clear();
    std::vector<ModelRecord> added;
    int n = 1 + static_cast<int>(rng_() % static_cast<uint64_t>(max_records));
    for (int i = 0; i < n; ++i) {
      ModelRecord r;
      r.ts = next_ts();
      r.kind = static_cast<uint8_t>(rng_() % 7);
      r.payload = RandomPayload(max_payload);
      batch.Add(r.kind, r.ts, r.payload);
      added.push_back(std::move(r));
    }
    auto first = log->Append(batch);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    uint64_t expected_first = model_.empty() ? 1 : model_.back().seq + 1;
    ASSERT_EQ(*first, expected_first);
    for (size_t i = 0; i < added.size(); ++i) {
      added[i].seq = *first + i;
      model_.push_back(std::move(added[i]));
    }
    ASSERT_EQ(log->last_seq(), model_.back().seq);
  }
}

}  // namespace panorama::log_test
