// The model file `panorama train` writes and `serve`/`backtest` read: one JSON document with
// the model's metadata (what it reads, what it was trained on, how well it did) and the
// XGBoost model itself.
//
//   {"format": "panorama-model", "format_version": 1, "id": "...", "kind": "fraud",
//    "created_at": "...", "spec": {"name", "version", "fingerprint"},
//    "features": ["tx.amount", "card_count_24h", ...],
//    "train": {"from", "to", "rows", "positives"}, "valid": {...},
//    "metrics": {"auc", "auprc", "at_alert_rate": [{"rate", "recall", "precision", ...}]},
//    "params": {...}, "rounds": N, "xgboost": <XGBoost's JSON model>}
//
// Timestamps ("from", "to") are ISO 8601 UTC strings, the spec fingerprint is 16 lowercase
// hex digits, and a metric that is NaN or infinite is written as null (read back as NaN).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "models/metrics.h"
#include "models/tree_ensemble.h"
#include "models/xgboost_trainer.h"

namespace panorama::models {

struct Period {
  Timestamp from = 0;  // [from, to)
  Timestamp to = 0;
  uint64_t rows = 0;
  uint64_t positives = 0;
};

struct ModelMetadata {
  // Names the model in decisions: "fraud-<spec>-<UTC time>", e.g. "fraud-fraud-20261203T120000Z".
  std::string id;
  std::string kind;  // "fraud"
  std::string created_at;
  std::string spec_name;
  int64_t spec_version = 0;
  uint64_t spec_fingerprint = 0;
  std::vector<std::string> features;  // the model's inputs, in column order
  Period train;
  Period valid;
  double auc = 0;
  double auprc = 0;
  std::vector<AlertRateResult> at_alert_rate;
  TrainParams params;
  int rounds = 0;
};

struct ModelFile {
  ModelMetadata meta;
  std::string xgboost_json;
  TreeEnsemble ensemble;  // parsed from xgboost_json
};

// Writes atomically (a temporary file renamed over `path`, fsync'ed, then the directory
// fsync'ed). Checks first that `xgboost_json` parses as a TreeEnsemble with as many
// features as meta.features names.
Status WriteModelFile(const std::string& path, const ModelMetadata& meta,
                      const std::string& xgboost_json);
// Reads and checks: format, feature count against the trees, the XGBoost model parses.
// Errors name the file and the problem.
Result<ModelFile> ReadModelFile(const std::string& path);

}  // namespace panorama::models
