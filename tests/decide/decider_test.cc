// The Decider (decide/decider.h): score = round(1000 * model probability) + rule points,
// clamped; the policy's verdict; forced decisions; the model's reasons; the decision event.
// Also ModelInput (decide/model_input.h) and LoadDecider with lists.
#include "decide/decider.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "core/money.h"
#include "core/schema.h"
#include "decide/lists.h"
#include "decide/model_input.h"
#include "models/model_file.h"
#include "models/xgboost_trainer.h"
#include "support/process.h"

namespace panorama::decide {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

features::FeatureSpec Spec() {
  auto spec = features::ParseFeatureSpec(R"(name: test
features:
  - name: card_count_1h
    entity: card_id
    agg: count
    window: 1h
  - name: card_amount_sum_24h
    entity: card_id
    agg: sum
    field: amount
    window: 24h
)",
                                         "spec.yaml");
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return std::move(*spec);
}

Event Tx(std::string_view id, int64_t amount, std::string_view channel = "ONLINE") {
  Event tx(EventKind::kTransaction);
  tx.set_str(tx::kTxId, id);
  // 2025-11-24T13:00:00Z, a Monday.
  tx.set_num(tx::kTs, 1'763'942'400LL * kMicrosPerSecond + 13 * 3600 * kMicrosPerSecond);
  tx.set_str(tx::kCustomerId, "C1");
  tx.set_str(tx::kCardId, "K1");
  tx.set_str(tx::kDeviceId, "D1");
  tx.set_num(tx::kChannel,
             EnumIndex(SchemaFor(EventKind::kTransaction).fields[tx::kChannel], channel));
  tx.set_num(tx::kType, tx_type::kPurchase);
  tx.set_num(tx::kAmount, amount);
  tx.set_num(tx::kCurrency, Currency::FromCode("CNY")->Packed());
  return tx;
}

std::shared_ptr<const RuleSet> Rules(const features::FeatureSpec& spec, std::string_view yaml) {
  auto rules = ParseRuleSet(yaml, "rules.yaml", &spec);
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  return rules.ok() ? *rules : nullptr;
}

constexpr std::string_view kRules = R"(name: test_rules
version: "7"
policy:
  review_at: 300
  decline_at: 700
lists:
  - name: blocked_devices
    kind: deny
    type: device
rules:
  - id: big
    when: amount > 100000
    action: {score: 250, tag: large}
  - id: busy_card
    when: card_count_1h >= 3
    action: {score: 200, tag: velocity}
  - id: blocked_device
    when: device_id in @blocked_devices
    action: {force: decline, tag: blocklist}
  - id: online_big
    when: channel == "ONLINE" and amount > 100000
    action: {score: 100, tag: large}
  - id: off
    when: amount > 0
    action: {score: 1000}
    enabled: false
  - id: kind_to_regulars
    when: amount < 100
    action: {score: -50}
)";

std::shared_ptr<const Decider> MakeDecider(const features::FeatureSpec& spec,
                                           std::shared_ptr<const RuleSet> rules,
                                           std::vector<std::string> blocked = {},
                                           std::shared_ptr<const models::ModelFile> model = {}) {
  auto lists = std::make_shared<ListSnapshot>(rules->lists().size());
  for (const auto& value : blocked) lists->Add(0, value);
  auto decider = Decider::Create(spec, std::move(rules), lists, std::move(model));
  EXPECT_TRUE(decider.ok()) << decider.status().ToString();
  return decider.ok() ? *decider : nullptr;
}

TEST(Decider, RulePointsGiveScoreAndVerdict) {
  auto spec = Spec();
  auto decider = MakeDecider(spec, Rules(spec, kRules));
  ASSERT_NE(decider, nullptr);
  Decision d;
  std::vector<double> features = {1, 5000};

  decider->Decide(Tx("t1", 5000), features, &d);
  EXPECT_EQ(d.score, 0);
  EXPECT_EQ(d.verdict, Verdict::kApprove);
  EXPECT_EQ(d.fired_count, 0U);
  EXPECT_TRUE(std::isnan(d.model_score));

  decider->Decide(Tx("t2", 200000), features, &d);  // big + online_big = 350 >= 300
  EXPECT_EQ(d.rule_points, 350);
  EXPECT_EQ(d.score, 350);
  EXPECT_EQ(d.verdict, Verdict::kReview);
  ASSERT_EQ(d.fired_count, 2U);
  EXPECT_EQ(decider->rules().rules()[d.fired[0]].id, "big");
  EXPECT_EQ(decider->rules().rules()[d.fired[1]].id, "online_big");

  features[0] = 3;  // + busy_card = 550
  decider->Decide(Tx("t3", 200000, "POS"), features, &d);
  EXPECT_EQ(d.score, 450);
  EXPECT_EQ(d.verdict, Verdict::kReview);
  decider->Decide(Tx("t4", 200000), features, &d);
  EXPECT_EQ(d.score, 550);

  // Negative points never push the score below 0; the disabled rule never fires.
  features[0] = 0;
  decider->Decide(Tx("t5", 50), features, &d);
  EXPECT_EQ(d.rule_points, -50);
  EXPECT_EQ(d.score, 0);
  EXPECT_EQ(d.verdict, Verdict::kApprove);
}

TEST(Decider, ScoreIsClampedAndThresholdsAreInclusive) {
  auto spec = Spec();
  auto rules = Rules(spec, R"(name: t
version: "1"
policy: {review_at: 300, decline_at: 700}
rules:
  - id: a
    when: amount >= 300
    action: {score: 300}
  - id: b
    when: amount >= 700
    action: {score: 400}
  - id: c
    when: amount >= 1000
    action: {score: 900}
)");
  auto decider = MakeDecider(spec, rules);
  ASSERT_NE(decider, nullptr);
  Decision d;
  std::vector<double> features = {kNaN, kNaN};
  decider->Decide(Tx("t", 300), features, &d);
  EXPECT_EQ(d.score, 300);
  EXPECT_EQ(d.verdict, Verdict::kReview);
  decider->Decide(Tx("t", 700), features, &d);
  EXPECT_EQ(d.score, 700);
  EXPECT_EQ(d.verdict, Verdict::kDecline);
  decider->Decide(Tx("t", 1000), features, &d);
  EXPECT_EQ(d.rule_points, 1600);
  EXPECT_EQ(d.score, 1000);
}

TEST(Decider, ForcedDeclineFromADenyList) {
  auto spec = Spec();
  auto decider = MakeDecider(spec, Rules(spec, kRules), {"D1"});
  ASSERT_NE(decider, nullptr);
  Decision d;
  std::vector<double> features = {0, 0};
  decider->Decide(Tx("t", 5000), features, &d);
  EXPECT_EQ(d.score, 0);
  EXPECT_EQ(d.verdict, Verdict::kDecline);

  Event event;
  decider->ToEvent(Tx("t", 5000), d, 123, 45, &event);
  EXPECT_EQ(event.kind(), EventKind::kDecision);
  EXPECT_EQ(event.str(decision::kTxId), "t");
  EXPECT_EQ(event.num(decision::kDecision), decision_value::kDecline);
  EXPECT_EQ(event.str(decision::kRules), "blocked_device");
  EXPECT_EQ(event.str(decision::kTags), "blocklist");
  EXPECT_EQ(event.str(decision::kRuleSet), "test_rules@7");
  EXPECT_FALSE(event.has(decision::kModel));
  EXPECT_FALSE(event.has(decision::kModelScore));
  EXPECT_EQ(event.num(decision::kDecidedAt), 123);
  EXPECT_EQ(event.num(decision::kLatencyUs), 45);
  EXPECT_EQ(event.str(decision::kCustomerId), "C1");
  EXPECT_EQ(event.num(decision::kAmount), 5000);
}

TEST(Decider, DecisionEventListsDistinctTags) {
  auto spec = Spec();
  auto decider = MakeDecider(spec, Rules(spec, kRules));
  ASSERT_NE(decider, nullptr);
  Decision d;
  std::vector<double> features = {5, 0};
  Event tx = Tx("t", 200000);
  decider->Decide(tx, features, &d);
  Event event;
  decider->ToEvent(tx, d, 0, 0, &event);
  EXPECT_EQ(event.str(decision::kRules), "big;busy_card;online_big");
  EXPECT_EQ(event.str(decision::kTags), "large;velocity");
  EXPECT_EQ(event.num(decision::kScore), 550);
}

// A small model over tx.amount and card_count_1h: fraud when the card is busy and the amount
// large.
std::shared_ptr<const models::ModelFile> TrainModel(const features::FeatureSpec& spec) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> amount(0, 300000);
  std::uniform_int_distribution<int> count(0, 8);
  models::Dataset data;
  data.cols = 2;
  for (int i = 0; i < 4000; ++i) {
    float a = amount(rng);
    auto c = static_cast<float>(count(rng));
    data.values.push_back(a);
    data.values.push_back(i % 17 == 0 ? std::numeric_limits<float>::quiet_NaN() : c);
    data.labels.push_back(a > 150000 && c >= 4 ? 1.0F : 0.0F);
  }
  models::TrainParams params;
  params.rounds = 20;
  params.max_depth = 3;
  auto trained = models::TrainGradientBoosting(data, nullptr, params);
  EXPECT_TRUE(trained.ok()) << trained.status().ToString();
  if (!trained.ok()) return nullptr;
  auto file = std::make_shared<models::ModelFile>();
  file->meta.id = "m-test";
  file->meta.kind = "fraud";
  file->meta.spec_name = spec.name;
  file->meta.spec_fingerprint = spec.fingerprint;
  file->meta.features = {"tx.amount", "card_count_1h"};
  file->xgboost_json = trained->model_json;
  auto ensemble = models::TreeEnsemble::FromXgboostJson(trained->model_json);
  EXPECT_TRUE(ensemble.ok()) << ensemble.status().ToString();
  if (!ensemble.ok()) return nullptr;
  file->ensemble = std::move(*ensemble);
  return file;
}

TEST(Decider, ModelScoreAddsToRulePointsAndGivesReasons) {
  auto spec = Spec();
  auto model = TrainModel(spec);
  ASSERT_NE(model, nullptr);
  auto rules = Rules(spec, kRules);
  auto decider = MakeDecider(spec, rules, {}, model);
  ASSERT_NE(decider, nullptr);

  Decision d;
  std::vector<double> features = {6, 0};
  Event tx = Tx("t", 250000);
  decider->Decide(tx, features, &d);
  std::array<float, 2> row = {250000, 6};
  double p = model->ensemble.Predict(row);
  EXPECT_GT(p, 0.5);
  EXPECT_DOUBLE_EQ(d.model_score, p);
  // big (250) + busy_card (200) + online_big (100) on top of the model's points.
  EXPECT_EQ(d.score, std::min(1000, static_cast<int>(std::lround(1000 * p)) + 550));
  EXPECT_EQ(d.verdict, Verdict::kDecline);
  // Reasons: positive contributions, largest first, with the inputs' values.
  ASSERT_GE(d.reason_count, 1U);
  for (size_t i = 0; i < d.reason_count; ++i) {
    EXPECT_GT(d.reasons[i].contribution, 0);
    if (i > 0) {
      EXPECT_GE(d.reasons[i - 1].contribution, d.reasons[i].contribution);
    }
  }
  std::array<double, 3> contributions{};
  model->ensemble.Contributions(row, contributions);
  EXPECT_DOUBLE_EQ(d.reasons[0].contribution, std::max(contributions[0], contributions[1]));

  Event event;
  decider->ToEvent(tx, d, 0, 0, &event);
  EXPECT_EQ(event.str(decision::kModel), "m-test");
  EXPECT_DOUBLE_EQ(event.real(decision::kModelScore), p);
  std::string reasons(event.str(decision::kReasons));
  // "name=value (+contribution)", the value as AppendFeatureValue writes it.
  std::string first = decider->input_name(d.reasons[0].input) + "=";
  features::AppendFeatureValue(d.reasons[0].value, &first);
  char contribution[32];
  std::snprintf(contribution, sizeof(contribution), " (+%.3f)", d.reasons[0].contribution);
  first += contribution;
  EXPECT_EQ(reasons.substr(0, first.size()), first) << reasons;
  EXPECT_TRUE(d.reasons[0].value == 250000 || d.reasons[0].value == 6) << d.reasons[0].value;

  // A low-risk transaction: a low probability and no positive reason above the bias.
  features = {0, 0};
  decider->Decide(Tx("u", 1000), features, &d);
  EXPECT_LT(d.model_score, 0.1);
  EXPECT_EQ(d.verdict, Verdict::kApprove);
}

TEST(Decider, RejectsAModelWhoseInputsTheSpecLacks) {
  auto spec = Spec();
  auto model = TrainModel(spec);
  ASSERT_NE(model, nullptr);
  auto other = std::make_shared<models::ModelFile>(*model);
  other->meta.features = {"tx.amount", "no_such_feature"};
  auto rules = Rules(spec, kRules);
  auto created = Decider::Create(spec, rules, std::make_shared<ListSnapshot>(1), other);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.status().message().find("no_such_feature"), std::string::npos);

  auto narrow = std::make_shared<models::ModelFile>(*model);
  narrow->meta.features = {"tx.amount"};
  created = Decider::Create(spec, rules, std::make_shared<ListSnapshot>(1), narrow);
  EXPECT_FALSE(created.ok());
  // The same spec name with other definitions.
  auto stale = std::make_shared<models::ModelFile>(*model);
  stale->meta.spec_fingerprint ^= 1;
  created = Decider::Create(spec, rules, std::make_shared<ListSnapshot>(1), stale);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(created.status().message().find("another version"), std::string::npos);
  // A snapshot that does not match the declared lists.
  created = Decider::Create(spec, rules, std::make_shared<ListSnapshot>(0), nullptr);
  EXPECT_FALSE(created.ok());
}

TEST(ModelInput, FillsRawFieldsAndFeatures) {
  auto spec = Spec();
  std::vector<std::string> names = {
      "card_amount_sum_24h", "tx.amount",       "tx.hour", "tx.day_of_week",
      "tx.has_device",       "tx.has_merchant", "tx.lat",  "tx.channel"};
  auto input = ModelInput::Resolve(names, spec);
  ASSERT_TRUE(input.ok()) << input.status().ToString();
  std::vector<float> row(input->width());
  std::vector<double> features = {1, 777};
  Event tx = Tx("t", 1234);
  input->Fill(tx, features, row);
  EXPECT_EQ(row[0], 777.0F);
  EXPECT_EQ(row[1], 1234.0F);
  EXPECT_EQ(row[2], 13.0F);
  EXPECT_EQ(row[3], 0.0F);
  EXPECT_EQ(row[4], 1.0F);
  EXPECT_EQ(row[5], 0.0F);
  EXPECT_TRUE(std::isnan(row[6]));
  EXPECT_EQ(row[7], static_cast<float>(tx_channel::kOnline));

  std::vector<std::string> bad = {"tx.amount", "tx.nope"};
  auto unknown = ModelInput::Resolve(bad, spec);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("tx.nope"), std::string::npos);

  auto all = ModelInput::DefaultNames(spec, true);
  EXPECT_EQ(all.size(), RawInputNames().size() + 2);
  EXPECT_EQ(ModelInput::DefaultNames(spec, false).size(), RawInputNames().size());
}

TEST(LoadDecider, CreatesDeclaredListsAndSeesTheirValues) {
  std::string dir = testing::MakeTempDir("load_decider");
  auto spec = Spec();
  std::string rules_path = dir + "/rules.yaml";
  testing::WriteFile(rules_path, std::string(kRules));
  auto store = ListStore::Open(dir + "/lists.db");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto decider = LoadDecider(spec, rules_path, "", store->get());
  ASSERT_TRUE(decider.ok()) << decider.status().ToString();
  Decision d;
  std::vector<double> features = {0, 0};
  (*decider)->Decide(Tx("t", 10), features, &d);
  EXPECT_EQ(d.verdict, Verdict::kApprove);

  std::vector<std::string> values = {"D1"};
  ASSERT_TRUE((*store)->Add("blocked_devices", values).ok());
  decider = LoadDecider(spec, rules_path, "", store->get());
  ASSERT_TRUE(decider.ok());
  (*decider)->Decide(Tx("t", 10), features, &d);
  EXPECT_EQ(d.verdict, Verdict::kDecline);

  // No rules: an empty rule set.
  auto none = LoadDecider(spec, "", "", store->get());
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ((*none)->ruleset_label(), "none@0");
  // A bad rule file names itself.
  testing::WriteFile(rules_path,
                     "name: x\nversion: \"1\"\nrules:\n  - id: a\n    when: amount >\n");
  auto bad = LoadDecider(spec, rules_path, "", store->get());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("rules.yaml"), std::string::npos)
      << bad.status().ToString();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace panorama::decide
