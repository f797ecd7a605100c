// The compiled rule evaluator against a straightforward recursive reference interpreter, over
// random well-typed conditions (seeded) and random transactions: every condition's value
// (EvaluateCondition) must equal the reference's, NaN for missing included, and Evaluate()
// must fire exactly the enabled rules whose reference value is true.
//
// The generator builds each condition twice: as text for the compiler, and as a closure over
// the reference semantics of docs/rules.md (three-valued logic, missing values, division by
// zero, lower(), lists ...), written here without the compiler's code.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/money.h"
#include "core/schema.h"
#include "core/time.h"
#include "decide/list_snapshot.h"
#include "decide/rules.h"
#include "features/feature_spec.h"

namespace panorama::decide {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr Timestamp kBase = 1'790'812'800LL * kMicrosPerSecond;

features::FeatureSpec LoadFraudSpec() {
  auto spec =
      features::LoadFeatureSpec(std::string(PANORAMA_SOURCE_DIR) + "/examples/features/fraud.yaml");
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return spec.ok() ? std::move(spec).value() : features::FeatureSpec{};
}

// What the reference reads.
struct Context {
  const Event* event;
  const std::vector<double>* features;
  double model;
  const ListSnapshot* lists;
};

// A three-valued boolean, a number (NaN = missing) or a string (nullopt = missing).
using Bool3 = std::optional<bool>;
using Str = std::optional<std::string>;

struct NumExpr {
  std::string text;
  std::function<double(const Context&)> eval;
  bool constant = false;
};
struct BoolExpr {
  std::string text;
  std::function<Bool3(const Context&)> eval;
};
struct StrExpr {
  std::string text;
  std::function<Str(const Context&)> eval;
  bool literal = false;  // a string literal (compared with a country, it must be a code)
  bool country = false;  // the value is the country field's
  std::string value;     // a literal's value
};
struct EnumExpr {
  std::string text;
  std::function<std::optional<int>(const Context&)> eval;
  int field;
};

std::string Number(double v) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, end);
}

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Lowered(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

double HourOf(double ts) {
  if (std::isnan(ts) || std::fabs(ts) > 9e18) return kNaN;
  const int64_t t = static_cast<int64_t>(std::floor(ts));
  const int64_t hour = 3'600 * kMicrosPerSecond;
  const int64_t in_day = ((t % (24 * hour)) + 24 * hour) % (24 * hour);
  return static_cast<double>(in_day / hour);
}
double DayOfWeekOf(double ts) {
  if (std::isnan(ts) || std::fabs(ts) > 9e18) return kNaN;
  const int64_t t = static_cast<int64_t>(std::floor(ts));
  const int64_t week = 7 * kMicrosPerDay;
  const int64_t in_week = ((t % week) + week) % week;  // 0 = Thursday 1970-01-01
  return static_cast<double>((in_week / kMicrosPerDay + 3) % 7);
}
double Haversine(double lat1, double lon1, double lat2, double lon2) {
  if (std::isnan(lat1) || std::isnan(lon1) || std::isnan(lat2) || std::isnan(lon2)) return kNaN;
  const double r = std::numbers::pi / 180.0;
  const double a =
      std::pow(std::sin((lat2 - lat1) * r / 2), 2) +
      std::cos(lat1 * r) * std::cos(lat2 * r) * std::pow(std::sin((lon2 - lon1) * r / 2), 2);
  return 2 * 6371.0088 * std::asin(std::sqrt(std::min(1.0, std::max(0.0, a))));
}

Bool3 Cmp(double a, double b, const std::string& op) {
  if (std::isnan(a) || std::isnan(b)) return std::nullopt;
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  return a >= b;
}
Bool3 Not(Bool3 a) {
  if (!a) return std::nullopt;
  return !*a;
}

class Generator {
 public:
  Generator(uint64_t seed, const features::FeatureSpec& spec) : rng_(seed), spec_(spec) {}

  BoolExpr Bool(int depth) {
    const int choice = Pick(depth <= 0 ? 9 : 17);
    switch (choice) {
      case 0:
      case 1: {  // numeric comparison
        static const char* kOps[] = {"==", "!=", "<", "<=", ">", ">="};
        const std::string op = kOps[Pick(6)];
        NumExpr a = Num(depth - 1);
        NumExpr b = Num(depth - 1);
        return {"(" + a.text + " " + op + " " + b.text + ")",
                [a, b, op](const Context& c) { return Cmp(a.eval(c), b.eval(c), op); }};
      }
      case 2: {  // string equality
        StrExpr a = String(depth - 1);
        StrExpr b = Pick(2) == 0 ? String(depth - 1) : Literal(a.country);
        if (a.literal && b.country) a = Literal(true);
        if (b.literal && a.country) b = Literal(true);
        const bool equal = Pick(2) == 0;
        return {"(" + a.text + (equal ? " == " : " != ") + b.text + ")",
                [a, b, equal](const Context& c) -> Bool3 {
                  Str x = a.eval(c);
                  Str y = b.eval(c);
                  if (!x || !y) return std::nullopt;
                  return (*x == *y) == equal;
                }};
      }
      case 3: {  // enum equality
        EnumExpr e = Enum(depth - 1);
        const int value = Pick(6);
        const bool equal = Pick(2) == 0;
        return {"(" + e.text + (equal ? " == " : " != ") + Quoted(EnumName(e.field, value)) + ")",
                [e, value, equal](const Context& c) -> Bool3 {
                  auto v = e.eval(c);
                  if (!v) return std::nullopt;
                  return (*v == value) == equal;
                }};
      }
      case 4: {  // x [not] in (numbers)
        NumExpr a = Num(depth - 1);
        std::vector<double> values;
        std::string list;
        for (int i = 0, n = 1 + Pick(4); i < n; ++i) {
          values.push_back(SmallNumber());
          list += (i ? ", " : "") + Number(values.back());
        }
        const bool negate = Pick(2) == 0;
        return {"(" + a.text + (negate ? " not in (" : " in (") + list + "))",
                [a, values, negate](const Context& c) -> Bool3 {
                  double v = a.eval(c);
                  if (std::isnan(v)) return std::nullopt;
                  return (std::find(values.begin(), values.end(), v) != values.end()) != negate;
                }};
      }
      case 5: {  // s [not] in (strings)
        StrExpr a = String(depth - 1);
        std::vector<std::string> values;
        std::string list;
        for (int i = 0, n = 1 + Pick(4); i < n; ++i) {
          StrExpr literal = Literal(a.country);
          values.push_back(literal.value);
          list += (i ? ", " : "") + literal.text;
        }
        const bool negate = Pick(2) == 0;
        return {"(" + a.text + (negate ? " not in (" : " in (") + list + "))",
                [a, values, negate](const Context& c) -> Bool3 {
                  Str v = a.eval(c);
                  if (!v) return std::nullopt;
                  return (std::find(values.begin(), values.end(), *v) != values.end()) != negate;
                }};
      }
      case 6: {  // enum [not] in (values)
        EnumExpr e = Enum(depth - 1);
        std::vector<int> values;
        std::string list;
        for (int i = 0, n = 1 + Pick(3); i < n; ++i) {
          values.push_back(Pick(6));
          list += (i ? ", " : "") + (Pick(2) ? Quoted(EnumName(e.field, values.back()))
                                             : EnumName(e.field, values.back()));
        }
        const bool negate = Pick(2) == 0;
        return {"(" + e.text + (negate ? " not in (" : " in (") + list + "))",
                [e, values, negate](const Context& c) -> Bool3 {
                  auto v = e.eval(c);
                  if (!v) return std::nullopt;
                  return (std::find(values.begin(), values.end(), *v) != values.end()) != negate;
                }};
      }
      case 7: {  // list membership
        static const std::pair<const char*, int> kListFields[] = {
            {"device_id", 0},       {"customer_id", 1}, {"country", 2},
            {"counterparty_id", 3}, {"account_id", 3},  {"ip", 4}};
        const auto& [name, list] = kListFields[Pick(6)];
        const int field = SchemaFor(EventKind::kTransaction).FieldIndex(name);
        const bool negate = Pick(2) == 0;
        static const char* kListNames[] = {"devices", "customers", "countries", "accounts", "ips"};
        return {"(" + std::string(name) + (negate ? " not in @" : " in @") + kListNames[list] + ")",
                [field, list = list, negate](const Context& c) -> Bool3 {
                  if (!c.event->has(field) || c.lists == nullptr ||
                      static_cast<size_t>(list) >= c.lists->size()) {
                    return std::nullopt;
                  }
                  return c.lists->Contains(static_cast<size_t>(list), c.event->str(field)) !=
                         negate;
                }};
      }
      case 8: {  // constants and missing tests
        switch (Pick(4)) {
          case 0:
            return {"true", [](const Context&) -> Bool3 { return true; }};
          case 1:
            return {"false", [](const Context&) -> Bool3 { return false; }};
          case 2: {
            NumExpr a = Num(depth - 1);
            const bool present = Pick(2) == 0;
            return {(present ? "present(" : "is_missing(") + a.text + ")",
                    [a, present](const Context& c) -> Bool3 {
                      return std::isnan(a.eval(c)) != present;
                    }};
          }
          default: {
            StrExpr a = String(depth - 1);
            while (a.literal) a = String(depth - 1);  // is_missing("x") is refused
            const bool present = Pick(2) == 0;
            return {(present ? "present(" : "is_missing(") + a.text + ")",
                    [a, present](const Context& c) -> Bool3 {
                      return a.eval(c).has_value() == present;
                    }};
          }
        }
      }
      case 9:
      case 10:
      case 11: {  // and / or, n-ary
        const bool is_and = Pick(2) == 0;
        std::vector<BoolExpr> kids;
        std::string text = "(";
        for (int i = 0, n = 2 + Pick(2); i < n; ++i) {
          kids.push_back(Bool(depth - 1));
          text += (i ? (is_and ? " and " : " or ") : "") + kids.back().text;
        }
        return {text + ")", [kids, is_and](const Context& c) -> Bool3 {
                  bool unknown = false;
                  for (const BoolExpr& k : kids) {
                    Bool3 v = k.eval(c);
                    if (!v) {
                      unknown = true;
                    } else if (*v != is_and) {
                      return !is_and;  // false decides an and, true an or
                    }
                  }
                  if (unknown) return std::nullopt;
                  return is_and;
                }};
      }
      case 12: {
        BoolExpr a = Bool(depth - 1);
        return {"(not " + a.text + ")", [a](const Context& c) { return Not(a.eval(c)); }};
      }
      case 13: {
        StrExpr a = String(depth - 1);
        StrExpr b = Pick(3) == 0 ? String(depth - 1) : Literal(false);
        static const char* kFns[] = {"starts_with", "ends_with", "contains"};
        const int fn = Pick(3);
        return {std::string(kFns[fn]) + "(" + a.text + ", " + b.text + ")",
                [a, b, fn](const Context& c) -> Bool3 {
                  Str s = a.eval(c);
                  Str p = b.eval(c);
                  if (!s || !p) return std::nullopt;
                  if (fn == 0) return s->rfind(*p, 0) == 0;
                  if (fn == 1)
                    return s->size() >= p->size() &&
                           s->compare(s->size() - p->size(), p->size(), *p) == 0;
                  return s->find(*p) != std::string::npos;
                }};
      }
      case 14: {
        BoolExpr a = Bool(depth - 1);
        BoolExpr b = Bool(depth - 1);
        return {"coalesce(" + a.text + ", " + b.text + ")", [a, b](const Context& c) {
                  Bool3 v = a.eval(c);
                  return v ? v : b.eval(c);
                }};
      }
      case 15: {
        BoolExpr a = Bool(depth - 1);
        BoolExpr b = Bool(depth - 1);
        const bool equal = Pick(2) == 0;
        return {"((" + a.text + ")" + (equal ? " == (" : " != (") + b.text + "))",
                [a, b, equal](const Context& c) -> Bool3 {
                  Bool3 x = a.eval(c);
                  Bool3 y = b.eval(c);
                  if (!x || !y) return std::nullopt;
                  return (*x == *y) == equal;
                }};
      }
      default: {  // not x in (...), the prefix form
        BoolExpr a = Bool(depth - 1);
        return {"not " + a.text, [a](const Context& c) { return Not(a.eval(c)); }};
      }
    }
  }

  NumExpr Num(int depth) {
    const int choice = Pick(depth <= 0 ? 5 : 16);
    switch (choice) {
      case 0: {
        double v = SmallNumber();
        return {Number(v), [v](const Context&) { return v; }, true};
      }
      case 1: {
        static const std::pair<const char*, int> kFields[] = {{"amount", tx::kAmount},
                                                              {"mcc", tx::kMcc},
                                                              {"lat", tx::kLat},
                                                              {"lon", tx::kLon},
                                                              {"ts", tx::kTs}};
        const auto& [name, field] = kFields[Pick(5)];
        const bool real = field == tx::kLat || field == tx::kLon;
        return {name, [field = field, real](const Context& c) {
                  if (!c.event->has(field)) return kNaN;
                  return real ? c.event->real(field) : static_cast<double>(c.event->num(field));
                }};
      }
      case 2: {
        static const char* kFeatures[] = {"card_count_1h",
                                          "device_distinct_cards_1h",
                                          "customer_amount_mean_30d",
                                          "amount_to_customer_mean_30d",
                                          "new_device_for_customer",
                                          "merchant_count_1h"};
        const std::string name = kFeatures[Pick(6)];
        const size_t index = static_cast<size_t>(spec_.FeatureIndex(name));
        return {name, [index](const Context& c) {
                  return index < c.features->size() ? (*c.features)[index] : kNaN;
                }};
      }
      case 3:
        return {"model_score", [](const Context& c) { return c.model; }};
      case 4:
        return {"hour", [](const Context& c) {
                  return c.event->has(tx::kTs) ? HourOf(static_cast<double>(c.event->ts())) : kNaN;
                }};
      case 5: {
        NumExpr a = Num(depth - 1);
        return {"(-" + a.text + ")", [a](const Context& c) { return -a.eval(c); }, a.constant};
      }
      case 6:
      case 7:
      case 8: {
        static const char kOps[] = {'+', '-', '*', '/'};
        const char op = kOps[Pick(4)];
        NumExpr a = Num(depth - 1);
        NumExpr b = Num(depth - 1);
        return {"(" + a.text + " " + op + " " + b.text + ")",
                [a, b, op](const Context& c) {
                  const double x = a.eval(c);
                  const double y = b.eval(c);
                  switch (op) {
                    case '+':
                      return x + y;
                    case '-':
                      return x - y;
                    case '*':
                      return x * y;
                    default:
                      return y == 0 ? kNaN : x / y;
                  }
                },
                a.constant && b.constant};
      }
      case 9: {
        NumExpr a = Num(depth - 1);
        static const char* kFns[] = {"abs", "log", "log1p", "sqrt", "round"};
        const int fn = Pick(5);
        return {std::string(kFns[fn]) + "(" + a.text + ")", [a, fn](const Context& c) {
                  const double x = a.eval(c);
                  switch (fn) {
                    case 0:
                      return std::fabs(x);
                    case 1:
                      return x > 0 ? std::log(x) : kNaN;
                    case 2:
                      return x > -1 ? std::log1p(x) : kNaN;
                    case 3:
                      return x >= 0 ? std::sqrt(x) : kNaN;
                    default:
                      return std::round(x);
                  }
                }};
      }
      case 10: {
        const bool is_min = Pick(2) == 0;
        std::vector<NumExpr> kids;
        std::string text = is_min ? "min(" : "max(";
        for (int i = 0, n = 2 + Pick(2); i < n; ++i) {
          kids.push_back(Num(depth - 1));
          text += (i ? ", " : "") + kids.back().text;
        }
        return {text + ")", [kids, is_min](const Context& c) {
                  double best = 0;
                  for (size_t i = 0; i < kids.size(); ++i) {
                    const double v = kids[i].eval(c);
                    if (std::isnan(v)) return kNaN;
                    best = i == 0 ? v : (is_min ? std::min(best, v) : std::max(best, v));
                  }
                  return best;
                }};
      }
      case 11: {
        std::vector<NumExpr> kids;
        std::string text = "coalesce(";
        for (int i = 0, n = 2 + Pick(2); i < n; ++i) {
          kids.push_back(Num(depth - 1));
          text += (i ? ", " : "") + kids.back().text;
        }
        return {text + ")", [kids](const Context& c) {
                  for (const NumExpr& k : kids) {
                    const double v = k.eval(c);
                    if (!std::isnan(v)) return v;
                  }
                  return kNaN;
                }};
      }
      case 12: {
        const bool hour = Pick(2) == 0;
        NumExpr offset = Num(depth - 1);
        const std::string arg = Pick(2) == 0 ? "ts" : "(ts + " + offset.text + " * 3600000000)";
        const bool plain = arg == "ts";
        return {std::string(hour ? "hour_of_day(" : "day_of_week(") + arg + ")",
                [offset, plain, hour](const Context& c) {
                  double ts = c.event->has(tx::kTs) ? static_cast<double>(c.event->ts()) : kNaN;
                  if (!plain) ts = ts + offset.eval(c) * 3600000000.0;
                  return hour ? HourOf(ts) : DayOfWeekOf(ts);
                }};
      }
      case 13: {
        const double lat = SmallNumber();
        const double lon = SmallNumber();
        return {"distance_km(lat, lon, " + Number(lat) + ", " + Number(lon) + ")",
                [lat, lon](const Context& c) {
                  const double la = c.event->has(tx::kLat) ? c.event->real(tx::kLat) : kNaN;
                  const double lo = c.event->has(tx::kLon) ? c.event->real(tx::kLon) : kNaN;
                  return Haversine(la, lo, lat, lon);
                }};
      }
      default:
        return Num(depth - 1);
    }
  }

  StrExpr String(int depth) {
    const int choice = Pick(depth <= 0 ? 2 : 4);
    switch (choice) {
      case 0: {
        static const char* kFields[] = {"customer_id", "device_id", "city",
                                        "country",     "ip",        "merchant_id"};
        const std::string name = kFields[Pick(6)];
        const int field = SchemaFor(EventKind::kTransaction).FieldIndex(name);
        return {name,
                [field](const Context& c) -> Str {
                  if (!c.event->has(field)) return std::nullopt;
                  return std::string(c.event->str(field));
                },
                false, field == tx::kCountry};
      }
      case 1:
        return Literal(false);
      case 2: {
        StrExpr a = String(depth - 1);
        return {"lower(" + a.text + ")", [a](const Context& c) -> Str {
                  Str v = a.eval(c);
                  if (!v) return std::nullopt;
                  return Lowered(*v);
                }};
      }
      default: {
        StrExpr a = String(depth - 1);
        StrExpr b = Pick(2) == 0 ? String(depth - 1) : Literal(a.country);
        if (a.literal && b.country) a = Literal(true);
        if (b.literal && a.country) b = Literal(true);
        const bool country = b.literal ? a.country : b.country;
        return {"coalesce(" + a.text + ", " + b.text + ")",
                [a, b](const Context& c) {
                  Str v = a.eval(c);
                  return v ? v : b.eval(c);
                },
                false, country && !(a.literal && b.literal)};
      }
    }
  }

  StrExpr Literal(bool country) {
    static const char* kCountries[] = {"CN", "HK", "US", "RU"};
    static const char* kOthers[] = {"Shanghai", "shanghai", "SHANGHAI", "sh",
                                    "hai",      "",         "C1",       "c1",
                                    "D1",       "CN",       "10.0.0.1", "a\"b\\c"};
    const std::string value = country ? kCountries[Pick(4)] : kOthers[Pick(12)];
    return {Quoted(value), [value](const Context&) -> Str { return value; }, true, false, value};
  }

  EnumExpr Enum(int depth) {
    const int field = Pick(2) == 0 ? tx::kChannel : tx::kType;
    const std::string name = field == tx::kChannel ? "channel" : "type";
    auto read = [field](const Context& c) -> std::optional<int> {
      if (!c.event->has(field)) return std::nullopt;
      return static_cast<int>(c.event->num(field));
    };
    if (depth > 0 && Pick(3) == 0) {
      const int fallback = Pick(6);
      return {"coalesce(" + name + ", " + EnumName(field, fallback) + ")",
              [read, fallback](const Context& c) -> std::optional<int> {
                auto v = read(c);
                return v ? v : std::optional<int>(fallback);
              },
              field};
    }
    return {name, read, field};
  }

  static std::string EnumName(int field, int value) {
    return std::string(SchemaFor(EventKind::kTransaction)
                           .fields[static_cast<size_t>(field)]
                           .values[static_cast<size_t>(value)]);
  }

  double SmallNumber() {
    static const double kValues[] = {0, 1, 2, 3, 0.5, 1000, 12345, 5411, 31.2, 121.5, 100000, 1e15};
    return kValues[Pick(12)];
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  const features::FeatureSpec& spec_;
};

// A random transaction over small value domains, so that equalities and lists hit.
Event RandomEvent(Generator& g) {
  Event e(EventKind::kTransaction);
  e.set_str(tx::kTxId, "T1");
  if (g.Pick(10) != 0)
    e.set_num(tx::kTs, kBase + g.Pick(1000) * 3'600'000'000LL / 7 - 500'000'000'000LL);
  static const char* kCustomers[] = {"C1", "C2", "c1"};
  e.set_str(tx::kCustomerId, kCustomers[g.Pick(3)]);
  if (g.Pick(3) != 0) e.set_str(tx::kAccountId, g.Pick(2) ? "A1" : "X666");
  if (g.Pick(2) != 0) e.set_str(tx::kDeviceId, g.Pick(2) ? "D1" : "D2");
  if (g.Pick(2) != 0) e.set_str(tx::kMerchantId, "M1");
  if (g.Pick(2) != 0) e.set_str(tx::kIp, g.Pick(2) ? "10.0.0.1" : "203.0.113.7");
  if (g.Pick(5) != 0) e.set_num(tx::kChannel, g.Pick(6));
  if (g.Pick(5) != 0) e.set_num(tx::kType, g.Pick(6));
  static const int64_t kAmounts[] = {0, 1, 500, 1000, 12345, 5000000};
  if (g.Pick(8) != 0) e.set_num(tx::kAmount, kAmounts[g.Pick(6)]);
  e.set_num(tx::kCurrency, Currency::FromCode(g.Pick(3) ? "CNY" : "HKD")->Packed());
  if (g.Pick(3) != 0) e.set_num(tx::kMcc, g.Pick(2) ? 5411 : 6011);
  static const char* kCountries[] = {"CN", "HK", "RU"};
  if (g.Pick(4) != 0) e.set_str(tx::kCountry, kCountries[g.Pick(3)]);
  static const char* kCities[] = {"Shanghai", "SHANGHAI", "shanghai", "Beijing", ""};
  if (g.Pick(4) != 0) e.set_str(tx::kCity, kCities[g.Pick(5)]);
  if (g.Pick(2) != 0) {
    e.set_real(tx::kLat, 31.2 + g.Pick(100) * 0.01);
    e.set_real(tx::kLon, 121.5 - g.Pick(100) * 0.03);
  }
  if (g.Pick(3) == 0) e.set_str(tx::kCounterpartyId, g.Pick(2) ? "X666" : "X1");
  return e;
}

std::string Name(double v) {
  if (std::isnan(v)) return "missing";
  return v == 1 ? "true" : (v == 0 ? "false" : "?" + std::to_string(v));
}
std::string Name(Bool3 v) { return v ? (*v ? "true" : "false") : "missing"; }

TEST(RulesPropertyTest, CompiledEvaluatorMatchesTheReference) {
  const features::FeatureSpec spec = LoadFraudSpec();
  ASSERT_FALSE(spec.features.empty());
  constexpr int kSets = 40;
  constexpr int kRules = 50;
  constexpr int kEvents = 60;
  size_t checked = 0;
  size_t true_values = 0;
  size_t missing_values = 0;
  for (int set_index = 0; set_index < kSets; ++set_index) {
    Generator g(1000 + static_cast<uint64_t>(set_index), spec);
    std::vector<BoolExpr> conditions;
    std::vector<bool> enabled;
    std::string yaml =
        "name: p\nversion: '1'\nlists:\n"
        "  - {name: devices, kind: deny, type: device}\n"
        "  - {name: customers, kind: allow, type: customer}\n"
        "  - {name: countries, kind: deny, type: country}\n"
        "  - {name: accounts, kind: deny, type: account}\n"
        "  - {name: ips, kind: deny, type: ip}\n"
        "rules:\n";
    for (int r = 0; r < kRules; ++r) {
      BoolExpr condition = g.Bool(1 + g.Pick(5));
      while (condition.text.size() > 3000) condition = g.Bool(1 + g.Pick(4));
      conditions.push_back(std::move(condition));
      enabled.push_back(g.Pick(5) != 0);
      yaml += "  - id: r" + std::to_string(r) + "\n    when: |-\n      " + conditions.back().text +
              "\n    action: {score: 1}\n    enabled: " + (enabled.back() ? "true" : "false") +
              "\n";
    }
    auto parsed = ParseRuleSet(yaml, "p.yaml", &spec);
    if (!parsed.ok()) {
      const std::string message = parsed.status().message();
      const size_t line = std::stoul(message.substr(message.find(':') + 1)) - 1;
      size_t at = 0;
      for (size_t i = 0; i < line; ++i) at = yaml.find('\n', at) + 1;
      FAIL() << parsed.status().ToString() << "\n" << yaml.substr(at, yaml.find('\n', at) - at);
    }
    const RuleSet& set = **parsed;
    ListSnapshot lists(5);
    lists.Add(0, "D1");
    lists.Add(1, "C1");
    lists.Add(2, "RU");
    lists.Add(3, "X666");
    lists.Add(4, "10.0.0.1");
    for (int i = 0; i < kEvents; ++i) {
      const Event event = RandomEvent(g);
      std::vector<double> features(spec.features.size());
      static const double kFeatureValues[] = {kNaN, 0, 1, 2, 3.5, 1000, kNaN};
      for (double& f : features) f = kFeatureValues[g.Pick(7)];
      if (g.Pick(10) == 0) features.resize(static_cast<size_t>(g.Pick(20)));  // too short
      const double model = g.Pick(2) ? kNaN : g.Pick(100) / 100.0;
      const ListSnapshot* snapshot = g.Pick(10) == 0 ? nullptr : &lists;
      const Context context{&event, &features, model, snapshot};
      RuleInput input;
      input.event = &event;
      input.features = features;
      input.model_score = model;
      input.lists = snapshot;
      std::vector<uint16_t> expected_fired;
      for (size_t r = 0; r < conditions.size(); ++r) {
        const Bool3 want = conditions[r].eval(context);
        const double got = set.EvaluateCondition(r, input);
        ASSERT_EQ(Name(got), Name(want))
            << "set " << set_index << " rule " << r << ": " << conditions[r].text << "\n"
            << event.DebugString() << " model " << model;
        if (want && *want && enabled[r]) expected_fired.push_back(static_cast<uint16_t>(r));
        ++checked;
        true_values += want && *want ? 1 : 0;
        missing_values += want ? 0 : 1;
      }
      std::vector<uint16_t> fired(conditions.size());
      fired.resize(set.Evaluate(input, fired));
      ASSERT_EQ(fired, expected_fired) << "set " << set_index << "\n" << event.DebugString();
    }
  }
  // The random conditions exercise all three values.
  EXPECT_EQ(checked, static_cast<size_t>(kSets) * kRules * kEvents);
  EXPECT_GT(true_values, checked / 10);
  EXPECT_GT(missing_values, checked / 10);
  EXPECT_GT(checked - true_values - missing_values, checked / 10);
}

}  // namespace
}  // namespace panorama::decide
