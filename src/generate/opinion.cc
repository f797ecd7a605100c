// OpinionSimulator: public posts and news in Chinese and English about the world's bank
// (Panorama Bank), three fictional competitors, six fictional listed stocks and the world's
// merchants, with intended-sentiment labels. A steady baseline follows the week and the hour;
// incidents (outages, fraud waves, data breaches, merchant failures) add a decaying burst of
// mostly negative posts and news about their subject. docs/generator.md (Opinion) gives
// the figures.
//
// Incidents are read statelessly: every day the span of incidents is scanned from the first
// one that may still matter, and each incident's own draws (burst size, news times) come from
// an Rng seeded by the incident itself, so they do not depend on when the incident was seen.
// This relies on the span being append-only while the world runs.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/schema.h"
#include "core/time.h"
#include "generate/internal/opinion_text.h"
#include "generate/internal/world.h"

namespace panorama::generate {
namespace {

namespace text = opinion_text;
using text::Lang;
using text::Tone;
using text::Topic;

// ---------------------------------------------------------------- entities

struct Bank {
  std::string_view code;  // the mention is "BANK:" + code
  std::string_view en, en_short, zh, zh_short, hashtag;
  int stock;      // index into kStocks, -1 when not listed
  double weight;  // share of the posts about banks
};
// Index 0 is the world's bank. All names are fictional.
constexpr Bank kBanks[] = {
    {"PANO", "Panorama Bank", "Panorama", "全景银行", "全景", "PanoramaBank", 0, 0.55},
    {"JADE", "Jade Harbour Bank", "Jade Harbour", "翠港银行", "翠港", "JadeHarbourBank", 1, 0.18},
    {"NRDG", "Northridge Bank", "Northridge", "北岭银行", "北岭", "NorthridgeBank", -1, 0.15},
    {"HRZN", "Horizon Trust Bank", "Horizon Trust", "恒远银行", "恒远", "HorizonTrust", -1, 0.12},
};

struct Sector {
  std::string_view en, zh;
};
constexpr Sector kSectors[] = {{"bank stocks", "银行板块"},
                               {"chip stocks", "半导体板块"},
                               {"new-energy stocks", "新能源板块"},
                               {"consumer stocks", "消费板块"},
                               {"pharma stocks", "医药板块"}};

struct Stock {
  std::string_view code;  // six digits; the prefixes 609 and 004 are not allocated to any
                          // real listing, so the codes name no real company
  std::string_view en, zh;
  int bank;    // index into kBanks when the stock is a bank's, else -1
  int sector;  // index into kSectors
  double weight;
};
constexpr Stock kStocks[] = {
    {"609188", "Panorama Bank", "全景银行", 0, 0, 0.28},
    {"609517", "Jade Harbour Bank", "翠港银行", 1, 0, 0.12},
    {"004217", "Xingheng Technology", "星衡科技", -1, 1, 0.18},
    {"004563", "Bluebay New Energy", "蓝湾新能源", -1, 2, 0.18},
    {"609732", "Yunqi Dairy", "云栖乳业", -1, 3, 0.12},
    {"004891", "Chengchuan Pharmaceutical", "澄川医药", -1, 4, 0.12},
};

// ---------------------------------------------------------------- sources and authors

enum Source : uint8_t {
  kWeibo,
  kXueqiu,
  kZhihu,
  kXiaohongshu,
  kDianping,
  kTieba,
  kHeimao,  // a complaints platform: negative posts only
  kGuba,
  kTwitter,
  kReddit,
  kStocktwits,
  kTrustpilot,
  kTripadvisor,
  kFacebook,
  kSourceCount,
};
struct SourceInfo {
  std::string_view name;
  Lang lang;
  double author_share;  // share of the language's authors whose home it is
};
constexpr SourceInfo kSources[] = {
    {"weibo", text::kZh, 0.35},       {"xueqiu", text::kZh, 0.12},
    {"zhihu", text::kZh, 0.10},       {"xiaohongshu", text::kZh, 0.13},
    {"dianping", text::kZh, 0.12},    {"tieba", text::kZh, 0.06},
    {"heimao", text::kZh, 0.06},      {"guba", text::kZh, 0.06},
    {"twitter", text::kEn, 0.40},     {"reddit", text::kEn, 0.25},
    {"stocktwits", text::kEn, 0.10},  {"trustpilot", text::kEn, 0.07},
    {"tripadvisor", text::kEn, 0.10}, {"facebook", text::kEn, 0.08},
};
static_assert(std::size(kSources) == kSourceCount);

// What a post is about, for the choice of platform and the weekly rhythm.
enum Group : uint8_t { kGroupBank, kGroupStock, kGroupMerchant, kGroupIncident, kGroupCount };
// Platform weights per language and group, in Source order.
constexpr double kSourceWeights[text::kLangCount][kGroupCount][kSourceCount] = {
    {
        // zh
        {0.45, 0.05, 0.18, 0.12, 0, 0.10, 0.10, 0, 0, 0, 0, 0, 0, 0},
        {0.15, 0.50, 0.05, 0, 0, 0, 0, 0.30, 0, 0, 0, 0, 0, 0},
        {0.20, 0, 0, 0.30, 0.45, 0.05, 0, 0, 0, 0, 0, 0, 0, 0},
        {0.55, 0, 0.10, 0.10, 0, 0.10, 0.15, 0, 0, 0, 0, 0, 0, 0},
    },
    {
        // en
        {0, 0, 0, 0, 0, 0, 0, 0, 0.50, 0.30, 0, 0.10, 0, 0.10},
        {0, 0, 0, 0, 0, 0, 0, 0, 0.35, 0.25, 0.40, 0, 0, 0},
        {0, 0, 0, 0, 0, 0, 0, 0, 0.20, 0.15, 0, 0, 0.40, 0.25},
        {0, 0, 0, 0, 0, 0, 0, 0, 0.60, 0.30, 0, 0, 0, 0.10},
    },
};

// News outlets (fictional); each is one author, indices 0 .. kOutletCount-1.
struct Outlet {
  std::string_view domain;  // also the post's `source`
  Lang lang;
  double weight;
};
constexpr Outlet kOutlets[] = {
    {"lanhai-caijing.cn", text::kZh, 0.30},        {"jingwei-finance.cn", text::kZh, 0.25},
    {"xinhe-shangbao.cn", text::kZh, 0.25},        {"dongjiang-daily.cn", text::kZh, 0.20},
    {"harbourline-news.com", text::kEn, 0.35},     {"asia-ledger.com", text::kEn, 0.30},
    {"pacific-markets-wire.com", text::kEn, 0.20}, {"fintech-dispatch.net", text::kEn, 0.15},
};
constexpr uint32_t kOutletCount = std::size(kOutlets);

// ---------------------------------------------------------------- volumes and tones

constexpr double kCustomersPerDailyPost = 400;  // baseline: max(5, customers / 400) per day
constexpr double kMinDailyPosts = 5;
constexpr double kCustomersPerAuthor = 40;
constexpr uint32_t kMinAuthors = 400;
constexpr double kZhShare = 0.55;
constexpr double kNewsShare = 0.08;  // of the baseline volume
constexpr double kHardShare = 0.07;  // sarcasm, negation, mixed tone
constexpr double kOpenerShare = 0.15, kCloserShare = 0.35, kUpdateShare = 0.06;

constexpr int kSocialTopics = text::kMarket + 1;  // baseline topics: kService .. kMarket
constexpr double kTopicWeights[kSocialTopics] = {0.14, 0.12, 0.08, 0.08, 0.08, 0.14, 0.24, 0.12};
// Baseline tone (negative, neutral, positive) per topic; the mix over topics is about
// 21 / 54 / 25 %.
constexpr std::array<double, 3> kBaseTone[text::kTopicCount] = {
    {0.28, 0.42, 0.30},  // service
    {0.25, 0.50, 0.25},  // app
    {0.40, 0.45, 0.15},  // fees
    {0.15, 0.65, 0.20},  // rates
    {0.12, 0.58, 0.30},  // products
    {0.20, 0.55, 0.25},  // stock
    {0.16, 0.52, 0.32},  // merchant reviews
    {0.15, 0.70, 0.15},  // market commentary
    {0.80, 0.15, 0.05},  // outage
    {0.80, 0.15, 0.05},  // fraud wave
    {0.82, 0.14, 0.04},  // data breach
    {0.80, 0.15, 0.05},  // merchant breach
    {0.82, 0.15, 0.03},  // merchant failure
};
// Under full incident pressure, the negative share of baseline posts about the subject.
constexpr double kPressedNegative = 0.80;
// Stock posts in a bank incident's burst, and their tone.
constexpr double kBurstStockShare = 0.20;
constexpr std::array<double, 3> kBurstStockTone = {0.75, 0.20, 0.05};

// Weekly rhythm per group (Monday .. Sunday); news follows the working week.
constexpr double kWeekly[kGroupCount + 1][7] = {
    {1.00, 0.98, 0.98, 1.00, 1.05, 1.02, 0.97},  // bank
    {1.20, 1.15, 1.15, 1.15, 1.10, 0.55, 0.70},  // stocks and market (trading days)
    {0.88, 0.88, 0.90, 0.95, 1.07, 1.17, 1.15},  // merchant reviews
    {1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00},  // incident bursts (follow the incident)
    {1.15, 1.15, 1.15, 1.15, 1.10, 0.65, 0.65},  // news
};

// Local (UTC+8) hour profiles.
constexpr double kSocialHours[24] = {3.0, 2.0, 1.2, 0.7, 0.5, 0.5, 1.0, 2.5, 4.0, 4.5, 4.5, 4.5,
                                     5.0, 4.5, 4.0, 4.0, 4.2, 4.5, 5.0, 5.5, 6.5, 7.0, 6.5, 5.0};
constexpr double kTradingHours[24] = {1.0, 0.5, 0.3, 0.2, 0.2, 0.2, 0.5, 2.0, 5.0, 9.0, 9.0, 7.0,
                                      4.0, 6.0, 8.0, 7.0, 4.0, 3.0, 3.0, 3.0, 3.0, 3.0, 2.0, 1.5};
constexpr double kNewsHours[24] = {0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 1.0, 3.0, 5.0, 6.0, 6.0, 5.0,
                                   4.0, 4.0, 5.0, 5.0, 5.0, 4.0, 3.0, 3.0, 2.5, 2.0, 1.0, 0.5};
enum Profile : uint8_t { kSocialProfile, kTradingProfile, kNewsProfile, kProfileCount };
// English posts come from China (UTC+8), Europe (UTC) and the Americas (UTC-5).
constexpr int kEnOffsets[] = {8, 0, -5};
constexpr double kEnOffsetWeights[] = {0.60, 0.15, 0.25};

// Baseline news topics; results cluster in the reporting months.
constexpr double kNewsTopicWeights[] = {0.25, 0.20, 0.03, 0.40};  // product, rates, results, market
constexpr double kResultsSeasonWeight = 0.20;
constexpr std::array<double, 3> kNewsTone[] = {
    {0.05, 0.60, 0.35},  // product
    {0.10, 0.80, 0.10},  // rates
    {0.30, 0.30, 0.40},  // results
    {0.30, 0.40, 0.30},  // market
};

// ---------------------------------------------------------------- incident reaction

enum class IncidentType : uint8_t { kOutage, kFraudWave, kDataBreach, kMerchantFailure };
constexpr Timestamp kHour = 3600 * kMicrosPerSecond;
constexpr Timestamp kReactionTail = 48 * kHour;  // reaction lasts until end + 48 h
constexpr Timestamp kHold = 12 * kHour;          // full activity until end + 12 h,
constexpr double kDecayHours = 12;               // then decaying as e^(-t/12h)
constexpr Timestamp kLongIncident = 3 * kMicrosPerDay;
constexpr double kLongLevel = 0.4;   // activity of a long incident after its first three days
constexpr double kMinBankBurst = 4;  // floor of the posts/day a bank incident's burst is scaled by

struct Reaction {
  IncidentType type = IncidentType::kOutage;
  Topic topic = text::kOutage;
  int bank = -1;              // subject bank, or
  uint32_t merchant = kNone;  // subject merchant
  Timestamp start = 0, end = 0, cutoff = 0;
  double multiplier = 1;  // subject volume relative to its baseline, at full activity
  uint64_t seed = 0;      // the incident's own draws
};

uint64_t HashText(uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// Posts carry whole seconds: `ts` rounded up, or down when rounding up would reach `limit`.
Timestamp WholeSecond(Timestamp ts, Timestamp limit) {
  const Timestamp down = ts - ts % kMicrosPerSecond;
  const Timestamp up = down == ts ? ts : down + kMicrosPerSecond;
  return up < limit ? up : down;
}

std::string_view LangTag(Lang lang) { return lang == text::kZh ? "zh" : "en"; }

// "12,345".
std::string GroupThousands(int64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    out += digits[i];
    if (i + 1 < n && (n - i - 1) % 3 == 0) out += ',';
  }
  return out;
}

// English sentences start with a capital even when a slot ("{sector}") opens them.
void Capitalize(Lang lang, std::string& s) {
  if (lang == text::kEn && !s.empty() && s[0] >= 'a' && s[0] <= 'z') {
    s[0] = static_cast<char>(s[0] - 'a' + 'A');
  }
}

std::string Fixed(double value, int decimals) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

// One post or news item before it gets its id.
struct Draft {
  Timestamp ts = 0;
  uint32_t author = 0;
  std::string_view source;
  Lang lang = text::kZh;
  Tone tone = text::kNeutral;
  std::string title, text, url, mentions;
};

// The entities a post is about and the slot values drawn so far (a slot used twice in one
// template gets the same value).
struct Slots {
  Lang lang = text::kZh;
  int bank = -1, bank2 = -1, stock = -1, city = -1;
  uint32_t merchant = kNone;
  bool formal = false;  // news: full names only
  std::vector<std::pair<std::string_view, std::string>> values;
  std::vector<std::string> mentions;

  void Mention(std::string entity) {
    if (std::find(mentions.begin(), mentions.end(), entity) == mentions.end()) {
      mentions.push_back(std::move(entity));
    }
  }
};

}  // namespace

struct OpinionSimulator::Impl {
  Impl(const WorldOptions& options, const Population& population);

  void SimulateDay(const DayContext& day, std::span<const Incident> incidents, RecordStream& posts);

  // Incidents.
  bool ParseIncident(const Incident& incident, Reaction* out) const;
  double Activity(const Reaction& r, Timestamp t) const;
  double Pressure(const Slots& slots, Timestamp t) const;
  void React(const DayContext& day, const Reaction& r);
  void IncidentNews(const DayContext& day, const Reaction& r);

  // Baseline.
  void BaselinePost(const DayContext& day, Topic topic);
  void BaselineNews(const DayContext& day);

  // Drafting.
  Timestamp DrawTime(const DayContext& day, Profile profile, Lang lang);
  Lang DrawLang() { return rng.Bernoulli(kZhShare) ? text::kZh : text::kEn; }
  Tone DrawTone(std::array<double, 3> p);
  int DrawBank(int except);
  uint32_t DrawMerchant(const DayContext& day);
  void AddPost(Timestamp ts, Topic topic, Group group, Tone tone, double hard_share, Slots& slots);
  void AddNews(Timestamp ts, text::NewsTopic topic, Tone tone, Slots& slots, bool stock_sentence);

  // Rendering.
  void Render(std::string_view tpl, Slots& slots, std::string& out);
  void Fill(std::string_view name, Slots& slots, std::string& out);
  std::string Amount(Lang lang, double median);
  std::string_view CityName(int city, Lang lang) const;
  std::string Digits(int count);
  std::string Alnum(int count, std::string_view alphabet);
  std::string Handle(uint32_t author) const;
  std::string Url(Source source, uint32_t author, const Slots& slots, Group group);

  const Population& pop;
  Rng rng;
  uint64_t seed;
  double daily_posts;                    // baseline posts per day
  double bank_daily[std::size(kBanks)];  // baseline posts per day mentioning each bank
  text::Lines post_lines[text::kLangCount][text::kTopicCount][text::kToneCount];
  text::Lines hard_lines[text::kLangCount][text::kHardKindCount][text::kToneCount];
  std::span<const text::NewsItem> news_items[text::kLangCount][text::kNewsTopicCount]
                                            [text::kToneCount];
  text::Lines openers[text::kLangCount][text::kToneCount];
  text::Lines closers[text::kLangCount][text::kToneCount];
  text::Lines stock_closers[text::kLangCount][text::kToneCount];
  text::Lines updates[text::kLangCount][text::kToneCount];
  std::vector<int> city_zh;         // index into kCityNames per city, -1 when unknown
  std::vector<int> category_words;  // index into kCategoryWords per category, -1 when unknown
  AliasTable bank_table, stock_table, city_table, merchant_table, hour_table[kProfileCount],
      en_offset_table, source_table[text::kLangCount][kGroupCount], outlet_table[text::kLangCount];
  std::vector<uint32_t> outlets_of[text::kLangCount];
  std::vector<uint32_t> authors_of[kSourceCount];  // author indices whose home is the source
  AliasTable author_table[kSourceCount];           // activity of those authors

  size_t scan_from = 0;  // incidents before this one no longer matter
  std::vector<Reaction> reactions;
  std::vector<Draft> drafts;
  uint64_t next_post = 1;
  int month = 1;  // of the day being simulated
  Event event{EventKind::kPost};
};

OpinionSimulator::Impl::Impl(const WorldOptions& options, const Population& population)
    : pop(population), rng(options.seed, kOpinionStream), seed(options.seed) {
  daily_posts =
      std::max(kMinDailyPosts, static_cast<double>(options.customers) / kCustomersPerDailyPost);

  for (const auto& set : text::kPostSets) post_lines[set.lang][set.topic][set.tone] = set.lines;
  for (const auto& set : text::kHardSets) hard_lines[set.lang][set.kind][set.tone] = set.lines;
  for (const auto& set : text::kNewsSets) news_items[set.lang][set.topic][set.tone] = set.items;
  for (const auto& set : text::kOpeners) openers[set.lang][set.tone] = set.lines;
  for (const auto& set : text::kClosers) closers[set.lang][set.tone] = set.lines;
  for (const auto& set : text::kStockClosers) stock_closers[set.lang][set.tone] = set.lines;
  for (const auto& set : text::kUpdates) updates[set.lang][set.tone] = set.lines;

  std::vector<double> weights;
  for (const Bank& bank : kBanks) weights.push_back(bank.weight);
  bank_table = AliasTable(weights);
  weights.clear();
  for (const Stock& stock : kStocks) weights.push_back(stock.weight);
  stock_table = AliasTable(weights);

  // Baseline posts per day that mention each bank: bank topics name it, stock and market
  // posts name it through its stock.
  double bank_topics = 0;
  for (int t = text::kService; t <= text::kProducts; ++t) bank_topics += kTopicWeights[t];
  const double social = daily_posts * (1 - kNewsShare);
  for (size_t b = 0; b < std::size(kBanks); ++b) {
    bank_daily[b] = social * bank_topics * kBanks[b].weight;
    if (kBanks[b].stock >= 0) {
      bank_daily[b] += social * (kTopicWeights[text::kStock] + kTopicWeights[text::kMarket]) *
                       kStocks[kBanks[b].stock].weight;
    }
  }

  const auto cities = Cities();
  weights.assign(static_cast<size_t>(HomeCityCount()), 0);
  for (int c = 0; c < HomeCityCount(); ++c) weights[static_cast<size_t>(c)] = cities[c].weight;
  city_table = AliasTable(weights);
  for (const City& city : cities) {
    int found = -1;
    for (size_t i = 0; i < std::size(text::kCityNames); ++i) {
      if (text::kCityNames[i].en == city.name) found = static_cast<int>(i);
    }
    city_zh.push_back(found);
  }
  for (const Category& category : Categories()) {
    int found = -1;
    for (size_t i = 0; i < std::size(text::kCategoryWords); ++i) {
      if (text::kCategoryWords[i].category == category.name) found = static_cast<int>(i);
    }
    category_words.push_back(found);
  }

  weights.assign(pop.merchants.size(), 0);
  for (size_t m = 0; m < pop.merchants.size(); ++m) {
    weights[m] = std::max(0.01, static_cast<double>(pop.merchants[m].popularity));
  }
  if (!weights.empty()) merchant_table = AliasTable(weights);

  hour_table[kSocialProfile] = AliasTable(kSocialHours);
  hour_table[kTradingProfile] = AliasTable(kTradingHours);
  hour_table[kNewsProfile] = AliasTable(kNewsHours);
  en_offset_table = AliasTable(kEnOffsetWeights);
  for (int l = 0; l < text::kLangCount; ++l) {
    for (int g = 0; g < kGroupCount; ++g) source_table[l][g] = AliasTable(kSourceWeights[l][g]);
    weights.clear();
    for (uint32_t o = 0; o < kOutletCount; ++o) {
      if (kOutlets[o].lang != l) continue;
      outlets_of[l].push_back(o);
      weights.push_back(kOutlets[o].weight);
    }
    outlet_table[l] = AliasTable(weights);
  }

  // Authors: each has a home platform and a heavy-tailed activity (Pareto, alpha 1.16: about
  // 20 % of the authors write 80 % of the posts). The first authors are spread round-robin
  // so that every platform has some.
  const auto authors = std::max<uint32_t>(
      kMinAuthors,
      static_cast<uint32_t>(static_cast<double>(options.customers) / kCustomersPerAuthor));
  double share[kSourceCount];
  for (int s = 0; s < kSourceCount; ++s) {
    share[s] = kSources[s].author_share * (kSources[s].lang == text::kZh ? kZhShare : 1 - kZhShare);
  }
  const AliasTable home_table(share);
  std::vector<double> activity[kSourceCount];
  for (uint32_t a = 0; a < authors; ++a) {
    const uint32_t s = a < 3U * kSourceCount ? a % kSourceCount : home_table.Draw(rng);
    authors_of[s].push_back(kOutletCount + a);
    activity[s].push_back(std::min(300.0, rng.Pareto(1, 1.16)));
  }
  for (int s = 0; s < kSourceCount; ++s) author_table[s] = AliasTable(activity[s]);
}

// ---------------------------------------------------------------- the day

void OpinionSimulator::Impl::SimulateDay(const DayContext& day, std::span<const Incident> incidents,
                                         RecordStream& posts) {
  drafts.clear();
  reactions.clear();
  month = day.month;
  Reaction r;
  // An incident that cannot be parsed, or whose reaction is over, never matters again.
  while (scan_from < incidents.size() &&
         (!ParseIncident(incidents[scan_from], &r) || r.cutoff <= day.begin)) {
    ++scan_from;
  }
  for (size_t i = scan_from; i < incidents.size(); ++i) {
    if (ParseIncident(incidents[i], &r) && r.start < day.end && r.cutoff > day.begin) {
      reactions.push_back(r);
    }
  }

  const double social = daily_posts * (1 - kNewsShare);
  for (int t = 0; t < kSocialTopics; ++t) {
    const auto topic = static_cast<Topic>(t);
    const Group group = topic == text::kStock || topic == text::kMarket ? kGroupStock
                        : topic == text::kMerchantReview                ? kGroupMerchant
                                                                        : kGroupBank;
    double mean = social * kTopicWeights[t] * kWeekly[group][day.weekday];
    if (topic == text::kMerchantReview) mean *= 0.6 + 0.4 * day.season;
    for (int64_t n = rng.Poisson(mean); n > 0; --n) BaselinePost(day, topic);
  }
  for (int64_t n = rng.Poisson(daily_posts * kNewsShare * kWeekly[kGroupCount][day.weekday]); n > 0;
       --n) {
    BaselineNews(day);
  }
  for (const Reaction& reaction : reactions) {
    React(day, reaction);
    IncidentNews(day, reaction);
  }

  std::stable_sort(drafts.begin(), drafts.end(),
                   [](const Draft& a, const Draft& b) { return a.ts < b.ts; });
  for (const Draft& d : drafts) {
    event.Reset(EventKind::kPost);
    event.set_str(post::kPostId, MakeId(IdKind::kPost, next_post++));
    event.set_num(post::kTs, d.ts);
    event.set_str(post::kSource, d.source);
    event.set_str(post::kAuthorId, MakeId(IdKind::kAuthor, d.author));
    event.set_str(post::kLang, LangTag(d.lang));
    if (!d.title.empty()) event.set_str(post::kTitle, d.title);
    event.set_str(post::kText, d.text);
    event.set_str(post::kUrl, d.url);
    event.set_num(post::kSentiment, d.tone);
    if (!d.mentions.empty()) event.set_str(post::kMentions, d.mentions);
    posts.Push(event);
  }
}

// ---------------------------------------------------------------- incidents

bool OpinionSimulator::Impl::ParseIncident(const Incident& incident, Reaction* out) const {
  Reaction r;
  if (incident.type == "outage") {
    r.type = IncidentType::kOutage;
  } else if (incident.type == "fraud_wave") {
    r.type = IncidentType::kFraudWave;
  } else if (incident.type == "data_breach") {
    r.type = IncidentType::kDataBreach;
  } else if (incident.type == "merchant_failure") {
    r.type = IncidentType::kMerchantFailure;
  } else {
    return false;
  }
  const std::string_view subject = incident.subject;
  if (subject.starts_with("BANK:")) {
    for (size_t b = 0; b < std::size(kBanks); ++b) {
      if (subject.substr(5) == kBanks[b].code) r.bank = static_cast<int>(b);
    }
    if (r.bank < 0) return false;
  } else if (subject.starts_with("MERCHANT:")) {
    const std::string_view id = subject.substr(9);
    if (id.size() != static_cast<size_t>(kIdLength) || id[0] != 'M') return false;
    uint64_t index = 0;
    for (char c : id.substr(1)) {
      if (c < '0' || c > '9') return false;
      index = index * 10 + static_cast<uint64_t>(c - '0');
    }
    if (index >= pop.merchants.size()) return false;
    r.merchant = static_cast<uint32_t>(index);
  } else {
    return false;
  }
  switch (r.type) {
    case IncidentType::kOutage:
      r.topic = r.bank >= 0 ? text::kOutage : text::kMerchantReview;
      break;
    case IncidentType::kFraudWave:
      r.topic = r.bank >= 0 ? text::kFraudWave : text::kMerchantBreach;
      break;
    case IncidentType::kDataBreach:
      r.topic = r.bank >= 0 ? text::kDataBreach : text::kMerchantBreach;
      break;
    case IncidentType::kMerchantFailure:
      r.topic = r.bank >= 0 ? text::kService : text::kMerchantFailure;
      break;
  }
  r.start = incident.start;
  r.end = std::max(incident.end, incident.start + kHour / 4);
  r.cutoff = r.end + kReactionTail;
  uint64_t h = HashText(0xcbf29ce484222325ULL, incident.type);
  h = HashText(h, incident.subject);
  h = SplitMix64(h);
  h ^= static_cast<uint64_t>(r.start) * 0x9e3779b97f4a7c15ULL;
  r.seed = SplitMix64(h);
  Rng own(seed ^ r.seed, kOpinionStream);
  switch (r.type) {
    case IncidentType::kOutage:
    case IncidentType::kFraudWave:
      r.multiplier = own.Uniform(3, 5);
      break;
    case IncidentType::kDataBreach:
      r.multiplier = own.Uniform(4, 6);
      break;
    case IncidentType::kMerchantFailure:
      r.multiplier = own.Uniform(3, 6);
      break;
  }
  *out = r;
  return true;
}

// 1 from the start until 12 hours after the end (0.4 after the first three days of a long
// incident), then decaying with a 12-hour time constant until 48 hours after the end.
double OpinionSimulator::Impl::Activity(const Reaction& r, Timestamp t) const {
  if (t < r.start || t >= r.cutoff) return 0;
  const double level =
      r.end - r.start > kLongIncident && t > r.start + kLongIncident ? kLongLevel : 1.0;
  if (t <= r.end + kHold) return level;
  return level * std::exp(-static_cast<double>(t - r.end - kHold) / (kDecayHours * kHour));
}

// How strongly the entities of a post are under an incident at `t`, in [0, 1].
double OpinionSimulator::Impl::Pressure(const Slots& slots, Timestamp t) const {
  const int bank = slots.bank >= 0 ? slots.bank : slots.stock >= 0 ? kStocks[slots.stock].bank : -1;
  double pressure = 0;
  for (const Reaction& r : reactions) {
    const bool hit =
        (bank >= 0 && r.bank == bank) || (slots.merchant != kNone && r.merchant == slots.merchant);
    if (hit) pressure = std::max(pressure, Activity(r, t));
  }
  return pressure;
}

// The burst of posts about the subject: Poisson per hour of the day with mean
// extra-posts-per-day x activity x the hour's social weight.
void OpinionSimulator::Impl::React(const DayContext& day, const Reaction& r) {
  double per_day;
  if (r.bank >= 0) {
    per_day = (r.multiplier - 1) * std::max(kMinBankBurst, bank_daily[r.bank]);
  } else {
    const Merchant& m = pop.merchants[r.merchant];
    per_day = r.multiplier * (0.5 + m.size) * std::sqrt(std::max(1.0, daily_posts / 25));
  }
  double hour_mean = 0;
  for (double w : kSocialHours) hour_mean += w / 24;
  for (int h = 0; h < 24; ++h) {
    const Timestamp lo = std::max(day.begin + h * kHour, r.start);
    const Timestamp hi = std::min(day.begin + (h + 1) * kHour, r.cutoff);
    if (lo >= hi) continue;
    const double local_weight = kSocialHours[(h + 8) % 24] / hour_mean;
    const double mean = per_day * static_cast<double>(hi - lo) / kMicrosPerDay *
                        Activity(r, lo + (hi - lo) / 2) * (0.5 + 0.5 * local_weight);
    for (int64_t n = rng.Poisson(mean); n > 0; --n) {
      const Timestamp ts =
          WholeSecond(lo + static_cast<Timestamp>(rng.Below(static_cast<uint64_t>(hi - lo))), hi);
      Slots slots;
      slots.lang = DrawLang();
      slots.bank = r.bank;
      slots.merchant = r.merchant;
      if (r.bank >= 0 && kBanks[r.bank].stock >= 0 && rng.Bernoulli(kBurstStockShare)) {
        slots.bank = -1;
        slots.stock = kBanks[r.bank].stock;
        AddPost(ts, text::kStock, kGroupStock, DrawTone(kBurstStockTone), kHardShare, slots);
        continue;
      }
      if (r.merchant != kNone && r.topic != text::kMerchantFailure &&
          r.topic != text::kMerchantReview) {
        slots.bank = 0;  // card data stolen at a merchant: the world's bank issued the cards
      }
      // Bursts on a topic that has no incident templates are still mostly negative.
      const Tone tone = DrawTone(r.topic >= text::kOutage ? kBaseTone[r.topic] : kBurstStockTone);
      AddPost(ts, r.topic, kGroupIncident, tone, kHardShare / 2, slots);
    }
  }
}

// News about an incident: first reports some 20 minutes to a few hours after the start,
// follow-ups after the end. Counts and times come from the incident's own Rng.
void OpinionSimulator::Impl::IncidentNews(const DayContext& day, const Reaction& r) {
  Rng own(seed ^ r.seed, kOpinionStream);
  own.Next();  // the multiplier's draw
  text::NewsTopic first = text::kNewsOutage, follow = text::kNewsOutageFollowUp;
  int first_lo[2] = {0, 0}, first_hi[2] = {0, 0}, follow_lo[2] = {0, 0}, follow_hi[2] = {0, 0};
  // Index 0 is zh, 1 is en.
  auto counts = [&](int a, int b, int c, int d, int e, int f, int g, int h) {
    first_lo[0] = a, first_hi[0] = b, first_lo[1] = c, first_hi[1] = d;
    follow_lo[0] = e, follow_hi[0] = f, follow_lo[1] = g, follow_hi[1] = h;
  };
  if (r.bank >= 0) {
    switch (r.type) {
      case IncidentType::kOutage:
        counts(1, 2, 1, 1, 1, 1, 1, 1);
        break;
      case IncidentType::kFraudWave:
        first = text::kNewsFraud, follow = text::kNewsFraudFollowUp;
        counts(1, 2, 0, 1, 1, 1, 0, 1);
        break;
      case IncidentType::kDataBreach:
        first = text::kNewsBreach, follow = text::kNewsBreachFollowUp;
        counts(2, 3, 1, 2, 1, 2, 1, 1);
        break;
      case IncidentType::kMerchantFailure:
        return;
    }
  } else if (r.topic == text::kMerchantFailure) {
    first = text::kNewsMerchantFailure, follow = text::kNewsMerchantFailureFollowUp;
    if (pop.merchants[r.merchant].size >= 2) {
      counts(1, 2, 0, 1, 1, 1, 0, 1);
    } else {
      counts(0, 1, 0, 0, 0, 0, 0, 0);
    }
  } else if (r.topic == text::kMerchantBreach) {
    first = text::kNewsMerchantBreach;
    counts(1, 1, 0, 1, 0, 0, 0, 0);
  } else {
    return;
  }
  for (int l = 0; l < 2; ++l) {
    const Lang lang = l == 0 ? text::kZh : text::kEn;
    for (int follow_up = 0; follow_up < 2; ++follow_up) {
      const int lo = follow_up ? follow_lo[l] : first_lo[l];
      const int hi = follow_up ? follow_hi[l] : first_hi[l];
      const int64_t count = own.Between(lo, hi);
      for (int64_t i = 0; i < count; ++i) {
        const Timestamp base = follow_up ? std::max(r.end, r.start + 4 * kHour) : r.start;
        const double mean_hours = follow_up ? 5 : 2.5;
        const Timestamp ts = WholeSecond(
            base + kHour / 3 + static_cast<Timestamp>(own.Exponential(1 / mean_hours) * kHour),
            r.cutoff);
        const bool regulator = own.Bernoulli(0.5);
        const bool stock_sentence = own.Bernoulli(0.6);
        if (ts < day.begin || ts >= day.end || ts >= r.cutoff) continue;
        Slots slots;
        slots.lang = lang;
        slots.formal = true;
        slots.bank = r.bank;
        slots.merchant = r.merchant;
        if (r.bank < 0 && r.topic == text::kMerchantBreach) slots.bank = 0;
        Tone tone = follow_up ? text::kNeutral : text::kNegative;
        if (follow_up && first == text::kNewsBreach && regulator) tone = text::kNegative;
        const bool listed = r.bank >= 0 && kBanks[r.bank].stock >= 0;
        if (listed) slots.stock = kBanks[r.bank].stock;
        AddNews(ts, follow_up ? follow : first, tone, slots,
                !follow_up && listed && stock_sentence);
      }
    }
  }
}

// ---------------------------------------------------------------- baseline

void OpinionSimulator::Impl::BaselinePost(const DayContext& day, Topic topic) {
  Slots slots;
  slots.lang = DrawLang();
  Group group = kGroupBank;
  Profile profile = kSocialProfile;
  if (topic == text::kStock || topic == text::kMarket) {
    slots.stock = static_cast<int>(stock_table.Draw(rng));
    group = kGroupStock;
    profile = kTradingProfile;
  } else if (topic == text::kMerchantReview) {
    slots.merchant = DrawMerchant(day);
    if (slots.merchant == kNone) return;
    group = kGroupMerchant;
  } else {
    slots.bank = DrawBank(-1);
  }
  const Timestamp ts = DrawTime(day, profile, slots.lang);

  std::array<double, 3> p = kBaseTone[topic];
  if (slots.merchant != kNone) {
    // Reviews follow the merchant's fortunes: a declining or failing merchant draws more
    // complaints, a growing one more praise, a merchant with many refunds more complaints.
    const Merchant& m = pop.merchants[slots.merchant];
    if ((m.life == LifeCourse::kDeclining || m.life == LifeCourse::kFailing) &&
        day.day >= m.decline_day) {
      p = {p[0] + 0.20, p[1] - 0.08, p[2] - 0.12};
    } else if (m.life == LifeCourse::kGrowing) {
      p = {p[0], p[1] - 0.10, p[2] + 0.10};
    }
    if (m.refund_rate > 0.05F) p = {p[0] + 0.08, p[1], std::max(0.0, p[2] - 0.08)};
  }
  const double pressure = Pressure(slots, ts);
  if (pressure > 0 && p[0] < kPressedNegative) {
    const double neg = p[0] + (kPressedNegative - p[0]) * pressure;
    const double pos = p[2] * (1 - 0.7 * pressure);
    p = {neg, std::max(0.0, 1 - neg - pos), pos};
  }
  AddPost(ts, topic, group, DrawTone(p), kHardShare, slots);
}

void OpinionSimulator::Impl::BaselineNews(const DayContext& day) {
  double weights[std::size(kNewsTopicWeights)];
  std::copy(std::begin(kNewsTopicWeights), std::end(kNewsTopicWeights), weights);
  // Results are published in March-April (annual and first quarter), August and October.
  if (day.month == 3 || day.month == 4 || day.month == 8 || day.month == 10) {
    weights[text::kNewsResults] = kResultsSeasonWeight;
  }
  double total = 0;
  for (double w : weights) total += w;
  double u = rng.Uniform() * total;
  int topic = 0;
  while (topic + 1 < static_cast<int>(std::size(weights)) && u >= weights[topic]) {
    u -= weights[topic];
    ++topic;
  }
  Slots slots;
  slots.lang = DrawLang();
  slots.formal = true;
  if (topic == text::kNewsMarket) {
    slots.stock = static_cast<int>(stock_table.Draw(rng));
  } else {
    slots.bank = DrawBank(-1);
  }
  const Timestamp ts = DrawTime(day, kNewsProfile, slots.lang);
  std::array<double, 3> p = kNewsTone[topic];
  const double pressure = Pressure(slots, ts);
  if (pressure > 0) {
    const double neg = p[0] + (kPressedNegative - p[0]) * pressure;
    const double pos = p[2] * (1 - 0.7 * pressure);
    p = {neg, std::max(0.0, 1 - neg - pos), pos};
  }
  AddNews(ts, static_cast<text::NewsTopic>(topic), DrawTone(p), slots, false);
}

// ---------------------------------------------------------------- drafting

Timestamp OpinionSimulator::Impl::DrawTime(const DayContext& day, Profile profile, Lang lang) {
  const auto hour = static_cast<int64_t>(hour_table[profile].Draw(rng));
  const int64_t offset = lang == text::kZh ? 8 : kEnOffsets[en_offset_table.Draw(rng)];
  int64_t second = hour * 3600 + static_cast<int64_t>(rng.Below(3600)) - offset * 3600;
  second = ((second % 86'400) + 86'400) % 86'400;
  return day.begin + second * kMicrosPerSecond;
}

Tone OpinionSimulator::Impl::DrawTone(std::array<double, 3> p) {
  const double u = rng.Uniform() * (p[0] + p[1] + p[2]);
  if (u < p[0]) return text::kNegative;
  if (u < p[0] + p[1]) return text::kNeutral;
  return text::kPositive;
}

int OpinionSimulator::Impl::DrawBank(int except) {
  for (;;) {
    const auto b = static_cast<int>(bank_table.Draw(rng));
    if (b != except) return b;
  }
}

uint32_t OpinionSimulator::Impl::DrawMerchant(const DayContext& day) {
  if (pop.merchants.empty()) return kNone;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const uint32_t m = merchant_table.Draw(rng);
    if (pop.Trades(m, day.day, day.begin)) return m;
  }
  return kNone;
}

void OpinionSimulator::Impl::AddPost(Timestamp ts, Topic topic, Group group, Tone tone,
                                     double hard_share, Slots& slots) {
  const Lang lang = slots.lang;
  const text::HardKind hard_kind = slots.merchant != kNone ? text::kHardMerchant
                                   : slots.bank >= 0       ? text::kHardBank
                                                           : text::kHardStock;
  text::Lines lines = post_lines[lang][topic][tone];
  const bool hard = rng.Bernoulli(hard_share) && !hard_lines[lang][hard_kind][tone].empty();
  if (hard) lines = hard_lines[lang][hard_kind][tone];
  Draft d;
  d.ts = ts;
  d.lang = lang;
  d.tone = tone;
  const std::string_view space = lang == text::kEn ? " " : "";
  // Hard cases stand alone: an opener or closer would give their tone away.
  if (!hard && rng.Bernoulli(kOpenerShare)) {
    const text::Lines open = openers[lang][tone];
    d.text = open[rng.Below(open.size())];
    d.text += space;
  }
  std::string body;
  Render(lines[rng.Below(lines.size())], slots, body);
  Capitalize(lang, body);
  d.text += body;
  if (!hard && rng.Bernoulli(kCloserShare)) {
    const text::Lines close =
        group == kGroupStock ? stock_closers[lang][tone] : closers[lang][tone];
    d.text += space;
    d.text += close[rng.Below(close.size())];
  }
  const bool complaint_like = topic <= text::kProducts || topic >= text::kOutage;
  if (complaint_like && rng.Bernoulli(kUpdateShare)) {
    const text::Lines update = updates[lang][tone];
    d.text += lang == text::kEn ? "\n\n" : "\n";
    Render(update[rng.Below(update.size())], slots, d.text);
  }

  auto source = static_cast<Source>(source_table[lang][group].Draw(rng));
  if (source == kHeimao && tone != text::kNegative) source = kWeibo;
  // Platform conventions: weibo topics, xueqiu stock tags, hashtags on twitter.
  // A tag names its entity, so it adds the mention.
  if (source == kWeibo && slots.bank >= 0 && rng.Bernoulli(0.3)) {
    d.text = "#" + std::string(kBanks[slots.bank].zh) + "# " + d.text;
    slots.Mention("BANK:" + std::string(kBanks[slots.bank].code));
  } else if (source == kXueqiu && slots.stock >= 0 && rng.Bernoulli(0.4)) {
    const Stock& s = kStocks[slots.stock];
    d.text = "$" + std::string(s.zh) + (s.code[0] == '6' ? "(SH" : "(SZ") + std::string(s.code) +
             ")$ " + d.text;
    slots.Mention("STOCK:" + std::string(s.code));
    if (s.bank >= 0) slots.Mention("BANK:" + std::string(kBanks[s.bank].code));
  } else if (source == kTwitter && slots.bank >= 0 && rng.Bernoulli(0.2)) {
    d.text += " #";
    d.text += kBanks[slots.bank].hashtag;
    slots.Mention("BANK:" + std::string(kBanks[slots.bank].code));
  }

  const std::vector<uint32_t>& authors = authors_of[source];
  d.author = authors[author_table[source].Draw(rng)];
  d.source = kSources[source].name;
  d.url = Url(source, d.author, slots, group);
  for (const std::string& m : slots.mentions) {
    if (!d.mentions.empty()) d.mentions += ';';
    d.mentions += m;
  }
  drafts.push_back(std::move(d));
}

void OpinionSimulator::Impl::AddNews(Timestamp ts, text::NewsTopic topic, Tone tone, Slots& slots,
                                     bool stock_sentence) {
  const Lang lang = slots.lang;
  std::span<const text::NewsItem> items = news_items[lang][topic][tone];
  if (items.empty()) items = news_items[lang][topic][text::kNeutral];
  if (items.empty()) items = news_items[lang][topic][text::kNegative];
  if (items.empty()) return;
  const text::NewsItem& item = items[rng.Below(items.size())];
  Draft d;
  d.ts = ts;
  d.lang = lang;
  d.tone = tone;
  Render(item.title, slots, d.title);
  Render(item.body, slots, d.text);
  if (stock_sentence) {
    d.text += '\n';
    Render(text::kStockReactionSentence[lang], slots, d.text);
  }
  Capitalize(lang, d.title);
  Capitalize(lang, d.text);
  const std::vector<uint32_t>& outlets = outlets_of[lang];
  d.author = outlets[outlet_table[lang].Draw(rng)];
  d.source = kOutlets[d.author].domain;
  std::string date = FormatDate(ts);
  std::replace(date.begin(), date.end(), '-', '/');
  d.url = "https://" + std::string(d.source) + "/" + date + "/" + Digits(8) + ".html";
  for (const std::string& m : slots.mentions) {
    if (!d.mentions.empty()) d.mentions += ';';
    d.mentions += m;
  }
  drafts.push_back(std::move(d));
}

// ---------------------------------------------------------------- rendering

void OpinionSimulator::Impl::Render(std::string_view tpl, Slots& slots, std::string& out) {
  size_t i = 0;
  while (i < tpl.size()) {
    const size_t open = tpl.find('{', i);
    if (open == std::string_view::npos) break;
    const size_t close = tpl.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(tpl.substr(i, open - i));
    const std::string_view name = tpl.substr(open + 1, close - open - 1);
    auto cached = std::find_if(slots.values.begin(), slots.values.end(),
                               [&](const auto& v) { return v.first == name; });
    if (cached != slots.values.end()) {
      out += cached->second;
    } else {
      std::string value;
      Fill(name, slots, value);
      out += value;
      slots.values.emplace_back(name, std::move(value));
    }
    i = close + 1;
  }
  out.append(tpl.substr(std::min(i, tpl.size())));
}

void OpinionSimulator::Impl::Fill(std::string_view name, Slots& slots, std::string& out) {
  const Lang lang = slots.lang;
  const bool zh = lang == text::kZh;
  auto pick = [&](const text::Vocabulary& v) {
    const text::Lines lines = zh ? v.zh : v.en;
    out += lines[rng.Below(lines.size())];
  };
  auto category = [&]() -> const text::CategoryWords& {
    if (slots.merchant == kNone) slots.merchant = merchant_table.Draw(rng);
    const int w = category_words[pop.merchants[slots.merchant].category];
    return w >= 0 ? text::kCategoryWords[w] : text::kDefaultCategoryWords;
  };
  if (name == "bank" || name == "bank2") {
    if (slots.bank < 0) slots.bank = DrawBank(-1);
    int b = slots.bank;
    if (name == "bank2") {
      if (slots.bank2 < 0) slots.bank2 = DrawBank(slots.bank);
      b = slots.bank2;
    }
    const Bank& bank = kBanks[b];
    slots.Mention("BANK:" + std::string(bank.code));
    const bool short_name = !slots.formal && rng.Bernoulli(0.2);
    out += zh ? (short_name ? bank.zh_short : bank.zh) : (short_name ? bank.en_short : bank.en);
  } else if (name == "stock" || name == "code" || name == "sector") {
    if (slots.stock < 0) slots.stock = static_cast<int>(stock_table.Draw(rng));
    const Stock& stock = kStocks[slots.stock];
    // A sector ("bank stocks") names no company, so it mentions nothing.
    if (name != "sector") {
      slots.Mention("STOCK:" + std::string(stock.code));
      if (stock.bank >= 0) slots.Mention("BANK:" + std::string(kBanks[stock.bank].code));
    }
    if (name == "stock") {
      out += zh ? stock.zh : stock.en;
    } else if (name == "code") {
      out += stock.code;
    } else {
      out += zh ? kSectors[stock.sector].zh : kSectors[stock.sector].en;
    }
  } else if (name == "merchant") {
    if (slots.merchant == kNone) slots.merchant = merchant_table.Draw(rng);
    slots.Mention("MERCHANT:" + MakeId(IdKind::kMerchant, slots.merchant));
    out += pop.MerchantName(slots.merchant);
  } else if (name == "item") {
    const text::CategoryWords& w = category();
    out += zh ? w.zh_item : w.en_item;
  } else if (name == "place") {
    const text::CategoryWords& w = category();
    out += zh ? w.zh_place : w.en_place;
  } else if (name == "city") {
    if (slots.city < 0) {
      slots.city = slots.merchant != kNone ? pop.merchants[slots.merchant].city
                                           : static_cast<int>(city_table.Draw(rng));
    }
    out += CityName(slots.city, lang);
  } else if (name == "branch") {
    const text::Lines roads = zh ? text::kRoadWords.zh : text::kRoadWords.en;
    out += roads[rng.Below(roads.size())];
    out += zh ? "支行" : " branch";
  } else if (name == "staff") {
    pick(text::kStaffWords);
  } else if (name == "feature") {
    pick(text::kFeatureWords);
  } else if (name == "product") {
    pick(text::kProductWords);
  } else if (name == "investment") {
    pick(text::kInvestmentWords);
  } else if (name == "credit") {
    pick(text::kCreditWords);
  } else if (name == "minimum") {
    static constexpr int64_t kMinimums[] = {1'000, 10'000, 50'000, 200'000};
    const int64_t yuan = kMinimums[rng.Below(std::size(kMinimums))];
    if (!zh) {
      out += "CNY " + GroupThousands(yuan);
    } else if (yuan >= 10'000) {
      out += std::to_string(yuan / 10'000) + "万元";
    } else {
      out += std::to_string(yuan) + "元";
    }
  } else if (name == "feeitem") {
    pick(text::kFeeItemWords);
  } else if (name == "pct") {
    out += Fixed(rng.Uniform(0.3, 7.9), 1) + "%";
  } else if (name == "rate") {
    out += Fixed(rng.Uniform(1.05, 2.60), 2) + "%";
  } else if (name == "rate2") {
    out += Fixed(rng.Uniform(3.05, 7.20), 2) + "%";
  } else if (name == "amount") {
    out += Amount(lang, 600);
  } else if (name == "loss") {
    out += Amount(lang, 2500);
  } else if (name == "fee") {
    static constexpr int kFees[] = {5, 10, 12, 15, 20, 25, 30, 50, 100, 200};
    out += std::to_string(kFees[rng.Below(std::size(kFees))]);
  } else if (name == "minutes") {
    out += std::to_string(5 * rng.Between(3, 24));
  } else if (name == "hours") {
    out += std::to_string(rng.Between(2, 9));
  } else if (name == "days") {
    out += std::to_string(rng.Between(3, 21));
  } else if (name == "n") {
    out += std::to_string(rng.Between(2, 6));
  } else if (name == "quarter") {
    // The last completed quarter: the one reported in the results season of the month.
    static constexpr std::string_view kZhQuarters[] = {"第一季度", "第二季度", "第三季度",
                                                       "第四季度"};
    static constexpr std::string_view kEnQuarters[] = {"first-quarter", "second-quarter",
                                                       "third-quarter", "fourth-quarter"};
    const auto q = static_cast<size_t>(((month - 1) / 3 + 3) % 4);
    out += zh ? kZhQuarters[q] : kEnQuarters[q];
  } else if (name == "bigamount") {
    const double hundred_millions = rng.Uniform(1.5, 95);
    out += zh ? Fixed(hundred_millions, 1) + "亿元"
              : "CNY " + Fixed(hundred_millions / 10, 2) + " billion";
  } else {
    out += '{';
    out += name;
    out += '}';
  }
}

// An amount of money: lognormal around `median` yuan, written the way people write it.
std::string OpinionSimulator::Impl::Amount(Lang lang, double median) {
  double v = rng.LogNormal(std::log(median), 1.1);
  v = std::clamp(v, 20.0, 500'000.0);
  auto yuan = static_cast<int64_t>(v >= 1000 ? std::round(v / 10) * 10 : std::round(v));
  const uint64_t style = rng.Below(10);
  if (lang == text::kZh) {
    if (style < 6) return std::to_string(yuan) + "元";
    if (style < 8) return "¥" + std::to_string(yuan);
    return GroupThousands(yuan) + "元";
  }
  if (style < 4) return "¥" + GroupThousands(yuan);
  if (style < 8) return GroupThousands(yuan) + " yuan";
  return "CNY " + GroupThousands(yuan);
}

std::string_view OpinionSimulator::Impl::CityName(int city, Lang lang) const {
  const City& c = Cities()[static_cast<size_t>(city)];
  if (lang == text::kZh && city_zh[static_cast<size_t>(city)] >= 0) {
    return text::kCityNames[city_zh[static_cast<size_t>(city)]].zh;
  }
  return c.name;
}

std::string OpinionSimulator::Impl::Digits(int count) {
  std::string out;
  out += static_cast<char>('1' + rng.Below(9));
  for (int i = 1; i < count; ++i) out += static_cast<char>('0' + rng.Below(10));
  return out;
}

std::string OpinionSimulator::Impl::Alnum(int count, std::string_view alphabet) {
  std::string out;
  for (int i = 0; i < count; ++i) out += alphabet[rng.Below(alphabet.size())];
  return out;
}

// A platform handle derived from the author number (stable for the author, no state).
std::string OpinionSimulator::Impl::Handle(uint32_t author) const {
  static constexpr std::string_view kFamily[] = {"li",   "wang",  "chen", "zhang", "liu", "yang",
                                                 "zhao", "huang", "zhou", "wu",    "xu",  "sun",
                                                 "ma",   "hu",    "zhu",  "guo",   "he",  "lin"};
  static constexpr std::string_view kGiven[] = {"xiao", "ming",  "hua",  "jun", "wei",   "jie",
                                                "ting", "yu",    "fang", "lei", "kevin", "amy",
                                                "tony", "grace", "leo",  "mia"};
  uint64_t state = seed ^ (uint64_t{author} * 0x2545f4914f6cdd1dULL);
  const uint64_t h = SplitMix64(state);
  std::string handle(kGiven[h % std::size(kGiven)]);
  handle += (h >> 8) % 3 == 0 ? "_" : "";
  handle += kFamily[(h >> 16) % std::size(kFamily)];
  handle += std::to_string((h >> 32) % 100);
  return handle;
}

std::string OpinionSimulator::Impl::Url(Source source, uint32_t author, const Slots& slots,
                                        Group group) {
  static constexpr std::string_view kBase62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  static constexpr std::string_view kHex = "0123456789abcdef";
  static constexpr std::string_view kBase36 = "0123456789abcdefghijklmnopqrstuvwxyz";
  uint64_t state = seed ^ (uint64_t{author} * 0x9e3779b97f4a7c15ULL) ^ 0x5eed;
  const std::string uid = std::to_string(1'000'000'000ULL + SplitMix64(state) % 9'000'000'000ULL);
  switch (source) {
    case kWeibo:
      return "https://weibo.com/" + uid + "/" + Alnum(9, kBase62);
    case kXueqiu:
      return "https://xueqiu.com/" + uid + "/" + Digits(9);
    case kZhihu:
      return "https://www.zhihu.com/question/" + Digits(9) + "/answer/" + Digits(10);
    case kXiaohongshu:
      return "https://www.xiaohongshu.com/explore/" + Alnum(24, kHex);
    case kDianping:
      return "https://www.dianping.com/review/" + Digits(10);
    case kTieba:
      return "https://tieba.baidu.com/p/" + Digits(10);
    case kHeimao:
      return "https://tousu.sina.com.cn/complaint/view/" + Digits(11) + "/";
    case kGuba: {
      const std::string board =
          slots.stock >= 0 ? std::string(kStocks[slots.stock].code) : std::string("cjpl");
      return "https://guba.eastmoney.com/news," + board + "," + Digits(10) + ".html";
    }
    case kTwitter:
      return "https://x.com/" + Handle(author) + "/status/" + Digits(19);
    case kReddit: {
      static constexpr std::string_view kSubs[kGroupCount][3] = {
          {"China", "personalfinance", "chinalife"},
          {"ChinaStocks", "investing", "StockMarket"},
          {"chinalife", "shanghai", "travelchina"},
          {"China", "chinalife", "personalfinance"}};
      return "https://www.reddit.com/r/" + std::string(kSubs[group][rng.Below(3)]) + "/comments/" +
             Alnum(7, kBase36) + "/";
    }
    case kStocktwits:
      return "https://stocktwits.com/" + Handle(author) + "/message/" + Digits(9);
    case kTrustpilot:
      return "https://www.trustpilot.com/reviews/" + Alnum(24, kHex);
    case kTripadvisor:
      return "https://www.tripadvisor.com/ShowUserReviews-g" + Digits(6) + "-d" + Digits(8) + "-r" +
             Digits(9) + ".html";
    case kFacebook:
      return "https://www.facebook.com/" + Handle(author) + "/posts/" + Digits(16);
    case kSourceCount:
      break;
  }
  return "https://example.com/" + uid;
}

// ---------------------------------------------------------------- public surface

OpinionSimulator::OpinionSimulator(const WorldOptions& options, const Population& population)
    : impl_(std::make_unique<Impl>(options, population)) {}

OpinionSimulator::~OpinionSimulator() = default;

void OpinionSimulator::SimulateDay(const DayContext& day, std::span<const Incident> incidents,
                                   RecordStream& posts) {
  impl_->SimulateDay(day, incidents, posts);
}

}  // namespace panorama::generate
