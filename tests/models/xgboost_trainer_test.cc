// Training through XGBoost's C API: determinism, early stopping keeps exactly the best
// rounds, the automatic positive weight, that the model learns the synthetic rule, and that
// bad sets, bad parameters and bad models are errors with reasons.
#include "models/xgboost_trainer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/metrics.h"
#include "models/model_data.h"
#include "models/tree_ensemble.h"

namespace panorama::models {
namespace {

using nlohmann::json;

TrainParams SmallParams() {
  TrainParams p;
  p.rounds = 30;
  p.max_depth = 4;
  p.threads = 1;
  p.seed = 3;
  return p;
}

std::vector<double> Scores(const TreeEnsemble& e, const Dataset& d) {
  std::vector<double> out(d.rows());
  e.PredictBatch(d.values.data(), d.rows(), out.data());
  return out;
}

std::vector<int> Labels(const Dataset& d) {
  std::vector<int> out;
  for (const float l : d.labels) out.push_back(l == 1.0f ? 1 : 0);
  return out;
}

TEST(TrainerTest, SyntheticSetHasAboutTwoPercentPositives) {
  const Dataset d = testing::MakeSyntheticDataset(20000, 30, 11);
  ASSERT_EQ(d.rows(), 20000u);
  ASSERT_EQ(d.values.size(), 20000u * 30);
  const double rate =
      static_cast<double>(std::count(d.labels.begin(), d.labels.end(), 1.0f)) / 20000.0;
  EXPECT_GT(rate, 0.01);
  EXPECT_LT(rate, 0.04);
  const size_t missing = static_cast<size_t>(
      std::count_if(d.values.begin(), d.values.end(), [](float v) { return std::isnan(v); }));
  EXPECT_GT(missing, d.values.size() / 20);
}

TEST(TrainerTest, TheModelLearnsTheRule) {
  const Dataset train = testing::MakeSyntheticDataset(8000, 12, 1);
  const Dataset test = testing::MakeSyntheticDataset(4000, 12, 2);
  TrainParams p = SmallParams();
  p.rounds = 60;
  auto outcome = TrainGradientBoosting(train, nullptr, p);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->rounds, 60);
  EXPECT_TRUE(outcome->valid_aucpr.empty());
  auto e = TreeEnsemble::FromXgboostJson(outcome->model_json);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->num_trees(), 60);
  EXPECT_EQ(e->num_features(), 12);
  const double auc = RocAuc(Scores(*e, test), Labels(test));
  EXPECT_GT(auc, 0.85) << auc;
  // A shuffled-label model is no better than chance: the AUC above is learning.
  Dataset shuffled = train;
  std::rotate(shuffled.labels.begin(), shuffled.labels.begin() + 1234, shuffled.labels.end());
  auto noise = TrainGradientBoosting(shuffled, nullptr, p);
  ASSERT_TRUE(noise.ok());
  auto ne = TreeEnsemble::FromXgboostJson(noise->model_json);
  ASSERT_TRUE(ne.ok());
  EXPECT_LT(RocAuc(Scores(*ne, test), Labels(test)), 0.65);
}

TEST(TrainerTest, SameSeedSameModel) {
  const Dataset train = testing::MakeSyntheticDataset(5000, 10, 4);
  TrainParams p = SmallParams();
  p.threads = 2;  // deterministic with parallel histogram building too
  auto a = TrainGradientBoosting(train, nullptr, p);
  auto b = TrainGradientBoosting(train, nullptr, p);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->model_json, b->model_json);
  // subsample and colsample draw from the seed: another seed grows other trees.
  p.seed = 4;
  auto c = TrainGradientBoosting(train, nullptr, p);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->model_json, c->model_json);
}

TEST(TrainerTest, EarlyStoppingKeepsTheBestRounds) {
  const Dataset train = testing::MakeSyntheticDataset(4000, 10, 5);
  const Dataset valid = testing::MakeSyntheticDataset(3000, 10, 6);
  TrainParams p = SmallParams();
  p.rounds = 300;
  p.eta = 0.5;
  p.max_depth = 6;
  p.early_stopping_rounds = 8;
  auto outcome = TrainGradientBoosting(train, &valid, p);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  const std::vector<double>& curve = outcome->valid_aucpr;
  ASSERT_FALSE(curve.empty());
  ASSERT_LT(curve.size(), 300u) << "did not stop early";
  // The best round is the first maximum; training ran exactly 8 rounds past it.
  const auto best = static_cast<int>(std::max_element(curve.begin(), curve.end()) - curve.begin());
  EXPECT_EQ(outcome->rounds, best + 1);
  EXPECT_EQ(static_cast<int>(curve.size()), best + 1 + 8);
  for (const double v : curve) EXPECT_TRUE(v > 0 && v <= 1) << v;

  auto e = TreeEnsemble::FromXgboostJson(outcome->model_json);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->num_trees(), best + 1);

  // The kept trees are the first best+1 trees of the same training run to the end.
  TrainParams full = p;
  full.early_stopping_rounds = 0;
  full.rounds = static_cast<int>(curve.size());
  auto all = TrainGradientBoosting(train, &valid, full);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->valid_aucpr, curve);
  const json kept = json::parse(outcome->model_json);
  const json whole = json::parse(all->model_json);
  const json& kept_trees = kept["learner"]["gradient_booster"]["model"]["trees"];
  const json& whole_trees = whole["learner"]["gradient_booster"]["model"]["trees"];
  ASSERT_EQ(kept_trees.size(), static_cast<size_t>(best + 1));
  for (size_t t = 0; t < kept_trees.size(); ++t) {
    json a = kept_trees[t];
    json b = whole_trees[t];
    a.erase("id");
    b.erase("id");
    EXPECT_EQ(a, b) << "tree " << t;
  }
  // The sliced model is still a complete XGBoost model: XGBoost loads it and agrees.
  auto booster = XgboostBooster::Load(outcome->model_json);
  ASSERT_TRUE(booster.ok()) << booster.status().ToString();
  std::vector<float> expected;
  ASSERT_EQ(
      (*booster)->Predict(valid.values.data(), valid.rows(), valid.cols, &expected).ToString(),
      "OK");
  const std::vector<double> ours = Scores(*e, valid);
  for (size_t r = 0; r < valid.rows(); ++r) ASSERT_NEAR(ours[r], expected[r], 1e-6) << r;
}

TEST(TrainerTest, ValidationCurveWithoutEarlyStoppingCoversEveryRound) {
  const Dataset train = testing::MakeSyntheticDataset(3000, 10, 7);
  const Dataset valid = testing::MakeSyntheticDataset(2000, 10, 8);
  auto outcome = TrainGradientBoosting(train, &valid, SmallParams());
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->valid_aucpr.size(), 30u);
  EXPECT_EQ(outcome->rounds, 30);
}

double SavedScalePosWeight(const std::string& model_json) {
  const json doc = json::parse(model_json);
  return std::stod(
      doc["learner"]["objective"]["reg_loss_param"]["scale_pos_weight"].get<std::string>());
}

TEST(TrainerTest, AutomaticPositiveWeightIsNegativesOverPositivesCappedAtFifty) {
  Dataset d = testing::MakeSyntheticDataset(2000, 8, 9);
  TrainParams p = SmallParams();
  p.rounds = 2;
  // 10% positives: weight 9.
  for (size_t i = 0; i < d.rows(); ++i) d.labels[i] = i % 10 == 0 ? 1.0f : 0.0f;
  auto a = TrainGradientBoosting(d, nullptr, p);
  ASSERT_TRUE(a.ok());
  EXPECT_NEAR(SavedScalePosWeight(a->model_json), 9.0, 1e-5);
  // 0.5% positives: 199, capped at 50.
  for (size_t i = 0; i < d.rows(); ++i) d.labels[i] = i % 200 == 0 ? 1.0f : 0.0f;
  auto b = TrainGradientBoosting(d, nullptr, p);
  ASSERT_TRUE(b.ok());
  EXPECT_NEAR(SavedScalePosWeight(b->model_json), 50.0, 1e-5);
  // An explicit weight is used as given.
  p.scale_pos_weight = 3.5;
  auto c = TrainGradientBoosting(d, nullptr, p);
  ASSERT_TRUE(c.ok());
  EXPECT_NEAR(SavedScalePosWeight(c->model_json), 3.5, 1e-5);
}

void ExpectInvalid(const Result<TrainOutcome>& r, const std::string& needle) {
  ASSERT_FALSE(r.ok()) << "wanted an error about " << needle;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(TrainerTest, BadSetsAreRejected) {
  const Dataset good = testing::MakeSyntheticDataset(500, 8, 10);
  const TrainParams p = SmallParams();
  ExpectInvalid(TrainGradientBoosting(Dataset{}, nullptr, p), "no rows");
  Dataset d = good;
  d.values.pop_back();
  ExpectInvalid(TrainGradientBoosting(d, nullptr, p), "values for 500 rows");
  d = good;
  d.labels[3] = 2.0f;
  ExpectInvalid(TrainGradientBoosting(d, nullptr, p), "row 3 is not 0 or 1");
  d = good;
  d.labels[4] = std::numeric_limits<float>::quiet_NaN();
  ExpectInvalid(TrainGradientBoosting(d, nullptr, p), "row 4");
  d = good;
  std::fill(d.labels.begin(), d.labels.end(), 0.0f);
  ExpectInvalid(TrainGradientBoosting(d, nullptr, p), "no positive");
  std::fill(d.labels.begin(), d.labels.end(), 1.0f);
  ExpectInvalid(TrainGradientBoosting(d, nullptr, p), "no negative");
  const Dataset other = testing::MakeSyntheticDataset(100, 9, 10);
  ExpectInvalid(TrainGradientBoosting(good, &other, p), "valid set has 9 columns");
  Dataset no_positive = good;
  std::fill(no_positive.labels.begin(), no_positive.labels.end(), 0.0f);
  ExpectInvalid(TrainGradientBoosting(good, &no_positive, p), "valid set: no positive");
}

TEST(TrainerTest, BadParametersAreRejected) {
  const Dataset d = testing::MakeSyntheticDataset(300, 8, 10);
  auto with = [&](auto edit) {
    TrainParams p = SmallParams();
    edit(p);
    return TrainGradientBoosting(d, nullptr, p);
  };
  ExpectInvalid(with([](TrainParams& p) { p.rounds = 0; }), "rounds");
  ExpectInvalid(with([](TrainParams& p) { p.max_depth = 0; }), "max_depth");
  ExpectInvalid(with([](TrainParams& p) { p.eta = 0; }), "eta");
  ExpectInvalid(with([](TrainParams& p) { p.eta = std::nan(""); }), "eta");
  ExpectInvalid(with([](TrainParams& p) { p.subsample = 1.5; }), "subsample");
  ExpectInvalid(with([](TrainParams& p) { p.colsample_bytree = 0; }), "colsample_bytree");
  ExpectInvalid(with([](TrainParams& p) { p.min_child_weight = -1; }), "min_child_weight");
  ExpectInvalid(with([](TrainParams& p) { p.lambda = INFINITY; }), "lambda");
  ExpectInvalid(with([](TrainParams& p) { p.scale_pos_weight = -2; }), "scale_pos_weight");
  ExpectInvalid(with([](TrainParams& p) { p.max_bin = 1; }), "max_bin");
  ExpectInvalid(with([](TrainParams& p) { p.threads = -1; }), "threads");
  ExpectInvalid(with([](TrainParams& p) { p.seed = ~uint64_t{0}; }), "seed");
  ExpectInvalid(with([](TrainParams& p) { p.early_stopping_rounds = 5; }), "valid set");
}

TEST(TrainerTest, InfiniteValuesAreRejected) {
  Dataset d = testing::MakeSyntheticDataset(300, 8, 10);
  d.values[17] = -std::numeric_limits<float>::infinity();
  ExpectInvalid(TrainGradientBoosting(d, nullptr, SmallParams()), "row 2 column 1 is infinite");
}

TEST(TrainerTest, BoosterLoadRejectsGarbage) {
  for (const char* text : {"", "{", "not json", "{\"learner\": 3}"}) {
    auto b = XgboostBooster::Load(text);
    ASSERT_FALSE(b.ok()) << text;
    EXPECT_EQ(b.status().code(), StatusCode::kInternal);
    EXPECT_NE(b.status().message().find("XGBoosterLoadModelFromBuffer"), std::string::npos);
    // XGBoost's message, without its stack trace.
    EXPECT_EQ(b.status().message().find("Stack trace"), std::string::npos);
  }
}

TEST(TrainerTest, BoosterPredictRejectsAColumnCountMismatch) {
  const Dataset d = testing::MakeSyntheticDataset(300, 8, 10);
  TrainParams p = SmallParams();
  p.rounds = 2;
  auto outcome = TrainGradientBoosting(d, nullptr, p);
  ASSERT_TRUE(outcome.ok());
  auto b = XgboostBooster::Load(outcome->model_json);
  ASSERT_TRUE(b.ok());
  std::vector<float> out;
  const std::vector<float> rows(size_t{9} * 2, 0.0f);
  const Status s = (*b)->Predict(rows.data(), 2, 9, &out);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ((*b)->Predict(rows.data(), 2, 8, &out).ToString(), "OK");
  EXPECT_EQ(out.size(), 2u);
  EXPECT_FALSE((*b)->SetThreads(0).ok());
  EXPECT_TRUE((*b)->SetThreads(1).ok());
}

}  // namespace
}  // namespace panorama::models
