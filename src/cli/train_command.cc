// panorama train fraud: builds a point-in-time training set with the feature engine (the
// back-fill of docs/features.md), trains gradient-boosted trees with XGBoost, validates on
// the most recent period and writes the model file with its metadata (docs/models.md).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/time.h"
#include "decide/model_input.h"
#include "features/backfill.h"
#include "features/feature_spec.h"
#include "models/metrics.h"
#include "models/model_file.h"
#include "models/tree_ensemble.h"
#include "models/xgboost_trainer.h"
#include "state/event_store.h"

namespace panorama::cli {
namespace {

struct TrainArgs {
  std::string data_dir, spec_path, out, from, to, valid_from;
  double valid_share = 0.25;
  bool raw_only = false;
  bool json = false;
  uint64_t memory_mb = 2048;
  models::TrainParams params;
};

int Fail(const Status& status) {
  std::cerr << "panorama train fraud: " << status.ToString() << "\n";
  return 1;
}

Result<Timestamp> TimeArg(const std::string& text, std::string_view flag) {
  auto ts = ParseIso8601(text);
  if (!ts.ok()) return Status::InvalidArgument(std::string(flag) + ": " + ts.status().message());
  return *ts;
}

std::string CompactUtc(Timestamp ts) {
  std::string iso = FormatIso8601(ts);  // 2026-12-03T12:00:00Z or with fraction
  std::string out;
  for (char ch : iso.substr(0, 19)) {
    if (ch != '-' && ch != ':') out += ch;
  }
  return out + "Z";
}

nlohmann::json RateJson(const models::AlertRateResult& r) {
  return {{"rate", r.rate},
          {"alerts", r.alerts},
          {"threshold", r.threshold},
          {"precision", r.precision},
          {"recall", r.recall}};
}

int RunTrain(const TrainArgs& args) {
  auto spec = features::LoadFeatureSpec(args.spec_path);
  if (!spec.ok()) return Fail(spec.status());
  features::BackfillOptions options;
  options.labels = true;
  options.memory_budget_bytes = args.memory_mb << 20;
  options.scratch_dir = StateDir(args.data_dir) + "/features/.train-" + std::to_string(::getpid());
  if (!args.from.empty()) {
    auto from = TimeArg(args.from, "--from");
    if (!from.ok()) return Fail(from.status());
    options.from = *from;
  }
  if (!args.to.empty()) {
    auto to = TimeArg(args.to, "--to");
    if (!to.ok()) return Fail(to.status());
    options.to = *to;
  }
  if (!(args.valid_share > 0 && args.valid_share < 1)) {
    return Fail(Status::InvalidArgument("--valid-share must be in (0, 1)"));
  }

  std::vector<std::string> names = decide::ModelInput::DefaultNames(*spec, !args.raw_only);
  auto input = decide::ModelInput::Resolve(names, *spec);
  if (!input.ok()) return Fail(input.status());
  const size_t width = input->width();

  // Every labelled-or-not transaction of the range, in log order, with its time.
  std::vector<float> values;
  std::vector<float> labels;
  std::vector<Timestamp> times;
  std::vector<float> row(width);
  auto started = std::chrono::steady_clock::now();
  features::BackfillCounts counts;
  Status status = features::Backfill(
      args.data_dir, *spec, options,
      [&](const Event& tx, std::span<const double> features, int label) -> Status {
        input->Fill(tx, features, row);
        values.insert(values.end(), row.begin(), row.end());
        labels.push_back(label == 1 ? 1.0F : 0.0F);
        times.push_back(tx.ts());
        return Status::Ok();
      },
      &counts);
  if (!status.ok()) return Fail(status);
  double backfill_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (labels.empty()) return Fail(Status::InvalidArgument("no transactions in the range"));

  Timestamp first = times.front(), last = times.front();
  for (Timestamp ts : times) {
    first = std::min(first, ts);
    last = std::max(last, ts);
  }
  Timestamp range_from = options.from != INT64_MIN ? options.from : first;
  Timestamp range_to = options.to != INT64_MAX ? options.to : last + 1;
  Timestamp valid_from = 0;
  if (!args.valid_from.empty()) {
    auto parsed = TimeArg(args.valid_from, "--valid-from");
    if (!parsed.ok()) return Fail(parsed.status());
    valid_from = *parsed;
  } else {
    // The most recent share of the range, cut at a whole day.
    auto span = static_cast<double>(range_to - range_from);
    valid_from = range_to - static_cast<Timestamp>(span * args.valid_share);
    valid_from -= ((valid_from % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay;
    if (valid_from <= range_from) valid_from = range_to - (range_to - range_from) / 4;
  }

  models::Dataset train, valid;
  train.cols = valid.cols = width;
  models::Period train_period{range_from, valid_from, 0, 0};
  models::Period valid_period{valid_from, range_to, 0, 0};
  // The training rows are compacted in place in `values` (which then becomes the training
  // set) and only the validation rows are copied, so the rows are held about 1.25 times, not
  // twice.
  size_t kept = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool is_valid = times[i] >= valid_from;
    models::Period& period = is_valid ? valid_period : train_period;
    ++period.rows;
    if (labels[i] > 0) ++period.positives;
    auto row_begin = values.begin() + static_cast<ptrdiff_t>(i * width);
    if (is_valid) {
      valid.values.insert(valid.values.end(), row_begin, row_begin + static_cast<ptrdiff_t>(width));
      valid.labels.push_back(labels[i]);
      continue;
    }
    if (kept != i) {
      std::copy(row_begin, row_begin + static_cast<ptrdiff_t>(width),
                values.begin() + static_cast<ptrdiff_t>(kept * width));
    }
    train.labels.push_back(labels[i]);
    ++kept;
  }
  values.resize(kept * width);
  train.values = std::move(values);
  if (train_period.positives == 0 || valid_period.positives == 0) {
    return Fail(Status::InvalidArgument(fmt::format(
        "the training period has {} frauds and the validation period (from {}) {}; both need "
        "some (widen --from/--to or move --valid-from)",
        train_period.positives, FormatIso8601(valid_from), valid_period.positives)));
  }
  if (!args.json) {
    std::cout << fmt::format(
        "training set: {} transactions ({} frauds) from {} to {}; validation: {} ({} frauds) "
        "to {}; {} inputs; back-fill {:.1f} s\n",
        train_period.rows, train_period.positives, FormatIso8601(range_from),
        FormatIso8601(valid_from), valid_period.rows, valid_period.positives,
        FormatIso8601(range_to), width, backfill_seconds);
  }

  started = std::chrono::steady_clock::now();
  // XGBoost scores the validation set after every round only when it is to stop early; the
  // reported metrics come from the native evaluator below either way.
  auto trained = models::TrainGradientBoosting(
      train, args.params.early_stopping_rounds > 0 ? &valid : nullptr, args.params);
  if (!trained.ok()) return Fail(trained.status());
  double train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto ensemble = models::TreeEnsemble::FromXgboostJson(trained->model_json);
  if (!ensemble.ok()) return Fail(ensemble.status());

  std::vector<double> scores(valid.rows());
  ensemble->PredictBatch(valid.values.data(), valid.rows(), scores.data());
  std::vector<int> valid_labels(valid.rows());
  for (size_t i = 0; i < valid.rows(); ++i) valid_labels[i] = valid.labels[i] > 0 ? 1 : 0;

  models::ModelMetadata meta;
  Timestamp now = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  meta.id = fmt::format("fraud-{}-{}", spec->name, CompactUtc(now));
  meta.kind = "fraud";
  meta.created_at = FormatIso8601(now);
  meta.spec_name = spec->name;
  meta.spec_version = spec->version;
  meta.spec_fingerprint = spec->fingerprint;
  meta.features = input->names();
  meta.train = train_period;
  meta.valid = valid_period;
  meta.auc = models::RocAuc(scores, valid_labels);
  meta.auprc = models::AveragePrecision(scores, valid_labels);
  for (double rate : {0.001, 0.005, 0.01, 0.02, 0.05}) {
    meta.at_alert_rate.push_back(models::AtAlertRate(scores, valid_labels, rate));
  }
  meta.params = args.params;
  meta.rounds = trained->rounds;
  status = models::WriteModelFile(args.out, meta, trained->model_json);
  if (!status.ok()) return Fail(status);

  if (args.json) {
    nlohmann::json rates = nlohmann::json::array();
    for (const auto& r : meta.at_alert_rate) rates.push_back(RateJson(r));
    nlohmann::json out = {{"model", meta.id},
                          {"out", args.out},
                          {"inputs", width},
                          {"rounds", meta.rounds},
                          {"train_rows", train_period.rows},
                          {"train_frauds", train_period.positives},
                          {"valid_rows", valid_period.rows},
                          {"valid_frauds", valid_period.positives},
                          {"auc", meta.auc},
                          {"auprc", meta.auprc},
                          {"at_alert_rate", rates},
                          {"backfill_seconds", backfill_seconds},
                          {"train_seconds", train_seconds}};
    std::cout << out.dump() << "\n";
    return 0;
  }
  std::cout << fmt::format("trained {} trees in {:.1f} s; model {} written to {}\n", meta.rounds,
                           train_seconds, meta.id, args.out);
  std::cout << fmt::format("validation: AUC {:.4f}, AUPRC {:.4f}\n", meta.auc, meta.auprc);
  for (const auto& r : meta.at_alert_rate) {
    std::cout << fmt::format(
        "  alerting {:>5.1f}% ({:>6} alerts): recall {:.3f}, precision {:.3f}\n", 100 * r.rate,
        r.alerts, r.recall, r.precision);
  }
  return 0;
}

}  // namespace

void RegisterTrain(CLI::App& app, int& exit_code) {
  auto* train = app.add_subcommand("train", "Train a model from the history of a data directory");
  train->require_subcommand(1);
  auto* fraud = train->add_subcommand(
      "fraud", "Gradient-boosted trees (XGBoost) on point-in-time features and raw fields");
  auto args = std::make_shared<TrainArgs>();
  fraud->add_option("--data", args->data_dir, "Data directory")->required();
  fraud->add_option("--spec", args->spec_path, "Feature spec (YAML)")->required();
  fraud->add_option("--out", args->out, "Model file to write")->required();
  fraud->add_option("--from", args->from, "First transaction time (ISO 8601, inclusive)");
  fraud->add_option("--to", args->to, "End of the range (ISO 8601, exclusive)");
  fraud->add_option("--valid-from", args->valid_from,
                    "Validation period start (default: the last --valid-share of the range)");
  fraud->add_option("--valid-share", args->valid_share, "Share of the range validated on")
      ->capture_default_str();
  fraud->add_flag("--raw-only", args->raw_only,
                  "Only the transaction's raw fields (tx.*), no features (for comparisons)");
  fraud->add_option("--rounds", args->params.rounds, "Boosting rounds (trees)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  fraud->add_option("--max-depth", args->params.max_depth, "Tree depth")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  fraud->add_option("--eta", args->params.eta, "Learning rate")
      ->capture_default_str()
      ->check(CLI::Range(0.0001, 1.0));
  fraud
      ->add_option("--early-stopping-rounds", args->params.early_stopping_rounds,
                   "Stop when the validation AUPRC has not improved for this many rounds and keep "
                   "the best (0: train every round)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  fraud->add_option("--threads", args->params.threads, "Training threads (0: all)")
      ->capture_default_str();
  fraud->add_option("--seed", args->params.seed, "Random seed")->capture_default_str();
  fraud->add_option("--memory-mb", args->memory_mb, "Feature state budget while back-filling")
      ->capture_default_str();
  fraud->add_flag("--json", args->json, "Print a JSON summary");
  fraud->callback([args, &exit_code] { exit_code = RunTrain(*args); });
}

}  // namespace panorama::cli
