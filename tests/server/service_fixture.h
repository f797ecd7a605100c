// A tiny, deterministic world for the server tests: a feature spec, rule sets written in the
// test's temp dir, transactions built by hand, and the log read back.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/event_codec.h"
#include "core/money.h"
#include "core/schema.h"
#include "core/time.h"
#include "log/transaction_log.h"
#include "server/scoring_service.h"
#include "state/event_store.h"
#include "support/process.h"

namespace panorama::server::testing {

inline constexpr const char* kSpec = R"(name: tiny
version: 1
allowed_lateness: 5m
features:
  - name: customer_count_1h
    entity: customer_id
    agg: count
    window: 1h
  - name: card_amount_sum_24h
    entity: card_id
    agg: sum
    field: amount
    window: 24h
)";

// Version `version` of a rule set; every transaction fires `marker` (so a decision shows
// which version decided it).
inline std::string Rules(int version, const std::string& marker = "") {
  std::string m = marker.empty() ? "v" + std::to_string(version) + "_marker" : marker;
  return "name: tiny\nversion: \"" + std::to_string(version) +
         "\"\npolicy:\n  review_at: 500\n  decline_at: 800\n"
         "lists:\n  - name: blocked_cards\n    kind: deny\n    type: card\n"
         "rules:\n"
         "  - id: " +
         m + "\n    when: amount >= 0\n    action: {score: 1, tag: " + m +
         "}\n"
         "  - id: big_amount\n    when: amount >= 100000\n    action: {score: 500, tag: big}\n"
         "  - id: velocity\n    when: customer_count_1h >= 1\n"
         "    action: {score: 300, tag: velocity}\n"
         "  - id: blocked_card\n    when: card_id in @blocked_cards\n"
         "    action: {score: 0, tag: blocked, force: decline}\n";
}

inline Timestamp T(const std::string& iso) { return ParseIso8601(iso).value(); }

// A purchase of `amount` fen (CNY minor units).
inline Event Tx(const std::string& id, Timestamp ts, const std::string& customer, int64_t amount,
                const std::string& card = "K1") {
  Event e(EventKind::kTransaction);
  e.set_str(tx::kTxId, id);
  e.set_num(tx::kTs, ts);
  e.set_str(tx::kCustomerId, customer);
  e.set_str(tx::kCardId, card);
  e.set_num(tx::kChannel, tx_channel::kPos);
  e.set_num(tx::kType, tx_type::kPurchase);
  e.set_num(tx::kAmount, amount);
  e.set_num(tx::kCurrency, Currency::FromCode("CNY")->Packed());
  return e;
}

struct LogEntry {
  uint64_t seq = 0;
  Event event;
};

inline std::vector<LogEntry> ReadLog(const std::string& data_dir) {
  std::vector<LogEntry> out;
  auto reader = LogReader::OpenRange(LogDir(data_dir), 1);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  LogRecord record;
  while ((*reader)->Next(&record)) {
    LogEntry& entry = out.emplace_back();
    entry.seq = record.seq;
    EXPECT_TRUE(DecodeEvent(record.payload, &entry.event).ok());
  }
  EXPECT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();
  return out;
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = panorama::testing::MakeTempDir("panorama-server");
    data_ = root_ + "/data";
    spec_ = root_ + "/spec.yaml";
    rules_ = root_ + "/rules.yaml";
    panorama::testing::WriteFile(spec_, kSpec);
    panorama::testing::WriteFile(rules_, Rules(1));
  }
  void TearDown() override {
    service_.reset();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  ServiceOptions Options() const {
    ServiceOptions o;
    o.data_dir = data_;
    o.spec_path = spec_;
    o.rules_path = rules_;
    o.sync = SyncPolicy::kNone;  // the tests do not crash the machine; fsyncs only slow them
    o.list_poll_ms = 0;
    return o;
  }

  void Open() {
    service_.reset();
    auto opened = ScoringService::Open(Options());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    service_ = std::move(opened).value();
  }

  std::vector<TxOutcome> Submit(const std::vector<Event>& txs) {
    std::vector<TxOutcome> out;
    Status status = service_->Submit(txs, &out);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return out;
  }

  std::string root_, data_, spec_, rules_;
  std::unique_ptr<ScoringService> service_;
};

}  // namespace panorama::server::testing
