// ScoringService: the writer thread, group commit, recovery and reloads.
//
// Invariants:
//  - Only the writer thread (or Open(), before it starts) touches the store's append path,
//    the feature engine, the recent-decision ring and the group buffers.
//  - The seqs the writer assigns are store->last_seq() + 1, + 2, ... in the order of the
//    events of its one Append (tx, decision, tx, decision, ...): the store is the log's only
//    appender while the service holds the data directory's lock. An Append whose outcome
//    differs from that breaks the service (unhealthy) rather than leave features, decisions
//    and the log disagreeing.
//  - A Request lives on its Submit() caller's stack until `done` is set under mu; the writer
//    notifies while holding mu, so the caller cannot return (and destroy the request) first.
#include "server/scoring_service.h"

#include <absl/container/flat_hash_map.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/atomic_file.h"
#include "core/event_codec.h"
#include "decide/rules.h"
#include "features/feature_engine.h"
#include "models/model_file.h"
#include "server/internal/decision_cache.h"

namespace panorama::server {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReplayChunk = 1024;

Timestamp WallClockMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::string_view Key(std::string_view s) { return {s.data(), s.size()}; }

std::string ServingStartPath(const std::string& data_dir) {
  return MetaDir(data_dir) + "/serving_start";
}

// The first seq the service decides: read from DIR/meta/serving_start, or, the first time,
// `next_seq` written there durably.
Result<uint64_t> ReadOrCreateServingStart(const std::string& data_dir, uint64_t next_seq) {
  const std::string path = ServingStartPath(data_dir);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::string text;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("open " + path, errno);
    char buffer[64];
    ssize_t got = ::read(fd, buffer, sizeof(buffer));
    ::close(fd);
    if (got < 0) return Status::FromErrno("read " + path, errno);
    text.assign(buffer, static_cast<size_t>(got));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    uint64_t seq = 0;
    bool digits = !text.empty() && text.size() <= 19;
    for (char ch : text) {
      if (ch < '0' || ch > '9') {
        digits = false;
        break;
      }
      seq = seq * 10 + static_cast<uint64_t>(ch - '0');
    }
    if (!digits || seq == 0) {
      return Status::Corruption(path + ": expected the serving start seq, found '" +
                                text.substr(0, 40) + "'");
    }
    return seq;
  }
  std::filesystem::create_directories(MetaDir(data_dir), ec);
  PANO_RETURN_IF_ERROR(WriteFileAtomically(path, std::to_string(next_seq) + "\n"));
  return next_seq;
}

// What happened to one transaction of a group.
enum class ItemState : uint8_t { kAccepted, kDuplicateInGroup, kDuplicateStored, kRejected };

struct Request {
  std::span<const Event> txs;
  std::vector<TxOutcome>* out = nullptr;
  Clock::time_point start;
  bool done = false;  // guarded by Impl::mu
  std::condition_variable cv;
};

struct Item {
  Request* request = nullptr;
  size_t index = 0;  // into request->txs
  ItemState state = ItemState::kRejected;
  // kAccepted: the tx's position in the group's batch (its decision follows);
  // kDuplicateInGroup: the item index of the first occurrence.
  size_t slot = 0;
  Status status;  // kRejected: why
};

}  // namespace

struct ScoringService::Impl {
  explicit Impl(const ServiceOptions& opts)
      : options(opts), recent(opts.recent_decisions), alerts(opts.recent_alerts) {}

  Status Open();
  Status Replay();
  void WriterLoop();
  void ProcessGroup();
  void FailGroup(const Status& status);
  void Finish();
  void MarkBroken(const Status& status);
  void WatchLists();
  std::shared_ptr<const decide::Decider> CurrentDecider() const {
    std::lock_guard lock(config_mu);
    return decider;
  }
  void Install(std::shared_ptr<const decide::Decider> next) {
    std::lock_guard lock(config_mu);
    decider = std::move(next);
  }
  // Builds the whole configuration from its files (decide::LoadDecider: the rule set, the
  // lists it declares, the model when `model_path` is set) and installs it in one swap; on an
  // error the current one keeps serving. Requires reload_mu (or the writer not yet started).
  Status Load(const std::string& rules_file, const std::string& model_file);
  Status RebuildLists();  // requires reload_mu
  void Record(const Event& tx, uint64_t tx_seq, const Event& made);

  ServiceOptions options;
  features::FeatureSpec spec;
  std::unique_ptr<EventStore> store;
  std::unique_ptr<features::FeatureEngine> engine;
  std::unique_ptr<decide::ListStore> lists;
  RecoveryInfo recovery;

  mutable std::mutex config_mu;
  std::shared_ptr<const decide::Decider> decider;  // guarded by config_mu

  std::mutex reload_mu;  // serializes reloads; guards the three below
  std::string rules_path;
  std::string model_path;
  uint64_t list_generation = 0;

  std::mutex mu;  // the queue
  std::condition_variable wake;
  std::condition_variable watcher_wake;
  std::deque<Request*> queue;  // guarded by mu
  bool stopping = false;       // guarded by mu
  std::atomic<bool> healthy{true};
  std::string broken_reason;  // guarded by mu

  std::mutex shutdown_mu;
  bool shut_down = false;  // guarded by shutdown_mu
  Status shutdown_status;  // guarded by shutdown_mu
  std::thread writer;
  std::thread watcher;

  // Writer-owned.
  internal::RecentDecisions recent;
  internal::AlertRing alerts;
  std::vector<Request*> group;
  std::vector<Item> items;
  std::vector<Event> batch;  // tx, decision, tx, decision, ...
  std::vector<uint64_t> seqs;
  std::vector<double> values;
  std::vector<Status> statuses;
  absl::flat_hash_map<absl::string_view, size_t> group_ids;
  decide::Decision decision;
  std::string encoded;

  std::atomic<uint64_t> decided{0}, duplicates{0}, rejected{0};
  std::atomic<uint64_t> approve{0}, review{0}, decline{0}, groups{0}, reloads{0};
  Histogram decision_latency{LatencyBucketsNs(), 1e9};
  Histogram group_size{SizeBuckets(), 1};
};

Status ScoringService::Impl::Open() {
  auto started = Clock::now();
  if (options.rules_path.empty()) return Status::InvalidArgument("a rule set file is required");
  PANO_ASSIGN_OR_RETURN(spec, features::LoadFeatureSpec(options.spec_path));
  StoreOptions store_options;
  store_options.log.sync = options.sync;
  PANO_ASSIGN_OR_RETURN(store, EventStore::Open(options.data_dir, store_options));
  recovery.store = store->open_report();
  PANO_ASSIGN_OR_RETURN(recovery.serving_start,
                        ReadOrCreateServingStart(options.data_dir, store->last_seq() + 1));
  PANO_ASSIGN_OR_RETURN(lists, decide::ListStore::Open(decide::ListStorePath(options.data_dir)));

  PANO_RETURN_IF_ERROR(Load(options.rules_path, options.model_path));

  PANO_ASSIGN_OR_RETURN(engine, features::FeatureEngine::Open(spec, features::EngineOptions{}));
  PANO_RETURN_IF_ERROR(Replay());
  recovery.seconds = std::chrono::duration<double>(Clock::now() - started).count();

  writer = std::thread([this] { WriterLoop(); });
  if (options.list_poll_ms > 0) watcher = std::thread([this] { WatchLists(); });
  return Status::Ok();
}

// Records one stored decision in the recent ring and, for REVIEW and DECLINE, the alerts.
void ScoringService::Impl::Record(const Event& tx, uint64_t tx_seq, const Event& made) {
  encoded.clear();
  EncodeEvent(made, &encoded);
  recent.Put(tx.id(), tx_seq, encoded);
  if (made.num(decision::kDecision) != decision_value::kApprove) alerts.Put(encoded);
}

Status ScoringService::Impl::Replay() {
  PANO_ASSIGN_OR_RETURN(auto reader, LogReader::OpenRange(LogDir(options.data_dir), 1));
  const size_t width = engine->width();
  std::shared_ptr<const decide::Decider> current = CurrentDecider();
  std::vector<Event> events(kReplayChunk);
  std::vector<uint64_t> chunk_seqs(kReplayChunk);
  std::vector<Status> chunk_statuses(kReplayChunk);
  std::vector<double> chunk_values(kReplayChunk * width);

  // The newest served transaction whose decision has not been seen yet: it is normally the
  // next record; when it is not, the id index tells whether one exists further on.
  Event held(EventKind::kTransaction);
  std::vector<double> held_values(width);
  uint64_t held_seq = 0;
  bool holding = false;
  std::vector<Event> undecided;  // decisions to append, for transactions at undecided_seqs
  std::vector<uint64_t> undecided_seqs;
  Event probe(EventKind::kDecision);
  std::string last_tx_id;
  uint64_t last_tx_seq = 0;

  auto resolve_held = [&]() -> Status {
    if (!holding) return Status::Ok();
    holding = false;
    probe.Reset(EventKind::kDecision);
    probe.set_str(decision::kTxId, held.id());
    PANO_ASSIGN_OR_RETURN(bool stored, store->Contains(probe));
    if (stored) return Status::Ok();
    current->Decide(held, held_values, &decision);
    current->ToEvent(held, decision, WallClockMicros(), 0, &undecided.emplace_back());
    undecided_seqs.push_back(held_seq);
    return Status::Ok();
  };

  LogRecord record;
  bool more = true;
  while (more) {
    size_t n = 0;
    while (n < kReplayChunk) {
      if (!reader->Next(&record)) {
        more = false;
        break;
      }
      PANO_RETURN_IF_ERROR(DecodeEvent(record.payload, &events[n])
                               .WithContext("log record " + std::to_string(record.seq)));
      chunk_seqs[n++] = record.seq;
    }
    if (n == 0) break;
    PANO_RETURN_IF_ERROR(engine->UpdateBatch(std::span(events).first(n),
                                             std::span(chunk_seqs).first(n), chunk_values,
                                             std::span(chunk_statuses).first(n)));
    for (size_t i = 0; i < n; ++i) {
      const Event& event = events[i];
      ++recovery.records;
      if (event.kind() == EventKind::kDecision) {
        ++recovery.decisions;
        if (holding && event.id() == held.id()) {
          holding = false;
        } else {
          PANO_RETURN_IF_ERROR(resolve_held());
        }
        uint64_t tx_seq = event.id() == last_tx_id ? last_tx_seq : 0;
        encoded.clear();
        EncodeEvent(event, &encoded);
        recent.Put(event.id(), tx_seq, encoded);
        if (event.num(decision::kDecision) != decision_value::kApprove) alerts.Put(encoded);
        continue;
      }
      PANO_RETURN_IF_ERROR(resolve_held());
      if (event.kind() != EventKind::kTransaction) continue;
      ++recovery.transactions;
      if (chunk_statuses[i].code() == StatusCode::kOutOfRange) ++recovery.rejected_late;
      last_tx_id.assign(event.id());
      last_tx_seq = chunk_seqs[i];
      // A transaction the engine refused as late (loaded by `panorama ingest` while the
      // server was down) has no features to decide on: it stays without a decision.
      if (chunk_seqs[i] >= recovery.serving_start && chunk_statuses[i].ok()) {
        held = event;
        std::copy_n(chunk_values.begin() + static_cast<std::ptrdiff_t>(i * width), width,
                    held_values.begin());
        held_seq = chunk_seqs[i];
        holding = true;
      }
    }
  }
  PANO_RETURN_IF_ERROR(reader->status());
  PANO_RETURN_IF_ERROR(resolve_held());
  if (undecided.empty()) return Status::Ok();

  const uint64_t first = store->last_seq() + 1;
  PANO_ASSIGN_OR_RETURN(AppendOutcome appended, store->Append(undecided));
  if (appended.accepted != undecided.size() || appended.first_seq != first) {
    return Status::Internal("appending " + std::to_string(undecided.size()) +
                            " decisions of undecided transactions stored " +
                            std::to_string(appended.accepted) + " from seq " +
                            std::to_string(appended.first_seq) + " (expected " +
                            std::to_string(first) + ")");
  }
  std::vector<uint64_t> decision_seqs(undecided.size());
  for (size_t i = 0; i < undecided.size(); ++i) decision_seqs[i] = first + i;
  std::vector<Status> decision_statuses(undecided.size());
  std::vector<double> ignored(undecided.size() * width);
  // Decisions only advance the engine's last seq, keeping it equal to the log's.
  PANO_RETURN_IF_ERROR(
      engine->UpdateBatch(undecided, decision_seqs, ignored, std::span(decision_statuses)));
  for (size_t i = 0; i < undecided.size(); ++i) {
    encoded.clear();
    EncodeEvent(undecided[i], &encoded);
    recent.Put(undecided[i].id(), undecided_seqs[i], encoded);
    if (undecided[i].num(decision::kDecision) != decision_value::kApprove) alerts.Put(encoded);
  }
  recovery.decided_on_open = undecided.size();
  return Status::Ok();
}

void ScoringService::Impl::WriterLoop() {
  for (;;) {
    {
      std::unique_lock lock(mu);
      wake.wait(lock, [&] { return !queue.empty() || stopping; });
      if (queue.empty()) return;
      group.clear();
      size_t count = 0;
      while (!queue.empty() &&
             (group.empty() || count + queue.front()->txs.size() <= options.max_group)) {
        count += queue.front()->txs.size();
        group.push_back(queue.front());
        queue.pop_front();
      }
    }
    if (healthy.load()) {
      ProcessGroup();
    } else {
      std::string reason;
      {
        std::lock_guard lock(mu);
        reason = broken_reason;
      }
      FailGroup(Status::Internal("the scoring service is unhealthy: " + reason));
    }
    Finish();
  }
}

void ScoringService::Impl::MarkBroken(const Status& status) {
  std::lock_guard lock(mu);
  if (healthy.exchange(false)) broken_reason = status.ToString();
}

void ScoringService::Impl::FailGroup(const Status& status) {
  for (Request* request : group) {
    for (size_t i = 0; i < request->txs.size(); ++i) {
      TxOutcome& outcome = (*request->out)[i];
      outcome.tx_id.assign(request->txs[i].id());
      outcome.decision.Reset(EventKind::kDecision);
      outcome.status = status;
      outcome.duplicate = false;
      outcome.seq = 0;
    }
    rejected.fetch_add(request->txs.size(), std::memory_order_relaxed);
  }
}

void ScoringService::Impl::Finish() {
  std::lock_guard lock(mu);
  for (Request* request : group) {
    request->done = true;
    request->cv.notify_one();
  }
}

void ScoringService::Impl::ProcessGroup() {
  const std::shared_ptr<const decide::Decider> current = CurrentDecider();
  items.clear();
  group_ids.clear();
  // The engine's newest time as it will be before each accepted transaction, so that a late
  // one is refused before log positions are assigned (the engine's own rule, LateStatus).
  Timestamp newest = engine->max_ts();
  const uint64_t first_seq = store->last_seq() + 1;
  size_t n = 0;  // events in the batch
  size_t txs = 0;
  for (Request* request : group) {
    txs += request->txs.size();
    for (size_t i = 0; i < request->txs.size(); ++i) {
      const Event& tx = request->txs[i];
      Item& item = items.emplace_back();
      item.request = request;
      item.index = i;
      if (tx.kind() != EventKind::kTransaction || !tx.has(tx::kTxId)) {
        item.state = ItemState::kRejected;
        item.status = Status::InvalidArgument("not a transaction");
        continue;
      }
      auto in_group = group_ids.find(Key(tx.id()));
      if (in_group != group_ids.end()) {
        item.state = ItemState::kDuplicateInGroup;
        item.slot = in_group->second;
        continue;
      }
      Result<bool> stored = store->Contains(tx);
      if (!stored.ok()) {
        MarkBroken(stored.status());
        FailGroup(Status::Internal("id index: " + stored.status().ToString()));
        return;
      }
      if (*stored) {
        item.state = ItemState::kDuplicateStored;
        continue;
      }
      Status late = engine->LateStatus(tx.id(), tx.ts(), newest);
      if (!late.ok()) {
        item.state = ItemState::kRejected;
        item.status = std::move(late);
        continue;
      }
      newest = std::max(newest, tx.ts());
      item.state = ItemState::kAccepted;
      item.slot = n;
      group_ids.emplace(Key(tx.id()), items.size() - 1);
      if (batch.size() < n + 2) {
        batch.resize(n + 2);
        seqs.resize(n + 2);
      }
      batch[n] = tx;
      batch[n + 1].Reset(EventKind::kDecision);
      seqs[n] = first_seq + n;
      seqs[n + 1] = first_seq + n + 1;
      n += 2;
    }
  }
  groups.fetch_add(1, std::memory_order_relaxed);
  group_size.Observe(txs);

  if (n > 0) {
    const size_t width = engine->width();
    if (values.size() < n * width) values.resize(n * width);
    if (statuses.size() < n) statuses.resize(n);
    Status updated =
        engine->UpdateBatch(std::span(batch).first(n), std::span(seqs).first(n),
                            std::span(values).first(n * width), std::span(statuses).first(n));
    // Every accepted transaction was checked with the engine's own rule; one the engine
    // refused anyway would be stored with features it never computed.
    for (size_t i = 0; updated.ok() && i < n; i += 2) {
      if (!statuses[i].ok())
        updated = Status::Internal("refused after the check: " + statuses[i].ToString());
    }
    if (!updated.ok()) {
      MarkBroken(updated);
      FailGroup(Status::Internal("feature engine: " + updated.ToString()));
      return;
    }
    const Timestamp decided_at = WallClockMicros();
    const Clock::time_point now = Clock::now();
    for (const Item& item : items) {
      if (item.state != ItemState::kAccepted) continue;
      const Event& tx = batch[item.slot];
      current->Decide(tx, std::span<const double>(values).subspan(item.slot * width, width),
                      &decision);
      auto latency =
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - item.request->start).count();
      decision_latency.Observe(static_cast<uint64_t>(std::max<int64_t>(latency, 0)));
      current->ToEvent(tx, decision, decided_at, latency / 1000, &batch[item.slot + 1]);
    }
    Result<AppendOutcome> appended = store->Append(std::span<const Event>(batch).first(n));
    Status failure;
    if (!appended.ok()) {
      failure = appended.status();
    } else if (appended->accepted != n || appended->first_seq != first_seq) {
      failure = Status::Internal("the log stored " + std::to_string(appended->accepted) + " of " +
                                 std::to_string(n) + " events from seq " +
                                 std::to_string(appended->first_seq) + ", expected seq " +
                                 std::to_string(first_seq));
    }
    if (!failure.ok()) {
      MarkBroken(failure);
      FailGroup(Status::Internal("log append: " + failure.ToString()));
      return;
    }
  }

  for (const Item& item : items) {
    TxOutcome& out = (*item.request->out)[item.index];
    const Event& tx = item.request->txs[item.index];
    out.tx_id.assign(tx.id());
    out.status = Status::Ok();
    out.duplicate = false;
    out.seq = 0;
    switch (item.state) {
      case ItemState::kAccepted: {
        const Event& made = batch[item.slot + 1];
        out.seq = seqs[item.slot];
        out.decision = made;
        Record(tx, out.seq, made);
        decided.fetch_add(1, std::memory_order_relaxed);
        switch (made.num(decision::kDecision)) {
          case decision_value::kDecline:
            decline.fetch_add(1, std::memory_order_relaxed);
            break;
          case decision_value::kReview:
            review.fetch_add(1, std::memory_order_relaxed);
            break;
          default:
            approve.fetch_add(1, std::memory_order_relaxed);
            break;
        }
        break;
      }
      case ItemState::kDuplicateInGroup: {
        const Item& first = items[item.slot];
        out.duplicate = true;
        out.seq = seqs[first.slot];
        out.decision = batch[first.slot + 1];
        duplicates.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      case ItemState::kDuplicateStored:
        out.duplicate = true;
        if (!recent.Get(tx.id(), &out.seq, &out.decision)) {
          out.seq = 0;
          out.decision.Reset(EventKind::kDecision);
        }
        duplicates.fetch_add(1, std::memory_order_relaxed);
        break;
      case ItemState::kRejected:
        out.status = item.status;
        out.decision.Reset(EventKind::kDecision);
        rejected.fetch_add(1, std::memory_order_relaxed);
        break;
    }
  }
}

Status ScoringService::Impl::RebuildLists() {
  std::shared_ptr<const decide::Decider> current = CurrentDecider();
  auto generation = lists->Generation();
  PANO_ASSIGN_OR_RETURN(auto snapshot, lists->Snapshot(current->rules()));
  PANO_ASSIGN_OR_RETURN(auto next, decide::Decider::Create(spec, current->rules_ptr(), snapshot,
                                                           current->model_ptr()));
  Install(std::move(next));
  if (generation.ok()) list_generation = *generation;
  return Status::Ok();
}

void ScoringService::Impl::WatchLists() {
  const auto interval = std::chrono::milliseconds(options.list_poll_ms);
  for (;;) {
    {
      std::unique_lock lock(mu);
      if (watcher_wake.wait_for(lock, interval, [&] { return stopping; })) return;
    }
    std::lock_guard reload(reload_mu);
    auto generation = lists->Generation();
    if (generation.ok() && *generation != list_generation) RebuildLists().IgnoreError();
  }
}

ScoringService::ScoringService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ScoringService::~ScoringService() {
  if (impl_) Shutdown().IgnoreError();
}

Result<std::unique_ptr<ScoringService>> ScoringService::Open(const ServiceOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  PANO_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<ScoringService>(new ScoringService(std::move(impl)));
}

Status ScoringService::Submit(std::span<const Event> txs, std::vector<TxOutcome>* out) {
  out->resize(txs.size());
  if (txs.empty()) return Status::Ok();
  Request request;
  request.txs = txs;
  request.out = out;
  request.start = Clock::now();
  std::unique_lock lock(impl_->mu);
  if (impl_->stopping) return Status::FailedPrecondition("the scoring service is shutting down");
  if (!impl_->healthy.load()) {
    return Status::Internal("the scoring service is unhealthy: " + impl_->broken_reason);
  }
  impl_->queue.push_back(&request);
  impl_->wake.notify_one();
  request.cv.wait(lock, [&] { return request.done; });
  return Status::Ok();
}

std::vector<Event> ScoringService::Alerts(const AlertQuery& query) const {
  return impl_->alerts.Query(query);
}

decide::ListStore& ScoringService::lists() { return *impl_->lists; }

Status ScoringService::ListsChanged() {
  std::lock_guard reload(impl_->reload_mu);
  return impl_->RebuildLists();
}

Status ScoringService::Impl::Load(const std::string& rules_file, const std::string& model_file) {
  // The generation is read before the snapshot, so a change racing the load is picked up by
  // the next poll rather than missed.
  auto generation = lists->Generation();
  PANO_ASSIGN_OR_RETURN(auto next, decide::LoadDecider(spec, rules_file, model_file, lists.get()));
  Install(std::move(next));
  rules_path = rules_file;
  model_path = model_file;
  if (generation.ok()) list_generation = *generation;
  return Status::Ok();
}

Status ScoringService::Reload() {
  std::lock_guard reload(impl_->reload_mu);
  PANO_RETURN_IF_ERROR(impl_->Load(impl_->rules_path, impl_->model_path));
  impl_->reloads.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Status ScoringService::ReloadRules(const std::string& rules_path) {
  std::lock_guard reload(impl_->reload_mu);
  PANO_RETURN_IF_ERROR(
      impl_->Load(rules_path.empty() ? impl_->rules_path : rules_path, impl_->model_path));
  impl_->reloads.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Status ScoringService::ReloadModel(const std::string& model_path) {
  std::lock_guard reload(impl_->reload_mu);
  const std::string path = model_path.empty() ? impl_->model_path : model_path;
  if (path.empty()) return Status::InvalidArgument("no model file to reload");
  PANO_RETURN_IF_ERROR(impl_->Load(impl_->rules_path, path));
  impl_->reloads.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

std::shared_ptr<const decide::Decider> ScoringService::decider() const {
  return impl_->CurrentDecider();
}

const ServiceOptions& ScoringService::options() const { return impl_->options; }
const RecoveryInfo& ScoringService::recovery() const { return impl_->recovery; }
const features::FeatureSpec& ScoringService::spec() const { return impl_->spec; }
const Histogram& ScoringService::decision_latency() const { return impl_->decision_latency; }
const Histogram& ScoringService::group_size() const { return impl_->group_size; }

ServiceCounters ScoringService::counters() const {
  const Impl& i = *impl_;
  ServiceCounters c;
  c.decided = i.decided.load(std::memory_order_relaxed);
  c.duplicates = i.duplicates.load(std::memory_order_relaxed);
  c.rejected = i.rejected.load(std::memory_order_relaxed);
  c.approve = i.approve.load(std::memory_order_relaxed);
  c.review = i.review.load(std::memory_order_relaxed);
  c.decline = i.decline.load(std::memory_order_relaxed);
  c.groups = i.groups.load(std::memory_order_relaxed);
  c.reloads = i.reloads.load(std::memory_order_relaxed);
  return c;
}

uint64_t ScoringService::last_seq() const { return impl_->store->last_seq(); }

bool ScoringService::healthy() const { return impl_->healthy.load(); }

Status ScoringService::Shutdown() {
  std::lock_guard guard(impl_->shutdown_mu);
  if (impl_->shut_down) return impl_->shutdown_status;
  impl_->shut_down = true;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  impl_->watcher_wake.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
  if (impl_->watcher.joinable()) impl_->watcher.join();
  impl_->shutdown_status = impl_->store ? impl_->store->Close() : Status::Ok();
  return impl_->shutdown_status;
}

}  // namespace panorama::server
