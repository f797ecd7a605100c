// Property tests of FeatureEngine (features/feature_engine.h): on seeded random transaction
// streams, every feature of every event equals the brute-force model of tests/features/
// reference.h, which implements docs/features.md independently of the engine. The streams are
// skewed (hot customers, merchants, channels with thousands of events), have gaps from
// microseconds to days, exact ties, events landing exactly on window edges, late events within
// the allowed lateness and beyond it, absent fields, and label events in between.
//
// Beyond the values: eviction to a state store under a tiny memory budget and restoring a
// checkpoint then replaying the log give bit-identical values to an in-memory, uninterrupted
// run; HyperLogLog estimates stay within the documented error.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/money.h"
#include "core/schema.h"
#include "core/status.h"
#include "core/time.h"
#include "features/feature_engine.h"
#include "features/feature_spec.h"
#include "features/reference.h"
#include "support/process.h"

namespace panorama::features {
namespace {

using ref::Op;
using ref::RefAgg;
using ref::Tri;

constexpr Timestamp kSec = kMicrosPerSecond;
constexpr Timestamp kMinute = 60 * kSec;
constexpr Timestamp kHourUs = 60 * kMinute;
constexpr Timestamp kDayUs = 24 * kHourUs;
constexpr Timestamp kStart = 1'790'812'800LL * kSec;  // 2026-10-01T00:00:00Z
// The lateness the stream's out-of-order events are drawn against.
constexpr Timestamp kStreamLateness = 10 * kMinute;

// ---------------------------------------------------------------------------------------------
// Seeded random streams.

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {  // splitmix64: the same numbers on every platform
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1p-53; }
  bool Chance(double p) { return Uniform() < p; }
  size_t Pick(std::initializer_list<int> weights) {
    int total = 0;
    for (int w : weights) total += w;
    auto r = static_cast<int>(Below(static_cast<uint64_t>(total)));
    size_t i = 0;
    for (int w : weights) {
      if (r < w) return i;
      r -= w;
      ++i;
    }
    return 0;
  }

 private:
  uint64_t state_;
};

std::string Id(char letter, uint64_t number) {
  std::string digits = std::to_string(number);
  return std::string(1, letter) + std::string(digits.size() < 7 ? 7 - digits.size() : 0, '0') +
         digits;
}

constexpr uint64_t kCustomers = 400;
constexpr uint64_t kHotCustomers = 4;
constexpr uint64_t kMerchants = 120;
constexpr uint64_t kHotMerchants = 2;
constexpr std::string_view kCities[] = {"Shanghai", "Beijing",  "Shenzhen", "Guangzhou",
                                        "Chengdu",  "Hangzhou", "Wuhan",    "Xian",
                                        "Nanjing",  "Tianjin",  "Suzhou",   "Chongqing"};
constexpr std::string_view kCountries[] = {"CN", "US", "JP", "GB", "RU"};
constexpr int64_t kMccs[] = {5411, 5812, 5999, 6011, 4829, 5732, 7995, 5912};

Timestamp Gap(Rng& rng) {
  double r = rng.Uniform();
  if (r < 0.25) return rng.Chance(0.2) ? 0 : rng.Between(1, 1000);  // microseconds (ties)
  if (r < 0.75) return rng.Between(1000, 20 * kSec);
  if (r < 0.955) return rng.Between(20 * kSec, 30 * kMinute);
  if (r < 0.998) return rng.Between(30 * kMinute, 6 * kHourUs);
  return rng.Between(6 * kHourUs, 3 * kDayUs);
}

// Fills a transaction; with `like`, it belongs to the same entities as `like`.
void FillTransaction(Rng& rng, uint64_t serial, Timestamp ts, const Event* like, Event* e) {
  e->Reset(EventKind::kTransaction);
  e->set_str(tx::kTxId, Id('T', serial));
  e->set_num(tx::kTs, ts);
  if (like != nullptr) {
    for (int f : {tx::kCustomerId, tx::kAccountId, tx::kCardId, tx::kMerchantId, tx::kDeviceId,
                  tx::kIp, tx::kCity}) {
      if (like->has(f)) e->set_str(f, like->str(f));
    }
  } else {
    uint64_t c = rng.Chance(0.35) ? rng.Below(kHotCustomers)
                                  : kHotCustomers + rng.Below(kCustomers - kHotCustomers);
    e->set_str(tx::kCustomerId, Id('C', c));
    e->set_str(tx::kAccountId, Id('A', c));
    if (!rng.Chance(0.1)) e->set_str(tx::kCardId, Id('K', c * 4 + rng.Below(1 + c % 3)));
    double m = rng.Uniform();
    if (m >= 0.08) {
      uint64_t merchant = m < 0.33 ? rng.Below(kHotMerchants)
                                   : kHotMerchants + rng.Below(kMerchants - kHotMerchants);
      e->set_str(tx::kMerchantId, Id('M', merchant));
    }
    if (!rng.Chance(0.3)) {
      e->set_str(tx::kDeviceId,
                 Id('D', rng.Chance(0.8) ? c * 2 + rng.Below(2) : 100'000 + rng.Below(50)));
    }
    if (!rng.Chance(0.2)) {
      e->set_str(tx::kIp,
                 "10.0." + std::to_string(rng.Below(3)) + "." + std::to_string(rng.Below(50)));
    }
    if (!rng.Chance(0.1)) e->set_str(tx::kCity, kCities[rng.Below(std::size(kCities))]);
  }
  e->set_num(tx::kChannel, static_cast<int64_t>(rng.Pick({35, 10, 5, 25, 20, 5})));
  const auto type = static_cast<int64_t>(rng.Pick({60, 10, 10, 5, 10, 5}));
  e->set_num(tx::kType, type);
  if (!rng.Chance(0.01)) {
    int64_t amount = 0;
    double a = rng.Uniform();
    if (a < 0.02) {
      amount = 0;
    } else if (a < 0.025) {
      amount = rng.Between(1'000'000'000'000LL, 2'000'000'000'000LL);  // sums of squares > 2^64
    } else {
      amount = std::llround(std::exp(rng.Uniform() * std::log(1e7)));
    }
    e->set_num(tx::kAmount, amount);
  }
  double cur = rng.Uniform();
  if (cur < 0.85) {
    e->set_num(tx::kCurrency, Currency::FromCode("CNY")->Packed());
  } else if (cur < 0.95) {
    e->set_num(tx::kCurrency, Currency::FromCode("USD")->Packed());
  }
  if (!rng.Chance(0.1)) e->set_num(tx::kMcc, kMccs[rng.Below(std::size(kMccs))]);
  if (!rng.Chance(0.05)) {
    e->set_str(tx::kCountry, rng.Chance(0.8) ? "CN" : kCountries[1 + rng.Below(4)]);
  }
  if (rng.Chance(0.7)) {
    e->set_real(tx::kLat, static_cast<double>(rng.Between(-60'000'000, 70'000'000)) / 1e6);
    e->set_real(tx::kLon, static_cast<double>(rng.Between(-170'000'000, 170'000'000)) / 1e6);
  }
  if (type == tx_type::kTransfer || type == tx_type::kDeposit) {
    if (!rng.Chance(0.2)) {
      e->set_str(tx::kCounterpartyId,
                 rng.Chance(0.5) ? Id('A', rng.Below(kCustomers)) : Id('X', rng.Below(60)));
    }
  }
}

struct StreamStats {
  size_t late_within = 0, late_beyond = 0, ties = 0, edges = 0, labels = 0;
};

// `count` events (transactions and a few labels) in arrival order; event i has seq i + 1.
std::vector<Event> MakeStream(uint64_t seed, size_t count, StreamStats* stats) {
  Rng rng(seed);
  std::vector<Event> events;
  events.reserve(count);
  std::vector<Timestamp> in_order_ts;  // ts of the in-order transactions (non-decreasing)
  std::vector<size_t> in_order_index;
  Timestamp now = kStart;
  uint64_t serial = 0;
  while (events.size() < count) {
    if (!events.empty() && rng.Chance(0.005)) {
      Event label(EventKind::kLabel);
      label.set_str(label::kTxId, Id('T', rng.Below(serial + 1)));
      label.set_num(label::kTs, now);
      label.set_num(label::kIsFraud, rng.Chance(0.3) ? 1 : 0);
      events.push_back(std::move(label));
      ++stats->labels;
      continue;
    }
    Event e;
    const double r = rng.Uniform();
    Timestamp ts = 0;
    std::optional<size_t> like;
    bool placed = false;
    if (!in_order_ts.empty()) {
      if (r < 0.07) {  // late, within the lateness (the watermark itself included)
        ts = now - (rng.Chance(0.05) ? kStreamLateness : rng.Between(0, kStreamLateness));
        ++stats->late_within;
        placed = true;
      } else if (r < 0.08) {  // older than the watermark: must be rejected
        ts = now - kStreamLateness - (rng.Chance(0.2) ? 1 : rng.Between(1, 12 * kStreamLateness));
        ++stats->late_beyond;
        placed = true;
      } else if (r < 0.10) {  // the same entity at the same microsecond as the previous one
        like = in_order_index.back();
        ts = in_order_ts.back();
        ++stats->ties;
        placed = true;
      } else if (r < 0.14) {  // exactly one window after (or 1 µs more than) an earlier event
        const Timestamp windows[] = {90 * kSec, 5 * kMinute, kHourUs, kDayUs, 7 * kDayUs};
        const Timestamp w = windows[rng.Below(std::size(windows))];
        auto it = std::lower_bound(in_order_ts.begin(), in_order_ts.end(), now - w);
        if (it != in_order_ts.end() && *it + w >= now) {
          now = *it + w + (rng.Chance(0.3) ? 1 : 0);
          like = in_order_index[static_cast<size_t>(it - in_order_ts.begin())];
          ts = now;
          ++stats->edges;
        }
      }
    }
    const bool in_order = !placed;
    if (!placed && !like) {
      now += Gap(rng);
      ts = now;
    }
    FillTransaction(rng, serial++, ts, like ? &events[*like] : nullptr, &e);
    if (in_order) {
      in_order_ts.push_back(ts);
      in_order_index.push_back(events.size());
    }
    events.push_back(std::move(e));
  }
  return events;
}

const std::vector<Event>& Stream() {
  static const std::vector<Event> stream = [] {
    StreamStats stats;
    auto events = MakeStream(20261001, 20'000, &stats);
    return events;
  }();
  return stream;
}

// ---------------------------------------------------------------------------------------------
// Specs: each feature written once as YAML text (for the engine) and as reference semantics.
// Entities, aggregations, fields and windows of the reference are read from the same words by
// the small table below; filters, numerators and expressions are C++ functions.

int FieldNumber(std::string_view name) {
  if (name == "hour") return ref::kHourOfDay;
  return SchemaFor(EventKind::kTransaction).FieldIndex(name);
}

Timestamp WindowOf(std::string_view text) {
  if (text.empty() || text == "lifetime") return ref::kForever;
  const int64_t count = std::stoll(std::string(text.substr(0, text.size() - 1)));
  switch (text.back()) {
    case 's':
      return count * kSec;
    case 'm':
      return count * kMinute;
    case 'h':
      return count * kHourUs;
    default:
      return count * kDayUs;
  }
}

RefAgg AggOf(std::string_view name) {
  static const std::map<std::string_view, RefAgg> kAggs = {
      {"count", RefAgg::kCount},
      {"sum", RefAgg::kSum},
      {"mean", RefAgg::kMean},
      {"min", RefAgg::kMin},
      {"max", RefAgg::kMax},
      {"stddev", RefAgg::kStddev},
      {"distinct_count", RefAgg::kDistinct},
      {"last", RefAgg::kLast},
      {"time_since_last", RefAgg::kTimeSinceLast},
      {"time_since_first", RefAgg::kTimeSinceFirst},
      {"count_value", RefAgg::kCountValue},
      {"ratio", RefAgg::kRatio}};
  return kAggs.at(name);
}

struct Def {
  std::string name, entity, agg, field, window, value;
  bool include_current = false;
  std::string filter_text, numerator_text, expr_text;
  ref::Filter filter, numerator;
  ref::Derived expr;

  Def&& Window(std::string w) && {
    window = std::move(w);
    return std::move(*this);
  }
  Def&& Current() && {
    include_current = true;
    return std::move(*this);
  }
  Def&& Value(std::string v) && {
    value = std::move(v);
    return std::move(*this);
  }
  Def&& Filter(std::string text, ref::Filter fn) && {
    filter_text = std::move(text);
    filter = std::move(fn);
    return std::move(*this);
  }
  Def&& Numerator(std::string text, ref::Filter fn) && {
    numerator_text = std::move(text);
    numerator = std::move(fn);
    return std::move(*this);
  }
};

Def Agg(std::string name, std::string entity, std::string agg, std::string field = "") {
  Def d;
  d.name = std::move(name);
  d.entity = std::move(entity);
  d.agg = std::move(agg);
  d.field = std::move(field);
  return d;
}

Def Expr(std::string name, std::string text, ref::Derived fn) {
  Def d;
  d.name = std::move(name);
  d.expr_text = std::move(text);
  d.expr = std::move(fn);
  return d;
}

std::string Quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

struct Case {
  std::string name;
  std::string lateness = "5m";
  uint64_t exact_limit = 1024;
  int hll_precision = 12;
  std::vector<Def> defs;

  std::string Yaml() const {
    std::string y = "name: " + name + "\nallowed_lateness: " + lateness +
                    "\ndistinct_exact_limit: " + std::to_string(exact_limit) +
                    "\nhll_precision: " + std::to_string(hll_precision) + "\nfeatures:\n";
    for (const Def& d : defs) {
      y += "  - name: " + d.name + "\n";
      if (!d.expr_text.empty()) {
        y += "    expr: " + Quoted(d.expr_text) + "\n";
        continue;
      }
      y += "    entity: " + d.entity + "\n    agg: " + d.agg + "\n";
      if (!d.field.empty()) y += "    field: " + d.field + "\n";
      if (!d.value.empty()) y += "    value: " + d.value + "\n";
      if (!d.window.empty()) y += "    window: " + d.window + "\n";
      if (!d.filter_text.empty()) y += "    filter: " + Quoted(d.filter_text) + "\n";
      if (!d.numerator_text.empty()) y += "    numerator: " + Quoted(d.numerator_text) + "\n";
      if (d.include_current) y += "    include_current: true\n";
    }
    return y;
  }

  ref::RefSpec Reference() const {
    ref::RefSpec spec;
    spec.allowed_lateness = WindowOf(lateness);
    spec.distinct_exact_limit = exact_limit;
    for (const Def& d : defs) {
      ref::RefFeature f;
      f.name = d.name;
      if (!d.expr_text.empty()) {
        f.agg = RefAgg::kDerived;
        f.expr = d.expr;
        spec.features.push_back(std::move(f));
        continue;
      }
      f.agg = AggOf(d.agg);
      size_t start = 0;
      while (start <= d.entity.size()) {
        size_t plus = std::min(d.entity.find('+', start), d.entity.size());
        std::string part = d.entity.substr(start, plus - start);
        part.erase(0, part.find_first_not_of(' '));
        part.erase(part.find_last_not_of(' ') + 1);
        f.entity.push_back(FieldNumber(part));
        start = plus + 1;
      }
      if (!d.field.empty()) f.field = FieldNumber(d.field);
      f.window = WindowOf(d.window);
      f.include_current = d.include_current;
      f.filter = d.filter;
      f.numerator = d.numerator;
      if (f.agg == RefAgg::kCountValue) {
        const int field = f.field;
        const std::string value = d.value;
        const FieldSpec& spec_of =
            SchemaFor(EventKind::kTransaction).fields[static_cast<size_t>(field)];
        if (spec_of.type == FieldType::kEnum) {
          const int index = EnumIndex(spec_of, value);
          f.value = [field, index](const Event& e) { return ref::IsEnum(e, field, index); };
        } else if (spec_of.type == FieldType::kCurrency) {
          f.value = [value](const Event& e) { return ref::IsCurrency(e, value); };
        } else {
          f.value = [field, value](const Event& e) { return ref::Is(e, field, value); };
        }
      }
      spec.features.push_back(std::move(f));
    }
    return spec;
  }
};

// Shorthands for the reference's filters.
Tri Channel(const Event& e, int c) { return ref::IsEnum(e, tx::kChannel, c); }
Tri Type(const Event& e, int t) { return ref::IsEnum(e, tx::kType, t); }
double Num(const Event& e, int field) {
  std::optional<double> v = ref::NumericField(e, field);
  return v ? *v : ref::kNaN;
}
double TriD(Tri t) {
  if (t == Tri::kMissing) return ref::kNaN;
  return t == Tri::kTrue ? 1 : 0;
}

Case Counts() {
  Case c{.name = "counts", .lateness = "10m"};
  c.defs.push_back(Agg("cust_count_1h", "customer_id", "count").Window("1h"));
  c.defs.push_back(Agg("cust_count_24h", "customer_id", "count").Window("24h"));
  c.defs.push_back(Agg("cust_count_life", "customer_id", "count").Window("lifetime"));
  c.defs.push_back(Agg("cust_online_7d", "customer_id", "count")
                       .Window("7d")
                       .Filter("channel == ONLINE",
                               [](const Event& e) { return Channel(e, tx_channel::kOnline); }));
  c.defs.push_back(
      Agg("cust_small_online_30d", "customer_id", "count")
          .Window("30d")
          .Filter("channel in (ONLINE, MOBILE) and amount <= 100000", [](const Event& e) {
            return ref::And(
                ref::Or(Channel(e, tx_channel::kOnline), Channel(e, tx_channel::kMobile)),
                ref::Compare(e, tx::kAmount, Op::kLe, 100000));
          }));
  c.defs.push_back(
      Agg("cust_atm_24h", "customer_id", "count_value", "channel").Value("ATM").Window("24h"));
  c.defs.push_back(
      Agg("cust_mcc6011_7d", "customer_id", "count_value", "mcc").Value("6011").Window("7d"));
  c.defs.push_back(Agg("cust_count_90s_cur", "customer_id", "count").Window("90s").Current());
  c.defs.push_back(Agg("cust_foreign_5m", "customer_id", "count")
                       .Window("5m")
                       .Filter("country != CN", [](const Event& e) {
                         return ref::Not(ref::Is(e, tx::kCountry, "CN"));
                       }));
  c.defs.push_back(Agg("cust_not_cash_24h", "customer_id", "count")
                       .Window("24h")
                       .Filter("not (mcc == 6011)", [](const Event& e) {
                         return ref::Not(ref::Compare(e, tx::kMcc, Op::kEq, 6011));
                       }));
  c.defs.push_back(Agg("cust_deposit_or_big", "customer_id", "count")
                       .Filter("type == DEPOSIT or amount > 500000", [](const Event& e) {
                         return ref::Or(Type(e, tx_type::kDeposit),
                                        ref::Compare(e, tx::kAmount, Op::kGt, 500000));
                       }));
  c.defs.push_back(Agg("cust_device_1h", "customer_id", "count")
                       .Window("1h")
                       .Filter("present(device_id)",
                               [](const Event& e) { return ref::Present(e, tx::kDeviceId); }));
  c.defs.push_back(Agg("cust_night_7d", "customer_id", "count")
                       .Window("7d")
                       .Filter("hour >= 16 and hour < 22", [](const Event& e) {
                         return ref::And(ref::Compare(e, ref::kHourOfDay, Op::kGe, 16),
                                         ref::Compare(e, ref::kHourOfDay, Op::kLt, 22));
                       }));
  c.defs.push_back(Agg("card_count_1h", "card_id", "count").Window("1h"));
  c.defs.push_back(Agg("card_usd_count", "card_id", "count_value", "currency").Value("USD"));
  c.defs.push_back(Agg("card_shanghai_1h_cur", "card_id", "count_value", "city")
                       .Value("Shanghai")
                       .Window("1h")
                       .Current());
  c.defs.push_back(Agg("chan_count_5m", "channel", "count").Window("5m"));
  c.defs.push_back(Agg("mcc_count_1h_cur", "mcc", "count").Window("1h").Current());
  return c;
}

Case Sums() {
  Case c{.name = "sums"};
  c.defs.push_back(Agg("cust_sum_24h", "customer_id", "sum", "amount").Window("24h"));
  c.defs.push_back(Agg("cust_sum_7d_not_transfer", "customer_id", "sum", "amount")
                       .Window("7d")
                       .Filter("type != TRANSFER", [](const Event& e) {
                         return ref::Not(Type(e, tx_type::kTransfer));
                       }));
  c.defs.push_back(Agg("cust_sum_life", "customer_id", "sum", "amount"));
  c.defs.push_back(Agg("cust_mean_30d", "customer_id", "mean", "amount").Window("30d"));
  c.defs.push_back(
      Agg("cust_mean_cny", "customer_id", "mean", "amount")
          .Filter("currency == CNY", [](const Event& e) { return ref::IsCurrency(e, "CNY"); }));
  c.defs.push_back(Agg("cust_hour_mean_7d", "customer_id", "mean", "hour").Window("7d"));
  c.defs.push_back(Agg("cust_std_24h", "customer_id", "stddev", "amount").Window("24h"));
  c.defs.push_back(Agg("cust_std_life", "customer_id", "stddev", "amount").Window("lifetime"));
  c.defs.push_back(Agg("cust_lat_sum_7d", "customer_id", "sum", "lat").Window("7d"));
  c.defs.push_back(Agg("cust_lon_mean_30d", "customer_id", "mean", "lon").Window("30d"));
  c.defs.push_back(Agg("cust_lat_std_30d", "customer_id", "stddev", "lat").Window("30d"));
  c.defs.push_back(Agg("cust_sum_1h_cur", "customer_id", "sum", "amount").Window("1h").Current());
  c.defs.push_back(Agg("cust_mean_7d_cur", "customer_id", "mean", "amount").Window("7d").Current());
  c.defs.push_back(
      Agg("cust_std_pos_30d_cur", "customer_id", "stddev", "amount")
          .Window("30d")
          .Current()
          .Filter("channel == POS", [](const Event& e) { return Channel(e, tx_channel::kPos); }));
  c.defs.push_back(Agg("cust_type_sum_24h", "customer_id", "sum", "type").Window("24h"));
  c.defs.push_back(Agg("merch_sum_24h", "merchant_id", "sum", "amount").Window("24h"));
  c.defs.push_back(Agg("merch_mean_30d", "merchant_id", "mean", "amount").Window("30d"));
  c.defs.push_back(Agg("merch_std_7d", "merchant_id", "stddev", "amount").Window("7d"));
  c.defs.push_back(Agg("merch_mcc_mean", "merchant_id", "mean", "mcc"));
  return c;
}

Case Extremes() {
  Case c{.name = "extremes", .lateness = "10m"};
  c.defs.push_back(Agg("cust_min_1h", "customer_id", "min", "amount").Window("1h"));
  c.defs.push_back(Agg("cust_max_1h", "customer_id", "max", "amount").Window("1h"));
  c.defs.push_back(Agg("cust_min_24h", "customer_id", "min", "amount").Window("24h"));
  c.defs.push_back(Agg("cust_max_7d", "customer_id", "max", "amount").Window("7d"));
  c.defs.push_back(Agg("cust_min_life", "customer_id", "min", "amount"));
  c.defs.push_back(Agg("cust_max_life", "customer_id", "max", "amount"));
  c.defs.push_back(Agg("cust_mcc_min_30d", "customer_id", "min", "mcc").Window("30d"));
  c.defs.push_back(Agg("cust_hour_max_24h", "customer_id", "max", "hour").Window("24h"));
  c.defs.push_back(Agg("cust_lat_min_7d", "customer_id", "min", "lat").Window("7d"));
  c.defs.push_back(Agg("cust_max_24h_cur", "customer_id", "max", "amount").Window("24h").Current());
  c.defs.push_back(Agg("cust_min_online_7d", "customer_id", "min", "amount")
                       .Window("7d")
                       .Filter("channel in (ONLINE, MOBILE)", [](const Event& e) {
                         return ref::Or(Channel(e, tx_channel::kOnline),
                                        Channel(e, tx_channel::kMobile));
                       }));
  c.defs.push_back(Agg("merch_max_24h", "merchant_id", "max", "amount").Window("24h"));
  c.defs.push_back(Agg("merch_min_1h_cur", "merchant_id", "min", "amount").Window("1h").Current());
  c.defs.push_back(Agg("ip_max_7d", "ip", "max", "amount").Window("7d"));
  c.defs.push_back(Agg("ip_min_channel", "ip", "min", "channel"));
  c.defs.push_back(Agg("chan_max_90s", "channel", "max", "amount").Window("90s"));
  c.defs.push_back(Agg("chan_min_1h", "channel", "min", "amount").Window("1h"));
  return c;
}

Case Recency() {
  Case c{.name = "recency", .lateness = "1h"};
  c.defs.push_back(Agg("cust_last_amount_24h", "customer_id", "last", "amount").Window("24h"));
  c.defs.push_back(Agg("cust_last_channel", "customer_id", "last", "channel"));
  c.defs.push_back(Agg("cust_last_type_online_7d", "customer_id", "last", "type")
                       .Window("7d")
                       .Filter("channel == ONLINE",
                               [](const Event& e) { return Channel(e, tx_channel::kOnline); }));
  c.defs.push_back(Agg("cust_last_lat_30d", "customer_id", "last", "lat").Window("30d"));
  c.defs.push_back(Agg("cust_last_hour_1h", "customer_id", "last", "hour").Window("1h"));
  c.defs.push_back(Agg("cust_since_last", "customer_id", "time_since_last"));
  c.defs.push_back(Agg("cust_since_first", "customer_id", "time_since_first"));
  c.defs.push_back(
      Agg("cust_since_deposit", "customer_id", "time_since_last")
          .Filter("type == DEPOSIT", [](const Event& e) { return Type(e, tx_type::kDeposit); }));
  c.defs.push_back(
      Agg("cust_since_first_atm", "customer_id", "time_since_first")
          .Filter("channel == ATM", [](const Event& e) { return Channel(e, tx_channel::kAtm); }));
  c.defs.push_back(Agg("dev_since_last", "device_id", "time_since_last"));
  c.defs.push_back(Agg("dev_since_first", "device_id", "time_since_first").Window("lifetime"));
  c.defs.push_back(Agg("dev_last_amount", "device_id", "last", "amount"));
  c.defs.push_back(Agg("card_since_last", "card_id", "time_since_last"));
  c.defs.push_back(Agg("card_last_mcc_24h", "card_id", "last", "mcc").Window("24h"));
  c.defs.push_back(Agg("chan_last_amount_5m", "channel", "last", "amount").Window("5m"));
  c.defs.push_back(Agg("merch_since_last", "merchant_id", "time_since_last"));
  return c;
}

std::vector<Def> DistinctDefs() {
  std::vector<Def> d;
  d.push_back(
      Agg("cust_merchants_24h", "customer_id", "distinct_count", "merchant_id").Window("24h"));
  d.push_back(
      Agg("cust_merchants_7d", "customer_id", "distinct_count", "merchant_id").Window("7d"));
  d.push_back(
      Agg("cust_merchants_30d", "customer_id", "distinct_count", "merchant_id").Window("30d"));
  d.push_back(Agg("cust_devices_7d", "customer_id", "distinct_count", "device_id")
                  .Window("7d")
                  .Filter("present(device_id)",
                          [](const Event& e) { return ref::Present(e, tx::kDeviceId); }));
  d.push_back(
      Agg("cust_ips_30d_cur", "customer_id", "distinct_count", "ip").Window("30d").Current());
  d.push_back(Agg("cust_countries_90d", "customer_id", "distinct_count", "country").Window("90d"));
  d.push_back(Agg("cust_mccs_7d", "customer_id", "distinct_count", "mcc").Window("7d"));
  d.push_back(Agg("cust_channels_24h", "customer_id", "distinct_count", "channel").Window("24h"));
  d.push_back(Agg("cust_hours_7d", "customer_id", "distinct_count", "hour").Window("7d"));
  d.push_back(Agg("cust_amounts_24h", "customer_id", "distinct_count", "amount").Window("24h"));
  d.push_back(Agg("cust_lats_1h", "customer_id", "distinct_count", "lat").Window("1h"));
  d.push_back(
      Agg("cust_currencies_30d", "customer_id", "distinct_count", "currency").Window("30d"));
  d.push_back(
      Agg("merch_customers_7d", "merchant_id", "distinct_count", "customer_id").Window("7d"));
  d.push_back(Agg("merch_cards_30d_cur", "merchant_id", "distinct_count", "card_id")
                  .Window("30d")
                  .Current());
  d.push_back(Agg("merch_cities_online_7d", "merchant_id", "distinct_count", "city")
                  .Window("7d")
                  .Filter("channel == ONLINE",
                          [](const Event& e) { return Channel(e, tx_channel::kOnline); }));
  d.push_back(Agg("chan_cards_1h", "channel", "distinct_count", "card_id").Window("1h"));
  d.push_back(Agg("chan_customers_24h_cur", "channel", "distinct_count", "customer_id")
                  .Window("24h")
                  .Current());
  return d;
}

Case Distinct() { return Case{.name = "distinct", .lateness = "10m", .defs = DistinctDefs()}; }

// A small exact limit: windows cross it in both directions, so the exact sets are dropped
// and rebuilt; values above the limit are estimates (checked against the error bound).
Case DistinctSmallLimit() {
  return Case{.name = "distinct_small",
              .lateness = "10m",
              .exact_limit = 40,
              .hll_precision = 10,
              .defs = DistinctDefs()};
}

Case Ratios() {
  Case c{.name = "ratios", .lateness = "10m"};
  c.defs.push_back(Agg("cust_online_ratio_7d", "customer_id", "ratio")
                       .Window("7d")
                       .Numerator("channel == ONLINE",
                                  [](const Event& e) { return Channel(e, tx_channel::kOnline); }));
  c.defs.push_back(Agg("cust_big_ratio", "customer_id", "ratio")
                       .Numerator("amount >= 100000", [](const Event& e) {
                         return ref::Compare(e, tx::kAmount, Op::kGe, 100000);
                       }));
  c.defs.push_back(
      Agg("cust_purchase_online_ratio_24h", "customer_id", "ratio")
          .Window("24h")
          .Filter("type == PURCHASE", [](const Event& e) { return Type(e, tx_type::kPurchase); })
          .Numerator("channel in (ONLINE, MOBILE)", [](const Event& e) {
            return ref::Or(Channel(e, tx_channel::kOnline), Channel(e, tx_channel::kMobile));
          }));
  c.defs.push_back(Agg("cust_cn_ratio_1h_cur", "customer_id", "ratio")
                       .Window("1h")
                       .Current()
                       .Numerator("country == CN",
                                  [](const Event& e) { return ref::Is(e, tx::kCountry, "CN"); }));
  c.defs.push_back(
      Agg("merch_refund_ratio_30d", "merchant_id", "ratio")
          .Window("30d")
          .Numerator("type == REFUND", [](const Event& e) { return Type(e, tx_type::kRefund); }));
  c.defs.push_back(Agg("merch_night_ratio", "merchant_id", "ratio")
                       .Numerator("hour >= 16 and hour < 22", [](const Event& e) {
                         return ref::And(ref::Compare(e, ref::kHourOfDay, Op::kGe, 16),
                                         ref::Compare(e, ref::kHourOfDay, Op::kLt, 22));
                       }));
  c.defs.push_back(Agg("type_online_ratio_1h", "type", "ratio")
                       .Window("1h")
                       .Numerator("channel == ONLINE",
                                  [](const Event& e) { return Channel(e, tx_channel::kOnline); }));
  return c;
}

Case Combined() {
  Case c{.name = "combined", .lateness = "10m"};
  c.defs.push_back(Agg("cm_count_30d", "customer_id+merchant_id", "count").Window("30d"));
  c.defs.push_back(Agg("cm_sum_7d", "customer_id+merchant_id", "sum", "amount").Window("7d"));
  c.defs.push_back(Agg("cm_since_first", "customer_id+merchant_id", "time_since_first"));
  c.defs.push_back(
      Agg("cm_cards_30d", "customer_id+merchant_id", "distinct_count", "card_id").Window("30d"));
  c.defs.push_back(Agg("kc_count_90d", "card_id+city", "count").Window("90d"));
  c.defs.push_back(
      Agg("md_count_24h_cur", "merchant_id + device_id", "count").Window("24h").Current());
  c.defs.push_back(Agg("di_count", "device_id+ip", "count"));
  c.defs.push_back(Agg("ct_count_5m", "channel+type", "count").Window("5m"));
  c.defs.push_back(Agg("ct_mean_1h", "channel+type", "mean", "amount").Window("1h"));
  c.defs.push_back(Agg("cc_last_amount_24h", "country+currency", "last", "amount").Window("24h"));
  c.defs.push_back(Agg("mc_max_7d", "merchant_id+customer_id", "max", "amount").Window("7d"));
  c.defs.push_back(Agg("cp_count_7d", "customer_id+counterparty_id", "count").Window("7d"));
  return c;
}

Case Lifetimes() {
  Case c{.name = "lifetimes", .lateness = "10m"};
  for (const char* entity : {"customer_id", "merchant_id"}) {
    const std::string p = std::string(entity) == "merchant_id" ? "merch_" : "cust_";
    c.defs.push_back(Agg(p + "count", entity, "count"));
    c.defs.push_back(Agg(p + "sum", entity, "sum", "amount"));
    c.defs.push_back(Agg(p + "mean", entity, "mean", "amount"));
    c.defs.push_back(Agg(p + "min", entity, "min", "amount"));
    c.defs.push_back(Agg(p + "max", entity, "max", "amount"));
    c.defs.push_back(Agg(p + "std", entity, "stddev", "amount"));
    c.defs.push_back(Agg(p + "last", entity, "last", "amount"));
    c.defs.push_back(Agg(p + "since_last", entity, "time_since_last"));
    c.defs.push_back(Agg(p + "since_first", entity, "time_since_first"));
    c.defs.push_back(
        Agg(p + "online_ratio", entity, "ratio").Numerator("channel == ONLINE", [](const Event& e) {
          return Channel(e, tx_channel::kOnline);
        }));
    c.defs.push_back(Agg(p + "deposits", entity, "count_value", "type").Value("DEPOSIT"));
    c.defs.push_back(Agg(p + "cn_count_cur", entity, "count")
                         .Current()
                         .Filter("country == CN",
                                 [](const Event& e) { return ref::Is(e, tx::kCountry, "CN"); }));
    c.defs.push_back(Agg(p + "lat_mean", entity, "mean", "lat"));
    c.defs.push_back(Agg(p + "sum_cur", entity, "sum", "amount").Current());
    c.defs.push_back(Agg(p + "min_cur", entity, "min", "amount").Current());
  }
  return c;
}

Case DerivedCase() {
  Case c{.name = "derived", .lateness = "10m"};
  c.defs.push_back(Agg("mean_30d", "customer_id", "mean", "amount").Window("30d"));
  c.defs.push_back(Agg("std_30d", "customer_id", "stddev", "amount").Window("30d"));
  c.defs.push_back(Agg("count_1h", "customer_id", "count").Window("1h"));
  c.defs.push_back(Agg("count_24h", "customer_id", "count").Window("24h"));
  c.defs.push_back(Agg("hour_mean_90d", "customer_id", "mean", "hour").Window("90d"));
  c.defs.push_back(Agg("max_90d", "customer_id", "max", "amount").Window("90d"));
  c.defs.push_back(Agg("device_count_90d", "customer_id+device_id", "count").Window("90d"));
  using L = ref::FeatureLookup;
  auto amount = [](const Event& e) { return Num(e, tx::kAmount); };
  c.defs.push_back(Expr("to_mean", "amount / mean_30d", [=](const Event& e, const L& f) {
    return ref::Div(amount(e), f("mean_30d"));
  }));
  c.defs.push_back(Expr("zscore", "(amount - mean_30d) / std_30d", [=](const Event& e, const L& f) {
    return ref::Div(amount(e) - f("mean_30d"), f("std_30d"));
  }));
  c.defs.push_back(
      Expr("mean_or_amount", "coalesce(mean_30d, amount)",
           [=](const Event& e, const L& f) { return ref::Coalesce(f("mean_30d"), amount(e)); }));
  c.defs.push_back(Expr("velocity", "count_1h / (count_24h / 24)", [](const Event&, const L& f) {
    return ref::Div(f("count_1h"), ref::Div(f("count_24h"), 24));
  }));
  c.defs.push_back(Expr("new_device", "device_count_90d == 0", [](const Event&, const L& f) {
    return ref::Cmp(f("device_count_90d"), Op::kEq, 0);
  }));
  c.defs.push_back(Expr("hour_offset", "abs(hour - hour_mean_90d)", [](const Event& e, const L& f) {
    return std::fabs(Num(e, ref::kHourOfDay) - f("hour_mean_90d"));
  }));
  c.defs.push_back(Expr("log_amount", "log1p(amount / 100)", [=](const Event& e, const L&) {
    return ref::Log1pD(ref::Div(amount(e), 100));
  }));
  c.defs.push_back(Expr("log_to_mean", "log(to_mean)",
                        [](const Event&, const L& f) { return ref::LogD(f("to_mean")); }));
  c.defs.push_back(Expr("root", "sqrt(count_24h * amount - 50)", [=](const Event& e, const L& f) {
    return ref::SqrtD(f("count_24h") * amount(e) - 50);
  }));
  c.defs.push_back(Expr("lo", "min(amount, max_90d)", [=](const Event& e, const L& f) {
    return ref::MinD(amount(e), f("max_90d"));
  }));
  c.defs.push_back(Expr("hi", "max(amount, max_90d) - 1", [=](const Event& e, const L& f) {
    return ref::MaxD(amount(e), f("max_90d")) - 1;
  }));
  c.defs.push_back(
      Expr("flag", "amount > max_90d and count_1h < 5", [=](const Event& e, const L& f) {
        return ref::AndD(ref::Cmp(amount(e), Op::kGt, f("max_90d")),
                         ref::Cmp(f("count_1h"), Op::kLt, 5));
      }));
  c.defs.push_back(
      Expr("either", "not (count_1h == 0) or channel == ONLINE", [](const Event& e, const L& f) {
        return ref::OrD(ref::NotD(ref::Cmp(f("count_1h"), Op::kEq, 0)),
                        TriD(Channel(e, tx_channel::kOnline)));
      }));
  c.defs.push_back(Expr("neg", "-amount + mcc * 2", [=](const Event& e, const L&) {
    return -amount(e) + Num(e, tx::kMcc) * 2;
  }));
  c.defs.push_back(Expr(
      "under_limit",
      "(amount >= 88000 and amount < 100000) or (amount >= 4400000 and "
      "amount < 5000000)",
      [=](const Event& e, const L&) {
        double a = amount(e);
        return ref::OrD(ref::AndD(ref::Cmp(a, Op::kGe, 88000), ref::Cmp(a, Op::kLt, 100000)),
                        ref::AndD(ref::Cmp(a, Op::kGe, 4400000), ref::Cmp(a, Op::kLt, 5000000)));
      }));
  c.defs.push_back(Expr(
      "cmp_chain", "velocity >= 1 and zscore != 0 or new_device", [](const Event&, const L& f) {
        return ref::OrD(
            ref::AndD(ref::Cmp(f("velocity"), Op::kGe, 1), ref::Cmp(f("zscore"), Op::kNe, 0)),
            f("new_device"));
      }));
  return c;
}

// A spec over several families and keyspaces, for the eviction and checkpoint tests.
Case Mixed() {
  Case c{.name = "mixed", .lateness = "10m", .exact_limit = 40, .hll_precision = 10};
  for (Case part : {Sums(), Recency(), Combined(), DerivedCase()}) {
    for (Def& d : part.defs) c.defs.push_back(std::move(d));
  }
  std::vector<Def> distinct = DistinctDefs();
  for (size_t i = 0; i < distinct.size(); i += 3) c.defs.push_back(std::move(distinct[i]));
  Case ratios = Ratios();
  for (Def& d : ratios.defs) c.defs.push_back(std::move(d));
  return c;
}

// ---------------------------------------------------------------------------------------------
// Running and comparing.

struct EngineRun {
  size_t width = 0;
  std::vector<StatusCode> codes;  // per stream event
  std::vector<double> values;     // width per event; NaN rows for events of other kinds
  const double* row(size_t i) const { return values.data() + i * width; }
};

// Feeds events [from, to) with seq = index + 1 into `run` (sized for the whole stream).
void Feed(FeatureEngine& engine, const std::vector<Event>& events, size_t from, size_t to,
          EngineRun* run) {
  if (run->width == 0) {
    run->width = engine.width();
    run->codes.assign(events.size(), StatusCode::kInternal);
    run->values.assign(events.size() * run->width, ref::kNaN);
  }
  for (size_t i = from; i < to; ++i) {
    std::span<double> out(run->values.data() + i * run->width, run->width);
    std::fill(out.begin(), out.end(), ref::kNaN);
    Status status = engine.Update(events[i], i + 1, out);
    run->codes[i] = status.code();
  }
}

struct RefRun {
  std::vector<ref::RefResult> results;
};

RefRun RunReference(const ref::RefSpec& spec, const std::vector<Event>& events,
                    ref::Reference** keep = nullptr) {
  static std::vector<std::unique_ptr<ref::Reference>> kept;
  auto reference = std::make_unique<ref::Reference>(spec);
  RefRun run;
  run.results.reserve(events.size());
  for (const Event& e : events) run.results.push_back(reference->Update(e));
  if (keep != nullptr) {
    *keep = reference.get();
    kept.push_back(std::move(reference));
  }
  return run;
}

enum class Tolerance : uint8_t { kExact, kRelative };

Tolerance ToleranceOf(const ref::RefFeature& f) {
  const bool scaled = f.field == tx::kLat || f.field == tx::kLon;
  switch (f.agg) {
    case RefAgg::kCount:
    case RefAgg::kCountValue:
    case RefAgg::kDistinct:
      return Tolerance::kExact;
    case RefAgg::kSum:
    case RefAgg::kMin:
    case RefAgg::kMax:
    case RefAgg::kLast:
      return scaled ? Tolerance::kRelative : Tolerance::kExact;
    default:
      return Tolerance::kRelative;
  }
}

bool Close(double engine, double expected, Tolerance tolerance) {
  if (std::isnan(engine) || std::isnan(expected)) return std::isnan(engine) && std::isnan(expected);
  if (tolerance == Tolerance::kExact) return engine == expected;
  const double diff = std::fabs(engine - expected);
  return diff <= 1e-9 * std::max(std::fabs(engine), std::fabs(expected)) || diff <= 1e-12;
}

// An estimate of `expected` distinct values with 2^precision registers: within four
// standard errors (1.04 / sqrt(m)), and half a value for rounding at small counts.
bool WithinEstimate(double engine, double expected, int precision) {
  const double sigma = 1.04 / std::sqrt(std::ldexp(1.0, precision));
  return std::fabs(engine - expected) <= 4 * sigma * expected + 0.5;
}

std::string Describe(const Event& e) { return e.DebugString(); }

// Compares every value of `run` with the reference; returns the number of mismatches and
// reports the first few.
size_t CompareWithReference(const Case& c, const std::vector<Event>& events, const RefRun& expected,
                            const EngineRun& run, size_t from = 0) {
  const ref::RefSpec spec = c.Reference();
  size_t mismatches = 0;
  std::map<std::string, size_t> per_feature;
  auto report = [&](size_t i, const std::string& what) {
    ++mismatches;
    if (mismatches <= 12) {
      ADD_FAILURE() << c.name << ": event #" << i << " (seq " << i + 1 << "): " << what << "\n  "
                    << Describe(events[i]);
    }
  };
  for (size_t i = from; i < events.size(); ++i) {
    const ref::RefResult& want = expected.results[i];
    const StatusCode code = run.codes[i];
    switch (want.outcome) {
      case ref::RefResult::Outcome::kNotTransaction:
        if (code != StatusCode::kOk) report(i, "a label event was not accepted");
        continue;
      case ref::RefResult::Outcome::kRejected:
        if (code != StatusCode::kOutOfRange) {
          report(i, "older than the watermark but not rejected with OutOfRange (code " +
                        std::string(StatusCodeName(code)) + ")");
        }
        for (size_t f = 0; f < run.width; ++f) {
          if (!std::isnan(run.row(i)[f])) {
            report(i, "a rejected event has a value for " + spec.features[f].name);
            break;
          }
        }
        continue;
      case ref::RefResult::Outcome::kApplied:
        if (code != StatusCode::kOk) {
          report(i, "applicable event refused with " + std::string(StatusCodeName(code)));
          continue;
        }
        break;
    }
    for (size_t f = 0; f < run.width; ++f) {
      const double got = run.row(i)[f];
      const double exp = want.values[f];
      bool ok = false;
      if (want.estimated[f]) {
        ok = !std::isnan(got) && WithinEstimate(got, exp, c.hll_precision);
      } else {
        ok = Close(got, exp, ToleranceOf(spec.features[f]));
      }
      if (!ok) {
        ++per_feature[spec.features[f].name];
        char text[200];
        std::snprintf(text, sizeof text, "%s: engine %.17g, reference %.17g%s%s",
                      spec.features[f].name.c_str(), got, exp,
                      want.estimated[f] ? " (estimate allowed)" : "", want.late ? " [late]" : "");
        report(i, text);
      }
    }
  }
  if (!per_feature.empty()) {
    std::string summary;
    for (const auto& [name, n] : per_feature) summary += " " + name + "=" + std::to_string(n);
    ADD_FAILURE() << c.name << ": mismatching values per feature:" << summary;
  }
  return mismatches;
}

// True when the doubles are identical bit for bit (NaN payloads and signed zeros included).
bool SameBits(const double* a, const double* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (std::bit_cast<uint64_t>(a[i]) != std::bit_cast<uint64_t>(b[i])) return false;
  }
  return true;
}

// The first event (from `from`) whose values differ in any bit, or SIZE_MAX.
size_t FirstBitDifference(const EngineRun& a, const EngineRun& b, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    if (a.codes[i] != b.codes[i]) return i;
    if (!SameBits(a.row(i), b.row(i), a.width)) return i;
  }
  return SIZE_MAX;
}

std::string DiffText(const EngineRun& a, const EngineRun& b, size_t i, const FeatureSpec& spec) {
  std::string out = "event #" + std::to_string(i) + ":";
  if (a.codes[i] != b.codes[i]) out += " status differs;";
  for (size_t f = 0; f < a.width; ++f) {
    if (!SameBits(a.row(i) + f, b.row(i) + f, 1)) {
      char text[160];
      std::snprintf(text, sizeof text, " %s %.17g vs %.17g;", spec.features[f].name.c_str(),
                    a.row(i)[f], b.row(i)[f]);
      out += text;
    }
  }
  return out;
}

FeatureSpec Parse(const Case& c) {
  auto spec = ParseFeatureSpec(c.Yaml(), c.name + ".yaml");
  EXPECT_TRUE(spec.ok()) << spec.status().ToString() << "\n" << c.Yaml();
  if (!spec.ok()) return FeatureSpec{};
  EXPECT_EQ(spec->features.size(), c.defs.size());
  for (size_t i = 0; i < std::min(spec->features.size(), c.defs.size()); ++i) {
    EXPECT_EQ(spec->features[i].name, c.defs[i].name);
  }
  return std::move(spec).value();
}

// The text of an entity field's value, as `features show` takes it.
std::string KeyText(const Event& e, int field) {
  const FieldSpec& spec = SchemaFor(EventKind::kTransaction).fields[static_cast<size_t>(field)];
  switch (spec.type) {
    case FieldType::kEnum:
      return std::string(spec.values[static_cast<size_t>(e.num(field))]);
    case FieldType::kCurrency:
      return Currency::FromPacked(static_cast<uint16_t>(e.num(field)))->Code();
    case FieldType::kInt:
      return std::to_string(e.num(field));
    default:
      return std::string(e.str(field));
  }
}

// EntityFeatures of the entities of the last `samples` transactions of each keyspace equal the
// reference's (every applied event counting).
void CheckEntityFeatures(const Case& c, const FeatureSpec& spec, FeatureEngine& engine,
                         const ref::Reference& reference, const std::vector<Event>& events,
                         size_t samples) {
  const ref::RefSpec rspec = c.Reference();
  std::vector<double> out(engine.width());
  size_t checked = 0;
  for (size_t k = 0; k < spec.keyspaces.size(); ++k) {
    const std::vector<int>& fields = spec.keyspaces[k].fields;
    std::vector<std::vector<std::string>> seen;
    for (size_t i = events.size(); i-- > 0 && seen.size() < samples;) {
      const Event& e = events[i];
      if (e.kind() != EventKind::kTransaction) continue;
      if (!std::all_of(fields.begin(), fields.end(), [&](int f) { return e.has(f); })) continue;
      std::vector<std::string> key;
      key.reserve(fields.size());
      for (int f : fields) key.push_back(KeyText(e, f));
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      seen.push_back(key);
      std::optional<std::vector<double>> want = reference.EntityFeatures(fields, key);
      std::vector<std::string_view> views(key.begin(), key.end());
      Status status = engine.EntityFeatures(static_cast<int>(k), views, out);
      if (!want) {
        EXPECT_EQ(status.code(), StatusCode::kNotFound) << spec.keyspaces[k].name << " " << key[0];
        continue;
      }
      ASSERT_TRUE(status.ok()) << status.ToString();
      ++checked;
      for (size_t f = 0; f < out.size(); ++f) {
        if (spec.features[f].keyspace != static_cast<int>(k)) {
          EXPECT_TRUE(std::isnan(out[f])) << spec.features[f].name;
          continue;
        }
        const bool estimated = rspec.features[f].agg == RefAgg::kDistinct && (*want)[f] > 0 &&
                               c.exact_limit < 1'000'000;
        bool ok = Close(out[f], (*want)[f], ToleranceOf(rspec.features[f])) ||
                  (estimated && WithinEstimate(out[f], (*want)[f], c.hll_precision));
        EXPECT_TRUE(ok) << c.name << ": EntityFeatures " << spec.keyspaces[k].name << "=" << key[0]
                        << " " << spec.features[f].name << ": engine " << out[f] << ", reference "
                        << (*want)[f];
      }
    }
  }
  EXPECT_GT(checked, 0U);
  std::vector<std::string_view> unknown(spec.keyspaces[0].fields.size(), "no-such-entity");
  if (spec.keyspaces[0].fields.size() == 1 &&
      StorageOf(SchemaFor(EventKind::kTransaction)
                    .fields[static_cast<size_t>(spec.keyspaces[0].fields[0])]
                    .type) == StorageClass::kString) {
    EXPECT_EQ(engine.EntityFeatures(0, unknown, out).code(), StatusCode::kNotFound);
  }
}

// ---------------------------------------------------------------------------------------------
// One test per family: the in-memory engine against the reference, event by event.

struct Family {
  const char* name;
  Case (*make)();
};

class EngineMatchesReference : public ::testing::TestWithParam<Family> {};

TEST_P(EngineMatchesReference, EveryFeatureOfEveryEvent) {
  const Case c = GetParam().make();
  const std::vector<Event>& events = Stream();
  const FeatureSpec spec = Parse(c);
  ASSERT_FALSE(spec.features.empty());
  auto engine = FeatureEngine::Open(spec);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  ref::Reference* reference = nullptr;
  const RefRun expected = RunReference(c.Reference(), events, &reference);
  EngineRun run;
  Feed(**engine, events, 0, events.size(), &run);
  EXPECT_EQ(CompareWithReference(c, events, expected, run), 0U);

  uint64_t applied = 0, rejected = 0, late = 0;
  for (const ref::RefResult& r : expected.results) {
    applied += r.outcome == ref::RefResult::Outcome::kApplied ? 1 : 0;
    rejected += r.outcome == ref::RefResult::Outcome::kRejected ? 1 : 0;
    late += r.late ? 1 : 0;
  }
  const EngineCounters counters = (*engine)->counters();
  EXPECT_EQ(counters.applied, applied);
  EXPECT_EQ(counters.rejected_late, rejected);
  EXPECT_EQ(counters.late_applied, late);
  EXPECT_GT(rejected, 50U);  // the stream does exercise the watermark
  EXPECT_GT(late, 500U);
  EXPECT_EQ((*engine)->last_seq(), events.size());
  EXPECT_EQ((*engine)->max_ts(), reference->max_ts());

  CheckEntityFeatures(c, spec, **engine, *reference, events, 25);
}

INSTANTIATE_TEST_SUITE_P(
    Families, EngineMatchesReference,
    ::testing::Values(Family{"counts", Counts}, Family{"sums", Sums}, Family{"extremes", Extremes},
                      Family{"recency", Recency}, Family{"distinct", Distinct},
                      Family{"distinct_small", DistinctSmallLimit}, Family{"ratios", Ratios},
                      Family{"combined", Combined}, Family{"lifetimes", Lifetimes},
                      Family{"derived", DerivedCase}),
    [](const ::testing::TestParamInfo<Family>& family) { return std::string(family.param.name); });

// The stream itself: it holds what the properties are about.
TEST(EngineStream, ExercisesLatenessTiesAndWindowEdges) {
  StreamStats stats;
  auto events = MakeStream(20261001, 20'000, &stats);
  EXPECT_GT(stats.late_within, 1000U);
  EXPECT_GT(stats.late_beyond, 100U);
  EXPECT_GT(stats.ties, 200U);
  EXPECT_GT(stats.edges, 300U);
  EXPECT_GT(stats.labels, 50U);
  std::map<std::string, size_t> per_customer;
  for (const Event& e : events) {
    if (e.kind() == EventKind::kTransaction) ++per_customer[std::string(e.str(tx::kCustomerId))];
  }
  EXPECT_GE(per_customer.size(), 300U);
  size_t hot = 0;
  for (const auto& [id, n] : per_customer) hot += n >= 1000 ? 1 : 0;
  EXPECT_GE(hot, 4U);
}

// ---------------------------------------------------------------------------------------------
// State store: eviction and checkpoints.

class TempDir {
 public:
  explicit TempDir(const std::string& prefix) : path_(panorama::testing::MakeTempDir(prefix)) {}
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The mixed spec run once in memory and through the reference, shared by the tests below.
struct MixedBaseline {
  Case c = Mixed();
  FeatureSpec spec;
  RefRun expected;
  ref::Reference* reference = nullptr;  // after the whole stream
  EngineRun in_memory;
};

const MixedBaseline& Baseline() {
  static const MixedBaseline* baseline = [] {
    auto* b = new MixedBaseline;
    b->spec = Parse(b->c);
    b->expected = RunReference(b->c.Reference(), Stream(), &b->reference);
    auto engine = FeatureEngine::Open(b->spec);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    if (engine.ok()) Feed(**engine, Stream(), 0, Stream().size(), &b->in_memory);
    return b;
  }();
  return *baseline;
}

TEST(EngineMixedSpec, MatchesReference) {
  const MixedBaseline& b = Baseline();
  ASSERT_FALSE(b.spec.features.empty());
  ASSERT_EQ(b.in_memory.width, b.spec.features.size());
  EXPECT_EQ(CompareWithReference(b.c, Stream(), b.expected, b.in_memory), 0U);
}

// Feeds the whole stream through UpdateBatch() in batches of seeded random sizes (1 to 300);
// values and statuses must equal those of Update() one event at a time, bit for bit.
void CheckBatches(uint64_t budget, uint64_t seed) {
  const MixedBaseline& b = Baseline();
  const std::vector<Event>& events = Stream();
  TempDir dir("features-batch");
  EngineOptions options;
  if (budget > 0) {
    options.state_dir = dir.path() + "/state";
    options.memory_budget_bytes = budget;
  }
  auto engine = FeatureEngine::Open(b.spec, options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  const size_t width = (*engine)->width();
  EngineRun run;
  run.width = width;
  run.codes.assign(events.size(), StatusCode::kInternal);
  run.values.assign(events.size() * width, ref::kNaN);
  std::vector<uint64_t> seqs;
  std::vector<Status> statuses;
  std::mt19937_64 rng(seed);
  size_t batches = 0;
  for (size_t first = 0; first < events.size(); ++batches) {
    const size_t n = std::min<size_t>(events.size() - first, 1 + rng() % 300);
    seqs.resize(n);
    statuses.assign(n, Status::Internal("not set"));
    for (size_t j = 0; j < n; ++j) seqs[j] = first + j + 1;
    Status status =
        (*engine)->UpdateBatch(std::span(events).subspan(first, n), seqs,
                               std::span(run.values).subspan(first * width, n * width), statuses);
    ASSERT_TRUE(status.ok()) << status.ToString();
    for (size_t j = 0; j < n; ++j) run.codes[first + j] = statuses[j].code();
    first += n;
  }
  EXPECT_GT(batches, 10U);
  if (budget > 0) {
    EXPECT_GT((*engine)->counters().evictions, 0U);
  }
  const size_t diff = FirstBitDifference(b.in_memory, run, 0, events.size());
  EXPECT_EQ(diff, SIZE_MAX) << DiffText(b.in_memory, run, diff, b.spec);
}

TEST(EngineBatch, UpdateBatchEqualsUpdateOneByOne) { CheckBatches(0, 11); }

TEST(EngineBatch, UpdateBatchUnderSmallBudgetEqualsUpdateOneByOne) { CheckBatches(4 << 20, 12); }

// Runs events [0, count) of the stream through the mixed spec with a state store under
// `budget` bytes; the values must equal the in-memory run's bit for bit, and the reference's.
void CheckEviction(uint64_t budget, size_t count, uint64_t min_reloads) {
  const MixedBaseline& b = Baseline();
  ASSERT_EQ(b.in_memory.width, b.spec.features.size());
  TempDir dir("features-evict");
  EngineOptions options;
  options.state_dir = dir.path() + "/state";
  options.memory_budget_bytes = budget;
  auto engine = FeatureEngine::Open(b.spec, options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  EngineRun run;
  Feed(**engine, Stream(), 0, count, &run);
  const EngineCounters counters = (*engine)->counters();
  EXPECT_GT(counters.evictions, min_reloads);
  EXPECT_GT(counters.reloads, min_reloads);
  EXPECT_GT(counters.checkpoints, 0U);
  std::printf("budget %llu: %llu evictions, %llu reloads, %llu checkpoints over %zu events\n",
              static_cast<unsigned long long>(budget),
              static_cast<unsigned long long>(counters.evictions),
              static_cast<unsigned long long>(counters.reloads),
              static_cast<unsigned long long>(counters.checkpoints), count);
  const size_t diff = FirstBitDifference(b.in_memory, run, 0, count);
  EXPECT_EQ(diff, SIZE_MAX) << DiffText(b.in_memory, run, diff, b.spec);
  if (count == Stream().size()) {
    EXPECT_EQ(CompareWithReference(b.c, Stream(), b.expected, run), 0U);
    // EntityFeatures reloads evicted entities with the same values.
    CheckEntityFeatures(b.c, b.spec, **engine, *b.reference, Stream(), 10);
  }
}

// A budget far below the working set: nearly every update checkpoints (a synced write) and
// evicts, so only a prefix of the stream is run.
TEST(EngineEviction, TinyBudgetGivesBitIdenticalValues) { CheckEviction(64 << 10, 1200, 500); }

// A budget of a fraction of the working set over the whole stream: entities are evicted and
// reloaded several times per event on average.
TEST(EngineEviction, SmallBudgetGivesBitIdenticalValues) {
  CheckEviction(2 << 20, Stream().size(), 20'000);
}

// Runs the mixed spec with a checkpoint after `checkpoint_at` events, loses the events after
// it up to `crash_at` (the engine is destroyed without another checkpoint), reopens the state
// and replays from restored().seq + 1, with `overlap` events before it offered again.
void CheckRestore(uint64_t budget, size_t checkpoint_at, size_t crash_at, size_t overlap) {
  const MixedBaseline& b = Baseline();
  ASSERT_EQ(b.in_memory.width, b.spec.features.size());
  const std::vector<Event>& events = Stream();
  TempDir dir("features-restore");
  EngineOptions options;
  options.state_dir = dir.path() + "/state";
  options.memory_budget_bytes = budget;
  EngineRun run;
  uint64_t checkpoint_seq = 0;
  Timestamp checkpoint_max_ts = 0;
  {
    auto engine = FeatureEngine::Open(b.spec, options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    EXPECT_EQ((*engine)->restored().seq, 0U);
    Feed(**engine, events, 0, checkpoint_at, &run);
    ASSERT_TRUE((*engine)->Checkpoint(4242).ok());
    checkpoint_seq = (*engine)->last_seq();
    checkpoint_max_ts = (*engine)->max_ts();
    EXPECT_EQ(checkpoint_seq, checkpoint_at);
    Feed(**engine, events, checkpoint_at, crash_at, &run);
  }
  auto engine = FeatureEngine::Open(b.spec, options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  const CheckpointInfo restored = (*engine)->restored();
  if (budget >= (1ULL << 30)) {
    // Nothing but the explicit checkpoint was written.
    EXPECT_EQ(restored.seq, checkpoint_seq);
    EXPECT_EQ(restored.max_ts, checkpoint_max_ts);
    EXPECT_EQ(restored.output_offset, 4242U);
  } else {
    // Evictions checkpoint too: at least the explicit one, at most what was fed.
    EXPECT_GE(restored.seq, checkpoint_seq);
    EXPECT_LE(restored.seq, crash_at);
  }
  EXPECT_EQ((*engine)->last_seq(), restored.seq);
  ASSERT_GE(restored.seq, overlap);

  // Records the state already holds are skipped and leave `out` untouched.
  std::vector<double> out(b.spec.features.size(), 12345.0);
  for (size_t i = restored.seq - overlap; i < restored.seq; ++i) {
    bool skipped = false;
    Status status = (*engine)->Update(events[i], i + 1, out, &skipped);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_TRUE(skipped) << "seq " << i + 1;
    ASSERT_TRUE(std::all_of(out.begin(), out.end(), [](double v) { return v == 12345.0; }));
  }
  EXPECT_EQ((*engine)->last_seq(), restored.seq);
  Feed(**engine, events, restored.seq, events.size(), &run);
  const size_t diff = FirstBitDifference(b.in_memory, run, 0, events.size());
  EXPECT_EQ(diff, SIZE_MAX) << DiffText(b.in_memory, run, diff, b.spec);
  EXPECT_EQ((*engine)->last_seq(), events.size());
}

TEST(EngineCheckpoint, RestoreAndReplayEqualsUninterruptedRun) {
  CheckRestore(1ULL << 30, Stream().size() / 2, Stream().size() / 2 + 1500, 300);
}

TEST(EngineCheckpoint, RestoreUnderSmallBudgetEqualsUninterruptedRun) {
  CheckRestore(2 << 20, Stream().size() / 3, Stream().size() / 3 + 2500, 200);
}

TEST(EngineCheckpoint, StateOfAnotherSpecIsRefused) {
  const MixedBaseline& b = Baseline();
  TempDir dir("features-fingerprint");
  EngineOptions options;
  options.state_dir = dir.path() + "/state";
  {
    auto engine = FeatureEngine::Open(b.spec, options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    EngineRun run;
    Feed(**engine, Stream(), 0, 2000, &run);
    ASSERT_TRUE((*engine)->Checkpoint().ok());
  }
  auto reopen = [&](const std::string& yaml) {
    auto spec = ParseFeatureSpec(yaml, "changed.yaml");
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    return FeatureEngine::Open(std::move(spec).value(), options).status();
  };
  const std::string yaml = b.c.Yaml();
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string out = yaml;
    size_t at = out.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) out.replace(at, from.size(), to);
    return out;
  };
  EXPECT_EQ(reopen(replace("allowed_lateness: 10m", "version: 2\nallowed_lateness: 10m")).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(reopen(replace("window: 24h", "window: 25h")).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(reopen(replace("allowed_lateness: 10m", "allowed_lateness: 11m")).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(reopen(replace("type != TRANSFER", "type != DEPOSIT")).code(),
            StatusCode::kFailedPrecondition);
  // A description or a comment changes no value: the state is still this spec's.
  EXPECT_TRUE(
      reopen(replace("features:\n", "description: the same spec\nfeatures:  # same\n")).ok());
  // The refusals changed nothing: the original spec resumes where it stopped.
  auto engine = FeatureEngine::Open(b.spec, options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  EXPECT_EQ((*engine)->restored().seq, 2000U);
}

// ---------------------------------------------------------------------------------------------
// Late events and ties, minimal and explicit.

Event Tx(uint64_t serial, Timestamp ts, std::string_view customer, int64_t amount) {
  Event e;
  e.set_str(tx::kTxId, Id('T', serial));
  e.set_num(tx::kTs, ts);
  e.set_str(tx::kCustomerId, customer);
  e.set_num(tx::kChannel, tx_channel::kPos);
  e.set_num(tx::kType, tx_type::kPurchase);
  e.set_num(tx::kAmount, amount);
  return e;
}

TEST(EngineLateEvents, WatermarkBoundaryAndRejectionChangeNothing) {
  auto spec = ParseFeatureSpec(
      "name: late\nallowed_lateness: 5m\nfeatures:\n"
      "  - name: n\n    entity: customer_id\n    agg: count\n    window: 1h\n"
      "  - name: s\n    entity: customer_id\n    agg: sum\n    field: amount\n",
      "late.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto engine = FeatureEngine::Open(*spec);
  ASSERT_TRUE(engine.ok());
  std::vector<double> out(2);
  const Timestamp t0 = kStart;
  ASSERT_TRUE((*engine)->Update(Tx(1, t0, "C1", 100), 1, out).ok());
  ASSERT_TRUE((*engine)->Update(Tx(2, t0 + 10 * kMinute, "C1", 200), 2, out).ok());
  // Exactly at the watermark (newest - 5m): applied, and sees only x.ts < its ts.
  ASSERT_TRUE((*engine)->Update(Tx(3, t0 + 5 * kMinute, "C1", 400), 3, out).ok());
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[1], 100);
  // One microsecond older than the watermark: OutOfRange, all missing, nothing applied.
  Status late = (*engine)->Update(Tx(4, t0 + 5 * kMinute - 1, "C1", 800), 4, out);
  EXPECT_EQ(late.code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(std::isnan(out[0]) && std::isnan(out[1]));
  EXPECT_EQ((*engine)->last_seq(), 4U);
  ASSERT_TRUE((*engine)->Update(Tx(5, t0 + 11 * kMinute, "C1", 1), 5, out).ok());
  EXPECT_EQ(out[0], 3);
  EXPECT_EQ(out[1], 700);
  // Ties: an event at the same microsecond as earlier ones does not see them.
  ASSERT_TRUE((*engine)->Update(Tx(6, t0 + 11 * kMinute, "C1", 2), 6, out).ok());
  EXPECT_EQ(out[0], 3);
  EXPECT_EQ(out[1], 700);
  EXPECT_EQ((*engine)->counters().rejected_late, 1U);
  EXPECT_EQ((*engine)->counters().late_applied, 1U);
}

// ---------------------------------------------------------------------------------------------
// HyperLogLog: estimates over windows of 1,000 to 100,000 distinct values.

class DistinctEstimate : public ::testing::TestWithParam<int> {};

TEST_P(DistinctEstimate, ErrorWithinTheDocumentedBound) {
  const int p = GetParam();
  const double sigma = 1.04 / std::sqrt(std::ldexp(1.0, p));
  auto spec =
      ParseFeatureSpec("name: hll\ndistinct_exact_limit: 16\nhll_precision: " + std::to_string(p) +
                           "\nfeatures:\n"
                           "  - name: cards_1h\n    entity: merchant_id\n"
                           "    agg: distinct_count\n    field: card_id\n    window: 1h\n",
                       "hll.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto engine = FeatureEngine::Open(*spec);
  ASSERT_TRUE(engine.ok());
  Rng rng(static_cast<uint64_t>(p) * 7919);
  Event e;
  std::vector<double> out(1);
  uint64_t seq = 0;
  uint64_t serial = 0;
  // Each trial fills the window with `n` events at one microsecond (ties read only what is
  // before them, so filling costs no scan) and reads it with one event 1 µs later.
  auto trial = [&](size_t index, uint64_t distinct, uint64_t n) -> double {
    const Timestamp ts = kStart + static_cast<Timestamp>(index) * 3 * kHourUs;
    auto card = [&](uint64_t v) {
      return "K" + std::to_string(p) + "-" + std::to_string(index) + "-" + std::to_string(v);
    };
    for (uint64_t i = 0; i < n; ++i) {
      e.Reset(EventKind::kTransaction);
      e.set_str(tx::kTxId, Id('T', serial++));
      e.set_num(tx::kTs, ts);
      e.set_str(tx::kCustomerId, "C1");
      e.set_str(tx::kMerchantId, "M1");
      e.set_str(tx::kCardId, card(i < distinct ? i : rng.Below(distinct)));
      e.set_num(tx::kChannel, 0);
      e.set_num(tx::kType, 0);
      EXPECT_TRUE((*engine)->Update(e, ++seq, out).ok());
    }
    e.set_str(tx::kTxId, Id('T', serial++));
    e.set_num(tx::kTs, ts + 1);
    e.set_str(tx::kCardId, card(0));
    EXPECT_TRUE((*engine)->Update(e, ++seq, out).ok());
    return out[0];
  };

  // At the exact limit the count is exact; above it, an estimate.
  EXPECT_EQ(trial(0, 7, 16), 7);
  EXPECT_EQ(trial(1, 16, 16), 16);
  double small = trial(2, 17, 17);
  EXPECT_NEAR(small, 17, 1);

  double sum_abs = 0, sum_signed = 0;
  int trials = 0;
  const int kTrials = 40;
  for (int k = 0; k < kTrials; ++k) {
    // Distinct counts spread log-uniformly over [1,000, 100,000]; every fourth window also
    // repeats values (half again as many events as distinct values).
    const auto distinct =
        static_cast<uint64_t>(std::llround(1000.0 * std::pow(100.0, k / (kTrials - 1.0))));
    const uint64_t n = k % 4 == 3 ? distinct + distinct / 2 : distinct;
    const double estimate = trial(static_cast<size_t>(k) + 3, distinct, n);
    const double error = (estimate - static_cast<double>(distinct)) / static_cast<double>(distinct);
    EXPECT_LE(std::fabs(error), 4 * sigma)
        << "p=" << p << ": " << distinct << " distinct values estimated as " << estimate;
    sum_abs += std::fabs(error);
    sum_signed += error;
    ++trials;
  }
  const double mean_abs = sum_abs / trials;
  const double bias = sum_signed / trials;
  EXPECT_LE(mean_abs, 1.5 * sigma) << "p=" << p << ": mean relative error " << mean_abs;
  EXPECT_LE(std::fabs(bias), 1.5 * sigma) << "p=" << p << ": mean signed error " << bias;
  std::printf("hll p=%d: mean |relative error| %.4f, bias %+.4f, sigma %.4f over %d windows\n", p,
              mean_abs, bias, sigma, trials);
}

INSTANTIATE_TEST_SUITE_P(Precisions, DistinctEstimate, ::testing::Values(10, 12, 14));

}  // namespace
}  // namespace panorama::features
