// MarketingSimulator: campaigns offering financial products to customers, and the customers'
// responses (docs/generator.md (Marketing) gives every number).
//
// Every few days a campaign starts for one product on one channel and runs 1-4 days; each day
// it offers the product to a share of the joined customers who neither hold it nor have an
// acceptance of it pending, chosen at random or weighted by a targeting profile. The response
// of each offer is drawn at once from a logistic model of the customer's profile and
// behaviour, the channel and offer fatigue; the offer record carries it. An acceptance takes
// effect at responded_at: a queue (bounded by the offers of the last few days) sets the
// product bit then, pushes a customer snapshot dated responded_at, and hands accepted
// consumer-loan offers to the credit simulator (which issues the loan the next day).
#include <algorithm>
#include <cmath>
#include <queue>
#include <vector>

#include "generate/internal/world.h"

namespace panorama::generate {
namespace {

// Schema orders (src/core/schema.cc): kProducts and kOfferChannels, kResponses.
enum Product : uint8_t { kWealthP, kCardUpgradeP, kConsumerLoanP, kInsuranceP, kFundP, kProducts };
enum Channel : uint8_t { kSms, kEmail, kApp, kCall, kBranch, kChannels };
enum Response : int64_t { kAccepted = 0, kDeclined = 1, kNoResponse = 2 };

constexpr uint16_t kProductBits[kProducts] = {kWealth, kCardUpgrade, kConsumerLoan, kInsurance,
                                              kFund};
constexpr double kProductWeights[kProducts] = {0.24, 0.2, 0.2, 0.16, 0.2};
// Channel mix per product (SMS, EMAIL, APP, CALL, BRANCH).
constexpr double kChannelWeights[kProducts][kChannels] = {
    {0.15, 0.15, 0.25, 0.3, 0.15},  // WEALTH
    {0.3, 0.2, 0.4, 0.1, 0.0},      // CARD_UPGRADE
    {0.3, 0.1, 0.4, 0.2, 0.0},      // CONSUMER_LOAN
    {0.25, 0.2, 0.2, 0.25, 0.1},    // INSURANCE
    {0.2, 0.2, 0.4, 0.15, 0.05},    // FUND
};
constexpr double kChannelEffect[kChannels] = {-0.6, -0.9, 0.0, 0.5, 0.8};
// Probability that a customer who does not accept says no (otherwise: no response).
constexpr double kDeclineShare[kChannels] = {0.06, 0.04, 0.25, 0.7, 0.85};
// Local hours (UTC+8, the home country's time) in which offers go out.
constexpr double kHomeUtcOffsetHours = 8;
constexpr double kSendFrom[kChannels] = {9, 9, 10, 9, 9.5};
constexpr double kSendTo[kChannels] = {21, 21, 21, 18, 17};

constexpr int kFirstCampaignDay = 14;      // behaviour needs some history first
constexpr int kFirstLoanCampaignDay = 30;  // consumer loans: a month of observed income
constexpr int kMinGapDays = 1, kMaxGapDays = 3;
constexpr int kMaxDurationDays = 4;
constexpr double kMinReach = 0.015, kMaxReach = 0.035;  // share of customers per campaign
constexpr double kTargetedShare = 0.6;
constexpr double kFatigueDays = 30;      // decay time of the offer-fatigue count
constexpr double kFatigueEffect = -0.4;  // per recent offer
constexpr double kNoise = 0.5;           // sd of the per-offer logit noise
constexpr int kResponseWindowDays = 14;  // NO_RESPONSE is known this long after the offer

double Sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }
double Clamp(double x, double lo, double hi) { return std::min(hi, std::max(lo, x)); }

// The proleptic Gregorian year of a UTC timestamp (H. Hinnant's civil_from_days).
int YearOf(Timestamp ts) {
  const int64_t z = DayNumber(ts) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
}

struct Campaign {
  uint64_t number = 0;
  Product product = kWealthP;
  Channel channel = kSms;
  bool targeted = false;
  int last_day = 0;
  double per_day = 0;  // expected offers per day
};

struct Acceptance {
  Timestamp ts = 0;
  uint64_t seq = 0;
  uint32_t customer = 0;
  Product product = kWealthP;
};
struct LaterAcceptance {
  bool operator()(const Acceptance& a, const Acceptance& b) const {
    return a.ts != b.ts ? a.ts > b.ts : a.seq > b.seq;
  }
};

struct Behaviour {
  int age = 0;
  int band = 0;
  double spend_cny = 0;  // observed daily spending, CNY
  double saving = 0;     // 1 - spend/deposits, in [-1, 0.8]
  double ratio = 0;      // spend/deposits (1.5 with no deposits)
};

Behaviour Observe(const Customer& c, int year) {
  Behaviour b;
  b.age = year - c.birth_year;
  b.band = std::min<int>(c.income_band, 4);
  b.spend_cny = static_cast<double>(c.spend_30d) / 100.0;
  b.ratio = c.deposits_30d > 0
                ? static_cast<double>(c.spend_30d) / static_cast<double>(c.deposits_30d)
                : 1.5;
  b.saving = Clamp(1.0 - b.ratio, -1.0, 0.8);
  return b;
}

// Weight in (0, 1] with which a targeted campaign picks a customer.
double TargetWeight(Product product, const Customer& c, const Behaviour& b) {
  switch (product) {
    case kWealthP: {
      static constexpr double kByBand[5] = {0.05, 0.15, 0.45, 0.8, 1.0};
      return kByBand[b.band];
    }
    case kCardUpgradeP:
      return Clamp(b.spend_cny / 400.0, 0.05, 1.0);
    case kConsumerLoanP:
      return (b.age < 45 ? 1.0 : 0.25) * (b.band <= 3 ? 1.0 : 0.4);
    case kInsuranceP:
      if (c.persona == Persona::kFamily) return 1.0;
      return b.age >= 30 && b.age <= 55 ? 0.6 : 0.2;
    case kFundP:
      if (c.products & kWealth) return 1.0;
      return b.band >= 2 ? 0.5 : 0.15;
    default:
      return 1.0;
  }
}

// The acceptance logit without channel, fatigue and noise.
double ProductAffinity(Product product, const Customer& c, const Behaviour& b) {
  const Persona persona = c.persona;
  switch (product) {
    case kWealthP:
      return -4.6 + 0.6 * b.band + 1.2 * b.saving + 0.02 * Clamp(b.age - 35, -15, 30) +
             (persona == Persona::kAffluent  ? 0.6
              : persona == Persona::kRetired ? 0.3
              : persona == Persona::kStudent ? -1.0
                                             : 0.0);
    case kCardUpgradeP:
      return -3.9 + 0.6 * Clamp(std::log(std::max(b.spend_cny, 1.0) / 150.0), -2, 2) +
             0.2 * b.band +
             (persona == Persona::kYoungProfessional ? 0.4
              : persona == Persona::kRetired         ? -0.6
              : persona == Persona::kStudent         ? -0.3
                                                     : 0.0);
    case kConsumerLoanP:
      return -3.6 + 1.0 * Clamp(b.ratio - 0.9, -0.6, 1.5) + 0.03 * Clamp(40 - b.age, -20, 15) -
             0.25 * b.band +
             (persona == Persona::kStudent   ? 0.3
              : persona == Persona::kFamily  ? 0.3
              : persona == Persona::kRetired ? -1.2
                                             : 0.0);
    case kInsuranceP:
      return -3.9 + (persona == Persona::kFamily ? 0.9 : 0.0) +
             (b.age >= 30 && b.age <= 55 ? 0.4 : 0.0) + 0.2 * b.band +
             (persona == Persona::kRetired   ? 0.2
              : persona == Persona::kStudent ? -0.8
                                             : 0.0);
    case kFundP:
      return -4.2 + ((c.products & kWealth) ? 1.3 : 0.0) + 0.35 * b.band + 0.6 * b.saving +
             (b.age > 65 ? -0.4 : 0.0) +
             (persona == Persona::kAffluent            ? 0.5
              : persona == Persona::kYoungProfessional ? 0.3
                                                       : 0.0);
    default:
      return -5;
  }
}

// Seconds from the offer to the response on `channel`.
double ResponseDelay(Channel channel, Rng& rng) {
  switch (channel) {
    case kCall:
      return rng.Uniform(60, 900);
    case kBranch:
      return rng.Uniform(300, 3600);
    case kApp:
      return Clamp(rng.LogNormal(std::log(1800.0), 1.5), 30, 3 * 86'400.0);
    case kSms:
      return Clamp(rng.LogNormal(std::log(3 * 3600.0), 1.3), 60, 7 * 86'400.0);
    default:
      return Clamp(rng.LogNormal(std::log(8 * 3600.0), 1.2), 60, 10 * 86'400.0);
  }
}

}  // namespace

struct MarketingSimulator::Impl {
  Impl(const WorldOptions& opts, Population& pop)
      : options(opts),
        population(pop),
        rng(opts.seed, kMarketingStream),
        product_table(kProductWeights),
        state(pop.customers.size()) {
    for (int p = 0; p < kProducts; ++p) channel_tables[p] = AliasTable(kChannelWeights[p]);
  }

  struct CustomerState {
    uint32_t last_campaign = 0;  // 0: never offered
    uint16_t pending = 0;        // ProductBit mask of acceptances not yet in effect
    float fatigue = 0;           // decayed count of offers, as of last_day
    int32_t last_day = 0;
  };

  const WorldOptions& options;
  Population& population;
  Rng rng;
  AliasTable product_table;
  AliasTable channel_tables[kProducts];
  std::vector<CustomerState> state;
  std::vector<Campaign> campaigns;  // running campaigns
  std::priority_queue<Acceptance, std::vector<Acceptance>, LaterAcceptance> accepted;
  int next_campaign_day = -1;
  uint64_t next_campaign = 1;
  uint64_t next_offer = 1;
  uint64_t next_seq = 0;
  Event offer{EventKind::kOffer};
  Event snapshot{EventKind::kCustomer};

  void StartCampaigns(const DayContext& day);
  void Offer(const Campaign& campaign, uint32_t c, const DayContext& day, int year,
             Timestamp world_end, RecordStream& offers);
};

void MarketingSimulator::Impl::StartCampaigns(const DayContext& day) {
  if (next_campaign_day < 0) {
    next_campaign_day = kFirstCampaignDay + static_cast<int>(rng.Between(0, 3));
  }
  while (day.day >= next_campaign_day) {
    // One campaign per product at a time, so that a customer is never offered a product
    // twice on one day (acceptances take effect by time, offers are made campaign by
    // campaign). When every product is busy the start moves to the next day.
    uint32_t busy = day.day < kFirstLoanCampaignDay ? 1U << kConsumerLoanP : 0U;
    for (const Campaign& running : campaigns) busy |= 1U << running.product;
    if (busy == (1U << kProducts) - 1) {
      next_campaign_day = day.day + 1;
      break;
    }
    Campaign c;
    c.number = next_campaign++;
    do {
      c.product = static_cast<Product>(product_table.Draw(rng));
    } while ((busy >> c.product) & 1U);
    c.channel = static_cast<Channel>(channel_tables[c.product].Draw(rng));
    c.targeted = rng.Bernoulli(kTargetedShare);
    const int duration = static_cast<int>(rng.Between(1, kMaxDurationDays));
    c.last_day = day.day + duration - 1;
    c.per_day = rng.Uniform(kMinReach, kMaxReach) *
                static_cast<double>(population.customers.size()) / duration;
    campaigns.push_back(c);
    next_campaign_day += static_cast<int>(rng.Between(kMinGapDays, kMaxGapDays));
  }
}

void MarketingSimulator::Impl::Offer(const Campaign& campaign, uint32_t c, const DayContext& day,
                                     int year, Timestamp world_end, RecordStream& offers) {
  const Customer& customer = population.customers[c];
  CustomerState& s = state[c];
  const Behaviour b = Observe(customer, year);
  const double fatigue =
      s.last_campaign == 0 ? 0.0 : s.fatigue * std::exp(-(day.day - s.last_day) / kFatigueDays);
  const double z = ProductAffinity(campaign.product, customer, b) +
                   kChannelEffect[campaign.channel] + kFatigueEffect * fatigue +
                   kNoise * rng.Normal();
  s.last_campaign = static_cast<uint32_t>(campaign.number);
  s.fatigue = static_cast<float>(fatigue + 1.0);
  s.last_day = day.day;

  const Timestamp ts =
      day.begin + static_cast<Timestamp>(
                      rng.Uniform((kSendFrom[campaign.channel] - kHomeUtcOffsetHours) * 3600.0,
                                  (kSendTo[campaign.channel] - kHomeUtcOffsetHours) * 3600.0)) *
                      kMicrosPerSecond;
  Response response = kNoResponse;
  if (rng.Bernoulli(Sigmoid(z))) {
    response = kAccepted;
  } else if (rng.Bernoulli(kDeclineShare[campaign.channel])) {
    response = kDeclined;
  }
  Timestamp responded_at = 0;
  if (response != kNoResponse) {
    responded_at =
        ts + static_cast<Timestamp>(ResponseDelay(campaign.channel, rng)) * kMicrosPerSecond;
  }

  offer.Reset(EventKind::kOffer);
  offer.set_str(offer::kOfferId, MakeId(IdKind::kOffer, next_offer++));
  offer.set_num(offer::kTs, ts);
  offer.set_str(offer::kCustomerId, MakeId(IdKind::kCustomer, c));
  offer.set_num(offer::kProduct, campaign.product);
  offer.set_num(offer::kChannel, campaign.channel);
  offer.set_str(offer::kCampaignId, MakeId(IdKind::kCampaign, campaign.number));
  // A response not known by the end of the world is left out (right-censored).
  if (response == kNoResponse) {
    if (ts + kResponseWindowDays * kMicrosPerDay < world_end) {
      offer.set_num(offer::kResponse, kNoResponse);
    }
  } else if (responded_at < world_end) {
    offer.set_num(offer::kResponse, response);
    offer.set_num(offer::kRespondedAt, responded_at);
    if (response == kAccepted) {
      accepted.push({responded_at, next_seq++, c, campaign.product});
      s.pending = static_cast<uint16_t>(s.pending | kProductBits[campaign.product]);
    }
  }
  offers.Push(offer);
}

MarketingSimulator::MarketingSimulator(const WorldOptions& options, Population& population)
    : impl_(std::make_unique<Impl>(options, population)) {}
MarketingSimulator::~MarketingSimulator() = default;

void MarketingSimulator::SimulateDay(const DayContext& day, RecordStream& offers,
                                     RecordStream& customers) {
  Impl& s = *impl_;
  const Timestamp world_start = day.begin - static_cast<Timestamp>(day.day) * kMicrosPerDay;
  const Timestamp world_end = world_start + static_cast<Timestamp>(s.options.days) * kMicrosPerDay;
  const int year = YearOf(day.begin);
  const auto n = static_cast<uint64_t>(s.population.customers.size());

  s.StartCampaigns(day);
  for (const Campaign& campaign : s.campaigns) {
    const int64_t target = s.rng.Poisson(campaign.per_day);
    const uint16_t bit = kProductBits[campaign.product];
    for (int64_t i = 0; i < target; ++i) {
      // Draw until an eligible customer is found (a bounded number of tries).
      for (int attempt = 0; attempt < 64; ++attempt) {
        const auto c = static_cast<uint32_t>(s.rng.Below(n));
        const Customer& customer = s.population.customers[c];
        const Impl::CustomerState& state = s.state[c];
        if (customer.joined_at > day.begin || ((customer.products | state.pending) & bit) ||
            state.last_campaign == campaign.number) {
          continue;
        }
        if (campaign.targeted &&
            s.rng.Uniform() >= TargetWeight(campaign.product, customer, Observe(customer, year))) {
          continue;
        }
        s.Offer(campaign, c, day, year, world_end, offers);
        break;
      }
    }
  }
  std::erase_if(s.campaigns, [&](const Campaign& c) { return c.last_day <= day.day; });

  // Acceptances that take effect today. Each product but a consumer loan is held from the
  // response time, with a snapshot then; an accepted consumer loan becomes a loan request,
  // and credit sets CONSUMER_LOAN (with its snapshot) when it issues the loan.
  while (!s.accepted.empty() && s.accepted.top().ts < day.end) {
    const Acceptance a = s.accepted.top();
    s.accepted.pop();
    const uint16_t bit = kProductBits[a.product];
    Impl::CustomerState& state = s.state[a.customer];
    state.pending = static_cast<uint16_t>(state.pending & ~bit);
    if (a.product == kConsumerLoanP) {
      s.population.loan_requests.push_back(a.customer);
      continue;
    }
    Customer& customer = s.population.customers[a.customer];
    customer.products = static_cast<uint16_t>(customer.products | bit);
    s.population.FillCustomerEvent(a.customer, a.ts, &s.snapshot);
    customers.Push(s.snapshot);
  }
}

}  // namespace panorama::generate
