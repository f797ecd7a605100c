// ScoringService: the online decision pipeline of one data directory. A transaction submitted
// is checked for a duplicate, stored in the log, applied to the features, decided, and its
// decision stored in the log — all before Submit() returns, so that what it acknowledges is
// durable with its decision.
//
// Contract:
//  - One writer: submissions from many threads are queued and taken in groups by one thread,
//    which updates features, decides, and appends the group's transactions and decisions in
//    one log append (one fsync under SyncPolicy::kEveryBatch: group commit).
//  - Exactly once: a transaction whose tx_id is already stored is not applied again; its
//    result says duplicate, with its stored decision when the service still holds it.
//  - Recovery: Open() replays the log into the features; a transaction at the log's tail
//    without a decision (a crash between the two) is decided then, so every transaction in
//    the log ends with exactly one decision.
//  - Reload: ReloadRules / list changes / ReloadModel build a new Decider and swap it in
//    between groups; a request is decided wholly under one configuration.
//  - Shutdown(): stops taking submissions (they fail with Unavailable), finishes the queued
//    ones, syncs the log and checkpoints. After a store error the service refuses
//    submissions (Unavailable) until reopened.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "decide/decider.h"
#include "decide/lists.h"
#include "log/transaction_log.h"

namespace panorama::server {

struct ServiceOptions {
  std::string data_dir;
  std::string spec_path;
  std::string rules_path;
  std::string model_path;  // empty: rules only
  SyncPolicy sync = SyncPolicy::kEveryBatch;
  size_t max_group = 4096;       // transactions per group commit at most
  size_t recent_decisions = 1 << 20;  // decisions kept in memory for duplicates and alerts
};

// The answer for one transaction.
struct TxOutcome {
  Status status;  // OK, or why it was not decided
  bool duplicate = false;
  uint64_t seq = 0;  // the transaction's log sequence number
  std::string tx_id;
  Event decision;  // the kDecision event (absent fields when not decided)
};

struct AlertQuery {
  Timestamp from = INT64_MIN;  // decision ts in [from, to)
  Timestamp to = INT64_MAX;
  int min_score = 0;
  std::string decision;     // "REVIEW", "DECLINE" or empty for both
  std::string rule;         // only alerts where this rule fired
  std::string customer_id;  // only this customer's
  size_t limit = 100;       // newest first
};

struct ServiceCounters {
  uint64_t submitted = 0;
  uint64_t decided = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;  // late or failed
  uint64_t approve = 0, review = 0, decline = 0;
  uint64_t groups = 0;
  uint64_t reloads = 0;
};

class ScoringService {
 public:
  static Result<std::unique_ptr<ScoringService>> Open(const ServiceOptions& options);
  ~ScoringService();  // Shutdown() if not done
  ScoringService(const ScoringService&) = delete;
  ScoringService& operator=(const ScoringService&) = delete;

  // Decides `txs` (validated kTransaction events); out gets one outcome per tx, in order.
  // Blocks until they are durable. Thread-safe.
  Status Submit(std::span<const Event> txs, std::vector<TxOutcome>* out);

  // Recent alerts (REVIEW and DECLINE decisions) matching `query`, newest first.
  std::vector<Event> Alerts(const AlertQuery& query) const;

  // Lists (changes are durable before they return and apply to the next group).
  decide::ListStore& lists();
  Status ListsChanged();  // rebuild the decider's list snapshot
  Status ReloadRules(const std::string& rules_path);  // empty: the current file again
  Status ReloadModel(const std::string& model_path);

  std::shared_ptr<const decide::Decider> decider() const;
  ServiceCounters counters() const;
  uint64_t last_seq() const;
  bool healthy() const;
  Status Shutdown();

 private:
  struct Impl;
  explicit ScoringService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace panorama::server
