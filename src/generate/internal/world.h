// The simulated world's shared data: reference tables, the population of customers and
// merchants, one generated transaction, the per-day context, record streams for the
// low-volume kinds, and the simulators that run once per day. Internal to src/generate.
//
// Day loop (world.cc): for each day d
//   1. customers and merchants that join on d are written (customers/merchants streams);
//   2. SpendingSimulator appends the day's genuine transactions (and due refunds);
//   3. CrimeSimulator appends fraud and laundering transactions, may mark genuine purchases
//      as friendly fraud, and records incidents;
//   4. the day's transactions are sorted by (ts, generation order), numbered (tx ids rise
//      with time), written and their labels queued;
//   5. CreditSimulator, MarketingSimulator, OpinionSimulator run, seeing merchant history
//      and customer behaviour up to day d-1 (what a lender knows during day d);
//   6. merchant history and customer behaviour take in day d;
//   7. every stream writes its records with ts before the end of day d.
// All randomness of a component comes from its own Rng stream (see Stream below).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "core/time.h"
#include "generate/generate.h"
#include "generate/internal/random.h"

namespace panorama::generate {

inline constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
inline constexpr int32_t kNever = std::numeric_limits<int32_t>::max();
inline constexpr Timestamp kMicrosPerSecond = 1'000'000;
inline constexpr Timestamp kMicrosPerDay = 86'400 * kMicrosPerSecond;

// Rng stream numbers, one per component.
enum Stream : uint64_t {
  kPopulationStream = 1,
  kSpendingStream = 2,
  kCrimeStream = 3,
  kCreditStream = 4,
  kMarketingStream = 5,
  kOpinionStream = 6,
  kWorldStream = 7,
};

// ---------------------------------------------------------------- reference tables (tables.cc)

struct CurrencyInfo {
  std::string_view code;  // ISO 4217
  int exponent;           // ISO 4217 minor-unit exponent
  double per_cny;         // units of this currency per 1 CNY (fixed for the world)
};
// Index 0 is CNY, the home currency.
std::span<const CurrencyInfo> Currencies();

struct City {
  std::string_view name;
  std::string_view region;   // province or state
  std::string_view country;  // ISO 3166-1 alpha-2
  double lat, lon;
  double weight;     // share of the home population (0 for cities abroad)
  uint8_t currency;  // index into Currencies()
};
// The first HomeCityCount() cities are in the home country (CN); the rest are abroad.
std::span<const City> Cities();
int HomeCityCount();

struct Category {
  std::string_view name;   // "grocery", "electronics", ...
  int mcc;                 // ISO 18245
  double median_amount;    // CNY major units, median purchase
  double sigma;            // lognormal shape (log-space standard deviation)
  double share;            // share of purchases for an average customer
  double weekend_factor;   // purchase rate on Saturday/Sunday relative to weekdays
  double online_share;     // share of its purchases made online or by mobile
  double festival_factor;  // extra rate on shopping festivals (11.11 etc.)
  double refund_rate;      // base refund probability of a purchase
};
std::span<const Category> Categories();
// Category index of a name, or -1.
int CategoryIndex(std::string_view name);

std::span<const std::string_view> Occupations();

// IPv4 addresses (host order) of home broadband and mobile ranges, and of foreign ranges
// (hosting providers and other countries) used by travellers and by fraudsters.
uint32_t DomesticIp(Rng& rng);
uint32_t ForeignIp(Rng& rng);

// ---------------------------------------------------------------- ids

// Entity ids are a letter and ten digits ("C0000001234"); the letter says the kind.
enum class IdKind : char {
  kCustomer = 'C',
  kMerchant = 'M',
  kCard = 'K',
  kAccount = 'A',
  kDevice = 'D',
  kTransaction = 'T',
  kLoan = 'L',
  kOffer = 'O',
  kPost = 'P',
  kExternal = 'X',  // an account at another institution (counterparties, employers)
  kCampaign = 'G',
  kAuthor = 'U',
};
inline constexpr int kIdLength = 11;
// Writes the kIdLength characters of the id at `out`; returns out + kIdLength. Device
// indices (below 10^9) are written scrambled by a fixed bijection; other ids as they are.
char* WriteId(IdKind kind, uint64_t index, char* out);
std::string MakeId(IdKind kind, uint64_t index);

// ---------------------------------------------------------------- population (population.cc)

enum class Persona : uint8_t { kStudent, kYoungProfessional, kFamily, kAffluent, kRetired, kCount };
enum class LifeCourse : uint8_t { kGrowing, kStable, kDeclining, kFailing };
// Product bit i is kProducts[i] of the schema: WEALTH, CARD_UPGRADE, CONSUMER_LOAN,
// INSURANCE, FUND, MERCHANT_LOAN.
enum ProductBit : uint16_t {
  kWealth = 1,
  kCardUpgrade = 2,
  kConsumerLoan = 4,
  kInsurance = 8,
  kFund = 16,
  kMerchantLoan = 32,
};

struct Customer {
  Timestamp joined_at = 0;  // may fall inside the world: the customer is active from then
  int16_t birth_year = 0;
  uint16_t home_city = 0;  // index into Cities(), always a home city
  float home_lat = 0, home_lon = 0;
  uint8_t income_band = 0;  // 0..4: LOW .. HIGH
  uint8_t occupation = 0;   // index into Occupations()
  Persona persona = Persona::kYoungProfessional;
  uint8_t payday = 1;        // day of month the salary arrives (1..28)
  uint8_t card_count = 1;    // cards first_card .. first_card + card_count - 1
  uint8_t device_count = 1;  // devices first_device .. first_device + device_count - 1
  bool traveler = false;     // travels abroad now and then
  uint16_t products = 0;     // ProductBit mask of products held
  uint16_t favourite_category = 0;
  int64_t monthly_income = 0;  // CNY minor units; hidden truth (salary deposits reveal it)
  float activity = 1;          // expected purchases per ordinary day
  float amount_scale = 1;      // multiplies category amounts
  float spend_ratio = 0.7F;    // hidden: propensity to spend out of income
  float credit_risk = 0;       // hidden trait ~ N(0,1): higher means likelier to default
  uint32_t first_card = 0, first_device = 0;
  uint32_t account = 0;  // the current account (index; one per customer)
  uint32_t ipv4 = 0;     // home IPv4 (host order)
  uint32_t favourite_merchants[4] = {kNone, kNone, kNone, kNone};
  // Observed behaviour, updated by the world after each day (30-day EWMAs, CNY minor units):
  int64_t spend_30d = 0;      // daily outgoing amount
  int64_t deposits_30d = 0;   // daily incoming amount
  uint8_t active_loans = 0;   // loans issued and not yet settled (credit.cc keeps it)
  int32_t travel_until = -1;  // last day index of the current trip abroad, -1 when home
  uint16_t travel_city = 0;   // index into Cities() while travelling
};

struct Merchant {
  Timestamp opened_at = 0;  // may fall inside the world (cold start)
  uint16_t category = 0;    // index into Categories()
  uint16_t city = 0;        // home city index (online merchants: where registered)
  float lat = 0, lon = 0;
  uint8_t size = 0;  // 0..3: MICRO, SMALL, MEDIUM, LARGE
  bool online = false;
  LifeCourse life = LifeCourse::kStable;
  int32_t decline_day = kNever;  // day index from which a declining/failing merchant declines
  int32_t fail_day = kNever;     // day index from which it no longer trades
  float popularity = 1;          // base weight of being chosen within its category and city
  float growth = 0;              // daily log-growth of popularity once the life course applies
  float refund_rate = 0;         // extra refund probability on top of the category's
  bool colluding = false;        // set by CrimeSimulator for collusion and bust-out schemes
};

// What each merchant did per day, for the last kHistoryDays days (a ring buffer, so memory
// does not grow with the length of the world).
inline constexpr int kHistoryDays = 128;
struct MerchantDay {
  int64_t sales = 0;  // purchase amount, CNY minor units
  uint32_t purchases = 0;
  uint32_t refunds = 0;
};

class Population {
 public:
  // Draws customers, merchants, cards, devices and favourite merchants from kPopulationStream.
  static Population Build(const WorldOptions& options);

  std::vector<Customer> customers;
  std::vector<Merchant> merchants;
  std::vector<uint32_t> card_owner;  // customer index of each card
  uint32_t device_total = 0;         // devices 0..device_total-1 belong to customers; higher
                                     // indices are free for fraudsters' devices
  // Customers whose CONSUMER_LOAN offer was accepted today (marketing fills, credit drains).
  std::vector<uint32_t> loan_requests;

  // Merchant history; `day` is the world day index (history older than kHistoryDays is gone).
  MerchantDay& history(uint32_t merchant, int day) {
    return history_[static_cast<size_t>(merchant) * kHistoryDays +
                    static_cast<size_t>(day % kHistoryDays)];
  }
  const MerchantDay& history(uint32_t merchant, int day) const {
    return const_cast<Population*>(this)->history(merchant, day);  // NOLINT
  }
  void ClearHistoryDay(int day);

  // Whether a merchant trades on `day` (opened and not yet failed).
  bool Trades(uint32_t merchant, int day, Timestamp day_begin) const;

  // Fills a customer snapshot (all customer schema fields, personal data included, the
  // `products` field from the current mask) valid from `ts`.
  void FillCustomerEvent(uint32_t customer, Timestamp ts, Event* out) const;
  void FillMerchantEvent(uint32_t merchant, Timestamp ts, Event* out) const;
  std::string MerchantName(uint32_t merchant) const;

 private:
  std::vector<MerchantDay> history_;
};

// ---------------------------------------------------------------- transactions

// Pattern::kNone is scoped, so it cannot be mistaken for the kNone index above; GCC's
// -Wshadow warns about it all the same.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
enum class Pattern : uint8_t {
  kNone,
  kCardTesting,
  kAccountTakeover,
  kStolenCardSpree,
  kMerchantCollusion,
  kBustOut,
  kFriendlyFraud,
  kStructuring,
  kFanIn,
  kFanOut,
  kPassThrough,
  kRoundTrip,
  kCount,
};
#pragma GCC diagnostic pop
// "card_testing", "account_takeover", "stolen_card_spree", "merchant_collusion",
// "merchant_bust_out", "friendly_fraud", "aml_structuring", "aml_fan_in", "aml_fan_out",
// "aml_pass_through", "aml_round_trip".
std::string_view PatternName(Pattern pattern);
bool IsLaundering(Pattern pattern);

// Label source values, in the schema's order.
enum class LabelSource : uint8_t { kChargeback, kConfirmed, kCustomerReport, kAnalyst };

// One generated transaction, plain data. Absent optional fields: kNone ids, 0 ip, NaN lat.
struct TxRecord {
  Timestamp ts = 0;
  int64_t amount = 0;  // minor units of `currency`, >= 0
  uint32_t customer = 0;
  uint32_t account = kNone;
  uint32_t card = kNone;
  uint32_t merchant = kNone;
  uint32_t device = kNone;
  uint32_t ipv4 = 0;
  uint32_t counterparty = kNone;  // customer's account index, or external index
  bool counterparty_external = false;
  uint16_t mcc = 0;   // 0: absent
  uint16_t city = 0;  // index into Cities(): gives country (and city name)
  float lat = std::numeric_limits<float>::quiet_NaN(), lon = lat;
  uint8_t channel = 0;   // tx_channel::Value
  uint8_t type = 0;      // tx_type::Value
  uint8_t currency = 0;  // index into Currencies()
  Pattern pattern = Pattern::kNone;
  LabelSource label_source = LabelSource::kChargeback;
  uint32_t incident = 0;    // crime incident number (1-based) for labelled records
  int64_t label_delay = 0;  // microseconds from ts until the label is known
  uint64_t order = 0;       // generation order: the tie-breaker of the day's sort
};

struct DayContext {
  int day = 0;                   // 0-based index in the world
  Timestamp begin = 0, end = 0;  // [begin, end)
  int weekday = 0;               // 0 = Monday .. 6 = Sunday
  int day_of_month = 1;
  int month = 1;
  double season = 1;        // purchase-rate multiplier of the date (festivals, year end)
  uint64_t genuine_tx = 0;  // genuine transactions generated today (set before crime)
  // Bank outages today: ONLINE and MOBILE transactions do not happen inside them.
  std::vector<std::pair<Timestamp, Timestamp>> outages;
};

// ---------------------------------------------------------------- record streams (writer.cc)

// Writes one kind's records to its file in time order. Records may be pushed out of order
// and ahead of time; FlushBefore writes, ordered by (ts, push order), those before `until`.
// Memory holds only the records not yet written.
class RecordStream {
 public:
  virtual ~RecordStream() = default;
  virtual void Push(const Event& event) = 0;
  virtual Status FlushBefore(Timestamp until) = 0;
  virtual uint64_t written() const = 0;
};

// ---------------------------------------------------------------- simulators

class SpendingSimulator {
 public:
  SpendingSimulator(const WorldOptions& options, Population& population);
  ~SpendingSimulator();
  // Appends the day's genuine transactions of every active customer to `day_tx`: purchases
  // (POS, online, mobile), bill payments, ATM withdrawals, counter deposits and withdrawals,
  // salary deposits on payday, transfers between customers and to external accounts, and
  // refunds of earlier purchases that fall due today.
  void SimulateDay(const DayContext& day, std::vector<TxRecord>& day_tx);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class CrimeSimulator {
 public:
  CrimeSimulator(const WorldOptions& options, Population& population);
  ~CrimeSimulator();
  // Appends the day's fraud and laundering transactions (pattern, incident, label_source and
  // label_delay set), may mark genuine purchases in `day_tx` as friendly fraud, and appends
  // the incidents it starts (data breaches, fraud waves) to `incidents`.
  void SimulateDay(const DayContext& day, std::vector<TxRecord>& day_tx,
                   std::vector<Incident>& incidents);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class CreditSimulator {
 public:
  CreditSimulator(const WorldOptions& options, Population& population);
  ~CreditSimulator();
  // Issues the day's merchant micro-loans and consumer loans (organic applications and
  // population.loan_requests) and settles loans that fall due, pushing ISSUED and final
  // (REPAID, LATE, DEFAULT) loan records; counts final statuses into `loan_status`. A
  // customer holds CONSUMER_LOAN while a consumer loan runs: a snapshot is pushed to
  // `customers` when the first running loan is issued and when the last one settles.
  void SimulateDay(const DayContext& day, RecordStream& loans, RecordStream& customers,
                   std::map<std::string, uint64_t>& loan_status);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class MarketingSimulator {
 public:
  MarketingSimulator(const WorldOptions& options, Population& population);
  ~MarketingSimulator();
  // Runs the day's campaigns: pushes offers with their responses, updates product holdings
  // of customers who accept (pushing a new customer snapshot at the response time), and
  // queues accepted consumer-loan offers in population.loan_requests.
  void SimulateDay(const DayContext& day, RecordStream& offers, RecordStream& customers);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class OpinionSimulator {
 public:
  OpinionSimulator(const WorldOptions& options, const Population& population);
  ~OpinionSimulator();
  // Pushes the day's posts and news in English and Chinese; volume and tone react to the
  // incidents that started up to a few days before.
  void SimulateDay(const DayContext& day, std::span<const Incident> incidents, RecordStream& posts);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace panorama::generate
