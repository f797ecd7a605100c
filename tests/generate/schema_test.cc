// Schema validity of `panorama generate`: every file ingests through RecordReader with its
// --kind, zero rejects and zero warnings, in both formats; counts in the summary and the
// manifest equal the records read; each file is in time order; ids are unique and refer to
// entities that exist; options are validated.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "generate/world_data.h"

namespace panorama::gentest {
namespace {

using generate::OutputFormat;
using generate::WorldOptions;

WorldOptions SchemaWorld(OutputFormat format) {
  WorldOptions options;
  options.customers = 1'500;
  options.merchants = 150;
  options.days = 35;
  options.seed = 3;
  options.fraud_rate = 0.004;
  options.aml_rate = 0.01;
  options.loan_rate = 5;
  options.format = format;
  return options;
}

class SchemaTest : public ::testing::TestWithParam<OutputFormat> {
 protected:
  static void SetUpTestSuite() {
    root_ = MakeTempDir("gen-schema");
    csv_ = new World(GenerateAndRead(SchemaWorld(OutputFormat::kCsv), root_ + "/csv"));
    jsonl_ = new World(GenerateAndRead(SchemaWorld(OutputFormat::kJsonl), root_ + "/jsonl"));
  }
  static void TearDownTestSuite() {
    delete csv_;
    delete jsonl_;
    RemoveDir(root_);
  }
  const World& world() const { return GetParam() == OutputFormat::kCsv ? *csv_ : *jsonl_; }

  static std::string root_;
  static World* csv_;
  static World* jsonl_;
};
std::string SchemaTest::root_;
World* SchemaTest::csv_ = nullptr;
World* SchemaTest::jsonl_ = nullptr;

TEST_P(SchemaTest, EveryKindHasAFileInSchemaOrder) {
  const World& w = world();
  ASSERT_EQ(w.error, "");
  ASSERT_EQ(w.summary.files.size(), kAllEventKinds.size());
  for (size_t i = 0; i < kAllEventKinds.size(); ++i) {
    EXPECT_EQ(w.summary.files[i].kind, SchemaFor(kAllEventKinds[i]).plural);
    const bool jsonl = w.summary.files[i].file.ends_with(".jsonl");
    EXPECT_EQ(jsonl, GetParam() == OutputFormat::kJsonl) << w.summary.files[i].file;
    if (GetParam() == OutputFormat::kCsv) {
      EXPECT_TRUE(w.summary.files[i].file.ends_with(".csv")) << w.summary.files[i].file;
    }
    EXPECT_GT(w.summary.files[i].records, 0u) << w.summary.files[i].kind << " file is empty";
  }
}

TEST_P(SchemaTest, EveryFileIngestsWithoutRejectsOrWarnings) {
  const World& w = world();
  ASSERT_EQ(w.error, "");
  for (EventKind kind : kAllEventKinds) {
    SCOPED_TRACE(std::string(KindName(kind)));
    ASSERT_TRUE(w.checks.count(kind));
    const FileCheck& check = w.checks.at(kind);
    EXPECT_TRUE(check.opened) << check.open_error;
    EXPECT_EQ(check.rejects, 0u) << ::testing::PrintToString(check.sample_rejects);
    EXPECT_TRUE(check.warnings.empty()) << ::testing::PrintToString(check.warnings);
    EXPECT_EQ(check.bad_ids, 0u) << "ids not of the letter-and-digits form";
    EXPECT_GT(check.events, 0u);
  }
}

TEST_P(SchemaTest, CountsMatchSummaryAndManifest) {
  const World& w = world();
  ASSERT_EQ(w.error, "");
  const nlohmann::json& files = w.manifest["files"];
  ASSERT_TRUE(files.is_array()) << w.manifest.dump(1);
  ASSERT_EQ(files.size(), w.summary.files.size());
  for (size_t i = 0; i < w.summary.files.size(); ++i) {
    const auto& file = w.summary.files[i];
    auto kind = KindFromName(file.kind);
    ASSERT_TRUE(kind.has_value()) << file.kind;
    EXPECT_EQ(file.records, w.checks.at(*kind).events) << file.kind;
    EXPECT_EQ(files[i].value("kind", ""), file.kind);
    EXPECT_EQ(files[i].value("file", ""), file.file);
    EXPECT_EQ(files[i].value("records", uint64_t{0}), w.checks.at(*kind).events) << file.kind;
  }
  EXPECT_EQ(w.summary.transactions, w.tx.size());
  EXPECT_EQ(w.manifest["totals"].value("transactions", uint64_t{0}), w.tx.size());
  EXPECT_EQ(w.manifest["seed"], w.options.seed);
  EXPECT_EQ(w.manifest["options"].value("customers", int64_t{0}), w.options.customers);
  EXPECT_EQ(w.manifest["options"].value("days", 0), w.options.days);
  EXPECT_EQ(w.manifest["options"].value("format", ""),
            GetParam() == OutputFormat::kCsv ? "csv" : "jsonl");
  using Counts = std::map<std::string, uint64_t>;
  EXPECT_EQ(w.manifest["patterns"].get<Counts>(), w.summary.patterns);
  EXPECT_EQ(w.manifest["incidents"].size(), w.summary.incidents.size());
  // The summary's per-pattern counts are the labelled transactions per pattern.
  std::map<std::string, std::set<uint64_t>> labelled_tx;
  for (const auto& l : w.labels) {
    if (l.is_fraud) labelled_tx[l.pattern].insert(l.tx);
  }
  std::map<std::string, uint64_t> labelled;
  for (const auto& [name, txs] : labelled_tx) labelled[name] = txs.size();
  std::map<std::string, uint64_t> summary_patterns;
  for (const auto& [name, count] : w.summary.patterns) {
    if (count > 0) summary_patterns[name] = count;
  }
  EXPECT_EQ(summary_patterns, labelled);
  uint64_t fraud = 0, aml = 0;
  for (const auto& [name, count] : labelled) (name.starts_with("aml_") ? aml : fraud) += count;
  EXPECT_EQ(w.summary.fraud_transactions, fraud);
  EXPECT_EQ(w.summary.aml_transactions, aml);
  // The final loan statuses counted in the summary are the final loan records in the file.
  std::map<std::string, uint64_t> finals;
  static constexpr const char* kStatus[] = {"ISSUED", "REPAID", "LATE", "DEFAULT", "WRITTEN_OFF"};
  std::unordered_map<uint32_t, int> last_status;
  for (const auto& l : w.loans) last_status[l.id] = l.status;
  for (const auto& [id, status] : last_status) {
    if (status > 0) ++finals[kStatus[status]];
  }
  std::map<std::string, uint64_t> summary_finals;
  for (const auto& [name, count] : w.summary.loan_status) {
    if (count > 0 && name != "ISSUED") summary_finals[name] = count;
  }
  EXPECT_EQ(summary_finals, finals);
}

TEST_P(SchemaTest, EveryFileIsInTimeOrderWithinTheWorld) {
  const World& w = world();
  ASSERT_EQ(w.error, "");
  for (EventKind kind : kAllEventKinds) {
    EXPECT_EQ(w.checks.at(kind).out_of_order, 0u) << KindName(kind);
  }
  const Timestamp begin = 1'790'812'800LL * kMicrosPerSecond;  // default start 2026-10-01
  const Timestamp end = begin + w.options.days * kDay;
  EXPECT_EQ(w.summary.end, end);
  ASSERT_FALSE(w.tx.empty());
  EXPECT_GE(w.tx.front().ts, begin);
  EXPECT_LT(w.tx.back().ts, end);
  for (const auto& p : w.posts) {
    EXPECT_LT(p.ts, end);
  }
  for (const auto& o : w.offers) {
    EXPECT_LT(o.ts, end);
    if (o.responded_at != 0) {
      EXPECT_GE(o.responded_at, o.ts);
    }
  }
}

TEST_P(SchemaTest, TransactionIdsAreUniqueAndRiseWithTime) {
  const World& w = world();
  ASSERT_EQ(w.error, "");
  std::unordered_set<uint64_t> ids;
  uint64_t falling = 0;
  for (size_t i = 0; i < w.tx.size(); ++i) {
    EXPECT_TRUE(ids.insert(w.tx[i].id).second) << "duplicate T" << w.tx[i].id;
    if (i > 0 && w.tx[i].id <= w.tx[i - 1].id) ++falling;
  }
  EXPECT_EQ(falling, 0u);
}

TEST_P(SchemaTest, LabelsReferToEarlierTransactions) {
  const World& w = world();
  ASSERT_EQ(w.error, "");
  std::unordered_map<uint64_t, Timestamp> tx_ts;
  for (const auto& t : w.tx) tx_ts.emplace(t.id, t.ts);
  ASSERT_FALSE(w.labels.empty());
  uint64_t missing = 0, early = 0, unnamed = 0;
  std::set<std::pair<uint64_t, Timestamp>> keys;
  for (const auto& l : w.labels) {
    auto it = tx_ts.find(l.tx);
    if (it == tx_ts.end()) {
      ++missing;
      continue;
    }
    if (l.ts < it->second) ++early;
    if (l.is_fraud && l.pattern.empty()) ++unnamed;
    EXPECT_TRUE(keys.emplace(l.tx, l.ts).second) << "duplicate label key T" << l.tx;
  }
  EXPECT_EQ(missing, 0u) << "labels whose tx_id is not in transactions";
  EXPECT_EQ(early, 0u) << "labels known before their transaction happened";
  EXPECT_EQ(unnamed, 0u) << "fraud labels without a pattern";
}

// Every id a record refers to names an entity of the world that exists by then.
TEST_P(SchemaTest, ReferencesResolve) {
  const World& w = world();
  ASSERT_EQ(w.error, "");
  std::unordered_map<uint32_t, Timestamp> customer_since, merchant_since;
  for (const auto& c : w.customers) customer_since.emplace(c.id, c.ts);
  for (const auto& m : w.merchants) merchant_since.emplace(m.id, m.ts);
  EXPECT_EQ(customer_since.size(), static_cast<size_t>(w.options.customers));
  EXPECT_EQ(merchant_since.size(), static_cast<size_t>(w.options.merchants));
  uint64_t unknown_customer = 0, early_customer = 0, unknown_merchant = 0, early_merchant = 0;
  uint64_t card_owner_changes = 0, purchases_without_merchant = 0;
  std::unordered_map<uint32_t, uint32_t> card_owner;
  for (const auto& t : w.tx) {
    auto c = customer_since.find(t.customer);
    if (c == customer_since.end()) {
      ++unknown_customer;
    } else if (c->second > t.ts) {
      ++early_customer;
    }
    if (t.merchant != kAbsent) {
      auto m = merchant_since.find(t.merchant);
      if (m == merchant_since.end()) {
        ++unknown_merchant;
      } else if (m->second > t.ts) {
        ++early_merchant;
      }
    }
    // Purchases abroad are at foreign merchants, which are not ours and have no merchant id.
    if (t.type == tx_type::kPurchase && t.merchant == kAbsent && t.country == kCountryCn) {
      ++purchases_without_merchant;
    }
    if (t.card != kAbsent) {
      auto [it, inserted] = card_owner.emplace(t.card, t.customer);
      if (!inserted && it->second != t.customer) ++card_owner_changes;
    }
  }
  EXPECT_EQ(unknown_customer, 0u);
  EXPECT_EQ(early_customer, 0u) << "transactions before the customer's first snapshot";
  EXPECT_EQ(unknown_merchant, 0u);
  EXPECT_EQ(early_merchant, 0u) << "transactions before the merchant's first snapshot";
  EXPECT_EQ(card_owner_changes, 0u) << "a card used under two customer ids";
  EXPECT_EQ(purchases_without_merchant, 0u);

  uint64_t bad_borrowers = 0;
  for (const auto& l : w.loans) {
    const auto& since = l.borrower_type == 0 ? merchant_since : customer_since;
    auto it = since.find(l.borrower);
    if (it == since.end() || it->second > l.ts) ++bad_borrowers;
  }
  EXPECT_EQ(bad_borrowers, 0u);
  uint64_t bad_offers = 0;
  for (const auto& o : w.offers) {
    auto it = customer_since.find(o.customer);
    if (it == customer_since.end() || it->second > o.ts) ++bad_offers;
  }
  EXPECT_EQ(bad_offers, 0u);
}

TEST_P(SchemaTest, LoanRecordsAreConsistent) {
  const World& w = world();
  ASSERT_EQ(w.error, "");
  ASSERT_FALSE(w.loans.empty());
  std::unordered_map<uint32_t, const LoanRow*> issued;
  uint64_t finals_without_issue = 0, mismatched = 0, bad_dates = 0, second_final = 0;
  std::unordered_set<uint32_t> settled;
  for (const auto& l : w.loans) {
    if (l.status == 0) {
      EXPECT_TRUE(issued.emplace(l.id, &l).second) << "loan issued twice L" << l.id;
      if (l.issued_at != l.ts || l.due_at <= l.issued_at) ++bad_dates;
      continue;
    }
    auto it = issued.find(l.id);
    if (it == issued.end()) {
      ++finals_without_issue;
      continue;
    }
    const LoanRow& first = *it->second;
    if (first.principal != l.principal || first.borrower != l.borrower ||
        first.borrower_type != l.borrower_type || first.issued_at != l.issued_at) {
      ++mismatched;
    }
    if (l.ts < first.ts) ++bad_dates;
    if ((l.status == 1 || l.status == 3 || l.status == 4) && !settled.insert(l.id).second) {
      ++second_final;
    }
  }
  EXPECT_EQ(finals_without_issue, 0u);
  EXPECT_EQ(mismatched, 0u);
  EXPECT_EQ(bad_dates, 0u);
  EXPECT_EQ(second_final, 0u) << "a loan settled twice";
}

TEST_P(SchemaTest, AmountsAndFieldsArePlausible) {
  const World& w = world();
  ASSERT_EQ(w.error, "");
  uint64_t zero = 0, card_without_card = 0, online_without_device = 0;
  for (const auto& t : w.tx) {
    if (t.amount <= 0) ++zero;
    if ((t.channel == tx_channel::kPos || t.channel == tx_channel::kAtm) && t.card == kAbsent) {
      ++card_without_card;
    }
    // Refunds are initiated by the merchant, so they carry no customer device.
    if ((t.channel == tx_channel::kOnline || t.channel == tx_channel::kMobile) &&
        t.type != tx_type::kRefund && t.device == kAbsent) {
      ++online_without_device;
    }
  }
  EXPECT_EQ(zero, 0u) << "transactions of zero amount";
  EXPECT_EQ(card_without_card, 0u) << "POS or ATM transactions without a card";
  EXPECT_EQ(online_without_device, 0u) << "online or mobile transactions without a device";
  for (const auto& p : w.posts) {
    EXPECT_FALSE(p.text.empty());
    EXPECT_TRUE(p.lang == "en" || p.lang == "zh") << p.lang;
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, SchemaTest,
                         ::testing::Values(OutputFormat::kCsv, OutputFormat::kJsonl),
                         [](const auto& param_info) {
                           return param_info.param == OutputFormat::kCsv ? "Csv" : "Jsonl";
                         });

TEST(ValidateOptionsTest, AcceptsTheDefaultsAndTheBounds) {
  WorldOptions options;
  EXPECT_TRUE(generate::ValidateOptions(options).ok());
  options.customers = 10;
  options.merchants = 10;
  options.days = 1;
  options.fraud_rate = 0;
  options.aml_rate = 0;
  options.loan_rate = 0;
  EXPECT_TRUE(generate::ValidateOptions(options).ok());
  options.customers = 50'000'000;
  options.merchants = 5'000'000;
  options.days = 3660;
  options.fraud_rate = 0.2;
  options.aml_rate = 0.2;
  options.loan_rate = 100;
  EXPECT_TRUE(generate::ValidateOptions(options).ok());
}

TEST(ValidateOptionsTest, RejectsEachValueOutOfRange) {
  struct Case {
    const char* what;
    void (*apply)(WorldOptions&);
  };
  const Case cases[] = {
      {"customers 9", [](WorldOptions& o) { o.customers = 9; }},
      {"customers 50M+1", [](WorldOptions& o) { o.customers = 50'000'001; }},
      {"customers -1", [](WorldOptions& o) { o.customers = -1; }},
      {"merchants 9", [](WorldOptions& o) { o.merchants = 9; }},
      {"merchants 5M+1", [](WorldOptions& o) { o.merchants = 5'000'001; }},
      {"days 0", [](WorldOptions& o) { o.days = 0; }},
      {"days 3661", [](WorldOptions& o) { o.days = 3661; }},
      {"fraud_rate -0.01", [](WorldOptions& o) { o.fraud_rate = -0.01; }},
      {"fraud_rate 0.21", [](WorldOptions& o) { o.fraud_rate = 0.21; }},
      {"fraud_rate NaN", [](WorldOptions& o) { o.fraud_rate = NAN; }},
      {"aml_rate -0.01", [](WorldOptions& o) { o.aml_rate = -0.01; }},
      {"aml_rate 0.21", [](WorldOptions& o) { o.aml_rate = 0.21; }},
      {"aml_rate NaN", [](WorldOptions& o) { o.aml_rate = NAN; }},
      {"loan_rate -1", [](WorldOptions& o) { o.loan_rate = -1; }},
      {"loan_rate 101", [](WorldOptions& o) { o.loan_rate = 101; }},
      {"loan_rate inf", [](WorldOptions& o) { o.loan_rate = INFINITY; }},
  };
  for (const auto& c : cases) {
    WorldOptions options;
    c.apply(options);
    const Status status = generate::ValidateOptions(options);
    EXPECT_FALSE(status.ok()) << c.what;
    EXPECT_FALSE(status.message().empty()) << c.what;
  }
}

TEST(ValidateOptionsTest, GenerateWorldRefusesBadOptions) {
  const std::string dir = MakeTempDir("gen-bad");
  WorldOptions options;
  options.customers = 5;
  auto result = generate::GenerateWorld(options, dir + "/out");
  EXPECT_FALSE(result.ok());
  RemoveDir(dir);
}

}  // namespace
}  // namespace panorama::gentest
