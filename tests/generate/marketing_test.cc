// The marketing part of `panorama generate` (docs/generator.md (Marketing)): campaigns
// offer the five products on their channels in local business hours to customers who joined
// and do not hold the product; responses depend on profile, behaviour and channel, are dated
// after the offer with the channel's delay, and are censored at the end of the world; an
// acceptance gives a customer snapshot holding the product at responded_at, and an accepted
// consumer loan is issued by credit the next day. Acceptance is learnable from the profile
// and the offer, but not deterministic.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "generate/world_data.h"

namespace panorama::gentest {
namespace {

using generate::WorldOptions;

// Schema orders: kProducts and kOfferChannels, kResponses.
enum Product { kWealth, kCardUpgrade, kConsumerLoan, kInsurance, kFund, kMerchantLoan };
constexpr std::string_view kProductNames[] = {"WEALTH",    "CARD_UPGRADE", "CONSUMER_LOAN",
                                              "INSURANCE", "FUND",         "MERCHANT_LOAN"};
constexpr int kMarketed = 5;  // WEALTH .. FUND
enum Channel { kSms, kEmail, kApp, kCall, kBranch, kChannels };
enum Response { kAccepted = 0, kDeclined = 1, kNoResponse = 2 };
constexpr int kConsumerLoanBit = 1 << kConsumerLoan;

constexpr Timestamp kStart = 1'790'812'800LL * kMicrosPerSecond;  // 2026-10-01, the default
constexpr int kDays = 150;

WorldOptions MarketingWorld() {
  WorldOptions options;
  options.customers = 5'000;
  options.merchants = 300;
  options.days = kDays;
  options.seed = 21;
  return options;
}

// The ProductBit mask of a `products` field ("WEALTH;FUND").
int ParseProducts(std::string_view field) {
  int mask = 0;
  while (!field.empty()) {
    const size_t semi = field.find(';');
    const std::string_view name = field.substr(0, semi);
    for (int p = 0; p < 6; ++p) {
      if (name == kProductNames[p]) mask |= 1 << p;
    }
    field = semi == std::string_view::npos ? std::string_view() : field.substr(semi + 1);
  }
  return mask;
}

// The proleptic Gregorian year of a UTC timestamp.
int YearOf(Timestamp ts) {
  const int64_t z = DayNumber(ts) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  return static_cast<int>(yoe + era * 400 + (mp >= 10 ? 1 : 0));
}

struct Snapshot {
  Timestamp ts = 0;
  int mask = 0;
};

// Whether every response of the offer is known: made more than 14 days before the end (the
// longest delay is 10 days). Later offers keep ACCEPTED and DECLINED answers but lose their
// NO_RESPONSE ones, so shares over them would be biased.
bool Settled(const OfferRow& o) { return o.ts + 14 * kDay < kStart + kDays * kDay; }

// Acceptance rate among settled offers, with their count.
struct Rate {
  uint64_t accepted = 0, answered = 0;
  void Add(const OfferRow& o) {
    if (!Settled(o)) return;
    ++answered;
    if (o.response == kAccepted) ++accepted;
  }
  double value() const {
    return answered == 0 ? NAN : static_cast<double>(accepted) / static_cast<double>(answered);
  }
};

class MarketingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = MakeTempDir("gen-marketing");
    world_ = new World(GenerateAndRead(MarketingWorld(), root_ + "/world"));
    for (const CustomerRow& c : world_->customers) {
      if (!first_.count(c.id)) first_.emplace(c.id, &c);
      snapshots_[c.id].push_back({c.ts, ParseProducts(c.products)});
    }
    // Daily outgoing and incoming CNY amounts per customer (foreign currencies left out).
    for (const Tx& t : world_->tx) {
      if (!t.home_currency || t.customer == kAbsent) continue;
      const int64_t day = (t.ts - kStart) / kDay;
      if (day < 0 || day >= kDays) continue;
      const bool in = t.type == tx_type::kDeposit || t.type == tx_type::kRefund;
      std::vector<double>& flows = (in ? incoming_ : outgoing_)[t.customer];
      flows.resize(kDays, 0.0);
      flows[static_cast<size_t>(day)] += t.amount_major;
    }
  }
  // Mean daily amount of `flows` over the 30 days before the day of `ts`.
  static double Mean30(const std::unordered_map<uint32_t, std::vector<double>>& flows,
                       uint32_t customer, Timestamp ts) {
    const auto it = flows.find(customer);
    if (it == flows.end()) return 0;
    const int64_t day = (ts - kStart) / kDay;
    double sum = 0;
    for (int64_t d = std::max<int64_t>(0, day - 30); d < day; ++d) {
      sum += it->second[static_cast<size_t>(d)];
    }
    return sum / 30;
  }
  static void TearDownTestSuite() {
    delete world_;
    RemoveDir(root_);
  }
  void SetUp() override {
    ASSERT_EQ(world_->error, "");
    ASSERT_GT(world_->offers.size(), 3'000u);
  }

  static const World& w() { return *world_; }
  static Timestamp End() { return kStart + kDays * kDay; }
  static const CustomerRow& Profile(uint32_t customer) { return *first_.at(customer); }
  static int Age(const OfferRow& o) { return YearOf(o.ts) - Profile(o.customer).birth_year; }
  // The products held by the customer's latest snapshot at or before `ts` (-1: none yet).
  static int MaskAt(uint32_t customer, Timestamp ts) {
    const std::vector<Snapshot>& list = snapshots_.at(customer);
    int mask = -1;
    for (const Snapshot& s : list) {
      if (s.ts > ts) break;
      mask = s.mask;
    }
    return mask;
  }

  static std::string root_;
  static World* world_;
  static std::unordered_map<uint32_t, const CustomerRow*> first_;
  static std::unordered_map<uint32_t, std::vector<Snapshot>> snapshots_;
  static std::unordered_map<uint32_t, std::vector<double>> outgoing_, incoming_;
};
std::string MarketingTest::root_;
World* MarketingTest::world_ = nullptr;
std::unordered_map<uint32_t, const CustomerRow*> MarketingTest::first_;
std::unordered_map<uint32_t, std::vector<Snapshot>> MarketingTest::snapshots_;
std::unordered_map<uint32_t, std::vector<double>> MarketingTest::outgoing_;
std::unordered_map<uint32_t, std::vector<double>> MarketingTest::incoming_;

TEST_F(MarketingTest, EveryMarketedProductAndEveryChannelIsUsed) {
  std::array<uint64_t, 6> by_product{};
  std::array<uint64_t, kChannels> by_channel{};
  for (const OfferRow& o : w().offers) {
    ASSERT_GE(o.product, 0);
    ASSERT_GE(o.channel, 0);
    ++by_product[static_cast<size_t>(o.product)];
    ++by_channel[static_cast<size_t>(o.channel)];
  }
  for (int p = 0; p < kMarketed; ++p) {
    EXPECT_GE(by_product[static_cast<size_t>(p)], 200u) << kProductNames[p];
  }
  EXPECT_EQ(by_product[kMerchantLoan], 0u) << "merchant loans are never offered to customers";
  for (int ch = 0; ch < kChannels; ++ch) EXPECT_GE(by_channel[static_cast<size_t>(ch)], 100u);
}

TEST_F(MarketingTest, EachCampaignOffersOneProductOnOneChannel) {
  std::map<std::string, std::pair<int, int>> campaigns;
  for (const OfferRow& o : w().offers) {
    ASSERT_FALSE(o.campaign.empty());
    const auto [it, fresh] = campaigns.emplace(o.campaign, std::make_pair(o.product, o.channel));
    if (!fresh) {
      EXPECT_EQ(it->second, std::make_pair(o.product, o.channel)) << o.campaign;
    }
  }
  // One campaign every 2 days from day 14..17 to day 150: about 67.
  EXPECT_GE(campaigns.size(), 55u);
  EXPECT_LE(campaigns.size(), 80u);
}

TEST_F(MarketingTest, CampaignsStartInTheThirdWeekAndRunAtMostFourDays) {
  std::map<std::string, std::pair<Timestamp, Timestamp>> span;
  Timestamp first = End();
  for (const OfferRow& o : w().offers) {
    first = std::min(first, o.ts);
    auto [it, fresh] = span.emplace(o.campaign, std::make_pair(o.ts, o.ts));
    it->second.first = std::min(it->second.first, o.ts);
    it->second.second = std::max(it->second.second, o.ts);
  }
  EXPECT_GE(first, kStart + 14 * kDay);
  EXPECT_LT(first, kStart + 18 * kDay);
  for (const auto& [campaign, s] : span) {
    EXPECT_LE(DayNumber(s.second) - DayNumber(s.first), 3) << campaign;
  }
}

TEST_F(MarketingTest, NoConsumerLoanIsOfferedBeforeDayThirty) {
  uint64_t loans = 0;
  for (const OfferRow& o : w().offers) {
    if (o.product != kConsumerLoan) continue;
    ++loans;
    EXPECT_GE(o.ts, kStart + 30 * kDay);
  }
  EXPECT_GT(loans, 0u);
}

TEST_F(MarketingTest, OffersGoOutInLocalBusinessHours) {
  // Local (UTC+8) send windows per channel: [from, to) hours.
  constexpr int kFrom[kChannels] = {9, 9, 10, 9, 9};
  constexpr int kTo[kChannels] = {21, 21, 21, 18, 17};
  for (const OfferRow& o : w().offers) {
    const int hour = LocalHour(o.ts);
    EXPECT_GE(hour, kFrom[o.channel]) << "O" << o.id;
    EXPECT_LT(hour, kTo[o.channel]) << "O" << o.id;
  }
}

TEST_F(MarketingTest, OffersAreOnlyMadeToCustomersWhoHaveJoined) {
  uint64_t newcomers = 0;
  for (const OfferRow& o : w().offers) {
    ASSERT_TRUE(first_.count(o.customer)) << "offer to unknown customer C" << o.customer;
    const CustomerRow& c = Profile(o.customer);
    EXPECT_LE(c.ts, o.ts) << "offer before the customer's first snapshot, O" << o.id;
    // Offered from the day after joining at the earliest.
    EXPECT_GE(DayNumber(o.ts), DayNumber(c.joined_at) + 1) << "O" << o.id;
    if (c.joined_at > kStart) ++newcomers;
  }
  EXPECT_GT(newcomers, 20u) << "customers who joined inside the world get offers too";
}

TEST_F(MarketingTest, AFewPercentOfSettledOffersAreAccepted) {
  Rate all;
  for (const OfferRow& o : w().offers) all.Add(o);
  // The doc: a few percent; this world measures 5.6 %.
  EXPECT_GT(all.value(), 0.035);
  EXPECT_LT(all.value(), 0.10);
}

TEST_F(MarketingTest, CallsAndBranchesConvertBetterThanMessages) {
  Rate personal, message, app;
  for (const OfferRow& o : w().offers) {
    if (o.channel == kCall || o.channel == kBranch) personal.Add(o);
    if (o.channel == kSms || o.channel == kEmail) message.Add(o);
    if (o.channel == kApp) app.Add(o);
  }
  // Channel effects: CALL +0.5, BRANCH +0.8 against SMS -0.6, EMAIL -0.9 (odds ratio ~3.5;
  // campaigns' product mixes differ, so a factor of 2 is asked).
  EXPECT_GT(personal.value(), 2.0 * message.value())
      << personal.value() << " vs " << message.value();
  EXPECT_GT(app.value(), message.value());
  EXPECT_GT(personal.value(), app.value());
}

TEST_F(MarketingTest, DeclineShareOfUnacceptedOffersFollowsTheChannel) {
  constexpr double kDeclineShare[kChannels] = {0.06, 0.04, 0.25, 0.7, 0.85};
  std::array<uint64_t, kChannels> declined{}, unaccepted{};
  for (const OfferRow& o : w().offers) {
    if (Settled(o) && (o.response == kDeclined || o.response == kNoResponse)) {
      ++unaccepted[static_cast<size_t>(o.channel)];
      if (o.response == kDeclined) ++declined[static_cast<size_t>(o.channel)];
    }
  }
  for (int ch = 0; ch < kChannels; ++ch) {
    const auto n = static_cast<double>(unaccepted[static_cast<size_t>(ch)]);
    ASSERT_GE(n, 100) << "channel " << ch;
    const double share = static_cast<double>(declined[static_cast<size_t>(ch)]) / n;
    const double p = kDeclineShare[ch];
    // Four standard errors of a binomial share.
    EXPECT_NEAR(share, p, 4 * std::sqrt(p * (1 - p) / n) + 0.005) << "channel " << ch;
  }
}

TEST_F(MarketingTest, WealthIsAcceptedMoreByHighIncomes) {
  Rate high, low;
  for (const OfferRow& o : w().offers) {
    if (o.product != kWealth) continue;
    const int band = Profile(o.customer).income_band;
    if (band >= 3) high.Add(o);
    if (band <= 1) low.Add(o);
  }
  ASSERT_GE(low.answered, 100u);
  ASSERT_GE(high.answered, 100u);
  // 0.6 per band in the logit plus the students' -1.0: several times more.
  EXPECT_GT(high.value(), 3.0 * low.value()) << high.value() << " vs " << low.value();
}

TEST_F(MarketingTest, ConsumerLoansAreAcceptedMoreByTheYoung) {
  Rate young, older;
  for (const OfferRow& o : w().offers) {
    if (o.product != kConsumerLoan) continue;
    const int age = Age(o);
    if (age < 35) young.Add(o);
    if (age >= 45) older.Add(o);
  }
  ASSERT_GE(young.answered, 100u);
  ASSERT_GE(older.answered, 50u);
  // 0.03 per year below 40 in the logit, the seniors' -1.2 and -0.25 per income band: about
  // 4 times more (6.2 % vs 1.4 % measured); 1.5 leaves room for the few older acceptances.
  EXPECT_GT(young.value(), 1.5 * older.value()) << young.value() << " vs " << older.value();
}

TEST_F(MarketingTest, ResponsesAreDatedAfterOffersWithTheChannelsDelay) {
  constexpr Timestamp kMaxDelay[kChannels] = {7 * kDay, 10 * kDay, 3 * kDay, 15 * kMinute,
                                              60 * kMinute};
  std::array<std::vector<double>, kChannels> hours;
  for (const OfferRow& o : w().offers) {
    if (o.response == kAccepted || o.response == kDeclined) {
      ASSERT_NE(o.responded_at, 0) << "O" << o.id;
      EXPECT_GT(o.responded_at, o.ts) << "O" << o.id;
      EXPECT_LE(o.responded_at - o.ts, kMaxDelay[o.channel]) << "O" << o.id;
      hours[static_cast<size_t>(o.channel)].push_back(static_cast<double>(o.responded_at - o.ts) /
                                                      static_cast<double>(kHour));
    } else {
      EXPECT_EQ(o.responded_at, 0) << "O" << o.id << " has no answer but a response time";
    }
  }
  // Medians: SMS 3 h, EMAIL 8 h, APP 30 min (lognormal), CALL 8 min, BRANCH 32 min (uniform).
  EXPECT_NEAR(Median(hours[kSms]), 3.0, 1.5);
  EXPECT_NEAR(Median(hours[kEmail]), 8.0, 4.0);
  EXPECT_NEAR(Median(hours[kApp]), 0.5, 0.3);
  EXPECT_NEAR(Median(hours[kCall]), 8.0 / 60, 3.0 / 60);
  EXPECT_NEAR(Median(hours[kBranch]), 32.5 / 60, 10.0 / 60);
}

TEST_F(MarketingTest, MissingResponsesAreOnlyInTheLastFourteenDays) {
  uint64_t missing = 0;
  for (const OfferRow& o : w().offers) {
    if (o.response >= 0) continue;
    ++missing;
    EXPECT_GE(o.ts + 14 * kDay, End()) << "O" << o.id << " left without a response";
  }
  EXPECT_GT(missing, 0u) << "offers of the last two weeks are censored";
}

TEST_F(MarketingTest, HeldProductsAreNotOfferedAgain) {
  // The four products that are kept once held: never offered while the latest snapshot holds
  // them, nor after an accepted offer of them (pending or in effect).
  std::set<std::pair<uint32_t, int>> accepted;
  uint64_t checked = 0;
  for (const OfferRow& o : w().offers) {
    if (o.product == kConsumerLoan) continue;
    const int mask = MaskAt(o.customer, o.ts);
    EXPECT_EQ(mask & (1 << o.product), 0) << "O" << o.id << " offers a held product";
    EXPECT_FALSE(accepted.count({o.customer, o.product}))
        << "O" << o.id << " offers a product the customer accepted before";
    if (o.response == kAccepted) accepted.emplace(o.customer, o.product);
    ++checked;
  }
  EXPECT_GT(accepted.size(), 100u);
  EXPECT_GT(checked, 1'000u);
}

TEST_F(MarketingTest, ConsumerLoansAreNotOfferedWhileAnAcceptedOneRuns) {
  // An accepted loan is issued the next day and runs at least 23 days (30-day term, repaid up
  // to a quarter of the term early): no new loan offer within 20 days of the response.
  std::map<uint32_t, Timestamp> accepted;
  for (const OfferRow& o : w().offers) {
    if (o.product != kConsumerLoan) continue;
    const auto it = accepted.find(o.customer);
    if (it != accepted.end()) {
      EXPECT_GT(o.ts, it->second + 20 * kDay) << "O" << o.id;
    }
    if (o.response == kAccepted) accepted[o.customer] = o.responded_at;
  }
  EXPECT_GT(accepted.size(), 30u);
}

TEST_F(MarketingTest, AnAcceptanceGivesASnapshotHoldingTheProductAtTheResponseTime) {
  uint64_t accepted = 0;
  for (const OfferRow& o : w().offers) {
    // An accepted consumer loan is held from the loan's issue (next test but one).
    if (o.response != kAccepted || o.product == kConsumerLoan) continue;
    ++accepted;
    const std::vector<Snapshot>& list = snapshots_.at(o.customer);
    const auto it = std::find_if(list.begin(), list.end(),
                                 [&](const Snapshot& s) { return s.ts == o.responded_at; });
    ASSERT_NE(it, list.end()) << "no snapshot at the response time of O" << o.id;
    for (auto next = it; next != list.end(); ++next) {
      EXPECT_NE(next->mask & (1 << o.product), 0) << "O" << o.id;
    }
  }
  EXPECT_GT(accepted, 150u);
}

TEST_F(MarketingTest, EveryLaterSnapshotIsAnAcceptanceOrAConsumerLoanChange) {
  // Times of accepted offers (consumer loans excepted) per customer, with the product.
  std::multimap<std::pair<uint32_t, Timestamp>, int> acceptances;
  for (const OfferRow& o : w().offers) {
    if (o.response == kAccepted && o.product != kConsumerLoan)
      acceptances.emplace(std::make_pair(o.customer, o.responded_at), 1 << o.product);
  }
  uint64_t later = 0, credit = 0;
  for (const auto& [customer, list] : snapshots_) {
    for (size_t i = 1; i < list.size(); ++i) {
      ++later;
      const int before = list[i - 1].mask;
      const int after = list[i].mask;
      const auto range = acceptances.equal_range({customer, list[i].ts});
      if (range.first == range.second) {
        // Credit's snapshot: CONSUMER_LOAN and nothing else changed.
        ++credit;
        EXPECT_EQ(before ^ after, kConsumerLoanBit)
            << "C" << customer << " has a snapshot that follows no acceptance and no loan";
        continue;
      }
      int added = 0;
      for (auto it = range.first; it != range.second; ++it) added |= it->second;
      EXPECT_EQ(after & before, before) << "C" << customer << " lost a product";
      EXPECT_EQ(after & ~before & ~added, 0) << "C" << customer << " gained an unaccepted product";
    }
  }
  EXPECT_EQ(later - credit, acceptances.size()) << "one snapshot per acceptance";
  EXPECT_GT(credit, 30u);
}

TEST_F(MarketingTest, ConsumerLoanInTheProductsFieldMeansALoanIsRunning) {
  // Running consumer loans per customer: [issued_at, final ts), the final record's ts being
  // when the last status was reached (end of the world when the loan has not settled).
  std::map<uint32_t, std::vector<std::pair<Timestamp, Timestamp>>> running;
  std::map<uint32_t, std::pair<uint32_t, Timestamp>> issued;  // loan -> customer, issued_at
  std::map<uint32_t, Timestamp> settled;
  for (const LoanRow& l : w().loans) {
    if (l.borrower_type != 1) continue;
    if (l.status == 0) {
      issued[l.id] = {l.borrower, l.issued_at};
    } else {
      settled[l.id] = l.ts;
    }
  }
  for (const auto& [loan, who] : issued) {
    const auto it = settled.find(loan);
    running[who.first].emplace_back(
        who.second, it == settled.end() ? std::numeric_limits<Timestamp>::max() : it->second);
  }
  ASSERT_GT(running.size(), 30u);
  uint64_t checked = 0, holding = 0;
  for (const auto& [customer, list] : snapshots_) {
    const auto loans = running.find(customer);
    for (const Snapshot& s : list) {
      bool runs = false;
      if (loans != running.end()) {
        for (const auto& [from, to] : loans->second) runs |= from <= s.ts && s.ts < to;
      }
      ++checked;
      holding += runs;
      EXPECT_EQ((s.mask & kConsumerLoanBit) != 0, runs)
          << "C" << customer << " snapshot at " << s.ts;
    }
  }
  EXPECT_GT(holding, 30u) << "of " << checked << " snapshots";
}

TEST_F(MarketingTest, AcceptedConsumerLoansAreIssuedByCreditTheNextDay) {
  std::multimap<uint32_t, Timestamp> issued;
  for (const LoanRow& l : w().loans) {
    if (l.borrower_type == 1 && l.status == 0) issued.emplace(l.borrower, l.issued_at);
  }
  uint64_t accepted = 0, found = 0;
  for (const OfferRow& o : w().offers) {
    if (o.product != kConsumerLoan || o.response != kAccepted) continue;
    // Credit issues on the day after the response; the last day's requests are never issued.
    const int64_t day = DayNumber(o.responded_at);
    if (day + 1 >= DayNumber(End())) continue;
    ++accepted;
    const auto range = issued.equal_range(o.customer);
    for (auto it = range.first; it != range.second; ++it) {
      if (DayNumber(it->second) == day + 1) {
        ++found;
        break;
      }
    }
  }
  ASSERT_GE(accepted, 30u);
  // Only a customer with 3 loans running is refused.
  EXPECT_GE(static_cast<double>(found), 0.95 * static_cast<double>(accepted))
      << found << " of " << accepted;
}

TEST_F(MarketingTest, AcceptanceIsLearnableFromProfileAndOfferButNotDetermined) {
  // Features the bank knows at the offer: income band, age, segment, products held, product,
  // channel, the number of offers of the last 30 days, and the customer's mean daily outgoing
  // and incoming amounts of the 30 days before. Train on the first two thirds of the answered
  // offers in time, test on the last third.
  constexpr std::string_view kSegments[] = {"STUDENT", "YOUNG_PROFESSIONAL", "FAMILY", "AFFLUENT",
                                            "SENIOR"};
  constexpr int kFeatures = 11;
  std::vector<const OfferRow*> answered;
  for (const OfferRow& o : w().offers) {
    if (Settled(o)) answered.push_back(&o);
  }
  std::unordered_map<uint32_t, std::vector<Timestamp>> history;
  std::vector<float> rows;
  std::vector<int> labels;
  for (const OfferRow* o : answered) {
    const CustomerRow& c = Profile(o->customer);
    const int mask = std::max(0, MaskAt(o->customer, o->ts));
    std::vector<Timestamp>& past = history[o->customer];
    const auto recent =
        std::count_if(past.begin(), past.end(), [&](Timestamp t) { return t > o->ts - 30 * kDay; });
    past.push_back(o->ts);
    float segment = -1;
    for (int s = 0; s < 5; ++s) {
      if (c.segment == kSegments[s]) segment = static_cast<float>(s);
    }
    const double spend = Mean30(outgoing_, o->customer, o->ts);
    const double income = Mean30(incoming_, o->customer, o->ts);
    const float features[kFeatures] = {static_cast<float>(c.income_band),
                                       static_cast<float>(Age(*o)),
                                       segment,
                                       static_cast<float>(__builtin_popcount(mask)),
                                       static_cast<float>(o->product),
                                       static_cast<float>(o->channel),
                                       static_cast<float>(recent),
                                       static_cast<float>((mask >> kWealth) & 1),
                                       static_cast<float>(spend),
                                       static_cast<float>(income),
                                       static_cast<float>(income > 0 ? spend / income : 1.5)};
    rows.insert(rows.end(), features, features + kFeatures);
    labels.push_back(o->response == kAccepted ? 1 : 0);
  }
  const size_t split = labels.size() * 2 / 3;
  const std::vector<float> train(rows.begin(), rows.begin() + split * kFeatures);
  const std::vector<float> test(rows.begin() + split * kFeatures, rows.end());
  const std::vector<float> train_labels(labels.begin(), labels.begin() + split);
  const std::vector<int> test_labels(labels.begin() + split, labels.end());
  BoostParams params;
  params.rounds = 100;
  params.max_depth = 3;
  params.eta = 0.05;
  params.min_child_weight = 5;
  params.subsample = 0.8;
  std::string error;
  const std::vector<float> scores =
      TrainAndPredict(train, train_labels, test, kFeatures, params, &error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(scores.size(), test_labels.size());
  const double auc = RocAuc(scores, test_labels);
  // Measured 0.70 on this world (the standard error is about 0.02 with some 170 acceptances
  // among the test offers): clearly learnable, far from a give-away.
  EXPECT_GT(auc, 0.62);
  EXPECT_LT(auc, 0.92);
}

}  // namespace
}  // namespace panorama::gentest
