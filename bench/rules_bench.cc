// rules_bench: the rule evaluator's figure of BENCHMARKS.md: nanoseconds per evaluation of a
// whole rule set (every enabled rule) on real transactions and their features.
//
//   build/bench/rules_bench [--rules FILE] [--spec FILE] [--customers N] [--merchants M]
//                           [--days D] [--seed S] [--sample N] [--repeats R] [--dir TMPDIR]
//
// Generates a world (GenerateWorld into a temporary directory), runs its transactions through
// an in-memory feature engine of the spec (default examples/features/fraud.yaml) and keeps
// the last --sample transactions with their feature vectors, all before any timing. Lists
// hold 1,000 values each (none of the world's, so lookups miss as most do). No model: the
// model score is missing. Each repeat evaluates the rule set (default
// examples/rules/starter.yaml) once per sampled transaction with RuleSet::Evaluate() (the fire
// code) and, separately, every rule's EvaluateCondition() (the value code); the figure is the
// median over repeats of the mean time per transaction. Over all of the world's transactions
// (untimed) it also reports how often rules fire on fraud and on other transactions.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <unordered_set>
#include <vector>

#include "bench_support.h"
#include "core/event.h"
#include "core/schema.h"
#include "decide/list_snapshot.h"
#include "decide/rules.h"
#include "features/feature_engine.h"
#include "features/feature_spec.h"
#include "generate/generate.h"
#include "ingest/record_reader.h"

namespace panorama::decide {
namespace {

using bench::Clock;
using bench::Die;
using bench::Median;
using bench::Since;

struct Options {
  std::string rules = "examples/rules/starter.yaml";
  std::string spec = "examples/features/fraud.yaml";
  generate::WorldOptions world;
  size_t sample = 20'000;
  int repeats = 11;
  std::string dir = "/tmp";
};

Options Parse(int argc, char** argv) {
  Options o;
  o.world.customers = 3'000;
  o.world.merchants = 300;
  o.world.days = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--rules") {
      o.rules = value;
    } else if (flag == "--spec") {
      o.spec = value;
    } else if (flag == "--customers") {
      o.world.customers = std::stoll(value);
    } else if (flag == "--merchants") {
      o.world.merchants = std::stoll(value);
    } else if (flag == "--days") {
      o.world.days = std::stoi(value);
    } else if (flag == "--seed") {
      o.world.seed = std::stoull(value);
    } else if (flag == "--sample") {
      o.sample = std::stoul(value);
    } else if (flag == "--repeats") {
      o.repeats = std::stoi(value);
    } else if (flag == "--dir") {
      o.dir = value;
    } else {
      Die("unknown option " + flag);
    }
  }
  if (argc % 2 == 0) Die("every option takes a value");
  if (o.repeats < 1 || o.sample < 1) Die("--repeats and --sample must be positive");
  return o;
}

template <typename Fn>
void ReadAll(const std::string& path, EventKind kind, Fn&& fn) {
  ReaderOptions options;
  options.kind = kind;
  auto reader = RecordReader::Open(path, options);
  if (!reader.ok()) Die(reader.status().ToString());
  Event event;
  Reject reject;
  for (;;) {
    const auto outcome = (*reader)->Next(&event, &reject);
    if (outcome == RecordReader::Outcome::kEnd) break;
    if (outcome == RecordReader::Outcome::kReject) Die(path + ": " + reject.reason);
    fn(event);
  }
}

// What the rules did on a group of transactions.
struct Tally {
  uint64_t transactions = 0;
  uint64_t with_rule = 0;  // at least one rule fired
  uint64_t review = 0;     // rule points >= review_at or a forced review/decline
  uint64_t fired = 0;      // rules fired in all

  void Add(const RuleSet& set, std::span<const uint16_t> fired_rules) {
    ++transactions;
    with_rule += fired_rules.empty() ? 0 : 1;
    fired += fired_rules.size();
    int points = 0;
    bool forced = false;
    for (uint16_t r : fired_rules) {
      points += set.rules()[r].points;
      forced = forced || set.rules()[r].force != Force::kNone;
    }
    review += forced || points >= set.review_at() ? 1 : 0;
  }
  std::string Describe() const {
    auto share = [&](uint64_t n) {
      return transactions == 0 ? 0.0
                               : 100.0 * static_cast<double>(n) / static_cast<double>(transactions);
    };
    char line[256];
    std::snprintf(
        line, sizeof line,
        "%llu transactions: %.2f %% with a rule fired, %.2f %% at review or worse by "
        "rules alone, %.3f rules per transaction",
        static_cast<unsigned long long>(transactions), share(with_rule), share(review),
        transactions == 0 ? 0.0 : static_cast<double>(fired) / static_cast<double>(transactions));
    return line;
  }
};

int Main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  if (Status valid = generate::ValidateOptions(o.world); !valid.ok()) Die(valid.message());
  auto spec = features::LoadFeatureSpec(o.spec);
  if (!spec.ok()) Die(spec.status().ToString());
  auto loaded = LoadRuleSet(o.rules, &*spec);
  if (!loaded.ok()) Die(loaded.status().ToString());
  const RuleSet& set = **loaded;
  size_t enabled = 0;
  for (const Rule& rule : set.rules()) enabled += rule.enabled ? 1 : 0;
  std::printf("rules: %s (%s@%s, %zu rules, %zu enabled, %zu lists); spec: %s (%zu features)\n",
              o.rules.c_str(), set.name().c_str(), set.version().c_str(), set.rules().size(),
              enabled, set.lists().size(), o.spec.c_str(), spec->features.size());
  std::printf("world: %lld customers, %lld merchants, %d days, seed %llu\n",
              static_cast<long long>(o.world.customers), static_cast<long long>(o.world.merchants),
              o.world.days, static_cast<unsigned long long>(o.world.seed));

  const std::string root = o.dir + "/panorama-rules-bench-" + std::to_string(::getpid());
  auto start = Clock::now();
  auto summary = generate::GenerateWorld(o.world, root);
  if (!summary.ok()) Die(summary.status().ToString());
  std::printf("generated %llu transactions in %.1f s\n",
              static_cast<unsigned long long>(summary->transactions), Since(start));
  std::unordered_set<std::string> fraud;  // labelled fraud or laundering (newest label wins)
  ReadAll(root + "/labels.csv", EventKind::kLabel, [&](const Event& label) {
    if (label.num(label::kIsFraud) != 0) {
      fraud.insert(std::string(label.id()));
    } else {
      fraud.erase(std::string(label.id()));
    }
  });

  ListSnapshot lists(set.lists().size());
  for (size_t l = 0; l < set.lists().size(); ++l) {
    for (int v = 0; v < 1000; ++v) {
      const ListType type = set.lists()[l].type;
      char value[32];
      if (type == ListType::kIp) {
        std::snprintf(value, sizeof value, "198.51.%d.%d", v / 256, v % 256);
      } else if (type == ListType::kCountry) {
        std::snprintf(value, sizeof value, "%c%c", 'A' + v % 26, 'A' + (v / 26) % 26);
        if (std::string_view(value) == "CN") continue;
      } else {
        std::snprintf(value, sizeof value, "Z%09d", v);
      }
      lists.Add(l, value);
    }
  }

  auto engine = features::FeatureEngine::Open(*spec);
  if (!engine.ok()) Die(engine.status().ToString());
  const size_t width = spec->features.size();
  const uint64_t total = summary->transactions;
  const uint64_t first_sampled = total > o.sample ? total - o.sample : 0;
  std::vector<Event> events;
  std::vector<double> vectors;
  events.reserve(o.sample);
  vectors.reserve(o.sample * width);
  std::vector<double> out(width);
  std::vector<uint16_t> fired(set.rules().size());
  Tally fraud_tally;
  Tally other_tally;
  std::vector<uint64_t> rule_fraud(set.rules().size());
  std::vector<uint64_t> rule_other(set.rules().size());
  uint64_t seq = 0;
  start = Clock::now();
  ReadAll(root + "/transactions.csv", EventKind::kTransaction, [&](const Event& tx) {
    ++seq;
    Status status = (*engine)->Update(tx, seq, out);
    if (!status.ok()) Die(status.ToString());
    RuleInput in;
    in.event = &tx;
    in.features = out;
    in.lists = &lists;
    const size_t count = set.Evaluate(in, fired);
    const bool is_fraud = fraud.count(std::string(tx.id())) != 0;
    (is_fraud ? fraud_tally : other_tally).Add(set, std::span<const uint16_t>(fired.data(), count));
    for (size_t i = 0; i < count; ++i) ++(is_fraud ? rule_fraud : rule_other)[fired[i]];
    if (seq > first_sampled) {
      events.push_back(tx);
      vectors.insert(vectors.end(), out.begin(), out.end());
    }
  });
  std::filesystem::remove_all(root);
  std::printf("features and rules over every transaction in %.1f s; kept the last %zu\n",
              Since(start), events.size());
  std::printf("fraud and laundering: %s\n", fraud_tally.Describe().c_str());
  std::printf("other:                %s\n", other_tally.Describe().c_str());
  std::printf("%-32s %14s %14s\n", "rule", "fraud (of all)", "other (of all)");
  for (size_t r = 0; r < set.rules().size(); ++r) {
    std::printf("%-32s %14llu %14llu\n", set.rules()[r].id.c_str(),
                static_cast<unsigned long long>(rule_fraud[r]),
                static_cast<unsigned long long>(rule_other[r]));
  }

  std::vector<RuleInput> inputs(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    inputs[i].event = &events[i];
    inputs[i].features = std::span<const double>(vectors.data() + i * width, width);
    inputs[i].lists = &lists;
  }
  // Hot: one transaction evaluated many times, as when its features were just computed (the
  // scoring path); cycled over the first 256 sampled transactions.
  uint64_t fired_total = 0;
  std::vector<double> hot_ns;
  const size_t hot = std::min<size_t>(256, inputs.size());
  for (int r = 0; r < o.repeats; ++r) {
    start = Clock::now();
    uint64_t n = 0;
    for (size_t i = 0; i < hot; ++i) {
      for (int k = 0; k < 64; ++k, ++n) fired_total += set.Evaluate(inputs[i], fired);
    }
    hot_ns.push_back(Since(start) * 1e9 / static_cast<double>(n));
  }
  fired_total = 0;
  std::vector<double> fire_ns;
  std::vector<double> value_ns;
  double checksum = 0;
  for (int r = 0; r < o.repeats; ++r) {
    start = Clock::now();
    for (const RuleInput& in : inputs) fired_total += set.Evaluate(in, fired);
    fire_ns.push_back(Since(start) * 1e9 / static_cast<double>(inputs.size()));
    start = Clock::now();
    for (const RuleInput& in : inputs) {
      for (size_t rule = 0; rule < set.rules().size(); ++rule) {
        checksum += set.EvaluateCondition(rule, in) == 1 ? 1 : 0;
      }
    }
    value_ns.push_back(Since(start) * 1e9 / static_cast<double>(inputs.size()));
  }
  const double fire = Median(fire_ns);
  const double value = Median(value_ns);
  std::printf(
      "\nEvaluate (fire code), %zu enabled rules: %.1f ns per transaction (%.2f ns per rule), "
      "min %.1f, max %.1f over %d repeats of %zu transactions; %.3f rules fired each\n",
      enabled, fire, fire / static_cast<double>(enabled),
      *std::min_element(fire_ns.begin(), fire_ns.end()),
      *std::max_element(fire_ns.begin(), fire_ns.end()), o.repeats, inputs.size(),
      static_cast<double>(fired_total) / static_cast<double>(o.repeats) /
          static_cast<double>(inputs.size()));
  std::printf(
      "Evaluate, each transaction 64 times in a row (its input in cache): %.1f ns per "
      "transaction (%.2f ns per rule)\n",
      Median(hot_ns), Median(hot_ns) / static_cast<double>(enabled));
  std::printf(
      "EvaluateCondition (value code) of all %zu rules: %.1f ns per transaction "
      "(%.0f true)\n",
      set.rules().size(), value, checksum / o.repeats);
  std::printf("\nfor BENCHMARKS.md:\n| figure | median | runs |\n|---|---|---|\n");
  std::printf("| %s: %zu rules, Evaluate() per transaction (%zu distinct) | %.0f ns | %d |\n",
              set.name().c_str(), enabled, inputs.size(), fire, o.repeats);
  std::printf("| %s: %zu rules, Evaluate() per transaction, input in cache | %.0f ns | %d |\n",
              set.name().c_str(), enabled, Median(hot_ns), o.repeats);
  return 0;
}

}  // namespace
}  // namespace panorama::decide

int main(int argc, char** argv) {
  try {
    return panorama::decide::Main(argc, argv);
  } catch (const std::exception& e) {  // a flag value std::stoll cannot parse
    std::fprintf(stderr, "rules_bench: %s\n", e.what());
    return 2;
  }
}
