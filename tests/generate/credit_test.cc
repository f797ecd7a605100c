// Credit behaviour of `panorama generate` (docs/generator.md (Credit)): merchant micro-loans
// and consumer loans are issued over time, each gets one final record (REPAID, LATE or DEFAULT)
// at the time the doc gives, default rates are a few percent, and defaults follow behaviour a
// lender can see in the transactions before the issue: declining merchant sales, a high
// spending-to-income ratio, a short merchant history (cold start). --loan-rate scales the
// application rate.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/schema.h"
#include "generate/world_data.h"

namespace panorama::gentest {
namespace {

using generate::WorldOptions;

constexpr int kIssued = 0, kRepaid = 1, kLate = 2, kDefault = 3;
constexpr int kMerchantBorrower = 0, kCustomerBorrower = 1;
constexpr int kColdStartDays = 60;

WorldOptions CreditWorld() {
  WorldOptions options;
  options.customers = 4'000;
  options.merchants = 2'500;
  options.days = 240;
  options.seed = 23;
  options.loan_rate = 8;
  return options;
}

// One loan: its ISSUED record and its final records (exactly one is expected).
struct LoanHistory {
  LoanRow issued;
  bool has_issued = false;
  std::vector<LoanRow> finals;
  int issued_records = 0;
};

// Two-proportion z statistic of a/n against b/m (pooled variance).
double ZOfRates(double a, double n, double b, double m) {
  const double p = (a + b) / (n + m);
  const double se = std::sqrt(p * (1 - p) * (1 / n + 1 / m));
  return se > 0 ? (a / n - b / m) / se : 0;
}

struct Rate {
  double defaults = 0, loans = 0;
  double value() const { return loans > 0 ? defaults / loans : NAN; }
};

class CreditTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = MakeTempDir("gen-credit");
    world_ = new World(GenerateAndRead(CreditWorld(), dir_));
    if (!world_->error.empty()) return;
    const World& w = *world_;
    start_ = w.summary.end - static_cast<Timestamp>(w.options.days) * kDay;
    for (const LoanRow& row : w.loans) {
      LoanHistory& h = (*loans_)[row.id];
      if (row.status == kIssued) {
        h.issued = row;
        h.has_issued = true;
        ++h.issued_records;
      } else {
        h.finals.push_back(row);
      }
    }
    DailyFigures daily = BuildDailyFigures(w);
    sales_ = std::move(daily.sales);
    out_ = std::move(daily.out);
    in_ = std::move(daily.in);
    for (const MerchantRow& m : w.merchants) opened_.emplace(m.id, m.opened_at);
  }
  static void TearDownTestSuite() {
    delete world_;
    world_ = nullptr;
    loans_->clear();
    RemoveDir(dir_);
  }
  void SetUp() override { ASSERT_EQ(world_->error, ""); }

  static int DayOf(Timestamp ts) { return static_cast<int>((ts - start_) / kDay); }
  // Whether every final record of a loan issued as `issued` lies inside the world: REPAID by the
  // due time, LATE below 30 days after it, DEFAULT exactly 30 days after it.
  static bool SettlesInside(const LoanRow& issued) {
    return issued.due_at + 31 * kDay <= world_->summary.end;
  }
  // OLS slope per week of log(1 + weekly sales) over the full weeks of the 8 weeks before the
  // issue day (only days since the merchant opened); NaN with fewer than 3 weeks.
  static double SalesTrend(uint32_t merchant, int issue_day) {
    const auto days = static_cast<size_t>(world_->options.days);
    const int open_day = std::max(0, DayOf(opened_.at(merchant) + kDay - 1));
    const int weeks = std::min(8, (issue_day - open_day) / 7);
    if (weeks < 3) return NAN;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int k = 0; k < weeks; ++k) {
      double week = 0;
      for (int d = issue_day - 7 * (k + 1); d < issue_day - 7 * k; ++d) {
        week += sales_[merchant * days + static_cast<size_t>(d)];
      }
      const double x = -k, y = std::log1p(week);
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    return (weeks * sxy - sx * sy) / (weeks * sxx - sx * sx);
  }
  // Outgoing over incoming amounts of a customer in the 30 days before the issue day.
  static double SpendToIncome(uint32_t customer, int issue_day) {
    const auto days = static_cast<size_t>(world_->options.days);
    double out = 0, in = 0;
    for (int d = std::max(0, issue_day - 30); d < issue_day; ++d) {
      out += out_[customer * days + static_cast<size_t>(d)];
      in += in_[customer * days + static_cast<size_t>(d)];
    }
    return in > 0 ? out / in : 3.0;
  }
  // Loans of a borrower type whose outcome is known inside the world.
  static std::vector<const LoanHistory*> Cohort(int borrower_type) {
    std::vector<const LoanHistory*> out;
    for (const auto& [id, h] : *loans_) {
      if (h.has_issued && h.issued.borrower_type == borrower_type && SettlesInside(h.issued) &&
          h.finals.size() == 1) {
        out.push_back(&h);
      }
    }
    return out;
  }
  static bool Defaulted(const LoanHistory& h) { return h.finals[0].status == kDefault; }

  static std::string dir_;
  static World* world_;
  static Timestamp start_;
  static std::map<uint32_t, LoanHistory>* loans_;
  static std::vector<double> sales_, out_, in_;
  static std::map<uint32_t, Timestamp> opened_;
};
std::string CreditTest::dir_;
World* CreditTest::world_ = nullptr;
Timestamp CreditTest::start_ = 0;
std::map<uint32_t, LoanHistory>* CreditTest::loans_ = new std::map<uint32_t, LoanHistory>();
std::vector<double> CreditTest::sales_, CreditTest::out_, CreditTest::in_;
std::map<uint32_t, Timestamp> CreditTest::opened_;

TEST_F(CreditTest, BothKindsOfLoanAreIssuedThroughoutTheWorld) {
  // Per borrower type, ISSUED records per 30-day period after the first loans: none empty.
  for (int type : {kMerchantBorrower, kCustomerBorrower}) {
    std::vector<int> per_month(static_cast<size_t>(world_->options.days / 30), 0);
    int first_day = world_->options.days;
    for (const auto& [id, h] : *loans_) {
      if (!h.has_issued || h.issued.borrower_type != type) continue;
      const int d = DayOf(h.issued.issued_at);
      first_day = std::min(first_day, d);
      if (static_cast<size_t>(d / 30) < per_month.size()) ++per_month[static_cast<size_t>(d / 30)];
    }
    // Merchants from day 21, organic consumer loans from day 30 (offers may come earlier).
    EXPECT_GE(first_day, type == kMerchantBorrower ? 21 : 1) << "type " << type;
    for (size_t m = 1; m < per_month.size(); ++m) {
      EXPECT_GT(per_month[m], 50) << "type " << type << " month " << m;
    }
  }
}

TEST_F(CreditTest, EveryLoanHasOneIssuedRecordWithConsistentTerms) {
  int checked = 0;
  for (const auto& [id, h] : *loans_) {
    ASSERT_TRUE(h.has_issued) << "loan L" << id << " has a final record but no ISSUED one";
    EXPECT_EQ(h.issued_records, 1) << "loan L" << id;
    const LoanRow& l = h.issued;
    EXPECT_EQ(l.ts, l.issued_at) << "loan L" << id;
    EXPECT_EQ(l.due_at - l.issued_at, l.term_days * kDay) << "loan L" << id;
    EXPECT_EQ(l.days_past_due, 0) << "loan L" << id;
    EXPECT_GT(l.principal, 0) << "loan L" << id;
    if (l.borrower_type == kMerchantBorrower) {
      EXPECT_EQ(l.product, 5) << "MERCHANT_LOAN";
      EXPECT_TRUE(l.term_days == 30 || l.term_days == 60 || l.term_days == 90) << l.term_days;
      EXPECT_GE(l.principal, 2'000 * 100);
      EXPECT_LE(l.principal, 2'000'000 * 100);
      EXPECT_GE(l.rate_bp, 850);
      EXPECT_LE(l.rate_bp, 3'350);
    } else {
      EXPECT_EQ(l.product, 2) << "CONSUMER_LOAN";
      EXPECT_TRUE(l.term_days == 30 || l.term_days == 60 || l.term_days == 90 ||
                  l.term_days == 120 || l.term_days == 180)
          << l.term_days;
      EXPECT_GE(l.principal, 5'000 * 100);
      EXPECT_LE(l.principal, 100'000 * 100);
      EXPECT_GE(l.rate_bp, 920);
      EXPECT_LE(l.rate_bp, 2'700);
    }
    for (const LoanRow& f : h.finals) {
      EXPECT_EQ(f.borrower_type, l.borrower_type);
      EXPECT_EQ(f.borrower, l.borrower);
      EXPECT_EQ(f.principal, l.principal);
      EXPECT_EQ(f.term_days, l.term_days);
      EXPECT_EQ(f.rate_bp, l.rate_bp);
      EXPECT_EQ(f.issued_at, l.issued_at);
      EXPECT_EQ(f.due_at, l.due_at);
      EXPECT_EQ(f.product, l.product);
    }
    ++checked;
  }
  EXPECT_GT(checked, 5'000);
}

TEST_F(CreditTest, EveryLoanDueInsideTheWorldHasExactlyOneFinalRecord) {
  int due_inside = 0, open_at_end = 0;
  for (const auto& [id, h] : *loans_) {
    EXPECT_LE(h.finals.size(), 1u) << "loan L" << id;
    if (SettlesInside(h.issued)) {
      ++due_inside;
      EXPECT_EQ(h.finals.size(), 1u) << "loan L" << id << " due inside the world is never settled";
    } else if (h.finals.empty()) {
      ++open_at_end;
    }
  }
  EXPECT_GT(due_inside, 3'000);
  EXPECT_GT(open_at_end, 0);
}

TEST_F(CreditTest, FinalRecordsAreTimedByTheirStatus) {
  std::map<int, int> count;
  for (const auto& [id, h] : *loans_) {
    if (h.finals.size() != 1) continue;
    const LoanRow& f = h.finals[0];
    ++count[f.status];
    switch (f.status) {
      case kRepaid:  // on or before the due time, after the issue
        EXPECT_GT(f.ts, f.issued_at) << "loan L" << id;
        EXPECT_LE(f.ts, f.due_at) << "loan L" << id;
        EXPECT_EQ(f.days_past_due, 0) << "loan L" << id;
        break;
      case kLate:  // 1..29 days past due, within that day
        EXPECT_GE(f.days_past_due, 1) << "loan L" << id;
        EXPECT_LE(f.days_past_due, 29) << "loan L" << id;
        EXPECT_GE(f.ts, f.due_at + f.days_past_due * kDay) << "loan L" << id;
        EXPECT_LT(f.ts, f.due_at + (f.days_past_due + 1) * kDay) << "loan L" << id;
        break;
      case kDefault:  // 30 days past due
        EXPECT_EQ(f.days_past_due, 30) << "loan L" << id;
        EXPECT_EQ(f.ts, f.due_at + 30 * kDay) << "loan L" << id;
        break;
      default:
        ADD_FAILURE() << "loan L" << id << " has final status " << f.status;
    }
  }
  EXPECT_GT(count[kRepaid], 2'000);
  EXPECT_GT(count[kLate], 100);
  EXPECT_GT(count[kDefault], 50);
}

TEST_F(CreditTest, SomeRepaymentsComeBeforeTheDueDay) {
  int early = 0, on_due_day = 0;
  for (const auto& [id, h] : *loans_) {
    if (h.finals.size() != 1 || h.finals[0].status != kRepaid) continue;
    (h.finals[0].ts < h.issued.due_at - kDay ? early : on_due_day)++;
  }
  const double share = static_cast<double>(early) / (early + on_due_day);
  std::printf("repaid more than a day early: %d of %d\n", early, early + on_due_day);
  // 45 % of merchants and 40 % of customers plan to repay early; early repayers who turn out
  // LATE or DEFAULT are not among the repaid, so the share sits a little below.
  EXPECT_GT(share, 0.30) << early << " early of " << early + on_due_day;
  EXPECT_LT(share, 0.50) << early << " early of " << early + on_due_day;
}

TEST_F(CreditTest, DefaultRatesAreAFewPercent) {
  for (int type : {kMerchantBorrower, kCustomerBorrower}) {
    Rate rate, late;
    for (const LoanHistory* h : Cohort(type)) {
      rate.loans += 1;
      rate.defaults += Defaulted(*h) ? 1 : 0;
      late.loans += 1;
      late.defaults += h->finals[0].status == kLate ? 1 : 0;
    }
    SCOPED_TRACE(type == kMerchantBorrower ? "merchant loans" : "consumer loans");
    std::printf("%s: %.0f loans, default %.4f, late %.4f\n",
                type == kMerchantBorrower ? "merchant" : "consumer", rate.loans, rate.value(),
                late.value());
    ASSERT_GT(rate.loans, 1'000);
    EXPECT_GT(rate.value(), 0.015);
    EXPECT_LT(rate.value(), 0.10);
    EXPECT_GT(late.value(), 0.03);
    EXPECT_LT(late.value(), 0.20);
  }
}

TEST_F(CreditTest, MerchantDefaultRateRisesWithDecliningSales) {
  // Buckets by the weekly log-slope of sales before the issue: declining below -0.05 a week
  // (about 5 % less a week), steady otherwise.
  Rate declining, steady;
  for (const LoanHistory* h : Cohort(kMerchantBorrower)) {
    const double trend = SalesTrend(h->issued.borrower, DayOf(h->issued.issued_at));
    if (std::isnan(trend)) continue;
    Rate& bucket = trend < -0.05 ? declining : steady;
    bucket.loans += 1;
    bucket.defaults += Defaulted(*h) ? 1 : 0;
  }
  ASSERT_GT(declining.loans, 100);
  ASSERT_GT(steady.loans, 1'000);
  std::printf("merchant loans: declining sales %.0f/%.0f default, steady %.0f/%.0f\n",
              declining.defaults, declining.loans, steady.defaults, steady.loans);
  EXPECT_GT(declining.value(), 1.5 * steady.value())
      << "declining " << declining.defaults << "/" << declining.loans << ", steady "
      << steady.defaults << "/" << steady.loans;
  EXPECT_GT(ZOfRates(declining.defaults, declining.loans, steady.defaults, steady.loans), 3.0);
}

TEST_F(CreditTest, ConsumerDefaultRateRisesWithSpendingToIncome) {
  // Terciles of outgoing over incoming money in the 30 days before the issue.
  std::vector<std::pair<double, bool>> loans;
  for (const LoanHistory* h : Cohort(kCustomerBorrower)) {
    loans.emplace_back(SpendToIncome(h->issued.borrower, DayOf(h->issued.issued_at)),
                       Defaulted(*h));
  }
  ASSERT_GT(loans.size(), 1'500u);
  std::sort(loans.begin(), loans.end());
  Rate low, high;
  const size_t third = loans.size() / 3;
  for (size_t i = 0; i < third; ++i) {
    low.loans += 1;
    low.defaults += loans[i].second ? 1 : 0;
    high.loans += 1;
    high.defaults += loans[loans.size() - 1 - i].second ? 1 : 0;
  }
  std::printf("consumer loans: top third of spending/income %.0f/%.0f default, bottom %.0f/%.0f\n",
              high.defaults, high.loans, low.defaults, low.loans);
  EXPECT_GT(high.value(), 1.5 * low.value())
      << "high spenders " << high.defaults << "/" << high.loans << ", low " << low.defaults << "/"
      << low.loans;
  EXPECT_GT(ZOfRates(high.defaults, high.loans, low.defaults, low.loans), 3.0);
}

TEST_F(CreditTest, ColdStartMerchantsBorrowAtAPremiumAndDefaultMore) {
  Rate cold, seasoned;
  std::vector<double> cold_rates, seasoned_rates;
  for (const auto& [id, h] : *loans_) {
    if (h.issued.borrower_type != kMerchantBorrower) continue;
    const Timestamp tenure = h.issued.issued_at - opened_.at(h.issued.borrower);
    EXPECT_GE(tenure, 14 * kDay) << "loan L" << id << " to a merchant open for less than 14 days";
    const bool is_cold = tenure < kColdStartDays * kDay;
    (is_cold ? cold_rates : seasoned_rates).push_back(h.issued.rate_bp);
    if (!SettlesInside(h.issued) || h.finals.size() != 1) continue;
    Rate& bucket = is_cold ? cold : seasoned;
    bucket.loans += 1;
    bucket.defaults += Defaulted(h) ? 1 : 0;
  }
  ASSERT_GT(cold_rates.size(), 50u);
  // The lender adds 600 bp for a history shorter than 60 days.
  std::printf(
      "cold start: %zu loans, median rate %.0f bp (others %.0f), default %.0f/%.0f "
      "(others %.0f/%.0f)\n",
      cold_rates.size(), Median(cold_rates), Median(seasoned_rates), cold.defaults, cold.loans,
      seasoned.defaults, seasoned.loans);
  EXPECT_GT(Median(cold_rates) - Median(seasoned_rates), 400);
  // Cold start adds 2.0 to the default logit (and a stretched loan size), against sales that
  // usually grow after issue (a new merchant ramps up): well above twice the seasoned rate.
  EXPECT_GT(cold.value(), 2.0 * seasoned.value());
  EXPECT_GT(ZOfRates(cold.defaults, cold.loans, seasoned.defaults, seasoned.loans), 2.5);
}

TEST_F(CreditTest, DefaultedLoansWerePricedHigherAtIssue) {
  // The lender's price reflects the risk it sees: defaulted loans carried a higher rate.
  for (int type : {kMerchantBorrower, kCustomerBorrower}) {
    std::vector<double> bad, good;
    for (const LoanHistory* h : Cohort(type)) {
      (Defaulted(*h) ? bad : good).push_back(h->issued.rate_bp);
    }
    SCOPED_TRACE(type == kMerchantBorrower ? "merchant loans" : "consumer loans");
    ASSERT_GT(bad.size(), 30u);
    EXPECT_GT(Quantile(bad, 0.5), Quantile(good, 0.5));
  }
}

// --loan-rate: three small worlds differing only in it.
class LoanRateTest : public ::testing::Test {
 protected:
  static WorldOptions Options(double loan_rate) {
    WorldOptions options;
    options.customers = 3'000;
    options.merchants = 2'000;
    options.days = 60;
    options.seed = 29;
    options.loan_rate = loan_rate;
    return options;
  }
  // ISSUED records per borrower type and day of the world.
  struct Issued {
    std::vector<int> merchant, customer;
  };
  static Issued Generate(double loan_rate) {
    const WorldOptions options = Options(loan_rate);
    const std::string dir = MakeTempDir("gen-loan-rate");
    Issued out;
    out.merchant.assign(static_cast<size_t>(options.days), 0);
    out.customer.assign(static_cast<size_t>(options.days), 0);
    auto summary = generate::GenerateWorld(options, dir);
    EXPECT_TRUE(summary.ok()) << summary.status().ToString();
    if (summary.ok()) {
      const Timestamp start = summary->end - options.days * kDay;
      const std::string file = dir + "/loans.csv";
      ReadFileEvents(file, EventKind::kLoan, [&](const Event& e) {
        if (e.num(loan::kStatus) != kIssued) return;
        const auto day = static_cast<size_t>((e.ts() - start) / kDay);
        (e.num(loan::kBorrowerType) == kMerchantBorrower ? out.merchant : out.customer)[day]++;
      });
    }
    RemoveDir(dir);
    return out;
  }
  static int Sum(const std::vector<int>& v, int from, int to) {
    int s = 0;
    for (int d = from; d < to; ++d) s += v[static_cast<size_t>(d)];
    return s;
  }
};

TEST_F(LoanRateTest, ZeroLoanRateIssuesNoLoan) {
  const Issued none = Generate(0);
  EXPECT_EQ(Sum(none.merchant, 0, 60) + Sum(none.customer, 0, 60), 0);
}

TEST_F(LoanRateTest, ApplicationsScaleWithLoanRate) {
  const Issued one = Generate(1), three = Generate(3);
  // Merchant loans in the first two weeks of eligibility (days 21..34), when few merchants
  // already hold one: 1 - (1 - p)^14 of the eligible merchants with p = 1/120 and 3/120 gives
  // a ratio of 2.7 (the tolerance covers Poisson noise on ~200 loans).
  const double merchants =
      static_cast<double>(Sum(three.merchant, 21, 35)) / std::max(1, Sum(one.merchant, 21, 35));
  const double customers =
      static_cast<double>(Sum(three.customer, 30, 60)) / std::max(1, Sum(one.customer, 30, 60));
  std::printf(
      "loan rate 3 vs 1: merchant loans %d vs %d (x%.2f), consumer loans %d vs %d (x%.2f)\n",
      Sum(three.merchant, 21, 35), Sum(one.merchant, 21, 35), merchants,
      Sum(three.customer, 30, 60), Sum(one.customer, 30, 60), customers);
  EXPECT_GT(merchants, 2.2);
  EXPECT_LT(merchants, 3.3);
  // Consumer loans from day 30 (organic applications are linear in the rate; loans from
  // accepted offers do not depend on it and dilute the ratio a little).
  EXPECT_GT(customers, 2.2);
  EXPECT_LT(customers, 3.3);
}

}  // namespace
}  // namespace panorama::gentest
