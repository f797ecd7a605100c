// Fraud and financial crime in `panorama generate` (docs/generator.md (Crime)): the fraud
// share follows --fraud-rate, the laundering schemes follow --aml-rate, every pattern is
// present with its signature in the files, labels carry the documented sources and delays,
// and the incidents (data breaches, fraud waves) shape fraud over time.
//
// Two worlds are generated once: a crime-heavy one (fraud 1 %, aml 1 %) for the signatures,
// and one with the default rates (fraud 0.2 %, aml 0.1 %).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/schema.h"
#include "generate/world_data.h"

namespace panorama::gentest {
namespace {

using generate::WorldOptions;

constexpr const char* kFraudPatterns[] = {"card_testing",      "account_takeover",
                                          "stolen_card_spree", "merchant_collusion",
                                          "merchant_bust_out", "friendly_fraud"};
constexpr const char* kAmlPatterns[] = {"aml_structuring", "aml_fan_in", "aml_fan_out",
                                        "aml_pass_through", "aml_round_trip"};
// The documented mix (docs/generator.md, Crime, "Fraud rate").
constexpr double kFraudShares[] = {0.20, 0.20, 0.30, 0.10, 0.05, 0.15};

// Label sources in schema order.
constexpr int kChargeback = 0, kConfirmed = 1, kCustomerReport = 2;

bool IsAml(const std::string& pattern) { return pattern.rfind("aml_", 0) == 0; }

double Ratio(size_t part, size_t whole) {
  return static_cast<double>(part) / static_cast<double>(whole);
}

WorldOptions HeavyWorld() {
  WorldOptions options;
  options.customers = 3'000;
  options.merchants = 300;
  options.days = 90;
  options.seed = 11;
  options.fraud_rate = 0.01;
  options.aml_rate = 0.01;
  return options;
}

WorldOptions DefaultRateWorld() {
  WorldOptions options;
  options.customers = 3'000;
  options.merchants = 300;
  options.days = 90;
  options.seed = 12;
  return options;  // fraud_rate 0.002, aml_rate 0.001: the defaults
}

// A fraud or laundering label with its case number (the label's note "case N").
struct CaseLabel {
  uint64_t tx = 0;
  Timestamp ts = 0;
  int source = -1;
  std::string pattern;
  uint32_t case_id = 0;
};

// One generated world with its crime read back: labels by transaction and grouped by case.
struct CrimeWorld {
  World world;
  std::vector<CaseLabel> labels;                  // is_fraud=true labels, file order
  std::vector<int> label_of;                      // per tx index: index in labels, or -1
  std::map<uint32_t, std::vector<size_t>> cases;  // case -> tx indices, in time order
  std::map<uint32_t, std::string> case_pattern;   // case -> pattern
  std::unordered_map<uint32_t, std::pair<double, double>> home;  // customer -> home lat, lon

  const Tx& tx_of(const CaseLabel& label) const { return world.tx[label.tx - 1]; }
  const std::string* pattern_of(size_t tx) const {
    return label_of[tx] < 0 ? nullptr : &labels[static_cast<size_t>(label_of[tx])].pattern;
  }
  // Transaction indices of every case of one pattern.
  std::vector<std::vector<size_t>> CasesOf(const std::string& pattern) const {
    std::vector<std::vector<size_t>> out;
    for (const auto& [id, txs] : cases) {
      if (case_pattern.at(id) == pattern) out.push_back(txs);
    }
    return out;
  }
};

CrimeWorld* Load(const WorldOptions& options, const std::string& dir) {
  auto* crime = new CrimeWorld{GenerateAndRead(options, dir)};
  World& w = crime->world;
  if (!w.error.empty()) return crime;
  for (size_t i = 0; i < w.tx.size(); ++i) {
    if (w.tx[i].id != i + 1) {
      w.error = "transaction ids are not 1..n in file order";
      return crime;
    }
  }
  ReadFileEvents(w.dir + "/" + w.FileOf(EventKind::kLabel), EventKind::kLabel, [&](const Event& e) {
    if (e.num(label::kIsFraud) == 0) return;
    CaseLabel l;
    l.tx = IdNumber(e.str(label::kTxId), 'T');
    l.ts = e.ts();
    l.source = static_cast<int>(e.num(label::kSource));
    l.pattern = std::string(e.str(label::kPattern));
    const std::string note = e.has(label::kNote) ? std::string(e.str(label::kNote)) : "";
    if (note.rfind("case ", 0) == 0) {
      l.case_id = static_cast<uint32_t>(std::stoul(note.substr(5)));
    }
    crime->labels.push_back(std::move(l));
  });
  crime->label_of.assign(w.tx.size(), -1);
  for (size_t i = 0; i < crime->labels.size(); ++i) {
    const CaseLabel& l = crime->labels[i];
    if (l.tx == 0 || l.tx > w.tx.size()) {
      w.error = "label of an unknown transaction";
      return crime;
    }
    crime->label_of[l.tx - 1] = static_cast<int>(i);
  }
  for (size_t t = 0; t < w.tx.size(); ++t) {
    if (crime->label_of[t] < 0) continue;
    const CaseLabel& l = crime->labels[static_cast<size_t>(crime->label_of[t])];
    crime->cases[l.case_id].push_back(t);
    crime->case_pattern[l.case_id] = l.pattern;
  }
  for (const CustomerRow& c : w.customers) {
    crime->home.emplace(c.id, std::make_pair(c.home_lat, c.home_lon));
  }
  return crime;
}

class CrimeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = MakeTempDir("gen-crime");
    heavy_ = Load(HeavyWorld(), root_ + "/heavy");
    default_ = Load(DefaultRateWorld(), root_ + "/default");
  }
  static void TearDownTestSuite() {
    delete heavy_;
    delete default_;
    RemoveDir(root_);
  }
  void SetUp() override {
    ASSERT_EQ(heavy_->world.error, "");
    ASSERT_EQ(default_->world.error, "");
  }
  static const CrimeWorld& heavy() { return *heavy_; }
  static const World& hw() { return heavy_->world; }

  static std::string root_;
  static CrimeWorld* heavy_;
  static CrimeWorld* default_;
};
std::string CrimeTest::root_;
CrimeWorld* CrimeTest::heavy_ = nullptr;
CrimeWorld* CrimeTest::default_ = nullptr;

double FraudShare(const CrimeWorld& c) {
  uint64_t fraud = 0;
  for (const CaseLabel& l : c.labels) fraud += IsAml(l.pattern) ? 0 : 1;
  return static_cast<double>(fraud) / static_cast<double>(c.world.tx.size());
}

size_t AmlCases(const CrimeWorld& c) {
  size_t n = 0;
  for (const auto& [id, pattern] : c.case_pattern) n += IsAml(pattern) ? 1 : 0;
  return n;
}

// Per customer: the devices of their transactions without a pattern (the devices they own).
std::unordered_map<uint32_t, std::unordered_set<uint32_t>> GenuineDevices(const CrimeWorld& c) {
  std::unordered_map<uint32_t, std::unordered_set<uint32_t>> devices;
  for (size_t i = 0; i < c.world.tx.size(); ++i) {
    const Tx& t = c.world.tx[i];
    if (c.label_of[i] < 0 && t.device != kAbsent) devices[t.customer].insert(t.device);
  }
  return devices;
}

// ---------------------------------------------------------------- rates

TEST_F(CrimeTest, FraudShareFollowsTheDefaultFraudRate) {
  // Budgets are kept per day, so the realised share stays within a few incidents of 0.2 %.
  const double share = FraudShare(*default_);
  EXPECT_NEAR(share, 0.002, 0.0002) << "fraud share " << share;
  std::cout << "fraud share " << share << " at fraud_rate 0.002\n";
}

TEST_F(CrimeTest, FraudShareFollowsAHigherFraudRate) {
  const double share = FraudShare(heavy());
  EXPECT_NEAR(share, 0.01, 0.0007) << "fraud share " << share;
  std::cout << "fraud share " << share << " at fraud_rate 0.01\n";
}

TEST_F(CrimeTest, NoFraudAndNoLaunderingAtZeroRates) {
  WorldOptions options;
  options.customers = 400;
  options.merchants = 40;
  options.days = 30;
  options.fraud_rate = 0;
  options.aml_rate = 0;
  const World w = GenerateAndRead(options, root_ + "/zero");
  ASSERT_EQ(w.error, "");
  ASSERT_GT(w.tx.size(), 10'000u);
  EXPECT_EQ(w.summary.fraud_transactions, 0u);
  EXPECT_EQ(w.summary.aml_transactions, 0u);
  for (const Label& l : w.labels) EXPECT_FALSE(l.is_fraud) << l.pattern;
  for (const auto& incident : w.summary.incidents) {
    EXPECT_NE(incident.type, "data_breach");
    EXPECT_NE(incident.type, "fraud_wave");
  }
}

TEST_F(CrimeTest, EachFraudPatternTakesItsShareOfTheFraud) {
  std::map<std::string, double> count;
  double total = 0;
  for (const CaseLabel& l : heavy().labels) {
    if (IsAml(l.pattern)) continue;
    count[l.pattern] += 1;
    total += 1;
  }
  ASSERT_GT(total, 3000);
  for (size_t p = 0; p < std::size(kFraudPatterns); ++p) {
    EXPECT_NEAR(count[kFraudPatterns[p]] / total, kFraudShares[p], 0.03) << kFraudPatterns[p];
    std::cout << kFraudPatterns[p] << " " << count[kFraudPatterns[p]] / total << "\n";
  }
}

TEST_F(CrimeTest, LaunderingSchemesFollowTheAmlRate) {
  // aml_rate x customers schemes, one case each.
  EXPECT_EQ(AmlCases(heavy()), 30u);  // 0.01 x 3000
}

TEST_F(CrimeTest, EveryTypologyRunsAtLeastOnceAtTinyAmlRates) {
  // 0.001 x 3000 = 3 schemes, raised to one of each of the five typologies.
  EXPECT_EQ(AmlCases(*default_), 5u);
  std::set<std::string> seen;
  for (const auto& [id, pattern] : default_->case_pattern) {
    if (IsAml(pattern)) seen.insert(pattern);
  }
  EXPECT_EQ(seen.size(), std::size(kAmlPatterns));
}

TEST_F(CrimeTest, ManifestPatternCountsEqualTheLabels) {
  for (const CrimeWorld* c : {heavy_, default_}) {
    std::map<std::string, uint64_t> count;
    uint64_t fraud = 0, aml = 0;
    for (const CaseLabel& l : c->labels) {
      ++count[l.pattern];
      (IsAml(l.pattern) ? aml : fraud) += 1;
    }
    const auto& patterns = c->world.manifest["patterns"];
    for (const char* p : kFraudPatterns) {
      EXPECT_EQ(patterns.value(p, uint64_t{999'999}), count[p]) << p;
      EXPECT_GT(count[p], 0u) << p << " absent";
    }
    for (const char* p : kAmlPatterns) {
      EXPECT_EQ(patterns.value(p, uint64_t{999'999}), count[p]) << p;
      EXPECT_GT(count[p], 0u) << p << " absent";
    }
    EXPECT_EQ(c->world.manifest["totals"]["fraud_transactions"].get<uint64_t>(), fraud);
    EXPECT_EQ(c->world.manifest["totals"]["aml_transactions"].get<uint64_t>(), aml);
    EXPECT_EQ(c->world.summary.fraud_transactions, fraud);
    EXPECT_EQ(c->world.summary.aml_transactions, aml);
  }
}

// ---------------------------------------------------------------- labels

TEST_F(CrimeTest, LabelsComeAfterTheirTransactionsWithThePatternsSourceAndDelay) {
  struct Expect {
    int source;
    double lo_days, hi_days;
  };
  const std::map<std::string, Expect> expect = {
      {"card_testing", {kChargeback, 5, 40}},       {"account_takeover", {kCustomerReport, 1, 10}},
      {"stolen_card_spree", {kChargeback, 10, 60}}, {"merchant_collusion", {kChargeback, 15, 75}},
      {"merchant_bust_out", {kChargeback, 10, 60}}, {"friendly_fraud", {kChargeback, 20, 60}},
      {"aml_structuring", {kConfirmed, 30, 90}},    {"aml_fan_in", {kConfirmed, 30, 90}},
      {"aml_fan_out", {kConfirmed, 30, 90}},        {"aml_pass_through", {kConfirmed, 30, 90}},
      {"aml_round_trip", {kConfirmed, 30, 90}},
  };
  std::map<std::string, uint64_t> bad;
  for (const CaseLabel& l : heavy().labels) {
    ASSERT_TRUE(expect.count(l.pattern)) << l.pattern;
    const Expect& e = expect.at(l.pattern);
    const double delay = static_cast<double>(l.ts - heavy().tx_of(l).ts) / kDay;
    EXPECT_EQ(l.source, e.source) << l.pattern;
    // Account takeovers are reported 1-10 days after the case's last record, all at once; the
    // earlier records of the case wait up to a few hours more.
    const double slack = l.pattern == "account_takeover" ? 0.5 : 1e-6;
    if (delay < e.lo_days - 1e-6 || delay > e.hi_days + slack) ++bad[l.pattern];
  }
  for (const auto& [pattern, n] : bad) EXPECT_EQ(n, 0u) << pattern << " labels out of range";
}

TEST_F(CrimeTest, AnAccountTakeoverIsReportedAllAtOnceAfterItsLastRecord) {
  size_t cases = 0;
  for (const auto& txs : heavy().CasesOf("account_takeover")) {
    std::set<Timestamp> report;
    for (size_t t : txs) report.insert(heavy().labels[heavy().label_of[t]].ts);
    EXPECT_EQ(report.size(), 1u);
    EXPECT_GE(*report.begin() - hw().tx[txs.back()].ts, kDay);
    ++cases;
  }
  EXPECT_GT(cases, 100u);
}

// ---------------------------------------------------------------- card testing

TEST_F(CrimeTest, CardTestingIsABurstOfTinyAmountsOnManyCardsAtSeveralMerchants) {
  size_t cases = 0, spans_ok = 0, merchants_ok = 0, cards_ok = 0;
  size_t retested = 0, retested_elsewhere = 0;  // cards tested twice or more
  std::vector<double> cards_per_case;
  for (const auto& txs : heavy().CasesOf("card_testing")) {
    std::set<uint32_t> cards, merchants, devices;
    std::map<uint32_t, std::vector<uint32_t>> card_merchants;
    Timestamp first = 0, last = 0;
    bool any = false;
    for (size_t t : txs) {
      const Tx& x = hw().tx[t];
      if (x.amount_major > 10) continue;  // the cash-outs come later
      ASSERT_TRUE(x.channel == tx_channel::kOnline || x.channel == tx_channel::kMobile);
      ASSERT_GE(x.amount_major, 0.5);
      cards.insert(x.card);
      merchants.insert(x.merchant);
      devices.insert(x.device);
      card_merchants[x.card].push_back(x.merchant);
      if (!any) first = x.ts;
      last = x.ts;
      any = true;
    }
    if (!any) continue;
    ++cases;
    for (const auto& [card, at] : card_merchants) {
      if (at.size() < 2 || merchants.size() < 2) continue;
      ++retested;
      if (std::set<uint32_t>(at.begin(), at.end()).size() >= 2) ++retested_elsewhere;
    }
    EXPECT_EQ(devices.size(), 1u) << "one device per burst";
    cards_per_case.push_back(static_cast<double>(cards.size()));
    // At most 12 cards x 3 tests x 90 s apart (plus an outage's delay now and then).
    if (last - first <= 60 * kMinute) ++spans_ok;
    if (merchants.size() >= 2) ++merchants_ok;
    if (cards.size() >= 3) ++cards_ok;
  }
  ASSERT_GT(cases, 50u);
  EXPECT_GE(Ratio(spans_ok, cases), 0.95);
  EXPECT_GE(Ratio(merchants_ok, cases), 0.9);
  EXPECT_GE(Ratio(cards_ok, cases), 0.95);
  EXPECT_GE(Median(cards_per_case), 6.0);
  // A card's tests rotate over the burst's merchants.
  ASSERT_GT(retested, 100u);
  EXPECT_GE(Ratio(retested_elsewhere, retested), 0.99);
  std::cout << "card testing: " << cases << " bursts, median " << Median(cards_per_case)
            << " cards\n";
}

TEST_F(CrimeTest, CardTestingDevicesAreNeverACustomersOwn) {
  const auto own = GenuineDevices(heavy());
  size_t records = 0, foreign_device = 0;
  for (const auto& txs : heavy().CasesOf("card_testing")) {
    for (size_t t : txs) {
      const Tx& x = hw().tx[t];
      ++records;
      const auto it = own.find(x.customer);
      if (it == own.end() || !it->second.count(x.device)) ++foreign_device;
    }
  }
  ASSERT_GT(records, 500u);
  EXPECT_EQ(foreign_device, records);
}

TEST_F(CrimeTest, SomeTestedCardsAreCashedOutHoursLater) {
  size_t cash_outs = 0, on_tested_card = 0;
  std::vector<double> amounts, hours_after;
  for (const auto& txs : heavy().CasesOf("card_testing")) {
    std::unordered_map<uint32_t, Timestamp> tested;  // card -> last test
    for (size_t t : txs) {
      const Tx& x = hw().tx[t];
      if (x.amount_major <= 10) {
        tested[x.card] = x.ts;
        continue;
      }
      ++cash_outs;
      amounts.push_back(x.amount_major);
      const auto it = tested.find(x.card);
      if (it != tested.end()) {
        ++on_tested_card;
        hours_after.push_back(static_cast<double>(x.ts - it->second) / kHour);
      }
    }
  }
  ASSERT_GT(cash_outs, 50u);
  EXPECT_EQ(on_tested_card, cash_outs);
  EXPECT_GE(*std::min_element(amounts.begin(), amounts.end()), 300);
  EXPECT_NEAR(Median(amounts), 2500, 600);  // lognormal, median 2500 CNY
  // 20 min after the card's last test at least; a card drawn twice in one burst, or a test
  // pushed behind an outage, now and then shortens it.
  EXPECT_GE(Quantile(hours_after, 0.05), 20.0 / 60);
  EXPECT_GT(Median(hours_after), 3);  // 20 min + Exp(mean 10 h): median about 7 h
  std::cout << "cash-outs: " << cash_outs << ", median " << Median(amounts) << " CNY, "
            << Median(hours_after) << " h after the test\n";
}

// ---------------------------------------------------------------- account takeover

TEST_F(CrimeTest, AccountTakeoverUsesAnUnseenDeviceThenMovesFarMoreThanTheVictimUsually) {
  // The victim's own history before the case: devices used and purchase amounts.
  struct Before {
    std::unordered_set<uint32_t> devices;
    std::vector<double> amounts;
  };
  const auto& w = hw();
  size_t cases = 0, new_device = 0, big_ratio_ok = 0, probe_first = 0;
  std::vector<double> ratios;
  for (const auto& txs : heavy().CasesOf("account_takeover")) {
    const uint32_t victim = w.tx[txs.front()].customer;
    Before before;
    for (size_t t = 0; t < txs.front(); ++t) {
      const Tx& x = w.tx[t];
      if (x.customer != victim || heavy().label_of[t] >= 0) continue;
      if (x.device != kAbsent) before.devices.insert(x.device);
      if (x.type == tx_type::kPurchase || x.type == tx_type::kTransfer) {
        before.amounts.push_back(x.amount_major);
      }
    }
    if (before.amounts.size() < 10) continue;
    ++cases;
    if (!before.devices.count(w.tx[txs.front()].device)) ++new_device;
    const double usual = Median(before.amounts);
    double biggest = 0;
    for (size_t t : txs) biggest = std::max(biggest, w.tx[t].amount_major);
    ratios.push_back(biggest / usual);
    if (biggest >= 10 * usual) ++big_ratio_ok;
    // The probe is small: a transfer of at most 200 CNY or a purchase of at most 60. (An
    // outage may push it behind the next record.)
    if (w.tx[txs.front()].amount_major <= 200) ++probe_first;
  }
  EXPECT_GE(Ratio(probe_first, cases), 0.97);
  ASSERT_GT(cases, 100u);
  // 80 % come from a fraudster's device; 20 % through malware on the victim's own phone.
  EXPECT_NEAR(Ratio(new_device, cases), 0.8, 0.07);
  EXPECT_GE(Ratio(big_ratio_ok, cases), 0.85);
  EXPECT_GE(Median(ratios), 30);
  std::cout << "takeover: " << cases << " cases, new device " << Ratio(new_device, cases)
            << ", biggest >= 10x usual " << Ratio(big_ratio_ok, cases) << ", median ratio "
            << Median(ratios) << "\n";
}

// ---------------------------------------------------------------- stolen card spree

TEST_F(CrimeTest, StolenCardSpreeIsManyQuickPurchasesFarFromTheCardholdersHome) {
  const auto& w = hw();
  size_t cases = 0, far_cases = 0;
  std::vector<double> sizes, gaps_minutes, amounts;
  for (const auto& txs : heavy().CasesOf("stolen_card_spree")) {
    ++cases;
    sizes.push_back(static_cast<double>(txs.size()));
    std::set<uint32_t> cards;
    size_t far = 0;
    const auto home = heavy().home.at(w.tx[txs.front()].customer);
    for (size_t k = 0; k < txs.size(); ++k) {
      const Tx& x = w.tx[txs[k]];
      cards.insert(x.card);
      EXPECT_TRUE(x.channel == tx_channel::kPos || x.channel == tx_channel::kAtm);
      if (x.country != kCountryCn || DistanceKm(home.first, home.second, x.lat, x.lon) >= 250) {
        ++far;
      }
      if (x.home_currency) amounts.push_back(x.amount_major);
      if (k > 0 && DayNumber(x.ts) == DayNumber(w.tx[txs[k - 1]].ts)) {
        gaps_minutes.push_back(static_cast<double>(x.ts - w.tx[txs[k - 1]].ts) / kMinute);
      }
    }
    EXPECT_EQ(cards.size(), 1u) << "one stolen card per spree";
    EXPECT_LE(w.tx[txs.back()].ts - w.tx[txs.front()].ts, 3 * kDay);
    if (far == txs.size()) ++far_cases;
  }
  ASSERT_GT(cases, 100u);
  EXPECT_EQ(far_cases, cases) << "every record at least 300 km from home or abroad";
  EXPECT_GE(Median(sizes), 9);
  EXPECT_LE(Median(gaps_minutes), 20);  // 2 min + Exp(mean 14 min): median about 12
  EXPECT_GE(Median(amounts), 400);
  std::cout << "spree: " << cases << " cases, median " << Median(sizes) << " records, gap "
            << Median(gaps_minutes) << " min, amount " << Median(amounts) << " CNY\n";
}

// ---------------------------------------------------------------- merchants

TEST_F(CrimeTest, MerchantCollusionIsConcentratedAtFewMerchantsJustUnderReviewLimits) {
  const auto& w = hw();
  std::set<uint32_t> merchants, all_merchants;
  size_t records = 0, under_limit = 0, evening = 0;
  for (const Tx& x : w.tx) {
    if (x.merchant != kAbsent) all_merchants.insert(x.merchant);
  }
  for (const auto& txs : heavy().CasesOf("merchant_collusion")) {
    std::set<uint32_t> at;
    for (size_t t : txs) {
      const Tx& x = w.tx[t];
      at.insert(x.merchant);
      merchants.insert(x.merchant);
      ++records;
      EXPECT_EQ(x.channel, tx_channel::kPos);
      for (const double limit : {1000.0, 2000.0, 5000.0, 10'000.0, 20'000.0, 50'000.0}) {
        if (x.amount_major < limit && x.amount_major >= 0.88 * limit - 100) ++under_limit;
      }
      const int hour = LocalHour(x.ts);
      if (hour >= 19 || hour < 4) ++evening;
    }
    EXPECT_EQ(at.size(), 1u) << "one merchant per case";
  }
  ASSERT_GT(records, 300u);
  EXPECT_EQ(under_limit, records);
  EXPECT_GE(Ratio(evening, records), 0.95);
  // clamp(round(fraud x 10 % / 60), 2, 500) colluders: about 8 here, of some 300 merchants.
  EXPECT_LE(merchants.size(), 12u);
  std::cout << "collusion: " << records << " records at " << merchants.size() << " of "
            << all_merchants.size() << " merchants, evening " << Ratio(evening, records) << "\n";
  EXPECT_GE(merchants.size(), 2u);
}

TEST_F(CrimeTest, BustOutIsASalesSpikeRightBeforeTheMerchantStopsTrading) {
  const auto& w = hw();
  std::map<uint32_t, std::vector<size_t>> by_merchant;
  for (const auto& txs : heavy().CasesOf("merchant_bust_out")) {
    for (size_t t : txs) by_merchant[w.tx[t].merchant].push_back(t);
  }
  ASSERT_GE(by_merchant.size(), 1u);
  for (const auto& [merchant, txs] : by_merchant) {
    const int64_t spike_first = DayNumber(w.tx[txs.front()].ts);
    const int64_t spike_last = DayNumber(w.tx[txs.back()].ts);
    EXPECT_LE(spike_last - spike_first, 4) << "3-5 days of spike";
    std::map<int64_t, double> sales;  // CNY per day of every purchase at the merchant
    Timestamp last_seen = 0;
    for (const Tx& x : w.tx) {
      if (x.merchant != merchant) continue;
      last_seen = x.ts;
      if (x.type == tx_type::kPurchase && x.home_currency) sales[DayNumber(x.ts)] += x.amount_major;
    }
    double before = 0, spike = 0;
    int before_days = 0;
    for (int64_t d = spike_first - 28; d < spike_first; ++d) {
      const auto it = sales.find(d);
      if (d >= DayNumber(w.tx.front().ts)) {
        before += it == sales.end() ? 0 : it->second;
        ++before_days;
      }
    }
    for (int64_t d = spike_first; d <= spike_last; ++d) spike += sales[d];
    const double usual = before / std::max(1, before_days);
    const double spike_daily = spike / static_cast<double>(spike_last - spike_first + 1);
    EXPECT_GE(spike_daily, 3 * usual) << "merchant M" << merchant;
    EXPECT_LE(DayNumber(last_seen), spike_last) << "trades after the bust-out";
  }
}

// ---------------------------------------------------------------- friendly fraud

TEST_F(CrimeTest, FriendlyFraudIsAGenuinePurchaseOnTheCustomersOwnDeviceDisputedLater) {
  const auto own = GenuineDevices(heavy());
  size_t records = 0, own_device = 0;
  for (const auto& txs : heavy().CasesOf("friendly_fraud")) {
    EXPECT_EQ(txs.size(), 1u) << "one purchase per dispute";
    for (size_t t : txs) {
      const Tx& x = hw().tx[t];
      ++records;
      EXPECT_EQ(x.type, tx_type::kPurchase);
      EXPECT_TRUE(x.channel == tx_channel::kOnline || x.channel == tx_channel::kMobile);
      EXPECT_TRUE(x.home_currency);
      EXPECT_GE(x.amount_major, 200);
      const auto it = own.find(x.customer);
      if (it != own.end() && it->second.count(x.device)) ++own_device;
    }
  }
  ASSERT_GT(records, 300u);
  EXPECT_EQ(own_device, records);
}

// ---------------------------------------------------------------- laundering

TEST_F(CrimeTest, StructuringIsCashDepositsJustUnderTheReportingThresholdThenTransfersOut) {
  const auto& w = hw();
  size_t cases = 0;
  for (const auto& txs : heavy().CasesOf("aml_structuring")) {
    ++cases;
    size_t deposits = 0;
    double in = 0, out = 0;
    std::set<std::pair<float, float>> places;
    for (size_t t : txs) {
      const Tx& x = w.tx[t];
      if (x.type == tx_type::kDeposit) {
        ++deposits;
        in += x.amount_major;
        EXPECT_TRUE(x.channel == tx_channel::kCounter || x.channel == tx_channel::kAtm);
        EXPECT_GE(x.amount_major, 45'000);
        EXPECT_LT(x.amount_major, 50'000);
        places.insert({x.lat, x.lon});
      } else {
        EXPECT_EQ(x.type, tx_type::kTransfer);
        EXPECT_EQ(x.counterparty_letter, 'X');
        out += x.amount_major;
      }
    }
    EXPECT_GE(deposits, 5u);
    EXPECT_GE(places.size(), 3u) << "several branches";
    if (out > 0) {
      EXPECT_NEAR(out / in, 0.95, 0.06);
    }
  }
  EXPECT_GE(cases, 6u);
}

TEST_F(CrimeTest, FanInIsManySendersToOneAccountThenTheSumMovesOn) {
  const auto& w = hw();
  size_t cases = 0;
  for (const auto& txs : heavy().CasesOf("aml_fan_in")) {
    // The collecting account: the one every incoming transfer goes to.
    std::map<uint32_t, int> receivers;
    for (size_t t : txs) {
      const Tx& x = w.tx[t];
      if (x.type == tx_type::kDeposit) ++receivers[x.account];
      if (x.type == tx_type::kTransfer && x.counterparty_letter == 'A') ++receivers[x.counterparty];
    }
    ASSERT_FALSE(receivers.empty());
    const uint32_t hub = std::max_element(receivers.begin(), receivers.end(), [](auto& a, auto& b) {
                           return a.second < b.second;
                         })->first;
    std::set<std::pair<char, uint32_t>> senders;
    double in = 0, out = 0;
    for (size_t t : txs) {
      const Tx& x = w.tx[t];
      if (x.type == tx_type::kDeposit) {
        EXPECT_EQ(x.account, hub);
        senders.insert({'X', x.counterparty});
        in += x.amount_major;
      } else if (x.counterparty_letter == 'A' && x.counterparty == hub) {
        senders.insert({'A', x.account});
        in += x.amount_major;
      } else {
        EXPECT_EQ(x.account, hub) << "only the hub sends on";
        out += x.amount_major;
      }
    }
    if (txs.size() < 8) continue;  // cut by the end of the world
    ++cases;
    EXPECT_GE(senders.size(), 8u);
    if (out > 0) {
      EXPECT_NEAR(out / in, 0.975, 0.03);
    }
  }
  EXPECT_GE(cases, 5u);
}

TEST_F(CrimeTest, FanOutIsOneLargeSumSplitToManyAccounts) {
  const auto& w = hw();
  size_t cases = 0;
  for (const auto& txs : heavy().CasesOf("aml_fan_out")) {
    const Tx& in = w.tx[txs.front()];
    ASSERT_EQ(in.type, tx_type::kDeposit);
    EXPECT_GE(in.amount_major, 150'000);
    std::set<std::pair<char, uint32_t>> receivers;
    double out = 0;
    for (size_t k = 1; k < txs.size(); ++k) {
      const Tx& x = w.tx[txs[k]];
      EXPECT_EQ(x.type, tx_type::kTransfer);
      EXPECT_EQ(x.account, in.account);
      receivers.insert({x.counterparty_letter, x.counterparty});
      out += x.amount_major;
    }
    if (txs.size() < 9) continue;  // cut by the end of the world
    ++cases;
    EXPECT_GE(receivers.size(), 8u);
    EXPECT_NEAR(out / in.amount_major, 0.985, 0.02);
    EXPECT_LE(w.tx[txs.back()].ts - in.ts, 3 * kDay);
  }
  EXPECT_GE(cases, 5u);
}

TEST_F(CrimeTest, PassThroughMovesMostOfEachDepositOnWithinHours) {
  const auto& w = hw();
  size_t cycles = 0;
  for (const auto& txs : heavy().CasesOf("aml_pass_through")) {
    for (size_t k = 0; k + 1 < txs.size(); ++k) {
      const Tx& in = w.tx[txs[k]];
      if (in.type != tx_type::kDeposit) continue;
      const Tx& out = w.tx[txs[k + 1]];
      ASSERT_EQ(out.type, tx_type::kTransfer);
      EXPECT_LE(out.ts - in.ts, 6 * kHour);
      EXPECT_GE(out.ts - in.ts, 30 * kMinute);
      EXPECT_GE(out.amount_major / in.amount_major, 0.9 - 1e-3);
      EXPECT_LE(out.amount_major / in.amount_major, 0.99);
      ++cycles;
    }
  }
  EXPECT_GE(cycles, 18u);  // 6 schemes x 3-6 cycles
}

TEST_F(CrimeTest, RoundTripMoneyComesBackToItsOrigin) {
  const auto& w = hw();
  size_t closed = 0, cases = 0;
  for (const auto& txs : heavy().CasesOf("aml_round_trip")) {
    ++cases;
    const uint32_t origin = w.tx[txs.front()].account;
    double previous = 1e18;
    bool back = false;
    for (size_t t : txs) {
      const Tx& x = w.tx[t];
      EXPECT_EQ(x.type, tx_type::kTransfer);
      EXPECT_EQ(x.counterparty_letter, 'A') << "only accounts of ours";
      if (x.counterparty == origin) {
        back = true;
        previous = 1e18;  // a new cycle may start
        continue;
      }
      if (x.account != origin) {
        EXPECT_LT(x.amount_major, previous) << "each hop loses a little";
      }
      previous = x.amount_major;
    }
    if (back) ++closed;
  }
  ASSERT_GE(cases, 6u);
  EXPECT_GE(closed, cases - 1) << "the last cycle may be cut by the end of the world";
}

// ---------------------------------------------------------------- incidents

TEST_F(CrimeTest, DataBreachesAndFraudWavesAreInTheManifest) {
  std::vector<std::pair<Timestamp, Timestamp>> breaches, waves;
  for (const auto& incident : hw().summary.incidents) {
    if (incident.type == "data_breach") {
      EXPECT_EQ(incident.subject.rfind("MERCHANT:M", 0), 0u) << incident.subject;
      const double days = static_cast<double>(incident.end - incident.start) / kDay;
      EXPECT_GE(days, 2);
      EXPECT_LE(days, 5);
      breaches.emplace_back(incident.start, incident.end);
    } else if (incident.type == "fraud_wave") {
      EXPECT_EQ(incident.subject, "BANK:PANO");
      const double days = static_cast<double>(incident.end - incident.start) / kDay;
      EXPECT_GE(days, 3);
      EXPECT_LE(days, 6);
      waves.emplace_back(incident.start, incident.end);
    }
  }
  ASSERT_GE(breaches.size(), 2u);
  ASSERT_GE(waves.size(), 1u);
  // Each wave follows a breach's end by 2-11 days (the cards' quiet time).
  for (const auto& [start, end] : waves) {
    bool follows = false;
    for (const auto& [b_start, b_end] : breaches) {
      if (start >= b_end + 2 * kDay && start <= b_end + 11 * kDay) follows = true;
    }
    EXPECT_TRUE(follows);
  }
  EXPECT_EQ(hw().manifest["incidents"].size(), hw().summary.incidents.size());
}

TEST_F(CrimeTest, CardsCapturedInADataBreachAreAbusedAfterItsQuietDays) {
  const auto& w = hw();
  struct Capture {
    Timestamp start, end;  // of its breach
  };
  std::unordered_map<uint32_t, Capture> captured;  // card -> its (first) breach
  for (const auto& incident : w.summary.incidents) {
    if (incident.type != "data_breach") continue;
    const uint32_t merchant = IdNumber(incident.subject.substr(9), 'M');
    for (const Tx& x : w.tx) {
      if (x.merchant == merchant && x.channel == tx_channel::kPos && x.ts >= incident.start &&
          x.ts < incident.end) {
        captured.emplace(x.card, Capture{incident.start, incident.end});
      }
    }
  }
  // Per card: its first fraud (after its breach began, for a captured card).
  std::unordered_map<uint32_t, Timestamp> first_abuse;
  std::unordered_set<uint32_t> all_cards;
  for (size_t t = 0; t < w.tx.size(); ++t) {
    const Tx& x = w.tx[t];
    if (x.card == kAbsent) continue;
    all_cards.insert(x.card);
    const std::string* p = heavy().pattern_of(t);
    if (p == nullptr || *p == "friendly_fraud" || IsAml(*p)) continue;
    const auto c = captured.find(x.card);
    if (c == captured.end() || x.ts >= c->second.start) first_abuse.emplace(x.card, x.ts);
  }
  size_t abused = 0, after_quiet = 0, other_abused = 0;
  for (const auto& [card, capture] : captured) {
    const auto it = first_abuse.find(card);
    if (it == first_abuse.end()) continue;
    ++abused;
    if (it->second >= capture.end + 2 * kDay) ++after_quiet;
  }
  for (const auto& [card, ts] : first_abuse) other_abused += captured.count(card) ? 0 : 1;
  ASSERT_GT(captured.size(), 30u);
  const double captured_rate = Ratio(abused, captured.size());
  const double other_rate = Ratio(other_abused, all_cards.size() - captured.size());
  EXPECT_GT(captured_rate, 3 * other_rate)
      << "captured cards abused " << captured_rate << " vs other cards " << other_rate;
  // They go on sale 3-12 days after the last capture day; a few are drawn by chance before.
  EXPECT_GE(Ratio(after_quiet, abused), 0.9);
  std::cout << "breaches: " << captured.size() << " cards captured, abused " << captured_rate
            << " (others " << other_rate << "), after the quiet days " << Ratio(after_quiet, abused)
            << "\n";
}

TEST_F(CrimeTest, SpreesClusterInsideFraudWaves) {
  const auto& w = hw();
  std::vector<std::pair<Timestamp, Timestamp>> waves;
  for (const auto& incident : w.summary.incidents) {
    if (incident.type == "fraud_wave") waves.emplace_back(incident.start, incident.end);
  }
  ASSERT_FALSE(waves.empty());
  double inside = 0, outside = 0, inside_days = 0;
  for (const auto& [start, end] : waves) inside_days += static_cast<double>(end - start) / kDay;
  for (const auto& txs : heavy().CasesOf("stolen_card_spree")) {
    const Timestamp ts = w.tx[txs.front()].ts;
    bool in_wave = false;
    for (const auto& [start, end] : waves) in_wave |= ts >= start && ts < end;
    (in_wave ? inside : outside) += static_cast<double>(txs.size());
  }
  const double outside_days = w.options.days - inside_days;
  const double per_day_inside = inside / inside_days, per_day_outside = outside / outside_days;
  EXPECT_GT(per_day_inside, 1.5 * per_day_outside)
      << per_day_inside << " spree records a day in waves vs " << per_day_outside;
  std::cout << "waves: " << per_day_inside << " spree records a day inside, " << per_day_outside
            << " outside\n";
}

}  // namespace
}  // namespace panorama::gentest
