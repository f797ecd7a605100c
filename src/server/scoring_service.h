// ScoringService: the online decision pipeline of one data directory. A transaction submitted
// is checked for a duplicate, stored in the log, applied to the features, decided, and its
// decision stored in the log — all before Submit() returns, so that what it acknowledges is
// durable with its decision.
//
// Contract:
//  - One writer: submissions from many threads are queued and taken in groups by one thread,
//    which updates features, decides, and appends the group's transactions and decisions in
//    one log append (one fsync under SyncPolicy::kEveryBatch: group commit).
//    Each served transaction's decision record directly follows it in the log (tx, decision,
//    tx, decision, ...); a decision made by Open() (below) is appended at the log's end.
//  - Exactly once: a transaction whose tx_id is already stored is not applied again; its
//    result says duplicate, with its stored decision when the service still holds it (the
//    last `recent_decisions` decisions). A repeat inside one group is a duplicate of the first.
//  - Late transactions: one the feature engine would refuse (older than its watermark: the
//    newest ts seen minus the spec's allowed_lateness) is rejected with OutOfRange and the
//    reason, and is not stored.
//  - Recovery: Open() replays the whole log into an in-memory feature engine. The service
//    serves the transactions from the "serving start" on (the log's end when the service
//    first opened the directory, kept in DIR/meta/serving_start); every such transaction
//    that has no decision record — the last one of a group cut by a torn tail, or one loaded
//    by `panorama ingest` while the server was down — is decided at the end of Open() (with
//    its features as of its place in the log and the current rules) and its decision
//    appended, so every transaction from the serving start on has exactly one decision — except
//    one the feature engine refuses as late on replay (loaded out of order by `panorama
//    ingest`), which has no features to decide on and is counted in rejected_late.
//    History loaded before the first serve gets none.
//  - Reload: Reload / ReloadRules / ReloadModel / list changes build a new Decider and swap it in
//    between groups; a group is decided wholly under one configuration. A failed reload
//    leaves the old configuration serving. Lists changed by another process (`panorama
//    lists`) are noticed within list_poll_ms.
//  - Shutdown(): stops taking submissions (they fail with FailedPrecondition), finishes the
//    queued ones, flushes the id index. After a store error the service is unhealthy and
//    refuses submissions (Internal) until reopened.
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
#include "features/feature_spec.h"
#include "log/transaction_log.h"
#include "server/metrics.h"
#include "state/event_store.h"

namespace panorama::server {

struct ServiceOptions {
  std::string data_dir;
  std::string spec_path;
  std::string rules_path;
  std::string model_path;  // empty: rules only
  SyncPolicy sync = SyncPolicy::kEveryBatch;
  size_t max_group = 4096;  // transactions per group commit at most (a request is never split)
  size_t recent_decisions = 1 << 18;  // decisions kept in memory to answer duplicates
  size_t recent_alerts = 1 << 16;     // REVIEW and DECLINE decisions kept for Alerts()
  int list_poll_ms = 1000;            // how often to look for list changes of other processes
};

// What Open() found and did.
struct RecoveryInfo {
  OpenReport store;              // the log's recovery and the id index's replay
  uint64_t records = 0;          // log records replayed
  uint64_t transactions = 0;     // transactions among them
  uint64_t decisions = 0;        // decision records among them
  uint64_t rejected_late = 0;    // transactions the engine refused on replay (loaded as late)
  uint64_t serving_start = 0;    // the first seq the service decides
  uint64_t decided_on_open = 0;  // transactions without a decision, decided by Open()
  double seconds = 0;
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
  Timestamp from = INT64_MIN;  // the transaction's ts in [from, to)
  Timestamp to = INT64_MAX;
  int min_score = 0;
  std::string decision;     // "REVIEW", "DECLINE" or empty for both
  std::string rule;         // only alerts where this rule fired
  std::string customer_id;  // only this customer's
  size_t limit = 100;       // newest first
};

// True when `decision` (a kDecision event) is an alert — REVIEW or DECLINE — that passes every
// filter of `query` (its limit aside). The service's alert ring and `panorama alerts` over the
// log both filter with it.
bool AlertMatches(const AlertQuery& query, const Event& decision);

// Appends the JSON object of an alert (a stored decision) — {"tx_id","ts","decided_at",
// "customer_id","amount","currency","decision","score","model_score","rule_points","rules",
// "tags","reasons","ruleset","model","latency_us"} — as GET /v1/alerts and `panorama alerts
// --json` give it.
void AppendAlertJson(const Event& decision, std::string* out);

struct ServiceCounters {
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
  // Blocks until they are durable. Thread-safe. Returns FailedPrecondition after Shutdown()
  // and Internal once the service is unhealthy (nothing of `txs` is applied then); otherwise
  // OK, with each outcome's status OK (decided or duplicate), OutOfRange (late) or Internal
  // (the group's append failed).
  Status Submit(std::span<const Event> txs, std::vector<TxOutcome>* out);

  // Recent alerts (REVIEW and DECLINE decisions) matching `query`, newest first.
  std::vector<Event> Alerts(const AlertQuery& query) const;

  // Lists (changes are durable before they return and apply to the next group).
  decide::ListStore& lists();
  Status ListsChanged();  // rebuild the decider's list snapshot
  // Every reload builds the whole configuration again from its files — the rule set, the lists
  // and the model — and swaps it in at once. Errors (the file's "file:line:column: reason" for
  // rules) leave the old configuration serving.
  Status Reload();                                    // the current files again (SIGHUP)
  Status ReloadRules(const std::string& rules_path);  // empty: the current file again
  Status ReloadModel(const std::string& model_path);  // empty: the current file again

  std::shared_ptr<const decide::Decider> decider() const;
  const ServiceOptions& options() const;
  const RecoveryInfo& recovery() const;
  const features::FeatureSpec& spec() const;
  ServiceCounters counters() const;
  // Submit entry to decision, per decided transaction (seconds); transactions per group.
  const Histogram& decision_latency() const;
  const Histogram& group_size() const;
  uint64_t last_seq() const;
  bool healthy() const;
  Status Shutdown();

 private:
  struct Impl;
  explicit ScoringService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace panorama::server
