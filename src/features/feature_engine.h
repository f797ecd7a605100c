// FeatureEngine: exact per-entity window features, updated event by event.
//
// Semantics (docs/features.md):
//  - The features of transaction e are computed over the events of each of its entities
//    that were applied before e and have ts in [e.ts - window, e.ts): strictly earlier in
//    time. A feature with include_current also counts e itself.
//  - Sliding windows are exact for count, sum, mean, min, max, stddev, ratio, count_value:
//    sums are kept as integers, so no rounding drifts as events leave a window.
//    distinct_count is exact while the window holds at most distinct_exact_limit events and
//    a HyperLogLog estimate (2^hll_precision registers) above that.
//  - Events may arrive out of order: an event no older than the watermark (the newest ts
//    seen minus allowed_lateness) is applied exactly as if it had arrived in time order for
//    every later event; an older one is rejected (Update returns OutOfRange with the reason)
//    and changes nothing.
//  - Memory is bounded by options.memory_budget_bytes: events older than every window
//    (plus the allowed lateness) leave an entity's buffer, and when entity state exceeds
//    the budget the engine checkpoints and drops the least recently used entities from
//    memory; they are reloaded from the state store when next touched.
//  - Values are a deterministic function of the sequence of updates: restoring a checkpoint
//    and replaying the log after it gives bit-identical features to an uninterrupted run.
//
// Thread-safety: one thread at a time; not internally synchronized.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "features/feature_spec.h"

namespace panorama::features {

struct EngineOptions {
  // A RocksDB directory for entity state and checkpoints; empty keeps everything in memory
  // (then memory_budget_bytes is not enforced and Checkpoint() is a no-op).
  std::string state_dir;
  uint64_t memory_budget_bytes = 1ULL << 30;
  // Read-only: Restore() reads the state, nothing is ever written (`features show`).
  bool read_only = false;
};

struct EngineCounters {
  uint64_t applied = 0;        // transactions whose features were computed
  uint64_t rejected_late = 0;  // transactions older than the watermark
  uint64_t late_applied = 0;   // out-of-order transactions within the allowed lateness
  uint64_t evictions = 0;      // entities dropped from memory
  uint64_t reloads = 0;        // entities read back from the state store
  uint64_t checkpoints = 0;
  uint64_t entities_in_memory = 0;
  uint64_t state_bytes = 0;  // estimated bytes of entity state in memory
};

// What a checkpoint says about itself.
struct CheckpointInfo {
  uint64_t seq = 0;            // the last log sequence number the state reflects
  uint64_t output_offset = 0;  // an opaque position of the caller's (bytes of an output file)
  Timestamp max_ts = 0;        // the newest event time seen (the watermark's base)
};

class FeatureEngine {
 public:
  // Opens the state store when options.state_dir is set. A store written under another
  // spec (fingerprint) is FailedPrecondition: its values would be wrong for this spec.
  static Result<std::unique_ptr<FeatureEngine>> Open(FeatureSpec spec,
                                                     const EngineOptions& options = {});
  ~FeatureEngine();
  FeatureEngine(const FeatureEngine&) = delete;
  FeatureEngine& operator=(const FeatureEngine&) = delete;

  const FeatureSpec& spec() const;
  // The feature vector's width: spec().features.size().
  size_t width() const;

  // The last checkpoint of the store (seq 0 for a new store). After Open() the engine's
  // state is the checkpoint's; replay the log from info.seq + 1.
  const CheckpointInfo& restored() const;

  // Applies transaction `event`, the log record `seq`, and writes its features into `out`
  // (width() values; NaN where a value does not exist, such as the mean of an empty window
  // or an entity field the event lacks). Records with seq <= last_seq() are skipped (OK,
  // `out` untouched, *skipped set) so a replay may overlap what the state holds. A
  // transaction older than the watermark returns OutOfRange with the reason; `out` is then
  // all NaN and nothing changes but last_seq(). Events of other kinds only advance
  // last_seq(). No heap allocation per event in steady state. An error of the state store
  // stops the engine as UpdateBatch() describes.
  Status Update(const Event& event, uint64_t seq, std::span<double> out, bool* skipped = nullptr);

  // Applies events[i], the log record seqs[i], for each i in order, exactly as Update()
  // would one by one: event i's features go to out[i * width(), (i + 1) * width()) and its
  // status (OK, or OutOfRange for a late transaction) to statuses[i]. It updates one
  // keyspace at a time over the whole batch and loads the entities of the next few updates
  // into the CPU cache while it applies one, which is much faster than Update() once the
  // state outgrows the cache. The memory budget is checked (and the checkpoint hook called)
  // once, before the first event. Returns an error only when the engine cannot go on (the
  // state store failed): every status carries it, the batch is partly applied, and from then
  // on Update(), UpdateBatch() and Checkpoint() return it. Open the state again to recover
  // from the last checkpoint.
  Status UpdateBatch(std::span<const Event> events, std::span<const uint64_t> seqs,
                     std::span<double> out, std::span<Status> statuses);

  // The current features of one entity, as they stand after the last update: every event
  // applied so far counts (as for an event at the newest time seen, including events at
  // that time). Derived features and features of other keyspaces are NaN. `key` lists the
  // keyspace's field values in order, e.g. {"C0000000042"} or {"C0000000042", "M0000000007"}.
  // NotFound when the entity has no state.
  Status EntityFeatures(int keyspace, std::span<const std::string_view> key, std::span<double> out);

  // Writes every entity changed since the last checkpoint and `info` (with seq =
  // last_seq()) in one atomic, synced write. Afterwards a crash restores exactly this state.
  Status Checkpoint(uint64_t output_offset = 0);

  // Update() checkpoints by itself when the state has outgrown the memory budget (so that
  // it can evict), before it applies its record: the checkpoint reflects the records up to
  // last_seq(). A caller that writes output derived from the updates sets a hook that makes
  // the output of those records durable and returns the output_offset to record; without
  // one the previous checkpoint's offset is recorded.
  void SetCheckpointHook(std::function<Result<uint64_t>()> hook);

  uint64_t last_seq() const;
  // The newest event time seen; INT64_MIN before the first transaction.
  Timestamp max_ts() const;
  // The status Update() gives transaction `tx_id` at `ts` when the newest time seen is `newest`
  // (INT64_MIN: none yet): OutOfRange with the reason when ts is older than the watermark
  // newest - allowed_lateness, else OK. For a caller that must know before updating (the
  // scoring service assigns log positions first), with its own running newest time.
  Status LateStatus(std::string_view tx_id, Timestamp ts, Timestamp newest) const;
  EngineCounters counters() const;

 private:
  struct Impl;
  explicit FeatureEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The state directory of spec `name` inside a data directory: DIR/state/features/<name>.
std::string FeatureStateDir(const std::string& data_dir, std::string_view spec_name);

}  // namespace panorama::features
