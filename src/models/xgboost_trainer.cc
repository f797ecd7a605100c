// Training and reference prediction through XGBoost's C API. Every call's return code is
// checked and turned into a Status carrying XGBGetLastError(); handles are owned by RAII
// wrappers, so they are freed on every path.
#include "models/xgboost_trainer.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <system_error>

namespace panorama::models {
namespace {

struct DMatrixFree {
  void operator()(void* h) const {
    if (h != nullptr) XGDMatrixFree(h);
  }
};
struct BoosterFree {
  void operator()(void* h) const {
    if (h != nullptr) XGBoosterFree(h);
  }
};
using DMatrix = std::unique_ptr<void, DMatrixFree>;
using Booster = std::unique_ptr<void, BoosterFree>;

Status Check(int rc, std::string_view call) {
  if (rc == 0) return Status::Ok();
  std::string message = XGBGetLastError();
  const size_t trace = message.find("\nStack trace");
  if (trace != std::string::npos) message.resize(trace);
  return Status::Internal("xgboost " + std::string(call) + ": " + message);
}

std::string Number(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("nan");
}

Status CheckDataset(const Dataset& d, std::string_view name, bool need_both_classes) {
  const std::string where = "training: " + std::string(name) + " set: ";
  if (d.rows() == 0) return Status::InvalidArgument(where + "no rows");
  if (d.cols == 0) return Status::InvalidArgument(where + "no columns");
  if (d.cols > (size_t{1} << 20)) return Status::InvalidArgument(where + "too many columns");
  if (d.rows() > std::numeric_limits<size_t>::max() / d.cols ||
      d.values.size() != d.rows() * d.cols) {
    return Status::InvalidArgument(where + std::to_string(d.values.size()) + " values for " +
                                   std::to_string(d.rows()) + " rows of " + std::to_string(d.cols) +
                                   " columns");
  }
  for (size_t i = 0; i < d.values.size(); ++i) {
    if (std::isinf(d.values[i])) {
      return Status::InvalidArgument(where + "value of row " + std::to_string(i / d.cols) +
                                     " column " + std::to_string(i % d.cols) +
                                     " is infinite (XGBoost takes finite values or NaN)");
    }
  }
  size_t positives = 0;
  for (size_t i = 0; i < d.labels.size(); ++i) {
    const float l = d.labels[i];
    if (l != 0.0f && l != 1.0f) {
      return Status::InvalidArgument(where + "label of row " + std::to_string(i) +
                                     " is not 0 or 1");
    }
    positives += l == 1.0f ? 1 : 0;
  }
  if (positives == 0 || (need_both_classes && positives == d.rows())) {
    return Status::InvalidArgument(where + (positives == 0 ? "no positive" : "no negative") +
                                   " row");
  }
  return Status::Ok();
}

Status CheckParams(const TrainParams& p) {
  auto bad = [](std::string_view what) {
    return Status::InvalidArgument("training: parameter " + std::string(what));
  };
  if (p.rounds < 1 || p.rounds > 100000) return bad("rounds must be in [1, 100000]");
  if (p.max_depth < 1 || p.max_depth > 30) return bad("max_depth must be in [1, 30]");
  if (!(p.eta > 0 && p.eta <= 1)) return bad("eta must be in (0, 1]");
  if (!(p.subsample > 0 && p.subsample <= 1)) return bad("subsample must be in (0, 1]");
  if (!(p.colsample_bytree > 0 && p.colsample_bytree <= 1)) {
    return bad("colsample_bytree must be in (0, 1]");
  }
  if (!(p.min_child_weight >= 0 && std::isfinite(p.min_child_weight))) {
    return bad("min_child_weight must be finite and >= 0");
  }
  if (!(p.lambda >= 0 && std::isfinite(p.lambda))) return bad("lambda must be finite and >= 0");
  if (!(p.scale_pos_weight >= 0 && std::isfinite(p.scale_pos_weight))) {
    return bad("scale_pos_weight must be finite and >= 0");
  }
  if (p.max_bin < 2 || p.max_bin > 65536) return bad("max_bin must be in [2, 65536]");
  if (p.threads < 0 || p.threads > 1024) return bad("threads must be in [0, 1024]");
  if (p.seed > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return bad("seed must be < 2^63");
  }
  if (p.early_stopping_rounds < 0) return bad("early_stopping_rounds must be >= 0");
  return Status::Ok();
}

Result<DMatrix> MakeDMatrix(const Dataset& d) {
  DMatrixHandle h = nullptr;
  PANO_RETURN_IF_ERROR(Check(XGDMatrixCreateFromMat(d.values.data(), d.rows(), d.cols,
                                                    std::numeric_limits<float>::quiet_NaN(), &h),
                             "XGDMatrixCreateFromMat"));
  DMatrix m(h);
  PANO_RETURN_IF_ERROR(Check(XGDMatrixSetFloatInfo(h, "label", d.labels.data(), d.rows()),
                             "XGDMatrixSetFloatInfo(label)"));
  return m;
}

// The metric value in XGBoosterEvalOneIter's "[3]\tvalid-aucpr:0.8125".
Result<double> ParseMetric(const char* text, std::string_view key) {
  const std::string_view s = text == nullptr ? "" : text;
  const size_t at = s.find(key);
  if (at == std::string_view::npos) {
    return Status::Internal("xgboost evaluation \"" + std::string(s) + "\" has no " +
                            std::string(key));
  }
  const char* begin = s.data() + at + key.size();
  double value = 0;
  auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), value);
  if (ec != std::errc()) {
    return Status::Internal("xgboost evaluation \"" + std::string(s) + "\": bad number");
  }
  return value;
}

Result<std::string> SaveJson(BoosterHandle h) {
  bst_ulong len = 0;
  const char* data = nullptr;
  PANO_RETURN_IF_ERROR(Check(XGBoosterSaveModelToBuffer(h, R"({"format": "json"})", &len, &data),
                             "XGBoosterSaveModelToBuffer"));
  return std::string(data, len);
}

}  // namespace

Result<TrainOutcome> TrainGradientBoosting(const Dataset& train, const Dataset* valid,
                                           const TrainParams& params) {
  PANO_RETURN_IF_ERROR(CheckParams(params));
  PANO_RETURN_IF_ERROR(CheckDataset(train, "train", true));
  if (valid != nullptr) {
    PANO_RETURN_IF_ERROR(CheckDataset(*valid, "valid", false));
    if (valid->cols != train.cols) {
      return Status::InvalidArgument("training: valid set has " + std::to_string(valid->cols) +
                                     " columns, train set " + std::to_string(train.cols));
    }
  } else if (params.early_stopping_rounds > 0) {
    return Status::InvalidArgument("training: early stopping needs a valid set");
  }

  PANO_ASSIGN_OR_RETURN(DMatrix dtrain, MakeDMatrix(train));
  DMatrix dvalid;
  if (valid != nullptr) {
    PANO_ASSIGN_OR_RETURN(dvalid, MakeDMatrix(*valid));
  }
  DMatrixHandle train_handle = dtrain.get();
  BoosterHandle raw = nullptr;
  PANO_RETURN_IF_ERROR(Check(XGBoosterCreate(&train_handle, 1, &raw), "XGBoosterCreate"));
  Booster booster(raw);

  double scale_pos_weight = params.scale_pos_weight;
  if (scale_pos_weight == 0) {
    const auto positives =
        static_cast<double>(std::count(train.labels.begin(), train.labels.end(), 1.0f));
    scale_pos_weight = std::min(50.0, (static_cast<double>(train.rows()) - positives) / positives);
  }
  const std::pair<const char*, std::string> settings[] = {
      {"objective", "binary:logistic"},
      {"tree_method", "hist"},
      {"eval_metric", "aucpr"},
      {"max_depth", std::to_string(params.max_depth)},
      {"eta", Number(params.eta)},
      {"subsample", Number(params.subsample)},
      {"colsample_bytree", Number(params.colsample_bytree)},
      {"min_child_weight", Number(params.min_child_weight)},
      {"lambda", Number(params.lambda)},
      {"scale_pos_weight", Number(scale_pos_weight)},
      {"max_bin", std::to_string(params.max_bin)},
      {"seed", std::to_string(params.seed)},
      {"verbosity", "1"},
  };
  for (const auto& [key, value] : settings) {
    PANO_RETURN_IF_ERROR(Check(XGBoosterSetParam(raw, key, value.c_str()),
                               std::string("XGBoosterSetParam(") + key + ")"));
  }
  if (params.threads > 0) {
    PANO_RETURN_IF_ERROR(
        Check(XGBoosterSetParam(raw, "nthread", std::to_string(params.threads).c_str()),
              "XGBoosterSetParam(nthread)"));
  }

  TrainOutcome outcome;
  int best_round = -1;
  double best_aucpr = -std::numeric_limits<double>::infinity();
  int trained = 0;
  for (int round = 0; round < params.rounds; ++round) {
    PANO_RETURN_IF_ERROR(
        Check(XGBoosterUpdateOneIter(raw, round, train_handle), "XGBoosterUpdateOneIter"));
    trained = round + 1;
    if (valid == nullptr) continue;
    DMatrixHandle eval_sets[] = {dvalid.get()};
    const char* eval_names[] = {"valid"};
    const char* eval = nullptr;
    PANO_RETURN_IF_ERROR(Check(XGBoosterEvalOneIter(raw, round, eval_sets, eval_names, 1, &eval),
                               "XGBoosterEvalOneIter"));
    PANO_ASSIGN_OR_RETURN(double aucpr, ParseMetric(eval, "valid-aucpr:"));
    outcome.valid_aucpr.push_back(aucpr);
    if (aucpr > best_aucpr) {
      best_aucpr = aucpr;
      best_round = round;
    } else if (params.early_stopping_rounds > 0 &&
               round - best_round >= params.early_stopping_rounds) {
      break;
    }
  }

  outcome.rounds = trained;
  if (params.early_stopping_rounds > 0 && best_round >= 0 && best_round + 1 < trained) {
    // Keep the trees of rounds [0, best_round]: a sliced copy of the booster.
    BoosterHandle sliced = nullptr;
    PANO_RETURN_IF_ERROR(
        Check(XGBoosterSlice(raw, 0, best_round + 1, 1, &sliced), "XGBoosterSlice"));
    Booster kept(sliced);
    PANO_ASSIGN_OR_RETURN(outcome.model_json, SaveJson(sliced));
    outcome.rounds = best_round + 1;
  } else {
    PANO_ASSIGN_OR_RETURN(outcome.model_json, SaveJson(raw));
  }
  return outcome;
}

Result<std::unique_ptr<XgboostBooster>> XgboostBooster::Load(std::string_view model_json) {
  BoosterHandle raw = nullptr;
  PANO_RETURN_IF_ERROR(Check(XGBoosterCreate(nullptr, 0, &raw), "XGBoosterCreate"));
  std::unique_ptr<XgboostBooster> booster(new XgboostBooster());
  booster->handle_ = raw;
  PANO_RETURN_IF_ERROR(
      Check(XGBoosterLoadModelFromBuffer(raw, model_json.data(), model_json.size()),
            "XGBoosterLoadModelFromBuffer"));
  return booster;
}

XgboostBooster::~XgboostBooster() {
  if (handle_ != nullptr) XGBoosterFree(handle_);
}

Status XgboostBooster::SetThreads(int threads) {
  if (threads < 1) return Status::InvalidArgument("xgboost booster: threads must be >= 1");
  return Check(XGBoosterSetParam(handle_, "nthread", std::to_string(threads).c_str()),
               "XGBoosterSetParam(nthread)");
}

namespace {

Status CopyOut(const bst_ulong* shape, bst_ulong dim, const float* result, size_t expected,
               std::vector<float>* out) {
  size_t size = 1;
  for (bst_ulong i = 0; i < dim; ++i) size *= shape[i];
  if (size != expected) {
    return Status::Internal("xgboost prediction has " + std::to_string(size) +
                            " values, expected " + std::to_string(expected));
  }
  out->assign(result, result + size);
  return Status::Ok();
}

}  // namespace

Status XgboostBooster::PredictInplace(const float* rows, size_t n, size_t cols, int type,
                                      std::vector<float>* out) {
  // numpy's __array_interface__ for a C-contiguous float32 matrix.
  char array[160];
  std::snprintf(array, sizeof array,
                R"({"data": [%llu, true], "shape": [%zu, %zu], "typestr": "<f4", "version": 3})",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(rows)), n, cols);
  char config[160];
  std::snprintf(config, sizeof config,
                R"({"type": %d, "training": false, "iteration_begin": 0, "iteration_end": 0,)"
                R"( "strict_shape": false, "cache_id": 0, "missing": NaN})",
                type);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  PANO_RETURN_IF_ERROR(
      Check(XGBoosterPredictFromDense(handle_, array, config, nullptr, &shape, &dim, &result),
            "XGBoosterPredictFromDense"));
  return CopyOut(shape, dim, result, n, out);
}

Status XgboostBooster::Predict(const float* rows, size_t n, size_t cols, std::vector<float>* out) {
  return PredictInplace(rows, n, cols, 0, out);
}

Status XgboostBooster::PredictMargin(const float* rows, size_t n, size_t cols,
                                     std::vector<float>* out) {
  return PredictInplace(rows, n, cols, 1, out);
}

Status XgboostBooster::ApproxContributions(const float* rows, size_t n, size_t cols,
                                           std::vector<float>* out) {
  DMatrixHandle h = nullptr;
  PANO_RETURN_IF_ERROR(
      Check(XGDMatrixCreateFromMat(rows, n, cols, std::numeric_limits<float>::quiet_NaN(), &h),
            "XGDMatrixCreateFromMat"));
  DMatrix m(h);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  PANO_RETURN_IF_ERROR(
      Check(XGBoosterPredictFromDMatrix(handle_, h,
                                        R"({"type": 3, "training": false, "iteration_begin": 0,)"
                                        R"( "iteration_end": 0, "strict_shape": false})",
                                        &shape, &dim, &result),
            "XGBoosterPredictFromDMatrix"));
  return CopyOut(shape, dim, result, n * (cols + 1), out);
}

}  // namespace panorama::models
