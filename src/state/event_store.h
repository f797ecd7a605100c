// EventStore: a data directory's accepted events — the log (DIR/log) plus the id index
// (DIR/state, RocksDB) that makes loading exactly-once across restarts.
//
// Contract:
//  - Append() stores, in order, the events whose idempotency key (Event::AppendKey) is not
//    yet stored and skips the others as duplicates, including repeats inside one call.
//    What it reports as accepted is in the log, durably under the log's sync policy.
//  - The log is the truth; the index is derived from it. Index writes skip RocksDB's WAL,
//    and Open() replays every log record the index has not seen, so a crash at any point
//    (between log and index writes included) neither loses nor duplicates an event. When
//    log recovery truncates records the index already holds, the index is rebuilt.
//  - One process at a time: Open() takes an exclusive lock on DIR/LOCK and fails fast with
//    FailedPrecondition when another process holds it.
//  - Append() is serialized internally; it may be called from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "log/transaction_log.h"

namespace panorama {

struct StoreOptions {
  LogOptions log;
};

struct AppendOutcome {
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t first_seq = 0;  // of the accepted events; 0 when none was accepted
  uint64_t last_seq = 0;
};

struct OpenReport {
  RecoveryReport log;
  uint64_t index_replayed = 0;  // log records replayed into the id index on open
  // True when recovery truncated log records the index already held, so the index was
  // rebuilt from the log (its keys for the lost records would otherwise mark them stored).
  bool index_rebuilt = false;
};

class EventStore {
 public:
  // Opens DIR (creating it and its subdirectories when absent), recovers the log, and
  // brings the id index up to the log's last record.
  static Result<std::unique_ptr<EventStore>> Open(const std::string& data_dir,
                                                  const StoreOptions& options = {});
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Appends the new events of `events` (see the contract). When `duplicate` is given it is
  // resized to events.size() and set to 1 for each event skipped as a duplicate.
  Result<AppendOutcome> Append(std::span<const Event> events,
                               std::vector<uint8_t>* duplicate = nullptr);

  // True when an event with this idempotency key (Event::AppendKey) is stored.
  Result<bool> Contains(const Event& event);

  const OpenReport& open_report() const;
  uint64_t last_seq() const;
  const std::string& data_dir() const;
  // Flushes the index to disk so that the next Open() replays nothing.
  Status Close();

 private:
  struct Impl;
  explicit EventStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct IndexReport {
  bool exists = false;
  uint64_t applied_seq = 0;  // the last log record the index reflects
  uint64_t keys = 0;         // distinct idempotency keys stored
};

// Reads the id index of `data_dir` without modifying it (safe beside a running writer).
// Every log record up to applied_seq has a distinct key, so keys == applied_seq holds for
// a sound data directory; a difference means a duplicate in the log or a damaged index.
Result<IndexReport> InspectIndex(const std::string& data_dir);

// The paths inside a data directory.
std::string LogDir(const std::string& data_dir);
std::string StateDir(const std::string& data_dir);
std::string MetaDir(const std::string& data_dir);
// The PII tokenization key every writer of the directory uses (ingest, the HTTP API).
std::string PiiKeyPath(const std::string& data_dir);

}  // namespace panorama
