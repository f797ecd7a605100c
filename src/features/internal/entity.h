// Entity: the state of one entity (one key of one keyspace) and the window arithmetic on it.
//
// Invariants:
//  - Rows from `start` on hold the entity's retained events sorted by (ts, arrival); the
//    i-th live row has the absolute position base_pos + i, which pruning never changes
//    (it advances start and base_pos together). Rows before `start` are dead and get
//    compacted away.
//  - Every window accumulator W reflects exactly the live rows with ts >= acc_ts - W.window
//    that match its mask: tail is the absolute position of the first row (matching or not)
//    with that ts, tail_ts its ts. Everything
//    in a window accumulator is therefore a function of the rows and acc_ts, which is how
//    it is rebuilt after a reload or an out-of-order insert.
//  - Lifetime accumulators hold all applied matching events (`all`) and those already
//    pruned from the rows (`settled`), so that a query at an earlier time than the newest
//    row is `settled` plus a scan of the rows.
//  - Sums are integers (__int128 for squares), so adding and removing events is exact.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "features/internal/plan.h"

namespace panorama::features::internal {

// 128-bit integers for exact sums of squares (a GCC/Clang extension).
__extension__ typedef __int128 Int128;            // NOLINT(modernize-use-using)
__extension__ typedef unsigned __int128 UInt128;  // NOLINT(modernize-use-using)

// Aggregates of a set of events, from which every aggregation's value is read.
struct Aggregate {
  int64_t count = 0;
  int64_t numerator = 0;  // ratio
  int64_t sum = 0;
  Int128 sum_squares = 0;
  int64_t min = std::numeric_limits<int64_t>::max();
  int64_t max = std::numeric_limits<int64_t>::min();
  Timestamp first_ts = std::numeric_limits<int64_t>::max();
  Timestamp last_ts = std::numeric_limits<int64_t>::min();
  int64_t last_value = 0;

  void Add(const int64_t* row, const FeaturePlan& plan);
};

// What a read of one feature yields: the aggregate, the distinct count, and the live-row
// index range [from, to) it was read over (for include_current).
struct Reading : Aggregate {
  double distinct = 0;
  size_t from = 0;
  size_t to = 0;
};

// A queue of absolute row positions (the monotonic deque of a sliding min or max).
struct PositionQueue {
  std::vector<uint64_t> items;
  size_t head = 0;
  bool empty() const { return head == items.size(); }
  uint64_t front() const { return items[head]; }
  uint64_t back() const { return items.back(); }
  void push_back(uint64_t p) { items.push_back(p); }
  void pop_back() { items.pop_back(); }
  void pop_front() {
    if (++head == items.size()) {
      items.clear();
      head = 0;
    } else if (head >= 32 && head * 2 >= items.size()) {
      items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(head));
      head = 0;
    }
  }
  void clear() {
    items.clear();
    head = 0;
  }
};

// The running sums of one sliding window (min and max live in Entity::extremes, distinct
// sets in Entity::distincts, so that this stays one cache line).
struct WindowSums {
  int64_t count = 0;
  int64_t numerator = 0;
  int64_t sum = 0;
  Int128 sum_squares = 0;
};

// distinct_count while the window holds <= distinct_exact_limit events: sorted
// (hash, occurrences). Empty above the limit (the value is then estimated by a scan).
using DistinctSet = std::vector<std::pair<uint64_t, uint32_t>>;

struct WindowAccumulator {
  uint64_t tail = 0;  // absolute position of the first row inside the window
  // The ts of the row at `tail`, INT64_MAX when tail is past the last row: lets expiry skip
  // touching the rows when nothing leaves the window (the common case for long windows).
  Timestamp tail_ts = std::numeric_limits<int64_t>::max();
  WindowSums agg;
};

struct LifetimeAccumulator {
  Aggregate all;
  Aggregate settled;
};

struct Entity {
  uint64_t key = 0;
  Timestamp newest_ts = std::numeric_limits<int64_t>::min();  // of the last live row
  std::vector<int64_t> rows;                                  // row-major, stride = plan.stride
  size_t start = 0;       // first live row (index in rows / stride)
  uint64_t base_pos = 0;  // absolute position of the row at `start`
  Timestamp acc_ts = std::numeric_limits<int64_t>::min();  // see the invariants
  // Fixed-size per keyspace (the counts below): arrays, not vectors, to keep the entity small.
  std::unique_ptr<WindowAccumulator[]> windows;
  std::unique_ptr<LifetimeAccumulator[]> lifetimes;
  std::unique_ptr<PositionQueue[]> extremes;  // sliding min/max, by FeaturePlan::extreme_index
  std::unique_ptr<DistinctSet[]> distincts;   // by FeaturePlan::distinct_index
  uint16_t n_windows = 0, n_lifetimes = 0, n_extremes = 0, n_distincts = 0;
  uint64_t touched = 0;  // update counter at the last touch (for LRU eviction)
  uint64_t bytes = 0;    // estimated memory, as last computed
  bool dirty = false;    // changed since the last checkpoint
  bool live = false;     // slot in use

  size_t live_rows(int stride) const { return rows.size() / static_cast<size_t>(stride) - start; }
  const int64_t* row(size_t i, int stride) const {  // i-th live row
    return rows.data() + (start + i) * static_cast<size_t>(stride);
  }
  uint64_t end_pos(int stride) const { return base_pos + live_rows(stride); }
  uint64_t EstimateBytes() const;
};

// Scratch buffers reused across updates so that the update path does not allocate.
struct Scratch {
  std::vector<uint64_t> hashes;
  std::vector<uint8_t> registers;
};

class EntityOps {
 public:
  EntityOps(const KeyspacePlan& plan, uint32_t distinct_exact_limit, int hll_precision)
      : plan_(plan), limit_(distinct_exact_limit), precision_(hll_precision) {}

  void Init(Entity* entity, uint64_t key) const;

  // The newest live row's ts, or INT64_MIN when none.
  static Timestamp NewestTs(const Entity& entity) { return entity.newest_ts; }

  // Fast path (t greater than every row's ts): expires the windows to t and reads each
  // feature's aggregate over [t - W, t) into aggs[feature index in plan].
  void AdvanceAndRead(Entity* entity, Timestamp t, Scratch* scratch, Reading* aggs) const;
  // Any time: aggregates over [t - W, t) by scanning the rows (plus `settled` for lifetime
  // features). Used for ties, late events and `features show`.
  void ScanRead(const Entity& entity, Timestamp t, Scratch* scratch, Reading* aggs) const;
  // Folds the current event's row into each include_current feature's aggregate.
  void IncludeCurrent(const Entity& entity, const int64_t* row, Scratch* scratch,
                      Reading* aggs) const;

  // Inserts `row` in (ts, arrival) order and updates every accumulator.
  void Insert(Entity* entity, const int64_t* row) const;
  // Drops rows older than `cutoff` (moving them into the lifetime `settled` aggregates).
  void Prune(Entity* entity, Timestamp cutoff) const;
  // Recomputes every window accumulator from the rows and acc_ts.
  void RebuildWindows(Entity* entity) const;

  // The value of feature plan `f` from its aggregate.
  double Value(const FeaturePlan& f, const Reading& agg, Timestamp t) const;

  // Binary form for the state store (docs/features.md, "State").
  void Serialize(const Entity& entity, std::string* out) const;
  Status Deserialize(std::string_view bytes, Entity* entity) const;

 private:
  void AddToWindow(Entity* entity, const FeaturePlan& f, uint64_t pos, const int64_t* row) const;
  void ExpireWindow(Entity* entity, const FeaturePlan& f, Timestamp cutoff) const;
  void RebuildDistinct(Entity* entity, const FeaturePlan& f) const;
  double DistinctOfRows(const Entity& entity, const FeaturePlan& f, size_t from, size_t to,
                        const int64_t* extra, Scratch* scratch) const;
  int64_t ColumnValue(const Entity& entity, uint64_t pos, int column) const;

  const KeyspacePlan& plan_;
  uint32_t limit_;
  int precision_;
};

// HyperLogLog estimate of the number of distinct values among `hashes`.
double HyperLogLogEstimate(const uint64_t* hashes, size_t count, int precision,
                           std::vector<uint8_t>* registers);

}  // namespace panorama::features::internal
