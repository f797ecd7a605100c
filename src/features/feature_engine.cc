#include "features/feature_engine.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <utility>

#include "core/huge_pages.h"
#include "core/time.h"
#include "features/internal/entity.h"
#include "features/internal/entity_index.h"
#include "features/internal/event_values.h"
#include "features/internal/plan.h"

namespace panorama::features {
namespace {

using internal::Entity;
using internal::EntityOps;

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
constexpr char kMetaKey[] = "m";
constexpr uint8_t kMetaVersion = 1;
// After a checkpoint, eviction drops least recently used entities down to this share of
// the budget, so that evictions come in batches rather than at every update.
constexpr double kEvictTo = 0.5;

// The watermark rule of the header's contract, with its reason.
Status CheckLateness(Timestamp lateness, std::string_view tx_id, Timestamp ts, Timestamp newest) {
  if (newest == std::numeric_limits<Timestamp>::min()) return Status::Ok();
  const Timestamp watermark = newest - lateness;
  if (ts >= watermark) return Status::Ok();
  return Status::OutOfRange("transaction " + std::string(tx_id) + " at " + FormatIso8601(ts) +
                            " is older than the watermark " + FormatIso8601(watermark) +
                            " (newest seen " + FormatIso8601(newest) + ", allowed lateness " +
                            FormatDuration(lateness) + "); not applied");
}

Status FromRocks(const rocksdb::Status& status, const std::string& what) {
  if (status.ok()) return Status::Ok();
  if (status.IsCorruption()) return Status::Corruption(what + ": " + status.ToString());
  return Status::IOError(what + ": " + status.ToString());
}

std::string EntityKey(size_t keyspace, uint64_t key) {
  std::string out(10, '\0');
  out[0] = 'e';
  out[1] = static_cast<char>(keyspace);
  for (size_t i = 0; i < 8; ++i) out[2 + i] = static_cast<char>(key >> (56 - 8 * i));
  return out;
}

struct Meta {
  uint64_t fingerprint = 0;
  uint64_t seq = 0;
  uint64_t output_offset = 0;
  Timestamp max_ts = std::numeric_limits<int64_t>::min();
  uint64_t applied = 0;
  uint64_t rejected_late = 0;
  uint64_t late_applied = 0;
};

std::string EncodeMeta(const Meta& meta) {
  std::string out(1 + 7 * 8, '\0');
  out[0] = static_cast<char>(kMetaVersion);
  const uint64_t values[] = {
      meta.fingerprint, meta.seq,           meta.output_offset, static_cast<uint64_t>(meta.max_ts),
      meta.applied,     meta.rejected_late, meta.late_applied};
  std::memcpy(out.data() + 1, values, sizeof values);
  return out;
}

Status DecodeMeta(std::string_view bytes, Meta* meta) {
  if (bytes.size() != 1 + 7 * 8 || static_cast<uint8_t>(bytes[0]) != kMetaVersion) {
    return Status::Corruption("feature state: unreadable checkpoint record");
  }
  uint64_t values[7];
  std::memcpy(values, bytes.data() + 1, sizeof values);
  *meta = {values[0], values[1], values[2], static_cast<Timestamp>(values[3]),
           values[4], values[5], values[6]};
  return Status::Ok();
}

// Entity records (EntityOps::record_size() bytes each) by slot, in chunks of 4096, 8192,
// 16384, ... records: stable addresses, slot -> record is a little arithmetic and two array
// reads whose first (the chunk table) stays in cache, and large chunks sit on huge pages.
class EntityPool {
 public:
  explicit EntityPool(const EntityOps& ops) : ops_(ops), record_size_(ops.record_size()) {}
  EntityPool(const EntityPool&) = delete;
  EntityPool& operator=(const EntityPool&) = delete;
  ~EntityPool() {
    for (uint32_t slot = 0; slot < size_; ++slot) ops_.Destroy(At(slot));
    for (size_t i = 0; i < chunks_.size(); ++i)
      FreeLarge(chunks_[i], ChunkRecords(i) * record_size_);
  }

  Entity& operator[](uint32_t slot) { return *At(slot); }
  uint32_t size() const { return size_; }
  uint32_t Add() {
    if (size_ == capacity_) {
      const uint64_t records = ChunkRecords(chunks_.size());
      chunks_.push_back(static_cast<std::byte*>(AllocateLarge(records * record_size_)));
      capacity_ += records;
    }
    ops_.Construct(At(size_));
    return size_++;
  }

 private:
  static constexpr int kFirstBits = 12;  // the first chunk holds 2^12 records
  static uint64_t ChunkRecords(size_t chunk) { return uint64_t{1} << (kFirstBits + chunk); }
  // Chunk i holds slots [2^12 (2^i - 1), 2^12 (2^(i+1) - 1)).
  Entity* At(uint32_t slot) const {
    const uint64_t q = (uint64_t{slot} >> kFirstBits) + 1;
    const auto chunk = static_cast<size_t>(std::bit_width(q) - 1);
    const uint64_t offset = slot - (ChunkRecords(chunk) - ChunkRecords(0));
    return std::launder(
        reinterpret_cast<Entity*>(chunks_[chunk] + offset * record_size_));  // NOLINT
  }

  const EntityOps& ops_;
  std::vector<std::byte*> chunks_;
  size_t record_size_;
  uint32_t size_ = 0;
  uint64_t capacity_ = 0;
};

struct KeyspaceState {
  KeyspaceState(const internal::KeyspacePlan& p, uint32_t limit, int precision)
      : plan(&p), ops(p, limit, precision), slots(ops) {}
  const internal::KeyspacePlan* plan;
  EntityOps ops;
  internal::EntityIndex index;
  EntityPool slots;
  std::vector<uint32_t> free;
  std::vector<internal::Reading> aggs;  // one per feature of the keyspace
  std::vector<int64_t> row;
};

// The keyspaces' states by index. They never move (EntityOps refer into the plan), and
// indexing them is one load (a std::deque's indexing showed in the update profile).
class KeyspaceStates {
 public:
  KeyspaceState& operator[](size_t k) { return *states_[k]; }
  size_t size() const { return states_.size(); }
  template <typename... Args>
  KeyspaceState& emplace_back(Args&&... args) {
    return *states_.emplace_back(std::make_unique<KeyspaceState>(std::forward<Args>(args)...));
  }

 private:
  std::vector<std::unique_ptr<KeyspaceState>> states_;
};

// Records `bytes` as the entity's size (in 16-byte units, saturating) and returns the size
// recorded, which is what the engine's total counts.
uint64_t SetSize(Entity* entity, uint64_t bytes) {
  entity->size16 = static_cast<uint32_t>(std::min<uint64_t>((bytes + 15) / 16, UINT32_MAX));
  return uint64_t{entity->size16} * 16;
}

// An event's entity in one keyspace, as found ahead of its update.
constexpr uint32_t kNoSlot = internal::EntityIndex::kNone;
struct EntityRef {
  uint64_t key = 0;
  Entity* entity = nullptr;  // the record at `slot` (not kNoSlot), saving its address arithmetic
  uint32_t slot = kNoSlot;   // in memory at this slot, or not looked up / not in memory
  bool has_key = false;      // false when the event lacks a key field (or is no transaction)
};

}  // namespace

struct FeatureEngine::Impl {
  FeatureSpec spec;
  internal::Plan plan;
  EngineOptions options;
  KeyspaceStates keyspaces;
  std::unique_ptr<rocksdb::DB> db;
  // The store may hold entities that are not in memory (evicted, or beyond the budget at
  // open); while false, an entity missing from memory is new and no read is needed.
  bool store_has_more = false;
  CheckpointInfo restored;
  uint64_t last_seq = 0;
  Timestamp max_ts = std::numeric_limits<int64_t>::min();
  EngineCounters counters;
  uint64_t touch = 0;
  // (keyspace, slot) of the entities changed since the last checkpoint; kept only with a
  // state store (an in-memory engine never writes them).
  std::vector<std::pair<uint32_t, uint32_t>> dirty;
  internal::Scratch scratch;
  std::string buffer;
  std::function<Result<uint64_t>()> before_checkpoint;
  std::vector<EntityRef> batch_refs;  // per event of a batch and keyspace
  // Per event of a batch: what BeginEvent decided.
  struct EventStep {
    bool apply = false;  // update its entities
    Timestamp t = 0;
    Timestamp watermark = 0;
    uint64_t bits = 0;   // its conditions
    uint64_t touch = 0;  // LRU counter
  };
  std::vector<EventStep> batch_steps;
  std::vector<uint32_t> batch_order;  // events of one keyspace pass
  // Set by an error in the middle of a batch, which leaves the state partly updated: every
  // later call returns it, and reopening recovers from the last checkpoint.
  Status failed;
  // Per event of a batch: the CategoricalHash of each of plan.hashed_fields, and a bit per
  // field that the event has.
  std::vector<uint64_t> batch_hashes;
  std::vector<uint64_t> batch_hashed;

  Status CheckMemory();
  void ResizeBatch(size_t n) {
    if (batch_hashed.size() >= n) return;
    batch_refs.resize(n * keyspaces.size());
    batch_hashes.resize(n * plan.hashed_fields.size());
    batch_hashed.resize(n);
    batch_steps.resize(n);
  }
  // Indexes `key` at `slot`, counting the index's growth as state memory.
  void AddToIndex(KeyspaceState* ks, uint64_t key, uint32_t slot) {
    const size_t before = ks->index.memory();
    ks->index.Insert(key, slot);
    counters.state_bytes += ks->index.memory() - before;
  }
  // Hashes event i's fields and finds its entity keys, into the batch arrays at index i.
  void PrepareEvent(const Event& event, size_t i);
  uint64_t ConditionBits(const Event& event, const uint64_t* hashes, uint64_t hashed) const;
  // An update in three steps, so that a batch can run each keyspace's updates in a pass of
  // their own: the event's own checks and counters (in event order), the update of its
  // entity in each keyspace, then its derived features.
  Status BeginEvent(const Event& event, uint64_t seq, size_t i, std::span<double> out,
                    bool* skipped);
  // Applies event i of the batch to its entity of keyspace k. On an error (reading the state
  // store), sets `failed` and returns false: a bool, not a Status, on the hottest call.
  bool UpdateEntity(uint32_t k, const Event& event, size_t i, std::span<double> out);
  void FinishEvent(const Event& event, std::span<double> out) const;

  bool seen_any() const { return max_ts != std::numeric_limits<int64_t>::min(); }

  Status OpenStore() {
    const std::string& dir = options.state_dir;
    rocksdb::Options rocks;
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    rocks.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    rocks.compression = rocksdb::kLZ4Compression;
    rocksdb::DB* raw = nullptr;
    if (options.read_only) {
      std::error_code ec;
      if (!std::filesystem::exists(dir + "/CURRENT", ec)) return Status::Ok();
      PANO_RETURN_IF_ERROR(FromRocks(rocksdb::DB::OpenForReadOnly(rocks, dir, &raw),
                                     "cannot open feature state " + dir));
    } else {
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
      rocks.create_if_missing = true;
      auto status = rocksdb::DB::Open(rocks, dir, &raw);
      if (status.IsIOError() && status.ToString().find("lock") != std::string::npos) {
        return Status::FailedPrecondition("feature state " + dir + " is in use by another process");
      }
      PANO_RETURN_IF_ERROR(FromRocks(status, "cannot open feature state " + dir));
    }
    db.reset(raw);
    std::string value;
    auto status = db->Get(rocksdb::ReadOptions(), kMetaKey, &value);
    if (status.IsNotFound()) return Status::Ok();
    PANO_RETURN_IF_ERROR(FromRocks(status, "cannot read feature state " + dir));
    Meta meta;
    PANO_RETURN_IF_ERROR(DecodeMeta(value, &meta));
    if (meta.fingerprint != spec.fingerprint) {
      return Status::FailedPrecondition(
          "feature state " + dir + " was built by a different version of spec '" + spec.name +
          "'; its values would be wrong for this one. Remove the directory (or pass --reset) "
          "to rebuild it from the log");
    }
    restored = {meta.seq, meta.output_offset, meta.max_ts};
    last_seq = meta.seq;
    max_ts = meta.max_ts;
    counters.applied = meta.applied;
    counters.rejected_late = meta.rejected_late;
    counters.late_applied = meta.late_applied;
    return LoadEntities();
  }

  // Reads the checkpointed entities into memory in one sequential scan, up to kEvictTo of the
  // budget (in key order: keyspace, then key hash): far cheaper than reading each back when
  // the replay first touches it.
  Status LoadEntities() {
    rocksdb::ReadOptions read;
    read.fill_cache = false;
    read.readahead_size = size_t{4} << 20;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read));
    const auto budget =
        static_cast<uint64_t>(static_cast<double>(options.memory_budget_bytes) * kEvictTo);
    for (it->Seek("e"); it->Valid(); it->Next()) {
      rocksdb::Slice name = it->key();
      if (name.size() == 0 || name[0] != 'e') break;
      if (counters.state_bytes >= budget) {
        store_has_more = true;
        break;
      }
      const auto k = name.size() == 10 ? static_cast<uint8_t>(name[1]) : uint8_t{0xff};
      if (k >= keyspaces.size()) return Status::Corruption("feature state: unreadable entity key");
      uint64_t key = 0;
      for (size_t i = 0; i < 8; ++i) key = (key << 8) | static_cast<uint8_t>(name[2 + i]);
      KeyspaceState& ks = keyspaces[k];
      const uint32_t slot = ks.slots.Add();
      Entity& entity = ks.slots[slot];
      Status status =
          ks.ops.Deserialize(std::string_view(it->value().data(), it->value().size()), &entity);
      if (!status.ok()) {
        ks.ops.Reset(&entity);
        ks.free.push_back(slot);
        return status.WithContext("feature state of keyspace " + spec.keyspaces[k].name);
      }
      if (entity.key != key) return Status::Corruption("feature state: entity under a wrong key");
      counters.state_bytes += SetSize(&entity, ks.ops.EstimateBytes(entity));
      ++counters.entities_in_memory;
      ++counters.reloads;
      AddToIndex(&ks, key, slot);
    }
    return FromRocks(it->status(), "cannot read feature state");
  }

  // The slot of entity `key`, loading it from the store or creating it.
  Result<uint32_t> Touch(uint32_t k, uint64_t key, bool create) {
    KeyspaceState& ks = keyspaces[k];
    const auto key_of = [&ks](uint32_t slot) { return ks.slots[slot].key; };
    if (uint32_t found = ks.index.Find(key, key_of); found != internal::EntityIndex::kNone) {
      return found;
    }
    std::string value;
    bool found = false;
    if (db != nullptr && store_has_more) {
      auto status = db->Get(rocksdb::ReadOptions(), EntityKey(k, key), &value);
      if (!status.IsNotFound()) {
        PANO_RETURN_IF_ERROR(FromRocks(status, "cannot read feature state"));
        found = true;
      }
    }
    if (!found && !create) return Status::NotFound("no state for this entity");
    uint32_t slot = 0;
    if (!ks.free.empty()) {
      slot = ks.free.back();
      ks.free.pop_back();
    } else {
      slot = ks.slots.Add();
    }
    Entity& entity = ks.slots[slot];
    if (found) {
      Status status = ks.ops.Deserialize(value, &entity);
      if (!status.ok()) {
        ks.ops.Reset(&entity);
        ks.free.push_back(slot);
        return status.WithContext("feature state of keyspace " + spec.keyspaces[k].name);
      }
      ++counters.reloads;
    } else {
      ks.ops.Init(&entity, key);
      if (db != nullptr) dirty.emplace_back(k, slot);
    }
    counters.state_bytes += SetSize(&entity, ks.ops.EstimateBytes(entity));
    ++counters.entities_in_memory;
    AddToIndex(&ks, key, slot);
    return slot;
  }

  Status WriteCheckpoint(uint64_t output_offset) {
    rocksdb::WriteBatch batch;
    for (auto [k, slot] : dirty) {
      Entity& entity = keyspaces[k].slots[slot];
      if (!entity.live || !entity.dirty) continue;
      keyspaces[k].ops.Serialize(entity, &buffer);
      batch.Put(EntityKey(k, entity.key), buffer);
      entity.dirty = false;
    }
    dirty.clear();
    Meta meta{spec.fingerprint,     last_seq,
              output_offset,        max_ts,
              counters.applied,     counters.rejected_late,
              counters.late_applied};
    batch.Put(kMetaKey, EncodeMeta(meta));
    rocksdb::WriteOptions write;
    write.sync = true;
    PANO_RETURN_IF_ERROR(FromRocks(db->Write(write, &batch), "cannot write feature checkpoint"));
    // Into table files now, so that opening the state never replays a large write-ahead log.
    PANO_RETURN_IF_ERROR(
        FromRocks(db->Flush(rocksdb::FlushOptions()), "cannot flush feature state"));
    restored = {last_seq, output_offset, max_ts};
    ++counters.checkpoints;
    return Status::Ok();
  }

  // Drops clean entities, least recently used first, down to kEvictTo of the budget.
  void Evict() {
    struct Candidate {
      uint64_t touched;
      uint32_t keyspace;
      uint32_t slot;
    };
    std::vector<Candidate> candidates;
    for (uint32_t k = 0; k < keyspaces.size(); ++k) {
      for (uint32_t s = 0; s < keyspaces[k].slots.size(); ++s) {
        const Entity& e = keyspaces[k].slots[s];
        if (e.live && !e.dirty) candidates.push_back({e.touched, k, s});
      }
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) { return a.touched < b.touched; });
    const auto target =
        static_cast<uint64_t>(static_cast<double>(options.memory_budget_bytes) * kEvictTo);
    for (const Candidate& c : candidates) {
      if (counters.state_bytes <= target) break;
      KeyspaceState& ks = keyspaces[c.keyspace];
      Entity& e = ks.slots[c.slot];
      counters.state_bytes -= uint64_t{e.size16} * 16;
      --counters.entities_in_memory;
      ks.index.Erase(e.key, c.slot);
      ks.ops.Reset(&e);
      ks.free.push_back(c.slot);
      ++counters.evictions;
      store_has_more = true;
    }
  }
};

FeatureEngine::FeatureEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FeatureEngine::~FeatureEngine() = default;

Result<std::unique_ptr<FeatureEngine>> FeatureEngine::Open(FeatureSpec spec,
                                                           const EngineOptions& options) {
  auto impl = std::make_unique<Impl>();
  PANO_ASSIGN_OR_RETURN(impl->plan, internal::BuildPlan(spec));
  impl->spec = std::move(spec);
  impl->options = options;
  for (const internal::KeyspacePlan& p : impl->plan.keyspaces) {
    KeyspaceState& ks =
        impl->keyspaces.emplace_back(p, impl->plan.distinct_exact_limit, impl->plan.hll_precision);
    ks.aggs.resize(p.features.size());
    ks.row.resize(static_cast<size_t>(p.stride));
  }
  if (!options.state_dir.empty()) PANO_RETURN_IF_ERROR(impl->OpenStore());
  return std::unique_ptr<FeatureEngine>(new FeatureEngine(std::move(impl)));
}

const FeatureSpec& FeatureEngine::spec() const { return impl_->spec; }
size_t FeatureEngine::width() const { return impl_->spec.features.size(); }
const CheckpointInfo& FeatureEngine::restored() const { return impl_->restored; }
uint64_t FeatureEngine::last_seq() const { return impl_->last_seq; }
Timestamp FeatureEngine::max_ts() const { return impl_->max_ts; }

Status FeatureEngine::LateStatus(std::string_view tx_id, Timestamp ts, Timestamp newest) const {
  return CheckLateness(impl_->plan.allowed_lateness, tx_id, ts, newest);
}
EngineCounters FeatureEngine::counters() const { return impl_->counters; }

// Over the budget: checkpoint and evict before applying more records, so the checkpoint
// holds exactly the records up to last_seq, whose outputs the caller already has.
Status FeatureEngine::Impl::CheckMemory() {
  if (db == nullptr || options.read_only || counters.state_bytes <= options.memory_budget_bytes) {
    return Status::Ok();
  }
  uint64_t output_offset = restored.output_offset;
  if (before_checkpoint) {
    PANO_ASSIGN_OR_RETURN(output_offset, before_checkpoint());
  }
  PANO_RETURN_IF_ERROR(WriteCheckpoint(output_offset));
  Evict();
  return Status::Ok();
}

uint64_t FeatureEngine::Impl::ConditionBits(const Event& event, const uint64_t* hashes,
                                            uint64_t hashed) const {
  uint64_t bits = 0;
  const Expression::EventHashes event_hashes{plan.hash_slot.data(), hashes, hashed};
  for (size_t c = 0; c < plan.conditions.size(); ++c) {
    const internal::Condition& condition = plan.conditions[c];
    bool pass = false;
    switch (condition.kind) {
      case internal::Condition::Kind::kExpression:
        pass = condition.expression->Passes(event, &event_hashes);
        break;
      case internal::Condition::Kind::kValueIn: {
        const auto h = static_cast<size_t>(plan.hash_slot[static_cast<size_t>(condition.field)]);
        if (((hashed >> h) & 1U) == 0) break;  // absent: the test is missing
        const uint64_t hash = hashes[h];
        bool found = false;
        for (uint64_t v : condition.values) found |= v == hash;
        pass = found != condition.negated;
        break;
      }
      case internal::Condition::Kind::kPresent:
        pass = event.has(condition.field);
        break;
    }
    if (pass) bits |= uint64_t{1} << c;
  }
  return bits;
}

void FeatureEngine::Impl::PrepareEvent(const Event& event, size_t i) {
  const size_t nh = plan.hashed_fields.size();
  const size_t nk = keyspaces.size();
  uint64_t* hashes = &batch_hashes[i * nh];
  EntityRef* refs = &batch_refs[i * nk];
  uint64_t hashed = 0;
  const bool transaction = event.kind() == EventKind::kTransaction;
  if (transaction) {
    for (size_t h = 0; h < nh; ++h) {
      if (internal::CategoricalHash(event, plan.hashed_fields[h], plan.hashed_storage[h],
                                    &hashes[h])) {
        hashed |= uint64_t{1} << h;
      }
    }
  }
  batch_hashed[i] = hashed;
  for (size_t k = 0; k < nk; ++k) {
    EntityRef& ref = refs[k];
    ref.slot = kNoSlot;
    ref.entity = nullptr;
    ref.has_key = transaction;
    ref.key = 0;
    const std::vector<int>& fields = keyspaces[k].plan->fields;
    for (size_t j = 0; j < fields.size() && ref.has_key; ++j) {
      const auto h = static_cast<size_t>(plan.hash_slot[static_cast<size_t>(fields[j])]);
      ref.has_key = ((hashed >> h) & 1U) != 0;
      ref.key = internal::FoldKeyHash(ref.key, j, hashes[h]);
    }
  }
}

Status FeatureEngine::Impl::BeginEvent(const Event& event, uint64_t seq, size_t i,
                                       std::span<double> out, bool* skipped) {
  EventStep& step = batch_steps[i];
  step.apply = false;
  if (skipped != nullptr) *skipped = false;
  if (seq <= last_seq) {
    if (skipped != nullptr) *skipped = true;
    return Status::Ok();
  }
  last_seq = seq;
  if (event.kind() != EventKind::kTransaction) return Status::Ok();
  const Timestamp t = event.ts();
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(spec.features.size()), kMissing);
  if (seen_any()) {
    Status late = CheckLateness(plan.allowed_lateness, event.id(), t, max_ts);
    if (!late.ok()) {
      ++counters.rejected_late;
      return late;
    }
    if (t < max_ts) ++counters.late_applied;
  }
  max_ts = std::max(max_ts, t);
  ++counters.applied;
  step.apply = true;
  step.t = t;
  step.watermark = max_ts - plan.allowed_lateness;
  step.touch = ++touch;
  step.bits = ConditionBits(event, &batch_hashes[i * plan.hashed_fields.size()], batch_hashed[i]);
  return Status::Ok();
}

bool FeatureEngine::Impl::UpdateEntity(uint32_t k, const Event& event, size_t i,
                                       std::span<double> out) {
  const EventStep& step = batch_steps[i];
  const Timestamp t = step.t;
  const uint64_t* hashes = &batch_hashes[i * plan.hashed_fields.size()];
  const uint64_t hashed = batch_hashed[i];
  KeyspaceState& ks = keyspaces[k];
  const internal::KeyspacePlan& kplan = *ks.plan;
  const EntityRef& ref = batch_refs[i * keyspaces.size() + k];
  uint32_t slot = ref.slot;
  Entity* found = ref.entity;
  // The slot came from the index's tag alone (FindCandidate); the record, prefetched since,
  // confirms it. Also no slot when the entity was created by an earlier event of the batch.
  if (slot == kNoSlot || found->key != ref.key) {
    Result<uint32_t> touched = Touch(k, ref.key, true);
    if (!touched.ok()) {
      failed = touched.status();
      return false;
    }
    slot = *touched;
    found = &ks.slots[slot];
  }
  Entity& entity = *found;

  int64_t* row = ks.row.data();
  row[internal::kRowTs] = t;
  row[internal::kRowBits] = static_cast<int64_t>(step.bits);
  for (size_t c = 0; c < kplan.columns.size(); ++c) {
    int64_t value = 0;
    int field = kplan.columns[c];
    if (kplan.column_is_hash[c]) {
      const auto h = static_cast<size_t>(plan.hash_slot[static_cast<size_t>(field)]);
      if (((hashed >> h) & 1U) != 0) value = static_cast<int64_t>(hashes[h]);
    } else if (!internal::NumericValue(event, field, &value)) {
      value = 0;
    }
    row[internal::kRowValues + static_cast<int>(c)] = value;
  }

  const bool in_order = t > ks.ops.NewestTs(entity) && t >= entity.acc_ts;
  if (in_order && !kplan.include_current) {
    ks.ops.UpdateInOrder(&entity, row, &scratch, out.data());
  } else {
    if (in_order) {
      ks.ops.AdvanceAndRead(&entity, t, &scratch, ks.aggs.data());
    } else {
      ks.ops.ScanRead(entity, t, &scratch, ks.aggs.data());
    }
    ks.ops.IncludeCurrent(entity, row, &scratch, ks.aggs.data());
    for (size_t f = 0; f < kplan.features.size(); ++f) {
      const internal::Reading& a = ks.aggs[f];
      out[static_cast<size_t>(kplan.features[f].feature)] =
          ks.ops.Value(kplan.features[f], a, a.distinct, t);
    }
    ks.ops.Insert(&entity, row);
  }
  Timestamp base = std::min(step.watermark, entity.acc_ts);
  Timestamp cutoff = base - kplan.max_window;
  if (cutoff > base) cutoff = std::numeric_limits<int64_t>::min();  // overflow guard
  ks.ops.Prune(&entity, cutoff);

  if (!entity.dirty) {
    entity.dirty = true;
    if (db != nullptr) dirty.emplace_back(k, slot);
  }
  entity.touched = step.touch;
  counters.state_bytes -= uint64_t{entity.size16} * 16;
  counters.state_bytes += SetSize(&entity, ks.ops.EstimateBytes(entity));
  return true;
}

void FeatureEngine::Impl::FinishEvent(const Event& event, std::span<double> out) const {
  for (int index : plan.derived) {
    out[static_cast<size_t>(index)] =
        spec.features[static_cast<size_t>(index)].expr->Evaluate(event, out.data());
  }
}

Status FeatureEngine::Update(const Event& event, uint64_t seq, std::span<double> out,
                             bool* skipped) {
  Impl& m = *impl_;
  if (out.size() < m.spec.features.size()) {
    return Status::InvalidArgument("feature output holds " + std::to_string(out.size()) +
                                   " values; the spec has " +
                                   std::to_string(m.spec.features.size()));
  }
  PANO_RETURN_IF_ERROR(m.failed);
  if (seq > m.last_seq) PANO_RETURN_IF_ERROR(m.CheckMemory());
  m.ResizeBatch(1);
  m.PrepareEvent(event, 0);
  Status status = m.BeginEvent(event, seq, 0, out, skipped);
  if (!status.ok() || !m.batch_steps[0].apply) return status;
  for (uint32_t k = 0; k < m.keyspaces.size(); ++k) {
    if (!m.batch_refs[k].has_key) continue;
    if (!m.UpdateEntity(k, event, 0, out)) return m.failed;
  }
  m.FinishEvent(event, out);
  return Status::Ok();
}

Status FeatureEngine::UpdateBatch(std::span<const Event> events, std::span<const uint64_t> seqs,
                                  std::span<double> out, std::span<Status> statuses) {
  Impl& m = *impl_;
  const size_t n = events.size();
  const size_t width = m.spec.features.size();
  if (seqs.size() != n || statuses.size() != n || out.size() < n * width) {
    return Status::InvalidArgument("UpdateBatch: " + std::to_string(n) +
                                   " events need as many seqs and statuses and " +
                                   std::to_string(n * width) + " output values");
  }
  PANO_RETURN_IF_ERROR(m.failed);
  if (n == 0) return Status::Ok();
  PANO_RETURN_IF_ERROR(m.CheckMemory());
  const size_t nk = m.keyspaces.size();
  m.ResizeBatch(n);
  for (size_t i = 0; i < n; ++i) m.PrepareEvent(events[i], i);
  for (size_t i = 0; i < n; ++i) {
    statuses[i] = m.BeginEvent(events[i], seqs[i], i, out.subspan(i * width, width), nullptr);
  }
  // One pass per keyspace over the batch's events, in order: a keyspace's entities evolve
  // exactly as event by event, and the pass keeps one keyspace's state in the caches and the
  // TLB at a time. Within a pass the index slot of the update kIndexAhead places ahead, the
  // record of the one kRecordAhead ahead and the rows of the one kRowsAhead ahead are loaded
  // while an update runs. Slots found ahead stay valid: nothing is evicted within a batch.
  constexpr size_t kIndexAhead = 16;
  constexpr size_t kRecordAhead = 8;
  constexpr size_t kRowsAhead = 4;
  for (uint32_t k = 0; k < nk; ++k) {
    KeyspaceState& ks = m.keyspaces[k];
    m.batch_order.clear();
    for (size_t i = 0; i < n; ++i) {
      if (m.batch_steps[i].apply && m.batch_refs[i * nk + k].has_key) {
        m.batch_order.push_back(static_cast<uint32_t>(i));
      }
    }
    const size_t count = m.batch_order.size();
    auto ref_of = [&](size_t j) -> EntityRef& { return m.batch_refs[m.batch_order[j] * nk + k]; };
    auto prefetch_record = [&](size_t j) {
      EntityRef& ref = ref_of(j);
      ref.slot = ks.index.FindCandidate(ref.key);
      if (ref.slot == kNoSlot) return;
      ref.entity = &ks.slots[ref.slot];
      const auto* record = reinterpret_cast<const char*>(ref.entity);  // NOLINT
      for (size_t line = 0; line < ks.ops.record_size(); line += 64) {
        __builtin_prefetch(record + line);  // NOLINT
      }
    };
    auto prefetch_rows = [&](size_t j) {
      const EntityRef& ref = ref_of(j);
      if (ref.entity != nullptr) ks.ops.PrefetchRows(*ref.entity);
    };
    for (size_t j = 0; j < std::min(count, kIndexAhead); ++j) ks.index.Prefetch(ref_of(j).key);
    for (size_t j = 0; j < std::min(count, kRecordAhead); ++j) prefetch_record(j);
    for (size_t j = 0; j < std::min(count, kRowsAhead); ++j) prefetch_rows(j);
    for (size_t j = 0; j < count; ++j) {
      if (j + kIndexAhead < count) ks.index.Prefetch(ref_of(j + kIndexAhead).key);
      if (j + kRecordAhead < count) prefetch_record(j + kRecordAhead);
      if (j + kRowsAhead < count) prefetch_rows(j + kRowsAhead);
      const size_t i = m.batch_order[j];
      if (!m.UpdateEntity(k, events[i], i, out.subspan(i * width, width))) {
        for (size_t e = 0; e < n; ++e) statuses[e] = m.failed;
        return m.failed;
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (m.batch_steps[i].apply) m.FinishEvent(events[i], out.subspan(i * width, width));
  }
  return Status::Ok();
}

Status FeatureEngine::EntityFeatures(int keyspace, std::span<const std::string_view> key,
                                     std::span<double> out) {
  Impl& m = *impl_;
  if (keyspace < 0 || static_cast<size_t>(keyspace) >= m.keyspaces.size()) {
    return Status::InvalidArgument("no such keyspace");
  }
  if (out.size() < m.spec.features.size()) return Status::InvalidArgument("output too small");
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(m.spec.features.size()),
            kMissing);
  auto k = static_cast<uint32_t>(keyspace);
  KeyspaceState& ks = m.keyspaces[k];
  const internal::KeyspacePlan& plan = *ks.plan;
  if (key.size() != plan.fields.size()) {
    return Status::InvalidArgument("entity " + m.spec.keyspaces[k].name + " needs " +
                                   std::to_string(plan.fields.size()) + " values");
  }
  uint64_t hash = 0;
  for (size_t i = 0; i < key.size(); ++i) {
    PANO_ASSIGN_OR_RETURN(uint64_t field_hash, internal::HashOfText(plan.fields[i], key[i]));
    hash = internal::FoldKeyHash(hash, i, field_hash);
  }
  PANO_ASSIGN_OR_RETURN(uint32_t slot, m.Touch(k, hash, false));
  const Entity& entity = ks.slots[slot];
  // As for an event just after the newest one seen: everything applied counts.
  Timestamp t = m.max_ts + 1;
  ks.ops.ScanRead(entity, t, &m.scratch, ks.aggs.data());
  for (size_t i = 0; i < plan.features.size(); ++i) {
    const internal::FeaturePlan& f = plan.features[i];
    out[static_cast<size_t>(f.feature)] = ks.ops.Value(f, ks.aggs[i], ks.aggs[i].distinct, t);
  }
  return Status::Ok();
}

void FeatureEngine::SetCheckpointHook(std::function<Result<uint64_t>()> hook) {
  impl_->before_checkpoint = std::move(hook);
}

Status FeatureEngine::Checkpoint(uint64_t output_offset) {
  PANO_RETURN_IF_ERROR(impl_->failed);  // never a checkpoint of a partly applied batch
  if (impl_->db == nullptr) return Status::Ok();
  if (impl_->options.read_only) {
    return Status::FailedPrecondition("the feature state is open read-only");
  }
  return impl_->WriteCheckpoint(output_offset);
}

std::string FeatureStateDir(const std::string& data_dir, std::string_view spec_name) {
  return data_dir + "/state/features/" + std::string(spec_name);
}

}  // namespace panorama::features
