#include "models/model_data.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

namespace panorama::models::testing {

Dataset MakeSyntheticDataset(size_t rows, size_t cols, uint64_t seed) {
  Dataset d;
  d.cols = cols < 8 ? 8 : cols;
  d.values.resize(rows * d.cols);
  d.labels.resize(rows);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::uniform_real_distribution<double> open_unit(1e-9, 1.0 - 1e-9);
  constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
  for (size_t r = 0; r < rows; ++r) {
    float* x = &d.values[r * d.cols];
    x[0] = normal(rng);
    x[1] = normal(rng);
    x[2] = std::floor(unit(rng) * 10.0f);           // integers 0..9: ties with thresholds
    x[3] = unit(rng) < 0.15f ? kNaN : normal(rng);  // often missing; missingness matters
    x[4] = std::exp(1.5f * normal(rng));            // heavy tail, like an amount
    x[5] = std::floor(unit(rng) * 5.0f);            // a small category code
    x[6] = unit(rng) < 0.3f ? kNaN : unit(rng);
    x[7] = std::round(normal(rng) * 4.0f) / 4.0f;  // quarter steps
    for (size_t c = 8; c < d.cols; ++c) {
      x[c] = unit(rng) < 0.08f ? kNaN : normal(rng) + 0.1f * static_cast<float>(c % 5);
    }
    const double x3 = std::isnan(x[3]) ? 0.0 : x[3];
    double logit = -6.4 + 1.3 * x[0] * x[1] + 1.6 * (x[2] >= 7 ? 1 : 0) + 1.1 * std::sin(2 * x3) +
                   1.2 * (std::isnan(x[3]) ? 1 : 0) + 0.7 * std::log1p(x[4]) +
                   0.8 * (x[5] == 3 ? 1 : 0) + 0.9 * (x[7] > 1.0f ? 1 : 0);
    if (d.cols > 8 && !std::isnan(x[8])) logit += 0.5 * x[8];
    const double u = open_unit(rng);
    logit += 0.5 * std::log(u / (1 - u));  // logistic noise, scale 0.5
    d.labels[r] = logit > 0 ? 1.0f : 0.0f;
  }
  return d;
}

HandTree Stump(int feature, double threshold, double left_value, double right_value,
               bool default_left, double left_cover, double right_cover) {
  HandTree t;
  t.left = {1, -1, -1};
  t.right = {2, -1, -1};
  t.split_index = {feature, 0, 0};
  t.default_left = {default_left ? 1 : 0, 0, 0};
  t.split_condition = {threshold, left_value, right_value};
  t.sum_hessian = {left_cover + right_cover, left_cover, right_cover};
  return t;
}

std::string MakeXgboostJson(int num_feature, double base_score, const std::vector<HandTree>& trees,
                            const std::string& objective) {
  using nlohmann::json;
  json tree_array = json::array();
  for (size_t i = 0; i < trees.size(); ++i) {
    const HandTree& t = trees[i];
    const size_t n = t.left.size();
    std::vector<int64_t> parents(n, 2147483647);
    for (size_t j = 0; j < n; ++j) {
      if (t.left[j] >= 0 && static_cast<size_t>(t.left[j]) < n) {
        parents[static_cast<size_t>(t.left[j])] = static_cast<int64_t>(j);
      }
      if (t.right[j] >= 0 && static_cast<size_t>(t.right[j]) < n) {
        parents[static_cast<size_t>(t.right[j])] = static_cast<int64_t>(j);
      }
    }
    tree_array.push_back({
        {"base_weights", t.split_condition},
        {"categories", json::array()},
        {"categories_nodes", json::array()},
        {"categories_segments", json::array()},
        {"categories_sizes", json::array()},
        {"default_left", t.default_left},
        {"id", i},
        {"left_children", t.left},
        {"loss_changes", std::vector<double>(n, 0.0)},
        {"parents", parents},
        {"right_children", t.right},
        {"split_conditions", t.split_condition},
        {"split_indices", t.split_index},
        {"split_type", std::vector<int>(n, 0)},
        {"sum_hessian", t.sum_hessian},
        {"tree_param",
         {{"num_deleted", "0"},
          {"num_feature", std::to_string(num_feature)},
          {"num_nodes", std::to_string(n)},
          {"size_leaf_vector", "0"}}},
    });
  }
  char base[32];
  std::snprintf(base, sizeof base, "%.9g", base_score);
  json doc = {
      {"learner",
       {{"attributes", json::object()},
        {"feature_names", json::array()},
        {"feature_types", json::array()},
        {"gradient_booster",
         {{"model",
           {{"gbtree_model_param",
             {{"num_parallel_tree", "1"},
              {"num_trees", std::to_string(trees.size())},
              {"size_leaf_vector", "0"}}},
            {"tree_info", std::vector<int>(trees.size(), 0)},
            {"trees", tree_array}}},
          {"name", "gbtree"}}},
        {"learner_model_param",
         {{"base_score", base},
          {"boost_from_average", "1"},
          {"num_class", "0"},
          {"num_feature", std::to_string(num_feature)},
          {"num_target", "1"}}},
        {"objective", {{"name", objective}, {"reg_loss_param", {{"scale_pos_weight", "1"}}}}}}},
      {"version", {1, 7, 4}},
  };
  return doc.dump();
}

}  // namespace panorama::models::testing
