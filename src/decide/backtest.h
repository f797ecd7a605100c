// Back-test: replays a data directory's history through the feature engine (the code that
// serves live traffic, so features are point-in-time exact) and through one or more Deciders
// side by side, and reports what each would have done against the labels in the log: alerts
// per day, precision, recall and fraud amount caught, per rule and overall, and the quality
// of the score as a ranking (AUC, AUPRC, recall at fixed alert rates).
//
// A transaction is fraud when the newest label of its tx_id in the log says is_fraud; any
// other transaction (cleared or unlabelled) counts as legitimate. An alert is a REVIEW or
// DECLINE decision. The ranking score is 1000 * model probability + rule points (unclamped),
// plus 2000 when a rule forces DECLINE and 1000 when one forces REVIEW, so forced decisions
// rank first and ties are rarer than in the clamped 0-1000 score.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "decide/decider.h"
#include "features/feature_spec.h"
#include "models/metrics.h"

namespace panorama::decide {

struct BacktestOptions {
  Timestamp from = INT64_MIN;  // transactions with from <= ts < to
  Timestamp to = INT64_MAX;
  std::string scratch_dir;  // for the feature engine's evicted state; empty: all in memory
  uint64_t memory_budget_bytes = 1ULL << 30;
  std::vector<double> alert_rates = {0.001, 0.005, 0.01, 0.02, 0.05};
};

// Amounts by ISO 4217 code, in minor units.
using Amounts = std::map<std::string, int64_t>;

struct Outcome {
  uint64_t alerts = 0;  // REVIEW + DECLINE (for a rule: transactions it fired on)
  uint64_t frauds_caught = 0;
  Amounts fraud_amount_caught;
  double precision = 0;  // frauds_caught / alerts (NaN without alerts)
  double recall = 0;     // frauds_caught / frauds (NaN without frauds)
  double alerts_per_day = 0;
};

struct RuleReport {
  std::string id;
  bool enabled = true;
  Outcome outcome;
  uint64_t only_rule = 0;  // alerts where no other rule fired
};

struct BacktestReport {
  std::string ruleset;  // name@version
  std::string model;    // id or empty
  uint64_t transactions = 0;
  uint64_t frauds = 0;
  Amounts fraud_amount;
  double days = 0;  // (to - from) of the transactions seen, in days
  uint64_t approve = 0, review = 0, decline = 0;
  Outcome overall;
  std::vector<RuleReport> rules;
  double auc = 0;
  double auprc = 0;
  std::vector<models::AlertRateResult> at_alert_rate;
};

struct BacktestCounts {
  uint64_t records = 0;  // log records read
  double seconds = 0;
};

// Replays the log of `data_dir` for `spec` and decides every transaction in
// [options.from, options.to) with each of `deciders`; reports[i] is deciders[i]'s.
Result<std::vector<BacktestReport>> Backtest(const std::string& data_dir,
                                             const features::FeatureSpec& spec,
                                             std::span<const Decider* const> deciders,
                                             const BacktestOptions& options,
                                             BacktestCounts* counts = nullptr);

}  // namespace panorama::decide
