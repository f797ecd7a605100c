#include "decide/backtest.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "core/money.h"
#include "core/schema.h"
#include "features/backfill.h"

namespace panorama::decide {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void AddAmount(const Event& tx, Amounts* amounts) {
  if (!tx.has(tx::kAmount) || !tx.has(tx::kCurrency)) return;
  auto currency = Currency::FromPacked(static_cast<uint16_t>(tx.num(tx::kCurrency)));
  (*amounts)[currency ? currency->Code() : std::string("???")] += tx.num(tx::kAmount);
}

double Ratio(uint64_t a, uint64_t b) {
  return b == 0 ? kNaN : static_cast<double>(a) / static_cast<double>(b);
}

// One decider's running tallies.
struct Tally {
  const Decider* decider = nullptr;
  Decision decision;
  BacktestReport report;
  std::vector<uint64_t> rule_alerts, rule_caught, rule_only;
  std::vector<Amounts> rule_amount;
  std::vector<double> scores;
};

void Finish(const std::vector<int>& labels, double days, uint64_t frauds,
            const BacktestOptions& options, Tally* tally) {
  BacktestReport& r = tally->report;
  auto finish = [&](Outcome* o) {
    o->precision = Ratio(o->frauds_caught, o->alerts);
    o->recall = Ratio(o->frauds_caught, frauds);
    o->alerts_per_day = days > 0 ? static_cast<double>(o->alerts) / days : kNaN;
  };
  finish(&r.overall);
  for (size_t i = 0; i < r.rules.size(); ++i) {
    Outcome& o = r.rules[i].outcome;
    o.alerts = tally->rule_alerts[i];
    o.frauds_caught = tally->rule_caught[i];
    o.fraud_amount_caught = tally->rule_amount[i];
    r.rules[i].only_rule = tally->rule_only[i];
    finish(&o);
  }
  r.auc = models::RocAuc(tally->scores, labels);
  r.auprc = models::AveragePrecision(tally->scores, labels);
  for (double rate : options.alert_rates) {
    r.at_alert_rate.push_back(models::AtAlertRate(tally->scores, labels, rate));
  }
}

}  // namespace

Result<std::vector<BacktestReport>> Backtest(const std::string& data_dir,
                                             const features::FeatureSpec& spec,
                                             std::span<const Decider* const> deciders,
                                             const BacktestOptions& options,
                                             BacktestCounts* counts) {
  auto started = std::chrono::steady_clock::now();
  std::vector<Tally> tallies(deciders.size());
  for (size_t d = 0; d < deciders.size(); ++d) {
    Tally& t = tallies[d];
    t.decider = deciders[d];
    t.report.ruleset = t.decider->ruleset_label();
    t.report.model = t.decider->model_label();
    const auto& rules = t.decider->rules().rules();
    for (const Rule& rule : rules) t.report.rules.push_back({rule.id, rule.enabled, {}, 0});
    t.rule_alerts.assign(rules.size(), 0);
    t.rule_caught.assign(rules.size(), 0);
    t.rule_only.assign(rules.size(), 0);
    t.rule_amount.assign(rules.size(), {});
  }
  std::vector<int> labels;
  uint64_t frauds = 0;
  Amounts fraud_amount;
  Timestamp min_ts = INT64_MAX, max_ts = INT64_MIN;

  features::BackfillOptions backfill;
  backfill.from = options.from;
  backfill.to = options.to;
  backfill.labels = true;
  backfill.scratch_dir = options.scratch_dir;
  backfill.memory_budget_bytes = options.memory_budget_bytes;
  features::BackfillCounts backfill_counts;
  Status status = features::Backfill(
      data_dir, spec, backfill,
      [&](const Event& tx, std::span<const double> values, int label) -> Status {
        const bool fraud = label == 1;
        labels.push_back(fraud ? 1 : 0);
        if (fraud) {
          ++frauds;
          AddAmount(tx, &fraud_amount);
        }
        min_ts = std::min(min_ts, tx.ts());
        max_ts = std::max(max_ts, tx.ts());
        for (Tally& t : tallies) {
          t.decider->Decide(tx, values, &t.decision);
          const Decision& d = t.decision;
          BacktestReport& r = t.report;
          ++r.transactions;
          double rank = d.rule_points + (std::isnan(d.model_score) ? 0.0 : 1000.0 * d.model_score);
          Force force = Force::kNone;
          for (size_t i = 0; i < d.fired_count; ++i) {
            uint16_t rule = d.fired[i];
            force = std::max(force, t.decider->rules().rules()[rule].force);
            ++t.rule_alerts[rule];
            if (d.fired_count == 1) ++t.rule_only[rule];
            if (fraud) {
              ++t.rule_caught[rule];
              AddAmount(tx, &t.rule_amount[rule]);
            }
          }
          if (force == Force::kDecline) rank += 2000;
          if (force == Force::kReview) rank += 1000;
          t.scores.push_back(rank);
          switch (d.verdict) {
            case Verdict::kApprove:
              ++r.approve;
              continue;
            case Verdict::kReview:
              ++r.review;
              break;
            case Verdict::kDecline:
              ++r.decline;
              break;
          }
          ++r.overall.alerts;
          if (fraud) {
            ++r.overall.frauds_caught;
            AddAmount(tx, &r.overall.fraud_amount_caught);
          }
        }
        return Status::Ok();
      },
      &backfill_counts);
  PANO_RETURN_IF_ERROR(status);

  // Days of the requested range when it is bounded, else of the transactions seen.
  double days = options.from != INT64_MIN && options.to != INT64_MAX
                    ? static_cast<double>(options.to - options.from) / kMicrosPerDay
                : max_ts > min_ts ? static_cast<double>(max_ts - min_ts) / kMicrosPerDay
                                  : 0;
  // A partial last day still counts as a day of alerts.
  if (!labels.empty()) days = std::max(days, 1.0);
  std::vector<BacktestReport> reports;
  for (Tally& t : tallies) {
    t.report.frauds = frauds;
    t.report.fraud_amount = fraud_amount;
    t.report.days = days;
    Finish(labels, days, frauds, options, &t);
    reports.push_back(std::move(t.report));
  }
  if (counts != nullptr) {
    counts->records = backfill_counts.records;
    counts->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  return reports;
}

}  // namespace panorama::decide
