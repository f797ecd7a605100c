// panorama backtest: replays history through the feature engine and a rule set (and model),
// side by side with a baseline, and reports what each would have caught (docs/backtest.md).
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/money.h"
#include "core/time.h"
#include "decide/backtest.h"
#include "decide/decider.h"
#include "decide/lists.h"
#include "features/feature_spec.h"
#include "state/event_store.h"

namespace panorama::cli {
namespace {

struct BacktestArgs {
  std::string data_dir, spec_path, rules_path, model_path, from, to;
  std::string baseline_rules, baseline_model;
  bool baseline_no_model = false;
  bool json = false;
  uint64_t memory_mb = 2048;
};

int Fail(const Status& status) {
  std::cerr << "panorama backtest: " << status.ToString() << "\n";
  return 1;
}

// Numbers that may be NaN (no alerts, no frauds) become JSON null.
nlohmann::json Num(double value) {
  return std::isnan(value) ? nlohmann::json(nullptr) : nlohmann::json(value);
}

nlohmann::json AmountsJson(const decide::Amounts& amounts) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [code, minor] : amounts) out[code] = minor;
  return out;
}

std::string AmountsText(const decide::Amounts& amounts) {
  if (amounts.empty()) return "0";
  std::string out;
  for (const auto& [code, minor] : amounts) {
    auto currency = Currency::FromCode(code);
    if (!out.empty()) out += " + ";
    out += FormatAmount(minor, currency ? currency->Exponent() : 0) + " " + code;
  }
  return out;
}

nlohmann::json OutcomeJson(const decide::Outcome& o) {
  return {{"alerts", o.alerts},
          {"frauds_caught", o.frauds_caught},
          {"fraud_amount_caught", AmountsJson(o.fraud_amount_caught)},
          {"precision", Num(o.precision)},
          {"recall", Num(o.recall)},
          {"alerts_per_day", Num(o.alerts_per_day)}};
}

nlohmann::json ReportJson(const decide::BacktestReport& r) {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& rule : r.rules) {
    nlohmann::json j = OutcomeJson(rule.outcome);
    j["id"] = rule.id;
    j["enabled"] = rule.enabled;
    j["only_rule"] = rule.only_rule;
    rules.push_back(j);
  }
  nlohmann::json rates = nlohmann::json::array();
  for (const auto& a : r.at_alert_rate) {
    rates.push_back({{"rate", a.rate},
                     {"alerts", a.alerts},
                     {"recall", Num(a.recall)},
                     {"precision", Num(a.precision)}});
  }
  return {{"ruleset", r.ruleset},
          {"model", r.model},
          {"transactions", r.transactions},
          {"frauds", r.frauds},
          {"fraud_amount", AmountsJson(r.fraud_amount)},
          {"days", r.days},
          {"decisions", {{"APPROVE", r.approve}, {"REVIEW", r.review}, {"DECLINE", r.decline}}},
          {"overall", OutcomeJson(r.overall)},
          {"auc", Num(r.auc)},
          {"auprc", Num(r.auprc)},
          {"at_alert_rate", rates},
          {"rules", rules}};
}

std::string Pct(double value) {
  return std::isnan(value) ? std::string("   -  ") : fmt::format("{:5.1f}%", 100 * value);
}

void PrintReport(const decide::BacktestReport& r, const decide::BacktestReport* base) {
  std::cout << fmt::format("rule set {}{}\n", r.ruleset,
                           r.model.empty() ? std::string() : ", model " + r.model);
  std::cout << fmt::format(
      "  {} transactions over {:.1f} days, {} frauds ({})\n  decisions: APPROVE {}, REVIEW {}, "
      "DECLINE {}\n",
      r.transactions, r.days, r.frauds, AmountsText(r.fraud_amount), r.approve, r.review,
      r.decline);
  std::cout << fmt::format(
      "  alerts {} ({:.1f}/day): precision {}, recall {}, fraud amount caught {}\n",
      r.overall.alerts, r.overall.alerts_per_day, Pct(r.overall.precision), Pct(r.overall.recall),
      AmountsText(r.overall.fraud_amount_caught));
  std::cout << fmt::format("  score as a ranking: AUC {:.4f}, AUPRC {:.4f}", r.auc, r.auprc);
  for (const auto& a : r.at_alert_rate) {
    if (a.rate == 0.01) std::cout << fmt::format(", recall at 1% alerts {}", Pct(a.recall));
  }
  std::cout << "\n";
  if (base != nullptr) {
    std::cout << fmt::format(
        "  against baseline {}: alerts {:+d}, frauds caught {:+d}, precision {:+.1f} pts, recall "
        "{:+.1f} pts, AUPRC {:+.4f}\n",
        base->ruleset + (base->model.empty() ? "" : " + " + base->model),
        static_cast<int64_t>(r.overall.alerts) - static_cast<int64_t>(base->overall.alerts),
        static_cast<int64_t>(r.overall.frauds_caught) -
            static_cast<int64_t>(base->overall.frauds_caught),
        100 * (r.overall.precision - base->overall.precision),
        100 * (r.overall.recall - base->overall.recall), r.auprc - base->auprc);
  }
  if (r.rules.empty()) return;
  std::cout << fmt::format("  {:<32} {:>8} {:>9} {:>7} {:>7} {:>7}  {}\n", "rule", "fired",
                           "per day", "prec.", "recall", "alone", "fraud amount caught");
  for (const auto& rule : r.rules) {
    const decide::Outcome& o = rule.outcome;
    std::string note;
    if (base != nullptr) {
      const decide::RuleReport* old = nullptr;
      for (const auto& b : base->rules) {
        if (b.id == rule.id) old = &b;
      }
      note = old == nullptr ? "  (new)"
                            : fmt::format("  ({:+d} vs baseline)",
                                          static_cast<int64_t>(o.alerts) -
                                              static_cast<int64_t>(old->outcome.alerts));
    }
    std::cout << fmt::format("  {:<32} {:>8} {:>9.1f} {:>7} {:>7} {:>7}  {}{}{}\n", rule.id,
                             o.alerts, o.alerts_per_day, Pct(o.precision), Pct(o.recall),
                             rule.only_rule, AmountsText(o.fraud_amount_caught),
                             rule.enabled ? "" : "  (disabled)", note);
  }
  if (base != nullptr) {
    for (const auto& b : base->rules) {
      bool kept = false;
      for (const auto& rule : r.rules) kept = kept || rule.id == b.id;
      if (!kept)
        std::cout << fmt::format("  {:<32} removed (fired {} in baseline)\n", b.id,
                                 b.outcome.alerts);
    }
  }
}

int RunBacktest(const BacktestArgs& args) {
  auto spec = features::LoadFeatureSpec(args.spec_path);
  if (!spec.ok()) return Fail(spec.status());
  decide::BacktestOptions options;
  auto from = ParseIso8601(args.from);
  if (!from.ok()) return Fail(from.status().WithContext("--from"));
  auto to = ParseIso8601(args.to);
  if (!to.ok()) return Fail(to.status().WithContext("--to"));
  options.from = *from;
  options.to = *to;
  if (options.to <= options.from) return Fail(Status::InvalidArgument("--to must be after --from"));
  options.memory_budget_bytes = args.memory_mb << 20;
  options.scratch_dir =
      StateDir(args.data_dir) + "/features/.backtest-" + std::to_string(::getpid());

  auto lists = decide::ListStore::Open(decide::ListStorePath(args.data_dir));
  if (!lists.ok()) return Fail(lists.status());
  auto decider = decide::LoadDecider(*spec, args.rules_path, args.model_path, lists->get());
  if (!decider.ok()) return Fail(decider.status());
  std::vector<const decide::Decider*> deciders = {decider->get()};
  std::shared_ptr<const decide::Decider> baseline;
  // A baseline differs in what is given; the rest is the same as the candidate's, so that a
  // rule change is measured with the same model and a model change with the same rules.
  const bool has_baseline =
      !args.baseline_rules.empty() || !args.baseline_model.empty() || args.baseline_no_model;
  if (has_baseline) {
    std::string base_rules = args.baseline_rules.empty() ? args.rules_path : args.baseline_rules;
    std::string base_model = args.baseline_no_model        ? std::string()
                             : args.baseline_model.empty() ? args.model_path
                                                           : args.baseline_model;
    auto loaded = decide::LoadDecider(*spec, base_rules, base_model, lists->get());
    if (!loaded.ok()) return Fail(loaded.status().WithContext("baseline"));
    baseline = *loaded;
    deciders.push_back(baseline.get());
  }
  decide::BacktestCounts counts;
  auto reports = decide::Backtest(args.data_dir, *spec, deciders, options, &counts);
  if (!reports.ok()) return Fail(reports.status());
  if (args.json) {
    nlohmann::json out = {{"from", FormatIso8601(options.from)},
                          {"to", FormatIso8601(options.to)},
                          {"records", counts.records},
                          {"seconds", counts.seconds},
                          {"report", ReportJson((*reports)[0])}};
    if (has_baseline) out["baseline"] = ReportJson((*reports)[1]);
    std::cout << out.dump() << "\n";
    return 0;
  }
  std::cout << fmt::format("back-test {} to {}: {} log records replayed in {:.1f} s\n",
                           FormatIso8601(options.from), FormatIso8601(options.to), counts.records,
                           counts.seconds);
  PrintReport((*reports)[0], has_baseline ? &(*reports)[1] : nullptr);
  if (has_baseline) {
    std::cout << "baseline:\n";
    PrintReport((*reports)[1], nullptr);
  }
  return 0;
}

}  // namespace

void RegisterBacktest(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "backtest", "Replay history through rules (and a model) and report what they would catch");
  auto args = std::make_shared<BacktestArgs>();
  cmd->add_option("--data", args->data_dir, "Data directory")->required();
  cmd->add_option("--spec", args->spec_path, "Feature spec (YAML)")->required();
  cmd->add_option("--rules", args->rules_path, "Rule set (YAML); none: no rules");
  cmd->add_option("--model", args->model_path, "Model file (panorama train)");
  cmd->add_option("--from", args->from, "First transaction time (ISO 8601, inclusive)")->required();
  cmd->add_option("--to", args->to, "End of the range (ISO 8601, exclusive)")->required();
  cmd->add_option("--baseline-rules", args->baseline_rules, "Rule set to compare against");
  cmd->add_option("--baseline-model", args->baseline_model,
                  "Model of the baseline (default: the same --model)");
  cmd->add_flag("--baseline-no-model", args->baseline_no_model, "The baseline has no model");
  cmd->add_option("--memory-mb", args->memory_mb, "Feature state budget")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print the reports as JSON");
  cmd->callback([args, &exit_code] { exit_code = RunBacktest(*args); });
}

}  // namespace panorama::cli
