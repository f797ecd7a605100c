// Entity: the state of one entity (one key of one keyspace) and the window arithmetic on it.
//
// Invariants:
//  - Rows from `start` on hold the entity's retained events sorted by (ts, arrival); the
//    i-th live row has the absolute position base_pos + i, which pruning never changes
//    (it advances start and base_pos together). Rows before `start` are dead and get
//    compacted away.
//  - Every window group G reflects exactly the live rows with ts >= acc_ts - G.window: its
//    tail is the absolute position of the first row with that ts (INT64_MAX tail ts when
//    there is none), and each of its sums covers the rows from the tail that match the sum's
//    mask. Everything in a group is therefore a function of the rows and acc_ts, which is
//    how it is rebuilt after a reload or an out-of-order insert.
//  - Lifetime accumulators hold all applied matching events (`all`) and those already
//    pruned from the rows (`settled`), so that a query at an earlier time than the newest
//    row is `settled` plus a scan of the rows.
//  - Sums are integers (__int128 for squares), so adding and removing events is exact.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
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

// The monotonic deque of a sliding min or max: (absolute row position, value) of the rows
// that can still become the extreme, oldest first. Values are kept beside the positions so
// that neither reading the extreme nor pushing a row touches the rows.
struct PositionQueue {
  struct Item {
    uint64_t pos;
    int64_t value;
  };
  std::vector<Item> items;
  size_t head = 0;
  bool empty() const { return head == items.size(); }
  const Item& front() const { return items[head]; }
  const Item& back() const { return items.back(); }
  void push_back(Item item) { items.push_back(item); }
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

// distinct_count while the window holds <= distinct_exact_limit events: sorted
// (hash, occurrences). Empty above the limit (the value is then estimated by a scan).
using DistinctSet = std::vector<std::pair<uint64_t, uint32_t>>;

// The heap blocks of one keyspace's row buffers. Blocks are 16 << c words (c < kClasses),
// carved from 2 MiB chunks on huge pages and recycled through one free list per size, so that
// growing a buffer neither calls malloc nor faults in a fresh 4 KiB page, and the rows of the
// keyspace's entities sit on few TLB entries. Larger blocks come from AllocateLarge. Freed
// blocks stay with the arena (for the keyspace's next entities) until it is destroyed. One
// thread at a time, as the engine.
class RowArena {
 public:
  static constexpr size_t kMinWords = 16;
  static constexpr int kClasses = 11;  // up to 16 << 10 words (128 KiB)

  RowArena() = default;
  RowArena(const RowArena&) = delete;
  RowArena& operator=(const RowArena&) = delete;
  ~RowArena();

  // A block of BlockWords(words) words.
  int64_t* Allocate(size_t words);
  // Returns a block from Allocate(n) with BlockWords(n) == words.
  void Free(int64_t* block, size_t words);
  // The size of the block Allocate(words) returns: a power of two of at least kMinWords.
  static size_t BlockWords(size_t words) { return std::bit_ceil(std::max(words, kMinWords)); }
  // Bytes of chunks held (blocks in use and free).
  size_t chunk_bytes() const { return chunks_.size() * kChunkBytes; }

 private:
  static constexpr size_t kChunkBytes = size_t{2} << 20;
  static int ClassOf(size_t block_words) { return std::countr_zero(block_words / kMinWords); }
  void Push(int c, int64_t* block);

  std::array<int64_t*, kClasses> free_{};  // each free block's first word links the next
  std::vector<void*> chunks_;
  char* bump_ = nullptr;  // the uncarved rest of the newest chunk
  size_t bump_left_ = 0;
};

// An entity's rows, `stride` int64 words each: in the record's inline area while they fit,
// then in a block of the keyspace's RowArena, which every call that may grow or free the
// buffer is given (the buffer does not keep a pointer to it, so that the record header stays
// one line). Records never move, so pointing into one is safe. It counts rows, so that no
// division by the stride is needed on the hot path. At most 2^30 words (8 GiB).
class RowBuffer {
 public:
  RowBuffer() = default;
  RowBuffer(const RowBuffer&) = delete;
  RowBuffer& operator=(const RowBuffer&) = delete;
  // The owner must Reset() or Release() a buffer with a heap block before destroying it.
  ~RowBuffer() = default;

  // Empty, over `capacity` words of inline storage at `storage`.
  void Reset(int64_t* storage, uint32_t capacity, RowArena* arena) {
    Release(arena);
    data_ = storage;
    capacity_ = capacity;
  }
  // Returns the heap block, if any, to `arena`; the buffer is then empty with no storage.
  void Release(RowArena* arena) {
    FreeBlock(arena);
    size_ = 0;
  }
  size_t size() const { return size_; }  // rows
  const int64_t* data() const { return data_; }
  int64_t* data() { return data_; }
  size_t heap_words() const { return (capacity_ & kHeap) != 0 ? capacity_ & ~kHeap : 0; }
  void clear() { size_ = 0; }
  // Inserts `row` before row `at`.
  void Insert(size_t at, const int64_t* row, size_t stride, RowArena* arena);
  void Append(const int64_t* row, size_t stride, RowArena* arena) {
    const size_t used = size_ * stride;
    if (used + stride > capacity()) Reserve(used + stride, used, arena);
    for (size_t i = 0; i < stride; ++i) data_[used + i] = row[i];  // a few words: no memcpy call
    ++size_;
  }
  void EraseFront(size_t rows, size_t stride);
  // Sets the size to `rows`; new rows are unspecified.
  void Resize(size_t rows, size_t stride, RowArena* arena);

 private:
  static constexpr uint32_t kHeap = 1U << 31;           // in capacity_: data_ is an arena block
  static constexpr size_t kMaxWords = size_t{1} << 30;  // block sizes are powers of two
  size_t capacity() const { return capacity_ & ~kHeap; }
  void Reserve(size_t words, size_t used_words, RowArena* arena);
  void FreeBlock(RowArena* arena);  // leaves size_ as it is

  int64_t* data_ = nullptr;
  uint32_t size_ = 0;      // rows
  uint32_t capacity_ = 0;  // words, with kHeap
};

struct LifetimeAccumulator {
  Aggregate all;
  Aggregate settled;
};

// The header of an entity's record. A record is one block of EntityOps::record_size() bytes:
// this header, the inline area of its rows (room for a few), its accumulator words (per
// window group: the tail position and the tail's ts, then the group's SumSlots), its sliding
// min/max queues (by FeaturePlan::extreme_index), its distinct sets (by distinct_index), then
// its LifetimeAccumulators; so the state an update reads is a few adjacent cache lines, and
// an entity with few events needs no other memory. Records live in the engine's pool, are
// built by EntityOps::Construct and never copied or moved.
struct alignas(64) Entity {
  uint64_t key = 0;
  Timestamp acc_ts = std::numeric_limits<int64_t>::min();  // see the invariants
  uint64_t base_pos = 0;  // absolute position of the row at `start`
  RowBuffer rows;         // row-major, stride = plan.stride
  uint64_t touched = 0;   // update counter at the last touch (for LRU eviction)
  uint32_t start = 0;     // first live row (index in rows)
  uint32_t size16 = 0;    // estimated memory in 16-byte units, as last computed
  bool dirty = false;     // changed since the last checkpoint
  bool live = false;      // slot in use

  Entity() = default;
  Entity(const Entity&) = delete;
  Entity& operator=(const Entity&) = delete;

  size_t live_rows() const { return rows.size() - start; }
  const int64_t* row(size_t i, int stride) const {  // i-th live row
    return rows.data() + (start + i) * static_cast<size_t>(stride);
  }
  uint64_t end_pos() const { return base_pos + live_rows(); }
};
static_assert(sizeof(Entity) == 64, "an entity's header is one cache line");

// Scratch buffers reused across updates so that the update path does not allocate.
struct Scratch {
  std::vector<uint64_t> hashes;
  std::vector<uint8_t> registers;
};

class EntityOps {
 public:
  EntityOps(const KeyspacePlan& plan, uint32_t distinct_exact_limit, int hll_precision);

  // Bytes of one entity record (a multiple of alignof(Entity), a cache line).
  size_t record_size() const { return record_size_; }
  // Builds an unused record in `record_size()` bytes at `record`; Destroy() undoes it.
  Entity* Construct(void* record) const;
  void Destroy(Entity* entity) const;
  // Makes `entity` (a constructed record) the empty state of `key`.
  void Init(Entity* entity, uint64_t key) const;
  // Frees what `entity` holds and marks the record unused.
  void Reset(Entity* entity) const;
  // Memory of `entity`: its record and heap blocks.
  uint64_t EstimateBytes(const Entity& entity) const {
    const uint64_t fixed = record_size_ + entity.rows.heap_words() * sizeof(int64_t);
    return plan_.extremes + plan_.distincts == 0 ? fixed : fixed + ContainerBytes(entity);
  }

  // Starts loading what an update of `entity` reads beyond its record into the CPU cache:
  // the newest row, the first row of each window, the ends of its min/max queues and its
  // distinct sets.
  void PrefetchRows(const Entity& entity) const;

  // The newest live row's ts, or INT64_MIN when none.
  Timestamp NewestTs(const Entity& entity) const {
    const size_t live = entity.live_rows();
    return live == 0 ? std::numeric_limits<int64_t>::min()
                     : entity.row(live - 1, plan_.stride)[kRowTs];
  }

  // Fast path (t greater than every row's ts): expires the windows to t and reads each
  // feature's aggregate over [t - W, t) into aggs[feature index in plan].
  void AdvanceAndRead(Entity* entity, Timestamp t, Scratch* scratch, Reading* aggs) const;
  // The whole update on the fast path for a keyspace without include_current features: with
  // t = row's ts, writes each feature's value at t into out[feature's index in the vector]
  // (what Value() of AdvanceAndRead()'s aggregate gives, without building the aggregates),
  // then adds `row` as Insert() would. Expiry, reads and the add run in one pass per window.
  void UpdateInOrder(Entity* entity, const int64_t* row, Scratch* scratch, double* out) const;
  // Any time: aggregates over [t - W, t) by scanning the rows (plus `settled` for lifetime
  // features). Used for ties, late events and `features show`.
  void ScanRead(const Entity& entity, Timestamp t, Scratch* scratch, Reading* aggs) const;
  // Folds the current event's row into each include_current feature's aggregate.
  void IncludeCurrent(const Entity& entity, const int64_t* row, Scratch* scratch,
                      Reading* aggs) const;

  // Inserts `row` in (ts, arrival) order and updates every accumulator.
  void Insert(Entity* entity, const int64_t* row) const;
  // Drops rows older than `cutoff` (moving them into the lifetime `settled` aggregates).
  void Prune(Entity* entity, Timestamp cutoff) const {
    if (entity->live_rows() != 0 && entity->row(0, plan_.stride)[kRowTs] < cutoff) {
      PruneRows(entity, cutoff);
    }
  }
  // Recomputes every window accumulator from the rows and acc_ts.
  void RebuildWindows(Entity* entity) const;

  // The value of feature plan `f` from its aggregate (and distinct count).
  double Value(const FeaturePlan& f, const Aggregate& agg, double distinct, Timestamp t) const;

  // Binary form for the state store (docs/features.md, "State").
  void Serialize(const Entity& entity, std::string* out) const;
  Status Deserialize(std::string_view bytes, Entity* entity) const;

 private:
  int64_t* InlineRows(Entity* entity) const {
    return reinterpret_cast<int64_t*>(reinterpret_cast<char*>(entity) + sizeof(Entity));  // NOLINT
  }
  int64_t* Words(Entity* entity) const {
    return reinterpret_cast<int64_t*>(reinterpret_cast<char*>(entity) + words_offset_);  // NOLINT
  }
  const int64_t* Words(const Entity& entity) const {
    return reinterpret_cast<const int64_t*>(  // NOLINT
        reinterpret_cast<const char*>(&entity) + words_offset_);
  }
  PositionQueue* Extremes(Entity* entity) const {
    return reinterpret_cast<PositionQueue*>(  // NOLINT
        reinterpret_cast<char*>(entity) + extremes_offset_);
  }
  const PositionQueue* Extremes(const Entity& entity) const {
    return reinterpret_cast<const PositionQueue*>(  // NOLINT
        reinterpret_cast<const char*>(&entity) + extremes_offset_);
  }
  DistinctSet* Distincts(Entity* entity) const {
    return reinterpret_cast<DistinctSet*>(  // NOLINT
        reinterpret_cast<char*>(entity) + distincts_offset_);
  }
  const DistinctSet* Distincts(const Entity& entity) const {
    return reinterpret_cast<const DistinctSet*>(  // NOLINT
        reinterpret_cast<const char*>(&entity) + distincts_offset_);
  }
  LifetimeAccumulator* Lifetimes(Entity* entity) const {
    return reinterpret_cast<LifetimeAccumulator*>(  // NOLINT
        reinterpret_cast<char*>(entity) + lifetimes_offset_);
  }
  const LifetimeAccumulator* Lifetimes(const Entity& entity) const {
    return reinterpret_cast<const LifetimeAccumulator*>(  // NOLINT
        reinterpret_cast<const char*>(&entity) + lifetimes_offset_);
  }
  // Moves the accumulators' time to max(acc_ts, t), expiring rows from every window.
  void Advance(Entity* entity, Timestamp t) const;
  void AddToGroup(Entity* entity, const WindowGroup& g, uint64_t pos, const int64_t* row) const;
  void PruneRows(Entity* entity, Timestamp cutoff) const;
  // The count of windowed feature `f` when its window holds the rows at positions
  // [tail, end).
  static int64_t WindowCount(const FeaturePlan& f, const int64_t* words, uint64_t tail,
                             uint64_t end) {
    return f.count_word >= 0 ? words[f.count_word] : static_cast<int64_t>(end - tail);
  }
  // Windowed feature f's value at t over the rows at [tail, end).
  double WindowedValue(const Entity& entity, const FeaturePlan& f, const int64_t* words,
                       uint64_t tail, uint64_t end, Timestamp t, Scratch* scratch) const;
  static uint64_t Tail(const FeaturePlan& f, const int64_t* words) {
    return static_cast<uint64_t>(words[f.tail_word]);
  }
  // Feature f's distinct count over its window's rows [from, to), which hold `count` matching
  // events: the exact set's size up to the limit, an estimate from the rows above it.
  double DistinctInWindow(const Entity& entity, const FeaturePlan& f, int64_t count, size_t from,
                          size_t to, Scratch* scratch) const;
  // Sets a's last_ts and last_value from the newest row of [from, to) that f counts (none:
  // unchanged).
  void LastInWindow(const Entity& entity, const FeaturePlan& f, size_t from, size_t to,
                    Aggregate* a) const;
  // Heap bytes of the min/max queues and distinct sets.
  uint64_t ContainerBytes(const Entity& entity) const;
  // Expires group g's window to `cutoff`: its tail moves to the first row at or after it, and
  // what leaves is taken out of the group's sums, queues and sets (ExpireRows).
  void ExpireGroup(Entity* entity, const WindowGroup& g, Timestamp cutoff) const;
  void ExpireRows(Entity* entity, const WindowGroup& g, Timestamp cutoff) const;
  void RebuildDistinct(Entity* entity, const FeaturePlan& f) const;
  double DistinctOfRows(const Entity& entity, const FeaturePlan& f, size_t from, size_t to,
                        const int64_t* extra, Scratch* scratch) const;

  const KeyspacePlan& plan_;
  std::unique_ptr<RowArena> arena_;  // the heap blocks of this keyspace's rows
  uint32_t limit_;
  int precision_;
  uint32_t inline_words_ = 0;
  size_t words_offset_ = 0;
  size_t extremes_offset_ = 0;
  size_t distincts_offset_ = 0;
  size_t lifetimes_offset_ = 0;
  size_t record_size_ = 0;
};

// HyperLogLog estimate of the number of distinct values among `hashes`.
double HyperLogLogEstimate(const uint64_t* hashes, size_t count, int precision,
                           std::vector<uint8_t>* registers);

}  // namespace panorama::features::internal
