// Back-fill: the features of every transaction of a data directory's log, computed by
// replaying the log through a FeatureEngine (the same code that serves live traffic), so
// back-filled values equal the values an online run produced for the same log.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "core/event.h"
#include "core/status.h"
#include "core/time.h"
#include "features/feature_engine.h"
#include "features/feature_spec.h"

namespace panorama::features {

struct BackfillOptions {
  Timestamp from = INT64_MIN;  // rows for transactions with from <= ts < to
  Timestamp to = INT64_MAX;
  bool labels = true;  // add the is_fraud column (the newest label of each tx_id in the log)
  // Where evicted entities go while back-filling: a scratch RocksDB removed afterwards.
  // Empty keeps all state in memory.
  std::string scratch_dir;
  uint64_t memory_budget_bytes = 1ULL << 30;
};

struct BackfillCounts {
  uint64_t records = 0;       // log records read
  uint64_t transactions = 0;  // transactions applied
  uint64_t rows = 0;          // rows written (inside [from, to))
  uint64_t rejected_late = 0;
  uint64_t labelled = 0;  // rows with a label
  EngineCounters engine;  // the engine's counters at the end
};

// One output row: the transaction, its features, and its label (-1 none, 0, 1).
using RowSink = std::function<Status(const Event& tx, std::span<const double> features, int label)>;

// Replays the log of `data_dir` through a fresh engine for `spec`, calling `sink` for each
// transaction in [from, to), in log order.
Status Backfill(const std::string& data_dir, const FeatureSpec& spec,
                const BackfillOptions& options, const RowSink& sink, BackfillCounts* counts);

// The CSV layout shared by `features backfill` and `features run`:
// tx_id,ts,<feature names...>[,is_fraud]. ts is ISO 8601 UTC; numbers are written in the
// shortest form that reads back to the same double; a missing value (NaN) is empty.
std::string CsvHeader(const FeatureSpec& spec, bool labels);
// Appends one row (with its newline) to `out`; label < 0 writes an empty cell.
void AppendCsvRow(const Event& tx, std::span<const double> features, bool labels, int label,
                  std::string* out);

}  // namespace panorama::features
