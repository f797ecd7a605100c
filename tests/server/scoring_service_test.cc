// ScoringService end to end on a temp data directory: decisions stored with their
// transactions, duplicates, late transactions, reloads under load, lists, recovery, alerts.
#include "server/scoring_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "service_fixture.h"

namespace panorama::server::testing {
namespace {

using ::testing::HasSubstr;

std::string FiredRules(const Event& decision) {
  return decision.has(decision::kRules) ? std::string(decision.str(decision::kRules)) : "";
}

// Every transaction in the log is followed by exactly one decision for it, and every
// decision follows its transaction. Returns tx_id -> decision.
std::map<std::string, Event> CheckPairs(const std::vector<LogEntry>& log) {
  std::map<std::string, Event> decided;
  std::map<std::string, int> transactions;
  for (size_t i = 0; i < log.size(); ++i) {
    const Event& e = log[i].event;
    if (e.kind() == EventKind::kTransaction) {
      ++transactions[std::string(e.id())];
    } else if (e.kind() == EventKind::kDecision) {
      EXPECT_TRUE(transactions.contains(std::string(e.id())))
          << "decision without its transaction: " << e.id();
      EXPECT_FALSE(decided.contains(std::string(e.id()))) << "second decision for " << e.id();
      decided[std::string(e.id())] = e;
    }
  }
  for (const auto& [id, n] : transactions) {
    EXPECT_EQ(n, 1) << id;
    EXPECT_TRUE(decided.contains(id)) << "transaction without a decision: " << id;
  }
  return decided;
}

TEST_F(ServiceTest, DecidesAndStoresEachTransactionFollowedByItsDecision) {
  Open();
  const Timestamp t0 = T("2026-09-01T10:00:00Z");
  auto out = Submit(
      {Tx("a", t0, "C1", 500), Tx("b", t0 + 1000, "C1", 200000), Tx("c", t0 + 2000, "C2", 100)});
  ASSERT_EQ(out.size(), 3u);
  for (const auto& o : out) ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(out[0].seq, 1u);
  EXPECT_EQ(out[1].seq, 3u);
  EXPECT_EQ(out[2].seq, 5u);
  EXPECT_FALSE(out[0].duplicate);
  EXPECT_EQ(out[0].decision.num(decision::kDecision), decision_value::kApprove);
  // b: big amount (500) + velocity (second of C1 within the hour, 300) + marker (1).
  EXPECT_EQ(out[1].decision.num(decision::kScore), 801);
  EXPECT_EQ(out[1].decision.num(decision::kDecision), decision_value::kDecline);
  EXPECT_EQ(FiredRules(out[1].decision), "v1_marker;big_amount;velocity");
  EXPECT_EQ(out[1].decision.str(decision::kRuleSet), "tiny@1");
  EXPECT_EQ(out[1].decision.str(decision::kCustomerId), "C1");
  EXPECT_EQ(out[1].decision.num(decision::kAmount), 200000);

  auto log = ReadLog(data_);
  ASSERT_EQ(log.size(), 6u);
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].seq, i + 1);
    EXPECT_EQ(log[i].event.kind(), i % 2 == 0 ? EventKind::kTransaction : EventKind::kDecision);
  }
  EXPECT_EQ(log[3].event, out[1].decision);
  CheckPairs(log);
  ServiceCounters c = service_->counters();
  EXPECT_EQ(c.decided, 3u);
  EXPECT_EQ(c.approve, 2u);
  EXPECT_EQ(c.decline, 1u);
  EXPECT_EQ(service_->last_seq(), 6u);
}

TEST_F(ServiceTest, DuplicatesInOneGroupAndAcrossGroupsAreStoredOnce) {
  Open();
  const Timestamp t0 = T("2026-09-01T10:00:00Z");
  auto first = Submit({Tx("a", t0, "C1", 500), Tx("a", t0, "C1", 500)});
  ASSERT_TRUE(first[0].status.ok());
  EXPECT_FALSE(first[0].duplicate);
  EXPECT_TRUE(first[1].duplicate);
  EXPECT_EQ(first[1].seq, first[0].seq);
  EXPECT_EQ(first[1].decision, first[0].decision);

  auto again = Submit({Tx("a", t0, "C1", 999), Tx("b", t0 + 1, "C1", 1)});
  EXPECT_TRUE(again[0].duplicate);
  EXPECT_EQ(again[0].seq, first[0].seq);
  EXPECT_EQ(again[0].decision, first[0].decision);  // the stored decision, not a new one
  EXPECT_FALSE(again[1].duplicate);

  auto log = ReadLog(data_);
  EXPECT_EQ(log.size(), 4u);
  CheckPairs(log);
  EXPECT_EQ(service_->counters().duplicates, 2u);
}

TEST_F(ServiceTest, LateTransactionIsRejectedAndNotStored) {
  Open();
  const Timestamp t0 = T("2026-09-01T10:00:00Z");
  Submit({Tx("a", t0, "C1", 500)});
  auto late = Submit({Tx("old", t0 - 3600 * kMicrosPerSecond, "C1", 500),
                      Tx("within", t0 - 60 * kMicrosPerSecond, "C1", 500)});
  EXPECT_EQ(late[0].status.code(), StatusCode::kOutOfRange);
  EXPECT_THAT(late[0].status.message(), HasSubstr("older than the watermark"));
  ASSERT_TRUE(late[1].status.ok()) << late[1].status.ToString();  // inside the lateness
  EXPECT_EQ(late[1].seq, 3u);                                     // the rejected one took no seq
  // Inside one group, an earlier transaction moves the watermark for the later ones.
  auto group = Submit({Tx("new", t0 + 3600 * kMicrosPerSecond, "C1", 5),
                       Tx("behind", t0 + 60 * kMicrosPerSecond, "C1", 5)});
  ASSERT_TRUE(group[0].status.ok());
  EXPECT_EQ(group[1].status.code(), StatusCode::kOutOfRange);

  auto log = ReadLog(data_);
  auto decided = CheckPairs(log);
  EXPECT_FALSE(decided.contains("old"));
  EXPECT_FALSE(decided.contains("behind"));
  EXPECT_EQ(log.size(), 6u);
  EXPECT_EQ(service_->counters().rejected, 2u);
  // The rejected one can come back once valid (it was never stored).
  auto retry = Submit({Tx("old", t0 + 3600 * kMicrosPerSecond, "C1", 5)});
  EXPECT_TRUE(retry[0].status.ok());
  EXPECT_FALSE(retry[0].duplicate);
}

TEST_F(ServiceTest, FeaturesSeeEarlierTransactions) {
  Open();
  const Timestamp t0 = T("2026-09-01T10:00:00Z");
  auto a = Submit({Tx("a", t0, "C1", 5)});
  auto b = Submit({Tx("b", t0 + 1'000'000, "C1", 5)});
  auto c = Submit({Tx("c", t0 + 2 * 3600 * kMicrosPerSecond, "C1", 5)});
  EXPECT_EQ(FiredRules(a[0].decision), "v1_marker");
  EXPECT_EQ(FiredRules(b[0].decision), "v1_marker;velocity");
  EXPECT_EQ(FiredRules(c[0].decision), "v1_marker");  // the hour has passed
}

TEST_F(ServiceTest, ReloadUnderLoadDecidesEachGroupUnderOneRuleSet) {
  const std::string v1 = root_ + "/v1.yaml";
  const std::string v2 = root_ + "/v2.yaml";
  panorama::testing::WriteFile(v1, Rules(1));
  panorama::testing::WriteFile(v2, Rules(2));
  Open();
  std::atomic<bool> done{false};
  std::atomic<int> next{0};
  std::vector<std::thread> clients;
  std::vector<std::vector<TxOutcome>> results(4);
  const Timestamp t0 = T("2026-09-01T10:00:00Z");
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      while (!done.load()) {
        int k = next.fetch_add(1);
        std::vector<Event> txs = {Tx("tx" + std::to_string(k), t0 + k, "C" + std::to_string(k), 5)};
        std::vector<TxOutcome> out;
        ASSERT_TRUE(service_->Submit(txs, &out).ok());
        results[static_cast<size_t>(c)].push_back(out[0]);
      }
    });
  }
  int reloads = 0;
  for (int r = 0; r < 40; ++r) {
    ASSERT_TRUE(service_->ReloadRules(r % 2 == 0 ? v2 : v1).ok());
    ++reloads;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // A bad file is refused with its position, and the previous rules keep serving.
  panorama::testing::WriteFile(root_ + "/bad.yaml",
                               "name: x\nversion: \"3\"\nrules:\n  - id: r\n"
                               "    when: amount >>= 1\n    action: {score: 1}\n");
  Status bad = service_->ReloadRules(root_ + "/bad.yaml");
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.message(), HasSubstr("bad.yaml:5:"));
  done.store(true);
  for (auto& t : clients) t.join();

  std::map<std::string, int> by_label;
  for (const auto& list : results) {
    for (const auto& o : list) {
      ASSERT_TRUE(o.status.ok()) << o.status.ToString();
      std::string label(o.decision.str(decision::kRuleSet));
      std::string rules = FiredRules(o.decision);
      ++by_label[label];
      if (label == "tiny@1") {
        EXPECT_EQ(rules, "v1_marker") << o.tx_id;
      } else {
        EXPECT_EQ(label, "tiny@2");
        EXPECT_EQ(rules, "v2_marker") << o.tx_id;
      }
    }
  }
  EXPECT_GT(by_label["tiny@1"], 0);
  EXPECT_GT(by_label["tiny@2"], 0);
  EXPECT_EQ(service_->decider()->ruleset_label(), "tiny@1");  // the last good reload (r = 39)
  EXPECT_EQ(service_->counters().reloads, static_cast<uint64_t>(reloads));
  CheckPairs(ReadLog(data_));
}

TEST_F(ServiceTest, ListChangesApplyToTheNextTransactions) {
  Open();
  const Timestamp t0 = T("2026-09-01T10:00:00Z");
  auto before = Submit({Tx("a", t0, "C1", 5, "K7")});
  EXPECT_EQ(before[0].decision.num(decision::kDecision), decision_value::kApprove);
  std::vector<std::string> cards = {"K7"};
  ASSERT_TRUE(service_->lists().Add("blocked_cards", cards).ok());
  ASSERT_TRUE(service_->ListsChanged().ok());
  auto after = Submit({Tx("b", t0 + 1, "C2", 5, "K7"), Tx("c", t0 + 2, "C3", 5, "K8")});
  EXPECT_EQ(after[0].decision.num(decision::kDecision), decision_value::kDecline);
  EXPECT_EQ(FiredRules(after[0].decision), "v1_marker;blocked_card");
  EXPECT_EQ(after[1].decision.num(decision::kDecision), decision_value::kApprove);
  ASSERT_TRUE(service_->lists().Remove("blocked_cards", cards).ok());
  ASSERT_TRUE(service_->ListsChanged().ok());
  auto removed = Submit({Tx("d", t0 + 3, "C4", 5, "K7")});
  EXPECT_EQ(removed[0].decision.num(decision::kDecision), decision_value::kApprove);
}

TEST_F(ServiceTest, ReopenRecoversFeaturesDuplicatesAndAlerts) {
  Open();
  const Timestamp t0 = T("2026-09-01T10:00:00Z");
  auto first = Submit({Tx("a", t0, "C1", 200000), Tx("b", t0 + 1, "C2", 5)});
  ASSERT_TRUE(service_->Shutdown().ok());
  Open();
  EXPECT_EQ(service_->recovery().records, 4u);
  EXPECT_EQ(service_->recovery().transactions, 2u);
  EXPECT_EQ(service_->recovery().decisions, 2u);
  EXPECT_EQ(service_->recovery().decided_on_open, 0u);
  EXPECT_EQ(service_->recovery().serving_start, 1u);
  auto again = Submit({Tx("a", t0, "C1", 200000), Tx("c", t0 + 2, "C1", 5)});
  EXPECT_TRUE(again[0].duplicate);
  EXPECT_EQ(again[0].seq, first[0].seq);
  EXPECT_EQ(again[0].decision, first[0].decision);
  EXPECT_EQ(FiredRules(again[1].decision), "v1_marker;velocity");  // counts "a" from before
  EXPECT_EQ(again[1].seq, 5u);
  auto alerts = service_->Alerts({});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].id(), "a");
  CheckPairs(ReadLog(data_));
}

TEST_F(ServiceTest, TransactionWithoutDecisionIsDecidedOnOpen) {
  // History loaded before the first serve: never decided.
  {
    auto store = EventStore::Open(data_);
    ASSERT_TRUE(store.ok());
    std::vector<Event> history = {Tx("h1", T("2026-09-01T09:00:00Z"), "C1", 5)};
    ASSERT_TRUE((*store)->Append(history).ok());
  }
  Open();
  EXPECT_EQ(service_->recovery().serving_start, 2u);
  EXPECT_EQ(service_->recovery().decided_on_open, 0u);
  const Timestamp t0 = T("2026-09-01T10:00:00Z");
  Submit({Tx("a", t0, "C1", 5)});
  ASSERT_TRUE(service_->Shutdown().ok());
  service_.reset();
  // A group cut after its transaction (a torn tail), and one loaded by ingest later.
  {
    auto store = EventStore::Open(data_);
    ASSERT_TRUE(store.ok());
    std::vector<Event> torn = {Tx("cut", t0 + 1, "C1", 200000)};
    ASSERT_TRUE((*store)->Append(torn).ok());
    std::vector<Event> ingested = {Tx("i1", t0 + 2, "C5", 5), Tx("i2", t0 + 3, "C6", 5)};
    ASSERT_TRUE((*store)->Append(ingested).ok());
  }
  Open();
  EXPECT_EQ(service_->recovery().decided_on_open, 3u);
  auto log = ReadLog(data_);
  ASSERT_EQ(log.size(), 9u);
  std::map<std::string, Event> decided;
  for (const auto& entry : log) {
    if (entry.event.kind() == EventKind::kDecision)
      decided[std::string(entry.event.id())] = entry.event;
  }
  EXPECT_EQ(decided.size(), 4u);
  EXPECT_FALSE(decided.contains("h1"));
  ASSERT_TRUE(decided.contains("cut"));
  // Decided with its features as of its place in the log: the second of C1 within the hour.
  EXPECT_EQ(FiredRules(decided["cut"]), "v1_marker;big_amount;velocity");
  // A duplicate of the recovered one answers with the recovered decision.
  auto dup = Submit({Tx("cut", t0 + 1, "C1", 200000)});
  EXPECT_TRUE(dup[0].duplicate);
  EXPECT_EQ(dup[0].decision, decided["cut"]);
  EXPECT_EQ(dup[0].seq, 4u);  // h1, a, its decision, cut
  // Opening again decides nothing more: each has its one decision now.
  ASSERT_TRUE(service_->Shutdown().ok());
  Open();
  EXPECT_EQ(service_->recovery().decided_on_open, 0u);
  EXPECT_EQ(ReadLog(data_).size(), 9u);
}

TEST_F(ServiceTest, AlertsAreFilteredNewestFirst) {
  Open();
  const Timestamp t0 = T("2026-09-01T10:00:00Z");
  std::vector<std::string> cards = {"KB"};
  ASSERT_TRUE(service_->lists().Add("blocked_cards", cards).ok());
  ASSERT_TRUE(service_->ListsChanged().ok());
  Submit({Tx("r1", t0, "C1", 200000),                    // REVIEW 501
          Tx("ok", t0 + 1, "C2", 5),                     // APPROVE
          Tx("d1", t0 + 2, "C3", 5, "KB"),               // DECLINE (forced), score 1
          Tx("d2", t0 + 3, "C1", 200000),                // DECLINE 801 (velocity)
          Tx("r2", t0 + kMicrosPerDay, "C4", 200000)});  // REVIEW 501, a day later
  auto ids = [](const std::vector<Event>& alerts) {
    std::vector<std::string> out;
    for (const auto& a : alerts) out.emplace_back(a.id());
    return out;
  };
  EXPECT_EQ(ids(service_->Alerts({})), (std::vector<std::string>{"r2", "d2", "d1", "r1"}));
  AlertQuery q;
  q.decision = "DECLINE";
  EXPECT_EQ(ids(service_->Alerts(q)), (std::vector<std::string>{"d2", "d1"}));
  q = {};
  q.rule = "velocity";
  EXPECT_EQ(ids(service_->Alerts(q)), (std::vector<std::string>{"d2"}));
  q = {};
  q.customer_id = "C1";
  EXPECT_EQ(ids(service_->Alerts(q)), (std::vector<std::string>{"d2", "r1"}));
  q = {};
  q.min_score = 600;
  EXPECT_EQ(ids(service_->Alerts(q)), (std::vector<std::string>{"d2"}));
  q = {};
  q.from = t0 + 1;
  q.to = t0 + kMicrosPerDay;
  EXPECT_EQ(ids(service_->Alerts(q)), (std::vector<std::string>{"d2", "d1"}));
  q = {};
  q.limit = 2;
  EXPECT_EQ(ids(service_->Alerts(q)), (std::vector<std::string>{"r2", "d2"}));
}

TEST_F(ServiceTest, ShutdownRefusesFurtherSubmissions) {
  Open();
  Submit({Tx("a", T("2026-09-01T10:00:00Z"), "C1", 5)});
  ASSERT_TRUE(service_->Shutdown().ok());
  ASSERT_TRUE(service_->Shutdown().ok());  // idempotent
  std::vector<Event> txs = {Tx("b", T("2026-09-01T10:00:01Z"), "C1", 5)};
  std::vector<TxOutcome> out;
  EXPECT_EQ(service_->Submit(txs, &out).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadLog(data_).size(), 2u);
}

TEST_F(ServiceTest, ConcurrentSubmittersShareGroupCommits) {
  Open();
  const Timestamp t0 = T("2026-09-01T10:00:00Z");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::vector<Event> txs = {Tx("t" + std::to_string(t) + "-" + std::to_string(i), t0 + i,
                                     "C" + std::to_string(t), 5)};
        std::vector<TxOutcome> out;
        ASSERT_TRUE(service_->Submit(txs, &out).ok());
        ASSERT_TRUE(out[0].status.ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  ServiceCounters c = service_->counters();
  EXPECT_EQ(c.decided, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_LE(c.groups, c.decided);
  EXPECT_EQ(service_->group_size().count(), c.groups);
  EXPECT_EQ(service_->group_size().sum(), c.decided);
  EXPECT_EQ(service_->decision_latency().count(), c.decided);
  auto decided = CheckPairs(ReadLog(data_));
  EXPECT_EQ(decided.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST_F(ServiceTest, OpenFailsWithTheRuleFilesPosition) {
  panorama::testing::WriteFile(rules_,
                               "name: x\nversion: \"1\"\nrules:\n  - id: r\n"
                               "    when: no_such_feature > 1\n    action: {score: 1}\n");
  auto opened = ScoringService::Open(Options());
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(opened.status().message(), HasSubstr("rules.yaml:5:"));
}

}  // namespace
}  // namespace panorama::server::testing
