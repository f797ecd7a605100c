// Fuzz target of the rule-set parser, the rule language's compiler and its evaluator. A rule
// set that parses is evaluated over fixed transactions (fields present and missing, feature
// vectors with and without values, too short, with and without a model and list snapshot):
// the rules Evaluate() fires must be exactly the enabled ones whose EvaluateCondition() is
// true, so the fire code and the value code of every condition check each other.
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/money.h"
#include "core/schema.h"
#include "core/time.h"
#include "decide/list_snapshot.h"
#include "decide/rules.h"
#include "features/feature_spec.h"
#include "fuzz_targets.h"
#include "fuzz_util.h"

namespace panorama::fuzz {
namespace {

using decide::ListSnapshot;
using decide::RuleInput;
using decide::RuleSet;

constexpr Timestamp kBase = 1'790'812'800LL * kMicrosPerSecond;  // 2026-10-01T00:00:00Z
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A few features of examples/features/fraud.yaml, so that seeds can name them (the fuzz
// binary does not read files).
constexpr char kSpec[] = R"(name: fuzz
features:
  - {name: device_distinct_cards_1h, entity: device_id, agg: distinct_count, field: card_id, window: 1h}
  - {name: card_count_1h, entity: card_id, agg: count, window: 1h}
  - {name: card_count_24h, entity: card_id, agg: count, window: 24h}
  - {name: customer_amount_mean_30d, entity: customer_id, agg: mean, field: amount, window: 30d}
  - {name: customer_device_count_90d, entity: customer_id+device_id, agg: count, window: 90d}
  - {name: amount_to_customer_mean_30d, expr: amount / customer_amount_mean_30d}
  - {name: new_device_for_customer, expr: customer_device_count_90d == 0}
)";

const features::FeatureSpec& Spec() {
  static const features::FeatureSpec spec = [] {
    auto parsed = features::ParseFeatureSpec(kSpec, "fuzz-spec.yaml");
    Require(parsed.ok());
    return std::move(parsed).value();
  }();
  return spec;
}

std::vector<Event> Events() {
  std::vector<Event> events;
  for (int n = 0; n < 4; ++n) {
    Event& e = events.emplace_back(EventKind::kTransaction);
    e.set_str(tx::kTxId, "T" + std::to_string(n));
    e.set_num(tx::kTs, kBase + n * 7'200 * kMicrosPerSecond - (n == 3 ? kBase * 2 : 0));
    e.set_str(tx::kCustomerId, n % 2 == 0 ? "C1" : "C2");
    e.set_num(tx::kChannel, n);
    e.set_num(tx::kType, 5 - n);
    e.set_num(tx::kAmount, n == 0 ? 0 : 1234 * n * n);
    e.set_num(tx::kCurrency, Currency::FromCode(n == 2 ? "USD" : "CNY")->Packed());
    if (n == 3) continue;  // only the required fields
    e.set_str(tx::kAccountId, "A1");
    e.set_str(tx::kCardId, n == 1 ? "K1" : "K2");
    e.set_str(tx::kMerchantId, "M1");
    e.set_str(tx::kDeviceId, n == 0 ? "D1" : "D2");
    e.set_str(tx::kIp, n == 0 ? "203.0.113.7" : "2001:db8::1");
    e.set_num(tx::kMcc, n == 1 ? 6011 : 5411);
    e.set_str(tx::kCountry, n == 1 ? "HK" : "CN");
    e.set_str(tx::kCity, n == 2 ? "" : "Shanghai");
    e.set_real(tx::kLat, 31.2304 + n);
    e.set_real(tx::kLon, 121.4737 - n);
    if (n == 2) e.set_str(tx::kCounterpartyId, "X1");
  }
  return events;
}

void Check(const RuleSet& set, const RuleInput& input) {
  std::vector<uint16_t> fired(set.rules().size());
  const size_t count = set.Evaluate(input, fired);
  Require(count <= set.rules().size());
  size_t next = 0;  // fired[next] is the next rule expected to fire
  for (size_t r = 0; r < set.rules().size(); ++r) {
    const double value = set.EvaluateCondition(r, input);
    Require(std::isnan(value) || value == 0 || value == 1);
    const bool fires = set.rules()[r].enabled && value == 1;
    if (fires) {
      Require(next < count && fired[next] == r);
      ++next;
    }
  }
  Require(next == count);
  Require(set.Evaluate(input, std::span<uint16_t>(fired.data(), count / 2)) == count / 2);
}

}  // namespace

int RulesFuzz(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = decide::ParseRuleSet(input, "fuzz.yaml", &Spec());
  if (!parsed.ok()) {
    Require(parsed.status().code() == StatusCode::kInvalidArgument);
    Require(parsed.status().message().starts_with("fuzz.yaml"));
    return 0;
  }
  const RuleSet& set = **parsed;
  Require(set.rules().size() <= 1000 && set.lists().size() <= 256);
  Require(0 <= set.review_at() && set.review_at() <= set.decline_at() && set.decline_at() <= 1000);
  for (const decide::Rule& rule : set.rules()) {
    Require(!rule.id.empty() && rule.id.size() <= 64);
    Require(rule.points >= -1000 && rule.points <= 1000);
  }
  auto again = decide::ParseRuleSet(input, "other.yaml", &Spec());
  Require(again.ok() && (*again)->rules().size() == set.rules().size());

  static const std::vector<Event> kEvents = Events();
  ListSnapshot lists(set.lists().size());
  for (size_t i = 0; i < set.lists().size(); ++i) {
    for (std::string_view value : {"D1", "C1", "HK", "A1", "X1", "203.0.113.7", "K1", "M1"}) {
      if (i % 2 == 0 || value.size() == 2) lists.Add(i, value);
    }
  }
  const size_t width = Spec().features.size();
  std::vector<double> values(width);
  for (size_t i = 0; i < width; ++i) values[i] = static_cast<double>(i % 3);
  const std::vector<double> empty(width, kNaN);
  for (const Event& event : kEvents) {
    RuleInput in;
    in.event = &event;
    in.features = values;
    in.lists = &lists;
    Check(set, in);
    in.model_score = 0.5;
    in.features = empty;
    Check(set, in);
    in.features = std::span<const double>(values.data(), 2);
    in.lists = nullptr;
    Check(set, in);
  }
  Check(set, RuleInput{});
  return 0;
}

}  // namespace panorama::fuzz

#ifdef PANORAMA_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return panorama::fuzz::RulesFuzz(data, size);
}
#endif
