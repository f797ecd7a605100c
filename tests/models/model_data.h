// Data for the models tests and the evaluator benchmark: a seeded synthetic classification
// set with a nonlinear rule, missing values and tied values, and hand-built XGBoost JSON
// models whose structure a test controls node by node.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/xgboost_trainer.h"

namespace panorama::models::testing {

// `rows` x `cols` (cols >= 8) values: normal, integer-valued (so that many rows tie with a
// split threshold), heavy-tailed and noise columns, about 8% of them missing (NaN), and
// labels from a nonlinear rule (interactions, steps, missingness itself) with noise; about
// 2% positives. Same arguments, same bytes.
Dataset MakeSyntheticDataset(size_t rows, size_t cols, uint64_t seed);

// One tree in XGBoost's arrays. Leaves have left == right == -1 and their value in
// split_condition.
struct HandTree {
  std::vector<int64_t> left, right, split_index, default_left;
  std::vector<double> split_condition, sum_hessian;
};

// A depth-one tree: x[feature] < threshold ? left_value : right_value.
HandTree Stump(int feature, double threshold, double left_value, double right_value,
               bool default_left, double left_cover = 1, double right_cover = 1);

// An XGBoost 1.7 JSON model with every field XGBoost's own loader expects, so that the same
// text loads both in TreeEnsemble and in XGBoost.
std::string MakeXgboostJson(int num_feature, double base_score, const std::vector<HandTree>& trees,
                            const std::string& objective = "binary:logistic");

}  // namespace panorama::models::testing
