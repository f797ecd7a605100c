// Back-tests (decide/backtest.h) over a small hand-made history whose outcome is worked out
// by hand: a fraud burst on one card among everyday payments.
#include "decide/backtest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/money.h"
#include "core/schema.h"
#include "decide/lists.h"
#include "state/event_store.h"
#include "support/process.h"

namespace panorama::decide {
namespace {

constexpr Timestamp kDay0 = 1'764'547'200LL * kMicrosPerSecond;  // 2025-12-01T00:00:00Z

Event Tx(const std::string& id, Timestamp ts, const std::string& card, int64_t amount) {
  Event tx(EventKind::kTransaction);
  tx.set_str(tx::kTxId, id);
  tx.set_num(tx::kTs, ts);
  tx.set_str(tx::kCustomerId, "C-" + card);
  tx.set_str(tx::kCardId, card);
  tx.set_num(tx::kChannel, tx_channel::kOnline);
  tx.set_num(tx::kType, tx_type::kPurchase);
  tx.set_num(tx::kAmount, amount);
  tx.set_num(tx::kCurrency, Currency::FromCode("CNY")->Packed());
  return tx;
}

Event Label(const std::string& id, Timestamp ts, bool fraud) {
  Event label(EventKind::kLabel);
  label.set_str(label::kTxId, id);
  label.set_num(label::kTs, ts);
  label.set_num(label::kIsFraud, fraud ? 1 : 0);
  return label;
}

class BacktestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("backtest");
    std::vector<Event> events;
    // Ten cards pay once a day at noon for 4 days (40 legitimate payments of 100.00 CNY).
    for (int day = 0; day < 4; ++day) {
      for (int card = 0; card < 10; ++card) {
        events.push_back(
            Tx(Id(day, card),
               kDay0 + day * kMicrosPerDay + 12 * 3600 * kMicrosPerSecond + card * kMicrosPerSecond,
               "K" + std::to_string(card), 10000));
      }
    }
    // Day 2, 15:00: card K9 is used 5 times in 5 minutes for 500.00 CNY each: all fraud.
    for (int i = 0; i < 5; ++i) {
      std::string id = "F" + std::to_string(i);
      events.push_back(Tx(
          id, kDay0 + 2 * kMicrosPerDay + 15 * 3600 * kMicrosPerSecond + i * 60 * kMicrosPerSecond,
          "K9", 50000));
      events.push_back(Label(id, kDay0 + 3 * kMicrosPerDay, true));
    }
    // One legitimate payment labelled as cleared.
    events.push_back(Label(Id(1, 3), kDay0 + 3 * kMicrosPerDay, false));
    std::sort(events.begin(), events.end(),
              [](const Event& a, const Event& b) { return a.ts() < b.ts(); });
    auto store = EventStore::Open(dir_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto appended = (*store)->Append(events);
    ASSERT_TRUE(appended.ok()) << appended.status().ToString();
    ASSERT_TRUE((*store)->Close().ok());

    auto spec = features::ParseFeatureSpec(R"(name: bt
features:
  - name: card_count_1h
    entity: card_id
    agg: count
    window: 1h
)",
                                           "bt.yaml");
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    spec_ = std::move(*spec);
    auto lists = ListStore::Open(dir_ + "/lists.db");
    ASSERT_TRUE(lists.ok());
    lists_ = std::move(*lists);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string Id(int day, int card) {
    return "T" + std::to_string(day) + "-" + std::to_string(card);
  }

  std::shared_ptr<const Decider> Load(const std::string& yaml) {
    std::string path = dir_ + "/rules-" + std::to_string(files_++) + ".yaml";
    testing::WriteFile(path, yaml);
    auto decider = LoadDecider(spec_, path, "", lists_.get());
    EXPECT_TRUE(decider.ok()) << decider.status().ToString();
    return decider.ok() ? *decider : nullptr;
  }

  std::string dir_;
  features::FeatureSpec spec_;
  std::unique_ptr<ListStore> lists_;
  int files_ = 0;
};

TEST_F(BacktestTest, CountsAlertsPrecisionRecallAndAmountsPerRule) {
  // busy_card fires on the 3rd, 4th and 5th transaction of the burst (2+ earlier in the hour);
  // big fires on all 5 burst payments; big alone reaches only 300 < review_at.
  auto candidate = Load(R"(name: cand
version: "2"
policy: {review_at: 500, decline_at: 900}
rules:
  - id: busy_card
    when: card_count_1h >= 2
    action: {score: 600}
  - id: big
    when: amount >= 50000
    action: {score: 300}
  - id: never
    when: amount > 100000000
    action: {force: decline}
)");
  auto baseline = Load(R"(name: base
version: "1"
policy: {review_at: 500, decline_at: 900}
rules:
  - id: big
    when: amount >= 50000
    action: {score: 600}
)");
  ASSERT_TRUE(candidate && baseline);
  std::vector<const Decider*> deciders = {candidate.get(), baseline.get()};
  BacktestOptions options;
  options.from = kDay0;
  options.to = kDay0 + 4 * kMicrosPerDay;
  options.alert_rates = {0.1};
  BacktestCounts counts;
  auto reports = Backtest(dir_, spec_, deciders, options, &counts);
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ASSERT_EQ(reports->size(), 2U);
  EXPECT_EQ(counts.records, 51U);

  const BacktestReport& c = (*reports)[0];
  EXPECT_EQ(c.ruleset, "cand@2");
  EXPECT_EQ(c.transactions, 45U);
  EXPECT_EQ(c.frauds, 5U);
  EXPECT_EQ(c.fraud_amount.at("CNY"), 250000);
  EXPECT_DOUBLE_EQ(c.days, 4.0);
  EXPECT_EQ(c.decline, 3U);  // 600 + 300 = 900 >= decline_at
  EXPECT_EQ(c.review, 0U);
  EXPECT_EQ(c.approve, 42U);
  EXPECT_EQ(c.overall.alerts, 3U);
  EXPECT_EQ(c.overall.frauds_caught, 3U);
  EXPECT_DOUBLE_EQ(c.overall.precision, 1.0);
  EXPECT_DOUBLE_EQ(c.overall.recall, 0.6);
  EXPECT_DOUBLE_EQ(c.overall.alerts_per_day, 0.75);
  EXPECT_EQ(c.overall.fraud_amount_caught.at("CNY"), 150000);
  ASSERT_EQ(c.rules.size(), 3U);
  EXPECT_EQ(c.rules[0].id, "busy_card");
  EXPECT_EQ(c.rules[0].outcome.alerts, 3U);
  EXPECT_EQ(c.rules[0].only_rule, 0U);
  EXPECT_EQ(c.rules[1].outcome.alerts, 5U);
  EXPECT_EQ(c.rules[1].outcome.frauds_caught, 5U);
  EXPECT_DOUBLE_EQ(c.rules[1].outcome.recall, 1.0);
  EXPECT_EQ(c.rules[1].only_rule, 2U);
  EXPECT_EQ(c.rules[2].outcome.alerts, 0U);
  EXPECT_TRUE(std::isnan(c.rules[2].outcome.precision));
  // Ranking: the 5 frauds have the top ranks (900, 900, 900, 300, 300), every legit 0.
  EXPECT_DOUBLE_EQ(c.auc, 1.0);
  EXPECT_DOUBLE_EQ(c.auprc, 1.0);
  ASSERT_EQ(c.at_alert_rate.size(), 1U);
  EXPECT_DOUBLE_EQ(c.at_alert_rate[0].recall, 1.0);

  const BacktestReport& b = (*reports)[1];
  EXPECT_EQ(b.ruleset, "base@1");
  EXPECT_EQ(b.review, 5U);
  EXPECT_EQ(b.overall.frauds_caught, 5U);
  EXPECT_DOUBLE_EQ(b.overall.recall, 1.0);
}

TEST_F(BacktestTest, RangeLimitsTheTransactionsDecidedButNotTheFeatures) {
  // Only day 2 from 15:02 on: burst transactions 3-5 are in range, and their features still
  // count the burst's first two (before the range).
  auto decider = Load(R"(name: r
version: "1"
rules:
  - id: busy_card
    when: card_count_1h >= 2
    action: {force: review}
)");
  ASSERT_NE(decider, nullptr);
  std::vector<const Decider*> deciders = {decider.get()};
  BacktestOptions options;
  options.from = kDay0 + 2 * kMicrosPerDay + (15 * 3600 + 120) * kMicrosPerSecond;
  options.to = kDay0 + 3 * kMicrosPerDay;
  auto reports = Backtest(dir_, spec_, deciders, options);
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  const BacktestReport& r = (*reports)[0];
  EXPECT_EQ(r.transactions, 3U);
  EXPECT_EQ(r.frauds, 3U);
  EXPECT_EQ(r.review, 3U);
  EXPECT_DOUBLE_EQ(r.overall.recall, 1.0);
}

TEST_F(BacktestTest, MissingDataDirectoryIsAnError) {
  auto decider = Load("name: r\nversion: \"1\"\nrules: []\n");
  ASSERT_NE(decider, nullptr);
  std::vector<const Decider*> deciders = {decider.get()};
  auto reports = Backtest(dir_ + "/nope", spec_, deciders, {});
  // An absent log reads as empty: no transactions, no frauds.
  if (reports.ok()) {
    EXPECT_EQ((*reports)[0].transactions, 0U);
  }
}

}  // namespace
}  // namespace panorama::decide
