#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/schema.h"
#include "core/time.h"
#include "features/feature_spec.h"
#include "features/internal/event_values.h"
#include "features/internal/expression.h"

namespace panorama::features {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr Timestamp kSecond = kMicrosPerSecond;
constexpr Timestamp kMinute = 60 * kSecond;
constexpr Timestamp kHour = 60 * kMinute;
constexpr Timestamp kDay = 24 * kHour;

FeatureSpec MustParse(const std::string& yaml) {
  auto spec = ParseFeatureSpec(yaml, "s.yaml");
  EXPECT_TRUE(spec.ok()) << spec.status().ToString() << "\n" << yaml;
  return spec.ok() ? std::move(spec).value() : FeatureSpec{};
}

std::string ErrorOf(const std::string& yaml) {
  auto spec = ParseFeatureSpec(yaml, "s.yaml");
  if (spec.ok()) return "<parsed>";
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
  return spec.status().message();
}

// A spec whose only feature starts "  - name: f" on line 3; `body` follows from line 4,
// indented by four spaces (so a value after "key: " starts at column 5 + len("key: ")).
std::string OneFeature(const std::string& body) {
  return "name: t\nfeatures:\n  - name: f\n" + body;
}

// ---------------------------------------------------------------------------------------
// Valid specs

TEST(SpecTest, TopLevelDefaults) {
  FeatureSpec spec = MustParse(OneFeature("    entity: card_id\n    agg: count\n"));
  EXPECT_EQ(spec.name, "t");
  EXPECT_EQ(spec.file, "s.yaml");
  EXPECT_EQ(spec.version, 1);
  EXPECT_EQ(spec.allowed_lateness, 5 * kMinute);
  EXPECT_EQ(spec.distinct_exact_limit, 1024u);
  EXPECT_EQ(spec.hll_precision, 12);
  ASSERT_EQ(spec.features.size(), 1u);
  const FeatureDef& f = spec.features[0];
  EXPECT_EQ(f.name, "f");
  EXPECT_EQ(f.aggregation, Aggregation::kCount);
  EXPECT_EQ(f.field, -1);
  EXPECT_EQ(f.window, kLifetime);
  EXPECT_FALSE(f.include_current);
  EXPECT_EQ(f.filter, nullptr);
  EXPECT_TRUE(f.filter_text.empty());
  EXPECT_EQ(f.line, 3);
  ASSERT_EQ(spec.keyspaces.size(), 1u);
  EXPECT_EQ(spec.keyspaces[0].name, "card_id");
  EXPECT_EQ(spec.keyspaces[0].fields, std::vector<int>{tx::kCardId});
  EXPECT_EQ(f.keyspace, 0);
  EXPECT_NE(spec.fingerprint, 0u);
}

TEST(SpecTest, TopLevelValues) {
  FeatureSpec spec = MustParse(
      "name: fraud-v2_x\n"
      "version: 7\n"
      "description: anything at all\n"
      "allowed_lateness: 90s\n"
      "distinct_exact_limit: 100\n"
      "hll_precision: 16\n"
      "features:\n"
      "  - name: f\n"
      "    entity: card_id\n"
      "    agg: count\n");
  EXPECT_EQ(spec.name, "fraud-v2_x");
  EXPECT_EQ(spec.version, 7);
  EXPECT_EQ(spec.allowed_lateness, 90 * kSecond);
  EXPECT_EQ(spec.distinct_exact_limit, 100u);
  EXPECT_EQ(spec.hll_precision, 16);
  EXPECT_EQ(MustParse("name: x\nhll_precision: 8\nfeatures: [{name: f, entity: ip, agg: count}]")
                .hll_precision,
            8);
  EXPECT_EQ(MustParse("name: x\ndistinct_exact_limit: 1000000\nfeatures: [{name: f, entity: ip, "
                      "agg: count}]")
                .distinct_exact_limit,
            1'000'000u);
  // A 64-character spec name of digits and dashes is fine.
  EXPECT_EQ(MustParse("name: " + std::string(64, '-') +
                      "\nfeatures: [{name: f, entity: ip, agg: "
                      "count}]")
                .name,
            std::string(64, '-'));
}

struct AggCase {
  std::string body;
  Aggregation aggregation;
  int field;
};

TEST(SpecTest, EveryAggregation) {
  const AggCase cases[] = {
      {"agg: count", Aggregation::kCount, -1},
      {"agg: sum\n    field: amount", Aggregation::kSum, tx::kAmount},
      {"agg: mean\n    field: amount", Aggregation::kMean, tx::kAmount},
      {"agg: min\n    field: lat", Aggregation::kMin, tx::kLat},
      {"agg: max\n    field: lon", Aggregation::kMax, tx::kLon},
      {"agg: stddev\n    field: hour", Aggregation::kStddev, kHourField},
      {"agg: mean\n    field: mcc", Aggregation::kMean, tx::kMcc},
      {"agg: last\n    field: channel", Aggregation::kLast, tx::kChannel},
      {"agg: last\n    field: type", Aggregation::kLast, tx::kType},
      {"agg: distinct_count\n    field: merchant_id\n    window: 30d", Aggregation::kDistinctCount,
       tx::kMerchantId},
      {"agg: distinct_count\n    field: ip\n    window: 1h", Aggregation::kDistinctCount, tx::kIp},
      {"agg: distinct_count\n    field: country\n    window: 1h", Aggregation::kDistinctCount,
       tx::kCountry},
      {"agg: distinct_count\n    field: hour\n    window: 1d", Aggregation::kDistinctCount,
       kHourField},
      {"agg: distinct_count\n    field: amount\n    window: 1d", Aggregation::kDistinctCount,
       tx::kAmount},
      {"agg: time_since_last", Aggregation::kTimeSinceLast, -1},
      {"agg: time_since_first", Aggregation::kTimeSinceFirst, -1},
      {"agg: time_since_first\n    window: lifetime", Aggregation::kTimeSinceFirst, -1},
      {"agg: count_value\n    field: channel\n    value: ATM", Aggregation::kCountValue,
       tx::kChannel},
      {"agg: ratio\n    numerator: channel == ONLINE", Aggregation::kRatio, -1},
  };
  for (const AggCase& c : cases) {
    SCOPED_TRACE(c.body);
    FeatureSpec spec = MustParse(OneFeature("    entity: customer_id\n    " + c.body + "\n"));
    ASSERT_EQ(spec.features.size(), 1u);
    EXPECT_EQ(spec.features[0].aggregation, c.aggregation);
    EXPECT_EQ(spec.features[0].field, c.field);
  }
}

TEST(SpecTest, AggregationNames) {
  EXPECT_EQ(AggregationName(Aggregation::kCount), "count");
  EXPECT_EQ(AggregationName(Aggregation::kDistinctCount), "distinct_count");
  EXPECT_EQ(AggregationName(Aggregation::kTimeSinceFirst), "time_since_first");
  EXPECT_EQ(AggregationName(Aggregation::kRatio), "ratio");
  EXPECT_EQ(AggregationName(Aggregation::kDerived), "expr");
}

TEST(SpecTest, KeyspacesAreSharedAndNormalized) {
  FeatureSpec spec = MustParse(
      "name: k\n"
      "features:\n"
      "  - {name: a, entity: customer_id, agg: count}\n"
      "  - {name: b, entity: customer_id+merchant_id, agg: count}\n"
      "  - {name: c, entity: customer_id, agg: count, window: 1h}\n"
      "  - {name: d, entity: 'customer_id + merchant_id', agg: count}\n"
      "  - {name: e, entity: merchant_id+customer_id, agg: count}\n"
      "  - {name: g, entity: device_id+ip+card_id, agg: count}\n");
  ASSERT_EQ(spec.keyspaces.size(), 4u);
  EXPECT_EQ(spec.keyspaces[0].name, "customer_id");
  EXPECT_EQ(spec.keyspaces[1].name, "customer_id+merchant_id");
  EXPECT_EQ(spec.keyspaces[1].fields, (std::vector<int>{tx::kCustomerId, tx::kMerchantId}));
  EXPECT_EQ(spec.keyspaces[2].name, "merchant_id+customer_id");  // the order as written
  EXPECT_EQ(spec.keyspaces[2].fields, (std::vector<int>{tx::kMerchantId, tx::kCustomerId}));
  EXPECT_EQ(spec.keyspaces[3].fields, (std::vector<int>{tx::kDeviceId, tx::kIp, tx::kCardId}));
  std::vector<int> keyspace_of;
  for (const FeatureDef& f : spec.features) keyspace_of.push_back(f.keyspace);
  EXPECT_EQ(keyspace_of, (std::vector<int>{0, 1, 0, 1, 2, 3}));
}

TEST(SpecTest, EveryEntityField) {
  const std::pair<std::string, int> fields[] = {{"customer_id", tx::kCustomerId},
                                                {"account_id", tx::kAccountId},
                                                {"card_id", tx::kCardId},
                                                {"merchant_id", tx::kMerchantId},
                                                {"device_id", tx::kDeviceId},
                                                {"ip", tx::kIp},
                                                {"counterparty_id", tx::kCounterpartyId},
                                                {"country", tx::kCountry},
                                                {"city", tx::kCity},
                                                {"mcc", tx::kMcc},
                                                {"channel", tx::kChannel},
                                                {"type", tx::kType},
                                                {"currency", tx::kCurrency}};
  for (const auto& [name, field] : fields) {
    SCOPED_TRACE(name);
    FeatureSpec spec = MustParse(OneFeature("    entity: " + name + "\n    agg: count\n"));
    ASSERT_EQ(spec.keyspaces.size(), 1u);
    EXPECT_EQ(spec.keyspaces[0].fields, std::vector<int>{field});
  }
}

TEST(SpecTest, Windows) {
  const std::pair<std::string, Timestamp> windows[] = {{"90s", 90 * kSecond},
                                                       {"5m", 5 * kMinute},
                                                       {"1h", kHour},
                                                       {"24h", kDay},
                                                       {"1d", kDay},
                                                       {"7d", 7 * kDay},
                                                       {"30d", 30 * kDay},
                                                       {"90d", 90 * kDay},
                                                       {"lifetime", kLifetime},
                                                       {"\"2h\"", 2 * kHour},
                                                       {"36600d", 36'600 * kDay}};
  for (const auto& [text, micros] : windows) {
    SCOPED_TRACE(text);
    FeatureSpec spec =
        MustParse(OneFeature("    entity: card_id\n    agg: count\n    window: " + text + "\n"));
    ASSERT_EQ(spec.features.size(), 1u);
    EXPECT_EQ(spec.features[0].window, micros);
  }
}

TEST(SpecTest, IncludeCurrent) {
  auto include = [](const std::string& agg, const std::string& value) {
    FeatureSpec spec = MustParse(
        OneFeature("    entity: card_id\n    " + agg + "\n    include_current: " + value + "\n"));
    return !spec.features.empty() && spec.features[0].include_current;
  };
  EXPECT_TRUE(include("agg: count", "true"));
  EXPECT_FALSE(include("agg: count", "false"));
  EXPECT_TRUE(include("agg: distinct_count\n    field: device_id\n    window: 1h", "true"));
  EXPECT_TRUE(include("agg: sum\n    field: amount", "true"));
  EXPECT_TRUE(include("agg: ratio\n    numerator: amount > 5", "true"));
  // `false` is allowed where `true` is not.
  EXPECT_FALSE(include("agg: last\n    field: amount", "false"));
  EXPECT_FALSE(include("agg: time_since_last", "false"));
  EXPECT_FALSE(include("agg: time_since_first", "false"));
}

TEST(SpecTest, FiltersNumeratorsAndValues) {
  FeatureSpec spec = MustParse(
      "name: t\n"
      "features:\n"
      "  - name: online_count\n"
      "    entity: customer_id\n"
      "    agg: count\n"
      "    filter: channel in (ONLINE, MOBILE) and amount <= 1000\n"
      "  - name: online_share\n"
      "    entity: customer_id\n"
      "    agg: ratio\n"
      "    filter: type != TRANSFER\n"
      "    numerator: channel == ONLINE\n"
      "  - name: atm_count\n"
      "    entity: customer_id\n"
      "    agg: count_value\n"
      "    field: channel\n"
      "    value: ATM\n"
      "  - name: grocery_count\n"
      "    entity: customer_id\n"
      "    agg: count_value\n"
      "    field: mcc\n"
      "    value: 5411\n"
      "  - name: cny_count\n"
      "    entity: customer_id\n"
      "    agg: count_value\n"
      "    field: currency\n"
      "    value: CNY\n"
      "  - name: night_count\n"
      "    entity: customer_id\n"
      "    agg: count_value\n"
      "    field: hour\n"
      "    value: 23\n"
      "  - name: payee_count\n"
      "    entity: customer_id\n"
      "    agg: count_value\n"
      "    field: counterparty_id\n"
      "    value: X0000001234\n");
  ASSERT_EQ(spec.features.size(), 7u);
  const FeatureDef& online = spec.features[0];
  EXPECT_EQ(online.filter_text, "channel in (ONLINE, MOBILE) and amount <= 1000");
  ASSERT_NE(online.filter, nullptr);
  EXPECT_EQ(online.numerator, nullptr);
  EXPECT_EQ(online.line, 3);

  const FeatureDef& share = spec.features[1];
  EXPECT_EQ(share.filter_text, "type != TRANSFER");
  EXPECT_EQ(share.numerator_text, "channel == ONLINE");
  ASSERT_NE(share.filter, nullptr);
  ASSERT_NE(share.numerator, nullptr);
  EXPECT_EQ(share.line, 7);

  EXPECT_EQ(spec.features[2].value_text, "ATM");
  EXPECT_EQ(spec.features[2].value_hash, *internal::HashOfText(tx::kChannel, "ATM"));
  EXPECT_EQ(spec.features[3].value_text, "5411");
  EXPECT_EQ(spec.features[3].value_hash, *internal::HashOfText(tx::kMcc, "5411"));
  EXPECT_EQ(spec.features[4].value_hash, *internal::HashOfText(tx::kCurrency, "CNY"));
  EXPECT_EQ(spec.features[5].value_hash, *internal::HashOfText(kHourField, "23"));
  EXPECT_EQ(spec.features[6].value_hash, *internal::HashOfText(tx::kCounterpartyId, "X0000001234"));
  std::set<uint64_t> hashes;
  for (size_t i = 2; i < 7; ++i) hashes.insert(spec.features[i].value_hash);
  EXPECT_EQ(hashes.size(), 5u);
  EXPECT_NE(*internal::HashOfText(tx::kChannel, "ATM"), *internal::HashOfText(tx::kChannel, "POS"));
}

// docs/features.md: "distinct_count and count_value take any transaction field except ts
// ... even amount".
TEST(SpecTest, CountValueTakesAmountAsDocumented) {
  FeatureSpec spec =
      MustParse(OneFeature("    entity: customer_id\n    agg: count_value\n    field: amount\n"
                           "    value: 100000\n"));
  ASSERT_EQ(spec.features.size(), 1u);
  EXPECT_EQ(spec.features[0].field, tx::kAmount);
}

TEST(SpecTest, DerivedFeatures) {
  FeatureSpec spec = MustParse(
      "name: t\n"
      "features:\n"
      "  - name: customer_amount_mean_30d\n"
      "    entity: customer_id\n"
      "    agg: mean\n"
      "    field: amount\n"
      "    window: 30d\n"
      "  - name: customer_amount_stddev_30d\n"
      "    entity: customer_id\n"
      "    agg: stddev\n"
      "    field: amount\n"
      "    window: 30d\n"
      "  - name: zscore\n"
      "    description: how unusual the amount is\n"
      "    expr: (amount - customer_amount_mean_30d) / customer_amount_stddev_30d\n"
      "  - name: abs_zscore\n"
      "    expr: abs(zscore)\n"
      "  - name: amount\n"  // a feature may be named like a field; `amount` is the field
      "    entity: card_id\n"
      "    agg: count\n"
      "  - name: twice\n"
      "    expr: amount * 2\n");
  ASSERT_EQ(spec.features.size(), 6u);
  const FeatureDef& zscore = spec.features[2];
  EXPECT_EQ(zscore.aggregation, Aggregation::kDerived);
  EXPECT_EQ(zscore.keyspace, -1);
  EXPECT_EQ(zscore.field, -1);
  EXPECT_EQ(zscore.window, kLifetime);
  EXPECT_EQ(zscore.expr_text, "(amount - customer_amount_mean_30d) / customer_amount_stddev_30d");
  ASSERT_NE(zscore.expr, nullptr);
  EXPECT_THAT(zscore.expr->feature_refs(), ::testing::ElementsAre(0, 1));
  ASSERT_NE(spec.features[3].expr, nullptr);
  EXPECT_THAT(spec.features[3].expr->feature_refs(), ::testing::ElementsAre(2));
  ASSERT_NE(spec.features[5].expr, nullptr);
  EXPECT_TRUE(spec.features[5].expr->feature_refs().empty());
  EXPECT_EQ(spec.keyspaces.size(), 2u);
  EXPECT_EQ(spec.FeatureIndex("zscore"), 2);
  EXPECT_EQ(spec.FeatureIndex("twice"), 5);
  EXPECT_EQ(spec.FeatureIndex("nope"), -1);
}

TEST(SpecTest, FlowStyleAndCommentsParse) {
  FeatureSpec spec = MustParse(
      "# a comment\n"
      "{name: flow, features: [\n"
      "  {name: a, entity: card_id, agg: count, window: 1h},  # trailing comment\n"
      "  {name: b, expr: 'a * 2'}]}\n");
  ASSERT_EQ(spec.features.size(), 2u);
  EXPECT_EQ(spec.features[1].expr_text, "a * 2");
}

// ---------------------------------------------------------------------------------------
// Fingerprint

constexpr char kFingerprintBase[] =
    "name: fp\n"
    "version: 2\n"
    "allowed_lateness: 5m\n"
    "distinct_exact_limit: 100\n"
    "hll_precision: 12\n"
    "description: base\n"
    "features:\n"
    "  - name: card_count_1h\n"
    "    entity: card_id\n"
    "    agg: count\n"
    "    window: 1h\n"
    "    filter: channel == ONLINE\n"
    "    include_current: false\n"
    "  - name: customer_amount_mean_24h\n"
    "    entity: customer_id\n"
    "    agg: mean\n"
    "    field: amount\n"
    "    window: 24h\n"
    "  - name: customer_online_share_7d\n"
    "    entity: customer_id+merchant_id\n"
    "    agg: ratio\n"
    "    numerator: channel == ONLINE\n"
    "    window: 7d\n"
    "  - name: customer_atm_count_30d\n"
    "    entity: customer_id\n"
    "    agg: count_value\n"
    "    field: channel\n"
    "    value: ATM\n"
    "    window: 30d\n"
    "  - name: amount_to_mean\n"
    "    expr: amount / customer_amount_mean_24h\n";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "ambiguous: " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(SpecTest, FingerprintIsStable) {
  FeatureSpec a = MustParse(kFingerprintBase);
  FeatureSpec b = MustParse(kFingerprintBase);
  auto c = ParseFeatureSpec(kFingerprintBase, "elsewhere/other.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_EQ(a.fingerprint, c->fingerprint);  // the file's name is not part of it
  // Edits that change no value keep the fingerprint.
  const std::pair<std::string, std::string> neutral[] = {
      {"description: base\n", "description: something else\n"},
      {"description: base\n", ""},
      {"features:\n", "# a comment\nfeatures:  # another\n"},
      {"window: 24h\n", "window: 1d\n"},
      {"window: 1h\n", "window: \"1h\"\n"},
      {"window: 1h\n", "window: 60m\n"},
      {"    include_current: false\n", ""},
      {"    include_current: false\n", "    description: cards\n    include_current: false\n"},
      {"    entity: card_id\n    agg: count\n", "    agg: count\n    entity: card_id\n"},
      {"entity: customer_id+merchant_id", "entity: customer_id + merchant_id"},
  };
  for (const auto& [from, to] : neutral) {
    SCOPED_TRACE(from + " -> " + to);
    EXPECT_EQ(MustParse(Replace(kFingerprintBase, from, to)).fingerprint, a.fingerprint);
  }
  EXPECT_EQ(MustParse(Replace(kFingerprintBase, "version: 2\n", "")).fingerprint,
            MustParse(Replace(kFingerprintBase, "version: 2\n", "version: 1\n")).fingerprint);
}

TEST(SpecTest, FingerprintChangesWithEverySemanticPart) {
  const uint64_t base = MustParse(kFingerprintBase).fingerprint;
  const std::pair<std::string, std::string> changes[] = {
      {"name: fp\n", "name: fp2\n"},
      {"version: 2\n", "version: 3\n"},
      {"allowed_lateness: 5m\n", "allowed_lateness: 6m\n"},
      {"distinct_exact_limit: 100\n", "distinct_exact_limit: 101\n"},
      {"hll_precision: 12\n", "hll_precision: 13\n"},
      {"name: card_count_1h\n", "name: card_count_1h_b\n"},
      {"entity: card_id\n", "entity: device_id\n"},
      {"entity: customer_id+merchant_id\n", "entity: customer_id+device_id\n"},
      {"agg: mean\n", "agg: max\n"},
      {"field: amount\n", "field: mcc\n"},
      {"window: 1h\n", "window: 2h\n"},
      {"window: 24h\n", "window: lifetime\n"},
      {"include_current: false\n", "include_current: true\n"},
      {"filter: channel == ONLINE\n", "filter: channel == MOBILE\n"},
      {"    filter: channel == ONLINE\n", ""},
      {"numerator: channel == ONLINE\n", "numerator: channel == MOBILE\n"},
      {"value: ATM\n", "value: POS\n"},
      {"field: channel\n", "field: type\n    value: TRANSFER\n#"},
      {"expr: amount / customer_amount_mean_24h\n", "expr: amount * customer_amount_mean_24h\n"},
  };
  std::set<uint64_t> seen = {base};
  for (const auto& [from, to] : changes) {
    SCOPED_TRACE(from + " -> " + to);
    uint64_t fingerprint = MustParse(Replace(kFingerprintBase, from, to)).fingerprint;
    EXPECT_NE(fingerprint, base);
    EXPECT_TRUE(seen.insert(fingerprint).second) << "collides with another change";
  }
  // The order of the features is the feature vector's layout.
  std::string swapped = Replace(kFingerprintBase,
                                "  - name: card_count_1h\n"
                                "    entity: card_id\n"
                                "    agg: count\n"
                                "    window: 1h\n"
                                "    filter: channel == ONLINE\n"
                                "    include_current: false\n",
                                "");
  swapped = Replace(swapped, "  - name: amount_to_mean\n",
                    "  - name: card_count_1h\n"
                    "    entity: card_id\n"
                    "    agg: count\n"
                    "    window: 1h\n"
                    "    filter: channel == ONLINE\n"
                    "  - name: amount_to_mean\n");
  EXPECT_NE(MustParse(swapped).fingerprint, base);
}

// ---------------------------------------------------------------------------------------
// Errors, each "file:line:column: reason" at the offending place.

struct ErrorCase {
  std::string yaml;
  std::string error;  // the whole message
};

void ExpectErrors(const std::vector<ErrorCase>& cases) {
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.yaml);
    EXPECT_EQ(ErrorOf(c.yaml), c.error);
  }
}

TEST(SpecErrorTest, YamlSyntax) {
  std::string error = ErrorOf("name: t\nfeatures:\n  - name: f\n    entity: [card_id\n");
  EXPECT_THAT(error, ::testing::MatchesRegex("s\\.yaml:[0-9]+:[0-9]+: .+")) << error;
  error = ErrorOf("name: t\nfeatures:\n  - name: f\n   agg: count\n");
  EXPECT_THAT(error, ::testing::MatchesRegex("s\\.yaml:4:[0-9]+: .+")) << error;
  error = ErrorOf("name: t\n\tfeatures: x\n");
  EXPECT_THAT(error, StartsWith("s.yaml:")) << error;
  error = ErrorOf("name: \"unterminated\nfeatures: []\n");
  EXPECT_THAT(error, StartsWith("s.yaml:")) << error;
  EXPECT_THAT(ErrorOf("name: *nothing\n"), StartsWith("s.yaml:1:"));
}

TEST(SpecErrorTest, TopLevel) {
  ExpectErrors({
      {"- a\n- b\n", "s.yaml:1:1: a feature spec is a map with name and features"},
      {"just text\n", "s.yaml:1:1: a feature spec is a map with name and features"},
      {"name: t\nnmae: u\nfeatures: []\n",
       "s.yaml:2:1: unknown key 'nmae'; expected one of name, version, allowed_lateness, "
       "distinct_exact_limit, hll_precision, features, description"},
      {"features:\n  - {name: f, entity: ip, agg: count}\n", "s.yaml:1:1: missing 'name'"},
      {"name: t\n", "s.yaml:1:1: missing 'features'"},
      {"name: t\nfeatures: []\n", "s.yaml:2:11: 'features' must be a non-empty list"},
      {"name: t\nfeatures: 3\n", "s.yaml:2:11: 'features' must be a non-empty list"},
      {"name: t\nfeatures: {a: b}\n", "s.yaml:2:11: 'features' must be a non-empty list"},
      {"name: Bad Name\nfeatures: []\n",
       "s.yaml:1:7: name 'Bad Name' must be 1-64 of a-z, 0-9, _ and -"},
      {"name: a.b\nfeatures: []\n", "s.yaml:1:7: name 'a.b' must be 1-64 of a-z, 0-9, _ and -"},
      {"name: ''\nfeatures: []\n", "s.yaml:1:7: name '' must be 1-64 of a-z, 0-9, _ and -"},
      {"name: " + std::string(65, 'a') + "\nfeatures: []\n",
       "s.yaml:1:7: name '" + std::string(65, 'a') + "' must be 1-64 of a-z, 0-9, _ and -"},
      {"name: [a]\nfeatures: []\n", "s.yaml:1:7: name must be a single value"},
      {"name: t\nversion: x\nfeatures: []\n",
       "s.yaml:2:10: version must be an integer in [1, 1000000], not 'x'"},
      {"name: t\nversion: 0\nfeatures: []\n",
       "s.yaml:2:10: version must be an integer in [1, 1000000], not '0'"},
      {"name: t\nversion: 1.5\nfeatures: []\n",
       "s.yaml:2:10: version must be an integer in [1, 1000000], not '1.5'"},
      {"name: t\nallowed_lateness: lifetime\nfeatures: []\n",
       "s.yaml:2:19: allowed_lateness: must be a duration, not lifetime"},
      {"name: t\nallowed_lateness: 5x\nfeatures: []\n",
       "s.yaml:2:19: allowed_lateness: '5x' is not a duration (a positive count with s, m, h or "
       "d, at most 36600d, or lifetime)"},
      {"name: t\ndistinct_exact_limit: 0\nfeatures: []\n",
       "s.yaml:2:23: distinct_exact_limit must be an integer in [1, 1000000], not '0'"},
      {"name: t\nhll_precision: 7\nfeatures: []\n",
       "s.yaml:2:16: hll_precision must be an integer in [8, 16], not '7'"},
      {"name: t\nhll_precision: 17\nfeatures: []\n",
       "s.yaml:2:16: hll_precision must be an integer in [8, 16], not '17'"},
  });
  // Empty input has no position to name.
  EXPECT_THAT(ErrorOf(""), StartsWith("s.yaml"));
  EXPECT_THAT(ErrorOf(""), HasSubstr("a feature spec is a map"));
}

TEST(SpecErrorTest, TooManyFeatures) {
  std::string yaml = "name: t\nfeatures:\n";
  for (int i = 0; i <= 1024; ++i) {
    yaml += "  - {name: f" + std::to_string(i) + ", entity: ip, agg: count}\n";
  }
  EXPECT_EQ(ErrorOf(yaml), "s.yaml:3:3: more than 1024 features");
}

TEST(SpecErrorTest, FeatureKeysAndNames) {
  ExpectErrors({
      {OneFeature("    entity: card_id\n    agg: count\n    windw: 5m\n"),
       "s.yaml:6:5: unknown key 'windw'; expected one of name, entity, agg, field, value, "
       "window, filter, numerator, include_current, expr, description"},
      {"name: t\nfeatures:\n  - just a string\n",
       "s.yaml:3:5: a feature is a map with name, entity and agg"},
      {"name: t\nfeatures:\n  - entity: card_id\n    agg: count\n",
       "s.yaml:3:5: feature without 'name'"},
      {"name: t\nfeatures:\n  - name: Card\n    entity: card_id\n    agg: count\n",
       "s.yaml:3:11: feature name 'Card' must start with a-z and hold only a-z, 0-9 and _ (at "
       "most 64)"},
      {"name: t\nfeatures:\n  - name: 1card\n    entity: card_id\n    agg: count\n",
       "s.yaml:3:11: feature name '1card' must start with a-z and hold only a-z, 0-9 and _ (at "
       "most 64)"},
      {"name: t\nfeatures:\n  - name: card-count\n    entity: card_id\n    agg: count\n",
       "s.yaml:3:11: feature name 'card-count' must start with a-z and hold only a-z, 0-9 and _ "
       "(at most 64)"},
      {"name: t\nfeatures:\n  - name: _card\n    entity: card_id\n    agg: count\n",
       "s.yaml:3:11: feature name '_card' must start with a-z and hold only a-z, 0-9 and _ (at "
       "most 64)"},
      {"name: t\nfeatures:\n  - name: " + std::string(65, 'a') +
           "\n    entity: card_id\n    agg: count\n",
       "s.yaml:3:11: feature name '" + std::string(65, 'a') +
           "' must start with a-z and hold only a-z, 0-9 and _ (at most 64)"},
      {"name: t\nfeatures:\n  - {name: a, entity: ip, agg: count}\n"
       "  - {name: b, entity: ip, agg: count}\n  - {name: a, entity: ip, agg: count}\n",
       "s.yaml:5:12: feature 'a' is defined twice"},
      {"name: t\nfeatures:\n  - {name: a, entity: ip, agg: count}\n  - {name: a, expr: '1'}\n",
       "s.yaml:4:12: feature 'a' is defined twice"},
      {OneFeature("    agg: count\n"), "s.yaml:3:5: feature 'f' needs 'entity' (or 'expr')"},
      {OneFeature("    entity: card_id\n"), "s.yaml:3:5: feature 'f' needs 'agg'"},
      {OneFeature("    entity: card_id\n    agg: cnt\n"),
       "s.yaml:5:10: unknown aggregation 'cnt'; expected one of count, sum, mean, min, max, "
       "stddev, distinct_count, last, time_since_last, time_since_first, count_value, ratio"},
      {OneFeature("    entity: card_id\n    agg: Count\n"),
       "s.yaml:5:10: unknown aggregation 'Count'; expected one of count, sum, mean, min, max, "
       "stddev, distinct_count, last, time_since_last, time_since_first, count_value, ratio"},
      {OneFeature("    entity: card_id\n    agg: expr\n"),
       "s.yaml:5:10: unknown aggregation 'expr'; expected one of count, sum, mean, min, max, "
       "stddev, distinct_count, last, time_since_last, time_since_first, count_value, ratio"},
      {OneFeature("    entity: card_id\n    agg: [count]\n"),
       "s.yaml:5:10: agg must be a single value"},
  });
}

TEST(SpecErrorTest, Entities) {
  const std::string kFields =
      " is not a transaction field an entity can be keyed by (customer_id, account_id, "
      "card_id, merchant_id, device_id, ip, counterparty_id, country, city, mcc, channel, "
      "type, currency)";
  ExpectErrors({
      {OneFeature("    entity: nope\n    agg: count\n"), "s.yaml:4:13: entity: 'nope'" + kFields},
      {OneFeature("    entity: amount\n    agg: count\n"),
       "s.yaml:4:13: entity: 'amount'" + kFields},
      {OneFeature("    entity: ts\n    agg: count\n"), "s.yaml:4:13: entity: 'ts'" + kFields},
      {OneFeature("    entity: hour\n    agg: count\n"), "s.yaml:4:13: entity: 'hour'" + kFields},
      {OneFeature("    entity: card_id+\n    agg: count\n"), "s.yaml:4:13: entity: ''" + kFields},
      {OneFeature("    entity: card_id+card_id\n    agg: count\n"),
       "s.yaml:4:13: entity: 'card_id' appears twice"},
      {OneFeature("    entity: card_id + ip + card_id\n    agg: count\n"),
       "s.yaml:4:13: entity: 'card_id' appears twice"},
  });
}

TEST(SpecErrorTest, Fields) {
  ExpectErrors({
      {OneFeature("    entity: card_id\n    agg: sum\n"), "s.yaml:3:5: agg sum needs 'field'"},
      {OneFeature("    entity: card_id\n    agg: distinct_count\n    window: 1h\n"),
       "s.yaml:3:5: agg distinct_count needs 'field'"},
      {OneFeature("    entity: card_id\n    agg: count_value\n    value: ATM\n"),
       "s.yaml:3:5: agg count_value needs 'field'"},
      {OneFeature("    entity: card_id\n    agg: sum\n    field: amout\n"),
       "s.yaml:6:12: unknown transaction field 'amout'"},
      {OneFeature("    entity: card_id\n    agg: max\n    field: ts\n"),
       "s.yaml:6:12: unknown transaction field 'ts'"},
      {OneFeature("    entity: card_id\n    agg: distinct_count\n    field: ts\n    window: 1h\n"),
       "s.yaml:6:12: unknown transaction field 'ts'"},
      {OneFeature("    entity: card_id\n    agg: mean\n    field: merchant_id\n"),
       "s.yaml:6:12: agg mean needs a numeric field (amount, mcc, lat, lon, hour, channel, "
       "type), not 'merchant_id'"},
      {OneFeature("    entity: card_id\n    agg: last\n    field: currency\n"),
       "s.yaml:6:12: agg last needs a numeric field (amount, mcc, lat, lon, hour, channel, "
       "type), not 'currency'"},
      {OneFeature("    entity: card_id\n    agg: count\n    field: amount\n"),
       "s.yaml:6:12: agg count takes no 'field'"},
      {OneFeature("    entity: card_id\n    agg: ratio\n    field: amount\n    numerator: 1\n"),
       "s.yaml:6:12: agg ratio takes no 'field'"},
      {OneFeature("    entity: card_id\n    agg: time_since_last\n    field: amount\n"),
       "s.yaml:6:12: agg time_since_last takes no 'field'"},
  });
}

TEST(SpecErrorTest, Values) {
  ExpectErrors({
      {OneFeature("    entity: card_id\n    agg: count_value\n    field: channel\n"),
       "s.yaml:3:5: agg count_value needs 'value'"},
      {OneFeature("    entity: card_id\n    agg: count\n    value: ATM\n"),
       "s.yaml:6:12: only agg count_value takes 'value'"},
      {OneFeature("    entity: card_id\n    agg: distinct_count\n    field: channel\n"
                  "    value: ATM\n    window: 1h\n"),
       "s.yaml:7:12: only agg count_value takes 'value'"},
      {OneFeature("    entity: card_id\n    agg: count_value\n    field: channel\n"
                  "    value: ONLNE\n"),
       "s.yaml:7:12: 'ONLNE' is not a value of channel (POS, ATM, COUNTER, ONLINE, MOBILE, "
       "TRANSFER)"},
      {OneFeature("    entity: card_id\n    agg: count_value\n    field: type\n"
                  "    value: atm\n"),
       "s.yaml:7:12: 'atm' is not a value of type (PURCHASE, WITHDRAWAL, TRANSFER, REFUND, "
       "PAYMENT, DEPOSIT)"},
      {OneFeature("    entity: card_id\n    agg: count_value\n    field: mcc\n"
                  "    value: grocery\n"),
       "s.yaml:7:12: 'grocery' is not an integer for mcc"},
      {OneFeature("    entity: card_id\n    agg: count_value\n    field: mcc\n"
                  "    value: 54.11\n"),
       "s.yaml:7:12: '54.11' is not an integer for mcc"},
      {OneFeature("    entity: card_id\n    agg: count_value\n    field: currency\n"
                  "    value: XYZ\n"),
       "s.yaml:7:12: 'XYZ' is not an ISO 4217 currency"},
      {OneFeature("    entity: card_id\n    agg: count_value\n    field: hour\n"
                  "    value: 24\n"),
       "s.yaml:7:12: '24' is not an hour (0-23)"},
      {OneFeature("    entity: card_id\n    agg: count_value\n    field: channel\n"
                  "    value: [ATM]\n"),
       "s.yaml:7:12: value must be a single value"},
  });
}

TEST(SpecErrorTest, Windows) {
  const std::string kNotDuration =
      "' is not a duration (a positive count with s, m, h or d, at most 36600d, or lifetime)";
  auto with_window = [](const std::string& agg, const std::string& window) {
    return OneFeature("    entity: card_id\n    " + agg + "\n    window: " + window + "\n");
  };
  ExpectErrors({
      {with_window("agg: count", "0m"), "s.yaml:6:13: window: '0m" + kNotDuration},
      {with_window("agg: count", "-5m"), "s.yaml:6:13: window: '-5m" + kNotDuration},
      {with_window("agg: count", "+5m"), "s.yaml:6:13: window: '+5m" + kNotDuration},
      {with_window("agg: count", "5x"), "s.yaml:6:13: window: '5x" + kNotDuration},
      {with_window("agg: count", "3w"), "s.yaml:6:13: window: '3w" + kNotDuration},
      {with_window("agg: count", "1.5h"), "s.yaml:6:13: window: '1.5h" + kNotDuration},
      {with_window("agg: count", "5M"), "s.yaml:6:13: window: '5M" + kNotDuration},
      {with_window("agg: count", "36601d"), "s.yaml:6:13: window: '36601d" + kNotDuration},
      {with_window("agg: count", "Lifetime"), "s.yaml:6:13: window: 'Lifetime" + kNotDuration},
      {with_window("agg: count", "5"),
       "s.yaml:6:13: window: '5' is not a duration (like 90s, 5m, 1h, 7d or lifetime)"},
      {with_window("agg: count", "''"),
       "s.yaml:6:13: window: '' is not a duration (like 90s, 5m, 1h, 7d or lifetime)"},
      {with_window("agg: time_since_last", "1h"),
       "s.yaml:6:13: agg time_since_last takes no window (it looks at all history)"},
      {with_window("agg: time_since_first", "30d"),
       "s.yaml:6:13: agg time_since_first takes no window (it looks at all history)"},
      {with_window("agg: distinct_count\n    field: ip", "lifetime"),
       "s.yaml:3:5: agg distinct_count needs a finite window (such as 30d or 90d)"},
      {OneFeature("    entity: card_id\n    agg: distinct_count\n    field: ip\n"),
       "s.yaml:3:5: agg distinct_count needs a finite window (such as 30d or 90d)"},
  });
}

TEST(SpecErrorTest, RatioAndIncludeCurrent) {
  ExpectErrors({
      {OneFeature("    entity: card_id\n    agg: ratio\n    window: 7d\n"),
       "s.yaml:3:5: agg ratio needs 'numerator' (a condition)"},
      {OneFeature("    entity: card_id\n    agg: count\n    numerator: channel == ONLINE\n"),
       "s.yaml:6:16: only agg ratio takes 'numerator'"},
      {OneFeature("    entity: card_id\n    agg: count\n    include_current: yes\n"),
       "s.yaml:6:22: include_current must be true or false, not 'yes'"},
      {OneFeature("    entity: card_id\n    agg: count\n    include_current: 1\n"),
       "s.yaml:6:22: include_current must be true or false, not '1'"},
      {OneFeature("    entity: card_id\n    agg: last\n    field: amount\n"
                  "    include_current: true\n"),
       "s.yaml:7:22: agg last is about earlier events; include_current does not apply"},
      {OneFeature("    entity: card_id\n    agg: time_since_last\n    include_current: true\n"),
       "s.yaml:6:22: agg time_since_last is about earlier events; include_current does not "
       "apply"},
      {OneFeature("    entity: card_id\n    agg: time_since_first\n    include_current: true\n"),
       "s.yaml:6:22: agg time_since_first is about earlier events; include_current does not "
       "apply"},
  });
}

TEST(SpecErrorTest, DerivedFeatures) {
  const std::string kBase =
      "name: t\nfeatures:\n  - name: a\n    entity: card_id\n    agg: count\n";
  ExpectErrors({
      {kBase + "  - name: d\n    expr: a * 2\n    entity: card_id\n",
       "s.yaml:8:13: a derived feature (expr) takes no 'entity'"},
      {kBase + "  - name: d\n    expr: a * 2\n    agg: count\n",
       "s.yaml:8:10: a derived feature (expr) takes no 'agg'"},
      {kBase + "  - name: d\n    expr: a * 2\n    window: 1h\n",
       "s.yaml:8:13: a derived feature (expr) takes no 'window'"},
      {kBase + "  - name: d\n    expr: a * 2\n    filter: amount > 1\n",
       "s.yaml:8:13: a derived feature (expr) takes no 'filter'"},
      {kBase + "  - name: d\n    expr: a * 2\n    include_current: true\n",
       "s.yaml:8:22: a derived feature (expr) takes no 'include_current'"},
      // Unknown, later and self references; columns point into the expression.
      {kBase + "  - name: d\n    expr: amount / nope\n",
       "s.yaml:7:20: unknown name 'nope' (not a numeric field or an earlier feature)"},
      {kBase + "  - name: d\n    expr: a + later\n  - name: later\n    entity: ip\n"
               "    agg: count\n",
       "s.yaml:7:15: unknown name 'later' (not a numeric field or an earlier feature)"},
      {kBase + "  - name: d\n    expr: d + 1\n",
       "s.yaml:7:11: unknown name 'd' (not a numeric field or an earlier feature)"},
      {kBase + "  - name: d\n    expr: ''\n", "s.yaml:7:12: empty expression"},
      {kBase + "  - name: d\n    expr: log(a, 2)\n", "s.yaml:7:16: log() takes 1 argument"},
  });
}

TEST(SpecErrorTest, Filters) {
  auto with_filter = [](const std::string& filter) {
    return OneFeature("    entity: card_id\n    agg: count\n    filter: " + filter + "\n");
  };
  ExpectErrors({
      {with_filter("channel = ONLINE"), "s.yaml:6:21: unknown operator '=' (use == or !=)"},
      {with_filter("channel == MOBLE"),
       "s.yaml:6:24: 'MOBLE' is not a value of channel (POS, ATM, COUNTER, ONLINE, MOBILE, "
       "TRANSFER)"},
      {with_filter("channel in (ONLINE, MOBLE)"),
       "s.yaml:6:33: 'MOBLE' is not a value of channel (POS, ATM, COUNTER, ONLINE, MOBILE, "
       "TRANSFER)"},
      {with_filter("amount >= 100000 and"), "s.yaml:6:33: unexpected end of expression"},
      {with_filter("amount > 5 5"), "s.yaml:6:24: unexpected '5'"},
      {with_filter("custmer_id == C1"),
       "s.yaml:6:13: unknown name 'custmer_id' (not a numeric "
       "field)"},
      {with_filter("country == 'CN"), "s.yaml:6:24: unterminated string"},
      {with_filter("present(hour)"), "s.yaml:6:21: unknown field 'hour'"},
      {with_filter("sqr(amount) > 2"),
       "s.yaml:6:13: unknown function 'sqr' (abs, log, log1p, sqrt, min, max, coalesce, "
       "present)"},
      // A filter sees no features.
      {"name: t\nfeatures:\n  - {name: a, entity: ip, agg: count}\n"
       "  - {name: b, entity: ip, agg: count, filter: a > 1}\n",
       "s.yaml:4:47: unknown name 'a' (not a numeric field)"},
      {OneFeature("    entity: card_id\n    agg: ratio\n    numerator: type == TRANSFR\n"),
       "s.yaml:6:24: 'TRANSFR' is not a value of type (PURCHASE, WITHDRAWAL, TRANSFER, REFUND, "
       "PAYMENT, DEPOSIT)"},
      {OneFeature("    entity: card_id\n    agg: count\n    filter: [a]\n"),
       "s.yaml:6:13: filter must be a single value"},
  });
}

// The column inside a quoted scalar counts from the first character of the expression, not
// from the opening quote.
TEST(SpecErrorTest, QuotedExpressionColumns) {
  EXPECT_EQ(ErrorOf(OneFeature("    entity: card_id\n    agg: count\n"
                               "    filter: \"channel = ONLINE\"\n")),
            "s.yaml:6:22: unknown operator '=' (use == or !=)");
  EXPECT_EQ(ErrorOf(OneFeature("    entity: card_id\n    agg: count\n"
                               "    filter: 'channel = ONLINE'\n")),
            "s.yaml:6:22: unknown operator '=' (use == or !=)");
}

TEST(SpecErrorTest, FirstProblemWins) {
  // Two problems: the earlier one in the file is reported.
  EXPECT_EQ(ErrorOf("name: t\nfeatures:\n  - {name: a, entity: nope, agg: count}\n"
                    "  - {name: B, entity: ip, agg: count}\n"),
            ErrorOf("name: t\nfeatures:\n  - {name: a, entity: nope, agg: count}\n"));
}

// ---------------------------------------------------------------------------------------
// Durations

TEST(DurationTest, Parses) {
  EXPECT_EQ(*ParseDuration("90s"), 90 * kSecond);
  EXPECT_EQ(*ParseDuration("1s"), kSecond);
  EXPECT_EQ(*ParseDuration("5m"), 5 * kMinute);
  EXPECT_EQ(*ParseDuration("1h"), kHour);
  EXPECT_EQ(*ParseDuration("24h"), kDay);
  EXPECT_EQ(*ParseDuration("1d"), kDay);
  EXPECT_EQ(*ParseDuration("007d"), 7 * kDay);
  EXPECT_EQ(*ParseDuration("90d"), 90 * kDay);
  EXPECT_EQ(*ParseDuration("36600d"), 36'600 * kDay);
  EXPECT_EQ(*ParseDuration("878400h"), 36'600 * kDay);
  EXPECT_EQ(*ParseDuration("3162240000s"), 36'600 * kDay);
  EXPECT_EQ(*ParseDuration("lifetime"), kLifetime);
}

TEST(DurationTest, Rejects) {
  for (const char* text : {"",        "5",      "m",       "0m",          "0s",
                           "-5m",     "+5m",    "5x",      "5M",          "1.5h",
                           " 5m",     "5m ",    "5 m",     "m5",          "Lifetime",
                           "forever", "36601d", "878401h", "3162240001s", "99999999999999999999s",
                           "5mm",     "1e3s",   "0x10s"}) {
    SCOPED_TRACE(text);
    auto duration = ParseDuration(text);
    ASSERT_FALSE(duration.ok());
    EXPECT_EQ(duration.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(duration.status().message(), HasSubstr("is not a duration"));
  }
}

TEST(DurationTest, Formats) {
  EXPECT_EQ(FormatDuration(kLifetime), "lifetime");
  EXPECT_EQ(FormatDuration(90 * kSecond), "90s");
  EXPECT_EQ(FormatDuration(60 * kSecond), "1m");
  EXPECT_EQ(FormatDuration(90 * kMinute), "90m");
  EXPECT_EQ(FormatDuration(kHour), "1h");
  EXPECT_EQ(FormatDuration(25 * kHour), "25h");
  EXPECT_EQ(FormatDuration(24 * kHour), "1d");
  EXPECT_EQ(FormatDuration(30 * kDay), "30d");
  EXPECT_EQ(FormatDuration(1'500'000), "1500000us");
}

TEST(DurationTest, RoundTrips) {
  for (const char* text :
       {"1s", "90s", "59m", "5m", "1h", "23h", "25h", "1d", "7d", "36600d", "lifetime"}) {
    SCOPED_TRACE(text);
    auto duration = ParseDuration(text);
    ASSERT_TRUE(duration.ok());
    EXPECT_EQ(FormatDuration(*duration), text);
  }
  std::mt19937_64 rng(42);
  const Timestamp units[] = {kSecond, kMinute, kHour, kDay};
  for (int i = 0; i < 2'000; ++i) {
    Timestamp unit = units[rng() % 4];
    Timestamp duration = static_cast<Timestamp>(1 + rng() % (36'600 * kDay / unit)) * unit;
    auto parsed = ParseDuration(FormatDuration(duration));
    ASSERT_TRUE(parsed.ok()) << FormatDuration(duration);
    EXPECT_EQ(*parsed, duration);
  }
}

std::string ValueText(double value) {
  std::string out = "x=";  // appends: what was there stays
  AppendFeatureValue(value, &out);
  EXPECT_EQ(out.substr(0, 2), "x=");
  return out.substr(2);
}

TEST(FeatureValueTextTest, IntegralValuesExactlyWithoutExponent) {
  EXPECT_EQ(ValueText(0), "0");
  EXPECT_EQ(ValueText(-0.0), "0");
  EXPECT_EQ(ValueText(7), "7");
  EXPECT_EQ(ValueText(1032960), "1032960");  // {:g} gave 1.03296e+06
  EXPECT_EQ(ValueText(-250000), "-250000");
  EXPECT_EQ(ValueText(999999999999999), "999999999999999");
}

TEST(FeatureValueTextTest, FractionsWithAtMostFourDecimals) {
  EXPECT_EQ(ValueText(0.5), "0.5");
  EXPECT_EQ(ValueText(0.0123), "0.0123");
  EXPECT_EQ(ValueText(1523.25), "1523.25");
  EXPECT_EQ(ValueText(2.0 / 3), "0.6667");
  EXPECT_EQ(ValueText(-12345678.125), "-12345678.125");
  EXPECT_EQ(ValueText(0.001), "0.001");
}

TEST(FeatureValueTextTest, TinyHugeAndNonFiniteInGeneralForm) {
  EXPECT_EQ(ValueText(1.5e-5), "1.5e-05");
  EXPECT_EQ(ValueText(2.5e15), "2.5e+15");
  EXPECT_EQ(ValueText(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(ValueText(std::nan("")), "nan");
}

// ---------------------------------------------------------------------------------------
// Files

class SpecFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("spec_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::filesystem::path dir_;
};

constexpr char kSmallSpec[] = "name: t\nfeatures:\n  - {name: f, entity: ip, agg: count}\n";

TEST_F(SpecFileTest, LoadsAFile) {
  std::string path = Write("s.yaml", kSmallSpec);
  auto spec = LoadFeatureSpec(path);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->file, path);
  EXPECT_EQ(spec->fingerprint, MustParse(kSmallSpec).fingerprint);
}

TEST_F(SpecFileTest, ErrorsNameThePath) {
  std::string path = Write("bad.yaml", "name: t\nfeatures:\n  - {name: f, entity: ip, agg: cnt}\n");
  auto spec = LoadFeatureSpec(path);
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.status().message(), StartsWith(path + ":3:32: unknown aggregation 'cnt'"));
}

TEST_F(SpecFileTest, MissingFile) {
  std::string path = (dir_ / "absent.yaml").string();
  auto spec = LoadFeatureSpec(path);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(spec.status().message(), HasSubstr(path));
}

TEST_F(SpecFileTest, SizeLimitIsOneMebibyte) {
  std::string exact = kSmallSpec;
  exact += "#" + std::string((1u << 20) - exact.size() - 2, 'x') + "\n";
  ASSERT_EQ(exact.size(), 1u << 20);
  auto fits = LoadFeatureSpec(Write("exact.yaml", exact));
  EXPECT_TRUE(fits.ok()) << fits.status().ToString();

  std::string over = kSmallSpec;
  over += "#" + std::string((1u << 20) - over.size() - 1, 'x') + "\n";
  ASSERT_EQ(over.size(), (1u << 20) + 1);
  std::string path = Write("over.yaml", over);
  auto spec = LoadFeatureSpec(path);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(spec.status().message(), HasSubstr("larger than 1 MiB"));
  EXPECT_THAT(spec.status().message(), HasSubstr(path));
}

TEST_F(SpecFileTest, DirectoryIsAnError) { EXPECT_FALSE(LoadFeatureSpec(dir_.string()).ok()); }

TEST(SpecExamplesTest, EveryExampleParses) {
  std::filesystem::path dir = std::filesystem::path(PANORAMA_SOURCE_DIR) / "examples/features";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << "no " << dir;
  size_t specs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    auto spec = LoadFeatureSpec(entry.path().string());
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    EXPECT_FALSE(spec->features.empty());
    ++specs;
  }
  // fraud, customer, peers and window20 ship with the project.
  EXPECT_GE(specs, 4u);
}

}  // namespace
}  // namespace panorama::features
