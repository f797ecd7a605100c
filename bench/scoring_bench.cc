// scoring_bench: in-process scoring latency of BENCHMARKS.md — per transaction, the feature
// update, the rules and the model, as `panorama serve` runs them (without the log append and
// HTTP).
//
//   build/bench/scoring_bench --data DIR --spec S.yaml --rules R.yaml --model M.json
//                             [--rules-total 50] [--last N] [--repeats 3]
//
// Replays DIR's log into an in-memory feature engine (untimed) up to its last N transactions,
// then times, one transaction at a time, FeatureEngine::Update + Decider::Decide +
// Decider::ToEvent (the decision record) — the whole in-process path of one request. It prints
// p50 / p99 / p99.9 / max over the N transactions and the median time of each part.
// --rules-total pads the rule set to that many rules with generated rules over the spec's
// features (thresholds, ranges, set membership, string tests), so the figure is for a rule set
// of that size even when R.yaml is smaller. Each repeat is a new engine; the figures are the
// medians over repeats.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_support.h"
#include "core/event.h"
#include "core/event_codec.h"
#include "core/schema.h"
#include "decide/decider.h"
#include "decide/lists.h"
#include "features/feature_engine.h"
#include "features/feature_spec.h"
#include "log/transaction_log.h"
#include "models/model_file.h"
#include "state/event_store.h"

namespace panorama::decide {
namespace {

using bench::Clock;
using bench::Die;
using bench::Median;
using bench::Percentile;

struct Options {
  std::string data_dir, spec_path, rules_path, model_path;
  size_t rules_total = 50;
  size_t last = 100000;
  int repeats = 3;
};

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + arg);
      return argv[++i];
    };
    if (arg == "--data") {
      o.data_dir = value();
    } else if (arg == "--spec") {
      o.spec_path = value();
    } else if (arg == "--rules") {
      o.rules_path = value();
    } else if (arg == "--model") {
      o.model_path = value();
    } else if (arg == "--rules-total") {
      o.rules_total = std::stoul(value());
    } else if (arg == "--last") {
      o.last = std::stoul(value());
    } else if (arg == "--repeats") {
      o.repeats = std::stoi(value());
    } else {
      Die("unknown argument " + arg);
    }
  }
  if (o.data_dir.empty() || o.spec_path.empty() || o.rules_path.empty()) {
    Die("usage: scoring_bench --data DIR --spec S --rules R [--model M] [--rules-total N] "
        "[--last N] [--repeats R]");
  }
  return o;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The rule file with generated rules appended until it has `total` rules. The generated
// rules cycle through shapes a fraud team writes: a feature above a threshold and the amount
// in a band, a ratio of two features, a channel set with an hour range, a string test, and a
// feature with a missing-value default.
std::string PaddedRules(const std::string& yaml, size_t existing, size_t total,
                        const features::FeatureSpec& spec) {
  std::string out = yaml;
  if (existing >= total) return out;
  if (out.find("rules: []") != std::string::npos) out.replace(out.find("rules: []"), 9, "rules:");
  if (!out.empty() && out.back() != '\n') out += '\n';
  const auto& fs = spec.features;
  for (size_t i = existing, k = 0; i < total; ++i, ++k) {
    const std::string& a = fs[k % fs.size()].name;
    const std::string& b = fs[(k * 7 + 3) % fs.size()].name;
    std::string when;
    switch (k % 5) {
      case 0:
        when = fmt::format("{} > {} and amount >= {} and amount < 5000000", a, 3 + k % 11,
                           50000 + 1000 * k);
        break;
      case 1:
        when = fmt::format("{1} > 0 and {0} / {1} > {2}", a, b, 2 + k % 3);
        break;
      case 2:
        when = fmt::format(
            "channel in (\"ONLINE\", \"MOBILE\") and hour_of_day(ts) >= 1 and "
            "hour_of_day(ts) < 5 and {} >= {}",
            a, k % 4);
        break;
      case 3:
        when = fmt::format("starts_with(merchant_id, \"M00000{}\") and {} > {}", k % 10, a, k % 6);
        break;
      default:
        when = fmt::format("coalesce({}, 0) > {} or amount > {}", a, 10 + k, 20000000 + k);
        break;
    }
    out += "  - id: generated_" + std::to_string(k) + "\n    when: '" + when +
           "'\n    action: {score: " + std::to_string(10 + 5 * (k % 20)) + "}\n";
  }
  return out;
}

}  // namespace
}  // namespace panorama::decide

int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  using namespace panorama;
  using namespace panorama::decide;
  Options o = ParseArgs(argc, argv);
  std::printf(
      "command: build/bench/scoring_bench --data %s --spec %s --rules %s%s%s "
      "--rules-total %zu --last %zu --repeats %d\n",
      o.data_dir.c_str(), o.spec_path.c_str(), o.rules_path.c_str(),
      o.model_path.empty() ? "" : " --model ", o.model_path.c_str(), o.rules_total, o.last,
      o.repeats);
  auto spec = features::LoadFeatureSpec(o.spec_path);
  if (!spec.ok()) Die(spec.status().ToString());

  // The rule set, padded to rules_total rules.
  std::string yaml = ReadText(o.rules_path);
  auto original = ParseRuleSet(yaml, o.rules_path, &*spec);
  if (!original.ok()) Die(original.status().ToString());
  std::string padded = PaddedRules(yaml, (*original)->rules().size(), o.rules_total, *spec);
  auto rules = ParseRuleSet(padded, o.rules_path + " (padded)", &*spec);
  if (!rules.ok()) Die(rules.status().ToString());
  std::string scratch = "/tmp/scoring_bench_lists_" + std::to_string(::getpid()) + ".db";
  auto lists = ListStore::Open(scratch);
  if (!lists.ok()) Die(lists.status().ToString());
  if (Status s = (*lists)->EnsureDeclared(**rules); !s.ok()) Die(s.ToString());
  auto snapshot = (*lists)->Snapshot(**rules);
  if (!snapshot.ok()) Die(snapshot.status().ToString());
  std::shared_ptr<const models::ModelFile> model;
  if (!o.model_path.empty()) {
    auto file = models::ReadModelFile(o.model_path);
    if (!file.ok()) Die(file.status().ToString());
    model = std::make_shared<const models::ModelFile>(std::move(*file));
  }
  auto decider = Decider::Create(*spec, *rules, *snapshot, model);
  if (!decider.ok()) Die(decider.status().ToString());
  std::printf("rule set %s: %zu rules (%zu from the file); model %s: %d trees, %d inputs\n",
              (*decider)->ruleset_label().c_str(), (*rules)->rules().size(),
              (*original)->rules().size(), model ? model->meta.id.c_str() : "none",
              model ? model->ensemble.num_trees() : 0, model ? model->ensemble.num_features() : 0);

  // The log's records, encoded, in memory.
  std::vector<std::string> payloads;
  std::vector<uint64_t> seqs;
  std::vector<uint8_t> is_tx;
  {
    auto reader = LogReader::OpenRange(LogDir(o.data_dir), 1);
    if (!reader.ok()) Die(reader.status().ToString());
    LogRecord record;
    while ((*reader)->Next(&record)) {
      payloads.emplace_back(record.payload);
      seqs.push_back(record.seq);
      is_tx.push_back(record.kind == static_cast<uint8_t>(EventKind::kTransaction));
    }
    if (!(*reader)->status().ok()) Die((*reader)->status().ToString());
  }
  size_t tx_total = 0;
  for (uint8_t t : is_tx) tx_total += t;
  if (tx_total < o.last + 1) Die("the log holds too few transactions for --last");
  size_t start = payloads.size();
  for (size_t seen = 0; start > 0 && seen < o.last;) {
    --start;
    seen += is_tx[start];
  }
  std::printf("%zu log records, %zu transactions; timing the last %zu\n", payloads.size(), tx_total,
              o.last);

  std::vector<double> p50s, p99s, p999s, maxes, feature_us, rule_model_us, event_us;
  for (int repeat = 0; repeat < o.repeats; ++repeat) {
    auto engine = features::FeatureEngine::Open(*spec);
    if (!engine.ok()) Die(engine.status().ToString());
    features::FeatureEngine& fe = **engine;
    std::vector<double> values(fe.width());
    Event event;
    for (size_t i = 0; i < start; ++i) {
      if (!DecodeEvent(payloads[i], &event).ok()) Die("undecodable log record");
      Status s = fe.Update(event, seqs[i], values);
      if (!s.ok() && s.code() != StatusCode::kOutOfRange) Die(s.ToString());
    }
    Decision decision;
    Event out;
    std::vector<double> total, part_features, part_decide, part_event;
    total.reserve(o.last);
    for (size_t i = start; i < payloads.size(); ++i) {
      if (!is_tx[i]) continue;
      if (!DecodeEvent(payloads[i], &event).ok()) Die("undecodable log record");
      auto t0 = Clock::now();
      Status s = fe.Update(event, seqs[i], values);
      auto t1 = Clock::now();
      (*decider)->Decide(event, values, &decision);
      auto t2 = Clock::now();
      (*decider)->ToEvent(event, decision, 0, 0, &out);
      auto t3 = Clock::now();
      if (!s.ok() && s.code() != StatusCode::kOutOfRange) Die(s.ToString());
      auto us = [](Clock::duration d) {
        return std::chrono::duration<double, std::micro>(d).count();
      };
      total.push_back(us(t3 - t0));
      part_features.push_back(us(t1 - t0));
      part_decide.push_back(us(t2 - t1));
      part_event.push_back(us(t3 - t2));
    }
    p50s.push_back(Percentile(total, 0.50));
    p99s.push_back(Percentile(total, 0.99));
    p999s.push_back(Percentile(total, 0.999));
    maxes.push_back(*std::max_element(total.begin(), total.end()));
    feature_us.push_back(Median(part_features));
    rule_model_us.push_back(Median(part_decide));
    event_us.push_back(Median(part_event));
    std::printf(
        "run %d: p50 %.2f us, p99 %.2f us, p99.9 %.2f us, max %.1f us; p99 of the parts: "
        "features %.2f us, rules + model + reasons %.2f us, decision record %.2f us\n",
        repeat + 1, p50s.back(), p99s.back(), p999s.back(), maxes.back(),
        Percentile(part_features, 0.99), Percentile(part_decide, 0.99),
        Percentile(part_event, 0.99));
  }
  std::printf("median of %d runs: p50 %.2f us, p99 %.2f us, p99.9 %.2f us, max %.1f us\n",
              o.repeats, Median(p50s), Median(p99s), Median(p999s), Median(maxes));
  std::printf(
      "parts (medians): features %.2f us, rules + model + reasons %.2f us, decision "
      "record %.2f us\n",
      Median(feature_us), Median(rule_model_us), Median(event_us));
  std::remove(scratch.c_str());
  for (const char* suffix : {"-wal", "-shm"}) std::remove((scratch + suffix).c_str());
  return 0;
}
