// FeatureSpec: a parsed, validated feature specification (the YAML language of
// docs/features.md). Parsing checks everything a run could trip over later — unknown
// fields, aggregations that do not fit their field, windows, filters, derived expressions
// and their references — and reports the first problem as "file:line:column: reason".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace panorama::features {

enum class Aggregation : uint8_t {
  kCount,
  kSum,
  kMean,
  kMin,
  kMax,
  kStddev,  // population standard deviation (divides by n)
  kDistinctCount,
  kLast,            // the field's value in the latest earlier event
  kTimeSinceLast,   // seconds since the latest earlier event
  kTimeSinceFirst,  // seconds since the first event ever seen
  kCountValue,      // events whose categorical `field` equals `value`
  kRatio,           // events matching `numerator` / all events (both after `filter`)
  kDerived,         // `expr` over other features and the current event
};
std::string_view AggregationName(Aggregation aggregation);

class Expression;  // compiled filter or derived expression (internal/expression.h)

constexpr Timestamp kLifetime = INT64_MAX;

struct FeatureDef {
  std::string name;
  Aggregation aggregation = Aggregation::kCount;
  int keyspace = -1;  // index into FeatureSpec::keyspaces; -1 for derived features
  int field = -1;     // transaction field number, or a virtual field (kHourField)
  Timestamp window = kLifetime;
  bool include_current = false;
  std::string filter_text;                      // as written; empty when none
  std::string numerator_text;                   // ratio
  std::string value_text;                       // count_value
  std::string expr_text;                        // derived
  std::shared_ptr<const Expression> filter;     // null when none
  std::shared_ptr<const Expression> numerator;  // ratio
  std::shared_ptr<const Expression> expr;       // derived
  uint64_t value_hash = 0;                      // count_value: hash of `value`
  int line = 0;                                 // where the feature is defined
};

// An entity key: one field or a combination such as customer_id+merchant_id.
struct Keyspace {
  std::string name;         // "customer_id+merchant_id"
  std::vector<int> fields;  // transaction field numbers, in the order written
};

// The hour of day (0-23, UTC) of the event's ts, usable wherever a numeric field is.
constexpr int kHourField = 100;

struct FeatureSpec {
  std::string name;  // [a-z0-9_-]{1,64}: names the state under DIR/state/features/<name>
  std::string file;  // where it was read from
  int64_t version = 1;
  Timestamp allowed_lateness = Timestamp{300} * kMicrosPerSecond;
  uint32_t distinct_exact_limit = 1024;
  int hll_precision = 12;
  std::vector<Keyspace> keyspaces;
  std::vector<FeatureDef> features;  // in the order of the file: the feature vector's order
  // A hash of everything that changes feature values; stored with checkpoints so that
  // state built by one spec is never read by another.
  uint64_t fingerprint = 0;

  int FeatureIndex(std::string_view feature_name) const;  // -1 when absent
};

// Parses YAML text; `file` names it in error messages.
Result<FeatureSpec> ParseFeatureSpec(std::string_view yaml, const std::string& file);
Result<FeatureSpec> LoadFeatureSpec(const std::string& path);

// A duration such as "90s", "5m", "1h", "24h", "7d" (also "lifetime" → kLifetime).
Result<Timestamp> ParseDuration(std::string_view text);
std::string FormatDuration(Timestamp duration);

// Appends a feature value as an analyst reads it (reasons, `panorama features show`): integral
// values exactly, without an exponent (counts, seconds, sums of minor units: 1032960, not
// 1.03296e+06); others with at most 4 decimals (0.0123, 1523.5); magnitudes under 0.001 or
// from 1e15 on, and NaN or infinities, in the general form with 6 digits (1.5e-05). Appends
// into `out` without allocating beyond its growth (the decision record's reasons use it).
void AppendFeatureValue(double value, std::string* out);

}  // namespace panorama::features
