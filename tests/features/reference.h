// A brute-force model of the feature semantics of docs/features.md, for the engine's property
// tests. It keeps every applied transaction and computes each feature of an event by scanning
// the whole history of the event's entity, straight from the definitions:
//
//   W = { x applied before e, of e's entity, passing the filter, having the field,
//         e.ts - window <= x.ts < e.ts }  (+ e itself with include_current)
//
// It shares no code with src/features: filters, ratio numerators, count_value tests and
// derived expressions are C++ functions that a test writes beside the YAML they mirror, using
// the three-valued logic below. Slow on purpose (O(history) per event and feature).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "core/schema.h"
#include "core/time.h"

namespace panorama::features::ref {

inline constexpr Timestamp kForever = std::numeric_limits<int64_t>::max();  // lifetime
inline constexpr int kHourOfDay = 1000;  // the virtual `hour` field (UTC hour of ts)
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// SQL's three-valued logic, as the filter language defines it.
enum class Tri : uint8_t { kFalse, kTrue, kMissing };
Tri And(Tri a, Tri b);
Tri Or(Tri a, Tri b);
Tri Not(Tri a);
inline Tri TriOf(bool b) { return b ? Tri::kTrue : Tri::kFalse; }

// The numeric value of a field as the spec language reads it (amount in minor units, mcc,
// channel and type as numbers, lat/lon in degrees, hour of day); nullopt when absent.
std::optional<double> NumericField(const Event& e, int field);
// `field OP value` on a numeric field; missing when the field is absent.
enum class Op : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };
Tri Compare(const Event& e, int field, Op op, double value);
// Categorical equality, missing when the field is absent: strings (ids, country, city, ip),
// enum indices (channel, type), mcc, and currency codes ("CNY").
Tri Is(const Event& e, int field, std::string_view value);
Tri IsEnum(const Event& e, int field, int index);
Tri IsCurrency(const Event& e, std::string_view code);
Tri Present(const Event& e, int field);

// Derived-expression arithmetic: NaN is missing; division by zero and comparisons with a
// missing operand are missing; true = 1, false = 0.
double Div(double a, double b);
double Cmp(double a, Op op, double b);
double AndD(double a, double b);
double OrD(double a, double b);
double NotD(double a);
double LogD(double a);
double Log1pD(double a);
double SqrtD(double a);
double MinD(double a, double b);
double MaxD(double a, double b);
double Coalesce(double a, double b);

enum class RefAgg : uint8_t {
  kCount,
  kSum,
  kMean,
  kMin,
  kMax,
  kStddev,
  kDistinct,
  kLast,
  kTimeSinceLast,
  kTimeSinceFirst,
  kCountValue,
  kRatio,
  kDerived,
};

using Filter = std::function<Tri(const Event&)>;
// A derived expression: `feature(name)` is the value of an earlier feature of the spec.
using FeatureLookup = std::function<double(std::string_view name)>;
using Derived = std::function<double(const Event&, const FeatureLookup& feature)>;

struct RefFeature {
  std::string name;
  RefAgg agg = RefAgg::kCount;
  std::vector<int> entity;  // transaction field numbers (customer_id+merchant_id: two)
  int field = -1;           // a tx field, or kHourOfDay
  Timestamp window = kForever;
  bool include_current = false;
  Filter filter;     // null: every event
  Filter numerator;  // ratio
  Filter value;      // count_value: `field == value` (false or missing when absent)
  Derived expr;      // derived
};

struct RefSpec {
  Timestamp allowed_lateness = 5 * 60 * kMicrosPerSecond;
  uint64_t distinct_exact_limit = 1024;
  std::vector<RefFeature> features;
};

struct RefResult {
  enum class Outcome : uint8_t { kApplied, kRejected, kNotTransaction };
  Outcome outcome = Outcome::kNotTransaction;
  bool late = false;           // applied although older than the newest ts seen
  std::vector<double> values;  // NaN = missing; all NaN when rejected
  // 1 where the engine may estimate: a distinct_count whose W holds more than
  // distinct_exact_limit events.
  std::vector<uint8_t> estimated;
};

class Reference {
 public:
  explicit Reference(RefSpec spec);

  RefResult Update(const Event& event);

  // The features of an entity after the last update, as `features show` defines them: as
  // for an event just after the newest one seen, every applied event counting. Derived
  // features and features of other entities are NaN. `key` lists the entity's field values
  // as written (ids, "ONLINE" for channel, "5411" for mcc...); nullopt when the entity has
  // no history.
  std::optional<std::vector<double>> EntityFeatures(const std::vector<int>& entity,
                                                    const std::vector<std::string>& key) const;

  Timestamp max_ts() const { return max_ts_; }
  const RefSpec& spec() const { return spec_; }

 private:
  // What one applied event contributes to each feature, evaluated once when it is applied.
  struct Row {
    Timestamp ts = 0;
    // The newest ts applied so far, this event included. It never decreases along the
    // arrival order and bounds ts, so a backward scan of a history may stop at the first
    // row whose max_ts is older than a window's start: every earlier row is older too.
    Timestamp max_ts = 0;
    std::vector<uint8_t> in;         // passes filter (and field presence / value test)
    std::vector<uint8_t> numerator;  // ratio numerator true
    std::vector<int64_t> value;      // numeric value (lat/lon in 1e-7 degrees)
    std::vector<uint32_t> distinct;  // interned categorical value
  };
  Row MakeRow(const Event& e);
  std::string KeyOf(const Event& e, const std::vector<int>& fields, bool* present) const;
  void Compute(const std::vector<uint32_t>* history, const Row& current, Timestamp t,
               size_t keyspace, std::vector<double>* out, std::vector<uint8_t>* estimated) const;

  RefSpec spec_;
  std::vector<std::vector<int>> keyspaces_;  // distinct entity field lists
  std::vector<size_t> keyspace_of_;          // per feature (derived: SIZE_MAX)
  std::map<std::string, size_t, std::less<>> index_of_;
  std::vector<std::unordered_map<std::string, std::vector<uint32_t>>> histories_;
  std::vector<Row> rows_;  // every applied event, in arrival order
  std::unordered_map<std::string, uint32_t> interned_;
  Timestamp max_ts_ = std::numeric_limits<int64_t>::min();
  mutable std::vector<uint64_t> stamp_;  // distinct counting scratch
  mutable uint64_t stamp_epoch_ = 0;
};

// The UTC hour of day of `ts`, 0-23.
int64_t UtcHour(Timestamp ts);

}  // namespace panorama::features::ref
