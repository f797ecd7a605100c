// The population: customers with their personas, incomes, cards and devices, and merchants with
// their categories, sizes and life courses. Everything is drawn once, in index order, from
// kPopulationStream; personal data (names, phones, ids) is derived from the index by hashing
// when a snapshot is written, so it costs nothing to hold. docs/generator.md (Population)
// gives every distribution.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/schema.h"
#include "generate/internal/persona.h"
#include "generate/internal/world.h"
#include "generate/internal/world_run.h"

namespace panorama::generate {
namespace {

constexpr int kPersonaCount = static_cast<int>(Persona::kCount);

// ---------------------------------------------------------------- customers

constexpr double kPersonaShare[] = {0.12, 0.30, 0.33, 0.08, 0.17};
constexpr std::string_view kSegments[] = {"STUDENT", "YOUNG_PROFESSIONAL", "FAMILY", "AFFLUENT",
                                          "SENIOR"};
struct AgeRange {
  int lo, hi;
};
constexpr AgeRange kAges[] = {{18, 24}, {23, 35}, {30, 55}, {32, 65}, {58, 82}};

// Occupation weights per persona, in Occupations() order: student, office_worker, engineer,
// sales, service_worker, factory_worker, civil_servant, teacher, medical, manager,
// business_owner, retired.
constexpr size_t kOccupationCount = 12;
constexpr double kOccupationMix[][kOccupationCount] = {
    {0.92, 0, 0, 0, 0.08, 0, 0, 0, 0, 0, 0, 0},
    {0, 0.30, 0.20, 0.14, 0.14, 0.08, 0.04, 0.04, 0.04, 0.01, 0.01, 0},
    {0, 0.22, 0.10, 0.10, 0.12, 0.14, 0.08, 0.07, 0.06, 0.06, 0.05, 0},
    {0, 0.05, 0.08, 0.05, 0, 0, 0.04, 0.02, 0.10, 0.36, 0.30, 0},
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.03, 0.97},
};
// Income: a latent score (persona + occupation + age + noise) cut into the five bands.
constexpr double kPersonaIncome[] = {-1.5, -0.1, 0.15, 1.8, -0.6};
constexpr double kOccupationIncome[] = {0,   0.0, 0.35, 0.05, -0.45, -0.35,
                                        0.1, 0.0, 0.3,  0.55, 0.45,  0};
constexpr double kBandCuts[] = {-0.9, -0.1, 0.65, 1.35};
// Monthly income per band (CNY): median and the band's bounds.
constexpr double kBandMedian[] = {3000, 6000, 10500, 18500, 42000};
constexpr double kBandLow[] = {1200, 4500, 8000, 14000, 25000};
constexpr double kBandHigh[] = {4500, 8000, 14000, 25000, 400000};
constexpr double kBandAmountScale[] = {0.63, 0.84, 1.05, 1.42, 2.1};
constexpr double kPersonaActivity[] = {1.0, 1.25, 1.05, 1.2, 0.6};
constexpr double kPersonaSpend[] = {0.15, 0.05, 0.0, -0.15, -0.12};
constexpr double kPersonaTraveler[] = {0.05, 0.12, 0.08, 0.35, 0.06};
constexpr double kPersonaSecondDevice[] = {0.35, 0.5, 0.4, 0.5, 0.12};
// Where favourite merchants are: online with this probability, else in the home city.
constexpr double kPersonaOnlineFavourite[] = {0.45, 0.45, 0.35, 0.35, 0.15};
// Employed paydays: common days of month, else any day.
constexpr int kPaydays[] = {5, 10, 15, 20, 25, 28};
constexpr double kPaydayWeights[] = {0.16, 0.26, 0.22, 0.06, 0.14, 0.04};
constexpr double kMeanTenureYears = 5.0;
constexpr double kJoinInsideShare = 0.05;

// ---------------------------------------------------------------- merchants

constexpr double kMerchantOpenInsideShare = 0.05;
constexpr double kSizeWeightsOffline[] = {0.56, 0.30, 0.10, 0.04};
constexpr double kSizeWeightsOnline[] = {0.30, 0.34, 0.22, 0.14};
constexpr double kSizeWeightsLarge[] = {0.0, 0.15, 0.40, 0.45};
constexpr double kSizePopularity[] = {1, 3, 10, 30};
constexpr double kLifeWeights[] = {0.20, 0.60, 0.15, 0.05};  // growing, stable, declining, failing

// ---------------------------------------------------------------- personal data

constexpr std::string_view kSurnames[] = {
    "Wang",  "Li",    "Zhang", "Liu",  "Chen", "Yang", "Huang", "Zhao",  "Wu",  "Zhou",
    "Xu",    "Sun",   "Ma",    "Zhu",  "Hu",   "Guo",  "He",    "Gao",   "Lin", "Luo",
    "Zheng", "Liang", "Xie",   "Song", "Tang", "Han",  "Feng",  "Deng",  "Cao", "Peng",
    "Zeng",  "Xiao",  "Tian",  "Dong", "Pan",  "Yuan", "Cai",   "Jiang", "Yu",  "Du",
};
// Relative frequencies (per mille of the population) of the surnames above.
constexpr int kSurnameWeights[] = {71, 70, 64, 54, 45, 31, 22, 20, 20, 19, 13, 12, 11, 11,
                                   10, 10, 9,  8,  8,  7,  7,  7,  6,  5,  5,  5,  4,  4,
                                   4,  4,  4,  4,  4,  4,  3,  3,  3,  3,  3,  3};
static_assert(std::size(kSurnames) == std::size(kSurnameWeights));
constexpr std::string_view kMaleSyllables[] = {
    "wei",  "jun",  "hao",   "yu",    "jie",  "tao",  "ming",  "lei",  "peng", "bo",
    "chao", "gang", "qiang", "jian",  "xin",  "yang", "long",  "kai",  "zhi",  "hong",
    "bin",  "feng", "liang", "cheng", "dong", "rui",  "zihan", "hang", "yi",   "ze",
};
constexpr std::string_view kFemaleSyllables[] = {
    "fang", "na",  "min", "jing", "li",   "yan",  "xiu", "juan", "ying", "hua",
    "hui",  "mei", "lan", "xue",  "ting", "qian", "yun", "lin",  "jia",  "xin",
    "yi",   "shu", "wen", "meng", "yue",  "han",  "xi",  "tong", "ke",   "yu",
};
constexpr std::string_view kMobilePrefixes[] = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180",
    "181", "182", "183", "184", "185", "186", "187", "188", "189", "198", "199",
};
constexpr std::string_view kMailDomains[] = {"163.com",     "126.com",     "sina.com", "gmail.com",
                                             "outlook.com", "foxmail.com", "139.com"};
// First four digits of the national-id area code of each home city, in Cities() order.
constexpr int kAreaPrefixes[] = {3101, 1101, 4403, 4401, 3301, 5101, 4201, 3201, 6101, 5001, 1201,
                                 3205, 4101, 4301, 3702, 2101, 4419, 3401, 3302, 3502, 5301, 2301};

// ---------------------------------------------------------------- merchant names

constexpr std::string_view kAdjectives[] = {
    "Golden", "Happy",  "Lucky",  "Red",      "Jade",    "Green",   "Sunny", "Grand",
    "Royal",  "Bright", "Silver", "Oriental", "Harmony", "Fortune", "Blue",  "Star",
    "Spring", "Peace",  "New",    "Eastern",  "Great",   "Fine",    "Smart", "Fresh",
};
constexpr std::string_view kNouns[] = {
    "Dragon", "Phoenix",  "Panda",  "Lotus",   "Bamboo", "Tiger",  "Crane", "Pearl",
    "River",  "Mountain", "Garden", "Lantern", "Bridge", "Cloud",  "Moon",  "Orchid",
    "Plum",   "Pine",     "Harbor", "Horizon", "Maple",  "Willow", "Sea",   "Summit",
};
// Trade words per category, in Categories() order.
constexpr std::array<std::string_view, 3> kTradeWords[] = {
    {"Market", "Fresh Mart", "Supermarket"},
    {"Restaurant", "Kitchen", "Dining Hall"},
    {"Noodle House", "Dumplings", "Burger"},
    {"Convenience Store", "Mini Mart", "24h Store"},
    {"Petroleum", "Gas Station", "Energy"},
    {"Pharmacy", "Drugstore", "Health Store"},
    {"Fashion", "Apparel", "Boutique"},
    {"Electronics", "Digital", "Tech Store"},
    {"Department Store", "Plaza", "Shopping Centre"},
    {"Mall", "Online Shop", "E-Commerce"},
    {"Games", "Digital Media", "Apps"},
    {"Airlines", "Air", "Airways"},
    {"Hotel", "Inn", "Resort"},
    {"Taxi", "Ride", "Mobility"},
    {"Power", "Water", "Gas Utility"},
    {"Telecom", "Mobile", "Broadband"},
    {"Cinema", "Cineplex", "Theatre"},
    {"Jewelry", "Gold", "Jewellers"},
    {"Academy", "Education", "Learning Centre"},
    {"Hospital", "Clinic", "Medical Centre"},
    {"Home", "Furniture", "Living"},
    {"Beauty", "Cosmetics", "Skin Care"},
    {"Sports", "Outdoor", "Fitness Gear"},
    {"Books", "Bookstore", "Reading Room"},
};

uint64_t Hash(uint64_t x) { return SplitMix64(x); }

template <size_t N>
size_t Pick(const double (&weights)[N], Rng& rng) {
  double total = 0;
  for (double w : weights) total += w;
  double u = rng.Uniform() * total;
  for (size_t i = 0; i < N; ++i) {
    if (u < weights[i]) return i;
    u -= weights[i];
  }
  return N - 1;
}

int YearOf(Timestamp ts) {
  const std::chrono::sys_days date{std::chrono::days{DayNumber(ts)}};
  return static_cast<int>(std::chrono::year_month_day{date}.year());
}

// A time of day between local (UTC+8) hours lo and hi, as microseconds after UTC midnight of
// the same UTC day (local hours 8..24 fall on the same UTC day).
Timestamp LocalTimeOfDay(Rng& rng, int lo_hour, int hi_hour) {
  const int64_t seconds =
      rng.Between((lo_hour - 8) * int64_t{3600}, (hi_hour - 8) * int64_t{3600} - 1);
  return seconds * kMicrosPerSecond;
}

// A bijection of [0, 10^8): multiplications by units mod 10^8 and a digit-half rotation.
uint64_t Scramble8(uint64_t x) {
  constexpr uint64_t kMod = 100'000'000;
  x %= kMod;
  for (uint64_t mult : {48'271ULL, 69'621ULL, 40'692ULL + 1}) {
    x = (x * mult + 12'345'679) % kMod;
    x = (x % 10'000) * 10'000 + x / 10'000;
  }
  return x;
}

void AppendDigits(uint64_t value, int width, std::string* out) {
  char digits[20];
  for (int i = width - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out->append(digits, static_cast<size_t>(width));
}

std::string Capitalized(std::string_view word) {
  std::string s(word);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

double RoundCoordinate(float value) { return std::round(static_cast<double>(value) * 1e5) / 1e5; }

// Personal data of one customer, derived from the index and fixed traits (so it differs
// between seeds and never changes between snapshots).
struct Identity {
  std::string name, phone, email, national_id;
};

Identity MakeIdentity(uint32_t index, const Customer& customer) {
  const uint64_t h = Hash((uint64_t{index} << 20) ^ (uint64_t{customer.ipv4} * 0x9E3779B1ULL) ^
                          static_cast<uint64_t>(customer.birth_year));
  const uint64_t h2 = Hash(h);
  const bool male = (h & 1) != 0;

  int total = 0;
  for (int w : kSurnameWeights) total += w;
  int pick = static_cast<int>((h >> 1) % static_cast<uint64_t>(total));
  size_t surname = 0;
  while (pick >= kSurnameWeights[surname]) pick -= kSurnameWeights[surname++];
  const auto& syllables = male ? kMaleSyllables : kFemaleSyllables;
  const size_t n = std::size(kMaleSyllables);
  std::string given(syllables[(h >> 12) % n]);
  if ((h >> 20) % 10 < 7) given += syllables[(h >> 24) % n];

  Identity id;
  id.name = std::string(kSurnames[surname]) + " " + Capitalized(given);

  const uint64_t code = Scramble8(index);
  id.phone = "+86";
  id.phone += kMobilePrefixes[(h2 >> 3) % std::size(kMobilePrefixes)];
  AppendDigits(code, 8, &id.phone);

  std::string surname_lower(kSurnames[surname]);
  for (char& ch : surname_lower) ch = static_cast<char>(ch | 0x20);
  const uint64_t style = (h2 >> 10) % 10;
  if (style < 3) {
    AppendDigits(100'000'000 + code * 7 % 900'000'000, 9, &id.email);
    id.email += "@qq.com";
  } else {
    id.email = style < 6 ? given + "." + surname_lower : surname_lower + given;
    id.email += std::to_string(code % 10'000);
    id.email += "@";
    id.email += kMailDomains[(code / 10'000) % std::size(kMailDomains)];
  }

  // 18-digit resident identity number (GB 11643): area, birth date, sequence (odd for men),
  // ISO 7064 MOD 11-2 check character.
  const int home_count = static_cast<int>(std::size(kAreaPrefixes));
  int area_city = customer.home_city % home_count;
  if ((h2 >> 20) % 4 == 0)
    area_city = static_cast<int>((h2 >> 24) % static_cast<uint64_t>(home_count));
  const int prefix = kAreaPrefixes[area_city];
  const int district = prefix == 4419 ? 0 : 1 + static_cast<int>((h2 >> 30) % 12);
  std::string digits;
  AppendDigits(static_cast<uint64_t>(prefix) * 100 + static_cast<uint64_t>(district), 6, &digits);
  const int year = customer.birth_year;
  const unsigned month = 1 + static_cast<unsigned>((h2 >> 36) % 12);
  const std::chrono::year_month_day_last last{std::chrono::year{year} / std::chrono::month{month} /
                                              std::chrono::last};
  const unsigned days_in_month = static_cast<unsigned>(last.day());
  const unsigned day = 1 + static_cast<unsigned>((h2 >> 40) % days_in_month);
  AppendDigits(static_cast<uint64_t>(year) * 10'000 + uint64_t{month} * 100 + day, 8, &digits);
  const uint64_t sequence = ((h2 >> 44) % 500) * 2 + (male ? 1 : 0);
  AppendDigits(sequence, 3, &digits);
  constexpr int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (digits[i] - '0') * kWeights[i];
  digits += "10X98765432"[sum % 11];
  id.national_id = std::move(digits);
  return id;
}

// Alias table over the members of one group of merchants.
struct MerchantPool {
  std::vector<uint32_t> members;
  AliasTable table;
  bool empty() const { return members.empty(); }
  uint32_t Draw(Rng& rng) const { return members[table.Draw(rng)]; }
};

MerchantPool MakePool(std::vector<uint32_t> members, const std::vector<Merchant>& merchants) {
  MerchantPool pool;
  pool.members = std::move(members);
  if (pool.members.empty()) return pool;
  std::vector<double> weights;
  weights.reserve(pool.members.size());
  for (uint32_t m : pool.members) weights.push_back(merchants[m].popularity);
  pool.table = AliasTable(weights);
  return pool;
}

}  // namespace

Population Population::Build(const WorldOptions& options) {
  Rng rng(options.seed, kPopulationStream);
  const Timestamp start = options.start != 0 ? options.start : DefaultStart();
  const int days = std::max(1, options.days);
  const int start_year = YearOf(start);
  const auto categories = Categories();
  const auto cities = Cities();
  const int home_cities = HomeCityCount();
  const int utilities = CategoryIndex("utilities");
  const int telecom = CategoryIndex("telecom");
  const int airlines = CategoryIndex("airlines");
  const int department_store = CategoryIndex("department_store");

  Population pop;
  const auto merchant_count = static_cast<size_t>(std::max<int64_t>(options.merchants, 1));
  const auto customer_count = static_cast<size_t>(std::max<int64_t>(options.customers, 1));

  std::vector<double> weights;
  weights.reserve(categories.size());
  for (int c = 0; c < home_cities; ++c) weights.push_back(cities[static_cast<size_t>(c)].weight);
  const AliasTable city_table(weights);
  weights.clear();
  // Every category gets merchants, billers included (they have no purchase share).
  for (const Category& category : categories) weights.push_back(std::max(category.share, 0.004));
  const AliasTable merchant_category_table(weights);

  // ------------------------------------------------------------ merchants
  pop.merchants.resize(merchant_count);
  for (size_t i = 0; i < merchant_count; ++i) {
    Merchant& m = pop.merchants[i];
    m.category = static_cast<uint16_t>(merchant_category_table.Draw(rng));
    const Category& category = categories[m.category];
    const int cat = m.category;
    m.city = static_cast<uint16_t>(city_table.Draw(rng));
    const City& city = cities[m.city];
    if (cat == utilities) {
      m.online = false;  // local companies, paid by app or online banking
    } else if (category.online_share >= 0.99) {
      m.online = true;
    } else {
      m.online = rng.Bernoulli(0.8 * std::pow(category.online_share, 1.5));
    }
    m.lat = static_cast<float>(city.lat + rng.Normal(0, 0.05));
    m.lon = static_cast<float>(city.lon +
                               rng.Normal(0, 0.05) / std::cos(city.lat * std::numbers::pi / 180));
    const bool big =
        cat == utilities || cat == telecom || cat == airlines || cat == department_store;
    m.size = static_cast<uint8_t>(big        ? Pick(kSizeWeightsLarge, rng)
                                  : m.online ? Pick(kSizeWeightsOnline, rng)
                                             : Pick(kSizeWeightsOffline, rng));
    m.popularity = static_cast<float>(std::min(rng.Pareto(1, 1.8), 50.0) * kSizePopularity[m.size]);

    int open_day = 0;  // first day index the life course can apply
    if (rng.Bernoulli(kMerchantOpenInsideShare)) {
      open_day = static_cast<int>(rng.Below(static_cast<uint64_t>(days)));
      m.opened_at =
          start + open_day * kMicrosPerDay + rng.Between(0, 3 * 3600 - 1) * kMicrosPerSecond;
      if (m.opened_at <= start) m.opened_at = start + kMicrosPerSecond;
    } else {
      const double years = std::clamp(rng.Exponential(1.0 / (4.0 * (1 + 0.6 * m.size))), 0.1, 30.0);
      m.opened_at = start - (1 + static_cast<int64_t>(years * 365.25)) * kMicrosPerDay +
                    LocalTimeOfDay(rng, 8, 11);
    }
    const int remaining = days - open_day;
    m.life = static_cast<LifeCourse>(Pick(kLifeWeights, rng));
    double refund_factor = 1;
    switch (m.life) {
      case LifeCourse::kGrowing:
        m.growth = static_cast<float>(rng.Uniform(0.002, 0.008));
        break;
      case LifeCourse::kStable:
        break;
      case LifeCourse::kDeclining:
        m.decline_day = open_day + static_cast<int>(rng.Uniform(0.1, 0.7) * remaining);
        m.growth = static_cast<float>(-rng.Uniform(0.006, 0.02));
        refund_factor = 1.8;
        break;
      case LifeCourse::kFailing: {
        const int decline = open_day + static_cast<int>(rng.Uniform(0.05, 0.5) * remaining);
        const int fail = std::min(decline + static_cast<int>(rng.Between(21, 70)), days - 1);
        m.fail_day = std::max(fail, open_day);
        m.decline_day = std::min(decline, std::max(open_day, m.fail_day - 7));
        m.growth = static_cast<float>(-rng.Uniform(0.02, 0.05));
        refund_factor = 1.8;
        break;
      }
    }
    m.refund_rate =
        static_cast<float>(std::min(0.003 * rng.LogNormal(0, 0.7) * refund_factor, 0.06));
  }
  pop.history_.assign(merchant_count * kHistoryDays, MerchantDay{});

  // Favourite-merchant pools: merchants trading at the start, by popularity; billers excluded.
  std::vector<MerchantPool> city_pools;
  {
    std::vector<std::vector<uint32_t>> by_city(static_cast<size_t>(home_cities));
    std::vector<uint32_t> online;
    for (size_t i = 0; i < merchant_count; ++i) {
      const Merchant& m = pop.merchants[i];
      if (m.opened_at > start || m.fail_day <= 0 || categories[m.category].share <= 0) continue;
      (m.online ? online : by_city[m.city]).push_back(static_cast<uint32_t>(i));
    }
    for (auto& members : by_city) city_pools.push_back(MakePool(std::move(members), pop.merchants));
    city_pools.push_back(MakePool(std::move(online), pop.merchants));  // last: online
  }
  const MerchantPool& online_pool = city_pools.back();

  std::vector<AliasTable> persona_category;
  for (int p = 0; p < kPersonaCount; ++p) {
    weights.clear();
    for (size_t c = 0; c < categories.size(); ++c) {
      weights.push_back(PersonaCategoryWeight(static_cast<Persona>(p), static_cast<int>(c)));
    }
    persona_category.emplace_back(weights);
  }

  // ------------------------------------------------------------ customers
  pop.customers.resize(customer_count);
  pop.card_owner.reserve(customer_count * 3 / 2);
  uint32_t next_card = 0, next_device = 0;
  for (size_t i = 0; i < customer_count; ++i) {
    Customer& c = pop.customers[i];
    const auto persona_index = Pick(kPersonaShare, rng);
    c.persona = static_cast<Persona>(persona_index);
    const AgeRange ages = kAges[persona_index];
    const int age = static_cast<int>(rng.Between(ages.lo, ages.hi));
    c.birth_year = static_cast<int16_t>(start_year - age);
    c.account = static_cast<uint32_t>(i);

    c.home_city = static_cast<uint16_t>(city_table.Draw(rng));
    const City& city = cities[c.home_city];
    c.home_lat = static_cast<float>(city.lat + rng.Normal(0, 0.045));
    c.home_lon = static_cast<float>(city.lon + rng.Normal(0, 0.045) /
                                                   std::cos(city.lat * std::numbers::pi / 180));

    c.occupation = static_cast<uint8_t>(Pick(kOccupationMix[persona_index], rng));
    double latent =
        kPersonaIncome[persona_index] + kOccupationIncome[c.occupation] + rng.Normal(0, 0.6);
    if (c.persona == Persona::kYoungProfessional || c.persona == Persona::kFamily) {
      latent += 0.025 * std::clamp(age - 32, -10, 15);
    }
    int band = 0;
    while (band < 4 && latent > kBandCuts[band]) ++band;
    if (c.persona == Persona::kStudent) band = std::min(band, 1);
    c.income_band = static_cast<uint8_t>(band);
    const double income =
        std::clamp(kBandMedian[band] * rng.LogNormal(0, 0.25), kBandLow[band], kBandHigh[band]);
    c.monthly_income = static_cast<int64_t>(std::llround(income)) * 100;

    switch (c.persona) {
      case Persona::kStudent:
        c.payday = static_cast<uint8_t>(rng.Between(1, 5));
        break;
      case Persona::kRetired:
        c.payday = static_cast<uint8_t>(5 + 5 * rng.Below(3));  // pensions on the 5th/10th/15th
        break;
      default:
        c.payday = rng.Bernoulli(0.12) ? static_cast<uint8_t>(rng.Between(1, 28))
                                       : static_cast<uint8_t>(kPaydays[Pick(kPaydayWeights, rng)]);
        break;
    }

    c.card_count = static_cast<uint8_t>(
        1 + rng.Bernoulli(c.persona == Persona::kStudent ? 0.15 : 0.25 + 0.1 * band) +
        rng.Bernoulli(0.04 + 0.06 * band));
    c.first_card = next_card;
    next_card += c.card_count;
    for (int k = 0; k < c.card_count; ++k) pop.card_owner.push_back(static_cast<uint32_t>(i));
    c.device_count =
        static_cast<uint8_t>(1 + rng.Bernoulli(kPersonaSecondDevice[persona_index]) +
                             rng.Bernoulli(c.persona == Persona::kRetired ? 0.02 : 0.12));
    c.first_device = next_device;
    next_device += c.device_count;
    c.ipv4 = DomesticIp(rng);
    c.traveler =
        rng.Bernoulli(std::min(0.9, kPersonaTraveler[persona_index] * (0.5 + 0.25 * band)));

    const double student = c.persona == Persona::kStudent ? 0.3 : 1.0;
    constexpr double kUpgradeOdds[] = {0.02, 0.06, 0.15, 0.32, 0.55};
    constexpr double kWealthOdds[] = {0.01, 0.03, 0.10, 0.28, 0.60};
    uint16_t products = 0;
    if (rng.Bernoulli(kUpgradeOdds[band] * student)) products |= kCardUpgrade;
    if (rng.Bernoulli(kWealthOdds[band] * student * (c.persona == Persona::kRetired ? 1.5 : 1.0))) {
      products |= kWealth;
    }
    if (rng.Bernoulli((0.04 + 0.06 * band + (c.persona == Persona::kFamily ? 0.1 : 0)) * student)) {
      products |= kInsurance;
    }
    if (rng.Bernoulli((0.03 + 0.05 * band + (c.persona == Persona::kYoungProfessional ? 0.04 : 0)) *
                      student)) {
      products |= kFund;
    }
    c.products = products;
    c.favourite_category = static_cast<uint16_t>(persona_category[persona_index].Draw(rng));

    // Hidden traits: the spending propensity drives observed spending (amounts and activity);
    // credit risk follows it and low income, plus its own noise.
    const double z_spend = rng.Normal();
    const double spend_ratio =
        std::clamp(0.68 + kPersonaSpend[persona_index] + 0.14 * z_spend, 0.2, 1.4);
    c.spend_ratio = static_cast<float>(spend_ratio);
    // (1.62 - band) / 1.23 standardises the band over the whole population.
    c.credit_risk =
        static_cast<float>(0.45 * z_spend + 0.35 * (1.62 - band) / 1.23 + 0.8 * rng.Normal());
    const double spend_tilt = spend_ratio / 0.68;
    c.activity =
        static_cast<float>(rng.LogNormal(std::log(0.96 * kPersonaActivity[persona_index]), 0.6) *
                           std::pow(spend_tilt, 0.3));
    c.amount_scale = static_cast<float>(kBandAmountScale[band] * rng.LogNormal(0, 0.25) *
                                        std::pow(spend_tilt, 0.7));

    if (rng.Bernoulli(kJoinInsideShare)) {
      const auto day = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(days)));
      c.joined_at = start + day * kMicrosPerDay + LocalTimeOfDay(rng, 9, 21);
    } else {
      const double max_years = std::min(25.0, std::max(0.2, age - 16.0));
      const double years = std::min(rng.Exponential(1.0 / kMeanTenureYears), max_years);
      const auto tenure_days = 1 + static_cast<int64_t>(years * 365.25);
      c.joined_at = start - tenure_days * kMicrosPerDay + LocalTimeOfDay(rng, 9, 21);
    }

    // Four favourite merchants, online or in the home city, by popularity.
    const MerchantPool& home_pool = city_pools[c.home_city];
    const double online_favourite = kPersonaOnlineFavourite[persona_index];
    int filled = 0;
    for (int attempt = 0; attempt < 8 && filled < 4; ++attempt) {
      const bool online = rng.Bernoulli(online_favourite);
      const MerchantPool& pool =
          (online && !online_pool.empty()) || home_pool.empty() ? online_pool : home_pool;
      if (pool.empty()) break;
      const uint32_t m = pool.Draw(rng);
      if (std::find(c.favourite_merchants, c.favourite_merchants + filled, m) !=
          c.favourite_merchants + filled) {
        continue;
      }
      c.favourite_merchants[filled++] = m;
    }
  }
  pop.device_total = next_device;
  return pop;
}

void Population::ClearHistoryDay(int day) {
  for (size_t m = 0; m < merchants.size(); ++m) history(static_cast<uint32_t>(m), day) = {};
}

bool Population::Trades(uint32_t merchant, int day, Timestamp day_begin) const {
  const Merchant& m = merchants[merchant];
  return m.opened_at <= day_begin && day < m.fail_day;
}

void Population::FillCustomerEvent(uint32_t customer, Timestamp ts, Event* out) const {
  const Customer& c = customers[customer];
  const City& city = Cities()[c.home_city];
  out->Reset(EventKind::kCustomer);
  char id[kIdLength];
  out->set_str(customer::kCustomerId,
               std::string_view(id, WriteId(IdKind::kCustomer, customer, id) - id));
  out->set_num(customer::kTs, ts);
  out->set_num(customer::kJoinedAt, c.joined_at);
  out->set_num(customer::kBirthYear, c.birth_year);
  out->set_str(customer::kRegion, city.region);
  out->set_str(customer::kCity, city.name);
  out->set_str(customer::kCountry, city.country);
  out->set_real(customer::kHomeLat, RoundCoordinate(c.home_lat));
  out->set_real(customer::kHomeLon, RoundCoordinate(c.home_lon));
  out->set_num(customer::kIncomeBand, c.income_band);
  out->set_str(customer::kOccupation, Occupations()[c.occupation]);
  out->set_str(customer::kSegment, kSegments[static_cast<size_t>(c.persona)]);
  const Identity identity = MakeIdentity(customer, c);
  out->set_str(customer::kName, identity.name);
  out->set_str(customer::kPhone, identity.phone);
  out->set_str(customer::kEmail, identity.email);
  out->set_str(customer::kNationalId, identity.national_id);
  if (c.products != 0) {
    const FieldSpec& spec =
        SchemaFor(EventKind::kOffer).fields[static_cast<size_t>(offer::kProduct)];
    std::string products;
    for (size_t bit = 0; bit < spec.values.size(); ++bit) {
      if ((c.products >> bit) & 1U) {
        if (!products.empty()) products += ';';
        products += spec.values[bit];
      }
    }
    out->set_str(customer::kProducts, products);
  }
}

void Population::FillMerchantEvent(uint32_t merchant, Timestamp ts, Event* out) const {
  const Merchant& m = merchants[merchant];
  const City& city = Cities()[m.city];
  out->Reset(EventKind::kMerchant);
  char id[kIdLength];
  out->set_str(merchant::kMerchantId,
               std::string_view(id, WriteId(IdKind::kMerchant, merchant, id) - id));
  out->set_num(merchant::kTs, ts);
  out->set_str(merchant::kName, MerchantName(merchant));
  out->set_num(merchant::kMcc, Categories()[m.category].mcc);
  out->set_str(merchant::kCountry, city.country);
  out->set_str(merchant::kCity, city.name);
  out->set_real(merchant::kLat, RoundCoordinate(m.lat));
  out->set_real(merchant::kLon, RoundCoordinate(m.lon));
  out->set_num(merchant::kOnline, m.online ? 1 : 0);
  out->set_num(merchant::kOpenedAt, m.opened_at);
  out->set_num(merchant::kSize, m.size);
  out->set_str(merchant::kRegion, city.region);
}

std::string Population::MerchantName(uint32_t merchant) const {
  const Merchant& m = merchants[merchant];
  const uint64_t h =
      Hash(uint64_t{merchant} * 0x9E3779B97F4A7C15ULL ^ static_cast<uint64_t>(m.opened_at));
  std::string name(kAdjectives[h % std::size(kAdjectives)]);
  name += ' ';
  name += kNouns[(h >> 16) % std::size(kNouns)];
  name += ' ';
  name += kTradeWords[m.category % std::size(kTradeWords)][(h >> 32) % 3];
  return name;
}

}  // namespace panorama::generate
