// TransactionLog: the durable, append-only, checksummed event log under DIR/log.
// docs/log_format.md gives the byte format of segments and records.
//
// Contract:
//  - Every appended record gets the next sequence number: gapless, increasing, starting at 1.
//  - Append() returns only after the batch is written and, under SyncPolicy::kEveryBatch,
//    fsync'ed; what it acknowledged survives a crash of the process or the machine.
//  - Open() recovers: a torn tail of the newest segment (a partial or checksum-failing
//    record after which nothing valid follows) is truncated and reported in recovery();
//    damage anywhere else is Corruption, with file, offset and sequence number, and the log
//    does not open. Nothing is ever skipped silently.
//  - Thread-safety: Append() may be called from many threads; concurrent batches are
//    grouped into one write and one fsync (group commit). Readers are independent objects.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace panorama {

enum class SyncPolicy {
  kEveryBatch,  // fsync before Append() returns (default)
  kInterval,    // fsync at most every sync_interval_ms; a crash of the machine may lose the rest
  kNone,        // leave it to the operating system (benchmarks, throw-away loads)
};

struct LogOptions {
  uint64_t segment_bytes = 64ULL << 20;  // roll to a new segment past this size
  SyncPolicy sync = SyncPolicy::kEveryBatch;
  int sync_interval_ms = 100;
};

// One record as read back. `payload` points into the reader's buffer and stays valid until
// the reader's next call.
struct LogRecord {
  uint64_t seq = 0;
  Timestamp ts = 0;
  uint8_t kind = 0;
  std::string_view payload;
};

// Records to append together. Reusable: Clear() keeps the buffer.
class LogBatch {
 public:
  void Add(uint8_t kind, Timestamp ts, std::string_view payload);
  size_t count() const { return count_; }
  size_t bytes() const { return data_.size(); }
  bool empty() const { return count_ == 0; }
  void Clear() {
    data_.clear();
    count_ = 0;
  }

 private:
  friend class TransactionLog;
  std::string data_;  // records in their on-disk layout, sequence numbers filled at append
  size_t count_ = 0;
};

struct RecoveryReport {
  size_t segments = 0;
  uint64_t first_seq = 0;  // 0 when the log is empty
  uint64_t last_seq = 0;
  bool tail_truncated = false;
  uint64_t truncated_bytes = 0;
  std::string truncated_at;  // "segment-file:offset" of the first byte removed
};

class LogReader;

class TransactionLog {
 public:
  // Opens the log in `dir`, creating the directory and the first segment when absent.
  // `dir` holds the segment files itself (DATA/log of a data directory). Errors:
  // Corruption (see above), FailedPrecondition when another TransactionLog has `dir` open
  // (an flock on dir/LOCK), IOError.
  static Result<std::unique_ptr<TransactionLog>> Open(const std::string& dir,
                                                      const LogOptions& options = {});
  ~TransactionLog();
  TransactionLog(const TransactionLog&) = delete;
  TransactionLog& operator=(const TransactionLog&) = delete;

  // Appends every record of `batch` with consecutive sequence numbers; returns the first.
  // An empty batch returns last_seq() + 1 and writes nothing. A payload over 16 MiB is
  // InvalidArgument and nothing of the batch is written. After an I/O error the log
  // refuses further appends (the state of the tail is unknown until reopened).
  Result<uint64_t> Append(const LogBatch& batch);
  // Forces an fsync of everything appended so far (for kInterval and kNone).
  Status Sync();

  uint64_t last_seq() const;  // 0 while empty
  const RecoveryReport& recovery() const;
  const std::string& dir() const;

 private:
  struct Impl;
  explicit TransactionLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reads records in sequence order, verifying every checksum. Opens the log read-only and
// never modifies it: a torn tail of the newest segment simply ends the read (see
// tail_torn()); damage anywhere else stops it with a Corruption status. A reader sees the
// segments that existed when it was opened, each up to its size when the reader reached it;
// a missing directory reads as an empty log. Not thread-safe; use one reader per thread.
class LogReader {
 public:
  // Records with from_seq <= seq <= to_seq.
  static Result<std::unique_ptr<LogReader>> OpenRange(const std::string& dir, uint64_t from_seq,
                                                      uint64_t to_seq = UINT64_MAX);
  // Records with from_ts <= ts < to_ts, in sequence order. Segments whose time span lies
  // outside the range are skipped without reading their records.
  static Result<std::unique_ptr<LogReader>> OpenTimeRange(const std::string& dir, Timestamp from_ts,
                                                          Timestamp to_ts);
  ~LogReader();
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  // Fills `record` and returns true, or returns false at the end or on error (status()).
  bool Next(LogRecord* record);
  const Status& status() const;
  bool tail_torn() const;

 private:
  struct Impl;
  explicit LogReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct LogFault {
  std::string segment;  // file name
  uint64_t offset = 0;  // byte offset in the segment
  uint64_t seq = 0;     // the sequence number expected there
  std::string reason;
};

struct VerifyReport {
  size_t segments = 0;
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  Timestamp min_ts = 0;
  Timestamp max_ts = 0;
  std::vector<LogFault> faults;  // empty when the log is sound; a torn tail counts as a fault
};

// Re-reads every segment of the log in `dir`: headers, every record's checksum, sequence
// continuity within and across segments, and each sealed segment's .idx against the scan
// (a missing .idx is not a fault). Returns an error only when it cannot read at all; a
// missing directory is an empty log.
Result<VerifyReport> VerifyLog(const std::string& dir);

}  // namespace panorama
