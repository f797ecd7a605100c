// Fraud and money laundering: the incidents the CrimeSimulator injects into the genuine
// transactions of each day. docs/generator.md (Crime) states every pattern, its parameters
// and its signature in the data.
//
// Invariants:
//  - every planned transaction sits in `pending_` until the day it belongs to; a day's
//    SimulateDay emits exactly the pending records with ts in [day.begin, day.end), so an
//    incident may span days while every record is emitted within its own day; records that
//    would fall after the world's end are never planned;
//  - `pending_` holds only the records of incidents under way (a few days ahead at most), so
//    memory does not grow with the length of the world;
//  - all randomness comes from rng_ (kCrimeStream), in an order fixed by the day loop.
//
// Rate control: each fraud pattern keeps a budget `owed_` that grows every day by its share
// of the day's fraud target (fraud_rate of the day's transactions) and shrinks by one for
// every transaction planned. Incidents start at Poisson(owed / mean incident size) per day,
// so the realised rate tracks the target whatever the incident sizes turn out to be.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema.h"
#include "generate/internal/world.h"
#include "generate/internal/world_run.h"

namespace panorama::generate {
namespace {

constexpr Timestamp kMinute = 60 * kMicrosPerSecond;
constexpr Timestamp kHour = 60 * kMinute;
constexpr Timestamp kDay = kMicrosPerDay;
// Generation order of crime records: above every genuine order, so the day's sort is
// deterministic and independent of the genuine counter.
constexpr uint64_t kOrderBase = uint64_t{1} << 62;
constexpr int kHomeUtcOffset = 8;

constexpr size_t kPatterns = static_cast<size_t>(Pattern::kCount);
constexpr size_t Index(Pattern p) { return static_cast<size_t>(p); }

// ---------------------------------------------------------------- the fraud mix

// Share of fraud transactions per pattern, and the mean transactions per incident that turns a
// budget into incident starts (measured on generated worlds; only the burstiness depends on it).
struct MixEntry {
  Pattern pattern;
  double share;
  double mean_size;
};
constexpr MixEntry kFraudMix[] = {
    {Pattern::kCardTesting, 0.20, 14.0},     {Pattern::kAccountTakeover, 0.20, 3.5},
    {Pattern::kStolenCardSpree, 0.30, 11.0}, {Pattern::kMerchantCollusion, 0.10, 7.5},
    {Pattern::kBustOut, 0.05, 40.0},         {Pattern::kFriendlyFraud, 0.15, 1.0},
};
constexpr double kFriendlyShare = 0.15;
constexpr int kMaxStartsPerDay = 200;  // per pattern: a bound, never reached at sane rates

// Label delays in days (uniform per transaction), by pattern.
struct Delay {
  double lo, hi;
};
constexpr Delay kCardTestingDelay = {5, 40};
constexpr Delay kTakeoverDelay = {1, 10};
constexpr Delay kSpreeDelay = {10, 60};
constexpr Delay kCollusionDelay = {15, 75};
constexpr Delay kBustOutDelay = {10, 60};
constexpr Delay kFriendlyDelay = {20, 60};
constexpr Delay kLaunderingDelay = {30, 90};

// ---------------------------------------------------------------- card testing

constexpr int kTestCardsMin = 3, kTestCardsMax = 12;
constexpr int kTestMerchantsMin = 2, kTestMerchantsMax = 5;
constexpr double kSecondTest = 0.45, kThirdTest = 0.15;
constexpr int kTestGapMinSeconds = 6, kTestGapMaxSeconds = 90;
constexpr double kTestCentsShare = 0.8;   // tests with cents (0.50-9.99), else whole 1-10 CNY
constexpr double kCashOutShare = 0.3;     // tested cards then used for one big purchase
constexpr double kCashOutMeanHours = 10;  // delay of that purchase after the burst
constexpr double kCashOutMedian = 2500, kCashOutSigma = 0.7;
constexpr double kTestForeignCity = 0.5;  // the rest appear from a home city (proxies)
constexpr double kTestNightShare = 0.5;   // bursts in the home night, 00:00-06:00

// ---------------------------------------------------------------- account takeover

constexpr double kTakeoverOwnDevice = 0.2;  // remote-access malware on the victim's own phone
constexpr double kTakeoverForeign = 0.55;   // of the rest: abroad, else another home city
constexpr double kTakeoverNightShare = 0.45;
constexpr double kTakeoverProbeTransfer = 0.5;  // the probe is a small transfer, else a purchase
constexpr double kTakeoverWaitMeanHours = 1.5;
constexpr int kTakeoverBigMin = 1, kTakeoverBigMax = 4;
constexpr double kTakeoverTransferShare = 0.55;
constexpr double kMuleReuse = 0.3;

// ---------------------------------------------------------------- stolen card spree

constexpr int kSpreeTxMin = 6, kSpreeTxMax = 18;
constexpr double kSpreeAbroad = 0.4;
constexpr double kSpreeAtmShare = 0.3;
constexpr double kSpreeGapMeanMinutes = 14;
constexpr double kSpreeMinKm = 300;
constexpr double kBreachCardShare = 0.5;  // incidents draw from breached cards when there are any
constexpr int kBreachPoolCap = 2048;

// Data breaches: the first a few days in, then one every kBreachMeanGapDays on average.
constexpr double kBreachMeanGapDays = 30;
constexpr int kBreachWindowMin = 2, kBreachWindowMax = 5;  // days of card capture
constexpr int kBreachQuietMin = 3, kBreachQuietMax = 12;   // days before the cards are used
constexpr double kWaveShare = 0.4;                         // breaches after the first
constexpr int kWaveDaysMin = 3, kWaveDaysMax = 6;
constexpr int kWaveSpreesMin = 3, kWaveSpreesMax = 12;
constexpr double kWaveBudgetShare = 0.25;  // of the world's spree budget

// ---------------------------------------------------------------- merchants

constexpr double kColluderTxPerMerchant = 60;
constexpr int kColluderMax = 500;
constexpr int kCollusionCardsMin = 3, kCollusionCardsMax = 10;
constexpr double kCollusionRepeat = 0.15;
// Fake sales rounded down to 100 or 10 CNY; the rest carry cents like real sales.
constexpr double kCollusionRound100 = 0.15, kCollusionRound10 = 0.15;
constexpr double kColluderClosure = 0.5;  // acquirer closes it after its window
constexpr double kBustOutTxPerMerchant = 40;
constexpr int kBustOutMax = 500;
constexpr int kBustOutSpikeMin = 3, kBustOutSpikeMax = 5;
constexpr int kBustOutHistoryDays = 28;
constexpr double kBustOutSalesMin = 3.0, kBustOutSalesMax = 5.0;  // fraud sales / usual sales

// ---------------------------------------------------------------- friendly fraud

constexpr int64_t kFriendlyMinAmount = 200LL * 100;  // CNY minor units
constexpr double kDisputerShare = 0.02;
constexpr double kDisputerWeight = 10;

// ---------------------------------------------------------------- money laundering

constexpr int64_t kReportingThreshold = 50'000;  // CNY, large cash transactions
constexpr int kFanMin = 8, kFanMax = 16;
constexpr int kMulesPerScheme = 16;

// ---------------------------------------------------------------- places and money

int UtcOffsetHours(uint16_t city) {
  const City& c = Cities()[city];
  const std::string_view cc = c.country;
  if (cc == "JP" || cc == "KR") return 9;
  if (cc == "TH") return 7;
  if (cc == "GB") return 0;
  if (cc == "FR" || cc == "IT") return 1;
  if (cc == "US") return c.lon < -100 ? -8 : -5;
  if (cc == "AU") return 10;
  return kHomeUtcOffset;  // CN, HK, SG
}

double Km(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRad = std::numbers::pi / 180;
  const double x = (lon2 - lon1) * kRad * std::cos((lat1 + lat2) * 0.5 * kRad);
  const double y = (lat2 - lat1) * kRad;
  return 6371.0 * std::sqrt(x * x + y * y);
}

int64_t ToMinor(double cny, uint8_t currency) {
  const CurrencyInfo& info = Currencies()[currency];
  return std::max<int64_t>(1, std::llround(cny * info.per_cny * std::pow(10.0, info.exponent)));
}

// A round figure of about `local` major units: 1, 2 or 5 times a power of ten, in its minor units.
int64_t RoundLocal(double cny, uint8_t currency) {
  const CurrencyInfo& info = Currencies()[currency];
  const double local = std::max(cny * info.per_cny, 1.0);
  const double power = std::pow(10.0, std::floor(std::log10(local)));
  const double m = local / power;
  const double figure = power * (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10);
  return std::llround(figure * std::pow(10.0, info.exponent));
}

// Rounds whole CNY: to 1000 with p1000, else to 100 with p100, else to 10 with p10, else 1.
double RoundCny(Rng& rng, double cny, double p1000, double p100, double p10) {
  const double u = rng.Uniform();
  if (u < p1000 && cny >= 2000) return std::round(cny / 1000) * 1000;
  if (u < p1000 + p100 && cny >= 200) return std::round(cny / 100) * 100;
  if (u < p1000 + p100 + p10 && cny >= 20) return std::round(cny / 10) * 10;
  return std::max(1.0, std::round(cny));
}

// Merchants of one group, drawn by popularity.
struct Pool {
  std::vector<uint32_t> members;
  AliasTable table;
  bool empty() const { return members.empty(); }
};

Pool MakePool(std::vector<uint32_t> members, const Population& pop) {
  Pool pool;
  pool.members = std::move(members);
  if (pool.members.empty()) return pool;
  std::vector<double> weights;
  weights.reserve(pool.members.size());
  for (uint32_t m : pool.members) weights.push_back(std::max(0.01F, pop.merchants[m].popularity));
  pool.table = AliasTable(weights);
  return pool;
}

// A weighted choice among named categories (names missing from the table are skipped).
struct CategoryMix {
  std::vector<uint16_t> categories;
  AliasTable table;
};

struct Weighted {
  std::string_view name;
  double weight;
};

CategoryMix MakeMix(std::span<const Weighted> entries) {
  CategoryMix mix;
  std::vector<double> weights;
  for (const Weighted& e : entries) {
    const int cat = CategoryIndex(e.name);
    if (cat < 0) continue;
    mix.categories.push_back(static_cast<uint16_t>(cat));
    weights.push_back(e.weight);
  }
  if (!weights.empty()) mix.table = AliasTable(weights);
  return mix;
}

constexpr Weighted kTestCategories[] = {{"digital_goods", 0.55}, {"online_marketplace", 0.45}};
constexpr Weighted kCashOutCategories[] = {
    {"electronics", 0.45}, {"online_marketplace", 0.25}, {"digital_goods", 0.2}, {"jewelry", 0.1}};
constexpr Weighted kSpreeCategories[] = {{"electronics", 0.30},      {"jewelry", 0.20},
                                         {"department_store", 0.15}, {"clothing", 0.13},
                                         {"cosmetics", 0.12},        {"home_furnishing", 0.05},
                                         {"sporting_goods", 0.05}};
constexpr std::string_view kColluderCategories[] = {
    "electronics", "jewelry", "home_furnishing", "restaurants", "hotels", "clothing", "cosmetics"};
constexpr std::string_view kBustOutCategories[] = {"electronics", "jewelry",   "home_furnishing",
                                                   "clothing",    "cosmetics", "sporting_goods",
                                                   "restaurants"};

bool Contains(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// ---------------------------------------------------------------- scheduled schemes

struct Colluder {
  uint32_t merchant;
  int from_day, to_day;  // active on [from_day, to_day)
};

struct BustOut {
  uint32_t merchant;
  int spike_day;  // first day of the sales spike; fail_day follows the last
};

struct Scheme {
  Pattern pattern;
  uint32_t customer;
  int start_day;
  std::array<uint32_t, kMulesPerScheme> mules;
};

// A data breach at a merchant: cards used there are captured for a few days, then abused.
struct Breach {
  uint32_t merchant = kNone;
  int capture_until = -1;  // last day of capture
  int exploit_day = -1;
  bool wave = false;
};

}  // namespace

// ---------------------------------------------------------------- the simulator

struct CrimeSimulator::Impl {
  Impl(const WorldOptions& options, Population& population);
  void SimulateDay(const DayContext& day, std::vector<TxRecord>& day_tx,
                   std::vector<Incident>& incidents);

 private:
  // Set-up.
  void BuildPools();
  double EstimateDailyTransactions() const;
  void ChooseColluders(double est_fraud_total);
  void ChooseBustOuts(double est_fraud_total);
  void ChooseLaunderers();

  // Per day.
  void RunBreach(const DayContext& day, const std::vector<TxRecord>& day_tx,
                 std::vector<Incident>& incidents);
  void StartWave(const DayContext& day, std::vector<Incident>& incidents);
  void MarkFriendlyFraud(const DayContext& day, std::vector<TxRecord>& day_tx);
  void Flush(const DayContext& day, std::vector<TxRecord>& day_tx);

  // Incidents.
  void PlanCardTesting(const DayContext& day);
  void PlanTakeover(const DayContext& day);
  void PlanSpree(Timestamp day_begin, uint32_t card);
  void PlanCollusion(const DayContext& day);
  void PlanBustOut(const DayContext& day, const BustOut& bust);
  void PlanScheme(const DayContext& day, const Scheme& scheme);
  void PlanStructuring(const DayContext& day, const Scheme& scheme);
  void PlanFanIn(const DayContext& day, const Scheme& scheme);
  void PlanFanOut(const DayContext& day, const Scheme& scheme);
  void PlanPassThrough(const DayContext& day, const Scheme& scheme);
  void PlanRoundTrip(const DayContext& day, const Scheme& scheme);

  // Records.
  size_t BeginIncident(Pattern pattern) {
    pattern_ = pattern;
    incident_ = ++next_incident_;
    return pending_.size();
  }
  // Appends a planned record of the current incident at `ts`, or returns nullptr when `ts`
  // falls after the world (the record is then not planned at all). The pointer is valid
  // until the next call.
  TxRecord* Plan(Timestamp ts, uint32_t customer) {
    if (ts >= end_ || ts < start_) return nullptr;
    TxRecord& tx = pending_.emplace_back();
    tx.ts = ts;
    tx.customer = customer;
    tx.account = pop_.customers[customer].account;
    tx.pattern = pattern_;
    tx.incident = incident_;
    owed_[Index(pattern_)] -= 1;
    return &tx;
  }
  // Sets the label of the records planned since `first`: delay uniform in `delay` days.
  void Label(size_t first, LabelSource source, Delay delay) {
    for (size_t i = first; i < pending_.size(); ++i) {
      pending_[i].label_source = source;
      pending_[i].label_delay = DelayMicros(delay);
    }
  }
  int64_t DelayMicros(Delay delay) {
    return static_cast<int64_t>(rng_.Uniform(delay.lo, delay.hi) * static_cast<double>(kDay));
  }

  // Fills the card fields of a purchase or withdrawal by `card`.
  void CardFields(TxRecord& tx, uint32_t card) const {
    tx.card = card;
    tx.account = pop_.customers[pop_.card_owner[card]].account;
  }
  void PosAt(TxRecord& tx, uint32_t merchant, double cny) const {
    const Merchant& m = pop_.merchants[merchant];
    tx.merchant = merchant;
    tx.mcc = static_cast<uint16_t>(Categories()[m.category].mcc);
    tx.channel = tx_channel::kPos;
    tx.type = tx_type::kPurchase;
    tx.city = m.city;
    tx.lat = m.lat;
    tx.lon = m.lon;
    tx.currency = 0;
    tx.amount = ToMinor(cny, 0);
  }
  // An online purchase at `merchant` made from `city` (the initiator's place); online
  // purchases are charged in CNY by the home merchants.
  void OnlineAt(TxRecord& tx, uint32_t merchant, double cny, uint16_t city, uint32_t device,
                uint32_t ip, bool mobile) const {
    const Merchant& m = pop_.merchants[merchant];
    tx.merchant = merchant;
    tx.mcc = static_cast<uint16_t>(Categories()[m.category].mcc);
    tx.channel = mobile ? tx_channel::kMobile : tx_channel::kOnline;
    tx.type = tx_type::kPurchase;
    tx.city = city;
    tx.device = device;
    tx.ipv4 = ip;
    tx.currency = 0;
    tx.amount = ToMinor(cny, 0);
  }
  // Channel, device and IP of a transfer the customer makes from their own phone or computer
  // at home (as genuine transfers are made).
  void OwnAccess(TxRecord& tx, const Customer& cu) {
    tx.device = cu.first_device + (cu.device_count == 1 || rng_.Bernoulli(0.75)
                                       ? 0
                                       : static_cast<uint32_t>(rng_.Below(cu.device_count)));
    if (rng_.Bernoulli(0.7)) {
      tx.channel = tx_channel::kMobile;
      tx.ipv4 = rng_.Bernoulli(0.4) ? cu.ipv4 : DomesticIp(rng_);
    } else {
      tx.channel = tx_channel::kOnline;
      tx.ipv4 = rng_.Bernoulli(0.85) ? cu.ipv4 : DomesticIp(rng_);
    }
  }
  // An outgoing transfer from the customer's account, made by phone or computer at home.
  void TransferOut(Timestamp ts, uint32_t customer, uint32_t counterparty, bool external,
                   double cny) {
    TxRecord* tx = Plan(ts, customer);
    if (tx == nullptr) return;
    const Customer& cu = pop_.customers[customer];
    tx->type = tx_type::kTransfer;
    tx->counterparty = counterparty;
    tx->counterparty_external = external;
    tx->city = cu.home_city;
    tx->amount = ToMinor(cny, 0);
    OwnAccess(*tx, cu);
  }
  // An incoming transfer from an account at another institution.
  void TransferIn(Timestamp ts, uint32_t customer, uint32_t external, double cny) {
    TxRecord* tx = Plan(ts, customer);
    if (tx == nullptr) return;
    tx->channel = tx_channel::kTransfer;
    tx->type = tx_type::kDeposit;
    tx->counterparty = external;
    tx->counterparty_external = true;
    tx->city = pop_.customers[customer].home_city;
    tx->amount = ToMinor(cny, 0);
  }

  // Draws.
  uint32_t DrawCard(Timestamp ts, double breach_share);
  uint32_t DrawCustomer(Timestamp ts, Timestamp min_tenure);
  uint32_t DrawOnline(const CategoryMix& mix, Timestamp ts);
  uint32_t DrawFromPool(const Pool& pool, Timestamp ts);
  uint16_t DrawFarCity(const Customer& cu, bool abroad);
  uint32_t NewDevice() { return pop_.device_total + next_device_++; }
  uint32_t MuleAccount();
  uint32_t ExternalAccount() {
    return personal_base_ + static_cast<uint32_t>(rng_.Below(personal_count_));
  }
  bool TradesAt(uint32_t merchant, Timestamp ts) const {
    const int d = DayOf(ts);
    return pop_.Trades(merchant, d, start_ + d * kDay);
  }
  int DayOf(Timestamp ts) const { return static_cast<int>((ts - start_) / kDay); }
  // A timestamp on the UTC day beginning at `day_begin` at local hour `hour` of `city`
  // (hours wrap around the day).
  static Timestamp AtLocal(Timestamp day_begin, uint16_t city, double hour) {
    double utc = std::fmod(hour - UtcOffsetHours(city), 24.0);
    if (utc < 0) utc += 24;
    const auto offset = static_cast<Timestamp>(utc * static_cast<double>(kHour));
    return day_begin + std::clamp<Timestamp>(offset, 0, kDay - 1);
  }
  // U(lo, hi) seconds with microsecond resolution, as genuine times have: whole seconds
  // would show in the timestamps' milliseconds.
  Timestamp Seconds(double lo, double hi) {
    return static_cast<Timestamp>(rng_.Uniform(lo, hi) * static_cast<double>(kMicrosPerSecond));
  }
  Timestamp Gap(double mean_minutes, double min_minutes) {
    return static_cast<Timestamp>((min_minutes + rng_.Exponential(1.0 / mean_minutes)) *
                                  static_cast<double>(kMinute));
  }

  const WorldOptions options_;
  Population& pop_;
  Rng rng_;
  const Timestamp start_, end_;
  const int days_;
  const uint32_t customer_count_;
  uint32_t personal_base_ = 0, personal_count_ = 1;

  // Merchant pools.
  std::vector<Pool> online_by_category_;
  std::vector<Pool> spree_by_city_;  // offline merchants of the spree categories, per home city
  CategoryMix test_mix_, cash_out_mix_, spree_mix_;
  AliasTable home_city_table_;

  // Schemes decided at construction.
  std::vector<Colluder> colluders_;
  std::vector<BustOut> bust_outs_;  // by spike day
  size_t next_bust_out_ = 0;
  std::vector<Scheme> schemes_;  // by start day
  size_t next_scheme_ = 0;
  std::vector<uint8_t> disputer_;  // per customer: a serial disputer

  // Breaches.
  Breach breach_;
  int next_breach_day_ = kNever;
  bool first_breach_ = true;
  std::vector<uint32_t> captured_;        // cards captured by the breach under way
  std::vector<uint32_t> breached_cards_;  // captured cards on sale: fraud draws from them

  // Rate control.
  std::array<double, kPatterns> owed_{};
  double target_sum_ = 0;  // fraud transactions targeted so far
  int days_seen_ = 0;
  double bust_out_planned_ = 0;

  // Counters.
  std::vector<TxRecord> pending_;
  Pattern pattern_ = Pattern::kNone;
  uint32_t incident_ = 0, next_incident_ = 0;
  uint32_t next_device_ = 0;
  uint64_t next_order_ = 0;
  std::array<uint32_t, 64> recent_mules_{};
  size_t mule_count_ = 0;
  std::vector<double> scratch_;
};

CrimeSimulator::Impl::Impl(const WorldOptions& options, Population& population)
    : options_(options),
      pop_(population),
      rng_(options.seed, kCrimeStream),
      start_(options.start != 0 ? options.start : DefaultStart()),
      end_(start_ + std::max(1, options.days) * kDay),
      days_(std::max(1, options.days)),
      customer_count_(static_cast<uint32_t>(population.customers.size())) {
  // Mule accounts are drawn from the same index range as the genuine external payees
  // (spending.cc: employers, one pension fund per home city, then personal accounts), so an
  // id says nothing about its role.
  const uint32_t employers = std::max<uint32_t>(16, customer_count_ / 25);
  personal_base_ = employers + static_cast<uint32_t>(HomeCityCount());
  personal_count_ = std::max<uint32_t>(1000, customer_count_ * 2);

  BuildPools();
  const double est_fraud_total = options_.fraud_rate * EstimateDailyTransactions() * days_;
  ChooseColluders(est_fraud_total);
  ChooseBustOuts(est_fraud_total);
  ChooseLaunderers();
  disputer_.assign(customer_count_, 0);
  for (uint32_t c = 0; c < customer_count_; ++c) {
    disputer_[c] = rng_.Bernoulli(kDisputerShare) ? 1 : 0;
  }
  if (days_ >= 20 && options_.fraud_rate > 0) {
    next_breach_day_ = static_cast<int>(rng_.Between(3, std::min(12, days_ / 4)));
  }
  pending_.reserve(4096);
  captured_.reserve(kBreachPoolCap);
  breached_cards_.reserve(kBreachPoolCap);
}

void CrimeSimulator::Impl::BuildPools() {
  const auto categories = Categories();
  const int home = HomeCityCount();
  test_mix_ = MakeMix(kTestCategories);
  cash_out_mix_ = MakeMix(kCashOutCategories);
  spree_mix_ = MakeMix(kSpreeCategories);
  std::vector<double> weights;
  weights.reserve(static_cast<size_t>(home));
  for (int c = 0; c < home; ++c) weights.push_back(Cities()[static_cast<size_t>(c)].weight);
  home_city_table_ = AliasTable(weights);

  std::vector<std::vector<uint32_t>> online(categories.size());
  std::vector<std::vector<uint32_t>> spree(static_cast<size_t>(home));
  std::vector<uint8_t> spree_category(categories.size(), 0);
  for (uint16_t cat : spree_mix_.categories) spree_category[cat] = 1;
  for (size_t i = 0; i < pop_.merchants.size(); ++i) {
    const Merchant& m = pop_.merchants[i];
    if (m.online) {
      online[m.category].push_back(static_cast<uint32_t>(i));
    } else if (spree_category[m.category] && m.city < home) {
      spree[m.city].push_back(static_cast<uint32_t>(i));
    }
  }
  for (auto& members : online) online_by_category_.push_back(MakePool(std::move(members), pop_));
  for (auto& members : spree) spree_by_city_.push_back(MakePool(std::move(members), pop_));
}

// Genuine transactions per day, roughly (purchases plus bills, cash and transfers), to size
// the schemes decided before the first day; the daily budgets use the real counts.
double CrimeSimulator::Impl::EstimateDailyTransactions() const {
  double activity = 0;
  for (const Customer& c : pop_.customers) activity += c.activity;
  return activity * 1.15 + 0.25 * static_cast<double>(customer_count_);
}

void CrimeSimulator::Impl::ChooseColluders(double est_fraud_total) {
  if (options_.fraud_rate <= 0) return;
  const double share = kFraudMix[3].share;
  const int n =
      std::clamp(static_cast<int>(std::lround(est_fraud_total * share / kColluderTxPerMerchant)), 2,
                 kColluderMax);
  std::vector<uint32_t> candidates;
  for (size_t i = 0; i < pop_.merchants.size(); ++i) {
    const Merchant& m = pop_.merchants[i];
    if (m.online || m.size > 1 || m.fail_day != kNever || m.opened_at > start_ ||
        m.life == LifeCourse::kDeclining ||
        !Contains(kColluderCategories, Categories()[m.category].name)) {
      continue;
    }
    candidates.push_back(static_cast<uint32_t>(i));
  }
  // Windows staggered over the world so that one is usually active.
  const int span = std::max(7, days_ / n);
  for (int k = 0; k < n && !candidates.empty(); ++k) {
    const size_t pick = rng_.Below(candidates.size());
    const uint32_t merchant = candidates[pick];
    candidates[pick] = candidates.back();
    candidates.pop_back();
    Colluder c;
    c.merchant = merchant;
    c.from_day = std::max(0, k * days_ / n - static_cast<int>(rng_.Between(0, 7)));
    c.to_day = std::min(days_, c.from_day + span + static_cast<int>(rng_.Between(14, 45)));
    Merchant& m = pop_.merchants[merchant];
    m.colluding = true;
    if (rng_.Bernoulli(kColluderClosure)) {
      m.fail_day = c.to_day + static_cast<int>(rng_.Between(3, 14));
    }
    colluders_.push_back(c);
  }
}

void CrimeSimulator::Impl::ChooseBustOuts(double est_fraud_total) {
  if (options_.fraud_rate <= 0 || days_ < 14) return;
  const double share = kFraudMix[4].share;
  const int n =
      std::clamp(static_cast<int>(std::lround(est_fraud_total * share / kBustOutTxPerMerchant)), 1,
                 kBustOutMax);
  std::vector<uint32_t> candidates;
  for (int pass = 0; pass < 2 && candidates.empty(); ++pass) {
    for (size_t i = 0; i < pop_.merchants.size(); ++i) {
      const Merchant& m = pop_.merchants[i];
      if (m.colluding || m.fail_day != kNever || m.opened_at > start_ - 90 * kDay ||
          m.life == LifeCourse::kDeclining) {
        continue;
      }
      if (pass == 0 && (m.online || m.size < 1 || m.size > 2 ||
                        !Contains(kBustOutCategories, Categories()[m.category].name))) {
        continue;
      }
      candidates.push_back(static_cast<uint32_t>(i));
    }
  }
  // The spike ends the day before fail_day; it needs history before it.
  const int lo =
      days_ >= 40 ? std::max(kBustOutHistoryDays + kBustOutSpikeMax, days_ / 3) : days_ - 1;
  const int hi = days_ - 1;
  for (int k = 0; k < n && !candidates.empty(); ++k) {
    const size_t pick = rng_.Below(candidates.size());
    const uint32_t merchant = candidates[pick];
    candidates[pick] = candidates.back();
    candidates.pop_back();
    const int fail_day = static_cast<int>(rng_.Between(lo, hi));
    const int spike = static_cast<int>(rng_.Between(kBustOutSpikeMin, kBustOutSpikeMax));
    Merchant& m = pop_.merchants[merchant];
    m.colluding = true;
    m.fail_day = fail_day;
    bust_outs_.push_back({merchant, std::max(1, fail_day - spike)});
  }
  std::sort(bust_outs_.begin(), bust_outs_.end(), [](const BustOut& a, const BustOut& b) {
    return a.spike_day != b.spike_day ? a.spike_day < b.spike_day : a.merchant < b.merchant;
  });
}

// aml_rate of the customers run one scheme each; whenever the rate is positive there is at
// least one scheme of every typology, so that small worlds show them all.
void CrimeSimulator::Impl::ChooseLaunderers() {
  if (options_.aml_rate <= 0) return;
  constexpr Pattern kTypologies[] = {Pattern::kStructuring, Pattern::kFanIn, Pattern::kFanOut,
                                     Pattern::kPassThrough, Pattern::kRoundTrip};
  constexpr int kSpanDays[] = {20, 8, 6, 30, 20};
  const auto wanted =
      static_cast<size_t>(std::max<double>(5, std::round(options_.aml_rate * customer_count_)));
  std::vector<uint8_t> used(customer_count_, 0);
  auto draw = [&]() -> uint32_t {
    for (int attempt = 0; attempt < 64; ++attempt) {
      const auto c = static_cast<uint32_t>(rng_.Below(customer_count_));
      if (!used[c] && pop_.customers[c].joined_at <= start_ - 30 * kDay) {
        used[c] = 1;
        return c;
      }
    }
    return kNone;
  };
  for (size_t k = 0; k < wanted && k < customer_count_ / 20; ++k) {
    Scheme s;
    const size_t typology = k % std::size(kTypologies);
    s.pattern = kTypologies[typology];
    s.customer = draw();
    if (s.customer == kNone) break;
    for (uint32_t& mule : s.mules) mule = draw();
    if (s.mules[kMulesPerScheme - 1] == kNone) break;
    s.start_day = static_cast<int>(
        rng_.Below(static_cast<uint64_t>(std::max(1, days_ - kSpanDays[typology]))));
    schemes_.push_back(s);
  }
  std::sort(schemes_.begin(), schemes_.end(), [](const Scheme& a, const Scheme& b) {
    return a.start_day != b.start_day ? a.start_day < b.start_day : a.customer < b.customer;
  });
}

// ---------------------------------------------------------------- draws

uint32_t CrimeSimulator::Impl::DrawCard(Timestamp ts, double breach_share) {
  if (!breached_cards_.empty() && rng_.Bernoulli(breach_share)) {
    const size_t i = rng_.Below(breached_cards_.size());
    const uint32_t card = breached_cards_[i];
    breached_cards_[i] = breached_cards_.back();
    breached_cards_.pop_back();
    if (pop_.customers[pop_.card_owner[card]].joined_at <= ts) return card;
  }
  for (int attempt = 0; attempt < 16; ++attempt) {
    const auto card = static_cast<uint32_t>(rng_.Below(pop_.card_owner.size()));
    if (pop_.customers[pop_.card_owner[card]].joined_at + 14 * kDay <= ts) return card;
  }
  return kNone;
}

uint32_t CrimeSimulator::Impl::DrawCustomer(Timestamp ts, Timestamp min_tenure) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    const auto c = static_cast<uint32_t>(rng_.Below(customer_count_));
    if (pop_.customers[c].joined_at + min_tenure <= ts) return c;
  }
  return kNone;
}

uint32_t CrimeSimulator::Impl::DrawFromPool(const Pool& pool, Timestamp ts) {
  if (pool.empty()) return kNone;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const uint32_t m = pool.members[pool.table.Draw(rng_)];
    if (TradesAt(m, ts)) return m;
  }
  return kNone;
}

uint32_t CrimeSimulator::Impl::DrawOnline(const CategoryMix& mix, Timestamp ts) {
  if (mix.categories.empty()) return kNone;
  for (int attempt = 0; attempt < 4; ++attempt) {
    const uint16_t cat = mix.categories[mix.table.Draw(rng_)];
    const uint32_t m = DrawFromPool(online_by_category_[cat], ts);
    if (m != kNone) return m;
  }
  return kNone;
}

// Another home city at least kSpreeMinKm from home, or a city abroad.
uint16_t CrimeSimulator::Impl::DrawFarCity(const Customer& cu, bool abroad) {
  const auto cities = Cities();
  const auto home = static_cast<uint64_t>(HomeCityCount());
  if (abroad && cities.size() > home) {
    return static_cast<uint16_t>(home + rng_.Below(cities.size() - home));
  }
  for (int attempt = 0; attempt < 16; ++attempt) {
    const auto c = static_cast<uint16_t>(home_city_table_.Draw(rng_));
    if (Km(cu.home_lat, cu.home_lon, cities[c].lat, cities[c].lon) >= kSpreeMinKm) return c;
  }
  return static_cast<uint16_t>(cities.size() > home ? home : 0);
}

// A mule account at another institution; mules are reused across incidents now and then.
uint32_t CrimeSimulator::Impl::MuleAccount() {
  if (mule_count_ > 0 && rng_.Bernoulli(kMuleReuse)) {
    return recent_mules_[rng_.Below(std::min(mule_count_, recent_mules_.size()))];
  }
  const uint32_t mule = ExternalAccount();
  recent_mules_[mule_count_++ % recent_mules_.size()] = mule;
  return mule;
}

// ---------------------------------------------------------------- the day

void CrimeSimulator::Impl::SimulateDay(const DayContext& day, std::vector<TxRecord>& day_tx,
                                       std::vector<Incident>& incidents) {
  ++days_seen_;
  // Fraud F out of all T = G + X transactions, where friendly fraud converts genuine ones and
  // the other patterns add X = (1 - s_ff) F: F = r G / (1 - r (1 - s_ff)).
  const double r = options_.fraud_rate;
  const double target =
      r > 0 ? r * static_cast<double>(day.genuine_tx) / (1 - r * (1 - kFriendlyShare)) : 0;
  target_sum_ += target;

  RunBreach(day, day_tx, incidents);
  while (next_scheme_ < schemes_.size() && schemes_[next_scheme_].start_day <= day.day) {
    PlanScheme(day, schemes_[next_scheme_++]);
  }
  while (next_bust_out_ < bust_outs_.size() && bust_outs_[next_bust_out_].spike_day <= day.day) {
    PlanBustOut(day, bust_outs_[next_bust_out_++]);
  }

  for (const MixEntry& entry : kFraudMix) {
    double& owed = owed_[Index(entry.pattern)];
    owed += entry.share * target;
    if (entry.pattern == Pattern::kBustOut || entry.pattern == Pattern::kFriendlyFraud) continue;
    if (owed <= 0) continue;
    const int64_t starts =
        std::min<int64_t>(rng_.Poisson(owed / entry.mean_size), kMaxStartsPerDay);
    for (int64_t k = 0; k < starts; ++k) {
      switch (entry.pattern) {
        case Pattern::kCardTesting:
          PlanCardTesting(day);
          break;
        case Pattern::kAccountTakeover:
          PlanTakeover(day);
          break;
        case Pattern::kStolenCardSpree: {
          const uint32_t card = DrawCard(day.begin, kBreachCardShare);
          if (card != kNone) PlanSpree(day.begin, card);
          break;
        }
        case Pattern::kMerchantCollusion:
          PlanCollusion(day);
          break;
        default:
          break;
      }
    }
  }
  MarkFriendlyFraud(day, day_tx);
  Flush(day, day_tx);
}

// Emits the pending records of today. Online and mobile records that fall inside an outage
// happen right after it (or, when that is past midnight, not at all: their budget returns).
void CrimeSimulator::Impl::Flush(const DayContext& day, std::vector<TxRecord>& day_tx) {
  size_t keep = 0;
  for (size_t i = 0; i < pending_.size(); ++i) {
    TxRecord tx = pending_[i];
    if (tx.ts >= day.end) {
      pending_[keep++] = tx;
      continue;
    }
    if (tx.channel == tx_channel::kOnline || tx.channel == tx_channel::kMobile) {
      const Timestamp planned = tx.ts;
      for (const auto& [from, to] : day.outages) {
        if (tx.ts >= from && tx.ts < to) tx.ts = to + Seconds(1, 900);
      }
      // A takeover is reported all at once: its label keeps its time.
      if (tx.pattern == Pattern::kAccountTakeover) tx.label_delay -= tx.ts - planned;
      if (tx.ts >= day.end) {
        owed_[Index(tx.pattern)] += 1;
        continue;
      }
    }
    tx.order = kOrderBase + next_order_++;
    day_tx.push_back(tx);
  }
  pending_.resize(keep);
}

// ---------------------------------------------------------------- breaches and waves

void CrimeSimulator::Impl::RunBreach(const DayContext& day, const std::vector<TxRecord>& day_tx,
                                     std::vector<Incident>& incidents) {
  const size_t genuine = std::min<size_t>(day_tx.size(), day.genuine_tx);
  if (breach_.merchant == kNone && day.day >= next_breach_day_ && genuine > 0) {
    // The breached merchant: where a random POS purchase of today happened.
    const size_t from = rng_.Below(genuine);
    for (size_t k = 0; k < genuine; ++k) {
      const TxRecord& tx = day_tx[(from + k) % genuine];
      if (tx.channel != tx_channel::kPos || tx.merchant == kNone || tx.card == kNone) continue;
      const Merchant& m = pop_.merchants[tx.merchant];
      if (m.size < 1 || m.colluding || m.fail_day < day.day + 30) continue;
      breach_.merchant = tx.merchant;
      break;
    }
    if (breach_.merchant != kNone) {
      const int window = static_cast<int>(rng_.Between(kBreachWindowMin, kBreachWindowMax));
      breach_.capture_until = day.day + window - 1;
      breach_.exploit_day =
          breach_.capture_until + static_cast<int>(rng_.Between(kBreachQuietMin, kBreachQuietMax));
      breach_.wave = (first_breach_ || rng_.Bernoulli(kWaveShare)) &&
                     breach_.exploit_day + kWaveDaysMax < days_;
      first_breach_ = false;
      incidents.push_back({"data_breach", day.begin, day.begin + window * kDay,
                           "MERCHANT:" + MakeId(IdKind::kMerchant, breach_.merchant)});
    }
  }
  if (breach_.merchant == kNone) return;
  if (day.day <= breach_.capture_until) {
    for (size_t i = 0; i < genuine; ++i) {
      const TxRecord& tx = day_tx[i];
      if (tx.merchant != breach_.merchant || tx.card == kNone || tx.channel != tx_channel::kPos) {
        continue;
      }
      if (captured_.size() >= static_cast<size_t>(kBreachPoolCap)) break;
      if (std::find(captured_.begin(), captured_.end(), tx.card) == captured_.end()) {
        captured_.push_back(tx.card);
      }
    }
  }
  if (day.day == breach_.exploit_day) {
    // After the quiet days the captured cards go on sale: from today fraud draws from them.
    for (const uint32_t card : captured_) {
      if (breached_cards_.size() >= static_cast<size_t>(kBreachPoolCap)) break;
      breached_cards_.push_back(card);
    }
    captured_.clear();
    if (breach_.wave) StartWave(day, incidents);
    breach_ = Breach{};
    next_breach_day_ = day.day + 1 + static_cast<int>(rng_.Exponential(1.0 / kBreachMeanGapDays));
  }
}

// A fraud wave: the breached cards are abused in a cluster of sprees over a few days.
void CrimeSimulator::Impl::StartWave(const DayContext& day, std::vector<Incident>& incidents) {
  const double daily = target_sum_ / std::max(1, days_seen_);
  const double spree_budget = daily * days_ * kFraudMix[2].share;
  const int sprees = std::clamp(
      static_cast<int>(std::lround(spree_budget * kWaveBudgetShare / kFraudMix[2].mean_size)),
      kWaveSpreesMin, kWaveSpreesMax);
  const int wave_days = static_cast<int>(rng_.Between(kWaveDaysMin, kWaveDaysMax));
  int planned = 0;
  for (int k = 0; k < sprees; ++k) {
    const Timestamp begin = day.begin + rng_.Between(0, wave_days - 1) * kDay;
    const uint32_t card = DrawCard(begin, 0.9);
    if (card == kNone) continue;
    PlanSpree(begin, card);
    ++planned;
  }
  if (planned > 0) {
    incidents.push_back({"fraud_wave", day.begin, day.begin + wave_days * kDay, "BANK:PANO"});
  }
}

// ---------------------------------------------------------------- card testing

void CrimeSimulator::Impl::PlanCardTesting(const DayContext& day) {
  // The merchants the batch is tested at.
  std::array<uint32_t, kTestMerchantsMax> merchants{};
  const int n_merchants = static_cast<int>(rng_.Between(kTestMerchantsMin, kTestMerchantsMax));
  int have = 0;
  for (int k = 0; k < n_merchants * 3 && have < n_merchants; ++k) {
    const uint32_t m = DrawOnline(test_mix_, day.begin);
    if (m == kNone) break;
    if (std::find(merchants.begin(), merchants.begin() + have, m) == merchants.begin() + have) {
      merchants[static_cast<size_t>(have++)] = m;
    }
  }
  if (have == 0) return;

  const size_t first = BeginIncident(Pattern::kCardTesting);
  const uint32_t device = NewDevice();
  const uint32_t ip = ForeignIp(rng_);
  const bool foreign = rng_.Bernoulli(kTestForeignCity);
  const auto home = static_cast<uint64_t>(HomeCityCount());
  const auto city = static_cast<uint16_t>(foreign && Cities().size() > home
                                              ? home + rng_.Below(Cities().size() - home)
                                              : home_city_table_.Draw(rng_));
  const bool mobile = rng_.Bernoulli(0.3);
  Timestamp t = rng_.Bernoulli(kTestNightShare)
                    ? AtLocal(day.begin, 0, rng_.Uniform(0, 6))
                    : day.begin + static_cast<Timestamp>(rng_.Below(kDay));
  const int cards = static_cast<int>(rng_.Between(kTestCardsMin, kTestCardsMax));
  size_t last_merchant = rng_.Below(static_cast<uint64_t>(have));
  for (int k = 0; k < cards; ++k) {
    const uint32_t card = DrawCard(t, kBreachCardShare);
    if (card == kNone) continue;
    const uint32_t owner = pop_.card_owner[card];
    const int tests = 1 + rng_.Bernoulli(kSecondTest) + rng_.Bernoulli(kThirdTest);
    Timestamp last = t;
    for (int j = 0; j < tests; ++j) {
      // The next merchant of the rotation, so a card's tests hit different merchants.
      last_merchant =
          (last_merchant + 1 + (have > 2 ? rng_.Below(2) : 0)) % static_cast<size_t>(have);
      t += Seconds(kTestGapMinSeconds, kTestGapMaxSeconds);
      const double cny = rng_.Bernoulli(kTestCentsShare)
                             ? static_cast<double>(rng_.Between(50, 999)) / 100
                             : static_cast<double>(rng_.Between(1, 10));
      TxRecord* tx = Plan(t, owner);
      if (tx == nullptr) break;
      CardFields(*tx, card);
      OnlineAt(*tx, merchants[last_merchant], cny, city, device, ip, mobile);
      last = t;
    }
    if (rng_.Bernoulli(kCashOutShare)) {
      const Timestamp at = last + Gap(kCashOutMeanHours * 60, 20);
      const uint32_t m = DrawOnline(cash_out_mix_, at);
      TxRecord* tx = m == kNone ? nullptr : Plan(at, owner);
      if (tx != nullptr) {
        const double cny =
            std::clamp(rng_.LogNormal(std::log(kCashOutMedian), kCashOutSigma), 300.0, 30'000.0);
        CardFields(*tx, card);
        OnlineAt(*tx, m, cny, city, rng_.Bernoulli(0.6) ? device : NewDevice(),
                 rng_.Bernoulli(0.7) ? ip : ForeignIp(rng_), mobile);
      }
    }
  }
  Label(first, LabelSource::kChargeback, kCardTestingDelay);
}

// ---------------------------------------------------------------- account takeover

void CrimeSimulator::Impl::PlanTakeover(const DayContext& day) {
  const uint32_t victim = DrawCustomer(day.begin, 30 * kDay);
  if (victim == kNone) return;
  const Customer& cu = pop_.customers[victim];
  const size_t first = BeginIncident(Pattern::kAccountTakeover);

  uint32_t device;
  uint32_t ip;
  uint16_t city;
  if (rng_.Bernoulli(kTakeoverOwnDevice)) {
    device = cu.first_device + static_cast<uint32_t>(rng_.Below(cu.device_count));
    ip = rng_.Bernoulli(0.5) ? cu.ipv4 : DomesticIp(rng_);
    city = cu.home_city;
  } else if (rng_.Bernoulli(kTakeoverForeign)) {
    device = NewDevice();
    ip = ForeignIp(rng_);
    city = DrawFarCity(cu, true);
  } else {
    device = NewDevice();
    ip = DomesticIp(rng_);
    city = DrawFarCity(cu, false);
  }
  const bool mobile = rng_.Bernoulli(0.7);
  Timestamp t = rng_.Bernoulli(kTakeoverNightShare) ? AtLocal(day.begin, 0, rng_.Uniform(0, 6))
                                                    : AtLocal(day.begin, 0, rng_.Uniform(7, 24));
  const uint32_t card = cu.first_card + static_cast<uint32_t>(rng_.Below(cu.card_count));
  // What the customer usually moves in a day, CNY: the larger of the observed spending and a
  // thirtieth of the income.
  const double usual =
      std::max(static_cast<double>(cu.spend_30d), static_cast<double>(cu.monthly_income) / 30) /
      100;

  auto transfer = [&](Timestamp ts, double cny, uint32_t mule) {
    TxRecord* tx = Plan(ts, victim);
    if (tx == nullptr) return;
    tx->type = tx_type::kTransfer;
    tx->channel = mobile ? tx_channel::kMobile : tx_channel::kOnline;
    tx->counterparty = mule;
    tx->counterparty_external = true;
    tx->city = city;
    tx->device = device;
    tx->ipv4 = ip;
    tx->amount = ToMinor(cny, 0);
  };
  auto purchase = [&](Timestamp ts, const CategoryMix& mix, double cny) {
    const uint32_t m = DrawOnline(mix, ts);
    if (m == kNone) return false;
    TxRecord* tx = Plan(ts, victim);
    if (tx == nullptr) return true;
    CardFields(*tx, card);
    OnlineAt(*tx, m, cny, city, device, ip, mobile);
    return true;
  };

  // The probe: a small transfer or purchase that shows the account works.
  uint32_t mule = MuleAccount();
  // (A transfer also when no shop for the purchase trades today.)
  if (rng_.Bernoulli(kTakeoverProbeTransfer) || !purchase(t, test_mix_, rng_.Uniform(1, 60))) {
    transfer(t, RoundCny(rng_, rng_.Uniform(1, 200), 0, 0.3, 0.3), mule);
  }
  t += Gap(kTakeoverWaitMeanHours * 60, 5);
  const int big = static_cast<int>(rng_.Between(kTakeoverBigMin, kTakeoverBigMax));
  for (int k = 0; k < big; ++k) {
    if (rng_.Bernoulli(kTakeoverTransferShare)) {
      if (!rng_.Bernoulli(0.5)) mule = MuleAccount();
      const double cny =
          std::clamp(usual * 30 * rng_.LogNormal(std::log(0.8), 0.5), 3000.0, 200'000.0);
      transfer(t, RoundCny(rng_, cny, 0.3, 0.4, 0.1), mule);
    } else {
      const double cny = std::clamp(
          rng_.LogNormal(std::log(4000 * std::sqrt(static_cast<double>(cu.amount_scale))), 0.5),
          1500.0, 60'000.0);
      purchase(t, cash_out_mix_, cny);
    }
    t += rng_.Between(2LL * 60, 40LL * 60) * kMicrosPerSecond;
  }
  // The customer reports everything at once, 1-10 days after the last record.
  if (pending_.size() > first) {
    const Timestamp last = pending_.back().ts;
    const Timestamp span = last - pending_[first].ts;
    const auto lo = static_cast<double>(kTakeoverDelay.lo * static_cast<double>(kDay));
    const auto hi = static_cast<double>(kTakeoverDelay.hi * static_cast<double>(kDay)) -
                    static_cast<double>(span);
    const Timestamp report = last + static_cast<Timestamp>(rng_.Uniform(lo, std::max(lo, hi)));
    for (size_t i = first; i < pending_.size(); ++i) {
      pending_[i].label_source = LabelSource::kCustomerReport;
      pending_[i].label_delay = report - pending_[i].ts;
    }
  }
}

// ---------------------------------------------------------------- stolen card spree

void CrimeSimulator::Impl::PlanSpree(Timestamp day_begin, uint32_t card) {
  const uint32_t owner = pop_.card_owner[card];
  const Customer& cu = pop_.customers[owner];
  const bool abroad = rng_.Bernoulli(kSpreeAbroad);
  const uint16_t city = DrawFarCity(cu, abroad);
  const City& place = Cities()[city];
  const bool home_country = static_cast<int>(city) < HomeCityCount();
  const int span = 1 + rng_.Bernoulli(0.45) + rng_.Bernoulli(0.2);
  const int total = static_cast<int>(rng_.Between(kSpreeTxMin, kSpreeTxMax));
  const size_t first = BeginIncident(Pattern::kStolenCardSpree);

  int done = 0;
  for (int d = 0; d < span && done < total; ++d) {
    const Timestamp begin = day_begin + d * kDay;
    const int left_days = span - d;
    const int n =
        d + 1 == span
            ? total - done
            : std::max(2, static_cast<int>((total - done) / left_days + rng_.Between(-1, 1)));
    Timestamp t = AtLocal(begin, city, rng_.Uniform(9.5, 18.5));
    for (int k = 0; k < n; ++k, t += Gap(kSpreeGapMeanMinutes, 2)) {
      if (t >= begin + kDay) break;  // the spree pauses for the night
      uint32_t merchant = kNone;
      const bool atm = rng_.Bernoulli(kSpreeAtmShare);
      if (!atm && home_country) merchant = DrawFromPool(spree_by_city_[city], t);
      TxRecord* tx = Plan(t, owner);
      if (tx == nullptr) break;
      ++done;
      CardFields(*tx, card);
      if (atm || (home_country && merchant == kNone)) {
        // Cash at an ATM: the largest notes the machine gives.
        tx->mcc = 6011;
        tx->channel = tx_channel::kAtm;
        tx->type = tx_type::kWithdrawal;
        tx->city = city;
        tx->currency = place.currency;
        tx->lat = static_cast<float>(place.lat + rng_.Normal(0, 0.03));
        tx->lon = static_cast<float>(place.lon + rng_.Normal(0, 0.03));
        tx->amount = home_country ? rng_.Between(10, 30) * 100 * 100
                                  : RoundLocal(rng_.Uniform(1500, 3500), place.currency);
        continue;
      }
      const uint16_t cat = merchant != kNone ? pop_.merchants[merchant].category
                                             : spree_mix_.categories[spree_mix_.table.Draw(rng_)];
      const Category& category = Categories()[cat];
      const double cny =
          std::clamp(category.median_amount * rng_.LogNormal(std::log(1.8), 0.55), 50.0, 40'000.0);
      if (merchant != kNone) {
        PosAt(*tx, merchant, cny);
      } else {
        // Abroad: a shop without a merchant record of ours, in the local currency.
        tx->mcc = static_cast<uint16_t>(category.mcc);
        tx->channel = tx_channel::kPos;
        tx->type = tx_type::kPurchase;
        tx->city = city;
        tx->currency = place.currency;
        tx->lat = static_cast<float>(place.lat + rng_.Normal(0, 0.03));
        tx->lon = static_cast<float>(place.lon + rng_.Normal(0, 0.03));
        tx->amount = ToMinor(cny, place.currency);
      }
    }
  }
  Label(first, LabelSource::kChargeback, kSpreeDelay);
}

// ---------------------------------------------------------------- merchant collusion

void CrimeSimulator::Impl::PlanCollusion(const DayContext& day) {
  // A colluding merchant active today.
  uint32_t merchant = kNone;
  const size_t n = colluders_.size();
  if (n == 0) return;
  const size_t from = rng_.Below(n);
  for (size_t k = 0; k < n && merchant == kNone; ++k) {
    const Colluder& c = colluders_[(from + k) % n];
    if (day.day >= c.from_day && day.day < c.to_day &&
        pop_.Trades(c.merchant, day.day, day.begin)) {
      merchant = c.merchant;
    }
  }
  if (merchant == kNone) return;
  const Merchant& m = pop_.merchants[merchant];
  const double median = Categories()[m.category].median_amount;
  // Review limits the fake sales stay under.
  static constexpr double kLimits[] = {1000, 2000, 5000, 10'000, 20'000, 50'000};
  size_t lo = median < 150 ? 0 : median < 800 ? 1 : 2;
  const double limit = kLimits[lo + rng_.Below(median < 150 ? 2 : median < 800 ? 2 : 4)];

  const size_t first = BeginIncident(Pattern::kMerchantCollusion);
  Timestamp t = AtLocal(day.begin, m.city, rng_.Uniform(19, 27));
  const int cards = static_cast<int>(rng_.Between(kCollusionCardsMin, kCollusionCardsMax));
  for (int k = 0; k < cards; ++k) {
    const uint32_t card = DrawCard(t, kBreachCardShare);
    if (card == kNone) continue;
    const int repeat = 1 + rng_.Bernoulli(kCollusionRepeat);
    for (int j = 0; j < repeat; ++j) {
      t += Gap(8, 1);
      if (!TradesAt(merchant, t)) break;
      TxRecord* tx = Plan(t, pop_.card_owner[card]);
      if (tx == nullptr) break;
      double cny = limit * rng_.Uniform(0.88, 0.998);
      const double u = rng_.Uniform();
      if (u < kCollusionRound100) {
        cny = std::floor(cny / 100) * 100;
      } else if (u < kCollusionRound100 + kCollusionRound10) {
        cny = std::floor(cny / 10) * 10;
      }
      CardFields(*tx, card);
      PosAt(*tx, merchant, std::min(cny, limit - 1));
    }
  }
  Label(first, LabelSource::kChargeback, kCollusionDelay);
}

// ---------------------------------------------------------------- bust-out

void CrimeSimulator::Impl::PlanBustOut(const DayContext& day, const BustOut& bust) {
  const Merchant& m = pop_.merchants[bust.merchant];
  const int spike_days = m.fail_day - day.day;
  if (spike_days <= 0) return;
  // Usual daily sales: the mean over the days before the spike (CNY).
  const int history = std::min(kBustOutHistoryDays, day.day);
  double usual = 0;
  for (int d = day.day - history; d < day.day; ++d) {
    usual += static_cast<double>(pop_.history(bust.merchant, d).sales);
  }
  usual = history > 0 ? usual / history / 100 : 0;

  // This scheme's share of the bust-out budget still open.
  const double daily = target_sum_ / std::max(1, days_seen_);
  const double budget = daily * days_ * kFraudMix[4].share - bust_out_planned_;
  const size_t left = bust_outs_.size() - next_bust_out_ + 1;
  const int total = std::clamp(static_cast<int>(std::lround(budget / static_cast<double>(left))),
                               3 * spike_days, 400);

  const size_t first = BeginIncident(Pattern::kBustOut);
  const double median = Categories()[m.category].median_amount;
  double weight_sum = 0;
  for (int d = 0; d < spike_days; ++d) weight_sum += 1 + 0.5 * d;
  for (int d = 0; d < spike_days; ++d) {
    const Timestamp begin = day.begin + d * kDay;
    int n = std::max(2, static_cast<int>(std::lround(total * (1 + 0.5 * d) / weight_sum)));
    // Amounts: the category's, scaled up when needed to reach the day's sales target.
    const double sales_target = usual * rng_.Uniform(kBustOutSalesMin, kBustOutSalesMax);
    scratch_.clear();
    double sum = 0;
    for (int k = 0; k < n; ++k) {
      scratch_.push_back(median * rng_.LogNormal(std::log(1.5), 0.5));
      sum += scratch_.back();
    }
    double scale = sum < sales_target ? sales_target / sum : 1;
    if (scale > 20) {
      // Too few records for the target at plausible amounts: more cards.
      n = std::min(4 * n, static_cast<int>(std::ceil(n * scale / 20)));
      while (static_cast<int>(scratch_.size()) < n) {
        scratch_.push_back(median * rng_.LogNormal(std::log(1.5), 0.5));
        sum += scratch_.back();
      }
      scale = sum < sales_target ? sales_target / sum : 1;
    }
    for (int k = 0; k < n; ++k) {
      const Timestamp t = AtLocal(begin, m.city, rng_.Uniform(10, 21.5));
      const uint32_t card = DrawCard(t, 0.3);
      if (card == kNone) continue;
      TxRecord* tx = Plan(t, pop_.card_owner[card]);
      if (tx == nullptr) break;
      bust_out_planned_ += 1;
      const double cny = std::max(1.0, scratch_[static_cast<size_t>(k)] * scale);
      CardFields(*tx, card);
      if (m.online) {
        OnlineAt(*tx, bust.merchant, cny, static_cast<uint16_t>(home_city_table_.Draw(rng_)),
                 NewDevice(), DomesticIp(rng_), rng_.Bernoulli(0.5));
      } else {
        PosAt(*tx, bust.merchant, cny);
      }
    }
  }
  Label(first, LabelSource::kChargeback, kBustOutDelay);
}

// ---------------------------------------------------------------- friendly fraud

// Genuine online purchases of at least 200 CNY that their cardholders later dispute; serial
// disputers are kDisputerWeight times likelier. The records themselves stay as they were.
void CrimeSimulator::Impl::MarkFriendlyFraud(const DayContext& day, std::vector<TxRecord>& day_tx) {
  double& owed = owed_[Index(Pattern::kFriendlyFraud)];
  if (owed < 1) return;
  const size_t genuine = std::min<size_t>(day_tx.size(), day.genuine_tx);
  auto candidate = [&](const TxRecord& tx) {
    return tx.pattern == Pattern::kNone && tx.type == tx_type::kPurchase && tx.card != kNone &&
           tx.merchant != kNone && tx.currency == 0 && tx.amount >= kFriendlyMinAmount &&
           (tx.channel == tx_channel::kOnline || tx.channel == tx_channel::kMobile);
  };
  double weight = 0;
  for (size_t i = 0; i < genuine; ++i) {
    if (candidate(day_tx[i])) weight += disputer_[day_tx[i].customer] ? kDisputerWeight : 1;
  }
  if (weight <= 0) return;
  const double want = std::floor(owed + rng_.Uniform());
  for (size_t i = 0; i < genuine; ++i) {
    TxRecord& tx = day_tx[i];
    if (!candidate(tx)) continue;
    const double w = disputer_[tx.customer] ? kDisputerWeight : 1;
    if (!rng_.Bernoulli(std::min(1.0, want * w / weight))) continue;
    tx.pattern = Pattern::kFriendlyFraud;
    tx.incident = ++next_incident_;
    tx.label_source = LabelSource::kChargeback;
    tx.label_delay = DelayMicros(kFriendlyDelay);
    owed -= 1;
  }
}

// ---------------------------------------------------------------- money laundering

void CrimeSimulator::Impl::PlanScheme(const DayContext& day, const Scheme& scheme) {
  const size_t first = BeginIncident(scheme.pattern);
  switch (scheme.pattern) {
    case Pattern::kStructuring:
      PlanStructuring(day, scheme);
      break;
    case Pattern::kFanIn:
      PlanFanIn(day, scheme);
      break;
    case Pattern::kFanOut:
      PlanFanOut(day, scheme);
      break;
    case Pattern::kPassThrough:
      PlanPassThrough(day, scheme);
      break;
    case Pattern::kRoundTrip:
      PlanRoundTrip(day, scheme);
      break;
    default:
      break;
  }
  Label(first, LabelSource::kConfirmed, kLaunderingDelay);
  // Laundering is not fraud: it has no budget (Plan counted it down), so restore it.
  owed_[Index(scheme.pattern)] = 0;
}

// Cash deposits just under the reporting threshold at several branches of the home city,
// over days, then transfers out.
void CrimeSimulator::Impl::PlanStructuring(const DayContext& day, const Scheme& scheme) {
  const uint32_t c = scheme.customer;
  const Customer& cu = pop_.customers[c];
  const int deposits = static_cast<int>(rng_.Between(5, 12));
  const int span = static_cast<int>(rng_.Between(deposits / 2 + 2, 14));
  std::array<float, 6> branch_lat{}, branch_lon{};
  const City& home = Cities()[cu.home_city];
  for (size_t b = 0; b < branch_lat.size(); ++b) {
    branch_lat[b] = static_cast<float>(home.lat + rng_.Normal(0, 0.04));
    branch_lon[b] = static_cast<float>(home.lon + rng_.Normal(0, 0.04));
  }
  double total = 0;
  Timestamp last = day.begin;
  size_t branch = rng_.Below(branch_lat.size());
  for (int k = 0; k < deposits; ++k) {
    const Timestamp begin = day.begin + (k * span / deposits) * kDay;
    const bool atm = rng_.Bernoulli(0.15);
    const Timestamp t =
        AtLocal(begin, cu.home_city, atm ? rng_.Uniform(7, 22) : rng_.Uniform(9, 16.9));
    TxRecord* tx = Plan(t, c);
    if (tx == nullptr) break;
    double cny = static_cast<double>(rng_.Between(45'000, kReportingThreshold - 1));
    if (rng_.Bernoulli(0.4)) cny = std::floor(cny / 100) * 100;
    branch = (branch + 1 + rng_.Below(branch_lat.size() - 1)) % branch_lat.size();
    tx->type = tx_type::kDeposit;
    tx->channel = atm ? tx_channel::kAtm : tx_channel::kCounter;
    if (atm) {
      tx->mcc = 6011;
      tx->card = cu.first_card;
    }
    tx->city = cu.home_city;
    tx->lat = branch_lat[branch];
    tx->lon = branch_lon[branch];
    tx->amount = ToMinor(cny, 0);
    total += cny;
    last = std::max(last, t);
  }
  // Out: one to three transfers of most of it to other institutions, within three days.
  const int outs = static_cast<int>(rng_.Between(1, 3));
  const double sent = total * rng_.Uniform(0.9, 1.0);
  Timestamp t = last + Gap(12 * 60, 30);
  for (int k = 0; k < outs; ++k, t += Gap(10 * 60, 10)) {
    TransferOut(t, c, MuleAccount(), true, RoundCny(rng_, sent / outs, 0.3, 0.5, 0.1));
  }
}

// Many accounts (customers of ours and accounts elsewhere) send to one within days; it sends
// the sum on.
void CrimeSimulator::Impl::PlanFanIn(const DayContext& day, const Scheme& scheme) {
  const uint32_t c = scheme.customer;
  const Customer& cu = pop_.customers[c];
  const int senders = static_cast<int>(rng_.Between(kFanMin, kFanMax));
  const int span = static_cast<int>(rng_.Between(1, 4));
  double total = 0;
  Timestamp last = day.begin;
  for (int k = 0; k < senders; ++k) {
    const Timestamp t =
        AtLocal(day.begin + rng_.Between(0, span - 1) * kDay, cu.home_city, rng_.Uniform(8, 23.5));
    const double cny = RoundCny(rng_, rng_.Uniform(3000, 30'000), 0.2, 0.5, 0.2);
    const uint32_t mule = scheme.mules[static_cast<size_t>(k) % kMulesPerScheme];
    if (rng_.Bernoulli(0.6) && mule != kNone) {
      TransferOut(t, mule, cu.account, false, cny);
    } else {
      TransferIn(t, c, ExternalAccount(), cny);
    }
    total += cny;
    last = std::max(last, t);
  }
  const int outs = static_cast<int>(rng_.Between(1, 2));
  const double sent = total * rng_.Uniform(0.95, 1.0);
  Timestamp t = last + Gap(8 * 60, 120);
  for (int k = 0; k < outs; ++k, t += Gap(60, 5)) {
    TransferOut(t, c, MuleAccount(), true, RoundCny(rng_, sent / outs, 0.2, 0.5, 0.2));
  }
}

// A large sum arrives from elsewhere and is split to many accounts within days.
void CrimeSimulator::Impl::PlanFanOut(const DayContext& day, const Scheme& scheme) {
  const uint32_t c = scheme.customer;
  const Customer& cu = pop_.customers[c];
  const double total = static_cast<double>(rng_.Between(150, 800)) * 1000;
  Timestamp t = AtLocal(day.begin, cu.home_city, rng_.Uniform(9, 17));
  TransferIn(t, c, ExternalAccount(), total);
  const int receivers = static_cast<int>(rng_.Between(kFanMin, kFanMax));
  std::array<double, kFanMax> shares{};
  double sum = 0;
  for (int k = 0; k < receivers; ++k)
    sum += (shares[static_cast<size_t>(k)] = rng_.Uniform(0.5, 1.5));
  const double sent = total * rng_.Uniform(0.97, 1.0);
  t += Gap(3 * 60, 30);
  for (int k = 0; k < receivers; ++k, t += Gap(90, 2)) {
    const double cny = RoundCny(rng_, sent * shares[static_cast<size_t>(k)] / sum, 0.2, 0.6, 0.1);
    const uint32_t mule = scheme.mules[static_cast<size_t>(k) % kMulesPerScheme];
    if (rng_.Bernoulli(0.5) && mule != kNone) {
      TransferOut(t, c, pop_.customers[mule].account, false, cny);
    } else {
      TransferOut(t, c, ExternalAccount(), true, cny);
    }
  }
}

// Money in from elsewhere and out again within hours, 90-99 % of it, several times.
void CrimeSimulator::Impl::PlanPassThrough(const DayContext& day, const Scheme& scheme) {
  const uint32_t c = scheme.customer;
  const Customer& cu = pop_.customers[c];
  const int cycles = static_cast<int>(rng_.Between(3, 6));
  Timestamp begin = day.begin;
  for (int k = 0; k < cycles; ++k) {
    const Timestamp t = AtLocal(begin, cu.home_city, rng_.Uniform(8, 20));
    const double in =
        RoundCny(rng_, static_cast<double>(rng_.Between(20, 300)) * 1000 * rng_.Uniform(0.9, 1.1),
                 0.3, 0.3, 0.2);
    TransferIn(t, c, ExternalAccount(), in);
    const Timestamp out = t + rng_.Between(30LL * 60, 6LL * 3600) * kMicrosPerSecond;
    TransferOut(out, c, MuleAccount(), true, std::floor(in * rng_.Uniform(0.90, 0.99)));
    begin += rng_.Between(2, 8) * kDay;
  }
}

// Funds go round A -> B -> ... -> A through 3-5 accounts of ours, losing a little each hop.
void CrimeSimulator::Impl::PlanRoundTrip(const DayContext& day, const Scheme& scheme) {
  const uint32_t a = scheme.customer;
  const int cycles = static_cast<int>(rng_.Between(1, 2));
  Timestamp t = AtLocal(day.begin, pop_.customers[a].home_city, rng_.Uniform(9, 20));
  size_t next_mule = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    const int accounts = static_cast<int>(rng_.Between(3, 5));
    double cny = static_cast<double>(rng_.Between(50, 500)) * 1000;
    uint32_t from = a;
    for (int hop = 0; hop < accounts; ++hop) {
      const bool back = hop + 1 == accounts;
      const uint32_t to = back ? a : scheme.mules[next_mule++ % kMulesPerScheme];
      if (to == kNone) break;
      TransferOut(t, from, pop_.customers[to].account, false, std::floor(cny));
      cny *= rng_.Uniform(0.97, 0.995);
      from = to;
      t += rng_.Between(20LL * 3600, 3LL * 86'400) * kMicrosPerSecond;
    }
    t += rng_.Between(5, 10) * kDay;
  }
}

// ---------------------------------------------------------------- facade

CrimeSimulator::CrimeSimulator(const WorldOptions& options, Population& population)
    : impl_(std::make_unique<Impl>(options, population)) {}

CrimeSimulator::~CrimeSimulator() = default;

void CrimeSimulator::SimulateDay(const DayContext& day, std::vector<TxRecord>& day_tx,
                                 std::vector<Incident>& incidents) {
  impl_->SimulateDay(day, day_tx, incidents);
}

}  // namespace panorama::generate
