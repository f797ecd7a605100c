// evaluator_bench: the native tree evaluator (models::TreeEnsemble) against XGBoost's own
// prediction, on the same model and the same rows.
//
//   build/bench/evaluator_bench [--train-rows N] [--cols C] [--rounds R] [--depth D]
//                               [--rows N] [--batch B] [--repeats K] [--seed S]
//                               [--train-threads T] [--cache FILE]
//
// Trains a binary:logistic model (hist, R rounds of depth D; defaults 300 and 6) on the
// synthetic set of tests/models/model_data.h (C columns, default 60), or loads it from
// --cache FILE when that file holds a model of the same shape (it is written otherwise).
// Then, on N held-out rows (default 2000), with every timed span doing nothing but the calls
// measured:
//   single row  native TreeEnsemble::Predict, one call per row; XGBoost
//               XGBoosterPredictFromDense with a 1-row array interface (the strings are
//               built before timing, so only XGBoost's call is timed), XGBoost on 1 thread.
//               Reported as mean ns per row over all rows (median of K repeats) and the
//               p50/p99 of individually timed calls (timer overhead included).
//   batch       native PredictBatch over B rows (default 10000); XGBoost over the same
//               B rows with 1 thread and with 2 threads: rows per second, median of K.
// Every output is compared with XGBoost's: the largest absolute difference of the
// probabilities is printed, and the program fails when it exceeds 1e-6.
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "bench_support.h"
#include "models/model_data.h"
#include "models/tree_ensemble.h"
#include "models/xgboost_trainer.h"

namespace panorama::models {
namespace {

using bench::Clock;
using bench::Die;
using bench::Median;
using bench::Percentile;
using bench::Since;

struct Options {
  size_t train_rows = 50000;
  size_t cols = 60;
  int rounds = 300;
  int depth = 6;
  size_t rows = 2000;
  size_t batch = 10000;
  int repeats = 7;
  uint64_t seed = 1;
  int train_threads = 2;
  std::string cache;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The model of these options: from the cache when it matches, else trained.
std::string GetModel(const Options& o) {
  if (!o.cache.empty()) {
    std::string cached = ReadFile(o.cache);
    auto e = TreeEnsemble::FromXgboostJson(cached);
    if (!cached.empty() && e.ok() && e->num_trees() == o.rounds &&
        e->num_features() == static_cast<int>(o.cols)) {
      std::printf("model: loaded from %s\n", o.cache.c_str());
      return cached;
    }
  }
  const Dataset train = testing::MakeSyntheticDataset(o.train_rows, o.cols, o.seed);
  TrainParams p;
  p.rounds = o.rounds;
  p.max_depth = o.depth;
  p.threads = o.train_threads;
  p.seed = o.seed;
  const auto start = Clock::now();
  auto outcome = TrainGradientBoosting(train, nullptr, p);
  if (!outcome.ok()) Die(outcome.status().ToString());
  std::printf("model: trained on %zu rows x %zu columns in %.1f s\n", o.train_rows, o.cols,
              Since(start));
  if (!o.cache.empty()) {
    std::ofstream out(o.cache, std::ios::binary);
    out << outcome->model_json;
    if (!out) Die("cannot write " + o.cache);
  }
  return outcome->model_json;
}

void CheckXgb(int rc, const char* what) {
  if (rc != 0) Die(std::string(what) + ": " + XGBGetLastError());
}

std::string ArrayInterface(const float* rows, size_t n, size_t cols) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                R"({"data": [%llu, true], "shape": [%zu, %zu], "typestr": "<f4", "version": 3})",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(rows)), n, cols);
  return buf;
}

constexpr char kPredictConfig[] =
    R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0,)"
    R"( "strict_shape": false, "cache_id": 0, "missing": NaN})";

// XGBoost's inplace prediction of the rows behind `array`, copied out.
void XgbPredict(BoosterHandle h, const std::string& array, size_t n, float* out) {
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  CheckXgb(
      XGBoosterPredictFromDense(h, array.c_str(), kPredictConfig, nullptr, &shape, &dim, &result),
      "XGBoosterPredictFromDense");
  std::copy(result, result + n, out);
}

std::string Runs(const std::vector<double>& v, double scale) {
  std::string s;
  for (const double x : v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.0f", s.empty() ? "" : " ", x * scale);
    s += buf;
  }
  return s;
}

int Main(int argc, char** argv) {
  std::string command = argv[0];
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  std::printf("command: %s\n", command.c_str());

  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Die("missing value of " + flag);
    const std::string value = argv[++i];
    if (flag == "--train-rows") {
      o.train_rows = std::stoull(value);
    } else if (flag == "--cols") {
      o.cols = std::max<size_t>(8, std::stoull(value));
    } else if (flag == "--rounds") {
      o.rounds = std::stoi(value);
    } else if (flag == "--depth") {
      o.depth = std::stoi(value);
    } else if (flag == "--rows") {
      o.rows = std::max<size_t>(1, std::stoull(value));
    } else if (flag == "--batch") {
      o.batch = std::max<size_t>(1, std::stoull(value));
    } else if (flag == "--repeats") {
      o.repeats = std::max(1, std::stoi(value));
    } else if (flag == "--seed") {
      o.seed = std::stoull(value);
    } else if (flag == "--train-threads") {
      o.train_threads = std::stoi(value);
    } else if (flag == "--cache") {
      o.cache = value;
    } else {
      Die("unknown flag " + flag);
    }
  }

  const std::string model = GetModel(o);
  auto parsed = TreeEnsemble::FromXgboostJson(model);
  if (!parsed.ok()) Die(parsed.status().ToString());
  const TreeEnsemble& ensemble = *parsed;
  size_t leaves = 0;
  double leaf_depth = 0;
  for (int t = 0; t < ensemble.num_trees(); ++t) {
    // Depth of every leaf, by walking down from the root.
    std::vector<std::pair<uint32_t, int>> stack = {{ensemble.tree_root(t), 0}};
    while (!stack.empty()) {
      const auto [i, d] = stack.back();
      stack.pop_back();
      const auto& n = ensemble.nodes()[i];
      if (n.is_leaf()) {
        ++leaves;
        leaf_depth += d;
      } else {
        stack.push_back({n.left(), d + 1});
        stack.push_back({n.right(), d + 1});
      }
    }
  }
  std::printf(
      "model: %d trees, %d features, %zu nodes (%zu leaves, mean leaf depth %.2f), "
      "%.1f MB JSON, %.0f KB flattened\n",
      ensemble.num_trees(), ensemble.num_features(), ensemble.nodes().size(), leaves,
      leaf_depth / static_cast<double>(leaves), static_cast<double>(model.size()) / 1e6,
      static_cast<double>(ensemble.nodes().size() * sizeof(TreeEnsemble::Node)) / 1e3);

  BoosterHandle booster = nullptr;
  CheckXgb(XGBoosterCreate(nullptr, 0, &booster), "XGBoosterCreate");
  CheckXgb(XGBoosterLoadModelFromBuffer(booster, model.data(), model.size()),
           "XGBoosterLoadModelFromBuffer");
  CheckXgb(XGBoosterSetParam(booster, "nthread", "1"), "XGBoosterSetParam");

  const size_t n = std::max(o.rows, o.batch);
  const Dataset eval = testing::MakeSyntheticDataset(n, o.cols, o.seed + 1000);
  const size_t cols = o.cols;
  std::printf(
      "rows: %zu held-out rows (%zu for single-row timing, batches of %zu); "
      "%d repeats, median reported\n\n",
      n, o.rows, o.batch, o.repeats);

  // Reference outputs and the agreement check, before any timing.
  std::vector<float> expected(n);
  XgbPredict(booster, ArrayInterface(eval.values.data(), n, cols), n, expected.data());
  std::vector<double> batch_out(n);
  ensemble.PredictBatch(eval.values.data(), n, batch_out.data());
  double max_diff = 0;
  for (size_t r = 0; r < n; ++r) {
    const double single = ensemble.Predict({&eval.values[r * cols], cols});
    max_diff = std::max(max_diff, std::abs(single - expected[r]));
    max_diff = std::max(max_diff, std::abs(batch_out[r] - expected[r]));
  }
  std::vector<std::string> single_arrays;
  for (size_t r = 0; r < o.rows; ++r) {
    single_arrays.push_back(ArrayInterface(&eval.values[r * cols], 1, cols));
  }
  float one = 0;
  double max_diff_single_xgb = 0;
  for (size_t r = 0; r < o.rows; ++r) {
    XgbPredict(booster, single_arrays[r], 1, &one);
    max_diff_single_xgb = std::max(
        max_diff_single_xgb, std::abs(ensemble.Predict({&eval.values[r * cols], cols}) - one));
  }
  max_diff = std::max(max_diff, max_diff_single_xgb);
  std::printf("max |native - xgboost| over %zu rows (single row and batch paths): %.3g\n\n", n,
              max_diff);
  if (!(max_diff <= 1e-6)) Die("outputs disagree with XGBoost");

  // Single row, native: passes over the rows until a repeat lasts >= 50 ms.
  std::vector<double> native_ns;
  std::vector<double> native_calls;
  double sink = 0;
  for (int k = 0; k < o.repeats; ++k) {
    size_t calls = 0;
    const auto start = Clock::now();
    do {
      for (size_t r = 0; r < o.rows; ++r) sink += ensemble.Predict({&eval.values[r * cols], cols});
      calls += o.rows;
    } while (Since(start) < 0.05);
    native_ns.push_back(Since(start) / static_cast<double>(calls) * 1e9);
  }
  for (size_t r = 0; r < o.rows; ++r) {
    const auto start = Clock::now();
    sink += ensemble.Predict({&eval.values[r * cols], cols});
    native_calls.push_back(Since(start) * 1e9);
  }

  std::vector<double> xgb_ns;
  std::vector<double> xgb_calls;
  for (int k = 0; k < o.repeats; ++k) {
    const auto start = Clock::now();
    for (size_t r = 0; r < o.rows; ++r) {
      XgbPredict(booster, single_arrays[r], 1, &one);
      sink += one;
    }
    xgb_ns.push_back(Since(start) / static_cast<double>(o.rows) * 1e9);
  }
  for (size_t r = 0; r < o.rows; ++r) {
    const auto start = Clock::now();
    XgbPredict(booster, single_arrays[r], 1, &one);
    xgb_calls.push_back(Since(start) * 1e9);
    sink += one;
  }

  // Batches.
  const size_t b = o.batch;
  const std::string batch_array = ArrayInterface(eval.values.data(), b, cols);
  std::vector<float> xgb_batch(b);
  std::vector<double> native_batch_s;
  std::vector<double> xgb1_batch_s;
  std::vector<double> xgb2_batch_s;
  for (int k = 0; k < o.repeats; ++k) {
    auto start = Clock::now();
    ensemble.PredictBatch(eval.values.data(), b, batch_out.data());
    native_batch_s.push_back(Since(start));
    sink += batch_out[k % b];
    start = Clock::now();
    XgbPredict(booster, batch_array, b, xgb_batch.data());
    xgb1_batch_s.push_back(Since(start));
  }
  CheckXgb(XGBoosterSetParam(booster, "nthread", "2"), "XGBoosterSetParam");
  for (int k = 0; k < o.repeats; ++k) {
    const auto start = Clock::now();
    XgbPredict(booster, batch_array, b, xgb_batch.data());
    xgb2_batch_s.push_back(Since(start));
  }
  CheckXgb(XGBoosterFree(booster), "XGBoosterFree");

  const double native = Median(native_ns);
  const double xgb = Median(xgb_ns);
  std::printf("single row (mean ns per row; median of %d repeats)\n", o.repeats);
  std::printf("  %-44s %10.0f ns   runs: %s\n", "native TreeEnsemble::Predict", native,
              Runs(native_ns, 1).c_str());
  std::printf("  %-44s %10.0f ns   runs: %s\n", "XGBoost PredictFromDense, 1 row, 1 thread", xgb,
              Runs(xgb_ns, 1).c_str());
  std::printf("  %-44s %10.1fx\n", "native speed-up", xgb / native);
  std::printf(
      "  individually timed calls: native p50 %.0f ns p99 %.0f ns; "
      "XGBoost p50 %.0f ns p99 %.0f ns\n\n",
      Percentile(native_calls, 0.5), Percentile(native_calls, 0.99), Percentile(xgb_calls, 0.5),
      Percentile(xgb_calls, 0.99));

  const auto rate = [&](const std::vector<double>& s) {
    return static_cast<double>(b) / Median(s);
  };
  std::printf("batch of %zu rows (rows per second; median of %d repeats)\n", b, o.repeats);
  std::printf("  %-44s %10.0f rows/s   runs (ms): %s\n", "native PredictBatch (1 thread)",
              rate(native_batch_s), Runs(native_batch_s, 1e3).c_str());
  std::printf("  %-44s %10.0f rows/s   runs (ms): %s\n", "XGBoost PredictFromDense, 1 thread",
              rate(xgb1_batch_s), Runs(xgb1_batch_s, 1e3).c_str());
  std::printf("  %-44s %10.0f rows/s   runs (ms): %s\n", "XGBoost PredictFromDense, 2 threads",
              rate(xgb2_batch_s), Runs(xgb2_batch_s, 1e3).c_str());
  std::printf("  %-44s %10.1fx (vs 1 thread), %.1fx (vs 2 threads)\n", "native speed-up",
              rate(native_batch_s) / rate(xgb1_batch_s), rate(native_batch_s) / rate(xgb2_batch_s));
  std::printf("  native batch path per row: %.0f ns\n",
              Median(native_batch_s) / static_cast<double>(b) * 1e9);
  if (std::isnan(sink)) std::printf("(sink %f)\n", sink);
  return 0;
}

}  // namespace
}  // namespace panorama::models

int main(int argc, char** argv) {
  try {
    return panorama::models::Main(argc, argv);
  } catch (const std::exception& e) {  // a flag value std::stoi cannot parse
    std::fprintf(stderr, "evaluator_bench: %s\n", e.what());
    return 2;
  }
}
