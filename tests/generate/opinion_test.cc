// Public opinion of `panorama generate` (docs/generator.md (Opinion)): posts and news in
// Chinese and English in the documented shares, every post with a sentiment, mentions that
// name real banks, stocks and merchants, filled and varied texts, the weekly rhythm of stock
// chatter, and the reaction to every incident of the manifest: more posts about its subject,
// a higher NEGATIVE share, and both back to the baseline two days after the end. A short world
// without incidents has no spike.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "generate/world_data.h"

namespace panorama::gentest {
namespace {

using generate::Incident;
using generate::WorldOptions;

constexpr int kNegative = 0;
constexpr uint32_t kOutletAuthors = 8;       // U0000000000 .. U0000000007 are the news outlets
constexpr Timestamp kHold = 12 * kHour;      // activity 1 until end + 12 h
constexpr Timestamp kReaction = 48 * kHour;  // reaction over at end + 48 h

struct Post {
  Timestamp ts = 0;
  bool news = false;
  std::string lang, title, text;
  std::vector<std::string> mentions;
  int sentiment = -1;
  bool Mentions(std::string_view entity) const {
    return std::find(mentions.begin(), mentions.end(), entity) != mentions.end();
  }
};

struct MerchantInfo {
  std::string name;
  int size = -1;
};

struct OpinionWorld {
  std::string error;
  WorldOptions options;
  generate::WorldSummary summary;
  std::vector<Post> posts;
  std::map<std::string, MerchantInfo> merchants;  // by id
  FileCheck posts_check, merchants_check;
};

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const size_t at = s.find(sep);
    out.emplace_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

std::string FileOf(const generate::WorldSummary& summary, std::string_view kind) {
  for (const auto& f : summary.files) {
    if (f.kind == kind) return f.file;
  }
  return "";
}

// Generates the world and reads only what these tests need (posts and merchants), through
// the ingest reader.
OpinionWorld Generate(const WorldOptions& options, const std::string& dir) {
  OpinionWorld w;
  w.options = options;
  auto summary = generate::GenerateWorld(options, dir);
  if (!summary.ok()) {
    w.error = summary.status().ToString();
    return w;
  }
  w.summary = *summary;
  w.posts_check =
      ReadFileEvents(dir + "/" + FileOf(w.summary, "posts"), EventKind::kPost, [&](const Event& e) {
        Post p;
        p.ts = e.ts();
        const uint32_t author = IdNumber(e.str(post::kAuthorId), 'U');
        p.news = author < kOutletAuthors;
        p.lang = std::string(e.str(post::kLang));
        if (e.has(post::kTitle)) p.title = std::string(e.str(post::kTitle));
        p.text = std::string(e.str(post::kText));
        if (e.has(post::kMentions)) p.mentions = Split(e.str(post::kMentions), ';');
        p.sentiment = e.has(post::kSentiment) ? static_cast<int>(e.num(post::kSentiment)) : -1;
        w.posts.push_back(std::move(p));
      });
  w.merchants_check = ReadFileEvents(
      dir + "/" + FileOf(w.summary, "merchants"), EventKind::kMerchant, [&](const Event& e) {
        MerchantInfo& m = w.merchants[std::string(e.id())];
        m.name = std::string(e.str(merchant::kName));
        m.size = e.has(merchant::kSize) ? static_cast<int>(e.num(merchant::kSize)) : -1;
      });
  if (!w.posts_check.opened) w.error = "posts: " + w.posts_check.open_error;
  if (!w.merchants_check.opened) w.error = "merchants: " + w.merchants_check.open_error;
  return w;
}

// Whether a UTF-8 text holds a CJK unified ideograph (U+4E00 .. U+9FFF: three-byte sequences
// E4 B8 80 .. E9 BF BF).
bool HasCjk(std::string_view s) {
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0xE4 && b <= 0xE9 && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) {
      if (b > 0xE4 || static_cast<unsigned char>(s[i + 1]) >= 0xB8) return true;
    }
  }
  return false;
}

bool HasPlaceholder(std::string_view s) {
  for (size_t open = s.find('{'); open != std::string_view::npos; open = s.find('{', open + 1)) {
    size_t k = open + 1;
    while (k < s.size() && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9'))) ++k;
    if (k > open + 1 && k < s.size() && s[k] == '}') return true;
  }
  return false;
}

// The names the doc lists for each bank and stock.
const std::map<std::string, std::vector<std::string>>& BankNames() {
  static const auto* names = new std::map<std::string, std::vector<std::string>>{
      {"PANO", {"Panorama", "全景"}},
      {"JADE", {"Jade Harbour", "JadeHarbour", "翠港"}},
      {"NRDG", {"Northridge", "北岭"}},
      {"HRZN", {"Horizon Trust", "HorizonTrust", "恒远"}}};
  return *names;
}
const std::map<std::string, std::vector<std::string>>& StockNames() {
  static const auto* names = new std::map<std::string, std::vector<std::string>>{
      {"609188", {"Panorama Bank", "全景银行"}},
      {"609517", {"Jade Harbour Bank", "翠港银行"}},
      {"004217", {"Xingheng Technology", "星衡科技"}},
      {"004563", {"Bluebay New Energy", "蓝湾新能源"}},
      {"609732", {"Yunqi Dairy", "云栖乳业"}},
      {"004891", {"Chengchuan Pharmaceutical", "澄川医药"}}};
  return *names;
}

bool Contains(std::string_view text, const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return text.find(n) != std::string_view::npos; });
}

// ---------------------------------------------------------------- time windows

using Interval = std::pair<Timestamp, Timestamp>;

// Whether an incident's posts may mention `subject`: its own subject, and the world's bank for
// merchant incidents (card data stolen at a merchant names the cards' issuer).
bool Touches(const Incident& incident, std::string_view subject) {
  return incident.subject == subject || subject == "BANK:PANO";
}

// Time in [begin, end) outside every reaction window [start, end + 48 h) that touches
// `subject`, as sorted disjoint intervals.
std::vector<Interval> QuietTime(const std::vector<Incident>& incidents, std::string_view subject,
                                Timestamp begin, Timestamp end) {
  std::vector<Interval> busy;
  for (const Incident& i : incidents) {
    if (Touches(i, subject)) busy.emplace_back(i.start, std::max(i.end, i.start) + kReaction);
  }
  std::sort(busy.begin(), busy.end());
  std::vector<Interval> quiet;
  Timestamp at = begin;
  for (const auto& [lo, hi] : busy) {
    if (lo > at) quiet.emplace_back(at, std::min(lo, end));
    at = std::max(at, hi);
    if (at >= end) break;
  }
  if (at < end) quiet.emplace_back(at, end);
  return quiet;
}

// Sorted disjoint intervals covering the same time.
std::vector<Interval> Merge(std::vector<Interval> intervals) {
  std::sort(intervals.begin(), intervals.end());
  std::vector<Interval> out;
  for (const Interval& i : intervals) {
    if (!out.empty() && i.first <= out.back().second) {
      out.back().second = std::max(out.back().second, i.second);
    } else {
      out.push_back(i);
    }
  }
  return out;
}

bool Inside(const std::vector<Interval>& intervals, Timestamp t) {
  return std::any_of(intervals.begin(), intervals.end(),
                     [t](const Interval& i) { return t >= i.first && t < i.second; });
}

double Days(const std::vector<Interval>& intervals) {
  double days = 0;
  for (const auto& [lo, hi] : intervals) days += static_cast<double>(hi - lo) / kDay;
  return days;
}

struct Tally {
  double posts = 0, negative = 0, days = 0;
  double Rate() const { return days > 0 ? posts / days : 0; }
  double NegativeShare() const { return posts > 0 ? negative / posts : 0; }
};

// Posts mentioning `subject` with ts inside `intervals`.
Tally Count(const std::vector<Post>& posts, std::string_view subject,
            const std::vector<Interval>& intervals) {
  Tally t;
  t.days = Days(intervals);
  for (const Post& p : posts) {
    if (!p.Mentions(subject) || !Inside(intervals, p.ts)) continue;
    ++t.posts;
    if (p.sentiment == kNegative) ++t.negative;
  }
  return t;
}

// ---------------------------------------------------------------- the world

WorldOptions IncidentWorld() {
  WorldOptions options;
  options.customers = 16'000;  // 40 posts a day, some 13 about Panorama Bank
  options.merchants = 400;
  options.days = 120;
  options.seed = 11;
  options.fraud_rate = 0.004;  // data breaches and fraud waves
  options.aml_rate = 0;
  options.loan_rate = 0;
  return options;
}

WorldOptions QuietWorld() {
  WorldOptions options;
  options.customers = 20'000;
  options.merchants = 20;  // few merchants: no MEDIUM or LARGE one fails in 10 days
  options.days = 10;       // outages come every 30 days on average
  options.seed = 1;
  options.fraud_rate = 0;  // no data breaches, no fraud waves
  options.aml_rate = 0;
  options.loan_rate = 0;
  return options;
}

class OpinionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = MakeTempDir("gen-opinion");
    world_ = new OpinionWorld(Generate(IncidentWorld(), root_ + "/incidents"));
    quiet_ = new OpinionWorld(Generate(QuietWorld(), root_ + "/quiet"));
  }
  static void TearDownTestSuite() {
    delete world_;
    delete quiet_;
    RemoveDir(root_);
  }
  void SetUp() override {
    ASSERT_EQ(world_->error, "");
    ASSERT_EQ(quiet_->error, "");
    ASSERT_GT(world_->posts.size(), 3'000U);
  }
  static Timestamp Begin(const OpinionWorld& w) {
    return w.options.start != 0 ? w.options.start : w.summary.end - w.options.days * kDay;
  }
  static const OpinionWorld& world() { return *world_; }
  static const std::vector<Incident>& incidents() { return world_->summary.incidents; }

  static std::string root_;
  static OpinionWorld* world_;
  static OpinionWorld* quiet_;
};
std::string OpinionTest::root_;
OpinionWorld* OpinionTest::world_ = nullptr;
OpinionWorld* OpinionTest::quiet_ = nullptr;

// ---------------------------------------------------------------- files and texts

TEST_F(OpinionTest, PostsFileIngestsWithoutRejectsInTimeOrder) {
  EXPECT_EQ(world().posts_check.rejects, 0U);
  EXPECT_EQ(world().posts_check.out_of_order, 0U);
  EXPECT_EQ(world().posts_check.bad_ids, 0U);
  EXPECT_TRUE(world().posts_check.warnings.empty());
}

TEST_F(OpinionTest, EveryPostHasASentimentAndALanguage) {
  std::map<int, int> sentiments;
  for (const Post& p : world().posts) {
    EXPECT_TRUE(p.sentiment >= 0 && p.sentiment <= 2) << p.text;
    EXPECT_TRUE(p.lang == "zh" || p.lang == "en") << p.lang;
    ++sentiments[p.sentiment];
  }
  EXPECT_EQ(sentiments.size(), 3U);  // all three labels occur
}

// The doc: each post and each baseline news item is Chinese with probability 0.55.
TEST_F(OpinionTest, BothLanguagesInTheDocumentedShares) {
  double zh = 0, n = 0;
  for (const Post& p : world().posts) {
    if (p.news) continue;
    ++n;
    if (p.lang == "zh") ++zh;
  }
  // Binomial sd at n ~ 5,000 is 0.007: a tolerance of 0.03 is above 4 sd.
  EXPECT_NEAR(zh / n, 0.55, 0.03) << n << " posts";
}

TEST_F(OpinionTest, ChineseTextsHoldChineseCharactersEnglishTextsNone) {
  int zh = 0, en = 0;
  for (const Post& p : world().posts) {
    if (p.lang == "zh") {
      ++zh;
      EXPECT_TRUE(HasCjk(p.text)) << p.text;
      if (!p.title.empty()) {
        EXPECT_TRUE(HasCjk(p.title)) << p.title;
      }
    } else {
      ++en;
      EXPECT_FALSE(HasCjk(p.text)) << p.text;
      EXPECT_FALSE(HasCjk(p.title)) << p.title;
    }
  }
  EXPECT_GT(zh, 1'000);
  EXPECT_GT(en, 1'000);
}

TEST_F(OpinionTest, NewsHaveTitlesAndPostsDoNot) {
  int news = 0;
  for (const Post& p : world().posts) {
    EXPECT_EQ(p.news, !p.title.empty()) << p.text;
    news += p.news ? 1 : 0;
  }
  // 8 % of the baseline items are news, plus the incidents' reports.
  const double share = static_cast<double>(news) / static_cast<double>(world().posts.size());
  EXPECT_GT(share, 0.05);
  EXPECT_LT(share, 0.12);
}

TEST_F(OpinionTest, EveryTemplateSlotIsFilled) {
  for (const Post& p : world().posts) {
    EXPECT_FALSE(HasPlaceholder(p.text)) << p.text;
    EXPECT_FALSE(HasPlaceholder(p.title)) << p.title;
    EXPECT_FALSE(p.text.empty());
  }
}

TEST_F(OpinionTest, TextsAreVaried) {
  std::set<std::string> texts;
  std::map<std::pair<std::string, int>, std::set<std::string>> by_cell;
  for (const Post& p : world().posts) {
    texts.insert(p.text);
    by_cell[{p.lang, p.sentiment}].insert(p.text);
  }
  // Some 190 templates per language with filled slots, openers and closers: repeats are
  // few (13 % measured, mostly short market comments without slots), and every language and
  // tone has many distinct texts.
  EXPECT_GT(static_cast<double>(texts.size()), 0.80 * static_cast<double>(world().posts.size()));
  EXPECT_EQ(by_cell.size(), 6U);
  for (const auto& [cell, distinct] : by_cell) {
    EXPECT_GT(distinct.size(), 150U) << cell.first << " " << cell.second;
  }
}

// ---------------------------------------------------------------- mentions

TEST_F(OpinionTest, MentionsReferToRealBanksStocksAndMerchants) {
  std::map<std::string, int> kinds;
  for (const Post& p : world().posts) {
    const std::string all = p.title + "\n" + p.text;
    for (const std::string& m : p.mentions) {
      const size_t colon = m.find(':');
      ASSERT_NE(colon, std::string::npos) << m;
      const std::string kind = m.substr(0, colon), id = m.substr(colon + 1);
      ++kinds[kind];
      if (kind == "BANK") {
        ASSERT_TRUE(BankNames().count(id)) << m;
        EXPECT_TRUE(Contains(all, BankNames().at(id))) << m << " not named in: " << all;
      } else if (kind == "STOCK") {
        ASSERT_TRUE(StockNames().count(id)) << m;
        EXPECT_TRUE(all.find(id) != std::string::npos || Contains(all, StockNames().at(id)))
            << m << " not named in: " << all;
      } else if (kind == "MERCHANT") {
        ASSERT_TRUE(world().merchants.count(id)) << m << " is not in the merchants file";
        EXPECT_NE(all.find(world().merchants.at(id).name), std::string::npos)
            << m << " (" << world().merchants.at(id).name << ") not named in: " << all;
      } else {
        ADD_FAILURE() << "unknown mention " << m;
      }
    }
  }
  EXPECT_GT(kinds["BANK"], 1'000);
  EXPECT_GT(kinds["STOCK"], 300);
  EXPECT_GT(kinds["MERCHANT"], 300);
}

TEST_F(OpinionTest, EveryBankNamedInATextIsMentioned) {
  for (const Post& p : world().posts) {
    const std::string all = p.title + "\n" + p.text;
    for (const auto& [code, names] : BankNames()) {
      if (Contains(all, names)) {
        EXPECT_TRUE(p.Mentions("BANK:" + code)) << code << ": " << all;
      }
    }
  }
}

TEST_F(OpinionTest, BanksAreTalkedAboutInTheirDocumentedWeights) {
  std::map<std::string, double> count;
  double total = 0;
  const auto quiet = QuietTime(incidents(), "BANK:PANO", Begin(world()), world().summary.end);
  for (const Post& p : world().posts) {
    if (!Inside(quiet, p.ts)) continue;
    for (const auto& [code, names] : BankNames()) {
      if (p.Mentions("BANK:" + code)) {
        ++count[code];
        ++total;
      }
    }
  }
  // Bank topics pick 0.55 / 0.18 / 0.15 / 0.12; stock posts add PANO's and JADE's stock.
  EXPECT_GT(count["PANO"] / total, 0.45);
  EXPECT_LT(count["PANO"] / total, 0.70);
  EXPECT_GT(count["JADE"], count["NRDG"]);
  EXPECT_GT(count["NRDG"] / total, 0.07);
  EXPECT_GT(count["HRZN"] / total, 0.05);
}

// ---------------------------------------------------------------- the baseline

// The doc: the baseline is about 21 % NEGATIVE, 54 % NEUTRAL, 25 % POSITIVE.
TEST_F(OpinionTest, BaselineSentimentMixAsDocumented) {
  // Outside every reaction window (every incident touches PANO).
  const auto quiet = QuietTime(incidents(), "BANK:PANO", Begin(world()), world().summary.end);
  double n = 0, tone[3] = {0, 0, 0};
  for (const Post& p : world().posts) {
    if (p.news || !Inside(quiet, p.ts)) continue;
    ++n;
    ++tone[p.sentiment];
  }
  ASSERT_GT(n, 1'000);
  // Merchant reviews of declining merchants add some NEGATIVE; 0.04 is over 4 binomial sd.
  EXPECT_NEAR(tone[0] / n, 0.22, 0.04) << n;
  EXPECT_NEAR(tone[1] / n, 0.53, 0.05) << n;
  EXPECT_NEAR(tone[2] / n, 0.25, 0.04) << n;
}

// The doc: stocks and market chatter weigh 1.10 .. 1.20 on weekdays, 0.55 and 0.70 on Saturday
// and Sunday: a weekend day has about 0.54 of a weekday's.
TEST_F(OpinionTest, StockChatterFollowsTradingDays) {
  // Outside the reactions: a bank incident's burst holds stock posts whatever the weekday.
  const auto quiet = QuietTime(incidents(), "BANK:PANO", Begin(world()), world().summary.end);
  double weekday = 0, weekend = 0;
  for (const Post& p : world().posts) {
    if (!Inside(quiet, p.ts)) continue;
    const bool stock = std::any_of(p.mentions.begin(), p.mentions.end(),
                                   [](const std::string& m) { return m.starts_with("STOCK:"); });
    if (p.news || !stock) continue;
    (Weekday(p.ts) >= 5 ? weekend : weekday) += 1;
  }
  double weekday_days = 0, weekend_days = 0;
  for (const auto& [lo, hi] : quiet) {
    for (Timestamp t = lo; t < hi; t += kHour) {
      const double hours = static_cast<double>(std::min(kHour, hi - t)) / kDay;
      (Weekday(t) >= 5 ? weekend_days : weekday_days) += hours;
    }
  }
  ASSERT_GT(weekend_days, 5);
  const double ratio = (weekend / weekend_days) / (weekday / weekday_days);
  EXPECT_GT(ratio, 0.35);
  EXPECT_LT(ratio, 0.75);
}

// ---------------------------------------------------------------- incidents

TEST_F(OpinionTest, WorldHasIncidentsOfEveryType) {
  std::map<std::string, int> types;
  for (const Incident& i : incidents()) ++types[i.type];
  EXPECT_GE(types["outage"], 2);
  EXPECT_GE(types["fraud_wave"], 1);
  EXPECT_GE(types["data_breach"], 1);
  EXPECT_GE(types["merchant_failure"], 1);
}

// The doc: at full activity a bank's volume is about `multiplier` (3 .. 6) times its
// baseline; a merchant goes from nearly nothing to (0.5 + size) x 3 .. 6 posts a day.
TEST_F(OpinionTest, VolumeAboutTheSubjectRisesAfterEachIncident) {
  const Timestamp begin = Begin(world()), end = world().summary.end;
  for (const Incident& i : incidents()) {
    SCOPED_TRACE(i.type + " " + i.subject + " at " + FormatIso8601(i.start));
    const Tally baseline =
        Count(world().posts, i.subject, QuietTime(incidents(), i.subject, begin, end));
    const Tally during = Count(world().posts, i.subject, {{i.start, i.end + kHold}});
    EXPECT_GE(during.posts, 3);
    EXPECT_GT(during.Rate(), 1.8 * baseline.Rate() + 1.0)
        << during.posts << " posts in " << during.days << " days; baseline " << baseline.Rate()
        << " a day";
  }
}

// The doc: burst posts are 80 % NEGATIVE and baseline posts about the subject move towards
// 80 %, against some 20-30 % at other times.
TEST_F(OpinionTest, NegativeShareAboutTheSubjectRisesAfterEachIncident) {
  const Timestamp begin = Begin(world()), end = world().summary.end;
  std::map<std::string, Tally> during_by_type, baseline_by_type;
  for (const Incident& i : incidents()) {
    SCOPED_TRACE(i.type + " " + i.subject + " at " + FormatIso8601(i.start));
    const Tally during = Count(world().posts, i.subject, {{i.start, i.end + kHold}});
    const Tally before = Count(world().posts, i.subject, {{i.start - 14 * kDay, i.start}});
    if (during.posts >= 10) {
      EXPECT_GT(during.NegativeShare(), 0.5) << during.posts;
    }
    if (before.posts >= 10) {
      EXPECT_GT(during.NegativeShare(), before.NegativeShare()) << before.posts;
    }
    Tally& d = during_by_type[i.type];
    d.posts += during.posts;
    d.negative += during.negative;
    // The days before are quiet for most merchants, so the subject's baseline is taken from
    // all its quiet time, and for merchants from every merchant's reviews.
    const std::string baseline_subject = i.subject.starts_with("MERCHANT:") ? "" : i.subject;
    Tally base;
    if (baseline_subject.empty()) {
      const auto quiet = QuietTime(incidents(), "BANK:PANO", begin, end);
      for (const Post& p : world().posts) {
        const bool merchant =
            std::any_of(p.mentions.begin(), p.mentions.end(),
                        [](const std::string& m) { return m.starts_with("MERCHANT:"); });
        if (!merchant || !Inside(quiet, p.ts)) continue;
        ++base.posts;
        if (p.sentiment == kNegative) ++base.negative;
      }
    } else {
      base = Count(world().posts, i.subject, QuietTime(incidents(), i.subject, begin, end));
    }
    Tally& b = baseline_by_type[i.type];
    b.posts += base.posts;
    b.negative += base.negative;
  }
  for (const auto& [type, during] : during_by_type) {
    SCOPED_TRACE(type);
    const Tally& base = baseline_by_type[type];
    ASSERT_GT(during.posts, 20);
    ASSERT_GT(base.posts, 50);
    EXPECT_GT(during.NegativeShare(), 0.62) << during.posts;
    EXPECT_LT(base.NegativeShare(), 0.40) << base.posts;
    EXPECT_GT(during.NegativeShare(), base.NegativeShare() + 0.3);
  }
}

// The doc: activity decays as e^(-t/12 h) from end + 12 h and stops at end + 48 h, after
// which the subject is back at its baseline in volume and tone.
TEST_F(OpinionTest, ReactionDecaysBackToTheBaseline) {
  const Timestamp begin = Begin(world()), end = world().summary.end;
  const std::string subject = "BANK:PANO";
  const auto quiet = QuietTime(incidents(), subject, begin, end);
  const Tally baseline = Count(world().posts, subject, quiet);
  // Quiet time within 3 days after a reaction is over, versus all quiet time.
  std::vector<Interval> after;
  for (const Incident& i : incidents()) {
    for (const auto& [lo, hi] : quiet) {
      const Timestamp a = std::max(lo, i.end + kReaction);
      const Timestamp b = std::min(hi, i.end + kReaction + 3 * kDay);
      if (a < b) after.emplace_back(a, b);
    }
  }
  const Tally back = Count(world().posts, subject, Merge(std::move(after)));
  ASSERT_GT(back.days, 5);
  EXPECT_GT(back.Rate(), 0.6 * baseline.Rate()) << back.posts << " in " << back.days;
  EXPECT_LT(back.Rate(), 1.5 * baseline.Rate()) << back.posts << " in " << back.days;
  EXPECT_LT(back.NegativeShare(), baseline.NegativeShare() + 0.12) << back.posts;
  // Within the decay: the first 12 hours after the hold (activity 1 .. 0.37) are louder than
  // the last 12 hours of the reaction (0.14 .. 0.05), pooled over the incidents.
  double first = 0, last = 0;
  for (const Incident& i : incidents()) {
    first += Count(world().posts, i.subject, {{i.end + kHold, i.end + 24 * kHour}}).posts;
    last += Count(world().posts, i.subject, {{i.end + 36 * kHour, i.end + kReaction}}).posts;
  }
  EXPECT_GT(first, 1.5 * last + 5) << first << " vs " << last;
  // Merchants are hardly talked about once their reaction is over.
  double merchant_after = 0, merchant_days = 0;
  for (const Incident& i : incidents()) {
    if (!i.subject.starts_with("MERCHANT:")) continue;
    std::vector<Interval> week_after;
    for (const auto& [lo, hi] : QuietTime(incidents(), i.subject, begin, end)) {
      const Timestamp a = std::max(lo, i.end + kReaction);
      const Timestamp b = std::min(hi, i.end + kReaction + 7 * kDay);
      if (a < b) week_after.emplace_back(a, b);
    }
    const Tally t = Count(world().posts, i.subject, Merge(std::move(week_after)));
    merchant_after += t.posts;
    merchant_days += t.days;
  }
  ASSERT_GT(merchant_days, 10);
  EXPECT_LT(merchant_after / merchant_days, 1.0);
}

// The doc: first reports come 20 minutes + Exp(2.5 h) after the start, NEGATIVE; an outage
// has 1-2 Chinese and 1 English first report.
TEST_F(OpinionTest, NewsReportEveryBankIncident) {
  for (const Incident& i : incidents()) {
    if (!i.subject.starts_with("BANK:")) continue;
    SCOPED_TRACE(i.type + " " + i.subject + " at " + FormatIso8601(i.start));
    int negative_news = 0;
    for (const Post& p : world().posts) {
      if (p.news && p.Mentions(i.subject) && p.ts >= i.start + 20 * kMinute &&
          p.ts < i.start + kDay && p.sentiment == kNegative) {
        ++negative_news;
      }
    }
    EXPECT_GE(negative_news, 1);
  }
}

TEST_F(OpinionTest, BankIncidentsMoveItsStockChatter) {
  double during_stock = 0, during_neg = 0;
  for (const Incident& i : incidents()) {
    if (i.subject != "BANK:PANO") continue;
    const Tally t = Count(world().posts, "STOCK:609188", {{i.start, i.end + kHold}});
    during_stock += t.posts;
    during_neg += t.negative;
  }
  const Tally quiet =
      Count(world().posts, "STOCK:609188",
            QuietTime(incidents(), "BANK:PANO", Begin(world()), world().summary.end));
  // 20 % of a burst's posts are about the bank's stock, 75 % of them NEGATIVE, and baseline
  // posts about the stock are pressed towards 80 % NEGATIVE.
  ASSERT_GT(during_stock, 20);
  EXPECT_GT(during_neg / during_stock, 0.55);
  EXPECT_LT(quiet.NegativeShare(), 0.35);
}

// ---------------------------------------------------------------- no incidents, no spike

TEST_F(OpinionTest, WorldWithoutIncidentsHasNoSpike) {
  const OpinionWorld& q = *quiet_;
  ASSERT_TRUE(q.summary.incidents.empty()) << "the quiet world needs other options now";
  std::map<int64_t, Tally> by_day;
  for (Timestamp t = Begin(q); t < q.summary.end; t += kDay) by_day[DayNumber(t)].days = 1;
  for (const Post& p : q.posts) {
    if (!p.Mentions("BANK:PANO")) continue;
    Tally& d = by_day[DayNumber(p.ts)];
    ++d.posts;
    if (p.sentiment == kNegative) ++d.negative;
  }
  double total = 0, negative = 0;
  for (const auto& [day, t] : by_day) {
    total += t.posts;
    negative += t.negative;
  }
  const double mean = total / static_cast<double>(by_day.size());
  ASSERT_GT(mean, 10);  // about 16 a day for 20,000 customers
  for (const auto& [day, t] : by_day) {
    // An incident multiplies the subject's day by 3 or more; Poisson noise stays within
    // mean + 4 sd.
    EXPECT_LT(t.posts, mean + 4 * std::sqrt(mean) + 1) << "day " << day;
  }
  EXPECT_LT(negative / total, 0.33);
  // Compare the incident world: its busiest PANO day is well above that bound.
  std::map<int64_t, double> incident_days;
  for (const Post& p : world().posts) {
    if (p.Mentions("BANK:PANO")) ++incident_days[DayNumber(p.ts)];
  }
  double busiest = 0, sum = 0;
  for (const auto& [day, n] : incident_days) {
    busiest = std::max(busiest, n);
    sum += n;
  }
  const double incident_mean = sum / static_cast<double>(incident_days.size());
  EXPECT_GT(busiest, incident_mean + 4 * std::sqrt(incident_mean) + 1);
}

}  // namespace
}  // namespace panorama::gentest
