// features_bench: the feature engine's figures of BENCHMARKS.md.
//
//   build/bench/features_bench [--spec FILE] [--customers N] [--merchants M] [--days D]
//                              [--seed S] [--events N] [--repeats R] [--dir TMPDIR]
//                              [--mode update|checkpoint|backfill|all]
//                              [--checkpoint-events N] [--tail N] [--cache FILE]
//                              [--single true]
//
// Generates a world (GenerateWorld into a temporary directory), reads its transactions back
// with the ingest RecordReader and keeps them encoded (the log's event codec) in memory, all
// before any timing. Decoding happens in batches of kBatch events outside the timed spans, so
// every timed span is nothing but the engine's update calls (or the call being measured).
// Each figure is the median of R runs.
//   update      updates over the world's transactions (capped by --events) by an in-memory
//               engine (no state_dir): events per second, distinct entities over all
//               keyspaces, bytes of state per entity (the engine's estimate and the growth
//               of the process's resident memory). Each run is a new engine. The rate is the
//               median of runs 2..R, which mostly reuse the memory the engine before them
//               freed; run 1, whose state is all in memory new to the process, is given apart
//               (bench/fresh_memory_bench shows why the two differ on a virtual machine).
//   checkpoint  an engine with a state directory under TMPDIR is fed --checkpoint-events
//               events (the world's stream repeated with shifted timestamps when it is
//               shorter), then a full Checkpoint() (every entity dirty) is timed; --tail more
//               events follow, the engine is destroyed without a checkpoint (as by a crash),
//               and recovery is timed: Open() on the state directory plus the replay of the
//               tail. The features of the replayed tail must equal those computed before the
//               "crash" bit for bit.
//   backfill    the world's transactions and labels are ingested into a data directory
//               (untimed), then features::Backfill over it is timed, each row formatted as
//               CSV (AppendCsvRow) into a buffer that is discarded: `features backfill`
//               without the file write.
// Updates go through UpdateBatch() 256 events at a time (as in `features run` and back-fill);
// --single true calls Update() once per event instead.
// --cache FILE keeps the encoded transactions of a world in FILE (written when absent or made
// for other world options), so that repeated runs skip generating and parsing.
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.h"
#include "core/event.h"
#include "core/event_codec.h"
#include "core/schema.h"
#include "features/backfill.h"
#include "features/feature_engine.h"
#include "features/feature_spec.h"
#include "features/internal/event_values.h"
#include "generate/generate.h"
#include "ingest/record_reader.h"
#include "state/event_store.h"
#include "state/loader.h"

namespace panorama::features {
namespace {

using bench::Clock;
using bench::Die;
using bench::Median;
using bench::Since;

constexpr size_t kBatch = 8192;
constexpr size_t kUpdateBatch = 256;
constexpr char kCacheMagic[] = "panorama-features-bench-1";

struct Options {
  std::string spec = "examples/features/fraud.yaml";
  generate::WorldOptions world;
  uint64_t events = std::numeric_limits<uint64_t>::max();
  int repeats = 3;
  std::string dir = "/tmp";
  std::string mode = "update";
  uint64_t checkpoint_events = 10'000'000;
  uint64_t tail = 1'000'000;
  std::string cache;
  bool single = false;  // --single: Update() per event instead of UpdateBatch()
};

std::string Runs(const std::vector<double>& v, const char* format = "%.3f") {
  std::string out;
  char buffer[32];
  for (double x : v) {
    std::snprintf(buffer, sizeof buffer, format, x);
    if (!out.empty()) out += ' ';
    out += buffer;
  }
  return out;
}

void Check(const Status& status, const std::string& what) {
  if (!status.ok()) Die(what + ": " + status.ToString());
}

// Resident set size of this process in bytes (/proc/self/statm, second field).
uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) bytes += entry.file_size(ec);
  }
  return bytes;
}

// The world's transactions, encoded back to back; event i of a longer stream is world event
// i % size() with its ts moved on by (i / size()) * span and its tx_id suffixed, so that a
// repeated stream stays in time order and keeps ids distinct.
class Stream {
 public:
  uint64_t size() const { return offsets_.size() - 1; }
  Timestamp span() const { return span_; }
  uint64_t arena_bytes() const { return arena_.size(); }

  void Add(const Event& event) {
    EncodeEvent(event, &arena_);
    offsets_.push_back(arena_.size());
    first_ts_ = std::min(first_ts_, event.ts());
    last_ts_ = std::max(last_ts_, event.ts());
  }
  // Fixes the repeat shift once all events are added: the whole days covered plus one.
  void Seal() {
    const Timestamp days = (last_ts_ - first_ts_) / kMicrosPerDay + 2;
    span_ = days * kMicrosPerDay;
  }

  void Decode(uint64_t i, Event* event) const {
    const uint64_t w = i % size(), cycle = i / size();
    Check(DecodeEvent(std::string_view(arena_).substr(offsets_[w], offsets_[w + 1] - offsets_[w]),
                      event),
          "decode");
    if (cycle == 0) return;
    event->set_num(tx::kTs, event->ts() + static_cast<Timestamp>(cycle) * span_);
    std::string id(event->id());
    id += '~';
    id += std::to_string(cycle);
    event->set_str(tx::kTxId, id);
  }

  bool Save(const std::string& path, const std::string& tag) const {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const uint64_t header[] = {tag.size(), offsets_.size(), arena_.size(),
                               static_cast<uint64_t>(first_ts_), static_cast<uint64_t>(last_ts_)};
    out.write(tag.data(), static_cast<std::streamsize>(tag.size()));
    out.write(reinterpret_cast<const char*>(header), sizeof header);
    out.write(reinterpret_cast<const char*>(offsets_.data()),
              static_cast<std::streamsize>(offsets_.size() * sizeof(uint64_t)));
    out.write(arena_.data(), static_cast<std::streamsize>(arena_.size()));
    return static_cast<bool>(out);
  }
  bool Load(const std::string& path, const std::string& tag) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::string read_tag(tag.size(), '\0');
    in.read(read_tag.data(), static_cast<std::streamsize>(read_tag.size()));
    uint64_t header[5] = {};
    in.read(reinterpret_cast<char*>(header), sizeof header);
    if (!in || read_tag != tag || header[0] != tag.size() || header[1] < 2) return false;
    offsets_.resize(header[1]);
    arena_.resize(header[2]);
    first_ts_ = static_cast<Timestamp>(header[3]);
    last_ts_ = static_cast<Timestamp>(header[4]);
    in.read(reinterpret_cast<char*>(offsets_.data()),
            static_cast<std::streamsize>(offsets_.size() * sizeof(uint64_t)));
    in.read(arena_.data(), static_cast<std::streamsize>(arena_.size()));
    if (!in || offsets_.back() != arena_.size()) return false;
    Seal();
    return true;
  }

 private:
  std::string arena_;
  std::vector<uint64_t> offsets_{0};
  Timestamp first_ts_ = std::numeric_limits<int64_t>::max();
  Timestamp last_ts_ = std::numeric_limits<int64_t>::min();
  Timestamp span_ = 0;
};

std::string CacheTag(const generate::WorldOptions& w) {
  return std::string(kCacheMagic) + " " + std::to_string(w.customers) + " " +
         std::to_string(w.merchants) + " " + std::to_string(w.days) + " " + std::to_string(w.seed);
}

void ReadTransactions(const std::string& path, Stream* stream) {
  ReaderOptions options;
  options.kind = EventKind::kTransaction;
  auto reader = RecordReader::Open(path, options);
  if (!reader.ok()) Die(reader.status().ToString());
  Event event;
  Reject reject;
  uint64_t rejects = 0;
  for (;;) {
    const auto outcome = (*reader)->Next(&event, &reject);
    if (outcome == RecordReader::Outcome::kEnd) break;
    if (outcome == RecordReader::Outcome::kReject) {
      ++rejects;
      continue;
    }
    stream->Add(event);
  }
  if (rejects != 0) Die(path + ": " + std::to_string(rejects) + " rejected rows");
}

// Loads the world's transactions and labels into a data directory (what `panorama ingest`
// does), for the backfill figure.
void Ingest(const std::string& world_dir, const std::string& data_dir) {
  auto store = EventStore::Open(data_dir);
  if (!store.ok()) Die(store.status().ToString());
  for (const auto& [kind, file] : {std::pair{EventKind::kTransaction, "transactions.csv"},
                                   std::pair{EventKind::kLabel, "labels.csv"}}) {
    ReaderOptions options;
    options.kind = kind;
    auto reader = RecordReader::Open(world_dir + "/" + file, options);
    if (!reader.ok()) Die(reader.status().ToString());
    LoadCounts counts;
    Check(LoadRecords(
              **reader, **store, 4096, [](const Reject&) { return Status::Ok(); }, &counts),
          "ingest");
  }
  Check((*store)->Close(), "close store");
}

// Decodes events [from, to) of the stream batch by batch and applies them, seq = index + 1.
// Returns the seconds spent inside Update() only. `checksum`, when given, folds the bits of
// every feature vector (inside the timed span: the same work on both sides of a comparison).
struct FeedResult {
  double seconds = 0;      // wall
  double cpu_seconds = 0;  // this thread's CPU time: what a shared machine does not distort
  uint64_t rejected = 0;
};

double ThreadCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

FeedResult Feed(FeatureEngine& engine, const Stream& stream, uint64_t from, uint64_t to,
                std::vector<Event>& batch, uint64_t* checksum, bool single) {
  FeedResult result;
  std::vector<double> out(engine.width());
  std::vector<uint64_t> batch_seqs(kUpdateBatch);
  std::vector<Status> batch_statuses(kUpdateBatch);
  std::vector<double> batch_out(kUpdateBatch * engine.width());
  for (uint64_t begin = from; begin < to; begin += kBatch) {
    const uint64_t end = std::min<uint64_t>(to, begin + kBatch);
    for (uint64_t i = begin; i < end; ++i) stream.Decode(i, &batch[i - begin]);
    const double cpu_start = ThreadCpuSeconds();
    const auto start = Clock::now();
    if (single) {
      for (uint64_t i = begin; i < end; ++i) {
        Status status = engine.Update(batch[i - begin], i + 1, out);
        if (!status.ok()) {
          if (status.code() != StatusCode::kOutOfRange) Die("update: " + status.ToString());
          ++result.rejected;
        }
        if (checksum != nullptr) {
          for (double v : out) *checksum = (*checksum ^ std::bit_cast<uint64_t>(v)) * 0x100000001b3;
        }
      }
    } else {
      // UpdateBatch over kUpdateBatch events at a time: what `features run` and back-fill do.
      for (uint64_t first = begin; first < end; first += kUpdateBatch) {
        const size_t n = std::min<uint64_t>(kUpdateBatch, end - first);
        for (size_t j = 0; j < n; ++j) batch_seqs[j] = first + j + 1;
        Status status = engine.UpdateBatch(std::span(batch).subspan(first - begin, n),
                                           std::span(batch_seqs).first(n), batch_out,
                                           std::span(batch_statuses).first(n));
        if (!status.ok()) Die("update: " + status.ToString());
        for (size_t j = 0; j < n; ++j) {
          if (!batch_statuses[j].ok()) {
            if (batch_statuses[j].code() != StatusCode::kOutOfRange) {
              Die("update: " + batch_statuses[j].ToString());
            }
            ++result.rejected;
          }
        }
        if (checksum != nullptr) {
          for (size_t j = 0; j < n * engine.width(); ++j) {
            *checksum = (*checksum ^ std::bit_cast<uint64_t>(batch_out[j])) * 0x100000001b3;
          }
        }
      }
    }
    result.seconds += Since(start);
    result.cpu_seconds += ThreadCpuSeconds() - cpu_start;
  }
  return result;
}

struct SpecFacts {
  size_t window = 0, lifetime = 0, derived = 0;
};

SpecFacts Describe(const FeatureSpec& spec) {
  SpecFacts facts;
  for (const FeatureDef& f : spec.features) {
    if (f.aggregation == Aggregation::kDerived) {
      ++facts.derived;
    } else if (f.window == kLifetime) {
      ++facts.lifetime;
    } else {
      ++facts.window;
    }
  }
  return facts;
}

// Distinct keys of each keyspace among the first n events (hashed as the engine hashes them).
std::vector<uint64_t> DistinctKeys(const FeatureSpec& spec, const Stream& stream, uint64_t n) {
  std::vector<uint64_t> counts;
  std::vector<uint64_t> keys;
  Event event;
  for (const Keyspace& ks : spec.keyspaces) {
    keys.clear();
    for (uint64_t i = 0; i < n; ++i) {
      stream.Decode(i, &event);
      uint64_t key = 0;
      bool has_key = true;
      for (size_t j = 0; j < ks.fields.size() && has_key; ++j) {
        uint64_t hash = 0;
        has_key = internal::CategoricalHash(event, ks.fields[j], &hash);
        key = internal::FoldKeyHash(key, j, hash);
      }
      if (has_key) keys.push_back(key);
    }
    std::sort(keys.begin(), keys.end());
    counts.push_back(static_cast<uint64_t>(std::unique(keys.begin(), keys.end()) - keys.begin()));
  }
  return counts;
}

struct Figures {
  std::vector<std::string> lines;  // markdown rows for BENCHMARKS.md
  void Add(const std::string& figure, const std::string& median, const std::string& runs) {
    lines.push_back("| " + figure + " | **" + median + "** | " + runs + " |");
  }
};

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

std::string Rate(double per_second) {
  if (per_second >= 1e6) return Format("%.2f M", per_second / 1e6);
  return Format("%.0f k", per_second / 1e3);
}

void BenchUpdate(const Options& o, const FeatureSpec& spec, const Stream& stream,
                 std::vector<Event>& batch, Figures* figures) {
  const uint64_t n = std::min(o.events, stream.size());
  const SpecFacts facts = Describe(spec);
  std::vector<double> seconds, cpu_seconds, state_per_entity, rss_per_entity;
  uint64_t entities = 0, state_bytes = 0, rejected = 0;
  std::printf("\nupdate: %llu events, in-memory engine\n", static_cast<unsigned long long>(n));
  for (int r = 0; r < o.repeats; ++r) {
    malloc_trim(0);
    const uint64_t rss_before = ResidentBytes();
    auto engine = FeatureEngine::Open(spec);
    if (!engine.ok()) Die(engine.status().ToString());
    const FeedResult fed = Feed(**engine, stream, 0, n, batch, nullptr, o.single);
    const uint64_t rss_after = ResidentBytes();
    const EngineCounters c = (*engine)->counters();
    entities = c.entities_in_memory;
    state_bytes = c.state_bytes;
    rejected = fed.rejected;
    seconds.push_back(fed.seconds);
    cpu_seconds.push_back(fed.cpu_seconds);
    const auto e = static_cast<double>(std::max<uint64_t>(1, entities));
    state_per_entity.push_back(static_cast<double>(state_bytes) / e);
    rss_per_entity.push_back(static_cast<double>(rss_after - rss_before) / e);
    std::printf(
        "  run %d: %.3f s (CPU %.3f s), %.0f events/s, %llu entities, state %.1f MB (%.0f "
        "B/entity), RSS +%.1f MB (%.0f B/entity)\n",
        r + 1, fed.seconds, fed.cpu_seconds, static_cast<double>(n) / fed.seconds,
        static_cast<unsigned long long>(entities), static_cast<double>(state_bytes) / 1e6,
        state_per_entity.back(), static_cast<double>(rss_after - rss_before) / 1e6,
        rss_per_entity.back());
    std::fflush(stdout);
  }
  if (rejected != 0) {
    std::printf("  %llu events rejected as late\n", static_cast<unsigned long long>(rejected));
  }
  const std::vector<uint64_t> keys = DistinctKeys(spec, stream, n);
  uint64_t key_total = 0;
  std::printf("  distinct keys per keyspace:");
  for (size_t k = 0; k < keys.size(); ++k) {
    std::printf("%s %s %llu", k ? "," : "", spec.keyspaces[k].name.c_str(),
                static_cast<unsigned long long>(keys[k]));
    key_total += keys[k];
  }
  std::printf(" (total %llu; engine holds %llu)\n", static_cast<unsigned long long>(key_total),
              static_cast<unsigned long long>(entities));

  // Run 1 builds its state in memory new to the process. On a virtual machine that hands
  // memory left free back to its host (this one's virtio balloon reports free pages), the host
  // backs such pages again on their first touch, at many times the kernel's cost of zeroing
  // them (bench/fresh_memory_bench); later runs mostly get the pages the engine before them
  // freed a moment ago. A long-running engine pays that once, as its state grows. So the
  // headline is the median of the later runs, and run 1 is given on its own.
  const std::vector<double> later(seconds.begin() + (seconds.size() > 1 ? 1 : 0), seconds.end());
  const std::vector<double> later_cpu(cpu_seconds.begin() + (cpu_seconds.size() > 1 ? 1 : 0),
                                      cpu_seconds.end());
  const double t = Median(later), cpu = Median(later_cpu);
  const double rate = static_cast<double>(n) / t, cpu_rate = static_cast<double>(n) / cpu;
  const double first_rate = static_cast<double>(n) / seconds.front();
  const double state = Median(state_per_entity), rss = Median(rss_per_entity);
  const auto w = static_cast<double>(std::max<size_t>(1, facts.window));
  const char* runs = seconds.size() > 1 ? "runs 2.." : "run 1";
  std::printf("\n%-60s %16s\n", "figure (median)", "");
  std::printf("%-60s %16.0f events/s\n",
              (std::string("Update(), one core, in memory (wall, ") + runs + ")").c_str(), rate);
  std::printf("%-60s %16.0f events/s\n", "Update(), one core, in memory (thread CPU time)",
              cpu_rate);
  if (seconds.size() > 1) {
    std::printf("%-60s %16.0f events/s\n", "  run 1 alone (fresh memory)", first_rate);
  }
  std::printf("%-60s %16.1f ns/event\n", "  CPU per event", 1e9 / cpu_rate);
  std::printf("%-60s %16.2f ns\n", "  CPU per event and window feature", 1e9 / cpu_rate / w);
  std::printf("%-60s %16llu\n", "distinct entities (all keyspaces)",
              static_cast<unsigned long long>(entities));
  std::printf("%-60s %16.0f B\n", "state per entity (engine estimate)", state);
  std::printf("%-60s %16.0f B\n", "resident memory growth per entity", rss);
  std::printf("%-60s %16.1f / %.1f B\n", "  per entity and window feature (estimate / RSS)",
              state / w, rss / w);

  const std::string what =
      std::filesystem::path(o.spec).filename().string() + " (" + std::to_string(facts.window) +
      " window, " + std::to_string(facts.lifetime) + " lifetime, " + std::to_string(facts.derived) +
      " derived features, " + std::to_string(spec.keyspaces.size()) + " keyspaces), " +
      std::to_string(n) + " events, " + std::to_string(entities) + " entities";
  const std::string which = seconds.size() > 1
                                ? "runs 2-" + std::to_string(seconds.size()) + " (memory reused)"
                                : std::string("run 1 (fresh memory)");
  figures->Add("Update(), one core, in memory, wall, " + which + ", " + what,
               Rate(rate) + " events/s", Runs(later) + " s");
  figures->Add("Update(), one core, in memory, thread CPU time, same runs",
               Rate(cpu_rate) + " events/s", Runs(later_cpu) + " s");
  if (seconds.size() > 1) {
    figures->Add("Update(), one core, in memory, wall, run 1 (fresh memory)",
                 Rate(first_rate) + " events/s", Format("%.3f s", seconds.front()));
  }
  figures->Add("state per entity, engine estimate (" + what + ")",
               Format("%.0f B", state) + Format(" (%.1f B per window feature)", state / w),
               Runs(state_per_entity, "%.0f"));
  figures->Add("resident memory growth per entity (" + what + ")",
               Format("%.0f B", rss) + Format(" (%.1f B per window feature)", rss / w),
               Runs(rss_per_entity, "%.0f"));
}

void BenchCheckpoint(const Options& o, const FeatureSpec& spec, const Stream& stream,
                     std::vector<Event>& batch, const std::string& root, Figures* figures) {
  const uint64_t c = o.checkpoint_events, total = o.checkpoint_events + o.tail;
  const std::string state_dir = root + "/state";
  EngineOptions options;
  options.state_dir = state_dir;
  options.memory_budget_bytes = std::numeric_limits<uint64_t>::max();  // never evict
  std::printf(
      "\ncheckpoint: %llu events (world of %llu repeated %.2f times), then a tail of %llu\n",
      static_cast<unsigned long long>(c), static_cast<unsigned long long>(stream.size()),
      static_cast<double>(total) / static_cast<double>(stream.size()),
      static_cast<unsigned long long>(o.tail));
  std::vector<double> feed_s, checkpoint_s, tail_s, close_s, open_s, replay_s, recovery_s;
  uint64_t entities = 0, state_bytes = 0, disk = 0, reloads = 0;
  for (int r = 0; r < o.repeats; ++r) {
    std::filesystem::remove_all(state_dir);
    malloc_trim(0);
    uint64_t before = 0, after = 0;
    {
      auto engine = FeatureEngine::Open(spec, options);
      if (!engine.ok()) Die(engine.status().ToString());
      feed_s.push_back(Feed(**engine, stream, 0, c, batch, nullptr, o.single).seconds);
      const EngineCounters counters = (*engine)->counters();
      if (counters.checkpoints != 0 || counters.evictions != 0) Die("unexpected eviction");
      entities = counters.entities_in_memory;
      state_bytes = counters.state_bytes;
      auto start = Clock::now();
      Check((*engine)->Checkpoint(), "checkpoint");
      checkpoint_s.push_back(Since(start));
      disk = DirectoryBytes(state_dir);
      tail_s.push_back(Feed(**engine, stream, c, total, batch, &before, o.single).seconds);
      start = Clock::now();
      engine->reset();  // no checkpoint of the tail: as after a crash
      close_s.push_back(Since(start));
    }
    malloc_trim(0);
    {
      auto start = Clock::now();
      auto engine = FeatureEngine::Open(spec, options);
      if (!engine.ok()) Die(engine.status().ToString());
      open_s.push_back(Since(start));
      if ((*engine)->restored().seq != c) Die("restored the wrong checkpoint");
      replay_s.push_back(Feed(**engine, stream, c, total, batch, &after, o.single).seconds);
      recovery_s.push_back(open_s.back() + replay_s.back());
      reloads = (*engine)->counters().reloads;
      if (before != after) Die("the replayed tail's features differ from the original run's");
    }
    std::printf(
        "  run %d: feed %.3f s (%.0f/s), checkpoint %.3f s (%llu entities, %.1f MB state, %.1f MB "
        "on disk), tail %.3f s (%.0f/s), close %.3f s, open %.3f s, replay %.3f s (%.0f/s, %llu "
        "reloads), recovery %.3f s\n",
        r + 1, feed_s.back(), static_cast<double>(c) / feed_s.back(), checkpoint_s.back(),
        static_cast<unsigned long long>(entities), static_cast<double>(state_bytes) / 1e6,
        static_cast<double>(disk) / 1e6, tail_s.back(), static_cast<double>(o.tail) / tail_s.back(),
        close_s.back(), open_s.back(), replay_s.back(),
        static_cast<double>(o.tail) / replay_s.back(), static_cast<unsigned long long>(reloads),
        recovery_s.back());
    std::fflush(stdout);
  }
  std::filesystem::remove_all(state_dir);
  const double ck = Median(checkpoint_s), tail = Median(tail_s), open = Median(open_s),
               replay = Median(replay_s), recovery = Median(recovery_s), feed = Median(feed_s);
  const auto tail_n = static_cast<double>(o.tail);
  std::printf("\n%-60s %16s\n", "figure (median)", "");
  std::printf("%-60s %16.0f events/s\n", "Update() with a state store, before the checkpoint",
              static_cast<double>(c) / feed);
  std::printf("%-60s %16.3f s\n", "full checkpoint (every entity dirty)", ck);
  std::printf("%-60s %16.0f entities/s\n", "  entities written",
              static_cast<double>(entities) / ck);
  std::printf("%-60s %16.0f events/s\n", "tail before the crash (entities warm)", tail_n / tail);
  std::printf("%-60s %16.3f s\n", "recovery: Open() on the state directory", open);
  std::printf("%-60s %16.0f events/s\n", "recovery: replay of the tail (entities reloaded)",
              tail_n / replay);
  std::printf("%-60s %16.3f s\n", "recovery total (open + replay)", recovery);

  const std::string what = std::to_string(c) + " events, " + std::to_string(entities) +
                           " entities, " + Format("%.0f MB", static_cast<double>(disk) / 1e6) +
                           " on disk";
  figures->Add("full checkpoint after " + what, Format("%.2f s", ck), Runs(checkpoint_s) + " s");
  figures->Add("recovery: Open() of that state", Format("%.3f s", open), Runs(open_s) + " s");
  figures->Add("recovery: replay of the " + std::to_string(o.tail) + "-event tail after it",
               Rate(tail_n / replay) + " events/s", Runs(replay_s) + " s");
  figures->Add("recovery total (open + replay of " + std::to_string(o.tail) + " events)",
               Format("%.2f s", recovery), Runs(recovery_s) + " s");
}

void BenchBackfill(const Options& o, const FeatureSpec& spec, const std::string& world_dir,
                   const std::string& root, Figures* figures) {
  const std::string data_dir = root + "/data";
  auto start = Clock::now();
  Ingest(world_dir, data_dir);
  std::printf("\nbackfill: ingested the world into %s in %.1f s\n", data_dir.c_str(), Since(start));
  std::vector<double> seconds;
  BackfillCounts counts;
  uint64_t bytes = 0;
  for (int r = 0; r < o.repeats; ++r) {
    malloc_trim(0);
    std::string row;
    bytes = 0;
    BackfillOptions options;
    start = Clock::now();
    Check(Backfill(
              data_dir, spec, options,
              [&](const Event& tx, std::span<const double> values, int label) {
                row.clear();
                AppendCsvRow(tx, values, true, label, &row);
                bytes += row.size();
                return Status::Ok();
              },
              &counts),
          "backfill");
    seconds.push_back(Since(start));
    std::printf("  run %d: %.3f s, %llu rows (%llu labelled), %.0f rows/s, %.1f MB of CSV\n", r + 1,
                seconds.back(), static_cast<unsigned long long>(counts.rows),
                static_cast<unsigned long long>(counts.labelled),
                static_cast<double>(counts.rows) / seconds.back(),
                static_cast<double>(bytes) / 1e6);
    std::fflush(stdout);
  }
  std::filesystem::remove_all(data_dir);
  const double t = Median(seconds);
  std::printf("\n%-60s %16.0f rows/s\n", "Backfill (log read, decode, update, CSV row)",
              static_cast<double>(counts.rows) / t);
  figures->Add("Backfill over a data directory (read log + labels, decode, Update, format CSV), " +
                   std::to_string(counts.rows) + " rows",
               Rate(static_cast<double>(counts.rows) / t) + " rows/s", Runs(seconds) + " s");
}

int Main(int argc, char** argv) {
  Options o;
  o.world.customers = 100'000;
  o.world.merchants = 10'000;
  o.world.days = 30;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Die("missing value of " + flag);
    const std::string value = argv[++i];
    if (flag == "--spec") {
      o.spec = value;
    } else if (flag == "--customers") {
      o.world.customers = std::stoll(value);
    } else if (flag == "--merchants") {
      o.world.merchants = std::stoll(value);
    } else if (flag == "--days") {
      o.world.days = std::stoi(value);
    } else if (flag == "--seed") {
      o.world.seed = std::stoull(value);
    } else if (flag == "--events") {
      o.events = std::stoull(value);
    } else if (flag == "--repeats") {
      o.repeats = std::max(1, std::stoi(value));
    } else if (flag == "--dir") {
      o.dir = value;
    } else if (flag == "--mode") {
      if (value != "update" && value != "checkpoint" && value != "backfill" && value != "all") {
        Die("--mode must be update, checkpoint, backfill or all");
      }
      o.mode = value;
    } else if (flag == "--checkpoint-events") {
      o.checkpoint_events = std::stoull(value);
    } else if (flag == "--tail") {
      o.tail = std::stoull(value);
    } else if (flag == "--cache") {
      o.cache = value;
    } else if (flag == "--single") {
      o.single = value == "1" || value == "true";
    } else {
      Die("unknown flag " + flag);
    }
  }
  if (Status valid = generate::ValidateOptions(o.world); !valid.ok()) Die(valid.message());
  auto spec = LoadFeatureSpec(o.spec);
  if (!spec.ok()) Die(spec.status().ToString());
  const SpecFacts facts = Describe(*spec);
  const bool update = o.mode == "update" || o.mode == "all";
  const bool checkpoint = o.mode == "checkpoint" || o.mode == "all";
  const bool backfill = o.mode == "backfill" || o.mode == "all";

  const std::string root = o.dir + "/panorama-features-bench-" + std::to_string(::getpid());
  const std::string world_dir = root + "/world";
  std::filesystem::create_directories(root);
  std::printf(
      "spec: %s (%zu features: %zu window, %zu lifetime, %zu derived; %zu keyspaces)\n"
      "world: %lld customers, %lld merchants, %d days, seed %llu; %d repeats; median reported\n",
      o.spec.c_str(), spec->features.size(), facts.window, facts.lifetime, facts.derived,
      spec->keyspaces.size(), static_cast<long long>(o.world.customers),
      static_cast<long long>(o.world.merchants), o.world.days,
      static_cast<unsigned long long>(o.world.seed), o.repeats);

  Stream stream;
  const std::string tag = CacheTag(o.world);
  bool cached = !o.cache.empty() && !backfill && stream.Load(o.cache, tag);
  if (!cached) {
    auto start = Clock::now();
    auto summary = generate::GenerateWorld(o.world, world_dir);
    if (!summary.ok()) Die(summary.status().ToString());
    std::printf("generated %llu transactions in %.1f s\n",
                static_cast<unsigned long long>(summary->transactions), Since(start));
    start = Clock::now();
    ReadTransactions(world_dir + "/transactions.csv", &stream);
    stream.Seal();
    std::printf("read them back in %.1f s\n", Since(start));
    if (!o.cache.empty() && !stream.Save(o.cache, tag)) Die("cannot write " + o.cache);
    if (!backfill) std::filesystem::remove_all(world_dir);
  } else {
    std::printf("loaded the world's transactions from %s\n", o.cache.c_str());
  }
  std::printf("%llu transactions, %.1f MB encoded, over %.1f days\n",
              static_cast<unsigned long long>(stream.size()),
              static_cast<double>(stream.arena_bytes()) / 1e6,
              static_cast<double>(stream.span()) / static_cast<double>(kMicrosPerDay) - 1);
  std::fflush(stdout);

  std::vector<Event> batch(kBatch);
  for (size_t i = 0; i < kBatch && i < stream.size(); ++i) stream.Decode(i, &batch[i]);
  Figures figures;
  if (update) BenchUpdate(o, *spec, stream, batch, &figures);
  if (checkpoint) BenchCheckpoint(o, *spec, stream, batch, root, &figures);
  if (backfill) BenchBackfill(o, *spec, world_dir, root, &figures);
  std::filesystem::remove_all(root);
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  std::printf("\nmax RSS of the process: %.1f MB\n", static_cast<double>(usage.ru_maxrss) / 1e3);

  std::printf("\nfor BENCHMARKS.md:\n| figure | median | runs |\n|---|---|---|\n");
  for (const std::string& line : figures.lines) std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace
}  // namespace panorama::features

int main(int argc, char** argv) {
  try {
    return panorama::features::Main(argc, argv);
  } catch (const std::exception& e) {  // a flag value std::stoll cannot parse
    std::fprintf(stderr, "features_bench: %s\n", e.what());
    return 2;
  }
}
