// How the feature engine reads a transaction: numeric values, categorical hashes and entity
// keys. Shared by the spec compiler, the expressions and the engine so that a value means
// the same thing everywhere.
#pragma once

#include <xxhash.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "core/event.h"
#include "core/schema.h"
#include "core/time.h"
#include "features/feature_spec.h"

namespace panorama::features::internal {

// Coordinates are kept as integers of 1e-7 degrees (about 1 cm), so that window sums of
// them are exact like every other sum.
constexpr double kCoordinateScale = 1e7;

inline int64_t HourOfDay(Timestamp ts) {
  constexpr Timestamp kHour = 3'600LL * kMicrosPerSecond;
  int64_t hours = ts / kHour - (ts % kHour < 0 ? 1 : 0);
  int64_t hour = hours % 24;
  return hour < 0 ? hour + 24 : hour;
}

// True for the fields a numeric aggregation (sum, mean, min, max, stddev, last) may use.
inline bool IsNumericField(int field) {
  return field == tx::kAmount || field == tx::kMcc || field == tx::kLat || field == tx::kLon ||
         field == kHourField || field == tx::kChannel || field == tx::kType;
}

// The integer a numeric aggregation accumulates for `field`; false when absent.
inline bool NumericValue(const Event& event, int field, int64_t* value) {
  if (field == kHourField) {
    *value = HourOfDay(event.ts());
    return true;
  }
  if (!event.has(field)) return false;
  if (field == tx::kLat || field == tx::kLon) {
    *value = std::llround(event.real(field) * kCoordinateScale);
    return true;
  }
  *value = event.num(field);
  return true;
}

// The factor that turns an accumulated integer of `field` back into its unit.
inline double FieldScale(int field) {
  return field == tx::kLat || field == tx::kLon ? 1.0 / kCoordinateScale : 1.0;
}

inline uint64_t HashBytes(std::string_view bytes, uint64_t seed = 0) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}
inline uint64_t HashNumber(int64_t number, uint64_t seed = 0) {
  return XXH3_64bits_withSeed(&number, sizeof number, seed);
}

// The hash of a field's value for distinct_count, count_value and entity keys; false when
// the field is absent. Strings hash their bytes, numbers their int64 (reals their bits).
inline bool CategoricalHash(const Event& event, int field, uint64_t* hash, uint64_t seed = 0) {
  if (field == kHourField) {
    *hash = HashNumber(HourOfDay(event.ts()), seed);
    return true;
  }
  if (!event.has(field)) return false;
  switch (StorageOf(event.schema().fields[static_cast<size_t>(field)].type)) {
    case StorageClass::kString:
      *hash = HashBytes(event.str(field), seed);
      return true;
    case StorageClass::kNumber:
    case StorageClass::kReal:
      *hash = HashNumber(event.num(field), seed);
      return true;
  }
  return false;
}

}  // namespace panorama::features::internal

namespace panorama::features::internal {

// The CategoricalHash a field would have for `text` as written in a spec or on the command
// line ("ONLINE" for channel, "5411" for mcc, "CNY" for currency, an id as is).
Result<uint64_t> HashOfText(int field, std::string_view text, uint64_t seed = 0);

// The transaction field named `name` ("hour" is kHourField), or -1.
int TransactionField(std::string_view name);

}  // namespace panorama::features::internal
