// The state behind TransactionLog, shared by log_open.cc (recovery) and
// transaction_log.cc (group commit).
//
// Group commit follows LevelDB's writer queue: each Append() or Sync() enqueues a Writer
// (on its own stack) under mu; the writer at the head of the queue is the leader. The leader
// takes the queued batches up to kMaxGroupBytes, releases mu, assigns sequence numbers,
// writes them with one pwrite and syncs as the policy asks, then retakes mu, hands every
// member of the group its result and wakes the next head. Only the leader touches the
// "leader-only" fields, and there is one leader at a time, so they need no lock.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "log/internal/segment_files.h"
#include "log/internal/segment_format.h"
#include "log/transaction_log.h"

namespace panorama {

struct TransactionLog::Impl {
  struct Writer {
    const LogBatch* batch = nullptr;  // null for a Sync() request
    bool sync = false;                // force an fsync of the group
    bool done = false;
    Status status;
    uint64_t first_seq = 0;
    std::condition_variable cv;
    Writer* next = nullptr;
  };

  // The segment being appended to.
  struct ActiveSegment {
    log_internal::SegmentFile file;
    log_internal::ScopedFd fd;
    uint64_t size = 0;                   // bytes in the file, header included
    log_internal::SegmentIndex summary;  // its records so far (segment_bytes unused)
  };

  static constexpr size_t kMaxGroupBytes = 4 << 20;
  // The group buffer is released after a group larger than this (one huge batch).
  static constexpr size_t kMaxRetainedBuffer = 64 << 20;

  ~Impl();

  // Runs `writer` through the queue; returns its result.
  Status Commit(Writer* writer);
  // Leader-only: writes the batches of first..last, syncing when `force_sync` or the policy.
  Status WriteGroup(Writer* first, Writer* last, bool force_sync);
  // Leader-only: seals the active segment and starts the next one at next_seq.
  Status Roll();
  Status SyncActive();
  // Creates (or, with `replace`, recreates) the segment starting at `first_seq`, writes and
  // syncs its header and syncs the directory; it becomes the active segment.
  Status CreateSegment(uint64_t first_seq, bool replace);

  std::string dir;
  LogOptions options;
  RecoveryReport recovery;
  log_internal::ScopedFd lock_fd;  // flock'ed: one writer per directory

  std::mutex mu;
  Writer* head = nullptr;  // guarded by mu
  Writer* tail = nullptr;  // guarded by mu
  Status failed;           // guarded by mu; once not OK, every later write returns it

  // Leader-only.
  ActiveSegment active;
  uint64_t next_seq = 1;
  std::string group;
  bool unsynced = false;
  std::chrono::steady_clock::time_point last_sync;

  std::atomic<uint64_t> last_seq{0};
};

}  // namespace panorama
