// The native evaluator against XGBoost itself: a real model trained on the synthetic set,
// predictions on held-out rows (single row and batch), rows that sit exactly on split
// thresholds, missing and extreme values, and Saabas contributions against XGBoost's approx
// contributions. Hand-built models pin down the split semantics node by node.
#include "models/tree_ensemble.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "models/model_data.h"
#include "models/xgboost_trainer.h"

namespace panorama::models {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

class TrainedModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const Dataset train = testing::MakeSyntheticDataset(20000, 30, 11);
    TrainParams params;
    params.rounds = 100;
    params.max_depth = 6;
    params.threads = 1;
    params.seed = 7;
    auto outcome = TrainGradientBoosting(train, nullptr, params);
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    model_json_ = new std::string(outcome->model_json);
    holdout_ = new Dataset(testing::MakeSyntheticDataset(5000, 30, 12));
  }
  static void TearDownTestSuite() {
    delete model_json_;
    delete holdout_;
  }
  void SetUp() override {
    auto ensemble = TreeEnsemble::FromXgboostJson(*model_json_);
    ASSERT_TRUE(ensemble.ok()) << ensemble.status().ToString();
    ensemble_ = std::move(*ensemble);
    auto booster = XgboostBooster::Load(*model_json_);
    ASSERT_TRUE(booster.ok()) << booster.status().ToString();
    booster_ = std::move(*booster);
  }

  static std::string* model_json_;
  static Dataset* holdout_;
  TreeEnsemble ensemble_;
  std::unique_ptr<XgboostBooster> booster_;
};
std::string* TrainedModelTest::model_json_ = nullptr;
Dataset* TrainedModelTest::holdout_ = nullptr;

TEST_F(TrainedModelTest, ShapeMatchesTheTrainedModel) {
  EXPECT_EQ(ensemble_.num_features(), 30);
  EXPECT_EQ(ensemble_.num_trees(), 100);
  EXPECT_EQ(ensemble_.base_margin(), 0.0);  // base_score 0.5
  EXPECT_GT(ensemble_.nodes().size(), 100u * 20);
}

TEST_F(TrainedModelTest, SingleRowPredictionsEqualXgboost) {
  const Dataset& h = *holdout_;
  std::vector<float> expected;
  const Status ps = booster_->Predict(h.values.data(), h.rows(), h.cols, &expected);
  ASSERT_TRUE(ps.ok()) << ps.ToString();
  ASSERT_EQ(expected.size(), h.rows());
  double max_diff = 0;
  size_t exact = 0;
  for (size_t r = 0; r < h.rows(); ++r) {
    const double p = ensemble_.Predict({&h.values[r * h.cols], h.cols});
    max_diff = std::max(max_diff, std::abs(p - expected[r]));
    exact += p == static_cast<double>(expected[r]) ? 1 : 0;
  }
  EXPECT_LE(max_diff, 1e-6);
  // Same float32 arithmetic in the same order: bit-identical in practice.
  EXPECT_EQ(exact, h.rows()) << "max diff " << max_diff;
}

TEST_F(TrainedModelTest, SingleRowXgboostCallsAgreeWithItsBatch) {
  const Dataset& h = *holdout_;
  std::vector<float> one;
  for (size_t r = 0; r < 50; ++r) {
    ASSERT_EQ(booster_->Predict(&h.values[r * h.cols], 1, h.cols, &one).ToString(), "OK");
    ASSERT_EQ(one.size(), 1u);
    EXPECT_NEAR(ensemble_.Predict({&h.values[r * h.cols], h.cols}), one[0], 1e-6) << r;
  }
}

TEST_F(TrainedModelTest, MarginsEqualXgboost) {
  const Dataset& h = *holdout_;
  std::vector<float> expected;
  ASSERT_EQ(booster_->PredictMargin(h.values.data(), h.rows(), h.cols, &expected).ToString(), "OK");
  double max_diff = 0;
  for (size_t r = 0; r < h.rows(); ++r) {
    max_diff = std::max(
        max_diff, std::abs(ensemble_.PredictMargin({&h.values[r * h.cols], h.cols}) - expected[r]));
  }
  EXPECT_LE(max_diff, 1e-5);
}

TEST_F(TrainedModelTest, BatchEqualsSingleRowAndXgboost) {
  const Dataset& h = *holdout_;
  // An odd count exercises the partial last block.
  const size_t n = 4999;
  std::vector<double> batch(n, -1.0);
  ensemble_.PredictBatch(h.values.data(), n, batch.data());
  std::vector<float> expected;
  ASSERT_EQ(booster_->Predict(h.values.data(), n, h.cols, &expected).ToString(), "OK");
  double max_diff = 0;
  for (size_t r = 0; r < n; ++r) {
    ASSERT_EQ(batch[r], ensemble_.Predict({&h.values[r * h.cols], h.cols})) << r;
    max_diff = std::max(max_diff, std::abs(batch[r] - expected[r]));
  }
  EXPECT_LE(max_diff, 1e-6);
}

// Batch sizes around the block (32 rows) and lock-step group (16 rows) boundaries.
TEST_F(TrainedModelTest, BatchesOfEverySizeEqualSingleRows) {
  const Dataset& h = *holdout_;
  for (const size_t n : {1, 2, 15, 16, 17, 31, 32, 33, 48, 55, 64, 97}) {
    std::vector<double> batch(n + 1, -1.0);
    ensemble_.PredictBatch(&h.values[h.cols], n, batch.data());
    for (size_t r = 0; r < n; ++r) {
      ASSERT_EQ(batch[r], ensemble_.Predict({&h.values[(r + 1) * h.cols], h.cols})) << n;
    }
    EXPECT_EQ(batch[n], -1.0);  // nothing written past n
  }
}

TEST_F(TrainedModelTest, BatchOfZeroRowsWritesNothing) {
  double out = -1;
  ensemble_.PredictBatch(holdout_->values.data(), 0, &out);
  EXPECT_EQ(out, -1);
}

// Rows whose values are the model's own split thresholds (x == threshold must go right),
// the next float either side, missing values, infinities and extremes.
TEST_F(TrainedModelTest, ThresholdMissingAndExtremeRowsEqualXgboost) {
  const size_t cols = 30;
  std::vector<float> rows;
  std::mt19937_64 rng(5);
  std::vector<std::vector<float>> thresholds(cols);
  for (const auto& node : ensemble_.nodes()) {
    if (!node.is_leaf())
      thresholds[static_cast<size_t>(node.feature())].push_back(node.threshold());
  }
  for (int variant = 0; variant < 3; ++variant) {
    for (int r = 0; r < 400; ++r) {
      for (size_t c = 0; c < cols; ++c) {
        float v = kNaN;
        if (!thresholds[c].empty() && rng() % 8 != 0) {
          v = thresholds[c][rng() % thresholds[c].size()];
          if (variant == 1) v = std::nextafter(v, -kInf);
          if (variant == 2) v = std::nextafter(v, kInf);
        }
        rows.push_back(v);
      }
    }
  }
  const float extremes[] = {kNaN,
                            kInf,
                            -kInf,
                            std::numeric_limits<float>::max(),
                            -std::numeric_limits<float>::max(),
                            std::numeric_limits<float>::denorm_min(),
                            0.0f,
                            -0.0f};
  for (const float e : extremes) rows.insert(rows.end(), cols, e);
  const size_t n = rows.size() / cols;
  std::vector<float> expected;
  ASSERT_EQ(booster_->Predict(rows.data(), n, cols, &expected).ToString(), "OK");
  for (size_t r = 0; r < n; ++r) {
    EXPECT_NEAR(ensemble_.Predict({&rows[r * cols], cols}), expected[r], 1e-6) << "row " << r;
  }
}

TEST_F(TrainedModelTest, ContributionsSumToTheMarginAndEqualXgboostApprox) {
  const Dataset& h = *holdout_;
  const size_t n = 1000;
  std::vector<float> expected;
  ASSERT_EQ(booster_->ApproxContributions(h.values.data(), n, h.cols, &expected).ToString(), "OK");
  ASSERT_EQ(expected.size(), n * (h.cols + 1));
  std::vector<double> contrib(h.cols + 1);
  double max_diff = 0;
  double max_sum_diff = 0;
  bool some_nonzero = false;
  for (size_t r = 0; r < n; ++r) {
    const std::span<const float> row(&h.values[r * h.cols], h.cols);
    const double margin = ensemble_.Contributions(row, contrib);
    // The margin it returns is PredictMargin's, bit for bit, and so is the probability.
    ASSERT_EQ(margin, ensemble_.PredictMargin(row)) << r;
    ASSERT_EQ(TreeEnsemble::Probability(margin), ensemble_.Predict(row)) << r;
    double sum = 0;
    for (size_t c = 0; c <= h.cols; ++c) {
      sum += contrib[c];
      max_diff = std::max(max_diff, std::abs(contrib[c] - expected[r * (h.cols + 1) + c]));
      some_nonzero = some_nonzero || (c < h.cols && contrib[c] != 0);
    }
    max_sum_diff = std::max(max_sum_diff, std::abs(sum - ensemble_.PredictMargin(row)));
  }
  EXPECT_TRUE(some_nonzero);
  EXPECT_LE(max_diff, 1e-5);
  EXPECT_LE(max_sum_diff, 1e-5);
}

TEST_F(TrainedModelTest, FeaturesTheRuleIgnoresContributeLittle) {
  // Columns 9.. are noise: their mean absolute share is far below the rule's columns'.
  const Dataset& h = *holdout_;
  std::vector<double> contrib(h.cols + 1);
  std::vector<double> mean_abs(h.cols, 0.0);
  for (size_t r = 0; r < 2000; ++r) {
    ensemble_.Contributions({&h.values[r * h.cols], h.cols}, contrib);
    for (size_t c = 0; c < h.cols; ++c) mean_abs[c] += std::abs(contrib[c]);
  }
  const double noise = *std::max_element(mean_abs.begin() + 9, mean_abs.end());
  EXPECT_GT(mean_abs[0], 3 * noise);
  EXPECT_GT(mean_abs[2], 3 * noise);
}

TEST_F(TrainedModelTest, ShortRowOrContributionBufferGivesNaN) {
  const std::vector<float> short_row(10, 0.0f);
#ifdef NDEBUG
  EXPECT_TRUE(std::isnan(ensemble_.Predict(short_row)));
  EXPECT_TRUE(std::isnan(ensemble_.PredictMargin(short_row)));
  std::vector<double> contrib(31, 0.0);
  EXPECT_TRUE(std::isnan(ensemble_.Contributions(short_row, contrib)));
  EXPECT_TRUE(std::isnan(contrib[0]));
#else
  EXPECT_DEATH(ensemble_.Predict(short_row), "");
#endif
}

TEST(TreeEnsembleTest, DefaultEnsemblePredictsOneHalf) {
  const TreeEnsemble e;
  EXPECT_EQ(e.num_trees(), 0);
  EXPECT_EQ(e.Predict({}), 0.5);
}

// x < threshold goes left, x == threshold right, NaN where the node says.
TEST(TreeEnsembleTest, SplitSemanticsOfAStump) {
  for (const bool default_left : {true, false}) {
    const std::string json =
        testing::MakeXgboostJson(2, 0.5, {testing::Stump(1, 2.5, -1.0, 1.0, default_left)});
    auto e = TreeEnsemble::FromXgboostJson(json);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    const float below[] = {100.0f, 2.4999998f};
    const float equal[] = {-100.0f, 2.5f};
    const float above[] = {0.0f, 3.0f};
    const float missing[] = {0.0f, kNaN};
    EXPECT_EQ(e->PredictMargin(below), -1.0);
    EXPECT_EQ(e->PredictMargin(equal), 1.0);
    EXPECT_EQ(e->PredictMargin(above), 1.0);
    EXPECT_EQ(e->PredictMargin(missing), default_left ? -1.0 : 1.0);
    EXPECT_FLOAT_EQ(static_cast<float>(e->Predict(below)), 1.0f / (1.0f + std::exp(1.0f)));
  }
}

// Zeros of either sign are equal, denormals and infinities order as floats do: the integer
// keys agree with XGBoost's float comparison at every edge.
TEST(TreeEnsembleTest, SignedZerosDenormalsAndInfinitiesCompareAsFloats) {
  const float denorm = std::numeric_limits<float>::denorm_min();
  const float inputs[] = {0.0f,
                          -0.0f,
                          denorm,
                          -denorm,
                          kInf,
                          -kInf,
                          kNaN,
                          1e-38f,
                          -1e-38f,
                          std::numeric_limits<float>::max(),
                          -std::numeric_limits<float>::max()};
  std::vector<testing::HandTree> trees;
  const double thresholds[] = {0.0, -0.0, denorm, -denorm, 1e-38, -1e-38, 3e38, -3e38};
  for (size_t i = 0; i < std::size(thresholds); ++i) {
    // Leaf values are powers of two, so the margin tells which way every stump went.
    trees.push_back(
        testing::Stump(0, thresholds[i], 0.0, std::ldexp(1.0, static_cast<int>(i)), i % 2 == 0));
  }
  const std::string json = testing::MakeXgboostJson(1, 0.5, trees);
  auto e = TreeEnsemble::FromXgboostJson(json);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto booster = XgboostBooster::Load(json);
  ASSERT_TRUE(booster.ok()) << booster.status().ToString();
  std::vector<float> margins;
  ASSERT_EQ((*booster)->PredictMargin(inputs, std::size(inputs), 1, &margins).ToString(), "OK");
  for (size_t r = 0; r < std::size(inputs); ++r) {
    const float x = inputs[r];
    float expected = 0;
    for (size_t i = 0; i < std::size(thresholds); ++i) {
      const bool left = std::isnan(x) ? i % 2 == 0 : x < static_cast<float>(thresholds[i]);
      expected += left ? 0.0f : std::ldexp(1.0f, static_cast<int>(i));
    }
    EXPECT_EQ(e->PredictMargin({&inputs[r], 1}), static_cast<double>(expected)) << x;
    EXPECT_EQ(static_cast<double>(margins[r]), static_cast<double>(expected)) << x;
  }
  EXPECT_EQ(TreeEnsemble::FloatKey(-0.0f), TreeEnsemble::FloatKey(0.0f));
  EXPECT_LT(TreeEnsemble::FloatKey(-denorm), TreeEnsemble::FloatKey(0.0f));
  EXPECT_LT(TreeEnsemble::FloatKey(-kInf), TreeEnsemble::FloatKey(-3e38f));
  EXPECT_GT(TreeEnsemble::FloatKey(kInf), TreeEnsemble::FloatKey(3e38f));
  EXPECT_GT(TreeEnsemble::FloatKey(-kInf), INT32_MIN);
  EXPECT_LT(TreeEnsemble::FloatKey(kInf), INT32_MAX);
}

// Models wider than the key buffer compute each key where it is read: same results.
TEST(TreeEnsembleTest, WideModelsGiveTheSameResultsAsXgboost) {
  constexpr int kCols = 3000;
  std::mt19937_64 rng(17);
  std::vector<testing::HandTree> trees;
  for (int i = 0; i < 45; ++i) {
    testing::HandTree t;
    t.left = {1, 3, -1, -1, -1};
    t.right = {2, 4, -1, -1, -1};
    t.split_index = {static_cast<int64_t>(rng() % kCols), static_cast<int64_t>(rng() % kCols), 0, 0,
                     0};
    t.default_left = {static_cast<int64_t>(rng() % 2), static_cast<int64_t>(rng() % 2), 0, 0, 0};
    t.split_condition = {0.1, -0.2, 0.03 * i, -0.01 * i, 0.02};
    t.sum_hessian = {4, 3, 1, 2, 1};
    trees.push_back(t);
  }
  const std::string json = testing::MakeXgboostJson(kCols, 0.3, trees);
  auto e = TreeEnsemble::FromXgboostJson(json);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto booster = XgboostBooster::Load(json);
  ASSERT_TRUE(booster.ok()) << booster.status().ToString();
  constexpr size_t kRows = 70;
  std::normal_distribution<float> normal;
  std::vector<float> rows(kRows * kCols);
  for (float& v : rows) v = rng() % 5 == 0 ? kNaN : normal(rng);
  std::vector<float> expected;
  ASSERT_EQ((*booster)->Predict(rows.data(), kRows, kCols, &expected).ToString(), "OK");
  std::vector<float> contribs;
  ASSERT_EQ((*booster)->ApproxContributions(rows.data(), kRows, kCols, &contribs).ToString(), "OK");
  std::vector<double> batch(kRows);
  e->PredictBatch(rows.data(), kRows, batch.data());
  std::vector<double> c(kCols + 1);
  for (size_t r = 0; r < kRows; ++r) {
    const std::span<const float> row(&rows[r * kCols], kCols);
    EXPECT_EQ(e->Predict(row), static_cast<double>(expected[r])) << r;
    EXPECT_EQ(batch[r], static_cast<double>(expected[r])) << r;
    e->Contributions(row, c);
    for (size_t k = 0; k <= kCols; ++k) {
      ASSERT_NEAR(c[k], contribs[r * (kCols + 1) + k], 1e-6) << r << " " << k;
    }
  }
}

TEST(TreeEnsembleTest, BaseScoreIsTheStartingMargin) {
  const std::string json =
      testing::MakeXgboostJson(1, 0.2, {testing::Stump(0, 0.0, 0.25, -0.5, true)});
  auto e = TreeEnsemble::FromXgboostJson(json);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  const float base = -std::log(1.0f / 0.2f - 1.0f);
  EXPECT_EQ(e->base_margin(), static_cast<double>(base));
  const float x[] = {-1.0f};
  EXPECT_EQ(e->PredictMargin(x), static_cast<double>(base + 0.25f));
}

// A hand-built deeper, lopsided tree and several trees: the native result equals XGBoost's
// for the very same JSON text, and contributions follow Saabas' rule by hand.
TEST(TreeEnsembleTest, HandBuiltModelEqualsXgboostAndSaabasByHand) {
  testing::HandTree t;
  // node 0: x0 < 1 ? node 1 : node 2 (missing left)
  // node 1: leaf 0.5 (cover 3)
  // node 2: x1 < 0 ? node 3 : node 4 (missing right)
  // node 3: leaf -1 (cover 1), node 4: leaf 2 (cover 1)
  t.left = {1, -1, 3, -1, -1};
  t.right = {2, -1, 4, -1, -1};
  t.split_index = {0, 0, 1, 0, 0};
  t.default_left = {1, 0, 0, 0, 0};
  t.split_condition = {1.0, 0.5, 0.0, -1.0, 2.0};
  t.sum_hessian = {5, 3, 2, 1, 1};
  const std::string json =
      testing::MakeXgboostJson(2, 0.5, {t, testing::Stump(1, 5.0, 0.125, -0.125, false, 4, 1)});
  auto e = TreeEnsemble::FromXgboostJson(json);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->num_trees(), 2);

  // Means: node 2 = (-1 * 1 + 2 * 1) / 2 = 0.5; root = (0.5 * 3 + 0.5 * 2) / 5 = 0.5.
  // Stump root = (0.125 * 4 - 0.125 * 1) / 5 = 0.075.
  const float row[] = {2.0f, -3.0f};  // tree 1: root -> node 2 -> node 3; stump: left
  std::vector<double> c(3);
  e->Contributions(row, c);
  EXPECT_NEAR(c[0], 0.5 - 0.5, 1e-7);
  EXPECT_NEAR(c[1], (-1.0 - 0.5) + (0.125 - 0.075), 1e-7);
  EXPECT_NEAR(c[2], 0.0 + 0.5 + 0.075, 1e-7);
  EXPECT_NEAR(c[0] + c[1] + c[2], e->PredictMargin(row), 1e-6);
  EXPECT_EQ(e->PredictMargin(row), -1.0 + 0.125);

  auto booster = XgboostBooster::Load(json);
  ASSERT_TRUE(booster.ok()) << booster.status().ToString();
  const float rows[] = {2.0f, -3.0f, 0.0f, 9.0f, kNaN, kNaN, 1.0f, 0.0f, 2.0f, kNaN};
  std::vector<float> expected;
  ASSERT_EQ((*booster)->Predict(rows, 5, 2, &expected).ToString(), "OK");
  for (size_t r = 0; r < 5; ++r) {
    EXPECT_EQ(e->Predict({&rows[r * 2], 2}), static_cast<double>(expected[r])) << r;
  }
  std::vector<float> contribs;
  ASSERT_EQ((*booster)->ApproxContributions(rows, 5, 2, &contribs).ToString(), "OK");
  for (size_t r = 0; r < 5; ++r) {
    e->Contributions({&rows[r * 2], 2}, c);
    for (size_t k = 0; k < 3; ++k) EXPECT_NEAR(c[k], contribs[r * 3 + k], 1e-6) << r << " " << k;
  }
}

TEST(TreeEnsembleTest, FlattenedChildrenAreAdjacentAndLeavesStepOntoThemselves) {
  testing::HandTree t;
  // The right child is listed before the left one in XGBoost's arrays.
  t.left = {2, -1, -1};
  t.right = {1, -1, -1};
  t.split_index = {0, 0, 0};
  t.default_left = {0, 0, 0};
  t.split_condition = {0.0, 7.0, 3.0};
  t.sum_hessian = {2, 1, 1};
  auto e = TreeEnsemble::FromXgboostJson(testing::MakeXgboostJson(1, 0.5, {t}));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  const auto nodes = e->nodes();
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_FALSE(nodes[0].is_leaf());
  EXPECT_EQ(nodes[0].right(), nodes[0].left() + 1);
  EXPECT_EQ(nodes[nodes[0].left()].value, 3.0f);  // XGBoost's left child (node 2)
  EXPECT_EQ(nodes[nodes[0].right()].value, 7.0f);
  EXPECT_EQ(nodes[0].value, 5.0f);  // (3 * 1 + 7 * 1) / 2
  for (uint32_t i = 1; i < 3; ++i) {
    EXPECT_TRUE(nodes[i].is_leaf());
    EXPECT_EQ(nodes[i].right(), i);  // a step stays on it
    EXPECT_EQ(nodes[i].feature(), -1);
  }
  const float neg[] = {-1.0f};
  EXPECT_EQ(e->PredictMargin(neg), 3.0);
}

TEST(TreeEnsembleTest, UnreachableNodesAreDropped) {
  testing::HandTree t = testing::Stump(0, 0.0, 1.0, 2.0, true);
  // Node 3 is left over (as XGBoost's deleted nodes are): nothing points at it.
  t.left.push_back(-1);
  t.right.push_back(-1);
  t.split_index.push_back(0);
  t.default_left.push_back(0);
  t.split_condition.push_back(99.0);
  t.sum_hessian.push_back(1.0);
  auto e = TreeEnsemble::FromXgboostJson(testing::MakeXgboostJson(1, 0.5, {t}));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->nodes().size(), 3u);
}

// Many trees with a mix of depths (single leaves, stumps, deeper) so that both the grouped
// lock-step walk and the remainder walk are used, against a plain reference walk.
TEST(TreeEnsembleTest, GroupedWalkEqualsAPlainWalk) {
  std::mt19937_64 rng(3);
  std::vector<testing::HandTree> trees;
  for (int i = 0; i < 37; ++i) {
    testing::HandTree t;
    const int kind = static_cast<int>(rng() % 3);
    if (kind == 0) {  // a lone leaf
      t.left = {-1};
      t.right = {-1};
      t.split_index = {0};
      t.default_left = {0};
      t.split_condition = {0.01 * i};
      t.sum_hessian = {1};
    } else if (kind == 1) {
      t = testing::Stump(static_cast<int>(rng() % 4), 0.1 * static_cast<double>(rng() % 10), -0.1,
                         0.2, rng() % 2 == 0);
    } else {  // depth 4, lopsided: leaves at depths 1, 2, 3 and 4
      t.left = {1, 3, -1, 5, -1, 7, -1, -1, -1};
      t.right = {2, 4, -1, 6, -1, 8, -1, -1, -1};
      t.split_index = {0, 1, 0, 2, 0, 3, 0, 0, 0};
      t.default_left = {1, 0, 0, 1, 0, 0, 0, 0, 0};
      t.split_condition = {0.5, 0.4, 0.3, 0.2, -0.2, 0.1, 0.05, -0.05, 0.15};
      t.sum_hessian = {9, 7, 2, 5, 2, 3, 2, 2, 1};
    }
    trees.push_back(t);
  }
  const std::string json = testing::MakeXgboostJson(4, 0.5, trees);
  auto e = TreeEnsemble::FromXgboostJson(json);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto booster = XgboostBooster::Load(json);
  ASSERT_TRUE(booster.ok());
  std::uniform_real_distribution<float> u(-0.2f, 1.0f);
  std::vector<float> rows;
  for (int r = 0; r < 300; ++r) {
    for (int c = 0; c < 4; ++c) rows.push_back(rng() % 7 == 0 ? kNaN : u(rng));
  }
  std::vector<float> expected;
  ASSERT_EQ((*booster)->Predict(rows.data(), 300, 4, &expected).ToString(), "OK");
  std::vector<double> batch(300);
  e->PredictBatch(rows.data(), 300, batch.data());
  for (size_t r = 0; r < 300; ++r) {
    // Reference: walk each tree with the public node view.
    float sum = static_cast<float>(e->base_margin());
    for (int t = 0; t < e->num_trees(); ++t) {
      uint32_t i = e->tree_root(t);
      while (!e->nodes()[i].is_leaf()) {
        const auto& n = e->nodes()[i];
        const float x = rows[r * 4 + static_cast<size_t>(n.feature())];
        const bool left = std::isnan(x) ? n.default_left() : x < n.threshold();
        i = left ? n.left() : n.right();
      }
      sum += e->nodes()[i].value;
    }
    EXPECT_EQ(e->PredictMargin({&rows[r * 4], 4}), static_cast<double>(sum)) << r;
    EXPECT_EQ(e->Predict({&rows[r * 4], 4}), static_cast<double>(expected[r])) << r;
    EXPECT_EQ(batch[r], static_cast<double>(expected[r])) << r;
  }
}

}  // namespace
}  // namespace panorama::models
