// The world's reference tables: currencies, cities, purchase categories, occupations, IP
// ranges, entity ids and pattern names. docs/generator.md (Population) lists the values
// and where they come from.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "generate/internal/persona.h"
#include "generate/internal/world.h"

namespace panorama::generate {
namespace {

// Units of each currency per 1 CNY: round mid-market rates of 2025, fixed for the world.
constexpr CurrencyInfo kCurrencies[] = {
    {"CNY", 2, 1.0},   {"USD", 2, 0.139}, {"JPY", 0, 20.8}, {"GBP", 2, 0.104}, {"EUR", 2, 0.119},
    {"HKD", 2, 1.085}, {"SGD", 2, 0.179}, {"THB", 2, 4.52}, {"KRW", 0, 193.0}, {"AUD", 2, 0.213},
};
enum CurrencyIndex : uint8_t { kCny, kUsd, kJpy, kGbp, kEur, kHkd, kSgd, kThb, kKrw, kAud };

// Home cities first. Weights are roughly the urban populations in millions; only their
// ratios matter.
constexpr City kCities[] = {
    {"Shanghai", "Shanghai", "CN", 31.2304, 121.4737, 24.9, kCny},
    {"Beijing", "Beijing", "CN", 39.9042, 116.4074, 21.9, kCny},
    {"Shenzhen", "Guangdong", "CN", 22.5431, 114.0579, 17.7, kCny},
    {"Guangzhou", "Guangdong", "CN", 23.1291, 113.2644, 18.8, kCny},
    {"Hangzhou", "Zhejiang", "CN", 30.2741, 120.1551, 12.4, kCny},
    {"Chengdu", "Sichuan", "CN", 30.5728, 104.0668, 16.0, kCny},
    {"Wuhan", "Hubei", "CN", 30.5928, 114.3055, 13.7, kCny},
    {"Nanjing", "Jiangsu", "CN", 32.0603, 118.7969, 9.5, kCny},
    {"Xi'an", "Shaanxi", "CN", 34.3416, 108.9398, 13.0, kCny},
    {"Chongqing", "Chongqing", "CN", 29.5630, 106.5516, 16.0, kCny},
    {"Tianjin", "Tianjin", "CN", 39.3434, 117.3616, 13.6, kCny},
    {"Suzhou", "Jiangsu", "CN", 31.2989, 120.5853, 12.9, kCny},
    {"Zhengzhou", "Henan", "CN", 34.7466, 113.6254, 12.8, kCny},
    {"Changsha", "Hunan", "CN", 28.2282, 112.9388, 10.4, kCny},
    {"Qingdao", "Shandong", "CN", 36.0671, 120.3826, 10.3, kCny},
    {"Shenyang", "Liaoning", "CN", 41.8057, 123.4315, 9.1, kCny},
    {"Dongguan", "Guangdong", "CN", 23.0207, 113.7518, 10.5, kCny},
    {"Hefei", "Anhui", "CN", 31.8206, 117.2272, 9.6, kCny},
    {"Ningbo", "Zhejiang", "CN", 29.8683, 121.5440, 9.6, kCny},
    {"Xiamen", "Fujian", "CN", 24.4798, 118.0894, 5.3, kCny},
    {"Kunming", "Yunnan", "CN", 25.0389, 102.7183, 8.5, kCny},
    {"Harbin", "Heilongjiang", "CN", 45.8038, 126.5350, 9.9, kCny},
    // Abroad: the common destinations of travellers from the home country.
    {"Hong Kong", "Hong Kong", "HK", 22.3193, 114.1694, 0, kHkd},
    {"Singapore", "Singapore", "SG", 1.3521, 103.8198, 0, kSgd},
    {"Tokyo", "Tokyo", "JP", 35.6762, 139.6503, 0, kJpy},
    {"Osaka", "Osaka", "JP", 34.6937, 135.5023, 0, kJpy},
    {"Seoul", "Seoul", "KR", 37.5665, 126.9780, 0, kKrw},
    {"Bangkok", "Bangkok", "TH", 13.7563, 100.5018, 0, kThb},
    {"London", "England", "GB", 51.5074, -0.1278, 0, kGbp},
    {"Paris", "Île-de-France", "FR", 48.8566, 2.3522, 0, kEur},
    {"Milan", "Lombardy", "IT", 45.4642, 9.1900, 0, kEur},
    {"New York", "New York", "US", 40.7128, -74.0060, 0, kUsd},
    {"Los Angeles", "California", "US", 34.0522, -118.2437, 0, kUsd},
    {"Sydney", "New South Wales", "AU", -33.8688, 151.2093, 0, kAud},
};
constexpr int kHomeCityCount = 22;
static_assert(kCities[kHomeCityCount - 1].weight > 0 && kCities[kHomeCityCount].weight == 0);

// Purchase categories. Amounts are CNY medians of one purchase; shares sum to 1 over the
// purchase categories (utilities and telecom are paid as bills, not drawn as purchases).
// name, mcc, median, sigma, share, weekend, online, festival, refund
constexpr Category kCategories[] = {
    {"grocery", 5411, 58, 0.80, 0.190, 1.35, 0.15, 1.3, 0.004},
    {"restaurants", 5812, 92, 0.70, 0.120, 1.45, 0.08, 1.0, 0.003},
    {"fast_food", 5814, 28, 0.55, 0.140, 1.10, 0.45, 1.0, 0.006},
    {"convenience", 5499, 16, 0.75, 0.065, 1.05, 0.05, 1.0, 0.002},
    {"fuel", 5541, 260, 0.35, 0.040, 1.15, 0.00, 1.0, 0.001},
    {"pharmacy", 5912, 68, 0.85, 0.030, 0.90, 0.20, 1.2, 0.008},
    {"clothing", 5651, 239, 0.80, 0.050, 1.70, 0.60, 3.5, 0.090},
    {"electronics", 5732, 1500, 1.00, 0.015, 1.50, 0.60, 4.5, 0.050},
    {"department_store", 5311, 320, 0.90, 0.025, 1.90, 0.08, 1.8, 0.030},
    {"online_marketplace", 5399, 109, 1.00, 0.100, 1.10, 0.97, 6.0, 0.070},
    {"digital_goods", 5816, 30, 1.10, 0.040, 1.30, 1.00, 1.5, 0.010},
    {"airlines", 4511, 1280, 0.55, 0.008, 0.85, 0.90, 1.0, 0.060},
    {"hotels", 7011, 480, 0.60, 0.010, 1.40, 0.70, 1.0, 0.040},
    {"taxi", 4121, 29, 0.65, 0.080, 0.90, 0.85, 1.0, 0.004},
    {"utilities", 4900, 160, 0.55, 0.000, 0.60, 0.95, 1.0, 0.001},
    {"telecom", 4814, 98, 0.40, 0.000, 0.70, 0.90, 1.0, 0.002},
    {"cinema", 7832, 78, 0.50, 0.020, 2.20, 0.80, 1.0, 0.010},
    {"jewelry", 5944, 2600, 1.00, 0.003, 1.80, 0.15, 2.0, 0.030},
    {"education", 8299, 1680, 0.95, 0.006, 1.30, 0.45, 1.0, 0.040},
    {"healthcare", 8062, 360, 1.00, 0.012, 0.60, 0.05, 1.0, 0.010},
    {"home_furnishing", 5712, 1180, 1.00, 0.008, 1.80, 0.40, 3.0, 0.050},
    {"cosmetics", 5977, 268, 0.75, 0.020, 1.35, 0.55, 5.0, 0.040},
    {"sporting_goods", 5941, 299, 0.80, 0.010, 1.60, 0.50, 2.5, 0.050},
    {"books", 5942, 62, 0.60, 0.008, 1.40, 0.60, 2.0, 0.020},
};

constexpr size_t kCategoryCount = std::size(kCategories);

// Taste multipliers per persona, in kCategories order (grocery .. books).
constexpr double kPersonaTaste[][kCategoryCount] = {
    // Student: fast food, snacks, games, cinema and books; no car, few big tickets.
    {0.6, 0.9, 1.6, 1.5, 0.1, 0.7, 1.0, 1.0, 0.6, 1.4, 2.5, 0.3,
     0.4, 0.8, 1.0, 1.0, 1.8, 0.1, 1.5, 0.3, 0.2, 1.2, 1.2, 2.0},
    // Young professional: eating out, ride-hailing, online shopping.
    {0.7, 1.3, 1.3, 1.2, 0.7, 0.8, 1.2, 1.1, 0.9, 1.3, 1.3, 1.0,
     1.1, 1.5, 1.0, 1.0, 1.3, 0.8, 0.8, 0.6, 0.7, 1.2, 1.2, 1.0},
    // Family: groceries, fuel, children's education, home.
    {1.4, 1.0, 0.8, 0.9, 1.4, 1.2, 1.0, 1.0, 1.2, 1.0, 0.6, 0.9,
     1.0, 0.8, 1.0, 1.0, 0.9, 1.0, 2.0, 1.1, 1.5, 0.9, 1.0, 1.0},
    // Affluent: restaurants, travel, jewellery, department stores.
    {1.0, 1.5, 0.6, 0.6, 1.3, 1.0, 1.3, 1.3, 1.5, 1.0, 0.8, 2.5,
     2.5, 1.2, 1.0, 1.0, 1.0, 3.0, 1.2, 1.3, 1.5, 1.4, 1.2, 1.0},
    // Retired: groceries, pharmacy and healthcare; little online or digital.
    {1.6, 0.8, 0.5, 0.8, 0.6, 2.5, 0.7, 0.6, 1.1, 0.5, 0.2, 0.7,
     0.8, 0.5, 1.0, 1.0, 0.4, 0.8, 0.3, 3.0, 0.8, 0.6, 0.5, 1.0},
};
static_assert(std::size(kPersonaTaste) == static_cast<size_t>(Persona::kCount));
constexpr double kPersonaOnline[] = {1.2, 1.15, 1.0, 1.0, 0.5};

constexpr std::string_view kOccupations[] = {
    "student",       "office_worker", "engineer", "sales",   "service_worker", "factory_worker",
    "civil_servant", "teacher",       "medical",  "manager", "business_owner", "retired",
};

// Public IPv4 blocks (first address, prefix length) announced by the large home-country
// carriers (broadband and mobile).
struct Block {
  uint32_t first;
  int prefix;
};
constexpr uint32_t Ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}
constexpr Block kDomesticBlocks[] = {
    {Ip(36, 96, 0, 0), 11},   {Ip(58, 32, 0, 0), 11},   {Ip(60, 0, 0, 0), 11},
    {Ip(101, 80, 0, 0), 12},  {Ip(111, 0, 0, 0), 10},   {Ip(113, 64, 0, 0), 10},
    {Ip(114, 80, 0, 0), 12},  {Ip(115, 192, 0, 0), 11}, {Ip(117, 128, 0, 0), 10},
    {Ip(123, 112, 0, 0), 12}, {Ip(180, 96, 0, 0), 11},  {Ip(183, 0, 0, 0), 10},
    {Ip(223, 64, 0, 0), 11},
};
// Foreign consumer ISPs (US, UK, FR, JP, KR, TH, SG, HK, AU) and hosting providers.
constexpr Block kForeignBlocks[] = {
    {Ip(73, 0, 0, 0), 8},       {Ip(86, 128, 0, 0), 10}, {Ip(90, 0, 0, 0), 9},
    {Ip(126, 0, 0, 0), 8},      {Ip(1, 224, 0, 0), 11},  {Ip(49, 228, 0, 0), 14},
    {Ip(203, 116, 0, 0), 16},   {Ip(42, 2, 0, 0), 15},   {Ip(1, 120, 0, 0), 13},
    {Ip(3, 0, 0, 0), 9},        {Ip(34, 64, 0, 0), 10},  {Ip(45, 32, 0, 0), 16},
    {Ip(185, 220, 100, 0), 22}, {Ip(5, 8, 0, 0), 16},
};

uint32_t DrawFromBlocks(std::span<const Block> blocks, Rng& rng) {
  const Block& block = blocks[rng.Below(blocks.size())];
  const uint64_t span = uint64_t{1} << (32 - block.prefix);
  // Avoid the network and broadcast-looking .0 and .255 hosts.
  for (;;) {
    const auto ip = static_cast<uint32_t>(block.first + rng.Below(span));
    const uint32_t host = ip & 0xFFU;
    if (host != 0 && host != 255) return ip;
  }
}

constexpr std::string_view kPatternNames[] = {
    "none",
    "card_testing",
    "account_takeover",
    "stolen_card_spree",
    "merchant_collusion",
    "merchant_bust_out",
    "friendly_fraud",
    "aml_structuring",
    "aml_fan_in",
    "aml_fan_out",
    "aml_pass_through",
    "aml_round_trip",
};
static_assert(std::size(kPatternNames) == static_cast<size_t>(Pattern::kCount));

}  // namespace

std::span<const CurrencyInfo> Currencies() { return kCurrencies; }
std::span<const City> Cities() { return kCities; }
int HomeCityCount() { return kHomeCityCount; }
std::span<const Category> Categories() { return kCategories; }

int CategoryIndex(std::string_view name) {
  for (size_t i = 0; i < std::size(kCategories); ++i) {
    if (kCategories[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::span<const std::string_view> Occupations() { return kOccupations; }

double PersonaCategoryWeight(Persona persona, int category) {
  const auto c = static_cast<size_t>(category);
  return kCategories[c].share * kPersonaTaste[static_cast<size_t>(persona)][c];
}

double PersonaOnlineFactor(Persona persona) { return kPersonaOnline[static_cast<size_t>(persona)]; }

uint32_t DomesticIp(Rng& rng) { return DrawFromBlocks(kDomesticBlocks, rng); }
uint32_t ForeignIp(Rng& rng) { return DrawFromBlocks(kForeignBlocks, rng); }

char* WriteId(IdKind kind, uint64_t index, char* out) {
  out[0] = static_cast<char>(kind);
  if (kind == IdKind::kDevice) {
    // Device ids are fingerprints, not counters: an affine bijection of [0, 10^9) keeps them
    // distinct while hiding that fraudsters' devices are numbered after the customers'.
    constexpr uint64_t kDeviceIdSpace = 1'000'000'000;
    index = (index % kDeviceIdSpace * 387'420'489 + 123'456'789) % kDeviceIdSpace;
  }
  for (int i = kIdLength - 1; i >= 1; --i) {
    out[i] = static_cast<char>('0' + index % 10);
    index /= 10;
  }
  return out + kIdLength;
}

std::string MakeId(IdKind kind, uint64_t index) {
  std::string id(kIdLength, '0');
  WriteId(kind, index, id.data());
  return id;
}

std::string_view PatternName(Pattern pattern) {
  const auto i = static_cast<size_t>(pattern);
  return i < std::size(kPatternNames) ? kPatternNames[i] : std::string_view("none");
}

bool IsLaundering(Pattern pattern) {
  switch (pattern) {
    case Pattern::kStructuring:
    case Pattern::kFanIn:
    case Pattern::kFanOut:
    case Pattern::kPassThrough:
    case Pattern::kRoundTrip:
      return true;
    default:
      return false;
  }
}

}  // namespace panorama::generate
