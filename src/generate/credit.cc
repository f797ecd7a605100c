// CreditSimulator: merchant micro-loans and consumer loans, issued over time, whose outcomes
// follow from what the borrower does (docs/generator.md (Credit) gives every number).
//
// A loan lives in one bounded priority queue of pending actions, ordered by (day, push order):
//  - kDecide on the planned repayment day (the due day, or a few days earlier for borrowers
//    who repay early): the outcome is drawn from the borrower's pre-issue risk plus what
//    happened since issue (a merchant's realised sales, whether it stopped trading; a
//    customer's spending-to-income ratio now). REPAID is written at once; LATE and DEFAULT
//    are queued as kFinal at the day their record happens.
//  - kFinal: writes the LATE or DEFAULT record.
// Every record is pushed on the day of its timestamp. The queue holds only loans not yet
// settled, so memory grows with the issue rate and the terms, never with `days`.
#include <algorithm>
#include <cmath>
#include <queue>
#include <vector>

#include "core/money.h"
#include "generate/internal/world.h"

namespace panorama::generate {
namespace {

// Values of the loan schema's enums, in schema order (src/core/schema.cc).
enum BorrowerType : int64_t { kMerchantBorrower = 0, kCustomerBorrower = 1 };
enum LoanStatus : int64_t { kIssued = 0, kRepaid = 1, kLate = 2, kDefault = 3 };
constexpr int64_t kConsumerLoanProduct = 2;
constexpr int64_t kMerchantLoanProduct = 5;
constexpr const char* kStatusNames[] = {"ISSUED", "REPAID", "LATE", "DEFAULT"};

constexpr int64_t kCny = 100;  // minor units per yuan
constexpr int kDefaultDays = 30;

// ---- merchant loans
constexpr int kFirstMerchantLoanDay = 21;
constexpr int kMinMerchantTenureDays = 14;
constexpr int kColdStartDays = 60;
constexpr int kMerchantCooldownDays = 14;
constexpr int kFeatureDays = 56;                    // 8 weeks of history before the issue day
constexpr int kMinTrendWeeks = 3;                   // fewer full weeks: trend unknown (0)
constexpr double kMerchantDailyRate = 1.0 / 120.0;  // times options.loan_rate
constexpr double kDecliningApplyFactor = 2.5;       // adverse selection
constexpr double kColludingDailyApply = 0.15;       // times loan_rate, before fail_day
constexpr int kColludingApplyWindow = 21;           // days before fail_day
// Outcome logit of a merchant loan.
constexpr double kMerchantBase = -4.6;
constexpr double kMerchantTrend = -8.0;      // per unit of weekly log-slope, slope in [-.4,.4]
constexpr double kTrendCredibility = 150;    // purchases at which half the slope counts
constexpr double kMerchantVolatility = 0.5;  // per unit of daily-sales CV above 1, in [-1, 2]
constexpr double kMerchantRefund = 8.0;      // per unit of refund rate above 3 %, up to 25 %
constexpr double kMerchantColdStart = 2.0;   // tenure below 60 days
constexpr double kMerchantYoung = 0.4;       // tenure 60..364 days
constexpr double kMerchantIssueNoise = 0.3;  // sd of the borrower's idiosyncratic risk
constexpr double kMerchantRealised = -0.9;   // per unit of log(post-issue / pre-issue sales)
constexpr double kMerchantColluding = 2.5;
constexpr double kMerchantLoanToSales = 0.6;  // per unit of log(principal / 36 days of sales)
constexpr double kFailedDefault = 0.93;       // stopped trading on or before the due day
constexpr double kLateShift = 1.1;            // late logit = default logit + this

// ---- consumer loans
constexpr int kFirstConsumerLoanDay = 30;            // organic: a month of observed income first
constexpr double kConsumerDailyRate = 1.0 / 1500.0;  // per customer-day, times loan_rate
constexpr double kConsumerMaxFactor = 4.0;           // bound of the applicant weighting
constexpr int kMaxActiveLoans = 3;
constexpr double kConsumerBase = -4.6;
constexpr double kConsumerCreditRisk = 0.75;    // hidden trait, N(0,1)
constexpr double kConsumerSpendRatio = 1.2;     // hidden spend_ratio above 0.7
constexpr double kConsumerObservedRatio = 1.0;  // spend_30d/deposits_30d above 0.9, [-.6,1.5]
constexpr double kConsumerDebt = 0.5;           // per active loan at issue
constexpr double kConsumerIncomeBand = -0.22;   // per income band step
constexpr double kConsumerNew = 0.5;            // customer for less than 180 days
constexpr double kConsumerThinFile = 0.6;       // no deposits observed
constexpr double kConsumerLoanToIncome = 0.3;   // per month of deposits above 1, up to 3
constexpr double kConsumerDrift = 0.6;          // per unit rise of the observed ratio since issue
constexpr double kConsumerIssueNoise = 0.5;

double Sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }
double Clamp(double x, double lo, double hi) { return std::min(hi, std::max(lo, x)); }

// Observed spending-to-income ratio of a customer; 0 deposits count as ratio 1.5.
double ObservedRatio(const Customer& c) {
  if (c.deposits_30d <= 0) return 1.5;
  return static_cast<double>(c.spend_30d) / static_cast<double>(c.deposits_30d);
}

struct Loan {
  uint64_t number = 0;  // loan id index
  uint32_t borrower = 0;
  bool merchant = false;
  int16_t term_days = 0;
  int32_t rate_bp = 0;
  int32_t issue_day = 0;
  int32_t due_day = 0;
  int64_t principal = 0;
  Timestamp issued_at = 0, due_at = 0;
  double risk = 0;       // pre-issue outcome logit
  double pre_level = 0;  // merchant: daily sales before issue; customer: observed ratio
};

enum class Action : uint8_t { kDecide, kFinal };

struct Pending {
  int32_t day = 0;
  uint64_t seq = 0;
  Action action = Action::kDecide;
  uint8_t status = kIssued;  // kFinal: LATE or DEFAULT
  int32_t days_past_due = 0;
  Timestamp ts = 0;  // kFinal: the record's time
  Loan loan;
};
struct Later {
  bool operator()(const Pending& a, const Pending& b) const {
    return a.day != b.day ? a.day > b.day : a.seq > b.seq;
  }
};

// What a merchant's history shows before day `day` (days strictly before the issue day).
struct MerchantFeatures {
  double trend = 0;  // OLS slope of log(1 + weekly sales in CNY) per week
  double cv = 0;     // coefficient of variation of daily sales
  double refund_rate = 0;
  double daily_sales = 0;  // CNY minor units
  uint64_t purchases = 0;
  int days = 0;
  // The trend shrunk towards 0 by how much evidence it rests on (a lender does not trust the
  // slope of a handful of sales).
  double CredibleTrend() const {
    const auto p = static_cast<double>(purchases);
    return trend * p / (p + kTrendCredibility);
  }
};

}  // namespace

struct CreditSimulator::Impl {
  Impl(const WorldOptions& opts, Population& pop)
      : options(opts),
        population(pop),
        rng(opts.seed, kCreditStream),
        cny(Currency::FromCode("CNY")->Packed()),
        merchant_state(pop.merchants.size()),
        consumer_settled_at(pop.customers.size(), 0) {}

  struct MerchantState {
    bool active = false;
    int32_t next_apply_day = 0;
  };

  const WorldOptions& options;
  Population& population;
  Rng rng;
  uint16_t cny;
  std::vector<MerchantState> merchant_state;
  // When each customer's latest consumer loan settled: a new loan is issued after it, so the
  // loan records and the CONSUMER_LOAN snapshots of a customer keep their order.
  std::vector<Timestamp> consumer_settled_at;
  std::priority_queue<Pending, std::vector<Pending>, Later> queue;
  uint64_t next_loan = 1;
  uint64_t next_seq = 0;
  Event event{EventKind::kLoan};
  Event snapshot{EventKind::kCustomer};
  RecordStream* customers = nullptr;  // today's customer snapshot stream (SimulateDay)

  Timestamp WorldStart(const DayContext& day) const {
    return day.begin - static_cast<Timestamp>(day.day) * kMicrosPerDay;
  }
  int OpenDay(uint32_t m, const DayContext& day) const {
    const Timestamp since = population.merchants[m].opened_at - WorldStart(day);
    if (since <= 0) return 0;
    return static_cast<int>((since + kMicrosPerDay - 1) / kMicrosPerDay);
  }
  // A time of day between `from_hour` and `to_hour`, whole seconds.
  Timestamp TimeOfDay(const DayContext& day, double from_hour, double to_hour) {
    const auto seconds = static_cast<Timestamp>(rng.Uniform(from_hour, to_hour) * 3600.0);
    return day.begin + seconds * kMicrosPerSecond;
  }

  MerchantFeatures Features(uint32_t m, const DayContext& day) const;
  void ApplyMerchants(const DayContext& day, RecordStream& loans);
  void IssueMerchantLoan(uint32_t m, const DayContext& day, RecordStream& loans);
  void ApplyCustomers(const DayContext& day, RecordStream& loans);
  void IssueConsumerLoan(uint32_t c, const DayContext& day, RecordStream& loans);
  void Schedule(Loan loan, int decide_day);
  void Decide(const Pending& p, const DayContext& day, RecordStream& loans,
              std::map<std::string, uint64_t>& loan_status);
  void Write(const Loan& loan, LoanStatus status, Timestamp ts, int days_past_due,
             RecordStream& loans);
  // Ends a loan at `ts`; the customer's last running consumer loan clears CONSUMER_LOAN.
  void Settle(const Loan& loan, Timestamp ts);
  void PushSnapshot(uint32_t customer, Timestamp ts);
};

MerchantFeatures CreditSimulator::Impl::Features(uint32_t m, const DayContext& day) const {
  MerchantFeatures f;
  const int first = std::max({0, OpenDay(m, day), day.day - kFeatureDays});
  f.days = day.day - first;
  if (f.days <= 0) return f;
  double sum = 0, sum2 = 0;
  uint64_t purchases = 0, refunds = 0;
  for (int d = first; d < day.day; ++d) {
    const MerchantDay& h = population.history(m, d);
    const auto s = static_cast<double>(h.sales);
    sum += s;
    sum2 += s * s;
    purchases += h.purchases;
    refunds += h.refunds;
  }
  const double n = f.days;
  f.daily_sales = sum / n;
  const double var = std::max(0.0, sum2 / n - f.daily_sales * f.daily_sales);
  f.cv = f.daily_sales > 0 ? std::min(3.0, std::sqrt(var) / f.daily_sales) : 3.0;
  f.purchases = purchases;
  f.refund_rate =
      purchases > 0 ? static_cast<double>(refunds) / static_cast<double>(purchases) : 0.0;
  // Full weeks counted back from the day before issue; x = -k for week k.
  const int weeks = f.days / 7;
  if (weeks >= kMinTrendWeeks) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int k = 0; k < weeks; ++k) {
      double week = 0;
      for (int d = day.day - 7 * (k + 1); d < day.day - 7 * k; ++d) {
        week += static_cast<double>(population.history(m, d).sales);
      }
      const double x = -k;
      const double y = std::log1p(week / static_cast<double>(kCny));
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    const double w = weeks;
    f.trend = (w * sxy - sx * sy) / (w * sxx - sx * sx);
  }
  return f;
}

void CreditSimulator::Impl::Write(const Loan& loan, LoanStatus status, Timestamp ts,
                                  int days_past_due, RecordStream& loans) {
  event.Reset(EventKind::kLoan);
  event.set_str(loan::kLoanId, MakeId(IdKind::kLoan, loan.number));
  event.set_num(loan::kTs, ts);
  event.set_num(loan::kBorrowerType, loan.merchant ? kMerchantBorrower : kCustomerBorrower);
  event.set_str(loan::kBorrowerId,
                MakeId(loan.merchant ? IdKind::kMerchant : IdKind::kCustomer, loan.borrower));
  event.set_num(loan::kStatus, status);
  event.set_num(loan::kPrincipal, loan.principal);
  event.set_num(loan::kCurrency, cny);
  event.set_num(loan::kTermDays, loan.term_days);
  event.set_num(loan::kRateBp, loan.rate_bp);
  event.set_num(loan::kIssuedAt, loan.issued_at);
  event.set_num(loan::kDueAt, loan.due_at);
  event.set_num(loan::kDaysPastDue, days_past_due);
  event.set_num(loan::kProduct, loan.merchant ? kMerchantLoanProduct : kConsumerLoanProduct);
  loans.Push(event);
}

void CreditSimulator::Impl::Schedule(Loan loan, int decide_day) {
  Pending p;
  p.day = decide_day;
  p.seq = next_seq++;
  p.action = Action::kDecide;
  p.loan = loan;
  queue.push(p);
}

void CreditSimulator::Impl::PushSnapshot(uint32_t customer, Timestamp ts) {
  population.FillCustomerEvent(customer, ts, &snapshot);
  customers->Push(snapshot);
}

void CreditSimulator::Impl::Settle(const Loan& loan, Timestamp ts) {
  if (loan.merchant) {
    MerchantState& s = merchant_state[loan.borrower];
    s.active = false;
    s.next_apply_day = std::max(s.next_apply_day, loan.due_day + kMerchantCooldownDays);
    return;
  }
  Customer& c = population.customers[loan.borrower];
  consumer_settled_at[loan.borrower] = std::max(consumer_settled_at[loan.borrower], ts);
  if (c.active_loans > 0) --c.active_loans;
  if (c.active_loans == 0 && (c.products & kConsumerLoan)) {
    c.products = static_cast<uint16_t>(c.products & ~kConsumerLoan);
    PushSnapshot(loan.borrower, ts);
  }
}

// ------------------------------------------------------------------------- merchant loans

void CreditSimulator::Impl::ApplyMerchants(const DayContext& day, RecordStream& loans) {
  if (day.day < kFirstMerchantLoanDay || options.loan_rate <= 0) return;
  const double base = options.loan_rate * kMerchantDailyRate;
  const double colluding = std::min(0.9, options.loan_rate * kColludingDailyApply);
  const auto count = static_cast<uint32_t>(population.merchants.size());
  for (uint32_t m = 0; m < count; ++m) {
    MerchantState& s = merchant_state[m];
    if (s.active || day.day < s.next_apply_day) continue;
    const Merchant& merchant = population.merchants[m];
    if (day.begin - merchant.opened_at < kMinMerchantTenureDays * kMicrosPerDay) continue;
    if (!population.Trades(m, day.day, day.begin)) continue;
    double p = base;
    if ((merchant.life == LifeCourse::kDeclining || merchant.life == LifeCourse::kFailing) &&
        day.day >= merchant.decline_day) {
      p *= kDecliningApplyFactor;
    }
    if (merchant.colluding && merchant.fail_day != kNever &&
        day.day >= merchant.fail_day - kColludingApplyWindow) {
      p = colluding;
    }
    if (rng.Bernoulli(p)) IssueMerchantLoan(m, day, loans);
  }
}

void CreditSimulator::Impl::IssueMerchantLoan(uint32_t m, const DayContext& day,
                                              RecordStream& loans) {
  const Merchant& merchant = population.merchants[m];
  const MerchantFeatures f = Features(m, day);
  const int tenure = static_cast<int>((day.begin - merchant.opened_at) / kMicrosPerDay);
  const bool cold = tenure < kColdStartDays;

  Loan loan;
  loan.number = next_loan++;
  loan.borrower = m;
  loan.merchant = true;
  const uint64_t term_draw = rng.Below(100);
  loan.term_days = static_cast<int16_t>(term_draw < 40 ? 30 : term_draw < 75 ? 60 : 90);
  // Principal: 0.5-3 months of observed sales (median 1.2), with a floor for thin history.
  const double months = Clamp(rng.LogNormal(std::log(1.2), 0.45), 0.5, 3.0);
  double principal = months * 30.0 * f.daily_sales;
  const double floor = (cold ? 5'000.0 : 2'000.0) * kCny;
  principal = Clamp(principal, floor, 2'000'000.0 * kCny);
  const int64_t step = 100 * kCny;
  loan.principal = std::max<int64_t>(step, std::llround(principal / step) * step);
  // Risk price from what the lender sees.
  const double rate = 900 + (cold ? 600 : 0) + 3000 * Clamp(-f.CredibleTrend(), 0, 0.3) +
                      200 * Clamp(f.cv - 1, 0, 2) + 2000 * Clamp(f.refund_rate - 0.03, 0, 0.2) +
                      (loan.term_days == 90 ? 100 : 0) + rng.Uniform(-50, 50);
  loan.rate_bp = static_cast<int32_t>(std::lround(rate / 5) * 5);

  loan.issue_day = day.day;
  loan.due_day = day.day + loan.term_days;
  loan.issued_at = TimeOfDay(day, 1, 10);  // 09:00-18:00 in UTC+8, the home time
  loan.due_at = loan.issued_at + loan.term_days * kMicrosPerDay;
  loan.pre_level = f.daily_sales;
  loan.risk =
      kMerchantBase + kMerchantTrend * Clamp(f.CredibleTrend(), -0.4, 0.4) +
      kMerchantVolatility * Clamp(f.cv - 1, -1, 2) +
      kMerchantRefund * Clamp(f.refund_rate - 0.03, -0.03, 0.25) +
      (cold           ? kMerchantColdStart
       : tenure < 365 ? kMerchantYoung
                      : 0.0) +
      kMerchantLoanToSales *
          Clamp(std::log(static_cast<double>(loan.principal) / (36.0 * f.daily_sales + kCny)), -1,
                2) +
      kMerchantIssueNoise * rng.Normal();

  // 55 % plan to repay on the due day, the rest up to a third of the term early.
  int decide = loan.due_day;
  if (!rng.Bernoulli(0.55)) decide -= static_cast<int>(rng.Between(1, loan.term_days / 3));

  merchant_state[m].active = true;
  Write(loan, kIssued, loan.issued_at, 0, loans);
  Schedule(loan, decide);
}

// ------------------------------------------------------------------------- consumer loans

void CreditSimulator::Impl::ApplyCustomers(const DayContext& day, RecordStream& loans) {
  // Requests from accepted CONSUMER_LOAN offers (marketing queued them yesterday). With
  // --loan-rate 0 lending is off: accepted offers are not funded either.
  std::vector<uint32_t>& requests = population.loan_requests;
  if (options.loan_rate > 0) {
    for (uint32_t c : requests) {
      if (population.customers[c].active_loans < kMaxActiveLoans) IssueConsumerLoan(c, day, loans);
    }
  }
  requests.clear();
  if (day.day < kFirstConsumerLoanDay || options.loan_rate <= 0) return;
  // Organic applications: Poisson draws over the population, thinned by each customer's
  // propensity (riskier and spendier customers apply more: adverse selection).
  const auto n = static_cast<uint64_t>(population.customers.size());
  const double mean =
      static_cast<double>(n) * options.loan_rate * kConsumerDailyRate * kConsumerMaxFactor;
  const int64_t draws = rng.Poisson(mean);
  for (int64_t i = 0; i < draws; ++i) {
    const auto c = static_cast<uint32_t>(rng.Below(n));
    const Customer& customer = population.customers[c];
    const double weight =
        std::exp(0.35 * customer.credit_risk) * Clamp(customer.spend_ratio / 0.7, 0.5, 2.0);
    if (rng.Uniform() * kConsumerMaxFactor >= weight) continue;
    if (customer.joined_at > day.begin) continue;
    if (customer.active_loans >= kMaxActiveLoans) continue;
    IssueConsumerLoan(c, day, loans);
  }
}

void CreditSimulator::Impl::IssueConsumerLoan(uint32_t c, const DayContext& day,
                                              RecordStream& loans) {
  Customer& customer = population.customers[c];
  static constexpr double kMedianPrincipal[5] = {8'000, 15'000, 25'000, 40'000, 70'000};
  static constexpr int kTerms[5] = {30, 60, 90, 120, 180};
  static constexpr double kTermWeights[5] = {0.15, 0.2, 0.3, 0.1, 0.25};
  const int band = std::min<int>(customer.income_band, 4);
  const double ratio = ObservedRatio(customer);
  const int tenure = static_cast<int>((day.begin - customer.joined_at) / kMicrosPerDay);

  Loan loan;
  loan.number = next_loan++;
  loan.borrower = c;
  loan.merchant = false;
  double u = rng.Uniform();
  int t = 0;
  while (t < 4 && u >= kTermWeights[t]) u -= kTermWeights[t++];
  loan.term_days = static_cast<int16_t>(kTerms[t]);
  const double principal =
      Clamp(kMedianPrincipal[band] * rng.LogNormal(0, 0.45), 5'000, 100'000) * kCny;
  const int64_t step = 1'000 * kCny;
  loan.principal = std::llround(principal / static_cast<double>(step)) * step;
  const double rate = 1500 - 120 * band + 150 * customer.active_loans +
                      600 * Clamp(ratio - 0.9, 0, 1) + (tenure < 180 ? 200 : 0) +
                      rng.Uniform(-100, 100);
  loan.rate_bp = static_cast<int32_t>(std::lround(rate / 5) * 5);

  loan.issue_day = day.day;
  loan.due_day = day.day + loan.term_days;
  loan.issued_at = std::max(TimeOfDay(day, 0, 15), consumer_settled_at[c] + kMicrosPerSecond);
  loan.due_at = loan.issued_at + loan.term_days * kMicrosPerDay;
  loan.pre_level = ratio;
  const double monthly_deposits = 30.0 * static_cast<double>(customer.deposits_30d);
  const double lti =
      monthly_deposits > 0 ? static_cast<double>(loan.principal) / monthly_deposits : 4.0;
  loan.risk = kConsumerBase + kConsumerCreditRisk * customer.credit_risk +
              kConsumerSpendRatio * (customer.spend_ratio - 0.7) +
              kConsumerObservedRatio * Clamp(ratio - 0.9, -0.6, 1.5) +
              kConsumerDebt * customer.active_loans + kConsumerIncomeBand * band +
              (tenure < 180 ? kConsumerNew : 0.0) +
              (customer.deposits_30d <= 0 ? kConsumerThinFile : 0.0) +
              kConsumerLoanToIncome * Clamp(lti - 1, 0, 3) + kConsumerIssueNoise * rng.Normal();

  // 60 % plan to repay on the due day, the rest up to a quarter of the term early.
  int decide = loan.due_day;
  if (!rng.Bernoulli(0.6)) decide -= static_cast<int>(rng.Between(1, loan.term_days / 4));

  ++customer.active_loans;
  Write(loan, kIssued, loan.issued_at, 0, loans);
  if (!(customer.products & kConsumerLoan)) {
    customer.products = static_cast<uint16_t>(customer.products | kConsumerLoan);
    PushSnapshot(c, loan.issued_at);
  }
  Schedule(loan, decide);
}

// ------------------------------------------------------------------------- outcomes

void CreditSimulator::Impl::Decide(const Pending& p, const DayContext& day, RecordStream& loans,
                                   std::map<std::string, uint64_t>& loan_status) {
  const Loan& loan = p.loan;
  double p_default;
  double z = loan.risk;
  if (loan.merchant) {
    const Merchant& merchant = population.merchants[loan.borrower];
    const int from = std::max(loan.issue_day + 1, day.day - (kHistoryDays - 1));
    double post = 0;
    for (int d = from; d < day.day; ++d) {
      post += static_cast<double>(population.history(loan.borrower, d).sales);
    }
    const int span = day.day - from;
    const double post_daily = span > 0 ? post / span : loan.pre_level;
    const double floor = 50.0 * kCny;  // keeps the ratio finite for near-silent merchants
    z +=
        kMerchantRealised * Clamp(std::log((post_daily + floor) / (loan.pre_level + floor)), -3, 1);
    if (merchant.colluding) z += kMerchantColluding;
    p_default = Sigmoid(z);
    if (merchant.fail_day <= loan.due_day) p_default = std::max(p_default, kFailedDefault);
  } else {
    const double drift = ObservedRatio(population.customers[loan.borrower]) - loan.pre_level;
    z += kConsumerDrift * Clamp(drift, -0.5, 1.0);
    p_default = Sigmoid(z);
  }
  const double p_late = Sigmoid(z + kLateShift);
  const double u = rng.Uniform();
  if (u >= p_default && u < p_default + (1 - p_default) * p_late) {
    // LATE: 1..29 days, mostly the first week.
    const int dpd =
        static_cast<int>(std::min<int64_t>(29, 1 + std::llround(rng.Exponential(0.18))));
    Pending f = p;
    f.action = Action::kFinal;
    f.status = kLate;
    f.days_past_due = dpd;
    f.ts = loan.due_at + dpd * kMicrosPerDay +
           static_cast<Timestamp>(rng.Below(86'400)) * kMicrosPerSecond;
    f.day = static_cast<int32_t>(day.day + (f.ts - day.begin) / kMicrosPerDay);
    f.seq = next_seq++;
    queue.push(f);
    return;
  }
  if (u < p_default) {
    Pending f = p;
    f.action = Action::kFinal;
    f.status = kDefault;
    f.days_past_due = kDefaultDays;
    f.ts = loan.due_at + kDefaultDays * kMicrosPerDay;
    f.day = static_cast<int32_t>(day.day + (f.ts - day.begin) / kMicrosPerDay);
    f.seq = next_seq++;
    queue.push(f);
    return;
  }
  // REPAID today: on the due day not after due_at, otherwise during business hours.
  Timestamp ts;
  if (day.day >= loan.due_day) {
    const Timestamp span = std::max<Timestamp>(1, (loan.due_at - day.begin) / kMicrosPerSecond);
    ts = day.begin +
         static_cast<Timestamp>(rng.Below(static_cast<uint64_t>(span))) * kMicrosPerSecond;
  } else {
    ts = TimeOfDay(day, 0, 15);  // 08:00-23:00 in UTC+8
  }
  ts = std::max(ts, loan.issued_at + kMicrosPerSecond);
  Write(loan, kRepaid, ts, 0, loans);
  ++loan_status[kStatusNames[kRepaid]];
  Settle(loan, ts);
}

CreditSimulator::CreditSimulator(const WorldOptions& options, Population& population)
    : impl_(std::make_unique<Impl>(options, population)) {}
CreditSimulator::~CreditSimulator() = default;

void CreditSimulator::SimulateDay(const DayContext& day, RecordStream& loans,
                                  RecordStream& customers,
                                  std::map<std::string, uint64_t>& loan_status) {
  Impl& s = *impl_;
  s.customers = &customers;
  // Settlements first, so that a borrower who repaid today may apply again later today.
  while (!s.queue.empty() && s.queue.top().day <= day.day) {
    const Pending p = s.queue.top();
    s.queue.pop();
    if (p.action == Action::kDecide) {
      s.Decide(p, day, loans, loan_status);
    } else {
      s.Write(p.loan, static_cast<LoanStatus>(p.status), p.ts, p.days_past_due, loans);
      ++loan_status[kStatusNames[p.status]];
      s.Settle(p.loan, p.ts);
    }
  }
  s.ApplyMerchants(day, loans);
  s.ApplyCustomers(day, loans);
}

}  // namespace panorama::generate
