// TreeEnsemble inference. A row's values are first turned into integer keys (two per
// feature: NaN largest, NaN smallest; see Node), so that every traversal step is a load, an
// integer compare and an add. The single-row path walks kGroup trees in lock step
// (independent dependency chains the CPU overlaps); the batch path walks one tree over a
// block of rows (the tree's nodes stay in L1). Both sum leaf values in float32 in tree
// order, from the base margin, exactly as XGBoost's CPU predictor does, so outputs are
// bit-identical to XGBoost's.
#include "models/tree_ensemble.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <limits>

namespace panorama::models {
namespace {

using Node = TreeEnsemble::Node;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// An involution on the bits of a float: flips the magnitude bits of negative numbers, so
// that the signed integer order is the float order.
inline uint32_t FlipNegative(uint32_t bits) {
  return bits ^ (static_cast<uint32_t>(static_cast<int32_t>(bits) >> 31) & 0x7fffffffu);
}

inline int32_t KeyOf(float x) {
  // x + 0 turns -0 into +0 (and leaves every other value as it is).
  return static_cast<int32_t>(FlipNegative(std::bit_cast<uint32_t>(x + 0.0f)));
}

// keys[2f]: NaN is INT32_MAX (>= every threshold: goes right); keys[2f + 1]: NaN is
// INT32_MIN (< every threshold: goes left).
inline void FillKeys(const float* row, size_t cols, int32_t* keys) {
  for (size_t f = 0; f < cols; ++f) {
    const float x = row[f];
    const int32_t k = KeyOf(x);
    const bool missing = std::isnan(x);
    keys[2 * f] = missing ? INT32_MAX : k;
    keys[2 * f + 1] = missing ? INT32_MIN : k;
  }
}

// The keys of a row, read from a filled buffer.
struct BufferedKeys {
  const int32_t* keys;
  int32_t operator[](uint32_t slot) const { return keys[slot]; }
};

// The keys of a row, computed at each read (models too wide for the stack buffer).
struct DirectKeys {
  const float* row;
  int32_t operator[](uint32_t slot) const {
    const float x = row[slot >> 1];
    if (std::isnan(x)) return (slot & 1u) != 0 ? INT32_MIN : INT32_MAX;
    return KeyOf(x);
  }
};

// One branch-free step: an internal node moves to a child, a leaf stays put.
template <typename Keys>
inline uint32_t Step(const Node* nodes, uint32_t i, const Keys& keys) {
  const Node& n = nodes[i];
  return n.child + (keys[n.slot] >= n.threshold_key ? 1u : 0u);
}

// kGroup walks of `depth` steps in lock step: independent dependency chains that the CPU
// overlaps. keys_of(k) gives the keys walk k reads.
template <size_t kGroup, typename KeysOf>
inline void WalkGroup(const Node* nodes, uint32_t* idx, uint32_t depth, const KeysOf& keys_of) {
  uint32_t w[kGroup];
  for (size_t k = 0; k < kGroup; ++k) w[k] = idx[k];
  for (uint32_t d = 0; d < depth; ++d) {
#pragma GCC unroll 16
    for (size_t k = 0; k < kGroup; ++k) w[k] = Step(nodes, w[k], keys_of(k));
  }
  for (size_t k = 0; k < kGroup; ++k) idx[k] = w[k];
}

// XGBoost's common::Sigmoid, in float32.
inline float Sigmoid(float margin) { return 1.0f / (1.0f + std::exp(-margin)); }

}  // namespace

int32_t TreeEnsemble::FloatKey(float x) { return KeyOf(x); }

float TreeEnsemble::Node::threshold() const {
  if (is_leaf()) return 0.0f;
  return std::bit_cast<float>(FlipNegative(static_cast<uint32_t>(threshold_key)));
}

template <typename Keys>
float TreeEnsemble::SumLeavesWith(const Keys& keys) const {
  const Node* nodes = nodes_.data();
  const uint32_t* roots = tree_roots_.data();
  const auto same_keys = [&keys](size_t) -> const Keys& { return keys; };
  float sum = base_margin_f_;
  size_t t = 0;
  for (const uint32_t group_depth : group_depths_) {
    uint32_t idx[kGroup];
    std::copy_n(roots + t, kGroup, idx);
    WalkGroup<kGroup>(nodes, idx, group_depth, same_keys);
    for (size_t k = 0; k < kGroup; ++k) sum += nodes[idx[k]].value;
    t += kGroup;
  }
  for (; t < tree_roots_.size(); ++t) {
    uint32_t i = roots[t];
    for (uint32_t d = 0; d < tree_depths_[t]; ++d) i = Step(nodes, i, keys);
    sum += nodes[i].value;
  }
  return sum;
}

float TreeEnsemble::SumLeaves(const float* row) const {
  const auto cols = static_cast<size_t>(num_features_);
  if (cols > kMaxBufferedFeatures) return SumLeavesWith(DirectKeys{row});
  int32_t keys[2 * kMaxBufferedFeatures];
  FillKeys(row, cols, keys);
  return SumLeavesWith(BufferedKeys{keys});
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

template <typename KeysOfRow>
void TreeEnsemble::SumLeavesOfBlock(size_t m, const KeysOfRow& keys_of_row, float* acc) const {
  const Node* nodes = nodes_.data();
  uint32_t idx[kMaxBlock];
  std::fill_n(acc, m, base_margin_f_);
  for (size_t t = 0; t < tree_roots_.size(); ++t) {
    std::fill_n(idx, m, tree_roots_[t]);
    const uint32_t depth = tree_depths_[t];
    size_t r = 0;
    for (; r + kGroup <= m; r += kGroup) {
      WalkGroup<kGroup>(nodes, idx + r, depth, [&](size_t k) { return keys_of_row(r + k); });
    }
    for (; r < m; ++r) {
      for (uint32_t d = 0; d < depth; ++d) idx[r] = Step(nodes, idx[r], keys_of_row(r));
    }
    for (size_t i = 0; i < m; ++i) acc[i] += nodes[idx[i]].value;
  }
}

void TreeEnsemble::PredictBatch(const float* rows, size_t n, double* out) const {
  const auto cols = static_cast<size_t>(num_features_);
  const bool buffered = cols <= kMaxBufferedFeatures;
  // Rows per block: as many as the key buffer holds, at most kMaxBlock.
  const size_t block =
      buffered ? std::clamp(kMaxBufferedFeatures / std::max<size_t>(cols, 1), size_t{1}, kMaxBlock)
               : kMaxBlock;
  int32_t keys[2 * kMaxBufferedFeatures];
  float acc[kMaxBlock];
  for (size_t start = 0; start < n; start += block) {
    const size_t m = std::min(block, n - start);
    const float* first = rows + start * cols;
    if (buffered) {
      for (size_t r = 0; r < m; ++r) FillKeys(first + r * cols, cols, keys + r * 2 * cols);
      SumLeavesOfBlock(
          m, [&](size_t r) { return BufferedKeys{keys + r * 2 * cols}; }, acc);
    } else {
      SumLeavesOfBlock(
          m, [&](size_t r) { return DirectKeys{first + r * cols}; }, acc);
    }
    for (size_t r = 0; r < m; ++r) out[start + r] = Sigmoid(acc[r]);
  }
}

template <typename Keys>
float TreeEnsemble::ContributionsWith(const Keys& keys, std::span<double> out) const {
  std::fill(out.begin(), out.end(), 0.0);
  const Node* nodes = nodes_.data();
  double bias = base_margin_;
  // The leaves summed as SumLeavesWith sums them: in float, in tree order.
  float margin = base_margin_f_;
  for (const uint32_t root : tree_roots_) {
    uint32_t i = root;
    bias += nodes[i].value;
    while (!nodes[i].is_leaf()) {
      const uint32_t next = Step(nodes, i, keys);
      // As XGBoost's CalculateContributionsApprox: the change of expected value along the
      // path is credited to the split feature (in double: it cannot overflow).
      out[nodes[i].slot >> 1] +=
          static_cast<double>(nodes[next].value) - static_cast<double>(nodes[i].value);
      i = next;
    }
    margin += nodes[i].value;
  }
  out[static_cast<size_t>(num_features_)] += bias;
  return margin;
}

double TreeEnsemble::Contributions(std::span<const float> row, std::span<double> out) const {
  const auto cols = static_cast<size_t>(num_features_);
  assert(row.size() >= cols && out.size() == cols + 1);
  if (row.size() < cols || out.size() != cols + 1) {
    std::fill(out.begin(), out.end(), kNaN);
    return kNaN;
  }
  if (cols > kMaxBufferedFeatures) return ContributionsWith(DirectKeys{row.data()}, out);
  int32_t keys[2 * kMaxBufferedFeatures];
  FillKeys(row.data(), cols, keys);
  return ContributionsWith(BufferedKeys{keys}, out);
}

double TreeEnsemble::Probability(double margin) { return Sigmoid(static_cast<float>(margin)); }

}  // namespace panorama::models
