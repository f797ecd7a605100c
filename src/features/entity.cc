#include "features/internal/entity.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

#include "core/huge_pages.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
// Free arena blocks (all but their link word) are poisoned: a use after free still fails.
#define PANORAMA_POISON(block, words) \
  ASAN_POISON_MEMORY_REGION((block) + 1, ((words)-1) * sizeof(int64_t))
#define PANORAMA_UNPOISON(block, words) \
  ASAN_UNPOISON_MEMORY_REGION((block), (words) * sizeof(int64_t))
#else
#define PANORAMA_POISON(block, words) static_cast<void>(0)
#define PANORAMA_UNPOISON(block, words) static_cast<void>(0)
#endif

namespace panorama::features::internal {
namespace {

using Wide = UInt128;  // wrapping arithmetic: sums of hostile inputs never trap

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
constexpr uint8_t kFormatVersion = 1;

Timestamp SaturatingSub(Timestamp a, Timestamp b) {
  Timestamp out = 0;
  if (__builtin_sub_overflow(a, b, &out)) return std::numeric_limits<int64_t>::min();
  return out;
}

bool Matches(const int64_t* row, uint64_t mask) {
  return (static_cast<uint64_t>(row[kRowBits]) & mask) == mask;
}

Wide WideOf(int64_t v) { return static_cast<Wide>(static_cast<Int128>(v)); }

void AddWide(Int128* acc, Wide delta) {
  *acc = static_cast<Int128>(static_cast<Wide>(*acc) + delta);
}

// sum is kept as an int64 whose arithmetic wraps (as uint64) instead of trapping.
// An Int128 kept in two accumulator words (which are only 8-byte aligned).
Wide LoadInt128(const int64_t* words) {
  Wide v = 0;
  std::memcpy(&v, words, sizeof v);
  return v;
}
void StoreInt128(int64_t* words, Wide v) { std::memcpy(words, &v, sizeof v); }

void AddWrapped(int64_t* acc, int64_t v) {
  *acc = static_cast<int64_t>(static_cast<uint64_t>(*acc) + static_cast<uint64_t>(v));
}
void SubWrapped(int64_t* acc, int64_t v) {
  *acc = static_cast<int64_t>(static_cast<uint64_t>(*acc) - static_cast<uint64_t>(v));
}

// The values of the aggregations from their sums (count > 0), shared by Value() and the
// fast path so that both give the same bits.
double PopulationStddev(int64_t count, int64_t sum, Int128 sum_squares) {
  // n * S2 - S1^2 exactly when it fits in 128 bits, long double otherwise.
  Int128 n = count;
  Int128 s1 = sum;
  Int128 n_s2 = 0;
  Int128 s1_sq = 0;
  long double variance = 0;
  if (!__builtin_mul_overflow(n, sum_squares, &n_s2) && !__builtin_mul_overflow(s1, s1, &s1_sq)) {
    Int128 numerator = n_s2 - s1_sq;
    if (numerator < 0) numerator = 0;
    variance = static_cast<long double>(numerator) /
               (static_cast<long double>(count) * static_cast<long double>(count));
  } else {
    long double mean = static_cast<long double>(sum) / static_cast<long double>(count);
    variance =
        static_cast<long double>(sum_squares) / static_cast<long double>(count) - mean * mean;
    if (variance < 0) variance = 0;
  }
  return static_cast<double>(std::sqrt(variance));
}

double MeanOf(int64_t sum, int64_t count, double scale) {
  return static_cast<double>(static_cast<long double>(sum) / static_cast<long double>(count)) *
         scale;
}

template <typename T>
void Put(std::string* out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out->append(bytes, sizeof(T));
}

template <typename T>
bool Get(std::string_view* in, T* value) {
  if (in->size() < sizeof(T)) return false;
  std::memcpy(value, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}

void PutAggregate(std::string* out, const Aggregate& a) {
  Put(out, a.count);
  Put(out, a.numerator);
  Put(out, a.sum);
  Put(out, a.sum_squares);
  Put(out, a.min);
  Put(out, a.max);
  Put(out, a.first_ts);
  Put(out, a.last_ts);
  Put(out, a.last_value);
}

bool GetAggregate(std::string_view* in, Aggregate* a) {
  return Get(in, &a->count) && Get(in, &a->numerator) && Get(in, &a->sum) &&
         Get(in, &a->sum_squares) && Get(in, &a->min) && Get(in, &a->max) &&
         Get(in, &a->first_ts) && Get(in, &a->last_ts) && Get(in, &a->last_value);
}

// Adds (kSign +1) or removes (-1) `row`'s share of every sum of group `g` it matches.
// The slots are ordered by kind (WindowGroup::counts and so on), so each kind is a loop of
// its own without a switch; counts add 0 or kSign without a branch.
template <int kSign>
void ApplyToSlots(const WindowGroup& g, const int64_t* row, int64_t* words) {
  const auto bits = static_cast<uint64_t>(row[kRowBits]);
  const SumSlot* slots = g.slots.data();
  const int n = static_cast<int>(g.slots.size());
  int i = 0;
  for (; i < g.counts; ++i) {
    const SumSlot& slot = slots[i];
    words[slot.word] += kSign * static_cast<int64_t>((bits & slot.mask) == slot.mask);
  }
  for (; i < g.numerators; ++i) {
    const SumSlot& slot = slots[i];
    const bool counts = (bits & slot.mask) == slot.mask && (bits & slot.numerator) != 0;
    words[slot.word] += kSign * static_cast<int64_t>(counts);
  }
  for (; i < g.sums; ++i) {
    const SumSlot& slot = slots[i];
    if ((bits & slot.mask) != slot.mask) continue;
    if constexpr (kSign > 0) {
      AddWrapped(&words[slot.word], row[slot.column]);
    } else {
      SubWrapped(&words[slot.word], row[slot.column]);
    }
  }
  for (; i < n; ++i) {
    const SumSlot& slot = slots[i];
    if ((bits & slot.mask) != slot.mask) continue;
    const Wide v = WideOf(row[slot.column]);
    const Wide old = LoadInt128(&words[slot.word]);
    StoreInt128(&words[slot.word], kSign > 0 ? old + v * v : old - v * v);
  }
}

}  // namespace

void Aggregate::Add(const int64_t* row, const FeaturePlan& plan) {
  ++count;
  if ((static_cast<uint64_t>(row[kRowBits]) & plan.numerator) != 0) ++numerator;
  Timestamp ts = row[kRowTs];
  first_ts = std::min(first_ts, ts);
  int64_t v = plan.column >= 0 ? row[plan.column] : 0;
  if (ts >= last_ts) {
    last_ts = ts;
    last_value = v;
  }
  if (plan.column < 0) return;
  AddWrapped(&sum, v);
  AddWide(&sum_squares, WideOf(v) * WideOf(v));
  min = std::min(min, v);
  max = std::max(max, v);
}

RowArena::~RowArena() {
  for (void* chunk : chunks_) FreeLarge(chunk, kChunkBytes);
}

void RowArena::Push(int c, int64_t* block) {
  std::memcpy(block, &free_[static_cast<size_t>(c)], sizeof(int64_t*));
  PANORAMA_POISON(block, kMinWords << c);
  free_[static_cast<size_t>(c)] = block;
}

int64_t* RowArena::Allocate(size_t words) {
  const size_t block_words = BlockWords(words);
  const size_t bytes = block_words * sizeof(int64_t);
  const int c = ClassOf(block_words);
  if (c >= kClasses) return static_cast<int64_t*>(AllocateLarge(bytes));
  int64_t*& head = free_[static_cast<size_t>(c)];
  if (head != nullptr) {
    int64_t* block = head;
    PANORAMA_UNPOISON(block, block_words);
    std::memcpy(&head, block, sizeof(int64_t*));
    return block;
  }
  if (bump_left_ < bytes) {
    // The rest of the chunk becomes free blocks (it is a multiple of the smallest block, as
    // every carved block is), largest first.
    for (int r = kClasses - 1; r >= 0; --r) {
      const size_t piece = (kMinWords << r) * sizeof(int64_t);
      while (bump_left_ >= piece) {
        Push(r, reinterpret_cast<int64_t*>(bump_));  // NOLINT
        bump_ += piece;
        bump_left_ -= piece;
      }
    }
    bump_ = static_cast<char*>(AllocateLarge(kChunkBytes));
    chunks_.push_back(bump_);
    bump_left_ = kChunkBytes;
  }
  auto* block = reinterpret_cast<int64_t*>(bump_);  // NOLINT
  bump_ += bytes;
  bump_left_ -= bytes;
  return block;
}

void RowArena::Free(int64_t* block, size_t words) {
  const int c = ClassOf(words);
  if (c >= kClasses) {
    FreeLarge(block, words * sizeof(int64_t));
  } else {
    Push(c, block);
  }
}

void RowBuffer::Reserve(size_t words, size_t used_words, RowArena* arena) {
  if (words <= capacity()) return;
  if (words > kMaxWords) {
    std::fprintf(stderr, "panorama: one entity's event buffer outgrew 2^30 words\n");
    std::abort();
  }
  const size_t fresh = std::min(RowArena::BlockWords(std::max(words, capacity() * 2)), kMaxWords);
  int64_t* data = arena->Allocate(fresh);
  if (used_words > 0) std::memcpy(data, data_, used_words * sizeof(int64_t));
  FreeBlock(arena);
  data_ = data;
  capacity_ = static_cast<uint32_t>(fresh) | kHeap;
}

void RowBuffer::FreeBlock(RowArena* arena) {
  if ((capacity_ & kHeap) != 0) arena->Free(data_, capacity());
  data_ = nullptr;
  capacity_ = 0;
}

void RowBuffer::Insert(size_t at, const int64_t* row, size_t stride, RowArena* arena) {
  const size_t used = size_ * stride;
  Reserve(used + stride, used, arena);
  if (at < size_) {
    std::memmove(data_ + (at + 1) * stride, data_ + at * stride,
                 (size_ - at) * stride * sizeof(int64_t));
  }
  std::memcpy(data_ + at * stride, row, stride * sizeof(int64_t));
  ++size_;
}

void RowBuffer::EraseFront(size_t rows, size_t stride) {
  std::memmove(data_, data_ + rows * stride, (size_ - rows) * stride * sizeof(int64_t));
  size_ -= static_cast<uint32_t>(rows);
}

void RowBuffer::Resize(size_t rows, size_t stride, RowArena* arena) {
  Reserve(rows * stride, size_ * stride, arena);
  size_ = static_cast<uint32_t>(rows);
}

EntityOps::EntityOps(const KeyspacePlan& plan, uint32_t distinct_exact_limit, int hll_precision)
    : plan_(plan),
      arena_(std::make_unique<RowArena>()),
      limit_(distinct_exact_limit),
      precision_(hll_precision) {
  auto align = [](size_t n, size_t to) { return (n + to - 1) / to * to; };
  const size_t row_bytes = static_cast<size_t>(plan.stride) * sizeof(int64_t);
  const size_t words = static_cast<size_t>(plan.words) * sizeof(int64_t);
  const size_t extremes = static_cast<size_t>(plan.extremes) * sizeof(PositionQueue);
  const size_t distincts = static_cast<size_t>(plan.distincts) * sizeof(DistinctSet);
  const size_t lifetimes = static_cast<size_t>(plan.lifetimes) * sizeof(LifetimeAccumulator);
  // Room for the 16-byte alignment of the lifetimes (every other part is a multiple of 8
  // bytes, so at most 8), when there are any; records end on a cache line, and inline rows
  // fill what is left of the last one (at least one row).
  const size_t lifetime_padding = lifetimes == 0 ? 0 : 8;
  const size_t fixed = sizeof(Entity) + words + extremes + distincts + lifetime_padding + lifetimes;
  const size_t lines = align(fixed + row_bytes, alignof(Entity));
  inline_words_ = static_cast<uint32_t>(std::max<size_t>(1, (lines - fixed) / row_bytes) *
                                        static_cast<size_t>(plan.stride));
  words_offset_ = sizeof(Entity) + inline_words_ * sizeof(int64_t);
  extremes_offset_ = words_offset_ + words;
  distincts_offset_ = extremes_offset_ + extremes;
  lifetimes_offset_ = align(distincts_offset_ + distincts, alignof(LifetimeAccumulator));
  record_size_ = align(lifetimes_offset_ + lifetimes, alignof(Entity));
}

uint64_t EntityOps::ContainerBytes(const Entity& entity) const {
  uint64_t total = 0;
  const auto n_extremes = static_cast<size_t>(plan_.extremes);
  const auto n_distincts = static_cast<size_t>(plan_.distincts);
  const PositionQueue* extremes = Extremes(entity);
  for (size_t i = 0; i < n_extremes; ++i) {
    total += extremes[i].items.capacity() * sizeof(PositionQueue::Item);
  }
  const DistinctSet* distincts = Distincts(entity);
  for (size_t i = 0; i < n_distincts; ++i) {
    total += distincts[i].capacity() * sizeof(distincts[i][0]);
  }
  return total;
}

double HyperLogLogEstimate(const uint64_t* hashes, size_t count, int precision,
                           std::vector<uint8_t>* registers) {
  const size_t m = size_t{1} << precision;
  registers->assign(m, 0);
  for (size_t i = 0; i < count; ++i) {
    uint64_t h = hashes[i];
    size_t index = static_cast<size_t>(h >> (64 - precision));
    uint64_t rest = (h << precision) | (uint64_t{1} << (precision - 1));
    auto rank = static_cast<uint8_t>(std::countl_zero(rest) + 1);
    uint8_t& r = (*registers)[index];
    if (rank > r) r = rank;
  }
  static const std::array<double, 66> kInversePowers = [] {
    std::array<double, 66> powers{};
    for (size_t r = 0; r < powers.size(); ++r) powers[r] = std::ldexp(1.0, -static_cast<int>(r));
    return powers;
  }();
  double inverse_sum = 0;
  size_t zeros = 0;
  for (uint8_t r : *registers) {
    inverse_sum += kInversePowers[r];
    zeros += r == 0 ? 1 : 0;
  }
  const auto md = static_cast<double>(m);
  double alpha = 0.7213 / (1.0 + 1.079 / md);
  double estimate = alpha * md * md / inverse_sum;
  if (estimate <= 2.5 * md && zeros > 0) {
    estimate = md * std::log(md / static_cast<double>(zeros));
  }
  return estimate;
}

Entity* EntityOps::Construct(void* record) const {
  auto* entity = new (record) Entity();
  for (int i = 0; i < plan_.extremes; ++i) new (Extremes(entity) + i) PositionQueue();
  for (int i = 0; i < plan_.distincts; ++i) new (Distincts(entity) + i) DistinctSet();
  return entity;
}

void EntityOps::Destroy(Entity* entity) const {
  for (int i = 0; i < plan_.extremes; ++i) Extremes(entity)[i].~PositionQueue();
  for (int i = 0; i < plan_.distincts; ++i) Distincts(entity)[i].~DistinctSet();
  entity->rows.Release(arena_.get());
  entity->~Entity();
}

void EntityOps::Init(Entity* entity, uint64_t key) const {
  entity->key = key;
  entity->rows.Reset(InlineRows(entity), inline_words_, arena_.get());
  entity->start = 0;
  entity->base_pos = 0;
  entity->acc_ts = std::numeric_limits<int64_t>::min();
  int64_t* words = Words(entity);
  std::fill(words, words + plan_.words, 0);
  for (const WindowGroup& g : plan_.groups) {
    words[g.tail_word + 1] = std::numeric_limits<int64_t>::max();
  }
  LifetimeAccumulator* lifetimes = Lifetimes(entity);
  for (int i = 0; i < plan_.lifetimes; ++i) lifetimes[i] = LifetimeAccumulator{};
  PositionQueue* extremes = Extremes(entity);
  for (int i = 0; i < plan_.extremes; ++i) extremes[i].clear();
  DistinctSet* distincts = Distincts(entity);
  for (int i = 0; i < plan_.distincts; ++i) distincts[i].clear();
  entity->dirty = true;
  entity->live = true;
}

void EntityOps::Reset(Entity* entity) const {
  entity->rows.Reset(InlineRows(entity), inline_words_, arena_.get());
  PositionQueue* extremes = Extremes(entity);
  for (int i = 0; i < plan_.extremes; ++i) extremes[i] = PositionQueue{};
  DistinctSet* distincts = Distincts(entity);
  for (int i = 0; i < plan_.distincts; ++i) distincts[i] = DistinctSet{};
  entity->start = 0;
  entity->dirty = false;
  entity->live = false;
}

void EntityOps::PrefetchRows(const Entity& entity) const {
  const size_t live = entity.live_rows();
  if (live == 0) return;
  __builtin_prefetch(entity.row(live - 1, plan_.stride));
  __builtin_prefetch(entity.row(live - 1, plan_.stride) + plan_.stride);
  const int64_t* words = Words(entity);
  for (const WindowGroup& g : plan_.groups) {
    const auto tail = static_cast<uint64_t>(words[g.tail_word]) - entity.base_pos;
    if (tail < live) __builtin_prefetch(entity.row(tail, plan_.stride));
  }
  const PositionQueue* extremes = Extremes(entity);
  for (int i = 0; i < plan_.extremes; ++i) {
    const PositionQueue& q = extremes[i];
    if (q.empty()) continue;
    __builtin_prefetch(&q.front());
    __builtin_prefetch(&q.back());
  }
  // A distinct set is binary-searched: its first lines and its middle.
  const DistinctSet* distincts = Distincts(entity);
  for (int i = 0; i < plan_.distincts; ++i) {
    const DistinctSet& d = distincts[i];
    if (d.empty()) continue;
    __builtin_prefetch(d.data());
    __builtin_prefetch(d.data() + d.size() / 2);
    __builtin_prefetch(d.data() + d.size() - 1);
  }
}

// Inlined into its two callers: the call itself cost as much as a small group's update.
[[gnu::always_inline]] inline void EntityOps::AddToGroup(Entity* entity, const WindowGroup& g,
                                                         uint64_t pos, const int64_t* row) const {
  int64_t* words = Words(entity);
  if (g.plain) return;
  ApplyToSlots<+1>(g, row, words);
  for (int index : g.extremes) {
    const FeaturePlan& f = plan_.features[static_cast<size_t>(index)];
    if (!Matches(row, f.mask)) continue;
    int64_t v = row[f.column];
    bool is_min = f.aggregation == Aggregation::kMin;
    PositionQueue& extreme = Extremes(entity)[static_cast<size_t>(f.extreme_index)];
    while (!extreme.empty()) {
      int64_t back = extreme.back().value;
      if (is_min ? back < v : back > v) break;
      extreme.pop_back();
    }
    extreme.push_back({pos, v});
  }
  for (int index : g.distincts) {
    const FeaturePlan& f = plan_.features[static_cast<size_t>(index)];
    if (!Matches(row, f.mask)) continue;
    DistinctSet& distinct = Distincts(entity)[static_cast<size_t>(f.distinct_index)];
    if (static_cast<uint64_t>(WindowCount(f, words, Tail(f, words), pos + 1)) > limit_) {
      distinct.clear();
      continue;
    }
    auto hash = static_cast<uint64_t>(row[f.column]);
    auto it = std::lower_bound(distinct.begin(), distinct.end(), std::make_pair(hash, 0U));
    if (it != distinct.end() && it->first == hash) {
      ++it->second;
    } else {
      distinct.insert(it, {hash, 1U});
    }
  }
}

// Inlined into the updates: the tail test and a plain group's walk (most plain groups expire a
// row on every event of a busy entity) cost less than the call to ExpireRows.
[[gnu::always_inline]] inline void EntityOps::ExpireGroup(Entity* entity, const WindowGroup& g,
                                                          Timestamp cutoff) const {
  int64_t* words = Words(entity);
  if (words[g.tail_word + 1] >= cutoff) return;
  if (!g.plain) {
    ExpireRows(entity, g, cutoff);
    return;
  }
  auto tail = static_cast<uint64_t>(words[g.tail_word]);
  const uint64_t end = entity->end_pos();
  const auto stride = static_cast<size_t>(plan_.stride);
  const int64_t* row = entity->row(tail - entity->base_pos, plan_.stride);
  for (; tail < end && row[kRowTs] < cutoff; row += stride) ++tail;
  words[g.tail_word] = static_cast<int64_t>(tail);
  words[g.tail_word + 1] = tail < end ? row[kRowTs] : std::numeric_limits<int64_t>::max();
}

// Precondition: g is not plain and its tail is older than `cutoff`.
void EntityOps::ExpireRows(Entity* entity, const WindowGroup& g, Timestamp cutoff) const {
  int64_t* words = Words(entity);
  uint64_t tail = static_cast<uint64_t>(words[g.tail_word]);
  const uint64_t end = entity->end_pos();
  while (tail < end) {
    const int64_t* row = entity->row(tail - entity->base_pos, plan_.stride);
    if (row[kRowTs] >= cutoff) break;
    ++tail;
    // Distinct sets first: whether a set is exact depends on the count before the removal.
    for (int index : g.distincts) {
      const FeaturePlan& f = plan_.features[static_cast<size_t>(index)];
      if (!Matches(row, f.mask) ||
          static_cast<uint64_t>(WindowCount(f, words, tail - 1, end)) > limit_) {
        continue;
      }
      DistinctSet& distinct = Distincts(entity)[static_cast<size_t>(f.distinct_index)];
      auto hash = static_cast<uint64_t>(row[f.column]);
      auto it = std::lower_bound(distinct.begin(), distinct.end(), std::make_pair(hash, 0U));
      if (it != distinct.end() && it->first == hash && --it->second == 0) distinct.erase(it);
    }
    ApplyToSlots<-1>(g, row, words);
  }
  words[g.tail_word] = static_cast<int64_t>(tail);
  words[g.tail_word + 1] = tail < end ? entity->row(tail - entity->base_pos, plan_.stride)[kRowTs]
                                      : std::numeric_limits<int64_t>::max();
  for (int index : g.extremes) {
    const FeaturePlan& f = plan_.features[static_cast<size_t>(index)];
    PositionQueue& extreme = Extremes(entity)[static_cast<size_t>(f.extreme_index)];
    while (!extreme.empty() && extreme.front().pos < tail) extreme.pop_front();
  }
  // A set emptied while its window was above the limit is rebuilt once it is exact again
  // (an exact set is never empty while its window holds a matching event).
  for (int index : g.distincts) {
    const FeaturePlan& f = plan_.features[static_cast<size_t>(index)];
    const int64_t count = WindowCount(f, words, tail, end);
    if (count > 0 && static_cast<uint64_t>(count) <= limit_ &&
        Distincts(entity)[static_cast<size_t>(f.distinct_index)].empty()) {
      RebuildDistinct(entity, f);
    }
  }
}

void EntityOps::RebuildDistinct(Entity* entity, const FeaturePlan& f) const {
  const int64_t* words = Words(entity);
  DistinctSet& distinct = Distincts(entity)[static_cast<size_t>(f.distinct_index)];
  distinct.clear();
  const uint64_t tail = Tail(f, words);
  const uint64_t end = entity->end_pos();
  if (static_cast<uint64_t>(WindowCount(f, words, tail, end)) > limit_) return;
  for (uint64_t p = tail; p < end; ++p) {
    const int64_t* row = entity->row(p - entity->base_pos, plan_.stride);
    if (!Matches(row, f.mask)) continue;
    distinct.emplace_back(static_cast<uint64_t>(row[f.column]), 1U);
  }
  std::sort(distinct.begin(), distinct.end());
  size_t out = 0;
  for (size_t i = 0; i < distinct.size(); ++i) {
    if (out > 0 && distinct[out - 1].first == distinct[i].first) {
      ++distinct[out - 1].second;
    } else {
      distinct[out++] = distinct[i];
    }
  }
  distinct.resize(out);
}

double EntityOps::DistinctOfRows(const Entity& entity, const FeaturePlan& f, size_t from, size_t to,
                                 const int64_t* extra, Scratch* scratch) const {
  scratch->hashes.clear();
  for (size_t i = from; i < to; ++i) {
    const int64_t* row = entity.row(i, plan_.stride);
    if (Matches(row, f.mask)) scratch->hashes.push_back(static_cast<uint64_t>(row[f.column]));
  }
  if (extra != nullptr && Matches(extra, f.mask)) {
    scratch->hashes.push_back(static_cast<uint64_t>(extra[f.column]));
  }
  if (scratch->hashes.size() <= limit_) {
    std::sort(scratch->hashes.begin(), scratch->hashes.end());
    return static_cast<double>(std::unique(scratch->hashes.begin(), scratch->hashes.end()) -
                               scratch->hashes.begin());
  }
  return HyperLogLogEstimate(scratch->hashes.data(), scratch->hashes.size(), precision_,
                             &scratch->registers);
}

double EntityOps::DistinctInWindow(const Entity& entity, const FeaturePlan& f, int64_t count,
                                   size_t from, size_t to, Scratch* scratch) const {
  return static_cast<uint64_t>(count) <= limit_
             ? static_cast<double>(Distincts(entity)[static_cast<size_t>(f.distinct_index)].size())
             : DistinctOfRows(entity, f, from, to, nullptr, scratch);
}

void EntityOps::LastInWindow(const Entity& entity, const FeaturePlan& f, size_t from, size_t to,
                             Aggregate* a) const {
  for (size_t r = to; r-- > from;) {
    const int64_t* row = entity.row(r, plan_.stride);
    if (Matches(row, f.mask)) {
      a->last_ts = row[kRowTs];
      a->last_value = row[f.column];
      return;
    }
  }
}

void EntityOps::Advance(Entity* entity, Timestamp t) const {
  entity->acc_ts = std::max(entity->acc_ts, t);
  for (const WindowGroup& g : plan_.groups) {
    const Timestamp cutoff = SaturatingSub(t, g.window);
    ExpireGroup(entity, g, cutoff);
  }
}

[[gnu::always_inline]] inline double EntityOps::WindowedValue(const Entity& entity,
                                                              const FeaturePlan& f,
                                                              const int64_t* words, uint64_t tail,
                                                              uint64_t end, Timestamp t,
                                                              Scratch* scratch) const {
  const int64_t count = WindowCount(f, words, tail, end);
  if (count == 0) return Value(f, Aggregate{}, 0, t);  // 0 or missing, by the aggregation
  // The window's rows by index, for the two aggregations that read them.
  auto from = [&] { return static_cast<size_t>(tail - entity.base_pos); };
  auto to = [&] { return static_cast<size_t>(end - entity.base_pos); };
  switch (f.aggregation) {
    case Aggregation::kCount:
    case Aggregation::kCountValue:
      return static_cast<double>(count);
    case Aggregation::kSum:
      return static_cast<double>(words[f.sum_word]) * f.scale;
    case Aggregation::kMean:
      return MeanOf(words[f.sum_word], count, f.scale);
    case Aggregation::kRatio:
      return static_cast<double>(words[f.numerator_word]) / static_cast<double>(count);
    case Aggregation::kStddev:
      return PopulationStddev(count, words[f.sum_word],
                              static_cast<Int128>(LoadInt128(&words[f.squares_word]))) *
             f.scale;
    case Aggregation::kMin:
    case Aggregation::kMax: {
      const PositionQueue& extreme = Extremes(entity)[static_cast<size_t>(f.extreme_index)];
      return extreme.empty() ? kMissing : static_cast<double>(extreme.front().value) * f.scale;
    }
    case Aggregation::kDistinctCount:
      return DistinctInWindow(entity, f, count, from(), to(), scratch);
    default: {  // last (time since first and last are lifetime only)
      Aggregate a;
      a.count = count;
      LastInWindow(entity, f, from(), to(), &a);
      return Value(f, a, 0, t);
    }
  }
}

void EntityOps::UpdateInOrder(Entity* entity, const int64_t* row, Scratch* scratch,
                              double* out) const {
  const Timestamp t = row[kRowTs];
  entity->acc_ts = t;  // t >= acc_ts: the caller's condition for this path
  LifetimeAccumulator* lifetimes = Lifetimes(entity);
  for (int index : plan_.lifetime_features) {
    const FeaturePlan& f = plan_.features[static_cast<size_t>(index)];
    Aggregate& all = lifetimes[f.lifetime_index].all;
    out[f.feature] = Value(f, all, 0, t);
    if (Matches(row, f.mask)) all.Add(row, f);
  }
  // The row joins the buffer after every window has been read (they are over [tail, pos))
  // and has taken it in.
  const uint64_t pos = entity->end_pos();
  int64_t* words = Words(entity);
  for (const WindowGroup& g : plan_.groups) {
    const Timestamp cutoff = SaturatingSub(t, g.window);
    ExpireGroup(entity, g, cutoff);
    const auto tail = static_cast<uint64_t>(words[g.tail_word]);
    for (int index : g.features) {
      const FeaturePlan& f = plan_.features[static_cast<size_t>(index)];
      out[f.feature] = WindowedValue(*entity, f, words, tail, pos, t, scratch);
    }
    if (tail == pos) words[g.tail_word + 1] = t;
    AddToGroup(entity, g, pos, row);
  }
  entity->rows.Append(row, static_cast<size_t>(plan_.stride), arena_.get());
}

void EntityOps::AdvanceAndRead(Entity* entity, Timestamp t, Scratch* scratch, Reading* aggs) const {
  Advance(entity, t);
  const int64_t* words = Words(*entity);
  const LifetimeAccumulator* lifetimes = Lifetimes(*entity);
  const size_t live = entity->live_rows();
  for (size_t i = 0; i < plan_.features.size(); ++i) {
    const FeaturePlan& f = plan_.features[i];
    Reading& a = aggs[i];
    if (f.lifetime) {
      static_cast<Aggregate&>(a) = lifetimes[f.lifetime_index].all;
      continue;
    }
    static_cast<Aggregate&>(a) = Aggregate{};
    const uint64_t tail = Tail(f, words);
    a.count = WindowCount(f, words, tail, entity->end_pos());
    if (f.numerator_word >= 0) a.numerator = words[f.numerator_word];
    if (f.sum_word >= 0) a.sum = words[f.sum_word];
    if (f.squares_word >= 0)
      a.sum_squares = static_cast<Int128>(LoadInt128(&words[f.squares_word]));
    if (f.extreme_index >= 0) {
      const PositionQueue& extreme = Extremes(entity)[static_cast<size_t>(f.extreme_index)];
      if (!extreme.empty()) {
        int64_t v = extreme.front().value;
        a.min = v;
        a.max = v;
      }
    }
    a.from = tail - entity->base_pos;
    a.to = live;
    if (f.aggregation == Aggregation::kDistinctCount) {
      a.distinct = DistinctInWindow(*entity, f, a.count, a.from, a.to, scratch);
    } else if (f.aggregation == Aggregation::kLast) {
      LastInWindow(*entity, f, a.from, a.to, &a);
    }
  }
}

void EntityOps::ScanRead(const Entity& entity, Timestamp t, Scratch* scratch, Reading* aggs) const {
  const size_t live = entity.live_rows();
  // Rows are sorted by ts: [lo, hi) index ranges by binary search.
  auto lower = [&](Timestamp ts) {
    size_t lo = 0;
    size_t hi = live;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (entity.row(mid, plan_.stride)[kRowTs] < ts) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  };
  const size_t end = lower(t);
  for (size_t i = 0; i < plan_.features.size(); ++i) {
    const FeaturePlan& f = plan_.features[i];
    Reading& a = aggs[i];
    size_t begin = 0;
    if (f.lifetime) {
      static_cast<Aggregate&>(a) = Lifetimes(entity)[f.lifetime_index].settled;
    } else {
      static_cast<Aggregate&>(a) = Aggregate{};
      begin = lower(SaturatingSub(t, f.window));
    }
    for (size_t r = begin; r < end; ++r) {
      const int64_t* row = entity.row(r, plan_.stride);
      if (Matches(row, f.mask)) a.Add(row, f);
    }
    a.from = begin;
    a.to = end;
    if (f.aggregation == Aggregation::kDistinctCount) {
      a.distinct = DistinctOfRows(entity, f, begin, end, nullptr, scratch);
    }
  }
}

void EntityOps::IncludeCurrent(const Entity& entity, const int64_t* row, Scratch* scratch,
                               Reading* aggs) const {
  for (size_t i = 0; i < plan_.features.size(); ++i) {
    const FeaturePlan& f = plan_.features[i];
    if (!f.include_current || !Matches(row, f.mask)) continue;
    Reading& a = aggs[i];
    if (f.aggregation != Aggregation::kDistinctCount) {
      a.Add(row, f);
      continue;
    }
    // distinct: the window's set plus the current value, by the same exact-or-estimate
    // rule as any other set (exact while it holds at most the limit's events).
    ++a.count;
    a.distinct = DistinctOfRows(entity, f, a.from, a.to, row, scratch);
  }
}

void EntityOps::Insert(Entity* entity, const int64_t* row) const {
  const auto stride = static_cast<size_t>(plan_.stride);
  const size_t live = entity->live_rows();
  const Timestamp ts = row[kRowTs];
  if (plan_.lifetimes > 0) {
    LifetimeAccumulator* lifetimes = Lifetimes(entity);
    for (const FeaturePlan& f : plan_.features) {
      if (f.lifetime && Matches(row, f.mask)) lifetimes[f.lifetime_index].all.Add(row, f);
    }
  }
  if ((live == 0 || ts >= NewestTs(*entity)) && ts >= entity->acc_ts) {
    const uint64_t pos = entity->end_pos();
    entity->rows.Append(row, stride, arena_.get());
    int64_t* words = Words(entity);
    for (const WindowGroup& g : plan_.groups) {
      if (static_cast<uint64_t>(words[g.tail_word]) == pos) words[g.tail_word + 1] = ts;
      AddToGroup(entity, g, pos, entity->row(live, plan_.stride));
    }
    return;
  }
  // Out of order (older than the newest row or than the accumulators' time): insert after
  // every row with ts <= the event's, then rebuild the windows (their positions moved).
  size_t lo = 0;
  size_t hi = live;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (entity->row(mid, plan_.stride)[kRowTs] <= ts) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  entity->rows.Insert(entity->start + lo, row, stride, arena_.get());
  RebuildWindows(entity);
}

void EntityOps::PruneRows(Entity* entity, Timestamp cutoff) const {
  const auto stride = static_cast<size_t>(plan_.stride);
  size_t live = entity->live_rows();
  size_t dropped = 0;
  while (dropped < live && entity->row(dropped, plan_.stride)[kRowTs] < cutoff) {
    const int64_t* row = entity->row(dropped, plan_.stride);
    if (plan_.lifetimes > 0) {
      LifetimeAccumulator* lifetimes = Lifetimes(entity);
      for (const FeaturePlan& f : plan_.features) {
        if (f.lifetime && Matches(row, f.mask)) lifetimes[f.lifetime_index].settled.Add(row, f);
      }
    }
    ++dropped;
  }
  if (dropped == 0) return;
  entity->start += static_cast<uint32_t>(dropped);
  entity->base_pos += dropped;
  if (entity->start == entity->rows.size()) {
    entity->rows.clear();
    entity->start = 0;
  } else if (entity->start >= 16 && size_t{entity->start} * 2 >= entity->rows.size()) {
    entity->rows.EraseFront(entity->start, stride);
    entity->start = 0;
  }
}

void EntityOps::RebuildWindows(Entity* entity) const {
  const size_t live = entity->live_rows();
  int64_t* words = Words(entity);
  for (const WindowGroup& g : plan_.groups) {
    for (const SumSlot& slot : g.slots) {
      words[slot.word] = 0;
      if (slot.kind == SumSlot::Kind::kSquares) words[slot.word + 1] = 0;
    }
    for (int index : g.extremes) {
      Extremes(
          entity)[static_cast<size_t>(plan_.features[static_cast<size_t>(index)].extreme_index)]
          .clear();
    }
    for (int index : g.distincts) {
      Distincts(
          entity)[static_cast<size_t>(plan_.features[static_cast<size_t>(index)].distinct_index)]
          .clear();
    }
    Timestamp cutoff = SaturatingSub(entity->acc_ts, g.window);
    size_t first = 0;
    while (first < live && entity->row(first, plan_.stride)[kRowTs] < cutoff) ++first;
    words[g.tail_word] = static_cast<int64_t>(entity->base_pos + first);
    words[g.tail_word + 1] = first < live ? entity->row(first, plan_.stride)[kRowTs]
                                          : std::numeric_limits<int64_t>::max();
    for (size_t i = first; i < live; ++i) {
      AddToGroup(entity, g, entity->base_pos + i, entity->row(i, plan_.stride));
    }
    for (int index : g.distincts)
      RebuildDistinct(entity, plan_.features[static_cast<size_t>(index)]);
  }
}

double EntityOps::Value(const FeaturePlan& f, const Aggregate& a, double distinct,
                        Timestamp t) const {
  switch (f.aggregation) {
    case Aggregation::kCount:
    case Aggregation::kCountValue:
      return static_cast<double>(a.count);
    case Aggregation::kSum:
      return static_cast<double>(a.sum) * f.scale;
    case Aggregation::kMean:
      return a.count == 0 ? kMissing : MeanOf(a.sum, a.count, f.scale);
    case Aggregation::kMin:
      return a.count == 0 ? kMissing : static_cast<double>(a.min) * f.scale;
    case Aggregation::kMax:
      return a.count == 0 ? kMissing : static_cast<double>(a.max) * f.scale;
    case Aggregation::kStddev:
      return a.count == 0 ? kMissing : PopulationStddev(a.count, a.sum, a.sum_squares) * f.scale;
    case Aggregation::kDistinctCount:
      return distinct;
    case Aggregation::kLast:
      return a.count == 0 ? kMissing : static_cast<double>(a.last_value) * f.scale;
    case Aggregation::kTimeSinceLast:
      return a.count == 0
                 ? kMissing
                 : static_cast<double>(t - a.last_ts) / static_cast<double>(kMicrosPerSecond);
    case Aggregation::kTimeSinceFirst:
      return a.count == 0
                 ? kMissing
                 : static_cast<double>(t - a.first_ts) / static_cast<double>(kMicrosPerSecond);
    case Aggregation::kRatio:
      return a.count == 0 ? kMissing
                          : static_cast<double>(a.numerator) / static_cast<double>(a.count);
    case Aggregation::kDerived:
      break;
  }
  return kMissing;
}

void EntityOps::Serialize(const Entity& entity, std::string* out) const {
  out->clear();
  Put(out, kFormatVersion);
  Put(out, entity.key);
  Put(out, entity.acc_ts);
  const size_t live = entity.live_rows();
  Put(out, static_cast<uint32_t>(live));
  Put(out, static_cast<uint8_t>(plan_.stride));
  out->append(reinterpret_cast<const char*>(entity.row(0, plan_.stride)),  // NOLINT
              live * static_cast<size_t>(plan_.stride) * sizeof(int64_t));
  Put(out, static_cast<uint32_t>(plan_.lifetimes));
  const LifetimeAccumulator* lifetimes = Lifetimes(entity);
  for (int i = 0; i < plan_.lifetimes; ++i) {
    PutAggregate(out, lifetimes[i].all);
    PutAggregate(out, lifetimes[i].settled);
  }
}

Status EntityOps::Deserialize(std::string_view in, Entity* entity) const {
  uint8_t version = 0;
  uint64_t key = 0;
  Timestamp acc_ts = 0;
  uint32_t live = 0;
  uint8_t stride = 0;
  if (!Get(&in, &version) || version != kFormatVersion || !Get(&in, &key) || !Get(&in, &acc_ts) ||
      !Get(&in, &live) || !Get(&in, &stride) || stride != plan_.stride) {
    return Status::Corruption("entity state: bad header");
  }
  size_t row_bytes = static_cast<size_t>(live) * stride * sizeof(int64_t);
  if (in.size() < row_bytes) return Status::Corruption("entity state: truncated rows");
  Init(entity, key);
  entity->dirty = false;
  entity->acc_ts = acc_ts;
  entity->rows.Resize(live, stride, arena_.get());
  std::memcpy(entity->rows.data(), in.data(), row_bytes);
  in.remove_prefix(row_bytes);
  uint32_t lifetimes = 0;
  if (!Get(&in, &lifetimes) || lifetimes != static_cast<uint32_t>(plan_.lifetimes)) {
    return Status::Corruption("entity state: lifetime count does not match the spec");
  }
  for (int i = 0; i < plan_.lifetimes; ++i) {
    LifetimeAccumulator& l = Lifetimes(entity)[i];
    if (!GetAggregate(&in, &l.all) || !GetAggregate(&in, &l.settled)) {
      return Status::Corruption("entity state: truncated lifetime aggregates");
    }
  }
  if (!in.empty()) return Status::Corruption("entity state: trailing bytes");
  for (size_t i = 1; i < live; ++i) {
    if (entity->row(i, plan_.stride)[kRowTs] < entity->row(i - 1, plan_.stride)[kRowTs]) {
      return Status::Corruption("entity state: rows out of order");
    }
  }
  RebuildWindows(entity);
  return Status::Ok();
}

}  // namespace panorama::features::internal
