// examples/rules/starter.yaml on a generated world (docs/generator.md): its rules must fire on
// labelled fraud and laundering far more often than on other transactions. The world's
// transactions go through an in-memory feature engine of examples/features/fraud.yaml, in
// order, and each one's features through the rule set, as in serving.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

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

template <typename Fn>
void ReadAll(const std::string& path, EventKind kind, Fn&& fn) {
  ReaderOptions options;
  options.kind = kind;
  auto reader = RecordReader::Open(path, options);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Event event;
  Reject reject;
  for (;;) {
    const auto outcome = (*reader)->Next(&event, &reject);
    if (outcome == RecordReader::Outcome::kEnd) break;
    ASSERT_EQ(outcome, RecordReader::Outcome::kEvent) << reject.reason;
    fn(event);
  }
}

TEST(RulesStarterTest, FiresOnFraudFarMoreThanOnOtherTransactions) {
  auto spec =
      features::LoadFeatureSpec(std::string(PANORAMA_SOURCE_DIR) + "/examples/features/fraud.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto rules =
      LoadRuleSet(std::string(PANORAMA_SOURCE_DIR) + "/examples/rules/starter.yaml", &*spec);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  const RuleSet& set = **rules;

  generate::WorldOptions options;
  options.customers = 1'000;
  options.merchants = 100;
  options.days = 45;
  options.seed = 7;
  options.fraud_rate = 0.01;
  options.aml_rate = 0.01;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("rules_starter_test-" + std::to_string(::getpid()));
  auto summary = generate::GenerateWorld(options, dir.string());
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();

  std::unordered_set<std::string> fraud;
  std::map<std::string, std::string> pattern;
  ReadAll((dir / "labels.csv").string(), EventKind::kLabel, [&](const Event& label) {
    const std::string id(label.id());
    if (label.num(label::kIsFraud) != 0) {
      fraud.insert(id);
      pattern[id] = std::string(label.str(label::kPattern));
    } else {
      fraud.erase(id);
    }
  });
  ASSERT_GT(fraud.size(), 500u);

  auto engine = features::FeatureEngine::Open(*spec);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  const ListSnapshot lists(set.lists().size());
  std::vector<double> features((*engine)->width());
  std::vector<uint16_t> fired(set.rules().size());
  uint64_t seq = 0;
  uint64_t fraud_total = 0;
  uint64_t fraud_fired = 0;
  uint64_t other_total = 0;
  uint64_t other_fired = 0;
  std::map<std::string, std::pair<int, int>> by_pattern;  // fired, total
  ReadAll((dir / "transactions.csv").string(), EventKind::kTransaction, [&](const Event& tx) {
    ASSERT_TRUE((*engine)->Update(tx, ++seq, features).ok());
    RuleInput input;
    input.event = &tx;
    input.features = features;
    input.lists = &lists;
    const bool any = set.Evaluate(input, fired) > 0;
    auto it = fraud.find(std::string(tx.id()));
    if (it != fraud.end()) {
      ++fraud_total;
      fraud_fired += any ? 1 : 0;
      auto& [hits, total] = by_pattern[pattern[*it]];
      hits += any ? 1 : 0;
      ++total;
    } else {
      ++other_total;
      other_fired += any ? 1 : 0;
    }
  });
  std::filesystem::remove_all(dir);

  for (const auto& [name, counts] : by_pattern) {
    std::printf("%-24s %5d of %5d fire\n", name.c_str(), counts.first, counts.second);
  }
  const double fraud_share = static_cast<double>(fraud_fired) / static_cast<double>(fraud_total);
  const double other_share = static_cast<double>(other_fired) / static_cast<double>(other_total);
  std::printf("fraud and laundering: %.3f fire, other: %.4f\n", fraud_share, other_share);
  EXPECT_GT(fraud_share, 0.3);
  EXPECT_LT(other_share, 0.02);
  EXPECT_GT(fraud_share, 20 * other_share);
  // Each of the main patterns is caught some of the time.
  for (const char* name : {"card_testing", "account_takeover", "stolen_card_spree",
                           "merchant_collusion", "aml_structuring"}) {
    ASSERT_TRUE(by_pattern.count(name)) << name;
    EXPECT_GT(by_pattern[name].first, 0) << name;
  }
}

}  // namespace
}  // namespace panorama::decide
