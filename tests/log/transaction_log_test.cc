// Appending: sequence numbers, segment rolls, reopening, group commit, sync policies, errors.
#include "log/transaction_log.h"

#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>

#include "log/log_test_util.h"

namespace panorama::log_test {
namespace {

using TransactionLogTest = LogTest;

std::string Tag(int thread, int batch, int record) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "t%d-b%d-r%d", thread, batch, record);
  return buf;
}

TEST_F(TransactionLogTest, OpenCreatesAnEmptyLog) {
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(std::filesystem::is_directory(dir_));
  EXPECT_EQ(log->last_seq(), 0u);
  EXPECT_EQ(log->dir(), dir_);
  EXPECT_EQ(log->recovery().first_seq, 0u);
  EXPECT_EQ(log->recovery().last_seq, 0u);
  EXPECT_FALSE(log->recovery().tail_truncated);
  EXPECT_EQ(Segments().size(), 1u);
  EXPECT_TRUE(ReadSeqRange(dir_, 1).empty());

  LogBatch empty;
  auto first = log->Append(empty);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 1u);
  EXPECT_EQ(log->last_seq(), 0u);
}

TEST_F(TransactionLogTest, RoundTripAcrossSegmentRolls) {
  LogOptions options;
  options.segment_bytes = 4096;
  options.sync = SyncPolicy::kNone;
  auto log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  AppendRandom(log.get(), 120, 8, 300);
  EXPECT_GE(Segments().size(), 5u);
  EXPECT_EQ(ReadSeqRange(dir_, 1), model_);
  // Every sealed segment has its sidecar; the newest has none.
  auto segments = Segments();
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string idx = segments[i].substr(0, segments[i].size() - 4) + ".idx";
    EXPECT_EQ(std::filesystem::exists(idx), i + 1 < segments.size()) << idx;
  }
}

TEST_F(TransactionLogTest, SegmentFilesAreNamedByFirstSequenceNumber) {
  LogOptions options;
  options.segment_bytes = 2000;
  auto log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  AppendRandom(log.get(), 40, 4, 200);
  auto segments = Segments();
  ASSERT_GE(segments.size(), 3u);
  EXPECT_EQ(FileName(segments[0]), "00000000000000000001.seg");
  for (const auto& path : segments) {
    uint64_t first = std::stoull(FileName(path).substr(0, 20));
    auto records = ReadSeqRange(dir_, first, first);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0], model_[first - 1]);
  }
}

TEST_F(TransactionLogTest, ReopenContinuesTheSequence) {
  LogOptions options;
  options.segment_bytes = 3000;
  {
    auto log = OpenLog(options);
    ASSERT_NE(log, nullptr);
    AppendRandom(log.get(), 30);
  }
  uint64_t before = model_.back().seq;
  {
    auto log = OpenLog(options);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->last_seq(), before);
    EXPECT_EQ(log->recovery().first_seq, 1u);
    EXPECT_EQ(log->recovery().last_seq, before);
    EXPECT_EQ(log->recovery().segments, Segments().size());
    EXPECT_FALSE(log->recovery().tail_truncated);
    AppendRandom(log.get(), 30);
  }
  auto log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->last_seq(), model_.back().seq);
  EXPECT_EQ(ReadSeqRange(dir_, 1), model_);
}

TEST_F(TransactionLogTest, ConcurrentAppendsAreGaplessAndExactlyOnce) {
  LogOptions options;
  options.segment_bytes = 16 << 10;
  auto log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 4;
  constexpr int kBatches = 150;
  // first_seqs[t][b]: what Append returned for batch b of thread t.
  std::vector<std::vector<uint64_t>> first_seqs(kThreads, std::vector<uint64_t>(kBatches));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      LogBatch batch;
      for (int b = 0; b < kBatches; ++b) {
        batch.Clear();
        int n = 1 + (t + b) % 5;
        for (int r = 0; r < n; ++r) {
          std::string payload = Tag(t, b, r);
          batch.Add(static_cast<uint8_t>(t), t * 1'000'000 + b, payload);
        }
        auto first = log->Append(batch);
        ASSERT_TRUE(first.ok()) << first.status().ToString();
        first_seqs[t][b] = *first;
      }
    });
  }
  for (auto& thread : threads) thread.join();

  auto records = ReadSeqRange(dir_, 1);
  uint64_t total = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int b = 0; b < kBatches; ++b) total += 1 + (t + b) % 5;
  }
  ASSERT_EQ(records.size(), total);
  EXPECT_EQ(log->last_seq(), total);
  std::map<std::string, uint64_t> seq_of;
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_EQ(records[i].seq, i + 1);
    ASSERT_TRUE(seq_of.emplace(records[i].payload, records[i].seq).second)
        << "duplicate " << records[i].payload;
  }
  for (int t = 0; t < kThreads; ++t) {
    for (int b = 0; b < kBatches; ++b) {
      int n = 1 + (t + b) % 5;
      for (int r = 0; r < n; ++r) {
        std::string payload = Tag(t, b, r);
        auto it = seq_of.find(payload);
        ASSERT_NE(it, seq_of.end()) << payload;
        EXPECT_EQ(it->second, first_seqs[t][b] + r) << payload;
      }
    }
  }
  auto verify = VerifyLog(dir_);
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->faults.empty());
}

TEST_F(TransactionLogTest, SyncPolicyNoneKeepsRecordsAcrossReopen) {
  LogOptions options;
  options.sync = SyncPolicy::kNone;
  options.segment_bytes = 4096;
  {
    auto log = OpenLog(options);
    ASSERT_NE(log, nullptr);
    AppendRandom(log.get(), 40);
    ASSERT_TRUE(log->Sync().ok());
    AppendRandom(log.get(), 5);
  }
  auto log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->last_seq(), model_.back().seq);
  EXPECT_EQ(ReadSeqRange(dir_, 1), model_);
}

TEST_F(TransactionLogTest, SyncPolicyIntervalKeepsRecordsAcrossReopen) {
  LogOptions options;
  options.sync = SyncPolicy::kInterval;
  options.sync_interval_ms = 1;
  {
    auto log = OpenLog(options);
    ASSERT_NE(log, nullptr);
    AppendRandom(log.get(), 20);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    AppendRandom(log.get(), 20);
    ASSERT_TRUE(log->Sync().ok());
  }
  auto log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(ReadSeqRange(dir_, 1), model_);
}

TEST_F(TransactionLogTest, OversizedPayloadIsRejectedAndNothingIsWritten) {
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  AppendRandom(log.get(), 3);
  LogBatch batch;
  batch.Add(1, 5, "fine");
  batch.Add(1, 6, std::string((16u << 20) + 1, 'x'));
  auto result = log->Append(batch);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->last_seq(), model_.back().seq);
  AppendRandom(log.get(), 3);
  EXPECT_EQ(ReadSeqRange(dir_, 1), model_);
}

TEST_F(TransactionLogTest, LargestPayloadRoundTrips) {
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  std::string big(16u << 20, '\0');
  for (size_t i = 0; i < big.size(); i += 4093) big[i] = static_cast<char>(i);
  LogBatch batch;
  batch.Add(3, 42, "small");
  batch.Add(4, 43, big);
  batch.Add(5, 44, "after");
  ASSERT_TRUE(log->Append(batch).ok());
  auto records = ReadSeqRange(dir_, 1);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].payload, big);
  EXPECT_EQ(records[2].payload, "after");
}

TEST_F(TransactionLogTest, SecondWriterIsRefused) {
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  auto second = TransactionLog::Open(dir_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  log.reset();
  EXPECT_TRUE(TransactionLog::Open(dir_).ok());
}

TEST_F(TransactionLogTest, StrayFilesAreIgnored) {
  std::filesystem::create_directories(dir_);
  AppendBytes(dir_ + "/README", "not a segment");
  AppendBytes(dir_ + "/12.seg", "short name");
  AppendBytes(dir_ + "/0000000000000000000x.seg", "not a number");
  AppendBytes(dir_ + "/00000000000000000007.idx.tmp", "leftover");         // an older release's
  AppendBytes(dir_ + "/00000000000000000007.idx.tmp.4242.0", "leftover");  // WriteFileAtomically's
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  AppendRandom(log.get(), 5);
  EXPECT_EQ(ReadSeqRange(dir_, 1), model_);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/00000000000000000007.idx.tmp"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/00000000000000000007.idx.tmp.4242.0"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/README"));
}

// A write refused by the file system (here: the file-size limit) fails the append, and every
// later append, until the log is reopened; the reopen then recovers the acknowledged records.
TEST_F(TransactionLogTest, WriteErrorFailsEveryLaterAppend) {
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  AppendRandom(log.get(), 5);
  std::string segment = Segments().back();

  struct rlimit old_limit {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit = old_limit;
  limit.rlim_cur = FileSize(segment) + 100;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  LogBatch big;
  big.Add(1, 1, std::string(10'000, 'x'));
  auto failed = log->Append(big);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  ::signal(SIGXFSZ, old_handler);

  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kIOError);
  LogBatch small;
  small.Add(1, 1, "y");
  auto later = log->Append(small);
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.status().code(), StatusCode::kIOError);
  EXPECT_FALSE(log->Sync().ok());
  EXPECT_EQ(log->last_seq(), model_.back().seq);
  log.reset();

  log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(log->recovery().tail_truncated);
  EXPECT_EQ(log->last_seq(), model_.back().seq);
  AppendRandom(log.get(), 2);
  EXPECT_EQ(ReadSeqRange(dir_, 1), model_);
}

}  // namespace
}  // namespace panorama::log_test
