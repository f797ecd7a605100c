// LogReader: ranges by sequence number and by time, torn tails, concurrent writers.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include "log/log_test_util.h"
#include "log/transaction_log.h"

namespace panorama::log_test {
namespace {

class LogReaderTest : public LogTest {
 protected:
  // Several segments; timestamps rise from batch to batch but jump back and forth inside
  // and across neighbouring batches.
  void BuildLog() {
    auto log = OpenLog(options_);
    ASSERT_NE(log, nullptr);
    for (int b = 0; b < 80; ++b) {
      AppendRandom(log.get(), 1, 6, 200, [this, b] {
        return Timestamp{b} * 10'000 + static_cast<Timestamp>(rng_() % 15'000) - 5'000;
      });
    }
    ASSERT_GE(Segments().size(), 4u);
  }
  std::vector<ModelRecord> ModelInTime(Timestamp from, Timestamp to) const {
    std::vector<ModelRecord> out;
    for (const auto& r : model_) {
      if (r.ts >= from && r.ts < to) out.push_back(r);
    }
    return out;
  }
  std::vector<ModelRecord> ReadTime(Timestamp from, Timestamp to) {
    auto reader = LogReader::OpenTimeRange(dir_, from, to);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    return reader.ok() ? ReadAll(reader->get()) : std::vector<ModelRecord>{};
  }

  LogOptions options_{.segment_bytes = 4096, .sync = SyncPolicy::kNone};
};

TEST_F(LogReaderTest, ReadsSequenceRanges) {
  BuildLog();
  const uint64_t last = model_.back().seq;
  EXPECT_EQ(ReadSeqRange(dir_, 1), model_);
  EXPECT_EQ(ReadSeqRange(dir_, 1, 1), Slice(model_, 1, 1));
  EXPECT_EQ(ReadSeqRange(dir_, last, last), Slice(model_, last, last));
  EXPECT_TRUE(ReadSeqRange(dir_, last + 1).empty());
  EXPECT_TRUE(ReadSeqRange(dir_, 10, 9).empty());
  for (int i = 0; i < 25; ++i) {
    uint64_t from = 1 + rng_() % last;
    uint64_t to = from + rng_() % 60;
    EXPECT_EQ(ReadSeqRange(dir_, from, to), Slice(model_, from, to)) << from << ".." << to;
  }
}

TEST_F(LogReaderTest, ReadsTimeRangesInSequenceOrder) {
  BuildLog();
  Timestamp min_ts = model_.front().ts;
  Timestamp max_ts = model_.front().ts;
  for (const auto& r : model_) {
    min_ts = std::min(min_ts, r.ts);
    max_ts = std::max(max_ts, r.ts);
  }
  EXPECT_EQ(ReadTime(min_ts, max_ts + 1), model_);
  EXPECT_TRUE(ReadTime(max_ts + 1, max_ts + 100).empty());
  EXPECT_TRUE(ReadTime(min_ts - 100, min_ts).empty());
  EXPECT_TRUE(ReadTime(500, 500).empty());
  for (int i = 0; i < 25; ++i) {
    Timestamp from =
        min_ts + static_cast<Timestamp>(rng_() % static_cast<uint64_t>(max_ts - min_ts));
    Timestamp to = from + static_cast<Timestamp>(rng_() % 80'000);
    auto expected = ModelInTime(from, to);
    EXPECT_EQ(ReadTime(from, to), expected) << from << ".." << to;
  }
}

// Sealed segments whose sidecar shows no timestamp in range are not read at all: damage in
// one goes unnoticed by a time-range read that skips it, but not by one that needs it.
TEST_F(LogReaderTest, TimeRangeSkipsSegmentsOutsideTheRange) {
  BuildLog();
  auto segments = Segments();
  std::string damaged = segments[1];
  uint64_t first = std::stoull(FileName(damaged).substr(0, 20));
  uint64_t next_first = std::stoull(FileName(segments[2]).substr(0, 20));
  Timestamp seg_max = model_[first - 1].ts;
  for (uint64_t s = first; s < next_first; ++s) seg_max = std::max(seg_max, model_[s - 1].ts);
  FlipByte(damaged, RecordOffsets(first)[1] + kRecordHeaderBytes - 1);

  Timestamp from = seg_max + 1;
  Timestamp to = model_.back().ts + 1'000'000;
  EXPECT_EQ(ReadTime(from, to), ModelInTime(from, to));
  EXPECT_FALSE(ModelInTime(from, to).empty());

  auto reader = LogReader::OpenTimeRange(dir_, seg_max, to);
  ASSERT_TRUE(reader.ok());
  LogRecord record;
  while ((*reader)->Next(&record)) {
  }
  EXPECT_EQ((*reader)->status().code(), StatusCode::kCorruption);
  EXPECT_NE((*reader)->status().message().find(FileName(damaged)), std::string::npos);
}

TEST_F(LogReaderTest, TornTailEndsTheReadWithoutModifyingTheLog) {
  BuildLog();
  std::string newest = Segments().back();
  auto offsets = RecordOffsets(std::stoull(FileName(newest).substr(0, 20)));
  ASSERT_GE(offsets.size(), 2u);
  uint64_t cut = offsets.back() + 7;
  Truncate(newest, cut);
  uint64_t kept = model_.back().seq - 1;

  auto reader = LogReader::OpenRange(dir_, 1);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(ReadAll(reader->get()), Slice(model_, 1, kept));
  EXPECT_TRUE((*reader)->tail_torn());
  EXPECT_TRUE((*reader)->status().ok());
  EXPECT_EQ(FileSize(newest), cut);
}

TEST_F(LogReaderTest, MissingDirectoryIsAnEmptyLog) {
  auto reader = LogReader::OpenRange(dir_ + "/nowhere", 1);
  ASSERT_TRUE(reader.ok());
  LogRecord record;
  EXPECT_FALSE((*reader)->Next(&record));
  EXPECT_TRUE((*reader)->status().ok());
  EXPECT_FALSE((*reader)->tail_torn());
  auto by_time = LogReader::OpenTimeRange(dir_ + "/nowhere", 0, 100);
  ASSERT_TRUE(by_time.ok());
  EXPECT_FALSE((*by_time)->Next(&record));
  EXPECT_TRUE((*by_time)->status().ok());
}

// Readers opened while a writer appends see a gapless prefix of the log, never an error.
TEST_F(LogReaderTest, ReadersSeeAPrefixWhileAWriterAppends) {
  LogOptions options;
  options.segment_bytes = 8192;
  options.sync = SyncPolicy::kNone;
  auto log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    LogBatch batch;
    for (int b = 0; b < 300; ++b) {
      batch.Clear();
      for (int r = 0; r < 5; ++r) {
        batch.Add(1, b, std::string(40 + r * 13, static_cast<char>('a' + r)));
      }
      ASSERT_TRUE(log->Append(batch).ok());
    }
    writing = false;
  });
  int reads = 0;
  while (writing || reads < 3) {
    uint64_t floor = log->last_seq();
    auto reader = LogReader::OpenRange(dir_, 1);
    ASSERT_TRUE(reader.ok());
    LogRecord record;
    uint64_t expected = 1;
    while ((*reader)->Next(&record)) {
      ASSERT_EQ(record.seq, expected);
      ASSERT_EQ(record.payload.size(), 40 + ((record.seq - 1) % 5) * 13);
      ++expected;
    }
    ASSERT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();
    EXPECT_GE(expected - 1, floor);
    ++reads;
  }
  writer.join();
  EXPECT_EQ(ReadSeqRange(dir_, 1).size(), log->last_seq());
}

}  // namespace
}  // namespace panorama::log_test
