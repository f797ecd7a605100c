// Metrics against hand-worked cases and against brute-force references (pairs for AUC, a
// threshold sweep for average precision, a sort for alert rates) on seeded random data
// with many ties.
#include "models/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <vector>

namespace panorama::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Fraction of (positive, negative) pairs ordered correctly, ties one half.
double BruteAuc(const std::vector<double>& s, const std::vector<int>& y) {
  double good = 0;
  double pairs = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (y[i] == 0) continue;
    for (size_t j = 0; j < s.size(); ++j) {
      if (y[j] != 0) continue;
      pairs += 1;
      good += s[i] > s[j] ? 1.0 : (s[i] == s[j] ? 0.5 : 0.0);
    }
  }
  return good / pairs;
}

// scikit-learn's definition: thresholds at each distinct score, highest first;
// AP = sum (R_k - R_{k-1}) * P_k.
double BruteAp(const std::vector<double>& s, const std::vector<int>& y) {
  std::set<double, std::greater<>> thresholds(s.begin(), s.end());
  double positives = 0;
  for (int l : y) positives += l != 0;
  double ap = 0;
  double prev_recall = 0;
  for (const double t : thresholds) {
    double tp = 0;
    double alerted = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] >= t) {
        alerted += 1;
        tp += y[i] != 0;
      }
    }
    const double recall = tp / positives;
    ap += (recall - prev_recall) * (tp / alerted);
    prev_recall = recall;
  }
  return ap;
}

struct Sample {
  std::vector<double> scores;
  std::vector<int> labels;
};

Sample RandomSample(std::mt19937_64& rng, size_t n, int levels, double positive_rate) {
  Sample s;
  std::uniform_real_distribution<double> u(0, 1);
  for (size_t i = 0; i < n; ++i) {
    const int label = u(rng) < positive_rate ? 1 : 0;
    // Scores on a coarse grid (ties), mildly informative.
    const double raw = u(rng) + 0.3 * label;
    s.scores.push_back(std::floor(raw * levels) / levels);
    s.labels.push_back(label);
  }
  return s;
}

TEST(MetricsTest, HandWorkedCase) {
  // scikit-learn's documentation example: roc_auc 0.75, average_precision 0.8333...
  const std::vector<double> s = {0.1, 0.4, 0.35, 0.8};
  const std::vector<int> y = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(RocAuc(s, y), 0.75);
  EXPECT_DOUBLE_EQ(AveragePrecision(s, y), (1.0 + 2.0 / 3.0) / 2.0);
}

TEST(MetricsTest, TiesAreRankedTogether) {
  // All scores equal: AUC one half, AP the positive rate (one threshold, all rows).
  const std::vector<double> s(10, 0.3);
  const std::vector<int> y = {1, 0, 0, 1, 0, 0, 0, 0, 1, 0};
  EXPECT_DOUBLE_EQ(RocAuc(s, y), 0.5);
  EXPECT_DOUBLE_EQ(AveragePrecision(s, y), 0.3);
  // A positive tied with a negative at the top: AP 0.5 there, not 1 or 0 by input order.
  const std::vector<double> s2 = {0.9, 0.9, 0.1};
  EXPECT_DOUBLE_EQ(AveragePrecision(s2, std::vector<int>{1, 0, 0}), 0.5);
  EXPECT_DOUBLE_EQ(AveragePrecision(s2, std::vector<int>{0, 1, 0}), 0.5);
  EXPECT_DOUBLE_EQ(RocAuc(s2, std::vector<int>{1, 0, 0}), 0.75);
  EXPECT_DOUBLE_EQ(RocAuc(s2, std::vector<int>{0, 1, 0}), 0.75);
}

TEST(MetricsTest, PerfectAndReversedRankings) {
  const std::vector<double> s = {0.9, 0.8, 0.2, 0.1};
  EXPECT_DOUBLE_EQ(RocAuc(s, std::vector<int>{1, 1, 0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(RocAuc(s, std::vector<int>{0, 0, 1, 1}), 0.0);
  EXPECT_DOUBLE_EQ(AveragePrecision(s, std::vector<int>{1, 1, 0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(AveragePrecision(s, std::vector<int>{0, 0, 1, 1}), (1.0 / 3 + 2.0 / 4) / 2);
}

TEST(MetricsTest, UndefinedCasesAreNaN) {
  const std::vector<double> s = {0.1, 0.2};
  EXPECT_TRUE(std::isnan(RocAuc(s, std::vector<int>{0, 0})));
  EXPECT_TRUE(std::isnan(RocAuc(s, std::vector<int>{1, 1})));
  EXPECT_FALSE(std::isnan(AveragePrecision(s, std::vector<int>{1, 1})));
  EXPECT_TRUE(std::isnan(AveragePrecision(s, std::vector<int>{0, 0})));
  EXPECT_TRUE(std::isnan(RocAuc(s, std::vector<int>{0})));
  EXPECT_TRUE(std::isnan(AveragePrecision(s, std::vector<int>{1})));
  EXPECT_TRUE(std::isnan(RocAuc({}, {})));
  EXPECT_TRUE(std::isnan(AtAlertRate(s, std::vector<int>{1}, 0.5).recall));
}

TEST(MetricsTest, NaNScoresRankLowest) {
  const std::vector<double> s = {kNaN, 0.5, kNaN, 0.1};
  const std::vector<int> y = {0, 1, 0, 1};
  EXPECT_DOUBLE_EQ(RocAuc(s, y), 1.0);
  EXPECT_DOUBLE_EQ(AveragePrecision(s, y), 1.0);
  const std::vector<int> y2 = {1, 0, 0, 0};
  EXPECT_DOUBLE_EQ(RocAuc(s, y2), 0.5 / 3);  // below both numbers, tied with the other NaN
}

TEST(MetricsTest, NonZeroLabelsArePositives) {
  const std::vector<double> s = {0.1, 0.4, 0.35, 0.8};
  EXPECT_DOUBLE_EQ(RocAuc(s, std::vector<int>{0, 0, 7, -1}), 0.75);
}

TEST(MetricsTest, AucAndApEqualBruteForceOnRandomTiedData) {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t n = 2 + rng() % 300;
    const int levels = 1 + static_cast<int>(rng() % 30);
    const double rate = 0.02 + 0.5 * static_cast<double>(rng() % 100) / 100.0;
    Sample s = RandomSample(rng, n, levels, rate);
    const int positives = static_cast<int>(std::count(s.labels.begin(), s.labels.end(), 1));
    if (positives == 0 || positives == static_cast<int>(n)) continue;
    EXPECT_NEAR(RocAuc(s.scores, s.labels), BruteAuc(s.scores, s.labels), 1e-12) << trial;
    EXPECT_NEAR(AveragePrecision(s.scores, s.labels), BruteAp(s.scores, s.labels), 1e-12) << trial;
  }
}

TEST(MetricsTest, InputOrderDoesNotMatter) {
  std::mt19937_64 rng(9);
  Sample s = RandomSample(rng, 500, 8, 0.1);
  const double auc = RocAuc(s.scores, s.labels);
  const double ap = AveragePrecision(s.scores, s.labels);
  const AlertRateResult at = AtAlertRate(s.scores, s.labels, 0.05);
  for (int k = 0; k < 5; ++k) {
    std::vector<size_t> perm(s.scores.size());
    for (size_t i = 0; i < perm.size(); ++i) perm[i] = i;
    std::shuffle(perm.begin(), perm.end(), rng);
    Sample t;
    for (const size_t i : perm) {
      t.scores.push_back(s.scores[i]);
      t.labels.push_back(s.labels[i]);
    }
    EXPECT_DOUBLE_EQ(RocAuc(t.scores, t.labels), auc);
    EXPECT_DOUBLE_EQ(AveragePrecision(t.scores, t.labels), ap);
    const AlertRateResult at2 = AtAlertRate(t.scores, t.labels, 0.05);
    EXPECT_EQ(at2.alerts, at.alerts);
    EXPECT_DOUBLE_EQ(at2.precision, at.precision);
  }
}

TEST(MetricsTest, AlertRateHandWorked) {
  const std::vector<double> s = {5, 4, 4, 3, 1, 0.5, 0.2, 0.1, 0.1, 0};
  const std::vector<int> y = {1, 0, 1, 1, 0, 0, 1, 0, 0, 0};
  // 10% of 10 rows: the top row.
  AlertRateResult r = AtAlertRate(s, y, 0.1);
  EXPECT_EQ(r.alerts, 1u);
  EXPECT_EQ(r.threshold, 5);
  EXPECT_DOUBLE_EQ(r.precision, 1.0);
  EXPECT_DOUBLE_EQ(r.recall, 0.25);
  // 20%: two rows, but the second ties with the third: three alerts.
  r = AtAlertRate(s, y, 0.2);
  EXPECT_EQ(r.alerts, 3u);
  EXPECT_EQ(r.threshold, 4);
  EXPECT_DOUBLE_EQ(r.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.recall, 0.5);
  // 15% rounds up to two rows.
  EXPECT_EQ(AtAlertRate(s, y, 0.15).alerts, 3u);
  // Everything.
  r = AtAlertRate(s, y, 1.0);
  EXPECT_EQ(r.alerts, 10u);
  EXPECT_DOUBLE_EQ(r.recall, 1.0);
  EXPECT_EQ(AtAlertRate(s, y, 7.0).alerts, 10u);
  // Nothing.
  r = AtAlertRate(s, y, 0.0);
  EXPECT_EQ(r.alerts, 0u);
  EXPECT_TRUE(std::isinf(r.threshold));
  EXPECT_TRUE(std::isnan(r.precision));
  EXPECT_EQ(r.recall, 0.0);
  EXPECT_EQ(AtAlertRate(s, y, kNaN).alerts, 0u);
  // A tiny rate still alerts one row.
  EXPECT_EQ(AtAlertRate(s, y, 1e-9).alerts, 1u);
}

TEST(MetricsTest, AlertRateOfExactShares) {
  // 0.01 * 20000 is 200.00000000000003 in double: still 200 rows.
  std::vector<double> s(20000);
  std::vector<int> y(20000, 0);
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<double>(i);
  EXPECT_EQ(AtAlertRate(s, y, 0.01).alerts, 200u);
  EXPECT_EQ(AtAlertRate(s, y, 0.07).alerts, 1400u);
  EXPECT_TRUE(std::isnan(AtAlertRate(s, y, 0.01).recall));
}

TEST(MetricsTest, AlertRateEqualsBruteForceOnRandomTiedData) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t n = 1 + rng() % 200;
    Sample s = RandomSample(rng, n, 1 + static_cast<int>(rng() % 20), 0.2);
    const double rate = static_cast<double>(rng() % 1000) / 999.0;
    const AlertRateResult r = AtAlertRate(s.scores, s.labels, rate);
    // Reference: sort a copy highest first, take the k-th, count rows at or above it.
    std::vector<double> sorted = s.scores;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    size_t k = static_cast<size_t>(std::ceil(rate * static_cast<double>(n) - 1e-9));
    if (rate <= 0) {
      EXPECT_EQ(r.alerts, 0u);
      continue;
    }
    k = std::clamp<size_t>(k, 1, n);
    const double threshold = sorted[k - 1];
    size_t alerts = 0;
    size_t tp = 0;
    size_t positives = 0;
    for (size_t i = 0; i < n; ++i) {
      positives += s.labels[i];
      if (s.scores[i] >= threshold) {
        ++alerts;
        tp += s.labels[i];
      }
    }
    EXPECT_EQ(r.alerts, alerts) << trial;
    EXPECT_EQ(r.threshold, threshold);
    EXPECT_DOUBLE_EQ(r.precision, static_cast<double>(tp) / static_cast<double>(alerts));
    if (positives > 0) {
      EXPECT_DOUBLE_EQ(r.recall, static_cast<double>(tp) / static_cast<double>(positives));
    } else {
      EXPECT_TRUE(std::isnan(r.recall));
    }
  }
}

}  // namespace
}  // namespace panorama::models
