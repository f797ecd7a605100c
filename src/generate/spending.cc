// Genuine behaviour: every active customer's purchases, bills, cash, salary, transfers, trips
// abroad and refunds, one day at a time. docs/generator.md (Spending) lists every rate.
//
// Cost model: the per-day set-up is O(categories + personas) plus O(merchants) for the
// trading flags; the merchant alias tables are rebuilt (O(merchants)) when the set of trading
// merchants changes and at least weekly (popularity drifts with the life courses). The
// per-customer and per-transaction paths are O(1) and allocate nothing: transactions go into
// `day_tx` (whose capacity the world keeps) and refunds into a ring of day buckets whose
// capacity is bounded and reused.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/schema.h"
#include "generate/internal/persona.h"
#include "generate/internal/world.h"

namespace panorama::generate {
namespace {

constexpr Timestamp kMicrosPerHour = 3600 * kMicrosPerSecond;
constexpr int kPersonaCount = static_cast<int>(Persona::kCount);

// ---------------------------------------------------------------- daily rhythms (local time)

enum Rhythm : uint8_t {
  kFood,
  kQuick,
  kShop,
  kOnlineShop,
  kCommute,
  kLeisure,
  kOffice,
  kAtm,
  kBranch,
  kSalary,
  kRhythmCount
};
constexpr double kRhythms[kRhythmCount][24] = {
    // kFood: lunch and dinner peaks.
    {0.3, 0.15, 0.08, 0.05, 0.05, 0.1, 0.4, 1.2, 1.6, 1.2, 1.8, 5.5,
     7.5, 4.0,  1.5,  1.2,  1.8,  4.5, 7.0, 6.0, 3.2, 2.0, 1.2, 0.6},
    // kQuick: breakfast, lunch, dinner and late-night snacks.
    {0.8, 0.5, 0.3, 0.2, 0.2, 0.4, 1.5, 4.0, 4.5, 2.5, 2.5, 5.5,
     6.5, 3.5, 2.0, 2.0, 2.5, 4.0, 5.0, 4.2, 3.0, 2.5, 2.0, 1.4},
    // kShop: opening hours, evening peak.
    {0.1, 0.05, 0.03, 0.02, 0.02, 0.05, 0.3, 1.2, 2.5, 3.5, 4.5, 5.0,
     4.8, 4.2,  4.0,  4.2,  4.8,  5.8,  6.2, 5.8, 4.8, 3.2, 1.5, 0.4},
    // kOnlineShop: lunch break and a late-evening peak, active past midnight.
    {2.2, 1.4, 0.8, 0.4, 0.25, 0.25, 0.5, 1.2, 2.0, 2.6, 3.0, 3.6,
     4.2, 3.8, 3.2, 3.2, 3.4,  3.6,  3.8, 4.4, 5.6, 6.4, 6.2, 4.4},
    // kCommute: morning and evening rush, late-night rides.
    {1.5, 1.0, 0.6, 0.3, 0.3, 0.6, 2.0, 5.5, 6.5, 3.0, 2.2, 2.5,
     2.8, 2.2, 2.2, 2.5, 3.2, 5.0, 6.5, 4.5, 3.5, 3.2, 3.0, 2.5},
    // kLeisure: afternoon and evening.
    {0.6, 0.3, 0.1, 0.05, 0.02, 0.02, 0.05, 0.1, 0.3, 0.8, 1.5, 2.2,
     2.8, 3.2, 3.6, 3.8,  4.0,  4.5,  5.5,  6.5, 6.8, 5.5, 3.5, 1.6},
    // kOffice: office hours, tailing off in the evening.
    {0.4, 0.2, 0.1, 0.1, 0.1, 0.3, 1.0, 3.0, 5.0, 6.0, 6.0, 5.0,
     4.0, 4.5, 5.0, 5.0, 4.8, 4.6, 4.0, 3.5, 3.0, 2.4, 1.6, 0.8},
    // kAtm.
    {0.3, 0.15, 0.1, 0.05, 0.05, 0.1, 0.5, 2.0, 3.5, 4.0, 4.2, 4.5,
     5.0, 4.5,  4.0, 4.0,  4.2,  5.0, 5.5, 5.0, 4.0, 3.0, 1.8, 0.8},
    // kBranch: 09:00-17:00 with a lunch dip.
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 6, 6, 3, 4, 6, 6, 4, 0, 0, 0, 0, 0, 0, 0},
    // kSalary: payroll runs in the morning.
    {0, 0, 0, 0, 0, 0, 0, 0, 2, 5, 4, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0},
};
constexpr int kHomeUtcOffsetHours = 8;

// ---------------------------------------------------------------- rates

// Purchase-rate multipliers of the weekdays Monday..Friday (weekends use the categories'
// weekend factors).
constexpr double kWeekdayProfile[5] = {0.96, 0.98, 1.0, 1.0, 1.06};
struct Festival {
  int month, day;
  double intensity;  // share of a category's (festival_factor - 1) uplift applied
};
constexpr Festival kFestivals[] = {{11, 11, 1.0}, {6, 18, 0.6}, {12, 12, 0.4}};
constexpr double kFavouriteCategoryShare = 0.2;
constexpr double kFavouriteMerchantShare = 0.5;
// Purchase-rate boost on the pay date and the two days after it.
constexpr double kPaydayBoost[3] = {1.25, 1.15, 1.08};

// Per persona (student, young professional, family, affluent, retired), per day.
constexpr double kAtmRate[] = {0.04, 0.03, 0.05, 0.03, 0.08};
constexpr double kCounterRate[] = {0.002, 0.003, 0.004, 0.006, 0.02};
constexpr double kP2pRate[] = {0.10, 0.10, 0.07, 0.06, 0.04};
constexpr double kExternalRate[] = {0.01, 0.03, 0.03, 0.05, 0.02};
constexpr double kRenterShare[] = {0.0, 0.65, 0.30, 0.05, 0.05};
constexpr double kHousehold[] = {0.5, 0.8, 1.5, 1.8, 0.9};  // scales utility bills
constexpr double kMobileShare = 0.7;  // MOBILE rather than ONLINE, for online purchases

// ATM amounts (CNY) and their weights per income band.
constexpr int kAtmAmounts[] = {100, 200, 300, 500, 800, 1000, 1500, 2000, 2500, 3000};
constexpr double kAtmWeights[5][10] = {
    {10, 14, 10, 14, 4, 6, 1, 1.5, 0.2, 0.3}, {8, 12, 10, 16, 5, 9, 2, 3, 0.5, 0.8},
    {6, 10, 9, 16, 6, 12, 3, 5, 1, 1.5},      {4, 7, 7, 14, 6, 14, 4, 8, 2, 3},
    {2, 4, 4, 10, 5, 14, 5, 11, 3, 6},
};
constexpr int kTelecomPlans[] = {39, 59, 79, 99, 129, 199, 299};
constexpr double kLuckyAmounts[] = {6.66, 8.88, 66, 88, 99, 168, 188, 520, 666, 888, 1314};
constexpr double kLuckyShare = 0.05;

// Electricity bills by month: air conditioning in summer, heating in winter.
constexpr double kPowerSeason[12] = {1.3, 1.25, 1.0, 0.9, 0.9,  1.05,
                                     1.4, 1.45, 1.1, 0.9, 0.95, 1.15};

// ---------------------------------------------------------------- travel

constexpr double kTripsPerYear = 2.5;
struct Destination {
  std::string_view city;
  double weight;
  int utc_offset_hours;  // standard time
  int min_days, max_days;
  double airfare;      // round-trip fare as a multiple of the airlines category median
  double price_level;  // local prices relative to the home country's
  uint32_t ip_first;
  int ip_prefix;  // a consumer ISP block of the country, for hotel and cafe Wi-Fi
};
constexpr uint32_t Ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}
constexpr Destination kDestinations[] = {
    {"Hong Kong", 0.20, 8, 2, 4, 0.9, 1.3, Ip(42, 2, 0, 0), 15},
    {"Singapore", 0.09, 8, 4, 7, 2.0, 1.4, Ip(203, 116, 0, 0), 16},
    {"Tokyo", 0.13, 9, 4, 8, 2.2, 1.2, Ip(126, 0, 0, 0), 8},
    {"Osaka", 0.08, 9, 4, 7, 2.0, 1.1, Ip(126, 0, 0, 0), 8},
    {"Seoul", 0.10, 9, 3, 6, 1.6, 1.1, Ip(1, 224, 0, 0), 11},
    {"Bangkok", 0.13, 7, 4, 8, 1.8, 0.7, Ip(49, 228, 0, 0), 14},
    {"London", 0.04, 0, 7, 14, 5.5, 1.8, Ip(86, 128, 0, 0), 10},
    {"Paris", 0.04, 1, 7, 14, 5.5, 1.7, Ip(90, 0, 0, 0), 9},
    {"Milan", 0.02, 1, 7, 12, 5.0, 1.6, Ip(79, 0, 0, 0), 10},
    {"New York", 0.05, -5, 7, 14, 6.5, 2.0, Ip(73, 0, 0, 0), 8},
    {"Los Angeles", 0.05, -8, 7, 14, 6.0, 1.8, Ip(73, 0, 0, 0), 8},
    {"Sydney", 0.07, 10, 7, 12, 5.0, 1.6, Ip(1, 120, 0, 0), 13},
};
// What travellers buy abroad (category name, weight).
struct TravelBuy {
  std::string_view category;
  double weight;
};
constexpr TravelBuy kTravelMix[] = {
    {"restaurants", 0.30}, {"fast_food", 0.14}, {"taxi", 0.12},    {"department_store", 0.10},
    {"clothing", 0.08},    {"cosmetics", 0.09}, {"jewelry", 0.03}, {"electronics", 0.04},
    {"convenience", 0.08}, {"cinema", 0.02},
};
constexpr double kTravelAmountFactor = 1.25;

// ---------------------------------------------------------------- refunds

constexpr int kRefundRing = 16;  // > kMaxRefundDelay: a bucket is never due twice at once
constexpr int kMaxRefundDelay = 14;
constexpr double kFullRefundShare = 0.75;
constexpr double kDeclineRefundPerDay = 0.0015;
constexpr double kDeclineRefundCap = 0.08;

uint64_t Hash(uint64_t x) { return SplitMix64(x); }

// Rounds a CNY amount to minor units of currency `currency` (whole units for exponent 0).
int64_t ToMinor(double cny, uint8_t currency) {
  const CurrencyInfo& info = Currencies()[currency];
  const double local = cny * info.per_cny;
  switch (info.exponent) {
    case 0:
      return std::max<int64_t>(1, std::llround(local));
    case 3:
      return std::max<int64_t>(1, std::llround(local * 1000));
    default:
      return std::max<int64_t>(1, std::llround(local * 100));
  }
}

// A round figure of about `local` major units: 1, 2 or 5 times a power of ten.
double RoundFigure(double local) {
  const double power = std::pow(10.0, std::floor(std::log10(std::max(local, 1.0))));
  const double m = local / power;
  return power * (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10);
}

struct PendingRefund {
  Timestamp ts;
  int64_t amount;
  uint32_t customer, account, card, merchant;
  uint16_t mcc, city;
  float lat, lon;
  uint8_t channel;
};

// Walker alias slots of one merchant group, stored flat for all groups.
struct AliasSlot {
  double prob;
  uint32_t merchant, alias;
};
struct Group {
  uint32_t begin = 0, size = 0;
};

}  // namespace

struct SpendingSimulator::Impl {
  Impl(const WorldOptions& options, Population& population);
  void SimulateDay(const DayContext& day, std::vector<TxRecord>& day_tx);

 private:
  // Per-day set-up.
  void PrepareDay(const DayContext& day);
  void UpdateMerchants(const DayContext& day);
  void RebuildMerchantTables(int day);
  void EmitDueRefunds(const DayContext& day);

  // Per customer.
  void SimulateCustomer(uint32_t c);
  void Travel(uint32_t c);
  void DomesticPurchase(uint32_t c, int cat, bool force_online, double amount_factor);
  void ForeignPurchase(uint32_t c, int cat, double cny_amount);
  void ForeignAtm(uint32_t c);
  void Bills(uint32_t c, uint64_t h);
  void Salary(uint32_t c, uint64_t h);
  void Rent(uint32_t c, uint64_t h);
  void RareEvent(uint32_t c);
  void Transfer(uint32_t c, bool external);

  // Helpers.
  uint32_t DrawFromGroup(const Group& group) {
    const AliasSlot& slot = slots_[group.begin + rng_.Below(group.size)];
    return rng_.Uniform() < slot.prob ? slot.merchant : slot.alias;
  }
  const Group& CityGroup(int city, int cat) const {
    return groups_[static_cast<size_t>(city) * category_count_ + static_cast<size_t>(cat)];
  }
  const Group& OnlineGroup(int cat) const {
    return groups_[static_cast<size_t>(home_cities_) * category_count_ + static_cast<size_t>(cat)];
  }
  const Group& NationalGroup(int cat) const {
    return groups_[static_cast<size_t>(home_cities_ + 1) * category_count_ +
                   static_cast<size_t>(cat)];
  }
  // A timestamp today at a local hour drawn from `rhythm`, for a place `utc_offset` hours ahead
  // of UTC.
  Timestamp DrawTime(Rhythm rhythm, int utc_offset_hours = kHomeUtcOffsetHours) {
    const auto hour = static_cast<int64_t>(rhythm_tables_[rhythm].Draw(rng_));
    int64_t local = hour * kMicrosPerHour + static_cast<int64_t>(rng_.Below(kMicrosPerHour));
    local -= utc_offset_hours * kMicrosPerHour;
    local %= kMicrosPerDay;
    if (local < 0) local += kMicrosPerDay;
    return day_->begin + local;
  }
  // Online and mobile transactions cannot happen inside an outage: half are retried soon after
  // it ends, the rest abandoned (returns -1).
  Timestamp AvoidOutages(Timestamp ts) {
    for (const auto& [from, to] : day_->outages) {
      if (ts < from || ts >= to) continue;
      if (!rng_.Bernoulli(0.5)) return -1;
      ts = to + static_cast<Timestamp>(rng_.Exponential(1.0 / 1200.0) * 1e6);
      if (ts >= day_->end) return -1;
    }
    return ts;
  }
  uint32_t Card(const Customer& cu) {
    return cu.first_card + (cu.card_count == 1 || rng_.Bernoulli(0.7)
                                ? 0
                                : static_cast<uint32_t>(rng_.Below(cu.card_count)));
  }
  uint32_t Device(const Customer& cu) {
    return cu.first_device + (cu.device_count == 1 || rng_.Bernoulli(0.75)
                                  ? 0
                                  : static_cast<uint32_t>(rng_.Below(cu.device_count)));
  }
  // Fills the device, IP and channel of an online or mobile transaction made at home.
  void OnlineAccess(const Customer& cu, TxRecord& tx) {
    tx.device = Device(cu);
    if (rng_.Bernoulli(kMobileShare)) {
      tx.channel = tx_channel::kMobile;
      tx.ipv4 = rng_.Bernoulli(0.4) ? cu.ipv4 : DomesticIp(rng_);
    } else {
      tx.channel = tx_channel::kOnline;
      tx.ipv4 = rng_.Bernoulli(0.85) ? cu.ipv4 : DomesticIp(rng_);
    }
  }
  TxRecord& Emit(uint32_t c, Timestamp ts) {
    TxRecord& tx = day_tx_->emplace_back();
    tx.ts = ts;
    tx.customer = c;
    tx.account = pop_.customers[c].account;
    tx.order = order_++;
    return tx;
  }
  void QueueRefund(const TxRecord& purchase, double rate);

  Population& pop_;
  Rng rng_;
  const Timestamp start_;
  const std::span<const Category> categories_;
  const size_t category_count_;
  const int home_cities_;
  const uint32_t customer_count_;
  uint64_t order_ = 0;

  // External accounts: employers [0, employers_), pension funds (one per home city) next,
  // then personal accounts at other institutions.
  uint32_t employers_ = 0, pension_base_ = 0, personal_base_ = 0, personal_count_ = 0;

  int utilities_ = -1, telecom_ = -1, airlines_ = -1, hotels_ = -1, fuel_ = -1;
  std::vector<Rhythm> rhythm_offline_, rhythm_online_;
  std::vector<double> online_preference_;  // online purchase: platform rather than local shop
  std::array<AliasTable, kRhythmCount> rhythm_tables_;
  std::array<AliasTable, 5> atm_tables_;
  std::vector<uint16_t> destination_city_;  // per kDestinations entry found in Cities()
  std::vector<uint8_t> destination_index_;  // its index in kDestinations
  std::vector<int16_t> city_destination_;   // per city: index in kDestinations, or -1
  AliasTable destination_table_;
  std::vector<uint16_t> travel_category_;
  AliasTable travel_table_;
  std::vector<int16_t> utc_offset_;  // per city

  // Merchants.
  std::vector<float> price_;      // per merchant: ticket-size multiplier
  std::vector<uint8_t> trading_;  // per merchant: trades today
  // Per merchant: the probability that a purchase drawn at it happens there (its decline and
  // ramp-up, <= 1); otherwise the customer goes to another merchant of the group, if any.
  std::vector<float> keep_;
  std::vector<AliasSlot> slots_;
  std::vector<Group> groups_;
  int last_rebuild_ = -1;
  std::vector<double> weight_scratch_;
  std::vector<uint32_t> small_scratch_, large_scratch_;

  // Travel plans: the booked trip's first day (-1: none), length and city.
  std::vector<int32_t> plan_start_;
  std::vector<uint8_t> plan_days_;
  std::vector<uint16_t> plan_city_;

  std::array<std::vector<PendingRefund>, kRefundRing> refunds_;
  size_t refund_bucket_cap_ = 0;

  // Today.
  const DayContext* day_ = nullptr;
  std::vector<TxRecord>* day_tx_ = nullptr;
  int year_ = 0, dom_ = 1, month_ = 1;
  bool weekend_ = false;
  std::vector<double> day_factor_;  // per category: today's purchase-rate multiplier
  std::vector<double> festival_;    // per category: today's festival multiplier
  std::array<double, kPersonaCount> persona_rate_{};
  std::array<AliasTable, kPersonaCount> persona_tables_;
  std::array<uint8_t, 29> pay_today_{};  // per payday value 1..28
  std::array<double, 29> pay_boost_{};
};

SpendingSimulator::Impl::Impl(const WorldOptions& options, Population& population)
    : pop_(population),
      rng_(options.seed, kSpendingStream),
      start_(options.start),
      categories_(Categories()),
      category_count_(Categories().size()),
      home_cities_(HomeCityCount()),
      customer_count_(static_cast<uint32_t>(population.customers.size())) {
  employers_ = std::max<uint32_t>(16, customer_count_ / 25);
  pension_base_ = employers_;
  personal_base_ = pension_base_ + static_cast<uint32_t>(home_cities_);
  personal_count_ = std::max<uint32_t>(1000, customer_count_ * 2);

  utilities_ = CategoryIndex("utilities");
  telecom_ = CategoryIndex("telecom");
  airlines_ = CategoryIndex("airlines");
  hotels_ = CategoryIndex("hotels");
  fuel_ = CategoryIndex("fuel");

  rhythm_offline_.assign(category_count_, kShop);
  rhythm_online_.assign(category_count_, kOnlineShop);
  online_preference_.assign(category_count_, 1.0);
  auto set = [&](std::string_view name, Rhythm offline, Rhythm online, double preference) {
    const int cat = CategoryIndex(name);
    if (cat < 0) return;
    rhythm_offline_[static_cast<size_t>(cat)] = offline;
    rhythm_online_[static_cast<size_t>(cat)] = online;
    online_preference_[static_cast<size_t>(cat)] = preference;
  };
  // Food and local services ordered online mostly come from local shops (delivery apps).
  set("restaurants", kFood, kFood, 0.25);
  set("fast_food", kQuick, kFood, 0.25);
  set("convenience", kQuick, kQuick, 0.25);
  set("grocery", kShop, kOnlineShop, 0.5);
  set("pharmacy", kShop, kOnlineShop, 0.5);
  set("taxi", kCommute, kCommute, 1.0);
  set("fuel", kCommute, kCommute, 1.0);
  set("cinema", kLeisure, kLeisure, 0.25);
  set("online_marketplace", kOnlineShop, kOnlineShop, 1.0);
  set("digital_goods", kOnlineShop, kOnlineShop, 1.0);
  for (std::string_view name : {"airlines", "hotels", "utilities", "telecom"}) {
    set(name, kOffice, kOffice, 1.0);
  }
  set("education", kOffice, kOffice, 0.25);
  set("healthcare", kOffice, kOffice, 0.25);

  for (int r = 0; r < kRhythmCount; ++r)
    rhythm_tables_[static_cast<size_t>(r)] = AliasTable(kRhythms[r]);
  for (size_t b = 0; b < atm_tables_.size(); ++b) atm_tables_[b] = AliasTable(kAtmWeights[b]);

  const auto cities = Cities();
  utc_offset_.assign(cities.size(), kHomeUtcOffsetHours);
  city_destination_.assign(cities.size(), -1);
  std::vector<double> weights;
  for (size_t i = 0; i < std::size(kDestinations); ++i) {
    for (size_t c = static_cast<size_t>(home_cities_); c < cities.size(); ++c) {
      if (cities[c].name != kDestinations[i].city) continue;
      utc_offset_[c] = static_cast<int16_t>(kDestinations[i].utc_offset_hours);
      city_destination_[c] = static_cast<int16_t>(i);
      destination_city_.push_back(static_cast<uint16_t>(c));
      destination_index_.push_back(static_cast<uint8_t>(i));
      weights.push_back(kDestinations[i].weight);
    }
  }
  if (!weights.empty()) destination_table_ = AliasTable(weights);
  weights.clear();
  for (const TravelBuy& buy : kTravelMix) {
    const int cat = CategoryIndex(buy.category);
    if (cat < 0) continue;
    travel_category_.push_back(static_cast<uint16_t>(cat));
    weights.push_back(buy.weight);
  }
  travel_table_ = AliasTable(weights);

  const size_t merchants = pop_.merchants.size();
  price_.resize(merchants);
  for (size_t m = 0; m < merchants; ++m) price_[m] = static_cast<float>(rng_.LogNormal(0, 0.3));
  trading_.assign(merchants, 0);
  keep_.assign(merchants, 1.0F);
  groups_.resize(static_cast<size_t>(home_cities_ + 2) * category_count_);

  plan_start_.assign(customer_count_, -1);
  plan_days_.assign(customer_count_, 0);
  plan_city_.assign(customer_count_, 0);
  refund_bucket_cap_ = std::max<size_t>(4096, customer_count_ / 4);

  day_factor_.assign(category_count_, 1.0);
  festival_.assign(category_count_, 1.0);
}

// ---------------------------------------------------------------- per day

void SpendingSimulator::Impl::SimulateDay(const DayContext& day, std::vector<TxRecord>& day_tx) {
  day_ = &day;
  day_tx_ = &day_tx;
  PrepareDay(day);
  UpdateMerchants(day);
  day_tx.reserve(day_tx.size() + static_cast<size_t>(customer_count_) * 2 + 1024);
  EmitDueRefunds(day);
  for (uint32_t c = 0; c < customer_count_; ++c) {
    if (pop_.customers[c].joined_at >= day.end) continue;
    SimulateCustomer(c);
  }
  day_ = nullptr;
  day_tx_ = nullptr;
}

void SpendingSimulator::Impl::PrepareDay(const DayContext& day) {
  const std::chrono::sys_days date{std::chrono::days{DayNumber(day.begin)}};
  const std::chrono::year_month_day ymd{date};
  year_ = static_cast<int>(ymd.year());
  month_ = static_cast<int>(static_cast<unsigned>(ymd.month()));
  dom_ = static_cast<int>(static_cast<unsigned>(ymd.day()));
  const int weekday = static_cast<int>(std::chrono::weekday{date}.iso_encoding()) - 1;
  weekend_ = weekday >= 5;

  double intensity = 0;
  for (const Festival& f : kFestivals) {
    if (f.month == month_ && f.day == dom_) intensity = f.intensity;
  }
  for (size_t c = 0; c < category_count_; ++c) {
    const Category& k = categories_[c];
    festival_[c] = 1 + intensity * (k.festival_factor - 1);
    day_factor_[c] = (weekend_ ? k.weekend_factor : kWeekdayProfile[weekday]) * festival_[c];
  }
  std::vector<double> weights(category_count_);
  for (int p = 0; p < kPersonaCount; ++p) {
    double base = 0, today = 0;
    for (size_t c = 0; c < category_count_; ++c) {
      const double w = PersonaCategoryWeight(static_cast<Persona>(p), static_cast<int>(c));
      base += w;
      weights[c] = w * day_factor_[c];
      today += weights[c];
    }
    persona_rate_[static_cast<size_t>(p)] = today / base;
    persona_tables_[static_cast<size_t>(p)] = AliasTable(weights);
  }

  // Pay dates: a payday on a weekend is paid on the Friday before (the Monday after for the
  // 1st and 2nd, whose Friday falls in the previous month).
  auto pay_date = [](const std::chrono::year_month& ym, int payday) {
    const std::chrono::sys_days d{ym / std::chrono::day{static_cast<unsigned>(payday)}};
    const unsigned wd = std::chrono::weekday{d}.iso_encoding();
    if (wd == 6) return payday >= 2 ? d - std::chrono::days{1} : d + std::chrono::days{2};
    if (wd == 7) return payday >= 3 ? d - std::chrono::days{2} : d + std::chrono::days{1};
    return d;
  };
  const std::chrono::year_month this_month{ymd.year(), ymd.month()};
  const std::chrono::year_month last_month = this_month - std::chrono::months{1};
  for (int p = 1; p <= 28; ++p) {
    pay_today_[static_cast<size_t>(p)] = pay_date(this_month, p) == date ? 1 : 0;
    double boost = 1;
    for (const auto& ym : {this_month, last_month}) {
      const auto since = (date - pay_date(ym, p)).count();
      if (since >= 0 && since < 3) boost = kPaydayBoost[since];
    }
    pay_boost_[static_cast<size_t>(p)] = boost;
  }
}

void SpendingSimulator::Impl::UpdateMerchants(const DayContext& day) {
  bool changed = false;
  for (size_t m = 0; m < pop_.merchants.size(); ++m) {
    const uint8_t trades = pop_.Trades(static_cast<uint32_t>(m), day.day, day.begin) ? 1 : 0;
    changed |= trades != trading_[m];
    trading_[m] = trades;
  }
  if (changed || last_rebuild_ < 0 || day.day - last_rebuild_ >= 7) RebuildMerchantTables(day.day);
}

// Groups: offline merchants per (home city, category), online merchants per category, and
// offline merchants per category anywhere (the fallback when a city has none). Weight:
// popularity x life-course factor x ramp-up of merchants opened inside the world.
void SpendingSimulator::Impl::RebuildMerchantTables(int day) {
  last_rebuild_ = day;
  const size_t merchants = pop_.merchants.size();
  weight_scratch_.assign(merchants, 0);
  for (Group& g : groups_) g = Group{};
  auto local_key = [&](const Merchant& m) {
    return m.online ? static_cast<size_t>(home_cities_) * category_count_ + m.category
                    : static_cast<size_t>(m.city) * category_count_ + m.category;
  };
  auto national_key = [&](const Merchant& m) {
    return static_cast<size_t>(home_cities_ + 1) * category_count_ + m.category;
  };
  for (size_t i = 0; i < merchants; ++i) {
    if (!trading_[i]) continue;
    const Merchant& m = pop_.merchants[i];
    const int open_day =
        m.opened_at > start_ ? static_cast<int>((m.opened_at - start_) / kMicrosPerDay) : -1;
    const int life_start = m.life == LifeCourse::kGrowing ? std::max(0, open_day) : m.decline_day;
    double log_factor = 0;
    if (day > life_start) {
      log_factor = std::clamp(static_cast<double>(m.growth) * (day - life_start), -5.0, 1.5);
    }
    double ramp = 1;
    if (open_day >= 0) ramp = std::min(1.0, 0.25 + (day - open_day) / 40.0);
    // Growth wins share from the group's other merchants; decline and the ramp-up of a new
    // merchant lose purchases outright (kept with probability keep_), so that they show in
    // the merchant's own sales even when it has no competitor in its city and category.
    weight_scratch_[i] = m.popularity * std::exp(std::max(log_factor, 0.0));
    keep_[i] = static_cast<float>(std::exp(std::min(log_factor, 0.0)) * ramp);
    ++groups_[local_key(m)].size;
    if (!m.online) ++groups_[national_key(m)].size;
  }
  uint32_t total = 0;
  for (Group& g : groups_) {
    g.begin = total;
    total += g.size;
    g.size = 0;
  }
  slots_.resize(total);
  for (size_t i = 0; i < merchants; ++i) {
    if (!trading_[i]) continue;
    const Merchant& m = pop_.merchants[i];
    Group& local = groups_[local_key(m)];
    slots_[local.begin + local.size++].merchant = static_cast<uint32_t>(i);
    if (!m.online) {
      Group& national = groups_[national_key(m)];
      slots_[national.begin + national.size++].merchant = static_cast<uint32_t>(i);
    }
  }
  // Walker's alias construction per group, on the flat slots.
  for (const Group& g : groups_) {
    if (g.size == 0) continue;
    AliasSlot* slot = slots_.data() + g.begin;
    double sum = 0;
    for (uint32_t i = 0; i < g.size; ++i) sum += weight_scratch_[slot[i].merchant];
    small_scratch_.clear();
    large_scratch_.clear();
    for (uint32_t i = 0; i < g.size; ++i) {
      slot[i].prob = sum > 0 ? weight_scratch_[slot[i].merchant] * g.size / sum : 1.0;
      slot[i].alias = slot[i].merchant;
      (slot[i].prob < 1.0 ? small_scratch_ : large_scratch_).push_back(i);
    }
    while (!small_scratch_.empty() && !large_scratch_.empty()) {
      const uint32_t s = small_scratch_.back(), l = large_scratch_.back();
      small_scratch_.pop_back();
      slot[s].alias = slot[l].merchant;
      slot[l].prob = (slot[l].prob + slot[s].prob) - 1.0;
      if (slot[l].prob < 1.0) {
        large_scratch_.pop_back();
        small_scratch_.push_back(l);
      }
    }
    for (uint32_t i : large_scratch_) slot[i].prob = 1.0;
    for (uint32_t i : small_scratch_) slot[i].prob = 1.0;
  }
}

void SpendingSimulator::Impl::EmitDueRefunds(const DayContext& day) {
  std::vector<PendingRefund>& bucket = refunds_[static_cast<size_t>(day.day % kRefundRing)];
  std::vector<PendingRefund>& next = refunds_[static_cast<size_t>((day.day + 1) % kRefundRing)];
  for (PendingRefund& r : bucket) {
    // A merchant that no longer trades refunds nothing (the customer is left to dispute).
    if (r.ts < day.begin || r.ts >= day.end || !trading_[r.merchant]) continue;
    if (r.channel == tx_channel::kOnline || r.channel == tx_channel::kMobile) {
      // Online refunds wait for the end of an outage (1 to 60 minutes after it), tomorrow if
      // the outage lasts until midnight.
      for (const auto& [from, to] : day.outages) {
        if (r.ts >= from && r.ts < to) r.ts = to + rng_.Between(60, 3600) * kMicrosPerSecond;
      }
      if (r.ts >= day.end) {
        next.push_back(r);
        continue;
      }
    }
    TxRecord& tx = Emit(r.customer, r.ts);
    tx.account = r.account;
    tx.card = r.card;
    tx.merchant = r.merchant;
    tx.mcc = r.mcc;
    tx.city = r.city;
    tx.lat = r.lat;
    tx.lon = r.lon;
    tx.channel = r.channel;
    tx.type = tx_type::kRefund;
    tx.amount = r.amount;
  }
  bucket.clear();
}

void SpendingSimulator::Impl::QueueRefund(const TxRecord& purchase, double rate) {
  if (!rng_.Bernoulli(rate)) return;
  const auto delay = static_cast<int>(rng_.Between(1, kMaxRefundDelay));
  auto& bucket = refunds_[static_cast<size_t>((day_->day + delay) % kRefundRing)];
  if (bucket.size() >= refund_bucket_cap_) return;
  PendingRefund r;
  // Merchants process refunds in their working hours, 09:00-22:00 local.
  r.ts = day_->begin + delay * kMicrosPerDay +
         rng_.Between((9 - kHomeUtcOffsetHours) * kMicrosPerHour,
                      (22 - kHomeUtcOffsetHours) * kMicrosPerHour - 1);
  r.amount = rng_.Bernoulli(kFullRefundShare)
                 ? purchase.amount
                 : std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(purchase.amount) *
                                                             rng_.Uniform(0.1, 0.9)));
  r.customer = purchase.customer;
  r.account = purchase.account;
  r.card = purchase.card;
  r.merchant = purchase.merchant;
  r.mcc = purchase.mcc;
  r.city = purchase.city;
  r.lat = purchase.lat;
  r.lon = purchase.lon;
  r.channel = purchase.channel;
  bucket.push_back(r);
}

// ---------------------------------------------------------------- per customer

void SpendingSimulator::Impl::SimulateCustomer(uint32_t c) {
  Customer& cu = pop_.customers[c];
  const auto persona = static_cast<size_t>(cu.persona);
  // One hash per customer gives its fixed monthly calendar (bill and rent days) and payees.
  const uint64_t h = Hash(uint64_t{c} * 0x2545F4914F6CDD1DULL + 0x51);

  if (cu.traveler) Travel(c);
  const bool abroad = cu.travel_until >= day_->day;

  if (pay_today_[cu.payday]) Salary(c, h);
  Bills(c, h);
  Rent(c, h);
  if (abroad) {
    const int16_t where = city_destination_[cu.travel_city];
    const Destination& dest = kDestinations[where >= 0 ? static_cast<size_t>(where) : 0];
    const int64_t n = rng_.Poisson(1.2 + cu.activity);
    for (int64_t k = 0; k < n; ++k) {
      const int cat = travel_category_[travel_table_.Draw(rng_)];
      const Category& category = categories_[static_cast<size_t>(cat)];
      ForeignPurchase(c, cat,
                      category.median_amount * cu.amount_scale * kTravelAmountFactor *
                          dest.price_level * std::exp(category.sigma * rng_.Normal()));
    }
    if (day_->day == cu.travel_until && hotels_ >= 0 && rng_.Bernoulli(0.6)) {
      ForeignPurchase(c, hotels_,
                      std::max(1, plan_days_[c] - 1) * dest.price_level *
                          categories_[static_cast<size_t>(hotels_)].median_amount *
                          std::pow(cu.amount_scale, 0.7) * rng_.LogNormal(0.2, 0.3));
    }
    if (rng_.Bernoulli(0.1)) ForeignAtm(c);
    // A little online shopping back home continues.
    const int64_t online = rng_.Poisson(0.15 * cu.activity);
    for (int64_t k = 0; k < online; ++k) {
      DomesticPurchase(c, persona_tables_[persona].Draw(rng_), true, 1.0);
    }
    return;
  }

  const double fav = kFavouriteCategoryShare * day_factor_[cu.favourite_category];
  const double mix = (1 - kFavouriteCategoryShare) * persona_rate_[persona] + fav;
  const double rate = cu.activity * mix * day_->season * pay_boost_[cu.payday];
  const int64_t n = rng_.Poisson(rate);
  const double fav_share = fav / mix;
  for (int64_t k = 0; k < n; ++k) {
    const int cat = rng_.Uniform() < fav_share
                        ? cu.favourite_category
                        : static_cast<int>(persona_tables_[persona].Draw(rng_));
    DomesticPurchase(c, cat, false, 1.0);
  }

  const double rare =
      kAtmRate[persona] + kCounterRate[persona] + kP2pRate[persona] + kExternalRate[persona];
  const int64_t events = rng_.Poisson(rare);
  for (int64_t k = 0; k < events; ++k) RareEvent(c);
}

void SpendingSimulator::Impl::Travel(uint32_t c) {
  Customer& cu = pop_.customers[c];
  const int day = day_->day;
  if (cu.travel_until >= 0 && cu.travel_until < day) cu.travel_until = -1;
  if (plan_start_[c] == day) {
    cu.travel_until = day + plan_days_[c] - 1;
    cu.travel_city = plan_city_[c];
    plan_start_[c] = -1;
    return;
  }
  if (cu.travel_until >= 0 || plan_start_[c] >= 0 || destination_city_.empty()) return;
  if (!rng_.Bernoulli(kTripsPerYear / 365.0)) return;
  // Book a trip 5-35 days ahead: the flight (and often the hotel) is bought online today.
  const uint32_t d = destination_table_.Draw(rng_);
  const Destination& dest = kDestinations[destination_index_[d]];
  plan_start_[c] = day + static_cast<int32_t>(rng_.Between(5, 35));
  plan_days_[c] = static_cast<uint8_t>(rng_.Between(dest.min_days, dest.max_days));
  plan_city_[c] = destination_city_[d];
  if (airlines_ >= 0) DomesticPurchase(c, airlines_, true, dest.airfare);
  if (hotels_ >= 0 && rng_.Bernoulli(0.4)) {
    DomesticPurchase(c, hotels_, true, plan_days_[c] * 0.8);
  }
}

void SpendingSimulator::Impl::DomesticPurchase(uint32_t c, int cat, bool force_online,
                                               double amount_factor) {
  const Customer& cu = pop_.customers[c];
  const auto k = static_cast<size_t>(cat);
  const Category& category = categories_[k];

  uint32_t merchant = kNone;
  bool online = force_online;
  // A favourite merchant of this category, half of the time.
  if (!force_online) {
    uint32_t matching[4];
    int count = 0;
    for (uint32_t m : cu.favourite_merchants) {
      if (m != kNone && pop_.merchants[m].category == cat && trading_[m]) matching[count++] = m;
    }
    if (count > 0 && rng_.Bernoulli(kFavouriteMerchantShare)) {
      const uint32_t favourite =
          matching[count == 1 ? 0 : rng_.Below(static_cast<uint64_t>(count))];
      // Loyal customers drift away from a declining favourite like everyone else.
      if (keep_[favourite] >= 1.0F || rng_.Uniform() < keep_[favourite]) {
        merchant = favourite;
        online = pop_.merchants[merchant].online;
      }
    }
  }
  if (merchant == kNone) {
    if (!force_online) {
      // Festival uplift is all online: share = (s + f - 1) / f.
      const double s = std::min(1.0, category.online_share * PersonaOnlineFactor(cu.persona));
      const double f = festival_[k];
      online = rng_.Uniform() * f < s + (f - 1);
    }
    const Group& platform = OnlineGroup(cat);
    const Group& local = CityGroup(cu.home_city, cat);
    const Group* group = nullptr;
    if (online) {
      group = platform.size > 0 && (local.size == 0 || rng_.Uniform() < online_preference_[k])
                  ? &platform
                  : &local;
    } else {
      group = local.size > 0 ? &local : &NationalGroup(cat);
    }
    if (group->size == 0) group = &platform;
    if (group->size == 0) group = &NationalGroup(cat);
    if (group->size == 0) return;
    merchant = DrawFromGroup(*group);
    if (keep_[merchant] < 1.0F && rng_.Uniform() >= keep_[merchant]) {
      // The customer goes elsewhere: to another merchant of the group, or out of our sight.
      // A booked flight or hotel (force_online) is bought all the same.
      const uint32_t other = DrawFromGroup(*group);
      if (other == merchant && !force_online) return;
      merchant = other;
    }
  }
  const Merchant& m = pop_.merchants[merchant];
  online = online || m.online;

  Timestamp ts = DrawTime(online ? rhythm_online_[k] : rhythm_offline_[k]);
  if (online) ts = AvoidOutages(ts);
  if (ts < 0 || ts < cu.joined_at) return;

  double cny = category.median_amount * cu.amount_scale * price_[merchant] * amount_factor *
               std::exp(category.sigma * rng_.Normal());
  cny = std::clamp(cny, 0.5, 500'000.0);
  if (cat == fuel_ && rng_.Bernoulli(0.4)) cny = std::max(50.0, std::round(cny / 50) * 50);

  TxRecord& tx = Emit(c, ts);
  tx.card = Card(cu);
  tx.merchant = merchant;
  tx.mcc = static_cast<uint16_t>(category.mcc);
  tx.type = tx_type::kPurchase;
  tx.amount = ToMinor(cny, 0);
  if (online) {
    OnlineAccess(cu, tx);
    tx.city = cu.home_city;
    if (cu.travel_until >= day_->day) {
      // Shopping from abroad: hotel Wi-Fi, or mobile roaming through the home carrier.
      tx.city = cu.travel_city;
      if (rng_.Bernoulli(0.5)) {
        const int16_t where = city_destination_[cu.travel_city];
        if (where >= 0) {
          const Destination& dest = kDestinations[static_cast<size_t>(where)];
          const uint64_t span = uint64_t{1} << (32 - dest.ip_prefix);
          tx.ipv4 = static_cast<uint32_t>(dest.ip_first + 1 + rng_.Below(span - 2));
        }
      }
    }
  } else {
    tx.channel = tx_channel::kPos;
    tx.city = m.city;
    tx.lat = m.lat;
    tx.lon = m.lon;
  }

  double refund = category.refund_rate + m.refund_rate;
  if ((m.life == LifeCourse::kDeclining || m.life == LifeCourse::kFailing) &&
      day_->day > m.decline_day) {
    refund += std::min(kDeclineRefundCap, kDeclineRefundPerDay * (day_->day - m.decline_day));
  }
  QueueRefund(tx, refund);
}

void SpendingSimulator::Impl::ForeignPurchase(uint32_t c, int cat, double cny_amount) {
  const Customer& cu = pop_.customers[c];
  const City& city = Cities()[cu.travel_city];
  const Timestamp ts =
      DrawTime(rhythm_offline_[static_cast<size_t>(cat)], utc_offset_[cu.travel_city]);
  if (ts < cu.joined_at) return;
  TxRecord& tx = Emit(c, ts);
  tx.card = Card(cu);
  tx.mcc = static_cast<uint16_t>(categories_[static_cast<size_t>(cat)].mcc);
  tx.type = tx_type::kPurchase;
  tx.channel = tx_channel::kPos;
  tx.currency = city.currency;
  tx.amount = ToMinor(std::clamp(cny_amount, 1.0, 200'000.0), city.currency);
  tx.city = cu.travel_city;
  tx.lat = static_cast<float>(city.lat + rng_.Normal(0, 0.03));
  tx.lon = static_cast<float>(city.lon + rng_.Normal(0, 0.03));
}

void SpendingSimulator::Impl::ForeignAtm(uint32_t c) {
  const Customer& cu = pop_.customers[c];
  const City& city = Cities()[cu.travel_city];
  const Timestamp ts = DrawTime(kAtm, utc_offset_[cu.travel_city]);
  if (ts < cu.joined_at) return;
  const CurrencyInfo& currency = Currencies()[city.currency];
  const double cny = 500.0 * static_cast<double>(1 + rng_.Below(6)) * std::sqrt(cu.amount_scale);
  const double local = RoundFigure(cny * currency.per_cny);
  TxRecord& tx = Emit(c, ts);
  tx.card = Card(cu);
  tx.mcc = 6011;
  tx.type = tx_type::kWithdrawal;
  tx.channel = tx_channel::kAtm;
  tx.currency = city.currency;
  tx.amount = ToMinor(local / currency.per_cny, city.currency);
  tx.city = cu.travel_city;
  tx.lat = static_cast<float>(city.lat + rng_.Normal(0, 0.03));
  tx.lon = static_cast<float>(city.lon + rng_.Normal(0, 0.03));
}

void SpendingSimulator::Impl::Bills(uint32_t c, uint64_t h) {
  const int power_day = 1 + static_cast<int>(h % 28);
  const int water_day = 1 + static_cast<int>((h >> 8) % 28);
  const int phone_day = 1 + static_cast<int>((h >> 16) % 28);
  if (dom_ != power_day && dom_ != water_day && dom_ != phone_day) return;
  const Customer& cu = pop_.customers[c];
  const auto persona = static_cast<size_t>(cu.persona);
  auto pay = [&](int cat, double cny, bool prefer_online) {
    if (cat < 0) return;
    // The customer's biller: stable, chosen by hash among the group's members.
    const Group* group = &CityGroup(cu.home_city, cat);
    if (prefer_online || group->size == 0) {
      if (OnlineGroup(cat).size > 0) group = &OnlineGroup(cat);
    }
    if (group->size == 0) group = &NationalGroup(cat);
    const uint32_t merchant =
        group->size > 0 ? slots_[group->begin + (h >> 32) % group->size].merchant : kNone;
    Timestamp ts = AvoidOutages(DrawTime(kOffice));
    if (ts < 0 || ts < cu.joined_at) return;
    TxRecord& tx = Emit(c, ts);
    tx.merchant = merchant;
    tx.mcc = static_cast<uint16_t>(categories_[static_cast<size_t>(cat)].mcc);
    tx.type = tx_type::kPayment;
    tx.amount = ToMinor(cny, 0);
    tx.city = cu.home_city;
    OnlineAccess(cu, tx);
  };
  const double household = kHousehold[persona];
  if (dom_ == power_day) {
    pay(utilities_, 120 * household * kPowerSeason[month_ - 1] * rng_.LogNormal(0, 0.3), false);
  }
  if (dom_ == water_day) pay(utilities_, 55 * household * rng_.LogNormal(0, 0.3), false);
  if (dom_ == phone_day) {
    // A fixed monthly plan: the same amount every month.
    const size_t plan =
        std::min<size_t>(std::size(kTelecomPlans) - 1, cu.income_band + (h >> 24) % 3);
    pay(telecom_, kTelecomPlans[plan], true);
  }
}

void SpendingSimulator::Impl::Salary(uint32_t c, uint64_t h) {
  const Customer& cu = pop_.customers[c];
  const Timestamp ts = DrawTime(kSalary);
  if (ts < cu.joined_at) return;
  uint32_t payer;
  switch (cu.persona) {
    case Persona::kRetired:
      payer = pension_base_ + cu.home_city;
      break;
    case Persona::kStudent:  // an allowance from a parent's account elsewhere
      payer = personal_base_ + static_cast<uint32_t>((h >> 40) % personal_count_);
      break;
    default:
      payer = static_cast<uint32_t>((h >> 40) % employers_);
      break;
  }
  auto deposit = [&](Timestamp at, double cny) {
    TxRecord& tx = Emit(c, at);
    tx.channel = tx_channel::kTransfer;
    tx.type = tx_type::kDeposit;
    tx.counterparty = payer;
    tx.counterparty_external = true;
    tx.city = cu.home_city;
    tx.amount = ToMinor(cny, 0);
  };
  const double income = static_cast<double>(cu.monthly_income) / 100;
  if (cu.persona == Persona::kStudent) {
    deposit(ts, std::max(100.0, std::round(income * (1 + rng_.Normal(0, 0.1)) / 100) * 100));
    return;
  }
  deposit(ts, std::round(income * (1 + rng_.Normal(0, 0.02)) * 100) / 100);
  // The year-end bonus in January for four in ten of the employed.
  if (month_ == 1 && cu.persona != Persona::kRetired && cu.persona != Persona::kStudent &&
      ((h >> 60) & 7) < 3) {
    const Timestamp later = std::min(ts + rng_.Between(1, 3600) * kMicrosPerSecond, day_->end - 1);
    deposit(later, std::round(income * rng_.Uniform(1, 3)));
  }
}

void SpendingSimulator::Impl::Rent(uint32_t c, uint64_t h) {
  const Customer& cu = pop_.customers[c];
  const auto persona = static_cast<size_t>(cu.persona);
  const int rent_day = 1 + static_cast<int>((h >> 44) % 5);
  if (dom_ != rent_day) return;
  if (static_cast<double>((h >> 48) & 0xFFF) / 4096.0 >= kRenterShare[persona]) return;
  const double income = static_cast<double>(cu.monthly_income) / 100;
  const double share = 0.2 + 0.15 * static_cast<double>((h >> 52) & 0xFF) / 256.0;
  const double rent = std::max(800.0, std::round(income * share / 100) * 100);
  Timestamp ts = AvoidOutages(DrawTime(kOnlineShop));
  if (ts < 0 || ts < cu.joined_at) return;
  TxRecord& tx = Emit(c, ts);
  tx.type = tx_type::kTransfer;
  tx.counterparty = personal_base_ + static_cast<uint32_t>(Hash(h) % personal_count_);
  tx.counterparty_external = true;
  tx.city = cu.home_city;
  tx.amount = ToMinor(rent, 0);
  OnlineAccess(cu, tx);
}

void SpendingSimulator::Impl::RareEvent(uint32_t c) {
  const Customer& cu = pop_.customers[c];
  const auto persona = static_cast<size_t>(cu.persona);
  double u = rng_.Uniform() * (kAtmRate[persona] + kCounterRate[persona] + kP2pRate[persona] +
                               kExternalRate[persona]);
  if ((u -= kAtmRate[persona]) < 0) {
    const Timestamp ts = DrawTime(kAtm);
    if (ts < cu.joined_at) return;
    TxRecord& tx = Emit(c, ts);
    tx.card = Card(cu);
    tx.mcc = 6011;
    tx.type = tx_type::kWithdrawal;
    tx.channel = tx_channel::kAtm;
    tx.amount = int64_t{kAtmAmounts[atm_tables_[cu.income_band].Draw(rng_)]} * 100;
    tx.city = cu.home_city;
    tx.lat = static_cast<float>(cu.home_lat + rng_.Normal(0, 0.02));
    tx.lon = static_cast<float>(cu.home_lon + rng_.Normal(0, 0.02));
    return;
  }
  if ((u -= kCounterRate[persona]) < 0) {
    if (weekend_ && day_->weekday == 6 && rng_.Bernoulli(0.7)) return;  // few branches on Sunday
    const Timestamp ts = DrawTime(kBranch);
    if (ts < cu.joined_at) return;
    const bool deposit = rng_.Bernoulli(cu.persona == Persona::kRetired ? 0.65 : 0.5);
    const double cny = std::clamp(
        std::round(3000 * std::sqrt(cu.amount_scale) * rng_.LogNormal(0, 0.9) / 100) * 100, 100.0,
        200'000.0);
    TxRecord& tx = Emit(c, ts);
    tx.type = deposit ? tx_type::kDeposit : tx_type::kWithdrawal;
    tx.channel = tx_channel::kCounter;
    tx.amount = ToMinor(cny, 0);
    tx.city = cu.home_city;
    tx.lat = static_cast<float>(cu.home_lat + rng_.Normal(0, 0.02));
    tx.lon = static_cast<float>(cu.home_lon + rng_.Normal(0, 0.02));
    return;
  }
  Transfer(c, u - kP2pRate[persona] >= 0);
}

void SpendingSimulator::Impl::Transfer(uint32_t c, bool external) {
  const Customer& cu = pop_.customers[c];
  Timestamp ts = AvoidOutages(DrawTime(kOnlineShop));
  if (ts < 0 || ts < cu.joined_at) return;
  uint32_t counterparty;
  double cny;
  if (!external) {
    // One of five friends and relatives: fixed links, so transfers form a social graph.
    const uint64_t k = rng_.Below(5);
    uint32_t friend_index = static_cast<uint32_t>(Hash(uint64_t{c} * 8 + k) % customer_count_);
    if (friend_index == c) friend_index = (friend_index + 1) % customer_count_;
    const Customer& other = pop_.customers[friend_index];
    if (other.joined_at >= ts || friend_index == c) return;
    counterparty = other.account;
    cny = 200 * cu.amount_scale * rng_.LogNormal(0, 1.1);
  } else {
    // Mostly three regular payees (family elsewhere, a tutor, a landlord's agent), else anyone.
    const uint64_t k = rng_.Below(4);
    const uint64_t pick = k < 3 ? Hash(uint64_t{c} * 4 + k + 0x77) : rng_.Next();
    counterparty = personal_base_ + static_cast<uint32_t>(pick % personal_count_);
    cny = 800 * cu.amount_scale * rng_.LogNormal(0, 1.1);
  }
  const double r = rng_.Uniform();
  if (!external && r < kLuckyShare) {
    cny = kLuckyAmounts[rng_.Below(std::size(kLuckyAmounts))];
  } else if (r < 0.35 && cny >= 100) {
    cny = std::round(cny / 100) * 100;
  } else if (r < 0.7) {
    cny = std::max(1.0, std::round(cny / 10) * 10);
  } else {
    cny = std::max(1.0, std::round(cny));
  }
  cny = std::min(cny, 500'000.0);
  TxRecord& tx = Emit(c, ts);
  tx.type = tx_type::kTransfer;
  tx.counterparty = counterparty;
  tx.counterparty_external = external;
  tx.city = cu.home_city;
  tx.amount = ToMinor(cny, 0);
  OnlineAccess(cu, tx);
}

// ---------------------------------------------------------------- facade

SpendingSimulator::SpendingSimulator(const WorldOptions& options, Population& population)
    : impl_(std::make_unique<Impl>(options, population)) {}
SpendingSimulator::~SpendingSimulator() = default;
void SpendingSimulator::SimulateDay(const DayContext& day, std::vector<TxRecord>& day_tx) {
  impl_->SimulateDay(day, day_tx);
}

}  // namespace panorama::generate
