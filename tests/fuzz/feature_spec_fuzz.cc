#include <bit>
#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/money.h"
#include "core/schema.h"
#include "core/time.h"
#include "features/feature_engine.h"
#include "features/feature_spec.h"
#include "fuzz_targets.h"
#include "fuzz_util.h"

namespace panorama::fuzz {
namespace {

using features::Aggregation;
using features::FeatureEngine;
using features::FeatureSpec;

constexpr Timestamp kBase = 1'790'812'800LL * kMicrosPerSecond;  // 2026-10-01T00:00:00Z

// Transactions of two customers, cards and devices: in order, at equal times, late within and
// beyond the default allowed lateness, with optional fields missing; plus one label.
std::vector<Event> SyntheticEvents() {
  struct Row {
    int64_t seconds;  // after kBase
    int customer;
    int channel;
    int type;
    int64_t amount;
    const char* currency;
    bool full;  // device, merchant, ip, country, city, lat, lon set
  };
  static constexpr Row kRows[] = {
      {0, 1, tx_channel::kOnline, tx_type::kPurchase, 1234, "CNY", true},
      {10, 1, tx_channel::kPos, tx_type::kPurchase, 0, "CNY", false},
      {10, 2, tx_channel::kAtm, tx_type::kWithdrawal, 500'000, "CNY", true},
      {70, 1, tx_channel::kMobile, tx_type::kTransfer, 99, "USD", true},
      {3'600, 2, tx_channel::kOnline, tx_type::kPurchase, 1'000'000'000'000, "JPY", true},
      {30, 1, tx_channel::kOnline, tx_type::kRefund, 7, "CNY", true},  // beyond 5m: rejected
      {3'500, 1, tx_channel::kCounter, tx_type::kDeposit, 4'600'000, "CNY", false},  // late
      {86'400, 1, tx_channel::kTransfer, tx_type::kPayment, 1, "CNY", true},
      {86'400, 2, tx_channel::kOnline, tx_type::kPurchase, 2, "CNY", true},
      {86'401, 1, tx_channel::kOnline, tx_type::kPurchase, 3, "EUR", true},
      {604'800, 1, tx_channel::kPos, tx_type::kPurchase, 250, "CNY", false},
      {34'560'000, 2, tx_channel::kOnline, tx_type::kPurchase, 12, "CNY", true},
  };
  std::vector<Event> events;
  int n = 0;
  for (const Row& row : kRows) {
    ++n;
    Event& e = events.emplace_back(EventKind::kTransaction);
    e.set_str(tx::kTxId, "T" + std::to_string(n));
    e.set_num(tx::kTs, kBase + row.seconds * kMicrosPerSecond);
    e.set_str(tx::kCustomerId, row.customer == 1 ? "C1" : "C2");
    e.set_str(tx::kAccountId, row.customer == 1 ? "A1" : "A2");
    e.set_str(tx::kCardId, n % 3 == 0 ? "K2" : "K1");
    e.set_num(tx::kChannel, row.channel);
    e.set_num(tx::kType, row.type);
    e.set_num(tx::kAmount, row.amount);
    e.set_num(tx::kCurrency, Currency::FromCode(row.currency)->Packed());
    e.set_num(tx::kMcc, n % 2 == 0 ? 6011 : 5411);
    if (row.full) {
      e.set_str(tx::kDeviceId, n % 4 == 0 ? "D2" : "D1");
      e.set_str(tx::kMerchantId, n % 2 == 0 ? "M2" : "M1");
      e.set_str(tx::kIp, n % 2 == 0 ? "203.0.113.7" : "2001:db8::1");
      e.set_str(tx::kCountry, n % 3 == 0 ? "HK" : "CN");
      e.set_str(tx::kCity, "Shang hai");
      e.set_real(tx::kLat, 31.2304 + n * 0.01);
      e.set_real(tx::kLon, -121.4737 - n * 0.01);
    }
    if (row.type == tx_type::kTransfer) e.set_str(tx::kCounterpartyId, "X1");
  }
  Event& label = events.emplace_back(EventKind::kLabel);
  label.set_str(label::kTxId, "T1");
  label.set_num(label::kTs, kBase + 5 * kMicrosPerSecond);
  label.set_num(label::kIsFraud, 1);
  return events;
}

bool Integral(double v) { return v == std::floor(v); }

// Checks one feature value against what its aggregation can produce after `applied`
// earlier transactions (NaN, the missing value, is always possible).
void CheckValue(Aggregation aggregation, double v, size_t applied) {
  if (std::isnan(v)) return;
  const double bound = static_cast<double>(applied + 1);
  switch (aggregation) {
    case Aggregation::kCount:
    case Aggregation::kCountValue:
      Require(Integral(v) && v >= 0 && v <= bound);
      break;
    case Aggregation::kDistinctCount:
      Require(v >= 0 && std::isfinite(v));
      break;
    case Aggregation::kRatio:
      Require(v >= 0 && v <= 1);
      break;
    case Aggregation::kStddev:
    case Aggregation::kTimeSinceLast:
    case Aggregation::kTimeSinceFirst:
      Require(v >= 0 && std::isfinite(v));
      break;
    case Aggregation::kSum:
    case Aggregation::kMean:
    case Aggregation::kMin:
    case Aggregation::kMax:
    case Aggregation::kLast:
      Require(std::isfinite(v));
      break;
    case Aggregation::kDerived:
      break;
  }
}

// Runs the events through a fresh in-memory engine; returns the bits of every output.
std::vector<uint64_t> Run(const FeatureSpec& spec, const std::vector<Event>& events) {
  auto engine = FeatureEngine::Open(spec);
  if (!engine.ok()) {
    Require(!engine.status().message().empty());
    return {};
  }
  FeatureEngine& e = **engine;
  Require(e.width() == spec.features.size());
  std::vector<double> out(e.width());
  std::vector<uint64_t> bits;
  size_t applied = 0;
  uint64_t seq = 0;
  for (const Event& event : events) {
    ++seq;
    bool skipped = true;
    Status status = e.Update(event, seq, out, &skipped);
    Require(!skipped);
    Require(status.ok() || status.code() == StatusCode::kOutOfRange);
    Require(e.last_seq() == seq);
    if (event.kind() != EventKind::kTransaction) continue;
    for (size_t i = 0; i < out.size(); ++i) {
      if (status.ok()) CheckValue(spec.features[i].aggregation, out[i], applied);
      bits.push_back(std::bit_cast<uint64_t>(out[i]));
    }
    if (status.ok()) ++applied;
  }
  // A replayed record is skipped and leaves the output alone.
  bool skipped = false;
  Require(e.Update(events.front(), 1, out, &skipped).ok() && skipped);
  Require(e.counters().applied == applied);
  Require(e.Checkpoint().ok());
  // The current features of every keyspace for the first transaction's entity.
  const Event& first = events.front();
  std::vector<double> current(e.width());
  for (size_t k = 0; k < spec.keyspaces.size(); ++k) {
    std::vector<std::string> values;
    for (int field : spec.keyspaces[k].fields) values.push_back(FormatField(first, field));
    std::vector<std::string_view> key(values.begin(), values.end());
    Status status = e.EntityFeatures(static_cast<int>(k), key, current);
    Require(status.ok() || status.code() == StatusCode::kNotFound ||
            status.code() == StatusCode::kInvalidArgument);
  }
  return bits;
}

}  // namespace

int FeatureSpecFuzz(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto spec = features::ParseFeatureSpec(input, "fuzz.yaml");
  if (!spec.ok()) {
    Require(spec.status().code() == StatusCode::kInvalidArgument);
    Require(spec.status().message().starts_with("fuzz.yaml"));
    return 0;
  }
  Require(!spec->features.empty() && spec->features.size() <= 1024);
  auto again = features::ParseFeatureSpec(input, "other.yaml");
  Require(again.ok() && again->fingerprint == spec->fingerprint);
  for (const features::FeatureDef& def : spec->features) {
    Require((def.aggregation == Aggregation::kDerived) == (def.keyspace < 0));
    Require(def.keyspace < static_cast<int>(spec->keyspaces.size()));
    Require(def.window > 0);
  }
  static const std::vector<Event> kEvents = SyntheticEvents();
  std::vector<uint64_t> first = Run(*spec, kEvents);
  // Values are a deterministic function of the updates.
  Require(Run(*spec, kEvents) == first);
  return 0;
}

}  // namespace panorama::fuzz

#ifdef PANORAMA_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return panorama::fuzz::FeatureSpecFuzz(data, size);
}
#endif
