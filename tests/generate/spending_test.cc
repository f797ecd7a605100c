// The population and spending behaviour of `panorama generate` (docs/generator-parts/
// population.md and spending.md): amounts per category, weekly and daily rhythms, paydays,
// festivals and seasons, channel mix, trips abroad, refunds, outages and the merchants' life
// courses, each checked on one generated world read back from its files.
//
// The world has no fraud and no laundering (fraud_rate = aml_rate = 0), so every transaction
// is genuine behaviour. It runs 90 days from 2026-10-01: it holds 11.11, 12.12, the run-up to
// 11.11 (1-10 November) and the start of the year-end season (from 18 December).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/money.h"
#include "core/schema.h"
#include "generate/world_data.h"

namespace panorama::gentest {
namespace {

using generate::WorldOptions;

constexpr int kDays = 90;

WorldOptions SpendingWorld() {
  WorldOptions options;
  options.customers = 4'000;
  options.merchants = 400;
  options.days = kDays;
  options.seed = 5;
  options.fraud_rate = 0;
  options.aml_rate = 0;
  return options;
}

// The purchase categories of the reference table (population.md), by MCC.
struct CategoryFacts {
  int mcc;
  const char* name;
  double median, sigma, share, weekend, online, festival, refund;
};
constexpr CategoryFacts kCategories[] = {
    {5411, "grocery", 58, 0.80, 0.190, 1.35, 0.15, 1.3, 0.004},
    {5812, "restaurants", 92, 0.70, 0.120, 1.45, 0.08, 1.0, 0.003},
    {5814, "fast_food", 28, 0.55, 0.140, 1.10, 0.45, 1.0, 0.006},
    {5499, "convenience", 16, 0.75, 0.065, 1.05, 0.05, 1.0, 0.002},
    {5541, "fuel", 260, 0.35, 0.040, 1.15, 0.00, 1.0, 0.001},
    {5912, "pharmacy", 68, 0.85, 0.030, 0.90, 0.20, 1.2, 0.008},
    {5651, "clothing", 239, 0.80, 0.050, 1.70, 0.60, 3.5, 0.090},
    {5732, "electronics", 1500, 1.00, 0.015, 1.50, 0.60, 4.5, 0.050},
    {5311, "department_store", 320, 0.90, 0.025, 1.90, 0.08, 1.8, 0.030},
    {5399, "online_marketplace", 109, 1.00, 0.100, 1.10, 0.97, 6.0, 0.070},
    {5816, "digital_goods", 30, 1.10, 0.040, 1.30, 1.00, 1.5, 0.010},
    {4511, "airlines", 1280, 0.55, 0.008, 0.85, 0.90, 1.0, 0.060},
    {7011, "hotels", 480, 0.60, 0.010, 1.40, 0.70, 1.0, 0.040},
    {4121, "taxi", 29, 0.65, 0.080, 0.90, 0.85, 1.0, 0.004},
    {7832, "cinema", 78, 0.50, 0.020, 2.20, 0.80, 1.0, 0.010},
    {5944, "jewelry", 2600, 1.00, 0.003, 1.80, 0.15, 2.0, 0.030},
    {8299, "education", 1680, 0.95, 0.006, 1.30, 0.45, 1.0, 0.040},
    {8062, "healthcare", 360, 1.00, 0.012, 0.60, 0.05, 1.0, 0.010},
    {5712, "home_furnishing", 1180, 1.00, 0.008, 1.80, 0.40, 3.0, 0.050},
    {5977, "cosmetics", 268, 0.75, 0.020, 1.35, 0.55, 5.0, 0.040},
    {5941, "sporting_goods", 299, 0.80, 0.010, 1.60, 0.50, 2.5, 0.050},
    {5942, "books", 62, 0.60, 0.008, 1.40, 0.60, 2.0, 0.020},
};
// Cities abroad and their currencies (population.md).
const std::map<std::string, std::string>& ForeignCurrencies() {
  static const std::map<std::string, std::string> kMap = {
      {"Hong Kong", "HKD"}, {"Singapore", "SGD"}, {"Tokyo", "JPY"},       {"Osaka", "JPY"},
      {"Seoul", "KRW"},     {"Bangkok", "THB"},   {"London", "GBP"},      {"Paris", "EUR"},
      {"Milan", "EUR"},     {"New York", "USD"},  {"Los Angeles", "USD"}, {"Sydney", "AUD"},
  };
  return kMap;
}

uint16_t PackedCurrency(const char* code) { return Currency::FromCode(code)->Packed(); }

// Spearman's rank correlation (no ties expected in the inputs used here).
double Spearman(const std::vector<double>& a, const std::vector<double>& b) {
  auto ranks = [](const std::vector<double>& v) {
    std::vector<size_t> order(v.size());
    for (size_t i = 0; i < v.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return v[x] < v[y]; });
    std::vector<double> r(v.size());
    for (size_t i = 0; i < order.size();) {
      size_t j = i;
      while (j < order.size() && v[order[j]] == v[order[i]]) ++j;
      for (size_t k = i; k < j; ++k) r[order[k]] = (static_cast<double>(i + j) - 1) / 2;
      i = j;
    }
    return r;
  };
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double n = static_cast<double>(a.size());
  double mean = (n - 1) / 2, sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (ra[i] - mean) * (rb[i] - mean);
    saa += (ra[i] - mean) * (ra[i] - mean);
    sbb += (rb[i] - mean) * (rb[i] - mean);
  }
  return sab / std::sqrt(saa * sbb);
}

class SpendingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = MakeTempDir("gen-spending");
    world_ = new World(GenerateAndRead(SpendingWorld(), dir_ + "/world"));
    const World& w = *world_;
    start_day_ = DayNumber(w.summary.end) - kDays;
    cny_ = PackedCurrency("CNY");
  }
  static void TearDownTestSuite() {
    delete world_;
    RemoveDir(dir_);
  }
  void SetUp() override {
    ASSERT_EQ(world_->error, "");
    ASSERT_GT(world_->tx.size(), 400'000u);
  }

  static const World& w() { return *world_; }
  // World day index (0 .. kDays-1) of a time (UTC days, as the world runs them).
  static int DayOf(Timestamp ts) { return static_cast<int>(DayNumber(ts) - start_day_); }
  // A purchase at home: CNY, in the home country.
  static bool HomePurchase(const Tx& t) {
    return t.type == tx_type::kPurchase && t.country == kCountryCn && t.currency == cny_;
  }
  // Days whose purchase rates carry a festival or season factor: 1-11 November, 12 December
  // and from 18 December on.
  static bool SpecialDay(int d) {
    const Timestamp ts = (start_day_ + d) * kDay;
    const int dom = LocalDayOfMonth(ts + kHour);
    const int month = d < 31 ? 10 : d < 61 ? 11 : 12;
    return (month == 11 && dom <= 11) || (month == 12 && dom >= 12);
  }
  static int WeekdayOfDay(int d) { return Weekday((start_day_ + d) * kDay); }
  // Purchases at home per (mcc, day).
  static std::map<int, std::vector<double>> PurchasesPerCategoryDay() {
    std::map<int, std::vector<double>> counts;
    for (const Tx& t : w().tx) {
      if (!HomePurchase(t)) continue;
      auto& v = counts[t.mcc];
      if (v.empty()) v.assign(kDays, 0);
      ++v[static_cast<size_t>(DayOf(t.ts))];
    }
    return counts;
  }
  static std::map<int, std::vector<double>> HomeAmountsByMcc() {
    std::map<int, std::vector<double>> amounts;
    for (const Tx& t : w().tx) {
      if (HomePurchase(t)) amounts[t.mcc].push_back(t.amount_major);
    }
    return amounts;
  }
  // joined_at of each customer id, opened_at of each merchant id (first snapshots).
  static std::unordered_map<uint32_t, Timestamp> Joined() {
    std::unordered_map<uint32_t, Timestamp> joined;
    for (const CustomerRow& c : w().customers) joined.emplace(c.id, c.joined_at);
    return joined;
  }
  static std::vector<std::pair<Timestamp, Timestamp>> Outages() {
    std::vector<std::pair<Timestamp, Timestamp>> out;
    for (const auto& incident : w().summary.incidents) {
      if (incident.type == "outage") out.emplace_back(incident.start, incident.end);
    }
    return out;
  }

  static std::string dir_;
  static World* world_;
  static int64_t start_day_;
  static uint16_t cny_;
};
std::string SpendingTest::dir_;
World* SpendingTest::world_ = nullptr;
int64_t SpendingTest::start_day_ = 0;
uint16_t SpendingTest::cny_ = 0;

// ---------------------------------------------------------------- amounts

TEST_F(SpendingTest, PurchaseMedianPerCategoryIsTheTableMedianTimesTheCustomerScale) {
  const auto amounts = HomeAmountsByMcc();
  double log_sum = 0;
  int n = 0;
  for (const CategoryFacts& c : kCategories) {
    auto it = amounts.find(c.mcc);
    ASSERT_NE(it, amounts.end()) << c.name;
    if (it->second.size() < 1'000) continue;
    const double ratio = Median(it->second) / c.median;
    // One category's median also carries the price levels of its few merchants (lognormal,
    // sigma 0.3, a handful of merchants per category in this world).
    EXPECT_GT(ratio, 0.65) << c.name;
    EXPECT_LT(ratio, 1.5) << c.name;
    log_sum += std::log(ratio);
    ++n;
  }
  ASSERT_GE(n, 18);
  // The average customer scale is about 1 (population.md: amount scale).
  EXPECT_NEAR(std::exp(log_sum / n), 1.0, 0.15);
}

TEST_F(SpendingTest, CategoriesKeepTheirOrderByMedianAmount) {
  const auto amounts = HomeAmountsByMcc();
  std::vector<double> table, observed;
  for (const CategoryFacts& c : kCategories) {
    auto it = amounts.find(c.mcc);
    if (it == amounts.end() || it->second.size() < 1'000) continue;
    table.push_back(c.median);
    observed.push_back(Median(it->second));
  }
  ASSERT_GE(table.size(), 18u);
  EXPECT_GT(Spearman(table, observed), 0.95);
  for (size_t i = 0; i < table.size(); ++i) {
    for (size_t j = 0; j < table.size(); ++j) {
      if (table[i] >= 2 * table[j]) {
        EXPECT_GT(observed[i], observed[j]) << table[i] << " vs " << table[j];
      }
    }
  }
}

TEST_F(SpendingTest, AmountsHaveAHeavyRightTail) {
  const auto amounts = HomeAmountsByMcc();
  int checked = 0;
  for (const CategoryFacts& c : kCategories) {
    auto it = amounts.find(c.mcc);
    if (it == amounts.end() || it->second.size() < 2'000) continue;
    const std::vector<double>& v = it->second;
    const double p25 = Quantile(v, 0.25), p50 = Quantile(v, 0.5), p75 = Quantile(v, 0.75),
                 p99 = Quantile(v, 0.99);
    double mean = 0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(v.size());
    // The category's own lognormal alone gives p99/median = exp(2.326 sigma); customer and
    // merchant scales only widen it.
    EXPECT_GT(p99 / p50, std::exp(2.326 * c.sigma)) << c.name;
    // A normal distribution has (p99 - p50) / (p75 - p25) = 1.72.
    EXPECT_GT((p99 - p50) / (p75 - p25), 2.5) << c.name;
    EXPECT_GT(mean / p50, 1.1) << c.name;
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

// ---------------------------------------------------------------- rhythms

TEST_F(SpendingTest, WeekendPurchaseRateFollowsTheCategoryWeekendFactor) {
  const auto counts = PurchasesPerCategoryDay();
  int checked = 0;
  for (const CategoryFacts& c : kCategories) {
    auto it = counts.find(c.mcc);
    if (it == counts.end()) continue;
    double weekend = 0, weekday = 0, weekend_days = 0, weekdays = 0, total = 0;
    for (int d = 0; d < kDays; ++d) {
      if (SpecialDay(d)) continue;
      const double n = it->second[static_cast<size_t>(d)];
      total += n;
      if (WeekdayOfDay(d) >= 5) {
        weekend += n;
        ++weekend_days;
      } else {
        weekday += n;
        ++weekdays;
      }
    }
    if (total < 3'000) continue;
    const double ratio = (weekend / weekend_days) / (weekday / weekdays);
    // Noise of the ratio: about sqrt(1/weekend + 1/weekday); 3 of them plus 0.05 of blur
    // (a world day runs 08:00 to 08:00 local time).
    const double tolerance = 0.05 + 3 * ratio * std::sqrt(1 / weekend + 1 / weekday);
    EXPECT_NEAR(ratio, c.weekend, tolerance) << c.name;
    if (c.weekend >= 1.2) {
      EXPECT_GT(ratio, 1.0) << c.name;
    }
    if (c.weekend <= 0.9) {
      EXPECT_LT(ratio, 1.0) << c.name;
    }
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

TEST_F(SpendingTest, NightHoursAreQuietAndMealsPeak) {
  std::vector<double> hours(24, 0), food(24, 0);
  double total = 0, food_total = 0;
  for (const Tx& t : w().tx) {
    if (!HomePurchase(t)) continue;
    const int h = LocalHour(t.ts);
    ++hours[static_cast<size_t>(h)];
    ++total;
    if (t.mcc == 5812) {
      ++food[static_cast<size_t>(h)];
      ++food_total;
    }
  }
  double night = 0;
  for (int h = 1; h <= 5; ++h) night += hours[static_cast<size_t>(h)];
  // spending.md: 01:00-05:59 holds about 2 % of purchases (a flat day would give 21 %).
  EXPECT_LT(night / total, 0.035);
  EXPECT_GT(night / total, 0.005);
  const double peak = *std::max_element(hours.begin(), hours.end());
  EXPECT_GT(peak / total, 0.07);
  // Restaurants: lunch 11-13 and dinner 17-20 hold most meals.
  double meals = 0;
  for (int h : {11, 12, 13, 17, 18, 19, 20}) meals += food[static_cast<size_t>(h)];
  EXPECT_GT(meals / food_total, 0.6);
}

// ---------------------------------------------------------------- salary and payday

struct Deposit {
  int day;
  double amount;
  uint32_t payer;
};

std::unordered_map<uint32_t, std::vector<Deposit>> SalaryDeposits(const World& w, int64_t start) {
  std::unordered_map<uint32_t, std::vector<Deposit>> out;
  for (const Tx& t : w.tx) {
    if (t.type == tx_type::kDeposit && t.channel == tx_channel::kTransfer) {
      EXPECT_EQ(t.counterparty_letter, 'X');
      out[t.customer].push_back(
          {static_cast<int>(DayNumber(t.ts) - start), t.amount_major, t.counterparty});
    }
  }
  return out;
}

TEST_F(SpendingTest, SalaryArrivesOnceAMonthOnTheCustomersPayday) {
  const auto deposits = SalaryDeposits(w(), start_day_);
  const auto joined = Joined();
  const Timestamp start = start_day_ * kDay;
  size_t present = 0, customers = 0, within = 0, total = 0;
  for (const auto& [id, ts] : joined) {
    if (ts > start) continue;
    ++customers;
    auto it = deposits.find(id);
    if (it == deposits.end()) continue;
    const auto& v = it->second;
    std::map<int, int> per_month;
    std::set<uint32_t> payers;
    int lo = 31, hi = 0;
    std::vector<double> amounts;
    for (const Deposit& d : v) {
      const Timestamp ts_day = (start_day_ + d.day) * kDay + 12 * kHour;
      ++per_month[d.day < 31 ? 10 : d.day < 61 ? 11 : 12];
      payers.insert(d.payer);
      const int dom = LocalDayOfMonth(ts_day);
      lo = std::min(lo, dom);
      hi = std::max(hi, dom);
      EXPECT_LT(LocalWeekday(ts_day), 5) << "salary on a weekend, customer " << id;
      amounts.push_back(d.amount);
    }
    if (per_month.size() == 3) ++present;
    for (const auto& [month, n] : per_month)
      EXPECT_EQ(n, 1) << "customer " << id << " month " << month;
    EXPECT_EQ(payers.size(), 1u) << "customer " << id;
    // A weekend payday moves to the Friday before (or the Monday after): at most 2 days.
    EXPECT_LE(hi - lo, 2) << "customer " << id;
    const double median = Median(amounts);
    for (double a : amounts) {
      ++total;
      if (std::abs(a / median - 1) <= 0.06) ++within;
    }
  }
  ASSERT_GT(customers, 3'000u);
  // Every customer who was there from the start is paid in each of the three months.
  EXPECT_EQ(present, customers);
  // Wages vary by 2 % (sd), students' allowances by 10 %.
  EXPECT_GT(static_cast<double>(within) / static_cast<double>(total), 0.85);
}

TEST_F(SpendingTest, PurchasesRiseOnPaydayAndTheTwoDaysAfter) {
  const auto deposits = SalaryDeposits(w(), start_day_);
  const auto joined = Joined();
  // Purchases per (customer, day), each customer's rate per active day and each day's level.
  std::unordered_map<uint32_t, std::vector<uint16_t>> per_day;
  std::vector<double> day_total(kDays, 0);
  for (const Tx& t : w().tx) {
    if (!HomePurchase(t)) continue;
    auto& v = per_day[t.customer];
    if (v.empty()) v.assign(kDays, 0);
    ++v[static_cast<size_t>(DayOf(t.ts))];
    ++day_total[static_cast<size_t>(DayOf(t.ts))];
  }
  std::unordered_map<uint32_t, double> rate;
  std::vector<double> day_expected(kDays, 0);
  for (const auto& [id, v] : per_day) {
    const auto j = joined.find(id);
    if (j == joined.end() || j->second > start_day_ * kDay) continue;
    double n = 0;
    for (uint16_t x : v) n += x;
    rate[id] = n / kDays;
    for (int d = 0; d < kDays; ++d) day_expected[static_cast<size_t>(d)] += n / kDays;
  }
  std::vector<double> observed(4, 0), expected(4, 0);
  for (const auto& [id, r] : rate) {
    auto it = deposits.find(id);
    if (it == deposits.end()) continue;
    const auto& v = per_day.at(id);
    for (int d = 0; d < kDays; ++d) {
      int since = -1;
      for (const Deposit& dep : it->second) {
        if (dep.day <= d) since = d - dep.day;
      }
      if (since < 0) continue;
      const size_t k = static_cast<size_t>(std::min(since, 3));
      observed[k] += v[static_cast<size_t>(d)];
      expected[k] += r * day_total[static_cast<size_t>(d)] / day_expected[static_cast<size_t>(d)];
    }
  }
  const double lift0 = observed[0] / expected[0], lift1 = observed[1] / expected[1],
               lift2 = observed[2] / expected[2], rest = observed[3] / expected[3];
  // spending.md: x1.25 on the pay date, x1.15 and x1.08 on the next two days.
  EXPECT_NEAR(lift0 / rest, 1.25, 0.08);
  EXPECT_NEAR(lift1 / rest, 1.15, 0.07);
  EXPECT_GT(lift1, lift2);
  EXPECT_GT(lift2, rest);
  // Each customer's rate includes its boosted days, so the other days sit a little below 1.
  EXPECT_NEAR(rest, 0.98, 0.04);
}

// ---------------------------------------------------------------- festivals and seasons

TEST_F(SpendingTest, ElevenElevenLiftsEachCategoryByItsFestivalFactor) {
  const auto counts = PurchasesPerCategoryDay();
  const int eleven = 41;  // 2026-11-11, a Wednesday
  ASSERT_EQ(WeekdayOfDay(eleven), 2);
  std::vector<double> factors, lifts;
  for (const CategoryFacts& c : kCategories) {
    auto it = counts.find(c.mcc);
    if (it == counts.end()) continue;
    double base = 0, days = 0;
    for (int d = 0; d < kDays; ++d) {
      if (SpecialDay(d) || WeekdayOfDay(d) >= 5) continue;
      base += it->second[static_cast<size_t>(d)];
      ++days;
    }
    if (base < 1'500) continue;
    const double lift = it->second[eleven] / (base / days);
    factors.push_back(c.festival);
    lifts.push_back(lift);
    if (c.festival >= 4) {
      EXPECT_GT(lift, 0.7 * c.festival) << c.name;
    }
    if (c.festival <= 1.3) {
      EXPECT_LT(lift, 1.6) << c.name;
    }
  }
  ASSERT_GE(factors.size(), 15u);
  EXPECT_GT(Spearman(factors, lifts), 0.75) << ::testing::PrintToString(lifts);
}

TEST_F(SpendingTest, FestivalLiftIsAllOnline) {
  // spending.md: the festival uplift goes online; POS purchases on 11.11 stay at their level.
  const int eleven = 41;
  double pos_day = 0, online_day = 0, pos_base = 0, online_base = 0, days = 0;
  for (const Tx& t : w().tx) {
    if (!HomePurchase(t) || t.mcc != 5651) continue;  // clothing: festival factor 3.5
    const int d = DayOf(t.ts);
    const bool online = t.channel == tx_channel::kOnline || t.channel == tx_channel::kMobile;
    if (d == eleven) {
      (online ? online_day : pos_day) += 1;
    } else if (!SpecialDay(d) && WeekdayOfDay(d) < 5) {
      (online ? online_base : pos_base) += 1;
    }
  }
  for (int d = 0; d < kDays; ++d) days += !SpecialDay(d) && WeekdayOfDay(d) < 5 ? 1 : 0;
  EXPECT_GT(online_day / (online_base / days), 4.0);
  EXPECT_LT(pos_day / (pos_base / days), 1.7);
}

TEST_F(SpendingTest, YearEndAndRunUpSeasonsLiftPurchases) {
  const auto counts = PurchasesPerCategoryDay();
  std::vector<double> total(kDays, 0);
  for (const auto& [mcc, v] : counts) {
    for (int d = 0; d < kDays; ++d) total[static_cast<size_t>(d)] += v[static_cast<size_t>(d)];
  }
  // Ordinary days per weekday as the baseline.
  std::vector<double> base(7, 0), base_days(7, 0);
  for (int d = 0; d < kDays; ++d) {
    if (SpecialDay(d)) continue;
    base[static_cast<size_t>(WeekdayOfDay(d))] += total[static_cast<size_t>(d)];
    ++base_days[static_cast<size_t>(WeekdayOfDay(d))];
  }
  auto lift = [&](int from, int to) {
    double observed = 0, expected = 0;
    for (int d = from; d <= to; ++d) {
      const auto wd = static_cast<size_t>(WeekdayOfDay(d));
      observed += total[static_cast<size_t>(d)];
      expected += base[wd] / base_days[wd];
    }
    return observed / expected;
  };
  EXPECT_NEAR(lift(78, kDays - 1), 1.3, 0.07);  // 18-29 December
  EXPECT_NEAR(lift(31, 40), 1.1, 0.05);         // 1-10 November
}

// ---------------------------------------------------------------- channels

TEST_F(SpendingTest, ChannelMixMatchesTheDocumentedShares) {
  std::vector<double> n(8, 0);
  for (const Tx& t : w().tx) ++n[t.channel];
  const double total = static_cast<double>(w().tx.size());
  EXPECT_NEAR(n[tx_channel::kPos] / total, 0.47, 0.03);
  EXPECT_NEAR(n[tx_channel::kMobile] / total, 0.335, 0.03);
  EXPECT_NEAR(n[tx_channel::kOnline] / total, 0.145, 0.02);
  EXPECT_NEAR(n[tx_channel::kAtm] / total, 0.027, 0.006);
  EXPECT_NEAR(n[tx_channel::kTransfer] / total, 0.019, 0.004);
  EXPECT_NEAR(n[tx_channel::kCounter] / total, 0.0033, 0.0012);
  double mobile = 0, online = 0;
  for (const Tx& t : w().tx) {
    if (t.type != tx_type::kPurchase) continue;
    mobile += t.channel == tx_channel::kMobile ? 1 : 0;
    online += t.channel == tx_channel::kOnline ? 1 : 0;
  }
  EXPECT_NEAR(mobile / (mobile + online), 0.70, 0.02);
}

TEST_F(SpendingTest, OnlineShareFollowsTheCategory) {
  std::map<int, std::pair<double, double>> online;  // mcc -> (online, all)
  for (const Tx& t : w().tx) {
    if (!HomePurchase(t)) continue;
    auto& [on, all] = online[t.mcc];
    on += t.channel == tx_channel::kOnline || t.channel == tx_channel::kMobile ? 1 : 0;
    ++all;
  }
  std::vector<double> table, observed;
  for (const CategoryFacts& c : kCategories) {
    const auto& [on, all] = online[c.mcc];
    if (all < 1'000) continue;
    table.push_back(c.online);
    observed.push_back(on / all);
  }
  ASSERT_GE(table.size(), 18u);
  EXPECT_GT(Spearman(table, observed), 0.85);
  EXPECT_EQ(online[5541].first, 0) << "fuel is bought at the pump";
  EXPECT_EQ(online[5816].first, online[5816].second) << "digital goods are bought online";
}

// ---------------------------------------------------------------- travel

struct Trip {
  uint32_t customer;
  uint32_t city;
  int first, last;  // days
};

std::vector<Trip> Trips(const World& w, int64_t start_day) {
  std::map<uint32_t, std::vector<std::pair<int, uint32_t>>> foreign;
  for (const Tx& t : w.tx) {
    // Refunds are the merchant's doing (one of an online purchase made abroad carries the
    // city of the purchase); the trip is where the customer pays.
    if (t.country != kCountryCn && t.country != 0 && t.type != tx_type::kRefund) {
      foreign[t.customer].emplace_back(static_cast<int>(DayNumber(t.ts) - start_day), t.city);
    }
  }
  std::vector<Trip> trips;
  for (auto& [customer, v] : foreign) {
    std::sort(v.begin(), v.end());
    for (const auto& [day, city] : v) {
      if (trips.empty() || trips.back().customer != customer || trips.back().city != city ||
          day - trips.back().last > 3) {
        trips.push_back({customer, city, day, day});
      }
      trips.back().last = day;
    }
  }
  return trips;
}

TEST_F(SpendingTest, TravellersPayAbroadInTheLocalCurrency) {
  size_t foreign = 0;
  for (const Tx& t : w().tx) {
    if (t.country == kCountryCn) continue;
    ++foreign;
    ASSERT_NE(t.city, kAbsent);
    const std::string& city = w().cities[t.city];
    const auto it = ForeignCurrencies().find(city);
    ASSERT_NE(it, ForeignCurrencies().end()) << city;
    if (t.channel == tx_channel::kPos || t.channel == tx_channel::kAtm) {
      EXPECT_EQ(t.currency, PackedCurrency(it->second.c_str())) << city;
      EXPECT_FALSE(std::isnan(t.lat)) << city;
    } else {
      // Online shopping from abroad is with merchants at home, in CNY.
      EXPECT_TRUE(t.channel == tx_channel::kOnline || t.channel == tx_channel::kMobile);
      EXPECT_EQ(t.currency, cny_) << city;
    }
  }
  EXPECT_GT(foreign, 2'000u);
}

TEST_F(SpendingTest, TripsAreContiguousStaysInOneCity) {
  const auto trips = Trips(w(), start_day_);
  ASSERT_GT(trips.size(), 80u);
  // Where each traveller pays in person at home (purchases and ATM withdrawals).
  std::map<uint32_t, std::vector<int>> at_home;
  for (const Tx& t : w().tx) {
    if (t.country == kCountryCn &&
        (t.channel == tx_channel::kPos || t.channel == tx_channel::kAtm) &&
        (t.type == tx_type::kPurchase || t.type == tx_type::kWithdrawal)) {
      at_home[t.customer].push_back(DayOf(t.ts));
    }
  }
  for (const Trip& trip : trips) {
    EXPECT_LE(trip.last - trip.first + 1, 14) << "customer " << trip.customer;
    for (int d : at_home[trip.customer]) {
      EXPECT_FALSE(d > trip.first && d < trip.last)
          << "customer " << trip.customer << " paid at home on day " << d << " during a trip "
          << trip.first << ".." << trip.last;
    }
  }
  // Trips of one customer do not overlap.
  for (size_t i = 1; i < trips.size(); ++i) {
    if (trips[i].customer == trips[i - 1].customer) {
      EXPECT_GT(trips[i].first, trips[i - 1].last);
    }
  }
}

TEST_F(SpendingTest, TripsAreBookedWithAFlightBeforehand) {
  const auto trips = Trips(w(), start_day_);
  std::map<uint32_t, std::vector<int>> flights;
  for (const Tx& t : w().tx) {
    if (t.type == tx_type::kPurchase && t.mcc == 4511) flights[t.customer].push_back(DayOf(t.ts));
  }
  int eligible = 0, booked = 0;
  for (const Trip& trip : trips) {
    if (trip.first < 36) continue;  // booked before the world began
    ++eligible;
    for (int d : flights[trip.customer]) {
      if (trip.first - d >= 5 && trip.first - d <= 36) {
        ++booked;
        break;
      }
    }
  }
  ASSERT_GT(eligible, 40);
  // A booking is lost only when it falls into an outage (half of those) or finds no airline.
  EXPECT_GT(static_cast<double>(booked) / eligible, 0.9);
}

// ---------------------------------------------------------------- refunds

TEST_F(SpendingTest, RefundsFollowAnEarlierPurchaseAndNeverExceedIt) {
  struct Key {
    uint32_t customer, card, merchant;
    uint8_t channel;
    bool operator<(const Key& o) const {
      return std::tie(customer, card, merchant, channel) <
             std::tie(o.customer, o.card, o.merchant, o.channel);
    }
  };
  std::map<Key, std::vector<std::pair<int, int64_t>>> purchases;
  size_t refunds = 0, matched = 0, full = 0;
  for (const Tx& t : w().tx) {
    const Key key{t.customer, t.card, t.merchant, t.channel};
    if (t.type == tx_type::kPurchase && t.merchant != kAbsent) {
      purchases[key].emplace_back(DayOf(t.ts), t.amount);
    } else if (t.type == tx_type::kRefund) {
      ++refunds;
      ASSERT_NE(t.merchant, kAbsent);
      bool found = false, same = false;
      for (const auto& [day, amount] : purchases[key]) {
        const int delay = DayOf(t.ts) - day;
        // Delays of 1 to 14 days (15 when an outage pushes a refund past midnight).
        if (delay >= 1 && delay <= 15 && amount >= t.amount) {
          found = true;
          same = same || amount == t.amount;
        }
      }
      matched += found ? 1 : 0;
      full += same ? 1 : 0;
    }
  }
  ASSERT_GT(refunds, 5'000u);
  EXPECT_EQ(matched, refunds);
  // 75 % of refunds give back the whole purchase.
  EXPECT_NEAR(static_cast<double>(full) / static_cast<double>(refunds), 0.75, 0.03);
}

TEST_F(SpendingTest, RefundRateFollowsTheCategory) {
  std::map<int, std::pair<double, double>> n;  // mcc -> (purchases, refunds)
  for (const Tx& t : w().tx) {
    if (t.type == tx_type::kPurchase && t.merchant != kAbsent) ++n[t.mcc].first;
    if (t.type == tx_type::kRefund) ++n[t.mcc].second;
  }
  std::vector<double> table, observed;
  for (const CategoryFacts& c : kCategories) {
    const auto& [purchases, refunds] = n[c.mcc];
    if (purchases < 3'000) continue;
    table.push_back(c.refund);
    observed.push_back(refunds / purchases);
    // Category rate plus the merchant's own (about 0.4 % on average, more when declining).
    EXPECT_GT(refunds / purchases, 0.6 * c.refund) << c.name;
    EXPECT_LT(refunds / purchases, c.refund + 0.025) << c.name;
  }
  ASSERT_GE(table.size(), 12u);
  EXPECT_GT(Spearman(table, observed), 0.8);
}

// ---------------------------------------------------------------- outages

TEST_F(SpendingTest, NoOnlineOrMobileTransactionDuringAnOutage) {
  const auto outages = Outages();
  ASSERT_GE(outages.size(), 2u);
  size_t inside = 0, after = 0, day_before = 0;
  for (const Tx& t : w().tx) {
    if (t.channel != tx_channel::kOnline && t.channel != tx_channel::kMobile) continue;
    for (const auto& [from, to] : outages) {
      if (t.ts >= from && t.ts < to) ++inside;
      if (t.ts >= to && t.ts < to + 30 * kMinute) ++after;
      if (t.ts >= to - kDay && t.ts < to - kDay + 30 * kMinute) ++day_before;
    }
  }
  EXPECT_EQ(inside, 0u);
  // Half of what the outage blocked is retried soon after it ends.
  EXPECT_GT(static_cast<double>(after), 1.5 * static_cast<double>(day_before));
}

// ---------------------------------------------------------------- merchants' life courses

TEST_F(SpendingTest, FailedMerchantsDeclineThenStopTrading) {
  std::map<uint32_t, int> fail_day;
  for (const auto& incident : w().summary.incidents) {
    if (incident.type != "merchant_failure") continue;
    const uint32_t m = IdNumber(incident.subject.substr(9), 'M');
    ASSERT_NE(m, kBadId) << incident.subject;
    fail_day[m] = DayOf(incident.start);
  }
  ASSERT_GE(fail_day.size(), 3u);
  std::map<uint32_t, std::vector<double>> per_day;
  for (const Tx& t : w().tx) {
    if (t.merchant == kAbsent || !fail_day.count(t.merchant)) continue;
    EXPECT_LT(DayOf(t.ts), fail_day[t.merchant]) << "merchant " << t.merchant << " after failing";
    if (t.type != tx_type::kPurchase) continue;
    auto& v = per_day[t.merchant];
    if (v.empty()) v.assign(kDays, 0);
    ++v[static_cast<size_t>(DayOf(t.ts))];
  }
  double early = 0, late = 0;
  int compared = 0;
  for (const auto& [m, v] : per_day) {
    const int fd = fail_day[m];
    double first = 0, last = 0;
    for (int d = 0; d < 14; ++d) first += v[static_cast<size_t>(d)];
    for (int d = std::max(0, fd - 14); d < fd; ++d) last += v[static_cast<size_t>(d)];
    if (first < 30 || fd < 42) continue;
    early += first;
    late += last;
    ++compared;
  }
  ASSERT_GE(compared, 2);
  // A failing merchant declines for 7 to 70 days before it fails, losing 2-5 % a day.
  EXPECT_LT(late / early, 0.6);
}

TEST_F(SpendingTest, MerchantSalesShowGrowingAndDecliningMerchants) {
  // Each merchant's share of its competitors' purchases (same city and category; online
  // merchants: same category), in the last 30 days against the first 30: log of the ratio.
  struct Info {
    Timestamp opened;
    int64_t group;
  };
  std::unordered_map<uint32_t, Info> info;
  std::map<int64_t, std::set<uint32_t>> members;
  std::unordered_map<std::string, int> city_ids;
  for (const MerchantRow& m : w().merchants) {
    const int city = m.online ? -1 : city_ids.emplace(m.city, city_ids.size()).first->second;
    const int64_t group = int64_t{m.mcc} * 1000 + city;
    info.emplace(m.id, Info{m.opened_at, group});
    members[group].insert(m.id);
  }
  std::map<uint32_t, std::pair<double, double>> merchant;
  std::map<int64_t, std::pair<double, double>> group;
  for (const Tx& t : w().tx) {
    if (t.type != tx_type::kPurchase || t.merchant == kAbsent) continue;
    const int d = DayOf(t.ts);
    if (d >= 30 && d < 60) continue;
    auto& m = merchant[t.merchant];
    auto& g = group[info[t.merchant].group];
    (d < 30 ? m.first : m.second) += 1;
    (d < 30 ? g.first : g.second) += 1;
  }
  std::vector<double> trends;
  for (const auto& [m, n] : merchant) {
    const Info& i = info[m];
    const auto& g = group[i.group];
    // Merchants trading throughout with at least 200 purchases at the start, not alone in
    // their group (a merchant alone keeps all of its customers' purchases).
    if (i.opened > start_day_ * kDay || n.first < 200 || n.first > 0.8 * g.first) continue;
    trends.push_back(std::log((n.second + 0.5) / n.first) - std::log(g.second / g.first));
  }
  ASSERT_GE(trends.size(), 60u);
  std::sort(trends.begin(), trends.end());
  const double n = static_cast<double>(trends.size());
  const double rising =
      static_cast<double>(trends.end() - std::upper_bound(trends.begin(), trends.end(), 0.25));
  const double falling =
      static_cast<double>(std::lower_bound(trends.begin(), trends.end(), -0.35) - trends.begin());
  // 20 % of merchants grow (0.2-0.8 % a day: +0.1 to +0.5 over the 60 days between the
  // windows, less the favourites' loyalty) and 20 % decline or fail; the noise of one trend
  // is at most 0.1 here.
  EXPECT_GT(rising / n, 0.05) << ::testing::PrintToString(trends);
  EXPECT_GT(falling / n, 0.05) << ::testing::PrintToString(trends);
  EXPECT_NEAR(Quantile(trends, 0.5), 0.0, 0.05);
}

TEST_F(SpendingTest, DisputesRiseAsAMerchantDeclinesAndPeakBeforeItFails) {
  // Disputes are is_fraud=false CHARGEBACK labels of genuine purchases (source 0).
  std::unordered_map<uint64_t, size_t> index_of;
  for (size_t i = 0; i < w().tx.size(); ++i) index_of.emplace(w().tx[i].id, i);
  std::vector<uint8_t> disputed(w().tx.size(), 0);
  uint64_t disputes = 0;
  for (const Label& l : w().labels) {
    if (l.is_fraud || l.source != 0) continue;
    const auto it = index_of.find(l.tx);
    ASSERT_NE(it, index_of.end()) << "dispute of an unknown transaction T" << l.tx;
    const Tx& t = w().tx[it->second];
    EXPECT_EQ(t.type, tx_type::kPurchase) << "T" << l.tx;
    EXPECT_GE(l.ts, t.ts + 3 * kDay) << "T" << l.tx;
    EXPECT_LE(l.ts, t.ts + 75 * kDay + 30 * kDay) << "T" << l.tx;
    disputed[it->second] = 1;
    ++disputes;
  }
  ASSERT_GT(disputes, 100u);

  std::map<uint32_t, int> fail_day;  // MEDIUM and LARGE merchants that fail (incidents)
  for (const auto& incident : w().summary.incidents) {
    if (incident.type == "merchant_failure") {
      fail_day[IdNumber(incident.subject.substr(9), 'M')] = DayOf(incident.start);
    }
  }
  std::unordered_map<uint32_t, Timestamp> opened;
  for (const MerchantRow& m : w().merchants) opened.emplace(m.id, m.opened_at);
  // Purchases and disputes: in the month before a failure; per merchant in the first and the
  // last 30 days (the others).
  double failing_n = 0, failing_d = 0;
  struct Counts {
    double early = 0, late = 0, late_disputes = 0;
  };
  std::map<uint32_t, Counts> merchants;
  for (size_t i = 0; i < w().tx.size(); ++i) {
    const Tx& t = w().tx[i];
    if (t.type != tx_type::kPurchase || t.merchant == kAbsent) continue;
    const int d = DayOf(t.ts);
    const auto failing = fail_day.find(t.merchant);
    if (failing != fail_day.end()) {
      if (d >= failing->second - 30) {
        ++failing_n;
        failing_d += disputed[i];
      }
      continue;
    }
    Counts& c = merchants[t.merchant];
    if (d < 30) ++c.early;
    if (d >= kDays - 30) {
      ++c.late;
      c.late_disputes += disputed[i];
    }
  }
  ASSERT_GT(failing_n, 500);
  // 5 % of the purchases of the month before a failure: paid for, never delivered.
  const double failing_rate = failing_d / failing_n;
  EXPECT_NEAR(failing_rate, 0.05, 0.015) << failing_d << " of " << failing_n;

  // Merchants whose own sales fell by a third or more from the first to the last month
  // (declining, and small ones failing without an incident) against steady or growing ones.
  double falling_n = 0, falling_d = 0, steady_n = 0, steady_d = 0;
  for (const auto& [m, c] : merchants) {
    if (opened[m] > start_day_ * kDay || c.early < 100) continue;
    const double trend = std::log((c.late + 0.5) / c.early);
    if (trend < -0.4) {
      falling_n += c.late;
      falling_d += c.late_disputes;
    } else if (trend > -0.1) {
      steady_n += c.late;
      steady_d += c.late_disputes;
    }
  }
  ASSERT_GT(falling_n, 5'000);
  ASSERT_GT(steady_n, 50'000);
  const double falling_rate = falling_d / falling_n, steady_rate = steady_d / steady_n;
  std::printf(
      "disputes: %.0f labels; before failure %.4f, falling %.5f (%.0f of %.0f), "
      "steady %.5f (%.0f of %.0f)\n",
      static_cast<double>(disputes), failing_rate, falling_rate, falling_d, falling_n, steady_rate,
      steady_d, steady_n);
  // 0.03 % at a steady merchant, 0.15 % once a merchant declines.
  EXPECT_NEAR(steady_rate, 0.0003, 0.00015);
  EXPECT_GT(falling_rate, 2.5 * steady_rate);
  EXPECT_GT(failing_rate, 20 * falling_rate);
}

TEST_F(SpendingTest, NobodyTradesBeforeJoiningOrOpening) {
  const auto joined = Joined();
  std::unordered_map<uint32_t, Timestamp> opened;
  for (const MerchantRow& m : w().merchants) opened.emplace(m.id, m.opened_at);
  size_t late_joiners = 0, late_openers = 0;
  for (const auto& [id, ts] : joined) late_joiners += ts > start_day_ * kDay ? 1 : 0;
  for (const auto& [id, ts] : opened) late_openers += ts > start_day_ * kDay ? 1 : 0;
  EXPECT_GT(late_joiners, 100u);
  EXPECT_GT(late_openers, 5u);
  for (const Tx& t : w().tx) {
    ASSERT_TRUE(joined.count(t.customer));
    EXPECT_GE(t.ts, joined.at(t.customer)) << "customer " << t.customer;
    if (t.merchant != kAbsent) {
      ASSERT_TRUE(opened.count(t.merchant));
      EXPECT_GE(t.ts, opened.at(t.merchant)) << "merchant " << t.merchant;
    }
    if (t.counterparty_letter == 'A') {
      // Accounts are numbered like their owners.
      ASSERT_TRUE(joined.count(t.counterparty));
      EXPECT_GE(t.ts, joined.at(t.counterparty)) << "account " << t.counterparty;
    }
  }
}

}  // namespace
}  // namespace panorama::gentest
