// Online against back-fill on a generated world: the world's transactions.csv and labels.csv
// are ingested into a data directory as `panorama ingest` does (RecordReader + LoadRecords).
// An online FeatureEngine is fed the events as the file readers produce them, numbered as the
// log numbered them, with a state store under a small memory budget (so entities are evicted
// and reloaded), a checkpoint and reopen in the middle, and a simulated crash after it. Its
// features must equal, bit for bit, what features::Backfill computes from the log, and
// Backfill's label column must equal the labels file.

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "core/event_codec.h"
#include "core/schema.h"
#include "core/status.h"
#include "features/backfill.h"
#include "features/feature_engine.h"
#include "features/feature_spec.h"
#include "generate/generate.h"
#include "ingest/pii.h"
#include "ingest/record_reader.h"
#include "log/transaction_log.h"
#include "state/event_store.h"
#include "state/loader.h"
#include "support/process.h"

namespace panorama::features {
namespace {

// Used only when examples/features/fraud.yaml does not parse (the test then also fails).
constexpr char kFallbackSpec[] = R"(name: fallback
features:
  - name: card_count_1h
    entity: card_id
    agg: count
    window: 1h
  - name: customer_amount_mean_30d
    entity: customer_id
    agg: mean
    field: amount
    window: 30d
  - name: customer_amount_stddev_30d
    entity: customer_id
    agg: stddev
    field: amount
    window: 30d
  - name: device_distinct_cards_1h
    entity: device_id
    agg: distinct_count
    field: card_id
    window: 1h
    include_current: true
  - name: customer_online_ratio_7d
    entity: customer_id
    agg: ratio
    window: 7d
    numerator: channel in (ONLINE, MOBILE)
  - name: card_seconds_since_last
    entity: card_id
    agg: time_since_last
  - name: customer_merchant_count_90d
    entity: customer_id+merchant_id
    agg: count
    window: 90d
  - name: customer_max_90d
    entity: customer_id
    agg: max
    field: amount
    window: 90d
  - name: customer_last_lat
    entity: customer_id
    agg: last
    field: lat
  - name: amount_zscore
    expr: (amount - customer_amount_mean_30d) / customer_amount_stddev_30d
)";

struct World {
  std::string root;
  std::string data_dir;
  std::string transactions;  // the generated files
  std::string labels;
  uint64_t tx_count = 0;
  uint64_t label_count = 0;
  std::string error;
};

// True when the doubles are identical bit for bit (NaN payloads and signed zeros included).
bool SameBits(const double* a, const double* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (std::bit_cast<uint64_t>(a[i]) != std::bit_cast<uint64_t>(b[i])) return false;
  }
  return true;
}

ReaderOptions OptionsFor(EventKind kind, const PiiTokenizer* tokenizer) {
  ReaderOptions options;
  options.kind = kind;
  options.tokenizer = tokenizer;
  return options;
}

// Loads one file into the store as `panorama ingest --kind` does.
Status Ingest(EventStore& store, const std::string& path, EventKind kind,
              const PiiTokenizer& tokenizer, LoadCounts* counts) {
  PANO_ASSIGN_OR_RETURN(auto reader, RecordReader::Open(path, OptionsFor(kind, &tokenizer)));
  return LoadRecords(
      *reader, store, 4096, [](const Reject&) { return Status::Ok(); }, counts);
}

// The world's directory once created (empty before).
std::string& CreatedRoot() {
  static std::string root;
  return root;
}

const World& TheWorld() {
  static const World* world = [] {
    auto* w = new World;
    w->root = panorama::testing::MakeTempDir("features-online");
    CreatedRoot() = w->root;
    generate::WorldOptions options;
    options.customers = 1500;
    options.merchants = 150;
    options.days = 20;
    options.seed = 7;
    auto summary = generate::GenerateWorld(options, w->root + "/world");
    if (!summary.ok()) {
      w->error = summary.status().ToString();
      return w;
    }
    for (const generate::OutputFile& f : summary->files) {
      if (f.kind == "transactions") w->transactions = w->root + "/world/" + f.file;
      if (f.kind == "labels") w->labels = w->root + "/world/" + f.file;
    }
    w->data_dir = w->root + "/data";
    auto store = EventStore::Open(w->data_dir);
    if (!store.ok()) {
      w->error = store.status().ToString();
      return w;
    }
    auto tokenizer = PiiTokenizer::LoadOrCreate(PiiKeyPath(w->data_dir));
    if (!tokenizer.ok()) {
      w->error = tokenizer.status().ToString();
      return w;
    }
    LoadCounts tx;
    LoadCounts labels;
    Status status = Ingest(**store, w->transactions, EventKind::kTransaction, *tokenizer, &tx);
    if (status.ok()) {
      status = Ingest(**store, w->labels, EventKind::kLabel, *tokenizer, &labels);
    }
    if (status.ok()) status = (*store)->Close();
    if (!status.ok()) {
      w->error = status.ToString();
      return w;
    }
    // Every record is accepted once, so the n-th record of the files is log record n.
    if (tx.rejected + tx.duplicates + labels.rejected + labels.duplicates != 0) {
      w->error = "the generated files had rejects or duplicates";
    }
    w->tx_count = tx.accepted;
    w->label_count = labels.accepted;
    return w;
  }();
  return *world;
}

// Calls fn(event, seq) for each record of the files, in ingest order, as the file readers
// produce them; seq is the position the log gave the record. Stops when fn returns false.
template <typename F>
void ForEachFileEvent(const World& w, F&& fn) {
  const PiiTokenizer tokenizer = *PiiTokenizer::LoadOrCreate(PiiKeyPath(w.data_dir));
  uint64_t seq = 0;
  const std::pair<std::string, EventKind> files[] = {{w.transactions, EventKind::kTransaction},
                                                     {w.labels, EventKind::kLabel}};
  for (const auto& [path, kind] : files) {
    auto reader = RecordReader::Open(path, OptionsFor(kind, &tokenizer));
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    Event event;
    Reject reject;
    for (;;) {
      RecordReader::Outcome outcome = (*reader)->Next(&event, &reject);
      if (outcome == RecordReader::Outcome::kEnd) break;
      ASSERT_EQ(outcome, RecordReader::Outcome::kEvent) << reject.reason;
      if (!fn(event, ++seq)) return;
    }
  }
}

FeatureSpec LoadSpec(bool* shipped) {
  auto spec = LoadFeatureSpec(std::string(PANORAMA_SOURCE_DIR) + "/examples/features/fraud.yaml");
  *shipped = spec.ok();
  if (spec.ok()) return std::move(spec).value();
  ADD_FAILURE() << "examples/features/fraud.yaml does not load (" << spec.status().ToString()
                << "); using the test's fallback spec";
  auto fallback = ParseFeatureSpec(kFallbackSpec, "fallback.yaml");
  EXPECT_TRUE(fallback.ok()) << fallback.status().ToString();
  return std::move(fallback).value();
}

// Removes the world's directory after the last test.
class RemoveWorld : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    if (!CreatedRoot().empty()) std::filesystem::remove_all(CreatedRoot(), ec);
  }
};
[[maybe_unused]] ::testing::Environment* const kRemoveWorld =
    ::testing::AddGlobalTestEnvironment(new RemoveWorld);

class OnlineBackfill : public ::testing::Test {
 protected:
  void SetUp() override {
    const World& w = TheWorld();
    ASSERT_TRUE(w.error.empty()) << w.error;
    ASSERT_GT(w.tx_count, 20'000U);
    ASSERT_GT(w.label_count, 50U);
  }
};

TEST_F(OnlineBackfill, TheLogHoldsTheFileRecordsInFileOrder) {
  const World& w = TheWorld();
  auto log = LogReader::OpenRange(LogDir(w.data_dir), 1);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  LogRecord record;
  Event decoded;
  uint64_t records = 0;
  ForEachFileEvent(w, [&](const Event& event, uint64_t seq) {
    EXPECT_TRUE((*log)->Next(&record)) << "the log ends before seq " << seq;
    EXPECT_EQ(record.seq, seq);
    EXPECT_EQ(record.kind, static_cast<uint8_t>(event.kind()));
    EXPECT_TRUE(DecodeEvent(record.payload, &decoded).ok());
    EXPECT_TRUE(decoded == event) << "seq " << seq << ": file " << event.DebugString() << "\nlog "
                                  << decoded.DebugString();
    ++records;
    return !::testing::Test::HasFailure();
  });
  EXPECT_EQ(records, w.tx_count + w.label_count);
  EXPECT_FALSE((*log)->Next(&record));
  EXPECT_TRUE((*log)->status().ok());
}

TEST_F(OnlineBackfill, OnlineFeaturesEqualBackfillBitForBit) {
  const World& w = TheWorld();
  bool shipped = false;
  const FeatureSpec spec = LoadSpec(&shipped);
  ASSERT_FALSE(spec.features.empty());
  const size_t width = spec.features.size();
  std::printf("spec %s: %zu features over %zu entities (%s)\n", spec.name.c_str(), width,
              spec.keyspaces.size(), shipped ? "examples/features/fraud.yaml" : "fallback");

  // Transactions come first in the log: transaction seq s is row s - 1.
  std::vector<double> online(w.tx_count * width, std::nan(""));
  std::vector<std::string> ids(w.tx_count);
  EngineOptions options;
  options.state_dir = w.root + "/online-state";
  // Below the world's working set of entity state: evictions and reloads all the way.
  options.memory_budget_bytes = 4 << 20;
  const uint64_t mid = w.tx_count / 2;
  const uint64_t crash_at = mid + 4000;
  uint64_t evictions = 0;
  uint64_t reloads = 0;
  uint64_t checkpoints = 0;

  auto feed = [&](FeatureEngine& engine, const Event& event, uint64_t seq) {
    std::span<double> out;
    std::vector<double> scratch(width);
    if (event.kind() == EventKind::kTransaction) {
      out = std::span<double>(online.data() + (seq - 1) * width, width);
      ids[seq - 1] = std::string(event.id());
    } else {
      out = scratch;
    }
    bool skipped = false;
    Status status = engine.Update(event, seq, out, &skipped);
    EXPECT_TRUE(status.ok()) << "seq " << seq << ": " << status.ToString();
    EXPECT_FALSE(skipped) << "seq " << seq;
    return status.ok();
  };

  // Online, part one: up to the middle, checkpoint and reopen, then on to `crash_at`, where
  // the process "dies" without another checkpoint.
  {
    auto engine = FeatureEngine::Open(spec, options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    ForEachFileEvent(w, [&](const Event& event, uint64_t seq) {
      if (!feed(**engine, event, seq)) return false;
      if (seq == mid) {
        EXPECT_TRUE((*engine)->Checkpoint().ok());
        evictions += (*engine)->counters().evictions;
        reloads += (*engine)->counters().reloads;
        checkpoints += (*engine)->counters().checkpoints;
        engine->reset();
        auto reopened = FeatureEngine::Open(spec, options);
        EXPECT_TRUE(reopened.ok()) << reopened.status().ToString();
        if (!reopened.ok()) return false;
        EXPECT_EQ((*reopened)->restored().seq, mid);
        EXPECT_EQ((*reopened)->last_seq(), mid);
        *engine = std::move(*reopened);
      }
      return seq < crash_at;
    });
    ASSERT_FALSE(HasFailure());
    evictions += (*engine)->counters().evictions;
    reloads += (*engine)->counters().reloads;
    checkpoints += (*engine)->counters().checkpoints;
  }
  const std::vector<double> before_crash(
      online.begin() + static_cast<std::ptrdiff_t>(mid * width),
      online.begin() + static_cast<std::ptrdiff_t>(crash_at * width));

  // Part two: reopen, skip what the state holds (a few records before it are offered again),
  // and replay the rest from the files, labels included.
  auto engine = FeatureEngine::Open(spec, options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  const uint64_t restored = (*engine)->restored().seq;
  EXPECT_GE(restored, mid);
  EXPECT_LE(restored, crash_at);
  ForEachFileEvent(w, [&](const Event& event, uint64_t seq) {
    if (seq + 100 <= restored) return true;
    if (seq <= restored) {
      std::vector<double> untouched(width, 7.0);
      bool skipped = false;
      EXPECT_TRUE((*engine)->Update(event, seq, untouched, &skipped).ok());
      EXPECT_TRUE(skipped) << "seq " << seq;
      EXPECT_EQ(untouched, std::vector<double>(width, 7.0));
      return true;
    }
    return feed(**engine, event, seq);
  });
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ((*engine)->last_seq(), w.tx_count + w.label_count);
  evictions += (*engine)->counters().evictions;
  reloads += (*engine)->counters().reloads;
  checkpoints += (*engine)->counters().checkpoints;
  EXPECT_GT(evictions, 0U);
  EXPECT_GT(reloads, 0U);
  std::printf(
      "online: %llu evictions, %llu reloads, %llu checkpoints, restored at seq %llu (crash at "
      "%llu)\n",
      static_cast<unsigned long long>(evictions), static_cast<unsigned long long>(reloads),
      static_cast<unsigned long long>(checkpoints), static_cast<unsigned long long>(restored),
      static_cast<unsigned long long>(crash_at));
  EXPECT_TRUE(SameBits(before_crash.data(), online.data() + mid * width, before_crash.size()))
      << "the records replayed after the crash got other values than before it";

  // The labels file: the newest label of each tx_id (the last in file order).
  std::unordered_map<std::string, int> labels;
  ForEachFileEvent(w, [&](const Event& event, uint64_t) {
    if (event.kind() == EventKind::kLabel) {
      labels[std::string(event.id())] = event.num(label::kIsFraud) != 0 ? 1 : 0;
    }
    return true;
  });

  // Back-fill over the log.
  uint64_t row = 0;
  uint64_t differing_rows = 0;
  uint64_t label_mismatches = 0;
  uint64_t labelled = 0;
  std::map<std::string, uint64_t> per_feature;
  BackfillCounts counts;
  Status status = Backfill(
      w.data_dir, spec, BackfillOptions{},
      [&](const Event& tx, std::span<const double> values, int label) {
        if (row >= w.tx_count) return Status::Internal("more rows than transactions");
        EXPECT_EQ(tx.id(), ids[row]) << "row " << row;
        const double* mine = online.data() + row * width;
        if (!SameBits(mine, values.data(), width)) {
          ++differing_rows;
          for (size_t f = 0; f < width; ++f) {
            if (SameBits(mine + f, &values[f], 1)) continue;
            if (++per_feature[spec.features[f].name] <= 3) {
              ADD_FAILURE() << "row " << row << " (" << tx.id() << ") " << spec.features[f].name
                            << ": online " << mine[f] << ", backfill " << values[f];
            }
          }
        }
        auto it = labels.find(std::string(tx.id()));
        const int expected = it == labels.end() ? -1 : it->second;
        labelled += expected >= 0 ? 1 : 0;
        if (label != expected && ++label_mismatches <= 5) {
          ADD_FAILURE() << tx.id() << ": backfill label " << label << ", labels file " << expected;
        }
        ++row;
        return Status::Ok();
      },
      &counts);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(row, w.tx_count);
  EXPECT_EQ(counts.rows, w.tx_count);
  EXPECT_EQ(counts.transactions, w.tx_count);
  EXPECT_EQ(counts.records, w.tx_count + w.label_count);
  EXPECT_EQ(counts.rejected_late, 0U);
  EXPECT_EQ(counts.labelled, labelled);
  EXPECT_GT(labelled, 50U);
  EXPECT_EQ(differing_rows, 0U);
  EXPECT_EQ(label_mismatches, 0U);
  EXPECT_TRUE(shipped) << "ran with the fallback spec";
}

}  // namespace
}  // namespace panorama::features
