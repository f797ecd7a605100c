// VerifyLog: counts a sound log and reports every fault of a damaged one.
#include <algorithm>
#include <filesystem>

#include "log/log_test_util.h"
#include "log/transaction_log.h"

namespace panorama::log_test {
namespace {

class VerifyTest : public LogTest {
 protected:
  void BuildLog() {
    auto log = OpenLog(options_);
    ASSERT_NE(log, nullptr);
    AppendRandom(log.get(), 60, 6, 250);
    ASSERT_GE(Segments().size(), 4u);
  }
  uint64_t FirstSeqOf(const std::string& path) const {
    return std::stoull(FileName(path).substr(0, 20));
  }
  LogOptions options_{.segment_bytes = 4096, .sync = SyncPolicy::kNone};
};

TEST_F(VerifyTest, SoundLogHasNoFaults) {
  BuildLog();
  auto report = VerifyLog(dir_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->faults.empty());
  EXPECT_EQ(report->segments, Segments().size());
  EXPECT_EQ(report->records, model_.size());
  EXPECT_EQ(report->first_seq, 1u);
  EXPECT_EQ(report->last_seq, model_.back().seq);
  uint64_t bytes = 0;
  for (const auto& s : Segments()) bytes += FileSize(s);
  EXPECT_EQ(report->bytes, bytes);
  auto [min_it, max_it] = std::minmax_element(
      model_.begin(), model_.end(), [](const auto& a, const auto& b) { return a.ts < b.ts; });
  EXPECT_EQ(report->min_ts, min_it->ts);
  EXPECT_EQ(report->max_ts, max_it->ts);
}

TEST_F(VerifyTest, EmptyAndMissingLogsHaveNoFaults) {
  auto missing = VerifyLog(dir_);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->segments, 0u);
  EXPECT_TRUE(missing->faults.empty());
  { ASSERT_NE(OpenLog(), nullptr); }
  auto empty = VerifyLog(dir_);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->segments, 1u);
  EXPECT_EQ(empty->records, 0u);
  EXPECT_TRUE(empty->faults.empty());
}

TEST_F(VerifyTest, ReportsEveryFaultAndKeepsGoing) {
  BuildLog();
  auto segments = Segments();
  // 1. a flipped byte in the first segment
  uint64_t bad_offset = RecordOffsets(1)[3];
  FlipByte(segments[0], bad_offset + 2);
  // 2. a missing segment
  std::filesystem::remove(segments[2]);
  // 3. a torn tail
  std::string newest = segments.back();
  uint64_t newest_size = FileSize(newest);
  AppendBytes(newest, std::string(10, '\x7f'));

  auto report = VerifyLog(dir_);
  ASSERT_TRUE(report.ok());
  ASSERT_GE(report->faults.size(), 3u);
  const auto& faults = report->faults;
  EXPECT_EQ(faults[0].segment, FileName(segments[0]));
  EXPECT_EQ(faults[0].offset, bad_offset);
  EXPECT_EQ(faults[0].seq, 4u);
  auto gap = std::find_if(faults.begin(), faults.end(), [&](const LogFault& f) {
    return f.segment == FileName(segments[3]) && f.reason.find("missing") != std::string::npos;
  });
  EXPECT_NE(gap, faults.end());
  EXPECT_EQ(gap->seq, FirstSeqOf(segments[2]));
  const LogFault& torn = faults.back();
  EXPECT_EQ(torn.segment, FileName(newest));
  EXPECT_EQ(torn.offset, newest_size);
  EXPECT_NE(torn.reason.find("torn tail"), std::string::npos) << torn.reason;
  EXPECT_EQ(faults.size(), 3u);
}

TEST_F(VerifyTest, ReportsASidecarThatDisagreesWithItsSegment) {
  BuildLog();
  auto segments = Segments();
  auto idx = [](const std::string& seg) { return seg.substr(0, seg.size() - 4) + ".idx"; };
  // Segment 1 gets segment 2's sidecar (sound bytes, wrong content); segment 0's is damaged.
  std::filesystem::copy_file(idx(segments[2]), idx(segments[1]),
                             std::filesystem::copy_options::overwrite_existing);
  FlipByte(idx(segments[0]), 12);

  auto report = VerifyLog(dir_);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->faults.size(), 2u);
  EXPECT_EQ(report->faults[0].segment, FileName(segments[0]));
  EXPECT_NE(report->faults[0].reason.find("damaged"), std::string::npos);
  EXPECT_EQ(report->faults[1].segment, FileName(segments[1]));
  EXPECT_NE(report->faults[1].reason.find("disagrees"), std::string::npos);
  EXPECT_EQ(report->records, model_.size());
}

}  // namespace
}  // namespace panorama::log_test
