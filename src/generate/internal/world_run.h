// The day loop of the world (world.cc), driven by GenerateWorld (generate.cc), which opens and
// closes the files. Internal to src/generate.
#pragma once

#include <cstdint>
#include <memory>

#include "core/status.h"
#include "generate/generate.h"
#include "generate/internal/writer.h"

namespace panorama::generate {

// 2026-10-01T00:00:00Z, the first day when WorldOptions::start is 0.
Timestamp DefaultStart();

// The outputs of one world, in kAllEventKinds order.
struct WorldOutputs {
  std::unique_ptr<TxWriter> transactions;
  std::unique_ptr<EventStream> labels, customers, merchants, loans, offers, posts;
};

// Figures of a run beyond WorldSummary, for the manifest.
struct RunStats {
  uint64_t fraud_labels = 0;    // is_fraud=true labels (one per labelled transaction)
  uint64_t cleared_labels = 0;  // is_fraud=false ANALYST labels of genuine transactions
  uint64_t dispute_labels = 0;  // is_fraud=false CHARGEBACK labels: disputed genuine purchases
  uint64_t customers_joined = 0, merchants_opened = 0;  // joining inside the world
};

// Simulates every day of the world into `outputs` (records still queued at the end stay
// queued: the caller closes the streams) and fills `summary` except `files`. `options` must
// be valid and have its start resolved. Fails on a write error or when a simulator breaks
// the transaction contract (a timestamp outside its day, an index out of range).
Status RunWorld(const WorldOptions& options, WorldOutputs& outputs, WorldSummary* summary,
                RunStats* stats);

}  // namespace panorama::generate
