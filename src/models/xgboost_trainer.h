// Training gradient-boosted trees with XGBoost's C API (hist method, binary:logistic), and
// XGBoost's own prediction (the reference the native evaluator is checked against).
//
// Errors of XGBoost come back as a Status with XGBoost's message; nothing throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace panorama::models {

// A dense, row-major matrix of float features (NaN = missing) with 0/1 labels.
struct Dataset {
  size_t cols = 0;
  std::vector<float> values;  // rows() * cols
  std::vector<float> labels;  // one per row
  size_t rows() const { return labels.size(); }
};

struct TrainParams {
  int rounds = 300;
  int max_depth = 6;
  double eta = 0.1;
  double subsample = 0.8;
  double colsample_bytree = 0.8;
  double min_child_weight = 1;
  double lambda = 1;
  // Weight of positives; 0 picks negatives / positives of the training set, capped at 50.
  double scale_pos_weight = 0;
  int max_bin = 256;
  int threads = 0;  // 0: XGBoost's default
  uint64_t seed = 1;
  // Stop when the validation AUCPR has not improved for this many rounds (0: never); the
  // model keeps the rounds up to the best one.
  int early_stopping_rounds = 0;
};

struct TrainOutcome {
  std::string model_json;  // XGBoosterSaveModelToBuffer, format json
  int rounds = 0;          // boosting rounds (trees) kept
  // XGBoost's aucpr on `valid` after each round trained (if given), including the rounds
  // after the best one that early stopping dropped.
  std::vector<double> valid_aucpr;
};

// Trains on `train`; `valid`, when non-null, is evaluated each round (and drives early
// stopping). Deterministic for the same data, params, seed and thread count.
// InvalidArgument for an empty set, labels other than 0/1, a train set with one class only,
// a valid set without positives, cols that disagree, parameters out of range, or early
// stopping without a valid set; XGBoost's own failures are Internal with its message.
Result<TrainOutcome> TrainGradientBoosting(const Dataset& train, const Dataset* valid,
                                           const TrainParams& params);

// XGBoost's own booster, loaded from a JSON model, for reference predictions (tests and
// benchmarks check the native TreeEnsemble against it). One thread at a time.
class XgboostBooster {
 public:
  static Result<std::unique_ptr<XgboostBooster>> Load(std::string_view model_json);
  ~XgboostBooster();
  XgboostBooster(const XgboostBooster&) = delete;
  XgboostBooster& operator=(const XgboostBooster&) = delete;

  // XGBoost's prediction threads (its default: every core).
  Status SetThreads(int threads);

  // Probabilities of `n` rows (row-major, `cols` values each, NaN = missing) through
  // XGBoosterPredictFromDense (the inplace predictor).
  Status Predict(const float* rows, size_t n, size_t cols, std::vector<float>* out);
  // The same rows' margins (log-odds).
  Status PredictMargin(const float* rows, size_t n, size_t cols, std::vector<float>* out);
  // XGBoost's approximate (Saabas) contributions, n * (cols + 1) values, the bias last in
  // each row (XGBoosterPredictFromDMatrix, type 3).
  Status ApproxContributions(const float* rows, size_t n, size_t cols, std::vector<float>* out);

 private:
  XgboostBooster() = default;
  Status PredictInplace(const float* rows, size_t n, size_t cols, int type,
                        std::vector<float>* out);
  void* handle_ = nullptr;  // BoosterHandle
};

}  // namespace panorama::models
