#include "features/internal/expression.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/money.h"
#include "core/schema.h"
#include "core/time.h"
#include "features/feature_spec.h"
#include "features/internal/event_values.h"

namespace panorama::features {
namespace {

using ::testing::StartsWith;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// 2026-10-01T08:30:00Z.
constexpr Timestamp kTs = 1'790'843'400LL * kMicrosPerSecond;

// An online CNY purchase with every field set except counterparty_id.
Event FullTx() {
  Event e(EventKind::kTransaction);
  e.set_str(tx::kTxId, "T0000000001");
  e.set_num(tx::kTs, kTs);
  e.set_str(tx::kCustomerId, "C0000000042");
  e.set_str(tx::kAccountId, "A0000000042");
  e.set_str(tx::kCardId, "K0000000007");
  e.set_str(tx::kMerchantId, "M0000000003");
  e.set_str(tx::kDeviceId, "D0000000009");
  e.set_str(tx::kIp, "203.0.113.7");
  e.set_num(tx::kChannel, tx_channel::kOnline);
  e.set_num(tx::kType, tx_type::kPurchase);
  e.set_num(tx::kAmount, 1234);
  e.set_num(tx::kCurrency, Currency::FromCode("CNY")->Packed());
  e.set_num(tx::kMcc, 5411);
  e.set_str(tx::kCountry, "CN");
  e.set_str(tx::kCity, "Shang hai");
  e.set_real(tx::kLat, 31.2304);
  e.set_real(tx::kLon, 121.4737);
  return e;
}

// Only the required fields: no lat/lon, device, country, mcc, amount...
Event BareTx() {
  Event e(EventKind::kTransaction);
  e.set_str(tx::kTxId, "T0000000002");
  e.set_num(tx::kTs, kTs);
  e.set_str(tx::kCustomerId, "C0000000042");
  e.set_num(tx::kChannel, tx_channel::kPos);
  e.set_num(tx::kType, tx_type::kWithdrawal);
  return e;
}

std::shared_ptr<const Expression> MustCompile(const std::string& text,
                                              Expression::Mode mode = Expression::Mode::kFilter) {
  auto compiled = Expression::Compile(text, mode);
  EXPECT_TRUE(compiled.ok()) << text << ": " << compiled.status().ToString();
  return compiled.ok() ? *compiled : nullptr;
}

double Eval(const std::string& text, const Event& event = FullTx()) {
  auto expression = MustCompile(text);
  return expression ? expression->Evaluate(event, nullptr) : -12345.0;
}

bool Passes(const std::string& text, const Event& event = FullTx()) {
  auto expression = MustCompile(text);
  return expression && expression->Passes(event);
}

std::string CompileError(const std::string& text,
                         Expression::Mode mode = Expression::Mode::kFilter) {
  auto compiled = Expression::Compile(text, mode);
  if (compiled.ok()) return "<compiled>";
  EXPECT_EQ(compiled.status().code(), StatusCode::kInvalidArgument);
  return compiled.status().message();
}

#define EXPECT_MISSING(text, ...) EXPECT_TRUE(std::isnan(Eval(text, ##__VA_ARGS__))) << (text)

TEST(ExpressionTest, ArithmeticPrecedenceAndAssociativity) {
  EXPECT_EQ(Eval("1 + 2 * 3"), 7);
  EXPECT_EQ(Eval("(1 + 2) * 3"), 9);
  EXPECT_EQ(Eval("2 * 3 + 4 * 5"), 26);
  EXPECT_EQ(Eval("10 - 4 - 3"), 3);
  EXPECT_EQ(Eval("100 / 10 / 5"), 2);
  EXPECT_EQ(Eval("8 / 2 * 4"), 16);
  EXPECT_EQ(Eval("1+2*3-4/2"), 5);
  EXPECT_EQ(Eval("((((7))))"), 7);
  EXPECT_EQ(Eval("1e3 + .5 + 0.25 + 2.5e-1"), 1001);
}

TEST(ExpressionTest, UnaryMinus) {
  EXPECT_EQ(Eval("-2 * 3"), -6);
  EXPECT_EQ(Eval("- -2"), 2);
  EXPECT_EQ(Eval("-(1 + 2)"), -3);
  EXPECT_EQ(Eval("1 - -1"), 2);
  EXPECT_EQ(Eval("2 - 3 * -1"), 5);
  EXPECT_EQ(Eval("-amount"), -1234);
  EXPECT_EQ(Eval("-amount + 1234"), 0);
}

TEST(ExpressionTest, DivisionByZeroIsMissing) {
  EXPECT_MISSING("1 / 0");
  EXPECT_MISSING("0 / 0");
  EXPECT_MISSING("amount / 0");
  EXPECT_MISSING("amount / (mcc - 5411)");
  EXPECT_MISSING("-1 / 0");
  EXPECT_EQ(Eval("0 / 5"), 0);
}

TEST(ExpressionTest, MissingPropagatesThroughArithmetic) {
  Event bare = BareTx();
  EXPECT_MISSING("lat", bare);
  EXPECT_MISSING("lat + 1", bare);
  EXPECT_MISSING("1 - lat", bare);
  EXPECT_MISSING("lat * 0", bare);
  EXPECT_MISSING("0 / lat", bare);
  EXPECT_MISSING("-lat", bare);
  EXPECT_MISSING("amount + 1", bare);
  EXPECT_MISSING("mcc * 2", bare);
  // Present in the full event.
  EXPECT_EQ(Eval("amount + 1"), 1235);
}

TEST(ExpressionTest, Comparisons) {
  EXPECT_EQ(Eval("1 < 2"), 1);
  EXPECT_EQ(Eval("2 < 2"), 0);
  EXPECT_EQ(Eval("2 <= 2"), 1);
  EXPECT_EQ(Eval("3 <= 2"), 0);
  EXPECT_EQ(Eval("3 > 2"), 1);
  EXPECT_EQ(Eval("2 > 2"), 0);
  EXPECT_EQ(Eval("2 >= 2"), 1);
  EXPECT_EQ(Eval("1 >= 2"), 0);
  EXPECT_EQ(Eval("2 == 2"), 1);
  EXPECT_EQ(Eval("2 == 3"), 0);
  EXPECT_EQ(Eval("2 != 3"), 1);
  EXPECT_EQ(Eval("2 != 2"), 0);
  // Arithmetic binds tighter than comparison.
  EXPECT_EQ(Eval("1 + 1 == 2"), 1);
  EXPECT_EQ(Eval("amount / 100 > 12"), 1);
  EXPECT_EQ(Eval("amount >= 1234"), 1);
  EXPECT_EQ(Eval("amount > 1234"), 0);
  // A comparison with a missing operand is missing, even lat == lat.
  Event bare = BareTx();
  EXPECT_MISSING("lat > 0", bare);
  EXPECT_MISSING("lat == lat", bare);
  EXPECT_MISSING("lat != 1", bare);
  EXPECT_MISSING("amount <= 0", bare);
  EXPECT_FALSE(Passes("lat != 1", bare));
}

TEST(ExpressionTest, ThreeValuedLogic) {
  Event bare = BareTx();  // lat is missing
  // and: false dominates, then missing.
  EXPECT_EQ(Eval("0 and lat", bare), 0);
  EXPECT_EQ(Eval("lat and 0", bare), 0);
  EXPECT_MISSING("1 and lat", bare);
  EXPECT_MISSING("lat and 1", bare);
  EXPECT_MISSING("lat and lat", bare);
  EXPECT_EQ(Eval("2 and 3", bare), 1);
  EXPECT_EQ(Eval("1 and 0", bare), 0);
  // or: true dominates, then missing.
  EXPECT_EQ(Eval("1 or lat", bare), 1);
  EXPECT_EQ(Eval("lat or 1", bare), 1);
  EXPECT_EQ(Eval("lat or -3", bare), 1);
  EXPECT_MISSING("0 or lat", bare);
  EXPECT_MISSING("lat or 0", bare);
  EXPECT_MISSING("lat or lat", bare);
  EXPECT_EQ(Eval("0 or 0", bare), 0);
  EXPECT_EQ(Eval("0 or 5", bare), 1);
  // not: missing stays missing; any non-zero is true.
  EXPECT_MISSING("not lat", bare);
  EXPECT_EQ(Eval("not 0", bare), 1);
  EXPECT_EQ(Eval("not 5", bare), 0);
  EXPECT_EQ(Eval("not -0.5", bare), 0);
  EXPECT_EQ(Eval("not not 7", bare), 1);
  // Comparisons inside logic.
  EXPECT_EQ(Eval("lat > 0 or amount > 0"), 1);
  EXPECT_EQ(Eval("lat > 0 and channel == ATM", bare), 0);
  EXPECT_EQ(Eval("lat > 0 or channel == POS", bare), 1);
}

TEST(ExpressionTest, LogicPrecedence) {
  EXPECT_EQ(Eval("1 or 0 and 0"), 1);  // and binds tighter than or
  EXPECT_EQ(Eval("(1 or 0) and 0"), 0);
  EXPECT_EQ(Eval("not 1 or 1"), 1);   // not binds tighter than or
  EXPECT_EQ(Eval("not 0 and 0"), 0);  // ... and than and
  EXPECT_EQ(Eval("not 1 == 2"), 1);   // comparison binds tighter than not
  EXPECT_EQ(Eval("not (1 == 1)"), 0);
  EXPECT_EQ(Eval("1 < 2 and 2 < 3"), 1);
  EXPECT_EQ(Eval("1 + 1 and 0 - 0"), 0);
}

// Evaluate with the caller's field hashes (what the feature engine passes) gives what it
// computes by itself, for present and absent fields; a field marked absent reads as absent.
TEST(ExpressionTest, CallerHashesGiveTheSameValues) {
  const std::vector<std::string> texts = {"channel in (ONLINE, MOBILE)",
                                          "country == CN",
                                          "country != CN and channel == ONLINE",
                                          "type in (PURCHASE, DEPOSIT) or city == 'Shang hai'",
                                          "device_id == D0000000009",
                                          "not (ip == '203.0.113.7')",
                                          "amount > 1000 and currency == CNY"};
  for (const std::string& text : texts) {
    auto expression = MustCompile(text);
    ASSERT_TRUE(expression);
    const std::vector<int> fields = expression->categorical_fields();
    EXPECT_FALSE(fields.empty()) << text;
    for (const Event& event : {FullTx(), BareTx()}) {
      std::vector<int> slot(static_cast<size_t>(kHourField) + 1, -1);
      std::vector<uint64_t> hashes;
      uint64_t present = 0;
      for (int field : fields) {
        EXPECT_EQ(slot[static_cast<size_t>(field)], -1) << text << ": field listed twice";
        slot[static_cast<size_t>(field)] = static_cast<int>(hashes.size());
        uint64_t hash = 0;
        if (internal::CategoricalHash(event, field, &hash)) present |= uint64_t{1} << hashes.size();
        hashes.push_back(hash);
      }
      const Expression::EventHashes given{slot.data(), hashes.data(), present};
      const double own = expression->Evaluate(event, nullptr);
      const double with = expression->Evaluate(event, nullptr, &given);
      EXPECT_TRUE(own == with || (std::isnan(own) && std::isnan(with))) << text;
    }
  }
  auto country = MustCompile("country == CN");
  ASSERT_TRUE(country);
  std::vector<int> slot(static_cast<size_t>(kHourField) + 1, -1);
  slot[tx::kCountry] = 0;
  uint64_t hash = 0;
  ASSERT_TRUE(internal::CategoricalHash(FullTx(), tx::kCountry, &hash));
  const Expression::EventHashes absent{slot.data(), &hash, 0};
  EXPECT_EQ(country->Evaluate(FullTx(), nullptr), 1);
  EXPECT_TRUE(std::isnan(country->Evaluate(FullTx(), nullptr, &absent)));
}

// Filters that test one field against text constants are recognised as ValueTests, whose
// outcome (present and among the hashes, or not among them when negated) is Passes()'s.
TEST(ExpressionTest, ValueTests) {
  struct Expected {
    std::string text;
    int field;
    std::vector<std::string> values;
    bool negated;
  };
  const std::vector<Expected> tests = {
      {"channel == ONLINE", tx::kChannel, {"ONLINE"}, false},
      {"channel in (ONLINE, MOBILE)", tx::kChannel, {"ONLINE", "MOBILE"}, false},
      {"type == DEPOSIT or type == TRANSFER or type == PURCHASE",
       tx::kType,
       {"DEPOSIT", "TRANSFER", "PURCHASE"},
       false},
      {"country != CN", tx::kCountry, {"CN"}, true},
      {"not (mcc in (6011, 5411))", tx::kMcc, {"6011", "5411"}, true},
      {"(device_id == D0000000009)", tx::kDeviceId, {"D0000000009"}, false},
  };
  Event no_country = FullTx();
  no_country.clear_field(tx::kCountry);
  Event no_mcc = FullTx();
  no_mcc.clear_field(tx::kMcc);
  const std::vector<Event> events = {FullTx(), BareTx(), no_country, no_mcc};
  for (const Expected& want : tests) {
    auto expression = MustCompile(want.text);
    ASSERT_TRUE(expression);
    std::optional<Expression::ValueTest> test = expression->AsValueTest();
    ASSERT_TRUE(test.has_value()) << want.text;
    EXPECT_EQ(test->field, want.field) << want.text;
    EXPECT_EQ(test->negated, want.negated) << want.text;
    std::vector<uint64_t> hashes;
    for (const std::string& v : want.values) hashes.push_back(*internal::HashOfText(want.field, v));
    EXPECT_EQ(test->hashes, hashes) << want.text;
    for (const Event& event : events) {
      uint64_t hash = 0;
      bool passes = false;
      if (internal::CategoricalHash(event, test->field, &hash)) {
        const bool among = std::find(hashes.begin(), hashes.end(), hash) != hashes.end();
        passes = among != test->negated;
      }
      EXPECT_EQ(expression->Passes(event), passes) << want.text;
    }
  }
  for (const char* text :
       {"channel == ONLINE or type == DEPOSIT", "channel == ONLINE and channel == MOBILE",
        "not not channel == ONLINE", "channel != ONLINE or channel != MOBILE", "amount > 5",
        "channel == ONLINE or 1", "present(channel)"}) {
    auto expression = MustCompile(text);
    ASSERT_TRUE(expression);
    EXPECT_FALSE(expression->AsValueTest().has_value()) << text;
  }
}

TEST(ExpressionTest, PassesOnlyWhenTrue) {
  Event bare = BareTx();
  EXPECT_TRUE(Passes("1"));
  EXPECT_TRUE(Passes("-2"));
  EXPECT_TRUE(Passes("0.001"));
  EXPECT_FALSE(Passes("0"));
  EXPECT_FALSE(Passes("lat", bare));
  EXPECT_FALSE(Passes("1 / 0"));
  EXPECT_FALSE(Passes("not lat", bare));
  EXPECT_TRUE(Passes("amount"));
  EXPECT_FALSE(Passes("amount", bare));
}

TEST(ExpressionTest, EnumSymbols) {
  Event full = FullTx();  // ONLINE PURCHASE
  Event bare = BareTx();  // POS WITHDRAWAL
  EXPECT_TRUE(Passes("channel == ONLINE", full));
  EXPECT_FALSE(Passes("channel == ONLINE", bare));
  EXPECT_FALSE(Passes("channel != ONLINE", full));
  EXPECT_TRUE(Passes("channel != ONLINE", bare));
  EXPECT_TRUE(Passes("ONLINE == channel", full));  // the symbol may come first
  EXPECT_TRUE(Passes("POS != channel", full));
  EXPECT_TRUE(Passes("type == PURCHASE", full));
  EXPECT_TRUE(Passes("type == WITHDRAWAL", bare));
  EXPECT_TRUE(Passes("type != TRANSFER", full));
  EXPECT_TRUE(Passes("channel == 'ONLINE'", full));
  EXPECT_TRUE(Passes("channel == \"ONLINE\"", full));
  // As numbers: the enum index (POS 0 ... ONLINE 3).
  EXPECT_EQ(Eval("channel", full), 3);
  EXPECT_EQ(Eval("type", bare), 1);
  EXPECT_TRUE(Passes("channel == 3", full));
  EXPECT_TRUE(Passes("channel > 2", full));
  EXPECT_TRUE(Passes("channel + type == 3", full));
  // A missing categorical field makes the test missing: neither == nor != passes.
  Event no_channel = BareTx();
  no_channel.clear_field(tx::kChannel);
  EXPECT_MISSING("channel == POS", no_channel);
  EXPECT_FALSE(Passes("channel == POS", no_channel));
  EXPECT_FALSE(Passes("channel != POS", no_channel));
}

TEST(ExpressionTest, InLists) {
  Event full = FullTx();
  Event bare = BareTx();
  EXPECT_TRUE(Passes("channel in (ONLINE, MOBILE)", full));
  EXPECT_FALSE(Passes("channel in (ONLINE, MOBILE)", bare));
  EXPECT_TRUE(Passes("channel in (ONLINE)", full));
  EXPECT_TRUE(Passes("channel in (ATM, COUNTER, POS)", bare));
  EXPECT_TRUE(Passes("not (channel in (ATM, COUNTER))", full));
  EXPECT_TRUE(Passes("not channel in (ATM, COUNTER)", full));
  EXPECT_TRUE(Passes("mcc in (5411, 5499, 5912)", full));
  EXPECT_FALSE(Passes("mcc in (6011, 6012)", full));
  EXPECT_TRUE(Passes("country in (HK, 'CN', \"MO\")", full));
  EXPECT_TRUE(Passes("currency in (USD, CNY)", full));
  EXPECT_TRUE(Passes("customer_id in (C0000000001, C0000000042)", full));
  EXPECT_TRUE(Passes("channel in (ONLINE, MOBILE) and amount <= 2000", full));
  EXPECT_EQ(Eval("channel in (ONLINE, MOBILE)", full), 1);
  EXPECT_EQ(Eval("channel in (ONLINE, MOBILE)", bare), 0);
  // A missing field: missing, whatever the list.
  EXPECT_MISSING("mcc in (5411, 6011)", bare);
  EXPECT_MISSING("country in (CN, HK)", bare);
  EXPECT_FALSE(Passes("country in (CN, HK)", bare));
}

TEST(ExpressionTest, Strings) {
  Event full = FullTx();
  Event bare = BareTx();
  EXPECT_TRUE(Passes("country == \"CN\"", full));
  EXPECT_TRUE(Passes("country == 'CN'", full));
  EXPECT_TRUE(Passes("country == CN", full));
  EXPECT_FALSE(Passes("country != CN", full));
  EXPECT_TRUE(Passes("country != HK", full));
  // No country: `country != CN` is missing and does not pass; present() includes it.
  EXPECT_FALSE(Passes("country != CN", bare));
  EXPECT_MISSING("country != CN", bare);
  EXPECT_TRUE(Passes("not present(country) or country != CN", bare));
  EXPECT_FALSE(Passes("not present(country) or country != CN", full));
  EXPECT_TRUE(Passes("customer_id == C0000000042", full));
  EXPECT_TRUE(Passes("customer_id == C0000000042", bare));
  EXPECT_FALSE(Passes("customer_id == C0000000043", full));
  EXPECT_TRUE(Passes("ip == '203.0.113.7'", full));
  EXPECT_TRUE(Passes("city == 'Shang hai'", full));
  EXPECT_FALSE(Passes("city == Shang", full));
  EXPECT_TRUE(Passes("device_id != D0000000001", full));
  EXPECT_FALSE(Passes("device_id != D0000000001", bare));
  // Case matters.
  EXPECT_FALSE(Passes("country == cn", full));
}

TEST(ExpressionTest, CurrencyAndMcc) {
  Event full = FullTx();
  EXPECT_TRUE(Passes("currency == CNY", full));
  EXPECT_FALSE(Passes("currency == USD", full));
  EXPECT_TRUE(Passes("currency != JPY", full));
  EXPECT_FALSE(Passes("currency == CNY", BareTx()));
  // mcc is both a number and a category.
  EXPECT_EQ(Eval("mcc", full), 5411);
  EXPECT_TRUE(Passes("mcc == 5411", full));
  EXPECT_TRUE(Passes("mcc == '5411'", full));
  EXPECT_TRUE(Passes("mcc >= 5000 and mcc < 6000", full));
  EXPECT_FALSE(Passes("not (mcc == 5411)", full));
  EXPECT_EQ(Eval("mcc + 1", full), 5412);
}

TEST(ExpressionTest, NumericFields) {
  Event full = FullTx();
  EXPECT_EQ(Eval("amount", full), 1234);  // minor units
  EXPECT_NEAR(Eval("lat", full), 31.2304, 1e-7);
  EXPECT_NEAR(Eval("lon", full), 121.4737, 1e-7);
  EXPECT_EQ(Eval("hour", full), 8);
  EXPECT_TRUE(Passes("hour >= 8 and hour < 9", full));
  // hour is computed from ts and is always present, also before 1970.
  Event early = BareTx();
  early.set_num(tx::kTs, -kMicrosPerSecond);  // 1969-12-31T23:59:59Z
  EXPECT_EQ(Eval("hour", early), 23);
  EXPECT_EQ(Eval("hour", BareTx()), 8);
}

TEST(ExpressionTest, Present) {
  Event full = FullTx();
  Event bare = BareTx();
  EXPECT_EQ(Eval("present(device_id)", full), 1);
  EXPECT_EQ(Eval("present(device_id)", bare), 0);  // 0, not missing
  EXPECT_EQ(Eval("not present(device_id)", bare), 1);
  EXPECT_EQ(Eval("present(counterparty_id)", full), 0);
  EXPECT_EQ(Eval("present(lat) + present(lon) + present(amount)", full), 3);
  EXPECT_EQ(Eval("present(customer_id)", bare), 1);
  EXPECT_TRUE(Passes("present(device_id) and amount > 1000", full));
}

TEST(ExpressionTest, FunctionsAndDomains) {
  Event bare = BareTx();
  EXPECT_EQ(Eval("abs(-3)"), 3);
  EXPECT_EQ(Eval("abs(3)"), 3);
  EXPECT_EQ(Eval("log(1)"), 0);
  EXPECT_DOUBLE_EQ(Eval("log(100)"), std::log(100.0));
  EXPECT_MISSING("log(0)");
  EXPECT_MISSING("log(-1)");
  EXPECT_EQ(Eval("log1p(0)"), 0);
  EXPECT_DOUBLE_EQ(Eval("log1p(-0.5)"), std::log1p(-0.5));
  EXPECT_DOUBLE_EQ(Eval("log1p(amount / 100)"), std::log1p(12.34));
  EXPECT_MISSING("log1p(-1)");
  EXPECT_MISSING("log1p(-2)");
  EXPECT_EQ(Eval("sqrt(4)"), 2);
  EXPECT_EQ(Eval("sqrt(0)"), 0);
  EXPECT_MISSING("sqrt(-1)");
  EXPECT_EQ(Eval("min(2, 3)"), 2);
  EXPECT_EQ(Eval("max(2, 3)"), 3);
  EXPECT_EQ(Eval("min(-2, -3)"), -3);
  EXPECT_MISSING("min(lat, 1)", bare);
  EXPECT_MISSING("min(1, lat)", bare);
  EXPECT_MISSING("max(lat, 1)", bare);
  EXPECT_MISSING("max(1, lat)", bare);
  EXPECT_EQ(Eval("coalesce(lat, 7)", bare), 7);
  EXPECT_EQ(Eval("coalesce(3, 7)", bare), 3);
  EXPECT_EQ(Eval("coalesce(0, 7)", bare), 0);  // 0 is not missing
  EXPECT_MISSING("coalesce(lat, lon)", bare);
  EXPECT_EQ(Eval("coalesce(1 / 0, 2)"), 2);
  // Missing inputs stay missing.
  EXPECT_MISSING("abs(lat)", bare);
  EXPECT_MISSING("log(lat)", bare);
  EXPECT_MISSING("log1p(lat)", bare);
  EXPECT_MISSING("sqrt(lat)", bare);
  // Arguments are full expressions; calls nest.
  EXPECT_EQ(Eval("max(min(1, 2), abs(-5))"), 5);
  EXPECT_EQ(Eval("min(1 < 2, 5)"), 1);
  EXPECT_EQ(Eval("min(1 or 0, 0 and 1)"), 0);
  EXPECT_EQ(Eval("coalesce(lat > 0, 0)", bare), 0);
  EXPECT_EQ(Eval("abs(-2) * sqrt(9) + max(1, 2)"), 8);
}

// Features "a", "b", "c" at indices 0, 1, 2.
int ResolveAbc(const void* context, std::string_view name) {
  const auto* names = static_cast<const std::vector<std::string>*>(context);
  for (size_t i = 0; i < names->size(); ++i) {
    if ((*names)[i] == name) return static_cast<int>(i);
  }
  return -1;
}

TEST(ExpressionTest, FeatureReferencesInDerivedMode) {
  const std::vector<std::string> names = {"a", "b", "c", "amount"};
  auto compile = [&](const std::string& text) {
    auto compiled = Expression::Compile(text, Expression::Mode::kDerived, &ResolveAbc, &names);
    EXPECT_TRUE(compiled.ok()) << text << ": " << compiled.status().ToString();
    return compiled.ok() ? *compiled : nullptr;
  };
  Event full = FullTx();
  const double features[] = {10, 4, kNaN, -1};

  auto ratio = compile("a / b");
  ASSERT_NE(ratio, nullptr);
  EXPECT_EQ(ratio->Evaluate(full, features), 2.5);
  EXPECT_THAT(ratio->feature_refs(), ::testing::ElementsAre(0, 1));

  auto with_missing = compile("a + c");
  ASSERT_NE(with_missing, nullptr);
  EXPECT_TRUE(std::isnan(with_missing->Evaluate(full, features)));

  auto coalesced = compile("coalesce(c, amount)");
  ASSERT_NE(coalesced, nullptr);
  EXPECT_EQ(coalesced->Evaluate(full, features), 1234);  // the field, not feature "amount"
  EXPECT_THAT(coalesced->feature_refs(), ::testing::ElementsAre(2));

  auto zscore = compile("(amount - a * 100) / b");
  ASSERT_NE(zscore, nullptr);
  EXPECT_EQ(zscore->Evaluate(full, features), (1234 - 1000) / 4.0);

  auto is_new = compile("b == 0");
  ASSERT_NE(is_new, nullptr);
  EXPECT_EQ(is_new->Evaluate(full, features), 0);

  auto mixed = compile("channel == ONLINE and a > 5");
  ASSERT_NE(mixed, nullptr);
  EXPECT_EQ(mixed->Evaluate(full, features), 1);

  // Division by a zero feature is missing, not infinite.
  const double zero[] = {1, 0, 0, 0};
  EXPECT_TRUE(std::isnan(ratio->Evaluate(full, zero)));

  auto unknown = Expression::Compile("a / d", Expression::Mode::kDerived, &ResolveAbc, &names);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "col 5: unknown name 'd' (not a numeric field or an earlier feature)");

  // Filters see no features, even with a resolver.
  auto in_filter = Expression::Compile("a > 1", Expression::Mode::kFilter, &ResolveAbc, &names);
  ASSERT_FALSE(in_filter.ok());
  EXPECT_EQ(in_filter.status().message(), "col 1: unknown name 'a' (not a numeric field)");
}

TEST(ExpressionTest, ErrorsNameTheColumn) {
  EXPECT_EQ(CompileError("amout > 5"), "col 1: unknown name 'amout' (not a numeric field)");
  EXPECT_EQ(CompileError("amount > foo"), "col 10: unknown name 'foo' (not a numeric field)");
  EXPECT_EQ(CompileError("amout", Expression::Mode::kDerived),
            "col 1: unknown name 'amout' (not a numeric field or an earlier feature)");
  EXPECT_THAT(CompileError("1 + foo(2)"), StartsWith("col 5: unknown function 'foo' (abs, log"));
  EXPECT_EQ(CompileError("abs(1, 2)"), "col 6: abs() takes 1 argument");
  EXPECT_EQ(CompileError("min(1)"), "col 6: min() takes 2 arguments");
  EXPECT_EQ(CompileError("max(1, 2, 3)"), "col 9: max() takes 2 arguments");
  EXPECT_EQ(CompileError("coalesce()"), "col 10: unexpected ')'");
  EXPECT_EQ(CompileError("country == 'CN"), "col 12: unterminated string");
  EXPECT_EQ(CompileError("city == \"Shang hai"), "col 9: unterminated string");
  EXPECT_EQ(CompileError("channel = ONLINE"), "col 9: unknown operator '=' (use == or !=)");
  EXPECT_EQ(CompileError("amount ! 5"), "col 8: unknown operator '!' (use == or !=)");
  EXPECT_EQ(CompileError("1 + 2 )"), "col 7: unexpected ')'");
  EXPECT_EQ(CompileError("amount > 5 5"), "col 12: unexpected '5'");
  EXPECT_EQ(CompileError("amount > 5 abc"), "col 12: unexpected 'abc'");
  EXPECT_EQ(CompileError("1 < 2 < 3"), "col 7: unexpected '<'");
  EXPECT_EQ(CompileError(""), "col 1: empty expression");
  EXPECT_EQ(CompileError("   "), "col 4: empty expression");
  EXPECT_EQ(CompileError("1 +"), "col 4: unexpected end of expression");
  EXPECT_EQ(CompileError("1 and"), "col 6: unexpected end of expression");
  EXPECT_EQ(CompileError("(1 + 2"), "col 7: expected ')'");
  EXPECT_EQ(CompileError("and 1"), "col 1: unexpected 'and'");
  EXPECT_EQ(CompileError("amount # 2"), "col 8: unexpected character '#'");
  EXPECT_EQ(CompileError("1.2.3 > 0"), "col 1: bad number '1.2.3'");
  EXPECT_EQ(CompileError("amount > 1e999"), "col 10: bad number '1e999'");
  EXPECT_EQ(CompileError("amount > 5m"), "col 10: bad number '5m'");
}

TEST(ExpressionTest, CategoricalErrorsNameTheColumn) {
  EXPECT_EQ(CompileError("channel == ONLNE"),
            "col 12: 'ONLNE' is not a value of channel (POS, ATM, COUNTER, ONLINE, MOBILE, "
            "TRANSFER)");
  EXPECT_EQ(CompileError("channel in (ONLINE, MOBLE)"),
            "col 21: 'MOBLE' is not a value of channel (POS, ATM, COUNTER, ONLINE, MOBILE, "
            "TRANSFER)");
  EXPECT_EQ(CompileError("currency == XYZ"), "col 13: 'XYZ' is not an ISO 4217 currency");
  EXPECT_EQ(CompileError("mcc == 'abc'"), "col 8: 'abc' is not an integer for mcc");
  EXPECT_EQ(CompileError("channel < ONLINE"), "col 9: a categorical field takes only == and !=");
  EXPECT_EQ(CompileError("amount in (1, 2)"), "col 8: 'in' needs a categorical field on its left");
  EXPECT_EQ(CompileError("channel in ONLINE"), "col 12: expected '(' after 'in'");
  EXPECT_EQ(CompileError("channel in (ONLINE MOBILE)"), "col 20: expected ')'");
  EXPECT_EQ(CompileError("channel in ()"), "col 13: expected a value in the 'in' list");
  EXPECT_THAT(CompileError("customer_id > 5"),
              StartsWith("col 1: field 'customer_id' is not numeric"));
  EXPECT_THAT(CompileError("1 + currency"), StartsWith("col 5: field 'currency' is not numeric"));
  EXPECT_THAT(CompileError("country"), StartsWith("col 1: field 'country' is not numeric"));
  EXPECT_EQ(CompileError("amount == ONLINE"),
            "col 11: unknown name 'ONLINE' (not a numeric field)");
  EXPECT_EQ(CompileError("ONLINE"), "col 1: unknown name 'ONLINE' (not a numeric field)");
  EXPECT_EQ(CompileError("present(hour)"), "col 9: unknown field 'hour'");
  EXPECT_EQ(CompileError("present(nope)"), "col 9: unknown field 'nope'");
  EXPECT_EQ(CompileError("present(1)"), "col 9: present() takes a field");
  EXPECT_EQ(CompileError("present(device_id"), "col 18: expected ')'");
}

std::string Repeat(std::string_view piece, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(ExpressionTest, NestingIsBounded) {
  // 63 parentheses around a number compile; 65 do not, and the error points at the 65th.
  EXPECT_EQ(Eval(Repeat("(", 63) + "1" + Repeat(")", 63)), 1);
  EXPECT_EQ(CompileError(Repeat("(", 65) + "1" + Repeat(")", 65)),
            "col 65: expression nested too deeply");
  EXPECT_EQ(CompileError(Repeat("(", 10'000) + "1"), "col 65: expression nested too deeply");
  EXPECT_EQ(CompileError(Repeat("abs(", 100) + "1" + Repeat(")", 100)),
            "col 257: expression nested too deeply");
  // Few levels of parentheses but many pending operands: the evaluation stack would exceed
  // its bound, which Compile refuses rather than overflowing.
  std::string wide = Repeat("1 or 1 and 1 < 1 + 1 * (", 20) + "1" + Repeat(")", 20);
  EXPECT_EQ(CompileError(wide), "col 1: expression too deep");
  // Long flat expressions are fine up to the op limit.
  EXPECT_EQ(Eval("1" + Repeat(" + 1", 200)), 201);
  EXPECT_EQ(CompileError("1" + Repeat(" + 1", 2'000)), "col 1: expression too long");
}

// Chains of prefix operators recurse in the parser without passing the nesting bound; a
// long one must be an error, not a stack overflow. Run in a child so that a crash fails
// only this test.
TEST(ExpressionDeathTest, LongPrefixChainsAreErrorsNotCrashes) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (const std::string& piece : {std::string("-"), std::string("not ")}) {
    SCOPED_TRACE(piece);
    std::string text = Repeat(piece, 1'000'000) + "1";
    EXPECT_EXIT(
        {
          auto compiled = Expression::Compile(text, Expression::Mode::kFilter);
          std::exit(compiled.ok() ? 1 : 0);  // NOLINT(concurrency-mt-unsafe)
        },
        ::testing::ExitedWithCode(0), "");
  }
}

TEST(ExpressionTest, ShortPrefixChainsWork) {
  EXPECT_EQ(Eval(Repeat("-", 10) + "3"), 3);
  EXPECT_EQ(Eval(Repeat("-", 11) + "3"), -3);
  EXPECT_EQ(Eval(Repeat("not ", 10) + "3"), 1);
  EXPECT_EQ(Eval(Repeat("not ", 11) + "3"), 0);
}

}  // namespace
}  // namespace panorama::features
