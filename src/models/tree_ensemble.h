// TreeEnsemble: a gradient-boosted tree model for binary classification, flattened for fast,
// allocation-free inference, and loaded from XGBoost's own JSON model format.
//
// Contract:
//  - Outputs equal XGBoost's predictions for the same model and rows (max absolute
//    difference <= 1e-6 on probabilities; in practice bit-identical): a row's values are
//    compared as float32 (`x < threshold` goes left), as XGBoost compares them; a missing
//    value (NaN) takes the node's default direction; leaf values are summed in float32 in
//    tree order starting from the base margin, and the logistic is taken in float32.
//  - Predict*, Contributions: const, thread-safe, no heap allocation.
//  - A row must hold num_features() values. A shorter row is a programmer error: it asserts
//    in debug builds and gives NaN (Contributions: all NaN) in release builds, never a read
//    out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace panorama::models {

class TreeEnsemble {
 public:
  // Bounds on what FromXgboostJson accepts.
  static constexpr size_t kMaxJsonBytes = size_t{1} << 30;
  static constexpr int kMaxFeatures = 1 << 20;

  TreeEnsemble() = default;

  // Parses a model written by XGBoosterSaveModelToBuffer({"format": "json"}) (XGBoost 1.7;
  // also 2.x's bracketed base_score): booster gbtree, objective binary:logistic, numerical splits.
  // Anything else (other objectives, categorical splits, dart, multi-class, vector leaves) and any
  // malformed structure (bad child or feature indices, cycles, shared children, array sizes that
  // disagree, values not finite in float32) is InvalidArgument naming the tree, node and
  // field. Nodes that no path from a root reaches (XGBoost's deleted nodes) are dropped.
  static Result<TreeEnsemble> FromXgboostJson(std::string_view json);

  int num_features() const { return num_features_; }
  int num_trees() const { return static_cast<int>(tree_roots_.size()); }
  // The margin every prediction starts from: logit(base_score), computed in float32 as
  // XGBoost does.
  double base_margin() const { return base_margin_; }

  // The log-odds of one row of num_features() values (NaN = missing).
  double PredictMargin(std::span<const float> row) const;
  // The probability: the logistic of PredictMargin.
  double Predict(std::span<const float> row) const;
  // Probabilities of `n` rows stored row-major (n * num_features() values) into out[0, n).
  // Rows are evaluated in blocks, tree by tree, so that a tree's nodes stay in cache.
  void PredictBatch(const float* rows, size_t n, double* out) const;

  // Per-feature contributions to the margin of `row` (Saabas' path attribution, XGBoost's
  // approx_contribs): out has num_features() + 1 entries; out[f] is feature f's share and
  // out[num_features()] the bias (base margin plus the trees' root expectations). The
  // entries sum to PredictMargin(row) (up to float32 rounding). Returns PredictMargin(row)
  // exactly (the same walk reaches the leaves; they are summed in the same float order), so
  // a caller that wants both the score and its reasons walks the trees once.
  double Contributions(std::span<const float> row, std::span<double> out) const;
  // The probability of a margin, exactly as Predict() computes it from PredictMargin().
  static double Probability(double margin);

  // One flattened node, 16 bytes. Values are compared as order-preserving integer keys
  // (FloatKey below: x < t as floats exactly when FloatKey(x) < FloatKey(t), for every
  // non-NaN x, -0 and +0 equal). A row is first turned into two keys per feature, one with
  // NaN as the largest key and one with NaN as the smallest; `slot` picks the one that sends
  // a missing value the node's default way. The two children of an internal node are
  // adjacent, so a traversal step is two loads, an integer compare and an add, no branch:
  //   next = child + (key[slot] >= threshold_key)
  // A leaf has threshold_key INT32_MIN (every key is >= it) and child = its own index - 1
  // (mod 2^32), so a step from a leaf stays on it and trees of different depths can be
  // walked in lock step.
  struct Node {
    int32_t threshold_key = INT32_MIN;  // internal: FloatKey(threshold); leaf: INT32_MIN
    uint32_t slot = 0;                  // internal: 2 * feature + default_left; leaf: 0
    uint32_t child = 0;                 // internal: the left child; leaf: own index - 1
    // Leaf: the leaf weight. Internal: the node's expected output, the cover-weighted mean
    // of its children (XGBoost's node mean values, used by Contributions).
    float value = 0;

    bool is_leaf() const { return threshold_key == INT32_MIN; }
    int feature() const { return is_leaf() ? -1 : static_cast<int>(slot >> 1); }
    bool default_left() const { return (slot & 1u) != 0; }
    float threshold() const;  // go left when x < threshold (0 for a leaf)
    // Indices in nodes() of an internal node's children (a leaf's right() is itself).
    uint32_t left() const { return child; }
    uint32_t right() const { return child + 1; }
  };
  static_assert(sizeof(Node) == 16);

  // The integer key of a non-NaN float: monotonic, -0 and +0 both 0. Finite values map
  // strictly between INT32_MIN and INT32_MAX, which stand for missing values.
  static int32_t FloatKey(float x);

  std::span<const Node> nodes() const { return nodes_; }
  // The index in nodes() of tree t's root, for t < num_trees().
  uint32_t tree_root(int t) const { return tree_roots_[static_cast<size_t>(t)]; }

 private:
  // Trees are walked in groups of kGroup in lock step for instruction-level parallelism;
  // a group takes as many steps as its deepest tree (leaves step onto themselves).
  static constexpr size_t kGroup = 16;
  // Models with at most this many features keep a row's keys in a stack buffer; wider ones
  // compute each key at the node that reads it (slower, same results).
  static constexpr size_t kMaxBufferedFeatures = 2048;

  // PredictBatch walks one tree over a block of at most kMaxBlock rows at a time (the
  // tree's nodes stay in L1), kGroup rows in lock step.
  static constexpr size_t kMaxBlock = 32;

  float SumLeaves(const float* row) const;
  template <typename Keys>
  float SumLeavesWith(const Keys& keys) const;
  template <typename KeysOfRow>
  void SumLeavesOfBlock(size_t m, const KeysOfRow& keys_of_row, float* acc) const;
  template <typename Keys>
  float ContributionsWith(const Keys& keys, std::span<double> out) const;

  int num_features_ = 0;
  double base_margin_ = 0;
  float base_margin_f_ = 0;
  std::vector<Node> nodes_;
  std::vector<uint32_t> tree_roots_;
  std::vector<uint32_t> tree_depths_;   // edges on the longest root-to-leaf path
  std::vector<uint32_t> group_depths_;  // max tree depth of each full group of kGroup trees
};

}  // namespace panorama::models
