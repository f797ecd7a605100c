// TreeEnsemble: a gradient-boosted tree model for binary classification, flattened for fast,
// allocation-free inference, and loaded from XGBoost's own JSON model format.
//
// Contract:
//  - Outputs equal XGBoost's predictions for the same model and rows (max absolute
//    difference <= 1e-6 on probabilities): a row's values are compared as float32, as
//    XGBoost compares them; a missing value (NaN) takes the node's default direction.
//  - Predict*, Contributions: const, thread-safe, no heap allocation.
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
  TreeEnsemble() = default;

  // Parses a model written by XGBoosterSaveModelToBuffer({"format": "json"}) (XGBoost 1.7):
  // booster gbtree, objective binary:logistic, numerical splits. Anything else (other
  // objectives, categorical splits, dart, multi-class) is InvalidArgument with the reason.
  static Result<TreeEnsemble> FromXgboostJson(std::string_view json);

  int num_features() const { return num_features_; }
  int num_trees() const { return static_cast<int>(tree_roots_.size()); }
  // The margin every prediction starts from (logit of XGBoost's base_score).
  double base_margin() const { return base_margin_; }

  // The log-odds of one row of num_features() values (NaN = missing).
  double PredictMargin(std::span<const float> row) const;
  // The probability: the logistic of PredictMargin.
  double Predict(std::span<const float> row) const;
  // Probabilities of `n` rows stored row-major (n * num_features() values) into out[0, n).
  void PredictBatch(const float* rows, size_t n, double* out) const;

  // Per-feature contributions to the margin of `row` (Saabas' path attribution, XGBoost's
  // approx_contribs): out has num_features() + 1 entries; out[f] is feature f's share and
  // out[num_features()] the bias (base margin plus the trees' root expectations). The
  // entries sum to PredictMargin(row).
  void Contributions(std::span<const float> row, std::span<double> out) const;

  // One flattened node. Internal nodes: `feature` >= 0, children at left/right (absolute
  // indices into nodes()); leaves: feature < 0 and `value` is the leaf weight. For internal
  // nodes `value` is the node's expected output (cover-weighted mean of its leaves).
  struct Node {
    float threshold = 0;   // go left when x < threshold
    int32_t feature = -1;  // split feature, or -1 for a leaf
    uint32_t left = 0;
    uint32_t right = 0;
    uint8_t default_left = 0;  // where a missing value goes
    float value = 0;
  };
  std::span<const Node> nodes() const { return nodes_; }

 private:
  int num_features_ = 0;
  double base_margin_ = 0;
  std::vector<Node> nodes_;
  std::vector<uint32_t> tree_roots_;
};

}  // namespace panorama::models
