// Metrics over groups of tied scores: rows are sorted once by score (highest first, NaN
// scores last and tied with each other), and every quantity is accumulated per group of
// equal scores, so the input order of tied rows never matters.
#include "models/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

namespace panorama::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A strict weak order: higher scores first, NaN after every number.
bool Before(double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a > b;
}

bool Tied(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

std::vector<size_t> RankOrder(std::span<const double> scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return Before(scores[a], scores[b]); });
  return order;
}

struct Group {
  uint64_t positives = 0;
  uint64_t negatives = 0;
};

// Calls fn(group) for each group of tied scores, highest score first.
template <typename Fn>
void ForEachTieGroup(std::span<const double> scores, std::span<const int> labels,
                     const std::vector<size_t>& order, Fn fn) {
  size_t i = 0;
  while (i < order.size()) {
    Group g;
    const double s = scores[order[i]];
    for (; i < order.size() && Tied(scores[order[i]], s); ++i) {
      (labels[order[i]] != 0 ? g.positives : g.negatives) += 1;
    }
    fn(g);
  }
}

uint64_t CountPositives(std::span<const int> labels) {
  return static_cast<uint64_t>(
      std::count_if(labels.begin(), labels.end(), [](int l) { return l != 0; }));
}

}  // namespace

double RocAuc(std::span<const double> scores, std::span<const int> labels) {
  if (scores.size() != labels.size()) return kNaN;
  const uint64_t positives = CountPositives(labels);
  const uint64_t negatives = labels.size() - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  // Pairs (positive, negative) ordered correctly, ties counting one half: walking from the
  // highest score down, a group's positives beat every negative not yet seen.
  double correct = 0;
  uint64_t negatives_below = negatives;
  ForEachTieGroup(scores, labels, RankOrder(scores), [&](const Group& g) {
    negatives_below -= g.negatives;
    correct += static_cast<double>(g.positives) *
               (static_cast<double>(negatives_below) + 0.5 * static_cast<double>(g.negatives));
  });
  return correct / (static_cast<double>(positives) * static_cast<double>(negatives));
}

double AveragePrecision(std::span<const double> scores, std::span<const int> labels) {
  if (scores.size() != labels.size()) return kNaN;
  const uint64_t positives = CountPositives(labels);
  if (positives == 0) return kNaN;
  double ap = 0;
  uint64_t tp = 0;
  uint64_t fp = 0;
  ForEachTieGroup(scores, labels, RankOrder(scores), [&](const Group& g) {
    tp += g.positives;
    fp += g.negatives;
    if (g.positives == 0) return;  // recall does not move
    const double precision = static_cast<double>(tp) / static_cast<double>(tp + fp);
    ap += static_cast<double>(g.positives) / static_cast<double>(positives) * precision;
  });
  return ap;
}

AlertRateResult AtAlertRate(std::span<const double> scores, std::span<const int> labels,
                            double rate) {
  AlertRateResult r;
  r.rate = rate;
  r.threshold = std::numeric_limits<double>::infinity();
  r.precision = kNaN;
  if (scores.size() != labels.size()) {
    r.recall = kNaN;
    return r;
  }
  const uint64_t positives = CountPositives(labels);
  r.recall = positives == 0 ? kNaN : 0.0;
  const size_t n = scores.size();
  if (n == 0 || !(rate > 0)) return r;
  // The k highest-scored rows, k = ceil(rate * n) (a hair of slack so that 0.01 * 20000 is
  // 200, not 201), then every row tied with the k-th.
  const double want = std::ceil(std::min(rate, 1.0) * static_cast<double>(n) - 1e-9);
  const auto k = std::clamp(static_cast<size_t>(std::max(want, 1.0)), size_t{1}, n);
  const std::vector<size_t> order = RankOrder(scores);
  const double threshold = scores[order[k - 1]];
  size_t alerts = 0;
  uint64_t tp = 0;
  for (; alerts < n && (alerts < k || Tied(scores[order[alerts]], threshold)); ++alerts) {
    tp += labels[order[alerts]] != 0 ? 1 : 0;
  }
  r.alerts = alerts;
  r.threshold = threshold;
  r.precision = static_cast<double>(tp) / static_cast<double>(alerts);
  if (positives > 0) r.recall = static_cast<double>(tp) / static_cast<double>(positives);
  return r;
}

}  // namespace panorama::models
