// Open() after damage: torn tails are truncated and reported; damage anywhere else is
// Corruption naming the segment.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "log/log_test_util.h"
#include "log/transaction_log.h"

namespace panorama::log_test {
namespace {

class RecoveryTest : public LogTest {
 protected:
  // A log of several segments whose newest segment holds at least a few records.
  void BuildLog() {
    auto log = OpenLog(options_);
    ASSERT_NE(log, nullptr);
    AppendRandom(log.get(), 60, 6, 250);
    ASSERT_GE(Segments().size(), 3u);
    while (RecordOffsets(NewestFirstSeq()).size() < 6) AppendRandom(log.get(), 1);
  }
  uint64_t NewestFirstSeq() const {
    auto segments = Segments();
    return segments.empty() ? 1 : std::stoull(FileName(segments.back()).substr(0, 20));
  }
  std::string CopyOfLog(const std::string& name) {
    std::string copy = base_ + "/" + name;
    std::filesystem::copy(dir_, copy, std::filesystem::copy_options::recursive);
    return copy;
  }

  LogOptions options_{.segment_bytes = 4096, .sync = SyncPolicy::kNone};
};

TEST_F(RecoveryTest, TornTailIsTruncatedAtEveryCut) {
  BuildLog();
  const std::string newest = FileName(Segments().back());
  const uint64_t first = NewestFirstSeq();
  const std::vector<uint64_t> offsets = RecordOffsets(first);
  const uint64_t size = FileSize(Segments().back());
  // Cut points inside the last three records (never on a record boundary).
  const uint64_t from = offsets[offsets.size() - 3];
  for (int trial = 0; trial < 40; ++trial) {
    uint64_t cut = from + 1 + rng_() % (size - from - 1);
    if (std::find(offsets.begin(), offsets.end(), cut) != offsets.end()) continue;
    size_t whole = static_cast<size_t>(std::upper_bound(offsets.begin(), offsets.end(), cut) -
                                       offsets.begin()) -
                   1;
    uint64_t kept_last = first + whole - 1;
    std::string copy = CopyOfLog("trial" + std::to_string(trial));
    Truncate(copy + "/" + newest, cut);

    auto log = TransactionLog::Open(copy, options_);
    ASSERT_TRUE(log.ok()) << "cut " << cut << ": " << log.status().ToString();
    const RecoveryReport& report = (*log)->recovery();
    EXPECT_TRUE(report.tail_truncated) << "cut " << cut;
    EXPECT_EQ(report.truncated_at, newest + ":" + std::to_string(offsets[whole]));
    EXPECT_EQ(report.truncated_bytes, cut - offsets[whole]);
    EXPECT_EQ(report.last_seq, kept_last);
    EXPECT_EQ((*log)->last_seq(), kept_last);
    EXPECT_EQ(FileSize(copy + "/" + newest), offsets[whole]);

    LogBatch batch;
    batch.Add(9, 77, "after recovery");
    auto appended = (*log)->Append(batch);
    ASSERT_TRUE(appended.ok());
    EXPECT_EQ(*appended, kept_last + 1);
    log->reset();

    auto records = ReadSeqRange(copy, 1);
    ASSERT_EQ(records.size(), kept_last + 1);
    records.pop_back();
    EXPECT_EQ(records, Slice(model_, 1, kept_last));
    std::filesystem::remove_all(copy);
  }
}

TEST_F(RecoveryTest, GarbageAndZerosAfterTheLastRecordAreTruncated) {
  BuildLog();
  const std::string newest = FileName(Segments().back());
  const uint64_t size = FileSize(Segments().back());
  std::string garbage(37, '\0');
  for (char& c : garbage) c = static_cast<char>(rng_());
  const std::vector<std::string> tails = {std::string(100, '\0'), std::string(4096, '\0'), garbage,
                                          std::string(3, '\xff')};
  for (size_t i = 0; i < tails.size(); ++i) {
    std::string copy = CopyOfLog("tail" + std::to_string(i));
    AppendBytes(copy + "/" + newest, tails[i]);
    auto log = TransactionLog::Open(copy, options_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_TRUE((*log)->recovery().tail_truncated);
    EXPECT_EQ((*log)->recovery().truncated_bytes, tails[i].size());
    EXPECT_EQ((*log)->recovery().truncated_at, newest + ":" + std::to_string(size));
    EXPECT_EQ((*log)->last_seq(), model_.back().seq);
    log->reset();
    EXPECT_EQ(FileSize(copy + "/" + newest), size);
    EXPECT_EQ(ReadSeqRange(copy, 1), model_);
  }
}

// A crash while rolling can leave the new segment with part of its header, or zeros.
TEST_F(RecoveryTest, TornSegmentHeaderIsRewritten) {
  BuildLog();
  const uint64_t last = model_.back().seq;
  std::string digits = std::to_string(last + 1);
  const std::string next = std::string(20 - digits.size(), '0') + digits + ".seg";
  const std::vector<std::string> torn_headers = {std::string("PANOLOG1\x01\x00", 10),
                                                 std::string(24, '\0')};
  for (size_t i = 0; i < torn_headers.size(); ++i) {
    std::string copy = CopyOfLog("header" + std::to_string(i));
    AppendBytes(copy + "/" + next, torn_headers[i]);
    auto log = TransactionLog::Open(copy, options_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_TRUE((*log)->recovery().tail_truncated);
    EXPECT_EQ((*log)->recovery().truncated_at, next + ":0");
    EXPECT_EQ((*log)->recovery().truncated_bytes, torn_headers[i].size());
    EXPECT_EQ((*log)->last_seq(), last);
    EXPECT_EQ(FileSize(copy + "/" + next), kSegmentHeaderBytes);
    LogBatch batch;
    batch.Add(1, 2, "x");
    auto appended = (*log)->Append(batch);
    ASSERT_TRUE(appended.ok());
    EXPECT_EQ(*appended, last + 1);
    log->reset();
    auto records = ReadSeqRange(copy, 1);
    ASSERT_EQ(records.size(), last + 1);
    EXPECT_EQ(records.back().payload, "x");
    records.pop_back();
    EXPECT_EQ(records, model_);
  }
}

TEST_F(RecoveryTest, FlippedByteInSealedSegmentIsCorruption) {
  BuildLog();
  std::string sealed = Segments()[1];
  uint64_t first = std::stoull(FileName(sealed).substr(0, 20));
  uint64_t offset = RecordOffsets(first)[2] + 2;  // the checksum of the third record
  FlipByte(sealed, offset);

  // The sidecar still matches the file's size, so Open() trusts it; readers do not.
  {
    auto log = TransactionLog::Open(dir_, options_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
  }
  auto reader = LogReader::OpenRange(dir_, 1);
  ASSERT_TRUE(reader.ok());
  LogRecord record;
  uint64_t read = 0;
  while ((*reader)->Next(&record)) ++read;
  EXPECT_EQ(read, first + 1);  // up to the record before the damaged one
  EXPECT_EQ((*reader)->status().code(), StatusCode::kCorruption);
  EXPECT_NE((*reader)->status().message().find(FileName(sealed)), std::string::npos)
      << (*reader)->status().ToString();
  EXPECT_NE((*reader)->status().message().find("expected seq " + std::to_string(first + 2)),
            std::string::npos)
      << (*reader)->status().ToString();
  EXPECT_FALSE((*reader)->tail_torn());

  // Without the sidecar Open() scans the segment and refuses the log.
  std::filesystem::remove(sealed.substr(0, sealed.size() - 4) + ".idx");
  auto log = TransactionLog::Open(dir_, options_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kCorruption);
  EXPECT_NE(log.status().message().find(FileName(sealed)), std::string::npos)
      << log.status().ToString();
}

TEST_F(RecoveryTest, DamageInsideTheNewestSegmentIsCorruptionNotATornTail) {
  BuildLog();
  std::string newest = Segments().back();
  auto offsets = RecordOffsets(NewestFirstSeq());
  uint64_t size_before = FileSize(newest);
  FlipByte(newest, offsets[1] + 1);  // the checksum of the second record

  auto log = TransactionLog::Open(dir_, options_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kCorruption);
  EXPECT_NE(log.status().message().find(FileName(newest)), std::string::npos);
  EXPECT_NE(log.status().message().find("offset " + std::to_string(offsets[1])), std::string::npos)
      << log.status().ToString();
  EXPECT_EQ(FileSize(newest), size_before);  // nothing truncated

  auto reader = LogReader::OpenRange(dir_, 1);
  ASSERT_TRUE(reader.ok());
  LogRecord record;
  while ((*reader)->Next(&record)) {
  }
  EXPECT_EQ((*reader)->status().code(), StatusCode::kCorruption);
  EXPECT_FALSE((*reader)->tail_torn());
}

TEST_F(RecoveryTest, DuplicatedRecordIsCorruption) {
  BuildLog();
  std::string newest = Segments().back();
  auto offsets = RecordOffsets(NewestFirstSeq());
  // Append a copy of the second record: sound checksum, wrong sequence number.
  std::string bytes(offsets[2] - offsets[1], '\0');
  {
    std::ifstream in(newest, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offsets[1]));
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  AppendBytes(newest, bytes);
  auto log = TransactionLog::Open(dir_, options_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kCorruption);
}

TEST_F(RecoveryTest, MissingMiddleSegmentIsCorruption) {
  BuildLog();
  auto segments = Segments();
  std::string missing = segments[1];
  std::filesystem::remove(missing);
  std::filesystem::remove(missing.substr(0, missing.size() - 4) + ".idx");

  auto log = TransactionLog::Open(dir_, options_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kCorruption);
  EXPECT_NE(log.status().message().find("missing"), std::string::npos) << log.status().ToString();

  auto reader = LogReader::OpenRange(dir_, 1);
  ASSERT_TRUE(reader.ok());
  LogRecord record;
  uint64_t read = 0;
  while ((*reader)->Next(&record)) ++read;
  EXPECT_EQ(read, std::stoull(FileName(missing).substr(0, 20)) - 1);
  EXPECT_EQ((*reader)->status().code(), StatusCode::kCorruption);
}

TEST_F(RecoveryTest, MissingFirstSegmentIsCorruption) {
  BuildLog();
  std::filesystem::remove(Segments().front());
  auto log = TransactionLog::Open(dir_, options_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kCorruption);

  auto reader = LogReader::OpenRange(dir_, 1);
  ASSERT_TRUE(reader.ok());
  LogRecord record;
  EXPECT_FALSE((*reader)->Next(&record));
  EXPECT_EQ((*reader)->status().code(), StatusCode::kCorruption);
  auto verify = VerifyLog(dir_);
  ASSERT_TRUE(verify.ok());
  ASSERT_EQ(verify->faults.size(), 1u);
  EXPECT_EQ(verify->faults[0].seq, 1u);
}

TEST_F(RecoveryTest, MissingOrDamagedIndexFallsBackToScanningAndIsRewritten) {
  BuildLog();
  auto segments = Segments();
  auto idx = [](const std::string& seg) { return seg.substr(0, seg.size() - 4) + ".idx"; };
  std::filesystem::remove(idx(segments[0]));
  FlipByte(idx(segments[1]), 20);
  Truncate(idx(segments[2]), 10);

  auto verify = VerifyLog(dir_);
  ASSERT_TRUE(verify.ok());
  EXPECT_EQ(verify->faults.size(), 2u);  // a missing sidecar is no fault; damaged ones are

  // Readers scan instead; time ranges still find every record.
  EXPECT_EQ(ReadSeqRange(dir_, 1), model_);
  auto [min_it, max_it] = std::minmax_element(
      model_.begin(), model_.end(), [](const auto& a, const auto& b) { return a.ts < b.ts; });
  auto by_time = LogReader::OpenTimeRange(dir_, min_it->ts, max_it->ts + 1);
  ASSERT_TRUE(by_time.ok());
  EXPECT_EQ(ReadAll(by_time->get()), model_);

  auto log = OpenLog(options_);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->last_seq(), model_.back().seq);
  log.reset();
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    EXPECT_TRUE(std::filesystem::exists(idx(segments[i])));
  }
  verify = VerifyLog(dir_);
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->faults.empty());
}

}  // namespace
}  // namespace panorama::log_test
