// The rule language and rule-set files (docs/rules.md) through decide/rules.h: every
// operator and function, three-valued logic, missing values, enums, currencies, countries,
// strings, lists, the file format, errors with their exact positions, limits, and the
// example rule sets against examples/features/fraud.yaml.
#include "decide/rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "allocation_counter.h"
#include "core/event.h"
#include "core/money.h"
#include "core/schema.h"
#include "core/time.h"
#include "decide/list_snapshot.h"
#include "features/feature_spec.h"

namespace panorama::decide {
namespace {

using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// 2026-10-01T00:00:00Z, a Thursday.
constexpr Timestamp kBase = 1'790'812'800LL * kMicrosPerSecond;
constexpr Timestamp kHour = 3'600 * kMicrosPerSecond;

features::FeatureSpec LoadFraudSpec() {
  auto spec =
      features::LoadFeatureSpec(std::string(PANORAMA_SOURCE_DIR) + "/examples/features/fraud.yaml");
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return spec.ok() ? std::move(spec).value() : features::FeatureSpec{};
}
const features::FeatureSpec& FraudSpec() {
  static const features::FeatureSpec spec = LoadFraudSpec();
  return spec;
}
int Feature(std::string_view name) {
  int index = FraudSpec().FeatureIndex(name);
  EXPECT_GE(index, 0) << name;
  return index;
}

// The lists every test rule set declares, in this order.
constexpr char kLists[] =
    "lists:\n"
    "  - {name: blocked_devices, kind: deny, type: device}\n"
    "  - {name: trusted, kind: allow, type: customer}\n"
    "  - {name: risky_countries, kind: deny, type: country}\n"
    "  - {name: mules, kind: deny, type: account}\n"
    "  - {name: bad_ips, kind: deny, type: ip}\n"
    "  - {name: bad_cards, kind: deny, type: card}\n"
    "  - {name: bad_merchants, kind: deny, type: merchant}\n";

std::string OneRule(const std::string& condition) {
  return std::string("name: t\nversion: '1'\n") + kLists +
         "rules:\n  - id: r\n    when: |-\n      " + condition + "\n    action: {score: 10}\n";
}

Result<std::shared_ptr<const RuleSet>> Compile(const std::string& condition) {
  return ParseRuleSet(OneRule(condition), "t.yaml", &FraudSpec());
}

std::string CompileError(const std::string& condition) {
  auto set = Compile(condition);
  if (set.ok()) return "<compiled>";
  EXPECT_EQ(set.status().code(), StatusCode::kInvalidArgument);
  return set.status().message();
}

// A transaction and its surroundings: an online purchase with every field set.
struct Input {
  Input() : features(FraudSpec().features.size(), kNaN), lists(7) {
    event.set_str(tx::kTxId, "T1");
    event.set_num(tx::kTs, kBase + 14 * kHour + 30 * 60 * kMicrosPerSecond);  // 14:30 UTC
    event.set_str(tx::kCustomerId, "C0000000042");
    event.set_str(tx::kAccountId, "A0000000042");
    event.set_str(tx::kCardId, "K0000000007");
    event.set_str(tx::kMerchantId, "M0000000003");
    event.set_str(tx::kDeviceId, "D0756106618");
    event.set_str(tx::kIp, "203.0.113.7");
    event.set_num(tx::kChannel, tx_channel::kOnline);
    event.set_num(tx::kType, tx_type::kPurchase);
    event.set_num(tx::kAmount, 12'345);
    event.set_num(tx::kCurrency, Currency::FromCode("CNY")->Packed());
    event.set_num(tx::kMcc, 5411);
    event.set_str(tx::kCountry, "CN");
    event.set_str(tx::kCity, "Shanghai");
    event.set_real(tx::kLat, 31.2304);
    event.set_real(tx::kLon, 121.4737);
    features[static_cast<size_t>(Feature("card_count_1h"))] = 2;
    features[static_cast<size_t>(Feature("device_distinct_cards_1h"))] = 4;
    features[static_cast<size_t>(Feature("customer_amount_mean_30d"))] = 5000;
    lists.Add(0, "D0756106618");
    lists.Add(1, "C0000000001");
    lists.Add(2, "RU");
    lists.Add(3, "X0000000666");
  }
  RuleInput rule_input() const {
    RuleInput in;
    in.event = &event;
    in.features = features;
    in.model_score = model_score;
    in.lists = &lists;
    return in;
  }
  Event event{EventKind::kTransaction};
  std::vector<double> features;
  double model_score = kNaN;
  ListSnapshot lists;
};

std::string Name(double v) {
  if (std::isnan(v)) return "missing";
  if (v == 1) return "true";
  if (v == 0) return "false";
  return "not a boolean: " + std::to_string(v);
}

// The condition's value on `input` ("true", "false", "missing"), checking that Evaluate()
// fires the rule exactly when the value is true.
std::string Eval(const std::string& condition, const Input& input = Input()) {
  auto set = Compile(condition);
  if (!set.ok()) return "error: " + set.status().message();
  const RuleInput in = input.rule_input();
  const double value = (*set)->EvaluateCondition(0, in);
  uint16_t fired[1] = {999};
  const size_t count = (*set)->Evaluate(in, fired);
  EXPECT_EQ(count, value == 1 ? 1u : 0u) << condition << " is " << Name(value);
  if (count == 1) {
    EXPECT_EQ(fired[0], 0);
  }
  return Name(value);
}

// ---------------------------------------------------------------------------------------
// Names of list types and kinds

TEST(RulesTest, ListTypeAndKindNamesRoundTrip) {
  for (ListType type :
       {ListType::kCustomer, ListType::kAccount, ListType::kCard, ListType::kMerchant,
        ListType::kDevice, ListType::kIp, ListType::kCountry}) {
    ListType parsed = ListType::kCustomer;
    ASSERT_TRUE(ParseListType(ListTypeName(type), &parsed)) << ListTypeName(type);
    EXPECT_EQ(parsed, type);
  }
  EXPECT_EQ(ListTypeName(ListType::kAccount), "account");
  EXPECT_EQ(ListTypeName(ListType::kIp), "ip");
  for (ListKind kind : {ListKind::kAllow, ListKind::kDeny}) {
    ListKind parsed = ListKind::kAllow;
    ASSERT_TRUE(ParseListKind(ListKindName(kind), &parsed));
    EXPECT_EQ(parsed, kind);
  }
  EXPECT_EQ(ListKindName(ListKind::kDeny), "deny");
  ListType type = ListType::kCard;
  EXPECT_FALSE(ParseListType("phone", &type));
  EXPECT_FALSE(ParseListType("Customer", &type));
  EXPECT_EQ(type, ListType::kCard);
  ListKind kind = ListKind::kDeny;
  EXPECT_FALSE(ParseListKind("block", &kind));
}

// ---------------------------------------------------------------------------------------
// Arithmetic, comparisons, functions

TEST(RulesTest, Arithmetic) {
  EXPECT_EQ(Eval("amount + 5 == 12350"), "true");
  EXPECT_EQ(Eval("amount - 345 == 12000"), "true");
  EXPECT_EQ(Eval("amount * 2 == 24690"), "true");
  EXPECT_EQ(Eval("amount / 5 == 2469"), "true");
  EXPECT_EQ(Eval("-amount == -12345"), "true");
  EXPECT_EQ(Eval("- - amount == 12345"), "true");
  EXPECT_EQ(Eval("2 + 3 * 4 == 14"), "true");
  EXPECT_EQ(Eval("(2 + 3) * 4 == 20"), "true");
  EXPECT_EQ(Eval("10 - 4 - 3 == 3"), "true");  // left-associative
  EXPECT_EQ(Eval("24 / 4 / 2 == 3"), "true");
  EXPECT_EQ(Eval("1.5e3 == 1500 and .5 == 0.5"), "true");
  EXPECT_EQ(Eval("amount / customer_amount_mean_30d > 2.4"), "true");
  EXPECT_EQ(Eval("amount / customer_amount_mean_30d > 2.5"), "false");
}

TEST(RulesTest, DivisionByZeroIsMissing) {
  EXPECT_EQ(Eval("amount / 0 > 1"), "missing");
  EXPECT_EQ(Eval("amount / (card_count_1h - 2) > 1"), "missing");
  EXPECT_EQ(Eval("0 / 0 == 0"), "missing");
  EXPECT_EQ(Eval("is_missing(amount / 0)"), "true");
  EXPECT_EQ(Eval("coalesce(amount / 0, -1) == -1"), "true");
}

TEST(RulesTest, Comparisons) {
  EXPECT_EQ(Eval("amount == 12345"), "true");
  EXPECT_EQ(Eval("amount != 12345"), "false");
  EXPECT_EQ(Eval("amount < 12345"), "false");
  EXPECT_EQ(Eval("amount <= 12345"), "true");
  EXPECT_EQ(Eval("amount > 12344"), "true");
  EXPECT_EQ(Eval("amount >= 12346"), "false");
  // The constant on the left mirrors the operator.
  EXPECT_EQ(Eval("12344 < amount"), "true");
  EXPECT_EQ(Eval("12345 >= amount"), "true");
  EXPECT_EQ(Eval("12346 <= amount"), "false");
  EXPECT_EQ(Eval("100 > card_count_1h"), "true");
  // Two values, neither constant.
  EXPECT_EQ(Eval("card_count_1h < device_distinct_cards_1h"), "true");
  EXPECT_EQ(Eval("card_count_1h * 2 == device_distinct_cards_1h"), "true");
  EXPECT_EQ(Eval("lat > 31 and lat < 31.5 and lon > 121"), "true");
  EXPECT_EQ(Eval("mcc == 5411"), "true");
  EXPECT_EQ(Eval("ts == 1790865000000000"), "true");
  EXPECT_EQ(Eval("true == true and false != true"), "true");
  EXPECT_EQ(Eval("is_missing(device_id) == false"), "true");
}

TEST(RulesTest, NumberFunctions) {
  EXPECT_EQ(Eval("abs(-3) == 3 and abs(3) == 3"), "true");
  EXPECT_EQ(Eval("abs(customer_amount_mean_30d - amount) == 7345"), "true");
  EXPECT_EQ(Eval("log(1) == 0"), "true");
  EXPECT_EQ(Eval("log(amount) > 9.42 and log(amount) < 9.43"), "true");
  EXPECT_EQ(Eval("log(0) > 0"), "missing");
  EXPECT_EQ(Eval("log(-1) < 0"), "missing");
  EXPECT_EQ(Eval("log1p(0) == 0 and log1p(-1) == 0"), "missing");
  EXPECT_EQ(Eval("sqrt(16) == 4"), "true");
  EXPECT_EQ(Eval("sqrt(-1) == 0"), "missing");
  EXPECT_EQ(Eval("round(2.5) == 3 and round(-2.5) == -3 and round(2.4) == 2"), "true");
  EXPECT_EQ(Eval("min(3, 1, 2) == 1 and max(3, 1, 2) == 3"), "true");
  EXPECT_EQ(Eval("min(amount, 100) == 100 and max(amount, 100) == amount"), "true");
  EXPECT_EQ(Eval("min(1, model_score) == 1"), "missing");
  EXPECT_EQ(Eval("max(model_score, 1) == 1"), "missing");
}

TEST(RulesTest, TimeFunctions) {
  Input input;  // 2026-10-01 (a Thursday) 14:30 UTC
  EXPECT_EQ(Eval("hour_of_day(ts) == 14 and hour == 14", input), "true");
  EXPECT_EQ(Eval("day_of_week(ts) == 3", input), "true");
  EXPECT_EQ(Eval("day_of_week(ts + 4 * 86400000000) == 0", input), "true");  // Monday
  EXPECT_EQ(Eval("day_of_week(0) == 3 and hour_of_day(0) == 0"), "true");    // 1970-01-01
  // Before the epoch: 1969-12-31T23:00:00Z was a Wednesday.
  EXPECT_EQ(Eval("hour_of_day(-3600000000) == 23 and day_of_week(-3600000000) == 2"), "true");
  EXPECT_EQ(Eval("hour_of_day(-1) == 23 and day_of_week(-1) == 2"), "true");
  EXPECT_EQ(Eval("hour_of_day(model_score) == 0"), "missing");
  EXPECT_EQ(Eval("hour_of_day(1e300) == 0"), "missing");  // beyond any time
  input.event.clear_field(tx::kTs);
  EXPECT_EQ(Eval("hour < 24", input), "missing");
}

// An independent great-circle distance: the spherical law of cosines.
double CosineLawKm(double lat1, double lon1, double lat2, double lon2) {
  const double r = std::numbers::pi / 180;
  return 6371.0088 *
         std::acos(std::sin(lat1 * r) * std::sin(lat2 * r) +
                   std::cos(lat1 * r) * std::cos(lat2 * r) * std::cos((lon2 - lon1) * r));
}

TEST(RulesTest, DistanceKm) {
  // Shanghai (the event) to Beijing.
  const double expected = CosineLawKm(31.2304, 121.4737, 39.9042, 116.4074);
  EXPECT_NEAR(expected, 1067.3, 1.0);
  auto set = Compile("distance_km(lat, lon, 39.9042, 116.4074) > 0");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  const std::string low = std::to_string(expected - 1e-6);
  const std::string high = std::to_string(expected + 1e-6);
  EXPECT_EQ(Eval("distance_km(lat, lon, 39.9042, 116.4074) > " + low +
                 " and distance_km(lat, lon, 39.9042, 116.4074) < " + high),
            "true");
  EXPECT_EQ(Eval("distance_km(lat, lon, lat, lon) == 0"), "true");
  // Half the equator: pi times the mean Earth radius (6371.0088 km), 20015.114 km.
  EXPECT_EQ(Eval("distance_km(0, 0, 0, 180) > 20015.114 and distance_km(0, 0, 0, 180) < 20015.115"),
            "true");
  EXPECT_EQ(
      Eval("distance_km(90, 0, -90, 0) > 20015.114 and distance_km(90, 0, -90, 0) < 20015.115"),
      "true");
  Input input;
  input.event.clear_field(tx::kLat);
  EXPECT_EQ(Eval("distance_km(lat, lon, 39.9, 116.4) > 100", input), "missing");
}

// ---------------------------------------------------------------------------------------
// Three-valued logic

TEST(RulesTest, ThreeValuedTruthTables) {
  // Conditions with each value: model_score is missing in the default input.
  const std::pair<std::string, std::string> kValues[] = {
      {"(1 == 1)", "true"}, {"(1 == 2)", "false"}, {"(model_score > 0)", "missing"}};
  auto and_of = [](const std::string& a, const std::string& b) {
    if (a == "false" || b == "false") return std::string("false");
    if (a == "missing" || b == "missing") return std::string("missing");
    return std::string("true");
  };
  auto or_of = [](const std::string& a, const std::string& b) {
    if (a == "true" || b == "true") return std::string("true");
    if (a == "missing" || b == "missing") return std::string("missing");
    return std::string("false");
  };
  auto not_of = [](const std::string& a) {
    return a == "missing" ? a : std::string(a == "true" ? "false" : "true");
  };
  for (const auto& [a, va] : kValues) {
    EXPECT_EQ(Eval("not " + a), not_of(va)) << a;
    EXPECT_EQ(Eval("not not " + a), va) << a;
    for (const auto& [b, vb] : kValues) {
      const std::string x = a;
      const std::string y = b;
      EXPECT_EQ(Eval(x + " and " + y), and_of(va, vb)) << x << " and " << y;
      EXPECT_EQ(Eval(x + " or " + y), or_of(va, vb)) << x << " or " << y;
      EXPECT_EQ(Eval("not (" + x + " and " + y + ")"), not_of(and_of(va, vb)));
      EXPECT_EQ(Eval("not (" + x + " or " + y + ")"), not_of(or_of(va, vb)));
      EXPECT_EQ(Eval("not " + x + " and not " + y), and_of(not_of(va), not_of(vb)));
      EXPECT_EQ(Eval("not " + x + " or " + y), or_of(not_of(va), vb));
      EXPECT_EQ(Eval(x + " == " + y),
                va == "missing" || vb == "missing" ? "missing" : (va == vb ? "true" : "false"));
      for (const auto& [c, vc] : kValues) {
        const std::string z = c;
        EXPECT_EQ(Eval(x + " and " + y + " and " + z), and_of(and_of(va, vb), vc));
        EXPECT_EQ(Eval(x + " or " + y + " or " + z), or_of(or_of(va, vb), vc));
        EXPECT_EQ(Eval(x + " or " + y + " and " + z), or_of(va, and_of(vb, vc)));  // and binds
        EXPECT_EQ(Eval("(" + x + " or " + y + ") and " + z), and_of(or_of(va, vb), vc));
        EXPECT_EQ(Eval("not (" + x + " or not " + y + ") and " + z),
                  and_of(not_of(or_of(va, not_of(vb))), vc));
      }
    }
  }
}

TEST(RulesTest, BooleanFunctionsOfConditions) {
  EXPECT_EQ(Eval("is_missing(model_score > 0)"), "true");
  EXPECT_EQ(Eval("is_missing(1 == 1)"), "false");
  EXPECT_EQ(Eval("coalesce(model_score > 0.5, true)"), "true");
  EXPECT_EQ(Eval("coalesce(model_score > 0.5, false)"), "false");
  EXPECT_EQ(Eval("coalesce(model_score > 0.5, model_score < 0.5)"), "missing");
  EXPECT_EQ(Eval("present(model_score > 0) or present(1 == 2)"), "true");
}

// ---------------------------------------------------------------------------------------
// Missing values

TEST(RulesTest, MissingFields) {
  Input input;
  input.event.clear_field(tx::kDeviceId);
  input.event.clear_field(tx::kMcc);
  input.event.clear_field(tx::kLat);
  EXPECT_EQ(Eval("device_id == \"D0756106618\"", input), "missing");
  EXPECT_EQ(Eval("device_id != \"D0756106618\"", input), "missing");
  EXPECT_EQ(Eval("device_id in (\"D1\", \"D2\")", input), "missing");
  EXPECT_EQ(Eval("device_id not in (\"D1\", \"D2\")", input), "missing");
  EXPECT_EQ(Eval("device_id in @blocked_devices", input), "missing");
  EXPECT_EQ(Eval("device_id not in @blocked_devices", input), "missing");
  EXPECT_EQ(Eval("starts_with(device_id, \"D\")", input), "missing");
  EXPECT_EQ(Eval("is_missing(device_id) and not present(device_id)", input), "true");
  EXPECT_EQ(Eval("coalesce(device_id, \"none\") == \"none\"", input), "true");
  EXPECT_EQ(Eval("coalesce(device_id, card_id) == \"K0000000007\"", input), "true");
  EXPECT_EQ(Eval("mcc == 5411", input), "missing");
  EXPECT_EQ(Eval("mcc in (5411, 5499)", input), "missing");
  EXPECT_EQ(Eval("mcc + 1 > 0", input), "missing");
  EXPECT_EQ(Eval("lat > 0", input), "missing");
  EXPECT_EQ(Eval("coalesce(lat, 0) == 0", input), "true");
  // Fields present in the default input are not missing.
  EXPECT_EQ(Eval("is_missing(device_id) or is_missing(mcc) or is_missing(lat)"), "false");
  // A missing field can still make the condition false, or true.
  EXPECT_EQ(Eval("device_id == \"D1\" and amount > 1000000", input), "false");
  EXPECT_EQ(Eval("device_id == \"D1\" or amount > 10", input), "true");
  EXPECT_EQ(Eval("not (device_id == \"D1\")", input), "missing");
}

TEST(RulesTest, MissingFeaturesAndModel) {
  Input input;
  EXPECT_EQ(Eval("card_count_24h > 0", input), "missing");  // NaN in the vector
  EXPECT_EQ(Eval("card_count_24h == card_count_24h", input), "missing");
  EXPECT_EQ(Eval("coalesce(card_count_24h, card_count_1h, 0) == 2", input), "true");
  EXPECT_EQ(Eval("coalesce(card_count_24h, model_score, 7) == 7", input), "true");
  EXPECT_EQ(Eval("model_score >= 0", input), "missing");
  // coalesce(x, constant) compared with a constant (compiled to one test whose value is
  // known when x is missing), in every position.
  EXPECT_EQ(Eval("coalesce(card_count_24h, 0) < 1", input), "true");
  EXPECT_EQ(Eval("coalesce(card_count_24h, 5) < 1", input), "false");
  EXPECT_EQ(Eval("not (coalesce(card_count_24h, 5) < 1)", input), "true");
  EXPECT_EQ(Eval("1 > coalesce(card_count_24h, 0)", input), "true");
  EXPECT_EQ(Eval("coalesce(card_count_24h, 0 / 0) < 1", input), "missing");
  EXPECT_EQ(Eval("not (coalesce(card_count_24h, 0 / 0) < 1)", input), "missing");
  EXPECT_EQ(Eval("coalesce(card_count_1h, 0) == 2 and coalesce(card_count_1h, 9) < 3", input),
            "true");
  EXPECT_EQ(Eval("coalesce(card_count_1h, 0) > 2 or coalesce(mcc, 0) != 5411", input), "false");
  EXPECT_EQ(Eval("coalesce(lat, 0) > 31 and coalesce(hour, 0) == 14", input), "true");
  input.event.clear_field(tx::kLat);
  EXPECT_EQ(Eval("coalesce(lat, 0) > 31", input), "false");
  EXPECT_EQ(Eval("not (coalesce(lat, 99) <= 31)", input), "true");
  input.event.set_real(tx::kLat, 31.2304);
  input.model_score = 0.75;
  EXPECT_EQ(Eval("model_score >= 0.7 and model_score < 0.8", input), "true");
  // A feature vector shorter than the spec's reads as missing beyond its end.
  ASSERT_GT(Feature("customer_amount_mean_30d"), 1);
  input.features.resize(1);
  EXPECT_EQ(Eval("customer_amount_mean_30d >= 0", input), "missing");
  EXPECT_EQ(Eval("device_distinct_cards_1h >= 0", input), "true");  // feature 0
  input.features.clear();
  EXPECT_EQ(Eval("card_count_1h > 0 or card_count_1h <= 0", input), "missing");
}

TEST(RulesTest, NoEventMeansNoFields) {
  auto set = Compile("is_missing(amount) and is_missing(customer_id) and is_missing(channel)");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  RuleInput in;
  EXPECT_EQ((*set)->EvaluateCondition(0, in), 1.0);
  Event label(EventKind::kLabel);  // not a transaction: its fields mean other things
  label.set_str(0, "T1");
  label.set_num(1, kBase);
  in.event = &label;
  EXPECT_EQ((*set)->EvaluateCondition(0, in), 1.0);
  uint16_t fired[1];
  EXPECT_EQ((*set)->Evaluate(in, fired), 1u);
  EXPECT_TRUE(std::isnan((*set)->EvaluateCondition(1, in)));  // no such rule
}

// ---------------------------------------------------------------------------------------
// Enums, currencies, countries, strings

TEST(RulesTest, EnumFields) {
  EXPECT_EQ(Eval("channel == \"ONLINE\""), "true");
  EXPECT_EQ(Eval("channel == ONLINE"), "true");  // bare words, as in feature filters
  EXPECT_EQ(Eval("\"ONLINE\" == channel"), "true");
  EXPECT_EQ(Eval("channel != \"POS\""), "true");
  EXPECT_EQ(Eval("channel in (\"ONLINE\", \"MOBILE\")"), "true");
  EXPECT_EQ(Eval("channel in ('POS', 'ATM')"), "false");
  EXPECT_EQ(Eval("channel not in (POS, ATM)"), "true");
  EXPECT_EQ(Eval("not channel in (ONLINE)"), "false");
  EXPECT_EQ(Eval("type == \"PURCHASE\" and type != DEPOSIT"), "true");
  EXPECT_EQ(Eval("type in (TRANSFER, PAYMENT)"), "false");
  EXPECT_EQ(Eval("channel == channel"), "true");
  EXPECT_EQ(Eval("coalesce(channel, POS) in (ONLINE, MOBILE)"), "true");
  EXPECT_EQ(Eval("coalesce(channel, \"POS\") == \"ONLINE\""), "true");
  Input input;
  input.event.clear_field(tx::kChannel);
  EXPECT_EQ(Eval("channel == ONLINE", input), "missing");
  EXPECT_EQ(Eval("channel in (ONLINE)", input), "missing");
  EXPECT_EQ(Eval("channel not in (ONLINE)", input), "missing");
  EXPECT_EQ(Eval("coalesce(channel, POS) == POS", input), "true");
  input.event.set_num(tx::kChannel, tx_channel::kTransfer);
  input.event.set_num(tx::kType, tx_type::kDeposit);
  EXPECT_EQ(Eval("channel == TRANSFER and type == DEPOSIT", input), "true");

  EXPECT_EQ(CompileError("channel == \"ONLNE\""),
            "t.yaml:14:18: 'ONLNE' is not a value of channel (POS, ATM, COUNTER, ONLINE, "
            "MOBILE, TRANSFER)");
  EXPECT_THAT(CompileError("type in (PURCHASE, REFUD)"),
              HasSubstr("'REFUD' is not a value of type (PURCHASE, WITHDRAWAL, TRANSFER, REFUND, "
                        "PAYMENT, DEPOSIT)"));
  EXPECT_THAT(CompileError("channel == 3"), HasSubstr("write the value's name, such as \"POS\""));
  EXPECT_THAT(CompileError("channel in (3)"), HasSubstr("(POS, ATM, COUNTER, ONLINE"));
  EXPECT_THAT(CompileError("channel > POS"), HasSubstr("channel has no order"));
  EXPECT_THAT(CompileError("channel + 1 > 2"),
              HasSubstr("'+' needs a number, not the enum channel"));
  EXPECT_THAT(CompileError("channel == type"),
              HasSubstr("cannot mix the enum channel and the enum type"));
  EXPECT_THAT(CompileError("channel == city"),
              HasSubstr("cannot mix the enum channel and a string"));
}

TEST(RulesTest, Currency) {
  EXPECT_EQ(Eval("currency == \"CNY\" and currency != USD"), "true");
  EXPECT_EQ(Eval("currency in (\"HKD\", \"JPY\")"), "false");
  EXPECT_EQ(Eval("currency not in (HKD, JPY)"), "true");
  Input input;
  input.event.set_num(tx::kCurrency, Currency::FromCode("JPY")->Packed());
  EXPECT_EQ(Eval("currency == JPY and currency in (HKD, JPY)", input), "true");
  EXPECT_THAT(CompileError("currency == \"XYZ\""),
              HasSubstr("'XYZ' is not an ISO 4217 currency code"));
  EXPECT_THAT(CompileError("currency == \"cny\""), HasSubstr("is not an ISO 4217 currency code"));
  EXPECT_THAT(CompileError("currency > 5"), HasSubstr("a currency compares only with == and !="));
}

TEST(RulesTest, Country) {
  EXPECT_EQ(Eval("country == \"CN\""), "true");
  EXPECT_EQ(Eval("country != CN"), "false");
  EXPECT_EQ(Eval("country in (HK, JP, CN)"), "true");
  EXPECT_EQ(Eval("country not in (\"HK\", \"JP\")"), "true");
  EXPECT_EQ(Eval("coalesce(country, \"CN\") == \"CN\""), "true");
  EXPECT_EQ(Eval("starts_with(country, \"C\")"), "true");
  EXPECT_THAT(CompileError("country == \"China\""),
              HasSubstr("'China' is not a country code (ISO 3166-1 alpha-2, two upper-case "
                        "letters such as CN)"));
  EXPECT_THAT(CompileError("country in (\"HK\", \"cn\")"), HasSubstr("'cn' is not a country code"));
  EXPECT_THAT(CompileError("coalesce(country, \"XXX\") == \"CN\""),
              HasSubstr("'XXX' is not a country code"));
}

TEST(RulesTest, Strings) {
  EXPECT_EQ(Eval("customer_id == \"C0000000042\""), "true");
  EXPECT_EQ(Eval("customer_id == C0000000042"), "true");
  EXPECT_EQ(Eval("customer_id != 'C0000000042'"), "false");
  EXPECT_EQ(Eval("customer_id in (\"C1\", \"C0000000042\", \"C9\")"), "true");
  EXPECT_EQ(Eval("customer_id not in (\"C1\", \"C2\")"), "true");
  EXPECT_EQ(Eval("ip == \"203.0.113.7\" and ip in ('203.0.113.7', '::1')"), "true");
  EXPECT_EQ(Eval("city == \"Shanghai\""), "true");
  EXPECT_EQ(Eval("customer_id == account_id"), "false");
  EXPECT_EQ(Eval("\"a\" == \"a\" and 'b' != \"a\""), "true");
  EXPECT_EQ(Eval("starts_with(ip, \"203.0.\") and not starts_with(ip, \"10.\")"), "true");
  EXPECT_EQ(Eval("ends_with(city, \"hai\") and not ends_with(city, \"Shanghai!\")"), "true");
  EXPECT_EQ(Eval("contains(city, \"ngh\") and not contains(city, \"x\")"), "true");
  EXPECT_EQ(Eval("starts_with(city, \"\") and ends_with(city, \"\") and contains(city, \"\")"),
            "true");
  EXPECT_EQ(Eval("starts_with(customer_id, substr)"),
            "error: t.yaml:14:32: unknown name 'substr' (not a transaction field, a feature of "
            "spec 'fraud' or model_score)");
  EXPECT_EQ(Eval("starts_with(device_id, \"D07\") and contains(customer_id, \"42\")"), "true");
  // Escapes in string literals.
  Input input;
  input.event.set_str(tx::kCity, "Say \"hi\"\\'x'\n");
  EXPECT_EQ(Eval("city == \"Say \\\"hi\\\"\\\\'x'\\n\"", input), "true");
  EXPECT_EQ(Eval("city == 'Say \"hi\"\\\\\\'x\\'\\n'", input), "true");
  EXPECT_THAT(CompileError("city == \"a\\qb\""), HasSubstr("unknown escape '\\q'"));
  EXPECT_THAT(CompileError("city == \"Shanghai"), HasSubstr("unterminated string"));
  // lower(): ASCII letters compare folded, with no copy.
  input = Input();
  input.event.set_str(tx::kCity, "ShangHAI");
  EXPECT_EQ(Eval("lower(city) == \"shanghai\"", input), "true");
  EXPECT_EQ(Eval("lower(city) == \"ShangHAI\"", input), "false");
  EXPECT_EQ(Eval("lower(city) == lower(\"SHANGHAI\")", input), "true");
  EXPECT_EQ(Eval("lower(city) in (\"beijing\", \"shanghai\")", input), "true");
  EXPECT_EQ(Eval("lower(city) in (\"Shanghai\")", input), "false");
  EXPECT_EQ(Eval("starts_with(lower(city), \"shang\") and ends_with(lower(city), \"ghai\")", input),
            "true");
  EXPECT_EQ(Eval("contains(lower(city), \"gha\") and not contains(lower(city), \"ghx\")", input),
            "true");
  EXPECT_EQ(Eval("contains(\"xxshanghaixx\", lower(city))", input), "true");
  EXPECT_EQ(Eval("city == lower(city)", input), "false");
  EXPECT_EQ(Eval("lower(lower(city)) == \"shanghai\"", input), "true");
  input.event.clear_field(tx::kCity);
  EXPECT_EQ(Eval("lower(city) == \"shanghai\"", input), "missing");
  EXPECT_EQ(Eval("is_missing(lower(city))", input), "true");

  EXPECT_THAT(CompileError("city > \"A\""), HasSubstr("a string compares only with == and !="));
  EXPECT_THAT(CompileError("customer_id == 42"),
              HasSubstr("cannot mix a string and a number; write the value in quotes"));
  EXPECT_THAT(
      CompileError("customer_id in (42)"),
      HasSubstr("the list holds a number, but its left is a string; write the value in quotes"));
  EXPECT_THAT(CompileError("mcc in (\"5411\")"),
              HasSubstr("the list holds a string, but its left is a number"));
  EXPECT_THAT(CompileError("starts_with(amount, \"4\")"),
              HasSubstr("starts_with() needs a string, not a number"));
  EXPECT_THAT(CompileError("contains(city, 4)"),
              HasSubstr("contains() needs a string, not a number"));
  EXPECT_THAT(CompileError("amount + city > 1"), HasSubstr("'+' needs a number, not a string"));
}

// ---------------------------------------------------------------------------------------
// Lists

TEST(RulesTest, ListMembership) {
  Input input;
  EXPECT_EQ(Eval("device_id in @blocked_devices", input), "true");
  EXPECT_EQ(Eval("device_id not in @blocked_devices", input), "false");
  EXPECT_EQ(Eval("customer_id in @trusted", input), "false");
  EXPECT_EQ(Eval("customer_id not in @trusted", input), "true");
  EXPECT_EQ(Eval("country in @risky_countries", input), "false");
  input.event.set_str(tx::kCountry, "RU");
  EXPECT_EQ(Eval("country in @risky_countries", input), "true");
  EXPECT_EQ(Eval("account_id in @mules or counterparty_id in @mules", input), "missing");
  input.event.set_str(tx::kCounterpartyId, "X0000000666");
  EXPECT_EQ(Eval("account_id in @mules or counterparty_id in @mules", input), "true");
  EXPECT_EQ(Eval("ip in @bad_ips or card_id in @bad_cards or merchant_id in @bad_merchants", input),
            "false");
  input.lists.Add(4, "203.0.113.7");
  EXPECT_EQ(Eval("ip in @bad_ips", input), "true");
  // Membership is exact.
  input.lists.Add(1, "c0000000042");
  EXPECT_EQ(Eval("customer_id in @trusted", input), "false");
  // No snapshot, or one that lacks the list: unknown.
  auto set = Compile("device_id in @blocked_devices");
  ASSERT_TRUE(set.ok());
  RuleInput in = input.rule_input();
  in.lists = nullptr;
  EXPECT_TRUE(std::isnan((*set)->EvaluateCondition(0, in)));
  ListSnapshot small(1);
  in.lists = &small;
  EXPECT_EQ((*set)->EvaluateCondition(0, in), 0.0);
  auto last = Compile("bad_merchants_check == 1 or merchant_id in @bad_merchants");
  EXPECT_FALSE(last.ok());
  auto merchant = Compile("merchant_id in @bad_merchants");
  ASSERT_TRUE(merchant.ok());
  EXPECT_TRUE(std::isnan((*merchant)->EvaluateCondition(0, in)));
  EXPECT_EQ((*merchant)->ListIndex("bad_merchants"), 6);
  EXPECT_EQ((*merchant)->ListIndex("blocked_devices"), 0);
  EXPECT_EQ((*merchant)->ListIndex("nope"), -1);
  ASSERT_EQ((*merchant)->lists().size(), 7u);
  EXPECT_EQ((*merchant)->lists()[2].type, ListType::kCountry);
  EXPECT_EQ((*merchant)->lists()[1].kind, ListKind::kAllow);
}

TEST(RulesTest, ListTypesMustFitTheField) {
  EXPECT_EQ(CompileError("customer_id in @blocked_devices"),
            "t.yaml:14:22: list 'blocked_devices' holds device values; it fits device_id, not "
            "customer_id");
  EXPECT_THAT(CompileError("card_id in @mules"),
              HasSubstr("list 'mules' holds account values; it fits account_id or counterparty_id, "
                        "not card_id"));
  EXPECT_THAT(CompileError("city in @risky_countries"), HasSubstr("it fits country, not city"));
  EXPECT_THAT(CompileError("ip in @bad_cards"), HasSubstr("it fits card_id, not ip"));
  EXPECT_THAT(CompileError("lower(customer_id) in @trusted"),
              HasSubstr("'in @trusted' needs a field on its left (customer_id)"));
  EXPECT_EQ(CompileError("device_id in @blocked_device"),
            "t.yaml:14:20: unknown list '@blocked_device' (declared: blocked_devices, trusted, "
            "risky_countries, mules, bad_ips, bad_cards, bad_merchants)");
  auto no_lists = ParseRuleSet(
      "name: t\nversion: '1'\nrules:\n  - id: r\n    when: device_id in @x\n    action: {tag: t}\n",
      "n.yaml", nullptr);
  ASSERT_FALSE(no_lists.ok());
  EXPECT_EQ(no_lists.status().message(),
            "n.yaml:5:24: unknown list '@x' (the rule set declares no lists)");
  EXPECT_THAT(CompileError("device_id in @"), HasSubstr("expected a list name after '@'"));
  EXPECT_THAT(CompileError("@blocked_devices"), HasSubstr("a list (@name) can only follow 'in'"));
}

// ---------------------------------------------------------------------------------------
// Rule sets: the file

TEST(RulesTest, ParsesEveryPartOfTheFile) {
  const std::string yaml = R"(name: fraud-core_2
version: "2026.12.01"
description: The fraud team's rules.
policy: {review_at: 400, decline_at: 700}
lists:
  - name: blocked_devices
    kind: deny
    type: device
    description: Devices of confirmed cases.
  - {name: vip, kind: allow, type: customer}
rules:
  - id: tiny_online
    description: Card testing.
    when: channel == "ONLINE" and amount <= 1000
    action:
      score: 300
      tag: card_testing
  - id: vip
    when: customer_id in @vip
    action: {score: -100}
    enabled: false
  - id: blocked
    when: device_id in @blocked_devices
    action: {force: decline, tag: blocked}
  - id: review_big
    when: amount >= 5000000
    action: {force: review}
    enabled: true
)";
  auto parsed = ParseRuleSet(yaml, "core.yaml", &FraudSpec());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const RuleSet& set = **parsed;
  EXPECT_EQ(set.name(), "fraud-core_2");
  EXPECT_EQ(set.version(), "2026.12.01");
  EXPECT_EQ(set.description(), "The fraud team's rules.");
  EXPECT_EQ(set.file(), "core.yaml");
  EXPECT_EQ(set.review_at(), 400);
  EXPECT_EQ(set.decline_at(), 700);
  ASSERT_EQ(set.lists().size(), 2u);
  EXPECT_EQ(set.lists()[0].name, "blocked_devices");
  EXPECT_EQ(set.lists()[0].kind, ListKind::kDeny);
  EXPECT_EQ(set.lists()[0].type, ListType::kDevice);
  EXPECT_EQ(set.lists()[0].description, "Devices of confirmed cases.");
  EXPECT_EQ(set.lists()[0].line, 6);
  EXPECT_EQ(set.lists()[1].kind, ListKind::kAllow);
  EXPECT_EQ(set.lists()[1].line, 10);
  ASSERT_EQ(set.rules().size(), 4u);
  const Rule& r0 = set.rules()[0];
  EXPECT_EQ(r0.id, "tiny_online");
  EXPECT_EQ(r0.description, "Card testing.");
  EXPECT_EQ(r0.condition, "channel == \"ONLINE\" and amount <= 1000");
  EXPECT_EQ(r0.points, 300);
  EXPECT_EQ(r0.tag, "card_testing");
  EXPECT_EQ(r0.force, Force::kNone);
  EXPECT_TRUE(r0.enabled);
  EXPECT_EQ(r0.line, 12);
  EXPECT_EQ(set.rules()[1].points, -100);
  EXPECT_TRUE(set.rules()[1].tag.empty());
  EXPECT_FALSE(set.rules()[1].enabled);
  EXPECT_EQ(set.rules()[2].force, Force::kDecline);
  EXPECT_EQ(set.rules()[2].points, 0);
  EXPECT_EQ(set.rules()[3].force, Force::kReview);
  EXPECT_TRUE(set.rules()[3].enabled);
}

TEST(RulesTest, Defaults) {
  auto parsed = ParseRuleSet("name: t\nversion: 1\nrules: []\n", "t.yaml", nullptr);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ((*parsed)->version(), "1");
  EXPECT_EQ((*parsed)->review_at(), 500);
  EXPECT_EQ((*parsed)->decline_at(), 800);
  EXPECT_TRUE((*parsed)->lists().empty());
  EXPECT_TRUE((*parsed)->rules().empty());
  EXPECT_TRUE((*parsed)->description().empty());
  Input input;
  uint16_t fired[1];
  EXPECT_EQ((*parsed)->Evaluate(input.rule_input(), fired), 0u);
  // A policy with one threshold keeps the other's default.
  auto review_only =
      ParseRuleSet("name: t\nversion: 1\npolicy: {review_at: 0}\nrules: []\n", "t.yaml", nullptr);
  ASSERT_TRUE(review_only.ok()) << review_only.status().ToString();
  EXPECT_EQ((*review_only)->review_at(), 0);
  EXPECT_EQ((*review_only)->decline_at(), 800);
  auto equal = ParseRuleSet(
      "name: t\nversion: 1\npolicy: {review_at: 1000, decline_at: 1000}\n"
      "rules: []\n",
      "t.yaml", nullptr);
  ASSERT_TRUE(equal.ok()) << equal.status().ToString();
}

TEST(RulesTest, WithoutSpecOnlyFieldsAndModel) {
  auto parsed = ParseRuleSet(
      "name: t\nversion: 1\nrules:\n  - id: r\n    when: amount > 1 and model_score > 0.5\n"
      "    action: {score: 1}\n",
      "t.yaml", nullptr);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  auto feature = ParseRuleSet(
      "name: t\nversion: 1\nrules:\n  - id: r\n    when: card_count_1h > 1\n    action: {score: "
      "1}\n",
      "t.yaml", nullptr);
  ASSERT_FALSE(feature.ok());
  EXPECT_EQ(feature.status().message(),
            "t.yaml:5:11: unknown name 'card_count_1h' (not a transaction field, a feature (no "
            "feature spec given) or model_score)");
}

TEST(RulesTest, EvaluateFiresEnabledRulesInFileOrder) {
  auto parsed = ParseRuleSet(std::string("name: t\nversion: 1\n") + kLists + R"(rules:
  - {id: a, when: amount > 100, action: {score: 10}}
  - {id: b, when: amount > 1000000, action: {score: 10}}
  - {id: c, when: 'channel == "ONLINE"', action: {score: 10}}
  - {id: d, when: 'true', action: {score: 10}, enabled: false}
  - {id: e, when: model_score > 0.5, action: {score: 10}}
  - {id: f, when: device_id in @blocked_devices, action: {force: decline}}
  - {id: g, when: 'not (amount > 1000000)', action: {tag: g}}
)",
                             "t.yaml", &FraudSpec());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const RuleSet& set = **parsed;
  Input input;
  std::vector<uint16_t> fired(set.rules().size(), 999);
  size_t count = set.Evaluate(input.rule_input(), fired);
  ASSERT_EQ(count, 4u);
  EXPECT_EQ(std::vector<uint16_t>(fired.begin(), fired.begin() + 4),
            (std::vector<uint16_t>{0, 2, 5, 6}));
  EXPECT_EQ(fired[4], 999);
  input.model_score = 0.9;
  count = set.Evaluate(input.rule_input(), fired);
  EXPECT_EQ(std::vector<uint16_t>(fired.begin(), fired.begin() + count),
            (std::vector<uint16_t>{0, 2, 4, 5, 6}));
  // A short output span is never overrun.
  uint16_t two[2] = {999, 999};
  EXPECT_EQ(set.Evaluate(input.rule_input(), two), 2u);
  EXPECT_EQ(two[0], 0);
  EXPECT_EQ(two[1], 2);
  EXPECT_EQ(set.Evaluate(input.rule_input(), {}), 0u);
}

TEST(RulesTest, DisabledRulesNeverFire) {
  // Every condition true, every other rule disabled.
  std::string yaml = "name: t\nversion: 1\nrules:\n";
  for (int i = 0; i < 40; ++i) {
    yaml += "  - {id: r" + std::to_string(i) +
            ", when: 'amount >= 0 or true', action: {score: " + std::to_string(i) +
            "}, enabled: " + (i % 2 == 0 ? "false" : "true") + "}\n";
  }
  auto parsed = ParseRuleSet(yaml, "t.yaml", nullptr);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  Input input;
  std::vector<uint16_t> fired(40);
  const size_t count = (*parsed)->Evaluate(input.rule_input(), fired);
  ASSERT_EQ(count, 20u);
  for (size_t i = 0; i < count; ++i) {
    EXPECT_EQ(fired[i] % 2, 1) << fired[i];
    EXPECT_TRUE((*parsed)->rules()[fired[i]].enabled);
  }
  // Their conditions are still compiled and true.
  for (size_t i = 0; i < 40; ++i) EXPECT_EQ((*parsed)->EvaluateCondition(i, input.rule_input()), 1);
  // A disabled rule must still be valid.
  auto bad = ParseRuleSet(
      "name: t\nversion: 1\nrules:\n  - {id: r, when: amount > , action: "
      "{score: 1}, enabled: false}\n",
      "t.yaml", nullptr);
  EXPECT_FALSE(bad.ok());
}

// ---------------------------------------------------------------------------------------
// Errors, with their exact positions

// A rule set whose one rule's condition is plain scalar `condition` at line 9, column 11.
std::string RuleAt9(const std::string& condition) {
  return "name: t\nversion: '1'\nlists:\n  - name: blocked_devices\n    kind: deny\n"
         "    type: device\nrules:\n  - id: r\n    when: " +
         condition + "\n    action: {score: 10}\n";
}

std::string ErrorOf(const std::string& yaml) {
  auto set = ParseRuleSet(yaml, "s.yaml", &FraudSpec());
  if (set.ok()) return "<parsed>";
  EXPECT_EQ(set.status().code(), StatusCode::kInvalidArgument);
  return set.status().message();
}

TEST(RulesTest, ConditionErrorsPointAtTheToken) {
  struct Case {
    std::string condition;
    std::string message;  // after "s.yaml:9:"
  };
  const Case kCases[] = {
      {"amount >", "19: unexpected end of condition"},
      {"amount = 5", "18: unknown operator '=' (use == or !=)"},
      {"amount ! 5", "18: unknown operator '!' (use not, or != for unequal)"},
      {"amount > 1 && mcc == 5411", "22: unknown operator '&' (use and, or)"},
      {"amount > 1 ; mcc == 5411", "22: unexpected character ';'"},
      {"channel == \"ONLNE\"",
       "22: 'ONLNE' is not a value of channel (POS, ATM, COUNTER, ONLINE, MOBILE, TRANSFER)"},
      {"card_count_1 > 3",
       "11: unknown name 'card_count_1' (not a transaction field, a feature of spec 'fraud' or "
       "model_score; did you mean 'card_count_1h'?)"},
      {"amout > 3",
       "11: unknown name 'amout' (not a transaction field, a feature of spec 'fraud' or "
       "model_score; did you mean 'amount'?)"},
      {"starts_with(amount, \"4\")", "23: starts_with() needs a string, not a number"},
      {"device_count_5m and amount > 1",
       "11: 'and' needs a condition (true or false), not a number; compare it, such as "
       "device_count_5m > 0"},
      {"amount > 1 or not card_count_1h",
       "29: 'not' needs a condition (true or false), not a number; compare it, such as "
       "card_count_1h > 0"},
      {"amount + 1",
       "11: a condition must be true or false, not a number; compare it, such as "
       "... > 0"},
      {"device_id", "11: a condition must be true or false, not a string"},
      {"customer_id in @blocked_devices",
       "26: list 'blocked_devices' holds device values; it fits device_id, not customer_id"},
      {"device_id in @blocked", "24: unknown list '@blocked' (declared: blocked_devices)"},
      {"amount > 5 and (card_count_1h > 2", "44: expected ')'"},
      {"amount > 5)", "21: unexpected ')'"},
      {"amount > 5 amount", "22: unexpected 'amount'"},
      {"currency == \"XYZ\"", "23: 'XYZ' is not an ISO 4217 currency code"},
      {"country == China",
       "22: 'China' is not a country code (ISO 3166-1 alpha-2, two upper-case letters such as CN)"},
      {"amount < 5 < 6", "22: comparisons do not chain: write a < b and b < c"},
      {"foo(1) > 2",
       "11: unknown function 'foo' (starts_with, ends_with, contains, lower, abs, log, log1p, "
       "sqrt, round, min, max, hour_of_day, day_of_week, distance_km, is_missing, present, "
       "coalesce)"},
      {"amount(1) > 2", "11: 'amount' is not a function"},
      {"abs(1, 2) > 0", "11: abs() takes 1 argument, not 2"},
      {"max(1) > 0", "11: max() takes 2 or more arguments, not 1"},
      {"distance_km(lat, lon, 1) > 0", "11: distance_km() takes 4 arguments, not 3"},
      {"channel > POS", "19: channel has no order: compare it with ==, != or in"},
      {"mcc in (5411, \"5499\")", "25: the list holds a string, but its left is a number"},
      {"mcc in ()", "19: expected a value (a number or a string) in the list, not ')'"},
      {"mcc in (5411", "23: expected ',' or ')'"},
      {"mcc in 5411", "18: expected '(' or '@list' after 'in'"},
      {"customer_id == 42", "26: '==' cannot mix a string and a number; write the value in quotes"},
      {"city == 'Shang", "19: unterminated string"},
      {"amount > 1e999", "20: bad number '1e999'"},
      {"amount > 12abc", "20: bad number '12abc'"},
      {"amount > 1 and", "25: unexpected end of condition"},
      {"and amount > 1", "11: unexpected 'and'"},
      {"amount > -\"x\"", "21: '-' needs a number, not a string"},
      {"is_missing(\"x\")", "22: is_missing() needs a field or a value, not a string literal"},
      {"amount > 1 AND mcc > 2", "22: unexpected 'AND'"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(ErrorOf(RuleAt9(c.condition)), "s.yaml:9:" + c.message) << c.condition;
  }
}

TEST(RulesTest, ConditionErrorsInQuotedAndFoldedScalars) {
  const std::string head = "name: t\nversion: '1'\nrules:\n  - id: r\n    action: {score: 1}\n";
  // Single-quoted: the column counts the quote; '' is one quote of the condition.
  EXPECT_EQ(ErrorOf(head + "    when: 'channel == \"ONLNE\"'\n"),
            "s.yaml:6:23: 'ONLNE' is not a value of channel (POS, ATM, COUNTER, ONLINE, MOBILE, "
            "TRANSFER)");
  EXPECT_EQ(ErrorOf(head + "    when: 'city == ''a'' and amout > 1'\n"),
            "s.yaml:6:30: unknown name 'amout' (not a transaction field, a feature of spec "
            "'fraud' or model_score; did you mean 'amount'?)");
  // Double-quoted without escapes before the token: exact.
  EXPECT_EQ(ErrorOf(head + "    when: \"amount > 1 and amout > 1\"\n"),
            "s.yaml:6:27: unknown name 'amout' (not a transaction field, a feature of spec "
            "'fraud' or model_score; did you mean 'amount'?)");
  // Escapes before the token: where the condition starts.
  EXPECT_EQ(ErrorOf(head + "    when: \"city == \\\"x\\\" and amout > 1\"\n"),
            "s.yaml:6:12: unknown name 'amout' (not a transaction field, a feature of spec "
            "'fraud' or model_score; did you mean 'amount'?)");
  // Folded over lines: the line and column of the token.
  EXPECT_EQ(
      ErrorOf(head +
              "    when: >-\n      amount > 1 and\n        card_count_1h > 2 and amout > 3\n"),
      "s.yaml:8:31: unknown name 'amout' (not a transaction field, a feature of spec "
      "'fraud' or model_score; did you mean 'amount'?)");
  EXPECT_EQ(ErrorOf(head + "    when: |\n      amount > 1 and\n      channel == ONLNE\n"),
            "s.yaml:8:18: 'ONLNE' is not a value of channel (POS, ATM, COUNTER, ONLINE, MOBILE, "
            "TRANSFER)");
  // A plain scalar continued on the next line.
  EXPECT_EQ(ErrorOf(head + "    when: amount > 1 and\n      amout > 3\n"),
            "s.yaml:7:7: unknown name 'amout' (not a transaction field, a feature of spec "
            "'fraud' or model_score; did you mean 'amount'?)");
}

TEST(RulesTest, FileErrorsPointAtTheValue) {
  const std::string rule = "  - id: r\n    when: amount > 1\n    action: {score: 1}\n";
  struct Case {
    std::string yaml;
    std::string message;
  };
  const Case kCases[] = {
      {"", "s.yaml: a rule set is a map with name, version and rules"},
      {"- a\n", "s.yaml:1:1: a rule set is a map with name, version and rules"},
      {"name: t\nversion: 1\nrulez: []\n",
       "s.yaml:3:1: unknown key 'rulez' in a rule set; expected one of name, version, "
       "description, policy, lists, rules"},
      {"name: t\nversion: 1\nname: u\nrules: []\n", "s.yaml:3:1: key 'name' appears twice"},
      {"version: 1\nrules: []\n", "s.yaml:1:1: missing 'name'"},
      {"name: t\nrules: []\n", "s.yaml:1:1: missing 'version'"},
      {"name: t\nversion: 1\n", "s.yaml:1:1: missing 'rules'"},
      {"name: T!\nversion: 1\nrules: []\n",
       "s.yaml:1:7: name 'T!' must be 1-64 of a-z, 0-9, _ and -"},
      {"name: t\nversion: a b\nrules: []\n",
       "s.yaml:2:10: version 'a b' must be 1-64 printable characters without spaces"},
      {"name: t\nversion:\nrules: []\n", "s.yaml:2:1: 'version' needs a value"},
      {"name: t\nversion: [1]\nrules: []\n", "s.yaml:2:10: version must be a single value"},
      {"name: t\nversion: 1\nrules: {}\n", "s.yaml:3:8: 'rules' must be a list of rules"},
      {"name: t\nversion: 1\nrules:\n", "s.yaml:3:1: 'rules' needs a value"},
      {"name: t\nversion: 1\npolicy: 5\nrules: []\n",
       "s.yaml:3:9: 'policy' must be a map with review_at, decline_at"},
      {"name: t\nversion: 1\npolicy: {review: 5}\nrules: []\n",
       "s.yaml:3:10: unknown key 'review' in policy; expected one of review_at, decline_at"},
      {"name: t\nversion: 1\npolicy: {review_at: 900, decline_at: 800}\nrules: []\n",
       "s.yaml:3:21: review_at (900) must not be above decline_at (800)"},
      {"name: t\nversion: 1\npolicy: {review_at: -1}\nrules: []\n",
       "s.yaml:3:21: review_at must be an integer in [0, 1000], not '-1'"},
      {"name: t\nversion: 1\npolicy: {decline_at: 1001}\nrules: []\n",
       "s.yaml:3:22: decline_at must be an integer in [0, 1000], not '1001'"},
      {"name: t\nversion: 1\nlists: {a: 1}\nrules: []\n",
       "s.yaml:3:8: 'lists' must be a list of lists"},
      {"name: t\nversion: 1\nlists:\n  - {name: a, kind: deny, type: ip, size: 3}\nrules: []\n",
       "s.yaml:4:37: unknown key 'size' in a list; expected one of name, kind, type, description"},
      {"name: t\nversion: 1\nlists:\n  - {kind: deny, type: ip}\nrules: []\n",
       "s.yaml:4:5: a list needs 'name'"},
      {"name: t\nversion: 1\nlists:\n  - {name: Bad, kind: deny, type: ip}\nrules: []\n",
       "s.yaml:4:12: list name 'Bad' must be 1-64 of a-z, 0-9 and _ (lower case)"},
      {"name: t\nversion: 1\nlists:\n  - {name: a, kind: block, type: ip}\nrules: []\n",
       "s.yaml:4:21: kind must be one of allow, deny, not 'block'"},
      {"name: t\nversion: 1\nlists:\n  - {name: a, type: ip}\nrules: []\n",
       "s.yaml:4:5: list 'a' needs 'kind' (allow or deny)"},
      {"name: t\nversion: 1\nlists:\n  - {name: a, kind: deny, type: phone}\nrules: []\n",
       "s.yaml:4:33: type must be one of customer, account, card, merchant, device, ip, country, "
       "not 'phone'"},
      {"name: t\nversion: 1\nlists:\n  - {name: a, kind: deny}\nrules: []\n",
       "s.yaml:4:5: list 'a' needs 'type' (customer, account, card, merchant, device, ip, "
       "country)"},
      {"name: t\nversion: 1\nlists:\n  - {name: a, kind: deny, type: ip}\n"
       "  - {name: a, kind: allow, type: ip}\nrules: []\n",
       "s.yaml:5:12: list 'a' is declared twice (first on line 4)"},
      {"name: t\nversion: 1\nrules:\n" + rule + rule,
       "s.yaml:7:9: rule id 'r' is used twice (first on line 4)"},
      {"name: t\nversion: 1\nrules:\n  - id: Card-Test\n    when: amount > 1\n    action: {score: "
       "1}\n",
       "s.yaml:4:9: rule id 'Card-Test' must be 1-64 of a-z, 0-9 and _ (lower case)"},
      {"name: t\nversion: 1\nrules:\n  - id: " + std::string(65, 'a') +
           "\n    when: amount > 1\n    action: {score: 1}\n",
       "s.yaml:4:9: rule id '" + std::string(65, 'a') +
           "' must be 1-64 of a-z, 0-9 and _ (lower case)"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    whn: amount > 1\n    action: {score: 1}\n",
       "s.yaml:5:5: unknown key 'whn' in a rule; expected one of id, description, when, action, "
       "enabled"},
      {"name: t\nversion: 1\nrules:\n  - when: amount > 1\n    action: {score: 1}\n",
       "s.yaml:4:5: a rule needs 'id'"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    action: {score: 1}\n",
       "s.yaml:4:5: rule 'r' needs 'when' (its condition)"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    when:\n    action: {score: 1}\n",
       "s.yaml:5:5: 'when' needs a value"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    when: ''\n    action: {score: 1}\n",
       "s.yaml:5:12: empty condition"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    when: amount > 1\n",
       "s.yaml:4:5: rule 'r' needs 'action'"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    when: amount > 1\n    action: {}\n",
       "s.yaml:6:13: an action needs score, tag or force"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    when: amount > 1\n    action: decline\n",
       "s.yaml:6:13: 'action' must be a map with score, tag or force"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    when: amount > 1\n    action: {points: 5}\n",
       "s.yaml:6:14: unknown key 'points' in an action; expected one of score, tag, force"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    when: amount > 1\n    action: {score: 2000}\n",
       "s.yaml:6:21: score must be an integer in [-1000, 1000], not '2000'"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    when: amount > 1\n    action: {score: 1.5}\n",
       "s.yaml:6:21: score must be an integer in [-1000, 1000], not '1.5'"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    when: amount > 1\n    action: {score: +-5}\n",
       "s.yaml:6:21: score must be an integer in [-1000, 1000], not '+-5'"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    when: amount > 1\n    action: {tag: Big Tag}\n",
       "s.yaml:6:19: tag 'Big Tag' must be 1-64 of a-z, 0-9 and _ (lower case)"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    when: amount > 1\n    action: {force: block}\n",
       "s.yaml:6:21: force must be review or decline, not 'block'"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    when: amount > 1\n    action: {score: 1}\n"
       "    enabled: yes\n",
       "s.yaml:7:14: enabled must be true or false, not 'yes'"},
      {"name: t\nversion: 1\nrules:\n  - id: r\n    when: [amount]\n    action: {score: 1}\n",
       "s.yaml:5:11: when must be a single value"},
      {"name: t\nversion: 1\nrules:\n  - just a string\n",
       "s.yaml:4:5: a rule is a map with id, when and action"},
      {"name: t\nversion: 1\nrules: [\n", "s.yaml:4:1: end of sequence flow not found"},
      {"name: t\nversion: 1\n  bad: indentation\n", "s.yaml:3:6: illegal map value"},
  };
  for (const Case& c : kCases) EXPECT_EQ(ErrorOf(c.yaml), c.message) << c.yaml;
}

TEST(RulesTest, Limits) {
  // A condition of at most 4096 bytes.
  std::string long_condition = "amount > 1";
  while (long_condition.size() < 4096) long_condition += " or amount > 1";
  EXPECT_THAT(ErrorOf(RuleAt9(long_condition)),
              HasSubstr("s.yaml:9:11: condition longer than 4096 bytes"));
  // Nesting: parentheses, not, unary minus and long chains are bounded, never a crash.
  EXPECT_EQ(ErrorOf(RuleAt9(std::string(63, '(') + "amount > 1" + std::string(63, ')'))),
            "<parsed>");
  EXPECT_EQ(ErrorOf(RuleAt9(std::string(70, '(') + "amount > 1" + std::string(70, ')'))),
            "s.yaml:9:75: condition nested too deeply (at most 64 levels)");
  EXPECT_THAT(ErrorOf(RuleAt9(std::string(2000, '(') + "1")), HasSubstr("nested too deeply"));
  std::string nots;
  for (int i = 0; i < 1000; ++i) nots += "not ";
  EXPECT_THAT(ErrorOf(RuleAt9(nots + "amount > 1")), HasSubstr("nested too deeply"));
  EXPECT_THAT(ErrorOf(RuleAt9("amount > " + std::string(1000, '-') + "1")),
              HasSubstr("nested too deeply"));
  std::string chain = "amount";
  for (int i = 0; i < 100; ++i) chain += " + 1";
  EXPECT_THAT(ErrorOf(RuleAt9(chain + " > 0")), HasSubstr("nested too deeply"));
  std::string calls = "1";
  for (int i = 0; i < 100; ++i) calls = "abs(" + calls + ")";
  EXPECT_THAT(ErrorOf(RuleAt9(calls + " > 0")), HasSubstr("nested too deeply"));
  // Long and/or chains and value lists are flat, and fine.
  std::string ors = "amount == 0";
  for (int i = 1; i < 150; ++i) ors += " or amount == " + std::to_string(i);
  EXPECT_EQ(ErrorOf(RuleAt9(ors)), "<parsed>");
  std::string values = "mcc in (0";
  for (int i = 1; i < 500; ++i) values += ", " + std::to_string(i);
  EXPECT_EQ(ErrorOf(RuleAt9(values + ")")), "<parsed>");
  // At most 1000 rules.
  std::string many = "name: t\nversion: 1\nrules:\n";
  for (int i = 0; i <= 1000; ++i) {
    many += "  - {id: r" + std::to_string(i) + ", when: amount > 1, action: {score: 1}}\n";
  }
  EXPECT_EQ(ErrorOf(many), "s.yaml:4:3: more than 1000 rules");
  // At most 1 MiB.
  EXPECT_THAT(ErrorOf("name: t\nversion: 1\nrules: []\n#" + std::string(1 << 20, 'x')),
              HasSubstr("larger than 1 MiB"));
}

TEST(RulesTest, LoadRuleSetReadsFiles) {
  auto missing = LoadRuleSet("/nonexistent/rules.yaml", nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto bad =
      LoadRuleSet(std::string(PANORAMA_SOURCE_DIR) + "/examples/features/fraud.yaml", &FraudSpec());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("examples/features/fraud.yaml:"));
}

// ---------------------------------------------------------------------------------------
// The example rule sets

TEST(RulesTest, StarterSetParsesAgainstTheFraudSpec) {
  ASSERT_FALSE(FraudSpec().features.empty());
  auto set =
      LoadRuleSet(std::string(PANORAMA_SOURCE_DIR) + "/examples/rules/starter.yaml", &FraudSpec());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  const RuleSet& starter = **set;
  EXPECT_EQ(starter.name(), "starter");
  EXPECT_FALSE(starter.version().empty());
  EXPECT_EQ(starter.review_at(), 500);
  EXPECT_EQ(starter.decline_at(), 800);
  EXPECT_GE(starter.rules().size(), 15u);
  EXPECT_LE(starter.rules().size(), 40u);
  size_t enabled = 0;
  for (const Rule& rule : starter.rules()) {
    EXPECT_FALSE(rule.description.empty()) << rule.id;
    EXPECT_FALSE(rule.tag.empty()) << rule.id;
    enabled += rule.enabled ? 1 : 0;
  }
  EXPECT_GE(enabled, 25u);
  // Every declared list is used by some rule.
  for (const ListDecl& list : starter.lists()) {
    bool used = false;
    for (const Rule& rule : starter.rules()) {
      used = used || rule.condition.find("@" + list.name) != std::string::npos;
    }
    EXPECT_TRUE(used) << list.name;
  }
  for (const char* name :
       {"blocked_devices", "blocked_ips", "trusted_customers", "high_risk_countries"}) {
    EXPECT_GE(starter.ListIndex(name), 0) << name;
  }
  // It fires on a card test, not on a plain purchase.
  Input input;
  input.event.set_num(tx::kAmount, 500);
  input.features[static_cast<size_t>(Feature("device_distinct_cards_1h"))] = 6;
  input.lists = ListSnapshot(starter.lists().size());
  std::vector<uint16_t> fired(starter.rules().size());
  size_t count = starter.Evaluate(input.rule_input(), fired);
  std::vector<std::string> ids;
  for (size_t i = 0; i < count; ++i) ids.push_back(starter.rules()[fired[i]].id);
  EXPECT_THAT(ids, ::testing::Contains("card_testing_device"));
  Input plain;
  plain.lists = ListSnapshot(starter.lists().size());
  plain.features.assign(plain.features.size(), kNaN);
  EXPECT_EQ(starter.Evaluate(plain.rule_input(), fired), 0u);
}

TEST(RulesTest, EvaluationAllocatesNothing) {
  auto set =
      LoadRuleSet(std::string(PANORAMA_SOURCE_DIR) + "/examples/rules/starter.yaml", &FraudSpec());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  const RuleSet& starter = **set;
  // Inputs that reach deep into the rules: strings, lists, lower(), in-sets, features.
  std::vector<Input> inputs(4);
  inputs[1].event.clear_field(tx::kDeviceId);
  inputs[2].event.set_num(tx::kType, tx_type::kTransfer);
  inputs[2].event.set_num(tx::kAmount, 9'000'000);
  inputs[2].event.set_str(tx::kCounterpartyId, "X0000000666");
  inputs[3].model_score = 0.9;
  for (Input& input : inputs) {
    input.lists = ListSnapshot(starter.lists().size());
    input.lists.Add(0, "D0756106618");
    for (double& f : input.features) f = 3;
  }
  auto strings = Compile(
      "lower(city) in (\"shanghai\") and starts_with(ip, \"203.\") and contains(city, \"ng\") "
      "and customer_id not in (\"C1\", \"C2\") and coalesce(device_id, \"x\") != \"y\" and "
      "device_id in @blocked_devices and mcc in (5411, 5499) and distance_km(lat, lon, 0, 0) > 1");
  ASSERT_TRUE(strings.ok()) << strings.status().ToString();
  std::vector<uint16_t> fired(starter.rules().size());
  size_t total = 0;
  {  // the counter counts
    testing::AllocationCounter probe;
    auto* allocated = new std::vector<int>(10);
    delete allocated;
    EXPECT_EQ(probe.allocations(), 2u);
  }
  testing::AllocationCounter counter;
  for (int round = 0; round < 50; ++round) {
    for (const Input& input : inputs) {
      const RuleInput in = input.rule_input();
      total += starter.Evaluate(in, fired);
      for (size_t r = 0; r < starter.rules().size(); ++r) {
        total += starter.EvaluateCondition(r, in) == 1 ? 1 : 0;
      }
      total += (*strings)->Evaluate(in, fired);
      total += (*strings)->EvaluateCondition(0, in) == 1 ? 1 : 0;
    }
  }
  EXPECT_EQ(counter.allocations(), 0u);
  EXPECT_GT(total, 0u);  // the rules did fire
}

TEST(RulesTest, BaselineSetParsesAgainstTheFraudSpec) {
  auto set =
      LoadRuleSet(std::string(PANORAMA_SOURCE_DIR) + "/examples/rules/baseline.yaml", &FraudSpec());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ((*set)->name(), "baseline");
  EXPECT_LT((*set)->rules().size(), 15u);
}

}  // namespace
}  // namespace panorama::decide
