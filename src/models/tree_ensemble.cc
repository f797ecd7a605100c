// TreeEnsemble inference: the single-row path walks kGroup trees in lock step (independent
// dependency chains the CPU overlaps); the batch path walks one tree over a block of rows
// (the tree's nodes stay in L1). Both sum leaf values in float32 in tree order, from the
// base margin, exactly as XGBoost's CPU predictor does, so outputs are bit-identical.
#include "models/tree_ensemble.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace panorama::models {
namespace {

using Node = TreeEnsemble::Node;

// One branch-free step: an internal node moves to a child, a leaf stays put.
inline uint32_t Step(const Node* nodes, uint32_t i, const float* row) {
  const Node& n = nodes[i];
  const float x = row[n.bits & Node::kFeatureMask];
  const uint32_t missing = std::isnan(x) ? 1u : 0u;
  const uint32_t go_left = (x < n.threshold ? 1u : 0u) | (missing & (n.bits >> 31));
  const uint32_t internal = (n.bits >> 30) & 1u;
  return n.left + ((go_left ^ 1u) & internal);
}

// XGBoost's common::Sigmoid, in float32.
inline float Sigmoid(float margin) { return 1.0f / (1.0f + std::exp(-margin)); }

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

float TreeEnsemble::SumLeaves(const float* row) const {
  const Node* nodes = nodes_.data();
  const uint32_t* roots = tree_roots_.data();
  float sum = base_margin_f_;
  size_t t = 0;
  for (const uint32_t group_depth : group_depths_) {
    uint32_t idx[kGroup];
    for (size_t k = 0; k < kGroup; ++k) idx[k] = roots[t + k];
    for (uint32_t d = 0; d < group_depth; ++d) {
#pragma GCC unroll 8
      for (size_t k = 0; k < kGroup; ++k) idx[k] = Step(nodes, idx[k], row);
    }
    for (size_t k = 0; k < kGroup; ++k) sum += nodes[idx[k]].value;
    t += kGroup;
  }
  for (; t < tree_roots_.size(); ++t) {
    uint32_t i = roots[t];
    for (uint32_t d = 0; d < tree_depths_[t]; ++d) i = Step(nodes, i, row);
    sum += nodes[i].value;
  }
  return sum;
}

double TreeEnsemble::PredictMargin(std::span<const float> row) const {
  assert(row.size() >= static_cast<size_t>(num_features_));
  if (row.size() < static_cast<size_t>(num_features_)) return kNaN;
  return SumLeaves(row.data());
}

double TreeEnsemble::Predict(std::span<const float> row) const {
  assert(row.size() >= static_cast<size_t>(num_features_));
  if (row.size() < static_cast<size_t>(num_features_)) return kNaN;
  return Sigmoid(SumLeaves(row.data()));
}

void TreeEnsemble::PredictBatch(const float* rows, size_t n, double* out) const {
  constexpr size_t kBlock = 64;
  const Node* nodes = nodes_.data();
  const auto cols = static_cast<size_t>(num_features_);
  for (size_t start = 0; start < n; start += kBlock) {
    const size_t m = std::min(kBlock, n - start);
    const float* block = rows + start * cols;
    float acc[kBlock];
    uint32_t idx[kBlock];
    std::fill_n(acc, m, base_margin_f_);
    for (size_t t = 0; t < tree_roots_.size(); ++t) {
      std::fill_n(idx, m, tree_roots_[t]);
      for (uint32_t d = 0; d < tree_depths_[t]; ++d) {
        for (size_t r = 0; r < m; ++r) idx[r] = Step(nodes, idx[r], block + r * cols);
      }
      for (size_t r = 0; r < m; ++r) acc[r] += nodes[idx[r]].value;
    }
    for (size_t r = 0; r < m; ++r) out[start + r] = Sigmoid(acc[r]);
  }
}

void TreeEnsemble::Contributions(std::span<const float> row, std::span<double> out) const {
  const auto cols = static_cast<size_t>(num_features_);
  assert(row.size() >= cols && out.size() == cols + 1);
  if (row.size() < cols || out.size() != cols + 1) {
    std::fill(out.begin(), out.end(), kNaN);
    return;
  }
  std::fill(out.begin(), out.end(), 0.0);
  const Node* nodes = nodes_.data();
  double bias = base_margin_;
  for (const uint32_t root : tree_roots_) {
    uint32_t i = root;
    bias += nodes[i].value;
    while (!nodes[i].is_leaf()) {
      const uint32_t next = Step(nodes, i, row.data());
      // As XGBoost's CalculateContributionsApprox: the change of expected value along the
      // path is credited to the split feature (in double: it cannot overflow).
      out[nodes[i].bits & Node::kFeatureMask] +=
          static_cast<double>(nodes[next].value) - static_cast<double>(nodes[i].value);
      i = next;
    }
  }
  out[cols] += bias;
}

}  // namespace panorama::models
