// Tests of EventStore (src/state/event_store.h): exactly-once loading over the log and the
// id index, across reopen, index loss, direct log appends and concurrent callers.

#include "state/event_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/event_codec.h"
#include "core/money.h"
#include "core/schema.h"
#include "core/status.h"
#include "log/transaction_log.h"

namespace panorama {
namespace {

// 2024-01-01T00:00:00Z in microseconds.
constexpr Timestamp kBaseTs = 1704067200LL * 1000000;
constexpr Timestamp kHour = 3600LL * 1000000;

Event Tx(std::string_view tx_id, Timestamp ts = kBaseTs, int64_t amount = 1250) {
  Event e(EventKind::kTransaction);
  e.set_str(tx::kTxId, tx_id);
  e.set_num(tx::kTs, ts);
  e.set_str(tx::kCustomerId, "cust-1");
  e.set_num(tx::kChannel, tx_channel::kOnline);
  e.set_num(tx::kType, tx_type::kPurchase);
  e.set_num(tx::kAmount, amount);
  e.set_num(tx::kCurrency, Currency::FromCode("USD")->Packed());
  return e;
}

Event Customer(std::string_view customer_id, Timestamp ts, std::string_view region = "north") {
  Event e(EventKind::kCustomer);
  e.set_str(customer::kCustomerId, customer_id);
  e.set_num(customer::kTs, ts);
  e.set_str(customer::kRegion, region);
  return e;
}

std::vector<Event> Txs(int from, int to) {  // ids tx-<from> .. tx-<to - 1>
  std::vector<Event> events;
  for (int i = from; i < to; ++i) events.push_back(Tx("tx-" + std::to_string(i), kBaseTs + i));
  return events;
}

// What the log holds, as read back through LogReader and decoded.
struct StoredEvent {
  uint64_t seq = 0;
  Event event;
};

std::vector<StoredEvent> ReadLog(const std::string& data_dir) {
  std::vector<StoredEvent> out;
  auto reader = LogReader::OpenRange(LogDir(data_dir), 1);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  LogRecord record;
  while ((*reader)->Next(&record)) {
    StoredEvent stored;
    stored.seq = record.seq;
    Status s = DecodeEvent(record.payload, &stored.event);
    EXPECT_TRUE(s.ok()) << "record " << record.seq << ": " << s.ToString();
    EXPECT_EQ(record.kind, static_cast<uint8_t>(stored.event.kind()));
    EXPECT_EQ(record.ts, stored.event.ts());
    out.push_back(std::move(stored));
  }
  EXPECT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();
  return out;
}

class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "panorama-state-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
    root_ = pattern;
    dir_ = root_ + "/data";
  }

  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  // Opens dir_; records a failure and returns nullptr when Open fails.
  std::unique_ptr<EventStore> OpenStore(const StoreOptions& options = {}) {
    auto store = EventStore::Open(dir_, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return nullptr;
    return std::move(store).value();
  }

  // Appends and requires success.
  static AppendOutcome MustAppend(EventStore* store, const std::vector<Event>& events,
                                  std::vector<uint8_t>* duplicate = nullptr) {
    auto outcome = store->Append(events, duplicate);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    return outcome.ok() ? *outcome : AppendOutcome{};
  }

  static bool MustContain(EventStore* store, const Event& event) {
    auto contains = store->Contains(event);
    EXPECT_TRUE(contains.ok()) << contains.status().ToString();
    return contains.ok() && *contains;
  }

  IndexReport MustInspect() {
    auto report = InspectIndex(dir_);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : IndexReport{};
  }

  // Loads `events` into dir_ in one call and closes the store cleanly.
  void LoadAndClose(const std::vector<Event>& events) {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    AppendOutcome outcome = MustAppend(store.get(), events);
    ASSERT_EQ(outcome.accepted, events.size());
    ASSERT_TRUE(store->Close().ok());
  }

  std::string root_;
  std::string dir_;
};

// --- Append ---------------------------------------------------------------------------

TEST_F(EventStoreTest, AppendStoresNewEventsInOrderWithGaplessSeqs) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<Event> first = Txs(0, 3);
  std::vector<Event> second = {Tx("tx-3"), Customer("cust-1", kBaseTs)};

  AppendOutcome a = MustAppend(store.get(), first);
  EXPECT_EQ(a.accepted, 3u);
  EXPECT_EQ(a.duplicates, 0u);
  EXPECT_EQ(a.first_seq, 1u);
  EXPECT_EQ(a.last_seq, 3u);
  AppendOutcome b = MustAppend(store.get(), second);
  EXPECT_EQ(b.accepted, 2u);
  EXPECT_EQ(b.duplicates, 0u);
  EXPECT_EQ(b.first_seq, 4u);
  EXPECT_EQ(b.last_seq, 5u);
  EXPECT_EQ(store->last_seq(), 5u);

  std::vector<Event> all = first;
  all.insert(all.end(), second.begin(), second.end());
  std::vector<StoredEvent> log = ReadLog(dir_);
  ASSERT_EQ(log.size(), all.size());
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].seq, i + 1);
    EXPECT_TRUE(log[i].event == all[i])
        << "seq " << log[i].seq << ": " << log[i].event.DebugString();
  }
}

TEST_F(EventStoreTest, AppendFlagsDuplicatesPerEventAndCountsThem) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  MustAppend(store.get(), {Tx("a"), Tx("b")});

  std::vector<uint8_t> duplicate;
  AppendOutcome outcome = MustAppend(store.get(), {Tx("c"), Tx("a"), Tx("d"), Tx("b")}, &duplicate);
  EXPECT_EQ(duplicate, (std::vector<uint8_t>{0, 1, 0, 1}));
  EXPECT_EQ(outcome.accepted, 2u);
  EXPECT_EQ(outcome.duplicates, 2u);
  EXPECT_EQ(outcome.first_seq, 3u);
  EXPECT_EQ(outcome.last_seq, 4u);

  std::vector<StoredEvent> log = ReadLog(dir_);
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[2].event.id(), "c");
  EXPECT_EQ(log[3].event.id(), "d");
}

TEST_F(EventStoreTest, AppendResizesStaleDuplicateVector) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<uint8_t> duplicate(10, 7);
  MustAppend(store.get(), {Tx("a"), Tx("b")}, &duplicate);
  EXPECT_EQ(duplicate, (std::vector<uint8_t>{0, 0}));
}

TEST_F(EventStoreTest, EmptyAppendAcceptsNothing) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  MustAppend(store.get(), {Tx("a")});
  std::vector<uint8_t> duplicate(3, 1);
  AppendOutcome outcome = MustAppend(store.get(), {}, &duplicate);
  EXPECT_EQ(outcome.accepted, 0u);
  EXPECT_EQ(outcome.duplicates, 0u);
  EXPECT_EQ(outcome.first_seq, 0u);
  EXPECT_EQ(outcome.last_seq, 0u);
  EXPECT_TRUE(duplicate.empty());
  EXPECT_EQ(store->last_seq(), 1u);
}

TEST_F(EventStoreTest, AllDuplicateAppendWritesNothingToTheLog) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  MustAppend(store.get(), {Tx("a"), Tx("b")});
  AppendOutcome outcome = MustAppend(store.get(), {Tx("b"), Tx("a")});
  EXPECT_EQ(outcome.accepted, 0u);
  EXPECT_EQ(outcome.duplicates, 2u);
  EXPECT_EQ(outcome.first_seq, 0u);
  EXPECT_EQ(outcome.last_seq, 0u);
  EXPECT_EQ(store->last_seq(), 2u);
  EXPECT_EQ(ReadLog(dir_).size(), 2u);
}

// --- Duplicates ---------------------------------------------------------------------------

TEST_F(EventStoreTest, RepeatsInsideOneAppendAreStoredOnce) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<uint8_t> duplicate;
  AppendOutcome outcome =
      MustAppend(store.get(), {Tx("a"), Tx("b"), Tx("a"), Tx("b"), Tx("a")}, &duplicate);
  EXPECT_EQ(duplicate, (std::vector<uint8_t>{0, 0, 1, 1, 1}));
  EXPECT_EQ(outcome.accepted, 2u);
  EXPECT_EQ(outcome.duplicates, 3u);
  EXPECT_EQ(outcome.first_seq, 1u);
  EXPECT_EQ(outcome.last_seq, 2u);

  std::vector<StoredEvent> log = ReadLog(dir_);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].event.id(), "a");
  EXPECT_EQ(log[1].event.id(), "b");
}

TEST_F(EventStoreTest, DuplicateIsDecidedByKeyNotContentAndFirstVersionIsKept) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Event original = Tx("a", kBaseTs, 100);
  MustAppend(store.get(), {original});
  // Same tx_id, different amount and (for transactions, not part of the key) ts.
  AppendOutcome outcome = MustAppend(store.get(), {Tx("a", kBaseTs + kHour, 999)});
  EXPECT_EQ(outcome.accepted, 0u);
  EXPECT_EQ(outcome.duplicates, 1u);

  std::vector<StoredEvent> log = ReadLog(dir_);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_TRUE(log[0].event == original) << log[0].event.DebugString();
}

TEST_F(EventStoreTest, CustomerWithSameIdButDifferentTsIsNotDuplicate) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  MustAppend(store.get(), {Customer("cust-1", kBaseTs)});
  std::vector<uint8_t> duplicate;
  AppendOutcome outcome = MustAppend(
      store.get(), {Customer("cust-1", kBaseTs + kHour), Customer("cust-1", kBaseTs + 2 * kHour)},
      &duplicate);
  EXPECT_EQ(outcome.accepted, 2u);
  EXPECT_EQ(outcome.duplicates, 0u);
  EXPECT_EQ(duplicate, (std::vector<uint8_t>{0, 0}));
  EXPECT_EQ(store->last_seq(), 3u);
}

TEST_F(EventStoreTest, CustomerWithSameIdAndTsIsDuplicate) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  MustAppend(store.get(), {Customer("cust-1", kBaseTs, "north")});
  std::vector<uint8_t> duplicate;
  AppendOutcome outcome = MustAppend(
      store.get(), {Customer("cust-1", kBaseTs, "south"), Customer("cust-2", kBaseTs)}, &duplicate);
  EXPECT_EQ(duplicate, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(outcome.accepted, 1u);
  EXPECT_EQ(outcome.duplicates, 1u);
}

TEST_F(EventStoreTest, SameIdInDifferentKindsIsNotDuplicate) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  AppendOutcome outcome = MustAppend(store.get(), {Tx("x-1"), Customer("x-1", kBaseTs)});
  EXPECT_EQ(outcome.accepted, 2u);
  EXPECT_EQ(outcome.duplicates, 0u);
}

// --- Contains -----------------------------------------------------------------------------

TEST_F(EventStoreTest, ContainsReportsStoredKeys) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  MustAppend(store.get(), {Tx("a"), Customer("cust-1", kBaseTs)});

  EXPECT_TRUE(MustContain(store.get(), Tx("a")));
  EXPECT_TRUE(MustContain(store.get(), Tx("a", kBaseTs + kHour, 1)));  // same key
  EXPECT_TRUE(MustContain(store.get(), Customer("cust-1", kBaseTs)));
  EXPECT_FALSE(MustContain(store.get(), Tx("b")));
  EXPECT_FALSE(MustContain(store.get(), Customer("cust-1", kBaseTs + 1)));
  EXPECT_FALSE(MustContain(store.get(), Customer("a", kBaseTs)));
}

// --- Reopen -------------------------------------------------------------------------------

TEST_F(EventStoreTest, ExactlyOnceAcrossCloseAndReopen) {
  LoadAndClose(Txs(0, 5));

  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->open_report().index_replayed, 0u);  // Close() flushed the index
  EXPECT_EQ(store->open_report().log.last_seq, 5u);
  EXPECT_EQ(store->last_seq(), 5u);
  AppendOutcome outcome = MustAppend(store.get(), Txs(3, 8));
  EXPECT_EQ(outcome.accepted, 3u);
  EXPECT_EQ(outcome.duplicates, 2u);
  EXPECT_EQ(outcome.first_seq, 6u);
  EXPECT_EQ(outcome.last_seq, 8u);
}

TEST_F(EventStoreTest, ExactlyOnceAcrossDestroyWithoutClose) {
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_EQ(MustAppend(store.get(), Txs(0, 5)).accepted, 5u);
  }  // destroyed without Close()

  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->last_seq(), 5u);
  AppendOutcome outcome = MustAppend(store.get(), Txs(0, 6));
  EXPECT_EQ(outcome.accepted, 1u);
  EXPECT_EQ(outcome.duplicates, 5u);
  EXPECT_EQ(outcome.first_seq, 6u);

  std::vector<StoredEvent> log = ReadLog(dir_);
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[5].event.id(), "tx-5");
}

TEST_F(EventStoreTest, ExactlyOnceAcrossDestroyWithoutCloseUnderSyncNone) {
  StoreOptions options;
  options.log.sync = SyncPolicy::kNone;
  {
    auto store = OpenStore(options);
    ASSERT_NE(store, nullptr);
    ASSERT_EQ(MustAppend(store.get(), Txs(0, 4)).accepted, 4u);
  }

  auto store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->last_seq(), 4u);
  AppendOutcome outcome = MustAppend(store.get(), Txs(2, 6));
  EXPECT_EQ(outcome.accepted, 2u);
  EXPECT_EQ(outcome.duplicates, 2u);
  EXPECT_EQ(outcome.first_seq, 5u);
}

TEST_F(EventStoreTest, AppendAfterCloseKeepsWorking) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  MustAppend(store.get(), {Tx("a")});
  ASSERT_TRUE(store->Close().ok());
  AppendOutcome outcome = MustAppend(store.get(), {Tx("a"), Tx("b")});
  EXPECT_EQ(outcome.accepted, 1u);
  EXPECT_EQ(outcome.first_seq, 2u);
}

TEST_F(EventStoreTest, OpenCreatesTheDataDirectoryLayout) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->data_dir(), dir_);
  EXPECT_EQ(store->last_seq(), 0u);
  EXPECT_EQ(store->open_report().index_replayed, 0u);
  EXPECT_TRUE(std::filesystem::is_directory(LogDir(dir_)));
  EXPECT_TRUE(std::filesystem::is_directory(StateDir(dir_)));
  EXPECT_TRUE(std::filesystem::is_directory(MetaDir(dir_)));
}

// --- Index catch-up -----------------------------------------------------------------------

TEST_F(EventStoreTest, OpenReplaysRecordsAppendedToTheLogWhileClosed) {
  LoadAndClose(Txs(0, 2));
  std::vector<Event> direct = {Tx("direct-1"), Customer("cust-9", kBaseTs), Tx("direct-2")};
  {
    auto log = TransactionLog::Open(LogDir(dir_));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    LogBatch batch;
    for (const Event& e : direct) {
      std::string payload;
      EncodeEvent(e, &payload);
      batch.Add(static_cast<uint8_t>(e.kind()), e.ts(), payload);
    }
    auto first = (*log)->Append(batch);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    ASSERT_EQ(*first, 3u);
  }

  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->open_report().index_replayed, 3u);
  EXPECT_EQ(store->last_seq(), 5u);
  for (const Event& e : direct) EXPECT_TRUE(MustContain(store.get(), e)) << e.DebugString();

  std::vector<uint8_t> duplicate;
  AppendOutcome outcome = MustAppend(store.get(), {direct[2], Tx("new"), direct[0]}, &duplicate);
  EXPECT_EQ(duplicate, (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_EQ(outcome.accepted, 1u);
  EXPECT_EQ(outcome.first_seq, 6u);
}

TEST_F(EventStoreTest, OpenRebuildsADeletedStateDirectoryFromTheLog) {
  LoadAndClose(Txs(0, 6));
  ASSERT_GT(std::filesystem::remove_all(StateDir(dir_)), 0u);
  EXPECT_FALSE(MustInspect().exists);

  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->open_report().index_replayed, 6u);
    AppendOutcome outcome = MustAppend(store.get(), Txs(0, 7));
    EXPECT_EQ(outcome.accepted, 1u);
    EXPECT_EQ(outcome.duplicates, 6u);
    EXPECT_EQ(outcome.first_seq, 7u);
    ASSERT_TRUE(store->Close().ok());
  }
  IndexReport report = MustInspect();
  EXPECT_TRUE(report.exists);
  EXPECT_EQ(report.applied_seq, 7u);
  EXPECT_EQ(report.keys, 7u);
}

TEST_F(EventStoreTest, OpenRebuildsTheIndexFromALogOfManySegments) {
  StoreOptions options;
  options.log.segment_bytes = 512;  // a few records per segment
  {
    auto store = OpenStore(options);
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 60; i += 6) ASSERT_EQ(MustAppend(store.get(), Txs(i, i + 6)).accepted, 6u);
    ASSERT_TRUE(store->Close().ok());
  }
  auto log_files = std::distance(std::filesystem::directory_iterator(LogDir(dir_)),
                                 std::filesystem::directory_iterator());
  ASSERT_GT(log_files, 3);
  ASSERT_GT(std::filesystem::remove_all(StateDir(dir_)), 0u);

  auto store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->open_report().index_replayed, 60u);
  AppendOutcome outcome = MustAppend(store.get(), Txs(0, 61));
  EXPECT_EQ(outcome.accepted, 1u);
  EXPECT_EQ(outcome.duplicates, 60u);
  EXPECT_EQ(outcome.first_seq, 61u);
}

TEST_F(EventStoreTest, IndexClaimingMoreThanTheLogHoldsFailsOpenWithCorruption) {
  LoadAndClose(Txs(0, 4));
  // Lose the log's records but keep the index that reflects them.
  size_t removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(LogDir(dir_))) {
    std::string ext = entry.path().extension().string();
    if (ext == ".seg" || ext == ".idx") {
      std::filesystem::remove(entry.path());
      ++removed;
    }
  }
  ASSERT_GT(removed, 0u);

  auto store = EventStore::Open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kCorruption) << store.status().ToString();
}

// --- Locking ------------------------------------------------------------------------------

TEST_F(EventStoreTest, SecondOpenFailsWhileTheFirstStoreIsOpen) {
  auto first = OpenStore();
  ASSERT_NE(first, nullptr);
  auto second = EventStore::Open(dir_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition) << second.status().ToString();
  // The failed Open left the first store intact.
  EXPECT_EQ(MustAppend(first.get(), {Tx("a")}).accepted, 1u);
}

TEST_F(EventStoreTest, OpenFailsWhileAnotherHolderLocksTheDataDirectory) {
  // A separate open file description stands in for another process holding DIR/LOCK.
  std::filesystem::create_directories(dir_);
  std::string lock_path = dir_ + "/LOCK";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0) << std::strerror(errno);

  auto store = EventStore::Open(dir_);
  EXPECT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition) << store.status().ToString();

  ::close(fd);
  EXPECT_NE(OpenStore(), nullptr);
}

TEST_F(EventStoreTest, OpenSucceedsAgainAfterTheHolderIsDestroyed) {
  auto first = OpenStore();
  ASSERT_NE(first, nullptr);
  MustAppend(first.get(), {Tx("a")});
  ASSERT_FALSE(EventStore::Open(dir_).ok());
  first.reset();

  auto again = OpenStore();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->last_seq(), 1u);
}

// --- InspectIndex -------------------------------------------------------------------------

TEST_F(EventStoreTest, InspectIndexKeysEqualAppliedSeqForASoundDirectory) {
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    MustAppend(store.get(), Txs(0, 4));
    MustAppend(store.get(), {Tx("tx-1"), Customer("cust-1", kBaseTs), Customer("cust-1", kBaseTs),
                             Customer("cust-1", kBaseTs + 1)});
    ASSERT_TRUE(store->Close().ok());
  }
  IndexReport report = MustInspect();
  EXPECT_TRUE(report.exists);
  EXPECT_EQ(report.applied_seq, 6u);
  EXPECT_EQ(report.keys, report.applied_seq);
}

TEST_F(EventStoreTest, InspectIndexReadsBesideAnOpenStore) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  MustAppend(store.get(), Txs(0, 3));
  ASSERT_TRUE(store->Close().ok());  // flush, but keep the store open

  IndexReport report = MustInspect();
  EXPECT_TRUE(report.exists);
  EXPECT_EQ(report.applied_seq, 3u);
  EXPECT_EQ(report.keys, 3u);
  EXPECT_EQ(MustAppend(store.get(), {Tx("after")}).accepted, 1u);
}

TEST_F(EventStoreTest, InspectIndexOfADirectoryWithoutStateDoesNotExist) {
  std::filesystem::create_directories(dir_);
  IndexReport report = MustInspect();
  EXPECT_FALSE(report.exists);
  EXPECT_EQ(report.applied_seq, 0u);
  EXPECT_EQ(report.keys, 0u);
  EXPECT_FALSE(std::filesystem::exists(StateDir(dir_)));  // inspection created nothing
}

TEST_F(EventStoreTest, InspectIndexShowsADuplicateInTheLogAsKeyMismatch) {
  LoadAndClose({Tx("a"), Tx("b")});
  {
    // A writer that bypasses the store puts a second copy of "a" into the log.
    auto log = TransactionLog::Open(LogDir(dir_));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    LogBatch batch;
    std::string payload;
    Event again = Tx("a");
    EncodeEvent(again, &payload);
    batch.Add(static_cast<uint8_t>(again.kind()), again.ts(), payload);
    ASSERT_TRUE((*log)->Append(batch).ok());
  }
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->open_report().index_replayed, 1u);
    ASSERT_TRUE(store->Close().ok());
  }
  IndexReport report = MustInspect();
  EXPECT_EQ(report.applied_seq, 3u);
  EXPECT_EQ(report.keys, 2u);
}

// --- Concurrency --------------------------------------------------------------------------

TEST_F(EventStoreTest, ConcurrentAppendsStoreEachIdExactlyOnceWithGaplessSeqs) {
  constexpr int kThreads = 4;
  constexpr int kIdsPerThread = 120;
  constexpr int kStride = 40;  // thread t loads ids [t*kStride, t*kStride + kIdsPerThread)
  constexpr int kBatch = 10;
  constexpr int kDistinct = (kThreads - 1) * kStride + kIdsPerThread;

  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<std::vector<AppendOutcome>> outcomes(kThreads);
  std::vector<Status> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      int begin = t * kStride;
      for (int i = begin; i < begin + kIdsPerThread; i += kBatch) {
        auto outcome = store->Append(Txs(i, i + kBatch));
        if (!outcome.ok()) {
          errors[t] = outcome.status();
          return;
        }
        outcomes[t].push_back(*outcome);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const Status& s : errors) ASSERT_TRUE(s.ok()) << s.ToString();

  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto& per_thread : outcomes) {
    for (const AppendOutcome& o : per_thread) {
      accepted += o.accepted;
      duplicates += o.duplicates;
      if (o.accepted > 0) {
        EXPECT_EQ(o.last_seq - o.first_seq + 1, o.accepted);
        ranges.emplace_back(o.first_seq, o.last_seq);
      }
    }
  }
  EXPECT_EQ(accepted, static_cast<uint64_t>(kDistinct));
  EXPECT_EQ(accepted + duplicates, static_cast<uint64_t>(kThreads * kIdsPerThread));
  // The accepted ranges tile 1..kDistinct without gaps or overlaps.
  std::sort(ranges.begin(), ranges.end());
  uint64_t next = 1;
  for (const auto& [first, last] : ranges) {
    EXPECT_EQ(first, next);
    next = last + 1;
  }
  EXPECT_EQ(next, static_cast<uint64_t>(kDistinct) + 1);
  EXPECT_EQ(store->last_seq(), static_cast<uint64_t>(kDistinct));

  std::vector<StoredEvent> log = ReadLog(dir_);
  ASSERT_EQ(log.size(), static_cast<size_t>(kDistinct));
  std::set<std::string> ids;
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].seq, i + 1);
    EXPECT_TRUE(ids.insert(std::string(log[i].event.id())).second)
        << "stored twice: " << log[i].event.id();
  }
  for (int i = 0; i < kDistinct; ++i) EXPECT_EQ(ids.count("tx-" + std::to_string(i)), 1u);

  ASSERT_TRUE(store->Close().ok());
  IndexReport report = MustInspect();
  EXPECT_EQ(report.applied_seq, static_cast<uint64_t>(kDistinct));
  EXPECT_EQ(report.keys, static_cast<uint64_t>(kDistinct));
}

}  // namespace
}  // namespace panorama
